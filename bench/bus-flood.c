/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The D-Bus load of bench/run's repair rows (issue #24 item 5): one client that calls
 * org.freedesktop.DBus.Properties.GetAll on auditkeepd's object back to back, one call in flight
 * at a time, until SIGTERM or SECONDS have passed. Prints the number of answered calls and of
 * errors. bench/run starts four of them on the bench's private bus.
 *   bus-flood ADDRESS SECONDS */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <systemd/sd-bus.h>

static volatile sig_atomic_t stop;

static void on_term(int sig) {
        (void) sig;
        stop = 1;
}

static double now(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
        sd_bus *bus = NULL;
        unsigned long ok = 0, failed = 0;
        double end;
        int r;

        if (argc != 3) {
                fprintf(stderr, "usage: bus-flood ADDRESS SECONDS\n");
                return 2;
        }
        signal(SIGTERM, on_term);
        signal(SIGINT, on_term);
        r = sd_bus_new(&bus);
        if (r >= 0)
                r = sd_bus_set_address(bus, argv[1]);
        if (r >= 0)
                r = sd_bus_set_bus_client(bus, 1);
        if (r >= 0)
                r = sd_bus_start(bus);
        if (r < 0) {
                fprintf(stderr, "bus-flood: cannot connect to %s: %d\n", argv[1], r);
                return 1;
        }
        end = now() + atof(argv[2]);
        while (!stop && now() < end) {
                sd_bus_error error = SD_BUS_ERROR_NULL;
                sd_bus_message *reply = NULL;

                r = sd_bus_call_method(bus, "org.auditkeep1", "/org/auditkeep1", "org.freedesktop.DBus.Properties",
                                       "GetAll", &error, &reply, "s", "org.auditkeep1.Manager");
                if (r < 0)
                        failed++;
                else
                        ok++;
                sd_bus_error_free(&error);
                sd_bus_message_unref(reply);
        }
        printf("%lu %lu\n", ok, failed);
        sd_bus_flush_close_unref(bus);
        return 0;
}
