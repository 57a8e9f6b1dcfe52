/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The keeping marker (see keeping.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "keeping.h"
#include "log.h"
#include "manager.h"
#include "util.h"

int keeping_set_path(Manager *m, const char *path) {
        char *s = strdup(path);

        if (!s)
                return -ENOMEM;
        free(m->keeping_path);
        m->keeping_path = s;
        return 0;
}

/* --keeping-marker, else the first directory of $RUNTIME_DIRECTORY (systemd sets it from
 * RuntimeDirectory=; several are separated by ':'), else NULL. */
static char *marker_path(const Manager *m) {
        const char *d = getenv("RUNTIME_DIRECTORY");

        if (m->keeping_path)
                return strdup(m->keeping_path);
        if (!d || d[0] != '/')
                return NULL;
        return strdup_printf("%.*s/" KEEPING_MARKER_NAME, (int) strcspn(d, ":"), d);
}

/* The gate reads a whole pid or no file. */
static int write_pid(const char *path) {
        char text[32];

        snprintf(text, sizeof(text), "%d\n", (int) getpid());
        return write_file_atomic(path, text, 0644);
}

void keeping_mark(Manager *m) {
        _cleanup_free_ char *path = NULL;
        int r;

        /* last_sync_usec: a sync (or a check that found the kernel in sync) has ended; locked
         * (enabled=2): nobody can change the rules until reboot, augenrules would only fail */
        if (m->keeping_marked || m->mode != MODE_ENFORCE || !(m->last_sync_usec || m->locked))
                return;
        m->keeping_marked = -1;         /* tried: once, whatever comes of it */
        path = marker_path(m);
        if (!path)
                return;
        r = write_pid(path);
        if (r < 0) {
                log_warning_errno(r, "Cannot write %s: %m; augenrules will also load the rules whenever auditd "
                                  "(or audit-rules.service) starts", path);
                return;
        }
        log_debug("Keeping the kernel: %s written", path);
        m->keeping_marked = 1;
}

void keeping_done(Manager *m) {
        _cleanup_free_ char *path = m->keeping_marked == 1 ? marker_path(m) : NULL;
        char pid[32], mine[32];

        m->keeping_marked = -1;
        free(m->keeping_path);
        m->keeping_path = NULL;
        if (!path)
                return;
        /* only the marker with our pid: never one a newer daemon wrote */
        snprintf(mine, sizeof(mine), "%d", (int) getpid());
        if (read_first_line(path, pid, sizeof(pid)) >= 0 && streq(pid, mine))
                (void) unlink(path);
}
