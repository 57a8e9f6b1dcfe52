/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* daemon/compat-bus.c: the CompatLevel and Compat properties, and the explanation Diff appends to
 * a rule that the other level's auditctl loaded. */
#include <check.h>

#include "test-util.h"
#include <stdlib.h>
#include <string.h>

#include "compat-bus.h"

static ak_ruleset *load(int level) {
        static const char text[] = "-a always,exit -F arch=b64 -F perm=wa -k t1\n-a always,exit -F arch=b64 -S openat -k same\n";
        ak_ruleset *rs = NULL;

        ck_assert_int_eq(ak_ruleset_new(&rs), 0);
        ak_ruleset_set_compat(rs, level, AK_COMPAT_ORIGIN_COMMAND_LINE, NULL);
        ck_assert_int_ge(ak_ruleset_add_text(rs, "t.rules", text, strlen(text)), 0);
        return rs;
}

START_TEST(test_properties)
{
        Manager m = {};

        ck_assert_uint_eq(manager_compat_level(&m), 0);
        ck_assert_str_eq(manager_compat_text(&m), "");
        m.want = load(3);
        ck_assert_uint_eq(manager_compat_level(&m), 3);
        ck_assert_str_eq(manager_compat_text(&m), "3 (auditctl 3.0.9 meaning), from --compat=3");
        ak_ruleset_free(m.want);
}
END_TEST

START_TEST(test_annotate)
{
        Manager m = { .want = load(4) };
        ak_rule old = {}, plain = {};
        ak_op del = { .type = AK_OP_DEL_RULE }, add = { .type = AK_OP_ADD_RULE };
        char *line;

        /* the level-3 encoding of line 1 in the kernel: explained */
        ck_assert_int_eq(ak_rule_from_text_compat("-a always,exit -F arch=b64 -F perm=wa -k t1", 3, &old, NULL, NULL), 0);
        del.rule = &old;
        line = manager_compat_annotate(&m, &del, strdup("- RULE"));
        ck_assert_msg(strncmp(line, "- RULE (t.rules:1 as auditctl 3.0.9 encodes it (compat level 3), not as compat level 4 "
                                    "(auditctl 4.0.2) does: -F perm=wa with arch x86_64: auditctl 4.0.2 limits the rule to the 38 ",
                              strlen("- RULE (t.rules:1 as auditctl 3.0.9 encodes it (compat level 3), not as compat level 4 "
                                     "(auditctl 4.0.2) does: -F perm=wa with arch x86_64: auditctl 4.0.2 limits the rule to the 38 ")) == 0,
                      "%s", line);
        free(line);
        /* an add, or a rule that no level explains: unchanged */
        add.rule = &old;
        line = manager_compat_annotate(&m, &add, strdup("+ RULE"));
        ck_assert_str_eq(line, "+ RULE");
        free(line);
        ck_assert_int_eq(ak_rule_from_text_compat("-a always,exit -F arch=b64 -S openat -k same", 3, &plain, NULL, NULL), 0);
        del.rule = &plain;
        line = manager_compat_annotate(&m, &del, strdup("- RULE"));
        ck_assert_str_eq(line, "- RULE");
        free(line);
        ck_assert_ptr_null(manager_compat_annotate(&m, &del, NULL));
        ak_rule_done(&old);
        ak_rule_done(&plain);
        ak_ruleset_free(m.want);
}
END_TEST

static Suite *compat_bus_suite(void) {
        Suite *s = suite_create("compat-bus");
        TCase *tc = tcase_create("compat-bus");

        tcase_add_test(tc, test_properties);
        tcase_add_test(tc, test_annotate);
        suite_add_tcase(s, tc);
        return s;
}

AK_TEST_MAIN(compat_bus_suite)
