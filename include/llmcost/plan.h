/* plan.h - the fastest (or cheapest) parallel layout that fits: an exhaustive search over the job's layout. */
#ifndef LLMCOST_PLAN_H
#define LLMCOST_PLAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "comms.h"
#include "flops.h"
#include "hardware.h"
#include "job.h"
#include "layout.h"
#include "memory.h"
#include "model.h"
#include "step.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * The planner enumerates every layout of a job on a cluster (GPU type, tp, pp, vpp, dp, cp, ep, expert tp, ZeRO
 * stage, micro-batch, recomputation, sequence parallelism, the two overlaps), keeps those the memory engine says
 * fit (the same test as `llmcost memory`: predicted reserve + CUDA context within capacity x (1 - headroom)), and
 * scores each with the step engine. Every figure it returns is what llmcost_memory_compute() and
 * llmcost_step_compute() return for that layout: there is no second model. Layouts the engines refuse are
 * rejected with their reason; layouts that cannot fit because a layout using less memory (a smaller micro-batch
 * or more recomputation, all else equal) already does not fit are rejected without evaluating them (the memory
 * engine's peak grows with the micro-batch and falls with recomputation; tests check it). ZeRO stages are not
 * pruned on: ZeRO-3's gathered weights can take more than ZeRO-2 saves.
 *
 * llmcost_plan_search() allocates the result's arrays; llmcost_plan_dispose() frees them.
 */

/* What the search minimises. */
typedef enum {
    LLMCOST_PLAN_TIME, /* step time (tokens per second, the batch being fixed) */
    LLMCOST_PLAN_COST,   /* dollars of the run: GPU-hours x price (needs tokens; with one GPU type, GPU-hours) */
    LLMCOST_PLAN_NEAREST /* fewest layout fields changed from options.reference, then step time */
} llmcost_plan_objective;

/* Why a layout was rejected. */
typedef enum {
    LLMCOST_PLAN_REJ_MEMORY, /* the per-GPU peak does not fit the GPU (evaluated or pruned) */
    LLMCOST_PLAN_REJ_BATCH,  /* the global batch does not split into whole micro-batches per replica */
    LLMCOST_PLAN_REJ_LAYOUT, /* an engine refuses the layout (a degree not dividing heads, experts or layers) */
    LLMCOST_PLAN_REJ_COUNT
} llmcost_plan_reject;

/* A dimension left to the search. */
#define LLMCOST_PLAN_ANY (-1)

/* Version 2 added the memory mechanisms at the end; a version-1 caller's options are read without them (off).
 * Version 3 added "catalog"; a version-1 or -2 caller's options are read without it (NULL).
 * Version 4 added "finetune"; an older caller's options are read without it (pre-training).
 * Version 5 added "moe_dispatcher", "moe_capacity_factor" and the memory savers ("chunked_loss" ... "compile");
 * an older caller's are read without them (alltoall, dropless, no savers).
 * Version 6 added "cp_comm" and "recompute_every"; an older caller's are read without them (p2p, every layer).
 * Version 7 added "gpu_file", "ddp_bucket_size" and "moe_shared_expert_overlap"; an older caller's are read
 * without them (no GPU file, the framework's default bucket, no shared-expert overlap). */
#define LLMCOST_PLAN_OPTIONS_VERSION 7

typedef struct llmcost_plan_options {
    unsigned int version;         /* LLMCOST_PLAN_OPTIONS_VERSION */
    const llmcost_gpu *gpu_types; /* candidate GPU types (caller-owned, n_gpu_types of them); price_per_hour prices */
    size_t n_gpu_types;
    int64_t gpus;                 /* GPUs in the job */
    int64_t seq;                  /* tokens per sequence */
    int64_t global_batch_tokens;  /* tokens per optimizer step; a multiple of seq */
    llmcost_plan_objective objective;
    double tokens;                /* > 0: price a run of this many tokens (gpu_hours, cost_dollars) */
    size_t top;                   /* layouts returned, best first (0: 10) */
    bool pareto;                  /* also return the Pareto front of step time, cost and memory headroom */
    int threads;                  /* 0: one per online core; 1: the calling thread only */
    /* The job, as `llmcost step` takes it. */
    llmcost_precision precision;
    llmcost_optimizer optimizer;
    llmcost_attn_impl attention;
    llmcost_framework framework;
    llmcost_comm_options comm;
    double headroom;              /* fraction of GPU memory kept free (0.05, as `llmcost memory`) */
    double cuda_context_bytes;    /* CUDA context, outside the peak (the memory engine's default) */
    /* Fixed dimensions: a value fixes it, LLMCOST_PLAN_ANY searches it. */
    int64_t tp, pp, vpp, dp, cp, ep, etp, micro_batch;
    int zero;                     /* 0-3 */
    int recompute;                /* llmcost_recompute */
    int sequence_parallel;        /* 0 or 1 (only with tp > 1) */
    int ep_overlap, tp_overlap;   /* 0 or 1 */
    /* Called now and then from the calling thread with the fraction of the search done (may be NULL). */
    void (*progress)(void *arg, double done);
    void *progress_arg;
    /* LLMCOST_PLAN_NEAREST: the layout to stay near (its layout, expert_tp, micro_batch, recompute are read). */
    const struct llmcost_plan_layout *reference;
    /* Version 2 (zero: off, as in llmcost_memory_options): fixed memory mechanisms the search does not vary; they
     * change memory only, as `llmcost memory --act-cache ... --recompute-modules ... --pipeline ... --ema ...`. */
    llmcost_act_cache act_cache;
    unsigned recompute_modules;   /* LLMCOST_RECOMPUTE_NORM | _MLA_UP | _MOE_ACT */
    llmcost_pipeline pipeline;
    llmcost_ema ema;
    bool bf16_grads;              /* bf16-master: gradients in bf16 (default fp32, as --bf16-grads) */
    bool foreach_optimizer;       /* AdamW's foreach implementation (as --foreach-optimizer) */
    /* The catalogue whose GPUs llmcost_plan_changes() tries as a bigger GPU (NULL: the process default; a caller's
     * from llmcost_catalog_new(), e.g. with a user GPU file merged in). Read only from version 3 on. */
    const llmcost_catalog *catalog;
    /* Version 4 (all zero: pre-training): the job's fine-tuning, fixed as given (finetune.h; targets 0: the model
     * type's PEFT default). Under LoRA / QLoRA each layout is sized as llmcost_job_memory sizes the job (the frozen
     * base in its storage format, the adapters with their gradients and optimizer states) and timed as
     * llmcost_job_step times it (no weight-gradient GEMMs of the frozen base, the adapters' GEMMs, dequantisation,
     * the optimizer and the gradient reduction over the trainable parameters only). */
    llmcost_finetune finetune;
    /* Version 5 (zero: alltoall, dropless): the MoE implementation, fixed as given and timed in every layout as
     * `llmcost step --moe-dispatcher ... --moe-capacity-factor ...` times it (Megatron-Core's; the memory engine
     * does not depend on it). */
    llmcost_moe_dispatcher moe_dispatcher;
    double moe_capacity_factor;
    /* Version 5 (zero: none): the memory savers, fixed as given (job.h; the eager profiles only): each layout is sized as
     * `llmcost memory --chunked-loss N --optimizer-in-backward --activation-offload --compile` sizes it (a layout
     * they make invalid, e.g. the optimizer in backward with more than one micro-batch, is rejected by "layout"),
     * and timed as `llmcost step` times them (llmcost_job_step: the host-link copies, the chunked loss's launches,
     * compile's fused element-wise kernels, the optimizer's hooks). */
    int64_t chunked_loss;
    bool optimizer_in_backward, activation_offload, compile;
    /* Version 6 (zero: p2p, every layer): the context-parallel implementation and per-layer checkpointing (job.h),
     * fixed as given: every layout is timed with that CP implementation (a2a layouts whose cp does not divide the
     * heads are refused by "layout"), and every layout the search gives full recomputation checkpoints every N-th
     * layer only, sized and timed as `llmcost memory` / `step --recompute full --recompute-every N` do it. */
    llmcost_cp_comm cp_comm;
    int64_t recompute_every;
    /* Version 7 (NULL: none): the GPU file merged into "catalog" (`llmcost plan --gpu-file FILE`), named in every
     * layout's printed flags (llmcost_plan_layout_flags: --gpu-file FILE) so that the printed command reads the same
     * GPU records; the search itself does not read it. */
    const char *gpu_file;
    /* Version 7 (zero: the framework's default): parameters per data-parallel gradient bucket (job.h), fixed as
     * given: every layout with ZeRO 0-2 reduces its gradients in buckets of that many parameters. */
    int64_t ddp_bucket_size;
    /* Version 7 too (false: off): Megatron-Core's --moe-shared-expert-overlap (step.h), fixed as given: every layout
     * runs the shared expert beside the all-to-all, and none takes --ep-overlap (Megatron-Core refuses the two
     * together). */
    bool moe_shared_expert_overlap;
} llmcost_plan_options;

#define LLMCOST_PLAN_OPTIONS_INIT                                                                               \
    {LLMCOST_PLAN_OPTIONS_VERSION, NULL, 0, 0, 0, 0, LLMCOST_PLAN_TIME, 0, 10, false, 0,                     \
     LLMCOST_PREC_BF16, LLMCOST_OPTIM_ADAMW, LLMCOST_ATTN_SDPA, LLMCOST_FW_HF, LLMCOST_COMM_OPTIONS_INIT, 0.05, \
     816644096.0, LLMCOST_PLAN_ANY, LLMCOST_PLAN_ANY, LLMCOST_PLAN_ANY, LLMCOST_PLAN_ANY, LLMCOST_PLAN_ANY,   \
     LLMCOST_PLAN_ANY, LLMCOST_PLAN_ANY, LLMCOST_PLAN_ANY, LLMCOST_PLAN_ANY, LLMCOST_PLAN_ANY,                \
     LLMCOST_PLAN_ANY, LLMCOST_PLAN_ANY, LLMCOST_PLAN_ANY, NULL, NULL, NULL,                \
     LLMCOST_CACHE_RECIPE, 0, LLMCOST_PIPE_1F1B, LLMCOST_EMA_NONE, false, false, NULL, LLMCOST_FINETUNE_INIT,     \
     LLMCOST_MOE_ALLTOALL, 0, 0, false, false, false, LLMCOST_CP_P2P, 0, NULL, 0, false}

/* Fills "opts" with the defaults of LLMCOST_PLAN_OPTIONS_INIT (for bindings that cannot use the macro). */
void llmcost_plan_options_init(llmcost_plan_options *opts);

/* What limits a layout most: the largest share of its step, grouped. */
typedef enum {
    LLMCOST_PLAN_BIND_COMPUTE, /* GEMMs, attention, element-wise work, launches, recomputation, optimizer */
    LLMCOST_PLAN_BIND_TP,      /* exposed tensor-parallel communication */
    LLMCOST_PLAN_BIND_CP,      /* exposed context-parallel communication */
    LLMCOST_PLAN_BIND_EP,      /* exposed expert all-to-all */
    LLMCOST_PLAN_BIND_PP,      /* pipeline sends */
    LLMCOST_PLAN_BIND_DP,      /* exposed data-parallel gradient reduction and ZeRO gathers */
    LLMCOST_PLAN_BIND_BUBBLE,  /* the pipeline bubble */
    LLMCOST_PLAN_BIND_COUNT
} llmcost_plan_bind;

/* One layout the search kept. */
typedef struct llmcost_plan_layout {
    size_t gpu_type;              /* index into the options' gpu_types */
    llmcost_layout layout;        /* resolved: gpus, tp, pp, vpp, dp, cp, ep, zero, sequence parallel, overlaps */
    int64_t expert_tp;
    int64_t micro_batch;          /* sequences per micro-batch */
    int64_t micro_batches;        /* per step per pipeline: global batch / (micro_batch x dp) */
    llmcost_recompute recompute;
    double step_seconds;          /* llmcost_step_compute's */
    double peak_bytes;            /* llmcost_memory_compute's peak allocated */
    double reserved_bytes;        /* ... and its predicted reserve, what the fit test compares */
    double usable_bytes;          /* capacity x (1 - headroom) - CUDA context */
    double headroom_bytes;        /* usable - reserved (>= 0: it fits) */
    double mfu;
    double tokens_per_second;
    double gpu_hours;             /* with options.tokens > 0 */
    double cost_dollars;          /* gpu_hours x the GPU type's price_per_hour */
    double bind_share;            /* the binding part's share of the step */
    llmcost_plan_bind binds;
    bool memory_bound;            /* the same layout with the next larger micro-batch or less recomputation does not fit */
} llmcost_plan_layout;

typedef struct llmcost_plan {
    int64_t evaluated;            /* layouts judged: feasible + every rejection */
    int64_t feasible;             /* layouts that fit */
    int64_t rejected[LLMCOST_PLAN_REJ_COUNT];
    int64_t memory_evaluations;   /* calls of the memory engine (the rest of the memory rejections were pruned) */
    int64_t step_evaluations;     /* step times computed */
    double seconds;               /* wall time of the search */
    int threads;                  /* threads it ran on */
    llmcost_plan_layout *layouts; /* best first, at most options.top */
    size_t n_layouts;
    llmcost_plan_layout *pareto;  /* with options.pareto: no other is faster, cheaper and has more headroom */
    size_t n_pareto;
} llmcost_plan;

/*
 * Searches the layouts of training "m" under "opts" (see above). Fails with LLMCOST_EINVAL naming the field for
 * bad options (no GPU type, gpus < 1, a global batch that is not whole sequences, a fixed degree out of range).
 * A search in which nothing fits succeeds with n_layouts = 0. "out" is emptied by llmcost_plan_dispose().
 */
int llmcost_plan_search(llmcost_plan *out, const llmcost_model *m, const llmcost_plan_options *opts);

/* Frees the arrays of "p" (NULL allowed). */
void llmcost_plan_dispose(llmcost_plan *p);

/*
 * The step and memory options the engines take for layout "l" of a search under "opts": what `llmcost step` and
 * `llmcost memory` build from the same flags. Either output may be NULL.
 */
void llmcost_plan_job_options(llmcost_step_options *step_out, llmcost_memory_options *memory_out,
                              const llmcost_plan_options *opts, const llmcost_plan_layout *l);

/*
 * The result as the JSON document `llmcost plan --format json` prints (see output.h for the conventions): the
 * counts, "rejected" by reason, "layouts" best first (gpu, tp, pp, vpp, dp, cp, ep, etp, zero, micro_batch,
 * recompute, sequence_parallel, step_seconds, peak_bytes, mfu, tokens_per_second, and gpu_hours and cost_dollars
 * when opts->tokens > 0, step_flags and memory_flags as llmcost_plan_layout_flags() writes them), "pareto" with
 * opts->pareto. "assumptions" (may be NULL): one per line. *out is freed with llmcost_free(). This document has no
 * "changes_that_fit"; llmcost_plan_result_to_json() adds it.
 */
int llmcost_plan_to_json(char **out, const llmcost_plan *p, const llmcost_model *m, const llmcost_plan_options *opts,
                         const char *assumptions);

/*
 * For a job that does not fit: the fitting layout nearest to it on the same GPU type and GPU count, sequence, global
 * batch, precision, optimizer, attention kernel and framework: of the layouts that fit, the one that changes the
 * fewest of tp, pp, vpp, cp, ep, expert_tp, ZeRO stage, micro-batch, recomputation and sequence parallelism, the
 * fastest of those. *found is false when no layout of the job fits. Fails with llmcost_job_validate()'s errors.
 */
int llmcost_plan_nearest(llmcost_plan_layout *out, bool *found, const llmcost_model *m, const llmcost_gpu *gpu,
                         const llmcost_job *job);

/* A change to a search in which nothing fits, found by searching again with it. */
typedef enum {
    LLMCOST_PLAN_MORE_GPUS,      /* "gpus": that many GPUs */
    LLMCOST_PLAN_BIGGER_GPU,     /* "gpu": that catalogue GPU (more memory) */
    LLMCOST_PLAN_SHORTER_SEQ,    /* "seq": sequences that long (the same tokens per step) */
    LLMCOST_PLAN_MORE_RECOMPUTE, /* "recompute": that recomputation (when it was fixed) */
    LLMCOST_PLAN_CP_ALLGATHER,   /* "cp_allgather": context parallelism by all-gather (--cp-comm allgather) on
                                    "gpus" GPUs (these, else 2, 4, ... 64 times as many) where a ring (p2p, torch)
                                    refuses the model's sliding windows */
    LLMCOST_PLAN_CHANGE_COUNT
} llmcost_plan_change_kind;

typedef struct llmcost_plan_change {
    llmcost_plan_change_kind kind;
    int64_t gpus, seq;
    llmcost_recompute recompute;
    char gpu[48];
    llmcost_plan_layout best;    /* the best layout after the change (best.gpu_type indexes nothing: see gpu) */
} llmcost_plan_change;

/*
 * What the fit reports of `llmcost memory`, `step` and `train` name for a job that does not fit "gpu", besides
 * llmcost_job_fit()'s one-change fixes: the changes together that fit on these GPUs (llmcost_job_make_fit), and the
 * planner's nearest fitting layout (llmcost_plan_nearest) with the flags that differ from the job's and the flags
 * that run it. For a job that fits every field is empty (has_nearest false). Fails with llmcost_job_fit()'s errors.
 * A nearest layout is searched within 1, 2, ... changes of the job, so that it costs milliseconds when few changes
 * suffice; the answer is the whole search's (a test compares them).
 */
typedef struct llmcost_fit_advice {
    char together[512];              /* "--pp 2 --dp 4 --zero 3 --recompute full", or "" when none was found */
    bool has_nearest;                /* a layout of the job on these GPUs fits */
    llmcost_plan_layout nearest;     /* that layout (gpu_type 0: "gpu"), as llmcost_plan_nearest() returns it */
    char nearest_changes[512];       /* its flags that differ from the job's: "--pp 8 --recompute full" */
    char nearest_step_flags[1024];   /* llmcost_plan_layout_flags() for `llmcost step` */
    char nearest_memory_flags[1024]; /* ... and for `llmcost memory` */
    /* Added in 1.7: when no layout fits on these GPUs (has_nearest false), the smallest change that makes one fit,
     * as llmcost_plan_changes() finds it for the same search (more GPUs first, then a bigger GPU, shorter sequences,
     * more recomputation), and the `llmcost step` flags of its best layout. */
    bool has_change;
    llmcost_plan_change change;
    char change_step_flags[1024];
} llmcost_fit_advice;

int llmcost_job_fit_advice(llmcost_fit_advice *out, const llmcost_model *m, const llmcost_gpu *gpu,
                           const llmcost_job *job);

/*
 * The smallest change of each kind that makes something fit a search in which nothing does: the GPU count doubled
 * up to 64 times, the catalogue's GPUs with more memory than the largest candidate (smallest first), the sequence
 * halved down to 1/16 (same tokens per step), full recomputation where a lighter one was fixed, and all-gather context
 * parallelism where the ring (cp_comm p2p or torch) refuses the model's sliding windows with cp > 1. *out (freed with
 * llmcost_free()) receives *n changes, at most one of each kind; none when no change found works. When the first
 * candidate type is power-capped (llmcost_gpu_power_cap: clock_fraction below 1), a bigger GPU runs under the same
 * cap in watts, and one the cap cannot apply to is not offered.
 */
int llmcost_plan_changes(llmcost_plan_change **out, size_t *n, const llmcost_model *m, const llmcost_plan_options *opts);

/*
 * The words naming change "c", as `llmcost plan` lists it when nothing fits and the fit reports of `llmcost memory`,
 * `step` and `train` name it: "16 h100 GPUs", "a bigger GPU, h200", "sequences of 2048", "full recomputation"; with
 * "with_flag" the flag that makes it follows in parentheses ("16 h100 GPUs (--gpus)"). Into "buf" of "n" bytes;
 * fails with LLMCOST_EINVAL on a NULL argument or an unknown kind, LLMCOST_EOVERFLOW when the words do not fit.
 * Added in 1.7 (after llmcost_fit_advice's change).
 */
int llmcost_plan_change_words(char *buf, size_t n, const llmcost_plan_change *c, bool with_flag);

/*
 * Exactly what `llmcost plan --format json` prints: llmcost_plan_to_json()'s document and, when no layout fits
 * (p->n_layouts == 0), "changes_that_fit": the "n_changes" changes of llmcost_plan_changes() (each: change, gpu,
 * gpus, seq, recompute, step_seconds, peak_bytes, step_flags), an empty array when there are none.
 */
int llmcost_plan_result_to_json(char **out, const llmcost_plan *p, const llmcost_model *m,
                                const llmcost_plan_options *opts, const llmcost_plan_change *changes, size_t n_changes,
                                const char *assumptions);

/*
 * The `llmcost step` flags that reproduce layout "l" of a search with "opts" on GPU "gpu" ("--gpu h100 --gpus 8
 * --tp 2 ... --global-batch 1048576"), or with "for_memory" the `llmcost memory` flags (the micro-batch count in
 * place of the global batch), into "buf" of "n" bytes. Fails with LLMCOST_EOVERFLOW when they do not fit.
 */
int llmcost_plan_layout_flags(char *buf, size_t n, const llmcost_plan_options *opts, const llmcost_plan_layout *l,
                              const char *gpu, bool for_memory);
/* The same with the model, which names the LoRA targets of a fine-tuning search (--lora-targets q_proj,v_proj);
 * llmcost_plan_layout_flags (no model) fails with LLMCOST_EINVAL when opts->finetune gives targets. */
int llmcost_plan_layout_flags_model(char *buf, size_t n, const llmcost_plan_options *opts, const llmcost_plan_layout *l,
                                    const char *gpu, bool for_memory, const llmcost_model *m);

const char *llmcost_plan_change_name(llmcost_plan_change_kind k); /* "more_gpus", "bigger_gpu", ... */

const char *llmcost_plan_reject_name(llmcost_plan_reject r); /* "memory", "batch", "layout" */
const char *llmcost_plan_bind_name(llmcost_plan_bind b);     /* "compute", "tp_comm", ..., "pipeline_bubble" */

#ifdef __cplusplus
}
#endif

#endif
