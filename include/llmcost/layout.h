/* layout.h - how a training job is set up: precision recipe, framework profile, and the parallel layout. */
#ifndef LLMCOST_LAYOUT_H
#define LLMCOST_LAYOUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common.h"
#include "model.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Precision recipes (what is stored in which type, and at which type matrices multiply). */
typedef enum {
    LLMCOST_PREC_FP32,        /* fp32 weights, gradients, states and matmuls (no TF32: PyTorch's default) */
    LLMCOST_PREC_AMP_BF16,    /* fp32 weights, gradients and AdamW states; bf16 autocast for matmuls */
    LLMCOST_PREC_BF16,        /* bf16 weights, gradients and states */
    LLMCOST_PREC_BF16_MASTER, /* bf16 weights, fp32 master copy and moments (Megatron/DeepSpeed mixed precision) */
    LLMCOST_PREC_FP8,         /* as bf16-master, with the linear layers' GEMMs in fp8 (Transformer Engine, DeepSeek-V3) */
    LLMCOST_PREC_FP16,        /* fp16 weights and gradients, fp32 master copy and moments, dynamic loss scaling: mixed
                                 precision for GPUs without bf16 (Micikevicius et al. 2018; Megatron-LM --fp16, apex O2) */
    LLMCOST_PREC_COUNT
} llmcost_precision;

/* Implementation profiles: how the step's kernels are written and launched. */
typedef enum {
    LLMCOST_FW_HF,      /* PyTorch eager + HF transformers: unfused element-wise kernels, Python launch overhead */
    LLMCOST_FW_MEGATRON,/* Megatron-LM / Transformer Engine: fused norms, activations, rotary, cross-entropy */
    /* Added in 1.7 (docs/formulas.md "Framework profiles"): fine-tuning frameworks on eager PyTorch, timed as hf
     * (their kernels are eager PyTorch's; --compile fuses the element-wise ones), keeping different tensors. */
    LLMCOST_FW_TORCHTUNE, /* torchtune: bf16 adapters, torchao's NF4 linear (keeps no input), its savers */
    LLMCOST_FW_LITGPT,    /* LitGPT: bf16 adapters, bitsandbytes 4-bit, fp32 RMSNorm, 128-token chunked loss */
    LLMCOST_FW_COUNT
} llmcost_framework;

/*
 * The parallel layout. Ranks are ordered tensor-parallel fastest, then context, then data, then pipeline
 * (Megatron-LM's default order); expert parallelism groups ranks of a pipeline stage (tp x cp x dp; over TP ranks
 * too: Megatron-Core's MoE parallel folding, with expert tensor parallelism fastest).
 * Zero means "not set" where the field allows it (llmcost_layout_resolve fills it in).
 */
typedef struct llmcost_layout {
    unsigned int version; /* LLMCOST_LAYOUT_VERSION, set by the _INIT macro or the _init() function */
    int64_t gpus;           /* all GPUs of the job; 0: tp*cp*pp*dp */
    int64_t tp;             /* tensor parallel (Shoeybi et al. 2019) */
    int64_t pp;             /* pipeline stages (Narayanan et al. 2021) */
    int64_t vpp;            /* virtual stages per GPU (interleaved 1F1B); 1: plain 1F1B */
    int64_t dp;             /* data parallel replicas; 0: derived from gpus */
    int64_t cp;             /* context parallel: the sequence split across GPUs (Llama 3 §3.3.2) */
    int64_t ep;             /* expert parallel: routed experts split across GPUs (Lepikhin et al. 2020) */
    int zero;               /* ZeRO stage over the data-parallel group: 0 none, 1 states, 2 +gradients, 3 +weights (FSDP) */
    bool sequence_parallel; /* Korthikanti et al. 2022: norms/dropout split over the TP group; on for megatron tp>1 */
    bool ep_overlap;        /* expert all-to-all behind another micro-batch's compute, 20 SMs taken (DeepSeek-V3 DualPipe) */
    bool tp_overlap;        /* tensor-parallel collectives chunked behind the GEMMs (TE userbuffers' defaults, step.c) */
} llmcost_layout;

#define LLMCOST_LAYOUT_VERSION 1
#define LLMCOST_LAYOUT_INIT                                                                                       \
    {.version = LLMCOST_LAYOUT_VERSION, .gpus = 0, .tp = 1, .pp = 1, .vpp = 1, .dp = 0, .cp = 1, .ep = 1,        \
     .zero = 0, .sequence_parallel = false, .ep_overlap = false, .tp_overlap = false}

/* Fills "out" with LLMCOST_LAYOUT_INIT: one GPU, no parallelism. Returns 0, or LLMCOST_EINVAL when "out" is NULL. */
int llmcost_layout_init(llmcost_layout *out);

/* Bytes per parameter of a precision recipe x optimizer (llmcost_job_param_bytes, job.h): one table for every
 * engine. */
typedef struct llmcost_param_bytes {
    double weights;   /* the stored weights */
    double gradients; /* the gradients (the main-gradient buffer of mixed precision) */
    double master;    /* fp32 master copy the optimizer keeps (0 when the weights are the master) */
    double moment;    /* one optimizer state element (an AdamW moment, an SGD momentum) */
    double states;    /* optimizer state bytes per parameter, master excluded (Adafactor's factored second
                         moment is per matrix, not per parameter, and is not included) */
    double optimizer; /* master + states */
} llmcost_param_bytes;

const char *llmcost_precision_name(llmcost_precision p);
/* Parses "fp32", "amp-bf16" (also "amp"), "bf16", "bf16-master", "fp8", "fp16"; -1 if unknown. */
int llmcost_precision_parse(const char *s);
const char *llmcost_framework_name(llmcost_framework f);
/* "hf", "megatron", "torchtune", "litgpt"; -1 if unknown. */
int llmcost_framework_parse(const char *s);
/* Does the profile run PyTorch eager kernels (hf, torchtune, litgpt), rather than Megatron's fused ones? */
bool llmcost_framework_eager(llmcost_framework f);

/*
 * Completes and checks "l" for model "m" (may be NULL): derives dp from gpus (or gpus from the degrees), checks
 * that the degrees multiply to the GPU count, that tp divides the attention heads, that ep divides the routed
 * experts and dp*cp, that pp x vpp chunks fit the layers, and that no degree is below 1: the layout part of
 * llmcost_job_validate() (job.h), which checks the rest of the job too. Fails with LLMCOST_EINVAL naming the
 * field ("layout.tp = 3 does not divide the 32 attention heads of llama-7b").
 */
int llmcost_layout_resolve(llmcost_layout *l, const llmcost_model *m);

#ifdef __cplusplus
}
#endif

#endif
