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
/* Add each key of a rule (several are joined by \x01) not seen yet. Returns -ENOMEM or 0. */
static int add_keys(strbuf *k, char **seen, size_t *n_seen, size_t max_seen, char *keys) {
        for (char *key = keys, *next; key && *n_seen < max_seen; key = next) {
                int dup = 0;

                next = strchr(key, '\x01');
                if (next)
                        *next++ = '\0';
                /* whole keys: "perm" is not "perm_mod" */
                for (size_t j = 0; j < *n_seen && !dup; j++)
                        dup = streq(seen[j], key);
                if (!*key || dup)
                        continue;
                seen[*n_seen] = strdup(key);
                if (!seen[*n_seen])
                        return -ENOMEM;
                (*n_seen)++;
                strbuf_printf(k, "%s%s", k->len ? "," : "", key);
        }
        return 0;
}

static void keys_of(strbuf *b, const ak_op *ops, size_t n) {
        strbuf k = {};
        _cleanup_free_ char *s = NULL;
        char *seen[64] = {};
        size_t n_seen = 0;

        for (size_t i = 0; i < n && k.len < 200 && n_seen < ELEMENTSOF(seen); i++) {
                char key[AUDIT_MAX_KEY_LEN + 1];

                if (ops[i].type != AK_OP_ADD_RULE && ops[i].type != AK_OP_DEL_RULE)
                        continue;
                ak_rule_key(ops[i].rule, key, sizeof(key));
                if (add_keys(&k, seen, &n_seen, ELEMENTSOF(seen), key) < 0)
                        break;
        }
        for (size_t j = 0; j < n_seen; j++)
                free(seen[j]);
        strbuf_puts(&k, "");
        s = strbuf_steal(&k);
        if (s && *s)
                field(b, "keys", s);
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

void trail_drift(Manager *m, const ak_plan *p, size_t n_ops, const char *by) {
        size_t missing = 0, extra = 0;
        strbuf b = {}, settings = {};
        _cleanup_free_ char *s = NULL;

        if (m->trail_fd < 0)
                return;
        for (size_t i = 0; i < n_ops; i++)
                switch (p->ops[i].type) {
                case AK_OP_ADD_RULE: missing++; break;
                case AK_OP_DEL_RULE: extra++; break;
                case AK_OP_SET:
                        strbuf_printf(&settings, "%s%s", settings.len ? "," : "", ak_status_name(p->ops[i].mask));
                        break;
                case AK_OP_SET_FEATURE:
                        strbuf_printf(&settings, "%sloginuid_immutable", settings.len ? "," : "");
                        break;
                default:
                        break;
                }
        strbuf_printf(&b, " op=drift-found missing=%zu extra=%zu", missing, extra);
        strbuf_puts(&settings, "");
        s = strbuf_steal(&settings);
        if (s && *s)
                field(&b, "settings", s);
        keys_of(&b, p->ops, n_ops);
        field(&b, "by", by);
        /* not "mode=": ausearch -i reads a field of that name as a file mode */
        strbuf_printf(&b, " autorepair=%s", m->mode == MODE_MONITOR ? "no" : "yes");
        send_record(m, &b, "success");
}

void trail_sync(Manager *m, const ak_sync_report *rep, const char *op) {
        strbuf b = {};

        if (m->trail_fd < 0 || (rep->added + rep->removed + rep->set + rep->n_pending + rep->n_failed == 0 &&
                                !m->call_chain))
                return;         /* nothing done, and nobody asked */
        strbuf_printf(&b, " op=%s added=%zu removed=%zu changed=%zu pending=%zu refused=%zu", op, rep->added,
                      rep->removed, rep->set, rep->n_pending, rep->n_failed);
        keys_of(&b, rep->plan->ops, rep->plan->n_ops);
        if (m->call_chain && m->call_uid != AK_ID_UNSET)
                strbuf_printf(&b, " requested_by_uid=%u", (unsigned) m->call_uid);
        if (m->call_chain && m->call_loginuid != AK_ID_UNSET)
                strbuf_printf(&b, " requested_by_auid=%u", (unsigned) m->call_loginuid);
        send_record(m, &b, rep->n_failed || rep->n_pending ? "failed" : "success");
}
