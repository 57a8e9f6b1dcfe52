/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What auditctl 4.0.2 (Debian 13: audit 1:4.0.2-2+deb13u1, which backports riscv64 support from
 * 4.0.3) knows beyond auditctl 3.0.9: the facts behind compatibility level 4. Each was read in
 * linux-audit/audit-userspace between the tags v3.0.9 and v4.0.2 and checked against Debian 13's
 * auditctl on a real kernel. Private to lib/. */
#pragma once

#include <stdint.h>

/* The syscalls `-F perm=` stands for at level 4, as a comma list of names (lib/permtab.h of
 * 4.0.2): perm is one of AUDIT_PERM_EXEC/WRITE/READ/ATTR. NULL for any other value. */
const char *ak4_perm_class(uint32_t perm);
/* "write" for AUDIT_PERM_WRITE and so on. */
const char *ak4_perm_class_name(uint32_t perm);

/* Message type names 4.0.2 has and 3.0.9 lacks (DM_CTRL, DM_EVENT): the number, or -1. */
int ak4_msgtype_from_name(const char *name);

/* Syscall names 4.0.2's tables have and the base tables (libseccomp + libaudit 3.0.9 spellings)
 * may lack: 457 statmount ... 462 mseal on every arch libaudit knows; riscv64 also
 * riscv_hwprobe and the *xattrat calls. The number, or -1. */
int ak4_syscall_from_name(uint32_t arch, const char *name);

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
