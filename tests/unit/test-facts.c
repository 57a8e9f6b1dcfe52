/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The status facts (lib/facts.c) and their metrics (lib/metrics.c): one list, read by the bus,
 * the metrics file and auditkeepctl status. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "auditkeep/ak-facts.h"
#include "auditkeep/ak-metrics.h"
#include "test-util.h"

static void fill(ak_facts *f) {
        char **sources = calloc(3, sizeof(char *));

        ck_assert_ptr_nonnull(sources);
        sources[0] = strdup("/etc/audit/rules.d");
        sources[1] = strdup("/etc/audit/audit.rules");
        *f = (ak_facts) {
                .state = strdup("degraded"), .status_text = strdup("degraded: 1 rules pending"),
                .enabled = 1, .failure = 1, .backlog_limit = 8192, .backlog = 3, .lost = 7, .rate_limit = 0,
                .backlog_wait_time = 60000, .audit_pid = 0, .locked = 0, .in_sync = 0,
                .backlog_peak = 40, .lost_records = 18500, .backlog_wait_usec = 439508000, .lock_withheld = 1,
                .rules_desired = 12, .rules_loaded = 11, .rules_pending = 1, .rules_foreign = 2,
                .foreign_kept = strdup("rules-have-errors"), .parse_errors = 1, .drift_events = 5, .repairs = 4,
                .last_drift_usec = 1700000000123456, .last_sync_usec = 1700000100000001,
                .mode = strdup("enforce"), .compat_level = 41, .compat = strdup("4.1 (auditctl 4.1.2 meaning)"),
                .sources = sources, .auditd_conf = strdup("/etc/audit/auditd.conf"), .auditd_conf_problems = 0,
        };
}

/* The metric names and samples are the interface the fleet's dashboards and alerts read: the
 * whole text, pinned. */
START_TEST(metrics_text) {
        static const char expected[] =
                "# HELP auditkeep_info The daemon's state and mode, as labels.\n"
                "# TYPE auditkeep_info gauge\n"
                "auditkeep_info{state=\"degraded\",mode=\"enforce\"} 1\n"
                "# HELP auditkeep_kernel_enabled The kernel's audit enabled flag (0 off, 1 on, 2 locked).\n"
                "# TYPE auditkeep_kernel_enabled gauge\n"
                "auditkeep_kernel_enabled 1\n"
                "# HELP auditkeep_kernel_failure The kernel's failure mode (0 silent, 1 printk, 2 panic).\n"
                "# TYPE auditkeep_kernel_failure gauge\n"
                "auditkeep_kernel_failure 1\n"
                "# HELP auditkeep_kernel_backlog_limit The kernel's audit backlog limit.\n"
                "# TYPE auditkeep_kernel_backlog_limit gauge\n"
                "auditkeep_kernel_backlog_limit 8192\n"
                "# HELP auditkeep_kernel_backlog Audit records waiting in the kernel's backlog.\n"
                "# TYPE auditkeep_kernel_backlog gauge\n"
                "auditkeep_kernel_backlog 3\n"
                "# HELP auditkeep_kernel_lost Audit records the kernel lost (its own counter; it may be reset).\n"
                "# TYPE auditkeep_kernel_lost gauge\n"
                "auditkeep_kernel_lost 7\n"
                "# HELP auditkeep_kernel_backlog_wait_time The kernel's backlog wait time, in jiffies.\n"
                "# TYPE auditkeep_kernel_backlog_wait_time gauge\n"
                "auditkeep_kernel_backlog_wait_time 60000\n"
                "# HELP auditkeep_kernel_backlog_peak The highest audit backlog the daemon saw at a check since it started "
                "(sampled: a lower bound).\n"
                "# TYPE auditkeep_kernel_backlog_peak gauge\n"
                "auditkeep_kernel_backlog_peak 40\n"
                "# HELP auditkeep_kernel_lost_records_total Audit records the kernel lost since the daemon started (backlog "
                "full, rate limit, memory).\n"
                "# TYPE auditkeep_kernel_lost_records_total counter\n"
                "auditkeep_kernel_lost_records_total 18500\n"
                "# HELP auditkeep_kernel_backlog_wait_seconds_total Time audited processes waited for room in the full audit "
                "backlog since the daemon started.\n"
                "# TYPE auditkeep_kernel_backlog_wait_seconds_total counter\n"
                "auditkeep_kernel_backlog_wait_seconds_total 439.508000\n"
                "# HELP auditkeep_locked 1 if the kernel's audit configuration is locked until reboot (enabled=2).\n"
                "# TYPE auditkeep_locked gauge\n"
                "auditkeep_locked 0\n"
                "# HELP auditkeep_lock_withheld 1 if the rules ask for the lock (-e 2) and it is withheld: errors in the "
                "rules, pending rules or refused changes.\n"
                "# TYPE auditkeep_lock_withheld gauge\n"
                "auditkeep_lock_withheld 1\n"
                "# HELP auditkeep_in_sync 1 if the kernel's audit configuration equals the rules, else 0.\n"
                "# TYPE auditkeep_in_sync gauge\n"
                "auditkeep_in_sync 0\n"
                "# HELP auditkeep_rules Audit rules by state: desired (declared), loaded, pending (refused by the kernel), foreign (kept, not declared).\n"
                "# TYPE auditkeep_rules gauge\n"
                "auditkeep_rules{state=\"desired\"} 12\n"
                "auditkeep_rules{state=\"loaded\"} 11\n"
                "auditkeep_rules{state=\"pending\"} 1\n"
                "auditkeep_rules{state=\"foreign\"} 2\n"
                "# HELP auditkeep_foreign_removal_withheld 1 for the reason why rules that are not declared are kept although "
                "--foreign=remove, because removing them could shrink coverage: rules-loaded-elsewhere, rules-have-errors, "
                "no-rules-declared.\n"
                "# TYPE auditkeep_foreign_removal_withheld gauge\n"
                "auditkeep_foreign_removal_withheld{reason=\"rules-loaded-elsewhere\"} 0\n"
                "auditkeep_foreign_removal_withheld{reason=\"rules-have-errors\"} 1\n"
                "auditkeep_foreign_removal_withheld{reason=\"no-rules-declared\"} 0\n"
                "# HELP auditkeep_parse_errors Errors in the rules files (lines skipped).\n"
                "# TYPE auditkeep_parse_errors gauge\n"
                "auditkeep_parse_errors 1\n"
                "# HELP auditkeep_drift_events_total Differences from the rules found since the daemon started.\n"
                "# TYPE auditkeep_drift_events_total counter\n"
                "auditkeep_drift_events_total 5\n"
                "# HELP auditkeep_repairs_total Repairs of drift since the daemon started.\n"
                "# TYPE auditkeep_repairs_total counter\n"
                "auditkeep_repairs_total 4\n"
                "# HELP auditkeep_last_drift_timestamp_seconds When drift was last found (0: never).\n"
                "# TYPE auditkeep_last_drift_timestamp_seconds gauge\n"
                "auditkeep_last_drift_timestamp_seconds 1700000000.123456\n"
                "# HELP auditkeep_last_sync_timestamp_seconds When the kernel was last found or made equal to the rules (0: never).\n"
                "# TYPE auditkeep_last_sync_timestamp_seconds gauge\n"
                "auditkeep_last_sync_timestamp_seconds 1700000100.000001\n";
        ak_facts f;
        char *text;

        fill(&f);
        text = ak_metrics_format(&f);
        ck_assert_str_eq(text, expected);
        free(text);
        ak_facts_done(&f);
}
END_TEST

/* A label value is escaped as the exposition format asks; a fact never sent reads as "". */
START_TEST(metrics_label_escaped) {
        ak_facts f = { .state = strdup("a\"b\\c\nd") };
        char *text = ak_metrics_format(&f);

        ck_assert_ptr_nonnull(strstr(text, "auditkeep_info{state=\"a\\\"b\\\\c\\nd\",mode=\"\"} 1\n"));
        free(text);
        ak_facts_done(&f);
}
END_TEST

/* The list itself: one D-Bus name and one JSON key per fact, a help text where each metric
 * family starts, and the properties in the order of dbus/org.auditkeep1.xml. */
START_TEST(table_consistent) {
        ck_assert_uint_eq(ak_facts_count, AK_FACTS_COUNT);
        for (size_t i = 0; i < ak_facts_count; i++) {
                const ak_fact *d = &ak_facts_table[i];

                ck_assert_ptr_eq(ak_fact_by_bus_name(d->bus), d);
                for (size_t j = 0; j < i; j++)
                        ck_assert_str_ne(ak_facts_table[j].json, d->json);
                if (d->metric_kind == AK_METRIC_NONE)
                        continue;
                ck_assert_ptr_nonnull(d->metric);
                if (i == 0 || !ak_facts_table[i - 1].metric || strcmp(ak_facts_table[i - 1].metric, d->metric) != 0)
                        ck_assert_msg(d->help || d->metric_kind == AK_METRIC_INFO, "%s: no help", d->bus);
        }
        ck_assert_ptr_null(ak_fact_by_bus_name("NoSuchProperty"));
        ck_assert_str_eq(ak_facts_table[0].bus, "State");
        ck_assert_str_eq(ak_facts_table[ak_facts_count - 1].bus, "AuditdConfProblems");
}
END_TEST

/* PropertiesChanged compares values fact by fact: a deep copy equals its source, and a change
 * of one fact is seen in that fact only. */
START_TEST(equal_and_copy) {
        ak_facts a, b = {};
        size_t differ = 0;

        fill(&a);
        ck_assert_int_eq(ak_facts_copy(&b, &a), 0);
        ck_assert_ptr_ne(a.state, b.state);
        for (size_t i = 0; i < ak_facts_count; i++)
                ck_assert(ak_fact_equal(&a, &b, &ak_facts_table[i]));
        free(b.sources[1]);
        b.sources[1] = NULL;    /* one source fewer */
        b.lost++;
        for (size_t i = 0; i < ak_facts_count; i++)
                differ += !ak_fact_equal(&a, &b, &ak_facts_table[i]);
        ck_assert_uint_eq(differ, 2);
        ck_assert(!ak_fact_equal(&a, &b, ak_fact_by_bus_name("Sources")));
        ck_assert(!ak_fact_equal(&a, &b, ak_fact_by_bus_name("Lost")));
        ak_fact_set_string(&b, ak_fact_by_bus_name("State"), NULL);
        ck_assert_str_eq(ak_fact_string(&b, ak_fact_by_bus_name("State")), "");
        ck_assert(!ak_fact_is_set(&b, ak_fact_by_bus_name("State")));
        ak_facts_done(&a);
        ak_facts_done(&b);
}
END_TEST

static Suite *facts_suite(void) {
        Suite *s = suite_create("facts");
        TCase *tc = tcase_create("facts");

        tcase_add_test(tc, metrics_text);
        tcase_add_test(tc, metrics_label_escaped);
        tcase_add_test(tc, table_consistent);
        tcase_add_test(tc, equal_and_copy);
        suite_add_tcase(s, tc);
        return s;
}

AK_TEST_MAIN(facts_suite)
