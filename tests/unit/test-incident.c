/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Drift incidents and fights (daemon/incident.c, daemon/fight.c), pure: one outside action found
 * in several passes is one incident with the full counts; a fight is judged by what keeps being
 * undone, however the passes split it. */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "test-util.h"
#include "fight.h"
#include "incident.h"

#define N_RULES 6
static ak_rule rules[N_RULES];

static void setup(void) {
        for (int i = 0; i < N_RULES; i++) {
                char text[128], *msg = NULL;
                unsigned col = 0;

                snprintf(text, sizeof(text), "-a always,exit -F arch=b64 -S openat -F uid=%d -k k%d%s", 1000 + i, i % 3,
                         i == 5 ? " -k perm_mod" : "");
                ck_assert_int_eq(ak_rule_from_text(text, &rules[i], &msg, &col), 0);
        }
}

static void teardown(void) {
        for (int i = 0; i < N_RULES; i++)
                ak_rule_done(&rules[i]);
}

/* ops that add back rules [from, to) */
static size_t adds(ak_op *ops, int from, int to) {
        size_t n = 0;
        for (int i = from; i < to; i++)
                ops[n++] = (ak_op) { .type = AK_OP_ADD_RULE, .rule = &rules[i] };
        return n;
}

START_TEST(test_passes_are_one_incident) {
        Incident inc = {};
        struct audit_status have = { .backlog_limit = 321 };
        ak_op ops[N_RULES + 2];
        char buf[256];
        size_t n, missing, extra, moved;

        /* an outside `auditctl -D` seen in three passes: 2 rules, then 3, then 1 */
        ck_assert_int_eq(incident_add(&inc, "event", ops, adds(ops, 0, 2), &have, 1000), 1);
        incident_repaired(&inc, &(ak_sync_report) { .added = 2 }, 1040);
        ck_assert_int_eq(incident_add(&inc, "settle", ops, adds(ops, 2, 5), &have, 1100), 0);
        incident_repaired(&inc, &(ak_sync_report) { .added = 3 }, 1160);
        n = adds(ops, 5, 6);
        ops[n++] = (ak_op) { .type = AK_OP_SET, .mask = AUDIT_STATUS_BACKLOG_LIMIT, .value = 1234 };
        ck_assert_int_eq(incident_add(&inc, "event", ops, n, &have, 1200), 0);
        incident_repaired(&inc, &(ak_sync_report) { .added = 1, .set = 1 }, 1205);
        /* a rule found missing twice counts once */
        ck_assert_int_eq(incident_add(&inc, "poll", ops, adds(ops, 0, 1), &have, 1300), 0);

        incident_counts(&inc, &missing, &extra, &moved);
        ck_assert_uint_eq(missing, 6);
        ck_assert_uint_eq(extra, 0);
        ck_assert_uint_eq(moved, 0);
        incident_describe(&inc, buf, sizeof(buf));
        ck_assert_str_eq(buf, "6 rules removed; backlog_limit set to 321 (want 1234)");
        ck_assert_str_eq(inc.reason, "event");          /* the first pass's */
        ck_assert_uint_eq(inc.passes, 4);
        ck_assert_uint_eq(inc.repairs, 3);
        ck_assert_uint_eq(inc.added, 6);
        ck_assert_uint_eq(inc.set, 1);
        ck_assert_uint_eq(inc.repair_end - inc.first_usec, 205);       /* first difference to last repair */
        /* whole keys, each once: "perm_mod" of rule 5 besides k0..k2 */
        ck_assert_str_eq(inc.keys.text, "k0,k1,k2,perm_mod");
        incident_settings(&inc, buf, sizeof(buf));
        ck_assert_str_eq(buf, "backlog_limit");
        /* reported a quiet spell after the last difference, never later than the cap */
        ck_assert_uint_eq(incident_deadline(&inc, 0), 1300 + INCIDENT_QUIET_USEC);
        ck_assert_uint_eq(incident_deadline(&inc, 10 * INCIDENT_MAX_USEC), 1000 + INCIDENT_MAX_USEC);
        incident_clear(&inc);
        ck_assert(!inc.open);
        ck_assert_int_eq(incident_add(&inc, "poll", ops, adds(ops, 0, 1), &have, 5000), 1);
        incident_clear(&inc);
}
END_TEST

START_TEST(test_moved_rules) {
        Incident inc = {};
        struct audit_status have = {};
        ak_op ops[3] = {
                { .type = AK_OP_DEL_RULE, .rule = &rules[1] },
                { .type = AK_OP_ADD_RULE, .rule = &rules[1] },
                { .type = AK_OP_DEL_RULE, .rule = &rules[4] },
        };
        char buf[256];

        ck_assert_int_eq(incident_add(&inc, "event", ops, 3, &have, 1), 1);
        incident_describe(&inc, buf, sizeof(buf));
        ck_assert_str_eq(buf, "1 rules out of order; 1 rules added");
        incident_clear(&inc);

        /* a rule a repair of this incident put back (appended), then moved into its place by the
         * next pass: not something the outside action did */
        ck_assert_int_eq(incident_add(&inc, "event", ops + 1, 1, &have, 1), 1);
        ck_assert_int_eq(incident_add(&inc, "settle", ops, 2, &have, 2), 0);
        incident_describe(&inc, buf, sizeof(buf));
        ck_assert_str_eq(buf, "1 rules removed");
        incident_clear(&inc);

        /* after a repair, a pass that moves a rule the outside action did not touch (the repairs'
         * appends upset the order): not an outside reorder either */
        ck_assert_int_eq(incident_add(&inc, "event", ops + 1, 1, &have, 1), 1);
        incident_repaired(&inc, &(ak_sync_report) { .added = 1 }, 2);
        {
                ak_op move[3] = { { .type = AK_OP_DEL_RULE, .rule = &rules[3] }, { .type = AK_OP_ADD_RULE, .rule = &rules[3] },
                                  { .type = AK_OP_ADD_RULE, .rule = &rules[4] } };
                ck_assert_int_eq(incident_add(&inc, "settle", move, 3, &have, 3), 0);
        }
        incident_describe(&inc, buf, sizeof(buf));
        ck_assert_str_eq(buf, "2 rules removed");
        incident_clear(&inc);
}
END_TEST

/* The other side deletes everything again and again; the daemon's passes split each deletion
 * differently (2 rules, then 4; 4, then 2; ...). The old rule (compare with the last pass only)
 * never saw a fight in this pattern; what keeps being undone is the same, so it is one. */
START_TEST(test_fight_whatever_the_split) {
        Fight f = {};
        ak_op ops[N_RULES];
        int started = 0;
        unsigned starts = 0;
        uint64_t now = 1000000;
        int round;

        fight_repairing(&f, ops, adds(ops, 0, N_RULES), now);   /* the start */
        for (round = 1; round <= 5 && !f.flapping; round++) {
                int split = round % 2 ? 2 : 4;

                now += 100000;
                ck_assert(!fight_drift(&f, ops, adds(ops, 0, split), now, &started) || round >= FIGHT_THRESHOLD);
                starts += started;
                fight_repairing(&f, ops, adds(ops, 0, split), now + 1000);
                now += 5000;
                (void) fight_drift(&f, ops, adds(ops, split, N_RULES), now, &started);
                starts += started;
                fight_repairing(&f, ops, adds(ops, split, N_RULES), now + 1000);
        }
        ck_assert(f.flapping);
        ck_assert_int_eq(round - 1, FIGHT_THRESHOLD);
        ck_assert_uint_eq(starts, 1);          /* said once */
        ck_assert_uint_eq(f.backoff_usec, 2 * BACKOFF_MIN_USEC);       /* and doubled at the next drift */
        /* quiet for a while: over */
        ck_assert(!fight_quiet(&f, now + FIGHT_QUIET_USEC - 1));
        ck_assert(fight_quiet(&f, now + FIGHT_QUIET_USEC));
        ck_assert(!f.flapping);
}
END_TEST

/* Drift that is not an undoing of a repair is no fight: a different rule each time, or the same
 * rule undone long after it was put back. */
START_TEST(test_no_fight) {
        Fight f = {};
        ak_op ops[N_RULES];
        int started;
        uint64_t now = 1000000;

        for (int i = 0; i < N_RULES; i++) {
                now += 100000;
                ck_assert(!fight_drift(&f, ops, adds(ops, i, i + 1), now, &started));
                fight_repairing(&f, ops, adds(ops, i, i + 1), now);
        }
        for (int i = 0; i < 2 * FIGHT_THRESHOLD; i++) {
                now += FIGHT_WINDOW_USEC;
                ck_assert(!fight_drift(&f, ops, adds(ops, 0, 1), now, &started));
                fight_repairing(&f, ops, adds(ops, 0, 1), now);
        }
        /* several passes finding the same undoing before a repair count once */
        now += 100000;
        for (int i = 0; i < 2 * FIGHT_THRESHOLD; i++)
                ck_assert(!fight_drift(&f, ops, adds(ops, 0, 1), now + (uint64_t) i, &started));
        ck_assert(!f.flapping);
}
END_TEST

/* A repair that moves a rule into its place (delete, add back) put nothing back that the other
 * side took: the rule moved again and again is no fight. */
START_TEST(test_moves_are_no_fight) {
        Fight f = {};
        ak_op ops[2] = { { .type = AK_OP_DEL_RULE, .rule = &rules[2] }, { .type = AK_OP_ADD_RULE, .rule = &rules[2] } };
        int started;
        uint64_t now = 1000000;

        for (int i = 0; i < 2 * FIGHT_THRESHOLD; i++) {
                now += 100000;
                fight_repairing(&f, ops, 2, now);
                (void) fight_drift(&f, ops + 1, 1, now + 1000, &started);
        }
        ck_assert(!f.flapping);
}
END_TEST

static Suite *incident_suite(void) {
        Suite *s = suite_create("incident");
        TCase *tc = tcase_create("incident");

        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_add_test(tc, test_passes_are_one_incident);
        tcase_add_test(tc, test_moved_rules);
        tcase_add_test(tc, test_fight_whatever_the_split);
        tcase_add_test(tc, test_no_fight);
        tcase_add_test(tc, test_moves_are_no_fight);
        suite_add_tcase(s, tc);
        return s;
}

AK_TEST_MAIN(incident_suite)
