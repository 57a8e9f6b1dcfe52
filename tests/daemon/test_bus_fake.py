#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""org.auditkeep1 on a private system bus, against the fake kernel: the D-Bus API without the
real kernel (tests/kernel/test_bus.py covers it against the real one, with drift from outside).

The built auditkeepd runs under tests/helpers/fake-kernel-serve (akharness.Daemon(fake_kernel=True)):
it talks to the fake kernel over a socket pair, gets no records (every poll lists), and the real
kernel's audit state is never read or touched. A private dbus-daemon with the project's policy, as
in test_bus.py; busctl makes the calls, `busctl monitor` records the signals, dbus-send shows error
names, and auditkeepctl is checked against them. The interface is checked against the reference
XML and the design's tables (akharness.BUS_PROPERTIES, BUS_METHODS, BUS_SIGNALS).

Needs no audit capability, but root: the project's bus policy lets only root own the name and
call the methods, and the access-control cases switch to other users (exit 77 otherwise)."""

import json
import os
import pwd
import shutil
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "helpers"))
from akharness import (BUS_ACCESS_DENIED, BUS_IFACE, BUS_LETTHROUGH_USER, BUS_METHODS, BUS_NAME,  # noqa: E402
                       BUS_PATH, BUS_PROPERTIES, BUS_SIGNALS, BUS_XML, CTL, CTL_NOT_RUNNING, DAEMON, FAKE_KERNEL_SERVE,
                       NOBODY, Bus, BusCalls, Daemon, Monitor, auditd_conf_ignore_warning, canonical,
                       ctl_for_everyone, manager_interface, realtime_usec, rule_key, write_auditd_conf)

RULE_LINES = {"ak-bus-watch": 7, "ak-bus-access": 8, "ak-bus-user": 9}


class FakeBusTest(unittest.TestCase, BusCalls):
    maxDiff = None

    @classmethod
    def setUpClass(cls):
        cls.daemon = cls.bus = cls.monitor = None
        cls.tmp = tempfile.mkdtemp(prefix="ak-bus-fake-")
        os.chmod(cls.tmp, 0o755)    # the unprivileged callers reach the bus socket in here
        try:
            cls.set_up_class()
        except BaseException:
            cls.tearDownClass()
            raise

    @classmethod
    def set_up_class(cls):
        cls.watched = os.path.join(cls.tmp, "watched")
        os.mkdir(cls.watched)
        cls.rules = os.path.join(cls.tmp, "test.rules")
        cls.write_rules(cls.base_rules())
        cls.ctl_bin = ctl_for_everyone(cls.tmp)
        cls.bus = Bus(cls.tmp, os.path.join(cls.tmp, "bus"), let_through=BUS_LETTHROUGH_USER)
        cls.env = dict(os.environ, DBUS_SYSTEM_BUS_ADDRESS=cls.bus.address)
        cls.env.pop("NO_COLOR", None)
        os.mkdir(os.path.join(cls.tmp, "log"))
        cls.auditd_conf = os.path.join(cls.tmp, "auditd.conf")
        cls.write_auditd_conf("IGNORE")
        cls.daemon = Daemon(cls.tmp, ["--rules", cls.rules, "--poll-interval", "1", "--auditd-conf", cls.auditd_conf],
                            env=cls.env, bus=cls.bus.address, fake_kernel=True)
        cls.notify = cls.daemon.notify
        cls.notify.wait_for("READY=1", timeout=30)
        cls.bus.wait_name(BUS_NAME)
        cls.monitor = Monitor(cls.bus.address)

    @classmethod
    def tearDownClass(cls):
        if cls.monitor:
            cls.monitor.stop()
        if cls.daemon:
            cls.daemon.kill()
        if cls.bus:
            cls.bus.stop()
        if cls.daemon:
            print("---- daemon log (last 40 lines) ----", cls.daemon.tail(40), sep="\n", file=sys.stderr)
            cls.daemon.log.close()
        shutil.rmtree(cls.tmp, ignore_errors=True)

    @classmethod
    def base_rules(cls):
        # line 4 is a warning (ListErrors)
        return f"""# test rules for the D-Bus interface, on the fake kernel
-D
-b 1234
-l
-f 1
-e 1
-w {cls.watched} -p wa -k ak-bus-watch
-a always,exit -F arch=b64 -S openat -F exit=-EACCES -F key=ak-bus-access
-a always,exit -F arch=b64 -S openat -F auid>=1000 -F auid!=unset -F key=ak-bus-user
"""

    @classmethod
    def write_rules(cls, text):
        with open(cls.rules + ".new", "w") as f:
            f.write(text)
        os.chmod(cls.rules + ".new", 0o600)
        os.rename(cls.rules + ".new", cls.rules)

    @classmethod
    def write_auditd_conf(cls, admin_action):
        write_auditd_conf(cls.auditd_conf, f"{cls.tmp}/log", admin_action)

    def auditd_conf_warning(self):
        return auditd_conf_ignore_warning(self.auditd_conf)

    def wait_in_sync(self):
        self.wait_prop("State", lambda v: v == "in-sync")

    def rules_of(self):
        """The kernel's rules as the daemon reports them (ListRules): no auditctl here."""
        return sorted(t for t, o, s in self.call("ListRules")[0] if s == "loaded")

    # ---- the interface ------------------------------------------------------------------------

    def test_00_introspection_equals_reference_xml(self):
        live = self.busctl("introspect", "--xml-interface", BUS_NAME, BUS_PATH).stdout
        with open(BUS_XML) as f:
            ref = f.read()
        self.assertEqual(canonical(manager_interface(live)), canonical(manager_interface(ref)),
                         f"the running daemon's interface differs from {BUS_XML}; live:\n{live}")
        iface = manager_interface(ref)
        self.assertEqual({p.get("name"): p.get("type") for p in iface.iter("property")}, BUS_PROPERTIES)
        self.assertEqual({m.get("name"): [(a.get("name"), a.get("type")) for a in m.iter("arg")]
                          for m in iface.iter("method")}, BUS_METHODS)
        self.assertEqual({s.get("name"): [(a.get("name"), a.get("type")) for a in s.iter("arg")]
                          for s in iface.iter("signal")}, BUS_SIGNALS)

    def test_01_properties(self):
        self.wait_in_sync()
        p = self.props()
        self.assertEqual(set(p), set(BUS_PROPERTIES))
        self.assertEqual(p["State"], "in-sync")
        self.assertTrue(p["InSync"])
        self.assertEqual(p["Mode"], "enforce")
        self.assertEqual((p["Enabled"], p["Failure"], p["BacklogLimit"]), (1, 1, 1234))
        self.assertEqual(p["AuditPid"], 0)
        self.assertFalse(p["Locked"])
        self.assertEqual((p["DesiredRules"], p["LoadedRules"], p["PendingRules"], p["ForeignRules"]), (3, 3, 0, 0))
        self.assertEqual(p["ParseErrors"], 0)  # line 4 is a warning, not an error
        self.assertEqual(p["Sources"], [self.rules])
        self.assertGreater(p["LastSyncUSec"], realtime_usec() - 5_000_000)
        self.assertLessEqual(p["LastSyncUSec"], realtime_usec())
        self.assertIn(p["CompatLevel"], (3, 4, 41))  # 41: level 4.1
        for name in ("State", "Enabled", "BacklogLimit", "DesiredRules", "Sources", "Mode", "Locked"):
            self.assertEqual(self.prop(name), p[name], name)

    def test_02_properties_are_live(self):
        """LastSyncUSec moves at every poll (1 s), announced with PropertiesChanged; only what
        changed is sent."""
        mark = self.monitor.mark()
        first = self.prop("LastSyncUSec")
        self.assertGreater(self.wait_prop("LastSyncUSec", lambda v: v > first, timeout=5), first)
        sent = self.monitor.wait(lambda: [c for c in self.monitor.changed(mark) if c.get("LastSyncUSec", 0) > first])
        self.assertTrue(sent, "no PropertiesChanged with a newer LastSyncUSec")
        for c in self.monitor.changed(mark):
            self.assertNotIn("Sources", c)
            self.assertNotIn("Mode", c)

    def test_03_list_rules_diff_list_errors(self):
        self.wait_in_sync()
        rules = self.call("ListRules")[0]
        self.assertEqual(len(rules), 3, rules)
        for text, origin, state in rules:
            self.assertEqual(state, "loaded", text)
            self.assertEqual(origin, f"{self.rules}:{RULE_LINES[rule_key(text)]}", text)
        self.assertEqual(self.call("Diff"), [[]])
        errors = self.call("ListErrors")[0]
        self.assertEqual(len(errors), 1, errors)
        f, line, column, message = errors[0]
        self.assertEqual((f, line, column), (self.rules, 4, 1))
        self.assertTrue(message.startswith("warning: ") and "-l" in message, message)

    def test_04_auditd_conf_properties(self):
        self.assertEqual(self.prop("AuditdConf"), self.auditd_conf)
        self.assertEqual(self.prop("AuditdConfWarnings"), [self.auditd_conf_warning()])
        mark = self.monitor.mark()
        try:
            self.write_auditd_conf("SUSPEND")
            self.assertEqual(self.wait_prop("AuditdConfWarnings", lambda v: v == [], timeout=5), [])
            self.assertTrue(self.monitor.wait(lambda: [c for c in self.monitor.changed(mark)
                                                       if c.get("AuditdConfWarnings") == []]),
                            "no PropertiesChanged for AuditdConfWarnings")
        finally:
            self.write_auditd_conf("IGNORE")
        self.assertEqual(self.wait_prop("AuditdConfWarnings", lambda v: v != [], timeout=5),
                         [self.auditd_conf_warning()])

    # ---- methods ------------------------------------------------------------------------------

    def test_10_resync_in_sync(self):
        self.wait_in_sync()
        self.assertEqual(self.call("Resync"), [0, 0, 0])
        self.assertEqual(self.call("ResyncExactOrder"), [0, 0, 0])
        r = self.ctl("resync")
        self.assertEqual((r.returncode, r.stdout), (0, "resync: 0 added, 0 removed, 0 status changes\n"), r.stderr)
        r = self.ctl("resync", "--json")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(json.loads(r.stdout), {"added": 0, "removed": 0, "changed": 0})

    def test_11_reload(self):
        self.wait_in_sync()
        before = self.rules_of()
        mark = self.monitor.mark()
        try:
            self.write_rules(self.base_rules().replace("ak-bus-user", "ak-bus-renamed"))
            self.assertEqual(self.call("Reload"), [1, 1, 0])
            self.assertEqual(self.rules_of(), sorted(r.replace("ak-bus-user", "ak-bus-renamed") for r in before))
            self.assertIn((f"{self.rules}:9", "loaded"),
                          [(o, s) for t, o, s in self.call("ListRules")[0] if "ak-bus-renamed" in t])
            synced = self.monitor.wait(lambda: [s for s in self.monitor.signals("Synced", mark)
                                                if s["payload"]["data"] == [1, 1, 0]])
            self.assertTrue(synced, "no Synced(1, 1, 0) signal after the reload")
            self.assertEqual(synced[0]["path"], BUS_PATH)
            self.assertEqual(synced[0]["interface"], BUS_IFACE)
        finally:
            self.write_rules(self.base_rules())
        r = self.ctl("reload", "--json")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(json.loads(r.stdout), {"added": 1, "removed": 1, "changed": 0})
        self.assertEqual(self.rules_of(), before)

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
            self.assertEqual(self.rules_of(), before)
            self.assertEqual(self.prop("ParseErrors"), 0)
        finally:
            self.write_rules(self.base_rules())
        self.assertEqual(self.call("Reload"), [0, 0, 0])

    # ---- access control -----------------------------------------------------------------------

    def test_20_unprivileged_callers_read_but_cannot_call(self):
        self.wait_in_sync()
        for method in BUS_METHODS:
            r = self.busctl("call", BUS_NAME, BUS_PATH, BUS_IFACE, method, user=NOBODY, check=False)
            self.assertNotEqual(r.returncode, 0, method)
            self.assertIn("Access denied", r.stderr, method)
            err = self.dbus_send_error(method, user=NOBODY)
            self.assertIsNotNone(err, method)
            self.assertEqual(err[0], BUS_ACCESS_DENIED, method)
        mine, theirs = self.props(), self.props(user=NOBODY)
        for k in ("Backlog", "Lost", "LastSyncUSec"):
            mine.pop(k), theirs.pop(k)
        self.assertEqual(theirs, mine)
        r = self.ctl("status", user=NOBODY)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("auditkeepd: in-sync, mode enforce", r.stdout)
        for verb in ("rules", "resync", "reload"):
            r = self.ctl(verb, user=NOBODY)
            self.assertEqual(r.returncode, 2, verb)
            self.assertEqual(r.stderr, f"auditkeepctl {verb}: permission denied: only root may do this\n")

    def test_21_daemon_checks_the_callers_credentials(self):
        """Past the bus policy (a test-only rule lets one user through), the daemon itself refuses
        every caller but root, also one holding CAP_AUDIT_CONTROL."""
        pwd.getpwnam(BUS_LETTHROUGH_USER)   # Debian always has it; a KeyError fails the test
        user = ["setpriv", f"--reuid={BUS_LETTHROUGH_USER}", f"--regid={BUS_LETTHROUGH_USER}", "--clear-groups"]
        with_cap = user + ["--inh-caps=+audit_control", "--ambient-caps=+audit_control"]
        for method in BUS_METHODS:
            for who in (user, with_cap):
                self.assertEqual(self.dbus_send_error(method, user=who), (BUS_ACCESS_DENIED, "Only root may do this"), method)
        self.assertEqual(self.call("Resync"), [0, 0, 0])

    # ---- auditkeepctl -------------------------------------------------------------------------

    def test_30_ctl_status_rules_diff(self):
        self.wait_in_sync()
        r = self.ctl("status", "--json")
        p = self.props()
        self.assertEqual(r.returncode, 0, r.stderr)
        j = json.loads(r.stdout)
        for k, prop in (("state", "State"), ("mode", "Mode"), ("enabled", "Enabled"), ("backlog_limit", "BacklogLimit"),
                        ("desired_rules", "DesiredRules"), ("loaded_rules", "LoadedRules"), ("sources", "Sources"),
                        ("auditd_conf", "AuditdConf"), ("compat_level", "CompatLevel"), ("compat", "Compat")):
            self.assertEqual(j[k], p[prop], k)
        file, line, column, message = self.auditd_conf_warning()
        self.assertEqual(j["auditd_conf_problems"], [{"file": file, "line": line, "column": column, "message": message}])
        r = self.ctl("rules", "--json")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual([[x["rule"], x["declared"], x["state"]] for x in json.loads(r.stdout)], self.call("ListRules")[0])
        r = self.ctl("diff")
        self.assertEqual((r.returncode, r.stdout), (0, "in sync (as auditkeepd sees it)\n"), r.stderr)

    # ---- without the daemon -------------------------------------------------------------------

    def test_90_not_running(self):
        self.assertEqual(self.daemon.stop(timeout=10), 0)
        for verb in ("status", "rules", "resync", "reload"):
            r = self.ctl(verb)
            self.assertEqual((r.returncode, r.stdout, r.stderr), (2, "", CTL_NOT_RUNNING + "\n"), verb)

    def test_91_monitor_mode_resync_is_refused(self):
        """In monitor mode Resync and ResyncExactOrder are refused with MonitorMode; Reload answers."""
        if self.daemon.proc.poll() is None:
            self.daemon.stop(timeout=10)
        mdir = os.path.join(self.tmp, "monitor")
        os.mkdir(mdir)
        d = Daemon(mdir, ["--rules", self.rules, "--mode", "monitor", "--poll-interval", "1"],
                   env=self.env, bus=self.bus.address, fake_kernel=True)
        try:
            d.notify.wait_for("READY=1", timeout=30)
            self.bus.wait_name(BUS_NAME)
            # the fake starts without the rules, and monitor mode never adds them
            self.wait_prop("State", lambda v: v == "drifted")
            self.assertEqual(self.prop("Mode"), "monitor")
            for method in ("Resync", "ResyncExactOrder"):
                self.assertEqual(self.dbus_send_error(method),
                                 ("org.auditkeep1.Error.MonitorMode", "auditkeepd runs in monitor mode and never changes "
                                  "the kernel; 'auditkeepctl diff' shows what differs"), method)
            self.assertEqual(self.call("Reload"), [0, 0, 0])
            self.assertEqual(len(self.call("Diff")[0]), 3 + 1)   # the three rules and backlog_limit
        finally:
            self.assertEqual(d.stop(timeout=10), 0, d.tail())
            d.log.close()


if __name__ == "__main__":
    if os.geteuid() != 0:
        print("skipped: the project's bus policy lets only root own org.auditkeep1 and call it")
        sys.exit(77)
    for tool in ("dbus-daemon", "busctl", "dbus-send", "setpriv"):
        if not shutil.which(tool):
            print(f"skipped: {tool} is not installed")
            sys.exit(77)
    for path in (DAEMON, CTL, FAKE_KERNEL_SERVE):
        if not os.access(path, os.X_OK):
            print(f"{path} is not built", file=sys.stderr)
            sys.exit(1)
    unittest.main(verbosity=2)
