/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Who changed the audit configuration (see attribution.h). */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attribution.h"
#include "constants.h"
#include "util.h"

void attribution_init(Attribution *a, pid_t self_pid, const char *self_auid, const char *self_ses) {
        *a = (Attribution) { .self_pid = self_pid };
        snprintf(a->self_auid, sizeof(a->self_auid), "%s", self_auid ? self_auid : "");
        snprintf(a->self_ses, sizeof(a->self_ses), "%s", self_ses ? self_ses : "");
}

void attribution_done(Attribution *a) {
        free(a->expect);
        a->expect = NULL;
        a->n_expect = a->expect_allocated = a->expect_first = 0;
        free(a->prov);
        a->prov = NULL;
        a->n_prov = a->prov_allocated = 0;
}

int attribution_expect(Attribution *a, const ak_op *ops, size_t n_ops, uint64_t now) {
        size_t k = 0;

        /* drop what is used or expired first, keeping the order */
        for (size_t i = a->expect_first; i < a->n_expect; i++)
                if (!a->expect[i].used && a->expect[i].until > now)
                        a->expect[k++] = a->expect[i];
        a->n_expect = k;
        a->expect_first = 0;
        if (GROW(a->expect, a->expect_allocated, a->n_expect + n_ops) < 0)
                return -ENOMEM;
        for (size_t i = 0; i < n_ops; i++) {
                const ak_op *op = &ops[i];
                AttrExpect e = { .type = AUDIT_CONFIG_CHANGE, .until = now + ATTR_EXPECT_USEC };
                const char *field;

                switch (op->type) {
                case AK_OP_ADD_RULE:
                case AK_OP_DEL_RULE:
                        snprintf(e.op, sizeof(e.op), "%s", op->type == AK_OP_ADD_RULE ? "add_rule" : "remove_rule");
                        (void) ak_rule_key(op->rule, e.what, sizeof(e.what));
                        e.value = ak_rule_list(op->rule);
                        break;
                case AK_OP_SET:
                case AK_OP_RESET_LOST:
                        field = ak_status_record_name(op->type == AK_OP_RESET_LOST ? AUDIT_STATUS_LOST : op->mask);
                        if (!field)
                                continue;
                        snprintf(e.op, sizeof(e.op), "set");
                        snprintf(e.what, sizeof(e.what), "%s", field);
                        e.value = op->type == AK_OP_RESET_LOST ? 0 : op->value;
                        break;
                default:
                        continue;       /* FEATURE_CHANGE names our pid */
                }
                a->expect[a->n_expect++] = e;
        }
        return 0;
}

static int field(const ak_record *rec, const char *name, char *buf, size_t size) {
        if (ak_record_field(rec, name, buf, size) < 0) {
                buf[0] = '\0';
                return 0;
        }
        return 1;
}

/* The first provisional match with this serial or a later one. */
static size_t provisional_lower(const Attribution *a, uint64_t serial) {
        size_t lo = 0, hi = a->n_prov;

        while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;
                if (a->prov[mid].serial < serial)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        return lo;
}

/* The oldest stamps are first: drop those whose SYSCALL record would have come by now. */
static void provisional_prune(Attribution *a, uint64_t now) {
        size_t k = 0;

        while (k < a->n_prov && a->prov[k].until <= now)
                k++;
        if (k > 0) {
                memmove(a->prov, a->prov + k, (a->n_prov - k) * sizeof(AttrProvisional));
                a->n_prov -= k;
        }
        if (a->n_prov == 0 && a->prov_allocated > 256) {
                /* after a large sync: give the memory back */
                free(a->prov);
                a->prov = NULL;
                a->prov_allocated = 0;
        }
}

static void provisional_add(Attribution *a, uint64_t serial, const AttrExpect *e, uint64_t now) {
        size_t i;

        provisional_prune(a, now);
        if (GROW(a->prov, a->prov_allocated, a->n_prov + 1) < 0)
                return;         /* no memory: the match stays final */
        /* records come in serial order, so this is the end but for a reordered few */
        for (i = a->n_prov; i > 0 && a->prov[i - 1].serial > serial; i--)
                ;
        memmove(a->prov + i + 1, a->prov + i, (a->n_prov - i) * sizeof(AttrProvisional));
        a->prov[i] = (AttrProvisional) { .serial = serial, .until = now + ATTR_PROVISIONAL_USEC, .expect = *e };
        a->n_prov++;
}

/* The stamp's SYSCALL record named us (0 returned), or another process: then every match of the
 * stamp gives its expectation back (our own record may still come) and 1 is returned. */
static int provisional_settle(Attribution *a, uint64_t serial, int ours) {
        size_t lo = provisional_lower(a, serial), hi = lo;
        int revoked = 0;

        while (hi < a->n_prov && a->prov[hi].serial == serial)
                hi++;
        for (size_t i = lo; i < hi && !ours; i++) {
                a->own_records--;
                revoked = 1;
                if (GROW(a->expect, a->expect_allocated, a->n_expect + 1) >= 0) {
                        a->expect[a->n_expect] = a->prov[i].expect;
                        a->expect[a->n_expect++].used = 0;
                }
        }
        if (hi > lo) {
                memmove(a->prov + lo, a->prov + hi, (a->n_prov - hi) * sizeof(AttrProvisional));
                a->n_prov -= hi - lo;
        }
        return revoked;
}

/* Is this CONFIG_CHANGE one we announced? Then it is used up. Records come in the order the
 * operations were sent, so the search starts at the first one not used. */
static int expected(Attribution *a, const ak_record *rec, uint64_t now) {
        char op[32], auid[16], ses[16], buf[320];

        field(rec, "op", op, sizeof(op));
        field(rec, "auid", auid, sizeof(auid));
        field(rec, "ses", ses, sizeof(ses));
        if (!op[0] || !streq(auid, a->self_auid) || !streq(ses, a->self_ses))
                return 0;
        for (size_t i = a->expect_first; i < a->n_expect; i++) {
                AttrExpect *e = &a->expect[i];
                uint32_t v;

                if (e->used || e->until <= now || e->type != rec->type || !streq(e->op, op))
                        continue;
                if (streq(op, "set")) {
                        if (!field(rec, e->what, buf, sizeof(buf)) || safe_atou32_base0(buf, &v) < 0 || v != e->value)
                                continue;
                } else {
                        field(rec, "key", buf, sizeof(buf));
                        if (streq(buf, "(null)"))
                                buf[0] = '\0';
                        if (!streq(buf, e->what))
                                continue;
                        field(rec, "list", buf, sizeof(buf));
                        if (safe_atou32_base0(buf, &v) < 0 || v != e->value)
                                continue;
                }
                e->used = 1;
                while (a->expect_first < a->n_expect && a->expect[a->expect_first].used)
                        a->expect_first++;
                provisional_add(a, rec->serial, e, now);
                return 1;
        }
        return 0;
}

static int is_self_serial(const Attribution *a, uint64_t serial) {
        for (size_t i = 0; i < ELEMENTSOF(a->self_serials); i++)
                if (a->self_serials[i] == serial && serial != 0)
                        return 1;
        return 0;
}

static void forget_serial(Attribution *a, uint64_t serial) {
        size_t k = 0;

        for (size_t i = 0; i < a->n_changes; i++)
                if (a->changes[i].serial != serial)
                        a->changes[k++] = a->changes[i];
        a->n_changes = k;
}

static AttrChange *find(Attribution *a, uint64_t serial) {
        for (size_t i = 0; i < a->n_changes; i++)
                if (a->changes[i].serial == serial)
                        return &a->changes[i];
        return NULL;
}

static const char *id_text(const char *v) {
        return !v[0] ? "?" : streq(v, AK_ID_UNSET_TEXT) ? "unset" : v;
}

/* A value from a record, as written in the phrase: escaped as a field value (cescape, and space,
 * '=' and quotes as \xNN), so that no name can fake a field boundary ("exe=/tmp/evil auid=0"
 * stays one exe field), at most max bytes. */
static char *value(const char *v, size_t max) {
        return cescape_field_max(v[0] ? v : "?", max);
}

/* "pid=4242 comm=auditctl exe=/usr/sbin/auditctl auid=1000 ses=3": the process named by a
 * SYSCALL or FEATURE_CHANGE record, every value escaped as a field value. */
static void describe_process(const ak_record *rec, char *buf, size_t size) {
        char pid[24], comm[64], exe[4096], auid[16], ses[16];
        _cleanup_free_ char *p = NULL, *c = NULL, *e = NULL, *u = NULL, *s = NULL;

        field(rec, "pid", pid, sizeof(pid));
        field(rec, "comm", comm, sizeof(comm));
        field(rec, "exe", exe, sizeof(exe));
        field(rec, "auid", auid, sizeof(auid));
        field(rec, "ses", ses, sizeof(ses));
        /* comm is at most 16 bytes (64 escaped); a long path is cut so that auid and ses stay;
         * the kernel's numbers fit (but a record is not trusted to hold numbers there) */
        p = value(pid, ATTR_ID_MAX);
        c = value(comm, 64);
        e = value(exe, ATTR_EXE_MAX);
        u = value(id_text(auid), ATTR_ID_MAX);
        s = value(id_text(ses), ATTR_ID_MAX);
        snprintf(buf, size, "pid=%s comm=%s exe=%s auid=%s ses=%s", p ? p : "?", c ? c : "?", e ? e : "?",
                 u ? u : "?", s ? s : "?");
}

/* "auid=1000 ses=3 (no SYSCALL record named the process)" */
static void describe_ids(const ak_record *rec, char *buf, size_t size) {
        char auid[16], ses[16];
        _cleanup_free_ char *u = NULL, *s = NULL;

        field(rec, "auid", auid, sizeof(auid));
        field(rec, "ses", ses, sizeof(ses));
        u = value(id_text(auid), ATTR_ID_MAX);
        s = value(id_text(ses), ATTR_ID_MAX);
        snprintf(buf, size, "auid=%s ses=%s (no SYSCALL record named the process)", u ? u : "?", s ? s : "?");
}

static AttrChange *keep(Attribution *a, uint64_t serial) {
        AttrChange *c = find(a, serial);

        if (c)
                return c;
        if (a->n_changes == ATTR_MAX_CHANGES) {
                /* the oldest goes; the newest name the changer best */
                memmove(a->changes, a->changes + 1, (ATTR_MAX_CHANGES - 1) * sizeof(AttrChange));
                a->n_changes--;
        }
        c = &a->changes[a->n_changes++];
        *c = (AttrChange) { .serial = serial, .seq = ++a->seq };
        return c;
}

int attribution_record(Attribution *a, const ak_record *rec, uint64_t now) {
        char pid[24];
        AttrChange *c;

        switch (rec->type) {
        case AUDIT_CONFIG_CHANGE:
                if (is_self_serial(a, rec->serial))
                        return 0;
                if (expected(a, rec, now)) {
                        a->own_records++;
                        return 0;
                }
                /* Config records that name a pid (locked-kernel refusals, trim, ...) are ours
                 * or someone's right away. */
                if (field(rec, "pid", pid, sizeof(pid)) && (pid_t) strtol(pid, NULL, 10) == a->self_pid) {
                        a->own_records++;
                        return 0;
                }
                c = keep(a, rec->serial);
                if (!c->named) {
                        if (pid[0])
                                describe_process(rec, c->who, sizeof(c->who));
                        else
                                describe_ids(rec, c->who, sizeof(c->who));
                }
                return 1;
        case AUDIT_FEATURE_CHANGE:
        case AUDIT_SYSCALL:
                provisional_prune(a, now);      /* what a large sync left goes in time */
                field(rec, "pid", pid, sizeof(pid));
                if (pid[0] && (pid_t) strtol(pid, NULL, 10) == a->self_pid) {
                        (void) provisional_settle(a, rec->serial, 1);
                        a->self_serials[a->self_next++ % ELEMENTSOF(a->self_serials)] = rec->serial;
                        if (find(a, rec->serial))
                                a->own_records++;
                        forget_serial(a, rec->serial);
                        return 0;
                }
                if (rec->type == AUDIT_SYSCALL) {
                        /* a record we took as ours was another process's after all */
                        if (provisional_settle(a, rec->serial, 0)) {
                                c = keep(a, rec->serial);
                                describe_process(rec, c->who, sizeof(c->who));
                                c->named = 1;
                                return 1;
                        }
                        /* detail for a change already seen; any other SYSCALL is not ours to read */
                        c = find(a, rec->serial);
                        if (c) {
                                describe_process(rec, c->who, sizeof(c->who));
                                c->named = 1;
                        }
                        return 0;
                }
                c = keep(a, rec->serial);
                describe_process(rec, c->who, sizeof(c->who));
                c->named = 1;
                return 1;
        default:
                return 0;
        }
}

uint64_t attribution_mark(const Attribution *a) {
        return a->seq;
}

int attribution_describe(const Attribution *a, uint64_t upto, char *buf, size_t size) {
        const AttrChange *best = NULL;
        size_t others = 0;

        for (size_t i = 0; i < a->n_changes; i++) {
                const AttrChange *c = &a->changes[i];
                if (c->seq <= upto && (!best || c->named || !best->named))
                        best = c;
        }
        if (!best) {
                snprintf(buf, size, "unknown (no audit record named the changer)");
                return 0;
        }
        for (size_t i = 0; i < a->n_changes; i++)
                if (a->changes[i].seq <= upto && !streq(a->changes[i].who, best->who))
                        others++;
        if (others)
                snprintf(buf, size, "%s (and %zu other change%s)", best->who, others, others == 1 ? "" : "s");
        else
                snprintf(buf, size, "%s", best->who);
        return 1;
}

int attribution_take(Attribution *a, uint64_t upto, char *buf, size_t size) {
        int r = attribution_describe(a, upto, buf, size);

        attribution_forget(a, upto);
        return r;
}

int attribution_named_pid(const Attribution *a, uint64_t after, uint64_t upto, char *buf, size_t size) {
        for (size_t i = a->n_changes; i > 0; i--) {
                const AttrChange *c = &a->changes[i - 1];

                if (c->seq > after && c->seq <= upto && c->named && strncmp(c->who, "pid=", 4) == 0) {
                        snprintf(buf, size, "%.*s", (int) strcspn(c->who + 4, " "), c->who + 4);
                        return 1;
                }
        }
        return 0;
}

void attribution_forget(Attribution *a, uint64_t upto) {
        size_t k = 0;

        for (size_t i = 0; i < a->n_changes; i++)
                if (a->changes[i].seq > upto)
                        a->changes[k++] = a->changes[i];
        a->n_changes = k;
}

/* The changer as structured journal fields, AUDITKEEP_CHANGER_PID= ... _SES=, from the phrase
 * (attribution.h): its values are escaped so that none holds a space or an '=', so the phrase
 * splits into its fields exactly. Returns how many were put in ret (at most max). */
size_t attribution_fields(const char *by, char **ret, size_t max) {
        static const char *const keys[] = { "pid", "comm", "exe", "auid", "ses" };
        size_t n = 0;

        for (const char *t = by; *t && n < max; t += strcspn(t, " "), t += strspn(t, " ")) {
                size_t len = strcspn(t, " ");

                for (size_t k = 0; k < ELEMENTSOF(keys); k++) {
                        size_t kl = strlen(keys[k]);
                        char name[8];

                        if (len <= kl || strncmp(t, keys[k], kl) != 0 || t[kl] != '=')
                                continue;
                        for (size_t i = 0; i <= kl; i++)
                                name[i] = (char) toupper((unsigned char) keys[k][i]);
                        ret[n++] = strdup_printf("AUDITKEEP_CHANGER_%s=%.*s", name, (int) (len - kl - 1), t + kl + 1);
                        break;
                }
                if (*t == '(')
                        break;  /* "(and N other changes)": the first process only */
        }
        return n;
}
