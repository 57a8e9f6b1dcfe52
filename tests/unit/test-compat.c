/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Compatibility levels: each line that auditctl 3.0.9 and auditctl 4.0.2 compile differently, in
 * golden bytes at both levels, and what auditctl 4.1.2 (level 4.1) compiles differently from 4.0.2
 * (its expected numbers from lib/permtab.h and the syscall tables of audit-userspace 4.1.2, and
 * checked in the kernel after forky's auditctl loaded the lines: tests/kernel/compat/level41.rules);
 * the gap warning; the notes `check` prints; "# auditkeep: compat=N"; the version a
 * level is read from; the explanation diff gives for a rule loaded with the other meaning.
 *
 * Expected bytes are built from first principles: uapi constants, and syscall numbers as Debian
 * 13's `ausyscall x86_64 --dump` / `ausyscall i386 --dump` print them for the names of
 * lib/permtab.h in audit-userspace 4.0.2. Every level-4 expectation below was also seen in the
 * kernel after Debian 13's `auditctl` loaded the line (tests/kernel/test-conformance-4.c proves
 * the same for whole files). */
#include <check.h>

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/audit.h>

#include "auditkeep/ak-rules.h"
#include "golden-rule.h"
#include "test-util.h"

#define N(x) (sizeof(x) / sizeof((x)[0]))

#define EQ AUDIT_EQUAL
#define NE AUDIT_NOT_EQUAL
#define ARCH_B64 0xC000003Eu
#define ARCH_B32 0x40000003u
#define ARCH_RISCV64 0xC00000F3u

#define EXIT AUDIT_FILTER_EXIT
#define EXCL AUDIT_FILTER_EXCLUDE
#define URING AUDIT_FILTER_URING_EXIT

/* x86_64 numbers of the permission classes of auditctl 4.0.2 */
#define X64_X "59"
#define X64_W "2,49,76,77,82,83,84,85,86,87,88,133,163,167,179,257,258,259,263,264,265,266,285,316,437"
#define X64_R "2,89,179,191,192,193,194,195,196,257,267,437"
#define X64_A "86,90,91,92,93,94,188,189,190,197,198,199,260,265,268"
/* i386 */
#define I386_W "5,8,9,10,14,38,39,40,51,83,87,92,93,131,295,296,297,301,302,303,304,324,353,361,437"
#define I386_A "9,15,16,94,95,182,226,227,228,235,236,237,298,303,306"
/* what auditctl 4.1.2's classes add (lib/permtab.h of 4.1.2), the same numbers on x86_64 and
 * i386: quotactl_fd; listxattrat, getxattrat, file_getattr; setxattrat, removexattrat,
 * fchmodat2, file_setattr */
#define ADD41_W "443"
#define ADD41_R "464,465,468"
#define ADD41_A "452,463,466,469"
/* aarch64's write class at 4.1.2: the names aarch64 lacks (rename, mkdir, rmdir, creat, link,
 * unlink, symlink, mknod, open) left out */
#define A64_W41 "33,34,35,36,37,38,45,46,47,56,60,89,200,224,276,437,443"

static void assert_same(const char *what, const char *line, int level, const ak_rule *got, const ak_rule *want) {
        int same = got->size == want->size && memcmp(got->data, want->data, want->size) == 0;
        char diff[512] = "";

        if (!same)
                golden_rule_diff(got, want, diff, sizeof(diff));
        ck_assert_msg(same, "%s: level %d: '%s': %s", what, level, line, diff);
}

/* ------------------------------------------------------------------------------------------ */
/* golden bytes at both levels */

typedef struct twin {
        const char *line;
        uint32_t list;
        /* level 3, then level 4: mask NULL = the line is refused, with `error` in the message */
        const char *mask3, *mask4;
        xfield f[6];
        const char *error3, *error4;
} twin;

static const twin twins[] = {
        /* the case of the issue: with an arch, perm narrows the rule to its classes' syscalls */
        { "-a always,exit -F arch=b64 -F perm=wa -k t1", EXIT, "all", X64_W "+" X64_A,
          { F(AUDIT_ARCH, EQ, ARCH_B64), F(AUDIT_PERM, EQ, 10), KEY("t1") } },
        { "-a always,exit -F arch=b32 -F perm=wa", EXIT, "all", I386_W "+" I386_A,
          { F(AUDIT_ARCH, EQ, ARCH_B32), F(AUDIT_PERM, EQ, 10) } },
        { "-a always,exit -F arch=b64 -F perm=r -F auid>=1000", EXIT, "all", X64_R,
          { F(AUDIT_ARCH, EQ, ARCH_B64), F(AUDIT_PERM, EQ, 4), F(AUDIT_LOGINUID, AUDIT_GREATER_THAN_OR_EQUAL, 1000) } },
        { "-a always,exit -F arch!=b64 -F perm=x", EXIT, "all", X64_X,
          { F(AUDIT_ARCH, NE, ARCH_B64), F(AUDIT_PERM, EQ, 1) } },
        /* two perm fields: each adds its classes */
        { "-a always,exit -F arch=b64 -F perm=wa -F exit=-EACCES -F perm=r", EXIT, "all", X64_W "+" X64_A "+" X64_R,
          { F(AUDIT_ARCH, EQ, ARCH_B64), F(AUDIT_PERM, EQ, 10), F(AUDIT_EXIT, EQ, (uint32_t) -13), F(AUDIT_PERM, EQ, 4) } },
        /* -S takes the native arch, so a later perm adds to the -S list */
        { "-a always,exit -S open -F perm=w", EXIT, "2", "2+" X64_W, { F(AUDIT_PERM, EQ, 2) } },
        { "-a always,exit -F arch=b64 -F perm=x -S open", EXIT, "2", "2+" X64_X,
          { F(AUDIT_ARCH, EQ, ARCH_B64), F(AUDIT_PERM, EQ, 1) } },
        /* no arch yet: every syscall at both levels */
        { "-a always,exit -F perm=wa -k t3", EXIT, "all", "all", { F(AUDIT_PERM, EQ, 10), KEY("t3") } },
        { "-a always,exit -F perm=wa -F arch=b64", EXIT, "all", "all", { F(AUDIT_PERM, EQ, 10), F(AUDIT_ARCH, EQ, ARCH_B64) } },
        { "-a always,exit -F arch=b64 -S all -F perm=w", EXIT, "all", "all", { F(AUDIT_ARCH, EQ, ARCH_B64), F(AUDIT_PERM, EQ, 2) } },
        /* watches are unchanged */
        { "-w /etc/passwd -p wa", EXIT, "all", "all", { { AUDIT_WATCH, EQ, 0, "/etc/passwd" }, F(AUDIT_PERM, EQ, 10) } },
        { "-a always,exit -F arch=b64 -F path=/etc/shadow -p wa", EXIT, "all", "all",
          { F(AUDIT_ARCH, EQ, ARCH_B64), { AUDIT_WATCH, EQ, 0, "/etc/shadow" }, F(AUDIT_PERM, EQ, 10) } },
        /* 4.0.2 refuses what it cannot expand; and an arch after the expansion is misplaced */
        { "-a always,exit -F arch=aarch64 -F perm=w", EXIT, "all", NULL,
          { F(AUDIT_ARCH, EQ, 0xC00000B7u), F(AUDIT_PERM, EQ, 2) }, NULL, "aarch64 has no syscall 'rename'" },
        { "-a always,exit -F arch=b64 -F perm=w -F arch=b32", EXIT, "all", NULL,
          { F(AUDIT_ARCH, EQ, ARCH_B64), F(AUDIT_PERM, EQ, 2), F(AUDIT_ARCH, EQ, ARCH_B32) }, NULL,
          "-F arch must come before -F perm=" },

        /* the exclude list: 4.0.2 leaves the fields to each field's own list rule */
        { "-a never,exclude -F euid=0", EXCL, NULL, "all", { F(AUDIT_EUID, EQ, 0) },
          "field 'euid' cannot be used on the exclude list", NULL },
        { "-a never,exclude -F sessionid=1", EXCL, NULL, "all", { F(AUDIT_SESSIONID, EQ, 1) },
          "field 'sessionid' cannot be used on the exclude list", NULL },
        { "-a never,exclude -F perm=w", EXCL, NULL, "all", { F(AUDIT_PERM, EQ, 2) },
          "field 'perm' cannot be used on the exclude list", NULL },
        { "-a never,exclude -F arch=b64 -F perm=w", EXCL, NULL, X64_W, { F(AUDIT_ARCH, EQ, ARCH_B64), F(AUDIT_PERM, EQ, 2) },
          "field 'arch' cannot be used on the exclude list", NULL },
        { "-a never,exclude -F ppid=1", EXCL, NULL, NULL, { { 0 } },
          "field 'ppid' cannot be used on the exclude list", "field 'ppid' can only be used on the exit list" },
        { "-a always,exclude -F auid=1000", EXCL, "all", "all", { F(AUDIT_LOGINUID, EQ, 1000) } },

        /* list names: any case in 4.0.2 (libaudit's flag table), lower case only in 3.0.9 */
        { "-a always,EXIT -F arch=b64 -S open", EXIT, NULL, "2", { F(AUDIT_ARCH, EQ, ARCH_B64) }, "unknown list 'EXIT'", NULL },
        { "-a Exit,always -F arch=b64 -S open", EXIT, NULL, "2", { F(AUDIT_ARCH, EQ, ARCH_B64) }, "Exit", NULL },
        { "-a always,Exclude -F msgtype=1300", EXCL, NULL, "all", { F(AUDIT_MSGTYPE, EQ, 1300) }, "Exclude", NULL },
        { "-a ALWAYS,exit -S open", EXIT, NULL, NULL, { { 0 } }, "ALWAYS", "ALWAYS" },

        /* names only 4.0.2 knows */
        { "-a never,exclude -F msgtype=DM_CTRL", EXCL, NULL, "all", { F(AUDIT_MSGTYPE, EQ, 1338) },
          "unknown message type 'DM_CTRL'", NULL },
        { "-a never,exclude -F msgtype=dm_event", EXCL, NULL, "all", { F(AUDIT_MSGTYPE, EQ, 1339) },
          "unknown message type 'dm_event'", NULL },
        { "-a always,exit -F arch=riscv64 -S openat,riscv_hwprobe", EXIT, NULL, "56,258", { F(AUDIT_ARCH, EQ, ARCH_RISCV64) },
          "unknown arch 'riscv64'", NULL },
        { "-a always,exit -F arch=0xc00000f3 -S 56", EXIT, NULL, "56", { F(AUDIT_ARCH, EQ, ARCH_RISCV64) },
          "unknown arch '0xc00000f3'", NULL },
        { "-a always,exit -F arch=riscv32 -S 56", EXIT, NULL, "56", { F(AUDIT_ARCH, EQ, 0x400000F3u) },
          "unknown arch 'riscv32'", NULL },
        { "-a always,exit -F arch=riscv64 -F perm=w", EXIT, NULL, NULL, { { 0 } },
          "unknown arch 'riscv64'", "riscv64 has no syscall 'rename'" },
        { "-a always,exit -F arch=uring -S openat", EXIT, NULL, NULL, { { 0 } }, "unknown arch 'uring'", "unknown arch 'uring'" },

        /* io_uring: compiled as auditctl 4.0.2 does at both levels */
        { "-a always,io_uring -S openat", URING, "18", "18", { { 0 } } },
        { "-a always,io_uring -S all", URING, "9,10,13,16,17,18,19,28,34,35,36", "9,10,13,16,17,18,19,28,34,35,36", { { 0 } } },
        { "-a always,io_uring -F uid=0", URING, "all", "all", { F(AUDIT_UID, EQ, 0) } },
        { "-a always,io_uring -F path=/etc/shadow -S openat", URING, NULL, NULL, { { 0 } },
          "field 'path' can only be used on the exit list", "field 'path' can only be used on the exit list" },
        { "-a always,io_uring -S openat -F perm=w", URING, NULL, NULL, { { 0 } },
          "field 'perm' can only be used on the exit list", "field 'perm' can only be used on the exit list" },
};

START_TEST(test_twin)
{
        const twin *t = &twins[_i / 2];
        int level = _i % 2 ? AK_COMPAT_4 : AK_COMPAT_3;
        const char *mask = level == AK_COMPAT_3 ? t->mask3 : t->mask4;
        const char *error = level == AK_COMPAT_3 ? t->error3 : t->error4;
        ak_rule got = {};
        char *msg = NULL;
        int k = ak_rule_from_text_compat(t->line, level, &got, &msg, NULL);

        if (!mask) {
                ck_assert_msg(k == -EINVAL, "'%s' compiles at level %d, should be refused", t->line, level);
                ck_assert_msg(msg && error && strstr(msg, error), "'%s' at level %d: message '%s', want '%s'",
                              t->line, level, msg ? msg : "(none)", error ? error : "?");
        } else {
                ak_rule want = golden_rule(t->list, AUDIT_ALWAYS, mask, t->f);

                if (strncmp(t->line, "-a never", 8) == 0)
                        want.data->action = AUDIT_NEVER;
                ck_assert_msg(k == 0, "'%s' refused at level %d: %s", t->line, level, msg ? msg : "?");
                assert_same("ak_rule_from_text_compat", t->line, level, &got, &want);
                ak_rule_done(&want);
                ak_rule_done(&got);
        }
        free(msg);
}
END_TEST

/* The default of the library is the most recent level. */
START_TEST(test_default_latest)
{
        ak_rule a = {}, b = {};
        ak_ruleset *rs = NULL;

        ck_assert_int_eq(AK_COMPAT_LATEST, AK_COMPAT_41);
        ck_assert_int_eq(ak_rule_from_text("-a always,exit -F arch=b64 -F perm=wa", &a, NULL, NULL), 0);
        ck_assert_int_eq(ak_rule_from_text_compat("-a always,exit -F arch=b64 -F perm=wa", 41, &b, NULL, NULL), 0);
        ck_assert(ak_rule_equal(&a, &b));
        ak_rule_done(&a);
        ak_rule_done(&b);
        ck_assert_int_eq(ak_rule_from_text_compat("-a always,exit -S open", 5, &a, NULL, NULL), -EINVAL);

        ck_assert_int_eq(ak_ruleset_new(&rs), 0);
        ck_assert_int_eq(rs->compat, AK_COMPAT_41);
        ck_assert_int_eq(rs->compat_origin, AK_COMPAT_ORIGIN_DEFAULT);
        ak_ruleset_free(rs);
}
END_TEST

/* Syscall names auditctl 4.0.2 knows on every arch: 457 statmount ... 462 mseal. (At level 3 they
 * resolve only when the installed libseccomp knows them, as every name auditctl 3.0.9 lacks.) */
START_TEST(test_names_457)
{
        static const char *const names[] = { "statmount", "listmount", "lsm_get_self_attr", "lsm_set_self_attr",
                                             "lsm_list_modules", "mseal" };

        for (size_t i = 0; i < N(names); i++)
                for (int b32 = 0; b32 < 2; b32++) {
                        char line[128];
                        ak_rule got = {};

                        snprintf(line, sizeof(line), "-a always,exit -F arch=%s -S %s", b32 ? "b32" : "b64", names[i]);
                        ck_assert_int_eq(ak_rule_from_text_compat(line, AK_COMPAT_4, &got, NULL, NULL), 0);
                        ck_assert_uint_eq(got.data->mask[(457 + i) / 32], 1u << ((457 + i) % 32));
                        ak_rule_done(&got);
                }
}
END_TEST

/* ------------------------------------------------------------------------------------------ */
/* rulesets: level, notes, directive, explanation */

static ak_ruleset *load_at(int level, ak_compat_origin origin, const char *text) {
        ak_ruleset *rs = NULL;

        ck_assert_int_eq(ak_ruleset_new(&rs), 0);
        if (level)
                ak_ruleset_set_compat(rs, level, origin, origin == AK_COMPAT_ORIGIN_HOST ? "auditctl version 4.0.2" : NULL);
        ck_assert_int_ge(ak_ruleset_add_text(rs, "test.rules", text, strlen(text)), 0);
        return rs;
}

static int has_message(const ak_diag *v, size_t n, const char *needle, unsigned line) {
        for (size_t i = 0; i < n; i++)
                if (strstr(v[i].message, needle) && (!line || v[i].line == line))
                        return 1;
        return 0;
}

static const char mixed[] =
        "-a always,exit -F arch=b64 -F perm=wa -k t1\n"        /* 1: means something else */
        "-a always,exit -F arch=b64 -S openat -k same\n"        /* 2: the same at both */
        "-a never,exclude -F euid=0\n"                          /* 3: refused at 3 */
        "-a always,exit -F arch=b64 -S all -F perm=w -k all\n"  /* 4: the same (all) */
        "-a always,io_uring -S openat -k u\n";                  /* 5: auditctl 3.0.9 has no io_uring */

START_TEST(test_notes_level3)
{
        ak_ruleset *rs = load_at(AK_COMPAT_3, AK_COMPAT_ORIGIN_COMMAND_LINE, mixed);

        ck_assert_int_eq(rs->compat, 3);
        ck_assert_uint_eq(rs->n_errors, 1);     /* line 3 */
        /* line 1 at 4 and 4.1, line 3 at 4 and 4.1, line 5 */
        ck_assert_uint_eq(rs->n_notes, 5);
        ck_assert(has_message(rs->notes, rs->n_notes,
                              "means something else at compat level 4 (auditctl 4.0.2): -F perm=wa with arch x86_64: auditctl 4.0.2 "
                              "limits the rule to the 38 write and attribute syscalls of x86_64 (auditctl 4.1.2: 43); auditctl 3.0.9 "
                              "leaves it on every syscall", 1));
        ck_assert(has_message(rs->notes, rs->n_notes, "means something else at compat level 4.1 (auditctl 4.1.2)", 1));
        ck_assert(has_message(rs->notes, rs->n_notes, "at compat level 4 (auditctl 4.0.2) this line is accepted", 3));
        ck_assert(has_message(rs->notes, rs->n_notes, "at compat level 4.1 (auditctl 4.1.2) this line is accepted", 3));
        ck_assert(has_message(rs->notes, rs->n_notes, "auditctl 3.0.9 has no io_uring list", 5));
        ak_ruleset_free(rs);
}
END_TEST

START_TEST(test_notes_level4)
{
        ak_ruleset *rs = load_at(AK_COMPAT_4, AK_COMPAT_ORIGIN_HOST, mixed);
        char buf[200];

        ck_assert_int_eq(rs->compat, 4);
        ck_assert_uint_eq(rs->n_errors, 0);
        ck_assert_uint_eq(rs->n_rules, 5);
        ck_assert_uint_eq(rs->n_notes, 3);
        ck_assert(has_message(rs->notes, rs->n_notes, "means something else at compat level 3 (auditctl 3.0.9)", 1));
        ck_assert(has_message(rs->notes, rs->n_notes, "means something else at compat level 4.1 (auditctl 4.1.2)", 1));
        ck_assert(has_message(rs->notes, rs->n_notes, "at compat level 3 (auditctl 3.0.9) this line is refused", 3));
        /* and the kernel's view of line 3, as a real warning */
        ck_assert(has_message(rs->diags, rs->n_diags, "field 'euid' on the exclude list: the kernel checks only", 3));
        ck_assert_str_eq(ak_ruleset_compat_describe(rs, buf, sizeof(buf)),
                         "4 (auditctl 4.0.2 meaning), from the installed auditctl version 4.0.2");
        ak_ruleset_free(rs);
}
END_TEST

/* A kernel loaded by the other level's auditctl: the rule it holds is explained. */
START_TEST(test_explain)
{
        ak_ruleset *rs = load_at(AK_COMPAT_4, AK_COMPAT_ORIGIN_COMMAND_LINE, mixed);
        ak_rule old = {}, other = {};
        char *e;

        ck_assert_int_eq(ak_rule_from_text_compat("-a always,exit -F arch=b64 -F perm=wa -k t1", 3, &old, NULL, NULL), 0);
        e = ak_ruleset_compat_explain(rs, &old);
        ck_assert_ptr_nonnull(e);
        ck_assert_msg(strstr(e, "test.rules:1 as auditctl 3.0.9 encodes it (compat level 3), not as compat level 4 (auditctl 4.0.2) does") &&
                      strstr(e, "38 write and attribute syscalls"), "%s", e);
        free(e);
        /* this level's own encoding, or an unrelated rule: nothing to explain */
        ck_assert_int_eq(ak_rule_from_text_compat("-a always,exit -F arch=b64 -F perm=wa -k t1", 4, &other, NULL, NULL), 0);
        ck_assert_ptr_null(ak_ruleset_compat_explain(rs, &other));
        ak_rule_done(&other);
        ck_assert_int_eq(ak_rule_from_text_compat("-a always,exit -F arch=b64 -S openat -k same", 3, &other, NULL, NULL), 0);
        ck_assert_ptr_null(ak_ruleset_compat_explain(rs, &other));
        ak_rule_done(&other);
        ak_rule_done(&old);
        ak_ruleset_free(rs);
}
END_TEST

START_TEST(test_directive)
{
        ak_ruleset *rs;
        char buf[200];

        /* the directive wins over the host and the default, wherever it is in the first source */
        rs = load_at(AK_COMPAT_4, AK_COMPAT_ORIGIN_HOST, "-a always,exit -F arch=b64 -F perm=w\n#  auditkeep: compat=3\n");
        ck_assert_int_eq(rs->compat, 3);
        ck_assert_int_eq(rs->compat_origin, AK_COMPAT_ORIGIN_RULES);
        ck_assert_str_eq(rs->compat_detail, "test.rules:2");
        ck_assert_uint_eq(rs->rules[0].data->mask[0], 0xffffffffu);
        ck_assert_str_eq(ak_ruleset_compat_describe(rs, buf, sizeof(buf)), "3 (auditctl 3.0.9 meaning), from compat=3 in test.rules:2");
        ak_ruleset_free(rs);

        /* the command line wins over the directive, which is then a warning */
        rs = load_at(AK_COMPAT_4, AK_COMPAT_ORIGIN_COMMAND_LINE, "# auditkeep: compat=3\n-a always,exit -F arch=b64 -F perm=x\n");
        ck_assert_int_eq(rs->compat, 4);
        ck_assert_uint_eq(rs->n_errors, 0);
        ck_assert(has_message(rs->diags, rs->n_diags, "compat=3 ignored: the command line says --compat=4", 1));
        ck_assert_uint_eq(rs->rules[0].data->mask[1], 1u << (59 - 32));
        ak_ruleset_free(rs);

        /* bad value, unknown directive, contradiction */
        rs = load_at(0, 0, "# auditkeep: compat=5\n# auditkeep: colour=blue\n# auditkeep: compat=4\n# auditkeep: compat=3\n");
        ck_assert_uint_eq(rs->n_errors, 2);
        ck_assert(has_message(rs->diags, rs->n_diags, "compat level '5' must be 3, 4 or 4.1", 1));
        ck_assert(has_message(rs->diags, rs->n_diags, "unknown auditkeep directive 'colour=blue'", 2));
        ck_assert(has_message(rs->diags, rs->n_diags, "compat=3 contradicts compat=4 of test.rules:3; the first is kept", 4));
        ck_assert_int_eq(rs->compat, 4);
        ak_ruleset_free(rs);

        /* not a directive: an ordinary comment mentioning it */
        rs = load_at(AK_COMPAT_3, AK_COMPAT_ORIGIN_HOST, "# see auditkeep: compat=4\n");
        ck_assert_int_eq(rs->compat, 3);
        ck_assert_uint_eq(rs->n_diags, 0);
        ak_ruleset_free(rs);

        /* too late: rules of an earlier source were compiled at another level */
        ck_assert_int_eq(ak_ruleset_new(&rs), 0);
        ak_ruleset_set_compat(rs, 4, AK_COMPAT_ORIGIN_HOST, NULL);
        ck_assert_int_ge(ak_ruleset_add_text(rs, "a.rules", "-a always,exit -S open\n", 23), 0);
        ck_assert_int_ge(ak_ruleset_add_text(rs, "b.rules", "# auditkeep: compat=3\n", 22), 0);
        ck_assert_int_eq(rs->compat, 4);
        ck_assert(has_message(rs->diags, rs->n_diags, "compat=3 comes after rules already compiled at level 4: put it in the first source", 1));
        ak_ruleset_free(rs);
}
END_TEST

START_TEST(test_version)
{
        static const struct { const char *text; int level; } v[] = {
                { "auditctl version 4.0.2", 4 }, { "auditctl version 3.0.9\n", 3 }, { "3.1.2", 3 }, { "4.0", 4 },
                { "4.0.3", 4 }, { "4.0.4", 41 }, { "4.0.5", 41 }, { "4.1.0", 41 }, { "auditctl version 4.1.2", 41 },
                { "4.2.1", 41 }, { "5.0", 41 }, { "2.8.5", 3 }, { "auditctl version 10.0", 41 },
                { "nothing", -EINVAL }, { "version 4", -EINVAL }, { "", -EINVAL },
        };
        static const struct { const char *text; int newer; } nv[] = {
                { "auditctl version 4.1.2", 0 }, { "4.1.1", 0 }, { "4.0.2", 0 }, { "3.0.9", 0 }, { "4.1.3", 1 },
                { "auditctl version 4.2", 1 }, { "5.0", 1 }, { "nothing", 0 },
        };

        for (size_t i = 0; i < N(nv); i++)
                ck_assert_msg(ak_compat_version_newer(nv[i].text) == nv[i].newer, "'%s' newer: %d", nv[i].text, nv[i].newer);
        ck_assert_int_eq(ak_compat_parse("4.1"), 41);
        ck_assert_int_eq(ak_compat_parse("41"), -EINVAL);
        ck_assert_str_eq(ak_compat_name(41), "4.1");
        ck_assert_str_eq(ak_compat_name(4), "4");
        ck_assert_str_eq(ak_compat_reference(41), "auditctl 4.1.2");

        for (size_t i = 0; i < N(v); i++)
                ck_assert_msg(ak_compat_from_version(v[i].text) == v[i].level, "'%s': %d, want %d", v[i].text,
                              ak_compat_from_version(v[i].text), v[i].level);
        ck_assert_int_eq(ak_compat_from_version(NULL), -EINVAL);
        ck_assert_int_eq(ak_compat_parse("3"), 3);
        ck_assert_int_eq(ak_compat_parse("4"), 4);
        ck_assert_int_eq(ak_compat_parse("4.0"), -EINVAL);
        ck_assert_int_eq(ak_compat_parse(""), -EINVAL);
        ck_assert_str_eq(ak_compat_reference(3), "auditctl 3.0.9");
        ck_assert_str_eq(ak_compat_reference(4), "auditctl 4.0.2");
}
END_TEST

/* What the formatter writes reads back as the same rule at the level that made it. */
START_TEST(test_round_trip)
{
        for (size_t i = 0; i < N(twins); i++)
                for (int level = AK_COMPAT_3; level <= AK_COMPAT_41; level = level == AK_COMPAT_4 ? AK_COMPAT_41 : level + 1) {
                        ak_rule r = {}, back = {};
                        char *text, *msg = NULL;

                        if (ak_rule_from_text_compat(twins[i].line, level, &r, NULL, NULL) < 0)
                                continue;
                        text = ak_rule_format_flags(&r, AK_FORMAT_NO_STAT);
                        ck_assert_ptr_nonnull(text);
                        ck_assert_msg(ak_rule_from_text_compat(text, level, &back, &msg, NULL) == 0,
                                      "level %d: '%s' -> '%s' does not read back: %s", level, twins[i].line, text, msg ? msg : "?");
                        ck_assert_msg(ak_rule_equal(&r, &back), "level %d: '%s' -> '%s' reads back differently", level,
                                      twins[i].line, text);
                        free(text);
                        free(msg);
                        ak_rule_done(&r);
                        ak_rule_done(&back);
                }
}
END_TEST

/* ------------------------------------------------------------------------------------------ */
/* level 4.1: what auditctl 4.1.2 compiles differently from 4.0.2; everything else as at 4 */

typedef struct at41 {
        const char *line;
        const char *mask;       /* NULL: refused, with `error` */
        xfield f[4];
        const char *error;
} at41;

static const at41 at41s[] = {
        { "-a always,exit -F arch=b64 -F perm=wa -k t1", X64_W "+" X64_A "+" ADD41_W "+" ADD41_A,
          { F(AUDIT_ARCH, EQ, ARCH_B64), F(AUDIT_PERM, EQ, 10), KEY("t1") } },
        { "-a always,exit -F arch=b32 -F perm=wa", I386_W "+" I386_A "+" ADD41_W "+" ADD41_A,
          { F(AUDIT_ARCH, EQ, ARCH_B32), F(AUDIT_PERM, EQ, 10) } },
        { "-a always,exit -F arch=b64 -F perm=r -F auid>=1000", X64_R "+" ADD41_R,
          { F(AUDIT_ARCH, EQ, ARCH_B64), F(AUDIT_PERM, EQ, 4), F(AUDIT_LOGINUID, AUDIT_GREATER_THAN_OR_EQUAL, 1000) } },
        { "-a always,exit -F arch!=b64 -F perm=x", X64_X, { F(AUDIT_ARCH, NE, ARCH_B64), F(AUDIT_PERM, EQ, 1) } },
        { "-a always,exit -S open -F perm=w", "2+" X64_W "+" ADD41_W, { F(AUDIT_PERM, EQ, 2) } },
        /* a class name the arch lacks is left out (4.0.4's filter), no longer refused */
        { "-a always,exit -F arch=aarch64 -F perm=w", A64_W41, { F(AUDIT_ARCH, EQ, 0xC00000B7u), F(AUDIT_PERM, EQ, 2) } },
        /* names 4.1.2 knows on every arch */
        { "-a always,exit -F arch=b64 -S setxattrat,removexattrat,file_setattr", "463,466,469", { F(AUDIT_ARCH, EQ, ARCH_B64) } },
        { "-a always,exit -F arch=b32 -S getxattrat -S listxattrat -S open_tree_attr -S file_getattr", "464,465,467,468",
          { F(AUDIT_ARCH, EQ, ARCH_B32) } },
        { "-a always,exit -F arch=b64 -S fchmodat2 -S quotactl_fd -S mseal", "443,452,462", { F(AUDIT_ARCH, EQ, ARCH_B64) } },
        { "-a always,exit -F arch=b64 -S file_setattrx", NULL, { { 0 } }, "unknown syscall 'file_setattrx'" },
};

START_TEST(test_level41)
{
        const at41 *t = &at41s[_i];
        ak_rule got = {};
        char *msg = NULL;
        int k = ak_rule_from_text_compat(t->line, AK_COMPAT_41, &got, &msg, NULL);

        if (!t->mask) {
                ck_assert_msg(k == -EINVAL && msg && strstr(msg, t->error), "'%s' at 4.1: %d '%s'", t->line, k, msg ? msg : "");
        } else {
                ak_rule want = golden_rule(EXIT, AUDIT_ALWAYS, t->mask, t->f);

                ck_assert_msg(k == 0, "'%s' refused at level 4.1: %s", t->line, msg ? msg : "?");
                assert_same("ak_rule_from_text_compat", t->line, AK_COMPAT_41, &got, &want);
                ak_rule_done(&want);
                ak_rule_done(&got);
        }
        free(msg);
}
END_TEST

/* Every other twin line means at 4.1 what it means at 4. */
START_TEST(test_level41_as_4)
{
        for (size_t i = 0; i < N(twins); i++) {
                ak_rule r4 = {}, r41 = {};
                int k4, k41, listed = 0;

                for (size_t j = 0; j < N(at41s); j++)
                        listed |= strcmp(at41s[j].line, twins[i].line) == 0;
                if (listed || strstr(twins[i].line, "perm="))
                        continue;
                k4 = ak_rule_from_text_compat(twins[i].line, AK_COMPAT_4, &r4, NULL, NULL);
                k41 = ak_rule_from_text_compat(twins[i].line, AK_COMPAT_41, &r41, NULL, NULL);
                ck_assert_msg(k4 == k41 && (k4 < 0 || ak_rule_equal(&r4, &r41)), "'%s': 4.1 differs from 4", twins[i].line);
                ak_rule_done(&r4);
                ak_rule_done(&r41);
        }
}
END_TEST

/* No silent gap: a perm rule whose expansion leaves out syscalls of its classes that the running
 * kernel has is a warning naming them and the way to close it; not an error. */
START_TEST(test_gap)
{
        static const char perm_wa[] = "-a always,exit -F arch=b64 -F path=/etc/shadow -F perm=wa\n";
        ak_ruleset *rs;

        setenv("AUDITKEEP_KERNEL_RELEASE", "6.18.44", 1);
        rs = load_at(AK_COMPAT_4, AK_COMPAT_ORIGIN_COMMAND_LINE, perm_wa);
        ck_assert_uint_eq(rs->n_errors, 0);
        ck_assert_uint_eq(rs->n_rules, 1);
        ck_assert(has_message(rs->diags, rs->n_diags,
                              "-F perm=wa with arch x86_64 at compat level 4 (auditctl 4.0.2) covers only the syscalls it lists: it "
                              "leaves out fchmodat2, setxattrat, removexattrat, which this kernel (6.18) has in its attribute class, so "
                              "the rule does not audit them; add -S fchmodat2,463,466 to the line, or use compat level 4.1 "
                              "(auditctl 4.1.2), whose expansion has them", 1));
        ck_assert_uint_eq(rs->diags[0].column, 56);    /* the value of perm= */
        ck_assert(rs->diags[0].warning);
        ak_ruleset_free(rs);

        /* closed by the -S list it suggests */
        rs = load_at(AK_COMPAT_4, AK_COMPAT_ORIGIN_COMMAND_LINE,
                     "-a always,exit -F arch=b64 -S fchmodat2,463,466 -F path=/etc/shadow -F perm=wa\n");
        ck_assert_uint_eq(rs->n_errors, 0);
        ck_assert(!has_message(rs->diags, rs->n_diags, "leaves out", 0));
        ak_ruleset_free(rs);

        /* level 4.1's expansion has them; 3 does not expand (the kernel classifies) */
        rs = load_at(AK_COMPAT_41, AK_COMPAT_ORIGIN_COMMAND_LINE, perm_wa);
        ck_assert(!has_message(rs->diags, rs->n_diags, "leaves out", 0));
        ak_ruleset_free(rs);
        rs = load_at(AK_COMPAT_3, AK_COMPAT_ORIGIN_COMMAND_LINE, perm_wa);
        ck_assert(!has_message(rs->diags, rs->n_diags, "leaves out", 0));
        ak_ruleset_free(rs);

        /* a kernel without those syscalls has no gap; execveat is in every level's gap */
        setenv("AUDITKEEP_KERNEL_RELEASE", "6.1.0-28-amd64", 1);
        rs = load_at(AK_COMPAT_4, AK_COMPAT_ORIGIN_COMMAND_LINE, perm_wa);
        ck_assert(!has_message(rs->diags, rs->n_diags, "leaves out", 0));
        ak_ruleset_free(rs);
        rs = load_at(AK_COMPAT_41, AK_COMPAT_ORIGIN_COMMAND_LINE, "-a always,exit -F arch=b64 -F perm=x\n");
        ck_assert(has_message(rs->diags, rs->n_diags, "it leaves out execveat, which this kernel (6.1) has in its execute "
                              "class, so the rule does not audit it; add -S execveat to the line", 1));
        ak_ruleset_free(rs);
        /* b32: the kernel's 32-bit calls */
        rs = load_at(AK_COMPAT_41, AK_COMPAT_ORIGIN_COMMAND_LINE, "-a always,exit -F arch=b32 -F perm=a\n");
        ck_assert(has_message(rs->diags, rs->n_diags, "it leaves out chown32, fchown32, lchown32, which", 1));
        ak_ruleset_free(rs);
        unsetenv("AUDITKEEP_KERNEL_RELEASE");
}
END_TEST

static Suite *compat_suite(void) {
        Suite *s = suite_create("compat");
        TCase *tc = tcase_create("compat");

        tcase_add_loop_test(tc, test_twin, 0, 2 * (int) N(twins));
        tcase_add_test(tc, test_default_latest);
        tcase_add_test(tc, test_names_457);
        tcase_add_test(tc, test_notes_level3);
        tcase_add_test(tc, test_notes_level4);
        tcase_add_test(tc, test_explain);
        tcase_add_test(tc, test_directive);
        tcase_add_test(tc, test_version);
        tcase_add_test(tc, test_round_trip);
        tcase_add_loop_test(tc, test_level41, 0, (int) N(at41s));
        tcase_add_test(tc, test_level41_as_4);
        tcase_add_test(tc, test_gap);
        suite_add_tcase(s, tc);
        return s;
}

AK_TEST_MAIN(compat_suite)
