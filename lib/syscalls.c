/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Machines, arch values and syscall names of the audit rules language (the other name tables are
 * in tables.c). Machines and arch values are libaudit 3.0.9's machinetab, ELF table and
 * audit_determine_machine(). Syscall names come from libseccomp, with libaudit's own spellings
 * layered on top, in constant tables made at build time from the build machine's libseccomp
 * (lib/gen/syscall-table.c says how, and where libaudit and libseccomp differ): nothing here asks
 * libseccomp. Like every lookup of tables.h, these ignore ASCII case. */

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/utsname.h>

#include <linux/audit.h>

#include "macro.h"
#include "syscall-table.h"     /* generated: syscall_pool, syscall_slots, syscall_tables */
#include "tables.h"

/* ------------------------------------------------------------------------------------------ */
/* Machines and arch values (machinetab, the ELF table, audit_determine_machine). */

/* Machine names as `uname -m` and -F arch= spell them, each mapped to its AUDIT_ARCH_* value
 * (libaudit maps names to a machine and the machine to one ELF value). ia64 and alpha are not
 * in 3.0.9's table. */
static const struct {
        const char *name;
        uint32_t arch;
} machine_table[] = {
        { "i386",      AUDIT_ARCH_I386 },
        { "i486",      AUDIT_ARCH_I386 },
        { "i586",      AUDIT_ARCH_I386 },
        { "i686",      AUDIT_ARCH_I386 },
        { "x86_64",    AUDIT_ARCH_X86_64 },
        { "ppc64",     AUDIT_ARCH_PPC64 },
        { "ppc64le",   AUDIT_ARCH_PPC64LE },
        { "ppc",       AUDIT_ARCH_PPC },
        { "s390x",     AUDIT_ARCH_S390X },
        { "s390",      AUDIT_ARCH_S390 },
        { "armeb",     AUDIT_ARCH_ARM },
        { "arm",       AUDIT_ARCH_ARM },
        { "armv5tejl", AUDIT_ARCH_ARM },
        { "armv5tel",  AUDIT_ARCH_ARM },
        { "armv6l",    AUDIT_ARCH_ARM },
        { "armv7l",    AUDIT_ARCH_ARM },
        { "aarch64",   AUDIT_ARCH_AARCH64 },
        { "armv8l",    AUDIT_ARCH_AARCH64 },
};

/* The ELF values libaudit knows (audit_elf_to_machine), with the machine's canonical name
 * (audit_machine_to_name). */
static const struct {
        uint32_t arch;
        const char *name;
} elf_table[] = {
        { AUDIT_ARCH_I386,    "i386" },
        { AUDIT_ARCH_X86_64,  "x86_64" },
        { AUDIT_ARCH_PPC64,   "ppc64" },
        { AUDIT_ARCH_PPC64LE, "ppc64le" },
        { AUDIT_ARCH_PPC,     "ppc" },
        { AUDIT_ARCH_S390X,   "s390x" },
        { AUDIT_ARCH_S390,    "s390" },
        { AUDIT_ARCH_ARM,     "armeb" },
        { AUDIT_ARCH_AARCH64, "aarch64" },
};

static uint32_t machine_from_name(const char *name) {
        for (size_t i = 0; i < ELEMENTSOF(machine_table); i++)
                if (strcasecmp(machine_table[i].name, name) == 0)
                        return machine_table[i].arch;
        return 0;
}

const char *ak_arch_machine_name(uint32_t arch) {
        for (size_t i = 0; i < ELEMENTSOF(elf_table); i++)
                if (elf_table[i].arch == arch)
                        return elf_table[i].name;
        return NULL;
}

static uint32_t arch_compiled(void) {
#if defined(__x86_64__)
        return AUDIT_ARCH_X86_64;
#elif defined(__i386__)
        return AUDIT_ARCH_I386;
#elif defined(__aarch64__)
        return AUDIT_ARCH_AARCH64;
#elif defined(__arm__)
        return AUDIT_ARCH_ARM;
#elif defined(__powerpc64__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
        return AUDIT_ARCH_PPC64LE;
#elif defined(__powerpc64__)
        return AUDIT_ARCH_PPC64;
#elif defined(__powerpc__)
        return AUDIT_ARCH_PPC;
#elif defined(__s390x__)
        return AUDIT_ARCH_S390X;
#elif defined(__s390__)
        return AUDIT_ARCH_S390;
#elif defined(__riscv) && __riscv_xlen == 64
        return AUDIT_ARCH_RISCV64;      /* Debian 13's auditctl 4.0.2 knows it (compat.h) */
#else
        return 0;
#endif
}

uint32_t ak_arch_native(void) {
        static uint32_t cached;   /* 0 until computed; every thread computes the same value */
        uint32_t a = __atomic_load_n(&cached, __ATOMIC_RELAXED);
        struct utsname u;

        if (a != 0)
                return a;
        /* Like audit_detect_machine(): the kernel's machine name, so a 32-bit build on a 64-bit
         * kernel still gets the 64-bit arch. */
        if (uname(&u) == 0)
                a = machine_from_name(u.machine);
        if (a == 0)
                a = arch_compiled();
        __atomic_store_n(&cached, a, __ATOMIC_RELAXED);
        return a;
}

/* audit_determine_machine() for "b32"/"b64": the native machine, moved to its 32-bit half for
 * b32; 64 bits on a 32-bit-only machine is an error. ppc64le has no 32-bit half in libaudit and
 * stays ppc64le for b32. */
static uint32_t arch_from_bits(int want64) {
        uint32_t native = ak_arch_native();

        if (!want64)
                switch (native) {
                case AUDIT_ARCH_X86_64:
                        return AUDIT_ARCH_I386;
                case AUDIT_ARCH_PPC64:
                        return AUDIT_ARCH_PPC;
                case AUDIT_ARCH_S390X:
                        return AUDIT_ARCH_S390;
                case AUDIT_ARCH_AARCH64:
                        return AUDIT_ARCH_ARM;
                case AUDIT_ARCH_RISCV64:
                        return AUDIT_ARCH_RISCV64 & ~__AUDIT_ARCH_64BIT;   /* riscv32, as 4.0.3 */
                default:
                        break;
                }

        switch (native) {
        case AUDIT_ARCH_I386:
        case AUDIT_ARCH_PPC:
        case AUDIT_ARCH_S390:
        case AUDIT_ARCH_ARM:
                return want64 ? 0 : native;
        case AUDIT_ARCH_X86_64:
        case AUDIT_ARCH_PPC64:
        case AUDIT_ARCH_PPC64LE:
        case AUDIT_ARCH_S390X:
        case AUDIT_ARCH_AARCH64:
        case AUDIT_ARCH_RISCV64:
                return native;
        default:
                return 0;
        }
}

uint32_t ak_arch_from_name(const char *name) {
        unsigned long v;
        uint32_t a;

        if (!name || !*name)
                return 0;

        /* audit_rule_fieldpair_data(): a value starting with a digit is an ELF number read with
         * strtoul(v, NULL, 0) (trailing characters ignored, stored as unsigned int), and must be
         * a value libaudit knows. */
        if (isdigit((unsigned char) name[0])) {
                errno = 0;
                v = strtoul(name, NULL, 0);
                if (errno != 0)
                        return 0;
                a = (uint32_t) v;
                return ak_arch_machine_name(a) ? a : 0;
        }

        /* Otherwise audit_determine_machine(). */
        if (strcasecmp(name, "b64") == 0)
                return arch_from_bits(1);
        if (strcasecmp(name, "b32") == 0)
                return arch_from_bits(0);

        a = machine_from_name(name);
        if (a != 0)
                return a;

        /* Last resort there: the text as hex without 0x ("c000003e"). */
        errno = 0;
        v = strtoul(name, NULL, 16);
        if (errno != 0)
                return 0;
        a = (uint32_t) v;
        return ak_arch_machine_name(a) ? a : 0;
}

const char *ak_arch_to_name(uint32_t arch, char *buf, size_t size) {
        if (!buf || size == 0)
                return NULL;
        if (ak_arch_machine_name(arch))
                snprintf(buf, size, "%s", (arch & __AUDIT_ARCH_64BIT) ? "b64" : "b32");
        else
                snprintf(buf, size, "0x%X", (unsigned) arch);
        return buf;
}

/* ------------------------------------------------------------------------------------------ */
/* Syscalls. */

static const struct syscall_table *syscall_table_get(uint32_t arch) {
        for (size_t i = 0; i < ELEMENTSOF(syscall_tables); i++)
                if (syscall_tables[i].arch == arch)
                        return &syscall_tables[i];
        return NULL;
}

int ak_syscall_from_name(uint32_t arch, const char *name) {
        const struct syscall_table *t;
        size_t mask;

        if (!name || !*name)
                return -1;
        if (arch == 0)
                arch = ak_arch_native();
        t = syscall_table_get(arch);
        if (!t)
                return -1;
        /* libaudit's spellings were put in first: they mean what they mean to auditctl */
        mask = t->n_slots - 1;
        for (size_t k = ak_name_hash_ci(name) & mask; syscall_slots[t->slots + k].name; k = (k + 1) & mask)
                if (strcasecmp(syscall_pool + syscall_slots[t->slots + k].name, name) == 0)
                        return syscall_slots[t->slots + k].nr;
        return -1;
}

const char *ak_syscall_to_name(uint32_t arch, int nr) {
        const struct syscall_table *t;
        long idx;

        if (arch == 0)
                arch = ak_arch_native();
        t = syscall_table_get(arch);
        if (!t)
                return NULL;
        idx = (long) nr - t->base;
        if (idx < 0 || idx >= SYSCALL_WINDOW || !t->by_nr[idx])
                return NULL;
        return syscall_pool + t->by_nr[idx];
}
