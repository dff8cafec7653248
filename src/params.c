/* params.c - exact parameter counts, module by module as the transformers implementations build them. */
#include <string.h>

#include "internal.h"
#include "llmcost/params.h"

/* nn.Linear(in, out, bias): in*out weights + out biases. */
static int64_t linear(lc_ck *c, int64_t in, int64_t out, bool bias)
{
    return lc_ck_add(c, lc_ck_mul(c, in, out), bias ? out : 0);
}

/* A norm of width "w": RMSNorm has a weight, LayerNorm a weight and a bias (MPT's and Cohere's a weight only, OLMo's
 * none). */
static int64_t norm(lc_ck *c, llmcost_norm_kind k, int64_t w)
{
    return lc_ck_mul(c, w, llmcost_norm_weights(k));
}

/* An MLP: gated = gate and up (hidden -> d_ff) and down (d_ff -> hidden); plain = up and down. */
static int64_t mlp(lc_ck *c, int64_t hidden, const llmcost_mlp *p)
{
    if (p->d_ff == 0)
        return 0;
    int64_t up = linear(c, hidden, p->d_ff, p->bias);
    int64_t n = lc_ck_add(c, up, linear(c, p->d_ff, hidden, p->bias));
    return p->gated ? lc_ck_add(c, n, up) : n;
}

static int64_t attention(lc_ck *c, int64_t h, const llmcost_attention *a)
{
    llmcost_norm_kind nk = a->qk_norm_type;
    int64_t n = 0;
    if (a->kind == LLMCOST_ATTN_MLA) {
        /* DeepSeek-V2 §2.1: W_DQ (q_a_proj), its RMSNorm, W_UQ|W_QR (q_b_proj); or W_Q directly;
         * W_DKV|W_KR (kv_a_proj_with_mqa), its RMSNorm, W_UK|W_UV (kv_b_proj); W_O. */
        int64_t qk = a->qk_nope_head_dim + a->qk_rope_head_dim;
        if (a->q_lora_rank > 0) {
            n = lc_ck_add(c, n, linear(c, h, a->q_lora_rank, a->q_bias));
            n = lc_ck_add(c, n, a->q_lora_rank);
            n = lc_ck_add(c, n, linear(c, a->q_lora_rank, lc_ck_mul(c, a->n_heads, qk), false));
        } else {
            n = lc_ck_add(c, n, linear(c, h, lc_ck_mul(c, a->n_heads, qk), false));
        }
        n = lc_ck_add(c, n, linear(c, h, a->kv_lora_rank + a->qk_rope_head_dim, a->k_bias));
        n = lc_ck_add(c, n, a->kv_lora_rank);
        n = lc_ck_add(c, n, linear(c, a->kv_lora_rank, lc_ck_mul(c, a->n_heads, a->qk_nope_head_dim + a->v_head_dim), false));
        n = lc_ck_add(c, n, linear(c, lc_ck_mul(c, a->n_heads, a->v_head_dim), h, a->o_bias));
        if (a->index_n_heads > 0) {
            /* DeepSeek-V3.2's Indexer (model.py): wq_b (q latent -> heads x dim), wk (h -> dim), k_norm (a LayerNorm
             * with weight and bias), weights_proj (h -> heads); all Linears bias-free. */
            int64_t ih = a->index_n_heads, id = a->index_head_dim;
            n = lc_ck_add(c, n, linear(c, a->q_lora_rank > 0 ? a->q_lora_rank : h, lc_ck_mul(c, ih, id), false));
            n = lc_ck_add(c, n, lc_ck_add(c, linear(c, h, id, false), lc_ck_mul(c, 2, id)));
            n = lc_ck_add(c, n, linear(c, h, ih, false));
        }
    } else {
        int64_t q = lc_ck_mul(c, a->n_heads, a->head_dim), k = lc_ck_mul(c, a->n_kv_heads, a->head_dim);
        int64_t v = lc_ck_mul(c, a->n_kv_heads, a->v_head_dim);
        /* Qwen3NextAttention: q_proj h -> 2 heads x head_dim, the queries and their output gate */
        n = lc_ck_add(c, n, linear(c, h, a->output_gate ? lc_ck_mul(c, 2, q) : q, a->q_bias));
        n = lc_ck_add(c, n, linear(c, h, k, a->k_bias));
        n = lc_ck_add(c, n, linear(c, h, v, a->v_bias));
        n = lc_ck_add(c, n, linear(c, lc_ck_mul(c, a->n_heads, a->v_head_dim), h, a->o_bias));
        if (a->qk_norm == LLMCOST_QKNORM_HEAD)
            n = lc_ck_add(c, n, lc_ck_add(c, norm(c, nk, a->head_dim), norm(c, nk, a->head_dim)));
        else if (a->qk_norm == LLMCOST_QKNORM_PROJECTION)
            n = lc_ck_add(c, n, lc_ck_add(c, norm(c, nk, q), norm(c, nk, k)));
    }
    if (a->sinks)
        n = lc_ck_add(c, n, a->n_heads);
    return n;
}

/* A state-space mixer, as transformers builds it (docs/formulas.md "State-space mixers").
 * Mamba (MambaMixer, modeling_mamba.py; FalconMamba's is the same): in_proj h -> 2 d_inner, conv1d of d_inner
 * channels (depthwise, kernel d_conv, optional bias), x_proj d_inner -> dt_rank + 2 d_state (no bias), dt_proj
 * dt_rank -> d_inner (with bias), A_log d_inner x d_state, D d_inner, out_proj d_inner -> h.
 * Mamba-2 (Mamba2Mixer, modeling_mamba2.py; NemotronHMamba2Mixer): conv_dim = d_inner + 2 n_groups d_state;
 * in_proj h -> d_inner (z) + conv_dim (x, B, C) + n_heads (dt), conv1d of conv_dim channels, dt_bias, A_log and D
 * of n_heads, the gated RMSNorm's weight of d_inner, out_proj d_inner -> h. */
/* Gated DeltaNet (Qwen3NextGatedDeltaNet, modular_qwen3_next.py): key_dim = n_groups x d_state, value_dim = d_inner;
 * in_proj_qkvz h -> 2 key_dim + 2 value_dim and in_proj_ba h -> 2 n_heads (bias-free), conv1d over the conv_dim =
 * 2 key_dim + value_dim channels of q, k, v (depthwise, kernel d_conv, bias-free), dt_bias and A_log of n_heads, the
 * gated RMSNorm's weight of head_dim, out_proj value_dim -> h (bias-free). */
static int64_t gated_deltanet_params(lc_ck *c, int64_t h, const llmcost_ssm *s)
{
    int64_t key = lc_ck_mul(c, s->n_groups, s->d_state), val = s->d_inner;
    int64_t conv = lc_ck_add(c, lc_ck_mul(c, 2, key), val);
    int64_t n = linear(c, h, lc_ck_add(c, conv, val), false);
    n = lc_ck_add(c, n, linear(c, h, lc_ck_mul(c, 2, s->n_heads), false));
    n = lc_ck_add(c, n, lc_ck_add(c, lc_ck_mul(c, conv, s->d_conv), s->conv_bias ? conv : 0));
    n = lc_ck_add(c, n, lc_ck_mul(c, 2, s->n_heads));
    if (s->gated_norm)
        n = lc_ck_add(c, n, s->head_dim);
    return lc_ck_add(c, n, linear(c, val, h, s->proj_bias));
}

/* Lightning attention (MiniMaxLightningAttention, modular_minimax.py): qkv_proj h -> 3 d_inner, output_gate
 * h -> d_inner, out_proj d_inner -> h (all bias-free) and the RMSNorm's weight of d_inner. Its persistent buffers are
 * counted apart (lightning_buffers). */
static int64_t lightning_params(lc_ck *c, int64_t h, const llmcost_ssm *s)
{
    int64_t n = linear(c, h, lc_ck_mul(c, 3, s->d_inner), false);
    n = lc_ck_add(c, n, linear(c, h, s->d_inner, false));
    n = lc_ck_add(c, n, linear(c, s->d_inner, h, false));
    return lc_ck_add(c, n, s->d_inner);
}

/* Its register_buffer tensors, persistent so in the state dict: slope_rate [H, 1, 1], query_decay and key_decay
 * [H, B, 1], diagonal_decay [1, H, B, B] (B = block_size, chunk_size here). */
static int64_t lightning_buffers(lc_ck *c, const llmcost_ssm *s)
{
    int64_t B = s->chunk_size;
    int64_t n = lc_ck_add(c, s->n_heads, lc_ck_mul(c, 2, lc_ck_mul(c, s->n_heads, B)));
    return lc_ck_add(c, n, lc_ck_mul(c, s->n_heads, lc_ck_mul(c, B, B)));
}

static int64_t ssm_params(lc_ck *c, int64_t h, const llmcost_ssm *s)
{
    if (s->kind == LLMCOST_SSM_GATED_DELTANET)
        return gated_deltanet_params(c, h, s);
    if (s->kind == LLMCOST_SSM_LIGHTNING)
        return lightning_params(c, h, s);
    int64_t di = s->d_inner, n = 0, conv;
    if (s->kind == LLMCOST_SSM_MAMBA1) {
        conv = di;
        n = lc_ck_add(c, n, linear(c, h, lc_ck_mul(c, 2, di), s->proj_bias));
        n = lc_ck_add(c, n, linear(c, di, lc_ck_add(c, s->dt_rank, lc_ck_mul(c, 2, s->d_state)), false));
        n = lc_ck_add(c, n, linear(c, s->dt_rank, di, true));
        n = lc_ck_add(c, n, lc_ck_add(c, lc_ck_mul(c, di, s->d_state), di));
        if (s->dt_bc_norms) /* Jamba: dt_layernorm, b_layernorm, c_layernorm */
            n = lc_ck_add(c, n, lc_ck_add(c, s->dt_rank, lc_ck_mul(c, 2, s->d_state)));
    } else {
        conv = lc_ck_add(c, di, lc_ck_mul(c, 2, lc_ck_mul(c, s->n_groups, s->d_state)));
        n = lc_ck_add(c, n, linear(c, h, lc_ck_add(c, lc_ck_add(c, di, conv), s->n_heads), s->proj_bias));
        n = lc_ck_add(c, n, lc_ck_mul(c, 3, s->n_heads));
        if (s->gated_norm)
            n = lc_ck_add(c, n, di);
    }
    n = lc_ck_add(c, n, lc_ck_add(c, lc_ck_mul(c, conv, s->d_conv), s->conv_bias ? conv : 0));
    return lc_ck_add(c, n, linear(c, di, h, s->proj_bias));
}

/* The weights of one shared block (modular_zamba2.py, Zamba2AttentionDecoderLayer), counted once on the model:
 * ZambaAttention's q, k, v from in_width and o to hidden (bias-free), Zamba2MLP's gate_up_proj h -> 2f and down_proj
 * f -> h, input_layernorm of in_width and pre_ff_layernorm of hidden. */
static void shared_block_weights(lc_ck *c, const llmcost_model *m, int64_t *attn, int64_t *mlp_w, int64_t *norms)
{
    const llmcost_shared_blocks *sb = &m->shared;
    int64_t h = m->hidden, w = sb->in_width;
    const llmcost_attention *a = &sb->attn;
    int64_t q = lc_ck_mul(c, a->n_heads, a->head_dim), kv = lc_ck_mul(c, a->n_kv_heads, a->head_dim);
    *attn = lc_ck_add(c, linear(c, w, q, a->q_bias), lc_ck_mul(c, 2, linear(c, w, kv, a->k_bias)));
    *attn = lc_ck_add(c, *attn, linear(c, q, h, a->o_bias));
    *mlp_w = mlp(c, h, &sb->mlp);
    *norms = lc_ck_add(c, norm(c, m->norm, w), norm(c, m->norm, h));
}

/* What each invocation adds to the layer that makes it: the hybrid layer's Linear(h, h, bias=False), with
 * attn_adapters the q, k and v adapters (in_width -> r -> in_width each) in "attention", the gate_up adapter
 * (h -> r -> 2f) in "mlp". */
static void shared_invocation_params(lc_ck *c, const llmcost_model *m, int64_t *attn, int64_t *mlp_w)
{
    const llmcost_shared_blocks *sb = &m->shared;
    int64_t h = m->hidden, w = sb->in_width, r = sb->adapter_rank;
    *attn = linear(c, h, h, false);
    if (sb->attn_adapters)
        *attn = lc_ck_add(c, *attn, lc_ck_mul(c, 3, lc_ck_add(c, linear(c, w, r, false), linear(c, r, w, false))));
    *mlp_w = lc_ck_add(c, linear(c, h, r, false), linear(c, r, lc_ck_mul(c, 2, sb->mlp.d_ff), false));
}

/* Zamba2's shared transformer blocks (modular_zamba2.py, Zamba2AttentionDecoderLayer and Zamba2HybridLayer): each of
 * the n_blocks registered blocks once, RMSNorm of in_width, q, k, v in_width -> heads x head_dim, o -> h, RMSNorm of
 * h, gate_up_proj h -> 2f and down_proj f -> h; the per-invocation adapters and Linear are the invoking layers'
 * (shared_invocation_params, in layer_params), so that a layer's count says what its stage holds. */
static void shared_block_params(lc_ck *c, int64_t *pc, const llmcost_model *m)
{
    const llmcost_shared_blocks *sb = &m->shared;
    if (sb->n_blocks <= 0)
        return;
    int64_t attn, mlp_w, norms;
    shared_block_weights(c, m, &attn, &mlp_w, &norms);
    pc[LLMCOST_PC_ATTENTION] = lc_ck_add(c, pc[LLMCOST_PC_ATTENTION], lc_ck_mul(c, sb->n_blocks, attn));
    pc[LLMCOST_PC_MLP] = lc_ck_add(c, pc[LLMCOST_PC_MLP], lc_ck_mul(c, sb->n_blocks, mlp_w));
    pc[LLMCOST_PC_NORMS] = lc_ck_add(c, pc[LLMCOST_PC_NORMS], lc_ck_mul(c, sb->n_blocks, norms));
}

int lc_params_shared_blocks(double *matmul, double *norms, const llmcost_model *m)
{
    *matmul = *norms = 0;
    if (m->shared.n_blocks <= 0)
        return 0;
    lc_ck c = {false};
    int64_t attn, mlp_w, nw;
    shared_block_weights(&c, m, &attn, &mlp_w, &nw);
    if (c.overflow)
        return lc_fail(LLMCOST_EOVERFLOW, "%s: the shared blocks' parameter count overflows 64 bits", m->origin);
    *matmul = (double)m->shared.n_blocks * ((double)attn + (double)mlp_w);
    *norms = (double)m->shared.n_blocks * (double)nw;
    return 0;
}

static void layer_params(lc_ck *c, llmcost_layer_params *out, const llmcost_model *m, const llmcost_layer *l)
{
    int64_t h = m->hidden;
    memset(out, 0, sizeof *out);
    /* "attention" is the layer's token mixer: its attention, its state-space mixer, or both (Falcon-H1). */
    out->attention = l->attn.n_heads > 0 ? attention(c, h, &l->attn) : 0;
    const llmcost_ssm *s = llmcost_layer_ssm(m, l);
    if (s)
        out->attention = lc_ck_add(c, out->attention, ssm_params(c, h, s));
    int nn = l->norm_pre_attn + l->norm_post_attn + l->norm_pre_ffn + l->norm_post_ffn;
    out->norms = lc_ck_mul(c, nn, norm(c, m->norm, h));
    const llmcost_ffn *f = &l->ffn;
    if (f->moe) {
        out->expert = mlp(c, h, &f->expert);
        out->routed_experts = lc_ck_mul(c, f->n_experts, out->expert);
        out->router = lc_ck_add(c, linear(c, h, f->n_experts, f->router_bias), f->score_correction_param ? f->n_experts : 0);
        out->shared_experts = mlp(c, h, &f->shared);
        if (f->shared_gate)
            out->shared_experts = lc_ck_add(c, out->shared_experts, h);
    } else {
        out->mlp = lc_ck_add(c, mlp(c, h, &f->dense), m->act_params);
    }
    if (l->shared_block && m->shared.n_blocks > 0) { /* a Zamba2 hybrid layer: its invocation's own weights */
        int64_t ia, im;
        shared_invocation_params(c, m, &ia, &im);
        out->attention = lc_ck_add(c, out->attention, ia);
        out->mlp = lc_ck_add(c, out->mlp, im);
    }
    int64_t common = lc_ck_add(c, lc_ck_add(c, out->attention, out->norms), lc_ck_add(c, out->mlp, lc_ck_add(c, out->shared_experts, out->router)));
    out->total = lc_ck_add(c, common, out->routed_experts);
    out->active = lc_ck_add(c, common, lc_ck_mul(c, f->moe ? f->top_k : 0, out->expert));
}

int llmcost_params_layer(llmcost_layer_params *out, const llmcost_model *m, const llmcost_layer *l)
{
    lc_ck c = {false};
    layer_params(&c, out, m, l);
    if (c.overflow)
        return lc_fail(LLMCOST_EOVERFLOW, "%s: a layer's parameter count overflows 64 bits", m->origin);
    return 0;
}

/* "n" checked additions of x to acc in turn. With x and acc not negative the partial sums grow, so one overflows
 * iff the last does, and the last is acc + n x: one multiplication and one addition (the same value, or the same
 * overflow). */
static int64_t add_n(lc_ck *c, int64_t acc, int64_t x, int64_t n)
{
    if (n > 1 && x >= 0 && acc >= 0)
        return lc_ck_add(c, acc, lc_ck_mul(c, n, x));
    for (int64_t i = 0; i < n; i++)
        acc = lc_ck_add(c, acc, x);
    return acc;
}

/* llmcost_params_count; layer i's counts are lps[cls[i]] when "lps" is given (made by llmcost_params_layer, which
 * found no overflow; a run of layers of one class is then added at once, add_n), else made here, once per run of
 * equal layers (equal descriptions give equal counts) and added layer by layer. */
static int params_count(llmcost_params *out, const llmcost_model *m, const int32_t *cls, const llmcost_layer_params *lps)
{
    lc_ck c = {false};
    memset(out, 0, sizeof *out);
    int64_t *pc = out->components;
    int64_t h = m->hidden;
    pc[LLMCOST_PC_EMBEDDING] = lc_ck_mul(&c, m->vocab, m->embed_dim);
    if (m->embed_dim != h) /* OPT-350m's project_in and project_out, bias-free */
        pc[LLMCOST_PC_EMBEDDING] = lc_ck_add(&c, pc[LLMCOST_PC_EMBEDDING], lc_ck_mul(&c, 2, lc_ck_mul(&c, h, m->embed_dim)));
    if (m->pos == LLMCOST_POS_LEARNED)
        pc[LLMCOST_PC_POSITION_EMBEDDING] = lc_ck_mul(&c, m->pos_rows, h);
    if (m->embed_norm) /* BLOOM's word_embeddings_layernorm */
        pc[LLMCOST_PC_NORMS] = norm(&c, m->norm, h);
    int64_t active_experts = 0;
    llmcost_layer_params lp;
    memset(&lp, 0, sizeof lp);
    for (int64_t i = 0, n = 1; i < m->n_layers; i += n) {
        const llmcost_layer_params *q = &lp;
        if (lps) {
            q = &lps[cls[i]];
            for (n = 1; i + n < m->n_layers && cls[i + n] == cls[i]; n++)
                ;
        } else if (i == 0 || memcmp(&m->layers[i], &m->layers[i - 1], sizeof m->layers[i]) != 0) {
            layer_params(&c, &lp, m, &m->layers[i]);
        }
        pc[LLMCOST_PC_ATTENTION] = add_n(&c, pc[LLMCOST_PC_ATTENTION], q->attention, n);
        pc[LLMCOST_PC_MLP] = add_n(&c, pc[LLMCOST_PC_MLP], q->mlp, n);
        pc[LLMCOST_PC_ROUTED_EXPERTS] = add_n(&c, pc[LLMCOST_PC_ROUTED_EXPERTS], q->routed_experts, n);
        pc[LLMCOST_PC_SHARED_EXPERTS] = add_n(&c, pc[LLMCOST_PC_SHARED_EXPERTS], q->shared_experts, n);
        pc[LLMCOST_PC_ROUTER] = add_n(&c, pc[LLMCOST_PC_ROUTER], q->router, n);
        pc[LLMCOST_PC_NORMS] = add_n(&c, pc[LLMCOST_PC_NORMS], q->norms, n);
        const llmcost_ffn *f = &m->layers[i].ffn;
        const llmcost_ssm *ls = llmcost_layer_ssm(m, &m->layers[i]);
        if (ls && ls->kind == LLMCOST_SSM_LIGHTNING)
            out->buffers = add_n(&c, out->buffers, lightning_buffers(&c, ls), n);
        if (!f->moe && f->dense.d_ff > 0)
            out->buffers = add_n(&c, out->buffers, m->act_buffers, n);
        if (f->moe) {
            active_experts = add_n(&c, active_experts, lc_ck_mul(&c, f->top_k, q->expert), n);
            if (f->score_correction_bias)
                out->buffers = add_n(&c, out->buffers, f->n_experts, n);
        }
        if (q->total > out->per_layer_max)
            out->per_layer_max = q->total;
    }
    shared_block_params(&c, pc, m);
    if (m->final_norm)
        pc[LLMCOST_PC_NORMS] = lc_ck_add(&c, pc[LLMCOST_PC_NORMS], norm(&c, m->norm, h));
    out->buffers = lc_ck_add(&c, out->buffers, m->rope_buffers);
    if (!m->tied)
        pc[LLMCOST_PC_LM_HEAD] = lc_ck_mul(&c, m->vocab, m->embed_dim);
    if (m->head_bias) /* Phi-2, GPT-J: the head's bias is its own even when the weight is tied */
        pc[LLMCOST_PC_LM_HEAD] = lc_ck_add(&c, pc[LLMCOST_PC_LM_HEAD], m->vocab);
    for (int i = 0; i < LLMCOST_PC_COUNT; i++)
        out->total = lc_ck_add(&c, out->total, pc[i]);
    out->active = lc_ck_add(&c, out->total - pc[LLMCOST_PC_ROUTED_EXPERTS], active_experts);
    out->embedding = lc_ck_add(&c, pc[LLMCOST_PC_EMBEDDING], pc[LLMCOST_PC_POSITION_EMBEDDING]);
    out->non_embedding = out->total - out->embedding;
    if (m->mtp.n_modules > 0) {
        /* DeepSeek-V3 §2.2: each module has RMSNorms on the embedding and the hidden state (enorm, hnorm), a
         * projection M (eh_proj, 2h -> h, no bias), one layer, and the output head's norm; embedding and head
         * are shared with the main model, but the checkpoint stores its own copies. */
        llmcost_layer_params mp;
        layer_params(&c, &mp, m, &m->mtp.layer);
        int64_t one = lc_ck_add(&c, mp.total, lc_ck_add(&c, lc_ck_mul(&c, 3, norm(&c, m->norm, h)), lc_ck_mul(&c, 2, lc_ck_mul(&c, h, h))));
        out->mtp = lc_ck_mul(&c, m->mtp.n_modules, one);
        out->mtp_with_copies = lc_ck_add(&c, out->mtp, lc_ck_mul(&c, m->mtp.n_modules, lc_ck_mul(&c, 2, lc_ck_mul(&c, m->vocab, h))));
    }
    if (c.overflow)
        return lc_fail(LLMCOST_EOVERFLOW, "%s: the parameter count overflows 64 bits (hidden_size %lld, vocab_size %lld, %lld layers)",
                       m->origin, (long long)m->hidden, (long long)m->vocab, (long long)m->n_layers);
    return 0;
}

int llmcost_params_count(llmcost_params *out, const llmcost_model *m)
{
    return params_count(out, m, NULL, NULL);
}

int lc_params_count_classes(llmcost_params *out, const llmcost_model *m, const int32_t *cls,
                            const llmcost_layer_params *lps)
{
    return params_count(out, m, cls, lps);
}

const char *llmcost_param_component_name(llmcost_param_component c)
{
    static const char *const names[LLMCOST_PC_COUNT] = {
        "embedding", "position_embedding", "attention", "mlp",    "routed_experts",
        "shared_experts", "router",         "norms",     "lm_head"};
    return c >= 0 && c < LLMCOST_PC_COUNT ? names[c] : "?";
}
