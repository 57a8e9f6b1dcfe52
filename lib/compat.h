/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What auditctl 4.0.2 (Debian 13: audit 1:4.0.2-2+deb13u1, which backports riscv64 support from
 * 4.0.3) and auditctl 4.1.2 (Debian forky) know beyond auditctl 3.0.9: the facts behind
 * compatibility levels 4 and 4.1. Each was read in
 * linux-audit/audit-userspace between the tags v3.0.9 and v4.0.2 and checked against Debian 13's
 * auditctl on a real kernel. Private to lib/. */
#pragma once

#include <stdint.h>

/* The syscalls `-F perm=` stands for at a level (4: lib/permtab.h of 4.0.2; 4.1: of 4.1.2), as a
 * comma list of names: perm is one of AUDIT_PERM_EXEC/WRITE/READ/ATTR. NULL for any other value.
 * At 4.1 a name the arch lacks is left out (4.0.4's filter); at 4 it makes the line fail. */
const char *ak_perm_class(int level, uint32_t perm);
/* "write" for AUDIT_PERM_WRITE and so on. */
const char *ak4_perm_class_name(uint32_t perm);

/* Message type names 4.0.2 has and 3.0.9 lacks (DM_CTRL, DM_EVENT): the number, or -1. */
int ak4_msgtype_from_name(const char *name);

/* Syscall names 4.0.2's tables have and the base tables (libseccomp + libaudit 3.0.9 spellings)
 * may lack: 457 statmount ... 462 mseal on every arch libaudit knows; riscv64 also
 * riscv_hwprobe and the *xattrat calls. The number, or -1. */
int ak4_syscall_from_name(uint32_t arch, const char *name);
/* The lowest level whose tables know a syscall name the base tables lack (AK_COMPAT_4, or
 * AK_COMPAT_41 for 4.1.2's 463 setxattrat ... 469 file_setattr), with its number; 0 if none. */
int ak_compat_syscall_level(uint32_t arch, const char *name, int *ret_nr);
/* The number of a syscall name as auditctl of `level` reads it (base tables, then the level's
 * own), or -1. */
int ak_compat_syscall_at(int level, uint32_t arch, const char *name);
/* A name of a permission class as the expansion of `level` reads it for arch: as
 * ak_compat_syscall_at(), and at 4.1 riscv32 by 4.1.2's riscv32 table. */
int ak_perm_syscall_at(int level, uint32_t arch, const char *name);
/* The name 4.1.2's tables give 463 ... 469, else NULL. */
const char *ak_compat_syscall_name_41(int nr);

/* The kernel's permission classes (include/asm-generic/audit_*.h, audit_classify_syscall), as far
 * as they hold syscalls that some level's expansion of -F perm= leaves out: the class bit, the
 * name, and the kernel release (major, minor) that has the syscall. */
typedef struct ak_kernel_class_member {
        uint32_t perm;
        const char *name;
        unsigned major, minor;
} ak_kernel_class_member;
const ak_kernel_class_member *ak_kernel_class_members(size_t *ret_n);
/* The running kernel's release (uname; $AUDITKEEP_KERNEL_RELEASE for the tests): 0, or -errno. */
int ak_kernel_release(unsigned *ret_major, unsigned *ret_minor);

/* Arch names and values 4.0.2 (with Debian's riscv64 backport) knows beyond 3.0.9: "riscv64",
 * "riscv32" (any case), their ELF values as a number ("0xc00000f3", "3221225715") or as bare hex
 * text ("c00000f3"). 0 if none of these. */
uint32_t ak4_arch_from_name(const char *name);
/* 1 for AUDIT_ARCH_RISCV64 and AUDIT_ARCH_RISCV32. */
int ak4_arch_known(uint32_t arch);

/* io_uring operations "-S all" stands for, with auditctl 4.0.2 and master alike: the named
 * operations below 37 (libaudit's fallback IORING_OP_LAST, since the kernel header defines it as
 * an enum value that #ifndef does not see). */
#define AK_URING_ALL_LIMIT 37
