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
import socket
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "helpers"))
from akharness import (BUS_ACCESS_DENIED, BUS_IFACE, BUS_LETTHROUGH_USER, BUS_METHODS, BUS_NAME,  # noqa: E402
                       BUS_PATH, BUS_PROPERTIES, BUS_SIGNALS, BUS_XML, CTL, CTL_NOT_RUNNING, DAEMON_TEST, FAKE_KERNEL_SERVE,
                       NOBODY, Bus, BusCalls, Daemon, Monitor, auditd_conf_ignore_warning, canonical,
                       ctl_for_everyone, manager_interface, realtime_usec, rule_key, run, write_auditd_conf)

RULE_LINES = {"ak-bus-watch": 7, "ak-bus-access": 8, "ak-bus-user": 9}
# who removes a rule through FAKE_KERNEL_SERVE_CONTROL (tests/helpers/fake-kernel-serve.c)
FAKE_CHANGER = "pid=4242 comm=auditctl exe=/usr/sbin/auditctl auid=1000 ses=3"
# what would tell an unprivileged reader who changed the rules or what auditd.conf lacks
ROOTS_WORDS = ("pid=4242", "comm=auditctl", "auid=1000", "ses=3", "admin_space_left_action", "'ignore'")


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

    def test_04_auditd_conf_problems(self):
        """AuditdConf names the file; AuditdConfProblems counts what its check found, follows an
        edit and is announced with PropertiesChanged; ListAuditdConfProblems (root's) says what."""
        self.assertEqual(self.prop("AuditdConf"), self.auditd_conf)
        self.assertEqual(self.prop("AuditdConfProblems"), 1)
        self.assertEqual(self.call("ListAuditdConfProblems"), [[self.auditd_conf_warning()]])
        mark = self.monitor.mark()
        try:
            self.write_auditd_conf("SUSPEND")
            self.assertEqual(self.wait_prop("AuditdConfProblems", lambda v: v == 0, timeout=5), 0)
            self.assertEqual(self.call("ListAuditdConfProblems"), [[]])
            self.assertTrue(self.monitor.wait(lambda: [c for c in self.monitor.changed(mark)
                                                       if c.get("AuditdConfProblems") == 0]),
                            "no PropertiesChanged for AuditdConfProblems")
        finally:
            self.write_auditd_conf("IGNORE")
        self.assertEqual(self.wait_prop("AuditdConfProblems", lambda v: v == 1, timeout=5), 1)
        self.assertEqual(self.call("ListAuditdConfProblems"), [[self.auditd_conf_warning()]])

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

    def test_13_noncharacter_key_listed(self):
        """F7 (fuzz/RESULTS.md): a rule whose key holds a Unicode noncharacter (U+FFFF is valid UTF-8,
        but sd-bus refuses it) is listed with the key escaped; before, ListRules failed as a whole."""
        self.wait_in_sync()
        before = self.rules_of()
        try:
            self.write_rules(self.base_rules() + f"-w {self.watched}/f7 -p wa -k ak-bus-\uffff\n")
            self.assertEqual(self.call("Reload"), [1, 0, 0])
            self.assertIn((f"-w {self.watched}/f7 -p wa -k ak-bus-\\xef\\xbf\\xbf", f"{self.rules}:10", "loaded"),
                          [tuple(x) for x in self.call("ListRules")[0]])
            r = self.ctl("rules")
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertIn("-k ak-bus-\\xef\\xbf\\xbf", r.stdout)
        finally:
            self.write_rules(self.base_rules())
        self.assertEqual(self.call("Reload"), [0, 1, 0])
        self.assertEqual(self.rules_of(), before)

    def test_12_reload_to_no_rule_removes_nothing(self):
        """A reload to rules that declare no rule removes nothing: ForeignKept, StatusText,
        ForeignRules, auditkeepctl status (text, JSON, metrics) say what is kept and why."""
        self.wait_in_sync()
        self.assertEqual((self.prop("ForeignKept"), self.prop("StatusText")), ("", "in sync, 3 rules"))
        before = self.rules_of()
        try:
            self.write_rules("-D\n-b 1234\n-f 1\n-e 1\n")
            self.assertEqual(self.call("Reload"), [0, 0, 0])
            p = self.props()
            self.assertEqual((p["ForeignKept"], p["StatusText"]),
                             ("no-rules-declared", "in sync, 0 rules; foreign rules kept: the rules declare no rule"))
            self.assertEqual((p["State"], p["DesiredRules"], p["ForeignRules"]), ("in-sync", 0, 3))
            self.assertEqual(sorted(t for t, o, s in self.call("ListRules")[0] if s == "foreign"), before)
            self.assertEqual(self.call("Diff"), [[]])
            r = self.ctl("status")
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertIn("\n   foreign: 3 kept, none removed because the rules declare no rule; declare rules, or run "
                          "auditkeepd with --allow-empty\n", r.stdout)
            j = json.loads(self.ctl("status", "--json").stdout)
            self.assertEqual((j["foreign_kept"], j["status_text"]), (p["ForeignKept"], p["StatusText"]))
            metrics = self.ctl("status", "--prometheus").stdout
            self.assertIn('auditkeep_foreign_removal_withheld{reason="no-rules-declared"} 1\n', metrics)
            self.assertIn('auditkeep_foreign_removal_withheld{reason="rules-have-errors"} 0\n', metrics)
        finally:
            self.write_rules(self.base_rules())
        self.assertEqual(self.call("Reload"), [0, 0, 0])
        self.assertEqual((self.prop("ForeignKept"), self.prop("ForeignRules")), ("", 0))
        self.assertEqual(self.rules_of(), before)
        self.assertNotIn("foreign:", self.ctl("status").stdout)

    def test_13_allowed_foreign_rule(self):
        """A rule no longer declared but allowed by key (allow-foreign) stays where it is, counted
        apart: ForeignAllowedRules, StatusText, ListRules, ListForeignShadows (the declared rule
        after it that it can shadow), auditkeepctl status (text, JSON, metrics)."""
        self.wait_in_sync()
        before = self.rules_of()
        access = [t for t in before if "ak-bus-access" in t]
        self.assertEqual(len(access), 1, before)
        try:
            self.write_rules("# auditkeep: allow-foreign key=ak-bus-access\n"
                             + "".join(line + "\n" for line in self.base_rules().splitlines() if "ak-bus-access" not in line))
            self.assertEqual(self.call("Reload"), [0, 0, 0])
            p = self.props()
            self.assertEqual((p["State"], p["DesiredRules"], p["ForeignRules"], p["ForeignAllowedRules"],
                              p["ForeignAllowedShadows"]), ("in-sync", 2, 0, 1, 1))
            self.assertEqual(p["StatusText"], "in sync, 2 rules; 1 foreign rule allowed, shadowing 1 declared rule")
            self.assertIn([access[0], f"{self.rules}:1", "foreign-allowed"], self.call("ListRules")[0])
            shadows = self.call("ListForeignShadows")[0]
            self.assertEqual(len(shadows), 1, shadows)
            self.assertRegex(shadows[0], r"^.*:9: -a always,exit -F arch=b64 -S openat -F auid>=1000 -F auid!=-1 "
                                         r"-F key=ak-bus-user can be shadowed by the allowed foreign rule .*key=ak-bus-access "
                                         r"\(allowed by .*:1\), which stands before it: events both match are recorded "
                                         r"with key 'ak-bus-access', not 'ak-bus-user'$")
            r = self.ctl("status")
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertIn("\n   foreign: 1 allowed (allow-foreign), kept where their agent put them; 1 declared rule can "
                          "be shadowed by them:\n  " + shadows[0] + "\n", r.stdout)
            j = json.loads(self.ctl("status", "--json").stdout)
            self.assertEqual((j["foreign_allowed_rules"], j["foreign_allowed_shadows"]), (1, 1))
            metrics = self.ctl("status", "--prometheus").stdout
            self.assertIn('auditkeep_rules{state="foreign-allowed"} 1\n', metrics)
            self.assertIn('auditkeep_rules{state="foreign"} 0\n', metrics)
            # an ordinary user sees the counts, not which rules
            r = self.ctl("status", user=NOBODY)
            self.assertIn("1 declared rule can be shadowed by them:\n  (which is shown to root only", r.stdout)
        finally:
            self.write_rules(self.base_rules())
        self.assertEqual(self.call("Reload"), [0, 0, 0])
        self.assertEqual((self.prop("ForeignAllowedRules"), self.prop("ForeignAllowedShadows")), (0, 0))
        self.assertEqual(self.rules_of(), before)
        self.assertNotIn("foreign:", self.ctl("status").stdout)

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
            self.assertEqual(r.returncode, 4, verb)       # permission denied, not "cannot be reached"
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

    def test_22_root_only_details(self):
        """What auditd.conf's check found and who changed the rules are root's: an unprivileged
        caller's GetAll works and holds neither (only the count of problems), the methods that
        give them refuse it, and auditkeepctl status (text and JSON) says they are shown to root
        only, where root's shows them."""
        self.wait_in_sync()
        theirs = self.props(user=NOBODY)
        self.assertEqual(set(theirs), set(BUS_PROPERTIES))
        self.assertNotIn("LastDriftBy", theirs)
        self.assertNotIn("AuditdConfWarnings", theirs)
        self.assertEqual(theirs["AuditdConfProblems"], 1)
        for word in ROOTS_WORDS:
            self.assertNotIn(word, json.dumps(theirs), word)
        for method in ("GetLastDrift", "ListAuditdConfProblems"):
            self.assertEqual(self.dbus_send_error(method, user=NOBODY)[0], BUS_ACCESS_DENIED, method)
            r = self.busctl("call", BUS_NAME, BUS_PATH, BUS_IFACE, method, user=NOBODY, check=False)
            self.assertIn("Access denied", r.stderr, method)

        file, line, column, message = self.auditd_conf_warning()
        r = self.ctl("status", user=NOBODY)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("\nauditd.conf: 1 problems found, shown to root only (auditkeepd never edits the file)\n", r.stdout)
        for word in ROOTS_WORDS:
            self.assertNotIn(word, r.stdout, word)
        r = self.ctl("status", "--json", user=NOBODY)
        self.assertEqual(r.returncode, 0, r.stderr)
        j = json.loads(r.stdout)
        self.assertEqual((j["root_details"], j["last_drift_by"], j["auditd_conf_problems"], j["auditd_conf_problem_count"]),
                         (False, None, None, 1))
        r = self.ctl("status")
        self.assertIn(f"\nauditd.conf: problems found (auditkeepd never edits the file):\n  {file}:{line}:{column}: "
                      f"{message}\n", r.stdout)

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
        self.assertEqual((j["auditd_conf_problem_count"], j["root_details"]), (1, True))
        r = self.ctl("rules", "--json")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual([[x["rule"], x["declared"], x["state"]] for x in json.loads(r.stdout)], self.call("ListRules")[0])
        r = self.ctl("diff")
        self.assertEqual((r.returncode, r.stdout), (0, "in sync (as auditkeepd sees it)\n"), r.stderr)

    def test_32_rule_cost(self):
        """The desired rules' cost, as check counts it: the two openat rules and the watch on a
        directory (dir=) are on the exit list, the watch at every system call."""
        self.wait_in_sync()
        self.assertEqual((self.prop("ExitListRules"), self.prop("EverySyscallRules")), (3, 1))
        r = self.ctl("status")
        self.assertIn("\n      cost: exit list 3 rules (all walked at every system call), 1 evaluated at every system "
                      "call (auditkeepctl check shows why)\n", r.stdout)
        j = json.loads(self.ctl("status", "--json").stdout)
        self.assertEqual((j["exit_list_rules"], j["every_syscall_rules"]), (3, 1))
        metrics = self.ctl("status", "--prometheus").stdout
        self.assertIn("\nauditkeep_rules_exit_list 3\n", metrics)
        self.assertIn("\nauditkeep_rules_every_syscall 1\n", metrics)

    def test_31_ctl_status_boot_notes(self):
        """status says what the kernel command line lacks for auditing before the daemon starts,
        with the line to add (the limit the kernel holds now, 1234, suggested), or that it has it."""
        self.wait_in_sync()
        bare = os.path.join(self.tmp, "cmdline-bare")
        with open(bare, "w") as f:
            f.write("BOOT_IMAGE=/vmlinuz root=/dev/vda ro quiet\n")
        r = run(self.ctl_bin, "status", check=False, env=dict(self.env, AUDITKEEP_CMDLINE=bare))
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("\n      boot: no audit=1: processes started before the audit rules are loaded get no audit "
                      "context", r.stdout)
        self.assertIn("\n            no audit_backlog_limit=: ", r.stdout)
        self.assertIn("\n            on Debian: add audit=1 audit_backlog_limit=1234 to GRUB_CMDLINE_LINUX in "
                      "/etc/default/grub (GRUB_CMDLINE_LINUX=\"... audit=1 audit_backlog_limit=1234\"), run update-grub "
                      "and reboot\n", r.stdout)
        good = os.path.join(self.tmp, "cmdline-good")
        with open(good, "w") as f:
            f.write("root=/dev/vda audit=1 audit_backlog_limit=8192\n")
        r = run(self.ctl_bin, "status", check=False, env=dict(self.env, AUDITKEEP_CMDLINE=good))
        self.assertTrue(r.stdout.endswith("\n      boot: audit=1 audit_backlog_limit=8192 on the kernel command line\n"),
                        r.stdout)

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

    def start_bad_rules(self, name, extra):
        """A daemon of its own (the shared one stopped) on the base rules plus `extra`, a bad
        line among them: returns it, degraded, and its rules file."""
        if self.daemon.proc.poll() is None:
            self.daemon.stop(timeout=10)
        edir = os.path.join(self.tmp, name)
        os.mkdir(edir)
        rules = os.path.join(edir, "bad.rules")
        with open(rules, "w") as f:
            f.write(self.base_rules() + extra)
        d = Daemon(edir, ["--rules", rules, "--poll-interval", "1"], env=self.env, bus=self.bus.address, fake_kernel=True)
        try:
            d.notify.wait_for("READY=1", timeout=30)
            self.bus.wait_name(BUS_NAME)
            self.wait_prop("State", lambda v: v == "degraded")
        except BaseException:
            d.stop(timeout=10)
            d.log.close()
            raise
        return d, rules

    def test_92_start_with_errors(self):
        """Rules with a bad line at start: the valid rules go in, State is degraded, and
        ParseErrors, ForeignKept, StatusText and auditkeepctl status say why nothing is removed."""
        d, rules = self.start_bad_rules("errors", "-a always,exit -F auidd>=1000 -S open\n-e 2\n")
        try:
            p = self.props()
            self.assertEqual((p["ParseErrors"], p["DesiredRules"], p["LoadedRules"]), (1, 3, 3))
            self.assertEqual((p["ForeignKept"], p["StatusText"]),
                             ("rules-have-errors", "degraded: 0 pending, 1 errors; foreign rules kept: the rules have errors"))
            self.assertEqual([(f, line) for f, line, c, m in self.call("ListErrors")[0] if not m.startswith("warning")],
                             [(rules, 10)])
            r = self.ctl("status")
            self.assertEqual(r.returncode, 1, r.stderr)       # degraded: status says it to scripts too
            self.assertEqual(json.loads(self.ctl("status", "--json").stdout)["in_sync"], False)
            self.assertIn("auditkeepd: degraded, mode enforce\n", r.stdout)
            self.assertIn("3 loaded, 0 pending, 0 foreign, 1 parse errors\n", r.stdout)
            self.assertIn("\n   foreign: 0 kept, none removed because the rules have errors; fix the errors "
                          "(auditkeepctl check) and reload\n", r.stdout)
            # the lock the rules ask for is withheld: the daemon's Diff says so, as diff PATH does
            self.assertEqual(self.call("Diff"), [["! lock (-e 2) withheld: the rules have 1 error"]])
            r = self.ctl("diff")
            self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
            self.assertIn("lock (-e 2) withheld: the rules have 1 error", r.stdout)
        finally:
            self.assertEqual(d.stop(timeout=10), 0, d.tail())
            d.log.close()

    def test_92b_diff_with_errors(self):
        """The daemon's rules have an error and the kernel holds the rules that parse: diff (the
        daemon's view) exits 1 and says so, as diff PATH does."""
        d, _ = self.start_bad_rules("errors-diff", "-a always,exit -F auidd>=1000 -S open\n")
        try:
            self.assertEqual(self.call("Diff"), [[]])
            r = self.ctl("diff")
            self.assertEqual((r.returncode, r.stdout), (1, "in sync with the rules that parse (as auditkeepd sees it)\n"),
                             r.stderr)
            self.assertEqual(r.stderr, "auditkeepd's rules have 1 error (auditkeepctl status)\n")
        finally:
            self.assertEqual(d.stop(timeout=10), 0, d.tail())
            d.log.close()

    def test_93_drift_changer_for_root_only(self):
        """Drift with a changer named by its records (fake-kernel-serve removes a rule as pid 4242,
        auditctl, would): DriftDetected carries what changed and the counts, and neither it nor
        any PropertiesChanged names the changer; an unprivileged GetAll and auditkeepctl status
        do not either; root's GetLastDrift and auditkeepctl status do."""
        if self.daemon.proc.poll() is None:
            self.daemon.stop(timeout=10)
        ddir = os.path.join(self.tmp, "drift")
        os.mkdir(ddir)
        control = os.path.join(ddir, "fake-control")
        d = Daemon(ddir, ["--rules", self.rules, "--poll-interval", "1", "--auditd-conf", self.auditd_conf],
                   env=dict(self.env, FAKE_KERNEL_SERVE_CONTROL=control), bus=self.bus.address, fake_kernel=True)
        monitor = None
        try:
            d.notify.wait_for("READY=1", timeout=30)
            self.bus.wait_name(BUS_NAME)
            monitor = Monitor(self.bus.address)
            self.wait_in_sync()
            self.assertEqual((self.prop("DriftEvents"), self.call("GetLastDrift")), (0, [0, "", ""]))
            mark = monitor.mark()
            with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as s:
                s.sendto(b"remove-rule", control)
            drift = monitor.wait(lambda: monitor.signals("DriftDetected", mark))
            self.assertTrue(drift, "no DriftDetected signal\n" + d.tail())
            self.assertEqual(drift[0]["payload"]["data"], ["1 rules removed", 1, 0, 0, 0])
            self.wait_prop("DriftEvents", lambda v: v == 1)
            self.wait_in_sync()
            d.wait_log("Drift detected \\(event\\): 1 rules removed, by " + FAKE_CHANGER)
            usec = self.prop("LastDriftUSec")
            self.assertGreater(usec, 0)

            # root sees who
            self.assertEqual(self.call("GetLastDrift"), [usec, "1 rules removed", FAKE_CHANGER])
            r = self.ctl("status")
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertRegex(r.stdout, r"\n     drift: 1 events, [0-9]+ repairs; last .* by " + FAKE_CHANGER + "\n")
            self.assertEqual(json.loads(self.ctl("status", "--json").stdout)["last_drift_by"], FAKE_CHANGER)

            # everyone else: what and when, never who
            changed = monitor.changed(mark)
            self.assertIn(1, [c["DriftEvents"] for c in changed if "DriftEvents" in c])
            broadcast = json.dumps([m for m in monitor.messages[mark:] if m.get("type") == "signal"])
            for word in ROOTS_WORDS:
                self.assertNotIn(word, broadcast, word)
            theirs = self.props(user=NOBODY)
            self.assertEqual((theirs["DriftEvents"], theirs["LastDriftUSec"]), (1, usec))
            for word in ROOTS_WORDS:
                self.assertNotIn(word, json.dumps(theirs), word)
            self.assertEqual(self.dbus_send_error("GetLastDrift", user=NOBODY)[0], BUS_ACCESS_DENIED)
            r = self.ctl("status", user=NOBODY)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertRegex(r.stdout, r"\n     drift: 1 events, [0-9]+ repairs; last .*, changer shown to root only\n")
            for word in ROOTS_WORDS:
                self.assertNotIn(word, r.stdout, word)
            self.assertIsNone(json.loads(self.ctl("status", "--json", user=NOBODY).stdout)["last_drift_by"])
        finally:
            if monitor:
                monitor.stop()
            self.assertEqual(d.stop(timeout=10), 0, d.tail())
            d.log.close()


    def test_92_untrusted_source_in_status(self):
        """A rules file its group can write is refused like a file with a syntax error (issue
        #22): the other source is loaded, ParseErrors counts it, and auditkeepctl status names the
        file and why, for root; an unprivileged user is told where to look."""
        if self.daemon.proc.poll() is None:
            self.daemon.stop(timeout=10)
        udir = os.path.join(self.tmp, "untrusted")
        os.mkdir(udir)
        bad = os.path.join(udir, "group.rules")
        with open(bad, "w") as f:
            f.write("-w /etc/shadow -p wa -k ak-bus-untrusted\n")
        os.chmod(bad, 0o664)
        d = Daemon(udir, ["--rules", self.rules, "--rules", bad, "--poll-interval", "1"],
                   env=self.env, bus=self.bus.address, fake_kernel=True)
        try:
            d.notify.wait_for("READY=1", timeout=30)
            self.bus.wait_name(BUS_NAME)
            self.assertEqual(self.prop("ParseErrors"), 1)
            self.assertEqual(self.prop("DesiredRules"), 3)
            why = "file is writable by its group (mode 0664); auditkeepd does not load it (augenrules would)"
            self.assertIn([bad, 0, 0, why], self.call("ListErrors")[0])
            r = self.ctl("status")
            self.assertEqual(r.returncode, 1, r.stderr)       # degraded
            self.assertIn(f"  {bad}: {why}\n", r.stdout)
            r = self.ctl("status", user=NOBODY)
            self.assertEqual(r.returncode, 1, r.stderr)
            self.assertIn("  (the errors are shown to root only; or see journalctl -u auditkeepd)\n", r.stdout)
            self.assertNotIn(why, r.stdout)
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
    for path in (DAEMON_TEST, CTL, FAKE_KERNEL_SERVE):
        if not os.access(path, os.X_OK):
            print(f"{path} is not built", file=sys.stderr)
            sys.exit(1)
    unittest.main(verbosity=2)
