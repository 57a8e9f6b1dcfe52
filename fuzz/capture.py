#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Record real kernel replies and records as seed corpora for the fuzz targets.

Run as root on a machine whose kernel may be used (the project's test machines), from the
repository root: `python3 fuzz/capture.py`. Holds /tmp/auditkeep-kernel.lock throughout, saves
the kernel's audit rules and status first and restores them at the end. What it does to the
kernel: loads a small rules file with auditctl (to have rules to list), sends one batch of
harmless requests (an add and the delete of the same rule, SETs with an unchanged value or an
empty mask, a SET_FEATURE with an empty mask) and one batch of requests the kernel refuses,
and enables auditing for a moment if it is off (records are only sent while it is on). It never
sets enabled=2, failure=2, the audit pid or loginuid_immutable.

Writes fuzz/corpus/netlink/real-* (the framing of fuzz-netlink.c: a mode byte, then u16-length
prefixed datagrams, with the sequence numbers a fresh client uses), fuzz/corpus/record/real-*
(record datagrams as received) and fuzz/corpus/rule/real-* (LIST_RULES payloads)."""

import hashlib
import os
import struct
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "helpers"))
import akharness as ak  # noqa: E402

CORPUS = os.path.join(HERE, "corpus")

RULES = """-c
-w {tmp}/watched -p wa -k ak-capture-watch
-w {tmp} -p rwxa -k ak-capture-dir
-a always,exit -F arch=b64 -S openat,open -F exit=-EACCES -F key=ak-capture-access
-a always,exit -F arch=b32 -S chmod -F auid>=1000 -F auid!=unset -k ak-capture-a -k ak-capture-b
-a never,exit -F arch=b64 -S all -F uid=1234 -F gid!=5
-a always,exit -F arch=b64 -S execve -F exe=/usr/bin/true -F success=1
-a always,exit -F arch=b64 -S rename,renameat -C uid!=euid -F dir={tmp} -F perm=w
-a always,exclude -F msgtype=CWD
-a never,user -F uid=0 -F subj_type=foo_t
-a always,filesystem -F fstype=tmpfs
-a always,exit -F arch=b64 -S setxattr -F a0&0x1 -F a1&=2 -F path=/etc/x\\ y -F key=sp\\ ace
"""


def save(kind, name, data):
    d = os.path.join(CORPUS, kind)
    os.makedirs(d, exist_ok=True)
    path = os.path.join(d, f"real-{name}-{hashlib.sha1(data).hexdigest()[:10]}")
    with open(path, "wb") as f:
        f.write(data)
    return path


def frame(mode, datagrams):
    out = bytes([mode])
    for d in datagrams:
        out += struct.pack("<H", len(d)) + d
    return out


def query(features, cap_ack=True):
    """One query as a fresh client sends it (GET_FEATURE first when asked), the datagrams back."""
    s = ak.nl_open(cap_ack=cap_ack)
    msgs, seq = b"", 1
    if features:
        msgs += ak.nlmsg(ak.AUDIT_GET_FEATURE, ak.NLM_F_REQUEST, seq)
        seq += 1
    get_seq, list_seq = seq, seq + 1
    msgs += ak.nlmsg(ak.AUDIT_GET, ak.NLM_F_REQUEST, get_seq) + ak.nlmsg(ak.AUDIT_LIST_RULES, ak.NLM_F_REQUEST, list_seq)
    s.sendto(msgs, (0, 0))
    want = 3 if features else 2

    def complete(got):
        seen = set()
        for data, _ in got:
            for t, _, sq, _, _ in ak.nl_headers(data):
                if t in (ak.AUDIT_GET, ak.AUDIT_GET_FEATURE, ak.NLMSG_DONE):
                    seen.add(t)
        return len(seen) >= want

    got = ak.nl_collect(s, complete)
    s.close()
    return [d for d, port in got if port == 0]


def execute(batch, cap_ack=True):
    s = ak.nl_open(cap_ack=cap_ack)
    s.sendto(b"".join(batch), (0, 0))
    got = ak.nl_collect(s, lambda g: len(g) >= len(batch))
    s.close()
    return [d for d, port in got if port == 0]


def main():
    if not ak.usable():
        print("capture.py: needs root with CAP_AUDIT_CONTROL in the initial namespaces and an unlocked kernel", file=sys.stderr)
        return 77
    n = {"netlink": 0, "record": 0, "rule": 0}
    with ak.KernelLock():
        saved = ak.KernelState()
        tmp = tempfile.mkdtemp(prefix="ak-capture-")
        os.mkdir(os.path.join(tmp, "watched"))
        mon = ak.nl_open(groups=1)          # records, from here on
        try:
            if saved.status.get("enabled", 0) == 0:
                ak.sh("auditctl", "-e", "1")
            ak.sh("auditctl", "-D")
            for features in (0, 1):
                for cap in (True, False):
                    dg = query(features, cap)
                    save("netlink", f"query-empty-f{features}", frame(1 | 2 * features, dg))
                    n["netlink"] += 1
            rules = os.path.join(tmp, "capture.rules")
            with open(rules, "w") as f:
                f.write(RULES.format(tmp=tmp))
            out = ak.sh("auditctl", "-R", rules, check=False)
            print(out.strip())
            for features in (0, 1):
                dg = query(features)
                save("netlink", f"query-rules-f{features}", frame(1 | 2 * features, dg))
                save("netlink", f"query-rules-f{features}-step", frame(1 | 2 * features | 4, dg))
                n["netlink"] += 2
                if features == 0:
                    for data in dg:
                        for t, _, _, _, payload in ak.nl_headers(data):
                            if t == ak.AUDIT_LIST_RULES:
                                save("rule", "listed", payload)
                                n["rule"] += 1
            # The execute batch of fuzz-netlink.c: ADD(1) DEL(2) SET(3) RESET_LOST(4, a SET) SET_FEATURE(5).
            st = ak.kernel_status()
            rule = ak.encode_rule([257], "ak-capture-exec")
            flags = ak.NLM_F_REQUEST | ak.NLM_F_ACK
            ok = [ak.nlmsg(ak.AUDIT_ADD_RULE, flags, 1, rule),
                  ak.nlmsg(ak.AUDIT_DEL_RULE, flags, 2, rule),
                  ak.nlmsg(ak.AUDIT_SET, flags, 3, ak.audit_status(mask=0x10, backlog_limit=st["backlog_limit"])),
                  ak.nlmsg(ak.AUDIT_SET, flags, 4, ak.audit_status(mask=0)),
                  ak.nlmsg(ak.AUDIT_SET_FEATURE, flags, 5, struct.pack("=4I", 1, 0, 0, 0))]
            bad = [ak.nlmsg(ak.AUDIT_ADD_RULE, flags, 1, ak.encode_rule([2], "ak-capture-access")[:-3]),   # EINVAL: short
                   ak.nlmsg(ak.AUDIT_DEL_RULE, flags, 2, rule),                                            # ENOENT
                   ak.nlmsg(ak.AUDIT_SET, flags, 3, ak.audit_status(mask=0x20, backlog_wait_time=10**9)),  # EINVAL
                   ak.nlmsg(ak.AUDIT_SET, flags, 4, ak.audit_status(mask=0)),
                   ak.nlmsg(ak.AUDIT_SET_FEATURE, flags, 5, struct.pack("=2I", 1, 0))]                     # EINVAL: short
            for name, batch in (("exec-ok", ok), ("exec-errors", bad)):
                for cap in (True, False):
                    dg = execute(batch, cap)
                    save("netlink", f"{name}-cap{int(cap)}", frame(0, dg))
                    save("netlink", f"{name}-cap{int(cap)}-step", frame(4, dg))
                    n["netlink"] += 2
            # A few changes from auditctl, for CONFIG_CHANGE + SYSCALL + PROCTITLE + EOE records.
            ak.sh("auditctl", "-w", os.path.join(tmp, "watched"), "-p", "x", "-k", "ak-capture-rec")
            ak.sh("auditctl", "-W", os.path.join(tmp, "watched"), "-p", "x", "-k", "ak-capture-rec")
            ak.sh("auditctl", "-a", "always,exit", "-F", "arch=b64", "-S", "openat", "-k", "ak-a", "-k", "ak b")
            ak.sh("auditctl", "-b", str(st["backlog_limit"]))
            ak.sh("auditctl", "-d", "always,exit", "-F", "arch=b64", "-S", "openat", "-k", "ak-a", "-k", "ak b")
            os.rmdir(os.path.join(tmp, "watched"))  # the kernel drops the watch by itself
            time.sleep(0.5)
            got = ak.nl_collect(mon, lambda g: len(g) >= 200, timeout=1.5)
            seen = set()
            for data, port in got:
                if port != 0:
                    continue
                t = ak.nl_headers(data)[0][0]
                key = (t, len(data) // 64)
                if key in seen:
                    continue
                seen.add(key)
                save("record", f"type{t}", data)
                n["record"] += 1
        finally:
            mon.close()
            saved.restore()
            left = saved.check_restored()
            os.system(f"rm -rf {tmp}")
    print(f"captured: {n}; kernel restored{': ' + ', '.join(left) if left else ''}")
    return 1 if left else 0


if __name__ == "__main__":
    sys.exit(main())
