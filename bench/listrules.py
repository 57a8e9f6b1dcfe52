#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""bench/listrules.py [--build DIR] [--rules N] [--trials T]: how long the daemon takes to answer
ListRules for N rules (default 5000) that the kernel holds in the reverse of the file's order
(issue #24 item 4: at most 10 ms), against the fake kernel: no real kernel, no lock, root only for
the private system bus (the project's policy lets root alone own the name and call the method).

The daemon (DIR/daemon/auditkeepd under DIR/tests/fake-kernel-serve: a build with tests, e.g. the
project's ./build) starts on the reversed file, so the fake kernel holds the rules in that order;
the file is then rewritten in forward order and reloaded. The rules are watches on distinct paths
(no two can match the same event), so the relaxed planner keeps them all where they are: in sync,
every desired rule in the reverse position of its kernel rule. Each trial makes one
`busctl call ... ListRules`; the answer's time is the one between the call and its reply as
`busctl monitor` receives them (the bus's timestamps: the daemon's work plus two hops through the
bus), and one `busctl call ... GetLastDrift` (a trivial answer) shows what the hops alone cost.
The whole client call (busctl's start, and its reading of the 5000 rows) and the daemon's CPU
time per call (utime + stime from /proc, which the machine's load does not inflate) are shown
for information. Prints one Markdown row (bench/RESULTS.md)."""

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

here = os.path.dirname(os.path.abspath(__file__))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--build", default=os.path.join(here, "..", "build"), help="a build directory with tests")
    ap.add_argument("--rules", type=int, default=5000)
    ap.add_argument("--trials", type=int, default=15)
    a = ap.parse_args()
    os.environ["AK_BUILDDIR"] = os.path.abspath(a.build)
    os.environ.setdefault("AK_SRCDIR", os.path.join(here, ".."))
    sys.path.insert(0, os.path.join(here, "..", "tests", "helpers"))
    from akharness import BUS_IFACE, BUS_NAME, BUS_PATH, FAKE_KERNEL_SERVE, Bus, Daemon, Monitor
    if os.geteuid() != 0:
        sys.exit("bench/listrules.py: run as root (the private bus lets only root own org.auditkeep1)")
    if not os.path.exists(FAKE_KERNEL_SERVE):
        sys.exit(f"bench/listrules.py: {FAKE_KERNEL_SERVE} is missing: --build needs a build with tests")

    tmp = tempfile.mkdtemp(prefix="ak-bench-listrules-")
    rules = os.path.join(tmp, "bench.rules")
    lines = [f"-w /ak-bench/d{i // 20:04d}/f{i % 20:02d} -p wa -k bench-{i:05d}\n" for i in range(a.rules)]

    def write(text_lines):
        with open(rules + ".new", "w") as f:
            f.writelines(text_lines)
        os.chmod(rules + ".new", 0o600)
        os.rename(rules + ".new", rules)

    bus = daemon = monitor = None
    try:
        write(reversed(lines))
        bus = Bus(tmp, os.path.join(tmp, "bus"))
        env = dict(os.environ, DBUS_SYSTEM_BUS_ADDRESS=bus.address)
        daemon = Daemon(tmp, ["--rules", rules, "--poll-interval", "3600"], env=env, bus=bus.address,
                        fake_kernel=True)
        daemon.notify.wait_for("READY=1", timeout=120)
        bus.wait_name(BUS_NAME)
        busctl = ["busctl", "--address=" + bus.address, "call", BUS_NAME, BUS_PATH, BUS_IFACE]
        write(lines)
        r = subprocess.run(busctl + ["Reload"], capture_output=True, text=True, timeout=300)
        if r.returncode != 0 or r.stdout.split() != ["uuu", "0", "0", "0"]:
            sys.exit(f"bench/listrules.py: the reload changed the kernel or failed ({r.stdout.strip()} "
                     f"{r.stderr.strip()}): the rules would not stay in reverse order")

        monitor = Monitor(bus.address)

        def answer_ms(method, since):
            """The time between the call and its reply as the monitor saw them, in ms."""
            end = time.monotonic() + 30
            while time.monotonic() < end:
                with monitor.lock:
                    msgs = monitor.messages[since:]
                calls = [m for m in msgs if m.get("type") == "method_call" and m.get("member") == method]
                for c in calls:
                    for m in msgs:
                        if m.get("type") == "method_return" and m.get("reply_cookie") == c.get("cookie") \
                                and m.get("destination") == c.get("sender"):
                            return (m["timestamp-realtime"] - c["timestamp-realtime"]) / 1000
                time.sleep(0.02)
            sys.exit(f"bench/listrules.py: the monitor saw no answer to {method}")

        def timed(method):
            since = monitor.mark()
            t = time.monotonic()
            r = subprocess.run(busctl + [method], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            took = (time.monotonic() - t) * 1000
            if r.returncode != 0:
                sys.exit(f"bench/listrules.py: {method} failed: {r.stderr.strip()}")
            return took, r.stdout, answer_ms(method, since)

        _, out, _ = timed("ListRules")
        loaded = out.count('"loaded"')
        if loaded != a.rules:
            sys.exit(f"bench/listrules.py: ListRules says {loaded} of {a.rules} rules loaded")
        def cpu_ticks():
            with open(f"/proc/{daemon.pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            return int(fields[11]) + int(fields[12])       # utime + stime

        lr, base, whole = [], [], []
        ticks = cpu_ticks()
        for i in range(a.trials):
            for method in (("ListRules", "GetLastDrift") if i % 2 == 0 else ("GetLastDrift", "ListRules")):
                took, _, ans = timed(method)
                if method == "ListRules":
                    lr.append(ans)
                    whole.append(took)
                else:
                    base.append(ans)
        cpu_ms = (cpu_ticks() - ticks) * 1000 / os.sysconf("SC_CLK_TCK") / a.trials
        m_lr, m_base = statistics.median(lr), statistics.median(base)
        verdict = lambda v: "met" if v <= 10 else "**MISSED**"     # noqa: E731
        print(f"| 7 | ListRules N={a.rules}, kernel in reverse order (fake kernel) | auditkeepd: call to reply on the bus | "
              f"{a.trials} | {m_lr:.2f} [{min(lr):.2f}–{max(lr):.2f}] | | ≤ 10 ms: daemon CPU {cpu_ms:.1f} ms {verdict(cpu_ms)}; "
              f"call to reply {verdict(m_lr)} at load {os.getloadavg()[0]:.1f} | the daemon's CPU per call (with one "
              f"GetLastDrift): {cpu_ms:.1f} ms; GetLastDrift call to reply (the hops): {m_base:.2f} "
              f"[{min(base):.2f}–{max(base):.2f}]; whole busctl call: {statistics.median(whole):.1f} "
              f"[{min(whole):.1f}–{max(whole):.1f}] |")
    finally:
        if monitor:
            monitor.stop()
        if daemon:
            daemon.kill()
            daemon.log.close()
        if bus:
            bus.stop()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
