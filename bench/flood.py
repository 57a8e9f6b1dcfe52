#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""What a flood of audit records costs auditkeepd, on the real kernel (issue #22, bounded cost):

  syscall loop   two processes of an unprivileged user (nobody) call getppid as fast as they can
                 for SECONDS, with a rule that audits it (-S getppid -F uid=65534): hundreds of
                 thousands of SYSCALL records, none of which tells of a configuration change;
  watched name   one process of that user creates and deletes a watched name for WATCH_SECONDS.

For each, the daemon's CPU time over the load's wall time, and, in the middle of the load, an
`auditctl -D`: the time until the kernel holds the rules again and whether the report names
auditctl. With --reference DAEMON (e.g. a build of an older commit) the same runs are made with
it, interleaved, so the rows compare in one run.

usage: sudo bench/flood.py [--seconds 4] [--watch-seconds 20] [--reference PATH] [--daemon PATH]
Root with CAP_AUDIT_CONTROL/CAP_AUDIT_READ; holds the kernel lock; restores the kernel's rules and
status at the end. Not part of the test suite."""

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "helpers"))
import akharness as ak  # noqa: E402

NOBODY = 65534


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def as_nobody(*cmd):
    return subprocess.Popen(["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups", *cmd],
                            stdout=subprocess.PIPE, text=True)


def one_run(daemon_bin, tmp, kind, seconds, load_bin):
    watched = os.path.join(tmp, "w")
    os.makedirs(watched, exist_ok=True)
    os.chmod(tmp, 0o755)
    os.chown(watched, NOBODY, NOBODY)
    name = os.path.join(watched, "name")
    rules = os.path.join(tmp, "flood.rules")
    base = [f"-a always,exit -F arch=b64 -S openat -F exit=-EACCES -F key=ak-flood-{i}" for i in range(3)]
    load_rule = (f"-a always,exit -F arch=b64 -S getppid -F uid={NOBODY} -k ak-flood-load" if kind == "syscall"
                 else f"-w {name} -p wa -k ak-flood-watch")
    with open(rules, "w") as f:
        f.write("\n".join(["-D", "-e 1", "-b 8192", *base, load_rule]) + "\n")
    ak.sh("auditctl", "-D")
    daemon_args = ["--rules", rules, "--poll-interval", "10"]
    ak.DAEMON = daemon_bin      # the Daemon harness starts ak.DAEMON
    d = ak.Daemon(tmp, daemon_args, debug=False)
    try:
        d.notify.wait_for("READY=1", timeout=60)
        want = sorted(ak.kernel_rules())
        time.sleep(0.5)
        if kind == "syscall":
            loads = [as_nobody(load_bin, "getppid", str(seconds)) for _ in range(2)]
        else:
            loads = [as_nobody(load_bin, "watch", name, str(seconds))]
        c0, t0 = cpu_seconds(d.pid), time.monotonic()
        time.sleep(seconds / 2)
        mark = d.mark()
        td = time.monotonic()
        ak.sh("auditctl", "-D")
        repaired = ak.wait_until(lambda: sorted(ak.kernel_rules()) == want, timeout=10, step=0.002)
        repair_s = time.monotonic() - td
        ops = sum(int(p.communicate(timeout=seconds + 30)[0].strip() or 0) for p in loads)
        spent, elapsed = cpu_seconds(d.pid) - c0, time.monotonic() - t0
        m = d.wait_log(r"Drift detected \([a-z]+\): (.*), by (.*)\n", after=mark, timeout=10)
        named = "comm=auditctl" in m.group(2)
        lost = len(re.findall(r"Audit records were lost on the event socket", d.text()))
        return {"cpu": spent / elapsed, "ops": ops, "repaired": repaired, "repair_ms": repair_s * 1000,
                "named": named, "overruns": lost}
    finally:
        d.stop()
        d.log.close()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seconds", type=float, default=4.0)
    ap.add_argument("--watch-seconds", type=float, default=20.0)
    ap.add_argument("--daemon", default=ak.DAEMON, help="the auditkeepd to measure (default: the build's)")
    ap.add_argument("--reference", help="another auditkeepd to compare with, in the same run")
    a = ap.parse_args()
    ak.skip_unless_usable()
    work = tempfile.mkdtemp(prefix="ak-flood-")
    load_bin = os.path.join(work, "flood-load")
    subprocess.run(["cc", "-O2", "-o", load_bin, os.path.join(HERE, "flood-load.c")], check=True)
    os.chmod(work, 0o755)
    daemons = [("auditkeepd", a.daemon)] + ([("reference", a.reference)] if a.reference else [])
    rows = []
    with ak.KernelLock():
        saved = ak.KernelState()
        try:
            for kind, secs in (("syscall", a.seconds), ("watch", a.watch_seconds)):
                for label, binary in daemons:
                    tmp = tempfile.mkdtemp(prefix=f"{kind}-", dir=work)
                    r = one_run(binary, tmp, kind, secs, load_bin)
                    rows.append((kind, label, r))
                    print(f"{kind} {label}: {r}", file=sys.stderr, flush=True)
        finally:
            saved.restore()
    shutil.rmtree(work, ignore_errors=True)
    print("| load | daemon | daemon CPU | load ops | auditctl -D repaired in | changer named | overruns |")
    print("|---|---|---|---|---|---|---|")
    for kind, label, r in rows:
        what = (f"getppid x2 as nobody, {a.seconds:g} s" if kind == "syscall"
                else f"create/delete a watched name as nobody, {a.watch_seconds:g} s")
        print(f"| {what} | {label} | {r['cpu'] * 100:.1f}% | {r['ops']} | "
              f"{r['repair_ms']:.1f} ms{'' if r['repaired'] else ' (NOT repaired)'} | {'yes' if r['named'] else 'no'} | "
              f"{r['overruns']} |")


if __name__ == "__main__":
    main()
