/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Record datagrams and their fields: the texts the kernel produces (CONFIG_CHANGE for rule and
 * status changes, SYSCALL from auditctl, hex-encoded untrusted strings), both nlmsg_len forms,
 * and truncated or garbage input (run this under ASan: every buffer is exactly sized). */
#include <check.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <linux/netlink.h>

#include "auditkeep/ak-kernel.h"
#include "macro.h"
#include "test-util.h"

typedef enum len_form {
        FORM_MULTICAST,         /* nlmsg_len = header + text, datagram exactly that long */
        FORM_UNICAST,           /* nlmsg_len = text only */
        FORM_MULTICAST_PADDED,  /* as multicast, datagram padded to 4 with zeros */
        FORM_UNICAST_PADDED,
        FORM_LONG_LEN,          /* nlmsg_len claims 1000 bytes more than the datagram */
} len_form;

/* A datagram in a heap buffer of exactly its size. */
static uint8_t *mkdgram(uint16_t type, const void *text, size_t tlen, len_form form, size_t *ret_len) {
        size_t len = NLMSG_HDRLEN + tlen;
        struct nlmsghdr h = { .nlmsg_type = type };
        uint8_t *buf;

        switch (form) {
        case FORM_MULTICAST:
        case FORM_MULTICAST_PADDED:
                h.nlmsg_len = (uint32_t) len;
                break;
        case FORM_UNICAST:
        case FORM_UNICAST_PADDED:
                h.nlmsg_len = (uint32_t) tlen;
                break;
        case FORM_LONG_LEN:
                h.nlmsg_len = (uint32_t) len + 1000;
                break;
        }
        if (form == FORM_MULTICAST_PADDED || form == FORM_UNICAST_PADDED)
                len = NLMSG_ALIGN(len);
        buf = calloc(1, len);
        ck_assert_ptr_nonnull(buf);
        memcpy(buf, &h, sizeof(h));
        memcpy(buf + NLMSG_HDRLEN, text, tlen);
        *ret_len = len;
        return buf;
}

static uint8_t *dgram;

static void parse_text(uint16_t type, const char *text, ak_record *rec) {
        size_t len;

        free(dgram);
        dgram = mkdgram(type, text, strlen(text), FORM_MULTICAST, &len);
        ck_assert_int_eq(ak_record_parse(dgram, len, rec), 0);
}

static void teardown(void) {
        free(dgram);
        dgram = NULL;
}

static void assert_field(const ak_record *rec, const char *name, const char *want) {
        char v[256];
        int r = ak_record_field(rec, name, v, sizeof(v));

        ck_assert_msg(r >= 0, "field %s: %d", name, r);
        ck_assert_int_eq(r, (int) strlen(want));
        ck_assert_str_eq(v, want);
}

static void assert_no_field(const ak_record *rec, const char *name) {
        char v[64];

        ck_assert_int_eq(ak_record_field(rec, name, v, sizeof(v)), -ENOENT);
}

static void assert_body(const ak_record *rec, const char *want) {
        ck_assert_uint_eq(rec->body_len, strlen(want));
        ck_assert_int_eq(memcmp(rec->body, want, rec->body_len), 0);
}

START_TEST(test_config_change_add_rule) {
        ak_record rec;

        parse_text(AUDIT_CONFIG_CHANGE,
                   "audit(1732541234.567:8901): auid=1000 ses=2 subj=unconfined op=add_rule key=\"identity\" list=4 res=1",
                   &rec);
        ck_assert_uint_eq(rec.type, AUDIT_CONFIG_CHANGE);
        ck_assert_uint_eq(rec.sec, 1732541234);
        ck_assert_uint_eq(rec.msec, 567);
        ck_assert_uint_eq(rec.serial, 8901);
        assert_body(&rec, "auid=1000 ses=2 subj=unconfined op=add_rule key=\"identity\" list=4 res=1");
        assert_field(&rec, "auid", "1000");
        assert_field(&rec, "ses", "2");
        assert_field(&rec, "op", "add_rule");
        assert_field(&rec, "key", "identity");
        assert_field(&rec, "list", "4");
        assert_field(&rec, "res", "1");
        assert_field(&rec, "subj", "unconfined");
        assert_no_field(&rec, "path");
        assert_no_field(&rec, "uid");
}
END_TEST

START_TEST(test_config_change_remove_rule) {
        ak_record rec;
        char v[16] = "x";

        parse_text(AUDIT_CONFIG_CHANGE,
                   "audit(1732541234.568:8902): auid=4294967295 ses=4294967295 op=remove_rule key=(null) list=4 res=1",
                   &rec);
        assert_field(&rec, "op", "remove_rule");
        assert_field(&rec, "auid", "4294967295");
        /* (null): present but empty, which is not the same as absent. */
        ck_assert_int_eq(ak_record_field(&rec, "key", v, sizeof(v)), 0);
        ck_assert_str_eq(v, "");

        /* A watch removed because its parent directory went away. */
        parse_text(AUDIT_CONFIG_CHANGE,
                   "audit(1732541300.001:9000): auid=0 ses=1 op=remove_rule path=\"/tmp/d/f\" key=\"k\" list=4 res=1",
                   &rec);
        assert_field(&rec, "path", "/tmp/d/f");
        /* ... and one whose path has a space, so the kernel wrote it in hex. */
        parse_text(AUDIT_CONFIG_CHANGE,
                   "audit(1732541300.002:9001): auid=0 ses=1 op=remove_rule path=2F746D702F6120622F63 key=(null) list=4 res=1",
                   &rec);
        assert_field(&rec, "path", "/tmp/a b/c");
}
END_TEST

START_TEST(test_config_change_set) {
        ak_record rec;

        parse_text(AUDIT_CONFIG_CHANGE,
                   "audit(1732541234.569:8903): op=set audit_backlog_limit=8192 old=64 auid=0 ses=2 subj=unconfined res=1",
                   &rec);
        assert_field(&rec, "op", "set");
        assert_field(&rec, "audit_backlog_limit", "8192");
        assert_field(&rec, "old", "64");
        assert_field(&rec, "res", "1");

        parse_text(AUDIT_CONFIG_CHANGE, "audit(1732541234.570:8904): op=set lost=0 old=17 auid=0 ses=2 res=1", &rec);
        assert_field(&rec, "lost", "0");
        assert_field(&rec, "old", "17");
}
END_TEST

START_TEST(test_syscall_from_auditctl) {
        ak_record rec;

        parse_text(AUDIT_SYSCALL,
                   "audit(1732541234.567:8901): arch=c000003e syscall=44 success=yes exit=1072 a0=3 "
                   "a1=7ffc8a0e3b40 a2=430 a3=0 items=0 ppid=1234 pid=5678 auid=0 uid=0 gid=0 euid=0 "
                   "suid=0 fsuid=0 egid=0 sgid=0 fsgid=0 tty=pts0 ses=2 comm=\"auditctl\" "
                   "exe=\"/usr/sbin/auditctl\" subj=unconfined key=(null)",
                   &rec);
        ck_assert_uint_eq(rec.type, AUDIT_SYSCALL);
        assert_field(&rec, "syscall", "44");
        assert_field(&rec, "pid", "5678");
        assert_field(&rec, "ppid", "1234");
        assert_field(&rec, "uid", "0");
        assert_field(&rec, "comm", "auditctl");
        assert_field(&rec, "exe", "/usr/sbin/auditctl");
        assert_field(&rec, "tty", "pts0");
        assert_field(&rec, "ses", "2");
        /* Hex-looking numbers of fields that are not untrusted strings stay as they are. */
        assert_field(&rec, "arch", "c000003e");
        assert_field(&rec, "a1", "7ffc8a0e3b40");
        assert_field(&rec, "a2", "430");
}
END_TEST

START_TEST(test_hex_untrusted) {
        static const uint8_t title[] = "auditctl\0-w\0/tmp/x";
        ak_record rec;
        char v[64];

        parse_text(AUDIT_SYSCALL,
                   "audit(1.000:1): pid=7 comm=6D7920636F6D6D exe=2F746D702F6D792070726F67 key=6B657931016B657932",
                   &rec);
        assert_field(&rec, "comm", "my comm");
        assert_field(&rec, "exe", "/tmp/my prog");
        /* Two keys joined with 0x01 by auditctl: hex on the wire, raw bytes here. */
        assert_field(&rec, "key", "key1\001key2");

        /* proctitle: argv with its NULs. */
        parse_text(AUDIT_PROCTITLE, "audit(1.000:1): proctitle=617564697463746C002D77002F746D702F78", &rec);
        ck_assert_int_eq(ak_record_field(&rec, "proctitle", v, sizeof(v)), (int) sizeof(title) - 1);
        ck_assert_int_eq(memcmp(v, title, sizeof(title) - 1), 0);

        /* Odd length or non-hex: not an encoding, returned as is. */
        parse_text(AUDIT_SYSCALL, "audit(1.000:1): comm=ABC exe=12G4 key=? name=(null)", &rec);
        assert_field(&rec, "comm", "ABC");
        assert_field(&rec, "exe", "12G4");
        assert_field(&rec, "key", "?");
        assert_field(&rec, "name", "");

        /* EXECVE arguments are untrusted strings; the same names in SYSCALL are registers. */
        parse_text(AUDIT_EXECVE, "audit(1.000:1): argc=3 a0=\"ls\" a1=2D6C61 a2[0]=2F20 a2_len=2", &rec);
        assert_field(&rec, "a0", "ls");
        assert_field(&rec, "a1", "-la");
        assert_field(&rec, "a2[0]", "/ ");
        assert_field(&rec, "a2_len", "2");
        parse_text(AUDIT_SYSCALL, "audit(1.000:1): a1=2D6C61", &rec);
        assert_field(&rec, "a1", "2D6C61");
}
END_TEST

START_TEST(test_token_boundaries) {
        ak_record rec;

        parse_text(AUDIT_SYSCALL, "audit(1.000:1): fsauid=5 auid=7 sessionid=9 ses=4", &rec);
        assert_field(&rec, "auid", "7");
        assert_field(&rec, "fsauid", "5");
        assert_field(&rec, "ses", "4");
        assert_field(&rec, "sessionid", "9");
        assert_no_field(&rec, "id");
        assert_no_field(&rec, "s");
        assert_no_field(&rec, "se");

        /* Only fsauid: auid is absent. Quoted values are never searched. */
        parse_text(AUDIT_SYSCALL, "audit(1.000:1): fsauid=5 comm=\"x auid=6\" ses=1", &rec);
        assert_no_field(&rec, "auid");
        assert_field(&rec, "comm", "x auid=6");
        assert_field(&rec, "ses", "1");

        /* The first occurrence wins; a word without '=' is skipped. */
        parse_text(AUDIT_SYSCALL, "audit(1.000:1): free text uid=1 uid=2", &rec);
        assert_field(&rec, "uid", "1");
        assert_no_field(&rec, "free");

        /* A user message: msg='...' and the fields inside it. */
        parse_text(1105 /* USER_START */,
                   "audit(1.000:1): pid=1 uid=0 auid=4294967295 ses=4294967295 subj=unconfined "
                   "msg='op=PAM:session_open grantors=pam_unix acct=\"root\" exe=\"/usr/sbin/cron\" "
                   "hostname=? addr=? terminal=cron res=success'",
                   &rec);
        assert_field(&rec, "op", "PAM:session_open");
        assert_field(&rec, "acct", "root");
        assert_field(&rec, "exe", "/usr/sbin/cron");
        assert_field(&rec, "terminal", "cron");
        assert_field(&rec, "res", "success");
        assert_field(&rec, "msg",
                     "op=PAM:session_open grantors=pam_unix acct=\"root\" exe=\"/usr/sbin/cron\" "
                     "hostname=? addr=? terminal=cron res=success");
}
END_TEST

START_TEST(test_field_output_bounds) {
        ak_record rec;
        char v[4];
        char big[64];

        parse_text(AUDIT_SYSCALL, "audit(1.000:1): comm=\"auditctl\" exe=2F7573722F62696E key=\"\"", &rec);
        ck_assert_int_eq(ak_record_field(&rec, "comm", v, sizeof(v)), 3);
        ck_assert_str_eq(v, "aud");
        ck_assert_int_eq(ak_record_field(&rec, "exe", v, sizeof(v)), 3);
        ck_assert_str_eq(v, "/us");
        ck_assert_int_eq(ak_record_field(&rec, "comm", v, 1), 0);
        ck_assert_str_eq(v, "");
        ck_assert_int_eq(ak_record_field(&rec, "key", big, sizeof(big)), 0);
        ck_assert_int_eq(ak_record_field(&rec, "comm", v, 0), -EINVAL);
        ck_assert_int_eq(ak_record_field(&rec, "comm", NULL, 8), -EINVAL);
        ck_assert_int_eq(ak_record_field(&rec, "", big, sizeof(big)), -EINVAL);
        ck_assert_int_eq(ak_record_field(NULL, "comm", big, sizeof(big)), -EINVAL);

        /* An unterminated quote ends at the end of the body. */
        parse_text(AUDIT_SYSCALL, "audit(1.000:1): uid=0 comm=\"audit", &rec);
        ck_assert_int_eq(ak_record_field(&rec, "comm", big, sizeof(big)), 5);
        ck_assert_str_eq(big, "audit");
}
END_TEST

START_TEST(test_eoe_and_empty_body) {
        ak_record rec;
        char v[8];

        parse_text(AUDIT_EOE, "audit(1732541234.567:8901): ", &rec);
        ck_assert_uint_eq(rec.type, AUDIT_EOE);
        ck_assert_uint_eq(rec.serial, 8901);
        ck_assert_uint_eq(rec.body_len, 0);
        ck_assert_int_eq(ak_record_field(&rec, "op", v, sizeof(v)), -ENOENT);

        parse_text(AUDIT_EOE, "audit(1.2:3):", &rec);
        ck_assert_uint_eq(rec.body_len, 0);
        ck_assert_uint_eq(rec.msec, 2);
}
END_TEST

/* The same record in every length form yields the same body, never more. */
START_TEST(test_nlmsg_len_forms) {
        static const char text[] = "audit(1700000000.001:42): op=set audit_enabled=1 old=1 auid=0 ses=2 res=1";
        static const char body[] = "op=set audit_enabled=1 old=1 auid=0 ses=2 res=1";
        len_form forms[] = { FORM_MULTICAST, FORM_UNICAST, FORM_MULTICAST_PADDED, FORM_UNICAST_PADDED, FORM_LONG_LEN };

        /* text length 74: 16 + 74 = 90, not a multiple of 4, so padding happens. */
        ck_assert_uint_ne((NLMSG_HDRLEN + strlen(text)) % 4, 0);
        for (size_t i = 0; i < ELEMENTSOF(forms); i++) {
                size_t len;
                uint8_t *b = mkdgram(AUDIT_CONFIG_CHANGE, text, strlen(text), forms[i], &len);
                ak_record rec;

                ck_assert_int_eq(ak_record_parse(b, len, &rec), 0);
                ck_assert_uint_eq(rec.serial, 42);
                assert_body(&rec, body);
                ck_assert_ptr_eq(rec.body + rec.body_len, (const char *) b + NLMSG_HDRLEN + strlen(text));
                free(b);
        }
}
END_TEST

START_TEST(test_trailing_nul_and_newline) {
        static const char text[] = "audit(5.006:7): res=1\n";     /* sizeof includes the NUL */
        ak_record rec;
        size_t len;
        uint8_t *b = mkdgram(AUDIT_CONFIG_CHANGE, text, sizeof(text), FORM_MULTICAST, &len);

        ck_assert_int_eq(ak_record_parse(b, len, &rec), 0);
        assert_body(&rec, "res=1");
        free(b);
}
END_TEST

START_TEST(test_garbage) {
        static const char *const bad[] = {
                "",
                "audit",
                "audit(",
                "audit(1",
                "audit(1.",
                "audit(1.2",
                "audit(1.2:",
                "audit(1.2:3",
                "audit(1.2:3)",
                "audit(1.2:3 ): x",
                "audit(x.2:3): x",
                "audit(1.x:3): x",
                "audit(1.2:x): x",
                "audit(-1.2:3): x",
                "audit(1:3): x",
                "type=CONFIG_CHANGE msg=audit(1.2:3): x",
                "audit(99999999999999999999.2:3): x",   /* sec overflows u64 */
                "audit(1.4294967296:3): x",             /* msec overflows u32 */
                "audit(1.2:18446744073709551616): x",   /* serial overflows u64 */
        };
        ak_record rec;
        uint8_t small[15] = {};
        struct nlmsghdr h = { .nlmsg_len = 40, .nlmsg_type = NLMSG_ERROR };
        uint8_t *b;
        size_t len;

        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                b = mkdgram(AUDIT_CONFIG_CHANGE, bad[i], strlen(bad[i]), FORM_MULTICAST, &len);
                ck_assert_msg(ak_record_parse(b, len, &rec) == -EBADMSG, "accepted \"%s\"", bad[i]);
                free(b);
        }

        /* Shorter than a header; not a record type; NULL. */
        ck_assert_int_eq(ak_record_parse(small, sizeof(small), &rec), -EBADMSG);
        ck_assert_int_eq(ak_record_parse(small, 0, &rec), -EBADMSG);
        b = mkdgram(NLMSG_ERROR, "audit(1.2:3): x", 15, FORM_MULTICAST, &len);
        ck_assert_int_eq(ak_record_parse(b, len, &rec), -EBADMSG);
        free(b);
        ck_assert_int_eq(ak_record_parse(NULL, 20, &rec), -EINVAL);
        ck_assert_int_eq(ak_record_parse(&h, sizeof(h), NULL), -EINVAL);
}
END_TEST

/* Every prefix of a good datagram: parsed or refused, never read past its end (ASan). */
START_TEST(test_truncated_prefixes) {
        static const char text[] = "audit(1732541234.567:8901): auid=0 ses=2 op=add_rule key=6B31016B32 list=4 res=1";
        size_t full;
        uint8_t *good = mkdgram(AUDIT_CONFIG_CHANGE, text, strlen(text), FORM_MULTICAST, &full);

        for (size_t n = 0; n <= full; n++) {
                uint8_t *b = malloc(n ? n : 1);
                ak_record rec;
                int r;

                memcpy(b, good, n);
                r = ak_record_parse(b, n, &rec);
                if (r == 0) {
                        char v[64];

                        ck_assert((uintptr_t) rec.body >= (uintptr_t) b + NLMSG_HDRLEN);
                        ck_assert((uintptr_t) (rec.body + rec.body_len) <= (uintptr_t) b + n);
                        (void) ak_record_field(&rec, "key", v, sizeof(v));
                        (void) ak_record_field(&rec, "res", v, sizeof(v));
                } else
                        ck_assert_int_eq(r, -EBADMSG);
                free(b);
        }
        free(good);
}
END_TEST

static uint32_t rng_state = 0x12345678u;

static uint32_t rng(void) {
        rng_state ^= rng_state << 13;
        rng_state ^= rng_state >> 17;
        rng_state ^= rng_state << 5;
        return rng_state;
}

/* Random bytes and mutated records, exactly-sized buffers: no crash, nothing out of bounds. */
START_TEST(test_fuzz) {
        static const char *const seeds[] = {
                "audit(1732541234.567:8901): auid=0 ses=2 op=add_rule key=\"x\" list=4 res=1",
                "audit(1.000:1): msg='op=PAM:x acct=\"root\" res=success' comm=41 key=(null)",
                "audit(1.000:1): a0=\"ls\" a1=2D6C61 a2[0]=2F20 proctitle=6C73",
        };
        static const char alphabet[] = "audit(0123456789.:) =\"'ABCDEFabcdef()nul\x01\t\n";
        static const char *const names[] = { "key", "auid", "msg", "op", "comm", "a1", "a2[0]", "proctitle", "res" };

        for (unsigned it = 0; it < 30000; it++) {
                const char *seed = seeds[it % ELEMENTSOF(seeds)];
                size_t tlen = strlen(seed);
                char text[256];
                uint8_t *b;
                size_t len;
                ak_record rec;

                memcpy(text, seed, tlen);
                for (unsigned k = rng() % 6; k > 0; k--) {
                        size_t at = rng() % tlen;

                        switch (rng() % 3) {
                        case 0:
                                text[at] = alphabet[rng() % (sizeof(alphabet) - 1)];
                                break;
                        case 1:
                                text[at] = (char) rng();
                                break;
                        case 2:
                                tlen = at;
                                break;
                        }
                        if (tlen == 0)
                                break;
                }
                if (tlen == 0)
                        continue;
                b = mkdgram((uint16_t) (rng() % 3 == 0 ? rng() : AUDIT_CONFIG_CHANGE), text, tlen,
                            (len_form) (rng() % 5), &len);
                if (rng() % 4 == 0) {
                        struct nlmsghdr h;

                        memcpy(&h, b, sizeof(h));
                        h.nlmsg_len = rng();
                        memcpy(b, &h, sizeof(h));
                }
                if (ak_record_parse(b, len, &rec) == 0) {
                        ck_assert((uintptr_t) (rec.body + rec.body_len) <= (uintptr_t) b + len);
                        for (size_t i = 0; i < ELEMENTSOF(names); i++) {
                                char v[32];
                                int r = ak_record_field(&rec, names[i], v, sizeof(v));

                                ck_assert(r == -ENOENT || (r >= 0 && r < (int) sizeof(v)));
                        }
                }
                free(b);
        }
}
END_TEST

static Suite *record_suite(void) {
        Suite *s = suite_create("record");
        TCase *tc = tcase_create("record");

        tcase_add_checked_fixture(tc, NULL, teardown);
        tcase_add_test(tc, test_config_change_add_rule);
        tcase_add_test(tc, test_config_change_remove_rule);
        tcase_add_test(tc, test_config_change_set);
        tcase_add_test(tc, test_syscall_from_auditctl);
        tcase_add_test(tc, test_hex_untrusted);
        tcase_add_test(tc, test_token_boundaries);
        tcase_add_test(tc, test_field_output_bounds);
        tcase_add_test(tc, test_eoe_and_empty_body);
        tcase_add_test(tc, test_nlmsg_len_forms);
        tcase_add_test(tc, test_trailing_nul_and_newline);
        tcase_add_test(tc, test_garbage);
        tcase_add_test(tc, test_truncated_prefixes);
        tcase_add_test(tc, test_fuzz);
        suite_add_tcase(s, tc);
        return s;
}

AK_TEST_MAIN(record_suite)
