/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* auditkeepctl's verbs that ask auditkeepd over the system bus: rules, resync, reload, and the
 * daemon's view for diff without PATH (status has ctl-status.c). */
#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "constants.h"
#include "ctl.h"
#include "json.h"
#include "macro.h"

/* Nobody owns the daemon's name: it is not running (or runs without the bus). */
static int daemon_absent(const sd_bus_error *e) {
        return e && e->name && (streq(e->name, SD_BUS_ERROR_SERVICE_UNKNOWN) || streq(e->name, SD_BUS_ERROR_NAME_HAS_NO_OWNER));
}

int bus_failed(const char *what, const sd_bus_error *e, int r) {
        if (e && e->name && streq(e->name, SD_BUS_ERROR_ACCESS_DENIED)) {
                fprintf(stderr, "auditkeepctl %s: permission denied: only root may do this\n", what);
                return EXIT_DENIED;
        }
        if (daemon_absent(e))
                fprintf(stderr, "auditkeepd is not running; start it with systemctl start auditkeepd, or use auditkeepctl apply\n");
        else if (e && e->name && (streq(e->name, SD_BUS_ERROR_NO_REPLY) || streq(e->name, SD_BUS_ERROR_TIMEOUT)))
                fprintf(stderr, "auditkeepctl %s: auditkeepd did not answer in time (%s)\n", what,
                        e->message ? e->message : e->name);
        else if (e && e->message)
                fprintf(stderr, "auditkeepctl %s: %s\n", what, e->message);
        else if (e && e->name)
                fprintf(stderr, "auditkeepctl %s: %s\n", what, e->name);
        else
                fprintf(stderr, "auditkeepctl %s: cannot reach the system bus (%s), so auditkeepd cannot be asked; "
                        "without the daemon, use auditkeepctl apply or diff PATH\n", what, strerror(-r));
        return EXIT_UNREACHABLE;
}

int bus_open(const char *what, sd_bus **ret) {
        int r = sd_bus_open_system(ret);

        if (r < 0)
                (void) bus_failed(what, NULL, r);
        return r < 0 ? r : 0;
}

int verb_rules(int argc, char **argv, sd_bus *bus) {
        _cleanup_(ctl_sdbus_message_unrefp) sd_bus_message *reply = NULL;
        sd_bus_error err = SD_BUS_ERROR_NULL;
        const char *text, *origin, *state;
        json_writer j;
        int r;

        r = sd_bus_call_method(bus, BUS_NAME, BUS_PATH, BUS_IFACE, "ListRules", &err, &reply, "");
        if (r < 0) {
                r = bus_failed("rules", &err, r);
                sd_bus_error_free(&err);
                return r;
        }
        r = sd_bus_message_enter_container(reply, 'a', "(sss)");
        jw_init(&j, stdout);
        if (arg_json)
                jw_array_begin(&j);
        else
                printf("%-8s %-40s %s\n", "STATE", "DECLARED", "RULE");
        while (r >= 0 && (r = sd_bus_message_read(reply, "(sss)", &text, &origin, &state)) > 0) {
                if (arg_json) {
                        jw_object_begin(&j);
                        jw_kv_string(&j, "rule", text);
                        jw_kv_string(&j, "declared", origin);
                        jw_kv_string(&j, "state", state);
                        jw_object_end(&j);
                } else
                        printf("%-8s %-40s %s\n", state, origin[0] ? origin : "-", text);
        }
        if (arg_json) {
                jw_array_end(&j);
                jw_end(&j);
        }
        if (r < 0) {
                fprintf(stderr, "auditkeepctl rules: cannot read the daemon's answer: %s\n", strerror(-r));
                return EXIT_UNREACHABLE;
        }
        return EXIT_OK;
}

static int resync_or_reload(sd_bus *bus, const char *method, const char *what) {
        _cleanup_(ctl_sdbus_message_unrefp) sd_bus_message *reply = NULL;
        sd_bus_error err = SD_BUS_ERROR_NULL;
        uint32_t added, removed, changed;
        int r;

        (void) sd_bus_set_method_call_timeout(bus, 300u * 1000000u);
        r = sd_bus_call_method(bus, BUS_NAME, BUS_PATH, BUS_IFACE, method, &err, &reply, "");
        if (r < 0) {
                /* the rules or the kernel said no to some of them: 1; else as bus_failed() says (no
                 * answer, locked, monitor mode: 2; not root: 4) */
                int ret = bus_failed(what, &err, r);

                if (err.name && (streq(err.name, BUS_ERROR_RULES_INVALID) || streq(err.name, BUS_ERROR_REFUSED)))
                        ret = EXIT_PROBLEMS;
                sd_bus_error_free(&err);
                return ret;
        }
        r = sd_bus_message_read(reply, "uuu", &added, &removed, &changed);
        if (r < 0) {
                fprintf(stderr, "auditkeepctl %s: cannot read the daemon's answer: %s\n", what, strerror(-r));
                return EXIT_UNREACHABLE;
        }
        if (arg_json) {
                json_writer j;

                jw_init(&j, stdout);
                jw_object_begin(&j);
                jw_kv_uint(&j, "added", added);
                jw_kv_uint(&j, "removed", removed);
                jw_kv_uint(&j, "changed", changed);
                jw_object_end(&j);
                jw_end(&j);
        } else
                printf("%s: %u added, %u removed, %u status changes\n", what, added, removed, changed);
        return EXIT_OK;
}

int verb_resync(int argc, char **argv, sd_bus *bus) {
        return resync_or_reload(bus, arg_exact_order ? "ResyncExactOrder" : "Resync", "resync");
}

int verb_reload(int argc, char **argv, sd_bus *bus) {
        return resync_or_reload(bus, "Reload", "reload");
}

/* The daemon's ParseErrors (0 when it cannot be read: the Diff call already said what failed). */
static uint32_t daemon_parse_errors(sd_bus *bus) {
        _cleanup_(ctl_sdbus_message_unrefp) sd_bus_message *reply = NULL;
        sd_bus_error err = SD_BUS_ERROR_NULL;
        uint32_t n = 0;

        if (sd_bus_call_method(bus, BUS_NAME, BUS_PATH, "org.freedesktop.DBus.Properties", "Get", &err, &reply, "ss",
                               BUS_IFACE, "ParseErrors") < 0 ||
            sd_bus_message_enter_container(reply, 'v', "u") < 0 || sd_bus_message_read(reply, "u", &n) < 0)
                n = 0;
        sd_bus_error_free(&err);
        return n;
}

/* diff without PATH asks the daemon; when it is not running (or with PATH, or --exact-order, which
 * the daemon's view does not apply), ctl-rules.c computes it locally. Exit 1 on a difference or
 * while the daemon's rules have errors, as diff PATH does. */
int daemon_diff(int *ret) {
        _cleanup_(ctl_sdbus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_(ctl_sdbus_message_unrefp) sd_bus_message *reply = NULL;
        sd_bus_error err = SD_BUS_ERROR_NULL;
        const char *line;
        json_writer j;
        uint32_t errors;
        int r, n = 0;

        if (arg_exact_order)
                return 0;
        if (sd_bus_open_system(&bus) < 0)
                return 0;
        r = sd_bus_call_method(bus, BUS_NAME, BUS_PATH, BUS_IFACE, "Diff", &err, &reply, "");
        if (r < 0) {
                int absent = daemon_absent(&err);
                if (!absent)
                        *ret = bus_failed("diff", &err, r);
                sd_bus_error_free(&err);
                return !absent;
        }
        r = sd_bus_message_enter_container(reply, 'a', "s");
        jw_init(&j, stdout);
        if (arg_json)
                jw_array_begin(&j);
        while (r >= 0 && (r = sd_bus_message_read(reply, "s", &line)) > 0) {
                if (arg_json)
                        jw_string(&j, line);
                else
                        printf("%s\n", line);
                n++;
        }
        if (arg_json) {
                jw_array_end(&j);
                jw_end(&j);
        }
        if (r < 0) {
                fprintf(stderr, "auditkeepctl diff: cannot read the daemon's answer: %s\n", strerror(-r));
                *ret = EXIT_UNREACHABLE;
                return 1;
        }
        errors = daemon_parse_errors(bus);
        if (n == 0 && !arg_json && !arg_quiet)
                printf(errors ? "in sync with the rules that parse (as auditkeepd sees it)\n" :
                       "in sync (as auditkeepd sees it)\n");
        if (errors)
                fprintf(stderr, "auditkeepd's rules have %" PRIu32 " error%s (auditkeepctl status)\n", errors,
                        errors == 1 ? "" : "s");
        *ret = n || errors ? EXIT_PROBLEMS : EXIT_OK;
        return 1;
}
