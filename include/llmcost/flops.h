/* flops.h - exact FLOPs of a training step, per component and per operation, under named conventions. */
#ifndef LLMCOST_FLOPS_H
#define LLMCOST_FLOPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Attention kernel: eager materialises scores (backward = 2x forward); sdpa/flash recompute them in the
 * backward pass (backward = 2.5x forward, as PyTorch's flop counter counts the fused kernels). Added in ABI 1.x
 * (appended, so the first three keep their values): the kernel generations a run can name, each timed by its own
 * published efficiency curve (data/calibration/attention_kernels.json). SDPA_MATH is PyTorch's math backend: every
 * pair as fp32 batched GEMMs and the probabilities kept, like eager; the others are fused and skip masked blocks. */
typedef enum {
    LLMCOST_ATTN_EAGER,
    LLMCOST_ATTN_SDPA,      /* PyTorch SDPA as it dispatches (measured: cuDNN on Hopper/Blackwell, FA2 on Ampere/Ada) */
    LLMCOST_ATTN_FLASH,     /* the flash-attn package's flash_attn_func: FlashAttention-2 */
    LLMCOST_ATTN_SDPA_MATH, /* PyTorch SDPA's math backend (fp32, unfused) */
    LLMCOST_ATTN_FLASH2,    /* FlashAttention-2 (Dao 2023) */
    LLMCOST_ATTN_FLASH3,    /* FlashAttention-3 (Shah et al. 2024), Hopper only */
    LLMCOST_ATTN_CUDNN,     /* cuDNN fused attention (Transformer Engine's FusedAttention, SDPA's cuDNN backend) */
    LLMCOST_ATTN_TRITON,    /* FlashAttention in Triton (llm-foundry's attn_impl triton) */
    LLMCOST_ATTN_FLASH4,    /* FlashAttention-4 (Zadouri et al. 2026, CuTe DSL), Blackwell only; added in h-blackwell */
    LLMCOST_ATTN_COUNT
} llmcost_attn_impl;

/* Activation recomputation: none; selective = the attention core only (Korthikanti et al. 2022);
 * full = the whole layer's forward again during backward. */
typedef enum { LLMCOST_RECOMPUTE_NONE, LLMCOST_RECOMPUTE_SELECTIVE, LLMCOST_RECOMPUTE_FULL } llmcost_recompute;

/* Attention-score convention: unmasked counts all s*s pairs (PyTorch's flop counter); causal counts the
 * s*(s+1)/2 pairs a causal kernel computes (sliding-window layers only those in the window). */
typedef enum { LLMCOST_CONV_CAUSAL, LLMCOST_CONV_UNMASKED } llmcost_convention;

typedef struct llmcost_flops_options {
    unsigned int version; /* LLMCOST_FLOPS_OPTIONS_VERSION, set by the _INIT macro or the _init() function */
    int64_t batch;                 /* sequences per step (per micro-batch when used by the time engine) */
    int64_t seq;                   /* tokens per sequence */
    llmcost_attn_impl attention;
    llmcost_recompute recompute;
    llmcost_convention convention;
    bool frozen_embedding;         /* the first layer needs no input gradient */
    double expert_act_bytes;       /* bytes per activation element on the routed experts' path: 2 (bf16, the
                                      default; 0 means 2), 4 when the experts run in fp32 (autocast over fp32
                                      weights: transformers' grouped_mm casts its input to the weights' dtype) */
} llmcost_flops_options;

#define LLMCOST_FLOPS_OPTIONS_VERSION 1
#define LLMCOST_FLOPS_OPTIONS_INIT                                                                                \
    {.version = LLMCOST_FLOPS_OPTIONS_VERSION, .batch = 1, .seq = 2048, .attention = LLMCOST_ATTN_SDPA,          \
     .recompute = LLMCOST_RECOMPUTE_NONE, .convention = LLMCOST_CONV_CAUSAL, .frozen_embedding = false,          \
     .expert_act_bytes = 2}

/* Fills "opts" with the defaults of LLMCOST_FLOPS_OPTIONS_INIT. Returns 0, or LLMCOST_EINVAL when "opts" is NULL. */
int llmcost_flops_options_init(llmcost_flops_options *opts);

/* Forward FLOPs by component (matrix products only). */
typedef enum {
    LLMCOST_FC_Q,                /* query projection (MLA: q_a and q_b, or q directly) */
    LLMCOST_FC_KV,               /* key and value projections (MLA: kv_a and kv_b) */
    LLMCOST_FC_O,                /* output projection */
    LLMCOST_FC_SCORES,           /* Q K^T */
    LLMCOST_FC_VALUES,           /* softmax(.) V */
    LLMCOST_FC_MLP_DENSE_LAYERS, /* dense MLPs (all layers of a dense model; first-k-dense layers of an MoE) */
    LLMCOST_FC_ROUTED_EXPERTS,   /* routed experts: 2 * tokens * top_k * expert matrices */
    LLMCOST_FC_SHARED_EXPERTS,
    LLMCOST_FC_ROUTER,
    LLMCOST_FC_LM_HEAD,          /* includes OPT-350m's embedding projections */
    LLMCOST_FC_OTHER,            /* rotary frequency product and other small matrix products */
    LLMCOST_FC_COUNT
} llmcost_flops_component;

typedef enum {
    LLMCOST_OP_MATMUL,     /* a GEMM [m,k] x [k,n], "batch" times; a fused qkv GEMM has n2 = its query columns */
    LLMCOST_OP_EXPERTS,    /* routed experts: "batch" = experts, each a GEMM of m = tokens routed to it (average) */
    LLMCOST_OP_ATTENTION,  /* attention core of one layer: m = queries, n = keys per query (full), k = qk head
                              dim, "batch" = batch x heads; "n2" = value head dim */
    LLMCOST_OP_ELEMENTWISE /* memory-bound work: norms, activations, rotary, softmax, residual adds, dropout, loss */
} llmcost_op_kind;

/*
 * What an op is, set where the op is made (flops.c): the time engine chooses its kernel from the role (the
 * measured kernel mix of eager PyTorch, or the fused kernel a Megatron-style profile runs instead), never from the
 * op's name, which is only for people.
 */
typedef enum llmcost_op_role {
    LLMCOST_ROLE_OTHER,              /* plain element-wise work (dropout, soft-capping, logit scaling, tables) */
    LLMCOST_ROLE_LINEAR,             /* a linear layer's GEMM (projections, MLP matrices, router, LM head) */
    LLMCOST_ROLE_EXPERTS,            /* the routed experts' grouped GEMMs (LLMCOST_OP_EXPERTS) */
    LLMCOST_ROLE_ATTENTION,          /* the attention core (LLMCOST_OP_ATTENTION) */
    LLMCOST_ROLE_ROTARY_TABLE,       /* rotary frequencies and their cos/sin, per sequence */
    LLMCOST_ROLE_EMBEDDING,          /* the token embedding's gather */
    LLMCOST_ROLE_NORM,               /* RMSNorm or LayerNorm, any width */
    LLMCOST_ROLE_ROTARY,             /* rotary embedding applied to q and k (MLA: with its cat) */
    LLMCOST_ROLE_SOFTMAX,            /* eager attention's scale + mask + softmax over the scores */
    LLMCOST_ROLE_DROPOUT,            /* dropout apart from the residual stream's */
    LLMCOST_ROLE_RESIDUAL_DROPOUT,   /* dropout on a block's output before the residual add */
    LLMCOST_ROLE_TRANSPOSE,          /* attention output back to [tokens, heads x dv] */
    LLMCOST_ROLE_ACTIVATION,         /* the MLP's activation */
    LLMCOST_ROLE_GATED_ACTIVATION,   /* act(gate) * up */
    LLMCOST_ROLE_RESIDUAL_ADD,       /* a residual add (with a parallel block's two branches) */
    LLMCOST_ROLE_ADD,                /* another add of two tensors (position embedding, gradients, shared expert) */
    LLMCOST_ROLE_CAST,               /* a dtype cast */
    LLMCOST_ROLE_LOSS,               /* logits to fp32 and cross-entropy */
    LLMCOST_ROLE_ROUTING,            /* router scores, top-k and normalisation */
    LLMCOST_ROLE_EXPERT_SORT,        /* sort of token-slots by expert and its index work */
    LLMCOST_ROLE_EXPERT_GATHER,      /* token rows gathered into expert order */
    LLMCOST_ROLE_EXPERT_MASK,        /* masked_fill of sentinel slots */
    LLMCOST_ROLE_EXPERT_ACTIVATION,  /* the experts' activation (LLMCOST_OPF_GATED: act(gate) * up) */
    LLMCOST_ROLE_EXPERT_ACTIVATION_GRAD, /* backward-only gradients of the experts' gated activation */
    LLMCOST_ROLE_EXPERT_SCALE,       /* expert outputs times their routing weights */
    LLMCOST_ROLE_EXPERT_SCALE_GRADS, /* backward-only gradients of that product */
    LLMCOST_ROLE_EXPERT_UNPERMUTE,   /* rows gathered back into token order */
    LLMCOST_ROLE_EXPERT_SUM,         /* the top-k outputs of each token summed */
    LLMCOST_ROLE_SHARED_GATE,        /* sigmoid gate times the shared expert's output */
    LLMCOST_ROLE_COUNT
} llmcost_op_role;

/* How an op splits over a parallel layout and what it reads, set where the op is made (llmcost_op.flags). */
#define LLMCOST_OPF_RESIDUAL     0x01u /* over the hidden-width residual stream: split over TP only with sequence
                                          parallelism; kept in the weights' dtype (fp32 under autocast) */
#define LLMCOST_OPF_REPLICATED   0x02u /* never split over TP (MLA's latents, routing, rotary tables, projections
                                          in and out of a narrower embedding) */
#define LLMCOST_OPF_PER_SEQUENCE 0x04u /* once per sequence: not split over context parallelism either */
#define LLMCOST_OPF_ROW_PARALLEL 0x08u /* a linear layer split over TP by rows (its input), not by columns */
#define LLMCOST_OPF_NORMED_INPUT 0x10u /* a linear layer reading the normalised residual stream (autocast casts it) */
#define LLMCOST_OPF_EXPERT_PATH  0x20u /* on the mixture-of-experts block's path: bytes counted in the dtype the
                                          experts run in (llmcost_flops_options.expert_act_bytes) */
#define LLMCOST_OPF_MOE_HIDDEN   0x40u /* a [tokens, hidden] op of that block: split over TP like the residual */
#define LLMCOST_OPF_DISPATCH     0x80u /* bookkeeping of transformers' eager expert dispatch (masks, weights, sums,
                                          casts, sort): absent under a fused token dispatcher */
#define LLMCOST_OPF_GATED        0x100u /* the experts' activation is gated */
#define LLMCOST_OPF_FUSED_KERNEL 0x200u /* one fused custom kernel whatever the framework (the mamba_ssm and
                                           causal_conv1d kernels): streamed at the copy rate, not eager's mix */
#define LLMCOST_OPF_KERNEL_WEIGHT 0x400u /* a linear layer whose weight a fused custom kernel takes as a tensor
                                            (mamba_inner_fn: x_proj, dt_proj, out_proj; Mamba-2's out_proj): its
                                            backward computes the weight's gradient whether the weight trains or not */

/* One operation of the forward pass as eager PyTorch (HF transformers) runs it, with its backward. */
typedef struct llmcost_op {
    llmcost_op_kind kind;
    llmcost_flops_component component; /* for matmul-like ops; LLMCOST_FC_COUNT for element-wise */
    const char *name;      /* "q_proj", "input_layernorm", "silu*up", "cross_entropy", ... */
    int32_t layer;         /* decoder layer index; -1 before the layers (embedding), n_layers after (head, loss) */
    double m, n, k, n2;    /* shape, see llmcost_op_kind */
    double batch;
    double flops;          /* forward FLOPs (convention applied to attention) */
    double bwd_flops;      /* backward FLOPs */
    double bytes;          /* element-wise: bytes read + written in forward at the activation dtype */
    double bwd_bytes;      /* element-wise: bytes read + written in backward */
    double kernels;        /* kernel launches in forward (element-wise ops: unfused eager PyTorch) */
    double bwd_kernels;    /* element-wise: kernel launches autograd makes for it in backward */
    llmcost_op_role role;  /* what it is (the time engine's kernel choice) */
    uint32_t flags;        /* LLMCOST_OPF_*: how it splits over a layout */
} llmcost_op;

typedef struct llmcost_flops {
    double tokens;                       /* batch * seq */
    double forward;                      /* forward FLOPs of the step (matrix products), chosen convention */
    double backward;                     /* backward FLOPs */
    double recompute;                    /* forward FLOPs repeated by recomputation */
    double model_flops;                  /* forward + backward: what MFU counts (PaLM App. B) */
    double hardware_flops;               /* model_flops + recompute: what HFU counts */
    double per_token;                    /* model_flops / tokens */
    double components[LLMCOST_FC_COUNT]; /* forward FLOPs by component, chosen convention */
    double components_bwd[LLMCOST_FC_COUNT]; /* backward FLOPs by component */
    double forward_unmasked;             /* forward under each convention, for the side-by-side table */
    double forward_causal;
    double backward_unmasked;
    double backward_causal;
    double dense_layer_forward;          /* forward FLOPs in dense layers and in MoE layers */
    double moe_layer_forward;
    double mtp_forward;                  /* MTP modules (DeepSeek-V3 §2.2), apart from the totals */
    double elementwise_flops;            /* forward element-wise FLOPs, apart from the totals */
    double elementwise_bytes;            /* forward element-wise bytes read + written */
} llmcost_flops;

/* Computes the FLOPs of one training step of "m" under "opt". Fails with LLMCOST_EINVAL for a bad option. */
int llmcost_flops_compute(llmcost_flops *out, const llmcost_model *m, const llmcost_flops_options *opt);

/*
 * The step's operations in execution order (forward; backward runs them in reverse). *out is a new array of
 * *n ops freed with llmcost_free(). Per-layer ops are listed for every layer. Ops of MTP modules are not listed.
 */
int llmcost_flops_ops(llmcost_op **out, size_t *n, const llmcost_model *m, const llmcost_flops_options *opt);

const char *llmcost_flops_component_name(llmcost_flops_component c);

/* The model's typical decoder layer: its first MoE layer if it has any (DeepSeek-V3: layer 3), else layer 0. */
int64_t llmcost_flops_typical_layer(const llmcost_model *m);

/* Forward FLOPs of the matrix products of decoder layer "layer" under "opt" (the course's "one layer"). */
int llmcost_flops_layer_forward(double *out, const llmcost_model *m, int64_t layer, const llmcost_flops_options *opt);

/* Training FLOPs per step under the conventions the field uses, for comparison with the exact count. */
typedef enum {
    LLMCOST_CONVENTION_6ND_TOTAL,  /* 6 * N_total * D (Kaplan et al. 2020; Hoffmann et al. 2022) */
    LLMCOST_CONVENTION_6ND_ACTIVE, /* 6 * N_active * D */
    LLMCOST_CONVENTION_KAPLAN,     /* 3 * (2N + 2 n_layer n_ctx d_attn) per token (Kaplan et al. 2020, Table 1) */
    LLMCOST_CONVENTION_PALM,       /* (6N + 12 L H Q T) per token (Chowdhery et al. 2022, App. B) */
    LLMCOST_CONVENTION_MEGATRON,   /* 72 B s L h^2 (1 + s/(6h) + V/(12 h L)) (Narayanan et al. 2021, eq. 3) */
    LLMCOST_CONVENTION_EXACT_UNMASKED,
    LLMCOST_CONVENTION_EXACT_CAUSAL,
    LLMCOST_CONVENTION_COUNT
} llmcost_convention_kind;

/* Training FLOPs of one step (forward + backward, no recomputation) under convention "c". */
double llmcost_flops_convention(llmcost_convention_kind c, const llmcost_model *m, const llmcost_flops *f,
                                const llmcost_flops_options *opt);
const char *llmcost_convention_name(llmcost_convention_kind c);
const char *llmcost_convention_source(llmcost_convention_kind c);

/* One sequence length of a sweep (`llmcost flops --sweep-seq`): how far 6N strays from the exact count. */
typedef struct llmcost_flops_sweep_point {
    int64_t seq;
    double attention_share;         /* attention scores + values over the forward pass's FLOPs */
    double per_token;               /* exact training FLOPs per token (llmcost_flops.per_token) */
    double six_nd_total_per_token;  /* 6 N_total: LLMCOST_CONVENTION_6ND_TOTAL per token */
    double six_nd_active_per_token; /* 6 N_active: LLMCOST_CONVENTION_6ND_ACTIVE per token */
} llmcost_flops_sweep_point;

/* Computes out[i] for the step "opt" at sequence length seqs[i] (opt->seq is ignored), i < n. Fails with the
 * first length's error from llmcost_flops_compute(). */
int llmcost_flops_sweep(llmcost_flops_sweep_point *out, const llmcost_model *m, const llmcost_flops_options *opt,
                        const int64_t *seqs, size_t n);

#ifdef __cplusplus
}
#endif

#endif
