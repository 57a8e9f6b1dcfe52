/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include <linux/capability.h>
#include <linux/netlink.h>

#include "test-util.h"

/* proc_ns inode numbers of the initial namespaces (PROC_USER_INIT_INO, PROC_PID_INIT_INO). */
#define INIT_USER_NS_INO 0xEFFFFFFDu
#define INIT_PID_NS_INO 0xEFFFFFFCu

static int have_effective_cap(unsigned cap) {
        char line[256];
        FILE *f;
        int r = 0;

        f = fopen("/proc/self/status", "re");
        if (!f)
                return 0;
        while (fgets(line, sizeof(line), f)) {
                unsigned long long caps;

                if (sscanf(line, "CapEff: %llx", &caps) == 1) {
                        r = !!(caps & (1ull << cap));
                        break;
                }
        }
        fclose(f);
        return r;
}

static int ns_is(const char *path, unsigned long ino) {
        struct stat st;

        return stat(path, &st) == 0 && st.st_ino == ino;
}

int ak_test_have_kernel(void) {
        int fd;

        if (geteuid() != 0 || !have_effective_cap(CAP_AUDIT_CONTROL))
                return 0;
        if (!ns_is("/proc/self/ns/user", INIT_USER_NS_INO) || !ns_is("/proc/self/ns/pid", INIT_PID_NS_INO))
                return 0;
        fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_AUDIT);
        if (fd < 0)
                return 0;
        close(fd);
        return 1;
}

int ak_test_kernel_lock(void) {
        int fd;

        fd = open("/tmp/auditkeep-kernel.lock", O_RDWR | O_CREAT | O_CLOEXEC, 0600);
        if (fd < 0)
                return -errno;
        while (flock(fd, LOCK_EX) < 0) {
                if (errno != EINTR) {
                        int r = -errno;

                        close(fd);
                        return r;
                }
        }
        return fd;
}

int ak_test_run(Suite *s) {
        SRunner *sr = srunner_create(s);
        int failed;

        srunner_run_all(sr, CK_ENV);
        failed = srunner_ntests_failed(sr);
        srunner_free(sr);
        return failed ? 1 : 0;
}
