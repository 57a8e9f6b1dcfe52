/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The event monitor's socket filter (lib/netlink-filter.c), run by the kernel on a socket pair:
 * what can tell of a configuration change reaches the socket, the flood of ordinary records
 * does not, and what the filter does not understand passes. */
#include <check.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/netlink.h>

#include "macro.h"
#include "test-util.h"
#include "fake-kernel.h"
#include "netlink-internal.h"

static int pair[2];

static void setup(void) {
        ck_assert_int_eq(socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, pair), 0);
        ck_assert_int_eq(ak_mon_filter_attach(pair[0]), 0);
}

static void teardown(void) {
        close(pair[0]);
        close(pair[1]);
}

/* Does a record of this type and text get through? */
static int passes(uint16_t type, const char *text) {
        char buf[8192];

        ck_assert_int_eq(fake_emit_record(pair[1], type, text, 1), 0);
        return recv(pair[0], buf, sizeof(buf), MSG_DONTWAIT) > 0;
}

static int syscall_passes(const char *serial, const char *arch, unsigned nr) {
        char text[512];

        snprintf(text, sizeof(text), "audit(1700000000.123:%s): arch=%s syscall=%u success=yes exit=0 a0=1 a1=2 "
                 "a2=3 a3=4 items=0 ppid=1 pid=4242 auid=1000 uid=1000 gid=1000 euid=1000 suid=1000 fsuid=1000 "
                 "egid=1000 sgid=1000 fsgid=1000 tty=pts0 ses=3 comm=\"x\" exe=\"/usr/bin/x\" key=(null)",
                 serial, arch, nr);
        return passes(AUDIT_SYSCALL, text);
}

START_TEST(test_changes_pass) {
        ck_assert(passes(AUDIT_CONFIG_CHANGE, "audit(1700000000.123:42): auid=1000 ses=3 op=remove_rule key=(null) list=4 res=1"));
        ck_assert(passes(AUDIT_FEATURE_CHANGE, "audit(1700000000.123:43): pid=1 uid=0 auid=0 ses=1 feature=loginuid_immutable"));
}
END_TEST

START_TEST(test_ordinary_records_dropped) {
        static const uint16_t types[] = { 1302 /* PATH */, 1307 /* CWD */, 1320 /* EOE */, 1327 /* PROCTITLE */,
                                          1100 /* USER_AUTH */, 1111 /* USYS_CONFIG */, 1400 /* AVC */ };

        for (size_t i = 0; i < ELEMENTSOF(types); i++)
                ck_assert_msg(!passes(types[i], "audit(1700000000.123:42): item=0 name=\"/etc/passwd\""), "type %u", types[i]);
}
END_TEST

/* SYSCALL records: those of the syscalls that send netlink messages pass, others not, at every
 * length of serial. */
START_TEST(test_syscall_records) {
        /* write, pwrite64, writev, pwritev, pwritev2, sendto, sendmsg, sendmmsg, sendfile(64), splice,
         * io_submit, io_uring_enter (and socketcall on i386): every way to write to a socket */
        static const unsigned send64[] = { 1, 18, 20, 296, 328, 44, 46, 307, 40, 275, 209, 426 },
                              other64[] = { 0, 2, 4, 10, 12, 100, 110, 144, 200, 440, 3070 };
        static const unsigned send32[] = { 4, 181, 146, 334, 379, 369, 370, 345, 187, 239, 313, 248, 426, 102 },
                              other32[] = { 1, 3, 5, 44, 46, 1020 };
        static const char *const serials[] = { "1", "42", "4242", "12345678901234567890" };

        for (size_t s = 0; s < ELEMENTSOF(serials); s++) {
                for (size_t i = 0; i < ELEMENTSOF(send64); i++)
                        ck_assert_msg(syscall_passes(serials[s], "c000003e", send64[i]), "%u", send64[i]);
                for (size_t i = 0; i < ELEMENTSOF(other64); i++)
                        ck_assert_msg(!syscall_passes(serials[s], "c000003e", other64[i]), "%u", other64[i]);
                for (size_t i = 0; i < ELEMENTSOF(send32); i++)
                        ck_assert_msg(syscall_passes(serials[s], "40000003", send32[i]), "i386 %u", send32[i]);
                for (size_t i = 0; i < ELEMENTSOF(other32); i++)
                        ck_assert_msg(!syscall_passes(serials[s], "40000003", other32[i]), "i386 %u", other32[i]);
        }
}
END_TEST

/* What the filter does not understand passes: another arch, a header not as the kernel writes. */
START_TEST(test_unknown_passes) {
        ck_assert(syscall_passes("42", "c00000b7", 64));        /* aarch64 */
        ck_assert(syscall_passes("42", "c0000028", 110));
        ck_assert(syscall_passes("42", "c000003e", 0x40000000u + 20));     /* x32 writev */
        ck_assert(passes(1336, "audit(1700000000.123:42): uring_op=9 success=yes exit=1 items=0 ppid=1 pid=2"));
        ck_assert(passes(AUDIT_SYSCALL, "audit(17.1:1): arch=c000003e syscall=110 success=yes exit=0 a0=0 a1=0 a2=0 a3=0 items=0"));
        ck_assert(passes(AUDIT_SYSCALL, "audit(1700000000.123:123456789012345678901): arch=c000003e syscall=110 success=yes"));
}
END_TEST

START_TEST(test_program_fits) {
        struct sock_filter insn[AK_MON_FILTER_MAX];
        size_t n = ak_mon_filter_build(insn, ELEMENTSOF(insn));

        ck_assert_uint_gt(n, 0);
        ck_assert_uint_lt(n, AK_MON_FILTER_MAX);
        ck_assert_uint_eq(ak_mon_filter_build(insn, n - 1), 0);        /* too small: said, not cut */
}
END_TEST

static Suite *mon_filter_suite(void) {
        Suite *s = suite_create("mon-filter");
        TCase *tc = tcase_create("filter");

        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_add_test(tc, test_changes_pass);
        tcase_add_test(tc, test_ordinary_records_dropped);
        tcase_add_test(tc, test_syscall_records);
        tcase_add_test(tc, test_unknown_passes);
        tcase_add_test(tc, test_program_fits);
        suite_add_tcase(s, tc);
        return s;
}

AK_TEST_MAIN(mon_filter_suite)
