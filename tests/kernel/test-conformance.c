/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The oracle, on the real kernel: for every example rules file of the auditd package installed
 * here, and the lines that the compatibility levels tell apart (tests/kernel/compat/
 * both-levels.rules), `auditkeepctl apply FILE` leaves the kernel's rule list byte-identical, and
 * the status field for field, to what `auditctl -D; auditctl -R FILE` leaves (with -c first, so
 * both go on past refused rules). apply is given no --compat: it follows the installed auditctl,
 * which is what this proves (auditctl 3.0.9 on Debian 12; test-conformance-4.c proves level 4
 * against Debian 13's). Lines that would lock the kernel, make it panic or freeze loginuids are
 * dropped before anything is loaded. */
#include <check.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "auditkeep/ak-kernel.h"
#include "kernel-state.h"
#include "macro.h"
#include "util.h"

#define EXAMPLES "/usr/share/doc/auditd/examples/rules"
#define EXAMPLES_13 "/usr/share/doc/auditd/examples/audit-rules"        /* Debian 13 */

static char **files;
static size_t n_files;

static int natural(const void *a, const void *b) {
        return strverscmp(*(char *const *) a, *(char *const *) b);
}

static void find_files(void) {
        DIR *d = opendir(EXAMPLES);
        struct dirent *de;
        size_t allocated = 0;

        if (!d)
                d = opendir(EXAMPLES_13);
        if (!d)
                return;
        while ((de = readdir(d))) {
                size_t l = strlen(de->d_name);
                if (l > 6 && streq(de->d_name + l - 6, ".rules")) {
                        GROW(files, allocated, n_files + 1);
                        files[n_files++] = strdup_printf("%s/%s", access(EXAMPLES, F_OK) == 0 ? EXAMPLES : EXAMPLES_13, de->d_name);
                }
        }
        closedir(d);
        qsort(files, n_files, sizeof(char *), natural);
        if (n_files > 0) {
                GROW(files, allocated, n_files + 1);
                files[n_files++] = strdup_printf("%s/tests/kernel/compat/both-levels.rules",
                                                 getenv("AK_SRCDIR") ? getenv("AK_SRCDIR") : ".");
        }
}

static const char *ctl(void) {
        static char path[4096];
        snprintf(path, sizeof(path), "%s/tools/auditkeepctl", getenv("AK_BUILDDIR") ? getenv("AK_BUILDDIR") : "build");
        return path;
}

START_TEST(test_example_file) {
        const char *file = files[_i];
        char tmp[] = "/tmp/ak-conformance-XXXXXX";
        ak_kstate saved = {}, by_auditctl = {}, by_apply = {};
        int fd, st;

        kstate_save(&saved);
        fd = mkstemp(tmp);
        ck_assert_int_ge(fd, 0);
        close(fd);
        /* -c first; never -e 2, -f 2 or --loginuid-immutable on the shared kernel */
        ck_assert_int_eq(run("{ echo -c; grep -v -E -e '^[[:space:]]*(-e[[:space:]]+2|-f[[:space:]]+2|--loginuid-immutable)' '%s'; } > %s",
                             file, tmp), 0);

        ck_assert_int_eq(run("auditctl -D >/dev/null 2>&1"), 0);
        run("auditctl -R %s >/dev/null 2>&1", tmp);
        ck_assert_int_eq(kstate_query(&by_auditctl), 0);
        ck_assert_int_eq(kstate_restore(&saved), 0);

        st = run("%s apply -q %s >/dev/null 2>&1", ctl(), tmp);
        ck_assert_msg(st == 0 || st == 1, "auditkeepctl apply %s exited %d", file, st);
        ck_assert_int_eq(kstate_query(&by_apply), 0);
        ck_assert_int_eq(kstate_restore(&saved), 0);
        unlink(tmp);

        ck_assert_msg(kstate_rules_equal(&by_auditctl, &by_apply), "%s: rule lists differ", file);
        ck_assert_msg(kstate_settings_equal(&by_auditctl, &by_apply), "%s: settings differ", file);
        ak_kstate_done(&saved);
        ak_kstate_done(&by_auditctl);
        ak_kstate_done(&by_apply);
}
END_TEST

int main(void) {
        Suite *s = suite_create("conformance");
        TCase *tc = tcase_create("examples");
        SRunner *sr;
        int failed;

        if (!kstate_usable()) {
                fprintf(stderr, "skipped: needs root with CAP_AUDIT_CONTROL in the initial namespaces and an unlocked kernel\n");
                return 77;
        }
        if (access("/usr/sbin/auditctl", X_OK) != 0) {
                fprintf(stderr, "skipped: auditctl (package auditd) is not installed\n");
                return 77;
        }
        find_files();
        if (n_files == 0) {
                fprintf(stderr, "skipped: no example rules under " EXAMPLES "\n");
                return 77;
        }
        tcase_set_timeout(tc, 300);
        tcase_add_loop_test(tc, test_example_file, 0, (int) n_files);
        suite_add_tcase(s, tc);
        sr = srunner_create(s);
        srunner_run_all(sr, CK_ENV);
        failed = srunner_ntests_failed(sr);
        srunner_free(sr);
        return failed ? 1 : 0;
}
