/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Compatibility levels: the facts of auditctl 4.0.2 and 4.1.2 that auditctl 3.0.9 does not have
 * (compat.h), reading a version into a level, and the kernel's own permission classes. */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <stdio.h>
#include <strings.h>
#include <sys/utsname.h>

#include <linux/audit.h>

#include "auditkeep/ak-rules.h"
#include "compat.h"
#include "macro.h"
#include "tables.h"
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
        if (s && streq(s, "4.1"))
                return AK_COMPAT_41;
        return -EINVAL;
}

const char *ak_compat_name(int level) {
        switch (level) {
        case AK_COMPAT_3: return "3";
        case AK_COMPAT_4: return "4";
        case AK_COMPAT_41: return "4.1";
        default: return "?";
        }
}

/* The first "MAJOR.MINOR[.PATCH]" in text ("auditctl version 4.0.2"): 0, or -EINVAL. */
static int version_parse(const char *text, unsigned long v[3]) {
        const char *p;
        char *end;

        if (!text)
                return -EINVAL;
        for (p = text; *p; p++) {
                if (!isdigit((unsigned char) *p) || (p > text && isdigit((unsigned char) p[-1])))
                        continue;
                errno = 0;
                v[0] = strtoul(p, &end, 10);
                if (errno != 0 || *end != '.' || !isdigit((unsigned char) end[1]))
                        continue;
                v[1] = strtoul(end + 1, &end, 10);
                v[2] = 0;
                if (*end == '.' && isdigit((unsigned char) end[1]))
                        v[2] = strtoul(end + 1, &end, 10);
                return 0;
        }
        return -EINVAL;
}

static int version_cmp(const unsigned long v[3], unsigned long a, unsigned long b, unsigned long c) {
        const unsigned long w[3] = { a, b, c };

        for (size_t i = 0; i < 3; i++)
                if (v[i] != w[i])
                        return v[i] < w[i] ? -1 : 1;
        return 0;
}

/* Where the 4.x releases belong (audit-userspace's history between the tags):
 *   4.0.0 - 4.0.3: lib/permtab.h of 4.0.2, unfiltered (4.0.3 added RISC-V and the syscall names
 *                  that Debian 13's 4.0.2 backports): level 4.
 *   4.0.4 - 4.1.1: the expansion filtered by arch (913b0e6f: a class name the arch lacks is left
 *                  out, no longer refused) and the *xattrat calls in the read and attribute
 *                  classes (db83fe00), but not yet quotactl_fd, file_getattr, fchmodat2,
 *                  file_setattr (ffc3a4d1, 4.1.2): level 4.1, which accepts the same lines and
 *                  whose perm rules cover a few syscalls more (neither level is exact for them).
 *   4.1.2:         level 4.1.
 *   newer:         level 4.1, the most recent (ak_compat_version_newer() says so). */
int ak_compat_from_version(const char *text) {
        unsigned long v[3];

        if (version_parse(text, v) < 0)
                return -EINVAL;
        if (v[0] < 4)
                return AK_COMPAT_3;
        if (version_cmp(v, 4, 0, 4) < 0)
                return AK_COMPAT_4;
        return AK_COMPAT_41;
}

int ak_compat_version_newer(const char *text) {
        unsigned long v[3];

        return version_parse(text, v) == 0 && version_cmp(v, 4, 1, 2) > 0;
}

const char *ak_compat_reference(int level) {
        switch (level) {
        case AK_COMPAT_3: return "auditctl 3.0.9";
        case AK_COMPAT_4: return "auditctl 4.0.2";
        default: return "auditctl 4.1.2";
        }
}

/* ------------------------------------------------------------------------------------------ */
/* -F perm= with an arch: lib/permtab.h of audit-userspace 4.0.2 (unchanged until 4.0.4) and of
 * 4.1.2 (4.0.4 added listxattrat, getxattrat, setxattrat, removexattrat; 4.1.2 quotactl_fd,
 * file_getattr, fchmodat2, file_setattr). */

const char *ak_perm_class(int level, uint32_t perm) {
        int l41 = level >= AK_COMPAT_41;

        switch (perm) {
        case AUDIT_PERM_EXEC:
                return "execve";
        case AUDIT_PERM_WRITE:
                return l41 ? "rename,mkdir,rmdir,creat,link,unlink,symlink,mknod,mkdirat,mknodat,unlinkat,"
                             "renameat,linkat,symlinkat,renameat2,acct,swapon,quotactl,quotactl_fd,truncate,"
                             "ftruncate,bind,fallocate,open,openat,openat2"
                           : "rename,mkdir,rmdir,creat,link,unlink,symlink,mknod,mkdirat,mknodat,unlinkat,"
                             "renameat,linkat,symlinkat,renameat2,acct,swapon,quotactl,truncate,ftruncate,bind,"
                             "fallocate,open,openat,openat2";
        case AUDIT_PERM_READ:
                return l41 ? "readlink,quotactl,listxattr,listxattrat,llistxattr,flistxattr,getxattr,getxattrat,"
                             "lgetxattr,fgetxattr,readlinkat,open,openat,openat2,file_getattr"
                           : "readlink,quotactl,listxattr,llistxattr,flistxattr,getxattr,lgetxattr,fgetxattr,"
                             "readlinkat,open,openat,openat2";
        case AUDIT_PERM_ATTR:
                return l41 ? "chmod,fchmod,chown,lchown,fchown,setxattr,setxattrat,lsetxattr,fsetxattr,"
                             "removexattr,removexattrat,lremovexattr,fremovexattr,fchownat,fchmodat,fchmodat2,"
                             "file_setattr,link,linkat"
                           : "chmod,fchmod,chown,lchown,fchown,setxattr,lsetxattr,fsetxattr,removexattr,"
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

/* What libaudit 4.1.2's tables add on every arch they have (db83fe00 and 747f6799 in 4.0.4,
 * 12003856 in 4.1.1): Linux 6.13's *xattrat calls, 6.15's open_tree_attr, 6.17's file_getattr
 * and file_setattr, numbered alike everywhere. Debian 12's libseccomp 2.5.4 knows none of them
 * (test-tables checks these numbers against the build host's kernel headers where they define
 * them). */
static const struct { int nr; const char *name; } syscalls_41[] = {
        { 463, "setxattrat" }, { 464, "getxattrat" }, { 465, "listxattrat" },
        { 466, "removexattrat" }, { 467, "open_tree_attr" }, { 468, "file_getattr" },
        { 469, "file_setattr" },
};

static int libaudit_arch(uint32_t arch) {
        switch (arch) {
        case AUDIT_ARCH_X86_64: case AUDIT_ARCH_I386: case AUDIT_ARCH_AARCH64: case AUDIT_ARCH_ARM:
        case AUDIT_ARCH_PPC: case AUDIT_ARCH_PPC64: case AUDIT_ARCH_PPC64LE:
        case AUDIT_ARCH_S390: case AUDIT_ARCH_S390X: case AUDIT_ARCH_RISCV64:
                return 1;
        default:
                return 0;
        }
}

int ak4_syscall_from_name(uint32_t arch, const char *name) {
        if (!libaudit_arch(arch) || !name)
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

int ak_compat_syscall_level(uint32_t arch, const char *name, int *ret_nr) {
        int nr = ak4_syscall_from_name(arch, name);

        if (nr >= 0) {
                *ret_nr = nr;
                return AK_COMPAT_4;
        }
        if (!libaudit_arch(arch) || !name)
                return 0;
        for (size_t i = 0; i < ELEMENTSOF(syscalls_41); i++)
                if (strcasecmp(syscalls_41[i].name, name) == 0) {
                        *ret_nr = syscalls_41[i].nr;
                        return AK_COMPAT_41;
                }
        return 0;
}

int ak_compat_syscall_at(int level, uint32_t arch, const char *name) {
        int nr = ak_syscall_from_name(arch, name), l;

        if (nr >= 0)
                return nr;
        l = ak_compat_syscall_level(arch, name, &nr);
        return l != 0 && l <= level ? nr : -1;
}

int ak_perm_syscall_at(int level, uint32_t arch, const char *name) {
        /* 4.1.2 has a riscv32 table (generic numbering, as riscv64's); of the permission classes'
         * names it lacks only truncate and ftruncate (riscv32 has the 64-bit variants). Debian
         * 13's 4.0.2 has none: every name is unknown there. */
        if (arch == AUDIT_ARCH_RISCV32 && level >= AK_COMPAT_41) {
                if (strcasecmp(name, "truncate") == 0 || strcasecmp(name, "ftruncate") == 0)
                        return -1;
                arch = AUDIT_ARCH_RISCV64;
        }
        return ak_compat_syscall_at(level, arch, name);
}

const char *ak_compat_syscall_name_41(int nr) {
        for (size_t i = 0; i < ELEMENTSOF(syscalls_41); i++)
                if (syscalls_41[i].nr == nr)
                        return syscalls_41[i].name;
        return NULL;
}

/* ------------------------------------------------------------------------------------------ */
/* The kernel's own classes (include/asm-generic/audit_{read,write,dir_write,change_attr}.h and
 * audit_classify_syscall()): the members that some level's expansion leaves out. Each with the
 * kernel release that has the syscall; where it joined the class later, that was fixed in the
 * stable trees of every release that has the syscall:
 *  - execveat (3.19): classified as exec with execve (arch/x86/kernel/audit_64.c, lib/audit.c);
 *    in no level's expansion (libaudit adds it in 4.2).
 *  - fchmodat2 (6.6): change_attr since 4f493a6079b5 (7.0; stable 6.6.y and later).
 *  - setxattrat, removexattrat (6.13): change_attr from the start (6140be90ec70).
 *  - getxattrat, listxattrat (6.13): read since bcb90a2834c7 (7.0; stable 6.13.y and later).
 *  - chown32, fchown32, lchown32 (change_attr), truncate64 (write): the 32-bit arches' own
 *    calls, in the kernel's lists since 2.6 and in no level's expansion.
 * libaudit's lists also hold calls the kernel does not classify (ftruncate, fallocate,
 * quotactl_fd, file_getattr, file_setattr): adding those to a rule costs nothing and closes
 * nothing, so they are not listed here. */
static const ak_kernel_class_member kernel_class_members[] = {
        { AUDIT_PERM_EXEC, "execveat",      3, 19 },
        { AUDIT_PERM_ATTR, "fchmodat2",     6, 6 },
        { AUDIT_PERM_ATTR, "setxattrat",    6, 13 },
        { AUDIT_PERM_ATTR, "removexattrat", 6, 13 },
        { AUDIT_PERM_READ, "getxattrat",    6, 13 },
        { AUDIT_PERM_READ, "listxattrat",   6, 13 },
        { AUDIT_PERM_ATTR, "chown32",       2, 6 },
        { AUDIT_PERM_ATTR, "fchown32",      2, 6 },
        { AUDIT_PERM_ATTR, "lchown32",      2, 6 },
        { AUDIT_PERM_WRITE, "truncate64",   2, 6 },
};

const ak_kernel_class_member *ak_kernel_class_members(size_t *ret_n) {
        *ret_n = ELEMENTSOF(kernel_class_members);
        return kernel_class_members;
}

int ak_kernel_release(unsigned *ret_major, unsigned *ret_minor) {
        const char *env = getenv("AUDITKEEP_KERNEL_RELEASE");   /* for the tests */
        struct utsname u;
        const char *r = env;

        if (!r) {
                if (uname(&u) < 0)
                        return -errno;
                r = u.release;
        }
        if (sscanf(r, "%u.%u", ret_major, ret_minor) != 2)
                return -EINVAL;
        return 0;
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
