/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* --metrics=FILE: the state for Prometheus (node_exporter's textfile collector), written
 * atomically when it changed, at most once per verification, never on a timer of its own. When it
 * cannot be written (no directory yet, or one the unit's sandbox keeps read-only), the daemon says
 * why once and tries again after every check. */
#pragma once

#include "auditkeep/ak-metrics.h"

typedef struct Manager Manager;

void metrics_write(Manager *m);
