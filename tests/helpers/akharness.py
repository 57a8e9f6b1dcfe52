# SPDX-License-Identifier: LGPL-2.1-or-later
"""The one harness of the Python tests (tests/kernel, tests/daemon, tests/unit) and of
fuzz/capture.py: the kernel lock, saving and restoring the kernel's audit state, a test class on
the real kernel, a NOTIFY_SOCKET reader, running the built daemon (on the real kernel or the
fake one), a private system bus with the project's policy, a monitor of it, calls on it and the
interface's tables, the bad rules files, and a little raw NETLINK_AUDIT. Stdlib only. The kernel
is shared: everything that touches it holds the flock on /tmp/auditkeep-kernel.lock for its
whole duration, never sets enabled=2, failure=2, the audit pid or loginuid-immutable, and
restores rules and status at the end."""

import errno
import fcntl
import json
import os
import random
import re
import select
import shutil
import signal
import socket
import struct
import subprocess
import sys
import threading
import tempfile
import time
import unittest
import xml.etree.ElementTree as ET

SRC = os.environ.get("AK_SRCDIR", os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
BUILD = os.environ.get("AK_BUILDDIR", os.path.join(SRC, "build"))
DAEMON = os.path.join(BUILD, "daemon", "auditkeepd")
# The same daemon with the test hooks (--control-fd, --monitor-fd, $AUDITKEEP_AUDITCTL), never installed
DAEMON_TEST = os.path.join(BUILD, "daemon", "auditkeepd-test")
CTL = os.path.join(BUILD, "tools", "auditkeepctl")
# tests/helpers/fake-kernel-serve.c: runs the daemon against the fake kernel
FAKE_KERNEL_SERVE = os.path.join(BUILD, "tests", "fake-kernel-serve")
LOCK_PATH = "/tmp/auditkeep-kernel.lock"

# The D-Bus interface: the bus policy and the reference introspection XML as installed.
BUS_NAME, BUS_PATH, BUS_IFACE = "org.auditkeep1", "/org/auditkeep1", "org.auditkeep1.Manager"
BUS_POLICY = os.path.abspath(os.path.join(SRC, "dbus", "org.auditkeep1.conf"))
BUS_XML = os.path.abspath(os.path.join(SRC, "dbus", "org.auditkeep1.xml"))
# The interface as the design fixes it: name -> signature.
BUS_PROPERTIES = {
    "State": "s", "Enabled": "u", "Failure": "u", "BacklogLimit": "u", "Backlog": "u", "Lost": "u",
    "RateLimit": "u", "BacklogWaitTime": "u", "AuditPid": "u", "Locked": "b", "InSync": "b", "DesiredRules": "u",
    "LoadedRules": "u", "PendingRules": "u", "ForeignRules": "u", "ForeignAllowedRules": "u", "ForeignAllowedShadows": "u", "ParseErrors": "u", "DriftEvents": "t",
    "Repairs": "t", "LastDriftUSec": "t", "LastSyncUSec": "t", "Mode": "s", "Sources": "as",
    "AuditdConf": "s", "AuditdConfProblems": "u", "CompatLevel": "u", "Compat": "s",
    "StatusText": "s", "ForeignKept": "s", "BacklogPeak": "u", "LostRecords": "t", "BacklogWaitUSec": "t",
    "LockWithheld": "b", "ExitListRules": "u", "EverySyscallRules": "u",
}
BUS_METHODS = {  # name -> out args (name, type)
    "Resync": [("added", "u"), ("removed", "u"), ("changed", "u")],
    "ResyncExactOrder": [("added", "u"), ("removed", "u"), ("changed", "u")],
    "Reload": [("added", "u"), ("removed", "u"), ("changed", "u")],
    "ListRules": [("rules", "a(sss)")],
    "Diff": [("lines", "as")],
    "ListForeignShadows": [("lines", "as")],
    "ListErrors": [("errors", "a(suus)")],
    # root's: who changed the configuration, and what auditd.conf's check found
    "GetLastDrift": [("usec", "t"), ("what", "s"), ("by", "s")],
    "ListAuditdConfProblems": [("problems", "a(suus)")],
}
BUS_SIGNALS = {
    "DriftDetected": [("what", "s"), ("removed", "u"), ("added", "u"), ("moved", "u"), ("settings", "u")],
    "Synced": [("added", "u"), ("removed", "u"), ("changed", "u")],
}
# run as nobody: a command prefix
NOBODY = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]
# A second unprivileged user for whom the test bus (not the project's policy) lets method calls
# through (Bus(let_through=...)), so that the daemon's own check of the caller's credentials is
# what answers.
BUS_LETTHROUGH_USER = "daemon"
BUS_ACCESS_DENIED = "org.freedesktop.DBus.Error.AccessDenied"
CTL_NOT_RUNNING = "auditkeepd is not running; start it with systemctl start auditkeepd, or use auditkeepctl apply"

NETLINK_AUDIT = 9
AUDIT_GET, AUDIT_SET, AUDIT_LIST_RULES = 1000, 1001, 1013
AUDIT_ADD_RULE, AUDIT_DEL_RULE = 1011, 1012
AUDIT_GET_FEATURE, AUDIT_SET_FEATURE = 1019, 1018
NLMSG_ERROR, NLMSG_DONE = 2, 3
NLM_F_REQUEST, NLM_F_ACK = 1, 4
SOL_NETLINK, NETLINK_CAP_ACK = 270, 10


def sh(*args, check=True, timeout=120):
    """Output (stdout and stderr together) of a command; AssertionError if it fails and check."""
    r = subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=timeout)
    if check and r.returncode != 0:
        raise AssertionError(f"{' '.join(args)} exited {r.returncode}: {r.stdout}")
    return r.stdout


def run(*args, check=True, env=None, timeout=60):
    """A command's CompletedProcess, stdout and stderr apart; AssertionError if it fails and check."""
    r = subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, timeout=timeout)
    if check and r.returncode != 0:
        raise AssertionError(f"{' '.join(args)} exited {r.returncode}: {r.stdout}{r.stderr}")
    return r


def kernel_rules():
    out = sh("auditctl", "-l")
    return [] if out.strip() == "No rules" else out.strip().splitlines()


def kernel_status():
    st = {}
    for line in sh("auditctl", "-s").splitlines():
        parts = line.split()
        if len(parts) >= 2 and parts[1].isdigit():
            st[parts[0]] = int(parts[1])
    return st


def usable():
    """Root with CAP_AUDIT_CONTROL in the initial namespaces, auditctl, an unlocked kernel."""
    if os.geteuid() != 0 or not shutil.which("auditctl"):
        return False
    if os.stat("/proc/self/ns/user").st_ino != 0xEFFFFFFD or os.stat("/proc/self/ns/pid").st_ino != 0xEFFFFFFC:
        return False
    try:
        return kernel_status().get("enabled", 2) != 2
    except (AssertionError, OSError, subprocess.SubprocessError):
        return False


def skip_unless_usable():
    if not usable():
        print("skipped: needs root with CAP_AUDIT_CONTROL in the initial namespaces, auditctl, and an unlocked kernel")
        sys.exit(77)
    for path in (DAEMON, CTL):
        if not os.access(path, os.X_OK):
            print(f"{path} is not built", file=sys.stderr)
            sys.exit(1)


class KernelLock:
    """The shared kernel lock, held from enter to exit."""

    def __enter__(self):
        self.f = open(LOCK_PATH, "a")
        fcntl.flock(self.f, fcntl.LOCK_EX)
        return self

    def __exit__(self, *exc):
        fcntl.flock(self.f, fcntl.LOCK_UN)
        self.f.close()


_running_daemons = []


def _restore_on_sigterm(state):
    """meson ends a test that runs past its timeout with SIGTERM, and no tearDown runs then: stop
    the daemons this process started and put the kernel back before dying, so that the next test
    does not take a test's rules for the machine's own."""
    def handler(signum, frame):
        try:
            for d in list(_running_daemons):
                d.kill()
            state.restore()
        finally:
            os._exit(128 + signum)
    try:
        signal.signal(signal.SIGTERM, handler)
    except ValueError:
        pass    # not the main thread


class KernelState:
    """Save and restore what the tests change: settable status fields and the rule list."""

    def __init__(self):
        self.status = kernel_status()
        self.rules = kernel_rules()
        _restore_on_sigterm(self)

    def restore(self):
        sh("auditctl", "-D", check=False)
        s = self.status
        sh("auditctl", "-b", str(s.get("backlog_limit", 64)), check=False)
        sh("auditctl", "-f", str(min(s.get("failure", 1), 1)), check=False)
        sh("auditctl", "-r", str(s.get("rate_limit", 0)), check=False)
        sh("auditctl", "--backlog_wait_time", str(s.get("backlog_wait_time", 15000)), check=False)
        for rule in self.rules:
            sh("auditctl", *rule.split(), check=False)
        sh("auditctl", "-e", str(min(s.get("enabled", 0), 1)), check=False)

    def check_restored(self):
        """What differs from the saved state after restore() (empty when all is back)."""
        now, diffs = kernel_status(), []
        for k in ("enabled", "failure", "rate_limit", "backlog_limit", "backlog_wait_time"):
            if now.get(k) != self.status.get(k):
                diffs.append(f"{k}: {self.status.get(k)} -> {now.get(k)}")
        if sorted(kernel_rules()) != sorted(self.rules):
            diffs.append("rules differ")
        return diffs


class KernelTestCase(unittest.TestCase):
    """A test class on the real kernel: the shared lock held for the whole class, the kernel's
    state saved first and restored at the end (and, with check_restore, checked), a temporary
    directory in self.tmp (mode tmp_mode when set). A subclass sets up its own fixtures (a daemon,
    a bus) in set_up_class(); when that fails, tearDownClass runs (unittest does not call it when
    setUpClass fails), so a subclass's tearDownClass must cope with fixtures never made."""

    tmp_prefix = "ak-kernel-"
    tmp_mode = None
    check_restore = True
    # the waits of the DaemonAsserts methods below: they return as soon as the state is there, so
    # their default deadlines are long (a slower machine, CI under load)
    rules_step, log_step = 0.002, 0.01

    @classmethod
    def setUpClass(cls):
        cls.kernel_lock = KernelLock().__enter__()
        cls.saved = KernelState()
        cls.tmp = tempfile.mkdtemp(prefix=cls.tmp_prefix)
        if cls.tmp_mode is not None:
            os.chmod(cls.tmp, cls.tmp_mode)
        try:
            cls.set_up_class()
        except BaseException:
            cls.tearDownClass()
            raise

    @classmethod
    def set_up_class(cls):
        pass

    @classmethod
    def tearDownClass(cls):
        cls.saved.restore()
        diffs = cls.saved.check_restored() if cls.check_restore else []
        shutil.rmtree(cls.tmp, ignore_errors=True)
        cls.kernel_lock.__exit__(None, None, None)
        if diffs:
            raise AssertionError(f"kernel not restored: {diffs}")

    @staticmethod
    def write_file(path, text, mode=0o600):
        """Atomically, as an editor that renames would."""
        with open(path + ".new", "w") as f:
            f.write(text)
        os.chmod(path + ".new", mode)
        os.rename(path + ".new", path)
        return path

    # ---- waiting for the daemon's log (self.log, a file object) and the kernel's rules ----

    def log_text(self):
        self.log.flush()
        with open(self.log.name) as f:
            return f.read()

    def wait_log(self, pattern, timeout=30.0, after=0):
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            m = re.search(pattern, self.log_text()[after:])
            if m:
                return m
            time.sleep(self.log_step)
        self.fail(f"no log line matching {pattern!r} in:\n{self.log_text()[after:]}")

    def wait_checks(self, after, count=1, reasons=None, timeout=30.0):
        """wait_checks() below on self.log (a daemon with AUDITKEEP_DEBUG=1)."""
        return wait_checks(self.log_text, after, count, reasons, timeout)

    def wait_rules(self, want, timeout=30.0, exact=False):
        """Wait until auditctl -l shows the rules of `want`; return the seconds it took. A rule put
        back is appended where the order cannot change what is recorded, so the order is
        compared only with exact=True."""
        key = (lambda x: x) if exact else sorted
        start = time.monotonic()
        while time.monotonic() - start < timeout:
            if key(kernel_rules()) == key(want):
                return time.monotonic() - start
            time.sleep(self.rules_step)
        self.assertEqual(key(kernel_rules()), key(want))


class Notify:
    """A NOTIFY_SOCKET like systemd's: a thread collects what the daemon sends, always draining
    (a full datagram queue would block the daemon in sd_notify, as it would under systemd)."""

    def __init__(self, path):
        self.path = path
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(path)
        self.messages = []
        self.lock = threading.Lock()
        threading.Thread(target=self._reader, daemon=True).start()

    def _reader(self):
        while True:
            try:
                data = self.sock.recv(65536).decode(errors="replace")
            except OSError:
                return
            with self.lock:
                self.messages.append(data)

    def snapshot(self):
        with self.lock:
            return list(self.messages)

    def wait_for(self, needle, timeout=30.0, start=0):
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            msgs = self.snapshot()
            for i, m in enumerate(msgs[start:], start):
                if needle in m.split("\n"):
                    return i
            time.sleep(0.01)
        raise AssertionError(f"no {needle!r} from the daemon in {timeout}s; got {self.snapshot()[-10:]}")

    def status(self):
        st = [line[7:] for m in self.snapshot() for line in m.split("\n") if line.startswith("STATUS=")]
        return st[-1] if st else ""


class Daemon:
    """The built auditkeepd with a private NOTIFY_SOCKET, logging to a file (stderr), no bus.
    `wrapper` runs it under another program (valgrind)."""

    def __init__(self, tmp, args, wrapper=(), debug=True, timestamps=False, env=None, bus=None, fake_kernel=False,
                 test_hooks=False):
        """timestamps: read the output through a pipe and keep (CLOCK_MONOTONIC, line) for every
        line in self.lines (the daemon's stderr lines carry no time of their own). env: the
        environment to start from (os.environ). bus: the system bus address (else none there).
        fake_kernel: against the fake kernel instead of the real one (FAKE_KERNEL_SERVE: no
        records, no privilege; the real kernel is never touched). test_hooks: run auditkeepd-test,
        which takes --control-fd/--monitor-fd (implied by fake_kernel)."""
        if fake_kernel:
            wrapper = (*wrapper, FAKE_KERNEL_SERVE)
        self.tmp = tmp
        self.notify = Notify(os.path.join(tmp, "notify"))
        self.log_path = os.path.join(tmp, "daemon.log")
        self.log = open(self.log_path, "a+")
        self.lines = []
        self.lines_lock = threading.Lock()
        env = dict(os.environ if env is None else env, NOTIFY_SOCKET=self.notify.path)
        env.pop("JOURNAL_STREAM", None)
        if debug:
            env["AUDITKEEP_DEBUG"] = "1"
        env["DBUS_SYSTEM_BUS_ADDRESS"] = bus or "unix:path=" + os.path.join(tmp, "no-bus")
        out = subprocess.PIPE if timestamps else self.log
        binary = DAEMON_TEST if fake_kernel or test_hooks else DAEMON
        self.proc = subprocess.Popen([*wrapper, binary, *args], stdout=out, stderr=subprocess.STDOUT, env=env)
        _running_daemons.append(self)
        if timestamps:
            self.reader = threading.Thread(target=self._read, daemon=True)
            self.reader.start()

    def _read(self):
        for raw in self.proc.stdout:
            line = raw.decode(errors="replace")
            with self.lines_lock:
                self.lines.append((time.monotonic(), line.rstrip("\n")))
                self.log.write(line)
                self.log.flush()

    def timed_lines(self):
        with self.lines_lock:
            return list(self.lines)

    @property
    def pid(self):
        return self.proc.pid

    def text(self):
        with self.lines_lock:
            self.log.flush()
        with open(self.log_path, errors="replace") as f:
            return f.read()

    def mark(self):
        return len(self.text())

    def wait_log(self, pattern, timeout=30.0, after=0):
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            m = re.search(pattern, self.text()[after:])
            if m:
                return m
            if self.proc.poll() is not None:
                break
            time.sleep(0.02)
        raise AssertionError(f"no log line matching {pattern!r} (daemon {'exited ' + str(self.proc.returncode) if self.proc.poll() is not None else 'running'}):\n"
                             + self.text()[after:][-4000:])

    def wait_checks(self, after, count=1, reasons=None, timeout=30.0):
        """wait_checks() below on this daemon's log (debug=True)."""
        return wait_checks(self.text, after, count, reasons, timeout)

    def reload(self, timeout=30.0):
        start = len(self.notify.snapshot())
        self.proc.send_signal(signal.SIGHUP)
        i = self.notify.wait_for("RELOADING=1", start=start, timeout=timeout)
        self.notify.wait_for("READY=1", start=i, timeout=timeout)

    def stop(self, timeout=30.0):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.proc.returncode

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

    def tail(self, n=60):
        return "\n".join(self.text().splitlines()[-n:])


# ---- a private system bus ----

class Bus:
    """A private system bus: dbus-daemon with the project's policy, on a unix socket. let_through:
    a user whose method calls to org.auditkeep1 the bus (not the project's policy) lets through,
    so that the daemon's own check of the caller's credentials is what answers them."""

    def __init__(self, directory, socket_path, let_through=None):
        self.config = os.path.join(directory, "bus.conf")
        self.socket_path = socket_path
        with open(self.config, "w") as f:
            f.write(f"""<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-BUS Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <listen>unix:path={socket_path}</listen>
  <auth>EXTERNAL</auth>
  <!-- the defaults of a system bus: connect, talk to the bus driver, nothing else -->
  <policy context="default">
    <allow user="*"/>
    <deny own="*"/>
    <deny send_type="method_call"/>
    <allow send_type="signal"/>
    <allow send_requested_reply="true" send_type="method_return"/>
    <allow send_requested_reply="true" send_type="error"/>
    <allow receive_type="method_call"/>
    <allow receive_type="method_return"/>
    <allow receive_type="error"/>
    <allow receive_type="signal"/>
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus"/>
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus.Introspectable"/>
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus.Properties"/>
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus.Peer"/>
  </policy>
  <policy user="root">
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus.Monitoring"/>
  </policy>
  <!-- the project's policy, as installed in system.d -->
  <include>{BUS_POLICY}</include>
{self._let_through(let_through)}</busconfig>
""")
        self.log = open(os.path.join(directory, "bus.log"), "a+")
        self.proc = subprocess.Popen(["dbus-daemon", "--config-file=" + self.config, "--nofork", "--nopidfile",
                                      "--print-address"], stdout=subprocess.PIPE, stderr=self.log, text=True)
        ready, _, _ = select.select([self.proc.stdout], [], [], 10)
        if not ready:
            self.stop()
            raise AssertionError("dbus-daemon printed no address in 10 s")
        self.address = self.proc.stdout.readline().strip()
        if not self.address.startswith("unix:"):
            self.stop()
            raise AssertionError(f"dbus-daemon did not start: {self.address!r}")

    @staticmethod
    def _let_through(user):
        if not user:
            return ""
        return f"""  <!-- test only: let one unprivileged user's calls through the bus, so that the daemon's own
       check of the caller's credentials answers them -->
  <policy user="{user}">
    <allow send_destination="{BUS_NAME}"/>
  </policy>
"""

    def wait_name(self, name=BUS_NAME, timeout=10.0):
        """Wait until name is on this bus; AssertionError if it does not appear in time."""
        end = time.monotonic() + timeout
        while run("busctl", "--address=" + self.address, "status", name, check=False).returncode != 0:
            if time.monotonic() > end:
                raise AssertionError(f"{name} did not appear on the bus")
            time.sleep(0.05)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc.stdout.close()
        self.log.close()


class Monitor:
    """`busctl monitor` of everything to and from org.auditkeep1, one JSON message a line, read by
    a thread that always drains."""

    def __init__(self, address, name=BUS_NAME, iface=BUS_IFACE):
        self.iface = iface
        self.proc = subprocess.Popen(["busctl", "--address=" + address, "monitor", "--json=short", name],
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.messages = []
        self.lock = threading.Lock()
        self.started = threading.Event()
        threading.Thread(target=self._reader, daemon=True).start()
        threading.Thread(target=self._stderr, daemon=True).start()
        # busctl says so once the broker has made it a monitor (BecomeMonitor answered)
        if not self.started.wait(10):
            raise AssertionError("busctl monitor did not start")

    def _stderr(self):
        for line in self.proc.stderr:
            if "Monitoring" in line:
                self.started.set()

    def _reader(self):
        for line in self.proc.stdout:
            try:
                msg = json.loads(line)
            except ValueError:
                continue
            with self.lock:
                self.messages.append(msg)

    def mark(self):
        with self.lock:
            return len(self.messages)

    def signals(self, member, since=0):
        with self.lock:
            return [m for m in self.messages[since:] if m.get("type") == "signal" and m.get("member") == member]

    def calls(self, member, since=0):
        """The method calls of `member` to or from the name since `since`."""
        with self.lock:
            return [m for m in self.messages[since:] if m.get("type") == "method_call" and m.get("member") == member]

    def changed(self, since=0):
        """The PropertiesChanged signals of our interface since `since`, as a list of dicts."""
        out = []
        for m in self.signals("PropertiesChanged", since):
            iface, values, invalidated = m["payload"]["data"]
            if iface == self.iface:
                assert not invalidated, f"properties invalidated instead of sent: {invalidated}"
                out.append({k: v["data"] for k, v in values.items()})
        return out

    def wait(self, what, timeout=30.0):
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            r = what()
            if r:
                return r
            time.sleep(0.02)
        return what()

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait()


def canonical(element):
    """An XML element without whitespace and comments, for comparison."""
    return (element.tag, tuple(sorted(element.attrib.items())), tuple(canonical(c) for c in element))


def manager_interface(xml_text):
    root = ET.fromstring(xml_text)
    found = [i for i in root.iter("interface") if i.get("name") == BUS_IFACE]
    assert len(found) == 1, f"{len(found)} {BUS_IFACE} interfaces in the XML"
    return found[0]


def realtime_usec():
    return int(time.time() * 1e6)


def rule_key(text):
    """The key of a rule as auditctl -l or the daemon shows it."""
    return re.search(r"(?:-k |key=)(\S+)", text).group(1)


def ctl_for_everyone(tmp):
    """A copy of the built auditkeepctl in tmp that every user may run (the build directory may not
    be reachable for nobody)."""
    path = os.path.join(tmp, "auditkeepctl")
    shutil.copy(CTL, path)
    os.chmod(path, 0o755)
    return path


def write_auditd_conf(path, log_dir, admin_action):
    """An auditd.conf whose line 7 (admin_space_left_action) is the one to vary; replaced by
    rename, as editors do. With IGNORE the checker finds one problem: auditd_conf_ignore_warning."""
    tmp = path + ".new"
    with open(tmp, "w") as f:
        f.write(f"log_file = {log_dir}/audit.log\nnum_logs = 5\nmax_log_file_action = ROTATE\n"
                f"space_left = 2\nspace_left_action = SYSLOG\nadmin_space_left = 1\n"
                f"admin_space_left_action = {admin_action}\ndisk_full_action = SUSPEND\n"
                f"disk_error_action = SUSPEND\n")
    os.chmod(tmp, 0o640)
    os.rename(tmp, path)


def auditd_conf_ignore_warning(path):
    """[file, line, column, message]: what the daemon reports of write_auditd_conf(path, ..., "IGNORE")."""
    return [path, 7, 27, "warning: admin_space_left_action is 'ignore': when the disk is nearly full "
            "auditd does nothing and records are lost silently; set it to suspend, single or halt (auditd.conf(5))"]


class BusCalls:
    """Calls on org.auditkeep1 for a TestCase with self.bus (a Bus), self.ctl_bin (auditkeepctl) and
    self.env (its environment): properties and methods through busctl, their types checked against
    the interface (BUS_PROPERTIES, BUS_METHODS); errors through dbus-send, which names them. user:
    a command prefix to run as someone else (NOBODY)."""

    def busctl(self, *args, user=None, check=True):
        prefix = user or []
        return run(*prefix, "busctl", "--address=" + self.bus.address, *args, check=check)

    def prop(self, name, user=None):
        out = self.busctl("--json=short", "get-property", BUS_NAME, BUS_PATH, BUS_IFACE, name, user=user).stdout
        v = json.loads(out)
        self.assertEqual(v["type"], BUS_PROPERTIES[name], name)
        return v["data"]

    def props(self, user=None):
        out = self.busctl("--json=short", "call", BUS_NAME, BUS_PATH, "org.freedesktop.DBus.Properties", "GetAll", "s",
                          BUS_IFACE, user=user).stdout
        v = json.loads(out)
        self.assertEqual(v["type"], "a{sv}")
        d = v["data"][0]
        for k, x in d.items():
            self.assertEqual(x["type"], BUS_PROPERTIES.get(k), k)
        return {k: x["data"] for k, x in d.items()}

    def call(self, method, user=None):
        out = self.busctl("--json=short", "--timeout=120", "call", BUS_NAME, BUS_PATH, BUS_IFACE, method, user=user).stdout
        v = json.loads(out)
        self.assertEqual(v["type"], "".join(t for _, t in BUS_METHODS[method]), method)
        return v["data"]

    def dbus_send_error(self, method, user=None):
        """Call with dbus-send, which names the error: (error name, message) or None."""
        r = run(*(user or []), "dbus-send", "--bus=" + self.bus.address, "--print-reply", "--reply-timeout=30000",
                "--dest=" + BUS_NAME, BUS_PATH, f"{BUS_IFACE}.{method}", check=False)
        m = re.search(r"^Error (\S+): (.*)$", r.stdout + r.stderr, re.M)
        return (m.group(1), m.group(2)) if m else None

    def ctl(self, *args, user=None):
        return run(*(user or []), self.ctl_bin, *args, check=False, env=self.env, timeout=150)

    def wait_prop(self, name, pred, timeout=30.0):
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            v = self.prop(name)
            if pred(v):
                return v
            time.sleep(0.05)
        v = self.prop(name)
        self.assertTrue(pred(v), f"{name} = {v!r}")
        return v


# ---- bad rules files ----

def make_bad_rules(d):
    """Create the bad rules files under d (tests/kernel/test_badfiles.py, tests/unit/test_badfiles_check.py): [(name, path given to the parser, path the error must name)]."""
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


def wait_until(pred, timeout=10.0, step=0.01):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        v = pred()
        if v:
            return v
        time.sleep(step)
    return pred()


# ---- waiting for the daemon to have looked (its debug log) ----

_CHECK_START = re.compile(r"verify (\S+)")
_CHECK_DONE = re.compile(r"verify (\S+) done: (.*)")


def checks_done(text):
    """The verifications that both started and ended in `text` (a stretch of the daemon's log with
    AUDITKEEP_DEBUG=1), as (reason it ended as, state) pairs: "verify REASON" starts one (a queued
    one logs "verify REASON (queued)" and starts later), "verify REASON done: STATE" ends it. A
    check that changed the kernel ends as the settle check that follows it ("verify start", then
    "verify settle", then "verify settle done: in-sync"). Checks run one at a time."""
    done, started = [], False
    for line in text.splitlines():
        m = _CHECK_DONE.fullmatch(line)
        if m:
            if started:
                done.append((m.group(1), m.group(2)))
            started = False
        elif _CHECK_START.fullmatch(line):
            started = True
    return done


def wait_checks(text, after=0, count=1, reasons=None, timeout=30.0):
    """Wait until `count` verifications that started after offset `after` of the daemon's log
    (text() returns it; the daemon runs with AUDITKEEP_DEBUG=1) have ended; with `reasons`, only
    those that ended as one of them count (("poll", "poll-light"): polls). The state that proves
    the daemon looked at the kernel after something happened, whatever the machine's speed: wait
    for it before asserting that nothing happened. Returns the checks seen."""
    def enough():
        found = [c for c in checks_done(text()[after:]) if reasons is None or c[0] in reasons]
        return found if len(found) >= count else None
    found = wait_until(enough, timeout=timeout, step=0.02)
    if not found:
        raise AssertionError(f"fewer than {count} checks{' ' + '/'.join(reasons) if reasons else ''} ended within "
                             f"{timeout} s after the mark:\n" + text()[after:][-4000:])
    return found


def proc_status(pid, field):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return None


def count_fds(pid):
    return len(os.listdir(f"/proc/{pid}/fd"))


def audit_ports(pid):
    """Netlink port ids of pid's NETLINK_AUDIT sockets, from /proc/net/netlink matched by inode:
    [(portid, groups)]."""
    inodes = set()
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            target = os.readlink(f"/proc/{pid}/fd/{fd}")
        except OSError:
            continue
        m = re.fullmatch(r"socket:\[(\d+)\]", target)
        if m:
            inodes.add(int(m.group(1)))
    ports = []
    with open("/proc/net/netlink") as f:
        next(f)
        for line in f:
            cols = line.split()
            # sk Eth Pid Groups Rmem Wmem Dump Locks Drops Inode
            if int(cols[1]) == NETLINK_AUDIT and int(cols[9]) in inodes:
                ports.append((int(cols[2]), int(cols[3], 16)))
    return ports


# ---- raw NETLINK_AUDIT ----

def nlmsg(type_, flags, seq, payload=b"", pid=0):
    return struct.pack("=IHHII", 16 + len(payload), type_, flags, seq, pid) + payload + b"\0" * ((4 - len(payload) % 4) % 4)


def audit_status(mask=0, enabled=0, failure=0, pid=0, rate_limit=0, backlog_limit=0, backlog_wait_time=0):
    return struct.pack("=11I", mask, enabled, failure, pid, rate_limit, backlog_limit, 0, 0, 0, backlog_wait_time, 0)


AUDIT_FILTER_EXIT, AUDIT_ALWAYS, AUDIT_NEVER = 4, 2, 1
AUDIT_ARCH, AUDIT_FILTERKEY, AUDIT_EQUAL = 11, 210, 0x40000000
AUDIT_ARCH_X86_64 = 0xC000003E


def encode_rule(syscalls, key, flags=AUDIT_FILTER_EXIT, action=AUDIT_ALWAYS):
    """struct audit_rule_data for `-a always,exit -F arch=b64 -S ... -F key=KEY` (x86_64)."""
    mask = [0] * 64
    for s in syscalls:
        mask[s // 32] |= 1 << (s % 32)
    fields, values, fflags = [0] * 64, [0] * 64, [0] * 64
    fields[0], values[0], fflags[0] = AUDIT_ARCH, AUDIT_ARCH_X86_64, AUDIT_EQUAL
    kb = key.encode()
    fields[1], values[1], fflags[1] = AUDIT_FILTERKEY, len(kb), AUDIT_EQUAL
    return struct.pack("=3I64I64I64I64II", flags, action, 2, *mask, *fields, *values, *fflags, len(kb)) + kb


def nl_open(groups=0, cap_ack=False):
    s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_AUDIT)
    s.setsockopt(socket.SOL_SOCKET, 33, 4 << 20)  # SO_RCVBUFFORCE
    s.bind((0, groups))
    if cap_ack:
        s.setsockopt(SOL_NETLINK, NETLINK_CAP_ACK, 1)
    s.settimeout(2.0)
    return s


def nl_collect(s, until, timeout=2.0):
    """Datagrams (bytes, sender port) until until(list) says so or the time is up."""
    got, end = [], time.monotonic() + timeout
    while time.monotonic() < end and not until(got):
        s.settimeout(max(0.01, end - time.monotonic()))
        try:
            data, addr = s.recvfrom(1 << 17)
        except socket.timeout:
            break
        except OSError as e:
            if e.errno == errno.ENOBUFS:    # records were lost; keep reading
                continue
            raise
        got.append((data, addr[0]))
    return got


def nl_headers(data):
    """[(type, flags, seq, pid, payload)] of the messages in one datagram."""
    out, off = [], 0
    while off + 16 <= len(data):
        ln, t, fl, seq, pid = struct.unpack_from("=IHHII", data, off)
        if ln < 16 or off + ln > len(data):
            ln = len(data) - off
        out.append((t, fl, seq, pid, data[off + 16:off + ln]))
        off += (ln + 3) & ~3
    return out
