/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* auditkeepd, the built binary, against the fake kernel: it speaks the audit protocol over a
 * socket the test hands it (--control-fd), reads records from another (--monitor-fd), reports to
 * a NOTIFY_SOCKET the test reads all the time, and logs to a file. Each test is its own forked
 * process with its own daemon; nothing touches the real kernel's audit state.
 *
 * The fake records every request it handles (type, seq, its answer, and the rule count and
 * `enabled` just after) in one timeline with the notify messages, so that order can be checked:
 * READY=1 after the rules went in, the lock as the last write, no write at all when locked. */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <regex.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/netlink.h>

#include "auditkeep/ak-kernel.h"
#include "auditkeep/ak-rules.h"
#include "fake-kernel.h"
#include "macro.h"
#include "util.h"

/* NETLINK_USERSOCK multicast groups for spoofed datagrams and overruns (test-netlink uses 23/24;
 * tests may run in parallel and the groups are shared by the whole network namespace). */
#define SPOOF_GROUP 19u
#define OVERRUN_GROUP 20u

#define RULES_HEAD                                                                              \
        "# fake kernel test rules\n"                                                            \
        "-D\n"                                                                                  \
        "-b 8192\n"                                                                             \
        "-f 1\n"                                                                                \
        "-r 100\n"                                                                              \
        "--backlog_wait_time 60000\n"                                                           \
        "-w /etc/passwd -p wa -k identity\n"                                                    \
        "-a always,exit -F arch=b64 -S openat -F exit=-EACCES -k access\n"                      \
        "-a never,exit -F arch=b64 -S chmod -F auid=1234\n"                                     \
        "-a always,exit -F arch=b64 -S chmod,fchmod -F auid>=1000 -F auid!=unset -k perm\n"

/* 5 rules; the status differs from the fake's defaults in -b, -r and --backlog_wait_time. */
static const char BASE_RULES[] = RULES_HEAD "-a always,exclude -F msgtype=CWD\n" "-e 1\n";
static const char LOCK_RULES[] = RULES_HEAD "-a always,exclude -F msgtype=CWD\n" "-e 2\n";
/* 6 rules: one more, a watch under a directory that does not exist (the fake is told to refuse it). */
#define PENDING_LINE "-w /nonexistent/ak-dir/file -p wa -k pending\n"
static const char PENDING_RULES[] = RULES_HEAD PENDING_LINE "-a always,exclude -F msgtype=CWD\n" "-e 1\n";
static const char PENDING_LOCK_RULES[] = RULES_HEAD PENDING_LINE "-a always,exclude -F msgtype=CWD\n" "-e 2\n";

#define DRIFT_SERIAL "4242"
#define CHANGER "pid=4242 comm=auditctl exe=/usr/sbin/auditctl auid=1000 ses=3"
static const char CONFIG_CHANGE_REC[] =
        "audit(1700000000.123:" DRIFT_SERIAL "): auid=1000 ses=3 subj=unconfined op=remove_rule "
        "key=\"perm\" list=4 res=1";
static const char SYSCALL_REC[] =
        "audit(1700000000.123:" DRIFT_SERIAL "): arch=c000003e syscall=44 success=yes exit=1084 a0=4 "
        "a1=7ffc2a1b2c30 a2=43c a3=0 items=0 ppid=4241 pid=4242 auid=1000 uid=0 gid=0 euid=0 suid=0 "
        "fsuid=0 egid=0 sgid=0 fsgid=0 tty=pts0 ses=3 comm=\"auditctl\" exe=\"/usr/sbin/auditctl\" "
        "subj=unconfined key=(null)";

/* ---------------------------------------------------------------------------------------------
 * The timeline: requests the fake handled and messages the daemon sent to NOTIFY_SOCKET. */

enum { EV_REQ, EV_NOTIFY };

typedef struct ev {
        int kind;
        uint64_t usec;
        /* EV_REQ */
        uint16_t type;
        uint32_t seq;
        int error;
        struct audit_status set;        /* AUDIT_SET payload */
        size_t rules_after;
        uint32_t enabled_after;
        /* EV_NOTIFY */
        char *text;
} ev;

static pthread_mutex_t tl_lock = PTHREAD_MUTEX_INITIALIZER;
static ev *tl;
static size_t tl_n, tl_allocated;

static void tl_push(const ev *e) {
        pthread_mutex_lock(&tl_lock);
        if (tl_n == tl_allocated) {
                size_t a = tl_allocated ? tl_allocated * 2 : 256;
                ev *v = realloc(tl, a * sizeof(*v));

                if (!v)
                        abort();
                tl = v;
                tl_allocated = a;
        }
        tl[tl_n] = *e;
        tl[tl_n].usec = now_usec();
        tl_n++;
        pthread_mutex_unlock(&tl_lock);
}

static size_t tl_len(void) {
        size_t n;

        pthread_mutex_lock(&tl_lock);
        n = tl_n;
        pthread_mutex_unlock(&tl_lock);
        return n;
}

/* A copy of event i (texts are never freed, so the pointer stays valid). */
static ev tl_get(size_t i) {
        ev e;

        size_t n;

        pthread_mutex_lock(&tl_lock);
        n = tl_n;
        if (i < n)
                e = tl[i];
        pthread_mutex_unlock(&tl_lock);
        ck_assert_uint_lt(i, n);
        return e;
}

static int is_write(uint16_t type) {
        return type == AUDIT_ADD_RULE || type == AUDIT_DEL_RULE || type == AUDIT_SET || type == AUDIT_SET_FEATURE;
}

static int is_lock(const ev *e) {
        return e->kind == EV_REQ && e->type == AUDIT_SET && (e->set.mask & AUDIT_STATUS_ENABLED) && e->set.enabled == 2;
}

/* Requests of `type` (0: any write) in [from, to). */
static size_t count_req(uint16_t type, size_t from, size_t to) {
        size_t n = 0;

        for (size_t i = from; i < to; i++) {
                ev e = tl_get(i);

                if (e.kind == EV_REQ && (type ? e.type == type : is_write(e.type)))
                        n++;
        }
        return n;
}

static const char *type_name(uint16_t t) {
        switch (t) {
        case AUDIT_GET: return "GET";
        case AUDIT_SET: return "SET";
        case AUDIT_LIST_RULES: return "LIST_RULES";
        case AUDIT_ADD_RULE: return "ADD_RULE";
        case AUDIT_DEL_RULE: return "DEL_RULE";
        case AUDIT_GET_FEATURE: return "GET_FEATURE";
        case AUDIT_SET_FEATURE: return "SET_FEATURE";
        default: return "?";
        }
}

static void tl_dump(size_t from) {
        size_t n = tl_len();

        fprintf(stderr, "---- timeline from %zu ----\n", from);
        for (size_t i = from; i < n; i++) {
                ev e = tl_get(i);

                if (e.kind == EV_REQ)
                        fprintf(stderr, "%4zu req %s seq=%u err=%d rules=%zu enabled=%u%s\n", i, type_name(e.type),
                                e.seq, e.error, e.rules_after, e.enabled_after, is_lock(&e) ? " (LOCK)" : "");
                else
                        fprintf(stderr, "%4zu notify %s\n", i, e.text);
        }
}

/* When a wait for a state gives up: `timeout_ms` from now, but never less than WAIT_FLOOR_MS. A
 * wait returns as soon as the state is there, so a long deadline costs a passing test nothing,
 * while a short one fails on a machine slower than the author's (CI under load, the sanitizer
 * build). */
#define WAIT_FLOOR_MS 10000
#define WAIT_MS(timeout_ms) ((timeout_ms) > WAIT_FLOOR_MS ? (timeout_ms) : WAIT_FLOOR_MS)
static uint64_t wait_deadline(int timeout_ms) {
        return now_usec() + (uint64_t) WAIT_MS(timeout_ms) * 1000u;
}

/* Does notify message `text` hold `line` (exactly, or as a prefix when prefix is set)? */
static int msg_has_line(const char *text, const char *line, int prefix) {
        size_t n = strlen(line);

        for (const char *p = text; p && *p;) {
                const char *nl = strchr(p, '\n');
                size_t len = nl ? (size_t) (nl - p) : strlen(p);

                if (prefix ? len >= n && strncmp(p, line, n) == 0 : len == n && strncmp(p, line, n) == 0)
                        return 1;
                p = nl ? nl + 1 : NULL;
        }
        return 0;
}

/* Index of the first notify message at or after `from` holding the line, or -1. */
static ssize_t find_notify(const char *line, size_t from, int prefix) {
        size_t n = tl_len();

        for (size_t i = from; i < n; i++) {
                ev e = tl_get(i);

                if (e.kind == EV_NOTIFY && msg_has_line(e.text, line, prefix))
                        return (ssize_t) i;
        }
        return -1;
}

static size_t wait_notify_full(const char *line, size_t from, int prefix, int timeout_ms) {
        uint64_t end = wait_deadline(timeout_ms);
        ssize_t i;

        while ((i = find_notify(line, from, prefix)) < 0 && now_usec() < end)
                usleep(5000);
        if (i < 0)
                tl_dump(from);
        ck_assert_msg(i >= 0, "no '%s' from the daemon on NOTIFY_SOCKET within %d ms", line, WAIT_MS(timeout_ms));
        return (size_t) i;
}

#define wait_notify(line, from, ms) wait_notify_full((line), (from), 0, (ms))

/* The STATUS= value of the last notify message before `to` carrying one ("" when none). */
static const char *status_before(size_t to) {
        const char *st = "";

        for (size_t i = 0; i < to; i++) {
                ev e = tl_get(i);
                const char *p;

                if (e.kind != EV_NOTIFY)
                        continue;
                for (p = e.text; p && *p;) {
                        if (strncmp(p, "STATUS=", 7) == 0)
                                st = p + 7;
                        p = strchr(p, '\n');
                        if (p)
                                p++;
                }
        }
        return st;
}

/* STATUS text up to its end of line, in a static buffer. */
static const char *status_line(const char *s) {
        static char buf[512];
        size_t n = strcspn(s, "\n");

        snprintf(buf, sizeof(buf), "%.*s", (int) n, s);
        return buf;
}

static const char *last_status(void) {
        return status_line(status_before(tl_len()));
}

/* Wait until the current STATUS starts with `prefix`. */
static void wait_status(const char *prefix, int timeout_ms) {
        uint64_t end = wait_deadline(timeout_ms);
        char now[512];

        for (;;) {
                /* one snapshot per look: the reader thread may append meanwhile */
                snprintf(now, sizeof(now), "%s", last_status());
                if (strncmp(now, prefix, strlen(prefix)) == 0 || now_usec() >= end)
                        break;
                usleep(5000);
        }
        if (strncmp(now, prefix, strlen(prefix)) != 0)
                tl_dump(0);
        ck_assert_msg(strncmp(now, prefix, strlen(prefix)) == 0,
                      "STATUS is '%s', expected it to start with '%s'", now, prefix);
}

/* ---------------------------------------------------------------------------------------------
 * One test's world: a directory, the fake kernel, the sockets, the daemon. */

typedef enum mon_kind {
        MON_UNIX,       /* AF_UNIX SOCK_SEQPACKET pair: the test writes records (all trusted) */
        MON_NETLINK,    /* an unconnected NETLINK_USERSOCK socket: only port 0 (the kernel) is trusted */
        MON_NONE,       /* --monitor-fd=none: no records at all, so every poll lists the rules */
} mon_kind;

typedef struct world {
        char dir[512];
        char rules[600], log[600], notify[600];
        fake_kernel *fk;
        int control;            /* the daemon's control socket (our copy, kept for spoofing) */
        int mon;                /* the daemon's monitor socket (our copy) */
        int mon_peer;           /* MON_UNIX: our end, to write records */
        int notify_fd, stop_fd;
        pthread_t notify_thread;
        int notify_running;
        pid_t pid;
        ak_ruleset *want;
        const char *extra_arg;  /* one more daemon option, or NULL */
        const char *extra_arg2; /* and another */
        int default_sources;    /* no --rules: the daemon reads its default sources (under --root) */
        char bus_address[720];  /* a private bus for the daemon, or "" */
        pid_t bus_pid;
} world;

static char root_dir[256];      /* set in main() before the tests fork */
static world w;

/* The keeping marker a test watches: whether it existed when each READY=1 came in (-1: no
 * READY=1 yet), read by the notify thread the moment the message arrives. */
static char marker_watch[700];
static volatile int marker_at_ready = -1;

static void on_request(fake_kernel *fk, const struct nlmsghdr *h, const void *payload, size_t plen, int error,
                       void *userdata) {
        ev e = {
                .kind = EV_REQ,
                .type = h->nlmsg_type,
                .seq = h->nlmsg_seq,
                .error = error,
                .rules_after = fake_kernel_rule_count(fk),
                .enabled_after = fk->status.enabled,
        };

        if (h->nlmsg_type == AUDIT_SET)
                memcpy(&e.set, payload, plen < sizeof(e.set) ? plen : sizeof(e.set));
        tl_push(&e);
}

static void *notify_main(void *userdata) {
        for (;;) {
                struct pollfd p[2] = {
                        { .fd = w.notify_fd, .events = POLLIN },
                        { .fd = w.stop_fd, .events = POLLIN },
                };
                char buf[4097];
                ssize_t n;

                if (poll(p, 2, -1) < 0) {
                        if (errno == EINTR)
                                continue;
                        break;
                }
                if (p[1].revents)
                        break;
                n = recv(w.notify_fd, buf, sizeof(buf) - 1, MSG_DONTWAIT);
                if (n < 0)
                        continue;
                buf[n] = '\0';
                if (marker_watch[0] && msg_has_line(buf, "READY=1", 0))
                        marker_at_ready = access(marker_watch, F_OK) == 0;
                {
                        ev e = { .kind = EV_NOTIFY, .text = strdup(buf) };

                        if (!e.text)
                                abort();
                        tl_push(&e);
                }
        }
        return NULL;
}

static int usersock_open(void) {
        struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
        int fd;

        fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_USERSOCK);
        ck_assert_msg(fd >= 0, "NETLINK_USERSOCK: %s", strerror(errno));
        ck_assert_int_eq(bind(fd, (struct sockaddr *) &sa, sizeof(sa)), 0);
        return fd;
}

static void world_init(const char *name, fake_transport transport, mon_kind mon) {
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        int sv[2];

        w = (world) { .control = -1, .mon = -1, .mon_peer = -1, .notify_fd = -1, .stop_fd = -1 };
        pthread_mutex_lock(&tl_lock);
        tl_n = 0;       /* (a fresh process with CK_FORK; not so with CK_FORK=no) */
        pthread_mutex_unlock(&tl_lock);
        snprintf(w.dir, sizeof(w.dir), "%s/%s", root_dir, name);
        ck_assert_msg(mkdir(w.dir, 0700) == 0, "mkdir %s: %s", w.dir, strerror(errno));
        snprintf(w.rules, sizeof(w.rules), "%s/test.rules", w.dir);
        snprintf(w.log, sizeof(w.log), "%s/daemon.log", w.dir);
        snprintf(w.notify, sizeof(w.notify), "%s/notify", w.dir);

        ck_assert_int_eq(fake_kernel_new(transport, &w.fk), 0);
        w.fk->on_request = on_request;
        w.control = fake_kernel_take_client_fd(w.fk);
        ck_assert_int_ge(w.control, 3);

        if (mon == MON_UNIX) {
                ck_assert_int_eq(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv), 0);
                w.mon = sv[0];
                w.mon_peer = sv[1];
        } else if (mon == MON_NETLINK)
                w.mon = usersock_open();
        else
                w.mon = -1;

        /* NOTIFY_SOCKET, read all the time: a full queue would block the daemon in sd_notify. */
        ck_assert_uint_lt(strlen(w.notify), sizeof(sa.sun_path));
        strcpy(sa.sun_path, w.notify);
        w.notify_fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        ck_assert_int_ge(w.notify_fd, 0);
        ck_assert_int_eq(bind(w.notify_fd, (struct sockaddr *) &sa, sizeof(sa)), 0);
        w.stop_fd = eventfd(0, EFD_CLOEXEC);
        ck_assert_int_ge(w.stop_fd, 0);
        ck_assert_int_eq(pthread_create(&w.notify_thread, NULL, notify_main, NULL), 0);
        w.notify_running = 1;

        ck_assert_int_eq(ak_ruleset_new(&w.want), 0);
}

/* Write the rules file and parse it the way the daemon will: what the fake must end up holding
 * (the valid rules), with this many errors. */
static void write_rules_errors(const char *text, size_t errors) {
        char tmp[700];
        FILE *f;

        snprintf(tmp, sizeof(tmp), "%s.new", w.rules);
        f = fopen(tmp, "we");
        ck_assert_ptr_nonnull(f);
        ck_assert_int_eq(fputs(text, f) >= 0, 1);
        ck_assert_int_eq(fclose(f), 0);
        ck_assert_int_eq(rename(tmp, w.rules), 0);

        ak_ruleset_free(w.want);
        ck_assert_int_eq(ak_ruleset_new(&w.want), 0);
        ck_assert_int_eq(ak_ruleset_add_source(w.want, w.rules), 0);
        ck_assert_uint_eq(w.want->n_errors, errors);
}

static void write_rules(const char *text) {
        write_rules_errors(text, 0);
}

static size_t want_index(const char *key) {
        char buf[256];

        for (size_t i = 0; i < w.want->n_rules; i++)
                if (streq(ak_rule_key(&w.want->rules[i], buf, sizeof(buf)), key))
                        return i;
        ck_abort_msg("no desired rule with key %s", key);
        return 0;
}

/* Load the desired rules into the fake (before it runs), all but the one with key `skip_key`. */
static void fake_preload(const char *skip_key) {
        size_t skip = skip_key ? want_index(skip_key) : SIZE_MAX;

        for (size_t i = 0; i < w.want->n_rules; i++)
                if (i != skip)
                        ck_assert_int_eq(fake_kernel_add_rule(w.fk, w.want->rules[i].data, w.want->rules[i].size), 0);
}

static void fake_pause(void) {
        fake_kernel_stop(w.fk);
}

static void fake_resume(void) {
        ck_assert_int_eq(fake_kernel_start(w.fk), 0);
}

static const char *daemon_path(void) {
        static char path[1024];
        const char *b = getenv("AK_BUILDDIR");

        ck_assert_msg(b && *b, "AK_BUILDDIR is not set (the meson build directory)");
        snprintf(path, sizeof(path), "%s/daemon/auditkeepd-test", b);     /* with --control-fd/--monitor-fd */
        ck_assert_msg(access(path, X_OK) == 0, "%s is not built", path);
        return path;
}

/* fork+exec the daemon with the control and monitor sockets inherited. */
static void spawn(const char *poll_interval) {
        extern char **environ;
        const char *path = daemon_path();
        char a_rules[700], a_control[64], a_monitor[64], e_notify[700], a_conf[700];
        char *argv[] = { (char *) path, (char *) "--rules", a_rules, a_control, a_monitor,
                         (char *) "--poll-interval", (char *) poll_interval, a_conf,
                         (char *) (w.extra_arg ? w.extra_arg : w.extra_arg2), (char *) (w.extra_arg ? w.extra_arg2 : NULL), NULL };
        char **envp;
        size_t n = 0, k = 0;
        pid_t parent = getpid();
        int logfd;

        snprintf(a_rules, sizeof(a_rules), "%s", w.rules);
        if (w.default_sources)  /* no "--rules PATH" */
                memmove(&argv[1], &argv[3], (ELEMENTSOF(argv) - 3) * sizeof(argv[0]));
        snprintf(a_control, sizeof(a_control), "--control-fd=%d", w.control);
        if (w.mon >= 0)
                snprintf(a_monitor, sizeof(a_monitor), "--monitor-fd=%d", w.mon);
        else
                snprintf(a_monitor, sizeof(a_monitor), "--monitor-fd=none");
        /* the test's own auditd.conf (absent unless a test writes it), never the machine's */
        snprintf(a_conf, sizeof(a_conf), "--auditd-conf=%s/auditd.conf", w.dir);
        snprintf(e_notify, sizeof(e_notify), "NOTIFY_SOCKET=%s", w.notify);

        while (environ[n])
                n++;
        envp = calloc(n + 4, sizeof(char *));
        ck_assert_ptr_nonnull(envp);
        for (size_t i = 0; i < n; i++)
                if (strncmp(environ[i], "NOTIFY_SOCKET=", 14) != 0 && strncmp(environ[i], "JOURNAL_STREAM=", 15) != 0 &&
                    strncmp(environ[i], "DBUS_SYSTEM_BUS_ADDRESS=", 24) != 0 &&
                    strncmp(environ[i], "AUDITKEEP_DEBUG=", 16) != 0 && strncmp(environ[i], "LISTEN_", 7) != 0 &&
                    strncmp(environ[i], "WATCHDOG_", 9) != 0 && strncmp(environ[i], "RUNTIME_DIRECTORY=", 18) != 0)
                        envp[k++] = environ[i];
        envp[k++] = e_notify;
        if (w.bus_address[0]) {
                static char e_bus[800];
                snprintf(e_bus, sizeof(e_bus), "DBUS_SYSTEM_BUS_ADDRESS=%s", w.bus_address);
                envp[k++] = e_bus;
        } else
                envp[k++] = (char *) "DBUS_SYSTEM_BUS_ADDRESS=unix:path=/nonexistent";
        envp[k++] = (char *) "AUDITKEEP_DEBUG=1";
        envp[k] = NULL;

        logfd = open(w.log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
        ck_assert_int_ge(logfd, 0);

        if (!w.fk->running)
                fake_resume();
        w.pid = fork();
        ck_assert_int_ge(w.pid, 0);
        if (w.pid == 0) {
                sigset_t none;

                /* Die with the test: a failed assertion _exit()s it without any teardown. */
                (void) prctl(PR_SET_PDEATHSIG, SIGKILL);
                if (getppid() != parent)
                        _exit(127);
                sigemptyset(&none);
                (void) sigprocmask(SIG_SETMASK, &none, NULL);
                if (dup2(logfd, STDOUT_FILENO) < 0 || dup2(logfd, STDERR_FILENO) < 0)
                        _exit(127);
                if (fcntl(w.control, F_SETFD, 0) < 0 || (w.mon >= 0 && fcntl(w.mon, F_SETFD, 0) < 0))
                        _exit(127);
                execve(path, argv, envp);
                _exit(127);
        }
        close(logfd);
        free(envp);
}

/* ---- the log ---- */

static char *log_text(void) {
        FILE *f = fopen(w.log, "re");
        char *s = NULL;
        size_t len = 0;
        strbuf b = {};
        char chunk[4096];

        if (!f)
                return strdup("");
        while ((len = fread(chunk, 1, sizeof(chunk), f)) > 0)
                strbuf_append(&b, chunk, len);
        fclose(f);
        s = strbuf_steal(&b);
        return s ? s : strdup("");
}

static size_t log_size(void) {
        struct stat st;

        return stat(w.log, &st) == 0 ? (size_t) st.st_size : 0;
}

/* Offset just past the first match of the extended regex at or after `from`, or 0 when none.
 * REG_NEWLINE: ^ and $ match at line ends, . does not cross lines. */
static size_t log_find(const char *pattern, size_t from) {
        _cleanup_free_ char *text = log_text();
        regmatch_t m;
        regex_t re;
        size_t r = 0;

        ck_assert_int_eq(regcomp(&re, pattern, REG_EXTENDED | REG_NEWLINE), 0);
        if (from <= strlen(text) && regexec(&re, text + from, 1, &m, from > 0 && text[from - 1] != '\n' ? REG_NOTBOL : 0) == 0)
                r = from + (size_t) m.rm_eo;
        regfree(&re);
        return r;
}

static size_t log_count(const char *pattern, size_t from) {
        _cleanup_free_ char *text = log_text();
        regmatch_t m;
        regex_t re;
        size_t n = 0, off = from;

        ck_assert_int_eq(regcomp(&re, pattern, REG_EXTENDED | REG_NEWLINE), 0);
        while (off <= strlen(text) && regexec(&re, text + off, 1, &m, off > 0 && text[off - 1] != '\n' ? REG_NOTBOL : 0) == 0) {
                n++;
                off += (size_t) (m.rm_eo > 0 ? m.rm_eo : 1);
        }
        regfree(&re);
        return n;
}

static void log_dump_tail(const char *why);

/* Wait until the daemon logged at least n lines matching pattern after from. */
static void wait_log_count(const char *pattern, size_t from, size_t n, int timeout_ms) {
        uint64_t end = wait_deadline(timeout_ms);

        while (log_count(pattern, from) < n && now_usec() < end)
                usleep(10000);
        if (log_count(pattern, from) < n)
                log_dump_tail(pattern);
        ck_assert_msg(log_count(pattern, from) >= n, "fewer than %zu daemon log lines matching /%s/ within %d ms", n,
                      pattern, WAIT_MS(timeout_ms));
}

static void log_dump_tail(const char *why) {
        _cleanup_free_ char *text = log_text();
        size_t len = strlen(text), start = len > 6000 ? len - 6000 : 0;

        fprintf(stderr, "---- daemon log (%s), last %zu bytes ----\n%s\n----\n", why, len - start, text + start);
}

static size_t wait_log(const char *pattern, size_t from, int timeout_ms) {
        uint64_t end = wait_deadline(timeout_ms);
        size_t r;

        while (!(r = log_find(pattern, from)) && now_usec() < end)
                usleep(10000);
        if (!r)
                log_dump_tail(pattern);
        ck_assert_msg(r, "no daemon log line matching /%s/ within %d ms", pattern, WAIT_MS(timeout_ms));
        return r;
}

/* ---- the daemon's life ---- */

static int wait_exit(int timeout_ms, int *ret_status) {
        uint64_t end = wait_deadline(timeout_ms);

        for (;;) {
                pid_t r = waitpid(w.pid, ret_status, WNOHANG);

                if (r == w.pid) {
                        w.pid = 0;
                        return 1;
                }
                if (now_usec() >= end)
                        return 0;
                usleep(5000);
        }
}

static void daemon_signal(int sig) {
        ck_assert_int_gt(w.pid, 0);
        ck_assert_int_eq(kill(w.pid, sig), 0);
}

/* SIGTERM: exit 0 promptly, saying so. */
static void stop_daemon(void) {
        int status = 0;
        uint64_t t0 = now_usec();

        daemon_signal(SIGTERM);
        if (!wait_exit(WAIT_FLOOR_MS, &status)) {
                log_dump_tail("did not exit");
                ck_abort_msg("the daemon did not exit within %d ms of SIGTERM", WAIT_FLOOR_MS);
        }
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
                log_dump_tail("bad exit");
        ck_assert_msg(WIFEXITED(status), "the daemon died of signal %d", WIFSIGNALED(status) ? WTERMSIG(status) : 0);
        ck_assert_int_eq(WEXITSTATUS(status), 0);
        ck_assert_uint_lt(now_usec() - t0, (uint64_t) WAIT_FLOOR_MS * 1000u);
        ck_assert(log_find("auditkeepd stopped; the kernel keeps its configuration", 0));
}

static void bus_stop(void) {
        if (w.bus_pid > 0) {
                (void) kill(w.bus_pid, SIGTERM);
                (void) waitpid(w.bus_pid, NULL, 0);
                w.bus_pid = 0;
        }
}

static void world_done(void) {
        char ok[700];
        FILE *f;

        if (w.pid > 0)
                stop_daemon();
        bus_stop();
        if (w.notify_running) {
                uint64_t one = 1;

                (void) !write(w.stop_fd, &one, sizeof(one));
                pthread_join(w.notify_thread, NULL);
                w.notify_running = 0;
        }
        w.fk = fake_kernel_free(w.fk);
        if (w.control >= 0)
                close(w.control);
        if (w.mon >= 0)
                close(w.mon);
        if (w.mon_peer >= 0)
                close(w.mon_peer);
        close(w.notify_fd);
        close(w.stop_fd);
        w.want = ak_ruleset_free(w.want);
        /* Tell main() this one passed: it dumps the logs of the others. */
        snprintf(ok, sizeof(ok), "%s/passed", w.dir);
        f = fopen(ok, "we");
        if (f)
                fclose(f);
}

/* ---- what the fake holds ---- */

static char *fmt_rule(const struct audit_rule_data *d, size_t size) {
        ak_rule r = { .data = (struct audit_rule_data *) d, .size = size };
        char *s = ak_rule_format(&r);

        return s ? s : strdup("?");
}

/* With the fake paused: it holds exactly the desired rules, in listing order (exact) or in any
 * order, and the status the file sets. */
static void assert_fake_holds_want(int exact) {
        const fake_kernel *fk = w.fk;
        const ak_status_want *s = &w.want->status;
        size_t k = 0;

        ck_assert_int_eq(fk->running, 0);
        ck_assert_msg(fake_kernel_rule_count(fk) == w.want->n_rules, "the fake holds %zu rules, the file has %zu",
                      fake_kernel_rule_count(fk), w.want->n_rules);
        for (size_t l = 0; l < AUDIT_NR_FILTERS; l++)
                for (size_t i = 0; i < fk->n_rules[l]; i++, k++) {
                        ak_rule have = { .data = fk->rules[l][i].data, .size = fk->rules[l][i].size };
                        int found = 0;

                        if (exact)
                                found = ak_rule_equal(&w.want->rules[k], &have);
                        else
                                for (size_t j = 0; j < w.want->n_rules && !found; j++)
                                        found = ak_rule_equal(&w.want->rules[j], &have);
                        if (!found) {
                                _cleanup_free_ char *a = fmt_rule(have.data, have.size);
                                _cleanup_free_ char *b = fmt_rule(w.want->rules[k].data, w.want->rules[k].size);
                                ck_abort_msg("fake rule %zu is '%s', want '%s'", k, a, b);
                        }
                }
        if (s->mask & AUDIT_STATUS_FAILURE)
                ck_assert_uint_eq(fk->status.failure, s->failure);
        if (s->mask & AUDIT_STATUS_RATE_LIMIT)
                ck_assert_uint_eq(fk->status.rate_limit, s->rate_limit);
        if (s->mask & AUDIT_STATUS_BACKLOG_LIMIT)
                ck_assert_uint_eq(fk->status.backlog_limit, s->backlog_limit);
        if (s->mask & AUDIT_STATUS_BACKLOG_WAIT_TIME)
                ck_assert_uint_eq(fk->status.backlog_wait_time, s->backlog_wait_time);
        if (s->mask & AUDIT_STATUS_ENABLED)
                ck_assert_uint_eq(fk->status.enabled, w.want->lock ? 2 : s->enabled);
        ck_assert_uint_eq(fk->n_pid_sets, 0);
        ck_assert_uint_eq(fk->n_bad_frames, 0);
}

/* With the fake paused: take the rule with this key out, as `auditctl -d` would. */
static void fake_remove_rule(const char *key) {
        fake_kernel *fk = w.fk;
        char buf[256];

        ck_assert_int_eq(fk->running, 0);
        for (size_t l = 0; l < AUDIT_NR_FILTERS; l++)
                for (size_t i = 0; i < fk->n_rules[l]; i++) {
                        ak_rule r = { .data = fk->rules[l][i].data, .size = fk->rules[l][i].size };

                        if (!streq(ak_rule_key(&r, buf, sizeof(buf)), key))
                                continue;
                        free(fk->rules[l][i].data);
                        memmove(&fk->rules[l][i], &fk->rules[l][i + 1], (fk->n_rules[l] - i - 1) * sizeof(fake_rule));
                        fk->n_rules[l]--;
                        return;
                }
        ck_abort_msg("the fake holds no rule with key %s", key);
}

/* Start a daemon and wait until its first sync settled in `status_prefix`: the start's check (or
 * the settle check after its changes) ended. Returns the index of READY=1 in the timeline. */
static size_t start_and_settle(const char *poll_interval, const char *status_prefix) {
        size_t ready;

        spawn(poll_interval);
        ready = wait_notify("READY=1", 0, 10000);
        wait_status(status_prefix, 5000);
        wait_log("^verify (start|settle) done: ", 0, 10000);
        return ready;
}

/* Wait until the fake has handled `n` requests of `type` at or after `from`. */
static void wait_requests(uint16_t type, size_t n, size_t from, int timeout_ms) {
        uint64_t end = wait_deadline(timeout_ms);

        while (count_req(type, from, tl_len()) < n && now_usec() < end)
                usleep(5000);
        ck_assert_msg(count_req(type, from, tl_len()) >= n, "the fake saw %zu %s requests, expected %zu",
                      count_req(type, from, tl_len()), type_name(type), n);
}

/* Wait until the daemon has made `n` whole checks that started at or after `from`: the state that
 * proves it looked, before a test asserts that nothing happened. Every check, a light poll too,
 * begins with a GET, and checks run one at a time (a check sends what it found before the next
 * one starts), so the (n+1)-th GET means the n-th check ended. */
static void wait_checks(size_t n, size_t from, int timeout_ms) {
        wait_requests(AUDIT_GET, n + 1, from, timeout_ms);
}

/* Wait until the daemon has read everything queued on a socket it shares with the test. */
static void wait_socket_drained(int fd, int timeout_ms) {
        uint64_t end = wait_deadline(timeout_ms);
        struct pollfd p = { .fd = fd, .events = POLLIN };

        while (poll(&p, 1, 0) > 0 && now_usec() < end)
                usleep(1000);
        ck_assert_msg(poll(&p, 1, 0) == 0, "the daemon did not read its socket within %d ms", WAIT_MS(timeout_ms));
}

/* ---------------------------------------------------------------------------------------------
 * 1. Start: the fake ends holding exactly the file; READY=1 only then, STATUS in sync. */

START_TEST(test_start) {
        size_t ready, n_add = 0, last_req = SIZE_MAX;

        world_init("start", FAKE_SEQPACKET, MON_UNIX);
        write_rules(BASE_RULES);
        ck_assert_uint_eq(w.want->n_rules, 5);
        ready = start_and_settle("0.2", "in sync, 5 rules");

        /* Every rule went in before READY=1, and the fake held all of them when it was sent. */
        for (size_t i = 0; i < ready; i++) {
                ev e = tl_get(i);

                if (e.kind != EV_REQ)
                        continue;
                last_req = i;
                if (e.type == AUDIT_ADD_RULE) {
                        ck_assert_int_eq(e.error, 0);
                        n_add++;
                }
        }
        ck_assert_uint_eq(n_add, 5);
        ck_assert_uint_ne(last_req, SIZE_MAX);
        ck_assert_uint_eq(tl_get(last_req).rules_after, 5);
        ck_assert_msg(strncmp(status_line(status_before(ready + 1)), "in sync, 5 rules", 16) == 0,
                      "STATUS with READY=1: '%s'", status_line(status_before(ready + 1)));
        /* From empty: nothing to delete. */
        ck_assert_uint_eq(count_req(AUDIT_DEL_RULE, 0, tl_len()), 0);

        wait_log("^Synced \\(start\\): 5 added, 0 removed, 3 status changes, 0 pending, 0 errors$", 0, 2000);
        /* Polls (every 0.2 s) find nothing to do: no more writes. (A poll is a GET; it lists the
         * rules only when needed, see test_light_poll.) */
        wait_requests(AUDIT_GET, 2, ready, 10000);
        fake_pause();
        assert_fake_holds_want(1);
        ck_assert_uint_eq(count_req(0, 0, tl_len()), 5 + 3);
        fake_resume();
        ck_assert_str_eq(last_status(), "in sync, 5 rules");
        /* The start line gives the poll interval it was given (0.2 s), not a rounded one. */
        ck_assert_msg(log_find("^auditkeepd .* started: 5 rules from 1 files, 0 errors, .*poll every 0\\.2 s$", 0),
                      "the start line misstates --poll-interval 0.2");
        world_done();
}
END_TEST

/* The biggest rule a kernel keeps (~257 KiB, issue #22), foreign: listed, removed (its delete
 * sends it back whole), and the daemon in sync, not degraded. */
START_TEST(test_biggest_foreign_rule) {
        size_t size;
        _cleanup_free_ struct audit_rule_data *big = fake_rule_biggest('x', &size);

        ck_assert_ptr_nonnull(big);
        world_init("biggest-rule", FAKE_SEQPACKET, MON_UNIX);
        write_rules(BASE_RULES);
        fake_preload(NULL);
        ck_assert_int_eq(fake_kernel_add_rule(w.fk, big, size), 0);
        start_and_settle("0.2", "in sync, 5 rules");
        wait_log("^Synced \\(start\\): 0 added, 1 removed", 0, 2000);
        fake_pause();
        assert_fake_holds_want(1);
        ck_assert_uint_ge(w.fk->max_datagram, size);
        fake_resume();
        world_done();
}
END_TEST

/* ---------------------------------------------------------------------------------------------
 * 2. -e 2 is sent last, only when everything else is in force. */

START_TEST(test_lock_last) {
        size_t n, lock = SIZE_MAX, n_lock = 0;

        world_init("lock-last", FAKE_SEQPACKET, MON_UNIX);
        write_rules(LOCK_RULES);
        ck_assert_int_eq(w.want->lock, 1);
        start_and_settle("0.2", "locked");
        wait_log("^Audit configuration locked \\(enabled=2\\) until reboot$", 0, 2000);
        wait_log("^Synced \\(start\\): 5 added, 0 removed, [0-9]+ status changes, 0 pending, 0 errors, locked$", 0, 2000);
        wait_checks(3, tl_len(), 10000);        /* a few polls against the locked fake */

        fake_pause();
        n = tl_len();
        for (size_t i = 0; i < n; i++) {
                ev e = tl_get(i);

                if (is_lock(&e)) {
                        lock = i;
                        n_lock++;
                }
        }
        if (n_lock != 1)
                tl_dump(0);
        ck_assert_uint_eq(n_lock, 1);
        {
                ev e = tl_get(lock);

                ck_assert_int_eq(e.error, 0);
                ck_assert_uint_eq(e.set.mask, AUDIT_STATUS_ENABLED);    /* alone in its request */
                ck_assert_uint_eq(e.rules_after, 5);                   /* every rule was in */
        }
        /* Nothing written after the lock: the last write the fake received is SET enabled=2. */
        ck_assert_uint_eq(count_req(0, lock + 1, n), 0);
        ck_assert_uint_eq(count_req(AUDIT_ADD_RULE, 0, lock), 5);
        ck_assert_uint_ge(count_req(AUDIT_GET, lock + 1, n), 2);
        assert_fake_holds_want(1);
        ck_assert_uint_eq(w.fk->status.enabled, 2);
        fake_resume();
        ck_assert_str_eq(last_status(), "locked, in sync");
        world_done();
}
END_TEST

/* A rule the kernel refuses: the lock is withheld, loudly; retrying the rule is not drift. */
static char *read_file_or_empty(const char *path);
static void wait_metric(const char *line, int timeout_ms);

/* The metrics file's auditkeep_last_sync_timestamp_seconds, in usec (0 when absent). */
static uint64_t metrics_last_sync_usec(void) {
        char path[800];
        _cleanup_free_ char *text = NULL;
        const char *at;
        unsigned long long sec = 0, usec = 0;

        snprintf(path, sizeof(path), "%s/auditkeep.prom", w.dir);
        text = read_file_or_empty(path);
        at = strstr(text, "\nauditkeep_last_sync_timestamp_seconds ");
        if (!at || sscanf(at + 1, "auditkeep_last_sync_timestamp_seconds %llu.%6llu", &sec, &usec) != 2)
                return 0;
        return (uint64_t) sec * 1000000u + usec;
}

/* Locked (-e 2) as desired: in sync, and confirmed as such like any host in sync, so that
 * LastSyncUSec (and the metrics file's last-sync) keeps moving while the daemon runs, and the
 * stale alert stays quiet. */
START_TEST(test_locked_confirms_sync) {
        static char arg[860];
        uint64_t first, last = 0, end;

        world_init("locked-confirms", FAKE_SEQPACKET, MON_UNIX);
        snprintf(arg, sizeof(arg), "--metrics=%s/auditkeep.prom", w.dir);
        w.extra_arg = arg;
        write_rules(LOCK_RULES);
        start_and_settle("0.2", "locked");
        wait_metric("auditkeep_locked 1", 3000);
        wait_metric("auditkeep_in_sync 1", 3000);
        first = metrics_last_sync_usec();
        ck_assert_uint_gt(first, 0);
        end = wait_deadline(0);
        do {
                last = metrics_last_sync_usec();
                if (last >= first + 600000u)
                        break;
                usleep(20000);
        } while (now_usec() < end);
        ck_assert_msg(last >= first + 600000u, "last sync stayed at %" PRIu64 " (first %" PRIu64 ") while locked in sync",
                      last, first);
        ck_assert_str_eq(last_status(), "locked, in sync");
        world_done();
}
END_TEST

/* Wait until the metrics file (--metrics, see start_pending_lock) holds `line`. */
static void wait_metric(const char *line, int timeout_ms) {
        char path[800], want[256];
        uint64_t end = wait_deadline(timeout_ms);
        _cleanup_free_ char *text = NULL;

        snprintf(path, sizeof(path), "%s/auditkeep.prom", w.dir);
        snprintf(want, sizeof(want), "\n%s\n", line);
        do {
                free(text);
                text = read_file_or_empty(path);
                if (strstr(text, want))
                        return;
                usleep(10000);
        } while (now_usec() < end);
        ck_abort_msg("the metrics file has no line '%s' within %d ms:\n%s", line, WAIT_MS(timeout_ms), text);
}

static void start_pending_lock(const char *name) {
        static char arg[860];
        size_t ready;

        world_init(name, FAKE_SEQPACKET, MON_UNIX);
        snprintf(arg, sizeof(arg), "--metrics=%s/auditkeep.prom", w.dir);
        w.extra_arg = arg;
        write_rules(PENDING_LOCK_RULES);
        ck_assert_uint_eq(w.want->n_rules, 6);
        fake_preload("pending");
        w.fk->fail_type = AUDIT_ADD_RULE;
        w.fk->fail_type_errno = ENOENT;
        spawn("0.2");
        ready = wait_notify("READY=1", 0, 10000);
        ck_assert_str_eq(status_line(status_before(ready + 1)), "degraded: 1 pending, 0 errors");
        wait_log("^Lock \\(-e 2\\) withheld: 1 rule pending$", 0, 2000);
        wait_log("^Rule pending, the kernel refused it \\(No such file or directory\\): -w /nonexistent/ak-dir/file", 0, 2000);
        wait_checks(3, tl_len(), 10000);        /* the pending rule is retried at every poll; the lock never follows */
}

START_TEST(test_lock_withheld) {
        size_t n;

        start_pending_lock("lock-withheld");
        fake_pause();
        n = tl_len();
        for (size_t i = 0; i < n; i++) {
                ev e = tl_get(i);

                ck_assert_msg(!is_lock(&e), "SET enabled=2 sent (timeline %zu) although a rule is pending", i);
                if (e.kind == EV_REQ && e.type == AUDIT_ADD_RULE)
                        ck_assert_int_eq(e.error, -ENOENT);
        }
        ck_assert_uint_ge(count_req(AUDIT_ADD_RULE, 0, n), 2);  /* retried */
        ck_assert_uint_eq(count_req(AUDIT_DEL_RULE, 0, n), 0);
        ck_assert_uint_eq(w.fk->status.enabled, 1);
        ck_assert_uint_eq(fake_kernel_rule_count(w.fk), 5);
        fake_resume();

        /* A retry of a pending rule is not drift, with or without a lock waiting behind it: no
         * "Drift detected", no fight, and the status stays degraded. */
        if (log_find("Drift detected|Flapping", 0))
                log_dump_tail("pending retried as drift");
        ck_assert_msg(!log_find("Drift detected", 0), "the retry of the pending rule was reported as drift");
        ck_assert_msg(!log_find("Flapping", 0), "the retry of the pending rule was taken for a fight");
        ck_assert_str_eq(last_status(), "degraded: 1 pending, 0 errors");
        wait_metric("auditkeep_lock_withheld 1", 2000);         /* the alert AuditkeepLockWithheld */
        world_done();
}
END_TEST

/* ...and once the kernel takes the rule, it loads and only then the lock goes in, last. */
START_TEST(test_lock_after_pending_loads) {
        size_t n, end, lock = SIZE_MAX;

        start_pending_lock("lock-after-pending");
        fake_pause();
        ck_assert_uint_eq(w.fk->status.enabled, 1);
        w.fk->fail_type = 0;
        n = tl_len();
        fake_resume();
        wait_status("locked", 3000);
        wait_log("^Pending rule loaded: -w /nonexistent/ak-dir/file", 0, 2000);
        wait_log("^Audit configuration locked \\(enabled=2\\) until reboot$", 0, 2000);
        wait_checks(2, tl_len(), 10000);        /* polls after the lock: nothing follows it */
        fake_pause();
        end = tl_len();
        for (size_t i = n; i < end; i++) {
                ev e = tl_get(i);

                if (is_lock(&e)) {
                        ck_assert_uint_eq(lock, SIZE_MAX);
                        lock = i;
                }
        }
        ck_assert_uint_ne(lock, SIZE_MAX);
        ck_assert_int_eq(tl_get(lock).error, 0);
        ck_assert_uint_eq(tl_get(lock).rules_after, 6);
        ck_assert_uint_eq(count_req(0, lock + 1, end), 0);
        assert_fake_holds_want(1);
        fake_resume();
        ck_assert_str_eq(last_status(), "locked, in sync");
        wait_metric("auditkeep_lock_withheld 0", 2000);
        wait_metric("auditkeep_locked 1", 2000);
        world_done();
}
END_TEST

/* ---------------------------------------------------------------------------------------------
 * 3. Already locked, and different: no request that would fail, `locked`, reboot needed. */

START_TEST(test_already_locked) {
        size_t mark, reloading, ready;
        size_t size;
        struct audit_rule_data *foreign = fake_rule_new(AUDIT_FILTER_EXIT, AUDIT_ALWAYS, 2, NULL, "foreign", &size);

        world_init("already-locked", FAKE_SEQPACKET, MON_UNIX);
        write_rules(BASE_RULES);
        ck_assert_ptr_nonnull(foreign);
        ck_assert_int_eq(fake_kernel_add_rule(w.fk, foreign, size), 0);
        free(foreign);
        w.fk->status.enabled = 2;

        start_and_settle("0.2", "locked");
        ck_assert_str_eq(last_status(), "locked, differs from the rules (reboot needed)");
        wait_log("locked \\(enabled=2\\).*differs from the rules.*reboot", 0, 2000);

        /* It keeps running (polls) and answers SIGHUP. */
        wait_checks(2, tl_len(), 10000);
        mark = tl_len();
        daemon_signal(SIGHUP);
        reloading = wait_notify("RELOADING=1", mark, 3000);
        ready = wait_notify("READY=1", reloading + 1, 3000);
        ck_assert_uint_gt(ready, reloading);
        wait_checks(2, ready, 10000);
        ck_assert_int_eq(kill(w.pid, 0), 0);

        fake_pause();
        ck_assert_uint_eq(w.fk->n_by_type[AUDIT_ADD_RULE], 0);
        ck_assert_uint_eq(w.fk->n_by_type[AUDIT_DEL_RULE], 0);
        ck_assert_uint_eq(w.fk->n_by_type[AUDIT_SET], 0);
        ck_assert_uint_eq(w.fk->n_by_type[AUDIT_SET_FEATURE], 0);
        ck_assert_uint_ge(w.fk->n_by_type[AUDIT_GET], 3);
        ck_assert_uint_eq(count_req(0, 0, tl_len()), 0);
        ck_assert_uint_eq(fake_kernel_rule_count(w.fk), 1);
        ck_assert_uint_eq(w.fk->status.enabled, 2);
        fake_resume();
        /* After the reload, STATUS tells the state again, not "reloading". */
        ck_assert_str_eq(last_status(), "locked, differs from the rules (reboot needed)");
        world_done();
}
END_TEST

/* ---------------------------------------------------------------------------------------------
 * 4. An overrun storm on the record socket: verify after it, log it a bounded number of times. */

START_TEST(test_enobufs_storm) {
        size_t mark, mark_log, n_seen, n_logged;
        unsigned storms = 0;
        int r;

        world_init("enobufs", FAKE_SEQPACKET, MON_NETLINK);
        write_rules(BASE_RULES);
        /* A long poll: every verification after the start comes from the overruns. */
        start_and_settle("60", "in sync, 5 rules");
        mark = tl_len();
        mark_log = log_size();

        for (unsigned i = 0; i < 150; i++) {
                struct pollfd p = { .fd = w.mon, .events = POLLIN };
                uint64_t end;

                /* Hold the daemon still so that the flood surely overruns its socket (2 CPUs read
                 * as fast as one writes); one overrun per storm, reported by its next read. */
                daemon_signal(SIGSTOP);
                r = fake_netlink_overrun(w.mon, OVERRUN_GROUP);
                daemon_signal(SIGCONT);
                if (r == -EPERM) {
                        printf("test_enobufs_storm: SKIP (joining a netlink group needs CAP_NET_ADMIN)\n");
                        world_done();
                        return;
                }
                ck_assert_int_eq(r, 0);
                storms++;
                /* Let the daemon drain the error and the flood, so that the next one overruns again. */
                end = now_usec() + 5000 * 1000;
                while (poll(&p, 1, 0) > 0 && now_usec() < end)
                        usleep(200);
        }

        wait_log("^Audit records were lost on the event socket \\(overrun #1\\); verifying by poll$", mark_log, 3000);
        /* Each overrun asks for a verification: "verify poll" (debug) is logged once per overrun. */
        wait_log_count("^verify poll( \\(queued\\))?$", mark_log, storms / 2, 10000);
        n_seen = log_count("^verify poll( \\(queued\\))?$", mark_log);
        n_logged = log_count("^Audit records were lost on the event socket", mark_log);
        printf("test_enobufs_storm: %u storms, the daemon saw %zu overruns and logged %zu lines\n", storms, n_seen,
               n_logged);
        ck_assert_uint_ge(n_seen, storms / 2);
        ck_assert_uint_ge(n_logged, 1);
        ck_assert_msg(n_logged <= n_seen / 100 + 1, "%zu overruns logged %zu times", n_seen, n_logged);
        ck_assert_uint_lt(n_logged, n_seen);

        /* It verified (GET + LIST after the overruns), wrote nothing, and is in sync. */
        wait_requests(AUDIT_LIST_RULES, 1, mark, 2000);
        ck_assert_uint_ge(count_req(AUDIT_GET, mark, tl_len()), 1);
        ck_assert_uint_eq(count_req(0, mark, tl_len()), 0);
        ck_assert_str_eq(last_status(), "in sync, 5 rules");
        fake_pause();
        assert_fake_holds_want(1);
        fake_resume();
        world_done();
}
END_TEST

/* ---------------------------------------------------------------------------------------------
 * 5. A kernel that stops answering: the daemon stays responsive. */

/* Silence the fake and wait until the daemon has a request outstanding. Returns the mark. */
static size_t silence_kernel(void) {
        size_t mark, mark_log;

        fake_pause();
        w.fk->silent = 1;
        mark = tl_len();
        mark_log = log_size();
        fake_resume();
        wait_requests(AUDIT_LIST_RULES, 1, mark, 2000);        /* the next poll's query, unanswered */
        wait_log_count("^verify poll(-light)? \\(queued\\)$", mark_log, 2, 10000);     /* polls more: queued, not sent */
        return mark;
}

START_TEST(test_silent_kernel_signals) {
        size_t mark, reloading;
        uint64_t t0;

        world_init("silent-signals", FAKE_SEQPACKET, MON_NONE);
        write_rules(BASE_RULES);
        start_and_settle("0.2", "in sync, 5 rules");
        mark = silence_kernel();
        /* One query outstanding; the polls meanwhile do not pile up more. */
        ck_assert_uint_eq(count_req(AUDIT_LIST_RULES, mark, tl_len()), 1);

        t0 = now_usec();
        daemon_signal(SIGHUP);
        reloading = wait_notify("RELOADING=1", mark, 1000);
        /* at once, not after the outstanding request's 30 s timeout (a bound far from both) */
        ck_assert_msg(now_usec() - t0 < 10000000, "RELOADING=1 took %" PRIu64 " us", now_usec() - t0);
        ck_assert_msg(msg_has_line(tl_get(reloading).text, "MONOTONIC_USEC=", 1), "RELOADING=1 without MONOTONIC_USEC=");
        /* READY=1 waits for the outstanding request (KERNEL_TIMEOUT_USEC, 30 s): not tested here. */

        /* SIGTERM with a request outstanding: exit 0 at once. */
        t0 = now_usec();
        stop_daemon();
        ck_assert_msg(now_usec() - t0 < 10000000, "exit took %" PRIu64 " us", now_usec() - t0);
        wait_notify("STOPPING=1", mark, 1000);
        ck_assert_uint_eq(count_req(0, mark, tl_len()), 0);
        world_done();
}
END_TEST

/* The slow half (one 30 s kernel timeout): the log says the kernel did not answer, and once it
 * answers again the queued reload completes with READY=1. */
START_TEST(test_silent_kernel_timeout) {
        size_t mark, reloading, ready, mark_log;
        uint64_t t_hup, t_timeout;

        world_init("silent-timeout", FAKE_SEQPACKET, MON_NONE);
        write_rules(BASE_RULES);
        start_and_settle("0.2", "in sync, 5 rules");
        mark_log = log_size();
        mark = silence_kernel();
        t_hup = now_usec();
        daemon_signal(SIGHUP);
        reloading = wait_notify("RELOADING=1", mark, 1000);

        /* The kernel is back, but the request it swallowed is never answered. */
        fake_pause();
        w.fk->silent = 0;
        fake_resume();

        wait_log("kernel.*(timed out|did not answer|no answer)", mark_log, 35000);
        t_timeout = now_usec();
        ready = wait_notify("READY=1", reloading + 1, 5000);
        {
                size_t n_reloading = 0;

                for (ssize_t i = (ssize_t) mark; (i = find_notify("RELOADING=1", (size_t) i, 0)) >= 0; i++)
                        n_reloading++;
                printf("test_silent_kernel_timeout: timeout logged %.1f s after SIGHUP, READY=1 %.1f s after, "
                       "%zu RELOADING=1 for one SIGHUP\n",
                       (double) (t_timeout - t_hup) / 1e6, (double) (tl_get(ready).usec - t_hup) / 1e6, n_reloading);
        }
        wait_status("in sync, 5 rules", 3000);
        ck_assert_uint_eq(count_req(0, mark, tl_len()), 0);
        world_done();
}
END_TEST

/* ---------------------------------------------------------------------------------------------
 * 6. sd_notify: READY=1 after the first sync, RELOADING=1 / READY=1 around SIGHUP, degraded. */

START_TEST(test_notify) {
        size_t ready, refused = SIZE_MAX, mark, reloading, ready2;

        world_init("notify", FAKE_SEQPACKET, MON_UNIX);
        write_rules(PENDING_RULES);
        fake_preload("pending");
        w.fk->fail_type = AUDIT_ADD_RULE;
        w.fk->fail_type_errno = ENOENT;
        spawn("0.2");
        ready = wait_notify("READY=1", 0, 10000);

        /* READY=1 came after the attempt, with the degraded status. */
        for (size_t i = 0; i < ready; i++) {
                ev e = tl_get(i);

                if (e.kind == EV_REQ && e.type == AUDIT_ADD_RULE && refused == SIZE_MAX)
                        refused = i;
        }
        ck_assert_uint_ne(refused, SIZE_MAX);
        ck_assert_int_eq(tl_get(refused).error, -ENOENT);
        ck_assert_str_eq(status_line(status_before(ready + 1)), "degraded: 1 pending, 0 errors");
        ck_assert_uint_eq(find_notify("READY=1", ready + 1, 0), -1);
        wait_log("^Synced \\(start\\): 0 added, 0 removed, [0-9]+ status changes, 1 pending, 0 errors$", 0, 2000);

        /* The kernel takes the rule: in sync. */
        fake_pause();
        w.fk->fail_type = 0;
        fake_resume();
        wait_status("in sync, 6 rules", 3000);
        /* the check that loaded it ended (its settle check) */
        wait_log("^verify settle done: ", wait_log("^Pending rule loaded: -w /nonexistent/ak-dir/file", 0, 2000), 5000);
        fake_pause();
        assert_fake_holds_want(1);
        fake_resume();

        /* SIGHUP: RELOADING=1, then READY=1, then STATUS tells the state again. */
        mark = tl_len();
        daemon_signal(SIGHUP);
        reloading = wait_notify("RELOADING=1", mark, 3000);
        ck_assert_msg(msg_has_line(tl_get(reloading).text, "MONOTONIC_USEC=", 1), "RELOADING=1 without MONOTONIC_USEC=");
        ready2 = wait_notify("READY=1", reloading + 1, 3000);
        ck_assert_uint_gt(ready2, reloading);
        wait_log("^Reloaded: 6 rules", 0, 2000);
        wait_status("in sync, 6 rules", 5000);
        world_done();
}
END_TEST

/* A reload that changes the rules: the change goes in between RELOADING=1 and READY=1. */
START_TEST(test_notify_reload_change) {
        size_t mark, reloading, ready, add = SIZE_MAX;

        world_init("notify-reload", FAKE_SEQPACKET, MON_UNIX);
        write_rules(BASE_RULES);
        start_and_settle("0.2", "in sync, 5 rules");
        write_rules(PENDING_RULES);     /* one more rule; the fake takes it this time */
        mark = tl_len();
        daemon_signal(SIGHUP);
        reloading = wait_notify("RELOADING=1", mark, 3000);
        ready = wait_notify("READY=1", reloading + 1, 3000);
        /* Two threads append to the timeline (the fake's, the notify reader's), so its order is not
         * the order of events: compare when each happened. The add must come before READY=1 was
         * read (the daemon sends it once the add is answered). */
        for (size_t i = mark; i < tl_len(); i++)
                if (tl_get(i).kind == EV_REQ && tl_get(i).type == AUDIT_ADD_RULE && tl_get(i).usec <= tl_get(ready).usec)
                        add = i;
        ck_assert_msg(add != SIZE_MAX, "the new rule was not added after the SIGHUP and before READY=1");
        ck_assert_uint_eq(tl_get(add).rules_after, 6);
        wait_status("in sync, 6 rules", 3000);
        wait_log("^Synced \\(reload\\): 1 added, 0 removed, 0 status changes, 0 pending, 0 errors$", 0, 2000);
        fake_pause();
        assert_fake_holds_want(1);
        fake_resume();
        world_done();
}
END_TEST

/* A reload whose rules do not parse changes nothing: the previous rules stay in force. */
START_TEST(test_reload_rejected) {
        size_t mark, reloading;
        _cleanup_free_ char *status_after = NULL;
        char path_re[700];
        FILE *f;

        world_init("reload-rejected", FAKE_SEQPACKET, MON_UNIX);
        write_rules(BASE_RULES);
        start_and_settle("0.2", "in sync, 5 rules");
        f = fopen(w.rules, "ae");
        ck_assert_ptr_nonnull(f);
        fputs("-a always,exit -F auidd>=1000 -S open\n-w /tmp/ak-new-rule -p wa -k new\n", f);
        ck_assert_int_eq(fclose(f), 0);
        mark = tl_len();
        daemon_signal(SIGHUP);
        reloading = wait_notify("RELOADING=1", mark, 3000);
        wait_notify("READY=1", reloading + 1, 3000);
        snprintf(path_re, sizeof(path_re), "%s:13:[0-9]+: unknown field 'auidd'", w.rules);
        wait_log(path_re, 0, 2000);
        wait_log("^Reload rejected: 1 errors", 0, 2000);
        wait_checks(2, tl_len(), 10000);        /* it looked again after it: still nothing to write */
        status_after = strdup(last_status());
        ck_assert_uint_eq(count_req(0, mark, tl_len()), 0);

        /* The rules in force are still the old ones: drift is repaired back to them. */
        fake_pause();
        assert_fake_holds_want(1);
        fake_remove_rule("perm");
        mark = tl_len();
        fake_resume();
        wait_log("^Drift detected \\(poll\\): 1 rules removed", 0, 3000);
        wait_log("^Repaired in", 0, 3000);
        wait_status("in sync, 5 rules", 3000);
        fake_pause();
        assert_fake_holds_want(1);
        ck_assert_uint_eq(count_req(AUDIT_ADD_RULE, mark, tl_len()), 1);
        ck_assert_uint_eq(count_req(0, mark, tl_len()), 1);
        fake_resume();

        /* After READY=1, STATUS told the state again, not "reloading". */
        ck_assert_msg(streq(status_after, "in sync, 5 rules"),
                      "STATUS after the rejected reload was '%s', want 'in sync, 5 rules'", status_after);
        world_done();
}
END_TEST

/* A rules file someone else than root could have written (issue #22) is refused like a file
 * with a syntax error: at reload, the previous rules stay in force. */
START_TEST(test_reload_untrusted) {
        size_t mark, reloading;
        char re[800];

        world_init("reload-untrusted", FAKE_SEQPACKET, MON_UNIX);
        write_rules(BASE_RULES);
        start_and_settle("0.2", "in sync, 5 rules");
        ck_assert_int_eq(chmod(w.rules, 0664), 0);
        mark = tl_len();
        daemon_signal(SIGHUP);
        reloading = wait_notify("RELOADING=1", mark, 3000);
        wait_notify("READY=1", reloading + 1, 3000);
        snprintf(re, sizeof(re), "%s: file is writable by its group \\(mode 0664\\); auditkeepd does not load it "
                 "\\(augenrules would\\)", w.rules);
        wait_log(re, 0, 2000);
        wait_log("^Reload rejected: 1 errors", 0, 2000);
        wait_checks(2, tl_len(), 10000);        /* it looked again after it: still nothing to write */
        ck_assert_uint_eq(count_req(0, mark, tl_len()), 0);
        fake_pause();
        assert_fake_holds_want(1);
        fake_resume();
        world_done();
}
END_TEST

/* ---------------------------------------------------------------------------------------------
 * 6b. auditd.conf: checked at start, and again when an editor replaces it (rename) or rewrites it
 * in place, each problem logged once per change; a change that changes nothing logs nothing. */

static void write_conf(const char *admin_action, const char *num_logs, int by_rename) {
        char path[700], tmp[720];
        FILE *f;

        snprintf(path, sizeof(path), "%s/auditd.conf", w.dir);
        snprintf(tmp, sizeof(tmp), "%s.swp", path);
        f = fopen(by_rename ? tmp : path, "we");
        ck_assert_ptr_nonnull(f);
        fprintf(f, "log_file = %s/log/audit.log\n"            /* 1 */
                   "num_logs = %s\n"                           /* 2 */
                   "max_log_file_action = ROTATE\n"            /* 3 */
                   "space_left = 2\n"                          /* 4 */
                   "space_left_action = SYSLOG\n"              /* 5 */
                   "admin_space_left = 1\n"                    /* 6 */
                   "admin_space_left_action = %s\n"            /* 7 */
                   "disk_full_action = SUSPEND\n"              /* 8 */
                   "disk_error_action = SUSPEND\n",            /* 9 */
                w.dir, num_logs, admin_action);
        ck_assert_int_eq(fclose(f), 0);
        ck_assert_int_eq(chmod(by_rename ? tmp : path, 0640), 0);
        if (by_rename)
                ck_assert_int_eq(rename(tmp, path), 0);
}

START_TEST(test_auditd_conf_watch) {
        char re[900], logdir[600];
        size_t mark;

        if (geteuid() != 0) {
                /* auditd (and so the checker) refuses an auditd.conf that root does not own */
                fprintf(stderr, "test_auditd_conf_watch: needs root to own the test's auditd.conf\n");
                return;
        }
        world_init("auditd-conf", FAKE_SEQPACKET, MON_UNIX);
        snprintf(logdir, sizeof(logdir), "%s/log", w.dir);
        ck_assert_int_eq(mkdir(logdir, 0700), 0);
        write_rules(BASE_RULES);
        write_conf("IGNORE", "5", 0);
        start_and_settle("0.2", "in sync, 5 rules");

        snprintf(re, sizeof(re), "^%s/auditd.conf:7:27: warning: admin_space_left_action is 'ignore'", w.dir);
        wait_log(re, 0, 3000);
        wait_log("^auditd.conf '.*' \\(start\\): 0 errors \\(auditd would refuse it\\), 1 warnings", 0, 3000);

        /* an editor that writes a new file and renames it over the old one */
        mark = log_size();
        write_conf("SUSPEND", "1", 1);
        snprintf(re, sizeof(re), "^%s/auditd.conf:3:23: warning: max_log_file_action = rotate with num_logs 1", w.dir);
        wait_log(re, mark, 3000);
        wait_log("^auditd.conf '.*' \\(changed\\): 0 errors \\(auditd would refuse it\\), 1 warnings", mark, 3000);
        ck_assert_uint_eq(log_count("admin_space_left_action is 'ignore'", mark), 0);

        /* rewritten in place */
        mark = log_size();
        write_conf("SUSPEND", "5", 0);
        wait_log("^auditd.conf '.*' \\(changed\\): 9 settings, no problems$", mark, 3000);
        ck_assert_uint_eq(log_count("warning:", mark), 0);

        /* no change in what it says (touch, chmod, reload): nothing logged again */
        mark = log_size();
        write_conf("SUSPEND", "5", 1);
        daemon_signal(SIGHUP);
        /* the reload (which checks auditd.conf) is over, and a poll after it: the file's events
         * were read by then */
        wait_log("^verify (reload|settle) done: ", wait_log("^Reloaded: ", mark, 3000), 5000);
        wait_checks(1, tl_len(), 10000);
        ck_assert_uint_eq(log_count("auditd.conf '", mark), 0);

        /* removed: said once */
        snprintf(re, sizeof(re), "%s/auditd.conf", w.dir);
        ck_assert_int_eq(unlink(re), 0);
        wait_log("^auditd.conf '.*' is absent \\(changed\\)", mark, 3000);
        world_done();
}
END_TEST

/* ---------------------------------------------------------------------------------------------
 * 7. Drift announced by records: repaired, and the changer named. */

START_TEST(test_drift_record) {
        size_t mark, mark_log, first = SIZE_MAX;

        world_init("drift-record", FAKE_SEQPACKET, MON_UNIX);
        write_rules(BASE_RULES);
        /* A long poll: the repair comes from the records. */
        start_and_settle("60", "in sync, 5 rules");

        fake_pause();
        fake_remove_rule("perm");
        mark = tl_len();
        mark_log = log_size();
        /* As the kernel sends them: the config change, then the syscall record with the same stamp. */
        ck_assert_int_eq(fake_emit_record(w.mon_peer, AUDIT_CONFIG_CHANGE, CONFIG_CHANGE_REC, 1), 0);
        ck_assert_int_eq(fake_emit_record(w.mon_peer, AUDIT_SYSCALL, SYSCALL_REC, 1), 0);
        wait_log("^verify event$", mark_log, 3000);     /* the records read: the check asks the paused kernel */
        fake_resume();

        wait_log("^Drift detected \\(event\\): 1 rules removed, by " CHANGER "; repaired in 1 pass, [0-9.]+ ms$", 0, 3000);
        wait_log("^Repaired in [0-9.]+ ms: 1 added, 0 removed, 0 status changes$", 0, 3000);
        wait_status("in sync, 5 rules", 3000);
        wait_log("^verify settle done: ", mark_log, 5000);

        fake_pause();
        assert_fake_holds_want(1);
        /* The record asked for a verification; the write came from what it found. */
        for (size_t i = mark; i < tl_len() && first == SIZE_MAX; i++)
                if (tl_get(i).kind == EV_REQ)
                        first = i;
        ck_assert_uint_ne(first, SIZE_MAX);
        ck_assert_msg(!is_write(tl_get(first).type), "first request after the records: %s", type_name(tl_get(first).type));
        ck_assert_uint_eq(count_req(AUDIT_ADD_RULE, mark, tl_len()), 1);
        ck_assert_uint_eq(count_req(0, mark, tl_len()), 1);
        fake_resume();
        world_done();
}
END_TEST

/* A flood of outside CONFIG_CHANGE records (100 000, as fast as the daemon reads them) with a
 * real change in the middle: the checks they ask for are coalesced and, while they keep finding
 * nothing, spaced (daemon/manager.c, EVENT_SPACING_USEC): far fewer checks than records, at most
 * one per 10 ms of flood (plus a few), and the real change is still found and repaired. */
START_TEST(test_config_change_flood) {
        enum { N = 100000 };
        size_t mark, lists;
        uint64_t t0, t1;

        world_init("flood", FAKE_SEQPACKET, MON_UNIX);
        write_rules(BASE_RULES);
        start_and_settle("60", "in sync, 5 rules");
        mark = tl_len();
        t0 = now_usec();
        for (unsigned i = 0; i < N; i++) {
                char rec[160];

                if (i == N / 2) {
                        fake_pause();
                        fake_remove_rule("perm");
                        fake_resume();
                }
                snprintf(rec, sizeof(rec), "audit(1700000000.123:%u): auid=1000 ses=3 op=add_rule key=(null) list=4 res=1",
                         100000 + i);
                ck_assert_int_eq(fake_emit_record(w.mon_peer, AUDIT_CONFIG_CHANGE, rec, 1), 0);
        }
        t1 = now_usec();
        wait_log("^Drift detected \\([a-z]+\\): 1 rules removed", 0, 10000);
        wait_status("in sync, 5 rules", 10000);
        fake_pause();
        assert_fake_holds_want(1);
        /* the daemon may still be reading the flood after the last one was sent: count up to its
         * last check */
        lists = count_req(AUDIT_LIST_RULES, mark, tl_len());
        for (size_t i = mark; i < tl_len(); i++) {
                ev e = tl_get(i);
                if (e.kind == EV_REQ && e.type == AUDIT_LIST_RULES && e.usec > t1)
                        t1 = e.usec;
        }
        printf("test_config_change_flood: %u records, %zu checks in %.2f s\n", (unsigned) N, lists, (double) (t1 - t0) / 1e6);
        ck_assert_uint_ge(lists, 1);
        ck_assert_uint_le(lists, (t1 - t0) / 10000 + 20);
        fake_resume();
        world_done();
}
END_TEST

/* The cheap poll (daemon/poll.c): while records would show every change, a poll is a lone GET;
 * it lists the rules when the status says records were lost, at the backstop (6 polls), and at
 * every poll while an exclude,never rule could hide records. Each path finds a silent drift. */
START_TEST(test_light_poll) {
        size_t mark, mark_log;

        world_init("light-poll", FAKE_SEQPACKET, MON_UNIX);
        write_rules(BASE_RULES);
        start_and_settle("0.3", "in sync, 5 rules");

        fake_pause();
        mark = tl_len();
        fake_resume();
        wait_requests(AUDIT_GET, 2, mark, 10000);       /* two polls, fewer than the backstop */
        fake_pause();
        ck_assert_uint_eq(count_req(AUDIT_LIST_RULES, mark, tl_len()), 0);
        /* Records lost (the kernel's counter), and a rule gone without a record: the next poll lists. */
        w.fk->status.lost += 3;
        fake_remove_rule("perm");
        mark_log = log_size();
        fake_resume();
        wait_log("^Drift detected \\(poll\\): 1 rules removed", mark_log, 5000);
        wait_status("in sync, 5 rules", 2000);
        wait_log("^verify settle done: ", mark_log, 5000);

        /* No sign at all: the backstop lists within 6 polls (1.8 s) of the last full check. */
        fake_pause();
        fake_remove_rule("perm");
        mark_log = log_size();
        fake_resume();
        wait_log("^Drift detected \\(poll\\): 1 rules removed", mark_log, 6000);
        wait_status("in sync, 5 rules", 2000);
        world_done();
}
END_TEST

/* An exclude,never rule in the kernel may drop CONFIG_CHANGE records: every poll lists. */
START_TEST(test_light_poll_exclude) {
        size_t mark;

        world_init("light-poll-exclude", FAKE_SEQPACKET, MON_UNIX);
        write_rules(RULES_HEAD "-a never,exclude -F msgtype=CWD\n" "-e 1\n");
        start_and_settle("0.3", "in sync, 5 rules");
        fake_pause();
        mark = tl_len();
        fake_resume();
        wait_requests(AUDIT_LIST_RULES, 2, mark, 10000);
        fake_pause();
        fake_resume();
        world_done();
}
END_TEST

/* ---------------------------------------------------------------------------------------------
 * 8. Spoofing. */

/* Forged answers from another port for the query the daemon just sent: a locked status, an
 * empty rule list. Believed, they would make the daemon report `locked` or re-add every rule. */
START_TEST(test_spoof_control) {
        uint8_t buf[8192];
        size_t mark, off = 0;
        unsigned forged = 0, forged_core = 0;
        ssize_t n;
        int r;

        world_init("spoof-control", FAKE_NETLINK, MON_NONE);
        write_rules(BASE_RULES);
        start_and_settle("0.2", "in sync, 5 rules");

        fake_pause();
        mark = tl_len();
        {
                struct pollfd p = { .fd = w.fk->fd, .events = POLLIN };

                ck_assert_int_eq(poll(&p, 1, 2000), 1);         /* the next poll's query, waiting */
        }
        n = recv(w.fk->fd, buf, sizeof(buf), MSG_PEEK | MSG_DONTWAIT);
        ck_assert_int_ge(n, (ssize_t) sizeof(struct nlmsghdr));

        /* A stranger cannot unicast to the connected socket at all... */
        {
                struct nlmsghdr h = { .nlmsg_len = sizeof(h), .nlmsg_type = NLMSG_NOOP };

                ck_assert_int_eq(fake_netlink_send_stranger(w.control, 0, &h, sizeof(h)), -ECONNREFUSED);
        }
        /* ...but multicast reaches it. */
        while ((size_t) n - off >= sizeof(struct nlmsghdr)) {
                struct nlmsghdr h;
                struct {
                        struct nlmsghdr h;
                        union {
                                struct audit_status s;
                                struct audit_features f;
                                int done;
                        };
                } m = {};

                memcpy(&h, buf + off, sizeof(h));
                ck_assert_uint_ge(h.nlmsg_len, sizeof(h));
                off += NLMSG_ALIGN(h.nlmsg_len);
                m.h.nlmsg_seq = h.nlmsg_seq;
                switch (h.nlmsg_type) {
                case AUDIT_GET:
                        m.h.nlmsg_type = AUDIT_GET;
                        m.h.nlmsg_len = sizeof(m.h) + sizeof(m.s);
                        m.s = (struct audit_status) { .enabled = 2, .failure = 2, .backlog_limit = 1 };
                        break;
                case AUDIT_GET_FEATURE:
                        m.h.nlmsg_type = AUDIT_GET_FEATURE;
                        m.h.nlmsg_len = sizeof(m.h) + sizeof(m.f);
                        m.f = (struct audit_features) { .vers = AUDIT_FEATURE_VERSION, .mask = ~0u, .features = 2, .lock = 2 };
                        break;
                case AUDIT_LIST_RULES:
                        m.h.nlmsg_type = NLMSG_DONE;
                        m.h.nlmsg_flags = NLM_F_MULTI;
                        m.h.nlmsg_len = sizeof(m.h) + sizeof(int);
                        break;
                default:
                        continue;
                }
                if (h.nlmsg_type == AUDIT_GET || h.nlmsg_type == AUDIT_LIST_RULES)
                        forged_core++;
                r = fake_netlink_send_stranger(w.control, SPOOF_GROUP, &m, m.h.nlmsg_len);
                if (r == -EPERM) {
                        printf("test_spoof_control: SKIP (joining a netlink group needs CAP_NET_ADMIN)\n");
                        fake_resume();
                        world_done();
                        return;
                }
                ck_assert_int_eq(r, 0);
                forged++;
        }
        /* GET and LIST_RULES at least (GET_FEATURE only when the client asks for features). */
        ck_assert_uint_ge(forged, 2);
        ck_assert_uint_eq(forged_core, 2);
        /* the forgeries are queued on the daemon's socket before the real answers: it reads them first */
        fake_resume();

        wait_requests(AUDIT_LIST_RULES, 3, mark, 10000);        /* that query and a few polls more */
        ck_assert_uint_eq(count_req(0, mark, tl_len()), 0);
        ck_assert_str_eq(last_status(), "in sync, 5 rules");
        ck_assert(!log_find("locked", 0));
        ck_assert(!log_find("Drift detected", 0));
        fake_pause();
        assert_fake_holds_want(1);
        ck_assert_uint_eq(w.fk->status.enabled, 1);
        fake_resume();
        world_done();
}
END_TEST

/* A forged record from a non-kernel sender, while the kernel really drifted: no verification,
 * so no write; the drift waits for a trusted trigger. */
START_TEST(test_spoof_monitor) {
        uint8_t buf[2048];
        struct nlmsghdr h = {};
        size_t mark;
        static const char *const forged[] = { CONFIG_CHANGE_REC, SYSCALL_REC };
        static const uint16_t types[] = { AUDIT_CONFIG_CHANGE, AUDIT_SYSCALL };
        size_t mark_log;

        world_init("spoof-monitor", FAKE_SEQPACKET, MON_NETLINK);
        write_rules(BASE_RULES);
        start_and_settle("60", "in sync, 5 rules");

        fake_pause();
        fake_remove_rule("perm");
        mark = tl_len();
        fake_resume();
        for (size_t i = 0; i < ELEMENTSOF(forged); i++) {
                h.nlmsg_type = types[i];
                h.nlmsg_len = (uint32_t) (sizeof(h) + strlen(forged[i]));
                memcpy(buf, &h, sizeof(h));
                memcpy(buf + sizeof(h), forged[i], strlen(forged[i]));
                /* Unicast from a stranger's port (the real socket is unconnected: anyone may send). */
                ck_assert_int_eq(fake_netlink_send_stranger(w.mon, 0, buf, h.nlmsg_len), 0);
        }
        /* the daemon read them (its socket, ours too, is empty), and then handled a signal: a
         * rejected reload, which checks nothing */
        wait_socket_drained(w.mon, 10000);
        mark_log = log_size();
        write_rules_errors("-a always,exit -F bogus=1\n", 1);
        daemon_signal(SIGHUP);
        wait_log("^Reload rejected: 1 errors", mark_log, 3000);
        /* Dropped: no verification at all, hence no write. */
        ck_assert_uint_eq(count_req(0, mark, tl_len()), 0);
        ck_assert_uint_eq(count_req(AUDIT_LIST_RULES, mark, tl_len()), 0);
        ck_assert(!log_find("Drift detected", 0));
        ck_assert(!log_find("^verify event", 0));
        ck_assert(!log_find("pid=4242", 0));
        fake_pause();
        ck_assert_uint_eq(fake_kernel_rule_count(w.fk), 4);
        fake_resume();
        world_done();
}
END_TEST

/* ---------------------------------------------------------------------------------------------
 * 9. Trust: monitor mode writes nothing; a lasting difference is reported once; what the kernel
 * refuses is retried without being reported again; pending rules are forgotten when loaded. */

#define FOREIGN_RULE "-a always,exit -F arch=b64 -S kill -k foreign"

static void fake_add_text_rule(const char *text) {
        ak_rule r;

        ck_assert_int_eq(ak_rule_from_text(text, &r, NULL, NULL), 0);
        ck_assert_int_eq(fake_kernel_add_rule(w.fk, r.data, r.size), 0);
        ak_rule_done(&r);
}

/* Monitor mode with an error in the rules and the kernel holding the valid ones: STATUS= says what
 * the State property says (it said "degraded" while State said "monitoring"). */
START_TEST(test_monitor_status_with_errors) {
        world_init("monitor-errors", FAKE_SEQPACKET, MON_UNIX);
        write_rules_errors("-w /etc/passwd -p wa -k identity\n-a always,exit -F auidd=1 -S open\n", 1);
        fake_preload(NULL);
        w.extra_arg = "--mode=monitor";
        spawn("0.2");
        wait_notify("READY=1", 0, 10000);
        wait_status("monitoring, with errors in the rules", 5000);
        wait_checks(2, tl_len(), 10000);        /* it looked again: the kernel holds the valid rules */
        ck_assert_str_eq(last_status(), "monitoring, with errors in the rules");
        ck_assert(!log_find("^drift: a new difference", 0));
        ck_assert(!log_find("Drift detected", 0));
        world_done();
}
END_TEST

START_TEST(test_monitor_never_writes) {
        size_t n, mark;

        world_init("monitor", FAKE_SEQPACKET, MON_UNIX);
        write_rules(BASE_RULES);
        fake_preload("perm");                   /* a desired rule missing */
        fake_add_text_rule(FOREIGN_RULE);       /* a foreign one; the status differs too */
        w.extra_arg = "--mode=monitor";
        spawn("0.1");
        wait_notify("READY=1", 0, 10000);
        wait_log("^Drift detected \\(start, monitor mode: not repaired\\): 1 rules removed; 1 rules added; "
                 "rate_limit set to 0 \\(want 100\\); backlog_limit set to [0-9]+ \\(want 8192\\)", 0, 3000);
        wait_status("drifted", 3000);

        /* polls, a reload and records of a change that leaves the difference as it is: no new
         * report */
        mark = log_size();
        daemon_signal(SIGHUP);
        wait_log("^Reloaded: 5 rules", mark, 3000);
        ck_assert_int_eq(fake_emit_record(w.mon_peer, AUDIT_CONFIG_CHANGE, CONFIG_CHANGE_REC, 1), 0);
        ck_assert_int_eq(fake_emit_record(w.mon_peer, AUDIT_SYSCALL, SYSCALL_REC, 1), 0);
        wait_checks(3, tl_len(), 10000);        /* the check the records ask for (or a poll's), and polls */
        ck_assert(!log_find("^drift: a new difference", mark));
        ck_assert_uint_eq(log_count("^Drift detected", 0), 1);

        /* the difference changes: reported again, with who did it */
        fake_pause();
        fake_remove_rule("access");
        /* the records before the kernel answers again, as the kernel writes them before the
         * change can be listed: whichever check finds it (a record's or a poll's) names the
         * changer */
        ck_assert_int_eq(fake_emit_record(w.mon_peer, AUDIT_CONFIG_CHANGE, CONFIG_CHANGE_REC, 1), 0);
        ck_assert_int_eq(fake_emit_record(w.mon_peer, AUDIT_SYSCALL, SYSCALL_REC, 1), 0);
        fake_resume();
        wait_log("^Drift detected \\((event|poll), monitor mode: not repaired\\): 2 rules removed; 1 rules added; .*, by " CHANGER "$",
                 0, 3000);
        mark = log_size();
        wait_checks(2, tl_len(), 10000);
        ck_assert(!log_find("^drift: a new difference", mark));
        ck_assert_uint_eq(log_count("^Drift detected", 0), 2);

        wait_requests(AUDIT_LIST_RULES, 8, 0, 10000);           /* it kept looking */
        fake_pause();
        n = tl_len();
        for (size_t i = 0; i < n; i++) {
                ev e = tl_get(i);
                ck_assert_msg(e.kind != EV_REQ || !is_write(e.type), "monitor mode sent %s (timeline %zu)", type_name(e.type), i);
        }
        ck_assert_uint_eq(fake_kernel_rule_count(w.fk), 3 + 1);    /* 5 desired - perm - access + foreign */
        fake_resume();
        world_done();
}
END_TEST

/* ---------------------------------------------------------------------------------------------
 * The keeping marker (daemon/keeping.c) that Debian's augenrules gate reads: written with the
 * daemon's pid once the first sync in enforce mode has ended, before READY=1 (auditd is ordered
 * after the unit: its gate must see it); removed at exit; never in monitor mode. */

static char marker_arg[760];

static void marker_init(void) {
        snprintf(marker_watch, sizeof(marker_watch), "%s/keeping", w.dir);
        snprintf(marker_arg, sizeof(marker_arg), "--keeping-marker=%s", marker_watch);
        w.extra_arg2 = marker_arg;
        marker_at_ready = -1;
}

static void assert_marker_names_daemon(void) {
        char pid[32], want[32];

        ck_assert_msg(read_first_line(marker_watch, pid, sizeof(pid)) >= 0, "no %s", marker_watch);
        snprintf(want, sizeof(want), "%d", (int) w.pid);
        ck_assert_str_eq(pid, want);
}

START_TEST(test_keeping_marker) {
        world_init("keeping", FAKE_SEQPACKET, MON_UNIX);
        write_rules(BASE_RULES);
        marker_init();

        /* from empty: the rules go in, then the marker, then READY=1 */
        start_and_settle("0.2", "in sync, 5 rules");
        ck_assert_msg(marker_at_ready == 1, "the marker was not there when READY=1 came (%d)", marker_at_ready);
        assert_marker_names_daemon();
        stop_daemon();
        ck_assert_msg(access(marker_watch, F_OK) < 0 && errno == ENOENT, "the marker outlived the daemon");

        /* a new daemon that finds the kernel in sync: marker with its own pid, before READY=1 */
        marker_at_ready = -1;
        pthread_mutex_lock(&tl_lock);
        tl_n = 0;
        pthread_mutex_unlock(&tl_lock);
        spawn("0.2");
        wait_notify("READY=1", 0, 10000);
        wait_log("^In sync \\(start\\): 5 rules, nothing to change$", 0, 3000);
        ck_assert_msg(marker_at_ready == 1, "the marker was not there when READY=1 came (%d)", marker_at_ready);
        assert_marker_names_daemon();

        /* a marker left by someone else (a newer daemon) stays at exit */
        {
                FILE *f = fopen(marker_watch, "we");
                ck_assert_ptr_nonnull(f);
                fputs("1\n", f);
                fclose(f);
        }
        stop_daemon();
        ck_assert_int_eq(access(marker_watch, F_OK), 0);
        world_done();
}
END_TEST

/* A kernel locked before the daemon started: nothing can change until reboot, augenrules could
 * only fail; the daemon keeps it as far as anyone can. */
START_TEST(test_keeping_marker_locked) {
        world_init("keeping-locked", FAKE_SEQPACKET, MON_UNIX);
        write_rules(BASE_RULES);
        w.fk->status.enabled = 2;
        marker_init();
        start_and_settle("0.2", "locked");
        ck_assert_msg(marker_at_ready == 1, "the marker was not there when READY=1 came (%d)", marker_at_ready);
        assert_marker_names_daemon();
        world_done();
}
END_TEST

START_TEST(test_keeping_marker_monitor) {
        world_init("keeping-monitor", FAKE_SEQPACKET, MON_UNIX);
        write_rules(BASE_RULES);
        fake_preload(NULL);
        marker_init();
        w.extra_arg = "--mode=monitor";
        spawn("0.1");
        wait_notify("READY=1", 0, 10000);
        /* polls and a reload: never a marker */
        daemon_signal(SIGHUP);
        wait_log("^Reloaded: 5 rules", 0, 3000);
        wait_checks(2, tl_len(), 10000);
        ck_assert_int_eq(marker_at_ready, 0);
        ck_assert_msg(access(marker_watch, F_OK) < 0, "monitor mode wrote %s", marker_watch);
        world_done();
}
END_TEST

/* ---------------------------------------------------------------------------------------------
 * --metrics=FILE in a directory that does not exist at start (node_exporter installed later):
 * one clear message, then the file appears without a restart once the directory exists. */

START_TEST(test_metrics_directory_later) {
        static char arg[860];
        char dir[700], file[800], text[256];
        uint64_t end;

        world_init("metrics-later", FAKE_SEQPACKET, MON_UNIX);
        write_rules(BASE_RULES);
        snprintf(dir, sizeof(dir), "%s/node-exporter", w.dir);
        snprintf(file, sizeof(file), "%s/auditkeep.prom", dir);
        snprintf(arg, sizeof(arg), "--metrics=%s", file);
        w.extra_arg = arg;
        start_and_settle("0.1", "in sync, 5 rules");
        wait_log("^Metrics not written to .*/auditkeep\\.prom: .*/node-exporter does not exist \\(no node_exporter "
                 "textfile collector here\\); written as soon as it does", 0, 3000);
        wait_checks(3, tl_len(), 10000);        /* polls, each trying again: said once */
        ck_assert_uint_eq(log_count("^Metrics not written", 0), 1);
        ck_assert_int_lt(access(file, F_OK), 0);

        ck_assert_int_eq(mkdir(dir, 0755), 0);
        end = now_usec() + 10000000u;
        while (access(file, F_OK) < 0 && now_usec() < end)
                usleep(10000);
        ck_assert_msg(access(file, F_OK) == 0, "%s did not appear within 10 s of its directory", file);
        wait_log("^Metrics written to .*/auditkeep\\.prom$", 0, 1000);
        ck_assert_int_ge(read_first_line(file, text, sizeof(text)), 0);
        ck_assert_msg(strncmp(text, "# HELP auditkeep_", 17) == 0, "the metrics file starts with '%s'", text);
        ck_assert_uint_eq(log_count("^Metrics not written", 0), 1);
        world_done();
}
END_TEST

/* ---------------------------------------------------------------------------------------------
 * The kernel's backlog at run time (daemon/backlog.c): the fake's status says records were lost,
 * then that processes waited for the backlog. Each is warned once, at the first GET that shows
 * it, however many polls it lasts, and its end is told after five quiet poll intervals; the
 * metrics file carries the peak and both counters. */

START_TEST(test_backlog_lost_and_wait) {
        static char arg[860];
        char file[800];
        _cleanup_free_ char *text = NULL;
        size_t mark, mark_log;
        uint64_t end;

        world_init("backlog", FAKE_SEQPACKET, MON_UNIX);
        write_rules(BASE_RULES);
        w.fk->status.lost = 1295;                       /* lost before the daemon: not counted */
        w.fk->status.backlog_wait_time_actual = 155;
        snprintf(file, sizeof(file), "%s/auditkeep.prom", w.dir);
        snprintf(arg, sizeof(arg), "--metrics=%s", file);
        w.extra_arg = arg;
        start_and_settle("0.2", "in sync, 5 rules");
        wait_checks(2, tl_len(), 10000);
        ck_assert_uint_eq(log_count("^Audit records lost|^Audited processes waited", 0), 0);

        fake_pause();
        w.fk->status.lost += 18483;
        w.fk->status.backlog = 37;
        mark = tl_len();
        mark_log = log_size();
        fake_resume();
        /* within one poll (the GET that shows it), with what to do */
        wait_log("^Audit records lost: the kernel lost 18483 records since [0-9-]+ [0-9:]+ \\(backlog limit 8192, "
                 "highest backlog seen 37, backlog_wait_time 60000, rate limit 100\\)\\. What to do: raise the "
                 "backlog limit \\(-b 16384 in the rules\\); the rate limit drops records above 100 a second \\(-r 0 "
                 "removes it\\); quiet the noisiest rules: .*'aureport --start recent --key --summary'",
                 mark_log, 2000);
        ck_assert_uint_le(count_req(AUDIT_GET, mark, tl_len()), 2);
        /* more losses in the same episode: counted, not warned again */
        fake_pause();
        w.fk->status.lost += 17;
        w.fk->status.backlog = 0;
        mark = tl_len();
        fake_resume();
        wait_requests(AUDIT_GET, 3, mark, 3000);
        ck_assert_uint_eq(log_count("^Audit records lost", mark_log), 1);
        /* five quiet poll intervals (1 s): over, with the sum */
        wait_log("^Audit records no longer lost: 18500 records lost between [0-9-]+ [0-9:]+ and [0-9-]+ [0-9:]+; "
                 "18500 since auditkeepd started$", mark_log, 4000);

        fake_pause();
        w.fk->status.backlog_wait_time_actual += 109722;
        mark_log = log_size();
        fake_resume();
        wait_log("^Audited processes waited [0-9]+\\.[0-9]{3} s for the audit backlog since [0-9-]+ [0-9:]+ \\(backlog "
                 "limit 8192, highest backlog seen 37, .*no record was lost for it", mark_log, 2000);
        ck_assert_uint_eq(log_count("^Audit records lost", mark_log), 0);

        /* the metrics file follows (light polls too): counters since start, the peak */
        end = wait_deadline(0);
        do {
                free(text);
                text = read_file_or_empty(file);
                if (strstr(text, "\nauditkeep_kernel_backlog_wait_seconds_total 0.000000\n") == NULL &&
                    strstr(text, "\nauditkeep_kernel_backlog_wait_seconds_total "))
                        break;
                usleep(20000);
        } while (now_usec() < end);
        ck_assert_ptr_nonnull(strstr(text, "\nauditkeep_kernel_backlog_peak 37\n"));
        ck_assert_ptr_nonnull(strstr(text, "\nauditkeep_kernel_lost_records_total 18500\n"));
        ck_assert_ptr_nonnull(strstr(text, "# TYPE auditkeep_kernel_lost_records_total counter\n"));
        ck_assert_ptr_nonnull(strstr(text, "# TYPE auditkeep_kernel_backlog_wait_seconds_total counter\n"));
        ck_assert_msg(strstr(text, "\nauditkeep_kernel_backlog_wait_seconds_total 0.000000\n") == NULL,
                      "the wait did not reach the metrics file:\n%s", text);
        world_done();
}
END_TEST

/* --reset-lost in the rules: the start sync resets the kernel's counter right after reading it.
 * What was lost between that read and the reset is in the kernel's answer (the count before the
 * reset) and counts; what is lost after the reset counts from 0. */
START_TEST(test_backlog_reset_lost) {
        static const char rules[] = RULES_HEAD "-a always,exclude -F msgtype=CWD\n" "--reset-lost\n" "-e 1\n";
        static char arg[860];
        char file[800];
        size_t mark_log;

        world_init("backlog-reset", FAKE_SEQPACKET, MON_UNIX);
        write_rules(rules);
        w.fk->status.lost = 1295;                       /* lost before the daemon: not counted */
        w.fk->lost_at_reset = 3705;                     /* lost after the start's read, before its reset */
        snprintf(file, sizeof(file), "%s/auditkeep.prom", w.dir);
        snprintf(arg, sizeof(arg), "--metrics=%s", file);
        w.extra_arg = arg;
        start_and_settle("0.2", "in sync");
        wait_log("^Audit records lost: the kernel lost 3705 records since ", 0, 3000);
        fake_pause();
        ck_assert_uint_eq(w.fk->status.lost, 0);        /* the start sync reset it */
        ck_assert_uint_eq(w.fk->lost_at_reset, 0);
        w.fk->status.lost = 1295;                       /* lost since the reset: counted from 0 */
        mark_log = log_size();
        fake_resume();
        wait_metric("auditkeep_kernel_lost_records_total 5000", 3000);
        ck_assert_uint_eq(log_count("^Audit records lost", mark_log), 0);       /* the same episode */
        world_done();
}
END_TEST

/* The kernel refuses every status change: logged once per setting, retried at every poll, never
 * reported as drift. */
/* A daemon started on a fake that holds the rules and refuses every AUDIT_SET. */
static void start_refusing_set(const char *name, const char *rules, const char *poll_interval) {
        world_init(name, FAKE_SEQPACKET, MON_UNIX);
        write_rules(rules);
        fake_preload(NULL);
        w.fk->fail_type = AUDIT_SET;
        w.fk->fail_type_errno = EINVAL;
        spawn(poll_interval);
        wait_notify("READY=1", 0, 10000);
}

/* n refusals logged, each once; no drift, no fight; the status says so. */
static void assert_refused_quietly(size_t n, const char *status) {
        ck_assert_uint_eq(log_count("^The kernel refused a change", 0), n);
        ck_assert_uint_eq(log_count("^Drift detected", 0), 0);
        ck_assert_uint_eq(log_count("^Flapping", 0), 0);
        ck_assert_str_eq(last_status(), status);
}

START_TEST(test_refusal_reported_once) {
        start_refusing_set("refused", BASE_RULES, "0.1");
        wait_log("^The kernel refused a change \\(backlog_limit\\): Invalid argument; retried at every poll$", 0, 3000);
        wait_requests(AUDIT_SET, 12, 0, 10000);                 /* retried, 3 settings a time */
        assert_refused_quietly(3, "degraded: 0 pending, 0 errors, 3 refused");
        world_done();
}
END_TEST

/* The kernel refuses the lock alone (the rules already in force): a refused change like the
 * others, retried at the poll, not at once by the settle check (it looped: thousands of
 * AUDIT_SET a second). */
START_TEST(test_lock_refused) {
        size_t mark, mark_log;

        start_refusing_set("lock-refused", "-D\n-a always,exclude -F msgtype=CWD\n-e 2\n", "1");
        wait_log("^The kernel refused a change \\(lock, -e 2\\): Invalid argument; retried at every poll$", 0, 3000);
        wait_status("degraded: 0 pending, 0 errors, 1 refused", 3000);
        mark = tl_len();
        mark_log = log_size();
        wait_requests(AUDIT_SET, 1, mark, 5000);        /* retried at the poll */
        /* retried at each poll, not again at once by the settle check after it: over a few polls,
         * no more SETs than polls */
        wait_checks(4, mark, 10000);
        fake_pause();
        ck_assert_uint_le(count_req(AUDIT_SET, mark, tl_len()), log_count("^verify poll$", mark_log) + 1);
        fake_resume();
        assert_refused_quietly(1, "degraded: 0 pending, 0 errors, 1 refused");
        world_done();
}
END_TEST

/* A retry whose changes cannot be sent at all (the socket refuses the datagram) ends the check
 * early; the next check that repairs real drift is a repair all the same: logged, counted, its
 * incident "repaired". (A leftover "retrying" flag hid it.) The retry: deleting the biggest foreign
 * rule, which the kernel refuses; then the daemon's socket is made too small for that delete. */
START_TEST(test_repair_after_unsent_retry) {
        size_t size, mark;
        _cleanup_free_ struct audit_rule_data *big = fake_rule_biggest('x', &size);
        int sndbuf = 64 * 1024;

        ck_assert_ptr_nonnull(big);
        world_init("repair-after-unsent", FAKE_SEQPACKET, MON_UNIX);
        write_rules(BASE_RULES);
        fake_preload(NULL);
        ck_assert_int_eq(fake_kernel_add_rule(w.fk, big, size), 0);
        w.fk->fail_type = AUDIT_DEL_RULE;
        w.fk->fail_type_errno = EPERM;
        spawn("0.2");
        wait_notify("READY=1", 0, 10000);
        wait_status("degraded: 0 pending, 0 errors, 1 refused", 3000);

        /* the daemon's socket (our copy is the same socket): the delete no longer fits, the rest does */
        mark = log_size();
        ck_assert_int_eq(setsockopt(w.control, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf)), 0);
        wait_log("^Failed to send changes to the kernel: Message too long$", mark, 3000);

        mark = log_size();
        fake_pause();
        fake_remove_rule("perm");
        fake_resume();
        wait_log("^Repaired in [0-9.]+ ms: 1 added, 0 removed, 0 status changes$", mark, 3000);
        wait_log("^Drift detected \\([a-z]+\\): 1 rules removed.*; repaired in 1 pass", mark, 5000);
        world_done();
}
END_TEST

/* The answer to a repair's changes is held; meanwhile a SIGHUP parks new rules, and the daemon's
 * socket stops sending: the settle check cannot start. The parked rules are taken all the same,
 * not left until a check ends (none can now). */
static pthread_mutex_t hold_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t hold_cond = PTHREAD_COND_INITIALIZER;
static uint16_t hold_type;              /* hold the answer to the first request of this type */
static int hold_state;                  /* 1 holding, 2 released */

static void on_request_hold(fake_kernel *fk, const struct nlmsghdr *h, const void *payload, size_t plen, int error,
                            void *userdata) {
        on_request(fk, h, payload, plen, error, userdata);
        pthread_mutex_lock(&hold_lock);
        if (h->nlmsg_type == hold_type && hold_state == 0) {
                hold_state = 1;
                pthread_cond_broadcast(&hold_cond);
                while (hold_state != 2)
                        pthread_cond_wait(&hold_cond, &hold_lock);
        }
        pthread_mutex_unlock(&hold_lock);
}

/* Hold the answer to the next request of this type (set while the fake is paused). */
static void hold_arm(uint16_t type) {
        w.fk->on_request = on_request_hold;
        hold_type = type;
}

/* Wait until the held request has come: fails the test naming what did not come. */
static void hold_wait(int seconds, const char *what) {
        struct timespec end;
        int r = 0;

        clock_gettime(CLOCK_REALTIME, &end);
        end.tv_sec += seconds;
        pthread_mutex_lock(&hold_lock);
        while (hold_state != 1 && r == 0)
                r = pthread_cond_timedwait(&hold_cond, &hold_lock, &end);
        pthread_mutex_unlock(&hold_lock);
        ck_assert_msg(r == 0, "%s did not come", what);
}

/* Let the held request be answered. */
static void hold_release(void) {
        pthread_mutex_lock(&hold_lock);
        hold_state = 2;
        pthread_cond_broadcast(&hold_cond);
        pthread_mutex_unlock(&hold_lock);
}

START_TEST(test_settle_cannot_start) {
        size_t mark, at;

        world_init("settle-cannot-start", FAKE_SEQPACKET, MON_UNIX);
        write_rules(BASE_RULES);
        fake_preload(NULL);
        start_and_settle("5", "in sync, 5 rules");

        fake_pause();
        hold_arm(AUDIT_ADD_RULE);
        fake_remove_rule("perm");
        fake_resume();
        ck_assert_int_eq(fake_emit_record(w.mon_peer, AUDIT_CONFIG_CHANGE, CONFIG_CHANGE_REC, 1), 0);
        hold_wait(5, "the repair");

        at = tl_len();
        mark = log_size();
        daemon_signal(SIGHUP);
        wait_notify("RELOADING=1", at, 3000);           /* parked: the repair is in flight */
        ck_assert_int_eq(shutdown(w.control, SHUT_WR), 0);
        hold_release();

        wait_log("^Repaired in", mark, 3000);
        wait_log("^Failed to ask the kernel for its audit state: Broken pipe$", mark, 3000);
        wait_log("^Reloaded: 5 rules", mark, 3000);
        world_done();
}
END_TEST

/* A repair goes to the kernel before the states on its way are told: while the kernel has not
 * answered the ADD, STATUS= says neither drifted nor repairing; after, both are told, in order,
 * then the state after the repair. */
START_TEST(test_repair_before_status) {
        size_t mark;
        ssize_t drifted, repairing, in_sync;

        world_init("repair-before-status", FAKE_SEQPACKET, MON_UNIX);
        write_rules(BASE_RULES);
        fake_preload(NULL);
        start_and_settle("60", "in sync, 5 rules");

        fake_pause();
        hold_arm(AUDIT_ADD_RULE);
        fake_remove_rule("perm");
        mark = tl_len();
        fake_resume();
        ck_assert_int_eq(fake_emit_record(w.mon_peer, AUDIT_CONFIG_CHANGE, CONFIG_CHANGE_REC, 1), 0);
        hold_wait(5, "the repair");

        usleep(200 * 1000);     /* what did not happen: nothing told while the ADD is unanswered */
        drifted = find_notify("STATUS=drifted", mark, 0);
        repairing = find_notify("STATUS=repairing", mark, 0);
        if (drifted >= 0 || repairing >= 0)
                tl_dump(mark);
        ck_assert_msg(drifted < 0 && repairing < 0, "told before the kernel answered the repair: drifted %zd, repairing %zd",
                      drifted, repairing);
        hold_release();

        in_sync = (ssize_t) wait_notify("STATUS=in sync, 5 rules", mark, 3000);
        drifted = find_notify("STATUS=drifted", mark, 0);
        repairing = find_notify("STATUS=repairing", mark, 0);
        if (!(drifted >= 0 && drifted < repairing && repairing < in_sync))
                tl_dump(mark);
        ck_assert_msg(drifted >= 0 && drifted < repairing && repairing < in_sync,
                      "told in order: drifted %zd, repairing %zd, in sync %zd", drifted, repairing, in_sync);
        world_done();
}
END_TEST

/* A pending rule that someone else loads is pending no more; one that a reload drops, too. */
START_TEST(test_pending_forgotten) {
        size_t mark;

        world_init("pending-forgotten", FAKE_SEQPACKET, MON_UNIX);
        write_rules(PENDING_RULES);
        fake_preload("pending");
        w.fk->fail_type = AUDIT_ADD_RULE;
        w.fk->fail_type_errno = ENOENT;
        spawn("0.1");
        wait_notify("READY=1", 0, 10000);
        wait_status("degraded: 1 pending, 0 errors", 3000);

        /* loaded behind our back (the kernel still refuses our own adds) */
        fake_pause();
        fake_add_text_rule(PENDING_LINE);
        fake_resume();
        wait_log("^Pending rule loaded: -w /nonexistent/ak-dir/file -p wa -k pending$", 0, 3000);
        wait_status("in sync, 6 rules", 3000);

        /* taken out again (drift, now that it was in force): pending again; then a reload drops it */
        fake_pause();
        fake_remove_rule("pending");
        fake_resume();
        wait_log("^Drift detected \\([a-z]+\\): 1 rules removed", 0, 3000);
        wait_status("degraded: 1 pending, 0 errors", 3000);
        mark = log_size();
        write_rules(BASE_RULES);
        w.fk->fail_type = 0;
        daemon_signal(SIGHUP);
        wait_log("^Reloaded: 5 rules", mark, 3000);
        wait_status("in sync, 5 rules", 3000);
        ck_assert_uint_eq(log_count("^Drift detected", 0), 1);
        world_done();
}
END_TEST

/* ---------------------------------------------------------------------------------------------
 * 10. Resync over D-Bus fails when it fails: a locked kernel, a refusal, no answer. A private
 * dbus-daemon that lets root call the daemon; dbus-send shows the error's name. */

static void bus_start(void) {
        char conf[700], sock[700];
        FILE *f;

        snprintf(conf, sizeof(conf), "%s/bus.conf", w.dir);
        snprintf(sock, sizeof(sock), "%s/bus", w.dir);
        f = fopen(conf, "we");
        ck_assert_ptr_nonnull(f);
        fprintf(f, "<!DOCTYPE busconfig PUBLIC \"-//freedesktop//DTD D-BUS Bus Configuration 1.0//EN\"\n"
                   " \"http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd\">\n"
                   "<busconfig><type>system</type><listen>unix:path=%s</listen><auth>EXTERNAL</auth>\n"
                   "<policy context=\"default\"><allow user=\"*\"/><allow own=\"*\"/><allow send_type=\"method_call\"/>\n"
                   "<allow receive_type=\"method_call\"/><allow receive_type=\"method_return\"/><allow receive_type=\"error\"/>\n"
                   "<allow receive_type=\"signal\"/><allow send_type=\"signal\"/><allow send_requested_reply=\"true\"/>\n"
                   "</policy></busconfig>\n", sock);
        ck_assert_int_eq(fclose(f), 0);
        snprintf(w.bus_address, sizeof(w.bus_address), "unix:path=%s", sock);
        w.bus_pid = fork();
        ck_assert_int_ge(w.bus_pid, 0);
        if (w.bus_pid == 0) {
                int null = open("/dev/null", O_WRONLY | O_CLOEXEC);
                char arg[800];

                (void) prctl(PR_SET_PDEATHSIG, SIGKILL);
                if (null >= 0) {
                        (void) dup2(null, STDOUT_FILENO);
                        (void) dup2(null, STDERR_FILENO);
                }
                snprintf(arg, sizeof(arg), "--config-file=%s", conf);
                execlp("dbus-daemon", "dbus-daemon", arg, "--nofork", "--nopidfile", (char *) NULL);
                _exit(127);
        }
        for (uint64_t end = wait_deadline(0); access(sock, F_OK) < 0 && now_usec() < end;)
                usleep(10 * 1000);
        ck_assert_msg(access(sock, F_OK) == 0, "dbus-daemon did not start (is it installed?)");
}

/* Run a command, return what it printed (stdout and stderr). */
/* What a stream holds until its end ("" for none), closed by the caller. */
static char *read_stream(FILE *f) {
        strbuf b = {};
        char chunk[1024];
        size_t n;

        while (f && (n = fread(chunk, 1, sizeof(chunk), f)) > 0)
                strbuf_append(&b, chunk, n);
        strbuf_puts(&b, "");
        return strbuf_steal(&b);
}

static char *run_capture(const char *cmd) {
        FILE *p = popen(cmd, "re");
        char *out;

        ck_assert_ptr_nonnull(p);
        out = read_stream(p);
        (void) pclose(p);
        return out;
}

/* A file's text, "" when it is not there yet. */
static char *read_file_or_empty(const char *path) {
        FILE *f = fopen(path, "re");
        char *out = read_stream(f);

        if (f)
                fclose(f);
        return out;
}

/* The dbus-send command line that calls a method of the daemon, its output sent as `redirect`
 * says. */
static void bus_command(char *buf, size_t size, const char *method, const char *redirect) {
        snprintf(buf, size, "dbus-send --bus='%s' --print-reply --reply-timeout=60000 --dest=org.auditkeep1 "
                 "/org/auditkeep1 org.auditkeep1.Manager.%s %s", w.bus_address, method, redirect);
}

static char *bus_call(const char *method) {
        char cmd[1200];

        bus_command(cmd, sizeof(cmd), method, "2>&1");
        return run_capture(cmd);
}

static void wait_bus_name(void) {
        char cmd[1200];

        snprintf(cmd, sizeof(cmd), "busctl --address='%s' status org.auditkeep1 >/dev/null 2>&1", w.bus_address);
        for (uint64_t end = wait_deadline(0); now_usec() < end;) {
                if (system(cmd) == 0)
                        return;
                usleep(10 * 1000);
        }
        ck_abort_msg("org.auditkeep1 did not appear on the private bus");
}

START_TEST(test_resync_errors_locked_and_refused) {
        _cleanup_free_ char *locked = NULL, *refused = NULL, *ok = NULL;
        size_t size;
        struct audit_rule_data *foreign = fake_rule_new(AUDIT_FILTER_EXIT, AUDIT_ALWAYS, 2, NULL, "foreign", &size);

        world_init("resync-errors", FAKE_SEQPACKET, MON_UNIX);
        write_rules(BASE_RULES);
        bus_start();
        ck_assert_ptr_nonnull(foreign);
        ck_assert_int_eq(fake_kernel_add_rule(w.fk, foreign, size), 0);
        free(foreign);
        w.fk->status.enabled = 2;
        start_and_settle("60", "locked");
        wait_bus_name();
        locked = bus_call("Resync");
        ck_assert_msg(strstr(locked, "Error org.auditkeep1.Error.Locked: The kernel's audit configuration is locked "
                                     "(enabled=2): "), "%s", locked);
        ck_assert_msg(strstr(locked, " differences stay until reboot"), "%s", locked);

        /* unlocked, but every status change refused */
        fake_pause();
        w.fk->status.enabled = 1;
        w.fk->fail_type = AUDIT_SET;
        w.fk->fail_type_errno = EINVAL;
        fake_resume();
        refused = bus_call("Resync");
        ck_assert_msg(strstr(refused, "Error org.auditkeep1.Error.Refused: The kernel refused 3 changes (first: Invalid argument)"),
                      "%s", refused);
        /* the rules went in all the same; and a Resync with nothing refused answers */
        fake_pause();
        w.fk->fail_type = 0;
        fake_resume();
        ok = bus_call("Resync");
        ck_assert_msg(strstr(ok, "method return") && strstr(ok, "uint32 0"), "%s", ok);
        world_done();
}
END_TEST

/* A bus method called in the background (it waits for its answer), its reply in a file. */
static void bus_call_start(const char *method, const char *reply) {
        char cmd[2000], redirect[800];

        snprintf(redirect, sizeof(redirect), ">'%s' 2>&1 &", reply);
        bus_command(cmd, sizeof(cmd), method, redirect);
        ck_assert_int_eq(system(cmd), 0);
}

/* Its answer: (added, removed, changed) of a method return. */
static void bus_call_wait(const char *reply, uint32_t ret[3]) {
        _cleanup_free_ char *out = NULL;

        for (uint64_t end = wait_deadline(60000); now_usec() < end;) {
                free(out);
                out = read_file_or_empty(reply);
                if (strstr(out, "Error") || (strstr(out, "method return") && strstr(out, "uint32") &&
                                             sscanf(strstr(out, "uint32"), "uint32 %u uint32 %u uint32 %u", &ret[0], &ret[1],
                                                    &ret[2]) == 3))
                        break;
                usleep(10 * 1000);
        }
        ck_assert_msg(strstr(out, "method return"), "%s", out);
}

/* A ResyncExactOrder that arrives while a SIGHUP's new rules are parked behind a check in flight
 * is answered by its own check (the exact-order one), not by the reload's. */
START_TEST(test_resync_exact_behind_parked_reload) {
        char reply[700];
        uint32_t counts[3] = {};
        size_t mark;

        world_init("resync-parked", FAKE_SEQPACKET, MON_UNIX);
        write_rules(BASE_RULES);
        bus_start();
        /* the first two rules swapped: only an exact-order resync changes that */
        ck_assert_int_eq(fake_kernel_add_rule(w.fk, w.want->rules[1].data, w.want->rules[1].size), 0);
        ck_assert_int_eq(fake_kernel_add_rule(w.fk, w.want->rules[0].data, w.want->rules[0].size), 0);
        for (size_t i = 2; i < w.want->n_rules; i++)
                ck_assert_int_eq(fake_kernel_add_rule(w.fk, w.want->rules[i].data, w.want->rules[i].size), 0);
        start_and_settle("60", "in sync, 5 rules");
        wait_bus_name();

        /* a check in flight that the paused kernel does not answer, a reload parked behind it,
         * then the exact-order resync */
        fake_pause();
        mark = log_size();
        ck_assert_int_eq(fake_emit_record(w.mon_peer, AUDIT_CONFIG_CHANGE, CONFIG_CHANGE_REC, 1), 0);
        wait_log("^verify event$", mark, 3000);
        daemon_signal(SIGHUP);
        wait_notify("RELOADING=1", 0, 3000);    /* read and parked behind the check in flight */
        snprintf(reply, sizeof(reply), "%s/reply", w.dir);
        bus_call_start("ResyncExactOrder", reply);
        wait_log("^verify request \\(queued\\)$", mark, 3000);
        fake_resume();
        bus_call_wait(reply, counts);
        /* its own check moved the rules: the answer counts what it did */
        ck_assert_msg(counts[0] >= 1 && counts[1] >= 1, "ResyncExactOrder answered %u/%u/%u", counts[0], counts[1], counts[2]);
        fake_pause();
        assert_fake_holds_want(1);
        fake_resume();
        world_done();
}
END_TEST

/* A SIGHUP that arrives while a Resync's own check is in flight: the Resync is answered when its
 * check ends, with what it repaired, before the reload's check runs. */
START_TEST(test_sighup_during_resync) {
        char reply[700];
        uint32_t counts[3] = {};
        size_t mark;

        world_init("resync-sighup", FAKE_SEQPACKET, MON_UNIX);
        write_rules(BASE_RULES);
        bus_start();
        fake_preload(NULL);
        start_and_settle("60", "in sync, 5 rules");
        wait_bus_name();

        /* a rule gone without a record (the poll is a minute away); the Resync's check waits
         * for the paused kernel while the SIGHUP comes in */
        fake_pause();
        fake_remove_rule("access");
        mark = log_size();
        snprintf(reply, sizeof(reply), "%s/reply", w.dir);
        bus_call_start("Resync", reply);
        wait_log("^verify request$", mark, 3000);
        daemon_signal(SIGHUP);
        wait_notify("RELOADING=1", 0, 3000);    /* read and parked behind the Resync's check */
        fake_resume();
        bus_call_wait(reply, counts);
        ck_assert_msg(counts[0] == 1 && counts[1] == 0, "Resync answered %u/%u/%u", counts[0], counts[1], counts[2]);
        wait_log("^Reloaded: 5 rules", mark, 3000);
        fake_pause();
        assert_fake_holds_want(0);
        fake_resume();
        world_done();
}
END_TEST

/* A Reload over D-Bus whose own sync takes, and whose settle check then cannot start (the
 * daemon's socket stops sending once the kernel has the new rule): the reload did what it says,
 * so the call is answered with what it did, not with an error. */
START_TEST(test_reload_settle_cannot_start) {
        char reply[700];
        uint32_t counts[3] = {};
        size_t mark;

        world_init("reload-settle", FAKE_SEQPACKET, MON_UNIX);
        write_rules(BASE_RULES);
        bus_start();
        fake_preload(NULL);
        start_and_settle("60", "in sync, 5 rules");
        wait_bus_name();

        write_rules(PENDING_RULES);     /* one rule more; the fake takes it */
        fake_pause();
        hold_arm(AUDIT_ADD_RULE);
        fake_resume();
        mark = log_size();
        snprintf(reply, sizeof(reply), "%s/reply", w.dir);
        bus_call_start("Reload", reply);
        hold_wait(10, "the reload's add");

        /* the kernel takes the rule and says so; after that the daemon cannot send */
        ck_assert_int_eq(shutdown(w.control, SHUT_WR), 0);
        hold_release();

        wait_log("^Synced \\(reload\\): 1 added, 0 removed", mark, 5000);
        wait_log("^Failed to ask the kernel for its audit state: Broken pipe$", mark, 5000);
        bus_call_wait(reply, counts);
        ck_assert_msg(counts[0] == 1 && counts[1] == 0 && counts[2] == 0, "Reload answered %u/%u/%u", counts[0], counts[1],
                      counts[2]);
        world_done();
}
END_TEST

START_TEST(test_resync_error_kernel_silent) {
        _cleanup_free_ char *out = NULL;
        uint64_t t0;

        world_init("resync-silent", FAKE_SEQPACKET, MON_UNIX);
        write_rules(BASE_RULES);
        bus_start();
        start_and_settle("60", "in sync, 5 rules");
        wait_bus_name();
        fake_pause();
        w.fk->silent = 1;
        fake_resume();
        t0 = now_usec();
        out = bus_call("Resync");
        ck_assert_msg(strstr(out, "Error org.auditkeep1.Error.Kernel: Cannot read the kernel's audit state: "
                                  "Connection timed out"), "%s", out);
        printf("test_resync_error_kernel_silent: error after %.1f s\n", (double) (now_usec() - t0) / 1e6);
        fake_pause();
        w.fk->silent = 0;
        fake_resume();
        world_done();
}
END_TEST

/* ---------------------------------------------------------------------------------------------
 * 11. Never shrink coverage by accident: foreign rules are kept, whatever --foreign says, while
 * the rules declare no rule (unless --allow-empty), have errors, or (default sources) the host
 * loads its rules another way; the status line and the journal say so. */

/* Debian's /etc/audit/rules.d/audit.rules: settings, and no rule. */
static const char DEBIAN_DEFAULT_RULES[] = "## First rule - delete all\n-D\n\n-b 8192\n\n--backlog_wait_time 60000\n\n-f 1\n";
#define HAND_WATCH "-w /etc/shadow -p wa -k hand-shadow"
#define EMPTY_HELD "in sync, 0 rules; foreign rules kept: the rules declare no rule"

/* With the fake paused: every desired rule is there, and `others` rules more. */
static void assert_fake_holds_want_and(size_t others) {
        ck_assert_int_eq(w.fk->running, 0);
        ck_assert_uint_eq(fake_kernel_rule_count(w.fk), w.want->n_rules + others);
        for (size_t i = 0; i < w.want->n_rules; i++) {
                int found = 0;

                for (size_t l = 0; l < AUDIT_NR_FILTERS && !found; l++)
                        for (size_t k = 0; k < w.fk->n_rules[l] && !found; k++) {
                                ak_rule have = { .data = w.fk->rules[l][k].data, .size = w.fk->rules[l][k].size };
                                found = ak_rule_equal(&w.want->rules[i], &have);
                        }
                ck_assert_msg(found, "desired rule %zu (%s:%u) is not in the fake", i, w.want->rules[i].file,
                              w.want->rules[i].line);
        }
}

/* The current STATUS stays exactly `want` (checked after a few more checks, each of which could
 * have changed it). */
static void assert_status_is(const char *want) {
        wait_checks(3, tl_len(), 10000);
        ck_assert_msg(streq(last_status(), want), "STATUS is '%s', want '%s'", last_status(), want);
}

START_TEST(test_empty_keeps_foreign) {
        world_init("empty-keeps", FAKE_SEQPACKET, MON_UNIX);
        write_rules(DEBIAN_DEFAULT_RULES);
        ck_assert_uint_eq(w.want->n_rules, 0);
        fake_add_text_rule(FOREIGN_RULE);       /* loaded some other way */
        fake_add_text_rule(HAND_WATCH);
        start_and_settle("0.1", EMPTY_HELD);
        wait_log("^Foreign rules kept: 2 rules in the kernel that no rules file declares are not removed, because "
                 "the rules declare no rule; .*--allow-empty", 0, 2000);
        assert_status_is(EMPTY_HELD);           /* a few polls later too */
        fake_pause();
        ck_assert_uint_eq(count_req(AUDIT_DEL_RULE, 0, tl_len()), 0);
        ck_assert_uint_eq(fake_kernel_rule_count(w.fk), 2);
        ck_assert_uint_eq(w.fk->status.backlog_limit, 8192);   /* the settings are in force */
        fake_resume();
        ck_assert_uint_eq(log_count("^Foreign rules kept", 0), 1);
        world_done();
}
END_TEST

/* While foreign rules are kept, a rule added later (an attacker's never rule on top, with the
 * rules holding a typo) is reported as drift with its changer, once, and kept like the others. */
START_TEST(test_hold_reports_added_rules) {
        const char *held = "degraded: 0 pending, 1 errors; foreign rules kept: the rules have errors";
        size_t mark;

        world_init("hold-added", FAKE_SEQPACKET, MON_UNIX);
        write_rules_errors(RULES_HEAD "-a always,exit -F auidd>=1000 -S open -k typo\n" "-e 1\n", 1);
        fake_add_text_rule(HAND_WATCH);
        start_and_settle("0.1", held);
        mark = log_size();
        fake_pause();
        fake_add_text_rule("-A exit,never -F arch=b64 -S all -k evil");
        ck_assert_int_eq(fake_emit_record(w.mon_peer, AUDIT_CONFIG_CHANGE, CONFIG_CHANGE_REC, 1), 0);
        ck_assert_int_eq(fake_emit_record(w.mon_peer, AUDIT_SYSCALL, SYSCALL_REC, 1), 0);
        fake_resume();
        wait_log("^Drift detected \\(event\\): 1 rules added, by " CHANGER "$", mark, 5000);
        wait_status(held, 3000);
        mark = tl_len();
        wait_requests(AUDIT_LIST_RULES, 5, mark, 5000);        /* a few polls more */
        fake_pause();
        ck_assert_uint_eq(count_req(AUDIT_DEL_RULE, 0, tl_len()), 0);
        assert_fake_holds_want_and(2);
        fake_resume();
        ck_assert_uint_eq(log_count("^Drift detected", 0), 1);     /* the hand-kept watch is not news */

        /* taken out (nothing declared is missing: no drift) and put back later: news again */
        fake_pause();
        fake_remove_rule("evil");
        fake_resume();
        mark = tl_len();
        wait_requests(AUDIT_LIST_RULES, 3, mark, 5000);
        mark = log_size();
        fake_pause();
        fake_add_text_rule("-A exit,never -F arch=b64 -S all -k evil");
        fake_resume();
        wait_log("^Drift detected \\((event|poll)\\): 1 rules added", mark, 5000);
        ck_assert_uint_eq(log_count("^Drift detected", 0), 2);
        world_done();
}
END_TEST

/* ---------------------------------------------------------------------------------------------
 * Another agent's rules, allowed by key (allow-foreign): kept where the agent put them, its
 * re-adding them is neither drift nor a fight, and a never rule with its key goes all the same. */

#define AGENT_WATCH "-w /tmp -p wa -k wazuh_fim"
#define AGENT_NEVER "-A exit,never -F arch=b64 -S all -k wazuh_fim"
static const char AGENT_ADD_REC[] =
        "audit(1700000001.500:4343): auid=1000 ses=3 subj=unconfined op=add_rule key=\"wazuh_fim\" list=4 res=1";
static const char AGENT_SYSCALL_REC[] =
        "audit(1700000001.500:4343): arch=c000003e syscall=44 success=yes exit=1084 a0=4 a1=7ffc2a1b2c30 a2=43c "
        "a3=0 items=0 ppid=4341 pid=4342 auid=1000 uid=0 gid=0 euid=0 suid=0 fsuid=0 egid=0 sgid=0 fsgid=0 "
        "tty=pts0 ses=3 comm=\"wazuh-syscheckd\" exe=\"/var/ossec/bin/wazuh-syscheckd\" subj=unconfined key=(null)";

/* With the fake paused: does it hold a rule equal to this one? */
static int fake_holds_text_rule(const char *text) {
        ak_rule r;
        int found = 0;

        ck_assert_int_eq(ak_rule_from_text(text, &r, NULL, NULL), 0);
        for (size_t l = 0; l < AUDIT_NR_FILTERS && !found; l++)
                for (size_t k = 0; k < w.fk->n_rules[l] && !found; k++) {
                        ak_rule have = { .data = w.fk->rules[l][k].data, .size = w.fk->rules[l][k].size };
                        found = ak_rule_equal(&r, &have);
                }
        ak_rule_done(&r);
        return found;
}

START_TEST(test_allow_foreign) {
        static char arg[860];
        char file[800];
        const char *status = "in sync, 5 rules; 1 foreign rule allowed";
        _cleanup_free_ char *metrics = NULL;
        size_t mark;

        world_init("allow-foreign", FAKE_SEQPACKET, MON_UNIX);
        write_rules("# auditkeep: allow-foreign key=wazuh_fim\n" RULES_HEAD "-a always,exclude -F msgtype=CWD\n" "-e 1\n");
        ck_assert_uint_eq(w.want->n_allow, 1);
        snprintf(file, sizeof(file), "%s/auditkeep.prom", w.dir);
        snprintf(arg, sizeof(arg), "--metrics=%s", file);
        w.extra_arg = arg;
        fake_add_text_rule(AGENT_WATCH);        /* the agent was there first */
        fake_add_text_rule(AGENT_NEVER);        /* and someone put a never rule with its key on top */
        fake_add_text_rule(FOREIGN_RULE);
        /* on top of the declared rules, it can take their events (a watch matches every syscall) */
        start_and_settle("0.1", "in sync, 5 rules; 1 foreign rule allowed, shadowing 4 declared rules");
        wait_log("^the allowed foreign rule -w /tmp -p wa -k wazuh_fim can shadow 4 declared rules, the first: "
                 ".*test.rules:[0-9]+: .* can be shadowed by the allowed foreign rule -w /tmp -p wa -k wazuh_fim \\(allowed by "
                 ".*test.rules:1\\), which stands before it: events both match are recorded with key 'wazuh_fim', not", 0, 3000);
        wait_log("^Foreign rule -a never,exit -F arch=b64 -S all -F key=wazuh_fim carries the allowed key 'wazuh_fim' "
                 "\\(allow-foreign key=wazuh_fim, .*/test.rules:1\\) but is a never rule: it is removed", 0, 3000);
        fake_pause();
        assert_fake_holds_want_and(1);
        ck_assert(fake_holds_text_rule(AGENT_WATCH));
        ck_assert(!fake_holds_text_rule(AGENT_NEVER));
        ck_assert(!fake_holds_text_rule(FOREIGN_RULE));
        fake_resume();
        metrics = read_file_or_empty(file);
        ck_assert_msg(strstr(metrics, "auditkeep_rules{state=\"foreign-allowed\"} 1\n"), "metrics: %s", metrics);
        ck_assert_msg(strstr(metrics, "auditkeep_rules{state=\"foreign\"} 0\n"), "metrics: %s", metrics);

        /* the agent takes its rule out and puts it back, again and again, as fast as a fight */
        mark = log_size();
        for (int round = 0; round < 6; round++) {
                size_t from;

                fake_pause();
                fake_remove_rule("wazuh_fim");
                fake_resume();
                from = tl_len();
                wait_requests(AUDIT_LIST_RULES, 1, from, 5000);
                fake_pause();
                fake_add_text_rule(AGENT_WATCH);
                ck_assert_int_eq(fake_emit_record(w.mon_peer, AUDIT_CONFIG_CHANGE, AGENT_ADD_REC, 1), 0);
                ck_assert_int_eq(fake_emit_record(w.mon_peer, AUDIT_SYSCALL, AGENT_SYSCALL_REC, 1), 0);
                fake_resume();
                from = tl_len();
                wait_requests(AUDIT_LIST_RULES, 1, from, 5000);
        }
        /* put back, the kernel appends it: below the declared rules, it shadows none any more */
        wait_status(status, 3000);
        assert_status_is(status);
        wait_log("^No allowed foreign rule stands before a declared rule it can shadow any more", mark, 3000);
        ck_assert_uint_eq(log_count("^Drift detected", mark), 0);
        ck_assert_uint_eq(log_count("[Ff]ight|flapping", mark), 0);
        fake_pause();
        ck_assert(fake_holds_text_rule(AGENT_WATCH));
        ck_assert_uint_eq(count_req(AUDIT_DEL_RULE, 0, tl_len()), 2);  /* the never rule and the other foreign rule, once */
        fake_resume();
        world_done();
}
END_TEST

/* A bad --allow-foreign stops the daemon at start, naming the byte and the reason. */
START_TEST(test_allow_foreign_bad_option) {
        const char *b = getenv("AK_BUILDDIR");
        char cmd[1200];
        _cleanup_free_ char *out = NULL;
        FILE *p;

        ck_assert_msg(b && *b, "AK_BUILDDIR is not set (the meson build directory)");
        snprintf(cmd, sizeof(cmd), "%s/daemon/auditkeepd-test --allow-foreign='key=a lists=exit' --control-fd=999 2>&1", b);
        p = popen(cmd, "re");
        ck_assert_ptr_nonnull(p);
        out = read_stream(p);
        ck_assert_int_ne(pclose(p), 0);
        ck_assert_msg(strstr(out, "auditkeepd: --allow-foreign='key=a lists=exit': at byte 7: unknown word 'lists' in "
                                  "allow-foreign (known: key=, list=, action=, broad=), did you mean 'list'?"), "output: %s", out);
}
END_TEST

/* The same policy from the command line; an allowed rule before a declared rule it can shadow is
 * said in the journal and on the status line. */
START_TEST(test_allow_foreign_option_shadow) {
        const char *status = "in sync, 5 rules; 1 foreign rule allowed, shadowing 2 declared rules";

        world_init("allow-foreign-opt", FAKE_SEQPACKET, MON_UNIX);
        write_rules(BASE_RULES);
        w.extra_arg = "--allow-foreign=key=agent_open";
        fake_add_text_rule("-a always,exit -F arch=b64 -S openat -k agent_open");
        start_and_settle("0.1", status);
        wait_log("^the allowed foreign rule -a always,exit -F arch=b64 -S openat -F key=agent_open can shadow 2 declared "
                 "rules, the first: .*test.rules:[0-9]+: .* can be shadowed by the allowed foreign rule -a always,exit -F "
                 "arch=b64 -S openat -F key=agent_open \\(allowed by --allow-foreign\\), which stands before it: events "
                 "both match are recorded with key 'agent_open', not", 0, 3000);
        assert_status_is(status);
        ck_assert_uint_eq(count_req(AUDIT_DEL_RULE, 0, tl_len()), 0);
        /* one line for the allowed rule (it shadows the watch on /etc/passwd too: an openat for
         * writing matches both), not at every full check */
        wait_requests(AUDIT_LIST_RULES, 3, tl_len(), 5000);
        ck_assert_uint_eq(log_count("can be shadowed", 0), 1);
        world_done();
}
END_TEST

/* Several allowed rules, each before every declared exit rule: one journal line per allowed rule,
 * not one per pair, and the status counts the declared rules once each (issue #27 review: 5000
 * declared rules under 40 allowed ones were 200 000 lines and a quadratic count). What floods the
 * backlog is removed although its key is allowed: a task-list rule and an unnarrowed -S all. */
START_TEST(test_allow_foreign_shadow_lines) {
        const char *status = "in sync, 5 rules; 3 foreign rules allowed, shadowing 4 declared rules";

        world_init("allow-foreign-lines", FAKE_SEQPACKET, MON_UNIX);
        write_rules(BASE_RULES);
        w.extra_arg = "--allow-foreign=key=agent";
        for (int i = 0; i < 3; i++) {
                char text[120];

                snprintf(text, sizeof(text), "-a always,exit -F arch=b64 -S all -F uid!=%d -k agent", i);
                fake_add_text_rule(text);
        }
        fake_add_text_rule("-a always,exit -F arch=b64 -S all -k agent");
        start_and_settle("0.1", status);
        wait_log("^Foreign rule -a always,exit -F arch=b64 -S all -F key=agent carries the allowed key 'agent' \\(allow-foreign "
                 "key=agent, --allow-foreign\\) but is a rule that records every system call with no field to narrow it: "
                 "it is removed", 0, 3000);
        for (int i = 0; i < 3; i++) {
                char re[200];

                snprintf(re, sizeof(re), "^the allowed foreign rule -a always,exit -F arch=b64 -S all -F uid!=%d -F key=agent "
                         "can shadow 4 declared rules, the first: ", i);
                wait_log(re, 0, 3000);
        }
        wait_requests(AUDIT_LIST_RULES, 3, tl_len(), 5000);
        assert_status_is(status);
        ck_assert_uint_eq(log_count("^.*(can shadow [0-9]+ declared rules|can be shadowed).*$", 0), 3);
        world_done();
}
END_TEST

/* --allow-empty: the operator chose it; today's behaviour, foreign rules removed. */
START_TEST(test_empty_allow_empty) {
        world_init("empty-allowed", FAKE_SEQPACKET, MON_UNIX);
        write_rules(DEBIAN_DEFAULT_RULES);
        fake_add_text_rule(FOREIGN_RULE);
        fake_add_text_rule(HAND_WATCH);
        w.extra_arg = "--allow-empty";
        start_and_settle("0.1", "in sync, 0 rules");
        wait_requests(AUDIT_DEL_RULE, 2, 0, 3000);
        assert_status_is("in sync, 0 rules");
        fake_pause();
        ck_assert_uint_eq(fake_kernel_rule_count(w.fk), 0);
        fake_resume();
        ck_assert_uint_eq(log_count("^Foreign rules kept", 0), 0);
        world_done();
}
END_TEST

/* A file with one bad line at start: the valid rules go in, the foreign rule stays, the status
 * says why; drift of the valid rules is still repaired. */
START_TEST(test_start_with_errors) {
        char re[800];
        const char *held = "degraded: 0 pending, 1 errors; foreign rules kept: the rules have errors";

        world_init("start-errors", FAKE_SEQPACKET, MON_UNIX);
        write_rules_errors(RULES_HEAD "-a always,exit -F auidd>=1000 -S open -k typo\n"
                           "-a always,exclude -F msgtype=CWD\n" "-e 1\n", 1);
        ck_assert_uint_eq(w.want->n_rules, 5);
        fake_add_text_rule(FOREIGN_RULE);
        start_and_settle("0.1", held);
        snprintf(re, sizeof(re), "^%s:11:[0-9]+: unknown field 'auidd'", w.rules);
        wait_log(re, 0, 2000);
        wait_log("^Foreign rules kept: 1 rule in the kernel that no rules file declares is not removed, because "
                 "the rules have errors; ", 0, 2000);
        fake_pause();
        ck_assert_uint_eq(count_req(AUDIT_DEL_RULE, 0, tl_len()), 0);
        ck_assert_uint_eq(count_req(AUDIT_ADD_RULE, 0, tl_len()), 5);
        assert_fake_holds_want_and(1);
        /* drift of a valid rule: repaired, and the foreign rule still stays */
        fake_remove_rule("perm");
        fake_resume();
        wait_log("^Repaired in", 0, 3000);
        wait_status(held, 3000);
        fake_pause();
        assert_fake_holds_want_and(1);
        ck_assert_uint_eq(count_req(AUDIT_DEL_RULE, 0, tl_len()), 0);
        fake_resume();
        ck_assert_uint_eq(log_count("^Foreign rules kept", 0), 1);
        world_done();
}
END_TEST

/* A reload to rules that declare no rule removes nothing; a reload back to rules lifts the hold. */
START_TEST(test_reload_to_empty) {
        size_t mark, reloading;

        world_init("reload-empty", FAKE_SEQPACKET, MON_UNIX);
        write_rules(BASE_RULES);
        start_and_settle("0.1", "in sync, 5 rules");
        write_rules(DEBIAN_DEFAULT_RULES);
        mark = tl_len();
        daemon_signal(SIGHUP);
        reloading = wait_notify("RELOADING=1", mark, 3000);
        wait_notify("READY=1", reloading + 1, 3000);
        wait_status(EMPTY_HELD, 3000);
        wait_log("^Foreign rules kept: 5 rules in the kernel that no rules file declares are not removed, because "
                 "the rules declare no rule", 0, 2000);
        assert_status_is(EMPTY_HELD);
        fake_pause();
        ck_assert_uint_eq(count_req(AUDIT_DEL_RULE, mark, tl_len()), 0);
        ck_assert_uint_eq(fake_kernel_rule_count(w.fk), 5);
        fake_resume();

        write_rules(BASE_RULES);
        daemon_signal(SIGHUP);
        wait_log("^Foreign rules are removed again, as --foreign=remove says", 0, 3000);
        wait_status("in sync, 5 rules", 3000);
        assert_status_is("in sync, 5 rules");
        world_done();
}
END_TEST

static void write_text(const char *path, const char *text) {
        FILE *f = fopen(path, "we");

        ck_assert_msg(f, "%s: %s", path, strerror(errno));
        ck_assert_int_ge(fputs(text, f), 0);
        ck_assert_int_eq(fclose(f), 0);
}

static void mkdirs(const char *root, const char *path) {
        char buf[900];

        snprintf(buf, sizeof(buf), "%s%s", root, path);
        for (char *p = buf + strlen(root); (p = strchr(p, '/')); p++) {
                *p = '\0';
                ck_assert_msg(mkdir(buf, 0755) == 0 || errno == EEXIST, "mkdir %s: %s", buf, strerror(errno));
                *p = '/';
        }
        ck_assert_msg(mkdir(buf, 0755) == 0 || errno == EEXIST, "mkdir %s: %s", buf, strerror(errno));
}

/* Default sources (no --rules; --root for the test) on a host that loads its rules another way:
 * an /etc/audit/audit.rules that augenrules did not write, then an administrator's copy of
 * auditd.service running auditctl -R. The daemon does not take over, says what it found and what
 * to do; once neither is there, the empty rules.d is what keeps the rules. */
START_TEST(test_rules_loaded_elsewhere) {
        char root[700], arg[720], path[900];
        size_t mark;

        world_init("elsewhere", FAKE_SEQPACKET, MON_UNIX);
        snprintf(root, sizeof(root), "%s/root", w.dir);
        mkdirs(root, "/etc/audit/rules.d");
        mkdirs(root, "/etc/systemd/system");
        snprintf(path, sizeof(path), "%s/etc/audit/rules.d/audit.rules", root);
        write_text(path, DEBIAN_DEFAULT_RULES);
        snprintf(path, sizeof(path), "%s/etc/audit/audit.rules", root);
        write_text(path, "# kept by hand, loaded by auditctl -R\n-D\n" HAND_WATCH "\n" FOREIGN_RULE "\n");
        fake_add_text_rule(HAND_WATCH);
        fake_add_text_rule(FOREIGN_RULE);
        snprintf(arg, sizeof(arg), "--root=%s", root);
        w.extra_arg = arg;
        w.default_sources = 1;
        start_and_settle("0.1", "in sync, 0 rules; foreign rules kept: the rules are loaded another way here "
                         "(/etc/audit/audit.rules)");
        wait_log("^This host loads its audit rules another way: /etc/audit/audit.rules was not written by augenrules "
                 "\\(its first line is not augenrules' \"automatically generated\" header\\)\\. auditkeepd does not take "
                 "over: .* run it with --rules=/etc/audit/audit.rules", 0, 2000);
        wait_log("^Foreign rules kept: 2 rules in the kernel .* because the rules are loaded another way here "
                 "\\(/etc/audit/audit.rules\\); to have auditkeepd keep them, run it with --rules=/etc/audit/audit.rules", 0, 2000);

        /* augenrules' file now, but an administrator's unit loads another file */
        write_text(path, "## This file is automatically generated from /etc/audit/rules.d\n-D\n-b 8192\n");
        snprintf(path, sizeof(path), "%s/etc/systemd/system/auditd.service", root);
        write_text(path, "[Unit]\nDescription=auditd, rules by hand\n\n[Service]\nType=forking\nExecStart=/sbin/auditd\n"
                         "#ExecStartPost=-/sbin/augenrules --load\nExecStartPost=-/sbin/auditctl -R /etc/audit/hand.rules\n");
        mark = log_size();
        daemon_signal(SIGHUP);
        wait_log("^This host loads its audit rules another way: /etc/systemd/system/auditd.service runs "
                 "'auditctl -R /etc/audit/hand.rules'\\. .* --rules=/etc/audit/hand.rules", mark, 3000);
        wait_status("in sync, 0 rules; foreign rules kept: the rules are loaded another way here (/etc/audit/hand.rules)",
                    3000);

        /* the unit gone: nothing loads rules another way; the empty rules keep them still */
        ck_assert_int_eq(unlink(path), 0);
        mark = log_size();
        daemon_signal(SIGHUP);
        wait_log("^This host no longer loads its audit rules another way", mark, 3000);
        wait_status(EMPTY_HELD, 3000);
        assert_status_is(EMPTY_HELD);
        fake_pause();
        ck_assert_uint_eq(count_req(AUDIT_DEL_RULE, 0, tl_len()), 0);
        ck_assert_uint_eq(fake_kernel_rule_count(w.fk), 2);
        fake_resume();
        world_done();
}
END_TEST

/* ---------------------------------------------------------------------------------------------
 * The runner: one directory for all tests, the logs of failed tests shown, all of it removed. */

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
        (void) st;
        (void) flag;
        (void) ftw;
        (void) remove(path);
        return 0;
}

static void dump_failed_logs(void) {
        static const char *const names[] = { "start", "lock-last", "lock-withheld", "lock-after-pending", "already-locked", "enobufs",
                                             "silent-signals", "silent-timeout", "notify", "notify-reload", "reload-rejected",
                                             "drift-record", "spoof-control", "spoof-monitor", "monitor", "refused",
                                             "pending-forgotten", "resync-errors", "resync-silent", "resync-parked", "resync-sighup", "reload-settle",
                                             "empty-keeps", "empty-allowed", "start-errors", "reload-empty", "elsewhere" };

        for (size_t i = 0; i < ELEMENTSOF(names); i++) {
                char dir[512], path[600];
                struct stat st;
                FILE *f;

                snprintf(dir, sizeof(dir), "%s/%s", root_dir, names[i]);
                snprintf(path, sizeof(path), "%s/passed", dir);
                if (stat(dir, &st) < 0 || stat(path, &st) == 0)
                        continue;
                snprintf(path, sizeof(path), "%s/daemon.log", dir);
                f = fopen(path, "re");
                if (!f)
                        continue;
                {
                        char line[2048];
                        char **lines = calloc(80, sizeof(char *));
                        size_t n = 0;

                        while (lines && fgets(line, sizeof(line), f)) {
                                free(lines[n % 80]);
                                lines[n % 80] = strdup(line);
                                n++;
                        }
                        fprintf(stderr, "---- %s: daemon log (last 80 lines) ----\n", names[i]);
                        for (size_t k = n > 80 ? n - 80 : 0; lines && k < n; k++)
                                fputs(lines[k % 80] ? lines[k % 80] : "", stderr);
                        for (size_t k = 0; lines && k < 80; k++)
                                free(lines[k]);
                        free(lines);
                }
                fclose(f);
        }
}

static Suite *daemon_fake_suite(void) {
        Suite *s = suite_create("daemon-fake");
        TCase *tc;

        tc = tcase_create("start");
        tcase_set_timeout(tc, 30);
        tcase_add_test(tc, test_start);
        tcase_add_test(tc, test_biggest_foreign_rule);
        tcase_add_test(tc, test_notify);
        tcase_add_test(tc, test_notify_reload_change);
        tcase_add_test(tc, test_reload_rejected);
        tcase_add_test(tc, test_reload_untrusted);
        tcase_add_test(tc, test_auditd_conf_watch);
        suite_add_tcase(s, tc);

        tc = tcase_create("lock");
        tcase_set_timeout(tc, 30);
        tcase_add_test(tc, test_lock_last);
        tcase_add_test(tc, test_locked_confirms_sync);
        tcase_add_test(tc, test_lock_withheld);
        tcase_add_test(tc, test_lock_after_pending_loads);
        tcase_add_test(tc, test_already_locked);
        suite_add_tcase(s, tc);

        tc = tcase_create("events");
        tcase_set_timeout(tc, 30);
        tcase_add_test(tc, test_drift_record);
        tcase_add_test(tc, test_repair_before_status);
        tcase_add_test(tc, test_enobufs_storm);
        tcase_add_test(tc, test_config_change_flood);
        suite_add_tcase(s, tc);

        tc = tcase_create("spoof");
        tcase_set_timeout(tc, 30);
        tcase_add_test(tc, test_spoof_control);
        tcase_add_test(tc, test_spoof_monitor);
        suite_add_tcase(s, tc);

        tc = tcase_create("trust");
        tcase_set_timeout(tc, 30);
        tcase_add_test(tc, test_monitor_never_writes);
        tcase_add_test(tc, test_monitor_status_with_errors);
        tcase_add_test(tc, test_refusal_reported_once);
        tcase_add_test(tc, test_lock_refused);
        tcase_add_test(tc, test_repair_after_unsent_retry);
        tcase_add_test(tc, test_settle_cannot_start);
        tcase_add_test(tc, test_pending_forgotten);
        suite_add_tcase(s, tc);

        tc = tcase_create("gate");
        tcase_set_timeout(tc, 30);
        tcase_add_test(tc, test_keeping_marker);
        tcase_add_test(tc, test_keeping_marker_locked);
        tcase_add_test(tc, test_keeping_marker_monitor);
        tcase_add_test(tc, test_metrics_directory_later);
        suite_add_tcase(s, tc);

        tc = tcase_create("backlog");
        tcase_set_timeout(tc, 30);
        tcase_add_test(tc, test_backlog_lost_and_wait);
        tcase_add_test(tc, test_backlog_reset_lost);
        suite_add_tcase(s, tc);

        tc = tcase_create("silent");
        tcase_set_timeout(tc, 60);
        tcase_add_test(tc, test_silent_kernel_signals);
        tcase_add_test(tc, test_silent_kernel_timeout);
        tcase_add_test(tc, test_resync_error_kernel_silent);
        suite_add_tcase(s, tc);

        tc = tcase_create("bus");
        tcase_set_timeout(tc, 30);
        tcase_add_test(tc, test_resync_errors_locked_and_refused);
        tcase_add_test(tc, test_resync_exact_behind_parked_reload);
        tcase_add_test(tc, test_sighup_during_resync);
        tcase_add_test(tc, test_reload_settle_cannot_start);
        suite_add_tcase(s, tc);

        tc = tcase_create("coverage");
        tcase_add_test(tc, test_hold_reports_added_rules);
        tcase_set_timeout(tc, 30);
        tcase_add_test(tc, test_empty_keeps_foreign);
        tcase_add_test(tc, test_empty_allow_empty);
        tcase_add_test(tc, test_start_with_errors);
        tcase_add_test(tc, test_reload_to_empty);
        tcase_add_test(tc, test_rules_loaded_elsewhere);
        suite_add_tcase(s, tc);

        tc = tcase_create("allow");
        tcase_set_timeout(tc, 60);
        tcase_add_test(tc, test_allow_foreign);
        tcase_add_test(tc, test_allow_foreign_option_shadow);
        tcase_add_test(tc, test_allow_foreign_shadow_lines);
        tcase_add_test(tc, test_allow_foreign_bad_option);
        suite_add_tcase(s, tc);

        tc = tcase_create("poll");
        tcase_set_timeout(tc, 60);
        tcase_add_test(tc, test_light_poll);
        tcase_add_test(tc, test_light_poll_exclude);
        suite_add_tcase(s, tc);
        return s;
}

int main(void) {
        SRunner *sr;
        int failed;

        snprintf(root_dir, sizeof(root_dir), "/tmp/ak-daemon-fake-XXXXXX");
        if (!mkdtemp(root_dir)) {
                perror("mkdtemp");
                return 1;
        }
        sr = srunner_create(daemon_fake_suite());
        srunner_run_all(sr, CK_ENV);
        failed = srunner_ntests_failed(sr);
        srunner_free(sr);
        dump_failed_logs();
        (void) nftw(root_dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
        return failed ? 1 : 0;
}
