#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""auditkeepd against the real kernel: start, drift from outside, repair, attribution, reload,
a fight, stop. auditctl (an independent implementation) is the oracle for what the kernel holds.

Needs root with CAP_AUDIT_CONTROL/CAP_AUDIT_READ in the initial namespaces (exit 77 otherwise).
The kernel's state is saved first and restored at the end; the shared lock keeps kernel tests
one at a time."""

import os
import re
import shutil
import signal
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "helpers"))
from akharness import (CTL, Daemon, KernelTestCase, kernel_rules, kernel_status, sh, skip_unless_usable,  # noqa: E402
                       wait_until)


class DaemonTest(KernelTestCase):
    tmp_prefix = "ak-daemon-"

    @classmethod
    def set_up_class(cls):
        cls.daemon = None
        cls.watched = os.path.join(cls.tmp, "watched")
        os.mkdir(cls.watched)
        cls.rules = os.path.join(cls.tmp, "test.rules")
        cls.write_rules(cls.base_rules())
        sh("auditctl", "-D")
        cls.daemon = Daemon(cls.tmp, ["--rules", cls.rules, "--poll-interval", "1"])
        cls.proc, cls.log, cls.notify = cls.daemon.proc, cls.daemon.log, cls.daemon.notify
        cls.notify.wait_for("READY=1", timeout=60)
        cls.desired = kernel_rules()

    @classmethod
    def tearDownClass(cls):
        if getattr(cls, "daemon", None):
            cls.daemon.kill()
            lines = cls.daemon.text().splitlines()
            print("---- daemon log (last 60 lines) ----", *lines[-60:], sep="\n", file=sys.stderr)
            shutil.copy(cls.daemon.log_path, "/tmp/auditkeep-daemon-test.log")
            cls.daemon.log.close()
        super().tearDownClass()

    @classmethod
    def base_rules(cls):
        w = cls.watched
        return f"""# test rules
-D
-b 1234
-f 1
-e 1
-w {w}/file -p wa -k ak-test-file
-w {w}/other -p rwxa -k ak-test-other
-a always,exit -F arch=b64 -S unlinkat,renameat -F dir={cls.tmp} -F key=ak-test-del
-a always,exit -F arch=b64 -S openat -F exit=-EACCES -F key=ak-test-access
-a never,exit -F arch=b64 -S chmod -F auid=1234
-a always,exit -F arch=b64 -S chmod,fchmod -F auid>=1000 -F auid!=unset -F key=ak-test-perm
"""

    @classmethod
    def write_rules(cls, text):
        cls.write_file(cls.rules, text)

    def test_00_started_in_sync(self):
        self.assertEqual(len(self.desired), 6, self.desired)
        self.assertIn("-w " + self.watched + "/file -p wa -k ak-test-file", self.desired)
        st = kernel_status()
        self.assertEqual(st["backlog_limit"], 1234)
        self.assertEqual(st["enabled"], 1)
        self.assertTrue(self.notify.status().startswith("in sync, 6 rules"), self.notify.status())
        # the rules file and the kernel agree, by auditkeepctl's own diff too
        self.assertEqual(subprocess.run([CTL, "diff", self.rules], stdout=subprocess.DEVNULL).returncode, 0)

    def test_10_delete_all(self):
        mark = len(self.log_text())
        sh("auditctl", "-D")
        took = self.wait_rules(self.desired)
        # auditctl -D deletes one rule at a time (0.05-0.4 ms each here): the daemon may repair mid-way
        m = self.wait_log(r"Drift detected \([a-z]+\): [0-9]+ rules removed, by (.*)", after=mark)
        self.assertIn("comm=auditctl", m.group(1))
        self.assertIn("exe=/usr/sbin/auditctl", m.group(1))
        self.wait_log(r"Repaired in [0-9.]+ ms: [1-6] added, 0 removed", after=mark)
        print(f"repair after auditctl -D: {took * 1000:.1f} ms", file=sys.stderr)

    def test_11_delete_one(self):
        mark = len(self.log_text())
        victim = self.desired[3]
        sh("auditctl", "-d", *victim.split()[1:]) if victim.startswith("-a") else sh("auditctl", "-W", *victim.split()[1:])
        took = self.wait_rules(self.desired)
        m = self.wait_log(r"Drift detected \([a-z]+\): 1 rules removed, by (.*)", after=mark)
        self.assertIn("comm=auditctl", m.group(1))
        self.wait_log(r"Repaired in [0-9.]+ ms: 1 added, 0 removed", after=mark)
        print(f"repair after auditctl -d: {took * 1000:.1f} ms", file=sys.stderr)

    def test_12_foreign_never_rule_on_top(self):
        mark = len(self.log_text())
        sh("auditctl", "-A", "never,exit", "-F", "arch=b64", "-S", "openat")
        took = self.wait_rules(self.desired)
        self.wait_log(r"Drift detected \([a-z]+\): 1 rules added, by .*comm=auditctl", after=mark)
        self.wait_log(r"Repaired in [0-9.]+ ms: 0 added, 1 removed", after=mark)
        print(f"repair after a foreign never rule: {took * 1000:.1f} ms", file=sys.stderr)

    def test_13_backlog_changed(self):
        mark = len(self.log_text())
        sh("auditctl", "-b", "321")
        wait_until(lambda: kernel_status()["backlog_limit"] == 1234, timeout=30, step=0.005)
        self.assertEqual(kernel_status()["backlog_limit"], 1234)
        self.wait_log(r"Drift detected \([a-z]+\): backlog_limit set to 321 \(want 1234\), by .*comm=auditctl", after=mark)

    def test_14_disabled(self):
        mark = len(self.log_text())
        sh("auditctl", "-e", "0")
        wait_until(lambda: kernel_status()["enabled"] == 1, timeout=30, step=0.005)
        self.assertEqual(kernel_status()["enabled"], 1)
        self.wait_log(r"Drift detected \([a-z]+\): enabled set to 0 \(want 1\)", after=mark)

    def test_15_rules_reordered(self):
        # the never rule moved behind the always rule it overlaps with (chmod by auid 1234):
        # order decides whether chmod by 1234 is recorded, so the order itself is repaired
        sh(CTL, "apply", "--exact-order", self.rules)  # earlier repairs may have appended rules
        self.assertEqual(kernel_rules(), self.desired)
        mark = len(self.log_text())
        never = [r for r in self.desired if r.startswith("-a never,exit")][0]
        # hold the daemon still so that both halves of the move land before it looks
        self.proc.send_signal(signal.SIGSTOP)
        try:
            sh("auditctl", "-d", *never.split()[1:])
            sh("auditctl", "-a", *never.split()[1:])
        finally:
            self.proc.send_signal(signal.SIGCONT)
        self.wait_log(r"Repaired in", after=mark)
        rules = self.wait_rules(self.desired) and kernel_rules()
        self.assertLess(rules.index(never), [i for i, r in enumerate(rules) if "ak-test-perm" in r][0], rules)

    def test_20_watched_parent_removed_and_recreated(self):
        mark = len(self.log_text())
        os.rmdir(self.watched)
        # the kernel drops both watches; the daemon cannot put them back (ENOENT): pending
        self.wait_log(r"Rule pending, the kernel refused it \(No such file or directory\): -w " + re.escape(self.watched), after=mark)
        self.assertTrue(all(self.watched not in r for r in kernel_rules()))
        self.assertTrue(self.notify.status().startswith("degraded: 2 pending"), self.notify.status())
        os.mkdir(self.watched)
        took = self.wait_rules(self.desired)
        self.wait_log(r"Pending rule loaded: -w " + re.escape(self.watched), after=mark)
        print(f"watch back after mkdir: {took * 1000:.0f} ms (poll 1 s)", file=sys.stderr)

    def test_30_reload_applies_change(self):
        mark = len(self.log_text())
        start = len(self.notify.snapshot())
        self.write_rules(self.base_rules().replace("-k ak-test-other", "-k ak-test-renamed"))
        self.proc.send_signal(signal.SIGHUP)
        i = self.notify.wait_for("RELOADING=1", start=start)
        self.notify.wait_for("READY=1", start=i)
        want = [r.replace("ak-test-other", "ak-test-renamed") for r in self.desired]
        self.wait_rules(want)
        self.wait_log(r"Reloaded: 6 rules", after=mark)
        # put the original back
        self.write_rules(self.base_rules())
        start = len(self.notify.snapshot())
        self.proc.send_signal(signal.SIGHUP)
        self.notify.wait_for("READY=1", start=start)
        self.wait_rules(self.desired)

    def test_31_reload_broken_file_changes_nothing(self):
        mark = len(self.log_text())
        start = len(self.notify.snapshot())
        self.write_rules(self.base_rules() + "-a always,exit -F auidd>=1000 -S open\n-w relative/path\n")
        self.proc.send_signal(signal.SIGHUP)
        self.notify.wait_for("READY=1", start=start)
        self.wait_log(re.escape(self.rules) + r":12:19: unknown field 'auidd', did you mean 'auid'\?", after=mark)
        self.wait_log(re.escape(self.rules) + r":13:4: watch path 'relative/path' must be absolute", after=mark)
        self.wait_log(r"Reload rejected: 2 errors", after=mark)
        # the daemon looked again after it (a poll), and the kernel still holds the old rules
        self.wait_checks(len(self.log_text()), reasons=("poll", "poll-light"))
        self.assertEqual(sorted(kernel_rules()), sorted(self.desired))
        self.write_rules(self.base_rules())

    def test_40_fight(self):
        """Another agent deletes the rules in a loop for 3 s: the daemon keeps answering,
        reports flapping, stays cheap, and converges within a second once the loop stops."""
        mark = len(self.log_text())

        def cpu():
            with open(f"/proc/{self.proc.pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

        c0, t0 = cpu(), time.monotonic()
        end = t0 + 3
        while time.monotonic() < end:
            stopped = len(self.log_text())     # before the last -D: a repair is logged after it
            sh("auditctl", "-D")
        spent, elapsed = cpu() - c0, time.monotonic() - t0
        took = self.wait_rules(self.desired, timeout=30)
        self.wait_log(r"Flapping: the audit configuration keeps being changed back \(by .*comm=auditctl", after=mark)
        # converged at once, whatever the machine's speed: by the first check after the loop
        # stopped, or by the backoff timer's check after a check that found the fight still on
        # the repair after the last -D is logged after the kernel took it: wait for the line (the
        # kernel can hold the rules before the daemon has read the acks and said so)
        repaired = stopped + self.wait_log(r"(?m)^Repaired in", after=stopped).start()
        text = self.log_text()
        checks = len(re.findall(r"^verify \S+$", text[stopped:repaired], re.M))
        print(f"fight: daemon cpu {spent:.2f}s over {elapsed:.1f}s; converged {took * 1000:.0f} ms after, "
              f"{checks} checks after the loop", file=sys.stderr)
        self.assertLess(spent / elapsed, 0.5)
        self.assertLessEqual(checks, 2, text[stopped:])
        # a quiet period: back to normal pace
        self.wait_log(r"The fight over the audit rules stopped", after=mark, timeout=30)

    def test_99_sigterm_leaves_rules(self):
        before = kernel_rules()
        self.proc.send_signal(signal.SIGTERM)
        self.assertEqual(self.proc.wait(timeout=30), 0)
        self.assertEqual(kernel_rules(), before)
        self.assertEqual(sorted(before), sorted(self.desired))
        self.assertIn("auditkeepd stopped", self.log_text())


if __name__ == "__main__":
    skip_unless_usable()
    unittest.main(verbosity=2)
