/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The metrics file (see metrics.h). */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "coverage.h"
#include "log.h"
#include "manager.h"
#include "metrics.h"
#include "util.h"

void manager_metrics(const Manager *m, ak_metrics *ret) {
        *ret = (ak_metrics) {
                .in_sync = manager_in_sync(m),
                .locked = m->locked,
                .rules_desired = m->want ? m->want->n_rules : 0,
                .rules_loaded = m->loaded_rules,
                .rules_pending = m->pending_rules,
                .rules_foreign = m->foreign_rules,
                .rules_foreign_allowed = m->foreign_allowed,
                .parse_errors = m->want ? m->want->n_errors : 0,
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
                .state = manager_state_to_string(m->state),
                .mode = m->mode == MODE_MONITOR ? "monitor" : "enforce",
                .foreign_kept = foreign_hold_to_string(m->hold),
        };
}

/* Why the file cannot be written, once per reason (m->metrics_warned holds the last errno):
 * which directory, why, and what fixes it. */
static void warn_unwritable(Manager *m, int r) {
        _cleanup_free_ char *copy = strdup(m->metrics_path);
        const char *dir = copy ? dirname(copy) : m->metrics_path;

        if (m->metrics_warned == -r)
                return;
        m->metrics_warned = -r;
        if (r == -ENOENT)
                log_fields(LOG_INFO, r, NULL, NULL,
                           "Metrics not written to %s: %s does not exist (no node_exporter textfile collector here); "
                           "written as soon as it does", m->metrics_path, dir);
        else if (r == -EROFS)
                log_fields(LOG_WARNING, r, NULL, NULL,
                           "Metrics not written to %s: %s is read-only to auditkeepd: the unit's sandbox "
                           "(ProtectSystem=strict, ReadWritePaths=) fixes the writable paths when it starts, and %s "
                           "did not exist then; run 'systemctl restart auditkeepd' to write the metrics there",
                           m->metrics_path, dir, dir);
        else
                log_fields(LOG_WARNING, r, NULL, NULL, "Metrics not written to %s: %m; tried again after every check",
                           m->metrics_path);
}

void metrics_write(Manager *m) {
        _cleanup_free_ char *text = NULL;
        ak_metrics v;
        int r;

        if (!m->metrics_path)
                return;
        manager_metrics(m, &v);
        text = ak_metrics_format(&v);
        if (!text) {
                m->metrics_stale = 1;
                return;
        }
        if (!m->metrics_stale && m->metrics_written && streq(m->metrics_written, text))
                return;         /* nothing changed: no write */
        r = write_file_atomic(m->metrics_path, text, 0644);        /* the collector reads it (UMask=0077) */
        if (r < 0) {
                /* tried again after every check, light polls too: a directory created later
                 * (node_exporter installed after auditkeep) gets the file within a poll interval */
                m->metrics_stale = 1;
                warn_unwritable(m, r);
                return;
        }
        if (m->metrics_warned)
                log_info("Metrics written to %s", m->metrics_path);
        m->metrics_warned = 0;
        m->metrics_stale = 0;
        free(m->metrics_written);
        m->metrics_written = TAKE_PTR(text);
}
