#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""org.auditkeep1 on a private system bus, against the real kernel.

The test starts its own dbus-daemon (type system, EXTERNAL auth, a unix socket in a temporary
directory) whose configuration includes the project's dbus/org.auditkeep1.conf, then the built
auditkeepd with DBUS_SYSTEM_BUS_ADDRESS pointing at it. busctl makes the calls and reads the
properties, `busctl monitor` records the signals, dbus-send shows error names, auditctl is the
oracle for what the kernel holds, and auditkeepctl is checked against all of them.

Needs root with CAP_AUDIT_CONTROL/CAP_AUDIT_READ in the initial namespaces (exit 77 otherwise).
The kernel's state is saved first and restored at the end; the shared lock keeps kernel tests
one at a time."""

import json
import os
import pwd
import re
import shutil
import signal
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "helpers"))
from akharness import (BUS_ACCESS_DENIED, BUS_IFACE, BUS_LETTHROUGH_USER, BUS_METHODS, BUS_NAME,  # noqa: E402
                       BUS_PATH, BUS_PROPERTIES, BUS_SIGNALS, BUS_XML, CTL, CTL_NOT_RUNNING, DAEMON, NOBODY, Bus,
                       BusCalls, Daemon, KernelTestCase, Monitor, auditd_conf_ignore_warning, canonical,
                       ctl_for_everyone, kernel_rules, kernel_status, manager_interface, nl_open, realtime_usec,
                       rule_key, run, sh, usable, wait_until, write_auditd_conf)

NAME, PATH, IFACE, XML = BUS_NAME, BUS_PATH, BUS_IFACE, BUS_XML
# The interface as the design fixes it (akharness): name -> signature.
PROPERTIES, METHODS, SIGNALS = BUS_PROPERTIES, BUS_METHODS, BUS_SIGNALS


class BusTest(KernelTestCase, BusCalls):
    maxDiff = None
    tmp_prefix = "akbustest-"
    tmp_mode = 0o755        # the unprivileged callers reach the bus socket in here
    check_restore = False   # (the kernel is restored at the end, but this class never checked it)
    rules_step, log_step = 0.005, 0.02

    @classmethod
    def set_up_class(cls):
        cls.daemon = cls.proc = cls.bus = cls.monitor = None
        cls.watched = os.path.join(cls.tmp, "watched")
        os.mkdir(cls.watched)
        cls.rules = os.path.join(cls.tmp, "test.rules")
        cls.write_rules(cls.base_rules())
        # a copy that every user may run (the build directory may not be reachable for nobody)
        cls.ctl_bin = ctl_for_everyone(cls.tmp)
        cls.bus = Bus(cls.tmp, os.path.join(cls.tmp, "bus"), let_through=BUS_LETTHROUGH_USER)
        # the kernel command line status reads (this machine's may lack audit=1): one that lacks nothing
        cmdline = os.path.join(cls.tmp, "cmdline")
        with open(cmdline, "w") as f:
            f.write("root=/dev/vda ro audit=1 audit_backlog_limit=8192\n")
        cls.env = dict(os.environ, DBUS_SYSTEM_BUS_ADDRESS=cls.bus.address, AUDITKEEP_CMDLINE=cmdline)
        cls.env.pop("NO_COLOR", None)
        sh("auditctl", "-D")
        os.mkdir(os.path.join(cls.tmp, "log"))
        cls.auditd_conf = os.path.join(cls.tmp, "auditd.conf")
        cls.write_auditd_conf("IGNORE")
        cls.daemon = Daemon(cls.tmp, ["--rules", cls.rules, "--poll-interval", "1", "--auditd-conf", cls.auditd_conf],
                            env=cls.env, bus=cls.bus.address)
        cls.proc, cls.notify, cls.log = cls.daemon.proc, cls.daemon.notify, cls.daemon.log
        cls.notify.wait_for("READY=1", timeout=60)
        cls.bus.wait_name(NAME)
        cls.monitor = Monitor(cls.bus.address)
        cls.desired = kernel_rules()

    @classmethod
    def tearDownClass(cls):
        if cls.monitor:
            cls.monitor.stop()
        if cls.daemon:
            cls.daemon.kill()
        if cls.bus:
            cls.bus.stop()
        if cls.daemon:
            lines = cls.daemon.text().splitlines()
            print("---- daemon log (last 40 lines) ----", *lines[-40:], sep="\n", file=sys.stderr)
            shutil.copy(cls.daemon.log_path, "/tmp/auditkeep-bus-test.log")
        super().tearDownClass()

    @classmethod
    def write_auditd_conf(cls, admin_action):
        write_auditd_conf(cls.auditd_conf, f"{cls.tmp}/log", admin_action)

    def auditd_conf_warning(self):
        return auditd_conf_ignore_warning(self.auditd_conf)

    @classmethod
    def base_rules(cls):
        w = cls.watched
        # line 4 is a warning (ListErrors), the two openat rules overlap (their order decides
        # only which key is recorded)
        return f"""# test rules for the D-Bus interface
-D
-b 1234
-l
-f 1
-e 1
-w {w} -p wa -k ak-bus-watch
-a always,exit -F arch=b64 -S openat -F exit=-EACCES -F key=ak-bus-access
-a always,exit -F arch=b64 -S openat -F auid>=1000 -F auid!=unset -F key=ak-bus-user
"""

    RULE_LINES = {"ak-bus-watch": 7, "ak-bus-access": 8, "ak-bus-user": 9}

    @classmethod
    def write_rules(cls, text):
        with open(cls.rules + ".new", "w") as f:
            f.write(text)
        os.chmod(cls.rules + ".new", 0o600)
        os.rename(cls.rules + ".new", cls.rules)

    # ---- helpers ------------------------------------------------------------------------------

    def wait_in_sync(self):
        self.wait_rules(self.desired)
        self.wait_prop("State", lambda v: v == "in-sync")

    def rule_by_key(self, key):
        return [r for r in self.desired if rule_key(r) == key][0]

    # ---- the interface ------------------------------------------------------------------------

    def test_00_introspection_equals_reference_xml(self):
        live = self.busctl("introspect", "--xml-interface", NAME, PATH).stdout
        with open(XML) as f:
            ref = f.read()
        self.assertEqual(canonical(manager_interface(live)), canonical(manager_interface(ref)),
                         f"the running daemon's interface differs from {XML}; live:\n{live}")
        # and, independently, both are what the design fixes, with every argument named
        iface = manager_interface(ref)
        props = {p.get("name"): p.get("type") for p in iface.iter("property")}
        self.assertEqual(props, PROPERTIES)
        for p in iface.iter("property"):
            self.assertEqual(p.get("access"), "read", p.get("name"))
        methods = {m.get("name"): [(a.get("name"), a.get("type")) for a in m.iter("arg")] for m in iface.iter("method")}
        self.assertEqual(methods, METHODS)
        for m in iface.iter("method"):
            for a in m.iter("arg"):
                self.assertEqual(a.get("direction"), "out", m.get("name"))
        signals = {s.get("name"): [(a.get("name"), a.get("type")) for a in s.iter("arg")] for s in iface.iter("signal")}
        self.assertEqual(signals, SIGNALS)

    def test_01_properties_are_the_kernels(self):
        st = kernel_status()
        p = self.props()
        self.assertEqual(set(p), set(PROPERTIES))
        self.assertEqual(p["State"], "in-sync")
        self.assertEqual(p["Mode"], "enforce")
        self.assertEqual(p["Enabled"], st["enabled"])
        self.assertEqual(p["Enabled"], 1)
        self.assertEqual(p["Failure"], st["failure"])
        self.assertEqual(p["BacklogLimit"], st["backlog_limit"])
        self.assertEqual(p["BacklogLimit"], 1234)
        self.assertEqual(p["RateLimit"], st["rate_limit"])
        self.assertEqual(p["BacklogWaitTime"], st["backlog_wait_time"])
        self.assertEqual(p["AuditPid"], st["pid"])
        self.assertLessEqual(p["Lost"], st["lost"])          # a counter: read before auditctl's
        self.assertLessEqual(p["Backlog"], p["BacklogLimit"] + 64)
        self.assertFalse(p["Locked"])
        self.assertEqual(p["DesiredRules"], 3)
        self.assertEqual(p["LoadedRules"], len(kernel_rules()))
        self.assertEqual(p["PendingRules"], 0)
        self.assertEqual(p["ForeignRules"], 0)
        self.assertEqual(p["ParseErrors"], 0)  # line 4 is a warning, not an error
        self.assertEqual(p["Sources"], [self.rules])
        self.assertGreater(p["LastSyncUSec"], realtime_usec() - 5_000_000)
        self.assertLessEqual(p["LastSyncUSec"], realtime_usec())
        # each property read alone gives the same
        for name in ("State", "Enabled", "BacklogLimit", "DesiredRules", "Sources", "Mode", "Locked"):
            self.assertEqual(self.prop(name), p[name], name)

    def test_02_properties_are_live(self):
        """LastSyncUSec moves at every poll (1 s): read live, announced with PropertiesChanged."""
        mark = self.monitor.mark()
        first = self.prop("LastSyncUSec")
        later = self.wait_prop("LastSyncUSec", lambda v: v > first)
        self.assertGreater(later, first)
        sent = self.monitor.wait(lambda: [c for c in self.monitor.changed(mark) if c.get("LastSyncUSec", 0) > first])
        self.assertTrue(sent, "no PropertiesChanged with a newer LastSyncUSec")
        # only what changed is sent, not every property at every poll
        for c in self.monitor.changed(mark):
            self.assertNotIn("Sources", c)
            self.assertNotIn("Mode", c)

    def test_03_list_rules_diff_list_errors(self):
        kernel = kernel_rules()
        rules = self.call("ListRules")[0]
        self.assertEqual(len(rules), 3, rules)
        for text, origin, state in rules:
            key = rule_key(text)
            self.assertEqual(state, "loaded", text)
            self.assertEqual(origin, f"{self.rules}:{self.RULE_LINES[key]}", text)
            self.assertIn(text, kernel)
        self.assertEqual(sorted(r[0] for r in rules), sorted(kernel))
        self.assertEqual(self.call("Diff"), [[]])
        errors = self.call("ListErrors")[0]
        self.assertEqual(len(errors), 1, errors)
        f, line, column, message = errors[0]
        self.assertEqual((f, line, column), (self.rules, 4, 1))
        self.assertTrue(message.startswith("warning: ") and "-l" in message, message)

    # ---- drift, repair, signals ---------------------------------------------------------------

    def test_04_auditd_conf_problems(self):
        """AuditdConf names the file; AuditdConfProblems counts its problems, follows an edit
        (rename over it) without a reload, and is announced with PropertiesChanged;
        ListAuditdConfProblems (root's) says what they are."""
        self.assertEqual(self.prop("AuditdConf"), self.auditd_conf)
        self.assertEqual(self.prop("AuditdConfProblems"), 1)
        self.assertEqual(self.call("ListAuditdConfProblems"), [[self.auditd_warning_expected()]])
        mark = self.monitor.mark()
        try:
            self.write_auditd_conf("SUSPEND")
            self.assertEqual(self.wait_prop("AuditdConfProblems", lambda v: v == 0), 0)
            self.assertEqual(self.call("ListAuditdConfProblems"), [[]])
            self.assertTrue(self.monitor.wait(lambda: [c for c in self.monitor.changed(mark)
                                                       if c.get("AuditdConfProblems") == 0]),
                            "no PropertiesChanged for AuditdConfProblems")
        finally:
            self.write_auditd_conf("IGNORE")
        self.assertEqual(self.wait_prop("AuditdConfProblems", lambda v: v == 1), 1)
        self.assertEqual(self.call("ListAuditdConfProblems"), [[self.auditd_warning_expected()]])

    def auditd_warning_expected(self):
        return self.auditd_conf_warning()

    def test_05_compat_properties(self):
        """The level the rules were compiled with follows the installed auditctl (auditctl -v)."""
        p = self.props()
        ref = {3: "auditctl 3.0.9", 4: "auditctl 4.0.2", 41: "auditctl 4.1.2"}
        name = {3: "3", 4: "4", 41: "4.1"}     # CompatLevel is 41 for level 4.1
        path = next((x for x in ("/usr/sbin/auditctl", "/sbin/auditctl") if os.access(x, os.X_OK)), None)
        if path:
            version = sh(path, "-v").strip()
            v = tuple(int(x) for x in re.search(r"([0-9]+)\.([0-9]+)(?:\.([0-9]+))?", version).groups(default="0"))
            level = 3 if v < (4,) else 4 if v < (4, 0, 4) else 41
            newer = ", newer than any level" if v > (4, 1, 2) else ""
            want = f"{name[level]} ({ref[level]} meaning), from the installed {version} ({path}){newer}"
        else:
            level = 41
            want = f"4.1 ({ref[41]} meaning), the most recent level (no auditctl installed)"
        self.assertEqual(p["CompatLevel"], level)
        self.assertEqual(p["Compat"], want)

    def test_10_drift_repaired_with_properties_and_signals(self):
        self.wait_in_sync()
        before = self.props()
        mark = self.monitor.mark()
        t0 = realtime_usec()
        sh("auditctl", "-D")
        self.wait_rules(self.desired)
        after = self.wait_prop("Repairs", lambda v: v > before["Repairs"])
        self.wait_prop("State", lambda v: v == "in-sync")
        # the incident is reported once it is over: one signal, then root's GetLastDrift names the changer
        drift = self.monitor.wait(lambda: self.monitor.signals("DriftDetected", mark))
        self.assertTrue(drift, "no DriftDetected signal")
        p = self.props()
        self.assertEqual(p["DriftEvents"], before["DriftEvents"] + 1)
        self.assertGreaterEqual(p["Repairs"], after)
        self.assertGreaterEqual(p["LastDriftUSec"], t0)
        self.assertLessEqual(p["LastDriftUSec"], realtime_usec())
        self.assertEqual(p["LoadedRules"], 3)
        self.assertEqual(len(self.monitor.signals("DriftDetected", mark)), 1)
        usec, last_what, by = self.call("GetLastDrift")
        self.assertEqual(usec, p["LastDriftUSec"])
        self.assertIn("comm=auditctl", by)
        self.assertIn("exe=/usr/sbin/auditctl", by)

        what, removed, added, moved, settings = drift[0]["payload"]["data"]
        self.assertEqual(drift[0]["path"], PATH)
        self.assertEqual(drift[0]["interface"], IFACE)
        self.assertRegex(what, r"[0-9]+ rules removed")
        self.assertEqual(last_what, what)
        self.assertEqual((removed, added, moved, settings), (int(what.split()[0]), 0, 0, 0))
        # broadcast to everyone: never who
        self.assertNotIn("auditctl", json.dumps(self.monitor.signals("DriftDetected", mark)))
        synced = self.monitor.wait(lambda: [s for s in self.monitor.signals("Synced", mark) if s["payload"]["data"][0] > 0])
        self.assertTrue(synced, "no Synced signal with rules added")
        self.assertEqual(synced[0]["payload"]["data"][1:], [0, 0])

        changes = self.monitor.wait(lambda: [c for c in self.monitor.changed(mark) if c.get("State") == "in-sync"])
        self.assertTrue(changes, "State did not come back to in-sync in a PropertiesChanged")
        seen = self.monitor.changed(mark)
        states = [c["State"] for c in seen if "State" in c]
        self.assertTrue({"drifted", "repairing"} & set(states), states)
        self.assertIn(before["DriftEvents"] + 1, [c["DriftEvents"] for c in seen if "DriftEvents" in c])
        self.assertNotIn("comm=auditctl", json.dumps(self.monitor.signals("PropertiesChanged", mark)))
        self.assertTrue(any(c.get("Repairs", 0) > before["Repairs"] for c in seen), seen)

    def test_11_resync_repairs_and_answers_what_it_did(self):
        self.wait_in_sync()
        victim = self.rule_by_key("ak-bus-access")
        # hold the daemon still so that the Resync call is there when it sees the change
        self.proc.send_signal(signal.SIGSTOP)
        try:
            sh("auditctl", "-d", *victim.split()[1:])
            mark = self.monitor.mark()
            call = subprocess.Popen(["busctl", "--address=" + self.bus.address, "--json=short", "call", NAME, PATH,
                                     IFACE, "Resync"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            # the broker passed the call on to the (stopped) daemon
            self.assertTrue(self.monitor.wait(lambda: self.monitor.calls("Resync", mark), timeout=30),
                            "the Resync call never reached the bus")
        finally:
            self.proc.send_signal(signal.SIGCONT)
        out, err = call.communicate(timeout=30)
        self.assertEqual(call.returncode, 0, err)
        self.assertEqual(json.loads(out), {"type": "uuu", "data": [1, 0, 0]})
        self.wait_rules(self.desired)
        # in sync: nothing to do
        self.assertEqual(self.call("Resync"), [0, 0, 0])
        r = self.ctl("resync")
        self.assertEqual((r.returncode, r.stdout), (0, "resync: 0 added, 0 removed, 0 status changes\n"), r.stderr)
        r = self.ctl("resync", "--json")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(json.loads(r.stdout), {"added": 0, "removed": 0, "changed": 0})

    def test_12_resync_exact_order(self):
        self.wait_in_sync()
        # earlier repairs may have appended rules out of file order: put the file's order back
        self.call("ResyncExactOrder")
        self.assertEqual(kernel_rules(), self.desired)
        self.assertEqual(self.call("ResyncExactOrder"), [0, 0, 0])
        access = self.rule_by_key("ak-bus-access")
        # move the access rule behind the user rule: both are "always" on openat, so the order
        # only decides which key is recorded; a repair leaves that alone
        self.proc.send_signal(signal.SIGSTOP)
        try:
            sh("auditctl", "-d", *access.split()[1:])
            sh("auditctl", "-a", *access.split()[1:])
            mark = self.daemon.mark()
        finally:
            self.proc.send_signal(signal.SIGCONT)
        moved = [r for r in self.desired if r != access] + [access]
        # it looked, and left the order alone: a full check (the one the records ask for, or a
        # poll's), and two polls
        self.daemon.wait_checks(mark, reasons=("event", "poll", "settle"))
        self.daemon.wait_checks(mark, count=2, reasons=("poll", "poll-light"))
        self.assertEqual(kernel_rules(), moved)
        self.assertEqual(self.call("Diff"), [[]])
        self.assertEqual(self.call("ResyncExactOrder"), [1, 1, 0])
        self.assertEqual(kernel_rules(), self.desired)

    def test_13_reload(self):
        self.wait_in_sync()
        renamed = [r.replace("ak-bus-user", "ak-bus-renamed") for r in self.desired]
        try:
            self.write_rules(self.base_rules().replace("ak-bus-user", "ak-bus-renamed"))
            self.assertEqual(self.call("Reload"), [1, 1, 0])
            self.wait_rules(renamed)
            self.assertEqual(self.prop("DesiredRules"), 3)
            rules = self.call("ListRules")[0]
            self.assertIn((f"{self.rules}:9", "loaded"), [(o, s) for t, o, s in rules if "ak-bus-renamed" in t])
        finally:
            self.write_rules(self.base_rules())
        r = self.ctl("reload", "--json")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(json.loads(r.stdout), {"added": 1, "removed": 1, "changed": 0})
        self.wait_rules(self.desired)

        # a broken file changes nothing, and says why with a named error
        try:
            self.write_rules(self.base_rules() + "-a always,exit -F auidd>=1000 -S open\n")
            err = self.dbus_send_error("Reload")
            self.assertIsNotNone(err)
            self.assertEqual(err[0], "org.auditkeep1.Error.RulesInvalid")
            self.assertIn("previous rules stay in force", err[1])
            r = self.ctl("reload")
            self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
            self.assertIn("auditkeepctl reload: The rules have errors", r.stderr)
            self.assertEqual(sorted(kernel_rules()), sorted(self.desired))
            self.assertEqual(self.prop("ParseErrors"), 0)
        finally:
            self.write_rules(self.base_rules())
        self.assertEqual(self.call("Reload"), [0, 0, 0])

    def test_14_pending_rule_in_diff_rules_and_status(self):
        self.wait_in_sync()
        watch = self.rule_by_key("ak-bus-watch")
        mark = self.monitor.mark()
        os.rmdir(self.watched)
        try:
            # the kernel drops the watch; it cannot go back while the directory is missing
            self.wait_prop("PendingRules", lambda v: v == 1)
            self.wait_prop("State", lambda v: v == "degraded")
            self.assertEqual(self.prop("LoadedRules"), 2)
            # (while the directory is missing, the rule is shown in the -a form that auditctl
            # would read back the same way)
            diff = self.call("Diff")[0]
            self.assertEqual(len(diff), 1, diff)
            line = diff[0]
            self.assertTrue(line.startswith("+ ") and self.watched in line and rule_key(line) == "ak-bus-watch", line)
            rules = self.call("ListRules")[0]
            self.assertEqual([(o, s) for t, o, s in rules if rule_key(t) == "ak-bus-watch"], [(f"{self.rules}:7", "pending")])
            self.assertEqual(sorted(t for t, o, s in rules if s == "loaded"), sorted(r for r in self.desired if r != watch))
            r = self.ctl("diff")
            self.assertEqual((r.returncode, r.stdout), (1, line + "\n"), r.stderr)
            r = self.ctl("diff", "--json")
            self.assertEqual(r.returncode, 1, r.stderr)
            self.assertEqual(json.loads(r.stdout), [line])
            r = self.ctl("rules", "--json")
            self.assertEqual([[x["rule"], x["declared"], x["state"]] for x in json.loads(r.stdout)], rules)
            r = self.ctl("status")
            self.assertEqual(r.returncode, 1, r.stderr)       # degraded: the exit status says it too
            self.assertIn("auditkeepd: degraded, mode enforce", r.stdout)
            self.assertIn("rules: 3 desired, 2 loaded, 1 pending, 0 foreign, 0 parse errors", r.stdout)
            seen = self.monitor.changed(mark)
            self.assertIn("degraded", [c["State"] for c in seen if "State" in c])
            self.assertIn(1, [c["PendingRules"] for c in seen if "PendingRules" in c])
        finally:
            os.mkdir(self.watched)
        self.wait_prop("PendingRules", lambda v: v == 0)
        self.wait_in_sync()

    def test_15_resync_fails_while_the_kernel_refuses(self):
        """A Resync that cannot put everything in force is an error with the reason, and
        auditkeepctl resync exits 1 saying it; once the kernel takes the rule, Resync answers."""
        self.wait_in_sync()
        os.rmdir(self.watched)
        try:
            self.wait_prop("PendingRules", lambda v: v == 1)
            err = self.dbus_send_error("Resync")
            self.assertIsNotNone(err)
            self.assertEqual(err[0], "org.auditkeep1.Error.Refused")
            self.assertRegex(err[1], r"^1 rule pending: the kernel refused it \(first: No such file or directory\)")
            r = self.ctl("resync")
            self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
            self.assertRegex(r.stderr, r"^auditkeepctl resync: 1 rule pending: the kernel refused it")
            self.assertEqual(r.stdout, "")
        finally:
            os.mkdir(self.watched)
        self.wait_prop("PendingRules", lambda v: v == 0)
        self.assertEqual(self.call("Resync"), [0, 0, 0])
        self.wait_in_sync()

    def test_17_ctl_status_prometheus(self):
        """auditkeepctl status --prometheus prints the metrics from the daemon's properties, in
        the text exposition format, for everyone."""
        self.wait_in_sync()
        r = self.ctl("status", "--prometheus", user=NOBODY)
        self.assertEqual(r.returncode, 0, r.stderr)
        lines = r.stdout.splitlines()
        values = {l.split(" ")[0]: l.split(" ")[1] for l in lines if not l.startswith("#")}
        self.assertEqual(values["auditkeep_in_sync"], "1")
        self.assertEqual(values['auditkeep_rules{state="desired"}'], str(self.prop("DesiredRules")))
        self.assertEqual(values['auditkeep_rules{state="loaded"}'], str(self.prop("LoadedRules")))
        self.assertEqual(values["auditkeep_kernel_backlog_limit"], "1234")
        self.assertEqual(values["auditkeep_drift_events_total"], str(self.prop("DriftEvents")))
        self.assertEqual(values['auditkeep_info{state="in-sync",mode="enforce"}'], "1")
        self.assertTrue(self.prop("InSync"))
        for name in ("auditkeep_in_sync", "auditkeep_repairs_total", "auditkeep_kernel_lost"):
            self.assertIn(f"# TYPE {name} ", r.stdout)
            self.assertIn(f"# HELP {name} ", r.stdout)
        # the backlog since the daemon started (BacklogPeak, LostRecords, BacklogWaitUSec), read after
        # the command: each only grows
        self.assertLessEqual(int(values["auditkeep_kernel_backlog_peak"]), self.prop("BacklogPeak"))
        self.assertLessEqual(int(values["auditkeep_kernel_lost_records_total"]), self.prop("LostRecords"))
        self.assertLessEqual(float(values["auditkeep_kernel_backlog_wait_seconds_total"]),
                             self.prop("BacklogWaitUSec") / 1e6)
        self.assertEqual(values["auditkeep_lock_withheld"], "1" if self.prop("LockWithheld") else "0")
        self.assertIn("# TYPE auditkeep_kernel_lost_records_total counter", r.stdout)

    def test_18_resync_in_the_audit_trail(self):
        """A Resync leaves a USYS_CONFIG record naming the caller's uid."""
        self.wait_in_sync()
        mon = nl_open(groups=1)
        try:
            self.assertEqual(self.call("Resync"), [0, 0, 0])
            end, found = time.monotonic() + 3, None
            while found is None and time.monotonic() < end:
                try:
                    data = mon.recv(65536)
                except OSError:
                    continue
                body = data[16:].decode(errors="replace")
                if int.from_bytes(data[4:6], "little") == 1111 and "op=sync-resync" in body:
                    found = body
        finally:
            mon.close()
        self.assertIsNotNone(found, "no USYS_CONFIG record of the Resync")
        self.assertRegex(found, r"msg='op=sync-resync added=0 removed=0 changed=0 pending=0 refused=0 "
                                r"requested_by_uid=0 exe=\S+ res=success'")

    def test_16_hostile_process_name(self):
        """A changer named with control bytes and bytes that are not UTF-8 is reported escaped:
        the log, GetLastDrift, GetAll and auditkeepctl status all keep working."""
        self.wait_in_sync()
        name = b"\xff\x1b[31mEVIL\x07"
        evil = os.path.join(os.fsencode(self.tmp), name)
        shutil.copy(shutil.which("auditctl"), evil)
        os.chmod(evil, 0o755)
        mark = len(self.log_text())
        try:
            subprocess.run([evil, "-b", "1235"], check=True, stdout=subprocess.DEVNULL)
            self.wait_prop("BacklogLimit", lambda v: v == 1234)
            by = wait_until(lambda: next((b for b in [self.call("GetLastDrift")[2]] if "EVIL" in b), None), timeout=30)
        finally:
            os.unlink(evil)
        escaped = r"\xff\x1b[31mEVIL\x07"
        self.assertRegex(by, r"^pid=\d+ comm=" + re.escape(escaped) + r" exe=" + re.escape(self.tmp) + "/" + re.escape(escaped))
        self.assertEqual(self.call("GetLastDrift")[2], by)
        self.assertEqual(self.props()["State"], "in-sync")
        self.assertIn(escaped, self.wait_log(r"Drift detected \(event\): backlog_limit set to 1235 \(want 1234\), by .*",
                                             after=mark).group(0))
        raw = self.log_text()[mark:]
        self.assertNotIn("\x1b", raw)
        self.assertNotIn("\x07", raw)
        r = self.ctl("status")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn(escaped, r.stdout)
        self.assertNotIn("\x1b", r.stdout)

    def test_19_names_cannot_fake_fields(self):
        """A copy of auditctl in a directory named 'evil auid=1000 ses=3 (x' (issue #22): the
        changer's phrase keeps the whole path in its exe field, with space, '=' escaped, and names
        one auid and one ses, the real ones: in GetLastDrift (root's), the journal line and
        auditkeepctl status alike."""
        self.wait_in_sync()
        d = os.path.join(self.tmp, "evil auid=1000 ses=3 (x")
        os.mkdir(d, 0o755)
        evil = os.path.join(d, "auditctl")
        shutil.copy(shutil.which("auditctl"), evil)
        os.chmod(evil, 0o755)
        mark = len(self.log_text())
        try:
            subprocess.run([evil, "-b", "1236"], check=True, stdout=subprocess.DEVNULL)
            self.wait_prop("BacklogLimit", lambda v: v == 1234)
            by = wait_until(lambda: next((b for b in [self.call("GetLastDrift")[2]] if "evil" in b), None), timeout=30)
        finally:
            shutil.rmtree(d)
        exe = re.escape(self.tmp) + re.escape(r"/evil\x20auid\x3d1000\x20ses\x3d3\x20(x/auditctl")
        self.assertRegex(by, r"^pid=\d+ comm=auditctl exe=" + exe + r" auid=\S+ ses=\S+")
        self.assertEqual(by.count(" auid="), 1, by)
        self.assertEqual(by.count(" ses="), 1, by)
        line = self.wait_log(r"Drift detected \(event\): backlog_limit set to 1236 \(want 1234\), by .*",
                             after=mark).group(0)
        self.assertIn(by, line)
        r = self.ctl("status")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn(by, r.stdout)

    # ---- access control -----------------------------------------------------------------------

    def test_20_unprivileged_callers_read_but_cannot_call(self):
        self.wait_in_sync()
        for method in METHODS:
            r = self.busctl("call", NAME, PATH, IFACE, method, user=NOBODY, check=False)
            self.assertNotEqual(r.returncode, 0, method)
            self.assertIn("Access denied", r.stderr, method)
            err = self.dbus_send_error(method, user=NOBODY)
            self.assertIsNotNone(err, method)
            self.assertEqual(err[0], BUS_ACCESS_DENIED, method)
        self.assertEqual(kernel_rules(), self.desired)
        # properties and introspection are everyone's
        mine, theirs = self.props(), self.props(user=NOBODY)
        for k in ("Backlog", "Lost", "LastSyncUSec"):
            mine.pop(k), theirs.pop(k)
        self.assertEqual(theirs, mine)
        self.assertEqual(self.prop("State", user=NOBODY), "in-sync")
        live = self.busctl("introspect", "--xml-interface", NAME, PATH, user=NOBODY).stdout
        with open(XML) as f:
            self.assertEqual(canonical(manager_interface(live)), canonical(manager_interface(f.read())))
        # the client says so
        r = self.ctl("status", user=NOBODY)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("auditkeepd: in-sync, mode enforce", r.stdout)
        for verb in ("rules", "resync", "reload"):
            r = self.ctl(verb, user=NOBODY)
            self.assertEqual(r.returncode, 4, verb)       # permission denied, not "cannot be reached"
            self.assertEqual(r.stderr, f"auditkeepctl {verb}: permission denied: only root may do this\n")

    def test_21_daemon_checks_the_callers_credentials(self):
        """Past the bus policy (a test-only rule lets one user through), the daemon itself
        refuses every caller but root: also one holding CAP_AUDIT_CONTROL (nothing is read
        from /proc, which the unit hides and where a pid can be reused)."""
        try:
            pwd.getpwnam(BUS_LETTHROUGH_USER)
        except KeyError:
            self.skipTest(f"no user {BUS_LETTHROUGH_USER!r}")
        user = ["setpriv", f"--reuid={BUS_LETTHROUGH_USER}", f"--regid={BUS_LETTHROUGH_USER}", "--clear-groups"]
        with_cap = user + ["--inh-caps=+audit_control", "--ambient-caps=+audit_control"]
        for method in METHODS:
            for who in (user, with_cap):
                err = self.dbus_send_error(method, user=who)
                self.assertEqual(err, (BUS_ACCESS_DENIED, "Only root may do this"), method)
        self.assertEqual(kernel_rules(), self.desired)
        self.assertEqual(self.call("Resync"), [0, 0, 0])

    # ---- auditkeepctl -------------------------------------------------------------------------

    def test_30_ctl_status(self):
        self.wait_in_sync()
        r = self.ctl("status", "--json")
        p = self.props()
        self.assertEqual(r.returncode, 0, r.stderr)
        j = json.loads(r.stdout)
        names = {"state": "State", "mode": "Mode", "enabled": "Enabled", "failure": "Failure",
                 "backlog_limit": "BacklogLimit", "backlog": "Backlog", "lost": "Lost", "rate_limit": "RateLimit",
                 "backlog_wait_time": "BacklogWaitTime", "audit_pid": "AuditPid", "locked": "Locked",
                 "desired_rules": "DesiredRules", "loaded_rules": "LoadedRules", "pending_rules": "PendingRules",
                 "foreign_rules": "ForeignRules", "parse_errors": "ParseErrors", "drift_events": "DriftEvents",
                 "repairs": "Repairs", "last_drift_usec": "LastDriftUSec", "last_sync_usec": "LastSyncUSec",
                 "sources": "Sources", "auditd_conf": "AuditdConf", "auditd_conf_problem_count": "AuditdConfProblems",
                 "compat_level": "CompatLevel", "compat": "Compat", "status_text": "StatusText",
                 "foreign_kept": "ForeignKept", "in_sync": "InSync", "backlog_peak": "BacklogPeak",
                 "lost_records": "LostRecords", "backlog_wait_usec": "BacklogWaitUSec", "lock_withheld": "LockWithheld",
                 "exit_list_rules": "ExitListRules", "every_syscall_rules": "EverySyscallRules",
                 "foreign_allowed_rules": "ForeignAllowedRules", "foreign_allowed_shadows": "ForeignAllowedShadows"}
        self.assertEqual(set(j), set(names) | {"auditd_conf_problems", "last_drift_by", "root_details"})
        self.assertEqual((j["root_details"], j["last_drift_by"]), (True, self.call("GetLastDrift")[2]))
        file, line, column, message = self.auditd_conf_warning()
        self.assertEqual(j["auditd_conf_problems"], [{"file": file, "line": line, "column": column, "message": message}])
        for k, prop in names.items():
            if prop in ("Backlog", "Lost", "LastSyncUSec", "BacklogPeak", "LostRecords", "BacklogWaitUSec"):
                continue  # move between the two reads
            self.assertEqual(j[k], p[prop], k)
        self.assertLessEqual(j["last_sync_usec"], p["LastSyncUSec"])
        self.assertGreater(j["last_sync_usec"], realtime_usec() - 5_000_000)

        r = self.ctl("status")
        p = self.props()
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertNotIn("\033", r.stdout)  # no colour when not on a terminal
        lines = r.stdout.splitlines()
        self.assertEqual(len(lines), 12, r.stdout)
        self.assertEqual(lines.pop(), "      boot: audit=1 audit_backlog_limit=8192 on the kernel command line")
        self.assertEqual(lines.pop(), "      cost: exit list 3 rules (all walked at every system call), 1 evaluated at "
                         "every system call (auditkeepctl check shows why)")
        self.assertEqual(lines.pop(2).strip(), f"compat: level {p['Compat']}")
        self.assertRegex(lines.pop(3).strip(), rf"^backlog: peak [0-9]+ of {p['BacklogLimit']}, [0-9]+ records lost; "
                         r"audited processes waited [0-9]+\.[0-9]{3} s for the audit backlog \(since auditkeepd started\)$")
        self.assertEqual(lines[0], f"auditkeepd: {p['State']}, mode {p['Mode']}")
        self.assertEqual(lines[1].strip(), f"rules: {p['DesiredRules']} desired, {p['LoadedRules']} loaded, "
                         f"{p['PendingRules']} pending, {p['ForeignRules']} foreign, {p['ParseErrors']} parse errors")
        self.assertRegex(lines[2].strip(), rf"^kernel: enabled {p['Enabled']}, failure {p['Failure']}, "
                         rf"backlog [0-9]+/{p['BacklogLimit']}, lost [0-9]+, rate limit {p['RateLimit']}, "
                         rf"backlog wait {p['BacklogWaitTime']}$")
        self.assertTrue(lines[3].strip().startswith(f"drift: {p['DriftEvents']} events, {p['Repairs']} repairs; last "),
                        lines[3])
        by = self.call("GetLastDrift")[2]
        if by:
            self.assertTrue(lines[3].endswith(" by " + by), lines[3])
        self.assertRegex(lines[4].strip(), r"^last sync: [0-9]{4}-[0-9]{2}-[0-9]{2} [0-9:]{8} \([0-9]+s ago\)$")
        self.assertEqual(lines[5].strip(), "sources: " + self.rules)
        self.assertEqual(lines[6], "auditd.conf: problems found (auditkeepd never edits the file):")
        file, line, column, message = self.auditd_conf_warning()
        self.assertEqual(lines[7], f"  {file}:{line}:{column}: {message}")

    def test_31_ctl_status_colour_only_on_a_terminal(self):
        import pty
        self.wait_in_sync()
        pid, fd = pty.fork()
        if pid == 0:
            os.execve(self.ctl_bin, [self.ctl_bin, "status"], self.env)
        out = b""
        while True:
            try:
                data = os.read(fd, 4096)
            except OSError:
                break
            if not data:
                break
            out += data
        os.waitpid(pid, 0)
        self.assertIn(b"\033[32min-sync\033[0m", out)

    def test_32_ctl_rules(self):
        self.wait_in_sync()
        kernel = kernel_rules()
        r = self.ctl("rules", "--json")
        self.assertEqual(r.returncode, 0, r.stderr)
        rules = json.loads(r.stdout)
        self.assertEqual(sorted(x["rule"] for x in rules), sorted(kernel))
        for x in rules:
            key = rule_key(x["rule"])
            self.assertEqual(x["state"], "loaded")
            self.assertEqual(x["declared"], f"{self.rules}:{self.RULE_LINES[key]}")
        self.assertEqual([[x["rule"], x["declared"], x["state"]] for x in rules], self.call("ListRules")[0])

        r = self.ctl("rules")
        self.assertEqual(r.returncode, 0, r.stderr)
        lines = r.stdout.splitlines()
        self.assertEqual(lines[0].split(), ["STATE", "DECLARED", "RULE"])
        self.assertEqual(len(lines), 1 + len(kernel))
        for line, x in zip(lines[1:], rules):
            state, declared, text = line.split(None, 2)
            self.assertEqual((state, declared, text), (x["state"], x["declared"], x["rule"]))

    def test_33_ctl_diff(self):
        self.wait_in_sync()
        r = self.ctl("diff")
        self.assertEqual((r.returncode, r.stdout), (0, "in sync (as auditkeepd sees it)\n"), r.stderr)
        r = self.ctl("diff", "--json")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(json.loads(r.stdout), [])

    # ---- without the daemon, without the bus --------------------------------------------------

    def test_90_not_running(self):
        self.proc.send_signal(signal.SIGTERM)
        self.assertEqual(self.proc.wait(timeout=10), 0)
        self.assertEqual(sorted(kernel_rules()), sorted(self.desired))  # left as it was
        for verb in ("status", "rules", "resync", "reload"):
            for extra in ([], ["--json"]):
                r = self.ctl(verb, *extra)
                self.assertEqual(r.returncode, 2, verb)
                self.assertEqual(r.stderr, CTL_NOT_RUNNING + "\n", verb)
                self.assertEqual(r.stdout, "", verb)
        r = self.ctl("status", user=NOBODY)
        self.assertEqual((r.returncode, r.stderr), (2, CTL_NOT_RUNNING + "\n"))
        # no bus at all: one line that says so
        env = dict(self.env, DBUS_SYSTEM_BUS_ADDRESS="unix:path=" + os.path.join(self.tmp, "no-bus"))
        r = run(self.ctl_bin, "status", check=False, env=env)
        self.assertEqual(r.returncode, 2)
        self.assertEqual(r.stderr, "auditkeepctl status: cannot reach the system bus (No such file or directory), so "
                         "auditkeepd cannot be asked; without the daemon, use auditkeepctl apply or diff PATH\n")

    def test_95_bus_appears_after_the_daemon(self):
        """Started before the bus (as at boot), the daemon connects the moment the bus socket
        appears (watch-bind, not the poll: the poll here is 60 s); when the broker restarts, it
        connects again at once."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            self.proc.wait(timeout=10)
        late_dir = os.path.join(self.tmp, "late")
        socket_path = os.path.join(late_dir, "bus")
        mark = len(self.log_text())
        start = len(self.notify.snapshot())
        env = dict(self.env, NOTIFY_SOCKET=self.notify.path, AUDITKEEP_DEBUG="1",
                   DBUS_SYSTEM_BUS_ADDRESS="unix:path=" + socket_path)
        env.pop("JOURNAL_STREAM", None)
        proc = subprocess.Popen([DAEMON, "--rules", self.rules, "--poll-interval", "60"],
                                stdout=self.log, stderr=subprocess.STDOUT, env=env)
        bus = None
        try:
            ready = self.notify.wait_for("READY=1", start=start)
            # its loop runs on without a bus: a reload (SIGHUP) is done
            proc.send_signal(signal.SIGHUP)
            self.notify.wait_for("READY=1", start=self.notify.wait_for("RELOADING=1", start=ready + 1))
            self.assertIsNone(proc.poll())
            self.assertNotRegex(self.log_text()[mark:], "Owning the name")
            self.assertEqual(sorted(kernel_rules()), sorted(self.desired))

            os.mkdir(late_dir)
            os.chmod(late_dir, 0o755)
            appeared = len(self.log_text())
            bus = Bus(late_dir, socket_path, let_through=BUS_LETTHROUGH_USER)
            t0 = time.monotonic()
            owning = self.wait_log(r"Owning the name org\.auditkeep1 on the system bus", after=appeared, timeout=45)
            took = time.monotonic() - t0
            r = run("busctl", "--address=" + bus.address, "--json=short", "get-property", NAME, PATH, IFACE, "State")
            self.assertEqual(json.loads(r.stdout)["data"], "in-sync")
            print(f"on the bus {took:.2f} s after the bus appeared (poll 60 s)", file=sys.stderr)
            # connected by the socket's appearance, not by a poll: none ran meanwhile
            self.assertNotRegex(self.log_text()[appeared:appeared + owning.start()], r"(?m)^verify poll")

            # the broker restarts: the daemon notices and connects again, without waiting for a poll
            mark2 = len(self.log_text())
            bus.stop()
            if os.path.exists(socket_path):
                os.unlink(socket_path)
            self.wait_log(r"Disconnected from the system bus", after=mark2, timeout=45)
            bus = Bus(late_dir, socket_path, let_through=BUS_LETTHROUGH_USER)
            t0 = time.monotonic()
            owning = self.wait_log(r"Owning the name org\.auditkeep1 on the system bus", after=mark2, timeout=45)
            print(f"on the bus again {time.monotonic() - t0:.2f} s after the broker restarted", file=sys.stderr)
            self.assertNotRegex(self.log_text()[mark2:mark2 + owning.start()], r"(?m)^verify poll")
            r = run("busctl", "--address=" + bus.address, "--json=short", "get-property", NAME, PATH, IFACE,
                    "DesiredRules")
            self.assertEqual(json.loads(r.stdout)["data"], 3)
            self.assertIsNone(proc.poll())
        finally:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                proc.wait(timeout=10)
            if bus:
                bus.stop()
        self.assertEqual(proc.returncode, 0)

    def test_96_monitor_mode_resync_is_refused(self):
        """In monitor mode Resync and ResyncExactOrder are refused with MonitorMode (the daemon
        never writes), auditkeepctl resync exits 2 saying so; Reload re-reads and answers."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            self.proc.wait(timeout=10)
        start = len(self.notify.snapshot())
        env = dict(self.env, NOTIFY_SOCKET=self.notify.path, AUDITKEEP_DEBUG="1")
        env.pop("JOURNAL_STREAM", None)
        before = kernel_rules()
        foreign = ["-a", "always,exit", "-F", "arch=b64", "-S", "kill", "-k", "ak-bus-foreign"]
        sh("auditctl", *foreign)
        proc = subprocess.Popen([DAEMON, "--rules", self.rules, "--mode", "monitor", "--poll-interval", "1"],
                                stdout=self.log, stderr=subprocess.STDOUT, env=env)
        try:
            self.notify.wait_for("READY=1", start=start)
            self.bus.wait_name(NAME)
            self.wait_prop("State", lambda v: v == "drifted")
            self.assertEqual(self.prop("Mode"), "monitor")
            for method in ("Resync", "ResyncExactOrder"):
                err = self.dbus_send_error(method)
                self.assertEqual(err, ("org.auditkeep1.Error.MonitorMode",
                                       "auditkeepd runs in monitor mode and never changes the kernel; "
                                       "'auditkeepctl diff' shows what differs"), method)
            r = self.ctl("resync")
            self.assertEqual(r.returncode, 2)
            self.assertEqual(r.stderr, "auditkeepctl resync: auditkeepd runs in monitor mode and never changes the "
                             "kernel; 'auditkeepctl diff' shows what differs\n")
            self.assertEqual(self.call("Reload"), [0, 0, 0])
            self.assertEqual(self.call("Diff")[0], ["- -a always,exit -F arch=b64 -S kill -F key=ak-bus-foreign"])
            self.assertEqual(sorted(kernel_rules()),
                             sorted(before + ["-a always,exit -F arch=b64 -S kill -F key=ak-bus-foreign"]))
        finally:
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=10)
            sh("auditctl", "-d", *foreign[1:], check=False)



if __name__ == "__main__":
    if not usable():
        print("skipped: needs root with CAP_AUDIT_CONTROL in the initial namespaces, auditctl, and an unlocked kernel")
        sys.exit(77)
    for tool in ("dbus-daemon", "busctl", "dbus-send", "setpriv"):
        if not shutil.which(tool):
            print(f"skipped: {tool} is not installed")
            sys.exit(77)
    for path in (DAEMON, CTL):
        if not os.access(path, os.X_OK):
            print(f"{path} is not built", file=sys.stderr)
            sys.exit(1)
    unittest.main(verbosity=2)
