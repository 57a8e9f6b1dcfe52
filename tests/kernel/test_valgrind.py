#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""auditkeepd under valgrind against the real kernel: start with a small rules file, one change
from outside (auditctl -D) and its repair, a reload (SIGHUP), a stop (SIGTERM). valgrind must exit
0 (no memory errors: --error-exitcode=1) and report no definitely or indirectly lost bytes.

Needs root with CAP_AUDIT_CONTROL/CAP_AUDIT_READ in the initial namespaces and valgrind (exit 77
otherwise). Holds the kernel lock throughout; the kernel's rules and status are restored."""

import os
import re
import shutil
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "helpers"))
import akharness as ak  # noqa: E402

VALGRIND = shutil.which("valgrind")


class ValgrindTest(unittest.TestCase):
    def test_daemon_under_valgrind(self):
        with ak.KernelLock():
            saved = ak.KernelState()
            tmp = tempfile.mkdtemp(prefix="ak-valgrind-")
            try:
                self.run_scenario(tmp)
            finally:
                saved.restore()
                shutil.rmtree(tmp, ignore_errors=True)
                self.assertEqual(saved.check_restored(), [])

    def run_scenario(self, tmp):
        watched = os.path.join(tmp, "watched")
        os.mkdir(watched)
        rules = os.path.join(tmp, "vg.rules")
        with open(rules, "w") as f:
            f.write(f"""-D
-b 1234
-e 1
-w {watched} -p wa -k ak-vg-watch
-a always,exit -F arch=b64 -S openat -F exit=-EACCES -F key=ak-vg-access
-a always,exit -F arch=b64 -S chmod,fchmod -F auid>=1000 -F auid!=unset -k ak-vg-perm
""")
        os.chmod(rules, 0o600)
        vglog = os.path.join(tmp, "valgrind.log")
        ak.sh("auditctl", "-D")
        d = ak.Daemon(tmp, ["--rules", rules, "--poll-interval", "1"],
                      wrapper=[VALGRIND, "--leak-check=full", "--error-exitcode=1",
                               "--log-file=" + vglog, "--track-fds=no"])
        try:
            d.notify.wait_for("READY=1", timeout=180)
            desired = ak.kernel_rules()
            self.assertEqual(len(desired), 3, desired)

            # one external change, and its repair
            mark = d.mark()
            ak.sh("auditctl", "-D")
            d.wait_log(r"Drift detected \([a-z]+\): [0-9]+ rules removed", after=mark, timeout=60)
            d.wait_log(r"Repaired in [0-9.]+ ms", after=mark, timeout=60)
            self.assertTrue(ak.wait_until(lambda: sorted(ak.kernel_rules()) == sorted(desired), timeout=60),
                            ak.kernel_rules())

            # a reload with a changed key
            with open(rules) as f:
                text = f.read()
            with open(rules + ".new", "w") as f:
                f.write(text.replace("ak-vg-access", "ak-vg-access2"))
            os.chmod(rules + ".new", 0o600)
            os.rename(rules + ".new", rules)
            mark = d.mark()
            d.reload(timeout=120)
            d.wait_log(r"Reloaded: 3 rules", after=mark, timeout=60)
            want = sorted(r.replace("ak-vg-access", "ak-vg-access2") for r in desired)
            self.assertTrue(ak.wait_until(lambda: sorted(ak.kernel_rules()) == want, timeout=60), ak.kernel_rules())

            rc = d.stop(timeout=120)
        except BaseException:
            d.kill()
            print("---- daemon log ----", d.tail(80), sep="\n", file=sys.stderr)
            raise
        with open(vglog) as f:
            report = f.read()
        print("---- valgrind summary ----", *[line for line in report.splitlines()
              if re.search(r"(lost|reachable|suppressed|ERROR SUMMARY):", line)], sep="\n", file=sys.stderr)
        self.assertEqual(rc, 0, f"valgrind/auditkeepd exited {rc}\n{report[-6000:]}\n{d.tail(40)}")
        for kind in ("definitely lost", "indirectly lost"):
            for m in re.finditer(kind + r": ([0-9,]+) bytes", report):
                self.assertEqual(int(m.group(1).replace(",", "")), 0, f"{kind}:\n{report[-6000:]}")
        m = re.search(r"ERROR SUMMARY: ([0-9,]+) errors", report)
        self.assertIsNotNone(m, report[-3000:])
        self.assertEqual(int(m.group(1).replace(",", "")), 0, report[-6000:])
        self.assertIn("auditkeepd stopped", d.text())


if __name__ == "__main__":
    ak.skip_unless_usable()
    if not VALGRIND:
        print("skipped: valgrind is not installed (scripts/setup installs it)")
        sys.exit(77)
    unittest.main(verbosity=2)
