/* report.h - `llmcost report`: everything llmcost knows about a model and a job on a GPU, as one result and one
 * JSON document, computed by the library so that the CLI only prints it and a binding gets the same document.
 *
 *   llmcost_report_options o; llmcost_report_options_init(&o);   o.notes = the job's assumption lines
 *   llmcost_report_compute(&r, model, gpu, &job, &o)              the sections' options and the priced job
 *   llmcost_report_result_to_json(&text, r, model, gpu)           the document of `llmcost report --format json`
 *   llmcost_report_free(r)
 * or, in one call, llmcost_report_to_json(&text, model, gpu, &job, &o).
 *
 * The document: "model" (llmcost_model_to_json), "params", "flops", "memory", "scaling" (each the document of
 * its own command without its schema_version and model) and "step_cost": the time and cost of a step on the GPU
 * under both implementation profiles (hf, megatron), and of a compute-optimal run of 20 tokens per parameter
 * (Hoffmann et al. 2022), for a job that fits the GPU (see llmcost_report_basis); "finetune_fit": what fits on one
 * GPU of a common size (24, 48 and 80 GB) under full fine-tuning, LoRA and QLoRA (llmcost_report_ft_fit).
 * A job with memory savers (--compile, --chunked-loss, --optimizer-in-backward, --activation-offload, a paged
 * optimizer) is reported with them in every section; the megatron profile without the eager ones (said in
 * "savers_note", JSON step_cost.assumptions and each profile's "memory_savers").
 */
#ifndef LLMCOST_REPORT_H
#define LLMCOST_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common.h"
#include "flops.h"
#include "hardware.h"
#include "job.h"
#include "memory.h"
#include "model.h"
#include "plan.h"
#include "step.h"

#ifdef __cplusplus
extern "C" {
#endif

#define LLMCOST_REPORT_OPTIONS_VERSION 1

typedef struct llmcost_report_options {
    unsigned int version;  /* LLMCOST_REPORT_OPTIONS_VERSION */
    const char *notes;     /* the job's assumption lines (llmcost_job_spec_resolve's "notes"), one per line; NULL:
                              none. Copied. */
    int sequence_parallel; /* as llmcost_job_spec's: -1 each profile's default (on with tp > 1 under megatron,
                              off under hf), 0 off, 1 on (with tp > 1) */
} llmcost_report_options;

/* Fills "o" with the defaults (no notes, sequence_parallel -1). 0, or LLMCOST_EINVAL for NULL. */
int llmcost_report_options_init(llmcost_report_options *o);

/* Which job the step_cost section prices. */
typedef enum {
    LLMCOST_REPORT_GIVEN,    /* the job given: it fits the GPU */
    LLMCOST_REPORT_CHANGED,  /* the job given does not fit: the job found by llmcost_job_make_fit() (the fit's
                                changes applied greedily; a layout that fits, not the fastest) */
    LLMCOST_REPORT_UNFIT,    /* the job given does not fit and no change tried fits: priced as given */
    LLMCOST_REPORT_PLANNED,  /* the job given is one GPU and does not fit it: the planner's best layout (plan.h,
                                objective time) on the default cluster, "cluster_gpus" GPUs of the report's type:
                                the smallest on which a layout of the job fits, the one GPU (recomputation and
                                micro-batch searched), else a power of two from 8 up to LLMCOST_REPORT_MAX_GPUS (its sequence, global batch, precision, optimizer, attention kernel,
                                framework, headroom, CUDA context and memory mechanisms kept; the layout, ZeRO stage,
                                micro-batch, recomputation, sequence parallelism and overlaps searched) */
    LLMCOST_REPORT_BASIS_COUNT
} llmcost_report_basis;

/* The largest default cluster the report plans on (the 16,384 H100 of Llama 3's pre-training). */
#define LLMCOST_REPORT_MAX_GPUS 16384

/* The profiles a report prices: eager PyTorch (the job's own eager profile: hf, torchtune or litgpt; hf for a
 * megatron job) and megatron (fused kernels). */
#define LLMCOST_REPORT_PROFILES 2

/* The step and a compute-optimal run under one implementation profile. */
typedef struct llmcost_report_profile {
    llmcost_framework framework;
    bool sequence_parallel;         /* as priced */
    double step_seconds;            /* llmcost_step_compute's */
    double tokens_per_second;       /* over the job's GPUs */
    double mfu;
    double usd_per_billion_tokens;  /* 1e9 / (tokens/s per GPU) / 3600 x price per GPU-hour */
    double chinchilla_gpu_hours;    /* chinchilla_tokens / (tokens/s per GPU) / 3600 */
    double chinchilla_cost_usd;     /* chinchilla_gpu_hours x price per GPU-hour */
} llmcost_report_profile;

/* One cell of the report's fine-tuning table: a method on one GPU of a common size (24, 48, 80 GB). */
typedef struct llmcost_report_ft_fit {
    const char *gpu;                /* the catalogue's name: rtx-4090 (24 GB), l40s (48 GB), h100 (80 GB) */
    double capacity_bytes;
    llmcost_finetune_method method; /* full, lora, qlora */
    bool available;                 /* false: the engines refuse the job (no LoRA targets known for the type, ...) */
    bool fits;                      /* at micro-batch 1 (predicted reserve + CUDA context within capacity less the
                                       job's headroom, as `llmcost memory`) */
    int64_t max_micro_batch;        /* the largest micro-batch that fits (0: none) */
    double peak_bytes;              /* at micro-batch 1 (llmcost_job_memory's) */
    double reserved_bytes;
    int64_t trainable_params;
} llmcost_report_ft_fit;

/* Cells of the fine-tuning table: three methods on three GPUs. */
#define LLMCOST_REPORT_FT_FITS 9

/* A report, allocated by llmcost_report_compute() and freed with llmcost_report_free(). */
typedef struct llmcost_report {
    unsigned int version;              /* 1 */
    llmcost_job given;                 /* the job given, validated */
    llmcost_job job;                   /* the job step_cost prices (validated): "given" unless basis says otherwise */
    llmcost_report_basis basis;
    llmcost_flops_options flops;       /* the FLOPs section: the given job's batch, sequence, kernel, recompute
                                          (the planned job's with basis LLMCOST_REPORT_PLANNED) */
    llmcost_memory_options memory;     /* the memory section: the given job (or the planned one) */
    double headroom;                   /* the job's, the memory section's fit test */
    int64_t max_micro_batch;           /* the largest micro-batch of the memory section's job that fits (0: none) */
    llmcost_job_fit_result fit;        /* of "job" on the GPU */
    llmcost_job_fit_result given_fit;  /* of "given" */
    double chinchilla_tokens;          /* 20 x the total parameters (Hoffmann et al. 2022) */
    double price_per_hour;             /* the GPU's, per GPU-hour */
    int n_profiles;                    /* LLMCOST_REPORT_PROFILES */
    llmcost_report_profile profiles[LLMCOST_REPORT_PROFILES]; /* the eager profile, megatron */
    char *fit_note;                    /* "" or why "job" is not "given" (one line) */
    char *notes;                       /* the options' notes (a copy; "" when none) */
    /* basis LLMCOST_REPORT_PLANNED (else zero): */
    int64_t cluster_gpus;              /* the default cluster searched */
    llmcost_plan_options plan;         /* the search (plan.gpu_types points to "plan_gpu") */
    llmcost_gpu plan_gpu;
    llmcost_plan_layout planned;       /* its best layout: what "job" runs */
    char *plan_args;                   /* the `llmcost plan MODEL` flags of that search ("" otherwise) */
    /* Added later: fine-tuning (issue 19). A job with LoRA / QLoRA adapters is reported with them: the params
     * section shows what trains and what stays frozen, the memory section sizes the memory section's job with its
     * adapters, the step is timed with them and a planned layout searched with them. */
    llmcost_job memory_job;            /* the memory section's job ("given", or the planned one), fine-tuning included */
    llmcost_job ft_job;                /* the fine-tuning table's job: the given one on one GPU at micro-batch 1 (its
                                          sequence, precision, optimizer, attention, framework, recomputation) */
    llmcost_finetune ft_adapters;      /* the table's LoRA: the given job's adapters, else rank 8 on PEFT's default
                                          targets for the type (all-linear when PEFT has none) */
    int n_ft_fits;                     /* LLMCOST_REPORT_FT_FITS: method-major (full, lora, qlora) x GPU */
    llmcost_report_ft_fit ft_fits[LLMCOST_REPORT_FT_FITS];
    /* Added later (issue 16 point 5): the GEMM rate the step section assumes on the GPU, one line ("large GEMMs on
     * a100-80gb at 81% of peak: the H200 fit 75% x its measured max achievable matmul 86.9% / the H200's 80.3% ..."). */
    char gemm_note[512];
    /* Added later (issue 19): the memory savers (job.h version 4: chunked loss, optimizer in backward, activation
     * offload, compile; and the paged optimizers). Every figure the report computes for the job takes the given
     * job's savers: the memory section (as `llmcost memory` with the same flags), the eager profile's step (as
     * `llmcost step`), the fine-tuning table's cells and a planned layout's search. Megatron-LM has none of the
     * eager savers (the engines refuse them under framework megatron): the megatron row is priced without them
     * (a paged optimizer kept), and says so. */
    bool savers;                       /* the given job has memory savers */
    bool megatron_without_savers;      /* the megatron row dropped the job's chunked loss, optimizer in backward,
                                          activation offload or compile */
    char *savers_note;                 /* "" or the savers' assumption lines (one per line): the eager step's
                                          host-link, paging and hook times (llmcost_step_savers_assumptions) and
                                          what the megatron row leaves out */
    char savers_flags[256];            /* the given job's savers as their flags ("--chunked-loss 8 --compile";
                                          "" when none) */
} llmcost_report;

/*
 * The report of model "m" with job "job" (from llmcost_job_spec_resolve(); validated again here) on "gpu": each
 * section's options, the fit of the job, and when it does not fit the job step_cost prices instead (basis), the
 * step of that job under both profiles, the compute-optimal run. With basis LLMCOST_REPORT_PLANNED the FLOPs and
 * memory sections describe the planned job too, and both profiles time its layout as the planner chose it
 * (sequence parallelism and overlaps included), so the profile of the job's framework is the plan's best. *out is freed with llmcost_report_free().
 * Fails with the engines' errors (llmcost_job_validate's naming the job's fields).
 */
int llmcost_report_compute(llmcost_report **out, const llmcost_model *m, const llmcost_gpu *gpu,
                           const llmcost_job *job, const llmcost_report_options *o);

void llmcost_report_free(llmcost_report *r);

/* The document `llmcost report --format json` prints for report "r" of "m" on "gpu" (the GPU it was computed
 * with); *out is freed with llmcost_free(). */
int llmcost_report_result_to_json(char **out, const llmcost_report *r, const llmcost_model *m,
                                  const llmcost_gpu *gpu);

/* llmcost_report_compute() and llmcost_report_result_to_json() in one call. */
int llmcost_report_to_json(char **out, const llmcost_model *m, const llmcost_gpu *gpu, const llmcost_job *job,
                           const llmcost_report_options *o);

#ifdef __cplusplus
}
#endif

#endif
