/* model.h - the architecture description: one model read once from a config.json and used by every engine. */
#ifndef LLMCOST_MODEL_H
#define LLMCOST_MODEL_H

#include <stdbool.h>
#include <stdint.h>

#include "common.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
    LLMCOST_ATTN_MHA, /* one key/value head per query head */
    LLMCOST_ATTN_GQA, /* groups of query heads share a key/value head (Ainslie et al. 2023) */
    LLMCOST_ATTN_MQA, /* one key/value head for all query heads (Shazeer 2019) */
    LLMCOST_ATTN_MLA  /* multi-head latent attention (DeepSeek-V2, §2.1) */
} llmcost_attn_kind;

typedef enum {
    LLMCOST_NORM_RMS,          /* RMSNorm: a weight of the normalised width */
    LLMCOST_NORM_LAYER,        /* LayerNorm: a weight and a bias */
    LLMCOST_NORM_LAYER_NOBIAS, /* LayerNorm with a weight and no bias (MPT, Cohere, StableLM's per-head q/k norms) */
    LLMCOST_NORM_LAYER_NOPARAM /* LayerNorm without parameters (OLMo's non-parametric norm) */
} llmcost_norm_kind;

typedef enum {
    LLMCOST_QKNORM_NONE,
    LLMCOST_QKNORM_HEAD,      /* RMSNorm over each head's head_dim (Qwen3, Gemma 3): weights of head_dim */
    LLMCOST_QKNORM_PROJECTION /* RMSNorm over the whole q / k projection (OLMo 2, OLMoE): weights of heads*head_dim */
} llmcost_qknorm_kind;

typedef enum {
    LLMCOST_POS_ROTARY,  /* RoPE (Su et al. 2021): no parameters */
    LLMCOST_POS_LEARNED, /* a learned table of positions x hidden (GPT-2, OPT) */
    LLMCOST_POS_ALIBI,   /* linear biases (Press et al. 2022): no parameters */
    LLMCOST_POS_NONE
} llmcost_pos_kind;

typedef enum {
    LLMCOST_ACT_SILU,
    LLMCOST_ACT_GELU,
    LLMCOST_ACT_GELU_TANH,
    LLMCOST_ACT_RELU,
    LLMCOST_ACT_OTHER,
    LLMCOST_ACT_RELU2      /* squared ReLU, relu(x)^2 (Nemotron; So et al. 2021) */
} llmcost_act_kind;

/* One attention block. */
typedef struct llmcost_attention {
    llmcost_attn_kind kind;
    int64_t n_heads;     /* query heads */
    int64_t n_kv_heads;  /* key/value heads (MLA: equal to n_heads after up-projection) */
    int64_t head_dim;    /* query/key width per head (MLA: qk_nope_head_dim + qk_rope_head_dim) */
    int64_t v_head_dim;  /* value width per head (equal to head_dim except in MLA) */
    int64_t rotary_dim;  /* dimensions per head that rotary embedding rotates (0: none) */
    /* MLA only (DeepSeek-V2 §2.1.2-2.1.3) */
    int64_t q_lora_rank;      /* 0: queries are projected directly, without a low-rank bottleneck */
    int64_t kv_lora_rank;
    int64_t qk_nope_head_dim;
    int64_t qk_rope_head_dim;
    /* projections */
    bool fused_qkv;      /* one matrix for q, k and v (GPT-2 c_attn, Falcon, Phi-3, GPT-NeoX) */
    bool fused_qkv_copied; /* q and v reach the attention kernel as copies of the fused output's slices, which stays
                              alive (GPT-2's split and transpose; measured saved tensors) */
    bool q_bias, k_bias, v_bias, o_bias;
    llmcost_qknorm_kind qk_norm;
    llmcost_norm_kind qk_norm_type; /* kind of the q/k norms (RMSNorm unless the family says otherwise) */
    bool sinks;          /* a learned sink logit per head (gpt-oss) */
    /* DeepSeek sparse attention's lightning indexer (DeepSeek-V3.2 §2.1): index_n_heads heads of index_head_dim
     * scoring every earlier token, wq_b from the query latent, wk, a LayerNorm on k, weights_proj; 0 when absent */
    int64_t index_n_heads;
    int64_t index_head_dim;
    int64_t index_topk;  /* tokens each query attends to after indexing */
    int64_t sliding_window; /* 0: full (global) attention; else tokens attended to, self included */
    double softcap;      /* attention logit soft-capping (Gemma 2), 0 if none */
    bool sdpa_unfused;   /* transformers' SDPA call cannot use a fused kernel (Falcon-7B's broadcast multi-query
                            keys): PyTorch's math backend runs it as matmuls, with eager's 2x backward */
    /* Added in what was the struct's tail padding, so its size and every other field's offset are unchanged: */
    bool output_gate;    /* q_proj also emits a gate of n_heads x head_dim, and attention's output is multiplied by its
                            sigmoid before o_proj (Qwen3-Next's gated attention): q_proj is twice as wide */
} llmcost_attention;

/* A feed-forward network: dense, or one expert of a mixture. */
typedef struct llmcost_mlp {
    int64_t d_ff;   /* intermediate width; 0 means absent */
    bool gated;     /* gated (SwiGLU/GeGLU: gate, up, down = 3 matrices) or plain (up, down = 2 matrices) */
    bool bias;
    bool fused_gate_up; /* gate and up are one matrix (Phi-3's gate_up_proj): one Linear reads the input */
    bool clamped_glu;   /* gpt-oss's experts: clamped gate and up, gate * sigmoid(1.702 gate) * (up + 1) */
} llmcost_mlp;

/* The feed-forward part of a layer: a dense MLP or a mixture of experts. */
typedef struct llmcost_ffn {
    bool moe;
    llmcost_mlp dense;        /* used when !moe */
    int64_t n_experts;        /* routed experts */
    int64_t top_k;            /* routed experts per token */
    llmcost_mlp expert;       /* one routed expert */
    int64_t n_shared;         /* shared experts (always active) */
    llmcost_mlp shared;       /* all shared experts together as one MLP (d_ff = n_shared x expert width) */
    bool shared_gate;         /* a sigmoid gate Linear(hidden, 1) on the shared expert (Qwen2-MoE) */
    bool router_bias;         /* the router Linear has a bias (gpt-oss) */
    bool score_correction_bias; /* a per-expert routing bias kept as a buffer, not a parameter (DeepSeek-V3) */
    bool score_correction_param; /* the same bias as an nn.Parameter (the models' own code: Kimi K2's
                                    modeling_deepseek.py, DeepSeek-V3.2's model.py) */
    bool fp32_routing;        /* routing weights reach the experts in fp32, so the weighted expert outputs and their
                                 sum are fp32 (Mixtral, DeepSeek); else they are cast to the activations' dtype */
    bool fp32_router;         /* the router multiplies fp32 copies of its input and weight (DeepSeek's MoEGate) */
} llmcost_ffn;

/* A recurrent token mixer with a fixed-size state: the Mamba family's state-space mixers and Gated DeltaNet's linear
 * attention. A model keeps one entry per distinct mixer in its "ssm" table; each layer that has one names it by index
 * (llmcost_layer.ssm). */
typedef enum {
    LLMCOST_SSM_MAMBA1, /* Mamba's selective scan (Gu & Dao 2023, Alg. 2): in_proj to x and z, depthwise conv1d on x,
                           x_proj to dt (rank dt_rank), B and C, dt_proj, A of d_inner x d_state, D, out_proj */
    LLMCOST_SSM_MAMBA2, /* Mamba-2's SSD (Dao & Gu 2024, §7): in_proj to z, x, B, C and dt, depthwise conv1d on x, B,
                           C, a scalar A, dt bias and D per head, a gated RMSNorm, out_proj */
    LLMCOST_SSM_GATED_DELTANET, /* Gated DeltaNet linear attention (Yang et al. 2024; Qwen3-Next's
                           Qwen3NextGatedDeltaNet): in_proj_qkvz to q and k (n_groups key heads of d_state), v and z
                           (n_heads value heads of head_dim, d_inner in all), in_proj_ba to b and a (one each per value
                           head), depthwise conv1d on q, k, v without bias, dt_bias and A_log per value head, a gated
                           RMSNorm of head_dim shared by the heads, out_proj; no D */
    LLMCOST_SSM_LIGHTNING /* MiniMax's lightning attention (MiniMax-01, arXiv 2501.08313; transformers'
                           MiniMaxLightningAttention): qkv_proj h -> 3 d_inner (n_heads heads of head_dim, SiLU), a
                           decayed linear attention over blocks of chunk_size tokens (the state d_state x head_dim per
                           head, d_state = head_dim), an RMSNorm of d_inner, a sigmoid output_gate h -> d_inner,
                           out_proj d_inner -> h, all bias-free; persistent decay buffers (slope_rate, query_decay,
                           key_decay, diagonal_decay) */
} llmcost_ssm_kind;

typedef struct llmcost_ssm {
    llmcost_ssm_kind kind;
    int64_t d_inner;     /* width of x and z (Mamba2: n_heads x head_dim; Gated DeltaNet: of v and z, n_heads x head_dim) */
    int64_t d_state;     /* N: state size (per group in Mamba2; Gated DeltaNet: the key head width, each value head's
                            state being d_state x head_dim) */
    int64_t d_conv;      /* conv1d kernel width */
    int64_t dt_rank;     /* Mamba1: rank of the dt projection; 0 in Mamba2 */
    int64_t n_heads;     /* Mamba2: heads, each with one A, dt bias and D; Gated DeltaNet: value heads; 0 in Mamba1 */
    int64_t head_dim;    /* Mamba2: P, channels per head; Gated DeltaNet: value head width */
    int64_t n_groups;    /* Mamba2: groups of heads sharing B and C; Gated DeltaNet: query/key heads, each shared by
                            n_heads / n_groups value heads; 0 in Mamba1 */
    int64_t chunk_size;  /* Mamba2: SSD chunk length (the scan's blocks); Gated DeltaNet: the chunked delta rule's
                            chunk (64); 0 in Mamba1 */
    bool proj_bias;      /* in_proj and out_proj carry biases (use_bias) */
    bool conv_bias;      /* conv1d carries a bias (use_conv_bias) */
    bool gated_norm;     /* Mamba2: RMSNormGated of d_inner on y * silu(z) before out_proj (Gated DeltaNet: of
                            head_dim, one weight shared by every value head) */
    bool dt_bc_norms;    /* Mamba1: RMSNorms with weights on dt (dt_rank), B and C (d_state each) after x_proj
                            (Jamba's JambaMambaMixer); in what was the struct's tail padding */
    bool split_proj;     /* Gated DeltaNet: the input projections are four Linears, in_proj_qkv (2 key_dim + d_inner),
                            in_proj_z (d_inner), in_proj_b and in_proj_a (n_heads each) (Qwen3_5GatedDeltaNet), not
                            in_proj_qkvz and in_proj_ba; same weights in all; in the struct's tail padding too */
} llmcost_ssm;

/* One decoder layer. */
typedef struct llmcost_layer {
    llmcost_attention attn;
    llmcost_ffn ffn;
    /* hidden-width norms and where they sit */
    bool norm_pre_attn;   /* before attention (input_layernorm) */
    bool norm_post_attn;  /* on attention's output, before the residual add (Gemma 2/3, OLMo 2; post-LN OPT) */
    bool norm_pre_ffn;    /* before the feed-forward */
    bool norm_post_ffn;   /* on the feed-forward's output (Gemma 2/3, OLMo 2) */
    bool parallel;        /* attention and feed-forward read the same input and are added together (Falcon, GPT-NeoX) */
    /* Added in what was the struct's tail padding, so its size and every other field's offset are unchanged: */
    bool shared_block;    /* the layer first runs one of the model's shared transformer blocks (llmcost_model.shared)
                             and adds its projected output to its input (Zamba2's "hybrid" layers); in what was a
                             padding byte, so no other field moves */
    uint16_t ssm;         /* 0: no state-space mixer; else 1 + the index in the model's ssm table of the layer's
                             mixer, which then sits where attention would, after norm_pre_attn (attn.n_heads is 0
                             when the layer has no attention: Mamba and MLP-only layers) */
} llmcost_layer;

/* Transformer blocks whose weights several layers share (Zamba2's Zamba2AttentionDecoderLayer, modular_zamba2.py):
 * each block is an RMSNorm of in_width, attention reading in_width (q, k, v) and writing hidden (o), an RMSNorm of
 * hidden and a gated MLP; the model keeps n_blocks of them (counted once) and invokes them in n_invocations layers,
 * each invocation with its own LoRA adapters of rank adapter_rank (on gate_up always, on q, k and v when
 * attn_adapters) and its own bias-free hidden x hidden projection of the block's output. n_blocks 0: none. */
typedef struct llmcost_shared_blocks {
    int64_t n_blocks;
    int64_t n_invocations;
    int64_t in_width;       /* width the block reads: the layer's input concatenated with the token embedding (2h) */
    llmcost_attention attn; /* heads x head_dim from in_width; o_proj to hidden */
    llmcost_mlp mlp;        /* gated, gate and up fused (gate_up_proj) */
    int64_t adapter_rank;
    bool attn_adapters;     /* use_shared_attention_adapter */
} llmcost_shared_blocks;

/* Multi-token prediction modules (DeepSeek-V3 §2.2): each adds two norms, a 2h->h projection and one layer. */
typedef struct llmcost_mtp {
    int64_t n_modules;
    llmcost_layer layer;
} llmcost_mtp;

/*
 * A model's architecture. Allocated by llmcost_model_load*, freed with llmcost_model_free.
 * Text fields are never cut: each is sized for every bundled preset (tests/test_text.c checks it), and a value
 * that does not fit (a config key, a path, an origin) fails the load with a message naming it. The notes end
 * with the line "(more notes did not fit)" if they ever overflow.
 */
typedef struct llmcost_model {
    char name[256];         /* preset name, the config's "name", the Hugging Face repo id, or the config's file name */
    char model_type[64];    /* config's model_type ("llama", "deepseek_v3", ...) */
    char family[64];        /* human family name (presets), or the model_type */
    char origin[4096];      /* where it was read from: "preset llama-7b (data/models/llama-7b.json)" or a path */
    int64_t hidden;         /* d_model */
    int64_t vocab;
    int64_t embed_dim;      /* width of the token embedding (OPT-350m: 512 with projections to hidden); usually hidden */
    int64_t n_layers;
    llmcost_layer *layers;  /* n_layers entries */
    llmcost_mtp mtp;
    llmcost_norm_kind norm; /* kind of every norm in the model */
    bool norm_fp32_weight;  /* RMSNorm multiplies by its weight in fp32 before casting back (Gemma's 1 + w, OLMo 2,
                               gpt-oss); else it casts back first (Llama) */
    bool final_norm;        /* a norm after the last layer */
    llmcost_pos_kind pos;
    int64_t pos_rows;       /* rows of a learned position table (OPT: max positions + 2) */
    bool rope_cached;       /* the rotary sin/cos table is built once at construction (GPT-J), not per forward */
    bool embed_norm;        /* a norm on the token embedding's output (BLOOM's word_embeddings_layernorm) */
    bool tied;              /* LM head shares the token embedding */
    bool head_bias;         /* the LM head Linear has a bias (Phi-2, GPT-J) */
    llmcost_act_kind act;
    char act_name[32];      /* hidden_act as written */
    bool act_python;        /* the activation is a Python formula of eight element-wise kernels (hidden_act gelu_new:
                               transformers' NewGELUActivation), not one fused kernel */
    int64_t max_positions;  /* max_position_embeddings / n_positions */
    int64_t train_seq;      /* pre-training sequence length when known (presets, max_sequence_length), else 0 */
    char train_seq_source[512];
    double logit_softcap;   /* final logit soft-capping (Gemma 2), 0 if none */
    double logit_scale;     /* logits multiplied by this (Cohere's logit_scale, Granite's 1/logits_scaling), 0 if none */
    double dropout_embed;   /* dropout probabilities active in training (GPT-2, OPT); 0 when absent */
    double dropout_attn;
    double dropout_resid;
    char notes[4096];       /* assumptions made while reading, one per line; "" when none */
    int64_t train_batch_tokens; /* the published pre-training global batch in tokens (presets), else 0 */
    char train_batch_source[512];
    int64_t rope_buffers;   /* elements of a rotary inv_freq table registered as a persistent buffer, so stored in the
                               checkpoint (ChatGLM's RotaryEmbedding); 0 for transformers' non-persistent tables */
    int64_t act_params;     /* learnable scalars of each dense MLP's activation module (xIELU's alpha_p and alpha_n:
                               2, Apertus); 0 for parameter-free activations */
    int64_t act_buffers;    /* persistent buffers of each such module (xIELU's beta and eps: 2) */
    int64_t n_ssm;          /* distinct state-space mixers: entries of "ssm" (0: none) */
    llmcost_ssm *ssm;       /* n_ssm entries, owned by the model; layers name them by llmcost_layer.ssm */
    /* Added at the end (the library allocates every model, so no field moves): */
    llmcost_shared_blocks shared; /* Zamba2's shared transformer blocks; n_blocks 0 for every other model */
    /* Group-limited routing of the routed experts (config keys n_group, topk_group: DeepSeek-V2's device-limited
     * and DeepSeek-V3's node-limited routing, arXiv 2412.19437 §2.1.2): the experts fall in moe_n_group contiguous
     * groups and each token picks its top_k experts inside its moe_topk_group best groups. 0 (or topk_group equal to
     * n_group): every token may pick any expert. */
    int64_t moe_n_group;
    int64_t moe_topk_group;
    bool mup_multipliers;   /* uP multipliers scale the activations (Falcon-H1, modular_falcon_h1.py): the embedding
                               and the logits; in each layer the mixer's input and output, in_proj's output (the
                               mup_vector), attention's input, keys and output, the MLP's gate and output: one
                               multiply kernel each, whatever the values (no parameters) */
} llmcost_model;

/* The state-space mixer of layer "l" of "m", or NULL when it has none. */
const llmcost_ssm *llmcost_layer_ssm(const llmcost_model *m, const llmcost_layer *l);

/*
 * Loads "spec": a preset name (see llmcost_preset_*), a path to a config.json (or to a preset file), or a folder
 * holding config.json. On success *out owns a new model. On failure *out is NULL and llmcost_errmsg() names the
 * file and line/column (malformed JSON) or the key (bad value).
 */
int llmcost_model_load(llmcost_model **out, const char *spec);

/* Same, from JSON text; "origin" names it in messages (e.g. a file name). */
int llmcost_model_from_json(llmcost_model **out, const char *text, size_t len, const char *origin);

void llmcost_model_free(llmcost_model *m);

/* NULL when the FLOPs, memory and step engines model every part of "m"; else a phrase naming the first part they
 * do not ("DeepSeek sparse attention's lightning indexer (layer 0)"), which those engines refuse with
 * LLMCOST_EUNSUPPORTED rather than cost wrongly. Parameter counts cover every part. */
const char *llmcost_model_unmodelled(const llmcost_model *m);

/* Number of layers whose feed-forward is a mixture of experts. */
int64_t llmcost_model_moe_layers(const llmcost_model *m);

const char *llmcost_attn_kind_name(llmcost_attn_kind k);
const char *llmcost_norm_kind_name(llmcost_norm_kind k);
/* Parameters per normalised element of a norm of kind "k": 1 (RMSNorm, LayerNorm without bias), 2 (LayerNorm), 0
 * (non-parametric LayerNorm). */
int llmcost_norm_weights(llmcost_norm_kind k);

/* Bundled presets (data/models/NAME.json, compiled into the library). Index 0..count-1, sorted by name. */
int llmcost_preset_count(void);
const char *llmcost_preset_name(int i);
/* The preset's JSON text and its repository path; NULL if i is out of range. */
const char *llmcost_preset_json(int i);
const char *llmcost_preset_path(int i);
/* Index of a preset by name, or -1. */
int llmcost_preset_find(const char *name);
/* Index of a preset as people name it: its exact name, else its name or its Hugging Face repo id ("hf_repo",
 * "meta-llama/Meta-Llama-3-8B") ignoring case and reading '_' as '-'; -1 if none. llmcost_model_load() uses it
 * for a MODEL that is not a file. */
int llmcost_preset_match(const char *name);
/* The preset nearest to a mistyped "name" (by name or repo id, a few characters off), or NULL. */
const char *llmcost_preset_suggest(const char *name);
/* The preset's Hugging Face repo id into "buf" ("" when its record has none). Returns 0 or LLMCOST_ENOTFOUND. */
int llmcost_preset_hf_repo(char *buf, size_t size, int i);

#ifdef __cplusplus
}
#endif

#endif
