/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Fuzz target: what auditkeepd puts on the bus. The daemon parses nothing from D-Bus callers:
 * every method of org.auditkeep1.Manager takes no argument (sd-bus checks the signature and
 * refuses any other before the daemon sees the call), and what it reads of a caller is its euid
 * and loginuid, from the broker (sd_bus_query_sender_creds). Its bus input is therefore sd-bus's
 * own, and what can go wrong on its side is the output: D-Bus takes only valid UTF-8 without NUL,
 * and sd_bus_message_append() refuses anything else, which fails the whole reply (ListRules for
 * every caller, because of one rule). The strings come from outside: rules files (a key, a path,
 * the file's name) and the kernel's rules (anything root or another tool loaded).
 *
 * So this target builds those strings as daemon/manager-bus.c does and appends each to a real
 * sd-bus message: ListRules' rule text (ak_rule_format_flags(..., AK_FORMAT_NO_STAT), sent as it
 * is) for rules from a rules file and from the kernel, its origin "FILE:LINE", ListErrors' file
 * and message and Diff's lines (ak_op_format), those three through the daemon's bus_text() rule
 * (string_is_clean() or else cescape()). Every append must succeed.
 *
 * Input: byte 0 selects the source: even, a rules file (byte 1: the length N of its name, then N
 * bytes of name, then the text); odd, the kernel (rule payloads, each a little-endian u16 length
 * and that many bytes, as ak_rule_from_bytes() takes them from a LIST_RULES reply). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <systemd/sd-bus.h>

#include "auditkeep/ak-kernel.h"
#include "auditkeep/ak-plan.h"
#include "auditkeep/ak-rules.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static sd_bus *bus;

/* A bus that messages can be made for: sd-bus builds messages only for an open connection; one
 * end of a socket pair that is never read is enough (nothing is sent). */
static sd_bus *the_bus(void) {
        int fds[2];

        if (bus)
                return bus;
        if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) < 0 || sd_bus_new(&bus) < 0 ||
            sd_bus_set_fd(bus, fds[0], fds[0]) < 0 || sd_bus_start(bus) < 0)
                abort();
        return bus;
}

/* Append s as an "s" to a fresh message, as a reply would; abort when sd-bus refuses it. */
static void must_append(const char *what, const char *s) {
        sd_bus_message *m = NULL;
        int r;

        if (sd_bus_message_new_signal(the_bus(), &m, "/org/auditkeep1", "org.auditkeep1.Manager", "Fuzz") < 0)
                abort();
        r = sd_bus_message_append(m, "s", s);
        if (r < 0) {
                fprintf(stderr, "sd-bus refuses %s (%s): '", what, strerror(-r));
                for (const unsigned char *p = (const unsigned char *) s; *p; p++)
                        fprintf(stderr, *p >= 0x20 && *p < 0x7f ? "%c" : "\\x%02x", *p);
                fprintf(stderr, "'\n");
                abort();
        }
        sd_bus_message_unref(m);
}

/* daemon/manager-bus.c's bus_text(): the string itself when it is clean, else its C escape. */
static void must_append_text(const char *what, const char *s) {
        char *owned = NULL;

        if (!string_is_clean(s)) {
                owned = cescape(s);
                if (!owned)
                        abort();
        }
        must_append(what, owned ? owned : s);
        free(owned);
}

static void rule_text(const ak_rule *r) {
        char *text = ak_rule_format_flags(r, AK_FORMAT_NO_STAT);

        if (!text)
                abort();
        must_append("a rule's text (ListRules)", text);
        free(text);
}

static void from_file(const uint8_t *data, size_t size) {
        size_t n = size > 0 ? data[0] : 0;
        char *name;
        ak_ruleset *rs = NULL;
        ak_kstate empty = {};
        ak_plan *plan = NULL;
        ak_plan_opts opts = {};

        if (n > size - (size > 0))
                n = size - (size > 0);
        name = strndup((const char *) data + 1, n);     /* a name ends at a NUL, as a path does */
        if (!name)
                abort();
        if (!name[0]) {
                free(name);
                name = strdup("fuzz.rules");
                if (!name)
                        abort();
        }
        data += 1 + n;
        size -= (size > 0) + n;
        if (ak_ruleset_new(&rs) < 0 || ak_ruleset_add_text(rs, name, (const char *) data, size) < 0)
                abort();
        for (size_t i = 0; i < rs->n_diags; i++) {
                const ak_diag *d = &rs->diags[i];
                char *text = strdup_printf("%s%s", d->warning ? "warning: " : "", d->message);

                if (!text)
                        abort();
                must_append_text("a diagnostic's file (ListErrors)", d->file ? d->file : "");
                must_append_text("a diagnostic (ListErrors)", text);
                free(text);
        }
        for (size_t i = 0; i < rs->n_rules; i++) {
                const ak_rule *r = &rs->rules[i];
                char *origin = r->file ? strdup_printf("%s:%u", r->file, r->line) : strdup("");

                if (!origin)
                        abort();
                rule_text(r);
                must_append_text("a rule's origin (ListRules)", origin);
                free(origin);
        }
        if (ak_plan_build(rs, &empty, &opts, &plan) == 0) {
                for (size_t i = 0; i < plan->n_ops; i++) {
                        char *line = ak_op_format(&plan->ops[i], &empty.status, AK_FORMAT_NO_STAT);
                        if (!line)
                                abort();
                        must_append_text("a Diff line", line);
                        free(line);
                }
                ak_plan_free(plan);
        }
        ak_ruleset_free(rs);
        free(name);
}

static void from_kernel(const uint8_t *data, size_t size) {
        while (size >= 2) {
                size_t len = (size_t) data[0] | (size_t) data[1] << 8;
                ak_rule r = {};

                data += 2;
                size -= 2;
                if (len > size)
                        len = size;
                {
                        /* a netlink payload is 4-aligned: so is this copy, of the exact size */
                        void *copy = malloc(len ? len : 1);
                        if (!copy)
                                abort();
                        memcpy(copy, data, len);
                        if (ak_rule_from_bytes(&r, copy, len) == 0) {
                                rule_text(&r);
                                ak_rule_done(&r);
                        }
                        free(copy);
                }
                data += len;
                size -= len;
        }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        if (size < 1 || size > 256 * 1024)
                return 0;
        if (data[0] & 1)
                from_kernel(data + 1, size - 1);
        else
                from_file(data + 1, size - 1);
        return 0;
}
