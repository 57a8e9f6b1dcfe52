/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* auditkeep: the reconciler. Pure: a desired ruleset and a kernel snapshot in, operations out. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "auditkeep/ak-kernel.h"
#include "auditkeep/ak-rules.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum ak_foreign_policy {
        AK_FOREIGN_REMOVE = 0,
        AK_FOREIGN_KEEP = 1,
} ak_foreign_policy;

/* Why the rules the kernel holds and want does not declare must stay, whatever the foreign
 * policy says: a line that did not parse may have meant one of them (AK_HOLD_ERRORS); rules that
 * declare no rule at all are far more often a fresh package's settings than a wish for no audit
 * rule (AK_HOLD_EMPTY, unless allow_empty). Removing them would leave the host with less
 * coverage than it had. The daemon and `auditkeepctl apply` both go by it. */
typedef enum ak_foreign_hold {
        AK_HOLD_NONE = 0,
        AK_HOLD_ERRORS,
        AK_HOLD_EMPTY,
} ak_foreign_hold;

ak_foreign_hold ak_foreign_hold_of(const ak_ruleset *want, int allow_empty);

typedef struct ak_plan_opts {
        ak_foreign_policy foreign;
        int exact_order;        /* also restore order that only decides which key is recorded */
        int from_empty;         /* the caller knows the kernel is empty: exact order, no deletes */
} ak_plan_opts;

/* What the plan does with each desired rule, from its own pairing of desired and kernel rules
 * (ak_plan.want_state, in want->rules order). ak_sync_collect turns ADD and MOVE into ADDED or
 * PENDING once the plan ran. */
typedef enum ak_rule_state {
        AK_RULE_KEPT,           /* the kernel holds it and keeps it where it is */
        AK_RULE_MOVE,           /* the kernel holds it elsewhere: deleted and added again for order */
        AK_RULE_ADD,            /* the kernel does not hold it: added */
        AK_RULE_ADDED,          /* added (or moved) by the plan that ran, and the kernel took it */
        AK_RULE_PENDING,        /* the kernel refused its add when the plan ran */
} ak_rule_state;

/* What the plan does with each kernel rule (ak_plan.have_state, in the snapshot's order). */
typedef enum ak_held_state {
        AK_HELD_KEPT,           /* a desired rule, kept where it is */
        AK_HELD_MOVED,          /* a desired rule whose copy here is deleted and added elsewhere */
        AK_HELD_EXTRA,          /* a copy more than the rules declare: deleted */
        AK_HELD_FOREIGN,        /* no rule declares it: deleted, or kept per --foreign=keep */
        AK_HELD_ALLOWED,        /* no rule declares it, an allow-foreign directive keeps it where it stands */
} ak_held_state;

typedef struct ak_plan {
        ak_op *ops;             /* in the order to send them; rules point into want/have */
        size_t n_ops;
        size_t n_add, n_del, n_set;     /* n_set: AK_OP_SET and AK_OP_SET_FEATURE ops */
        size_t n_foreign;       /* kernel rules that are not desired (removed or kept per policy), and not allowed */
        size_t n_foreign_allowed; /* kernel rules that are not desired and that an allowance lets stay (ak_allow) */
        size_t n_keys_only;     /* desired rules left out of file order where only keys differ */
        size_t n_moved;         /* desired rules deleted and re-added to restore order */
        int locked;             /* the kernel is locked (enabled=2): no ops; differences reported */
        int lock_pending;       /* a SET enabled=2 is the last op; caller must drop it if any op fails */
        int lock_withheld;      /* -e 2 is desired but not planned: the desired state has parse errors (not warnings) */
        int in_sync;            /* nothing differs (an --reset-lost op alone does not count) */
        /* What differs, whether or not ops could be planned for it (with `locked`, none are):
         * rule adds and deletes, settings (status bits, the lock, the loginuid feature). */
        size_t n_differ;
        size_t n_differ_add, n_differ_del, n_differ_set;
        /* Per rule, what the plan does with it (also with `locked`, where no op is planned). */
        ak_rule_state *want_state;      /* want->n_rules */
        ak_held_state *have_state;      /* have->n_rules */
} ak_plan;

int ak_plan_build(const ak_ruleset *want, const ak_kstate *have, const ak_plan_opts *opts, ak_plan **ret);
ak_plan *ak_plan_free(ak_plan *p);

/* One operation as a line of a difference, in auditctl syntax: "+ RULE", "- RULE",
 * "~ SETTING OLD -> NEW" (OLD from `have`, the status the plan was made from), "~ reset lost
 * counter (now N)", "~ loginuid immutable (...)". flags as for ak_rule_format_flags() (the
 * daemon passes AK_FORMAT_NO_STAT). The CLI's diff and the daemon's Diff both print these.
 * malloc'd; NULL on allocation failure. */
char *ak_op_format(const ak_op *op, const struct audit_status *have, unsigned flags);

/* Can two rules of the same list match the same event? 0 only when provably disjoint. */
int ak_rules_overlap(const ak_rule *a, const ak_rule *b);

/* A declared rule that an allowed foreign rule can shadow: both stand in the same list of the
 * kernel, the allowed one first, and they can match the same event (ak_rules_overlap), so for
 * those events the allowed rule decides whether they are recorded and with which key. */
typedef struct ak_shadow {
        const ak_rule *allowed;         /* in have */
        const ak_allow *by;             /* the allowance that lets it stay */
        const ak_rule *declared;        /* in want (file, line) */
} ak_shadow;

/* Every such pair in the kernel state `have`, in the kernel's order (*ret malloc'd, NULL when
 * none). */
int ak_allowed_shadows(const ak_ruleset *want, const ak_kstate *have, ak_shadow **ret, size_t *ret_n);
/* "FILE:LINE: RULE can be shadowed by the allowed foreign rule RULE (allowed by ORIGIN), which
 * stands before it: events both match are recorded with key 'a', not 'b'" (malloc'd; flags as
 * for ak_rule_format_flags()). */
char *ak_shadow_format(const ak_shadow *s, unsigned flags);
/* How many distinct declared rules the pairs name (linear: want's rules flagged by index). */
size_t ak_shadows_declared(const ak_ruleset *want, const ak_shadow *v, size_t n);
/* The pairs by allowed rule, in the order the allowed rules first appear in v. */
typedef struct ak_shadow_group {
        const ak_rule *allowed;         /* in have */
        const ak_allow *by;
        const ak_rule *first;           /* the first declared rule it can shadow */
        size_t n_declared;
} ak_shadow_group;
int ak_shadows_by_allowed(const ak_kstate *have, const ak_shadow *v, size_t n, ak_shadow_group **ret, size_t *ret_n);
/* ak_shadow_format() of the first pair, or "the allowed foreign rule RULE can shadow N declared
 * rules, the first: ..." (malloc'd). */
char *ak_shadow_group_format(const ak_shadow_group *g, unsigned flags);
/* lines at most in ListForeignShadows and in the journal at one check */
#define AK_SHADOWS_LIST_MAX 1000
#define AK_SHADOWS_LOG_MAX 20

#ifdef __cplusplus
}
#endif
