/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The reconciler's relaxed order (plan.c holds the frame and the exact order). Pure.
 *
 * Only pairs whose order decides recording (overlapping rules with different actions, on any list
 * but exclude) must keep file order. Keep every desired rule the kernel holds, drop kept rules
 * greedily until no such pair is inverted, then place each missing rule at the head or the tail
 * as the kept rules and the other missing rules require, dropping more kept rules on conflicts.
 * The result is used when it keeps more than the exact window, after a pair by pair check that
 * also counts the rules out of order where only keys differ.
 *
 * Here too: when two rules overlap (ak_rules_overlap, public for the tests), the inversion walk
 * and the greedy vertex cover the search is built on. All of it runs within p->budget.
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

#ifndef AUDIT_FILTER_URING_EXIT
#define AUDIT_FILTER_URING_EXIT 0x07
#endif

#define RELAXED_ROUNDS 64
/* Key-order pairs remembered for counting; past it the count is an upper bound. */
#define KEY_EDGES_MAX 4000000u

enum { SIDE_T = 1, SIDE_H = 2 };

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
        const struct audit_rule_data *x, *y;
        uint32_t list;

        assert(a);
        assert(b);
        x = a->data;
        y = b->data;
        list = ak_rule_list(a);

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
 * Pair tests, inversions, covers */

/* One overlap test, paid from the budget. Past it, the search is flagged over and `past` is the
 * answer (whichever makes the caller stop soonest). */
static int overlap_within_budget(planner *p, const ak_rule *a, const ak_rule *b, int past) {
        if (p->budget == 0) {
                p->over = 1;
                return past;
        }
        p->budget--;
        return ak_rules_overlap(a, b);
}

/* Does the order of desired rules qa and qb (list-local) decide whether an event is recorded?
 * Past the budget, answer yes and flag it: the caller then gives up the relaxed search. */
static int matter(planner *p, const plist *c, size_t qa, size_t qb) {
        const ak_rule *a = wrule(p, c->d[qa]), *b = wrule(p, c->d[qb]);

        if (c->list == AUDIT_FILTER_EXCLUDE)
                return 0;       /* any matching exclude rule drops the record */
        if (a->data->action == b->data->action)
                return 0;
        return overlap_within_budget(p, a, b, 1);
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
        return overlap_within_budget(p, a, b, 0);
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
 * Relaxed order */

/* One try at a kept set and a head/tail side for every missing rule. All its arrays (nd + 1
 * entries each) live in one block. */
typedef struct attempt {
        void *mem;
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

/* The search over one list. Its per-q arrays (nd + 1 entries each) live in one block. */
typedef struct relaxed {
        planner *p;
        const plist *c;
        size_t nd;
        void *mem;
        size_t *tgt;            /* per q: the held copy that would be kept, NONE when missing */
        uint8_t *kept0;         /* every desired rule the kernel holds */
        edges e;
        uint8_t *involved;
        int key_overflow;
        size_t *seq;            /* scratch: list-local indices in an order to check */
        uint8_t *cover;         /* scratch: greedy_cover()'s marks */
} relaxed;

/* One zeroed block for `words` arrays of n size_t followed by `bytes` arrays of n bytes. */
static void *arrays_alloc(size_t n, size_t words, size_t bytes) {
        size_t each = words * sizeof(size_t) + bytes;

        if (n > SIZE_MAX / each)
                return NULL;
        return calloc(n, each);
}

static void attempt_done(attempt *a) {
        free(a->mem);
        *a = (attempt) {};
}

static int attempt_init(attempt *a, size_t nd) {
        size_t n = nd + 1, *w;

        a->mem = w = arrays_alloc(n, 7, 2);
        if (!a->mem)
                return -ENOMEM;
        a->orig_t = w;
        a->orig_h = w + n;
        a->miss = w + 2 * n;
        a->mpos = w + 3 * n;
        a->kept_by[0] = w + 4 * n;
        a->kept_by[1] = w + 5 * n;
        a->queue = w + 6 * n;
        a->kept = (uint8_t *) (w + 7 * n);
        a->side = a->kept + n;
        return 0;
}

static void relaxed_done(relaxed *x) {
        free(x->mem);
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

/* A missing rule at the tail (bit SIDE_T) drags every later missing rule it must precede there
 * too; one at the head (SIDE_H) drags every earlier one it must follow. The rule that started a
 * drag is passed on in orig_t / orig_h. */
static void drag(relaxed *x, attempt *a, uint8_t bit) {
        size_t *orig = bit == SIDE_T ? a->orig_t : a->orig_h;
        size_t qh = 0, qt = 0;

        for (size_t t = 0; t < a->nmiss; t++)
                if (a->side[a->miss[t]] & bit)
                        a->queue[qt++] = a->miss[t];
        while (qh < qt) {
                size_t u = a->queue[qh++];
                size_t from = bit == SIDE_T ? a->mpos[u] + 1 : 0, to = bit == SIDE_T ? a->nmiss : a->mpos[u];

                for (size_t t = from; t < to; t++) {
                        size_t b = a->miss[t];

                        /* the pair in file order, as everywhere */
                        if ((a->side[b] & bit) || !matter(x->p, x->c, u < b ? u : b, u < b ? b : u))
                                continue;
                        a->side[b] |= bit;
                        orig[b] = orig[u];
                        a->queue[qt++] = b;
                }
        }
}

/* From kept0 and the inverted recording pairs in x->e: drop kept rules (the vertex on most pairs
 * first, ties by index per `low`), then side the missing rules, dropping the kept rules behind
 * the cheaper side of each conflict. Returns the kept count, or 0 when the exact window is at
 * least as good or the search gave up. */
static int attempt_run(relaxed *x, attempt *a, int low, size_t exact_len, size_t *ret) {
        planner *p = x->p;
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

                drag(x, a, SIDE_T);
                drag(x, a, SIDE_H);
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

/* Keep every desired rule the kernel holds (its bottom-most copy); *ret_n: how many. Leaves
 * p->cls2q mapping each class of the list to its q, for the caller to clear. */
static int relaxed_init(relaxed *x, size_t *ret_n) {
        planner *p = x->p;
        const plist *c = x->c;
        size_t nd = x->nd, n = 0, *w;

        x->mem = w = arrays_alloc(nd + 1, 2, 3);
        if (!x->mem)
                return -ENOMEM;
        x->tgt = w;
        x->seq = w + nd + 1;
        x->kept0 = (uint8_t *) (w + 2 * (nd + 1));
        x->involved = x->kept0 + nd + 1;
        x->cover = x->involved + nd + 1;

        for (size_t q = 0; q < nd; q++) {
                x->tgt[q] = held_copy(p, p->wcls[c->d[q]], 1);
                x->kept0[q] = x->tgt[q] != NONE;
                n += x->kept0[q];
                p->cls2q[p->wcls[c->d[q]]] = q;
        }
        *ret_n = n;
        return 0;
}

/* The recording pairs the kernel holds inverted, then one or two tries at a kept set. *ret: the
 * better try, or NULL when neither keeps more than the exact window or the search gave up. */
static int relaxed_search(relaxed *x, size_t exact_len, attempt *a1, attempt *a2, attempt **ret) {
        planner *p = x->p;
        size_t n, k1 = 0, k2 = 0;
        int r;

        *ret = NULL;
        n = kept_in_kernel_order(x, x->kept0, x->seq);
        r = for_each_inversion(p, x->seq, n, on_kept_inversion, x);
        if (r == -E2BIG || p->over)
                return 0;
        if (r < 0)
                return r;

        r = attempt_init(a1, x->nd);
        if (r < 0)
                return r;
        r = attempt_run(x, a1, 0, exact_len, &k1);
        if (r < 0)
                return r;
        if (p->over)
                return 0;
        if (x->e.n > 0) {
                /* Something had to go: a second try, breaking ties the other way, within about
                 * the work the first one took. */
                uint64_t saved = p->budget, allowed = RELAXED_BUDGET - saved;

                r = attempt_init(a2, x->nd);
                if (r < 0)
                        return r;
                p->budget = allowed < saved ? allowed : saved;
                allowed = p->budget;
                r = attempt_run(x, a2, 1, exact_len, &k2);
                if (r < 0)
                        return r;
                p->budget = saved - (allowed - p->budget);
                if (p->over) {
                        p->over = 0;
                        k2 = 0;
                }
        }
        if (k1 > 0 || k2 > 0)
                *ret = k2 > k1 ? a2 : a1;
        return 0;
}

/* Kept rules stay; missing rules go to the side their forces ask for. Missing rules free of
 * forces are appended, so rules in force keep labelling their events (in q order, so free missing
 * rules never invert among themselves). */
static void relaxed_assign(planner *p, plist *c, const attempt *best) {
        c->nhead = c->ntail = 0;
        for (size_t q = 0; q < c->nd; q++) {
                size_t w = c->d[q];

                if (best->kept[q])
                        p->wfate[w] = W_KEPT;
                else if ((best->side[q] & SIDE_T) || !(best->side[q] & SIDE_H)) {
                        p->wfate[w] = W_TAIL;
                        c->tail[c->ntail++] = w;
                } else {
                        p->wfate[w] = W_HEAD;
                        c->head[c->nhead++] = w;
                }
        }
}

/* Check the final order pair by pair and count the disorder that only decides keys. 1 when no
 * recording pair is out of order, 0 when one is (or the budget ran out), or a negative errno. */
static int relaxed_check(relaxed *x, const attempt *best) {
        planner *p = x->p;
        const plist *c = x->c;
        size_t n = 0, keys = 0;
        int r;

        for (size_t t = 0; t < c->nhead; t++)
                x->seq[n++] = p->cls2q[p->wcls[c->head[t]]];
        n += kept_in_kernel_order(x, best->kept, x->seq + n);
        for (size_t t = 0; t < c->ntail; t++)
                x->seq[n++] = p->cls2q[p->wcls[c->tail[t]]];
        r = for_each_inversion(p, x->seq, n, on_final_inversion, x);
        if (r == -E2BIG || r == -EDEADLK || p->over)
                return 0;
        if (r < 0)
                return r;
        if (x->key_overflow) {
                for (size_t t = 0; t < x->e.n; t++)
                        x->involved[x->e.u[t]] = x->involved[x->e.v[t]] = 1;
                for (size_t q = 0; q < x->nd; q++)
                        keys += x->involved[q];
        } else {
                r = greedy_cover(x->nd, &x->e, 0, x->cover, &keys);
                if (r < 0)
                        return r;
        }
        p->n_keys_only += keys;
        return 1;
}

int plan_list_relaxed(planner *p, plist *c, size_t exact_len) {
        _cleanup_(relaxed_done) relaxed x = { .p = p, .c = c, .nd = c->nd };
        _cleanup_(attempt_done) attempt a1 = {}, a2 = {};
        attempt *best = NULL;
        size_t n;
        int r;

        for (size_t q = 0; q < c->nd; q++) {
                uint32_t act = wrule(p, c->d[q])->data->action;

                if (act != AUDIT_NEVER && act != AUDIT_ALWAYS)
                        return 0;
        }
        r = relaxed_init(&x, &n);
        if (r >= 0 && n > exact_len)
                r = relaxed_search(&x, exact_len, &a1, &a2, &best);
        if (r >= 0 && best) {
                edges_done(&x.e);       /* from here on: the pairs that only decide keys */
                relaxed_assign(p, c, best);
                r = relaxed_check(&x, best);
                if (r > 0)
                        for (size_t q = 0; q < c->nd; q++)
                                if (best->kept[q])
                                        p->hfate[x.tgt[q]] = H_KEEP;
        }
        for (size_t q = 0; q < c->nd; q++)
                p->cls2q[p->wcls[c->d[q]]] = NONE;
        return r;
}
