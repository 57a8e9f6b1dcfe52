/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* An older auditkeepd on the bus, for `auditkeepctl status` against a daemon not restarted since
 * an upgrade: owns org.auditkeep1 on the system bus (DBUS_SYSTEM_BUS_ADDRESS) and answers
 * Properties.GetAll with every fact of ak-facts.h except the properties named on the command line
 * (a daemon from before they were added). Every number it sends is 7, every flag true, so that a
 * fact the client makes up (a 0, a false) is told apart from one it was sent. Prints "ready" once
 * it owns the name; runs until it is killed. No other method: the client is told "unknown method",
 * as an older daemon without them would tell it. */
#include <stdio.h>
#include <string.h>
#include <systemd/sd-bus.h>

#include "auditkeep/ak-facts.h"
#include "constants.h"

static char **left_out;
static int n_left_out;

static int is_left_out(const char *name) {
        for (int i = 0; i < n_left_out; i++)
                if (strcmp(left_out[i], name) == 0)
                        return 1;
        return 0;
}

static const char *string_value(const ak_fact *d) {
        if (strcmp(d->bus, "State") == 0)
                return "in-sync";
        if (strcmp(d->bus, "Mode") == 0)
                return "enforce";
        return "";
}

static int append_fact(sd_bus_message *m, const ak_fact *d) {
        static char *sources[] = { (char *) "/etc/audit/rules.d", NULL };
        int r;

        r = sd_bus_message_open_container(m, 'e', "sv");
        if (r >= 0)
                r = sd_bus_message_append(m, "s", d->bus);
        if (r >= 0)
                r = sd_bus_message_open_container(m, 'v', d->signature);
        if (r < 0)
                return r;
        switch (d->kind) {
        case AK_FACT_U32:
                r = sd_bus_message_append(m, "u", (uint32_t) 7);
                break;
        case AK_FACT_U64:
                r = sd_bus_message_append(m, "t", (uint64_t) 7);
                break;
        case AK_FACT_BOOL:
                r = sd_bus_message_append(m, "b", 1);
                break;
        case AK_FACT_STR:
                r = sd_bus_message_append(m, "s", string_value(d));
                break;
        case AK_FACT_STRV:
                r = sd_bus_message_append_strv(m, sources);
                break;
        }
        if (r >= 0)
                r = sd_bus_message_close_container(m);
        if (r >= 0)
                r = sd_bus_message_close_container(m);
        return r;
}

static int on_message(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        sd_bus_message *reply = NULL;
        int r;

        if (!sd_bus_message_is_method_call(m, "org.freedesktop.DBus.Properties", "GetAll"))
                return 0;
        r = sd_bus_message_new_method_return(m, &reply);
        if (r >= 0)
                r = sd_bus_message_open_container(reply, 'a', "{sv}");
        for (size_t i = 0; r >= 0 && i < ak_facts_count; i++)
                if (!is_left_out(ak_facts_table[i].bus))
                        r = append_fact(reply, &ak_facts_table[i]);
        if (r >= 0)
                r = sd_bus_message_close_container(reply);
        if (r >= 0)
                r = sd_bus_send(NULL, reply, NULL);
        sd_bus_message_unref(reply);
        return r < 0 ? r : 1;
}

int main(int argc, char **argv) {
        sd_bus *bus = NULL;
        int r;

        left_out = argv + 1;
        n_left_out = argc - 1;
        r = sd_bus_open_system(&bus);
        if (r >= 0)
                r = sd_bus_add_object(bus, NULL, BUS_PATH, on_message, NULL);
        if (r >= 0)
                r = sd_bus_request_name(bus, BUS_NAME, 0);
        if (r < 0) {
                fprintf(stderr, "old-daemon-serve: %s\n", strerror(-r));
                return 1;
        }
        printf("ready\n");
        fflush(stdout);
        for (;;) {
                r = sd_bus_process(bus, NULL);
                if (r < 0)
                        break;
                if (r == 0 && sd_bus_wait(bus, UINT64_MAX) < 0)
                        break;
        }
        sd_bus_unref(bus);
        return 1;
}
