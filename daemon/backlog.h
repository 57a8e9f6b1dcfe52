/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What the kernel's status says about its record backlog, read at every check and poll (the GET
 * is made anyway): the highest backlog seen, the records the kernel lost and the time audited
 * processes waited for room in the backlog, since the daemon started, and the episodes of either
 * (warned once each, in the journal). Pure: the manager feeds it statuses and logs its findings. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/audit.h>

/* An episode ends after this many poll intervals without new losses (or waits). */
#define BACKLOG_QUIET_POLLS 5u

typedef struct BacklogEpisode {
        bool open;
        uint64_t since_usec;            /* CLOCK_REALTIME of the read before the first growth */
        uint64_t last_usec;             /* CLOCK_MONOTONIC of the last growth */
        uint64_t until_usec;            /* CLOCK_REALTIME of the read that saw it */
        uint64_t amount;                /* records lost, or jiffies waited, in this episode */
} BacklogEpisode;

typedef struct Backlog {
        bool have;                      /* a status was read */
        uint32_t lost, wait;            /* the kernel's counters at the last read */
        uint64_t last_wall_usec;        /* CLOCK_REALTIME of the last read */
        uint32_t peak;                  /* the highest backlog a read saw, since start */
        uint64_t lost_total;            /* records lost since start (a counter reset counts from 0) */
        uint64_t wait_total;            /* jiffies audited processes waited since start */
        BacklogEpisode lost_ep, wait_ep;
} Backlog;

/* What one read found (bits). */
enum {
        BACKLOG_MOVED = 1u << 0,        /* peak, lost or wait moved: the metrics changed */
        BACKLOG_LOST_BEGIN = 1u << 1,   /* records are being lost: warn (once per episode) */
        BACKLOG_LOST_END = 1u << 2,     /* no loss for the quiet time: the episode is over */
        BACKLOG_WAIT_BEGIN = 1u << 3,
        BACKLOG_WAIT_END = 1u << 4,
};

/* A status read at `now` (CLOCK_MONOTONIC) and `wall` (CLOCK_REALTIME), usec; an episode ends
 * after `quiet` usec without growth. The first read only sets the baseline: what the kernel lost
 * before the daemon started is not counted. Returns BACKLOG_* bits. */
unsigned backlog_note(Backlog *b, const struct audit_status *s, uint64_t now, uint64_t wall, uint64_t quiet);

/* The kernel's tick rate (HZ), which backlog_wait_time and its actual are counted in: the
 * resolution of CLOCK_MONOTONIC_COARSE is one tick. 0 when it cannot be told. */
unsigned backlog_hz(void);
/* jiffies as usec at `hz` (0: unknown, taken as 250, the Debian kernels' and the kernel's
 * default). */
uint64_t backlog_jiffies_usec(uint64_t jiffies, unsigned hz);

/* The journal messages, malloc'd (NULL on OOM): records lost (at an episode's start), its end,
 * the wait (at its start) and its end. `s` is the status just read. */
char *backlog_lost_message(const Backlog *b, const struct audit_status *s);
char *backlog_lost_end_message(const Backlog *b);
char *backlog_wait_message(const Backlog *b, const struct audit_status *s, unsigned hz);
char *backlog_wait_end_message(const Backlog *b, unsigned hz);
