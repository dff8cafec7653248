/* cli.h - the command-line front end: option parsing, output helpers and the command table. */
#ifndef LLMCOST_CLI_H
#define LLMCOST_CLI_H

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>

#include "llmcost/llmcost.h"

/* Exit statuses: 0 success, 1 other failure, 2 bad input or usage. */
enum { EXIT_BAD_INPUT = 2 };

typedef enum {
    OPT_FLAG,     /* --name, sets a bool */
    OPT_STRING,   /* --name VALUE, a string */
    OPT_SIZE,     /* --name N, a positive integer; suffixes k/M/G = powers of 1024 */
    OPT_COUNT,    /* --name N, a positive integer; suffixes K/M/B/T = powers of 1000 */
    OPT_REAL,     /* --name X, a finite positive number; suffixes K/M/B/T */
    OPT_FRACTION, /* --name X, a number in (0, 1] */
    OPT_CHOICE,   /* --name WORD, one of "choices"; stores the index */
    OPT_NONNEG    /* --name N, an integer >= 0 */
} cli_opt_kind;

typedef struct cli_opt {
    const char *name;     /* long name without dashes */
    cli_opt_kind kind;
    void *dest;           /* bool*, const char**, long long*, double*, int* (choice) */
    const char *metavar;
    const char *help;
    const char *const *choices; /* NULL-terminated, for OPT_CHOICE */
    bool *seen;           /* optional: set when given */
} cli_opt;

/* A command: its name, entry point and one-line summary. */
typedef struct cli_command {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
} cli_command;

extern const cli_command cli_commands[];

/*
 * The whole command line: "argv[0]" is the program, "argv[1]" the command. Returns the exit status (0, 1, or 2 for
 * bad input and usage) and never exits, so it can run in-process (tests, fuzzers). Output goes to stdout and
 * stderr, flushed before returning.
 */
int cli_main(int argc, char **argv);

/* Common state every command parses: --format and --help. */
typedef struct cli_common {
    int format; /* llmcost_format */
    bool help;
} cli_common;

/*
 * Parses argv[1..] of command "cmd" against "opts" (plus --format and --help, always accepted). Positional
 * arguments are stored in "pos" (up to "max_pos"); *npos receives their count. Prints one line on stderr and
 * returns 2 on a usage error; returns 0 otherwise.
 */
int cli_parse(const char *cmd, int argc, char **argv, const cli_opt *opts, int nopts, cli_common *common,
              const char **pos, int max_pos, int *npos);

/* Prints "cmd"'s help: usage line, description, options table, examples. */
void cli_help(FILE *f, const char *cmd, const char *usage, const char *description, const cli_opt *opts, int nopts,
              const char *examples);

/* "llmcost: <message>" on stderr, with "try 'llmcost help CMD'" for usage errors. Returns 2. */
int cli_usage_error(const char *cmd, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* Reports a library failure "rc" (llmcost_errmsg()) on stderr. Returns 2 for bad input, 1 otherwise. */
int cli_lib_error(int rc);

/* Loads MODEL (default: the course's llama-7b preset), printing assumptions made to stderr. */
int cli_load_model(llmcost_model **out, const char *spec);

/* Output. Text/CSV/Markdown render tables; JSON prints a document. Both return 0 or 1 (write error). */
int cli_print_table(const llmcost_table *t, int format);
int cli_print_json(json_t *doc);
/* Prints a line of free text (text and md formats only). */
void cli_note(int format, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* JSON helpers: an int64 or a double as a JSON number. */
json_t *cli_jint(int64_t v);
json_t *cli_jreal(double v);

/* Commands. */
int cmd_report(int argc, char **argv);
int cmd_params(int argc, char **argv);
int cmd_models(int argc, char **argv);
int cmd_flops(int argc, char **argv);

/* Helpers commands share: the params section, used by params and report. */
int cli_params_section(const llmcost_model *m, int format, json_t *doc);
json_t *cli_model_json(const llmcost_model *m);
int cli_model_section(const llmcost_model *m, int format);

/* Choices shared by the commands that take --attention and --recompute (index = library enum). */
extern const char *const cli_attention_choices[];
extern const char *const cli_recompute_choices[];
/* The sequence length to use when --seq is not given: the model's training length, else 4096; "why" says
 * which, for printing with the answer. */
int cli_default_seq(const llmcost_model *m, long long *seq, bool given, char *why, size_t n);
/* The FLOPs section of flops and report ("brief" leaves out the conventions table); "tokens" > 0 adds totals
 * for a training run of that many tokens. */
int cli_flops_section(const llmcost_model *m, const llmcost_flops_options *o, double tokens, int format, json_t *doc,
                      bool brief);

#endif
