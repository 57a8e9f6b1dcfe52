/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The event monitor's socket filter: the kernel drops, before they reach the socket, the records
 * that cannot tell of a configuration change, so that a flood of ordinary records (any rule that
 * audits what a user does lets that user make them) neither costs the daemon a read each nor
 * overruns its receive buffer.
 *
 * Passed: CONFIG_CHANGE and FEATURE_CHANGE (the changes), URINGOP (io_uring's own records),
 * netlink errors, and SYSCALL records of the syscalls that can send a netlink message (the record
 * that names who made a change): every way of writing to a socket (write, pwrite64, writev,
 * pwritev, pwritev2, sendto, sendmsg, sendmmsg, sendfile, splice, io_submit, io_uring_enter, and
 * socketcall on i386), looked up by name for x86_64 and i386. A SYSCALL record of another
 * architecture, of an x32 syscall (numbers from 0x40000000), or whose header is not as the
 * kernel writes it ("audit(SECONDS.MSEC:SERIAL): arch=HEX8 syscall=N ...") is passed too. The
 * only records dropped without being understood are those too short to hold that header.
 * Everything else is dropped.
 *
 * Classic BPF on the datagram as the kernel queues it: the struct nlmsghdr, then the text. */
#include <arpa/inet.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/netlink.h>

#include "macro.h"
#include "netlink-internal.h"
#include "tables.h"

#define REC 16u                         /* sizeof(struct nlmsghdr): the text starts here */
#define SERIAL (REC + 21u)              /* after "audit(" + 10 digits + "." + 3 digits + ":" */
#define SERIAL_MAX 20u                  /* digits of a u64 serial, at most */
#ifndef AUDIT_URINGOP
#define AUDIT_URINGOP 1336              /* linux/audit.h of 5.16 and later */
#endif

/* Syscalls that can send a netlink message (by name: each arch has its numbers). */
static const char *const sends[] = { "write", "pwrite64", "writev", "pwritev", "pwritev2", "sendto", "sendmsg",
                                     "sendmmsg", "sendfile", "sendfile64", "splice", "io_submit", "io_uring_enter",
                                     "socketcall" };
#define SENDS_MAX 16
#define ACC_MAX 96

/* The numbers of `sends` on one arch (AUDIT_ARCH_*), from the syscall tables made at build time
 * (i386's direct socket calls of Linux 4.3 and later included: sendmmsg 345, sendto 369,
 * sendmsg 370). */
static size_t sends_of(uint32_t arch, unsigned *nrs) {
        size_t n = 0;

        for (size_t i = 0; i < ELEMENTSOF(sends) && n < SENDS_MAX; i++) {
                int nr = ak_syscall_from_name(arch, sends[i]);
                if (nr >= 0)
                        nrs[n++] = (unsigned) nr;
        }
        return n;
}

/* Four bytes of text as a BPF word load sees them (network order). */
static uint32_t word(const char s[4]) {
        return (uint32_t) (uint8_t) s[0] << 24 | (uint32_t) (uint8_t) s[1] << 16 | (uint32_t) (uint8_t) s[2] << 8 |
               (uint8_t) s[3];
}

typedef struct prog {
        struct sock_filter *insn;
        size_t n, max;
        int overflow;
} prog;

static size_t emit(prog *p, uint16_t code, uint8_t jt, uint8_t jf, uint32_t k) {
        if (p->n == p->max) {
                p->overflow = 1;
                return p->n;
        }
        p->insn[p->n] = (struct sock_filter) BPF_JUMP(code, k, jt, jf);
        return p->n++;
}

/* Point the jump at `at` (true branch, or false branch with jf) to `target`, forward. */
static void patch(prog *p, size_t at, size_t target, int jf) {
        size_t d = target - at - 1;

        if (p->overflow || at >= p->n)
                return;
        if (BPF_OP(p->insn[at].code) == BPF_JA)
                p->insn[at].k = (uint32_t) d;
        else if (d > 255)
                p->overflow = 1;
        else if (jf)
                p->insn[at].jf = (uint8_t) d;
        else
                p->insn[at].jt = (uint8_t) d;
}

/* The number at the word in M[0] is one of nrs (followed by a space): jumps to patch to ACCEPT,
 * kept in acc[]; falls through when none is. */
static void match_numbers(prog *p, const unsigned *nrs, size_t n, size_t *acc, size_t *n_acc) {
        for (size_t i = 0; i < n && *n_acc < ACC_MAX; i++) {
                char s[8] = "";
                int len = snprintf(s, sizeof(s), "%u ", nrs[i]);
                uint32_t mask = len >= 4 ? 0xffffffffu : ~(0xffffffffu >> (8 * len));

                emit(p, BPF_LD | BPF_MEM, 0, 0, 0);
                emit(p, BPF_ALU | BPF_AND | BPF_K, 0, 0, mask);
                acc[(*n_acc)++] = emit(p, BPF_JMP | BPF_JEQ | BPF_K, 0, 0, word(s) & mask);
        }
}

size_t ak_mon_filter_build(struct sock_filter *insn, size_t max) {
        prog p = { .insn = insn, .max = max };
        size_t acc[ACC_MAX], n_acc = 0, found[SERIAL_MAX], common, syscall_at, other, x64, list64, list32, last;
        size_t arch32_at;
        unsigned nrs64[SENDS_MAX], nrs32[SENDS_MAX];
        size_t n64 = sends_of(AUDIT_ARCH_X86_64, nrs64), n32 = sends_of(AUDIT_ARCH_I386, nrs32);

        /* the record type */
        emit(&p, BPF_LD | BPF_H | BPF_ABS, 0, 0, offsetof(struct nlmsghdr, nlmsg_type));
        acc[n_acc++] = emit(&p, BPF_JMP | BPF_JEQ | BPF_K, 0, 0, htons(AUDIT_CONFIG_CHANGE));
        acc[n_acc++] = emit(&p, BPF_JMP | BPF_JEQ | BPF_K, 0, 0, htons(AUDIT_FEATURE_CHANGE));
        acc[n_acc++] = emit(&p, BPF_JMP | BPF_JEQ | BPF_K, 0, 0, htons(AUDIT_URINGOP));
        syscall_at = emit(&p, BPF_JMP | BPF_JEQ | BPF_K, 0, 0, htons(AUDIT_SYSCALL));

        /* SYSCALL: find the ')' that ends the serial; X = the serial's length */
        for (unsigned len = 1; len <= SERIAL_MAX; len++) {
                emit(&p, BPF_LD | BPF_B | BPF_ABS, 0, 0, SERIAL + len);
                emit(&p, BPF_JMP | BPF_JEQ | BPF_K, 0, 2, ')');
                emit(&p, BPF_LDX | BPF_IMM, 0, 0, len);
                found[len - 1] = emit(&p, BPF_JMP | BPF_JA, 0, 0, 0);
        }
        acc[n_acc++] = emit(&p, BPF_JMP | BPF_JA, 0, 0, 0);     /* not as the kernel writes it: pass */

        /* "): arch=" then eight hex digits, " syscall=", the number */
        common = emit(&p, BPF_LD | BPF_W | BPF_IND, 0, 0, SERIAL + 8);
        x64 = emit(&p, BPF_JMP | BPF_JEQ | BPF_K, 0, 0, word("c000"));
        arch32_at = emit(&p, BPF_JMP | BPF_JEQ | BPF_K, 0, 0, word("4000"));
        acc[n_acc++] = emit(&p, BPF_JMP | BPF_JA, 0, 0, 0);     /* another arch: pass */
        /* x86_64: the second half of the arch ("003e"), else another arch: pass (jt 1 skips the
         * pass below) */
        list64 = emit(&p, BPF_LD | BPF_W | BPF_IND, 0, 0, SERIAL + 12);
        emit(&p, BPF_JMP | BPF_JEQ | BPF_K, 1, 0, word("003e"));
        acc[n_acc++] = emit(&p, BPF_JMP | BPF_JA, 0, 0, 0);
        emit(&p, BPF_LD | BPF_W | BPF_IND, 0, 0, SERIAL + 25);
        emit(&p, BPF_ST, 0, 0, 0);
        /* an x32 syscall (0x40000000 and up: "1073741824" ...): pass */
        acc[n_acc++] = emit(&p, BPF_JMP | BPF_JEQ | BPF_K, 0, 0, word("1073"));
        match_numbers(&p, nrs64, n64, acc, &n_acc);
        emit(&p, BPF_RET | BPF_K, 0, 0, 0);
        /* i386: likewise */
        list32 = emit(&p, BPF_LD | BPF_W | BPF_IND, 0, 0, SERIAL + 12);
        emit(&p, BPF_JMP | BPF_JEQ | BPF_K, 1, 0, word("0003"));
        acc[n_acc++] = emit(&p, BPF_JMP | BPF_JA, 0, 0, 0);
        emit(&p, BPF_LD | BPF_W | BPF_IND, 0, 0, SERIAL + 25);
        emit(&p, BPF_ST, 0, 0, 0);
        match_numbers(&p, nrs32, n32, acc, &n_acc);
        emit(&p, BPF_RET | BPF_K, 0, 0, 0);

        /* not a SYSCALL record: netlink's own errors pass, the rest is dropped */
        other = emit(&p, BPF_JMP | BPF_JEQ | BPF_K, 0, 0, htons(NLMSG_ERROR));
        emit(&p, BPF_RET | BPF_K, 0, 0, 0);
        last = emit(&p, BPF_RET | BPF_K, 0, 0, 0xffffffffu);    /* pass: the whole datagram */

        patch(&p, syscall_at, other, 1);
        for (unsigned i = 0; i < SERIAL_MAX; i++)
                patch(&p, found[i], common, 0);
        patch(&p, x64, list64, 0);
        patch(&p, arch32_at, list32, 0);
        patch(&p, other, last, 0);
        for (size_t i = 0; i < n_acc; i++)
                patch(&p, acc[i], last, 0);
        return p.overflow || n_acc >= ACC_MAX ? 0 : p.n;
}

int ak_mon_filter_attach(int fd) {
        struct sock_filter insn[AK_MON_FILTER_MAX];
        struct sock_fprog fprog = { .filter = insn };

        fprog.len = (unsigned short) ak_mon_filter_build(insn, ELEMENTSOF(insn));
        if (fprog.len == 0)
                return -E2BIG;
        if (setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &fprog, sizeof(fprog)) < 0)
                return -errno;
        return 0;
}
