#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""What audit rules cost per system call, measured on the real kernel (issue #23).

sudo bench/syscost [--rounds N] [--scale N]

For each case (auditing off; on with no rule; the project's rules/; generated sets of 400 and
1000 rules shaped like the big public ones) the rules are loaded with auditkeepctl apply, auditing
is enabled, and bench/syscost.c, started after that (a task gets its audit context at fork), times
getppid, openat+close of a file and posix_spawn+waitpid of /bin/true. Cases are interleaved over
the rounds (A B C, B C A, ...); the table gives the median over the rounds. The generated rules
never match the measuring process (its loginuid is unset, its uid 0, its files are not watched):
the numbers are what filtering costs, not what writing records costs.

Holds /tmp/auditkeep-kernel.lock for the whole run and saves and restores the kernel's status
and rules as the kernel tests do (tests/helpers/akharness.py, KernelLock and KernelState); never
sets -e 2, -f 2, the audit pid or loginuid-immutable. A run takes about 10 s per round here.
"""
import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(REPO, "tests", "helpers"))
from akharness import KernelLock, KernelState, sh  # noqa: E402

CASES = ["off", "on, no rule", "project rules/ (25)", "public-shaped 400", "public-shaped 1000",
         "public-shaped 1000, no dir= watch"]


def gen_public(n, tree, dirs=True):
    """n rules in the shape of the big public sets (Neo23x0/auditd, bfuzzy/auditd-attack): a few
    never rules and exclude rules first, a third watches (a fifth of them on directories, which
    the kernel keeps on the exit list), the rest syscall rules written for b64 and b32 alike, most
    of them limited to logged-in users (auid>=1000, auid!=unset), each with its own key. dirs=False:
    file watches in place of the directory watches (and of the dir= never rule)."""
    lines = ["# bench/syscost.py: public-shaped rule set"]
    never = [f"-a never,exit -F arch=b64 -S adjtimex -F auid=unset -F uid={990 + i}" for i in range(4)]
    os.makedirs(os.path.join(tree, "spool"), exist_ok=True)
    never += [f"-a never,exit -F arch=b64 -F {'dir' if dirs else 'path'}={tree}/spool -F auid=unset -F uid=106",
              "-a always,exclude -F msgtype=AVC", "-a always,exclude -F msgtype=CRYPTO_KEY_USER"]
    lines += never
    n -= len(never)
    n_watch = n // 3
    n_sys = n - n_watch
    perms = ["wa", "wa", "x", "rwa", "wa"]
    for k in range(n_watch):
        d, f = divmod(k, 10)
        path = os.path.join(tree, f"d{d:03d}")
        os.makedirs(path, exist_ok=True)
        if k % 5 == 4 and dirs:         # a directory watch (dir=): on the exit list, every syscall
            lines.append(f"-w {path}/ -p wa -k dir-{k:04d}")
        else:
            open(os.path.join(path, f"f{f}"), "a").close()
            lines.append(f"-w {path}/f{f} -p {perms[k % len(perms)]} -k file-{k:04d}")
    templates = [
        ("chmod,fchmod,fchmodat", "-F auid>=1000 -F auid!=unset", "perm_mod"),
        ("chown,fchown,lchown,fchownat", "-F auid>=1000 -F auid!=unset", "perm_mod"),
        ("setxattr,lsetxattr,fsetxattr,removexattr,lremovexattr,fremovexattr", "-F auid>=1000 -F auid!=unset",
         "perm_mod"),
        ("open,creat,truncate,ftruncate,openat,open_by_handle_at", "-F exit=-EACCES -F auid>=1000 -F auid!=unset",
         "access"),
        ("open,creat,truncate,ftruncate,openat,open_by_handle_at", "-F exit=-EPERM -F auid>=1000 -F auid!=unset",
         "access"),
        ("unlink,unlinkat,rename,renameat", "-F auid>=1000 -F auid!=unset", "delete"),
        ("mount,umount2", "-F auid>=1000 -F auid!=unset", "mount"),
        ("init_module,finit_module,delete_module", "", "modules"),
        ("sethostname,setdomainname", "", "network_modifications"),
        ("execve", "-F euid=0 -F auid>=1000 -F auid!=unset", "rootcmd"),
        ("ptrace", "-F a0=0x4", "code_injection"),
        ("kexec_load", "", "kexec"),
        ("bpf", "", "bpf"),
        ("socket", "-F a0=2 -F auid>=1000 -F auid!=unset", "network_socket_created"),
        ("connect", "-F a0=10 -F auid>=1000 -F auid!=unset", "network_connect"),
        ("personality", "", "bypass"),
        ("memfd_create", "-F auid>=1000 -F auid!=unset", "anon_file_create"),
        ("setuid,setgid,setreuid,setregid", "-F auid>=1000 -F auid!=unset", "setuid"),
    ]
    b32_names = {"open_by_handle_at": "open_by_handle_at", "umount2": "umount2"}
    for k in range(n_sys):
        sc, extra, cat = templates[(k // 2) % len(templates)]
        arch = "b64" if k % 2 == 0 else "b32"
        if arch == "b32":
            sc = ",".join(b32_names.get(s, s) for s in sc.split(",") if s not in ("bpf",)) or "personality"
        lines.append(f"-a always,exit -F arch={arch} -S {sc} {extra + ' ' if extra else ''}-k {cat}-{k:04d}")
    return "\n".join(lines) + "\n"


def load(ctl, path, enabled):
    """The kernel holds exactly the rules of path (apply removes the others) and enabled is set."""
    sh("auditctl", "-e", "0")
    sh(ctl, "apply", "-q", "--foreign=remove", path)
    sh("auditctl", "-e", str(enabled))


def measure(exe, target, scale):
    out = subprocess.run([exe, target, str(scale)], stdout=subprocess.PIPE, text=True, check=True).stdout
    return {name: float(v) for name, v in (line.rsplit(" ", 1) for line in out.splitlines())}


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--scale", type=int, default=1)
    p.add_argument("--ctl", required=True)
    p.add_argument("--syscost", required=True)
    args = p.parse_args()
    if os.geteuid() != 0:
        sys.exit("syscost: run as root (it loads audit rules)")

    work = tempfile.mkdtemp(prefix="ak-syscost-")
    try:
        tree = os.path.join(work, "tree")
        target = os.path.join(work, "target")
        open(target, "w").close()
        empty = os.path.join(work, "empty.rules")
        open(empty, "w").close()
        files = {"off": (empty, 0), "on, no rule": (empty, 1), "project rules/ (25)": (os.path.join(REPO, "rules"), 1)}
        for n, dirs, name in ((400, True, "public-shaped 400"), (1000, True, "public-shaped 1000"),
                              (1000, False, "public-shaped 1000, no dir= watch")):
            path = os.path.join(work, f"public-{n}-{dirs}.rules")
            with open(path, "w") as f:
                f.write(gen_public(n, tree, dirs))
            files[name] = (path, 1)
        res = {c: [] for c in CASES}
        load_before = os.getloadavg()
        with KernelLock():
            state = KernelState()
            if state.status.get("enabled") == 2:
                sys.exit("syscost: the kernel is locked (enabled=2): nothing can be loaded")
            try:
                for r in range(args.rounds):
                    for c in CASES[r % len(CASES):] + CASES[:r % len(CASES)]:
                        path, enabled = files[c]
                        load(args.ctl, path, enabled)
                        res[c].append(measure(args.syscost, target, args.scale))
            finally:
                state.restore()
                diffs = state.check_restored()
                print("restored: " + ("identical" if not diffs else "; ".join(diffs)), file=sys.stderr)
        load_after = os.getloadavg()
    finally:
        shutil.rmtree(work, ignore_errors=True)

    base = {k: statistics.median(x[k] for x in res["on, no rule"]) for k in ("getppid", "openat+close", "execve")}
    print(f"kernel {platform.release()}, {os.cpu_count()} CPUs, load average {load_before[0]:.2f} before, "
          f"{load_after[0]:.2f} after; {args.rounds} rounds, median of each (each round: median of 7 batches)\n")
    print("| rules loaded | getppid | openat+close | execve of /bin/true (spawn + wait) |")
    print("|---|---|---|---|")
    for c in CASES:
        m = {k: statistics.median(x[k] for x in res[c]) for k in base}
        cells = []
        for k in ("getppid", "openat+close", "execve"):
            v = m[k] / (1000.0 if k == "execve" else 1.0)
            unit = "µs" if k == "execve" else "ns"
            delta = "" if c in ("on, no rule", "off") else f" ({(m[k] - base[k]) / (1000.0 if k == 'execve' else 1.0):+.0f})"
            cells.append(f"{v:.0f} {unit}{delta}")
        print(f"| {c} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
