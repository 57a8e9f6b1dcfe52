/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* lib/parse.c: the audit.rules language compiled into struct audit_rule_data as auditctl 3.0.9
 * does it, the desired state a set of files describes, and the FILE:LINE:COLUMN diagnostics.
 *
 * Expected bytes are built here from first principles (uapi constants, syscall numbers as
 * `ausyscall` prints them, libaudit 3.0.9's rules), never by calling the parser. */
#include <check.h>

#include "golden-rule.h"
#include "test-util.h"
#include <errno.h>
#include <ftw.h>
#include <pwd.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <linux/audit.h>

#include "auditkeep/ak-rules.h"
#include "rule-internal.h"

#define N(x) (sizeof(x) / sizeof((x)[0]))

/* ------------------------------------------------------------------------------------------ */
/* the expected rule, built independently */

#define EQ AUDIT_EQUAL
#define NE AUDIT_NOT_EQUAL
#define LT AUDIT_LESS_THAN
#define GT AUDIT_GREATER_THAN
#define LE AUDIT_LESS_THAN_OR_EQUAL
#define GE AUDIT_GREATER_THAN_OR_EQUAL
#define BM AUDIT_BIT_MASK
#define BT AUDIT_BIT_TEST

#define ARCH_B64 0xC000003Eu    /* AUDIT_ARCH_X86_64 */
#define ARCH_B32 0x40000003u    /* AUDIT_ARCH_I386 */
#define ARCH_AARCH64 0xC00000B7u

#define PERM_R 4u
#define PERM_W 2u
#define PERM_X 1u
#define PERM_A 8u

static void assert_bytes(const char *what, const char *line, const ak_rule *got, const ak_rule *want) {
        char diff[512] = "";

        if (got->size != want->size || memcmp(got->data, want->data, want->size) != 0)
                golden_rule_diff(got, want, diff, sizeof(diff));
        ck_assert_msg(got->size == want->size && memcmp(got->data, want->data, want->size) == 0,
                      "%s: '%s': %s", what, line, diff);
}

/* ------------------------------------------------------------------------------------------ */
/* helpers */

static ak_ruleset *load_text(const char *name, const char *text, size_t len) {
        ak_ruleset *rs = NULL;

        ck_assert_int_eq(ak_ruleset_new(&rs), 0);
        ck_assert_int_ge(ak_ruleset_add_text(rs, name, text, len), 0);
        return rs;
}

static ak_ruleset *load(const char *text) {
        return load_text("test.rules", text, strlen(text));
}

/* All diagnostics, one per line, for failure messages. */
static char *all_diags(const ak_ruleset *rs) {
        size_t cap = 1, len = 0;
        char *s = calloc(1, 1);

        for (size_t i = 0; i < rs->n_diags; i++) {
                char *d = ak_diag_format(&rs->diags[i]);
                size_t l = strlen(d);
                s = realloc(s, cap + l + 1);
                memcpy(s + len, d, l);
                len += l;
                s[len++] = '|';
                s[len] = '\0';
                cap += l + 1;
                free(d);
        }
        return s;
}

static const ak_diag *first_error(const ak_ruleset *rs) {
        for (size_t i = 0; i < rs->n_diags; i++)
                if (!rs->diags[i].warning)
                        return &rs->diags[i];
        return NULL;
}

static void assert_clean(const ak_ruleset *rs, const char *what) {
        char *d = all_diags(rs);
        ck_assert_msg(rs->n_errors == 0, "%s: unexpected errors: %s", what, d);
        free(d);
}

static void rule_from(const char *text, ak_rule *r) {
        char *msg = NULL;
        unsigned col = 0;
        int k = ak_rule_from_text(text, r, &msg, &col);

        ck_assert_msg(k == 0, "'%s' does not compile: %d %u: %s", text, k, col, msg ? msg : "(no message)");
        free(msg);
}

/* ------------------------------------------------------------------------------------------ */
/* golden bytes */

enum {
        G_NO_SET = 1,   /* -d/-W: a ruleset would need the rule first */
        G_LEVEL3 = 2,   /* compat level 4 compiles it differently (tests/unit/test-compat.c) */
};

typedef struct golden {
        const char *line;
        uint32_t list, action;
        const char *mask;
        xfield f[12];
        int flags;
} golden;

#define EXIT AUDIT_FILTER_EXIT
#define TASK AUDIT_FILTER_TASK
#define USER AUDIT_FILTER_USER
#define EXCL AUDIT_FILTER_EXCLUDE
#define FSL AUDIT_FILTER_FS
#define URING AUDIT_FILTER_URING_EXIT
#define ALWAYS AUDIT_ALWAYS
#define NEVER AUDIT_NEVER

static const golden goldens[] = {
        /* -a/-A: list and action in both orders, every list */
        { "-a always,exit -S open", EXIT, ALWAYS, "2", { { 0 } } },
        { "-a exit,always -S open", EXIT, ALWAYS, "2", { { 0 } } },
        { "-A always,exit -S open", EXIT, ALWAYS, "2", { { 0 } } },
        { "-A exit,never -S openat", EXIT, NEVER, "257", { { 0 } } },
        { "-a never,task", TASK, NEVER, NULL, { { 0 } } },
        { "-a task,always -F uid=0", TASK, ALWAYS, NULL, { F(AUDIT_UID, EQ, 0) } },
        { "-A always,task -F auid=1000", TASK, ALWAYS, NULL, { F(AUDIT_LOGINUID, EQ, 1000) } },
        { "-a always,user -F uid=0", USER, ALWAYS, "all", { F(AUDIT_UID, EQ, 0) } },
        { "-a user,never -F msgtype=USER_LOGIN", USER, NEVER, "all", { F(AUDIT_MSGTYPE, EQ, 1112) } },
        { "-a always,user -F msgtype>=1100 -F msgtype<=1199", USER, ALWAYS, "all",
          { F(AUDIT_MSGTYPE, GE, 1100), F(AUDIT_MSGTYPE, LE, 1199) } },
        { "-a never,exclude -F msgtype=CWD", EXCL, NEVER, "all", { F(AUDIT_MSGTYPE, EQ, 1307) } },
        { "-a exclude,always -F msgtype=1300", EXCL, ALWAYS, "all", { F(AUDIT_MSGTYPE, EQ, 1300) } },
        { "-a never,exclude -F msgtype!=AVC -F uid=0 -F auid>=1000", EXCL, NEVER, "all",
          { F(AUDIT_MSGTYPE, NE, 1400), F(AUDIT_UID, EQ, 0), F(AUDIT_LOGINUID, GE, 1000) } },
        { "-a never,exclude -F subj_type=chronyd_t", EXCL, NEVER, "all", { S(AUDIT_SUBJ_TYPE, EQ, "chronyd_t") } },
        { "-a never,exclude -F exe=/usr/sbin/chronyd", EXCL, NEVER, "all", { S(AUDIT_EXE, EQ, "/usr/sbin/chronyd") } },
        { "-a never,exclude -F pid=1 -F gid=0", EXCL, NEVER, "all", { F(AUDIT_PID, EQ, 1), F(AUDIT_GID, EQ, 0) } },
        { "-a never,filesystem -F fstype=debugfs", FSL, NEVER, "all", { F(AUDIT_FSTYPE, EQ, 0x64626720) } },
        { "-a filesystem,never -F fstype=tracefs -k trace", FSL, NEVER, "all",
          { F(AUDIT_FSTYPE, EQ, 0x74726163), KEY("trace") } },
        { "-a never,filesystem -F fstype!=0x9fa0", FSL, NEVER, "all", { F(AUDIT_FSTYPE, NE, 0x9fa0) } },
        { "-a always,io_uring -S openat", URING, ALWAYS, "18", { { 0 } } },
        { "-a never,io_uring -S openat,close", URING, NEVER, "18,19", { { 0 } } },

        /* -d: the same construction */
        { "-d always,exit -S open", EXIT, ALWAYS, "2", { { 0 } }, G_NO_SET },
        { "-d never,task", TASK, NEVER, NULL, { { 0 } }, G_NO_SET },
        { "-d exclude,never -F msgtype=CWD", EXCL, NEVER, "all", { F(AUDIT_MSGTYPE, EQ, 1307) }, G_NO_SET },

        /* -w/-W: path (105) or dir (107), perm default rwxa, -p rewrites in place, key last */
        { "-w /etc/passwd", EXIT, ALWAYS, "all",
          { S(AUDIT_WATCH, EQ, "/etc/passwd"), F(AUDIT_PERM, EQ, 15) } },
        { "-w /etc/passwd -p wa -k identity", EXIT, ALWAYS, "all",
          { S(AUDIT_WATCH, EQ, "/etc/passwd"), F(AUDIT_PERM, EQ, PERM_W | PERM_A), KEY("identity") } },
        { "-w /etc/passwd -k a -p x", EXIT, ALWAYS, "all",
          { S(AUDIT_WATCH, EQ, "/etc/passwd"), F(AUDIT_PERM, EQ, PERM_X), KEY("a") } },
        { "-w /etc/passwd -p wa -p r", EXIT, ALWAYS, "all",
          { S(AUDIT_WATCH, EQ, "/etc/passwd"), F(AUDIT_PERM, EQ, PERM_R) } },
        { "-w /etc/passwd -p RWXA", EXIT, ALWAYS, "all",
          { S(AUDIT_WATCH, EQ, "/etc/passwd"), F(AUDIT_PERM, EQ, 15) } },
        { "-w /tmp", EXIT, ALWAYS, "all", { S(AUDIT_DIR, EQ, "/tmp"), F(AUDIT_PERM, EQ, 15) } },
        { "-w /tmp/ -p r", EXIT, ALWAYS, "all", { S(AUDIT_DIR, EQ, "/tmp"), F(AUDIT_PERM, EQ, PERM_R) } },
        { "-w /tmp/// -p r", EXIT, ALWAYS, "all", { S(AUDIT_DIR, EQ, "/tmp"), F(AUDIT_PERM, EQ, PERM_R) } },
        { "-w / -p r", EXIT, ALWAYS, "all", { S(AUDIT_DIR, EQ, "/"), F(AUDIT_PERM, EQ, PERM_R) } },
        { "-w /etc/ak-no-such-dir/ -p w", EXIT, ALWAYS, "all",
          { S(AUDIT_WATCH, EQ, "/etc/ak-no-such-dir"), F(AUDIT_PERM, EQ, PERM_W) } },
        { "-w /etc/passwd -F auid>=1000 -p wa", EXIT, ALWAYS, "all",
          { S(AUDIT_WATCH, EQ, "/etc/passwd"), F(AUDIT_PERM, EQ, PERM_W | PERM_A), F(AUDIT_LOGINUID, GE, 1000) } },
        { "-w /etc/my\\ file -p w", EXIT, ALWAYS, "all",
          { S(AUDIT_WATCH, EQ, "/etc/my file"), F(AUDIT_PERM, EQ, PERM_W) } },
        { "-w /etc/back\\\\slash", EXIT, ALWAYS, "all",
          { S(AUDIT_WATCH, EQ, "/etc/back\\slash"), F(AUDIT_PERM, EQ, 15) } },
        { "-w /etc/passwd -k a -k b", EXIT, ALWAYS, "all",
          { S(AUDIT_WATCH, EQ, "/etc/passwd"), F(AUDIT_PERM, EQ, 15), KEY("a\x01" "b") } },
        { "-W /etc/passwd -p wa -k identity", EXIT, ALWAYS, "all",
          { S(AUDIT_WATCH, EQ, "/etc/passwd"), F(AUDIT_PERM, EQ, PERM_W | PERM_A), KEY("identity") }, G_NO_SET },

        /* -S: names per arch, numbers, comma lists, repeated -S, all */
        { "-a always,exit -F arch=b64 -S open", EXIT, ALWAYS, "2", { F(AUDIT_ARCH, EQ, ARCH_B64) } },
        { "-a always,exit -F arch=b32 -S open", EXIT, ALWAYS, "5", { F(AUDIT_ARCH, EQ, ARCH_B32) } },
        { "-a always,exit -F arch=b32 -S open,openat,execve", EXIT, ALWAYS, "5,295,11", { F(AUDIT_ARCH, EQ, ARCH_B32) } },
        { "-a always,exit -F arch=b64 -S open,openat,execve", EXIT, ALWAYS, "2,257,59", { F(AUDIT_ARCH, EQ, ARCH_B64) } },
        { "-a always,exit -S open,openat -S chmod", EXIT, ALWAYS, "2,257,90", { { 0 } } },
        { "-a always,exit -S open -S open", EXIT, ALWAYS, "2", { { 0 } } },
        { "-a always,exit -S 2 -S 0x101", EXIT, ALWAYS, "2,257", { { 0 } } },
        { "-a always,exit -S OPENAT", EXIT, ALWAYS, "257", { { 0 } } },
        { "-a always,exit -S all", EXIT, ALWAYS, "all", { { 0 } } },
        { "-a always,exit -S open -S all", EXIT, ALWAYS, "all", { { 0 } } },
        { "-a never,exit -F arch=b32 -S all -F key=32bit-abi", EXIT, NEVER, "all",
          { F(AUDIT_ARCH, EQ, ARCH_B32), KEY("32bit-abi") } },
        { "-a always,exit -F arch=aarch64 -S openat", EXIT, ALWAYS, "56", { F(AUDIT_ARCH, EQ, ARCH_AARCH64) } },
        { "-a always,exit -F arch=x86_64 -S chmod", EXIT, ALWAYS, "90", { F(AUDIT_ARCH, EQ, ARCH_B64) } },
        { "-a always,exit -F arch=i386 -S chmod", EXIT, ALWAYS, "15", { F(AUDIT_ARCH, EQ, ARCH_B32) } },
        /* libaudit takes the arch for -S names whatever the operator: open is i386's 5 here */
        { "-a always,exit -F arch!=b32 -S open", EXIT, ALWAYS, "5", { F(AUDIT_ARCH, NE, ARCH_B32) } },
        { "-a always,exit -F arch=0xc000003e -S open", EXIT, ALWAYS, "2", { F(AUDIT_ARCH, EQ, ARCH_B64) } },
        { "-a always,exit -F arch=b64 -S mount,umount2 -F auid>=1000", EXIT, ALWAYS, "165,166",
          { F(AUDIT_ARCH, EQ, ARCH_B64), F(AUDIT_LOGINUID, GE, 1000) } },

        /* uid-type fields: numbers, -1, unset, names, every comparison */
        { "-a always,exit -S open -F uid=1000", EXIT, ALWAYS, "2", { F(AUDIT_UID, EQ, 1000) } },
        { "-a always,exit -S open -F euid!=0", EXIT, ALWAYS, "2", { F(AUDIT_EUID, NE, 0) } },
        { "-a always,exit -S open -F suid<1000", EXIT, ALWAYS, "2", { F(AUDIT_SUID, LT, 1000) } },
        { "-a always,exit -S open -F fsuid>1000", EXIT, ALWAYS, "2", { F(AUDIT_FSUID, GT, 1000) } },
        { "-a always,exit -S open -F auid<=999", EXIT, ALWAYS, "2", { F(AUDIT_LOGINUID, LE, 999) } },
        { "-a always,exit -S open -F auid>=1000 -F auid!=unset", EXIT, ALWAYS, "2",
          { F(AUDIT_LOGINUID, GE, 1000), F(AUDIT_LOGINUID, NE, 4294967295u) } },
        { "-a always,exit -S open -F auid!=-1", EXIT, ALWAYS, "2", { F(AUDIT_LOGINUID, NE, 0xffffffffu) } },
        { "-a always,exit -S open -F auid=unset", EXIT, ALWAYS, "2", { F(AUDIT_LOGINUID, EQ, 0xffffffffu) } },
        { "-a always,exit -S open -F loginuid=0", EXIT, ALWAYS, "2", { F(AUDIT_LOGINUID, EQ, 0) } },
        { "-a always,exit -S open -F AUID=0x3e8", EXIT, ALWAYS, "2", { F(AUDIT_LOGINUID, EQ, 1000) } },
        { "-a always,exit -S open -F obj_uid=root -F euid=root", EXIT, ALWAYS, "2",
          { F(AUDIT_OBJ_UID, EQ, 0), F(AUDIT_EUID, EQ, 0) } },

        /* gid-type fields */
        { "-a always,exit -S open -F gid=0 -F egid!=4 -F sgid>=4 -F fsgid<=100 -F obj_gid=root", EXIT, ALWAYS, "2",
          { F(AUDIT_GID, EQ, 0), F(AUDIT_EGID, NE, 4), F(AUDIT_SGID, GE, 4), F(AUDIT_FSGID, LE, 100),
            F(AUDIT_OBJ_GID, EQ, 0) } },
        { "-a always,exit -S open -F gid=root -F gid>0x10 -F gid<010", EXIT, ALWAYS, "2",
          { F(AUDIT_GID, EQ, 0), F(AUDIT_GID, GT, 16), F(AUDIT_GID, LT, 8) } },

        /* pid, ppid, pers (every operator) */
        { "-a always,exit -S open -F pid=1 -F ppid!=1 -F pers&0x0008 -F pers&=8 -F pers>1 -F pers<2",
          EXIT, ALWAYS, "2",
          { F(AUDIT_PID, EQ, 1), F(AUDIT_PPID, NE, 1), F(AUDIT_PERS, BM, 8), F(AUDIT_PERS, BT, 8),
            F(AUDIT_PERS, GT, 1), F(AUDIT_PERS, LT, 2) } },

        /* exit and success */
        { "-a always,exit -S open -F exit=-EACCES", EXIT, ALWAYS, "2", { F(AUDIT_EXIT, EQ, (uint32_t) -13) } },
        { "-a always,exit -S open -F exit=-13", EXIT, ALWAYS, "2", { F(AUDIT_EXIT, EQ, (uint32_t) -13) } },
        { "-a always,exit -S open -F exit=EPERM", EXIT, ALWAYS, "2", { F(AUDIT_EXIT, EQ, 1) } },
        { "-a always,exit -S open -F exit!=0 -F exit<-1 -F exit>=-4095", EXIT, ALWAYS, "2",
          { F(AUDIT_EXIT, NE, 0), F(AUDIT_EXIT, LT, 0xffffffffu), F(AUDIT_EXIT, GE, (uint32_t) -4095) } },
        { "-a always,exit -S open -F success=0 -F success!=1", EXIT, ALWAYS, "2",
          { F(AUDIT_SUCCESS, EQ, 0), F(AUDIT_SUCCESS, NE, 1) } },

        /* inode, devmajor, devminor */
        { "-a always,exit -S open -F inode=1234", EXIT, ALWAYS, "2", { F(AUDIT_INODE, EQ, 1234) } },
        { "-a always,exit -S open -F inode!=5", EXIT, ALWAYS, "2", { F(AUDIT_INODE, NE, 5) } },
        { "-a always,exit -S open -F devmajor=8 -F devmajor>=1 -F devminor&3 -F devminor&=1 -F devminor<9",
          EXIT, ALWAYS, "2",
          { F(AUDIT_DEVMAJOR, EQ, 8), F(AUDIT_DEVMAJOR, GE, 1), F(AUDIT_DEVMINOR, BM, 3),
            F(AUDIT_DEVMINOR, BT, 1), F(AUDIT_DEVMINOR, LT, 9) } },

        /* perm, path, dir, exe */
        { "-a always,exit -F path=/etc/shadow -F perm=wa -k shadow", EXIT, ALWAYS, "all",
          { S(AUDIT_WATCH, EQ, "/etc/shadow"), F(AUDIT_PERM, EQ, PERM_W | PERM_A), KEY("shadow") } },
        { "-a always,exit -S open -F perm=RWXA", EXIT, ALWAYS, "2", { F(AUDIT_PERM, EQ, 15) }, G_LEVEL3 },
        { "-a always,exit -F perm=wa -k x", EXIT, ALWAYS, "all", { F(AUDIT_PERM, EQ, PERM_W | PERM_A), KEY("x") } },
        { "-a always,exit -F dir=/etc/selinux/ -F perm=wa -k mac", EXIT, ALWAYS, "all",
          { S(AUDIT_DIR, EQ, "/etc/selinux/"), F(AUDIT_PERM, EQ, PERM_W | PERM_A), KEY("mac") } },
        { "-a always,exit -F path=/usr/bin/sudo -F perm=x -F auid>=1000 -F auid!=unset -k priv", EXIT, ALWAYS, "all",
          { S(AUDIT_WATCH, EQ, "/usr/bin/sudo"), F(AUDIT_PERM, EQ, PERM_X), F(AUDIT_LOGINUID, GE, 1000),
            F(AUDIT_LOGINUID, NE, 4294967295u), KEY("priv") } },
        { "-a always,exit -F exe=/usr/bin/ping -S socket -F a0=2 -k ping", EXIT, ALWAYS, "41",
          { S(AUDIT_EXE, EQ, "/usr/bin/ping"), F(AUDIT_ARG0, EQ, 2), KEY("ping") } },
        { "-a always,exit -S open -F exe!=/bin/x", EXIT, ALWAYS, "2", { S(AUDIT_EXE, NE, "/bin/x") } },

        /* filetype */
        { "-a always,exit -S open -F filetype=file -F filetype!=dir", EXIT, ALWAYS, "2",
          { F(AUDIT_FILETYPE, EQ, S_IFREG), F(AUDIT_FILETYPE, NE, S_IFDIR) } },
        { "-a always,exit -S open -F filetype=socket -F filetype=link -F filetype=character -F filetype=block -F filetype=fifo",
          EXIT, ALWAYS, "2",
          { F(AUDIT_FILETYPE, EQ, 0140000), F(AUDIT_FILETYPE, EQ, 0120000), F(AUDIT_FILETYPE, EQ, 0020000),
            F(AUDIT_FILETYPE, EQ, 0060000), F(AUDIT_FILETYPE, EQ, 0010000) } },

        /* LSM strings */
        { "-a always,exit -S open -F obj_user=system_u -F obj_role!=object_r -F obj_type=shadow_t -F obj_lev_low=s0 -F obj_lev_high=s0:c0.c1023",
          EXIT, ALWAYS, "2",
          { S(AUDIT_OBJ_USER, EQ, "system_u"), S(AUDIT_OBJ_ROLE, NE, "object_r"), S(AUDIT_OBJ_TYPE, EQ, "shadow_t"),
            S(AUDIT_OBJ_LEV_LOW, EQ, "s0"), S(AUDIT_OBJ_LEV_HIGH, EQ, "s0:c0.c1023") } },
        { "-a always,exit -S open -F subj_user=unconfined_u -F subj_role=r -F subj_type!=t -F subj_sen=s0 -F subj_clr=s1",
          EXIT, ALWAYS, "2",
          { S(AUDIT_SUBJ_USER, EQ, "unconfined_u"), S(AUDIT_SUBJ_ROLE, EQ, "r"), S(AUDIT_SUBJ_TYPE, NE, "t"),
            S(AUDIT_SUBJ_SEN, EQ, "s0"), S(AUDIT_SUBJ_CLR, EQ, "s1") } },
        { "-a always,user -F subj_user=x", USER, ALWAYS, "all", { S(AUDIT_SUBJ_USER, EQ, "x") } },

        /* sessionid, a0-a3, saddr_fam, field_compare */
        { "-a always,exit -S open -F sessionid=5 -F sessionid!=unset -F sessionid<-1", EXIT, ALWAYS, "2",
          { F(AUDIT_SESSIONID, EQ, 5), F(AUDIT_SESSIONID, NE, 4294967295u), F(AUDIT_SESSIONID, LT, 0xffffffffu) } },
        { "-a always,user -F sessionid>=1", USER, ALWAYS, "all", { F(AUDIT_SESSIONID, GE, 1) } },
        { "-a always,exit -S open -F a0=0x10 -F a1!=-1 -F a2&0x3 -F a3&=4 -F a0<5 -F a1>6 -F a2<=7 -F a3>=8",
          EXIT, ALWAYS, "2",
          { F(AUDIT_ARG0, EQ, 16), F(AUDIT_ARG1, NE, 0xffffffffu), F(AUDIT_ARG2, BM, 3), F(AUDIT_ARG3, BT, 4),
            F(AUDIT_ARG0, LT, 5), F(AUDIT_ARG1, GT, 6), F(AUDIT_ARG2, LE, 7), F(AUDIT_ARG3, GE, 8) } },
        { "-a always,exit -S connect -F saddr_fam=2 -F saddr_fam!=10", EXIT, ALWAYS, "42",
          { F(AUDIT_SADDR_FAM, EQ, 2), F(AUDIT_SADDR_FAM, NE, 10) } },
        { "-a always,exit -S open -F field_compare=1", EXIT, ALWAYS, "2",
          { F(AUDIT_FIELD_COMPARE, EQ, AUDIT_COMPARE_UID_TO_OBJ_UID) } },

        /* -C: both orders give the same code */
        { "-a always,exit -S open -C uid!=auid", EXIT, ALWAYS, "2",
          { F(AUDIT_FIELD_COMPARE, NE, AUDIT_COMPARE_UID_TO_AUID) } },
        { "-a always,exit -S open -C auid!=uid", EXIT, ALWAYS, "2",
          { F(AUDIT_FIELD_COMPARE, NE, AUDIT_COMPARE_UID_TO_AUID) } },
        { "-a always,exit -S open -C euid=obj_uid -C gid!=egid -C fsgid=sgid -C obj_gid=egid", EXIT, ALWAYS, "2",
          { F(AUDIT_FIELD_COMPARE, EQ, AUDIT_COMPARE_EUID_TO_OBJ_UID), F(AUDIT_FIELD_COMPARE, NE, AUDIT_COMPARE_GID_TO_EGID),
            F(AUDIT_FIELD_COMPARE, EQ, AUDIT_COMPARE_SGID_TO_FSGID), F(AUDIT_FIELD_COMPARE, EQ, AUDIT_COMPARE_EGID_TO_OBJ_GID) } },

        /* keys: -F key= and -k, joined with 0x01, always the last field */
        { "-a always,exit -S open -F key=k1", EXIT, ALWAYS, "2", { KEY("k1") } },
        { "-a always,exit -S open -k a -F key=b -k c", EXIT, ALWAYS, "2", { KEY("a\x01" "b\x01" "c") } },
        { "-a always,exit -F key=late -S open -F uid=0", EXIT, ALWAYS, "2", { F(AUDIT_UID, EQ, 0), KEY("late") } },
        { "-a always,exit -S open -k first -F uid=0 -F gid=0", EXIT, ALWAYS, "2",
          { F(AUDIT_UID, EQ, 0), F(AUDIT_GID, EQ, 0), KEY("first") } },
        { "-a always,exit -S open -k with\\ space", EXIT, ALWAYS, "2", { KEY("with space") } },
        /* auditctl 3.0.9 drops an empty -F key= silently (nothing is appended to its key buffer) */
        { "-a always,exit -S open -F key=", EXIT, ALWAYS, "2", { { 0 } } },

        /* default "all" mask on non-task rules without -S */
        { "-a always,exit -F auid>=1000", EXIT, ALWAYS, "all", { F(AUDIT_LOGINUID, GE, 1000) } },
        { "-a never,exit", EXIT, NEVER, "all", { { 0 } } },

        /* option clusters, as getopt reads them */
        { "-a always,exit -Sopen -kkey", EXIT, ALWAYS, "2", { KEY("key") } },
        { "-aalways,exit -Fuid=0", EXIT, ALWAYS, "all", { F(AUDIT_UID, EQ, 0) } },
        /* spaces around tokens */
        { "   -a  always,exit   -S open   ", EXIT, ALWAYS, "2", { { 0 } } },
};

/* Every line at compat level 3 (auditctl 3.0.9), and at level 4 (auditctl 4.0.2) too unless
 * 4.0.2 compiles it differently. */
START_TEST(test_golden)
{
        const golden *g = &goldens[_i / 2];
        int level = _i % 2 ? AK_COMPAT_4 : AK_COMPAT_3;
        ak_rule want = golden_rule(g->list, g->action, g->mask, g->f), got = {};
        char *msg = NULL;
        int k;

        if (level == AK_COMPAT_4 && (g->flags & G_LEVEL3)) {
                ak_rule_done(&want);
                return;
        }
        k = ak_rule_from_text_compat(g->line, level, &got, &msg, NULL);
        ck_assert_msg(k == 0, "'%s' does not compile at level %d: %s", g->line, level, msg ? msg : "?");
        free(msg);
        assert_bytes(level == AK_COMPAT_3 ? "ak_rule_from_text_compat(3)" : "ak_rule_from_text_compat(4)", g->line, &got, &want);
        ck_assert_uint_eq(ak_rule_list(&got), g->list);
        ak_rule_done(&got);

        if (!(g->flags & G_NO_SET)) {
                ak_ruleset *rs = NULL;
                char *d;

                ck_assert_int_eq(ak_ruleset_new(&rs), 0);
                ak_ruleset_set_compat(rs, level, AK_COMPAT_ORIGIN_COMMAND_LINE, NULL);
                ck_assert_int_ge(ak_ruleset_add_text(rs, "golden.rules", g->line, strlen(g->line)), 0);
                d = all_diags(rs);

                ck_assert_msg(rs->n_errors == 0 && rs->n_rules == 1, "'%s': %zu errors, %zu rules: %s",
                              g->line, rs->n_errors, rs->n_rules, d);
                assert_bytes("ak_ruleset_add_text", g->line, &rs->rules[0], &want);
                ck_assert_str_eq(rs->rules[0].file, "golden.rules");
                ck_assert_uint_eq(rs->rules[0].line, 1);
                free(d);
                ak_ruleset_free(rs);
        }
        ak_rule_done(&want);
}
END_TEST

/* Users resolve at load time, through the passwd database. */
START_TEST(test_golden_user_names)
{
        struct passwd *pw = getpwnam("daemon");
        ak_rule got = {}, want;
        xfield f[2] = { F(AUDIT_UID, EQ, 0) };

        if (!pw)
                return;
        f[0].value = pw->pw_uid;
        want = golden_rule(EXIT, ALWAYS, "2", f);
        rule_from("-a always,exit -S open -F uid=daemon", &got);
        assert_bytes("uid=daemon", "-a always,exit -S open -F uid=daemon", &got, &want);
        ak_rule_done(&got);
        ak_rule_done(&want);
}
END_TEST

/* The io_uring list without -S has every bit, as every other list (auditctl 4.0.2 and master add
 * "all" in handle_request); "-S all" there is only the operations auditctl knows below 37:
 * sendmsg 9, recvmsg 10, accept 13, connect 16, fallocate 17, openat 18, close 19, openat2 28,
 * shutdown 34, renameat 35, unlinkat 36 (seen on Debian 13's auditctl 4.0.2). */
START_TEST(test_golden_uring_default)
{
        static const xfield uid0[] = { F(AUDIT_UID, EQ, 0), { 0 } };
        ak_rule got = {}, want;

        want = golden_rule(URING, ALWAYS, "all", uid0);
        rule_from("-a always,io_uring -F uid=0", &got);
        assert_bytes("io_uring without -S", "-a always,io_uring -F uid=0", &got, &want);
        ak_rule_done(&got);
        ak_rule_done(&want);

        want = golden_rule(URING, ALWAYS, "9,10,13,16,17,18,19,28,34,35,36", NULL);
        rule_from("-a always,io_uring -S all", &got);
        assert_bytes("io_uring -S all", "-a always,io_uring -S all", &got, &want);
        ak_rule_done(&got);
        ak_rule_done(&want);
}
END_TEST

/* The field limit: 63 fields, or 62 plus the key (auditctl checks field_count >= 63 before adding
 * each field, the key included). */
START_TEST(test_golden_field_limit)
{
        char line[2048];
        ak_rule got = {}, want;
        xfield f[65] = { { 0 } };
        size_t len;

        /* 63 fields */
        len = (size_t) snprintf(line, sizeof(line), "-a always,exit -S open");
        for (int i = 0; i < 63; i++) {
                len += (size_t) snprintf(line + len, sizeof(line) - len, " -F uid=%d", i);
                f[i] = (xfield) F(AUDIT_UID, EQ, (uint32_t) i);
        }
        want = golden_rule(EXIT, ALWAYS, "2", f);
        rule_from(line, &got);
        assert_bytes("63 fields", "(63 fields)", &got, &want);
        ak_rule_done(&got);
        ak_rule_done(&want);

        /* 62 fields and a key */
        memset(f, 0, sizeof(f));
        len = (size_t) snprintf(line, sizeof(line), "-a always,exit -S open");
        for (int i = 0; i < 62; i++) {
                len += (size_t) snprintf(line + len, sizeof(line) - len, " -F uid=%d", i);
                f[i] = (xfield) F(AUDIT_UID, EQ, (uint32_t) i);
        }
        snprintf(line + len, sizeof(line) - len, " -k k");
        f[62] = (xfield) KEY("k");
        want = golden_rule(EXIT, ALWAYS, "2", f);
        rule_from(line, &got);
        assert_bytes("62 fields + key", "(62 fields + key)", &got, &want);
        ak_rule_done(&got);
        ak_rule_done(&want);
}
END_TEST

/* A key of exactly 256 bytes is allowed, alone or joined. */
START_TEST(test_golden_key_256)
{
        char key[257], line[600], k1[128], k2[128];
        ak_rule got = {}, want;

        memset(key, 'k', 256);
        key[256] = '\0';
        snprintf(line, sizeof(line), "-w /etc/passwd -k %s", key);
        {
                xfield f[] = { S(AUDIT_WATCH, EQ, "/etc/passwd"), F(AUDIT_PERM, EQ, 15), KEY(key), { 0 } };
                want = golden_rule(EXIT, ALWAYS, "all", f);
        }
        rule_from(line, &got);
        assert_bytes("256-byte key", "(256-byte key)", &got, &want);
        ak_rule_done(&got);
        ak_rule_done(&want);

        /* 127 + 1 + 128 = 256 */
        memset(k1, 'a', 127);
        k1[127] = '\0';
        memset(k2, 'b', 127);
        k2[127] = '\0';
        snprintf(line, sizeof(line), "-w /etc/passwd -k %s -k %sb", k1, k2);
        snprintf(key, sizeof(key), "%s\x01%sb", k1, k2);
        ck_assert_uint_eq(strlen(key), 256);
        {
                xfield f[] = { S(AUDIT_WATCH, EQ, "/etc/passwd"), F(AUDIT_PERM, EQ, 15), KEY(key), { 0 } };
                want = golden_rule(EXIT, ALWAYS, "all", f);
        }
        rule_from(line, &got);
        assert_bytes("joined 256-byte key", "(joined key)", &got, &want);
        ak_rule_done(&got);
        ak_rule_done(&want);
}
END_TEST

/* The single-line API: no rule, no message wanted, a line end left on the text. */
START_TEST(test_from_text_api)
{
        ak_rule r = {}, plain = {};
        char *msg = NULL;
        unsigned col = 0;
        int k;

        ck_assert_int_eq(ak_rule_from_text("-b 10", &r, &msg, &col), -EINVAL);
        ck_assert_str_eq(msg, "not a rule (-a, -A, -d, -w or -W)");
        ck_assert_uint_eq(col, 1);
        free(msg);
        msg = NULL;
        ck_assert_int_eq(ak_rule_from_text("", &r, &msg, &col), -EINVAL);
        ck_assert_ptr_nonnull(msg);
        free(msg);
        msg = NULL;
        ck_assert_int_eq(ak_rule_from_text("   ", &r, &msg, &col), -EINVAL);
        free(msg);
        msg = NULL;
        ck_assert_int_eq(ak_rule_from_text("-D", &r, &msg, &col), -EINVAL);
        free(msg);
        ck_assert_int_eq(ak_rule_from_text("-a always,exit -S opne", &r, NULL, NULL), -EINVAL);

        /* a line end on the text: refused, or the same rule as without it; never a watch on a
         * path that ends in '\n' */
        rule_from("-w /etc/passwd -p wa -k k", &plain);
        msg = NULL;
        k = ak_rule_from_text("-w /etc/passwd -p wa -k k\n", &r, &msg, &col);
        if (k == 0) {
                assert_bytes("trailing newline", "-w /etc/passwd -p wa -k k\\n", &r, &plain);
                ak_rule_done(&r);
        } else
                ck_assert_int_eq(k, -EINVAL);
        free(msg);
        msg = NULL;
        k = ak_rule_from_text("-w /etc/passwd -p wa -k k\r\n", &r, &msg, &col);
        if (k == 0) {
                assert_bytes("trailing CRLF", "-w /etc/passwd -p wa -k k\\r\\n", &r, &plain);
                ak_rule_done(&r);
        }
        free(msg);
        ak_rule_done(&plain);
}
END_TEST

/* ------------------------------------------------------------------------------------------ */
/* rules that auditctl 3.0.9 compiles, but the kernel refuses: auditctl -R reports the line */

static const struct {
        const char *line;
        unsigned col;   /* the token to blame; 0: any column */
} kernel_refuses[] = {
        { "-a always,exit -S open -F uid=unset", 0 },           /* uid -1 is no valid kuid */
        { "-a always,exit -S open -F fsuid=-1", 0 },
        { "-a never,filesystem -F uid=0", 0 },                  /* FS list: only fstype and key */
        { "-a always,exit -F path=/etc/passwd -F path=/etc/shadow", 0 }, /* one watch per rule */
        { "-a always,exit -F dir=/tmp -F path=/etc/passwd", 0 },
        { "-a always,exit -S open -F path!=/etc/passwd", 0 },   /* watches: '=' only */
        { "-a always,exit -S open -F dir!=/tmp", 0 },
        { "-a always,exit -S open -F path=/etc/", 0 },          /* no trailing '/' on a watch */
        { "-a always,exit -S open -F auid>=-1", 0 },            /* legacy loginuid_set: = and != only */
};

START_TEST(test_kernel_refuses)
{
        ak_ruleset *rs = load_text("k.rules", kernel_refuses[_i].line, strlen(kernel_refuses[_i].line));
        char *d = all_diags(rs);

        ck_assert_msg(rs->n_errors == 1 && rs->n_rules == 0,
                      "'%s': the kernel refuses this rule; want 1 error and no rule, got %zu errors, %zu rules: %s",
                      kernel_refuses[_i].line, rs->n_errors, rs->n_rules, d);
        free(d);
        ak_ruleset_free(rs);
}
END_TEST

/* ------------------------------------------------------------------------------------------ */
/* the desired state */

START_TEST(test_state_delete_all)
{
        ak_ruleset *rs = load("-w /etc/passwd\n-a never,task\n-b 10\n-D\n-w /etc/shadow\n");
        char buf[64];

        assert_clean(rs, "-D");
        ck_assert_uint_eq(rs->n_rules, 1);
        ck_assert_uint_eq(rs->rules[0].line, 5);
        ck_assert_uint_eq(rs->n_rule_lines, 4);
        ck_assert_str_eq(ak_rule_key(&rs->rules[0], buf, sizeof(buf)), "");
        /* -D does not touch status settings */
        ck_assert_uint_eq(rs->status.backlog_limit, 10);
        ak_ruleset_free(rs);
}
END_TEST

START_TEST(test_state_delete_key)
{
        ak_ruleset *rs = load("-w /etc/passwd -k pw1\n"
                              "-w /etc/shadow -k sh\n"
                              "-w /etc/group -k xpw2\n"
                              "-a always,exit -S open -k foo -k pwz\n"
                              "-a never,task\n"
                              "-D -k pw\n");
        char buf[300];

        assert_clean(rs, "-D -k");
        ck_assert_uint_eq(rs->n_rules, 2);
        ck_assert_uint_eq(rs->rules[0].line, 5); /* task list first */
        ck_assert_str_eq(ak_rule_key(&rs->rules[1], buf, sizeof(buf)), "sh");
        ak_ruleset_free(rs);
}
END_TEST

START_TEST(test_state_prepend)
{
        ak_ruleset *rs = load("-a always,exit -S open -k a\n"
                              "-a always,exit -S chmod -k b\n"
                              "-A always,exit -S execve -k c\n");
        char buf[64];

        assert_clean(rs, "-A");
        ck_assert_uint_eq(rs->n_rules, 3);
        ck_assert_str_eq(ak_rule_key(&rs->rules[0], buf, sizeof(buf)), "c");
        ck_assert_str_eq(ak_rule_key(&rs->rules[1], buf, sizeof(buf)), "a");
        ck_assert_str_eq(ak_rule_key(&rs->rules[2], buf, sizeof(buf)), "b");
        /* stored without the PREPEND flag, as the kernel lists it */
        ck_assert_uint_eq(rs->rules[0].data->flags, AUDIT_FILTER_EXIT);
        ak_ruleset_free(rs);
}
END_TEST

START_TEST(test_state_delete_first)
{
        /* -A of an identical rule is not detected by the kernel: two copies; -d removes the first. */
        ak_ruleset *rs = load("-a always,exit -S open -k a\n"
                              "-a always,exit -S chmod\n"
                              "-A always,exit -S open -k a\n"
                              "-d always,exit -S open -k a\n"
                              "-w /etc/passwd -p wa\n"
                              "-W /etc/passwd -p wa\n");

        assert_clean(rs, "-d");
        ck_assert_uint_eq(rs->n_rules, 2);
        ck_assert_uint_eq(rs->rules[0].line, 1);
        ck_assert_uint_eq(rs->rules[1].line, 2);
        ck_assert_uint_eq(rs->n_rule_lines, 6);
        ak_ruleset_free(rs);
}
END_TEST

START_TEST(test_state_delete_missing)
{
        /* line 5's -W has no match (line 4 removed it): reported, not fatal */
        ak_ruleset *rs = load("-w /etc/passwd -p wa\n"
                              "-a always,exit -S open\n"
                              "-d always,exit -S open -k other\n"
                              "-W /etc/passwd -p wa\n"
                              "-W /etc/passwd -p wa\n");
        char *d;

        ck_assert_uint_eq(rs->n_errors, 2);
        ck_assert_uint_eq(rs->n_rules, 1);
        d = ak_diag_format(first_error(rs));
        ck_assert_str_eq(d, "test.rules:3:1: no such rule to delete (no earlier line adds exactly this rule)");
        free(d);
        d = ak_diag_format(&rs->diags[1]);
        ck_assert_str_eq(d, "test.rules:5:1: no such rule to delete (no earlier line adds exactly this rule)");
        free(d);
        ak_ruleset_free(rs);
}
END_TEST

START_TEST(test_state_duplicate)
{
        ak_ruleset *rs = load("-w /etc/passwd -p wa -k x\n"
                              "-a always,exit -S open\n"
                              "-w /etc/passwd -p wa -k x\n"
                              "-a always,exit -S open -S open\n");

        ck_assert_uint_eq(rs->n_errors, 0);
        ck_assert_uint_eq(rs->n_rules, 2);
        ck_assert_uint_eq(rs->n_diags, 2);
        ck_assert(rs->diags[0].warning);
        ck_assert_uint_eq(rs->diags[0].line, 3);
        ck_assert_uint_eq(rs->diags[0].column, 1);
        ck_assert_ptr_nonnull(strstr(rs->diags[0].message, "duplicate"));
        ck_assert_ptr_nonnull(strstr(rs->diags[0].message, "test.rules:1"));
        ck_assert(rs->diags[1].warning);
        ck_assert_uint_eq(rs->diags[1].line, 4);
        ck_assert_ptr_nonnull(strstr(rs->diags[1].message, "test.rules:2"));
        {
                char *d = ak_diag_format(&rs->diags[0]);
                ck_assert_ptr_nonnull(strstr(d, "test.rules:3:1: warning: duplicate rule"));
                free(d);
        }
        ck_assert_uint_eq(rs->rules[0].line, 1);
        ak_ruleset_free(rs);
}
END_TEST

START_TEST(test_state_status)
{
        ak_ruleset *rs = load("-b 100\n"
                              "-b 0x200\n"
                              "-f 0\n"
                              "-f 2\n"
                              "-e 0\n"
                              "-e 2\n"
                              "-r 010\n"
                              "--backlog_wait_time 60000\n"
                              "--reset-lost\n"
                              "--loginuid-immutable\n");

        assert_clean(rs, "status");
        ck_assert_uint_eq(rs->n_rules, 0);
        ck_assert_uint_eq(rs->n_rule_lines, 0);
        ck_assert_uint_eq(rs->status.mask, AUDIT_STATUS_ENABLED | AUDIT_STATUS_FAILURE | AUDIT_STATUS_RATE_LIMIT |
                                           AUDIT_STATUS_BACKLOG_LIMIT | AUDIT_STATUS_BACKLOG_WAIT_TIME);
        ck_assert_uint_eq(rs->status.backlog_limit, 512);
        ck_assert_uint_eq(rs->status.failure, 2);
        ck_assert_uint_eq(rs->status.enabled, 1);
        ck_assert_int_eq(rs->lock, 1);
        ck_assert_uint_eq(rs->status.rate_limit, 8);    /* strtoul(.., 0): octal */
        ck_assert_uint_eq(rs->status.backlog_wait_time, 60000);
        ck_assert_int_eq(rs->reset_lost, 1);
        ck_assert_int_eq(rs->loginuid_immutable, 1);
        ck_assert_uint_eq(rs->n_status_settings, 10);
        ak_ruleset_free(rs);

        rs = load("-e 2\n-e 1\n");
        ck_assert_uint_eq(rs->status.enabled, 1);
        ck_assert_int_eq(rs->lock, 0);
        ak_ruleset_free(rs);

        rs = load("-e 0\n");
        ck_assert_uint_eq(rs->status.mask, AUDIT_STATUS_ENABLED);
        ck_assert_uint_eq(rs->status.enabled, 0);
        ck_assert_int_eq(rs->lock, 0);
        ck_assert_int_eq(rs->reset_lost, 0);
        ak_ruleset_free(rs);

        rs = load("-w /etc/passwd\n");
        ck_assert_uint_eq(rs->status.mask, 0);
        ck_assert_uint_eq(rs->n_status_settings, 0);
        ak_ruleset_free(rs);

        /* getopt_long accepts a unique abbreviation, and --opt=value */
        rs = load("--backlog=100\n--loginuid\n--backlog_wait_time=0x20\n--reset-l\n");
        assert_clean(rs, "abbreviations");
        ck_assert_uint_eq(rs->status.backlog_wait_time, 0x20);
        ck_assert_int_eq(rs->loginuid_immutable, 1);
        ck_assert_int_eq(rs->reset_lost, 1);
        ak_ruleset_free(rs);
        rs = load("--backlog=100\n");
        ck_assert_uint_eq(rs->status.backlog_wait_time, 100);
        ck_assert_uint_eq(rs->status.mask, AUDIT_STATUS_BACKLOG_WAIT_TIME);
        ak_ruleset_free(rs);

        /* -c and -i are accepted (auditkeep always continues) */
        rs = load("-c\n-i\n");
        assert_clean(rs, "-c -i");
        ak_ruleset_free(rs);
}
END_TEST

/* After `-e 2` the kernel refuses every rule change: `auditctl -R` of this file leaves no rule,
 * and reports line 2. */
START_TEST(test_state_rules_after_lock)
{
        ak_ruleset *rs = load("-e 2\n-w /etc/passwd -p wa\n");
        int found = 0;
        char *d = all_diags(rs);

        for (size_t i = 0; i < rs->n_diags; i++)
                if (rs->diags[i].line == 2)
                        found = 1;
        ck_assert_msg(found, "a rule after -e 2 is refused by the kernel, yet nothing is reported: %s", d);
        free(d);
        ak_ruleset_free(rs);
}
END_TEST

START_TEST(test_state_counts_and_order)
{
        ak_ruleset *rs = load("-a always,io_uring -S openat\n"
                              "-a never,filesystem -F fstype=debugfs\n"
                              "-a never,exclude -F msgtype=CWD\n"
                              "-a always,exit -S open\n"
                              "-w /etc/passwd\n"
                              "-a never,task\n"
                              "-a always,user -F uid=0\n"
                              "-b 8\n"
                              "-a always,exit -S opne\n");
        static const uint32_t want[] = { 0, 1, 4, 4, 5, 6, 7 };
        static const unsigned lines[] = { 7, 6, 4, 5, 3, 2, 1 };

        ck_assert_uint_eq(rs->n_rules, 7);
        ck_assert_uint_eq(rs->n_errors, 1);
        ck_assert_uint_eq(rs->n_diags, 1);
        ck_assert_uint_eq(rs->n_status_settings, 1);
        ck_assert_uint_eq(rs->n_rule_lines, 7);
        for (size_t i = 0; i < N(want); i++) {
                ck_assert_uint_eq(ak_rule_list(&rs->rules[i]), want[i]);
                ck_assert_uint_eq(rs->rules[i].line, lines[i]);
        }
        ck_assert_uint_eq(rs->n_files, 1);
        ck_assert_str_eq(rs->files[0], "test.rules");
        ak_ruleset_free(rs);
}
END_TEST

START_TEST(test_state_lines)
{
        ak_ruleset *rs;
        ak_rule want;

        /* comments, blank lines, indentation */
        rs = load("# comment\n\n   \n  # indented comment\n#-w /etc/shadow\n-w /etc/passwd\n   ");
        ck_assert_uint_eq(rs->n_diags, 0);
        ck_assert_uint_eq(rs->n_rules, 1);
        ck_assert_uint_eq(rs->rules[0].line, 6);
        ak_ruleset_free(rs);

        /* "\ " and "\\" escapes */
        rs = load("-w /etc/my\\ file -p w -k a\\\\b\n");
        assert_clean(rs, "escapes");
        {
                xfield f[] = { S(AUDIT_WATCH, EQ, "/etc/my file"), F(AUDIT_PERM, EQ, PERM_W), KEY("a\\b"), { 0 } };
                want = golden_rule(EXIT, ALWAYS, "all", f);
        }
        ck_assert_uint_eq(rs->n_rules, 1);
        assert_bytes("escapes", "-w /etc/my\\ file", &rs->rules[0], &want);
        ak_rule_done(&want);
        ak_ruleset_free(rs);

        /* CRLF line ends, and no newline at the end */
        rs = load("-w /etc/passwd -p wa\r\n-b 10\r\n\r\n-a always,exit -S open -k k\r\n-f 1");
        assert_clean(rs, "CRLF");
        ck_assert_uint_eq(rs->n_rules, 2);
        ck_assert_uint_eq(rs->status.backlog_limit, 10);
        ck_assert_uint_eq(rs->status.failure, 1);
        {
                xfield f[] = { S(AUDIT_WATCH, EQ, "/etc/passwd"), F(AUDIT_PERM, EQ, PERM_W | PERM_A), { 0 } };
                want = golden_rule(EXIT, ALWAYS, "all", f);
        }
        assert_bytes("CRLF", "-w /etc/passwd -p wa\\r", &rs->rules[0], &want);
        ak_rule_done(&want);
        {
                xfield f[] = { KEY("k"), { 0 } };
                want = golden_rule(EXIT, ALWAYS, "2", f);
        }
        assert_bytes("CRLF", "-a always,exit -S open -k k\\r", &rs->rules[1], &want);
        ak_rule_done(&want);
        ak_ruleset_free(rs);

        /* empty text */
        rs = load("");
        ck_assert_uint_eq(rs->n_rules, 0);
        ck_assert_uint_eq(rs->n_diags, 0);
        ak_ruleset_free(rs);

        /* -s and -l only print: warnings */
        rs = load("-s\n-l\n");
        ck_assert_uint_eq(rs->n_errors, 0);
        ck_assert_uint_eq(rs->n_diags, 2);
        ck_assert(rs->diags[0].warning && rs->diags[1].warning);
        ak_ruleset_free(rs);
}
END_TEST

/* Several add_text calls accumulate, each file named. */
START_TEST(test_state_several_texts)
{
        ak_ruleset *rs = NULL;
        const char *a = "-w /etc/passwd\n-b 1\n", *b = "-D\n-w /etc/shadow\n-b 2\n-x\n";
        char *d;

        ck_assert_int_eq(ak_ruleset_new(&rs), 0);
        ck_assert_int_ge(ak_ruleset_add_text(rs, "a.rules", a, strlen(a)), 0);
        ck_assert_int_ge(ak_ruleset_add_text(rs, "b.rules", b, strlen(b)), 0);
        ck_assert_uint_eq(rs->n_rules, 1);
        ck_assert_str_eq(rs->rules[0].file, "b.rules");
        ck_assert_uint_eq(rs->rules[0].line, 2);
        ck_assert_uint_eq(rs->status.backlog_limit, 2);
        ck_assert_uint_eq(rs->n_errors, 1);
        d = ak_diag_format(first_error(rs));
        ck_assert_ptr_nonnull(strstr(d, "b.rules:4:1: "));
        free(d);
        ak_ruleset_free(rs);
}
END_TEST

/* A rule's text asked for before another source changes the list is not kept for the new list:
 * each text is the rule's at that index now (it was the old list's, or past its end). */
START_TEST(test_rule_text_after_more_sources)
{
        ak_ruleset *rs = NULL;
        const char *a = "-w /etc/passwd -p wa -k a\n",
                   *b = "-a always,exit -F arch=b64 -S ptrace -k b\n-w /etc/shadow -p wa -k c\n-w /etc/group -p wa -k d\n";

        ck_assert_int_eq(ak_ruleset_new(&rs), 0);
        ck_assert_int_ge(ak_ruleset_add_text(rs, "a.rules", a, strlen(a)), 0);
        ck_assert_str_eq(ak_ruleset_rule_text(rs, 0), "-w /etc/passwd -p wa -k a");
        ck_assert_int_ge(ak_ruleset_add_text(rs, "b.rules", b, strlen(b)), 0);
        ck_assert_uint_eq(rs->n_rules, 4);
        for (size_t i = 0; i < rs->n_rules; i++) {
                char *t = ak_rule_format_flags(&rs->rules[i], AK_FORMAT_NO_STAT);

                ck_assert_str_eq(ak_ruleset_rule_text(rs, i), t);
                free(t);
        }
        ak_ruleset_free(rs);
}
END_TEST

/* The planner takes each desired rule's hash from the parser: after prepends, deletes, -D and a
 * second source, the hash kept for each index is that rule's own. */
START_TEST(test_rule_hashes_follow_the_list)
{
        ak_ruleset *rs = NULL;
        const char *a = "-w /etc/passwd -p wa -k a\n-a always,exit -F arch=b64 -S ptrace -k b\n-D -k a\n"
                        "-w /etc/hosts -p wa\n-A always,exit -F arch=b64 -S kill -k c\n",
                   *b = "-A exclude,always -F msgtype=CWD\n-w /etc/group -p wa -k d\n"
                        "-d always,exit -F arch=b64 -S ptrace -k b\n-A always,exit -F arch=b64 -S tkill\n";
        const uint64_t *h;

        ck_assert_int_eq(ak_ruleset_new(&rs), 0);
        ck_assert_int_ge(ak_ruleset_add_text(rs, "a.rules", a, strlen(a)), 0);
        ck_assert_int_ge(ak_ruleset_add_text(rs, "b.rules", b, strlen(b)), 0);
        ck_assert_uint_eq(rs->n_errors, 0);
        ck_assert_uint_eq(rs->n_rules, 5);
        h = ak_ruleset_hashes(rs);
        ck_assert_ptr_nonnull(h);
        for (size_t i = 0; i < rs->n_rules; i++)
                ck_assert_uint_eq(h[i], ak_rule_hash(&rs->rules[i]));
        for (size_t i = 1; i < rs->n_rules; i++)
                ck_assert_uint_ne(h[i], h[i - 1]);
        /* a list changed by hand has none: the planner hashes its rules itself */
        rs->n_rules--;
        ck_assert_ptr_null(ak_ruleset_hashes(rs));
        rs->n_rules++;
        ck_assert_ptr_eq(ak_ruleset_hashes(rs), h);
        ak_ruleset_free(rs);
}
END_TEST

/* ------------------------------------------------------------------------------------------ */
/* files and directories */

static char tmpdir[64];

static void write_file(const char *dir, const char *name, const char *text, mode_t mode) {
        char path[256];
        FILE *f;

        snprintf(path, sizeof(path), "%s/%s", dir, name);
        f = fopen(path, "w");
        ck_assert_ptr_nonnull(f);
        fputs(text, f);
        fclose(f);
        ck_assert_int_eq(chmod(path, mode), 0);
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
        (void) st, (void) flag, (void) ftw;
        return remove(path);
}

static void make_tmpdir(void) {
        snprintf(tmpdir, sizeof(tmpdir), "/tmp/ak-test-parse-XXXXXX");
        ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

static void remove_tmpdir(void) {
        nftw(tmpdir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

START_TEST(test_source_dir)
{
        ak_ruleset *rs = NULL;
        char path[256], buf[64], *d;

        make_tmpdir();
        write_file(tmpdir, "2.rules",
                   "-D\n"
                   "-b 100\n"
                   "-w /etc/passwd -p wa -k pw\n"
                   "-e 1\n"
                   "-f 1\n", 0644);
        write_file(tmpdir, "10.rules",
                   "## comment\n"
                   "-D\n"
                   "-w /etc/shadow -p wa -k sh\n"
                   "-b 200\n"
                   "-a always,exit -S opne\n"
                   "-e 2\n", 0640);
        write_file(tmpdir, "README", "this is no rule\n", 0644);
        write_file(tmpdir, "1.rules.bak", "-x\n", 0644);
        write_file(tmpdir, ".hidden.rules", "-x\n", 0644);

        ck_assert_int_eq(ak_ruleset_new(&rs), 0);
        ck_assert_int_ge(ak_ruleset_add_source(rs, tmpdir), 0);

        ck_assert_uint_eq(rs->n_sources, 1);
        ck_assert_str_eq(rs->sources[0], tmpdir);
        ck_assert_uint_eq(rs->n_files, 2);
        snprintf(path, sizeof(path), "%s/2.rules", tmpdir);
        ck_assert_str_eq(rs->files[0], path);
        snprintf(path, sizeof(path), "%s/10.rules", tmpdir);
        ck_assert_str_eq(rs->files[1], path);

        /* the -D of 10.rules goes first: the watch of 2.rules survives */
        ck_assert_uint_eq(rs->n_rules, 2);
        ck_assert_str_eq(ak_rule_key(&rs->rules[0], buf, sizeof(buf)), "pw");
        ck_assert_uint_eq(rs->rules[0].line, 3);
        ck_assert_ptr_nonnull(strstr(rs->rules[0].file, "/2.rules"));
        ck_assert_str_eq(ak_rule_key(&rs->rules[1], buf, sizeof(buf)), "sh");
        ck_assert_uint_eq(rs->rules[1].line, 3);
        ck_assert_ptr_nonnull(strstr(rs->rules[1].file, "/10.rules"));

        /* the last -b, -f, -e win */
        ck_assert_uint_eq(rs->status.backlog_limit, 200);
        ck_assert_uint_eq(rs->status.failure, 1);
        ck_assert_uint_eq(rs->status.enabled, 1);
        ck_assert_int_eq(rs->lock, 1);

        ck_assert_uint_eq(rs->n_errors, 1);
        d = ak_diag_format(first_error(rs));
        snprintf(path, sizeof(path), "%s/10.rules:5:19: unknown syscall 'opne' for arch b64, did you mean 'open'?", tmpdir);
        ck_assert_str_eq(d, path);
        free(d);
        ak_ruleset_free(rs);

        /* -e 2 goes last, so rules after it in the files still load */
        write_file(tmpdir, "0.rules", "-e 2\n-w /etc/group\n", 0644);
        ck_assert_int_eq(ak_ruleset_new(&rs), 0);
        ck_assert_int_ge(ak_ruleset_add_source(rs, tmpdir), 0);
        ck_assert_uint_eq(rs->n_rules, 3);
        ck_assert_int_eq(rs->lock, 1);
        ck_assert_uint_eq(rs->n_files, 3);
        ak_ruleset_free(rs);

        /* a -D -k stays in place */
        write_file(tmpdir, "20.rules", "-D -k pw\n", 0644);
        ck_assert_int_eq(ak_ruleset_new(&rs), 0);
        ck_assert_int_ge(ak_ruleset_add_source(rs, tmpdir), 0);
        ck_assert_uint_eq(rs->n_rules, 2);
        ck_assert_str_eq(ak_rule_key(&rs->rules[1], buf, sizeof(buf)), "sh");
        ak_ruleset_free(rs);

        remove_tmpdir();
}
END_TEST

/* Trust (issue #22): a source is read only when no one but its owner can have written it. Each
 * case: the source, the trusted uid, warn_only, the rules read, the diagnostic expected (its
 * text after "FILE: "; "" for none). The tmpdir is ours (0700), the files are made per case. */
static ak_ruleset *trust_read(const char *source, uid_t owner, int warn_only) {
        ak_ruleset *rs = NULL;

        ck_assert_int_eq(ak_ruleset_new(&rs), 0);
        ak_ruleset_set_trust(rs, owner, warn_only);
        ck_assert_int_ge(ak_ruleset_add_source(rs, source), 0);
        return rs;
}

static void trust_expect(const char *source, uid_t owner, int warn_only, size_t n_rules, const char *diag) {
        ak_ruleset *rs = trust_read(source, owner, warn_only);
        char *all = all_diags(rs);

        ck_assert_msg(rs->n_rules == n_rules, "%s: %zu rules, not %zu (%s)", source, rs->n_rules, n_rules, all);
        if (*diag)
                ck_assert_msg(strstr(all, diag), "%s: expected '%s' in '%s'", source, diag, all);
        else
                ck_assert_msg(rs->n_diags == 0, "%s: unexpected '%s'", source, all);
        ck_assert_uint_eq(rs->n_errors, *diag && !warn_only ? 1 : 0);
        free(all);
        ak_ruleset_free(rs);
}

START_TEST(test_source_trust)
{
        const uid_t me = geteuid(), other = geteuid() + 4242;
        char path[256], path2[256], want[512];
        ak_ruleset *rs;

        make_tmpdir();
        write_file(tmpdir, "ok.rules", "-w /etc/passwd -p wa\n", 0644);
        snprintf(path, sizeof(path), "%s/ok.rules", tmpdir);
        trust_expect(path, me, 0, 1, "");
        trust_expect(tmpdir, me, 0, 1, "");

        /* a symlink to a device: refused, and the device is never opened */
        snprintf(path, sizeof(path), "%s/zero.rules", tmpdir);
        ck_assert_int_eq(symlink("/dev/zero", path), 0);
        trust_expect(path, me, 0, 0, "zero.rules: not a regular file but a character device (it leads to /dev/zero)");
        /* ... even for a user drafting rules: an error */
        rs = trust_read(path, me, 1);
        ck_assert_uint_eq(rs->n_errors, 1);
        ck_assert_uint_eq(rs->n_rules, 0);
        rs = ak_ruleset_free(rs);
        ck_assert_int_eq(unlink(path), 0);

        /* a FIFO does not block the reader */
        snprintf(path, sizeof(path), "%s/fifo.rules", tmpdir);
        ck_assert_int_eq(mkfifo(path, 0600), 0);
        trust_expect(path, me, 0, 0, "fifo.rules: not a regular file but a FIFO");
        trust_expect(tmpdir, me, 0, 1, "fifo.rules: not a regular file but a FIFO");
        ck_assert_int_eq(unlink(path), 0);

        /* a file writable by its group */
        write_file(tmpdir, "gw.rules", "-w /etc/shadow -p wa\n", 0664);
        snprintf(path, sizeof(path), "%s/gw.rules", tmpdir);
        trust_expect(path, me, 0, 0, "gw.rules: file is writable by its group (mode 0664); auditkeepd does not load it (augenrules would)");
        trust_expect(tmpdir, me, 0, 1, "gw.rules: file is writable by its group");
        /* the same for a draft: a warning, and the rules read */
        trust_expect(path, me, 1, 1, "gw.rules: warning: file is writable by its group");
        ck_assert_int_eq(unlink(path), 0);

        /* files and directory of someone else than the trusted owner */
        snprintf(path, sizeof(path), "%s/ok.rules", tmpdir);
        snprintf(want, sizeof(want), "ok.rules: its directory %s is owned by uid %u, not by uid %u", tmpdir,
                 (unsigned) me, (unsigned) other);
        trust_expect(path, other, 0, 0, want);
        snprintf(want, sizeof(want), "%s: directory is owned by uid %u, not by uid %u; auditkeepd does not load any of its files",
                 tmpdir, (unsigned) me, (unsigned) other);
        trust_expect(tmpdir, other, 0, 0, want);
        if (me == 0) {
                write_file(tmpdir, "nobody.rules", "-w /etc/group -p wa\n", 0644);
                snprintf(path2, sizeof(path2), "%s/nobody.rules", tmpdir);
                ck_assert_int_eq(chown(path2, 65534, 65534), 0);
                trust_expect(path2, 0, 0, 0, "nobody.rules: file is owned by uid 65534, not by root");
                trust_expect(tmpdir, 0, 0, 1, "nobody.rules: file is owned by uid 65534, not by root");
                ck_assert_int_eq(unlink(path2), 0);
        }

        /* a directory writable by others or by its group: its files are refused, named or listed */
        ck_assert_int_eq(chmod(tmpdir, 0777), 0);
        trust_expect(path, me, 0, 0, "ok.rules: its directory");
        trust_expect(path, me, 0, 0, "is writable by others (mode 0777)");
        trust_expect(tmpdir, me, 0, 0, "directory is writable by others (mode 0777); auditkeepd does not load any of its files");
        ck_assert_int_eq(chmod(tmpdir, 0770), 0);
        trust_expect(path, me, 0, 0, "is writable by its group (mode 0770)");
        trust_expect(tmpdir, me, 0, 0, "directory is writable by its group (mode 0770)");
        trust_expect(tmpdir, me, 1, 1, "warning: directory is writable by its group");

        /* a sticky directory (as /tmp): enough for a file named explicitly, not for a rules dir */
        ck_assert_int_eq(chmod(tmpdir, 01777), 0);
        trust_expect(path, me, 0, 1, "");
        trust_expect(tmpdir, me, 0, 0, "directory is writable by others (mode 1777)");

        /* a symlink in a trusted rules directory is judged by its target's directory, which is
         * not named explicitly: no sticky exception */
        ck_assert_int_eq(chmod(tmpdir, 0700), 0);
        snprintf(path2, sizeof(path2), "%s/sub", tmpdir);
        ck_assert_int_eq(mkdir(path2, 0700), 0);
        snprintf(path, sizeof(path), "%s/sub/10-link.rules", tmpdir);
        snprintf(want, sizeof(want), "%s/ok.rules", tmpdir);
        ck_assert_int_eq(symlink(want, path), 0);
        trust_expect(path2, me, 0, 1, "");
        ck_assert_int_eq(chmod(tmpdir, 01777), 0);
        snprintf(want, sizeof(want), "10-link.rules: its directory %s is writable by others (mode 1777)", tmpdir);
        trust_expect(path2, me, 0, 0, want);
        ck_assert_int_eq(chmod(tmpdir, 0700), 0);

        remove_tmpdir();
}
END_TEST

START_TEST(test_source_file)
{
        ak_ruleset *rs = NULL;
        char path[256], *d;

        make_tmpdir();
        write_file(tmpdir, "audit.rules", "-D\n-w /etc/passwd -p wa\n-a always,exit -S open -F uid&1\n", 0640);
        snprintf(path, sizeof(path), "%s/audit.rules", tmpdir);
        ck_assert_int_eq(ak_ruleset_new(&rs), 0);
        ck_assert_int_ge(ak_ruleset_add_source(rs, path), 0);
        ck_assert_uint_eq(rs->n_rules, 1);
        ck_assert_uint_eq(rs->n_errors, 1);
        d = ak_diag_format(first_error(rs));
        ck_assert_ptr_nonnull(strstr(d, "/audit.rules:3:30: operator '&' is not allowed for field 'uid'"));
        free(d);
        ak_ruleset_free(rs);

        /* a world-writable file is refused, as auditctl refuses it */
        write_file(tmpdir, "ww.rules", "-w /etc/passwd\n", 0666);
        snprintf(path, sizeof(path), "%s/ww.rules", tmpdir);
        ck_assert_int_eq(ak_ruleset_new(&rs), 0);
        ck_assert_int_ge(ak_ruleset_add_source(rs, path), 0);
        ck_assert_uint_eq(rs->n_rules, 0);
        ck_assert_uint_eq(rs->n_errors, 1);
        ak_ruleset_free(rs);

        /* a missing source */
        snprintf(path, sizeof(path), "%s/missing.rules", tmpdir);
        ck_assert_int_eq(ak_ruleset_new(&rs), 0);
        ck_assert_int_ge(ak_ruleset_add_source(rs, path), 0);
        ck_assert_uint_eq(rs->n_errors, 1);
        d = ak_diag_format(first_error(rs));
        ck_assert_ptr_nonnull(strstr(d, "missing.rules: "));
        free(d);
        ak_ruleset_free(rs);

        remove_tmpdir();
}
END_TEST

/* ------------------------------------------------------------------------------------------ */
/* bad input: exact diagnostics */

typedef struct bad {
        const char *line;
        unsigned col;           /* counted by hand, */
        const char *at;         /* and checked against the text found there */
        const char *message;
        int no_from_text;       /* the error needs earlier state (a ruleset), not one line */
} bad;

static const bad bads[] = {
        /* options */
        { "-a always,exit -S open -x foo", 24, "-x", "unknown option '-x'" },
        { "-a always,exit -S open -K foo", 24, "-K", "unknown option '-K', did you mean '-k'?" },
        { "-a always,exit -S", 16, "-S", "option '-S' needs an argument" },
        { "-w", 1, "-w", "option '-w' needs an argument" },
        { "-w /etc/passwd -p", 16, "-p", "option '-p' needs an argument" },
        { "-a always,exit -S open -k", 24, "-k", "option '-k' needs an argument" },
        { "-e", 1, "-e", "option '-e' needs an argument" },
        { "-a always,exit -S open -F uid=0 --foo", 33, "--foo", "unknown option '--foo'" },
        { "--backlog-wait-time 100", 1, "--backlog-wait-time",
          "unknown option '--backlog-wait-time', did you mean '--backlog_wait_time'?" },
        { "--reset", 1, "--reset", "ambiguous option '--reset'" },
        { "--loginuid-immutable=1", 1, "--loginuid-immutable", "option '--loginuid-immutable' takes no argument" },
        { "-D -x", 4, "-x", "-D takes no other option than -k KEY" },
        { "-a always,exit -S open -D", 24, "-D", "-D must stand alone on its line (or as -D -k KEY)" },
        { "-m hello", 1, "-m", "-m is not a configuration command" },
        { "-R /etc/audit/audit.rules", 1, "-R", "-R is not a configuration command" },
        { "foo", 1, "foo", "unexpected argument 'foo': an option (like -a, -w, -b) must come first" },
        { "-w /etc/passwd wa", 16, "wa",
          "unexpected argument 'wa' (an option's value containing a space must escape it as '\\ ')" },
        { "-w /etc/passwd -p wa # identity", 22, "#", "comments must be on a line of their own ('#')" },

        /* lists and actions */
        { "-a always,exti", 11, "exti", "unknown list 'exti', did you mean 'exit'?" },
        { "-a exti,always", 4, "exti", "unknown list 'exti', did you mean 'exit'?" },
        { "-a alwyas,exit", 4, "alwyas", "unknown action 'alwyas', did you mean 'always'?" },
        { "-a foo,bar", 4, "foo", "unknown list or action 'foo'" },
        { "-a possible,exit", 4, "possible", "the 'possible' action is deprecated; use 'always' or 'never'" },
        { "-a always,exit,task", 4, "always,exit,task",
          "'always,exit,task' must be ACTION,LIST (or LIST,ACTION), for example 'always,exit'" },
        { "-a always", 4, "always", "'always' must be ACTION,LIST (or LIST,ACTION), for example 'always,exit'" },
        { "-a always,exit -a never,task", 16, "-a", "only one -a, -A, -d, -w or -W is allowed per line" },
        { "-a always,exit -w /etc/passwd", 16, "-w", "-w cannot be combined with -a, -A, -d or another watch" },
        { "-w /etc/passwd -w /etc/shadow", 16, "-w", "-w cannot be combined with -a, -A, -d or another watch" },
        { "-F uid=0 -a always,exit", 1, "-F", "-F needs a rule (-a, -A or -d) before it" },
        { "-S open", 1, "-S", "no list given: add -a LIST,ACTION (for example -a always,exit)" },

        /* watches and perms */
        { "-w etc/passwd -p wa", 4, "etc/passwd", "watch path 'etc/passwd' must be absolute (start with '/')" },
        { "-w \"/etc/passwd\" -p wa", 4, "\"/etc/passwd\"",
          "watch path '\"/etc/passwd\"' must be absolute (start with '/')" },
        { "-w /etc/passwd -p wz", 20, "z", "permission 'z' in 'wz' is not one of r, w, x, a" },
        { "-a always,exit -F path=/etc/passwd -F perm=rwxaa", 44, "rwxaa",
          "permission 'rwxaa' is too long: use up to four of r, w, x, a" },
        { "-p wa", 1, "-p", "-p needs a watch (-w) or a rule (-a) before it" },
        { "-a always,exit -S open -p wa", 24, "-p", "-p needs a field (-w path or -F path=) before it" },
        { "-a always,exit -S open -F path=/etc -F perm!=wa", 44, "!=", "perm only takes '='" },

        /* syscalls */
        { "-a always,exit -S opne", 19, "opne", "unknown syscall 'opne' for arch b64, did you mean 'open'?" },
        { "-a always,exit -S open,opne", 24, "opne", "unknown syscall 'opne' for arch b64, did you mean 'open'?" },
        { "-a always,exit -F arch=b32 -S openat2x", 31, "openat2x", "unknown syscall 'openat2x' for arch b32, did you mean 'openat2'?" },
        { "-a always,exit -F arch=b64 -S opennat", 31, "opennat", "unknown syscall 'opennat' for arch b64, did you mean 'openat'?" },
        { "-a always,exit -S qqqqqqqq", 19, "qqqqqqqq", "unknown syscall 'qqqqqqqq' for arch b64" },
        { "-a always,io_uring -S opennat", 23, "opennat", "unknown io_uring operation 'opennat' for arch b64, did you mean 'openat'?" },
        /* the top 16 bits of the mask (2032-2047) are syscall classes, no syscall numbers */
        { "-a always,exit -S 3000", 19, "3000", "syscall number 3000 is out of range (at most 2031)" },
        { "-a always,exit -S open,2032", 24, "2032", "syscall number 2032 is out of range (at most 2031)" },
        { "-a always,exit -S open -F arch=b64", 27, "arch=b64",
          "-F arch must come before -S (syscall names depend on the arch)" },
        { "-a always,task -S open", 16, "-S", "syscall auditing (-S) cannot be put on the task list" },
        { "-S open -a always,task", 12, "always,task", "syscall auditing (-S) cannot be put on the task list" },
        { "-a always,user -S open", 16, "-S", "syscall auditing (-S) cannot be put on the user list" },
        { "-a never,exclude -S open", 18, "-S", "syscall auditing (-S) cannot be put on the exclude list" },
        { "-a never,filesystem -S open", 21, "-S", "syscall auditing (-S) cannot be put on the filesystem list" },

        /* fields */
        { "-a always,exit -F auidd=1000", 19, "auidd", "unknown field 'auidd', did you mean 'auid'?" },
        { "-a always,exit -S open -F loginuid_set=1", 27, "loginuid_set", "unknown field 'loginuid_set'" },
        { "-a always,exit -S open -F uid", 27, "uid",
          "'uid' is not FIELD OPERATOR VALUE (operators: = != < > <= >= & &=)" },
        { "-a always,exit -S open -F uid=", 31, "", "missing value after 'uid='" },
        { "-a always,exit -S open -F =5", 27, "=5", "missing field name before '='" },
        { "-a always,exit -S open -F uid&1", 30, "&1", "operator '&' is not allowed for field 'uid' (use = != < > <= >=)" },
        { "-a always,exit -S open -F auid&=1", 31, "&=", "operator '&=' is not allowed for field 'auid' (use = != < > <= >=)" },
        { "-a always,exit -S open -F subj_user<x", 36, "<x", "operator '<' is not allowed for field 'subj_user' (use = or !=)" },
        { "-a always,exit -S open -F inode<5", 32, "<5", "operator '<' is not allowed for field 'inode' (use = or !=)" },
        { "-a always,exit -S open -F key!=x", 30, "!=x", "the key only takes '=' (key=VALUE)" },
        { "-a always,exit -S open -F uid=nosuchuser", 31, "nosuchuser", "unknown user 'nosuchuser'" },
        { "-a always,exit -S open -F gid=nosuchgroup", 31, "nosuchgroup", "unknown group 'nosuchgroup'" },
        { "-a always,exit -S open -F pid=abc", 31, "abc", "invalid number 'abc' for field 'pid'" },
        { "-a always,exit -S open -F pid=-1", 31, "-1", "invalid number '-1' for field 'pid'" },
        { "-a always,exit -S open -F inode=-1", 33, "-1", "invalid number '-1' for field 'inode'" },
        { "-a always,exit -S open -F a0=xyz", 30, "xyz", "invalid number 'xyz' for field 'a0'" },
        { "-a always,exit -S open -F exit=-EFOO", 32, "-EFOO",
          "unknown errno name '-EFOO' (use a number or a name like -EACCES)" },
        { "-a always,exit -F arch=b63 -S open", 24, "b63", "unknown arch 'b63', did you mean 'b64'?" },
        { "-a always,exit -S open -F filetype=fiel", 36, "fiel", "unknown file type 'fiel', did you mean 'file'?" },
        { "-a never,exclude -F msgtype=FOO", 29, "FOO", "unknown message type 'FOO'" },
        { "-a never,filesystem -F fstype=ext9", 31, "ext9",
          "unknown file system type 'ext9' (use a name like debugfs or a magic number)" },
        { "-a always,exit -S open -F msgtype=CWD", 27, "msgtype",
          "field 'msgtype' can only be used on the exclude and user lists" },
        { "-a always,task -F path=/etc", 19, "path", "field 'path' can only be used on the exit list" },
        { "-a always,user -F exit=-EPERM", 19, "exit", "field 'exit' can only be used on the exit list" },
        { "-a always,task -F perm=wa", 19, "perm", "field 'perm' can only be used on the exit list" },
        { "-a always,task -F filetype=file", 19, "filetype", "field 'filetype' can only be used on the exit list" },
        { "-a always,user -F inode=5", 19, "inode", "field 'inode' can only be used on the exit list" },
        { "-a always,task -F ppid=1", 19, "ppid", "field 'ppid' can only be used on the exit list" },
        { "-a always,exit -S open -F fstype=debugfs", 27, "fstype",
          "field 'fstype' can only be used on the filesystem list" },
        { "-a always,task -F sessionid=1", 19, "sessionid",
          "field 'sessionid' can only be used on the exit, user and exclude lists" },
        /* the level-3 message: tests/unit/test-compat.c */
        { "-a never,exclude -F path=/etc", 21, "path", "field 'path' can only be used on the exit list" },
        { "-a always,exit -S open -F dir=etc", 31, "etc", "dir 'etc' must be absolute (start with '/')" },
        { "-a always,exit -S open -F exe=bin/ls", 31, "bin/ls", "exe 'bin/ls' must be absolute (start with '/')" },

        /* -C */
        { "-a always,user -C uid!=auid", 16, "-C", "-C can only be used on the exit list" },
        { "-a always,exit -S open -C uid!=gid", 27, "uid!=gid",
          "fields 'uid' and 'gid' cannot be compared (compare uids with uids, gids with gids)" },
        { "-a always,exit -S open -C uid", 27, "uid", "'uid' must be FIELD=FIELD or FIELD!=FIELD" },
        { "-a always,exit -S open -C uid!=auidd", 32, "auidd", "unknown field 'auidd', did you mean 'auid'?" },

        /* keys */
        { "-a always,exit -F uid=0 -k foo", 25, "-k",
          "a key (-k) needs a syscall (-S), a watch (-w, -F path=, -F dir=), -F perm=, -F exe= or -F fstype= before it" },
        { "-k foo -w /etc/passwd", 1, "-k",
          "a key (-k) needs a syscall (-S), a watch (-w, -F path=, -F dir=), -F perm=, -F exe= or -F fstype= before it" },
        { "-a always,exit -F key=foo", 23, "foo",
          "a key needs a syscall (-S), a watch (-w, -F path=, -F dir=), -F perm=, -F exe= or -F fstype= in the rule" },

        /* status */
        { "-e 3", 4, "3", "-e takes 0, 1 or 2, not '3'" },
        { "-e 02", 4, "02", "-e takes 0, 1 or 2, not '02'" },
        { "-f 5", 4, "5", "-f takes 0, 1 or 2, not '5'" },
        { "-b lots", 4, "lots", "backlog limit (-b) must be a number, not 'lots'" },
        { "-b -1", 4, "-1", "backlog limit (-b) must be a number, not '-1'" },
        { "-b 99999999999", 4, "99999999999", "backlog limit (-b) '99999999999' is out of range (at most 4294967295)" },
        { "-r fast", 4, "fast", "rate limit (-r) must be a number, not 'fast'" },
        { "--backlog_wait_time=abc", 21, "abc", "backlog_wait_time must be a number, not 'abc'" },

        /* tabs are not separators in auditctl */
        { "\t-w /etc/passwd", 1, "\t", "tab character in '\\x09-w': separate options with spaces" },
        { "-a always,exit\t-S open", 15, "\t", "tab character in 'always,exit\\x09-S': separate options with spaces" },

        /* needs the simulated kernel */
        { "-d always,exit -S open", 1, "-d", "no such rule to delete (no earlier line adds exactly this rule)", 1 },
        { "-W /etc/passwd -p wa", 1, "-W", "no such rule to delete (no earlier line adds exactly this rule)", 1 },
};

static void check_bad(const char *line, size_t len, unsigned col, const char *message, int no_from_text) {
        ak_ruleset *rs = load_text("bad.rules", line, len);
        char want[8192], *got, *d = all_diags(rs);
        const ak_diag *e = first_error(rs);

        snprintf(want, sizeof(want), "bad.rules:1:%u: %s", col, message);
        ck_assert_msg(e, "'%.200s': no error reported (want '%s')", line, want);
        got = ak_diag_format(e);
        ck_assert_msg(strcmp(got, want) == 0, "'%.200s':\n got '%s'\nwant '%s'", line, got, want);
        ck_assert_msg(rs->n_errors == 1, "'%.200s': %zu errors: %s", line, rs->n_errors, d);
        ck_assert_uint_eq(rs->n_rules, 0);
        free(got);
        free(d);
        ak_ruleset_free(rs);

        if (!no_from_text && !memchr(line, '\0', len)) {
                ak_rule r = {};
                char *msg = NULL;
                unsigned c = 0;
                int k = ak_rule_from_text(line, &r, &msg, &c);

                /* a line without any rule is refused too; its message is the one diagnostic */
                ck_assert_msg(k == -EINVAL, "ak_rule_from_text('%.200s') = %d", line, k);
                ck_assert_ptr_nonnull(msg);
                if (strncmp(line, "-e", 2) != 0 && strncmp(line, "-f", 2) != 0 && strncmp(line, "-b", 2) != 0 &&
                    strncmp(line, "-r", 2) != 0 && strncmp(line, "--", 2) != 0 && strcmp(line, "-D -x") != 0 &&
                    strncmp(line, "-m", 2) != 0 && strncmp(line, "-R", 2) != 0 && strcmp(line, "foo") != 0) {
                        ck_assert_msg(c == col && strcmp(msg, message) == 0,
                                      "ak_rule_from_text('%.200s'): %u: %s", line, c, msg);
                }
                free(msg);
        }
}

START_TEST(test_bad)
{
        const bad *b = &bads[_i];
        size_t len = strlen(b->line);

        /* my own counting first: the column must point at the token meant */
        ck_assert_msg(b->col >= 1 && b->col <= len + 1 && strncmp(b->line + b->col - 1, b->at, strlen(b->at)) == 0,
                      "test table: column %u of '%s' is not at '%s'", b->col, b->line, b->at);
        check_bad(b->line, len, b->col, b->message, b->no_from_text);
}
END_TEST

START_TEST(test_bad_generated)
{
        char *line;
        size_t len, base;
        char key[300];

        line = malloc(8192);
        ck_assert_ptr_nonnull(line);

        /* key of 257 bytes, via -k and via -F key= */
        memset(key, 'k', 257);
        key[257] = '\0';
        len = (size_t) snprintf(line, 8192, "-w /etc/passwd -k %s", key);
        ck_assert_int_eq(line[18], 'k');
        check_bad(line, len, 19, "key is too long: all keys of a rule together take at most 256 bytes", 0);
        len = (size_t) snprintf(line, 8192, "-a always,exit -S open -F key=%s", key);
        ck_assert_int_eq(line[30], 'k');
        check_bad(line, len, 31, "key is too long: all keys of a rule together take at most 256 bytes", 0);

        /* two keys of 128 bytes: 128 + 1 + 128 = 257; the second key is blamed */
        memset(key, 'a', 128);
        key[128] = '\0';
        len = (size_t) snprintf(line, 8192, "-w /etc/passwd -k %s -k %s", key, key);
        /* "-w /etc/passwd -k " is 18 bytes, the key 19..146, " -k " 147..150, the second key at 151 */
        ck_assert(strncmp(line + 146, " -k a", 5) == 0);
        check_bad(line, len, 151, "key is too long: all keys of a rule together take at most 256 bytes", 0);

        /* 64 -F fields: the 64th is blamed */
        base = (size_t) snprintf(line, 8192, "-a always,exit -S open");
        len = base;
        for (int i = 0; i < 64; i++)
                len += (size_t) snprintf(line + len, 8192 - len, " -F uid=0");
        /* each " -F uid=0" is 9 bytes; the 64th argument starts 5 bytes into the 64th group */
        ck_assert(strncmp(line + base + 63 * 9, " -F uid=0", 9) == 0 && line[base + 63 * 9 + 9] == '\0');
        check_bad(line, len, (unsigned) (base + 63 * 9 + 5), "too many fields: a rule holds at most 63 besides its key", 0);

        /* 63 fields and a key: the key has no room */
        len = base;
        for (int i = 0; i < 63; i++)
                len += (size_t) snprintf(line + len, 8192 - len, " -F uid=0");
        len += (size_t) snprintf(line + len, 8192 - len, " -k x");
        ck_assert_int_eq(line[base + 63 * 9 + 4], 'x');
        check_bad(line, len, (unsigned) (base + 63 * 9 + 5), "too many fields: a rule holds at most 63 besides its key", 0);

        /* -w takes two fields: 61 more -F and a key are too many */
        base = (size_t) snprintf(line, 8192, "-w /etc/passwd");
        len = base;
        for (int i = 0; i < 62; i++)
                len += (size_t) snprintf(line + len, 8192 - len, " -F uid=0");
        check_bad(line, len, (unsigned) (base + 61 * 9 + 5), "too many fields: a rule holds at most 63 besides its key", 0);

        /* a line of 7000 bytes: auditctl reads 6143 bytes per line */
        memcpy(line, "-w /", 4);
        memset(line + 4, 'a', 6996);
        line[7000] = '\0';
        check_bad(line, 7000, 6144, "line is longer than 6143 bytes", 1);

        /* a NUL byte */
        check_bad("-w /etc/pa\0sswd", 15, 11, "NUL byte in line", 1);

        /* saddr_fam beyond AF_MAX */
        {
                char msg[128];
                snprintf(msg, sizeof(msg), "address family 99 is out of range (at most %d)", AF_MAX - 1);
                len = (size_t) snprintf(line, 8192, "-a always,exit -S connect -F saddr_fam=99");
                ck_assert(strncmp(line + 39, "99", 2) == 0);
                check_bad(line, len, 40, msg, 0);
        }
        free(line);
}
END_TEST

/* 6143 bytes are one line; 6144 are too many. */
START_TEST(test_line_limit)
{
        char *line = malloc(8192);
        size_t len;
        ak_ruleset *rs;

        ck_assert_ptr_nonnull(line);
        len = (size_t) snprintf(line, 8192, "-a always,exit -S open -F obj_user=");
        memset(line + len, 'A', 3000);
        len += 3000;
        len += (size_t) snprintf(line + len, 8192 - len, " -F subj_user=");
        memset(line + len, 'B', 6143 - len);
        len = 6143;
        line[len] = '\0';
        rs = load_text("long.rules", line, len);
        assert_clean(rs, "6143-byte line");
        ck_assert_uint_eq(rs->n_rules, 1);
        ck_assert_uint_eq(rs->rules[0].data->values[1], 6143 - 35 - 3000 - 14);
        ak_ruleset_free(rs);

        line[len++] = 'B';
        line[len] = '\0';
        check_bad(line, len, 6144, "line is longer than 6143 bytes", 1);
        free(line);
}
END_TEST

/* Every error of a file is reported, with its line, and the good lines still count. */
START_TEST(test_all_errors)
{
        const char *text =
                "-w /etc/passwd -p wa -k a\n"                   /* 1 ok */
                "-a always,exit -S opne\n"                      /* 2 col 19 */
                "# comment\n"                                   /* 3 */
                "-a always,exit -F arch=b64 -S open -k b\n"     /* 4 ok */
                "-e 7\n"                                        /* 5 col 4 */
                "-w etc/x\n"                                    /* 6 col 4 */
                "\n"                                            /* 7 */
                "-a never,exclude -F msgtype=FOO\n"             /* 8 col 29 */
                "-b 320\n"                                      /* 9 ok */
                "-a always,exit -S open -F uid&1\n"             /* 10 col 30 */
                "-a never,task\n";                              /* 11 ok */
        static const char *const want[] = {
                "all.rules:2:19: unknown syscall 'opne' for arch b64, did you mean 'open'?",
                "all.rules:5:4: -e takes 0, 1 or 2, not '7'",
                "all.rules:6:4: watch path 'etc/x' must be absolute (start with '/')",
                "all.rules:8:29: unknown message type 'FOO'",
                "all.rules:10:30: operator '&' is not allowed for field 'uid' (use = != < > <= >=)",
        };
        ak_ruleset *rs = load_text("all.rules", text, strlen(text));

        ck_assert_uint_eq(rs->n_errors, 5);
        ck_assert_uint_eq(rs->n_diags, 5);
        for (size_t i = 0; i < N(want); i++) {
                char *d = ak_diag_format(&rs->diags[i]);
                ck_assert_str_eq(d, want[i]);
                free(d);
        }
        ck_assert_uint_eq(rs->n_rules, 3);
        ck_assert_uint_eq(rs->rules[0].line, 11);
        ck_assert_uint_eq(rs->rules[1].line, 1);
        ck_assert_uint_eq(rs->rules[2].line, 4);
        ck_assert_uint_eq(rs->status.backlog_limit, 320);
        ck_assert_uint_eq(rs->status.mask, AUDIT_STATUS_BACKLOG_LIMIT);
        ak_ruleset_free(rs);
}
END_TEST

/* ------------------------------------------------------------------------------------------ */
/* robustness */

static uint64_t rng_state;

static uint32_t rng(void) {
        /* xorshift64* */
        rng_state ^= rng_state >> 12;
        rng_state ^= rng_state << 25;
        rng_state ^= rng_state >> 27;
        return (uint32_t) ((rng_state * 0x2545F4914F6CDD1Dull) >> 32);
}

static size_t count_lines(const char *s, size_t len) {
        size_t n = 0;

        for (size_t i = 0; i < len; i++)
                if (s[i] == '\n')
                        n++;
        return n + 1;
}

/* Check the invariants of a ruleset from text of `lines` lines. */
static void check_sane(const ak_ruleset *rs, size_t lines, size_t len) {
        ck_assert_uint_le(rs->n_errors, rs->n_diags);
        ck_assert_uint_le(rs->n_rules, lines);
        for (size_t i = 0; i < rs->n_diags; i++) {
                ck_assert_uint_ge(rs->diags[i].line, 1);
                ck_assert_uint_le(rs->diags[i].line, lines);
                ck_assert_uint_ge(rs->diags[i].column, 1);
                ck_assert_uint_le(rs->diags[i].column, len + 1);
                ck_assert_ptr_nonnull(rs->diags[i].message);
                ck_assert(rs->diags[i].message[0] != '\0');
        }
        for (size_t i = 0; i < rs->n_rules; i++) {
                const ak_rule *r = &rs->rules[i];
                ak_rule copy = {};

                ck_assert_uint_le(r->data->field_count, AUDIT_MAX_FIELDS);
                ck_assert_uint_eq(r->size, sizeof(struct audit_rule_data) + r->data->buflen);
                ck_assert_int_eq(ak_rule_from_bytes(&copy, r->data, r->size), 0);
                ak_rule_done(&copy);
                if (i > 0)
                        ck_assert_uint_le(ak_rule_list(&rs->rules[i - 1]), ak_rule_list(r));
        }
}

START_TEST(test_junk)
{
        static const char *const frags[] = {
                "-a ", "always,exit ", "never,task ", "exclude,never ", "-S ", "open", ",", "-F ", "uid=",
                "auid>=", "1000 ", "msgtype=", "CWD ", "-k ", "key ", "-w ", "/etc/passwd ", "-p ", "wa ", "\n",
                " ", "\\", "\\ ", "#", "-D\n", "-e 2\n", "-b ", "-C ", "uid!=auid ", "path=/tmp ", "-d ", "-A ",
                "\t", "\r\n", "exit=-EPERM ", "arch=b32 ", "key=", "a0&=", "-1 ", "--backlog_wait_time ", "-W ",
                "-r ", "--reset ", "dir=/ ", "perm=", "=", "!=", "&", "filesystem,never ", "fstype=debugfs ",
        };
        char *buf = malloc(4096 + 64);

        ck_assert_ptr_nonnull(buf);
        rng_state = 0x5eed1234abcdULL;
        for (int iter = 0; iter < 1000; iter++) {
                size_t want = rng() % 4001, len = 0;
                ak_ruleset *rs;

                while (len < want) {
                        if (rng() % 2 == 0 || iter % 5 == 0)
                                buf[len++] = (char) (rng() & 0xff);
                        else {
                                const char *f = frags[rng() % N(frags)];
                                size_t l = strlen(f);
                                if (len + l > want)
                                        l = want - len;
                                memcpy(buf + len, f, l);
                                len += l;
                        }
                }
                rs = load_text("junk.rules", buf, len);
                check_sane(rs, count_lines(buf, len), len);
                ak_ruleset_free(rs);

                /* every line alone, through ak_rule_from_text */
                buf[len] = '\0';
                for (char *p = buf, *nl; p < buf + len; p = nl + 1) {
                        ak_rule r = {};
                        char *msg = NULL;
                        unsigned col = 0;
                        int k;

                        nl = memchr(p, '\n', (size_t) (buf + len - p));
                        if (!nl)
                                nl = buf + len;
                        *nl = '\0';
                        k = ak_rule_from_text(p, &r, &msg, &col);
                        if (k == 0) {
                                ck_assert_ptr_null(msg);
                                ak_rule_done(&r);
                        } else {
                                ck_assert_int_eq(k, -EINVAL);
                                ck_assert_ptr_nonnull(msg);
                                ck_assert_uint_ge(col, 1);
                                ck_assert_uint_le(col, strlen(p) + 1);
                                free(msg);
                        }
                }
        }
        free(buf);
}
END_TEST

START_TEST(test_huge_line)
{
        size_t len = 1u << 20;
        char *buf = malloc(len + 1);
        ak_ruleset *rs;
        ak_rule r = {};
        char *msg = NULL;
        unsigned col = 0;

        ck_assert_ptr_nonnull(buf);
        memcpy(buf, "-a always,exit -S open -k ", 26);
        memset(buf + 26, 'x', len - 26);
        buf[len] = '\0';
        rs = load_text("huge.rules", buf, len);
        ck_assert_uint_eq(rs->n_errors, 1);
        ck_assert_uint_eq(rs->n_rules, 0);
        ck_assert_uint_eq(rs->diags[0].column, 6144);
        ak_ruleset_free(rs);

        /* one rule line without the file's line limit: still refused (key too long), no crash */
        ck_assert_int_eq(ak_rule_from_text(buf, &r, &msg, &col), -EINVAL);
        ck_assert_ptr_nonnull(msg);
        ck_assert_uint_eq(col, 27);
        free(msg);

        /* a 1 MB line of spaces is blank */
        memset(buf, ' ', len);
        rs = load_text("spaces.rules", buf, len);
        ck_assert_uint_eq(rs->n_diags, 0);
        ak_ruleset_free(rs);

        /* a 1 MB watch path */
        memcpy(buf, "-w /", 4);
        memset(buf + 4, 'p', len - 4);
        msg = NULL;
        ck_assert_int_eq(ak_rule_from_text(buf, &r, &msg, &col), -EINVAL);
        ck_assert_uint_eq(col, 4);
        free(msg);
        free(buf);
}
END_TEST

START_TEST(test_unterminated_quote)
{
        ak_ruleset *rs = load("-w \"/etc/passwd -p wa\n-a always,exit -F 'path=/x\n-a always,exit -S open -k \"x\n");

        /* auditctl has no quoting: the quotes are bytes of the tokens */
        ck_assert_uint_eq(rs->n_errors, 2);
        ck_assert_uint_eq(rs->n_rules, 1);
        ck_assert_uint_eq(rs->diags[0].line, 1);
        ck_assert_uint_eq(rs->diags[0].column, 4);
        ck_assert_uint_eq(rs->diags[1].line, 2);
        ck_assert_uint_eq(rs->diags[1].column, 19);
        ak_ruleset_free(rs);
}
END_TEST

START_TEST(test_many_lines)
{
        const size_t lines = 100000;
        size_t cap = lines * 64, len = 0;
        char *buf = malloc(cap);
        ak_ruleset *rs;
        struct timespec t0, t1;
        double secs;

        ck_assert_ptr_nonnull(buf);
        for (size_t i = 0; i < lines; i++) {
                switch (i % 5) {
                case 0:
                        len += (size_t) snprintf(buf + len, cap - len, "# comment %zu\n", i);
                        break;
                case 1:
                        len += (size_t) snprintf(buf + len, cap - len, "-a always,exit -S open -F uid=%zu -k k\n", i);
                        break;
                case 2:
                        len += (size_t) snprintf(buf + len, cap - len, "-w /etc/f%zu -p wa\n", i);
                        break;
                case 3:
                        len += (size_t) snprintf(buf + len, cap - len, "-b %zu\n", i);
                        break;
                case 4:
                        len += (size_t) snprintf(buf + len, cap - len, "-a always,exit -S opne%zu\n", i);
                        break;
                }
        }
        clock_gettime(CLOCK_MONOTONIC, &t0);
        rs = load_text("many.rules", buf, len);
        clock_gettime(CLOCK_MONOTONIC, &t1);
        secs = (double) (t1.tv_sec - t0.tv_sec) + (double) (t1.tv_nsec - t0.tv_nsec) / 1e9;

        ck_assert_uint_eq(rs->n_rules, 2 * lines / 5);
        ck_assert_uint_eq(rs->n_errors, lines / 5);
        ck_assert_uint_eq(rs->n_status_settings, lines / 5);
        ck_assert_uint_eq(rs->status.backlog_limit, lines - 2);
        ck_assert_uint_eq(rs->diags[rs->n_diags - 1].line, lines);
        /* 40 000 distinct rules must not take quadratic time */
        ck_assert_msg(secs < 10.0, "100000 lines took %.1f s", secs);
        ak_ruleset_free(rs);
        free(buf);
}
END_TEST

/* ------------------------------------------------------------------------------------------ */

static Suite *parse_suite(void) {
        Suite *s = suite_create("parse");
        TCase *tc;

        tc = tcase_create("golden");
        tcase_add_loop_test(tc, test_golden, 0, 2 * (int) N(goldens));
        tcase_add_test(tc, test_golden_user_names);
        tcase_add_test(tc, test_golden_uring_default);
        tcase_add_test(tc, test_golden_field_limit);
        tcase_add_test(tc, test_golden_key_256);
        tcase_add_test(tc, test_from_text_api);
        tcase_add_loop_test(tc, test_kernel_refuses, 0, (int) N(kernel_refuses));
        suite_add_tcase(s, tc);

        tc = tcase_create("state");
        tcase_add_test(tc, test_state_delete_all);
        tcase_add_test(tc, test_state_delete_key);
        tcase_add_test(tc, test_state_prepend);
        tcase_add_test(tc, test_state_delete_first);
        tcase_add_test(tc, test_state_delete_missing);
        tcase_add_test(tc, test_state_duplicate);
        tcase_add_test(tc, test_state_status);
        tcase_add_test(tc, test_state_rules_after_lock);
        tcase_add_test(tc, test_state_counts_and_order);
        tcase_add_test(tc, test_state_lines);
        tcase_add_test(tc, test_state_several_texts);
        tcase_add_test(tc, test_rule_text_after_more_sources);
        tcase_add_test(tc, test_rule_hashes_follow_the_list);
        tcase_add_test(tc, test_source_dir);
        tcase_add_test(tc, test_source_file);
        tcase_add_test(tc, test_source_trust);
        suite_add_tcase(s, tc);

        tc = tcase_create("bad");
        tcase_add_loop_test(tc, test_bad, 0, (int) N(bads));
        tcase_add_test(tc, test_bad_generated);
        tcase_add_test(tc, test_line_limit);
        tcase_add_test(tc, test_all_errors);
        suite_add_tcase(s, tc);

        tc = tcase_create("robust");
        tcase_set_timeout(tc, 120);
        tcase_add_test(tc, test_junk);
        tcase_add_test(tc, test_huge_line);
        tcase_add_test(tc, test_unterminated_quote);
        suite_add_tcase(s, tc);

        /* its own case, so that a slow parser fails this test alone, quickly */
        tc = tcase_create("scale");
        tcase_set_timeout(tc, 30);
        tcase_add_test(tc, test_many_lines);
        suite_add_tcase(s, tc);

        return s;
}

AK_TEST_MAIN(parse_suite)
