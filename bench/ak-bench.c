/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* ak-bench: the measuring half of bench/run. Floors (the project's own netlink client with no
 * parsing or planning in the timed part), a coverage-hole watcher, the daemon's repair latency,
 * and saving/restoring the kernel's audit state. Linked against libauditkeep; never part of the
 * test suite. Every time is CLOCK_MONOTONIC, printed in microseconds.
 *
 *   ak-bench state                       enabled, failure, pid, rule count
 *   ak-bench save FILE | restore FILE    kernel status + rule list, byte for byte
 *   ak-bench clear                       delete every rule (batched)
 *   ak-bench set-enabled 0|1
 *   ak-bench run [--log FILE] -- CMD...  time a command, spawn to reap (a lone ";" argument
 *                                        separates commands run one after the other)
 *   ak-bench floor-add FILE              time: ADD of every rule of FILE, pre-encoded
 *   ak-bench floor-query [TRIALS]        time: one GET + one LIST_RULES (per line)
 *   ak-bench query-once                  one GET + LIST_RULES on a fresh socket, then exit (timed
 *                                        from outside with `run`: a raw GET+LIST process)
 *   ak-bench parse FILE TRIALS           time: ak_ruleset_add_source of FILE, after one untimed
 *                                        parse (name tables built); "usec rules" per line
 *   ak-bench analyze FILE TRIALS [--fs]  time: ak_analyze of FILE parsed once (check's cost and
 *                                        findings); --fs with check's file-system callbacks (an
 *                                        lstat per watch, glob for patterns); "usec rules" per line
 *   ak-bench plan FILE TRIALS            time: ak_plan_build of FILE against a kernel snapshot that
 *                                        holds FILE's rules in order (copies, as a listing is):
 *                                        the plan of a no-op apply; "usec rules" per line
 *   (every floor first does one untimed GET + LIST on its socket: it times a warm client)
 *   ak-bench floor-change FROM TO        time: GET + LIST, then the adds and deletes FROM->TO
 *   ak-bench floor-del TRIALS            time: one DEL of a never rule at the top of the exit list
 *   ak-bench hole FROM TO [--log FILE] -- CMD...
 *                                        run CMD while a thread LISTs the kernel without pause;
 *                                        report how many rules of FROM∩TO were ever missing
 *   ak-bench latency --rules FILE --pid PID --trials N [--gap-ms MS] [--timeout-ms MS] [--busy]
 *                    [--watches]         the daemon's repair latency, delete and foreign trials
 *                                        interleaved, one line per trial; --busy: do not wait for
 *                                        the daemon to be idle before a trial (a D-Bus flood keeps
 *                                        it busy), the gap only; --watches: delete watches only,
 *                                        no foreign trials
 *   ak-bench wipe --rules FILE --pid PID [--gap-ms MS]
 *                                        one `auditctl -D` while the daemon keeps FILE: how long
 *                                        until the kernel holds FILE again (one line)
 *   (latency and wipe run as SCHED_FIFO, children reset to normal: the observer's own wakeups
 *   are not what is measured, also under load)
 *   ak-bench records SECONDS             count audit records on the multicast group */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "auditkeep/ak-analyze.h"
#include "auditkeep/ak-kernel.h"
#include "auditkeep/ak-plan.h"
#include "auditkeep/ak-rules.h"

extern char **environ;

#define TIMEOUT_USEC (120ull * 1000000ull)

static uint64_t now_us(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000000ull + (uint64_t) ts.tv_nsec / 1000ull;
}

static void sleep_us(uint64_t us) {
        struct timespec ts = { .tv_sec = (time_t) (us / 1000000ull), .tv_nsec = (long) (us % 1000000ull) * 1000L };

        while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
                ;
}

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void die(const char *fmt, ...) {
        va_list ap;

        fputs("ak-bench: ", stderr);
        va_start(ap, fmt);
        vfprintf(stderr, fmt, ap);
        va_end(ap);
        fputc('\n', stderr);
        exit(2);
}

static void *xcalloc(size_t n, size_t size) {
        void *p = calloc(n ? n : 1, size ? size : 1);

        if (!p)
                die("out of memory");
        return p;
}

static ak_nl *open_nl(void) {
        ak_nl *nl = NULL;
        int r = ak_nl_open(&nl);

        if (r < 0)
                die("cannot open NETLINK_AUDIT: %s", strerror(-r));
        return nl;
}

/* GET + LIST. An overrun (ENOBUFS: the kernel dropped part of the answer; seen on 5000-rule
 * listings on a loaded machine) is retried and reported on stderr. */
static void query(ak_nl *nl, ak_kstate *s) {
        int r;

        for (int attempt = 0;; attempt++) {
                *s = (ak_kstate) {};
                r = ak_nl_query(nl, s, TIMEOUT_USEC);
                if (r != -ENOBUFS || attempt >= 3)
                        break;
                fprintf(stderr, "ak-bench: query: %s, retrying\n", strerror(-r));
                ak_kstate_done(s);
        }
        if (r < 0)
                die("query failed: %s", strerror(-r));
}

static void execute(ak_nl *nl, ak_op *ops, size_t n) {
        int r;

        if (n == 0)
                return;
        r = ak_nl_execute(nl, ops, n, TIMEOUT_USEC);
        if (r < 0)
                die("execute failed: %s", strerror(-r));
}

/* The floors time a warm client: one untimed GET + LIST first, so that the socket, the receive
 * buffer and the allocator have been used once (on this VM a fresh process's first query costs
 * several times a warm one, mostly page faults). */
static void warm_up(ak_nl *nl) {
        ak_kstate s;

        query(nl, &s);
        ak_kstate_done(&s);
}

static ak_ruleset *load(const char *path) {
        ak_ruleset *rs = NULL;

        if (ak_ruleset_new(&rs) < 0 || ak_ruleset_add_source(rs, path) < 0)
                die("cannot read %s", path);
        if (rs->n_errors > 0) {
                for (size_t i = 0; i < rs->n_diags; i++) {
                        char *s = ak_diag_format(&rs->diags[i]);
                        fprintf(stderr, "%s\n", s ? s : "?");
                        free(s);
                }
                die("%s has %zu errors", path, rs->n_errors);
        }
        return rs;
}

/* ---- a set of rules, by hash, compared in the kernel's sense ---- */

typedef struct ruleset_index {
        const ak_rule **slot;
        size_t size;            /* power of two */
        size_t n;
} ruleset_index;

static void index_init(ruleset_index *ix, size_t n) {
        ix->size = 16;
        while (ix->size < 2 * n + 1)
                ix->size <<= 1;
        ix->slot = xcalloc(ix->size, sizeof(ak_rule *));
        ix->n = 0;
}

static void index_done(ruleset_index *ix) {
        free(ix->slot);
        *ix = (ruleset_index) {};
}

/* Returns the slot index of an equal rule, or (size_t)-1. */
static size_t index_find(const ruleset_index *ix, const ak_rule *r) {
        size_t i = (size_t) ak_rule_hash(r) & (ix->size - 1);

        for (; ix->slot[i]; i = (i + 1) & (ix->size - 1))
                if (ak_rule_equal(ix->slot[i], r))
                        return i;
        return (size_t) -1;
}

static int index_add(ruleset_index *ix, const ak_rule *r) {
        size_t i = (size_t) ak_rule_hash(r) & (ix->size - 1);

        for (; ix->slot[i]; i = (i + 1) & (ix->size - 1))
                if (ak_rule_equal(ix->slot[i], r))
                        return 0;
        ix->slot[i] = r;
        ix->n++;
        return 1;
}

/* How many rules of ix the snapshot holds. */
static size_t count_present(const ruleset_index *ix, const ak_kstate *s) {
        size_t n = 0;

        for (size_t i = 0; i < s->n_rules; i++)
                if (index_find(ix, &s->rules[i]) != (size_t) -1)
                        n++;
        return n;
}

/* The kernel holds exactly the rules of ix (as a set: a rule put back is appended where order
 * only decides the key, as the design says). */
static int kernel_equals(const ruleset_index *ix, const ak_kstate *s) {
        return s->n_rules == ix->n && count_present(ix, s) == ix->n;
}

/* ---- spawning ---- */

static pid_t spawn(char **argv, const char *log) {
        posix_spawn_file_actions_t fa;
        pid_t pid;
        int r;

        posix_spawn_file_actions_init(&fa);
        posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
        posix_spawn_file_actions_addopen(&fa, 1, log ? log : "/dev/null", O_WRONLY | O_CREAT | O_APPEND, 0600);
        posix_spawn_file_actions_adddup2(&fa, 1, 2);
        r = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
        posix_spawn_file_actions_destroy(&fa);
        if (r != 0)
                die("cannot run %s: %s", argv[0], strerror(r));
        return pid;
}

static int reap(pid_t pid) {
        int st;

        while (waitpid(pid, &st, 0) < 0)
                if (errno != EINTR)
                        die("waitpid: %s", strerror(errno));
        return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* Run CMD1 ... ";" CMD2 ... one after the other (a lone ";" separates commands, as in
 * `auditctl -D ; auditctl -R FILE`). Returns the first non-zero exit status, or 0. */
static int run_seq(char **argv, const char *log) {
        int rc = 0;

        while (*argv) {
                char **end = argv;
                while (*end && strcmp(*end, ";") != 0)
                        end++;
                char *save = *end;
                *end = NULL;
                if (end > argv) {
                        int r = reap(spawn(argv, log));
                        if (r != 0 && rc == 0)
                                rc = r;
                }
                *end = save;
                argv = save ? end + 1 : end;
        }
        return rc;
}

/* ---- verbs ---- */

static int verb_state(void) {
        ak_nl *nl = open_nl();
        ak_kstate s;

        query(nl, &s);
        printf("enabled=%u failure=%u pid=%u rules=%zu backlog_limit=%u rate_limit=%u backlog_wait_time=%u\n",
               s.status.enabled, s.status.failure, s.status.pid, s.n_rules, s.status.backlog_limit,
               s.status.rate_limit, s.status.backlog_wait_time);
        ak_kstate_done(&s);
        ak_nl_free(nl);
        return 0;
}

#define SAVE_MAGIC "AKBENCH1"

static int verb_save(const char *path) {
        ak_nl *nl = open_nl();
        ak_kstate s;
        FILE *f;
        uint64_t n;

        query(nl, &s);
        if (s.status.enabled == 2)
                die("the kernel's audit configuration is locked (enabled=2)");
        f = fopen(path, "we");
        if (!f)
                die("cannot write %s: %s", path, strerror(errno));
        n = s.n_rules;
        fwrite(SAVE_MAGIC, 1, 8, f);
        fwrite(&s.status, sizeof(s.status), 1, f);
        fwrite(&n, sizeof(n), 1, f);
        for (size_t i = 0; i < s.n_rules; i++) {
                uint64_t size = s.rules[i].size;
                fwrite(&size, sizeof(size), 1, f);
                fwrite(s.rules[i].data, 1, s.rules[i].size, f);
        }
        if (fclose(f) != 0)
                die("cannot write %s", path);
        printf("saved: enabled=%u failure=%u rules=%zu\n", s.status.enabled, s.status.failure, s.n_rules);
        ak_kstate_done(&s);
        ak_nl_free(nl);
        return 0;
}

static size_t clear_rules(ak_nl *nl) {
        ak_kstate s;
        ak_op *ops;
        size_t failed = 0, n;

        query(nl, &s);
        n = s.n_rules;
        ops = xcalloc(s.n_rules, sizeof(ak_op));
        for (size_t i = 0; i < s.n_rules; i++)
                ops[i] = (ak_op) { .type = AK_OP_DEL_RULE, .rule = &s.rules[i] };
        execute(nl, ops, s.n_rules);
        for (size_t i = 0; i < s.n_rules; i++)
                if (ops[i].error != 0 && ops[i].error != -ENOENT)     /* ENOENT: a watch the kernel dropped */
                        failed++;
        free(ops);
        ak_kstate_done(&s);
        if (failed)
                die("%zu rules could not be deleted", failed);
        return n;
}

static int verb_clear(void) {
        ak_nl *nl = open_nl();
        uint64_t t0 = now_us();
        size_t n = clear_rules(nl);

        printf("%" PRIu64 " %zu\n", now_us() - t0, n);
        ak_nl_free(nl);
        return 0;
}

static void set_status(ak_nl *nl, uint32_t mask, uint32_t value) {
        ak_op op = { .type = AK_OP_SET, .mask = mask, .value = value };

        if ((mask == AUDIT_STATUS_ENABLED || mask == AUDIT_STATUS_FAILURE) && value == 2)
                die("refusing to set %s=2 on a shared kernel", mask == AUDIT_STATUS_ENABLED ? "enabled" : "failure");
        if (mask == AUDIT_STATUS_PID)
                die("refusing to set the audit pid");
        execute(nl, &op, 1);
        if (op.error)
                die("AUDIT_SET mask=%#x value=%u: %s", mask, value, strerror(-op.error));
}

static int verb_set_enabled(const char *v) {
        ak_nl *nl = open_nl();
        ak_kstate s;

        if (strcmp(v, "0") != 0 && strcmp(v, "1") != 0)
                die("set-enabled takes 0 or 1");
        query(nl, &s);
        if (s.status.enabled == 2)
                die("the kernel is locked (enabled=2)");
        ak_kstate_done(&s);
        set_status(nl, AUDIT_STATUS_ENABLED, (uint32_t) atoi(v));
        ak_nl_free(nl);
        return 0;
}

static int verb_restore(const char *path) {
        ak_nl *nl = open_nl();
        struct audit_status saved;
        ak_kstate now;
        ak_rule *rules;
        ak_op *ops;
        uint64_t n;
        char magic[8];
        FILE *f;
        size_t failed = 0;

        f = fopen(path, "re");
        if (!f)
                die("cannot read %s: %s", path, strerror(errno));
        if (fread(magic, 1, 8, f) != 8 || memcmp(magic, SAVE_MAGIC, 8) != 0 ||
            fread(&saved, sizeof(saved), 1, f) != 1 || fread(&n, sizeof(n), 1, f) != 1 || n > (1u << 20))
                die("%s is not a saved state", path);
        rules = xcalloc(n, sizeof(ak_rule));
        for (uint64_t i = 0; i < n; i++) {
                uint64_t size;
                void *buf;
                if (fread(&size, sizeof(size), 1, f) != 1 || size > (1u << 22))
                        die("%s is truncated", path);
                buf = xcalloc(1, size);
                if (fread(buf, 1, size, f) != size || ak_rule_from_bytes(&rules[i], buf, size) < 0)
                        die("%s is truncated", path);
                free(buf);
        }
        fclose(f);

        query(nl, &now);
        if (now.status.enabled == 2)
                die("the kernel is locked (enabled=2): cannot restore");
        ak_kstate_done(&now);
        clear_rules(nl);
        ops = xcalloc(n, sizeof(ak_op));
        for (uint64_t i = 0; i < n; i++)
                ops[i] = (ak_op) { .type = AK_OP_ADD_RULE, .rule = &rules[i] };
        execute(nl, ops, n);
        for (uint64_t i = 0; i < n; i++)
                if (ops[i].error) {
                        char *t = ak_rule_format(&rules[i]);
                        fprintf(stderr, "ak-bench: restore: %s: %s\n", t ? t : "?", strerror(-ops[i].error));
                        free(t);
                        failed++;
                }
        free(ops);

        /* Status: only what differs, never a lock, a panic mode or the pid. */
        query(nl, &now);
        if (now.status.failure != saved.failure && saved.failure != 2)
                set_status(nl, AUDIT_STATUS_FAILURE, saved.failure);
        if (now.status.rate_limit != saved.rate_limit)
                set_status(nl, AUDIT_STATUS_RATE_LIMIT, saved.rate_limit);
        if (now.status.backlog_limit != saved.backlog_limit)
                set_status(nl, AUDIT_STATUS_BACKLOG_LIMIT, saved.backlog_limit);
        if (now.status.backlog_wait_time != saved.backlog_wait_time)
                set_status(nl, AUDIT_STATUS_BACKLOG_WAIT_TIME, saved.backlog_wait_time);
        if (now.status.enabled != saved.enabled && saved.enabled != 2)
                set_status(nl, AUDIT_STATUS_ENABLED, saved.enabled);
        ak_kstate_done(&now);

        /* Check: same rules, byte for byte, same order. */
        query(nl, &now);
        int same = now.n_rules == n;
        for (uint64_t i = 0; same && i < n; i++)
                same = now.rules[i].size == rules[i].size && memcmp(now.rules[i].data, rules[i].data, rules[i].size) == 0;
        printf("restored: enabled=%u failure=%u rules=%zu%s\n", now.status.enabled, now.status.failure, now.n_rules,
               same ? " (identical)" : " (DIFFERENT)");
        ak_kstate_done(&now);
        for (uint64_t i = 0; i < n; i++)
                ak_rule_done(&rules[i]);
        free(rules);
        ak_nl_free(nl);
        return same && !failed ? 0 : 1;
}

static int verb_run(int argc, char **argv) {
        const char *log = NULL;
        int i = 0;
        uint64_t t0, t1;
        int rc;

        if (i + 1 < argc && strcmp(argv[i], "--log") == 0) {
                log = argv[i + 1];
                i += 2;
        }
        if (i < argc && strcmp(argv[i], "--") == 0)
                i++;
        if (i >= argc)
                die("run: no command");
        t0 = now_us();
        rc = run_seq(argv + i, log);
        t1 = now_us();
        printf("%" PRIu64 " %d\n", t1 - t0, rc);
        return 0;
}

static int verb_floor_add(const char *path) {
        ak_ruleset *rs = load(path);
        ak_nl *nl = open_nl();
        ak_op *ops = xcalloc(rs->n_rules, sizeof(ak_op));
        size_t refused = 0;
        uint64_t t0, t1;

        for (size_t i = 0; i < rs->n_rules; i++)
                ops[i] = (ak_op) { .type = AK_OP_ADD_RULE, .rule = &rs->rules[i] };
        warm_up(nl);
        t0 = now_us();
        execute(nl, ops, rs->n_rules);
        t1 = now_us();
        for (size_t i = 0; i < rs->n_rules; i++)
                if (ops[i].error)
                        refused++;
        printf("%" PRIu64 " %zu %zu\n", t1 - t0, rs->n_rules - refused, refused);
        free(ops);
        ak_nl_free(nl);
        ak_ruleset_free(rs);
        return 0;
}

static int verb_floor_query(int trials) {
        ak_nl *nl = open_nl();

        warm_up(nl);
        for (int i = 0; i < trials; i++) {
                ak_kstate s;
                uint64_t t0, t1;

                t0 = now_us();
                query(nl, &s);
                t1 = now_us();
                printf("%" PRIu64 " %zu\n", t1 - t0, s.n_rules);
                ak_kstate_done(&s);
        }
        ak_nl_free(nl);
        return 0;
}

static int verb_query_once(void) {
        ak_nl *nl = open_nl();
        ak_kstate s;

        query(nl, &s);
        ak_kstate_done(&s);
        ak_nl_free(nl);
        return 0;
}

static int verb_parse(const char *path, int trials) {
        for (int i = 0; i <= trials; i++) {
                ak_ruleset *rs;
                uint64_t t0, t1;

                if (ak_ruleset_new(&rs) < 0)
                        die("out of memory");
                t0 = now_us();
                if (ak_ruleset_add_source(rs, path) < 0 || rs->n_errors > 0)
                        die("%s does not parse cleanly", path);
                t1 = now_us();
                if (i > 0)      /* the first builds the name tables */
                        printf("%" PRIu64 " %zu\n", t1 - t0, rs->n_rules);
                ak_ruleset_free(rs);
        }
        return 0;
}

static int verb_plan(const char *path, int trials) {
        ak_ruleset *rs = load(path);
        ak_kstate have = { .rules = xcalloc(rs->n_rules + 1, sizeof(ak_rule)), .n_rules = rs->n_rules };

        for (size_t i = 0; i < rs->n_rules; i++)
                if (ak_rule_copy(&have.rules[i], &rs->rules[i]) < 0)
                        die("out of memory");
        for (int i = 0; i <= trials; i++) {
                ak_plan *plan;
                uint64_t t0, t1;

                t0 = now_us();
                if (ak_plan_build(rs, &have, NULL, &plan) < 0)
                        die("out of memory");
                t1 = now_us();
                if (!plan->in_sync)
                        die("%s: the plan of an in-sync kernel has %zu operations", path, plan->n_ops);
                if (i > 0)      /* the first faults the planner's memory in */
                        printf("%" PRIu64 " %zu\n", t1 - t0, rs->n_rules);
                ak_plan_free(plan);
        }
        ak_kstate_done(&have);
        ak_ruleset_free(rs);
        return 0;
}

static int bench_exists(const char *path, void *userdata) {
        struct stat st;

        return lstat(path, &st) == 0;
}

static char **bench_glob(const char *pattern, void *userdata) {
        glob_t g = { 0 };
        char **v = NULL;

        if (glob(pattern, 0, NULL, &g) == 0 && g.gl_pathc > 0 && (v = calloc(g.gl_pathc + 1, sizeof(char *))))
                for (size_t i = 0; i < g.gl_pathc; i++)
                        v[i] = strdup(g.gl_pathv[i]);
        globfree(&g);
        return v;
}

static int verb_analyze(const char *path, int trials, int fs) {
        ak_ruleset *rs = load(path);
        uint32_t arches[4];
        ak_analyze_opts o = { .host_arches = arches, .n_host_arches = ak_host_arches(arches, 4) };

        if (fs) {
                o.path_exists = bench_exists;
                o.glob = bench_glob;
        }
        for (int i = 0; i <= trials; i++) {
                ak_analysis a;
                uint64_t t0, t1;

                t0 = now_us();
                if (ak_analyze(rs, &o, &a) < 0)
                        die("out of memory");
                t1 = now_us();
                if (i > 0)      /* the first touches the syscall name tables */
                        printf("%" PRIu64 " %zu\n", t1 - t0, rs->n_rules);
                ak_analysis_done(&a);
        }
        ak_ruleset_free(rs);
        return 0;
}

/* The rules of `to` missing from `from` are added, those of `from` missing from `to` deleted:
 * pure set difference, computed before the timed part. */
static int verb_floor_change(const char *from_path, const char *to_path) {
        ak_ruleset *from = load(from_path), *to = load(to_path);
        ruleset_index ifrom, ito;
        ak_op *ops = xcalloc(from->n_rules + to->n_rules, sizeof(ak_op));
        size_t n = 0, bad = 0;
        ak_nl *nl = open_nl();
        ak_kstate s;
        uint64_t t0, t1;

        index_init(&ifrom, from->n_rules);
        index_init(&ito, to->n_rules);
        for (size_t i = 0; i < from->n_rules; i++)
                index_add(&ifrom, &from->rules[i]);
        for (size_t i = 0; i < to->n_rules; i++)
                index_add(&ito, &to->rules[i]);
        for (size_t i = 0; i < to->n_rules; i++)
                if (index_find(&ifrom, &to->rules[i]) == (size_t) -1)
                        ops[n++] = (ak_op) { .type = AK_OP_ADD_RULE, .rule = &to->rules[i] };
        for (size_t i = 0; i < from->n_rules; i++)
                if (index_find(&ito, &from->rules[i]) == (size_t) -1)
                        ops[n++] = (ak_op) { .type = AK_OP_DEL_RULE, .rule = &from->rules[i] };

        warm_up(nl);
        t0 = now_us();
        query(nl, &s);
        execute(nl, ops, n);
        t1 = now_us();
        for (size_t i = 0; i < n; i++)
                if (ops[i].error)
                        bad++;
        printf("%" PRIu64 " %zu %zu\n", t1 - t0, n, bad);
        ak_kstate_done(&s);
        index_done(&ifrom);
        index_done(&ito);
        free(ops);
        ak_nl_free(nl);
        ak_ruleset_free(from);
        ak_ruleset_free(to);
        return bad ? 1 : 0;
}

static int verb_floor_del(int trials) {
        ak_nl *nl = open_nl();
        ak_rule rule = {};
        char *msg = NULL;

        if (ak_rule_from_text("-A exit,never -F arch=b64 -S openat -F uid=64999", &rule, &msg, NULL) < 0)
                die("cannot compile the probe rule: %s", msg ? msg : "?");
        warm_up(nl);
        for (int i = 0; i < trials; i++) {
                ak_op add = { .type = AK_OP_ADD_RULE, .rule = &rule, .prepend = 1 };
                ak_op del = { .type = AK_OP_DEL_RULE, .rule = &rule };
                uint64_t t0, t1;

                execute(nl, &add, 1);
                if (add.error)
                        die("probe add: %s", strerror(-add.error));
                t0 = now_us();
                execute(nl, &del, 1);
                t1 = now_us();
                if (del.error)
                        die("probe delete: %s", strerror(-del.error));
                printf("%" PRIu64 "\n", t1 - t0);
        }
        ak_rule_done(&rule);
        ak_nl_free(nl);
        return 0;
}

/* ---- the hole watcher ---- */

typedef struct watcher {
        const ruleset_index *kept;
        atomic_int stop;
        atomic_int started;
        size_t min_present;
        size_t lists;
        size_t overruns;
        uint64_t min_at;        /* when the minimum was first seen, relative to t0 */
        uint64_t t0;
        int error;
} watcher;

static void *watch_thread(void *userdata) {
        watcher *w = userdata;
        ak_nl *nl = NULL;

        w->min_present = (size_t) -1;
        if (ak_nl_open(&nl) < 0) {
                w->error = 1;
                atomic_store(&w->started, 1);
                return NULL;
        }
        do {
                ak_kstate s = {};
                int r = ak_nl_query(nl, &s, TIMEOUT_USEC);
                if (r == -ENOBUFS) {            /* an overrun: this listing is incomplete, skip it */
                        w->overruns++;
                        ak_kstate_done(&s);
                        continue;
                }
                if (r < 0) {
                        w->error = 1;
                        atomic_store(&w->started, 1);
                        break;
                }
                size_t p = count_present(w->kept, &s);
                if (p < w->min_present) {
                        w->min_present = p;
                        w->min_at = now_us() - w->t0;
                }
                w->lists++;
                ak_kstate_done(&s);
                atomic_store(&w->started, 1);
        } while (!atomic_load(&w->stop));
        ak_nl_free(nl);
        return NULL;
}

static int verb_hole(int argc, char **argv) {
        ak_ruleset *from, *to;
        ruleset_index ifrom, kept;
        const char *log = NULL;
        watcher w = {};
        pthread_t th;
        uint64_t t0, t1;
        int i = 2, rc;

        if (argc < 3)
                die("hole FROM TO [--log FILE] -- CMD...");
        from = load(argv[0]);
        to = load(argv[1]);
        if (i + 1 < argc && strcmp(argv[i], "--log") == 0) {
                log = argv[i + 1];
                i += 2;
        }
        if (i < argc && strcmp(argv[i], "--") == 0)
                i++;
        if (i >= argc)
                die("hole: no command");

        index_init(&ifrom, from->n_rules);
        for (size_t k = 0; k < from->n_rules; k++)
                index_add(&ifrom, &from->rules[k]);
        index_init(&kept, to->n_rules);
        for (size_t k = 0; k < to->n_rules; k++)
                if (index_find(&ifrom, &to->rules[k]) != (size_t) -1)
                        index_add(&kept, &to->rules[k]);

        w.kept = &kept;
        w.t0 = now_us();
        if (pthread_create(&th, NULL, watch_thread, &w) != 0)
                die("pthread_create failed");
        while (!atomic_load(&w.started))
                sleep_us(100);
        if (w.error)
                die("the watcher cannot list the kernel");
        t0 = now_us();
        w.t0 = t0;
        rc = run_seq(argv + i, log);
        t1 = now_us();
        atomic_store(&w.stop, 1);
        pthread_join(th, NULL);
        {       /* one more look after the command, in case the thread's last LIST began before its end */
                ak_nl *nl = open_nl();
                ak_kstate s;
                query(nl, &s);
                size_t p = count_present(&kept, &s);
                if (p < w.min_present)
                        w.min_present = p;
                w.lists++;
                ak_kstate_done(&s);
                ak_nl_free(nl);
        }
        if (w.overruns)
                fprintf(stderr, "ak-bench: hole watcher: %zu listings overran (ENOBUFS) and were skipped\n", w.overruns);
        /* elapsed_us exit kept min_present hole lists */
        printf("%" PRIu64 " %d %zu %zu %zu %zu\n", t1 - t0, rc, kept.n, w.min_present, kept.n - w.min_present, w.lists);
        index_done(&ifrom);
        index_done(&kept);
        ak_ruleset_free(from);
        ak_ruleset_free(to);
        return 0;
}

/* ---- repair latency ---- */

static uint64_t proc_ctxt(pid_t pid) {
        char path[64], line[256];
        uint64_t sum = 0;
        FILE *f;

        snprintf(path, sizeof(path), "/proc/%d/status", (int) pid);
        f = fopen(path, "re");
        if (!f)
                die("the daemon (pid %d) is gone", (int) pid);
        while (fgets(line, sizeof(line), f)) {
                unsigned long long v;
                if (sscanf(line, "voluntary_ctxt_switches: %llu", &v) == 1 ||
                    sscanf(line, "nonvoluntary_ctxt_switches: %llu", &v) == 1)
                        sum += v;
        }
        fclose(f);
        return sum;
}

/* Idle: no context switch for `quiet_us`, and not before `not_before`. */
static void wait_idle(pid_t pid, uint64_t not_before, uint64_t quiet_us) {
        uint64_t c = proc_ctxt(pid);

        for (;;) {
                uint64_t t = now_us();
                if (t < not_before) {
                        sleep_us(not_before - t < quiet_us ? quiet_us : not_before - t);
                } else
                        sleep_us(quiet_us);
                uint64_t c2 = proc_ctxt(pid);
                if (c2 == c && now_us() >= not_before)
                        return;
                c = c2;
        }
}

static void sleep_until(uint64_t t) {
        uint64_t n = now_us();

        if (n < t)
                sleep_us(t - n);
}

/* The observer runs ahead of every normal task, so that what it times is the daemon and the
 * kernel, not its own wait for a CPU on a loaded machine; what it starts (auditctl) runs as a
 * normal task again. */
static void observer_realtime(void) {
        struct sched_param sp = { .sched_priority = 1 };

        if (sched_setscheduler(0, SCHED_FIFO | SCHED_RESET_ON_FORK, &sp) < 0)
                fprintf(stderr, "ak-bench: cannot run as SCHED_FIFO (%s): the times include the observer's wakeups\n",
                        strerror(errno));
}

static void split_line(const char *line, char **argv, size_t max, char *storage, size_t storage_size) {
        size_t n = 0;
        char *save = NULL, *tok;

        snprintf(storage, storage_size, "%s", line);
        for (tok = strtok_r(storage, " \t\n", &save); tok && n + 1 < max; tok = strtok_r(NULL, " \t\n", &save))
                argv[n++] = tok;
        argv[n] = NULL;
}

typedef struct trial {
        int kind;               /* 0 delete, 1 foreign */
        int64_t latency_us;     /* command returned -> repair record (confirmed) */
        int64_t from_drift_us;  /* the external change's own record -> repair record */
        uint64_t cmd_us;
        int pid_seen;           /* the SYSCALL record named the daemon */
        int how;                /* 0: record + LIST; 1: LIST polling fallback */
} trial;

static int verb_latency(int argc, char **argv) {
        const char *rules_path = NULL;
        pid_t dpid = 0;
        int trials = 100;
        uint64_t gap_us = 1100000, timeout_us = 5000000;
        ak_ruleset *rs;
        ruleset_index want;
        char **lines = NULL;
        size_t n_lines = 0, alloc = 0;
        ak_nl *nl;
        ak_mon *mon = NULL;
        uint64_t last_repair = 0;
        FILE *f;
        char buf[4096];
        int r, busy = 0, watches = 0;

        for (int i = 0; i < argc; i++) {
                if (strcmp(argv[i], "--busy") == 0)
                        busy = 1;
                else if (strcmp(argv[i], "--watches") == 0)
                        watches = 1;
                else if (strcmp(argv[i], "--rules") == 0 && i + 1 < argc)
                        rules_path = argv[++i];
                else if (strcmp(argv[i], "--pid") == 0 && i + 1 < argc)
                        dpid = (pid_t) atoi(argv[++i]);
                else if (strcmp(argv[i], "--trials") == 0 && i + 1 < argc)
                        trials = atoi(argv[++i]);
                else if (strcmp(argv[i], "--gap-ms") == 0 && i + 1 < argc)
                        gap_us = (uint64_t) atoi(argv[++i]) * 1000ull;
                else if (strcmp(argv[i], "--timeout-ms") == 0 && i + 1 < argc)
                        timeout_us = (uint64_t) atoi(argv[++i]) * 1000ull;
                else
                        die("latency: unknown argument %s", argv[i]);
        }
        if (!rules_path || dpid <= 0)
                die("latency --rules FILE --pid PID [--trials N] [--gap-ms MS] [--timeout-ms MS]");

        rs = load(rules_path);
        index_init(&want, rs->n_rules);
        for (size_t i = 0; i < rs->n_rules; i++)
                index_add(&want, &rs->rules[i]);
        f = fopen(rules_path, "re");
        if (!f)
                die("cannot read %s", rules_path);
        while (fgets(buf, sizeof(buf), f)) {
                if ((watches || strncmp(buf, "-a ", 3) != 0) && strncmp(buf, "-w ", 3) != 0)
                        continue;
                if (n_lines == alloc) {
                        alloc = alloc ? alloc * 2 : 256;
                        lines = realloc(lines, alloc * sizeof(char *));
                        if (!lines)
                                die("out of memory");
                }
                buf[strcspn(buf, "\n")] = '\0';
                buf[1] = buf[1] == 'a' ? 'd' : 'W';
                lines[n_lines++] = strdup(buf);
        }
        fclose(f);
        if (n_lines == 0)
                die("no -a/-w lines in %s", rules_path);

        observer_realtime();
        nl = open_nl();
        r = ak_mon_open(&mon);
        if (r < 0)
                die("cannot join the audit multicast group: %s", strerror(-r));

        for (int t = 0; t < trials; t++) {
                trial tr = { .kind = watches ? 0 : t % 2 };
                char storage[4096], *cargv[64], cmd[512], key[300] = "";
                const char *want_op = tr.kind == 0 ? "add_rule" : "remove_rule";
                const char *ext_op = tr.kind == 0 ? "remove_rule" : "add_rule";
                uint64_t t_start, t_ret, t_ext = 0, t_done = 0;
                ak_kstate s;
                int settled = 0;

                /* The daemon is idle and the kernel in the desired state. */
                if (busy)
                        sleep_until(last_repair + gap_us);
                else
                        wait_idle(dpid, last_repair + gap_us, 30000);
                for (uint64_t end = now_us() + timeout_us;; sleep_us(2000)) {
                        query(nl, &s);
                        settled = kernel_equals(&want, &s);
                        ak_kstate_done(&s);
                        if (settled || now_us() > end)
                                break;
                }
                if (!settled)
                        die("trial %d: the kernel is not in the desired state before the trial", t);
                for (ak_record rec; (r = ak_mon_read(mon, &rec)) != 0;)
                        if (r < 0 && r != -ENOBUFS)
                                break;

                if (tr.kind == 0) {
                        const char *line = lines[((size_t) (watches ? t : t / 2) * 7919u) % n_lines];
                        const char *k = strstr(line, "-k ");
                        if (!k)
                                k = strstr(line, "key=");
                        if (k) {
                                k += k[0] == '-' ? 3 : 4;
                                snprintf(key, sizeof(key), "%.*s", (int) strcspn(k, " "), k);
                        }
                        snprintf(cmd, sizeof(cmd), "auditctl %s", line);
                } else
                        snprintf(cmd, sizeof(cmd), "auditctl -A exit,never -F arch=b64 -S openat -F uid=%d", 61000 + t);
                split_line(cmd, cargv, 64, storage, sizeof(storage));

                t_start = now_us();
                int rc = reap(spawn(cargv, NULL));
                t_ret = now_us();
                tr.cmd_us = t_ret - t_start;
                if (rc != 0)
                        die("trial %d: '%s' failed (exit %d)", t, cmd, rc);

                /* Wait for the daemon's repair record, then confirm with one LIST. */
                for (uint64_t end = t_ret + timeout_us; !t_done && now_us() < end;) {
                        struct pollfd p = { .fd = ak_mon_fd(mon), .events = POLLIN };
                        int64_t left = (int64_t) end - (int64_t) now_us();
                        if (left <= 0 || poll(&p, 1, (int) ((left + 999) / 1000)) <= 0)
                                continue;
                        for (;;) {
                                ak_record rec;
                                char op[64] = "", res[16] = "", rkey[300] = "";
                                r = ak_mon_read(mon, &rec);
                                uint64_t arrival = now_us();
                                if (r == 0 || (r < 0 && r != -ENOBUFS))
                                        break;
                                if (r < 0)
                                        continue;
                                if (rec.type != AUDIT_CONFIG_CHANGE)
                                        continue;
                                (void) ak_record_field(&rec, "op", op, sizeof(op));
                                (void) ak_record_field(&rec, "res", res, sizeof(res));
                                (void) ak_record_field(&rec, "key", rkey, sizeof(rkey));
                                if (strcmp(op, ext_op) == 0 && !t_ext)
                                        t_ext = arrival;
                                if (strcmp(op, want_op) != 0 || strcmp(res, "1") != 0)
                                        continue;
                                if (tr.kind == 0 && key[0] && strcmp(rkey, key) != 0)
                                        continue;
                                /* The SYSCALL record of the same event names the sender. */
                                uint64_t serial = rec.serial;
                                int pid_match = -1;
                                for (uint64_t e2 = now_us() + 20000; pid_match < 0 && now_us() < e2;) {
                                        ak_record r2;
                                        int q = ak_mon_read(mon, &r2);
                                        if (q == 0) {
                                                struct pollfd p2 = { .fd = ak_mon_fd(mon), .events = POLLIN };
                                                (void) poll(&p2, 1, 2);
                                                continue;
                                        }
                                        if (q < 0)
                                                continue;
                                        if (r2.serial != serial)
                                                continue;
                                        if (r2.type == AUDIT_SYSCALL) {
                                                char pid[32] = "";
                                                (void) ak_record_field(&r2, "pid", pid, sizeof(pid));
                                                pid_match = atoi(pid) == (int) dpid;
                                        } else if (r2.type == AUDIT_EOE)
                                                pid_match = 2;  /* no SYSCALL record for this event */
                                }
                                if (pid_match == 0)
                                        continue;       /* somebody else's change */
                                tr.pid_seen = pid_match == 1;
                                query(nl, &s);
                                int ok = kernel_equals(&want, &s);
                                ak_kstate_done(&s);
                                if (ok) {
                                        t_done = arrival;
                                        tr.how = 0;
                                        break;
                                }
                        }
                }
                if (!t_done) {
                        /* No record confirmed it: poll the kernel. */
                        for (uint64_t end = now_us() + timeout_us; now_us() < end; sleep_us(500)) {
                                query(nl, &s);
                                int ok = kernel_equals(&want, &s);
                                ak_kstate_done(&s);
                                if (ok) {
                                        t_done = now_us();
                                        tr.how = 1;
                                        break;
                                }
                        }
                        if (!t_done)
                                die("trial %d (%s): the daemon did not repair within %" PRIu64 " ms", t, cmd, timeout_us / 1000);
                }
                tr.latency_us = (int64_t) t_done - (int64_t) t_ret;
                tr.from_drift_us = t_ext ? (int64_t) t_done - (int64_t) t_ext : -1;
                last_repair = t_done;
                printf("%s %" PRId64 " %" PRId64 " %" PRIu64 " %d %d\n", tr.kind == 0 ? "delete" : "foreign",
                       tr.latency_us, tr.from_drift_us, tr.cmd_us, tr.pid_seen, tr.how);
                fflush(stdout);
        }
        for (size_t i = 0; i < n_lines; i++)
                free(lines[i]);
        free(lines);
        index_done(&want);
        ak_mon_free(mon);
        ak_nl_free(nl);
        ak_ruleset_free(rs);
        return 0;
}

/* One `auditctl -D` while the daemon keeps FILE (its pid: PID): the outside deletes and the
 * daemon's repairs fight over the kernel's audit mutex until auditctl is done; the trial ends
 * with the daemon's add_rule record after which the kernel holds FILE again (as many rules added
 * as removed, auditctl gone, and one LIST that says so). Prints: auditctl's own time (spawn to
 * reap), spawn -> that last add record, first remove record -> it, removes seen, adds seen, and
 * 1 when no record confirmed it (a LIST every 2 ms did), all times in us. */
static int verb_wipe(int argc, char **argv) {
        const char *rules_path = NULL;
        pid_t dpid = 0, child;
        uint64_t gap_us = 1100000, t_start, t_ret = 0, t_first_rm = 0, t_last_add = 0, t_done = 0;
        size_t removes = 0, adds = 0;
        char *cargv[] = { (char *) "auditctl", (char *) "-D", NULL };
        ruleset_index want;
        ak_ruleset *rs;
        ak_nl *nl;
        ak_mon *mon = NULL;
        ak_kstate s;
        int r, pidfd, settled = 0, how = 0;

        for (int i = 0; i < argc; i++) {
                if (strcmp(argv[i], "--rules") == 0 && i + 1 < argc)
                        rules_path = argv[++i];
                else if (strcmp(argv[i], "--pid") == 0 && i + 1 < argc)
                        dpid = (pid_t) atoi(argv[++i]);
                else if (strcmp(argv[i], "--gap-ms") == 0 && i + 1 < argc)
                        gap_us = (uint64_t) atoi(argv[++i]) * 1000ull;
                else
                        die("wipe: unknown argument %s", argv[i]);
        }
        if (!rules_path || dpid <= 0)
                die("wipe --rules FILE --pid PID [--gap-ms MS]");
        rs = load(rules_path);
        index_init(&want, rs->n_rules);
        for (size_t i = 0; i < rs->n_rules; i++)
                index_add(&want, &rs->rules[i]);
        observer_realtime();
        nl = open_nl();
        r = ak_mon_open(&mon);
        if (r < 0)
                die("cannot join the audit multicast group: %s", strerror(-r));

        wait_idle(dpid, now_us() + gap_us, 30000);
        for (uint64_t end = now_us() + 5000000;; sleep_us(2000)) {
                query(nl, &s);
                settled = kernel_equals(&want, &s);
                ak_kstate_done(&s);
                if (settled || now_us() > end)
                        break;
        }
        if (!settled)
                die("wipe: the kernel is not in the desired state before the trial");
        for (ak_record rec; (r = ak_mon_read(mon, &rec)) != 0;)
                if (r < 0 && r != -ENOBUFS)
                        break;

        t_start = now_us();
        child = spawn(cargv, NULL);
        pidfd = (int) syscall(SYS_pidfd_open, child, 0);
        if (pidfd < 0)
                die("pidfd_open: %s", strerror(errno));
        for (uint64_t end = t_start + 30000000; !t_done;) {
                struct pollfd p[2] = { { .fd = ak_mon_fd(mon), .events = POLLIN }, { .fd = pidfd, .events = POLLIN } };
                int n, check = 0;

                if (now_us() > end)
                        die("wipe: the kernel did not hold the rules again within 30 s");
                n = poll(p, t_ret ? 1 : 2, how ? 2 : 20);
                if (n < 0 && errno != EINTR)
                        die("poll: %s", strerror(errno));
                if (!t_ret && n > 0 && (p[1].revents & POLLIN)) {
                        int rc = reap(child);
                        t_ret = now_us();
                        if (rc != 0)
                                die("wipe: auditctl -D failed (exit %d)", rc);
                        check = 1;
                }
                for (;;) {
                        ak_record rec;
                        char op[64] = "", res[16] = "";

                        r = ak_mon_read(mon, &rec);
                        if (r == 0 || (r < 0 && r != -ENOBUFS))
                                break;
                        if (r < 0) {
                                how = 1;        /* records lost: the counts cannot say it */
                                continue;
                        }
                        if (rec.type != AUDIT_CONFIG_CHANGE)
                                continue;
                        (void) ak_record_field(&rec, "op", op, sizeof(op));
                        (void) ak_record_field(&rec, "res", res, sizeof(res));
                        if (strcmp(res, "1") != 0)
                                continue;
                        if (strcmp(op, "remove_rule") == 0) {
                                if (!t_first_rm)
                                        t_first_rm = now_us();
                                removes++;
                        } else if (strcmp(op, "add_rule") == 0) {
                                t_last_add = now_us();
                                adds++;
                                check = 1;
                        }
                }
                if (!t_ret)
                        continue;
                if (n == 0 && !how && adds < removes)
                        how = 1;        /* quiet for 20 ms and the counts do not add up: LIST */
                if ((check && adds == removes) || how) {
                        query(nl, &s);
                        if (kernel_equals(&want, &s))
                                t_done = how ? now_us() : t_last_add;
                        ak_kstate_done(&s);
                }
        }
        close(pidfd);
        printf("%" PRIu64 " %" PRIu64 " %" PRIu64 " %zu %zu %d\n", t_ret - t_start, t_done - t_start,
               t_first_rm ? t_done - t_first_rm : 0, removes, adds, how);
        index_done(&want);
        ak_mon_free(mon);
        ak_nl_free(nl);
        ak_ruleset_free(rs);
        return 0;
}

static int verb_records(double seconds) {
        ak_mon *mon = NULL;
        uint64_t end, n = 0, lost = 0;
        int r = ak_mon_open(&mon);

        if (r < 0)
                die("cannot join the audit multicast group: %s", strerror(-r));
        end = now_us() + (uint64_t) (seconds * 1e6);
        for (uint64_t t; (t = now_us()) < end;) {
                struct pollfd p = { .fd = ak_mon_fd(mon), .events = POLLIN };
                if (poll(&p, 1, (int) ((end - t) / 1000 + 1)) <= 0)
                        continue;
                for (ak_record rec; (r = ak_mon_read(mon, &rec)) != 0;) {
                        if (r == -ENOBUFS)
                                lost++;
                        else if (r < 0)
                                break;
                        else
                                n++;
                }
        }
        printf("%" PRIu64 " %" PRIu64 "\n", n, lost);
        ak_mon_free(mon);
        return 0;
}

int main(int argc, char **argv) {
        const char *verb = argc > 1 ? argv[1] : "";

        signal(SIGPIPE, SIG_IGN);
        setvbuf(stdout, NULL, _IOLBF, 0);
        if (strcmp(verb, "state") == 0)
                return verb_state();
        if (strcmp(verb, "save") == 0 && argc == 3)
                return verb_save(argv[2]);
        if (strcmp(verb, "restore") == 0 && argc == 3)
                return verb_restore(argv[2]);
        if (strcmp(verb, "clear") == 0)
                return verb_clear();
        if (strcmp(verb, "set-enabled") == 0 && argc == 3)
                return verb_set_enabled(argv[2]);
        if (strcmp(verb, "run") == 0)
                return verb_run(argc - 2, argv + 2);
        if (strcmp(verb, "floor-add") == 0 && argc == 3)
                return verb_floor_add(argv[2]);
        if (strcmp(verb, "floor-query") == 0)
                return verb_floor_query(argc > 2 ? atoi(argv[2]) : 1);
        if (strcmp(verb, "query-once") == 0)
                return verb_query_once();
        if (strcmp(verb, "parse") == 0 && argc == 4)
                return verb_parse(argv[2], atoi(argv[3]));
        if (strcmp(verb, "plan") == 0 && argc == 4)
                return verb_plan(argv[2], atoi(argv[3]));
        if (strcmp(verb, "analyze") == 0 && (argc == 4 || (argc == 5 && strcmp(argv[4], "--fs") == 0)))
                return verb_analyze(argv[2], atoi(argv[3]), argc == 5);
        if (strcmp(verb, "floor-change") == 0 && argc == 4)
                return verb_floor_change(argv[2], argv[3]);
        if (strcmp(verb, "floor-del") == 0 && argc == 3)
                return verb_floor_del(atoi(argv[2]));
        if (strcmp(verb, "hole") == 0)
                return verb_hole(argc - 2, argv + 2);
        if (strcmp(verb, "latency") == 0)
                return verb_latency(argc - 2, argv + 2);
        if (strcmp(verb, "wipe") == 0)
                return verb_wipe(argc - 2, argv + 2);
        if (strcmp(verb, "records") == 0 && argc == 3)
                return verb_records(atof(argv[2]));
        fprintf(stderr, "usage: ak-bench state|save|restore|clear|set-enabled|run|floor-add|floor-query|"
                        "query-once|parse|analyze|floor-change|floor-del|hole|latency|wipe|records ... (see the head of bench/ak-bench.c)\n");
        return 2;
}
