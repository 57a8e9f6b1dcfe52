/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Regression tests for what the hardening work found (fuzz/RESULTS.md, tests/README.md):
 * each feeds the input that showed the bug (minimised, or recorded from the real kernel) to the
 * same function, and expects the behaviour the code promises. */
#include <check.h>

#include "test-util.h"
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <linux/netlink.h>

#include "auditkeep/ak-kernel.h"
#include "auditkeep/ak-rules.h"
#include "util.h"

#include <systemd/sd-bus.h>

/* ---- F1: a rule that renders into text that does not parse back ----
 * lib/format.c promises that ak_rule_format() "parses back into the same bytes". A watch combined
 * with other -F fields is rendered with -F path=..., and a path containing a two-character
 * operator (>=, <=, !=, &=) then splits at that operator: "unknown field 'path=/tmp/a'".
 * Fuzzer input (minimised): "-w/>= -Fauid=unset". */
static void assert_round_trip(const char *line) {
        ak_rule r = {}, back = {};
        char *msg = NULL, *text;
        unsigned col = 0;
        int k;

        k = ak_rule_from_text(line, &r, &msg, &col);
        ck_assert_msg(k == 0, "'%s' does not parse: %s", line, msg ? msg : "");
        text = ak_rule_format(&r);
        ck_assert_ptr_nonnull(text);
        k = ak_rule_from_text(text, &back, &msg, &col);
        ck_assert_msg(k == 0, "'%s' renders as '%s', which does not parse back: column %u: %s",
                      line, text, col, msg ? msg : "");
        ak_rule_normalize(&back);
        ck_assert_msg(ak_rule_equal(&r, &back), "'%s' renders as '%s', which parses into another rule", line, text);
        ak_rule_done(&back);
        ak_rule_done(&r);
        free(text);
        free(msg);
}

START_TEST(test_f1_fuzzer_input) {
        assert_round_trip("-w/>= -Fauid=unset");
}
END_TEST

START_TEST(test_f1_watch_path_with_operator) {
        static const char *const lines[] = {
                "-w /tmp/a>=b -p wa -F auid!=unset -k k",
                "-w /tmp/a<=b -p wa -F auid!=unset",
                "-w /tmp/a!=b -p r -F uid=0",
                "-w /tmp/a&=b -p x -F auid>=1000",
        };

        assert_round_trip(lines[_i]);
}
END_TEST

/* The same paths in plain watches, and keys with operators, already round-trip: keep it so. */
START_TEST(test_f1_controls) {
        assert_round_trip("-w /tmp/a>=b -p wa -k k");
        assert_round_trip("-a always,exit -F arch=b64 -S open -k a>=b");
        assert_round_trip("-a always,exit -F arch=b64 -S open -F key=a!=b");
}
END_TEST

/* ---- F2: a reply message with nlmsg_len >= 2 GiB ----
 * lib/netlink.c handle_datagram() walks a datagram with libmnl's mnl_nlmsg_ok()/mnl_nlmsg_next().
 * mnl_nlmsg_ok() compares (int) nlmsg_len <= len: a length of 0x80000000 or more is negative as an
 * int and passes, and mnl_nlmsg_next() then advances the pointer by that length: the next check
 * reads wild memory (SEGV in mnl_nlmsg_ok). The client promises to check "each nlmsghdr against the
 * datagram": such a message must be dropped as malformed. */

typedef struct done_rec {
        int called;
        int error;
} done_rec;

static void on_done(ak_nl *nl, int error, void *userdata) {
        done_rec *d = userdata;

        d->called++;
        d->error = error;
}

static void feed_query(const void *datagram, size_t len, ak_nl_stats *ret_stats, done_rec *ret_done) {
        ak_kstate ks = {};
        ak_nl *nl = NULL;
        char buf[256];
        int sv[2];

        ck_assert_int_eq(socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, sv), 0);
        ck_assert_int_eq(ak_nl_open_fd(&nl, sv[0]), 0);
        ck_assert_int_eq(ak_nl_query_async(nl, &ks, 0, on_done, ret_done), 0);
        ck_assert_int_ge(recv(sv[1], buf, sizeof(buf), 0), 32);  /* GET + LIST_RULES */
        ck_assert_int_eq(send(sv[1], datagram, len, 0), (ssize_t) len);
        ck_assert_int_eq(ak_nl_process(nl), 0);
        ak_nl_get_stats(nl, ret_stats);
        (void) ak_nl_timeout(nl);       /* timeout 0: the deadline has passed */
        ck_assert_int_eq(ak_nl_busy(nl), 0);
        ak_kstate_done(&ks);
        ak_nl_free(nl);
        close(sv[1]);
}

START_TEST(test_f2_fuzzer_input) {
        /* fuzz-netlink input (minimised): mode 0x01 (query), one datagram of 16 bytes:
         * nlmsg_len 0xd2ffffff, type 0xe900, flags 0x0003, seq 0x010000cf, pid 0x00cf0000. */
        static const uint8_t dg[] = {
                0xff, 0xff, 0xff, 0xd2, 0x00, 0xe9, 0x03, 0x00,
                0xcf, 0x00, 0x00, 0x01, 0x00, 0x00, 0xcf, 0x00,
        };
        ak_nl_stats st;
        done_rec d = {};

        feed_query(dg, sizeof(dg), &st, &d);
        ck_assert_uint_ge(st.malformed, 1);
        ck_assert_int_eq(d.called, 1);
        ck_assert_int_lt(d.error, 0);
}
END_TEST

START_TEST(test_f2_huge_len_after_valid_message) {
        /* A well-formed NLMSG_NOOP, then a header claiming 2 GiB. */
        struct nlmsghdr h[2] = {
                { .nlmsg_len = sizeof(struct nlmsghdr), .nlmsg_type = NLMSG_NOOP, .nlmsg_seq = 1 },
                { .nlmsg_len = 0x80000000u, .nlmsg_type = AUDIT_GET, .nlmsg_seq = 1 },
        };
        ak_nl_stats st;
        done_rec d = {};

        feed_query(h, sizeof(h), &st, &d);
        ck_assert_uint_ge(st.malformed, 1);
        ck_assert_int_eq(d.called, 1);
        ck_assert_int_lt(d.error, 0);
}
END_TEST

START_TEST(test_f2_len_uint32_max) {
        struct nlmsghdr h = { .nlmsg_len = UINT32_MAX, .nlmsg_type = NLMSG_DONE, .nlmsg_seq = 2 };
        ak_nl_stats st;
        done_rec d = {};

        feed_query(&h, sizeof(h), &st, &d);
        ck_assert_uint_ge(st.malformed, 1);
        ck_assert_int_eq(d.called, 1);
}
END_TEST

/* ---- F4: the kernel's watch auto-removal record has no space before op= ----
 * Recorded on 6.18 (fuzz/corpus/record/real-watch-autoremove-*): when a watched file's parent
 * directory is removed, kernel/audit_watch.c logs audit_log_session_info() ("auid=%u ses=%u",
 * no trailing space) and then "op=remove_rule path=...". ak_record_field() reads only at token
 * boundaries, so "ses" comes back as "4294967295op=remove_rule" and "op" is not found: the
 * daemon's attribution then reads "auid=4294967295 ses=4294967295op=remove_rule op=?". */
static const char autoremove[] = "audit(1795620314.596:189807): auid=4294967295 ses=4294967295op=remove_rule "
                                 "path=\"/tmp/ak-caprm-9spzkspz/d/file\" key=\"ak-caprm\" list=4 res=1";

static void record_of(const char *text, uint16_t type, uint8_t *buf, size_t size, ak_record *rec) {
        struct nlmsghdr h = { .nlmsg_len = (uint32_t) (sizeof(h) + strlen(text)), .nlmsg_type = type };

        ck_assert_uint_le(sizeof(h) + strlen(text), size);
        memcpy(buf, &h, sizeof(h));
        memcpy(buf + sizeof(h), text, strlen(text));
        ck_assert_int_eq(ak_record_parse(buf, sizeof(h) + strlen(text), rec), 0);
}

START_TEST(test_f4_autoremove_op) {
        uint8_t buf[512];
        char v[64];
        ak_record rec;

        record_of(autoremove, AUDIT_CONFIG_CHANGE, buf, sizeof(buf), &rec);
        ck_assert_int_ge(ak_record_field(&rec, "op", v, sizeof(v)), 0);
        ck_assert_str_eq(v, "remove_rule");
}
END_TEST

START_TEST(test_f4_autoremove_ses) {
        uint8_t buf[512];
        char v[64];
        ak_record rec;

        record_of(autoremove, AUDIT_CONFIG_CHANGE, buf, sizeof(buf), &rec);
        ck_assert_int_ge(ak_record_field(&rec, "ses", v, sizeof(v)), 0);
        ck_assert_str_eq(v, "4294967295");
}
END_TEST

/* What already works on that record, and must keep working. */
START_TEST(test_f4_autoremove_others) {
        uint8_t buf[512];
        char v[64];
        ak_record rec;

        record_of(autoremove, AUDIT_CONFIG_CHANGE, buf, sizeof(buf), &rec);
        ck_assert_int_ge(ak_record_field(&rec, "auid", v, sizeof(v)), 0);
        ck_assert_str_eq(v, "4294967295");
        ck_assert_int_ge(ak_record_field(&rec, "key", v, sizeof(v)), 0);
        ck_assert_str_eq(v, "ak-caprm");
        ck_assert_int_ge(ak_record_field(&rec, "list", v, sizeof(v)), 0);
        ck_assert_str_eq(v, "4");
}
END_TEST

/* ---- F5: rendering "-F exit=-2147483648" negates INT_MIN ----
 * lib/format.c, case AUDIT_EXIT: `int e = (int) v; ... ak_errno_to_name(-e)`: for v = 0x80000000,
 * -e overflows (undefined behaviour; UBSan: "negation of -2147483648 cannot be represented in type
 * 'int'"). Found by fuzz-rule on a listed rule; a rules file reaches it too. Only a build with
 * -fsanitize=undefined (build-asan, scripts/test) sees it fail; the expected text is checked
 * everywhere. */
START_TEST(test_f5_exit_int_min) {
        ak_rule r = {};
        char *text;

        ck_assert_int_eq(ak_rule_from_text("-a always,exit -F arch=b64 -S open -F exit=-2147483648", &r, NULL, NULL), 0);
        text = ak_rule_format(&r);
        ck_assert_ptr_nonnull(text);
        ck_assert_msg(strstr(text, " -F exit=-2147483648"), "rendered as '%s'", text);
        free(text);
        ak_rule_done(&r);
        assert_round_trip("-a always,exit -F arch=b64 -S open -F exit=-2147483648");
}
END_TEST

/* ---- F6: a rules directory without a *.rules file sorts a NULL array ----
 * lib/sources.c, read_dir(): the names of the *.rules files are collected into a growing array,
 * NULL while there is none, and sorted with qsort(names, n, ...), which glibc declares nonnull
 * even for n = 0 (undefined behaviour; UBSan: "null pointer passed as argument 1, which is
 * declared to never be null"). Found by fuzz-sources on a directory holding only a hidden
 * ".9.rules" (which augenrules skips too). Only a build with -fsanitize=undefined (build-asan,
 * scripts/test) sees it fail; what is read is checked everywhere. */
START_TEST(test_f6_dir_without_rules_files) {
        char dir[] = "/tmp/ak-test-f6.XXXXXX", path[64];
        ak_ruleset *rs = NULL;
        FILE *f;

        ck_assert_ptr_nonnull(mkdtemp(dir));
        snprintf(path, sizeof(path), "%s/.9.rules", dir);
        ck_assert_ptr_nonnull(f = fopen(path, "w"));
        fputs("-w /etc/passwd -p wa\n", f);
        fclose(f);
        snprintf(path, sizeof(path), "%s/notes.txt", dir);
        ck_assert_ptr_nonnull(f = fopen(path, "w"));
        fclose(f);

        ck_assert_int_eq(ak_ruleset_new(&rs), 0);
        ck_assert_int_ge(ak_ruleset_add_source(rs, dir), 0);
        ck_assert_uint_eq(rs->n_rules, 0);
        ck_assert_uint_eq(rs->n_files, 0);
        ck_assert_uint_eq(rs->n_errors, 0);
        ak_ruleset_free(rs);

        unlink(path);
        snprintf(path, sizeof(path), "%s/.9.rules", dir);
        unlink(path);
        rmdir(dir);
}
END_TEST

/* ---- F7: a noncharacter in a rule's key or path fails ListRules ----
 * ListRules sends each rule's text (ak_rule_format_flags) as it is, and Diff lines and origins
 * go through string_is_clean()/cescape(). Both let the Unicode noncharacters through (U+FFFF,
 * U+FFFE, U+FDD0..U+FDEF: valid UTF-8, but sd-bus refuses them: "Invalid argument"), so one rule
 * with such a key made the whole ListRules reply fail, for every caller. Found by fuzz-bus with a
 * key of "\xef\xbf\xbf" (U+FFFF). Expected: the text escapes them as it escapes invalid UTF-8,
 * and sd-bus takes it. */
static void assert_bus_takes(const char *s) {
        static sd_bus *bus;
        sd_bus_message *m = NULL;
        int fds[2];

        if (!bus) {
                ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds), 0);
                ck_assert_int_ge(sd_bus_new(&bus), 0);
                ck_assert_int_ge(sd_bus_set_fd(bus, fds[0], fds[0]), 0);
                ck_assert_int_ge(sd_bus_start(bus), 0);
        }
        ck_assert_int_ge(sd_bus_message_new_signal(bus, &m, "/org/auditkeep1", "org.auditkeep1.Manager", "X"), 0);
        ck_assert_msg(sd_bus_message_append(m, "s", s) >= 0, "sd-bus refuses '%s'", s);
        sd_bus_message_unref(m);
}

static const struct {
        const char *line, *text;
} f7_cases[] = {
        { "-w /etc/x -p wa -k \xef\xbf\xbf", "-w /etc/x -p wa -k \\xef\\xbf\\xbf" },             /* U+FFFF */
        { "-w /etc/x -p wa -k a\xef\xbf\xbe" "b", "-w /etc/x -p wa -k a\\xef\\xbf\\xbeb" },          /* U+FFFE */
        { "-w /etc/\xef\xb7\x90 -p wa", "-w /etc/\\xef\\xb7\\x90 -p wa" },                    /* U+FDD0 */
        { "-w /etc/x -p wa -k \xf4\x8f\xbf\xbf", "-w /etc/x -p wa -k \\xf4\\x8f\\xbf\\xbf" },  /* U+10FFFF */
};

START_TEST(test_f7_noncharacter_on_the_bus) {
        ak_rule r = {};
        char *text, *msg = NULL, *esc;

        ck_assert_msg(ak_rule_from_text(f7_cases[_i].line, &r, &msg, NULL) == 0, "%s: %s", f7_cases[_i].line, msg);
        text = ak_rule_format_flags(&r, AK_FORMAT_NO_STAT);
        ck_assert_ptr_nonnull(text);
        ck_assert_str_eq(text, f7_cases[_i].text);
        assert_bus_takes(text);
        free(text);
        ak_rule_done(&r);

        /* daemon/manager-bus.c's bus_text(): a clean string as it is, else its escape */
        ck_assert_int_eq(string_is_clean(f7_cases[_i].line), 0);
        esc = cescape(f7_cases[_i].line);
        ck_assert_ptr_nonnull(esc);
        assert_bus_takes(esc);
        free(esc);
        /* what is still shown as it is */
        ck_assert_int_eq(string_is_clean("\xef\xbf\xbd \xef\xb7\x8f \xef\xb7\xb0 \xf0\x9f\x98\x80"), 1); /* U+FFFD U+FDCF U+FDF0 U+1F600 */
}
END_TEST

static Suite *suite(void) {
        Suite *s = suite_create("hardening-regressions");
        TCase *tc;

        tc = tcase_create("f1-format-round-trip");
        tcase_add_test(tc, test_f1_fuzzer_input);
        tcase_add_loop_test(tc, test_f1_watch_path_with_operator, 0, 4);
        tcase_add_test(tc, test_f1_controls);
        suite_add_tcase(s, tc);

        tc = tcase_create("f2-netlink-huge-nlmsg-len");
        /* nlmsg_len 0xffffffff aligns to 0: without the fix the walk never ends. */
        tcase_set_timeout(tc, 10);
        tcase_add_test(tc, test_f2_fuzzer_input);
        tcase_add_test(tc, test_f2_huge_len_after_valid_message);
        tcase_add_test(tc, test_f2_len_uint32_max);
        suite_add_tcase(s, tc);

        tc = tcase_create("f5-format-exit-int-min");
        tcase_add_test(tc, test_f5_exit_int_min);
        suite_add_tcase(s, tc);

        tc = tcase_create("f6-sources-empty-dir");
        tcase_add_test(tc, test_f6_dir_without_rules_files);
        suite_add_tcase(s, tc);

        tc = tcase_create("f7-noncharacter-on-the-bus");
        tcase_add_loop_test(tc, test_f7_noncharacter_on_the_bus, 0, (int) (sizeof(f7_cases) / sizeof(f7_cases[0])));
        suite_add_tcase(s, tc);

        tc = tcase_create("f4-record-autoremove");
        tcase_add_test(tc, test_f4_autoremove_op);
        tcase_add_test(tc, test_f4_autoremove_ses);
        tcase_add_test(tc, test_f4_autoremove_others);
        suite_add_tcase(s, tc);
        return s;
}

AK_TEST_MAIN(suite)
