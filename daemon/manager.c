/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The guard: verify the kernel on every configuration record and on a poll, repair what drifted,
 * say who changed it, back off from fights, reload on SIGHUP. One sd-event loop; no call waits
 * for the kernel inside it (the kernel's own time inside sendmsg aside). */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <systemd/sd-daemon.h>

#include "journal-ids.h"
#include "log.h"
#include "manager.h"
#include "util.h"

#define KERNEL_TIMEOUT_USEC (30u * 1000000u)
#define COALESCE_USEC 1000u                     /* busy or just repaired: a burst of records becomes one verification */
#define FIGHT_WINDOW_USEC (1u * 1000000u)       /* drift this soon after a repair... */
#define FIGHT_THRESHOLD 3                       /* ...so many times in a row is a fight */
#define FIGHT_QUIET_USEC (2u * 1000000u)        /* no drift this long: the fight is over */
#define BACKOFF_MIN_USEC (50u * 1000u)
#define BACKOFF_MAX_USEC (500u * 1000u)         /* converge within a second once the fight stops */
#define DEFAULT_RULES_DIR "/etc/audit/rules.d"
#define DEFAULT_RULES_FILE "/etc/audit/audit.rules"

static void verify_start(Manager *m, VerifyReason reason);
static void reload_swap(Manager *m, ak_ruleset *rs);

static uint64_t realtime_usec(void) {
        struct timespec ts;

        clock_gettime(CLOCK_REALTIME, &ts);
        return (uint64_t) ts.tv_sec * 1000000u + (uint64_t) ts.tv_nsec / 1000u;
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
        if (m->n_sources == 0) {
                struct stat st;
                r = ak_ruleset_add_source(rs, stat(DEFAULT_RULES_DIR, &st) == 0 ? DEFAULT_RULES_DIR : DEFAULT_RULES_FILE);
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
                        _cleanup_free_ char *f1 = strdup_printf("AUDITKEEP_FILE=%s", d->file);
                        _cleanup_free_ char *f2 = strdup_printf("AUDITKEEP_LINE=%u", d->line);
                        const char *fields[] = { f1, f2, NULL };
                        log_fields(d->warning ? LOG_WARNING : LOG_ERR, 0, AK_MID_RULES_ERROR,
                                   f1 && f2 ? fields : NULL, "%s", text ? text : d->message);
                }
        *ret = rs;
        return 0;
}

const char *manager_status_line(Manager *m, char *buf, size_t size) {
        size_t errors = m->want ? m->want->n_errors : 0;

        if (m->locked)
                snprintf(buf, size, "locked%s", m->locked_in_sync ? ", in sync" : ", differs from the rules (reboot needed)");
        else if (m->flapping)
                snprintf(buf, size, "flapping: another agent keeps changing the rules (%s)", m->changer.text[0] ? m->changer.text : "unknown");
        else if (m->pending_rules || errors)
                snprintf(buf, size, "degraded: %zu pending, %zu errors", m->pending_rules, errors);
        else if (streq(m->state, "in-sync"))
                snprintf(buf, size, "in sync, %zu rules", m->want ? m->want->n_rules : 0);
        else
                snprintf(buf, size, "%s", m->state);
        return buf;
}

/* The state once nothing is in flight. */
static const char *steady_state(Manager *m) {
        if (m->mode == MODE_MONITOR)
                return "monitoring";
        if (m->flapping)
                return "flapping";
        if (m->pending_rules || (m->want && m->want->n_errors) || m->report.n_failed)
                return "degraded";
        return "in-sync";
}

/* Tell systemd the status line when it changed. */
static void notify_status(Manager *m) {
        char buf[sizeof(m->last_status)];

        manager_status_line(m, buf, sizeof(buf));
        if (streq(buf, m->last_status))
                return;
        memcpy(m->last_status, buf, sizeof(buf));
        (void) sd_notifyf(0, "STATUS=%s", buf);
}

static void set_state(Manager *m, const char *state) {
        if (m->state && streq(m->state, state))
                return;
        m->state = state;
        notify_status(m);
        manager_bus_changed(m);
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
/* pending rules: log each once, when it becomes pending and when it loads */

static int pending_known(Manager *m, const char *text) {
        for (size_t i = 0; i < m->n_pending_keys; i++)
                if (streq(m->pending_keys[i], text))
                        return 1;
        return 0;
}

static void pending_update(Manager *m, const ak_sync_report *rep, int executed) {
        char **now = calloc(rep->n_pending + 1, sizeof(char *));
        size_t n = 0;

        if (!now)
                return;
        for (size_t i = 0; i < rep->n_pending; i++) {
                const ak_pending *p = &rep->pending[i];
                char *text = ak_rule_format(p->rule);

                if (!text)
                        continue;
                if (!pending_known(m, text)) {
                        _cleanup_free_ char *f1 = strdup_printf("AUDITKEEP_RULE=%s", text);
                        _cleanup_free_ char *f2 = strdup_printf("AUDITKEEP_ERRNO=%d", -p->error);
                        const char *fields[] = { f1, f2, NULL };
                        log_fields(LOG_WARNING, 0, AK_MID_PENDING, f1 && f2 ? fields : NULL,
                                   "Rule pending, the kernel refused it (%s): %s (%s:%u); retried at every sync",
                                   strerror(-p->error), text, p->rule->file ? p->rule->file : "?", p->rule->line);
                }
                now[n++] = text;
        }
        if (executed)
                for (size_t i = 0; i < m->n_pending_keys; i++) {
                        int still = 0;
                        for (size_t k = 0; k < n; k++)
                                if (streq(now[k], m->pending_keys[i]))
                                        still = 1;
                        if (!still)
                                log_info("Pending rule loaded: %s", m->pending_keys[i]);
                }
        for (size_t i = 0; i < m->n_pending_keys; i++)
                free(m->pending_keys[i]);
        free(m->pending_keys);
        m->pending_keys = now;
        m->n_pending_keys = n;
        m->pending_rules = n;
}

/* Is every op a retry of something that failed last time (a pending rule, a refused setting)? */
static int only_retries(Manager *m, const ak_plan *p, size_t n_ops) {
        if (n_ops == 0)
                return 1;
        for (size_t i = 0; i < n_ops; i++) {
                const ak_op *op = &p->ops[i];
                _cleanup_free_ char *text = NULL;

                if (op->type != AK_OP_ADD_RULE)
                        return 0;
                text = ak_rule_format(op->rule);
                if (!text || !pending_known(m, text))
                        return 0;
        }
        return 1;
}

/* ------------------------------------------------------------------------------------------ */
/* the end of a verification or a sync */

static void finish(Manager *m) {
        VerifyReason done = m->reason;

        log_debug("verify %s done: %s", reason_name(done), m->state);
        m->busy = 0;
        notify_status(m);
        if (done == VERIFY_START || done == VERIFY_RELOAD)
                (void) sd_notify(0, "READY=1");
        manager_bus_changed(m);
        if (m->reload_queued) {
                m->reload_queued = 0;
                reload_swap(m, TAKE_PTR(m->next_want));
                return;
        }
        if (m->pending_call && m->call_chain) {
                /* the chain the Resync/Reload started (its check, and the settle after) ended */
                sd_bus_message *call = m->pending_call;
                m->pending_call = NULL;
                m->call_chain = 0;
                (void) sd_bus_reply_method_return(call, "uuu", (uint32_t) m->last_added,
                                                  (uint32_t) m->last_removed, (uint32_t) m->last_changed);
                sd_bus_message_unref(call);
        }
        if (m->verify_queued) {
                m->verify_queued = 0;
                verify_start(m, m->queued_reason);
        }
}

static void describe_drift(const ak_plan *p, size_t n_ops, const struct audit_status *have, char *buf, size_t size) {
        size_t missing = 0, extra = 0;
        strbuf b = {};
        _cleanup_free_ char *s = NULL;

        for (size_t i = 0; i < n_ops; i++) {
                if (p->ops[i].type == AK_OP_ADD_RULE)
                        missing++;
                else if (p->ops[i].type == AK_OP_DEL_RULE)
                        extra++;
        }
        /* A rule both deleted and re-added is a move: the order changed. */
        if (missing && extra && p->n_moved)
                strbuf_printf(&b, "%zu rules out of order; ", p->n_moved);
        if (missing > p->n_moved)
                strbuf_printf(&b, "%zu rules removed; ", missing - p->n_moved);
        if (extra > p->n_moved)
                strbuf_printf(&b, "%zu rules added; ", extra - p->n_moved);
        for (size_t i = 0; i < n_ops; i++)
                if (p->ops[i].type == AK_OP_SET) {
                        uint32_t bit = p->ops[i].mask;
                        strbuf_printf(&b, "%s set to %u (want %u); ", ak_status_name(bit), ak_status_get(have, bit), p->ops[i].value);
                } else if (p->ops[i].type == AK_OP_SET_FEATURE)
                        strbuf_puts(&b, "loginuid_immutable off; ");
        s = strbuf_steal(&b);
        if (s && strlen(s) >= 2)
                s[strlen(s) - 2] = '\0';
        snprintf(buf, size, "%s", s && *s ? s : "rules out of order");
}

/* What an operation restores: the same signature means the same rule or field put back again. */
static uint64_t op_signature(const ak_op *op) {
        uint64_t t = (uint64_t) op->type << 56;

        if (op->type == AK_OP_ADD_RULE || op->type == AK_OP_DEL_RULE)
                return t ^ (ak_rule_hash(op->rule) & ((UINT64_C(1) << 56) - 1));
        return t ^ op->mask;
}

static void remember_repair(Manager *m, const ak_plan *p, size_t n_ops) {
        m->n_repair_sigs = 0;
        for (size_t i = 0; i < n_ops && m->n_repair_sigs < ELEMENTSOF(m->repair_sigs); i++)
                m->repair_sigs[m->n_repair_sigs++] = op_signature(&p->ops[i]);
}

static int reverts_last_repair(Manager *m, const ak_plan *p, size_t n_ops) {
        for (size_t i = 0; i < n_ops; i++) {
                uint64_t sig = op_signature(&p->ops[i]);
                for (size_t k = 0; k < m->n_repair_sigs; k++)
                        if (m->repair_sigs[k] == sig)
                                return 1;
        }
        return 0;
}

static void on_exec_done(ak_nl *nl, int error, void *userdata);

static void execute(Manager *m, size_t first, size_t n) {
        int r;

        r = ak_nl_execute_async(m->nl, m->report.plan->ops + first, n, KERNEL_TIMEOUT_USEC, on_exec_done, m);
        if (r < 0) {
                log_error_errno(r, "Failed to send changes to the kernel: %m");
                set_state(m, "degraded");
                finish(m);
                return;
        }
        arm_nl_timer(m);
}

static void after_sync(Manager *m) {
        ak_sync_report *rep = &m->report;
        const ak_plan *p = rep->plan;
        uint64_t took;

        (void) ak_sync_collect(rep);
        pending_update(m, rep, 1);
        m->last_added = rep->added;
        m->last_removed = rep->removed;
        m->last_changed = rep->set;
        m->loaded_rules = m->want->n_rules - rep->n_pending;
        m->foreign_rules = m->foreign == AK_FOREIGN_KEEP ? p->n_foreign : 0;
        m->last_sync_usec = realtime_usec();
        took = now_usec() - m->trigger_usec;

        if (m->reason == VERIFY_START || m->reason == VERIFY_RELOAD || m->reason == VERIFY_REQUEST) {
                log_fields(LOG_INFO, 0, AK_MID_SYNCED, NULL,
                           "Synced (%s): %zu added, %zu removed, %zu status changes, %zu pending, %zu errors%s",
                           reason_name(m->reason), rep->added, rep->removed, rep->set, rep->n_pending,
                           m->want->n_errors + rep->n_failed, rep->lock_applied ? ", locked" : "");
        } else if (!m->retrying && (rep->added || rep->removed || rep->set)) {
                m->repairs++;
                log_fields(LOG_NOTICE, 0, AK_MID_REPAIRED, NULL, "Repaired in %.1f ms: %zu added, %zu removed, %zu status changes",
                           (double) took / 1000.0, rep->added, rep->removed, rep->set);
        }
        m->retrying = 0;
        for (size_t i = 0; i < rep->n_failed; i++)
                log_warning_errno(rep->failed[i]->error, "The kernel refused a change (type %d): %m", rep->failed[i]->type);
        if (rep->lock_withheld && !m->lock_withheld_logged) {
                log_fields(LOG_WARNING, 0, AK_MID_LOCKED, NULL, "Lock (-e 2) withheld: %s",
                           m->want->n_errors ? "the rules have errors" : "not every rule is in force");
                m->lock_withheld_logged = 1;
        }
        else if (rep->lock_applied)
                log_fields(LOG_NOTICE, 0, AK_MID_LOCKED, NULL, "Audit configuration locked (enabled=2) until reboot");
        manager_bus_synced(m, (unsigned) rep->added, (unsigned) rep->removed, (unsigned) rep->set);
        set_state(m, steady_state(m));
        notify_status(m);
        if (m->reason == VERIFY_START || m->reason == VERIFY_RELOAD)
                (void) sd_notify(0, "READY=1");

        /* Confirm with one cheap check; our own records will ask for one too. */
        m->reason = VERIFY_SETTLE;
        m->busy = 0;
        verify_start(m, VERIFY_SETTLE);
}

static void on_exec_done(ak_nl *nl, int error, void *userdata) {
        Manager *m = userdata;
        ak_sync_report *rep = &m->report;
        size_t main_ops = ak_sync_main_ops(rep);

        arm_nl_timer(m);
        if (error < 0)
                log_warning_errno(error, "Changes sent to the kernel were not all answered: %m");
        if (!m->executing_lock && main_ops < rep->plan->n_ops) {
                if (ak_sync_lock_allowed(rep)) {
                        m->executing_lock = 1;
                        execute(m, main_ops, 1);
                        return;
                }
                rep->plan->ops[main_ops].error = -ECANCELED;
        }
        m->executing_lock = 0;
        after_sync(m);
}

static void on_query_done(ak_nl *nl, int error, void *userdata) {
        Manager *m = userdata;
        ak_plan_opts opts = { .foreign = m->foreign, .exact_order = m->exact_active };
        const ak_plan *p;
        size_t n_main;
        int r, drift;

        arm_nl_timer(m);
        if (error < 0) {
                log_warning_errno(error, "Failed to read the kernel's audit state: %m");
                ak_kstate_done(&m->snapshot);
                set_state(m, "degraded");
                finish(m);
                return;
        }
        m->status = m->snapshot.status;
        if (m->reason == VERIFY_POLL_LIGHT) {
                /* poll.c: a full check follows when the status says records may have missed something */
                if (poll_light_done(m, &m->snapshot.status)) {
                        if (!m->verify_queued || m->queued_reason == VERIFY_POLL_LIGHT) {
                                m->verify_queued = 1;
                                m->queued_reason = VERIFY_POLL;
                        }
                } else if (streq(m->state, "in-sync"))
                        m->last_sync_usec = realtime_usec();    /* confirmed: nothing changed */
                ak_kstate_done(&m->snapshot);
                finish(m);
                return;
        }
        poll_full_done(m, &m->snapshot);
        m->locked = m->status.enabled == 2;
        opts.from_empty = m->snapshot.n_rules == 0 && m->reason == VERIFY_START;

        ak_sync_report_done(&m->report);
        r = ak_sync_plan(&m->report, m->want, &m->snapshot, &opts);
        if (r < 0) {
                log_error_errno(r, "Failed to plan the sync: %m");
                finish(m);
                return;
        }
        m->have_report = 1;
        p = m->report.plan;
        n_main = ak_sync_main_ops(&m->report);

        if (p->locked) {
                m->locked_in_sync = p->in_sync;
                if (!streq(m->state, "locked"))
                        log_fields(LOG_WARNING, 0, AK_MID_LOCKED, NULL,
                                   "The kernel's audit configuration is locked (enabled=2)%s",
                                   p->in_sync ? "; it matches the rules" : "; it differs from the rules and cannot change until reboot");
                set_state(m, "locked");
                finish(m);
                return;
        }
        if (p->in_sync) {
                /* the fight is over only after a quiet spell, not at the first moment of peace */
                if (m->flapping && now_usec() - m->last_drift_mono >= FIGHT_QUIET_USEC) {
                        log_fields(LOG_NOTICE, 0, AK_MID_FLAPPING, NULL, "The fight over the audit rules stopped; back to normal pace");
                        m->flapping = 0;
                        m->backoff_usec = 0;
                        m->fight_count = 0;
                }
                m->loaded_rules = m->want->n_rules;
                m->last_sync_usec = realtime_usec();
                if (m->reason == VERIFY_START || m->reason == VERIFY_RELOAD)
                        log_fields(LOG_INFO, 0, AK_MID_SYNCED, NULL, "In sync (%s): %zu rules, nothing to change",
                                   reason_name(m->reason), m->want->n_rules);
                if (p->lock_withheld && !m->lock_withheld_logged) {
                        log_fields(LOG_WARNING, 0, AK_MID_LOCKED, NULL, "Lock (-e 2) withheld: the rules have errors");
                        m->lock_withheld_logged = 1;
                }
                if (m->reason != VERIFY_SETTLE)
                        m->last_added = m->last_removed = m->last_changed = 0;
                set_state(m, steady_state(m));
                finish(m);
                return;
        }

        /* Something differs. Retries of pending rules are not drift, and they wait for the poll
         * (or a start, reload or request): a refused add logs a record of its own, which must not
         * make the next retry. */
        if (n_main > 0 && only_retries(m, p, n_main)) {
                if (m->reason == VERIFY_SETTLE || m->reason == VERIFY_EVENT || m->mode == MODE_MONITOR) {
                        set_state(m, "degraded");
                        finish(m);
                        return;
                }
                m->retrying = 1;
                execute(m, 0, n_main);
                return;
        }

        drift = m->reason == VERIFY_EVENT || m->reason == VERIFY_POLL || m->reason == VERIFY_SETTLE;
        if (drift) {
                char what[256];
                const char *by = m->changer.text[0] && !m->changer.self ? m->changer.text : "unknown (no audit record named the changer)";

                describe_drift(p, n_main, &m->report.before.status, what, sizeof(what));
                m->drift_events++;
                m->last_drift_usec = realtime_usec();
                m->last_drift_mono = now_usec();
                snprintf(m->last_drift_by, sizeof(m->last_drift_by), "%s", by);
                snprintf(m->last_drift_what, sizeof(m->last_drift_what), "%s", what);
                {
                        _cleanup_free_ char *fw = strdup_printf("AUDITKEEP_DRIFT=%s", what);
                        _cleanup_free_ char *fb = strdup_printf("AUDITKEEP_CHANGED_BY=%s", by);
                        const char *fields[] = { fw, fb, NULL };
                        log_fields(LOG_WARNING, 0, AK_MID_DRIFT, fw && fb ? fields : NULL,
                                   "Drift detected (%s): %s, by %s", reason_name(m->reason), what, by);
                }
                manager_bus_drift(m, what, by);
                set_state(m, "drifted");
                if (m->mode == MODE_MONITOR) {
                        set_state(m, "monitoring");
                        finish(m);
                        return;
                }

                /* A fight: our last repair is undone again, soon after we made it. */
                if (m->fight_window_start && now_usec() - m->fight_window_start < FIGHT_WINDOW_USEC &&
                    reverts_last_repair(m, p, n_main))
                        m->fight_count++;
                else
                        m->fight_count = 0;
                if (m->fight_count >= FIGHT_THRESHOLD) {
                        m->backoff_usec = m->backoff_usec ? m->backoff_usec * 2 : BACKOFF_MIN_USEC;
                        if (m->backoff_usec > BACKOFF_MAX_USEC)
                                m->backoff_usec = BACKOFF_MAX_USEC;
                        if (!m->flapping)
                                log_fields(LOG_WARNING, 0, AK_MID_FLAPPING, NULL,
                                           "Flapping: the audit configuration keeps being changed back (by %s); backing off", by);
                        m->flapping = 1;
                        set_state(m, "flapping");
                }
                if (m->flapping && m->backoff_usec && m->reason != VERIFY_POLL) {
                        /* Repair when the backoff expires (verify again then). */
                        (void) sd_event_source_set_time_relative(m->backoff_timer, m->backoff_usec);
                        (void) sd_event_source_set_enabled(m->backoff_timer, SD_EVENT_ONESHOT);
                        finish(m);
                        return;
                }
        }

        m->fight_window_start = now_usec();
        remember_repair(m, p, n_main);
        if (!m->flapping)
                set_state(m, "repairing");
        if (n_main == 0) {
                /* only the lock is left */
                on_exec_done(m->nl, 0, m);
                return;
        }
        execute(m, 0, n_main);
}

static void verify_start(Manager *m, VerifyReason reason) {
        int r;

        log_debug("verify %s%s", reason_name(reason), m->busy ? " (queued)" : "");
        if (m->busy) {
                /* one more verification once this one ends; start/reload/request win */
                if (!m->verify_queued || reason == VERIFY_RELOAD || reason == VERIFY_REQUEST ||
                    (m->queued_reason == VERIFY_SETTLE && reason != VERIFY_SETTLE))
                        m->queued_reason = reason;
                m->verify_queued = 1;
                return;
        }
        m->busy = 1;
        m->reason = reason;
        /* A ResyncExactOrder applies to the check it starts and that check's settle only; a
         * pending D-Bus call is answered when that chain ends. */
        if (reason == VERIFY_REQUEST) {
                m->exact_active = m->exact_order_requested;
                m->exact_order_requested = 0;
        } else if (reason != VERIFY_SETTLE)
                m->exact_active = 0;
        if (reason == VERIFY_REQUEST || reason == VERIFY_RELOAD)
                m->call_chain = m->pending_call != NULL;
        if (reason != VERIFY_EVENT || !m->trigger_usec)
                m->trigger_usec = now_usec();
        ak_kstate_done(&m->snapshot);
        /* GET_FEATURE only when the rules ask for --loginuid-immutable: a check is GET + LIST */
        ak_nl_set_query_features(m->nl, m->want && m->want->loginuid_immutable);
        if (reason == VERIFY_POLL_LIGHT)
                r = ak_nl_status_async(m->nl, &m->snapshot, KERNEL_TIMEOUT_USEC, on_query_done, m);
        else
                r = ak_nl_query_async(m->nl, &m->snapshot, KERNEL_TIMEOUT_USEC, on_query_done, m);
        if (r < 0) {
                log_warning_errno(r, "Failed to ask the kernel for its audit state: %m");
                m->busy = 0;
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
        verify_start(userdata, VERIFY_EVENT);
        return 0;
}

/* The first record of a burst: repair times count from here. */
static void note_trigger(Manager *m) {
        int enabled = SD_EVENT_OFF;

        (void) sd_event_source_get_enabled(m->verify_timer, &enabled);
        if (enabled == SD_EVENT_OFF && !m->busy)
                m->trigger_usec = now_usec();
}

static int on_backoff_timer(sd_event_source *s, uint64_t usec, void *userdata) {
        verify_start(userdata, VERIFY_POLL);
        return 0;
}

static uint64_t event_verify_delay(Manager *m) {
        if (m->busy || (m->fight_window_start && now_usec() - m->fight_window_start < FIGHT_WINDOW_USEC))
                return COALESCE_USEC;
        return 0;
}

static void schedule_event_verify(Manager *m) {
        int enabled = SD_EVENT_OFF;

        note_trigger(m);
        (void) sd_event_source_get_enabled(m->verify_timer, &enabled);
        if (enabled != SD_EVENT_OFF)
                return;
        if (m->flapping) {
                /* the backoff timer decides when to look again: make sure it is running */
                (void) sd_event_source_get_enabled(m->backoff_timer, &enabled);
                if (enabled == SD_EVENT_OFF) {
                        (void) sd_event_source_set_time_relative(m->backoff_timer, m->backoff_usec ? m->backoff_usec : BACKOFF_MIN_USEC);
                        (void) sd_event_source_set_enabled(m->backoff_timer, SD_EVENT_ONESHOT);
                }
                return;
        }
        /* Idle, and no repair in the last FIGHT_WINDOW_USEC: verify on the next loop iteration,
         * after on_mon_io() has drained what the socket holds, with no wait (repair latency).
         * Busy, or soon after a repair (a series of changes, perhaps a fight): let the burst
         * gather for COALESCE_USEC, so that the fight accounting sees it whole. */
        (void) sd_event_source_set_time_relative(m->verify_timer, event_verify_delay(m));
        (void) sd_event_source_set_enabled(m->verify_timer, SD_EVENT_ONESHOT);
}

static void record_changer(Manager *m, const ak_record *rec) {
        char pid[32] = "", comm[128] = "", exe[256] = "", auid[32] = "", ses[32] = "";

        (void) ak_record_field(rec, "pid", pid, sizeof(pid));
        (void) ak_record_field(rec, "comm", comm, sizeof(comm));
        (void) ak_record_field(rec, "exe", exe, sizeof(exe));
        (void) ak_record_field(rec, "auid", auid, sizeof(auid));
        (void) ak_record_field(rec, "ses", ses, sizeof(ses));
        m->changer.serial = rec->serial;
        m->changer.self = pid[0] && (pid_t) strtol(pid, NULL, 10) == getpid();
        snprintf(m->changer.text, sizeof(m->changer.text), "pid=%s comm=%s exe=%s auid=%s ses=%s",
                 pid[0] ? pid : "?", comm[0] ? comm : "?", exe[0] ? exe : "?", auid[0] ? auid : "?", ses[0] ? ses : "?");
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
                switch (rec.type) {
                case AUDIT_CONFIG_CHANGE: {
                        char auid[32] = "", ses[32] = "", op[64] = "";
                        (void) ak_record_field(&rec, "auid", auid, sizeof(auid));
                        (void) ak_record_field(&rec, "ses", ses, sizeof(ses));
                        (void) ak_record_field(&rec, "op", op, sizeof(op));
                        if (m->changer.serial != rec.serial) {
                                m->changer.serial = rec.serial;
                                m->changer.self = 0;
                                snprintf(m->changer.text, sizeof(m->changer.text), "auid=%s ses=%s op=%s",
                                         auid[0] ? auid : "?", ses[0] ? ses : "?", op[0] ? op : "?");
                        }
                        schedule_event_verify(m);
                        break;
                }
                case AUDIT_FEATURE_CHANGE:
                        record_changer(m, &rec);
                        schedule_event_verify(m);
                        break;
                case AUDIT_SYSCALL:
                        if (rec.serial == m->changer.serial)
                                record_changer(m, &rec);
                        break;
                default:
                        break;
                }
        }
        return 0;
}

static int on_poll_timer(sd_event_source *s, uint64_t usec, void *userdata) {
        Manager *m = userdata;

        /* The bus may come up after us (early boot) or go away: connect again. */
        if (m->bus && sd_bus_is_open(m->bus) <= 0)
                m->bus = sd_bus_flush_close_unref(m->bus);
        if (!m->bus)
                (void) manager_connect_bus(m);

        verify_start(m, m->busy ? VERIFY_POLL : poll_reason(m));
        (void) sd_event_source_set_time_relative(s, m->poll_usec);
        return 0;
}

/* ------------------------------------------------------------------------------------------ */
/* reload */

/* Put a new, cleanly parsed desired state in force. */
static void reload_swap(Manager *m, ak_ruleset *rs) {
        ak_sync_report_done(&m->report);
        m->lock_withheld_logged = 0;
        ak_ruleset_free(m->want);
        m->want = rs;
        for (size_t i = 0; i < m->n_pending_keys; i++)
                free(m->pending_keys[i]);
        m->n_pending_keys = 0;
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

        (void) sd_notifyf(0, "RELOADING=1\nMONOTONIC_USEC=%" PRIu64 "\nSTATUS=reloading", now_usec());
        snprintf(m->last_status, sizeof(m->last_status), "reloading");
        if (!m->bus)
                (void) manager_connect_bus(m);
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
        if (m->busy) {
                /* The sync in flight points into the old rules: swap when it ends. */
                ak_ruleset_free(m->next_want);
                m->next_want = rs;
                m->reload_queued = 1;
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
        m->state = "repairing"; /* until the first sync is done */
        m->mode = MODE_ENFORCE;
        m->foreign = AK_FOREIGN_REMOVE;
        m->poll_usec = 10u * 1000000u;
        m->control_fd = m->monitor_fd = -1;
        r = sd_event_default(&m->event);
        if (r < 0) {
                free(m);
                return r;
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
        if (m->pending_call)
                sd_bus_message_unref(m->pending_call);
        sd_bus_flush_close_unref(m->bus);
        ak_sync_report_done(&m->report);
        ak_kstate_done(&m->snapshot);
        ak_nl_free(m->nl);
        ak_mon_free(m->mon);
        ak_ruleset_free(m->want);
        ak_ruleset_free(m->next_want);
        for (size_t i = 0; i < m->n_pending_keys; i++)
                free(m->pending_keys[i]);
        free(m->pending_keys);
        for (size_t i = 0; i < m->n_sources; i++)
                free(m->sources[i]);
        free(m->sources);
        sd_event_unref(m->event);
        free(m);
        return NULL;
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
        if (r < 0)
                return log_error_errno(r, "Failed to read the rules: %m");

        r = m->control_fd >= 0 ? ak_nl_open_fd(&m->nl, m->control_fd) : ak_nl_open(&m->nl);
        if (r < 0)
                return log_error_errno(r, "Cannot talk to the kernel's audit subsystem: %s",
                                       r == -EPROTONOSUPPORT ? "no audit support (booted with audit=0?)" :
                                       r == -ECONNREFUSED ? "refused in this user namespace" : strerror(-r));
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
                r = sd_event_add_io(m->event, &m->mon_source, ak_mon_fd(m->mon), EPOLLIN, on_mon_io, m);
                if (r < 0)
                        return log_error_errno(r, "Failed to watch the audit record socket: %m");
        }

        /* accuracy 1 us: sd-event's default (0 = 250 ms) would delay every repair */
        r = sd_event_add_time(m->event, &m->verify_timer, CLOCK_MONOTONIC, 0, 1, on_verify_timer, m);
        if (r >= 0)
                r = sd_event_add_time(m->event, &m->backoff_timer, CLOCK_MONOTONIC, 0, 1, on_backoff_timer, m);
        if (r >= 0)
                r = sd_event_add_time_relative(m->event, &m->poll_timer, CLOCK_MONOTONIC, m->poll_usec,
                                               m->poll_usec / 10, on_poll_timer, m);
        if (r < 0)
                return log_error_errno(r, "Failed to set up timers: %m");
        (void) sd_event_source_set_enabled(m->verify_timer, SD_EVENT_OFF);
        (void) sd_event_source_set_enabled(m->backoff_timer, SD_EVENT_OFF);
        (void) sd_event_source_set_enabled(m->poll_timer, SD_EVENT_ON);

        (void) manager_connect_bus(m);

        log_fields(LOG_INFO, 0, AK_MID_STARTED, NULL, "auditkeepd %s started: %zu rules from %zu files, %zu errors, mode %s, foreign rules %s, poll every %g s",
                   PACKAGE_VERSION, m->want->n_rules, m->want->n_files, m->want->n_errors,
                   m->mode == MODE_MONITOR ? "monitor" : "enforce", m->foreign == AK_FOREIGN_KEEP ? "kept" : "removed",
                   (double) m->poll_usec / 1e6);
        verify_start(m, VERIFY_START);
        return 0;
}
