/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The reconciler: a desired ruleset and a kernel snapshot in, control operations out. Pure.
 *
 * Rules are planned per filter list. The kernel appends, prepends, and deletes the first exact
 * match from the head; appending a rule equal to one it holds fails with EEXIST (a prepend does
 * not). Rules that are never deleted ("kept") keep their relative order and every add lands above
 * or below all of them, so a plan is: which kernel rules to keep, which desired rules to prepend
 * and which to append. Deletes cost milliseconds and adds microseconds, and both counts fall as
 * the kept set grows, so the planner maximises the kept set.
 *
 * Exact order: the kept rules are a window D[i..j) of the desired list that the kernel holds as a
 * subsequence; D[0..i) is prepended (sent in reverse) and D[j..n) appended. Identical copies: a
 * delete removes the topmost copy, so the kept copies of a rule are its bottom-most ones; an
 * appended rule must not be held at that moment, so the appended part has no two equal rules and
 * none equal to a kept one. For a fixed end j, growing the window to the left never changes the
 * copies already chosen, so the feasible starts form an interval: one pass when the desired list
 * has no duplicates, one scan per end otherwise.
 *
 * Relaxed order (plan-relaxed.c): only pairs whose order decides recording must keep file order;
 * the relaxed plan is used when it keeps more than the exact window.
 *
 * Op order (no gap): adds that depend on no delete; then the deletes of rules about to be
 * re-added (an equal rule must be gone before its append, and a delete after a prepend would take
 * the new copy); then the other adds; then the remaining deletes, `never` rules first.
 */
#include <assert.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "auditkeep/ak-plan.h"
#include "macro.h"
#include "plan-internal.h"
#include "rule-internal.h"
#include "util.h"

#define ENABLED_LOCKED 2u
#define LOGINUID_IMMUTABLE_MASK (1u << AUDIT_FEATURE_LOGINUID_IMMUTABLE)

static int push_op(planner *p, ak_op op) {
        if (GROW(p->ops, p->n_ops_alloc, p->n_ops + 1) < 0)
                return -ENOMEM;
        p->ops[p->n_ops++] = op;
        return 0;
}

/* ---------------------------------------------------------------------------------------------
 * Classes: equal rules share an id */

static int planner_classify(planner *p) {
        size_t total = p->nw + p->nh, cap = 16;
        _cleanup_free_ size_t *slot = NULL;     /* class + 1, 0 = empty */
        _cleanup_free_ const ak_rule **rep = NULL;
        _cleanup_free_ uint64_t *rhash = NULL;

        while (cap < 2 * total)
                cap *= 2;
        slot = calloc(cap, sizeof(size_t));
        rep = malloc((total + 1) * sizeof(*rep));
        rhash = malloc((total + 1) * sizeof(uint64_t));
        p->wcls = malloc((p->nw + 1) * sizeof(size_t));
        p->hcls = malloc((p->nh + 1) * sizeof(size_t));
        if (!slot || !rep || !rhash || !p->wcls || !p->hcls)
                return -ENOMEM;

        const uint64_t *whash = ak_ruleset_hashes(p->want);

        for (size_t t = 0; t < total; t++) {
                const ak_rule *r = t < p->nw ? wrule(p, t) : hrule(p, t - p->nw);
                uint64_t h = t < p->nw && whash ? whash[t] : ak_rule_hash(r);
                size_t i = (size_t) h & (cap - 1), c;

                for (;;) {
                        if (slot[i] == 0) {
                                c = p->ncls++;
                                rep[c] = r;
                                rhash[c] = h;
                                slot[i] = c + 1;
                                break;
                        }
                        c = slot[i] - 1;
                        if (rhash[c] == h && ak_rule_equal(rep[c], r))
                                break;
                        i = (i + 1) & (cap - 1);
                }
                if (t < p->nw)
                        p->wcls[t] = c;
                else
                        p->hcls[t - p->nw] = c;
        }

        size_t n = p->ncls + 1;
        p->wcount = calloc(n, sizeof(size_t));
        p->hcount = calloc(n, sizeof(size_t));
        p->occ_off = calloc(n + 1, sizeof(size_t));
        p->occ = malloc((p->nh + 1) * sizeof(size_t));
        p->cls2q = malloc(n * sizeof(size_t));
        p->cnt = calloc(n, sizeof(size_t));
        p->pend_del = calloc(n, sizeof(size_t));
        p->added = calloc(n, 1);
        p->wfate = calloc(p->nw + 1, 1);
        p->hfate = calloc(p->nh + 1, 1);
        p->want_state = calloc(p->nw + 1, sizeof(ak_rule_state));
        p->have_state = calloc(p->nh + 1, sizeof(ak_held_state));
        if (!p->wcount || !p->hcount || !p->occ_off || !p->occ || !p->cls2q || !p->cnt || !p->pend_del ||
            !p->added || !p->wfate || !p->hfate || !p->want_state || !p->have_state)
                return -ENOMEM;
        for (size_t c = 0; c < n; c++)
                p->cls2q[c] = NONE;
        for (size_t w = 0; w < p->nw; w++)
                p->wcount[p->wcls[w]]++;
        for (size_t h = 0; h < p->nh; h++)
                p->hcount[p->hcls[h]]++;
        for (size_t c = 0; c < p->ncls; c++)
                p->occ_off[c + 1] = p->occ_off[c] + p->hcount[c];
        for (size_t h = 0; h < p->nh; h++) {
                size_t c = p->hcls[h];
                p->occ[p->occ_off[c] + p->cnt[c]++] = h;
        }
        for (size_t c = 0; c < p->ncls; c++)
                p->cnt[c] = 0;
        return 0;
}

/* ---------------------------------------------------------------------------------------------
 * Lists */

static void planner_done(planner *p) {
        for (size_t i = 0; i < p->n_lists; i++) {
                free(p->lists[i].d);
                free(p->lists[i].k);
                free(p->lists[i].head);
                free(p->lists[i].tail);
        }
        free(p->lists);
        free(p->wcls);
        free(p->hcls);
        free(p->wcount);
        free(p->hcount);
        free(p->occ_off);
        free(p->occ);
        free(p->cls2q);
        free(p->cnt);
        free(p->pend_del);
        free(p->added);
        free(p->wfate);
        free(p->hfate);
        free(p->want_state);
        free(p->have_state);
        free(p->ops);
        *p = (planner) {};
}

static int planner_lists(planner *p) {
        _cleanup_free_ uint32_t *vals = NULL;
        size_t nvals = 0, alloc = 0;

        for (size_t t = 0; t < p->nw + p->nh; t++) {
                uint32_t l = t < p->nw ? ak_rule_list(wrule(p, t)) : ak_rule_list(hrule(p, t - p->nw));
                size_t i = 0;

                while (i < nvals && vals[i] != l)
                        i++;
                if (i < nvals)
                        continue;
                if (GROW(vals, alloc, nvals + 1) < 0)
                        return -ENOMEM;
                /* keep sorted */
                i = nvals++;
                while (i > 0 && vals[i - 1] > l) {
                        vals[i] = vals[i - 1];
                        i--;
                }
                vals[i] = l;
        }

        p->lists = calloc(nvals + 1, sizeof(plist));
        if (!p->lists)
                return -ENOMEM;
        p->n_lists = nvals;
        for (size_t i = 0; i < nvals; i++) {
                plist *c = &p->lists[i];
                size_t nd = 0, nk = 0;

                c->list = vals[i];
                for (size_t w = 0; w < p->nw; w++)
                        nd += ak_rule_list(wrule(p, w)) == c->list;
                for (size_t h = 0; h < p->nh; h++)
                        nk += ak_rule_list(hrule(p, h)) == c->list;
                c->d = malloc((nd + 1) * sizeof(size_t));
                c->k = malloc((nk + 1) * sizeof(size_t));
                c->head = malloc((nd + 1) * sizeof(size_t));
                c->tail = malloc((nd + 1) * sizeof(size_t));
                if (!c->d || !c->k || !c->head || !c->tail)
                        return -ENOMEM;
                for (size_t w = 0; w < p->nw; w++)
                        if (ak_rule_list(wrule(p, w)) == c->list)
                                c->d[c->nd++] = w;
                for (size_t h = 0; h < p->nh; h++) {
                        if (ak_rule_list(hrule(p, h)) != c->list)
                                continue;
                        p->hfate[h] = H_DEL;
                        if (p->wcount[p->hcls[h]] == 0) {
                                if (ak_ruleset_allowed(p->want, hrule(p, h))) {
                                        /* another agent's, as the administrator allows: where it stands */
                                        p->n_foreign_allowed++;
                                        p->hfate[h] = H_IGNORE;
                                        p->have_state[h] = AK_HELD_ALLOWED;
                                        continue;
                                }
                                p->n_foreign++;
                                if (p->foreign == AK_FOREIGN_KEEP) {
                                        p->hfate[h] = H_IGNORE;
                                        continue;
                                }
                        }
                        c->k[c->nk++] = h;
                }
        }
        return 0;
}

/* ---------------------------------------------------------------------------------------------
 * Exact order */

typedef struct window {
        size_t i, j;
        int dups;       /* the desired list holds equal rules */
} window;

static int list_exact_window(planner *p, const plist *c, window *ret) {
        size_t nd = c->nd, best_i = nd, best_j = nd, best_len = 0;
        _cleanup_free_ size_t *lo = NULL, *mx = NULL, *touched = NULL;
        int dups = 0, found = 0;

        lo = malloc((nd + 1) * sizeof(size_t));
        mx = malloc((nd + 1) * sizeof(size_t));
        touched = malloc((nd + 1) * sizeof(size_t));
        if (!lo || !mx || !touched)
                return -ENOMEM;

        /* mx[j] = 1 + the largest index of an earlier equal rule, over q >= j (0: none). The
         * append part D[j..n) goes with a window starting at i iff mx[j] <= i: no two appended
         * rules are equal and none equals a kept one. */
        for (size_t q = 0; q < nd; q++) {
                size_t cl = p->wcls[c->d[q]];

                mx[q] = p->cls2q[cl] == NONE ? 0 : p->cls2q[cl] + 1;
                if (mx[q] > 0)
                        dups = 1;
                p->cls2q[cl] = q;
        }
        for (size_t q = 0; q < nd; q++)
                p->cls2q[p->wcls[c->d[q]]] = NONE;
        mx[nd] = 0;
        for (size_t q = nd; q-- > 0;)
                if (mx[q + 1] > mx[q])
                        mx[q] = mx[q + 1];

        /* lo[j]: the smallest i such that the kernel can keep D[i..j). */
        lo[0] = 0;
        if (!dups) {
                size_t prev = NONE;     /* target of D[j-2] */

                for (size_t j = 1; j <= nd; j++) {
                        size_t t = held_copy(p, p->wcls[c->d[j - 1]], 1);

                        if (t == NONE)
                                lo[j] = j;
                        else if (lo[j - 1] < j - 1 && prev >= t)
                                lo[j] = j - 1;
                        else
                                lo[j] = lo[j - 1];
                        prev = t;
                }
        } else
                for (size_t j = 1; j <= nd; j++) {
                        size_t i = j, prev = NONE, ntouched = 0;

                        while (i > 0) {
                                size_t cl = p->wcls[c->d[i - 1]], t;

                                if (p->cnt[cl]++ == 0)
                                        touched[ntouched++] = cl;
                                t = held_copy(p, cl, p->cnt[cl]);
                                if (t == NONE || (prev != NONE && t >= prev))
                                        break;
                                prev = t;
                                i--;
                        }
                        for (size_t x = 0; x < ntouched; x++)
                                p->cnt[touched[x]] = 0;
                        lo[j] = i;
                }

        for (size_t j = 0; j <= nd; j++) {
                size_t start = lo[j] > mx[j] ? lo[j] : mx[j];

                if (start > j)
                        continue;
                if (!found || j - start > best_len || (j - start == best_len && start < best_i)) {
                        found = 1;
                        best_len = j - start;
                        best_i = start;
                        best_j = j;
                }
        }
        *ret = (window) { .i = best_i, .j = best_j, .dups = dups };
        return 0;
}

static void list_assign_exact(planner *p, plist *c, const window *win) {
        c->nhead = c->ntail = 0;
        for (size_t q = 0; q < c->nd; q++) {
                size_t w = c->d[q];

                if (q < win->i) {
                        p->wfate[w] = W_HEAD;
                        c->head[c->nhead++] = w;
                } else if (q >= win->j) {
                        p->wfate[w] = W_TAIL;
                        c->tail[c->ntail++] = w;
                } else
                        p->wfate[w] = W_KEPT;
        }
        for (size_t q = win->j; q-- > win->i;) {
                size_t cl = p->wcls[c->d[q]];
                size_t h = held_copy(p, cl, ++p->cnt[cl]);

                if (h != NONE)
                        p->hfate[h] = H_KEEP;
        }
        for (size_t q = win->i; q < win->j; q++)
                p->cnt[p->wcls[c->d[q]]] = 0;
}

static int plan_list(planner *p, plist *c) {
        window win;
        int r;

        r = list_exact_window(p, c, &win);
        if (r < 0)
                return r;
        if (!p->exact && !win.dups) {
                p->over = 0;
                r = plan_list_relaxed(p, c, win.j - win.i);
                if (r < 0)
                        return r;
                if (r > 0)
                        return 0;
        }
        list_assign_exact(p, c, &win);
        return 0;
}

/* ---------------------------------------------------------------------------------------------
 * Emission */

static int emit_add(planner *p, size_t w, int prepend) {
        return push_op(p, (ak_op) { .type = AK_OP_ADD_RULE, .rule = wrule(p, w), .prepend = prepend, .index = w });
}

static int emit_deletes(planner *p, int of_added) {
        /* `never` rules first: each one may be hiding events. */
        for (int pass = 0; pass < 2; pass++)
                for (size_t h = 0; h < p->nh; h++) {
                        const ak_rule *r = hrule(p, h);
                        int never = r->data->action == AUDIT_NEVER;

                        if (p->hfate[h] != H_DEL || (pass == 0) != never)
                                continue;
                        if (!!p->added[p->hcls[h]] != of_added)
                                continue;
                        if (push_op(p, (ak_op) { .type = AK_OP_DEL_RULE, .rule = r, .index = h }) < 0)
                                return -ENOMEM;
                }
        return 0;
}

static int planner_rules(planner *p) {
        int r;

        r = planner_classify(p);
        if (r < 0)
                return r;
        r = planner_lists(p);
        if (r < 0)
                return r;
        for (size_t i = 0; i < p->n_lists; i++) {
                r = plan_list(p, &p->lists[i]);
                if (r < 0)
                        return r;
        }

        /* What blocks an add: copies still to delete; for a prepend also an append of the same
         * rule (it would find the prepended copy: EEXIST). */
        for (size_t h = 0; h < p->nh; h++)
                if (p->hfate[h] == H_DEL)
                        p->pend_del[p->hcls[h]]++;
        for (size_t w = 0; w < p->nw; w++)
                if (p->wfate[w] == W_HEAD)
                        p->added[p->wcls[w]] |= 1;
                else if (p->wfate[w] == W_TAIL)
                        p->added[p->wcls[w]] |= 2;
        /* A desired rule added while a copy the kernel holds is deleted is moved: the first ones
         * of its class, as many as there are such copies; those copies are the moved ones too,
         * the other deleted copies of a declared rule are extra. */
        for (size_t w = 0; w < p->nw; w++) {
                size_t cl = p->wcls[w];

                if (p->wfate[w] == W_KEPT) {
                        p->want_state[w] = AK_RULE_KEPT;
                        continue;
                }
                if (p->cnt[cl] >= p->pend_del[cl]) {
                        p->want_state[w] = AK_RULE_ADD;
                        continue;
                }
                p->want_state[w] = AK_RULE_MOVE;
                p->cnt[cl]++;
                p->n_moved++;
        }
        for (size_t h = 0; h < p->nh; h++) {
                size_t cl = p->hcls[h];

                if (p->wcount[cl] == 0) {
                        if (p->have_state[h] != AK_HELD_ALLOWED)
                                p->have_state[h] = AK_HELD_FOREIGN;
                } else if (p->hfate[h] == H_KEEP)
                        p->have_state[h] = AK_HELD_KEPT;
                else if (p->cnt[cl] > 0) {
                        p->have_state[h] = AK_HELD_MOVED;
                        p->cnt[cl]--;
                } else
                        p->have_state[h] = AK_HELD_EXTRA;
        }
        for (size_t w = 0; w < p->nw; w++)
                p->cnt[p->wcls[w]] = 0;

        /* 1. appends that depend on no delete */
        for (size_t i = 0; i < p->n_lists; i++) {
                plist *c = &p->lists[i];

                while (c->tail_next < c->ntail && p->pend_del[p->wcls[c->tail[c->tail_next]]] == 0)
                        if (emit_add(p, c->tail[c->tail_next++], 0) < 0)
                                return -ENOMEM;
        }
        /* 2. prepends that depend on nothing, bottom-most first */
        for (size_t i = 0; i < p->n_lists; i++) {
                plist *c = &p->lists[i];

                c->head_next = c->nhead;
                while (c->head_next > 0) {
                        size_t cl = p->wcls[c->head[c->head_next - 1]];

                        if (p->pend_del[cl] > 0 || (p->added[cl] & 2))
                                break;
                        if (emit_add(p, c->head[--c->head_next], 1) < 0)
                                return -ENOMEM;
                }
        }
        /* 3. deletes of rules that are re-added */
        r = emit_deletes(p, 1);
        if (r < 0)
                return r;
        /* 4. the other appends, 5. the other prepends */
        for (size_t i = 0; i < p->n_lists; i++) {
                plist *c = &p->lists[i];

                while (c->tail_next < c->ntail)
                        if (emit_add(p, c->tail[c->tail_next++], 0) < 0)
                                return -ENOMEM;
        }
        for (size_t i = 0; i < p->n_lists; i++) {
                plist *c = &p->lists[i];

                while (c->head_next > 0)
                        if (emit_add(p, c->head[--c->head_next], 1) < 0)
                                return -ENOMEM;
        }
        /* 6. the rest: foreign rules, extra copies, old forms of changed rules */
        return emit_deletes(p, 0);
}

/* ---------------------------------------------------------------------------------------------
 * Status */

static int planner_status(planner *p, int locked, size_t *ret_impossible) {
        const ak_ruleset *want = p->want;
        uint32_t bit;
        const ak_kstate *have = p->have;

        *ret_impossible = 0;
        /* the kernel's processing order; never AUDIT_STATUS_PID */
        for (size_t i = 0; (bit = ak_status_settable(i)) != 0; i++) {
                uint32_t v = ak_status_want_get(&want->status, bit);

                if (!(want->status.mask & bit))
                        continue;
                if (bit == AUDIT_STATUS_ENABLED && locked) {
                        /* enabled=2 is what a desired lock ends in */
                        if (!(want->lock && v != 0))
                                (*ret_impossible)++;
                        continue;
                }
                if (ak_status_get(&have->status, bit) == v)
                        continue;
                if (push_op(p, (ak_op) { .type = AK_OP_SET, .mask = bit, .value = v }) < 0)
                        return -ENOMEM;
        }
        if (want->reset_lost)
                if (push_op(p, (ak_op) { .type = AK_OP_RESET_LOST, .mask = AUDIT_STATUS_LOST }) < 0)
                        return -ENOMEM;
        if (want->loginuid_immutable) {
                const struct audit_features *f = &have->features;
                int set = have->have_features && (f->features & LOGINUID_IMMUTABLE_MASK);
                int held = have->have_features && (f->lock & LOGINUID_IMMUTABLE_MASK);

                if (!set && held)
                        (*ret_impossible)++;    /* locked off until reboot: EPERM */
                else if (!(set && held) && push_op(p, (ak_op) {
                                .type = AK_OP_SET_FEATURE,
                                .mask = LOGINUID_IMMUTABLE_MASK,
                                .value = LOGINUID_IMMUTABLE_MASK,
                                .lock = LOGINUID_IMMUTABLE_MASK,
                        }) < 0)
                        return -ENOMEM;
        }
        return 0;
}

/* ---------------------------------------------------------------------------------------------
 * The plan */

ak_foreign_hold ak_foreign_hold_of(const ak_ruleset *want, int allow_empty) {
        assert(want);
        if (want->n_errors > 0)
                return AK_HOLD_ERRORS;
        if (want->n_rules == 0 && !allow_empty)
                return AK_HOLD_EMPTY;
        return AK_HOLD_NONE;
}

ak_plan *ak_plan_free(ak_plan *p) {
        if (!p)
                return NULL;
        free(p->ops);
        free(p->want_state);
        free(p->have_state);
        free(p);
        return NULL;
}

DEFINE_TRIVIAL_CLEANUP_FUNC(ak_plan *, ak_plan_free)

int ak_plan_build(const ak_ruleset *want, const ak_kstate *have, const ak_plan_opts *opts, ak_plan **ret) {
        static const ak_plan_opts defaults = {};
        _cleanup_(planner_done) planner p = {};
        _cleanup_(ak_plan_freep) ak_plan *plan = NULL;
        size_t impossible;
        int locked, r;

        if (!want || !have || !ret)
                return -EINVAL;
        if ((want->n_rules > 0 && !want->rules) || (have->n_rules > 0 && !have->rules))
                return -EINVAL;
        if (!opts)
                opts = &defaults;
        for (size_t i = 0; i < want->n_rules + have->n_rules; i++) {
                const ak_rule *x = i < want->n_rules ? &want->rules[i] : &have->rules[i - want->n_rules];

                if (!x->data || x->size < sizeof(struct audit_rule_data) ||
                    x->data->field_count > AUDIT_MAX_FIELDS)
                        return -EINVAL;
        }

        p = (planner) {
                .want = want,
                .have = have,
                .exact = opts->exact_order || opts->from_empty,
                .foreign = opts->foreign,
                .nw = want->n_rules,
                .nh = have->n_rules,
                .budget = RELAXED_BUDGET,
        };
        plan = calloc(1, sizeof(*plan));
        if (!plan)
                return -ENOMEM;
        locked = have->status.enabled == ENABLED_LOCKED;

        /* Settings first (in the kernel's order), then the rules, then the lock. */
        r = planner_status(&p, locked, &impossible);
        if (r < 0)
                return r;
        r = planner_rules(&p);
        if (r < 0)
                return r;
        if (want->lock && !locked) {
                /* warnings (a duplicate rule, an empty key) do not stand in the lock's way; what
                 * holds foreign rules does, --allow-empty or not: until reboot the lock would
                 * freeze rules nobody declared, or none at all */
                if (ak_foreign_hold_of(want, /* allow_empty= */ 0) != AK_HOLD_NONE)
                        plan->lock_withheld = 1;
                else {
                        r = push_op(&p, (ak_op) { .type = AK_OP_SET, .mask = AUDIT_STATUS_ENABLED,
                                                  .value = ENABLED_LOCKED });
                        if (r < 0)
                                return r;
                        plan->lock_pending = 1;
                }
        }

        for (size_t i = 0; i < p.n_ops; i++)
                switch (p.ops[i].type) {
                case AK_OP_ADD_RULE: plan->n_differ_add++; break;
                case AK_OP_DEL_RULE: plan->n_differ_del++; break;
                case AK_OP_SET:
                case AK_OP_SET_FEATURE: plan->n_differ_set++; break;
                default: break;
                }
        plan->n_differ_set += impossible;
        plan->n_differ = plan->n_differ_add + plan->n_differ_del + plan->n_differ_set;
        plan->in_sync = plan->n_differ == 0;
        plan->n_foreign = p.n_foreign;
        plan->n_foreign_allowed = p.n_foreign_allowed;
        plan->n_keys_only = p.n_keys_only;
        plan->n_moved = p.n_moved;

        if (locked) {
                /* Nothing can change until a reboot; only the lost counter may be reset. */
                size_t n = 0;

                plan->locked = 1;
                plan->lock_pending = 0;
                for (size_t i = 0; i < p.n_ops; i++)
                        if (p.ops[i].type == AK_OP_RESET_LOST)
                                p.ops[n++] = p.ops[i];
                p.n_ops = n;
        }
        for (size_t i = 0; i < p.n_ops; i++)
                switch (p.ops[i].type) {
                case AK_OP_ADD_RULE: plan->n_add++; break;
                case AK_OP_DEL_RULE: plan->n_del++; break;
                case AK_OP_SET:
                case AK_OP_SET_FEATURE: plan->n_set++; break;
                default: break;
                }
        plan->ops = TAKE_PTR(p.ops);
        plan->n_ops = p.n_ops;
        plan->want_state = TAKE_PTR(p.want_state);
        plan->have_state = TAKE_PTR(p.have_state);
        *ret = TAKE_PTR(plan);
        return 0;
}
