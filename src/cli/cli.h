/* cli.h - the command-line front end: option parsing, output helpers and the command table. */
#ifndef LLMCOST_CLI_H
#define LLMCOST_CLI_H

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>

#include "llmcost/llmcost.h"
#include "llmcost/job.h"

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
    OPT_NONNEG,   /* --name N, an integer >= 0 */
    OPT_PROBABILITY /* --name P, a number in [0, 1) (a dropout probability: 0 is none) */
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

/*
 * Runs "run" (a command's entry point, with its "argc"/"argv") holding back what it produces until it has
 * succeeded (held.c): its stdout, its lines on stderr (notes), and the files given to cli_write_file(). On
 * success they reach stdout, the files and stderr in that order; on failure only the last line written to
 * stderr (the error) is printed and no file is touched. "all_argc"/"all_argv" is the whole command line, whose
 * arguments are the inputs that a written file must not replace. Returns the exit status.
 */
int cli_run_held(int (*run)(int argc, char **argv), int argc, char **argv, int all_argc, char **all_argv);

/*
 * Called by a running command whose nonzero exit status is a verdict on complete output rather than an error
 * (validate: cases outside their tolerance): cli_run_held then prints its output and notes and writes its files
 * as for a success, and still returns the command's exit status.
 */
void cli_held_keep_output(void);

/*
 * Writes "text" to "path" for option --"flag", atomically: a temporary file in the same folder, written, synced,
 * and renamed over "path" only when the command has succeeded (removed otherwise). Refuses a folder, a special
 * file, or a file that is one of the command's inputs (same device and inode). Returns 0, or the exit status (2)
 * after printing one line with the cause.
 */
int cli_write_file(const char *flag, const char *path, const char *text);

/* The real stderr while a command runs held, when it is a terminal (for progress), else NULL. */
FILE *cli_terminal(void);

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

/* The suffix rule every --help prints under "numbers:" (one sentence, shared). */
extern const char cli_suffix_rule[];
/* Writes "text" to "f" in lines of at most "width" columns, each indented by "indent", breaking only at spaces
 * (a word longer than a line stays whole). */
void cli_wrap(FILE *f, const char *text, int indent, int width);
/* The numbers cli_parse() read with a suffix or exponent are echoed after a command's text output: dispatch
 * calls cli_read_reset() before a command and cli_read_print() after it succeeds. */
void cli_read_reset(void);
bool cli_read_print(void); /* true when it printed */

/*
 * Sweeps: when a flag of "opts" among the job's (and --gpu, --price, --tokens) is given a comma list in argv
 * (--micro-batch 1,2,4 --gpu h100,h200), runs "run" (the command itself) once per combination with the lists
 * replaced by their elements and --format json, and prints one table (a row per combination: the swept values,
 * then the results) or, with --format json, {"swept": [flags], "combinations": N, "results": [{"sweep": {flag:
 * value}, ...the document of that run}]}; --format csv is that document's table. A bad element, an empty one,
 * more than 10,000 combinations or a failing run: one line naming the flag(s) and element(s), exit 2. Returns -1
 * when no flag has a list (the command runs as usual), else the exit status.
 */
int cli_sweep(const char *cmd, int (*run)(int, char **), int argc, char **argv, const cli_opt *opts, int nopts);

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

/* 0 when "value" given to "flag" ("--dollars") is inside the plausible range of the library's "field" (ranges.h);
 * else prints one line naming the flag and the range, and returns 2. For flags no library option carries. */
int cli_check_range(const char *flag, const char *field, double value);

/* Loads MODEL (default: the course's llama-7b preset), printing assumptions made to stderr. */
int cli_load_model(llmcost_model **out, const char *spec);

/* Output. Text/CSV/Markdown render tables; JSON prints a document. Both return 0 or 1 (write error). */
int cli_print_table(const llmcost_table *t, int format);
int cli_print_json(json_t *doc);
/* Prints JSON text from an llmcost_X_to_json() call that returned "rc" and frees it; returns 0, or the exit status
 * after printing the error. */
int cli_print_json_text(int rc, char *text);
/* The document "text" from an llmcost_X_to_json() call that returned "rc" (freed here) as an object to nest in a
 * larger document (`llmcost report`), without its "schema_version" and "model"; NULL after printing the error. */
json_t *cli_json_section(int rc, char *text);
/* --format json and csv print the same document: commands build the JSON for both (cli_structured() is true), and
 * cli_print_json() / cli_print_json_text() print it as JSON or, in CSV mode, as the library's CSV of it
 * (llmcost_json_to_csv) for the document kind. cli_parse() sets the mode with the command's name as the kind; a
 * command with other documents (train --published) names its kind with cli_output_kind(). */
bool cli_structured(int format);
void cli_output_mode(int format, const char *kind);
void cli_output_kind(const char *kind);
/* Prints "text" with each of its lines wrapped at "width" columns (at spaces; continuation lines indented by two;
 * a word longer than a line kept whole). */
void cli_print_wrapped(FILE *f, const char *text, int width);
/* Prints a line of free text (text and md formats only), wrapped at LLMCOST_TEXT_WIDTH columns in text. */
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
    double power_cap_watts; /* --power-cap (gpus, memory, step, train, report, plan): 0 none */
} cli_gpu_opts;

/* --power-cap W for the commands that resolve a GPU (llmcost_gpu_spec.power_cap_watts, applied by the library in
 * llmcost_gpu_spec_resolve through cli_gpu_resolve). */
#define CLI_POWER_CAP_OPTION(o)                                                                                  \
    {"power-cap", OPT_REAL, &(o).power_cap_watts, "W",                                                           \
     "cap each GPU's board power (nvidia-smi -pl): SM clocks fall, compute-bound time grows, energy at the cap",  \
     NULL, NULL}

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

/* The GPU catalogue of this run: NULL (the bundled one) unless --gpu-file made a copy; cli_catalog_load() merges
 * a file into it (printing the error, returning the exit status), cli_catalog_release() frees it after a command. */
const llmcost_catalog *cli_catalog(void);
int cli_catalog_load(const char *path);
void cli_catalog_release(void);

/* The peak a precision recipe's GEMMs use, for --peak-tflops and a price list's peak: fp32, fp8, bf16, or
 * CLI_DT_FP16 (llmcost_gpu.fp16_flops, which has no llmcost_dtype: the peaks array keeps its size). */
#define CLI_DT_FP16 ((llmcost_dtype)LLMCOST_DT_COUNT)
llmcost_dtype cli_precision_dtype(llmcost_precision p);

/*
 * Loads --gpu-file (if any), finds the GPU (--gpu, else "dflt"), and applies --price-list and the per-field
 * overrides for precision "dt" (whose peak --peak-tflops replaces) into *out. "overrides" (may be NULL)
 * receives a one-line description of what was overridden ("" when nothing). Returns 0, or the exit status
 * after printing the error.
 */
int cli_gpu_resolve(llmcost_gpu *out, const cli_gpu_opts *o, const char *cmd, const char *dflt, llmcost_dtype dt,
                    char *overrides, size_t size);

/* Fine-tuning as every job command and `llmcost params` take it (choice indices equal the library's enums). */
typedef struct cli_finetune_opts {
    int method, variant, quant;     /* llmcost_finetune_method, llmcost_lora_variant, llmcost_quant */
    long long rank, group;          /* 0: not given */
    double alpha;                   /* 0: not given */
    const char *targets;
    bool double_quant;
    double dropout;                 /* 0: not given */
    int adapter_dtype;              /* auto, fp32, bf16 */
} cli_finetune_opts;

extern const char *const cli_finetune_choices[];
extern const char *const cli_lora_variant_choices[];
extern const char *const cli_quant_choices[];
extern const char *const cli_adapter_dtype_choices[];

#define CLI_FINETUNE_OPTIONS(o)                                                                                   \
    {"finetune", OPT_CHOICE, &(o).method, "METHOD", "fine-tuning: none (pre-training, default), full, lora, qlora", \
     cli_finetune_choices, NULL},                                                                                \
    {"lora-rank", OPT_COUNT, &(o).rank, "R", "LoRA rank (default 8, PEFT's)", NULL, NULL},                         \
    {"lora-alpha", OPT_REAL, &(o).alpha, "A", "LoRA alpha; the update is scaled by alpha / rank (default 8)", NULL, \
     NULL},                                                                                                      \
    {"lora-targets", OPT_STRING, &(o).targets, "LIST",                                                            \
     "modules given adapters: Hugging Face names (q_proj,v_proj) or all-linear (default: PEFT's for the type)",   \
     NULL, NULL},                                                                                                \
    {"lora-variant", OPT_CHOICE, &(o).variant, "V", "lora or dora (a magnitude vector per adapted matrix)",        \
     cli_lora_variant_choices, NULL},                                                                            \
    {"quant", OPT_CHOICE, &(o).quant, "Q", "QLoRA's frozen base: nf4 (default), fp4, int8 (LLM.int8), int4 (AWQ)",   \
     cli_quant_choices, NULL},                                                                                   \
    {"double-quant", OPT_FLAG, &(o).double_quant, NULL, "nf4/fp4: quantise the absmax too (bnb double quant)", NULL, \
     NULL},                                                                                                      \
    {"quant-group", OPT_COUNT, &(o).group, "N", "int4: inputs per scale group (default 128)", NULL, NULL},        \
    {"lora-dropout", OPT_PROBABILITY, &(o).dropout, "P", "LoRA dropout probability, below 1 (default none, PEFT's 0)",    \
     NULL, NULL},                                                                                                \
    {"adapter-dtype", OPT_CHOICE, &(o).adapter_dtype, "T",                                                        \
     "adapters' dtype: auto (default: fp32 under hf, PEFT's; the recipe's under megatron), fp32, bf16",            \
     cli_adapter_dtype_choices, NULL}

/* The fine-tuning options into the library's job spec "s" (version 2; text points into "o"). */
void cli_finetune_spec(llmcost_job_spec *s, const cli_finetune_opts *o);

/*
 * A training job as memory, step and train take it: put CLI_JOB_OPTIONS(var) in a command's option table,
 * start from CLI_JOB_OPTS_INIT, and turn the layout part into an llmcost_layout with cli_job_apply().
 * Choice indices equal the library's enums (llmcost_precision, llmcost_optimizer, llmcost_recompute,
 * llmcost_attn_impl, llmcost_framework).
 */
typedef struct cli_job_opts {
    long long seq, micro_batch, gpus, tp, pp, vpp, dp, cp, ep, etp, zero, micro_batches;
    int precision, optimizer, recompute, attention, framework;
    bool seq_given, sp, no_sp;
    const char *global_batch;       /* TOKENS or SEQUENCESxLENGTH */
    bool ep_overlap, tp_overlap, bf16_grads, foreach_opt;
    double headroom, context_gb;
    int act_cache, pipeline, ema;   /* llmcost_act_cache, llmcost_pipeline, llmcost_ema */
    const char *recompute_modules;  /* "layernorm,mla_up_proj,moe_act" */
    cli_finetune_opts ft;           /* --finetune and its flags */
    int moe_dispatcher;             /* llmcost_moe_dispatcher */
    double moe_capacity_factor;     /* 0: dropless */
    long long chunked_loss;         /* 0: the whole loss at once */
    bool optimizer_in_backward, activation_offload, compile; /* the memory savers (job.h, version 4) */
    int cp_comm;                    /* llmcost_cp_comm (job.h, version 5) */
    long long recompute_every;      /* 0: every layer (job.h, version 5) */
    long long ddp_bucket_size;      /* 0: the framework's default (job.h, version 6) */
    bool moe_shared_expert_overlap; /* job.h, version 6 */
} cli_job_opts;

#define CLI_JOB_OPTS_INIT                                                                                        \
    {.seq = 0, .micro_batch = 1, .gpus = 0, .tp = 1, .pp = 1, .vpp = 1, .dp = 0, .cp = 1, .ep = 1, .etp = 1,     \
     .zero = 0, .micro_batches = 0, .precision = LLMCOST_PREC_BF16, .optimizer = 0,                             \
     .recompute = LLMCOST_RECOMPUTE_NONE, .attention = LLMCOST_ATTN_SDPA, .framework = LLMCOST_FW_HF,           \
     .headroom = 0.05, .context_gb = 816644096.0 / 1073741824.0}

extern const char *const cli_precision_choices[];
extern const char *const cli_optimizer_choices[];
extern const char *const cli_framework_choices[];
extern const char *const cli_act_cache_choices[];
extern const char *const cli_pipeline_choices[];
extern const char *const cli_ema_choices[];
extern const char *const cli_moe_dispatcher_choices[];
extern const char *const cli_cp_comm_choices[];

#define CLI_JOB_OPTIONS(o)                                                                                        \
    {"seq", OPT_SIZE, &(o).seq, "S", "tokens per sequence (default: the model's training length); 4k = 4096", NULL, \
     &(o).seq_given},                                                                                             \
    {"micro-batch", OPT_SIZE, &(o).micro_batch, "B", "sequences per micro-batch per GPU (default 1)", NULL, NULL},  \
    {"precision", OPT_CHOICE, &(o).precision, "P", "precision recipe (default bf16; fp16 for V100/T4)", cli_precision_choices, NULL}, \
    {"optimizer", OPT_CHOICE, &(o).optimizer, "O", "optimizer (default adamw)", cli_optimizer_choices, NULL},      \
    {"recompute", OPT_CHOICE, &(o).recompute, "MODE", "activation recomputation (default none)",                  \
     cli_recompute_choices, NULL},                                                                                \
    {"attention", OPT_CHOICE, &(o).attention, "KIND", "attention kernel generation (default sdpa: as PyTorch dispatches it on the GPU)", cli_attention_choices,   \
     NULL},                                                                                                       \
    {"framework", OPT_CHOICE, &(o).framework, "F", "implementation profile (default hf)", cli_framework_choices,   \
     NULL},                                                                                                       \
    {"gpus", OPT_COUNT, &(o).gpus, "N", "GPUs in the job (default tp x pp x cp x dp)", NULL, NULL},               \
    {"tp", OPT_COUNT, &(o).tp, "N", "tensor-parallel degree (default 1)", NULL, NULL},                            \
    {"pp", OPT_COUNT, &(o).pp, "N", "pipeline stages (default 1)", NULL, NULL},                                  \
    {"vpp", OPT_COUNT, &(o).vpp, "N", "virtual stages per GPU, interleaved 1F1B (default 1)", NULL, NULL},       \
    {"dp", OPT_COUNT, &(o).dp, "N", "data-parallel degree (default: GPUs / (tp x pp x cp), else 1)", NULL, NULL},  \
    {"cp", OPT_COUNT, &(o).cp, "N", "context-parallel degree (default 1)", NULL, NULL},                           \
    {"ep", OPT_COUNT, &(o).ep, "N",                                                                               \
     "expert-parallel degree (default 1); divides tp x cp x dp: may span TP ranks (MoE parallel folding)", NULL,    \
     NULL},                                                                                                       \
    {"etp", OPT_COUNT, &(o).etp, "N",                                                                             \
     "expert tensor-parallel degree (default 1; Megatron-LM's default is tp); ep x etp divides tp x cp x dp", NULL, \
     NULL},                                                                                                       \
    {"zero", OPT_NONNEG, &(o).zero, "STAGE", "ZeRO stage over data parallelism: 0-3, 3 = FSDP (default 0)", NULL,  \
     NULL},                                                                                                       \
    {"grad-accum", OPT_COUNT, &(o).micro_batches, "N", "micro-batches per step per pipeline (gradient accumulation)", \
     NULL, NULL},                                                                                                 \
    {"micro-batches", OPT_COUNT, &(o).micro_batches, "N", "the same as --grad-accum", NULL, NULL},                \
    {"global-batch", OPT_STRING, &(o).global_batch, "TOKENS",                                                    \
     "tokens per optimizer step (4M = 2^22), or SEQUENCESxLENGTH (15360x4096); instead of --grad-accum", NULL,   \
     NULL},                                                                                                       \
    {"ep-overlap", OPT_FLAG, &(o).ep_overlap, NULL,                                                              \
     "expert all-to-all as DeepSeek-V3 runs it: behind another micro-batch's compute (DualPipe), its kernels on "  \
     "20 SMs, each token once per node over the network, then forwarded over NVLink",                            \
     NULL, NULL},                                                                                                 \
    {"moe-shared-expert-overlap", OPT_FLAG, &(o).moe_shared_expert_overlap, NULL,                                \
     "the shared expert's GEMMs beside the token dispatch and combine (Megatron-Core's; alltoall dispatcher, not "  \
     "with --ep-overlap)", NULL, NULL},                                                                           \
    {"tp-overlap", OPT_FLAG, &(o).tp_overlap, NULL,                                                              \
     "tensor-parallel collectives chunked behind the GEMMs (Transformer Engine userbuffers' defaults)", NULL,      \
     NULL},                                                                                                       \
    {"headroom", OPT_FRACTION, &(o).headroom, "F", "fraction of GPU memory kept free (default 0.05)", NULL, NULL}, \
    {"cuda-context-gb", OPT_REAL, &(o).context_gb, "X",                                                          \
     "CUDA context and libraries, GiB (default 0.76, measured on an H200)", NULL, NULL},                          \
    {"bf16-grads", OPT_FLAG, &(o).bf16_grads, NULL, "bf16-master: keep gradients in bf16 (default fp32)", NULL,    \
     NULL},                                                                                                       \
    {"foreach-optimizer", OPT_FLAG, &(o).foreach_opt, NULL, "AdamW's foreach implementation (a state-sized temporary)", \
     NULL, NULL},                                                                                                 \
    {"sequence-parallel", OPT_FLAG, &(o).sp, NULL, "shard norms and dropout over tp (Megatron's default)", NULL,  \
     NULL},                                                                                                       \
    {"no-sequence-parallel", OPT_FLAG, &(o).no_sp, NULL, "tensor parallelism without sequence parallelism", NULL, \
     NULL},                                                                                                       \
    {"act-cache", OPT_CHOICE, &(o).act_cache, "MODE", "how Linear inputs are cached for backward (default recipe; " \
     "fp8-tile: DeepSeek-V3's)", cli_act_cache_choices, NULL},                                                   \
    {"recompute-every", OPT_NONNEG, &(o).recompute_every, "N",                                                  \
     "with --recompute full, recompute only every N-th layer (layers N-1, 2N-1, ...), the others keep all they "    \
     "save (torchtitan's selective_ac_option N; default every layer)", NULL, NULL},                               \
    {"ddp-bucket-size", OPT_NONNEG, &(o).ddp_bucket_size, "N",                                                  \
     "parameters per data-parallel gradient bucket, ZeRO 0-2 (Megatron-LM's --ddp-bucket-size; default the "        \
     "framework's: Megatron max(40M, 1M x dp x cp), DDP 25 MiB, DeepSpeed 5e8)", NULL, NULL},                     \
    {"recompute-modules", OPT_STRING, &(o).recompute_modules, "LIST",                                            \
     "modules recomputed in backward: layernorm,mla_up_proj,moe_act (Megatron-LM's names)", NULL, NULL},          \
    {"pipeline", OPT_CHOICE, &(o).pipeline, "SCHED", "pipeline schedule (default 1f1b)", cli_pipeline_choices,     \
     NULL},                                                                                                       \
    {"ema", OPT_CHOICE, &(o).ema, "WHERE", "EMA of the weights (default none; gpu: an fp32 copy; cpu: no GPU bytes)", \
     cli_ema_choices, NULL},                                                                                     \
    {"cp-comm", OPT_CHOICE, &(o).cp_comm, "IMPL",                                                              \
     "context parallelism as Megatron-Core's --cp-comm-type: ring attention, each send behind a block (default), " \
     "keys and values all-gathered, exposed (Llama 3), DeepSpeed-Ulysses' head all-to-all, exposed, or torch: "  \
     "PyTorch's context_parallel (torchtitan), the all-gather behind the first block, gradients round the ring", \
     cli_cp_comm_choices, NULL},                                                                                  \
    {"moe-dispatcher", OPT_CHOICE, &(o).moe_dispatcher, "D",                                                    \
     "MoE token dispatcher, Megatron-Core's (default alltoall; allgather: all-gather the EP group's tokens; "     \
     "deepep: the flex dispatcher on DeepEP, once per node, bf16, exposed unless --ep-overlap)",                  \
     cli_moe_dispatcher_choices, NULL},                                                                          \
    {"moe-capacity-factor", OPT_REAL, &(o).moe_capacity_factor, "CF",                                           \
     "drop and pad to ceil(CF x tokens x top-k / experts) per expert, padding computed (default: dropless)",      \
     NULL, NULL},                                                                                                 \
    {"chunked-loss", OPT_COUNT, &(o).chunked_loss, "N",                                                          \
     "cross-entropy over N chunks of the tokens, one upcast to fp32 at a time (torchtune's CEWithChunkedOutputLoss)", \
     NULL, NULL},                                                                                                 \
    {"optimizer-in-backward", OPT_FLAG, &(o).optimizer_in_backward, NULL,                                        \
     "step each parameter as its gradient is made and free the gradient (needs --grad-accum 1)", NULL, NULL},     \
    {"activation-offload", OPT_FLAG, &(o).activation_offload, NULL,                                              \
     "keep the layers' saved tensors in host memory between forward and backward (torchtune's)", NULL, NULL},     \
    {"compile", OPT_FLAG, &(o).compile, NULL,                                                                    \
     "torch.compile: the compiled loss keeps its input, not fp32 log-probabilities (layers as eager)", NULL, NULL}, \
    CLI_FINETUNE_OPTIONS((o).ft)

void cli_job_apply(llmcost_layout *out, const cli_job_opts *o);
/* The memory engine's options for the job (defaults for what the job options do not set). */
void cli_job_memory_options(llmcost_memory_options *out, const cli_job_opts *jo);
/* "msg" (a library message naming a job's fields, "layout.tp = 3 does not ...") with the fields turned into
 * this command line's flags ("--tp 3 does not ..."), into "buf". */
void cli_job_message(char *buf, size_t n, const char *msg);
/* "one GPU" or "64 GPUs: tp 8 x pp 2 x cp 1 x dp 4, ep 1, ZeRO-1, sequence parallel". */
void cli_job_describe(char *buf, size_t n, const llmcost_layout *l);

/* The job options as the library's job spec (request.h); text fields point into "jo". */
void cli_job_spec(llmcost_job_spec *s, const cli_job_opts *jo);

/* Prints the library's last error with its field names turned into flags; returns the bad-input exit status. */
int cli_job_error(const char *cmd);

/*
 * The job of the job options for model "m": every default filled (printed in "assumed", one per line, with the
 * exact batch used), the global batch rounded to whole micro-batch rounds (the rounding printed), and checked by
 * llmcost_job_validate (its message turned into flags). Returns 0 or the exit status after printing the error.
 */
int cli_job_build(llmcost_job *out, cli_job_opts *jo, const llmcost_model *m, const char *cmd, char *assumed,
                  size_t size);

/*
 * Does the job fit "gpu"? Text: "fits h100: peak 61.2 GiB of 75.2 GiB usable", or a warning on stderr and a line
 * naming the changes that make it fit; JSON ("doc" not NULL): fits, peak_bytes, capacity_bytes, required_bytes,
 * usable_bytes and fixes. Returns 0 or the exit status after printing the error.
 */
/* The --global-batch of "jo" in tokens (0: not given); SEQUENCESxLENGTH also sets jo->seq. Returns 0 or the exit
 * status after printing the error. */
int cli_job_batch_tokens(cli_job_opts *jo, const char *cmd, double *tokens);
/* The library's JSON text (freed) as a document to add to, whole (schema_version and model kept); NULL after
 * printing the error. */
json_t *cli_json_document(int rc, char *text);
/* A warning (stderr and a line) when the pipeline bubble exceeds 25% of the step. */
void cli_bubble_warning(const llmcost_step *s, const llmcost_job *j, int format);
/* The flags that turn job "a" into job "b" ("--tp 8 --dp 64 --recompute full"). */
void cli_job_changes(char *buf, size_t n, const llmcost_job *a, const llmcost_job *b);
/* The fit of job "j" on "gpu": a warning on stderr when it does not fit; without "doc", a note with the fit or the
 * changes that make it fit; with "doc" (a step or train document from the library, freed), that document with the
 * library's fit keys (llmcost_job_fit_to_json) printed. */
int cli_job_fit(const llmcost_model *m, const llmcost_gpu *gpu, const llmcost_job *j, int format, char *doc);

/*
 * Step options from the job options and the extras, for model "m" (layout checked against it). "assumed"
 * receives the defaults that were assumed, one per line. Returns 0 or the exit status after printing the error.
 */
int cli_job_step_options(llmcost_step_options *out, cli_job_opts *jo, const llmcost_model *m, const char *cmd,
                         char *assumed, size_t size);

/* Commands. */
int cmd_report(int argc, char **argv);
int cmd_params(int argc, char **argv);
int cmd_models(int argc, char **argv);
int cmd_flops(int argc, char **argv);
int cmd_memory(int argc, char **argv);
int cmd_validate(int argc, char **argv);
/* The memory section of memory and report. */
int cli_memory_section(const llmcost_model *m, const llmcost_memory_options *o, const llmcost_gpu *gpu,
                       double headroom, int format, json_t *doc, bool brief);
/* The same for job "job" itself (its fine-tuning included; "o" its memory options). */
int cli_memory_section_job(const llmcost_model *m, const llmcost_memory_options *o, const llmcost_gpu *gpu,
                           double headroom, int format, json_t *doc, bool brief, const llmcost_job *job);
int cmd_gpus(int argc, char **argv);
int cmd_step(int argc, char **argv);
int cmd_train(int argc, char **argv);

/* Step output shared by step, train and report. */
int cli_print_step(const llmcost_step *s, const llmcost_model *m, const llmcost_gpu *g, const llmcost_step_options *o,
                   int format);
void cli_setup_describe(char *buf, size_t n, const llmcost_step_options *o, const llmcost_step *s);
void cli_step_assumptions(char *buf, size_t n, const llmcost_gpu *g, const llmcost_step_options *o,
                          const char *overrides);
void cli_print_assumptions(int format, const char *lines);

/* The step/cost section of `llmcost report`, printed from the library's report "r" on "gpu". */
int cli_step_section(const llmcost_report *r, const llmcost_gpu *gpu, int format);
int cmd_scaling(int argc, char **argv);
int cmd_budget(int argc, char **argv);
int cmd_plan(int argc, char **argv);

/* The course's interface (llmcost --model_config FILE --training_budget DOLLARS), dispatched from main(). */
int cli_course(int argc, char **argv);
/* True when argv[1] is one of the course's flags. */
bool cli_is_course(const char *arg);
/* "x" as Python's repr(float) writes it ("5.616e+23", "47476210890.12571"), as the course's script printed. */
void cli_python_float(char *buf, size_t size, double x);

/* Sections commands share (params, flops and memory print them alone, report all together). With --format
 * json they nest the library's document (llmcost_X_to_json) in "doc" under their name, or print it as it is
 * when "doc" is NULL. The params section, used by params and report: */
int cli_params_section(const llmcost_model *m, int format, json_t *doc);
/* The params section with what trains and what stays frozen under "ft" (params --finetune, report); "assumed": the
 * defaults taken, one per line (may be NULL). */
/* framework: an llmcost_framework, the storage shown (llmcost_finetune_count_framework). */
int cli_finetune_params_section(const llmcost_model *m, const llmcost_finetune *ft, const char *assumed, int format,
                                int framework);
int cli_model_section(const llmcost_model *m, int format);

/* Choosing a scaling law: --law NAME|FILE.json, with --E/--A/--B/--alpha/--beta overriding constants. */
typedef struct cli_law_flags {
    const char *law;  /* --law, or NULL */
    const char *dflt; /* bundled law used without --law */
    const double *E, *A, *B, *alpha, *beta; /* NULL when not given */
} cli_law_flags;
/* Fills "out"; prints the error and returns 2 on a bad choice. */
int cli_law_pick(llmcost_law *out, const char *cmd, const cli_law_flags *f);
/* "L = 1.69 + 406.4/N^0.34 + 410.7/D^0.28" */
void cli_law_formula(char *buf, size_t n, const llmcost_law *l);
/* The report's scaling section: each law's compute-optimal tokens and loss at the model's size. */
int cli_scaling_section(const llmcost_model *m, int format, json_t *doc);

/* A budget library message ("gpus: 'z9000' is not in the GPU catalogue") printed with the budget command's flags
 * ("--gpu: ..."): a usage error (exit 2, with the help hint) when it names a flag, else as cli_lib_error(). */
int cli_budget_error(int rc);

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
