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

/*
 * GPU selection shared by every command that uses one: --gpu NAME, --gpu-file FILE (merged into the
 * catalogue), --price-list NAME, and per-field overrides. Put CLI_GPU_OPTIONS(var) in a command's cli_opt
 * table and call cli_gpu_resolve() after parsing.
 */
typedef struct cli_gpu_opts {
    const char *gpu;
    const char *gpu_file;
    const char *price_list;
    double price, peak_tflops, memory_gb, memory_bw_gbps, tdp_watts, scaleup_gbps, scaleout_gbps;
    long long scaleup_size;
} cli_gpu_opts;

#define CLI_GPU_OPTIONS(o)                                                                                      \
    {"gpu", OPT_STRING, &(o).gpu, "NAME", "accelerator from the catalogue (see 'llmcost gpus')", NULL, NULL},    \
    {"gpu-file", OPT_STRING, &(o).gpu_file, "FILE", "extra or overriding GPU records (format of data/gpus.json)",  \
     NULL, NULL},                                                                                               \
    {"price-list", OPT_STRING, &(o).price_list, "NAME", "take price and peak from a named price list (course, ...)", \
     NULL, NULL},                                                                                               \
    {"price", OPT_REAL, &(o).price, "USD", "price per GPU-hour (default: the catalogue's on-demand price)", NULL,  \
     NULL},                                                                                                     \
    {"peak-tflops", OPT_REAL, &(o).peak_tflops, "X", "dense peak TFLOP/s of the precision in use", NULL, NULL},   \
    {"memory-gb", OPT_REAL, &(o).memory_gb, "X", "device memory in GB as vendors quote it (GiB)", NULL, NULL},    \
    {"memory-bw", OPT_REAL, &(o).memory_bw_gbps, "GB/S", "device memory bandwidth, GB/s", NULL, NULL},            \
    {"tdp", OPT_REAL, &(o).tdp_watts, "W", "board power, watts", NULL, NULL},                                    \
    {"scaleup-bw", OPT_REAL, &(o).scaleup_gbps, "GB/S", "per-GPU one-way bandwidth inside a node, GB/s", NULL,     \
     NULL},                                                                                                     \
    {"scaleup-size", OPT_COUNT, &(o).scaleup_size, "N", "GPUs per scale-up domain (node)", NULL, NULL},          \
    {"scaleout-bw", OPT_REAL, &(o).scaleout_gbps, "GB/S", "per-GPU one-way network bandwidth across nodes, GB/s", \
     NULL, NULL}

/*
 * Loads --gpu-file (if any), finds the GPU (--gpu, else "dflt"), and applies --price-list and the per-field
 * overrides for precision "dt" (whose peak --peak-tflops replaces) into *out. "overrides" (may be NULL)
 * receives a one-line description of what was overridden ("" when nothing). Returns 0, or the exit status
 * after printing the error.
 */
int cli_gpu_resolve(llmcost_gpu *out, const cli_gpu_opts *o, const char *cmd, const char *dflt, llmcost_dtype dt,
                    char *overrides, size_t size);

/*
 * The training setup shared by step, train (and memory): precision, recompute, attention, framework, batch and
 * the parallel layout. Put CLI_SETUP_OPTIONS(var) in a command's cli_opt table and call cli_setup_resolve().
 */
typedef struct cli_setup_opts {
    long long tp, pp, vpp, dp, cp, ep, gpus, zero, micro_batch, seq, global_batch;
    int precision, recompute, attention, framework;
    bool sp, no_sp, ep_overlap, tp_overlap;
    bool seen_precision, seen_seq, seen_mb;
} cli_setup_opts;

extern const char *const cli_precision_choices[];
extern const char *const cli_framework_choices[];
extern const char *const cli_recompute_choices[]; /* cmd_flops.c */
extern const char *const cli_attention_choices[];

#define CLI_SETUP_OPTIONS(o)                                                                                      \
    {"micro-batch", OPT_SIZE, &(o).micro_batch, "B", "sequences per micro-batch per GPU (default 1)", NULL,       \
     &(o).seen_mb},                                                                                             \
    {"seq", OPT_SIZE, &(o).seq, "S", "tokens per sequence (default: the model's training length, else 2048)",   \
     NULL, &(o).seen_seq},                                                                                      \
    {"global-batch", OPT_SIZE, &(o).global_batch, "TOKENS", "tokens per optimizer step (16M = 2^24; default: one " \
     "micro-batch per replica)", NULL, NULL},                                                                   \
    {"precision", OPT_CHOICE, &(o).precision, "P", "precision recipe (default bf16)", cli_precision_choices,     \
     &(o).seen_precision},                                                                                      \
    {"recompute", OPT_CHOICE, &(o).recompute, "R", "activation recomputation (default none)",                   \
     cli_recompute_choices, NULL},                                                                              \
    {"attention", OPT_CHOICE, &(o).attention, "A", "attention kernel (default sdpa)", cli_attention_choices,     \
     NULL},                                                                                                     \
    {"framework", OPT_CHOICE, &(o).framework, "F", "implementation profile (default hf)", cli_framework_choices, \
     NULL},                                                                                                     \
    {"gpus", OPT_COUNT, &(o).gpus, "N", "GPUs in the job (default tp x pp x cp x dp)", NULL, NULL},              \
    {"tp", OPT_COUNT, &(o).tp, "N", "tensor-parallel degree", NULL, NULL},                                       \
    {"pp", OPT_COUNT, &(o).pp, "N", "pipeline stages", NULL, NULL},                                              \
    {"vpp", OPT_COUNT, &(o).vpp, "N", "virtual stages per GPU (interleaved 1F1B)", NULL, NULL},                  \
    {"dp", OPT_COUNT, &(o).dp, "N", "data-parallel replicas (default: from --gpus)", NULL, NULL},                \
    {"cp", OPT_COUNT, &(o).cp, "N", "context-parallel degree (sequence split)", NULL, NULL},                      \
    {"ep", OPT_COUNT, &(o).ep, "N", "expert-parallel degree", NULL, NULL},                                       \
    {"zero", OPT_NONNEG, &(o).zero, "0-3", "ZeRO stage over data parallelism (3 = FSDP)", NULL, NULL},           \
    {"sp", OPT_FLAG, &(o).sp, NULL, "sequence parallelism with TP (default on for megatron)", NULL, NULL},        \
    {"no-sp", OPT_FLAG, &(o).no_sp, NULL, "no sequence parallelism", NULL, NULL},                               \
    {"ep-overlap", OPT_FLAG, &(o).ep_overlap, NULL, "hide the expert all-to-all behind compute (DualPipe)", NULL, \
     NULL},                                                                                                     \
    {"tp-overlap", OPT_FLAG, &(o).tp_overlap, NULL, "overlap tensor-parallel collectives with the layer's GEMMs", \
     NULL, NULL}

#define CLI_SETUP_OPTS_INIT {1, 1, 1, 0, 1, 1, 0, 0, 1, 0, 0, 2, 0, 1, 0, false, false, false, false, false, false, false}

/*
 * Turns the parsed setup flags into step options for model "m" (checking the layout against it). "assumed"
 * receives the defaults that were assumed, one per line. Returns 0 or the exit status after printing the error.
 */
int cli_setup_resolve(llmcost_step_options *out, const cli_setup_opts *o, const llmcost_model *m, const char *cmd,
                      char *assumed, size_t size);

/* Commands. */
int cmd_report(int argc, char **argv);
int cmd_params(int argc, char **argv);
int cmd_models(int argc, char **argv);
int cmd_flops(int argc, char **argv);
int cmd_gpus(int argc, char **argv);
int cmd_step(int argc, char **argv);
int cmd_train(int argc, char **argv);

/* Step output shared by step, train and report. */
json_t *cli_step_json(const llmcost_step *s);
int cli_print_step(const llmcost_step *s, const llmcost_model *m, const llmcost_gpu *g, const llmcost_step_options *o,
                   int format);
void cli_setup_describe(char *buf, size_t n, const llmcost_step_options *o, const llmcost_step *s);
void cli_step_assumptions(char *buf, size_t n, const llmcost_gpu *g, const llmcost_step_options *o,
                          const char *overrides);
void cli_print_assumptions(int format, const char *lines);
json_t *cli_assumptions_json(const char *lines);

/* The step/cost section of `llmcost report`. */
int cli_step_section(const llmcost_model *m, int format, json_t *doc);

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
