/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libsystemd, loaded on demand for the bus commands of auditkeepctl (see ctl-sdbus.h). */
#include <dlfcn.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>

#include "ctl-sdbus.h"

ctl_sdbus ctl_sd;
static int loaded;      /* 0 not tried, 1 loaded, -1 failed */

int ctl_sdbus_load(void) {
        static const struct { const char *name; size_t offset; } syms[] = {
#define SYM(field, name) { name, offsetof(ctl_sdbus, field) }
                SYM(open_system, "sd_bus_open_system"),
                SYM(call_method, "sd_bus_call_method"),
                SYM(set_method_call_timeout, "sd_bus_set_method_call_timeout"),
                SYM(flush_close_unref, "sd_bus_flush_close_unref"),
                SYM(message_unref, "sd_bus_message_unref"),
                SYM(error_free, "sd_bus_error_free"),
                SYM(message_enter_container, "sd_bus_message_enter_container"),
                SYM(message_exit_container, "sd_bus_message_exit_container"),
                SYM(message_peek_type, "sd_bus_message_peek_type"),
                SYM(message_read, "sd_bus_message_read"),
                SYM(message_read_strv, "sd_bus_message_read_strv"),
                SYM(message_skip, "sd_bus_message_skip"),
#undef SYM
        };
        ctl_sdbus t = {};
        void *h;

        if (loaded)
                return loaded > 0 ? 0 : -ELIBACC;
        loaded = -1;
        h = dlopen("libsystemd.so.0", RTLD_NOW | RTLD_LOCAL);
        if (!h) {
                fprintf(stderr, "auditkeepctl: cannot load libsystemd.so.0, which the commands that ask auditkeepd "
                        "over D-Bus need: %s\n", dlerror());
                return -ELIBACC;
        }
        for (size_t i = 0; i < sizeof(syms) / sizeof(syms[0]); i++) {
                void *p = dlsym(h, syms[i].name);

                if (!p) {
                        fprintf(stderr, "auditkeepctl: libsystemd.so.0 has no %s (version 252 or later needed)\n",
                                syms[i].name);
                        dlclose(h);
                        return -ELIBACC;
                }
                *(void **) ((char *) &t + syms[i].offset) = p;
        }
        ctl_sd = t;
        loaded = 1;
        return 0;
}

int ctl_sdbus_open_system(sd_bus **ret) {
        int r = ctl_sdbus_load();

        if (r < 0) {
                *ret = NULL;
                return r;
        }
        return ctl_sd.open_system(ret);
}

sd_bus *ctl_sdbus_flush_close_unref(sd_bus *bus) {
        return bus && ctl_sd.flush_close_unref ? ctl_sd.flush_close_unref(bus) : NULL;
}

sd_bus_message *ctl_sdbus_message_unref(sd_bus_message *m) {
        return m && ctl_sd.message_unref ? ctl_sd.message_unref(m) : NULL;
}

void ctl_sdbus_error_free(sd_bus_error *e) {
        if (e && ctl_sd.error_free)
                ctl_sd.error_free(e);
}
