/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* lib/auditd-conf.c: auditd.conf read as auditd 3.0.9 / 4.0.2 read it (auditd.conf(5)), with the
 * exact diagnostics for each case. The system is faked (stat, statvfs, groups), so the table does
 * not depend on this machine: a 10 GiB file system for the log with `free_mib` MiB free, scripts
 * with chosen owners and modes. */
#include <check.h>

#include "test-util.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "auditkeep/ak-auditd-conf.h"

#define N(x) (sizeof(x) / sizeof((x)[0]))

typedef struct fake_file {
        const char *path;
        mode_t mode;            /* with S_IFDIR / S_IFREG */
        uid_t uid;
} fake_file;

static const fake_file fake_files[] = {
        { "/", S_IFDIR | 0755, 0 },
        { "/etc", S_IFDIR | 0755, 0 },
        { "/etc/audit", S_IFDIR | 0750, 0 },
        { "/etc/audit/auditd.conf", S_IFREG | 0640, 0 },
        { "/var", S_IFDIR | 0755, 0 },
        { "/var/log", S_IFDIR | 0755, 0 },
        { "/var/log/audit", S_IFDIR | 0750, 0 },
        { "/var/log/audit/audit.log", S_IFREG | 0600, 0 },
        { "/srv", S_IFDIR | 0755, 0 },
        { "/srv/audit", S_IFDIR | 0755, 1000 },
        { "/srv/audit/audit.log", S_IFREG | 0600, 1000 },
        { "/usr", S_IFDIR | 0755, 0 },
        { "/usr/local", S_IFDIR | 0755, 0 },
        { "/usr/local/sbin", S_IFDIR | 0755, 0 },
        { "/usr/local/sbin/audit-space-left", S_IFREG | 0750, 0 },
        { "/usr/local/sbin/audit-0775", S_IFREG | 0775, 0 },
        { "/usr/local/sbin/audit-0640", S_IFREG | 0640, 0 },
        { "/usr/local/sbin/audit-alice", S_IFREG | 0750, 1000 },
        { "/usr/local/sbin/audit-dir", S_IFDIR | 0755, 0 },
        { "/home", S_IFDIR | 0755, 0 },
        { "/home/alice", S_IFDIR | 0700, 1000 },
        { "/home/alice/audit.sh", S_IFREG | 0750, 0 },
        { "/opt", S_IFDIR | 0777, 0 },
        { "/opt/audit.sh", S_IFREG | 0755, 0 },
};

static unsigned long free_mib = 5 * 1024;     /* of 10 GiB */

static int fake_stat(const char *path, struct stat *ret, void *userdata) {
        for (size_t i = 0; i < N(fake_files); i++)
                if (strcmp(fake_files[i].path, path) == 0) {
                        *ret = (struct stat) { .st_mode = fake_files[i].mode, .st_uid = fake_files[i].uid };
                        return 0;
                }
        return -ENOENT;
}

static int fake_statvfs(const char *path, struct statvfs *ret, void *userdata) {
        if (strcmp(path, "/var/log/audit") != 0 && strcmp(path, "/srv/audit") != 0)
                return -ENOENT;
        *ret = (struct statvfs) { .f_bsize = 4096, .f_frsize = 4096, .f_blocks = 10ul * 1024 * 256,
                                  .f_bfree = free_mib * 256, .f_bavail = free_mib * 256 };
        return 0;
}

static int fake_group(const char *name, unsigned *ret_gid, void *userdata) {
        if (strcmp(name, "root") == 0) {
                *ret_gid = 0;
                return 1;
        }
        if (strcmp(name, "adm") == 0) {
                *ret_gid = 4;
                return 1;
        }
        return 0;
}

static const ak_auditd_conf_ops ops = { fake_stat, fake_statvfs, fake_group, NULL };

/* All diagnostics, one a line, as `auditkeepctl check` prints them. */
static char *diags_of(const char *text, unsigned long free_space) {
        ak_auditd_conf *c = NULL;
        char *out = NULL;
        size_t size = 0;
        FILE *f;

        free_mib = free_space;
        ck_assert_int_eq(ak_auditd_conf_check_text("auditd.conf", text, strlen(text), &ops, &c), 0);
        f = open_memstream(&out, &size);
        ck_assert_ptr_nonnull(f);
        for (size_t i = 0; i < c->n_diags; i++) {
                char *s = ak_diag_format(&c->diags[i]);
                fprintf(f, "%s\n", s);
                free(s);
        }
        fclose(f);
        ak_auditd_conf_free(c);
        return out;
}

/* The safe settings every case below starts from: Debian's values with the guide's disk-space
 * choices (space_left 75 with an exec script, admin_space_left 74, suspend). */
#define SAFE_HEAD \
        "log_file = /var/log/audit/audit.log\n" \
        "log_group = adm\n" \
        "flush = INCREMENTAL_ASYNC\n" \
        "freq = 50\n" \
        "max_log_file = 8\n" \
        "num_logs = 5\n" \
        "max_log_file_action = ROTATE\n"
#define SAFE_SPACE \
        "space_left = 75\n" \
        "space_left_action = exec /usr/local/sbin/audit-space-left\n" \
        "admin_space_left = 74\n" \
        "admin_space_left_action = suspend\n"
#define SAFE_DISK \
        "disk_full_action = SUSPEND\n" \
        "disk_error_action = SUSPEND\n"
#define SAFE SAFE_HEAD SAFE_SPACE SAFE_DISK

typedef struct conf_case {
        const char *name;
        const char *text;
        unsigned long free_mib;
        const char *expected;
} conf_case;

static const conf_case cases[] = {
        { "the guide's values", SAFE, 5120, "" },
        { "keys and values are case-insensitive", "LOG_FILE = /var/log/audit/audit.log\nSpace_Left = 75\n"
          "space_left_action = SYSLOG\nADMIN_SPACE_LEFT = 50\nadmin_space_left_action = Single\n"
          "disk_full_action = HALT\ndisk_error_action = syslog\n", 5120, "" },
        { "comments, blank lines, leading spaces", "# c\n\n   # indented comment\n" SAFE "   \n", 5120, "" },
        { "percentages resolved: 5% above 2%", SAFE_HEAD "space_left = 5%\nspace_left_action = email\n"
          "admin_space_left = 2%\nadmin_space_left_action = single\n" SAFE_DISK, 5120,
          "auditd.conf:9:21: warning: space_left_action = email, but /usr/lib/sendmail is not an executable file: "
          "the mail is never sent; install a mail transfer agent or choose another action\n" },

        /* warnings: unsafe */
        { "space_left_action ignore", SAFE_HEAD "space_left = 75\nspace_left_action = ignore\n"
          "admin_space_left = 74\nadmin_space_left_action = suspend\n" SAFE_DISK, 5120,
          "auditd.conf:9:21: warning: space_left_action is 'ignore': when the disk runs low auditd does nothing and "
          "records are lost silently; set it to email, exec or syslog (auditd.conf(5))\n" },
        { "admin_space_left_action ignore", SAFE_HEAD "space_left = 75\nspace_left_action = syslog\n"
          "admin_space_left = 74\nadmin_space_left_action = IGNORE\n" SAFE_DISK, 5120,
          "auditd.conf:11:27: warning: admin_space_left_action is 'ignore': when the disk is nearly full auditd does "
          "nothing and records are lost silently; set it to suspend, single or halt (auditd.conf(5))\n" },
        { "disk_full_action ignore", SAFE_HEAD SAFE_SPACE "disk_full_action = ignore\ndisk_error_action = halt\n", 5120,
          "auditd.conf:12:20: warning: disk_full_action is 'ignore': when the disk is full auditd does nothing and "
          "records are lost silently; set it to suspend, single or halt (auditd.conf(5))\n" },
        { "disk_error_action ignore", SAFE_HEAD SAFE_SPACE "disk_full_action = halt\ndisk_error_action = ignore\n", 5120,
          "auditd.conf:13:21: warning: disk_error_action is 'ignore': when writing the log fails auditd does nothing "
          "and records are lost silently; set it to syslog, single or halt (auditd.conf(5))\n" },
        { "actions absent: auditd's defaults are ignore", SAFE_HEAD "space_left = 75\nadmin_space_left = 74\n", 5120,
          "auditd.conf: warning: space_left_action is not set and defaults to 'ignore': when the disk runs low auditd "
          "does nothing and records are lost silently; set it to email, exec or syslog (auditd.conf(5))\n"
          "auditd.conf: warning: admin_space_left_action is not set and defaults to 'ignore': when the disk is nearly "
          "full auditd does nothing and records are lost silently; set it to suspend, single or halt (auditd.conf(5))\n"
          "auditd.conf: warning: disk_full_action is not set and defaults to 'ignore': when the disk is full auditd "
          "does nothing and records are lost silently; set it to suspend, single or halt (auditd.conf(5))\n" },
        { "percent space_left not above admin_space_left", SAFE_HEAD "space_left = 1%\nspace_left_action = syslog\n"
          "admin_space_left = 200\nadmin_space_left_action = suspend\n" SAFE_DISK, 5120,
          "auditd.conf:8:14: warning: space_left (102 MiB) is not above admin_space_left (200 MiB) on the file system "
          "of '/var/log/audit': the first warning never comes before the last-chance action; raise space_left\n" },
        { "rotate with num_logs 1", "log_file = /var/log/audit/audit.log\nnum_logs = 1\nmax_log_file_action = rotate\n"
          SAFE_SPACE SAFE_DISK, 5120,
          "auditd.conf:3:23: warning: max_log_file_action = rotate with num_logs 1: auditd does not rotate below 2 logs; "
          "set num_logs to 2 or more\n" },
        { "rotate with num_logs absent (0)", "max_log_file_action = ROTATE\n" SAFE_SPACE SAFE_DISK, 5120,
          "auditd.conf:1:23: warning: max_log_file_action = rotate with num_logs 0: auditd does not rotate below 2 logs; "
          "set num_logs to 2 or more\n" },
        { "thresholds at or above the free space", SAFE, 74,
          "auditd.conf:8:14: warning: space_left (75 MiB) is at or above the free space on the file system of "
          "'/var/log/audit' (74 MiB): space_left_action fires as soon as auditd starts; free space or lower space_left\n"
          "auditd.conf:10:20: warning: admin_space_left (74 MiB) is at or above the free space on the file system of "
          "'/var/log/audit' (74 MiB): admin_space_left_action fires as soon as auditd starts; free space or lower "
          "admin_space_left\n" },
        { "threshold just below the free space", SAFE, 76, "" },
        { "exec script in a directory another user owns", SAFE_HEAD "space_left = 75\n"
          "space_left_action = exec /home/alice/audit.sh\nadmin_space_left = 74\nadmin_space_left_action = suspend\n"
          SAFE_DISK, 5120,
          "auditd.conf:9:26: warning: exec script '/home/alice/audit.sh' can be replaced by a user other than root: its "
          "directory '/home/alice' is not owned by root; move the script to a directory only root can write\n" },
        { "exec script in a world-writable directory", SAFE_HEAD SAFE_SPACE
          "disk_full_action = exec /opt/audit.sh\ndisk_error_action = suspend\n", 5120,
          "auditd.conf:12:25: warning: exec script '/opt/audit.sh' can be replaced by a user other than root: its "
          "directory '/opt' is writable by group or others; move the script to a directory only root can write\n" },
        { "words after a non-exec action", SAFE_HEAD SAFE_SPACE "disk_full_action = suspend now\n"
          "disk_error_action = suspend\n", 5120,
          "auditd.conf:12:28: warning: auditd ignores 'now': only exec takes a script path\n" },
        { "deprecated dispatcher", SAFE "dispatcher = /sbin/audispd\n", 5120,
          "auditd.conf:14:1: warning: dispatcher is deprecated and ignored by auditd 3.0 and later; remove it (plugins "
          "are configured in plugin_dir)\n" },
        { "last line without newline", SAFE "num_logs = 4", 5120,
          "auditd.conf:14:13: warning: the last line has no newline; auditd skips it, so this setting is lost: end the "
          "file with a newline\n" },

        /* errors: auditd refuses the file */
        { "unknown keyword", SAFE "spaceleft = 80\n", 5120,
          "auditd.conf:14:1: unknown keyword 'spaceleft' (did you mean 'space_left'?); auditd (3.0.9 and 4.0.2) "
          "refuses the file\n" },
        { "'=' without spaces", SAFE "num_logs=5\n", 5120,
          "auditd.conf:14:9: '=' must stand alone between spaces; auditd refuses this line: write 'num_logs = ...'\n" },
        { "no '='", SAFE "num_logs 5\n", 5120,
          "auditd.conf:14:10: expected 'KEY = VALUE' after 'num_logs'; auditd refuses this line\n" },
        { "missing value", SAFE "num_logs =\n", 5120,
          "auditd.conf:14:11: missing value after '='; auditd refuses this line\n" },
        { "a tab is not a separator", SAFE "num_logs\t= 5\n", 5120,
          "auditd.conf:14:9: a tab does not separate words for auditd (only spaces do); auditd refuses this line: "
          "replace the tab with a space\n" },
        { "two values", SAFE "freq = 50 60\n", 5120,
          "auditd.conf:14:11: 'freq' takes one value, '60' is one word too many; auditd refuses this line\n" },
        { "bad yes/no", SAFE "write_logs = true\n", 5120,
          "auditd.conf:14:14: write_logs takes 'yes' or 'no', not 'true'; auditd refuses this\n" },
        { "bad enum", SAFE "flush = always\n", 5120,
          "auditd.conf:14:9: flush takes one of none, incremental, incremental_async, data, sync, not 'always'; auditd "
          "refuses this\n" },
        { "bad action", SAFE "disk_full_action = reboot\n", 5120,
          "auditd.conf:14:20: disk_full_action takes one of ignore, syslog, rotate, exec, suspend, single, halt, not "
          "'reboot'; auditd refuses this\n" },
        { "email is no disk_error_action", SAFE "disk_error_action = email\n", 5120,
          "auditd.conf:14:21: disk_error_action cannot be 'email'; auditd refuses this\n" },
        { "num_logs above 999", SAFE "num_logs = 1000\n", 5120,
          "auditd.conf:14:12: num_logs must be between 0 and 999, not 1000; auditd refuses this\n" },
        { "negative number", SAFE "num_logs = -1\n", 5120,
          "auditd.conf:14:12: num_logs takes a number, not '-1'; auditd refuses this\n" },
        { "percent out of 1-99", SAFE "admin_space_left = 100%\n", 5120,
          "auditd.conf:14:20: admin_space_left percentage 100% is out of range 1-99; auditd refuses this\n" },
        { "size not a number", SAFE "space_left = 75M\n", 5120,
          "auditd.conf:14:14: space_left takes a size in MiB or a percentage like 25%, not '75M'; auditd refuses this\n" },
        { "space_left not above admin_space_left", SAFE_HEAD "space_left = 50\nspace_left_action = syslog\n"
          "admin_space_left = 50\nadmin_space_left_action = suspend\n" SAFE_DISK, 5120,
          "auditd.conf:8:14: space_left (50 MiB) must be larger than admin_space_left (50 MiB); auditd refuses the "
          "file: raise space_left\n" },
        { "a refused value makes no second error", SAFE_HEAD "space_left = 75M\nspace_left_action = syslog\n"
          "admin_space_left = 74\nadmin_space_left_action = suspend\n" SAFE_DISK, 5120,
          "auditd.conf:8:14: space_left takes a size in MiB or a percentage like 25%, not '75M'; auditd refuses this\n" },
        { "a refused num_logs makes no rotate warning", SAFE "num_logs = five\n", 5120,
          "auditd.conf:14:12: num_logs takes a number, not 'five'; auditd refuses this\n" },
        { "CRLF line ends are part of the value", "num_logs = 5\r\n" SAFE, 5120,
          "auditd.conf:1:12: num_logs takes a number, not '5\\x0d'; auditd refuses this\n" },
        { "exec without a script", SAFE "space_left_action = exec\n", 5120,
          "auditd.conf:14:25: 'space_left_action = exec' needs the script's path: 'space_left_action = exec "
          "/path/to/script'\n" },
        { "exec script missing", SAFE "space_left_action = exec /usr/local/sbin/nothing\n", 5120,
          "auditd.conf:14:26: exec script '/usr/local/sbin/nothing': No such file or directory; auditd refuses to "
          "start: install the script or change space_left_action\n" },
        { "exec script not executable", SAFE "admin_space_left_action = exec /usr/local/sbin/audit-0640\n", 5120,
          "auditd.conf:14:32: exec script '/usr/local/sbin/audit-0640' has mode 0640; auditd accepts only 0750, 0755, "
          "0555 or 0550 (executable, writable by root alone): chmod 0750 '/usr/local/sbin/audit-0640'\n" },
        { "exec script group-writable", SAFE "disk_error_action = exec /usr/local/sbin/audit-0775\n", 5120,
          "auditd.conf:14:26: exec script '/usr/local/sbin/audit-0775' has mode 0775; auditd accepts only 0750, 0755, "
          "0555 or 0550 (executable, writable by root alone): chmod 0750 '/usr/local/sbin/audit-0775'\n" },
        { "exec script owned by a user", SAFE "disk_full_action = exec /usr/local/sbin/audit-alice\n", 5120,
          "auditd.conf:14:25: exec script '/usr/local/sbin/audit-alice' is not owned by root; auditd refuses it: chown "
          "root '/usr/local/sbin/audit-alice'\n" },
        { "exec script relative", SAFE "disk_full_action = exec audit.sh\n", 5120,
          "auditd.conf:14:25: exec script 'audit.sh' is not an absolute path; auditd refuses it: give the full path\n" },
        { "exec script a directory", SAFE "disk_full_action = exec /usr/local/sbin/audit-dir\n", 5120,
          "auditd.conf:14:25: exec script '/usr/local/sbin/audit-dir' is not a regular file; auditd refuses it\n" },
        { "incremental flush with freq 0", SAFE "freq = 0\n", 5120,
          "auditd.conf:14:8: flush = incremental_async needs freq above 0; auditd refuses the file: set freq (e.g. 50)\n" },
        { "log_file directly in /var/log with a group", SAFE "log_file = /var/log/audit.log\n", 5120,
          "auditd.conf:2:13: log_file is directly in /var/log and log_group is not root: auditd refuses to change a "
          "system directory's group; put log_file in its own directory\n" },
        { "log_file's directory missing", SAFE "log_file = /var/lib/nothing/audit.log\n", 5120,
          "auditd.conf:14:12: log_file's directory: No such file or directory; auditd refuses to start: create it or "
          "fix log_file\n" },
        { "log_file not root's", SAFE "log_file = /srv/audit/audit.log\n", 5120,
          "auditd.conf:14:12: log_file '/srv/audit/audit.log' is not owned by root; auditd refuses it\n" },
        { "unknown group", SAFE "log_group = auditors\n", 5120,
          "auditd.conf:14:13: log_group 'auditors' is not a known group; auditd refuses this\n" },
        { "bad mail address", SAFE "action_mail_acct = root@localhost\n", 5120,
          "auditd.conf:14:20: action_mail_acct 'root@localhost' is not a valid address (letters, digits, '@', '.', '-', "
          "'_', a '.' after '@'); auditd refuses this\n" },
        { "bad mail address, not verified", SAFE "verify_email = no\naction_mail_acct = root@localhost\n", 5120, "" },
        { "bad port range", SAFE "tcp_client_ports = 2000-1000\n", 5120,
          "auditd.conf:14:20: tcp_client_ports takes a port or a range like 1024-65535, not '2000-1000'; auditd refuses "
          "this\n" },
        { "control bytes are quoted", SAFE "\x1b[2J = 1\n", 5120,
          "auditd.conf:14:1: unknown keyword '\\x1b[2J'; auditd (3.0.9 and 4.0.2) refuses the file\n" },
};

START_TEST(test_table) {
        const conf_case *t = &cases[_i];
        char *got = diags_of(t->text, t->free_mib);

        if (strcmp(got, t->expected) != 0)
                ck_abort_msg("case '%s':\nexpected:\n%sgot:\n%s", t->name, t->expected, got);
        free(got);
}
END_TEST

START_TEST(test_long_line) {
        char text[2000];
        char *got;

        /* 158 bytes are read, 159 are skipped */
        snprintf(text, sizeof(text), SAFE "name = %0*d\nname = %0*d\n", 151, 0, 152, 0);
        got = diags_of(text, 5120);
        ck_assert_str_eq(got, "auditd.conf:15:159: warning: line is 159 bytes long; auditd skips lines of 159 bytes or "
                         "more, so this setting is lost: shorten it\n");
        free(got);
}
END_TEST

static char *read_fixture(const char *name, size_t *len) {
        const char *src = getenv("AK_SRCDIR");
        char path[4096];
        char *buf;
        FILE *f;

        snprintf(path, sizeof(path), "%s/tests/unit/auditd-conf/%s", src ? src : ".", name);
        f = fopen(path, "re");
        ck_assert_msg(f != NULL, "%s", path);
        buf = calloc(1, 65536);
        *len = fread(buf, 1, 65535, f);
        fclose(f);
        return buf;
}

/* The files Debian ships: no error, no warning (given room on the disk). */
START_TEST(test_shipped_defaults) {
        static const char *const names[] = { "debian12.conf", "debian13-upstream-4.0.2.conf" };
        size_t len;
        char *text = read_fixture(names[_i], &len);
        char *got = diags_of(text, 5120);

        ck_assert_msg(strcmp(got, "") == 0, "%s: %s", names[_i], got);
        free(got);
        free(text);
}
END_TEST

/* The file itself, as auditd checks it before reading, on the descriptor that is read: a file
 * not owned by root, a symlink (auditd opens with O_NOFOLLOW), a FIFO (which must not block the
 * reader: the daemon's event loop), a missing file. */
static char *first_diag_of_file(const char *path) {
        ak_auditd_conf *c;
        char *s;

        ck_assert_int_eq(ak_auditd_conf_check_file(path, &ops, &c), 0);
        ck_assert_uint_ge(c->n_errors, 1);
        s = ak_diag_format(&c->diags[0]);
        ak_auditd_conf_free(c);
        return s;
}

START_TEST(test_file_checks) {
        char dir[] = "/tmp/ak-test-auditd-conf-XXXXXX", path[128], link[128], want[256];
        ak_auditd_conf *c;
        char *s;
        FILE *f;

        ck_assert_ptr_nonnull(mkdtemp(dir));
        snprintf(path, sizeof(path), "%s/auditd.conf", dir);
        f = fopen(path, "w");
        ck_assert_ptr_nonnull(f);
        fputs("space_left = 75\n", f);
        fclose(f);
        ck_assert_int_eq(chmod(path, 0640), 0);
        if (geteuid() == 0)     /* else it is ours, not root's, already */
                ck_assert_int_eq(chown(path, 1000, 1000), 0);
        s = first_diag_of_file(path);
        snprintf(want, sizeof(want), "%s: not owned by root; auditd refuses it: chown root", path);
        ck_assert_str_eq(s, want);
        free(s);

        if (geteuid() == 0) {
                /* root's file, through a symlink: refused as auditd refuses it; read directly: fine */
                ck_assert_int_eq(chown(path, 0, 0), 0);
                snprintf(link, sizeof(link), "%s/link.conf", dir);
                ck_assert_int_eq(symlink(path, link), 0);
                s = first_diag_of_file(link);
                snprintf(want, sizeof(want), "%s: is a symbolic link; auditd refuses it (it opens the file with "
                         "O_NOFOLLOW): put the file itself there", link);
                ck_assert_str_eq(s, want);
                free(s);
                ck_assert_int_eq(ak_auditd_conf_check_file(path, &ops, &c), 0);
                ck_assert_uint_eq(c->n_errors, 0);
                ak_auditd_conf_free(c);
                ck_assert_int_eq(unlink(link), 0);
        }
        ck_assert_int_eq(unlink(path), 0);

        /* a FIFO swapped in: said at once (the test's timeout catches a blocked open) */
        ck_assert_int_eq(mkfifo(path, 0600), 0);
        s = first_diag_of_file(path);
        snprintf(want, sizeof(want), "%s: not a regular file; auditd refuses it", path);
        ck_assert_str_eq(s, want);
        free(s);
        ck_assert_int_eq(unlink(path), 0);
        ck_assert_int_eq(rmdir(dir), 0);

        ck_assert_int_eq(ak_auditd_conf_check_file("/nonexistent/auditd.conf", &ops, &c), 0);
        ck_assert_uint_eq(c->n_errors, 1);
        s = ak_diag_format(&c->diags[0]);
        ck_assert_str_eq(s, "/nonexistent/auditd.conf: cannot read: No such file or directory");
        free(s);
        ak_auditd_conf_free(c);
}
END_TEST

/* The resolved numbers the daemon reports. */
START_TEST(test_resolved) {
        ak_auditd_conf *c;
        const char *text = SAFE_HEAD "space_left = 25%\nspace_left_action = syslog\nadmin_space_left = 10%\n"
                           "admin_space_left_action = halt\n" SAFE_DISK;

        free_mib = 3000;
        ck_assert_int_eq(ak_auditd_conf_check_text("x", text, strlen(text), &ops, &c), 0);
        ck_assert_uint_eq(c->space_left_mib, 2560);
        ck_assert_uint_eq(c->admin_space_left_mib, 1024);
        ck_assert_uint_eq(c->free_mib, 3000);
        ck_assert_uint_eq(c->n_diags, 0);
        ak_auditd_conf_free(c);
}
END_TEST

static Suite *auditd_conf_suite(void) {
        Suite *s = suite_create("auditd-conf");
        TCase *tc = tcase_create("table");

        tcase_add_loop_test(tc, test_table, 0, N(cases));
        tcase_add_test(tc, test_long_line);
        tcase_add_loop_test(tc, test_shipped_defaults, 0, 2);
        tcase_add_test(tc, test_file_checks);
        tcase_add_test(tc, test_resolved);
        suite_add_tcase(s, tc);
        return s;
}

AK_TEST_MAIN(auditd_conf_suite)
