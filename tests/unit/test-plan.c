/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The reconciler: status and lock ops, minimal rule changes, order, no gap, and a kernel
 * simulator that replays every plan. Rules are built by hand, not parsed. */
#include <check.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auditkeep/ak-plan.h"
#include "auditkeep/ak-sync.h"
#include "macro.h"
#include "test-util.h"

#define ARCH_B64 0xc000003eu
#define ARCH_B32 0x40000003u
#define ALLSYS (-1)

/* ---------------------------------------------------------------------------------------------
 * Building rules */

typedef struct fspec {
        uint32_t type, op, val;
        const char *s;          /* string fields */
} fspec;

static void **arena;
static size_t n_arena, arena_alloc;

static void *arena_take(void *p) {
        ck_assert_ptr_nonnull(p);
        if (n_arena == arena_alloc) {
                arena_alloc = arena_alloc ? 2 * arena_alloc : 64;
                arena = realloc(arena, arena_alloc * sizeof(void *));
                ck_assert_ptr_nonnull(arena);
        }
        arena[n_arena++] = p;
        return p;
}

static void arena_free(void) {
        for (size_t i = 0; i < n_arena; i++)
                free(arena[i]);
        free(arena);
        arena = NULL;
        n_arena = arena_alloc = 0;
}

/* sys: syscall numbers, or a single ALLSYS; nsys 0 leaves the mask empty. */
static ak_rule mk(uint32_t list, uint32_t action, const int *sys, size_t nsys, const fspec *f, size_t nf) {
        size_t buflen = 0, off = 0;
        struct audit_rule_data *d;

        for (size_t i = 0; i < nf; i++)
                if (f[i].s)
                        buflen += strlen(f[i].s);
        d = arena_take(calloc(1, sizeof(*d) + buflen));
        d->flags = list;
        d->action = action;
        d->field_count = (uint32_t) nf;
        for (size_t i = 0; i < nsys; i++) {
                if (sys[i] == ALLSYS) {
                        for (size_t w = 0; w < AUDIT_BITMASK_SIZE; w++)
                                d->mask[w] = ~0u;
                        continue;
                }
                d->mask[sys[i] / 32] |= 1u << (sys[i] % 32);
        }
        for (size_t i = 0; i < nf; i++) {
                d->fields[i] = f[i].type;
                d->fieldflags[i] = f[i].op ? f[i].op : AUDIT_EQUAL;
                if (f[i].s) {
                        size_t l = strlen(f[i].s);

                        d->values[i] = (uint32_t) l;
                        memcpy(d->buf + off, f[i].s, l);
                        off += l;
                } else
                        d->values[i] = f[i].val;
        }
        d->buflen = (uint32_t) buflen;
        return (ak_rule) { .data = d, .size = sizeof(*d) + buflen };
}

/* An exit rule on one syscall (or ALLSYS), with an optional key. */
static ak_rule rsys(uint32_t action, int sys, const char *key) {
        fspec f[] = { { .type = AUDIT_FILTERKEY, .s = key } };

        return mk(AUDIT_FILTER_EXIT, action, &sys, 1, f, key ? 1 : 0);
}

static ak_rule rwatch(const char *path, uint32_t perm, const char *key, uint32_t action) {
        int all = ALLSYS;
        fspec f[] = {
                { .type = AUDIT_WATCH, .s = path },
                { .type = AUDIT_PERM, .val = perm },
                { .type = AUDIT_FILTERKEY, .s = key },
        };

        return mk(AUDIT_FILTER_EXIT, action, &all, 1, f, key ? 3 : 2);
}

static ak_rule *copy_rules(const ak_rule *src, size_t n) {
        ak_rule *r = arena_take(calloc(n + 1, sizeof(ak_rule)));

        if (n > 0)
                memcpy(r, src, n * sizeof(ak_rule));
        return r;
}

/* ---------------------------------------------------------------------------------------------
 * Scenarios */

typedef struct scen {
        ak_ruleset want;
        ak_kstate have;
} scen;

static void scen_init(scen *s, const ak_rule *d, size_t nd, const ak_rule *k, size_t nk) {
        *s = (scen) {};
        s->want.rules = copy_rules(d, nd);
        s->want.n_rules = nd;
        s->have.rules = copy_rules(k, nk);
        s->have.n_rules = nk;
        s->have.status.enabled = 1;
        s->have.status.failure = 1;
        s->have.status.backlog_limit = 64;
        s->have.status.backlog_wait_time = 15000;
        s->have.status.pid = 4242;
        s->have.status_len = sizeof(struct audit_status);
        s->have.have_features = 1;
        s->have.features.vers = 1;
        s->have.features.mask = 0xffffffffu;
}

static ak_plan *plan_opts(const scen *s, int exact, ak_foreign_policy foreign, int from_empty) {
        ak_plan_opts o = { .foreign = foreign, .exact_order = exact, .from_empty = from_empty };
        ak_plan *p = NULL;
        int r;

        r = ak_plan_build(&s->want, &s->have, &o, &p);
        ck_assert_int_eq(r, 0);
        ck_assert_ptr_nonnull(p);
        return p;
}

static ak_plan *plan_relaxed(const scen *s) {
        return plan_opts(s, 0, AK_FOREIGN_REMOVE, 0);
}

static ak_plan *plan_exact(const scen *s) {
        return plan_opts(s, 1, AK_FOREIGN_REMOVE, 0);
}

static void check_counts(const ak_plan *p) {
        size_t a = 0, d = 0, st = 0;

        for (size_t i = 0; i < p->n_ops; i++) {
                switch (p->ops[i].type) {
                case AK_OP_ADD_RULE: a++; break;
                case AK_OP_DEL_RULE: d++; ck_assert_int_eq(p->ops[i].prepend, 0); break;
                case AK_OP_SET:
                        ck_assert_int_eq(__builtin_popcount(p->ops[i].mask), 1);
                        ck_assert_uint_eq(p->ops[i].mask & AUDIT_STATUS_PID, 0);
                        /* fallthrough */
                case AK_OP_SET_FEATURE: st++; break;
                default: break;
                }
        }
        ck_assert_uint_eq(a, p->n_add);
        ck_assert_uint_eq(d, p->n_del);
        ck_assert_uint_eq(st, p->n_set);
}

/* The per-rule states agree with the ops and with a plain count of equal rules: a desired rule
 * is added (ADD or MOVE) by exactly one ADD op and KEPT by none; a held rule is deleted (MOVED,
 * EXTRA, or FOREIGN under --foreign=remove) by exactly one DEL op; per class of equal rules the
 * desired rules the kernel holds (KEPT, MOVE) and the held rules that are declared (KEPT, MOVED)
 * number min(desired copies, held copies), as ListRules reports them. */
static void check_states(const scen *s, const ak_plan *p, ak_foreign_policy foreign) {
        size_t nw = s->want.n_rules, nh = s->have.n_rules, moved = 0;
        size_t *adds = arena_take(calloc(nw + 1, sizeof(size_t))), *dels = arena_take(calloc(nh + 1, sizeof(size_t)));

        ck_assert_ptr_nonnull(p->want_state);
        ck_assert_ptr_nonnull(p->have_state);
        for (size_t i = 0; i < p->n_ops; i++) {
                const ak_op *op = &p->ops[i];

                if (op->type == AK_OP_ADD_RULE) {
                        ck_assert_ptr_eq(op->rule, &s->want.rules[op->index]);
                        adds[op->index]++;
                } else if (op->type == AK_OP_DEL_RULE) {
                        ck_assert_ptr_eq(op->rule, &s->have.rules[op->index]);
                        dels[op->index]++;
                }
        }
        for (size_t w = 0; w < nw; w++) {
                ak_rule_state st = p->want_state[w];
                size_t wc = 0, hc = 0, held = 0;

                ck_assert(st == AK_RULE_KEPT || st == AK_RULE_MOVE || st == AK_RULE_ADD);
                if (!p->locked)
                        ck_assert_uint_eq(adds[w], st == AK_RULE_KEPT ? 0 : 1);
                moved += st == AK_RULE_MOVE;
                for (size_t x = 0; x < nw; x++)
                        if (ak_rule_equal(&s->want.rules[x], &s->want.rules[w])) {
                                wc++;
                                held += p->want_state[x] != AK_RULE_ADD;
                        }
                for (size_t h = 0; h < nh; h++)
                        hc += ak_rule_equal(&s->have.rules[h], &s->want.rules[w]);
                ck_assert_uint_eq(held, wc < hc ? wc : hc);
        }
        ck_assert_uint_eq(moved, p->n_moved);
        for (size_t h = 0; h < nh; h++) {
                ak_held_state st = p->have_state[h];
                size_t wc = 0, hc = 0, declared = 0;

                for (size_t w = 0; w < nw; w++)
                        wc += ak_rule_equal(&s->want.rules[w], &s->have.rules[h]);
                for (size_t x = 0; x < nh; x++)
                        if (ak_rule_equal(&s->have.rules[x], &s->have.rules[h])) {
                                hc++;
                                declared += p->have_state[x] == AK_HELD_KEPT || p->have_state[x] == AK_HELD_MOVED;
                        }
                ck_assert_int_eq(st == AK_HELD_FOREIGN, wc == 0);
                ck_assert_uint_eq(declared, wc < hc ? wc : hc);
                if (!p->locked)
                        ck_assert_uint_eq(dels[h], st == AK_HELD_KEPT || (st == AK_HELD_FOREIGN && foreign == AK_FOREIGN_KEEP) ? 0 : 1);
        }
}

/* ---------------------------------------------------------------------------------------------
 * The kernel simulator: one array; each rule carries its list, and only the order within a list
 * matters. Append refuses an equal rule (EEXIST), prepend does not, delete takes the first match. */

typedef struct sim {
        const ak_rule **r;
        size_t n;
} sim;

static int sim_apply(const ak_kstate *have, const ak_plan *p, sim *out) {
        size_t cap = have->n_rules + p->n_ops + 1;
        const ak_rule **v = arena_take(calloc(cap, sizeof(*v)));
        size_t n = 0;

        for (size_t i = 0; i < have->n_rules; i++)
                v[n++] = &have->rules[i];
        for (size_t i = 0; i < p->n_ops; i++) {
                const ak_op *op = &p->ops[i];
                size_t j;

                if (op->type == AK_OP_ADD_RULE) {
                        if (!op->prepend) {
                                for (j = 0; j < n; j++)
                                        if (ak_rule_equal(v[j], op->rule))
                                                return -EEXIST;
                                v[n++] = op->rule;
                        } else {
                                memmove(v + 1, v, n * sizeof(*v));
                                v[0] = op->rule;
                                n++;
                        }
                } else if (op->type == AK_OP_DEL_RULE) {
                        for (j = 0; j < n; j++)
                                if (ak_rule_equal(v[j], op->rule))
                                        break;
                        if (j == n)
                                return -ENOENT;
                        memmove(v + j, v + j + 1, (n - j - 1) * sizeof(*v));
                        n--;
                }
        }
        *out = (sim) { .r = v, .n = n };
        return 0;
}

static int in_want(const ak_ruleset *w, const ak_rule *r) {
        for (size_t i = 0; i < w->n_rules; i++)
                if (ak_rule_equal(&w->rules[i], r))
                        return 1;
        return 0;
}

/* The simulated kernel minus rules foreign to want. */
static sim sim_desired_part(const ak_ruleset *w, const sim *s) {
        const ak_rule **v = arena_take(calloc(s->n + 1, sizeof(*v)));
        size_t n = 0;

        for (size_t i = 0; i < s->n; i++)
                if (in_want(w, s->r[i]))
                        v[n++] = s->r[i];
        return (sim) { .r = v, .n = n };
}

static int sim_count_foreign(const ak_ruleset *w, const sim *s) {
        int n = 0;

        for (size_t i = 0; i < s->n; i++)
                n += !in_want(w, s->r[i]);
        return n;
}

/* Same rules per list, in the same order. */
static int sim_equals_exact(const ak_ruleset *w, const sim *s) {
        for (uint32_t list = 0; list < 8; list++) {
                size_t i = 0, j = 0;

                for (;;) {
                        while (i < w->n_rules && ak_rule_list(&w->rules[i]) != list)
                                i++;
                        while (j < s->n && ak_rule_list(s->r[j]) != list)
                                j++;
                        if (i == w->n_rules || j == s->n)
                                break;
                        if (!ak_rule_equal(&w->rules[i], s->r[j]))
                                return 0;
                        i++;
                        j++;
                }
                if (i != w->n_rules || j != s->n)
                        return 0;
        }
        return 1;
}

static int order_matters(const ak_rule *a, const ak_rule *b) {
        if (ak_rule_list(a) == AUDIT_FILTER_EXCLUDE)
                return 0;
        return a->data->action != b->data->action && ak_rules_overlap(a, b);
}

/* Position of the first rule equal to r in the sequence, or -1. */
static long first_pos(const ak_rule *const *v, size_t n, const ak_rule *r) {
        for (size_t i = 0; i < n; i++)
                if (ak_rule_equal(v[i], r))
                        return (long) i;
        return -1;
}

/* Same multiset of rules, and every pair whose order decides recording in the same order (first
 * copies decide: a later identical copy never matches first). */
static int sim_recording_equivalent(const ak_ruleset *w, const sim *s) {
        const ak_rule **dv = arena_take(calloc(w->n_rules + 1, sizeof(*dv)));

        if (s->n != w->n_rules)
                return 0;
        for (size_t i = 0; i < w->n_rules; i++) {
                size_t a = 0, b = 0;

                dv[i] = &w->rules[i];
                for (size_t j = 0; j < w->n_rules; j++)
                        a += ak_rule_equal(&w->rules[j], &w->rules[i]);
                for (size_t j = 0; j < s->n; j++)
                        b += ak_rule_equal(s->r[j], &w->rules[i]);
                if (a != b)
                        return 0;
        }
        for (size_t i = 0; i < w->n_rules; i++)
                for (size_t j = i + 1; j < w->n_rules; j++) {
                        const ak_rule *x = &w->rules[i], *y = &w->rules[j];
                        long dx, dy, fx, fy;

                        if (ak_rule_list(x) != ak_rule_list(y) || !order_matters(x, y))
                                continue;
                        dx = first_pos(dv, w->n_rules, x);
                        dy = first_pos(dv, w->n_rules, y);
                        fx = first_pos(s->r, s->n, x);
                        fy = first_pos(s->r, s->n, y);
                        if ((dx < dy) != (fx < fy))
                                return 0;
                }
        return 1;
}

/* No append of a rule while an equal one is still to be deleted, no delete after a prepend of
 * an equal rule. */
static void check_no_conflicting_order(const ak_plan *p) {
        for (size_t i = 0; i < p->n_ops; i++) {
                if (p->ops[i].type != AK_OP_ADD_RULE)
                        continue;
                for (size_t j = i + 1; j < p->n_ops; j++)
                        if (p->ops[j].type == AK_OP_DEL_RULE)
                                ck_assert(!ak_rule_equal(p->ops[i].rule, p->ops[j].rule));
        }
}

/* ---------------------------------------------------------------------------------------------
 * Overlap */

START_TEST(test_overlap) {
        int s1 = 1, s2 = 2, all = ALLSYS;
        ak_rule a = rsys(AUDIT_ALWAYS, 1, "a"), b = rsys(AUDIT_NEVER, 2, NULL), c = rsys(AUDIT_NEVER, ALLSYS, NULL);
        ak_rule empty = mk(AUDIT_FILTER_EXIT, AUDIT_ALWAYS, NULL, 0, NULL, 0);
        ak_rule lastword = rsys(AUDIT_ALWAYS, 63 * 32 + 3, NULL), classbit = rsys(AUDIT_ALWAYS, 63 * 32 + 20, NULL);

        ck_assert_int_eq(ak_rules_overlap(&a, &b), 0);
        ck_assert_int_eq(ak_rules_overlap(&a, &c), 1);
        ck_assert_int_eq(ak_rules_overlap(&b, &c), 1);
        ck_assert_int_eq(ak_rules_overlap(&a, &a), 1);
        ck_assert_int_eq(ak_rules_overlap(&empty, &c), 0);
        ck_assert_int_eq(ak_rules_overlap(&lastword, &c), 1);
        /* the top 16 bits are class bits, not syscalls */
        ck_assert_int_eq(ak_rules_overlap(&classbit, &c), 0);

        /* different lists */
        ak_rule t = mk(AUDIT_FILTER_TASK, AUDIT_NEVER, &all, 1, NULL, 0);
        ck_assert_int_eq(ak_rules_overlap(&t, &c), 0);

        /* arch */
        fspec f64[] = { { .type = AUDIT_ARCH, .val = ARCH_B64 } }, f32[] = { { .type = AUDIT_ARCH, .val = ARCH_B32 } };
        ak_rule x64 = mk(AUDIT_FILTER_EXIT, AUDIT_ALWAYS, &s1, 1, f64, 1), x32 = mk(AUDIT_FILTER_EXIT, AUDIT_NEVER, &s1, 1, f32, 1);
        ak_rule x64b = mk(AUDIT_FILTER_EXIT, AUDIT_NEVER, &s1, 1, f64, 1);
        ck_assert_int_eq(ak_rules_overlap(&x64, &x32), 0);
        ck_assert_int_eq(ak_rules_overlap(&x64, &x64b), 1);
        ck_assert_int_eq(ak_rules_overlap(&x64, &a), 1);

        /* numeric fields: = vs =, = vs != */
        fspec u1[] = { { .type = AUDIT_UID, .val = 1 } }, u2[] = { { .type = AUDIT_UID, .val = 2 } };
        fspec un1[] = { { .type = AUDIT_UID, .op = AUDIT_NOT_EQUAL, .val = 1 } };
        fspec un2[] = { { .type = AUDIT_UID, .op = AUDIT_NOT_EQUAL, .val = 2 } };
        fspec e2[] = { { .type = AUDIT_EUID, .val = 2 } };
        fspec g1[] = { { .type = AUDIT_GID, .val = 1 } }, g2[] = { { .type = AUDIT_GID, .val = 2 } };
        ak_rule ru1 = mk(AUDIT_FILTER_EXIT, AUDIT_ALWAYS, &s1, 1, u1, 1), ru2 = mk(AUDIT_FILTER_EXIT, AUDIT_NEVER, &s1, 1, u2, 1);
        ak_rule run1 = mk(AUDIT_FILTER_EXIT, AUDIT_NEVER, &s1, 1, un1, 1), run2 = mk(AUDIT_FILTER_EXIT, AUDIT_NEVER, &s1, 1, un2, 1);
        ak_rule re2 = mk(AUDIT_FILTER_EXIT, AUDIT_NEVER, &s1, 1, e2, 1);
        ak_rule rg1 = mk(AUDIT_FILTER_EXIT, AUDIT_ALWAYS, &s1, 1, g1, 1), rg2 = mk(AUDIT_FILTER_EXIT, AUDIT_NEVER, &s1, 1, g2, 1);
        ck_assert_int_eq(ak_rules_overlap(&ru1, &ru2), 0);
        ck_assert_int_eq(ak_rules_overlap(&ru1, &run1), 0);
        ck_assert_int_eq(ak_rules_overlap(&ru1, &run2), 1);
        ck_assert_int_eq(ak_rules_overlap(&run1, &run2), 1);
        ck_assert_int_eq(ak_rules_overlap(&ru1, &re2), 1);
        /* gid= also matches supplementary groups */
        ck_assert_int_eq(ak_rules_overlap(&rg1, &rg2), 1);

        /* task list: no mask */
        ak_rule t1 = mk(AUDIT_FILTER_TASK, AUDIT_NEVER, NULL, 0, u1, 1), t2 = mk(AUDIT_FILTER_TASK, AUDIT_ALWAYS, &all, 1, u2, 1);
        ak_rule t3 = mk(AUDIT_FILTER_TASK, AUDIT_ALWAYS, &all, 1, NULL, 0);
        ck_assert_int_eq(ak_rules_overlap(&t1, &t2), 0);
        ck_assert_int_eq(ak_rules_overlap(&t1, &t3), 1);

        /* watches */
        ak_rule wa = rwatch("/etc/a", 6, "k", AUDIT_ALWAYS), wb = rwatch("/etc/b", 6, "k", AUDIT_NEVER);
        ak_rule wa2 = rwatch("/etc/a", 1, NULL, AUDIT_NEVER), wr = rwatch("/etc/a", 4, NULL, AUDIT_NEVER);
        fspec dir[] = { { .type = AUDIT_DIR, .s = "/etc" } }, dir2[] = { { .type = AUDIT_DIR, .s = "/var" } };
        ak_rule de = mk(AUDIT_FILTER_EXIT, AUDIT_NEVER, &all, 1, dir, 1), dv = mk(AUDIT_FILTER_EXIT, AUDIT_ALWAYS, &all, 1, dir2, 1);
        ck_assert_int_eq(ak_rules_overlap(&wa, &wb), 0);
        ck_assert_int_eq(ak_rules_overlap(&wa, &wa2), 1);
        /* perm=r and perm=w both match an O_RDWR open */
        fspec pw[] = { { .type = AUDIT_WATCH, .s = "/etc/a" }, { .type = AUDIT_PERM, .val = 2 } };
        ak_rule ww = mk(AUDIT_FILTER_EXIT, AUDIT_ALWAYS, &all, 1, pw, 2);
        ck_assert_int_eq(ak_rules_overlap(&wr, &ww), 1);
        ck_assert_int_eq(ak_rules_overlap(&wa, &de), 1);
        /* one rename can touch both trees */
        ck_assert_int_eq(ak_rules_overlap(&de, &dv), 1);
        ck_assert_int_eq(ak_rules_overlap(&wa, &c), 1);
        ck_assert_int_eq(ak_rules_overlap(&wa, &b), 1);   /* a watch's mask is all */

        /* exe */
        fspec xa[] = { { .type = AUDIT_EXE, .s = "/usr/bin/a" } }, xb[] = { { .type = AUDIT_EXE, .s = "/usr/bin/b" } };
        ak_rule ea = mk(AUDIT_FILTER_EXIT, AUDIT_ALWAYS, &s2, 1, xa, 1), eb = mk(AUDIT_FILTER_EXIT, AUDIT_NEVER, &s2, 1, xb, 1);
        ck_assert_int_eq(ak_rules_overlap(&ea, &eb), 0);
        ck_assert_int_eq(ak_rules_overlap(&ea, &b), 1);

        /* msgtype on exclude; the mask of an exclude rule is not consulted */
        fspec m1[] = { { .type = AUDIT_MSGTYPE, .val = 1300 } }, m2[] = { { .type = AUDIT_MSGTYPE, .val = 1305 } };
        ak_rule xm1 = mk(AUDIT_FILTER_EXCLUDE, AUDIT_ALWAYS, &all, 1, m1, 1), xm2 = mk(AUDIT_FILTER_EXCLUDE, AUDIT_NEVER, &all, 1, m2, 1);
        ak_rule xm3 = mk(AUDIT_FILTER_EXCLUDE, AUDIT_NEVER, NULL, 0, m1, 1);
        ck_assert_int_eq(ak_rules_overlap(&xm1, &xm2), 0);
        ck_assert_int_eq(ak_rules_overlap(&xm1, &xm3), 1);
}
END_TEST

/* ---------------------------------------------------------------------------------------------
 * Status, lock, features */

START_TEST(test_in_sync) {
        ak_rule r[] = {
                rsys(AUDIT_NEVER, 5, NULL), rsys(AUDIT_ALWAYS, 1, "a"), rsys(AUDIT_ALWAYS, ALLSYS, "b"),
                rwatch("/etc/passwd", 6, "identity", AUDIT_ALWAYS),
        };
        scen s;
        ak_plan *p;

        scen_init(&s, r, ELEMENTSOF(r), r, ELEMENTSOF(r));
        s.want.status = (ak_status_want) {
                .mask = AUDIT_STATUS_ENABLED | AUDIT_STATUS_FAILURE | AUDIT_STATUS_BACKLOG_LIMIT,
                .enabled = 1, .failure = 1, .backlog_limit = 64,
        };
        for (int exact = 0; exact < 2; exact++) {
                p = plan_opts(&s, exact, AK_FOREIGN_REMOVE, 0);
                ck_assert_uint_eq(p->n_ops, 0);
                ck_assert_int_eq(p->in_sync, 1);
                ck_assert_uint_eq(p->n_differ, 0);
                ck_assert_uint_eq(p->n_foreign, 0);
                ck_assert_uint_eq(p->n_keys_only, 0);
                ck_assert_int_eq(p->locked, 0);
                ak_plan_free(p);
        }
        /* empty against empty */
        scen_init(&s, NULL, 0, NULL, 0);
        p = plan_relaxed(&s);
        ck_assert_uint_eq(p->n_ops, 0);
        ck_assert_int_eq(p->in_sync, 1);
        ak_plan_free(p);
}
END_TEST

/* The daemon keeps the last snapshot of an in-sync kernel: each kept kernel rule shares the
 * equal desired rule's data (no second copy, issue #24 item 6); foreign rules keep their own, and
 * freeing the snapshot leaves the desired rules intact. */
START_TEST(test_share_kept) {
        ak_rule r[] = { rsys(AUDIT_ALWAYS, 1, "a"), rsys(AUDIT_ALWAYS, 2, "foreign"), rsys(AUDIT_NEVER, 5, NULL) };
        ak_rule want_rules[] = { r[0], r[2] };
        ak_ruleset want = { .rules = want_rules, .n_rules = 2 };
        ak_kstate have = { .status_len = sizeof(struct audit_status) };
        ak_plan_opts o = { .foreign = AK_FOREIGN_REMOVE };
        ak_sync_report rep;

        have.status.enabled = 1;
        have.rules = calloc(3, sizeof(ak_rule));
        ck_assert_ptr_nonnull(have.rules);
        for (size_t i = 0; i < 3; i++)
                ck_assert_int_eq(ak_rule_from_bytes(&have.rules[i], r[i].data, r[i].size), 0);
        have.n_rules = 3;
        ck_assert_int_eq(ak_sync_plan(&rep, &want, &have, &o), 0);
        ck_assert_int_eq(rep.plan->have_state[0], AK_HELD_KEPT);
        ck_assert_int_eq(rep.plan->have_state[1], AK_HELD_FOREIGN);
        ck_assert_int_eq(rep.plan->have_state[2], AK_HELD_KEPT);

        ck_assert_int_eq(ak_sync_share_kept(&rep, &want), 2);
        ck_assert_ptr_eq(rep.before.rules[0].data, want.rules[0].data);
        ck_assert_ptr_ne(rep.before.rules[1].data, r[1].data);         /* the foreign rule's own copy */
        ck_assert_int_eq(memcmp(rep.before.rules[1].data, r[1].data, r[1].size), 0);
        ck_assert_ptr_eq(rep.before.rules[2].data, want.rules[1].data);
        ck_assert_int_eq(ak_sync_share_kept(&rep, &want), 0);           /* shared already */
        ck_assert(ak_rule_equal(&rep.before.rules[2], &r[2]));
        ak_sync_report_done(&rep);
        /* the desired rules were not freed with the snapshot (ASan/valgrind: no double free) */
        ck_assert_uint_eq(want.rules[0].data->action, AUDIT_ALWAYS);
        ck_assert_uint_eq(want.rules[1].data->action, AUDIT_NEVER);
}
END_TEST

START_TEST(test_status_ops) {
        ak_rule r[] = { rsys(AUDIT_ALWAYS, 1, "a") };
        scen s;
        ak_plan *p;

        scen_init(&s, r, 1, NULL, 0);
        s.have.status.enabled = 0;
        s.want.status = (ak_status_want) {
                .mask = AUDIT_STATUS_ENABLED | AUDIT_STATUS_FAILURE | AUDIT_STATUS_RATE_LIMIT |
                        AUDIT_STATUS_BACKLOG_LIMIT | AUDIT_STATUS_BACKLOG_WAIT_TIME,
                .enabled = 1, .failure = 2, .rate_limit = 100, .backlog_limit = 8192,
                .backlog_wait_time = 15000,     /* equal: no op */
        };
        p = plan_relaxed(&s);
        check_counts(p);
        ck_assert_uint_eq(p->n_ops, 5);
        ck_assert_uint_eq(p->n_set, 4);
        ck_assert_int_eq(p->ops[0].type, AK_OP_SET);
        ck_assert_uint_eq(p->ops[0].mask, AUDIT_STATUS_ENABLED);
        ck_assert_uint_eq(p->ops[0].value, 1);
        ck_assert_uint_eq(p->ops[1].mask, AUDIT_STATUS_FAILURE);
        ck_assert_uint_eq(p->ops[1].value, 2);
        ck_assert_uint_eq(p->ops[2].mask, AUDIT_STATUS_RATE_LIMIT);
        ck_assert_uint_eq(p->ops[2].value, 100);
        ck_assert_uint_eq(p->ops[3].mask, AUDIT_STATUS_BACKLOG_LIMIT);
        ck_assert_uint_eq(p->ops[3].value, 8192);
        /* settings first, then rules */
        ck_assert_int_eq(p->ops[4].type, AK_OP_ADD_RULE);
        ck_assert_int_eq(p->in_sync, 0);
        ck_assert_int_eq(p->lock_pending, 0);
        ak_plan_free(p);

        /* fields outside the mask are never compared */
        s.want.status = (ak_status_want) { .mask = AUDIT_STATUS_BACKLOG_WAIT_TIME, .backlog_wait_time = 60000,
                                           .failure = 2, .enabled = 1 };
        p = plan_relaxed(&s);
        ck_assert_uint_eq(p->n_set, 1);
        ck_assert_uint_eq(p->ops[0].mask, AUDIT_STATUS_BACKLOG_WAIT_TIME);
        ck_assert_uint_eq(p->ops[0].value, 60000);
        ak_plan_free(p);
}
END_TEST

START_TEST(test_lock) {
        ak_rule d[] = { rsys(AUDIT_ALWAYS, 1, "a"), rsys(AUDIT_ALWAYS, 2, "b") };
        ak_diag diag = { .file = (char *) "x.rules", .line = 3, .column = 1, .message = (char *) "bad" };
        scen s;
        ak_plan *p;

        scen_init(&s, d, 2, d, 1);
        s.want.status = (ak_status_want) { .mask = AUDIT_STATUS_ENABLED, .enabled = 1 };
        s.want.lock = 1;
        p = plan_relaxed(&s);
        check_counts(p);
        ck_assert_uint_eq(p->n_ops, 2);
        ck_assert_int_eq(p->ops[0].type, AK_OP_ADD_RULE);
        ck_assert_int_eq(p->ops[1].type, AK_OP_SET);
        ck_assert_uint_eq(p->ops[1].mask, AUDIT_STATUS_ENABLED);
        ck_assert_uint_eq(p->ops[1].value, 2);
        ck_assert_int_eq(p->lock_pending, 1);
        ck_assert_int_eq(p->lock_withheld, 0);
        ak_plan_free(p);

        /* kernel disabled: enable first, lock last */
        s.have.status.enabled = 0;
        p = plan_relaxed(&s);
        ck_assert_uint_eq(p->n_ops, 3);
        ck_assert_uint_eq(p->ops[0].mask, AUDIT_STATUS_ENABLED);
        ck_assert_uint_eq(p->ops[0].value, 1);
        ck_assert_uint_eq(p->ops[2].mask, AUDIT_STATUS_ENABLED);
        ck_assert_uint_eq(p->ops[2].value, 2);
        ak_plan_free(p);

        /* rules in sync: the lock alone */
        scen_init(&s, d, 2, d, 2);
        s.want.status = (ak_status_want) { .mask = AUDIT_STATUS_ENABLED, .enabled = 1 };
        s.want.lock = 1;
        p = plan_relaxed(&s);
        ck_assert_uint_eq(p->n_ops, 1);
        ck_assert_uint_eq(p->ops[0].value, 2);
        ck_assert_int_eq(p->in_sync, 0);
        ak_plan_free(p);

        /* warnings only (a duplicate rule): the lock is not withheld */
        s.want.diags = &diag;
        s.want.n_diags = 1;
        s.want.n_errors = 0;
        diag.warning = 1;
        p = plan_relaxed(&s);
        ck_assert_uint_eq(p->n_ops, 1);
        ck_assert_int_eq(p->lock_pending, 1);
        ck_assert_int_eq(p->lock_withheld, 0);
        ak_plan_free(p);

        /* parse errors: withheld */
        diag.warning = 0;
        s.want.n_errors = 1;
        p = plan_relaxed(&s);
        ck_assert_uint_eq(p->n_ops, 0);
        ck_assert_int_eq(p->lock_pending, 0);
        ck_assert_int_eq(p->lock_withheld, 1);
        ak_plan_free(p);

        /* rules that declare no rule (-e 2 alone): withheld, and the reason says so */
        {
                ak_ruleset *rs = NULL;
                ak_sync_report rep = {};
                ak_kstate have = { .status = { .enabled = 1 } };
                char why[128];

                ck_assert_int_eq(ak_ruleset_new(&rs), 0);
                ck_assert_int_ge(ak_ruleset_add_text(rs, "lock.rules", "-D\n-e 2\n", 8), 0);
                ck_assert_uint_eq(rs->n_rules, 0);
                ck_assert_int_eq(rs->lock, 1);
                ck_assert_int_eq(ak_plan_build(rs, &have, NULL, &rep.plan), 0);
                ck_assert_int_eq(rep.plan->lock_pending, 0);
                ck_assert_int_eq(rep.plan->lock_withheld, 1);
                for (size_t i = 0; i < rep.plan->n_ops; i++)
                        ck_assert(!(rep.plan->ops[i].type == AK_OP_SET && rep.plan->ops[i].value == 2));
                ck_assert_str_eq(ak_sync_lock_withheld_reason(&rep, rs, why, sizeof(why)), "the rules declare no rule");
                ak_plan_free(rep.plan);
                ak_ruleset_free(rs);
        }
}
END_TEST

START_TEST(test_locked_kernel) {
        ak_rule d[] = { rsys(AUDIT_ALWAYS, 1, "a"), rsys(AUDIT_ALWAYS, 2, "b") };
        ak_rule k[] = { rsys(AUDIT_NEVER, ALLSYS, NULL), rsys(AUDIT_ALWAYS, 1, "a") };
        scen s;
        ak_plan *p;

        scen_init(&s, d, 2, k, 2);
        s.have.status.enabled = 2;
        s.want.status = (ak_status_want) { .mask = AUDIT_STATUS_FAILURE | AUDIT_STATUS_ENABLED, .failure = 2, .enabled = 1 };
        s.want.lock = 1;
        p = plan_relaxed(&s);
        check_counts(p);
        ck_assert_int_eq(p->locked, 1);
        ck_assert_uint_eq(p->n_ops, 0);
        ck_assert_int_eq(p->lock_pending, 0);
        ck_assert_int_eq(p->in_sync, 0);
        ck_assert_uint_eq(p->n_differ_add, 1);
        ck_assert_uint_eq(p->n_differ_del, 1);
        ck_assert_uint_eq(p->n_differ_set, 1);
        ck_assert_uint_eq(p->n_differ, 3);
        ck_assert_uint_eq(p->n_foreign, 1);
        ak_plan_free(p);

        /* the lost counter may still be reset */
        s.want.reset_lost = 1;
        p = plan_relaxed(&s);
        ck_assert_uint_eq(p->n_ops, 1);
        ck_assert_int_eq(p->ops[0].type, AK_OP_RESET_LOST);
        ck_assert_uint_eq(p->ops[0].mask, AUDIT_STATUS_LOST);
        ak_plan_free(p);

        /* locked exactly as desired */
        scen_init(&s, d, 2, d, 2);
        s.have.status.enabled = 2;
        s.want.status = (ak_status_want) { .mask = AUDIT_STATUS_ENABLED, .enabled = 1 };
        s.want.lock = 1;
        p = plan_relaxed(&s);
        ck_assert_int_eq(p->locked, 1);
        ck_assert_int_eq(p->in_sync, 1);
        ck_assert_uint_eq(p->n_ops, 0);
        ak_plan_free(p);

        /* locked, but the file does not lock: enabled differs for good */
        s.want.lock = 0;
        p = plan_relaxed(&s);
        ck_assert_int_eq(p->in_sync, 0);
        ck_assert_uint_eq(p->n_differ_set, 1);
        ck_assert_uint_eq(p->n_ops, 0);
        ak_plan_free(p);
}
END_TEST

START_TEST(test_reset_lost_and_feature) {
        scen s;
        ak_plan *p;

        scen_init(&s, NULL, 0, NULL, 0);
        s.want.reset_lost = 1;
        p = plan_relaxed(&s);
        ck_assert_uint_eq(p->n_ops, 1);
        ck_assert_int_eq(p->ops[0].type, AK_OP_RESET_LOST);
        ck_assert_int_eq(p->in_sync, 1);        /* a reset is not a difference */
        ck_assert_uint_eq(p->n_set, 0);
        ak_plan_free(p);

        s.want.reset_lost = 0;
        s.want.loginuid_immutable = 1;
        p = plan_relaxed(&s);
        ck_assert_uint_eq(p->n_ops, 1);
        ck_assert_int_eq(p->ops[0].type, AK_OP_SET_FEATURE);
        ck_assert_uint_eq(p->ops[0].mask, 2);
        ck_assert_uint_eq(p->ops[0].value, 2);
        ck_assert_uint_eq(p->ops[0].lock, 2);
        ck_assert_uint_eq(p->n_set, 1);
        ak_plan_free(p);

        /* unknown features: send it */
        s.have.have_features = 0;
        p = plan_relaxed(&s);
        ck_assert_uint_eq(p->n_ops, 1);
        ak_plan_free(p);

        /* done already */
        s.have.have_features = 1;
        s.have.features.features = 2;
        s.have.features.lock = 2;
        p = plan_relaxed(&s);
        ck_assert_uint_eq(p->n_ops, 0);
        ck_assert_int_eq(p->in_sync, 1);
        ak_plan_free(p);

        /* set but not locked yet */
        s.have.features.lock = 0;
        p = plan_relaxed(&s);
        ck_assert_uint_eq(p->n_ops, 1);
        ak_plan_free(p);

        /* locked off until reboot: no op (EPERM), but a difference */
        s.have.features.features = 0;
        s.have.features.lock = 2;
        p = plan_relaxed(&s);
        ck_assert_uint_eq(p->n_ops, 0);
        ck_assert_int_eq(p->in_sync, 0);
        ak_plan_free(p);
}
END_TEST

START_TEST(test_bad_args) {
        scen s;
        ak_plan *p = NULL;

        scen_init(&s, NULL, 0, NULL, 0);
        ck_assert_int_eq(ak_plan_build(NULL, &s.have, NULL, &p), -EINVAL);
        ck_assert_int_eq(ak_plan_build(&s.want, NULL, NULL, &p), -EINVAL);
        ck_assert_ptr_null(ak_plan_free(NULL));
        ck_assert_int_eq(ak_plan_build(&s.want, &s.have, NULL, &p), 0);
        ck_assert_int_eq(p->in_sync, 1);
        ak_plan_free(p);
}
END_TEST

/* ---------------------------------------------------------------------------------------------
 * Rules */

START_TEST(test_from_empty) {
        ak_rule d[10];
        scen s;
        ak_plan *p;
        sim out;

        for (int i = 0; i < 10; i++)
                d[i] = rsys(i % 3 ? AUDIT_ALWAYS : AUDIT_NEVER, i, "k");
        scen_init(&s, d, 10, NULL, 0);
        p = plan_opts(&s, 0, AK_FOREIGN_REMOVE, 1);
        check_counts(p);
        ck_assert_uint_eq(p->n_ops, 10);
        for (int i = 0; i < 10; i++) {
                ck_assert_int_eq(p->ops[i].type, AK_OP_ADD_RULE);
                ck_assert_int_eq(p->ops[i].prepend, 0);
                ck_assert_ptr_eq(p->ops[i].rule, &s.want.rules[i]);
        }
        ak_plan_free(p);

        /* equal rules in the file (one came from -A): one of them must be prepended */
        ak_rule x = rsys(AUDIT_ALWAYS, 1, "x"), y = rsys(AUDIT_NEVER, 1, NULL);
        ak_rule dd[] = { x, y, x, x };
        scen_init(&s, dd, 4, NULL, 0);
        p = plan_opts(&s, 0, AK_FOREIGN_REMOVE, 1);
        ck_assert_int_eq(sim_apply(&s.have, p, &out), 0);
        ck_assert(sim_equals_exact(&s.want, &out));
        ck_assert_uint_eq(p->n_add, 4);
        ck_assert_uint_eq(p->n_del, 0);
        ak_plan_free(p);
}
END_TEST

static void make_400(ak_rule *d, size_t n, int overlapping) {
        static char keys[5000][24];

        for (size_t i = 0; i < n; i++) {
                snprintf(keys[i], sizeof(keys[i]), "k%zu", i);
                d[i] = rsys(AUDIT_ALWAYS, overlapping ? ALLSYS : (int) (i % 400), keys[i]);
        }
}

START_TEST(test_middle_deleted) {
        ak_rule d[400], k[399];
        scen s;
        ak_plan *p;
        sim out;

        make_400(d, 400, 1);
        memcpy(k, d, 200 * sizeof(ak_rule));
        memcpy(k + 200, d + 201, 199 * sizeof(ak_rule));
        scen_init(&s, d, 400, k, 399);

        p = plan_relaxed(&s);
        check_counts(p);
        ck_assert_uint_eq(p->n_add, 1);
        ck_assert_uint_eq(p->n_del, 0);
        ck_assert_ptr_eq(p->ops[0].rule, &s.want.rules[200]);
        ck_assert_uint_eq(p->n_keys_only, 1);   /* appended below 199 rules with other keys */
        ck_assert_uint_eq(p->n_moved, 0);
        ck_assert_int_eq(sim_apply(&s.have, p, &out), 0);
        ck_assert(sim_recording_equivalent(&s.want, &out));
        ak_plan_free(p);

        /* exact order: keep D[0..200), re-add D[200..400): 199 deletes, the fewest */
        p = plan_exact(&s);
        check_counts(p);
        ck_assert_uint_eq(p->n_del, 199);
        ck_assert_uint_eq(p->n_add, 200);
        ck_assert_uint_eq(p->n_moved, 199);
        ck_assert_uint_eq(p->n_keys_only, 0);
        ck_assert_int_eq(sim_apply(&s.have, p, &out), 0);
        ck_assert(sim_equals_exact(&s.want, &out));
        /* no gap: the missing rule goes in before any delete */
        ck_assert_int_eq(p->ops[0].type, AK_OP_ADD_RULE);
        check_no_conflicting_order(p);
        ak_plan_free(p);

        /* near the head the window is the tail part: prepends */
        memcpy(k, d, 3 * sizeof(ak_rule));
        memcpy(k + 3, d + 4, 396 * sizeof(ak_rule));
        scen_init(&s, d, 400, k, 399);
        p = plan_exact(&s);
        ck_assert_uint_eq(p->n_del, 3);
        ck_assert_uint_eq(p->n_add, 4);
        ck_assert_int_eq(sim_apply(&s.have, p, &out), 0);
        ck_assert(sim_equals_exact(&s.want, &out));
        ak_plan_free(p);
}
END_TEST

START_TEST(test_foreign) {
        ak_rule d[20], k[21];
        scen s;
        ak_plan *p;
        sim out;

        make_400(d, 20, 1);
        k[0] = rsys(AUDIT_NEVER, ALLSYS, NULL);        /* -A never,exit: an attack */
        memcpy(k + 1, d, 20 * sizeof(ak_rule));
        scen_init(&s, d, 20, k, 21);
        for (int exact = 0; exact < 2; exact++) {
                p = plan_opts(&s, exact, AK_FOREIGN_REMOVE, 0);
                check_counts(p);
                ck_assert_uint_eq(p->n_ops, 1);
                ck_assert_int_eq(p->ops[0].type, AK_OP_DEL_RULE);
                ck_assert_ptr_eq(p->ops[0].rule, &s.have.rules[0]);
                ck_assert_uint_eq(p->n_foreign, 1);
                ck_assert_int_eq(sim_apply(&s.have, p, &out), 0);
                ck_assert(sim_equals_exact(&s.want, &out));
                ak_plan_free(p);

                p = plan_opts(&s, exact, AK_FOREIGN_KEEP, 0);
                ck_assert_uint_eq(p->n_ops, 0);
                ck_assert_uint_eq(p->n_foreign, 1);
                ck_assert_int_eq(p->in_sync, 1);
                check_states(&s, p, AK_FOREIGN_KEEP);
                ck_assert_int_eq(p->have_state[0], AK_HELD_FOREIGN);
                for (size_t i = 0; i < 20; i++)
                        ck_assert_int_eq(p->want_state[i], AK_RULE_KEPT);
                ak_plan_free(p);
        }

        /* no gap: the missing rule goes in first; then the foreign `never` rule, then the rest */
        k[0] = rsys(AUDIT_NEVER, ALLSYS, NULL);
        memcpy(k + 1, d, 5 * sizeof(ak_rule));
        memcpy(k + 6, d + 6, 14 * sizeof(ak_rule));
        k[20] = rsys(AUDIT_ALWAYS, 3, "theirs");
        scen_init(&s, d, 20, k, 21);
        p = plan_relaxed(&s);
        check_counts(p);
        ck_assert_uint_eq(p->n_ops, 3);
        ck_assert_int_eq(p->ops[0].type, AK_OP_ADD_RULE);
        ck_assert_ptr_eq(p->ops[0].rule, &s.want.rules[5]);
        ck_assert_int_eq(p->ops[1].type, AK_OP_DEL_RULE);
        ck_assert_ptr_eq(p->ops[1].rule, &s.have.rules[0]);
        ck_assert_int_eq(p->ops[2].type, AK_OP_DEL_RULE);
        ck_assert_ptr_eq(p->ops[2].rule, &s.have.rules[20]);
        ak_plan_free(p);
        k[20] = rsys(AUDIT_NEVER, 3, NULL);
        k[0] = rsys(AUDIT_ALWAYS, 3, "theirs");
        scen_init(&s, d, 20, k, 21);
        p = plan_relaxed(&s);
        ck_assert_uint_eq(p->n_ops, 3);
        ck_assert_ptr_eq(p->ops[1].rule, &s.have.rules[20]);      /* never first */
        ck_assert_ptr_eq(p->ops[2].rule, &s.have.rules[0]);
        ck_assert_uint_eq(p->n_foreign, 2);
        ak_plan_free(p);

        /* a foreign rule in the middle, kept, and a missing rule around it */
        memcpy(k, d, 10 * sizeof(ak_rule));
        k[10] = rsys(AUDIT_ALWAYS, 7, "theirs");
        memcpy(k + 11, d + 11, 9 * sizeof(ak_rule));
        scen_init(&s, d, 20, k, 20);
        for (int exact = 0; exact < 2; exact++) {
                p = plan_opts(&s, exact, AK_FOREIGN_KEEP, 0);
                check_counts(p);
                ck_assert_uint_eq(p->n_foreign, 1);
                ck_assert_int_eq(sim_apply(&s.have, p, &out), 0);
                ck_assert_int_eq(sim_count_foreign(&s.want, &out), 1);
                out = sim_desired_part(&s.want, &out);
                if (exact)
                        ck_assert(sim_equals_exact(&s.want, &out));
                else {
                        ck_assert_uint_eq(p->n_ops, 1);
                        ck_assert(sim_recording_equivalent(&s.want, &out));
                }
                ak_plan_free(p);
        }
}
END_TEST

START_TEST(test_swaps) {
        ak_rule never1 = rsys(AUDIT_NEVER, 1, NULL), always1 = rsys(AUDIT_ALWAYS, 1, "a");
        ak_rule always2 = rsys(AUDIT_ALWAYS, 2, "b"), alwaysall = rsys(AUDIT_ALWAYS, ALLSYS, "c");
        scen s;
        ak_plan *p;
        sim out;

        /* never/always, overlapping: recording depends on it */
        {
                ak_rule d[] = { never1, always1 }, k[] = { always1, never1 };

                scen_init(&s, d, 2, k, 2);
                p = plan_relaxed(&s);
                check_counts(p);
                ck_assert_uint_eq(p->n_del, 1);
                ck_assert_uint_eq(p->n_add, 1);
                ck_assert_uint_eq(p->n_moved, 1);
                check_no_conflicting_order(p);
                ck_assert_int_eq(sim_apply(&s.have, p, &out), 0);
                ck_assert(sim_equals_exact(&s.want, &out));
                ak_plan_free(p);
        }
        /* never/always, disjoint syscalls */
        {
                ak_rule d[] = { never1, always2 }, k[] = { always2, never1 };

                scen_init(&s, d, 2, k, 2);
                p = plan_relaxed(&s);
                ck_assert_uint_eq(p->n_ops, 0);
                ck_assert_uint_eq(p->n_keys_only, 0);
                ck_assert_int_eq(p->in_sync, 1);
                ak_plan_free(p);
                p = plan_exact(&s);
                ck_assert_uint_eq(p->n_del, 1);
                ak_plan_free(p);
        }
        /* always/always, overlapping, other keys: only the key */
        {
                ak_rule d[] = { always1, alwaysall }, k[] = { alwaysall, always1 };

                scen_init(&s, d, 2, k, 2);
                p = plan_relaxed(&s);
                ck_assert_uint_eq(p->n_ops, 0);
                ck_assert_uint_eq(p->n_keys_only, 1);
                ck_assert_int_eq(p->in_sync, 1);
                ak_plan_free(p);

                p = plan_exact(&s);
                check_counts(p);
                ck_assert_uint_eq(p->n_del, 1);
                ck_assert_uint_eq(p->n_add, 1);
                ck_assert_int_eq(sim_apply(&s.have, p, &out), 0);
                ck_assert(sim_equals_exact(&s.want, &out));
                ak_plan_free(p);
        }
        /* exclude list: order never matters */
        {
                int all = ALLSYS;
                fspec m1[] = { { .type = AUDIT_MSGTYPE, .val = 1300 } };
                ak_rule a = mk(AUDIT_FILTER_EXCLUDE, AUDIT_NEVER, &all, 1, m1, 1);
                ak_rule b = mk(AUDIT_FILTER_EXCLUDE, AUDIT_ALWAYS, &all, 1, m1, 1);
                ak_rule d[] = { a, b }, k[] = { b, a };

                scen_init(&s, d, 2, k, 2);
                p = plan_relaxed(&s);
                ck_assert_uint_eq(p->n_ops, 0);
                ak_plan_free(p);
        }
}
END_TEST

START_TEST(test_changed_rule) {
        ak_rule d[400], k[400];
        scen s;
        ak_plan *p;
        sim out;

        make_400(d, 400, 1);
        memcpy(k, d, sizeof(k));
        k[200] = rsys(AUDIT_ALWAYS, ALLSYS, "old-key");
        scen_init(&s, d, 400, k, 400);
        p = plan_relaxed(&s);
        check_counts(p);
        ck_assert_uint_eq(p->n_ops, 2);
        /* no gap: the new form goes in before the old one goes out */
        ck_assert_int_eq(p->ops[0].type, AK_OP_ADD_RULE);
        ck_assert_ptr_eq(p->ops[0].rule, &s.want.rules[200]);
        ck_assert_int_eq(p->ops[1].type, AK_OP_DEL_RULE);
        ck_assert_ptr_eq(p->ops[1].rule, &s.have.rules[200]);
        ck_assert_uint_eq(p->n_foreign, 1);
        ck_assert_uint_eq(p->n_moved, 0);
        ck_assert_int_eq(sim_apply(&s.have, p, &out), 0);
        ck_assert(sim_recording_equivalent(&s.want, &out));
        ak_plan_free(p);

        /* a changed never rule among always rules on other syscalls: appended in place is fine */
        make_400(d, 400, 0);
        memcpy(k, d, sizeof(k));
        d[100] = rsys(AUDIT_NEVER, 100, NULL);
        k[100] = rsys(AUDIT_NEVER, 100, "old");
        scen_init(&s, d, 400, k, 400);
        p = plan_relaxed(&s);
        ck_assert_uint_eq(p->n_add, 1);
        ck_assert_uint_eq(p->n_del, 1);
        ck_assert_int_eq(p->ops[0].type, AK_OP_ADD_RULE);
        ck_assert_int_eq(sim_apply(&s.have, p, &out), 0);
        ck_assert(sim_recording_equivalent(&s.want, &out));
        ak_plan_free(p);

        /* a changed never rule that must stay above an overlapping always rule: prepended */
        ak_rule d2[] = { rsys(AUDIT_ALWAYS, 3, "x"), rsys(AUDIT_NEVER, 1, "new"), rsys(AUDIT_ALWAYS, 1, "y"),
                         rsys(AUDIT_ALWAYS, 4, "z") };
        ak_rule k2[] = { d2[0], rsys(AUDIT_NEVER, 1, "old"), d2[2], d2[3] };
        scen_init(&s, d2, 4, k2, 4);
        p = plan_relaxed(&s);
        ck_assert_uint_eq(p->n_add, 1);
        ck_assert_uint_eq(p->n_del, 1);
        ck_assert_int_eq(p->ops[0].type, AK_OP_ADD_RULE);
        ck_assert_int_eq(p->ops[0].prepend, 1);
        ck_assert_int_eq(sim_apply(&s.have, p, &out), 0);
        ck_assert(sim_recording_equivalent(&s.want, &out));
        ak_plan_free(p);
}
END_TEST

START_TEST(test_kernel_duplicates) {
        ak_rule x = rsys(AUDIT_ALWAYS, 1, "x"), y = rsys(AUDIT_NEVER, 1, NULL), z = rsys(AUDIT_ALWAYS, 9, "z");
        scen s;
        ak_plan *p;
        sim out;

        /* a prepended copy on top */
        {
                ak_rule d[] = { x, y }, k[] = { x, x, y };

                scen_init(&s, d, 2, k, 3);
                for (int exact = 0; exact < 2; exact++) {
                        p = plan_opts(&s, exact, AK_FOREIGN_REMOVE, 0);
                        check_counts(p);
                        ck_assert_uint_eq(p->n_del, 1);
                        ck_assert_uint_eq(p->n_add, 0);
                        ck_assert_uint_eq(p->n_foreign, 0);
                        ck_assert_int_eq(sim_apply(&s.have, p, &out), 0);
                        ck_assert(sim_equals_exact(&s.want, &out));
                        ak_plan_free(p);
                }
        }
        /* the extra copy is below: a delete takes the top one, so x must be re-added on top */
        {
                ak_rule d[] = { x, y }, k[] = { x, y, x };

                scen_init(&s, d, 2, k, 3);
                for (int exact = 0; exact < 2; exact++) {
                        p = plan_opts(&s, exact, AK_FOREIGN_REMOVE, 0);
                        check_counts(p);
                        ck_assert_uint_eq(p->n_del, 2);
                        ck_assert_uint_eq(p->n_add, 1);
                        check_no_conflicting_order(p);
                        /* the lower x is kept, the top one is one too many, y is held but
                         * above it: moved below */
                        check_states(&s, p, AK_FOREIGN_REMOVE);
                        ck_assert_int_eq(p->want_state[0], AK_RULE_KEPT);
                        ck_assert_int_eq(p->want_state[1], AK_RULE_MOVE);
                        ck_assert_int_eq(p->have_state[0], AK_HELD_EXTRA);
                        ck_assert_int_eq(p->have_state[1], AK_HELD_MOVED);
                        ck_assert_int_eq(p->have_state[2], AK_HELD_KEPT);
                        ck_assert_int_eq(sim_apply(&s.have, p, &out), 0);
                        ck_assert(sim_equals_exact(&s.want, &out));
                        ak_plan_free(p);
                }
        }
        /* disjoint rules: relaxed keeps both */
        {
                ak_rule d[] = { x, z }, k[] = { x, z, x };

                scen_init(&s, d, 2, k, 3);
                p = plan_relaxed(&s);
                ck_assert_uint_eq(p->n_del, 1);
                ck_assert_uint_eq(p->n_add, 0);
                ck_assert_int_eq(sim_apply(&s.have, p, &out), 0);
                ck_assert(sim_recording_equivalent(&s.want, &out));
                ak_plan_free(p);
        }
        /* the file holds the duplicate */
        {
                ak_rule d[] = { x, y, x }, k[] = { x, y, x };

                scen_init(&s, d, 3, k, 3);
                p = plan_relaxed(&s);
                ck_assert_uint_eq(p->n_ops, 0);
                ak_plan_free(p);

                ak_rule k2[] = { x, y };
                scen_init(&s, d, 3, k2, 2);
                p = plan_relaxed(&s);
                ck_assert_int_eq(sim_apply(&s.have, p, &out), 0);
                ck_assert(sim_equals_exact(&s.want, &out));
                ck_assert_uint_eq(p->n_del, 1);
                ck_assert_uint_eq(p->n_add, 2);
                ak_plan_free(p);
        }
}
END_TEST

START_TEST(test_moved_rule_eexist) {
        ak_rule a = rsys(AUDIT_NEVER, 1, NULL), b = rsys(AUDIT_ALWAYS, 1, "b"), c = rsys(AUDIT_ALWAYS, 1, "c");
        scen s;
        ak_plan *p;
        sim out;

        /* moved to the tail: the old copy must go before the append (EEXIST otherwise) */
        {
                ak_rule d[] = { b, c, a }, k[] = { a, b, c };

                scen_init(&s, d, 3, k, 3);
                p = plan_exact(&s);
                check_counts(p);
                ck_assert_uint_eq(p->n_del, 1);
                ck_assert_uint_eq(p->n_add, 1);
                ck_assert_uint_eq(p->n_moved, 1);
                ck_assert_int_eq(p->ops[0].type, AK_OP_DEL_RULE);
                ck_assert_int_eq(p->ops[1].type, AK_OP_ADD_RULE);
                ck_assert_int_eq(p->ops[1].prepend, 0);
                ck_assert_int_eq(sim_apply(&s.have, p, &out), 0);
                ck_assert(sim_equals_exact(&s.want, &out));
                ak_plan_free(p);
        }
        /* moved to the head: a delete after the prepend would take the new copy */
        {
                ak_rule d[] = { a, b, c }, k[] = { b, c, a };

                scen_init(&s, d, 3, k, 3);
                for (int exact = 0; exact < 2; exact++) {
                        p = plan_opts(&s, exact, AK_FOREIGN_REMOVE, 0);
                        check_counts(p);
                        ck_assert_uint_eq(p->n_del, 1);
                        ck_assert_uint_eq(p->n_add, 1);
                        ck_assert_int_eq(p->ops[0].type, AK_OP_DEL_RULE);
                        ck_assert_int_eq(p->ops[1].type, AK_OP_ADD_RULE);
                        ck_assert_int_eq(p->ops[1].prepend, 1);
                        ck_assert_int_eq(sim_apply(&s.have, p, &out), 0);
                        ck_assert(sim_equals_exact(&s.want, &out));
                        ak_plan_free(p);
                }
        }
        /* a new rule and a moved one: the new one still goes first */
        {
                ak_rule n = rsys(AUDIT_ALWAYS, 5, "new");
                ak_rule d[] = { b, c, a, n }, k[] = { a, b, c };

                scen_init(&s, d, 4, k, 3);
                p = plan_exact(&s);
                ck_assert_int_eq(sim_apply(&s.have, p, &out), 0);
                ck_assert(sim_equals_exact(&s.want, &out));
                check_no_conflicting_order(p);
                ak_plan_free(p);
        }
}
END_TEST

/* ---------------------------------------------------------------------------------------------
 * Randomised: every plan replayed on the simulator */

static uint64_t rng_state;

static uint64_t rnd(void) {
        rng_state ^= rng_state >> 12;
        rng_state ^= rng_state << 25;
        rng_state ^= rng_state >> 27;
        return rng_state * 0x2545f4914f6cdd1dull;
}

static size_t rndn(size_t n) {
        return n ? (size_t) (rnd() % n) : 0;
}

static const char *const rkeys[] = { "a", "b", "c" };

static ak_rule random_rule(uint32_t list) {
        uint32_t action = rndn(3) ? AUDIT_ALWAYS : AUDIT_NEVER;
        fspec f[4];
        size_t nf = 0;
        int sys[3], ns = 0;

        if (list == AUDIT_FILTER_TASK) {
                f[nf++] = (fspec) { .type = AUDIT_UID, .val = (uint32_t) rndn(3) };
                return mk(list, action, NULL, 0, f, nf);
        }
        if (list == AUDIT_FILTER_EXCLUDE) {
                static const uint32_t types[] = { 1300, 1305, 1327 };
                int all = ALLSYS;

                f[nf++] = (fspec) { .type = AUDIT_MSGTYPE, .val = types[rndn(3)] };
                return mk(list, action, &all, 1, f, nf);
        }
        if (rndn(8) == 0) {
                static const char *const paths[] = { "/etc/a", "/etc/b" };

                return rwatch(paths[rndn(2)], (uint32_t) (1 + rndn(15)), rndn(2) ? rkeys[rndn(3)] : NULL, action);
        }
        if (rndn(5) == 0)
                sys[ns++] = ALLSYS;
        else {
                sys[ns++] = (int) rndn(6);
                if (rndn(3) == 0)
                        sys[ns++] = (int) rndn(6);
        }
        if (rndn(4) == 0)
                f[nf++] = (fspec) { .type = AUDIT_ARCH, .val = rndn(2) ? ARCH_B64 : ARCH_B32 };
        if (rndn(3))
                f[nf++] = (fspec) { .type = AUDIT_FILTERKEY, .s = rkeys[rndn(3)] };
        return mk(list, action, sys, (size_t) ns, f, nf);
}

typedef struct rvec {
        ak_rule r[256];
        size_t n;
} rvec;

static void rvec_insert(rvec *v, size_t at, ak_rule r) {
        if (v->n >= ELEMENTSOF(v->r))
                return;
        memmove(v->r + at + 1, v->r + at, (v->n - at) * sizeof(ak_rule));
        v->r[at] = r;
        v->n++;
}

static void rvec_remove(rvec *v, size_t at) {
        memmove(v->r + at, v->r + at + 1, (v->n - at - 1) * sizeof(ak_rule));
        v->n--;
}

/* One list's desired and held rules. distinct: the desired list has no equal rules. */
static void random_list(uint32_t list, int distinct, rvec *d, rvec *k) {
        ak_rule pool[40];
        size_t npool = distinct ? 30 : 12, nd, np = 0;

        for (size_t i = 0; i < npool; i++) {
                ak_rule r = random_rule(list);
                int dup = 0;

                for (size_t j = 0; j < np && distinct; j++)
                        dup |= ak_rule_equal(&pool[j], &r);
                if (!dup)
                        pool[np++] = r;
        }
        nd = rndn(distinct ? np + 1 : 31);
        size_t start_d = d->n, start_k = k->n;
        if (distinct) {
                size_t idx[40];

                for (size_t i = 0; i < np; i++)
                        idx[i] = i;
                for (size_t i = 0; i < nd; i++) {
                        size_t j = i + rndn(np - i), t = idx[i];

                        idx[i] = idx[j];
                        idx[j] = t;
                        d->r[d->n++] = pool[idx[i]];
                }
        } else
                for (size_t i = 0; i < nd; i++)
                        d->r[d->n++] = pool[rndn(np)];

        if (rndn(10) == 0) {
                size_t nk = rndn(31);
                for (size_t i = 0; i < nk; i++)
                        k->r[k->n++] = pool[rndn(np)];
                return;
        }
        /* the kernel: the desired list, perturbed */
        rvec tmp = { .n = 0 };
        for (size_t i = start_d; i < d->n; i++)
                tmp.r[tmp.n++] = d->r[i];
        for (size_t ops = rndn(6); ops > 0; ops--) {
                switch (rndn(5)) {
                case 0:
                        if (tmp.n)
                                rvec_remove(&tmp, rndn(tmp.n));
                        break;
                case 1:
                        rvec_insert(&tmp, rndn(tmp.n + 1), rndn(2) ? random_rule(list) : pool[rndn(np)]);
                        break;
                case 2:
                        if (tmp.n >= 2) {
                                size_t a = rndn(tmp.n), b = rndn(tmp.n);
                                ak_rule t = tmp.r[a];

                                tmp.r[a] = tmp.r[b];
                                tmp.r[b] = t;
                        }
                        break;
                case 3:
                        if (tmp.n)
                                rvec_insert(&tmp, rndn(tmp.n + 1), tmp.r[rndn(tmp.n)]);
                        break;
                case 4:
                        if (tmp.n) {
                                size_t a = rndn(tmp.n);
                                ak_rule t = tmp.r[a];

                                rvec_remove(&tmp, a);
                                rvec_insert(&tmp, rndn(tmp.n + 1), t);
                        }
                        break;
                }
        }
        (void) start_k;
        for (size_t i = 0; i < tmp.n; i++)
                k->r[k->n++] = tmp.r[i];
}

typedef struct rstats {
        size_t cases, relaxed_better, del_exact, del_relaxed, keys_only;
} rstats;

static void random_case(rstats *st) {
        static const uint32_t lists[] = { AUDIT_FILTER_TASK, AUDIT_FILTER_EXIT, AUDIT_FILTER_EXCLUDE };
        int distinct = rndn(3) != 0;
        rvec d = { .n = 0 }, k = { .n = 0 };
        ak_foreign_policy pol = rndn(4) == 0 ? AK_FOREIGN_KEEP : AK_FOREIGN_REMOVE;
        scen s;
        ak_plan *pe, *pr;
        sim out;

        for (size_t i = 0; i < ELEMENTSOF(lists); i++)
                if (lists[i] == AUDIT_FILTER_EXIT || rndn(3) == 0)
                        random_list(lists[i], distinct, &d, &k);
        scen_init(&s, d.r, d.n, k.r, k.n);

        pe = plan_opts(&s, 1, pol, 0);
        check_counts(pe);
        check_states(&s, pe, pol);
        ck_assert_int_eq(sim_apply(&s.have, pe, &out), 0);
        if (pol == AK_FOREIGN_KEEP)
                out = sim_desired_part(&s.want, &out);
        ck_assert(sim_equals_exact(&s.want, &out));
        ck_assert_uint_eq(pe->n_keys_only, 0);
        ck_assert_int_eq(pe->in_sync, pe->n_ops == 0);

        pr = plan_opts(&s, 0, pol, 0);
        check_counts(pr);
        check_states(&s, pr, pol);
        ck_assert_int_eq(sim_apply(&s.have, pr, &out), 0);
        if (pol == AK_FOREIGN_KEEP)
                out = sim_desired_part(&s.want, &out);
        ck_assert(sim_recording_equivalent(&s.want, &out));
        ck_assert_uint_le(pr->n_del, pe->n_del);
        ck_assert_uint_le(pr->n_add, pe->n_add);
        ck_assert_uint_eq(pr->n_foreign, pe->n_foreign);

        st->cases++;
        st->relaxed_better += pr->n_del < pe->n_del;
        st->del_exact += pe->n_del;
        st->del_relaxed += pr->n_del;
        st->keys_only += pr->n_keys_only;
        ak_plan_free(pe);
        ak_plan_free(pr);

        /* and from nothing */
        scen_init(&s, d.r, d.n, NULL, 0);
        pe = plan_opts(&s, 0, pol, 1);
        ck_assert_uint_eq(pe->n_del, 0);
        ck_assert_int_eq(sim_apply(&s.have, pe, &out), 0);
        ck_assert(sim_equals_exact(&s.want, &out));
        ak_plan_free(pe);
}

START_TEST(test_random_simulation) {
        rstats st = {};

        rng_state = 0x9e3779b97f4a7c15ull + (uint64_t) _i;
        for (int i = 0; i < 1500; i++) {
                random_case(&st);
                arena_free();
        }
        ck_assert_uint_eq(st.cases, 1500);
        ck_assert_uint_gt(st.relaxed_better, 0);
        ck_assert_uint_lt(st.del_relaxed, st.del_exact);
}
END_TEST

/* ---------------------------------------------------------------------------------------------
 * Exact order against a brute-force search over every op sequence (tiny lists) */

#define BF_MAX_LEN 5

static size_t bf_encode(const int *v, size_t n) {
        size_t code = 0;

        for (size_t i = n; i-- > 0;)
                code = code * 4 + (size_t) (v[i] + 1);
        return code;
}

static size_t bf_decode(size_t code, int *v) {
        size_t n = 0;

        while (code) {
                v[n++] = (int) (code % 4) - 1;
                code /= 4;
        }
        return n;
}

/* Fewest deletes, then fewest adds, to turn k into d with append (not if equal is held),
 * prepend, delete-first-match; lengths capped at max(|k|, |d|): some optimal plan deletes first. */
static void bf_optimum(const int *k, size_t nk, const int *d, size_t nd, size_t *ret_del, size_t *ret_add) {
        enum { NSTATES = 1 << (2 * BF_MAX_LEN) };
        static unsigned dist[NSTATES];
        static unsigned char done[NSTATES];
        size_t cap = nk > nd ? nk : nd, src = bf_encode(k, nk), dst = bf_encode(d, nd);

        for (size_t i = 0; i < NSTATES; i++) {
                dist[i] = UINT32_MAX;
                done[i] = 0;
        }
        dist[src] = 0;
        for (;;) {
                size_t best = NSTATES;
                int v[BF_MAX_LEN + 1], w[BF_MAX_LEN + 1];
                size_t n;

                for (size_t i = 0; i < NSTATES; i++)
                        if (!done[i] && dist[i] != UINT32_MAX && (best == NSTATES || dist[i] < dist[best]))
                                best = i;
                ck_assert_uint_ne(best, NSTATES);
                if (best == dst)
                        break;
                done[best] = 1;
                n = bf_decode(best, v);
                for (int c = 0; c < 3; c++) {
                        int held = 0;
                        size_t at = n;

                        for (size_t i = 0; i < n; i++)
                                if (v[i] == c) {
                                        held = 1;
                                        if (at == n)
                                                at = i;
                                }
                        if (n < cap) {
                                /* prepend */
                                w[0] = c;
                                memcpy(w + 1, v, n * sizeof(int));
                                size_t t = bf_encode(w, n + 1);
                                if (dist[best] + 1 < dist[t])
                                        dist[t] = dist[best] + 1;
                                if (!held) {
                                        memcpy(w, v, n * sizeof(int));
                                        w[n] = c;
                                        t = bf_encode(w, n + 1);
                                        if (dist[best] + 1 < dist[t])
                                                dist[t] = dist[best] + 1;
                                }
                        }
                        if (held) {
                                size_t m = 0;
                                for (size_t i = 0; i < n; i++)
                                        if (i != at)
                                                w[m++] = v[i];
                                size_t t = bf_encode(w, m);
                                if (dist[best] + 100 < dist[t])
                                        dist[t] = dist[best] + 100;
                        }
                }
        }
        *ret_del = dist[dst] / 100;
        *ret_add = dist[dst] % 100;
}

START_TEST(test_exact_is_optimal) {
        rng_state = 12345;
        for (int iter = 0; iter < 600; iter++) {
                ak_rule pool[3] = { rsys(AUDIT_NEVER, 1, NULL), rsys(AUDIT_ALWAYS, 1, "a"),
                                    rsys(AUDIT_ALWAYS, ALLSYS, "b") };
                int kv[BF_MAX_LEN], dv[BF_MAX_LEN];
                size_t nk = rndn(BF_MAX_LEN), nd = rndn(BF_MAX_LEN), bd, ba;
                ak_rule kr[BF_MAX_LEN], dr[BF_MAX_LEN];
                scen s;
                ak_plan *p;
                sim out;

                for (size_t i = 0; i < nk; i++) {
                        kv[i] = (int) rndn(3);
                        kr[i] = pool[kv[i]];
                }
                for (size_t i = 0; i < nd; i++) {
                        dv[i] = (int) rndn(3);
                        dr[i] = pool[dv[i]];
                }
                bf_optimum(kv, nk, dv, nd, &bd, &ba);
                scen_init(&s, dr, nd, kr, nk);
                p = plan_exact(&s);
                ck_assert_int_eq(sim_apply(&s.have, p, &out), 0);
                ck_assert(sim_equals_exact(&s.want, &out));
                ck_assert_uint_eq(p->n_del, bd);
                ck_assert_uint_eq(p->n_add, ba);
                ak_plan_free(p);
                arena_free();
        }
}
END_TEST

/* ---------------------------------------------------------------------------------------------
 * Size */

START_TEST(test_large) {
        static ak_rule d[5000], k[5000];
        scen s;
        ak_plan *p;
        sim out;

        make_400(d, 5000, 0);
        memcpy(k, d, 2500 * sizeof(ak_rule));
        memcpy(k + 2500, d + 2501, 2499 * sizeof(ak_rule));
        scen_init(&s, d, 5000, k, 4999);

        p = plan_relaxed(&s);
        ck_assert_uint_eq(p->n_add, 1);
        ck_assert_uint_eq(p->n_del, 0);
        ak_plan_free(p);
        p = plan_exact(&s);
        ck_assert_uint_eq(p->n_del, 2499);
        ak_plan_free(p);
        scen_init(&s, d, 5000, NULL, 0);
        p = plan_opts(&s, 0, AK_FOREIGN_REMOVE, 1);
        ck_assert_uint_eq(p->n_add, 5000);
        ak_plan_free(p);

        /* every rule overlapping, a few moved around, one duplicated in the file */
        make_400(d, 5000, 1);
        memcpy(k, d, sizeof(k));
        rng_state = 77;
        for (int i = 0; i < 50; i++) {
                size_t a = rndn(5000), b = rndn(5000);
                ak_rule t = k[a];

                k[a] = k[b];
                k[b] = t;
        }
        scen_init(&s, d, 5000, k, 5000);
        p = plan_relaxed(&s);
        ck_assert_uint_eq(p->n_ops, 0);
        ck_assert_uint_gt(p->n_keys_only, 0);
        ck_assert_uint_le(p->n_keys_only, 100);
        ak_plan_free(p);
        p = plan_exact(&s);
        ck_assert_uint_gt(p->n_del, 0);
        ck_assert_uint_eq(p->n_del, p->n_add);
        ak_plan_free(p);

        /* a duplicate in the file (the slow path): the last rule equals the first */
        memcpy(k, d, 4999 * sizeof(ak_rule));
        d[4999] = d[0];
        scen_init(&s, d, 5000, k, 4999);
        p = plan_relaxed(&s);
        ck_assert_uint_eq(p->n_del, 1);
        ck_assert_uint_eq(p->n_add, 2);
        ck_assert_int_eq(sim_apply(&s.have, p, &out), 0);
        ck_assert(sim_equals_exact(&s.want, &out));
        ak_plan_free(p);
}
END_TEST

static void teardown(void) {
        arena_free();
}

/* One line per planned operation, as `auditkeepctl diff` and the daemon's Diff both print it. */
START_TEST(test_op_format) {
        ak_rule r;
        struct audit_status have = { .backlog_limit = 64, .lost = 7 };
        ak_op add = { .type = AK_OP_ADD_RULE }, del = { .type = AK_OP_DEL_RULE };
        ak_op set = { .type = AK_OP_SET, .mask = AUDIT_STATUS_BACKLOG_LIMIT, .value = 8192 };
        ak_op lost = { .type = AK_OP_RESET_LOST }, feature = { .type = AK_OP_SET_FEATURE };
        struct {
                const ak_op *op;
                const char *want;
        } cases[] = {
                { &add, "+ -w /etc/passwd -p wa -k identity" },
                { &del, "- -w /etc/passwd -p wa -k identity" },
                { &set, "~ backlog_limit 64 -> 8192" },
                { &lost, "~ reset lost counter (now 7)" },
                { &feature, "~ loginuid immutable (cannot be undone until reboot)" },
        };

        ck_assert_int_eq(ak_rule_from_text("-w /etc/passwd -p wa -k identity", &r, NULL, NULL), 0);
        add.rule = del.rule = &r;
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                char *line = ak_op_format(cases[i].op, &have, AK_FORMAT_NO_STAT);
                ck_assert_ptr_nonnull(line);
                ck_assert_str_eq(line, cases[i].want);
                free(line);
        }
        ak_rule_done(&r);
}
END_TEST

/* Why undeclared kernel rules must stay: errors first, then rules that declare no rule (a file of
 * settings only, or whose rules its own -d/-D lines take back) unless the caller allows it. */
START_TEST(test_foreign_hold) {
        static const struct {
                const char *text;
                int allow_empty;
                ak_foreign_hold want;
        } cases[] = {
                { "-w /etc/passwd -p wa -k p\n", 0, AK_HOLD_NONE },
                { "-w /etc/passwd -p wa -k p\n-a always,exit -S no_such_call\n", 0, AK_HOLD_ERRORS },
                { "-a always,exit -S no_such_call\n", 1, AK_HOLD_ERRORS },
                { "-D\n-b 8192\n-f 1\n", 0, AK_HOLD_EMPTY },
                { "-D\n-b 8192\n-f 1\n", 1, AK_HOLD_NONE },
                { "-w /etc/passwd -p wa -k p\n-W /etc/passwd -p wa -k p\n", 0, AK_HOLD_EMPTY },
                { "-w /etc/passwd -p wa -k p\n-D\n", 0, AK_HOLD_EMPTY },
                { "", 0, AK_HOLD_EMPTY },
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                ak_ruleset *rs = NULL;

                ck_assert_int_eq(ak_ruleset_new(&rs), 0);
                ck_assert_int_ge(ak_ruleset_add_text(rs, "t.rules", cases[i].text, strlen(cases[i].text)), 0);
                ck_assert_msg(ak_foreign_hold_of(rs, cases[i].allow_empty) == cases[i].want, "case %zu: %d, not %d", i,
                              ak_foreign_hold_of(rs, cases[i].allow_empty), cases[i].want);
                ak_ruleset_free(rs);
        }
}
END_TEST

static Suite *plan_suite(void) {
        Suite *s = suite_create("plan");
        TCase *tc = tcase_create("core");

        tcase_add_checked_fixture(tc, NULL, teardown);
        tcase_set_timeout(tc, 120);
        tcase_add_test(tc, test_overlap);
        tcase_add_test(tc, test_op_format);
        tcase_add_test(tc, test_in_sync);
        tcase_add_test(tc, test_share_kept);
        tcase_add_test(tc, test_status_ops);
        tcase_add_test(tc, test_lock);
        tcase_add_test(tc, test_locked_kernel);
        tcase_add_test(tc, test_reset_lost_and_feature);
        tcase_add_test(tc, test_bad_args);
        tcase_add_test(tc, test_from_empty);
        tcase_add_test(tc, test_middle_deleted);
        tcase_add_test(tc, test_foreign);
        tcase_add_test(tc, test_foreign_hold);
        tcase_add_test(tc, test_swaps);
        tcase_add_test(tc, test_changed_rule);
        tcase_add_test(tc, test_kernel_duplicates);
        tcase_add_test(tc, test_moved_rule_eexist);
        tcase_add_loop_test(tc, test_random_simulation, 0, 4);
        tcase_add_test(tc, test_exact_is_optimal);
        tcase_add_test(tc, test_large);
        suite_add_tcase(s, tc);
        return s;
}

AK_TEST_MAIN(plan_suite)
