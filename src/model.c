/* model.c - the architecture description's vocabulary: names of its kinds, weights per norm, layer queries, freeing.
 * Depends on nothing but model.h, so that the config reader (arch.c) and the counters (params.c) can both use it. */
#include <stddef.h>
#include <stdlib.h>

#include "llmcost/model.h"

const char *llmcost_attn_kind_name(llmcost_attn_kind k)
{
    switch (k) {
    case LLMCOST_ATTN_MHA: return "MHA";
    case LLMCOST_ATTN_GQA: return "GQA";
    case LLMCOST_ATTN_MQA: return "MQA";
    case LLMCOST_ATTN_MLA: return "MLA";
    }
    return "?";
}

const char *llmcost_norm_kind_name(llmcost_norm_kind k)
{
    switch (k) {
    case LLMCOST_NORM_RMS: return "RMSNorm";
    case LLMCOST_NORM_LAYER: return "LayerNorm";
    case LLMCOST_NORM_LAYER_NOBIAS: return "LayerNorm (no bias)";
    case LLMCOST_NORM_LAYER_NOPARAM: return "LayerNorm (no parameters)";
    }
    return "?";
}

int llmcost_norm_weights(llmcost_norm_kind k)
{
    switch (k) {
    case LLMCOST_NORM_LAYER: return 2;
    case LLMCOST_NORM_LAYER_NOPARAM: return 0;
    case LLMCOST_NORM_RMS:
    case LLMCOST_NORM_LAYER_NOBIAS: return 1;
    }
    return 1;
}

int64_t llmcost_model_moe_layers(const llmcost_model *m)
{
    int64_t n = 0;
    for (int64_t i = 0; i < m->n_layers; i++)
        n += m->layers[i].ffn.moe;
    return n;
}

/* llmcost_layer.ssm sits in what was the struct's tail padding: the layout every program built against the older
 * header uses (its size, every other field's offset) must not move. */
struct lc_layer_before_ssm {
    llmcost_attention attn;
    llmcost_ffn ffn;
    bool norm_pre_attn, norm_post_attn, norm_pre_ffn, norm_post_ffn, parallel;
};
_Static_assert(sizeof(llmcost_layer) == sizeof(struct lc_layer_before_ssm),
               "llmcost_layer.ssm must fit in the tail padding (ABI of libllmcost.so.1)");
_Static_assert(offsetof(llmcost_layer, parallel) == offsetof(struct lc_layer_before_ssm, parallel),
               "llmcost_layer's fields must not move");
/* llmcost_layer.shared_block sits in the padding byte between parallel and ssm: ssm stays where it was. */
_Static_assert(offsetof(llmcost_layer, shared_block) == offsetof(llmcost_layer, parallel) + 1 &&
                   offsetof(llmcost_layer, ssm) == offsetof(llmcost_layer, parallel) + 2,
               "llmcost_layer.ssm must not move");

/* llmcost_attention.output_gate sits in what was that struct's tail padding, likewise. */
struct lc_attention_before_gate {
    llmcost_attn_kind kind;
    int64_t n_heads, n_kv_heads, head_dim, v_head_dim, rotary_dim, q_lora_rank, kv_lora_rank, qk_nope_head_dim,
        qk_rope_head_dim;
    bool fused_qkv, fused_qkv_copied, q_bias, k_bias, v_bias, o_bias;
    llmcost_qknorm_kind qk_norm;
    llmcost_norm_kind qk_norm_type;
    bool sinks;
    int64_t index_n_heads, index_head_dim, index_topk, sliding_window;
    double softcap;
    bool sdpa_unfused;
};
_Static_assert(sizeof(llmcost_attention) == sizeof(struct lc_attention_before_gate),
               "llmcost_attention.output_gate must fit in the tail padding (ABI of libllmcost.so.1)");
_Static_assert(offsetof(llmcost_attention, sdpa_unfused) == offsetof(struct lc_attention_before_gate, sdpa_unfused),
               "llmcost_attention's fields must not move");

const llmcost_ssm *llmcost_layer_ssm(const llmcost_model *m, const llmcost_layer *l)
{
    if (!m || !l || l->ssm == 0 || (int64_t)l->ssm > m->n_ssm || !m->ssm)
        return NULL;
    return &m->ssm[l->ssm - 1];
}

/* What llmcost_model_unmodelled reports: the Mamba and Mamba-2 mixers (Jamba's included, run as its separate
 * kernels), Gated DeltaNet and gated attention (Qwen3-Next), attention and Mamba-2 in parallel in one layer with uP
 * multipliers (Falcon-H1), shared transformer blocks with per-invocation adapters (Zamba2) and MiniMax's lightning
 * attention (its eager block loop) are modelled by every engine. */
static const char *unmodelled(const llmcost_model *m)
{
    for (int64_t i = 0; i < m->n_layers; i++)
        if (m->layers[i].attn.index_n_heads > 0)
            return "DeepSeek sparse attention's lightning indexer";
    if (m->act_params > 0) /* its kernels and saved tensors are not measured yet */
        return "a learnable activation (xIELU, with its alpha_p and alpha_n)";
    return NULL;
}

const char *llmcost_model_unmodelled(const llmcost_model *m)
{
    return unmodelled(m);
}

void llmcost_model_free(llmcost_model *m)
{
    if (!m)
        return;
    free(m->layers);
    free(m->ssm);
    free(m);
}
