/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Who changed the configuration (daemon/attribution.c), from record texts as the kernel writes
 * them: a changer named by its SYSCALL record, one without, the daemon's own changes recognised
 * by pid and by expectation (never an attribution), changes kept for the next check, and names
 * with control bytes and invalid UTF-8 escaped. */
#include <check.h>

#include "test-util.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attribution.h"
#include "auditkeep/ak-rules.h"
#include "util.h"

#define SELF_PID 777
#define NOW 1000000u

static Attribution a;

static void setup(void) {
        attribution_init(&a, SELF_PID, "4294967295", "4294967295");
}

static void teardown(void) {
        attribution_done(&a);
}

static int feed(uint16_t type, uint64_t serial, const char *body) {
        ak_record rec = { .type = type, .sec = 1700000000, .serial = serial, .body = body, .body_len = strlen(body) };
        return attribution_record(&a, &rec, NOW);
}

static const char *take(uint64_t upto) {
        static char buf[600];
        attribution_take(&a, upto, buf, sizeof(buf));
        return buf;
}

#define AUDITCTL_CONFIG "auid=1000 ses=3 subj=unconfined op=remove_rule key=\"perm\" list=4 res=1"
#define AUDITCTL_SYSCALL                                                                                       \
        "arch=c000003e syscall=44 success=yes exit=1084 a0=4 a1=7ffc2a1b2c30 a2=43c a3=0 items=0 ppid=4241 "   \
        "pid=4242 auid=1000 uid=0 gid=0 euid=0 suid=0 fsuid=0 egid=0 sgid=0 fsgid=0 tty=pts0 ses=3 "          \
        "comm=\"auditctl\" exe=\"/usr/sbin/auditctl\" subj=unconfined key=(null)"

START_TEST(test_syscall_names_the_changer) {
        ck_assert_int_eq(feed(AUDIT_CONFIG_CHANGE, 10, AUDITCTL_CONFIG), 1);
        ck_assert_int_eq(feed(AUDIT_SYSCALL, 10, AUDITCTL_SYSCALL), 0);
        ck_assert_str_eq(take(attribution_mark(&a)), "pid=4242 comm=auditctl exe=/usr/sbin/auditctl auid=1000 ses=3");
        /* used: the next drift does not name it again */
        ck_assert_str_eq(take(attribution_mark(&a)), "unknown (no audit record named the changer)");
}
END_TEST

START_TEST(test_no_syscall_record) {
        ck_assert_int_eq(feed(AUDIT_CONFIG_CHANGE, 11, "auid=4294967295 ses=4294967295 op=add_rule key=(null) list=4 res=1"), 1);
        ck_assert_str_eq(take(attribution_mark(&a)), "auid=unset ses=unset (no SYSCALL record named the process)");
}
END_TEST

/* A burst of one changer's records (auditctl -D: one sendto per rule) is one changer; records of
 * a later changer name it, with the others counted. */
START_TEST(test_burst_and_others) {
        for (uint64_t s = 20; s < 60; s++) {
                ck_assert_int_eq(feed(AUDIT_CONFIG_CHANGE, s, AUDITCTL_CONFIG), 1);
                ck_assert_int_eq(feed(AUDIT_SYSCALL, s, AUDITCTL_SYSCALL), 0);
        }
        ck_assert_str_eq(take(attribution_mark(&a)), "pid=4242 comm=auditctl exe=/usr/sbin/auditctl auid=1000 ses=3");

        ck_assert_int_eq(feed(AUDIT_CONFIG_CHANGE, 70, AUDITCTL_CONFIG), 1);
        ck_assert_int_eq(feed(AUDIT_SYSCALL, 70, AUDITCTL_SYSCALL), 0);
        ck_assert_int_eq(feed(AUDIT_CONFIG_CHANGE, 71, "auid=0 ses=9 op=set audit_enabled=0 old=1 res=1"), 1);
        ck_assert_str_eq(take(attribution_mark(&a)),
                         "pid=4242 comm=auditctl exe=/usr/sbin/auditctl auid=1000 ses=3 (and 1 other change)");
}
END_TEST

/* Changes that arrive while a check is in flight stay for the next one. */
START_TEST(test_changes_after_the_mark_stay) {
        uint64_t mark;

        ck_assert_int_eq(feed(AUDIT_CONFIG_CHANGE, 80, AUDITCTL_CONFIG), 1);
        mark = attribution_mark(&a);
        ck_assert_int_eq(feed(AUDIT_CONFIG_CHANGE, 81, "auid=0 ses=9 op=remove_rule key=\"x\" list=4 res=1"), 1);
        ck_assert_int_eq(feed(AUDIT_SYSCALL, 81,
                              "syscall=44 pid=5555 auid=0 ses=9 comm=\"evil\" exe=\"/tmp/evil\""), 0);
        take(mark);
        ck_assert_str_eq(take(attribution_mark(&a)), "pid=5555 comm=evil exe=/tmp/evil auid=0 ses=9");

        /* a check that found the kernel as desired forgets what it could see, not what came later */
        ck_assert_int_eq(feed(AUDIT_CONFIG_CHANGE, 82, AUDITCTL_CONFIG), 1);
        mark = attribution_mark(&a);
        ck_assert_int_eq(feed(AUDIT_CONFIG_CHANGE, 83, "auid=0 ses=9 op=remove_rule key=\"x\" list=4 res=1"), 1);
        attribution_forget(&a, mark);
        ck_assert_str_eq(take(attribution_mark(&a)), "auid=0 ses=9 (no SYSCALL record named the process)");
}
END_TEST

/* Our own changes, with no SYSCALL record (started before auditing was on): recognised by what we
 * said we would send, and by our auid and session. Never an attribution. */
START_TEST(test_own_records_by_expectation) {
        ak_rule r1, r2;
        ak_op ops[4] = {};

        ck_assert_int_eq(ak_rule_from_text("-a always,exit -F arch=b64 -S chmod -k perm", &r1, NULL, NULL), 0);
        ck_assert_int_eq(ak_rule_from_text("-w /etc/shadow -p wa", &r2, NULL, NULL), 0);
        ops[0] = (ak_op) { .type = AK_OP_ADD_RULE, .rule = &r1 };
        ops[1] = (ak_op) { .type = AK_OP_ADD_RULE, .rule = &r2 };
        ops[2] = (ak_op) { .type = AK_OP_SET, .mask = AUDIT_STATUS_BACKLOG_LIMIT, .value = 8192 };
        ops[3] = (ak_op) { .type = AK_OP_DEL_RULE, .rule = &r1 };
        ck_assert_int_eq(attribution_expect(&a, ops, 4, NOW), 0);

        /* someone else's record that looks like one of ours (another session): a change */
        ck_assert_int_eq(feed(AUDIT_CONFIG_CHANGE, 90, "auid=1000 ses=3 op=add_rule key=\"perm\" list=4 res=1"), 1);
        /* ours: each matches once */
        ck_assert_int_eq(feed(AUDIT_CONFIG_CHANGE, 91, "auid=4294967295 ses=4294967295 op=add_rule key=\"perm\" list=4 res=1"), 0);
        ck_assert_int_eq(feed(AUDIT_CONFIG_CHANGE, 92, "auid=4294967295 ses=4294967295 op=add_rule key=(null) list=4 res=0"), 0);
        ck_assert_int_eq(feed(AUDIT_CONFIG_CHANGE, 93,
                              "op=set audit_backlog_limit=8192 old=64 auid=4294967295 ses=4294967295 res=1"), 0);
        ck_assert_int_eq(feed(AUDIT_CONFIG_CHANGE, 94, "auid=4294967295 ses=4294967295 op=remove_rule key=\"perm\" list=4 res=1"), 0);
        ck_assert_uint_eq(a.own_records, 4);
        /* the same again is no longer expected: a change by someone with our auid */
        ck_assert_int_eq(feed(AUDIT_CONFIG_CHANGE, 95, "auid=4294967295 ses=4294967295 op=add_rule key=\"perm\" list=4 res=1"), 1);
        /* another value than the one we set: not ours */
        ck_assert_int_eq(attribution_expect(&a, ops + 2, 1, NOW), 0);
        ck_assert_int_eq(feed(AUDIT_CONFIG_CHANGE, 96,
                              "op=set audit_backlog_limit=64 old=8192 auid=4294967295 ses=4294967295 res=1"), 1);
        ck_assert_str_eq(take(attribution_mark(&a)),
                         "auid=unset ses=unset (no SYSCALL record named the process) (and 1 other change)");

        /* expectations expire */
        ck_assert_int_eq(attribution_expect(&a, ops, 1, NOW), 0);
        {
                ak_record rec = { .type = AUDIT_CONFIG_CHANGE, .serial = 97,
                                  .body = "auid=4294967295 ses=4294967295 op=add_rule key=\"perm\" list=4 res=1" };
                rec.body_len = strlen(rec.body);
                ck_assert_int_eq(attribution_record(&a, &rec, NOW + ATTR_EXPECT_USEC + 1), 1);
        }
        ak_rule_done(&r1);
        ak_rule_done(&r2);
}
END_TEST

/* Our own changes with a SYSCALL record: our pid takes the whole stamp back. */
START_TEST(test_own_records_by_pid) {
        ck_assert_int_eq(feed(AUDIT_CONFIG_CHANGE, 100, "auid=0 ses=1 op=add_rule key=\"k\" list=4 res=1"), 1);
        ck_assert_int_eq(feed(AUDIT_SYSCALL, 100, "syscall=46 pid=777 auid=0 ses=1 comm=\"auditkeepd\" exe=\"/usr/sbin/auditkeepd\""), 0);
        ck_assert_int_eq(feed(AUDIT_CONFIG_CHANGE, 100, "auid=0 ses=1 op=add_rule key=\"k2\" list=4 res=1"), 0);
        ck_assert_str_eq(take(attribution_mark(&a)), "unknown (no audit record named the changer)");
        /* a FEATURE_CHANGE names its process itself */
        ck_assert_int_eq(feed(AUDIT_FEATURE_CHANGE, 101, "ppid=1 pid=777 auid=0 uid=0 comm=\"auditkeepd\" feature=loginuid_immutable"), 0);
        ck_assert_int_eq(feed(AUDIT_FEATURE_CHANGE, 102, "ppid=1 pid=31 auid=0 uid=0 ses=2 comm=\"other\" exe=\"/bin/other\" feature=loginuid_immutable"), 1);
        ck_assert_str_eq(take(attribution_mark(&a)), "pid=31 comm=other exe=/bin/other auid=0 ses=2");
}
END_TEST

/* A process name from outside is data: control bytes and invalid UTF-8 come out escaped, and the
 * phrase is valid UTF-8 (D-Bus takes nothing else). The kernel hex-encodes such a comm. */
START_TEST(test_hostile_names_escaped) {
        char body[512];
        const char *who;
        /* comm "\xff\x1b[31mEVIL\x07", exe "/tmp/é\\x" (valid UTF-8 stays) */
        snprintf(body, sizeof(body), "syscall=44 pid=4343 auid=1000 ses=3 comm=%s exe=%s", "FF1B5B33316D4556494C07",
                 "2F746D702FC3A95C78");
        ck_assert_int_eq(feed(AUDIT_CONFIG_CHANGE, 110, "auid=1000 ses=3 op=set audit_backlog_limit=1 old=64 res=1"), 1);
        ck_assert_int_eq(feed(AUDIT_SYSCALL, 110, body), 0);
        who = take(attribution_mark(&a));
        ck_assert_str_eq(who, "pid=4343 comm=\\xff\\x1b[31mEVIL\\x07 exe=/tmp/\xc3\xa9\\\\x auid=1000 ses=3");
        ck_assert(string_is_clean(who));
}
END_TEST

/* A process with the daemon's auid and session making the change the daemon announced, at the
 * same moment: its SYSCALL record names it, so the record is a change after all, and the daemon's
 * own record (which follows) is still recognised. */
START_TEST(test_expectation_given_back) {
        ak_rule r;
        ak_op op = { .type = AK_OP_DEL_RULE };

        ck_assert_int_eq(ak_rule_from_text("-a always,exit -F arch=b64 -S chmod -k perm", &r, NULL, NULL), 0);
        op.rule = &r;
        ck_assert_int_eq(attribution_expect(&a, &op, 1, NOW), 0);
        ck_assert_int_eq(feed(AUDIT_CONFIG_CHANGE, 120, "auid=4294967295 ses=4294967295 op=remove_rule key=\"perm\" list=4 res=1"), 0);
        ck_assert_int_eq(feed(AUDIT_SYSCALL, 120,
                              "syscall=44 pid=6666 auid=4294967295 ses=4294967295 comm=\"agent\" exe=\"/opt/agent\""), 1);
        ck_assert_uint_eq(a.own_records, 0);
        ck_assert_int_eq(feed(AUDIT_CONFIG_CHANGE, 121, "auid=4294967295 ses=4294967295 op=remove_rule key=\"perm\" list=4 res=0"), 0);
        ck_assert_uint_eq(a.own_records, 1);
        ck_assert_str_eq(take(attribution_mark(&a)), "pid=6666 comm=agent exe=/opt/agent auid=unset ses=unset");
        ak_rule_done(&r);
}
END_TEST

/* A large sync: the daemon's own records between another process's record (which took one of
 * the daemon's expectations) and that record's SYSCALL do not make the revocation forget it. */
START_TEST(test_expectation_given_back_after_many) {
        enum { N = 60 };
        ak_op ops[N];
        char body[160];

        for (size_t i = 0; i < N; i++)
                ops[i] = (ak_op) { .type = AK_OP_SET, .mask = AUDIT_STATUS_BACKLOG_LIMIT, .value = (uint32_t) i + 1 };
        ck_assert_int_eq(attribution_expect(&a, ops, N, NOW), 0);
        ck_assert_int_eq(feed(AUDIT_CONFIG_CHANGE, 500, "op=set audit_backlog_limit=1 old=64 auid=4294967295 ses=4294967295 res=1"), 0);
        for (size_t i = 1; i < N; i++) {
                snprintf(body, sizeof(body), "op=set audit_backlog_limit=%zu old=1 auid=4294967295 ses=4294967295 res=1", i + 1);
                ck_assert_int_eq(feed(AUDIT_CONFIG_CHANGE, 500 + i, body), 0);
        }
        ck_assert_int_eq(feed(AUDIT_SYSCALL, 500, "syscall=44 pid=999 auid=4294967295 ses=4294967295 comm=\"evil\" exe=\"/tmp/evil\""), 1);
        ck_assert_uint_eq(a.own_records, N - 1);
        /* the daemon's own record of that setting, after: still its own */
        ck_assert_int_eq(feed(AUDIT_CONFIG_CHANGE, 600, "op=set audit_backlog_limit=1 old=64 auid=4294967295 ses=4294967295 res=1"), 0);
        ck_assert_str_eq(take(attribution_mark(&a)), "pid=999 comm=evil exe=/tmp/evil auid=unset ses=unset");
        /* a SYSCALL naming the daemon settles its stamp: nothing left to give back */
        ck_assert_int_eq(feed(AUDIT_SYSCALL, 510, "syscall=44 pid=777 auid=4294967295 ses=4294967295 comm=\"auditkeepd\""), 0);
        ck_assert_uint_eq(a.n_prov, N - 1);   /* 501..559 and 600, but 510 */
}
END_TEST

/* Many operations: their records, in order, each match once; one out of order too. */
START_TEST(test_many_expectations_in_order) {
        enum { N = 3000 };
        ak_op *ops = calloc(N, sizeof(ak_op));
        char body[160];

        ck_assert_ptr_nonnull(ops);
        for (size_t i = 0; i < N; i++)
                ops[i] = (ak_op) { .type = AK_OP_SET, .mask = AUDIT_STATUS_BACKLOG_LIMIT, .value = (uint32_t) i + 1 };
        ck_assert_int_eq(attribution_expect(&a, ops, N, NOW), 0);
        snprintf(body, sizeof(body), "op=set audit_backlog_limit=%d old=1 auid=4294967295 ses=4294967295 res=1", N);
        ck_assert_int_eq(feed(AUDIT_CONFIG_CHANGE, 1, body), 0);       /* the last one first */
        for (size_t i = 0; i + 1 < N; i++) {
                snprintf(body, sizeof(body), "op=set audit_backlog_limit=%zu old=1 auid=4294967295 ses=4294967295 res=1", i + 1);
                ck_assert_int_eq(feed(AUDIT_CONFIG_CHANGE, 2 + i, body), 0);
        }
        ck_assert_uint_eq(a.own_records, N);
        ck_assert_uint_eq(a.expect_first, N);
        /* all used: the same again is a change */
        ck_assert_int_eq(feed(AUDIT_CONFIG_CHANGE, N + 5, body), 1);
        free(ops);
}
END_TEST

/* Names that would make a log line read differently (C1 controls, bidirectional overrides) are
 * escaped; a long path is cut between characters so that auid and ses are always there. */
START_TEST(test_misleading_and_long_names) {
        char body[3000], exe_hex[2100];
        const char *who;
        size_t k = 0;

        /* comm "ab" U+202E "cd" U+0085 */
        for (int i = 0; i < 300; i++)
                k += (size_t) snprintf(exe_hex + k, sizeof(exe_hex) - k, "%s", i % 3 ? "41" : "1B");
        snprintf(body, sizeof(body), "syscall=44 pid=4343 auid=1000 ses=3 comm=%s exe=%s", "6162E280AE6364C285", exe_hex);
        ck_assert_int_eq(feed(AUDIT_CONFIG_CHANGE, 130, "auid=1000 ses=3 op=set audit_backlog_limit=1 old=64 res=1"), 1);
        ck_assert_int_eq(feed(AUDIT_SYSCALL, 130, body), 0);
        who = take(attribution_mark(&a));
        ck_assert_msg(strncmp(who, "pid=4343 comm=ab\\xe2\\x80\\xaecd\\xc2\\x85 exe=\\x1bAA\\x1bAA", 48) == 0, "%s", who);
        ck_assert_msg(strstr(who, "... auid=1000 ses=3"), "%s", who);
        ck_assert_uint_le(strstr(who, " auid=") - strstr(who, " exe=") - 5, ATTR_EXE_MAX);
        ck_assert(string_is_clean(who));

        /* invisible characters too: "audit" U+200B "ctl" is not auditctl; letters stay */
        {
                _cleanup_free_ char *zw = cescape("/usr/sbin/audit\xe2\x80\x8b" "ctl"), *bom = cescape("\xef\xbb\xbfx");
                ck_assert_str_eq(zw, "/usr/sbin/audit\\xe2\\x80\\x8bctl");
                ck_assert_str_eq(bom, "\\xef\\xbb\\xbfx");
                ck_assert(!string_is_clean("a\xc2\xad" "b"));
                ck_assert(string_is_clean("caf\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac"));
        }
}
END_TEST

/* A name cannot fake a field (issue #22): the kernel hex-encodes a comm or exe with a space, a
 * quote or a control byte, the record parser decodes it, and the phrase writes every value with
 * space, '=' and quotes escaped too. So a copy of auditctl in "/tmp/evil auid=1000 ses=3 (x" is
 * one exe field, and the phrase has exactly one auid= and one ses=, the real ones. */
static void hex(const char *s, char *out, size_t size) {
        size_t k = 0;

        for (const unsigned char *u = (const unsigned char *) s; *u && k + 3 <= size; u++)
                k += (size_t) snprintf(out + k, size - k, "%02X", *u);
}

/* The phrase split at spaces: exactly the five names, in order, each once, and its values. */
static void assert_fields(const char *who, char values[5][300]) {
        static const char *const names[] = { "pid=", "comm=", "exe=", "auid=", "ses=" };
        _cleanup_free_ char *copy = strdup(who);
        char *save = NULL, *tok;
        size_t n = 0;

        ck_assert_ptr_nonnull(copy);
        for (tok = strtok_r(copy, " ", &save); tok; tok = strtok_r(NULL, " ", &save), n++) {
                ck_assert_msg(n < 5, "more than five fields in '%s'", who);
                ck_assert_msg(strncmp(tok, names[n], strlen(names[n])) == 0, "field %zu of '%s' is '%s'", n, who, tok);
                ck_assert_msg(strchr(tok + strlen(names[n]), '=') == NULL, "a '=' in the value of '%s'", tok);
                ck_assert_msg(!strchr(tok, '"') && !strchr(tok, '\''), "a quote in '%s'", tok);
                snprintf(values[n], 300, "%s", tok + strlen(names[n]));
        }
        ck_assert_msg(n == 5, "%zu fields in '%s'", n, who);
        ck_assert(string_is_clean(who));
}

static const char *changer(uint64_t serial, const char *comm, const char *exe) {
        char body[2048], c[200], e[1200];

        hex(comm, c, sizeof(c));
        hex(exe, e, sizeof(e));
        snprintf(body, sizeof(body), "syscall=44 pid=4343 auid=4294967295 ses=4294967295 comm=%s exe=%s", c, e);
        ck_assert_int_eq(feed(AUDIT_CONFIG_CHANGE, serial, "auid=4294967295 ses=4294967295 op=remove_rule key=\"perm\" list=4 res=1"), 1);
        ck_assert_int_eq(feed(AUDIT_SYSCALL, serial, body), 0);
        return take(attribution_mark(&a));
}

/* The phrase as structured journal fields: one per field, a forged name inside its own field. */
START_TEST(test_phrase_fields) {
        char *f[8] = {};
        size_t n;

        n = attribution_fields("pid=4343 comm=auditctl exe=/tmp/evil\\x20auid\\x3d1000\\x20ses\\x3d3\\x20(x/auditctl "
                               "auid=unset ses=unset (and 2 other changes)", f, ELEMENTSOF(f));
        ck_assert_uint_eq(n, 5);
        ck_assert_str_eq(f[0], "AUDITKEEP_CHANGER_PID=4343");
        ck_assert_str_eq(f[1], "AUDITKEEP_CHANGER_COMM=auditctl");
        ck_assert_str_eq(f[2], "AUDITKEEP_CHANGER_EXE=/tmp/evil\\x20auid\\x3d1000\\x20ses\\x3d3\\x20(x/auditctl");
        ck_assert_str_eq(f[3], "AUDITKEEP_CHANGER_AUID=unset");
        ck_assert_str_eq(f[4], "AUDITKEEP_CHANGER_SES=unset");
        for (size_t i = 0; i < n; i++)
                free(f[i]);
        n = attribution_fields("auid=1000 ses=3 (no SYSCALL record named the process)", f, ELEMENTSOF(f));
        ck_assert_uint_eq(n, 2);
        ck_assert_str_eq(f[0], "AUDITKEEP_CHANGER_AUID=1000");
        for (size_t i = 0; i < n; i++)
                free(f[i]);
        ck_assert_uint_eq(attribution_fields("unknown (no audit record named the changer)", f, ELEMENTSOF(f)), 0);
        ck_assert_uint_eq(attribution_fields("pid=1 comm=a exe=/b auid=0 ses=1", f, 2), 2);
        free(f[0]), free(f[1]);
}
END_TEST

START_TEST(test_names_cannot_fake_fields) {
        char v[5][300];
        const char *who;

        who = changer(140, "auditctl", "/tmp/evil auid=1000 ses=3 (x/auditctl");
        ck_assert_str_eq(who, "pid=4343 comm=auditctl exe=/tmp/evil\\x20auid\\x3d1000\\x20ses\\x3d3\\x20(x/auditctl "
                              "auid=unset ses=unset");
        assert_fields(who, v);
        ck_assert_str_eq(v[3], "unset");
        ck_assert_ptr_null(strstr(strstr(who, " exe=") + 1, " auid=1000"));

        /* what a person reads as a space or an '=': an en space and a fullwidth equals sign
         * (U+2002, U+FF1D) in an exe cannot look like a second auid field */
        who = changer(143, "auditctl", "/tmp/x\xe2\x80\x82" "auid\xef\xbc\x9d" "0");
        ck_assert_str_eq(who, "pid=4343 comm=auditctl exe=/tmp/x\\xe2\\x80\\x82auid\\xef\\xbc\\x9d0 "
                              "auid=unset ses=unset");
        assert_fields(who, v);

        /* quotes and backslashes: no value can open or close a quoted string */
        who = changer(141, "a\"b'c", "/tmp/\"quoted\" 'x'\\y");
        ck_assert_str_eq(who, "pid=4343 comm=a\\x22b\\x27c exe=/tmp/\\x22quoted\\x22\\x20\\x27x\\x27\\\\y "
                              "auid=unset ses=unset");
        assert_fields(who, v);

        /* a newline, and a comm that is a whole forged phrase */
        who = changer(142, "x auid=0 ses=1", "/tmp/a\nauid=0 ses=1\n/auditctl");
        ck_assert_str_eq(who, "pid=4343 comm=x\\x20auid\\x3d0\\x20ses\\x3d1 exe=/tmp/a\\x0aauid\\x3d0\\x20ses\\x3d1\\x0a/auditctl "
                              "auid=unset ses=unset");
        assert_fields(who, v);

        /* invalid UTF-8 beside the separators, valid UTF-8 kept */
        who = changer(143, "\xff=\xfe", "/tmp/\xc3\xa9t\xc3\xa9 \xe2\x80\xae=\xc0\xaf");
        ck_assert_str_eq(who, "pid=4343 comm=\\xff\\x3d\\xfe exe=/tmp/\xc3\xa9t\xc3\xa9\\x20\\xe2\\x80\\xae\\x3d\\xc0\\xaf "
                              "auid=unset ses=unset");
        assert_fields(who, v);
}
END_TEST

/* A long path of separators is cut as any other, and auid and ses still follow it. */
START_TEST(test_long_forged_path) {
        char exe[1100], v[5][300];
        const char *who;
        size_t k = 0;

        while (k + 8 < sizeof(exe) - 1)
                k += (size_t) snprintf(exe + k, sizeof(exe) - k, " auid=0");
        who = changer(150, "auditctl", exe);
        assert_fields(who, v);
        ck_assert_msg(strstr(who, "... auid=unset ses=unset"), "%s", who);
        ck_assert_uint_le(strlen(v[2]), ATTR_EXE_MAX);
}
END_TEST

/* The layer under it: cescape_field_max() is cescape_max() plus space, '=' and quotes. */
START_TEST(test_cescape_field) {
        _cleanup_free_ char *f = cescape_field_max("a b=c\"d'e\\f\x01g\xff", 100), *g = cescape_max("a b=c\\", 100);
        _cleanup_free_ char *cut = cescape_field_max("= = = =", 12);

        ck_assert_str_eq(f, "a\\x20b\\x3dc\\x22d\\x27e\\\\f\\x01g\\xff");
        ck_assert_str_eq(g, "a b=c\\\\");
        /* cut between escapes, never inside one */
        ck_assert_str_eq(cut, "\\x3d\\x20...");
}
END_TEST

static Suite *attribution_suite(void) {
        Suite *s = suite_create("attribution");
        TCase *tc = tcase_create("attribution");

        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_add_test(tc, test_syscall_names_the_changer);
        tcase_add_test(tc, test_no_syscall_record);
        tcase_add_test(tc, test_burst_and_others);
        tcase_add_test(tc, test_changes_after_the_mark_stay);
        tcase_add_test(tc, test_own_records_by_expectation);
        tcase_add_test(tc, test_own_records_by_pid);
        tcase_add_test(tc, test_hostile_names_escaped);
        tcase_add_test(tc, test_names_cannot_fake_fields);
        tcase_add_test(tc, test_phrase_fields);
        tcase_add_test(tc, test_long_forged_path);
        tcase_add_test(tc, test_cescape_field);
        tcase_add_test(tc, test_expectation_given_back);
        tcase_add_test(tc, test_expectation_given_back_after_many);
        tcase_add_test(tc, test_many_expectations_in_order);
        tcase_add_test(tc, test_misleading_and_long_names);
        suite_add_tcase(s, tc);
        return s;
}

AK_TEST_MAIN(attribution_suite)
