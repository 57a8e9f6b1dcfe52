/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Foreign rules allowed by key (lib/allow.c): the "# auditkeep: allow-foreign" directive and
 * --allow-foreign's text, their errors at FILE:LINE:COLUMN, which kernel rules an allowance
 * covers (never a `never` or exclude-list rule unless it says so), the planner keeping them where
 * they stand, and the declared rules an allowed rule can shadow. */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auditkeep/ak-plan.h"
#include "auditkeep/ak-rules.h"
#include "macro.h"
#include "test-util.h"
#include "util.h"

static ak_ruleset *load(const char *text) {
        ak_ruleset *rs = NULL;

        ck_assert_int_eq(ak_ruleset_new(&rs), 0);
        ck_assert_int_ge(ak_ruleset_add_text(rs, "test.rules", text, strlen(text)), 0);
        return rs;
}

/* The diagnostic at line:column whose message holds needle (warning or error as asked). */
static int has_diag(const ak_ruleset *rs, unsigned line, unsigned col, int warning, const char *needle) {
        for (size_t i = 0; i < rs->n_diags; i++) {
                const ak_diag *d = &rs->diags[i];

                if (d->line == line && d->column == col && d->warning == warning && strstr(d->message, needle))
                        return 1;
        }
        return 0;
}

static void dump_diags(const ak_ruleset *rs) {
        for (size_t i = 0; i < rs->n_diags; i++) {
                char *t = ak_diag_format(&rs->diags[i]);
                fprintf(stderr, "  %s%s\n", t, rs->diags[i].warning ? " (warning)" : "");
                free(t);
        }
}

/* A rule from its text (a kernel rule: no file). */
static ak_rule rule(const char *text) {
        ak_rule r = {};
        char *message = NULL;
        unsigned col = 0;

        if (ak_rule_from_text(text, &r, &message, &col) < 0)
                ck_abort_msg("%s: column %u: %s", text, col, message ? message : "?");
        return r;
}

START_TEST(directive_parsed) {
        ak_ruleset *rs = load("# auditkeep: allow-foreign key=wazuh_fim\n"
                              "#auditkeep:   allow-foreign   key=auoms  list=exit,task\n"
                              "# auditkeep: allow-foreign key=x action=always,never list=exit,exclude\n"
                              "-w /etc/passwd -p wa -k identity\n");
        char *text;

        dump_diags(rs);
        ck_assert_uint_eq(rs->n_errors, 0);
        ck_assert_uint_eq(rs->n_allow, 3);
        ck_assert_uint_eq(rs->n_rules, 1);
        ck_assert_str_eq(rs->allow[0].key, "wazuh_fim");
        ck_assert_str_eq(rs->allow[0].origin, "test.rules:1");
        ck_assert_uint_eq(rs->allow[0].actions, AK_ALLOW_ALWAYS);
        ck_assert(!(rs->allow[0].lists & (1u << AUDIT_FILTER_EXCLUDE)));
        ck_assert(rs->allow[0].lists & (1u << AUDIT_FILTER_EXIT));
        ck_assert_str_eq(rs->allow[1].key, "auoms");
        ck_assert_uint_eq(rs->allow[1].lists, (1u << AUDIT_FILTER_EXIT) | (1u << AUDIT_FILTER_TASK));
        ck_assert_str_eq(rs->allow[1].origin, "test.rules:2");
        ck_assert_uint_eq(rs->allow[2].actions, AK_ALLOW_ALWAYS | AK_ALLOW_NEVER);

        text = ak_allow_format(&rs->allow[0]);
        ck_assert_str_eq(text, "key=wazuh_fim");
        free(text);
        text = ak_allow_format(&rs->allow[1]);
        ck_assert_str_eq(text, "key=auoms list=exit,task");
        free(text);
        text = ak_allow_format(&rs->allow[2]);
        ck_assert_str_eq(text, "key=x list=exit,exclude action=always,never");
        free(text);

        /* what blinds the host is allowed only with a warning that says so, at the directive */
        ck_assert(has_diag(rs, 3, 27, 1, "allow-foreign key=x action=never: a foreign never rule with this key stays"));
        ck_assert(has_diag(rs, 3, 27, 1, "allow-foreign key=x list=exclude: a foreign exclude-list rule"));
        ak_ruleset_free(rs);
}
END_TEST

START_TEST(directive_errors) {
        ak_ruleset *rs = load("# auditkeep: allow-foreign\n"                                  /* 1 */
                              "# auditkeep: allow-foreign key=\n"                             /* 2 */
                              "# auditkeep: allow-foreign kye=wazuh_fim\n"                    /* 3 */
                              "# auditkeep: allow-foreign key=a list=exit,exlude\n"           /* 4 */
                              "# auditkeep: allow-foreign key=a action=alwys\n"               /* 5 */
                              "# auditkeep: allow-foreign wazuh_fim\n"                        /* 6 */
                              "# auditkeep: allow-foreign key=a key=b\n"                      /* 7 */
                              "# auditkeep: allow-foreign key=a list=\n"                      /* 8 */
                              "# auditkeep: allow-foriegn key=a\n"                            /* 9 */
                              "-w /etc/passwd -p wa -k identity\n");
        char longkey[300] = "# auditkeep: allow-foreign key=";
        ak_ruleset *rs2;

        dump_diags(rs);
        ck_assert(has_diag(rs, 1, 27, 0, "allow-foreign needs key=NAME"));
        ck_assert(has_diag(rs, 2, 32, 0, "key= is empty"));
        ck_assert(has_diag(rs, 3, 28, 0, "unknown word 'kye' in allow-foreign (known: key=, list=, action=, broad=), did you mean 'key'?"));
        ck_assert(has_diag(rs, 4, 44, 0, "unknown list 'exlude' in allow-foreign, did you mean 'exclude'?"));
        ck_assert(has_diag(rs, 5, 41, 0, "unknown action 'alwys' in allow-foreign, did you mean 'always'?"));
        ck_assert(has_diag(rs, 6, 28, 0, "'wazuh_fim' in allow-foreign is not NAME=VALUE"));
        ck_assert(has_diag(rs, 7, 34, 0, "key= given twice"));
        ck_assert(has_diag(rs, 8, 39, 0, "list= names no list"));
        /* a directive that is not known is a warning, as before (a newer auditkeep's, perhaps) */
        ck_assert(has_diag(rs, 9, 3, 1, "unknown auditkeep directive 'allow-foriegn'"));
        ck_assert_uint_eq(rs->n_errors, 8);
        ck_assert_uint_eq(rs->n_allow, 0);
        /* the rules are still read: the errors are the directive's */
        ck_assert_uint_eq(rs->n_rules, 1);
        {
                char *t = ak_diag_format(&rs->diags[0]);
                ck_assert_str_eq(t, "test.rules:1:27: allow-foreign needs key=NAME: the key of the rules the other agent adds");
                free(t);
        }
        ak_ruleset_free(rs);

        memset(longkey + strlen(longkey), 'k', 257);
        strcat(longkey, "\n");
        rs2 = load(longkey);
        ck_assert(has_diag(rs2, 1, 32, 0, "key is 257 bytes long; a rule's key has at most 256"));
        ak_ruleset_free(rs2);

        /* control bytes in the words are shown escaped */
        rs2 = load("# auditkeep: allow-foreign key=a list=\x1b[2J\n");
        ck_assert(has_diag(rs2, 1, 39, 0, "unknown list '\\x1b[2J'"));
        ak_ruleset_free(rs2);
}
END_TEST

START_TEST(command_line) {
        ak_ruleset *rs = NULL;
        char *message = NULL;
        unsigned col = 0;

        ck_assert_int_eq(ak_ruleset_new(&rs), 0);
        ck_assert_int_eq(ak_ruleset_allow_foreign(rs, "key=wazuh_fim", "--allow-foreign", NULL, NULL), 0);
        ck_assert_int_eq(ak_ruleset_allow_foreign(rs, "key=auoms action=never", NULL, NULL, NULL), 0);
        ck_assert_int_eq(ak_ruleset_allow_foreign(rs, "key=a lists=exit", NULL, &message, &col), -EINVAL);
        ck_assert_uint_eq(col, 7);
        ck_assert_str_eq(message, "unknown word 'lists' in allow-foreign (known: key=, list=, action=, broad=), did you mean 'list'?");
        free(message);
        ck_assert_uint_eq(rs->n_allow, 2);
        ck_assert_str_eq(rs->allow[0].origin, "--allow-foreign");
        ck_assert_str_eq(rs->allow[1].origin, "--allow-foreign");
        ck_assert_uint_eq(rs->allow[1].actions, AK_ALLOW_NEVER);
        /* the rules files add theirs */
        ck_assert_int_ge(ak_ruleset_add_text(rs, "r", "# auditkeep: allow-foreign key=b\n", 33), 0);
        ck_assert_uint_eq(rs->n_allow, 3);
        ak_ruleset_free(rs);
}
END_TEST

START_TEST(which_rules) {
        ak_ruleset *rs = load("# auditkeep: allow-foreign key=wazuh_fim\n"
                              "# auditkeep: allow-foreign key=agent_never action=never\n"
                              "# auditkeep: allow-foreign key=agent_task list=task\n");
        ak_rule watch = rule("-w /tmp -p wa -k wazuh_fim");
        ak_rule two_keys = rule("-a always,exit -F arch=b64 -S openat -k other -k wazuh_fim");
        ak_rule never = rule("-a never,exit -F arch=b64 -S all -k wazuh_fim");
        /* auditctl refuses a key on the exclude list, the kernel takes one (another tool's netlink) */
        ak_rule exclude = rule("-a always,exit -F arch=b64 -S openat -k wazuh_fim");
        ak_rule other = rule("-w /tmp -p wa -k wazuh");
        ak_rule nokey = rule("-w /tmp -p wa");
        ak_rule never_ok = rule("-a never,exit -F arch=b64 -S openat -k agent_never");
        ak_rule task_ok = rule("-a always,exit -F arch=b64 -S openat -F uid=0 -k agent_task");
        ak_rule task_exit = rule("-a always,exit -F arch=b64 -S openat -k agent_task");

        exclude.data->flags = AUDIT_FILTER_EXCLUDE;
        task_ok.data->flags = AUDIT_FILTER_TASK;
        ck_assert_ptr_eq(ak_ruleset_allowed(rs, &watch), &rs->allow[0]);
        ck_assert_ptr_eq(ak_ruleset_allowed(rs, &two_keys), &rs->allow[0]);
        /* a never rule and an exclude-list rule with the key: not covered, but the key is known */
        ck_assert_ptr_null(ak_ruleset_allowed(rs, &never));
        ck_assert_ptr_eq(ak_ruleset_allowed_key_only(rs, &never), &rs->allow[0]);
        ck_assert_ptr_null(ak_ruleset_allowed(rs, &exclude));
        ck_assert_ptr_eq(ak_ruleset_allowed_key_only(rs, &exclude), &rs->allow[0]);
        /* keys are compared whole */
        ck_assert_ptr_null(ak_ruleset_allowed(rs, &other));
        ck_assert_ptr_null(ak_ruleset_allowed_key_only(rs, &other));
        ck_assert_ptr_null(ak_ruleset_allowed(rs, &nokey));
        /* action=never names never rules (and only those); list= the lists */
        ck_assert_ptr_eq(ak_ruleset_allowed(rs, &never_ok), &rs->allow[1]);
        ck_assert_ptr_eq(ak_ruleset_allowed(rs, &task_ok), &rs->allow[2]);
        ck_assert_ptr_null(ak_ruleset_allowed(rs, &task_exit));
        ck_assert_ptr_null(ak_ruleset_allowed_key_only(rs, &watch));
        ak_rule_done(&watch);
        ak_rule_done(&two_keys);
        ak_rule_done(&never);
        ak_rule_done(&exclude);
        ak_rule_done(&other);
        ak_rule_done(&nokey);
        ak_rule_done(&never_ok);
        ak_rule_done(&task_ok);
        ak_rule_done(&task_exit);
        ak_ruleset_free(rs);
}
END_TEST

/* What floods the backlog is not covered by default (issue #27 review): a task-list rule (task is
 * no default list any more) and an always rule matching every system call with nothing but arch=
 * and keys to narrow it; list=task and broad=yes name them. The documented agents' rules stay. */
START_TEST(broad_rules) {
        ak_ruleset *rs = load("# auditkeep: allow-foreign key=wazuh_fim\n"
                              "# auditkeep: allow-foreign key=wide broad=yes\n"
                              "# auditkeep: allow-foreign key=tasks list=task\n");
        ak_rule all = rule("-a always,exit -F arch=b64 -S all -k wazuh_fim");
        ak_rule task = rule("-a always,exit -F arch=b64 -S all -k wazuh_fim");
        ak_rule narrowed = rule("-a always,exit -F arch=b64 -S all -F auid=1000 -k wazuh_fim");
        ak_rule wide = rule("-a always,exit -F arch=b64 -S all -k wide");
        ak_rule task_named = rule("-a always,exit -F arch=b64 -S all -k tasks");
        /* the README's agents: Wazuh's watches, auoms-like per-syscall rules */
        ak_rule watch = rule("-w /etc -p wa -k wazuh_fim");
        ak_rule execve = rule("-a always,exit -F arch=b64 -S execve -k wazuh_fim");
        char *text;

        task.data->flags = AUDIT_FILTER_TASK;
        task_named.data->flags = AUDIT_FILTER_TASK;
        ck_assert(ak_rule_is_broad(&all));
        ck_assert(ak_rule_is_broad(&task));
        ck_assert(!ak_rule_is_broad(&narrowed));
        ck_assert(!ak_rule_is_broad(&watch));
        ck_assert(!ak_rule_is_broad(&execve));
        ck_assert_ptr_null(ak_ruleset_allowed(rs, &all));
        ck_assert_ptr_eq(ak_ruleset_allowed_key_only(rs, &all), &rs->allow[0]);
        ck_assert_str_eq(ak_allow_refusal(&rs->allow[0], &all),
                         "a rule that records every system call with no field to narrow it");
        ck_assert_ptr_null(ak_ruleset_allowed(rs, &task));
        ck_assert(strstr(ak_allow_refusal(&rs->allow[0], &task), "task-list rule"));
        ck_assert_ptr_eq(ak_ruleset_allowed(rs, &narrowed), &rs->allow[0]);
        ck_assert_ptr_eq(ak_ruleset_allowed(rs, &watch), &rs->allow[0]);
        ck_assert_ptr_eq(ak_ruleset_allowed(rs, &execve), &rs->allow[0]);
        ck_assert_ptr_eq(ak_ruleset_allowed(rs, &wide), &rs->allow[1]);
        ck_assert_ptr_eq(ak_ruleset_allowed(rs, &task_named), &rs->allow[2]);
        text = ak_allow_format(&rs->allow[1]);
        ck_assert_str_eq(text, "key=wide broad=yes");
        free(text);
        ak_rule_done(&all);
        ak_rule_done(&task);
        ak_rule_done(&narrowed);
        ak_rule_done(&wide);
        ak_rule_done(&task_named);
        ak_rule_done(&watch);
        ak_rule_done(&execve);
        ak_ruleset_free(rs);
}
END_TEST

/* The reason a rule with an allowed key is removed is the part of the allowance it misses: an
 * allowance that names action=never but only the exclude list refuses a never rule of the exit
 * list for its list, not for being a never rule (review3). */
START_TEST(refusal_names_what_is_missing) {
        ak_ruleset *rs = load("# auditkeep: allow-foreign key=x list=exclude action=never\n"
                              "# auditkeep: allow-foreign key=y action=never\n"
                              "# auditkeep: allow-foreign key=z\n");
        ak_rule never_exit = rule("-a never,exit -F arch=b64 -S openat -k x");
        ak_rule always_y = rule("-a always,exit -F arch=b64 -S openat -k y");
        ak_rule never_z = rule("-a never,exit -F arch=b64 -S openat -k z");
        ak_rule task_z = rule("-a always,exit -F arch=b64 -S all -k z");
        ak_rule broad_z = rule("-a always,exit -F arch=b64 -S all -k z");

        task_z.data->flags = AUDIT_FILTER_TASK;
        ck_assert_ptr_eq(ak_ruleset_allowed_key_only(rs, &never_exit), &rs->allow[0]);
        ck_assert_str_eq(ak_allow_refusal(&rs->allow[0], &never_exit), "a rule of a list the allowance does not name");
        ck_assert_ptr_eq(ak_ruleset_allowed_key_only(rs, &always_y), &rs->allow[1]);
        ck_assert(strstr(ak_allow_refusal(&rs->allow[1], &always_y), "an always rule"));
        /* the default allowance: as before */
        ck_assert_str_eq(ak_allow_refusal(&rs->allow[2], &never_z), "a never rule");
        ck_assert(strstr(ak_allow_refusal(&rs->allow[2], &task_z), "task-list rule"));
        ck_assert_str_eq(ak_allow_refusal(&rs->allow[2], &broad_z),
                         "a rule that records every system call with no field to narrow it");
        ak_rule_done(&never_exit);
        ak_rule_done(&always_y);
        ak_rule_done(&never_z);
        ak_rule_done(&task_z);
        ak_rule_done(&broad_z);
        ak_ruleset_free(rs);
}
END_TEST

/* A kernel state holding the rules of `kernel` (its ruleset stays the owner). */
static ak_kstate kstate_of(const ak_ruleset *kernel) {
        return (ak_kstate) { .status = { .enabled = 1 }, .rules = kernel->rules, .n_rules = kernel->n_rules };
}

static size_t count_ops(const ak_plan *p, ak_op_type type) {
        size_t n = 0;

        for (size_t i = 0; i < p->n_ops; i++)
                n += p->ops[i].type == type;
        return n;
}

START_TEST(planner_keeps_allowed) {
        ak_ruleset *want = load("# auditkeep: allow-foreign key=wazuh_fim\n"
                                "-a always,exit -F arch=b64 -S execve -k exec\n"
                                "-a always,exit -F arch=b64 -S openat -F auid>=1000 -k open\n");
        /* the agent's rule on top, an intruder's never rule with the agent's key, another foreign rule */
        ak_ruleset *kernel = load("-a always,exit -F arch=b64 -S openat -k wazuh_fim\n"
                                  "-a always,exit -F arch=b64 -S execve -k exec\n"
                                  "-a never,exit -F arch=b64 -S all -k wazuh_fim\n"
                                  "-a always,exit -F arch=b64 -S openat -F auid>=1000 -k open\n"
                                  "-a always,exit -F arch=b64 -S unlink -k stray\n");
        ak_kstate have = kstate_of(kernel);
        ak_plan_opts opts = { .foreign = AK_FOREIGN_REMOVE };
        ak_plan *p = NULL;
        char key[64];

        ck_assert_int_eq(ak_plan_build(want, &have, &opts, &p), 0);
        ck_assert_uint_eq(p->n_foreign_allowed, 1);
        ck_assert_uint_eq(p->n_foreign, 2);
        ck_assert_uint_eq(count_ops(p, AK_OP_ADD_RULE), 0);
        ck_assert_uint_eq(count_ops(p, AK_OP_DEL_RULE), 2);
        /* the never rule goes first; the agent's rule is not touched */
        ck_assert_int_eq(p->ops[0].rule->data->action, AUDIT_NEVER);
        ck_assert_str_eq(ak_rule_key(p->ops[1].rule, key, sizeof(key)), "stray");
        ak_plan_free(p);

        /* with only the allowed rule extra: in sync */
        ak_ruleset_free(kernel);
        kernel = load("-a always,exit -F arch=b64 -S openat -k wazuh_fim\n"
                      "-a always,exit -F arch=b64 -S execve -k exec\n"
                      "-a always,exit -F arch=b64 -S openat -F auid>=1000 -k open\n");
        have = kstate_of(kernel);
        ck_assert_int_eq(ak_plan_build(want, &have, &opts, &p), 0);
        ck_assert(p->in_sync);
        ck_assert_uint_eq(p->n_ops, 0);
        ck_assert_uint_eq(p->n_foreign_allowed, 1);
        ck_assert_uint_eq(p->n_foreign, 0);
        ak_plan_free(p);

        /* a declared rule missing: added around the agent's rule, which stays */
        ak_ruleset_free(kernel);
        kernel = load("-a always,exit -F arch=b64 -S openat -k wazuh_fim\n"
                      "-a always,exit -F arch=b64 -S openat -F auid>=1000 -k open\n");
        have = kstate_of(kernel);
        ck_assert_int_eq(ak_plan_build(want, &have, &opts, &p), 0);
        ck_assert_uint_eq(count_ops(p, AK_OP_ADD_RULE), 1);
        ck_assert_uint_eq(count_ops(p, AK_OP_DEL_RULE), 0);
        ak_plan_free(p);

        /* without the directive: removed as today */
        ak_ruleset_free(want);
        want = load("-a always,exit -F arch=b64 -S execve -k exec\n"
                    "-a always,exit -F arch=b64 -S openat -F auid>=1000 -k open\n");
        ck_assert_int_eq(ak_plan_build(want, &have, &opts, &p), 0);
        ck_assert_uint_eq(p->n_foreign_allowed, 0);
        ck_assert_uint_eq(p->n_foreign, 1);
        ck_assert_uint_eq(count_ops(p, AK_OP_DEL_RULE), 1);
        ak_plan_free(p);
        ak_ruleset_free(want);
        ak_ruleset_free(kernel);
}
END_TEST

START_TEST(shadows) {
        ak_ruleset *want = load("# auditkeep: allow-foreign key=wazuh_fim\n"
                                "-a always,exit -F arch=b64 -S execve -k exec\n"                   /* 2: disjoint */
                                "-a always,exit -F arch=b64 -S openat -F auid>=1000 -k open\n"     /* 3: shadowed */
                                "-a never,exit -F arch=b64 -S openat -F uid=33 -k quiet\n"         /* 4: shadowed */
                                "-a always,exit -F arch=b64 -S openat -F auid=0 -k root\n");       /* 5: before it */
        ak_ruleset *kernel = load("-a always,exit -F arch=b64 -S openat -F auid=0 -k root\n"
                                  "-a always,exit -F arch=b64 -S openat -k wazuh_fim\n"
                                  "-a always,exit -F arch=b64 -S execve -k exec\n"
                                  "-a always,exit -F arch=b64 -S openat -F auid>=1000 -k open\n"
                                  "-a never,exit -F arch=b64 -S openat -F uid=33 -k quiet\n");
        ak_kstate have = kstate_of(kernel);
        ak_shadow *v = NULL;
        size_t n = 0;
        char *line;

        ck_assert_int_eq(ak_allowed_shadows(want, &have, &v, &n), 0);
        ck_assert_uint_eq(n, 2);
        ck_assert_uint_eq(v[0].declared->line, 3);
        ck_assert_uint_eq(v[1].declared->line, 4);
        ck_assert_ptr_eq(v[0].by, &want->allow[0]);
        line = ak_shadow_format(&v[0], 0);
        ck_assert_str_eq(line, "test.rules:3: -a always,exit -F arch=b64 -S openat -F auid>=1000 -F key=open can be shadowed "
                               "by the allowed foreign rule -a always,exit -F arch=b64 -S openat -F key=wazuh_fim (allowed by "
                               "test.rules:1), which stands before it: events both match are recorded with key 'wazuh_fim', "
                               "not 'open'");
        free(line);
        line = ak_shadow_format(&v[1], 0);
        ck_assert(strstr(line, "events both match are recorded although the declared rule says never"));
        free(line);
        free(v);

        /* no allowance, or the allowed rule last: nothing */
        ak_ruleset_free(kernel);
        kernel = load("-a always,exit -F arch=b64 -S openat -F auid=0 -k root\n"
                      "-a always,exit -F arch=b64 -S execve -k exec\n"
                      "-a always,exit -F arch=b64 -S openat -F auid>=1000 -k open\n"
                      "-a never,exit -F arch=b64 -S openat -F uid=33 -k quiet\n"
                      "-a always,exit -F arch=b64 -S openat -k wazuh_fim\n");
        have = kstate_of(kernel);
        ck_assert_int_eq(ak_allowed_shadows(want, &have, &v, &n), 0);
        ck_assert_uint_eq(n, 0);
        ck_assert_ptr_null(v);
        ak_ruleset_free(kernel);
        ak_ruleset_free(want);
}
END_TEST

/* A key comes from whoever added the rule, a file name from the command line: neither reaches
 * a terminal raw (issue #27 review: "-k wazuh_fim -k <ESC>[8mhid<BEL>" hid text in check). */
START_TEST(shadow_format_escapes) {
        ak_ruleset *want = NULL;
        const char *text = "# auditkeep: allow-foreign key=wazuh_fim\n"
                           "-a always,exit -F arch=b64 -S openat -F auid>=1000 -k op\x1b[2Jen\n";
        ak_ruleset *kernel = load("-a always,exit -F arch=b64 -S openat -k wazuh_fim -k \x1b[8mhid\x07\n"
                                  "-a always,exit -F arch=b64 -S openat -F auid>=1000 -k op\x1b[2Jen\n");
        ak_kstate have = kstate_of(kernel);
        ak_shadow *v = NULL;
        size_t n = 0;
        char *line;

        ck_assert_int_eq(ak_ruleset_new(&want), 0);
        ck_assert_int_ge(ak_ruleset_add_text(want, "ev\x1b[2Jil.rules", text, strlen(text)), 0);
        ck_assert_uint_eq(want->n_rules, 1);
        ck_assert_uint_eq(kernel->n_rules, 2);
        ck_assert_int_eq(ak_allowed_shadows(want, &have, &v, &n), 0);
        ck_assert_uint_eq(n, 1);
        line = ak_shadow_format(&v[0], 0);
        ck_assert_ptr_nonnull(line);
        for (const char *p = line; *p; p++)
                ck_assert_msg((unsigned char) *p >= ' ' && *p != 0x7f, "control byte in %s", line);
        ck_assert_msg(strstr(line, "ev\\x1b[2Jil.rules:2: "), "%s", line);
        ck_assert_msg(strstr(line, "recorded with key 'wazuh_fim,\\x1b[8mhid\\x07', not 'op\\x1b[2Jen'"), "%s", line);
        free(line);
        free(v);
        ak_ruleset_free(kernel);
        ak_ruleset_free(want);
}
END_TEST

/* Thousands of pairs (5000 declared rules under 40 allowed -S all rules: 200 000): the declared
 * rules are counted once each, in one pass, and the journal gets one line per allowed rule. */
START_TEST(shadows_many) {
        enum { N_DECLARED = 2000, N_ALLOWED = 40 };
        strbuf w = { 0 }, k = { 0 };
        ak_ruleset *want, *kernel;
        ak_kstate have;
        ak_shadow *v = NULL;
        ak_shadow_group *g = NULL;
        size_t n = 0, ng = 0;

        strbuf_puts(&w, "# auditkeep: allow-foreign key=wazuh_fim\n");
        for (int i = 0; i < N_ALLOWED; i++)
                strbuf_printf(&k, "-a always,exit -F arch=b64 -S all -F uid!=%d -k wazuh_fim\n", i);
        for (int i = 0; i < N_DECLARED; i++) {
                strbuf_printf(&w, "-a always,exit -F arch=b64 -S openat -F auid=%d -k d%d\n", 1000 + i, i);
                strbuf_printf(&k, "-a always,exit -F arch=b64 -S openat -F auid=%d -k d%d\n", 1000 + i, i);
        }
        want = load(w.s);
        kernel = load(k.s);
        have = kstate_of(kernel);
        ck_assert_int_eq(ak_allowed_shadows(want, &have, &v, &n), 0);
        ck_assert_uint_eq(n, (size_t) N_DECLARED * N_ALLOWED);
        ck_assert_uint_eq(ak_shadows_declared(want, v, n), N_DECLARED);
        ck_assert_int_eq(ak_shadows_by_allowed(&have, v, n, &g, &ng), 0);
        ck_assert_uint_eq(ng, N_ALLOWED);
        for (size_t i = 0; i < ng; i++) {
                ck_assert_ptr_eq(g[i].allowed, &kernel->rules[i]);
                ck_assert_uint_eq(g[i].n_declared, N_DECLARED);
                ck_assert_uint_eq(g[i].first->line, 2);
        }
        {
                char *line = ak_shadow_group_format(&g[0], 0);

                ck_assert_msg(strstr(line, "-F key=wazuh_fim can shadow 2000 declared rules, the first: test.rules:2: "),
                              "%s", line);
                free(line);
        }
        free(g);
        free(v);
        free(w.s);
        free(k.s);
        ak_ruleset_free(kernel);
        ak_ruleset_free(want);
}
END_TEST

static Suite *allow_suite(void) {
        Suite *s = suite_create("allow");
        TCase *tc = tcase_create("allow");

        tcase_add_test(tc, directive_parsed);
        tcase_add_test(tc, directive_errors);
        tcase_add_test(tc, command_line);
        tcase_add_test(tc, which_rules);
        tcase_add_test(tc, broad_rules);
        tcase_add_test(tc, planner_keeps_allowed);
        tcase_add_test(tc, refusal_names_what_is_missing);
        tcase_add_test(tc, shadows);
        tcase_add_test(tc, shadow_format_escapes);
        tcase_add_test(tc, shadows_many);
        suite_add_tcase(s, tc);
        return s;
}

AK_TEST_MAIN(allow_suite)
