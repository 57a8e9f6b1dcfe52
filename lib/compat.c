/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Compatibility levels: the facts of auditctl 4.0.2 that auditctl 3.0.9 does not have (compat.h),
 * and reading a version into a level. */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <linux/audit.h>

#include "auditkeep/ak-rules.h"
#include "compat.h"
#include "macro.h"
#include "util.h"

#ifndef AUDIT_ARCH_RISCV64
#define AUDIT_ARCH_RISCV64 (EM_RISCV | __AUDIT_ARCH_64BIT | __AUDIT_ARCH_LE)
#endif
#ifndef AUDIT_ARCH_RISCV32
#define AUDIT_ARCH_RISCV32 (EM_RISCV | __AUDIT_ARCH_LE)
#endif
#ifndef EM_RISCV
#define EM_RISCV 243
#endif

int ak_compat_parse(const char *s) {
        if (s && streq(s, "3"))
                return AK_COMPAT_3;
        if (s && streq(s, "4"))
                return AK_COMPAT_4;
        return -EINVAL;
}

int ak_compat_from_version(const char *text) {
        const char *p;
        unsigned long major;
        char *end;

        if (!text)
                return -EINVAL;
        /* the first number that is followed by '.' and another number: "auditctl version 4.0.2" */
        for (p = text; *p; p++) {
                if (!isdigit((unsigned char) *p) || (p > text && isdigit((unsigned char) p[-1])))
                        continue;
                errno = 0;
                major = strtoul(p, &end, 10);
                if (errno != 0 || *end != '.' || !isdigit((unsigned char) end[1]))
                        continue;
                return major < 4 ? AK_COMPAT_3 : AK_COMPAT_4;
        }
        return -EINVAL;
}

const char *ak_compat_reference(int level) {
        return level == AK_COMPAT_3 ? "auditctl 3.0.9" : "auditctl 4.0.2";
}

/* ------------------------------------------------------------------------------------------ */
/* -F perm= with an arch: lib/permtab.h of audit-userspace 4.0.2 (unchanged until 4.0.4). */

const char *ak4_perm_class(uint32_t perm) {
        switch (perm) {
        case AUDIT_PERM_EXEC:
                return "execve";
        case AUDIT_PERM_WRITE:
                return "rename,mkdir,rmdir,creat,link,unlink,symlink,mknod,mkdirat,mknodat,unlinkat,"
                       "renameat,linkat,symlinkat,renameat2,acct,swapon,quotactl,truncate,ftruncate,bind,"
                       "fallocate,open,openat,openat2";
        case AUDIT_PERM_READ:
                return "readlink,quotactl,listxattr,llistxattr,flistxattr,getxattr,lgetxattr,fgetxattr,"
                       "readlinkat,open,openat,openat2";
        case AUDIT_PERM_ATTR:
                return "chmod,fchmod,chown,lchown,fchown,setxattr,lsetxattr,fsetxattr,removexattr,"
                       "lremovexattr,fremovexattr,fchownat,fchmodat,link,linkat";
        default:
                return NULL;
        }
}

const char *ak4_perm_class_name(uint32_t perm) {
        switch (perm) {
        case AUDIT_PERM_EXEC: return "execute";
        case AUDIT_PERM_WRITE: return "write";
        case AUDIT_PERM_READ: return "read";
        case AUDIT_PERM_ATTR: return "attribute";
        default: return "?";
        }
}

/* ------------------------------------------------------------------------------------------ */
/* names */

int ak4_msgtype_from_name(const char *name) {
        /* lib/msg_typetab.h of 4.0.2: the two entries 3.0.9 lacks */
        if (name && strcasecmp(name, "DM_CTRL") == 0)
                return 1338;
        if (name && strcasecmp(name, "DM_EVENT") == 0)
                return 1339;
        return -1;
}

/* The same numbers on every arch of libaudit 4.0.2's tables (x86_64, i386, aarch64, arm, ppc,
 * s390, s390x; and riscv64 in Debian's backport): the kernel numbers new syscalls alike
 * everywhere since 5.1. */
static const struct { int nr; const char *name; } syscalls_all[] = {
        { 451, "cachestat" }, { 452, "fchmodat2" }, { 453, "map_shadow_stack" },
        { 454, "futex_wake" }, { 455, "futex_wait" }, { 456, "futex_requeue" },
        { 457, "statmount" }, { 458, "listmount" }, { 459, "lsm_get_self_attr" },
        { 460, "lsm_set_self_attr" }, { 461, "lsm_list_modules" }, { 462, "mseal" },
};

/* Debian 13's riscv64 table (from 4.0.3) has these besides. */
static const struct { int nr; const char *name; } syscalls_riscv64[] = {
        { 258, "riscv_hwprobe" }, { 463, "setxattrat" }, { 464, "getxattrat" },
        { 465, "listxattrat" }, { 466, "removexattrat" },
};

int ak4_syscall_from_name(uint32_t arch, const char *name) {
        switch (arch) {
        case AUDIT_ARCH_X86_64: case AUDIT_ARCH_I386: case AUDIT_ARCH_AARCH64: case AUDIT_ARCH_ARM:
        case AUDIT_ARCH_PPC: case AUDIT_ARCH_PPC64: case AUDIT_ARCH_PPC64LE:
        case AUDIT_ARCH_S390: case AUDIT_ARCH_S390X: case AUDIT_ARCH_RISCV64:
                break;
        default:
                return -1;
        }
        if (!name)
                return -1;
        for (size_t i = 0; i < ELEMENTSOF(syscalls_all); i++)
                if (strcasecmp(syscalls_all[i].name, name) == 0)
                        return syscalls_all[i].nr;
        if (arch == AUDIT_ARCH_RISCV64)
                for (size_t i = 0; i < ELEMENTSOF(syscalls_riscv64); i++)
                        if (strcasecmp(syscalls_riscv64[i].name, name) == 0)
                                return syscalls_riscv64[i].nr;
        return -1;
}

/* ------------------------------------------------------------------------------------------ */
/* arches */

int ak4_arch_known(uint32_t arch) {
        return arch == AUDIT_ARCH_RISCV64 || arch == AUDIT_ARCH_RISCV32;
}

uint32_t ak4_arch_from_name(const char *name) {
        unsigned long v;

        if (!name || !*name)
                return 0;
        if (strcasecmp(name, "riscv64") == 0)
                return AUDIT_ARCH_RISCV64;
        if (strcasecmp(name, "riscv32") == 0)
                return AUDIT_ARCH_RISCV32;
        /* a number (strtoul base 0) when it starts with a digit, else bare hex, as libaudit reads
         * arch values (trailing text ignored, as there) */
        errno = 0;
        v = strtoul(name, NULL, isdigit((unsigned char) name[0]) ? 0 : 16);
        if (errno != 0 || v > UINT32_MAX)
                return 0;
        return ak4_arch_known((uint32_t) v) ? (uint32_t) v : 0;
}
