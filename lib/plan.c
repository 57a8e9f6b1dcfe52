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
 * Relaxed order: only pairs whose order decides recording (overlapping rules with different
 * actions, on any list but exclude) must keep file order. Keep every desired rule the kernel
 * holds, drop kept rules greedily until no such pair is inverted, then place each missing rule at
 * the head or the tail as the kept rules and the other missing rules require, dropping more kept
 * rules on conflicts. The result is used when it keeps more than the exact window, after a pair
 * by pair check that also counts the rules out of order where only keys differ.
 *
 * Op order (no gap): adds that depend on no delete; then the deletes of rules about to be
 * re-added (an equal rule must be gone before its append, and a delete after a prepend would take
 * the new copy); then the other adds; then the remaining deletes, `never` rules first.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "auditkeep/ak-plan.h"
#include "macro.h"
#include "rule-internal.h"
#include "util.h"

#ifndef AUDIT_FILTER_URING_EXIT
#define AUDIT_FILTER_URING_EXIT 0x07
#endif

#define NONE SIZE_MAX
#define ENABLED_LOCKED 2u
#define LOGINUID_IMMUTABLE_MASK (1u << AUDIT_FEATURE_LOGINUID_IMMUTABLE)

/* Work allowed for the relaxed search per plan (overlap tests plus inverted pairs looked at);
 * past it the exact plan is used. 5000 rules in random order need about 2 x 6.3 million. */
#define RELAXED_BUDGET 64000000ull
#define RELAXED_ROUNDS 64
/* Key-order pairs remembered for counting; past it the count is an upper bound. */
#define KEY_EDGES_MAX 4000000u

enum { W_KEPT, W_HEAD, W_TAIL };
enum { H_DEL, H_KEEP, H_IGNORE };
enum { SIDE_T = 1, SIDE_H = 2 };

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

        plist *lists;
        size_t n_lists;

        uint64_t budget;
        int over;                       /* budget exhausted during the current relaxed search */

        size_t n_keys_only, n_moved, n_foreign;

        ak_op *ops;
        size_t n_ops, n_ops_alloc;
} planner;

/* ---------------------------------------------------------------------------------------------
 * Overlap */

/* Fields whose `=` compares one value of the event (a gid also matches supplementary groups, and
 * the object fields match any of the names, so they are not here). */
static int field_single_valued(uint32_t f) {
        switch (f) {
        case AUDIT_PID:
        case AUDIT_UID:
        case AUDIT_EUID:
        case AUDIT_SUID:
        case AUDIT_FSUID:
        case AUDIT_SGID:
        case AUDIT_FSGID:
        case AUDIT_LOGINUID:
        case AUDIT_PERS:
        case AUDIT_ARCH:
        case AUDIT_MSGTYPE:
        case AUDIT_PPID:
        case AUDIT_LOGINUID_SET:
        case AUDIT_SESSIONID:
        case AUDIT_FSTYPE:
        case AUDIT_EXIT:
        case AUDIT_SUCCESS:
        case AUDIT_SADDR_FAM:
        case AUDIT_ARG0:
        case AUDIT_ARG1:
        case AUDIT_ARG2:
        case AUDIT_ARG3:
                return 1;
        default:
                return 0;
        }
}

/* The bytes of string field i, or -EBADMSG when the rule is inconsistent. */
static int field_string(const ak_rule *r, uint32_t i, const char **ret, size_t *ret_len) {
        size_t off = ak_rule_string_offset(r, i), len = r->data->values[i];
        size_t buflen = r->size - sizeof(struct audit_rule_data);

        if (off > buflen || len > buflen - off)
                return -EBADMSG;
        *ret = r->data->buf + off;
        *ret_len = len;
        return 0;
}

/* Can no event satisfy both field i of a and field j of b (same field type)? */
static int conditions_disjoint(const ak_rule *a, uint32_t i, const ak_rule *b, uint32_t j) {
        const struct audit_rule_data *x = a->data, *y = b->data;
        uint32_t f = x->fields[i];
        int eqa = x->fieldflags[i] == AUDIT_EQUAL, eqb = y->fieldflags[j] == AUDIT_EQUAL;
        int nea = x->fieldflags[i] == AUDIT_NOT_EQUAL, neb = y->fieldflags[j] == AUDIT_NOT_EQUAL;
        int same;

        if (!((eqa && eqb) || (eqa && neb) || (nea && eqb)))
                return 0;
        if (field_single_valued(f))
                same = x->values[i] == y->values[j];
        else if (f == AUDIT_WATCH || f == AUDIT_EXE) {
                /* One path per watch and one executable per task. (Two names of one inode, hard
                 * links, are not told apart: the rules name paths.) */
                const char *s, *t;
                size_t ls, lt;

                if (field_string(a, i, &s, &ls) < 0 || field_string(b, j, &t, &lt) < 0)
                        return 0;
                same = ls == lt && memcmp(s, t, ls) == 0;
        } else
                return 0;
        return eqa && eqb ? !same : same;
}

static int masks_intersect(const struct audit_rule_data *x, const struct audit_rule_data *y) {
        for (size_t w = 0; w < AUDIT_BITMASK_SIZE - 1; w++)
                if (x->mask[w] & y->mask[w])
                        return 1;
        return (x->mask[AUDIT_BITMASK_SIZE - 1] & y->mask[AUDIT_BITMASK_SIZE - 1] & 0xffffu) != 0;
}

int ak_rules_overlap(const ak_rule *a, const ak_rule *b) {
        const struct audit_rule_data *x = a->data, *y = b->data;
        uint32_t list = ak_rule_list(a);

        if (list != ak_rule_list(b))
                return 0;
        /* Only the syscall lists consult the mask; an empty one matches nothing. */
        if ((list == AUDIT_FILTER_EXIT || list == AUDIT_FILTER_URING_EXIT) && !masks_intersect(x, y))
                return 0;
        for (uint32_t i = 0; i < x->field_count && i < AUDIT_MAX_FIELDS; i++)
                for (uint32_t j = 0; j < y->field_count && j < AUDIT_MAX_FIELDS; j++)
                        if (x->fields[i] == y->fields[j] && conditions_disjoint(a, i, b, j))
                                return 0;
        /* Everything else (dir trees, perm classes, the object fields, LSM labels, -C, bit
         * tests, ranges) is assumed to overlap. */
        return 1;
}

/* ---------------------------------------------------------------------------------------------
 * Helpers */

static const ak_rule *wrule(const planner *p, size_t w) {
        return &p->want->rules[w];
}

static const ak_rule *hrule(const planner *p, size_t h) {
        return &p->have->rules[h];
}

static int push_op(planner *p, ak_op op) {
        if (GROW(p->ops, p->n_ops_alloc, p->n_ops + 1) < 0)
                return -ENOMEM;
        p->ops[p->n_ops++] = op;
        return 0;
}

/* Does the order of desired rules qa and qb (list-local) decide whether an event is recorded?
 * Past the budget, answer yes and flag it: the caller then gives up the relaxed search. */
static int matter(planner *p, const plist *c, size_t qa, size_t qb) {
        const ak_rule *a = wrule(p, c->d[qa]), *b = wrule(p, c->d[qb]);

        if (c->list == AUDIT_FILTER_EXCLUDE)
                return 0;       /* any matching exclude rule drops the record */
        if (a->data->action == b->data->action)
                return 0;
        if (p->budget == 0) {
                p->over = 1;
                return 1;
        }
        p->budget--;
        return ak_rules_overlap(a, b);
}

static void rule_key(const ak_rule *r, const char **ret, size_t *ret_len) {
        const struct audit_rule_data *d = r->data;

        *ret = "";
        *ret_len = 0;
        for (uint32_t i = 0; i < d->field_count && i < AUDIT_MAX_FIELDS; i++)
                if (d->fields[i] == AUDIT_FILTERKEY) {
                        if (field_string(r, i, ret, ret_len) < 0) {
                                *ret = "";
                                *ret_len = 0;
                        }
                        return;
                }
}

/* Does the order of qa and qb decide only which key labels a recorded event? */
static int key_matter(planner *p, const plist *c, size_t qa, size_t qb) {
        const ak_rule *a = wrule(p, c->d[qa]), *b = wrule(p, c->d[qb]);
        const char *ka, *kb;
        size_t la, lb;

        if (c->list == AUDIT_FILTER_EXCLUDE)
                return 0;
        if (a->data->action != AUDIT_ALWAYS || b->data->action != AUDIT_ALWAYS)
                return 0;
        rule_key(a, &ka, &la);
        rule_key(b, &kb, &lb);
        if (la == lb && memcmp(ka, kb, la) == 0)
                return 0;
        if (p->budget == 0) {
                p->over = 1;
                return 0;
        }
        p->budget--;
        return ak_rules_overlap(a, b);
}

/* Calls fn(x, y) for every pair with x < y where y comes first in seq (values distinct), at a cost
 * of one budget unit per pair. Sorts seq. */
typedef int (*inversion_fn)(void *userdata, size_t x, size_t y);

static int for_each_inversion(planner *p, size_t *seq, size_t n, inversion_fn fn, void *userdata) {
        _cleanup_free_ size_t *tmp = NULL;
        size_t *src = seq, *dst;
        int r;

        if (n < 2)
                return 0;
        tmp = malloc(n * sizeof(size_t));
        if (!tmp)
                return -ENOMEM;
        dst = tmp;
        for (size_t w = 1; w < n; w *= 2) {
                for (size_t a = 0; a < n; a += 2 * w) {
                        size_t m = a + w < n ? a + w : n, e = a + 2 * w < n ? a + 2 * w : n;
                        size_t l = a, rr = m, o = a;

                        while (l < m && rr < e) {
                                if (src[l] < src[rr]) {
                                        dst[o++] = src[l++];
                                        continue;
                                }
                                for (size_t t = l; t < m; t++) {
                                        if (p->budget == 0) {
                                                p->over = 1;
                                                return -E2BIG;
                                        }
                                        p->budget--;
                                        r = fn(userdata, src[rr], src[t]);
                                        if (r < 0)
                                                return r;
                                }
                                dst[o++] = src[rr++];
                        }
                        while (l < m)
                                dst[o++] = src[l++];
                        while (rr < e)
                                dst[o++] = src[rr++];
                }
                size_t *s = src;
                src = dst;
                dst = s;
        }
        if (src != seq)
                memcpy(seq, src, n * sizeof(size_t));
        return 0;
}

typedef struct edges {
        size_t *u, *v;
        size_t n, alloc_u, alloc_v;
} edges;

static void edges_done(edges *e) {
        free(e->u);
        free(e->v);
        *e = (edges) {};
}

static int edges_add(edges *e, size_t u, size_t v) {
        if (GROW(e->u, e->alloc_u, e->n + 1) < 0 || GROW(e->v, e->alloc_v, e->n + 1) < 0)
                return -ENOMEM;
        e->u[e->n] = u;
        e->v[e->n] = v;
        e->n++;
        return 0;
}

static void heap_push(uint64_t *h, size_t *n, uint64_t x) {
        size_t i = (*n)++;

        while (i > 0 && h[(i - 1) / 2] < x) {
                h[i] = h[(i - 1) / 2];
                i = (i - 1) / 2;
        }
        h[i] = x;
}

static uint64_t heap_pop(uint64_t *h, size_t *n) {
        uint64_t top = h[0], x = h[--*n];
        size_t i = 0;

        for (;;) {
                size_t c = 2 * i + 1;

                if (c >= *n)
                        break;
                if (c + 1 < *n && h[c + 1] > h[c])
                        c++;
                if (h[c] <= x)
                        break;
                h[i] = h[c];
                i = c;
        }
        if (*n > 0)
                h[i] = x;
        return top;
}

/* Greedy vertex cover: repeatedly take the vertex on the most remaining edges (ties: the higher
 * index, or the lower one with `low`). Sets removed[] for the chosen vertices, returns how many. */
static uint64_t cover_key(size_t deg, size_t v, int low) {
        return (uint64_t) deg << 32 | (low ? UINT32_MAX - v : v);
}

static int greedy_cover(size_t nv, const edges *e, int low, uint8_t *removed, size_t *ret) {
        _cleanup_free_ size_t *deg = NULL, *off = NULL, *adj = NULL;
        _cleanup_free_ uint64_t *heap = NULL;
        size_t nheap = 0, count = 0;

        *ret = 0;
        if (e->n == 0)
                return 0;
        if (nv > UINT32_MAX)
                return -E2BIG;
        deg = calloc(nv, sizeof(size_t));
        off = calloc(nv + 1, sizeof(size_t));
        adj = malloc(2 * e->n * sizeof(size_t));
        heap = malloc((nv + 2 * e->n) * sizeof(uint64_t));
        if (!deg || !off || !adj || !heap)
                return -ENOMEM;
        for (size_t i = 0; i < e->n; i++) {
                deg[e->u[i]]++;
                deg[e->v[i]]++;
        }
        for (size_t v = 0; v < nv; v++)
                off[v + 1] = off[v] + deg[v];
        for (size_t v = 0; v < nv; v++)
                deg[v] = 0;
        for (size_t i = 0; i < e->n; i++) {
                adj[off[e->u[i]] + deg[e->u[i]]++] = e->v[i];
                adj[off[e->v[i]] + deg[e->v[i]]++] = e->u[i];
        }
        for (size_t v = 0; v < nv; v++)
                if (deg[v] > 0)
                        heap_push(heap, &nheap, cover_key(deg[v], v, low));
        while (nheap > 0) {
                uint64_t top = heap_pop(heap, &nheap);
                size_t v = (size_t) (top & UINT32_MAX), dv = (size_t) (top >> 32);

                if (low)
                        v = UINT32_MAX - v;
                if (removed[v] || dv != deg[v] || dv == 0)
                        continue;
                removed[v] = 1;
                count++;
                deg[v] = 0;
                for (size_t t = off[v]; t < off[v + 1]; t++) {
                        size_t u = adj[t];

                        if (removed[u] || deg[u] == 0)
                                continue;
                        deg[u]--;
                        if (deg[u] > 0)
                                heap_push(heap, &nheap, cover_key(deg[u], u, low));
                }
        }
        *ret = count;
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

        for (size_t t = 0; t < total; t++) {
                const ak_rule *r = t < p->nw ? wrule(p, t) : hrule(p, t - p->nw);
                uint64_t h = ak_rule_hash(r);
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
        if (!p->wcount || !p->hcount || !p->occ_off || !p->occ || !p->cls2q || !p->cnt || !p->pend_del ||
            !p->added || !p->wfate || !p->hfate)
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

/* The r-th held copy of class c counted from the bottom (r >= 1), or NONE. */
static size_t held_copy(const planner *p, size_t c, size_t r) {
        if (r == 0 || r > p->hcount[c])
                return NONE;
        return p->occ[p->occ_off[c] + p->hcount[c] - r];
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

/* ---------------------------------------------------------------------------------------------
 * Relaxed order */

/* One try at a kept set and a head/tail side for every missing rule. */
typedef struct attempt {
        uint8_t *kept;
        uint8_t *side;          /* per missing q: SIDE_T | SIDE_H */
        size_t *orig_t, *orig_h;
        size_t *miss, nmiss;
        size_t *mpos;           /* per missing q: index in miss */
        size_t *kept_by[2];     /* kept q ascending: never / always */
        size_t nkept_by[2];
        size_t nkept;
        size_t *queue;
} attempt;

typedef struct relaxed {
        planner *p;
        const plist *c;
        size_t nd;
        size_t *tgt;            /* per q: the held copy that would be kept, NONE when missing */
        uint8_t *kept0;         /* every desired rule the kernel holds */
        edges e;
        uint8_t *involved;
        int key_overflow;
} relaxed;

static void attempt_done(attempt *a) {
        free(a->kept);
        free(a->side);
        free(a->orig_t);
        free(a->orig_h);
        free(a->miss);
        free(a->mpos);
        free(a->kept_by[0]);
        free(a->kept_by[1]);
        free(a->queue);
        *a = (attempt) {};
}

static int attempt_init(attempt *a, size_t nd) {
        a->kept = calloc(nd + 1, 1);
        a->side = calloc(nd + 1, 1);
        a->orig_t = malloc((nd + 1) * sizeof(size_t));
        a->orig_h = malloc((nd + 1) * sizeof(size_t));
        a->miss = malloc((nd + 1) * sizeof(size_t));
        a->mpos = malloc((nd + 1) * sizeof(size_t));
        a->kept_by[0] = malloc((nd + 1) * sizeof(size_t));
        a->kept_by[1] = malloc((nd + 1) * sizeof(size_t));
        a->queue = malloc((nd + 1) * sizeof(size_t));
        if (!a->kept || !a->side || !a->orig_t || !a->orig_h || !a->miss || !a->mpos || !a->kept_by[0] ||
            !a->kept_by[1] || !a->queue)
                return -ENOMEM;
        return 0;
}

static void relaxed_done(relaxed *x) {
        free(x->tgt);
        free(x->kept0);
        free(x->involved);
        edges_done(&x->e);
}

static int is_always(const relaxed *x, size_t q) {
        return wrule(x->p, x->c->d[q])->data->action == AUDIT_ALWAYS;
}

static int on_kept_inversion(void *userdata, size_t a, size_t b) {
        relaxed *x = userdata;

        if (matter(x->p, x->c, a, b))
                return edges_add(&x->e, a, b);
        return 0;
}

static int on_final_inversion(void *userdata, size_t a, size_t b) {
        relaxed *x = userdata;

        if (matter(x->p, x->c, a, b))
                return x->p->over ? -E2BIG : -EDEADLK;  /* a recording pair out of order */
        if (!key_matter(x->p, x->c, a, b))
                return 0;
        if (x->e.n < KEY_EDGES_MAX)
                return edges_add(&x->e, a, b);
        x->key_overflow = 1;
        x->involved[a] = x->involved[b] = 1;
        return 0;
}

/* The kept rules listed in kernel order. */
static size_t kept_in_kernel_order(const relaxed *x, const uint8_t *kept, size_t *out) {
        const planner *p = x->p;
        size_t n = 0;

        for (size_t t = 0; t < x->c->nk; t++) {
                size_t h = x->c->k[t], q = p->cls2q[p->hcls[h]];

                if (q != NONE && x->tgt[q] == h && kept[q])
                        out[n++] = q;
        }
        return n;
}

/* Forces on missing q from the kept rules: SIDE_T when a kept rule before it in the file must
 * stay before it, SIDE_H when one after it must stay after it. With only_side, counts those. */
static uint8_t direct_forces(relaxed *x, attempt *a, size_t q, uint8_t only_side, size_t *ret_count) {
        int other = !is_always(x, q);
        uint8_t s = 0;
        size_t n = 0;

        for (size_t t = 0; t < a->nkept_by[other]; t++) {
                size_t k = a->kept_by[other][t];
                uint8_t bit = k < q ? SIDE_T : SIDE_H;

                if (!a->kept[k])
                        continue;
                if (only_side ? bit != only_side : (s & bit) != 0)
                        continue;
                if (!matter(x->p, x->c, q, k))
                        continue;
                s |= bit;
                n++;
                if (!only_side && s == (SIDE_T | SIDE_H))
                        break;
        }
        if (ret_count)
                *ret_count = n;
        return s;
}

static void drop_forcers(relaxed *x, attempt *a, size_t q, uint8_t bit) {
        int other = !is_always(x, q);

        for (size_t t = 0; t < a->nkept_by[other]; t++) {
                size_t k = a->kept_by[other][t];

                if (a->kept[k] && (k < q ? SIDE_T : SIDE_H) == bit && matter(x->p, x->c, q, k))
                        a->kept[k] = 0;
        }
}

/* From kept0 and the inverted recording pairs in x->e: drop kept rules (the vertex on most pairs
 * first, ties by index per `low`), then side the missing rules, dropping the kept rules behind
 * the cheaper side of each conflict. Returns the kept count, or 0 when the exact window is at
 * least as good or the search gave up. */
static int attempt_run(relaxed *x, attempt *a, int low, size_t exact_len, size_t *ret) {
        planner *p = x->p;
        const plist *c = x->c;
        size_t nd = x->nd, removed;
        int r;

        *ret = 0;
        memcpy(a->kept, x->kept0, nd);
        memset(a->side, 0, nd);         /* used as the cover's "removed" marks first */
        r = greedy_cover(nd, &x->e, low, a->side, &removed);
        if (r < 0)
                return r;
        for (size_t q = 0; q < nd; q++)
                if (a->side[q])
                        a->kept[q] = 0;

        for (size_t round = 0;; round++) {
                int conflict = 0, changed = 0;
                size_t qh, qt;

                if (round >= RELAXED_ROUNDS || p->over)
                        return 0;
                a->nmiss = a->nkept = a->nkept_by[0] = a->nkept_by[1] = 0;
                for (size_t q = 0; q < nd; q++) {
                        if (a->kept[q]) {
                                int al = is_always(x, q);

                                a->kept_by[al][a->nkept_by[al]++] = q;
                                a->nkept++;
                        } else {
                                a->mpos[q] = a->nmiss;
                                a->miss[a->nmiss++] = q;
                        }
                        a->side[q] = 0;
                        a->orig_t[q] = a->orig_h[q] = NONE;
                }
                if (a->nkept <= exact_len)
                        return 0;

                for (size_t t = 0; t < a->nmiss; t++) {
                        size_t q = a->miss[t];

                        a->side[q] = direct_forces(x, a, q, 0, NULL);
                        if (a->side[q] & SIDE_T)
                                a->orig_t[q] = q;
                        if (a->side[q] & SIDE_H)
                                a->orig_h[q] = q;
                }

                /* A missing rule at the tail drags every later missing rule it must precede
                 * there too; one at the head drags every earlier one it must follow. */
                qh = qt = 0;
                for (size_t t = 0; t < a->nmiss; t++)
                        if (a->side[a->miss[t]] & SIDE_T)
                                a->queue[qt++] = a->miss[t];
                while (qh < qt) {
                        size_t u = a->queue[qh++];

                        for (size_t t = a->mpos[u] + 1; t < a->nmiss; t++) {
                                size_t b = a->miss[t];

                                if ((a->side[b] & SIDE_T) || !matter(p, c, u, b))
                                        continue;
                                a->side[b] |= SIDE_T;
                                a->orig_t[b] = a->orig_t[u];
                                a->queue[qt++] = b;
                        }
                }
                qh = qt = 0;
                for (size_t t = 0; t < a->nmiss; t++)
                        if (a->side[a->miss[t]] & SIDE_H)
                                a->queue[qt++] = a->miss[t];
                while (qh < qt) {
                        size_t u = a->queue[qh++];

                        for (size_t t = 0; t < a->mpos[u]; t++) {
                                size_t b = a->miss[t];

                                if ((a->side[b] & SIDE_H) || !matter(p, c, b, u))
                                        continue;
                                a->side[b] |= SIDE_H;
                                a->orig_h[b] = a->orig_h[u];
                                a->queue[qt++] = b;
                        }
                }
                if (p->over)
                        return 0;

                for (size_t t = 0; t < a->nmiss; t++) {
                        size_t q = a->miss[t], nt, nh;

                        if (a->side[q] != (SIDE_T | SIDE_H))
                                continue;
                        conflict = 1;
                        (void) direct_forces(x, a, a->orig_t[q], SIDE_T, &nt);
                        (void) direct_forces(x, a, a->orig_h[q], SIDE_H, &nh);
                        if (nt == 0 || nh == 0)
                                continue;       /* resolved by an earlier drop this round */
                        if (nt <= nh)
                                drop_forcers(x, a, a->orig_t[q], SIDE_T);
                        else
                                drop_forcers(x, a, a->orig_h[q], SIDE_H);
                        changed = 1;
                }
                if (!conflict)
                        break;
                if (!changed)
                        return 0;       /* cannot happen; be safe */
        }
        *ret = a->nkept;
        return 0;
}

/* Returns 1 and assigns fates when a relaxed plan keeps more than `exact_len` rules, 0 when the
 * exact plan is to be used, or a negative errno. */
static int list_relaxed(planner *p, plist *c, size_t exact_len) {
        _cleanup_(relaxed_done) relaxed x = { .p = p, .c = c, .nd = c->nd };
        _cleanup_(attempt_done) attempt a1 = {}, a2 = {};
        _cleanup_free_ size_t *seq = NULL;
        _cleanup_free_ uint8_t *cover = NULL;
        size_t nd = c->nd, n, k1 = 0, k2 = 0, keys = 0;
        attempt *best;
        int r, ok = 0;

        for (size_t q = 0; q < nd; q++) {
                uint32_t act = wrule(p, c->d[q])->data->action;

                if (act != AUDIT_NEVER && act != AUDIT_ALWAYS)
                        return 0;
        }
        x.tgt = malloc((nd + 1) * sizeof(size_t));
        x.kept0 = calloc(nd + 1, 1);
        x.involved = calloc(nd + 1, 1);
        seq = malloc((nd + 1) * sizeof(size_t));
        cover = calloc(nd + 1, 1);
        if (!x.tgt || !x.kept0 || !x.involved || !seq || !cover)
                return -ENOMEM;

        /* Keep every desired rule the kernel holds (its bottom-most copy). */
        n = 0;
        for (size_t q = 0; q < nd; q++) {
                x.tgt[q] = held_copy(p, p->wcls[c->d[q]], 1);
                x.kept0[q] = x.tgt[q] != NONE;
                n += x.kept0[q];
                p->cls2q[p->wcls[c->d[q]]] = q;
        }
        if (n <= exact_len)
                goto finish;

        /* The recording pairs the kernel holds inverted. */
        n = kept_in_kernel_order(&x, x.kept0, seq);
        r = for_each_inversion(p, seq, n, on_kept_inversion, &x);
        if (r == -E2BIG || p->over)
                goto finish;
        if (r < 0)
                goto fail;

        r = attempt_init(&a1, nd);
        if (r < 0)
                goto fail;
        r = attempt_run(&x, &a1, 0, exact_len, &k1);
        if (r < 0)
                goto fail;
        if (p->over)
                goto finish;
        if (x.e.n > 0) {
                /* Something had to go: a second try, breaking ties the other way, within about
                 * the work the first one took. */
                uint64_t saved = p->budget, allowed = RELAXED_BUDGET - saved;

                r = attempt_init(&a2, nd);
                if (r < 0)
                        goto fail;
                p->budget = allowed < saved ? allowed : saved;
                allowed = p->budget;
                r = attempt_run(&x, &a2, 1, exact_len, &k2);
                if (r < 0)
                        goto fail;
                p->budget = saved - (allowed - p->budget);
                if (p->over) {
                        p->over = 0;
                        k2 = 0;
                }
        }
        if (k1 == 0 && k2 == 0)
                goto finish;
        best = k2 > k1 ? &a2 : &a1;
        edges_done(&x.e);

        /* Missing rules free of forces are appended, so rules in force keep labelling their
         * events (in q order, so free missing rules never invert among themselves). */
        c->nhead = c->ntail = 0;
        {
                for (size_t q = 0; q < nd; q++) {
                        size_t w = c->d[q];
                        int tail;

                        if (best->kept[q]) {
                                p->wfate[w] = W_KEPT;
                                continue;
                        }
                        if (best->side[q] & SIDE_T)
                                tail = 1;
                        else if (best->side[q] & SIDE_H)
                                tail = 0;
                        else
                                tail = 1; /* free: append, so rules in force keep labelling their events */
                        p->wfate[w] = tail ? W_TAIL : W_HEAD;
                        if (tail)
                                c->tail[c->ntail++] = w;
                        else
                                c->head[c->nhead++] = w;
                }
        }

        /* Check the final order pair by pair; count the disorder that only decides keys. */
        n = 0;
        for (size_t t = 0; t < c->nhead; t++)
                seq[n++] = p->cls2q[p->wcls[c->head[t]]];
        n += kept_in_kernel_order(&x, best->kept, seq + n);
        for (size_t t = 0; t < c->ntail; t++)
                seq[n++] = p->cls2q[p->wcls[c->tail[t]]];
        r = for_each_inversion(p, seq, n, on_final_inversion, &x);
        if (r == -E2BIG || r == -EDEADLK || p->over)
                goto finish;
        if (r < 0)
                goto fail;
        if (x.key_overflow) {
                for (size_t t = 0; t < x.e.n; t++)
                        x.involved[x.e.u[t]] = x.involved[x.e.v[t]] = 1;
                for (size_t q = 0; q < nd; q++)
                        keys += x.involved[q];
        } else {
                r = greedy_cover(nd, &x.e, 0, cover, &keys);
                if (r < 0)
                        goto fail;
        }
        p->n_keys_only += keys;
        for (size_t q = 0; q < nd; q++)
                if (best->kept[q])
                        p->hfate[x.tgt[q]] = H_KEEP;
        ok = 1;

finish:
        for (size_t q = 0; q < nd; q++)
                p->cls2q[p->wcls[c->d[q]]] = NONE;
        return ok;

fail:
        for (size_t q = 0; q < nd; q++)
                p->cls2q[p->wcls[c->d[q]]] = NONE;
        return r;
}

static int plan_list(planner *p, plist *c) {
        window win;
        int r;

        r = list_exact_window(p, c, &win);
        if (r < 0)
                return r;
        if (!p->exact && !win.dups) {
                p->over = 0;
                r = list_relaxed(p, c, win.j - win.i);
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
        return push_op(p, (ak_op) { .type = AK_OP_ADD_RULE, .rule = wrule(p, w), .prepend = prepend });
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
                        if (push_op(p, (ak_op) { .type = AK_OP_DEL_RULE, .rule = r }) < 0)
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
        for (size_t w = 0; w < p->nw; w++) {
                size_t cl = p->wcls[w];

                if (p->wfate[w] == W_KEPT || p->cnt[cl] >= p->pend_del[cl])
                        continue;
                p->cnt[cl]++;
                p->n_moved++;
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

ak_plan *ak_plan_free(ak_plan *p) {
        if (!p)
                return NULL;
        free(p->ops);
        free(p);
        return NULL;
}

static void plan_freep(ak_plan **p) {
        ak_plan_free(*p);
}

int ak_plan_build(const ak_ruleset *want, const ak_kstate *have, const ak_plan_opts *opts, ak_plan **ret) {
        static const ak_plan_opts defaults = {};
        _cleanup_(planner_done) planner p = {};
        _cleanup_(plan_freep) ak_plan *plan = NULL;
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
                /* warnings (a duplicate rule, an empty key) do not stand in the lock's way */
                if (want->n_errors > 0)
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
        *ret = TAKE_PTR(plan);
        return 0;
}
