/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What a poll asks the kernel: a full GET + LIST_RULES, or only a GET when the audit records the
 * daemon reads would have shown every change since the last full check. See poll.c. */
#pragma once

#include <stdint.h>
#include <linux/audit.h>

/* A full check at least every POLL_BACKSTOP polls, whatever the records say. */
#define POLL_BACKSTOP 6u

typedef struct PollState {
        int have_full;                  /* a full check succeeded since start */
        uint64_t last_full_usec;        /* CLOCK_MONOTONIC of the last successful full check */
        struct audit_status base;       /* status at that check (or the last quiet GET) */
        int suppressible;               /* the kernel held an exclude,never rule: records may be hidden */
        int need_full;                  /* a GET saw something change: the next check lists */
        uint64_t light, full;           /* counts, for the debug log and tests */
        int trim_due;                   /* a full check ran since the last malloc_trim() */
} PollState;

struct Manager;
struct ak_kstate;

/* The reason for a poll: VERIFY_POLL_LIGHT (GET only) or VERIFY_POLL (GET + LIST). */
int poll_reason(struct Manager *m);
/* A full check read this snapshot without error. */
void poll_full_done(struct Manager *m, const struct ak_kstate *snapshot);
/* A GET-only check read this status: 1 when a full check must follow, 0 when all is quiet. */
int poll_light_done(struct Manager *m, const struct audit_status *now);
