/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Fuzz target: one audit record datagram (netlink header + "audit(SEC.MSEC:SERIAL): body") through
 * ak_record_parse(), then ak_record_field() for every field name the daemon asks for, into the
 * buffer sizes the daemon uses and into tiny ones. The body must stay inside the datagram, and
 * every returned length must fit the buffer and match the NUL. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "auditkeep/ak-kernel.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void field(const ak_record *rec, const char *name, size_t bufsize) {
        char *buf = malloc(bufsize);    /* exact size: ASan sees any overrun */
        int r;

        if (!buf)
                abort();
        r = ak_record_field(rec, name, buf, bufsize);
        if (r >= 0) {
                if ((size_t) r >= bufsize || buf[r] != '\0')
                        abort();
        } else if (r != -ENOENT)
                abort();
        free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        static const char *const names[] = {
                "pid", "comm", "exe", "auid", "ses", "op", "key",       /* what the daemon reads */
                "msg", "a0", "a1[0]", "proctitle", "res", "list",
        };
        static const size_t sizes[] = { 1, 2, 3, 32, 64, 128, 256 };
        /* An exact copy: the parser must not read one byte past the datagram. */
        uint8_t *copy = malloc(size ? size : 1);
        ak_record rec;

        if (!copy)
                abort();
        memcpy(copy, data, size);
        if (ak_record_parse(copy, size, &rec) == 0) {
                if (rec.body_len > 0 &&
                    (rec.body < (const char *) copy || rec.body + rec.body_len > (const char *) copy + size))
                        abort();
                for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
                        for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++)
                                field(&rec, names[i], sizes[k]);
        }
        free(copy);
        return 0;
}
