/* finetune.h - fine-tuning: which parameters train, which stay frozen, and the bytes each part takes in its storage
 * format (full fine-tuning, LoRA and DoRA adapters, frozen bases quantised as bitsandbytes NF4/FP4, LLM.int8 or
 * AWQ-style group-wise int4).
 *
 *   llmcost_finetune ft = LLMCOST_FINETUNE_INIT;        (all zero: no fine-tuning, every parameter trains)
 *   ft.method = LLMCOST_FT_LORA; ft.rank = 16;
 *   llmcost_lora_targets_parse(&ft.targets, model, "q_proj,k_proj,v_proj,o_proj")   Hugging Face module names
 *   llmcost_finetune_count(&fp, model, &ft)           trainable, frozen, adapters per target, storage bytes
 *
 * Module names are those of the transformers modeling code (4.x layout: every routed expert an nn.Linear in a
 * ModuleList; families whose experts are fused 3-D parameters, gpt-oss and Llama 4, have no expert modules to
 * name), matched as PEFT matches target_modules: a name selects every Linear whose last name component it is
 * ("c_proj" in GPT-2 is both the attention output and the MLP's down projection; "gate_proj" in Qwen2-MoE is the
 * dense, routed and shared experts' gate). "all-linear" is PEFT's: every Linear (and GPT-2's Conv1D) but the
 * output head. LoRA adds A (r x in) and B (out x r) per adapted matrix, no bias (PEFT's bias="none"); DoRA adds a
 * magnitude vector of "out" entries (PEFT's lora_magnitude_vector).
 *
 * State-space and linear-attention mixers (Mamba, Mamba-2, Jamba, Falcon-H1, Nemotron-H, Qwen3-Next's Gated
 * DeltaNet) take adapters on their Linears (in_proj, x_proj, dt_proj, out_proj; in_proj_qkvz, in_proj_ba), except
 * the weights transformers' fused Mamba kernel reads itself in training (mamba_inner_fn: x_proj, dt_proj, out_proj;
 * mamba_split_conv1d_scan_combined: out_proj), which are refused as targets (PEFT refuses out_proj on those model
 * types), all-linear with them, and stay in 16 bits under QLoRA (docs/formulas.md, "Fine-tuning on state-space and
 * hybrid models"). Qwen3.5's Gated DeltaNet has four input Linears (in_proj_qkv, in_proj_z, in_proj_b, in_proj_a);
 * Granite 4.0's shared MLP fuses gate and up in input_linear; experts held as 3-D parameters (Qwen3.5-MoE, Granite
 * 4.0's ParallelExperts) are no Linears. Zamba2 is refused (its shared blocks' adapter Linears need roles past the
 * 32 bits of the targets mask).
 */
#ifndef LLMCOST_FINETUNE_H
#define LLMCOST_FINETUNE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common.h"
#include "model.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
    LLMCOST_FT_NONE,  /* pre-training: every parameter trains (the default) */
    LLMCOST_FT_FULL,  /* full fine-tuning: every parameter trains, as in pre-training */
    LLMCOST_FT_LORA,  /* LoRA (Hu et al. 2021, arXiv 2106.09685): the base frozen in the job's precision */
    LLMCOST_FT_QLORA, /* QLoRA (Dettmers et al. 2023, arXiv 2305.14314): the base frozen and quantised */
    LLMCOST_FT_COUNT
} llmcost_finetune_method;

typedef enum {
    LLMCOST_QUANT_NONE,
    LLMCOST_QUANT_NF4,  /* bitsandbytes 4-bit NormalFloat, blocks of 64 with an fp32 absmax each */
    LLMCOST_QUANT_FP4,  /* bitsandbytes 4-bit float: the same storage as NF4 */
    LLMCOST_QUANT_INT8, /* LLM.int8() (bitsandbytes Int8Params): int8 weights and an fp32 scale per output row */
    LLMCOST_QUANT_INT4, /* group-wise int4 as AWQ stores it: packed 4-bit weights, an fp16 scale and a 4-bit zero
                           per group of "quant_group" inputs per output column */
    LLMCOST_QUANT_COUNT
} llmcost_quant;

typedef enum {
    LLMCOST_LORA_PLAIN, /* LoRA */
    LLMCOST_LORA_DORA,  /* DoRA (Liu et al. 2024, arXiv 2402.09353): LoRA plus a magnitude per output */
    LLMCOST_LORA_VARIANT_COUNT
} llmcost_lora_variant;

/* The matrices of a decoder (what a LoRA target names), whatever each family calls them. */
typedef enum {
    LLMCOST_LR_Q,              /* query projection (MLA without a query latent: q_proj) */
    LLMCOST_LR_K,
    LLMCOST_LR_V,
    LLMCOST_LR_QKV,            /* fused q, k and v (GPT-2 c_attn, Falcon query_key_value, Phi-3 qkv_proj) */
    LLMCOST_LR_O,              /* attention output */
    LLMCOST_LR_Q_A,            /* MLA: q_a_proj (hidden -> q_lora_rank) */
    LLMCOST_LR_Q_B,            /* MLA: q_b_proj */
    LLMCOST_LR_KV_A,           /* MLA: kv_a_proj_with_mqa (hidden -> kv_lora_rank + rope dim) */
    LLMCOST_LR_KV_B,           /* MLA: kv_b_proj */
    LLMCOST_LR_MLP_GATE,       /* dense MLP */
    LLMCOST_LR_MLP_UP,
    LLMCOST_LR_MLP_GATE_UP,    /* fused gate and up (Phi-3 gate_up_proj) */
    LLMCOST_LR_MLP_DOWN,
    LLMCOST_LR_EXPERT_GATE,    /* every routed expert's */
    LLMCOST_LR_EXPERT_UP,
    LLMCOST_LR_EXPERT_DOWN,
    LLMCOST_LR_SHARED_GATE,    /* the shared experts' */
    LLMCOST_LR_SHARED_UP,
    LLMCOST_LR_SHARED_DOWN,
    LLMCOST_LR_ROUTER,         /* the router, where it is an nn.Linear */
    LLMCOST_LR_SHARED_EXPERT_GATE, /* Qwen2-MoE's Linear(hidden, 1) on the shared expert */
    LLMCOST_LR_PROJECT_IN,     /* OPT-350m's embedding projections */
    LLMCOST_LR_PROJECT_OUT,
    /* Appended (the values above keep theirs): the Linears of the state-space and linear-attention mixers
     * (llmcost_ssm), as transformers names them. llmcost_finetune_params' per-role arrays stop before them (their
     * adapters are in its totals); llmcost_finetune_role_count() counts any role. */
    LLMCOST_LR_SSM_IN,         /* Mamba, Mamba-2 (Jamba, Falcon-H1, Nemotron-H): in_proj (h -> 2d, or z, x, B, C, dt) */
    LLMCOST_LR_SSM_X,          /* Mamba: x_proj (d -> dt_rank + 2 d_state) */
    LLMCOST_LR_SSM_DT,         /* Mamba: dt_proj (dt_rank -> d) */
    LLMCOST_LR_SSM_OUT,        /* the mixer's out_proj (d -> h): Mamba, Mamba-2, Gated DeltaNet */
    LLMCOST_LR_GDN_QKVZ,       /* Gated DeltaNet (Qwen3-Next): in_proj_qkvz (h -> q, k, v, z); where the input
                                  projections are split (Qwen3.5, llmcost_ssm.split_proj): in_proj_qkv (h -> q, k, v) */
    LLMCOST_LR_GDN_BA,         /* Gated DeltaNet: in_proj_ba (h -> beta, a: 2 heads); split: in_proj_b (h -> beta) */
    LLMCOST_LR_GDN_Z,          /* Gated DeltaNet split (Qwen3.5): in_proj_z (h -> z, the output gate: d_inner) */
    LLMCOST_LR_GDN_A,          /* Gated DeltaNet split (Qwen3.5): in_proj_a (h -> a, the decay input: one a head) */
    LLMCOST_LR_SHARED_GATE_UP, /* the shared MLP's fused gate and up (Granite 4.0's shared_mlp.input_linear beside its
                                  experts; without experts it is the dense MLP: LLMCOST_LR_MLP_GATE_UP). The 32nd role:
                                  the uint32_t masks are full */
    LLMCOST_LR_COUNT
} llmcost_lora_role;

/* The roles llmcost_finetune_params' adapted_matrices[] and adapter[] hold (the decoder's, before the mixers'):
 * index them only below it; llmcost_finetune_role_count() counts every role. */
#define LLMCOST_LR_FIRST_ROLES 23

typedef struct llmcost_finetune {
    llmcost_finetune_method method;
    int64_t rank;              /* LoRA rank r (0: 8, PEFT's default) */
    double alpha;              /* lora_alpha (0: 8, PEFT's default); the update is scaled by alpha / r */
    uint32_t targets;          /* bits (1u << llmcost_lora_role) of the adapted matrices; 0: the model type's PEFT
                                  default (llmcost_lora_targets_default) */
    llmcost_lora_variant variant;
    llmcost_quant quant;       /* the frozen base's storage (QLoRA only; 0: NF4 for QLoRA) */
    bool double_quant;         /* NF4/FP4: the absmax quantised again (bnb_4bit_use_double_quant) */
    int64_t quant_group;       /* int4: inputs per group (0: 128) */
    /* Added later (zero: the defaults): what the memory engine needs of the adapters' training. */
    double dropout;            /* lora_dropout, in [0, 1) (0: PEFT's default, no dropout module) */
    int adapter_bytes;         /* bytes of an adapter element: 0 the framework's (hf: 4, PEFT casts adapters to fp32;
                                  megatron: the precision recipe's), 2 (bf16: torchtune, LitGPT), 4 (fp32) */
} llmcost_finetune;

/* All zero: pre-training. */
#define LLMCOST_FINETUNE_INIT {LLMCOST_FT_NONE, 0, 0.0, 0u, LLMCOST_LORA_PLAIN, LLMCOST_QUANT_NONE, false, 0, 0.0, 0}

/* "none", "full", "lora", "qlora"; "none", "nf4", "fp4", "int8", "int4"; "lora", "dora" ("?" out of range). */
const char *llmcost_finetune_method_name(llmcost_finetune_method m);
const char *llmcost_quant_name(llmcost_quant q);
const char *llmcost_lora_variant_name(llmcost_lora_variant v);
/* The role's name in JSON ("q", "kv_a", "expert_down", ...). */
const char *llmcost_lora_role_name(llmcost_lora_role r);

/* The Hugging Face module name of role "r" in model "m" ("q_proj", "query_key_value", "w1", ...), or NULL when the
 * model has no such nn.Linear (no layer builds it, or the family's code makes it a plain parameter). */
const char *llmcost_lora_module_name(const llmcost_model *m, llmcost_lora_role r);

/*
 * "list": Hugging Face module names separated by commas ("q_proj,v_proj"), or "all-linear". Each name selects every
 * matrix of "m" it names. Fails with LLMCOST_EINVAL naming lora_targets and the name when a name is not a Linear
 * module of "m" (the message lists the model's names), and LLMCOST_EUNSUPPORTED when llmcost does not know the
 * module names of the model's type.
 */
int llmcost_lora_targets_parse(uint32_t *mask, const llmcost_model *m, const char *list);

/* PEFT's default targets for the model type (TRANSFORMERS_MODELS_TO_LORA_TARGET_MODULES_MAPPING: the query and
 * value projections, or the fused qkv matrix). LLMCOST_EUNSUPPORTED when PEFT has no default for the type (PEFT
 * then asks for target_modules). */
int llmcost_lora_targets_default(uint32_t *mask, const llmcost_model *m);

/* The module names of "mask" in "m", comma-separated, into "buf" ("q_proj,v_proj"). */
void llmcost_lora_targets_format(char *buf, size_t n, const llmcost_model *m, uint32_t mask);

/* Checks "ft" against "m" (NULL: the rules that need no model), messages naming the job's fields (finetune,
 * lora_rank, lora_targets, quant, double_quant, quant_group). LLMCOST_EINVAL. */
int llmcost_finetune_check(const llmcost_finetune *ft, const llmcost_model *m);

/* What trains and what stays frozen, exactly, and the bytes of each part in its storage format. */
typedef struct llmcost_finetune_params {
    llmcost_finetune_method method;
    int64_t base;              /* the model's parameters (llmcost_params.total) */
    int64_t trainable;         /* adapters (LoRA, DoRA) or the whole model (full, none) */
    int64_t frozen;            /* the base under LoRA / QLoRA, else 0 */
    int64_t adapted_matrices[LLMCOST_LR_FIRST_ROLES]; /* matrices given adapters, per role (all layers, all experts);
                                                         the mixers' roles: llmcost_finetune_role_count() */
    int64_t adapter[LLMCOST_LR_FIRST_ROLES];          /* adapter parameters per role (A, B and DoRA's magnitude) */
    int64_t lora_ab;           /* r x (in + out) summed over the adapted matrices */
    int64_t magnitude;         /* DoRA: out summed over the adapted matrices */
    /* Storage of the frozen base (QLoRA; under LoRA everything frozen is "dense"). */
    int64_t quantized_params;  /* weights of the quantised Linears */
    int64_t quant_weight_bytes;/* their packed data: NF4/FP4 ceil(n/2); int8 n; int4 AWQ qweight */
    int64_t quant_scale_bytes; /* NF4/FP4: absmax (fp32, or uint8 + nested fp32 + offset), the 16-entry fp32 code;
                                  int8: fp32 row scales; int4: fp16 scales and packed zeros */
    int64_t dense_params;      /* frozen parameters kept in the job's dtype (embeddings, head, norms, biases, fused
                                  experts, ...); under full fine-tuning and pre-training 0 */
    double dense_bytes_per_param; /* what the caller stated (llmcost_finetune_count: 2, 16-bit) */
    int64_t dense_bytes;
    int64_t adapter_bytes_per_param; /* ft->adapter_bytes, else 4: PEFT casts adapters to fp32 (get_peft_model's
                                        autocast_adapter_dtype) */
    int64_t adapter_bytes;
    int64_t frozen_bytes;      /* quant_weight_bytes + quant_scale_bytes + dense_bytes */
} llmcost_finetune_params;

/*
 * Counts "m"'s trainable and frozen parameters under "ft" (checked with llmcost_finetune_check; targets 0: the
 * model type's default), with frozen 16-bit parts at 2 bytes and adapters at 4 bytes (fp32). Under QLoRA every
 * nn.Linear of the decoder layers is quantised (bitsandbytes replaces every nn.Linear but the head; AWQ int4 leaves
 * routers and gates in 16 bits); embeddings, the head, norms, biases and parameters that are not Linear modules stay
 * in 16 bits. Fails with LLMCOST_EINVAL / LLMCOST_EUNSUPPORTED as the check, LLMCOST_EOVERFLOW.
 */
int llmcost_finetune_count(llmcost_finetune_params *out, const llmcost_model *m, const llmcost_finetune *ft);

/* The matrices of role "r" (any role, the mixers' included) given adapters under "ft", and their adapter parameters
 * (A, B and DoRA's magnitude), as llmcost_finetune_count counts them; *matrices, *params 0 when "ft" trains no
 * adapters. Fails as llmcost_finetune_count does, and with LLMCOST_EINVAL for a role out of range. */
int llmcost_finetune_role_count(int64_t *matrices, int64_t *params, const llmcost_model *m, const llmcost_finetune *ft,
                                llmcost_lora_role r);

/* The document of `llmcost params --finetune ... --format json`: the params document (llmcost_params_to_json) with a
 * "finetune" object. *out is freed with llmcost_free(). */
int llmcost_finetune_params_to_json(char **out, const llmcost_model *m, const llmcost_finetune *ft);

/*
 * Added in h-ft19 (issue 19): llmcost_finetune_count as framework "framework" (an llmcost_framework, layout.h)
 * stores the job, the count the memory and step engines use. hf and megatron: llmcost_finetune_count. torchtune:
 * adapters in bf16 unless ft->adapter_bytes says otherwise; QLoRA's base in torchao's NF4 (always double-quantised:
 * int8 block absmax, bf16 factors per 256 blocks, a bf16 mean and 16-entry table per matrix), the head in bf16;
 * quant other than nf4 fails with LLMCOST_EUNSUPPORTED. litgpt: adapters in bf16; QLoRA (bitsandbytes) quantises an
 * untied head too; quant int4 fails with LLMCOST_EUNSUPPORTED. Other failures as llmcost_finetune_count.
 */
int llmcost_finetune_count_framework(llmcost_finetune_params *out, const llmcost_model *m, const llmcost_finetune *ft,
                                     int framework);

/* Added in h-ft19: llmcost_finetune_params_to_json under "framework" (llmcost_finetune_count_framework); the
 * "finetune" object adds "framework", and its "storage" adds adapter_bytes_per_param and head_quantized.
 * llmcost_finetune_params_to_json is this with LLMCOST_FW_HF. */
int llmcost_finetune_params_to_json_framework(char **out, const llmcost_model *m, const llmcost_finetune *ft,
                                              int framework);

#ifdef __cplusplus
}
#endif

#endif
