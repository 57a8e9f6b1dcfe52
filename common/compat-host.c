/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The compatibility level of this host: the version the installed auditctl reports. Shared by
 * auditkeepd and auditkeepctl; the library never runs programs. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "compat-host.h"
#include "util.h"

#define VERSION_TIMEOUT_MSEC 2000

/* Run `PATH -v` with nothing but LC_ALL=C, stdin and stderr on /dev/null, and read what it
 * prints (at most size - 1 bytes, for at most two seconds). 0, or -errno. */
static int run_version(const char *path, char *buf, size_t size) {
        int p[2], status, r = 0;
        size_t len = 0;
        uint64_t deadline = now_usec() + VERSION_TIMEOUT_MSEC * 1000ull;
        pid_t pid;

        if (pipe2(p, O_CLOEXEC) < 0)
                return -errno;
        pid = fork();
        if (pid < 0) {
                r = -errno;
                close(p[0]);
                close(p[1]);
                return r;
        }
        if (pid == 0) {
                char *const argv[] = { (char *) "auditctl", (char *) "-v", NULL };
                char *const envp[] = { (char *) "LC_ALL=C", (char *) "PATH=/usr/sbin:/usr/bin:/sbin:/bin", NULL };
                int null = open("/dev/null", O_RDWR | O_CLOEXEC);

                if (null < 0 || dup2(null, STDIN_FILENO) < 0 || dup2(p[1], STDOUT_FILENO) < 0 ||
                    dup2(null, STDERR_FILENO) < 0)
                        _exit(127);
                execve(path, argv, envp);
                _exit(127);
        }
        close(p[1]);
        for (;;) {
                struct pollfd pfd = { .fd = p[0], .events = POLLIN };
                uint64_t now = now_usec();
                ssize_t k;
                int n;

                if (now >= deadline) {
                        r = -ETIMEDOUT;
                        break;
                }
                n = poll(&pfd, 1, (int) ((deadline - now) / 1000) + 1);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0) {
                        r = n < 0 ? -errno : -ETIMEDOUT;
                        break;
                }
                k = read(p[0], buf + len, size - 1 - len);
                if (k < 0 && errno == EINTR)
                        continue;
                if (k <= 0)
                        break;
                len += (size_t) k;
                if (len >= size - 1)
                        break;
        }
        close(p[0]);
        buf[len] = '\0';
        if (r < 0)
                (void) kill(pid, SIGKILL);
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
                ;
        if (r == 0 && !(WIFEXITED(status) && WEXITSTATUS(status) == 0))
                r = -ENOEXEC;
        return r;
}

/* What identifies the program's file: another auditctl (an upgrade) has another key. */
static void file_key(const struct stat *st, char *buf, size_t size) {
        snprintf(buf, size, "%llu %llu %lld %lld.%09ld %lld.%09ld", (unsigned long long) st->st_dev,
                 (unsigned long long) st->st_ino, (long long) st->st_size, (long long) st->st_mtim.tv_sec,
                 st->st_mtim.tv_nsec, (long long) st->st_ctim.tv_sec, st->st_ctim.tv_nsec);
}

/* The version line cached for this key: 0, or -errno. Only a root-owned file that nobody else can
 * write is believed. */
static int cache_read(const char *cache, const char *key, char *out, size_t size) {
        FILE *f = fopen(cache, "re");
        char line[256];
        struct stat st;
        int r = 0;

        if (!f)
                return -errno;
        if (fstat(fileno(f), &st) < 0 || st.st_uid != 0 || (st.st_mode & 022))
                r = -EPERM;
        else if (!fgets(line, sizeof(line), f) || (line[strcspn(line, "\n")] = '\0', !streq(line, key)) ||
                 !fgets(out, (int) size, f))
                r = -ESTALE;
        fclose(f);
        if (r == 0)
                out[strcspn(out, "\n")] = '\0';
        return r;
}

/* Best effort: a new file renamed into place (the daemon's sandbox cannot write here; fine). */
static void cache_write(const char *cache, const char *key, const char *version) {
        _cleanup_free_ char *tmp = strdup_printf("%s.%d", cache, (int) getpid());
        _cleanup_free_ char *dir = strdup(cache);
        FILE *f;

        if (!tmp || !dir || !strrchr(dir, '/'))
                return;
        *strrchr(dir, '/') = '\0';
        (void) mkdir(dir, 0755);
        f = fopen(tmp, "wxe");
        if (!f)
                return;
        fprintf(f, "%s\n%s\n", key, version);
        if (fclose(f) != 0 || rename(tmp, cache) < 0)
                (void) unlink(tmp);
}

/* `path -v`'s first line, from the cache when the file is the one it was read from. */
int compat_host_version(const char *path, const char *cache, char *out, size_t size) {
        struct stat st;
        char key[128];
        int r;

        if (stat(path, &st) < 0)
                return -errno;
        file_key(&st, key, sizeof(key));
        if (cache && cache_read(cache, key, out, size) == 0)
                return 0;
        r = run_version(path, out, size);
        if (r < 0)
                return r;
        out[strcspn(out, "\n")] = '\0';
        if (cache && ak_compat_from_version(out) > 0)
                cache_write(cache, key, out);
        return 0;
}

static int env_allowed;

void compat_host_allow_env(void) {
        env_allowed = 1;
}

int compat_host_level(char *detail, size_t size) {
        static const char *const paths[] = { "/usr/sbin/auditctl", "/sbin/auditctl" };
        const char *env = env_allowed ? getenv("AUDITKEEP_AUDITCTL") : NULL;
        char out[256];
        int r = -ENOENT;

        for (size_t i = 0; i < (env ? 1 : ELEMENTSOF(paths)); i++) {
                const char *path = env ? env : paths[i];
                int level;

                if (access(path, X_OK) < 0)
                        continue;
                if (geteuid() != 0) {
                        /* auditctl refuses everyone but root, even for -v */
                        snprintf(detail, size, "%s -v needs root", path);
                        return -EPERM;
                }
                /* running it costs a fork and an exec at every start: its answer is kept (not
                 * for the tests' auditctl) */
                r = compat_host_version(path, env ? NULL : COMPAT_VERSION_CACHE, out, sizeof(out));
                if (r < 0) {
                        snprintf(detail, size, "%s -v failed: %s", path, strerror(-r));
                        return r;
                }
                level = ak_compat_from_version(out);
                if (level < 0) {
                        snprintf(detail, size, "%s -v printed no version", path);
                        return -EINVAL;
                }
                if (ak_compat_version_newer(out))
                        /* the most recent level, and say so: lines the newer auditctl compiles
                         * differently are not known here */
                        snprintf(detail, size, "%s (%s), newer than any level", out, path);
                else
                        snprintf(detail, size, "%s (%s)", out, path);
                return level;
        }
        snprintf(detail, size, "no auditctl installed");
        return r;
}

void compat_host_setup(ak_ruleset *rs, int command_line_level) {
        char detail[300];
        int level;

        if (command_line_level > 0) {
                ak_ruleset_set_compat(rs, command_line_level, AK_COMPAT_ORIGIN_COMMAND_LINE, NULL);
                return;
        }
        level = compat_host_level(detail, sizeof(detail));
        if (level > 0)
                ak_ruleset_set_compat(rs, level, AK_COMPAT_ORIGIN_HOST, detail);
        else
                ak_ruleset_set_compat(rs, AK_COMPAT_LATEST, AK_COMPAT_ORIGIN_DEFAULT, detail);
}
