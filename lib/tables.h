/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Name <-> number tables of the audit rules language (facts as auditctl 3.0.9 knows them).
 * Every name lookup ignores ASCII case, as libaudit's tables do ("AUID", "Syscall", "OPENAT"). */
#pragma once

#include <stddef.h>
#include <stdint.h>

/* Rule fields (AUDIT_PID ... AUDIT_FILTERKEY), by auditctl's names ("auid" and "loginuid" both
 * map to AUDIT_LOGINUID). Returns the field number or -1. Like libaudit 3.0.9, AUDIT_LOGINUID_SET
 * (24) has no name: "loginuid_set" is unknown and ak_field_to_name(24) is NULL (auditctl -l then
 * prints "f24"). */
int ak_field_from_name(const char *name);
/* The canonical name auditctl -l prints, or NULL. */
const char *ak_field_to_name(uint32_t field);
/* All names, for "did you mean" suggestions. */
const char *const *ak_field_names(size_t *ret_n);

/* Message type names (msgtype=, "SYSCALL", "CONFIG_CHANGE", ...). -1 if unknown. Like libaudit,
 * "UNKNOWN[n]" (n > 0) also gives n; plain numbers are the caller's job. */
int ak_msgtype_from_name(const char *name);
const char *ak_msgtype_to_name(int type);

/* errno names as auditctl's errtab ("EPERM" -> 1, also "EWOULDBLOCK"/"EDEADLOCK"). -1 if unknown.
 * No sign handling: "-EACCES" is the caller's job. ak_errno_to_name() is NULL for err <= 0. */
int ak_errno_from_name(const char *name);
const char *ak_errno_to_name(int err);

/* filetype= names ("file", "dir", "socket", "link", "character", "block", "fifo") <-> S_IF*. */
int ak_ftype_from_name(const char *name);
const char *ak_ftype_to_name(uint32_t mode);

/* fstype= names ("debugfs", "tracefs") <-> magic numbers. -1 if unknown. */
int64_t ak_fstype_from_name(const char *name);
const char *ak_fstype_to_name(uint32_t magic);

/* Machine/arch names of -F arch= ("b64", "b32", "x86_64", "i386", "aarch64", "armeb", "ppc64",
 * "ppc64le", "s390", "s390x", ...) -> AUDIT_ARCH_* value for this host (b32/b64 resolve against
 * the native machine). 0 if unknown. As auditctl 3.0.9: text starting with a digit is an ELF
 * value read with strtoul(v, NULL, 0) ("0xc000003e", "3221225534"), other text that is no name is
 * tried as bare hex ("c000003e"); either must be one of the values libaudit knows. */
uint32_t ak_arch_from_name(const char *name);
/* How auditctl -l prints an arch value: "b64"/"b32" (by the __AUDIT_ARCH_64BIT bit) for every
 * arch libaudit 3.0.9 knows (i386, x86_64, ppc, ppc64, ppc64le, s390, s390x, arm, aarch64; so
 * aarch64 prints "b64" even on x86_64), else "0x%X". Writes into buf and returns it (NULL if buf
 * is NULL or size is 0). */
const char *ak_arch_to_name(uint32_t arch, char *buf, size_t size);
/* The machine name auditctl -i prints for an arch value ("x86_64", "i386", "armeb", "aarch64",
 * ...), or NULL if libaudit 3.0.9 does not know the value. */
const char *ak_arch_machine_name(uint32_t arch);
/* The native AUDIT_ARCH_* (x86_64 here). */
uint32_t ak_arch_native(void);

/* Syscall names per AUDIT_ARCH_* (0 = native): number, or -1 if unknown. Names come from
 * libseccomp plus libaudit 3.0.9's own spellings ("pread", "newfstat", ...), so every name of
 * libaudit's tables resolves as libaudit does. */
int ak_syscall_from_name(uint32_t arch, const char *name);
/* Name for a number (libaudit's spelling where it differs: x86_64 17 is "pread"), or NULL. The
 * returned string is static (or cached) and must not be freed. */
const char *ak_syscall_to_name(uint32_t arch, int nr);

/* The syscall (or, with uring, io_uring operation) name of this arch closest to `name`, for "did
 * you mean" suggestions; NULL when none is close. */
const char *ak_syscall_closest(uint32_t arch, const char *name, int uring);

/* io_uring operation names (IORING_OP_*, lower case without prefix, as auditctl uses). */
int ak_uringop_from_name(const char *name);
const char *ak_uringop_to_name(int op);
int ak_uringop_count(void);   /* IORING_OP_LAST known: one past the highest op in the table */

/* Levenshtein distance, bounded: returns a value > max when farther than max. */
unsigned ak_edit_distance(const char *a, const char *b, unsigned max);
/* The closest of `words` to `s` within a small distance, or NULL. */
const char *ak_closest_word(const char *s, const char *const *words, size_t n);

/* Case-insensitive FNV-1a hash of a name (ASCII folding, as strcasecmp in the C locale), for the
 * hash indexes of tables.c and syscalls.c (whose index is made at build time by
 * lib/gen/syscall-table.c, hence inline). */
static inline uint32_t ak_name_hash_ci(const char *s) {
        uint32_t h = 2166136261u;       /* FNV-1a over the name folded to lower case */

        for (; *s; s++) {
                unsigned char c = (unsigned char) *s;

                if (c >= 'A' && c <= 'Z')
                        c = (unsigned char) (c - 'A' + 'a');
                h = (h ^ c) * 16777619u;
        }
        return h;
}
