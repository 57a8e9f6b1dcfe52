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

#include "facts.h"
#include "log.h"
#include "manager.h"
#include "metrics.h"
#include "util.h"

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
        int r;

        if (!m->metrics_path)
                return;
        manager_facts_refresh(m);
        text = ak_metrics_format(&m->facts);
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
