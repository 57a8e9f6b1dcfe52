/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* daemon/rules-elsewhere.c: does a host load its audit rules another way than augenrules? Each
 * case builds a small /etc under a temporary root: audit.rules with and without augenrules'
 * header, administrators' units and drop-ins that run auditctl -R, and what must not count. */
#include <check.h>
#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rules-elsewhere.h"
#include "test-util.h"
#include "util.h"

static char root[256];
static char rules_d[400], audit_rules[400];

static void put(const char *path, const char *text) {
        char full[700];
        FILE *f;

        snprintf(full, sizeof(full), "%s%s", root, path);
        for (char *p = full + strlen(root) + 1; (p = strchr(p, '/')); p++) {
                *p = '\0';
                ck_assert_msg(mkdir(full, 0755) == 0 || errno == EEXIST, "mkdir %s: %s", full, strerror(errno));
                *p = '/';
        }
        f = fopen(full, "we");
        ck_assert_msg(f, "%s: %s", full, strerror(errno));
        ck_assert_int_ge(fputs(text, f), 0);
        ck_assert_int_eq(fclose(f), 0);
}

static void setup(void) {
        snprintf(root, sizeof(root), "/tmp/ak-rules-elsewhere-XXXXXX");
        ck_assert_ptr_nonnull(mkdtemp(root));
        snprintf(rules_d, sizeof(rules_d), "%s/etc/audit/rules.d", root);
        snprintf(audit_rules, sizeof(audit_rules), "%s/etc/audit/audit.rules", root);
        put("/etc/audit/rules.d/audit.rules", "-D\n-b 8192\n-f 1\n");
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
        (void) remove(path);
        return 0;
}

static void teardown(void) {
        (void) nftw(root, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* What is found with the daemon reading rules.d (or `source`). */
static int find(const char *source, RulesElsewhere *ret) {
        return rules_elsewhere_find(root, source ? source : rules_d, ret);
}

START_TEST(test_nothing_elsewhere) {
        RulesElsewhere e;

        ck_assert_int_eq(find(NULL, &e), 0);
        ck_assert_str_eq(e.what, "");
        /* augenrules' own output */
        put("/etc/audit/audit.rules", AUGENRULES_HEADER "/etc/audit/rules.d\n-D\n-b 8192\n-f 1\n");
        ck_assert_int_eq(find(NULL, &e), 0);
        /* an empty file loads nothing */
        put("/etc/audit/audit.rules", "");
        ck_assert_int_eq(find(NULL, &e), 0);
        /* the stock auditd.service, or an admin's copy that still runs augenrules (remote
         * logging, as its comments suggest), with auditctl -R commented out */
        put("/etc/systemd/system/auditd.service",
            "[Service]\nExecStart=/sbin/auditd\nExecStartPost=-/sbin/augenrules --load\n"
            "#ExecStartPost=-/sbin/auditctl -R /etc/audit/audit.rules\n"
            "; ExecStartPost=-/sbin/auditctl -R /etc/audit/other.rules\n"
            "ExecStopPost=/sbin/auditctl -s\n");
        ck_assert_int_eq(find(NULL, &e), 0);
        /* other files in the unit directory */
        put("/etc/systemd/system/auditctl-R.timer", "[Timer]\nExecStart=/sbin/auditctl -R /x\n");
        put("/etc/systemd/system/multi-user.target.wants/x.conf", "ExecStart=/sbin/auditctl -R /x\n");
        ck_assert_int_eq(find(NULL, &e), 0);
}
END_TEST

START_TEST(test_hand_kept_audit_rules) {
        RulesElsewhere e;

        put("/etc/audit/audit.rules", "# mine\n-w /etc/shadow -p wa -k shadow\n");
        ck_assert_int_eq(find(NULL, &e), 1);
        ck_assert_str_eq(e.file, "/etc/audit/audit.rules");
        ck_assert_str_eq(e.what, "/etc/audit/audit.rules was not written by augenrules (its first line is not "
                                 "augenrules' \"automatically generated\" header)");
        /* when the daemon reads that file itself, it is no other way */
        ck_assert_int_eq(find(audit_rules, &e), 0);
}
END_TEST

START_TEST(test_admin_unit_runs_auditctl) {
        RulesElsewhere e;

        put("/etc/systemd/system/auditd.service",
            "[Service]\nExecStart=/sbin/auditd\n#ExecStartPost=-/sbin/augenrules --load\n"
            "ExecStartPost=-/sbin/auditctl -R /etc/audit/audit.rules\n");
        ck_assert_int_eq(find(NULL, &e), 1);
        ck_assert_str_eq(e.file, "/etc/audit/audit.rules");
        ck_assert_str_eq(e.what, "/etc/systemd/system/auditd.service runs 'auditctl -R /etc/audit/audit.rules'");
        /* the unit first, even when audit.rules lacks the header too */
        put("/etc/audit/audit.rules", "-w /etc/shadow -p wa\n");
        ck_assert_int_eq(find(NULL, &e), 1);
        ck_assert_str_eq(e.what, "/etc/systemd/system/auditd.service runs 'auditctl -R /etc/audit/audit.rules'");
        /* a unit that loads the file the daemon reads itself is no other way */
        ck_assert_int_eq(find(audit_rules, &e), 0);
}
END_TEST

START_TEST(test_dropin_and_shell_forms) {
        RulesElsewhere e;

        put("/etc/systemd/system/auditd.service.d/rules.conf",
            "[Service]\nExecStartPost=\nExecStartPost=/bin/sh -c \"/usr/sbin/auditctl -R /etc/audit/mine.rules\"\n");
        ck_assert_int_eq(find(NULL, &e), 1);
        ck_assert_str_eq(e.file, "/etc/audit/mine.rules");
        ck_assert_str_eq(e.what, "/etc/systemd/system/auditd.service.d/rules.conf runs 'auditctl -R /etc/audit/mine.rules'");
        teardown();
        setup();
        put("/etc/systemd/system/load-audit.service", "[Service]\nType=oneshot\n  ExecStart=+auditctl -R/srv/audit.rules\n");
        ck_assert_int_eq(find(NULL, &e), 1);
        ck_assert_str_eq(e.file, "/srv/audit.rules");
        /* only .conf files of a drop-in directory count */
        teardown();
        setup();
        put("/etc/systemd/system/auditd.service.d/rules.conf.disabled", "ExecStartPost=/sbin/auditctl -R /x\n");
        ck_assert_int_eq(find(NULL, &e), 0);
}
END_TEST

static Suite *rules_elsewhere_suite(void) {
        Suite *s = suite_create("rules-elsewhere");
        TCase *tc = tcase_create("rules-elsewhere");

        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_add_test(tc, test_nothing_elsewhere);
        tcase_add_test(tc, test_hand_kept_audit_rules);
        tcase_add_test(tc, test_admin_unit_runs_auditctl);
        tcase_add_test(tc, test_dropin_and_shell_forms);
        suite_add_tcase(s, tc);
        return s;
}

AK_TEST_MAIN(rules_elsewhere_suite)
