/* step.h - time of one training step on named hardware and a parallel layout, with its breakdown, MFU and HFU. */
#ifndef LLMCOST_STEP_H
#define LLMCOST_STEP_H

#include <stdbool.h>
#include <stdint.h>

#include "comms.h"
#include "flops.h"
#include "hardware.h"
#include "layout.h"
#include "memory.h"
#include "model.h"

#ifdef __cplusplus
extern "C" {
#endif

/* How routed tokens reach their experts' GPUs (Megatron-Core's --moe-token-dispatcher-type). */
typedef enum {
    LLMCOST_MOE_ALLTOALL,  /* each token's hidden state to the EP ranks of its top-k experts and back (all-to-all) */
    LLMCOST_MOE_ALLGATHER, /* every EP rank all-gathers the group's tokens, keeps its experts'; reduce-scatter back */
    LLMCOST_MOE_DEEPEP,    /* Megatron-Core's flex dispatcher on DeepEP's normal kernels: each token once over the
                              network to each node holding one of its experts, forwarded there over NVLink; bf16
                              (Megatron passes DeepEP a bf16 tensor); exposed unless layout.ep_overlap
                              (--overlap-moe-expert-parallel-comm), 20 SMs (docs/formulas.md "DeepEP") */
    LLMCOST_MOE_DISPATCHER_COUNT
} llmcost_moe_dispatcher;

/* How context parallelism exchanges attention's inputs (Megatron-Core's --cp-comm-type; docs/formulas.md
 * "Context-parallel implementations"). */
typedef enum {
    LLMCOST_CP_P2P,       /* ring attention: cp - 1 sends of the key/value shard, each behind one block's attention
                             (Transformer Engine AttnFuncWithCPAndKVP2P; Megatron-Core's default) */
    LLMCOST_CP_ALLGATHER, /* keys and values all-gathered before attention, exposed; backward gathers them again and
                             reduce-scatters their gradients (Llama 3 §3.3.2; TE AttnFuncWithCPAndKVAllGather) */
    LLMCOST_CP_A2A,       /* DeepSpeed-Ulysses: all-to-all of q, k, v from sequence to head shards and of the output
                             back, exposed (TE AttnFuncWithCPAndQKVOA2A); cp divides the heads on each TP rank */
    LLMCOST_CP_TORCH,     /* PyTorch's context_parallel (torchtitan), its default rotate method "allgather": keys and
                             values all-gathered once behind the first block's attention, forward and again in
                             backward; the fp32 key/value gradients sent round the ring, each behind the next block,
                             the last exposed (torch/distributed/tensor/experimental/_attention.py) */
    LLMCOST_CP_COMM_COUNT
} llmcost_cp_comm;

typedef struct llmcost_step_options {
    unsigned int version; /* LLMCOST_STEP_OPTIONS_VERSION, set by the _INIT macro or the _init() function */
    int64_t micro_batch;           /* sequences per micro-batch on each data-parallel replica */
    int64_t seq;                   /* tokens per sequence */
    int64_t global_batch;          /* sequences per optimizer step over all replicas; 0: micro_batch x dp */
    llmcost_precision precision;
    llmcost_recompute recompute;
    llmcost_attn_impl attention;
    llmcost_framework framework;
    llmcost_convention convention; /* how attention FLOPs count toward MFU: causal pairs (default) or all */
    llmcost_layout layout;
    llmcost_comm_options comm;
    llmcost_optimizer optimizer;   /* what the optimizer step reads and writes (memory.h) */
    int64_t expert_tp;             /* tensor parallelism inside each routed expert (1: none) */
    /* Version 2 (a version-1 struct is read without them: alltoall, dropless). */
    llmcost_moe_dispatcher moe_dispatcher;
    double moe_capacity_factor;    /* 0: dropless; else each expert takes ceil(cf T k / E) tokens of each source rank,
                                      padded to it (Megatron-Core --moe-expert-capacity-factor with
                                      --moe-pad-expert-input-to-capacity): the padded rows are computed and sent */
    /* Version 3 (versions 1-2 are read without them: p2p, every layer). */
    llmcost_cp_comm cp_comm;       /* the context-parallel implementation (layout.cp > 1) */
    int64_t recompute_every;       /* with recompute full: only every N-th decoder layer (layers N-1, 2N-1, ...)
                                      is recomputed, the others keep everything (torchtitan's selective_ac_option
                                      "N"); 0 or 1: every layer */
    /* Version 4 (versions 1-3 are read without it: the framework's default). */
    int64_t ddp_bucket_size;       /* parameters per data-parallel gradient bucket (Megatron-LM --ddp-bucket-size),
                                      ZeRO 0-2; 0: the framework's default (Megatron-Core max(40M, 1M x dp x cp),
                                      PyTorch DDP 25 MiB, DeepSpeed 5e8; docs/formulas.md "Bucketed gradient
                                      reduction") */
    bool moe_shared_expert_overlap; /* Version 4 too: Megatron-Core's --moe-shared-expert-overlap (alltoall
                                      dispatcher, a shared expert, no --ep-overlap): the shared expert's GEMMs run on
                                      their own stream beside the token dispatch and combine, hiding that much of
                                      each all-to-all (docs/formulas.md "Shared-expert overlap") */
} llmcost_step_options;

#define LLMCOST_STEP_OPTIONS_VERSION 4
#define LLMCOST_STEP_OPTIONS_INIT                                                                                 \
    {.version = LLMCOST_STEP_OPTIONS_VERSION, .micro_batch = 1, .seq = 2048, .global_batch = 0,                  \
     .precision = LLMCOST_PREC_BF16, .recompute = LLMCOST_RECOMPUTE_NONE, .attention = LLMCOST_ATTN_SDPA,        \
     .framework = LLMCOST_FW_HF, .convention = LLMCOST_CONV_CAUSAL, .layout = LLMCOST_LAYOUT_INIT,               \
     .comm = LLMCOST_COMM_OPTIONS_INIT, .optimizer = LLMCOST_OPTIM_ADAMW, .expert_tp = 1}

/* Fills "opts" with the defaults of LLMCOST_STEP_OPTIONS_INIT (its layout and comm too). Returns 0, or
 * LLMCOST_EINVAL when "opts" is NULL. */
int llmcost_step_options_init(llmcost_step_options *opts);

/* Parts of a step's time. They add up to the step time (communication: the part not hidden behind compute). */
typedef enum {
    LLMCOST_ST_MATMUL,        /* GEMMs of the linear layers, forward and backward */
    LLMCOST_ST_ATTENTION,     /* attention kernels (fused or eager GEMMs) */
    LLMCOST_ST_MEMORY_BOUND,  /* element-wise work: norms, activations, rotary, residuals, softmax, loss */
    LLMCOST_ST_LAUNCH,        /* GPU idle while the host launches kernels (eager PyTorch) */
    LLMCOST_ST_RECOMPUTE,     /* forward work repeated in backward (activation recomputation) */
    LLMCOST_ST_OPTIMIZER,     /* optimizer step: reads and writes of weights, gradients and states */
    LLMCOST_ST_TP_COMM,       /* tensor-parallel all-reduce / reduce-scatter + all-gather */
    LLMCOST_ST_CP_COMM,       /* context-parallel key/value exchange, not hidden behind attention */
    LLMCOST_ST_EP_COMM,       /* expert-parallel all-to-all */
    LLMCOST_ST_PP_COMM,       /* pipeline point-to-point sends */
    LLMCOST_ST_DP_COMM,       /* data-parallel gradient reduction and ZeRO gathers, not hidden */
    LLMCOST_ST_BUBBLE,        /* pipeline bubble: (p-1)/v micro-batch times (Narayanan et al. 2021) */
    LLMCOST_ST_COUNT
} llmcost_step_component;

typedef struct llmcost_step {
    double step_seconds;
    double components[LLMCOST_ST_COUNT];      /* seconds, adding up to step_seconds */
    double comm_total[LLMCOST_ST_COUNT];      /* communication seconds before overlap (comm parts only) */
    double tokens_per_step;                   /* global_batch x seq */
    double tokens_per_second;                 /* whole job */
    double tokens_per_second_per_gpu;
    double model_flops_per_step;              /* forward + backward of the whole batch, no recomputation */
    double hardware_flops_per_step;           /* with recomputation */
    double achieved_flops_per_gpu;            /* model FLOP/s per GPU */
    double peak_flops;                        /* the peak MFU divides by (bf16 for mixed and fp8 recipes) */
    double mfu;                               /* model FLOPs utilisation (Chowdhery et al. 2022, App. B) */
    double hfu;                               /* hardware FLOPs utilisation (recomputation counted) */
    double micro_batch_seconds;               /* forward + backward of one micro-batch on the slowest stage */
    int64_t micro_batches;                    /* per pipeline (gradient-accumulation steps) */
    int64_t global_batch;                     /* sequences per step */
    int64_t layers_per_stage;                 /* on the slowest stage */
    llmcost_layout layout;                    /* the resolved layout */
    double gemm_efficiency;                   /* kernel-model constants used, for the printed assumptions */
    double copy_efficiency;
    double host_seconds_per_kernel;
    int64_t stage;                            /* the slowest pipeline stage (0-based) */
    llmcost_param_bytes param_bytes;          /* the precision recipe's bytes per parameter (llmcost_job_param_bytes) */
    /* Added in 1.7: the time of a job's memory savers (llmcost_job_step; docs/formulas.md "Memory savers: step
     * time"); zero without them, and from llmcost_step_compute (options carry none). */
    double host_bw;                           /* the GPU's host link the copies were timed at, bytes/s (0: unknown,
                                                 copies not timed) */
    double offload_bytes;                     /* activation offloading: bytes copied each way per step */
    double offload_seconds;                   /* their copies over the host link, both ways, before overlap */
    double offload_exposed_seconds;           /* the part not hidden behind forward and backward compute
                                                 (counted in components[LLMCOST_ST_MEMORY_BOUND]) */
    double paging_bytes;                      /* paged optimizer states migrated per step: 0 when they fit */
    double paging_seconds;                    /* their migration (counted in components[LLMCOST_ST_OPTIMIZER]) */
    double hook_launch_seconds;               /* optimizer in backward: per-parameter steps' launches beyond the
                                                 optimizer's GPU time (counted in components[LLMCOST_ST_LAUNCH]) */
    double hook_steps;                        /* the per-parameter optimizer steps (trainable tensors) */
} llmcost_step;

/*
 * Time of one optimizer step of model "m" on "gpu" under "opt". Uses the FLOPs engine's operations for one
 * micro-batch, each timed by the kernel model, split over the layout, plus communication and the bubble.
 * "opt" becomes a job (llmcost_job_from_step_options, job.h) checked by llmcost_job_validate, the same rules as
 * llmcost_memory_compute. Fails with LLMCOST_EINVAL (message naming the job's field) for an inconsistent layout or
 * batch.
 */
int llmcost_step_compute(llmcost_step *out, const llmcost_model *m, const llmcost_gpu *gpu,
                         const llmcost_step_options *opt);

/*
 * A prepared step, for callers that evaluate many layouts of one model and job shape (a planner): what does not
 * depend on the layout is made once by llmcost_step_prepare (the op list of one micro-batch, made once per
 * distinct decoder layer; its FLOPs; the parameter counts) and reused by every llmcost_step_compute_prepared.
 *
 *   llmcost_step_prepared *p;
 *   llmcost_step_prepare(&p, model, &opt);           // opt: micro_batch, seq, attention, recompute, convention
 *   for each layout: opt.layout = ...; llmcost_step_compute_prepared(&step, p, gpu, &opt);
 *   llmcost_step_prepared_free(p);
 *
 * The prepared shape is opt's micro_batch, seq, attention, recompute and convention, and the dtype the routed
 * experts run in (fp32 under the hf framework with fp32 or amp-bf16, else bf16); the layout, global batch, GPU,
 * optimizer, communication options and (within that rule) precision and framework may change between calls. A
 * call whose options differ in the shape fails with LLMCOST_EINVAL naming the field. Results are those of
 * llmcost_step_compute to the last digit (llmcost_step_compute is prepare + compute_prepared + free). The model
 * must outlive the prepared step; a prepared step is read-only, so threads may share one.
 */
typedef struct llmcost_step_prepared llmcost_step_prepared;

int llmcost_step_prepare(llmcost_step_prepared **out, const llmcost_model *m, const llmcost_step_options *opt);
int llmcost_step_compute_prepared(llmcost_step *out, const llmcost_step_prepared *prep, const llmcost_gpu *gpu,
                                  const llmcost_step_options *opt);
void llmcost_step_prepared_free(llmcost_step_prepared *prep);

/* The kernel model's constants, each fitted to kernels measured on an H200 (data/calibration/), for printing. */
typedef struct llmcost_step_constants {
    double gemm_efficiency;          /* large well-tiled GEMMs: fraction of the dense peak */
    double gemm_k0;                  /* k-overhead: efficiency k / (k + k0) */
    double grouped_efficiency;       /* grouped (MoE) GEMM kernels relative to dense ones */
    double unaligned_efficiency;     /* 16-bit GEMMs with a dimension not a multiple of 8 */
    double attention_efficiency[2];  /* fused attention forward, backward: fraction of peak on the matrix work */
    double copy_efficiency;          /* streaming kernels: fraction of memory bandwidth */
    double host_forward_seconds;     /* host time per launched kernel, eager PyTorch forward */
    double host_backward_seconds;    /* ... backward */
    double host_recompute_seconds;   /* ... forward recomputed inside backward (gradient checkpointing) */
    int gemm_cases, attention_cases; /* measurements the fits used */
    double gemm_rms_error;           /* rms of predicted/measured - 1 over the GEMM measurements (log scale) */
} llmcost_step_constants;

void llmcost_step_constants_get(llmcost_step_constants *out);

/* "matmul", "attention", "memory_bound", "launch_overhead", "recompute", "optimizer", "tp_comm", ... */
const char *llmcost_step_component_name(llmcost_step_component c);

#ifdef __cplusplus
}
#endif

#endif
