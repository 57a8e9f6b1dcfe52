/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The guard: verify the kernel on every configuration record and on a poll, repair what drifted,
 * say who changed it, back off from fights, reload on SIGHUP. One sd-event loop; no call waits
 * for the kernel inside it (the kernel's own time inside sendmsg aside).
 *
 * One verification at a time (m->check; m->phase says where it is: idle, querying, executing,
 * locking); a request meanwhile is queued (one, the strongest reason wins). The lifecycle of one
 * verification:
 *
 *   verify_start(reason) --the sync transaction (lib/sync.c, ak_sync_start): GET+LIST--> planned
 *   (a light poll: GET alone --> on_status_done --> finish)
 *      query failed ........................... degraded; Resync/Reload get Error.Kernel --> finish
 *      kernel locked .......................... locked (differences reported, nothing sent) --> finish
 *      in sync ................................ in-sync/monitoring, drift report cleared --> finish
 *      differs, monitor mode .................. joins the incident --> drifted --> finish
 *      differs, only retries of refusals ...... event/settle: degraded --> finish
 *                                               poll/start/reload/request: execute (quietly)
 *      differs, event/poll/settle ............. joins the incident; a fight? backoff timer --> finish
 *      differs ................................ repairing: send (the transaction) --> done
 *   the transaction: main ops --> [lock, alone, if all else took] --> collect --> on_sync_done
 *      --> after_sync: log, pending/refused sets,
 *      Resync/Reload outcome --> verify_start(SETTLE), whose finish answers the D-Bus call.
 *
 * A difference found opens an incident or joins the one under way (incident.h); the incident is
 * reported once, by its timer, when the outside action is over (repairs never wait for it).
 * Records (attribution.c) only ever schedule a verification (1 ms coalescing); the poll timer and
 * event-socket overruns do too. A SIGHUP during a check parks the new rules (next_want) until finish
 * (or until the next check fails to start). */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <systemd/sd-daemon.h>

#include "auditd-conf-watch.h"
#include "compat-host.h"
#include "constants.h"
#include "coverage.h"
#include "journal-ids.h"
#include "keeping.h"
#include "log.h"
#include "manager.h"
#include "attribution.h"
#include "fight.h"
#include "metrics.h"
#include "trail.h"
#include "util.h"

#define KERNEL_TIMEOUT_USEC (30u * 1000000u)
#define COALESCE_USEC 1000u                     /* a burst of records becomes one verification */
/* Records that keep asking for checks that find nothing (a flood of outside CONFIG_CHANGE
 * records): after EVENT_QUIET_CHECKS such checks in a row, record-triggered checks are spaced so
 * that they take at most about a tenth of a core (ten times the last full check's length, at
 * least EVENT_SPACING_USEC and at most EVENT_SPACING_MAX_USEC apart). A real change in the flood
 * is still found at the next one. */
#define EVENT_QUIET_CHECKS 3u
#define EVENT_SPACING_USEC (10u * 1000u)
#define EVENT_SPACING_MAX_USEC (100u * 1000u)

static void verify_start(Manager *m, VerifyReason reason);
static void incident_report(Manager *m, uint64_t upto);
static uint64_t event_verify_delay(Manager *m);
static void event_verify_after(Manager *m, uint64_t delay);
static void reload_swap(Manager *m, ak_ruleset *rs);

static uint64_t realtime_usec(void) {
        struct timespec ts;

        clock_gettime(CLOCK_REALTIME, &ts);
        return (uint64_t) ts.tv_sec * 1000000u + (uint64_t) ts.tv_nsec / 1000u;
}

/* A check whose differences are drift (not a start, reload or request that applies new rules). */
static int is_drift_check(VerifyReason r) {
        return r == VERIFY_EVENT || r == VERIFY_POLL || r == VERIFY_SETTLE;
}

static const char *reason_name(VerifyReason r) {
        static const char *const names[] = { "start", "reload", "event", "poll", "settle", "request", "poll-light" };
        return names[r];
}

/* ------------------------------------------------------------------------------------------ */

int manager_load(Manager *m, ak_ruleset **ret, int log_errors) {
        ak_ruleset *rs;
        int r;

        r = ak_ruleset_new(&rs);
        if (r < 0)
                return r;
        compat_host_setup(rs, m->compat_arg);   /* at every load: an upgraded auditd changes it */
        for (size_t i = 0; i < m->n_allow_args; i++) {
                r = ak_ruleset_allow_foreign(rs, m->allow_args[i], "--allow-foreign", NULL, NULL);
                if (r < 0) {    /* checked by main.c already: only ENOMEM */
                        ak_ruleset_free(rs);
                        return r;
                }
        }
        if (m->n_sources == 0) {
                char source[512];
                r = ak_ruleset_add_source(rs, coverage_default_source(m, source, sizeof(source)));
        } else
                for (size_t i = 0; i < m->n_sources && r >= 0; i++)
                        r = ak_ruleset_add_source(rs, m->sources[i]);
        if (r < 0) {
                ak_ruleset_free(rs);
                return r;
        }
        ak_ruleset_seal(rs);    /* the daemon keeps the rules only, not the parser's copy */
        if (log_errors)
                for (size_t i = 0; i < rs->n_diags; i++) {
                        const ak_diag *d = &rs->diags[i];
                        _cleanup_free_ char *text = ak_diag_format(d);
                        _cleanup_free_ char *file = cescape(d->file), *f1 = strdup_printf("AUDITKEEP_FILE=%s", file ? file : "?");
                        _cleanup_free_ char *f2 = strdup_printf("AUDITKEEP_LINE=%u", d->line);
                        const char *fields[] = { f1, f2, NULL };
                        log_fields(d->warning ? LOG_WARNING : LOG_ERR, 0, AK_MID_RULES_ERROR,
                                   f1 && f2 ? fields : NULL, "%s", text ? text : d->message);
                }
        *ret = rs;
        return 0;
}

const char *manager_status_line(const Manager *m, char *buf, size_t size) {
        size_t errors = m->want ? m->want->n_errors : 0;
        char why[400];

        if (m->locked)
                snprintf(buf, size, "locked%s", m->locked_in_sync ? ", in sync" : ", differs from the rules (reboot needed)");
        else if (m->fight.flapping)
                /* who it is goes to root only (GetLastDrift, the journal): STATUS= is for everyone */
                snprintf(buf, size, "flapping: another agent keeps changing the rules");
        else if (m->mode == MODE_MONITOR)
                /* the State word first, as the State property says it (monitoring or drifted) */
                snprintf(buf, size, "%s%s", manager_state_to_string(m->state), errors ? ", with errors in the rules" : "");
        else if (m->n_pending || errors || m->n_failed_sigs) {
                snprintf(buf, size, "degraded: %zu pending, %zu errors", m->n_pending, errors);
                /* other changes the kernel refused (a setting, a delete, the lock), retried at the poll */
                if (m->n_failed_sigs && strlen(buf) + 1 < size)
                        snprintf(buf + strlen(buf), size - strlen(buf), ", %zu refused", m->n_failed_sigs);
        } else if (m->state == STATE_IN_SYNC)
                snprintf(buf, size, "in sync, %zu rules", m->want ? m->want->n_rules : 0);
        else
                snprintf(buf, size, "%s", manager_state_to_string(m->state));
        /* what the daemon does not do, and why (coverage.c) */
        if (!m->locked && m->hold != HOLD_NONE && strlen(buf) + 1 < size)
                snprintf(buf + strlen(buf), size - strlen(buf), "; foreign rules kept: %s", foreign_hold_why(m, why, sizeof(why)));
        /* another agent's rules, kept as allow-foreign says, and what they can take from the rules */
        if (m->foreign_allowed > 0 && strlen(buf) + 1 < size)
                snprintf(buf + strlen(buf), size - strlen(buf), "; %zu foreign rule%s allowed", m->foreign_allowed,
                         m->foreign_allowed == 1 ? "" : "s");
        if (m->foreign_shadows > 0 && strlen(buf) + 1 < size)
                snprintf(buf + strlen(buf), size - strlen(buf), ", shadowing %zu declared rule%s", m->foreign_shadows,
                         m->foreign_shadows == 1 ? "" : "s");
        return buf;
}

const char *manager_state_to_string(ManagerState state) {
        static const char *const names[_STATE_MAX] = {
                [STATE_REPAIRING] = "repairing",
                [STATE_IN_SYNC] = "in-sync",
                [STATE_DRIFTED] = "drifted",
                [STATE_DEGRADED] = "degraded",
                [STATE_LOCKED] = "locked",
                [STATE_FLAPPING] = "flapping",
                [STATE_MONITORING] = "monitoring",
        };
        return state < _STATE_MAX ? names[state] : "?";
}

int manager_in_sync(const Manager *m) {
        return m->state == STATE_IN_SYNC || m->state == STATE_MONITORING || (m->state == STATE_LOCKED && m->locked_in_sync);
}

/* The state once nothing is in flight. */
static ManagerState steady_state(Manager *m) {
        if (m->mode == MODE_MONITOR)
                return STATE_MONITORING;
        if (m->fight.flapping)
                return STATE_FLAPPING;
        if (m->n_pending || (m->want && m->want->n_errors) || m->n_failed_sigs)
                return STATE_DEGRADED;
        return STATE_IN_SYNC;
}

/* Tell systemd the status line when it changed. */
static void notify_status(Manager *m) {
        char buf[sizeof(m->last_status)];

        /* every READY=1 follows a status update: the marker for the augenrules gate goes first */
        keeping_mark(m);
        manager_status_line(m, buf, sizeof(buf));
        if (streq(buf, m->last_status))
                return;
        memcpy(m->last_status, buf, sizeof(buf));
        (void) sd_notifyf(0, "STATUS=%s", buf);
}

static void set_state(Manager *m, ManagerState state) {
        if (m->state == state)
                return;
        m->state = state;
        if (m->announce_held) {
                /* queued in order; were the queue ever full, the newest replaces the last, so
                 * no state is told before one that came earlier */
                size_t i = m->n_announce < ELEMENTSOF(m->announce_queue) ? m->n_announce++ : m->n_announce - 1;

                m->announce_queue[i].state = state;
                m->announce_queue[i].flapping = m->fight.flapping;
                return;
        }
        notify_status(m);
        manager_bus_changed(m);
}

/* From here until announce_flush(), state changes are queued, not told: the repair's changes go
 * to the kernel first. Nothing but the state may change meanwhile (the check's planning hook,
 * up to the send), so that each queued state is told as it would have been at once. */
static void announce_hold(Manager *m) {
        m->announce_held = 1;
}

/* Tell the queued state changes, in order, each with the rest as it is (as it was then: the
 * state and the flapping flag are what changes between the hold and the send). */
static void announce_flush(Manager *m) {
        ManagerState now = m->state;
        int flapping = m->fight.flapping;

        if (!m->announce_held)
                return;
        m->announce_held = 0;
        for (size_t i = 0; i < m->n_announce; i++) {
                m->state = m->announce_queue[i].state;
                m->fight.flapping = m->announce_queue[i].flapping;
                notify_status(m);
                manager_bus_changed(m);
        }
        m->n_announce = 0;
        m->state = now;
        m->fight.flapping = flapping;
}

/* ------------------------------------------------------------------------------------------ */
/* kernel transactions */

static void arm_nl_timer(Manager *m) {
        uint64_t deadline = ak_nl_deadline(m->nl);

        if (!m->nl_timer)
                return;
        if (deadline == 0) {
                (void) sd_event_source_set_enabled(m->nl_timer, SD_EVENT_OFF);
                return;
        }
        (void) sd_event_source_set_time(m->nl_timer, deadline);
        (void) sd_event_source_set_enabled(m->nl_timer, SD_EVENT_ONESHOT);
}

static int on_nl_io(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        Manager *m = userdata;
        int r;

        r = ak_nl_process(m->nl);
        if (r < 0 && r != -EAGAIN)
                log_warning_errno(r, "Failed to read from the audit socket: %m");
        arm_nl_timer(m);
        return 0;
}

static int on_nl_timer(sd_event_source *s, uint64_t usec, void *userdata) {
        Manager *m = userdata;

        (void) ak_nl_timeout(m->nl);
        arm_nl_timer(m);
        return 0;
}

/* ------------------------------------------------------------------------------------------ */
/* what stays refused: pending rules and refused changes, logged once, retried at the poll */

/* Whether the desired rule an ADD op of the plan adds is pending (m->pending: one flag per
 * desired rule, by its index in m->want). */
static int pending_has(const Manager *m, const ak_op *op) {
        return m->pending && m->want && op->index < m->want->n_rules && m->pending[op->index];
}

static int failed_has(const Manager *m, uint64_t sig) {
        for (size_t i = 0; i < m->n_failed_sigs; i++)
                if (m->failed_sigs[i] == sig)
                        return 1;
        return 0;
}

static void log_pending_loaded(const ak_rule *r) {
        _cleanup_free_ char *text = ak_rule_format_flags(r, AK_FORMAT_NO_STAT);
        log_info("Pending rule loaded: %s", text ? text : "?");
}

/* A pending rule the kernel now holds where it belongs (whoever added it) is pending no more:
 * the plan keeps it. */
static void pending_prune(Manager *m, const ak_plan *p) {
        size_t k = 0;

        if (p->locked)
                return;
        for (size_t i = 0; m->n_pending > 0 && i < m->want->n_rules; i++)
                if (m->pending[i] && p->want_state[i] == AK_RULE_KEPT) {
                        m->pending[i] = 0;
                        m->n_pending--;
                        log_pending_loaded(&m->want->rules[i]);
                }
        for (size_t i = 0; i < m->n_failed_sigs; i++)
                for (size_t j = 0; j < p->n_ops; j++)
                        if (fight_op_signature(&p->ops[j]) == m->failed_sigs[i]) {
                                m->failed_sigs[k++] = m->failed_sigs[i];
                                break;
                        }
        m->n_failed_sigs = k;
}

static void pending_forget(Manager *m) {
        free(m->pending);
        m->pending = NULL;
        m->n_pending = 0;
        m->n_failed_sigs = 0;
}

/* After an execution: the rules the kernel refused now (its PENDING rules), each logged when it
 * becomes pending and when it loads; other refused changes logged when they first fail. */
static void pending_update(Manager *m, const ak_sync_report *rep) {
        const ak_rule_state *state = rep->plan->want_state;
        uint8_t *now = calloc(m->want->n_rules + 1, 1);
        uint64_t sigs[ELEMENTSOF(m->failed_sigs)];
        size_t n_sigs = 0;

        if (!now)
                return;
        for (size_t i = 0; i < rep->n_pending; i++) {
                const ak_pending *pd = &rep->pending[i];

                if (!m->pending || !m->pending[pd->index]) {
                        _cleanup_free_ char *text = ak_rule_format_flags(pd->rule, AK_FORMAT_NO_STAT);
                        _cleanup_free_ char *f1 = strdup_printf("AUDITKEEP_RULE=%s", text ? text : "?");
                        _cleanup_free_ char *f2 = strdup_printf("AUDITKEEP_ERRNO=%d", -pd->error);
                        const char *fields[] = { f1, f2, NULL };
                        log_fields(LOG_WARNING, 0, AK_MID_PENDING, f1 && f2 ? fields : NULL,
                                   "Rule pending, the kernel refused it (%s): %s (%s:%u); retried at every poll",
                                   strerror(-pd->error), text ? text : "?", pd->rule->file ? pd->rule->file : "?",
                                   pd->rule->line);
                }
                now[pd->index] = 1;
        }
        for (size_t i = 0; m->pending && i < m->want->n_rules; i++)
                if (m->pending[i] && state[i] != AK_RULE_PENDING)
                        log_pending_loaded(&m->want->rules[i]);
        for (size_t i = 0; i < rep->n_failed && n_sigs < ELEMENTSOF(sigs); i++) {
                const ak_op *op = rep->failed[i];
                uint64_t sig = fight_op_signature(op);

                if (!failed_has(m, sig))
                        log_warning_errno(op->error, "The kernel refused a change (%s): %m; retried at every poll",
                                          op->type == AK_OP_SET && op->mask == AUDIT_STATUS_ENABLED && op->value == 2 ?
                                                  "lock, -e 2" :
                                          op->type == AK_OP_SET ? ak_status_name(op->mask) :
                                          op->type == AK_OP_DEL_RULE ? "rule delete" : "setting");
                sigs[n_sigs++] = sig;
        }
        free(m->pending);
        m->pending = now;
        m->n_pending = rep->n_pending;
        memcpy(m->failed_sigs, sigs, n_sigs * sizeof(sigs[0]));
        m->n_failed_sigs = n_sigs;
}

/* Is every op a retry of something the kernel refused last time (a pending rule, a setting, the
 * lock)? The main ops are ops[0, n_main); the lock after them counts only when the kernel refused
 * the lock itself (withheld behind the main ops, it is neither a retry nor drift). */
static int only_retries(Manager *m, const ak_plan *p, size_t n_main) {
        size_t n = 0;

        for (size_t i = 0; i < p->n_ops; i++) {
                const ak_op *op = &p->ops[i];
                int retry = op->type == AK_OP_ADD_RULE ? pending_has(m, op) : failed_has(m, fight_op_signature(op));

                if (i < n_main && !retry)
                        return 0;
                n += retry;
        }
        return n > 0;
}

/* ------------------------------------------------------------------------------------------ */
/* the end of a verification or a sync */

/* The Resync/Reload in flight ends in an error: the first one said wins. */
static void call_fail(Manager *m, const char *name, const char *fmt, ...) _printf_(3, 4);
static void call_fail(Manager *m, const char *name, const char *fmt, ...) {
        va_list ap;

        if (!m->check.answers_call || m->call.error)
                return;
        m->call.error = name;
        va_start(ap, fmt);
        vsnprintf(m->call.message, sizeof(m->call.message), fmt, ap);
        va_end(ap);
}

static void reply_call(Manager *m) {
        sd_bus_message *call = TAKE_PTR(m->call.msg);

        m->check.answers_call = 0;
        m->call.uid = m->call.loginuid = AK_ID_UNSET;
        if (m->call.error)
                (void) sd_bus_reply_method_errorf(call, m->call.error, "%s", m->call.message);
        else
                (void) sd_bus_reply_method_return(call, "uuu", (uint32_t) m->last_added,
                                                  (uint32_t) m->last_removed, (uint32_t) m->last_changed);
        m->call.error = NULL;
        sd_bus_message_unref(call);
}

/* The check queued behind the one that ended, if any. */
static void start_queued(Manager *m) {
        if (!m->verify_queued)
                return;
        m->verify_queued = 0;
        if (m->queued_reason == VERIFY_EVENT)
                event_verify_after(m, event_verify_delay(m));   /* spaced in a flood */
        else
                verify_start(m, m->queued_reason);
}

static void finish(Manager *m) {
        VerifyReason done = m->check.reason;

        log_debug("verify %s done: %s", reason_name(done), manager_state_to_string(m->state));
        m->phase = PHASE_IDLE;
        m->check_end_usec = now_usec();
        if (m->incident_due)    /* records after this check's start are for the next one, if any */
                incident_report(m, m->verify_queued ? m->check.mark : attribution_mark(&m->attr));
        notify_status(m);
        if (done == VERIFY_START || done == VERIFY_RELOAD)
                (void) sd_notify(0, "READY=1");
        manager_bus_changed(m);
        /* the chain the Resync/Reload started (its check, and the settle after) ended: answer it
         * now, with what it did, before a parked reload's check runs */
        if (m->call.msg && m->check.answers_call)
                reply_call(m);
        if (m->next_want) {
                reload_swap(m, TAKE_PTR(m->next_want));
                return;
        }
        if (done != VERIFY_POLL_LIGHT || m->metrics_stale || m->backlog_moved)
                metrics_write(m);
        m->backlog_moved = 0;
        start_queued(m);
}

/* The sync transaction (lib/sync.c) is about to send ops: the main ones, or the lock alone. */
static void on_sync_sending(ak_sync_tx *tx, const ak_op *ops, size_t n, void *userdata) {
        Manager *m = userdata;

        m->phase = tx->stage == AK_SYNC_LOCK ? PHASE_LOCKING : PHASE_EXECUTING;
        (void) attribution_expect(&m->attr, ops, n, now_usec());
}

static void backlog_report(Manager *m, unsigned ev);

static void after_sync(Manager *m) {
        ak_sync_report *rep = &m->report;
        char why[160];
        uint64_t took;

        pending_update(m, rep);
        m->last_added = rep->added;
        m->last_removed = rep->removed;
        m->last_changed = rep->set;
        m->loaded_rules = m->want->n_rules - rep->n_pending;
        m->last_sync_usec = realtime_usec();
        m->in_sync_seen = 0;
        took = now_usec() - m->trigger_usec;
        /* --reset-lost was done: what was lost since the status read counts, from the kernel's
         * answer (the count before the reset), and 0 is the new base */
        if (rep->reset_lost)
                backlog_report(m, backlog_reset_lost(&m->backlog, rep->lost_before, now_usec(), realtime_usec()));

        if (m->check.reason == VERIFY_START || m->check.reason == VERIFY_RELOAD || m->check.reason == VERIFY_REQUEST) {
                log_fields(LOG_INFO, 0, AK_MID_SYNCED, NULL,
                           "Synced (%s): %zu added, %zu removed, %zu status changes, %zu pending, %zu errors%s",
                           reason_name(m->check.reason), rep->added, rep->removed, rep->set, rep->n_pending,
                           m->want->n_errors + rep->n_failed, rep->lock_applied ? ", locked" : "");
        } else if (!m->check.retrying && (rep->added || rep->removed || rep->set)) {
                m->repairs++;
                log_fields(LOG_NOTICE, 0, AK_MID_REPAIRED, NULL, "Repaired in %.1f ms: %zu added, %zu removed, %zu status changes",
                           (double) took / 1000.0, rep->added, rep->removed, rep->set);
        }
        if (!m->check.retrying && m->incident.open && is_drift_check(m->check.reason) && (rep->added || rep->removed || rep->set))
                incident_repaired(&m->incident, rep, now_usec());       /* its trail record comes with its report */
        else if (!m->check.retrying || rep->added)
                trail_sync(m, rep, m->check.reason == VERIFY_START ? "sync-start" : m->check.reason == VERIFY_RELOAD ? "sync-reload" :
                                   m->check.reason == VERIFY_REQUEST ? "sync-resync" : m->check.retrying ? "pending-loaded" : "drift-repaired");
        ak_sync_lock_withheld_reason(rep, m->want, why, sizeof(why));
        m->lock_withheld = rep->lock_withheld;
        if (rep->lock_withheld && !m->lock_withheld_logged) {
                log_fields(LOG_WARNING, 0, AK_MID_LOCKED, NULL, "Lock (-e 2) withheld: %s", why);
                m->lock_withheld_logged = 1;
        } else if (rep->lock_applied)
                log_fields(LOG_NOTICE, 0, AK_MID_LOCKED, NULL, "Audit configuration locked (enabled=2) until reboot");
        if (rep->n_failed)
                call_fail(m, BUS_ERROR_REFUSED, "The kernel refused %zu change%s (first: %s)%s%s", rep->n_failed,
                          rep->n_failed == 1 ? "" : "s", strerror(-rep->failed[0]->error),
                          rep->n_pending ? "; rules pending: " : "", rep->n_pending ? "see auditkeepctl rules" : "");
        else if (rep->n_pending)
                call_fail(m, BUS_ERROR_REFUSED, "%zu rule%s pending: the kernel refused %s (first: %s); retried at every poll",
                          rep->n_pending, rep->n_pending == 1 ? "" : "s", rep->n_pending == 1 ? "it" : "them",
                          strerror(-rep->pending[0].error));
        else if (rep->lock_withheld)
                call_fail(m, BUS_ERROR_REFUSED, "Lock (-e 2) withheld: %s", why);
        manager_bus_synced(m, (unsigned) rep->added, (unsigned) rep->removed, (unsigned) rep->set);
        set_state(m, steady_state(m));
        notify_status(m);
        if (m->check.reason == VERIFY_START || m->check.reason == VERIFY_RELOAD)
                (void) sd_notify(0, "READY=1");

        /* Confirm with one cheap check; our own records will ask for one too. */
        m->check.reason = VERIFY_SETTLE;
        m->phase = PHASE_IDLE;
        verify_start(m, VERIFY_SETTLE);
}

/* A signature of what differs: the same difference seen again gives the same value; a setting
 * changed to yet another value gives another. */
static uint64_t drift_signature(const ak_op *ops, size_t n_ops, const struct audit_status *have) {
        uint64_t sig = n_ops;

        for (size_t i = 0; i < n_ops; i++) {
                uint64_t s = fight_op_signature(&ops[i]);
                if (ops[i].type == AK_OP_SET)
                        s ^= (uint64_t) ak_status_get(have, ops[i].mask) << 24;
                sig += s * UINT64_C(0x9e3779b97f4a7c15);
        }
        return sig;
}

/* Report the incident (incident.h): once the outside action is over, with everything its passes
 * found and repaired, and who made it, from every record that arrived meanwhile. */
static void incident_report(Manager *m, uint64_t upto) {
        Incident *inc = &m->incident;
        char what[256], by[512], repaired[96] = "";

        m->incident_due = 0;
        if (!inc->open)
                return;
        (void) sd_event_source_set_enabled(m->incident_timer, SD_EVENT_OFF);
        attribution_take(&m->attr, upto, by, sizeof(by));
        incident_describe(inc, what, sizeof(what));
        if (inc->repairs)
                snprintf(repaired, sizeof(repaired), "; repaired in %u pass%s, %.1f ms", inc->repairs,
                         inc->repairs == 1 ? "" : "es", (double) (inc->repair_end - inc->first_usec) / 1000.0);
        /* counted and told at once, so that whoever sees the count can read the changer */
        m->drift_events++;
        m->last_drift_usec = inc->first_realtime;
        snprintf(m->last_drift_by, sizeof(m->last_drift_by), "%s", by);
        snprintf(m->last_drift_what, sizeof(m->last_drift_what), "%s", what);
        {
                char *fields[10] = {};
                size_t n = 0;
                int ok = 1;

                fields[n++] = strdup_printf("AUDITKEEP_DRIFT=%s", what);
                fields[n++] = strdup_printf("AUDITKEEP_CHANGED_BY=%s", by);
                fields[n++] = strdup_printf("AUDITKEEP_REPAIR_PASSES=%u", inc->repairs);
                n += attribution_fields(by, fields + n, ELEMENTSOF(fields) - n - 1);
                for (size_t i = 0; i < n; i++)
                        if (!fields[i])
                                ok = 0;
                log_fields(LOG_WARNING, 0, AK_MID_DRIFT, ok ? (const char *const *) fields : NULL,
                           "Drift detected (%s%s): %s, by %s%s", inc->reason,
                           m->mode == MODE_MONITOR ? ", monitor mode: not repaired" : "", what, by, repaired);
                for (size_t i = 0; i < n; i++)
                        free(fields[i]);
        }
        manager_bus_drift(m, what, by);
        trail_drift(m, inc, by);
        incident_clear(inc);
        manager_bus_changed(m);
        metrics_write(m);       /* the count, now: not at the next check */
}

/* The incident's quiet spell is over. A check or repair still in flight may belong to it: the
 * report waits for it (finish()). Otherwise every record seen belongs to it (its own records may
 * arrive after the check that found its last difference). */
static int on_incident_timer(sd_event_source *s, uint64_t usec, void *userdata) {
        Manager *m = userdata;

        int armed = SD_EVENT_OFF;

        (void) sd_event_source_get_enabled(m->verify_timer, &armed);
        if (m->phase != PHASE_IDLE || armed != SD_EVENT_OFF) {
                m->incident_due = 1;         /* after that check: its records may be another's */
                return 0;
        }
        incident_report(m, attribution_mark(&m->attr));
        return 0;
}

/* A check found a difference: it joins the incident under way, or opens one (counted now,
 * reported when it is over). The same difference found again is nothing new. */
static void drift_found(Manager *m, const ak_op *ops, size_t n_main, uint64_t sig) {
        int r;

        if (m->drift_reported && m->drift_sig == sig) {
                log_debug("drift: the difference already found");
                if (m->check.reason == VERIFY_EVENT)
                        m->quiet_events++;      /* nothing new (monitor mode): spaced like in-sync checks */
                return;
        }
        log_debug("drift: a new difference");  /* tests wait for checks, then assert none was new */
        m->quiet_events = 0;
        m->in_sync_seen = 0;
        m->drift_reported = 1;
        m->drift_sig = sig;
        /* another process's change is another incident: the one under way is reported first,
         * with the changes its own checks saw */
        if (m->incident.open) {
                char before[24], now[24];

                if (attribution_named_pid(&m->attr, 0, m->incident.attr_mark, before, sizeof(before)) &&
                    attribution_named_pid(&m->attr, m->incident.attr_mark, m->check.mark, now, sizeof(now)) &&
                    !streq(before, now))
                        incident_report(m, m->incident.attr_mark);
        }
        r = incident_add(&m->incident, reason_name(m->check.reason), ops, n_main, &m->report.before.status, now_usec());
        if (r < 0)
                log_warning_errno(r, "Cannot keep the drift incident: %m");
        if (r > 0)
                m->incident.first_realtime = realtime_usec();
        if (r >= 0) {
                m->incident.attr_mark = m->check.mark;
                (void) sd_event_source_set_time(m->incident_timer, incident_deadline(&m->incident, m->fight.backoff_usec));
                (void) sd_event_source_set_enabled(m->incident_timer, SD_EVENT_ONESHOT);
        }
}

/* Drift in enforce mode: part of a fight? Returns 1 when the repair must wait for the backoff
 * timer (fight.h). */
static int fight_backoff(Manager *m, const ak_plan *p, size_t n_main) {
        int started;

        if (!fight_drift(&m->fight, p->ops, n_main, now_usec(), &started))
                return 0;
        if (started) {
                char by[512];

                /* the records so far, kept for the incident's report */
                attribution_describe(&m->attr, m->check.mark, by, sizeof(by));
                log_fields(LOG_WARNING, 0, AK_MID_FLAPPING, NULL,
                           "Flapping: the audit configuration keeps being changed back (by %s); backing off", by);
        }
        set_state(m, STATE_FLAPPING);
        if (m->check.reason == VERIFY_POLL)
                return 0;       /* the backoff timer's own check: repair now */
        (void) sd_event_source_set_time_relative(m->backoff_timer, m->fight.backoff_usec);
        (void) sd_event_source_set_enabled(m->backoff_timer, SD_EVENT_ONESHOT);
        return 1;
}

static void query_failed(Manager *m, int error) {
        log_warning_errno(error, "Failed to read the kernel's audit state: %m");
        ak_kstate_done(&m->snapshot);
        call_fail(m, BUS_ERROR_KERNEL, "Cannot read the kernel's audit state: %s", strerror(-error));
        if (m->check.reason == VERIFY_START && (error == -EPERM || error == -ECONNREFUSED)) {
                /* not the initial user or PID namespace: nothing here will ever work */
                log_error("Audit control is refused here (%s): auditkeepd must run in the initial user and PID "
                          "namespaces, not in a container; exiting", strerror(-error));
                m->exit_status = EXIT_NOPERMISSION;
                m->phase = PHASE_IDLE;
                (void) sd_event_exit(m->event, -error);
                return;         /* no READY=1: it never was */
        }
        set_state(m, STATE_DEGRADED);
        finish(m);
}

static void confirm_sync(Manager *m);

static void locked_found(Manager *m, const ak_plan *p) {
        m->locked_in_sync = p->in_sync;
        if (p->in_sync)
                confirm_sync(m);        /* locked as desired: in sync, and confirmed as such */
        m->lock_withheld = 0;
        if (m->state != STATE_LOCKED)
                log_fields(LOG_WARNING, 0, AK_MID_LOCKED, NULL, "The kernel's audit configuration is locked (enabled=2)%s",
                           p->in_sync ? "; it matches the rules" : "; it differs from the rules and cannot change until reboot");
        if (!p->in_sync)
                call_fail(m, BUS_ERROR_LOCKED, "The kernel's audit configuration is locked (enabled=2): %zu differences stay until reboot",
                          p->n_differ);
        set_state(m, STATE_LOCKED);
}

/* LastSyncUSec: when the kernel was last found as desired (in sync, or locked as desired). While
 * nothing changes, at most once per poll interval: each new value is a PropertiesChanged signal,
 * and records can ask for many checks. The metrics file is rewritten after every check but a
 * light poll (finish()), so its last-sync moves at every full check: every poll while locked,
 * not in sync or without an event socket, else every POLL_BACKSTOP-th poll. */
static void confirm_sync(Manager *m) {
        uint64_t now = realtime_usec();

        if (!m->in_sync_seen || now - m->last_sync_usec >= m->poll_usec)
                m->last_sync_usec = now;
        m->in_sync_seen = 1;
}

static void in_sync_found(Manager *m, const ak_plan *p) {
        char why[160];

        /* the fight is over only after a quiet spell, not at the first moment of peace */
        if (fight_quiet(&m->fight, now_usec()))
                log_fields(LOG_NOTICE, 0, AK_MID_FLAPPING, NULL, "The fight over the audit rules stopped; back to normal pace");
        m->drift_reported = 0;
        if (!m->incident.open)
                attribution_forget(&m->attr, m->check.mark);
        m->loaded_rules = m->want->n_rules;
        (void) ak_sync_share_kept(&m->report, m->want);         /* the kept snapshot: no second copy of each rule */
        m->check_usec = now_usec() - m->check_start_usec;       /* what a check costs, for the spacing */
        confirm_sync(m);
        if (m->check.reason == VERIFY_EVENT)
                m->quiet_events++;
        if (m->check.reason == VERIFY_START || m->check.reason == VERIFY_RELOAD)
                log_fields(LOG_INFO, 0, AK_MID_SYNCED, NULL, "In sync (%s): %zu rules, nothing to change",
                           reason_name(m->check.reason), m->want->n_rules);
        m->lock_withheld = p->lock_withheld;
        if (p->lock_withheld && !m->lock_withheld_logged) {
                log_fields(LOG_WARNING, 0, AK_MID_LOCKED, NULL, "Lock (-e 2) withheld: %s",
                           ak_sync_lock_withheld_reason(&m->report, m->want, why, sizeof(why)));
                m->lock_withheld_logged = 1;
        }
        if (p->lock_withheld)
                call_fail(m, BUS_ERROR_REFUSED, "Lock (-e 2) withheld: %s",
                          ak_sync_lock_withheld_reason(&m->report, m->want, why, sizeof(why)));
        if (m->check.reason != VERIFY_SETTLE)
                m->last_added = m->last_removed = m->last_changed = 0;
        if (m->check.answers_call && (m->check.reason == VERIFY_REQUEST || m->check.reason == VERIFY_RELOAD))
                trail_sync(m, &m->report, m->check.reason == VERIFY_REQUEST ? "sync-resync" : "sync-reload");
        set_state(m, steady_state(m));
}

/* The backlog, lost records and waits in the status just read (backlog.c): the metrics follow,
 * and an episode of losses or waits is told once when it starts and once when it is over. */
static void backlog_report(Manager *m, unsigned ev) {
        char field[48];
        const char *fields[] = { field, NULL };

        if (ev & BACKLOG_MOVED)
                m->backlog_moved = 1;
        /* each message carries only the field it is about (backlog_field()) */
        if (ev & BACKLOG_LOST_BEGIN) {
                backlog_field(&m->backlog, BACKLOG_LOST_BEGIN, m->hz, field, sizeof(field));
                _cleanup_free_ char *text = backlog_lost_message(&m->backlog, &m->status);
                log_fields(LOG_WARNING, 0, AK_MID_RECORDS_LOST, fields, "%s", text ? text : "Audit records lost");
        }
        if (ev & BACKLOG_LOST_END) {
                backlog_field(&m->backlog, BACKLOG_LOST_END, m->hz, field, sizeof(field));
                _cleanup_free_ char *text = backlog_lost_end_message(&m->backlog);
                log_fields(LOG_NOTICE, 0, AK_MID_RECORDS_LOST, fields, "%s", text ? text : "Audit records no longer lost");
        }
        if (ev & BACKLOG_WAIT_BEGIN) {
                backlog_field(&m->backlog, BACKLOG_WAIT_BEGIN, m->hz, field, sizeof(field));
                _cleanup_free_ char *text = backlog_wait_message(&m->backlog, &m->status, m->hz);
                log_fields(LOG_WARNING, 0, AK_MID_BACKLOG_WAIT, fields, "%s",
                           text ? text : "Audited processes waited for the audit backlog");
        }
        if (ev & BACKLOG_WAIT_END) {
                backlog_field(&m->backlog, BACKLOG_WAIT_END, m->hz, field, sizeof(field));
                _cleanup_free_ char *text = backlog_wait_end_message(&m->backlog, m->hz);
                log_fields(LOG_NOTICE, 0, AK_MID_BACKLOG_WAIT, fields, "%s",
                           text ? text : "Audited processes no longer wait for the audit backlog");
        }
}

static void backlog_check(Manager *m) {
        backlog_report(m, backlog_note(&m->backlog, &m->status, now_usec(), realtime_usec(),
                                       BACKLOG_QUIET_POLLS * m->poll_usec));
}

/* A light poll's GET answered (poll.c: a full check follows when the status says records may
 * have missed something). */
static void on_status_done(ak_nl *nl, int error, void *userdata) {
        Manager *m = userdata;

        arm_nl_timer(m);
        if (error < 0) {
                query_failed(m, error);
                return;
        }
        m->status = m->snapshot.status;
        backlog_check(m);
        if (poll_light_done(m, &m->snapshot.status)) {
                if (!m->verify_queued || m->queued_reason == VERIFY_POLL_LIGHT) {
                        m->verify_queued = 1;
                        m->queued_reason = VERIFY_POLL;
                }
        } else if (m->state == STATE_IN_SYNC || (m->state == STATE_LOCKED && m->locked_in_sync))
                confirm_sync(m);        /* confirmed: nothing changed */
        ak_kstate_done(&m->snapshot);
        finish(m);
}

/* The kernel answered the full check's query: what it says, and how to plan against it. */
static void on_sync_queried(ak_sync_tx *tx, const ak_kstate *have, ak_plan_opts *opts, void *userdata) {
        Manager *m = userdata;

        m->status = have->status;
        backlog_check(m);
        poll_full_done(m, have);
        m->locked = m->status.enabled == 2;
        opts->from_empty = have->n_rules == 0 && m->check.reason == VERIFY_START;
        opts->foreign = foreign_policy(m);
}

/* The plan is made: what it means for this check, and whether to send it (1) or not (0; the
 * transaction's end finishes the check). */
static int on_sync_planned(ak_sync_tx *tx, void *userdata) {
        Manager *m = userdata;
        const ak_plan *p = m->report.plan;
        size_t n_main = ak_sync_main_ops(&m->report);
        uint64_t sig;

        pending_prune(m, p);
        foreign_hold_note(m, p);
        foreign_allowed_note(m, &m->report.before, p);
        {
                /* kept foreign rules: one added since the hold began is drift all the same */
                size_t n_added = foreign_hold_added(m, &m->report.before, p);

                if (n_added > 0)
                        drift_found(m, m->held_ops, n_added, drift_signature(m->held_ops, n_added, &m->report.before.status));
        }

        if (p->locked) {
                locked_found(m, p);
                return 0;
        }
        if (p->in_sync) {
                in_sync_found(m, p);
                return 0;
        }

        /* In monitor mode nothing is ever sent but GET and LIST: report, and that is all. */
        sig = drift_signature(p->ops, n_main, &m->report.before.status);
        if (m->mode == MODE_MONITOR) {
                drift_found(m, p->ops, n_main, sig);
                set_state(m, STATE_DRIFTED);
                return 0;
        }

        /* Retries of what the kernel refused are not drift, and they wait for the poll (or a
         * start, reload or request): a refused add logs a record of its own, which must not make
         * the next retry. */
        if (only_retries(m, p, n_main)) {
                if (!m->incident.open)
                        attribution_forget(&m->attr, m->check.mark);
                if (m->check.reason == VERIFY_SETTLE || m->check.reason == VERIFY_EVENT) {
                        set_state(m, STATE_DEGRADED);
                        return 0;
                }
                m->check.retrying = 1;
                return 1;
        }

        /* the changes go out when this returns: what the states on the way are told after them
         * (on_sync_done) */
        if (m->check.reason == VERIFY_EVENT || m->check.reason == VERIFY_POLL || m->check.reason == VERIFY_SETTLE) {
                drift_found(m, p->ops, n_main, sig);
                announce_hold(m);
                set_state(m, STATE_DRIFTED);
                if (fight_backoff(m, p, n_main))
                        return 0;
        }
        announce_hold(m);

        if (is_drift_check(m->check.reason))
                fight_repairing(&m->fight, p->ops, n_main, now_usec());
        if (!m->fight.flapping)
                set_state(m, STATE_REPAIRING);
        return 1;       /* the main ops, then the lock alone if they all took (lib/sync.c) */
}

/* The check's transaction ended (ak_sync_hooks.done says where). */
static void on_sync_done(ak_sync_tx *tx, int error, void *userdata) {
        Manager *m = userdata;

        announce_flush(m);      /* before anything else changes */
        arm_nl_timer(m);
        switch (tx->ended) {
        case AK_SYNC_QUERY:
                query_failed(m, error);
                return;
        case AK_SYNC_PLAN:
                if (error < 0) {
                        log_error_errno(error, "Failed to plan the sync: %m");
                        call_fail(m, BUS_ERROR_KERNEL, "Failed to plan the sync: %s", strerror(-error));
                }
                finish(m);
                return;
        default:
                break;
        }
        if (!m->report.executed) {
                log_error_errno(error, "Failed to send changes to the kernel: %m");
                call_fail(m, BUS_ERROR_KERNEL, "Cannot send changes to the kernel: %s", strerror(-error));
                set_state(m, STATE_DEGRADED);
                finish(m);
                return;
        }
        if (error < 0) {
                log_warning_errno(error, "Changes sent to the kernel were not all answered: %m");
                call_fail(m, BUS_ERROR_KERNEL, "The kernel did not answer every change: %s", strerror(-error));
        }
        after_sync(m);
}

static const ak_sync_hooks sync_hooks = {
        .queried = on_sync_queried,
        .planned = on_sync_planned,
        .sending = on_sync_sending,
        .done = on_sync_done,
};

static void verify_start(Manager *m, VerifyReason reason) {
        int r;

        log_debug("verify %s%s", reason_name(reason), m->phase != PHASE_IDLE ? " (queued)" : "");
        if (m->phase != PHASE_IDLE) {
                /* one more verification once this one ends; start/reload/request win */
                if (!m->verify_queued || reason == VERIFY_RELOAD || reason == VERIFY_REQUEST ||
                    (m->queued_reason == VERIFY_SETTLE && reason != VERIFY_SETTLE))
                        m->queued_reason = reason;
                m->verify_queued = 1;
                return;
        }
        m->phase = PHASE_QUERYING;
        /* a new check: nothing of the last one's but what follows the chain (exact, answers_call:
         * below); a check that ended early (its changes not sent) leaves no retrying behind */
        m->check = (Check) { .reason = reason, .exact = m->check.exact, .answers_call = m->check.answers_call };
        m->check_start_usec = now_usec();
        if (!is_drift_check(reason) && reason != VERIFY_POLL_LIGHT)
                m->in_sync_seen = 0;        /* a start, reload or Resync says when, whatever it finds */
        /* A ResyncExactOrder applies to the check it starts and that check's settle only; a
         * pending D-Bus call is answered when the chain of its own kind of check ends (a Resync
         * queued behind a parked SIGHUP is not answered by the reload's check). */
        if (reason == VERIFY_REQUEST) {
                m->check.exact = m->call.exact;
                m->call.exact = 0;
        } else if (reason != VERIFY_SETTLE)
                m->check.exact = 0;
        if (reason == m->call.reason && m->call.msg && !m->check.answers_call) {
                m->check.answers_call = 1;
                m->call.error = NULL;
        }
        /* changes seen up to here are what this check's snapshot can show */
        m->check.mark = attribution_mark(&m->attr);
        if (reason != VERIFY_EVENT || !m->trigger_usec)
                m->trigger_usec = now_usec();
        ak_kstate_done(&m->snapshot);
        if (reason == VERIFY_POLL_LIGHT)
                r = ak_nl_status_async(m->nl, &m->snapshot, KERNEL_TIMEOUT_USEC, on_status_done, m);
        else    /* GET + LIST (+ GET_FEATURE only when the rules ask for --loginuid-immutable) */
                r = ak_sync_start(&m->sync, m->nl, m->want, &(ak_plan_opts) { .exact_order = m->check.exact },
                                  KERNEL_TIMEOUT_USEC, &m->report, &sync_hooks, m);
        if (r < 0) {
                log_warning_errno(r, "Failed to ask the kernel for its audit state: %m");
                m->phase = PHASE_IDLE;
                /* A Resync/Reload whose chain this is gets its answer now, not never: an error when
                 * its own check could not start; what its sync did when only the settle check after
                 * it could not (the sync took; a later check confirms it). A call that waits for
                 * a check queued or parked behind this one is answered by that check, started
                 * below. */
                if (m->call.msg && m->check.answers_call) {
                        if (reason != VERIFY_SETTLE)
                                call_fail(m, BUS_ERROR_KERNEL, "Cannot ask the kernel for its audit state: %s", strerror(-r));
                        reply_call(m);
                }
                m->check.answers_call = 0;
                if (reason == VERIFY_START || reason == VERIFY_RELOAD)
                        (void) sd_notify(0, "READY=1");
                if (m->incident_due)    /* no check ends to report it: now */
                        incident_report(m, attribution_mark(&m->attr));
                /* what waited for a check to end (finish()) waits no longer: parked new rules,
                 * else a queued check (the settle check after a repair can fail to start) */
                if (m->next_want)
                        reload_swap(m, TAKE_PTR(m->next_want));
                else
                        start_queued(m);
                return;
        }
        arm_nl_timer(m);
}

void manager_verify(Manager *m, VerifyReason reason) {
        verify_start(m, reason);
}

/* ------------------------------------------------------------------------------------------ */
/* records */

static int on_verify_timer(sd_event_source *s, uint64_t usec, void *userdata) {
        Manager *m = userdata;
        uint64_t delay = m->phase != PHASE_IDLE ? 0 : event_verify_delay(m);

        /* armed while a check was in flight: the spacing counts from its end */
        if (delay > COALESCE_USEC) {
                event_verify_after(m, delay);
                return 0;
        }
        verify_start(m, VERIFY_EVENT);
        return 0;
}

/* The first record of a burst: repair times count from here. */
static void note_trigger(Manager *m) {
        int enabled = SD_EVENT_OFF;

        (void) sd_event_source_get_enabled(m->verify_timer, &enabled);
        if (enabled == SD_EVENT_OFF && m->phase == PHASE_IDLE)
                m->trigger_usec = now_usec();
}

static int on_backoff_timer(sd_event_source *s, uint64_t usec, void *userdata) {
        verify_start(userdata, VERIFY_POLL);
        return 0;
}

static uint64_t event_verify_delay(Manager *m) {
        uint64_t now = now_usec();

        if (m->quiet_events >= EVENT_QUIET_CHECKS && m->phase == PHASE_IDLE) {
                uint64_t spacing = m->check_usec * 10;

                spacing = spacing < EVENT_SPACING_USEC ? EVENT_SPACING_USEC :
                          spacing > EVENT_SPACING_MAX_USEC ? EVENT_SPACING_MAX_USEC : spacing;

                if (now - m->check_end_usec < spacing)
                        return spacing - (now - m->check_end_usec);
        }
        if (m->phase != PHASE_IDLE || (m->fight.last_repair && now - m->fight.last_repair < FIGHT_WINDOW_USEC))
                return COALESCE_USEC;
        return 0;
}

static void schedule_event_verify(Manager *m) {
        int enabled = SD_EVENT_OFF;

        note_trigger(m);
        (void) sd_event_source_get_enabled(m->verify_timer, &enabled);
        if (enabled != SD_EVENT_OFF)
                return;
        if (m->fight.flapping) {
                /* the backoff timer decides when to look again: make sure it is running */
                (void) sd_event_source_get_enabled(m->backoff_timer, &enabled);
                if (enabled == SD_EVENT_OFF) {
                        (void) sd_event_source_set_time_relative(m->backoff_timer,
                                                                m->fight.backoff_usec ? m->fight.backoff_usec : BACKOFF_MIN_USEC);
                        (void) sd_event_source_set_enabled(m->backoff_timer, SD_EVENT_ONESHOT);
                }
                return;
        }
        /* Idle, and no repair in the last FIGHT_WINDOW_USEC: verify on the next loop iteration,
         * after on_mon_io() has drained what the socket holds, with no wait (repair latency).
         * Busy, or soon after a repair (a series of changes, perhaps a fight): let the burst
         * gather for COALESCE_USEC, so that it costs one pass, not one per record (kauditd
         * hands a burst's records over spread out). */
        event_verify_after(m, event_verify_delay(m));
}

static void event_verify_after(Manager *m, uint64_t delay) {
        (void) sd_event_source_set_time_relative(m->verify_timer, delay);
        (void) sd_event_source_set_enabled(m->verify_timer, SD_EVENT_ONESHOT);
}

static int on_mon_io(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        Manager *m = userdata;

        for (unsigned budget = 0; budget < 1024; budget++) {
                ak_record rec;
                int r = ak_mon_read(m->mon, &rec);

                if (r == 0)
                        break;
                if (r == -ENOBUFS) {
                        m->events_lost++;
                        if (m->lost_logged++ % 100 == 0)
                                log_fields(LOG_WARNING, 0, AK_MID_EVENTS_LOST, NULL,
                                           "Audit records were lost on the event socket (overrun #%" PRIu64 "); verifying by poll",
                                           m->events_lost);
                        verify_start(m, VERIFY_POLL);
                        continue;
                }
                if (r < 0) {
                        if (r != -EAGAIN && r != -EINTR)
                                log_warning_errno(r, "Failed to read an audit record: %m");
                        break;
                }
                if (attribution_record(&m->attr, &rec, now_usec()) > 0)
                        schedule_event_verify(m);
        }
        return 0;
}

static int on_poll_timer(sd_event_source *s, uint64_t usec, void *userdata) {
        Manager *m = userdata;

        /* The bus connection waits for the broker by itself (watch-bind) and reconnects when it
         * goes away; only a connection that could not even be set up is tried again here. */
        if (!m->bus)
                (void) manager_connect_bus(m);

        verify_start(m, m->phase != PHASE_IDLE ? VERIFY_POLL : poll_reason(m));
        (void) sd_event_source_set_time_relative(s, m->poll_usec);
        return 0;
}

/* ------------------------------------------------------------------------------------------ */
/* reload */

/* Put a new, cleanly parsed desired state in force. */
static void reload_swap(Manager *m, ak_ruleset *rs) {
        ak_sync_report_done(&m->report);
        m->lock_withheld_logged = 0;
        pending_forget(m);      /* it points into the old rules */
        ak_ruleset_free(m->want);
        m->want = rs;
        ak_cost_compute(rs->rules, rs->n_rules, 0, &m->cost);
        log_fields(LOG_INFO, 0, AK_MID_RELOAD_OK, NULL, "Reloaded: %zu rules, %zu status settings from %zu files",
                   rs->n_rules, rs->n_status_settings, rs->n_files);
        verify_start(m, VERIFY_RELOAD);
}

/* The previous rules stay: say so, and that the reload is over. */
static void reload_done_unchanged(Manager *m) {
        m->last_status[0] = '\0'; /* "reloading" was sent: send the state line again */
        notify_status(m);
        (void) sd_notify(0, "READY=1");
}

int manager_reload(Manager *m) {
        ak_ruleset *rs = NULL;
        int r;

        announce_flush(m);      /* a SIGHUP between a repair's send and its answer: its states first */
        (void) sd_notifyf(0, "RELOADING=1\nMONOTONIC_USEC=%" PRIu64 "\nSTATUS=reloading", now_usec());
        snprintf(m->last_status, sizeof(m->last_status), "reloading");
        if (!m->bus)
                (void) manager_connect_bus(m);
        auditd_conf_watch_check(m);
        coverage_detect(m);
        r = manager_load(m, &rs, 1);
        if (r < 0) {
                log_fields(LOG_ERR, r, AK_MID_RELOAD_REJECTED, NULL, "Reload failed: %m; the previous rules stay in force");
                reload_done_unchanged(m);
                return r;
        }
        if (rs->n_errors > 0) {
                log_fields(LOG_ERR, 0, AK_MID_RELOAD_REJECTED, NULL,
                           "Reload rejected: %zu errors in the rules (see above); the previous rules stay in force", rs->n_errors);
                ak_ruleset_free(rs);
                reload_done_unchanged(m);
                return -EINVAL;
        }
        if (m->phase != PHASE_IDLE) {
                /* The sync in flight points into the old rules: swap when it ends. */
                ak_ruleset_free(m->next_want);
                m->next_want = rs;
                return 0;
        }
        reload_swap(m, rs);
        return 0;
}

static int on_sighup(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata) {
        (void) manager_reload(userdata);
        return 0;
}

/* ------------------------------------------------------------------------------------------ */

int manager_new(Manager **ret) {
        Manager *m = calloc(1, sizeof(Manager));
        int r;

        if (!m)
                return -ENOMEM;
        m->state = STATE_REPAIRING;     /* until the first sync is done */
        m->mode = MODE_ENFORCE;
        m->foreign = AK_FOREIGN_REMOVE;
        m->poll_usec = 10u * 1000000u;
        m->hz = backlog_hz();
        m->control_fd = m->monitor_fd = -1;
        m->audit_trail = 1;
        m->trail_fd = -1;
        m->call.uid = m->call.loginuid = AK_ID_UNSET;
        {
                ssize_t n = readlink("/proc/self/exe", m->exe_path, sizeof(m->exe_path) - 1);
                m->exe_path[n > 0 ? n : 0] = '\0';
        }
        r = sd_event_default(&m->event);
        if (r < 0) {
                free(m);
                return r;
        }
        {
                char auid[16] = "", ses[16] = "";
                (void) read_first_line("/proc/self/loginuid", auid, sizeof(auid));
                (void) read_first_line("/proc/self/sessionid", ses, sizeof(ses));
                attribution_init(&m->attr, getpid(), auid, ses);
        }
        *ret = m;
        return 0;
}

Manager *manager_free(Manager *m) {
        if (!m)
                return NULL;
        sd_event_source_unref(m->nl_source);
        sd_event_source_unref(m->nl_timer);
        sd_event_source_unref(m->mon_source);
        sd_event_source_unref(m->poll_timer);
        sd_event_source_unref(m->verify_timer);
        sd_event_source_unref(m->backoff_timer);
        sd_event_source_unref(m->incident_timer);
        incident_clear(&m->incident);
        foreign_hold_free(m);
        trail_stop(m);
        free(m->metrics_path);
        free(m->metrics_written);
        auditd_conf_watch_free(m);
        free(m->auditd_conf_path);
        free(m->root);
        if (m->call.msg)
                sd_bus_message_unref(m->call.msg);
        manager_bus_done(m);
        ak_sync_report_done(&m->report);
        ak_kstate_done(&m->snapshot);
        ak_kstate_done(&m->sync.have);
        ak_nl_free(m->nl);
        ak_mon_free(m->mon);
        ak_ruleset_free(m->want);
        ak_ruleset_free(m->next_want);
        free(m->pending);
        attribution_done(&m->attr);
        strv_free_n(m->sources, m->n_sources);
        strv_free_n(m->allow_args, m->n_allow_args);
        sd_event_unref(m->event);
        free(m);
        return NULL;
}

void manager_stop(Manager *m) {
        incident_report(m, attribution_mark(&m->attr));
}

int manager_start(Manager *m) {
        sigset_t ss;
        int r;

        sigemptyset(&ss);
        sigaddset(&ss, SIGTERM);
        sigaddset(&ss, SIGINT);
        sigaddset(&ss, SIGHUP);
        if (sigprocmask(SIG_BLOCK, &ss, NULL) < 0)
                return log_error_errno(-errno, "Failed to block signals: %m");
        r = sd_event_add_signal(m->event, NULL, SIGTERM, NULL, NULL);
        if (r >= 0)
                r = sd_event_add_signal(m->event, NULL, SIGINT, NULL, NULL);
        if (r >= 0)
                r = sd_event_add_signal(m->event, NULL, SIGHUP, on_sighup, m);
        if (r < 0)
                return log_error_errno(r, "Failed to watch signals: %m");
        (void) sd_event_set_watchdog(m->event, 1);

        r = manager_load(m, &m->want, 1);
        if (m->want)
                ak_cost_compute(m->want->rules, m->want->n_rules, 0, &m->cost);
        if (r < 0)
                return log_error_errno(r, "Failed to read the rules: %m");
        coverage_detect(m);

        r = m->control_fd >= 0 ? ak_nl_open_fd(&m->nl, m->control_fd) : ak_nl_open(&m->nl);
        if (r < 0)
                m->exit_status = r == -EPROTONOSUPPORT ? EXIT_NOTCONFIGURED : (r == -ECONNREFUSED || r == -EPERM) ? EXIT_NOPERMISSION : 0;
        if (r < 0)
                return log_error_errno(r, "Cannot talk to the kernel's audit subsystem: %s",
                                       r == -EPROTONOSUPPORT ? "no audit support (booted with audit=0?)" :
                                       r == -ECONNREFUSED ? "refused in this user namespace (a container?); exiting" :
                                       r == -EPERM ? "refused here (a container?); exiting" : strerror(-r));
        (void) trail_start(m);
        r = sd_event_add_io(m->event, &m->nl_source, ak_nl_fd(m->nl), EPOLLIN, on_nl_io, m);
        if (r >= 0)
                r = sd_event_add_time(m->event, &m->nl_timer, CLOCK_MONOTONIC, 0, 1000, on_nl_timer, m);
        if (r < 0)
                return log_error_errno(r, "Failed to watch the audit socket: %m");
        (void) sd_event_source_set_enabled(m->nl_timer, SD_EVENT_OFF);

        r = m->no_records ? -ENOTCONN : m->monitor_fd >= 0 ? ak_mon_open_fd(&m->mon, m->monitor_fd) : ak_mon_open(&m->mon);
        if (r < 0 && m->no_records)
                log_info("No event socket (--monitor-fd=none): drift is found by polling only");
        else if (r < 0)
                log_warning_errno(r, "Cannot listen to audit records (CAP_AUDIT_READ?): %m; drift is found by polling only");
        else {
                if (!ak_mon_filtered(m->mon))
                        log_warning("Cannot attach the socket filter to the audit record socket: every record is read "
                                    "(a flood of ordinary records costs more)");
                r = sd_event_add_io(m->event, &m->mon_source, ak_mon_fd(m->mon), EPOLLIN, on_mon_io, m);
                if (r < 0)
                        return log_error_errno(r, "Failed to watch the audit record socket: %m");
        }

        /* accuracy 1 us: sd-event's default (0 = 250 ms) would delay every repair */
        r = sd_event_add_time(m->event, &m->verify_timer, CLOCK_MONOTONIC, 0, 1, on_verify_timer, m);
        if (r >= 0)
                r = sd_event_add_time(m->event, &m->backoff_timer, CLOCK_MONOTONIC, 0, 1, on_backoff_timer, m);
        if (r >= 0)
                r = sd_event_add_time(m->event, &m->incident_timer, CLOCK_MONOTONIC, 0, 1000, on_incident_timer, m);
        if (r >= 0)
                r = sd_event_add_time_relative(m->event, &m->poll_timer, CLOCK_MONOTONIC, m->poll_usec,
                                               m->poll_usec / 10, on_poll_timer, m);
        if (r < 0)
                return log_error_errno(r, "Failed to set up timers: %m");
        (void) sd_event_source_set_enabled(m->verify_timer, SD_EVENT_OFF);
        /* What a repair waits for goes before the bus: the check a record starts and the
         * kernel's answers never wait behind a queue of D-Bus calls (our own answers are
         * finite). The event socket itself stays at the bus's priority and takes turns with it
         * and with the signals: records are not ours to bound, and a stream of them must not
         * hold off SIGTERM, SIGHUP or a call (a record waits for one bus message at most). */
        (void) sd_event_source_set_priority(m->nl_source, SD_EVENT_PRIORITY_IMPORTANT);
        (void) sd_event_source_set_priority(m->nl_timer, SD_EVENT_PRIORITY_IMPORTANT);
        (void) sd_event_source_set_priority(m->verify_timer, SD_EVENT_PRIORITY_IMPORTANT);
        (void) sd_event_source_set_enabled(m->backoff_timer, SD_EVENT_OFF);
        (void) sd_event_source_set_enabled(m->incident_timer, SD_EVENT_OFF);
        (void) sd_event_source_set_enabled(m->poll_timer, SD_EVENT_ON);

        (void) manager_connect_bus(m);
        (void) auditd_conf_watch_start(m);

        log_fields(LOG_INFO, 0, AK_MID_STARTED, NULL, "auditkeepd %s started: %zu rules from %zu files, %zu errors, mode %s, foreign rules %s, poll every %g s",
                   PACKAGE_VERSION, m->want->n_rules, m->want->n_files, m->want->n_errors,
                   m->mode == MODE_MONITOR ? "monitor" : "enforce", m->foreign == AK_FOREIGN_KEEP ? "kept" : "removed",
                   (double) m->poll_usec / 1e6);
        verify_start(m, VERIFY_START);
        return 0;
}
