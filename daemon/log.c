/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <systemd/sd-journal.h>

#include "log.h"
#include "util.h"

static int use_journal = 0;
static int max_level = LOG_INFO;

void log_setup(void) {
        /* systemd sets JOURNAL_STREAM when stderr goes to the journal. */
        use_journal = getenv("JOURNAL_STREAM") != NULL;
        if (getenv("AUDITKEEP_DEBUG"))
                max_level = LOG_DEBUG;
}

void log_set_max_level(int level) {
        max_level = level;
}

int log_to_journal(void) {
        return use_journal;
}

int log_fields(int priority, int err, const char *message_id, const char *const *fields, const char *fmt, ...) {
        _cleanup_free_ char *msg = NULL;
        va_list ap;
        int saved = errno;

        if (priority > max_level)
                return err < 0 ? err : 0;
        if (err < 0)
                errno = -err;
        va_start(ap, fmt);
        msg = strdup_vprintf(fmt, ap);
        va_end(ap);
        if (!msg)
                goto out;
        /* a name from outside (a file, a token, a process) with control bytes or bytes that are
         * not UTF-8: never raw onto a terminal or into the journal */
        msg = cescape_message(TAKE_PTR(msg));
        if (!msg)
                goto out;

        if (use_journal) {
                struct iovec iov[32];
                char *owned[4] = {};
                size_t n = 0;

                owned[0] = strdup_printf("MESSAGE=%s", msg);
                owned[1] = strdup_printf("PRIORITY=%d", priority);
                owned[2] = message_id ? strdup_printf("MESSAGE_ID=%s", message_id) : NULL;
                owned[3] = err < 0 ? strdup_printf("ERRNO=%d", -err) : NULL;
                for (size_t i = 0; i < 4; i++)
                        if (owned[i])
                                iov[n++] = (struct iovec) { .iov_base = owned[i], .iov_len = strlen(owned[i]) };
                iov[n++] = (struct iovec) { .iov_base = (char *) "SYSLOG_IDENTIFIER=auditkeepd", .iov_len = 28 };
                for (size_t i = 0; fields && fields[i] && n < ELEMENTSOF(iov); i++)
                        iov[n++] = (struct iovec) { .iov_base = (char *) fields[i], .iov_len = strlen(fields[i]) };
                (void) sd_journal_sendv(iov, (int) n);
                for (size_t i = 0; i < 4; i++)
                        free(owned[i]);
        } else {
                fprintf(stderr, "%s\n", msg);
        }
out:
        errno = saved;
        return err < 0 ? err : 0;
}
