/* dispatch.c - cli_main(): dispatches "llmcost COMMAND ..." to the command table. Lives in the CLI library, not
 * in main.c, so tests and the fuzzers can run the whole command line in-process. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static void usage(FILE *f)
{
    fprintf(f, "usage: llmcost COMMAND [MODEL] [options]\n\n"
               "What training a large language model costs: parameters, FLOPs, memory, time and money.\n"
               "MODEL is a preset name (see 'llmcost models'; any case, or its Hugging Face repo id), a config.json,\n"
               "a folder holding one, or a Hugging Face cache folder (models--ORG--NAME/). Flags accept _ for -.\n\n"
               "commands:\n");
    for (const cli_command *c = cli_commands; c->name; c++)
        fprintf(f, "  %-10s %s\n", c->name, c->summary);
    fprintf(f, "  %-10s %s\n", "help", "help on a command: llmcost help COMMAND");
    fprintf(f, "\nthe course's interface (prints exactly the lines of its script):\n"
               "  llmcost --model_config CONFIG.json [--training_budget DOLLARS]\n");
    fprintf(f, "\nexamples:\n"
               "  llmcost report                      # the course's LLaMA-7B\n"
               "  llmcost params deepseek-v3\n"
               "  llmcost params path/to/config.json --format json\n");
}

static const cli_command *find(const char *name)
{
    for (const cli_command *c = cli_commands; c->name; c++)
        if (!strcmp(c->name, name))
            return c;
    return NULL;
}

/* "'X' is not a command", with the nearest command for a typo. Returns 2. */
static int not_a_command(const char *name)
{
    const char *names[64];
    size_t n = 0;
    for (const cli_command *c = cli_commands; c->name && n < 63; c++)
        names[n++] = c->name;
    names[n++] = "help";
    int near = llmcost_name_nearest(name, names, n);
    if (near >= 0)
        return cli_usage_error(NULL, "'%s' is not a command; did you mean '%s'?", name, names[near]);
    return cli_usage_error(NULL, "'%s' is not a command", name);
}

/* Flushes stdout and reports a failed write (a full disk, a closed pipe) as an error. */
static int finish(int rc)
{
    if (fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, "llmcost: error writing output: %s\n", strerror(errno));
        return rc ? rc : 1;
    }
    return rc;
}

static int held_argc;
static char **held_argv;

/* Runs a command's entry point with its stdout, notes and files held until it succeeds (held.c). */
static int run_held(int (*run)(int argc, char **argv), int argc, char **argv)
{
    cli_read_reset();
    int rc = cli_run_held(run, argc, argv, held_argc, held_argv);
    cli_catalog_release(); /* a --gpu-file catalogue lives for one command */
    /* After a successful command's text output: the exact numbers its suffixed values were read as. */
    if (rc == 0 && cli_read_print() && (fflush(stdout) != 0 || ferror(stdout))) {
        fprintf(stderr, "llmcost: error writing output: %s\n", strerror(errno));
        rc = 1;
    }
    cli_read_reset();
    return rc;
}

int cli_main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stdout);
        return finish(0);
    }
    held_argc = argc;
    held_argv = argv;
    const char *cmd = argv[1];
    /* What takes no argument says so rather than ignoring one ("--version extra", "help params extra"). */
    if ((!strcmp(cmd, "--help") || !strcmp(cmd, "-h") || !strcmp(cmd, "--version")) && argc > 2)
        return cli_usage_error(NULL, "'%s': %s takes no argument", argv[2], cmd);
    if (!strcmp(cmd, "help") && argc > 3)
        return cli_usage_error(NULL, "'%s': help takes one command", argv[3]);
    if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h")) {
        usage(stdout);
        return finish(0);
    }
    if (!strcmp(cmd, "--version")) {
        printf("llmcost %s\n", llmcost_version());
        return finish(0);
    }
    if (!strcmp(cmd, "help")) {
        if (argc < 3) {
            usage(stdout);
            return finish(0);
        }
        const cli_command *c = find(argv[2]);
        if (!c)
            return not_a_command(argv[2]);
        char *hargv[] = {argv[2], "--help", NULL};
        return run_held(c->run, 2, hargv);
    }
    if (cli_is_course(cmd))
        return run_held(cli_course, argc, argv);
    const cli_command *c = find(cmd);
    if (!c)
        return not_a_command(cmd);
    return run_held(c->run, argc - 1, argv + 1);
}
