/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* auditkeep: the state in the Prometheus text exposition format (version 0.0.4), for
 * node_exporter's textfile collector and `auditkeepctl status --prometheus`. Pure. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct ak_metrics {
        int in_sync;                    /* the kernel holds the desired state */
        int locked;                     /* enabled=2 */
        uint64_t rules_desired, rules_loaded, rules_pending, rules_foreign;
        uint64_t rules_foreign_allowed;  /* foreign rules an allowance keeps (allow-foreign) */
        uint64_t parse_errors;
        uint64_t drift_events, repairs;
        uint64_t last_sync_usec, last_drift_usec;       /* CLOCK_REALTIME, 0 = never */
        /* the kernel's own (struct audit_status) */
        uint32_t enabled, failure, backlog_limit, backlog, lost, backlog_wait_time;
        const char *state;              /* in-sync, drifted, ... */
        const char *mode;               /* enforce, monitor */
        const char *foreign_kept;       /* why undeclared rules are kept despite --foreign=remove
                                         * (the D-Bus property ForeignKept), or NULL/"" */
} ak_metrics;

/* The text, with HELP and TYPE lines, newline-terminated; malloc'd, NULL on OOM. */
char *ak_metrics_format(const ak_metrics *m);

#ifdef __cplusplus
}
#endif
