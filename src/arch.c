/* arch.c - turns a Hugging Face config.json into the architecture description every engine reads. */
#define _POSIX_C_SOURCE 200809L
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "internal.h"
#include "llmcost/finetune.h"
#include "llmcost/model.h"
#include "llmcost/params.h"

/* Layers beyond this are not a real model; refusing them keeps allocation bounded. */
#define LC_MAX_LAYERS 65536

/* Spellings of the core keys across config classes (GPT-2/GPT-J/BLOOM n_*, MPT d_model/n_heads/n_layers). */
#define KEYS_HIDDEN LC_KEYS("hidden_size", "n_embd", "d_model", "n_embed")
#define KEYS_LAYERS LC_KEYS("num_hidden_layers", "n_layer", "num_layers", "n_layers")
#define KEYS_HEADS LC_KEYS("num_attention_heads", "n_head", "n_heads")
#define KEYS_MAXPOS LC_KEYS("max_position_embeddings", "n_positions", "max_sequence_length", "max_seq_len")
#define KEYS_EXPERTS LC_KEYS("num_local_experts", "num_experts", "n_routed_experts")
#define KEYS_TOPK LC_KEYS("num_experts_per_tok", "experts_per_token", "moe_top_k")

/* How a model_type lays its modules out (the transformers implementation it follows). Every family has its own
 * builder and its own case in build(): a new one cannot fall into another's by default. */
typedef enum {
    FAM_LLAMA,  /* embed, [RMSNorm, attention, RMSNorm, gated MLP or MoE] x L, RMSNorm, head: most modern models */
    FAM_GPT2,   /* learned positions, LayerNorm with bias, fused qkv, biases everywhere, tied head */
    FAM_OPT,    /* learned positions with offset 2, optional embedding projections, biases, tied head */
    FAM_FALCON, /* parallel attention and MLP, fused multi-query qkv, LayerNorm */
    FAM_NEOX,   /* GPT-NeoX / Pythia: parallel residual, partial rotary, biases, untied */
    FAM_GPTJ,   /* GPT-J: parallel residual, one LayerNorm, bias-free q/k/v/out, partial rotary, LM-head bias */
    FAM_BLOOM,  /* BLOOM: ALiBi, LayerNorm on the embedding, fused qkv, biases, tied */
    FAM_MPT,    /* MPT: ALiBi, bias-free Linears and LayerNorms, 4h MLP, tied */
    FAM_CHATGLM, /* ChatGLM2/3 and GLM-4 chat (remote modeling_chatglm.py): its own key names, fused qkv and gate_up */
    FAM_MAMBA,   /* Mamba, FalconMamba: embed, [RMSNorm, Mamba mixer] x L, RMSNorm, head (modeling_mamba.py) */
    FAM_MAMBA2,  /* Mamba-2: embed, [RMSNorm, Mamba-2 mixer] x L, RMSNorm, head (modeling_mamba2.py) */
    FAM_NEMOTRON_H, /* Nemotron-H: [RMSNorm, one of Mamba-2 / attention / MLP] x L by hybrid_override_pattern */
    FAM_QWEN3_NEXT, /* Qwen3-Next: [RMSNorm, Gated DeltaNet or gated attention, RMSNorm, MoE] x L by layer_types */
    FAM_MINIMAX,    /* MiniMax-Text-01 / M1: [RMSNorm, lightning or softmax attention, RMSNorm, Mixtral MoE] x L */
    FAM_JAMBA,      /* Jamba: [RMSNorm, Mamba or attention, RMSNorm, MLP or MoE] x L by the attention / expert periods */
    FAM_FALCON_H1,  /* Falcon-H1: [RMSNorm, attention + Mamba-2 in parallel, RMSNorm, gated MLP] x L */
    FAM_ZAMBA2      /* Zamba2: [RMSNorm, Mamba-2] x L, shared transformer blocks before the hybrid layers' mixers */
} family;

/* Which layers a config's sliding_window applies to, when it gives no layer_types. */
typedef enum {
    SW_NONE,              /* the family has no sliding windows (a window key would be refused as not understood) */
    SW_EVERY_LAYER,       /* every layer (Mistral, Mixtral, Phi-3, StarCoder2) */
    SW_FROM_MAX_WINDOW,   /* with use_sliding_window, layers from max_window_layers on (Qwen2, Qwen3 and their MoE) */
    SW_EVEN_LAYERS,       /* even layers (Gemma 2) */
    SW_ALL_BUT_EVERY_NTH, /* all but every sliding_window_pattern-th layer, the row's sliding_period by default (Gemma
                           * 3: 6, Cohere 2 and EXAONE 4.0: 4) */
    SW_NOPE_LAYERS        /* with use_sliding_window, the layers without rotary embedding (SmolLM3); set by its hook */
} sliding_rule;

/* Where a layer's hidden-width norms sit. */
typedef enum {
    NORMS_PRE,      /* before attention and before the MLP (Llama) */
    NORMS_FOUR,     /* before and after both (Gemma 2/3) */
    NORMS_POST_ONLY /* after attention and after the MLP only (OLMo 2) */
} norm_places;

struct type_info;
/* A family's own rules that no field says, run after the common reading: norms, biases, MLP form, parallel blocks,
 * logit scales, each as its transformers modeling_<type>.py builds them. */
typedef int (*family_hook)(const lc_cfg *c, const struct type_info *ti, llmcost_model *m);

/* One family: a row of named facts (defaults of its configuration_<type>.py, fixed choices of its modeling code). */
typedef struct type_info {
    const char *type;          /* model_type */
    const char *label;         /* human family name */
    family fam;
    bool tied;                 /* default of tie_word_embeddings in the config class */
    bool attn_bias;            /* default of attention_bias */
    bool qkv_bias;             /* q/k/v carry biases regardless of attention_bias (Qwen2) */
    llmcost_qknorm_kind qk_norm;
    norm_places norms;
    bool norm_fp32_weight;     /* RMSNorm applies its weight in fp32 (Gemma's 1 + w, OLMo 2, gpt-oss) */
    bool fused_qkv;            /* one qkv matrix (Phi-3) */
    bool fused_qkv_copied;     /* q and v copied out of the fused output (GPT-2) */
    bool fused_gate_up;        /* one gate_up matrix (Phi-3) */
    bool sinks;                /* per-head attention sinks (gpt-oss) */
    sliding_rule sliding;
    int64_t sliding_period;    /* SW_ALL_BUT_EVERY_NTH: the config class's default sliding_window_pattern */
    /* mixture of experts */
    bool expert_bias;          /* experts' Linears carry biases (gpt-oss) */
    bool clamped_glu;          /* gpt-oss's clamped SwiGLU experts */
    bool router_bias;          /* the router Linear has a bias (gpt-oss) */
    bool shared_gate;          /* a sigmoid Linear(hidden, 1) gates the shared expert (Qwen2-MoE) */
    bool score_correction;     /* e_score_correction_bias buffer per MoE layer (DeepSeek-V3) */
    bool score_correction_param; /* the same bias as an nn.Parameter (the model's own code: Kimi K2, DeepSeek-V3.2) */
    bool fp32_router;          /* the router multiplies fp32 copies of its input and weight (DeepSeek's MoEGate) */
    bool fp32_routing;         /* routing weights reach the experts in fp32 (Mixtral's softmax(logits.float()), DeepSeek) */
    const char *act;           /* default hidden_act */
    bool multi_query_key;      /* reads multi_query, default true (GPT-BigCode) */
    /* Keys naming layer kinds, patterns, experts or indexers (kind_words) that this family's own rules read beyond
     * the common ones (generic_keys); any other such key in a config of this type is refused (audit_known). */
    const char *const *reads;
    bool moe;                  /* its modeling code builds mixtures of experts from the common keys (read_moe) */
    bool mla;                  /* its modeling code builds multi-head latent attention (kv_lora_rank, ...) */
    family_hook adjust;
    const lc_lora_names *lora; /* its Linear modules' Hugging Face names and PEFT's default targets; NULL: not known
                                  (adapters refused) */
    uint32_t lora_name_clash;  /* roles whose module name the routed experts' non-Linear modules share
                                  (lc_arch_lora_name_clash) */
    const char *lora_refusal;  /* why adapters are refused where lora is NULL and the reason is known */
} type_info;

static int adjust_olmo(const lc_cfg *c, const type_info *ti, llmcost_model *m);
static int adjust_granite(const lc_cfg *c, const type_info *ti, llmcost_model *m);
static int adjust_cohere(const lc_cfg *c, const type_info *ti, llmcost_model *m);
static int adjust_stablelm(const lc_cfg *c, const type_info *ti, llmcost_model *m);
static int adjust_starcoder2(const lc_cfg *c, const type_info *ti, llmcost_model *m);
static int adjust_phi(const lc_cfg *c, const type_info *ti, llmcost_model *m);
static int adjust_glm4_moe(const lc_cfg *c, const type_info *ti, llmcost_model *m);
static int adjust_minimax_m2(const lc_cfg *c, const type_info *ti, llmcost_model *m);
static int adjust_llama4(const lc_cfg *c, const type_info *ti, llmcost_model *m);
static int adjust_granitemoe(const lc_cfg *c, const type_info *ti, llmcost_model *m);
static int adjust_deepseek_v32(const lc_cfg *c, const type_info *ti, llmcost_model *m);
static int adjust_nemotron(const lc_cfg *c, const type_info *ti, llmcost_model *m);
static int adjust_glm4(const lc_cfg *c, const type_info *ti, llmcost_model *m);
static int adjust_ernie4_5_moe(const lc_cfg *c, const type_info *ti, llmcost_model *m);
static int adjust_seed_oss(const lc_cfg *c, const type_info *ti, llmcost_model *m);
static int adjust_smollm3(const lc_cfg *c, const type_info *ti, llmcost_model *m);
static int adjust_exaone4(const lc_cfg *c, const type_info *ti, llmcost_model *m);
static int adjust_cohere2(const lc_cfg *c, const type_info *ti, llmcost_model *m);
static int adjust_apertus(const lc_cfg *c, const type_info *ti, llmcost_model *m);
static int adjust_internlm2(const lc_cfg *c, const type_info *ti, llmcost_model *m);
static int adjust_internlm3(const lc_cfg *c, const type_info *ti, llmcost_model *m);
static int adjust_hunyuan_dense(const lc_cfg *c, const type_info *ti, llmcost_model *m);
static int adjust_phimoe(const lc_cfg *c, const type_info *ti, llmcost_model *m);
static int adjust_baichuan(const lc_cfg *c, const type_info *ti, llmcost_model *m);
static int adjust_granitemoehybrid(const lc_cfg *c, const type_info *ti, llmcost_model *m);
static int read_granite_mamba(const lc_cfg *c, llmcost_model *m);
static int build_qwen3_next(const lc_cfg *c, const type_info *ti, llmcost_model *m);
static int build_minimax(const lc_cfg *c, const type_info *ti, llmcost_model *m);
static int build_falcon_h1(const lc_cfg *c, const type_info *ti, llmcost_model *m);
static int build_zamba2(const lc_cfg *c, const type_info *ti, llmcost_model *m);

/* Each family's Linear module names as its transformers modeling_<type>.py (4.x layout) names them, the models'
 * own code where transformers has none; and PEFT's default targets. finetune.c maps LoRA targets through them. */
_Static_assert(LC_LORA_ROLES == LLMCOST_LR_COUNT, "lc_lora_names covers every adapter role");

#define ATTN_LLAMA [LLMCOST_LR_Q] = "q_proj", [LLMCOST_LR_K] = "k_proj", [LLMCOST_LR_V] = "v_proj", \
    [LLMCOST_LR_O] = "o_proj"
#define MLP_LLAMA [LLMCOST_LR_MLP_GATE] = "gate_proj", [LLMCOST_LR_MLP_UP] = "up_proj", \
    [LLMCOST_LR_MLP_DOWN] = "down_proj"
#define EXPERTS_LLAMA [LLMCOST_LR_EXPERT_GATE] = "gate_proj", [LLMCOST_LR_EXPERT_UP] = "up_proj", \
    [LLMCOST_LR_EXPERT_DOWN] = "down_proj"
#define SHARED_LLAMA [LLMCOST_LR_SHARED_GATE] = "gate_proj", [LLMCOST_LR_SHARED_UP] = "up_proj", \
    [LLMCOST_LR_SHARED_DOWN] = "down_proj"
/* DeepSeek-V2/V3 attention: q_proj without a query latent, else q_a_proj and q_b_proj. */
#define ATTN_MLA [LLMCOST_LR_Q] = "q_proj", [LLMCOST_LR_Q_A] = "q_a_proj", [LLMCOST_LR_Q_B] = "q_b_proj", \
    [LLMCOST_LR_KV_A] = "kv_a_proj_with_mqa", [LLMCOST_LR_KV_B] = "kv_b_proj", [LLMCOST_LR_O] = "o_proj"
#define NEOX_NAMES [LLMCOST_LR_QKV] = "query_key_value", [LLMCOST_LR_O] = "dense", \
    [LLMCOST_LR_MLP_UP] = "dense_h_to_4h", [LLMCOST_LR_MLP_DOWN] = "dense_4h_to_h"
#define GPT2_NAMES [LLMCOST_LR_QKV] = "c_attn", [LLMCOST_LR_O] = "c_proj", [LLMCOST_LR_MLP_UP] = "c_fc", \
    [LLMCOST_LR_MLP_DOWN] = "c_proj"

/* PEFT's default targets (TRANSFORMERS_MODELS_TO_LORA_TARGET_MODULES_MAPPING, peft/utils/constants.py). */
#define QV ((1u << LLMCOST_LR_Q) | (1u << LLMCOST_LR_V))
#define QKV (1u << LLMCOST_LR_QKV)
#define PHI_DEFAULT (QV | (1u << LLMCOST_LR_MLP_UP) | (1u << LLMCOST_LR_MLP_DOWN))

static const lc_lora_names lora_llama = {{ATTN_LLAMA, MLP_LLAMA}, QV, 0};
static const lc_lora_names lora_mistral = {{ATTN_LLAMA, MLP_LLAMA}, QV, 0};
static const lc_lora_names lora_ministral = {{ATTN_LLAMA, MLP_LLAMA}, 0, 0};
static const lc_lora_names lora_qwen2 = {{ATTN_LLAMA, MLP_LLAMA}, QV, 0};
static const lc_lora_names lora_qwen3 = {{ATTN_LLAMA, MLP_LLAMA}, 0, 0};
static const lc_lora_names lora_gemma = {{ATTN_LLAMA, MLP_LLAMA}, QV, 0};
static const lc_lora_names lora_gemma2 = {{ATTN_LLAMA, MLP_LLAMA}, QV, 0};
static const lc_lora_names lora_gemma3_text = {{ATTN_LLAMA, MLP_LLAMA}, 0, 0};
static const lc_lora_names lora_granite = {{ATTN_LLAMA, MLP_LLAMA}, 0, 0};
static const lc_lora_names lora_olmo = {{ATTN_LLAMA, MLP_LLAMA}, 0, 0};
static const lc_lora_names lora_olmo2 = {{ATTN_LLAMA, MLP_LLAMA}, 0, 0};
static const lc_lora_names lora_olmo3 = {{ATTN_LLAMA, MLP_LLAMA}, 0, 0};
static const lc_lora_names lora_cohere = {{ATTN_LLAMA, MLP_LLAMA}, 0, 0};
static const lc_lora_names lora_stablelm = {{ATTN_LLAMA, MLP_LLAMA}, QV, 0};
/* up_proj, down_proj: no gate */
static const lc_lora_names lora_nemotron = {{ATTN_LLAMA, MLP_LLAMA}, 0, 0};
static const lc_lora_names lora_glm4 = {{ATTN_LLAMA, [LLMCOST_LR_MLP_GATE_UP] = "gate_up_proj",
    [LLMCOST_LR_MLP_DOWN] = "down_proj"}, 0, 0};
static const lc_lora_names lora_phi3 = {{[LLMCOST_LR_QKV] = "qkv_proj", [LLMCOST_LR_O] = "o_proj",
    [LLMCOST_LR_MLP_GATE_UP] = "gate_up_proj",
    [LLMCOST_LR_MLP_DOWN] = "down_proj"}, 0, 0};
static const lc_lora_names lora_phi = {{[LLMCOST_LR_Q] = "q_proj", [LLMCOST_LR_K] = "k_proj",
    [LLMCOST_LR_V] = "v_proj", [LLMCOST_LR_O] = "dense",
    [LLMCOST_LR_MLP_UP] = "fc1", [LLMCOST_LR_MLP_DOWN] = "fc2"}, PHI_DEFAULT, 0};
static const lc_lora_names lora_seed_oss = {{ATTN_LLAMA, MLP_LLAMA}, 0, 0};
static const lc_lora_names lora_smollm3 = {{ATTN_LLAMA, MLP_LLAMA}, 0, 0};
static const lc_lora_names lora_exaone4 = {{ATTN_LLAMA, MLP_LLAMA}, 0, 0};
static const lc_lora_names lora_cohere2 = {{ATTN_LLAMA, MLP_LLAMA}, 0, 0};
/* ChatGLM's remote modeling_chatglm.py: fused query_key_value, dense; dense_h_to_4h holds gate and up. */
static const lc_lora_names lora_chatglm = {{[LLMCOST_LR_QKV] = "query_key_value", [LLMCOST_LR_O] = "dense",
    [LLMCOST_LR_MLP_GATE_UP] = "dense_h_to_4h", [LLMCOST_LR_MLP_DOWN] = "dense_4h_to_h"}, QKV, 0};
/* up_proj, down_proj around xIELU: no gate */
static const lc_lora_names lora_apertus = {{ATTN_LLAMA, MLP_LLAMA}, 0, 0};
/* InternLM2's modeling_internlm2.py: attention.wqkv, attention.wo, feed_forward.w1 (gate), w3 (up), w2 (down). */
static const lc_lora_names lora_internlm2 = {{[LLMCOST_LR_QKV] = "wqkv", [LLMCOST_LR_O] = "wo",
    [LLMCOST_LR_MLP_GATE] = "w1",
    [LLMCOST_LR_MLP_UP] = "w3", [LLMCOST_LR_MLP_DOWN] = "w2"}, 0, 0};
static const lc_lora_names lora_starcoder2 = {{ATTN_LLAMA, [LLMCOST_LR_MLP_UP] = "c_fc",
    [LLMCOST_LR_MLP_DOWN] = "c_proj"}, 0, 0};
/* Mixtral: each expert a MixtralBlockSparseTop2MLP (w1 gate, w3 up, w2 down), the router nn.Linear "gate". */
static const lc_lora_names lora_mixtral = {{ATTN_LLAMA, [LLMCOST_LR_EXPERT_GATE] = "w1",
    [LLMCOST_LR_EXPERT_UP] = "w3",
    [LLMCOST_LR_EXPERT_DOWN] = "w2", [LLMCOST_LR_ROUTER] = "gate"}, QV, 0};
static const lc_lora_names lora_qwen2_moe = {{ATTN_LLAMA, MLP_LLAMA, EXPERTS_LLAMA, SHARED_LLAMA,
    [LLMCOST_LR_ROUTER] = "gate",
    [LLMCOST_LR_SHARED_EXPERT_GATE] = "shared_expert_gate"}, 0, 0};
static const lc_lora_names lora_qwen3_moe = {{ATTN_LLAMA, MLP_LLAMA, EXPERTS_LLAMA, [LLMCOST_LR_ROUTER] = "gate"}, 0, 0};
static const lc_lora_names lora_olmoe = {{ATTN_LLAMA, MLP_LLAMA, EXPERTS_LLAMA, [LLMCOST_LR_ROUTER] = "gate"}, 0, 0};
/* DeepSeek's MoEGate, GLM-4.5's and dots.llm1's top-k routers hold their weight as a plain nn.Parameter. */
static const lc_lora_names lora_deepseek = {{ATTN_LLAMA, MLP_LLAMA, EXPERTS_LLAMA, SHARED_LLAMA}, 0, 0};
static const lc_lora_names lora_deepseek_v2 = {{ATTN_MLA, MLP_LLAMA, EXPERTS_LLAMA, SHARED_LLAMA}, 0, 0};
static const lc_lora_names lora_deepseek_v3 = {{ATTN_MLA, MLP_LLAMA, EXPERTS_LLAMA, SHARED_LLAMA}, 0, 0};
static const lc_lora_names lora_kimi_k2 = {{ATTN_MLA, MLP_LLAMA, EXPERTS_LLAMA, SHARED_LLAMA}, 0, 0};
static const lc_lora_names lora_glm4_moe = {{ATTN_LLAMA, MLP_LLAMA, EXPERTS_LLAMA, SHARED_LLAMA}, 0, 0};
static const lc_lora_names lora_dots1 = {{ATTN_LLAMA, MLP_LLAMA, EXPERTS_LLAMA, SHARED_LLAMA}, 0, 0};
/* Llama 4 and gpt-oss: the routed experts are fused 3-D parameters, not Linear modules; Llama 4's router is an
 * nn.Linear subclass, gpt-oss's a plain parameter. */
static const lc_lora_names lora_llama4_text = {{ATTN_LLAMA, MLP_LLAMA, SHARED_LLAMA,
    [LLMCOST_LR_ROUTER] = "router"}, 0, 0};
static const lc_lora_names lora_gpt_oss = {{ATTN_LLAMA}, 0, 0};
static const lc_lora_names lora_gpt2 = {{GPT2_NAMES}, QKV, 0};
static const lc_lora_names lora_gpt_bigcode = {{GPT2_NAMES}, QKV, 0};
static const lc_lora_names lora_opt = {{[LLMCOST_LR_Q] = "q_proj", [LLMCOST_LR_K] = "k_proj",
    [LLMCOST_LR_V] = "v_proj",
    [LLMCOST_LR_O] = "out_proj", [LLMCOST_LR_MLP_UP] = "fc1", [LLMCOST_LR_MLP_DOWN] = "fc2",
    [LLMCOST_LR_PROJECT_IN] = "project_in", [LLMCOST_LR_PROJECT_OUT] = "project_out"}, QV, 0};
static const lc_lora_names lora_falcon = {{NEOX_NAMES}, QKV, 0};
static const lc_lora_names lora_gpt_neox = {{NEOX_NAMES}, QKV, 0};
static const lc_lora_names lora_bloom = {{NEOX_NAMES}, QKV, 0};
static const lc_lora_names lora_gptj = {{[LLMCOST_LR_Q] = "q_proj", [LLMCOST_LR_K] = "k_proj",
    [LLMCOST_LR_V] = "v_proj",
    [LLMCOST_LR_O] = "out_proj", [LLMCOST_LR_MLP_UP] = "fc_in", [LLMCOST_LR_MLP_DOWN] = "fc_out"}, QV, 0};
static const lc_lora_names lora_mpt = {{[LLMCOST_LR_QKV] = "Wqkv", [LLMCOST_LR_O] = "out_proj",
    [LLMCOST_LR_MLP_UP] = "up_proj",
    [LLMCOST_LR_MLP_DOWN] = "down_proj"}, QKV, 0};

/* State-space and hybrid models: the mixers' Linears (MambaMixer, JambaMambaMixer: in_proj, x_proj, dt_proj,
 * out_proj; Mamba2Mixer, FalconH1Mixer, NemotronHMamba2Mixer: in_proj, out_proj; Qwen3NextGatedDeltaNet:
 * in_proj_qkvz, in_proj_ba, out_proj; conv1d is an nn.Conv1d, A_log, D and dt_bias plain parameters). PEFT refuses
 * out_proj (and conv1d) as a LoRA target on mamba, mamba2, falcon_mamba, falcon_h1 and nemotron_h
 * (peft/tuners/tuners_utils.py, _check_lora_target_modules_mamba), and its default targets for nemotron_h are
 * q_proj, k_proj, v_proj, o_proj (peft/utils/constants.py); it has none for the others. */
#define SSM_IN_OUT [LLMCOST_LR_SSM_IN] = "in_proj", [LLMCOST_LR_SSM_OUT] = "out_proj"
#define SSM_MAMBA1 SSM_IN_OUT, [LLMCOST_LR_SSM_X] = "x_proj", [LLMCOST_LR_SSM_DT] = "dt_proj"
#define PEFT_MAMBA_REFUSES (1u << LLMCOST_LR_SSM_OUT)
static const lc_lora_names lora_mamba = {{SSM_MAMBA1}, 0, PEFT_MAMBA_REFUSES};
static const lc_lora_names lora_falcon_mamba = {{SSM_MAMBA1}, 0, PEFT_MAMBA_REFUSES};
static const lc_lora_names lora_mamba2 = {{SSM_IN_OUT}, 0, PEFT_MAMBA_REFUSES};
static const lc_lora_names lora_falcon_h1 = {{ATTN_LLAMA, MLP_LLAMA, SSM_IN_OUT}, 0, PEFT_MAMBA_REFUSES};
/* NemotronHMLP: up_proj, down_proj (no gate) */
static const lc_lora_names lora_nemotron_h = {{ATTN_LLAMA, MLP_LLAMA, SSM_IN_OUT},
    QV | (1u << LLMCOST_LR_K) | (1u << LLMCOST_LR_O), PEFT_MAMBA_REFUSES};
/* JambaSparseMoeBlock: router nn.Linear "router", experts JambaMLP (gate_proj, up_proj, down_proj). */
static const lc_lora_names lora_jamba = {{ATTN_LLAMA, MLP_LLAMA, EXPERTS_LLAMA, [LLMCOST_LR_ROUTER] = "router",
    SSM_MAMBA1}, 0, 0};
/* Qwen3NextSparseMoeBlock: Qwen2-MoE's (router "gate", experts, shared_expert, shared_expert_gate). */
static const lc_lora_names lora_qwen3_next = {{ATTN_LLAMA, MLP_LLAMA, EXPERTS_LLAMA, SHARED_LLAMA,
    [LLMCOST_LR_ROUTER] = "gate", [LLMCOST_LR_SHARED_EXPERT_GATE] = "shared_expert_gate",
    [LLMCOST_LR_GDN_QKVZ] = "in_proj_qkvz", [LLMCOST_LR_GDN_BA] = "in_proj_ba",
    [LLMCOST_LR_SSM_OUT] = "out_proj"}, 0, 0};
/* Qwen3.5 (modeling_qwen3_5.py): Qwen3_5GatedDeltaNet's four input Linears in_proj_qkv, in_proj_z, in_proj_b,
 * in_proj_a and out_proj (conv1d an nn.Conv1d; dt_bias, A_log and the gated norm's weight plain parameters);
 * Qwen3_5Attention q_proj (with the output gate), k_proj, v_proj, o_proj; Qwen3_5MLP gate_proj, up_proj, down_proj.
 * Qwen3.5-MoE (modeling_qwen3_5_moe.py): Qwen3_5MoeSparseMoeBlock's router (Qwen3_5MoeTopKRouter: weight an
 * nn.Parameter read by F.linear) and experts (Qwen3_5MoeExperts: gate_up_proj [E, 2f, h] and down_proj [E, h, f], 3-D
 * nn.Parameters) are not nn.Linear modules: PEFT's all-linear and target_modules cannot select them, bitsandbytes
 * leaves them in 16 bits; shared_expert (Qwen3_5MoeMLP) and shared_expert_gate (nn.Linear(h, 1)) are. PEFT has no
 * default targets for qwen3_5 or qwen3_5_moe. */
#define GDN_SPLIT [LLMCOST_LR_GDN_QKVZ] = "in_proj_qkv", [LLMCOST_LR_GDN_Z] = "in_proj_z", \
    [LLMCOST_LR_GDN_BA] = "in_proj_b", [LLMCOST_LR_GDN_A] = "in_proj_a", [LLMCOST_LR_SSM_OUT] = "out_proj"
static const lc_lora_names lora_qwen3_5 = {{ATTN_LLAMA, MLP_LLAMA, GDN_SPLIT}, 0, 0};
static const lc_lora_names lora_qwen3_5_moe = {{ATTN_LLAMA, SHARED_LLAMA,
    [LLMCOST_LR_SHARED_EXPERT_GATE] = "shared_expert_gate", GDN_SPLIT}, 0, 0};
/* Granite 4.0 (modeling_granitemoehybrid.py): GraniteMoeHybridAttention q_proj, k_proj, v_proj, o_proj;
 * GraniteMoeHybridMambaLayer in_proj, out_proj (mamba_split_conv1d_scan_combined reads out_proj's weight in training;
 * PEFT's _check_lora_target_modules_mamba does not list granitemoehybrid); shared_mlp (GraniteMoeHybridMLP)
 * input_linear h -> 2 s (gate and up) and output_linear s -> h, nn.Linears; block_sparse_moe's router
 * (GraniteMoeHybridTopKGating) an nn.Linear named "layer", its experts input_linear and output_linear
 * GraniteMoeHybridParallelExperts holding 3-D weights [E, out, in] (no nn.Linear: neither adapted nor quantised, and
 * their names clash with the shared MLP's). No PEFT default targets. */
static const lc_lora_names lora_granitemoehybrid = {{ATTN_LLAMA, [LLMCOST_LR_MLP_GATE_UP] = "input_linear",
    [LLMCOST_LR_MLP_DOWN] = "output_linear", [LLMCOST_LR_SHARED_GATE_UP] = "input_linear",
    [LLMCOST_LR_SHARED_DOWN] = "output_linear", [LLMCOST_LR_ROUTER] = "layer", SSM_IN_OUT}, 0, 0};
_Static_assert(sizeof(void *) != 8 || sizeof(llmcost_ssm) == 80, "llmcost_ssm keeps its size (split_proj in padding)");

/* Routers (transformers 5.17): Mixtral's softmax(logits.float()) top-k weights and DeepSeek's MoEGate (fp32 linear
 * on fp32 copies) stay fp32; Qwen2/3-MoE and OLMoE cast them back to the logits' dtype, gpt-oss soft-maxes in it (the
 * saved-tensor census of h200_measured_2026-11-28.json shows fp32 [S, 1] weights for Mixtral, bf16 for Qwen3-MoE, and
 * DeepSeek-V3's fp32 copies of the router input and weight). */
static const type_info types[] = {
    {.type = "llama", .lora = &lora_llama, .label = "Llama", .fam = FAM_LLAMA},
    {.type = "mistral", .lora = &lora_mistral, .label = "Mistral", .fam = FAM_LLAMA, .sliding = SW_EVERY_LAYER},
    {.type = "mixtral", .lora = &lora_mixtral, .label = "Mixtral", .fam = FAM_LLAMA, .moe = true, .sliding = SW_EVERY_LAYER,
     .fp32_routing = true},
    {.type = "qwen2", .lora = &lora_qwen2, .label = "Qwen2", .fam = FAM_LLAMA, .qkv_bias = true, .sliding = SW_FROM_MAX_WINDOW},
    {.type = "qwen2_moe", .lora = &lora_qwen2_moe, .label = "Qwen2-MoE", .fam = FAM_LLAMA, .moe = true, .qkv_bias = true,
     .sliding = SW_FROM_MAX_WINDOW, .shared_gate = true},
    {.type = "qwen3", .lora = &lora_qwen3, .label = "Qwen3", .fam = FAM_LLAMA, .qk_norm = LLMCOST_QKNORM_HEAD, .sliding = SW_FROM_MAX_WINDOW},
    {.type = "qwen3_moe", .lora = &lora_qwen3_moe, .label = "Qwen3-MoE", .fam = FAM_LLAMA, .moe = true, .qk_norm = LLMCOST_QKNORM_HEAD,
     .sliding = SW_FROM_MAX_WINDOW},
    {.type = "gemma", .lora = &lora_gemma, .label = "Gemma", .fam = FAM_LLAMA, .tied = true, .norm_fp32_weight = true},
    {.type = "gemma2", .lora = &lora_gemma2, .label = "Gemma 2", .fam = FAM_LLAMA, .tied = true, .norms = NORMS_FOUR,
     .norm_fp32_weight = true, .sliding = SW_EVEN_LAYERS},
    {.type = "gemma3_text", .lora = &lora_gemma3_text, .label = "Gemma 3", .fam = FAM_LLAMA, .tied = true, .qk_norm = LLMCOST_QKNORM_HEAD,
     .reads = LC_KEYS("sliding_window_pattern", "_sliding_window_pattern"),
     .norms = NORMS_FOUR, .norm_fp32_weight = true, .sliding = SW_ALL_BUT_EVERY_NTH, .sliding_period = 6},
    {.type = "deepseek_v2", .lora = &lora_deepseek_v2, .label = "DeepSeek-V2", .fam = FAM_LLAMA, .moe = true, .mla = true, .fp32_router = true,
     .fp32_routing = true},
    {.type = "deepseek_v3", .lora = &lora_deepseek_v3, .label = "DeepSeek-V3", .fam = FAM_LLAMA, .moe = true, .mla = true,
     .score_correction = true, .fp32_router = true, .fp32_routing = true},
    /* DeepSeek-MoE (remote modeling_deepseek.py): Llama attention, MoEGate without fp32 copies, shared experts. */
    {.type = "deepseek", .lora = &lora_deepseek, .label = "DeepSeek-MoE", .fam = FAM_LLAMA, .moe = true},
    /* Kimi K2 runs DeepSeek-V3's remote modeling_deepseek.py, whose MoEGate holds e_score_correction_bias as an
     * nn.Parameter (transformers' DeepseekV3TopkRouter keeps it as a buffer). */
    {.type = "kimi_k2", .lora = &lora_kimi_k2, .label = "Kimi K2", .fam = FAM_LLAMA, .moe = true, .mla = true,
     .score_correction_param = true, .fp32_router = true, .fp32_routing = true},
    /* DeepSeek-V3.2 (model.py of its repository): DeepSeek-V3 plus a lightning indexer in every attention; its Gate
     * holds the routing bias as a Parameter. */
    {.type = "deepseek_v32", .label = "DeepSeek-V3.2", .fam = FAM_LLAMA, .moe = true, .mla = true,
     .score_correction_param = true, .fp32_router = true, .fp32_routing = true, .reads = LC_KEYS("index_n_heads", "index_head_dim", "index_topk"),
     .adjust = adjust_deepseek_v32},
    /* GLM-4.5 (modeling_glm4_moe.py): Glm4MoeAttention with q/k/v biases from attention_bias, o_proj without,
     * optional per-head q/k RMSNorms, partial rotary 0.5; DeepseekV3TopkRouter (fp32 linear, score-correction
     * buffer); shared experts of n_shared_experts x moe_intermediate_size; dense below first_k_dense_replace. */
    {.type = "glm4_moe", .lora = &lora_glm4_moe, .label = "GLM-4.5", .fam = FAM_LLAMA, .moe = true, .score_correction = true, .fp32_router = true,
     .fp32_routing = true, .adjust = adjust_glm4_moe},
    /* MiniMax-M2 (modular_minimax_m2.py, MiniMaxM2Config): FlexOlmo's attention (bias-free q/k/v/o, RMSNorms over the
     * whole q and k projections, weights of heads x head_dim and kv_heads x head_dim), Mixtral's experts of
     * intermediate_size and bias-free router with sigmoid scores in fp32 and an e_score_correction_bias buffer per
     * layer, no shared expert; Llama's norms; untied. attn_type_list (all 1: softmax attention) and the hub
     * configs' own spellings are checked by adjust_minimax_m2. */
    {.type = "minimax_m2", .label = "MiniMax-M2", .fam = FAM_LLAMA, .moe = true, .qk_norm = LLMCOST_QKNORM_PROJECTION,
     .score_correction = true, .fp32_routing = true, .reads = LC_KEYS("attn_type_list"), .adjust = adjust_minimax_m2},
    /* dots.llm1 (modeling_dots1.py): Qwen3's attention with per-head q/k norms, DeepSeek-V3's MoE. */
    {.type = "dots1", .lora = &lora_dots1, .label = "dots.llm1", .fam = FAM_LLAMA, .moe = true, .qk_norm = LLMCOST_QKNORM_HEAD,
     .score_correction = true, .fp32_router = true, .fp32_routing = true},
    /* ERNIE 4.5 MoE (modeling_ernie4_5_moe.py, Ernie4_5_MoeConfig): its own MoE keys (moe_num_experts, moe_k,
     * moe_num_shared_experts, moe_layer_start/end_index, moe_layer_interval) with the config class's defaults, biases
     * from use_bias, an fp32 router and an nn.Parameter score-correction bias (Ernie4_5_MoeStatics). The other moe_*
     * keys of its repository's config (moe_capacity, moe_gate, moe_use_aux_free, moe_norm_min) build nothing in
     * transformers. */
    {.type = "ernie4_5_moe", .label = "ERNIE 4.5 MoE", .fam = FAM_LLAMA, .tied = true,
     .reads = LC_KEYS("moe_num_experts", "moe_k", "moe_num_shared_experts", "moe_layer_start_index",
                      "moe_layer_end_index", "moe_layer_interval", "moe_norm_min", "moe_capacity", "moe_gate",
                      "moe_use_aux_free"),
     .adjust = adjust_ernie4_5_moe},
    /* Llama 4's language model (modeling_llama4.py, Llama4TextConfig): MoE layers from moe_layers or
     * interleave_moe_layer_step, each with one shared expert of intermediate_size; dense layers of
     * intermediate_size_mlp; q/k L2 norms without weights. */
    {.type = "llama4_text", .lora = &lora_llama4_text, .label = "Llama 4", .fam = FAM_LLAMA, .moe = true, .adjust = adjust_llama4},
    /* GraniteMoe (modeling_granitemoe.py): Granite's scalars, experts of intermediate_size, a bias-free router;
     * GraniteMoeShared adds a shared MLP of shared_intermediate_size. */
    {.type = "granitemoe", .label = "Granite MoE", .fam = FAM_LLAMA, .moe = true, .adjust = adjust_granitemoe},
    {.type = "granitemoeshared", .label = "Granite MoE (shared)", .fam = FAM_LLAMA, .moe = true,
     .adjust = adjust_granitemoe},
    /* Granite 4.0 (modular_granitemoehybrid.py, GraniteMoeHybridConfig): GraniteMoeShared's decoder layer with a
     * Mamba2 mixer or attention by layer_types (absent: every layer Mamba2); a shared MLP of shared_intermediate_size in
     * every layer, experts beside it when num_local_experts > 0; rotary only when position_embedding_type is "rope".
     * Only its attention layers are read yet (Granite-4.0-Micro and the other dense Granite 4.0 models, all
     * "attention"); its mamba_* keys size Mamba2 layers, which such a config does not have. */
    {.type = "granitemoehybrid", .lora = &lora_granitemoehybrid,
     .lora_name_clash = (1u << LLMCOST_LR_SHARED_GATE_UP) | (1u << LLMCOST_LR_SHARED_DOWN), .label = "Granite 4.0", .fam = FAM_LLAMA, .moe = true,
     .reads = LC_KEYS("mamba_n_heads", "mamba_n_groups", "mamba_d_state", "mamba_d_head", "mamba_d_conv",
                      "mamba_expand", "mamba_chunk_size", "mamba_conv_bias", "mamba_proj_bias"),
     .adjust = adjust_granitemoehybrid},
    /* Nemotron (modeling_nemotron.py): LayerNorm1P with weight and bias, a 2-matrix squared-ReLU MLP, partial
     * rotary 0.5. */
    {.type = "nemotron", .lora = &lora_nemotron, .label = "Nemotron", .fam = FAM_LLAMA, .act = "relu2", .adjust = adjust_nemotron},
    /* GLM-4-0414 (modeling_glm4.py): four norms per layer, fused gate_up_proj, GLM attention. */
    {.type = "glm4", .lora = &lora_glm4, .label = "GLM-4", .fam = FAM_LLAMA, .norms = NORMS_FOUR, .fused_gate_up = true,
     .adjust = adjust_glm4},
    /* OLMo 3 (modeling_olmo3.py): OLMo 2's layout with sliding layers listed in layer_types. */
    {.type = "olmo3", .lora = &lora_olmo3, .label = "OLMo 3", .fam = FAM_LLAMA, .qk_norm = LLMCOST_QKNORM_PROJECTION,
     .norms = NORMS_POST_ONLY, .norm_fp32_weight = true},
    /* Ministral (modeling_ministral.py): Mistral with per-layer windows in layer_types. */
    {.type = "ministral", .lora = &lora_ministral, .label = "Ministral", .fam = FAM_LLAMA},
    /* Ministral 3 (modular_ministral3.py, the text_config of a mistral3 wrapper): Mistral's layout and window on every
     * layer when sliding_window is set; its attention scales queries by 1 + llama_4_scaling_beta log(1 + floor(pos /
     * original_max_position_embeddings)), a per-position scalar without parameters. */
    {.type = "ministral3", .label = "Ministral 3", .fam = FAM_LLAMA, .sliding = SW_EVERY_LAYER},
    /* Seed-OSS (modeling_seed_oss.py, SeedOssConfig): Llama's layout; q/k/v biases from attention_bias (default
     * true), o_proj's from attention_out_bias (default false); dropout after o_proj and the MLP (residual_dropout,
     * default 0.1) and on the attention weights (attention_dropout, default 0.1). */
    {.type = "seed_oss", .lora = &lora_seed_oss, .label = "Seed-OSS", .fam = FAM_LLAMA, .attn_bias = true, .adjust = adjust_seed_oss},
    /* SmolLM3 (modeling_smollm3.py, SmolLM3Config): Llama's layout, tied; layers whose no_rope_layers entry is 0
     * (by default every no_rope_layer_interval-th, 4) skip the rotation, and slide when use_sliding_window. */
    {.type = "smollm3", .lora = &lora_smollm3, .label = "SmolLM3", .fam = FAM_LLAMA, .tied = true, .sliding = SW_NOPE_LAYERS,
     .reads = LC_KEYS("no_rope_layers", "no_rope_layer_interval"), .adjust = adjust_smollm3},
    /* EXAONE 4.0 (modular_exaone4.py): OLMo 2's decoder layer (norms after attention and after the MLP only) with
     * Llama's RMSNorm, per-head q/k RMSNorms, bias-free Linears; sliding layers from layer_types or
     * sliding_window_pattern (default 4); with a window, only the sliding layers rotate (global NoPE). */
    {.type = "exaone4", .lora = &lora_exaone4, .label = "EXAONE 4.0", .fam = FAM_LLAMA, .qk_norm = LLMCOST_QKNORM_HEAD,
     .norms = NORMS_POST_ONLY, .sliding = SW_ALL_BUT_EVERY_NTH, .sliding_period = 4,
     .reads = LC_KEYS("sliding_window_pattern"), .adjust = adjust_exaone4},
    /* Cohere 2 / Command R7B (modular_cohere2.py): Cohere's parallel block (one LayerNorm without bias, no q/k norms),
     * head_dim always hidden / heads, sliding layers from layer_types or sliding_window_pattern (default 4), rotary
     * only on the sliding layers, logits times logit_scale, tied. */
    {.type = "cohere2", .lora = &lora_cohere2, .label = "Cohere 2", .fam = FAM_LLAMA, .tied = true, .sliding = SW_ALL_BUT_EVERY_NTH,
     .sliding_period = 4, .reads = LC_KEYS("sliding_window_pattern", "order_of_interleaved_layers"),
     .adjust = adjust_cohere2},
    /* Apertus (modular_apertus.py): Llama's attention with per-head q/k RMSNorms, a 2-matrix up/down MLP without
     * biases around xIELU (2 learnable scalars and 2 buffers per layer), attention_layernorm and
     * feedforward_layernorm before each block. */
    {.type = "apertus", .lora = &lora_apertus, .label = "Apertus", .fam = FAM_LLAMA, .qk_norm = LLMCOST_QKNORM_HEAD, .act = "xielu",
     .adjust = adjust_apertus},
    /* InternLM2 / 2.5 (the repositories' modeling_internlm2.py): one wqkv of hidden -> (heads + 2 kv) head_dim and wo,
     * both with a bias when "bias" (InternLM2Config default true), head_dim hidden / heads; w1, w3, w2 bias-free;
     * attention_norm and ffn_norm. */
    {.type = "internlm2", .lora = &lora_internlm2, .label = "InternLM2", .fam = FAM_LLAMA, .fused_qkv = true, .adjust = adjust_internlm2},
    /* InternLM3 (the repositories' modeling_internlm3.py): Llama's layout, q/k/v biases from qkv_bias, o_proj's and
     * the MLP's from bias (both default false). */
    {.type = "internlm3", .label = "InternLM3", .fam = FAM_LLAMA, .adjust = adjust_internlm3},
    /* Hunyuan dense (modular_hunyuan_v1_dense.py): Llama's attention with query_layernorm and key_layernorm
     * (RMSNorm(head_dim)) always, a bias-free MLP. */
    {.type = "hunyuan_v1_dense", .label = "Hunyuan dense", .fam = FAM_LLAMA, .qk_norm = LLMCOST_QKNORM_HEAD,
     .adjust = adjust_hunyuan_dense},
    /* Phi-3.5-MoE (modular_phimoe.py, PhimoeConfig): Mixtral's decoder (window on every layer through the sliding
     * mask, experts of intermediate_size, a bias-free router) with LlamaAttention's q/k/v/o biases from
     * attention_bias, nn.LayerNorm (weight and bias) for both layer norms and the final norm, and an LM-head bias from
     * lm_head_bias (both default false). Its sparsemixer soft-maxes the router logits in their own dtype. */
    {.type = "phimoe", .label = "PhiMoE", .fam = FAM_LLAMA, .moe = true, .sliding = SW_EVERY_LAYER,
     .adjust = adjust_phimoe},
    /* Baichuan and Baichuan 2 (the repositories' modeling_baichuan.py, model_type baichuan): one W_pack of h -> 3h and
     * o_proj, both bias-free (multi-head, head_dim h / heads), a bias-free SwiGLU, RMSNorms, an untied head (Baichuan
     * 2's NormHead normalises the same V x h weight); rotary at hidden 4096 (7B), ALiBi otherwise (13B). */
    {.type = "baichuan", .label = "Baichuan", .fam = FAM_LLAMA, .fused_qkv = true, .adjust = adjust_baichuan},
    {.type = "phi3", .lora = &lora_phi3, .label = "Phi-3", .fam = FAM_LLAMA, .fused_qkv = true, .fused_gate_up = true,
     .sliding = SW_EVERY_LAYER},
    {.type = "olmo2", .lora = &lora_olmo2, .label = "OLMo 2", .fam = FAM_LLAMA, .qk_norm = LLMCOST_QKNORM_PROJECTION,
     .norms = NORMS_POST_ONLY, .norm_fp32_weight = true},
    {.type = "olmoe", .lora = &lora_olmoe, .label = "OLMoE", .fam = FAM_LLAMA, .moe = true, .qk_norm = LLMCOST_QKNORM_PROJECTION},
    {.type = "gpt_oss", .lora = &lora_gpt_oss, .label = "gpt-oss", .fam = FAM_LLAMA, .moe = true, .attn_bias = true, .sinks = true,
     .norm_fp32_weight = true, .expert_bias = true, .clamped_glu = true, .router_bias = true},
    {.type = "granite", .lora = &lora_granite, .label = "Granite", .fam = FAM_LLAMA, .adjust = adjust_granite},
    {.type = "olmo", .lora = &lora_olmo, .label = "OLMo", .fam = FAM_LLAMA, .adjust = adjust_olmo},
    {.type = "cohere", .lora = &lora_cohere, .label = "Cohere", .fam = FAM_LLAMA, .tied = true, .adjust = adjust_cohere},
    {.type = "stablelm", .lora = &lora_stablelm, .label = "StableLM", .fam = FAM_LLAMA, .adjust = adjust_stablelm},
    {.type = "starcoder2", .lora = &lora_starcoder2, .label = "StarCoder2", .fam = FAM_LLAMA, .tied = true, .attn_bias = true,
     .sliding = SW_EVERY_LAYER, .adjust = adjust_starcoder2},
    {.type = "phi", .lora = &lora_phi, .label = "Phi", .fam = FAM_LLAMA, .attn_bias = true, .adjust = adjust_phi},
    {.type = "gpt2", .lora = &lora_gpt2, .label = "GPT-2", .fam = FAM_GPT2, .tied = true, .attn_bias = true, .fused_qkv = true,
     .fused_qkv_copied = true, .act = "gelu_new"},
    {.type = "gpt_bigcode", .lora = &lora_gpt_bigcode, .label = "GPT-BigCode", .fam = FAM_GPT2, .tied = true, .attn_bias = true,
     .fused_qkv = true, .act = "gelu_pytorch_tanh", .multi_query_key = true},
    {.type = "opt", .lora = &lora_opt, .label = "OPT", .fam = FAM_OPT, .tied = true, .attn_bias = true},
    {.type = "falcon", .lora = &lora_falcon, .label = "Falcon", .fam = FAM_FALCON, .tied = true, .fused_qkv = true},
    {.type = "gpt_neox", .lora = &lora_gpt_neox, .label = "GPT-NeoX", .fam = FAM_NEOX, .attn_bias = true, .fused_qkv = true},
    {.type = "gptj", .lora = &lora_gptj, .label = "GPT-J", .fam = FAM_GPTJ},
    {.type = "bloom", .lora = &lora_bloom, .label = "BLOOM", .fam = FAM_BLOOM, .tied = true, .attn_bias = true, .fused_qkv = true},
    {.type = "mpt", .lora = &lora_mpt, .label = "MPT", .fam = FAM_MPT, .tied = true, .fused_qkv = true},
    /* ChatGLM2/3, GLM-4-9B-chat (the repositories' modeling_chatglm.py, model_type chatglm). */
    {.type = "chatglm", .lora = &lora_chatglm, .label = "ChatGLM", .fam = FAM_CHATGLM, .fused_qkv = true, .fused_gate_up = true},
    /* State-space models: the keys each builder reads that name its layer kinds (audit_known lets them through). */
    {.type = "mamba", .lora = &lora_mamba, .label = "Mamba", .fam = FAM_MAMBA, .tied = true,
     .reads = LC_KEYS("state_size", "conv_kernel", "use_conv_bias", "use_mambapy")},
    {.type = "falcon_mamba", .lora = &lora_falcon_mamba, .label = "FalconMamba", .fam = FAM_MAMBA, .tied = true,
     .reads = LC_KEYS("state_size", "conv_kernel", "use_conv_bias", "use_mambapy", "use_falcon_mambapy",
                      "mixer_rms_eps")},
    {.type = "mamba2", .lora = &lora_mamba2, .label = "Mamba-2", .fam = FAM_MAMBA2,
     .reads = LC_KEYS("state_size", "conv_kernel", "use_conv_bias")},
    /* Falcon-H1 (FalconH1Config, modular_falcon_h1.py) and Zamba2 (Zamba2Config, modular_zamba2.py): the keys their
     * builders read that name layer kinds; their uP multipliers (mlp_multipliers, key_multiplier, ...) scale
     * activations and build no module. */
    {.type = "falcon_h1", .lora = &lora_falcon_h1, .label = "Falcon-H1", .fam = FAM_FALCON_H1,
     .reads = LC_KEYS("mamba_d_ssm", "mamba_n_heads", "mamba_d_head", "mamba_n_groups", "mamba_d_state",
                      "mamba_d_conv", "mamba_expand", "mamba_chunk_size", "mamba_conv_bias", "mamba_proj_bias",
                      "mamba_norm_before_gate", "mamba_rms_norm", "mamba_use_mlp", "attn_layer_indices",
                      "ssm_multipliers", "ssm_in_multiplier", "ssm_out_multiplier")},
    {.type = "zamba2", .label = "Zamba2",
     /* Zamba2 (modular_zamba2.py): each Zamba2HybridLayer holds a reference to one of num_mem_blocks shared
      * Zamba2AttentionDecoderLayers, whose Linears (q/k/v/o_proj, gate_up_proj, down_proj) PEFT finds once
      * (nn.Module.named_modules yields a shared module once) and adapts once for every depth, plus per invocation
      * the block's own adapter Linears (gate_up_proj_adapter_list, linear_q/k/v_adapter_list: nn.Sequential of
      * Linear(in, adapter_rank) and Linear(adapter_rank, out), named "0" and "1") and the layer's own "linear". Their
      * roles do not fit llmcost_finetune.targets: its 32 bits are all taken (LLMCOST_LR_COUNT 32). */
     .lora_refusal = "its shared transformer blocks (one set of weights used at several depths, adapted once by "
                     "PEFT) carry per-depth adapter Linears of adapter_rank (nn.Sequential modules named '0' and '1') "
                     "and a per-layer 'linear', which need adapter roles beyond the 32 that llmcost_finetune.targets "
                     "holds (a 64-bit mask would change the ABI)", .fam = FAM_ZAMBA2, .tied = true, .act = "gelu",
     .reads = LC_KEYS("layers_block_type", "hybrid_layer_ids", "mamba_d_state", "mamba_d_conv", "mamba_expand",
                      "mamba_ngroups", "n_mamba_heads", "mamba_headdim", "use_conv_bias", "use_shared_mlp_adapter")},
    /* Qwen3-Next (modular_qwen3_next.py, Qwen3NextConfig): Gated DeltaNet or gated attention by layer_types (absent:
     * full attention every full_attention_interval-th layer, default 4); Qwen2-MoE's sparse block with a gated shared
     * expert; Gemma 3's zero-centred RMSNorm (1 + w, in fp32). */
    {.type = "qwen3_next", .lora = &lora_qwen3_next, .label = "Qwen3-Next", .fam = FAM_QWEN3_NEXT, .moe = true, .shared_gate = true,
     .qk_norm = LLMCOST_QKNORM_HEAD, .norm_fp32_weight = true,
     .reads = LC_KEYS("layer_types", "full_attention_interval", "linear_conv_kernel_dim", "linear_key_head_dim",
                      "linear_value_head_dim", "linear_num_key_heads", "linear_num_value_heads", "num_experts",
                      "num_experts_per_tok", "moe_intermediate_size", "shared_expert_intermediate_size",
                      "decoder_sparse_step", "mlp_only_layers")},
    /* Qwen3.5 (modular_qwen3_5.py, Qwen3_5TextConfig under Qwen3_5Config's text_config): Qwen3-Next's layers with a
     * dense SwiGLU MLP of intermediate_size in every layer (the config class deletes the expert keys); the Gated
     * DeltaNet's in_proj_qkv, in_proj_z, in_proj_b and in_proj_a hold what Qwen3-Next's in_proj_qkvz and in_proj_ba
     * do. Untied by default. */
    {.type = "qwen3_5_text", .lora = &lora_qwen3_5, .label = "Qwen3.5", .fam = FAM_QWEN3_NEXT, .qk_norm = LLMCOST_QKNORM_HEAD,
     .norm_fp32_weight = true,
     .reads = LC_KEYS("layer_types", "full_attention_interval", "linear_conv_kernel_dim", "linear_key_head_dim",
                      "linear_value_head_dim", "linear_num_key_heads", "linear_num_value_heads", "mamba_ssm_dtype")},
    {.type = "qwen3_5", .lora = &lora_qwen3_5, .label = "Qwen3.5", .fam = FAM_QWEN3_NEXT, .qk_norm = LLMCOST_QKNORM_HEAD,
     .norm_fp32_weight = true,
     .reads = LC_KEYS("layer_types", "full_attention_interval", "linear_conv_kernel_dim", "linear_key_head_dim",
                      "linear_value_head_dim", "linear_num_key_heads", "linear_num_value_heads", "mamba_ssm_dtype")},
    /* Qwen3.5-MoE (modular_qwen3_5_moe.py, Qwen3_5MoeTextConfig): Qwen3.5's mixers with Qwen3-Next's sparse block
     * (router, experts of moe_intermediate_size, a shared expert with its sigmoid gate) in every layer (the config
     * class deletes decoder_sparse_step and mlp_only_layers). */
    {.type = "qwen3_5_moe_text", .lora = &lora_qwen3_5_moe, .label = "Qwen3.5-MoE", .fam = FAM_QWEN3_NEXT, .moe = true, .shared_gate = true,
     .qk_norm = LLMCOST_QKNORM_HEAD, .norm_fp32_weight = true,
     .reads = LC_KEYS("layer_types", "full_attention_interval", "linear_conv_kernel_dim", "linear_key_head_dim",
                      "linear_value_head_dim", "linear_num_key_heads", "linear_num_value_heads", "num_experts",
                      "num_experts_per_tok", "moe_intermediate_size", "shared_expert_intermediate_size", "mamba_ssm_dtype")},
    {.type = "qwen3_5_moe", .lora = &lora_qwen3_5_moe, .label = "Qwen3.5-MoE", .fam = FAM_QWEN3_NEXT, .moe = true, .shared_gate = true,
     .qk_norm = LLMCOST_QKNORM_HEAD, .norm_fp32_weight = true,
     .reads = LC_KEYS("layer_types", "full_attention_interval", "linear_conv_kernel_dim", "linear_key_head_dim",
                      "linear_value_head_dim", "linear_num_key_heads", "linear_num_value_heads", "num_experts",
                      "num_experts_per_tok", "moe_intermediate_size", "shared_expert_intermediate_size", "mamba_ssm_dtype")},
    /* MiniMax (modular_minimax.py, MiniMaxConfig; MiniMaxAI/MiniMax-Text-01-hf): lightning or softmax attention by
     * layer_types, Mixtral's sparse block in every layer, residual alpha/beta factors. minimax_m1 and minimax_text_01
     * are the hub repositories' own spellings (their remote modeling code, the same modules and weights): attn_type_list
     * (0 lightning, 1 softmax), layernorm_*_alpha/_beta, shared_intermediate_size, postnorm. */
    {.type = "minimax", .label = "MiniMax", .fam = FAM_MINIMAX, .moe = true, .fp32_routing = true,
     .reads = LC_KEYS("layer_types", "block_size", "num_local_experts", "num_experts_per_tok", "full_attn_alpha_factor",
                      "full_attn_beta_factor", "linear_attn_alpha_factor", "linear_attn_beta_factor",
                      "mlp_alpha_factor", "mlp_beta_factor")},
    {.type = "minimax_m1", .label = "MiniMax-M1", .fam = FAM_MINIMAX, .moe = true, .fp32_routing = true,
     .reads = LC_KEYS("attn_type_list", "num_local_experts", "num_experts_per_tok", "layernorm_full_attention_alpha",
                      "layernorm_full_attention_beta", "layernorm_linear_attention_alpha",
                      "layernorm_linear_attention_beta", "layernorm_mlp_alpha", "layernorm_mlp_beta",
                      "shared_intermediate_size", "shared_moe_mode", "postnorm", "rotary_dim")},
    {.type = "minimax_text_01", .label = "MiniMax-Text-01", .fam = FAM_MINIMAX, .moe = true, .fp32_routing = true,
     .reads = LC_KEYS("attn_type_list", "num_local_experts", "num_experts_per_tok", "layernorm_full_attention_alpha",
                      "layernorm_full_attention_beta", "layernorm_linear_attention_alpha",
                      "layernorm_linear_attention_beta", "layernorm_mlp_alpha", "layernorm_mlp_beta",
                      "shared_intermediate_size", "shared_moe_mode", "postnorm", "rotary_dim")},
    {.type = "jamba", .lora = &lora_jamba, .label = "Jamba", .fam = FAM_JAMBA,
     .reads = LC_KEYS("attn_layer_period", "attn_layer_offset", "expert_layer_period", "expert_layer_offset",
                      "num_experts", "num_experts_per_tok", "mamba_d_state", "mamba_d_conv", "mamba_expand",
                      "mamba_dt_rank", "mamba_conv_bias", "mamba_proj_bias", "use_mamba_kernels")},
    {.type = "nemotron_h", .lora = &lora_nemotron_h, .label = "Nemotron-H", .fam = FAM_NEMOTRON_H, .act = "relu2",
     .reads = LC_KEYS("hybrid_override_pattern", "layers_block_type", "mamba_num_heads", "mamba_head_dim",
                      "ssm_state_size", "conv_kernel", "use_conv_bias", "mamba_hidden_act", "mamba_proj_bias",
                      "use_mamba_kernels")},
};

/* The last line of notes that overflowed m->notes: the reader learns that notes are missing (none is cut). */
static const char notes_full[] = "(more notes did not fit)\n";

static void note(llmcost_model *m, const char *fmt, ...)
{
    size_t n = strlen(m->notes);
    size_t room = sizeof m->notes - sizeof notes_full; /* always left for notes_full */
    if (n >= room)
        return; /* notes_full is already there */
    /* A note quotes config values (hidden_act); escaping keeps it one line, since lines separate notes. */
    char raw[sizeof m->notes], line[sizeof m->notes];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(raw, sizeof raw, fmt, ap);
    va_end(ap);
    if (!lc_one_line(line, sizeof line, raw) || n + strlen(line) + 1 > room) {
        memcpy(m->notes + n, notes_full, sizeof notes_full);
        return;
    }
    memcpy(m->notes + n, line, strlen(line));
    memcpy(m->notes + n + strlen(line), "\n", 2);
}

static llmcost_act_kind act_kind(const char *name)
{
    if (!strcmp(name, "silu") || !strcmp(name, "swish"))
        return LLMCOST_ACT_SILU;
    if (!strcmp(name, "gelu") || !strcmp(name, "gelu_python"))
        return LLMCOST_ACT_GELU;
    if (!strcmp(name, "gelu_new") || !strcmp(name, "gelu_pytorch_tanh") || !strcmp(name, "gelu_fast") ||
        !strcmp(name, "gelu_tanh"))
        return LLMCOST_ACT_GELU_TANH;
    if (!strcmp(name, "relu"))
        return LLMCOST_ACT_RELU;
    if (!strcmp(name, "relu2"))
        return LLMCOST_ACT_RELU2;
    return LLMCOST_ACT_OTHER;
}

static llmcost_attn_kind attn_kind(int64_t heads, int64_t kv)
{
    if (kv == heads)
        return LLMCOST_ATTN_MHA;
    if (kv == 1)
        return LLMCOST_ATTN_MQA;
    return LLMCOST_ATTN_GQA;
}

/* Reads layer_types (["sliding_attention", "full_attention", ...]) into per-layer windows. 1 if present. */
static int read_layer_types(const lc_cfg *c, llmcost_model *m, int64_t window)
{
    json_t *lt = json_object_get(c->obj, "layer_types");
    if (!lt || json_is_null(lt))
        return 0;
    if (!json_is_array(lt))
        return lc_fail(LLMCOST_EINVAL, "%s: key '%slayer_types': expected an array of strings", c->origin, c->prefix);
    if ((int64_t)json_array_size(lt) != m->n_layers)
        return lc_fail(LLMCOST_EINVAL, "%s: key '%slayer_types': has %zu entries for %lld layers", c->origin,
                       c->prefix, json_array_size(lt), (long long)m->n_layers);
    for (int64_t i = 0; i < m->n_layers; i++) {
        json_t *v = json_array_get(lt, (size_t)i);
        const char *s = json_string_value(v);
        if (!s)
            return lc_fail(LLMCOST_EINVAL, "%s: key '%slayer_types[%lld]': expected a string", c->origin, c->prefix,
                           (long long)i);
        if (!strcmp(s, "sliding_attention")) {
            if (window <= 0)
                return lc_fail(LLMCOST_EINVAL, "%s: key '%slayer_types[%lld]' is sliding_attention but 'sliding_window' is missing",
                               c->origin, c->prefix, (long long)i);
            m->layers[i].attn.sliding_window = window;
        } else if (!strcmp(s, "full_attention") || !strcmp(s, "attention")) { /* "attention": Granite 4.0's word */
            m->layers[i].attn.sliding_window = 0;
        } else if (!strcmp(s, "mamba")) {
            m->layers[i].ssm = 1; /* marked: a family that builds Mamba2 layers (Granite 4.0) reads their mixer in its
                                     adjust; build_llama refuses the mark for any other */
        } else {
            return lc_fail(LLMCOST_EUNSUPPORTED, "%s: key '%slayer_types[%lld]': '%s' attention is not modelled", c->origin,
                           c->prefix, (long long)i, s);
        }
    }
    return 1;
}

/* Reads an optional array of layer indices (mlp_only_layers) into a bitmap of n_layers. */
static int read_index_list(const lc_cfg *c, const char *key, bool *flags, int64_t n)
{
    json_t *a = json_object_get(c->obj, key);
    if (!a || json_is_null(a))
        return 0;
    if (!json_is_array(a))
        return lc_fail(LLMCOST_EINVAL, "%s: key '%s%s': expected an array of layer indices", c->origin, c->prefix, key);
    size_t i;
    json_t *v;
    json_array_foreach(a, i, v)
    {
        if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) >= n)
            return lc_fail(LLMCOST_EINVAL, "%s: key '%s%s[%zu]': expected a layer index from 0 to %lld", c->origin,
                           c->prefix, key, i, (long long)(n - 1));
        flags[json_integer_value(v)] = true;
    }
    return 1;
}

#define TRY(expr)                                                                                                  \
    do {                                                                                                           \
        int rc_ = (expr);                                                                                          \
        if (rc_ < 0)                                                                                               \
            return rc_;                                                                                            \
    } while (0)

/* Reads keys common to every family: sizes, heads, vocabulary, layers. */
static int read_core(const lc_cfg *c, llmcost_model *m, int64_t *heads, int64_t *kv, int64_t *head_dim)
{
    TRY(lc_cfg_req_size(c, &m->hidden, KEYS_HIDDEN));
    TRY(lc_cfg_req_size(c, &m->n_layers, KEYS_LAYERS));
    if (m->n_layers > LC_MAX_LAYERS)
        return lc_fail(LLMCOST_EUNSUPPORTED, "%s: key '%s%s': %lld layers is beyond what llmcost models (at most %d)",
                       c->origin, c->prefix, lc_cfg_which(c, KEYS_LAYERS),
                       (long long)m->n_layers, LC_MAX_LAYERS);
    TRY(lc_cfg_req_size(c, heads, KEYS_HEADS));
    TRY(lc_cfg_req_size(c, &m->vocab, LC_KEYS("vocab_size")));
    TRY(lc_cfg_size(c, kv, LC_KEYS("num_key_value_heads", "num_kv_heads", "n_head_kv"), *heads));
    int explicit_hd = lc_cfg_size(c, head_dim, LC_KEYS("head_dim"), 0);
    TRY(explicit_hd);
    if (!explicit_hd) {
        if (m->hidden % *heads != 0)
            return lc_fail(LLMCOST_EINVAL, "%s: key '%s%s' (%lld) does not divide '%s%s' (%lld), and no 'head_dim' is given",
                           c->origin, c->prefix, lc_cfg_which(c, KEYS_HEADS),
                           (long long)*heads, c->prefix, lc_cfg_which(c, KEYS_HIDDEN),
                           (long long)m->hidden);
        *head_dim = m->hidden / *heads;
    }
    if (*kv > *heads || *heads % *kv != 0)
        return lc_fail(LLMCOST_EINVAL, "%s: key '%s%s' (%lld) does not divide '%snum_attention_heads' (%lld)", c->origin,
                       c->prefix, lc_cfg_which(c, LC_KEYS("num_key_value_heads", "num_kv_heads", "n_head_kv")),
                       (long long)*kv, c->prefix, (long long)*heads);
    TRY(lc_cfg_size(c, &m->max_positions, KEYS_MAXPOS, 0));
    m->embed_dim = m->hidden;
    m->layers = calloc((size_t)m->n_layers, sizeof *m->layers);
    if (!m->layers)
        return lc_fail(LLMCOST_ENOMEM, "out of memory");
    return 0;
}

static int read_act(const lc_cfg *c, llmcost_model *m, const char *dflt)
{
    const char *act;
    TRY(lc_cfg_string(c, &act, LC_KEYS("hidden_act", "hidden_activation", "activation_function"), dflt));
    TRY(lc_cfg_string_into(c, m->act_name, sizeof m->act_name,
                           LC_KEYS("hidden_act", "hidden_activation", "activation_function"), dflt));
    m->act = act_kind(act);
    m->act_python = !strcmp(act, "gelu_new"); /* NewGELUActivation: a Python formula of eight kernels */
    return 0;
}

static void set_attention(llmcost_attention *a, int64_t heads, int64_t kv, int64_t head_dim)
{
    a->kind = attn_kind(heads, kv);
    a->n_heads = heads;
    a->n_kv_heads = kv;
    a->head_dim = head_dim;
    a->v_head_dim = head_dim;
    a->rotary_dim = head_dim;
}

/* Which layers of "m" are mixtures of experts, from the layout keys whatever the model_type (each with the rule of
 * the modeling code that introduced it):
 *   first_k_dense_replace k    layers 0..k-1 dense (DeepSeek, GLM-4.5, Kimi K2, dots1)
 *   moe_layer_freq f           MoE only where layer % f == 0 (DeepSeek-MoE, DeepSeek-V2)
 *   decoder_sparse_step s      MoE only where (layer + 1) % s == 0 (Qwen2/3-MoE)
 *   mlp_only_layers [..]       listed layers dense (Qwen2/3-MoE)
 *   moe_layers [..]            only listed layers MoE (Llama 4)
 *   interleave_moe_layer_step  without moe_layers: MoE where (layer + 1) % step == 0 (Llama4TextConfig)
 * "sparse" receives one flag per layer. */
static int moe_layout(const lc_cfg *c, const llmcost_model *m, bool *sparse)
{
    int64_t n = m->n_layers, first_dense = 0, freq = 1, step = 1, interleave = 1;
    TRY(lc_cfg_count(c, &first_dense, LC_KEYS("first_k_dense_replace"), 0));
    TRY(lc_cfg_size(c, &freq, LC_KEYS("moe_layer_freq"), 1));
    TRY(lc_cfg_size(c, &step, LC_KEYS("decoder_sparse_step"), 1));
    TRY(lc_cfg_size(c, &interleave, LC_KEYS("interleave_moe_layer_step"), 1));
    bool *listed = calloc((size_t)n, sizeof *listed), *dense_only = calloc((size_t)n, sizeof *dense_only);
    int rc = 0, have_list = 0;
    if (!listed || !dense_only) {
        rc = lc_fail(LLMCOST_ENOMEM, "out of memory");
        goto done;
    }
    if ((rc = read_index_list(c, "mlp_only_layers", dense_only, n)) < 0)
        goto done;
    if ((rc = have_list = read_index_list(c, "moe_layers", listed, n)) < 0)
        goto done;
    for (int64_t i = 0; i < n; i++) {
        bool s = i >= first_dense && i % freq == 0 && (i + 1) % step == 0 && !dense_only[i];
        if (have_list)
            s = s && listed[i];
        else
            s = s && (i + 1) % interleave == 0;
        sparse[i] = s;
    }
    rc = 0;
done:
    free(listed);
    free(dense_only);
    return rc;
}

/* MoE keys of the Llama-like families: expert count, top-k, widths, shared experts, and which layers are MoE
 * (moe_layout). Dense layers get "d_ff"; the router, expert biases and gates follow the family's row. */
static int read_moe(const lc_cfg *c, const type_info *ti, llmcost_model *m, int64_t d_ff, bool mlp_bias)
{
    int64_t experts = 0, top_k = 0, moe_ff = 0, shared = 0, shared_ff = 0;
    TRY(lc_cfg_count(c, &experts, KEYS_EXPERTS, 0));
    if (experts == 0) {
        for (int64_t i = 0; i < m->n_layers; i++)
            m->layers[i].ffn.dense =
                (llmcost_mlp){.d_ff = d_ff, .gated = true, .bias = mlp_bias, .fused_gate_up = ti->fused_gate_up};
        return 0;
    }
    const char *ekey = lc_cfg_which(c, KEYS_EXPERTS);
    TRY(lc_cfg_req_size(c, &top_k, KEYS_TOPK));
    if (top_k > experts)
        return lc_fail(LLMCOST_EINVAL, "%s: key '%s%s' (%lld) is above the expert count '%s%s' (%lld)", c->origin,
                       c->prefix, lc_cfg_which(c, KEYS_TOPK), (long long)top_k, c->prefix, ekey, (long long)experts);
    /* Mixtral, OLMoE and gpt-oss size experts with intermediate_size; the others have moe_intermediate_size. */
    TRY(lc_cfg_size(c, &moe_ff, LC_KEYS("moe_intermediate_size"), d_ff));
    TRY(lc_cfg_count(c, &shared, LC_KEYS("n_shared_experts"), 0));
    /* Shared experts default to n_shared_experts experts of moe_intermediate_size: a product of two sizes up to
     * 2^40 each, so it is checked (unchecked, 2^40 x 2^40 was signed overflow). */
    int64_t shared_dflt = 0;
    if (!lc_mul(&shared_dflt, shared, moe_ff) || shared_dflt > LC_MAX_SIZE) {
        if (lc_cfg_which(c, LC_KEYS("shared_expert_intermediate_size")) == NULL)
            return lc_fail(LLMCOST_EOVERFLOW,
                           "%s: keys '%sn_shared_experts' (%lld) x '%smoe_intermediate_size' (%lld): the shared experts' "
                           "width is too large (above 2^40)",
                           c->origin, c->prefix, (long long)shared, c->prefix, (long long)moe_ff);
        shared_dflt = 0;
    }
    TRY(lc_cfg_count(c, &shared_ff, LC_KEYS("shared_expert_intermediate_size"), shared_dflt));
    /* topk_method "noaux_tc" routes with a per-expert bias kept as a buffer (DeepSeek-V3 §2.1.2). */
    const char *method = "";
    TRY(lc_cfg_string(c, &method, LC_KEYS("topk_method"), ""));
    bool noaux = !strcmp(method, "noaux_tc");
    /* Group-limited routing (DeepSeek-V2's group_limited_greedy and V3's noaux_tc: the top topk_group of n_group
     * expert groups, then top_k experts inside them); topk_method "greedy" picks over every expert. */
    int64_t n_group = 1, topk_group = 1;
    TRY(lc_cfg_size(c, &n_group, LC_KEYS("n_group"), 1));
    TRY(lc_cfg_size(c, &topk_group, LC_KEYS("topk_group"), n_group));
    if (n_group > 1 && strcmp(method, "greedy") != 0) {
        if (experts % n_group != 0 || topk_group > n_group)
            return lc_fail(LLMCOST_EINVAL,
                           "%s: keys '%sn_group' (%lld) and '%stopk_group' (%lld): the groups must divide the %lld "
                           "experts and topk_group be at most n_group",
                           c->origin, c->prefix, (long long)n_group, c->prefix, (long long)topk_group,
                           (long long)experts);
        if (topk_group * (experts / n_group) < top_k)
            return lc_fail(LLMCOST_EINVAL,
                           "%s: key '%stopk_group' (%lld): %lld groups of %lld experts hold fewer than the %lld a token "
                           "picks", c->origin, c->prefix, (long long)topk_group, (long long)topk_group,
                           (long long)(experts / n_group), (long long)top_k);
        if (topk_group < n_group) {
            m->moe_n_group = n_group;
            m->moe_topk_group = topk_group;
        }
    }
    bool *sparse = calloc((size_t)m->n_layers, sizeof *sparse);
    if (!sparse)
        return lc_fail(LLMCOST_ENOMEM, "out of memory");
    int rc = moe_layout(c, m, sparse);
    if (rc < 0) {
        free(sparse);
        return rc;
    }
    for (int64_t i = 0; i < m->n_layers; i++) {
        llmcost_ffn *f = &m->layers[i].ffn;
        if (!sparse[i]) {
            f->dense =
                (llmcost_mlp){.d_ff = d_ff, .gated = true, .bias = mlp_bias, .fused_gate_up = ti->fused_gate_up};
            continue;
        }
        f->moe = true;
        f->n_experts = experts;
        f->top_k = top_k;
        f->expert =
            (llmcost_mlp){.d_ff = moe_ff, .gated = true, .bias = ti->expert_bias, .clamped_glu = ti->clamped_glu};
        f->router_bias = ti->router_bias;
        if (shared_ff > 0) {
            f->n_shared = shared > 0 ? shared : 1;
            f->shared = (llmcost_mlp){.d_ff = shared_ff, .gated = true, .bias = false};
            f->shared_gate = ti->shared_gate;
        }
        f->score_correction_param = ti->score_correction_param;
        f->score_correction_bias = !ti->score_correction_param && (ti->score_correction || noaux);
        f->fp32_routing = ti->fp32_routing;
        f->fp32_router = ti->fp32_router;
    }
    free(sparse);
    return 0;
}

/* Reads a rotary fraction of head_dim ("partial_rotary_factor"), "dflt" when absent (the config class's default),
 * into every layer's rotary_dim as transformers sizes it: int(head_dim * factor). */
static int read_partial_rotary(const lc_cfg *c, llmcost_model *m, const char *const *keys, double dflt)
{
    double pct = dflt;
    TRY(lc_cfg_real(c, &pct, keys, dflt));
    if (pct <= 0 || pct > 1)
        return lc_fail(LLMCOST_EINVAL, "%s: key '%s%s': must be in (0, 1], got %g", c->origin, c->prefix,
                       lc_cfg_which(c, keys), pct);
    for (int64_t i = 0; i < m->n_layers; i++)
        m->layers[i].attn.rotary_dim = (int64_t)((double)m->layers[i].attn.head_dim * pct);
    return 0;
}

/* The rotary fraction "partial_rotary_factor", read under rope_parameters and then at the top level, "dflt" (the
 * config class's default) when absent in both; refused outside (0, 1]. */
static int read_rope_partial(const lc_cfg *c, double *partial, double dflt)
{
    *partial = dflt;
    json_t *rp = json_object_get(c->obj, "rope_parameters");
    if (json_is_object(rp)) {
        lc_cfg rc = {rp, c->origin, "rope_parameters."};
        TRY(lc_cfg_real(&rc, partial, LC_KEYS("partial_rotary_factor"), dflt));
    }
    TRY(lc_cfg_real(c, partial, LC_KEYS("partial_rotary_factor"), *partial));
    if (*partial <= 0 || *partial > 1)
        return lc_fail(LLMCOST_EINVAL, "%s: key '%spartial_rotary_factor': must be in (0, 1], got %g", c->origin,
                       c->prefix, *partial);
    return 0;
}

/* OlmoLayerNorm: F.layer_norm without weight or bias. */
static int adjust_olmo(const lc_cfg *c, const type_info *ti, llmcost_model *m)
{
    (void)c, (void)ti;
    m->norm = LLMCOST_NORM_LAYER_NOPARAM;
    return 0;
}

/* GraniteForCausalLM divides the logits by logits_scaling (default 1); the embedding, residual and attention
 * multipliers are scalars, no parameters. */
static int adjust_granite(const lc_cfg *c, const type_info *ti, llmcost_model *m)
{
    (void)ti;
    double ls = 1.0;
    TRY(lc_cfg_real(c, &ls, LC_KEYS("logits_scaling"), 1.0));
    if (ls <= 0)
        return lc_fail(LLMCOST_EINVAL, "%s: key '%slogits_scaling': must be positive, got %g", c->origin, c->prefix, ls);
    m->logit_scale = ls != 1.0 ? 1.0 / ls : 0;
    return 0;
}

/* CohereLayerNorm (a weight, no bias); one input_layernorm feeds attention and MLP in parallel; optional q/k norms
 * over (heads, head_dim); logits times logit_scale (CohereConfig default 0.0625). */
static int adjust_cohere(const lc_cfg *c, const type_info *ti, llmcost_model *m)
{
    (void)ti;
    bool qk = false;
    TRY(lc_cfg_bool(c, &qk, LC_KEYS("use_qk_norm"), false));
    TRY(lc_cfg_real(c, &m->logit_scale, LC_KEYS("logit_scale"), 0.0625));
    m->norm = LLMCOST_NORM_LAYER_NOBIAS;
    for (int64_t i = 0; i < m->n_layers; i++) {
        llmcost_layer *L = &m->layers[i];
        L->parallel = true;
        L->norm_pre_ffn = false;
        if (qk) {
            L->attn.qk_norm = LLMCOST_QKNORM_PROJECTION;
            L->attn.qk_norm_type = LLMCOST_NORM_LAYER_NOBIAS;
        }
    }
    return 0;
}

/* nn.LayerNorm with bias; q/k/v biases from use_qkv_bias, o_proj bias-free; partial rotary (default 0.25);
 * use_parallel_residual drops post_attention_layernorm; qk_layernorm: one bias-free LayerNorm per head
 * (StableLmLayerNormPerHead), weights heads x head_dim. */
static int adjust_stablelm(const lc_cfg *c, const type_info *ti, llmcost_model *m)
{
    (void)ti;
    bool qkv_bias = false, parallel = false, qk = false;
    TRY(lc_cfg_bool(c, &qkv_bias, LC_KEYS("use_qkv_bias"), false));
    TRY(lc_cfg_bool(c, &parallel, LC_KEYS("use_parallel_residual"), false));
    TRY(lc_cfg_bool(c, &qk, LC_KEYS("qk_layernorm"), false));
    TRY(lc_cfg_prob(c, &m->dropout_resid, LC_KEYS("hidden_dropout"), 0.0));
    TRY(read_partial_rotary(c, m, LC_KEYS("partial_rotary_factor"), 0.25));
    m->norm = LLMCOST_NORM_LAYER;
    for (int64_t i = 0; i < m->n_layers; i++) {
        llmcost_layer *L = &m->layers[i];
        L->attn.q_bias = L->attn.k_bias = L->attn.v_bias = qkv_bias;
        L->attn.o_bias = false;
        L->parallel = parallel;
        L->norm_pre_ffn = !parallel;
        if (qk) {
            L->attn.qk_norm = LLMCOST_QKNORM_PROJECTION;
            L->attn.qk_norm_type = LLMCOST_NORM_LAYER_NOBIAS;
        }
    }
    return 0;
}

/* nn.LayerNorm; q/k/v/o and the plain c_fc/c_proj MLP all carry biases when use_bias (default true). */
static int adjust_starcoder2(const lc_cfg *c, const type_info *ti, llmcost_model *m)
{
    (void)ti;
    bool bias = true;
    TRY(lc_cfg_bool(c, &bias, LC_KEYS("use_bias"), true));
    TRY(read_act(c, m, "gelu_pytorch_tanh"));
    TRY(lc_cfg_prob(c, &m->dropout_resid, LC_KEYS("residual_dropout"), 0.0));
    TRY(lc_cfg_prob(c, &m->dropout_embed, LC_KEYS("embedding_dropout"), 0.0));
    m->norm = LLMCOST_NORM_LAYER;
    for (int64_t i = 0; i < m->n_layers; i++) {
        llmcost_layer *L = &m->layers[i];
        L->attn.q_bias = L->attn.k_bias = L->attn.v_bias = L->attn.o_bias = bias;
        L->ffn.dense.gated = false;
        L->ffn.dense.bias = bias;
    }
    return 0;
}

/* PhiDecoderLayer: one LayerNorm feeds attention and a plain fc1/fc2 MLP in parallel; q/k/v/dense and fc1/fc2 carry
 * biases; partial rotary (PhiConfig default 0.5); optional per-head LayerNorms on q and k (qk_layernorm, with
 * biases); the LM head has a bias. */
static int adjust_phi(const lc_cfg *c, const type_info *ti, llmcost_model *m)
{
    (void)ti;
    bool qk = false;
    TRY(lc_cfg_bool(c, &qk, LC_KEYS("qk_layernorm"), false));
    TRY(read_act(c, m, "gelu_new"));
    TRY(lc_cfg_prob(c, &m->dropout_resid, LC_KEYS("resid_pdrop"), 0.0));
    TRY(lc_cfg_prob(c, &m->dropout_embed, LC_KEYS("embd_pdrop"), 0.0));
    TRY(read_partial_rotary(c, m, LC_KEYS("partial_rotary_factor"), 0.5));
    m->norm = LLMCOST_NORM_LAYER;
    m->head_bias = true;
    for (int64_t i = 0; i < m->n_layers; i++) {
        llmcost_layer *L = &m->layers[i];
        L->attn.q_bias = L->attn.k_bias = L->attn.v_bias = L->attn.o_bias = true;
        L->ffn.dense.gated = false;
        L->ffn.dense.bias = true;
        L->parallel = true;
        L->norm_pre_ffn = false;
        if (qk) {
            L->attn.qk_norm = LLMCOST_QKNORM_HEAD;
            L->attn.qk_norm_type = LLMCOST_NORM_LAYER;
        }
    }
    return 0;
}

/* Glm4MoeAttention: o_proj never has a bias; use_qk_norm adds RMSNorm(head_dim) on q and k; rotary on
 * partial_rotary_factor of head_dim (Glm4MoeConfig default 0.5). */
static int adjust_glm4_moe(const lc_cfg *c, const type_info *ti, llmcost_model *m)
{
    (void)ti;
    bool qk = false;
    TRY(lc_cfg_bool(c, &qk, LC_KEYS("use_qk_norm"), false));
    double partial = 0.5;
    json_t *rp = json_object_get(c->obj, "rope_parameters");
    if (json_is_object(rp))
        TRY(lc_cfg_real(&(lc_cfg){rp, c->origin, "rope_parameters."}, &partial, LC_KEYS("partial_rotary_factor"), 0.5));
    TRY(read_partial_rotary(c, m, LC_KEYS("partial_rotary_factor"), partial));
    for (int64_t i = 0; i < m->n_layers; i++) {
        llmcost_attention *a = &m->layers[i].attn;
        a->o_bias = false;
        if (qk)
            a->qk_norm = LLMCOST_QKNORM_HEAD;
    }
    return 0;
}

/* MiniMax-M2's hub configs (MiniMaxAI/MiniMax-M2, -M2.5; written for the repositories' own modeling_minimax_m2.py)
 * spell what MiniMaxM2Config fixes: attn_type_list (1 = softmax attention in every layer; MiniMax-Text-01's 0 is a
 * lightning attention layer), use_qk_norm with qk_norm_type "per_layer" (one RMSNorm over each whole projection, what
 * FlexOlmoAttention builds), use_routing_bias (the e_score_correction_bias buffer), shared_intermediate_size 0 (no
 * shared expert) and rotary_dim (the rotated dims of each head). Any other value asks for modules transformers'
 * MiniMaxM2 does not build: refused. use_mtp / num_mtp_modules / mtp_transformer_layers describe multi-token-
 * prediction modules that neither transformers builds nor the published checkpoint stores: not counted. */
static int adjust_minimax_m2(const lc_cfg *c, const type_info *ti, llmcost_model *m)
{
    (void)ti;
    json_t *atl = json_object_get(c->obj, "attn_type_list");
    if (atl && !json_is_null(atl)) {
        if (!json_is_array(atl) || (int64_t)json_array_size(atl) != m->n_layers)
            return lc_fail(LLMCOST_EINVAL, "%s: key '%sattn_type_list': expected an array of %lld layer kinds",
                           c->origin, c->prefix, (long long)m->n_layers);
        for (int64_t i = 0; i < m->n_layers; i++) {
            json_t *v = json_array_get(atl, (size_t)i);
            if (!json_is_integer(v) || json_integer_value(v) != 1)
                return lc_fail(LLMCOST_EUNSUPPORTED, "%s: key '%sattn_type_list[%lld]' is not 1 (softmax attention): "
                               "MiniMax's lightning (linear) attention layers are not modelled", c->origin, c->prefix,
                               (long long)i);
        }
    }
    bool qk = true, routing_bias = true;
    TRY(lc_cfg_bool(c, &qk, LC_KEYS("use_qk_norm"), true));
    const char *qk_type = "per_layer";
    TRY(lc_cfg_string(c, &qk_type, LC_KEYS("qk_norm_type"), "per_layer"));
    if (!qk || strcmp(qk_type, "per_layer") != 0)
        return lc_fail(LLMCOST_EUNSUPPORTED, "%s: keys '%suse_qk_norm' %s and '%sqk_norm_type' \"%s\": MiniMax-M2's "
                       "attention in transformers always has RMSNorms over the whole q and k projections (per_layer); "
                       "refusing rather than guessing the other layout", c->origin, c->prefix, qk ? "true" : "false",
                       c->prefix, qk_type);
    TRY(lc_cfg_bool(c, &routing_bias, LC_KEYS("use_routing_bias"), true));
    if (!routing_bias)
        return lc_fail(LLMCOST_EUNSUPPORTED, "%s: key '%suse_routing_bias' is false, but MiniMax-M2's sparse block in "
                       "transformers always keeps an e_score_correction_bias: refusing rather than guessing",
                       c->origin, c->prefix);
    int64_t shared = 0;
    TRY(lc_cfg_count(c, &shared, LC_KEYS("shared_intermediate_size"), 0));
    if (shared > 0)
        return lc_fail(LLMCOST_EUNSUPPORTED, "%s: key '%sshared_intermediate_size' is %lld: MiniMax-M2 in transformers "
                       "builds no shared expert; refusing rather than guessing its layout", c->origin, c->prefix,
                       (long long)shared);
    int64_t rot = 0;
    TRY(lc_cfg_count(c, &rot, LC_KEYS("rotary_dim"), 0));
    if (rot > 0) {
        json_t *rp = json_object_get(c->obj, "rope_parameters");
        bool partial = lc_cfg_which(c, LC_KEYS("partial_rotary_factor")) != NULL ||
                       (json_is_object(rp) && json_object_get(rp, "partial_rotary_factor"));
        for (int64_t i = 0; i < m->n_layers; i++) {
            llmcost_attention *a = &m->layers[i].attn;
            if (rot > a->head_dim || rot % 2)
                return lc_fail(LLMCOST_EINVAL, "%s: key '%srotary_dim' (%lld): must be even and at most head_dim "
                               "(%lld)", c->origin, c->prefix, (long long)rot, (long long)a->head_dim);
            if (partial && a->rotary_dim != rot)
                return lc_fail(LLMCOST_EINVAL, "%s: keys '%srotary_dim' (%lld) and partial_rotary_factor (%lld of %lld "
                               "dims) disagree", c->origin, c->prefix, (long long)rot, (long long)a->rotary_dim,
                               (long long)a->head_dim);
            a->rotary_dim = rot;
        }
    }
    bool use_mtp = false;
    int64_t mtp = 0;
    TRY(lc_cfg_bool(c, &use_mtp, LC_KEYS("use_mtp"), false));
    TRY(lc_cfg_count(c, &mtp, LC_KEYS("num_mtp_modules"), 0));
    if (use_mtp && mtp > 0)
        note(m, "num_mtp_modules %lld: MiniMax-M2's multi-token-prediction modules are neither built by transformers "
                "nor stored in the published checkpoint: not counted", (long long)mtp);
    return 0;
}

/* Llama4TextDecoderLayer: a Llama4TextMoe (experts and one shared expert, both intermediate_size wide, a bias-free
 * router) where the layer is in moe_layers, else a Llama4TextMLP of intermediate_size_mlp (default 16384). Its q/k
 * norms (use_qk_norm) are L2 norms without weights; NoPE layers (no_rope_layers) differ only in skipping the
 * rotation. Chunked attention (attention_chunk_size) is costed as full causal attention, and said so. */
static int adjust_llama4(const lc_cfg *c, const type_info *ti, llmcost_model *m)
{
    (void)ti;
    int64_t ff = 0, ff_mlp = 16384, chunk = 0;
    TRY(lc_cfg_req_size(c, &ff, LC_KEYS("intermediate_size")));
    TRY(lc_cfg_size(c, &ff_mlp, LC_KEYS("intermediate_size_mlp"), 16384));
    TRY(lc_cfg_count(c, &chunk, LC_KEYS("attention_chunk_size"), 0));
    for (int64_t i = 0; i < m->n_layers; i++) {
        llmcost_ffn *f = &m->layers[i].ffn;
        if (f->moe) {
            f->n_shared = 1;
            f->shared = (llmcost_mlp){.d_ff = ff, .gated = true};
        } else {
            f->dense.d_ff = ff_mlp;
        }
    }
    if (chunk > 0)
        note(m, "attention_chunk_size %lld: Llama 4's chunked local attention on its rotary layers is costed as full "
                "causal attention (FLOPs and memory of those layers' attention cores are upper bounds)", (long long)chunk);
    return 0;
}

/* GraniteMoe: Granite's logits_scaling; GraniteMoeShared: a shared MLP (input_linear h -> 2 s, output_linear s -> h,
 * no biases) of shared_intermediate_size in every layer, beside the experts. */
static int adjust_granitemoe(const lc_cfg *c, const type_info *ti, llmcost_model *m)
{
    int64_t shared = 0;
    TRY(adjust_granite(c, ti, m));
    TRY(lc_cfg_count(c, &shared, LC_KEYS("shared_intermediate_size"), 0));
    for (int64_t i = 0; i < m->n_layers && shared > 0; i++) {
        llmcost_ffn *f = &m->layers[i].ffn;
        if (f->moe) {
            f->n_shared = 1;
            f->shared = (llmcost_mlp){.d_ff = shared, .gated = true};
        }
    }
    return 0;
}

/* DeepSeek-V3.2's Indexer: index_n_heads heads of index_head_dim (both required), index_topk selected tokens. */
static int adjust_deepseek_v32(const lc_cfg *c, const type_info *ti, llmcost_model *m)
{
    (void)ti;
    int64_t ih = 0, id = 0, topk = 0;
    TRY(lc_cfg_req_size(c, &ih, LC_KEYS("index_n_heads")));
    TRY(lc_cfg_req_size(c, &id, LC_KEYS("index_head_dim")));
    TRY(lc_cfg_count(c, &topk, LC_KEYS("index_topk"), 0));
    for (int64_t i = 0; i < m->n_layers; i++) {
        m->layers[i].attn.index_n_heads = ih;
        m->layers[i].attn.index_head_dim = id;
        m->layers[i].attn.index_topk = topk;
    }
    return 0;
}

/* NemotronMLP: up_proj and down_proj (bias mlp_bias) around relu2; NemotronLayerNorm1P is an nn.LayerNorm with
 * weight and bias (it adds 1 to the weight when applying it); rotary on partial_rotary_factor of head_dim (0.5). */
static int adjust_nemotron(const lc_cfg *c, const type_info *ti, llmcost_model *m)
{
    (void)ti;
    TRY(read_partial_rotary(c, m, LC_KEYS("partial_rotary_factor"), 0.5));
    m->norm = LLMCOST_NORM_LAYER;
    for (int64_t i = 0; i < m->n_layers; i++)
        m->layers[i].ffn.dense.gated = false;
    return 0;
}

/* Glm4DecoderLayer: input, post_self_attn, post_attention and post_mlp RMSNorms; Glm4MLP's gate_up_proj and
 * down_proj without biases; attention as GLM-4.5's (o_proj without bias, partial rotary 0.5). */
static int adjust_glm4(const lc_cfg *c, const type_info *ti, llmcost_model *m)
{
    TRY(adjust_glm4_moe(c, ti, m));
    for (int64_t i = 0; i < m->n_layers; i++)
        m->layers[i].ffn.dense.bias = false;
    return 0;
}

/* Ernie4_5_MoeDecoderLayer: a Ernie4_5_MoeSparseMoeBlock where (layer + 1) % moe_layer_interval == 0 and
 * moe_layer_start_index <= layer <= moe_layer_end_index (-1: the last layer), else an Ernie4_5_MoeMLP of
 * intermediate_size. The block: moe_num_experts experts of moe_intermediate_size, top moe_k, a bias-free fp32 gate,
 * e_score_correction_bias (1 x experts, an nn.Parameter), and one shared MLP of moe_intermediate_size x
 * moe_num_shared_experts when that is above 0. Every Linear, the LM head's too, has a bias when use_bias. Absent keys
 * take Ernie4_5_MoeConfig's defaults (64 experts, top 6, 1536 wide, 2 shared, from layer 1). */
static int adjust_ernie4_5_moe(const lc_cfg *c, const type_info *ti, llmcost_model *m)
{
    (void)ti;
    bool bias = false, rms = true;
    int64_t experts = 64, top_k = 6, moe_ff = 1536, shared = 2, start = 1, end = -1, interval = 1;
    TRY(lc_cfg_bool(c, &bias, LC_KEYS("use_bias"), false));
    TRY(lc_cfg_bool(c, &rms, LC_KEYS("use_rmsnorm"), true));
    if (!rms)
        return lc_fail(LLMCOST_EUNSUPPORTED, "%s: key '%suse_rmsnorm': false is not what transformers' "
                       "Ernie4_5_MoeModel builds (RMSNorm only)", c->origin, c->prefix);
    TRY(lc_cfg_count(c, &experts, LC_KEYS("moe_num_experts"), 64));
    TRY(lc_cfg_count(c, &top_k, LC_KEYS("moe_k"), 6));
    TRY(lc_cfg_size(c, &moe_ff, LC_KEYS("moe_intermediate_size"), 1536));
    TRY(lc_cfg_count(c, &shared, LC_KEYS("moe_num_shared_experts"), 2));
    TRY(lc_cfg_count(c, &start, LC_KEYS("moe_layer_start_index"), 1));
    json_t *ev = json_object_get(c->obj, "moe_layer_end_index");
    if (ev && json_is_integer(ev) && json_integer_value(ev) == -1)
        end = -1;
    else
        TRY(lc_cfg_count(c, &end, LC_KEYS("moe_layer_end_index"), -1));
    if (end == -1)
        end = m->n_layers - 1;
    TRY(lc_cfg_size(c, &interval, LC_KEYS("moe_layer_interval"), 1));
    if (experts > 0 && (top_k < 1 || top_k > experts))
        return lc_fail(LLMCOST_EINVAL, "%s: key '%smoe_k' (%lld) must be from 1 to 'moe_num_experts' (%lld)", c->origin,
                       c->prefix, (long long)top_k, (long long)experts);
    int64_t shared_ff = 0;
    if (!lc_mul(&shared_ff, shared, moe_ff) || shared_ff > LC_MAX_SIZE)
        return lc_fail(LLMCOST_EOVERFLOW, "%s: keys '%smoe_num_shared_experts' x '%smoe_intermediate_size': the shared "
                       "MLP's width is too large (above 2^40)", c->origin, c->prefix, c->prefix);
    m->head_bias = bias;
    for (int64_t i = 0; i < m->n_layers; i++) {
        llmcost_layer *L = &m->layers[i];
        L->attn.q_bias = L->attn.k_bias = L->attn.v_bias = L->attn.o_bias = bias;
        llmcost_ffn *f = &L->ffn;
        f->dense.bias = bias;
        if (experts == 0 || (i + 1) % interval != 0 || i < start || i > end)
            continue;
        f->moe = true;
        f->n_experts = experts;
        f->top_k = top_k;
        f->expert = (llmcost_mlp){.d_ff = moe_ff, .gated = true, .bias = bias};
        if (shared_ff > 0) {
            f->n_shared = 1;
            f->shared = (llmcost_mlp){.d_ff = shared_ff, .gated = true, .bias = bias};
        }
        f->score_correction_param = true;
        f->fp32_router = true; /* gate(hidden_states.float()) with an fp32 weight under autocast off */
    }
    return 0;
}

/* SeedOssAttention: o_proj's bias is attention_out_bias (default false), q/k/v's attention_bias (default true);
 * SeedOssConfig's dropouts default to 0.1. */
static int adjust_seed_oss(const lc_cfg *c, const type_info *ti, llmcost_model *m)
{
    (void)ti;
    bool out_bias = false;
    TRY(lc_cfg_bool(c, &out_bias, LC_KEYS("attention_out_bias"), false));
    TRY(lc_cfg_prob(c, &m->dropout_attn, LC_KEYS("attention_dropout"), 0.1));
    TRY(lc_cfg_prob(c, &m->dropout_resid, LC_KEYS("residual_dropout"), 0.1));
    for (int64_t i = 0; i < m->n_layers; i++)
        m->layers[i].attn.o_bias = out_bias;
    return 0;
}

/* SmolLM3Attention rotates q and k only where no_rope_layers[layer] is 1 (default: (layer + 1) %
 * no_rope_layer_interval != 0); without layer_types, the other layers slide when use_sliding_window and a
 * sliding_window are set (SmolLM3Config.__post_init__). */
static int adjust_smollm3(const lc_cfg *c, const type_info *ti, llmcost_model *m)
{
    (void)ti;
    int64_t interval = 4, window = 0;
    bool use_sw = false;
    TRY(lc_cfg_size(c, &interval, LC_KEYS("no_rope_layer_interval"), 4));
    TRY(lc_cfg_count(c, &window, LC_KEYS("sliding_window"), 0));
    TRY(lc_cfg_bool(c, &use_sw, LC_KEYS("use_sliding_window"), false));
    json_t *nr = json_object_get(c->obj, "no_rope_layers");
    bool listed = nr && !json_is_null(nr);
    if (listed && (!json_is_array(nr) || (int64_t)json_array_size(nr) != m->n_layers))
        return lc_fail(LLMCOST_EINVAL, "%s: key '%sno_rope_layers': expected an array of %lld 0/1 entries, one per layer",
                       c->origin, c->prefix, (long long)m->n_layers);
    json_t *lt = json_object_get(c->obj, "layer_types");
    bool have_types = lt && !json_is_null(lt);
    for (int64_t i = 0; i < m->n_layers; i++) {
        bool rope = (i + 1) % interval != 0;
        if (listed) {
            json_t *v = json_array_get(nr, (size_t)i);
            if (!json_is_integer(v) || (json_integer_value(v) != 0 && json_integer_value(v) != 1))
                return lc_fail(LLMCOST_EINVAL, "%s: key '%sno_rope_layers[%lld]': expected 0 or 1", c->origin, c->prefix,
                               (long long)i);
            rope = json_integer_value(v) == 1;
        }
        llmcost_attention *a = &m->layers[i].attn;
        if (!rope)
            a->rotary_dim = 0;
        if (!have_types && !rope && use_sw && window > 0)
            a->sliding_window = window;
    }
    return 0;
}

/* Exaone4Attention: q_proj, k_proj, v_proj and o_proj bias-free whatever the config says, RMSNorm(head_dim) on q and
 * k; rotary on every layer when sliding_window is null, else on the sliding layers only; Olmo2MLP bias-free. */
static int adjust_exaone4(const lc_cfg *c, const type_info *ti, llmcost_model *m)
{
    (void)ti;
    json_t *sw = json_object_get(c->obj, "sliding_window");
    bool windowed = sw && !json_is_null(sw);
    for (int64_t i = 0; i < m->n_layers; i++) {
        llmcost_layer *L = &m->layers[i];
        L->attn.q_bias = L->attn.k_bias = L->attn.v_bias = L->attn.o_bias = false;
        L->ffn.dense.bias = false;
        if (windowed && L->attn.sliding_window == 0)
            L->attn.rotary_dim = 0;
    }
    return 0;
}

/* Cohere2: Cohere's parallel block and LayerNorm without bias, no q/k norms (use_qk_norm is not read), head_dim
 * hidden / heads (Cohere2Config sets it so), rotary on the sliding layers only. */
static int adjust_cohere2(const lc_cfg *c, const type_info *ti, llmcost_model *m)
{
    (void)ti;
    TRY(lc_cfg_real(c, &m->logit_scale, LC_KEYS("logit_scale"), 0.0625));
    /* Keys of the original Command R7B release that transformers does not read: each must say what Cohere2 builds
     * (sliding layers first in each group, a gated MLP, one parallel block, rotary over the whole head, the head
     * tied as tie_word_embeddings says), else the config describes another model. */
    const char *order = "local_attn_first";
    bool gated = true, parallel = true, sharing = m->tied;
    double pct = 1.0;
    TRY(lc_cfg_string(c, &order, LC_KEYS("order_of_interleaved_layers"), "local_attn_first"));
    TRY(lc_cfg_bool(c, &gated, LC_KEYS("use_gated_activation"), true));
    TRY(lc_cfg_bool(c, &parallel, LC_KEYS("use_parallel_block"), true));
    TRY(lc_cfg_bool(c, &sharing, LC_KEYS("use_embedding_sharing"), m->tied));
    TRY(lc_cfg_real(c, &pct, LC_KEYS("rotary_pct"), 1.0));
    if (strcmp(order, "local_attn_first") || !gated || !parallel || sharing != m->tied || pct != 1.0)
        return lc_fail(LLMCOST_EUNSUPPORTED, "%s: keys '%sorder_of_interleaved_layers', 'use_gated_activation', "
                       "'use_parallel_block', 'use_embedding_sharing' or 'rotary_pct' ask for a layout other than the "
                       "one transformers' Cohere2 builds (local_attn_first, true, true, as tie_word_embeddings, 1.0)",
                       c->origin, c->prefix);
    m->norm = LLMCOST_NORM_LAYER_NOBIAS;
    int64_t heads = m->layers[0].attn.n_heads;
    if (m->hidden % heads != 0)
        return lc_fail(LLMCOST_EINVAL, "%s: key '%snum_attention_heads' (%lld) does not divide '%shidden_size' (%lld): "
                       "Cohere2Config sets head_dim to their quotient", c->origin, c->prefix, (long long)heads, c->prefix,
                       (long long)m->hidden);
    for (int64_t i = 0; i < m->n_layers; i++) {
        llmcost_layer *L = &m->layers[i];
        L->parallel = true;
        L->norm_pre_ffn = false;
        L->attn.head_dim = L->attn.v_head_dim = m->hidden / heads;
        L->attn.rotary_dim = L->attn.sliding_window > 0 ? L->attn.head_dim : 0;
    }
    return 0;
}

/* ApertusMLP: up_proj and down_proj without bias whatever mlp_bias says; hidden_act xielu builds an
 * XIELUActivation holding alpha_p and alpha_n (nn.Parameters of 1) and beta and eps (buffers). */
static int adjust_apertus(const lc_cfg *c, const type_info *ti, llmcost_model *m)
{
    (void)c, (void)ti;
    for (int64_t i = 0; i < m->n_layers; i++) {
        m->layers[i].ffn.dense.gated = false;
        m->layers[i].ffn.dense.bias = false;
    }
    if (!strcmp(m->act_name, "xielu")) {
        m->act_params = 2;
        m->act_buffers = 2;
    }
    return 0;
}

/* InternLM2Attention: wqkv and wo carry biases when config.bias (default true); head_dim is hidden / heads; the MLP's
 * w1, w3 and w2 never have biases. */
static int adjust_internlm2(const lc_cfg *c, const type_info *ti, llmcost_model *m)
{
    (void)ti;
    bool bias = true;
    TRY(lc_cfg_bool(c, &bias, LC_KEYS("bias"), true));
    int64_t heads = m->layers[0].attn.n_heads;
    if (m->hidden % heads != 0)
        return lc_fail(LLMCOST_EINVAL, "%s: key '%snum_attention_heads' (%lld) does not divide '%shidden_size' (%lld): "
                       "InternLM2 sizes its heads as their quotient", c->origin, c->prefix, (long long)heads, c->prefix,
                       (long long)m->hidden);
    for (int64_t i = 0; i < m->n_layers; i++) {
        llmcost_layer *L = &m->layers[i];
        L->attn.q_bias = L->attn.k_bias = L->attn.v_bias = L->attn.o_bias = bias;
        L->attn.head_dim = L->attn.v_head_dim = L->attn.rotary_dim = m->hidden / heads;
        L->ffn.dense.bias = false;
    }
    return 0;
}

/* InternLM3Attention: q_proj, k_proj, v_proj with bias=config.qkv_bias, o_proj with bias=config.bias; InternLM3MLP's
 * gate, up and down with bias=config.bias (InternLM3Config defaults false). */
static int adjust_internlm3(const lc_cfg *c, const type_info *ti, llmcost_model *m)
{
    (void)ti;
    bool bias = false, qkv_bias = false;
    TRY(lc_cfg_bool(c, &bias, LC_KEYS("bias"), false));
    TRY(lc_cfg_bool(c, &qkv_bias, LC_KEYS("qkv_bias"), false));
    for (int64_t i = 0; i < m->n_layers; i++) {
        llmcost_layer *L = &m->layers[i];
        L->attn.q_bias = L->attn.k_bias = L->attn.v_bias = qkv_bias;
        L->attn.o_bias = bias;
        L->ffn.dense.bias = bias;
    }
    return 0;
}

/* HunYuanDenseV1MLP: gate, up and down without bias whatever mlp_bias says; the q/k norms are built whatever
 * use_qk_norm says. The remote code's cross-layer key/value sharing (use_cla) is not what transformers builds, so a
 * config that asks for it, or turns the q/k norms off, describes another model: refused. */
static int adjust_hunyuan_dense(const lc_cfg *c, const type_info *ti, llmcost_model *m)
{
    (void)ti;
    bool cla = false, qk = true;
    TRY(lc_cfg_bool(c, &cla, LC_KEYS("use_cla"), false));
    TRY(lc_cfg_bool(c, &qk, LC_KEYS("use_qk_norm"), true));
    if (cla || !qk)
        return lc_fail(LLMCOST_EUNSUPPORTED, "%s: key '%s%s' %s: transformers' HunYuanDenseV1 builds %s, so this config "
                       "describes another model", c->origin, c->prefix, cla ? "use_cla" : "use_qk_norm",
                       cla ? "true" : "false", cla ? "keys and values in every layer (no cross-layer sharing)"
                                                   : "q/k norms in every layer");
    for (int64_t i = 0; i < m->n_layers; i++)
        m->layers[i].ffn.dense.bias = false;
    return 0;
}

/* PhimoeDecoderLayer and PhimoeModel replace Mixtral's RMSNorms with nn.LayerNorm(elementwise_affine=True): a weight
 * and a bias each; PhimoeForCausalLM's lm_head has bias=config.lm_head_bias. */
static int adjust_phimoe(const lc_cfg *c, const type_info *ti, llmcost_model *m)
{
    (void)ti;
    TRY(lc_cfg_bool(c, &m->head_bias, LC_KEYS("lm_head_bias"), false));
    m->norm = LLMCOST_NORM_LAYER;
    return 0;
}

/* Each Baichuan repository ships its own modeling_baichuan.py and the config does not say which position encoding it
 * uses: the 7B models (Baichuan-7B, Baichuan2-7B, hidden 4096) rotate q and k, the 13B ones (Baichuan-13B,
 * Baichuan2-13B) add ALiBi biases (the Baichuan-13B README's table; vLLM's BaichuanForCausalLM picks the same way, by
 * hidden_size == 4096). BaichuanAttention sizes heads as hidden / heads and has no key/value groups; the 13B configs
 * give the length as model_max_length. */
static int adjust_baichuan(const lc_cfg *c, const type_info *ti, llmcost_model *m)
{
    (void)ti;
    int64_t heads = m->layers[0].attn.n_heads;
    if (m->hidden % heads != 0 || m->layers[0].attn.n_kv_heads != heads)
        return lc_fail(LLMCOST_EINVAL, "%s: keys '%snum_attention_heads' (%lld) and '%shidden_size' (%lld): Baichuan's "
                       "W_pack projects to 3 x hidden_size, so the heads must divide hidden_size and have no key/value "
                       "groups", c->origin, c->prefix, (long long)heads, c->prefix, (long long)m->hidden);
    if (m->max_positions == 0)
        TRY(lc_cfg_size(c, &m->max_positions, LC_KEYS("model_max_length"), 0));
    bool alibi = m->hidden != 4096;
    for (int64_t i = 0; i < m->n_layers; i++) {
        llmcost_attention *a = &m->layers[i].attn;
        a->head_dim = a->v_head_dim = m->hidden / heads;
        a->rotary_dim = alibi ? 0 : a->head_dim;
    }
    m->pos = alibi ? LLMCOST_POS_ALIBI : LLMCOST_POS_ROTARY;
    note(m, "Baichuan: %s, as the %s models' modeling_baichuan.py builds it (the config does not say; chosen by "
            "hidden_size %s 4096)", alibi ? "ALiBi position biases" : "rotary positions", alibi ? "13B" : "7B",
         alibi ? "!=" : "==");
    return 0;
}

/* GraniteMoeHybridDecoderLayer: its MLP is shared_mlp (GraniteMoeSharedMLP: input_linear h -> 2 s and output_linear
 * s -> h, bias-free, s = shared_intermediate_size, default 1024) alone when num_local_experts is 0, else beside the
 * experts (adjust_granitemoe); Granite's logits_scaling; GraniteMoeHybridModel builds a rotary embedding only for
 * position_embedding_type "rope" (default None: no positions). Without layer_types, layers_block_type makes every layer
 * Mamba2. */
static int adjust_granitemoehybrid(const lc_cfg *c, const type_info *ti, llmcost_model *m)
{
    json_t *lt = json_object_get(c->obj, "layer_types");
    if (!lt || json_is_null(lt))
        return lc_fail(LLMCOST_EUNSUPPORTED, "%s: no key '%slayer_types': GraniteMoeHybridConfig then makes every layer "
                       "Mamba2, and Mamba2 layers interleaved with attention are not modelled yet", c->origin, c->prefix);
    int64_t experts = 0, shared = 1024;
    const char *pos = "";
    TRY(lc_cfg_count(c, &experts, KEYS_EXPERTS, 0)); /* absent keys: the class defaults, filled in by build() */
    TRY(lc_cfg_size(c, &shared, LC_KEYS("shared_intermediate_size"), 1024));
    TRY(lc_cfg_string(c, &pos, LC_KEYS("position_embedding_type"), ""));
    if (pos[0] && strcmp(pos, "rope") && strcmp(pos, "nope"))
        return lc_fail(LLMCOST_EINVAL, "%s: key '%sposition_embedding_type': '%s' is not one GraniteMoeHybrid builds "
                       "(\"rope\", or none)", c->origin, c->prefix, pos);
    /* shared_mlp.input_linear is one Linear for gate and up (fused_gate_up: one reader of the norm, one adapter) */
    if (experts == 0) {
        TRY(adjust_granite(c, ti, m));
        for (int64_t i = 0; i < m->n_layers; i++)
            m->layers[i].ffn.dense = (llmcost_mlp){.d_ff = shared, .gated = true, .fused_gate_up = true};
    } else {
        TRY(adjust_granitemoe(c, ti, m));
        for (int64_t i = 0; i < m->n_layers; i++)
            m->layers[i].ffn.shared.fused_gate_up = m->layers[i].ffn.shared.d_ff > 0;
    }
    if (strcmp(pos, "rope") != 0) {
        for (int64_t i = 0; i < m->n_layers; i++)
            m->layers[i].attn.rotary_dim = 0;
        m->pos = LLMCOST_POS_NONE;
    }
    return read_granite_mamba(c, m);
}

static int build_llama(const lc_cfg *c, const type_info *ti, llmcost_model *m)
{
    int64_t heads, kv, head_dim, d_ff = 0, window = 0;
    TRY(read_core(c, m, &heads, &kv, &head_dim));
    /* Per-layer attention kinds from layer_types, first: a layer kind llmcost does not model is refused before any
     * width that only other kinds would need is asked for. */
    TRY(lc_cfg_count(c, &window, LC_KEYS("sliding_window"), 0));
    int lt = read_layer_types(c, m, window);
    TRY(lt);
    bool is_moe = lc_cfg_which(c, KEYS_EXPERTS) != NULL;
    /* A pure MoE model may size experts by moe_intermediate_size and have no dense width. */
    if (is_moe && lc_cfg_which(c, LC_KEYS("intermediate_size")) == NULL)
        TRY(lc_cfg_req_size(c, &d_ff, LC_KEYS("moe_intermediate_size")));
    else
        TRY(lc_cfg_req_size(c, &d_ff, LC_KEYS("intermediate_size")));
    bool attn_bias, mlp_bias;
    TRY(lc_cfg_bool(c, &attn_bias, LC_KEYS("attention_bias"), ti->attn_bias));
    TRY(lc_cfg_bool(c, &mlp_bias, LC_KEYS("mlp_bias"), false));
    TRY(lc_cfg_bool(c, &m->tied, LC_KEYS("tie_word_embeddings"), ti->tied));
    TRY(read_act(c, m, ti->act ? ti->act : "silu"));
    double partial;
    TRY(read_rope_partial(c, &partial, 1.0));
    TRY(lc_cfg_prob(c, &m->dropout_attn, LC_KEYS("attention_dropout"), 0.0));
    TRY(lc_cfg_real(c, &m->logit_softcap, LC_KEYS("final_logit_softcapping"), 0.0));
    double attn_softcap = 0;
    TRY(lc_cfg_real(c, &attn_softcap, LC_KEYS("attn_logit_softcapping"), 0.0));

    /* MLA (DeepSeek-V2 §2.1): low-rank queries and a compressed key/value latent, recognised by kv_lora_rank
     * whatever the model_type (DeepSeek-V2/V3/V3.2, Kimi K2, GLM-4.5's relatives). */
    bool mla = lc_cfg_which(c, LC_KEYS("kv_lora_rank", "q_lora_rank", "qk_nope_head_dim", "qk_rope_head_dim")) != NULL;
    int64_t q_lora = 0, kv_lora = 0, nope = 0, rope = 0, vdim = 0;
    if (mla) {
        TRY(lc_cfg_count(c, &q_lora, LC_KEYS("q_lora_rank"), 0));
        TRY(lc_cfg_req_size(c, &kv_lora, LC_KEYS("kv_lora_rank")));
        TRY(lc_cfg_req_size(c, &nope, LC_KEYS("qk_nope_head_dim")));
        TRY(lc_cfg_req_size(c, &rope, LC_KEYS("qk_rope_head_dim")));
        TRY(lc_cfg_req_size(c, &vdim, LC_KEYS("v_head_dim")));
    }

    bool use_sw = true;
    TRY(lc_cfg_bool(c, &use_sw, LC_KEYS("use_sliding_window"), true));

    for (int64_t i = 0; i < m->n_layers; i++) {
        llmcost_layer *L = &m->layers[i];
        llmcost_attention *a = &L->attn;
        set_attention(a, heads, kv, head_dim);
        a->rotary_dim = (int64_t)(head_dim * partial);
        a->fused_qkv = ti->fused_qkv;
        a->fused_qkv_copied = ti->fused_qkv_copied;
        a->q_bias = a->k_bias = a->v_bias = attn_bias || ti->qkv_bias;
        a->o_bias = attn_bias;
        a->qk_norm = ti->qk_norm;
        a->sinks = ti->sinks;
        a->softcap = attn_softcap;
        if (mla) {
            a->kind = LLMCOST_ATTN_MLA;
            a->n_kv_heads = heads;
            a->q_lora_rank = q_lora;
            a->kv_lora_rank = kv_lora;
            a->qk_nope_head_dim = nope;
            a->qk_rope_head_dim = rope;
            a->head_dim = nope + rope;
            a->v_head_dim = vdim;
            a->rotary_dim = rope;
            /* DeepSeek's q_b_proj and kv_b_proj never carry a bias; q_a, kv_a and o follow attention_bias. */
            a->q_bias = a->k_bias = a->v_bias = attn_bias;
        }
        switch (ti->norms) {
        case NORMS_FOUR: L->norm_pre_attn = L->norm_post_attn = L->norm_pre_ffn = L->norm_post_ffn = true; break;
        case NORMS_POST_ONLY: L->norm_post_attn = L->norm_post_ffn = true; break;
        case NORMS_PRE: L->norm_pre_attn = L->norm_pre_ffn = true; break;
        }
    }
    /* Without layer_types, the family's rule for sliding_window. */
    if (!lt && window > 0 && use_sw) {
        int64_t mwl = 0, pattern = 1;
        if (ti->sliding == SW_FROM_MAX_WINDOW)
            TRY(lc_cfg_count(c, &mwl, LC_KEYS("max_window_layers"), 0));
        if (ti->sliding == SW_ALL_BUT_EVERY_NTH)
            TRY(lc_cfg_size(c, &pattern, LC_KEYS("sliding_window_pattern", "_sliding_window_pattern"),
                            ti->sliding_period));
        if (ti->sliding == SW_NONE)
            return lc_fail(LLMCOST_EUNSUPPORTED, "%s: key '%ssliding_window' (%lld) without 'layer_types': which layers "
                           "of model_type '%s' use the window is not known", c->origin, c->prefix, (long long)window,
                           m->model_type[0] ? m->model_type : "(none)");
        for (int64_t i = 0; i < m->n_layers; i++) {
            bool sliding = false;
            switch (ti->sliding) {
            case SW_NONE: break;
            case SW_EVERY_LAYER: sliding = true; break;
            case SW_FROM_MAX_WINDOW: sliding = i >= mwl; break;
            case SW_EVEN_LAYERS: sliding = i % 2 == 0; break;
            case SW_ALL_BUT_EVERY_NTH: sliding = (i + 1) % pattern != 0; break;
            case SW_NOPE_LAYERS: break; /* the family's hook knows which layers skip the rotation */
            }
            if (sliding)
                m->layers[i].attn.sliding_window = window;
        }
    }
    TRY(read_moe(c, ti, m, d_ff, mlp_bias));
    m->norm = LLMCOST_NORM_RMS;
    m->norm_fp32_weight = ti->norm_fp32_weight;
    m->final_norm = true;
    m->pos = LLMCOST_POS_ROTARY;

    /* Multi-token prediction (DeepSeek-V3 §2.2): HF transformers does not build these modules. */
    int64_t mtp = 0;
    TRY(lc_cfg_count(c, &mtp, LC_KEYS("num_nextn_predict_layers"), 0));
    if (ti->adjust)
        TRY(ti->adjust(c, ti, m));
    for (int64_t i = 0; i < m->n_layers && m->n_ssm == 0; i++)
        if (m->layers[i].ssm)
            return lc_fail(LLMCOST_EUNSUPPORTED, "%s: key '%slayer_types[%lld]' is mamba: Mamba2 layers interleaved with "
                           "attention are not modelled for model_type %s", c->origin, c->prefix, (long long)i, ti->type);
    if (mtp > 0) { /* the module's layer is like the last one, as the family's own rules made it */
        m->mtp.n_modules = mtp;
        m->mtp.layer = m->layers[m->n_layers - 1];
    }
    return 0;
}

/* GPT-2, and GPT-BigCode (SantaCoder, StarCoder), which keeps GPT-2's layout with multi-query attention: c_attn
 * projects to h + 2 head_dim (one key and one value head) when multi_query (GPTBigCodeConfig default true). */
static int build_gpt2(const lc_cfg *c, const type_info *ti, llmcost_model *m)
{
    int64_t heads, kv, head_dim, inner;
    bool multi_query = false;
    TRY(read_core(c, m, &heads, &kv, &head_dim));
    TRY(lc_cfg_size(c, &inner, LC_KEYS("n_inner"), 4 * m->hidden));
    TRY(lc_cfg_bool(c, &m->tied, LC_KEYS("tie_word_embeddings"), true));
    TRY(read_act(c, m, ti->act));
    if (ti->multi_query_key)
        TRY(lc_cfg_bool(c, &multi_query, LC_KEYS("multi_query"), true));
    if (m->max_positions == 0)
        m->max_positions = 1024; /* GPT2Config and GPTBigCodeConfig default n_positions */
    TRY(lc_cfg_prob(c, &m->dropout_resid, LC_KEYS("resid_pdrop"), 0.1));
    TRY(lc_cfg_prob(c, &m->dropout_embed, LC_KEYS("embd_pdrop"), 0.1));
    TRY(lc_cfg_prob(c, &m->dropout_attn, LC_KEYS("attn_pdrop"), 0.1));
    for (int64_t i = 0; i < m->n_layers; i++) {
        llmcost_layer *L = &m->layers[i];
        set_attention(&L->attn, heads, multi_query ? 1 : heads, head_dim);
        L->attn.rotary_dim = 0;
        L->attn.fused_qkv = true;
        L->attn.fused_qkv_copied = ti->fused_qkv_copied;
        L->attn.q_bias = L->attn.k_bias = L->attn.v_bias = L->attn.o_bias = true;
        L->ffn.dense = (llmcost_mlp){.d_ff = inner, .gated = false, .bias = true};
        L->norm_pre_attn = L->norm_pre_ffn = true;
    }
    m->norm = LLMCOST_NORM_LAYER;
    m->final_norm = true;
    m->pos = LLMCOST_POS_LEARNED;
    m->pos_rows = m->max_positions;
    return 0;
}

static int build_opt(const lc_cfg *c, llmcost_model *m)
{
    int64_t heads, kv, head_dim, ffn;
    TRY(read_core(c, m, &heads, &kv, &head_dim));
    TRY(lc_cfg_req_size(c, &ffn, LC_KEYS("ffn_dim")));
    TRY(lc_cfg_size(c, &m->embed_dim, LC_KEYS("word_embed_proj_dim"), m->hidden));
    bool before, bias, affine, remove_final;
    TRY(lc_cfg_bool(c, &before, LC_KEYS("do_layer_norm_before"), true));
    TRY(lc_cfg_bool(c, &bias, LC_KEYS("enable_bias"), true));
    TRY(lc_cfg_bool(c, &affine, LC_KEYS("layer_norm_elementwise_affine"), true));
    TRY(lc_cfg_bool(c, &remove_final, LC_KEYS("_remove_final_layer_norm"), false));
    if (!affine)
        return lc_fail(LLMCOST_EUNSUPPORTED, "%s: key '%slayer_norm_elementwise_affine': false is not modelled",
                       c->origin, c->prefix);
    TRY(lc_cfg_bool(c, &m->tied, LC_KEYS("tie_word_embeddings"), true));
    TRY(read_act(c, m, "relu"));
    TRY(lc_cfg_prob(c, &m->dropout_resid, LC_KEYS("dropout"), 0.1));
    TRY(lc_cfg_prob(c, &m->dropout_attn, LC_KEYS("attention_dropout"), 0.0));
    if (m->max_positions == 0)
        return lc_fail(LLMCOST_EINVAL, "%s: missing key '%smax_position_embeddings'", c->origin, c->prefix);
    for (int64_t i = 0; i < m->n_layers; i++) {
        llmcost_layer *L = &m->layers[i];
        set_attention(&L->attn, heads, heads, head_dim);
        L->attn.rotary_dim = 0;
        L->attn.q_bias = L->attn.k_bias = L->attn.v_bias = L->attn.o_bias = bias;
        L->ffn.dense = (llmcost_mlp){.d_ff = ffn, .gated = false, .bias = bias};
        /* OPT-350m is post-LN (do_layer_norm_before false): the same two norms, after each residual add. */
        L->norm_pre_attn = L->norm_pre_ffn = before;
        L->norm_post_attn = L->norm_post_ffn = !before;
    }
    m->norm = LLMCOST_NORM_LAYER;
    m->final_norm = before && !remove_final;
    m->pos = LLMCOST_POS_LEARNED;
    m->pos_rows = m->max_positions + 2; /* OPTLearnedPositionalEmbedding's offset of 2 */
    return 0;
}

static int build_falcon(const lc_cfg *c, llmcost_model *m)
{
    int64_t heads, kv, head_dim, ffn, n_ln = 0;
    bool new_arch, multi_query, parallel, bias, alibi;
    TRY(lc_cfg_bool(c, &new_arch, LC_KEYS("new_decoder_architecture"), false));
    TRY(lc_cfg_bool(c, &multi_query, LC_KEYS("multi_query"), true));
    TRY(lc_cfg_bool(c, &parallel, LC_KEYS("parallel_attn"), true));
    TRY(lc_cfg_bool(c, &bias, LC_KEYS("bias"), false));
    TRY(lc_cfg_bool(c, &alibi, LC_KEYS("alibi"), false));
    TRY(read_core(c, m, &heads, &kv, &head_dim));
    TRY(lc_cfg_size(c, &ffn, LC_KEYS("ffn_hidden_size"), 4 * m->hidden));
    TRY(lc_cfg_count(c, &n_ln, LC_KEYS("num_ln_in_parallel_attn"), new_arch ? 2 : 1));
    TRY(lc_cfg_bool(c, &m->tied, LC_KEYS("tie_word_embeddings"), true));
    TRY(read_act(c, m, "gelu"));
    TRY(lc_cfg_prob(c, &m->dropout_attn, LC_KEYS("attention_dropout"), 0.0));
    TRY(lc_cfg_prob(c, &m->dropout_resid, LC_KEYS("hidden_dropout"), 0.0));
    /* FalconAttention: new architecture has num_kv_heads groups; the old one is multi-query or multi-head. */
    if (!new_arch)
        kv = multi_query ? 1 : heads;
    for (int64_t i = 0; i < m->n_layers; i++) {
        llmcost_layer *L = &m->layers[i];
        set_attention(&L->attn, heads, kv, head_dim);
        L->attn.rotary_dim = alibi ? 0 : head_dim;
        L->attn.fused_qkv = true;
        L->attn.q_bias = L->attn.k_bias = L->attn.v_bias = L->attn.o_bias = bias;
        /* Measured with torch.utils.flop_counter (data/calibration/h200_measured_2026-11-28.json): Falcon-7B's
         * multi-query attention runs as bmm under SDPA, the new architecture's grouped one as a fused kernel. */
        L->attn.sdpa_unfused = !new_arch && multi_query;
        L->ffn.dense = (llmcost_mlp){.d_ff = ffn, .gated = false, .bias = bias};
        L->parallel = new_arch || parallel;
        L->norm_pre_attn = true;
        /* Two norms (ln_attn, ln_mlp) in the new architecture; post_attention_layernorm when not parallel. */
        L->norm_pre_ffn = new_arch ? n_ln == 2 : !parallel;
    }
    m->norm = LLMCOST_NORM_LAYER;
    m->final_norm = true;
    m->pos = alibi ? LLMCOST_POS_ALIBI : LLMCOST_POS_ROTARY;
    return 0;
}

static int build_neox(const lc_cfg *c, llmcost_model *m)
{
    int64_t heads, kv, head_dim, ffn;
    TRY(read_core(c, m, &heads, &kv, &head_dim));
    TRY(lc_cfg_req_size(c, &ffn, LC_KEYS("intermediate_size")));
    bool parallel, bias;
    double pct = 0.25;
    TRY(lc_cfg_bool(c, &parallel, LC_KEYS("use_parallel_residual"), true));
    TRY(lc_cfg_bool(c, &bias, LC_KEYS("attention_bias"), true));
    TRY(lc_cfg_real(c, &pct, LC_KEYS("rotary_pct", "partial_rotary_factor"), 0.25));
    /* A fraction of head_dim; outside [0, 1] the rotary width head_dim * pct is meaningless (and, converted to
     * int64, undefined for huge values). */
    if (pct < 0 || pct > 1)
        return lc_fail(LLMCOST_EINVAL, "%s: key '%s%s': must be in [0, 1], got %g", c->origin, c->prefix,
                       lc_cfg_which(c, LC_KEYS("rotary_pct", "partial_rotary_factor")), pct);
    TRY(lc_cfg_bool(c, &m->tied, LC_KEYS("tie_word_embeddings"), false));
    TRY(read_act(c, m, "gelu"));
    for (int64_t i = 0; i < m->n_layers; i++) {
        llmcost_layer *L = &m->layers[i];
        set_attention(&L->attn, heads, heads, head_dim);
        L->attn.rotary_dim = (int64_t)(head_dim * pct);
        L->attn.fused_qkv = true;
        L->attn.q_bias = L->attn.k_bias = L->attn.v_bias = L->attn.o_bias = bias;
        L->ffn.dense = (llmcost_mlp){.d_ff = ffn, .gated = false, .bias = true};
        L->norm_pre_attn = L->norm_pre_ffn = true;
        L->parallel = parallel;
    }
    m->norm = LLMCOST_NORM_LAYER;
    m->final_norm = true;
    m->pos = LLMCOST_POS_ROTARY;
    return 0;
}

/* GPT-J (GPTJConfig defaults: rotary_dim 64, n_inner 4h, bias-free attention, untied head with a bias). The rotary
 * sin/cos table is built once when the module is constructed (create_sinusoidal_positions), not per forward. */
static int build_gptj(const lc_cfg *c, llmcost_model *m)
{
    int64_t heads, kv, head_dim, inner, rot = 0;
    TRY(read_core(c, m, &heads, &kv, &head_dim));
    TRY(lc_cfg_size(c, &inner, LC_KEYS("n_inner"), 4 * m->hidden));
    /* rotary_dim null rotates the whole head; absent, the config class's 64. */
    json_t *rd = json_object_get(c->obj, "rotary_dim");
    TRY(lc_cfg_size(c, &rot, LC_KEYS("rotary_dim"), rd && json_is_null(rd) ? head_dim : 64));
    if (rot > head_dim)
        return lc_fail(LLMCOST_EINVAL, "%s: key '%srotary_dim' (%lld) is wider than a head (%lld)", c->origin, c->prefix,
                       (long long)rot, (long long)head_dim);
    TRY(lc_cfg_bool(c, &m->tied, LC_KEYS("tie_word_embeddings"), false));
    TRY(read_act(c, m, "gelu_new"));
    if (m->max_positions == 0)
        m->max_positions = 2048; /* GPTJConfig default n_positions */
    TRY(lc_cfg_prob(c, &m->dropout_resid, LC_KEYS("resid_pdrop"), 0.0));
    TRY(lc_cfg_prob(c, &m->dropout_embed, LC_KEYS("embd_pdrop"), 0.0));
    TRY(lc_cfg_prob(c, &m->dropout_attn, LC_KEYS("attn_pdrop"), 0.0));
    for (int64_t i = 0; i < m->n_layers; i++) {
        llmcost_layer *L = &m->layers[i];
        set_attention(&L->attn, heads, heads, head_dim);
        L->attn.rotary_dim = rot;
        L->ffn.dense = (llmcost_mlp){.d_ff = inner, .gated = false, .bias = true};
        L->norm_pre_attn = true; /* ln_1 feeds attention and MLP */
        L->parallel = true;
    }
    m->norm = LLMCOST_NORM_LAYER;
    m->final_norm = true;
    m->pos = LLMCOST_POS_ROTARY;
    m->rope_cached = true;
    m->head_bias = true;
    return 0;
}

/* BLOOM: word_embeddings_layernorm after the embedding, fused query_key_value and dense with biases, a 4h MLP with
 * biases, ALiBi (no position parameters), LayerNorms with biases, head tied (BloomConfig). */
static int build_bloom(const lc_cfg *c, llmcost_model *m)
{
    int64_t heads, kv, head_dim, ne = 0;
    TRY(read_core(c, m, &heads, &kv, &head_dim));
    /* BloomConfig takes n_embed over hidden_size when both are given. */
    if (lc_cfg_size(c, &ne, LC_KEYS("n_embed"), 0) == 1 && ne != m->hidden) {
        if (ne % heads != 0)
            return lc_fail(LLMCOST_EINVAL, "%s: key '%sn_head' (%lld) does not divide '%sn_embed' (%lld)", c->origin,
                           c->prefix, (long long)heads, c->prefix, (long long)ne);
        m->hidden = m->embed_dim = ne;
        head_dim = ne / heads;
    }
    TRY(lc_cfg_bool(c, &m->tied, LC_KEYS("tie_word_embeddings"), true));
    lc_strlcpy(m->act_name, "bloom_gelu", sizeof m->act_name); /* BloomGelu: the tanh approximation */
    m->act = LLMCOST_ACT_GELU_TANH;
    TRY(lc_cfg_prob(c, &m->dropout_resid, LC_KEYS("hidden_dropout"), 0.0));
    TRY(lc_cfg_prob(c, &m->dropout_attn, LC_KEYS("attention_dropout"), 0.0));
    for (int64_t i = 0; i < m->n_layers; i++) {
        llmcost_layer *L = &m->layers[i];
        set_attention(&L->attn, heads, heads, head_dim);
        L->attn.rotary_dim = 0;
        L->attn.fused_qkv = true;
        L->attn.q_bias = L->attn.k_bias = L->attn.v_bias = L->attn.o_bias = true;
        L->ffn.dense = (llmcost_mlp){.d_ff = 4 * m->hidden, .gated = false, .bias = true};
        L->norm_pre_attn = L->norm_pre_ffn = true;
    }
    m->norm = LLMCOST_NORM_LAYER;
    m->embed_norm = true;
    m->final_norm = true;
    m->pos = LLMCOST_POS_ALIBI;
    return 0;
}

/* MPT as transformers builds it (modeling_mpt.py): Wqkv and out_proj without bias, an MLP of 4 d_model without bias,
 * LayerNorms whose bias is removed, ALiBi, head tied. MptMLP hard-codes the 4x width and MptAttention the missing
 * biases, so expansion_ratio and no_bias do not change what transformers builds; a config that sets them otherwise
 * is noted. */
static int build_mpt(const lc_cfg *c, llmcost_model *m)
{
    int64_t heads, kv, head_dim, ratio = 4;
    bool no_bias = true;
    TRY(read_core(c, m, &heads, &kv, &head_dim));
    TRY(lc_cfg_size(c, &ratio, LC_KEYS("expansion_ratio"), 4));
    TRY(lc_cfg_bool(c, &no_bias, LC_KEYS("no_bias"), true));
    if (ratio != 4)
        note(m, "expansion_ratio %lld: transformers' MptMLP is 4 x d_model wide whatever the config says; counted as 4",
             (long long)ratio);
    if (!no_bias)
        note(m, "no_bias false: transformers' MPT builds its Linears and LayerNorms without biases; counted without");
    TRY(lc_cfg_bool(c, &m->tied, LC_KEYS("tie_word_embeddings"), true));
    lc_strlcpy(m->act_name, "gelu", sizeof m->act_name); /* nn.GELU(approximate="none") */
    m->act = LLMCOST_ACT_GELU;
    json_t *ac = json_object_get(c->obj, "attn_config");
    if (ac && !json_is_null(ac) && !json_is_object(ac))
        return lc_fail(LLMCOST_EINVAL, "%s: key '%sattn_config': expected an object", c->origin, c->prefix);
    if (json_is_object(ac)) {
        lc_cfg a = {ac, c->origin, "attn_config."};
        TRY(lc_cfg_prob(&a, &m->dropout_attn, LC_KEYS("attn_pdrop"), 0.0));
    }
    m->dropout_resid = m->dropout_attn; /* MptBlock and MptMLP drop out with attn_config.attn_pdrop too */
    if (m->max_positions == 0)
        m->max_positions = 2048; /* MptConfig default max_seq_len */
    for (int64_t i = 0; i < m->n_layers; i++) {
        llmcost_layer *L = &m->layers[i];
        set_attention(&L->attn, heads, heads, head_dim);
        L->attn.rotary_dim = 0;
        L->attn.fused_qkv = true;
        L->ffn.dense = (llmcost_mlp){.d_ff = 4 * m->hidden, .gated = false, .bias = false};
        L->norm_pre_attn = L->norm_pre_ffn = true;
    }
    m->norm = LLMCOST_NORM_LAYER_NOBIAS;
    m->final_norm = true;
    m->pos = LLMCOST_POS_ALIBI;
    return 0;
}

/* ChatGLM2/3 and GLM-4-9B-chat as their remote modeling_chatglm.py builds them (ChatGLMConfig's defaults for absent
 * keys): word_embeddings of padded_vocab_size x hidden; per GLMBlock an input_layernorm, query_key_value of
 * hidden -> heads*kv_channels + 2*groups*kv_channels (groups = multi_query_group_num under multi_query_attention,
 * else heads; bias when add_bias_linear or add_qkv_bias), dense (bias add_bias_linear), post_attention_layernorm,
 * dense_h_to_4h of hidden -> 2 ffn_hidden_size and dense_4h_to_h (SwiGLU, bias add_bias_linear); RMSNorm (weight
 * applied in fp32) when rmsnorm, else LayerNorm; final_layernorm when post_layer_norm; output_layer untied, no bias.
 * RotaryEmbedding(kv_channels // 2) rotates the first 2 ceil(kv_channels / 4) dims of each head and registers its
 * inv_freq of ceil(kv_channels / 4) as a persistent buffer. A prefix encoder (pre_seq_len), the residual taken after
 * the norm, and fp32 residuals are refused. */
static int build_chatglm(const lc_cfg *c, llmcost_model *m)
{
    int64_t heads = 0, groups = 1, kvc = 0, ffn = 0;
    bool mqa = false, bias = false, qkv_bias = false, rms = true, post_ln = true, post_res = false, fp32_res = false;
    TRY(lc_cfg_req_size(c, &m->hidden, KEYS_HIDDEN));
    TRY(lc_cfg_req_size(c, &m->n_layers, KEYS_LAYERS));
    if (m->n_layers > LC_MAX_LAYERS)
        return lc_fail(LLMCOST_EUNSUPPORTED, "%s: key '%snum_layers': %lld layers is beyond what llmcost models (at "
                       "most %d)", c->origin, c->prefix, (long long)m->n_layers, LC_MAX_LAYERS);
    TRY(lc_cfg_req_size(c, &heads, KEYS_HEADS));
    TRY(lc_cfg_size(c, &m->vocab, LC_KEYS("padded_vocab_size"), 65024));
    TRY(lc_cfg_req_size(c, &ffn, LC_KEYS("ffn_hidden_size")));
    json_t *kv = json_object_get(c->obj, "kv_channels");
    if (kv && json_is_null(kv))
        kvc = m->hidden / heads;
    else
        TRY(lc_cfg_size(c, &kvc, LC_KEYS("kv_channels"), 128));
    TRY(lc_cfg_bool(c, &mqa, LC_KEYS("multi_query_attention"), false));
    TRY(lc_cfg_size(c, &groups, LC_KEYS("multi_query_group_num"), 1));
    TRY(lc_cfg_bool(c, &bias, LC_KEYS("add_bias_linear"), false));
    TRY(lc_cfg_bool(c, &qkv_bias, LC_KEYS("add_qkv_bias"), false));
    TRY(lc_cfg_bool(c, &rms, LC_KEYS("rmsnorm"), true));
    TRY(lc_cfg_bool(c, &post_ln, LC_KEYS("post_layer_norm"), true));
    TRY(lc_cfg_bool(c, &post_res, LC_KEYS("apply_residual_connection_post_layernorm"), false));
    TRY(lc_cfg_bool(c, &fp32_res, LC_KEYS("fp32_residual_connection"), false));
    TRY(lc_cfg_bool(c, &m->tied, LC_KEYS("tie_word_embeddings"), false));
    TRY(lc_cfg_size(c, &m->max_positions, LC_KEYS("seq_length"), 2048));
    TRY(lc_cfg_prob(c, &m->dropout_attn, LC_KEYS("attention_dropout"), 0.0));
    TRY(lc_cfg_prob(c, &m->dropout_resid, LC_KEYS("hidden_dropout"), 0.0));
    json_t *pre = json_object_get(c->obj, "pre_seq_len");
    if (pre && !json_is_null(pre))
        return lc_fail(LLMCOST_EUNSUPPORTED, "%s: key '%spre_seq_len': ChatGLM's prefix-tuning encoder is not modelled",
                       c->origin, c->prefix);
    if (post_res || fp32_res)
        return lc_fail(LLMCOST_EUNSUPPORTED, "%s: key '%s%s' true: ChatGLM's %s is not modelled", c->origin, c->prefix,
                       post_res ? "apply_residual_connection_post_layernorm" : "fp32_residual_connection",
                       post_res ? "residual taken after the layer norm" : "fp32 residual stream");
    if (m->tied)
        return lc_fail(LLMCOST_EUNSUPPORTED, "%s: key '%stie_word_embeddings' true: ChatGLM's output_layer is a "
                       "separate Linear, and whether it is tied is not known from its code", c->origin, c->prefix);
    int64_t kvh = mqa ? groups : heads;
    if (kvh > heads || heads % kvh != 0)
        return lc_fail(LLMCOST_EINVAL, "%s: key '%smulti_query_group_num' (%lld) does not divide '%snum_attention_heads' "
                       "(%lld)", c->origin, c->prefix, (long long)kvh, c->prefix, (long long)heads);
    m->layers = calloc((size_t)m->n_layers, sizeof *m->layers);
    if (!m->layers)
        return lc_fail(LLMCOST_ENOMEM, "out of memory");
    m->embed_dim = m->hidden;
    lc_strlcpy(m->act_name, "swiglu", sizeof m->act_name); /* silu(x[0]) * x[1] of the chunked dense_h_to_4h */
    m->act = LLMCOST_ACT_SILU;
    int64_t half = (kvc / 2 + 1) / 2; /* arange(0, kv_channels // 2, 2) */
    for (int64_t i = 0; i < m->n_layers; i++) {
        llmcost_layer *L = &m->layers[i];
        set_attention(&L->attn, heads, kvh, kvc);
        L->attn.rotary_dim = 2 * half;
        L->attn.fused_qkv = true;
        L->attn.q_bias = L->attn.k_bias = L->attn.v_bias = bias || qkv_bias;
        L->attn.o_bias = bias;
        L->ffn.dense = (llmcost_mlp){.d_ff = ffn, .gated = true, .bias = bias, .fused_gate_up = true};
        L->norm_pre_attn = L->norm_pre_ffn = true;
    }
    m->norm = rms ? LLMCOST_NORM_RMS : LLMCOST_NORM_LAYER;
    m->norm_fp32_weight = rms;
    m->final_norm = post_ln;
    m->pos = LLMCOST_POS_ROTARY;
    m->rope_buffers = half;
    return 0;
}

/* The keys every state-space family shares: width, depth, vocabulary; the layers allocated. */
static int read_ssm_core(const lc_cfg *c, llmcost_model *m)
{
    TRY(lc_cfg_req_size(c, &m->hidden, KEYS_HIDDEN));
    TRY(lc_cfg_req_size(c, &m->n_layers, KEYS_LAYERS));
    if (m->n_layers > LC_MAX_LAYERS)
        return lc_fail(LLMCOST_EUNSUPPORTED, "%s: key '%s%s': %lld layers is beyond what llmcost models (at most %d)",
                       c->origin, c->prefix, lc_cfg_which(c, KEYS_LAYERS), (long long)m->n_layers, LC_MAX_LAYERS);
    TRY(lc_cfg_req_size(c, &m->vocab, LC_KEYS("vocab_size")));
    TRY(lc_cfg_size(c, &m->max_positions, KEYS_MAXPOS, 0));
    m->embed_dim = m->hidden;
    m->norm = LLMCOST_NORM_RMS;
    m->final_norm = true;
    m->pos = LLMCOST_POS_NONE;
    m->layers = calloc((size_t)m->n_layers, sizeof *m->layers);
    m->ssm = calloc(1, sizeof *m->ssm);
    if (!m->layers || !m->ssm)
        return lc_fail(LLMCOST_ENOMEM, "out of memory");
    m->n_ssm = 1;
    note(m, "the 'attention' component counts each layer's token mixer: attention, or the state-space mixer's in_proj, "
            "conv1d, dt, A_log, D, norm and out_proj; FLOPs, memory and step time assume the mamba_ssm kernels "
            "(docs/formulas.md, \"State-space mixers\")");
    return 0;
}

/* int(expand * hidden_size), as the config classes compute the mixer's width; "expand" may be a real. */
static int read_expand_width(const lc_cfg *c, const char *const *keys, int64_t hidden, int64_t *out)
{
    double expand;
    TRY(lc_cfg_real(c, &expand, keys, 2.0));
    if (!(expand > 0) || expand * (double)hidden > (double)LC_MAX_SIZE)
        return lc_fail(LLMCOST_EINVAL, "%s: key '%s%s': must be a positive factor, got %g", c->origin, c->prefix,
                       lc_cfg_which(c, keys) ? lc_cfg_which(c, keys) : keys[0], expand);
    *out = (int64_t)(expand * (double)hidden);
    if (*out < 1)
        return lc_fail(LLMCOST_EINVAL, "%s: key '%s%s': int(%g x hidden_size) is 0", c->origin, c->prefix,
                       lc_cfg_which(c, keys), expand);
    return 0;
}

/* Granite 4.0's Mamba2 layers (GraniteMoeHybridMambaLayer, transformers' BambaMixer): the layers read_layer_types
 * marked "mamba" keep their input norm, shared MLP and experts, and take mixer 0 in place of attention: width
 * int(mamba_expand x hidden), mamba_n_heads heads of mamba_d_head ("auto": width / heads), mamba_n_groups groups of
 * mamba_d_state, kernel mamba_d_conv, chunk mamba_chunk_size (256), conv bias mamba_conv_bias (true), in/out
 * biases mamba_proj_bias (false), a gated RMSNorm. Heads and state size are required: no default is assumed. */
static int read_granite_mamba(const lc_cfg *c, llmcost_model *m)
{
    int64_t marked = 0;
    for (int64_t i = 0; i < m->n_layers; i++)
        marked += m->layers[i].ssm != 0;
    if (marked == 0)
        return 0;
    m->ssm = calloc(1, sizeof *m->ssm);
    if (!m->ssm)
        return lc_fail(LLMCOST_ENOMEM, "out of memory");
    m->n_ssm = 1;
    llmcost_ssm *s = &m->ssm[0];
    s->kind = LLMCOST_SSM_MAMBA2;
    s->gated_norm = true;
    TRY(read_expand_width(c, LC_KEYS("mamba_expand"), m->hidden, &s->d_inner));
    TRY(lc_cfg_req_size(c, &s->n_heads, LC_KEYS("mamba_n_heads")));
    TRY(lc_cfg_req_size(c, &s->d_state, LC_KEYS("mamba_d_state")));
    json_t *hd = json_object_get(c->obj, "mamba_d_head");
    if (!hd || json_is_null(hd) || (json_is_string(hd) && !strcmp(json_string_value(hd), "auto"))) {
        if (s->d_inner % s->n_heads)
            return lc_fail(LLMCOST_EINVAL, "%s: key '%smamba_n_heads' (%lld) does not divide the mixer's width %lld",
                           c->origin, c->prefix, (long long)s->n_heads, (long long)s->d_inner);
        s->head_dim = s->d_inner / s->n_heads;
    } else {
        TRY(lc_cfg_req_size(c, &s->head_dim, LC_KEYS("mamba_d_head")));
    }
    if (s->n_heads * s->head_dim != s->d_inner)
        return lc_fail(LLMCOST_EINVAL, "%s: keys '%smamba_n_heads' x '%smamba_d_head' (%lld x %lld) are not int(mamba_expand "
                       "x hidden_size) (%lld)", c->origin, c->prefix, c->prefix, (long long)s->n_heads,
                       (long long)s->head_dim, (long long)s->d_inner);
    TRY(lc_cfg_size(c, &s->n_groups, LC_KEYS("mamba_n_groups"), 1));
    TRY(lc_cfg_size(c, &s->d_conv, LC_KEYS("mamba_d_conv"), 4));
    TRY(lc_cfg_size(c, &s->chunk_size, LC_KEYS("mamba_chunk_size"), 256));
    TRY(lc_cfg_bool(c, &s->conv_bias, LC_KEYS("mamba_conv_bias"), true));
    TRY(lc_cfg_bool(c, &s->proj_bias, LC_KEYS("mamba_proj_bias"), false));
    if (s->n_heads % s->n_groups)
        return lc_fail(LLMCOST_EINVAL, "%s: key '%smamba_n_groups' (%lld) does not divide mamba_n_heads (%lld)",
                       c->origin, c->prefix, (long long)s->n_groups, (long long)s->n_heads);
    for (int64_t i = 0; i < m->n_layers; i++)
        if (m->layers[i].ssm)
            memset(&m->layers[i].attn, 0, sizeof m->layers[i].attn); /* the mixer sits where attention would */
    note(m, "Granite 4.0: %lld of %lld layers are Mamba2 (layer_types), each with its norm, shared MLP and experts; "
            "FLOPs, memory and step time assume the mamba_ssm kernels", (long long)marked, (long long)m->n_layers);
    return 0;
}

/* A layer whose only module after its norm is the model's state-space mixer 0. */
static void ssm_layer(llmcost_layer *L)
{
    memset(L, 0, sizeof *L);
    L->norm_pre_attn = true; /* the block's norm, before the mixer */
    L->ssm = 1;
}

/* What Mamba and Mamba-2 configs share after their widths: the mixer's biases, the head's tie, the activation, and
 * every layer one norm and mixer 0. */
static int read_ssm_tail(const lc_cfg *c, const type_info *ti, llmcost_model *m, llmcost_ssm *s)
{
    TRY(lc_cfg_bool(c, &s->proj_bias, LC_KEYS("use_bias"), false));
    TRY(lc_cfg_bool(c, &s->conv_bias, LC_KEYS("use_conv_bias"), true));
    TRY(lc_cfg_bool(c, &m->tied, LC_KEYS("tie_word_embeddings"), ti->tied));
    TRY(lc_cfg_string_into(c, m->act_name, sizeof m->act_name, LC_KEYS("hidden_act"), "silu"));
    m->act = act_kind(m->act_name);
    for (int64_t i = 0; i < m->n_layers; i++)
        ssm_layer(&m->layers[i]);
    return 0;
}

/* Mamba (MambaConfig, modeling_mamba.py) and FalconMamba (FalconMambaConfig, modeling_falcon_mamba.py, the same
 * mixer plus weightless RMS norms on B, C and dt): intermediate_size = int(expand * hidden), time_step_rank "auto"
 * = ceil(hidden / 16), state_size 16, conv_kernel 4, use_bias false, use_conv_bias true, tied. A config that gives
 * intermediate_size keeps it: the config class computes int(expand * hidden) first and then sets the config's own
 * keys it does not name as attributes (PretrainedConfig), so the saved value wins. Falcon-Mamba-7B's config.json has
 * expand 16 beside intermediate_size 8192, and its 7.27B checkpoint loads into 8192-wide mixers. */
static int build_mamba(const lc_cfg *c, const type_info *ti, llmcost_model *m)
{
    TRY(read_ssm_core(c, m));
    llmcost_ssm *s = &m->ssm[0];
    s->kind = LLMCOST_SSM_MAMBA1;
    TRY(read_expand_width(c, LC_KEYS("expand"), m->hidden, &s->d_inner));
    int64_t given = 0;
    TRY(lc_cfg_size(c, &given, LC_KEYS("intermediate_size"), 0));
    if (given && given != s->d_inner) {
        note(m, "%sintermediate_size %lld is not int(expand x hidden_size) = %lld: the mixers are %lld wide, as the "
                "config class keeps the saved intermediate_size", c->prefix, (long long)given, (long long)s->d_inner,
             (long long)given);
        s->d_inner = given;
    }
    TRY(lc_cfg_size(c, &s->d_state, LC_KEYS("state_size"), 16));
    TRY(lc_cfg_size(c, &s->d_conv, LC_KEYS("conv_kernel"), 4));
    json_t *r = json_object_get(c->obj, "time_step_rank");
    if (json_is_string(r) && !strcmp(json_string_value(r), "auto"))
        s->dt_rank = (m->hidden + 15) / 16;
    else
        TRY(lc_cfg_size(c, &s->dt_rank, LC_KEYS("time_step_rank"), (m->hidden + 15) / 16));
    return read_ssm_tail(c, ti, m, s);
}

/* Mamba-2 (Mamba2Config, modeling_mamba2.py): intermediate_size = int(expand * hidden), which must be
 * num_heads x head_dim (the mixer splits in_proj's output by both); state_size 128, n_groups 8, conv_kernel 4,
 * num_heads 128, head_dim 64, chunk_size 256, use_bias false, use_conv_bias true, a gated RMSNorm, untied. */
static int build_mamba2(const lc_cfg *c, const type_info *ti, llmcost_model *m)
{
    TRY(read_ssm_core(c, m));
    llmcost_ssm *s = &m->ssm[0];
    s->kind = LLMCOST_SSM_MAMBA2;
    s->gated_norm = true;
    TRY(read_expand_width(c, LC_KEYS("expand"), m->hidden, &s->d_inner));
    TRY(lc_cfg_size(c, &s->n_heads, LC_KEYS("num_heads"), 128));
    TRY(lc_cfg_size(c, &s->head_dim, LC_KEYS("head_dim"), 64));
    if (s->n_heads * s->head_dim != s->d_inner)
        return lc_fail(LLMCOST_EINVAL, "%s: keys '%snum_heads' x '%shead_dim' (%lld x %lld) are not int(expand x "
                       "hidden_size) (%lld): Mamba2Mixer would not split its projection", c->origin, c->prefix,
                       c->prefix, (long long)s->n_heads, (long long)s->head_dim, (long long)s->d_inner);
    TRY(lc_cfg_size(c, &s->d_state, LC_KEYS("state_size"), 128));
    TRY(lc_cfg_size(c, &s->n_groups, LC_KEYS("n_groups"), 8));
    TRY(lc_cfg_size(c, &s->d_conv, LC_KEYS("conv_kernel"), 4));
    TRY(lc_cfg_size(c, &s->chunk_size, LC_KEYS("chunk_size"), 256));
    return read_ssm_tail(c, ti, m, s);
}

/* Nemotron-H (NemotronHConfig, modeling_nemotron_h.py): each block is an RMSNorm and one mixer, chosen per layer by
 * hybrid_override_pattern (M: Mamba-2, *: attention, -: MLP, E: MoE) or layers_block_type ("mamba", "attention",
 * "mlp", "moe"); the Mamba-2 mixer is mamba_num_heads x mamba_head_dim wide with n_groups groups of ssm_state_size;
 * attention has bias-free q/k/v/o and no rotary embedding; the MLP is up and down with mlp_hidden_act (relu2); untied
 * by default. MoE blocks (Nemotron-3 Nano) are refused: their latent projections and non-gated experts are not
 * built here yet. */
static int build_nemotron_h(const lc_cfg *c, const type_info *ti, llmcost_model *m)
{
    TRY(read_ssm_core(c, m));
    int64_t heads, kv, head_dim, ffn;
    TRY(lc_cfg_req_size(c, &heads, KEYS_HEADS));
    TRY(lc_cfg_size(c, &kv, LC_KEYS("num_key_value_heads"), heads));
    TRY(lc_cfg_size(c, &head_dim, LC_KEYS("head_dim", "attention_head_dim"), 0));
    if (head_dim == 0) {
        if (m->hidden % heads)
            return lc_fail(LLMCOST_EINVAL, "%s: key '%snum_attention_heads' (%lld) does not divide hidden_size, and "
                           "no 'head_dim' is given", c->origin, c->prefix, (long long)heads);
        head_dim = m->hidden / heads;
    }
    if (kv > heads || heads % kv)
        return lc_fail(LLMCOST_EINVAL, "%s: key '%snum_key_value_heads' (%lld) does not divide "
                       "'%snum_attention_heads' (%lld)", c->origin, c->prefix, (long long)kv, c->prefix,
                       (long long)heads);
    TRY(lc_cfg_size(c, &ffn, LC_KEYS("intermediate_size"), 21504));
    bool mlp_bias, attn_bias;
    TRY(lc_cfg_bool(c, &mlp_bias, LC_KEYS("mlp_bias"), false));
    TRY(lc_cfg_bool(c, &attn_bias, LC_KEYS("attention_bias"), false));
    if (attn_bias)
        return lc_fail(LLMCOST_EUNSUPPORTED, "%s: key '%sattention_bias' is true, but NemotronHAttention's q/k/v/o are "
                       "built without biases in one transformers release and with them in another: refusing rather "
                       "than guessing", c->origin, c->prefix);
    llmcost_ssm *s = &m->ssm[0];
    s->kind = LLMCOST_SSM_MAMBA2;
    s->gated_norm = true;
    TRY(lc_cfg_size(c, &s->n_heads, LC_KEYS("mamba_num_heads"), 128));
    TRY(lc_cfg_size(c, &s->head_dim, LC_KEYS("mamba_head_dim"), 64));
    s->d_inner = s->n_heads * s->head_dim;
    TRY(lc_cfg_size(c, &s->d_state, LC_KEYS("ssm_state_size"), 128));
    TRY(lc_cfg_size(c, &s->n_groups, LC_KEYS("n_groups"), 8));
    TRY(lc_cfg_size(c, &s->d_conv, LC_KEYS("conv_kernel"), 4));
    TRY(lc_cfg_size(c, &s->chunk_size, LC_KEYS("chunk_size"), 128));
    TRY(lc_cfg_bool(c, &s->proj_bias, LC_KEYS("use_bias"), false));
    TRY(lc_cfg_bool(c, &s->conv_bias, LC_KEYS("use_conv_bias"), true));
    if (s->d_inner % s->n_groups)
        return lc_fail(LLMCOST_EINVAL, "%s: key '%sn_groups' (%lld) does not divide the mixer's width %lld (its gated "
                       "norm's groups)", c->origin, c->prefix, (long long)s->n_groups, (long long)s->d_inner);
    TRY(lc_cfg_bool(c, &m->tied, LC_KEYS("tie_word_embeddings"), ti->tied));
    TRY(lc_cfg_string_into(c, m->act_name, sizeof m->act_name, LC_KEYS("mlp_hidden_act"), ti->act));
    m->act = act_kind(m->act_name);

    /* One letter or name per layer. */
    json_t *pat = json_object_get(c->obj, "hybrid_override_pattern");
    json_t *blocks = json_object_get(c->obj, "layers_block_type");
    const char *key = json_is_array(blocks) ? "layers_block_type" : "hybrid_override_pattern";
    int64_t n = json_is_array(blocks) ? (int64_t)json_array_size(blocks) : json_is_string(pat) ? (int64_t)strlen(json_string_value(pat)) : -1;
    if (n < 0)
        return lc_fail(LLMCOST_EINVAL, "%s: key '%shybrid_override_pattern' (a string of M, *, - per layer) or "
                       "'%slayers_block_type' (a list) is missing", c->origin, c->prefix, c->prefix);
    if (n != m->n_layers)
        return lc_fail(LLMCOST_EINVAL, "%s: key '%s%s' has %lld entries for %lld layers", c->origin, c->prefix, key,
                       (long long)n, (long long)m->n_layers);
    for (int64_t i = 0; i < m->n_layers; i++) {
        char kind;
        if (json_is_array(blocks)) {
            const char *t = json_string_value(json_array_get(blocks, (size_t)i));
            kind = !t ? '?' : !strcmp(t, "mamba") ? 'M' : !strcmp(t, "attention") ? '*' : !strcmp(t, "mlp") ? '-' :
                   !strcmp(t, "moe") ? 'E' : '?';
        } else {
            kind = json_string_value(pat)[i];
        }
        llmcost_layer *L = &m->layers[i];
        switch (kind) {
        case 'M': ssm_layer(L); break;
        case '*':
            set_attention(&L->attn, heads, kv, head_dim);
            L->attn.rotary_dim = 0; /* NemotronHAttention applies no position embedding */
            L->norm_pre_attn = true;
            break;
        case '-':
            L->ffn.dense = (llmcost_mlp){.d_ff = ffn, .gated = false, .bias = mlp_bias};
            L->norm_pre_ffn = true;
            break;
        case 'E':
            return lc_fail(LLMCOST_EUNSUPPORTED, "%s: key '%s%s[%lld]' is a mixture-of-experts block, whose latent "
                           "projections and non-gated experts llmcost does not build yet", c->origin, c->prefix, key,
                           (long long)i);
        default:
            return lc_fail(LLMCOST_EINVAL, "%s: key '%s%s[%lld]': expected %s", c->origin, c->prefix, key,
                           (long long)i, json_is_array(blocks) ? "\"mamba\", \"attention\", \"mlp\" or \"moe\"" :
                           "M, *, - or E");
        }
    }
    note(m, "Nemotron-H: %s read per layer (M Mamba-2, * attention, - MLP); attention without position embedding",
         key);
    return 0;
}

/* One entry of m->ssm (a model whose linear-attention layers share one mixer) and "linear", a flag a layer, zeroed;
 * the caller frees "linear". */
static int one_ssm_and_layer_flags(llmcost_model *m, bool **linear)
{
    m->ssm = calloc(1, sizeof *m->ssm);
    *linear = calloc((size_t)m->n_layers, sizeof **linear);
    if (!m->ssm || !*linear) {
        free(*linear);
        return lc_fail(LLMCOST_ENOMEM, "out of memory");
    }
    m->n_ssm = 1;
    return 0;
}

/* A "layer_types" array of m->n_layers "linear_attention" / "full_attention" strings into linear[] (Qwen3-Next's
 * and MiniMax's configs name their mixers so; "decoder_layer" is the modeling code's class, named when refusing). */
static int linear_layer_types(const lc_cfg *c, json_t *lt, llmcost_model *m, bool *linear, const char *decoder_layer)
{
    if (!json_is_array(lt) || (int64_t)json_array_size(lt) != m->n_layers)
        return lc_fail(LLMCOST_EINVAL, "%s: key '%slayer_types': expected an array of %lld strings", c->origin,
                       c->prefix, (long long)m->n_layers);
    for (int64_t i = 0; i < m->n_layers; i++) {
        const char *t = json_string_value(json_array_get(lt, (size_t)i));
        if (t && !strcmp(t, "linear_attention"))
            linear[i] = true;
        else if (t && !strcmp(t, "full_attention"))
            linear[i] = false;
        else
            return lc_fail(LLMCOST_EINVAL, "%s: key '%slayer_types[%lld]': expected \"linear_attention\" or "
                           "\"full_attention\" (%s builds no other mixer)", c->origin, c->prefix, (long long)i,
                           decoder_layer);
    }
    return 0;
}

/* Qwen3-Next (Qwen3NextConfig, modular_qwen3_next.py). Each layer: input_layernorm, a token mixer, post_attention_
 * layernorm, then Qwen2-MoE's sparse block (num_experts > 0, (layer + 1) % decoder_sparse_step == 0, not in
 * mlp_only_layers) or a dense SwiGLU of intermediate_size. The mixer, by layer_types ("linear_attention" or
 * "full_attention"; absent: full attention where (layer + 1) % full_attention_interval == 0, default 4):
 *   Qwen3NextGatedDeltaNet: linear_num_key_heads query/key heads of linear_key_head_dim, linear_num_value_heads value
 *     heads of linear_value_head_dim, a conv1d of linear_conv_kernel_dim, all bias-free (mixer 0 of the ssm table);
 *   Qwen3NextAttention: Qwen3-MoE's attention (per-head q/k RMSNorms, biases from attention_bias) whose q_proj also
 *     emits a sigmoid output gate, rotary on int(head_dim x partial_rotary_factor) dims (default 0.25).
 * Class defaults: head_dim 256, intermediate_size 5632, kernel 4, key heads 16 of 128, value heads 32 of 128,
 * untied. The checkpoint's mtp.* weights (mtp_num_hidden_layers) are not built by transformers, so not counted. */
static int qwen3_next_layer_kinds(const lc_cfg *c, llmcost_model *m, bool *linear)
{
    json_t *lt = json_object_get(c->obj, "layer_types");
    if (!lt || json_is_null(lt)) {
        int64_t interval = 4;
        TRY(lc_cfg_size(c, &interval, LC_KEYS("full_attention_interval"), 4));
        for (int64_t i = 0; i < m->n_layers; i++)
            linear[i] = (i + 1) % interval != 0;
        return 0;
    }
    return linear_layer_types(c, lt, m, linear, "Qwen3NextDecoderLayer");
}

static int build_qwen3_next(const lc_cfg *c, const type_info *ti, llmcost_model *m)
{
    int64_t heads, kv, head_dim, d_ff;
    /* Qwen3.5's config classes delete these Qwen3-Next keys: every Qwen3.5-MoE layer is sparse, no Qwen3.5 layer is.
     * The published configs carry "mlp_only_layers": [] (Qwen/Qwen3.5-0.8B), which takes no layer out of any rule:
     * an empty list is read as absent, any other value refused. */
    if (!strncmp(ti->type, "qwen3_5", 7)) {
        json_t *mol = json_object_get(c->obj, "mlp_only_layers");
        const char *gone = lc_cfg_which(c, LC_KEYS("decoder_sparse_step"));
        if (!gone && mol && !json_is_null(mol) && !(json_is_array(mol) && json_array_size(mol) == 0))
            gone = "mlp_only_layers";
        if (gone)
            return lc_fail(LLMCOST_EUNSUPPORTED, "%s: key '%s%s' is not a %s setting (its config class deletes it): "
                           "refusing rather than guessing which layers are sparse", c->origin, c->prefix, gone,
                           ti->label);
    }
    TRY(read_core(c, m, &heads, &kv, &head_dim));
    TRY(lc_cfg_size(c, &d_ff, LC_KEYS("intermediate_size"), 5632));
    bool attn_bias, out_gate;
    TRY(lc_cfg_bool(c, &attn_bias, LC_KEYS("attention_bias"), false));
    /* Qwen3NextAttention always gates its output; a config that says otherwise asks for another module. */
    TRY(lc_cfg_bool(c, &out_gate, LC_KEYS("attn_output_gate"), true));
    if (!out_gate)
        return lc_fail(LLMCOST_EUNSUPPORTED, "%s: key '%sattn_output_gate' is false, but %s's attention always gates "
                       "its output in transformers: refusing rather than guessing", c->origin, c->prefix, ti->label);
    TRY(lc_cfg_bool(c, &m->tied, LC_KEYS("tie_word_embeddings"), false));
    TRY(read_act(c, m, "silu"));
    TRY(lc_cfg_prob(c, &m->dropout_attn, LC_KEYS("attention_dropout"), 0.0));
    double partial;
    TRY(read_rope_partial(c, &partial, 0.25));

    bool *linear;
    TRY(one_ssm_and_layer_flags(m, &linear));
    llmcost_ssm *s = &m->ssm[0];
    s->kind = LLMCOST_SSM_GATED_DELTANET;
    s->gated_norm = true;
    s->split_proj = !strncmp(ti->type, "qwen3_5", 7); /* Qwen3_5GatedDeltaNet: in_proj_qkv, _z, _b, _a */
    s->chunk_size = 64; /* chunk_gated_delta_rule's default chunk */
    int rc = 0;
    if ((rc = lc_cfg_size(c, &s->n_groups, LC_KEYS("linear_num_key_heads"), 16)) < 0 ||
        (rc = lc_cfg_size(c, &s->d_state, LC_KEYS("linear_key_head_dim"), 128)) < 0 ||
        (rc = lc_cfg_size(c, &s->n_heads, LC_KEYS("linear_num_value_heads"), 32)) < 0 ||
        (rc = lc_cfg_size(c, &s->head_dim, LC_KEYS("linear_value_head_dim"), 128)) < 0 ||
        (rc = lc_cfg_size(c, &s->d_conv, LC_KEYS("linear_conv_kernel_dim"), 4)) < 0 ||
        (rc = qwen3_next_layer_kinds(c, m, linear)) < 0) {
        free(linear);
        return rc;
    }
    if (s->n_heads % s->n_groups) {
        free(linear);
        return lc_fail(LLMCOST_EINVAL, "%s: key '%slinear_num_key_heads' (%lld) does not divide "
                       "'%slinear_num_value_heads' (%lld): Qwen3NextGatedDeltaNet would not split in_proj_qkvz",
                       c->origin, c->prefix, (long long)s->n_groups, c->prefix, (long long)s->n_heads);
    }
    s->d_inner = s->n_heads * s->head_dim;
    int64_t n_linear = 0;
    for (int64_t i = 0; i < m->n_layers; i++) {
        llmcost_layer *L = &m->layers[i];
        L->norm_pre_attn = L->norm_pre_ffn = true;
        if (linear[i]) {
            L->ssm = 1;
            n_linear++;
            continue;
        }
        llmcost_attention *a = &L->attn;
        set_attention(a, heads, kv, head_dim);
        a->rotary_dim = (int64_t)((double)head_dim * partial);
        a->q_bias = a->k_bias = a->v_bias = a->o_bias = attn_bias;
        a->qk_norm = ti->qk_norm;
        a->output_gate = true;
    }
    free(linear);
    TRY(read_moe(c, ti, m, d_ff, false));
    m->norm = LLMCOST_NORM_RMS;
    m->norm_fp32_weight = ti->norm_fp32_weight;
    m->final_norm = true;
    m->pos = LLMCOST_POS_ROTARY;
    note(m, "%s: %lld Gated DeltaNet and %lld gated-attention layers; the 'attention' component counts each "
            "layer's token mixer; FLOPs, memory and step time assume flash-linear-attention and causal_conv1d "
            "installed (fla's chunk_gated_delta_rule, chunk %lld, and FusedRMSNormGated; docs/formulas.md, "
            "\"Gated DeltaNet\"); without them transformers runs its torch_chunk_gated_delta_rule, not modelled",
         ti->label, (long long)n_linear, (long long)(m->n_layers - n_linear), (long long)s->chunk_size);
    /* mamba_ssm_dtype (Qwen3.5's published configs: "float32") is the dtype inference engines (vLLM, SGLang) keep
     * the Gated DeltaNet's recurrent state in between decode steps. Qwen3_5TextConfig does not declare it and
     * modeling_qwen3_5.py never reads it; a training step keeps no recurrent state (the chunked rule returns its
     * final state only with a cache, output_final_state = cache_params is not None), and no parameter depends on
     * it: it changes no count or cost here. A value that is not a string is refused as not this key. */
    json_t *ssm_dtype = json_object_get(c->obj, "mamba_ssm_dtype");
    if (ssm_dtype && !json_is_null(ssm_dtype)) {
        if (!json_is_string(ssm_dtype))
            return lc_fail(LLMCOST_EINVAL, "%s: key '%smamba_ssm_dtype': expected a dtype name such as \"float32\"",
                           c->origin, c->prefix);
        note(m, "mamba_ssm_dtype \"%s\": the recurrent-state dtype of inference engines' caches; transformers does "
                "not read it and training keeps no recurrent state, so it changes no count or cost",
             json_string_value(ssm_dtype));
    }
    /* mtp_num_hidden_layers: the checkpoint's multi-token-prediction module (mtp.*: pre_fc_norm_embedding,
     * pre_fc_norm_hidden, fc 2h -> h, that many full-attention decoder layers, norm; the embedding and head shared
     * unless mtp_use_dedicated_embeddings). Neither Qwen3_5ForCausalLM nor Qwen3_5ForConditionalGeneration builds
     * it, so a transformers run neither holds nor trains it: not counted. */
    int64_t mtp = 0;
    TRY(lc_cfg_count(c, &mtp, LC_KEYS("mtp_num_hidden_layers"), 0));
    if (mtp > 0)
        note(m, "mtp_num_hidden_layers %lld: the checkpoint's multi-token-prediction weights (mtp.*), which "
                "transformers does not build, are not counted", (long long)mtp);
    return 0;
}

/* MiniMax (MiniMaxConfig, modular_minimax.py). Each layer (MiniMaxDecoderLayer): input_layernorm, a token mixer,
 * the residual from the normed input times an alpha plus the mixer's output times a beta, post_attention_layernorm,
 * Mixtral's sparse block (router h -> num_local_experts, bias-free; experts gated of intermediate_size), the same
 * alpha/beta residual. The mixer, by layer_types ("linear_attention" or "full_attention"; absent: MiniMaxConfig's
 * default, full attention in even layers):
 *   MiniMaxLightningAttention: qkv_proj h -> 3 heads x head_dim (SiLU), per block_size (256) tokens the decayed
 *     intra-block and inter-block products, an RMSNorm of heads x head_dim, a sigmoid output_gate h -> heads x
 *     head_dim, out_proj; bias-free; four persistent decay buffers (mixer 0 of the ssm table);
 *   MiniMaxAttention: Mixtral's (bias-free q/k/v/o, GQA), rotary on rotary_dim (the hub spelling) or
 *     head_dim x partial_rotary_factor dims.
 * The hub spellings (minimax_m1, minimax_text_01, the repositories' remote modeling code that transformers' port
 * follows module for module) give attn_type_list (0 lightning, 1 softmax) and layernorm_{full_attention,
 * linear_attention,mlp}_{alpha,beta} for the factors; shared_intermediate_size above 0 (a shared expert with a
 * coefficient gate) is not built by transformers' MiniMax: refused. */
static int minimax_layer_kinds(const lc_cfg *c, const type_info *ti, llmcost_model *m, bool *linear)
{
    if (strcmp(ti->type, "minimax") != 0) {
        json_t *al = json_object_get(c->obj, "attn_type_list");
        if (!json_is_array(al) || (int64_t)json_array_size(al) != m->n_layers)
            return lc_fail(LLMCOST_EINVAL, "%s: key '%sattn_type_list': expected an array of %lld integers (0 lightning "
                           "attention, 1 softmax attention), as %s's modeling code reads it", c->origin, c->prefix,
                           (long long)m->n_layers, ti->label);
        for (int64_t i = 0; i < m->n_layers; i++) {
            json_t *v = json_array_get(al, (size_t)i);
            if (!json_is_integer(v) || (json_integer_value(v) != 0 && json_integer_value(v) != 1))
                return lc_fail(LLMCOST_EINVAL, "%s: key '%sattn_type_list[%lld]': expected 0 (lightning attention) or 1 "
                               "(softmax attention)", c->origin, c->prefix, (long long)i);
            linear[i] = json_integer_value(v) == 0;
        }
        return 0;
    }
    json_t *lt = json_object_get(c->obj, "layer_types");
    if (!lt || json_is_null(lt)) {
        for (int64_t i = 0; i < m->n_layers; i++)
            linear[i] = (i + 1) % 2 == 0; /* MiniMaxConfig.__post_init__: "full_attention" if (i + 1) % 2 */
        return 0;
    }
    return linear_layer_types(c, lt, m, linear, "MiniMaxDecoderLayer");
}

static int build_minimax(const lc_cfg *c, const type_info *ti, llmcost_model *m)
{
    int64_t heads, kv, head_dim, d_ff, block = 256, shared_ff = 0;
    TRY(read_core(c, m, &heads, &kv, &head_dim));
    TRY(lc_cfg_size(c, &d_ff, LC_KEYS("intermediate_size"), 14336));
    TRY(lc_cfg_size(c, &block, LC_KEYS("block_size"), 256));
    TRY(lc_cfg_count(c, &shared_ff, LC_KEYS("shared_intermediate_size"), 0));
    if (shared_ff > 0)
        return lc_fail(LLMCOST_EUNSUPPORTED, "%s: key '%sshared_intermediate_size' is %lld: a shared expert with its "
                       "coefficient gate, which transformers' MiniMax does not build: refusing rather than guessing",
                       c->origin, c->prefix, (long long)shared_ff);
    if (lc_cfg_which(c, LC_KEYS("sliding_window")))
        return lc_fail(LLMCOST_EUNSUPPORTED, "%s: key '%ssliding_window' is set: MiniMax's softmax layers with a window "
                       "are not modelled", c->origin, c->prefix);
    TRY(lc_cfg_bool(c, &m->tied, LC_KEYS("tie_word_embeddings"), false));
    TRY(read_act(c, m, "silu"));
    TRY(lc_cfg_prob(c, &m->dropout_attn, LC_KEYS("attention_dropout"), 0.0));
    double partial;
    TRY(read_rope_partial(c, &partial, 1.0));
    int64_t rotary = (int64_t)((double)head_dim * partial);
    TRY(lc_cfg_size(c, &rotary, LC_KEYS("rotary_dim"), rotary));
    if (rotary > head_dim)
        return lc_fail(LLMCOST_EINVAL, "%s: key '%srotary_dim' (%lld) is above the head width %lld", c->origin,
                       c->prefix, (long long)rotary, (long long)head_dim);

    bool *linear;
    TRY(one_ssm_and_layer_flags(m, &linear));
    llmcost_ssm *s = &m->ssm[0];
    s->kind = LLMCOST_SSM_LIGHTNING;
    s->n_heads = heads;
    s->head_dim = head_dim;
    s->d_state = head_dim;
    s->d_inner = heads * head_dim;
    s->chunk_size = block;
    s->gated_norm = true;
    int rc = minimax_layer_kinds(c, ti, m, linear);
    if (rc < 0) {
        free(linear);
        return rc;
    }
    int64_t n_linear = 0;
    for (int64_t i = 0; i < m->n_layers; i++) {
        llmcost_layer *L = &m->layers[i];
        L->norm_pre_attn = L->norm_pre_ffn = true;
        if (linear[i]) {
            L->ssm = 1;
            n_linear++;
            continue;
        }
        set_attention(&L->attn, heads, kv, head_dim);
        L->attn.rotary_dim = rotary;
    }
    free(linear);
    int64_t experts = 0;
    TRY(lc_cfg_count(c, &experts, KEYS_EXPERTS, 0));
    if (experts == 0)
        return lc_fail(LLMCOST_EINVAL, "%s: key '%snum_local_experts' is 0 (or absent, with no known "
                       "class default): MiniMaxDecoderLayer always builds its sparse block of experts", c->origin, c->prefix);
    TRY(read_moe(c, ti, m, d_ff, false));
    m->norm = LLMCOST_NORM_RMS;
    m->final_norm = true;
    m->pos = LLMCOST_POS_ROTARY;
    note(m, "%s: %lld lightning-attention and %lld softmax-attention layers; the 'attention' component counts each "
            "layer's token mixer; the lightning layers' decay buffers (slope_rate, query_decay, key_decay, "
            "diagonal_decay; block %lld) are counted as buffers; FLOPs, memory and step time assume transformers' "
            "eager loop over the blocks (no fused lightning kernel: docs/formulas.md, \"Lightning attention\")",
         ti->label, (long long)n_linear, (long long)(m->n_layers - n_linear), (long long)block);
    return 0;
}

/* Jamba (JambaConfig, modeling_jamba.py): layer i is attention when i % attn_layer_period == attn_layer_offset (8, 4),
 * else Mamba, and its feed-forward a mixture of num_experts (16, top num_experts_per_tok 2) when
 * i % expert_layer_period == expert_layer_offset (2, 1), else a gated MLP, both of intermediate_size with a bias-free
 * router; each layer an input_layernorm and a pre_ff_layernorm. JambaMambaMixer is Mamba's with RMSNorms (weights)
 * on dt, B and C: width int(mamba_expand x hidden), mamba_d_state 16, mamba_d_conv 4, mamba_dt_rank "auto" =
 * ceil(hidden / 16), mamba_conv_bias true, mamba_proj_bias false. Attention: bias-free q/k/v/o, no position
 * embedding. Untied by default. */
static int build_jamba(const lc_cfg *c, const type_info *ti, llmcost_model *m)
{
    TRY(read_ssm_core(c, m));
    int64_t heads, kv, head_dim, ffn, E, k, ap, ao, ep, eo;
    TRY(lc_cfg_req_size(c, &heads, KEYS_HEADS));
    TRY(lc_cfg_size(c, &kv, LC_KEYS("num_key_value_heads"), 8));
    if (m->hidden % heads)
        return lc_fail(LLMCOST_EINVAL, "%s: key '%snum_attention_heads' (%lld) does not divide hidden_size", c->origin,
                       c->prefix, (long long)heads);
    head_dim = m->hidden / heads;
    if (kv > heads || heads % kv)
        return lc_fail(LLMCOST_EINVAL, "%s: key '%snum_key_value_heads' (%lld) does not divide "
                       "'%snum_attention_heads' (%lld)", c->origin, c->prefix, (long long)kv, c->prefix,
                       (long long)heads);
    TRY(lc_cfg_size(c, &ffn, LC_KEYS("intermediate_size"), 14336));
    TRY(lc_cfg_size(c, &E, LC_KEYS("num_experts"), 16));
    TRY(lc_cfg_size(c, &k, LC_KEYS("num_experts_per_tok"), 2));
    TRY(lc_cfg_size(c, &ap, LC_KEYS("attn_layer_period"), 8));
    TRY(lc_cfg_count(c, &ao, LC_KEYS("attn_layer_offset"), 4));
    TRY(lc_cfg_size(c, &ep, LC_KEYS("expert_layer_period"), 2));
    TRY(lc_cfg_count(c, &eo, LC_KEYS("expert_layer_offset"), 1));
    if (ao >= ap || eo >= ep)
        return lc_fail(LLMCOST_EINVAL, "%s: keys '%sattn_layer_offset' and '%sexpert_layer_offset' must be below their "
                       "periods (JambaConfig checks it)", c->origin, c->prefix, c->prefix);
    if (k > E)
        return lc_fail(LLMCOST_EINVAL, "%s: key '%snum_experts_per_tok' (%lld) exceeds num_experts (%lld)", c->origin,
                       c->prefix, (long long)k, (long long)E);
    llmcost_ssm *s = &m->ssm[0];
    s->kind = LLMCOST_SSM_MAMBA1;
    s->dt_bc_norms = true;
    TRY(read_expand_width(c, LC_KEYS("mamba_expand"), m->hidden, &s->d_inner));
    TRY(lc_cfg_size(c, &s->d_state, LC_KEYS("mamba_d_state"), 16));
    TRY(lc_cfg_size(c, &s->d_conv, LC_KEYS("mamba_d_conv"), 4));
    json_t *r = json_object_get(c->obj, "mamba_dt_rank");
    if (!r || json_is_null(r) || (json_is_string(r) && !strcmp(json_string_value(r), "auto")))
        s->dt_rank = (m->hidden + 15) / 16;
    else
        TRY(lc_cfg_req_size(c, &s->dt_rank, LC_KEYS("mamba_dt_rank")));
    TRY(lc_cfg_bool(c, &s->conv_bias, LC_KEYS("mamba_conv_bias"), true));
    TRY(lc_cfg_bool(c, &s->proj_bias, LC_KEYS("mamba_proj_bias"), false));
    TRY(lc_cfg_bool(c, &m->tied, LC_KEYS("tie_word_embeddings"), ti->tied));
    TRY(read_act(c, m, "silu"));
    llmcost_mlp mlp = {.d_ff = ffn, .gated = true};
    for (int64_t i = 0; i < m->n_layers; i++) {
        llmcost_layer *L = &m->layers[i];
        memset(L, 0, sizeof *L);
        if (i % ap == ao) {
            set_attention(&L->attn, heads, kv, head_dim);
            L->attn.rotary_dim = 0; /* JambaAttention applies no position embedding */
        } else {
            L->ssm = 1;
        }
        L->norm_pre_attn = true;
        L->norm_pre_ffn = true;
        if (i % ep == eo) {
            L->ffn.moe = true;
            L->ffn.n_experts = E;
            L->ffn.top_k = k;
            L->ffn.expert = mlp;
        } else {
            L->ffn.dense = mlp;
        }
    }
    note(m, "Jamba: attention in layers i %% %lld == %lld, mixtures of %lld experts in layers i %% %lld == %lld, Mamba "
            "(with its dt, B and C norms) elsewhere; attention without position embedding",
         (long long)ap, (long long)ao, (long long)E, (long long)ep, (long long)eo);
    note(m, "Jamba's Mamba mixers are costed as transformers runs them with mamba_ssm and causal_conv1d installed "
            "(JambaMambaMixer.cuda_kernels_forward: causal_conv1d_fn and selective_scan_fn, not mamba_inner_fn, with "
            "the dt, B and C norms in eager PyTorch between them); without those kernels transformers runs "
            "slow_forward, a Python loop over tokens, which is not modelled");
    return 0;
}

/* Falcon-H1 (FalconH1Config, modular_falcon_h1.py). Each FalconH1DecoderLayer: input_layernorm, then FalconH1Attention
 * (LlamaAttention: q, k, v, o with attention_bias, full rotary; head_dim from the config's head_dim, else hidden /
 * heads) and FalconH1Mixer (Mamba-2) on the same normed input, their outputs summed; pre_ff_layernorm and a gated
 * LlamaMLP of intermediate_size (mlp_bias). The mixer: width mamba_d_ssm (absent: the class default 1024; null:
 * int(mamba_expand x hidden)), mamba_n_heads heads (128) of mamba_d_head ("auto": width / heads), mamba_n_groups
 * (1) groups of mamba_d_state (256), kernel mamba_d_conv (4) with mamba_conv_bias (true), in_proj bias
 * mamba_proj_bias and out_proj bias projectors_bias (both false), chunk mamba_chunk_size (256), and a gated RMSNorm
 * only when mamba_rms_norm (false). Untied by default. The uP multipliers and the non-persistent mup_vector buffer
 * add no parameters. */
static int build_falcon_h1(const lc_cfg *c, const type_info *ti, llmcost_model *m)
{
    TRY(read_ssm_core(c, m));
    int64_t heads, kv, head_dim, ffn;
    TRY(lc_cfg_size(c, &heads, KEYS_HEADS, 32));
    json_t *kvj = json_object_get(c->obj, "num_key_value_heads");
    TRY(lc_cfg_size(c, &kv, LC_KEYS("num_key_value_heads"), kvj ? heads : 8)); /* null: heads; absent: 8 */
    if (kv > heads || heads % kv)
        return lc_fail(LLMCOST_EINVAL, "%s: key '%snum_key_value_heads' (%lld) does not divide "
                       "'%snum_attention_heads' (%lld)", c->origin, c->prefix, (long long)kv, c->prefix,
                       (long long)heads);
    TRY(lc_cfg_size(c, &head_dim, LC_KEYS("head_dim"), 0));
    if (head_dim == 0) {
        if (m->hidden % heads)
            return lc_fail(LLMCOST_EINVAL, "%s: key '%snum_attention_heads' (%lld) does not divide hidden_size, and "
                           "no 'head_dim' is given", c->origin, c->prefix, (long long)heads);
        head_dim = m->hidden / heads;
    }
    TRY(lc_cfg_size(c, &ffn, LC_KEYS("intermediate_size"), 14336));
    bool attn_bias, mlp_bias, use_mlp;
    TRY(lc_cfg_bool(c, &attn_bias, LC_KEYS("attention_bias"), false));
    TRY(lc_cfg_bool(c, &mlp_bias, LC_KEYS("mlp_bias"), false));
    TRY(lc_cfg_bool(c, &use_mlp, LC_KEYS("mamba_use_mlp"), true));
    if (!use_mlp)
        return lc_fail(LLMCOST_EUNSUPPORTED, "%s: key '%smamba_use_mlp' is false: FalconH1DecoderLayer builds its MLP "
                       "whatever this key says, but a checkpoint saved with it false may have none: refusing rather "
                       "than guessing", c->origin, c->prefix);
    json_t *ali = json_object_get(c->obj, "attn_layer_indices");
    if (ali && !json_is_null(ali))
        return lc_fail(LLMCOST_EUNSUPPORTED, "%s: key '%sattn_layer_indices' is set: transformers' Falcon-H1 builds "
                       "attention in every layer and does not read it, so the layout it asks for is unknown: refusing",
                       c->origin, c->prefix);
    llmcost_ssm *s = &m->ssm[0];
    s->kind = LLMCOST_SSM_MAMBA2;
    json_t *dssm = json_object_get(c->obj, "mamba_d_ssm");
    if (dssm && json_is_null(dssm))
        TRY(read_expand_width(c, LC_KEYS("mamba_expand"), m->hidden, &s->d_inner));
    else
        TRY(lc_cfg_size(c, &s->d_inner, LC_KEYS("mamba_d_ssm"), 1024));
    TRY(lc_cfg_size(c, &s->n_heads, LC_KEYS("mamba_n_heads"), 128));
    json_t *hd = json_object_get(c->obj, "mamba_d_head");
    if (!hd || json_is_null(hd) || (json_is_string(hd) && !strcmp(json_string_value(hd), "auto")))
        s->head_dim = s->d_inner / s->n_heads;
    else
        TRY(lc_cfg_req_size(c, &s->head_dim, LC_KEYS("mamba_d_head")));
    if (s->d_inner % s->n_heads || s->n_heads * s->head_dim != s->d_inner)
        return lc_fail(LLMCOST_EINVAL, "%s: keys '%smamba_n_heads' x '%smamba_d_head' (%lld x %lld) are not the mixer's "
                       "width mamba_d_ssm (%lld): FalconH1Config refuses it", c->origin, c->prefix, c->prefix,
                       (long long)s->n_heads, (long long)s->head_dim, (long long)s->d_inner);
    TRY(lc_cfg_size(c, &s->n_groups, LC_KEYS("mamba_n_groups"), 1));
    TRY(lc_cfg_size(c, &s->d_state, LC_KEYS("mamba_d_state"), 256));
    TRY(lc_cfg_size(c, &s->d_conv, LC_KEYS("mamba_d_conv"), 4));
    TRY(lc_cfg_size(c, &s->chunk_size, LC_KEYS("mamba_chunk_size"), 256));
    TRY(lc_cfg_bool(c, &s->conv_bias, LC_KEYS("mamba_conv_bias"), true));
    TRY(lc_cfg_bool(c, &s->gated_norm, LC_KEYS("mamba_rms_norm"), false));
    bool in_bias, out_bias;
    TRY(lc_cfg_bool(c, &in_bias, LC_KEYS("mamba_proj_bias"), false));
    TRY(lc_cfg_bool(c, &out_bias, LC_KEYS("projectors_bias"), false));
    if (in_bias != out_bias)
        return lc_fail(LLMCOST_EUNSUPPORTED, "%s: keys '%smamba_proj_bias' (in_proj) and '%sprojectors_bias' (out_proj) "
                       "differ: llmcost's Mamba-2 mixer has one bias setting for both", c->origin, c->prefix, c->prefix);
    s->proj_bias = in_bias;
    if (s->n_heads % s->n_groups)
        return lc_fail(LLMCOST_EINVAL, "%s: key '%smamba_n_groups' (%lld) does not divide mamba_n_heads (%lld)",
                       c->origin, c->prefix, (long long)s->n_groups, (long long)s->n_heads);
    TRY(lc_cfg_bool(c, &m->tied, LC_KEYS("tie_word_embeddings"), ti->tied));
    TRY(read_act(c, m, "silu"));
    m->pos = LLMCOST_POS_ROTARY;
    m->mup_multipliers = true; /* FalconH1Model and its layers multiply whatever the values (1.0 included) */
    for (int64_t i = 0; i < m->n_layers; i++) {
        llmcost_layer *L = &m->layers[i];
        memset(L, 0, sizeof *L);
        set_attention(&L->attn, heads, kv, head_dim);
        L->attn.q_bias = L->attn.k_bias = L->attn.v_bias = L->attn.o_bias = attn_bias;
        L->ssm = 1;
        L->norm_pre_attn = L->norm_pre_ffn = true;
        L->ffn.dense = (llmcost_mlp){.d_ff = ffn, .gated = true, .bias = mlp_bias};
    }
    note(m, "Falcon-H1: every layer runs attention (%lld heads, %lld key/value heads of %lld) and a Mamba-2 mixer "
            "(%lld heads of %lld, state %lld%s) in parallel on one norm's output; the 'attention' component counts "
            "both; the uP multipliers add no parameters, one multiply kernel each", (long long)heads, (long long)kv, (long long)head_dim, (long long)s->n_heads,
         (long long)s->head_dim, (long long)s->d_state, s->gated_norm ? ", gated RMSNorm" : ", no gated norm");
    return 0;
}

/* Zamba2 (Zamba2Config, modular_zamba2.py; ZambaAttention and ZambaAttentionDecoderLayer of modeling_zamba.py).
 * Every layer is a Zamba2MambaDecoderLayer (input_layernorm, Zamba2MambaMixer); layers_block_type "hybrid" layers
 * also run a shared Zamba2AttentionDecoderLayer on concat(layer input, embedding) (2h wide) and add its output,
 * through the layer's own Linear(h, h, bias=False), to the mixer's input. Blocks: num_mem_blocks (1), used in turn
 * (itertools.cycle), each counted once: input_layernorm of 2h, ZambaAttention (q, k, v from 2h, heads x 2h/heads;
 * o_proj to h; bias-free), pre_ff_layernorm of h, Zamba2MLP (gate_up_proj h -> 2 intermediate_size (4h), down_proj;
 * add_bias_linear); per invocation a gate_up LoRA adapter of adapter_rank (128) and, with
 * use_shared_attention_adapter, q, k and v adapters. The mixer: int(mamba_expand x h) wide (2), n_mamba_heads (8),
 * mamba_ngroups (1) groups of mamba_d_state (64), kernel mamba_d_conv (4) always with a bias (Zamba2MambaMixer builds
 * it whatever use_conv_bias says), in/out biases add_bias_linear (false), a gated RMSNorm. Tied by default. */
static int build_zamba2(const lc_cfg *c, const type_info *ti, llmcost_model *m)
{
    TRY(read_ssm_core(c, m));
    llmcost_ssm *s = &m->ssm[0];
    s->kind = LLMCOST_SSM_MAMBA2;
    s->gated_norm = true;
    s->conv_bias = true;
    TRY(read_expand_width(c, LC_KEYS("mamba_expand"), m->hidden, &s->d_inner));
    TRY(lc_cfg_size(c, &s->n_heads, LC_KEYS("n_mamba_heads"), 8));
    if (s->d_inner % s->n_heads)
        return lc_fail(LLMCOST_EINVAL, "%s: key '%sn_mamba_heads' (%lld) does not divide the mixer's width %lld",
                       c->origin, c->prefix, (long long)s->n_heads, (long long)s->d_inner);
    s->head_dim = s->d_inner / s->n_heads;
    int64_t given_hd = 0;
    TRY(lc_cfg_size(c, &given_hd, LC_KEYS("mamba_headdim"), s->head_dim));
    if (given_hd != s->head_dim)
        return lc_fail(LLMCOST_EINVAL, "%s: key '%smamba_headdim' (%lld) is not int(mamba_expand x hidden_size) / "
                       "n_mamba_heads (%lld), which Zamba2Config sets it to", c->origin, c->prefix,
                       (long long)given_hd, (long long)s->head_dim);
    TRY(lc_cfg_size(c, &s->n_groups, LC_KEYS("mamba_ngroups"), 1));
    TRY(lc_cfg_size(c, &s->d_state, LC_KEYS("mamba_d_state"), 64));
    TRY(lc_cfg_size(c, &s->d_conv, LC_KEYS("mamba_d_conv"), 4));
    TRY(lc_cfg_size(c, &s->chunk_size, LC_KEYS("chunk_size"), 256));
    bool bias;
    TRY(lc_cfg_bool(c, &bias, LC_KEYS("add_bias_linear"), false));
    s->proj_bias = bias;
    if (s->d_inner % s->n_groups || s->n_heads % s->n_groups)
        return lc_fail(LLMCOST_EINVAL, "%s: key '%smamba_ngroups' (%lld) does not divide n_mamba_heads (%lld)",
                       c->origin, c->prefix, (long long)s->n_groups, (long long)s->n_heads);
    bool conv_bias_key;
    TRY(lc_cfg_bool(c, &conv_bias_key, LC_KEYS("use_conv_bias"), true));
    if (!conv_bias_key)
        note(m, "%suse_conv_bias false: Zamba2MambaMixer builds its conv1d with a bias anyway, which is counted",
             c->prefix);

    /* Which layers are hybrid: layers_block_type, else Zamba2Config's default pattern (54 layers). */
    json_t *bt = json_object_get(c->obj, "layers_block_type");
    bool *hybrid = calloc((size_t)m->n_layers, sizeof *hybrid);
    if (!hybrid)
        return lc_fail(LLMCOST_ENOMEM, "out of memory");
    int rc = 0;
    if (!bt || json_is_null(bt)) {
        /* ["mamba"] + (["mamba"] * 5 + ["hybrid"]) * 7 + ["mamba"] * 4 + ["hybrid"] + ["mamba"] * 3 + ["hybrid"] + ["mamba"] * 2 */
        static const int dflt[] = {6, 12, 18, 24, 30, 36, 42, 47, 51};
        if (m->n_layers != 54) {
            free(hybrid);
            return lc_fail(LLMCOST_EINVAL, "%s: no '%slayers_block_type', and Zamba2Config's default pattern is for 54 "
                           "layers, not %lld", c->origin, c->prefix, (long long)m->n_layers);
        }
        for (size_t i = 0; i < sizeof dflt / sizeof dflt[0]; i++)
            hybrid[dflt[i]] = true;
    } else if (!json_is_array(bt) || (int64_t)json_array_size(bt) != m->n_layers) {
        free(hybrid);
        return lc_fail(LLMCOST_EINVAL, "%s: key '%slayers_block_type': expected an array of %lld strings", c->origin,
                       c->prefix, (long long)m->n_layers);
    } else {
        for (int64_t i = 0; i < m->n_layers && rc == 0; i++) {
            const char *t = json_string_value(json_array_get(bt, (size_t)i));
            if (t && !strcmp(t, "hybrid"))
                hybrid[i] = true;
            else if (!t || strcmp(t, "mamba"))
                rc = lc_fail(LLMCOST_EINVAL, "%s: key '%slayers_block_type[%lld]': expected \"mamba\" or \"hybrid\"",
                             c->origin, c->prefix, (long long)i);
        }
    }
    int64_t n_hybrid = 0;
    for (int64_t i = 0; i < m->n_layers; i++)
        n_hybrid += hybrid[i];
    /* hybrid_layer_ids, when saved, must name the same layers (Zamba2Config derives it from layers_block_type). */
    json_t *ids = json_object_get(c->obj, "hybrid_layer_ids");
    if (rc == 0 && ids && !json_is_null(ids)) {
        bool ok = json_is_array(ids) && (int64_t)json_array_size(ids) == n_hybrid;
        for (size_t i = 0; ok && i < json_array_size(ids); i++) {
            json_t *v = json_array_get(ids, i);
            ok = json_is_integer(v) && json_integer_value(v) >= 0 && json_integer_value(v) < m->n_layers &&
                 hybrid[json_integer_value(v)];
        }
        if (!ok)
            rc = lc_fail(LLMCOST_EINVAL, "%s: key '%shybrid_layer_ids' does not list the \"hybrid\" layers of "
                         "layers_block_type", c->origin, c->prefix);
    }
    if (rc) {
        free(hybrid);
        return rc;
    }
    for (int64_t i = 0; i < m->n_layers; i++) {
        ssm_layer(&m->layers[i]);
        m->layers[i].shared_block = hybrid[i];
    }
    free(hybrid);

    int64_t heads, kv, n_mem, f, rank;
    TRY(lc_cfg_size(c, &heads, KEYS_HEADS, 32));
    TRY(lc_cfg_size(c, &kv, LC_KEYS("num_key_value_heads"), heads));
    if (kv > heads || heads % kv)
        return lc_fail(LLMCOST_EINVAL, "%s: key '%snum_key_value_heads' (%lld) does not divide "
                       "'%snum_attention_heads' (%lld)", c->origin, c->prefix, (long long)kv, c->prefix,
                       (long long)heads);
    if ((2 * m->hidden) % heads)
        return lc_fail(LLMCOST_EINVAL, "%s: key '%snum_attention_heads' (%lld) does not divide 2 x hidden_size, the "
                       "shared attention's width", c->origin, c->prefix, (long long)heads);
    TRY(lc_cfg_size(c, &n_mem, LC_KEYS("num_mem_blocks"), 1));
    TRY(lc_cfg_size(c, &f, LC_KEYS("intermediate_size"), 4 * m->hidden));
    TRY(lc_cfg_size(c, &rank, LC_KEYS("adapter_rank"), 128));
    llmcost_shared_blocks *sb = &m->shared;
    if (n_hybrid > 0) {
        sb->n_invocations = n_hybrid;
        sb->n_blocks = n_mem < n_hybrid ? n_mem : n_hybrid; /* blocks never invoked are not registered */
        sb->in_width = 2 * m->hidden;
        set_attention(&sb->attn, heads, kv, 2 * m->hidden / heads);
        bool rope;
        TRY(lc_cfg_bool(c, &rope, LC_KEYS("use_mem_rope"), false));
        sb->attn.rotary_dim = rope ? sb->attn.head_dim : 0;
        if (rope) /* Zamba2Model builds its rotary embedding only with use_mem_rope, for the shared blocks */
            m->pos = LLMCOST_POS_ROTARY;
        sb->mlp = (llmcost_mlp){.d_ff = f, .gated = true, .bias = bias, .fused_gate_up = true};
        sb->adapter_rank = rank;
        TRY(lc_cfg_bool(c, &sb->attn_adapters, LC_KEYS("use_shared_attention_adapter"), false));
    }
    /* use_shared_mlp_adapter (Zamba2Config, default false; the hub's Zamba2-2.7B config says true): Zamba2MLP builds
     * its gate_up adapters whatever it says (modular_zamba2.py reads only adapter_rank), so it changes no count; a
     * false one is said in a note, a value that is not a boolean refused as not this key. */
    bool mlp_adapters_key;
    TRY(lc_cfg_bool(c, &mlp_adapters_key, LC_KEYS("use_shared_mlp_adapter"), true));
    if (!mlp_adapters_key && n_hybrid > 0)
        note(m, "%suse_shared_mlp_adapter false: Zamba2MLP builds its gate_up adapters anyway, which are counted",
             c->prefix);
    TRY(lc_cfg_bool(c, &m->tied, LC_KEYS("tie_word_embeddings"), ti->tied));
    TRY(lc_cfg_string_into(c, m->act_name, sizeof m->act_name, LC_KEYS("hidden_act"), ti->act));
    m->act = act_kind(m->act_name);
    note(m, "Zamba2: %lld Mamba-2 layers, %lld of them hybrid, invoking %lld shared transformer block%s (counted once) "
            "with per-invocation LoRA adapters of rank %lld%s, each invocation costed in full (its FLOPs, kept "
            "tensors and time), the weights once", (long long)m->n_layers, (long long)n_hybrid, (long long)sb->n_blocks,
         sb->n_blocks == 1 ? "" : "s", (long long)rank, sb->attn_adapters ? " on gate_up, q, k and v" : " on gate_up");
    return 0;
}

/* Keys the Llama-style reader takes in when it reads a config of an unknown model_type (read_core, build_llama,
 * read_moe, moe_layout, build). */
static const char *const generic_keys[] = {
    "hidden_size", "n_embd", "d_model", "n_embed", "num_hidden_layers", "n_layer", "num_layers", "n_layers",
    "num_attention_heads", "n_head", "n_heads", "num_key_value_heads", "num_kv_heads", "n_head_kv", "head_dim",
    "vocab_size", "intermediate_size", "moe_intermediate_size", "max_position_embeddings", "n_positions",
    "max_sequence_length", "max_seq_len", "attention_bias", "mlp_bias", "tie_word_embeddings", "hidden_act",
    "hidden_activation", "activation_function", "partial_rotary_factor", "rope_parameters", "attention_dropout",
    "final_logit_softcapping", "attn_logit_softcapping", "sliding_window", "use_sliding_window", "layer_types",
    "kv_lora_rank", "q_lora_rank", "qk_nope_head_dim", "qk_rope_head_dim", "v_head_dim", "num_local_experts",
    "num_experts", "n_routed_experts", "num_experts_per_tok", "experts_per_token", "moe_top_k", "n_shared_experts",
    "shared_expert_intermediate_size", "first_k_dense_replace", "moe_layer_freq", "decoder_sparse_step",
    "mlp_only_layers", "moe_layers", "interleave_moe_layer_step", "num_nextn_predict_layers", "model_type",
    "text_config", "topk_method", NULL};

/* Keys that change nothing llmcost counts or times: token ids, numerical settings, initialisation, routing
 * arithmetic without parameters, training-loss coefficients, bookkeeping. */
static const char *const inert_keys[] = {
    "architectures", "auto_map", "_name_or_path", "transformers_version", "torch_dtype", "dtype", "use_cache",
    "bos_token_id", "eos_token_id", "pad_token_id", "sep_token_id", "unk_token_id", "decoder_start_token_id",
    "rms_norm_eps", "layer_norm_eps", "layer_norm_epsilon", "norm_eps", "rms_norm_epsilon", "initializer_range",
    "initializer_factor", "rope_theta", "rope_scaling", "rope_type", "pretraining_tp", "quantization_config",
    "output_router_logits", "router_aux_loss_coef", "router_z_loss_coef", "aux_loss_alpha", "seq_aux",
    "norm_topk_prob", "routed_scaling_factor", "scoring_func", "n_group", "topk_group", "tokenizer_class",
    "attn_implementation", "_attn_implementation", "_attn_implementation_autoset", "output_attentions",
    "output_hidden_states", "return_dict", "id2label", "label2id", "problem_type", "task_specific_params",
    "torchscript", "use_return_dict", "chunk_size_feed_forward", "is_decoder", "add_cross_attention",
    "tie_encoder_decoder", "pruned_heads", "prefix", "finetuning_task", "num_labels", "bad_words_ids",
    "max_length", "min_length", "do_sample", "early_stopping", "num_beams", "temperature", "top_k", "top_p",
    "repetition_penalty", "length_penalty", "no_repeat_ngram_size", "use_flash_attn", "use_flash_attention_2",
    "max_window_layers", "ep_size", "moe_router_dtype", "router_jitter_noise", "input_jitter_noise",
    "image_token_index", "boi_token_index", "eoi_token_index", "video_token_index", "audio_token_index", NULL};

/* Words that, in an unknown key, name a part of the architecture: experts and routing, state-space and
 * linear-attention layers, layer patterns, attention variants, widths, norms, biases and wiring. */
static const char *const arch_words[] = {
    "expert", "moe", "rout", "mamba", "ssm", "conv", "state", "linear", "lightning", "delta", "gla", "recurr",
    "rwkv", "retention", "pattern", "period", "offset", "interleave", "layer", "sparse", "dense", "lora", "nope",
    "rope", "indexer", "index", "window", "chunk", "attn", "attention", "kv", "query", "key", "value", "head", "mlp",
    "ffn", "intermediate", "hidden", "shared", "parallel", "norm", "bias", "residual", "cross", "block", "group",
    "gate", "proj", "embed", "vocab", "dim", "size", "num_", "n_", "act", "scal", "multiplier", "softcap", "sink",
    "tie", "qk", "mtp", "nextn", "predict", "mixer", "hybrid", "topk", "top_k", NULL};

/* Words that name a kind of layer, a per-layer pattern, experts or an indexer: a key holding one changes which
 * modules are built, and is never read past, even when false or 0 (use_mamba_kernels false still means Mamba
 * layers; attn_layer_offset 0 still places attention by a period). */
static const char *const kind_words[] = {
    "mamba", "ssm", "state_size", "d_state", "conv", "hybrid", "lightning", "linear_", "delta", "recurr", "rwkv",
    "retention", "mixer", "block_type", "attn_type", "pattern", "period", "layer_offset", "interleave", "index",
    "expert", "moe", "layers_block", NULL};

/* Words of a key whose false, 0 or empty value takes a part away that the generic reading does not build anyway
 * (no biases, no q/k norms, no experts, no window, no dropout, no softcap, no scaling): such a value is read as
 * off. Any other architecture key set to false or 0 (use_rmsnorm false, gated_mlp false, use_rope false) may take
 * away what the generic reading assumes, and is refused. */
static const char *const addition_words[] = {
    "bias", "qk_norm", "qk_layernorm", "shared", "mtp", "nextn", "softcap", "sink", "window", "lora", "dropout",
    "pdrop", "noise", "jitter", "scal", "multiplier", "aux", "parallel", "post", "num_", "n_", "tie", "clip",
    "cross", NULL};

static bool has_word(const char *const *words, const char *key)
{
    for (size_t i = 0; words[i]; i++)
        if (strstr(key, words[i]))
            return true;
    return false;
}

static bool in_list(const char *const *list, const char *key)
{
    for (size_t i = 0; list[i]; i++)
        if (!strcmp(list[i], key))
            return true;
    return false;
}

/* A value that switches a feature off or leaves it unset: null, false, 0, "", [] or {}; for a key naming a layer kind
 * (kind_words) only null, and for one whose "off" may remove a part the generic reading builds, only null and empty
 * containers. */
static bool is_off(const char *key, const json_t *v)
{
    if (json_is_null(v))
        return true;
    if (has_word(kind_words, key))
        return false;
    if (!has_word(addition_words, key) && (json_is_boolean(v) || json_is_number(v) || json_is_string(v)))
        return false;
    return json_is_null(v) || json_is_false(v) || (json_is_integer(v) && json_integer_value(v) == 0) ||
           (json_is_real(v) && json_real_value(v) == 0.0) || (json_is_string(v) && json_string_value(v)[0] == '\0') ||
           (json_is_array(v) && json_array_size(v) == 0) || (json_is_object(v) && json_object_size(v) == 0);
}

static bool names_architecture(const char *key)
{
    for (size_t i = 0; arch_words[i]; i++)
        if (strstr(key, arch_words[i]))
            return true;
    return false;
}

/* Before a config of an unknown model_type is read as a Llama-style decoder: every key that may change the
 * architecture must be one the reader understands. Keys naming experts, state-space or linear-attention layers,
 * layer patterns or attention variants (arch_words) that it does not know, set to anything but "off", make it refuse
 * with LLMCOST_EUNSUPPORTED naming them; other unknown keys are listed in a note as ignored. */
static int audit_generic(const lc_cfg *c, const char *type, llmcost_model *m)
{
    char refused[512] = "", ignored[512] = "";
    size_t nref = 0, nign = 0;
    const char *key;
    json_t *v;
    json_object_foreach(c->obj, key, v)
    {
        if (in_list(generic_keys, key) || in_list(inert_keys, key) || is_off(key, v))
            continue;
        bool arch = names_architecture(key);
        char *dst = arch ? refused : ignored;
        size_t *n = arch ? &nref : &nign, len = strlen(dst);
        if (len + strlen(key) + strlen(c->prefix) + 4 < sizeof refused)
            snprintf(dst + len, sizeof refused - len, "%s'%s%s'", *n ? ", " : "", c->prefix, key);
        (*n)++;
    }
    if (nref)
        return lc_fail(LLMCOST_EUNSUPPORTED,
                       "%s: model_type '%s' is not one llmcost knows, and %s %s %s it cannot interpret: refusing to "
                       "read it as a Llama-style decoder", c->origin, type[0] ? type : "(none)", refused,
                       nref == 1 ? "is an architecture key" : "are architecture keys", nref == 1 ? "that" : "that");
    if (nign)
        note(m, "keys ignored (not known to change the architecture): %s", ignored);
    return 0;
}

/* Before a config of a known model_type is read by its family's rules: an expert count on a family whose code has no
 * experts, an MLA rank on one whose code has no MLA, or a key naming a layer kind, a layer pattern,
 * experts or an indexer (kind_words) that neither the common reading (generic_keys, read by the Llama-like builder
 * only) nor the family's own rules (ti->reads) take in would be passed over, and the count silently wrong (a "llama"
 * config with a hybrid_override_pattern, a "deepseek_v3" one with an indexer, a "gpt2" one with experts): refused
 * with LLMCOST_EUNSUPPORTED naming those keys. Null values are skipped; false and 0 are not (kind_words). */
static int audit_known(const lc_cfg *c, const type_info *ti)
{
    char refused[512] = "";
    size_t nref = 0;
    const char *key;
    json_t *v;
    json_object_foreach(c->obj, key, v)
    {
        if (json_is_null(v) || in_list(inert_keys, key) || (ti->reads && in_list(ti->reads, key)))
            continue;
        /* The common reading builds experts from KEYS_EXPERTS and MLA from its ranks for any Llama-like type; where
         * the type's modeling code builds neither (LlamaModel ignores num_local_experts), that would count modules
         * transformers does not build. A count of 0 asks for none. */
        bool experts = in_list(KEYS_EXPERTS, key), mla = in_list(LC_KEYS("kv_lora_rank", "q_lora_rank"), key);
        if ((experts && !ti->moe) || (mla && !ti->mla)) {
            if (json_is_integer(v) && json_integer_value(v) == 0)
                continue;
        } else if (!has_word(kind_words, key) || (ti->fam == FAM_LLAMA && in_list(generic_keys, key))) {
            continue;
        }
        size_t len = strlen(refused);
        if (len + strlen(key) + strlen(c->prefix) + 4 < sizeof refused)
            snprintf(refused + len, sizeof refused - len, "%s'%s%s'", nref ? ", " : "", c->prefix, key);
        nref++;
    }
    if (nref)
        return lc_fail(LLMCOST_EUNSUPPORTED,
                       "%s: %s %s in a config of model_type '%s', which llmcost's %s reading does not take in (%s "
                       "layer kinds, patterns, experts, latent attention or an indexer that it would miss or that "
                       "the type's modeling code does not build): refusing rather than counting "
                       "without %s", c->origin, refused, nref == 1 ? "is" : "are", ti->type, ti->label,
                       nref == 1 ? "it names" : "they name", nref == 1 ? "it" : "them");
    return 0;
}

/* Every engine costs causal decoders (s(s+1)/2 attention pairs, a KV cache). Gemma3TextConfig's
 * use_bidirectional_attention (EmbeddingGemma; T5Gemma's encoder) drops the causal mask: the parameters are the same,
 * the attention FLOPs, memory and time are not, so such a config is refused rather than costed as causal. */
static int audit_causal(const lc_cfg *c)
{
    bool bidir = false;
    TRY(lc_cfg_bool(c, &bidir, LC_KEYS("use_bidirectional_attention"), false));
    if (bidir)
        return lc_fail(LLMCOST_EUNSUPPORTED,
                       "%s: key '%suse_bidirectional_attention' is true: attention without the causal mask is not "
                       "modelled (llmcost costs causal decoders)", c->origin, c->prefix);
    return 0;
}

/* The note that says, in words a user can check against the model's code, what a generic reading assumed. */
static void note_generic(llmcost_model *m, const char *type)
{
    const llmcost_layer *L = &m->layers[0];
    const llmcost_attention *a = &L->attn;
    int64_t moe = llmcost_model_moe_layers(m);
    char attn[200];
    if (a->kind == LLMCOST_ATTN_MLA)
        snprintf(attn, sizeof attn, "multi-head latent attention (%lld heads, q rank %lld, kv rank %lld)",
                 (long long)a->n_heads, (long long)a->q_lora_rank, (long long)a->kv_lora_rank);
    else
        snprintf(attn, sizeof attn, "attention with separate q, k, v, o projections (%lld query, %lld key/value heads "
                 "of %lld, %s, rotary on %lld dims, no q/k norms)", (long long)a->n_heads, (long long)a->n_kv_heads,
                 (long long)a->head_dim, a->o_bias ? "with biases" : "no biases", (long long)a->rotary_dim);
    note(m, "model_type '%s' is not one llmcost knows: read as a Llama-style decoder. Assumed: token embedding; each "
            "of %lld layers is RMSNorm, %s, RMSNorm, then a gated %s MLP (gate, up, down)%s; residual adds after "
            "each; final RMSNorm; %s. If the model's code differs, these counts are wrong",
         type[0] ? type : "(none)", (long long)m->n_layers, attn, m->act_name, moe ? " or a mixture of experts" : "",
         m->tied ? "LM head tied to the embedding" : "untied LM head (tie_word_embeddings absent or false)");
    if (moe) {
        const llmcost_ffn *f = NULL;
        for (int64_t i = 0; i < m->n_layers && !f; i++)
            if (m->layers[i].ffn.moe)
                f = &m->layers[i].ffn;
        note(m, "mixture of experts in %lld of %lld layers (the others dense, %lld wide): %lld experts of %lld, top %lld, "
                "router Linear without bias, %s%s", (long long)moe, (long long)m->n_layers,
             (long long)(moe < m->n_layers ? m->layers[0].ffn.dense.d_ff : 0), (long long)f->n_experts,
             (long long)f->expert.d_ff, (long long)f->top_k,
             f->shared.d_ff > 0 ? "a shared expert without a gate" : "no shared expert",
             f->score_correction_bias ? ", a score-correction buffer per layer" : "");
    }
}

/* Reads preset metadata (name, family, train_seq) from a preset wrapper object. */
static int read_meta(json_t *root, const char *origin, llmcost_model *m)
{
    lc_cfg c = {root, origin, ""};
    TRY(lc_cfg_text_into(&c, m->name, sizeof m->name, LC_KEYS("name"), ""));
    TRY(lc_cfg_text_into(&c, m->family, sizeof m->family, LC_KEYS("family"), ""));
    TRY(lc_cfg_count(&c, &m->train_seq, LC_KEYS("train_seq"), 0));
    TRY(lc_cfg_string_into(&c, m->train_seq_source, sizeof m->train_seq_source, LC_KEYS("train_seq_source"), ""));
    TRY(lc_cfg_count(&c, &m->train_batch_tokens, LC_KEYS("train_batch_tokens"), 0));
    TRY(lc_cfg_string_into(&c, m->train_batch_source, sizeof m->train_batch_source, LC_KEYS("train_batch_source"),
                           ""));
    return 0;
}

static int build(json_t *root, const char *origin, llmcost_model *m)
{
    if (!json_is_object(root))
        return lc_fail(LLMCOST_EINVAL, "%s: expected a JSON object at the top level", origin);
    json_t *cfg = root;
    json_t *wrapped = json_object_get(root, "config");
    if (json_is_object(wrapped) && json_object_get(root, "name")) {
        TRY(read_meta(root, origin, m));
        cfg = wrapped;
    }
    lc_cfg c = {cfg, origin, ""};
    /* Multimodal configs keep the language model under text_config. */
    json_t *text = json_object_get(cfg, "text_config");
    if (json_is_object(text) && !lc_cfg_which(&c, KEYS_HIDDEN)) {
        c.obj = text;
        c.prefix = "text_config.";
        note(m, "read the language model from text_config; the vision or audio tower is not counted");
    }
    const char *type;
    TRY(lc_cfg_string(&c, &type, LC_KEYS("model_type"), ""));
    if (type[0] == '\0' && c.obj != cfg)
        TRY(lc_cfg_string(&(lc_cfg){cfg, origin, ""}, &type, LC_KEYS("model_type"), ""));
    /* gemma3 (multimodal) wraps a gemma3_text model. */
    if (!strcmp(type, "gemma3") && c.obj != cfg)
        type = "gemma3_text";
    char type_what[4200]; /* the message names the file, as every config error does */
    snprintf(type_what, sizeof type_what, "%s: key 'model_type'", origin);
    TRY(lc_text_set(m->model_type, sizeof m->model_type, type, type_what));

    /* Configs saved by transformers omit keys equal to their class's defaults; the language model of a
     * multimodal Gemma 3 config, for one, has no vocab_size. Fill those in from the config class, and say so. */
    static const struct {
        const char *type, *key;
        json_int_t value;
        const char *cls;
    } class_defaults[] = {
        {"gemma3_text", "vocab_size", 262208, "Gemma3TextConfig"},
        {"gemma3_text", "max_position_embeddings", 131072, "Gemma3TextConfig"},
        {"gemma3_text", "sliding_window", 4096, "Gemma3TextConfig"},
        {"granitemoehybrid", "num_local_experts", 8, "GraniteMoeHybridConfig"},
        {"granitemoehybrid", "num_experts_per_tok", 2, "GraniteMoeHybridConfig"},
        {"granitemoehybrid", "shared_intermediate_size", 1024, "GraniteMoeHybridConfig"},
        /* read_core's head_dim default is hidden / heads, read_moe's expert count 0 */
        {"qwen3_next", "head_dim", 256, "Qwen3NextConfig"},
        {"qwen3_next", "num_experts", 512, "Qwen3NextConfig"},
        {"qwen3_next", "num_experts_per_tok", 10, "Qwen3NextConfig"},
        {"qwen3_next", "moe_intermediate_size", 512, "Qwen3NextConfig"},
        {"qwen3_next", "shared_expert_intermediate_size", 512, "Qwen3NextConfig"},
        {"qwen3_5_text", "vocab_size", 248320, "Qwen3_5TextConfig"},
        {"qwen3_5_text", "hidden_size", 4096, "Qwen3_5TextConfig"},
        {"qwen3_5_text", "intermediate_size", 12288, "Qwen3_5TextConfig"},
        {"qwen3_5_text", "num_hidden_layers", 32, "Qwen3_5TextConfig"},
        {"qwen3_5_text", "num_attention_heads", 16, "Qwen3_5TextConfig"},
        {"qwen3_5_text", "num_key_value_heads", 4, "Qwen3_5TextConfig"},
        {"qwen3_5_text", "head_dim", 256, "Qwen3_5TextConfig"},
        {"qwen3_5", "vocab_size", 248320, "Qwen3_5TextConfig"},
        {"qwen3_5", "hidden_size", 4096, "Qwen3_5TextConfig"},
        {"qwen3_5", "intermediate_size", 12288, "Qwen3_5TextConfig"},
        {"qwen3_5", "num_hidden_layers", 32, "Qwen3_5TextConfig"},
        {"qwen3_5", "num_attention_heads", 16, "Qwen3_5TextConfig"},
        {"qwen3_5", "num_key_value_heads", 4, "Qwen3_5TextConfig"},
        {"qwen3_5", "head_dim", 256, "Qwen3_5TextConfig"},
        {"qwen3_5_moe_text", "vocab_size", 248320, "Qwen3_5MoeTextConfig"},
        {"qwen3_5_moe_text", "hidden_size", 2048, "Qwen3_5MoeTextConfig"},
        {"qwen3_5_moe_text", "num_hidden_layers", 40, "Qwen3_5MoeTextConfig"},
        {"qwen3_5_moe_text", "num_attention_heads", 16, "Qwen3_5MoeTextConfig"},
        {"qwen3_5_moe_text", "num_key_value_heads", 2, "Qwen3_5MoeTextConfig"},
        {"qwen3_5_moe_text", "head_dim", 256, "Qwen3_5MoeTextConfig"},
        {"qwen3_5_moe_text", "num_experts", 256, "Qwen3_5MoeTextConfig"},
        {"qwen3_5_moe_text", "num_experts_per_tok", 8, "Qwen3_5MoeTextConfig"},
        {"qwen3_5_moe_text", "moe_intermediate_size", 512, "Qwen3_5MoeTextConfig"},
        {"qwen3_5_moe_text", "shared_expert_intermediate_size", 512, "Qwen3_5MoeTextConfig"},
        {"qwen3_5_moe", "vocab_size", 248320, "Qwen3_5MoeTextConfig"},
        {"qwen3_5_moe", "hidden_size", 2048, "Qwen3_5MoeTextConfig"},
        {"qwen3_5_moe", "num_hidden_layers", 40, "Qwen3_5MoeTextConfig"},
        {"qwen3_5_moe", "num_attention_heads", 16, "Qwen3_5MoeTextConfig"},
        {"qwen3_5_moe", "num_key_value_heads", 2, "Qwen3_5MoeTextConfig"},
        {"qwen3_5_moe", "head_dim", 256, "Qwen3_5MoeTextConfig"},
        {"minimax", "num_local_experts", 8, "MiniMaxConfig"},
        {"minimax", "num_experts_per_tok", 2, "MiniMaxConfig"},
        {"minimax_m1", "num_local_experts", 8, "MiniMaxM1Config"},
        {"minimax_m1", "num_experts_per_tok", 2, "MiniMaxM1Config"},
        {"qwen3_5_moe", "num_experts", 256, "Qwen3_5MoeTextConfig"},
        {"qwen3_5_moe", "num_experts_per_tok", 8, "Qwen3_5MoeTextConfig"},
        {"qwen3_5_moe", "moe_intermediate_size", 512, "Qwen3_5MoeTextConfig"},
        {"qwen3_5_moe", "shared_expert_intermediate_size", 512, "Qwen3_5MoeTextConfig"},
    };
    for (size_t i = 0; i < sizeof class_defaults / sizeof class_defaults[0]; i++) {
        if (strcmp(type, class_defaults[i].type) || json_object_get(c.obj, class_defaults[i].key))
            continue;
        json_object_set_new(c.obj, class_defaults[i].key, json_integer(class_defaults[i].value));
        note(m, "%s%s absent: used transformers' %s default %lld", c.prefix, class_defaults[i].key,
             class_defaults[i].cls, (long long)class_defaults[i].value);
    }

    /* Model types whose layers are of kinds llmcost does not model yet: refused by name, with the kind. */
    static const struct {
        const char *type, *kind;
    } other_kinds[] = {
        {"lfm2", "short convolution layers interleaved with attention"},
        {"recurrent_gemma", "RG-LRU recurrent layers"},
        {"rwkv", "RWKV time-mixing layers"},
        {"gemma3n", "Gemma 3n's AltUp, LAuReL, per-layer embeddings and key/value sharing across layers"},
        {"gemma3n_text", "Gemma 3n's AltUp, LAuReL, per-layer embeddings and key/value sharing across layers"},
    };
    for (size_t i = 0; i < sizeof other_kinds / sizeof other_kinds[0]; i++)
        if (!strcmp(type, other_kinds[i].type))
            return lc_fail(LLMCOST_EUNSUPPORTED, "%s: model_type '%s' has %s, which llmcost does not model yet", origin,
                           type, other_kinds[i].kind);

    const type_info *ti = NULL;
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
        if (!strcmp(types[i].type, type))
            ti = &types[i];
    int rc = 0;
    if (ti == NULL) {
        static const char *const need[] = {"hidden_size", "num_hidden_layers", "num_attention_heads", "vocab_size"};
        for (size_t i = 0; i < sizeof need / sizeof need[0]; i++)
            if (!lc_cfg_which(&c, (const char *const[]){need[i], NULL}))
                return lc_fail(LLMCOST_EINVAL,
                               "%s: unknown model_type '%s' and no '%s%s' key: cannot read it as a generic decoder",
                               origin, type[0] ? type : "(none)", c.prefix, need[i]);
        if (!lc_cfg_which(&c, LC_KEYS("intermediate_size")) && !lc_cfg_which(&c, LC_KEYS("moe_intermediate_size")))
            return lc_fail(LLMCOST_EINVAL,
                           "%s: unknown model_type '%s' and no '%sintermediate_size' key: cannot read it as a generic decoder",
                           origin, type[0] ? type : "(none)", c.prefix);
        TRY(audit_generic(&c, type, m));
        static const type_info generic = {.type = "", .label = "unknown", .fam = FAM_LLAMA};
        rc = build_llama(&c, &generic, m);
        if (rc == 0)
            note_generic(m, type);
    } else {
        TRY(audit_known(&c, ti));
        TRY(audit_causal(&c));
        switch (ti->fam) {
        case FAM_LLAMA: rc = build_llama(&c, ti, m); break;
        case FAM_GPT2: rc = build_gpt2(&c, ti, m); break;
        case FAM_OPT: rc = build_opt(&c, m); break;
        case FAM_FALCON: rc = build_falcon(&c, m); break;
        case FAM_NEOX: rc = build_neox(&c, m); break;
        case FAM_GPTJ: rc = build_gptj(&c, m); break;
        case FAM_BLOOM: rc = build_bloom(&c, m); break;
        case FAM_MPT: rc = build_mpt(&c, m); break;
        case FAM_CHATGLM: rc = build_chatglm(&c, m); break;
        case FAM_MAMBA: rc = build_mamba(&c, ti, m); break;
        case FAM_MAMBA2: rc = build_mamba2(&c, ti, m); break;
        case FAM_NEMOTRON_H: rc = build_nemotron_h(&c, ti, m); break;
        case FAM_JAMBA: rc = build_jamba(&c, ti, m); break;
        case FAM_QWEN3_NEXT: rc = build_qwen3_next(&c, ti, m); break;
        case FAM_MINIMAX: rc = build_minimax(&c, ti, m); break;
        case FAM_FALCON_H1: rc = build_falcon_h1(&c, ti, m); break;
        case FAM_ZAMBA2: rc = build_zamba2(&c, ti, m); break;
        }
    }
    TRY(rc);
    /* Qwen3.5 keeps tie_word_embeddings both in its top-level config and in text_config; which one ties the head
     * has changed between transformers releases, so a config where they differ is refused. */
    if (!strncmp(type, "qwen3_5", 7) && c.obj != cfg) {
        bool top = false, inner = false;
        TRY(lc_cfg_bool(&(lc_cfg){cfg, origin, ""}, &top, LC_KEYS("tie_word_embeddings"), false));
        TRY(lc_cfg_bool(&c, &inner, LC_KEYS("tie_word_embeddings"), false));
        if (top != inner)
            return lc_fail(LLMCOST_EUNSUPPORTED, "%s: key 'tie_word_embeddings' is %s at the top level and %s in "
                           "text_config (absent: false): which one ties the LM head depends on the transformers "
                           "release, so refusing rather than guessing", origin, top ? "true" : "false",
                           inner ? "true" : "false");
    }
    if (m->family[0] == '\0')
        lc_strlcpy(m->family, ti ? ti->label : (type[0] ? type : "unknown"), sizeof m->family);
    if (m->train_seq == 0) {
        int64_t seq = 0;
        TRY(lc_cfg_size(&c, &seq, LC_KEYS("max_sequence_length"), 0));
        if (seq) {
            m->train_seq = seq;
            lc_strlcpy(m->train_seq_source, "config's max_sequence_length", sizeof m->train_seq_source);
        }
    }
    if (m->train_seq == 0) {
        /* A context-extended model keeps its pre-training length in rope_scaling (YaRN, Llama 3.1's "llama3"). */
        json_t *rs = json_object_get(c.obj, "rope_scaling");
        if (json_is_object(rs)) {
            lc_cfg r = {rs, origin, "rope_scaling."};
            int64_t seq = 0;
            TRY(lc_cfg_size(&r, &seq, LC_KEYS("original_max_position_embeddings"), 0));
            if (seq) {
                m->train_seq = seq;
                lc_strlcpy(m->train_seq_source, "config's rope_scaling.original_max_position_embeddings (length before context extension)",
                           sizeof m->train_seq_source);
            }
        }
    }
    return 0;
}

int llmcost_model_from_json(llmcost_model **out, const char *text, size_t len, const char *origin)
{
    *out = NULL;
    json_t *root;
    TRY(lc_parse_json(&root, text, len, origin));
    llmcost_model *m = calloc(1, sizeof *m);
    if (!m) {
        json_decref(root);
        return lc_fail(LLMCOST_ENOMEM, "out of memory");
    }
    int rc = lc_text_set(m->origin, sizeof m->origin, origin, "origin of the model's JSON");
    if (rc == 0)
        rc = build(root, origin, m);
    json_decref(root);
    if (rc == 0) {
        /* Sizes so large that the parameter count overflows 64 bits are refused here, once, so that no engine
         * works from them: the FLOPs engine computes in doubles and would print numbers for such a model. */
        llmcost_params p;
        rc = llmcost_params_count(&p, m);
    }
    if (rc < 0) {
        llmcost_model_free(m);
        return rc;
    }
    *out = m;
    return 0;
}

/* The name a file-based model gets: its folder for ".../name/config.json", else the file's stem. */
static void name_from_path(char *dst, size_t size, const char *path)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    if (!strcmp(base, "config.json") && base != path) {
        const char *end = base - 1, *start = end;
        while (start > path && start[-1] != '/')
            start--;
        size_t n = (size_t)(end - start);
        if (n > 0 && !(n == 1 && start[0] == '.')) {
            if (n >= size)
                n = size - 1;
            memcpy(dst, start, n);
            dst[n] = '\0';
            return;
        }
    }
    lc_strlcpy(dst, base, size);
    char *dot = strrchr(dst, '.');
    if (dot && dot != dst)
        *dot = '\0';
}

static int load_preset(llmcost_model **out, int p, const char *spec)
{
    char origin[256];
    snprintf(origin, sizeof origin, "%s", llmcost_preset_path(p));
    const char *text = llmcost_preset_json(p);
    TRY(llmcost_model_from_json(out, text, strlen(text), origin));
    /* A preset's spec is its name, its repo id or either in other case: short, but checked like any text. */
    int rc = 0;
    if (snprintf((*out)->origin, sizeof (*out)->origin, "preset %s (%s)", spec, origin) >= (int)sizeof (*out)->origin)
        rc = lc_fail(LLMCOST_EINVAL, "preset '%.40s...': the name is too long", spec);
    else if (strcmp(spec, llmcost_preset_name(p)) != 0) /* named by its repo id or in other case: its own name */
        rc = lc_text_set((*out)->name, sizeof (*out)->name, llmcost_preset_name(p), "preset name");
    if (rc < 0) {
        llmcost_model_free(*out);
        *out = NULL;
    }
    return rc;
}

int llmcost_model_load(llmcost_model **out, const char *spec)
{
    *out = NULL;
    if (spec == NULL || spec[0] == '\0')
        return lc_fail(LLMCOST_EINVAL, "no model given");
    int p = llmcost_preset_find(spec);
    if (p >= 0)
        return load_preset(out, p, spec);
    /* A Hugging Face cache folder (models--ORG--NAME/, or one of its snapshots/REV/) is read through its config. */
    char path[4096], hfpath[4096], repo[sizeof (*out)->name] = ""; /* a repo id that fits the name, else a folder */
    int hf = lc_hf_cache_config(hfpath, sizeof hfpath, repo, sizeof repo, spec);
    if (hf < 0)
        return hf;
    char *text;
    size_t len;
    int rc = lc_read_file_in(&text, &len, path, sizeof path, hf ? hfpath : spec, "config.json");
    if (rc == LLMCOST_ENOTFOUND && !hf && !strstr(llmcost_errmsg(), "folder holds")) {
        /* No such file: a preset named in other case or by its Hugging Face repo id, else a typo to point out. */
        if ((p = llmcost_preset_match(spec)) >= 0)
            return load_preset(out, p, spec);
        const char *near = llmcost_preset_suggest(spec);
        /* A bare word that names no file (not a folder without config.json) was meant as a preset. */
        if (!strchr(spec, '/') && !strstr(spec, ".json"))
            return lc_fail(LLMCOST_ENOTFOUND, "'%s' is neither a preset (see 'llmcost models') nor a file%s%s%s", spec,
                           near ? "; did you mean '" : "", near ? near : "", near ? "'?" : "");
        if (near) {
            char msg[1024];
            lc_strlcpy(msg, llmcost_errmsg(), sizeof msg);
            return lc_fail(LLMCOST_ENOTFOUND, "%s; did you mean '%s'?", msg, near);
        }
    }
    TRY(rc);
    rc = llmcost_model_from_json(out, text, len, path);
    free(text);
    TRY(rc);
    if (repo[0]) /* a Hugging Face cache folder: named by its repo id (repo is as large as the name) */
        lc_strlcpy((*out)->name, repo, sizeof (*out)->name);
    else if ((*out)->name[0] == '\0') {
        /* A name taken from a path is printed as it is: escape its control characters ("\n", "\x1b"). A file name
         * (at most 255 bytes) fits; one that escaping makes longer than the field is refused, never cut. */
        char raw[sizeof path]; /* as large as the path: never cut here */
        name_from_path(raw, sizeof raw, path);
        if (!lc_one_line((*out)->name, sizeof (*out)->name, raw)) {
            llmcost_model_free(*out);
            *out = NULL;
            return lc_fail(LLMCOST_EINVAL, "%s: the model's name taken from the path is longer than the %zu characters "
                           "that llmcost keeps; give the file another name", path, sizeof (*out)->name - 1);
        }
    }
    return 0;
}

const char *lc_arch_lora_refusal(const llmcost_model *m)
{
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
        if (!strcmp(types[i].type, m->model_type))
            return types[i].lora_refusal;
    return NULL;
}

uint32_t lc_arch_lora_name_clash(const llmcost_model *m)
{
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
        if (!strcmp(types[i].type, m->model_type))
            return types[i].lora_name_clash;
    return 0;
}

const lc_lora_names *lc_arch_lora_names(const llmcost_model *m)
{
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
        if (!strcmp(types[i].type, m->model_type))
            return types[i].lora;
    return NULL;
}
