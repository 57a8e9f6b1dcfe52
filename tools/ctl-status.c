/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* auditkeepctl status: the daemon's properties (one GetAll) and its last check of auditd.conf, as
 * text for a person, JSON, or the Prometheus metrics. The properties are everyone's; run as root,
 * status also asks the root-only methods for the details: who made the last drift (GetLastDrift)
 * and what auditd.conf's check found (ListAuditdConfProblems). Anyone else is told that these
 * are shown to root only. */
#include <errno.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "auditkeep/ak-metrics.h"
#include "constants.h"
#include "ctl.h"
#include "json.h"
#include "macro.h"

typedef struct props {
        char state[64], mode[32], compat[400], auditd_conf[4096];
        char status_text[256], foreign_kept[64];        /* "": a daemon without these properties */
        uint32_t compat_level;  /* 0: a daemon without the property */
        uint32_t enabled, failure, backlog_limit, backlog, lost, rate_limit, backlog_wait_time, audit_pid;
        uint32_t desired, loaded, pending, foreign, errors;
        uint32_t foreign_allowed, foreign_shadows;      /* allow-foreign (ctl-foreign.c) */
        uint32_t auditd_conf_problems;  /* how many; which: ListAuditdConfProblems, root only */
        int locked, in_sync;
        uint64_t drift_events, repairs, last_drift, last_sync;
        char **sources;
        size_t n_sources;
        /* root only */
        int root_details;       /* asked for (as root) and answered */
        char last_drift_by[512];
} props;

static int read_props(sd_bus *bus, props *p, sd_bus_error *err) {
        _cleanup_(ctl_sdbus_message_unrefp) sd_bus_message *reply = NULL;
        int r;

        r = sd_bus_call_method(bus, BUS_NAME, BUS_PATH, "org.freedesktop.DBus.Properties", "GetAll", err, &reply, "s", BUS_IFACE);
        if (r < 0)
                return r;
        r = sd_bus_message_enter_container(reply, 'a', "{sv}");
        while (r >= 0 && (r = sd_bus_message_enter_container(reply, 'e', "sv")) > 0) {
                const char *name, *sig;
                char type;

                r = sd_bus_message_read(reply, "s", &name);
                if (r < 0)
                        break;
                r = sd_bus_message_peek_type(reply, &type, &sig);
                if (r < 0)
                        break;
                r = sd_bus_message_enter_container(reply, 'v', sig);
                if (r < 0)
                        break;
                if (streq(sig, "s")) {
                        const char *v;
                        r = sd_bus_message_read(reply, "s", &v);
                        if (r >= 0) {
                                if (streq(name, "State")) snprintf(p->state, sizeof(p->state), "%s", v);
                                else if (streq(name, "Mode")) snprintf(p->mode, sizeof(p->mode), "%s", v);
                                else if (streq(name, "Compat")) snprintf(p->compat, sizeof(p->compat), "%s", v);
                                else if (streq(name, "StatusText")) snprintf(p->status_text, sizeof(p->status_text), "%s", v);
                                else if (streq(name, "AuditdConf")) snprintf(p->auditd_conf, sizeof(p->auditd_conf), "%s", v);
                                else if (streq(name, "ForeignKept")) snprintf(p->foreign_kept, sizeof(p->foreign_kept), "%s", v);
                        }
                } else if (streq(sig, "u")) {
                        uint32_t v;
                        static const struct { const char *n; size_t off; } map[] = {
                                { "Enabled", offsetof(props, enabled) }, { "Failure", offsetof(props, failure) },
                                { "BacklogLimit", offsetof(props, backlog_limit) }, { "Backlog", offsetof(props, backlog) },
                                { "Lost", offsetof(props, lost) }, { "RateLimit", offsetof(props, rate_limit) },
                                { "BacklogWaitTime", offsetof(props, backlog_wait_time) }, { "AuditPid", offsetof(props, audit_pid) },
                                { "DesiredRules", offsetof(props, desired) }, { "LoadedRules", offsetof(props, loaded) },
                                { "PendingRules", offsetof(props, pending) }, { "ForeignRules", offsetof(props, foreign) },
                                { "ParseErrors", offsetof(props, errors) },
                                { "ForeignAllowedRules", offsetof(props, foreign_allowed) },
                                { "ForeignAllowedShadows", offsetof(props, foreign_shadows) },
                                { "CompatLevel", offsetof(props, compat_level) },
                                { "AuditdConfProblems", offsetof(props, auditd_conf_problems) },
                        };
                        r = sd_bus_message_read(reply, "u", &v);
                        for (size_t i = 0; r >= 0 && i < ELEMENTSOF(map); i++)
                                if (streq(name, map[i].n))
                                        *(uint32_t *) ((char *) p + map[i].off) = v;
                } else if (streq(sig, "t")) {
                        uint64_t v;
                        r = sd_bus_message_read(reply, "t", &v);
                        if (r >= 0) {
                                if (streq(name, "DriftEvents")) p->drift_events = v;
                                else if (streq(name, "Repairs")) p->repairs = v;
                                else if (streq(name, "LastDriftUSec")) p->last_drift = v;
                                else if (streq(name, "LastSyncUSec")) p->last_sync = v;
                        }
                } else if (streq(sig, "b")) {
                        int v;
                        r = sd_bus_message_read(reply, "b", &v);
                        if (r >= 0 && streq(name, "Locked"))
                                p->locked = v;
                        else if (r >= 0 && streq(name, "InSync"))
                                p->in_sync = v;
                } else if (streq(sig, "as")) {
                        char **v = NULL;
                        r = sd_bus_message_read_strv(reply, &v);
                        if (r >= 0 && streq(name, "Sources")) {
                                p->sources = v;
                                for (p->n_sources = 0; v && v[p->n_sources]; p->n_sources++)
                                        ;
                        } else if (v) {
                                for (size_t i = 0; v[i]; i++)
                                        free(v[i]);
                                free(v);
                        }
                } else
                        r = sd_bus_message_skip(reply, sig);
                if (r < 0)
                        break;
                r = sd_bus_message_exit_container(reply);
                if (r >= 0)
                        r = sd_bus_message_exit_container(reply);
        }
        return r < 0 ? r : 0;
}

static void props_done(props *p) {
        for (size_t i = 0; i < p->n_sources; i++)
                free(p->sources[i]);
        free(p->sources);
}

static const char *format_when(uint64_t usec, char *buf, size_t size) {
        time_t t = (time_t) (usec / 1000000u), now = time(NULL);
        struct tm tm;
        char when[64];

        if (usec == 0)
                return "never";
        localtime_r(&t, &tm);
        strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", &tm);
        if (now >= t)
                snprintf(buf, size, "%s (%lds ago)", when, (long) (now - t));
        else
                snprintf(buf, size, "%s", when);
        return buf;
}

/* The details only root may see are asked for only as root: the bus policy refuses everyone
 * else (and the broker may log each refusal). The daemon checks the caller itself too. */
static int may_ask_details(void) {
        return geteuid() == 0;
}

/* GetLastDrift: who made the last drift. 1 when the daemon answered, 0 when it did not (an older
 * daemon, or a refusal), with p->last_drift_by empty. */
static int read_last_drift(sd_bus *bus, props *p) {
        _cleanup_(ctl_sdbus_message_unrefp) sd_bus_message *reply = NULL;
        sd_bus_error err = SD_BUS_ERROR_NULL;
        const char *what, *by;
        uint64_t usec;
        int r;

        r = sd_bus_call_method(bus, BUS_NAME, BUS_PATH, BUS_IFACE, "GetLastDrift", &err, &reply, "");
        sd_bus_error_free(&err);
        if (r >= 0)
                r = sd_bus_message_read(reply, "tss", &usec, &what, &by);
        if (r < 0)
                return 0;
        snprintf(p->last_drift_by, sizeof(p->last_drift_by), "%s", by);
        return 1;
}

/* status: the daemon's last check of auditd.conf: the file (AuditdConf) and, for root, its
 * problems (ListAuditdConfProblems); for anyone else how many there are (AuditdConfProblems). */
static void status_auditd_conf(sd_bus *bus, const props *p, json_writer *j) {
        _cleanup_(ctl_sdbus_message_unrefp) sd_bus_message *reply = NULL;
        sd_bus_error err = SD_BUS_ERROR_NULL;
        const char *conf = p->auditd_conf, *file, *text;
        uint32_t line, column;
        size_t n = 0;
        int r = -EACCES, listed;

        if (!conf[0])
                return;         /* a daemon without it */
        if (p->root_details) {
                r = sd_bus_call_method(bus, BUS_NAME, BUS_PATH, BUS_IFACE, "ListAuditdConfProblems", &err, &reply, "");
                sd_bus_error_free(&err);
                if (r >= 0)
                        r = sd_bus_message_enter_container(reply, 'a', "(suus)");
        }
        listed = r >= 0;
        if (j) {
                jw_kv_string(j, "auditd_conf", conf);
                jw_kv_uint(j, "auditd_conf_problem_count", p->auditd_conf_problems);
                jw_key(j, "auditd_conf_problems");
                if (listed)
                        jw_array_begin(j);
                else
                        jw_null(j);
        }
        while (r >= 0 && (r = sd_bus_message_read(reply, "(suus)", &file, &line, &column, &text)) > 0) {
                if (j) {
                        jw_object_begin(j);
                        jw_kv_string(j, "file", file);
                        jw_kv_uint(j, "line", line);
                        jw_kv_uint(j, "column", column);
                        jw_kv_string(j, "message", text);
                        jw_object_end(j);
                } else {
                        if (n == 0)
                                printf("auditd.conf: problems found (auditkeepd never edits the file):\n");
                        if (line)
                                printf("  %s:%" PRIu32 ":%" PRIu32 ": %s\n", file, line, column, text);
                        else
                                printf("  %s: %s\n", file, text);
                }
                n++;
        }
        if (j) {
                if (listed)
                        jw_array_end(j);
        } else if (!conf[0])
                printf("auditd.conf: not checked\n");
        else if (n == 0 && (listed || p->auditd_conf_problems == 0))
                printf("auditd.conf: no problems\n");
        else if (n == 0)
                printf("auditd.conf: %" PRIu32 " problems found, shown to root only (auditkeepd never edits the file)\n",
                       p->auditd_conf_problems);
}

/* the same text the daemon's --metrics file holds, from the same function */
static int status_prometheus(const props *p) {
        ak_metrics v = {
                .in_sync = p->in_sync, .locked = p->locked,
                .rules_desired = p->desired, .rules_loaded = p->loaded, .rules_pending = p->pending,
                .rules_foreign = p->foreign, .rules_foreign_allowed = p->foreign_allowed, .parse_errors = p->errors,
                .drift_events = p->drift_events, .repairs = p->repairs,
                .last_sync_usec = p->last_sync, .last_drift_usec = p->last_drift,
                .enabled = p->enabled, .failure = p->failure, .backlog_limit = p->backlog_limit,
                .backlog = p->backlog, .lost = p->lost, .backlog_wait_time = p->backlog_wait_time,
                .state = p->state, .mode = p->mode, .foreign_kept = p->foreign_kept,
        };
        _cleanup_free_ char *text = ak_metrics_format(&v);

        if (!text)
                return EXIT_UNREACHABLE;
        fputs(text, stdout);
        return EXIT_OK;
}

static void status_json(sd_bus *bus, const props *p) {
        json_writer j;

        /* null: shown to root only */
        jw_init(&j, stdout);
        jw_object_begin(&j);
        jw_kv_string(&j, "state", p->state);
        jw_kv_string(&j, "mode", p->mode);
        jw_kv_bool(&j, "in_sync", p->in_sync);
        jw_kv_uint(&j, "enabled", p->enabled);
        jw_kv_uint(&j, "failure", p->failure);
        jw_kv_uint(&j, "backlog_limit", p->backlog_limit);
        jw_kv_uint(&j, "backlog", p->backlog);
        jw_kv_uint(&j, "lost", p->lost);
        jw_kv_uint(&j, "rate_limit", p->rate_limit);
        jw_kv_uint(&j, "backlog_wait_time", p->backlog_wait_time);
        jw_kv_uint(&j, "audit_pid", p->audit_pid);
        jw_kv_bool(&j, "locked", p->locked);
        jw_kv_uint(&j, "desired_rules", p->desired);
        jw_kv_uint(&j, "loaded_rules", p->loaded);
        jw_kv_uint(&j, "pending_rules", p->pending);
        jw_kv_uint(&j, "foreign_rules", p->foreign);
        jw_kv_uint(&j, "foreign_allowed_rules", p->foreign_allowed);
        jw_kv_uint(&j, "foreign_allowed_shadows", p->foreign_shadows);
        jw_kv_uint(&j, "parse_errors", p->errors);
        jw_kv_uint(&j, "drift_events", p->drift_events);
        jw_kv_uint(&j, "repairs", p->repairs);
        jw_kv_uint(&j, "last_drift_usec", p->last_drift);
        jw_kv_uint(&j, "last_sync_usec", p->last_sync);
        jw_kv_bool(&j, "root_details", p->root_details);
        jw_key(&j, "last_drift_by");
        if (p->root_details)
                jw_string(&j, p->last_drift_by);
        else
                jw_null(&j);
        jw_kv_string(&j, "status_text", p->status_text);
        jw_kv_string(&j, "foreign_kept", p->foreign_kept);
        if (p->compat_level) {
                jw_kv_uint(&j, "compat_level", p->compat_level);
                jw_kv_string(&j, "compat", p->compat);
        }
        jw_key(&j, "sources");
        jw_array_begin(&j);
        for (size_t i = 0; i < p->n_sources; i++)
                jw_string(&j, p->sources[i]);
        jw_array_end(&j);
        status_auditd_conf(bus, p, &j);
        jw_object_end(&j);
        jw_end(&j);
}

/* Rules the daemon keeps although --foreign=remove: why (the status line says it in words, with
 * the file for rules loaded elsewhere), and what to do. */
static void status_foreign_kept(const props *p) {
        const char *why = strstr(p->status_text, "foreign rules kept: ");
        const char *what = streq(p->foreign_kept, FOREIGN_KEPT_ERRORS) ? "fix the errors (auditkeepctl check) and reload" :
                           streq(p->foreign_kept, FOREIGN_KEPT_EMPTY) ? "declare rules, or run auditkeepd with --allow-empty" :
                           streq(p->foreign_kept, FOREIGN_KEPT_ELSEWHERE) ? "point auditkeepd at that file with --rules (see its journal)" :
                           NULL;

        if (!p->foreign_kept[0])
                return;
        printf("   foreign: %u kept, none removed because %s%s%s\n", p->foreign,
               why ? why + strlen("foreign rules kept: ") : p->foreign_kept, what ? "; " : "", what ? what : "");
}

/* The errors of the rules in force (ListErrors, root only): an untrusted file is one of them, and
 * the reason why the daemon loads less than augenrules would is worth seeing where the count is. */
static void status_errors(sd_bus *bus, const props *p) {
        sd_bus_error err = SD_BUS_ERROR_NULL;
        sd_bus_message *reply = NULL;
        const char *file, *text;
        uint32_t line, column;
        int r;

        if (p->errors == 0)
                return;
        r = sd_bus_call_method(bus, BUS_NAME, BUS_PATH, BUS_IFACE, "ListErrors", &err, &reply, "");
        if (r < 0) {
                if (err.name && streq(err.name, "org.freedesktop.DBus.Error.AccessDenied"))
                        printf("  (the errors are shown to root only; or see journalctl -u auditkeepd)\n");
                else
                        printf("  (the errors cannot be read: %s)\n", err.name ? err.name : strerror(-r));
                sd_bus_error_free(&err);
                return;
        }
        r = sd_bus_message_enter_container(reply, 'a', "(suus)");
        while (r >= 0 && (r = sd_bus_message_read(reply, "(suus)", &file, &line, &column, &text)) > 0) {
                if (line)
                        printf("  %s:%" PRIu32 ":%" PRIu32 ": %s\n", file, line, column, text);
                else
                        printf("  %s: %s\n", file, text);
        }
        sd_bus_message_unref(reply);
}

static void status_text(sd_bus *bus, const props *p) {
        const char *term = getenv("TERM");
        /* colour only on a terminal that has it, and not when NO_COLOR asks for none */
        int tty = isatty(STDOUT_FILENO) && !getenv("NO_COLOR") && !(term && streq(term, "dumb"));
        const char *color = "", *reset = "";
        char w1[96], w2[96];

        if (tty) {
                reset = "\033[0m";
                color = streq(p->state, "in-sync") ? "\033[32m" :
                        (streq(p->state, "degraded") || streq(p->state, "flapping") || streq(p->state, "locked")) ? "\033[31m" : "\033[33m";
        }
        printf("auditkeepd: %s%s%s, mode %s\n", color, p->state, reset, p->mode);
        printf("     rules: %u desired, %u loaded, %u pending, %u foreign, %u parse errors\n",
               p->desired, p->loaded, p->pending, p->foreign, p->errors);
        status_foreign_kept(p);
        status_allowed_foreign(bus, p->foreign_allowed, p->foreign_shadows);
        status_errors(bus, p);
        if (p->compat_level)
                printf("    compat: level %s\n", p->compat);
        printf("    kernel: enabled %u%s, failure %u, backlog %u/%u, lost %u, rate limit %u, backlog wait %u\n",
               p->enabled, p->locked ? " (locked until reboot)" : "", p->failure, p->backlog, p->backlog_limit, p->lost,
               p->rate_limit, p->backlog_wait_time);
        printf("     drift: %" PRIu64 " events, %" PRIu64 " repairs; last %s%s%s\n", p->drift_events, p->repairs,
               format_when(p->last_drift, w1, sizeof(w1)),
               p->last_drift_by[0] ? " by " : p->last_drift && !p->root_details ? ", changer shown to root only" : "",
               p->last_drift_by);
        printf(" last sync: %s\n", format_when(p->last_sync, w2, sizeof(w2)));
        printf("   sources:");
        for (size_t i = 0; i < p->n_sources; i++)
                printf(" %s", p->sources[i]);
        printf("\n");
        status_auditd_conf(bus, p, NULL);
}

/* What the state says, as an exit status for scripts and monitoring checks (as systemctl
 * is-active does): 0 in sync, 1 degraded, 3 not in sync. */
static int status_exit(const props *p) {
        if (p->in_sync)
                return EXIT_OK;
        if (streq(p->state, "degraded"))
                return EXIT_PROBLEMS;
        return EXIT_NOT_IN_SYNC;
}

int verb_status(int argc, char **argv, sd_bus *bus) {
        sd_bus_error err = SD_BUS_ERROR_NULL;
        props p = {};
        int r;

        r = read_props(bus, &p, &err);
        if (r >= 0 && !arg_prometheus && may_ask_details())
                p.root_details = read_last_drift(bus, &p);
        if (r < 0) {
                r = bus_failed("status", &err, r);
                sd_bus_error_free(&err);
        } else if (arg_prometheus)
                r = status_prometheus(&p);
        else {
                if (arg_json)
                        status_json(bus, &p);
                else
                        status_text(bus, &p);
                r = status_exit(&p);
        }
        props_done(&p);
        return r;
}
