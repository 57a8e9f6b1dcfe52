/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The audit trail records auditkeepd's own actions: each drift found and each repair or sync
 * made is also a user record (USYS_CONFIG) in the kernel's audit log, so that the trail an
 * auditor reads shows the tampering and its reversal (--audit-trail=no turns it off). */
#pragma once

#include <stddef.h>

#include "auditkeep/ak-sync.h"
#include "incident.h"

typedef struct Manager Manager;

int trail_start(Manager *m);
void trail_stop(Manager *m);
/* An incident over: what differed over all its passes and who changed it (the attribution), then
 * what its repairs did, summed (incident.h). */
void trail_drift(Manager *m, const Incident *inc, const char *by);
/* A sync done: a repair of drift, or the start, a reload or a resync (with the caller). */
void trail_sync(Manager *m, const ak_sync_report *rep, const char *op);
