#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Bad rules files through `auditkeepctl check` (no privileges needed): binary junk, a 100 000-line
file, a 1 MB line, NUL bytes, terminal escape sequences, a rules.d with a symlink loop, entries
root cannot read either (a dangling symlink, a FIFO, a directory named *.rules), a file that
disappears, a directory of 10 000 files (akharness.make_bad_rules). Each: exit 1, quickly, with an
error that names the file. The same files given to the daemon: tests/kernel/test_badfiles.py."""

import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "helpers"))
import akharness as ak  # noqa: E402

CHECK_SECONDS = 30.0    # generous: typical is under 3 s, but every syscall slows down when
                        # another process has thousands of audit rules loaded
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")   # control bytes other than \t and \n


class CheckTest(unittest.TestCase):
    """auditkeepctl check on each bad input."""

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="ak-badfiles-")
        cls.cases = ak.make_bad_rules(cls.tmp)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def check(self, path):
        t0 = time.monotonic()
        r = subprocess.run([ak.CTL, "check", path], stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=120)
        return r, time.monotonic() - t0

    def test_each_case(self):
        for name, path, names in self.cases:
            with self.subTest(case=name):
                r, took = self.check(path)
                out = (r.stdout + r.stderr).decode(errors="replace")
                print(f"check {name}: exit {r.returncode} in {took:.2f} s, {len(out.splitlines())} lines", file=sys.stderr)
                self.assertEqual(r.returncode, 1, out[-2000:])
                self.assertLess(took, CHECK_SECONDS)
                self.assertIn(names, out, out[:2000])

    def test_escape_sequences_not_echoed(self):
        """Finding F3 (tests/README.md): a diagnostic quotes the bad token as it stands,
        so a rules file can write terminal control sequences (ESC, CR, BEL) to whoever runs
        `auditkeepctl check` or reads the log. Expected: control bytes are escaped."""
        p = os.path.join(self.tmp, "esc.rules")
        with open(p, "wb") as fh:
            fh.write(b"-a always,exit -F bo\x1b[2Jgus=1\n-a always,exit -F ar\rch\x07=b64 -S open\n")
        r, _ = self.check(p)
        out = (r.stdout + r.stderr).decode(errors="replace")
        self.assertEqual(r.returncode, 1, out)
        self.assertIn(p + ":1:", out)
        self.assertIsNone(CONTROL.search(out), f"raw control bytes in the diagnostics: {out!r}")

    def test_junk_diagnostics_are_text(self):
        """Part of F3: the diagnostics for binary junk carry no raw control bytes either (they are
        what ListErrors returns on D-Bus and what the journal shows)."""
        path = [p for n, p, _ in self.cases if n == "binary junk"][0]
        r, _ = self.check(path)
        out = (r.stdout + r.stderr).decode(errors="replace")
        m = CONTROL.search(out)
        self.assertIsNone(m, f"raw control byte {m.group(0)!r} in: {out[max(0, m.start() - 80):m.start() + 80]!r}" if m else "")


if __name__ == "__main__":
    if not os.access(ak.CTL, os.X_OK):
        print(f"{ak.CTL} is not built", file=sys.stderr)
        sys.exit(1)
    suite = unittest.defaultTestLoader.loadTestsFromTestCase(CheckTest)
    r = unittest.TextTestRunner(verbosity=2).run(suite)
    sys.exit(0 if r.wasSuccessful() else 1)
