/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The daemon's status facts (ak-facts.h) from its state: the values the D-Bus properties, the
 * metrics file and PropertiesChanged are made of. */
#include <stdlib.h>
#include <string.h>

#include "auditd-conf-watch.h"
#include "compat-bus.h"
#include "coverage.h"
#include "facts.h"
#include "manager.h"
#include "util.h"

/* A string for the bus: D-Bus takes only valid UTF-8, and a file name or a token from a rules
 * file may be anything. An owned copy, escaped where it is not clean; NULL on OOM (read as ""). */
static char *bus_copy(const char *s) {
        if (!s)
                s = "";
        return string_is_clean(s) ? strdup(s) : cescape(s);
}

/* Cut `who` (the changer) out of a status line: whole, or what is left of it where the line was
 * cut short; with the parentheses around it. */
static void cut_changer(char *line, const char *who) {
        size_t n = strlen(who);

        if (n < 8)
                return;         /* "unknown", or too short to tell from ordinary words */
        for (char *p = line; *p; p++) {
                size_t rest = strlen(p), len = rest < n ? rest : n;
                char *end = p + len;

                if ((rest < n && rest < 8) || strncmp(p, who, len) != 0)
                        continue;
                if (p - line >= 2 && strncmp(p - 2, " (", 2) == 0) {
                        p -= 2;
                        if (*end == ')')
                                end++;
                }
                memmove(p, end, strlen(end) + 1);
                return;
        }
}

/* The STATUS= line without the changer that it names while flapping: that is root's
 * (GetLastDrift), and the properties are everyone's. */
static char *status_text(const Manager *m) {
        char buf[sizeof(m->last_status)];

        manager_status_line(m, buf, sizeof(buf));
        cut_changer(buf, m->last_drift_by);
        return bus_copy(buf);
}

static char **sources(const Manager *m) {
        size_t n = m->want ? m->want->n_sources : 0;
        char **v = calloc(n + 1, sizeof(char *));

        for (size_t i = 0; v && i < n; i++)
                v[i] = bus_copy(m->want->sources[i]);   /* NULL on OOM: the list ends there */
        return v;
}

void manager_facts_refresh(Manager *m) {
        ak_facts *f = &m->facts;

        ak_facts_done(f);
        *f = (ak_facts) {
                .in_sync = manager_in_sync(m),
                .state = bus_copy(manager_state_to_string(m->state)),
                .mode = bus_copy(m->mode == MODE_MONITOR ? "monitor" : "enforce"),
                .rules_desired = m->want ? m->want->n_rules : 0,
                .rules_loaded = m->loaded_rules,
                .rules_pending = m->pending_rules,
                .rules_foreign = m->foreign_rules,
                .foreign_kept = bus_copy(foreign_hold_to_string(m->hold)),
                .parse_errors = m->want ? m->want->n_errors : 0,
                .locked = !!m->locked,
                .drift_events = m->drift_events,
                .repairs = m->repairs,
                .last_sync_usec = m->last_sync_usec,
                .last_drift_usec = m->last_drift_usec,
                .enabled = m->status.enabled,
                .failure = m->status.failure,
                .backlog_limit = m->status.backlog_limit,
                .backlog = m->status.backlog,
                .lost = m->status.lost,
                .backlog_wait_time = m->status.backlog_wait_time,
                .rate_limit = m->status.rate_limit,
                .audit_pid = m->status.pid,
                .backlog_peak = m->backlog.peak,                /* backlog.c: since the daemon started */
                .lost_records = m->backlog.lost_total,
                .backlog_wait_usec = backlog_jiffies_usec(m->backlog.wait_total, m->hz),
                .lock_withheld = !!m->lock_withheld,
                .status_text = status_text(m),
                .compat_level = manager_compat_level(m),
                .compat = bus_copy(manager_compat_text(m)),
                .sources = sources(m),
                .auditd_conf = bus_copy(auditd_conf_path(m)),
                .auditd_conf_problems = auditd_conf_problems(m, NULL),
        };
}
