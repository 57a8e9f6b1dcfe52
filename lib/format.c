/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Render a binary rule in auditctl syntax. The text reads like `auditctl -l`, and parses back
 * into the same bytes: fields keep their binary order (-S follows -F arch when there is one),
 * names are used where a name exists, and spaces and backslashes are escaped as `auditctl -R`
 * reads them. */
#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <limits.h>
#include <sys/stat.h>

#include "auditkeep/ak-rules.h"
#include "fields.h"
#include "macro.h"
#include "rule-internal.h"
#include "tables.h"
#include "util.h"

/* A path or key: a space or a backslash escaped as `auditctl -R` reads it; bytes that no rules
 * file can hold (control bytes, invalid UTF-8: a foreign rule may carry them) as \xNN, so that
 * the text is always valid UTF-8 for the journal, D-Bus and terminals. */
static void put_escaped(strbuf *b, const char *s, size_t n) {
        size_t start = 0;

        for (size_t i = 0; i <= n; i++) {
                if (i < n && s[i] != ' ')
                        continue;
                strbuf_put_cescaped(b, s + start, i - start);
                if (i < n)
                        strbuf_puts(b, "\\ ");
                start = i + 1;
        }
}

static int mask_is_all(const struct audit_rule_data *d) {
        for (size_t i = 0; i < AUDIT_BITMASK_SIZE - 1; i++)
                if (d->mask[i] != ~0u)
                        return 0;
        return 1;
}

/* A rule `-w` reproduces: exit,always, all syscalls, fields path|dir, perm, [key] in that order. */
static int is_watch(const struct audit_rule_data *d) {
        if ((d->flags & ~AUDIT_FILTER_PREPEND) != AUDIT_FILTER_EXIT || d->action != AUDIT_ALWAYS)
                return 0;
        if (!mask_is_all(d) || d->field_count < 2 || d->field_count > 3)
                return 0;
        if ((d->fields[0] != AUDIT_WATCH && d->fields[0] != AUDIT_DIR) || d->fieldflags[0] != AUDIT_EQUAL)
                return 0;
        if (d->fields[1] != AUDIT_PERM || d->fieldflags[1] != AUDIT_EQUAL)
                return 0;
        if (d->field_count == 3 && (d->fields[2] != AUDIT_FILTERKEY || d->fieldflags[2] != AUDIT_EQUAL))
                return 0;
        return 1;
}

/* `-w PATH` reads back as this rule only if PATH has no trailing '/' (auditctl strips it) and
 * stat() gives the same field (a directory: dir=, anything else: path=). Otherwise the rule is
 * written with -F so the text is faithful. */
static int watch_reads_back(const struct audit_rule_data *d, size_t blen, unsigned flags) {
        char path[PATH_MAX];
        struct stat st;
        size_t n = d->values[0];

        if (n == 0 || n >= sizeof(path) || n > blen)
                return 0;
        memcpy(path, d->buf, n);
        path[n] = '\0';
        if (n > 1 && path[n - 1] == '/')
                return 0;
        if (flags & AK_FORMAT_NO_STAT)
                return 1;       /* as auditctl -l writes it */
        return (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) == (d->fields[0] == AUDIT_DIR);
}

static void put_perm(strbuf *b, uint32_t v) {
        if (v & AUDIT_PERM_READ) strbuf_puts(b, "r");
        if (v & AUDIT_PERM_WRITE) strbuf_puts(b, "w");
        if (v & AUDIT_PERM_EXEC) strbuf_puts(b, "x");
        if (v & AUDIT_PERM_ATTR) strbuf_puts(b, "a");
}

static void put_syscalls(strbuf *b, const struct audit_rule_data *d, uint32_t list, uint32_t arch) {
        int count = 0;

        if (list != AUDIT_FILTER_EXIT && list != AUDIT_FILTER_URING_EXIT)
                return;
        if (mask_is_all(d)) {
                /* On io_uring "-S all" names only the operations auditctl knows (compat.h); a
                 * rule without -S has every bit, as on the other lists. */
                if (list != AUDIT_FILTER_URING_EXIT)
                        strbuf_puts(b, " -S all");
                return;
        }
        for (int nr = 0; nr < AUDIT_BITMASK_SIZE * 32; nr++) {
                const char *name;

                if (!(d->mask[AUDIT_WORD(nr)] & AUDIT_BIT(nr)))
                        continue;
                name = list == AUDIT_FILTER_URING_EXIT ? ak_uringop_to_name(nr) : ak_syscall_to_name(arch, nr);
                strbuf_puts(b, count ? "," : " -S ");
                if (name)
                        strbuf_puts(b, name);
                else
                        strbuf_printf(b, "%d", nr);
                count++;
        }
}

char *ak_rule_format(const ak_rule *r) {
        assert(r);
        return ak_rule_format_flags(r, 0);
}

/* A string field: `-w PATH` of a watch, one -k / -F key= per joined key, else -F NAME OP TEXT. */
static void put_string(strbuf *b, uint32_t f, const char *op, const char *s, size_t n, int watch) {
        const char *name = ak_field_to_name(f);

        if (watch && (f == AUDIT_WATCH || f == AUDIT_DIR)) {
                strbuf_puts(b, "-w ");
                put_escaped(b, s, n);
        } else if (f == AUDIT_FILTERKEY) {
                size_t start = 0;
                for (size_t k = 0; k <= n; k++)
                        if (k == n || s[k] == AUDIT_KEY_SEPARATOR) {
                                strbuf_puts(b, watch ? " -k " : " -F key=");
                                put_escaped(b, s + start, k - start);
                                start = k + 1;
                        }
        } else {
                strbuf_printf(b, " -F %s%s", name ? name : "?", op);
                put_escaped(b, s, n);
        }
}

/* b64/b32 name the native pair; other arches by machine name, so the text reads back as the same
 * value. */
static void put_arch(strbuf *b, const char *op, uint32_t v) {
        char abuf[32];
        const char *an = (v == AUDIT_ARCH_X86_64 || v == AUDIT_ARCH_I386)
                ? ak_arch_to_name(v, abuf, sizeof(abuf)) : ak_arch_machine_name(v);

        if (!an)
                an = ak_arch_to_name(v, abuf, sizeof(abuf));
        strbuf_printf(b, " -F arch%s%s", op, an);
}

/* The name of a value where its kind has names (msgtype, filetype, fstype), else NULL. */
static const char *value_name(uint8_t kind, uint32_t v) {
        switch (kind) {
        case AK_VALUE_MSGTYPE: return ak_msgtype_to_name((int) v);
        case AK_VALUE_FTYPE: return ak_ftype_to_name(v);
        case AK_VALUE_FSTYPE: return ak_fstype_to_name(v);
        default: return NULL;
        }
}

/* A field that is not a string, written as its kind reads back (fields.h, parse-field.c). */
static void put_value(strbuf *b, uint32_t f, const char *op, uint32_t v, uint32_t list, int watch) {
        const ak_field_spec *spec = ak_field_spec_of(f);
        const char *name = ak_field_to_name(f), *t;
        uint32_t left, right;

        switch (spec->kind) {
        case AK_VALUE_ARCH:
                put_arch(b, op, v);
                break;
        case AK_VALUE_PERM:
                strbuf_puts(b, watch ? " -p " : " -F perm=");
                put_perm(b, v);
                break;
        case AK_VALUE_MSGTYPE: case AK_VALUE_FTYPE: case AK_VALUE_FSTYPE:
                t = value_name(spec->kind, v);
                if (t)
                        strbuf_printf(b, " -F %s%s%s", name, op, t);
                else
                        strbuf_printf(b, " -F %s%s%u", name, op, v);
                break;
        case AK_VALUE_COMPARE:
                if (list == AUDIT_FILTER_EXIT && ak_compare_fields(v, &left, &right) == 0)
                        strbuf_printf(b, " -C %s%s%s", ak_field_to_name(left), op, ak_field_to_name(right));
                else
                        strbuf_printf(b, " -F field_compare%s%u", op, v);
                break;
        case AK_VALUE_ARG:
                strbuf_printf(b, " -F %s%s0x%X", name, op, v);
                break;
        case AK_VALUE_ERRNO: {
                int e = (int) v;
                const char *en = e < 0 && e != INT_MIN ? ak_errno_to_name(-e) : NULL;
                if (en)
                        strbuf_printf(b, " -F exit%s-%s", op, en);
                else
                        strbuf_printf(b, " -F exit%s%d", op, e);
                break;
        }
        default:
                /* plain numbers are unsigned to -F (pid=-1 is refused), so written unsigned (auditctl -l
                 * writes them signed): 4294967295 reads back */
                if ((spec->flags & AK_FIELD_UNSIGNED) || (name && spec->kind == AK_VALUE_NUMBER))
                        strbuf_printf(b, " -F %s%s%u", name, op, v);
                else if (name)
                        strbuf_printf(b, " -F %s%s%d", name, op, (int) v);
                else
                        strbuf_printf(b, " -F f%u%s%d", f, op, (int) v);
                break;
        }
}

char *ak_rule_format_flags(const ak_rule *r, unsigned flags) {
        const struct audit_rule_data *d;
        uint32_t list, arch = 0, last_arch = UINT32_MAX;
        size_t off = 0, blen;
        int watch;
        const char *ln;
        strbuf b = {};

        assert(r);
        d = r->data;
        list = d->flags & ~AUDIT_FILTER_PREPEND;
        blen = r->size - sizeof(*d);
        watch = is_watch(d) && watch_reads_back(d, blen, flags);
        ln = ak_list_name(list);

        /* -S goes after the last arch field: syscall names resolve against it. */
        for (uint32_t i = 0; i < d->field_count && i < AUDIT_MAX_FIELDS; i++)
                if (d->fields[i] == AUDIT_ARCH) {
                        arch = d->values[i];
                        last_arch = i;
                }

        if (!watch) {
                if (ln)
                        strbuf_printf(&b, "-a %s,%s", d->action == AUDIT_ALWAYS ? "always" :
                                      d->action == AUDIT_NEVER ? "never" : "possible", ln);
                else
                        strbuf_printf(&b, "-a %s,list%u", d->action == AUDIT_ALWAYS ? "always" : "never", list);
                if (!arch)
                        put_syscalls(&b, d, list, 0);
        }

        for (uint32_t i = 0; i < d->field_count && i < AUDIT_MAX_FIELDS; i++) {
                uint32_t f = d->fields[i], v = d->values[i];
                const char *op = ak_op_symbol(d->fieldflags[i]);

                if (ak_field_is_string(f)) {
                        if (off > blen || v > blen - off) {
                                strbuf_puts(&b, " <truncated>");
                                break;
                        }
                        put_string(&b, f, op, d->buf + off, v, watch);
                        off += v;
                        continue;
                }
                put_value(&b, f, op, v, list, watch);
                if (i == last_arch)
                        put_syscalls(&b, d, list, arch);
        }
        return strbuf_steal(&b);
}

char *ak_diag_format(const ak_diag *d) {
        assert(d);
        if (d->line == 0)
                return strdup_printf("%s: %s%s", d->file, d->warning ? "warning: " : "", d->message);
        return strdup_printf("%s:%u:%u: %s%s", d->file, d->line, d->column, d->warning ? "warning: " : "", d->message);
}
