/* test_bad_inputs.c - runs every case of the bad-input corpus (tests/bad_inputs/cases.json) through the llmcost
 * binary and checks the error contract: exit status 2, nothing on stdout, exactly one line on stderr starting
 * "llmcost: " and containing the case's substrings (the file and line/column, or the key, or the flag).
 *
 * The manifest's "model_commands" lists every command that reads a MODEL; each case with a "file" runs through
 * all of them (a new command is one line there). Cases with "args" run that command line once; "requires"
 * skips a case until its command exists; "accept": true turns the check around (exit 0, no error) for values
 * that must be accepted ("15.6T", "5e6"). Placeholders, in args, files and substrings:
 *   {file}      the case's file, tests/bad_inputs/NAME (or a generated one below)
 *   {big}       a 50 MB file, generated here (too large to commit)
 *   {deep}      a config whose value nests 100,000 arrays deep, generated here
 *   {emptydir}  an empty folder (no config.json), made here
 *   {confdir}   a folder whose config.json is itself a folder, made here
 *   {longpath}  a copy of heads_not_dividing_hidden.json about 3,000 bytes deep in folders, made here
 *   {fifo}      a FIFO (named pipe) called pipe.json: a reader must refuse it, not block on it, made here
 *   {loop}      a symbolic link loop.json pointing at itself, made here
 *   {manyruns}  a scaling-fit CSV of 5,001 runs (one above the bound), generated here
 *   {runs}      a copy of runs_bom.csv (runs that fit) in the private folder: a target a refused write must not touch */
#include <criterion/criterion.h>
#include <dirent.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "helpers.h"

#define CORPUS "tests/bad_inputs"

static json_t *manifest;
static char big_path[256], deep_path[256], empty_dir[256], conf_dir[256], conf_sub[300], long_path[4096];
static char fifo_path[256], loop_path[256], many_runs[256], runs_copy[256];
static char long_dirs[12][4096];

static void write_big(const char *path)
{
    /* 50 MB: a config's start, then a 50 MB string; the reader must refuse it by size, not read it all. */
    FILE *f = fopen(path, "wb");
    cr_assert_not_null(f, "cannot create %s", path);
    fputs("{\"model_type\": \"llama\", \"padding\": \"", f);
    static char chunk[1 << 16];
    memset(chunk, 'x', sizeof chunk);
    for (int i = 0; i < 50 * 16; i++) /* 800 x 64 KiB = 50 MiB */
        fwrite(chunk, 1, sizeof chunk, f);
    fputs("\"}\n", f);
    cr_assert_eq(fclose(f), 0);
}

static void write_deep(const char *path)
{
    FILE *f = fopen(path, "wb");
    cr_assert_not_null(f, "cannot create %s", path);
    fputs("{\"model_type\": \"llama\", \"hidden_size\": ", f);
    for (int i = 0; i < 100000; i++)
        fputc('[', f);
    for (int i = 0; i < 100000; i++)
        fputc(']', f);
    fputs("}\n", f);
    cr_assert_eq(fclose(f), 0);
}

static void setup(void)
{
    json_error_t e;
    manifest = json_load_file(src_path(CORPUS "/cases.json"), JSON_REJECT_DUPLICATES, &e);
    cr_assert_not_null(manifest, "cases.json:%d:%d: %s", e.line, e.column, e.text);
    char tmpl[] = "/tmp/llmcost-bad-XXXXXX";
    cr_assert_not_null(mkdtemp(tmpl));
    snprintf(big_path, sizeof big_path, "%s/big-50MB.json", tmpl);
    snprintf(deep_path, sizeof deep_path, "%s/deep.json", tmpl);
    snprintf(empty_dir, sizeof empty_dir, "%s/empty", tmpl);
    snprintf(conf_dir, sizeof conf_dir, "%s/confdir", tmpl);
    snprintf(conf_sub, sizeof conf_sub, "%s/config.json", conf_dir);
    cr_assert_eq(mkdir(empty_dir, 0755), 0);
    cr_assert_eq(mkdir(conf_dir, 0755), 0);
    cr_assert_eq(mkdir(conf_sub, 0755), 0);
    write_big(big_path);
    write_deep(deep_path);
    snprintf(fifo_path, sizeof fifo_path, "%s/pipe.json", tmpl);
    snprintf(loop_path, sizeof loop_path, "%s/loop.json", tmpl);
    cr_assert_eq(mkfifo(fifo_path, 0644), 0, "mkfifo %s", fifo_path);
    cr_assert_eq(symlink("loop.json", loop_path), 0, "symlink %s", loop_path);
    snprintf(many_runs, sizeof many_runs, "%s/runs-5001.csv", tmpl);
    FILE *mr = fopen(many_runs, "wb");
    cr_assert_not_null(mr);
    fputs("N,D,loss\n", mr);
    for (int i = 0; i < 5001; i++)
        fprintf(mr, "%g,%g,%.4f\n", 1e8 * (1 + i % 50), 2e9 * (1 + i / 50), 2.0 + 1.0 / (1 + i % 50) + 1.0 / (1 + i / 50));
    cr_assert_eq(fclose(mr), 0);
    snprintf(runs_copy, sizeof runs_copy, "%s/runs.csv", tmpl);
    FILE *rs = fopen(src_path(CORPUS "/runs_bom.csv"), "rb"), *rd = fopen(runs_copy, "wb");
    cr_assert(rs && rd);
    int c2;
    while ((c2 = fgetc(rs)) != EOF)
        fputc(c2, rd);
    fclose(rs);
    cr_assert_eq(fclose(rd), 0);
    /* 12 nested folders of 250-byte names: a path longer than any message buffer of 1 KiB. */
    snprintf(long_path, sizeof long_path, "%s", tmpl);
    for (int i = 0; i < 12; i++) {
        size_t n = strlen(long_path);
        snprintf(long_path + n, sizeof long_path - n, "/%0250d", i);
        snprintf(long_dirs[i], sizeof long_dirs[i], "%s", long_path);
        cr_assert_eq(mkdir(long_path, 0755), 0, "%s", long_path);
    }
    strcat(long_path, "/config.json");
    FILE *src = fopen(src_path(CORPUS "/heads_not_dividing_hidden.json"), "rb"), *dst = fopen(long_path, "wb");
    cr_assert(src && dst);
    int ch;
    while ((ch = fgetc(src)) != EOF)
        fputc(ch, dst);
    fclose(src);
    cr_assert_eq(fclose(dst), 0);
}

static void teardown(void)
{
    unlink(big_path);
    unlink(deep_path);
    unlink(fifo_path);
    unlink(loop_path);
    unlink(many_runs);
    unlink(runs_copy);
    rmdir(empty_dir);
    rmdir(conf_sub);
    rmdir(conf_dir);
    unlink(long_path);
    for (int i = 11; i >= 0; i--)
        rmdir(long_dirs[i]);
    char *dir = strdup(big_path);
    *strrchr(dir, '/') = '\0';
    rmdir(dir);
    free(dir);
    json_decref(manifest);
}

/* "s" with the placeholders replaced; "file" is the case's file path (or NULL). Returns a new string. */
static char *expand(const char *s, const char *file)
{
    static const char *const names[] = {"{file}",   "{big}",     "{deep}", "{emptydir}",
                                        "{confdir}", "{longpath}", "{fifo}", "{loop}", "{manyruns}", "{runs}"};
    const char *values[] = {file ? file : "{file}", big_path, deep_path, empty_dir, conf_dir, long_path, fifo_path,
                            loop_path, many_runs, runs_copy};
    char *out = strdup(s);
    for (int k = 0; k < 10; k++) {
        char *at;
        while ((at = strstr(out, names[k])) != NULL) {
            char *n = NULL;
            cr_assert(asprintf(&n, "%.*s%s%s", (int)(at - out), out, values[k], at + strlen(names[k])) > 0);
            free(out);
            out = n;
        }
    }
    return out;
}

/* The case's file: "{...}" placeholders as they are, anything else inside tests/bad_inputs/. */
static char *case_file(json_t *c)
{
    const char *f = json_string_value(json_object_get(c, "file"));
    if (!f)
        return NULL;
    if (f[0] == '{' || f[0] == '/')
        return expand(f, NULL);
    char rel[512];
    snprintf(rel, sizeof rel, CORPUS "/%s", f);
    return strdup(src_path(rel));
}

static bool command_exists(const char *name)
{
    for (const cli_command *c = cli_commands; c->name; c++)
        if (!strcmp(c->name, name))
            return true;
    return false;
}

/* Runs one command line and checks the contract. "label" names the case in failure messages. */
static void check_run(const char *label, json_t *c, char **argv, const char *file)
{
    run_result r = run_cli((const char *const *)argv);
    char cmdline[1024] = "";
    for (int i = 0; argv[i]; i++) {
        size_t n = strlen(cmdline);
        snprintf(cmdline + n, sizeof cmdline - n, "%s%s", i ? " " : "", argv[i]);
    }
    if (json_is_true(json_object_get(c, "accept"))) {
        cr_expect_eq(r.status, 0, "%s: `llmcost %s` must be accepted; exit %d, stderr: %s", label, cmdline, r.status,
                     r.err);
        cr_expect(r.out[0] != '\0', "%s: `llmcost %s` printed nothing", label, cmdline);
        run_free(&r);
        return;
    }
    cr_expect_eq(r.status, 2, "%s: `llmcost %s`: exit %d (want 2), stderr: %s", label, cmdline, r.status, r.err);
    cr_expect_str_empty(r.out, "%s: `llmcost %s`: stdout should be empty when failing, got: %.300s", label, cmdline,
                        r.out);
    cr_expect_eq(count_lines(r.err), 1, "%s: `llmcost %s`: stderr should be exactly one line, got %d: %.600s", label,
                 cmdline, count_lines(r.err), r.err);
    cr_expect(!strncmp(r.err, "llmcost: ", 9), "%s: message should start with 'llmcost: ': %s", label, r.err);
    if (file)
        cr_expect(strstr(r.err, file) != NULL, "%s: message does not name the file %s: %s", label, file, r.err);
    size_t i;
    json_t *s;
    bool unknown_ok = false;
    json_array_foreach(json_object_get(c, "stderr"), i, s)
    {
        char *needle = expand(json_string_value(s), file);
        cr_expect(strstr(r.err, needle) != NULL, "%s: `llmcost %s`: message lacks '%s': %s", label, cmdline, needle,
                  r.err);
        if (strstr(needle, "unknown option"))
            unknown_ok = true;
        free(needle);
    }
    /* A case whose flag the command does not know passes for the wrong reason: say so. */
    cr_expect(unknown_ok || !strstr(r.err, "unknown option"),
              "%s: `llmcost %s` does not know a flag of this case; update the case: %s", label, cmdline, r.err);
    run_free(&r);
}

static const char *const formats[] = {"text", "json", "csv", "md"};

TestSuite(bad_inputs, .init = setup, .fini = teardown, .timeout = 300);

Test(bad_inputs, every_config_case_fails_cleanly_in_every_model_command)
{
    json_t *cmds = json_object_get(manifest, "model_commands");
    cr_assert(json_array_size(cmds) > 0);
    size_t i, k;
    json_t *c, *mc;
    int ran = 0, n = 0;
    json_array_foreach(json_object_get(manifest, "cases"), i, c)
    {
        if (!json_object_get(c, "file") || json_object_get(c, "args"))
            continue;
        char *file = case_file(c);
        json_array_foreach(cmds, k, mc)
        {
            const char *cmd = json_string_value(json_object_get(mc, "cmd"));
            if (!command_exists(cmd))
                continue;
            /* Each command runs the case in one of the four formats, in turn: failing must print nothing in any. */
            char *argv[32] = {(char *)cmd, file};
            int a = 2;
            json_t *extra;
            size_t j;
            json_array_foreach(json_object_get(mc, "extra"), j, extra)
                if (a < 28)
                    argv[a++] = (char *)json_string_value(extra);
            argv[a++] = "--format";
            argv[a++] = (char *)formats[(i + k) % 4];
            argv[a] = NULL;
            char label[256];
            snprintf(label, sizeof label, "case '%s' (%s)", json_string_value(json_object_get(c, "name")), cmd);
            check_run(label, c, argv, file);
            ran++;
        }
        free(file);
        n++;
    }
    cr_expect(n >= 40, "the corpus should hold at least 40 bad configs, has %d", n);
    cr_log_info("%d config cases, %d runs", n, ran);
}

Test(bad_inputs, every_command_line_case)
{
    size_t i, j;
    json_t *c, *a;
    int skipped = 0;
    json_array_foreach(json_object_get(manifest, "cases"), i, c)
    {
        json_t *args = json_object_get(c, "args");
        if (!args)
            continue;
        const char *name = json_string_value(json_object_get(c, "name"));
        const char *req = json_string_value(json_object_get(c, "requires"));
        if (req && !command_exists(req)) {
            skipped++;
            continue;
        }
        char *file = case_file(c);
        char *argv[64];
        int n = 0;
        json_array_foreach(args, j, a)
            if (n < 63)
                argv[n++] = expand(json_string_value(a), file);
        argv[n] = NULL;
        char label[256];
        snprintf(label, sizeof label, "case '%s'", name);
        check_run(label, c, argv, file);
        for (int k = 0; k < n; k++)
            free(argv[k]);
        free(file);
    }
    if (skipped)
        cr_log_info("%d command-line cases wait for commands that do not exist yet (\"requires\" in cases.json)",
                    skipped);
}

Test(bad_inputs, manifest_is_consistent)
{
    /* Every case has a unique name and either a file or args; every committed file is used by some case. */
    size_t i;
    json_t *c;
    json_t *seen = json_object();
    json_array_foreach(json_object_get(manifest, "cases"), i, c)
    {
        const char *name = json_string_value(json_object_get(c, "name"));
        cr_assert_not_null(name, "case %zu has no name", i);
        cr_expect_null(json_object_get(seen, name), "case name '%s' is used twice", name);
        json_object_set_new(seen, name, json_true());
        cr_expect(json_object_get(c, "file") || json_object_get(c, "args"), "case '%s' has neither file nor args", name);
        cr_expect(json_is_true(json_object_get(c, "accept")) || json_array_size(json_object_get(c, "stderr")) > 0,
                  "case '%s' lists no substring for its message", name);
    }
    DIR *d = opendir(src_path(CORPUS));
    cr_assert_not_null(d);
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.' || !strcmp(e->d_name, "cases.json") || !strcmp(e->d_name, "README.md"))
            continue;
        bool used = false;
        json_array_foreach(json_object_get(manifest, "cases"), i, c)
        {
            const char *f = json_string_value(json_object_get(c, "file"));
            if (f && !strcmp(f, e->d_name))
                used = true;
        }
        cr_expect(used, "%s/%s is not used by any case in cases.json", CORPUS, e->d_name);
    }
    closedir(d);
    json_decref(seen);
}

Test(bad_inputs, unreadable_config_in_a_folder_names_the_permission)
{
    /* "folder holds no config.json" would send the user looking for a file that is there. Root reads anything. */
    if (geteuid() == 0)
        cr_skip_test("running as root: a mode-000 file is readable");
    char dir[] = "/tmp/llmcost-perm-XXXXXX", file[64];
    cr_assert_not_null(mkdtemp(dir));
    snprintf(file, sizeof file, "%s/config.json", dir);
    FILE *f = fopen(file, "w");
    cr_assert_not_null(f);
    fputs("{}", f);
    cr_assert_eq(fclose(f), 0);
    cr_assert_eq(chmod(file, 0), 0);
    run_result r = run_cli((const char *const[]){"params", dir, NULL});
    cr_expect_eq(r.status, 2);
    cr_expect(strstr(r.err, file) && strstr(r.err, "Permission denied"), "got: %s", r.err);
    cr_expect(!strstr(r.err, "no config.json"), "got: %s", r.err);
    run_free(&r);
    unlink(file);
    rmdir(dir);
}
