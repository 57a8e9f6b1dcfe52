/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* auditkeep: the audit.rules language, its binary kernel form, and the desired state. */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <linux/audit.h>

#ifdef __cplusplus
extern "C" {
#endif

/* One rule in the kernel's binary form: struct audit_rule_data followed by its strings.
 * `data` and `file` are owned by whoever owns the ak_rule: a ruleset's rules (rs->rules) belong to
 * the ruleset (their data lives in its arena, their file is one of rs->files) and go with
 * ak_ruleset_free(), never with ak_rule_done(); ak_rule_copy() makes a rule of one's own.
 * `file`/`line` name the declaration, or are NULL/0 for a rule that came from the kernel. */
typedef struct ak_rule {
        struct audit_rule_data *data;
        size_t size;            /* sizeof(struct audit_rule_data) + data->buflen */
        char *file;
        unsigned line;
        unsigned column;        /* of the -a/-A/-w that declared it, 0 when not known */
} ak_rule;

/* A diagnostic: FILE:LINE:COLUMN: message. Columns count bytes from 1. */
typedef struct ak_diag {
        char *file;
        unsigned line;
        unsigned column;
        char *message;
        int warning;            /* 1: reported, not counted as an error; AK_DIAG_NOTE: a note */
} ak_diag;

#define AK_DIAG_NOTE 2

/* Status fields a rules file can set, in AUDIT_STATUS_* mask terms. */
typedef struct ak_status_want {
        uint32_t mask;          /* AUDIT_STATUS_ENABLED|FAILURE|RATE_LIMIT|BACKLOG_LIMIT|BACKLOG_WAIT_TIME */
        uint32_t enabled;       /* 0 or 1; a `-e 2` is recorded as enabled=1 plus lock=1 */
        uint32_t failure;
        uint32_t rate_limit;
        uint32_t backlog_limit;
        uint32_t backlog_wait_time;
} ak_status_want;

/* Compatibility levels. auditctl 3.0.9 (Debian 12), 4.0.2 (Debian 13) and 4.1.2 (Debian forky)
 * compile some lines differently (-F perm= after an arch, the exclude list's fields, case of list
 * names, a few names); a level selects whose meaning the parser gives them. The values order the
 * levels and are what D-Bus's CompatLevel shows: 3 and 4 as before, 41 for 4.1 (major * 10 +
 * minor; ak_compat_name() spells them "3", "4", "4.1"). man auditkeepctl(8), COMPATIBILITY. */
enum {
        AK_COMPAT_3 = 3,                /* auditctl 3.0.9 */
        AK_COMPAT_4 = 4,                /* auditctl 4.0.2, as Debian 13 ships it (with riscv64) */
        AK_COMPAT_41 = 41,              /* auditctl 4.1.2, as Debian forky ships it */
        AK_COMPAT_LATEST = AK_COMPAT_41,
};

/* Where a ruleset's level came from, weakest first. */
typedef enum ak_compat_origin {
        AK_COMPAT_ORIGIN_DEFAULT = 0,   /* nothing said: the most recent level */
        AK_COMPAT_ORIGIN_HOST,          /* the version of the installed auditctl */
        AK_COMPAT_ORIGIN_RULES,         /* a "# auditkeep: compat=N" line in the rules */
        AK_COMPAT_ORIGIN_COMMAND_LINE,  /* --compat=N */
} ak_compat_origin;

/* A foreign rule the administrator lets stay (another agent's: Wazuh, auoms, Auditbeat): a line
 * "# auditkeep: allow-foreign key=NAME [list=L,...] [action=A,...]" in the rules, or auditkeepd's
 * --allow-foreign. A rule in the kernel that no rules file declares is allowed when one of its
 * keys is `key`, it stands in one of `lists` and its action is one of `actions`. By default every
 * list but exclude and task, and the action always: a `never` rule or an exclude-list rule (which
 * blind the host) stays only where the allowance names it (action=never, list=exclude), a task-list
 * rule only with list=task, and an `always` rule that matches every system call with no field to
 * narrow it (no -S or -S all, nothing but arch= and the key), which floods the backlog and loses
 * the declared rules' records, only with broad=yes. */
#define AK_ALLOW_ALWAYS 0x1u
#define AK_ALLOW_NEVER 0x2u
typedef struct ak_allow {
        char *key;
        uint32_t lists;         /* 1u << AUDIT_FILTER_* */
        unsigned actions;       /* AK_ALLOW_ALWAYS, AK_ALLOW_NEVER */
        int broad;              /* broad=yes: rules matching every system call, unnarrowed, too */
        char *origin;           /* "FILE:LINE" of the directive, or "--allow-foreign" */
} ak_allow;

/* The desired state: what `auditctl -D; auditctl -R` of the sources leaves in the kernel
 * (with -c semantics: a bad line is reported and skipped). Rules are in kernel listing order:
 * grouped by filter list (AUDIT_FILTER_*), each list in the order the kernel would hold it. */
typedef struct ak_ruleset {
        ak_rule *rules;
        size_t n_rules;
        ak_status_want status;
        int lock;               /* -e 2 was the last -e */
        int reset_lost;         /* --reset-lost seen */
        int loginuid_immutable; /* --loginuid-immutable seen */
        size_t n_status_settings; /* status lines (-b -f -e -r --backlog_wait_time ...) read */
        size_t n_rule_lines;    /* -a/-A/-w/-d/-W/-D lines read */
        ak_diag *diags;
        size_t n_diags;
        size_t n_errors;        /* diags that are errors (not warnings) */
        char **sources;         /* the paths as given */
        size_t n_sources;
        char **files;           /* every file read, in order */
        size_t n_files;
        int compat;             /* AK_COMPAT_3, _4 or _41: whose meaning the lines have */
        ak_compat_origin compat_origin;
        char *compat_detail;    /* the origin's detail: "auditctl version 4.0.2", "FILE:LINE", "" */
        ak_diag *notes;         /* lines that mean something else, or are refused or accepted, at
                                 * the other level (warnings for `check`; not errors) */
        size_t n_notes;
        ak_allow *allow;        /* foreign rules allowed to stay, in the order they were given */
        size_t n_allow;
        struct ak_ruleset_private *priv;        /* the parser's own state */
} ak_ruleset;

int ak_ruleset_new(ak_ruleset **ret);
ak_ruleset *ak_ruleset_free(ak_ruleset *rs);

/* Read a file, or a directory's *.rules files in augenrules order (natural sort, with its
 * hoisting of -D, -b, -f and -e). Problems with the file itself are diagnostics too; the return
 * value is negative only for allocation failure. */
int ak_ruleset_add_source(ak_ruleset *rs, const char *path);
/* Whom the sources must belong to. A rules file is read only when it is a regular file owned by
 * `owner`, writable by no group and no other, in a directory owned by `owner` that no group or
 * other can write (a sticky directory is enough for a file named as a source); symlinks are
 * followed and their target is checked. Anything else is an error naming the file and the reason,
 * and the file is not read; with warn_only, a warning, and the file is read (`auditkeepctl check`
 * by an ordinary user on a draft). A world-writable file or a file that is not regular is an
 * error either way. Default: the effective uid (root for auditkeepd), errors. Call before adding
 * sources. */
void ak_ruleset_set_trust(ak_ruleset *rs, uid_t owner, int warn_only);
/* The sources when none is named, for auditkeepd and auditkeepctl alike: /etc/audit/rules.d when
 * it exists (as augenrules reads it), else /etc/audit/audit.rules. */
int ak_ruleset_add_default_sources(ak_ruleset *rs);
/* Parse text as if it were the file `name`. */
int ak_ruleset_add_text(ak_ruleset *rs, const char *name, const char *text, size_t len);
/* The level to compile with and where it came from (detail: free text, may be NULL). Call before
 * adding sources. A level from the command line is final; otherwise an "# auditkeep: compat=N"
 * line in the first source that has one overrides it. */
void ak_ruleset_set_compat(ak_ruleset *rs, int level, ak_compat_origin origin, const char *detail);
/* "4 (auditctl 4.0.2 meaning), from the host's auditctl version 4.0.2" and the like. */
const char *ak_ruleset_compat_describe(const ak_ruleset *rs, char *buf, size_t size);
/* A rule (from the kernel) that is the other level's encoding of a desired rule whose meaning
 * depends on the level: a malloc'd explanation ("FILE:LINE with the meaning of auditctl 3.0.9: ...
 * at compat level 4 it means ..."), else NULL. */
char *ak_ruleset_compat_explain(const ak_ruleset *rs, const ak_rule *r);

/* Allow foreign rules as "key=NAME [list=L,...] [action=A,...]" says (auditkeepd's
 * --allow-foreign; `origin` names where it came from). On a bad text -EINVAL and, when
 * ret_message is not NULL, a malloc'd message about the byte at *ret_column (from 1). */
int ak_ruleset_allow_foreign(ak_ruleset *rs, const char *text, const char *origin, char **ret_message,
                             unsigned *ret_column);
/* The allowance that lets the (foreign) rule r stay, or NULL. */
const ak_allow *ak_ruleset_allowed(const ak_ruleset *rs, const ak_rule *r);
/* An allowance of one of r's keys that does not cover r (a `never` or exclude-list rule the
 * allowance does not name), for saying why such a rule is removed all the same; else NULL. */
const ak_allow *ak_ruleset_allowed_key_only(const ak_ruleset *rs, const ak_rule *r);
/* Why such a rule is not covered: "a never rule", "an exclude-list rule", ... (static). */
const char *ak_allow_refusal(const ak_allow *a, const ak_rule *r);
/* Does r record every system call with no field to narrow it (-a always,exit with no -S or -S all
 * and nothing but arch= and keys; any always rule of the task list)? */
int ak_rule_is_broad(const ak_rule *r);
/* "key=wazuh_fim" or "key=x list=exit,exclude action=always,never": an allowance as written
 * (malloc'd, NULL on OOM). */
char *ak_allow_format(const ak_allow *a);

/* "3"/"4"/"4.1" -> level; anything else -EINVAL. */
int ak_compat_parse(const char *s);
/* "3", "4" or "4.1": a level as the user writes it ("?" for anything else). */
const char *ak_compat_name(int level);
/* An audit userspace version ("auditctl version 4.0.2", "4.0.2", "3.1.2") -> the level whose
 * meaning that auditctl gives: 3 below 4.0; 4 for 4.0.0 to 4.0.3 (4.0.2's permission table, no
 * filtering by arch); 4.1 from 4.0.4 on (the expansion filtered by arch; 4.1.2's table from
 * 4.1.2), and for anything newer than 4.1.2, the most recent level known (see
 * ak_compat_version_newer()). -EINVAL if there is no version number in the text. */
int ak_compat_from_version(const char *text);
/* 1 if the version in text is newer than the reference of the most recent level (4.1.2): its
 * auditctl may compile lines in ways no level knows. 0 otherwise (or no version). */
int ak_compat_version_newer(const char *text);
/* "auditctl 3.0.9", "auditctl 4.0.2" or "auditctl 4.1.2": the reference of a level. */
const char *ak_compat_reference(int level);

/* No more sources: free the parser's working state (the simulated kernel's lists, the line
 * buffer); the rules stay. Adding a source afterwards returns -EINVAL. */
void ak_ruleset_seal(ak_ruleset *rs);

/* Compile one rule line ("-a always,exit -S open -k x", "-w /etc/passwd -p wa") into a rule.
 * Returns 0 and *ret on success; on a parse error -EINVAL and, when ret_message is not NULL, a
 * malloc'd message with its column. */
int ak_rule_from_text(const char *text, ak_rule *ret, char **ret_message, unsigned *ret_column);
/* The same at a compatibility level (ak_rule_from_text() uses AK_COMPAT_LATEST). */
int ak_rule_from_text_compat(const char *text, int level, ak_rule *ret, char **ret_message, unsigned *ret_column);

/* Binary helpers. */
void ak_rule_done(ak_rule *r);
int ak_rule_copy(ak_rule *dst, const ak_rule *src);
int ak_rule_from_bytes(ak_rule *ret, const void *buf, size_t len); /* validates lengths */
/* Normalise as the kernel does when it stores a rule: clear PREPEND, class bits, fix buflen. */
void ak_rule_normalize(ak_rule *r);
/* Equal in the kernel's sense (audit_compare_rule), after normalisation. */
int ak_rule_equal(const ak_rule *a, const ak_rule *b);
uint32_t ak_rule_list(const ak_rule *r);   /* AUDIT_FILTER_* without PREPEND */
uint64_t ak_rule_hash(const ak_rule *r);
/* The key (joined with 0x01 for several) into buf, NUL-terminated; "" when none. */
const char *ak_rule_key(const ak_rule *r, char *buf, size_t size);

/* Render in auditctl -l syntax ("-a always,exit -F arch=b64 -S open -F key=x", "-w /etc/passwd
 * -p wa -k identity"). Returns a malloc'd string or NULL on allocation failure. */
char *ak_rule_format(const ak_rule *r);
/* The same with flags. AK_FORMAT_NO_STAT: never look at the file system (the daemon's loop must
 * not block on a hung mount): a watch is written `-w PATH` as `auditctl -l` writes it, whether
 * its field is path= or dir=; the text reads back as this rule while PATH keeps its kind (a
 * directory for dir=, anything else for path=). */
#define AK_FORMAT_NO_STAT 0x1u
char *ak_rule_format_flags(const ak_rule *r, unsigned flags);
/* rs->rules[i] as ak_rule_format_flags(AK_FORMAT_NO_STAT) gives it, made once and kept with the
 * ruleset (the daemon's ListRules answers with every rule's text at each call). NULL on OOM or
 * a bad index. */
const char *ak_ruleset_rule_text(ak_ruleset *rs, size_t i);

/* Formatting of diagnostics: "FILE:LINE:COLUMN: message" (malloc'd). */
char *ak_diag_format(const ak_diag *d);

#ifdef __cplusplus
}
#endif
