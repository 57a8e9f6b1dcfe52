#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Bad rules files: binary junk, a 100 000-line file, a 1 MB line, NUL bytes, terminal escape
sequences, a rules.d with a symlink loop, entries root cannot read either (a dangling symlink, a
FIFO, a directory named *.rules), a file that disappears, a directory of 10 000 files.

  test_badfiles.py check   `auditkeepctl check` (no privileges needed): exit 1, quickly, with an
                           error that names the file.
  test_badfiles.py daemon  auditkeepd against the real kernel (root, CAP_AUDIT_CONTROL, initial
                           namespaces; exit 77 otherwise): given each bad file on SIGHUP it rejects
                           the reload naming the file, keeps the last good state in the kernel and
                           in force (an outside change is still repaired to it), and keeps running.
                           Holds the kernel lock; restores the kernel's rules and status."""

import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "helpers"))
import akharness as ak  # noqa: E402

CHECK_SECONDS = 30.0    # generous: typical is under 3 s, but every syscall slows down when
                        # another process has thousands of audit rules loaded
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")   # control bytes other than \t and \n


def make_cases(d):
    """Create the bad inputs under d: [(name, path given to the parser, path the error must name)]."""
    cases = []

    def f(name, data, mode=0o600):
        p = os.path.join(d, name)
        with open(p, "wb") as fh:
            fh.write(data if isinstance(data, bytes) else data.encode())
        os.chmod(p, mode)
        return p

    def sub(name):
        p = os.path.join(d, name)
        os.mkdir(p)
        return p

    rnd = random.Random(20240607)
    p = f("junk.rules", bytes(rnd.getrandbits(8) for _ in range(64 * 1024)))
    cases.append(("binary junk", p, p))
    p = f("lines100k.rules", "".join(f"-a always,exit -F arch=b64 -S openat -F key=ak-bad-{i}\n" for i in range(99999))
          + "-a always,exit -F bogus=1\n")
    cases.append(("100 000 lines, the last one bad", p, p + ":100000:"))
    p = f("line1m.rules", "-w /etc/passwd -p wa -k " + "x" * (1 << 20) + "\n")
    cases.append(("a line of 1 MB", p, p + ":1:"))
    p = f("nul.rules", b"-w /etc/passwd -p wa -k ak-bad-ok\n-w /etc/pass\0wd -p wa -k ak-bad-nul\n")
    cases.append(("NUL bytes", p, p + ":2:"))
    p = sub("loop.d")
    os.symlink("b.rules", os.path.join(p, "a.rules"))
    os.symlink("a.rules", os.path.join(p, "b.rules"))
    cases.append(("rules.d with a symlink loop", p, os.path.join(p, "a.rules")))
    p = sub("dangling.d")
    f("dangling.d/10-ok.rules", "-w /etc/passwd -p wa -k ak-bad-ok\n")
    os.symlink("/nonexistent/ak-bad", os.path.join(p, "20-dangling.rules"))
    cases.append(("rules.d with a dangling symlink", p, os.path.join(p, "20-dangling.rules")))
    p = sub("fifo.d")
    os.mkfifo(os.path.join(p, "30-fifo.rules"))
    cases.append(("rules.d with a FIFO", p, os.path.join(p, "30-fifo.rules")))
    p = sub("dir.d")
    os.mkdir(os.path.join(p, "40-dir.rules"))
    cases.append(("rules.d with a directory named *.rules", p, os.path.join(p, "40-dir.rules")))
    p = sub("many.d")
    for i in range(10000):
        with open(os.path.join(p, f"{i:05d}-ak.rules"), "w") as fh:
            fh.write(f"# file {i}\n")
    with open(os.path.join(p, "05000-ak.rules"), "w") as fh:
        fh.write("-w /etc/passwd -p wa -k ak-bad-ok\n-a never,bogus\n")
    cases.append(("a directory of 10 000 files, one bad", p, os.path.join(p, "05000-ak.rules") + ":2:"))
    p = os.path.join(d, "gone.rules")
    cases.append(("a file that does not exist (any more)", p, p))
    return cases


class CheckTest(unittest.TestCase):
    """auditkeepctl check on each bad input."""

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="ak-badfiles-")
        cls.cases = make_cases(cls.tmp)

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


class DaemonTest(unittest.TestCase):
    """auditkeepd given each bad input on SIGHUP."""

    @classmethod
    def setUpClass(cls):
        cls.lockctx = ak.KernelLock().__enter__()
        cls.saved = ak.KernelState()
        cls.tmp = tempfile.mkdtemp(prefix="ak-badfiles-d-")
        cls.bad = os.path.join(cls.tmp, "bad")
        os.mkdir(cls.bad)
        cls.cases = make_cases(cls.bad)
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
        try:
            cls.d.notify.wait_for("READY=1", timeout=60)
            cls.desired = sorted(ak.kernel_rules())
            assert len(cls.desired) == 5, cls.desired
        except BaseException:
            cls.tearDownClass()
            raise

    @classmethod
    def tearDownClass(cls):
        try:
            cls.d.kill()
            print("---- daemon log (last 40 lines) ----", cls.d.tail(40), sep="\n", file=sys.stderr)
        finally:
            cls.saved.restore()
            shutil.rmtree(cls.tmp, ignore_errors=True)
            cls.lockctx.__exit__(None, None, None)

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
    mode = sys.argv.pop(1) if len(sys.argv) > 1 and sys.argv[1] in ("check", "daemon") else "check"
    if mode == "daemon":
        ak.skip_unless_usable()
        suite = unittest.defaultTestLoader.loadTestsFromTestCase(DaemonTest)
    else:
        if not os.access(ak.CTL, os.X_OK):
            print(f"{ak.CTL} is not built", file=sys.stderr)
            sys.exit(1)
        suite = unittest.defaultTestLoader.loadTestsFromTestCase(CheckTest)
    r = unittest.TextTestRunner(verbosity=2).run(suite)
    sys.exit(0 if r.wasSuccessful() else 1)
