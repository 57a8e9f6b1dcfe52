/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The keeping marker: a file holding the daemon's pid, written once the first sync in enforce
 * mode has ended or the first check found the kernel locked (before READY=1), and only in
 * enforce mode. Debian's augenrules gate
 * (debian/auditkeep-augenrules-gate) skips augenrules only while auditkeepd.service is active, the
 * marker exists and its pid is the unit's main pid; in every other case (failed, stopped, not yet
 * started, monitor mode, killed) augenrules loads the rules as it would without auditkeep.
 *
 * Path: --keeping-marker=PATH, else $RUNTIME_DIRECTORY/keeping (the unit's RuntimeDirectory=,
 * /run/auditkeep, which systemd removes when the unit stops or fails: no marker outlives the
 * daemon), else none (run by hand: nothing is written). */
#pragma once

typedef struct Manager Manager;

#define KEEPING_MARKER_NAME "keeping"

int keeping_set_path(Manager *m, const char *path);
/* Write the marker when it is due (enforce mode, a sync has ended, not written yet); cheap
 * otherwise, so it can be called whenever the status changes. */
void keeping_mark(Manager *m);
/* At exit: remove the marker this process wrote, free the path. */
void keeping_done(Manager *m);
