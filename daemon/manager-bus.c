/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* org.auditkeep1.Manager on the system bus: live properties, privileged methods, signals. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/capability.h>
#include <systemd/sd-bus.h>

#include "auditd-conf-watch.h"
#include "log.h"
#include "manager.h"
#include "util.h"

#define BUS_NAME "org.auditkeep1"
#define BUS_PATH "/org/auditkeep1"
#define BUS_IFACE "org.auditkeep1.Manager"
#define ERROR_BUSY "org.auditkeep1.Error.Busy"
#define ERROR_RULES_INVALID "org.auditkeep1.Error.RulesInvalid"
#define ERROR_KERNEL "org.auditkeep1.Error.Kernel"
#define ERROR_NOT_READY "org.auditkeep1.Error.NotReady"

/* The properties that emit PropertiesChanged (Mode is constant), in vtable order. */
static const char *const emitted[] = {
        "State", "Enabled", "Failure", "BacklogLimit", "Backlog", "Lost", "RateLimit", "BacklogWaitTime",
        "AuditPid", "Locked", "DesiredRules", "LoadedRules", "PendingRules", "ForeignRules", "ParseErrors",
        "DriftEvents", "Repairs", "LastDriftUSec", "LastDriftBy", "LastSyncUSec", "Sources",
};

/* What the bus part remembers between calls. One Manager per process publishes on the bus; a
 * different one (tests) starts afresh. */
static struct {
        const Manager *owner;
        char *published[ELEMENTSOF(emitted)];   /* values last announced, as text */
        int warned_no_bus;                      /* "no system bus" was logged since the last connection */
} bus_state;

static void published_forget(size_t i) {
        free(bus_state.published[i]);
        bus_state.published[i] = NULL;
}

static void bus_state_reset(const Manager *m) {
        for (size_t i = 0; i < ELEMENTSOF(emitted); i++)
                published_forget(i);
        bus_state.owner = m;
}

/* ------------------------------------------------------------------------------------------ */
/* authorization */

/* Read the effective uid and capabilities of a process from /proc/PID/status, in one read. */
static int proc_caps(pid_t pid, uid_t *ret_euid, uint64_t *ret_caps) {
        char path[64], line[256];
        FILE *f;
        int have_uid = 0, have_caps = 0;

        snprintf(path, sizeof(path), "/proc/%d/status", (int) pid);
        f = fopen(path, "re");
        if (!f)
                return -errno;
        while (fgets(line, sizeof(line), f)) {
                unsigned long ruid, euid;
                unsigned long long caps;

                if (sscanf(line, "Uid: %lu %lu", &ruid, &euid) == 2) {
                        *ret_euid = (uid_t) euid;
                        have_uid = 1;
                } else if (sscanf(line, "CapEff: %llx", &caps) == 1) {
                        *ret_caps = caps;
                        have_caps = 1;
                }
        }
        fclose(f);
        return have_uid && have_caps ? 0 : -ENODATA;
}

/* Methods that change or reveal the configuration: root or CAP_AUDIT_CONTROL only.
 *
 * The uid and pid come from the bus broker (SO_PEERCRED at connect time), so uid 0 is trusted as
 * is. dbus-daemon and dbus-broker pass no capabilities, and sd_bus_query_sender_privilege() then
 * falls back to "uid 0 only", refusing a non-root holder of CAP_AUDIT_CONTROL. For those, the
 * capability is read from /proc/PID/status and accepted only when that process still has the
 * effective uid the broker vouched for (a recycled pid would have to belong to the same user). */
static int authorize(sd_bus_message *msg, sd_bus_error *error) {
        _cleanup_(sd_bus_creds_unrefp) sd_bus_creds *creds = NULL;
        uid_t euid, proc_euid;
        pid_t pid;
        uint64_t caps;
        int r;

        r = sd_bus_query_sender_privilege(msg, CAP_AUDIT_CONTROL);
        if (r < 0)
                return r;
        if (r > 0)
                return 1;

        r = sd_bus_query_sender_creds(msg, SD_BUS_CREDS_PID | SD_BUS_CREDS_EUID, &creds);
        if (r >= 0)
                r = sd_bus_creds_get_euid(creds, &euid);
        if (r >= 0)
                r = sd_bus_creds_get_pid(creds, &pid);
        if (r >= 0)
                r = proc_caps(pid, &proc_euid, &caps);
        if (r >= 0 && proc_euid == euid && (caps & (UINT64_C(1) << CAP_AUDIT_CONTROL)))
                return 1;
        return sd_bus_error_set(error, SD_BUS_ERROR_ACCESS_DENIED,
                                "Only root or a caller with CAP_AUDIT_CONTROL may do this");
}

/* ------------------------------------------------------------------------------------------ */
/* properties */

static uint32_t value_u(const Manager *m, const char *property) {
        const struct audit_status *s = &m->status;

        if (streq(property, "Enabled")) return s->enabled;
        if (streq(property, "Failure")) return s->failure;
        if (streq(property, "BacklogLimit")) return s->backlog_limit;
        if (streq(property, "Backlog")) return s->backlog;
        if (streq(property, "Lost")) return s->lost;
        if (streq(property, "RateLimit")) return s->rate_limit;
        if (streq(property, "BacklogWaitTime")) return s->backlog_wait_time;
        if (streq(property, "AuditPid")) return s->pid;
        if (streq(property, "Locked")) return !!m->locked;
        if (streq(property, "DesiredRules")) return m->want ? (uint32_t) m->want->n_rules : 0;
        if (streq(property, "LoadedRules")) return (uint32_t) m->loaded_rules;
        if (streq(property, "PendingRules")) return (uint32_t) m->pending_rules;
        if (streq(property, "ForeignRules")) return (uint32_t) m->foreign_rules;
        if (streq(property, "ParseErrors")) return m->want ? (uint32_t) m->want->n_errors : 0;
        return 0;
}

static uint64_t value_t(const Manager *m, const char *property) {
        if (streq(property, "DriftEvents")) return m->drift_events;
        if (streq(property, "Repairs")) return m->repairs;
        if (streq(property, "LastDriftUSec")) return m->last_drift_usec;
        if (streq(property, "LastSyncUSec")) return m->last_sync_usec;
        return 0;
}

static const char *value_s(const Manager *m, const char *property) {
        if (streq(property, "State")) return m->state ? m->state : "";
        if (streq(property, "LastDriftBy")) return m->last_drift_by;
        if (streq(property, "Mode")) return m->mode == MODE_MONITOR ? "monitor" : "enforce";
        return "";
}

static int property_get_u(sd_bus *bus, const char *path, const char *interface, const char *property,
                          sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        return sd_bus_message_append(reply, "u", value_u(userdata, property));
}

static int property_get_t(sd_bus *bus, const char *path, const char *interface, const char *property,
                          sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        return sd_bus_message_append(reply, "t", value_t(userdata, property));
}

static int property_get_s(sd_bus *bus, const char *path, const char *interface, const char *property,
                          sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        return sd_bus_message_append(reply, "s", value_s(userdata, property));
}

static int property_get_b(sd_bus *bus, const char *path, const char *interface, const char *property,
                          sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        return sd_bus_message_append(reply, "b", (int) value_u(userdata, property));
}

static int property_get_sources(sd_bus *bus, const char *path, const char *interface, const char *property,
                                sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;
        int r;

        r = sd_bus_message_open_container(reply, 'a', "s");
        for (size_t i = 0; r >= 0 && m->want && i < m->want->n_sources; i++)
                r = sd_bus_message_append(reply, "s", m->want->sources[i]);
        if (r < 0)
                return r;
        return sd_bus_message_close_container(reply);
}

/* A property's value as text, to notice changes. NULL on OOM. */
static char *property_text(const Manager *m, const char *property) {
        if (streq(property, "Sources")) {
                strbuf b = {};
                for (size_t i = 0; m->want && i < m->want->n_sources; i++) {
                        strbuf_puts(&b, m->want->sources[i]);
                        strbuf_puts(&b, "\n");
                }
                strbuf_puts(&b, "");
                return strbuf_steal(&b);
        }
        if (streq(property, "State") || streq(property, "LastDriftBy"))
                return strdup(value_s(m, property));
        if (streq(property, "DriftEvents") || streq(property, "Repairs") ||
            streq(property, "LastDriftUSec") || streq(property, "LastSyncUSec"))
                return strdup_printf("%" PRIu64, value_t(m, property));
        return strdup_printf("%" PRIu32, value_u(m, property));
}

/* Remember what the properties are now; return the names that changed (NULL-terminated, not
 * owned), or *ret_n = 0. */
static void properties_update(const Manager *m, const char **changed, size_t *ret_n) {
        size_t n = 0;

        if (bus_state.owner != m)
                bus_state_reset(m);
        for (size_t i = 0; i < ELEMENTSOF(emitted); i++) {
                char *text = property_text(m, emitted[i]);

                if (!text) {
                        /* out of memory: announce it, compare again next time */
                        published_forget(i);
                        changed[n++] = emitted[i];
                        continue;
                }
                if (bus_state.published[i] && streq(bus_state.published[i], text)) {
                        free(text);
                        continue;
                }
                free(bus_state.published[i]);
                bus_state.published[i] = text;
                changed[n++] = emitted[i];
        }
        changed[n] = NULL;
        *ret_n = n;
}

/* ------------------------------------------------------------------------------------------ */
/* methods */

static int start_sync(Manager *m, sd_bus_message *msg, sd_bus_error *error, VerifyReason reason, int exact) {
        if (m->pending_call)
                return sd_bus_error_set(error, ERROR_BUSY, "A resync or reload is already in progress; try again when it ends");
        m->pending_call = sd_bus_message_ref(msg);
        if (exact)
                m->exact_order_requested = 1;
        manager_verify(m, reason);
        if (m->pending_call == msg && !m->busy) {
                /* The verification could not even start (it logged why): do not leave the caller
                 * waiting for an answer that no sync will give. */
                m->pending_call = sd_bus_message_unref(m->pending_call);
                m->exact_order_requested = 0;
                return sd_bus_error_set(error, ERROR_KERNEL,
                                        "Cannot ask the kernel for its audit state; see the journal of auditkeepd");
        }
        return 1;
}

static int method_resync(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        int r = authorize(msg, error);
        if (r <= 0)
                return r;
        return start_sync(userdata, msg, error, VERIFY_REQUEST, 0);
}

static int method_resync_exact(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        int r = authorize(msg, error);
        if (r <= 0)
                return r;
        return start_sync(userdata, msg, error, VERIFY_REQUEST, 1);
}

static int method_reload(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;
        int r = authorize(msg, error);

        if (r <= 0)
                return r;
        if (m->pending_call)
                return sd_bus_error_set(error, ERROR_BUSY, "A resync or reload is already in progress; try again when it ends");
        m->pending_call = sd_bus_message_ref(msg);
        r = manager_reload(m);
        if (r < 0) {
                m->pending_call = sd_bus_message_unref(m->pending_call);
                if (r == -EINVAL)
                        return sd_bus_error_set(error, ERROR_RULES_INVALID,
                                                "The rules have errors (each is logged to the journal with FILE:LINE); "
                                                "the previous rules stay in force");
                return sd_bus_error_setf(error, ERROR_RULES_INVALID,
                                         "Cannot read the rules: %s; the previous rules stay in force", strerror(-r));
        }
        if (m->pending_call == msg && !m->busy) {
                m->pending_call = sd_bus_message_unref(m->pending_call);
                return sd_bus_error_set(error, ERROR_KERNEL,
                                        "The new rules were read, but the kernel cannot be asked for its audit state; "
                                        "see the journal of auditkeepd");
        }
        return 1;
}

/* The last comparison with the kernel, or an error when there is none yet. */
static int last_report(Manager *m, sd_bus_error *error) {
        if (!m->want || !m->have_report || !m->report.plan)
                return sd_bus_error_set(error, ERROR_NOT_READY,
                                        "auditkeepd has not compared the kernel with the rules yet; try again in a moment");
        return 1;
}

/* State of each desired rule against the last snapshot, plus foreign ones. */
static int method_list_rules(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        const ak_kstate *k = &m->report.before;
        _cleanup_free_ char *used = NULL;
        int r = authorize(msg, error);

        if (r <= 0)
                return r;
        r = last_report(m, error);
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
                _cleanup_free_ char *text = ak_rule_format(w);
                _cleanup_free_ char *origin = w->file ? strdup_printf("%s:%u", w->file, w->line) : strdup("");
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
                        for (size_t j = 0; j < m->n_pending_keys; j++)
                                if (streq(m->pending_keys[j], text))
                                        state = "pending";
                r = sd_bus_message_append(reply, "(sss)", text, origin, state);
        }
        for (size_t j = 0; r >= 0 && j < k->n_rules; j++)
                if (!used[j]) {
                        _cleanup_free_ char *text = ak_rule_format(&k->rules[j]);
                        if (!text)
                                return -ENOMEM;
                        r = sd_bus_message_append(reply, "(sss)", text, "", "foreign");
                }
        if (r >= 0)
                r = sd_bus_message_close_container(reply);
        if (r < 0)
                return r;
        return sd_bus_send(NULL, reply, NULL);
}

/* What differs now, one line per change a sync would make: "+ RULE", "- RULE", "~ SETTING". */
static int method_diff(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        const ak_sync_report *rep = &m->report;
        const ak_plan *p = rep->plan;
        int r = authorize(msg, error);

        if (r <= 0)
                return r;
        r = last_report(m, error);
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
                switch (op->type) {
                case AK_OP_ADD_RULE:
                case AK_OP_DEL_RULE: {
                        _cleanup_free_ char *text = ak_rule_format(op->rule);
                        line = strdup_printf("%c %s", op->type == AK_OP_ADD_RULE ? '+' : '-', text ? text : "?");
                        break;
                }
                case AK_OP_SET:
                        line = strdup_printf("~ %s %u -> %u", ak_status_name(op->mask),
                                             ak_status_get(&rep->before.status, op->mask), op->value);
                        break;
                case AK_OP_SET_FEATURE:
                        line = strdup("~ loginuid immutable");
                        break;
                default:
                        continue; /* resetting the lost counter is not a difference */
                }
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
        if (r >= 0)
                r = sd_bus_message_close_container(reply);
        if (r < 0)
                return r;
        return sd_bus_send(NULL, reply, NULL);
}

static int method_list_errors(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        int r = authorize(msg, error);

        if (r <= 0)
                return r;
        r = sd_bus_message_new_method_return(msg, &reply);
        if (r >= 0)
                r = sd_bus_message_open_container(reply, 'a', "(suus)");
        for (size_t i = 0; r >= 0 && m->want && i < m->want->n_diags; i++) {
                const ak_diag *d = &m->want->diags[i];
                _cleanup_free_ char *text = strdup_printf("%s%s", d->warning ? "warning: " : "", d->message);
                if (!text)
                        return -ENOMEM;
                r = sd_bus_message_append(reply, "(suus)", d->file ? d->file : "", d->line, d->column, text);
        }
        if (r >= 0)
                r = sd_bus_message_close_container(reply);
        if (r < 0)
                return r;
        return sd_bus_send(NULL, reply, NULL);
}

#define PROP(name, sig, getter) SD_BUS_PROPERTY(name, sig, getter, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE)
#define PROP_U(name) PROP(name, "u", property_get_u)
#define PROP_T(name) PROP(name, "t", property_get_t)
#define PROP_S(name) PROP(name, "s", property_get_s)

static const sd_bus_vtable manager_vtable[] = {
        SD_BUS_VTABLE_START(0),
        PROP_S("State"),
        PROP_U("Enabled"),
        PROP_U("Failure"),
        PROP_U("BacklogLimit"),
        PROP_U("Backlog"),
        PROP_U("Lost"),
        PROP_U("RateLimit"),
        PROP_U("BacklogWaitTime"),
        PROP_U("AuditPid"),
        PROP("Locked", "b", property_get_b),
        PROP_U("DesiredRules"),
        PROP_U("LoadedRules"),
        PROP_U("PendingRules"),
        PROP_U("ForeignRules"),
        PROP_U("ParseErrors"),
        PROP_T("DriftEvents"),
        PROP_T("Repairs"),
        PROP_T("LastDriftUSec"),
        PROP_S("LastDriftBy"),
        PROP_T("LastSyncUSec"),
        SD_BUS_PROPERTY("Mode", "s", property_get_s, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        PROP("Sources", "as", property_get_sources),
        SD_BUS_PROPERTY("AuditdConf", "s", auditd_conf_property_path, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        PROP("AuditdConfWarnings", "a(suus)", auditd_conf_property_warnings),
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
        SD_BUS_SIGNAL_WITH_ARGS("DriftDetected", SD_BUS_ARGS("s", what, "s", by), 0),
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
        log_info("Connected to the system bus as " BUS_NAME);
        return 0;
}

int manager_connect_bus(Manager *m) {
        const char *changed[ELEMENTSOF(emitted) + 1];
        size_t n;
        int r;

        if (m->bus)
                return 0;
        r = sd_bus_open_system(&m->bus);
        if (r < 0) {
                /* warn once; the poll timer retries quietly until the bus is there */
                if (!bus_state.warned_no_bus)
                        log_warning_errno(r, "No system bus (%m); running without the D-Bus interface, "
                                          "connecting as soon as it is there (retried at every poll)");
                else
                        log_debug("Still no system bus: %s", strerror(-r));
                bus_state.warned_no_bus = 1;
                m->bus = NULL;
                return r;
        }
        /* objects first, then the name, then attach: the name never exists without its objects */
        r = sd_bus_add_object_vtable(m->bus, NULL, BUS_PATH, BUS_IFACE, manager_vtable, m);
        if (r >= 0)
                r = sd_bus_request_name_async(m->bus, NULL, BUS_NAME, 0, on_name_reply, m);
        if (r >= 0)
                r = sd_bus_attach_event(m->bus, m->event, SD_EVENT_PRIORITY_NORMAL);
        if (r < 0) {
                log_warning_errno(r, "Failed to publish " BUS_NAME " on the system bus: %m");
                m->bus = sd_bus_flush_close_unref(m->bus);
                return r;
        }
        bus_state.warned_no_bus = 0;
        /* a fresh connection: what it reads now is the baseline for PropertiesChanged */
        bus_state_reset(m);
        properties_update(m, changed, &n);
        return 0;
}

/* Announce the properties whose values changed since the last announcement. */
void manager_bus_changed(Manager *m) {
        const char *changed[ELEMENTSOF(emitted) + 1];
        size_t n;

        if (!m->bus)
                return;
        properties_update(m, changed, &n);
        if (n > 0)
                (void) sd_bus_emit_properties_changed_strv(m->bus, BUS_PATH, BUS_IFACE, (char **) changed);
}

void manager_bus_drift(Manager *m, const char *what, const char *by) {
        if (m->bus)
                (void) sd_bus_emit_signal(m->bus, BUS_PATH, BUS_IFACE, "DriftDetected", "ss", what, by);
}

void manager_bus_synced(Manager *m, unsigned added, unsigned removed, unsigned changed) {
        if (m->bus)
                (void) sd_bus_emit_signal(m->bus, BUS_PATH, BUS_IFACE, "Synced", "uuu", added, removed, changed);
}
