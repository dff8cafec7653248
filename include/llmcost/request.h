/* request.h - a job, a GPU and a whole command stated by name, the way a front end states them, and resolved by
 * the library: the CLI and the Python binding read the same arguments the same way and get the same answer.
 *
 *   llmcost_job_spec s; llmcost_job_spec_init(&s);        the job as given: 0 / NULL / -1 leave a default
 *   llmcost_job_spec_set(&s, "global_batch", "4M")         or set the fields directly
 *   llmcost_job_spec_resolve(&job, &s, model, notes, n)    the defaults filled (the default sequence, the published
 *                                                          or default global batch, SEQUENCESxLENGTH, rounding to
 *                                                          whole micro-batch rounds), validated, each assumption
 *                                                          one line in "notes"
 *   llmcost_gpu_spec_resolve(&gpu, catalog, &g, "h100", dtype, overrides, n)   the GPU and its overrides
 *   llmcost_request(&json, "step", "{\"model\": \"llama-3-8b\", \"gpu\": \"h100\", \"seq\": \"4k\"}")
 *                                                          exactly what `llmcost step llama-3-8b --gpu h100
 *                                                          --seq 4k --format json` prints
 *
 * Messages name the arguments as llmcost_request() takes them: the CLI's flags with underscores (micro_batch,
 * global_batch, tp), or the job's fields (layout.tp) for llmcost_job_spec_resolve(), which
 * llmcost_job_message_names() turns into either form.
 */
#ifndef LLMCOST_REQUEST_H
#define LLMCOST_REQUEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common.h"
#include "finetune.h"
#include "hardware.h"
#include "job.h"
#include "model.h"
#include "plan.h"
#include "step.h"
#include "train.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A training job as a front end gives it. Counts are 0 when not given unless said otherwise. */
typedef struct llmcost_job_spec {
    unsigned int version;     /* LLMCOST_JOB_SPEC_VERSION (llmcost_job_spec_init) */
    long long seq;            /* tokens per sequence; 0: the model's training length, else 4096 (noted) */
    long long micro_batch;    /* sequences per micro-batch per GPU (1) */
    long long gpus, tp, pp, vpp, dp, cp, ep, etp; /* layout: gpus and dp 0 = derived; the degrees 1 */
    long long zero;           /* ZeRO stage 0-3 (0) */
    long long grad_accum;     /* micro-batches per step per pipeline; 0: from the global batch */
    int precision, optimizer, recompute, attention, framework; /* the library's enums (bf16, adamw, none, sdpa, hf) */
    int sequence_parallel;    /* -1: Megatron's default (on with tp > 1 under the megatron profile); 0 off; 1 on */
    const char *global_batch; /* tokens per step ("4M" = 2^22) or SEQUENCESxLENGTH ("15360x4096"), text the
                                 caller keeps alive; NULL: the published batch of the model, else 2^22 tokens */
    bool ep_overlap, tp_overlap, bf16_grads, foreach_optimizer;
    double headroom;          /* fraction of GPU memory kept free (0.05) */
    double cuda_context_gb;   /* CUDA context and libraries, GiB (816644096 bytes, measured on an H200) */
    /* Memory mechanisms (memory.h; DeepSeek-V3 arXiv 2412.19437 §3.2-3.3), added at the end: */
    int act_cache, pipeline, ema; /* llmcost_act_cache, llmcost_pipeline, llmcost_ema (0: recipe, 1f1b, none) */
    const char *recompute_modules; /* "layernorm,mla_up_proj,moe_act" (NULL: none), text the caller keeps alive */
    /* Version 2: fine-tuning (finetune.h), all 0 / NULL for pre-training. A version-1 spec is read without them. */
    int finetune;             /* llmcost_finetune_method: none, full, lora, qlora */
    int lora_variant;         /* llmcost_lora_variant: lora, dora */
    int quant;                /* llmcost_quant: none (QLoRA: nf4), nf4, fp4, int8, int4 */
    long long lora_rank;      /* 0: 8 */
    long long quant_group;    /* int4 group (0: 128) */
    double lora_alpha;        /* 0: 8 */
    const char *lora_targets; /* Hugging Face module names "q_proj,v_proj" or "all-linear"; NULL: PEFT's default */
    bool double_quant;
    /* Version 3: the MoE implementation (step.h): llmcost_moe_dispatcher (0 alltoall) and capacity factor (0:
     * dropless). A version-1 or -2 spec is read without them. */
    int moe_dispatcher;
    double moe_capacity_factor;
    /* Version 4: the memory savers (job.h): chunked_loss 0 = whole, the flags off. Versions 1-3 are read without
     * them. */
    long long chunked_loss;
    bool optimizer_in_backward, activation_offload, compile;
    /* Version 5: the adapters' training (finetune.h), 0 for the defaults. A version-1 to -4 spec is read without
     * them. */
    double lora_dropout;      /* lora_dropout in [0, 1) (0: none, PEFT's default) */
    int adapter_dtype;        /* 0 auto (the framework's: PEFT's fp32 under hf), 1 fp32, 2 bf16 */
    /* Version 6: the context-parallel implementation (step.h, llmcost_cp_comm: 0 p2p, 1 allgather, 2 a2a) and
     * per-layer checkpointing (job.h recompute_every: 0 every layer). A version-1 to -5 spec is read without them. */
    int cp_comm;
    long long recompute_every;
    /* Version 7: parameters per data-parallel gradient bucket (job.h ddp_bucket_size; 0: the framework's default).
     * A version-1 to -6 spec is read without it. */
    long long ddp_bucket_size;
    /* Version 7 too: Megatron-Core's --moe-shared-expert-overlap (job.h; false: off). */
    bool moe_shared_expert_overlap;
} llmcost_job_spec;

#define LLMCOST_JOB_SPEC_VERSION 7

/* Fills "s" with the defaults above. 0, or LLMCOST_EINVAL for NULL. */
int llmcost_job_spec_init(llmcost_job_spec *s);

/*
 * Sets the field "name" (micro_batch, seq, global_batch, grad_accum or micro_batches, tp, ..., precision, the
 * flags ep_overlap ...; the names of llmcost_job_spec_names) from "value" as typed: numbers with the CLI's
 * suffixes (seq "4k" = 4096, gpus "2K" = 2000), choices by name ("bf16-master"), flags "true"/"false". The text of
 * global_batch is kept by pointer. LLMCOST_EINVAL with a message naming "name" for a bad value; LLMCOST_ENOTFOUND
 * for an unknown name.
 */
int llmcost_job_spec_set(llmcost_job_spec *s, const char *name, const char *value);

/* The names llmcost_job_spec_set() knows, NULL-terminated. */
extern const char *const llmcost_job_spec_names[];

/*
 * The job of "s" for model "m": every default filled and said, one line each, appended to "notes" (may be NULL;
 * "size" bytes; the lines the CLI prints as "assumed:"), the global batch rounded to whole micro-batch rounds (the
 * rounding said), checked by llmcost_job_validate(). When the global batch is SEQUENCESxLENGTH, s->seq receives
 * its length; s->seq receives the default sequence when it was 0. LLMCOST_EINVAL with a message naming the
 * job's fields (global_batch, layout.zero, ...) otherwise.
 */
int llmcost_job_spec_resolve(llmcost_job *out, llmcost_job_spec *s, const llmcost_model *m, char *notes, size_t size);

/*
 * A global batch as job specs and requests write it: "SEQUENCESxLENGTH" sets *sequences and *length (whole numbers,
 * at least 1), anything else is TOKENS ("16M" = 2^24, binary suffixes) into *tokens (at least 1); the outputs the
 * form does not give are set to 0. LLMCOST_EINVAL naming global_batch. llmcost_job_spec_resolve() and
 * llmcost_request("plan") read it so.
 */
int llmcost_global_batch_parse(const char *text, double *sequences, double *length, double *tokens);

/*
 * The fine-tuning of "s" for model "m" (the targets read against the model's module names, llmcost_lora_targets_parse;
 * none given: PEFT's default for the model type), checked by llmcost_finetune_check; the defaults taken are said,
 * one line each, in "notes" (may be NULL). llmcost_job_spec_resolve() calls it. LLMCOST_EINVAL or
 * LLMCOST_EUNSUPPORTED naming the fields (lora_targets, quant, ...).
 */
int llmcost_job_spec_finetune(llmcost_finetune *out, const llmcost_job_spec *s, const llmcost_model *m, char *notes,
                              size_t size);

/*
 * The settings of "s" that a layout search keeps fixed into plan options "o" (from llmcost_plan_options_init):
 * precision, optimizer, attention kernel, framework, headroom, CUDA context and the memory mechanisms (act_cache,
 * pipeline, ema, bf16_grads, foreach_optimizer, recompute_modules) and the fine-tuning method, read as
 * llmcost_job_spec_resolve() reads them.
 * The layout degrees, batch and sequence stay the caller's. LLMCOST_EINVAL naming recompute_modules for a bad list.
 */
int llmcost_plan_options_from_spec(llmcost_plan_options *o, const llmcost_job_spec *s);

/*
 * The same for model "m", with the fine-tuning (o->finetune, options version 4) read as a job reads it
 * (llmcost_job_spec_finetune: the LoRA targets' module names against the model, the defaults taken said into
 * "notes", "size" bytes, one per line). llmcost_plan_options_from_spec, which has no model, fills the method and its
 * numbers (targets: the model type's default) and refuses lora_targets with LLMCOST_EUNSUPPORTED.
 * When the CP implementation is a ring (p2p, torch), o->cp is LLMCOST_PLAN_ANY or above 1 and a layer's sliding
 * window is shorter than o->seq (s->seq when 0), "notes" also says that the search refuses every layout with cp > 1
 * (rejected by "layout"), and why: set o->cp and o->seq before the call.
 */
int llmcost_plan_options_from_spec_model(llmcost_plan_options *o, const llmcost_job_spec *s, const llmcost_model *m,
                                         char *notes, size_t size);

/* The sequence length to use when none is given: the model's training length, else its positions when under
 * 4096, else 4096; "why" (n bytes) says which. */
int64_t llmcost_default_seq(const llmcost_model *m, char *why, size_t n);

/* The front end's names for the fields library messages use: */
typedef enum {
    LLMCOST_NAMES_ARGUMENTS, /* "layout.tp = 3 does not divide" -> "tp = 3 does not divide" (llmcost_request) */
    LLMCOST_NAMES_FLAGS      /* -> "--tp 3 does not divide" (the CLI) */
} llmcost_names;

/* "msg" with the job's field names (llmcost_job_fields) turned into the front end's "names", into "buf". */
void llmcost_job_message_names(char *buf, size_t n, const char *msg, llmcost_names names);

/* The flags that make fix "f" ("--zero 3", "--micro-batch 1 (--grad-accum 8)"), and the flags that turn job "a"
 * into job "b" ("--tp 8 --dp 64 --recompute full"), as the CLI and its JSON write them. */
void llmcost_fix_flags(char *buf, size_t n, const llmcost_fix *f);
void llmcost_job_changes(char *buf, size_t n, const llmcost_job *a, const llmcost_job *b);

/* A GPU as a front end gives it: a catalogue name and overrides (0: the catalogue's value). */
typedef struct llmcost_gpu_spec {
    unsigned int version;   /* LLMCOST_GPU_SPEC_VERSION */
    const char *gpu;        /* NULL: the caller's default */
    const char *price_list; /* NULL: the catalogue's on-demand price */
    double price, peak_tflops, memory_gb, memory_bw_gbps, tdp_watts, scaleup_gbps, scaleout_gbps;
    long long scaleup_size;
    /* Version 2: a board power cap in watts (nvidia-smi -pl; 0: none), applied after the overrides by
     * llmcost_gpu_power_cap(). A version-1 spec is read without it. */
    double power_cap_watts;
} llmcost_gpu_spec;

#define LLMCOST_GPU_SPEC_VERSION 2

int llmcost_gpu_spec_init(llmcost_gpu_spec *s);

/*
 * The GPU of "s" from catalogue "cat" (NULL: the bundled one): s->gpu, else "dflt"; with s->price_list's price
 * (and peak for precision "dt"), then the per-field overrides (peak_tflops replaces the peak of "dt"), then the
 * power cap (version 2: power_cap_watts > 0, llmcost_gpu_power_cap() on the overridden board power). "overrides"
 * (may be NULL) receives a one-line description of what was changed ("" when nothing). Fails with the lookup's
 * LLMCOST_ENOTFOUND (message "gpu: ..."), or LLMCOST_EINVAL naming price_list, scaleup_size or power_cap.
 */
int llmcost_gpu_spec_resolve(llmcost_gpu *out, const llmcost_catalog *cat, const llmcost_gpu_spec *s,
                             const char *dflt, llmcost_dtype dt, char *overrides, size_t size);

/* The peak a precision recipe's GEMMs use: fp32, fp8, bf16, or LLMCOST_DT_FP16_PEAK for fp16 (the GPU's fp16_flops,
 * which has no llmcost_dtype: the peaks array keeps its size). llmcost_gpu_spec_resolve() takes it as "dt". */
#define LLMCOST_DT_FP16_PEAK ((llmcost_dtype)LLMCOST_DT_COUNT)
llmcost_dtype llmcost_precision_dtype(llmcost_precision p);

/* The assumption lines of step and train (hardware, kernel model, communication), appended to "buf". */
void llmcost_step_assumptions(char *buf, size_t n, const llmcost_gpu *g, const llmcost_step_options *o,
                              const char *overrides);

/* The lines saying what the memory savers of a step cost (llmcost_job_step's host-link copies, paging and
 * per-parameter optimizer steps: docs/formulas.md "Memory savers: step time"), with their figures, appended to
 * "buf"; nothing when the step had none. Added in 1.7. */
void llmcost_step_savers_assumptions(char *buf, size_t n, const llmcost_step *s, const llmcost_job *j,
                                     const llmcost_gpu *g);

/* The assumption lines of train after the job's: an imposed MFU, the step's (llmcost_step_assumptions), price,
 * energy and goodput ("price_given": a price override was given; "pue_given", "grid_given": those were), appended
 * to "buf". */
void llmcost_train_assumptions(char *buf, size_t n, const llmcost_train *run, const llmcost_gpu *g,
                               const llmcost_train_options *o, const char *overrides, bool price_given, bool pue_given,
                               bool grid_given);

/*
 * The document "doc" (JSON text of llmcost_step_to_json or llmcost_train_to_json) with the fit of job "j" on
 * "gpu" added, as `llmcost step --format json` prints it: fits, peak_bytes, capacity_bytes, required_bytes,
 * usable_bytes, fixes, fits_on_these_gpus_with and nearest_fit (below). *out is freed with llmcost_free(); "*fits"
 * (may be NULL) receives whether it fits.
 */
int llmcost_job_fit_to_json(char **out, const char *doc, const llmcost_model *m, const llmcost_gpu *gpu,
                            const llmcost_job *j, bool *fits);

/*
 * The document "doc" (JSON text of llmcost_memory_to_json for job "j") as `llmcost memory --format json` prints
 * it: when the job does not fit "gpu", "nearest_fit" added, the planner's nearest fitting layout
 * (llmcost_job_fit_advice, plan.h) as an object of `llmcost plan`'s "layouts" (gpu, tp, pp, ..., step_seconds,
 * peak_bytes, step_flags, memory_flags) with "changes", its flags that differ from the job's. Absent when the job
 * fits or no layout of it on these GPUs does. *out is freed with llmcost_free().
 */
int llmcost_memory_fit_to_json(char **out, const char *doc, const llmcost_model *m, const llmcost_gpu *gpu,
                               const llmcost_job *j);

/*
 * Runs "command" with arguments "args_json" (a JSON object; keys the CLI's flags with underscores, values
 * strings as typed on the command line ("4k", "15.6T", "bf16-master"), numbers or booleans) and writes into *out
 * (freed with llmcost_free()) exactly what `llmcost COMMAND ... --format json` prints. The model is "model": a
 * preset name, a Hugging Face repo id, a config.json path or folder, or an object (a config.json's content);
 * default llama-7b. Commands: params, flops, memory, step, train (published: true for the published runs),
 * validate, load (the model as read: name, origin, notes, architecture), gpus, models, scaling (`llmcost scaling
 * laws`), fit (`llmcost scaling fit`: runs, the CSV file; bootstrap, seed, huber_delta, confidence; no save),
 * budget (no write_config: the library writes no file), plan (its document but for search_seconds, the
 * search's wall-clock), and those llmcost_request_commands lists. Returns 0, or a negative LLMCOST_E* code with llmcost_errmsg() naming the argument (one line); *out is
 * then NULL. Thread-safe: nothing is shared between calls.
 */
int llmcost_request(char **out, const char *command, const char *args_json);

/* The commands llmcost_request() runs, NULL-terminated. */
extern const char *const llmcost_request_commands[];

#ifdef __cplusplus
}
#endif

#endif
