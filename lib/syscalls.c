/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Machines, arch values and syscall names of the audit rules language (the other name tables are
 * in tables.c). Machines and arch values are libaudit 3.0.9's machinetab, ELF table and
 * audit_determine_machine(). Syscall names come from libseccomp, with libaudit's own spellings
 * layered on top. Like every lookup of tables.h, these ignore ASCII case.
 *
 * Syscalls, libseccomp 2.5.4 versus libaudit 3.0.9 (x86_64, i386, aarch64; also arm, ppc*, s390*):
 *  - libaudit spells some numbers differently: x86_64 17/18 "pread"/"pwrite" (libseccomp
 *    "pread64"/"pwrite64"); i386 283 "sys_kexec_load" ("kexec_load"), 423
 *    "sched_rr_get_interval64" ("sched_rr_get_interval_time64"), and "madvise1" as a second name
 *    of 219; aarch64 61 "getdents" ("getdents64"), 67/68 "pread"/"pwrite", 80 "newfstat"
 *    ("fstat"). syscall_aliases[] below adds these; libaudit's spelling is the one rendered,
 *    libseccomp's is accepted too.
 *  - seccomp_syscall_resolve_name_arch() returns negative pseudo numbers for the i386, ppc and
 *    s390 socket/IPC calls that also exist as direct syscalls (i386 "socket" is 359). Names are
 *    therefore looked up in a table built from seccomp_syscall_resolve_num_arch(), which knows
 *    the direct numbers, never through resolve_name.
 *  - libaudit's arm table keeps OABI-only calls (13 "time", 90 "mmap", ...) and its one ppc table
 *    serves ppc, ppc64 and ppc64le (e.g. 192 "mmap2" on ppc64); those are in syscall_aliases[] too.
 *  - What remains is a superset: libseccomp knows syscalls newer than libaudit 3.0.9's tables
 *    (451 "cachestat" ... 456 "futex_requeue" on x86_64/i386/aarch64, more on arm/ppc/s390), and
 *    libseccomp's alternative spellings ("pread64", "getdents64" on aarch64, ...). Those resolve
 *    here while auditctl 3.0.9 says "Syscall name unknown" and prints the bare number. */

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/utsname.h>

#include <linux/audit.h>
#include <seccomp.h>

#include "macro.h"
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

/* libaudit 3.0.9 names that libseccomp 2.5.4 spells differently or lacks. `render`: the name
 * ak_syscall_to_name() gives for that number (what auditctl -l prints). The ppc64 entries serve
 * ppc64le too (alias_applies). */
static const struct {
        uint32_t arch;
        int nr;
        const char *name;
        int render;
} syscall_aliases[] = {
        { AUDIT_ARCH_X86_64, 17, "pread", 1 }, /* pread64 */
        { AUDIT_ARCH_X86_64, 18, "pwrite", 1 }, /* pwrite64 */
        { AUDIT_ARCH_I386, 283, "sys_kexec_load", 1 }, /* kexec_load */
        { AUDIT_ARCH_I386, 423, "sched_rr_get_interval64", 1 }, /* sched_rr_get_interval_time64 */
        { AUDIT_ARCH_I386, 219, "madvise1", 0 }, /* also "madvise" */
        { AUDIT_ARCH_AARCH64, 61, "getdents", 1 }, /* getdents64 */
        { AUDIT_ARCH_AARCH64, 67, "pread", 1 }, /* pread64 */
        { AUDIT_ARCH_AARCH64, 68, "pwrite", 1 }, /* pwrite64 */
        { AUDIT_ARCH_AARCH64, 80, "newfstat", 1 }, /* fstat */
        { AUDIT_ARCH_ARM, 13, "time", 1 },
        { AUDIT_ARCH_ARM, 22, "umount", 1 },
        { AUDIT_ARCH_ARM, 25, "stime", 1 },
        { AUDIT_ARCH_ARM, 27, "alarm", 1 },
        { AUDIT_ARCH_ARM, 30, "utime", 1 },
        { AUDIT_ARCH_ARM, 76, "getrlimit", 1 },
        { AUDIT_ARCH_ARM, 82, "select", 1 },
        { AUDIT_ARCH_ARM, 89, "readdir", 1 },
        { AUDIT_ARCH_ARM, 90, "mmap", 1 },
        { AUDIT_ARCH_ARM, 102, "socketcall", 1 },
        { AUDIT_ARCH_ARM, 113, "syscall", 1 },
        { AUDIT_ARCH_ARM, 117, "ipc", 1 },
        { AUDIT_ARCH_ARM, 140, "llseek", 1 }, /* _llseek */
        { AUDIT_ARCH_ARM, 142, "newselect", 1 }, /* _newselect */
        { AUDIT_ARCH_ARM, 149, "sysctl", 1 }, /* _sysctl */
        { AUDIT_ARCH_ARM, 270, "fadvise64_64", 1 }, /* arm_fadvise64_64 */
        { AUDIT_ARCH_ARM, 341, "sync_file_range", 1 }, /* arm_sync_file_range */
        { AUDIT_ARCH_ARM, 423, "sched_rr_get_interval64", 1 }, /* sched_rr_get_interval_time64 */
        { AUDIT_ARCH_PPC, 179, "pread", 1 }, /* pread64 */
        { AUDIT_ARCH_PPC, 180, "pwrite", 1 }, /* pwrite64 */
        { AUDIT_ARCH_PPC, 306, "timerfd", 1 }, /* timerfd_create */
        { AUDIT_ARCH_PPC, 319, "perf_counter_open", 1 }, /* perf_event_open */
        { AUDIT_ARCH_PPC, 392, "semtimedop", 1 },
        { AUDIT_ARCH_PPC64, 179, "pread", 1 }, /* pread64 */
        { AUDIT_ARCH_PPC64, 180, "pwrite", 1 }, /* pwrite64 */
        { AUDIT_ARCH_PPC64, 192, "mmap2", 1 },
        { AUDIT_ARCH_PPC64, 193, "truncate64", 1 },
        { AUDIT_ARCH_PPC64, 194, "ftruncate64", 1 },
        { AUDIT_ARCH_PPC64, 195, "stat64", 1 },
        { AUDIT_ARCH_PPC64, 196, "lstat64", 1 },
        { AUDIT_ARCH_PPC64, 197, "fstat64", 1 },
        { AUDIT_ARCH_PPC64, 204, "fcntl64", 1 },
        { AUDIT_ARCH_PPC64, 226, "sendfile64", 1 },
        { AUDIT_ARCH_PPC64, 254, "fadvise64_64", 1 },
        { AUDIT_ARCH_PPC64, 291, "fstatat64", 1 }, /* newfstatat */
        { AUDIT_ARCH_PPC64, 306, "timerfd", 1 }, /* timerfd_create */
        { AUDIT_ARCH_PPC64, 319, "perf_counter_open", 1 }, /* perf_event_open */
        { AUDIT_ARCH_PPC64, 403, "clock_gettime64", 1 },
        { AUDIT_ARCH_PPC64, 404, "clock_settime64", 1 },
        { AUDIT_ARCH_PPC64, 405, "clock_adjtime64", 1 },
        { AUDIT_ARCH_PPC64, 406, "clock_getres_time64", 1 },
        { AUDIT_ARCH_PPC64, 407, "clock_nanosleep_time64", 1 },
        { AUDIT_ARCH_PPC64, 408, "timer_gettime64", 1 },
        { AUDIT_ARCH_PPC64, 409, "timer_settime64", 1 },
        { AUDIT_ARCH_PPC64, 410, "timerfd_gettime64", 1 },
        { AUDIT_ARCH_PPC64, 411, "timerfd_settime64", 1 },
        { AUDIT_ARCH_PPC64, 412, "utimensat_time64", 1 },
        { AUDIT_ARCH_PPC64, 413, "pselect6_time64", 1 },
        { AUDIT_ARCH_PPC64, 414, "ppoll_time64", 1 },
        { AUDIT_ARCH_PPC64, 416, "io_pgetevents_time64", 1 },
        { AUDIT_ARCH_PPC64, 417, "recvmmsg_time64", 1 },
        { AUDIT_ARCH_PPC64, 418, "mq_timedsend_time64", 1 },
        { AUDIT_ARCH_PPC64, 419, "mq_timedreceive_time64", 1 },
        { AUDIT_ARCH_PPC64, 420, "semtimedop_time64", 1 },
        { AUDIT_ARCH_PPC64, 421, "rt_sigtimedwait_time64", 1 },
        { AUDIT_ARCH_PPC64, 422, "futex_time64", 1 },
        { AUDIT_ARCH_PPC64, 423, "sched_rr_get_interval_time64", 1 },
        { AUDIT_ARCH_S390, 180, "pread", 1 }, /* pread64 */
        { AUDIT_ARCH_S390, 181, "pwrite", 1 }, /* pwrite64 */
        { AUDIT_ARCH_S390X, 180, "pread", 1 }, /* pread64 */
        { AUDIT_ARCH_S390X, 181, "pwrite", 1 }, /* pwrite64 */
};

/* libaudit has one table for ppc64 and ppc64le. */
static int alias_applies(uint32_t alias_arch, uint32_t arch) {
        return alias_arch == arch || (alias_arch == AUDIT_ARCH_PPC64 && arch == AUDIT_ARCH_PPC64LE);
}

/* libseccomp tokens are AUDIT_ARCH_* values. Each arch gets a window of SYSCALL_WINDOW numbers
 * from `base` (MIPS numbers its ABIs from 4000, 5000 and 6000); the audit syscall mask only
 * holds numbers below 2032 anyway. ARM's private calls (0xf0001...) are left out. */
#define SYSCALL_WINDOW 1024

static const struct {
        uint32_t arch;
        int base;
} syscall_arches[] = {
        { AUDIT_ARCH_X86_64,      0 },
        { AUDIT_ARCH_I386,        0 },
        { AUDIT_ARCH_AARCH64,     0 },
        { AUDIT_ARCH_ARM,         0 },
        { AUDIT_ARCH_PPC64LE,     0 },
        { AUDIT_ARCH_PPC64,       0 },
        { AUDIT_ARCH_PPC,         0 },
        { AUDIT_ARCH_S390X,       0 },
        { AUDIT_ARCH_S390,        0 },
        { AUDIT_ARCH_MIPS,        4000 },
        { AUDIT_ARCH_MIPSEL,      4000 },
        { AUDIT_ARCH_MIPS64,      5000 },
        { AUDIT_ARCH_MIPSEL64,    5000 },
        { AUDIT_ARCH_MIPS64N32,   6000 },
        { AUDIT_ARCH_MIPSEL64N32, 6000 },
        { AUDIT_ARCH_PARISC,      0 },
        { AUDIT_ARCH_PARISC64,    0 },
        { AUDIT_ARCH_RISCV64,     0 },
#ifdef AUDIT_ARCH_LOONGARCH64
        { AUDIT_ARCH_LOONGARCH64, 0 },
#endif
};

struct syscall_name {
        const char *name;
        int nr;
};

struct syscall_table {
        int base;
        const char *by_nr[SYSCALL_WINDOW];      /* name rendered for base + i, or NULL */
        char *owned[SYSCALL_WINDOW];            /* libseccomp's strings, freed only on a lost race */
        struct syscall_name by_name[SYSCALL_WINDOW];   /* libseccomp's names, sorted */
        size_t n_names;
        uint16_t by_hash[2 * SYSCALL_WINDOW];   /* index into by_name + 1, open addressing (ak_name_hash_ci) */
};

/* Built once per arch and then never freed nor changed. */
static struct syscall_table *syscall_tables[ELEMENTSOF(syscall_arches)];

static void syscall_table_free(struct syscall_table *t) {
        if (!t)
                return;
        for (size_t i = 0; i < SYSCALL_WINDOW; i++)
                free(t->owned[i]);
        free(t);
}

static int syscall_name_cmp(const void *a, const void *b) {
        const struct syscall_name *x = a, *y = b;
        int r = strcasecmp(x->name, y->name);

        if (r != 0)
                return r;
        return (x->nr > y->nr) - (x->nr < y->nr);
}

static struct syscall_table *syscall_table_build(uint32_t arch, int base) {
        struct syscall_table *t = calloc(1, sizeof(*t));

        if (!t)
                return NULL;
        t->base = base;

        /* Names by number, never seccomp_syscall_resolve_name_arch(): see the top of this file. */
        for (int i = 0; i < SYSCALL_WINDOW; i++) {
                char *s = seccomp_syscall_resolve_num_arch(arch, base + i);

                if (!s)
                        continue;
                t->owned[i] = s;
                t->by_nr[i] = s;
                t->by_name[t->n_names++] = (struct syscall_name) { .name = s, .nr = base + i };
        }
        qsort(t->by_name, t->n_names, sizeof(t->by_name[0]), syscall_name_cmp);
        /* The first of equal names in sorted order (the lowest number) is the one found. */
        for (size_t i = 0; i < t->n_names; i++) {
                size_t k = ak_name_hash_ci(t->by_name[i].name) & (ELEMENTSOF(t->by_hash) - 1);
                int dup = 0;

                for (; t->by_hash[k]; k = (k + 1) & (ELEMENTSOF(t->by_hash) - 1))
                        if (strcasecmp(t->by_name[t->by_hash[k] - 1].name, t->by_name[i].name) == 0) {
                                dup = 1;
                                break;
                        }
                if (!dup)
                        t->by_hash[k] = (uint16_t) (i + 1);
        }

        for (size_t i = 0; i < ELEMENTSOF(syscall_aliases); i++) {
                int idx = syscall_aliases[i].nr - base;

                if (!alias_applies(syscall_aliases[i].arch, arch) || !syscall_aliases[i].render)
                        continue;
                if (idx >= 0 && idx < SYSCALL_WINDOW)
                        t->by_nr[idx] = syscall_aliases[i].name;
        }
        return t;
}

static const struct syscall_table *syscall_table_get(uint32_t arch) {
        for (size_t i = 0; i < ELEMENTSOF(syscall_arches); i++) {
                struct syscall_table *t, *expected = NULL;

                if (syscall_arches[i].arch != arch)
                        continue;

                t = __atomic_load_n(&syscall_tables[i], __ATOMIC_ACQUIRE);
                if (t)
                        return t;
                t = syscall_table_build(arch, syscall_arches[i].base);
                if (!t)
                        return NULL;
                if (!__atomic_compare_exchange_n(&syscall_tables[i], &expected, t, 0,
                                                 __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
                        /* Another thread was first: use its table. */
                        syscall_table_free(t);
                        return expected;
                }
                return t;
        }
        return NULL;
}

int ak_syscall_from_name(uint32_t arch, const char *name) {
        const struct syscall_table *t;

        if (!name || !*name)
                return -1;
        if (arch == 0)
                arch = ak_arch_native();

        /* libaudit's spellings first, so that they mean what they mean to auditctl. */
        for (size_t i = 0; i < ELEMENTSOF(syscall_aliases); i++)
                if (alias_applies(syscall_aliases[i].arch, arch) && strcasecmp(syscall_aliases[i].name, name) == 0)
                        return syscall_aliases[i].nr;

        t = syscall_table_get(arch);
        if (!t)
                return -1;

        for (size_t k = ak_name_hash_ci(name) & (ELEMENTSOF(t->by_hash) - 1); t->by_hash[k];
             k = (k + 1) & (ELEMENTSOF(t->by_hash) - 1))
                if (strcasecmp(t->by_name[t->by_hash[k] - 1].name, name) == 0)
                        return t->by_name[t->by_hash[k] - 1].nr;
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
        if (idx < 0 || idx >= SYSCALL_WINDOW)
                return NULL;
        return t->by_nr[idx];
}
