/* fuzz_cli.c - libFuzzer target: the whole command line, run in-process through cli_main().
 *
 * Input: arguments one per line; then, after an empty line, optionally the contents of a file, written to a
 * private folder as config.json. The argument "@" stands for that file's path and "@dir" for the folder.
 * Arguments that start with '/' or contain ".." are refused (the input is skipped), so the fuzzer cannot read
 * devices or write outside the private folder, which is also the working directory while it runs.
 *
 * Checked on every run, besides the sanitizers: the exit status is 0, 1 or 2; every line on stderr starts
 * "llmcost: "; and a failing run prints nothing on stdout and exactly one error line on stderr (after any
 * "llmcost: note:" lines), which comes last. Every argument also goes through llmcost_parse_quantity(). */
#define _GNU_SOURCE
#include <dirent.h>
#include <math.h>
#include <stdbool.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "fuzz.h"

#define MAX_ARGS 32
#define MAX_ARG_BYTES 512

static char dir[64], file[96];

/* Removes the private folder and whatever the commands wrote there (budget --write-config, scaling fit --save). */
static void cleanup(void)
{
    DIR *d = opendir(dir);
    if (d) {
        struct dirent *e;
        while ((e = readdir(d)) != NULL) {
            char path[4200];
            snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
            if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
                unlink(path);
        }
        closedir(d);
    }
    rmdir(dir);
}

/* libFuzzer reads its corpus, dictionary and artifact paths after this initialisation changes the working
 * directory: relative ones are made absolute first, so `fuzz_cli CRASH` and `-dict=fuzz/cli.dict` still work. */
static void absolute_paths(int argc, char **argv)
{
    static const char *const path_flags[] = {"-dict=", "-artifact_prefix=", "-exact_artifact_path=", NULL};
    char cwd[4096];
    FUZZ_CHECK(getcwd(cwd, sizeof cwd) != NULL);
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *value = a;
        size_t flag = 0;
        if (a[0] == '-') {
            value = NULL;
            for (int k = 0; path_flags[k]; k++)
                if (!strncmp(a, path_flags[k], strlen(path_flags[k])))
                    flag = strlen(path_flags[k]), value = a + flag;
        }
        if (!value || value[0] == '/' || value[0] == '\0')
            continue;
        char *abs = NULL;
        FUZZ_CHECK(asprintf(&abs, "%.*s%s/%s", (int)flag, a, cwd, value) > 0);
        argv[i] = abs; /* kept for the whole run */
    }
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    absolute_paths(*argc, *argv);
    snprintf(dir, sizeof dir, "/tmp/llmcost-fuzz-XXXXXX");
    FUZZ_CHECK(mkdtemp(dir) != NULL);
    snprintf(file, sizeof file, "%s/config.json", dir);
    FUZZ_CHECK(chdir(dir) == 0);
    /* A command that reads standard input must not wait for a terminal. */
    FUZZ_CHECK(freopen("/dev/null", "r", stdin) != NULL);
    atexit(cleanup);
    return 0;
}

/* Checks the error contract on what one run printed. */
static void check_output(int rc, size_t out_len, const char *err)
{
    FUZZ_CHECK(rc == 0 || rc == 1 || rc == 2);
    int errors = 0;
    bool last_is_error = false;
    for (const char *line = err; *line;) {
        const char *nl = strchr(line, '\n');
        FUZZ_CHECK(nl != NULL); /* every message ends its line */
        FUZZ_CHECK(strncmp(line, "llmcost: ", 9) == 0);
        last_is_error = strncmp(line, "llmcost: note: ", 15) != 0;
        errors += last_is_error;
        line = nl + 1;
    }
    if (rc != 0) {
        FUZZ_CHECK(out_len == 0);
        FUZZ_CHECK(errors == 1 && last_is_error);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *argv[MAX_ARGS + 2];
    int argc = 0;
    argv[argc++] = "llmcost";
    size_t i = 0;
    bool has_file = false;
    while (i < size) {
        size_t j = i;
        while (j < size && data[j] != '\n')
            j++;
        if (j == i && j < size) { /* an empty line: the rest is the file */
            i = j + 1;
            has_file = true;
            break;
        }
        if (argc <= MAX_ARGS) {
            size_t n = j - i < MAX_ARG_BYTES ? j - i : MAX_ARG_BYTES;
            const uint8_t *nul = memchr(data + i, '\0', n); /* an argument stops at a NUL byte, as in exec */
            if (nul)
                n = (size_t)(nul - (data + i));
            char *a = malloc(n + 1);
            FUZZ_CHECK(a != NULL);
            memcpy(a, data + i, n);
            a[n] = '\0';
            if (!strcmp(a, "@") || !strcmp(a, "@dir")) {
                bool is_dir = a[1] != '\0';
                free(a);
                a = strdup(is_dir ? dir : file);
                FUZZ_CHECK(a != NULL);
            }
            argv[argc++] = a;
        }
        i = j + 1;
    }
    argv[argc] = NULL;
    bool safe = true;
    for (int k = 1; k < argc; k++) {
        const char *a = argv[k];
        if ((a[0] == '/' && strcmp(a, file) && strcmp(a, dir)) || strstr(a, ".."))
            safe = false;
        double x;
        if (llmcost_parse_quantity(&x, a, k & 1) == 0)
            FUZZ_CHECK(isfinite(x));
    }
    if (safe) {
        if (has_file) {
            FILE *f = fopen(file, "wb");
            FUZZ_CHECK(f != NULL);
            fwrite(data + i, 1, size - i, f);
            FUZZ_CHECK(fclose(f) == 0);
        } else {
            unlink(file);
        }
        char *out = NULL, *err = NULL;
        size_t out_len = 0, err_len = 0;
        FILE *fo = open_memstream(&out, &out_len), *fe = open_memstream(&err, &err_len);
        FUZZ_CHECK(fo && fe);
        FILE *real_out = stdout, *real_err = stderr;
        stdout = fo;
        stderr = fe;
        int rc = cli_main(argc, argv);
        stdout = real_out;
        stderr = real_err;
        fclose(fo);
        fclose(fe);
        check_output(rc, out_len, err);
        free(out);
        free(err);
    }
    for (int k = 1; k < argc; k++)
        free(argv[k]);
    return 0;
}
