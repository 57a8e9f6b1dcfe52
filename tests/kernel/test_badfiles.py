#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Bad rules files given to auditkeepd against the real kernel (root, CAP_AUDIT_CONTROL, initial
namespaces; exit 77 otherwise): binary junk, a 100 000-line file, a 1 MB line, NUL bytes, a
rules.d with a symlink loop, entries root cannot read either (a dangling symlink, a FIFO, a
directory named *.rules), a file that disappears, a directory of 10 000 files
(akharness.make_bad_rules). Given each bad file on SIGHUP it rejects the reload naming the file,
keeps the last good state in the kernel and in force (an outside change is still repaired to
it), and keeps running. Holds the kernel lock; restores the kernel's rules and status. The same
files through `auditkeepctl check`: tests/unit/test_badfiles_check.py."""

import os
import re
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "helpers"))
import akharness as ak  # noqa: E402


class DaemonTest(ak.KernelTestCase):
    """auditkeepd given each bad input on SIGHUP."""

    tmp_prefix = "ak-badfiles-d-"
    check_restore = False   # (the kernel is restored at the end, but this class never checked it)

    @classmethod
    def set_up_class(cls):
        cls.d = None
        cls.bad = os.path.join(cls.tmp, "bad")
        os.mkdir(cls.bad)
        cls.cases = ak.make_bad_rules(cls.bad)
        cls.rulesd = os.path.join(cls.tmp, "rules.d")
        os.mkdir(cls.rulesd)
        cls.extra = os.path.join(cls.tmp, "extra.rules")
        cls.watched = os.path.join(cls.tmp, "watched")
        os.mkdir(cls.watched)
        with open(os.path.join(cls.rulesd, "10-good.rules"), "w") as fh:
            fh.write(f"""-D
-b 1234
-e 1
-w {cls.watched} -p wa -k ak-bad-watch
-a always,exit -F arch=b64 -S openat -F exit=-EACCES -F key=ak-bad-access
-a never,exit -F arch=b64 -S chmod -F auid=1234
-a always,exit -F arch=b64 -S chmod,fchmod -F auid>=1000 -F auid!=unset -k ak-bad-perm
""")
        with open(cls.extra, "w") as fh:
            fh.write("-a always,exit -F arch=b64 -S unlinkat -F key=ak-bad-extra\n")
        ak.sh("auditctl", "-D")
        cls.d = ak.Daemon(cls.tmp, ["--rules", cls.rulesd, "--rules", cls.extra, "--poll-interval", "1"])
        cls.d.notify.wait_for("READY=1", timeout=60)
        cls.desired = sorted(ak.kernel_rules())
        assert len(cls.desired) == 5, cls.desired

    @classmethod
    def tearDownClass(cls):
        try:
            if cls.d:
                cls.d.kill()
                print("---- daemon log (last 40 lines) ----", cls.d.tail(40), sep="\n", file=sys.stderr)
        finally:
            super().tearDownClass()

    def assert_state_kept(self):
        self.assertIsNone(self.d.proc.poll(), "the daemon exited")
        self.assertEqual(sorted(ak.kernel_rules()), self.desired)
        self.assertEqual(ak.kernel_status()["backlog_limit"], 1234)

    def put(self, src):
        """Put a bad input into rules.d (a file or a directory's entries); return what to remove."""
        placed = []
        if os.path.isdir(src) and not os.path.islink(src):
            for e in sorted(os.listdir(src)):
                dst = os.path.join(self.rulesd, e)
                os.rename(os.path.join(src, e), dst)
                placed.append((dst, os.path.join(src, e)))
        elif os.path.lexists(src):
            dst = os.path.join(self.rulesd, "50-" + os.path.basename(src))
            os.rename(src, dst)
            placed.append((dst, src))
        return placed

    def take_back(self, placed):
        for dst, src in placed:
            os.rename(dst, src)

    def test_10_each_case(self):
        for name, src, names in self.cases:
            if name.startswith("a file that does not exist"):
                continue    # test_20
            with self.subTest(case=name):
                placed = self.put(src)
                try:
                    named = names.replace(src, placed[0][0]) if placed and not os.path.isdir(src) else \
                        names.replace(os.path.dirname(placed[0][1]), self.rulesd)
                    mark = self.d.mark()
                    t0 = time.monotonic()
                    self.d.reload(timeout=120)
                    took = time.monotonic() - t0
                    self.d.wait_log(r"Reload rejected: [0-9]+ errors", after=mark)
                    self.assertIn(named, self.d.text()[mark:])
                    print(f"daemon {name}: rejected in {took:.2f} s", file=sys.stderr)
                    self.assert_state_kept()
                finally:
                    self.take_back(placed)

    def test_20_file_disappears(self):
        """A source given with --rules is gone at reload time; then it comes back."""
        keep = self.extra + ".keep"
        os.rename(self.extra, keep)
        try:
            mark = self.d.mark()
            self.d.reload()
            self.d.wait_log(re.escape(self.extra) + r".*(No such file|cannot)", after=mark)
            self.d.wait_log(r"Reload rejected", after=mark)
            self.assert_state_kept()
        finally:
            os.rename(keep, self.extra)

    def test_30_file_disappears_during_reload(self):
        """A file in rules.d is removed and re-created in a loop while the daemon reloads: each
        reload is either taken (the file holds only a comment: nothing changes) or rejected naming
        the file; the kernel never changes and the daemon keeps running."""
        flicker = os.path.join(self.rulesd, "70-flicker.rules")
        stop = threading.Event()
        # Many files before it, so that there is time between readdir and open.
        many = [os.path.join(self.rulesd, f"60-pad-{i:04d}.rules") for i in range(2000)]
        for p in many:
            with open(p, "w") as fh:
                fh.write("# pad\n")

        def churn():
            while not stop.is_set():
                with open(flicker + ".tmp", "w") as fh:
                    fh.write("# flicker\n")
                os.rename(flicker + ".tmp", flicker)
                os.unlink(flicker)

        t = threading.Thread(target=churn, daemon=True)
        t.start()
        taken = rejected = 0
        try:
            for _ in range(30):
                mark = self.d.mark()
                self.d.reload()
                m = self.d.wait_log(r"(Reloaded: [0-9]+ rules|Reload rejected)", after=mark)
                if m.group(1).startswith("Reload rejected"):
                    rejected += 1
                    self.assertIn(flicker, self.d.text()[mark:])
                else:
                    taken += 1
                self.assertIsNone(self.d.proc.poll())
        finally:
            stop.set()
            t.join()
            for p in many + [flicker, flicker + ".tmp"]:
                if os.path.lexists(p):
                    os.unlink(p)
        print(f"reloads while a file flickers: {taken} taken, {rejected} rejected naming it", file=sys.stderr)
        self.assert_state_kept()

    def test_90_last_good_state_still_enforced(self):
        """After all the rejected reloads: an outside change is repaired to the last good state."""
        mark = self.d.mark()
        ak.sh("auditctl", "-D")
        self.d.wait_log(r"Repaired in", after=mark)
        self.assertTrue(ak.wait_until(lambda: sorted(ak.kernel_rules()) == self.desired, timeout=10), ak.kernel_rules())
        self.assertEqual(self.d.stop(), 0)


if __name__ == "__main__":
    ak.skip_unless_usable()
    suite = unittest.defaultTestLoader.loadTestsFromTestCase(DaemonTest)
    r = unittest.TextTestRunner(verbosity=2).run(suite)
    sys.exit(0 if r.wasSuccessful() else 1)
