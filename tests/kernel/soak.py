#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Soak: auditkeepd (real kernel, --poll-interval 1) under a seeded, bounded random mix of
outside changes for SECONDS (default 600): rules deleted (one, or all), foreign rules added,
the order that decides recording broken, status fields changed, auditing disabled, watched
directories removed and re-created.

At the end:
  - the kernel equals the desired state: `auditctl -l` as a set, the status fields the rules set,
    and the ordering that matters (the `never` rule before the `always` rule it overlaps);
  - resident memory grew by less than 5% (VmRSS after the warm-up against the end);
  - no file descriptor leaked (/proc/PID/fd counted after the warm-up and at the end);
  - every change was logged: each one is covered by a "Drift detected" line within its time
    window (coalescing allowed), and the changes made by auditctl while auditing was on are
    attributed to it (comm=auditctl) by a covering line;
  - the daemon is still running and exits 0 on SIGTERM.

usage: soak.py [SECONDS] [--seed N] [--json FILE]
Needs root with CAP_AUDIT_CONTROL/CAP_AUDIT_READ in the initial namespaces (exit 77 otherwise).
Holds the kernel lock throughout; restores the kernel's rules and status at the end."""

import argparse
import json
import os
import random
import re
import shutil
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "helpers"))
import akharness as ak  # noqa: E402

POLL = 1.0
WINDOW = 2 * POLL + 3.0      # detection: a record at once, or the poll; plus the fight backoff (0.8 s)
RSS_GROWTH_MAX = 0.05
WANT_STATUS = {"enabled": 1, "failure": 1, "backlog_limit": 1234, "rate_limit": 0, "backlog_wait_time": 15000}


def rules_text(tmp):
    return f"""# auditkeep soak
-D
-b 1234
-f 1
-r 0
--backlog_wait_time 15000
-e 1
-w {tmp}/w1/file -p wa -k ak-soak-w1
-w {tmp}/w2 -p rwxa -k ak-soak-w2
-a always,exit -F arch=b64 -S unlinkat,renameat -F dir={tmp}/w2 -F key=ak-soak-del
-a always,exit -F arch=b64 -S openat -F exit=-EACCES -F key=ak-soak-access
-a never,exit -F arch=b64 -S chmod -F auid=1234
-a always,exit -F arch=b64 -S chmod,fchmod -F auid>=1000 -F auid!=unset -k ak-soak-perm
-a always,exit -F arch=b64 -S execve -F euid=0 -F auid>=1000 -F auid!=unset -k ak-soak-exec
-a always,exclude -F msgtype=CWD
"""


class Soak:
    def __init__(self, seconds, seed):
        self.seconds = seconds
        self.rnd = random.Random(seed)
        self.seed = seed
        self.changes = []       # dicts: t0, t1, kind, what, by_auditctl, audit_on
        self.failed = 0         # changes that did not apply (the state had moved on)

    # ---- the outside world ----

    def auditctl(self, *args):
        r = ak.sh("auditctl", *args, check=False)
        return "rror" not in r and "There was" not in r, r

    def status(self):
        return ak.kernel_status()

    def record(self, t0, kind, what, ok, by_auditctl=True, audit_on=None):
        t1 = time.monotonic()
        if not ok:
            self.failed += 1
            return
        self.changes.append({"t0": t0, "t1": t1, "kind": kind, "what": what, "by_auditctl": by_auditctl,
                             "audit_on": audit_on})

    def one_change(self):
        rnd = self.rnd
        kind = rnd.choices(["del_one", "del_all", "foreign", "reorder", "status", "disable", "rmdir"],
                           weights=[20, 8, 15, 12, 20, 8, 10])[0]
        st = self.status()
        audit_on = st.get("enabled") == 1
        rules = ak.kernel_rules()
        t0 = time.monotonic()
        if kind == "del_one":
            mine = [r for r in rules if "ak-soak" in r or "never,exit" in r or "exclude" in r]
            if not mine:
                return self.record(t0, kind, "", False)
            r = rnd.choice(mine)
            args = ["-W", *r.split()[1:]] if r.startswith("-w") else ["-d", *r.split()[1:]]
            ok, _ = self.auditctl(*args)
            self.record(t0, kind, r, ok, audit_on=audit_on)
        elif kind == "del_all":
            ok, _ = self.auditctl("-D")
            self.record(t0, kind, "-D", ok and bool(rules), audit_on=audit_on)
        elif kind == "foreign":
            which = rnd.choice([["-A", "never,exit", "-F", "arch=b64", "-S", "openat"],
                                ["-a", "always,exit", "-F", "arch=b64", "-S", "mkdir", "-k", "ak-soak-foreign"],
                                ["-w", "/etc/hostname", "-p", "wa", "-k", "ak-soak-foreign-w"]])
            ok, _ = self.auditctl(*which)
            self.record(t0, kind, " ".join(which), ok, audit_on=audit_on)
        elif kind == "reorder":
            never = [r for r in rules if r.startswith("-a never,exit")]
            if not never:
                return self.record(t0, kind, "", False)
            ok1, _ = self.auditctl("-d", *never[0].split()[1:])
            ok2, _ = self.auditctl("-a", *never[0].split()[1:])
            self.record(t0, kind, "never rule moved to the end", ok1 and ok2, audit_on=audit_on)
        elif kind == "status":
            field, value = rnd.choice([("-b", rnd.randrange(100, 9000)), ("-r", rnd.randrange(1, 1000)),
                                       ("-f", 0), ("--backlog_wait_time", rnd.randrange(1000, 60000))])
            name = {"-b": "backlog_limit", "-r": "rate_limit", "-f": "failure",
                    "--backlog_wait_time": "backlog_wait_time"}[field]
            if st.get(name) == value:
                return self.record(t0, kind, "", False)
            ok, _ = self.auditctl(field, str(value))
            self.record(t0, kind, f"{field} {value}", ok, audit_on=audit_on)
        elif kind == "disable":
            if not audit_on:
                return self.record(t0, kind, "", False)
            ok, _ = self.auditctl("-e", "0")
            self.record(t0, kind, "-e 0", ok, audit_on=audit_on)
        elif kind == "rmdir":
            d = rnd.choice(["w1", "w2"])
            path = os.path.join(self.tmp, d)
            if not os.path.isdir(path):
                return self.record(t0, kind, "", False)
            shutil.rmtree(path)
            # the kernel drops the watches under it by itself: a change, not made by auditctl
            self.record(t0, kind, f"rm -r {d}", True, by_auditctl=False, audit_on=audit_on)
            self.recreate_at[d] = time.monotonic() + rnd.uniform(0.2, 4.0)

    def recreate_due(self, force=False):
        for d, when in list(self.recreate_at.items()):
            if force or time.monotonic() >= when:
                os.makedirs(os.path.join(self.tmp, d), exist_ok=True)
                if d == "w1":
                    open(os.path.join(self.tmp, d, "file"), "a").close()
                del self.recreate_at[d]

    def in_sync(self):
        st = self.status()
        return sorted(ak.kernel_rules()) == self.desired and all(st.get(k) == v for k, v in WANT_STATUS.items())

    # ---- the run ----

    def run(self):
        with ak.KernelLock():
            saved = ak.KernelState()
            self.tmp = tempfile.mkdtemp(prefix="ak-soak-")
            try:
                return self._run()
            finally:
                if self.daemon:
                    self.daemon.kill()
                saved.restore()
                left = saved.check_restored()
                if left:
                    print(f"soak: the kernel state was not fully restored: {left}", file=sys.stderr)
                shutil.rmtree(self.tmp, ignore_errors=True)

    daemon = None

    def _run(self):
        self.recreate_at = {}
        for w in ("w1", "w2"):
            os.mkdir(os.path.join(self.tmp, w))
        open(os.path.join(self.tmp, "w1", "file"), "w").close()
        rules = os.path.join(self.tmp, "soak.rules")
        with open(rules, "w") as f:
            f.write(rules_text(self.tmp))
        os.chmod(rules, 0o600)
        ak.sh("auditctl", "-D")
        self.daemon = dm = ak.Daemon(self.tmp, ["--rules", rules, "--poll-interval", str(POLL)], timestamps=True)
        dm.notify.wait_for("READY=1", timeout=60)
        self.desired = sorted(ak.kernel_rules())
        self.desired_order = ak.kernel_rules()
        assert len(self.desired) == 8, self.desired

        # warm-up: a few changes, then the baseline
        warm_end = time.monotonic() + min(30.0, max(5.0, self.seconds * 0.1))
        while time.monotonic() < warm_end:
            self.one_change()
            self.recreate_due()
            time.sleep(self.rnd.uniform(0.1, 1.0))
        self.recreate_due(force=True)
        ak.wait_until(self.in_sync, timeout=15, step=0.1)
        # idle before measuring: two polls after it (the settle check and the trim after a full
        # check are over)
        dm.wait_checks(dm.mark(), count=2, reasons=("poll", "poll-light"))
        rss0, fds0 = ak.proc_status(dm.pid, "VmRSS"), ak.count_fds(dm.pid)
        self.changes.clear()
        self.failed = 0
        t_start = time.monotonic()

        end = t_start + self.seconds
        while time.monotonic() < end:
            self.one_change()
            self.recreate_due()
            # mostly give the daemon time to repair; sometimes a burst
            if self.rnd.random() < 0.7:
                ak.wait_until(lambda: self.in_sync() or bool(self.recreate_at), timeout=3, step=0.05)
            time.sleep(self.rnd.uniform(0.02, 1.2))
        self.recreate_due(force=True)

        converged = ak.wait_until(self.in_sync, timeout=20, step=0.1)
        t_conv = time.monotonic()
        if converged:   # (not: the checks below say what is wrong)
            dm.wait_checks(dm.mark(), count=2, reasons=("poll", "poll-light"))
        rss1, fds1 = ak.proc_status(dm.pid, "VmRSS"), ak.count_fds(dm.pid)
        final_rules = ak.kernel_rules()
        final_status = self.status()
        alive = dm.proc.poll() is None

        # coverage and attribution
        drift = [(t, l) for t, l in dm.timed_lines() if "Drift detected" in l]
        uncovered, unattributed = [], []
        for c in self.changes:
            lines = [l for t, l in drift if c["t0"] <= t <= c["t1"] + WINDOW]
            if not lines:
                uncovered.append(c)
            elif c["by_auditctl"] and c["audit_on"] and not any("comm=auditctl" in l for l in lines):
                unattributed.append((c, lines))
        by = {}
        for _, l in drift:
            m = re.search(r", by (.*)$", l)
            who = m.group(1) if m else "?"
            key = "comm=auditctl" if "comm=auditctl" in who else ("unknown" if who.startswith("unknown") else
                                                                   re.sub(r"pid=[0-9]+ ", "", who)[:60])
            by[key] = by.get(key, 0) + 1

        never_i = [i for i, r in enumerate(final_rules) if r.startswith("-a never,exit")]
        perm_i = [i for i, r in enumerate(final_rules) if "ak-soak-perm" in r]
        order_ok = bool(never_i and perm_i and never_i[0] < perm_i[0])
        rc = dm.stop()

        kinds = {}
        for c in self.changes:
            kinds[c["kind"]] = kinds.get(c["kind"], 0) + 1
        result = {
            "seconds": self.seconds, "seed": self.seed, "changes": len(self.changes), "by_kind": kinds,
            "skipped_changes": self.failed, "drift_lines": len(drift), "drift_by": by,
            "uncovered": len(uncovered), "unattributed": len(unattributed),
            "converged": bool(converged), "converge_s": round(t_conv - end, 2),
            "order_ok": order_ok, "rules_ok": sorted(final_rules) == self.desired,
            "status_ok": all(final_status.get(k) == v for k, v in WANT_STATUS.items()),
            "rss_kb": [rss0, rss1], "rss_growth": round((rss1 - rss0) / rss0, 4),
            "fds": [fds0, fds1], "alive": alive, "exit": rc,
            "repairs": sum(1 for _, l in dm.timed_lines() if l.startswith("Repaired in")),
            "flapping": sum(1 for _, l in dm.timed_lines() if l.startswith("Flapping")),
            "pending_logged": sum(1 for _, l in dm.timed_lines() if l.startswith("Rule pending")),
        }
        problems = []
        if not result["rules_ok"]:
            problems.append(f"kernel rules differ: {final_rules} vs {self.desired}")
        if not result["status_ok"]:
            problems.append(f"status differs: {final_status}")
        if not order_ok:
            problems.append(f"the never rule is not before the always rule it overlaps: {final_rules}")
        if result["rss_growth"] >= RSS_GROWTH_MAX:
            problems.append(f"VmRSS grew {result['rss_growth'] * 100:.1f}% ({rss0} -> {rss1} kB)")
        if fds1 != fds0:
            problems.append(f"file descriptors: {fds0} -> {fds1}")
        for c in uncovered[:10]:
            problems.append(f"change not logged within {WINDOW} s: {c['kind']} {c['what']} at +{c['t0'] - t_start:.2f} s")
        for c, lines in unattributed[:10]:
            problems.append(f"auditctl change not attributed: {c['kind']} {c['what']} at +{c['t0'] - t_start:.2f} s: {lines}")
        if not alive or rc != 0:
            problems.append(f"daemon alive={alive} exit={rc}")
        if not self.changes:
            problems.append("no change was made")
        result["problems"] = problems
        return result


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("seconds", nargs="?", type=float, default=600.0)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--json", help="also write the result to this file")
    a = ap.parse_args()
    ak.skip_unless_usable()
    res = Soak(a.seconds, a.seed).run()
    print(json.dumps(res, indent=1))
    if a.json:
        with open(a.json, "w") as f:
            json.dump(res, f, indent=1)
    print(f"soak: {res['changes']} changes in {a.seconds:.0f} s (seed {a.seed}), {res['drift_lines']} drift lines, "
          f"{res['repairs']} repairs; converged in {res['converge_s']} s; VmRSS {res['rss_kb'][0]} -> {res['rss_kb'][1]} kB "
          f"({res['rss_growth'] * 100:+.2f}%); fds {res['fds'][0]} -> {res['fds'][1]}; "
          f"{'PASS' if not res['problems'] else 'FAIL: ' + '; '.join(res['problems'])}")
    return 1 if res["problems"] else 0


if __name__ == "__main__":
    sys.exit(main())
