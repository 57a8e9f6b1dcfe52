/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A main() for the fuzz targets without libFuzzer: run each file given (or each file in each
 * directory given) through LLVMFuzzerTestOneInput once. For replaying corpora and crash inputs
 * under any compiler's sanitizers. */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int run_file(const char *path) {
        FILE *f = fopen(path, "rb");
        uint8_t *buf = NULL;
        size_t len = 0, cap = 0, n;

        if (!f) {
                perror(path);
                return 1;
        }
        do {
                if (len == cap) {
                        uint8_t *nb = realloc(buf, cap = cap ? cap * 2 : 65536);
                        if (!nb)
                                abort();
                        buf = nb;
                }
                n = fread(buf + len, 1, cap - len, f);
                len += n;
        } while (n > 0);
        fclose(f);
        /* An exactly sized copy, so that the sanitizers see reads past the end. */
        uint8_t *exact = malloc(len ? len : 1);
        if (!exact)
                abort();
        memcpy(exact, buf, len);
        free(buf);
        LLVMFuzzerTestOneInput(exact, len);
        free(exact);
        return 0;
}

int main(int argc, char **argv) {
        int rc = 0;
        unsigned count = 0;

        for (int i = 1; i < argc; i++) {
                struct stat st;

                if (stat(argv[i], &st) < 0) {
                        perror(argv[i]);
                        rc = 1;
                        continue;
                }
                if (S_ISDIR(st.st_mode)) {
                        struct dirent **names;
                        int n = scandir(argv[i], &names, NULL, alphasort);

                        for (int k = 0; k < n; k++) {
                                if (names[k]->d_name[0] != '.') {
                                        char path[4096];
                                        snprintf(path, sizeof(path), "%s/%s", argv[i], names[k]->d_name);
                                        rc |= run_file(path);
                                        count++;
                                }
                                free(names[k]);
                        }
                        free(n >= 0 ? names : NULL);
                } else {
                        rc |= run_file(argv[i]);
                        count++;
                }
        }
        fprintf(stderr, "%u inputs replayed\n", count);
        return rc;
}
