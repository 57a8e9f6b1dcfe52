/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* auditkeep: the daemon's status facts, each in one place. AK_FACTS below is the one list: every
 * fact's field, its D-Bus property (name, type, constant or announced), its key in
 * `auditkeepctl status --json` and its Prometheus metric. From it come the struct that holds the
 * values (ak_facts), the daemon's static sd-bus vtable (offset getters: daemon/manager-bus.c),
 * the PropertiesChanged bookkeeping (ak_fact_equal), the metrics text (ak_metrics_format,
 * ak-metrics.h) and auditkeepctl's reading of GetAll and its JSON (tools/ctl-status.c).
 *
 * To add a fact: one line here (where its property goes in dbus/org.auditkeep1.xml), where the daemon computes it (manager_facts_refresh, daemon/facts.c), the property in
 * dbus/org.auditkeep1.xml, and a line of `auditkeepctl status` text if a person needs it. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The kinds of value, as D-Bus types: u, t, b (an int, as sd-bus reads it), s (an owned,
 * valid UTF-8 string; NULL reads as ""), as (an owned, NULL-terminated array of them). */
#define AK_FACT_CTYPE_U32 uint32_t
#define AK_FACT_CTYPE_U64 uint64_t
#define AK_FACT_CTYPE_BOOL int
#define AK_FACT_CTYPE_STR char *
#define AK_FACT_CTYPE_STRV char **
#define AK_FACT_SIG_U32 "u"
#define AK_FACT_SIG_U64 "t"
#define AK_FACT_SIG_BOOL "b"
#define AK_FACT_SIG_STR "s"
#define AK_FACT_SIG_STRV "as"

/* Flags. */
#define AK_FACT_CONST 1u                /* fixed while the daemon runs: no PropertiesChanged */
#define AK_FACT_JSON_IF_SET 2u          /* JSON: left out when 0 or "" (a daemon without it) */

/* X(field, kind, D-Bus name, JSON key, flags, metric kind, metric name, label, help, values)
 *
 * Metric kinds: NONE; GAUGE, COUNTER (the value; a bool as 0/1); SECONDS (a CLOCK_REALTIME
 * usec as seconds); SECONDS_TOTAL (a count of usec as a counter of seconds); INFO (a string as the label `label` of the family's one sample, value 1:
 * every INFO fact of one name is a label of it, written where the first one is); LABEL (the
 * value as the sample NAME{label}: consecutive LABEL facts of one name form the family); ONE_OF
 * (a string: one sample NAME{label="v"} per v of values, 1 for the value it holds, else 0).
 * The order of the list is the order of the properties in the interface (introspection,
 * dbus/org.auditkeep1.xml, GetAll), of the metrics file and of the JSON keys. */
#define AK_FACTS(X) \
        X(state, STR, "State", "state", 0, INFO, "auditkeep_info", "state", \
          "The daemon's state and mode, as labels.", NULL) \
        X(status_text, STR, "StatusText", "status_text", 0, NONE, NULL, NULL, NULL, NULL) \
        X(enabled, U32, "Enabled", "enabled", 0, GAUGE, "auditkeep_kernel_enabled", NULL, \
          "The kernel's audit enabled flag (0 off, 1 on, 2 locked).", NULL) \
        X(failure, U32, "Failure", "failure", 0, GAUGE, "auditkeep_kernel_failure", NULL, \
          "The kernel's failure mode (0 silent, 1 printk, 2 panic).", NULL) \
        X(backlog_limit, U32, "BacklogLimit", "backlog_limit", 0, GAUGE, "auditkeep_kernel_backlog_limit", NULL, \
          "The kernel's audit backlog limit.", NULL) \
        X(backlog, U32, "Backlog", "backlog", 0, GAUGE, "auditkeep_kernel_backlog", NULL, \
          "Audit records waiting in the kernel's backlog.", NULL) \
        X(lost, U32, "Lost", "lost", 0, GAUGE, "auditkeep_kernel_lost", NULL, \
          "Audit records the kernel lost (its own counter; it may be reset).", NULL) \
        X(rate_limit, U32, "RateLimit", "rate_limit", 0, NONE, NULL, NULL, NULL, NULL) \
        X(backlog_wait_time, U32, "BacklogWaitTime", "backlog_wait_time", 0, GAUGE, "auditkeep_kernel_backlog_wait_time", \
          NULL, "The kernel's backlog wait time, in jiffies.", NULL) \
        X(audit_pid, U32, "AuditPid", "audit_pid", 0, NONE, NULL, NULL, NULL, NULL) \
        X(backlog_peak, U32, "BacklogPeak", "backlog_peak", 0, GAUGE, "auditkeep_kernel_backlog_peak", NULL, \
          "The highest audit backlog the daemon saw at a check since it started (sampled: a lower bound).", NULL) \
        X(lost_records, U64, "LostRecords", "lost_records", 0, COUNTER, "auditkeep_kernel_lost_records_total", NULL, \
          "Audit records the kernel lost since the daemon started (backlog full, rate limit, memory).", NULL) \
        X(backlog_wait_usec, U64, "BacklogWaitUSec", "backlog_wait_usec", 0, SECONDS_TOTAL, \
          "auditkeep_kernel_backlog_wait_seconds_total", NULL, \
          "Time audited processes waited for room in the full audit backlog since the daemon started.", NULL) \
        X(locked, BOOL, "Locked", "locked", 0, GAUGE, "auditkeep_locked", NULL, \
          "1 if the kernel's audit configuration is locked until reboot (enabled=2).", NULL) \
        X(lock_withheld, BOOL, "LockWithheld", "lock_withheld", 0, GAUGE, "auditkeep_lock_withheld", NULL, \
          "1 if the rules ask for the lock (-e 2) and it is withheld: errors in the rules, pending rules or refused " \
          "changes.", NULL) \
        X(in_sync, BOOL, "InSync", "in_sync", 0, GAUGE, "auditkeep_in_sync", NULL, \
          "1 if the kernel's audit configuration equals the rules, else 0.", NULL) \
        X(rules_desired, U32, "DesiredRules", "desired_rules", 0, LABEL, "auditkeep_rules", "state=\"desired\"", \
          "Audit rules by state: desired (declared), loaded, pending (refused by the kernel), foreign (kept, not declared).", \
          NULL) \
        X(rules_loaded, U32, "LoadedRules", "loaded_rules", 0, LABEL, "auditkeep_rules", "state=\"loaded\"", NULL, NULL) \
        X(rules_pending, U32, "PendingRules", "pending_rules", 0, LABEL, "auditkeep_rules", "state=\"pending\"", NULL, NULL) \
        X(rules_foreign, U32, "ForeignRules", "foreign_rules", 0, LABEL, "auditkeep_rules", "state=\"foreign\"", NULL, NULL) \
        X(foreign_kept, STR, "ForeignKept", "foreign_kept", 0, ONE_OF, "auditkeep_foreign_removal_withheld", "reason", \
          "1 for the reason why rules that are not declared are kept although --foreign=remove, because removing " \
          "them could shrink coverage: " FOREIGN_KEPT_ELSEWHERE ", " FOREIGN_KEPT_ERRORS ", " FOREIGN_KEPT_EMPTY ".", \
          ((const char *const[]) { FOREIGN_KEPT_ELSEWHERE, FOREIGN_KEPT_ERRORS, FOREIGN_KEPT_EMPTY, NULL })) \
        X(parse_errors, U32, "ParseErrors", "parse_errors", 0, GAUGE, "auditkeep_parse_errors", NULL, \
          "Errors in the rules files (lines skipped).", NULL) \
        X(drift_events, U64, "DriftEvents", "drift_events", 0, COUNTER, "auditkeep_drift_events_total", NULL, \
          "Differences from the rules found since the daemon started.", NULL) \
        X(repairs, U64, "Repairs", "repairs", 0, COUNTER, "auditkeep_repairs_total", NULL, \
          "Repairs of drift since the daemon started.", NULL) \
        X(last_drift_usec, U64, "LastDriftUSec", "last_drift_usec", 0, SECONDS, "auditkeep_last_drift_timestamp_seconds", \
          NULL, "When drift was last found (0: never).", NULL) \
        X(last_sync_usec, U64, "LastSyncUSec", "last_sync_usec", 0, SECONDS, "auditkeep_last_sync_timestamp_seconds", \
          NULL, "When the kernel was last found or made equal to the rules (0: never).", NULL) \
        X(mode, STR, "Mode", "mode", AK_FACT_CONST, INFO, "auditkeep_info", "mode", NULL, NULL) \
        X(compat_level, U32, "CompatLevel", "compat_level", AK_FACT_JSON_IF_SET, NONE, NULL, NULL, NULL, NULL) \
        X(compat, STR, "Compat", "compat", AK_FACT_JSON_IF_SET, NONE, NULL, NULL, NULL, NULL) \
        X(sources, STRV, "Sources", "sources", 0, NONE, NULL, NULL, NULL, NULL) \
        X(auditd_conf, STR, "AuditdConf", "auditd_conf", AK_FACT_CONST | AK_FACT_JSON_IF_SET, NONE, NULL, NULL, NULL, NULL) \
        X(auditd_conf_problems, U32, "AuditdConfProblems", "auditd_conf_problem_count", 0, NONE, NULL, NULL, NULL, NULL)

/* The values. The strings are owned (ak_facts_done frees them). */
#define AK_FACT_STRUCT_FIELD(field, kind, ...) AK_FACT_CTYPE_##kind field;
typedef struct ak_facts {
        AK_FACTS(AK_FACT_STRUCT_FIELD)
} ak_facts;

/* How many there are, as a constant expression. */
#define AK_FACT_PLUS_ONE(...) + 1
#define AK_FACTS_COUNT (0 AK_FACTS(AK_FACT_PLUS_ONE))

typedef enum ak_fact_kind {
        AK_FACT_U32,
        AK_FACT_U64,
        AK_FACT_BOOL,
        AK_FACT_STR,
        AK_FACT_STRV,
} ak_fact_kind;

typedef enum ak_metric_kind {
        AK_METRIC_NONE,
        AK_METRIC_GAUGE,
        AK_METRIC_COUNTER,
        AK_METRIC_SECONDS,
        AK_METRIC_SECONDS_TOTAL,
        AK_METRIC_INFO,
        AK_METRIC_LABEL,
        AK_METRIC_ONE_OF,
} ak_metric_kind;

/* One fact, as the list above describes it. */
typedef struct ak_fact {
        const char *bus;                /* D-Bus property */
        const char *signature;          /* its D-Bus type */
        const char *json;               /* key in status --json */
        ak_fact_kind kind;
        unsigned flags;                 /* AK_FACT_* */
        size_t offset;                  /* in ak_facts */
        ak_metric_kind metric_kind;
        const char *metric, *label, *help;
        const char *const *values;      /* ONE_OF */
} ak_fact;

extern const ak_fact ak_facts_table[];
extern const size_t ak_facts_count;     /* AK_FACTS_COUNT */

const ak_fact *ak_fact_by_bus_name(const char *name);   /* NULL: not a fact */
uint64_t ak_fact_number(const ak_facts *f, const ak_fact *d);   /* U32, U64, BOOL (0/1) */
const char *ak_fact_string(const ak_facts *f, const ak_fact *d);        /* STR; "" for NULL */
char *const *ak_fact_strv(const ak_facts *f, const ak_fact *d);         /* STRV; may be NULL */
void ak_fact_set_number(ak_facts *f, const ak_fact *d, uint64_t v);
void ak_fact_set_string(ak_facts *f, const ak_fact *d, char *owned);    /* takes it; frees the old one */
void ak_fact_set_strv(ak_facts *f, const ak_fact *d, char **owned);
int ak_fact_is_set(const ak_facts *f, const ak_fact *d);        /* not 0, "" or empty */
int ak_fact_equal(const ak_facts *a, const ak_facts *b, const ak_fact *d);
int ak_facts_copy(ak_facts *dst, const ak_facts *src);  /* deep; dst freed first; -ENOMEM */
void ak_facts_done(ak_facts *f);

#ifdef __cplusplus
}
#endif
