/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Small helpers shared by the test programs. */
#pragma once

#include <check.h>

/* 1 when the real kernel's audit control interface is usable from here: root with
 * CAP_AUDIT_CONTROL, in the initial user and pid namespaces, and NETLINK_AUDIT opens. */
int ak_test_have_kernel(void);

/* Serialise tests that talk to the real kernel: an exclusive flock on
 * /tmp/auditkeep-kernel.lock. Returns the fd holding the lock (close it to release), or -errno. */
int ak_test_kernel_lock(void);

/* The main() of a Check program: run the suite SUITE_FN() returns, exit 0 when every test
 * passed. */
int ak_test_run(Suite *s);
#define AK_TEST_MAIN(suite_fn)                  \
        int main(void) {                        \
                return ak_test_run(suite_fn()); \
        }
