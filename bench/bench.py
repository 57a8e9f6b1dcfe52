#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""The driver of bench/run: generates the rule sets, runs every measurement side by side on the
real kernel, prints one table, and leaves the kernel as it found it. Started by bench/run, which
builds the binaries and passes their paths; see bench/README.md."""

import argparse
import fcntl
import math
import os
import platform
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time

NO_BUS_DIR = "/run/ak-bench"
LOCK_PATH = "/tmp/auditkeep-kernel.lock"
# Rows 4, 4f and 4w time isolated drifts: each trial starts more than the daemon's fight window
# (FIGHT_WINDOW_USEC in daemon/fight.h, 2 s) after the last repair. Inside that window the daemon
# gathers a burst of records for 1 ms (COALESCE_USEC, daemon/manager.c) before it looks, so that
# its fight accounting sees the burst whole; row 4 shows that case too, as an info row.
ISOLATED_GAP_MS = 2300
IN_WINDOW_GAP_MS = 1100
EXAMPLES = "/usr/share/doc/auditd/examples/rules"


def log(msg):
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


class Bench:
    def __init__(self, args):
        self.a = args
        self.helper = args.helper
        self.ctl = args.ctl
        self.daemon_bin = args.daemon
        self.auditctl = shutil.which("auditctl") or "/usr/sbin/auditctl"
        self.work = args.workdir
        self.tree = os.path.join(self.work, "tree")
        self.logfile = os.path.join(self.work, "commands.log")
        self.saved = os.path.join(self.work, "saved-kernel-state")
        self.daemon = None
        self.rows = []          # markdown lines of the main table
        self.notes = []
        self.failures = {}      # method -> failed attempts (retried)
        self.quick = args.quick
        self.started = time.monotonic()
        self.lock_wait = 0.0
        self.parse_us = 0.0     # µs per rule, row 0

    # ---------------------------------------------------------------- plumbing

    def h(self, *args, check=True):
        """Run the C helper; return its stdout."""
        p = subprocess.run([self.helper, *map(str, args)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           text=True)
        if check and p.returncode != 0:
            raise RuntimeError(f"ak-bench {' '.join(map(str, args))} failed ({p.returncode}): {p.stderr.strip()}")
        if p.stderr.strip():
            with open(self.logfile, "a") as f:
                f.write(p.stderr)
        return p.stdout

    def timed(self, *cmd):
        """Time a command (spawn to reap) with the helper. Returns (seconds, exit status)."""
        out = self.h("run", "--log", self.logfile, "--", *cmd).split()
        return int(out[0]) / 1e6, int(out[1])

    def trial(self, m, fn, fix=None):
        """One trial of method m: fn() -> (seconds, exit status). A failure is retried (after
        fix(), which restores the trial's precondition) up to twice and reported under the table."""
        for attempt in range(3):
            try:
                sec, rc = fn()
                err = f"exit {rc}"
            except RuntimeError as e:
                sec, rc, err = 0, 2, str(e)
            if rc == 0:
                return sec
            with open(self.logfile) as f:
                tail = " / ".join(l.strip() for l in f.read().splitlines()[-2:])
            self.failures.setdefault(m, []).append(f"{err}: {tail}")
            log(f"{m} failed ({err}: {tail}); retrying")
            if fix:
                fix()
        raise RuntimeError(f"{m} failed 3 times in a row (see {self.logfile})")

    def state(self):
        return dict(kv.split("=") for kv in self.h("state").split())

    def n_rules(self):
        return int(self.state()["rules"])

    def expect_rules(self, n, what):
        got = self.n_rules()
        if got != n:
            raise RuntimeError(f"after {what}: the kernel holds {got} rules, expected {n} (see {self.logfile})")

    # ---------------------------------------------------------------- rule sets

    def gen(self, n, name, changed=None):
        """A synthetic rule set of n distinct rules: a few never rules first, then watches on the
        temporary tree and arch=b64 syscall rules with distinct keys, interleaved."""
        n_never = max(4, n // 100)
        n_watch = (n - n_never) // 2
        n_sys = n - n_never - n_watch
        never_sc = ["adjtimex", "clock_adjtime", "openat", "execve", "chmod", "unlinkat"]
        lines = [f"# auditkeep bench: {n} rules ({n_never} never, {n_watch} watches, {n_sys} syscall rules).",
                 "# No -D/-b/-e lines: every method loads the same rules and nothing else.", ""]
        for i in range(n_never):
            lines.append(f"-a never,exit -F arch=b64 -S {never_sc[i % len(never_sc)]} -F auid=unset -F uid={990 + i}")
        templates = [
            ("chmod,fchmod,fchmodat", "", "perm_mod"),
            ("chown,fchown,lchown,fchownat", "", "perm_mod"),
            ("setxattr,lsetxattr,fsetxattr,removexattr,lremovexattr,fremovexattr", "", "perm_mod"),
            ("open,truncate,ftruncate,creat,openat,openat2,open_by_handle_at", "-F exit=-EACCES", "access"),
            ("open,truncate,ftruncate,creat,openat,openat2,open_by_handle_at", "-F exit=-EPERM", "access"),
            ("unlink,unlinkat,rename,renameat", "", "delete"),
            ("mount,umount2", "", "export"),
            ("init_module,finit_module,delete_module", "", "modules"),
            ("adjtimex,settimeofday,clock_settime", "", "time-change"),
            ("sethostname,setdomainname", "", "system-locale"),
            ("execve,execveat", "-F euid=0", "privileged"),
            ("ptrace", "-F a0=0x4", "code-injection"),
            ("kexec_load,kexec_file_load", "", "kexec"),
            ("bpf", "", "bpf"),
        ]
        wcats = ["identity", "system-locale", "actions", "logins", "session", "cron", "sshd", "sudoers", "pam", "mail"]
        perms = ["wa", "wa", "wa", "rwa", "x", "wa", "rwxa"]
        watches = []
        for k in range(n_watch):
            d, f = divmod(k, 20)
            os.makedirs(os.path.join(self.tree, f"d{d:04d}"), exist_ok=True)
            watches.append(f"-w {self.tree}/d{d:04d}/f{f:02d} -p {perms[k % len(perms)]} -k {wcats[d % len(wcats)]}-{d:04d}")
        sysrules = []
        for k in range(n_sys):
            sc, extra, cat = templates[k % len(templates)]
            key = f"{cat}-{k:05d}"
            if changed is not None and k == changed:
                key += "-v2"
            sysrules.append(f"-a always,exit -F arch=b64 -S {sc} {extra + ' ' if extra else ''}"
                            f"-F auid>=1000 -F auid!=unset -F key={key}")
        for k in range(max(len(watches), len(sysrules))):
            if k < len(watches):
                lines.append(watches[k])
            if k < len(sysrules):
                lines.append(sysrules[k])
        path = os.path.join(self.work, name)
        with open(path, "w") as f:
            f.write("\n".join(lines) + "\n")
        return path, n_sys

    def example_file(self):
        """The largest file (in bytes) of the auditd package's examples, minus the rules this
        machine's kernel refuses (auditctl -R stops at the first one, so both tools would not be
        loading the same rules otherwise)."""
        files = [os.path.join(EXAMPLES, f) for f in os.listdir(EXAMPLES) if f.endswith(".rules")] \
            if os.path.isdir(EXAMPLES) else []
        if not files:
            return None, None, []
        src = max(files, key=lambda p: (os.path.getsize(p), p))
        self.h("clear")
        p = subprocess.run([self.ctl, "apply", "-q", src], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        bad = set()
        dropped = []
        for line in p.stderr.splitlines():
            if line.startswith("pending:") and f"({src}:" in line:
                ln = int(line.split(f"({src}:")[1].split(")")[0])
                bad.add(ln)
                dropped.append(line[len("pending:"):].strip())
        self.h("clear")
        out = os.path.join(self.work, os.path.basename(src))
        with open(src) as f, open(out, "w") as o:
            for i, line in enumerate(f, 1):
                o.write(("# dropped by the bench (kernel refuses it here): " + line) if i in bad else line)
        return src, out, dropped

    # ---------------------------------------------------------------- statistics

    @staticmethod
    def med(xs):
        return statistics.median(xs)

    @staticmethod
    def pct(xs, p):
        s = sorted(xs)
        return s[max(0, math.ceil(p / 100 * len(s)) - 1)]

    @staticmethod
    def ms(x):
        if x >= 100:
            return f"{x:.0f}"
        if x >= 10:
            return f"{x:.1f}"
        return f"{x:.2f}"

    def cell(self, xs):
        """median [min–max] in ms, trials"""
        xs = [x * 1e3 for x in xs]
        return f"{self.ms(self.med(xs))} [{self.ms(min(xs))}–{self.ms(max(xs))}]", len(xs)

    def add_row(self, row, case, method, xs, ratio="", target="", extra=""):
        c, n = self.cell(xs) if xs else ("skipped", 0)
        self.rows.append(f"| {row} | {case} | {method} | {n} | {c} | {ratio} | {target} | {extra} |")

    @staticmethod
    def verdict(ok):
        return "**met**" if ok else "**MISSED**"

    # ---------------------------------------------------------------- kernel state

    def check_kernel(self):
        if os.geteuid() != 0:
            sys.exit("bench: run as root (sudo bench/run): it changes the kernel's audit rules")
        st = self.state()
        if st["enabled"] == "2":
            sys.exit("bench: the kernel's audit configuration is locked (enabled=2); nothing can be measured "
                     "until a reboot. Refusing to run.")
        return st

    def restore(self):
        log("restoring the kernel's audit state")
        out = self.h("restore", self.saved, check=False)
        log(out.strip())

    # ---------------------------------------------------------------- daemon

    def start_daemon(self, rules, poll=10, bus=None):
        nsock_path = os.path.join(self.work, "notify")
        if os.path.exists(nsock_path):
            os.unlink(nsock_path)
        ns = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        ns.bind(nsock_path)
        # No bus: the daemon waits for the socket to appear (sd-bus watches the path and each of
        # its parents with inotify), so the path lies under quiet directories, not under /tmp,
        # where every file another program creates would wake the idle daemon.
        os.makedirs(NO_BUS_DIR, exist_ok=True)
        env = dict(os.environ, NOTIFY_SOCKET=nsock_path,
                   DBUS_SYSTEM_BUS_ADDRESS=bus or "unix:path=" + os.path.join(NO_BUS_DIR, "no-bus"))
        env.pop("JOURNAL_STREAM", None)
        env.pop("AUDITKEEP_DEBUG", None)
        dlog = open(os.path.join(self.work, "daemon.log"), "a")
        self.daemon = subprocess.Popen([self.daemon_bin, "--rules", rules, "--poll-interval", str(poll)],
                                       stdout=dlog, stderr=subprocess.STDOUT, env=env, stdin=subprocess.DEVNULL)
        ns.settimeout(1.0)
        end = time.monotonic() + 120
        while time.monotonic() < end:
            try:
                msg = ns.recv(4096).decode(errors="replace")
            except socket.timeout:
                if self.daemon.poll() is not None:
                    raise RuntimeError(f"auditkeepd exited with {self.daemon.returncode}; see {dlog.name}")
                continue
            if "READY=1" in msg.split("\n"):
                ns.close()
                return self.daemon.pid
        raise RuntimeError("auditkeepd did not become ready in 120 s")

    def stop_daemon(self):
        if self.daemon and self.daemon.poll() is None:
            self.daemon.send_signal(signal.SIGTERM)
            try:
                self.daemon.wait(10)
            except subprocess.TimeoutExpired:
                self.daemon.kill()
                self.daemon.wait()
        self.daemon = None

    # ---------------------------------------------------------------- rows

    def row_cold(self, label, path, n, trials):
        methods = [
            ("auditkeepctl apply", lambda: self.timed(self.ctl, "apply", "-q", path)),
            ("auditctl -R", lambda: self.timed(self.auditctl, "-R", path)),
            ("floor: ADDs only", lambda: self.floor_add(path)),
            ("(info) GET + LIST of the empty kernel, a process (ak-bench query-once)",
             lambda: self.timed(self.helper, "query-once")),
        ]
        res = {m: [] for m, _ in methods}
        log(f"row 1: cold apply, {label}: {trials} trials per method")
        for t in range(trials):
            for m, fn in methods[t % 4:] + methods[:t % 4]:
                self.h("clear")
                sec = self.trial(m, fn, fix=lambda: self.h("clear"))
                self.expect_rules(0 if "query-once" in m else n, m)
                res[m].append(sec)
        ak, ac, fl, q = (res[m] for m, _ in methods)
        r_fl = self.med(ak) / self.med(fl)
        r_ac = self.med(ak) / self.med(ac)
        # Issue #24 item 2: at most 1.5 × (process start + ADD floor) at 33 and 400 rules, 1.2 × at
        # 1000 and 5000. Where the rest goes: the parse (row 0's per-rule time × N, overlapped with
        # the kernel's answer to GET + LIST by auditkeepctl) and that query, which the floor lacks.
        limit = 1.5 if n <= 400 else 1.2
        floor = self.med(fl) + self.spawn_med
        r_fs = self.med(ak) / floor
        parse = f"; parse ≈ {self.ms(self.parse_us * n / 1e3)} ms" if self.parse_us else ""
        target = (f"≤{limit}× (start {self.ms(self.spawn_med * 1e3)} + ADD floor = {self.ms(floor * 1e3)} ms): "
                  f"{r_fs:.2f}× {self.verdict(r_fs <= limit)}")
        self.add_row(1, f"cold apply {label}", "auditkeepctl apply", ak, "", target,
                     f"GET + LIST of the empty kernel as a process {self.ms(self.med(q) * 1e3)} ms{parse}")
        self.add_row(1, f"cold apply {label}", "auditctl -R", ac, f"{r_ac:.2f}×", "(info)")
        self.add_row(1, f"cold apply {label}", "floor: ADDs only", fl, f"{r_fl:.2f}×")
        self.add_row(1, f"cold apply {label}", methods[3][0], q, f"{self.med(ak) / self.med(q):.2f}×")
        return r_fs

    def floor_add(self, path):
        out = self.h("floor-add", path).split()
        if int(out[2]) != 0:
            raise RuntimeError(f"floor-add: the kernel refused {out[2]} rules of {path}")
        return int(out[0]) / 1e6, 0

    def row_noop(self, path, n, trials, reload_trials):
        log(f"row 2: no-op sync, N={n}: {trials} trials (full reload: {reload_trials})")
        self.timed(self.ctl, "apply", "-q", path)
        self.expect_rules(n, "apply")
        methods = [("auditkeepctl apply", trials, lambda: self.timed(self.ctl, "apply", "-q", path)),
                   ("full reload: auditctl -D; -R", reload_trials,
                    lambda: self.timed(self.auditctl, "-D", ";", self.auditctl, "-R", path)),
                   ("floor: GET + LIST", trials, lambda: (int(self.h("floor-query").split()[0]) / 1e6, 0)),
                   ("raw GET + LIST process (ak-bench query-once)", trials, lambda: self.timed(self.helper, "query-once"))]
        res = {m: [] for m, _, _ in methods}
        for t in range(max(trials, reload_trials)):
            for m, k, fn in methods[t % 4:] + methods[:t % 4]:
                if t >= k:
                    continue
                sec = self.trial(m, fn, fix=lambda: self.timed(self.ctl, "apply", "-q", path))
                self.expect_rules(n, m)
                res[m].append(sec)
        # Where auditkeepctl's time goes: starting the process and parsing, without the kernel.
        chk = [self.timed(self.ctl, "check", path)[0] for _ in range(max(3, trials // 2))]
        ak, rl, fl, rp = (res[m] for m, _, _ in methods)
        r_fl = self.med(ak) / self.med(fl)
        r_rp = self.med(ak) / self.med(rp)
        # Issue #24 item 3: at most 1.5 × a raw GET + LIST process at 1000 rules, 1.3 × at 5000.
        limit = 1.5 if n <= 1000 else 1.3
        parse = f"parse ≈ {self.ms(self.parse_us * n / 1e3)} ms" if self.parse_us else ""
        self.add_row(2, f"no-op sync N={n}", "auditkeepctl apply", ak, "",
                     f"≤{limit}× raw GET+LIST process: {r_rp:.2f}× {self.verdict(r_rp <= limit)}", parse)
        if rl:
            self.add_row(2, f"no-op sync N={n}", "full reload: auditctl -D; -R", rl, f"{self.med(ak) / self.med(rl):.3f}×")
        else:
            self.add_row(2, f"no-op sync N={n}", "full reload: auditctl -D; -R", [], "", "", "skipped (--quick)")
        self.add_row(2, f"no-op sync N={n}", "raw GET + LIST process (ak-bench query-once)", rp, f"{r_rp:.2f}×")
        self.add_row(2, f"no-op sync N={n}", "floor: GET + LIST (warm, in-process)", fl, f"{r_fl:.2f}× (info)")
        self.add_row(2, f"no-op sync N={n}", "(info) auditkeepctl check: start + parse, no kernel", chk,
                     f"{self.med(ak) / self.med(chk):.2f}×")
        return r_rp

    def row_start(self, small, big, n_big, trials, s5000=None):
        """Process start of the offline commands against auditctl -v, the parser per rule (in-process
        at n_big and 5000 rules), and check as a whole process at 5000 rules against 10 (issue #24)."""
        log(f"row 0: start and parse: {trials} trials")
        s10, _ = self.gen(10, "synthetic-10.rules")
        methods = [("auditctl -v", lambda: self.timed(self.auditctl, "-v")),
                   ("auditkeepctl --version", lambda: self.timed(self.ctl, "--version")),
                   ("auditkeepctl check (30 rules)", lambda: self.timed(self.ctl, "check", small)),
                   ("auditkeepctl check (10 rules)", lambda: self.timed(self.ctl, "check", s10))]
        if s5000:
            methods.append(("auditkeepctl check (5000 rules)", lambda: self.timed(self.ctl, "check", s5000)))
        res = {m: [] for m, _ in methods}
        for t in range(trials):
            k = t % len(methods)
            for m, fn in methods[k:] + methods[:k]:
                res[m].append(self.trial(m, fn))
        ref = self.med(res["auditctl -v"])
        self.add_row(0, "start", "auditctl -v", res["auditctl -v"])
        for m in ("auditkeepctl --version", "auditkeepctl check (30 rules)"):
            r = self.med(res[m]) / ref
            self.add_row(0, "start", m, res[m], f"{r:.2f}× auditctl -v", f"≤1.1×: {self.verdict(r <= 1.1)}")
        if s5000:
            # the whole process, the analyses included: what 4990 more rules cost
            per = (self.med(res["auditkeepctl check (5000 rules)"]) - self.med(res["auditkeepctl check (10 rules)"])) / 4990 * 1e6
            self.add_row(0, "check N=5000 vs N=10", "auditkeepctl check (10 rules)", res["auditkeepctl check (10 rules)"])
            self.add_row(0, "check N=5000 vs N=10", "auditkeepctl check (5000 rules)", res["auditkeepctl check (5000 rules)"],
                         f"{per:.2f} µs per rule more", f"≤2 µs per rule: {self.verdict(per <= 2)}")
        for n, path in ((n_big, big), (5000, s5000)):
            if not path:
                continue
            per = [int(line.split()[0]) / n for line in self.h("parse", path, trials).splitlines()]
            if n == n_big:
                self.parse_us = self.med(per)    # rows 1 and 2 say what the parse of their N costs
            self.rows.append(f"| 0 | parse N={n} (in-process, tables built) | ak_ruleset_add_source | {len(per)} | "
                             f"{self.med(per):.2f} µs per rule [{min(per):.2f}–{max(per):.2f}] | | ≤1.5 µs per rule: "
                             f"{self.verdict(self.med(per) <= 1.5)} | |")
        # Issue #24 item 3: the plan of a no-op apply (the kernel holds the file, in order), in-process
        for n, path in ((n_big, big), (5000, s5000)):
            if not path:
                continue
            per = [int(line.split()[0]) / n for line in self.h("plan", path, trials).splitlines()]
            self.rows.append(f"| 0 | plan N={n}, kernel in sync (in-process) | ak_plan_build | {len(per)} | "
                             f"{self.med(per):.2f} µs per rule [{min(per):.2f}–{max(per):.2f}] | | (info) | |")
        # Issue #23: check's analyses (cost, dead and shadowed rules) at most ~1 µs per rule on top
        # of the parse at 5000 rules; pure, and with check's file-system questions (an lstat per watch)
        for n, path in ((n_big, big), (5000, s5000)):
            if not path:
                continue
            for label, extra in (("pure", []), ("with lstat of watch paths", ["--fs"])):
                per = [int(line.split()[0]) / n for line in self.h("analyze", path, trials, *extra).splitlines()]
                self.rows.append(f"| 0 | analyze N={n} ({label}) | ak_analyze | {len(per)} | "
                                 f"{self.med(per):.2f} µs per rule [{min(per):.2f}–{max(per):.2f}] | | ≤1 µs per rule: "
                                 f"{self.verdict(self.med(per) <= 1)} | |")

    def row_change(self, a_path, b_path, n, trials, reload_trials, hole_trials, reload_hole_trials):
        log(f"row 3: one changed rule in N={n}: {trials} trials (full reload: {reload_trials}); "
            f"hole trials {hole_trials} (full reload: {reload_hole_trials})")
        self.timed(self.ctl, "apply", "-q", a_path)
        self.expect_rules(n, "apply")
        cur = a_path
        other = {a_path: b_path, b_path: a_path}
        methods = [
            ("auditkeepctl apply", trials, lambda frm, to: [self.ctl, "apply", "-q", to]),
            ("full reload: auditctl -D; -R", reload_trials,
             lambda frm, to: [self.auditctl, "-D", ";", self.auditctl, "-R", to]),
            ("floor: 1 add + 1 del + GET + LIST", trials, lambda frm, to: [self.helper, "floor-change", frm, to]),
        ]
        res = {m: [] for m, _, _ in methods}
        holes = {m: [] for m, _, _ in methods}
        for t in range(max(trials, reload_trials)):
            for m, k, fn in methods[t % 3:] + methods[:t % 3]:
                if t >= k:
                    continue
                to = other[cur]
                fix = (lambda frm=cur, dst=to: (self.timed(self.ctl, "apply", "-q", frm)))
                if m.startswith("floor"):
                    sec = self.trial(m, lambda frm=cur, dst=to: (int(self.h("floor-change", frm, dst).split()[0]) / 1e6, 0), fix)
                else:
                    sec = self.trial(m, lambda frm=cur, dst=to: self.timed(*fn(frm, dst)), fix)
                self.expect_rules(n, m)
                res[m].append(sec)
                cur = to
        # The hole: separate trials with the watcher LISTing the kernel without pause (its LISTs
        # compete for the kernel's audit lock, so these runs are not timed for the table).
        for t in range(max(hole_trials, reload_hole_trials)):
            for m, k, fn in methods:
                if t >= (reload_hole_trials if m.startswith("full") else hole_trials):
                    continue
                to = other[cur]
                res_out = []

                def hole_run(frm=cur, dst=to, fn=fn):
                    out = self.h("hole", frm, dst, "--log", self.logfile, "--", *fn(frm, dst)).split()
                    res_out[:] = out
                    return int(out[0]) / 1e6, int(out[1])
                self.trial(f"{m} (hole run)", hole_run, fix=lambda frm=cur: self.timed(self.ctl, "apply", "-q", frm))
                out = res_out
                holes[m].append((int(out[4]), int(out[2]), int(out[5]), int(out[0]) / 1e6))
                self.expect_rules(n, m)
                cur = to
        ak, rl, fl = (res[m] for m, _, _ in methods)
        r_fl = self.med(ak) / self.med(fl)

        def hole_txt(m):
            h = holes[m]
            if not h:
                return "hole: not measured"
            return (f"hole: max {max(x[0] for x in h)} of {h[0][1]} kept rules missing "
                    f"({len(h)} runs, {sum(x[2] for x in h)} LISTs)")
        ak_hole = max((x[0] for x in holes["auditkeepctl apply"]), default=None)
        ok = r_fl <= 2.0 and ak_hole == 0
        self.add_row(3, f"one change N={n}", "auditkeepctl apply", ak, "",
                     f"≤2× floor: {r_fl:.2f}×, hole 0: {ak_hole} → {self.verdict(ok)}", hole_txt("auditkeepctl apply"))
        if rl:
            self.add_row(3, f"one change N={n}", "full reload: auditctl -D; -R", rl,
                         f"{self.med(ak) / self.med(rl):.3f}×", "", hole_txt("full reload: auditctl -D; -R"))
        else:
            self.add_row(3, f"one change N={n}", "full reload: auditctl -D; -R", [], "", "", "skipped (--quick)")
        self.add_row(3, f"one change N={n}", "floor: 1 add + 1 del + GET + LIST", fl, f"{r_fl:.2f}×", "",
                     hole_txt("floor: 1 add + 1 del + GET + LIST"))
        return cur

    def latency_rows(self, row, n, out, trials, targets, case_suffix=""):
        """Rows of `ak-bench latency` output: per kind, p50/p99/max and the target's verdict
        (targets: kind -> (text, ok(p50, p99)))."""
        res = {"delete": [], "foreign": []}
        other = {"delete": [], "foreign": []}
        nopid = fallback = 0
        for line in out.splitlines():
            kind, lat, drift, cmd, pid_seen, how = line.split()
            res[kind].append(max(0, int(lat)) / 1e6)
            other[kind].append(int(drift) / 1e6)
            nopid += pid_seen == "0"
            fallback += how == "1"
        oks = {}
        for kind in ("delete", "foreign"):
            if not res[kind]:
                continue
            xs = [x * 1e3 for x in res[kind]]
            p50, p99, mx = self.pct(xs, 50), self.pct(xs, 99), max(xs)
            d50 = self.pct([x * 1e3 for x in other[kind]], 50)
            text, okf = targets[kind]
            if okf:
                ok = oks[kind] = okf(p50, p99)
                text = f"{text} → {self.verdict(ok)}"
            what = {"delete": "external auditctl -d of one rule", "foreign": "external auditctl -A of a foreign never rule",
                    "watch": "external auditctl -W of one watch"}["watch" if "watch" in targets else kind]
            self.rows.append(f"| {row} | repair N={n}{case_suffix}: {what} | auditkeepd | {len(xs)} | p50 {self.ms(p50)} / p99 "
                             f"{self.ms(p99)} / max {self.ms(mx)} | | {text} | from the drift's own "
                             f"record: p50 {self.ms(d50)} |")
        self.notes.append(f"Repair latency{case_suffix} (row {row}): {nopid} of {trials} repair records had no SYSCALL "
                          f"record naming the daemon (matched on op and key only); {fallback} trials fell back to LIST polling.")
        return oks

    def row_latency(self, path, n, trials):
        log(f"row 4: repair latency, N={n}, auditing enabled: {trials} trials per kind")
        self.timed(self.ctl, "apply", "-q", path)
        self.expect_rules(n, "apply")
        self.h("set-enabled", "1")
        dels = [int(x) / 1e6 for x in self.h("floor-del", 30 if not self.quick else 10).split()]
        queries = [int(line.split()[0]) / 1e6 for line in self.h("floor-query", 20 if not self.quick else 10).splitlines()]
        pid = self.start_daemon(path)
        time.sleep(1.5)
        out = self.h("latency", "--rules", path, "--pid", pid, "--trials", 2 * trials, "--gap-ms", ISOLATED_GAP_MS)
        in_window = self.h("latency", "--rules", path, "--pid", pid, "--trials", 10, "--gap-ms", IN_WINDOW_GAP_MS)
        self.stop_daemon()
        lim = 1.3 * self.med(dels) * 1e3 + 3
        oks = self.latency_rows(4, n, out, 2 * trials, {
            "delete": ("p50 < 3 ms, p99 < 10 ms", lambda p50, p99: p50 < 3 and p99 < 10),
            "foreign": (f"p50 ≤ 1.3 × kernel delete + 3 ms = {lim:.2f} ms", lambda p50, p99: p50 <= lim)},
            f", {ISOLATED_GAP_MS / 1000:.1f} s apart")
        self.latency_rows(4, n, in_window, 10, {"delete": ("(info)", None), "foreign": ("(info)", None)},
                          f", {IN_WINDOW_GAP_MS / 1000:.1f} s apart (inside the fight window: a burst is gathered for 1 ms)")
        self.rows.append(f"| 4 | one kernel delete (floor for the foreign case) | ak-bench DEL | {len(dels)} | "
                         f"{self.cell(dels)[0]} | | | |")
        self.rows.append(f"| 4 | one GET + LIST at N={n}, warm client (what each verification costs) | ak-bench query | "
                         f"{len(queries)} | {self.cell(queries)[0]} | | | |")
        return oks

    def cpu_ns(self, pid):
        tot = 0
        for tid in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{tid}/schedstat") as f:
                tot += int(f.read().split()[0])
        return tot

    def row_latency_flood(self, path, n, trials, clients=4):
        """Row 4f (issue #24 item 5): the repair latency while `clients` processes call GetAll on
        the daemon back to back, on a private system bus with the project's policy."""
        log(f"row 4f: repair latency, N={n}, {clients} clients flooding GetAll: {trials} trials per kind")
        sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "tests", "helpers"))
        from akharness import Bus
        self.timed(self.ctl, "apply", "-q", path)
        self.expect_rules(n, "apply")
        self.h("set-enabled", "1")
        # one kernel delete, before the daemon keeps the rules: the foreign case's repair is one
        dels = [int(x) / 1e6 for x in self.h("floor-del", 30 if not self.quick else 10).split()]
        busdir = os.path.join(self.work, "bus")
        os.makedirs(busdir, exist_ok=True)
        bus = Bus(busdir, os.path.join(busdir, "socket"))
        floods = []
        try:
            pid = self.start_daemon(path, bus=bus.address)
            bus.wait_name()
            time.sleep(1.5)
            floods = [subprocess.Popen([self.a.bus_flood, bus.address, "3600"], stdout=subprocess.PIPE, text=True)
                      for _ in range(clients)]
            time.sleep(1.0)
            # what the kernel's query costs any normal process under the same load
            fq = [int(line.split()[0]) / 1e6 for line in self.h("floor-query", 20 if not self.quick else 10).splitlines()]
            t0, c0 = time.monotonic(), self.cpu_ns(pid)
            out = self.h("latency", "--rules", path, "--pid", pid, "--trials", 2 * trials, "--gap-ms", ISOLATED_GAP_MS,
                         "--busy")
            t1, c1 = time.monotonic(), self.cpu_ns(pid)
            for p in floods:
                p.send_signal(signal.SIGTERM)
            calls = failed = 0
            for p in floods:
                o = p.communicate(timeout=30)[0].split()
                calls += int(o[0])
                failed += int(o[1])
            floods = []
        finally:
            for p in floods:
                p.kill()
                p.wait()
            self.stop_daemon()
            bus.stop()
        # The target for both kinds; the foreign case's repair is a kernel delete, which
        # alone may cost more (its row 4 form is given beside the verdict)
        lim = 1.3 * self.med(dels) * 1e3 + 3
        oks = self.latency_rows("4f", n, out, 2 * trials, {
            "delete": ("p50 < 2 ms, p99 < 5 ms", lambda p50, p99: p50 < 2 and p99 < 5),
            "foreign": (f"p50 < 2 ms, p99 < 5 ms (its repair is one kernel delete, {self.ms(self.med(dels) * 1e3)} ms here; "
                        f"row 4's form: p50 ≤ {lim:.2f} ms)", lambda p50, p99: p50 < 2 and p99 < 5)},
            f", {clients} clients flooding GetAll, {ISOLATED_GAP_MS / 1000:.1f} s apart")
        span = t1 - t0
        self.rows.append(f"| 4f | the flood meanwhile | {clients} × bus-flood (GetAll back to back) | 1 | "
                         f"{calls / span:.0f} GetAll/s answered over {span:.0f} s ({failed} failed) | | | the daemon's "
                         f"CPU meanwhile: {(c1 - c0) / 1e9 / span * 100:.0f}% of a core |")
        self.rows.append(f"| 4f | one GET + LIST at N={n} under the same flood, warm client at normal priority (what each "
                         f"verification costs there) | ak-bench query | {len(fq)} | {self.cell(fq)[0]} | | | |")
        self.rows.append(f"| 4f | one kernel delete, no flood (floor for the foreign case) | ak-bench DEL | "
                         f"{len(dels)} | {self.cell(dels)[0]} | | | |")
        return oks

    def row_watches(self, path, n, trials, wipe_trials):
        """Row 4w: repairing watches. (a) one watch deleted from outside; (b) an outside
        `auditctl -D` of all N rules while the daemon keeps them, against the kernel's own time
        for the same DELs and ADDs."""
        log(f"row 4w: watches, N={n}: {trials} watch deletes, {wipe_trials} × auditctl -D")
        wpath = os.path.join(self.work, f"watches-{n}.rules")
        with open(path) as f, open(wpath, "w") as o:
            o.writelines(l for l in f if l.startswith("-w "))
        n_w = sum(1 for l in open(wpath))
        self.h("set-enabled", "1")
        # the kernel's floors, no daemon running: the same rules deleted and added by a raw client
        # (full batches), and auditctl -D alone (one DEL per message, as it sends them)
        fl = {"del": [], "add": [], "wdel": [], "wadd": [], "auditctl": []}
        for _ in range(3 if self.quick else 5):
            self.h("clear")
            fl["add"].append(self.floor_add(path)[0])
            fl["del"].append(int(self.h("clear").split()[0]) / 1e6)
            fl["wadd"].append(self.floor_add(wpath)[0])
            fl["wdel"].append(int(self.h("clear").split()[0]) / 1e6)
            self.timed(self.ctl, "apply", "-q", path)
            self.expect_rules(n, "apply")
            fl["auditctl"].append(self.trial("auditctl -D", lambda: self.timed(self.auditctl, "-D")))
        self.timed(self.ctl, "apply", "-q", path)
        self.expect_rules(n, "apply")
        pid = self.start_daemon(path)
        time.sleep(1.5)
        out = self.h("latency", "--rules", path, "--pid", pid, "--trials", trials, "--gap-ms", ISOLATED_GAP_MS, "--watches")
        self.latency_rows("4w", n, out, trials, {
            "delete": ("p50 < 3 ms, p99 < 10 ms (row 4's)", lambda p50, p99: p50 < 3 and p99 < 10),
            "watch": True})
        dlog = os.path.join(self.work, "daemon.log")
        wipes = []
        for _ in range(wipe_trials):
            size = os.path.getsize(dlog)
            o = self.h("wipe", "--rules", path, "--pid", pid, "--gap-ms", ISOLATED_GAP_MS).split()
            time.sleep(0.2)
            with open(dlog) as f:
                f.seek(size)
                text = f.read()
            passes = re.findall(r"Repaired in ([0-9.]+) ms: (\d+) added", text)
            wipes.append((int(o[0]) / 1e6, int(o[1]) / 1e6, int(o[2]) / 1e6, int(o[3]), int(o[4]), int(o[5]),
                          [(float(a), int(b)) for a, b in passes], "Flapping" in text))
        self.stop_daemon()
        ac = [w[0] for w in wipes]
        tot = [w[1] for w in wipes]
        tail = [w[1] - w[0] for w in wipes]
        npass = [len(w[6]) for w in wipes]
        per_pass = [t / 1e3 for w in wipes for t, _ in w[6]]
        added = [a for w in wipes for _, a in w[6]]
        flaps = sum(w[7] for w in wipes)
        fb = sum(w[5] for w in wipes)
        case = f"auditctl -D of N={n} ({n_w} watches) while auditkeepd keeps them"
        self.add_row("4w", case, "until the kernel holds the rules again (from auditctl's start)", tot, "", "",
                     f"passes per -D: median {self.med(npass)} [{min(npass)}–{max(npass)}]; {flaps} runs flapping; "
                     f"{fb} confirmed by LIST polling")
        self.add_row("4w", case, "auditctl -D itself (spawn to reap), fighting the daemon", ac,
                     f"÷ alone {self.med(ac) / self.med(fl['auditctl']):.2f}×")
        self.add_row("4w", case, "after auditctl's exit: the daemon's last pass", tail)
        if per_pass:
            self.add_row("4w", case, "one repair pass (the daemon's 'Repaired in': first record of its burst → ADDs answered)",
                         per_pass, "", "", f"rules added per pass: median {self.med(added)} [{min(added)}–{max(added)}]")
        self.add_row("4w", f"kernel floors, N={n}, no daemon", "auditctl -D alone (one DEL per message)", fl["auditctl"])
        self.add_row("4w", f"kernel floors, N={n}, no daemon", f"raw DEL of all {n} (full batches)", fl["del"])
        self.add_row("4w", f"kernel floors, N={n}, no daemon", f"raw ADD of all {n} (full batches)", fl["add"])
        self.add_row("4w", f"kernel floors, N={n}, no daemon", f"raw DEL of the {n_w} watches alone", fl["wdel"])
        self.add_row("4w", f"kernel floors, N={n}, no daemon", f"raw ADD of the {n_w} watches alone", fl["wadd"])

    def row_idle(self, path, n, seconds, poll):
        log(f"row 5: idle daemon, N={n}, auditing enabled, {seconds} s")
        self.timed(self.ctl, "apply", "-q", path)
        self.expect_rules(n, "apply")
        # Auditing on, as row 4 leaves it (--only idle skips row 4): with enabled=0 the kernel logs
        # no rule change, so every poll is a full check (GET + LIST + plan; daemon/poll.c), not the
        # lone GET this row is about.
        self.h("set-enabled", "1")
        pid = self.start_daemon(path, poll)
        time.sleep(3)
        hz = os.sysconf("SC_CLK_TCK")

        def ticks():
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            return int(fields[11]) + int(fields[12])     # utime + stime

        def ns():
            tot = 0
            for tid in os.listdir(f"/proc/{pid}/task"):
                with open(f"/proc/{pid}/task/{tid}/schedstat") as f:
                    tot += int(f.read().split()[0])
            return tot

        def status():
            d = {}
            with open(f"/proc/{pid}/status") as f:
                for line in f:
                    k, _, v = line.partition(":")
                    d[k] = v.strip()
            return d

        def ctxt():
            s = status()
            return int(s["voluntary_ctxt_switches"]) + int(s["nonvoluntary_ctxt_switches"])

        rec = subprocess.Popen([self.helper, "records", str(seconds + 2)], stdout=subprocess.PIPE, text=True)
        time.sleep(1)
        t0, c0, k0, n0 = time.monotonic(), ctxt(), ticks(), ns()
        last = c0
        active = []
        while time.monotonic() - t0 < seconds:
            time.sleep(0.02)
            c = ctxt()
            if c != last:
                active.append(time.monotonic() - t0)
                last = c
        t1, c1, k1, n1 = time.monotonic(), ctxt(), ticks(), ns()
        st = status()
        rec_out = rec.communicate()[0].split()
        self.stop_daemon()
        window = t1 - t0
        bursts = 0
        prev = None
        for a in active:
            if prev is None or a - prev > 0.5:
                bursts += 1
            prev = a
        polls = window / poll
        cpu_pct = (n1 - n0) / 1e9 / window * 100
        rss_kib = int(st["VmRSS"].split()[0])
        wake = c1 - c0
        ok_wake = bursts <= math.ceil(polls) + 1
        per_poll_ms = (n1 - n0) / 1e6 / max(polls, 1)
        ok_cpu = per_poll_ms <= 1.0
        ok_rss = rss_kib <= 6 * 1024
        self.rows.append(
            f"| 5 | idle N={n}, in sync, {window:.0f} s, poll {poll} s | auditkeepd | 1 | CPU {(n1 - n0) / 1e6:.1f} ms "
            f"({cpu_pct:.4f}% of a core; {per_poll_ms:.2f} ms per poll; utime+stime {k1 - k0} ticks of 1/{hz} s) | | "
            f"≤1 ms CPU per poll: {self.verdict(ok_cpu)} | |")
        self.rows.append(
            f"| 5 | idle N={n} | auditkeepd | 1 | {wake} context switches in {bursts} bursts "
            f"(≈{polls:.1f} poll timer expiries; {wake / max(bursts, 1):.1f} switches per burst) | | only the poll timer: "
            f"{self.verdict(ok_wake)} | {rec_out[0] if rec_out else '?'} audit records on the multicast group meanwhile |")
        kib = lambda k: int(st.get(k, "0 kB").split()[0]) / 1024
        self.rows.append(
            f"| 5 | idle N={n} | auditkeepd | 1 | VmRSS {rss_kib / 1024:.2f} MiB (VmHWM {kib('VmHWM'):.2f} MiB) | | "
            f"RSS ≤ 6 MiB: {self.verdict(ok_rss)} | RssAnon {kib('RssAnon'):.2f} MiB, RssFile {kib('RssFile'):.2f} MiB "
            f"(shared libraries), RssShmem {kib('RssShmem'):.2f} MiB |")

    # ---------------------------------------------------------------- main

    def machine(self):
        model = "?"
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
        with open("/proc/loadavg") as f:
            load = " ".join(f.read().split()[:3])
        try:
            acv = subprocess.run([self.auditctl, "-v"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                 text=True).stdout.strip()
        except OSError:
            acv = "?"
        return (f"nproc {os.cpu_count()}, kernel {platform.release()}, CPU {model}, "
                f"load average {load}, {acv}, {self.tree_id()}")

    @staticmethod
    def tree_id():
        """Which code was measured: HEAD plus a digest of the working tree's sources (others may be
        editing them; read-only, no git command that writes)."""
        import hashlib
        repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
        try:
            head = subprocess.run(["git", "-C", repo, "rev-parse", "--short", "HEAD"], stdout=subprocess.PIPE,
                                  stderr=subprocess.DEVNULL, text=True).stdout.strip() or "?"
        except OSError:
            head = "?"
        h = hashlib.sha256()
        for d in ("include", "common", "lib", "tools", "daemon"):
            for root, dirs, files in sorted(os.walk(os.path.join(repo, d))):
                dirs.sort()
                for f in sorted(files):
                    if f.endswith((".c", ".h")):
                        with open(os.path.join(root, f), "rb") as fh:
                            h.update(f.encode() + b"\0" + fh.read())
        return f"source: HEAD {head}, working-tree digest {h.hexdigest()[:12]}"

    def run(self):
        a = self.a
        q = self.quick
        os.makedirs(self.work, exist_ok=True)
        open(self.logfile, "w").close()
        lockf = open(LOCK_PATH, "a+")
        try:
            fcntl.flock(lockf, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            log(f"waiting for {LOCK_PATH} (someone is running kernel tests)")
            fcntl.flock(lockf, fcntl.LOCK_EX)
        self.lock_wait = time.monotonic() - self.started
        self.started = time.monotonic()
        st = self.check_kernel()
        machine_before = self.machine()
        log(f"machine: {machine_before}")
        log(f"saving the kernel's audit state (enabled={st['enabled']}, {st['rules']} rules)")
        self.h("save", self.saved)
        results = {}
        try:
            self.h("clear")
            probe = [int(x) / 1e6 for x in self.h("floor-del", 5).split()]
            slow_delete = self.med(probe) > 0.002
            log(f"one rule delete costs {self.med(probe) * 1e3:.2f} ms here"
                + (" (slow: fewer full-reload trials)" if slow_delete else ""))
            big_reload = 3 if slow_delete else 5

            s400, _ = self.gen(400, "synthetic-400.rules")
            s1000, _ = self.gen(1000, "synthetic-1000.rules")
            s5000, nsys = self.gen(5000, "synthetic-5000.rules")
            s5000b, _ = self.gen(5000, "synthetic-5000-changed.rules", changed=nsys // 2)
            if a.only == "idle":       # the idle row alone (a short check of the idle cost)
                self.row_idle(s1000, 1000, 10 if q else 60, 10)
            elif a.only == "flood":    # row 4f alone (A/B runs of two daemon builds)
                self.row_latency_flood(s400, 400, 20 if q else 100)
            elif a.only == "repair":   # the repair rows alone: 4, 4f, 4w
                self.row_latency(s400, 400, 20 if q else 100)
                self.row_latency_flood(s400, 400, 20 if q else 100)
                self.row_watches(s400, 400, 10 if q else 50, 3 if q else 9)
            else:
                sizes = (400, 1000) if a.only == "small" else () if a.only == "noop" else (400, 1000, 5000)
                ex_src, ex, dropped = self.example_file()
                if dropped:
                    self.notes.append(f"Example file {ex_src}: dropped {len(dropped)} rule(s) the kernel refuses on this "
                                      f"machine (auditctl -R stops at the first refused rule): {'; '.join(dropped)}")

                spawn = [self.timed("/bin/true")[0] for _ in range(21)]
                self.add_row(0, "environment", "spawn + reap /bin/true (process start cost here)", spawn)
                self.spawn_med = self.med(spawn)
                s30, _ = self.gen(30, "synthetic-30.rules")
                self.row_start(s30, s1000, 1000, 11 if q else 21, s5000)

                results["cold"] = {}
                # Each cold trial starts from an empty kernel: with slow deletes, emptying 5000 rules
                # costs a minute, so fewer trials then.
                cold_trials = {400: 5, 1000: 3, 5000: 2} if slow_delete else {400: 9, 1000: 9, 5000: 5}
                for n, path in ((n, {400: s400, 1000: s1000, 5000: s5000}[n]) for n in sizes):
                    results["cold"][n] = self.row_cold(f"N={n}", path, n, 3 if q else cold_trials[n])
                if ex and a.only != "noop":
                    self.h("clear")
                    self.timed(self.ctl, "apply", "-q", ex)
                    n_ex = self.n_rules()
                    self.row_cold(f"{os.path.basename(ex_src)} ({n_ex} rules)", ex, n_ex, 3 if q else 9)

                results["noop"] = {}
                results["noop"][1000] = self.row_noop(s1000, 1000, 9 if q else 11, 3 if q else (3 if slow_delete else 9))
                if a.only != "small":
                    results["noop"][5000] = self.row_noop(s5000, 5000, 9, 0 if q else big_reload)
                if a.only is None:
                    self.row_change(s5000, s5000b, 5000, 5 if q else 9, 0 if q else big_reload, 1 if q else 3,
                                    0 if q else (1 if slow_delete else 2))

                    self.row_latency(s400, 400, 20 if q else 100)
                    self.row_latency_flood(s400, 400, 20 if q else 100)
                    self.row_watches(s400, 400, 10 if q else 50, 3 if q else 9)
                    self.row_idle(s1000, 1000, 10 if q else 60, 10)
        finally:
            signal.signal(signal.SIGINT, signal.SIG_IGN)
            signal.signal(signal.SIGTERM, signal.SIG_IGN)
            try:
                self.stop_daemon()
            finally:
                self.restore()
                shutil.rmtree(self.tree, ignore_errors=True)
                fcntl.flock(lockf, fcntl.LOCK_UN)
        took = time.monotonic() - self.started
        self.report(machine_before, took)

    def report(self, machine, took):
        out = []
        out.append(f"## auditkeep bench ({'--quick' if self.quick else 'full'}), {time.strftime('%Y-%m-%d %H:%M')}")
        out.append("")
        out.append(f"Machine: {machine}. Load average at the end: {open('/proc/loadavg').read().split()[0]}. "
                   f"Run took {took / 60:.1f} min" + (f" (after {self.lock_wait / 60:.1f} min waiting for the kernel lock)."
                                                    if self.lock_wait > 1 else "."))
        out.append("")
        out.append("Times in ms: median [min–max] over the trials, all methods of a case interleaved in the same "
                   "run. \"÷\" is auditkeep's median divided by that reference's median.")
        out.append("")
        out.append("| row | case | method | trials | ms: median [min–max] | auditkeep ÷ this | target | notes |")
        out.append("|---|---|---|---|---|---|---|---|")
        out += self.rows
        if self.notes or self.failures:
            out.append("")
            out += [f"- {n}" for n in self.notes]
        for m, errs in self.failures.items():
            out.append(f"- {m}: {len(errs)} failed attempt(s), retried: " + "; ".join(errs[:3]))
        text = "\n".join(out) + "\n"
        print(text)
        kind = f"only-{self.a.only}" if self.a.only else "quick" if self.quick else "full"
        path = os.path.join(self.work, f"results-{kind}.md")
        with open(path, "w") as f:
            f.write(text)
        log(f"table written to {path}; command output in {self.logfile}")


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--quick", action="store_true", help="fewer trials, no 5000-rule full reloads, 10 s idle")
    p.add_argument("--only", choices=["idle", "repair", "flood", "small", "noop"],
                   help="run only these rows: idle (row 5, the idle daemon at 1000 rules), repair (rows 4, 4f, 4w), "
                        "flood (row 4f), small (rows 0-2 without loading 5000 rules: for a kernel whose rule "
                        "deletes are slow), noop (rows 0 and 2: no-op apply at 1000 and 5000 rules, no cold trials)")
    p.add_argument("--helper", required=True)
    p.add_argument("--ctl", required=True)
    p.add_argument("--daemon", required=True)
    p.add_argument("--bus-flood", required=True)
    p.add_argument("--workdir", default="/tmp/ak-bench")
    args = p.parse_args()

    def on_signal(signum, frame):
        raise SystemExit(f"bench: signal {signum}, restoring the kernel")
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGHUP, on_signal)
    # Also when started with SIGINT ignored (a background job of a non-interactive shell).
    signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        Bench(args).run()
    except KeyboardInterrupt:
        print("bench: interrupted; the kernel's audit state was restored", file=sys.stderr)
        sys.exit(130)
    except RuntimeError as e:
        print(f"bench: {e}; the kernel's audit state was restored", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
