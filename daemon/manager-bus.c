/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* org.auditkeep1.Manager on the system bus: live properties, privileged methods, signals. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <linux/capability.h>
#include <systemd/sd-bus.h>

#include "log.h"
#include "manager.h"
#include "util.h"

#define BUS_NAME "org.auditkeep1"
#define BUS_PATH "/org/auditkeep1"
#define BUS_IFACE "org.auditkeep1.Manager"
#define ERROR_BUSY "org.auditkeep1.Error.Busy"
#define ERROR_RULES_INVALID "org.auditkeep1.Error.RulesInvalid"
#define ERROR_KERNEL "org.auditkeep1.Error.Kernel"

/* Methods that change or reveal the configuration: root or CAP_AUDIT_CONTROL only. */
static int authorize(sd_bus_message *msg, sd_bus_error *error) {
        int r = sd_bus_query_sender_privilege(msg, CAP_AUDIT_CONTROL);

        if (r < 0)
                return r;
        if (r == 0)
                return sd_bus_error_set(error, SD_BUS_ERROR_ACCESS_DENIED,
                                        "Only root or a caller with CAP_AUDIT_CONTROL may do this");
        return 1;
}

static int property_get_u(sd_bus *bus, const char *path, const char *interface, const char *property,
                          sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;
        const struct audit_status *s = &m->status;
        uint32_t v = 0;

        if (streq(property, "Enabled")) v = s->enabled;
        else if (streq(property, "Failure")) v = s->failure;
        else if (streq(property, "BacklogLimit")) v = s->backlog_limit;
        else if (streq(property, "Backlog")) v = s->backlog;
        else if (streq(property, "Lost")) v = s->lost;
        else if (streq(property, "RateLimit")) v = s->rate_limit;
        else if (streq(property, "BacklogWaitTime")) v = s->backlog_wait_time;
        else if (streq(property, "AuditPid")) v = s->pid;
        else if (streq(property, "DesiredRules")) v = m->want ? (uint32_t) m->want->n_rules : 0;
        else if (streq(property, "LoadedRules")) v = (uint32_t) m->loaded_rules;
        else if (streq(property, "PendingRules")) v = (uint32_t) m->pending_rules;
        else if (streq(property, "ForeignRules")) v = (uint32_t) m->foreign_rules;
        else if (streq(property, "ParseErrors")) v = m->want ? (uint32_t) m->want->n_errors : 0;
        return sd_bus_message_append(reply, "u", v);
}

static int property_get_t(sd_bus *bus, const char *path, const char *interface, const char *property,
                          sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;
        uint64_t v = 0;

        if (streq(property, "DriftEvents")) v = m->drift_events;
        else if (streq(property, "Repairs")) v = m->repairs;
        else if (streq(property, "LastDriftUSec")) v = m->last_drift_usec;
        else if (streq(property, "LastSyncUSec")) v = m->last_sync_usec;
        return sd_bus_message_append(reply, "t", v);
}

static int property_get_s(sd_bus *bus, const char *path, const char *interface, const char *property,
                          sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;
        const char *v = "";

        if (streq(property, "State")) v = m->state;
        else if (streq(property, "LastDriftBy")) v = m->last_drift_by;
        else if (streq(property, "Mode")) v = m->mode == MODE_MONITOR ? "monitor" : "enforce";
        return sd_bus_message_append(reply, "s", v);
}

static int property_get_locked(sd_bus *bus, const char *path, const char *interface, const char *property,
                               sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;
        return sd_bus_message_append(reply, "b", m->locked);
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

static int start_sync(Manager *m, sd_bus_message *msg, sd_bus_error *error, VerifyReason reason, int exact) {
        if (m->pending_call)
                return sd_bus_error_set(error, ERROR_BUSY, "A resync or reload is already in progress");
        m->pending_call = sd_bus_message_ref(msg);
        if (exact)
                m->exact_order_requested = 1;
        manager_verify(m, reason);
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
                return sd_bus_error_set(error, ERROR_BUSY, "A resync or reload is already in progress");
        m->pending_call = sd_bus_message_ref(msg);
        r = manager_reload(m);
        if (r < 0) {
                sd_bus_message_unref(m->pending_call);
                m->pending_call = NULL;
                return sd_bus_error_setf(error, ERROR_RULES_INVALID,
                                         "The rules were rejected: %s; the previous rules stay in force",
                                         r == -EINVAL ? "they have errors, each logged to the journal with FILE:LINE" : strerror(-r));
        }
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

                for (size_t j = 0; j < k->n_rules; j++)
                        if (!used[j] && ak_rule_equal(w, &k->rules[j])) {
                                used[j] = 1;
                                state = "loaded";
                                break;
                        }
                if (streq(state, "missing") && text)
                        for (size_t j = 0; j < m->n_pending_keys; j++)
                                if (streq(m->pending_keys[j], text))
                                        state = "pending";
                if (!text || !origin)
                        return -ENOMEM;
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

static int method_diff(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        const ak_plan *p = m->report.plan;
        int r = authorize(msg, error);

        if (r <= 0)
                return r;
        r = sd_bus_message_new_method_return(msg, &reply);
        if (r >= 0)
                r = sd_bus_message_open_container(reply, 'a', "s");
        for (size_t i = 0; r >= 0 && p && i < p->n_ops; i++) {
                const ak_op *op = &p->ops[i];
                _cleanup_free_ char *line = NULL;

                if (op->error == 0 && m->report.added + m->report.removed + m->report.set > 0)
                        continue; /* already applied */
                if (op->type == AK_OP_ADD_RULE || op->type == AK_OP_DEL_RULE) {
                        _cleanup_free_ char *text = ak_rule_format(op->rule);
                        line = strdup_printf("%c %s", op->type == AK_OP_ADD_RULE ? '+' : '-', text ? text : "?");
                } else if (op->type == AK_OP_SET)
                        line = strdup_printf("~ status mask 0x%x -> %u", op->mask, op->value);
                else
                        continue;
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
        for (size_t i = 0; r >= 0 && i < m->want->n_diags; i++) {
                const ak_diag *d = &m->want->diags[i];
                _cleanup_free_ char *text = strdup_printf("%s%s", d->warning ? "warning: " : "", d->message);
                if (!text)
                        return -ENOMEM;
                r = sd_bus_message_append(reply, "(suus)", d->file, d->line, d->column, text);
        }
        if (r >= 0)
                r = sd_bus_message_close_container(reply);
        if (r < 0)
                return r;
        return sd_bus_send(NULL, reply, NULL);
}

#define PROP_U(name) SD_BUS_PROPERTY(name, "u", property_get_u, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE)
#define PROP_T(name) SD_BUS_PROPERTY(name, "t", property_get_t, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE)
#define PROP_S(name) SD_BUS_PROPERTY(name, "s", property_get_s, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE)

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
        SD_BUS_PROPERTY("Locked", "b", property_get_locked, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
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
        PROP_S("Mode"),
        SD_BUS_PROPERTY("Sources", "as", property_get_sources, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
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

int manager_connect_bus(Manager *m) {
        int r;

        if (m->bus)
                return 0;
        r = sd_bus_open_system(&m->bus);
        if (r < 0) {
                log_warning_errno(r, "No system bus (%m); running without the D-Bus interface, retrying at every poll");
                return r;
        }
        /* objects first, then the name, then attach: the name never exists without its objects */
        r = sd_bus_add_object_vtable(m->bus, NULL, BUS_PATH, BUS_IFACE, manager_vtable, m);
        if (r >= 0)
                r = sd_bus_request_name_async(m->bus, NULL, BUS_NAME, 0, NULL, NULL);
        if (r >= 0)
                r = sd_bus_attach_event(m->bus, m->event, SD_EVENT_PRIORITY_NORMAL);
        if (r < 0) {
                log_warning_errno(r, "Failed to publish " BUS_NAME " on the system bus: %m");
                m->bus = sd_bus_flush_close_unref(m->bus);
                return r;
        }
        return 0;
}

void manager_bus_changed(Manager *m) {
        if (m->bus)
                (void) sd_bus_emit_properties_changed_strv(m->bus, BUS_PATH, BUS_IFACE, NULL);
}

void manager_bus_drift(Manager *m, const char *what, const char *by) {
        if (m->bus)
                (void) sd_bus_emit_signal(m->bus, BUS_PATH, BUS_IFACE, "DriftDetected", "ss", what, by);
}

void manager_bus_synced(Manager *m, unsigned added, unsigned removed, unsigned changed) {
        if (m->bus)
                (void) sd_bus_emit_signal(m->bus, BUS_PATH, BUS_IFACE, "Synced", "uuu", added, removed, changed);
}
