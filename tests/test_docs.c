/* test_docs.c - the docs' generated parts match the code: docs/validation.md is `llmcost validate --format md`,
 * and every '<!-- llmcost: ARGS -->' block in README.md and docs/ holds what `llmcost ARGS` prints today
 * (refresh them with tools/gen_docs.py). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"

/* Runs "args" (space-separated) through the CLI; returns its stdout (caller frees). */
static char *run_args(const char *args)
{
    char buf[1024];
    snprintf(buf, sizeof buf, "%s", args);
    const char *argv[64];
    int n = 0;
    for (char *t = strtok(buf, " "); t && n < 63; t = strtok(NULL, " "))
        argv[n++] = t;
    argv[n] = NULL;
    run_result r = run_cli(argv);
    char *out = strdup(r.out);
    run_free(&r);
    return out;
}

static int check_blocks(const char *rel)
{
    char *doc = slurp_file(src_path(rel));
    int blocks = 0;
    const char *p = doc;
    while ((p = strstr(p, "<!-- llmcost: ")) != NULL) {
        const char *args = p + strlen("<!-- llmcost: ");
        const char *close = strstr(args, " -->\n");
        cr_assert_not_null(close, "%s: unterminated marker", rel);
        char cmd[512];
        snprintf(cmd, sizeof cmd, "%.*s", (int)(close - args), args);
        const char *body = close + strlen(" -->\n");
        const char *end = strstr(body, "<!-- end -->");
        cr_assert_not_null(end, "%s: no <!-- end --> after '%s'", rel, cmd);
        char *out = run_args(cmd);
        char *want;
        if (strstr(cmd, "--format md")) {
            want = strdup(out);
        } else {
            size_t n = strlen(out) + strlen(cmd) + 64;
            want = malloc(n);
            snprintf(want, n, "```\n$ llmcost %s\n%s```\n", cmd, out);
        }
        size_t len = (size_t)(end - body);
        cr_expect(strlen(want) == len && !strncmp(want, body, len),
                  "%s: the block for 'llmcost %s' is stale; run tools/gen_docs.py", rel, cmd);
        free(out);
        free(want);
        blocks++;
        p = end;
    }
    free(doc);
    return blocks;
}

Test(docs, generated_blocks_match_the_code)
{
    cr_expect_geq(check_blocks("docs/what-6nd-misses.md"), 6);
    cr_expect_geq(check_blocks("README.md"), 1);
}

Test(docs, validation_md_is_up_to_date)
{
    char *doc = slurp_file(src_path("docs/validation.md"));
    char *out = run_args("validate --format md");
    cr_expect_str_eq(out, doc, "docs/validation.md is stale; run tools/gen_docs.py");
    free(doc);
    free(out);
}

Test(docs, validate_passes)
{
    const char *argv[] = {"validate", "--failures", NULL};
    run_result r = run_cli(argv);
    cr_expect_eq(r.status, 0, "cases outside tolerance:\n%s", r.out);
    run_free(&r);
}

Test(docs, readme_names_every_command)
{
    /* The commands `llmcost --help` lists (two spaces, a name, spaces, a summary) all appear in README.md. */
    const char *argv[] = {"--help", NULL};
    run_result r = run_cli(argv);
    char *readme = slurp_file(src_path("README.md"));
    int n = 0;
    char *list = strstr(r.out, "commands:\n");
    cr_assert_not_null(list, "%s", r.out);
    char *end = strstr(list, "\n\n");
    if (end)
        *end = '\0';
    for (char *line = strtok(list + strlen("commands:\n"), "\n"); line; line = strtok(NULL, "\n")) {
        char name[32];
        if (line[0] == ' ' && line[1] == ' ' && sscanf(line + 2, "%31[a-z]", name) == 1 && strcmp(name, "help")) {
            char want[48];
            snprintf(want, sizeof want, "`%s", name);
            cr_expect(strstr(readme, want) != NULL, "README.md does not mention the '%s' command", name);
            n++;
        }
    }
    cr_expect_geq(n, 8);
    free(readme);
    run_free(&r);
}
