/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Build-time generator of lib/syscalls.c's syscall name tables: run by meson on the build machine,
 * it asks that machine's libseccomp for the name of every number of every arch auditkeep knows,
 * layers libaudit 3.0.9's own spellings on top (below), and prints a C header of constant tables
 * (one string pool, names by number, a hash index of names) that syscalls.c includes. So nothing
 * asks libseccomp at run time (it took ~0.5 ms per run to build the native arch's table), and the
 * tables are exactly what the run-time construction gave with the same libseccomp.
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

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <linux/audit.h>
#include <seccomp.h>

#include "tables.h"

#define ELEMENTSOF(x) (sizeof(x) / sizeof((x)[0]))

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

/* ------------------------------------------------------------------------------------------ */

/* The pool: every name once, at offsets from 1 (0 means none). */
static char pool[1 << 16];
static size_t pool_len = 1;

static uint16_t pool_add(const char *s) {
        size_t n = strlen(s) + 1;

        for (size_t i = 1; i + n <= pool_len; i += strlen(pool + i) + 1)
                if (strcmp(pool + i, s) == 0)
                        return (uint16_t) i;
        if (pool_len + n > sizeof(pool)) {
                fprintf(stderr, "gen-syscall-table: the name pool outgrew 64 KiB\n");
                exit(1);
        }
        memcpy(pool + pool_len, s, n);
        pool_len += n;
        return (uint16_t) (pool_len - n);
}

struct syscall_name {
        const char *name;
        int nr;
};

static int syscall_name_cmp(const void *a, const void *b) {
        const struct syscall_name *x = a, *y = b;
        int r = strcasecmp(x->name, y->name);

        if (r != 0)
                return r;
        return (x->nr > y->nr) - (x->nr < y->nr);
}

struct slot {
        uint16_t name, nr;
};

static struct slot slots[ELEMENTSOF(syscall_arches) * 2 * SYSCALL_WINDOW];
static size_t n_slots;

/* Into the arch's open-addressed index (size slots from `start`), unless a name equal to it
 * (ignoring case) is there already: the first one put in is the one found. */
static void index_put(size_t start, size_t size, const char *name, int nr) {
        for (size_t k = ak_name_hash_ci(name) & (size - 1);; k = (k + 1) & (size - 1)) {
                struct slot *s = &slots[start + k];

                if (s->name == 0) {
                        *s = (struct slot) { .name = pool_add(name), .nr = (uint16_t) nr };
                        return;
                }
                if (strcasecmp(pool + s->name, name) == 0)
                        return;
        }
}

int main(void) {
        uint16_t by_nr[ELEMENTSOF(syscall_arches)][SYSCALL_WINDOW] = {};
        size_t start[ELEMENTSOF(syscall_arches)], size[ELEMENTSOF(syscall_arches)];

        for (size_t a = 0; a < ELEMENTSOF(syscall_arches); a++) {
                uint32_t arch = syscall_arches[a].arch;
                int base = syscall_arches[a].base;
                struct syscall_name names[SYSCALL_WINDOW];
                size_t n = 0, n_alias = 0;

                /* Names by number, never seccomp_syscall_resolve_name_arch(): see the top. */
                for (int i = 0; i < SYSCALL_WINDOW; i++) {
                        char *s = seccomp_syscall_resolve_num_arch(arch, base + i);

                        if (!s)
                                continue;
                        if (base + i > UINT16_MAX) {
                                fprintf(stderr, "gen-syscall-table: syscall number %d is too large\n", base + i);
                                return 1;
                        }
                        by_nr[a][i] = pool_add(s);
                        names[n++] = (struct syscall_name) { .name = pool + by_nr[a][i], .nr = base + i };
                        free(s);
                }
                qsort(names, n, sizeof(names[0]), syscall_name_cmp);
                for (size_t i = 0; i < ELEMENTSOF(syscall_aliases); i++)
                        n_alias += alias_applies(syscall_aliases[i].arch, arch);

                start[a] = n_slots;
                for (size[a] = 64; size[a] < 2 * (n + n_alias); size[a] *= 2)
                        ;
                n_slots += size[a];
                /* libaudit's spellings first, so that they mean what they mean to auditctl */
                for (size_t i = 0; i < ELEMENTSOF(syscall_aliases); i++)
                        if (alias_applies(syscall_aliases[i].arch, arch))
                                index_put(start[a], size[a], syscall_aliases[i].name, syscall_aliases[i].nr);
                /* then libseccomp's, the lowest number of equal names */
                for (size_t i = 0; i < n; i++)
                        index_put(start[a], size[a], names[i].name, names[i].nr);
                /* the name rendered for a number: libaudit's where it has its own */
                for (size_t i = 0; i < ELEMENTSOF(syscall_aliases); i++) {
                        int idx = syscall_aliases[i].nr - base;

                        if (!alias_applies(syscall_aliases[i].arch, arch) || !syscall_aliases[i].render)
                                continue;
                        if (idx >= 0 && idx < SYSCALL_WINDOW)
                                by_nr[a][idx] = pool_add(syscall_aliases[i].name);
                }
        }

        printf("/* Generated by lib/gen/syscall-table.c from libseccomp %u.%u.%u: do not edit. */\n",
               seccomp_version()->major, seccomp_version()->minor, seccomp_version()->micro);
        printf("#include <stdint.h>\n\n#define SYSCALL_WINDOW %d\n\n", SYSCALL_WINDOW);
        printf("static const char syscall_pool[] =\n        \"\\0\"");
        for (size_t i = 1; i < pool_len; i += strlen(pool + i) + 1)
                printf("\n        \"%s\\0\"", pool + i);
        printf(";\n\n");
        printf("static const struct syscall_slot { uint16_t name, nr; } syscall_slots[] = {\n");
        for (size_t i = 0; i < n_slots; i++)
                printf("%s{ %u, %u },", i % 8 ? " " : "\n        ", slots[i].name, slots[i].nr);
        printf("\n};\n\n");
        printf("static const struct syscall_table {\n"
               "        uint32_t arch;\n"
               "        int base;\n"
               "        uint32_t slots, n_slots;        /* its index: syscall_slots[slots ...], a power of two */\n"
               "        uint16_t by_nr[SYSCALL_WINDOW]; /* pool offset of the name rendered for base + i, 0: none */\n"
               "} syscall_tables[] = {\n");
        for (size_t a = 0; a < ELEMENTSOF(syscall_arches); a++) {
                printf("        { 0x%08xu, %d, %zu, %zu, {", syscall_arches[a].arch, syscall_arches[a].base, start[a], size[a]);
                for (size_t i = 0; i < SYSCALL_WINDOW; i++)
                        printf("%s%u", i == 0 ? "\n                " : i % 16 ? ", " : ",\n                ", by_nr[a][i]);
                printf(" } },\n");
        }
        printf("};\n");
        return ferror(stdout) ? 1 : 0;
}
