/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The oracle at compatibility level 4 (and, built with -DAK_CONFORMANCE_41, level 4.1), on the
 * real kernel: for every example rules file of Debian 13's auditd 4.0.2 (forky's auditd 4.1.2)
 * and the project's own rules (rules/ and tests/kernel/compat/), `auditkeepctl apply --compat=4
 * FILE` (--compat=4.1) leaves the kernel's rule list byte-identical, and the status field for
 * field, to what `auditctl -D; auditctl -R FILE` of that release's auditctl leaves (with -c
 * first, as test-conformance.c does for the host's auditctl). Lines that would lock the kernel,
 * make it panic or freeze loginuids are dropped before anything is loaded.
 *
 * The release's auditctl comes from a minbase root built once by tests/kernel/trixie-root (in
 * $AK_TRIXIE_ROOT, default /var/cache/auditkeep-trixie-root) or tests/kernel/forky-root
 * ($AK_FORKY_ROOT, /var/cache/auditkeep-forky-root). It runs through that root's own
 * dynamic loader and libraries, not chroot: both tools must see the same file system, since
 * auditctl stat()s a watch's path to choose path= or dir=, resolves user names, and the kernel
 * resolves the watch in the caller's root.
 *
 * Also: `auditkeepctl diff` on a kernel that another level's auditctl loaded names the rule
 * that differs and why: at level 4 for both directions between 3 and 4, at level 4.1 after
 * Debian 13's auditctl 4.0.2 (when its root is there). */
#include <check.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "auditkeep/ak-kernel.h"
#include "kernel-state.h"
#include "macro.h"
#include "util.h"

static char **files;
static size_t n_files;
#ifdef AK_CONFORMANCE_41
#define RELEASE "forky"
#define RELEASE_TEXT "Debian forky"
#define ROOT_ENV "AK_FORKY_ROOT"
#define ROOT_SCRIPT "forky-root"
#define VERSION "4.1.2"
#define LEVEL "4.1"
#else
#define RELEASE "trixie"
#define RELEASE_TEXT "Debian 13"
#define ROOT_ENV "AK_TRIXIE_ROOT"
#define ROOT_SCRIPT "trixie-root"
#define VERSION "4.0.2"
#define LEVEL "4"
#endif

static char root[1024], release_auditctl[5120];

static int natural(const void *a, const void *b) {
        return strverscmp(*(char *const *) a, *(char *const *) b);
}

static void add_dir(const char *dir, const char *suffix) {
        DIR *d = opendir(dir);
        struct dirent *de;
        size_t allocated = n_files, first = n_files;

        if (!d)
                return;
        while ((de = readdir(d))) {
                size_t l = strlen(de->d_name), s = strlen(suffix);
                if (l > s && streq(de->d_name + l - s, suffix)) {
                        GROW(files, allocated, n_files + 1);
                        files[n_files++] = strdup_printf("%s/%s", dir, de->d_name);
                }
        }
        closedir(d);
        qsort(files + first, n_files - first, sizeof(char *), natural);
}

static const char *srcdir(void) {
        return getenv("AK_SRCDIR") ? getenv("AK_SRCDIR") : ".";
}

static const char *ctl(void) {
        static char path[4096];
        snprintf(path, sizeof(path), "%s/tools/auditkeepctl", getenv("AK_BUILDDIR") ? getenv("AK_BUILDDIR") : "build");
        return path;
}

/* FILE with -c first and without the lines the shared kernel must never see, in a temp file. */
static char *prepare(const char *file) {
        char *tmp = strdup("/tmp/ak-conformance" RELEASE "-XXXXXX");
        int fd = mkstemp(tmp);

        ck_assert_int_ge(fd, 0);
        close(fd);
        ck_assert_int_eq(run("{ echo -c; grep -v -E -e '^[[:space:]]*(-e[[:space:]]+2|-f[[:space:]]+2|--loginuid-immutable)' '%s'; } > %s",
                             file, tmp), 0);
        return tmp;
}

/* The perm rules at the head of both-levels.rules (up to the comment "# 4.0.2 refuses"): none of
 * those lines is an error at any level, so diff shows the other level's encodings as removals,
 * explained. (Rules with an error keep every rule the kernel holds and they do not declare: no
 * removal to explain.) The line numbers stay those of prepare(). */
static char *prepare_perm_head(const char *file) {
        _cleanup_free_ char *head = strdup("/tmp/ak-conformance" RELEASE "-head-XXXXXX");
        char *tmp;
        int fd = mkstemp(head);

        ck_assert_int_ge(fd, 0);
        close(fd);
        ck_assert_int_eq(run("sed '/^# 4.0.2 refuses/Q' '%s' > %s && grep -q perm-path %s", file, head, head), 0);
        tmp = prepare(head);
        unlink(head);
        return tmp;
}

START_TEST(test_file)
{
        const char *file = files[_i];
        _cleanup_free_ char *tmp = prepare(file);
        ak_kstate saved = {}, by_auditctl = {}, by_apply = {};
        int st;

        kstate_save(&saved);
        ck_assert_int_eq(run("%s -D >/dev/null 2>&1", release_auditctl), 0);
        run("%s -R %s >/dev/null 2>&1", release_auditctl, tmp);
        ck_assert_int_eq(kstate_query(&by_auditctl), 0);
        ck_assert_int_eq(kstate_restore(&saved), 0);

        st = run("%s apply -q --compat=" LEVEL " %s >/dev/null 2>&1", ctl(), tmp);
        ck_assert_msg(st == 0 || st == 1, "auditkeepctl apply --compat=" LEVEL " %s exited %d", file, st);
        ck_assert_int_eq(kstate_query(&by_apply), 0);
        ck_assert_int_eq(kstate_restore(&saved), 0);
        unlink(tmp);

        ck_assert_msg(kstate_rules_equal(&by_auditctl, &by_apply), "%s: rule lists differ (%zu rules by auditctl " VERSION ", %zu by apply)",
                      file, by_auditctl.n_rules, by_apply.n_rules);
        ck_assert_msg(kstate_settings_equal(&by_auditctl, &by_apply), "%s: settings differ", file);
        ak_kstate_done(&saved);
        ak_kstate_done(&by_auditctl);
        ak_kstate_done(&by_apply);
}
END_TEST

/* The kernel as LOADER (an auditctl command line) leaves RULES after -D, then `auditkeepctl diff
 * --compat=LEVEL RULES` into OUT (a mkstemp template, filled in); the kernel's state restored.
 * Returns diff's exit status. Takes level (malloc'd). */
static int diff_after(const char *loader, const char *rules, char *level, char *out) {
        _cleanup_free_ char *lv = level;
        ak_kstate saved = {};
        int fd, st;

        ck_assert_ptr_nonnull(lv);
        fd = mkstemp(out);
        ck_assert_int_ge(fd, 0);
        close(fd);
        kstate_save(&saved);
        ck_assert_int_eq(run("%s -D >/dev/null 2>&1", loader), 0);
        run("%s -R %s >/dev/null 2>&1", loader, rules);
        st = run("%s diff --compat=%s %s > %s 2>&1", ctl(), lv, rules, out);
        ck_assert_int_eq(kstate_restore(&saved), 0);
        ak_kstate_done(&saved);
        return st;
}

#ifndef AK_CONFORMANCE_41
/* A kernel the other level's auditctl loaded: diff names the line and why, instead of a bare
 * remove and add. Loader 0: the host's auditctl 3.x with diff --compat=4; 1: Debian 13's with
 * diff --compat=3. */
START_TEST(test_diff_explains)
{
        const char *host = "/usr/sbin/auditctl";
        int host3 = run("%s -v 2>/dev/null | grep -q 'version 3\\.'", host) == 0;
        const char *loader = _i == 0 ? host : release_auditctl;
        const char *loaded_by = _i == 0 ? "auditctl 3.0.9" : "auditctl 4.0.2";
        int level = _i == 0 ? 4 : 3;
        _cleanup_free_ char *rules = strdup_printf("%s/tests/kernel/compat/both-levels.rules", srcdir());
        _cleanup_free_ char *tmp = prepare_perm_head(rules);
        _cleanup_free_ char *out = strdup("/tmp/ak-conformance4-out-XXXXXX");

        if (_i == 0 && !host3) {
                fprintf(stderr, "diff after auditctl 3: the host's auditctl is not 3.x, skipped\n");
                return;
        }
        ck_assert_int_eq(diff_after(loader, tmp, strdup_printf("%d", level), out), 1);        /* a difference */
        /* the perm rule of line 8 (file line + 1 for the -c the temp file starts with) */
        ck_assert_msg(run("grep -q -F -e '- -a always,exit -F arch=b64 ' %s", out) == 0 &&
                      run("grep -q -F -e '(%s:9 as %s encodes it (compat level %d), not as compat level %d' %s",
                          tmp, loaded_by, 7 - level, level, out) == 0 &&
                      run("grep -q -F -e 'limits the rule to the 38 write and attribute syscalls of x86_64' %s", out) == 0,
                      "diff --compat=%d after %s does not explain the perm rule; see %s", level, loaded_by, out);
        unlink(out);
        unlink(tmp);
}
END_TEST
#endif

#ifdef AK_CONFORMANCE_41
/* A kernel Debian 13's auditctl 4.0.2 loaded, read at level 4.1: diff names the perm rule and why. */
START_TEST(test_diff_explains_41)
{
        const char *trixie = getenv("AK_TRIXIE_ROOT") ? getenv("AK_TRIXIE_ROOT") : "/var/cache/auditkeep-trixie-root";
        _cleanup_free_ char *loader = strdup_printf("%s/lib64/ld-linux-x86-64.so.2 --library-path %s/usr/lib/x86_64-linux-gnu "
                                                    "%s/usr/sbin/auditctl", trixie, trixie, trixie);
        _cleanup_free_ char *rules = strdup_printf("%s/tests/kernel/compat/both-levels.rules", srcdir());
        _cleanup_free_ char *tmp = prepare_perm_head(rules);
        _cleanup_free_ char *out = strdup("/tmp/ak-conformanceforky-out-XXXXXX");

        if (run("%s -v 2>/dev/null | grep -qx 'auditctl version 4.0.2'", loader) != 0) {
                fprintf(stderr, "diff after auditctl 4.0.2: no Debian 13 root in %s, skipped\n", trixie);
                return;
        }
        ck_assert_int_eq(diff_after(loader, tmp, strdup("4.1"), out), 1);    /* a difference */
        ck_assert_msg(run("grep -q -F -e '(%s:9 as auditctl 4.0.2 encodes it (compat level 4), not as compat level 4.1' %s",
                          tmp, out) == 0 &&
                      run("grep -q -F -e 'limits the rule to the 38 write and attribute syscalls of x86_64 (auditctl 4.1.2: 43)' %s",
                          out) == 0,
                      "diff --compat=4.1 after auditctl 4.0.2 does not explain the perm rule; see %s", out);
        unlink(out);
        unlink(tmp);
}
END_TEST
#endif

int main(void) {
        Suite *s = suite_create("conformance-" LEVEL);
        TCase *tc = tcase_create(RELEASE);
        SRunner *sr;
        struct utsname u;
        _cleanup_free_ char *dir = NULL;
        int failed;

        if (!kstate_usable()) {
                fprintf(stderr, "skipped: needs root with CAP_AUDIT_CONTROL in the initial namespaces and an unlocked kernel\n");
                return 77;
        }
        if (uname(&u) < 0 || !streq(u.machine, "x86_64")) {
                fprintf(stderr, "skipped: the " RELEASE_TEXT " root is amd64, this machine is %s\n", u.machine);
                return 77;
        }
        snprintf(root, sizeof(root), "%s", getenv(ROOT_ENV) ? getenv(ROOT_ENV) : "/var/cache/auditkeep-" RELEASE "-root");
        /* the setup step: build the root when it is not there yet (a minute at most) */
        if (run("%s/tests/kernel/" ROOT_SCRIPT " %s >&2", srcdir(), root) != 0) {
                fprintf(stderr, "FAIL: could not build the " RELEASE_TEXT " root in %s (tests/kernel/" ROOT_SCRIPT ")\n", root);
                return 1;
        }
        snprintf(release_auditctl, sizeof(release_auditctl),
                 "%s/lib64/ld-linux-x86-64.so.2 --library-path %s/lib/x86_64-linux-gnu:%s/usr/lib/x86_64-linux-gnu %s/usr/sbin/auditctl",
                 root, root, root, root);
        if (run("%s -v | grep -qx 'auditctl version " VERSION "'", release_auditctl) != 0) {
                fprintf(stderr, "FAIL: %s/usr/sbin/auditctl is not auditctl " VERSION "\n", root);
                return 1;
        }

        dir = strdup_printf("%s/usr/share/doc/auditd/examples/audit-rules", root);
        add_dir(dir, ".rules");
        if (n_files == 0) {
                fprintf(stderr, "FAIL: no example rules in %s\n", dir);
                return 1;
        }
        free(dir);
        dir = strdup_printf("%s/rules", srcdir());
        add_dir(dir, ".rules");
        free(dir);
        dir = strdup_printf("%s/tests/kernel/compat", srcdir());
        add_dir(dir, ".rules");

        tcase_set_timeout(tc, 300);
        tcase_add_loop_test(tc, test_file, 0, (int) n_files);
#ifdef AK_CONFORMANCE_41
        tcase_add_test(tc, test_diff_explains_41);
#else
        tcase_add_loop_test(tc, test_diff_explains, 0, 2);
#endif
        suite_add_tcase(s, tc);
        sr = srunner_create(s);
        srunner_run_all(sr, CK_ENV);
        failed = srunner_ntests_failed(sr);
        srunner_free(sr);
        return failed ? 1 : 0;
}
