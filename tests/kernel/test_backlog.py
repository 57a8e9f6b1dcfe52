#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Lost records and backlog waits at run time, on the real kernel (daemon/backlog.c). With a
backlog limit of 2 and no audit daemon registered, kauditd still drains the backlog (multicast,
the kernel log), but a burst of audited syscalls outruns it:

- with --backlog_wait_time 0 the kernel drops records (`lost` grows) and the daemon warns within
  one poll, once, naming how many, the limit and what to do;
- with a backlog wait (15000 jiffies) the kernel makes the audited processes wait instead
  (backlog_wait_time_actual grows, nothing lost) and the daemon reports the wait.

The metrics file carries both as counters. Root with CAP_AUDIT_CONTROL in the initial namespaces
(exit 77 otherwise); holds the shared kernel lock, saves the kernel's state and restores it."""

import os
import re
import sys
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "helpers"))
from akharness import Daemon, KernelTestCase, kernel_status, sh, skip_unless_usable, wait_until  # noqa: E402

POLL = 1.0
RULES = ("-D\n-b 2\n{wait}-e 1\n"
         "-a always,exit -F arch=b64 -S getppid -k ak-backlog-burst\n")


def burst(n=20000):
    for _ in range(n):
        os.getppid()


def burst_until(field, rounds=20):
    """Bursts of audited syscalls until the kernel's `field` counter grows: (before, after)."""
    before = kernel_status()[field]
    for _ in range(rounds):
        burst()
        after = kernel_status()[field]
        if after != before:
            return before, after
    raise AssertionError(f"{rounds} bursts of 20000 audited getppid calls did not move {field} ({before})")


class BacklogTest(KernelTestCase):
    tmp_prefix = "ak-backlog-"

    @classmethod
    def set_up_class(cls):
        cls.daemon = None
        cls.metrics = os.path.join(cls.tmp, "auditkeep.prom")
        cls.rules = cls.write_file(os.path.join(cls.tmp, "test.rules"), RULES.format(wait="--backlog_wait_time 0\n"))
        sh("auditctl", "-D")
        cls.daemon = Daemon(cls.tmp, ["--rules", cls.rules, "--poll-interval", str(POLL), "--metrics", cls.metrics])
        cls.daemon.notify.wait_for("READY=1", timeout=60)

    @classmethod
    def tearDownClass(cls):
        if cls.daemon:
            cls.daemon.stop()
            print("---- daemon log (backlog lines) ----", *[line for line in cls.daemon.text().splitlines()
                                                          if "backlog" in line or "lost" in line][-8:],
                  sep="\n", file=sys.stderr)
            cls.daemon.log.close()
        super().tearDownClass()

    def quiet_episode(self, begin, end):
        """The daemon's own start (its records, with a backlog of 2) may have opened an episode:
        wait for its end, so that the burst opens a new one."""
        text = self.daemon.text()
        if re.search(begin, text):
            self.daemon.wait_log(end, timeout=10 * POLL)

    def metric(self, name):
        with open(self.metrics) as f:
            m = re.search(rf"^{name} (\S+)$", f.read(), re.M)
        return float(m.group(1)) if m else None

    def test_10_lost_records_warned_within_one_poll(self):
        self.quiet_episode(r"Audit records lost", r"Audit records no longer lost")
        mark = self.daemon.mark()
        before, after = burst_until("lost")
        t0 = time.monotonic()
        m = self.daemon.wait_log(r"Audit records lost: the kernel lost (\d+) records since [0-9-]+ [0-9:]+ \(backlog "
                                 r"limit 2, highest backlog seen \d+, backlog_wait_time 0, rate limit 0\)\. What to do: "
                                 r"raise the backlog limit \(-b 8192 in the rules\); set --backlog_wait_time \(0 drops "
                                 r"[^)]*\); quiet the noisiest rules: .*'aureport --start recent --key --summary'",
                                 timeout=5 * POLL, after=mark)
        took = time.monotonic() - t0
        print(f"lost {after - before} records in the burst; warned after {took:.2f} s: {m.group(0)[:200]}...",
              file=sys.stderr)
        self.assertLessEqual(took, POLL + 1.0, "not within one poll")
        self.assertGreaterEqual(int(m.group(1)), after - before)
        # once per episode: more losses, no second warning
        burst_until("lost")
        lost_total = wait_until(lambda: (self.metric("auditkeep_kernel_lost_records_total") or 0) >= after - before,
                                timeout=5 * POLL)
        self.assertTrue(lost_total, "auditkeep_kernel_lost_records_total did not follow")
        self.daemon.wait_log(r"Audit records no longer lost: \d+ records lost between", timeout=10 * POLL, after=mark)
        self.assertEqual(len(re.findall(r"Audit records lost:", self.daemon.text()[mark:])), 1)

    def test_20_wait_reported(self):
        self.write_file(self.rules, RULES.format(wait="--backlog_wait_time 15000\n"))
        self.daemon.reload()
        self.assertTrue(wait_until(lambda: kernel_status()["backlog_wait_time"] == 15000, timeout=10))
        self.quiet_episode(r"Audited processes waited", r"Audited processes no longer wait")
        mark = self.daemon.mark()
        lost0 = kernel_status()["lost"]
        before, after = burst_until("backlog_wait_time_actual")
        m = self.daemon.wait_log(r"Audited processes waited ([0-9.]+) s for the audit backlog since [0-9-]+ [0-9:]+ "
                                 r"\(backlog limit 2, highest backlog seen \d+, backlog_wait_time 15000 = \d+ s a "
                                 r"record\): no record was lost for it", timeout=3 * POLL, after=mark)
        print(f"backlog_wait_time_actual {before} -> {after}; lost {lost0} -> {kernel_status()['lost']}; "
              f"{m.group(0)[:160]}...", file=sys.stderr)
        self.assertGreater(float(m.group(1)), 0)
        self.assertTrue(wait_until(lambda: (self.metric("auditkeep_kernel_backlog_wait_seconds_total") or 0) > 0,
                                   timeout=5 * POLL))


if __name__ == "__main__":
    skip_unless_usable()
    unittest.main(verbosity=2)
