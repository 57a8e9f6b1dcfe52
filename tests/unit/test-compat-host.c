/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* common/compat-host.c: the installed auditctl's version, run once and then kept for as long as
 * that file stays the same; a cache that is not root's own, or that anyone else may write, is
 * not believed. A script stands in for auditctl and counts how often it runs. */
#include <check.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "compat-host.h"
#include "test-util.h"
#include "util.h"

static char dir[] = "/tmp/ak-compat-host-XXXXXX";
static char prog[300], runs[300], cache[300];

static void setup(void) {
        FILE *f;

        ck_assert_ptr_nonnull(mkdtemp(dir));
        snprintf(prog, sizeof(prog), "%s/auditctl", dir);
        snprintf(runs, sizeof(runs), "%s/runs", dir);
        snprintf(cache, sizeof(cache), "%s/cache/auditctl-version", dir);
        f = fopen(prog, "we");
        ck_assert_ptr_nonnull(f);
        fprintf(f, "#!/bin/sh\necho run >> '%s'\necho 'auditctl version 4.0.2'\n", runs);
        ck_assert_int_eq(fclose(f), 0);
        ck_assert_int_eq(chmod(prog, 0755), 0);
}

static void teardown(void) {
        char cmd[400];

        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
        ck_assert_int_eq(system(cmd), 0);
}

static int count_runs(void) {
        FILE *f = fopen(runs, "re");
        char line[16];
        int n = 0;

        while (f && fgets(line, sizeof(line), f))
                n++;
        if (f)
                fclose(f);
        return n;
}

static void version(void) {
        char out[256];

        ck_assert_int_eq(compat_host_version(prog, cache, out, sizeof(out)), 0);
        ck_assert_str_eq(out, "auditctl version 4.0.2");
}

START_TEST(test_version_kept) {
        struct timespec later[2] = { { .tv_sec = time(NULL) + 100 }, { .tv_sec = time(NULL) + 100 } };

        if (geteuid() != 0)
                return;         /* the cache is believed only when root owns it */
        version();
        version();
        ck_assert_int_eq(count_runs(), 1);
        /* another auditctl (an upgrade touches the file): run again */
        ck_assert_int_eq(utimensat(AT_FDCWD, prog, later, 0), 0);
        version();
        version();
        ck_assert_int_eq(count_runs(), 2);
        /* a cache that others could have written is not believed */
        ck_assert_int_eq(chmod(cache, 0666), 0);
        version();
        ck_assert_int_eq(count_runs(), 3);
        /* no cache at all: every call runs it */
        {
                char out[256];
                ck_assert_int_eq(compat_host_version(prog, NULL, out, sizeof(out)), 0);
                ck_assert_int_eq(count_runs(), 4);
        }
}
END_TEST

/* $AUDITKEEP_AUDITCTL chooses the auditctl only where it was allowed (auditkeepctl, the tests'
 * daemon): the installed auditkeepd, which never allows it, runs no program its environment names
 * (issue #22). The script stands for a program an attacker would name; as root only, since
 * auditctl -v is asked only as root. */
START_TEST(test_env_only_when_allowed) {
        char detail[300];
        int level;

        if (geteuid() != 0)
                return;
        ck_assert_int_eq(setenv("AUDITKEEP_AUDITCTL", prog, 1), 0);
        level = compat_host_level(detail, sizeof(detail));
        ck_assert_int_eq(count_runs(), 0);
        ck_assert_msg(!strstr(detail, prog), "the environment chose '%s'", detail);
        (void) level;

        compat_host_allow_env();
        level = compat_host_level(detail, sizeof(detail));
        ck_assert_int_eq(level, 4);
        ck_assert_int_eq(count_runs(), 1);
        ck_assert_msg(strstr(detail, prog), "%s", detail);
        ck_assert_int_eq(unsetenv("AUDITKEEP_AUDITCTL"), 0);
}
END_TEST

static Suite *compat_host_suite(void) {
        Suite *s = suite_create("compat-host");
        TCase *tc = tcase_create("compat-host");

        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_add_test(tc, test_version_kept);
        tcase_add_test(tc, test_env_only_when_allowed);
        suite_add_tcase(s, tc);
        return s;
}

AK_TEST_MAIN(compat_host_suite)
