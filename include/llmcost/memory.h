/* memory.h - per-GPU memory of a training step: breakdown, phases, peak, and the largest micro-batch that fits. */
#ifndef LLMCOST_MEMORY_H
#define LLMCOST_MEMORY_H

#include <stdbool.h>
#include <stdint.h>

#include "finetune.h"
#include "flops.h"
#include "layout.h"
#include "model.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
    LLMCOST_OPTIM_ADAMW,      /* two moments */
    LLMCOST_OPTIM_ADAMW_8BIT, /* two moments quantised to 8 bits, block-wise (Dettmers et al. 2022) */
    LLMCOST_OPTIM_SGD,        /* SGD with momentum: one buffer */
    LLMCOST_OPTIM_ADAFACTOR,  /* factored second moment, no first moment (Shazeer & Stern 2018) */
    /* Added later: bitsandbytes' paged optimizers (PagedAdamW, PagedAdamW8bit): the same states, but each state of
     * a parameter of 10^5 elements or more in CUDA unified memory (cudaMallocManaged), which PyTorch's allocator and
     * its counters do not see and the driver pages to host memory when the GPU runs short. */
    LLMCOST_OPTIM_PAGED_ADAMW,
    LLMCOST_OPTIM_PAGED_ADAMW_8BIT
} llmcost_optimizer;

/* Is "o" one of bitsandbytes' paged optimizers? */
bool llmcost_optimizer_paged(llmcost_optimizer o);

/*
 * Memory mechanisms beyond the precision recipe and the recomputation mode, as DeepSeek-V3 trained with them
 * (arXiv 2412.19437 §3.2.2-3.3; docs/formulas.md "Memory mechanisms"). All default to off (zero); the activation
 * mechanisms are modelled for the megatron profile only (llmcost_job_validate refuses them with hf).
 */
typedef enum {
    LLMCOST_CACHE_RECIPE,   /* Linear inputs cached for backward as the recipe computes them: the compute dtype, or
                               under fp8 per-tensor-scaled fp8 copies (Transformer Engine), the attention output
                               kept in bf16 by the attention kernel beside o_proj's fp8 copy */
    LLMCOST_CACHE_FP8_TILE  /* DeepSeek-V3 §3.3.2 "Low-Precision Activation": Linear inputs and the MoE SwiGLU's
                               inputs in fp8 with an fp32 scale per 1x128 tile (1 + 4/128 bytes), the attention
                               output once in E5M6 (12 bits + the tile's scale) for both o_proj and the attention
                               backward; needs precision fp8 */
} llmcost_act_cache;

/* Modules recomputed in backward (Megatron-LM --recompute-modules; DeepSeek-V3 §3.2.3): a bit set. */
#define LLMCOST_RECOMPUTE_NORM 1u    /* "layernorm": the RMSNorms' outputs (the Linear inputs after them) */
#define LLMCOST_RECOMPUTE_MLA_UP 2u  /* "mla_up_proj": MLA's up-projections and rotary (q, k, v rebuilt) */
#define LLMCOST_RECOMPUTE_MOE_ACT 4u /* "moe_act": the routed experts' SwiGLU output (down_proj's input) */
#define LLMCOST_RECOMPUTE_MODULES_ALL 7u

typedef enum {
    LLMCOST_PIPE_1F1B,     /* 1F1B (interleaved with vpp > 1): stage i holds min(m, pp - i) micro-batches */
    LLMCOST_PIPE_DUALPIPE  /* DeepSeek-V3 §3.2.1 / Table 2: rank r holds stages r and pp-1-r (2x parameters),
                              pp - r micro-batches of the first and r + 1 of the second (pp + 1 in all) */
} llmcost_pipeline;

typedef enum {
    LLMCOST_EMA_NONE, /* no exponential moving average of the weights */
    LLMCOST_EMA_GPU,  /* an fp32 copy of the GPU's parameters, sharded as the optimizer states */
    LLMCOST_EMA_CPU   /* kept in host memory, updated asynchronously (DeepSeek-V3 §3.2.3): no GPU bytes */
} llmcost_ema;

/* "recipe" / "fp8-tile"; "1f1b" / "dualpipe"; "none" / "gpu" / "cpu"; -1 if unknown. */
const char *llmcost_act_cache_name(llmcost_act_cache c);
int llmcost_act_cache_parse(const char *s);
const char *llmcost_pipeline_name(llmcost_pipeline p);
int llmcost_pipeline_parse(const char *s);
const char *llmcost_ema_name(llmcost_ema e);
int llmcost_ema_parse(const char *s);
/* Parses a comma list of "layernorm", "mla_up_proj", "moe_act" (also "none") into LLMCOST_RECOMPUTE_* bits;
 * -1 if a name is unknown. */
int llmcost_recompute_modules_parse(const char *s);

typedef struct llmcost_memory_options {
    unsigned int version; /* LLMCOST_MEMORY_OPTIONS_VERSION, set by the _INIT macro or the _init() function */
    int64_t micro_batch;
    int64_t seq;
    llmcost_precision precision;
    llmcost_optimizer optimizer;
    llmcost_recompute recompute;
    llmcost_attn_impl attention;
    llmcost_framework framework;
    llmcost_layout layout;   /* resolved with llmcost_layout_resolve() (dp derived from the GPU count) */
    int64_t expert_tp;       /* expert tensor parallel: each routed expert split over this many GPUs (1: none) */
    int64_t micro_batches;   /* micro-batches per step (gradient accumulation); 0: pp, enough to fill the pipe */
    bool fp32_grads;         /* bf16-master: fp32 gradient accumulation (Megatron's default) or bf16 */
    bool fused_optimizer;    /* fused AdamW (no per-step temporaries) or foreach (one state-sized temporary) */
    double cuda_context_bytes; /* CUDA context + libraries, shown apart from the peak; default: 816,644,096 bytes
                                  measured on an H200 with PyTorch 2.11 (data/calibration/h200_measured_2026-11-28.json) */
    /* Added later (zero: off): DeepSeek-V3's memory mechanisms, above. */
    llmcost_act_cache act_cache;
    unsigned recompute_modules;  /* LLMCOST_RECOMPUTE_NORM | _MLA_UP | _MOE_ACT */
    llmcost_pipeline pipeline;
    llmcost_ema ema;
    /* Version 2 (a version-1 struct is read without it: every layer): with recompute full, only every N-th decoder
     * layer (layers N-1, 2N-1, ...) is checkpointed, the others keep all they save (job.h); 0 or 1: every layer. */
    int64_t recompute_every;
    /* Version 3 (versions 1-2 are read without it: p2p): the context-parallel implementation, an llmcost_cp_comm
     * (step.h: 0 p2p, 1 allgather, 2 a2a, 3 torch). Under allgather and torch (layout.cp > 1) each layer's attention holds the CP
     * group's gathered keys and values while it runs, forward and backward (docs/formulas.md). */
    int cp_comm;
} llmcost_memory_options;

#define LLMCOST_MEMORY_OPTIONS_VERSION 3
#define LLMCOST_MEMORY_OPTIONS_INIT                                                                               \
    {.version = LLMCOST_MEMORY_OPTIONS_VERSION, .micro_batch = 1, .seq = 2048, .precision = LLMCOST_PREC_BF16,   \
     .optimizer = LLMCOST_OPTIM_ADAMW, .recompute = LLMCOST_RECOMPUTE_NONE, .attention = LLMCOST_ATTN_SDPA,      \
     .framework = LLMCOST_FW_HF, .layout = LLMCOST_LAYOUT_INIT, .expert_tp = 1, .micro_batches = 0,             \
     .fp32_grads = true, .fused_optimizer = true, .cuda_context_bytes = 816644096.0}

/* Fills "opts" with the defaults of LLMCOST_MEMORY_OPTIONS_INIT. Returns 0, or LLMCOST_EINVAL when "opts" is NULL. */
int llmcost_memory_options_init(llmcost_memory_options *opts);

typedef enum {
    LLMCOST_MC_WEIGHTS,        /* model weights as stored (per GPU) */
    LLMCOST_MC_GRADIENTS,      /* weight gradients */
    LLMCOST_MC_OPTIMIZER,      /* optimizer states, including fp32 master weights */
    LLMCOST_MC_ACTIVATIONS,    /* tensors kept for backward by the decoder layers */
    LLMCOST_MC_EMBED_HEAD,     /* kept by the embedding, final norm and LM head (inputs, rotary tables) */
    LLMCOST_MC_LOSS,           /* kept by the loss: fp32 log-probabilities over the vocabulary, labels */
    LLMCOST_MC_WEIGHT_CACHE,   /* low-precision weight copies kept for backward (autocast bf16, fp8) */
    LLMCOST_MC_TRANSIENT,      /* the largest temporary at the peak (logits copies, loss gradients, a layer's backward) */
    LLMCOST_MC_ALLOCATOR,      /* reserved but not allocated: the caching allocator's rounding and fragmentation */
    LLMCOST_MC_COUNT
} llmcost_memory_component;

typedef enum {
    LLMCOST_PHASE_FORWARD_LOSS,   /* end of forward: logits, their fp32 copy and log-softmax alive together */
    LLMCOST_PHASE_BACKWARD_LOSS,  /* start of backward: two fp32 gradients over the vocabulary */
    LLMCOST_PHASE_BACKWARD_LAYERS,/* backward through the last layer, all activations still held */
    LLMCOST_PHASE_BACKWARD_END,   /* end of backward / optimizer step: every gradient allocated */
    LLMCOST_PHASE_COUNT
} llmcost_memory_phase;

typedef struct llmcost_memory {
    double components[LLMCOST_MC_COUNT]; /* bytes per GPU (most loaded GPU), as they stand at the peak */
    double phase_bytes[LLMCOST_PHASE_COUNT]; /* allocated bytes at each phase's high point */
    llmcost_memory_phase peak_phase;
    double peak_bytes;         /* predicted peak allocated (torch.cuda.max_memory_allocated) */
    double reserved_bytes;     /* predicted peak reserved by the caching allocator (an estimate) */
    double weights_bytes, gradients_bytes, optimizer_bytes;
    double activations_bytes;  /* kept by forward: layers + embedding/head + loss + weight caches */
    double after_forward_bytes;/* weights + optimizer + activations */
    double layer_activation_bytes; /* one (largest) layer's kept bytes per micro-batch */
    double layer_full_bytes;   /* one layer's bytes when nothing is recomputed (held during its recompute) */
    double in_flight;          /* micro-batches whose activations the most loaded stage holds (1F1B) */
    int stage;                 /* the most loaded pipeline stage (0-based) */
    int64_t layers_on_stage;
    double cuda_context_bytes;
    llmcost_param_bytes param_bytes; /* the precision recipe's bytes per parameter (llmcost_job_param_bytes) */
    /* Added later: fine-tuning (a job's finetune; finetune.h). Under LoRA / QLoRA weights_bytes, gradients_bytes
     * and optimizer_bytes (and the components) hold the frozen base and the adapters' parts below. */
    llmcost_finetune_method finetune;
    int64_t trainable_params;  /* the model's (llmcost_finetune_count): every parameter unless adapters train */
    int64_t frozen_params;     /* the frozen base under LoRA / QLoRA, else 0 */
    double frozen_weight_bytes;/* this GPU's frozen base as stored: quantised data and scales, 16-bit parts */
    double adapter_bytes, adapter_gradient_bytes, adapter_optimizer_bytes; /* this GPU's adapters */
    double lora_activation_bytes; /* kept for backward by the adapters (their inputs, x A, dropout masks) */
    double dequant_bytes;      /* the largest weight copy a quantised (or DoRA) matrix makes, in the layers' backward */
    /* Added later: the memory savers of a job (job.h, version 4; docs/formulas.md "Memory savers"). */
    double paged_optimizer_bytes; /* paged optimizers: the states in CUDA unified memory, outside peak_bytes and
                                     reserved_bytes (PyTorch's counters do not see them); on the GPU while it has room,
                                     in host memory when the driver pages them out */
    double offloaded_bytes;    /* activation offloading: the layers' kept tensors held in host memory at the peak */
    /* Added in 1.7: activation offloading's traffic, what the step engine times over the host link: the bytes of
     * one micro-batch's kept layer tensors on the most loaded stage, each copied to the host in forward and back in
     * backward (torchtune's OffloadActivations copies every one, the stash kept on the GPU included). */
    double offload_copy_bytes;
} llmcost_memory;

/* Memory of one training step of "m" under "o" on the most loaded GPU: "o" becomes a job
 * (llmcost_job_from_memory_options, job.h) checked by llmcost_job_validate. Fails with LLMCOST_EINVAL for a
 * layout the model cannot take (tp not dividing heads, pp x vpp above the layer count, ep not dividing experts). */
int llmcost_memory_compute(llmcost_memory *out, const llmcost_model *m, const llmcost_memory_options *o);

/*
 * A prepared memory, for callers that evaluate many layouts of one model and job (a planner): what does not
 * depend on the layout is made once by llmcost_memory_prepare (the parameter count and its checks, the decoder
 * layers grouped into distinct layers with their parameter counts) and reused by every
 * llmcost_memory_compute_prepared, which costs each distinct layer once per call (about a microsecond).
 *
 *   llmcost_memory_prepared *p;
 *   llmcost_memory_prepare(&p, model, &opt);        // opt: seq, precision, optimizer, attention, framework, ...
 *   for each layout: opt.layout = ...; opt.micro_batch = ...; llmcost_memory_compute_prepared(&mem, p, &opt);
 *   llmcost_memory_prepared_free(p);
 *
 * Fixed by the preparation: seq, precision, optimizer, attention, framework, fp32_grads and fused_optimizer; a call
 * whose options differ in one of them fails with LLMCOST_EINVAL naming the field. Free to change between calls:
 * layout (every degree, ZeRO, sequence parallelism), micro_batch, recompute, expert_tp, micro_batches and
 * cuda_context_bytes. Each call validates its job as llmcost_memory_compute does and returns the same result to the
 * last digit (llmcost_memory_compute is prepare + compute + free of the same data). The model must outlive the
 * prepared memory and not change; a prepared memory is read-only, so threads may share one.
 */
typedef struct llmcost_memory_prepared llmcost_memory_prepared;

int llmcost_memory_prepare(llmcost_memory_prepared **out, const llmcost_model *m, const llmcost_memory_options *o);
int llmcost_memory_compute_prepared(llmcost_memory *out, const llmcost_memory_prepared *prep,
                                    const llmcost_memory_options *o);
void llmcost_memory_prepared_free(llmcost_memory_prepared *prep);

/* The largest micro-batch whose predicted reserved memory plus CUDA context fits "capacity_bytes" x
 * (1 - "headroom"); 0 if none does. llmcost_job_max_micro_batch (job.h) answers the same for a job (fine-tuning
 * included). */
int llmcost_memory_max_micro_batch(int64_t *out, const llmcost_model *m, const llmcost_memory_options *o,
                                   double capacity_bytes, double headroom);

/*
 * Korthikanti et al. 2022, Table 2: activation bytes per transformer layer of a GPT model (16-bit activations,
 * dropout, 4h MLP): s*b*h*(34 + 5*a*s/h) without parallelism; s*b*h*(10 + 24/t + 5*a*s/(h*t)) with tensor
 * parallelism t; s*b*h/t*(34 + 5*a*s/h) with sequence parallelism; selective recomputation drops the 5*a*s/h
 * term; full recomputation keeps 2*s*b*h (/t with sequence parallelism).
 */
double llmcost_memory_korthikanti(double s, double b, double h, double a, double t, bool sequence_parallel,
                                  llmcost_recompute r);

/*
 * The course's question: peak memory of one layer's forward in fp16 with a checkpoint at each layer boundary.
 * "weights_bytes" = the layer's fp16 weights, "checkpoint_bytes" = one b*s*h fp16 input; "transient_bytes" =
 * the largest set of intermediates alive inside the layer's forward (which the common answer leaves out).
 */
typedef struct llmcost_course_layer {
    double weights_bytes;
    double checkpoint_bytes;
    double transient_bytes;
} llmcost_course_layer;
int llmcost_memory_course_layer(llmcost_course_layer *out, const llmcost_model *m, int64_t batch, int64_t seq);

const char *llmcost_memory_component_name(llmcost_memory_component c);
const char *llmcost_memory_phase_name(llmcost_memory_phase p);

#ifdef __cplusplus
}
#endif

#endif
