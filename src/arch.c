/* arch.c - turns a Hugging Face config.json into the architecture description every engine reads. */
#define _POSIX_C_SOURCE 200809L
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "internal.h"
#include "llmcost/model.h"
#include "llmcost/params.h"

/* Layers beyond this are not a real model; refusing them keeps allocation bounded. */
#define LC_MAX_LAYERS 65536

/* Spellings of the core keys across config classes (GPT-2/GPT-J/BLOOM n_*, MPT d_model/n_heads/n_layers). */
#define KEYS_HIDDEN LC_KEYS("hidden_size", "n_embd", "d_model", "n_embed")
#define KEYS_LAYERS LC_KEYS("num_hidden_layers", "n_layer", "num_layers", "n_layers")
#define KEYS_HEADS LC_KEYS("num_attention_heads", "n_head", "n_heads")
#define KEYS_MAXPOS LC_KEYS("max_position_embeddings", "n_positions", "max_sequence_length", "max_seq_len")

/* How a model_type lays its modules out (the transformers implementation it follows). */
typedef enum {
    FAM_LLAMA,  /* embed, [RMSNorm, attention, RMSNorm, gated MLP or MoE] x L, RMSNorm, head: most modern models */
    FAM_GPT2,   /* learned positions, LayerNorm with bias, fused qkv, biases everywhere, tied head */
    FAM_OPT,    /* learned positions with offset 2, optional embedding projections, biases, tied head */
    FAM_FALCON, /* parallel attention and MLP, fused multi-query qkv, LayerNorm */
    FAM_NEOX,   /* GPT-NeoX / Pythia: parallel residual, partial rotary, biases, untied */
    FAM_GPTJ,   /* GPT-J: parallel residual, one LayerNorm, bias-free q/k/v/out, partial rotary, LM-head bias */
    FAM_BLOOM,  /* BLOOM: ALiBi, LayerNorm on the embedding, fused qkv, biases, tied */
    FAM_MPT     /* MPT: ALiBi, bias-free Linears and LayerNorms, 4h MLP, tied */
} family;

typedef struct {
    const char *type;
    family fam;
    bool tied;            /* default of tie_word_embeddings in the transformers config class */
    bool qkv_bias;        /* q/k/v carry biases regardless of attention_bias (Qwen2) */
    llmcost_qknorm_kind qk_norm;
    bool four_norms;      /* pre and post norms around attention and MLP (Gemma 2/3) */
    bool post_norms_only; /* norms only after attention and MLP (OLMo 2) */
    bool fused_qkv;       /* one qkv matrix (Phi-3) */
    bool attn_bias_dflt;  /* default of attention_bias */
    bool sinks;           /* per-head attention sinks (gpt-oss) */
    const char *label;
} type_info;

static const type_info types[] = {
    {"llama", FAM_LLAMA, false, false, LLMCOST_QKNORM_NONE, false, false, false, false, false, "Llama"},
    {"mistral", FAM_LLAMA, false, false, LLMCOST_QKNORM_NONE, false, false, false, false, false, "Mistral"},
    {"mixtral", FAM_LLAMA, false, false, LLMCOST_QKNORM_NONE, false, false, false, false, false, "Mixtral"},
    {"qwen2", FAM_LLAMA, false, true, LLMCOST_QKNORM_NONE, false, false, false, false, false, "Qwen2"},
    {"qwen2_moe", FAM_LLAMA, false, true, LLMCOST_QKNORM_NONE, false, false, false, false, false, "Qwen2-MoE"},
    {"qwen3", FAM_LLAMA, false, false, LLMCOST_QKNORM_HEAD, false, false, false, false, false, "Qwen3"},
    {"qwen3_moe", FAM_LLAMA, false, false, LLMCOST_QKNORM_HEAD, false, false, false, false, false, "Qwen3-MoE"},
    {"gemma", FAM_LLAMA, true, false, LLMCOST_QKNORM_NONE, false, false, false, false, false, "Gemma"},
    {"gemma2", FAM_LLAMA, true, false, LLMCOST_QKNORM_NONE, true, false, false, false, false, "Gemma 2"},
    {"gemma3_text", FAM_LLAMA, true, false, LLMCOST_QKNORM_HEAD, true, false, false, false, false, "Gemma 3"},
    {"deepseek_v2", FAM_LLAMA, false, false, LLMCOST_QKNORM_NONE, false, false, false, false, false, "DeepSeek-V2"},
    {"deepseek_v3", FAM_LLAMA, false, false, LLMCOST_QKNORM_NONE, false, false, false, false, false, "DeepSeek-V3"},
    {"phi3", FAM_LLAMA, false, false, LLMCOST_QKNORM_NONE, false, false, true, false, false, "Phi-3"},
    {"olmo2", FAM_LLAMA, false, false, LLMCOST_QKNORM_PROJECTION, false, true, false, false, false, "OLMo 2"},
    {"olmoe", FAM_LLAMA, false, false, LLMCOST_QKNORM_PROJECTION, false, false, false, false, false, "OLMoE"},
    {"gpt_oss", FAM_LLAMA, false, false, LLMCOST_QKNORM_NONE, false, false, false, true, true, "gpt-oss"},
    {"gpt2", FAM_GPT2, true, false, LLMCOST_QKNORM_NONE, false, false, true, true, false, "GPT-2"},
    {"opt", FAM_OPT, true, false, LLMCOST_QKNORM_NONE, false, false, false, true, false, "OPT"},
    {"falcon", FAM_FALCON, true, false, LLMCOST_QKNORM_NONE, false, false, true, false, false, "Falcon"},
    {"gpt_neox", FAM_NEOX, false, false, LLMCOST_QKNORM_NONE, false, false, true, true, false, "GPT-NeoX"},
    /* Llama-like layouts adjusted by adjust_family(): norms, biases, MLP form, parallel blocks, logit scales. */
    {"granite", FAM_LLAMA, false, false, LLMCOST_QKNORM_NONE, false, false, false, false, false, "Granite"},
    {"olmo", FAM_LLAMA, false, false, LLMCOST_QKNORM_NONE, false, false, false, false, false, "OLMo"},
    {"cohere", FAM_LLAMA, true, false, LLMCOST_QKNORM_NONE, false, false, false, false, false, "Cohere"},
    {"stablelm", FAM_LLAMA, false, false, LLMCOST_QKNORM_NONE, false, false, false, false, false, "StableLM"},
    {"starcoder2", FAM_LLAMA, true, false, LLMCOST_QKNORM_NONE, false, false, false, true, false, "StarCoder2"},
    {"phi", FAM_LLAMA, false, false, LLMCOST_QKNORM_NONE, false, false, false, true, false, "Phi"},
    {"gpt_bigcode", FAM_GPT2, true, false, LLMCOST_QKNORM_NONE, false, false, true, true, false, "GPT-BigCode"},
    {"gptj", FAM_GPTJ, false, false, LLMCOST_QKNORM_NONE, false, false, false, false, false, "GPT-J"},
    {"bloom", FAM_BLOOM, true, false, LLMCOST_QKNORM_NONE, false, false, true, true, false, "BLOOM"},
    {"mpt", FAM_MPT, true, false, LLMCOST_QKNORM_NONE, false, false, true, false, false, "MPT"},
};

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

static void note(llmcost_model *m, const char *fmt, ...)
{
    size_t n = strlen(m->notes);
    if (n + 2 >= sizeof m->notes)
        return;
    /* A note quotes config values (hidden_act); escaping keeps it one line, since lines separate notes. */
    char raw[sizeof m->notes];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(raw, sizeof raw, fmt, ap);
    va_end(ap);
    lc_one_line(m->notes + n, sizeof m->notes - n - 1, raw);
    n = strlen(m->notes);
    if (n + 1 < sizeof m->notes) {
        m->notes[n] = '\n';
        m->notes[n + 1] = '\0';
    }
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
        } else if (!strcmp(s, "full_attention")) {
            m->layers[i].attn.sliding_window = 0;
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
    lc_strlcpy(m->act_name, act, sizeof m->act_name);
    m->act = act_kind(act);
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

/* MoE keys of the Llama-like families. "moe" receives, per layer, whether its FFN is a mixture. */
static int read_moe(const lc_cfg *c, const type_info *ti, llmcost_model *m, int64_t d_ff, bool mlp_bias)
{
    int64_t experts = 0, top_k = 0, moe_ff = 0, shared = 0, shared_ff = 0, first_dense = 0, freq = 1, step = 1;
    const char *const *expert_keys = LC_KEYS("num_local_experts", "num_experts", "n_routed_experts");
    TRY(lc_cfg_count(c, &experts, expert_keys, 0));
    if (experts == 0) {
        for (int64_t i = 0; i < m->n_layers; i++)
            m->layers[i].ffn.dense = (llmcost_mlp){d_ff, true, mlp_bias};
        return 0;
    }
    const char *ekey = lc_cfg_which(c, expert_keys);
    TRY(lc_cfg_req_size(c, &top_k, LC_KEYS("num_experts_per_tok", "experts_per_token", "moe_top_k")));
    if (top_k > experts)
        return lc_fail(LLMCOST_EINVAL, "%s: key '%s%s' (%lld) is above the expert count '%s%s' (%lld)", c->origin,
                       c->prefix, lc_cfg_which(c, LC_KEYS("num_experts_per_tok", "experts_per_token", "moe_top_k")),
                       (long long)top_k, c->prefix, ekey, (long long)experts);
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
    TRY(lc_cfg_count(c, &first_dense, LC_KEYS("first_k_dense_replace"), 0));
    TRY(lc_cfg_size(c, &freq, LC_KEYS("moe_layer_freq"), 1));
    TRY(lc_cfg_size(c, &step, LC_KEYS("decoder_sparse_step"), 1));
    bool *mlp_only = calloc((size_t)m->n_layers, sizeof *mlp_only);
    if (!mlp_only)
        return lc_fail(LLMCOST_ENOMEM, "out of memory");
    int rc = read_index_list(c, "mlp_only_layers", mlp_only, m->n_layers);
    if (rc < 0) {
        free(mlp_only);
        return rc;
    }
    bool deepseek = !strncmp(ti->type, "deepseek", 8);
    bool qwen_moe = !strcmp(ti->type, "qwen2_moe") || !strcmp(ti->type, "qwen3_moe");
    for (int64_t i = 0; i < m->n_layers; i++) {
        llmcost_ffn *f = &m->layers[i].ffn;
        bool sparse = true;
        if (deepseek)
            sparse = i >= first_dense && i % freq == 0; /* DeepSeek-V2/V3 modeling: first_k_dense_replace */
        else if (qwen_moe)
            sparse = !mlp_only[i] && (i + 1) % step == 0; /* Qwen2/3-MoE: decoder_sparse_step, mlp_only_layers */
        if (!sparse) {
            f->dense = (llmcost_mlp){d_ff, true, mlp_bias};
            continue;
        }
        f->moe = true;
        f->n_experts = experts;
        f->top_k = top_k;
        f->expert = (llmcost_mlp){moe_ff, true, !strcmp(ti->type, "gpt_oss")};
        f->router_bias = !strcmp(ti->type, "gpt_oss");
        if (shared_ff > 0) {
            f->n_shared = shared > 0 ? shared : 1;
            f->shared = (llmcost_mlp){shared_ff, true, false};
            f->shared_gate = !strcmp(ti->type, "qwen2_moe");
        }
        f->score_correction_bias = !strcmp(ti->type, "deepseek_v3");
        /* Routers (transformers 5.17): Mixtral's softmax(logits.float()) top-k weights and DeepSeek's MoEGate (fp32
         * linear on fp32 copies) stay fp32; Qwen2/3-MoE and OLMoE cast them back to the logits' dtype, gpt-oss
         * soft-maxes in it (the saved-tensor census of h200_measured_2026-11-28.json shows fp32 [S, 1] weights for
         * Mixtral, bf16 for Qwen3-MoE, and DeepSeek-V3's fp32 copies of the router input and weight). */
        f->fp32_routing = deepseek || !strcmp(ti->type, "mixtral");
        f->fp32_router = deepseek;
    }
    free(mlp_only);
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

/* Families laid out like Llama (embedding, decoder layers, final norm, head) that differ in their norms, biases,
 * MLP form or residual wiring; each as its transformers modeling_<type>.py builds it, with the defaults of its
 * configuration_<type>.py for keys a config may omit. */
static int adjust_family(const lc_cfg *c, const type_info *ti, llmcost_model *m)
{
    const char *t = ti->type;
    if (!strcmp(t, "olmo")) {
        /* OlmoLayerNorm: F.layer_norm without weight or bias. */
        m->norm = LLMCOST_NORM_LAYER_NOPARAM;
        return 0;
    }
    if (!strcmp(t, "granite")) {
        /* GraniteForCausalLM divides the logits by logits_scaling (default 1); the embedding, residual and
         * attention multipliers are scalars, no parameters. */
        double ls = 1.0;
        TRY(lc_cfg_real(c, &ls, LC_KEYS("logits_scaling"), 1.0));
        if (ls <= 0)
            return lc_fail(LLMCOST_EINVAL, "%s: key '%slogits_scaling': must be positive, got %g", c->origin, c->prefix, ls);
        m->logit_scale = ls != 1.0 ? 1.0 / ls : 0;
        return 0;
    }
    if (!strcmp(t, "cohere")) {
        /* CohereLayerNorm (a weight, no bias); one input_layernorm feeds attention and MLP in parallel; optional
         * q/k norms over (heads, head_dim); logits times logit_scale (CohereConfig default 0.0625). */
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
    if (!strcmp(t, "stablelm")) {
        /* nn.LayerNorm with bias; q/k/v biases from use_qkv_bias, o_proj bias-free; partial rotary (default
         * 0.25); use_parallel_residual drops post_attention_layernorm; qk_layernorm: one bias-free LayerNorm per
         * head (StableLmLayerNormPerHead), weights heads x head_dim. */
        bool qkv_bias = false, parallel = false, qk = false;
        TRY(lc_cfg_bool(c, &qkv_bias, LC_KEYS("use_qkv_bias"), false));
        TRY(lc_cfg_bool(c, &parallel, LC_KEYS("use_parallel_residual"), false));
        TRY(lc_cfg_bool(c, &qk, LC_KEYS("qk_layernorm"), false));
        TRY(lc_cfg_real(c, &m->dropout_resid, LC_KEYS("hidden_dropout"), 0.0));
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
    if (!strcmp(t, "starcoder2")) {
        /* nn.LayerNorm; q/k/v/o and the plain c_fc/c_proj MLP all carry biases when use_bias (default true). */
        bool bias = true;
        TRY(lc_cfg_bool(c, &bias, LC_KEYS("use_bias"), true));
        TRY(read_act(c, m, "gelu_pytorch_tanh"));
        TRY(lc_cfg_real(c, &m->dropout_resid, LC_KEYS("residual_dropout"), 0.0));
        TRY(lc_cfg_real(c, &m->dropout_embed, LC_KEYS("embedding_dropout"), 0.0));
        m->norm = LLMCOST_NORM_LAYER;
        for (int64_t i = 0; i < m->n_layers; i++) {
            llmcost_layer *L = &m->layers[i];
            L->attn.q_bias = L->attn.k_bias = L->attn.v_bias = L->attn.o_bias = bias;
            L->ffn.dense.gated = false;
            L->ffn.dense.bias = bias;
        }
        return 0;
    }
    if (!strcmp(t, "phi")) {
        /* PhiDecoderLayer: one LayerNorm feeds attention and a plain fc1/fc2 MLP in parallel; q/k/v/dense and fc1/fc2
         * carry biases; partial rotary (PhiConfig default 0.5); optional per-head LayerNorms on q and k
         * (qk_layernorm, with biases); the LM head has a bias. */
        bool qk = false;
        TRY(lc_cfg_bool(c, &qk, LC_KEYS("qk_layernorm"), false));
        TRY(read_act(c, m, "gelu_new"));
        TRY(lc_cfg_real(c, &m->dropout_resid, LC_KEYS("resid_pdrop"), 0.0));
        TRY(lc_cfg_real(c, &m->dropout_embed, LC_KEYS("embd_pdrop"), 0.0));
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
    return 0;
}

static int build_llama(const lc_cfg *c, const type_info *ti, llmcost_model *m, bool generic)
{
    int64_t heads, kv, head_dim, d_ff = 0;
    TRY(read_core(c, m, &heads, &kv, &head_dim));
    bool is_moe = lc_cfg_which(c, LC_KEYS("num_local_experts", "num_experts", "n_routed_experts")) != NULL;
    /* A pure MoE model may size experts by moe_intermediate_size and have no dense width. */
    if (is_moe && lc_cfg_which(c, LC_KEYS("intermediate_size")) == NULL)
        TRY(lc_cfg_req_size(c, &d_ff, LC_KEYS("moe_intermediate_size")));
    else
        TRY(lc_cfg_req_size(c, &d_ff, LC_KEYS("intermediate_size")));
    bool attn_bias, mlp_bias;
    TRY(lc_cfg_bool(c, &attn_bias, LC_KEYS("attention_bias"), ti->attn_bias_dflt));
    TRY(lc_cfg_bool(c, &mlp_bias, LC_KEYS("mlp_bias"), false));
    TRY(lc_cfg_bool(c, &m->tied, LC_KEYS("tie_word_embeddings"), ti->tied));
    TRY(read_act(c, m, "silu"));
    double partial = 1.0;
    json_t *rp = json_object_get(c->obj, "rope_parameters");
    if (json_is_object(rp)) {
        lc_cfg rc = {rp, c->origin, "rope_parameters."};
        TRY(lc_cfg_real(&rc, &partial, LC_KEYS("partial_rotary_factor"), 1.0));
    }
    TRY(lc_cfg_real(c, &partial, LC_KEYS("partial_rotary_factor"), partial));
    if (partial <= 0 || partial > 1)
        return lc_fail(LLMCOST_EINVAL, "%s: key '%spartial_rotary_factor': must be in (0, 1], got %g", c->origin,
                       c->prefix, partial);
    TRY(lc_cfg_real(c, &m->dropout_attn, LC_KEYS("attention_dropout"), 0.0));
    TRY(lc_cfg_real(c, &m->logit_softcap, LC_KEYS("final_logit_softcapping"), 0.0));
    double attn_softcap = 0;
    TRY(lc_cfg_real(c, &attn_softcap, LC_KEYS("attn_logit_softcapping"), 0.0));

    /* MLA (DeepSeek-V2 §2.1): low-rank queries and a compressed key/value latent. */
    bool mla = !strncmp(ti->type, "deepseek", 8);
    int64_t q_lora = 0, kv_lora = 0, nope = 0, rope = 0, vdim = 0;
    if (mla) {
        TRY(lc_cfg_count(c, &q_lora, LC_KEYS("q_lora_rank"), 0));
        TRY(lc_cfg_req_size(c, &kv_lora, LC_KEYS("kv_lora_rank")));
        TRY(lc_cfg_req_size(c, &nope, LC_KEYS("qk_nope_head_dim")));
        TRY(lc_cfg_req_size(c, &rope, LC_KEYS("qk_rope_head_dim")));
        TRY(lc_cfg_req_size(c, &vdim, LC_KEYS("v_head_dim")));
    }

    /* Sliding windows: Mistral and Phi-3 apply sliding_window to every layer; Qwen2 only with
     * use_sliding_window from max_window_layers on; Gemma 2 on even layers; Gemma 3 on all but every 6th. */
    int64_t window = 0;
    TRY(lc_cfg_count(c, &window, LC_KEYS("sliding_window"), 0));
    bool use_sw = true;
    TRY(lc_cfg_bool(c, &use_sw, LC_KEYS("use_sliding_window"), true));

    for (int64_t i = 0; i < m->n_layers; i++) {
        llmcost_layer *L = &m->layers[i];
        llmcost_attention *a = &L->attn;
        set_attention(a, heads, kv, head_dim);
        a->rotary_dim = (int64_t)(head_dim * partial);
        a->fused_qkv = ti->fused_qkv;
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
        if (ti->four_norms) {
            L->norm_pre_attn = L->norm_post_attn = L->norm_pre_ffn = L->norm_post_ffn = true;
        } else if (ti->post_norms_only) {
            L->norm_post_attn = L->norm_post_ffn = true;
        } else {
            L->norm_pre_attn = L->norm_pre_ffn = true;
        }
    }
    /* Per-layer attention kinds. */
    int lt = read_layer_types(c, m, window);
    TRY(lt);
    if (!lt && window > 0) {
        const char *t = ti->type;
        for (int64_t i = 0; i < m->n_layers; i++) {
            bool sliding = false;
            if (!strcmp(t, "mistral") || !strcmp(t, "mixtral") || !strcmp(t, "phi3") || !strcmp(t, "starcoder2"))
                sliding = true;
            else if (!strcmp(t, "qwen2") || !strcmp(t, "qwen2_moe") || !strcmp(t, "qwen3") || !strcmp(t, "qwen3_moe")) {
                int64_t mwl = 0;
                TRY(lc_cfg_count(c, &mwl, LC_KEYS("max_window_layers"), 0));
                sliding = use_sw && i >= mwl;
            } else if (!strcmp(t, "gemma2"))
                sliding = i % 2 == 0;
            else if (!strcmp(t, "gemma3_text")) {
                int64_t pattern = 6;
                TRY(lc_cfg_size(c, &pattern, LC_KEYS("sliding_window_pattern"), 6));
                sliding = (i + 1) % pattern != 0;
            }
            if (sliding && use_sw)
                m->layers[i].attn.sliding_window = window;
        }
    }
    TRY(read_moe(c, ti, m, d_ff, mlp_bias));
    m->norm = LLMCOST_NORM_RMS;
    m->final_norm = true;
    m->pos = LLMCOST_POS_ROTARY;

    /* Multi-token prediction (DeepSeek-V3 §2.2): HF transformers does not build these modules. */
    int64_t mtp = 0;
    TRY(lc_cfg_count(c, &mtp, LC_KEYS("num_nextn_predict_layers"), 0));
    if (mtp > 0) {
        m->mtp.n_modules = mtp;
        m->mtp.layer = m->layers[m->n_layers - 1];
    }
    if (!generic)
        TRY(adjust_family(c, ti, m));
    if (generic) {
        note(m, "unknown model_type: read as a Llama-style decoder (RMSNorm before attention and MLP, rotary positions,"
                " gated %s MLP with 3 matrices, %s, %s)",
             m->act_name, attn_bias ? "attention biases" : "no biases",
             m->tied ? "tied embeddings" : "untied LM head (tie_word_embeddings absent or false)");
        if (is_moe)
            note(m, "unknown model_type: every layer taken as a mixture of experts with a bias-free router");
    }
    return 0;
}

/* GPT-2, and GPT-BigCode (SantaCoder, StarCoder), which keeps GPT-2's layout with multi-query attention: c_attn
 * projects to h + 2 head_dim (one key and one value head) when multi_query (GPTBigCodeConfig default true). */
static int build_gpt2(const lc_cfg *c, const type_info *ti, llmcost_model *m)
{
    int64_t heads, kv, head_dim, inner;
    bool bigcode = !strcmp(ti->type, "gpt_bigcode"), multi_query = false;
    TRY(read_core(c, m, &heads, &kv, &head_dim));
    TRY(lc_cfg_size(c, &inner, LC_KEYS("n_inner"), 4 * m->hidden));
    TRY(lc_cfg_bool(c, &m->tied, LC_KEYS("tie_word_embeddings"), true));
    TRY(read_act(c, m, bigcode ? "gelu_pytorch_tanh" : "gelu_new"));
    if (bigcode)
        TRY(lc_cfg_bool(c, &multi_query, LC_KEYS("multi_query"), true));
    if (m->max_positions == 0)
        m->max_positions = 1024; /* GPT2Config and GPTBigCodeConfig default n_positions */
    TRY(lc_cfg_real(c, &m->dropout_resid, LC_KEYS("resid_pdrop"), 0.1));
    TRY(lc_cfg_real(c, &m->dropout_embed, LC_KEYS("embd_pdrop"), 0.1));
    TRY(lc_cfg_real(c, &m->dropout_attn, LC_KEYS("attn_pdrop"), 0.1));
    for (int64_t i = 0; i < m->n_layers; i++) {
        llmcost_layer *L = &m->layers[i];
        set_attention(&L->attn, heads, multi_query ? 1 : heads, head_dim);
        L->attn.rotary_dim = 0;
        L->attn.fused_qkv = true;
        L->attn.q_bias = L->attn.k_bias = L->attn.v_bias = L->attn.o_bias = true;
        L->ffn.dense = (llmcost_mlp){inner, false, true};
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
    TRY(lc_cfg_real(c, &m->dropout_resid, LC_KEYS("dropout"), 0.1));
    TRY(lc_cfg_real(c, &m->dropout_attn, LC_KEYS("attention_dropout"), 0.0));
    if (m->max_positions == 0)
        return lc_fail(LLMCOST_EINVAL, "%s: missing key '%smax_position_embeddings'", c->origin, c->prefix);
    for (int64_t i = 0; i < m->n_layers; i++) {
        llmcost_layer *L = &m->layers[i];
        set_attention(&L->attn, heads, heads, head_dim);
        L->attn.rotary_dim = 0;
        L->attn.q_bias = L->attn.k_bias = L->attn.v_bias = L->attn.o_bias = bias;
        L->ffn.dense = (llmcost_mlp){ffn, false, bias};
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
    TRY(lc_cfg_real(c, &m->dropout_attn, LC_KEYS("attention_dropout"), 0.0));
    TRY(lc_cfg_real(c, &m->dropout_resid, LC_KEYS("hidden_dropout"), 0.0));
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
        L->ffn.dense = (llmcost_mlp){ffn, false, bias};
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
        L->ffn.dense = (llmcost_mlp){ffn, false, true};
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
    TRY(lc_cfg_real(c, &m->dropout_resid, LC_KEYS("resid_pdrop"), 0.0));
    TRY(lc_cfg_real(c, &m->dropout_embed, LC_KEYS("embd_pdrop"), 0.0));
    TRY(lc_cfg_real(c, &m->dropout_attn, LC_KEYS("attn_pdrop"), 0.0));
    for (int64_t i = 0; i < m->n_layers; i++) {
        llmcost_layer *L = &m->layers[i];
        set_attention(&L->attn, heads, heads, head_dim);
        L->attn.rotary_dim = rot;
        L->ffn.dense = (llmcost_mlp){inner, false, true};
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
    TRY(lc_cfg_real(c, &m->dropout_resid, LC_KEYS("hidden_dropout"), 0.0));
    TRY(lc_cfg_real(c, &m->dropout_attn, LC_KEYS("attention_dropout"), 0.0));
    for (int64_t i = 0; i < m->n_layers; i++) {
        llmcost_layer *L = &m->layers[i];
        set_attention(&L->attn, heads, heads, head_dim);
        L->attn.rotary_dim = 0;
        L->attn.fused_qkv = true;
        L->attn.q_bias = L->attn.k_bias = L->attn.v_bias = L->attn.o_bias = true;
        L->ffn.dense = (llmcost_mlp){4 * m->hidden, false, true};
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
        TRY(lc_cfg_real(&a, &m->dropout_attn, LC_KEYS("attn_pdrop"), 0.0));
    }
    m->dropout_resid = m->dropout_attn; /* MptBlock and MptMLP drop out with attn_config.attn_pdrop too */
    if (m->max_positions == 0)
        m->max_positions = 2048; /* MptConfig default max_seq_len */
    for (int64_t i = 0; i < m->n_layers; i++) {
        llmcost_layer *L = &m->layers[i];
        set_attention(&L->attn, heads, heads, head_dim);
        L->attn.rotary_dim = 0;
        L->attn.fused_qkv = true;
        L->ffn.dense = (llmcost_mlp){4 * m->hidden, false, false};
        L->norm_pre_attn = L->norm_pre_ffn = true;
    }
    m->norm = LLMCOST_NORM_LAYER_NOBIAS;
    m->final_norm = true;
    m->pos = LLMCOST_POS_ALIBI;
    return 0;
}

int64_t llmcost_model_moe_layers(const llmcost_model *m)
{
    int64_t n = 0;
    for (int64_t i = 0; i < m->n_layers; i++)
        n += m->layers[i].ffn.moe;
    return n;
}

void llmcost_model_free(llmcost_model *m)
{
    if (!m)
        return;
    free(m->layers);
    free(m);
}

/* Reads preset metadata (name, family, train_seq) from a preset wrapper object. */
static int read_meta(json_t *root, const char *origin, llmcost_model *m)
{
    lc_cfg c = {root, origin, ""};
    const char *s;
    TRY(lc_cfg_string(&c, &s, LC_KEYS("name"), ""));
    lc_strlcpy(m->name, s, sizeof m->name);
    TRY(lc_cfg_string(&c, &s, LC_KEYS("family"), ""));
    lc_strlcpy(m->family, s, sizeof m->family);
    TRY(lc_cfg_count(&c, &m->train_seq, LC_KEYS("train_seq"), 0));
    TRY(lc_cfg_string(&c, &s, LC_KEYS("train_seq_source"), ""));
    lc_strlcpy(m->train_seq_source, s, sizeof m->train_seq_source);
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
    lc_strlcpy(m->model_type, type, sizeof m->model_type);

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
    };
    for (size_t i = 0; i < sizeof class_defaults / sizeof class_defaults[0]; i++) {
        if (strcmp(type, class_defaults[i].type) || json_object_get(c.obj, class_defaults[i].key))
            continue;
        json_object_set_new(c.obj, class_defaults[i].key, json_integer(class_defaults[i].value));
        note(m, "%s%s absent: used transformers' %s default %lld", c.prefix, class_defaults[i].key,
             class_defaults[i].cls, (long long)class_defaults[i].value);
    }

    const type_info *ti = NULL;
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
        if (!strcmp(types[i].type, type))
            ti = &types[i];
    int rc;
    if (ti == NULL) {
        static const char *const need[] = {"hidden_size", "num_hidden_layers", "num_attention_heads",
                                           "intermediate_size", "vocab_size"};
        for (size_t i = 0; i < 5; i++)
            if (!lc_cfg_which(&c, (const char *const[]){need[i], NULL}))
                return lc_fail(LLMCOST_EINVAL,
                               "%s: unknown model_type '%s' and no '%s%s' key: cannot read it as a generic decoder",
                               origin, type[0] ? type : "(none)", c.prefix, need[i]);
        static const type_info generic = {"", FAM_LLAMA, false, false, LLMCOST_QKNORM_NONE, false, false,
                                          false, false, false, "unknown"};
        rc = build_llama(&c, &generic, m, true);
    } else {
        switch (ti->fam) {
        case FAM_LLAMA: rc = build_llama(&c, ti, m, false); break;
        case FAM_GPT2: rc = build_gpt2(&c, ti, m); break;
        case FAM_OPT: rc = build_opt(&c, m); break;
        case FAM_FALCON: rc = build_falcon(&c, m); break;
        case FAM_GPTJ: rc = build_gptj(&c, m); break;
        case FAM_BLOOM: rc = build_bloom(&c, m); break;
        case FAM_MPT: rc = build_mpt(&c, m); break;
        default: rc = build_neox(&c, m); break;
        }
    }
    TRY(rc);
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
    lc_strlcpy(m->origin, origin, sizeof m->origin);
    int rc = build(root, origin, m);
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
    char where[512];
    snprintf(where, sizeof where, "preset %s (%s)", spec, origin);
    lc_strlcpy((*out)->origin, where, sizeof (*out)->origin);
    if (strcmp(spec, llmcost_preset_name(p)) != 0) /* named by its repo id or in other case: its own name */
        lc_strlcpy((*out)->name, llmcost_preset_name(p), sizeof (*out)->name);
    return 0;
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
    char path[4096], hfpath[4096], repo[96] = "";
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
    if (repo[0]) /* a Hugging Face cache folder: named by its repo id */
        lc_strlcpy((*out)->name, repo, sizeof (*out)->name);
    else if ((*out)->name[0] == '\0')
        name_from_path((*out)->name, sizeof (*out)->name, path);
    return 0;
}
