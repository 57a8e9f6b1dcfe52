/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The daemon's status facts (auditkeep/ak-facts.h), computed from its state into m->facts: what
 * the D-Bus properties (static offset getters, manager-bus.c) and the metrics file (metrics.c)
 * read. Computed again before each publication (PropertiesChanged, the metrics file) and before
 * each property read, so that a reader sees the state as it is. */
#pragma once

typedef struct Manager Manager;

void manager_facts_refresh(Manager *m);
