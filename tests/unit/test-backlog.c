/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The kernel's backlog at run time (daemon/backlog.c), pure: the peak, lost records and waits
 * since the daemon started from a series of statuses, counter resets, one warning per episode and
 * its end after the quiet time, and what the messages say. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "test-util.h"
#include "backlog.h"
#include "macro.h"

#define SEC 1000000ull
#define QUIET (5 * SEC)
#define WALL0 1796000000ull * SEC

static struct audit_status st(uint32_t backlog, uint32_t lost, uint32_t wait) {
        return (struct audit_status) { .enabled = 1, .failure = 1, .backlog_limit = 2, .backlog_wait_time = 0,
                                       .backlog = backlog, .lost = lost, .backlog_wait_time_actual = wait };
}

static unsigned note(Backlog *b, struct audit_status s, uint64_t t) {
        return backlog_note(b, &s, t, WALL0 + t, QUIET);
}

START_TEST(test_first_read_is_the_baseline) {
        Backlog b = {};

        /* what the kernel lost before the daemon started is not counted, and opens no episode */
        ck_assert_uint_eq(note(&b, st(0, 1295, 420), 0), 0);
        ck_assert_uint_eq(b.lost_total, 0);
        ck_assert_uint_eq(b.wait_total, 0);
        ck_assert(!b.lost_ep.open && !b.wait_ep.open);
        ck_assert_uint_eq(note(&b, st(0, 1295, 420), 1 * SEC), 0);
}
END_TEST

START_TEST(test_peak) {
        Backlog b = {};

        ck_assert_uint_eq(note(&b, st(3, 0, 0), 0), BACKLOG_MOVED);
        ck_assert_uint_eq(note(&b, st(40, 0, 0), SEC), BACKLOG_MOVED);
        ck_assert_uint_eq(note(&b, st(7, 0, 0), 2 * SEC), 0);   /* lower: the peak stays */
        ck_assert_uint_eq(b.peak, 40);
}
END_TEST

START_TEST(test_lost_episode_once) {
        Backlog b = {};
        _cleanup_free_ char *text = NULL, *end = NULL;
        struct audit_status s;

        note(&b, st(0, 100, 0), 0);
        s = st(2, 18583, 0);
        ck_assert_uint_eq(backlog_note(&b, &s, 1 * SEC, WALL0 + 1 * SEC, QUIET), BACKLOG_MOVED | BACKLOG_LOST_BEGIN);
        ck_assert_uint_eq(b.lost_ep.amount, 18483);
        ck_assert_uint_eq(b.lost_ep.since_usec, WALL0);         /* lost after the read before */
        text = backlog_lost_message(&b, &s);
        ck_assert_ptr_nonnull(text);
        ck_assert_ptr_nonnull(strstr(text, "the kernel lost 18483 records since "));
        ck_assert_ptr_nonnull(strstr(text, "backlog limit 2, highest backlog seen 2, backlog_wait_time 0"));
        ck_assert_ptr_nonnull(strstr(text, "raise the backlog limit (-b 8192 in the rules)"));
        ck_assert_ptr_nonnull(strstr(text, "set --backlog_wait_time (0 drops"));
        ck_assert_ptr_nonnull(strstr(text, "aureport --start recent --key --summary"));
        ck_assert_ptr_null(strstr(text, "rate limit drops"));   /* -r 0 here */

        /* more losses in the same episode: counted, not warned again */
        ck_assert_uint_eq(note(&b, st(0, 18600, 0), 2 * SEC), BACKLOG_MOVED);
        ck_assert_uint_eq(note(&b, st(0, 18600, 0), 4 * SEC), 0);
        ck_assert_uint_eq(note(&b, st(0, 18600, 0), 6 * SEC), 0);      /* 4 s quiet: not yet */
        ck_assert_uint_eq(note(&b, st(0, 18600, 0), 7 * SEC), BACKLOG_LOST_END);
        ck_assert_uint_eq(b.lost_ep.amount, 18500);
        end = backlog_lost_end_message(&b);
        ck_assert_ptr_nonnull(strstr(end, "no longer lost: 18500 records lost between "));
        /* a new loss after the end: a new episode, warned again */
        ck_assert_uint_eq(note(&b, st(0, 18601, 0), 8 * SEC), BACKLOG_MOVED | BACKLOG_LOST_BEGIN);
        ck_assert_uint_eq(b.lost_ep.amount, 1);
        ck_assert_uint_eq(b.lost_total, 18501);
}
END_TEST

START_TEST(test_counter_reset) {
        Backlog b = {};

        note(&b, st(0, 500, 9000), 0);
        /* --reset-lost and --reset_backlog_wait_time_actual: counted from 0, never negative */
        ck_assert_uint_eq(note(&b, st(0, 0, 0), SEC), 0);
        ck_assert_uint_eq(note(&b, st(0, 7, 250), 2 * SEC), BACKLOG_MOVED | BACKLOG_LOST_BEGIN | BACKLOG_WAIT_BEGIN);
        ck_assert_uint_eq(b.lost_total, 7);
        ck_assert_uint_eq(b.wait_total, 250);
        /* reset again with losses since: those count */
        ck_assert_uint_eq(note(&b, st(0, 3, 250), 3 * SEC), BACKLOG_MOVED);
        ck_assert_uint_eq(b.lost_total, 10);
}
END_TEST

START_TEST(test_wait_episode) {
        Backlog b = {};
        _cleanup_free_ char *text = NULL, *end = NULL;
        struct audit_status s;

        note(&b, st(0, 0, 155), 0);
        s = st(5, 0, 155 + 500);
        s.backlog_wait_time = 15000;
        ck_assert_uint_eq(backlog_note(&b, &s, SEC, WALL0 + SEC, QUIET), BACKLOG_MOVED | BACKLOG_WAIT_BEGIN);
        text = backlog_wait_message(&b, &s, 250);
        ck_assert_ptr_nonnull(strstr(text, "Audited processes waited 2.000 s for the audit backlog since "));
        ck_assert_ptr_nonnull(strstr(text, "backlog_wait_time 15000 = 60 s a record"));
        ck_assert_ptr_nonnull(strstr(text, "no record was lost"));
        ck_assert_uint_eq(backlog_jiffies_usec(b.wait_total, 250), 2 * SEC);
        ck_assert_uint_eq(backlog_jiffies_usec(b.wait_total, 1000), SEC / 2);
        ck_assert_uint_eq(note(&b, st(0, 0, 655), 7 * SEC), BACKLOG_WAIT_END);
        end = backlog_wait_end_message(&b, 250);
        ck_assert_ptr_nonnull(strstr(end, "no longer wait for the audit backlog: 2.000 s waited between "));
}
END_TEST

START_TEST(test_unlimited_and_rate_limit) {
        Backlog b = {};
        _cleanup_free_ char *text = NULL;
        struct audit_status s = st(0, 0, 0);

        note(&b, s, 0);
        s.lost = 40;
        s.backlog_limit = 0;
        s.rate_limit = 100;
        note(&b, s, SEC);
        text = backlog_lost_message(&b, &s);
        ck_assert_ptr_nonnull(strstr(text, "The backlog is unlimited, so the records went for another reason"));
        ck_assert_ptr_nonnull(strstr(text, "the rate limit drops records above 100 a second (-r 0 removes it)"));
        ck_assert_ptr_null(strstr(text, "-b "));
}
END_TEST

START_TEST(test_hz) {
        /* one tick of CLOCK_MONOTONIC_COARSE: one of the kernel's HZ values */
        unsigned hz = backlog_hz();

        ck_assert(hz == 100 || hz == 250 || hz == 300 || hz == 1000);
}
END_TEST

static Suite *backlog_suite(void) {
        Suite *s = suite_create("backlog");
        TCase *tc = tcase_create("backlog");

        tcase_add_test(tc, test_first_read_is_the_baseline);
        tcase_add_test(tc, test_peak);
        tcase_add_test(tc, test_lost_episode_once);
        tcase_add_test(tc, test_counter_reset);
        tcase_add_test(tc, test_wait_episode);
        tcase_add_test(tc, test_unlimited_and_rate_limit);
        tcase_add_test(tc, test_hz);
        suite_add_tcase(s, tc);
        return s;
}

AK_TEST_MAIN(backlog_suite)
