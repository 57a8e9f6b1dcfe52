/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The cheap poll. The daemon learns of changes from the kernel's CONFIG_CHANGE records; the poll
 * covers what records cannot show. A poll lists every rule (GET + LIST_RULES) only when one of
 * these says records may have missed something, and is a lone GET otherwise:
 *  - there is no event socket (no CAP_AUDIT_READ, or none asked for);
 *  - the last check did not end in sync (drifted, degraded, flapping...): only a full check
 *    can say it is over;
 *  - rules are pending (the kernel refused them): they are retried at every poll;
 *  - no full check has succeeded yet, or the last was POLL_BACKSTOP or more polls ago (backstop);
 *  - auditing was off (enabled=0) at the last check: the kernel logs no rule change then;
 *  - the kernel held an exclude-filter `never` rule at the last full check: such a rule can drop
 *    CONFIG_CHANGE records (any one, to be safe);
 *  - the last GET differed from the last full check in enabled, failure, rate_limit,
 *    backlog_limit, backlog_wait_time, the audit pid or the `lost` counter (the kernel counts every
 *    record it drops for the backlog, the rate limit or an overflowing queue there).
 * An overrun of the event socket (ENOBUFS) starts a full check at once (manager.c). Limits: a
 * record the kernel drops without counting it in `lost`, or that a listener-side filter hides,
 * is found by the backstop, at most POLL_BACKSTOP poll intervals later. */
#include "log.h"
#include "manager.h"
#include "poll.h"
#include "util.h"

#include <linux/audit.h>
#include <malloc.h>

static int has_exclude_never(const ak_kstate *s) {
        for (size_t i = 0; i < s->n_rules; i++) {
                const struct audit_rule_data *d = s->rules[i].data;

                if ((d->flags & ~AUDIT_FILTER_PREPEND) == AUDIT_FILTER_EXCLUDE && d->action == AUDIT_NEVER)
                        return 1;
        }
        return 0;
}

int poll_reason(Manager *m) {
        PollState *ps = &m->poll;
        const char *why = NULL;

        if (ps->trim_due) {
                /* Full checks allocate a copy of every rule (the listing) and free the previous
                 * one; hand the freed pages back while idle, here, not after each check: a
                 * verification that starts on trimmed memory pays the page faults again (in a
                 * guest, most of a repair's time). */
                (void) malloc_trim(0);
                ps->trim_due = 0;
        }

        if (!m->mon)
                why = "no event socket";
        else if (!ps->have_full || ps->need_full)
                why = ps->have_full ? "the status changed" : "first check";
        else if (now_usec() - ps->last_full_usec >= POLL_BACKSTOP * m->poll_usec - m->poll_usec / 2)
                why = "backstop";
        else if (m->fight.flapping || (m->state != STATE_IN_SYNC && m->state != STATE_MONITORING))
                why = "not in sync (or flapping): only a full check can say it is over";
        else if (m->n_pending > 0)
                why = "pending rules are retried at every poll";
        else if (ps->base.enabled == 0)
                why = "auditing off: rule changes are not logged";
        else if (ps->suppressible)
                why = "an exclude rule may hide records";
        if (why) {
                log_debug("poll: full check (%s)", why);
                return VERIFY_POLL;
        }
        return VERIFY_POLL_LIGHT;
}

void poll_full_done(Manager *m, const ak_kstate *snapshot) {
        PollState *ps = &m->poll;

        ps->have_full = 1;
        ps->need_full = 0;
        ps->last_full_usec = now_usec();
        ps->base = snapshot->status;
        ps->suppressible = has_exclude_never(snapshot);
        ps->full++;
        ps->trim_due = 1;
}

int poll_light_done(Manager *m, const struct audit_status *now) {
        PollState *ps = &m->poll;
        const struct audit_status *b = &ps->base;

        ps->light++;
        if (now->enabled != b->enabled || now->failure != b->failure || now->pid != b->pid ||
            now->rate_limit != b->rate_limit || now->backlog_limit != b->backlog_limit ||
            now->backlog_wait_time != b->backlog_wait_time || now->lost != b->lost) {
                log_debug("poll: status changed (enabled %u->%u, lost %u->%u): full check",
                          b->enabled, now->enabled, b->lost, now->lost);
                ps->need_full = 1;
                return 1;
        }
        return 0;
}
