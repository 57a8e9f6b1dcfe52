/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Drift incidents: one outside action, one report.
 *
 * One `auditctl -D` deletes rules one by one while the daemon is already repairing: the checks
 * that follow it find the kernel a little different each time (2 rules missing, then 4, ...), and
 * each pass is repaired at once. Those passes are one incident. The incident opens with the first
 * difference a check finds, gathers what every pass found (the rules missing or added, the
 * settings changed, their keys) and what every repair did, and is reported once, when no new
 * difference has been found for INCIDENT_QUIET_USEC: one journal report with the full counts and
 * the changer, one DriftDetected signal, one pair of audit-trail records, one count in
 * DriftEvents. Repairs are never delayed by it; only the report waits.
 *
 * Pure: the manager feeds it plans and sync reports (manager.c), and the tests call it directly. */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <linux/audit.h>

#include "auditkeep/ak-plan.h"
#include "auditkeep/ak-sync.h"

#define INCIDENT_QUIET_USEC (500u * 1000u)      /* no new difference this long: the action is over */
#define INCIDENT_MAX_USEC (3u * 1000000u)       /* reported by then even if changes go on (a fight) */
#define INCIDENT_KEYS_MAX 200                   /* bytes of keys named in a report */
#define INCIDENT_SETTINGS_MAX 8

/* Rule keys, comma-separated, each whole key once (a rule's several keys are joined by \x01). */
typedef struct KeyList {
        char text[INCIDENT_KEYS_MAX + 1];
        size_t len;
} KeyList;

void keylist_add_rule(KeyList *k, const ak_rule *r);

typedef struct IncidentSetting {
        uint32_t mask;          /* AUDIT_STATUS_* */
        uint32_t found, want;   /* the value a check found, the value wanted */
} IncidentSetting;

typedef struct Incident {
        int open;
        char reason[16];                /* of the check that found the first difference */
        uint64_t first_usec, last_usec; /* CLOCK_MONOTONIC of the first and last difference found */
        unsigned passes;                /* checks that found a new difference */
        uint64_t first_realtime;        /* CLOCK_REALTIME of the first difference (LastDriftUSec) */
        uint64_t attr_mark;             /* attribution_mark() of its last check: changes up to here are its */
        uint64_t repair_end;            /* CLOCK_MONOTONIC when its last repair ended */
        /* What differed, over every pass: hashes of the rules that had to be added back
         * (missing) and deleted (extra), sorted; a rule in both was out of order. */
        uint64_t *missing, *extra;
        size_t n_missing, n_extra, missing_allocated, extra_allocated;
        IncidentSetting settings[INCIDENT_SETTINGS_MAX];
        size_t n_settings;
        int feature;                    /* loginuid_immutable had to be set again */
        KeyList keys;
        /* What the repairs did, summed; repair_end - first_usec is how long repairing took. */
        unsigned repairs;
        size_t added, removed, set, pending, refused;

} Incident;

/* A check found the kernel different: these ops would repair it (`have` is the status it read).
 * Returns 1 when this opened the incident, 0 when it joined the open one, -ENOMEM. */
int incident_add(Incident *inc, const char *reason, const ak_op *ops, size_t n_ops,
                 const struct audit_status *have, uint64_t now);
/* A repair of the open incident ended, at `now` (its report). */
void incident_repaired(Incident *inc, const ak_sync_report *rep, uint64_t now);
/* When the open incident is reported if nothing new is found: last difference + quiet spell (+
 * extra, the backoff of a fight, during which nothing is looked at), and INCIDENT_MAX_USEC after
 * it opened at the latest (changes that go on make a new one). */
uint64_t incident_deadline(const Incident *inc, uint64_t extra_usec);

/* Counts over every pass: rules missing (removed from the kernel), extra (added to it), moved. */
void incident_counts(const Incident *inc, size_t *ret_missing, size_t *ret_extra, size_t *ret_moved);
/* "3 rules removed; backlog_limit set to 321 (want 1234)" */
void incident_describe(const Incident *inc, char *buf, size_t size);
/* "backlog_limit,enabled", or "" */
void incident_settings(const Incident *inc, char *buf, size_t size);
/* Close it: everything forgotten. */
void incident_clear(Incident *inc);
