/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* lib/fields.c: the field table that -F reads by (parse-field.c) and ak_rule_format() writes by
 * (format.c). Every named field, with a value of its kind on a list the table allows, reads into
 * a rule whose text reads back into the same bytes, at both compatibility levels; and the -C
 * table maps each comparison to its two fields and back. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/audit.h>

#include "auditkeep/ak-rules.h"
#include "fields.h"
#include "macro.h"
#include "rule-internal.h"
#include "tables.h"
#include "test-util.h"

/* A value of each kind that every host reads the same (no user or group names). */
static const char *const sample_values[_AK_VALUE_MAX] = {
        [AK_VALUE_NUMBER] = "7", [AK_VALUE_ARG] = "-1", [AK_VALUE_SESSION] = "unset", [AK_VALUE_FAMILY] = "2",
        [AK_VALUE_BOOL] = "1", [AK_VALUE_UID] = "1000", [AK_VALUE_GID] = "100", [AK_VALUE_ERRNO] = "-EACCES",
        [AK_VALUE_MSGTYPE] = "SYSCALL", [AK_VALUE_STRING] = "unconfined_t", [AK_VALUE_PATH] = "/etc/passwd",
        [AK_VALUE_KEY] = "k", [AK_VALUE_ARCH] = "b64", [AK_VALUE_PERM] = "wa", [AK_VALUE_FTYPE] = "dir",
        [AK_VALUE_FSTYPE] = "debugfs", [AK_VALUE_COMPARE] = "1",
};

/* The first list the table allows the field on, the exit list if any. */
static uint32_t field_list(const ak_field_spec *spec) {
        if (!spec->lists || (spec->lists & AK_LIST_BIT(AUDIT_FILTER_EXIT)))
                return AUDIT_FILTER_EXIT;
        for (uint32_t l = 0; l < 8; l++)
                if (spec->lists & AK_LIST_BIT(l))
                        return l;
        return AUDIT_FILTER_EXIT;
}

static void roundtrip(const char *text, int level) {
        ak_rule r = {}, back = {};
        char *msg = NULL, *out;
        unsigned col = 0;

        ck_assert_msg(ak_rule_from_text_compat(text, level, &r, &msg, &col) == 0, "level %d: %s: %s", level, text,
                      msg ? msg : "?");
        out = ak_rule_format_flags(&r, AK_FORMAT_NO_STAT);
        ck_assert_ptr_nonnull(out);
        ck_assert_msg(ak_rule_from_text_compat(out, level, &back, &msg, &col) == 0, "level %d: %s -> %s: %s", level, text,
                      out, msg ? msg : "?");
        ck_assert_msg(ak_rule_equal(&r, &back), "level %d: %s -> %s reads back otherwise", level, text, out);
        ak_rule_done(&r);
        ak_rule_done(&back);
        free(out);
}

START_TEST(test_every_field_reads_back)
{
        size_t n;
        const char *const *names = ak_field_names(&n);

        for (size_t i = 0; i < n; i++) {
                int field = ak_field_from_name(names[i]);
                const ak_field_spec *spec;
                char text[256];

                ck_assert_int_ge(field, 0);
                spec = ak_field_spec_of((uint32_t) field);
                ck_assert_int_lt(spec->kind, _AK_VALUE_MAX);
                if (spec->kind == AK_VALUE_KEY)
                        snprintf(text, sizeof(text), "-a always,exit -S open -F key=%s", sample_values[spec->kind]);
                else
                        snprintf(text, sizeof(text), "-a always,%s -F %s=%s", ak_list_name(field_list(spec)), names[i],
                                 sample_values[spec->kind]);
                roundtrip(text, AK_COMPAT_3);
                roundtrip(text, AK_COMPAT_4);
        }
}
END_TEST

/* Plain numbers are unsigned both ways: the largest reads back (it was written as -1, which -F
 * refuses for these fields). */
START_TEST(test_largest_plain_numbers_read_back)
{
        static const char *const lines[] = {
                "-a always,exit -S kill -F pid=4294967295",
                "-a always,exit -S kill -F ppid=2147483648",
                "-a always,exit -S open -F devmajor=4294967295",
                "-a always,exit -S open -F inode=4294967295",
        };

        for (size_t i = 0; i < ELEMENTSOF(lines); i++) {
                roundtrip(lines[i], AK_COMPAT_3);
                roundtrip(lines[i], AK_COMPAT_4);
        }
}
END_TEST

/* Off the table: a plain number on any list. */
START_TEST(test_unlisted_field)
{
        const ak_field_spec *spec = ak_field_spec_of(999);

        ck_assert_int_eq(spec->kind, AK_VALUE_NUMBER);
        ck_assert_int_eq(spec->lists, 0);
        ck_assert_int_eq(ak_field_spec_of(AUDIT_PID)->kind, AK_VALUE_NUMBER);
        ck_assert_int_eq(ak_field_is_string(AUDIT_WATCH), 1);
        ck_assert_int_eq(ak_field_is_string(AUDIT_FILTERKEY), 1);
        ck_assert_int_eq(ak_field_is_string(AUDIT_UID), 0);
        ck_assert_int_eq(ak_field_is_string(999), 0);
}
END_TEST

START_TEST(test_compare_pairs)
{
        int seen = 0;

        for (uint32_t code = 0; code <= AUDIT_MAX_FIELD_COMPARE + 1; code++) {
                uint32_t l, r;
                char text[128];

                if (ak_compare_fields(code, &l, &r) < 0)
                        continue;
                seen++;
                ck_assert_int_eq(ak_compare_code(l, r), (int) code);
                ck_assert_int_eq(ak_compare_code(r, l), (int) code);
                snprintf(text, sizeof(text), "-a always,exit -S all -C %s!=%s", ak_field_to_name(l), ak_field_to_name(r));
                roundtrip(text, AK_COMPAT_3);
        }
        ck_assert_int_eq(seen, AUDIT_MAX_FIELD_COMPARE);
        ck_assert_int_eq(ak_compare_code(AUDIT_UID, AUDIT_GID), -1);
        ck_assert_int_eq(ak_compare_code(AUDIT_PID, AUDIT_PID), -1);
}
END_TEST

static Suite *fields_suite(void) {
        Suite *s = suite_create("fields");
        TCase *tc = tcase_create("table");

        tcase_add_test(tc, test_every_field_reads_back);
        tcase_add_test(tc, test_unlisted_field);
        tcase_add_test(tc, test_largest_plain_numbers_read_back);
        tcase_add_test(tc, test_compare_pairs);
        suite_add_tcase(s, tc);
        return s;
}

AK_TEST_MAIN(fields_suite)
