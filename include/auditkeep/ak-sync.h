/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* auditkeep: one reconciliation. Snapshot the kernel, plan (ak-plan.h), send everything but the
 * lock, then the lock only if everything else is in force. Does I/O through ak_nl (ak_sync), or
 * leaves sending to the caller (ak_sync_plan, ak_sync_main_ops, ak_sync_collect: the daemon's
 * asynchronous loop). */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "auditkeep/ak-kernel.h"
#include "auditkeep/ak-plan.h"
#include "auditkeep/ak-rules.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct ak_pending {
        const ak_rule *rule;    /* points into the ruleset */
        size_t index;           /* rule's index in it */
        int error;              /* -errno the kernel gave */
} ak_pending;

typedef struct ak_sync_report {
        ak_kstate before;       /* the snapshot the plan was made from */
        ak_plan *plan;
        size_t added, removed, set;     /* operations that took effect */
        ak_pending *pending;    /* desired rules the kernel refused; retried at the next sync */
        size_t n_pending;
        const ak_op **failed;   /* other refused operations (delete, status) */
        size_t n_failed;
        int executed;           /* the plan ran (ak_sync_collect): its ops' errors and want_state say how */
        int lock_applied;       /* -e 2 was sent and taken */
        int lock_withheld;      /* -e 2 desired but not sent: parse errors, pending or failed ops */
        int reset_lost;         /* --reset-lost done; lost_before holds the old count */
        uint32_t lost_before;
} ak_sync_report;

/* Plan against a snapshot that the report takes over (*have is emptied). */
int ak_sync_plan(ak_sync_report *rep, const ak_ruleset *want, ak_kstate *have, const ak_plan_opts *opts);
/* The ops to send first (everything but a final lock), and whether the lock may follow. */
size_t ak_sync_main_ops(const ak_sync_report *rep);
int ak_sync_lock_allowed(const ak_sync_report *rep);
/* After execution: count results, collect pending and failed, and turn the plan's ADD and MOVE
 * states into ADDED or PENDING. */
int ak_sync_collect(ak_sync_report *rep);
/* All of it, synchronously. dry_run: plan only. */
int ak_sync(ak_nl *nl, const ak_ruleset *want, const ak_plan_opts *opts, int dry_run, uint64_t timeout_usec,
            ak_sync_report *ret);
void ak_sync_report_done(ak_sync_report *rep);
/* Why -e 2 was withheld, naming each cause with its count ("the rules have 2 errors; 1 rule
 * pending"), into buf; "" when it was not withheld. Only parse errors (not warnings), pending rules
 * and refused operations withhold the lock. */
const char *ak_sync_lock_withheld_reason(const ak_sync_report *rep, const ak_ruleset *want, char *buf, size_t size);

#ifdef __cplusplus
}
#endif
