/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The daemon's one state object: event loop, kernel sockets, desired state, what it saw. */
#pragma once

#include <stdint.h>
#include <sys/types.h>
#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>

#include "auditkeep/ak-analyze.h"
#include "auditkeep/ak-facts.h"
#include "auditkeep/ak-kernel.h"
#include "auditkeep/ak-sync.h"
#include "auditkeep/ak-rules.h"
#include "attribution.h"
#include "backlog.h"
#include "constants.h"      /* the bus names and errors, shared with auditkeepctl */
#include "fight.h"
#include "incident.h"
#include "poll.h"
#include "rules-elsewhere.h"


/* Exit statuses for what no restart can fix, as LSB numbers them; the unit does not restart on
 * them (RestartPreventExitStatus=4 6): audit control refused here (a container), and no audit. */
#define EXIT_NOPERMISSION 4
#define EXIT_NOTCONFIGURED 6    /* no audit support in this kernel */

typedef enum ManagerMode {
        MODE_ENFORCE,
        MODE_MONITOR,
} ManagerMode;

/* What the daemon is doing or found, as the State property and STATUS= say it. */
typedef enum ManagerState {
        STATE_REPAIRING,        /* a sync is changing the kernel (and before the first one ends) */
        STATE_IN_SYNC,
        STATE_DRIFTED,          /* a difference was found (monitor mode: and stays) */
        STATE_DEGRADED,         /* rules pending, parse errors, changes refused, or no answer */
        STATE_LOCKED,           /* enabled=2: nothing can change until reboot */
        STATE_FLAPPING,         /* another agent keeps undoing the repairs: backing off */
        STATE_MONITORING,       /* monitor mode, and the kernel matches */
        _STATE_MAX,
} ManagerState;

/* Why rules the kernel holds and the rules do not declare ("foreign") are kept although
 * --foreign=remove says otherwise: removing them could shrink coverage by accident
 * (foreign_policy() in coverage.c decides, at every full check). */
typedef enum ForeignHold {
        HOLD_NONE,              /* foreign rules go as --foreign says */
        HOLD_ELSEWHERE,         /* default sources, and this host loads its rules another way */
        HOLD_ERRORS,            /* the rules have errors: a foreign rule may be one of the lines skipped */
        HOLD_EMPTY,             /* the rules declare no rule, and --allow-empty was not given */
        _HOLD_MAX,
} ForeignHold;

/* Why a verification runs: it decides what a difference means. */
typedef enum VerifyReason {
        VERIFY_START,           /* first sync: differences are applied, not drift */
        VERIFY_RELOAD,          /* new desired state: likewise */
        VERIFY_EVENT,           /* a CONFIG_CHANGE/FEATURE_CHANGE record */
        VERIFY_POLL,            /* the poll timer, or an event overrun */
        VERIFY_SETTLE,          /* after our own changes: confirm */
        VERIFY_REQUEST,         /* asked for (Resync) */
        VERIFY_POLL_LIGHT,      /* the poll timer when records showed everything: GET only (poll.c) */
} VerifyReason;

/* Where the daemon's one check is (the diagram at the top of manager.c). */
typedef enum ManagerPhase {
        PHASE_IDLE,             /* no check in flight */
        PHASE_QUERYING,         /* GET + LIST (a light poll: GET) in flight */
        PHASE_EXECUTING,        /* the plan's operations but the lock in flight */
        PHASE_LOCKING,          /* the lock (-e 2), alone, once everything else took */
} ManagerPhase;

/* The check in flight (its settle check inherits exact and answers_call). */
typedef struct Check {
        VerifyReason reason;
        int exact;             /* restores key order too (ResyncExactOrder) */
        int answers_call;      /* its chain (the check, its settle) answers m->call */
        int retrying;          /* its execution only retries what the kernel refused */
        uint64_t mark;          /* attribution_mark() when it asked the kernel */
} Check;

/* A Resync, ResyncExactOrder or Reload waiting for the check that answers it. */
typedef struct Call {
        sd_bus_message *msg;    /* NULL: none */
        VerifyReason reason;    /* the check that answers it: REQUEST or RELOAD */
        int exact;             /* ResyncExactOrder: taken by the next REQUEST check */
        uid_t uid, loginuid;    /* who asked (for the audit trail), or AK_ID_UNSET */
        const char *error;      /* its answer is this error (BUS_ERROR_*), or NULL */
        char message[256];
} Call;

typedef struct Manager {
        sd_event *event;
        sd_bus *bus;
        sd_event_source *nl_source, *nl_timer, *mon_source, *poll_timer, *verify_timer, *backoff_timer, *incident_timer;

        /* configuration */
        char **sources;
        size_t n_sources;
        int compat_arg;                 /* --compat=3|4; 0: the installed auditctl's (compat-host.c) */
        ManagerMode mode;
        ak_foreign_policy foreign;
        int allow_empty;                /* --allow-empty: rules that declare none remove foreign ones too */
        char **allow_args;              /* --allow-foreign: foreign rules allowed to stay (coverage.c) */
        size_t n_allow_args;
        char *root;                     /* --root: tests find the default sources and units under it */
        uint64_t poll_usec;
        int control_fd, monitor_fd;     /* test peers instead of NETLINK_AUDIT, or -1 */
        int no_records;                 /* tests: no event socket at all (--monitor-fd=none) */

        /* desired state */
        ak_ruleset *want;
        ak_cost cost;                   /* what want's rules cost the kernel (computed when it changes) */

        /* kernel */
        ak_nl *nl;
        ak_mon *mon;
        ak_kstate snapshot;             /* target of a light poll's GET */
        ak_sync_tx sync;                /* a full check's transaction: query, plan, send (lib/sync.c) */
        ak_sync_report report;          /* the sync in flight, or the last one (report.plan: NULL before) */
        ManagerPhase phase;             /* where the one check in flight is */
        Check check;                    /* the check in flight, or the last one */
        int verify_queued;             /* another check was asked for meanwhile ... */
        VerifyReason queued_reason;     /* ... for this reason (the strongest) */
        ak_ruleset *next_want;          /* SIGHUP arrived during a check: swapped in when it ends */
        uint64_t trigger_usec;          /* when the drift was first seen (record or check) */
        uint64_t check_start_usec, check_end_usec;      /* the last check: when it started, ended */
        uint64_t check_usec;            /* how long the last full check that found nothing took */
        unsigned quiet_events;          /* record-triggered checks in a row that found nothing */
        int in_sync_seen;              /* the last full check found the kernel as desired */
        int incident_due;              /* the incident's report waits for the check in flight */
        int locked_in_sync;
        int lock_withheld_logged;       /* said once per desired state */
        int lock_withheld;              /* -e 2 is desired and the last full check withheld it */
        int exit_status;                /* for main(): EXIT_NOPERMISSION, or 0 */

        /* what we know */
        char last_status[256];          /* the last STATUS= sent */
        ManagerState state;
        /* The states a repair passes through before its changes are sent (drifted, flapping,
         * repairing) are told (STATUS=, PropertiesChanged) after the send, in order, each as it
         * was (manager.c, announce_hold/announce_flush): the repair does not wait for them. */
        int announce_held;
        struct {
                ManagerState state;
                int flapping;           /* the status line says it first */
        } announce_queue[4];
        size_t n_announce;
        struct audit_status status;
        int locked;
        size_t loaded_rules, foreign_rules;
        size_t foreign_allowed;         /* foreign rules an allowance keeps, at the last full check */
        size_t foreign_shadows;         /* declared rules an allowed foreign rule can shadow (coverage.c) */
        uint64_t shadows_sig;           /* of the shadows the journal was told of */
        ForeignHold hold;               /* foreign rules kept, and why, at the last full check */
        ForeignHold hold_logged;        /* the hold the journal was told of (coverage.c) */
        uint64_t *held;                 /* hashes of the foreign rules a hold keeps (sorted) ... */
        size_t n_held;
        int held_valid;                /* ... since the hold began */
        ak_op *held_ops;                /* deletes of the foreign rules added since (not sent) */
        RulesElsewhere elsewhere;       /* what the last start or reload found (rules-elsewhere.c) */
        uint64_t drift_events, repairs;
        uint64_t last_drift_usec, last_sync_usec;   /* CLOCK_REALTIME */
        char last_drift_by[512];
        char last_drift_what[256];
        Attribution attr;               /* configuration changes seen in records, and by whom */
        uint64_t drift_sig;             /* the difference last found ... */
        int drift_reported;             /* ... and not yet gone: not counted again */
        Incident incident;              /* the outside action being repaired, reported when over */
        uint64_t events_lost;
        unsigned lost_logged;
        uint8_t *pending;               /* per desired rule (m->want's order): 1 when the kernel refused it */
        size_t n_pending;               /* how many are */
        uint64_t failed_sigs[64];       /* other changes it refused (op signatures) */
        size_t n_failed_sigs;

        Fight fight;
        PollState poll;                 /* what the next poll asks (poll.c) */
        Backlog backlog;                /* peak, lost and waited, from every GET (backlog.c) */
        unsigned hz;                    /* the kernel's tick rate, for backlog_wait_time (0: unknown) */
        int backlog_moved;              /* the last GET moved them: the metrics file is due */

        /* results of the last sync for D-Bus Resync/Reload callers */
        size_t last_added, last_removed, last_changed;
        ak_facts facts;                 /* the status facts as they are (facts.c) ... */
        ak_facts published;             /* ... and as PropertiesChanged last announced them */
        int bus_warned;                 /* "cannot use the system bus" was logged */
        Call call;                      /* a Resync/Reload waiting for its check to end */

        char *metrics_path;             /* --metrics=FILE, or NULL (metrics.c) */
        int audit_trail;                /* send USYS_CONFIG records (--audit-trail, default yes) */
        int trail_fd;                   /* their socket, or -1 */
        int trail_warned;
        char exe_path[256];             /* our own, for the records */
        char *metrics_written;          /* what the file holds */
        int metrics_stale;              /* a write failed: try again after the next check */
        int metrics_warned;             /* errno of the last 'not written' message, or 0 */
        char *auditd_conf_path;         /* --auditd-conf, NULL = default (auditd-conf-watch.c) */
        struct AuditdConfWatch *auditd_conf;
        char *keeping_path;             /* --keeping-marker, NULL = default (keeping.c) */
        int keeping_marked;             /* 1 written, -1 tried or not due again, 0 not yet */
} Manager;

int manager_new(Manager **ret);
Manager *manager_free(Manager *m);
int manager_load(Manager *m, ak_ruleset **ret, int log_errors);
int manager_start(Manager *m);
void manager_stop(Manager *m);  /* the event loop ended: report what is under way */
void manager_verify(Manager *m, VerifyReason reason);
int manager_reload(Manager *m);
const char *manager_status_line(const Manager *m, char *buf, size_t size);
const char *manager_state_to_string(ManagerState state);
int manager_in_sync(const Manager *m);  /* the kernel holds the desired state */

/* Hooks the bus part provides (manager-bus.c). */
int manager_connect_bus(Manager *m);
void manager_bus_done(Manager *m);
int manager_bus_ready(const Manager *m);        /* connected: signals can go out */
void manager_bus_changed(Manager *m);
void manager_bus_drift(Manager *m, const char *what, const char *by);
void manager_bus_synced(Manager *m, unsigned added, unsigned removed, unsigned changed);
