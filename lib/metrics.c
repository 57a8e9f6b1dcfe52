/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The state in the Prometheus text exposition format (see ak-metrics.h). Names follow the
 * Prometheus conventions: a auditkeep_ prefix, _total for counters, _seconds for times, base
 * units; the kernel's own values under auditkeep_kernel_. */
#include <assert.h>
#include <inttypes.h>
#include <string.h>

#include "auditkeep/ak-metrics.h"
#include "constants.h"
#include "macro.h"
#include "util.h"

static void metric(strbuf *b, const char *name, const char *type, const char *help) {
        strbuf_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void value(strbuf *b, const char *name, uint64_t v) {
        strbuf_printf(b, "%s %" PRIu64 "\n", name, v);
}

/* A label value: \, " and newline escaped, as the format asks. */
static void label(strbuf *b, const char *s) {
        for (; s && *s; s++) {
                if (*s == '\\' || *s == '"')
                        strbuf_printf(b, "\\%c", *s);
                else if (*s == '\n')
                        strbuf_puts(b, "\\n");
                else
                        strbuf_append(b, s, 1);
        }
}

static void seconds(strbuf *b, const char *name, uint64_t usec) {
        strbuf_printf(b, "%s %" PRIu64 ".%06" PRIu64 "\n", name, usec / 1000000u, usec % 1000000u);
}

char *ak_metrics_format(const ak_metrics *m) {
        static const struct { const char *state; size_t offset; } rules[] = {
                { "desired", offsetof(ak_metrics, rules_desired) },
                { "loaded", offsetof(ak_metrics, rules_loaded) },
                { "pending", offsetof(ak_metrics, rules_pending) },
                { "foreign", offsetof(ak_metrics, rules_foreign) },
                { "foreign-allowed", offsetof(ak_metrics, rules_foreign_allowed) },
        };
        static const struct { const char *name, *help; size_t offset; } kernel[] = {
                { "auditkeep_kernel_enabled", "The kernel's audit enabled flag (0 off, 1 on, 2 locked).",
                  offsetof(ak_metrics, enabled) },
                { "auditkeep_kernel_failure", "The kernel's failure mode (0 silent, 1 printk, 2 panic).",
                  offsetof(ak_metrics, failure) },
                { "auditkeep_kernel_backlog_limit", "The kernel's audit backlog limit.",
                  offsetof(ak_metrics, backlog_limit) },
                { "auditkeep_kernel_backlog", "Audit records waiting in the kernel's backlog.",
                  offsetof(ak_metrics, backlog) },
                { "auditkeep_kernel_lost", "Audit records the kernel lost (its own counter; it may be reset).",
                  offsetof(ak_metrics, lost) },
                { "auditkeep_kernel_backlog_wait_time", "The kernel's backlog wait time, in jiffies.",
                  offsetof(ak_metrics, backlog_wait_time) },
        };
        static const char *const withheld[] = { FOREIGN_KEPT_ELSEWHERE, FOREIGN_KEPT_ERRORS, FOREIGN_KEPT_EMPTY };
        strbuf b = {};

        assert(m);
        metric(&b, "auditkeep_in_sync", "gauge", "1 if the kernel's audit configuration equals the rules, else 0.");
        value(&b, "auditkeep_in_sync", !!m->in_sync);
        metric(&b, "auditkeep_info", "gauge", "The daemon's state and mode, as labels.");
        strbuf_puts(&b, "auditkeep_info{state=\"");
        label(&b, m->state);
        strbuf_puts(&b, "\",mode=\"");
        label(&b, m->mode);
        strbuf_puts(&b, "\"} 1\n");
        metric(&b, "auditkeep_rules", "gauge", "Audit rules by state: desired (declared), loaded, pending (refused by the kernel), foreign (kept, not declared), foreign-allowed (another agent's, kept as allow-foreign says).");
        for (size_t i = 0; i < ELEMENTSOF(rules); i++)
                strbuf_printf(&b, "auditkeep_rules{state=\"%s\"} %" PRIu64 "\n", rules[i].state,
                              *(const uint64_t *) ((const char *) m + rules[i].offset));
        metric(&b, "auditkeep_foreign_removal_withheld", "gauge",
               "1 for the reason why rules that are not declared are kept although --foreign=remove, because removing "
               "them could shrink coverage: " FOREIGN_KEPT_ELSEWHERE ", " FOREIGN_KEPT_ERRORS ", " FOREIGN_KEPT_EMPTY ".");
        for (size_t i = 0; i < ELEMENTSOF(withheld); i++)
                strbuf_printf(&b, "auditkeep_foreign_removal_withheld{reason=\"%s\"} %d\n", withheld[i],
                              m->foreign_kept && streq(m->foreign_kept, withheld[i]));
        metric(&b, "auditkeep_parse_errors", "gauge", "Errors in the rules files (lines skipped).");
        value(&b, "auditkeep_parse_errors", m->parse_errors);
        metric(&b, "auditkeep_locked", "gauge", "1 if the kernel's audit configuration is locked until reboot (enabled=2).");
        value(&b, "auditkeep_locked", !!m->locked);
        metric(&b, "auditkeep_drift_events_total", "counter", "Differences from the rules found since the daemon started.");
        value(&b, "auditkeep_drift_events_total", m->drift_events);
        metric(&b, "auditkeep_repairs_total", "counter", "Repairs of drift since the daemon started.");
        value(&b, "auditkeep_repairs_total", m->repairs);
        metric(&b, "auditkeep_last_sync_timestamp_seconds", "gauge", "When the kernel was last found or made equal to the rules (0: never).");
        seconds(&b, "auditkeep_last_sync_timestamp_seconds", m->last_sync_usec);
        metric(&b, "auditkeep_last_drift_timestamp_seconds", "gauge", "When drift was last found (0: never).");
        seconds(&b, "auditkeep_last_drift_timestamp_seconds", m->last_drift_usec);
        for (size_t i = 0; i < ELEMENTSOF(kernel); i++) {
                metric(&b, kernel[i].name, "gauge", kernel[i].help);
                value(&b, kernel[i].name, *(const uint32_t *) ((const char *) m + kernel[i].offset));
        }
        return strbuf_steal(&b);
}
