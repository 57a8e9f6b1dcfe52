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

#include "auditkeep/ak-facts.h"
#include "auditkeep/ak-metrics.h"
#include "constants.h"
#include "ctl.h"
#include "json.h"
#include "macro.h"

/* A string fact, "" when the daemon did not send it. */
#define TEXT(p, field) ((p)->f.field ? (p)->f.field : "")

typedef struct props {
        ak_facts f;             /* the properties (GetAll) */
        /* root only */
        int root_details;       /* asked for (as root) and answered */
        char last_drift_by[512];
} props;

/* One property of GetAll's reply, into its fact; skipped when it is none (a newer daemon's) or
 * has another type. */
static int read_prop(sd_bus_message *reply, props *p) {
        const ak_fact *d;
        const char *name, *sig, *v;
        char type, **strv = NULL;
        uint64_t t = 0;
        uint32_t u = 0;
        int r, b = 0;

        r = sd_bus_message_read(reply, "s", &name);
        if (r >= 0)
                r = sd_bus_message_peek_type(reply, &type, &sig);
        if (r < 0)
                return r;
        d = ak_fact_by_bus_name(name);
        if (!d || !streq(sig, d->signature))
                return sd_bus_message_skip(reply, "v");
        r = sd_bus_message_enter_container(reply, 'v', sig);
        if (r < 0)
                return r;
        switch (d->kind) {
        case AK_FACT_U32:
                r = sd_bus_message_read(reply, "u", &u);
                ak_fact_set_number(&p->f, d, u);
                break;
        case AK_FACT_U64:
                r = sd_bus_message_read(reply, "t", &t);
                ak_fact_set_number(&p->f, d, t);
                break;
        case AK_FACT_BOOL:
                r = sd_bus_message_read(reply, "b", &b);
                ak_fact_set_number(&p->f, d, b);
                break;
        case AK_FACT_STR:
                r = sd_bus_message_read(reply, "s", &v);
                if (r >= 0) {
                        char *c = strdup(v);
                        r = c ? 0 : -ENOMEM;
                        ak_fact_set_string(&p->f, d, c);
                }
                break;
        case AK_FACT_STRV:
                r = sd_bus_message_read_strv(reply, &strv);
                ak_fact_set_strv(&p->f, d, strv);
                break;
        }
        if (r >= 0)
                r = sd_bus_message_exit_container(reply);
        return r;
}

static int read_props(sd_bus *bus, props *p, sd_bus_error *err) {
        _cleanup_(ctl_sdbus_message_unrefp) sd_bus_message *reply = NULL;
        int r;

        r = sd_bus_call_method(bus, BUS_NAME, BUS_PATH, "org.freedesktop.DBus.Properties", "GetAll", err, &reply, "s", BUS_IFACE);
        if (r < 0)
                return r;
        r = sd_bus_message_enter_container(reply, 'a', "{sv}");
        while (r >= 0 && (r = sd_bus_message_enter_container(reply, 'e', "sv")) > 0) {
                r = read_prop(reply, p);
                if (r >= 0)
                        r = sd_bus_message_exit_container(reply);
        }
        return r < 0 ? r : 0;
}

static void props_done(props *p) {
        ak_facts_done(&p->f);
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
        const char *file, *text;
        uint32_t line, column;
        size_t n = 0;
        int r = -EACCES, listed;

        if (!TEXT(p, auditd_conf)[0])
                return;         /* not checked, or a daemon without it */
        if (p->root_details) {
                r = sd_bus_call_method(bus, BUS_NAME, BUS_PATH, BUS_IFACE, "ListAuditdConfProblems", &err, &reply, "");
                sd_bus_error_free(&err);
                if (r >= 0)
                        r = sd_bus_message_enter_container(reply, 'a', "(suus)");
        }
        listed = r >= 0;
        if (j) {
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
        } else if (n == 0 && (listed || p->f.auditd_conf_problems == 0))
                printf("auditd.conf: no problems\n");
        else if (n == 0)
                printf("auditd.conf: %" PRIu32 " problems found, shown to root only (auditkeepd never edits the file)\n",
                       p->f.auditd_conf_problems);
}

/* the same text the daemon's --metrics file holds, from the same function and the same facts */
static int status_prometheus(const props *p) {
        _cleanup_free_ char *text = ak_metrics_format(&p->f);

        if (!text)
                return EXIT_UNREACHABLE;
        fputs(text, stdout);
        return EXIT_OK;
}

/* One fact as JSON, by its row of the facts' list. */
static void json_fact(json_writer *j, const props *p, const ak_fact *d) {
        char *const *v;

        switch (d->kind) {
        case AK_FACT_BOOL:
                jw_bool(j, !!ak_fact_number(&p->f, d));
                break;
        case AK_FACT_STR:
                jw_string(j, ak_fact_string(&p->f, d));
                break;
        case AK_FACT_STRV:
                v = ak_fact_strv(&p->f, d);
                jw_array_begin(j);
                for (size_t i = 0; v && v[i]; i++)
                        jw_string(j, v[i]);
                jw_array_end(j);
                break;
        default:
                jw_uint(j, ak_fact_number(&p->f, d));
                break;
        }
}

static void status_json(sd_bus *bus, const props *p) {
        json_writer j;

        jw_init(&j, stdout);
        jw_object_begin(&j);
        for (size_t i = 0; i < ak_facts_count; i++) {
                const ak_fact *d = &ak_facts_table[i];

                if ((d->flags & AK_FACT_JSON_IF_SET) && !ak_fact_is_set(&p->f, d))
                        continue;
                jw_key(&j, d->json);
                json_fact(&j, p, d);
        }
        /* null: shown to root only */
        jw_kv_bool(&j, "root_details", p->root_details);
        jw_key(&j, "last_drift_by");
        if (p->root_details)
                jw_string(&j, p->last_drift_by);
        else
                jw_null(&j);
        status_auditd_conf(bus, p, &j);
        jw_object_end(&j);
        jw_end(&j);
}

/* Rules the daemon keeps although --foreign=remove: why (the status line says it in words, with
 * the file for rules loaded elsewhere), and what to do. */
static void status_foreign_kept(const props *p) {
        const char *why = strstr(TEXT(p, status_text), "foreign rules kept: ");
        const char *what = streq(TEXT(p, foreign_kept), FOREIGN_KEPT_ERRORS) ? "fix the errors (auditkeepctl check) and reload" :
                           streq(TEXT(p, foreign_kept), FOREIGN_KEPT_EMPTY) ? "declare rules, or run auditkeepd with --allow-empty" :
                           streq(TEXT(p, foreign_kept), FOREIGN_KEPT_ELSEWHERE) ? "point auditkeepd at that file with --rules (see its journal)" :
                           NULL;

        if (!TEXT(p, foreign_kept)[0])
                return;
        printf("   foreign: %" PRIu32 " kept, none removed because %s%s%s\n", p->f.rules_foreign,
               why ? why + strlen("foreign rules kept: ") : TEXT(p, foreign_kept), what ? "; " : "", what ? what : "");
}

/* The errors of the rules in force (ListErrors, root only): an untrusted file is one of them, and
 * the reason why the daemon loads less than augenrules would is worth seeing where the count is. */
static void status_errors(sd_bus *bus, const props *p) {
        sd_bus_error err = SD_BUS_ERROR_NULL;
        sd_bus_message *reply = NULL;
        const char *file, *text;
        uint32_t line, column;
        int r;

        if (p->f.parse_errors == 0)
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
        const char *state = TEXT(p, state);
        const ak_facts *f = &p->f;
        char w1[96], w2[96];

        if (tty) {
                reset = "\033[0m";
                color = streq(state, "in-sync") ? "\033[32m" :
                        (streq(state, "degraded") || streq(state, "flapping") || streq(state, "locked")) ? "\033[31m" : "\033[33m";
        }
        printf("auditkeepd: %s%s%s, mode %s\n", color, state, reset, TEXT(p, mode));
        printf("     rules: %u desired, %u loaded, %u pending, %u foreign, %u parse errors\n",
               f->rules_desired, f->rules_loaded, f->rules_pending, f->rules_foreign, f->parse_errors);
        status_foreign_kept(p);
        status_errors(bus, p);
        if (f->compat_level)
                printf("    compat: level %s\n", TEXT(p, compat));
        printf("    kernel: enabled %u%s, failure %u, backlog %u/%u, lost %u, rate limit %u, backlog wait %u\n",
               f->enabled, f->locked ? " (locked until reboot)" : "", f->failure, f->backlog, f->backlog_limit, f->lost,
               f->rate_limit, f->backlog_wait_time);
        printf("   backlog: peak %u of %u, %" PRIu64 " records lost; audited processes waited %.3f s "
               "for the audit backlog (since auditkeepd started)\n",
               f->backlog_peak, f->backlog_limit, f->lost_records, (double) f->backlog_wait_usec / 1e6);
        printf("     drift: %" PRIu64 " events, %" PRIu64 " repairs; last %s%s%s\n", f->drift_events, f->repairs,
               format_when(f->last_drift_usec, w1, sizeof(w1)),
               p->last_drift_by[0] ? " by " : f->last_drift_usec && !p->root_details ? ", changer shown to root only" : "",
               p->last_drift_by);
        printf(" last sync: %s\n", format_when(f->last_sync_usec, w2, sizeof(w2)));
        printf("   sources:");
        for (size_t i = 0; f->sources && f->sources[i]; i++)
                printf(" %s", f->sources[i]);
        printf("\n");
        status_auditd_conf(bus, p, NULL);
}

/* What the state says, as an exit status for scripts and monitoring checks (as systemctl
 * is-active does): 0 in sync, 1 degraded, 3 not in sync. */
static int status_exit(const props *p) {
        if (p->f.in_sync)
                return EXIT_OK;
        if (streq(TEXT(p, state), "degraded"))
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
