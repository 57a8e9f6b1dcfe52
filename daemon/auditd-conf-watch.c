/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* auditd.conf, watched: the library's checker (lib/auditd-conf.c) run at start, at reload and
 * after each change of the file, found through inotify on its directory (so that editors that
 * write a new file and rename it over the old one are seen too). No polling: the free space the
 * thresholds are compared with is measured at those moments only. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <systemd/sd-event.h>

#include "auditkeep/ak-auditd-conf.h"
#include "auditd-conf-watch.h"
#include "journal-ids.h"
#include "log.h"
#include "manager.h"
#include "util.h"

#define SETTLE_USEC (200u * 1000u)      /* one check for a burst of events (write, chmod, rename) */

struct AuditdConfWatch {
        char *path;
        char *dir;
        const char *name;               /* inside path */
        sd_event_source *inotify;
        sd_event_source *settle;
        ak_auditd_conf *conf;           /* the last check; NULL when the file is absent */
        char *signature;                /* what was last logged */
};

static char *signature_of(const ak_auditd_conf *c) {
        strbuf b = {};

        if (!c)
                return strdup("absent");
        strbuf_puts(&b, "present\n");
        for (size_t i = 0; i < c->n_diags; i++) {
                _cleanup_free_ char *s = ak_diag_format(&c->diags[i]);
                strbuf_puts(&b, s ? s : "?");
                strbuf_puts(&b, "\n");
        }
        return strbuf_steal(&b);
}

static void check_now(Manager *m, const char *why) {
        AuditdConfWatch *w = m->auditd_conf;
        ak_auditd_conf *c = NULL;
        _cleanup_free_ char *sig = NULL;
        struct stat st;
        int r;

        if (!w)
                return;
        if (lstat(w->path, &st) < 0 && errno == ENOENT)
                c = NULL;
        else {
                r = ak_auditd_conf_check_file(w->path, /* ops= */ NULL, &c);
                if (r < 0) {
                        log_warning_errno(r, "Cannot check '%s': %m", w->path);
                        return;
                }
        }
        ak_auditd_conf_free(w->conf);
        w->conf = c;
        sig = signature_of(c);
        if (!sig || (w->signature && streq(sig, w->signature)))
                return;         /* reported already: once per change */
        free(w->signature);
        w->signature = TAKE_PTR(sig);

        const char *fields[] = { NULL, NULL };
        _cleanup_free_ char *f = strdup_printf("AUDITKEEP_AUDITD_CONF=%s", w->path);
        fields[0] = f;
        if (!c) {
                log_fields(LOG_INFO, 0, AK_MID_AUDITD_CONF, fields, "auditd.conf '%s' is absent (%s); nothing to check",
                           w->path, why);
                manager_bus_changed(m);    /* AuditdConfProblems, the count */
                return;
        }
        for (size_t i = 0; i < c->n_diags; i++) {
                _cleanup_free_ char *s = ak_diag_format(&c->diags[i]);
                log_fields(c->diags[i].warning ? LOG_WARNING : LOG_ERR, 0, AK_MID_AUDITD_CONF, fields, "%s",
                           s ? s : "(out of memory)");
        }
        if (c->n_diags == 0)
                log_fields(LOG_INFO, 0, AK_MID_AUDITD_CONF, fields, "auditd.conf '%s' (%s): %zu settings, no problems",
                           w->path, why, c->n_lines);
        else
                log_fields(c->n_errors ? LOG_ERR : LOG_WARNING, 0, AK_MID_AUDITD_CONF, fields,
                           "auditd.conf '%s' (%s): %zu errors (auditd would refuse it), %zu warnings "
                           "(the audit trail is not safe); auditkeepd never edits it",
                           w->path, why, c->n_errors, c->n_diags - c->n_errors);
        manager_bus_changed(m);    /* AuditdConfProblems, the count */
}

static int on_settle(sd_event_source *s, uint64_t usec, void *userdata) {
        check_now(userdata, "changed");
        return 0;
}

static int on_inotify(sd_event_source *s, const struct inotify_event *ev, void *userdata) {
        Manager *m = userdata;
        AuditdConfWatch *w = m->auditd_conf;

        if (!(ev->mask & IN_Q_OVERFLOW) && (ev->len == 0 || !streq(ev->name, w->name)))
                return 0;
        /* coalesce: an editor's save is several events */
        if (sd_event_source_set_time_relative(w->settle, SETTLE_USEC) >= 0)
                (void) sd_event_source_set_enabled(w->settle, SD_EVENT_ONESHOT);
        else
                check_now(m, "changed");
        return 0;
}

int auditd_conf_watch_start(Manager *m) {
        AuditdConfWatch *w;
        const char *slash;
        int r;

        if (m->auditd_conf_path && streq(m->auditd_conf_path, "none"))
                return 0;
        w = calloc(1, sizeof(*w));
        if (!w)
                return log_error_errno(-ENOMEM, "Cannot watch auditd.conf: %m");
        m->auditd_conf = w;
        w->path = strdup(m->auditd_conf_path ? m->auditd_conf_path : DEFAULT_AUDITD_CONF);
        if (!w->path)
                return log_error_errno(-ENOMEM, "Cannot watch auditd.conf: %m");
        slash = strrchr(w->path, '/');
        w->dir = slash == w->path ? strdup("/") : slash ? strndup(w->path, (size_t) (slash - w->path)) : strdup(".");
        w->name = slash ? slash + 1 : w->path;
        if (!w->dir)
                return log_error_errno(-ENOMEM, "Cannot watch auditd.conf: %m");

        r = sd_event_add_time_relative(m->event, &w->settle, CLOCK_MONOTONIC, SETTLE_USEC, 1000, on_settle, m);
        if (r >= 0)
                (void) sd_event_source_set_enabled(w->settle, SD_EVENT_OFF);
        r = sd_event_add_inotify(m->event, &w->inotify, w->dir,
                                 IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE | IN_ATTRIB | IN_ONLYDIR,
                                 on_inotify, m);
        if (r < 0)
                log_fields(r == -ENOENT ? LOG_INFO : LOG_WARNING, r, AK_MID_AUDITD_CONF, NULL,
                           "Not watching '%s' for changes (%m): checked at start and reload only", w->dir);
        check_now(m, "start");
        return 0;
}

void auditd_conf_watch_check(Manager *m) {
        check_now(m, "reload");
}

void auditd_conf_watch_free(Manager *m) {
        AuditdConfWatch *w = m->auditd_conf;

        if (!w)
                return;
        sd_event_source_disable_unref(w->inotify);
        sd_event_source_disable_unref(w->settle);
        ak_auditd_conf_free(w->conf);
        free(w->signature);
        free(w->dir);
        free(w->path);
        free(w);
        m->auditd_conf = NULL;
}

const char *auditd_conf_path(const Manager *m) {
        return m->auditd_conf ? m->auditd_conf->path : "";
}

/* The problems of the last check, errors and warnings (none when the file is absent or was not
 * checked). Everyone may read how many there are (AuditdConfProblems); the problems themselves
 * are root's (ListAuditdConfProblems): auditd.conf is 0640, and a warning such as
 * "disk_full_action is 'ignore'" tells how to stop the audit trail. */
size_t auditd_conf_problems(const Manager *m, const ak_diag **ret) {
        const ak_auditd_conf *c = m->auditd_conf ? m->auditd_conf->conf : NULL;

        if (ret)
                *ret = c ? c->diags : NULL;
        return c ? c->n_diags : 0;
}
