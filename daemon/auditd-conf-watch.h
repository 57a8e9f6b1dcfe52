/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The daemon's view of auditd.conf: checked at start, at reload and whenever the file changes
 * (inotify on its directory); reported in the journal once per change and on D-Bus. Never written. */
#pragma once

#include <stddef.h>

#include "auditkeep/ak-rules.h"

typedef struct Manager Manager;
typedef struct AuditdConfWatch AuditdConfWatch;

/* Start watching m->auditd_conf_path (NULL: DEFAULT_AUDITD_CONF; "none": not at all) and check once. */
int auditd_conf_watch_start(Manager *m);
/* Check now (reload). */
void auditd_conf_watch_check(Manager *m);
void auditd_conf_watch_free(Manager *m);

/* D-Bus: the file watched (the fact AuditdConf: "" when none is), and the last check's problems
 * (errors and warnings): how many for everyone, the array itself (*ret, may be NULL) for root
 * only (manager-bus.c). */
const char *auditd_conf_path(const Manager *m);
size_t auditd_conf_problems(const Manager *m, const ak_diag **ret);
