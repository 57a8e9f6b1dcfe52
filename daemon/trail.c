/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* USYS_CONFIG records of what auditkeepd finds and does (see trail.h). A record looks like
 *   op=drift-found missing=3 extra=0 settings="backlog_limit" keys="identity,logins"
 *      by=<hex of "pid=4242 comm=auditctl ..."> exe="/usr/sbin/auditkeepd" res=success
 * inside the kernel's msg='...', after the kernel's own pid= uid= auid= ses= of the daemon. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "constants.h"
#include "log.h"
#include "manager.h"
#include "trail.h"
#include "util.h"

int trail_start(Manager *m) {
        int r;

        m->trail_fd = -1;
        if (!m->audit_trail || m->control_fd >= 0)      /* off, or a test's fake kernel */
                return 0;
        r = ak_trail_open(&m->trail_fd);
        if (r < 0)
                log_warning_errno(r, "Cannot send records to the audit trail: %m; drift and repairs are logged to the journal only");
        return r;
}

void trail_stop(Manager *m) {
        if (m->trail_fd >= 0)
                close(m->trail_fd);
        m->trail_fd = -1;
}

static void field(strbuf *b, const char *key, const char *value) {
        _cleanup_free_ char *v = ak_trail_value(value);
        strbuf_printf(b, " %s=%s", key, v ? v : "?");
}

/* The keys of the rules the ops touch, comma-separated, each once (at most about 200 bytes). */
static void keys_of(strbuf *b, const ak_op *ops, size_t n) {
        KeyList k = {};

        for (size_t i = 0; i < n; i++)
                if (ops[i].type == AK_OP_ADD_RULE || ops[i].type == AK_OP_DEL_RULE)
                        keylist_add_rule(&k, ops[i].rule);
        if (k.len)
                field(b, "keys", k.text);
}

static void send_record(Manager *m, strbuf *b, const char *res) {
        _cleanup_free_ char *text = NULL;
        int r;

        field(b, "exe", m->exe_path[0] ? m->exe_path : "auditkeepd");
        strbuf_printf(b, " res=%s", res);
        text = strbuf_steal(b);
        if (!text || m->trail_fd < 0)
                return;
        r = ak_trail_send(m->trail_fd, AK_AUDIT_USYS_CONFIG, text + 1);
        if (r < 0 && !m->trail_warned) {
                log_warning_errno(r, "Cannot send a record to the audit trail: %m (CAP_AUDIT_WRITE?)");
                m->trail_warned = 1;
        }
}

void trail_drift(Manager *m, const Incident *inc, const char *by) {
        strbuf b = {};
        char settings[160];

        if (m->trail_fd < 0)
                return;
        /* missing/extra count every rule put back or taken out, a moved one in both */
        strbuf_printf(&b, " op=drift-found missing=%zu extra=%zu", inc->n_missing, inc->n_extra);
        incident_settings(inc, settings, sizeof(settings));
        if (settings[0])
                field(&b, "settings", settings);
        if (inc->keys.len)
                field(&b, "keys", inc->keys.text);
        field(&b, "by", by);
        /* not "mode=": ausearch -i reads a field of that name as a file mode */
        strbuf_printf(&b, " autorepair=%s", m->mode == MODE_MONITOR ? "no" : "yes");
        send_record(m, &b, "success");
        if (inc->repairs == 0)
                return;
        strbuf_printf(&b, " op=drift-repaired added=%zu removed=%zu changed=%zu pending=%zu refused=%zu passes=%u",
                      inc->added, inc->removed, inc->set, inc->pending, inc->refused, inc->repairs);
        if (inc->keys.len)
                field(&b, "keys", inc->keys.text);
        send_record(m, &b, inc->refused || inc->pending ? "failed" : "success");
}

void trail_sync(Manager *m, const ak_sync_report *rep, const char *op) {
        strbuf b = {};

        if (m->trail_fd < 0 || (rep->added + rep->removed + rep->set + rep->n_pending + rep->n_failed == 0 &&
                                !m->check.answers_call))
                return;         /* nothing done, and nobody asked */
        strbuf_printf(&b, " op=%s added=%zu removed=%zu changed=%zu pending=%zu refused=%zu", op, rep->added,
                      rep->removed, rep->set, rep->n_pending, rep->n_failed);
        keys_of(&b, rep->plan->ops, rep->plan->n_ops);
        if (m->check.answers_call && m->call.uid != AK_ID_UNSET)
                strbuf_printf(&b, " requested_by_uid=%u", (unsigned) m->call.uid);
        if (m->check.answers_call && m->call.loginuid != AK_ID_UNSET)
                strbuf_printf(&b, " requested_by_auid=%u", (unsigned) m->call.loginuid);
        send_record(m, &b, rep->n_failed || rep->n_pending ? "failed" : "success");
}
