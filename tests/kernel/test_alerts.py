#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""The alerting rules end to end, on the real kernel: a real Prometheus (Debian's prometheus)
scrapes a real node_exporter (prometheus-node-exporter, its textfile collector only) that reads
the daemon's metrics file, all on 127.0.0.1 on free ports, scraping and evaluating every second.
The daemon runs in monitor mode, so the drift the test makes stays: the backlog limit set to 2
(with --backlog_wait_time 0), after which a burst of audited syscalls makes the kernel lose
records. Both
AuditkeepNotInSync and AuditkeepRecordsLost are firing in Prometheus' API within their `for:`
time plus a few intervals, and no other alert of the file is.

The rules Prometheus loads are prometheus/auditkeep-alerts.yml with every `for:` shortened to
FOR (a copy made here, by a regular expression on the `for:` lines; the expressions and the
annotations are the shipped ones, which `promtool test rules` checks with the real `for:` times).

Root with CAP_AUDIT_CONTROL in the initial namespaces (exit 77 otherwise); holds the shared
kernel lock, saves the kernel's state and restores it."""

import datetime
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import unittest
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "helpers"))
from akharness import SRC, Daemon, KernelTestCase, kernel_status, sh, skip_unless_usable  # noqa: E402

NODE_EXPORTER = shutil.which("prometheus-node-exporter") or shutil.which("node_exporter")
PROMETHEUS = shutil.which("prometheus")
FOR = 5         # seconds: the `for:` of every alert in the copy Prometheus loads
INTERVAL = 1    # seconds: scrape, evaluation and the daemon's poll
RULES = os.path.join(SRC, "prometheus", "auditkeep-alerts.yml")
# the test's own getppid calls only: other processes' records make no losses of their own
KERNEL = ["-b 8192", "--backlog_wait_time 0", f"-a always,exit -F arch=b64 -S getppid -F pid={os.getpid()} -k ak-alerts-burst"]


def prom_time(text):
    """Prometheus's RFC 3339 time (nanoseconds, Z) as seconds."""
    m = re.fullmatch(r"(.*T\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)", text)
    base = datetime.datetime.fromisoformat(m.group(1) + ("+00:00" if m.group(3) == "Z" else m.group(3)))
    return base.timestamp() + (float("0." + m.group(2)) if m.group(2) else 0.0)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def short_for(text):
    """The rules with every `for:` set to FOR seconds."""
    out, n = re.subn(r"(?m)^(\s+for:\s*)\S+$", rf"\g<1>{FOR}s", text)
    assert n >= 5, f"only {n} for: lines in {RULES}"
    return out


class AlertsTest(KernelTestCase):
    tmp_prefix = "ak-alerts-"

    @classmethod
    def set_up_class(cls):
        cls.procs, cls.daemon = [], None
        textfile_dir = os.path.join(cls.tmp, "textfile")
        os.mkdir(textfile_dir)
        # the kernel as the rules say, loaded by the test: a monitor never writes
        sh("auditctl", "-D")
        for line in KERNEL:
            sh("auditctl", *line.split())
        sh("auditctl", "-e", "1")
        rules = cls.write_file(os.path.join(cls.tmp, "test.rules"), "-D\n" + "\n".join(KERNEL) + "\n-e 1\n")
        cls.daemon = Daemon(cls.tmp, ["--rules", rules, "--mode", "monitor", "--poll-interval", str(INTERVAL),
                                      "--metrics", os.path.join(textfile_dir, "auditkeep.prom")])
        cls.daemon.notify.wait_for("READY=1", timeout=60)

        exporter_port, cls.port = free_port(), free_port()
        cls.procs.append(subprocess.Popen([NODE_EXPORTER, f"--web.listen-address=127.0.0.1:{exporter_port}",
                                           "--collector.disable-defaults", "--collector.textfile",
                                           f"--collector.textfile.directory={textfile_dir}"],
                                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        with open(RULES) as f:
            cls.write_file(os.path.join(cls.tmp, "alerts.yml"), short_for(f.read()), 0o644)
        cls.write_file(os.path.join(cls.tmp, "prometheus.yml"),
                       f"global:\n  scrape_interval: {INTERVAL}s\n  evaluation_interval: {INTERVAL}s\n"
                       f"rule_files:\n  - {cls.tmp}/alerts.yml\n"
                       f"scrape_configs:\n  - job_name: node\n    static_configs:\n"
                       f"      - targets: ['127.0.0.1:{exporter_port}']\n", 0o644)
        cls.prom_log = open(os.path.join(cls.tmp, "prometheus.log"), "w")
        cls.procs.append(subprocess.Popen([PROMETHEUS, f"--config.file={cls.tmp}/prometheus.yml",
                                           f"--storage.tsdb.path={cls.tmp}/data",
                                           f"--web.listen-address=127.0.0.1:{cls.port}"],
                                          stdout=cls.prom_log, stderr=subprocess.STDOUT))

    @classmethod
    def tearDownClass(cls):
        for p in reversed(getattr(cls, "procs", [])):
            if p.poll() is None:
                p.terminate()
                p.wait(timeout=20)
        if cls.daemon:
            cls.daemon.stop()
            print("---- daemon log (last 10 lines) ----", cls.daemon.tail(10), sep="\n", file=sys.stderr)
            cls.daemon.log.close()
        super().tearDownClass()

    def api(self, path):
        with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/api/v1/{path}", timeout=5) as r:
            return json.load(r)["data"]

    def alerts(self):
        """{alertname: [alert]} of what Prometheus holds now (pending and firing)."""
        out = {}
        try:
            for a in self.api("alerts")["alerts"]:
                out.setdefault(a["labels"]["alertname"], []).append(a)
        except OSError:
            pass
        return out

    def wait_firing(self, name, since, timeout):
        """Wait until `name` fires; return the seconds from `since` (time.monotonic())."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if any(a["state"] == "firing" for a in self.alerts().get(name, [])):
                return time.monotonic() - since
            time.sleep(0.1)
        self.fail(f"{name} not firing within {timeout} s; alerts: {json.dumps(self.alerts(), indent=1)[:3000]}")

    def wait_scraped(self, query, timeout=60):
        """Wait until `query` has a result; return Prometheus's time of it (seconds)."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            try:
                result = self.api("query?query=" + urllib.request.quote(query))["result"]
                if result:
                    return float(result[0]["value"][0])
            except OSError:
                pass
            time.sleep(0.2)
        self.prom_log.flush()
        with open(self.prom_log.name) as f:
            log = f.read()[-3000:]
        self.fail(f"Prometheus never had {query!r}; its log:\n{log}")

    def wait_evaluated(self, after, timeout=60):
        """Wait until every rule group was evaluated after `after` (Prometheus's time, seconds)."""
        def evaluated():
            try:
                groups = self.api("rules")["groups"]
            except OSError:
                return False
            return groups and all(prom_time(g["lastEvaluation"]) > after for g in groups)
        end = time.monotonic() + timeout
        while not evaluated():
            if time.monotonic() > end:
                self.fail(f"the alerting rules were not evaluated after {after} within {timeout} s")
            time.sleep(0.2)

    def test_alerts_fire(self):
        # Prometheus scrapes the daemon's file through node_exporter, and nothing fires while in
        # sync: not even pending (an alert is pending at the first evaluation that finds its
        # condition) once the rules were evaluated on two scrapes (what rate() and increase() need)
        self.wait_scraped('auditkeep_in_sync{job="node"} == 1')
        self.wait_scraped('auditkeep_kernel_lost_records_total{job="node"}')
        two = self.wait_scraped('count_over_time(auditkeep_kernel_lost_records_total{job="node"}[1m]) >= 2')
        self.wait_evaluated(two)
        self.assertEqual(self.alerts(), {})

        # drift a monitor does not repair: a foreign rule
        t0 = time.monotonic()
        sh("auditctl", "-w", "/etc/shadow", "-p", "wa", "-k", "ak-alerts-foreign")
        took_drift = self.wait_firing("AuditkeepNotInSync", t0, FOR + 60 * INTERVAL)
        self.assertNotIn("AuditkeepRecordsLost", self.alerts())

        # records lost: a backlog of 2, and bursts of audited syscalls until the kernel's counter moves
        t1 = time.monotonic()
        lost0 = kernel_status()["lost"]
        sh("auditctl", "-b", "2")
        end = time.monotonic() + 60
        while kernel_status()["lost"] == lost0 and time.monotonic() < end:
            for _ in range(20000):
                os.getppid()
        lost = kernel_status()["lost"] - lost0
        self.assertGreater(lost, 0, "the bursts lost no record")
        took_lost = self.wait_firing("AuditkeepRecordsLost", t1, 60 * INTERVAL)

        firing = {name: [a for a in alerts if a["state"] == "firing"] for name, alerts in self.alerts().items()}
        firing = {name: alerts for name, alerts in firing.items() if alerts}
        print(f"NotInSync firing {took_drift:.1f} s after the drift (for: {FOR}s); RecordsLost firing "
              f"{took_lost:.1f} s after -b 2 and the burst ({lost} records lost); firing: {sorted(firing)}", file=sys.stderr)
        self.assertEqual(sorted(firing), ["AuditkeepNotInSync", "AuditkeepRecordsLost"])
        a = firing["AuditkeepRecordsLost"][0]
        self.assertEqual(a["labels"]["severity"], "critical")
        self.assertRegex(a["annotations"]["summary"], r"^127\.0\.0\.1:\d+: the kernel lost \d+ audit records in 10 minutes$")
        a = firing["AuditkeepNotInSync"][0]
        self.assertRegex(a["annotations"]["summary"], r"^127\.0\.0\.1:\d+: audit configuration differs from its rules$")


if __name__ == "__main__":
    skip_unless_usable()
    for name, path in (("prometheus-node-exporter", NODE_EXPORTER), ("prometheus", PROMETHEUS)):
        if not path:
            print(f"{name} is not installed (scripts/setup installs it)", file=sys.stderr)
            sys.exit(1)
    unittest.main(verbosity=2)
