/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The reconciler's working state, shared by the planner frame (plan.c: classes, lists, the exact
 * window, emission, settings) and the relaxed-order search (plan-relaxed.c). Private to lib/. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "auditkeep/ak-plan.h"

#define NONE SIZE_MAX

/* Work allowed for the relaxed search per plan (overlap tests plus inverted pairs looked at);
 * past it the exact plan is used. 5000 rules in random order need about 2 x 6.3 million. */
#define RELAXED_BUDGET 64000000ull

enum { W_KEPT, W_HEAD, W_TAIL };
enum { H_DEL, H_KEEP, H_IGNORE };


typedef struct plist {
        uint32_t list;
        size_t *d, nd;          /* want indices, file order */
        size_t *k, nk;          /* have indices taking part (not kept-foreign), listing order */
        size_t *head, nhead;    /* want indices to prepend, file order */
        size_t *tail, ntail;    /* want indices to append, file order */
        size_t head_next, tail_next;
} plist;

typedef struct planner {
        const ak_ruleset *want;
        const ak_kstate *have;
        int exact;
        ak_foreign_policy foreign;

        size_t nw, nh, ncls;
        size_t *wcls, *hcls;            /* class (equal rules) of every rule */
        size_t *wcount, *hcount;        /* per class: copies desired / held */
        size_t *occ_off, *occ;          /* per class: have indices, ascending */
        size_t *cls2q;                  /* per class scratch, NONE when unused */
        size_t *cnt;                    /* per class scratch, 0 when unused */
        size_t *pend_del;               /* per class: copies to delete */
        uint8_t *added;                 /* per class: 1 head, 2 tail (bits) */
        uint8_t *wfate, *hfate;
        ak_rule_state *want_state;      /* what the plan tells (ak_plan.want_state) */
        ak_held_state *have_state;

        plist *lists;
        size_t n_lists;

        uint64_t budget;
        int over;                       /* budget exhausted during the current relaxed search */

        size_t n_keys_only, n_moved, n_foreign, n_foreign_allowed;

        ak_op *ops;
        size_t n_ops, n_ops_alloc;
} planner;

static inline const ak_rule *wrule(const planner *p, size_t w) {
        return &p->want->rules[w];
}

static inline const ak_rule *hrule(const planner *p, size_t h) {
        return &p->have->rules[h];
}

/* The r-th held copy of class c counted from the bottom (r >= 1), or NONE. */
static inline size_t held_copy(const planner *p, size_t c, size_t r) {
        if (r == 0 || r > p->hcount[c])
                return NONE;
        return p->occ[p->occ_off[c] + p->hcount[c] - r];
}

/* Returns 1 and assigns fates when a relaxed plan keeps more than `exact_len` rules, 0 when the
 * exact plan is to be used, or a negative errno. Needs p->over clear. */
int plan_list_relaxed(planner *p, plist *c, size_t exact_len);
