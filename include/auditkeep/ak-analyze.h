/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* auditkeep: what a rule set costs the kernel, the rules it never reaches, and what the kernel
 * command line leaves uncovered before the rules are loaded. Pure: the file system is asked only
 * through the callbacks the caller gives. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "auditkeep/ak-rules.h"

#ifdef __cplusplus
extern "C" {
#endif

#define AK_COST_TOP 5           /* the syscalls carrying the most rules, per arch */
#define AK_COST_ARCHES 8

/* What the rules cost one arch's system calls. The kernel walks the whole exit list at every
 * system call of an audited task; a rule whose syscall mask has the call's number is then
 * evaluated field by field (kernel/auditsc.c, __audit_filter_op). */
typedef struct ak_cost_arch {
        uint32_t arch;          /* AUDIT_ARCH_* */
        size_t every;           /* rules evaluated on every system call of this arch (no -S, -S all, dir=),
                                 * whatever their arch= says: the kernel tests the mask first, then the
                                 * fields, arch= among them */
        size_t every_other_arch;        /* ... of which arch= rejects this arch */
        size_t most;            /* rules evaluated on the call that carries the most (every included) */
        size_t n_top;
        struct { uint32_t nr; size_t rules; } top[AK_COST_TOP];  /* by rules, then number (every excluded) */
} ak_cost_arch;

typedef struct ak_cost {
        size_t exit_rules;      /* the exit list the kernel walks at every system call (a mask test each) */
        size_t inode_rules;     /* watches (path=) and inode= rules: kept in the kernel's inode hash
                                 * (32 buckets), checked only against the files a call names */
        size_t all_syscalls;    /* exit rules whose mask holds every syscall (no -S, -S all, dir= watches) */
        size_t without_arch;    /* exit rules with a -S list and no arch= (their numbers are read on every arch) */
        size_t mergeable;       /* rules that could join another of the same action, list and fields */
        size_t merge_groups;    /* ... into this many */
        size_t n_arch;
        ak_cost_arch arch[AK_COST_ARCHES];  /* the native arch first, then those the rules name */
} ak_cost;

/* The cost of rules in kernel order (any lists; only the exit list counts), `native` the host's
 * AUDIT_ARCH_* (0: the build's). Cheap: linear in the rules and their mask words. */
void ak_cost_compute(const ak_rule *rules, size_t n, uint32_t native, ak_cost *ret);
/* The cost as lines of text ("exit list: 25 rules ..."), each without a newline, in a malloc'd
 * NULL-terminated array of malloc'd strings (free with ak_strv_free); NULL on allocation failure. */
char **ak_cost_describe(const ak_cost *c);
void ak_strv_free(char **v);

/* The arches this build's host runs (the native one and its 32-bit compat arch: x86_64 and i386,
 * aarch64 and arm, s390x and s390, ppc64 and ppc) into out; how many. */
size_t ak_host_arches(uint32_t *out, size_t max);

/* What the analysis may ask of the host. */
typedef struct ak_analyze_opts {
        uint32_t native;                /* AUDIT_ARCH_* of the host; 0: the build's */
        const uint32_t *host_arches;    /* the arches this host can run; NULL: not checked */
        size_t n_host_arches;
        /* 1 when PATH exists, 0 when not; NULL: watches are not looked up */
        int (*path_exists)(const char *path, void *userdata);
        /* The paths that match a glob pattern now (a malloc'd NULL-terminated strv, or NULL for
         * none); NULL: no suggestion is made */
        char **(*glob)(const char *pattern, void *userdata);
        void *userdata;
} ak_analyze_opts;

typedef struct ak_analysis {
        ak_cost cost;
        ak_diag *diags;         /* warnings and notes, by file (in reading order) and line */
        size_t n_diags;
        size_t n_warnings;      /* of diags, the warnings (the rest are notes) */
} ak_analysis;

/* Analyse a parsed ruleset: its cost, and each rule it never reaches or that does not do what it
 * seems to, at the rule's FILE:LINE:COLUMN: a rule hidden by an earlier `never` rule of its list
 * (naming that line), a record type an exclude rule drops that rules ask for, watch paths with
 * glob characters, rules for an arch the host cannot run, rules that compile to the meaning of
 * another in other bytes, watches on paths that do not exist now, rules that could be merged.
 * Warnings and notes only, never errors. 0, or -ENOMEM. */
int ak_analyze(const ak_ruleset *rs, const ak_analyze_opts *opts, ak_analysis *ret);
void ak_analysis_done(ak_analysis *a);

/* The kernel command line and auditing before the rules load: audit=1 (else the processes
 * started before auditd have no audit context and are never audited) and audit_backlog_limit=
 * (else the records of early boot overflow the default 64). */
typedef struct ak_cmdline_audit {
        int audit;              /* -1 absent, else the value of audit= (0 or 1) */
        long backlog_limit;     /* -1 absent */
} ak_cmdline_audit;

void ak_cmdline_audit_parse(const char *cmdline, ak_cmdline_audit *ret);
/* The notes for a command line (malloc'd NULL-terminated strv, empty when nothing is missing),
 * with the exact line to add on Debian; `backlog` is the limit to suggest (the rules' -b, or 0
 * for 8192). NULL on allocation failure. */
char **ak_cmdline_audit_notes(const ak_cmdline_audit *c, uint32_t backlog);

#ifdef __cplusplus
}
#endif
