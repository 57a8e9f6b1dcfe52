/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The daemon's one state object: event loop, kernel sockets, desired state, what it saw. */
#pragma once

#include <stdint.h>
#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>

#include "ak-kernel.h"
#include "ak-plan.h"
#include "ak-rules.h"

typedef enum ManagerMode {
        MODE_ENFORCE,
        MODE_MONITOR,
} ManagerMode;

/* Why a verification runs: it decides what a difference means. */
typedef enum VerifyReason {
        VERIFY_START,           /* first sync: differences are applied, not drift */
        VERIFY_RELOAD,          /* new desired state: likewise */
        VERIFY_EVENT,           /* a CONFIG_CHANGE/FEATURE_CHANGE record */
        VERIFY_POLL,            /* the poll timer, or an event overrun */
        VERIFY_SETTLE,          /* after our own changes: confirm */
        VERIFY_REQUEST,         /* asked for (Resync) */
} VerifyReason;

typedef struct Changer {
        uint64_t serial;        /* audit(...:SERIAL) of the change */
        char text[512];         /* "pid=4242 comm=auditctl exe=/usr/sbin/auditctl auid=1000 ses=3" */
        int self;               /* the change was ours */
} Changer;

typedef struct Manager {
        sd_event *event;
        sd_bus *bus;
        sd_event_source *nl_source, *nl_timer, *mon_source, *poll_timer, *verify_timer, *backoff_timer;

        /* configuration */
        char **sources;
        size_t n_sources;
        ManagerMode mode;
        ak_foreign_policy foreign;
        uint64_t poll_usec;
        int control_fd, monitor_fd;     /* test peers instead of NETLINK_AUDIT, or -1 */

        /* desired state */
        ak_ruleset *want;

        /* kernel */
        ak_nl *nl;
        ak_mon *mon;
        ak_kstate snapshot;             /* target of the query in flight */
        ak_sync_report report;          /* the sync in flight, or the last one */
        int have_report;
        int busy;                       /* a query or an execution is in flight */
        VerifyReason reason;            /* of the verification in flight */
        int verify_queued;              /* another verification was asked for while busy */
        VerifyReason queued_reason;
        int exact_order_requested;      /* ResyncExactOrder asked; taken by the next REQUEST check */
        int exact_active;               /* the check in flight restores key order too */
        int call_chain;                 /* the check in flight was started for pending_call */
        int executing_lock;
        int reload_queued;              /* SIGHUP arrived during a sync: next_want waits */
        ak_ruleset *next_want;
        int retrying;                   /* the execution in flight only retries pending rules */
        uint64_t trigger_usec;          /* when the drift was first seen (record or check) */
        int locked_in_sync;
        int lock_withheld_logged;       /* said once per desired state */

        /* what we know */
        char last_status[256];          /* the last STATUS= sent */
        const char *state;              /* in-sync, drifted, repairing, degraded, locked, flapping, monitoring */
        struct audit_status status;
        int locked;
        size_t loaded_rules, pending_rules, foreign_rules;
        uint64_t drift_events, repairs;
        uint64_t last_drift_usec, last_sync_usec;   /* CLOCK_REALTIME */
        char last_drift_by[512];
        char last_drift_what[256];
        Changer changer;                /* the last foreign configuration change seen */
        uint64_t pending_serial;        /* serial of the last config change record, awaiting SYSCALL */
        uint64_t events_lost;
        unsigned lost_logged;
        char **pending_keys;            /* rules pending last time, to log each once */
        size_t n_pending_keys;

        /* fights */
        uint64_t fight_window_start;
        uint64_t last_drift_mono;       /* CLOCK_MONOTONIC of the last drift */
        unsigned fight_count;
        uint64_t repair_sigs[64];       /* what the last repair put back (see op_signature) */
        size_t n_repair_sigs;
        uint64_t backoff_usec;
        int flapping;

        /* results of the last sync for D-Bus Resync/Reload callers */
        size_t last_added, last_removed, last_changed;
        sd_bus_message *pending_call;   /* a Resync/Reload waiting for its sync to end */

        char *auditd_conf_path;         /* --auditd-conf, NULL = default (auditd-conf-watch.c) */
        struct AuditdConfWatch *auditd_conf;
} Manager;

int manager_new(Manager **ret);
Manager *manager_free(Manager *m);
int manager_load(Manager *m, ak_ruleset **ret, int log_errors);
int manager_start(Manager *m);
void manager_verify(Manager *m, VerifyReason reason);
int manager_reload(Manager *m);
const char *manager_status_line(Manager *m, char *buf, size_t size);

/* Hooks the bus part provides (manager-bus.c). */
int manager_connect_bus(Manager *m);
void manager_bus_changed(Manager *m);
void manager_bus_drift(Manager *m, const char *what, const char *by);
void manager_bus_synced(Manager *m, unsigned added, unsigned removed, unsigned changed);
