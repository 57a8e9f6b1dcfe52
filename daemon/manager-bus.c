/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* org.auditkeep1.Manager on the system bus: live properties, privileged methods, signals.
 *
 * What every local user may see and what only root may: the properties and the signals go to
 * everyone (GetAll by anyone, PropertiesChanged and DriftDetected broadcast), so they carry
 * states, counts and times only. Who changed the configuration (pid, exe, auid, session) and
 * what auditd.conf's check found (the file is 0640; "disk_full_action is 'ignore'" tells how to
 * stop the audit trail) are answered by root-only methods, GetLastDrift and
 * ListAuditdConfProblems, which the bus policy and authorize() restrict like the others. A
 * getter that refused would break GetAll for everyone, and a changed value is broadcast in
 * PropertiesChanged whatever its getter checks: so no property holds them. */
#include <errno.h>
#include <stddef.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-bus.h>

#include "auditd-conf-watch.h"
#include "compat-bus.h"
#include "constants.h"
#include "coverage.h"
#include "facts.h"
#include "log.h"
#include "manager.h"
#include "util.h"

#define DEFAULT_SYSTEM_BUS "unix:path=/run/dbus/system_bus_socket"

/* ------------------------------------------------------------------------------------------ */
/* authorization */

/* Methods that change or reveal the configuration: root only, as the bus broker vouches for the
 * caller (its uid from SO_PEERCRED when the caller connected). Nothing is read from /proc: the
 * unit hides it (ProtectProc=invisible), and a pid read there can be reused or belong to a binary
 * with file capabilities by the time it is read. The bus policy (org.auditkeep1.conf) says the
 * same, so the broker refuses others before the call reaches us. */
/* Root only: the euid the broker vouches for. For a Resync or Reload, *ret gets who asks, for
 * the audit trail: that uid, and the login uid where the broker passes it along (nothing is read
 * from /proc). One query for both. */
typedef struct Caller {
        uid_t uid, loginuid;
} Caller;

static int authorize(sd_bus_message *msg, sd_bus_error *error, Caller *ret) {
        _cleanup_(sd_bus_creds_unrefp) sd_bus_creds *creds = NULL;
        uid_t euid, loginuid;
        int r;

        r = sd_bus_query_sender_creds(msg, SD_BUS_CREDS_EUID | (ret ? SD_BUS_CREDS_AUDIT_LOGIN_UID : 0), &creds);
        if (r >= 0)
                r = sd_bus_creds_get_euid(creds, &euid);
        if (r < 0 || euid != 0)
                return sd_bus_error_set(error, SD_BUS_ERROR_ACCESS_DENIED, "Only root may do this");
        if (ret)
                *ret = (Caller) { .uid = euid,
                                  .loginuid = sd_bus_creds_get_audit_login_uid(creds, &loginuid) >= 0 ? loginuid : AK_ID_UNSET };
        return 1;
}

static void note_caller(Manager *m, const Caller *c) {
        m->call_uid = c->uid;
        m->call_loginuid = c->loginuid;
}

/* ------------------------------------------------------------------------------------------ */
/* properties */

/* A string for the bus: D-Bus takes only valid UTF-8, and a file name or a token from a rules
 * file may be anything. Returns s itself, or an escaped copy owned by *owned ("?" on OOM). */
static const char *bus_text(const char *s, char **owned) {
        *owned = NULL;
        if (!s)
                return "";
        if (string_is_clean(s))
                return s;
        *owned = cescape(s);
        return *owned ? *owned : "?";
}

/* The properties are the status facts (auditkeep/ak-facts.h), read by sd-bus's own getters at
 * their offsets in m->facts (as timesyncd's are): facts.c computes them, again before every
 * property read (on_bus_message), so that a reader sees the state as it is. The vtable is made
 * from the facts' list at compile time; dbus/org.auditkeep1.xml is checked against the live
 * object by the tests. */
#define FACT_PROPERTY(field, kind, bus_name, json_key, fl, ...) \
        SD_BUS_PROPERTY(bus_name, AK_FACT_SIG_##kind, NULL, offsetof(Manager, facts.field), \
                        ((fl) & AK_FACT_CONST) ? SD_BUS_VTABLE_PROPERTY_CONST : SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),

/* What changed since the last announcement: the names of the announced facts whose values
 * differ (NULL-terminated, not owned); the announced values become these. */
static size_t properties_update(Manager *m, const char **changed) {
        size_t n = 0;

        manager_facts_refresh(m);
        for (size_t i = 0; i < ak_facts_count; i++) {
                const ak_fact *d = &ak_facts_table[i];

                if (!(d->flags & AK_FACT_CONST) && !ak_fact_equal(&m->facts, &m->published, d))
                        changed[n++] = d->bus;
        }
        changed[n] = NULL;
        if (ak_facts_copy(&m->published, &m->facts) < 0)
                ak_facts_done(&m->published);   /* out of memory: every fact is news next time */
        return n;
}

/* ------------------------------------------------------------------------------------------ */
/* methods */

/* Close the array a method's reply was filled with (r: how the filling went) and send it. */
static int send_array(sd_bus_message *reply, int r) {
        if (r >= 0)
                r = sd_bus_message_close_container(reply);
        if (r < 0)
                return r;
        return sd_bus_send(NULL, reply, NULL);
}

static int start_sync(Manager *m, sd_bus_message *msg, sd_bus_error *error, const Caller *caller, VerifyReason reason,
                      int exact) {
        if (m->pending_call)
                return sd_bus_error_set(error, BUS_ERROR_BUSY, "A resync or reload is already in progress; try again when it ends");
        m->pending_call = sd_bus_message_ref(msg);
        m->pending_reason = reason;
        note_caller(m, caller);
        if (exact)
                m->exact_order_requested = 1;
        manager_verify(m, reason);
        if (m->pending_call == msg && !m->busy) {
                /* The verification could not even start (it logged why): do not leave the caller
                 * waiting for an answer that no sync will give. */
                m->pending_call = sd_bus_message_unref(m->pending_call);
                m->exact_order_requested = 0;
                return sd_bus_error_set(error, BUS_ERROR_KERNEL,
                                        "Cannot ask the kernel for its audit state; see the journal of auditkeepd");
        }
        return 1;
}

static int resync(sd_bus_message *msg, Manager *m, sd_bus_error *error, int exact) {
        Caller caller;
        int r = authorize(msg, error, &caller);

        if (r <= 0)
                return r;
        if (m->mode == MODE_MONITOR)
                return sd_bus_error_set(error, BUS_ERROR_MONITOR_MODE,
                                        "auditkeepd runs in monitor mode and never changes the kernel; "
                                        "'auditkeepctl diff' shows what differs");
        return start_sync(m, msg, error, &caller, VERIFY_REQUEST, exact);
}

static int method_resync(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        return resync(msg, userdata, error, 0);
}

static int method_resync_exact(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        return resync(msg, userdata, error, 1);
}

static int method_reload(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;
        Caller caller;
        int r = authorize(msg, error, &caller);

        if (r <= 0)
                return r;
        if (m->pending_call)
                return sd_bus_error_set(error, BUS_ERROR_BUSY, "A resync or reload is already in progress; try again when it ends");
        m->pending_call = sd_bus_message_ref(msg);
        m->pending_reason = VERIFY_RELOAD;
        note_caller(m, &caller);
        r = manager_reload(m);
        if (r < 0) {
                m->pending_call = sd_bus_message_unref(m->pending_call);
                if (r == -EINVAL)
                        return sd_bus_error_set(error, BUS_ERROR_RULES_INVALID,
                                                "The rules have errors (each is logged to the journal with FILE:LINE); "
                                                "the previous rules stay in force");
                return sd_bus_error_setf(error, BUS_ERROR_RULES_INVALID,
                                         "Cannot read the rules: %s; the previous rules stay in force", strerror(-r));
        }
        if (m->pending_call == msg && !m->busy) {
                m->pending_call = sd_bus_message_unref(m->pending_call);
                return sd_bus_error_set(error, BUS_ERROR_KERNEL,
                                        "The new rules were read, but the kernel cannot be asked for its audit state; "
                                        "see the journal of auditkeepd");
        }
        return 1;
}

/* The last comparison with the kernel, or an error when there is none yet. */
static int last_report(Manager *m, sd_bus_error *error) {
        if (!m->want || !m->have_report || !m->report.plan)
                return sd_bus_error_set(error, BUS_ERROR_NOT_READY,
                                        "auditkeepd has not compared the kernel with the rules yet; try again in a moment");
        return 1;
}

/* Root, and a comparison to answer from. */
static int authorize_report(Manager *m, sd_bus_message *msg, sd_bus_error *error) {
        int r = authorize(msg, error, NULL);

        return r <= 0 ? r : last_report(m, error);
}

/* State of each desired rule against the last snapshot, plus foreign ones. */
static int method_list_rules(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        const ak_kstate *k = &m->report.before;
        _cleanup_free_ char *used = NULL;
        int r = authorize_report(m, msg, error);

        if (r <= 0)
                return r;
        used = calloc(k->n_rules + 1, 1);
        if (!used)
                return -ENOMEM;
        r = sd_bus_message_new_method_return(msg, &reply);
        if (r >= 0)
                r = sd_bus_message_open_container(reply, 'a', "(sss)");
        for (size_t i = 0; r >= 0 && i < m->want->n_rules; i++) {
                const ak_rule *w = &m->want->rules[i];
                _cleanup_free_ char *text = ak_rule_format_flags(w, AK_FORMAT_NO_STAT);
                _cleanup_free_ char *origin = w->file ? strdup_printf("%s:%u", w->file, w->line) : strdup("");
                _cleanup_free_ char *owned = NULL;
                const char *state = "missing";

                if (!text || !origin)
                        return -ENOMEM;
                for (size_t j = 0; j < k->n_rules; j++)
                        if (!used[j] && ak_rule_equal(w, &k->rules[j])) {
                                used[j] = 1;
                                state = "loaded";
                                break;
                        }
                if (streq(state, "missing"))
                        for (size_t j = 0; j < m->n_pending; j++)
                                if (m->pending[j] == w)
                                        state = "pending";
                r = sd_bus_message_append(reply, "(sss)", text, bus_text(origin, &owned), state);
        }
        for (size_t j = 0; r >= 0 && j < k->n_rules; j++)
                if (!used[j]) {
                        _cleanup_free_ char *text = ak_rule_format_flags(&k->rules[j], AK_FORMAT_NO_STAT);
                        if (!text)
                                return -ENOMEM;
                        r = sd_bus_message_append(reply, "(sss)", text, "", "foreign");
                }
        return send_array(reply, r);
}

/* What differs now, one line per change a sync would make: "+ RULE", "- RULE", "~ SETTING". */
static int method_diff(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        const ak_sync_report *rep = &m->report;
        const ak_plan *p = rep->plan;
        int r = authorize_report(m, msg, error);

        if (r <= 0)
                return r;
        r = sd_bus_message_new_method_return(msg, &reply);
        if (r >= 0)
                r = sd_bus_message_open_container(reply, 'a', "s");
        for (size_t i = 0; r >= 0 && i < p->n_ops; i++) {
                const ak_op *op = &p->ops[i];
                _cleanup_free_ char *line = NULL;

                if (op->error == 0 && rep->added + rep->removed + rep->set > 0)
                        continue; /* the plan was executed and this one took effect */
                if (op->type == AK_OP_RESET_LOST)
                        continue; /* resetting the lost counter is not a difference */
                /* the same line as auditkeepctl diff PATH, without a stat() in the event loop */
                line = manager_compat_annotate(m, op, ak_op_format(op, &rep->before.status, AK_FORMAT_NO_STAT));
                if (!line)
                        return -ENOMEM;
                {
                        /* the explanation names a rules file, whose name may be anything */
                        _cleanup_free_ char *owned = NULL;
                        r = sd_bus_message_append(reply, "s", bus_text(line, &owned));
                }
        }
        if (r >= 0 && p->lock_withheld && m->want) {
                char why[160];
                _cleanup_free_ char *line = strdup_printf("! lock (-e 2) withheld: %s",
                                                          ak_sync_lock_withheld_reason(rep, m->want, why, sizeof(why)));
                if (!line)
                        return -ENOMEM;
                r = sd_bus_message_append(reply, "s", line);
        }
        if (r >= 0 && p->locked && !p->in_sync) {
                _cleanup_free_ char *line = strdup_printf("! kernel locked (enabled=2): %zu differences stay until reboot",
                                                          p->n_differ);
                if (!line)
                        return -ENOMEM;
                r = sd_bus_message_append(reply, "s", line);
        }
        return send_array(reply, r);
}

/* Reply with diagnostics as a(suus): file, line, column, message; a warning's message starts with
 * "warning: ", an error's does not. Root only. */
static int reply_diags(sd_bus_message *msg, sd_bus_error *error, const ak_diag *diags, size_t n) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        int r = authorize(msg, error, NULL);

        if (r <= 0)
                return r;
        r = sd_bus_message_new_method_return(msg, &reply);
        if (r >= 0)
                r = sd_bus_message_open_container(reply, 'a', "(suus)");
        for (size_t i = 0; r >= 0 && i < n; i++) {
                const ak_diag *d = &diags[i];
                _cleanup_free_ char *text = strdup_printf("%s%s", d->warning ? "warning: " : "", d->message);
                _cleanup_free_ char *owned_file = NULL, *owned_text = NULL;
                if (!text)
                        return -ENOMEM;
                r = sd_bus_message_append(reply, "(suus)", bus_text(d->file, &owned_file), d->line, d->column,
                                          bus_text(text, &owned_text));
        }
        return send_array(reply, r);
}

static int method_list_errors(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        const Manager *m = userdata;

        return reply_diags(msg, error, m->want ? m->want->diags : NULL, m->want ? m->want->n_diags : 0);
}

/* What auditd.conf's last check found (the count is the property AuditdConfProblems). */
static int method_list_auditd_conf_problems(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        const ak_diag *diags;
        size_t n = auditd_conf_problems(userdata, &diags);

        return reply_diags(msg, error, diags, n);
}

/* The last drift reported: when (LastDriftUSec), what changed and who changed it; 0 and empty
 * strings when none was. */
static int method_get_last_drift(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        const Manager *m = userdata;
        _cleanup_free_ char *o1 = NULL, *o2 = NULL;
        int r = authorize(msg, error, NULL);

        if (r <= 0)
                return r;
        return sd_bus_reply_method_return(msg, "tss", m->last_drift_usec, bus_text(m->last_drift_what, &o1),
                                          bus_text(m->last_drift_by, &o2));
}

/* The properties, from the facts' list, then the methods and the signals. */
static const sd_bus_vtable manager_vtable[] = {
        SD_BUS_VTABLE_START(0),
        AK_FACTS(FACT_PROPERTY)
        SD_BUS_METHOD_WITH_ARGS("Resync", SD_BUS_NO_ARGS,
                                SD_BUS_RESULT("u", added, "u", removed, "u", changed),
                                method_resync, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("ResyncExactOrder", SD_BUS_NO_ARGS,
                                SD_BUS_RESULT("u", added, "u", removed, "u", changed),
                                method_resync_exact, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("Reload", SD_BUS_NO_ARGS,
                                SD_BUS_RESULT("u", added, "u", removed, "u", changed),
                                method_reload, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("ListRules", SD_BUS_NO_ARGS, SD_BUS_RESULT("a(sss)", rules),
                                method_list_rules, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("Diff", SD_BUS_NO_ARGS, SD_BUS_RESULT("as", lines),
                                method_diff, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("ListErrors", SD_BUS_NO_ARGS, SD_BUS_RESULT("a(suus)", errors),
                                method_list_errors, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("GetLastDrift", SD_BUS_NO_ARGS, SD_BUS_RESULT("t", usec, "s", what, "s", by),
                                method_get_last_drift, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("ListAuditdConfProblems", SD_BUS_NO_ARGS, SD_BUS_RESULT("a(suus)", problems),
                                method_list_auditd_conf_problems, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_SIGNAL_WITH_ARGS("DriftDetected",
                                SD_BUS_ARGS("s", what, "u", removed, "u", added, "u", moved, "u", settings), 0),
        SD_BUS_SIGNAL_WITH_ARGS("Synced", SD_BUS_ARGS("u", added, "u", removed, "u", changed), 0),
        SD_BUS_VTABLE_END
};

/* ------------------------------------------------------------------------------------------ */
/* connection */

static int on_name_reply(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error) {
        const sd_bus_error *e = sd_bus_message_get_error(reply);
        uint32_t result = 0;
        int r;

        if (e) {
                log_warning("Cannot own the name " BUS_NAME " on the system bus (%s: %s); "
                            "running without the D-Bus interface", e->name, e->message ? e->message : "");
                return 0;
        }
        r = sd_bus_message_read(reply, "u", &result);
        if (r < 0 || (result != 1 && result != 4)) {   /* PRIMARY_OWNER, ALREADY_OWNER */
                log_warning("Cannot own the name " BUS_NAME " on the system bus (%s); running without the D-Bus interface",
                            result == 3 ? "another process owns it" : "unexpected reply");
                return 0;
        }
        log_info("Owning the name " BUS_NAME " on the system bus");
        return 0;
}

static int on_bus_reconnect(sd_event_source *s, void *userdata) {
        Manager *m = userdata;

        sd_event_source_unref(s);
        m->bus = sd_bus_flush_close_unref(m->bus);
        (void) manager_connect_bus(m);
        return 0;
}

/* Every message before it is dispatched. A property read (Get, GetAll) gets the facts as they
 * are now: they are computed again first. The broker went away (restart, upgrade): connect
 * again, which waits for its socket; not from inside the bus's own dispatch: a deferred event
 * does it. */
static int on_bus_message(sd_bus_message *msg, void *userdata, sd_bus_error *ret_error) {
        Manager *m = userdata;

        if (sd_bus_message_is_method_call(msg, "org.freedesktop.DBus.Properties", NULL)) {
                manager_facts_refresh(m);
                return 0;
        }
        if (sd_bus_message_is_signal(msg, "org.freedesktop.DBus.Local", "Connected")) {
                log_info("Connected to the system bus");
                return 0;
        }
        if (!sd_bus_message_is_signal(msg, "org.freedesktop.DBus.Local", "Disconnected"))
                return 0;
        log_warning("Disconnected from the system bus; connecting again as soon as it is back");
        if (sd_event_add_defer(m->event, NULL, on_bus_reconnect, m) < 0)
                log_warning("Cannot schedule the reconnection to the system bus; retrying at the next poll");
        return 0;
}

/* Open the system bus without waiting for it: with watch-bind, a socket that does not exist yet
 * (early boot: we start before dbus) or refuses connections (a broker restarting) is watched
 * with inotify, and the connection is made the moment the broker listens. What is queued on the
 * connection meanwhile (the name request) goes out then. */
static int bus_open_watch_bind(Manager *m, sd_bus **ret) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        const char *address = getenv("DBUS_SYSTEM_BUS_ADDRESS");
        int r;

        r = sd_bus_new(&bus);
        if (r >= 0)
                r = sd_bus_set_address(bus, address && *address ? address : DEFAULT_SYSTEM_BUS);
        if (r >= 0)
                r = sd_bus_set_bus_client(bus, 1);
        if (r >= 0)
                r = sd_bus_set_watch_bind(bus, 1);
        if (r >= 0)
                r = sd_bus_set_connected_signal(bus, 1);
        if (r >= 0)
                r = sd_bus_add_filter(bus, NULL, on_bus_message, m);
        if (r >= 0)
                r = sd_bus_start(bus);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(bus);
        return 0;
}

int manager_connect_bus(Manager *m) {
        const char *changed[AK_FACTS_COUNT + 1];
        int r;

        if (m->bus)
                return 0;
        r = bus_open_watch_bind(m, &m->bus);
        /* objects first, then the name, then attach: the name never exists without its objects */
        if (r >= 0)
                r = sd_bus_add_object_vtable(m->bus, NULL, BUS_PATH, BUS_IFACE, manager_vtable, m);
        if (r >= 0)
                r = sd_bus_request_name_async(m->bus, NULL, BUS_NAME, 0, on_name_reply, m);
        if (r >= 0)
                r = sd_bus_attach_event(m->bus, m->event, SD_EVENT_PRIORITY_NORMAL);
        if (r < 0) {
                if (!m->bus_warned)
                        log_warning_errno(r, "Cannot use the system bus (%m); running without the D-Bus interface, "
                                          "trying again at every poll");
                m->bus_warned = 1;
                m->bus = sd_bus_flush_close_unref(m->bus);
                return r;
        }
        m->bus_warned = 0;
        /* a fresh connection: what it reads now is the baseline for PropertiesChanged */
        ak_facts_done(&m->published);
        (void) properties_update(m, changed);
        return 0;
}

/* Signals only on a connection that is up: while it waits for the broker (watch-bind) they
 * would pile up in its queue, unsent, for as long as there is no bus. A client that connects
 * later reads the properties as they are. */
int manager_bus_ready(const Manager *m) {
        return m->bus && sd_bus_is_ready(m->bus) > 0;
}

void manager_bus_done(Manager *m) {
        ak_facts_done(&m->published);
        ak_facts_done(&m->facts);
        m->bus = sd_bus_flush_close_unref(m->bus);
}

/* Announce the properties whose values changed since the last announcement. */
void manager_bus_changed(Manager *m) {
        const char *changed[AK_FACTS_COUNT + 1];

        if (!manager_bus_ready(m))
                return;
        if (properties_update(m, changed) > 0)
                (void) sd_bus_emit_properties_changed_strv(m->bus, BUS_PATH, BUS_IFACE, (char **) changed);
}

/* DriftDetected goes to everyone: what changed and the counts, never who (`by` is root's, through
 * GetLastDrift). Called while the incident is still open (manager.c, incident_report), so its
 * counts are read from it. */
void manager_bus_drift(Manager *m, const char *what, const char *by) {
        const Incident *inc = &m->incident;
        size_t removed = 0, added = 0, moved = 0, settings = 0;
        _cleanup_free_ char *owned = NULL;

        (void) by;
        if (!manager_bus_ready(m))
                return;
        if (inc->open) {
                incident_counts(inc, &removed, &added, &moved);
                settings = inc->n_settings + !!inc->feature;
        }
        (void) sd_bus_emit_signal(m->bus, BUS_PATH, BUS_IFACE, "DriftDetected", "suuuu", bus_text(what, &owned),
                                  (uint32_t) removed, (uint32_t) added, (uint32_t) moved, (uint32_t) settings);
}

void manager_bus_synced(Manager *m, unsigned added, unsigned removed, unsigned changed) {
        if (manager_bus_ready(m))
                (void) sd_bus_emit_signal(m->bus, BUS_PATH, BUS_IFACE, "Synced", "uuu", added, removed, changed);
}
