/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* lib/rule.c and lib/format.c: the binary rule (validation, kernel-style equality, hashing) and
 * its rendering in auditctl syntax, checked against the text auditctl prints and by round trips
 * text -> binary -> text -> binary over real rule files. */
#include <check.h>

#include "test-util.h"
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <linux/audit.h>

#include "auditkeep/ak-rules.h"

#define N(x) (sizeof(x) / sizeof((x)[0]))

/* ------------------------------------------------------------------------------------------ */
/* helpers */

static void rule_from(const char *text, ak_rule *r) {
        char *msg = NULL;
        unsigned col = 0;
        int k = ak_rule_from_text(text, r, &msg, &col);

        ck_assert_msg(k == 0, "'%s' does not compile: %d at %u: %s", text, k, col, msg ? msg : "(no message)");
        free(msg);
}

static int same_bytes(const ak_rule *a, const ak_rule *b) {
        return a->size == b->size && memcmp(a->data, b->data, a->size) == 0;
}

/* A raw rule for the binary tests: n string bytes of room. */
static struct audit_rule_data *raw(size_t n) {
        struct audit_rule_data *d = calloc(1, sizeof(*d) + n);

        ck_assert_ptr_nonnull(d);
        return d;
}

/* ------------------------------------------------------------------------------------------ */
/* ak_rule_format: the text auditctl -l prints (machine names where b64/b32 would not read back) */

static const struct {
        const char *in, *out;
} formats[] = {
        { "-w /etc/passwd -p wa -k identity", "-w /etc/passwd -p wa -k identity" },
        { "-w /etc/passwd", "-w /etc/passwd -p rwxa" },
        { "-w /etc/passwd -p wa -k a -k b", "-w /etc/passwd -p wa -k a -k b" },
        { "-w /tmp/ -p rx", "-w /tmp -p rx" },
        { "-w /etc/my\\ file -p w", "-w /etc/my\\ file -p w" },
        { "-w /etc/back\\\\slash -p r", "-w /etc/back\\\\slash -p r" },
        { "-a always,exit -F arch=b64 -S openat,open -F exit=-13 -k access",
          "-a always,exit -F arch=b64 -S open,openat -F exit=-EACCES -F key=access" },
        { "-a exclude,never -F msgtype=1307", "-a never,exclude -F msgtype=CWD" },
        { "-a always,exclude -F msgtype=99999", "-a always,exclude -F msgtype=99999" },
        { "-a always,exit -F arch=b32 -S 295,5", "-a always,exit -F arch=b32 -S open,openat" },
        { "-a always,exit -F arch=b32 -S socketcall -F a0=1", "-a always,exit -F arch=b32 -S socketcall -F a0=0x1" },
        { "-a always,exit -F arch=aarch64 -S openat", "-a always,exit -F arch=aarch64 -S openat" },
        { "-a always,exit -F arch=b64 -S execve -C auid!=uid", "-a always,exit -F arch=b64 -S execve -C uid!=auid" },
        { "-a always,exit -F arch=b64 -S execve -C obj_gid=egid", "-a always,exit -F arch=b64 -S execve -C egid=obj_gid" },
        { "-a always,exit -F arch=b64 -S personality -F a0=16", "-a always,exit -F arch=b64 -S personality -F a0=0x10" },
        { "-a always,exit -F arch=b64 -S open -F a1!=-1 -F a2&03", "-a always,exit -F arch=b64 -S open -F a1!=0xFFFFFFFF -F a2&0x3" },
        { "-a always,exit -F arch=b64 -S open -k a -k b", "-a always,exit -F arch=b64 -S open -F key=a -F key=b" },
        { "-a always,exit -F arch=b64 -S open -k a -F key=b", "-a always,exit -F arch=b64 -S open -F key=a -F key=b" },
        { "-a always,exit -F auid>=1000 -F auid!=unset", "-a always,exit -S all -F auid>=1000 -F auid!=-1" },
        { "-a always,exit -F arch=b64 -S all -F key=x", "-a always,exit -F arch=b64 -S all -F key=x" },
        { "-a task,never", "-a never,task" },
        { "-a always,task -F uid=0", "-a always,task -F uid=0" },
        { "-a always,user -F uid=0", "-a always,user -F uid=0" },
        { "-a never,filesystem -F fstype=debugfs", "-a never,filesystem -F fstype=debugfs" },
        { "-a never,filesystem -F fstype=0x9fa0", "-a never,filesystem -F fstype=40864" },
        { "-a always,exit -S open", "-a always,exit -S open" },
        { "-a always,exit -F arch=b64 -S 17", "-a always,exit -F arch=b64 -S pread" },
        { "-a always,exit -F arch=b64 -S open -F filetype=dir -F filetype!=fifo",
          "-a always,exit -F arch=b64 -S open -F filetype=dir -F filetype!=fifo" },
        { "-a always,exit -F arch=b64 -S open -F success=0 -F exit=0 -F exit!=EPERM",
          "-a always,exit -F arch=b64 -S open -F success=0 -F exit=0 -F exit!=1" },
        { "-a always,exit -F arch=b64 -S open -F pers<1 -F pers>2 -F pers<=3 -F pers>=4 -F pers!=5 -F pers&6 -F pers&=7",
          "-a always,exit -F arch=b64 -S open -F pers<1 -F pers>2 -F pers<=3 -F pers>=4 -F pers!=5 -F pers&6 -F pers&=7" },
        { "-a always,exit -F arch=b64 -S open -F exe=/usr/bin/x -F subj_type=t -F obj_lev_high=s0",
          "-a always,exit -F arch=b64 -S open -F exe=/usr/bin/x -F subj_type=t -F obj_lev_high=s0" },
        { "-a always,exit -F arch=b64 -S open -F inode=4294967295 -F devmajor=8",
          "-a always,exit -F arch=b64 -S open -F inode=4294967295 -F devmajor=8" },
        { "-a always,exit -F arch=b64 -S open -F sessionid!=unset", "-a always,exit -F arch=b64 -S open -F sessionid!=-1" },
        { "-a always,exit -F path=/etc/shadow -F perm=wa -F auid>=1000",
          "-a always,exit -S all -F path=/etc/shadow -F perm=wa -F auid>=1000" },
        { "-a never,exit -F path=/etc/x -F perm=wa", "-a never,exit -S all -F path=/etc/x -F perm=wa" },
        { "-a always,exit -F path=/etc/shadow -F perm=wa -k shadow", "-w /etc/shadow -p wa -k shadow" },
        { "-a always,exit -F arch=b64 -S open -F key=with\\ space", "-a always,exit -F arch=b64 -S open -F key=with\\ space" },
        /* arch in the middle: the syscalls follow it */
        { "-a always,exit -F auid=0 -F arch=b32 -S open", "-a always,exit -F auid=0 -F arch=b32 -S open" },
};

START_TEST(test_format)
{
        ak_rule r = {}, back = {};
        char *text, *again;

        rule_from(formats[_i].in, &r);
        text = ak_rule_format(&r);
        ck_assert_ptr_nonnull(text);
        ck_assert_msg(strcmp(text, formats[_i].out) == 0, "'%s':\n got '%s'\nwant '%s'", formats[_i].in, text,
                      formats[_i].out);

        /* and the text reads back into the same bytes */
        rule_from(text, &back);
        ck_assert_msg(ak_rule_equal(&r, &back) && same_bytes(&r, &back), "'%s' does not read back", text);
        again = ak_rule_format(&back);
        ck_assert_str_eq(again, text);
        free(again);
        free(text);
        ak_rule_done(&r);
        ak_rule_done(&back);
}
END_TEST

/* Rules that did not come from text: unknown names and values still render, and do not crash. */
START_TEST(test_format_raw)
{
        struct audit_rule_data *d = raw(4);
        ak_rule r;
        char *t;

        d->flags = AUDIT_FILTER_EXIT;
        d->action = AUDIT_ALWAYS;
        d->mask[0] = 1u << 2;
        d->field_count = 3;
        d->fields[0] = AUDIT_LOGINUID_SET;     /* libaudit 3.0.9 has no name: f24 */
        d->fieldflags[0] = AUDIT_EQUAL;
        d->values[0] = 1;
        d->fields[1] = AUDIT_ARCH;
        d->fieldflags[1] = AUDIT_EQUAL;
        d->values[1] = 0x12345678;              /* unknown arch */
        d->fields[2] = AUDIT_FILTERKEY;
        d->fieldflags[2] = AUDIT_EQUAL;
        d->values[2] = 4;
        memcpy(d->buf, "abcd", 4);
        d->buflen = 4;
        r = (ak_rule) { .data = d, .size = sizeof(*d) + 4 };
        t = ak_rule_format(&r);
        ck_assert_ptr_nonnull(t);
        ck_assert_str_eq(t, "-a always,exit -F f24=1 -F arch=0x12345678 -S 2 -F key=abcd");
        free(t);

        /* a string length past the buffer */
        d->values[2] = 400;
        t = ak_rule_format(&r);
        ck_assert_ptr_nonnull(t);
        free(t);
        free(d);
}
END_TEST

/* ------------------------------------------------------------------------------------------ */
/* round trips */

static int round_trip(const char *line, char *why, size_t size) {
        ak_rule a = {}, b = {};
        char *msg = NULL, *t1 = NULL, *t2 = NULL;
        unsigned col = 0;
        int ok = 0;

        if (ak_rule_from_text(line, &a, &msg, &col) != 0) {
                /* users and groups of other hosts ("uid=chrony") are not this test's business */
                if (msg && (strncmp(msg, "unknown user '", 14) == 0 || strncmp(msg, "unknown group '", 15) == 0))
                        ok = 1;
                snprintf(why, size, "does not compile: %u: %s", col, msg ? msg : "?");
                goto out;
        }
        t1 = ak_rule_format(&a);
        if (!t1) {
                snprintf(why, size, "no text");
                goto out;
        }
        free(msg);
        msg = NULL;
        if (ak_rule_from_text(t1, &b, &msg, &col) != 0) {
                snprintf(why, size, "'%s' does not read back: %u: %s", t1, col, msg ? msg : "?");
                goto out;
        }
        if (!ak_rule_equal(&a, &b) || !same_bytes(&a, &b)) {
                snprintf(why, size, "'%s' reads back into other bytes", t1);
                goto out;
        }
        t2 = ak_rule_format(&b);
        if (!t2 || strcmp(t1, t2) != 0) {
                snprintf(why, size, "'%s' renders as '%s' the second time", t1, t2 ? t2 : "(null)");
                goto out;
        }
        ok = 1;
out:
        free(msg);
        free(t1);
        free(t2);
        ak_rule_done(&a);
        ak_rule_done(&b);
        return ok;
}

/* Lines that are no rule: comments, blanks, and the status/control commands. */
static int is_rule_line(const char *s) {
        static const char *const skip[] = { "-D", "-b", "-f", "-e", "-r", "-i", "-c", "--" };

        while (*s == ' ')
                s++;
        if (*s == '\0' || *s == '#')
                return 0;
        for (size_t i = 0; i < N(skip); i++) {
                size_t l = strlen(skip[i]);
                if (strncmp(s, skip[i], l) == 0 && (s[1] == '-' || s[l] == ' ' || s[l] == '\0'))
                        return 0;
        }
        return 1;
}

static int natural(const struct dirent **a, const struct dirent **b) {
        return strverscmp((*a)->d_name, (*b)->d_name);
}

static int rules_file(const struct dirent *e) {
        size_t l = strlen(e->d_name);
        return l > 6 && strcmp(e->d_name + l - 6, ".rules") == 0;
}

/* Round-trip every rule line of every *.rules file of dir; returns the number of lines tried. */
static size_t round_trip_dir(const char *dir) {
        struct dirent **names = NULL;
        size_t tried = 0, failed = 0, rep_len = 0;
        char rep[4096] = "";
        int n = scandir(dir, &names, rules_file, natural);

        ck_assert_msg(n >= 0, "cannot read %s", dir);
        for (int i = 0; i < n; i++) {
                char path[1024], line[8192];
                unsigned lineno = 0;
                FILE *f;

                snprintf(path, sizeof(path), "%s/%s", dir, names[i]->d_name);
                f = fopen(path, "re");
                ck_assert_ptr_nonnull(f);
                while (fgets(line, sizeof(line), f)) {
                        char why[2048];
                        size_t l = strcspn(line, "\r\n");

                        line[l] = '\0';
                        lineno++;
                        if (!is_rule_line(line))
                                continue;
                        tried++;
                        if (!round_trip(line, why, sizeof(why))) {
                                failed++;
                                if (rep_len < sizeof(rep) - 600)
                                        rep_len += (size_t) snprintf(rep + rep_len, sizeof(rep) - rep_len,
                                                                     "\n  %s:%u: '%s': %s", names[i]->d_name,
                                                                     lineno, line, why);
                        }
                }
                fclose(f);
                free(names[i]);
        }
        free(names);
        ck_assert_msg(failed == 0, "%s: %zu of %zu rule lines do not round-trip:%s", dir, failed, tried, rep);
        return tried;
}

START_TEST(test_round_trip_examples)
{
        const char *dir = "/usr/share/doc/auditd/examples/rules";
        struct stat st;

        if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode))
                return; /* auditd's examples are not installed */
        ck_assert_uint_gt(round_trip_dir(dir), 100);
}
END_TEST

START_TEST(test_round_trip_project)
{
        const char *src = getenv("AK_SRCDIR");
        char dir[1024];

        snprintf(dir, sizeof(dir), "%s/rules", src && *src ? src : ".");
        ck_assert_uint_gt(round_trip_dir(dir), 20);
}
END_TEST

/* Shapes where "-w" text would not give the same bytes back: a path field naming a directory, a
 * dir field naming no directory, a dir with its trailing '/', and the rest. */
static const char *const tricky[] = {
        "-a always,exit -F path=/tmp -F perm=wa",
        "-a always,exit -F dir=/etc/ak-no-such-dir -F perm=wa -k x",
        "-a always,exit -F dir=/tmp/ -F perm=wa -k x",
        "-a always,exit -F dir=/etc/NetworkManager/ -F perm=wa -F key=system-locale",
        "-a always,exit -F path=/etc/passwd -F perm=wa -F key=a -F key=b",
        "-a always,exit -F path=/etc/pass\\ wd -F perm=r",
        "-a always,exit -F perm=wa -F path=/etc/passwd",
        "-a always,io_uring -S openat,close -F uid=0",
        "-a never,io_uring -S all",
        "-a always,exit -F arch=b32 -S all",
        "-a always,exit -F arch=x86_64 -S open",
        "-a always,exit -F arch=i686 -S open",
        "-a always,exit -F arch=ppc64le -S open",
        "-a always,exit -F arch=s390x -S open",
        "-a always,exit -F arch=armeb -S open",
        "-a always,exit -S open -F key=#notacomment",
        "-a always,exit -S open -F key=-k",
        "-a always,exit -S open -F subj_user=a<b",
        "-a always,exit -S open -F obj_user=\\\\",
        "-a always,exit -S open -F exit=-4095",
        "-a always,exit -S open -F exit=-9999",
        "-a always,exit -S open -F field_compare=1",
        "-A always,exit -S open",
        "-w /",
        "-w /etc/pam.d/ -p wa",
        /* accepted as auditctl accepts them: -p on any list, field_compare by number, two arches */
        "-a always,user -F field_compare=3",
        "-a never,exit -F arch=b64 -F arch=b32",
};

START_TEST(test_round_trip_tricky)
{
        char why[2048];

        ck_assert_msg(round_trip(tricky[_i], why, sizeof(why)), "'%s': %s", tricky[_i], why);
}
END_TEST

/* ------------------------------------------------------------------------------------------ */
/* ak_rule_equal, ak_rule_hash, ak_rule_normalize */

START_TEST(test_equal_hash)
{
        ak_rule a = {}, b = {}, c = {};

        rule_from("-a always,exit -F arch=b64 -S open -F uid=0 -F gid=0 -k k", &a);
        rule_from("-a always,exit -F arch=b64 -S open -F uid=0 -F gid=0 -k k", &b);
        ck_assert(ak_rule_equal(&a, &b));
        ck_assert_uint_eq(ak_rule_hash(&a), ak_rule_hash(&b));

        /* PREPEND is ignored */
        b.data->flags |= AUDIT_FILTER_PREPEND;
        ck_assert(ak_rule_equal(&a, &b));
        ck_assert_uint_eq(ak_rule_hash(&a), ak_rule_hash(&b));
        ck_assert_uint_eq(ak_rule_list(&b), AUDIT_FILTER_EXIT);

        /* the class bits of mask word 63 are ignored; its syscall bits are not */
        b.data->mask[AUDIT_BITMASK_SIZE - 1] |= 0xffff0000u;
        ck_assert(ak_rule_equal(&a, &b));
        ck_assert_uint_eq(ak_rule_hash(&a), ak_rule_hash(&b));
        b.data->mask[AUDIT_BITMASK_SIZE - 1] |= 1u;
        ck_assert(!ak_rule_equal(&a, &b));
        b.data->mask[AUDIT_BITMASK_SIZE - 1] &= ~1u;

        /* buflen is ignored (the kernel ignores it on input) */
        b.data->buflen = 999;
        ck_assert(ak_rule_equal(&a, &b));
        ck_assert_uint_eq(ak_rule_hash(&a), ak_rule_hash(&b));

        /* normalisation */
        ak_rule_normalize(&b);
        ck_assert_uint_eq(b.data->flags, AUDIT_FILTER_EXIT);
        ck_assert_uint_eq(b.data->mask[AUDIT_BITMASK_SIZE - 1], 0);
        ck_assert_uint_eq(b.data->buflen, 1);
        ck_assert(same_bytes(&a, &b));
        ak_rule_done(&b);

        /* different field order is another rule for the kernel */
        rule_from("-a always,exit -F arch=b64 -S open -F gid=0 -F uid=0 -k k", &c);
        ck_assert(!ak_rule_equal(&a, &c));
        ck_assert_uint_ne(ak_rule_hash(&a), ak_rule_hash(&c));
        ak_rule_done(&c);

        /* and so are another list, action, operator, value, syscall, key */
        static const char *const others[] = {
                "-a never,exit -F arch=b64 -S open -F uid=0 -F gid=0 -k k",
                "-a always,exit -F arch=b64 -S openat -F uid=0 -F gid=0 -k k",
                "-a always,exit -F arch=b64 -S open -F uid!=0 -F gid=0 -k k",
                "-a always,exit -F arch=b64 -S open -F uid=1 -F gid=0 -k k",
                "-a always,exit -F arch=b64 -S open -F uid=0 -F gid=0 -k j",
                "-a always,exit -F arch=b64 -S open -F uid=0 -F gid=0 -k kk",
                "-a always,exit -F arch=b64 -S open -F uid=0 -F gid=0",
                "-a always,exit -F arch=b32 -S open -F uid=0 -F gid=0 -k k",
                "-a always,exit -F arch=b64 -S open -F uid=0 -F egid=0 -k k",
        };
        for (size_t i = 0; i < N(others); i++) {
                rule_from(others[i], &c);
                ck_assert_msg(!ak_rule_equal(&a, &c), "'%s' equals", others[i]);
                ck_assert_msg(!ak_rule_equal(&c, &a), "'%s' equals", others[i]);
                ck_assert_msg(ak_rule_hash(&a) != ak_rule_hash(&c), "'%s' hashes equal", others[i]);
                ak_rule_done(&c);
        }

        /* a rule from -A equals its -a form (the stored form has no PREPEND) */
        rule_from("-A always,exit -F arch=b64 -S open -F uid=0 -F gid=0 -k k", &c);
        ck_assert(ak_rule_equal(&a, &c));
        ck_assert(same_bytes(&a, &c));
        ak_rule_done(&c);

        /* same string length, other bytes */
        rule_from("-w /etc/passwd -k aa", &b);
        rule_from("-w /etc/passwd -k ab", &c);
        ck_assert(!ak_rule_equal(&b, &c));
        ck_assert_uint_ne(ak_rule_hash(&b), ak_rule_hash(&c));
        ak_rule_done(&b);
        ak_rule_done(&c);

        /* path vs dir with the same string */
        rule_from("-a always,exit -F path=/x -F perm=r", &b);
        rule_from("-a always,exit -F dir=/x -F perm=r", &c);
        ck_assert(!ak_rule_equal(&b, &c));
        ak_rule_done(&b);
        ak_rule_done(&c);

        ak_rule_done(&a);
}
END_TEST

START_TEST(test_normalize_raw)
{
        struct audit_rule_data *d = raw(3);
        ak_rule r;

        d->flags = AUDIT_FILTER_EXIT | AUDIT_FILTER_PREPEND;
        d->action = AUDIT_ALWAYS;
        for (size_t i = 0; i < AUDIT_BITMASK_SIZE; i++)
                d->mask[i] = ~0u;
        d->field_count = 1;
        d->fields[0] = AUDIT_FILTERKEY;
        d->fieldflags[0] = AUDIT_EQUAL;
        d->values[0] = 3;
        memcpy(d->buf, "key", 3);
        d->buflen = 77;
        r = (ak_rule) { .data = d, .size = sizeof(*d) + 3 };
        ak_rule_normalize(&r);
        ck_assert_uint_eq(d->flags, AUDIT_FILTER_EXIT);
        ck_assert_uint_eq(d->mask[AUDIT_BITMASK_SIZE - 1], 0xffffu);
        ck_assert_uint_eq(d->mask[0], ~0u);
        ck_assert_uint_eq(d->buflen, 3);
        free(d);
}
END_TEST

START_TEST(test_key_copy_list)
{
        ak_rule a = {}, b = {};
        char buf[300];

        rule_from("-a always,exit -S open -k a -k bc", &a);
        ck_assert_str_eq(ak_rule_key(&a, buf, sizeof(buf)), "a\x01" "bc");
        ck_assert_str_eq(ak_rule_key(&a, buf, 3), "a\x01");
        ck_assert_uint_eq(ak_rule_list(&a), AUDIT_FILTER_EXIT);
        a.line = 7;
        ck_assert_int_eq(ak_rule_copy(&b, &a), 0);
        ck_assert(same_bytes(&a, &b));
        ck_assert_uint_eq(b.line, 7);
        ck_assert_ptr_null(b.file);
        ck_assert_ptr_ne(a.data, b.data);
        ak_rule_done(&b);
        ak_rule_done(&a);

        rule_from("-a never,task", &a);
        ck_assert_str_eq(ak_rule_key(&a, buf, sizeof(buf)), "");
        ck_assert_uint_eq(ak_rule_list(&a), AUDIT_FILTER_TASK);
        ak_rule_done(&a);

        /* strings before the key are skipped */
        rule_from("-a always,exit -F exe=/bin/x -F path=/etc/y -F subj_user=u -S open -k thekey", &a);
        ck_assert_str_eq(ak_rule_key(&a, buf, sizeof(buf)), "thekey");
        ak_rule_done(&a);
}
END_TEST

/* ------------------------------------------------------------------------------------------ */
/* ak_rule_from_bytes */

START_TEST(test_from_bytes)
{
        size_t hdr = sizeof(struct audit_rule_data);
        struct audit_rule_data *d = raw(16);
        ak_rule r = {}, t = {};

        /* a real rule reads back */
        rule_from("-w /etc/passwd -p wa -k identity", &t);
        ck_assert_int_eq(ak_rule_from_bytes(&r, t.data, t.size), 0);
        ck_assert(same_bytes(&r, &t));
        ck_assert(ak_rule_equal(&r, &t));
        ck_assert_ptr_ne(r.data, t.data);
        ak_rule_done(&r);
        /* cut anywhere: refused */
        ck_assert_int_eq(ak_rule_from_bytes(&r, t.data, t.size - 1), -EBADMSG);
        ck_assert_int_eq(ak_rule_from_bytes(&r, t.data, hdr), -EBADMSG);
        ak_rule_done(&t);

        /* shorter than the header */
        ck_assert_int_eq(ak_rule_from_bytes(&r, d, hdr - 1), -EBADMSG);
        ck_assert_int_eq(ak_rule_from_bytes(&r, d, 0), -EBADMSG);

        /* an empty rule is fine */
        ck_assert_int_eq(ak_rule_from_bytes(&r, d, hdr), 0);
        ck_assert_uint_eq(r.size, hdr);
        ak_rule_done(&r);

        /* field_count: 64 at most */
        d->field_count = AUDIT_MAX_FIELDS;
        ck_assert_int_eq(ak_rule_from_bytes(&r, d, hdr), 0);
        ak_rule_done(&r);
        d->field_count = AUDIT_MAX_FIELDS + 1;
        ck_assert_int_eq(ak_rule_from_bytes(&r, d, hdr), -EBADMSG);
        d->field_count = UINT32_MAX;
        ck_assert_int_eq(ak_rule_from_bytes(&r, d, hdr), -EBADMSG);
        d->field_count = 0;

        /* buflen beyond the payload */
        d->buflen = 16;
        ck_assert_int_eq(ak_rule_from_bytes(&r, d, hdr + 16), 0);
        ck_assert_uint_eq(r.size, hdr + 16);
        ak_rule_done(&r);
        ck_assert_int_eq(ak_rule_from_bytes(&r, d, hdr + 15), -EBADMSG);
        d->buflen = UINT32_MAX;
        ck_assert_int_eq(ak_rule_from_bytes(&r, d, hdr + 16), -EBADMSG);

        /* string lengths past buflen */
        d->buflen = 8;
        d->field_count = 2;
        d->fields[0] = AUDIT_WATCH;
        d->fieldflags[0] = AUDIT_EQUAL;
        d->values[0] = 5;
        d->fields[1] = AUDIT_FILTERKEY;
        d->fieldflags[1] = AUDIT_EQUAL;
        d->values[1] = 3;
        ck_assert_int_eq(ak_rule_from_bytes(&r, d, hdr + 16), 0);    /* 5 + 3 = 8 */
        ak_rule_done(&r);
        d->values[1] = 4;
        ck_assert_int_eq(ak_rule_from_bytes(&r, d, hdr + 16), -EBADMSG);
        d->values[1] = UINT32_MAX;
        ck_assert_int_eq(ak_rule_from_bytes(&r, d, hdr + 16), -EBADMSG);
        d->values[0] = UINT32_MAX;
        d->values[1] = 9;  /* would wrap a 32-bit sum */
        ck_assert_int_eq(ak_rule_from_bytes(&r, d, hdr + 16), -EBADMSG);
        d->values[0] = 9;
        d->values[1] = 0;
        ck_assert_int_eq(ak_rule_from_bytes(&r, d, hdr + 16), -EBADMSG);
        /* numbers are no strings: their values are free */
        d->fields[0] = AUDIT_UID;
        d->values[0] = UINT32_MAX;
        d->values[1] = 8;
        ck_assert_int_eq(ak_rule_from_bytes(&r, d, hdr + 16), 0);
        ak_rule_done(&r);
        free(d);
}
END_TEST

/* ------------------------------------------------------------------------------------------ */

static Suite *rule_suite(void) {
        Suite *s = suite_create("rule");
        TCase *tc;

        tc = tcase_create("format");
        tcase_add_loop_test(tc, test_format, 0, (int) N(formats));
        tcase_add_test(tc, test_format_raw);
        suite_add_tcase(s, tc);

        tc = tcase_create("roundtrip");
        tcase_set_timeout(tc, 120);
        tcase_add_test(tc, test_round_trip_examples);
        tcase_add_test(tc, test_round_trip_project);
        tcase_add_loop_test(tc, test_round_trip_tricky, 0, (int) N(tricky));
        suite_add_tcase(s, tc);

        tc = tcase_create("binary");
        tcase_add_test(tc, test_equal_hash);
        tcase_add_test(tc, test_normalize_raw);
        tcase_add_test(tc, test_key_copy_list);
        tcase_add_test(tc, test_from_bytes);
        suite_add_tcase(s, tc);

        return s;
}

AK_TEST_MAIN(rule_suite)
