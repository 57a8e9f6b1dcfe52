/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The one escaping rule (common/util.h text_char) and its writers: cescape() for terminals, the
 * journal and D-Bus, cescape_message() for whole messages, the JSON writer (common/json.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "json.h"
#include "test-util.h"
#include "util.h"

/* What the JSON writer writes for s. */
static char *json_of(const char *s) {
        char *out = NULL;
        size_t n = 0;
        FILE *f = open_memstream(&out, &n);

        ck_assert_ptr_nonnull(f);
        jw_put_string(f, s);
        fclose(f);
        return out;
}

/* The same string through both writers: one rule decides what is escaped. */
static const struct {
        const char *in, *text, *json;
} cases[] = {
        { "plain", "plain", "\"plain\"" },
        { "bogus\xc3\xa9", "bogus\xc3\xa9", "\"bogus\xc3\xa9\"" },                     /* valid UTF-8 stays */
        { "\xe6\x97\xa5\xe6\x9c\xac", "\xe6\x97\xa5\xe6\x9c\xac", "\"\xe6\x97\xa5\xe6\x9c\xac\"" },
        { "a\x1b[2Jb", "a\\x1b[2Jb", "\"a\\u001b[2Jb\"" },                              /* C0 */
        { "x\x7fy", "x\\x7fy", "\"x\\u007fy\"" },                                       /* DEL */
        { "x\xc2\x85y", "x\\xc2\\x85y", "\"x\\u0085y\"" },                              /* C1 (NEL) */
        { "ab\xe2\x80\xae" "cd", "ab\\xe2\\x80\\xae" "cd", "\"ab\\u202ecd\"" },         /* bidi override */
        { "audit\xe2\x80\x8b" "ctl", "audit\\xe2\\x80\\x8b" "ctl", "\"audit\\u200bctl\"" }, /* zero width */
        { "\xef\xbb\xbfx", "\\xef\\xbb\\xbfx", "\"\\ufeffx\"" },                        /* BOM */
        { "bad\xff", "bad\\xff", "\"bad\\udcff\"" },                                    /* invalid byte */
        { "\xc3(", "\\xc3(", "\"\\udcc3(\"" },                                          /* cut sequence */
        { "\xc0\xaf", "\\xc0\\xaf", "\"\\udcc0\\udcaf\"" },                             /* overlong */
        { "\xed\xa0\x80", "\\xed\\xa0\\x80", "\"\\udced\\udca0\\udc80\"" },             /* a surrogate */
        { "k\xef\xbf\xbf", "k\\xef\\xbf\\xbf", "\"k\\uffff\"" },                         /* noncharacter (F7) */
        { "\xef\xb7\x90", "\\xef\\xb7\\x90", "\"\\ufdd0\"" },                             /* noncharacter */
        { "\xf4\x8f\xbf\xbf", "\\xf4\\x8f\\xbf\\xbf", "\"\\udbff\\udfff\"" },             /* U+10FFFF: a pair */
        { "q\"b\\s", "q\"b\\\\s", "\"q\\\"b\\\\s\"" },                                  /* quote, backslash */
        { "a\xf3\xa0\x80\x81" "b", "a\\xf3\\xa0\\x80\\x81" "b", "\"a\\udb40\\udc01b\"" },           /* tag (astral) */
        { "x\xf3\xa0\x81\xbfy", "x\\xf3\\xa0\\x81\\xbfy", "\"x\\udb40\\udc7fy\"" },            /* cancel tag */
        { "a\xe1\xa0\x8e" "b", "a\\xe1\\xa0\\x8e" "b", "\"a\\u180eb\"" },                          /* Mongolian vowel sep. */
        { "\xe1\x85\x9f\xe1\x85\xa0", "\\xe1\\x85\\x9f\\xe1\\x85\\xa0", "\"\\u115f\\u1160\"" }, /* Hangul fillers */
        { "\xe3\x85\xa4\xef\xbe\xa0", "\\xe3\\x85\\xa4\\xef\\xbe\\xa0", "\"\\u3164\\uffa0\"" },
        { "\xf0\x9f\x98\x80", "\xf0\x9f\x98\x80", "\"\xf0\x9f\x98\x80\"" },                 /* astral, visible */
        { "", "", "\"\"" },
};

START_TEST(test_one_rule_two_writers) {
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                _cleanup_free_ char *text = cescape(cases[i].in), *json = json_of(cases[i].in);

                ck_assert_str_eq(text, cases[i].text);
                ck_assert_str_eq(json, cases[i].json);
                /* shown as it is exactly when nothing but backslashes would change */
                ck_assert_int_eq(string_is_clean(cases[i].in), strcmp(cases[i].in, cases[i].text) == 0 ||
                                 streq(cases[i].in, "q\"b\\s"));
        }
}
END_TEST

START_TEST(test_text_char) {
        size_t len;
        uint32_t cp;

        ck_assert_int_eq(text_char("\xc3\xa9", 2, &len, &cp), TEXT_SHOWN);
        ck_assert_uint_eq(len, 2);
        ck_assert_uint_eq(cp, 0xe9);
        ck_assert_int_eq(text_char("\xe2\x80\x8f", 3, &len, &cp), TEXT_HIDDEN);
        ck_assert_uint_eq(len, 3);
        ck_assert_uint_eq(cp, 0x200f);
        /* a sequence longer than what is left is not valid */
        ck_assert_int_eq(text_char("\xc3\xa9", 1, &len, &cp), TEXT_INVALID);
        ck_assert_uint_eq(len, 1);
        ck_assert_uint_eq(cp, 0xc3);
        ck_assert_int_eq(text_char("\xf4\x90\x80\x80", 4, &len, &cp), TEXT_INVALID);  /* above U+10FFFF */
}
END_TEST

/* A message quoting a token: one rule whatever the rest holds. What the rule hides is escaped,
 * a backslash stays ("a\ b" the same in a clean and an unclean message), and the rule leaves its
 * own output as it is (the daemon's log escapes messages that are escaped already). */
START_TEST(test_cescape_message) {
        static const struct {
                const char *in, *out;
        } m_cases[] = {
                { "unknown syscall 'bogus\xc3\xa9' in 'a\\ b'", "unknown syscall 'bogus\xc3\xa9' in 'a\\ b'" },
                { "unknown key '\x1b[2J' in 'a\\ b'", "unknown key '\\x1b[2J' in 'a\\ b'" },
                { "key '\\x01' \x01 'a\\\\b'", "key '\\x01' \\x01 'a\\\\b'" },
                { "end\\", "end\\" },
        };

        for (size_t i = 0; i < sizeof(m_cases) / sizeof(m_cases[0]); i++) {
                _cleanup_free_ char *m = cescape_message(strdup(m_cases[i].in));

                ck_assert_str_eq(m, m_cases[i].out);
                m = cescape_message(TAKE_PTR(m));       /* its own output stays as it is */
                ck_assert_str_eq(m, m_cases[i].out);
        }
        ck_assert_ptr_null(cescape_message(NULL));
}
END_TEST

/* A field value (the changer's "pid=... comm=..." line): nothing in it a person reads as a field
 * boundary or a name=: the Unicode spaces and the fullwidth equals sign escaped too. */
START_TEST(test_cescape_field) {
        _cleanup_free_ char *a = cescape_field_max("x\xe2\x80\x82" "auid\xef\xbc\x9d" "0", 64),
                            *b = cescape_field_max("a\xe2\x80\x8a" "b\xe3\x80\x80" "c d=e", 64),
                            *c = cescape_field_max("caf\xc3\xa9", 64);

        ck_assert_str_eq(a, "x\\xe2\\x80\\x82" "auid\\xef\\xbc\\x9d" "0");
        ck_assert_str_eq(b, "a\\xe2\\x80\\x8a" "b\\xe3\\x80\\x80" "c\\x20d\\x3de");
        ck_assert_str_eq(c, "caf\xc3\xa9");
}
END_TEST

static char *written(void (*fn)(json_writer *j)) {
        char *out = NULL;
        size_t n = 0;
        FILE *f = open_memstream(&out, &n);
        json_writer j;

        ck_assert_ptr_nonnull(f);
        jw_init(&j, f);
        fn(&j);
        fclose(f);
        return out;
}

static void nested(json_writer *j) {
        jw_object_begin(j);
        jw_kv_string(j, "state", "in sync");
        jw_kv_bool(j, "locked", 0);
        jw_kv_uint(j, "drift_events", UINT64_MAX);
        jw_key(j, "by");
        jw_null(j);
        jw_key(j, "sources");
        jw_array_begin(j);
        jw_array_end(j);
        jw_key(j, "problems");
        jw_array_begin(j);
        jw_object_begin(j);
        jw_kv_uint(j, "line", 1);
        jw_object_end(j);
        jw_object_begin(j);
        jw_kv_string(j, "fil\xc3\xa9", "a\nb");
        jw_object_end(j);
        jw_array_end(j);
        jw_object_end(j);
        jw_end(j);
}

static void top_array(json_writer *j) {
        jw_array_begin(j);
        jw_string(j, "x");
        jw_string(j, "y");
        jw_bool(j, 1);
        jw_array_end(j);
        jw_end(j);
}

START_TEST(test_writer_commas_and_nesting) {
        _cleanup_free_ char *a = written(nested), *b = written(top_array);

        ck_assert_str_eq(a, "{\"state\":\"in sync\",\"locked\":false,\"drift_events\":18446744073709551615,\"by\":null,"
                            "\"sources\":[],\"problems\":[{\"line\":1},{\"fil\xc3\xa9\":\"a\\u000ab\"}]}\n");
        ck_assert_str_eq(b, "[\"x\",\"y\",true]\n");
}
END_TEST

static Suite *escape_suite(void) {
        Suite *s = suite_create("escape");
        TCase *tc = tcase_create("rule");

        tcase_add_test(tc, test_one_rule_two_writers);
        tcase_add_test(tc, test_text_char);
        tcase_add_test(tc, test_cescape_message);
        tcase_add_test(tc, test_cescape_field);
        tcase_add_test(tc, test_writer_commas_and_nesting);
        suite_add_tcase(s, tc);
        return s;
}

AK_TEST_MAIN(escape_suite)
