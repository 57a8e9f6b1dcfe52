#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""auditkeepctl status against an older daemon, one not restarted since an upgrade: its GetAll
lacks the properties added since. tests/helpers/old-daemon-serve.c plays it on a private system bus
(akharness.Bus, the project's policy): every fact but the ones it is told to leave out, each a
number 7 or true. What it never sent must be left out of the text, the JSON and the Prometheus
metrics, not shown as 0 or false.

Needs no audit capability, but root: the project's bus policy lets only root own the name (exit 77
otherwise)."""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "helpers"))
from akharness import BUILD, CTL, Bus, run  # noqa: E402

OLD_DAEMON_SERVE = os.path.join(BUILD, "tests", "old-daemon-serve")
# added after the first releases: an older daemon lacks them
NEWER = ["LockWithheld", "LostRecords", "BacklogPeak"]


class OldDaemonTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="ak-old-daemon-")
        self.addCleanup(shutil.rmtree, self.tmp, ignore_errors=True)
        self.bus = Bus(self.tmp, os.path.join(self.tmp, "bus"))
        self.addCleanup(self.bus.stop)
        self.env = dict(os.environ, DBUS_SYSTEM_BUS_ADDRESS=self.bus.address, AUDITKEEP_CMDLINE="/dev/null")

    def serve(self, *left_out):
        p = subprocess.Popen([OLD_DAEMON_SERVE, *left_out], stdout=subprocess.PIPE, text=True, env=self.env)
        self.addCleanup(p.wait)
        self.addCleanup(p.kill)
        self.addCleanup(p.stdout.close)
        self.assertEqual(p.stdout.readline(), "ready\n")

    def status(self, *args):
        return run(CTL, "status", *args, env=self.env, check=False)

    def test_all_sent(self):
        """the fake itself: with nothing left out, every fact is shown as it was sent"""
        self.serve()
        v = json.loads(self.status("--json").stdout)
        self.assertIs(v["lock_withheld"], True)
        self.assertEqual((v["lost_records"], v["backlog_peak"]), (7, 7))
        self.assertIn("auditkeep_lock_withheld 1\n", self.status("--prometheus").stdout)
        self.assertIn("   backlog: peak 7 of 7, 7 records lost;", self.status().stdout)

    def test_json_leaves_out_what_was_not_sent(self):
        self.serve(*NEWER)
        r = self.status("--json")
        self.assertEqual(r.returncode, 0, r.stderr)
        v = json.loads(r.stdout)
        for key in ("lock_withheld", "lost_records", "backlog_peak"):
            self.assertNotIn(key, v)
        self.assertIs(v["locked"], True)        # what it did send is there
        self.assertEqual(v["backlog_wait_usec"], 7)

    def test_prometheus_leaves_out_what_was_not_sent(self):
        self.serve(*NEWER)
        out = self.status("--prometheus").stdout
        for name in ("auditkeep_lock_withheld", "auditkeep_kernel_lost_records_total", "auditkeep_kernel_backlog_peak"):
            self.assertNotIn(name, out)
        self.assertIn("auditkeep_locked 1\n", out)
        self.assertIn("auditkeep_kernel_backlog_wait_seconds_total 0.000007\n", out)

    def test_text_leaves_out_what_was_not_sent(self):
        self.serve(*NEWER)
        out = self.status().stdout
        backlog = [line for line in out.splitlines() if line.startswith("   backlog:")]
        self.assertEqual(backlog, ["   backlog: audited processes waited 0.000 s for the audit backlog "
                                   "(since auditkeepd started)"], out)
        self.assertIn("    kernel: enabled 7 (locked until reboot), failure 7, backlog 7/7, lost 7", out)

    def test_text_without_any_backlog_fact(self):
        self.serve(*NEWER, "BacklogWaitUSec")
        out = self.status().stdout
        self.assertNotIn("backlog: peak", out)
        self.assertNotIn("   backlog:", out)

    def test_rules_line_names_only_what_was_sent(self):
        self.serve("ForeignRules", "ParseErrors")
        out = self.status().stdout
        self.assertIn("     rules: 7 desired, 7 loaded, 7 pending\n", out)


if __name__ == "__main__":
    if os.geteuid() != 0 or not shutil.which("dbus-daemon"):
        print("needs root and dbus-daemon (the project's bus policy lets only root own the name)")
        sys.exit(77)
    unittest.main(verbosity=2)
