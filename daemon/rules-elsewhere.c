/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Hosts that load their audit rules another way (see rules-elsewhere.h). Debian's auditd.service
 * tells the administrator who does not want augenrules to copy the unit to /etc/systemd/system
 * and run `auditctl -R /etc/audit/audit.rules` instead; others write audit.rules by hand, or have
 * an agent load it. On such a host /etc/audit/rules.d holds only what the auditd package shipped
 * (Debian: -D, -b, -f and no rule), and a daemon that took it for the whole truth would remove
 * every rule the host relies on. Only reads files; the caller decides what to do. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "constants.h"
#include "rules-elsewhere.h"
#include "util.h"

#define UNIT_DIR "/etc/systemd/system"

static int ends_with(const char *s, const char *suffix) {
        size_t n = strlen(s), k = strlen(suffix);

        return n >= k && streq(s + n - k, suffix);
}

/* A word of a command line without the quotes around it. */
static void unquote(char *w) {
        size_t n;

        while (*w == '"' || *w == '\'')
                memmove(w, w + 1, strlen(w));
        n = strlen(w);
        while (n > 0 && (w[n - 1] == '"' || w[n - 1] == '\'' || w[n - 1] == ';'))
                w[--n] = '\0';
}

/* One line of a unit file: an Exec*= line that runs auditctl with -R FILE? FILE into file. A
 * command run through a shell (`/bin/sh -c "auditctl -R ..."`) counts too. */
static int line_loads_rules(const char *line, char *file, size_t size) {
        const char *p = line + strspn(line, " \t");
        _cleanup_free_ char *copy = NULL;
        char *save = NULL;
        int auditctl = 0, next_is_file = 0;

        if (strncmp(p, "Exec", 4) != 0 || !(p = strchr(p, '=')))
                return 0;
        copy = strdup(p + 1);
        if (!copy)
                return 0;
        for (char *w = strtok_r(copy, " \t\r\n", &save); w; w = strtok_r(NULL, " \t\r\n", &save)) {
                const char *base;

                unquote(w);
                if (next_is_file) {
                        snprintf(file, size, "%s", w);
                        return 1;
                }
                if (auditctl && streq(w, "-R"))
                        next_is_file = 1;
                else if (auditctl && strncmp(w, "-R", 2) == 0) {
                        snprintf(file, size, "%s", w + 2);
                        return 1;
                } else {
                        /* the command itself may carry ExecStart='s prefixes: -, @, +, !, : */
                        w += strspn(w, "-@+!:|");
                        base = strrchr(w, '/');
                        if (streq(base ? base + 1 : w, "auditctl"))
                                auditctl = 1;
                }
        }
        return 0;
}

/* Does the unit file at root+path load a rules file other than `skip`? */
static int unit_loads_rules(const char *root, const char *path, const char *skip, RulesElsewhere *ret) {
        _cleanup_free_ char *full = strdup_printf("%s%s", root, path);
        _cleanup_free_ char *line = NULL;
        size_t allocated = 0;
        char file[sizeof(ret->file)];
        int found = 0;
        FILE *f;

        if (!full || !(f = fopen(full, "re")))
                return 0;
        while (!found && getline(&line, &allocated, f) > 0) {
                _cleanup_free_ char *rooted = NULL;

                if (!line_loads_rules(line, file, sizeof(file)))
                        continue;
                rooted = strdup_printf("%s%s", root, file);
                if (rooted && skip && streq(rooted, skip))
                        continue;       /* the file the daemon reads itself */
                snprintf(ret->file, sizeof(ret->file), "%s", file);
                snprintf(ret->what, sizeof(ret->what), "%s runs 'auditctl -R %s'", path, file);
                found = 1;
        }
        fclose(f);
        return found;
}

/* Names in a directory under root, sorted, filtered by suffix; NULL-terminated, or NULL. */
static char **dir_names(const char *root, const char *dir, const char *suffix) {
        _cleanup_free_ char *full = strdup_printf("%s%s", root, dir);
        struct dirent **list = NULL;
        char **names;
        int n, k = 0;

        if (!full || (n = scandir(full, &list, NULL, alphasort)) < 0)
                return NULL;
        names = calloc((size_t) n + 1, sizeof(char *));
        for (int i = 0; i < n; i++) {
                if (names && ends_with(list[i]->d_name, suffix) && list[i]->d_name[0] != '.')
                        names[k++] = strdup_printf("%s/%s", dir, list[i]->d_name);
                free(list[i]);
        }
        free(list);
        return names;
}

static void names_free(char **names) {
        for (size_t i = 0; names && names[i]; i++)
                free(names[i]);
        free(names);
}

/* Units of the administrator (/etc/systemd/system: copies, drop-ins) that load rules. */
static int units_load_rules(const char *root, const char *skip, RulesElsewhere *ret) {
        char **units = dir_names(root, UNIT_DIR, ".service");
        char **dropin_dirs = dir_names(root, UNIT_DIR, ".service.d");
        int found = 0;

        for (size_t i = 0; !found && units && units[i]; i++)
                found = unit_loads_rules(root, units[i], skip, ret);
        for (size_t i = 0; !found && dropin_dirs && dropin_dirs[i]; i++) {
                char **confs = dir_names(root, dropin_dirs[i], ".conf");

                for (size_t j = 0; !found && confs && confs[j]; j++)
                        found = unit_loads_rules(root, confs[j], skip, ret);
                names_free(confs);
        }
        names_free(units);
        names_free(dropin_dirs);
        return found;
}

/* /etc/audit/audit.rules with something in it, and not augenrules' header on top. */
static int audit_rules_hand_kept(const char *root, const char *default_source, RulesElsewhere *ret) {
        _cleanup_free_ char *path = strdup_printf("%s%s", root, DEFAULT_RULES_FILE);
        char first[256];

        if (!path || (default_source && streq(path, default_source)))
                return 0;       /* the daemon reads that file itself */
        if (read_first_line(path, first, sizeof(first)) < 0)
                return 0;       /* absent, unreadable or empty: nothing loads from it */
        if (strncmp(first, AUGENRULES_HEADER, strlen(AUGENRULES_HEADER)) == 0)
                return 0;
        snprintf(ret->file, sizeof(ret->file), "%s", DEFAULT_RULES_FILE);
        snprintf(ret->what, sizeof(ret->what),
                 "%s was not written by augenrules (its first line is not augenrules' \"automatically generated\" header)",
                 DEFAULT_RULES_FILE);
        return 1;
}

int rules_elsewhere_find(const char *root, const char *default_source, RulesElsewhere *ret) {
        *ret = (RulesElsewhere) {};
        if (!root)
                root = "";
        if (units_load_rules(root, default_source, ret))
                return 1;
        return audit_rules_hand_kept(root, default_source, ret);
}
