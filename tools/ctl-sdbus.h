/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* auditkeepctl loads libsystemd only when a command talks to auditkeepd over the bus: the offline
 * commands (check, apply, diff PATH, --version, --help) start without it and the libraries it
 * pulls in (libgcrypt, liblzma, libzstd, liblz4, libcap). sd-bus.h gives the types and the
 * prototypes; the names below are redirected to pointers that ctl_sdbus_load() fills with dlsym()
 * from libsystemd.so.0. The unref/free functions are safe to call before loading (cleanup paths). */
#pragma once

#include <systemd/sd-bus.h>

typedef struct ctl_sdbus {
        int (*open_system)(sd_bus **ret);
        int (*call_method)(sd_bus *bus, const char *destination, const char *path, const char *interface,
                           const char *member, sd_bus_error *ret_error, sd_bus_message **reply, const char *types, ...);
        int (*set_method_call_timeout)(sd_bus *bus, uint64_t usec);
        sd_bus *(*flush_close_unref)(sd_bus *bus);
        sd_bus_message *(*message_unref)(sd_bus_message *m);
        void (*error_free)(sd_bus_error *e);
        int (*message_enter_container)(sd_bus_message *m, char type, const char *contents);
        int (*message_exit_container)(sd_bus_message *m);
        int (*message_peek_type)(sd_bus_message *m, char *type, const char **contents);
        int (*message_read)(sd_bus_message *m, const char *types, ...);
        int (*message_read_strv)(sd_bus_message *m, char ***ret);
        int (*message_skip)(sd_bus_message *m, const char *types);
} ctl_sdbus;

extern ctl_sdbus ctl_sd;

/* Load libsystemd.so.0 once. Returns 0, or -ELIBACC after printing on stderr what is missing. */
int ctl_sdbus_load(void);

/* sd_bus_open_system() that loads the library first (so every bus path starts here). */
int ctl_sdbus_open_system(sd_bus **ret);
sd_bus *ctl_sdbus_flush_close_unref(sd_bus *bus);
sd_bus_message *ctl_sdbus_message_unref(sd_bus_message *m);
void ctl_sdbus_error_free(sd_bus_error *e);

#define sd_bus_open_system ctl_sdbus_open_system
#define sd_bus_flush_close_unref ctl_sdbus_flush_close_unref
#define sd_bus_message_unref ctl_sdbus_message_unref
#define sd_bus_error_free ctl_sdbus_error_free
#define sd_bus_call_method (*ctl_sd.call_method)
#define sd_bus_set_method_call_timeout (*ctl_sd.set_method_call_timeout)
#define sd_bus_message_enter_container (*ctl_sd.message_enter_container)
#define sd_bus_message_exit_container (*ctl_sd.message_exit_container)
#define sd_bus_message_peek_type (*ctl_sd.message_peek_type)
#define sd_bus_message_read (*ctl_sd.message_read)
#define sd_bus_message_read_strv (*ctl_sd.message_read_strv)
#define sd_bus_message_skip (*ctl_sd.message_skip)
