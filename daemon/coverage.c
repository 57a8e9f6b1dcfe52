/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Foreign rules kept while removing them could shrink coverage by accident (coverage.h).
 *
 * With --foreign=remove (the default) a full check plans to remove every rule the kernel holds
 * and the rules do not declare. Three situations turn that into a loss nobody chose, and in each
 * the check keeps them instead (foreign_policy()):
 *
 *   - the host loads its rules another way (HOLD_ELSEWHERE): the daemon reads its default sources
 *     and an administrator's unit runs `auditctl -R FILE`, or /etc/audit/audit.rules is not
 *     augenrules' output. /etc/audit/rules.d then holds what the auditd package shipped (Debian:
 *     -D, -b, -f, no rule), and taking it for the whole truth would wipe the host's rules.
 *   - the rules have errors (HOLD_ERRORS): a line was skipped, and the rule it meant may be one
 *     the kernel holds. At start the valid rules are added and nothing is removed (a reload with
 *     errors is refused whole, manager_reload()).
 *   - the rules declare no rule (HOLD_EMPTY) and --allow-empty was not given: an empty rules.d is
 *     far more often a fresh package than a wish for no audit rules.
 *
 * The hold is decided again at every full check from the rules in force, so it ends with a reload
 * of clean, non-empty rules (or a unit and audit.rules put in order). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "auditkeep/ak-facts.h"
#include "constants.h"
#include "coverage.h"
#include "journal-ids.h"
#include "log.h"
#include "util.h"

static const char *root_of(const Manager *m) {
        return m->root ? m->root : "";
}

const char *coverage_default_source(const Manager *m, char *buf, size_t size) {
        struct stat st;

        snprintf(buf, size, "%s%s", root_of(m), DEFAULT_RULES_DIR);
        if (stat(buf, &st) < 0)
                snprintf(buf, size, "%s%s", root_of(m), DEFAULT_RULES_FILE);
        return buf;
}

void coverage_detect(Manager *m) {
        RulesElsewhere found = {};
        char source[512];

        if (m->n_sources == 0)
                (void) rules_elsewhere_find(root_of(m), coverage_default_source(m, source, sizeof(source)), &found);
        if (streq(found.what, m->elsewhere.what))
                return;
        if (found.what[0]) {
                _cleanup_free_ char *field = strdup_printf("AUDITKEEP_RULES_ELSEWHERE=%s", found.what);
                const char *fields[] = { field, NULL };

                log_fields(LOG_WARNING, 0, AK_MID_FOREIGN_KEPT, field ? fields : NULL,
                           "This host loads its audit rules another way: %s. auditkeepd does not take over: rules in "
                           "the kernel that %s does not declare are kept, not removed. To have auditkeepd keep the "
                           "rules of %s, run it with --rules=%s; to have it keep %s alone, with --rules=%s "
                           "(systemctl edit auditkeepd: ExecStart= and an ExecStart= line with the option)",
                           found.what, source, found.file, found.file, DEFAULT_RULES_DIR, DEFAULT_RULES_DIR);
        } else
                log_info("This host no longer loads its audit rules another way, as far as auditkeepd can see "
                         "(found before: %s)", m->elsewhere.what);
        m->elsewhere = found;
}

ak_foreign_policy foreign_policy(Manager *m) {
        m->hold = HOLD_NONE;
        /* monitor mode removes nothing anyway: a foreign rule is reported, not held */
        if (m->foreign == AK_FOREIGN_KEEP || !m->want || m->mode == MODE_MONITOR)
                return m->foreign;
        if (m->elsewhere.what[0])
                m->hold = HOLD_ELSEWHERE;
        else
                switch (ak_foreign_hold_of(m->want, m->allow_empty)) {
                case AK_HOLD_ERRORS: m->hold = HOLD_ERRORS; break;
                case AK_HOLD_EMPTY: m->hold = HOLD_EMPTY; break;
                case AK_HOLD_NONE: break;
                }
        return m->hold != HOLD_NONE ? AK_FOREIGN_KEEP : m->foreign;
}

const char *foreign_hold_to_string(ForeignHold hold) {
        static const char *const names[_HOLD_MAX] = {
                [HOLD_NONE] = "",
                [HOLD_ELSEWHERE] = AK_FOREIGN_KEPT_ELSEWHERE,
                [HOLD_ERRORS] = AK_FOREIGN_KEPT_ERRORS,
                [HOLD_EMPTY] = AK_FOREIGN_KEPT_EMPTY,
        };
        return hold < _HOLD_MAX ? names[hold] : "";
}

const char *foreign_hold_why(const Manager *m, char *buf, size_t size) {
        switch (m->hold) {
        case HOLD_ELSEWHERE:
                snprintf(buf, size, "the rules are loaded another way here (%s)", m->elsewhere.file);
                break;
        case HOLD_ERRORS:
                snprintf(buf, size, "the rules have errors");
                break;
        case HOLD_EMPTY:
                snprintf(buf, size, "the rules declare no rule");
                break;
        default:
                buf[0] = '\0';
        }
        return buf;
}

/* What the administrator can do about a hold. */
static const char *hold_remedy(const Manager *m, char *buf, size_t size) {
        switch (m->hold) {
        case HOLD_ELSEWHERE:
                snprintf(buf, size, "to have auditkeepd keep them, run it with --rules=%s (see the message above)",
                         m->elsewhere.file);
                break;
        case HOLD_ERRORS:
                snprintf(buf, size, "a line that was skipped may declare one of them; fix the errors "
                         "(auditkeepctl check) and reload to have the others removed");
                break;
        case HOLD_EMPTY:
                snprintf(buf, size, "declare the rules to keep, or start auditkeepd with --allow-empty to remove them");
                break;
        default:
                buf[0] = '\0';
        }
        return buf;
}

void foreign_hold_note(Manager *m, const ak_plan *p) {
        char why[400], remedy[400];

        m->foreign_rules = m->hold != HOLD_NONE || m->foreign == AK_FOREIGN_KEEP ? p->n_foreign : 0;
        if (m->hold == m->hold_logged || p->locked)
                return;         /* said already; or locked, when nothing could be removed anyway */
        if (m->hold == HOLD_NONE) {
                log_fields(LOG_INFO, 0, AK_MID_FOREIGN_KEPT, NULL,
                           "Foreign rules are removed again, as --foreign=remove says: nothing keeps them any more");
                m->hold_logged = HOLD_NONE;
                return;
        }
        if (p->n_foreign == 0)
                return;         /* nothing is kept yet: said when something is */
        {
                _cleanup_free_ char *field = strdup_printf("AUDITKEEP_FOREIGN_KEPT=%s", foreign_hold_to_string(m->hold));
                const char *fields[] = { field, NULL };

                log_fields(LOG_WARNING, 0, AK_MID_FOREIGN_KEPT, field ? fields : NULL,
                           "Foreign rules kept: %zu rule%s in the kernel that no rules file declares %s not removed, "
                           "because %s; %s", p->n_foreign, p->n_foreign == 1 ? "" : "s", p->n_foreign == 1 ? "is" : "are",
                           foreign_hold_why(m, why, sizeof(why)), hold_remedy(m, remedy, sizeof(remedy)));
        }
        m->hold_logged = m->hold;
}

static void held_reset(Manager *m) {
        free(m->held);
        m->held = NULL;
        m->n_held = 0;
        m->held_valid = 0;
}

size_t foreign_hold_added(Manager *m, const ak_kstate *have, const ak_plan *kept) {
        ak_plan_opts remove = { .foreign = AK_FOREIGN_REMOVE };
        _cleanup_free_ uint64_t *kept_dels = NULL;
        ak_plan *rp = NULL;
        size_t n_kept_dels = 0, n_new = 0, n_now = 0;
        uint64_t *grown;
        ak_op *ops;

        if (m->hold == HOLD_NONE || kept->locked) {
                held_reset(m);
                return 0;
        }
        /* the foreign rules: what a plan that removes them deletes beyond this one */
        if (ak_plan_build(m->want, have, &remove, &rp) < 0)
                return 0;
        kept_dels = malloc((kept->n_ops + 1) * sizeof(uint64_t));
        ops = realloc(m->held_ops, (rp->n_ops + 1) * sizeof(ak_op));
        if (ops)
                m->held_ops = ops;
        if (!kept_dels || !ops) {
                ak_plan_free(rp);
                return 0;
        }
        for (size_t i = 0; i < kept->n_ops; i++)
                if (kept->ops[i].type == AK_OP_DEL_RULE)
                        kept_dels[n_kept_dels++] = ak_rule_hash(kept->ops[i].rule);
        qsort(kept_dels, n_kept_dels, sizeof(uint64_t), cmp_uint64);
        /* the foreign rules now: those the hold already knew stay known while they are there (one
         * deleted and added again is news again); the others are new */
        grown = malloc((rp->n_ops + 1) * sizeof(uint64_t));
        if (!grown) {
                ak_plan_free(rp);
                return 0;
        }
        for (size_t i = 0; i < rp->n_ops; i++) {
                uint64_t h;

                if (rp->ops[i].type != AK_OP_DEL_RULE)
                        continue;
                h = ak_rule_hash(rp->ops[i].rule);
                if (sorted_has_uint64(kept_dels, n_kept_dels, h))
                        continue;       /* a desired rule moved */
                grown[n_now++] = h;
                if (m->held_valid && sorted_has_uint64(m->held, m->n_held, h))
                        continue;       /* known: the host's, or reported already */
                m->held_ops[n_new] = rp->ops[i];        /* its rule is the snapshot's */
                m->held_ops[n_new++].error = 0;
        }
        ak_plan_free(rp);
        qsort(grown, n_now, sizeof(uint64_t), cmp_uint64);
        free(m->held);
        m->held = grown;
        m->n_held = n_now;
        if (!m->held_valid) {
                m->held_valid = 1;   /* what the hold began with is the host's, not news */
                return 0;
        }
        return n_new;
}

void foreign_hold_free(Manager *m) {
        held_reset(m);
        free(m->held_ops);
        m->held_ops = NULL;
}

/* ------------------------------------------------------------------------------------------ */
/* foreign rules allowed to stay (--allow-foreign, "# auditkeep: allow-foreign") */

/* One mark for a set of shadows: the journal is told again only when it changes. */
static uint64_t shadows_signature(const ak_shadow *v, size_t n) {
        uint64_t sig = n;

        for (size_t i = 0; i < n; i++)
                sig = (sig ^ ak_rule_hash(v[i].allowed)) * UINT64_C(0x100000001b3) ^ ak_rule_hash(v[i].declared);
        return sig;
}

/* A foreign rule with an allowed key that the allowance does not cover (a never or exclude-list
 * rule): removed like any other, and the journal says why. */
static void note_removed_despite_key(Manager *m, const ak_plan *p) {
        for (size_t i = 0; i < p->n_ops; i++) {
                const ak_allow *a;
                _cleanup_free_ char *text = NULL, *allowance = NULL;

                if (p->ops[i].type != AK_OP_DEL_RULE || !(a = ak_ruleset_allowed_key_only(m->want, p->ops[i].rule)))
                        continue;
                text = ak_rule_format_flags(p->ops[i].rule, AK_FORMAT_NO_STAT);
                allowance = ak_allow_format(a);
                log_fields(LOG_WARNING, 0, AK_MID_FOREIGN_KEPT, NULL,
                           "Foreign rule %s carries the allowed key '%s' (allow-foreign %s, %s) but is %s: it is removed "
                           "like any foreign rule, since such a rule hides events or floods the backlog; allow it for that "
                           "key explicitly (action=never, list=exclude, list=task, broad=yes) only if the agent needs it",
                           text ? text : "?", a->key, allowance ? allowance : "?", a->origin,
                           ak_allow_refusal(a, p->ops[i].rule));
        }
}

void foreign_allowed_note(Manager *m, const ak_kstate *have, const ak_plan *p) {
        _cleanup_free_ ak_shadow *v = NULL;
        _cleanup_free_ ak_shadow_group *g = NULL;
        size_t n = 0, ng = 0;
        uint64_t sig;

        if (!m->want || m->want->n_allow == 0) {
                m->foreign_allowed = m->foreign_shadows = 0;
                m->shadows_sig = 0;
                return;
        }
        if (m->mode != MODE_MONITOR && !p->locked)
                note_removed_despite_key(m, p);
        if (m->foreign_allowed != p->n_foreign_allowed)
                log_debug("foreign rules allowed: %zu (were %zu)", p->n_foreign_allowed, m->foreign_allowed);
        m->foreign_allowed = p->n_foreign_allowed;
        if (p->n_foreign_allowed > 0 && ak_allowed_shadows(m->want, have, &v, &n) < 0)
                return;         /* no memory: said at the next check */
        sig = shadows_signature(v, n);
        m->foreign_shadows = ak_shadows_declared(m->want, v, n);
        if (sig == m->shadows_sig)
                return;
        m->shadows_sig = sig;
        if (n == 0) {
                log_info("No allowed foreign rule stands before a declared rule it can shadow any more");
                return;
        }
        /* one line per allowed rule, not per pair: thousands of pairs would flood journald's rate
         * limit and drop the messages after them */
        if (ak_shadows_by_allowed(have, v, n, &g, &ng) < 0)
                return;
        for (size_t i = 0; i < ng && i < AK_SHADOWS_LOG_MAX; i++) {
                _cleanup_free_ char *line = ak_shadow_group_format(&g[i], AK_FORMAT_NO_STAT);

                log_fields(LOG_WARNING, 0, AK_MID_FOREIGN_KEPT, NULL, "%s (the allowed rule stays where its agent put "
                           "it: moving it would look like tampering to the agent)", line ? line : "?");
        }
        if (ng > AK_SHADOWS_LOG_MAX)
                log_fields(LOG_WARNING, 0, AK_MID_FOREIGN_KEPT, NULL, "%zu more allowed foreign rules can shadow declared "
                           "rules (ListForeignShadows, auditkeepctl status as root)", ng - AK_SHADOWS_LOG_MAX);
}
