/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Fuzz target: the client's decoding of kernel replies. A fresh client (ak_nl_open_fd on one end
 * of an AF_UNIX datagram socketpair) starts a transaction; the input is then written, as one or
 * more datagrams, from the other end, and the client reads them with ak_nl_process(). Whatever
 * remains unanswered is completed with ak_nl_timeout(). A snapshot the client accepts goes on to
 * the consumers the daemon uses: formatting, hashing, and the planner.
 *
 * Input: byte 0 = mode, then datagrams, each a little-endian u16 length and that many bytes
 * (a length past the end takes what is left).
 *   mode bit 0: query (GET [+ GET_FEATURE] + LIST_RULES); clear: execute a fixed batch
 *               (ADD, DEL, SET backlog, RESET_LOST, SET_FEATURE: seqs 1..5)
 *   mode bit 1: the query also asks GET_FEATURE (seqs FEATURE=1, GET=2, LIST=3; else GET=1, LIST=2)
 *   mode bit 2: call ak_nl_process() after every datagram (else once, after all of them)
 * See fuzz/README.md. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "auditkeep/ak-kernel.h"
#include "auditkeep/ak-plan.h"
#include "auditkeep/ak-rules.h"

#define MAX_DATAGRAMS 512

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static ak_ruleset *want;

static ak_rule exec_rules[2];

static void init(void) {
        static const char text[] =
                "-b 1234\n"
                "-w /etc/passwd -p wa -k identity\n"
                "-a never,exit -F arch=b64 -S chmod -F auid=1234\n"
                "-a always,exit -F arch=b64 -S chmod,fchmod -F auid>=1000 -F auid!=unset -k perm\n"
                "-a always,exit -F arch=b64 -S openat -F exit=-EACCES -F key=access\n"
                "-a always,exclude -F msgtype=CWD\n";
        char *msg = NULL;

        if (want)
                return;
        if (ak_ruleset_new(&want) < 0 || ak_ruleset_add_text(want, "want.rules", text, sizeof(text) - 1) < 0)
                abort();
        if (ak_rule_from_text("-a always,exit -F arch=b64 -S openat -k fuzz", &exec_rules[0], &msg, NULL) < 0 ||
            ak_rule_from_text("-w /etc/shadow -p wa", &exec_rules[1], &msg, NULL) < 0)
                abort();
}

typedef struct result {
        int done;
        int error;
} result;

static void on_done(ak_nl *nl, int error, void *userdata) {
        result *res = userdata;

        if (res->done)
                abort();        /* completed twice */
        res->done = 1;
        res->error = error;
}

static void drain(int fd) {
        char buf[4096];

        while (recv(fd, buf, sizeof(buf), MSG_DONTWAIT) >= 0)
                ;
}

static void use_snapshot(const ak_kstate *ks) {
        ak_plan_opts opts = {};
        ak_plan *plan = NULL;
        static const uint32_t bits[] = {
                AUDIT_STATUS_ENABLED, AUDIT_STATUS_FAILURE, AUDIT_STATUS_RATE_LIMIT,
                AUDIT_STATUS_BACKLOG_LIMIT, AUDIT_STATUS_BACKLOG_WAIT_TIME,
        };

        for (size_t i = 0; i < sizeof(bits) / sizeof(bits[0]); i++)
                (void) ak_status_get(&ks->status, bits[i]);
        for (size_t i = 0; i < ks->n_rules; i++) {
                char key[300], *s;

                if (!ks->rules[i].data || ks->rules[i].size < sizeof(struct audit_rule_data))
                        abort();
                s = ak_rule_format(&ks->rules[i]);
                free(s);
                (void) ak_rule_hash(&ks->rules[i]);
                (void) ak_rule_key(&ks->rules[i], key, sizeof(key));
                (void) ak_rule_list(&ks->rules[i]);
        }
        for (int f = 0; f < 2; f++) {
                opts.foreign = f ? AK_FOREIGN_KEEP : AK_FOREIGN_REMOVE;
                if (ak_plan_build(want, ks, &opts, &plan) == 0) {
                        for (size_t i = 0; i < plan->n_ops; i++) {
                                char *s = NULL;
                                if (plan->ops[i].rule)
                                        s = ak_rule_format(plan->ops[i].rule);
                                free(s);
                        }
                        ak_plan_free(plan);
                }
        }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        ak_op ops[5] = {
                { .type = AK_OP_ADD_RULE, .rule = &exec_rules[0] },
                { .type = AK_OP_DEL_RULE, .rule = &exec_rules[1] },
                { .type = AK_OP_SET, .mask = AUDIT_STATUS_BACKLOG_LIMIT, .value = 1234 },
                { .type = AK_OP_RESET_LOST },
                { .type = AK_OP_SET_FEATURE, .mask = 1, .value = 0 },
        };
        ak_kstate ks = {};
        result res = {};
        ak_nl *nl = NULL;
        int sv[2], r;
        uint8_t mode;
        size_t off = 1;
        unsigned n = 0;

        if (size < 1)
                return 0;
        init();
        mode = data[0];
        if (socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, sv) < 0)
                abort();
        if (ak_nl_open_fd(&nl, sv[0]) < 0)
                abort();

        ak_nl_set_query_features(nl, !!(mode & 2));
        if (mode & 1)
                r = ak_nl_query_async(nl, &ks, 0, on_done, &res);
        else
                r = ak_nl_execute_async(nl, ops, 5, 0, on_done, &res);
        if (r < 0)
                abort();
        drain(sv[1]);

        while (off < size && n < MAX_DATAGRAMS) {
                size_t len = size - off;

                if (len >= 2) {
                        size_t want_len = (size_t) data[off] | (size_t) data[off + 1] << 8;
                        off += 2;
                        len = size - off;
                        if (want_len < len)
                                len = want_len;
                } else
                        off = size, len = 0;
                for (int tries = 0; tries < 2; tries++) {
                        if (send(sv[1], data + off, len, MSG_DONTWAIT) >= 0)
                                break;
                        if (errno != EAGAIN && errno != EWOULDBLOCK)
                                break;  /* EMSGSIZE: too big for the socket, skip it */
                        (void) ak_nl_process(nl);
                        drain(sv[1]);
                }
                off += len;
                n++;
                if (mode & 4) {
                        (void) ak_nl_process(nl);
                        drain(sv[1]);
                }
        }
        (void) ak_nl_process(nl);
        if (ak_nl_busy(nl))
                (void) ak_nl_timeout(nl);       /* the deadline (timeout 0) has passed */
        if (ak_nl_busy(nl) || !res.done)
                abort();                        /* a transaction that never ends */

        if (mode & 1) {
                if (res.error == 0) {
                        if (ks.status_len < 32)
                                abort();        /* accepted a status shorter than the oldest kernel's */
                        use_snapshot(&ks);
                }
                ak_kstate_done(&ks);
        }
        ak_nl_free(nl);
        close(sv[1]);
        return 0;
}
