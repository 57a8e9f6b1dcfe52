#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Living with another agent on the real kernel (issue #27): a stand-in for Wazuh's who-data, a
loop that re-adds `-w DIR -p wa -k wazuh_fim` every second, as Wazuh re-adds its rules (every
30 s there). With `# auditkeep: allow-foreign key=wazuh_fim` in the rules the daemon keeps the
agent's rule where the agent put it, reports no drift and no fight, and counts it apart
(ForeignAllowedRules, auditkeep_rules{state="foreign-allowed"}); a foreign `never` rule with the
same key is removed all the same. Without the directive the daemon removes the agent's rule each
time and reports the fight, as before.

Needs root with CAP_AUDIT_CONTROL/CAP_AUDIT_READ in the initial namespaces (exit 77 otherwise)."""

import os
import re
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "helpers"))
from akharness import CTL, NOBODY, Daemon, KernelTestCase, kernel_rules, sh, skip_unless_usable, wait_until  # noqa: E402

# the agent's loop goes on for this many polls (a full one among them) without a report before the
# test says "none came"
QUIET_POLLS = 7


class ForeignTest(KernelTestCase):
    tmp_prefix = "ak-foreign-"

    @classmethod
    def set_up_class(cls):
        cls.daemon = None
        cls.agent = None
        cls.agent_dir = os.path.join(cls.tmp, "agent-watched")
        os.mkdir(cls.agent_dir)
        cls.agent_rule = f"-w {cls.agent_dir} -p wa -k wazuh_fim"
        cls.rules = os.path.join(cls.tmp, "test.rules")

    @classmethod
    def tearDownClass(cls):
        cls.stop_agent()
        cls.stop_daemon()
        super().tearDownClass()

    @classmethod
    def stop_agent(cls):
        if getattr(cls, "agent", None) and cls.agent.poll() is None:
            cls.agent.terminate()
            cls.agent.wait(timeout=10)
        cls.agent = None

    @classmethod
    def stop_daemon(cls):
        if getattr(cls, "daemon", None):
            print("---- daemon log (last 40 lines) ----", cls.daemon.tail(40), sep="\n", file=sys.stderr)
            cls.daemon.stop()
            cls.daemon.log.close()
        cls.daemon = None

    def rules_text(self, directive):
        return (f"# auditkeep: allow-foreign key=wazuh_fim\n" if directive else "") + f"""-D
-e 1
-a always,exit -F arch=b64 -S unlinkat -F dir={self.tmp} -F key=ak-foreign-del
-a always,exit -F arch=b64 -S openat -F exit=-EACCES -F key=ak-foreign-access
"""

    def start(self, directive):
        """The daemon on rules that declare two rules (with the directive or not), from an empty
        kernel; then the agent's loop."""
        self.write_file(self.rules, self.rules_text(directive))
        sh("auditctl", "-D")
        home = os.path.join(self.tmp, self._testMethodName)      # a notify socket and a log of its own
        os.mkdir(home)
        type(self).daemon = Daemon(home, ["--rules", self.rules, "--poll-interval", "1"])
        self.daemon.notify.wait_for("READY=1", timeout=60)
        self.desired = kernel_rules()
        self.assertEqual(len(self.desired), 2, self.desired)
        type(self).agent = subprocess.Popen(
            ["sh", "-c", f"while :; do auditctl {self.agent_rule} >/dev/null 2>&1; sleep 1; done"])

    def tearDown(self):
        self.stop_agent()
        self.stop_daemon()

    def test_allowed_agent_lives(self):
        self.start(directive=True)
        mark = self.daemon.mark()
        self.assertTrue(wait_until(lambda: self.agent_rule in kernel_rules(), timeout=10), kernel_rules())
        self.assertTrue(wait_until(lambda: self.daemon.notify.status() == "in sync, 2 rules; 1 foreign rule allowed",
                                   timeout=10), self.daemon.notify.status())
        # the agent keeps at it; nothing is reported, nothing removed, through QUIET_POLLS polls
        # (and the checks its records ask for)
        self.daemon.wait_checks(self.daemon.mark(), count=QUIET_POLLS, reasons=("poll", "poll-light"))
        print(f"agent re-added its rule for {QUIET_POLLS} polls: "
              f"{len(re.findall('verify event', self.daemon.text()[mark:]))} checks on its records, no report",
              file=sys.stderr)
        self.assertNotIn("drift: a new difference", self.daemon.text()[mark:])
        text = self.daemon.text()[mark:]
        self.assertNotRegex(text, r"Drift detected|Flapping|Foreign rule .* removed")
        self.assertIn(self.agent_rule, kernel_rules())
        self.assertEqual(sorted(r for r in kernel_rules() if r != self.agent_rule), sorted(self.desired))
        self.assertEqual(self.daemon.notify.status(), "in sync, 2 rules; 1 foreign rule allowed")

        # taken out by hand and put back by the agent: still no drift (nothing declared moved)
        sh("auditctl", "-W", self.agent_dir, "-p", "wa", "-k", "wazuh_fim")
        self.assertTrue(wait_until(lambda: self.agent_rule in kernel_rules(), timeout=10), kernel_rules())
        back = self.daemon.mark()
        self.daemon.wait_checks(back, count=2, reasons=("poll", "poll-light"))
        self.assertNotIn("drift: a new difference", self.daemon.text()[mark:])
        self.assertNotRegex(self.daemon.text()[mark:], r"Drift detected|Flapping")

        # a never rule with the agent's key is not the agent's to keep: removed, and said why
        mark = self.daemon.mark()
        never = "-a never,exit -F arch=b64 -S fchownat -F auid=4321 -F key=wazuh_fim"
        sh("auditctl", "-A", "exit,never", "-F", "arch=b64", "-S", "fchownat", "-F", "auid=4321", "-k", "wazuh_fim")
        self.daemon.wait_log(r"Foreign rule -a never,exit -F arch=b64 -S fchownat -F auid=4321 -F key=wazuh_fim "
                             r"carries the allowed key 'wazuh_fim' \(allow-foreign key=wazuh_fim, .*test\.rules:1\) "
                             r"but is a never rule: it is removed", after=mark)
        self.assertTrue(wait_until(lambda: never not in kernel_rules(), timeout=30), kernel_rules())
        self.daemon.wait_log(r"Drift detected \((event|poll)\): 1 rules added, by .*comm=auditctl", after=mark)
        self.assertIn(self.agent_rule, kernel_rules())
        self.assertNotIn(never, kernel_rules())

    def test_check_says_shadows(self):
        """auditkeepctl check, as root, reads the kernel's rules: an allowed rule above a declared
        rule it can shadow is a warning naming both; an ordinary user is told it was not checked."""
        self.write_file(self.rules, self.rules_text(True), mode=0o644)
        sh("auditctl", "-D")
        sh("auditctl", "-a", "always,exit", "-F", "arch=b64", "-S", "openat", "-k", "wazuh_fim")
        sh("auditctl", "-a", "always,exit", "-F", "arch=b64", "-S", "openat", "-F", "exit=-EACCES",
           "-k", "ak-foreign-access")
        p = subprocess.run([CTL, "check", self.rules], capture_output=True, text=True)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn(f"foreign rules allowed: key=wazuh_fim ({self.rules}:1)", p.stdout)
        self.assertIn("the kernel holds 1 allowed foreign rule; 1 declared rule can be shadowed by them", p.stdout)
        self.assertIn(f"warning: {self.rules}:5: -a always,exit -F arch=b64 -S openat -F exit=-EACCES "
                      f"-F key=ak-foreign-access can be shadowed by the allowed foreign rule -a always,exit -F arch=b64 "
                      f"-S openat -F key=wazuh_fim (allowed by {self.rules}:1), which stands before it: events both "
                      f"match are recorded with key 'wazuh_fim', not 'ak-foreign-access'", p.stderr)
        # findings, then the summary (which counts them), then the cost
        p = subprocess.run([CTL, "check", self.rules], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        lines = p.stdout.splitlines()
        shadow = next(i for i, l in enumerate(lines) if "can be shadowed by the allowed foreign rule" in l)
        summary = next(i for i, l in enumerate(lines) if re.match(r"^\d+ rules, \d+ status settings", l))
        cost = next(i for i, l in enumerate(lines) if l.startswith("cost: "))
        self.assertLess(shadow, summary, p.stdout)
        self.assertLess(summary, cost, p.stdout)
        m = re.search(r", (\d+) warnings", lines[summary])
        self.assertEqual(int(m.group(1)) if m else 0, sum(1 for l in lines if "warning: " in l), p.stdout)

        # one allowed rule before two declared rules it can shadow: one warning, with the count and
        # the first, as the daemon's journal says it (not one per pair)
        sh("auditctl", "-D")
        sh("auditctl", "-a", "always,exit", "-F", "arch=b64", "-S", "openat,unlinkat", "-k", "wazuh_fim")
        sh("auditctl", "-a", "always,exit", "-F", "arch=b64", "-S", "unlinkat", "-F", f"dir={self.tmp}",
           "-F", "key=ak-foreign-del")
        sh("auditctl", "-a", "always,exit", "-F", "arch=b64", "-S", "openat", "-F", "exit=-EACCES",
           "-k", "ak-foreign-access")
        p = subprocess.run([CTL, "check", self.rules], capture_output=True, text=True)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("the kernel holds 1 allowed foreign rule; 2 declared rules can be shadowed by them", p.stdout)
        shadows = [l for l in p.stderr.splitlines() if "shadow" in l]
        self.assertEqual(len(shadows), 1, p.stderr)
        self.assertRegex(shadows[0], r"^warning: the allowed foreign rule -a always,exit -F arch=b64 -S \S+ -F key=wazuh_fim "
                         r"can shadow 2 declared rules, the first: " + re.escape(self.rules) + r":4: -a always,exit "
                         r"-F arch=b64 -S unlinkat .*key=ak-foreign-del can be shadowed by")
        os.chmod(self.tmp, 0o755)
        p = subprocess.run([*NOBODY, CTL, "check", self.rules], capture_output=True, text=True)
        self.assertIn("which declared rules the allowed rules in the kernel can shadow: not checked (run as root",
                      p.stdout, p.stderr)

    def test_no_directive_fight(self):
        """Today's behaviour without the directive: the daemon removes the agent's rule every
        time, and the agent's putting it back is a fight."""
        self.start(directive=False)
        mark, t0 = self.daemon.mark(), time.monotonic()
        self.daemon.wait_log(r"Flapping: the audit configuration keeps being changed back \(by .*comm=auditctl",
                             after=mark, timeout=30)
        print(f"fight reported {time.monotonic() - t0:.1f} s after the agent started", file=sys.stderr)
        self.stop_agent()
        self.wait_rules(self.desired, timeout=30)
        self.daemon.wait_log(r"The fight over the audit rules stopped", after=mark, timeout=30)
        self.assertNotIn(self.agent_rule, kernel_rules())


if __name__ == "__main__":
    skip_unless_usable()
    unittest.main(verbosity=2)
