/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Audit record datagrams: "audit(SEC.MSEC:SERIAL): body" behind a netlink header, and the
 * key=value fields of the body. Pure functions; the input is never trusted to be terminated,
 * aligned or honest about its length. */
#include <errno.h>
#include <string.h>
#include <linux/netlink.h>

#include "auditkeep/ak-kernel.h"
#include "macro.h"

#define NLHDR_LEN sizeof(struct nlmsghdr)

static int parse_uint(const char **p, const char *end, uint64_t max, uint64_t *ret) {
        const char *s = *p;
        uint64_t v = 0;

        if (s >= end || *s < '0' || *s > '9')
                return -EBADMSG;
        for (; s < end && *s >= '0' && *s <= '9'; s++) {
                unsigned d = (unsigned) (*s - '0');

                if (v > (max - d) / 10)
                        return -EBADMSG;
                v = v * 10 + d;
        }
        *p = s;
        *ret = v;
        return 0;
}

static int expect(const char **p, const char *end, const char *lit) {
        size_t n = strlen(lit);

        if ((size_t) (end - *p) < n || memcmp(*p, lit, n) != 0)
                return -EBADMSG;
        *p += n;
        return 0;
}

/* The payload length. Multicast copies count the header in nlmsg_len (and it need not be
 * 4-aligned); the unicast form sent to auditd counts the payload only. Whatever nlmsg_len says,
 * nothing past the datagram is used. */
static size_t payload_len(uint32_t nlmsg_len, size_t len) {
        size_t avail = len - NLHDR_LEN;

        if (nlmsg_len <= avail)
                return nlmsg_len;                       /* payload only */
        if (nlmsg_len >= NLHDR_LEN && nlmsg_len <= len)
                return nlmsg_len - NLHDR_LEN;           /* header included, maybe padding after */
        return avail;                                   /* claims more than arrived */
}

int ak_record_parse(const void *buf, size_t len, ak_record *ret) {
        struct nlmsghdr h;
        const char *p, *end;
        uint64_t sec, msec, serial;
        size_t plen;

        if (!buf || !ret)
                return -EINVAL;
        if (len < NLHDR_LEN)
                return -EBADMSG;
        memcpy(&h, buf, sizeof(h));
        /* NOOP, ERROR, DONE, OVERRUN are not records. */
        if (h.nlmsg_type < NLMSG_MIN_TYPE)
                return -EBADMSG;

        plen = payload_len(h.nlmsg_len, len);
        p = (const char *) buf + NLHDR_LEN;
        end = p + plen;
        /* Some producers count a terminating NUL or newline. */
        while (end > p && (end[-1] == '\0' || end[-1] == '\n'))
                end--;

        if (expect(&p, end, "audit(") < 0 ||
            parse_uint(&p, end, UINT64_MAX, &sec) < 0 ||
            expect(&p, end, ".") < 0 ||
            parse_uint(&p, end, UINT32_MAX, &msec) < 0 ||
            expect(&p, end, ":") < 0 ||
            parse_uint(&p, end, UINT64_MAX, &serial) < 0 ||
            expect(&p, end, "):") < 0)
                return -EBADMSG;
        if (p < end && *p == ' ')
                p++;

        *ret = (ak_record) {
                .type = h.nlmsg_type,
                .sec = sec,
                .msec = (uint32_t) msec,
                .serial = serial,
                .body = p,
                .body_len = (size_t) (end - p),
        };
        return 0;
}

/* Fields the kernel logs with audit_log_untrustedstring() & co.: quoted when harmless, else
 * bare upper-case hex. Other fields with bare hex values (a0=7ffd..., arch=c000003e) are numbers. */
static int field_is_untrusted(const char *name, uint16_t type) {
        static const char *const names[] = {
                "comm", "ocomm", "exe", "cwd", "name", "path", "dir", "key", "proctitle", "data",
        };

        for (size_t i = 0; i < ELEMENTSOF(names); i++)
                if (streq(name, names[i]))
                        return 1;

        /* EXECVE arguments: a0, a1, ..., and a2[0], a2[1], ... for long ones. */
        if (type == AUDIT_EXECVE && name[0] == 'a' && name[1] >= '0' && name[1] <= '9') {
                const char *s = name + 1;

                while (*s >= '0' && *s <= '9')
                        s++;
                if (*s == '\0')
                        return 1;
                if (*s == '[') {
                        s++;
                        if (*s < '0' || *s > '9')
                                return 0;
                        while (*s >= '0' && *s <= '9')
                                s++;
                        return s[0] == ']' && s[1] == '\0';
                }
        }
        return 0;
}

static int hexval(char c) {
        if (c >= '0' && c <= '9')
                return c - '0';
        if (c >= 'A' && c <= 'F')
                return c - 'A' + 10;
        if (c >= 'a' && c <= 'f')
                return c - 'a' + 10;
        return -1;
}

static int is_hex_string(const char *s, size_t n) {
        if (n == 0 || n % 2 != 0)
                return 0;
        for (size_t i = 0; i < n; i++)
                if (hexval(s[i]) < 0)
                        return 0;
        return 1;
}

static int put(char *buf, size_t size, const char *v, size_t n) {
        if (n > size - 1)
                n = size - 1;
        memcpy(buf, v, n);
        buf[n] = '\0';
        return (int) n;
}

static int put_hex(char *buf, size_t size, const char *v, size_t n) {
        size_t k = 0;

        for (size_t i = 0; i + 1 < n && k < size - 1; i += 2)
                buf[k++] = (char) (hexval(v[i]) << 4 | hexval(v[i + 1]));
        buf[k] = '\0';
        return (int) k;
}

static int is_sep(char c) {
        return c == ' ' || c == '\t' || c == '\n' || c == '\0';
}

/* Fields are looked up at token boundaries only: "auid" does not match "fsauid=" nor a value.
 * Values: "quoted" -> the text between the quotes; an untrusted field in bare hex -> decoded (a
 * key joined with 0x01 comes back with the 0x01 bytes); "(null)" -> "" with return value 0, so
 * that "present but null" (key=(null): no key) differs from -ENOENT (no such field); anything else
 * (numbers, "?", names) as it stands. The fields inside a user message's msg='...' count too. */
int ak_record_field(const ak_record *rec, const char *name, char *buf, size_t size) {
        const char *p, *end;
        size_t nlen;
        int in_msg = 0;

        if (!rec || !name || !*name || !buf || size == 0)
                return -EINVAL;
        if (!rec->body) {
                if (rec->body_len > 0)
                        return -EINVAL;
                return -ENOENT;
        }

        nlen = strlen(name);
        p = rec->body;
        end = p + rec->body_len;
        while (p < end) {
                const char *key, *v;
                size_t klen, vlen;
                int quoted = 0;

                while (p < end && is_sep(*p))
                        p++;
                if (p >= end)
                        break;

                key = p;
                while (p < end && *p != '=' && !is_sep(*p))
                        p++;
                if (p >= end || *p != '=') {
                        /* A word without a value ("'" closing a msg, free text): skip it. */
                        while (p < end && !is_sep(*p))
                                p++;
                        continue;
                }
                klen = (size_t) (p - key);
                p++;

                if (p < end && *p == '"') {
                        const char *q = memchr(p + 1, '"', (size_t) (end - p - 1));

                        v = p + 1;
                        if (!q)
                                q = end;        /* unterminated: what there is */
                        vlen = (size_t) (q - v);
                        p = q < end ? q + 1 : end;
                        quoted = 1;
                } else if (p < end && *p == '\'' && !in_msg) {
                        const char *q;

                        /* msg='op=... acct="x" res=success': a field of its own, and a list of
                         * fields to look into. */
                        if (klen == nlen && memcmp(key, name, nlen) == 0) {
                                v = p + 1;
                                q = memchr(v, '\'', (size_t) (end - v));
                                return put(buf, size, v, (size_t) ((q ? q : end) - v));
                        }
                        in_msg = 1;
                        p++;
                        continue;
                } else {
                        v = p;
                        while (p < end && !is_sep(*p))
                                p++;
                        vlen = (size_t) (p - v);
                        /* The kernel's watch auto-removal logs "ses=%uop=remove_rule" with no space
                         * (audit_log_session_info then "op="): a number running into name= is two
                         * fields. */
                        if (vlen > 0 && v[0] >= '0' && v[0] <= '9') {
                                size_t j = 0, k;
                                while (j < vlen && v[j] >= '0' && v[j] <= '9')
                                        j++;
                                for (k = j; k < vlen && ((v[k] >= 'a' && v[k] <= 'z') || v[k] == '_'); k++)
                                        ;
                                if (j < vlen && k > j && k < vlen && v[k] == '=') {
                                        vlen = j;
                                        p = v + j;
                                }
                        }
                        if (in_msg && vlen > 0 && v[vlen - 1] == '\'') {
                                vlen--;
                                in_msg = 0;
                        }
                }

                if (klen != nlen || memcmp(key, name, nlen) != 0)
                        continue;

                if (quoted)
                        return put(buf, size, v, vlen);
                if (vlen == 6 && memcmp(v, "(null)", 6) == 0)
                        return put(buf, size, "", 0);
                if (field_is_untrusted(name, rec->type) && is_hex_string(v, vlen))
                        return put_hex(buf, size, v, vlen);
                return put(buf, size, v, vlen);
        }
        return -ENOENT;
}
