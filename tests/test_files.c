/* test_files.c - the files llmcost writes (--write-config, --save): written whole or not at all, renamed into
 * place only when the command succeeds, never over one of the command's inputs, the cause in the message. */
#define _POSIX_C_SOURCE 200809L
#include <criterion/criterion.h>
#include <criterion/redirect.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"
#include "helpers.h"

static char dir[64];

static void setup(void)
{
    snprintf(dir, sizeof dir, "/tmp/llmcost-files-XXXXXX");
    cr_assert_not_null(mkdtemp(dir));
}

static void teardown(void)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    char p[512];
    while (d && (e = readdir(d)) != NULL)
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
            snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
            unlink(p);
        }
    if (d)
        closedir(d);
    rmdir(dir);
}

TestSuite(files, .init = setup, .fini = teardown, .timeout = 120);

static const char *in_dir(const char *name)
{
    static char buf[4][512];
    static int k;
    k = (k + 1) % 4;
    snprintf(buf[k], sizeof buf[k], "%s/%s", dir, name);
    return buf[k];
}

static void put(const char *path, const char *text)
{
    FILE *f = fopen(path, "wb");
    cr_assert_not_null(f, "%s", path);
    fputs(text, f);
    cr_assert_eq(fclose(f), 0);
}

static char *get(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    static char buf[1 << 16];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = '\0';
    fclose(f);
    return strdup(buf);
}

/* Files in the folder: a failed write must leave no temporary file behind. */
static int files_in_dir(void)
{
    DIR *d = opendir(dir);
    cr_assert_not_null(d);
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
            n++;
    closedir(d);
    return n;
}

/* Runs llmcost with stdout on /dev/full (every write fails with ENOSPC); returns the exit status. */
static int run_stdout_full(const char *const *argv)
{
    pid_t pid = fork();
    if (pid == 0) {
        int fd = open("/dev/full", O_WRONLY);
        int nul = open("/dev/null", O_WRONLY);
        dup2(fd, 1);
        dup2(nul, 2);
        int n = 0;
        while (argv[n])
            n++;
        char **args = calloc((size_t)n + 2, sizeof *args);
        args[0] = (char *)LLMCOST_BIN;
        for (int i = 0; i < n; i++)
            args[i + 1] = (char *)argv[i];
        execv(LLMCOST_BIN, args);
        _exit(127);
    }
    int st = 0;
    waitpid(pid, &st, 0);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* A runs CSV that fits (Chinchilla's law sampled on a grid, within 0.2%). */
static const char *runs_path(void)
{
    return src_path("tests/bad_inputs/runs_bom.csv");
}

Test(files, write_config_replaces_the_target_only_on_success)
{
    const char *cfg = in_dir("design.json");
    put(cfg, "old contents\n");
    /* stdout fails: the command fails, and the old file is kept whole, with no temporary file left. */
    int st = run_stdout_full((const char *const[]){"budget", "--dollars", "5e6", "--write-config", cfg, NULL});
    cr_expect_eq(st, 1, "a failed stdout is exit 1, got %d", st);
    char *t = get(cfg);
    cr_expect_str_eq(t, "old contents\n", "the config was replaced although the command failed");
    free(t);
    cr_expect_eq(files_in_dir(), 1, "a temporary file was left behind");
    /* The same command succeeding replaces it with a config llmcost reads back. */
    run_result r = run_cli((const char *const[]){"budget", "--dollars", "5e6", "--write-config", cfg, NULL});
    cr_expect_eq(r.status, 0, "%s", r.err);
    run_free(&r);
    r = run_cli((const char *const[]){"params", cfg, NULL});
    cr_expect_eq(r.status, 0, "the written config does not load: %s", r.err);
    run_free(&r);
    cr_expect_eq(files_in_dir(), 1);
    struct stat s;
    cr_assert_eq(stat(cfg, &s), 0);
    cr_expect_eq(s.st_mode & 0777, 0644, "the existing file's mode is kept (got %o)", s.st_mode & 0777);
}

Test(files, save_never_replaces_the_runs_it_read)
{
    const char *runs = in_dir("runs.csv");
    char *data = get(runs_path());
    cr_assert_not_null(data);
    put(runs, data);
    /* The same file by another name (./ and a hard link) is the same input. */
    const char *link_name = in_dir("runs-link.csv");
    cr_assert_eq(link(runs, link_name), 0);
    const char *targets[] = {runs, link_name};
    for (int i = 0; i < 2; i++) {
        run_result r =
            run_cli((const char *const[]){"scaling", "fit", runs, "--bootstrap", "10", "--save", targets[i], NULL});
        cr_expect_eq(r.status, 2, "exit %d: %s", r.status, r.err);
        cr_expect_eq(count_lines(r.err), 1, "%s", r.err);
        cr_expect(strstr(r.err, "--save") && strstr(r.err, "inputs"), "got: %s", r.err);
        cr_expect_str_empty(r.out);
        run_free(&r);
        char *now = get(runs);
        cr_expect_str_eq(now, data, "the runs were overwritten");
        free(now);
    }
    free(data);
    cr_expect_eq(files_in_dir(), 2);
}

Test(files, write_config_never_replaces_a_law_it_read)
{
    const char *law = in_dir("law.json");
    const char *text = "{\"name\": \"mine\", \"form\": \"chinchilla\", \"E\": 1.69, \"A\": 406.4, \"B\": 410.7, "
                       "\"alpha\": 0.34, \"beta\": 0.28, \"source\": \"Hoffmann et al. 2022, eq. 10\"}\n";
    put(law, text);
    run_result r = run_cli((const char *const[]){"budget", "--dollars", "5e6", "--law", law, "--write-config", law, NULL});
    cr_expect_eq(r.status, 2, "exit %d: %s", r.status, r.err);
    cr_expect(strstr(r.err, "--write-config") && strstr(r.err, "inputs"), "got: %s", r.err);
    run_free(&r);
    char *now = get(law);
    cr_expect_str_eq(now, text);
    free(now);
}

Test(files, save_writes_a_law_budget_reads_and_names_errno_on_failure)
{
    const char *law = in_dir("fit.json");
    run_result r =
        run_cli((const char *const[]){"scaling", "fit", runs_path(), "--bootstrap", "10", "--save", law, NULL});
    cr_expect_eq(r.status, 0, "%s", r.err);
    run_free(&r);
    r = run_cli((const char *const[]){"budget", "--dollars", "5e6", "--law", law, NULL});
    cr_expect_eq(r.status, 0, "the saved law does not load: %s", r.err);
    run_free(&r);
    /* A folder that does not exist: exit 2 with the cause, like --write-config. */
    const char *bad = in_dir("no-such-folder/fit.json");
    r = run_cli((const char *const[]){"scaling", "fit", runs_path(), "--bootstrap", "10", "--save", bad, NULL});
    cr_expect_eq(r.status, 2, "exit %d", r.status);
    cr_expect(strstr(r.err, "--save") && strstr(r.err, "No such file or directory"), "got: %s", r.err);
    cr_expect_eq(count_lines(r.err), 1, "%s", r.err);
    run_free(&r);
    r = run_cli((const char *const[]){"budget", "--dollars", "5e6", "--write-config", bad, NULL});
    cr_expect_eq(r.status, 2, "exit %d", r.status);
    cr_expect(strstr(r.err, "--write-config") && strstr(r.err, "No such file or directory"), "got: %s", r.err);
    run_free(&r);
}

/* ---- what a held command prints: a failure only its error, a verdict (validate's exit 1) everything ---- */

static int verdict_command(int argc, char **argv)
{
    (void)argc, (void)argv;
    printf("case  error\nx     +40%%\n");
    fprintf(stderr, "llmcost: note: from the data\n");
    cli_held_keep_output();
    return 1;
}

static int failing_command(int argc, char **argv)
{
    (void)argc, (void)argv;
    printf("half a table\n");
    fprintf(stderr, "llmcost: note: dropped\n");
    fprintf(stderr, "llmcost: --seq: must be positive\n");
    return 2;
}

static void redirect(void)
{
    cr_redirect_stdout();
    cr_redirect_stderr();
}

Test(held, a_verdict_keeps_its_output_and_its_exit_status, .init = redirect)
{
    cr_assert_eq(cli_run_held(verdict_command, 0, NULL, 0, NULL), 1);
    fflush(stdout);
    fflush(stderr);
    cr_assert_stdout_eq_str("case  error\nx     +40%\n");
    cr_assert_stderr_eq_str("llmcost: note: from the data\n");
}

Test(held, a_failure_after_a_verdict_prints_only_its_error, .init = redirect)
{
    cr_assert_eq(cli_run_held(verdict_command, 0, NULL, 0, NULL), 1);
    cr_assert_eq(cli_run_held(failing_command, 0, NULL, 0, NULL), 2);
    fflush(stdout);
    fflush(stderr);
    /* The verdict's output, then nothing of the failing command's but its last line. */
    cr_assert_stdout_eq_str("case  error\nx     +40%\n");
    cr_assert_stderr_eq_str("llmcost: note: from the data\nllmcost: --seq: must be positive\n");
}

/* A target the final rename(2) could not replace is refused before anything is printed: a name ending in '/',
 * and a path that runs through a file ("cfg.json/x", "cfg.json/"). The fuzzer found the second printing its
 * whole output on stdout and then failing (exit 2) at the rename. */
Test(files, write_config_refuses_a_target_rename_cannot_replace)
{
    const char *cfg = in_dir("cfg.json");
    put(cfg, "keep\n");
    char through[600], slash[600], newdir[600];
    snprintf(through, sizeof through, "%s/x.json", cfg);
    snprintf(slash, sizeof slash, "%s/", cfg);
    snprintf(newdir, sizeof newdir, "%s/", in_dir("new"));
    const char *targets[] = {through, slash, newdir};
    const char *why[] = {"Not a directory", "it names a folder", "it names a folder"};
    for (int i = 0; i < 3; i++) {
        run_result r = run_cli((const char *const[]){"budget", "--flops", "1e24", "--write-config", targets[i], NULL});
        cr_expect_eq(r.status, 2, "%s: exit %d", targets[i], r.status);
        cr_expect_str_eq(r.out, "", "%s: a refused write printed its output", targets[i]);
        cr_expect_not_null(strstr(r.err, "--write-config"), "%s: %s", targets[i], r.err);
        cr_expect_not_null(strstr(r.err, why[i]), "%s: %s", targets[i], r.err);
        cr_expect_eq(strchr(r.err, '\n'), r.err + strlen(r.err) - 1, "one line: %s", r.err);
        run_free(&r);
    }
    char *t = get(cfg);
    cr_expect_str_eq(t, "keep\n");
    free(t);
    cr_expect_eq(files_in_dir(), 1, "a temporary file was left behind");
}
