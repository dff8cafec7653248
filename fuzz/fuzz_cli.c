/* fuzz_cli.c - libFuzzer target: the whole command line, run in-process through cli_main().
 *
 * Input: arguments one per line; then, after an empty line, optionally the contents of a file, written to a
 * private folder as config.json. The argument "@" stands for that file's path and "@dir" for the folder; "@fifo",
 * "@loop", "@null" and "@sub" for special files the harness makes in the folder before every run: a FIFO (named
 * pipe), a symbolic link to itself, a link to /dev/null (a character device) and a sub-folder. An absolute path
 * is allowed only inside the private folder ("@dir/x.json" or the folder's own path), and no argument may hold
 * "..", so the fuzzer cannot read devices or write outside the folder, which is also the working directory.
 * Whatever a run wrote there (budget --write-config, scaling fit --save) is removed before the next one.
 *
 * Checked on every run, besides the sanitizers: the exit status is 0, 1 or 2; every line on stderr starts
 * "llmcost: "; a failing run prints nothing on stdout and exactly one line on stderr (notes are held until a
 * command succeeds); a successful run's stdout holds no non-finite number ("nan", "inf" as a word, a JSON null)
 * and no number of 100 digits or more, unless the input itself holds that text (a name echoed back). Every
 * argument also goes through llmcost_parse_quantity(). */
#define _GNU_SOURCE
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "fuzz.h"

#define MAX_ARGS 32
#define MAX_ARG_BYTES 512

static char dir[64], file[96];
static char fifo_path[96], loop_path[96], null_path[96], sub_path[96];

/* Makes (again, if a run replaced or removed one) the special files the arguments may name. */
static void make_specials(void)
{
    struct stat st;
    if (lstat(fifo_path, &st) != 0 || !S_ISFIFO(st.st_mode)) {
        unlink(fifo_path);
        FUZZ_CHECK(mkfifo(fifo_path, 0644) == 0);
    }
    if (lstat(loop_path, &st) != 0 || !S_ISLNK(st.st_mode)) {
        unlink(loop_path);
        FUZZ_CHECK(symlink(loop_path, loop_path) == 0);
    }
    if (lstat(null_path, &st) != 0 || !S_ISLNK(st.st_mode)) {
        unlink(null_path);
        FUZZ_CHECK(symlink("/dev/null", null_path) == 0);
    }
    if (lstat(sub_path, &st) != 0 || !S_ISDIR(st.st_mode)) {
        unlink(sub_path);
        FUZZ_CHECK(mkdir(sub_path, 0755) == 0 || errno == EEXIST);
    }
}

/* Removes what the previous run wrote into the folder (its files, and the sub-folder's), keeping the specials. */
static void clear_written(void)
{
    const char *const keep[] = {"pipe", "loop.json", "null.json", "sub", NULL};
    for (int pass = 0; pass < 2; pass++) {
        const char *where = pass ? sub_path : dir;
        DIR *d = opendir(where);
        if (!d)
            continue;
        struct dirent *e;
        while ((e = readdir(d)) != NULL) {
            if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
                continue;
            bool kept = false;
            for (int k = 0; !pass && keep[k]; k++)
                kept |= !strcmp(e->d_name, keep[k]);
            if (kept)
                continue;
            char path[4200];
            snprintf(path, sizeof path, "%s/%s", where, e->d_name);
            unlink(path);
        }
        closedir(d);
    }
}

/* Removes the private folder and whatever the commands wrote there (budget --write-config, scaling fit --save). */
static void cleanup(void)
{
    clear_written();
    rmdir(sub_path);
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
    snprintf(fifo_path, sizeof fifo_path, "%s/pipe", dir);
    snprintf(loop_path, sizeof loop_path, "%s/loop.json", dir);
    snprintf(null_path, sizeof null_path, "%s/null.json", dir);
    snprintf(sub_path, sizeof sub_path, "%s/sub", dir);
    make_specials();
    FUZZ_CHECK(chdir(dir) == 0);
    /* A command that reads standard input must not wait for a terminal. */
    FUZZ_CHECK(freopen("/dev/null", "r", stdin) != NULL);
    atexit(cleanup);
    return 0;
}

/* True when "word" occurs in "s" (length "n") as a whole word, case-insensitively: not inside a longer run of
 * letters, digits or '_' ("inf" in "info" or "InfiniBand" does not count). */
static bool has_word(const char *s, size_t n, const char *word)
{
    size_t w = strlen(word);
    for (size_t i = 0; i + w <= n; i++) {
        if (strncasecmp(s + i, word, w))
            continue;
        bool before = i > 0 && (isalnum((unsigned char)s[i - 1]) || s[i - 1] == '_');
        bool after = i + w < n && (isalnum((unsigned char)s[i + w]) || s[i + w] == '_');
        if (!before && !after)
            return true;
    }
    return false;
}

/* The longest run of decimal digits in "s" (length "n"). */
static size_t longest_digits(const char *s, size_t n)
{
    size_t best = 0, run = 0;
    for (size_t i = 0; i < n; i++) {
        run = isdigit((unsigned char)s[i]) ? run + 1 : 0;
        if (run > best)
            best = run;
    }
    return best;
}

/* True when "s" holds a JSON null as a value (": null", "[null", ", null"). */
static bool has_json_null(const char *s, size_t n)
{
    for (size_t i = 0; i + 4 <= n; i++) {
        if (strncmp(s + i, "null", 4) || (i + 4 < n && isalnum((unsigned char)s[i + 4])))
            continue;
        size_t j = i;
        while (j > 0 && s[j - 1] == ' ')
            j--;
        if (j > 0 && (s[j - 1] == ':' || s[j - 1] == '[' || s[j - 1] == ','))
            return true;
    }
    return false;
}

/* Checks the error contract on what one run printed; "in" (length "in_len") is the whole fuzz input, whose own
 * text a successful run may echo (a model named "inf"). */
static void check_output(int rc, const char *out, size_t out_len, const char *err, const char *in, size_t in_len)
{
    FUZZ_CHECK(rc == 0 || rc == 1 || rc == 2);
    int lines = 0;
    for (const char *line = err; *line;) {
        const char *nl = strchr(line, '\n');
        FUZZ_CHECK(nl != NULL); /* every message ends its line */
        FUZZ_CHECK(strncmp(line, "llmcost: ", 9) == 0);
        lines++;
        line = nl + 1;
    }
    if (rc != 0) {
        FUZZ_CHECK(out_len == 0);
        FUZZ_CHECK(lines == 1); /* the error alone: notes are held until the command succeeds */
        return;
    }
    static const char *const words[] = {"nan", "inf", "infinity", NULL};
    for (int k = 0; words[k]; k++)
        FUZZ_CHECK(!has_word(out, out_len, words[k]) || has_word(in, in_len, words[k]));
    FUZZ_CHECK(!has_json_null(out, out_len) || has_json_null(in, in_len));
    size_t digits = longest_digits(out, out_len);
    FUZZ_CHECK(digits < 100 || digits <= longest_digits(in, in_len));
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
            static const char *const names[] = {"@", "@dir", "@fifo", "@loop", "@null", "@sub", NULL};
            const char *const paths[] = {file, dir, fifo_path, loop_path, null_path, sub_path};
            for (int k = 0; names[k]; k++)
                if (!strcmp(a, names[k])) {
                    free(a);
                    a = strdup(paths[k]);
                    FUZZ_CHECK(a != NULL);
                    break;
                }
            if (!strncmp(a, "@dir/", 5)) { /* a path inside the private folder */
                char *full = NULL;
                FUZZ_CHECK(asprintf(&full, "%s%s", dir, a + 4) > 0);
                free(a);
                a = full;
            }
            argv[argc++] = a;
        }
        i = j + 1;
    }
    argv[argc] = NULL;
    bool safe = true;
    for (int k = 1; k < argc; k++) {
        const char *a = argv[k];
        /* Absolute paths only inside the private folder (its own path, or under it). */
        size_t dl = strlen(dir);
        bool inside = !strncmp(a, dir, dl) && (a[dl] == '\0' || a[dl] == '/');
        if ((a[0] == '/' && !inside) || strstr(a, ".."))
            safe = false;
        double x;
        if (llmcost_parse_quantity(&x, a, k & 1) == 0)
            FUZZ_CHECK(isfinite(x));
    }
    if (safe) {
        clear_written();
        make_specials();
        if (has_file) {
            FILE *f = fopen(file, "wb");
            FUZZ_CHECK(f != NULL);
            fwrite(data + i, 1, size - i, f);
            FUZZ_CHECK(fclose(f) == 0);
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
        check_output(rc, out, out_len, err, (const char *)data, size);
        free(out);
        free(err);
    }
    for (int k = 1; k < argc; k++)
        free(argv[k]);
    return 0;
}
