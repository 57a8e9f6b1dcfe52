/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* lib/analyze.c: what rules cost the kernel, each finding of dead and shadowed rules at its line
 * (and that clean rules get none), and the kernel command line's notes. Rules are compiled at
 * level 4.1 from text; the file system is the test's own callbacks. */
#include <check.h>

#include "test-util.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/audit.h>

#include "auditkeep/ak-analyze.h"
#include "auditkeep/ak-rules.h"
#include "tables.h"

/* Parse text as the file "t.rules" (no error allowed) and analyse it. */
static ak_ruleset *analyse(const char *text, const ak_analyze_opts *o, ak_analysis *a) {
        ak_ruleset *rs;

        ck_assert_int_eq(ak_ruleset_new(&rs), 0);
        ak_ruleset_set_compat(rs, AK_COMPAT_41, AK_COMPAT_ORIGIN_COMMAND_LINE, NULL);
        ck_assert_int_eq(ak_ruleset_add_text(rs, "t.rules", text, strlen(text)), 0);
        ck_assert_msg(rs->n_errors == 0, "%zu errors: %s", rs->n_errors, rs->n_diags ? rs->diags[0].message : "");
        ck_assert_int_eq(ak_analyze(rs, o, a), 0);
        return rs;
}

/* The findings as "LINE:COL:kind:message" lines, for assertions and messages. */
static char *findings(const ak_analysis *a) {
        size_t size = 1;
        char *s;

        for (size_t i = 0; i < a->n_diags; i++)
                size += strlen(a->diags[i].message) + 40;
        s = calloc(1, size);
        ck_assert_ptr_nonnull(s);
        for (size_t i = 0; i < a->n_diags; i++)
                sprintf(s + strlen(s), "%u:%u:%s:%s\n", a->diags[i].line, a->diags[i].column,
                        a->diags[i].warning == AK_DIAG_NOTE ? "note" : "warning", a->diags[i].message);
        return s;
}

/* Exactly one finding, at line:col of kind, whose message has every `needles` (NULL-ended). */
static void expect_one(const ak_analysis *a, unsigned line, unsigned col, int kind, const char *const *needles) {
        char *all = findings(a);

        ck_assert_msg(a->n_diags == 1, "expected one finding, got:\n%s", all);
        ck_assert_msg(a->diags[0].line == line && a->diags[0].column == col && a->diags[0].warning == kind,
                      "at the wrong place or kind:\n%s", all);
        for (const char *const *n = needles; *n; n++)
                ck_assert_msg(strstr(a->diags[0].message, *n), "'%s' not in:\n%s", *n, all);
        free(all);
}

static void done(ak_ruleset *rs, ak_analysis *a) {
        ak_analysis_done(a);
        ak_ruleset_free(rs);
}

/* ------------------------------------------------------------------------------------------ */
/* dead and shadowed rules */

START_TEST(test_never_hides_later_rule) {
        ak_analysis a;
        ak_ruleset *rs = analyse("-a never,exit -F arch=b64 -S all -F auid=unset\n"
                                 "-a always,exit -F arch=b64 -S openat -F auid=unset -F success=0 -k hidden\n"
                                 "-a always,exit -F arch=b64 -S openat -F auid>=1000 -k seen\n"
                                 "-w /etc/passwd -p wa -k watch\n", NULL, &a);

        /* line 2 only: line 3 asks another auid, the watch any auid */
        expect_one(&a, 2, 1, 1, (const char *const[]) { "never reached", "t.rules:1", "exit list", NULL });
        done(rs, &a);
}
END_TEST

START_TEST(test_never_hides_watches) {
        ak_analysis a;
        ak_ruleset *rs = analyse("-w /etc/shadow -p wa -k before\n"
                                 "-a never,exit -S all\n"
                                 "-w /etc/passwd -p wa -k after\n", NULL, &a);

        /* watches sit in the kernel's inode hash, but one priority order (the list's) decides */
        expect_one(&a, 3, 1, 1, (const char *const[]) { "never reached", "t.rules:2", NULL });
        done(rs, &a);
}
END_TEST

START_TEST(test_never_narrower_hides_nothing) {
        ak_analysis a;
        ak_ruleset *rs = analyse("-a never,exit -F arch=b64 -S openat -F auid=unset -F uid=5\n"
                                 "-a always,exit -F arch=b64 -S openat,open -F auid=unset -k wider\n"
                                 "-a always,exit -F arch=b32 -S openat -F auid=unset -F uid=5 -k otherarch\n"
                                 "-a always,exit -F arch=b64 -S openat -F auid=unset -k before-is-fine\n", NULL, &a);
        char *all = findings(&a);

        /* line 2 has more syscalls than the never rule, line 3 another arch, line 4 fewer fields */
        ck_assert_msg(a.n_diags == 0, "nothing is hidden, got:\n%s", all);
        free(all);
        done(rs, &a);
}
END_TEST

START_TEST(test_never_after_is_fine_and_lists_apart) {
        ak_analysis a;
        ak_ruleset *rs = analyse("-a always,exit -F arch=b64 -S openat -k first\n"
                                 "-a never,exit -F arch=b64 -S all\n"
                                 "-a never,user -F uid=0\n"
                                 "-a always,user -F uid=0 -F auid=5\n", NULL, &a);

        /* the user list tests no syscall mask: the never rule covers line 4 whatever its mask */
        expect_one(&a, 4, 1, 1, (const char *const[]) { "never reached", "t.rules:3", "user list", NULL });
        done(rs, &a);
}
END_TEST

START_TEST(test_prepended_never_hides_earlier_line) {
        ak_analysis a;
        ak_ruleset *rs = analyse("-a always,exit -F arch=b64 -S execve -k exec\n"
                                 "-A never,exit -F arch=b64 -S execve\n", NULL, &a);

        /* -A puts it first in the kernel's list: the rule of line 1 is the hidden one */
        expect_one(&a, 1, 1, 1, (const char *const[]) { "never reached", "t.rules:2", NULL });
        done(rs, &a);
}
END_TEST

START_TEST(test_exclude_drops_asked_type) {
        ak_analysis a;
        ak_ruleset *rs = analyse("-a always,exit -F arch=b64 -S execve -k exec\n"
                                 "-a always,exit -F arch=b64 -S openat -k open\n"
                                 "-a never,exclude -F msgtype=EXECVE\n", NULL, &a);

        expect_one(&a, 1, 1, 1, (const char *const[]) { "EXECVE records are dropped", "t.rules:3", NULL });
        done(rs, &a);
}
END_TEST

START_TEST(test_exclude_of_syscall_records) {
        ak_analysis a;
        ak_ruleset *rs = analyse("-w /etc/passwd -p wa -k w\n"
                                 "-a always,exclude -F msgtype>=1300 -F msgtype<=1302\n", NULL, &a);
        char *all = findings(&a);

        /* the watch asks for SYSCALL and PATH: both dropped (any match on the exclude list drops) */
        ck_assert_msg(a.n_diags == 2 && strstr(all, "1:1:warning:its SYSCALL records") &&
                      strstr(all, "the rule records nothing") &&
                      strstr(all, "1:1:warning:its PATH records"), "got:\n%s", all);
        free(all);
        done(rs, &a);
}
END_TEST

START_TEST(test_exclude_conditional_is_not_reported) {
        ak_analysis a;
        ak_ruleset *rs = analyse("-a always,exit -F arch=b64 -S execve -k exec\n"
                                 "-a never,exclude -F msgtype=EXECVE -F uid=33\n"
                                 "-a never,exclude -F msgtype=CWD\n", NULL, &a);

        /* drops them for one user only; CWD nobody asks for by name */
        ck_assert_uint_eq(a.n_diags, 0);
        done(rs, &a);
}
END_TEST

static char **glob_stub(const char *pattern, void *userdata) {
        char **v = calloc(3, sizeof(char *));

        if (strcmp(pattern, "/srv/log/app[1-2].log") != 0)
                return v;
        v[0] = strdup("/srv/log/app1.log");
        v[1] = strdup("/srv/log/app2.log");
        return v;
}

static int exists_stub(const char *path, void *userdata) {
        return strcmp(path, "/missing") != 0 && strncmp(path, "/missing/", 9) != 0 && strncmp(path, "/etc/gone", 9) != 0;
}

START_TEST(test_glob_watch_suggests_names) {
        ak_analyze_opts o = { .glob = glob_stub, .path_exists = exists_stub };
        ak_analysis a;
        ak_ruleset *rs = analyse("-w /srv/log/app[1-2].log -p wa -k app\n", &o, &a);

        expect_one(&a, 1, 1, AK_DIAG_NOTE,
                   (const char *const[]) { "-w /srv/log/app1.log, -w /srv/log/app2.log", "same -p and -k", NULL });
        ck_assert_msg(rs->n_diags == 1 && strstr(rs->diags[0].message, "taken literally") && rs->diags[0].column == 4,
                      "the parser's warning on the path itself");
        done(rs, &a);
}
END_TEST

START_TEST(test_glob_audit_logs) {
        ak_analyze_opts o = { .glob = glob_stub };
        ak_analysis a;
        ak_ruleset *rs = analyse("## the guide's line\n-w /var/log/audit/audit[1-4].log -p wa -k audit-log\n", &o, &a);

        expect_one(&a, 2, 1, AK_DIAG_NOTE, (const char *const[]) { "nothing matches", "audit.log.1",
                                                                   "-w /var/log/audit/", NULL });
        done(rs, &a);
}
END_TEST

START_TEST(test_control_bytes_escaped) {
        ak_analyze_opts o = { .path_exists = exists_stub };
        ak_analysis a;
        ak_ruleset *rs = analyse("-w /etc/gone\x1b]0;x\x07 -p wa -k a\n", &o, &a);

        expect_one(&a, 1, 1, AK_DIAG_NOTE, (const char *const[]) { "'/etc/gone\\x1b]0;x\\x07' does not exist now", NULL });
        done(rs, &a);
}
END_TEST

START_TEST(test_foreign_arch) {
        const uint32_t host[] = { AUDIT_ARCH_X86_64, AUDIT_ARCH_I386 };
        ak_analyze_opts o = { .host_arches = host, .n_host_arches = 2 };
        ak_analysis a;
        ak_ruleset *rs = analyse("-a always,exit -F arch=b64 -S 1 -k native\n"
                                 "-a always,exit -F arch=i386 -S 1 -k compat\n"
                                 "-a always,exit -F arch=aarch64 -S 1 -k arm\n", &o, &a);

        expect_one(&a, 3, 1, 1, (const char *const[]) { "aarch64", "cannot run", NULL });
        done(rs, &a);
}
END_TEST

START_TEST(test_same_meaning_other_bytes) {
        ak_analysis a;
        ak_ruleset *rs = analyse("-a always,exit -F arch=b64 -S openat -F auid>=1000 -F uid=0 -k k\n"
                                 "-a always,exit -F uid=0 -F arch=b64 -F auid>=1000 -S openat -k k\n"
                                 "-a always,exit -F uid=0 -F arch=b64 -F auid>=1000 -S openat -k other-key\n",
                                 NULL, &a);

        /* line 3 differs in its key: another meaning (records are labelled otherwise) */
        expect_one(&a, 2, 1, 1, (const char *const[]) { "same rule as t.rules:1", "byte by byte", NULL });
        done(rs, &a);
}
END_TEST

START_TEST(test_missing_watch_paths) {
        ak_analyze_opts o = { .path_exists = exists_stub };
        ak_analysis a;
        ak_ruleset *rs = analyse("-w /etc/gone -p wa -k a\n"
                                 "-w /missing/file -p wa -k b\n"
                                 "-w /etc/passwd -p wa -k c\n", &o, &a);
        char *all = findings(&a);

        ck_assert_msg(a.n_diags == 2 && a.n_warnings == 0, "two notes, got:\n%s", all);
        ck_assert_msg(strstr(all, "1:1:note:'/etc/gone' does not exist now: the kernel keeps the watch"), "%s", all);
        ck_assert_msg(strstr(all, "2:1:note:neither '/missing/file' nor its directory exist now") &&
                      strstr(all, "until /missing exists"), "%s", all);
        free(all);
        done(rs, &a);
}
END_TEST

START_TEST(test_without_arch) {
        ak_analysis a;
        ak_ruleset *rs = analyse("-a always,exit -S openat -k noarch\n"
                                 "-a always,exit -F arch=b64 -S openat -k b64\n"
                                 "-a always,exit -F auid=5\n", NULL, &a);

        /* line 3 has every syscall: no number to misread */
        expect_one(&a, 1, 1, AK_DIAG_NOTE, (const char *const[]) { "-S without arch=", "those of x86_64 (b64)",
                                                                   "add -F arch=b64", NULL });
        ck_assert_uint_eq(a.cost.without_arch, 1);
        done(rs, &a);
}
END_TEST

START_TEST(test_mergeable) {
        ak_analysis a;
        ak_ruleset *rs = analyse("-a always,exit -F arch=b64 -S chmod -F auid>=1000 -k perm\n"
                                 "-a always,exit -F arch=b64 -S fchmod -F auid>=1000 -k perm\n"
                                 "-a always,exit -F arch=b64 -S fchmodat -F auid>=1000 -k perm\n"
                                 "-a always,exit -F arch=b64 -S chown -F auid>=1000 -k owner\n", NULL, &a);
        char *all = findings(&a);

        ck_assert_msg(a.n_diags == 2 && strstr(all, "2:1:note:same action, list, fields and key as t.rules:1") &&
                      strstr(all, "3:1:note:same action, list, fields and key as t.rules:1"), "got:\n%s", all);
        ck_assert_uint_eq(a.cost.mergeable, 2);
        ck_assert_uint_eq(a.cost.merge_groups, 1);
        free(all);
        done(rs, &a);
}
END_TEST

START_TEST(test_clean_rules_have_no_findings) {
        const uint32_t host[] = { AUDIT_ARCH_X86_64, AUDIT_ARCH_I386 };
        ak_analyze_opts o = { .host_arches = host, .n_host_arches = 2, .glob = glob_stub };
        ak_analysis a;
        char *path = NULL, *all;
        ak_ruleset *rs;

        /* the project's own rules, where nothing is dead or shadowed */
        ck_assert_int_gt(asprintf(&path, "%s/rules", getenv("AK_SRCDIR") ? getenv("AK_SRCDIR") : "."), 0);
        ck_assert_int_eq(ak_ruleset_new(&rs), 0);
        ck_assert_int_eq(ak_ruleset_add_source(rs, path), 0);
        ck_assert_uint_eq(rs->n_errors, 0);
        ck_assert_int_eq(ak_analyze(rs, &o, &a), 0);
        all = findings(&a);
        ck_assert_msg(a.n_diags == 0, "got:\n%s", all);
        /* its directory watches (-w DIR/ is dir= when DIR exists here) stay on the exit list, where
         * they are evaluated at every call; the file watches are in the inode hash */
        ck_assert_uint_eq(a.cost.all_syscalls, a.cost.exit_rules);
        ck_assert_uint_eq(a.cost.exit_rules + a.cost.inode_rules, rs->n_rules);
        ck_assert_uint_ge(a.cost.inode_rules, 20);
        free(all);
        free(path);
        done(rs, &a);
}
END_TEST

/* ------------------------------------------------------------------------------------------ */
/* cost */

START_TEST(test_cost_counts) {
        ak_analysis a;
        ak_ruleset *rs = analyse("-a always,exit -F arch=b64 -S openat,open -k a\n"
                                 "-a always,exit -F arch=b64 -S openat -F uid=0 -k b\n"
                                 "-a always,exit -F arch=b32 -S open -k c\n"
                                 "-a always,exit -F arch=b64 -S all -F auid=5 -k d\n"
                                 "-a always,exit -S openat -k noarch\n"
                                 "-a always,exit -F auid=7\n"
                                 "-w /etc/passwd -p wa -k w1\n"
                                 "-a always,exit -F path=/etc/shadow -F perm=wa -k w2\n"
                                 "-a never,user -F uid=0\n", NULL, &a);
        const ak_cost *c = &a.cost;
        const ak_cost_arch *b64 = NULL, *b32 = NULL;
        int openat = ak_syscall_from_name(AUDIT_ARCH_X86_64, "openat");

        ck_assert_uint_eq(c->exit_rules, 6);            /* the user rule and the two watches are elsewhere */
        ck_assert_uint_eq(c->inode_rules, 2);
        ck_assert_uint_eq(c->all_syscalls, 2);          /* -S all, and no -S */
        ck_assert_uint_eq(c->without_arch, 1);
        for (size_t i = 0; i < c->n_arch; i++) {
                if (c->arch[i].arch == AUDIT_ARCH_X86_64)
                        b64 = &c->arch[i];
                if (c->arch[i].arch == AUDIT_ARCH_I386)
                        b32 = &c->arch[i];
        }
        ck_assert_ptr_nonnull(b64);
        ck_assert_ptr_nonnull(b32);
        ck_assert_uint_eq(c->arch[0].arch, AUDIT_ARCH_X86_64);  /* the native arch first */
        /* b64: the -S all rule and the no -S rule at every call; openat also carries a, b, noarch */
        ck_assert_uint_eq(b64->every, 2);
        ck_assert_uint_eq(b64->top[0].nr, (uint32_t) openat);
        ck_assert_uint_eq(b64->top[0].rules, 3);
        ck_assert_uint_eq(b64->most, 5);
        /* b32: the no -S rule and d's -S all at every call (the kernel tests the mask whatever
         * the arch, then rejects d at its arch= field); the noarch rule's bit (x86_64's openat
         * number, with a's and b's), a's open (b64's number 2) and c's open */
        ck_assert_uint_eq(b32->every, 2);
        ck_assert_uint_eq(b32->every_other_arch, 1);
        ck_assert_uint_eq(b64->every_other_arch, 0);
        ck_assert_uint_eq(b32->n_top, 3);
        ck_assert_uint_eq(b32->most, 2 + 3);
        done(rs, &a);
}
END_TEST

/* A rule for another arch is still evaluated (up to its arch= field) wherever its mask has the
 * call's number: kernel/auditsc.c __audit_filter_op tests audit_in_mask() before the fields. */
START_TEST(test_cost_other_arch_rules) {
        ak_analysis a;
        ak_ruleset *rs = analyse("-a always,exit -F arch=b32 -S all -k a\n"
                                 "-a always,exit -F arch=b32 -S 2 -k b\n"
                                 "-a always,exit -F arch=b64 -S open -k c\n", NULL, &a);
        const ak_cost_arch *b64 = &a.cost.arch[0];
        char **lines = ak_cost_describe(&a.cost);

        ck_assert_uint_eq(b64->arch, AUDIT_ARCH_X86_64);
        ck_assert_uint_eq(b64->every, 1);
        ck_assert_uint_eq(b64->every_other_arch, 1);
        ck_assert_uint_eq(b64->top[0].nr, (uint32_t) ak_syscall_from_name(AUDIT_ARCH_X86_64, "open"));
        ck_assert_uint_eq(b64->top[0].rules, 2);
        ck_assert_uint_eq(b64->most, 3);
        ck_assert_ptr_nonnull(lines);
        ck_assert_msg(strstr(lines[1], "x86_64 (b64): 1 rule evaluated at every system call (1 of them rejected at their "
                                       "arch= field), 3 at the busiest (open 3)"), "%s", lines[1]);
        ak_strv_free(lines);
        done(rs, &a);
}
END_TEST

START_TEST(test_cost_describe_and_compute) {
        ak_ruleset *rs;
        ak_analysis a;
        ak_cost c;
        char **lines;

        rs = analyse("-a always,exit -F arch=b64 -S openat -k a\n-w /etc/passwd -p wa -k w\n", NULL, &a);
        /* the same numbers from the bare rules (the daemon's loaded set) */
        ak_cost_compute(rs->rules, rs->n_rules, 0, &c);
        ck_assert_uint_eq(c.exit_rules, a.cost.exit_rules);
        ck_assert_uint_eq(c.inode_rules, a.cost.inode_rules);
        ck_assert_uint_eq(c.arch[0].most, 1);
        lines = ak_cost_describe(&c);
        ck_assert_ptr_nonnull(lines);
        ck_assert_msg(strstr(lines[0], "exit list: 1 rule,") && strstr(lines[0], "1 watch "), "%s", lines[0]);
        ck_assert_msg(strstr(lines[1], "x86_64 (b64): 0 rules evaluated at every system call, 1 at the busiest (openat 1)"),
                      "%s", lines[1]);
        ck_assert_ptr_null(lines[2]);
        ak_strv_free(lines);
        done(rs, &a);
}
END_TEST

/* ------------------------------------------------------------------------------------------ */
/* the kernel command line */

START_TEST(test_cmdline) {
        ak_cmdline_audit c;
        char **n;

        ak_cmdline_audit_parse("BOOT_IMAGE=/vmlinuz root=/dev/sda1 ro quiet audit=1 audit_backlog_limit=8192\n", &c);
        ck_assert_int_eq(c.audit, 1);
        ck_assert_int_eq(c.backlog_limit, 8192);
        n = ak_cmdline_audit_notes(&c, 0);
        ck_assert_ptr_null(n[0]);
        ak_strv_free(n);

        ak_cmdline_audit_parse("root=/dev/sda1 ro quiet noaudit=1 xaudit_backlog_limit=5", &c);
        ck_assert_int_eq(c.audit, -1);
        ck_assert_int_eq(c.backlog_limit, -1);
        n = ak_cmdline_audit_notes(&c, 16384);
        ck_assert_msg(strstr(n[0], "no audit=1") && strstr(n[1], "no audit_backlog_limit="), "%s / %s", n[0], n[1]);
        ck_assert_str_eq(n[2], "on Debian: add audit=1 audit_backlog_limit=16384 to GRUB_CMDLINE_LINUX in "
                               "/etc/default/grub (GRUB_CMDLINE_LINUX=\"... audit=1 audit_backlog_limit=16384\"), "
                               "run update-grub and reboot");
        ck_assert_ptr_null(n[3]);
        ak_strv_free(n);

        ak_cmdline_audit_parse("audit=1 audit=off", &c);    /* the last one counts */
        ck_assert_int_eq(c.audit, 0);
        n = ak_cmdline_audit_notes(&c, 0);
        ck_assert_msg(strstr(n[0], "audit=0: auditing is off") && !n[1], "%s", n[0]);
        ak_strv_free(n);

        ak_cmdline_audit_parse("audit=on", &c);
        n = ak_cmdline_audit_notes(&c, 0);
        ck_assert_msg(strstr(n[0], "no audit_backlog_limit=") && strstr(n[1], "add audit_backlog_limit=8192 to") && !n[2],
                      "%s", n[0]);
        ak_strv_free(n);
}
END_TEST

static Suite *analyze_suite(void) {
        Suite *s = suite_create("analyze");
        TCase *tc = tcase_create("findings");

        tcase_add_test(tc, test_never_hides_later_rule);
        tcase_add_test(tc, test_never_hides_watches);
        tcase_add_test(tc, test_never_narrower_hides_nothing);
        tcase_add_test(tc, test_never_after_is_fine_and_lists_apart);
        tcase_add_test(tc, test_prepended_never_hides_earlier_line);
        tcase_add_test(tc, test_exclude_drops_asked_type);
        tcase_add_test(tc, test_exclude_of_syscall_records);
        tcase_add_test(tc, test_exclude_conditional_is_not_reported);
        tcase_add_test(tc, test_glob_watch_suggests_names);
        tcase_add_test(tc, test_glob_audit_logs);
        tcase_add_test(tc, test_foreign_arch);
        tcase_add_test(tc, test_control_bytes_escaped);
        tcase_add_test(tc, test_same_meaning_other_bytes);
        tcase_add_test(tc, test_missing_watch_paths);
        tcase_add_test(tc, test_without_arch);
        tcase_add_test(tc, test_mergeable);
        tcase_add_test(tc, test_clean_rules_have_no_findings);
        suite_add_tcase(s, tc);
        tc = tcase_create("cost");
        tcase_add_test(tc, test_cost_counts);
        tcase_add_test(tc, test_cost_other_arch_rules);
        tcase_add_test(tc, test_cost_describe_and_compute);
        suite_add_tcase(s, tc);
        tc = tcase_create("cmdline");
        tcase_add_test(tc, test_cmdline);
        suite_add_tcase(s, tc);
        return s;
}

AK_TEST_MAIN(analyze_suite)
