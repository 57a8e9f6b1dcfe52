/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* -F FIELD OP VALUE and -C FIELD OP FIELD, as auditctl 3.0.9, 4.0.2 or 4.1.2 reads them: the lists and
 * operators a field takes come from the field table (fields.h), its value from the one parser of
 * its kind; what the levels read differently is said here (line_sensitive()). */
#include <ctype.h>
#include <errno.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "auditkeep/ak-rules.h"
#include "compat.h"
#include "constants.h"
#include "fields.h"
#include "macro.h"
#include "rule-internal.h"
#include "parse-internal.h"
#include "sim.h"
#include "tables.h"
#include "util.h"

int parse_perm(linectx *c, const char *s, unsigned col, uint32_t *ret) {
        uint32_t v = 0;
        size_t len = strlen(s);

        if (len > 4) {
                ERR(c, col, "permission '%s' is too long: use up to four of r, w, x, a", s);
                return -1;
        }
        if (len == 0) {
                ERR(c, col, "empty permission: use some of r, w, x, a");
                return -1;
        }
        for (size_t i = 0; i < len; i++)
                switch (tolower((unsigned char) s[i])) {
                case 'r': v |= AUDIT_PERM_READ; break;
                case 'w': v |= AUDIT_PERM_WRITE; break;
                case 'x': v |= AUDIT_PERM_EXEC; break;
                case 'a': v |= AUDIT_PERM_ATTR; break;
                default:
                        ERR(c, col + (unsigned) i, "permission '%c' in '%s' is not one of r, w, x, a", s[i], s);
                        return -1;
                }
        *ret = v;
        return 0;
}

/* Parse a number the way auditctl's strtol/strtoul(v, NULL, 0) reads it, but require the whole
 * string. `neg_ok`: a leading '-' followed by a digit is allowed (stored two's complement). */
int parse_number(const char *s, int neg_ok, uint32_t *ret) {
        char *end;
        long long v;

        if (!isdigit((unsigned char) s[0]) && !(neg_ok && s[0] == '-' && isdigit((unsigned char) s[1])))
                return -EINVAL;
        errno = 0;
        v = strtoll(s, &end, 0);
        if (errno != 0 || *end != '\0')
                return -EINVAL;
        if (v > (long long) UINT32_MAX || v < INT32_MIN)
                return -ERANGE;
        *ret = (uint32_t) v;
        return 0;
}

/* Split "name OP value" at the first operator from the left (two-character operators first at
 * that place). auditctl searches "!=" ">=" "<=" "&=" "=" ">" "<" "&" in that order over the whole
 * word instead; both agree on every word auditctl reads, and the leftmost split also reads values
 * that contain an operator (a path with ">=" in it), so every rule renders into text that reads
 * back. */
static int split_pair(char *pair, char **ret_value, uint32_t *ret_op) {
        static const struct { const char *s; uint32_t op; } ops[] = {
                { "!=", AUDIT_NOT_EQUAL }, { ">=", AUDIT_GREATER_THAN_OR_EQUAL },
                { "<=", AUDIT_LESS_THAN_OR_EQUAL }, { "&=", AUDIT_BIT_TEST },
                { "=", AUDIT_EQUAL }, { ">", AUDIT_GREATER_THAN },
                { "<", AUDIT_LESS_THAN }, { "&", AUDIT_BIT_MASK },
        };

        /* every operator starts with one of these: skip the bytes that start none */
        for (char *p = strpbrk(pair, "!<>&="); p; p = strpbrk(p + 1, "!<>&="))
                for (size_t i = 0; i < ELEMENTSOF(ops); i++)
                        if (p[0] == ops[i].s[0] && (ops[i].s[1] == '\0' || p[1] == ops[i].s[1])) {
                                *p = '\0';
                                *ret_value = p + 1 + (ops[i].s[1] != '\0');
                                *ret_op = ops[i].op;
                                return 0;
                        }
        return -EINVAL;
}

/* The name messages use for an arch value: its machine ("x86_64", "i386", "riscv64"), else hex. */
static const char *arch_label(uint32_t arch, char *buf, size_t size) {
        const char *m = ak_arch_machine_name(arch);

        if (!m && arch == AUDIT_ARCH_RISCV64)
                m = "riscv64";
        else if (!m && arch == (EM_RISCV | __AUDIT_ARCH_LE))
                m = "riscv32";
        if (m)
                snprintf(buf, size, "%s", m);
        else
                snprintf(buf, size, "0x%X", (unsigned) arch);
        return buf;
}

/* One class's expansion at level 4 or 4.1 for an arch: its syscalls, in that arch's numbering,
 * and at level 4 the first name the arch lacks ("" if none). Worked out once per level, arch
 * and class (a perm line is expanded at every level, for the notes: six times a line). */
typedef struct perm_class_set {
        uint32_t mask[AUDIT_BITMASK_SIZE];
        char missing[32];
} perm_class_set;

static const uint32_t perm_cache_arches[] = {
        AUDIT_ARCH_X86_64, AUDIT_ARCH_I386, AUDIT_ARCH_AARCH64, AUDIT_ARCH_ARM, AUDIT_ARCH_PPC,
        AUDIT_ARCH_PPC64, AUDIT_ARCH_PPC64LE, AUDIT_ARCH_S390, AUDIT_ARCH_S390X,
        EM_RISCV | __AUDIT_ARCH_64BIT | __AUDIT_ARCH_LE, EM_RISCV | __AUDIT_ARCH_LE,
};
/* [level 4, 4.1][arch][class: AUDIT_PERM_EXEC, WRITE, READ, ATTR], built once, never freed */
static perm_class_set *perm_cache[2][ELEMENTSOF(perm_cache_arches)][4];

static void perm_class_compute(int level, uint32_t elf, uint32_t bit, perm_class_set *out) {
        const char *list = ak_perm_class(level, bit);

        memset(out, 0, sizeof(*out));
        while (list && *list) {
                const char *comma = strchr(list, ',');
                size_t len = comma ? (size_t) (comma - list) : strlen(list);
                char name[32];
                int nr;

                snprintf(name, sizeof(name), "%.*s", (int) len, list);
                list = comma ? comma + 1 : NULL;
                nr = ak_perm_syscall_at(level, elf, name);
                if (nr < 0 || nr >= AUDIT_BITMASK_SIZE * 32 - 16) {
                        if (level >= AK_COMPAT_41)
                                continue;       /* 4.0.4's filter */
                        snprintf(out->missing, sizeof(out->missing), "%s", name);
                        return;
                }
                out->mask[AUDIT_WORD(nr)] |= AUDIT_BIT(nr);
        }
}

static const perm_class_set *perm_class_get(int level, uint32_t elf, uint32_t bit, perm_class_set *scratch) {
        size_t l = level >= AK_COMPAT_41, c = (size_t) __builtin_ctz(bit);

        for (size_t a = 0; a < ELEMENTSOF(perm_cache_arches); a++) {
                perm_class_set *set, *expected = NULL;

                if (perm_cache_arches[a] != elf)
                        continue;
                set = __atomic_load_n(&perm_cache[l][a][c], __ATOMIC_ACQUIRE);
                if (set)
                        return set;
                set = malloc(sizeof(*set));
                if (!set)
                        break;
                perm_class_compute(level, elf, bit, set);
                if (!__atomic_compare_exchange_n(&perm_cache[l][a][c], &expected, set, 0, __ATOMIC_ACQ_REL,
                                                 __ATOMIC_ACQUIRE)) {
                        free(set);      /* another thread was first */
                        return expected;
                }
                return set;
        }
        perm_class_compute(level, elf, bit, scratch);
        return scratch;
}

/* One level's expansion of -F perm= for an arch (audit_add_perm_syscalls): the syscalls of each
 * class of perm, in that arch's numbering, into add[]; the classes named into classes. At level 4
 * (4.0.2) a class name the arch lacks makes the line fail: its name and class are returned in
 * missing/missing_class and the result is -1. At level 4.1 (from 4.0.4 on) such names are left
 * out (filter_supported_syscalls). The number of syscalls added otherwise. */
static int perm_expansion(int level, uint32_t elf, const char *perm, uint32_t add[AUDIT_BITMASK_SIZE],
                          char *classes, size_t classes_size, char *missing, size_t missing_size,
                          const char **missing_class) {
        uint32_t seen = 0;
        unsigned n_classes = 0;
        int n = 0;

        memset(add, 0, sizeof(uint32_t) * AUDIT_BITMASK_SIZE);
        if (classes_size)
                classes[0] = '\0';
        for (const char *p = perm; *p; p++) {
                const perm_class_set *set;
                perm_class_set scratch;
                uint32_t bit;

                switch (tolower((unsigned char) *p)) {
                case 'r': bit = AUDIT_PERM_READ; break;
                case 'w': bit = AUDIT_PERM_WRITE; break;
                case 'x': bit = AUDIT_PERM_EXEC; break;
                default: bit = AUDIT_PERM_ATTR; break;
                }
                if (seen & bit)
                        continue;
                seen |= bit;
                set = perm_class_get(level, elf, bit, &scratch);
                if (set->missing[0]) {
                        snprintf(missing, missing_size, "%s", set->missing);
                        *missing_class = ak4_perm_class_name(bit);
                        return -1;
                }
                for (size_t i = 0; i < AUDIT_BITMASK_SIZE; i++)
                        add[i] |= set->mask[i];
                snprintf(classes + strlen(classes), classes_size - strlen(classes), "%s%s",
                         n_classes++ ? " and " : "", ak4_perm_class_name(bit));
        }
        for (size_t i = 0; i < AUDIT_BITMASK_SIZE; i++)
                n += __builtin_popcount(add[i]);
        return n;
}

static uint32_t perm_bits(const char *perm) {
        uint32_t seen = 0;

        for (const char *p = perm; *p; p++)
                switch (tolower((unsigned char) *p)) {
                case 'r': seen |= AUDIT_PERM_READ; break;
                case 'w': seen |= AUDIT_PERM_WRITE; break;
                case 'x': seen |= AUDIT_PERM_EXEC; break;
                default: seen |= AUDIT_PERM_ATTR; break;
                }
        return seen;
}

/* No silent gap: the rule now covers only the syscalls it lists, and the kernel classifies some
 * more of perm's classes (compat.h, ak_kernel_class_members) that this kernel has: say which, and
 * how to close it (an -S list, in names this level knows or else numbers; or a level whose
 * expansion has them). A warning: the line means what it means at this level. */
static void perm_gap(linectx *c, const builder *b, const char *perm, unsigned col, const uint32_t mask[AUDIT_BITMASK_SIZE],
                     const uint32_t add41[AUDIT_BITMASK_SIZE], const char *abuf) {
        const ak_kernel_class_member *m;
        uint32_t bits = perm_bits(perm), classes = 0;
        unsigned major, minor;
        char names[200] = "", fix[200] = "", cls[80] = "";
        size_t n_m, n = 0;
        int in41 = 1;

        if (ak_kernel_release(&major, &minor) < 0)
                return;
        m = ak_kernel_class_members(&n_m);
        for (size_t i = 0; i < n_m; i++) {
                int nr;

                if (!(m[i].perm & bits) || major < m[i].major || (major == m[i].major && minor < m[i].minor))
                        continue;
                nr = ak_compat_syscall_at(AK_COMPAT_LATEST, b->elf, m[i].name);
                if (nr < 0 || nr >= AUDIT_BITMASK_SIZE * 32 - 16 || (mask[AUDIT_WORD(nr)] & AUDIT_BIT(nr)))
                        continue;
                if (!(add41[AUDIT_WORD(nr)] & AUDIT_BIT(nr)))
                        in41 = 0;
                classes |= m[i].perm;
                snprintf(names + strlen(names), sizeof(names) - strlen(names), "%s%s", n ? ", " : "", m[i].name);
                if (ak_compat_syscall_at(c->compat, b->elf, m[i].name) >= 0)
                        snprintf(fix + strlen(fix), sizeof(fix) - strlen(fix), "%s%s", n ? "," : "", m[i].name);
                else
                        snprintf(fix + strlen(fix), sizeof(fix) - strlen(fix), "%s%d", n ? "," : "", nr);
                n++;
        }
        if (n == 0)
                return;
        for (uint32_t bit = 1; bit <= AUDIT_PERM_ATTR; bit <<= 1)
                if (classes & bit)
                        snprintf(cls + strlen(cls), sizeof(cls) - strlen(cls), "%s%s", cls[0] ? " and " : "",
                                 ak4_perm_class_name(bit));
        WARN(c, col, "-F perm=%s with arch %s at compat level %s (%s) covers only the syscalls it lists: it leaves out %s, "
             "which this kernel (%u.%u) has in its %s class%s, so the rule does not audit %s; add -S %s to the line%s",
             perm, abuf, ak_compat_name(c->compat), ak_compat_reference(c->compat), names, major, minor, cls,
             __builtin_popcount(classes) > 1 ? "es" : "", n > 1 ? "them" : "it", fix,
             in41 && c->compat < AK_COMPAT_41 ? ", or use compat level 4.1 (auditctl 4.1.2), whose expansion has them" : "");
}

/* auditctl 4.x (audit_add_perm_syscalls): -F perm= once the arch is known (an earlier -F arch,
 * or an earlier -S, which takes the native arch) adds the syscalls of each permission class to
 * the rule's mask, in that arch's numbering, so the rule no longer covers every syscall (or only
 * its -S list). A class naming a syscall the arch lacks makes auditctl 4.0.2 refuse the line
 * (aarch64, riscv: no rename, open, chmod...); 4.1.2 leaves such names out. auditctl 3.0.9 does
 * none of this. At each level the others' expansions are worked out too, to say what they do. */
static int perm_expand(linectx *c, builder *b, const char *perm, unsigned col) {
        uint32_t add4[AUDIT_BITMASK_SIZE], add41[AUDIT_BITMASK_SIZE];
        const uint32_t *add;
        char classes[80], classes41[80], abuf[32], missing[64];
        const char *missing_class = NULL, *dummy = NULL;
        int n4, n41, all = 1;

        for (size_t i = 0; i < AUDIT_BITMASK_SIZE - 1; i++)
                if (b->d->mask[i] != ~0u)
                        all = 0;
        n4 = perm_expansion(AK_COMPAT_4, b->elf, perm, add4, classes, sizeof(classes), missing, sizeof(missing), &missing_class);
        n41 = perm_expansion(AK_COMPAT_41, b->elf, perm, add41, classes41, sizeof(classes41), NULL, 0, &dummy);
        arch_label(b->elf, abuf, sizeof(abuf));
        if (n4 < 0) {
                line_sensitive(c, "-F perm=%s with arch %s: auditctl 4.0.2 refuses the line (the %s class names '%s', "
                          "which %s does not have); auditctl 4.1.2 leaves such names out, auditctl 3.0.9 takes it",
                          perm, abuf, missing_class, missing, abuf);
                if (c->compat == AK_COMPAT_4) {
                        ERR(c, col, "-F perm=%s with arch %s: compat level 4 (auditctl 4.0.2) adds the syscalls of the %s class, "
                            "and %s has no syscall '%s'", perm, abuf, missing_class, abuf, missing);
                        return -1;
                }
        } else if (!all && !c->sensitive) {
                /* worded in perm_why_finish(), when it is known whether the line has -S */
                line_sensitive(c, "-F perm=%s with arch %s", perm, abuf);
                b->perm_why = 1;
                b->perm_n = (unsigned) n4;
                b->perm_n41 = (unsigned) n41;
                snprintf(b->perm_classes, sizeof(b->perm_classes), "%s", classes);
                snprintf(b->perm_arch, sizeof(b->perm_arch), "%s", abuf);
                snprintf(b->perm_value, sizeof(b->perm_value), "%s", perm);
        }
        if (c->compat < AK_COMPAT_4)
                return 0;
        add = c->compat >= AK_COMPAT_41 ? add41 : add4;
        for (size_t i = 0; i < AUDIT_BITMASK_SIZE; i++)
                b->d->mask[i] |= add[i];
        b->syscall_added = 1;   /* as audit_rule_syscall_data() notes it: a later -F arch is misplaced */
        b->perm_expanded = 1;
        if (c->rs && !all)
                perm_gap(c, b, perm, col, b->d->mask, add41, abuf);
        return 0;
}

void perm_why_finish(linectx *c, const builder *b) {
        char more[40] = "";

        if (!b->perm_why)
                return;
        if (b->perm_n41 != b->perm_n)
                snprintf(more, sizeof(more), " (auditctl 4.1.2: %u)", b->perm_n41);
        snprintf(c->why, sizeof(c->why), "-F perm=%s with arch %s: auditctl 4.0.2 %s%s the %u %s syscall%s of %s%s; "
                 "auditctl 3.0.9 %s", b->perm_value, b->perm_arch, b->perm_n41 == b->perm_n ? "and 4.1.2 " : "",
                 b->perm_n41 == b->perm_n ? (b->s_given ? "add to the -S list" : "limit the rule to")
                                          : (b->s_given ? "adds to the -S list" : "limits the rule to"),
                 b->perm_n, b->perm_classes, b->perm_n == 1 ? "" : "s", b->perm_arch, more,
                 b->s_given ? "keeps the -S list alone" : "leaves it on every syscall");
}

/* -F NAME OP VALUE as one field: the parts of the word, and what the value came to. */
typedef struct fieldarg {
        linectx *c;
        builder *b;
        const ak_field_spec *spec;
        uint32_t field;
        uint32_t op;
        const char *name;       /* as written */
        const char *v;          /* the value as written */
        unsigned col, vcol;     /* of the name, of the value */
        uint32_t val;           /* the value in the kernel's form */
} fieldarg;

static int field_allowed_op(const ak_field_spec *spec, uint32_t op) {
        if (spec->flags & AK_FIELD_BITOPS)
                return 1;
        if (spec->flags & AK_FIELD_EQ_ONLY)
                return op == AUDIT_EQUAL || op == AUDIT_NOT_EQUAL;
        return op != AUDIT_BIT_MASK && op != AUDIT_BIT_TEST;
}

static int invalid_number(fieldarg *f) {
        ERR(f->c, f->vcol, "invalid number '%s' for field '%s'", f->v, f->name);
        return -1;
}

/* A plain number: pid, ppid, pers, devmajor, devminor, inode, success, field_compare. */
static int value_number(fieldarg *f) {
        return parse_number(f->v, 0, &f->val) < 0 ? invalid_number(f) : 0;
}

/* a0..a3: any 32 bits, negative numbers too */
static int value_arg(fieldarg *f) {
        return parse_number(f->v, 1, &f->val) < 0 ? invalid_number(f) : 0;
}

static int value_session(fieldarg *f) {
        if (streq(f->v, "unset")) {
                f->val = AK_ID_UNSET;
                return 0;
        }
        return value_arg(f);
}

static int value_family(fieldarg *f) {
        if (value_number(f) < 0)
                return -1;
        if (f->val >= AF_MAX) {
                ERR(f->c, f->vcol, "address family %s is out of range (at most %d)", f->v, AF_MAX - 1);
                return -1;
        }
        return 0;
}

static int value_bool(fieldarg *f) {
        if (value_number(f) < 0)
                return -1;
        if (f->val > 1) {
                ERR(f->c, f->vcol, "loginuid_set takes 0 or 1");
                return -1;
        }
        return 0;
}

/* The kernel refuses (EINVAL) the unset id for every uid and gid field but auid, and auid
 * compares with it by = and != only: refused here with a reason. */
static int id_check_unset(fieldarg *f) {
        if (f->val != AK_ID_UNSET)
                return 0;
        if (f->field != AUDIT_LOGINUID) {
                ERR(f->c, f->vcol, "'%s' is not a valid value for '%s' (only auid can be unset, -1)", f->v, f->name);
                return -1;
        }
        if (f->op != AUDIT_EQUAL && f->op != AUDIT_NOT_EQUAL) {
                ERR(f->c, f->col + (unsigned) strlen(f->name), "auid compares with unset (-1) only by = or !=");
                return -1;
        }
        return 0;
}

static int value_uid(fieldarg *f) {
        const char *v = f->v;

        if (parse_number(v, 1, &f->val) == 0)
                return id_check_unset(f);
        if (isdigit((unsigned char) v[0]) || v[0] == '-')
                return invalid_number(f);
        if (streq(v, "unset"))
                f->val = AK_ID_UNSET;
        else {
                struct passwd *pw = getpwnam(v);
                if (pw && pw->pw_uid == AK_ID_UNSET)
                        pw = NULL;
                if (!pw) {
                        ERR(f->c, f->vcol, "unknown user '%s'", v);
                        return -1;
                }
                f->val = pw->pw_uid;
        }
        return id_check_unset(f);
}

static int value_gid(fieldarg *f) {
        struct group *gr;

        if (parse_number(f->v, 0, &f->val) == 0)
                return id_check_unset(f);
        if (isdigit((unsigned char) f->v[0]))
                return invalid_number(f);
        gr = getgrnam(f->v);
        if (!gr) {
                ERR(f->c, f->vcol, "unknown group '%s'", f->v);
                return -1;
        }
        f->val = gr->gr_gid;
        return id_check_unset(f);
}

static int value_errno(fieldarg *f) {
        int neg = f->v[0] == '-', e;

        if (parse_number(f->v, 1, &f->val) == 0)
                return 0;
        e = ak_errno_from_name(f->v + neg);
        if (e <= 0) {
                ERR(f->c, f->vcol, "unknown errno name '%s' (use a number or a name like -EACCES)", f->v);
                return -1;
        }
        f->val = (uint32_t) (neg ? -e : e);
        return 0;
}

static int value_msgtype(fieldarg *f) {
        int t;

        if (parse_number(f->v, 0, &f->val) == 0)
                return 0;
        t = ak_msgtype_from_name(f->v);
        if (t <= 0 && (t = ak4_msgtype_from_name(f->v)) > 0) {
                line_sensitive(f->c, "message type '%s': auditctl 4.0.2 knows the name, auditctl 3.0.9 does not (it refuses the line)", f->v);
                if (f->c->compat < AK_COMPAT_4)
                        t = -1;
        }
        if (t <= 0) {
                ERR(f->c, f->vcol, "unknown message type '%s'", f->v);
                return -1;
        }
        f->val = (uint32_t) t;
        return 0;
}

/* Text that goes into the rule's buffer; the field's value is its length. */
static int value_string(fieldarg *f) {
        size_t len = strlen(f->v);

        if (len >= PATH_MAX) {
                ERR(f->c, f->vcol, "value of '%s' is longer than %d bytes", f->name, PATH_MAX - 1);
                return -1;
        }
        if (builder_append_string(f->b, f->v, len) < 0) {
                ERR(f->c, f->vcol, "rule is too large");
                return -1;
        }
        f->val = (uint32_t) len;
        return 0;
}

/* path=, dir= (a watch: -k may follow) and exe= */
static int value_path(fieldarg *f) {
        if (f->v[0] != '/') {
                ERR(f->c, f->vcol, "%s '%s' must be absolute (start with '/')", f->field == AUDIT_EXE ? "exe" : f->name, f->v);
                return -1;
        }
        if (f->field == AUDIT_EXE)
                f->b->exe_added = 1;
        else
                f->b->perm_added = 1;
        return value_string(f);
}

/* The key is taken by -k and -F key= only (opt_field). */
static int value_key(fieldarg *f) {
        ERR(f->c, f->col + 3, "the key only takes '=' (key=VALUE)");
        return -1;
}

/* arch= as a number, known to auditctl 3.0.9 or (RISC-V) only to 4.0.2 */
static int arch_number(fieldarg *f, int *ret_arch4) {
        char abuf[32];

        if (parse_number(f->v, 0, &f->val) == 0 && ak4_arch_known(f->val))
                *ret_arch4 = 1;
        else if (parse_number(f->v, 0, &f->val) < 0 || strncmp(ak_arch_to_name(f->val, abuf, sizeof(abuf)), "0x", 2) == 0) {
                ERR(f->c, f->vcol, "unknown arch '%s'", f->v);
                return -1;
        }
        return 0;
}

/* arch= as a name ("b64", "x86_64", bare hex), RISC-V known to auditctl 4.0.2 only */
static int arch_name(fieldarg *f) {
        static const char *const arch_words[] = { "b64", "b32", "x86_64", "i386", "aarch64", "arm", "ppc64", "ppc64le", "s390x", "s390" };
        char sbuf[80];
        int arch4 = 0;

        f->val = ak_arch_from_name(f->v);
        if (f->val == 0 && (f->val = ak4_arch_from_name(f->v)) != 0)
                arch4 = 1;
        if (arch4) {
                line_sensitive(f->c, "arch '%s': auditctl 4.0.2 of Debian 13 knows RISC-V, auditctl 3.0.9 does not (it refuses the line)", f->v);
                if (f->c->compat < AK_COMPAT_4)
                        f->val = 0;
        }
        if (f->val == 0) {
                ERR(f->c, f->vcol, "unknown arch '%s'%s", f->v, suggest_word(f->v, arch_words, ELEMENTSOF(arch_words), sbuf, sizeof(sbuf)));
                return -1;
        }
        return 0;
}

static int value_arch(fieldarg *f) {
        int arch4 = 0;

        if (f->b->perm_expanded) {
                ERR(f->c, f->col, "-F arch must come before -F perm= here: at compat level 4 (auditctl 4.0.2) the perm "
                    "field added the syscalls of the arch already known");
                return -1;
        }
        if (f->b->syscall_added) {
                ERR(f->c, f->col, "-F arch must come before -S (syscall names depend on the arch)");
                return -1;
        }
        if (!isdigit((unsigned char) f->v[0])) {
                if (arch_name(f) < 0)
                        return -1;
        } else if (arch_number(f, &arch4) < 0)
                return -1;
        if (arch4) {
                line_sensitive(f->c, "arch '%s': auditctl 4.0.2 of Debian 13 knows RISC-V, auditctl 3.0.9 does not (it refuses the line)", f->v);
                if (f->c->compat < AK_COMPAT_4) {
                        ERR(f->c, f->vcol, "unknown arch '%s'", f->v);
                        return -1;
                }
        }
        f->b->elf = f->val;
        return 0;
}

static int value_perm(fieldarg *f) {
        if (f->op != AUDIT_EQUAL) {
                ERR(f->c, f->col + (unsigned) strlen(f->name), "perm only takes '='");
                return -1;
        }
        if (parse_perm(f->c, f->v, f->vcol, &f->val) < 0)
                return -1;
        if (f->b->elf && perm_expand(f->c, f->b, f->v, f->vcol) < 0)
                return -1;
        f->b->perm_added = 1;
        return 0;
}

static int value_ftype(fieldarg *f) {
        static const char *const ft_words[] = { "file", "dir", "socket", "link", "character", "block", "fifo" };
        char sbuf[80];
        int t = ak_ftype_from_name(f->v);

        if (t < 0) {
                ERR(f->c, f->vcol, "unknown file type '%s'%s", f->v, suggest_word(f->v, ft_words, ELEMENTSOF(ft_words), sbuf, sizeof(sbuf)));
                return -1;
        }
        f->val = (uint32_t) t;
        return 0;
}

static int value_fstype(fieldarg *f) {
        if (parse_number(f->v, 0, &f->val) < 0) {
                int64_t t = ak_fstype_from_name(f->v);
                if (t < 0) {
                        ERR(f->c, f->vcol, "unknown file system type '%s' (use a name like debugfs or a magic number)", f->v);
                        return -1;
                }
                f->val = (uint32_t) t;
        }
        f->b->fs_added = 1;
        return 0;
}

/* One parser a kind of value (fields.h). */
static int (*const value_parsers[_AK_VALUE_MAX])(fieldarg *f) = {
        [AK_VALUE_NUMBER] = value_number,
        [AK_VALUE_ARG] = value_arg,
        [AK_VALUE_SESSION] = value_session,
        [AK_VALUE_FAMILY] = value_family,
        [AK_VALUE_BOOL] = value_bool,
        [AK_VALUE_UID] = value_uid,
        [AK_VALUE_GID] = value_gid,
        [AK_VALUE_ERRNO] = value_errno,
        [AK_VALUE_MSGTYPE] = value_msgtype,
        [AK_VALUE_STRING] = value_string,
        [AK_VALUE_PATH] = value_path,
        [AK_VALUE_KEY] = value_key,
        [AK_VALUE_ARCH] = value_arch,
        [AK_VALUE_PERM] = value_perm,
        [AK_VALUE_FTYPE] = value_ftype,
        [AK_VALUE_FSTYPE] = value_fstype,
        [AK_VALUE_COMPARE] = value_number,
};

/* The word: NAME OP VALUE with a known name, and room for the field. */
static int field_split(linectx *c, builder *b, const token *arg, char *pair, fieldarg *f) {
        char *v, sbuf[80];
        uint32_t op;
        int field;

        if (split_pair(pair, &v, &op) < 0) {
                ERR(c, arg->col, "'%s' is not FIELD OPERATOR VALUE (operators: = != < > <= >= & &=)", arg->s);
                return -1;
        }
        *f = (fieldarg) { .c = c, .b = b, .op = op, .name = pair, .v = v, .col = arg->col,
                          .vcol = arg->col + (unsigned) (v - pair) };
        if (!pair[0]) {
                ERR(c, arg->col, "missing field name before '%s'", ak_op_symbol(op));
                return -1;
        }
        if (!*v) {
                ERR(c, f->vcol, "missing value after '%s%s'", pair, ak_op_symbol(op));
                return -1;
        }
        if (b->d->field_count >= AUDIT_MAX_FIELDS - 1) {
                ERR(c, arg->col, "too many fields: a rule holds at most %d besides its key", AUDIT_MAX_FIELDS - 1);
                return -1;
        }
        field = ak_field_from_name(pair);
        if (field < 0) {
                size_t n;
                const char *const *names = ak_field_names(&n);
                ERR(c, arg->col, "unknown field '%s'%s", pair, suggest_word(pair, names, n, sbuf, sizeof(sbuf)));
                return -1;
        }
        f->field = (uint32_t) field;
        f->spec = ak_field_spec_of(f->field);
        return 0;
}

/* The list and the operator, before the value is read. *ret_inert: a field the kernel ignores on
 * the exclude list, accepted as auditctl 4.0.2 does. */
static int field_check_list(fieldarg *f, int *ret_inert) {
        linectx *c = f->c;
        int list = f->b->list;

        if (list == AUDIT_FILTER_EXCLUDE && !(f->spec->flags & AK_FIELD_EXCLUDE)) {
                /* auditctl 3.0.9 allows only the AK_FIELD_EXCLUDE fields (on a kernel with the
                 * EXCLUDE_EXTEND feature); 4.0.2 then checks nothing for this list, and each
                 * field's own list rule decides. */
                line_sensitive(c, "field '%s' on the exclude list: auditctl 3.0.9 refuses it there, auditctl 4.0.2 accepts it "
                               "(the kernel does not check it on that list: the rule excludes nothing)", f->name);
                if (c->compat < AK_COMPAT_4) {
                        ERR(c, f->col, "field '%s' cannot be used on the exclude list (only msgtype, pid, uid, gid, auid, subj_* and exe)", f->name);
                        return -1;
                }
                *ret_inert = 1;
        }
        if (!field_allowed_op(f->spec, f->op)) {
                ERR(c, f->col + (unsigned) strlen(f->name), "operator '%s' is not allowed for field '%s'%s",
                    ak_op_symbol(f->op), f->name,
                    f->spec->flags & AK_FIELD_EQ_ONLY ? " (use = or !=)" : " (use = != < > <= >=)");
                return -1;
        }
        if (f->spec->lists && (list < 0 || !(f->spec->lists & AK_LIST_BIT(list)))) {
                ERR(c, f->col, "field '%s' can only be used on the %s", f->spec->lists_text ? ak_field_to_name(f->field) : f->name,
                    f->spec->lists_text ? f->spec->lists_text : "exit list");
                return -1;
        }
        return 0;
}

/* What the value cannot say alone: the filesystem list's one field, one watched object a rule. */
static int field_check_rule(const fieldarg *f) {
        const struct audit_rule_data *d = f->b->d;

        if (f->b->list == AUDIT_FILTER_FS && f->field != AUDIT_FSTYPE) {
                ERR(f->c, f->col, "the filesystem list takes only fstype and key fields, not '%s'", f->name);
                return -1;
        }
        if (!(f->spec->flags & AK_FIELD_OBJECT))
                return 0;
        for (uint32_t i = 0; i < d->field_count; i++)
                if (ak_field_spec_of(d->fields[i])->flags & AK_FIELD_OBJECT) {
                        ERR(f->c, f->col, "a rule holds at most one path, dir or inode field");
                        return -1;
                }
        if (f->field != AUDIT_INODE && f->op != AUDIT_EQUAL) {
                ERR(f->c, f->col + (unsigned) strlen(f->name), "%s only takes '='", f->name);
                return -1;
        }
        if (f->field == AUDIT_WATCH && strlen(f->v) > 1 && f->v[strlen(f->v) - 1] == '/') {
                ERR(f->c, f->vcol, "path '%s' must not end with '/' (use dir= for a directory tree)", f->v);
                return -1;
        }
        return 0;
}

/* -F name OP value */
int opt_field(linectx *c, builder *b, const token *opt, const token *arg) {
        struct audit_rule_data *d;
        char *pair = arg->s;    /* split in place: the token is the parser's own copy */
        fieldarg f = {};
        int exclude_inert = 0;

        if (b->cmd == CMD_NONE) {
                ERR(c, opt->col, "-F needs a rule (-a, -A or -d) before it");
                return -1;
        }
        if (strncmp(arg->s, "key=", 4) == 0)
                return builder_add_key(c, b, arg->s + 4, arg->col + 4);

        if (field_split(c, b, arg, pair, &f) < 0)
                return -1;
        if (f.spec->kind == AK_VALUE_KEY)
                return value_key(&f);
        if (field_check_list(&f, &exclude_inert) < 0 ||
            value_parsers[f.spec->kind](&f) < 0 ||
            field_check_rule(&f) < 0)
                return -1;

        if (exclude_inert)
                WARN(c, arg->col, "field '%s' on the exclude list: the kernel checks only msgtype, pid, uid, gid, auid, "
                     "loginuid_set, subj_* and exe there, so this rule excludes nothing", pair);

        d = b->d; /* builder_append_string() may have moved it */
        d->fields[d->field_count] = f.field;
        d->fieldflags[d->field_count] = f.op;
        d->values[d->field_count] = f.val;
        d->field_count++;
        return 0;
}

/* -C field OP field */
int opt_compare(linectx *c, builder *b, const token *opt, const token *arg) {
        struct audit_rule_data *d = b->d;
        _cleanup_free_ char *pair = strdup(arg->s);     /* messages quote the whole word */
        char *v, *p, sbuf[80];
        uint32_t op;
        int f1, f2, code;
        size_t n;
        const char *const *names = ak_field_names(&n);

        if (!pair)
                return -1;
        if (b->cmd == CMD_NONE) {
                ERR(c, opt->col, "-C needs a rule (-a, -A or -d) before it");
                return -1;
        }
        if ((p = strstr(pair, "!="))) {
                *p = '\0';
                v = p + 2;
                op = AUDIT_NOT_EQUAL;
        } else if ((p = strchr(pair, '='))) {
                *p = '\0';
                v = p + 1;
                op = AUDIT_EQUAL;
        } else {
                ERR(c, arg->col, "'%s' must be FIELD=FIELD or FIELD!=FIELD", arg->s);
                return -1;
        }
        if (!pair[0] || !*v) {
                ERR(c, arg->col, "'%s' must name two fields, like uid!=auid", arg->s);
                return -1;
        }
        if ((f1 = ak_field_from_name(pair)) < 0) {
                ERR(c, arg->col, "unknown field '%s'%s", pair, suggest_word(pair, names, n, sbuf, sizeof(sbuf)));
                return -1;
        }
        if ((f2 = ak_field_from_name(v)) < 0) {
                ERR(c, arg->col + (unsigned) (v - pair), "unknown field '%s'%s", v, suggest_word(v, names, n, sbuf, sizeof(sbuf)));
                return -1;
        }
        if (b->list != AUDIT_FILTER_EXIT) {
                ERR(c, opt->col, "-C can only be used on the exit list");
                return -1;
        }
        code = ak_compare_code((uint32_t) f1, (uint32_t) f2);
        if (code < 0) {
                ERR(c, arg->col, "fields '%s' and '%s' cannot be compared (compare uids with uids, gids with gids)", pair, v);
                return -1;
        }
        if (d->field_count >= AUDIT_MAX_FIELDS - 1) {
                ERR(c, arg->col, "too many fields: a rule holds at most %d besides its key", AUDIT_MAX_FIELDS - 1);
                return -1;
        }
        d->fields[d->field_count] = AUDIT_FIELD_COMPARE;
        d->fieldflags[d->field_count] = op;
        d->values[d->field_count] = (uint32_t) code;
        d->field_count++;
        return 0;
}
