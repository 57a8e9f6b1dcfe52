/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* auditkeep: one reconciliation. Snapshot the kernel, plan (ak-plan.h), send everything but the
 * lock, then the lock only if everything else is in force: one asynchronous transaction
 * (ak_sync_start, with hooks: the daemon's loop) and its blocking wrapper (ak_sync). */
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
/* Memory: each kernel rule the plan keeps (AK_HELD_KEPT) in rep->before gives its copy of the
 * rule data up and points at the equal desired rule's data instead, so that a kept snapshot of
 * an in-sync kernel costs the rule array, not a second copy of every rule (1 KiB each). `want`
 * must be the ruleset the plan was made from and outlive the report (ak_sync_report_done()
 * first). Returns how many rules were newly shared by this call (0 on a second call); -ENOMEM
 * leaves all as they were. */
int ak_sync_share_kept(ak_sync_report *rep, const ak_ruleset *want);
/* The ops to send first (everything but a final lock), and whether the lock may follow. */
size_t ak_sync_main_ops(const ak_sync_report *rep);
int ak_sync_lock_allowed(const ak_sync_report *rep);
/* After execution: count results, collect pending and failed, and turn the plan's ADD and MOVE
 * states into ADDED or PENDING. */
int ak_sync_collect(ak_sync_report *rep);

/* One sync as an asynchronous transaction on an ak_nl (the caller drives it as the async API of
 * ak-kernel.h says: ak_nl_process() when the fd is readable, ak_nl_timeout() at the deadline):
 * query (GET + LIST [+ GET_FEATURE when the rules set a feature]), plan, send everything but a
 * final lock, then the lock alone if everything else took, else cancel it (-ECANCELED), and
 * collect. The hooks let the caller choose the plan's options from the snapshot, decide whether
 * the plan is sent, see what is about to be sent, and learn the outcome. */
typedef enum ak_sync_stage {
        AK_SYNC_IDLE,
        AK_SYNC_QUERY,          /* the query in flight */
        AK_SYNC_PLAN,           /* planned; the `planned` hook decides */
        AK_SYNC_EXECUTE,        /* the main ops in flight */
        AK_SYNC_LOCK,           /* the lock, alone, in flight */
} ak_sync_stage;

typedef struct ak_sync_tx ak_sync_tx;

typedef struct ak_sync_hooks {
        /* The kernel answered (have: its state): set the plan's options (opts holds the ones
         * given to ak_sync_start). Optional. */
        void (*queried)(ak_sync_tx *tx, const ak_kstate *have, ak_plan_opts *opts, void *userdata);
        /* The plan is in tx->rep: 1 to send it, 0 to end here (nothing sent). Optional: send. */
        int (*planned)(ak_sync_tx *tx, void *userdata);
        /* ops[0..n) are about to be sent (tx->stage: EXECUTE, or LOCK for the lock). Optional. */
        void (*sending)(ak_sync_tx *tx, const ak_op *ops, size_t n, void *userdata);
        /* The transaction ended in tx->ended: QUERY (the query failed: error), PLAN (planning
         * failed: error; or `planned` said no: 0), EXECUTE or LOCK (tx->rep->executed: the ops
         * were sent and collected, error < 0 when not every one was answered; not executed: they
         * could not be sent, error). tx->stage is IDLE already: the hook may start the next
         * transaction on the same tx. */
        void (*done)(ak_sync_tx *tx, int error, void *userdata);
} ak_sync_hooks;

struct ak_sync_tx {
        ak_nl *nl;
        const ak_ruleset *want;
        ak_sync_report *rep;    /* planned into once the query is answered (emptied then, not before) */
        ak_kstate have;         /* the query's answer, until the report takes it */
        ak_plan_opts opts;
        uint64_t timeout_usec;
        const ak_sync_hooks *hooks;
        void *userdata;
        ak_sync_stage stage;    /* where it is */
        ak_sync_stage ended;    /* where the last one ended (for `done`) */
        int error;              /* the first error of the sending */
};

/* Start: a negative errno when the query cannot be sent (no hook is called then). want, rep and
 * hooks must stay valid until `done`. */
int ak_sync_start(ak_sync_tx *tx, ak_nl *nl, const ak_ruleset *want, const ak_plan_opts *opts, uint64_t timeout_usec,
                  ak_sync_report *rep, const ak_sync_hooks *hooks, void *userdata);

/* All of it, synchronously: the transaction above, driven until it ends. dry_run: plan only. */
int ak_sync(ak_nl *nl, const ak_ruleset *want, const ak_plan_opts *opts, int dry_run, uint64_t timeout_usec,
            ak_sync_report *ret);
/* The same from a snapshot the caller made before (ak_nl_query() on nl, e.g. while the rules were
 * being parsed), taken over (*have is emptied): planned at once, without a query of its own. A
 * snapshot that lacks the features the rules set (see ak_nl_set_query_features()), or none (NULL,
 * or one the query did not fill), is replaced by a query. */
int ak_sync_from(ak_nl *nl, const ak_ruleset *want, ak_kstate *have, const ak_plan_opts *opts, int dry_run,
                 uint64_t timeout_usec, ak_sync_report *ret);
void ak_sync_report_done(ak_sync_report *rep);
/* Why -e 2 was withheld, naming each cause with its count ("the rules have 2 errors; 1 rule
 * pending"), into buf; "" when it was not withheld. Only parse errors (not warnings), pending rules
 * and refused operations withhold the lock. */
const char *ak_sync_lock_withheld_reason(const ak_sync_report *rep, const ak_ruleset *want, char *buf, size_t size);

#ifdef __cplusplus
}
#endif
