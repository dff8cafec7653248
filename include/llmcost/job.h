/* job.h - one training job: what memory, step, train and the planner all describe, checked in one place.
 *
 * The API, for the engines and the planner:
 *   llmcost_job j; llmcost_job_init(&j);          (or llmcost_job j = LLMCOST_JOB_INIT; the same values)
 *   set the fields, then
 *   llmcost_job_validate(&j, model)               every layout and batch rule, once; fills dp, gpus, grad_accum,
 *                                                 global_batch; messages name the job's fields ("layout.tp = 3 does
 *                                                 not divide the 32 attention heads of llama-7b")
 *   llmcost_job_memory(&mem, model, &j)           the memory engine on the job
 *   llmcost_job_step(&step, model, gpu, &j)       the step engine on the job
 *   llmcost_job_fit(&fit, model, gpu, &j)         does it fit the GPU: peak, capacity, and when it does not the
 *                                                 smallest changes that make it fit, found by trying them
 *   llmcost_job_param_bytes(&b, &j)               the precision recipe: bytes per parameter (both engines use it)
 *   llmcost_pipeline_split(first, n_layers, pp)   the stage split (both engines use it)
 * llmcost_memory_compute() and llmcost_step_compute() keep their options structs; they are converted to a job
 * (llmcost_job_from_memory_options / llmcost_job_from_step_options) and validated by the same function.
 */
#ifndef LLMCOST_JOB_H
#define LLMCOST_JOB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "comms.h"
#include "common.h"
#include "finetune.h"
#include "flops.h"
#include "hardware.h"
#include "layout.h"
#include "memory.h"
#include "model.h"
#include "step.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct llmcost_job {
    unsigned int version;        /* LLMCOST_JOB_VERSION, set by the _INIT macro or llmcost_job_init() */
    int64_t seq;                 /* tokens per sequence */
    int64_t micro_batch;         /* sequences per micro-batch on each data-parallel replica */
    int64_t global_batch;        /* sequences per optimizer step over all replicas; 0: grad_accum x micro_batch x dp */
    int64_t grad_accum;          /* micro-batches per step per pipeline; 0: global_batch / (micro_batch x dp), or pp
                                    (the fewest that fill the pipeline) when neither is given */
    llmcost_precision precision; /* the precision recipe (llmcost_job_param_bytes) */
    llmcost_optimizer optimizer;
    llmcost_recompute recompute;
    llmcost_attn_impl attention;
    llmcost_framework framework;
    llmcost_convention convention; /* how attention FLOPs count toward MFU */
    llmcost_layout layout;       /* tp, pp, vpp, dp, cp, ep, ZeRO stage, sequence parallelism, overlaps */
    int64_t expert_tp;           /* tensor parallelism inside each routed expert (1: none); at most layout.tp */
    bool fp32_grads;             /* bf16-master: fp32 gradient accumulation (Megatron's default) or bf16 */
    bool fused_optimizer;        /* fused AdamW (no per-step temporaries) or foreach (one state-sized temporary) */
    double cuda_context_bytes;   /* CUDA context + libraries, apart from the peak (measured on an H200, memory.h) */
    double headroom;             /* fraction of GPU memory kept free when checking the fit (0.05) */
    llmcost_comm_options comm;
    /* Added later (zero: off): memory mechanisms (memory.h; DeepSeek-V3 §3.2.2-3.3). */
    llmcost_act_cache act_cache;  /* how Linear inputs are cached for backward */
    unsigned recompute_modules;   /* LLMCOST_RECOMPUTE_NORM | _MLA_UP | _MOE_ACT (Megatron-LM --recompute-modules) */
    llmcost_pipeline pipeline;    /* 1F1B or DualPipe */
    llmcost_ema ema;              /* EMA of the weights: none, on the GPU, on the CPU */
    /* Version 2 (zero: pre-training): fine-tuning, full or with LoRA / QLoRA adapters (finetune.h). A version-1
     * job is read without it. The memory and step engines model full fine-tuning as pre-training, and adapters:
     * the frozen base in its storage, the adapters with their gradients and optimizer states, what they keep for
     * backward (docs/formulas.md, "Fine-tuning memory" and "Fine-tuning step time"). */
    llmcost_finetune finetune;
    /* Version 3 (zero: alltoall, dropless): the MoE implementation (step.h). Versions 1-2 are read without it. */
    llmcost_moe_dispatcher moe_dispatcher;
    double moe_capacity_factor;
    /* Version 4 (zero: off): the memory savers fine-tuning frameworks offer (docs/formulas.md "Memory savers").
     * Versions 1-3 are read without them. */
    int64_t chunked_loss;        /* cross-entropy over this many chunks of the tokens, each upcast to fp32 and its
                                    gradient made on its own (torchtune's CEWithChunkedOutputLoss); 0 or 1: whole */
    bool optimizer_in_backward;  /* each parameter's optimizer step runs as its gradient is accumulated, and the
                                    gradient is freed (register_post_accumulate_grad_hook); needs grad_accum = 1 */
    bool activation_offload;     /* the decoder layers' kept tensors copied to host memory in forward and back in
                                    backward (torchtune's OffloadActivations, saved-tensor hooks) */
    bool compile;                /* torch.compile of each decoder layer and of the loss (torchtune's compile) */
    /* Version 5 (zero: p2p, every layer): the context-parallel implementation (step.h) and per-layer activation
     * checkpointing: with recompute full, only decoder layers N-1, 2N-1, ... (every N-th, torchtitan's
     * selective_ac_option "N") are checkpointed and recomputed, the others keep all they save (docs/formulas.md
     * "Per-layer checkpointing"); 0 or 1: every layer. Versions 1-4 are read without them. */
    llmcost_cp_comm cp_comm;
    int64_t recompute_every;
    /* Version 6 (zero: the framework's default): parameters per data-parallel gradient bucket, ZeRO 0-2 (step.h
     * ddp_bucket_size; Megatron-LM --ddp-bucket-size). Versions 1-5 are read without it. */
    int64_t ddp_bucket_size;
    /* Version 6 too (false: off): Megatron-Core's --moe-shared-expert-overlap (step.h). Versions 1-5 are read
     * without it. */
    bool moe_shared_expert_overlap;
} llmcost_job;

#define LLMCOST_JOB_VERSION 6
#define LLMCOST_JOB_INIT                                                                                         \
    {.version = LLMCOST_JOB_VERSION, .seq = 2048, .micro_batch = 1, .global_batch = 0, .grad_accum = 0,          \
     .precision = LLMCOST_PREC_BF16, .optimizer = LLMCOST_OPTIM_ADAMW, .recompute = LLMCOST_RECOMPUTE_NONE,       \
     .attention = LLMCOST_ATTN_SDPA, .framework = LLMCOST_FW_HF, .convention = LLMCOST_CONV_CAUSAL,             \
     .layout = LLMCOST_LAYOUT_INIT, .expert_tp = 1, .fp32_grads = true, .fused_optimizer = true,                \
     .cuda_context_bytes = 816644096.0, .headroom = 0.05, .comm = LLMCOST_COMM_OPTIONS_INIT}

/* Fills "j" with the defaults of LLMCOST_JOB_INIT. Returns 0, or LLMCOST_EINVAL when "j" is NULL. */
int llmcost_job_init(llmcost_job *j);

/*
 * Checks "j" against model "m" (NULL: the rules that need no model) and completes it: layout.dp from layout.gpus
 * (or gpus from the degrees), grad_accum and global_batch from each other. Every layout rule lives here: degrees
 * at least 1, ZeRO 0-3, tp x pp x cp x dp = gpus, tp dividing every layer's attention heads, ep dividing the
 * routed experts and tp x cp x dp, ep x expert_tp dividing tp x cp x dp (MoE parallel folding; sequence
 * parallelism when ep spans TP ranks), expert_tp dividing tp, vpp needing pp > 1, pp x vpp model chunks at most the layers
 * + 2 (the embedding and the head may take a chunk each) with every stage holding vpp chunks, cp dividing seq, the
 * global batch a whole number of micro-batch rounds. Fails with LLMCOST_EINVAL; the message names the job's
 * fields (layout.tp, micro_batch, expert_tp, ...), which a front end maps to its own names.
 */
int llmcost_job_validate(llmcost_job *j, const llmcost_model *m);

/* The field names the messages of llmcost_job_validate use, NULL-terminated (for a front end's mapping table). */
extern const char *const llmcost_job_fields[];

/* Bytes per parameter of the job's precision recipe x optimizer (llmcost_param_bytes, layout.h): one table
 * for every engine. */
void llmcost_job_param_bytes(llmcost_param_bytes *out, const llmcost_job *j);

/*
 * The pipeline stage split: first_layer[s] is the first decoder layer of stage s, first_layer[pp] = n_layers
 * ("first_layer" has pp + 1 entries). Contiguous layers; when pp does not divide them the extra layers go to the
 * middle stages first, then the first, then the last, because the first and last stages also hold the embedding
 * and the head (Llama 3 §3.3.2: "we reduce one Transformer layer each from the first and the last stages").
 */
void llmcost_pipeline_split(int64_t *first_layer, int64_t n_layers, int64_t pp);

/*
 * Can "gpu" run the job's precision recipe? bf16 recipes (bf16, bf16-master, amp-bf16) need a bf16 peak, fp16 an
 * fp16 peak (fp32 and fp8 peaks are checked by the step engine, whose messages name them). Fails with
 * LLMCOST_EUNSUPPORTED naming precision and the GPU ("precision = bf16: v100 has no bf16 tensor cores ... use
 * precision = fp16") when the catalogue gives the part none (V100 and T4 have no bf16). The step engine and
 * llmcost_job_fit call it.
 */
int llmcost_job_check_gpu(const llmcost_job *j, const llmcost_gpu *gpu);

/* The memory and step engines on a job (validated first; "j" itself is not changed). */
int llmcost_job_memory(llmcost_memory *out, const llmcost_model *m, const llmcost_job *j);
/* The largest micro-batch of job "j" whose predicted reserved memory plus CUDA context fits "capacity_bytes" x
 * (1 - "headroom"), the rest of the job kept; 0 if none does (llmcost_memory_max_micro_batch for a job). */
int llmcost_job_max_micro_batch(int64_t *out, const llmcost_model *m, const llmcost_job *j, double capacity_bytes,
                                double headroom);
/* The longest sequence of job "j" (its micro-batch and the rest kept) whose predicted reserved memory plus CUDA
 * context fits "capacity_bytes" x (1 - "headroom"): "how long a context fits on my GPU?". A multiple of
 * layout.cp, at most 2^24 tokens, not capped at the model's max_positions (the caller says when it is beyond);
 * 0 if even the shortest the job takes does not fit. */
int llmcost_job_max_seq(int64_t *out, const llmcost_model *m, const llmcost_job *j, double capacity_bytes,
                        double headroom);
int llmcost_job_step(llmcost_step *out, const llmcost_model *m, const llmcost_gpu *gpu, const llmcost_job *j);

/*
 * Sets the global batch of "j" from a token count: whole sequences of j->seq, rounded to the nearest whole number
 * of micro-batch rounds (micro_batch x layout.dp sequences; at least one) instead of refused. The layout is
 * resolved first (layout.dp from layout.gpus). "*rounded" receives true when the tokens did not divide.
 */
int llmcost_job_set_batch_tokens(llmcost_job *j, const llmcost_model *m, double tokens, bool *rounded);

/*
 * The default global batch in tokens, the same whatever the layout: the model's published pre-training batch
 * (presets' train_batch_tokens) or 4,194,304 tokens (2^22: LLaMA, Llama 2); "*source" says which.
 */
double llmcost_job_default_batch_tokens(const llmcost_model *m, const char **source);

/*
 * Does the job fit the GPU? The memory engine's per-GPU peak of the job: "required" = predicted reserved bytes +
 * CUDA context, compared with "usable" = capacity x (1 - headroom) (what `llmcost memory` compares). When it does
 * not fit, each change below is TRIED on the job (the memory engine run again), one dimension at a time, and the
 * least change of each dimension that makes it fit is kept, cheapest first: a higher ZeRO stage (data parallel
 * only), more recomputation, a smaller micro-batch (the global batch kept: more micro-batches), more tensor
 * parallelism or more pipeline stages on the same GPUs (fewer replicas), and more GPUs (tensor, then pipeline
 * parallelism added, the data-parallel degree kept).
 */
typedef enum {
    LLMCOST_FIX_ZERO,        /* layout.zero raised to "value" */
    LLMCOST_FIX_RECOMPUTE,   /* recompute raised to "value" (llmcost_recompute) */
    LLMCOST_FIX_MICRO_BATCH, /* micro_batch lowered to "value" */
    LLMCOST_FIX_TP,          /* layout.tp raised to "value", same GPUs */
    LLMCOST_FIX_PP,          /* layout.pp raised to "value", same GPUs */
    LLMCOST_FIX_GPUS,        /* layout.gpus raised to "value" (tp, then pp, grown; dp kept) */
    LLMCOST_FIX_COUNT
} llmcost_fix_kind;

typedef struct llmcost_fix {
    llmcost_fix_kind kind;
    int64_t value;
    double required_bytes;   /* what the changed job needs */
    llmcost_job job;         /* the changed job, validated */
} llmcost_fix;

typedef struct llmcost_job_fit_result {
    bool fits;
    double peak_bytes;       /* the memory engine's peak allocated (llmcost_memory.peak_bytes), exactly */
    double reserved_bytes;   /* its predicted reserve */
    double required_bytes;   /* reserved + CUDA context: what is compared */
    double capacity_bytes;   /* the GPU's memory */
    double usable_bytes;     /* capacity x (1 - headroom) */
    int n_fixes;             /* changes that make it fit (0 when it fits, or when none of them does) */
    llmcost_fix fixes[LLMCOST_FIX_COUNT];
} llmcost_job_fit_result;

int llmcost_job_fit(llmcost_job_fit_result *out, const llmcost_model *m, const llmcost_gpu *gpu, const llmcost_job *j);

/*
 * A job that fits, found from "j" by applying the fit's changes greedily: the first fix that fits if one does
 * (the order above), else the change that lowers the requirement most, again, up to 16 times with at most
 * "max_gpus" GPUs (0: no limit). A stand-in for the planner (plan.h): no search of time. LLMCOST_ENOTFOUND
 * when nothing tried fits; "out" then holds the last job tried.
 */
int llmcost_job_make_fit(llmcost_job *out, const llmcost_model *m, const llmcost_gpu *gpu, const llmcost_job *j,
                         int64_t max_gpus);

/* "zero", "recompute", "micro_batch", "tp", "pp", "gpus". */
const char *llmcost_fix_name(llmcost_fix_kind k);

/* The job as the engines' options structs take it, and back (fields the other struct lacks get the defaults). */
void llmcost_job_memory_options(llmcost_memory_options *out, const llmcost_job *j);
void llmcost_job_step_options(llmcost_step_options *out, const llmcost_job *j);
void llmcost_job_from_memory_options(llmcost_job *out, const llmcost_memory_options *o);
void llmcost_job_from_step_options(llmcost_job *out, const llmcost_step_options *o);

#ifdef __cplusplus
}
#endif

#endif
