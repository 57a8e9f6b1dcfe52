#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""What an operator relies on, on the real kernel: monitor mode writes nothing, warnings do not
withhold the lock, a 20-rule `auditctl -D` is attributed to auditctl and never to the daemon, and
the daemon refuses to loop where audit control is refused (a user or PID namespace).

Root with CAP_AUDIT_CONTROL in the initial namespaces (exit 77 otherwise); holds the shared
kernel lock throughout, saves the kernel's state first and restores it at the end."""

import json
import os
import re
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "helpers"))
from akharness import (CTL, DAEMON, Daemon, KernelTestCase, kernel_rules, kernel_status, sh,  # noqa: E402
                       skip_unless_usable, wait_until)


class TrustTest(KernelTestCase):
    tmp_prefix = "aktrust-"

    def setUp(self):
        self.daemon = None
        self.dir = tempfile.mkdtemp(dir=self.tmp)

    def tearDown(self):
        if self.daemon:
            self.daemon.stop()
            if self.id().endswith(("monitor_mode_writes_nothing", "rules_is_auditctls")):
                print(self.daemon.tail(30), file=sys.stderr)
            self.daemon.log.close()

    def rules(self, text, name="test.rules"):
        return self.write_file(os.path.join(self.dir, name), text)

    def test_monitor_mode_writes_nothing(self):
        """--mode=monitor on a kernel that differs: it reports, once, and the kernel keeps its
        foreign rule, its backlog and stays without the desired rules, through start, polls,
        reload and an outside change (which is reported, with its changer)."""
        sh("auditctl", "-D")
        sh("auditctl", "-e", "1")
        sh("auditctl", "-b", "321")
        sh("auditctl", "-a", "always,exit", "-F", "arch=b64", "-S", "kill", "-k", "ak-foreign")
        before_rules, before_status = kernel_rules(), kernel_status()
        path = self.rules("-D\n-b 4321\n-a always,exit -F arch=b64 -S openat -F exit=-EACCES -k ak-trust\n-e 1\n")
        self.daemon = d = Daemon(self.dir, ["--rules", path, "--mode", "monitor", "--poll-interval", "0.2"])
        d.notify.wait_for("READY=1")
        d.wait_log(r"Drift detected \(start, monitor mode: not repaired\): 1 rules removed; 1 rules added; "
                   r"backlog_limit set to 321 \(want 4321\)")
        # polls, then a reload (and polls after it) find the same difference: nothing new to say
        mark = d.mark()
        d.wait_checks(mark, count=3, reasons=("poll", "poll-light"))
        d.reload()
        d.wait_checks(d.mark(), count=2, reasons=("poll", "poll-light"))
        self.assertNotIn("drift: a new difference", d.text()[mark:])
        self.assertEqual(kernel_rules(), before_rules)
        self.assertEqual(kernel_status()["backlog_limit"], 321)
        self.assertEqual(len(re.findall("Drift detected", d.text())), 1, d.tail())

        # someone changes it further: a new difference, reported once with who did it
        sh("auditctl", "-b", "322")
        d.wait_log(r"Drift detected \((event|poll), monitor mode: not repaired\): .*backlog_limit set to 322 "
                   r"\(want 4321\), by pid=\d+ comm=auditctl exe=\S+auditctl auid=\S+ ses=\S+\n")
        mark = d.mark()
        d.wait_checks(mark, count=2, reasons=("poll", "poll-light"))
        self.assertNotIn("drift: a new difference", d.text()[mark:])
        self.assertEqual(len(re.findall("Drift detected", d.text())), 2, d.tail())
        self.assertEqual(kernel_status()["backlog_limit"], 322)
        self.assertEqual(kernel_rules(), before_rules)
        self.assertEqual(before_status["enabled"], kernel_status()["enabled"])
        self.assertEqual(d.stop(), 0)

    def test_warnings_do_not_withhold_the_lock(self):
        """A duplicate watch is a warning: `diff` plans the lock and says nothing of withholding
        it; a real error withholds it, and the message says which."""
        sh("auditctl", "-D")
        watched = os.path.join(self.dir, "w")
        os.mkdir(watched)
        path = self.rules(f"-w {watched} -p wa -k pw\n-w {watched} -p wa -k pw\n-e 2\n")
        r = subprocess.run([CTL, "diff", path], capture_output=True, text=True)
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertIn("~ enabled ", r.stdout)
        self.assertIn(" -> 2\n", r.stdout)
        self.assertNotIn("withheld", r.stdout + r.stderr)
        self.assertIn("warning:", r.stderr)

        path = self.rules(f"-w {watched} -p wa -k pw\n-a always,exit -F auidd=1 -S open\n-e 2\n", "bad.rules")
        r = subprocess.run([CTL, "diff", path], capture_output=True, text=True)
        self.assertEqual(r.returncode, 1)
        self.assertIn("lock (-e 2) withheld: the rules have 1 error\n", r.stdout)
        self.assertNotIn(" -> 2\n", r.stdout)
        self.assertNotEqual(kernel_status()["enabled"], 2)
        # the same exit status whatever the output: --json too says the lock is withheld
        sh(CTL, "apply", "-q", self.rules(f"-w {watched} -p wa -k pw\n", "in-force.rules"), check=False)
        r = subprocess.run([CTL, "diff", path], capture_output=True, text=True)
        rj = subprocess.run([CTL, "diff", "--json", path], capture_output=True, text=True)
        self.assertEqual((r.returncode, rj.returncode), (1, 1), r.stdout + rj.stdout)
        self.assertEqual(json.loads(rj.stdout), [])

    def test_minus_d_of_forty_rules_is_one_incident(self):
        """One auditctl -D of 40 rules (20 watches, 20 syscall rules) while the daemon repairs is
        one incident, however many passes the repair takes: one "Drift detected" report with the
        full count, naming auditctl (not 'unknown', not the daemon), that says how many passes the
        repair took (as many as "Repaired" lines); DriftEvents counts it once."""
        sh("auditctl", "-D")
        watched = os.path.join(self.dir, "w")
        os.mkdir(watched)
        lines = ["-D", "-e 1"]
        for i in range(20):
            lines.append(f"-w {watched}/f{i} -p wa -k ak-w{i}")
            lines.append(f"-a always,exit -F arch=b64 -S openat -F uid={1000 + i} -k ak-t{i}")
        path = self.rules("\n".join(lines) + "\n")
        self.daemon = d = Daemon(self.dir, ["--rules", path, "--poll-interval", "0.5"], debug=True)
        d.notify.wait_for("READY=1")
        self.assertEqual(len(kernel_rules()), 40)
        mark = d.mark()
        sh("auditctl", "-D")
        # the state that ends it: the report, and after it a poll that found the kernel in sync
        m = d.wait_log(r"Drift detected \((\w+)\): (.*), by (.*); repaired in (\d+) pass(?:es)?, [0-9.]+ ms\n", after=mark)
        d.wait_log(r"verify poll done: in-sync", after=mark + m.end())
        self.assertEqual(len(kernel_rules()), 40)
        text = d.text()[mark:]
        self.assertEqual(len(re.findall("Drift detected", text)), 1, d.tail())
        reason, what, by, passes = m.groups()
        self.assertEqual(what, "40 rules removed")
        self.assertEqual(int(passes), len(re.findall(r"^Repaired in", text, re.M)), d.tail())
        self.assertRegex(by, r"^pid=\d+ comm=auditctl exe=\S+auditctl auid=\S+ ses=\S+", (reason, what, by))
        self.assertNotIn(f"pid={d.pid} ", by)
        self.assertNotIn("unknown", by)
        print(f"auditctl -D of 40 rules: one report, repaired in {passes} passes", file=sys.stderr)

    def run_refused(self, prefix):
        path = self.rules("-b 8192\n")
        env = dict(os.environ, DBUS_SYSTEM_BUS_ADDRESS="unix:path=/nonexistent")
        env.pop("NOTIFY_SOCKET", None)
        t0 = time.monotonic()
        r = subprocess.run([*prefix, DAEMON, "--rules", path, "--poll-interval", "0.2"], capture_output=True, text=True,
                           env=env, timeout=30)
        return r, time.monotonic() - t0

    def test_container_exits_once(self):
        """Where audit control is refused (a user namespace: ECONNREFUSED; a PID namespace:
        EPERM), the daemon says why and exits with 4, which the unit does not restart."""
        backlog = kernel_status()["backlog_limit"]
        for prefix, why in ((["unshare", "--user", "--map-root-user"], "refused in this user namespace"),
                            (["unshare", "--pid", "--fork"], "refused here (Operation not permitted)")):
            r, took = self.run_refused(prefix)
            self.assertEqual(r.returncode, 4, r.stdout + r.stderr)
            self.assertIn(why, r.stderr)
            self.assertIn("exiting", r.stderr)
            self.assertNotIn("Restart", r.stderr)
            self.assertLess(took, 10)
        self.assertEqual(kernel_status()["backlog_limit"], backlog)
        with open(os.path.join(os.environ.get("AK_BUILDDIR", "build"), "systemd", "auditkeepd.service")) as f:
            unit = f.read()
        self.assertIn("\nRestartPreventExitStatus=4 6\n", unit)


if __name__ == "__main__":
    skip_unless_usable()
    unittest.main(verbosity=2)
