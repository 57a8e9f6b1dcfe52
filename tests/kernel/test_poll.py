#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""The cheap poll (daemon/poll.c) on the real kernel: each situation in which audit records cannot
show a change still gets the change found by the next poll (1 s here), well before the backstop
(6 polls): rules deleted while an exclude,never rule drops CONFIG_CHANGE records, while auditing is
off, while the rate limit drops records (the kernel's lost counter), and with no event socket.
Takes the shared kernel lock; saves and restores the kernel's state."""

import os
import re
import shutil
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "helpers"))
from akharness import (Daemon, KernelLock, KernelState, kernel_rules, sh, skip_unless_usable,  # noqa: E402
                       wait_until)

RULES = """-w {tmp}/file -p wa -k ak-poll-file
-a always,exit -F arch=b64 -S unlinkat -F dir={tmp} -F key=ak-poll-del
-a always,exit -F arch=b64 -S chmod,fchmod -F auid>=1000 -F auid!=unset -F key=ak-poll-perm
"""
VICTIM = ["-d", "always,exit", "-F", "arch=b64", "-S", "unlinkat", "-F", "dir={tmp}", "-F", "key=ak-poll-del"]
# A poll's tick in the daemon's debug log: a light poll (GET), a full one (GET + LIST) and why, or
# a full one queued behind a check in flight (a light poll that sees the status move asks for a
# full check: that is the same tick, and logs none of these).
TICK = r"^(?:verify poll-light|verify poll \(queued\)|poll: full check \(.*\))$"


class PollTest(unittest.TestCase):
    def setUp(self):
        self.lock = KernelLock().__enter__()
        self.saved = KernelState()
        self.tmp = tempfile.mkdtemp(prefix="ak-poll-")
        self.daemon = None
        sh("auditctl", "-D")

    def tearDown(self):
        if self.daemon:
            self.daemon.stop()
            print(self.daemon.tail(30), file=sys.stderr)
        self.saved.restore()
        shutil.rmtree(self.tmp, ignore_errors=True)
        self.lock.__exit__(None, None, None)

    def start(self, extra_rules="", args=()):
        path = os.path.join(self.tmp, "test.rules")
        with open(path, "w") as f:
            f.write(RULES.format(tmp=self.tmp) + extra_rules)
        self.daemon = Daemon(self.tmp, ["--rules", path, "--poll-interval", "1", *args],
                             test_hooks=any(a.startswith("--monitor-fd") for a in args))
        self.daemon.notify.wait_for("READY=1", timeout=30)
        # the start's own changes settled: a poll began and ended after READY=1 (a delete before
        # that could be found by the settle check, not by a poll)
        self.daemon.wait_checks(self.daemon.mark(), reasons=("poll", "poll-light"))
        return kernel_rules()

    def delete_and_wait(self, want, before=()):
        mark = self.daemon.mark()
        for cmd in before:
            sh(*cmd)
        sh("auditctl", *[a.format(tmp=self.tmp) for a in VICTIM])
        deleted = self.daemon.mark()
        t0 = time.monotonic()
        wait_until(lambda: sorted(kernel_rules()) == sorted(want), timeout=30)
        took = time.monotonic() - t0
        self.assertEqual(sorted(kernel_rules()), sorted(want))
        # reported once the incident is over (half a second after the difference was found)
        self.daemon.wait_log(r"Drift detected \(poll\): 1 rules removed", after=mark, timeout=30)
        # found by the first poll after the delete (not by the backstop, which lists only every
        # 6th poll): no tick of the poll began after the delete but that one
        text = self.daemon.text()
        repaired = text.index("\nRepaired in", mark)
        ticks = len(re.findall(TICK, text[deleted:repaired], re.M)) if repaired > deleted else 0
        print(f"{self.id()}: repaired by the poll after {took:.2f} s, {ticks} polls after the delete", file=sys.stderr)
        self.assertLessEqual(ticks, 1, text[mark:])

    def test_exclude_rule_hides_records(self):
        # The desired rules drop every CONFIG_CHANGE record: each poll must list.
        want = self.start("-a never,exclude -F msgtype=CONFIG_CHANGE\n-e 1\n")
        self.delete_and_wait(want)

    def test_auditing_off(self):
        # enabled=0 (not managed by the file): the kernel logs no rule change.
        sh("auditctl", "-e", "0")
        want = self.start()
        self.delete_and_wait(want)

    def test_rate_limited(self):
        # Rate limit 1/s (not managed by the file): the delete's record is dropped and counted as lost.
        sh("auditctl", "-e", "1")
        want = self.start()
        mark = self.daemon.mark()
        sh("auditctl", "-r", "1")
        # the daemon has seen the -r (its record, or the light poll's status): a full check after
        # it holds rate_limit 1 as the status the light polls compare with
        self.daemon.wait_checks(mark, reasons=("event", "poll"))
        self.delete_and_wait(want, before=[("auditctl", "-m", "ak-poll-test filler")] * 3)

    def test_no_event_socket(self):
        sh("auditctl", "-e", "1")
        want = self.start(args=("--monitor-fd=none",))
        self.delete_and_wait(want)


if __name__ == "__main__":
    skip_unless_usable()
    unittest.main(verbosity=2)
