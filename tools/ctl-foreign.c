/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* check: the foreign rules the rules allow to stay ("# auditkeep: allow-foreign", lib/allow.c),
 * and, where the kernel's rules can be read (root), the declared rules that the allowed rules it
 * holds now can shadow: the first rule of a list that matches an event decides whether it is
 * recorded and with which key, and the agent put its rule where it chose. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "auditkeep/ak-kernel.h"
#include "auditkeep/ak-plan.h"
#include "constants.h"
#include "ctl.h"
#include "macro.h"
#include "util.h"

#define QUERY_TIMEOUT_USEC (30u * 1000000u)

/* The shadows in the kernel's rules now, as warnings on stderr (counted in *warnings): one line
 * per allowed rule with how many declared rules it can shadow and the first, at most
 * AK_SHADOWS_LOG_MAX of them, as the daemon's journal says them; -errno when the kernel cannot be
 * read. */
static int check_shadows(const ak_ruleset *rs, check_foreign *ret) {
        ak_nl *nl = NULL;
        ak_kstate k = {};
        _cleanup_free_ ak_shadow *v = NULL;
        _cleanup_free_ ak_shadow_group *g = NULL;
        size_t n = 0, ng = 0;
        int r;

        r = ak_nl_open(&nl);
        if (r >= 0)
                r = ak_nl_query(nl, &k, QUERY_TIMEOUT_USEC);
        ak_nl_free(nl);
        if (r < 0)
                return r;
        for (size_t i = 0; i < k.n_rules; i++)
                ret->allowed += ak_ruleset_allowed(rs, &k.rules[i]) != NULL;
        r = ak_allowed_shadows(rs, &k, &v, &n);
        if (r >= 0)
                r = ak_shadows_by_allowed(&k, v, n, &g, &ng);
        for (size_t i = 0; r >= 0 && i < ng && i < AK_SHADOWS_LOG_MAX; i++) {
                _cleanup_free_ char *line = ak_shadow_group_format(&g[i], 0);

                fprintf(stderr, "warning: %s\n", line ? line : "?");
                ret->warnings++;
        }
        if (r >= 0 && ng > AK_SHADOWS_LOG_MAX) {
                fprintf(stderr, "warning: %zu more allowed foreign rules can shadow declared rules\n", ng - AK_SHADOWS_LOG_MAX);
                ret->warnings++;
        }
        if (r >= 0)
                ret->shadows = ak_shadows_declared(rs, v, n);      /* declared rules, as the daemon counts */
        ak_kstate_done(&k);
        return r;
}

void check_allowed_foreign_findings(const ak_ruleset *rs, check_foreign *ret) {
        *ret = (check_foreign) {};
        if (rs->n_allow == 0)
                return;
        if (rs->lock) {
                /* after the lock no rule can be added or removed, the agent's included */
                _cleanup_free_ char *origin = cescape(rs->allow[0].origin);

                fprintf(stderr, "warning: the rules lock the configuration (-e 2) and allow foreign rules (%s): after the "
                        "lock the agent can neither add nor remove its rules, and an allowed rule that shadows declared "
                        "rules at lock time stays until reboot\n", origin ? origin : "?");
                ret->warnings++;
        }
        if (geteuid() != 0)
                return;
        fflush(stdout);
        ret->checked = check_shadows(rs, ret);
}

void check_allowed_foreign(const ak_ruleset *rs, const check_foreign *f) {
        if (rs->n_allow == 0)
                return;
        for (size_t i = 0; i < rs->n_allow; i++) {
                _cleanup_free_ char *text = ak_allow_format(&rs->allow[i]), *origin = cescape(rs->allow[i].origin);

                printf("foreign rules allowed: %s (%s)\n", text ? text : "?", origin ? origin : "?");
        }
        if (geteuid() != 0)
                printf("which declared rules the allowed rules in the kernel can shadow: not checked (run as root "
                       "to read the kernel's rules)\n");
        else if (f->checked < 0)
                printf("which declared rules the allowed rules in the kernel can shadow: not checked (%s)\n",
                       strerror(-f->checked));
        else
                printf("the kernel holds %zu allowed foreign rule%s; %zu declared rule%s can be shadowed by them\n",
                       f->allowed, f->allowed == 1 ? "" : "s", f->shadows, f->shadows == 1 ? "" : "s");
}

void status_allowed_foreign(sd_bus *bus, uint32_t allowed, uint32_t shadows) {
        sd_bus_error err = SD_BUS_ERROR_NULL;
        sd_bus_message *reply = NULL;
        const char *line;
        int r;

        if (allowed == 0)
                return;
        printf("   foreign: %" PRIu32 " allowed (allow-foreign), kept where their agent put them", allowed);
        if (shadows == 0) {
                printf("\n");
                return;
        }
        printf("; %" PRIu32 " declared rule%s can be shadowed by them:\n", shadows, shadows == 1 ? "" : "s");
        r = sd_bus_call_method(bus, BUS_NAME, BUS_PATH, BUS_IFACE, "ListForeignShadows", &err, &reply, "");
        if (r < 0) {
                if (err.name && streq(err.name, "org.freedesktop.DBus.Error.AccessDenied"))
                        printf("  (which is shown to root only; or see journalctl -u auditkeepd)\n");
                else
                        printf("  (which cannot be read: %s)\n", err.name ? err.name : strerror(-r));
                sd_bus_error_free(&err);
                return;
        }
        r = sd_bus_message_enter_container(reply, 'a', "s");
        while (r >= 0 && (r = sd_bus_message_read(reply, "s", &line)) > 0)
                printf("  %s\n", line);
        sd_bus_message_unref(reply);
}
