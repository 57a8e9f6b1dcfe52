/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Reconciliation on the real kernel: a second apply of an in-sync 1000-rule set sends exactly one
 * GET and one LIST_RULES and changes nothing; repairs of drift made with auditctl take exactly the
 * expected operations; a reload that changes one rule of 400 removes none of the others and adds
 * before it deletes (measured, listing the kernel between the operations); `auditkeepctl apply`
 * and `diff` report what they did with the documented exit codes.
 *
 * The kernel is shared: the process holds /tmp/auditkeep-kernel.lock for its whole run (taken in
 * main; the forked tests inherit it), every test saves the state and restores it, and a test that
 * failed half-way is cleaned up by the next one and by main at the end. Never -e 2, -f 2,
 * --loginuid-immutable or the audit pid. A rule delete costs 0.05-0.4 ms on the test kernel; the
 * sets stay at 1000 and 400 rules to keep the suite short. */
#include <check.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "auditkeep/ak-kernel.h"
#include "auditkeep/ak-sync.h"
#include "auditkeep/ak-rules.h"
#include "kernel-state.h"
#include "macro.h"
#include "util.h"

#define TIMEOUT_USEC (120u * 1000000u)

static ak_kstate baseline;      /* the state before any test, taken under the lock in main */
static int have_baseline;

/* ---------------------------------------------------------------------------------------------
 * Kernel state */

static int rules_same(const ak_kstate *a, const ak_kstate *b) {
        if (a->n_rules != b->n_rules)
                return 0;
        for (size_t i = 0; i < a->n_rules; i++)
                if (a->rules[i].size != b->rules[i].size ||
                    memcmp(a->rules[i].data, b->rules[i].data, a->rules[i].size) != 0)
                        return 0;
        return 1;
}

static int state_same(const ak_kstate *a, const ak_kstate *b) {
        return rules_same(a, b) && a->status.enabled == b->status.enabled &&
               a->status.failure == b->status.failure && a->status.rate_limit == b->status.rate_limit &&
               a->status.backlog_limit == b->status.backlog_limit &&
               a->status.backlog_wait_time == b->status.backlog_wait_time;
}

/* Save the state (the lock is already held), repair what an earlier failed test may have left,
 * and start from an empty rule list. */
static void begin(ak_kstate *saved) {
        kstate_save(saved);
        if (have_baseline && !state_same(saved, &baseline)) {
                fprintf(stderr, "the kernel differs from the state before the tests (an earlier test failed?): restoring it\n");
                ck_assert_int_eq(kstate_restore(&baseline), 0);
                ak_kstate_done(saved);
                ck_assert_int_eq(kstate_query(saved), 0);
        }
        ck_assert_int_eq(kstate_clear_rules(), 0);
}

static void end(ak_kstate *saved) {
        ak_kstate now = {};

        ck_assert_int_eq(kstate_restore(saved), 0);
        ck_assert_int_eq(kstate_query(&now), 0);
        ck_assert_msg(state_same(&now, saved), "the kernel state was not restored");
        ak_kstate_done(&now);
        ak_kstate_done(saved);
}

static ak_kstate snapshot(void) {
        ak_kstate s = {};

        ck_assert_int_eq(kstate_query(&s), 0);
        return s;
}

/* ---------------------------------------------------------------------------------------------
 * Files, commands */

static const char *ctl(void) {
        static char path[4096];

        snprintf(path, sizeof(path), "%s/tools/auditkeepctl", getenv("AK_BUILDDIR") ? getenv("AK_BUILDDIR") : "build");
        return path;
}

/* Everything a run creates lives under one directory, removed by main at the end (a failing
 * test ends at once, without its own clean-up). */
static char run_dir[] = "/tmp/ak-apply-XXXXXX";

static char *make_dir(void) {
        char *d = strdup_printf("%s/t-XXXXXX", run_dir);

        ck_assert_ptr_nonnull(d);
        ck_assert_ptr_nonnull(mkdtemp(d));
        ck_assert_int_eq(chmod(d, 0755), 0);
        return d;
}

static void remove_dir(char *d) {
        if (d)
                run("rm -rf '%s'", d);
        free(d);
}

static void write_file(const char *path, const char *text) {
        FILE *f = fopen(path, "we");

        ck_assert_ptr_nonnull(f);
        ck_assert_int_eq(fputs(text, f) >= 0, 1);
        ck_assert_int_eq(fclose(f), 0);
        ck_assert_int_eq(chmod(path, 0644), 0);
}

/* Run a shell command with stdout and stderr captured together. Returns the exit status. */
static int capture(char **ret, const char *fmt, ...) _printf_(2, 3);
static int capture(char **ret, const char *fmt, ...) {
        _cleanup_free_ char *cmd = NULL;
        strbuf b = {};
        char buf[4096];
        va_list ap;
        size_t n;
        FILE *p;
        int st;

        va_start(ap, fmt);
        cmd = strdup_vprintf(fmt, ap);
        va_end(ap);
        ck_assert_ptr_nonnull(cmd);
        p = popen(cmd, "r");
        ck_assert_ptr_nonnull(p);
        while ((n = fread(buf, 1, sizeof(buf), p)) > 0)
                strbuf_append(&b, buf, n);
        st = pclose(p);
        strbuf_append(&b, "", 0);
        *ret = strbuf_steal(&b);
        if (!*ret)
                *ret = strdup("");
        printf("$ %s\n%s[exit %d]\n", cmd, *ret, WIFEXITED(st) ? WEXITSTATUS(st) : -1);
        return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* Lines of `text` that start with `prefix` and contain `needle` (NULL: any). */
static size_t count_lines(const char *text, const char *prefix, const char *needle) {
        size_t n = 0, lp = strlen(prefix);

        for (const char *s = text; s && *s;) {
                const char *e = strchr(s, '\n');
                size_t len = e ? (size_t) (e - s) : strlen(s);

                if (len >= lp && strncmp(s, prefix, lp) == 0) {
                        if (!needle || memmem(s, len, needle, strlen(needle)))
                                n++;
                }
                s = e ? e + 1 : s + len;
        }
        return n;
}

static void auditctl(const char *args) {
        ck_assert_msg(run("auditctl %s >/dev/null", args) == 0, "auditctl %s failed", args);
}

/* ---------------------------------------------------------------------------------------------
 * Rules */

DEFINE_TRIVIAL_CLEANUP_FUNC(ak_ruleset *, ak_ruleset_free)
DEFINE_TRIVIAL_CLEANUP_FUNC(ak_nl *, ak_nl_free)

static ak_ruleset *rules_from(const char *name, const char *text) {
        ak_ruleset *rs = NULL;

        ck_assert_int_eq(ak_ruleset_new(&rs), 0);
        ck_assert_int_eq(ak_ruleset_add_text(rs, name, text, strlen(text)), 0);
        for (size_t i = 0; i < rs->n_diags; i++) {
                _cleanup_free_ char *s = ak_diag_format(&rs->diags[i]);
                fprintf(stderr, "%s\n", s ? s : "?");
        }
        ck_assert_uint_eq(rs->n_errors, 0);
        return rs;
}

static ak_nl *open_nl(void) {
        ak_nl *nl = NULL;

        ck_assert_int_eq(ak_nl_open(&nl), 0);
        return nl;
}

static void print_plan(const char *what, const ak_plan *p) {
        printf("%s: %zu ops (%zu add, %zu del, %zu set), in_sync %d, foreign %zu, moved %zu, keys only %zu\n",
               what, p->n_ops, p->n_add, p->n_del, p->n_set, p->in_sync, p->n_foreign, p->n_moved, p->n_keys_only);
        for (size_t i = 0; i < p->n_ops && i < 20; i++) {
                const ak_op *op = &p->ops[i];
                _cleanup_free_ char *t = op->rule ? ak_rule_format(op->rule) : NULL;

                if (op->type == AK_OP_SET)
                        printf("  %zu: set mask 0x%x = %u (error %d)\n", i, op->mask, op->value, op->error);
                else
                        printf("  %zu: %s%s %s (error %d)\n", i,
                               op->type == AK_OP_ADD_RULE ? "add" : op->type == AK_OP_DEL_RULE ? "del" : "other",
                               op->prepend ? " (prepend)" : "", t ? t : "", op->error);
        }
}

static void sync_ok(ak_nl *nl, const ak_ruleset *rs, ak_foreign_policy foreign, ak_sync_report *rep) {
        ak_plan_opts o = { .foreign = foreign };

        ck_assert_int_eq(ak_sync(nl, rs, &o, 0, TIMEOUT_USEC, rep), 0);
        print_plan("sync", rep->plan);
        ck_assert_uint_eq(rep->n_failed, 0);
        ck_assert_uint_eq(rep->n_pending, 0);
}

static size_t n_ops_of(const ak_plan *p, ak_op_type t) {
        size_t n = 0;

        for (size_t i = 0; i < p->n_ops; i++)
                n += p->ops[i].type == t;
        return n;
}

static ssize_t pos_of(const ak_kstate *ks, const ak_rule *r) {
        for (size_t i = 0; i < ks->n_rules; i++)
                if (ak_rule_equal(&ks->rules[i], r))
                        return (ssize_t) i;
        return -1;
}

/* The kernel holds exactly the desired rules, in file order. */
static void assert_exact(const ak_kstate *ks, const ak_ruleset *rs) {
        ck_assert_uint_eq(ks->n_rules, rs->n_rules);
        for (size_t i = 0; i < rs->n_rules; i++)
                ck_assert_msg(ak_rule_equal(&ks->rules[i], &rs->rules[i]), "kernel rule %zu differs from %s:%u",
                              i, rs->rules[i].file, rs->rules[i].line);
}

/* The kernel holds exactly the desired rules, in any order. */
static void assert_same_set(const ak_kstate *ks, const ak_ruleset *rs) {
        ck_assert_uint_eq(ks->n_rules, rs->n_rules);
        for (size_t i = 0; i < rs->n_rules; i++)
                ck_assert_msg(pos_of(ks, &rs->rules[i]) >= 0, "desired rule %s:%u is not in the kernel",
                              rs->rules[i].file, rs->rules[i].line);
}

/* Every pair of desired rules whose order decides recording (same list, not exclude, different
 * actions, can match the same event) is in file order in the kernel. */
static void assert_recording_equivalent(const ak_kstate *ks, const ak_ruleset *rs) {
        _cleanup_free_ ssize_t *pos = calloc(rs->n_rules + 1, sizeof(ssize_t));

        ck_assert_ptr_nonnull(pos);
        for (size_t i = 0; i < rs->n_rules; i++) {
                pos[i] = pos_of(ks, &rs->rules[i]);
                ck_assert_msg(pos[i] >= 0, "desired rule %s:%u is not in the kernel", rs->rules[i].file, rs->rules[i].line);
        }
        for (size_t i = 0; i < rs->n_rules; i++)
                for (size_t j = i + 1; j < rs->n_rules; j++) {
                        const ak_rule *a = &rs->rules[i], *b = &rs->rules[j];

                        if (ak_rule_list(a) != ak_rule_list(b) || ak_rule_list(a) == AUDIT_FILTER_EXCLUDE ||
                            a->data->action == b->data->action || !ak_rules_overlap(a, b))
                                continue;
                        ck_assert_msg(pos[i] < pos[j], "%s:%u and %s:%u decide recording but are out of order "
                                      "(kernel positions %zd, %zd)", a->file, a->line, b->file, b->line, pos[i], pos[j]);
                }
}

/* Pairs of overlapping `always` rules with different keys that the kernel holds out of file order. */
static size_t key_inversions(const ak_kstate *ks, const ak_ruleset *rs) {
        size_t n = 0;

        for (size_t i = 0; i < rs->n_rules; i++)
                for (size_t j = i + 1; j < rs->n_rules; j++) {
                        const ak_rule *a = &rs->rules[i], *b = &rs->rules[j];
                        char ka[300], kb[300];

                        if (ak_rule_list(a) != ak_rule_list(b) || ak_rule_list(a) == AUDIT_FILTER_EXCLUDE ||
                            a->data->action != AUDIT_ALWAYS || b->data->action != AUDIT_ALWAYS ||
                            streq(ak_rule_key(a, ka, sizeof(ka)), ak_rule_key(b, kb, sizeof(kb))) ||
                            !ak_rules_overlap(a, b))
                                continue;
                        if (pos_of(ks, a) > pos_of(ks, b))
                                n++;
                }
        return n;
}

/* A second sync right after must find nothing to do (no oscillation). */
static void assert_settled(ak_nl *nl, const ak_ruleset *rs, ak_foreign_policy foreign) {
        ak_sync_report rep;

        sync_ok(nl, rs, foreign, &rep);
        ck_assert_int_eq(rep.plan->in_sync, 1);
        ck_assert_uint_eq(rep.plan->n_ops, 0);
        ak_sync_report_done(&rep);
}

/* ---------------------------------------------------------------------------------------------
 * Apply twice: the "done" criterion */

START_TEST(test_apply_twice_1000) {
        _cleanup_(ak_ruleset_freep) ak_ruleset *rs = NULL;
        _cleanup_(ak_nl_freep) ak_nl *nl = NULL;
        ak_kstate saved = {}, k1, k2;
        ak_sync_report rep;
        ak_nl_stats s0, s1;
        strbuf b = {};
        char *dir, *text;
        uint64_t t0, t1, t2;

        begin(&saved);
        dir = make_dir();
        /* 500 distinct watches, 490 syscall rules with distinct keys, 10 never rules among them. */
        for (unsigned i = 0; i < 500; i++)
                strbuf_printf(&b, "-w %s/watched-%03u -p wa -k w%u\n", dir, i, i);
        for (unsigned i = 0; i < 500; i++)
                if (i % 50 == 25)
                        strbuf_printf(&b, "-a never,exit -F arch=b64 -S unlinkat -F uid=%u\n", 20000 + i);
                else
                        strbuf_printf(&b, "-a always,exit -F arch=b64 -S openat -F uid=%u -k s%u\n", 10000 + i, i);
        text = strbuf_steal(&b);
        ck_assert_ptr_nonnull(text);
        rs = rules_from("thousand.rules", text);
        free(text);
        ck_assert_uint_eq(rs->n_rules, 1000);
        nl = open_nl();

        t0 = now_usec();
        ck_assert_int_eq(ak_sync(nl, rs, NULL, 0, TIMEOUT_USEC, &rep), 0);
        t1 = now_usec();
        ck_assert_uint_eq(rep.n_failed, 0);
        ck_assert_uint_eq(rep.n_pending, 0);
        ck_assert_uint_eq(rep.added, 1000);
        ck_assert_uint_eq(rep.removed, 0);
        ak_sync_report_done(&rep);
        k1 = snapshot();
        assert_exact(&k1, rs);          /* a load from empty keeps file order */

        ak_nl_get_stats(nl, &s0);
        ck_assert_int_eq(ak_sync(nl, rs, NULL, 0, TIMEOUT_USEC, &rep), 0);
        t2 = now_usec();
        ak_nl_get_stats(nl, &s1);
        printf("1000 rules: first apply %.1f ms, second %.1f ms; second sent %llu messages in %llu sendmsg\n",
               (t1 - t0) / 1000.0, (t2 - t1) / 1000.0, (unsigned long long) (s1.messages_sent - s0.messages_sent),
               (unsigned long long) (s1.sendmsg_calls - s0.sendmsg_calls));

        /* Exactly one GET and one LIST_RULES, in one sendmsg, and nothing else. */
        ck_assert_uint_eq(s1.messages_sent - s0.messages_sent, 2);
        ck_assert_uint_eq(s1.sendmsg_calls - s0.sendmsg_calls, 1);
        ck_assert_uint_eq(s1.stray + s1.malformed + s1.spoofed, 0);
        ck_assert_int_eq(rep.before.have_features, 0);
        ck_assert_uint_eq(rep.before.n_rules, 1000);
        ck_assert_int_eq(rep.plan->in_sync, 1);
        ck_assert_uint_eq(rep.plan->n_ops, 0);
        ck_assert_uint_eq(rep.plan->n_differ, 0);
        ck_assert_uint_eq(rep.plan->n_foreign, 0);
        ck_assert_uint_eq(rep.plan->n_keys_only, 0);
        ck_assert_uint_eq(rep.added + rep.removed + rep.set, 0);
        ak_sync_report_done(&rep);

        k2 = snapshot();
        ck_assert_msg(kstate_rules_equal(&k1, &k2), "the second apply changed the kernel's rules");
        ck_assert_uint_eq(k2.status.backlog_limit, k1.status.backlog_limit);

        ak_kstate_done(&k1);
        ak_kstate_done(&k2);
        end(&saved);
        remove_dir(dir);
}
END_TEST

/* ---------------------------------------------------------------------------------------------
 * Repairs of drift made with auditctl */

typedef struct repair {
        ak_kstate saved;
        char *dir;
        ak_ruleset *rs;
        ak_nl *nl;
        ak_kstate applied;      /* the kernel right after the first apply */
} repair;

/* Indices of the rules in the repair set. */
enum { R_WATCH = 0, R_OPEN1001, R_NEVER_UNLINK, R_UNLINK, R_OPENALL, R_EXEC, _R_MAX };

static void repair_begin(repair *x) {
        _cleanup_free_ char *text = NULL;
        ak_sync_report rep;

        *x = (repair) {};
        begin(&x->saved);
        x->dir = make_dir();
        text = strdup_printf("-b 320\n"
                             "-w %s/passwd -p wa -k identity\n"
                             "-a always,exit -F arch=b64 -S openat -F uid=1001 -k open1001\n"
                             "-a never,exit -F arch=b64 -S unlinkat -F uid=1002\n"
                             "-a always,exit -F arch=b64 -S unlinkat -k unlink\n"
                             "-a always,exit -F arch=b64 -S openat -k openall\n"
                             "-a always,exit -F arch=b64 -S execve -k exec\n", x->dir);
        x->rs = rules_from("repair.rules", text);
        ck_assert_uint_eq(x->rs->n_rules, _R_MAX);
        x->nl = open_nl();
        sync_ok(x->nl, x->rs, AK_FOREIGN_REMOVE, &rep);
        ck_assert_uint_eq(rep.added, _R_MAX);
        ak_sync_report_done(&rep);
        x->applied = snapshot();
        assert_exact(&x->applied, x->rs);
        ck_assert_uint_eq(x->applied.status.backlog_limit, 320);
}

static void repair_end(repair *x) {
        ak_kstate_done(&x->applied);
        ak_nl_free(x->nl);
        ak_ruleset_free(x->rs);
        end(&x->saved);
        remove_dir(x->dir);
}

static char *sorted_listing(void) {
        char *out = NULL;

        ck_assert_int_eq(capture(&out, "auditctl -l | LC_ALL=C sort"), 0);
        return out;
}

/* One desired rule deleted by auditctl -d: one add and no delete. Its order decides only keys
 * (it overlaps `always` rules with other keys, and no rule with the other action), so it is
 * appended, the difference is reported as keys only, and nothing is moved. */
START_TEST(test_repair_deleted_rule) {
        _cleanup_free_ char *before = NULL, *after = NULL;
        const ak_rule *gone;
        ak_sync_report rep;
        ak_kstate now;
        size_t inv;
        repair x;

        repair_begin(&x);
        gone = &x.rs->rules[R_OPEN1001];
        before = sorted_listing();
        auditctl("-d always,exit -F arch=b64 -S openat -F uid=1001 -k open1001");
        now = snapshot();
        ck_assert_uint_eq(now.n_rules, _R_MAX - 1);
        ck_assert_int_lt(pos_of(&now, gone), 0);
        ak_kstate_done(&now);

        sync_ok(x.nl, x.rs, AK_FOREIGN_REMOVE, &rep);
        ck_assert_uint_eq(rep.plan->n_ops, 1);
        ck_assert_uint_eq(rep.plan->n_add, 1);
        ck_assert_uint_eq(rep.plan->n_del, 0);
        ck_assert_uint_eq(rep.plan->n_set, 0);
        ck_assert_uint_eq(rep.plan->n_moved, 0);
        ck_assert_int_eq(rep.plan->ops[0].type, AK_OP_ADD_RULE);
        ck_assert(ak_rule_equal(rep.plan->ops[0].rule, gone));
        ck_assert_uint_eq(rep.added, 1);
        ck_assert_uint_eq(rep.removed, 0);

        now = snapshot();
        assert_same_set(&now, x.rs);
        assert_recording_equivalent(&now, x.rs);
        inv = key_inversions(&now, x.rs);
        printf("re-added %s at position %zd of %zu; %zu key-order inversions, reported keys only %zu\n",
               rep.plan->ops[0].prepend ? "(prepended)" : "(appended)", pos_of(&now, gone), now.n_rules, inv,
               rep.plan->n_keys_only);
        ck_assert_msg((inv > 0) == (rep.plan->n_keys_only > 0),
                      "%zu key-order inversions in the kernel, but %zu reported", inv, rep.plan->n_keys_only);
        /* Where it went: design, Reconciliation: a rule whose order decides only the key "is
         * appended, and the difference is reported". */
        ck_assert_msg(!rep.plan->ops[0].prepend && pos_of(&now, gone) == (ssize_t) now.n_rules - 1,
                      "the re-added rule was %s (kernel position %zd of %zu), not appended",
                      rep.plan->ops[0].prepend ? "prepended" : "placed", pos_of(&now, gone), now.n_rules);
        ck_assert_uint_eq(now.status.backlog_limit, 320);
        ak_kstate_done(&now);
        ak_sync_report_done(&rep);

        after = sorted_listing();
        ck_assert_str_eq(after, before);        /* auditctl -l: the same rule set */
        assert_settled(x.nl, x.rs, AK_FOREIGN_REMOVE);
        repair_end(&x);
}
END_TEST

/* An attacker's `never` rule at the top of the exit list: exactly one delete, no add. */
START_TEST(test_repair_foreign_never) {
        ak_sync_report rep;
        ak_kstate now;
        repair x;

        repair_begin(&x);
        auditctl("-A never,exit -F arch=b64 -S openat");
        now = snapshot();
        ck_assert_uint_eq(now.n_rules, _R_MAX + 1);
        ck_assert_uint_eq(now.rules[0].data->action, AUDIT_NEVER);
        ak_kstate_done(&now);

        sync_ok(x.nl, x.rs, AK_FOREIGN_REMOVE, &rep);
        ck_assert_uint_eq(rep.plan->n_ops, 1);
        ck_assert_uint_eq(rep.plan->n_del, 1);
        ck_assert_uint_eq(rep.plan->n_add, 0);
        ck_assert_uint_eq(rep.plan->n_foreign, 1);
        ck_assert_uint_eq(rep.plan->n_moved, 0);
        ck_assert_int_eq(rep.plan->ops[0].type, AK_OP_DEL_RULE);
        ck_assert(ak_rule_equal(rep.plan->ops[0].rule, &rep.before.rules[0]));
        ck_assert_uint_eq(rep.removed, 1);
        ak_sync_report_done(&rep);

        now = snapshot();
        ck_assert_msg(kstate_rules_equal(&x.applied, &now), "the kernel is not back to the applied rules");
        ak_kstate_done(&now);
        assert_settled(x.nl, x.rs, AK_FOREIGN_REMOVE);
        repair_end(&x);
}
END_TEST

/* A never/always pair on the same syscall swapped: the order that decides recording comes back
 * with one move (1 delete + 1 add). The never rule cannot go to the head (the watch, an `always`
 * rule on every syscall, must stay before it), so the always rule moves to the tail. */
START_TEST(test_repair_swapped_pair) {
        const ak_rule *never, *always;
        ak_sync_report rep;
        ak_kstate now;
        repair x;

        repair_begin(&x);
        never = &x.rs->rules[R_NEVER_UNLINK];
        always = &x.rs->rules[R_UNLINK];
        auditctl("-d never,exit -F arch=b64 -S unlinkat -F uid=1002");
        auditctl("-a never,exit -F arch=b64 -S unlinkat -F uid=1002");
        now = snapshot();
        ck_assert_uint_eq(now.n_rules, _R_MAX);
        ck_assert_int_gt(pos_of(&now, never), pos_of(&now, always));
        ak_kstate_done(&now);

        sync_ok(x.nl, x.rs, AK_FOREIGN_REMOVE, &rep);
        ck_assert_uint_eq(rep.plan->n_ops, 2);
        ck_assert_uint_eq(rep.plan->n_del, 1);
        ck_assert_uint_eq(rep.plan->n_add, 1);
        ck_assert_uint_eq(rep.plan->n_moved, 1);
        ck_assert_uint_eq(rep.plan->n_foreign, 0);
        /* One rule moved: deleted, then added again. */
        ck_assert_int_eq(rep.plan->ops[0].type, AK_OP_DEL_RULE);
        ck_assert_int_eq(rep.plan->ops[1].type, AK_OP_ADD_RULE);
        ck_assert(ak_rule_equal(rep.plan->ops[0].rule, rep.plan->ops[1].rule));
        ck_assert(ak_rule_equal(rep.plan->ops[1].rule, always));
        ck_assert_uint_eq(rep.added, 1);
        ck_assert_uint_eq(rep.removed, 1);
        ak_sync_report_done(&rep);

        now = snapshot();
        assert_same_set(&now, x.rs);
        assert_recording_equivalent(&now, x.rs);
        ck_assert_int_lt(pos_of(&now, never), pos_of(&now, always));
        ak_kstate_done(&now);
        assert_settled(x.nl, x.rs, AK_FOREIGN_REMOVE);
        repair_end(&x);
}
END_TEST

/* The backlog limit changed behind our back: exactly one SET. */
START_TEST(test_repair_backlog) {
        ak_sync_report rep;
        ak_kstate now;
        repair x;

        repair_begin(&x);
        auditctl("-b 999");
        now = snapshot();
        ck_assert_uint_eq(now.status.backlog_limit, 999);
        ak_kstate_done(&now);

        sync_ok(x.nl, x.rs, AK_FOREIGN_REMOVE, &rep);
        ck_assert_uint_eq(rep.plan->n_ops, 1);
        ck_assert_uint_eq(rep.plan->n_set, 1);
        ck_assert_uint_eq(rep.plan->n_add + rep.plan->n_del, 0);
        ck_assert_int_eq(rep.plan->ops[0].type, AK_OP_SET);
        ck_assert_uint_eq(rep.plan->ops[0].mask, AUDIT_STATUS_BACKLOG_LIMIT);
        ck_assert_uint_eq(rep.plan->ops[0].value, 320);
        ck_assert_uint_eq(rep.set, 1);
        ak_sync_report_done(&rep);

        now = snapshot();
        ck_assert_uint_eq(now.status.backlog_limit, 320);
        ck_assert_msg(kstate_rules_equal(&x.applied, &now), "a status repair changed the rules");
        ak_kstate_done(&now);
        assert_settled(x.nl, x.rs, AK_FOREIGN_REMOVE);
        repair_end(&x);
}
END_TEST

/* --foreign=keep: another agent's rule stays where it is; nothing is sent. */
START_TEST(test_repair_foreign_keep) {
        ak_sync_report rep;
        ak_kstate drifted, now;
        repair x;

        repair_begin(&x);
        auditctl("-A never,exit -F arch=b64 -S openat");
        drifted = snapshot();

        sync_ok(x.nl, x.rs, AK_FOREIGN_KEEP, &rep);
        ck_assert_uint_eq(rep.plan->n_ops, 0);
        ck_assert_uint_eq(rep.plan->n_foreign, 1);
        ck_assert_uint_eq(rep.added + rep.removed + rep.set, 0);
        ak_sync_report_done(&rep);

        now = snapshot();
        ck_assert_msg(kstate_rules_equal(&drifted, &now), "--foreign=keep changed the kernel");
        ck_assert_uint_eq(now.rules[0].data->action, AUDIT_NEVER);
        ak_kstate_done(&now);
        ak_kstate_done(&drifted);
        repair_end(&x);
}
END_TEST

/* ---------------------------------------------------------------------------------------------
 * The command-line client */

START_TEST(test_cli) {
        _cleanup_free_ char *file = NULL, *pending_file = NULL, *text = NULL, *ptext = NULL, *out = NULL;
        _cleanup_free_ char *origin = NULL;
        ak_kstate saved = {}, before, after;
        char *dir;
        int st;

        begin(&saved);
        dir = make_dir();
        file = strdup_printf("%s/cli.rules", dir);
        text = strdup_printf("-a always,exit -F arch=b64 -S openat -F uid=2001 -k cli1\n"
                             "-w %s/cli-watched -p wa -k cli2\n"
                             "-a never,exit -F arch=b64 -S unlinkat -F uid=2002\n", dir);
        write_file(file, text);

        /* apply from empty: a + line per rule and the summary */
        st = capture(&out, "%s apply %s 2>&1", ctl(), file);
        ck_assert_int_eq(st, 0);
        ck_assert_uint_eq(count_lines(out, "+ ", NULL), 3);
        ck_assert_uint_eq(count_lines(out, "+ ", "key=cli1"), 1);
        ck_assert_uint_eq(count_lines(out, "+ ", "-k cli2"), 1);
        ck_assert_uint_eq(count_lines(out, "- ", NULL), 0);
        origin = strdup_printf("(%s:2)", file);
        ck_assert_uint_eq(count_lines(out, "+ ", origin), 1);
        ck_assert_uint_eq(count_lines(out, "in sync: 3 rules desired, 3 added, 0 removed, 0 status changes, 0 pending, 0 errors", NULL), 1);
        free(out);

        /* again: nothing to do */
        st = capture(&out, "%s apply %s 2>&1", ctl(), file);
        ck_assert_int_eq(st, 0);
        ck_assert_uint_eq(count_lines(out, "+ ", NULL) + count_lines(out, "- ", NULL), 0);
        ck_assert_uint_eq(count_lines(out, "in sync: 3 rules desired, 0 added, 0 removed", NULL), 1);
        free(out);

        st = capture(&out, "%s diff %s 2>&1", ctl(), file);
        ck_assert_int_eq(st, 0);
        ck_assert_uint_eq(count_lines(out, "+ ", NULL) + count_lines(out, "- ", NULL), 0);
        ck_assert_uint_eq(count_lines(out, "in sync", NULL), 1);
        free(out);

        /* drift: diff shows it (+ missing, - foreign), exits 1, and changes nothing */
        auditctl("-d always,exit -F arch=b64 -S openat -F uid=2001 -k cli1");
        auditctl("-a always,exit -F arch=b64 -S mkdirat -k foreign");
        before = snapshot();
        st = capture(&out, "%s diff %s 2>&1", ctl(), file);
        ck_assert_int_eq(st, 1);
        ck_assert_uint_eq(count_lines(out, "+ ", NULL), 1);
        ck_assert_uint_eq(count_lines(out, "+ ", "uid=2001"), 1);
        ck_assert_uint_eq(count_lines(out, "- ", NULL), 1);
        ck_assert_uint_eq(count_lines(out, "- ", "key=foreign"), 1);
        free(out);
        after = snapshot();
        ck_assert_msg(kstate_rules_equal(&before, &after), "diff changed the kernel");
        ak_kstate_done(&before);
        ak_kstate_done(&after);

        /* apply repairs it and says so */
        st = capture(&out, "%s apply %s 2>&1", ctl(), file);
        ck_assert_int_eq(st, 0);
        ck_assert_uint_eq(count_lines(out, "+ ", "uid=2001"), 1);
        ck_assert_uint_eq(count_lines(out, "- ", "key=foreign"), 1);
        ck_assert_uint_eq(count_lines(out, "in sync: 3 rules desired, 1 added, 1 removed", NULL), 1);
        free(out);
        st = capture(&out, "%s diff %s 2>&1", ctl(), file);
        ck_assert_int_eq(st, 0);
        free(out);

        /* a watch under a directory that does not exist: pending, with the errno and FILE:LINE */
        pending_file = strdup_printf("%s/pending.rules", dir);
        ptext = strdup_printf("%s-w %s/no-such-dir/file -p wa -k pend\n", text, dir);
        write_file(pending_file, ptext);
        st = capture(&out, "%s apply %s 2>&1", ctl(), pending_file);
        ck_assert_int_eq(st, 1);
        free(origin);
        origin = strdup_printf("%s:4", pending_file);
        ck_assert_uint_eq(count_lines(out, "pending", "No such file or directory"), 1);
        ck_assert_uint_eq(count_lines(out, "pending", origin), 1);
        ck_assert_uint_eq(count_lines(out, "not in sync:", "1 pending"), 1);
        free(out);
        /* the others stay in force; a second apply still reports it */
        st = capture(&out, "%s apply %s 2>&1", ctl(), pending_file);
        ck_assert_int_eq(st, 1);
        ck_assert_uint_eq(count_lines(out, "pending", "No such file or directory"), 1);
        ck_assert_uint_eq(count_lines(out, "+ ", NULL) + count_lines(out, "- ", NULL), 0);
        free(out);

        /* the kernel out of reach: an unprivileged user gets exit 2 and a clear message */
        st = capture(&out, "setpriv --reuid=65534 --regid=65534 --clear-groups %s diff %s 2>&1", ctl(), file);
        ck_assert_int_eq(st, 2);
        ck_assert_ptr_nonnull(strstr(out, "permission denied"));
        ck_assert_ptr_nonnull(strstr(out, "CAP_AUDIT_CONTROL"));
        free(out);
        st = capture(&out, "setpriv --reuid=65534 --regid=65534 --clear-groups %s apply %s 2>&1", ctl(), file);
        ck_assert_int_eq(st, 2);
        ck_assert_ptr_nonnull(strstr(out, "permission denied"));

        end(&saved);
        remove_dir(dir);
}
END_TEST

/* Fail safe: rules with an error, or rules that declare no rule, never take out a rule the kernel
 * holds and they do not declare (--foreign=remove notwithstanding); they say so, and diff exits
 * 1 on an error. --allow-empty lets rules that declare nothing remove them. */
START_TEST(test_cli_fail_safe) {
        _cleanup_free_ char *bad = NULL, *empty = NULL, *out = NULL;
        ak_kstate saved = {}, now;
        char *dir;
        int st;

        begin(&saved);
        dir = make_dir();
        bad = strdup_printf("%s/bad.rules", dir);
        empty = strdup_printf("%s/empty.rules", dir);
        write_file(bad, "-a always,exit -F arch=b64 -S no_such_call -k typo\n"
                        "-a always,exit -F arch=b64 -S openat -F uid=2101 -k declared\n");
        write_file(empty, "-D\n-b 8192\n");
        auditctl("-a always,exit -F arch=b64 -S unlinkat -F uid=2102 -k held");

        st = capture(&out, "%s apply --foreign=remove %s 2>&1", ctl(), bad);
        ck_assert_int_eq(st, 1);
        ck_assert_uint_eq(count_lines(out, "+ ", "key=declared"), 1);
        ck_assert_uint_eq(count_lines(out, "- ", NULL), 0);
        ck_assert_uint_eq(count_lines(out, "foreign: 1 kept, none removed because the rules have errors", NULL), 1);
        free(out);
        now = snapshot();
        ck_assert_uint_eq(now.n_rules, 2);
        ak_kstate_done(&now);

        st = capture(&out, "%s diff %s 2>&1", ctl(), bad);
        ck_assert_int_eq(st, 1);
        ck_assert_uint_eq(count_lines(out, "- ", NULL), 0);
        free(out);

        st = capture(&out, "%s apply %s 2>&1", ctl(), empty);
        ck_assert_int_eq(st, 0);
        ck_assert_uint_eq(count_lines(out, "- ", NULL), 0);
        ck_assert_uint_eq(count_lines(out, "foreign: 2 kept, none removed because the rules declare no rule", NULL), 1);
        free(out);
        now = snapshot();
        ck_assert_uint_eq(now.n_rules, 2);
        ck_assert_uint_eq(now.status.backlog_limit, 8192);
        ak_kstate_done(&now);

        st = capture(&out, "%s apply --allow-empty %s 2>&1", ctl(), empty);
        ck_assert_int_eq(st, 0);
        ck_assert_uint_eq(count_lines(out, "- ", NULL), 2);
        ck_assert_uint_eq(count_lines(out, "foreign:", NULL), 0);
        now = snapshot();
        ck_assert_uint_eq(now.n_rules, 0);
        ak_kstate_done(&now);

        end(&saved);
        remove_dir(dir);
}
END_TEST

/* ---------------------------------------------------------------------------------------------
 * Reload: one rule of 400 changes */

/* 100 watches; a never rule on unlinkat (auid); 198 openat rules; an always rule on unlinkat;
 * 100 more openat rules. Openat rule `renamed` (if any) has its key renamed. */
#define NO_RENAME 1000u
static ak_ruleset *reload_set(const char *dir, unsigned renamed, unsigned auid) {
        _cleanup_free_ char *text = NULL;
        ak_ruleset *rs;
        strbuf b = {};

        for (unsigned i = 0; i < 100; i++)
                strbuf_printf(&b, "-w %s/r%03u -p wa -k w%u\n", dir, i, i);
        strbuf_printf(&b, "-a never,exit -F arch=b64 -S unlinkat -F auid=%u\n", auid);
        for (unsigned i = 0; i < 298; i++) {
                if (i == 198)
                        strbuf_puts(&b, "-a always,exit -F arch=b64 -S unlinkat -k unlink\n");
                strbuf_printf(&b, "-a always,exit -F arch=b64 -S openat -F uid=%u -k s%u%s\n", 30000 + i, i,
                              i == renamed ? "-renamed" : "");
        }
        text = strbuf_steal(&b);
        ck_assert_ptr_nonnull(text);
        rs = rules_from("reload.rules", text);
        ck_assert_uint_eq(rs->n_rules, 400);
        return rs;
}

/* Indices in the 400-rule set. */
#define RL_NEVER 100
#define RL_UNLINK (101 + 198)
static size_t rl_openat(unsigned i) {
        return i < 198 ? 101 + i : 102 + i;
}

static ak_nl *reload_begin(ak_kstate *saved, char **dir, ak_ruleset **old) {
        ak_sync_report rep;
        ak_kstate now;
        ak_nl *nl;

        begin(saved);
        *dir = make_dir();
        *old = reload_set(*dir, NO_RENAME, 1500);
        nl = open_nl();
        ck_assert_int_eq(ak_sync(nl, *old, NULL, 0, TIMEOUT_USEC, &rep), 0);
        ck_assert_uint_eq(rep.added, 400);
        ck_assert_uint_eq(rep.n_pending + rep.n_failed, 0);
        ak_sync_report_done(&rep);
        now = snapshot();
        assert_exact(&now, *old);
        ak_kstate_done(&now);
        return nl;
}

static ssize_t op_index(const ak_plan *p, ak_op_type t) {
        for (size_t i = 0; i < p->n_ops; i++)
                if (p->ops[i].type == t)
                        return (ssize_t) i;
        return -1;
}

/* A key changes: the new rule goes in, then the old one goes out; none of the other 399 moves.
 * The renamed rule overlaps only the watches (always rules on every syscall, all above it in the
 * file), and its order relative to them decides only the key: it is appended (design: "such a
 * rule is appended"), which leaves no rule out of file order. Loop 0 renames a rule in the lower
 * part of the file, loop 1 one in the upper part. */
START_TEST(test_reload_one_key) {
        static const unsigned which[] = { 150, 20 };
        _cleanup_(ak_ruleset_freep) ak_ruleset *old = NULL, *new = NULL;
        _cleanup_(ak_nl_freep) ak_nl *nl = NULL;
        ak_kstate saved = {}, now;
        ak_sync_report rep;
        size_t changed = rl_openat(which[_i]), inv;
        ssize_t ia, id;
        char *dir;

        nl = reload_begin(&saved, &dir, &old);
        new = reload_set(dir, which[_i], 1500);

        sync_ok(nl, new, AK_FOREIGN_REMOVE, &rep);
        ck_assert_uint_eq(n_ops_of(rep.plan, AK_OP_DEL_RULE), 1);
        ck_assert_uint_eq(n_ops_of(rep.plan, AK_OP_ADD_RULE), 1);
        ck_assert_uint_eq(rep.plan->n_ops, 2);
        ck_assert_uint_eq(rep.plan->n_moved, 0);
        ia = op_index(rep.plan, AK_OP_ADD_RULE);
        id = op_index(rep.plan, AK_OP_DEL_RULE);
        ck_assert_int_lt(ia, id);       /* no gap: the new form goes in first */
        ck_assert(ak_rule_equal(rep.plan->ops[ia].rule, &new->rules[changed]));
        ck_assert(ak_rule_equal(rep.plan->ops[id].rule, &old->rules[changed]));
        ck_assert_uint_eq(rep.added, 1);
        ck_assert_uint_eq(rep.removed, 1);

        now = snapshot();
        assert_same_set(&now, new);
        assert_recording_equivalent(&now, new);
        inv = key_inversions(&now, new);
        printf("renamed rule %zu: %s at kernel position %zd; %zu key-order inversions, reported keys only %zu\n",
               changed, rep.plan->ops[ia].prepend ? "prepended" : "appended", pos_of(&now, &new->rules[changed]),
               inv, rep.plan->n_keys_only);
        ck_assert_msg(!rep.plan->ops[ia].prepend && inv == 0 && rep.plan->n_keys_only == 0,
                      "the renamed rule %zu was %s: %zu rules now precede or follow it out of file order "
                      "(appending it would leave none)", changed,
                      rep.plan->ops[ia].prepend ? "prepended above the 100 watches" : "appended", inv);
        ak_sync_report_done(&rep);
        ak_kstate_done(&now);
        assert_settled(nl, new, AK_FOREIGN_REMOVE);

        end(&saved);
        remove_dir(dir);
}
END_TEST

/* The never rule changes (auid 1500 -> 1600). The new one must sit below the watches (always
 * rules on every syscall) and above the always rule on unlinkat: neither end of the list works,
 * so one rule must move, and one is the fewest: the always rule on unlinkat goes to the tail
 * (2 deletes: the old never rule and the moved one; 2 adds). */
START_TEST(test_reload_forced_move) {
        _cleanup_(ak_ruleset_freep) ak_ruleset *old = NULL, *new = NULL;
        _cleanup_(ak_nl_freep) ak_nl *nl = NULL;
        ak_kstate saved = {}, now;
        ak_sync_report rep;
        ssize_t pn, pu;
        char *dir;

        nl = reload_begin(&saved, &dir, &old);
        new = reload_set(dir, NO_RENAME, 1600);

        sync_ok(nl, new, AK_FOREIGN_REMOVE, &rep);
        ck_assert_uint_eq(rep.plan->n_moved, 1);
        ck_assert_uint_eq(n_ops_of(rep.plan, AK_OP_DEL_RULE), 2);
        ck_assert_uint_eq(n_ops_of(rep.plan, AK_OP_ADD_RULE), 2);
        ck_assert_uint_eq(rep.plan->n_ops, 4);
        /* the new never rule goes in before anything goes out */
        ck_assert_int_eq(rep.plan->ops[0].type, AK_OP_ADD_RULE);
        ck_assert(ak_rule_equal(rep.plan->ops[0].rule, &new->rules[RL_NEVER]));
        for (size_t i = 0; i < rep.plan->n_ops; i++)
                if (rep.plan->ops[i].type == AK_OP_DEL_RULE)
                        ck_assert(ak_rule_equal(rep.plan->ops[i].rule, &old->rules[RL_NEVER]) ||
                                  ak_rule_equal(rep.plan->ops[i].rule, &new->rules[RL_UNLINK]));
        ck_assert_uint_eq(rep.added, 2);
        ck_assert_uint_eq(rep.removed, 2);
        ak_sync_report_done(&rep);

        now = snapshot();
        assert_same_set(&now, new);
        assert_recording_equivalent(&now, new);
        pn = pos_of(&now, &new->rules[RL_NEVER]);
        pu = pos_of(&now, &new->rules[RL_UNLINK]);
        printf("never rule at %zd, always unlinkat at %zd of %zu\n", pn, pu, now.n_rules);
        ck_assert_int_lt(pn, pu);
        for (size_t i = 0; i < 100; i++)
                ck_assert_int_lt(pos_of(&now, &new->rules[i]), pn);
        ck_assert_int_lt(pos_of(&now, &old->rules[RL_NEVER]), 0);
        ak_kstate_done(&now);
        assert_settled(nl, new, AK_FOREIGN_REMOVE);

        end(&saved);
        remove_dir(dir);
}
END_TEST

/* The no-gap property, measured: run the one-key reload's plan op by op and list the kernel after
 * each. No desired rule that was in force is ever absent, and the changed rule always has its old
 * or its new form in force. */
START_TEST(test_reload_no_gap_measured) {
        _cleanup_(ak_ruleset_freep) ak_ruleset *old = NULL, *new = NULL;
        _cleanup_(ak_nl_freep) ak_nl *nl = NULL;
        _cleanup_free_ uint8_t *was_in = NULL;
        ak_plan_opts o = { .foreign = AK_FOREIGN_REMOVE };
        ak_kstate saved = {}, now;
        ak_sync_report rep;
        char *dir;

        nl = reload_begin(&saved, &dir, &old);
        new = reload_set(dir, 150, 1500);

        ck_assert_int_eq(ak_sync(nl, new, &o, 1 /* dry run: plan only */, TIMEOUT_USEC, &rep), 0);
        print_plan("dry run", rep.plan);
        ck_assert_uint_eq(rep.plan->n_ops, 2);
        was_in = calloc(new->n_rules, 1);
        ck_assert_ptr_nonnull(was_in);
        for (size_t i = 0; i < new->n_rules; i++)
                for (size_t k = 0; k < rep.before.n_rules; k++)
                        if (ak_rule_equal(&new->rules[i], &rep.before.rules[k]))
                                was_in[i] = 1;

        for (size_t step = 0; step < rep.plan->n_ops; step++) {
                size_t missing = 0;

                ck_assert_int_eq(ak_nl_execute(nl, &rep.plan->ops[step], 1, TIMEOUT_USEC), 0);
                ck_assert_int_eq(rep.plan->ops[step].error, 0);
                now = snapshot();
                for (size_t i = 0; i < new->n_rules; i++)
                        if (was_in[i] && pos_of(&now, &new->rules[i]) < 0)
                                missing++;
                printf("after op %zu (%s): %zu rules listed, %zu desired rules missing\n", step,
                       rep.plan->ops[step].type == AK_OP_ADD_RULE ? "add" : "del", now.n_rules, missing);
                ck_assert_uint_eq(missing, 0);
                ck_assert_msg(pos_of(&now, &new->rules[rl_openat(150)]) >= 0 ||
                              pos_of(&now, &old->rules[rl_openat(150)]) >= 0,
                              "after op %zu neither form of the changed rule is in force", step);
                if (step + 1 == rep.plan->n_ops) {
                        assert_same_set(&now, new);
                        assert_recording_equivalent(&now, new);
                }
                ak_kstate_done(&now);
        }
        ak_sync_report_done(&rep);
        assert_settled(nl, new, AK_FOREIGN_REMOVE);

        end(&saved);
        remove_dir(dir);
}
END_TEST

/* ------------------------------------------------------------------------------------------ */

/* Runs in the runner's process (an unchecked fixture): take the lock for the whole run, so that
 * the forked tests inherit it, and remember the state from before. */
static void take_lock(void) {
        if (have_baseline)
                return;
        kstate_save(&baseline);
        have_baseline = 1;
}

int main(void) {
        Suite *s = suite_create("apply");
        TCase *tc;
        SRunner *sr;
        ak_kstate now = {};
        int failed;

        /* A failing test ends its process with _exit: keep what it printed. */
        setvbuf(stdout, NULL, _IOLBF, 0);

        if (!kstate_usable()) {
                fprintf(stderr, "skipped: needs root with CAP_AUDIT_CONTROL in the initial namespaces and an unlocked kernel\n");
                return 77;
        }
        if (access("/usr/sbin/auditctl", X_OK) != 0) {
                fprintf(stderr, "skipped: auditctl (package auditd) is not installed\n");
                return 77;
        }
        if (access(ctl(), X_OK) != 0) {
                fprintf(stderr, "skipped: %s is not built (set AK_BUILDDIR)\n", ctl());
                return 77;
        }

        tc = tcase_create("twice");
        tcase_add_unchecked_fixture(tc, take_lock, NULL);
        tcase_set_timeout(tc, 180);
        tcase_add_test(tc, test_apply_twice_1000);
        suite_add_tcase(s, tc);

        tc = tcase_create("repair");
        tcase_add_unchecked_fixture(tc, take_lock, NULL);
        tcase_set_timeout(tc, 60);
        tcase_add_test(tc, test_repair_deleted_rule);
        tcase_add_test(tc, test_repair_foreign_never);
        tcase_add_test(tc, test_repair_swapped_pair);
        tcase_add_test(tc, test_repair_backlog);
        tcase_add_test(tc, test_repair_foreign_keep);
        suite_add_tcase(s, tc);

        tc = tcase_create("cli");
        tcase_add_unchecked_fixture(tc, take_lock, NULL);
        tcase_set_timeout(tc, 60);
        tcase_add_test(tc, test_cli);
        tcase_add_test(tc, test_cli_fail_safe);
        suite_add_tcase(s, tc);

        tc = tcase_create("reload");
        tcase_add_unchecked_fixture(tc, take_lock, NULL);
        tcase_set_timeout(tc, 120);
        tcase_add_loop_test(tc, test_reload_one_key, 0, 2);
        tcase_add_test(tc, test_reload_forced_move);
        tcase_add_test(tc, test_reload_no_gap_measured);
        suite_add_tcase(s, tc);

        if (!mkdtemp(run_dir) || chmod(run_dir, 0755) < 0) {
                perror("mkdtemp");
                return 1;
        }
        sr = srunner_create(s);
        srunner_run_all(sr, CK_ENV);
        failed = srunner_ntests_failed(sr);
        srunner_free(sr);

        /* A test that failed half-way left its changes: put the state from before back. */
        if (have_baseline && kstate_query(&now) == 0 && !state_same(&now, &baseline)) {
                fprintf(stderr, "the kernel differs from the state before the tests: restoring it\n");
                if (kstate_restore(&baseline) < 0)
                        fprintf(stderr, "failed to restore the kernel state\n");
        }
        ak_kstate_done(&now);
        ak_kstate_done(&baseline);
        run("rm -rf '%s'", run_dir);
        return failed ? 1 : 0;
}
