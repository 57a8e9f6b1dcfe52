#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""What `auditkeepctl check` says about the order and shape of rules is what the real kernel does
(issue #23, lib/analyze.c): a `never` rule hides the later exit rules it covers (check warns at
the hidden line, naming the never rule), and the watches it covers too, although the kernel keeps
watches apart (one priority order decides); an exclude rule of SYSCALL records leaves a watch
without any record (check warns at the watch); two rules of one meaning in other bytes are both
kept by the kernel (check warns); a glob watch path is taken literally. Records are read back
from the audit multicast group up to a marker (a user message sent after the child acted), so the
test waits for a record that always comes before it asserts what must not. The rules of each
scenario name the pid of a child made for it, but for one `never` rule on everything, loaded for
well under a second.

Root with CAP_AUDIT_CONTROL in the initial namespaces (exit 77 otherwise); holds the shared
kernel lock, saves the kernel's state and restores it."""

import os
import socket
import struct
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "helpers"))
from akharness import CTL, KernelTestCase, kernel_rules, nl_open, run, sh, skip_unless_usable  # noqa: E402

AUDIT_SYSCALL = 1300


class Child:
    """A process that waits for a line on stdin, then does `chdir(dir)` and opens `path` for
    writing, and exits: rules can name its pid before it acts."""

    def __init__(self, directory, path):
        code = ("import os, sys\nsys.stdin.readline()\nos.chdir(sys.argv[1])\n"
                "open(sys.argv[2], 'a').close()\n")
        self.proc = subprocess.Popen([sys.executable, "-c", code, directory, path], stdin=subprocess.PIPE)
        self.pid = self.proc.pid

    def go(self):
        self.proc.stdin.write(b"go\n")
        self.proc.stdin.close()
        self.proc.wait(timeout=30)
        assert self.proc.returncode == 0


def read_until(sock, pred, timeout=10.0):
    """(type, body) of the records on the multicast socket until pred(record) holds for one
    (returned as the last), or the timeout (then AssertionError with what came)."""
    out, end = [], time.monotonic() + timeout
    while time.monotonic() < end:
        sock.settimeout(max(0.01, end - time.monotonic()))
        try:
            data = sock.recv(65536)
        except (socket.timeout, BlockingIOError):
            continue
        if len(data) < 16:
            continue
        _, type_ = struct.unpack_from("=IH", data)
        rec = (type_, data[16:].split(b"\0")[0].decode(errors="replace"))
        out.append(rec)
        if pred(rec):
            return out
    raise AssertionError(f"the awaited record did not come within {timeout} s; got: {out[-20:]}")


class AnalysisTest(KernelTestCase):
    tmp_prefix = "ak-analysis-"

    @classmethod
    def set_up_class(cls):
        cls.watched = os.path.join(cls.tmp, "watched")
        open(cls.watched, "w").close()
        cls.env = dict(os.environ, AUDITKEEP_CMDLINE=os.devnull)
        cls.marks = 0

    def check(self, text):
        path = os.path.join(self.tmp, "check.rules")
        with open(path, "w") as f:
            f.write(text)
        r = run(CTL, "check", "--auditd-conf=none", path, check=False, env=self.env)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        return path, r.stderr

    def load(self, path):
        sh("auditctl", "-e", "0")
        sh(CTL, "apply", "-q", path)
        sh("auditctl", "-e", "1")

    def run_child(self, rules_for):
        """Load the rules rules_for(pid) for a new child, let it act (chdir, then open the watched
        file for writing), send a marker, and return check's path and diagnostics for those rules
        and the records that came before the marker."""
        child = Child(self.tmp, self.watched)
        self.marks += 1
        marker = f"ak-an-marker-{os.getpid()}-{self.marks}"
        try:
            path, diags = self.check(rules_for(child.pid))
            self.load(path)
            mon = nl_open(groups=1)
            try:
                child.go()
                sh("auditctl", "-m", marker)    # a user record: no exit rule filters it
                recs = read_until(mon, lambda r: marker in r[1])
            finally:
                mon.close()
                sh("auditctl", "-D")            # a never rule on everything is not left in force
        finally:
            if child.proc.poll() is None:
                child.proc.kill()
                child.proc.wait()
        return path, diags, recs

    @staticmethod
    def keyed(recs, key):
        return [b for t, b in recs if t == AUDIT_SYSCALL and f'key="{key}"' in b]

    def test_10_never_hides_exit_rules_and_watches(self):
        def rules(pid, never=""):
            return (never.replace("PID", str(pid)) +
                    f"-a always,exit -F arch=b64 -S chdir -F pid={pid} -k ak-an-exit\n"
                    f"-w {self.watched} -p wa -k ak-an-watch\n")

        # without a never rule, both rules record
        path, diags, recs = self.run_child(rules)
        self.assertNotIn("warning", diags)
        self.assertEqual(len(self.keyed(recs, "ak-an-exit")), 1, recs)
        self.assertEqual(len(self.keyed(recs, "ak-an-watch")), 1, recs)

        # a never rule on this process's b64 calls covers the exit rule (check says so) and hides
        # it; it also hides the watch for this process, which it does not cover for every event
        # (the watch has no pid and no arch): check says nothing of the watch
        path, diags, recs = self.run_child(lambda pid: rules(pid, "-a never,exit -F arch=b64 -S all -F pid=PID\n"))
        self.assertIn(f"{path}:2:1: warning: never reached: the 'never' rule at {path}:1, earlier in the exit list",
                      diags)
        self.assertNotIn(f"{path}:3:", diags)
        self.assertEqual(self.keyed(recs, "ak-an-exit"), [], recs)
        self.assertEqual(self.keyed(recs, "ak-an-watch"), [], recs)

        # a never rule on everything covers both: check names both lines, the kernel records neither
        path, diags, recs = self.run_child(lambda pid: rules(pid, "-a never,exit -S all\n"))
        self.assertIn(f"{path}:2:1: warning: never reached: the 'never' rule at {path}:1", diags)
        self.assertIn(f"{path}:3:1: warning: never reached: the 'never' rule at {path}:1", diags)
        self.assertEqual(self.keyed(recs, "ak-an-exit"), [], recs)
        self.assertEqual(self.keyed(recs, "ak-an-watch"), [], recs)

        # below the watch, the same never rule leaves the watch recording
        path, diags, recs = self.run_child(
            lambda pid: f"-w {self.watched} -p wa -k ak-an-watch\n-a never,exit -S all\n")
        self.assertNotIn("warning", diags)
        self.assertEqual(len(self.keyed(recs, "ak-an-watch")), 1, recs)

    def test_20_exclude_of_syscall_records_leaves_the_watch_without_records(self):
        def rules(pid):
            return (f"-a always,exit -F arch=b64 -S chdir -F pid={pid} -k ak-an-exit\n"
                    f"-w {self.watched} -p wa -k ak-an-watch\n"
                    "-a always,exclude -F msgtype=SYSCALL\n")

        path, diags, recs = self.run_child(rules)
        self.assertIn(f"{path}:2:1: warning: its SYSCALL records are dropped by the exclude rule at {path}:3", diags)
        self.assertIn("the rule records nothing", diags)
        mine = [b for t, b in recs if (self.watched in b or "ak-an-" in b) and "ak-an-marker" not in b]
        self.assertEqual(mine, [], recs)

    def test_30_same_meaning_in_other_bytes_is_kept_twice(self):
        text = ("-a always,exit -F arch=b64 -S chdir -F uid=4242 -F gid=4242 -k ak-an-twice\n"
                "-a always,exit -F gid=4242 -F arch=b64 -F uid=4242 -S chdir -k ak-an-twice\n"
                "-w /var/log/audit/audit[1-4].log -p wa -k ak-an-glob\n")
        path, diags = self.check(text)
        self.assertIn(f"{path}:2:1: warning: the same rule as {path}:1 in other words", diags)
        self.assertIn(f"{path}:3:4: warning: wildcards in '/var/log/audit/audit[1-4].log' are not supported", diags)
        self.load(path)
        held = kernel_rules()
        self.assertEqual(len([r for r in held if "ak-an-twice" in r]), 2, held)
        self.assertIn("-w /var/log/audit/audit[1-4].log -p wa -k ak-an-glob", held)


if __name__ == "__main__":
    skip_unless_usable()
    unittest.main(verbosity=2)
