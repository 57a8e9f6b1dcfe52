#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""What a fleet sees, on the real kernel: the metrics file scraped through the real
node_exporter (Debian's prometheus-node-exporter, started here on a loopback port with only its
textfile collector), and the daemon's own USYS_CONFIG records in the audit trail, read back from
the audit multicast group. After an outside `auditctl -D` the scraped auditkeep_in_sync returns to
1, the drift counter moved, and the trail holds the drift (naming auditctl) and its repair.

Root with CAP_AUDIT_CONTROL in the initial namespaces (exit 77 otherwise); holds the shared
kernel lock, saves the kernel's state and restores it."""

import os
import re
import shutil
import socket
import struct
import subprocess
import sys
import time
import unittest
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "helpers"))
from akharness import Daemon, KernelTestCase, kernel_rules, nl_open, sh, skip_unless_usable, wait_until  # noqa: E402

NODE_EXPORTER = shutil.which("prometheus-node-exporter") or shutil.which("node_exporter")
USYS_CONFIG = 1111

# The text exposition format, strictly: metric names, label sets, values; HELP and TYPE once per
# metric family and before its samples.
NAME = r"[a-zA-Z_:][a-zA-Z0-9_:]*"
SAMPLE = re.compile(rf'^({NAME})(\{{(?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\[\\"n])*"(?:,|(?=\}})))*\}})? '
                    r'(-?[0-9]+(?:\.[0-9]+)?(?:e[+-]?[0-9]+)?|NaN|[+-]Inf)$')


def parse_exposition(text):
    """{(name, labels): value} from a textfile, asserting the format; raises AssertionError."""
    samples, helped, typed, seen_sample = {}, set(), {}, set()
    assert text.endswith("\n"), "no final newline"
    for n, line in enumerate(text.splitlines(), 1):
        if line.startswith("# HELP "):
            name = line.split(" ", 3)[2]
            assert re.fullmatch(NAME, name) and name not in helped and name not in seen_sample, f"line {n}: {line}"
            helped.add(name)
        elif line.startswith("# TYPE "):
            _, _, name, kind = line.split(" ")
            assert kind in ("counter", "gauge", "untyped", "summary", "histogram"), f"line {n}: {line}"
            assert name not in typed and name not in seen_sample, f"line {n}: TYPE after samples or twice"
            typed[name] = kind
        else:
            m = SAMPLE.match(line)
            assert m, f"line {n} is no sample: {line!r}"
            name, labels, value = m.group(1), m.group(2) or "", m.group(3)
            assert name in typed and name in helped, f"line {n}: {name} has no HELP/TYPE"
            assert not (typed[name] == "counter") or name.endswith("_total"), f"counter {name} without _total"
            assert (name, labels) not in samples, f"line {n}: duplicate sample"
            seen_sample.add(name)
            samples[(name, labels)] = float(value)
    return samples


def records(sock, seconds):
    """(type, body) of the audit records arriving on the multicast socket for a while."""
    out, end = [], time.monotonic() + seconds
    while time.monotonic() < end:
        sock.settimeout(max(0.01, end - time.monotonic()))
        try:
            data = sock.recv(65536)
        except (socket.timeout, BlockingIOError):
            break
        if len(data) >= 16:
            _, type_ = struct.unpack_from("=IH", data)
            out.append((type_, data[16:].split(b"\0")[0].decode(errors="replace")))
    return out


class FleetTest(KernelTestCase):
    tmp_prefix = "ak-fleet-"

    @classmethod
    def set_up_class(cls):
        cls.daemon = cls.exporter = None
        cls.start()

    @classmethod
    def start(cls):
        cls.textfile_dir = os.path.join(cls.tmp, "textfile")
        os.mkdir(cls.textfile_dir)
        cls.metrics = os.path.join(cls.textfile_dir, "auditkeep.prom")
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            cls.port = s.getsockname()[1]
        cls.exporter = subprocess.Popen([NODE_EXPORTER, f"--web.listen-address=127.0.0.1:{cls.port}",
                                         "--collector.disable-defaults", "--collector.textfile",
                                         f"--collector.textfile.directory={cls.textfile_dir}"],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        cls.rules = cls.write_file(os.path.join(cls.tmp, "test.rules"),
                                   "-D\n-b 4321\n-e 1\n-w /etc/passwd -p wa -k ak-fleet-passwd\n"
                                   "-a always,exit -F arch=b64 -S openat -F exit=-EACCES -k ak-fleet-access\n"
                                   "-w /etc/group -p wa -k ak-fleet-pass -k ak-fleet-passwd\n")
        sh("auditctl", "-D")
        cls.daemon = Daemon(cls.tmp, ["--rules", cls.rules, "--poll-interval", "1", "--metrics", cls.metrics])
        cls.daemon.notify.wait_for("READY=1", timeout=60)

    @classmethod
    def tearDownClass(cls):
        for p in (cls.daemon.proc if cls.daemon else None, cls.exporter):
            if p and p.poll() is None:
                p.terminate()
                p.wait(timeout=10)
        if cls.daemon:
            print("---- daemon log (last 20 lines) ----", cls.daemon.tail(20), sep="\n", file=sys.stderr)
            cls.daemon.log.close()
        super().tearDownClass()

    def scrape(self):
        with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/metrics", timeout=5) as r:
            text = r.read().decode()
        # ours, as node_exporter serves them (its own families follow their own rules)
        ours = "".join(line + "\n" for line in text.splitlines()
                       if line.startswith(("auditkeep_", "# HELP auditkeep_", "# TYPE auditkeep_")))
        return parse_exposition(ours), text

    def wait_scrape(self, pred, timeout=10.0):
        end = time.monotonic() + timeout
        while True:
            try:
                got, text = self.scrape()
                if pred(got):
                    return got, text
            except OSError:
                pass
            if time.monotonic() > end:
                self.fail(f"no scrape matched; last: {self.scrape()[0] if self.exporter.poll() is None else 'exporter died'}")
            time.sleep(0.1)

    def test_10_file_format_and_values(self):
        self.assertTrue(wait_until(lambda: os.path.exists(self.metrics), timeout=10))
        with open(self.metrics) as f:
            mine = parse_exposition(f.read())
        self.assertEqual(os.stat(self.metrics).st_mode & 0o777, 0o644)  # the collector runs as another user
        self.assertEqual(mine[("auditkeep_in_sync", "")], 1)
        self.assertEqual(mine[("auditkeep_rules", '{state="desired"}')], 3)
        self.assertEqual(mine[("auditkeep_rules", '{state="loaded"}')], 3)
        self.assertEqual(mine[("auditkeep_kernel_backlog_limit", "")], 4321)
        self.assertEqual(mine[("auditkeep_kernel_enabled", "")], 1)
        self.assertEqual(mine[("auditkeep_info", '{state="in-sync",mode="enforce"}')], 1)
        for name in ("auditkeep_drift_events_total", "auditkeep_repairs_total", "auditkeep_parse_errors",
                     "auditkeep_locked", "auditkeep_last_sync_timestamp_seconds", "auditkeep_last_drift_timestamp_seconds",
                     "auditkeep_kernel_failure", "auditkeep_kernel_backlog", "auditkeep_kernel_lost",
                     "auditkeep_kernel_backlog_wait_time"):
            self.assertIn((name, ""), mine)
        self.assertAlmostEqual(mine[("auditkeep_last_sync_timestamp_seconds", "")], time.time(), delta=60)
        # Prometheus's own linter, from Debian's prometheus package (scripts/setup installs it)
        promtool = shutil.which("promtool")
        self.assertIsNotNone(promtool, "promtool is not installed")
        with open(self.metrics) as f:
            r = subprocess.run([promtool, "check", "metrics"], stdin=f, capture_output=True, text=True)
        self.assertEqual((r.returncode, r.stdout + r.stderr), (0, ""))
        # no temporary file left beside it (the collector reads every *.prom)
        self.assertEqual(os.listdir(self.textfile_dir), ["auditkeep.prom"])

    def test_20_drift_through_node_exporter_and_the_trail(self):
        got, text = self.wait_scrape(lambda g: g.get(("auditkeep_in_sync", "")) == 1)
        drifts0 = got[("auditkeep_drift_events_total", "")]
        repairs0 = got[("auditkeep_repairs_total", "")]
        print("a scrape, before:\n" + "\n".join(l for l in text.splitlines() if "auditkeep_" in l), file=sys.stderr)
        mon = nl_open(groups=1)
        try:
            sh("auditctl", "-D")
            got, text = self.wait_scrape(lambda g: g.get(("auditkeep_in_sync", "")) == 1 and
                                         g.get(("auditkeep_drift_events_total", ""), 0) > drifts0)
            seen = records(mon, 2.0)
        finally:
            mon.close()
        self.assertGreater(got[("auditkeep_repairs_total", "")], repairs0)
        self.assertGreater(got[("auditkeep_last_drift_timestamp_seconds", "")], time.time() - 60)
        self.assertEqual(sorted(kernel_rules()), sorted(self.desired_rules()))
        trail = [b for t, b in seen if t == USYS_CONFIG]
        found = [b for b in trail if "op=drift-found" in b]
        repaired = [b for b in trail if "op=drift-repaired" in b]
        # one auditctl -D, one incident: one record of each, however many passes the repair took
        self.assertEqual(len(found), 1, f"drift-found records: {found}")
        self.assertEqual(len(repaired), 1, f"drift-repaired records: {repaired}")
        self.assertEqual(got[("auditkeep_drift_events_total", "")], drifts0 + 1)
        f = found[0]
        self.assertRegex(f, r"missing=3 extra=0 ")
        # every key once, also one that is a part of another, and each of a rule's keys
        keys = re.search(r' keys="([^"]*)"', f).group(1).split(",")
        self.assertEqual(sorted(keys), ["ak-fleet-access", "ak-fleet-pass", "ak-fleet-passwd"])
        by = bytes.fromhex(re.search(r" by=([0-9A-F]+) ", f).group(1)).decode()
        self.assertRegex(by, r"^pid=\d+ comm=auditctl exe=\S+auditctl ")
        self.assertRegex(f, r'exe="[^"]*auditkeepd" res=success')
        self.assertRegex(repaired[0], r"added=3 removed=0 changed=0 pending=0 refused=0 passes=[1-3] .*res=success")
        self.assertIn(f"pid={self.daemon.pid} ", f)      # the kernel names the sender: auditkeepd
        print("records:\n" + "\n".join(found[:1] + repaired[:1]), file=sys.stderr)

    def desired_rules(self):
        return ["-w /etc/passwd -p wa -k ak-fleet-passwd",
                "-a always,exit -F arch=b64 -S openat -F exit=-EACCES -F key=ak-fleet-access",
                "-w /etc/group -p wa -k ak-fleet-pass -k ak-fleet-passwd"]


if __name__ == "__main__":
    skip_unless_usable()
    if not NODE_EXPORTER:
        print("prometheus-node-exporter is not installed (scripts/setup installs it)", file=sys.stderr)
        sys.exit(1)
    unittest.main(verbosity=2)
