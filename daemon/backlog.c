/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The kernel's record backlog at run time (see backlog.h).
 *
 * What the kernel says (kernel/audit.c, audit_log_start): a record that finds the backlog
 * (audit_queue) longer than backlog_limit makes the process that produces it sleep, up to
 * backlog_wait_time jiffies, adding the time slept to backlog_wait_time_actual; when the wait is
 * 0, used up, or not allowed (atomic context), the record is dropped and `lost` counts it. `lost`
 * also counts records dropped by the rate limit, for memory, and from the queue kept for an
 * absent audit daemon (booted with audit=1). The backlog drains through kauditd even when no
 * audit daemon is registered (multicast listeners, the kernel log), so `backlog` is a sample:
 * what the queue held at the moment of the GET, and `peak` the highest of those samples, a lower
 * bound of the true high-water mark (which the kernel does not keep). Both counters are u32 and
 * can be reset (--reset-lost, --reset_backlog_wait_time_actual): a counter that went down counts
 * from 0.
 *
 * Which keys produced most records: the daemon cannot tell, and says so. Its event socket passes
 * only configuration-change records (lib/netlink-filter.c, run by the kernel), so that a flood of
 * ordinary records costs it nothing; sampling the flood when records are being lost would add a
 * multicast listener (one more copy of every record for kauditd, the thread that is already
 * behind) at the worst moment, and log an EVENT_LISTENER record each time. The message names the
 * command that counts them from the audit log: aureport --start recent --key --summary. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "backlog.h"
#include "util.h"

#define DEFAULT_HZ 250u

static uint32_t delta(uint32_t before, uint32_t now) {
        return now >= before ? now - before : now;      /* reset (or wrapped): counted from 0 */
}

/* One counter's episode: 1 when it began at this read, 2 when it ended, 0 otherwise. */
static int episode_step(BacklogEpisode *e, uint64_t grew, uint64_t now, uint64_t wall, uint64_t prev_wall,
                        uint64_t quiet) {
        if (grew > 0) {
                int began = !e->open;

                if (began)
                        *e = (BacklogEpisode) { .open = true, .since_usec = prev_wall };
                e->amount += grew;
                e->last_usec = now;
                e->until_usec = wall;
                return began;
        }
        if (e->open && now - e->last_usec >= quiet) {
                e->open = false;
                return 2;
        }
        return 0;
}

unsigned backlog_note(Backlog *b, const struct audit_status *s, uint64_t now, uint64_t wall, uint64_t quiet) {
        uint32_t lost, wait;
        unsigned ev = 0;
        int r;

        if (s->backlog > b->peak) {
                b->peak = s->backlog;
                ev |= BACKLOG_MOVED;
        }
        if (!b->have) {
                b->have = true;
                b->lost = s->lost;
                b->wait = s->backlog_wait_time_actual;
                b->last_wall_usec = wall;
                return ev;
        }
        lost = delta(b->lost, s->lost);
        wait = delta(b->wait, s->backlog_wait_time_actual);
        b->lost = s->lost;
        b->wait = s->backlog_wait_time_actual;
        b->lost_total += lost;
        b->wait_total += wait;
        if (lost || wait)
                ev |= BACKLOG_MOVED;
        r = episode_step(&b->lost_ep, lost, now, wall, b->last_wall_usec, quiet);
        ev |= r == 1 ? BACKLOG_LOST_BEGIN : r == 2 ? BACKLOG_LOST_END : 0;
        r = episode_step(&b->wait_ep, wait, now, wall, b->last_wall_usec, quiet);
        ev |= r == 1 ? BACKLOG_WAIT_BEGIN : r == 2 ? BACKLOG_WAIT_END : 0;
        b->last_wall_usec = wall;
        return ev;
}

unsigned backlog_hz(void) {
        struct timespec res;

        if (clock_getres(CLOCK_MONOTONIC_COARSE, &res) < 0 || res.tv_sec != 0 || res.tv_nsec <= 0)
                return 0;
        return (unsigned) ((1000000000L + res.tv_nsec / 2) / res.tv_nsec);
}

uint64_t backlog_jiffies_usec(uint64_t jiffies, unsigned hz) {
        if (hz == 0)
                hz = DEFAULT_HZ;
        return jiffies * 1000000u / hz;
}

static const char *when(uint64_t usec, char *buf, size_t size) {
        time_t t = (time_t) (usec / 1000000u);
        struct tm tm;

        if (!localtime_r(&t, &tm) || strftime(buf, size, "%Y-%m-%d %H:%M:%S", &tm) == 0)
                snprintf(buf, size, "@%" PRIu64, usec / 1000000u);
        return buf;
}

static double seconds(uint64_t jiffies, unsigned hz) {
        return (double) backlog_jiffies_usec(jiffies, hz) / 1e6;
}

/* The -b to suggest: the common safe value, or twice the limit above it. */
static uint32_t bigger_limit(uint32_t limit) {
        return limit < 8192u ? 8192u : limit <= UINT32_MAX / 2 ? limit * 2 : limit;
}

#define NOISIEST "quiet the noisiest rules: auditkeepd reads only configuration-change records (the others are " \
                 "filtered out in the kernel, for cost), so it cannot tell which keys produced most records; " \
                 "'aureport --start recent --key --summary' counts them in the audit log"

char *backlog_lost_message(const Backlog *b, const struct audit_status *s) {
        char since[64];
        strbuf out = {};

        strbuf_printf(&out, "Audit records lost: the kernel lost %" PRIu64 " records since %s (backlog limit %" PRIu32
                      ", highest backlog seen %" PRIu32 ", backlog_wait_time %" PRIu32 ", rate limit %" PRIu32 "). ",
                      b->lost_ep.amount, when(b->lost_ep.since_usec, since, sizeof(since)), s->backlog_limit, b->peak,
                      s->backlog_wait_time, s->rate_limit);
        if (s->backlog_limit == 0)
                strbuf_puts(&out, "The backlog is unlimited, so the records went for another reason: ");
        else
                strbuf_printf(&out, "What to do: raise the backlog limit (-b %" PRIu32 " in the rules); ",
                              bigger_limit(s->backlog_limit));
        if (s->rate_limit > 0)
                strbuf_printf(&out, "the rate limit drops records above %" PRIu32 " a second (-r 0 removes it); ",
                              s->rate_limit);
        if (s->backlog_limit > 0 && s->backlog_wait_time == 0)
                strbuf_puts(&out, "set --backlog_wait_time (0 drops a record at once when the backlog is full, instead "
                                  "of making the audited process wait for room); ");
        strbuf_puts(&out, NOISIEST);
        return strbuf_steal(&out);
}

char *backlog_lost_end_message(const Backlog *b) {
        char since[64], until[64];

        return strdup_printf("Audit records no longer lost: %" PRIu64 " records lost between %s and %s; "
                             "%" PRIu64 " since auditkeepd started",
                             b->lost_ep.amount, when(b->lost_ep.since_usec, since, sizeof(since)),
                             when(b->lost_ep.until_usec, until, sizeof(until)), b->lost_total);
}

char *backlog_wait_message(const Backlog *b, const struct audit_status *s, unsigned hz) {
        char since[64];
        strbuf out = {};

        strbuf_printf(&out, "Audited processes waited %.3f s for the audit backlog since %s (backlog limit %" PRIu32
                      ", highest backlog seen %" PRIu32 ", backlog_wait_time %" PRIu32 " = %.0f s a record): no record "
                      "was lost for it, but each audited process stalls while the backlog is full. What to do: ",
                      seconds(b->wait_ep.amount, hz), when(b->wait_ep.since_usec, since, sizeof(since)),
                      s->backlog_limit, b->peak, s->backlog_wait_time, seconds(s->backlog_wait_time, hz));
        if (s->backlog_limit > 0)
                strbuf_printf(&out, "raise the backlog limit (-b %" PRIu32 " in the rules); ", bigger_limit(s->backlog_limit));
        strbuf_puts(&out, NOISIEST);
        return strbuf_steal(&out);
}

char *backlog_wait_end_message(const Backlog *b, unsigned hz) {
        char since[64], until[64];

        return strdup_printf("Audited processes no longer wait for the audit backlog: %.3f s waited between %s and %s; "
                             "%.3f s since auditkeepd started",
                             seconds(b->wait_ep.amount, hz), when(b->wait_ep.since_usec, since, sizeof(since)),
                             when(b->wait_ep.until_usec, until, sizeof(until)), seconds(b->wait_total, hz));
}
