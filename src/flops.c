/* flops.c - FLOPs of every operation of a training step, as eager PyTorch runs the transformers model. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "flops_internal.h"
#include "internal.h"
#include "llmcost/flops.h"
#include "llmcost/params.h"

/* A growing list of ops. */
typedef struct {
    llmcost_op *ops;
    size_t n, cap;
    bool oom;
    const llmcost_flops_options *opt;
    double act_bytes; /* bytes per activation element (bf16) */
} oplist;

static llmcost_op *push(oplist *l)
{
    if (l->oom)
        return NULL;
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 256;
        llmcost_op *p = realloc(l->ops, cap * sizeof *p);
        if (!p) {
            l->oom = true;
            return NULL;
        }
        l->ops = p;
        l->cap = cap;
    }
    llmcost_op *o = &l->ops[l->n++];
    memset(o, 0, sizeof *o);
    return o;
}

/* A GEMM [m,k] x [k,n] in layer "layer": forward 2mnk; backward 2mnk for the input gradient (unless the input
 * needs none) and 2mnk for the weight gradient (unless the weight is frozen). */
static llmcost_op *matmul(oplist *l, int32_t layer, llmcost_flops_component c, const char *name, double m,
                          double n, double k, bool input_grad, bool weight_grad, uint32_t flags)
{
    llmcost_op *o = push(l);
    if (!o)
        return NULL;
    o->kind = LLMCOST_OP_MATMUL;
    o->component = c;
    o->name = name;
    o->layer = layer;
    o->m = m;
    o->n = n;
    o->k = k;
    o->batch = 1;
    o->flops = 2 * m * n * k;
    o->bwd_flops = (input_grad ? 2 * m * n * k : 0) + (weight_grad ? 2 * m * n * k : 0);
    o->kernels = 1;
    o->role = LLMCOST_ROLE_LINEAR;
    o->flags = flags;
    return o;
}

/* Element-wise work of role "role" over "elems" elements: "rw" bytes per element read and written in forward and
 * "bwd_rw" in backward, "kernels" launches, "fl" FLOPs per element. */
static void elementwise(oplist *l, int32_t layer, const char *name, llmcost_op_role role, uint32_t flags, double elems,
                        double rw, double bwd_rw, double kernels, double fl)
{
    llmcost_op *o = push(l);
    if (!o)
        return;
    o->kind = LLMCOST_OP_ELEMENTWISE;
    o->component = LLMCOST_FC_COUNT;
    o->name = name;
    o->role = role;
    o->flags = flags;
    o->layer = layer;
    o->m = elems;
    o->batch = 1;
    o->flops = fl * elems;
    o->bytes = rw * elems;
    o->bwd_bytes = bwd_rw * elems;
    o->kernels = kernels;
    /* Unless told otherwise, backward launches as many kernels per byte as forward. */
    o->bwd_kernels = rw > 0 ? kernels * bwd_rw / rw : 0;
}

/* Element-wise work whose backward launches "bwd_kernels" kernels (autograd's formulas, not forward's). */
static void elementwise_k(oplist *l, int32_t layer, const char *name, llmcost_op_role role, uint32_t flags,
                          double elems, double rw, double bwd_rw, double kernels, double bwd_kernels, double fl)
{
    elementwise(l, layer, name, role, flags, elems, rw, bwd_rw, kernels, fl);
    if (!l->oom)
        l->ops[l->n - 1].bwd_kernels = bwd_kernels;
}

/* Query-key pairs one head computes for a sequence of s tokens: s*s unmasked; s(s+1)/2 causal; with a sliding
 * window of w tokens (self included), sum over positions of min(i+1, w). */
static double pairs(double s, int64_t window, llmcost_convention conv)
{
    if (conv == LLMCOST_CONV_UNMASKED)
        return s * s;
    double w = (double)window;
    if (window <= 0 || w >= s)
        return s * (s + 1) / 2;
    return w * (w + 1) / 2 + (s - w) * w;
}

/* Attention core of one layer: Q K^T and P V over b*a (query heads) independent products. Forward counts
 * 2*pairs*d_q + 2*pairs*d_v per head. Backward: eager differentiates both matmuls (2x forward); the fused
 * kernels (sdpa/flash/cuDNN) recompute Q K^T and then form dP, dV, dQ, dK: 2*pairs*(3 d_q + 2 d_v), as
 * torch.utils.flop_counter's sdpa_backward_flop_count does (2.5x forward when d_q = d_v). */
/* Forward and backward FLOPs of one layer's attention core over "heads" = b x a heads of "p" query-key pairs each
 * (see attention_core). */
static void attention_cost(double *fwd, double *bwd, const llmcost_attention *a, llmcost_attn_impl impl, double heads,
                           double p)
{
    double dq = (double)a->head_dim, dv = (double)a->v_head_dim;
    *fwd = 2 * heads * p * (dq + dv);
    if (impl == LLMCOST_ATTN_EAGER || lc_attn_math(impl, a))
        *bwd = 2 * *fwd;
    else
        *bwd = 2 * heads * p * (3 * dq + 2 * dv);
}

static void attention_core(oplist *l, int32_t layer, const llmcost_attention *a, double b, double s)
{
    const llmcost_flops_options *opt = l->opt;
    double p = pairs(s, a->sliding_window, opt->convention);
    double heads = b * (double)a->n_heads, dq = (double)a->head_dim, dv = (double)a->v_head_dim;
    llmcost_op *o = push(l);
    if (!o)
        return;
    o->kind = LLMCOST_OP_ATTENTION;
    o->component = LLMCOST_FC_SCORES;
    o->name = "attention";
    o->role = LLMCOST_ROLE_ATTENTION;
    o->layer = layer;
    o->m = s;
    o->n = s;
    o->k = dq;
    o->n2 = dv;
    o->batch = heads;
    attention_cost(&o->flops, &o->bwd_flops, a, opt->attention, heads, p);
    o->kernels = opt->attention == LLMCOST_ATTN_EAGER ? 2 : 1;
}

/* Bytes per element of HF's RMSNorm in eager PyTorch: x.to(float32), pow, mean, rsqrt, x*rsqrt, .to(dtype),
 * weight*x: 7 kernels, reading and writing fp32 intermediates (LlamaRMSNorm.forward). */
static void norm_op(oplist *l, const llmcost_model *m, int32_t layer, const char *name, uint32_t flags, double elems)
{
    double ab = l->act_bytes;
    if (m->norm == LLMCOST_NORM_RMS)
        elementwise(l, layer, name, LLMCOST_ROLE_NORM, flags, elems, (ab + 4) + 8 + 4 + 8 + (4 + ab) + 2 * ab, 2 * (28 + 4 * ab), 7, 5);
    else /* native_layer_norm: one fused kernel each way */
        elementwise(l, layer, name, LLMCOST_ROLE_NORM, flags, elems, 2 * ab, 4 * ab, 1, 8);
}

/* Kernels and bytes per element of the MLP activation as transformers runs it. */
static void activation_op(oplist *l, const llmcost_model *m, int32_t layer, double elems, bool gated)
{
    double ab = l->act_bytes;
    /* GPT-2's gelu_new is a Python formula of 8 element-wise kernels (NewGELUActivation); others are one. */
    double k = m->act_python ? 8 : 1;
    elementwise(l, layer, gated ? "act(gate)*up" : "activation",
                gated ? LLMCOST_ROLE_GATED_ACTIVATION : LLMCOST_ROLE_ACTIVATION, 0, elems, k * 2 * ab + (gated ? 3 * ab : 0),
                2 * (k * 2 * ab + (gated ? 3 * ab : 0)), k + (gated ? 1 : 0), gated ? 5 : 8);
}

static void dropout_op(oplist *l, int32_t layer, const char *name, llmcost_op_role role, uint32_t flags, double elems,
                       double p)
{
    if (p <= 0)
        return;
    double ab = l->act_bytes;
    /* native_dropout writes the output and a bool mask; backward reads grad and mask, writes grad. */
    elementwise(l, layer, name, role, flags, elems, 2 * ab + 1, 2 * ab + 1, 1, 2);
}

static void mlp_ops(oplist *l, const llmcost_model *m, int32_t layer, const llmcost_mlp *p, double tokens,
                    llmcost_flops_component c, const char *prefix)
{
    double h = (double)m->hidden, f = (double)p->d_ff;
    (void)prefix;
    if (p->gated) {
        matmul(l, layer, c, "gate_proj", tokens, f, h, true, true, LLMCOST_OPF_NORMED_INPUT);
        matmul(l, layer, c, "up_proj", tokens, f, h, true, true, LLMCOST_OPF_NORMED_INPUT);
        activation_op(l, m, layer, tokens * f, true);
        matmul(l, layer, c, "down_proj", tokens, h, f, true, true, LLMCOST_OPF_ROW_PARALLEL);
    } else {
        matmul(l, layer, c, "up_proj", tokens, f, h, true, true, LLMCOST_OPF_NORMED_INPUT);
        activation_op(l, m, layer, tokens * f, false);
        matmul(l, layer, c, "down_proj", tokens, h, f, true, true, LLMCOST_OPF_ROW_PARALLEL);
    }
}

/*
 * One mixture-of-experts block as transformers 5.17 runs it in eager PyTorch: the router, then
 * grouped_mm_experts_forward (integrations/moe.py), one op per PyTorch call with the kernels autograd launches for
 * it in backward. T tokens, S = T*k token-slots, h hidden, f expert width; activations of xb bytes on the experts'
 * path (2; 4 when the experts run in fp32), routing weights in fp32 for some families, which promotes the weighted
 * outputs and their sum to fp32 (ob bytes). The step-time engine times each op at the measured rate of its kernel
 * kind (h200_eager_kernels_2026-11-28.json): gathers, broadcast masks, index_put, the non-vectorised kernels that
 * strided views and broadcasts fall to.
 */
static void moe_ops(oplist *l, const llmcost_model *m, int32_t idx, const llmcost_ffn *f, double T)
{
    const llmcost_flops_options *opt = l->opt;
    double h = (double)m->hidden, E = (double)f->n_experts, k = (double)f->top_k, fe = (double)f->expert.d_ff;
    double S = T * k, ab = l->act_bytes;
    double xb = opt->expert_act_bytes > 0 ? opt->expert_act_bytes : ab;
    double ob = f->fp32_routing && xb < 4 ? 4 : xb;
    matmul(l, idx, LLMCOST_FC_ROUTER, "router", T, E, h, true, true, LLMCOST_OPF_REPLICATED | LLMCOST_OPF_NORMED_INPUT);
    /* DeepSeek's MoEGate: F.linear(hidden.float(), weight.float()): the input cast to fp32 and its gradient back. */
    if (f->fp32_router && xb < 4)
        elementwise_k(l, idx, "router input cast", LLMCOST_ROLE_CAST, LLMCOST_OPF_EXPERT_PATH | LLMCOST_OPF_MOE_HIDDEN | LLMCOST_OPF_DISPATCH, T * h, xb + 4, 4 + xb, 2, 2, 0);
    /* Scores over [T, E] in fp32 (16 bytes per score either way). Softmax routers (Mixtral, Qwen, OLMoE): cast,
     * softmax, top-k (select and sort), sum, divide: 6 kernels; backward: the division's two gradients, the sum,
     * top-k's scatter into zeros, softmax, the cast: 9. DeepSeek-V3's group-limited sigmoid routing: sigmoid,
     * correction bias, top-2 per group and its sum, top groups, a zeroed mask scattered and expanded, masked_fill,
     * top-k, gather, sum, epsilon, divide, scale: 21; backward 8. */
    if (f->score_correction_bias)
        elementwise_k(l, idx, "routing", LLMCOST_ROLE_ROUTING, LLMCOST_OPF_REPLICATED, T * E, 4 * 4, 4 * 4, 21, 8, 4);
    else
        elementwise_k(l, idx, "routing", LLMCOST_ROLE_ROUTING, LLMCOST_OPF_REPLICATED, T * E, 4 * 4, 4 * 4, 6, 9, 4);
    /* torch.sort(expert_ids) (3 kernels at the host measurement's sizes), perm // k, sample_weights[perm], the int
     * cast, histc (2), cumsum, the sentinel mask (>=), clamp_, arange and inv_perm[perm] = ...: 14 kernels of int64
     * index work (about 128 bytes per slot); backward: sample_weights[perm]'s index_put into zeros (5). */
    elementwise_k(l, idx, "expert sort", LLMCOST_ROLE_EXPERT_SORT, LLMCOST_OPF_EXPERT_PATH | LLMCOST_OPF_DISPATCH, S, 128, 64, 14, 5, 0);
    /* hidden_states[perm // k]: a row gather; backward an accumulating index_put into a zeroed [T, h] (the k copies of
     * a token meet in one row): zeros, a sort of the indices (3), the indexing kernel. Bytes as measured: the values
     * read, and per token row a zero fill plus a read and a write (xb (1 + 3/k) per slot element). */
    elementwise_k(l, idx, "expert gather", LLMCOST_ROLE_EXPERT_GATHER, LLMCOST_OPF_EXPERT_PATH, S * h, 2 * xb, xb * (1 + 3 / k), 1, 5, 0);
    /* masked_fill_(sentinel_mask, 0) with the [S, 1] mask broadcast; backward masks the gradient the same way. */
    elementwise_k(l, idx, "expert input mask", LLMCOST_ROLE_EXPERT_MASK, LLMCOST_OPF_EXPERT_PATH | LLMCOST_OPF_DISPATCH, S * h, 2 * xb, 2 * xb, 1, 1, 1);
    llmcost_op *o = push(l);
    if (o) {
        o->kind = LLMCOST_OP_EXPERTS;
        o->component = LLMCOST_FC_ROUTED_EXPERTS;
        o->name = "routed experts";
        o->role = LLMCOST_ROLE_EXPERTS;
        o->flags = LLMCOST_OPF_EXPERT_PATH;
        o->layer = idx;
        /* Each expert sees T*k/E tokens on average; gated experts run 3 matrices of h x fe (gate and up fused into
         * one [2 fe, h] matrix per expert: one grouped GEMM). */
        o->m = T * k / E;
        o->n = fe;
        o->k = h;
        o->batch = E;
        double mats = f->expert.gated ? 3 : 2;
        o->flops = 2 * T * k * h * fe * mats;
        o->bwd_flops = 2 * o->flops;
        o->kernels = mats;
    }
    if (f->expert.gated) {
        /* _apply_gate: gate, up = proj_out.chunk(2, -1); act(gate) * up. Both halves are strided views, so the
         * activation (read + write) and the product (2 reads + write) run TensorIterator's non-vectorised kernel;
         * backward grad * up and act's backward read strided halves too (3 xb each). */
        elementwise_k(l, idx, "expert activation", LLMCOST_ROLE_EXPERT_ACTIVATION, LLMCOST_OPF_EXPERT_PATH | LLMCOST_OPF_GATED, S * fe,
                      5 * xb, 6 * xb, 2, 2, 5);
        /* ... and grad * act(gate) (contiguous, 3 xb) and chunk's backward, a cat of the two halves' gradients into
         * [S, 2 fe] (read + write 4 xb per fe element): backward only. */
        elementwise_k(l, idx, "expert activation grad", LLMCOST_ROLE_EXPERT_ACTIVATION_GRAD, LLMCOST_OPF_EXPERT_PATH | LLMCOST_OPF_DISPATCH, S * fe, 0, 7 * xb, 0, 2, 0);
    } else {
        elementwise_k(l, idx, "expert activation", LLMCOST_ROLE_EXPERT_ACTIVATION, LLMCOST_OPF_EXPERT_PATH, S * fe, 2 * xb, 3 * xb, 1, 1, 8);
    }
    /* proj_out * sample_weights_g.unsqueeze(-1): a broadcast multiply written in ob; backward grad * weights. */
    elementwise_k(l, idx, "expert output scale", LLMCOST_ROLE_EXPERT_SCALE, LLMCOST_OPF_EXPERT_PATH | LLMCOST_OPF_DISPATCH, S * h, xb + ob, 2 * ob, 1, 1, 1);
    /* ... and its other gradients: the input gradient cast back to xb when ob is wider, grad * proj_out and its row
     * sum (the routing weights' gradient): backward only. */
    bool promoted = ob > xb;
    elementwise_k(l, idx, "expert output scale grads", LLMCOST_ROLE_EXPERT_SCALE_GRADS, LLMCOST_OPF_EXPERT_PATH | LLMCOST_OPF_DISPATCH, S * h, 0, (promoted ? ob + xb : 0) + 2 * ob + xb + ob, 0,
                  promoted ? 3 : 2, 0);
    elementwise_k(l, idx, "expert output mask", LLMCOST_ROLE_EXPERT_MASK, LLMCOST_OPF_EXPERT_PATH | LLMCOST_OPF_DISPATCH, S * h, 2 * ob, 2 * ob, 1, 1, 1);
    /* weighted_out[inv_perm]: a row gather; backward index_put into zeros, for a permutation (no duplicate rows):
     * zeros, a sort (3), the indexing kernel reading the values and updating one row each (4 ob). */
    elementwise_k(l, idx, "expert unpermute", LLMCOST_ROLE_EXPERT_UNPERMUTE, LLMCOST_OPF_EXPERT_PATH, S * h, 2 * ob, 4 * ob, 1, 5, 0);
    /* .view(T, k, h).sum(dim=1): read S h, write T h; backward the broadcast gradient copied out to [S, h] (view's
     * backward reshapes an expanded tensor). */
    elementwise_k(l, idx, "expert sum", LLMCOST_ROLE_EXPERT_SUM, LLMCOST_OPF_EXPERT_PATH | LLMCOST_OPF_DISPATCH, S * h, ob + ob / k, ob / k + ob, 1, 1, 1);
    /* .to(hidden_states.dtype) when the sum is wider; backward the gradient cast up. */
    if (promoted)
        elementwise_k(l, idx, "expert output cast", LLMCOST_ROLE_CAST, LLMCOST_OPF_EXPERT_PATH | LLMCOST_OPF_DISPATCH, T * h, ob + xb, xb + ob, 1, 1, 0);
    /* The block's input feeds the router, the expert gather (and the shared expert): autograd adds their gradients. */
    double consumers = 2 + (f->shared.d_ff > 0 ? 1 : 0);
    elementwise_k(l, idx, "moe input grads", LLMCOST_ROLE_ADD, LLMCOST_OPF_EXPERT_PATH | LLMCOST_OPF_MOE_HIDDEN | LLMCOST_OPF_DISPATCH, T * h, 0, 3 * xb * (consumers - 1), 0, consumers - 1, 0);
    if (f->shared.d_ff > 0) {
        mlp_ops(l, m, idx, &f->shared, T, LLMCOST_FC_SHARED_EXPERTS, "shared");
        if (f->shared_gate) {
            matmul(l, idx, LLMCOST_FC_SHARED_EXPERTS, "shared_expert_gate", T, 1, h, true, true,
                   LLMCOST_OPF_REPLICATED | LLMCOST_OPF_NORMED_INPUT);
            /* sigmoid(gate) * shared: the [T, 1] gate broadcast over the shared output; backward both gradients. */
            elementwise_k(l, idx, "shared expert gate", LLMCOST_ROLE_SHARED_GATE, LLMCOST_OPF_EXPERT_PATH | LLMCOST_OPF_MOE_HIDDEN, T * h, 2 * ab, 5 * ab, 2, 3, 2);
        }
        /* routed + shared */
        elementwise_k(l, idx, "shared expert add", LLMCOST_ROLE_ADD, LLMCOST_OPF_EXPERT_PATH | LLMCOST_OPF_MOE_HIDDEN, T * h, 2 * xb + ab, 0, 1, 0, 1);
    }
}

/* A batched product of the SSD scan: "batch" products [m,k] x [k,n]. Backward differentiates both operands (2x
 * forward) and, for the products whose results the kernel does not keep (C B^T and the chunk states), computes them
 * again first ("recomputed": 3x forward), as mamba_ssm's _mamba_chunk_scan_combined_bwd does. */
static llmcost_op *ssd_product(oplist *l, int32_t layer, llmcost_flops_component c, const char *name, double m,
                               double n, double k, double batch, bool recomputed)
{
    llmcost_op *o = matmul(l, layer, c, name, m, n, k, false, false, 0);
    if (!o)
        return NULL;
    o->batch = batch;
    o->flops = 2 * m * n * k * batch;
    o->bwd_flops = (recomputed ? 3 : 2) * o->flops;
    return o;
}

/* Mamba's selective scan (selective_scan_cuda) over T tokens of D channels and N states: 7 FLOPs per state
 * (exp(dt A), dt B u, the recurrence's multiply-add, C h's multiply-add) and 12 per channel (dt bias and softplus,
 * dt u, D u, silu(z) y). Forward reads u, dt, z and B, C ([T, N] each), writes y and fp32 state checkpoints every
 * 2048 tokens; backward reads those and dy, writes du, ddt, dz and fp32 dB, dC, recomputing the scan inside. */
static void selective_scan_op(oplist *l, int32_t idx, double T, double D, double N)
{
    double ab = l->act_bytes;
    elementwise(l, idx, "selective scan", LLMCOST_ROLE_OTHER, LLMCOST_OPF_FUSED_KERNEL, T * D, 4 * ab + 2 * ab * N / D + 8 * N / 2048,
                7 * ab + 2 * (ab + 4) * N / D + 8 * N / 2048, 1, 7 * N + 12);
}

/*
 * Jamba's JambaMambaMixer.cuda_kernels_forward (modeling_jamba.py), the path transformers takes when mamba_ssm and
 * causal_conv1d are installed: its RMSNorms on dt, B and C sit between x_proj and the scan, so it cannot call
 * mamba_inner_fn and runs the pieces one by one (docs/formulas.md, "State-space mixers: FLOPs"): in_proj, then
 * causal_conv1d_fn (conv1d + SiLU, one kernel) on the x half read in place, x_proj, the three JambaRMSNorms in eager
 * PyTorch (LlamaRMSNorm's seven kernels each), dt_proj without its bias, then selective_scan_fn, which first makes
 * contiguous copies of its transposed inputs dt, z, B and C, and adds dt's bias and the z gate inside the scan;
 * out_proj. Backward also joins the conv1d's and the gate's gradients into in_proj's output gradient (chunk's
 * backward: one copy of [T, 2D]). No padding mask: JambaModel passes the Mamba layers none when every token counts.
 */
static void jamba_mixer_ops(oplist *l, const llmcost_model *m, const llmcost_ssm *ss, int32_t idx, bool in_grad)
{
    const llmcost_flops_options *opt = l->opt;
    double T = (double)opt->batch * (double)opt->seq, h = (double)m->hidden, ab = l->act_bytes;
    double D = (double)ss->d_inner, N = (double)ss->d_state, k = (double)ss->d_conv, R = (double)ss->dt_rank;
    matmul(l, idx, LLMCOST_FC_Q, "in_proj", T, 2 * D, h, in_grad, true, LLMCOST_OPF_NORMED_INPUT);
    elementwise(l, idx, "conv1d+silu", LLMCOST_ROLE_OTHER, LLMCOST_OPF_FUSED_KERNEL, T * D, 2 * ab, 3 * ab, 1, 2 * k);
    matmul(l, idx, LLMCOST_FC_KV, "x_proj", T, R + 2 * N, D, true, true, LLMCOST_OPF_ROW_PARALLEL);
    norm_op(l, m, idx, "dt_layernorm", 0, T * R);
    norm_op(l, m, idx, "b_layernorm", 0, T * N);
    norm_op(l, m, idx, "c_layernorm", 0, T * N);
    matmul(l, idx, LLMCOST_FC_KV, "dt_proj", T, D, R, true, true, 0);
    /* dt and z ([b, D, s] views of [b, s, D] tensors) copied contiguous; their gradients pass back as views. */
    elementwise_k(l, idx, "scan dt, z contiguous", LLMCOST_ROLE_TRANSPOSE, 0, T * 2 * D, 2 * ab, 0, 2, 0, 0);
    /* B and C likewise; their gradients come back in fp32 and are cast to the compute dtype. */
    elementwise_k(l, idx, "scan B, C contiguous", LLMCOST_ROLE_TRANSPOSE, 0, T * 2 * N, 2 * ab, 4 + ab, 2, 2, 0);
    selective_scan_op(l, idx, T, D, N);
    elementwise_k(l, idx, "in_proj output grad join", LLMCOST_ROLE_TRANSPOSE, 0, T * 2 * D, 0, 2 * ab, 0, 1, 0);
    matmul(l, idx, LLMCOST_FC_O, "out_proj", T, h, D, true, true, LLMCOST_OPF_ROW_PARALLEL);
}

/* One batched product of the chunked delta rule: "batch" products [m,k] x [k,n]; backward "bwd" times forward, the
 * products fla's backward kernels run for it (recomputations included). */
static void gdn_product(oplist *l, int32_t layer, llmcost_flops_component c, const char *name, double m, double n,
                        double k, double batch, double bwd)
{
    llmcost_op *o = ssd_product(l, layer, c, name, m, n, k, batch, false);
    if (o)
        o->bwd_flops = bwd * o->flops;
}

/*
 * Gated DeltaNet (Qwen3NextGatedDeltaNet.forward, modular_qwen3_next.py) as transformers trains it with
 * flash-linear-attention and causal_conv1d installed (docs/formulas.md, "Gated DeltaNet: FLOPs"): in_proj_qkvz and
 * in_proj_ba, q/k/v/z reordered by reshapes (copies) and q, k, v concatenated, causal_conv1d_fn with SiLU over
 * conv_dim channels, the gates beta = sigmoid(b) and g = -exp(A_log) softplus(a + dt_bias) in eager PyTorch, q and k
 * repeated to the H value heads (repeat_interleave; contiguous copies when H = G) and v made contiguous
 * (fla's input_guard), then chunk_gated_delta_rule(use_qk_l2norm_in_kernel=True): l2norm of q and k, and per chunk
 * of C tokens and value head (key width K, value width V) the products of chunk_gated_delta_rule_fwd, each as a
 * batched matrix product (chunks padded whole), with the products its backward runs for it:
 *   k k^T (chunk_scaled_dot_kkt_fwd)           2C^2K  fwd; bwd 3x (prepare_wy_repr_bwd: k k^T again, dA k, dA^T k)
 *   (I + A)^-1 (solve_tril, C = 64)            16 products of 16x16x16 merging the diagonal blocks' inverses; bwd
 *                                              4C^3 (prepare_wy_repr_bwd: dA A, A dA)
 *   w = A (beta e^g k), u = A (beta v)          2C^2(K + V); bwd 3x (recomputed, dw/du k^T and A dw/du)
 *   state recurrence v_new = u - w h, h += k^T v_new (chunk_gated_delta_rule_fwd_h)  4CKV; bwd 2.5x (recomputed,
 *                                              then chunk_gated_delta_rule_bwd_dhu's k dh, q^T do, w^T dv)
 *   q k^T (chunk_fwd_o, intra-chunk)           2C^2K; bwd 3x (chunk_bwd_dv_local's k q^T, dqkwg's ds k, ds^T q)
 *   (q k^T) v_new                              2C^2V; bwd 2x (dv_local's A do, dqkwg's do v^T)
 *   q h (inter-chunk)                          2CKV; bwd 3x (dqkwg's do h, v dh, dv h)
 * the kernels' own element-wise work and traffic (gating, masks, the per-chunk states h written and read) as one
 * fused op; then FusedRMSNormGated (norm(o) * silu(z), one fused kernel) and out_proj. Qwen3_5GatedDeltaNet
 * (modeling_qwen3_5.py, split_proj): in_proj_qkv, in_proj_z, in_proj_b, in_proj_a and no reorder or cat.
 */
static void gated_deltanet_ops(oplist *l, const llmcost_model *m, const llmcost_ssm *ss, int32_t idx, bool in_grad)
{
    const llmcost_flops_options *opt = l->opt;
    double b = (double)opt->batch, sq = (double)opt->seq, T = b * sq, h = (double)m->hidden, ab = l->act_bytes;
    double G = (double)ss->n_groups, K = (double)ss->d_state, H = (double)ss->n_heads, V = (double)ss->head_dim;
    double C = (double)ss->chunk_size, kc = (double)ss->d_conv, d = (double)ss->d_inner, key = G * K;
    double conv = 2 * key + d, chunks = b * ceil(sq / C), heads = chunks * H;
    if (ss->split_proj) {
        /* Qwen3_5GatedDeltaNet: four Linears on the same input (modeling_qwen3_5.py), the same FLOPs as two */
        matmul(l, idx, LLMCOST_FC_Q, "in_proj_qkv", T, conv, h, in_grad, true, LLMCOST_OPF_NORMED_INPUT);
        matmul(l, idx, LLMCOST_FC_Q, "in_proj_z", T, d, h, in_grad, true, LLMCOST_OPF_NORMED_INPUT);
        matmul(l, idx, LLMCOST_FC_KV, "in_proj_b", T, H, h, in_grad, true, LLMCOST_OPF_NORMED_INPUT);
        matmul(l, idx, LLMCOST_FC_KV, "in_proj_a", T, H, h, in_grad, true, LLMCOST_OPF_NORMED_INPUT);
    } else {
        matmul(l, idx, LLMCOST_FC_Q, "in_proj_qkvz", T, conv + d, h, in_grad, true, LLMCOST_OPF_NORMED_INPUT);
        matmul(l, idx, LLMCOST_FC_KV, "in_proj_ba", T, 2 * H, h, in_grad, true, LLMCOST_OPF_NORMED_INPUT);
    }
    /* Qwen3-Next: fix_query_key_value_ordering's reshapes of split views copy q, k, v, z (and b, a); torch.cat joins
     * q, k, v. Qwen3_5GatedDeltaNet has no such step: in_proj_qkv's output goes to the conv as a transposed view,
     * z's reshape and b, a are views of contiguous Linear outputs (modeling_qwen3_5.py): no copy, no kernel. */
    if (!ss->split_proj)
        elementwise_k(l, idx, "qkvz reorder+cat", LLMCOST_ROLE_TRANSPOSE, 0, T * (conv + d + 2 * H + conv), 2 * ab,
                      2 * ab, 7, 7, 0);
    elementwise(l, idx, "conv1d+silu", LLMCOST_ROLE_OTHER, LLMCOST_OPF_FUSED_KERNEL, T * conv, 2 * ab, 3 * ab, 1, 2 * kc);
    /* beta = b.sigmoid(); g = -A_log.float().exp() * softplus(a.float() + dt_bias): cast, add, softplus, multiply
     * in fp32 over [T, H] (the [H] exp is negligible). */
    elementwise_k(l, idx, "gates beta, g", LLMCOST_ROLE_OTHER, 0, T * H, 3 * ab + 4 + 8 + 8 + 12, 2 * (2 * ab + 32), 5, 6, 10);
    /* q and k to the value heads ([T, G, K] -> [T, H, K]), v contiguous for the kernel. */
    elementwise(l, idx, "q, k repeat to value heads", LLMCOST_ROLE_TRANSPOSE, 0, T * 2 * H * K, ab * (1 + G / H), 2 * ab, 2, 0);
    elementwise(l, idx, "v contiguous", LLMCOST_ROLE_TRANSPOSE, 0, T * d, 2 * ab, 0, 1, 0);
    /* l2norm_fwd on q and k (fla Triton, one kernel each; backward reads x, rstd and the gradient). */
    elementwise(l, idx, "q, k l2norm", LLMCOST_ROLE_OTHER, LLMCOST_OPF_FUSED_KERNEL, T * 2 * H * K, 2 * ab, 3 * ab, 2, 4);
    gdn_product(l, idx, LLMCOST_FC_SCORES, "gdn k k^T", C, C, K, heads, 3);
    double tril_dots = C == 64 ? 16 : C == 32 ? 2 : 0; /* merge_16x16_to_{64x64,32x32}_inverse's 16x16 products */
    if (tril_dots > 0)
        gdn_product(l, idx, LLMCOST_FC_SCORES, "gdn solve_tril", 16, 16, 16, heads * tril_dots,
                    4 * C * C * C / (2 * 16 * 16 * 16 * tril_dots));
    gdn_product(l, idx, LLMCOST_FC_VALUES, "gdn w, u", C, K + V, C, heads, 3);
    gdn_product(l, idx, LLMCOST_FC_VALUES, "gdn state recurrence", C, V, K, 2 * heads, 2.5);
    gdn_product(l, idx, LLMCOST_FC_SCORES, "gdn q k^T", C, C, K, heads, 3);
    gdn_product(l, idx, LLMCOST_FC_VALUES, "gdn (q k^T) v_new", C, V, C, heads, 2);
    gdn_product(l, idx, LLMCOST_FC_VALUES, "gdn q h", C, V, K, heads, 3);
    /* The chunk kernels' traffic per token and value head, in the compute dtype unless fp32: forward k read 4 times,
     * q once, v once, w, u and v_new written and read, o written, the states h (K V per chunk) written and read, A
     * in fp32 (4C) and bf16 (C) written and read; backward (recomputing w, u, h and v_new) about 2.7x that. Gating,
     * decay masks and beta scaling: about 8 FLOPs per element of the C x C and C x V blocks. */
    double per_tok = ab * (7 * K + 6 * V + 2 * K * V / C + 2 * C) + 8 * C;
    double per_tok_bwd = ab * (20 * K + 16 * V + 6 * K * V / C + 4 * C) + 16 * C;
    elementwise_k(l, idx, "gdn chunk kernels", LLMCOST_ROLE_OTHER, LLMCOST_OPF_FUSED_KERNEL, heads * C, per_tok,
                  per_tok_bwd, 6, 9, 8 * (C + V));
    /* FusedRMSNormGated over head_dim rows: rmsnorm(o) * silu(z), one kernel each way. */
    elementwise(l, idx, "gated norm", LLMCOST_ROLE_OTHER, LLMCOST_OPF_FUSED_KERNEL, T * d, 3 * ab, 5 * ab, 1, 12);
    matmul(l, idx, LLMCOST_FC_O, "out_proj", T, h, d, true, true, LLMCOST_OPF_ROW_PARALLEL);
}

/* "count" equal products of one lightning block loop: each a torch.matmul over b x H heads ("heads") of [m,k] x [k,n],
 * one launch per block (kernels = count, which the time engine reads as count GEMMs of batch heads); backward "bwd"
 * times forward (autograd: 2 for both inputs' gradients, 1 for one, 0 for a product the loss does not reach). */
static void lightning_product(oplist *l, int32_t layer, llmcost_flops_component c, const char *name, double m,
                              double n, double k, double heads, double count, double bwd)
{
    if (count <= 0 || m <= 0)
        return;
    llmcost_op *o = ssd_product(l, layer, c, name, m, n, k, heads * count, false);
    if (!o)
        return;
    o->bwd_flops = bwd * o->flops;
    o->kernels = count;
}

/*
 * Lightning attention (MiniMaxLightningAttention.forward, modular_minimax.py) as transformers trains it: eager
 * PyTorch, no fused kernel (docs/formulas.md, "Lightning attention"). qkv_proj h -> 3D and SiLU; then a Python loop
 * over the ceil(s / B) blocks of B = block_size tokens (the last one s mod B when B does not divide s), each block
 * of Bi tokens running, per head (b x H heads batched in each torch.matmul, one launch each):
 *   intra   S = q k^T                      [Bi,d] x [d,Bi]   2 Bi^2 d; bwd 2x (dq, dk)
 *           (S * diagonal_decay) v         [Bi,Bi] x [Bi,d]  2 Bi^2 d; bwd 2x (dS, dv)
 *   inter   (q * query_decay) KV           [Bi,d] x [d,d]    2 Bi d^2; bwd 2x, 1x in block 0 (KV = zeros, no grad)
 *   state   (k * key_decay)^T v            [d,Bi] x [Bi,d]   2 Bi d^2; bwd 2x, 0 in the last block (its new state
 *                                                            reaches no loss: the layer returns it unused)
 *   and its element-wise kernels: S * diagonal_decay (Bi^2), q * query_decay, k * key_decay, inter + intra (Bi d
 *   each), block_decay = exp(-slope_rate * Bi) (neg, mul, exp over H), KV * block_decay and + the new state (d^2);
 * backward differentiates each (the decays are buffers: one multiply each) and accumulates q's, k's and v's gradients.
 * Each block's q, k, v are slices of the whole [b, H, s, d] tensors: SliceBackward0 fills a zero tensor of the whole
 * size and copies the block's gradient in, and autograd sums those whole tensors: per block and per q, k, v one
 * fill and (but the first) one add over T x D elements, whatever the block: traffic that grows as s^2 / B.
 * Then torch.cat of the blocks' outputs, transpose + reshape (a copy), MiniMaxRMSNorm over D, sigmoid(output_gate(x))
 * times it, out_proj. The residual's alpha and beta multiplies are the layer's (minimax_residual_ops).
 */
static void lightning_ops(oplist *l, const llmcost_model *m, const llmcost_ssm *ss, int32_t idx, bool in_grad)
{
    const llmcost_flops_options *opt = l->opt;
    double b = (double)opt->batch, sq = (double)opt->seq, T = b * sq, h = (double)m->hidden, ab = l->act_bytes;
    double H = (double)ss->n_heads, d = (double)ss->head_dim, D = (double)ss->d_inner, B = (double)ss->chunk_size;
    double nf = floor(sq / B), r = sq - nf * B, nb = nf + (r > 0 ? 1 : 0), bh = b * H;
    double b0 = nf > 0 ? B : r; /* block 0's length */
    matmul(l, idx, LLMCOST_FC_Q, "qkv_proj", T, 3 * D, h, in_grad, true, LLMCOST_OPF_NORMED_INPUT);
    elementwise(l, idx, "qkv silu", LLMCOST_ROLE_ACTIVATION, 0, T * 3 * D, 2 * ab, 3 * ab, 1, 4);
    elementwise(l, idx, "zero kv state", LLMCOST_ROLE_OTHER, 0, bh * d * d, ab, 0, 1, 0);
    /* intra-block products: every block, both inputs' gradients */
    lightning_product(l, idx, LLMCOST_FC_SCORES, "lightning q k^T", B, B, d, bh, nf, 2);
    lightning_product(l, idx, LLMCOST_FC_SCORES, "lightning q k^T", r, r, d, bh, r > 0 ? 1 : 0, 2);
    lightning_product(l, idx, LLMCOST_FC_VALUES, "lightning (q k^T) v", B, d, B, bh, nf, 2);
    lightning_product(l, idx, LLMCOST_FC_VALUES, "lightning (q k^T) v", r, d, r, bh, r > 0 ? 1 : 0, 2);
    /* inter-block q KV: block 0 reads the zero state (q's gradient only), the others both */
    lightning_product(l, idx, LLMCOST_FC_VALUES, "lightning q kv (block 0)", b0, d, d, bh, 1, 1);
    lightning_product(l, idx, LLMCOST_FC_VALUES, "lightning q kv", B, d, d, bh, nf > 0 ? nf - 1 : 0, 2);
    lightning_product(l, idx, LLMCOST_FC_VALUES, "lightning q kv", r, d, d, bh, nf > 0 && r > 0 ? 1 : 0, 2);
    /* state updates k^T v: all but the last block reach the loss */
    double last = r > 0 ? r : B, full_upd = r > 0 ? nf : nf - 1;
    lightning_product(l, idx, LLMCOST_FC_VALUES, "lightning k^T v state", d, d, B, bh, full_upd, 2);
    lightning_product(l, idx, LLMCOST_FC_VALUES, "lightning k^T v state (last block)", d, d, last, bh, 1, 0);
    /* element-wise kernels of the loop, summed over its blocks (elements per head: sum of Bi^2, of Bi, nb d^2) */
    double sq2 = nf * B * B + r * r;
    elementwise_k(l, idx, "lightning S * diagonal_decay", LLMCOST_ROLE_OTHER, 0, bh * sq2, 3 * ab, 3 * ab, nb, nb, 1);
    elementwise_k(l, idx, "lightning q, k * decay", LLMCOST_ROLE_OTHER, 0, 2 * T * D, 3 * ab, 3 * ab, 2 * nb,
                  2 * nb, 1);
    elementwise_k(l, idx, "lightning inter + intra", LLMCOST_ROLE_ADD, 0, T * D, 3 * ab, 0, nb, 0, 1);
    elementwise_k(l, idx, "lightning block_decay", LLMCOST_ROLE_OTHER, 0, nb * H, 3 * 8, 0, 3 * nb, 0, 3);
    elementwise_k(l, idx, "lightning kv state decay + add", LLMCOST_ROLE_OTHER, 0, nb * bh * d * d, 5 * ab, 3 * ab,
                  2 * nb, nb, 2);
    /* backward only: q's gradient meets from q k^T and q kv, k's from q k^T and the state, v's from (q k^T) v and the
     * state: one add each per block */
    elementwise_k(l, idx, "lightning q, k, v grad adds", LLMCOST_ROLE_ADD, 0, 3 * T * D, 0, 3 * ab, 0, 3 * nb, 0);
    /* backward only: SliceBackward0's whole-size zero fill and copy per block and q, k, v, and their sum */
    elementwise_k(l, idx, "lightning block slice grads", LLMCOST_ROLE_ADD, 0, 3 * T * D, 0,
                  nb * ab + (nb - 1) * 3 * ab + 2 * ab, 0, 3 * (2 * nb + nb - 1), 0);
    elementwise_k(l, idx, "lightning output cat + reshape", LLMCOST_ROLE_TRANSPOSE, 0, T * D, 4 * ab, 2 * ab, 2, 1, 0);
    norm_op(l, m, idx, "lightning norm", 0, T * D);
    matmul(l, idx, LLMCOST_FC_O, "output_gate", T, D, h, in_grad, true, LLMCOST_OPF_NORMED_INPUT);
    elementwise_k(l, idx, "sigmoid(gate) * norm", LLMCOST_ROLE_OTHER, 0, T * D, 5 * ab, 8 * ab, 2, 3, 5);
    matmul(l, idx, LLMCOST_FC_O, "out_proj", T, h, D, true, true, LLMCOST_OPF_ROW_PARALLEL);
}

/* MiniMaxDecoderLayer's residuals: residual * alpha + hidden * beta after the mixer and after the MoE, the factors
 * Python floats (two multiplies, whatever their values; the add is the residual add). Backward: the two gradients
 * each times its factor. */
static void minimax_residual_ops(oplist *l, int32_t idx, double T, double h)
{
    double ab = l->act_bytes;
    elementwise(l, idx, "residual alpha, beta", LLMCOST_ROLE_OTHER, LLMCOST_OPF_RESIDUAL, T * h, 4 * ab, 4 * ab, 2, 1);
}

static bool lightning_model(const llmcost_model *m)
{
    return m->n_ssm > 0 && m->ssm[0].kind == LLMCOST_SSM_LIGHTNING;
}

/*
 * A state-space mixer as the mamba_ssm kernels run it in training (docs/formulas.md, "State-space mixers: FLOPs"):
 * transformers' MambaMixer calls mamba_inner_fn and Mamba2Mixer mamba_split_conv1d_scan_combined when the kernels
 * are installed. The projections are GEMMs (in_proj in the q component, x_proj and dt_proj in k/v, out_proj in o);
 * the depthwise conv1d and Mamba's selective scan are element-wise kernels on CUDA cores (Gu & Dao 2023, §3.3.2),
 * counted apart from the matrix-product totals like norms; Mamba-2's SSD (Dao & Gu 2024, §6) runs its chunked scan
 * as four batched products, C B^T in the scores component and the others in values (C, B, X play Q, K, V: §4), over
 * ceil(seq / chunk) whole chunks per sequence, counted in full (the kernels compute whole Q x Q blocks of C B^T).
 */
static void ssm_ops(oplist *l, const llmcost_model *m, const llmcost_ssm *ss, int32_t idx, bool in_grad)
{
    const llmcost_flops_options *opt = l->opt;
    double b = (double)opt->batch, sq = (double)opt->seq, T = b * sq, h = (double)m->hidden, ab = l->act_bytes;
    double D = (double)ss->d_inner, N = (double)ss->d_state, k = (double)ss->d_conv;
    if (ss->kind == LLMCOST_SSM_MAMBA1 && ss->dt_bc_norms) {
        jamba_mixer_ops(l, m, ss, idx, in_grad);
        return;
    }
    if (ss->kind == LLMCOST_SSM_GATED_DELTANET) {
        gated_deltanet_ops(l, m, ss, idx, in_grad);
        return;
    }
    if (ss->kind == LLMCOST_SSM_LIGHTNING) {
        lightning_ops(l, m, ss, idx, in_grad);
        return;
    }
    if (ss->kind == LLMCOST_SSM_MAMBA1) {
        double R = (double)ss->dt_rank;
        matmul(l, idx, LLMCOST_FC_Q, "in_proj", T, 2 * D, h, in_grad, true, LLMCOST_OPF_NORMED_INPUT);
        /* causal_conv1d with SiLU fused: k multiply-adds per channel and token; backward reads x and the gradient. */
        elementwise(l, idx, "conv1d+silu", LLMCOST_ROLE_OTHER, LLMCOST_OPF_FUSED_KERNEL, T * D, 2 * ab, 3 * ab, 1, 2 * k);
        /* x_proj, dt_proj and out_proj run inside mamba_inner_fn on their weights (LLMCOST_OPF_KERNEL_WEIGHT) */
        matmul(l, idx, LLMCOST_FC_KV, "x_proj", T, R + 2 * N, D, true, true,
               LLMCOST_OPF_ROW_PARALLEL | LLMCOST_OPF_KERNEL_WEIGHT);
        matmul(l, idx, LLMCOST_FC_KV, "dt_proj", T, D, R, true, true, LLMCOST_OPF_KERNEL_WEIGHT);
        selective_scan_op(l, idx, T, D, N);
        matmul(l, idx, LLMCOST_FC_O, "out_proj", T, h, D, true, true,
               LLMCOST_OPF_ROW_PARALLEL | LLMCOST_OPF_KERNEL_WEIGHT);
        return;
    }
    double H = (double)ss->n_heads, P = (double)ss->head_dim, G = (double)ss->n_groups, Q = (double)ss->chunk_size;
    double conv = D + 2 * G * N, chunks = b * ceil(sq / Q);
    matmul(l, idx, LLMCOST_FC_Q, "in_proj", T, 2 * D + 2 * G * N + H, h, in_grad, true, LLMCOST_OPF_NORMED_INPUT);
    elementwise(l, idx, "conv1d+silu", LLMCOST_ROLE_OTHER, LLMCOST_OPF_FUSED_KERNEL, T * conv, 2 * ab, 3 * ab, 1, 2 * k);
    /* _chunk_cumsum_fwd: dt + dt_bias, softplus, times A, cumulative sum per chunk, in fp32. */
    elementwise(l, idx, "ssd dt cumsum", LLMCOST_ROLE_OTHER, LLMCOST_OPF_FUSED_KERNEL, T * H, ab + 8, ab + 16, 1, 5);
    ssd_product(l, idx, LLMCOST_FC_VALUES, "ssd chunk states B^T x", N, P, Q, chunks * H, true);
    /* _state_passing_fwd: h_c = exp(A_c) h_{c-1} + s_c over the chunks, fp32 states of P x N per head. */
    elementwise(l, idx, "ssd state passing", LLMCOST_ROLE_OTHER, LLMCOST_OPF_FUSED_KERNEL, chunks * D * N, 8 + ab, 16 + 2 * ab, 1, 2);
    ssd_product(l, idx, LLMCOST_FC_SCORES, "ssd C B^T", Q, Q, N, chunks * G, true);
    ssd_product(l, idx, LLMCOST_FC_VALUES, "ssd (L o C B^T) x", Q, P, Q, chunks * H, false);
    ssd_product(l, idx, LLMCOST_FC_VALUES, "ssd C h", Q, P, N, chunks * H, false);
    /* y + D x, y * silu(z) and the gated RMSNorm (rmsnorm_fn, one kernel each way). */
    if (ss->gated_norm)
        elementwise(l, idx, "D skip+gate+gated norm", LLMCOST_ROLE_OTHER, LLMCOST_OPF_FUSED_KERNEL, T * D, 4 * ab, 6 * ab, 2, 12);
    /* out_proj runs inside mamba_split_conv1d_scan_combined on its weight */
    matmul(l, idx, LLMCOST_FC_O, "out_proj", T, h, D, true, true, LLMCOST_OPF_ROW_PARALLEL | LLMCOST_OPF_KERNEL_WEIGHT);
}

/* The attention block "a" of layer L after its input norm: projections from "in_w" channels (the hidden width, or
 * a shared block's concatenated input), the core, o_proj to the hidden width, and the residual add unless the block
 * is one branch of a sum ("residual" false: a parallel block, Falcon-H1's attention beside its mixer, a shared
 * block). */
static void attention_block_ops(oplist *l, const llmcost_model *m, const llmcost_layer *L, const llmcost_attention *a,
                                double in_w, int32_t idx, bool in_grad, bool residual)
{
    const llmcost_flops_options *opt = l->opt;
    double b = (double)opt->batch, s = (double)opt->seq, T = b * s, h = (double)m->hidden, ab = l->act_bytes;
    double A = (double)a->n_heads, KV = (double)a->n_kv_heads, d = (double)a->head_dim, dv = (double)a->v_head_dim;
    if (a->kind == LLMCOST_ATTN_MLA) {
        double qk = (double)(a->qk_nope_head_dim + a->qk_rope_head_dim);
        if (a->q_lora_rank > 0) {
            matmul(l, idx, LLMCOST_FC_Q, "q_a_proj", T, (double)a->q_lora_rank, h, in_grad, true,
                   LLMCOST_OPF_REPLICATED | LLMCOST_OPF_NORMED_INPUT);
            norm_op(l, m, idx, "q_a_layernorm", LLMCOST_OPF_REPLICATED, T * (double)a->q_lora_rank);
            matmul(l, idx, LLMCOST_FC_Q, "q_b_proj", T, A * qk, (double)a->q_lora_rank, true, true, 0);
        } else {
            matmul(l, idx, LLMCOST_FC_Q, "q_proj", T, A * qk, h, in_grad, true, LLMCOST_OPF_NORMED_INPUT);
        }
        matmul(l, idx, LLMCOST_FC_KV, "kv_a_proj_with_mqa", T, (double)(a->kv_lora_rank + a->qk_rope_head_dim), h,
               in_grad, true, LLMCOST_OPF_REPLICATED | LLMCOST_OPF_NORMED_INPUT);
        norm_op(l, m, idx, "kv_a_layernorm", LLMCOST_OPF_REPLICATED, T * (double)a->kv_lora_rank);
        matmul(l, idx, LLMCOST_FC_KV, "kv_b_proj", T, A * (double)(a->qk_nope_head_dim + a->v_head_dim),
               (double)a->kv_lora_rank, true, true, 0);
        /* q_pe and k_pe rotated, then q/k assembled by cat: about 10 bytes per rotated element, plus copies. */
        elementwise(l, idx, "rotary+cat", LLMCOST_ROLE_ROTARY, 0, T * A * qk, 10 * ab, 10 * ab, 8, 6);
    } else if (a->fused_qkv) {
        /* One GEMM (GPT-2 c_attn, Falcon, Phi-3, GPT-NeoX); n2 keeps the query part for the breakdown. */
        matmul(l, idx, LLMCOST_FC_Q, "qkv_proj", T, A * d + KV * (d + dv), in_w, in_grad, true, LLMCOST_OPF_NORMED_INPUT);
        l->ops[l->n - 1].n2 = A * d;
    } else {
        /* Qwen3-Next's gated attention: q_proj also emits the gate, n_heads x head_dim more columns. */
        matmul(l, idx, LLMCOST_FC_Q, "q_proj", T, A * d * (a->output_gate ? 2 : 1), in_w, in_grad, true, LLMCOST_OPF_NORMED_INPUT);
        matmul(l, idx, LLMCOST_FC_KV, "k_proj", T, KV * d, in_w, in_grad, true, LLMCOST_OPF_NORMED_INPUT);
        matmul(l, idx, LLMCOST_FC_KV, "v_proj", T, KV * dv, in_w, in_grad, true, LLMCOST_OPF_NORMED_INPUT);
    }
    if (a->qk_norm != LLMCOST_QKNORM_NONE)
        norm_op(l, m, idx, "q_norm+k_norm", 0, T * (A + KV) * d);
    if (a->kind != LLMCOST_ATTN_MLA && a->rotary_dim > 0) /* rotate_half: neg, cat, 2 mul, add on q and k */
        elementwise(l, idx, "rotary", LLMCOST_ROLE_ROTARY, 0, T * (A + KV) * (double)a->rotary_dim, 10 * ab, 10 * ab, 10, 3);
    attention_core(l, idx, a, b, s);
    if (opt->attention == LLMCOST_ATTN_EAGER) {
        /* Scores scaled, masked and soft-maxed in fp32, cast back, maybe dropped out: over b*a*s*s elements. */
        double e = b * A * s * s;
        elementwise(l, idx, "scale+mask+softmax", LLMCOST_ROLE_SOFTMAX, 0, e, 3 * ab + (ab + 4) + (4 + ab), 2 * (3 * ab + 8 + 2 * ab), 4, 5);
        if (a->softcap > 0)
            elementwise(l, idx, "softcap", LLMCOST_ROLE_OTHER, 0, e, 6 * ab, 6 * ab, 3, 3);
        dropout_op(l, idx, "attention dropout", LLMCOST_ROLE_DROPOUT, 0, e, m->dropout_attn);
    }
    /* Attention output back to [tokens, heads*dv] (transpose + contiguous copy). */
    elementwise(l, idx, "attn output transpose", LLMCOST_ROLE_TRANSPOSE, 0, T * A * dv, 2 * ab, 2 * ab, 1, 0);
    /* attn_output * torch.sigmoid(gate): the gate (a strided chunk of q_proj's output) reshaped (a copy), its
     * sigmoid, the product; backward the product's two gradients, sigmoid's, the copy's. */
    if (a->output_gate)
        elementwise_k(l, idx, "output gate", LLMCOST_ROLE_OTHER, 0, T * A * dv, 7 * ab, 10 * ab, 3, 4, 5);
    matmul(l, idx, LLMCOST_FC_O, "o_proj", T, h, A * dv, true, true, LLMCOST_OPF_ROW_PARALLEL);
    if (!residual)
        return;
    if (L->norm_post_attn)
        norm_op(l, m, idx, "post_attention_norm", LLMCOST_OPF_RESIDUAL, T * h);
    dropout_op(l, idx, "residual dropout", LLMCOST_ROLE_RESIDUAL_DROPOUT, LLMCOST_OPF_RESIDUAL, T * h, m->dropout_resid);
    if (!L->parallel)
        elementwise(l, idx, "residual add", LLMCOST_ROLE_RESIDUAL_ADD, LLMCOST_OPF_RESIDUAL, T * h, 3 * ab, 2 * ab, 1, 1);
}

/* The attention block of a layer after its input norm: projections, the core, o_proj, the residual add. */
static void attention_ops(oplist *l, const llmcost_model *m, const llmcost_layer *L, int32_t idx, bool in_grad)
{
    attention_block_ops(l, m, L, &L->attn, (double)m->hidden, idx, in_grad, true);
}

/* A uP multiplier (Falcon-H1): x * scalar (or x * mup_vector, a buffer), one kernel each way: read and write. */
static void mup_op(oplist *l, int32_t idx, const char *name, uint32_t flags, double elems)
{
    double ab = l->act_bytes;
    elementwise(l, idx, name, LLMCOST_ROLE_OTHER, flags, elems, 2 * ab, 2 * ab, 1, 1);
}

/*
 * Falcon-H1's hybrid layer after its input norm (FalconH1DecoderLayer.forward, modular_falcon_h1.py;
 * docs/formulas.md "Falcon-H1 and Zamba2"): the Mamba-2 mixer on the norm's output times ssm_in_multiplier, its
 * in_proj output times the mup_vector, its output times ssm_out_multiplier; attention on the norm's output times
 * attention_in_multiplier, its keys times key_multiplier, its output times attention_out_multiplier; the two outputs
 * summed (backward: the two branches' gradients summed at the norm's output), then the residual add. The mixer runs
 * mamba_split_conv1d_scan_combined as Mamba-2 does (ssm_ops). Without uP multipliers the same layer without them.
 */
static void parallel_mixer_ops(oplist *l, const llmcost_model *m, const llmcost_layer *L, const llmcost_ssm *ss,
                               int32_t idx, bool in_grad)
{
    const llmcost_flops_options *opt = l->opt;
    double T = (double)opt->batch * (double)opt->seq, h = (double)m->hidden, ab = l->act_bytes;
    bool mup = m->mup_multipliers;
    if (mup)
        mup_op(l, idx, "ssm_in_multiplier", LLMCOST_OPF_RESIDUAL, T * h);
    ssm_ops(l, m, ss, idx, in_grad);
    if (mup) {
        double D = (double)ss->d_inner, GN = (double)(ss->n_groups * ss->d_state), H = (double)ss->n_heads;
        mup_op(l, idx, "mup_vector", 0, T * (2 * D + 2 * GN + H));
        mup_op(l, idx, "ssm_out_multiplier", LLMCOST_OPF_RESIDUAL, T * h);
        mup_op(l, idx, "attention_in_multiplier", LLMCOST_OPF_RESIDUAL, T * h);
    }
    attention_block_ops(l, m, L, &L->attn, h, idx, in_grad, false);
    if (mup) {
        mup_op(l, idx, "key_multiplier", 0, T * (double)(L->attn.n_kv_heads * L->attn.head_dim));
        mup_op(l, idx, "attention_out_multiplier", LLMCOST_OPF_RESIDUAL, T * h);
    }
    elementwise_k(l, idx, "mixer+attention add", LLMCOST_ROLE_ADD, LLMCOST_OPF_RESIDUAL, T * h, 3 * ab, 3 * ab, 1, 1, 1);
    dropout_op(l, idx, "residual dropout", LLMCOST_ROLE_RESIDUAL_DROPOUT, LLMCOST_OPF_RESIDUAL, T * h, m->dropout_resid);
    elementwise(l, idx, "residual add", LLMCOST_ROLE_RESIDUAL_ADD, LLMCOST_OPF_RESIDUAL, T * h, 3 * ab, 2 * ab, 1, 1);
}

/*
 * One invocation of a shared transformer block (Zamba2HybridLayer.forward and Zamba2AttentionDecoderLayer.forward,
 * modular_zamba2.py; docs/formulas.md "Falcon-H1 and Zamba2"), before the layer's own norm and mixer: the layer's
 * input concatenated with the embedding (w = 2h channels), an RMSNorm of w, attention with q, k, v from w (with this
 * invocation's LoRA-like adapters w -> r -> w on each when attn_adapters, added to the projections) and o_proj to h,
 * no residual inside the block, an RMSNorm of h, gate_up_proj h -> 2f plus this invocation's adapter h -> r -> 2f,
 * act(gate) * up, down_proj f -> h, the layer's own Linear(h, h), and the sum with the layer's input. Backward also
 * sums the gradients that meet at the layer's input (the concatenation, the residual, the sum) and at the adapters'
 * inputs.
 */
static void shared_block_ops(oplist *l, const llmcost_model *m, const llmcost_layer *L, int32_t idx)
{
    const llmcost_flops_options *opt = l->opt;
    const llmcost_shared_blocks *sb = &m->shared;
    double T = (double)opt->batch * (double)opt->seq, h = (double)m->hidden, ab = l->act_bytes;
    double w = (double)sb->in_width, r = (double)sb->adapter_rank, f = (double)sb->mlp.d_ff;
    const llmcost_attention *a = &sb->attn;
    elementwise_k(l, idx, "shared block input concat", LLMCOST_ROLE_TRANSPOSE, LLMCOST_OPF_RESIDUAL, T * w, 2 * ab,
                  3 * ab, 1, 2, 0);
    norm_op(l, m, idx, "shared input_layernorm", LLMCOST_OPF_RESIDUAL, T * w);
    attention_block_ops(l, m, L, a, w, idx, true, false);
    if (sb->attn_adapters) {
        static const char *const down[] = {"q adapter down", "k adapter down", "v adapter down"};
        static const char *const up[] = {"q adapter up", "k adapter up", "v adapter up"};
        double outs[] = {(double)(a->n_heads * a->head_dim), (double)(a->n_kv_heads * a->head_dim),
                         (double)(a->n_kv_heads * a->v_head_dim)};
        for (int k = 0; k < 3; k++) {
            matmul(l, idx, k == 0 ? LLMCOST_FC_Q : LLMCOST_FC_KV, down[k], T, r, w, true, true,
                   LLMCOST_OPF_REPLICATED | LLMCOST_OPF_NORMED_INPUT);
            matmul(l, idx, k == 0 ? LLMCOST_FC_Q : LLMCOST_FC_KV, up[k], T, outs[k], r, true, true, 0);
        }
        /* projection + adapter, three adds; backward the three adapters' input gradients joined to q, k, v's */
        elementwise_k(l, idx, "q, k, v adapter adds", LLMCOST_ROLE_ADD, 0, T * (outs[0] + outs[1] + outs[2]), 3 * ab,
                      0, 3, 0, 1);
        elementwise_k(l, idx, "q, k, v adapter input grads", LLMCOST_ROLE_ADD, LLMCOST_OPF_RESIDUAL, T * w, 0,
                      3 * 3 * ab, 0, 3, 0);
    }
    norm_op(l, m, idx, "shared pre_ff_layernorm", LLMCOST_OPF_RESIDUAL, T * h);
    matmul(l, idx, LLMCOST_FC_MLP_DENSE_LAYERS, "shared gate_up_proj", T, 2 * f, h, true, true, LLMCOST_OPF_NORMED_INPUT);
    matmul(l, idx, LLMCOST_FC_MLP_DENSE_LAYERS, "gate_up adapter down", T, r, h, true, true,
           LLMCOST_OPF_REPLICATED | LLMCOST_OPF_NORMED_INPUT);
    matmul(l, idx, LLMCOST_FC_MLP_DENSE_LAYERS, "gate_up adapter up", T, 2 * f, r, true, true, 0);
    elementwise_k(l, idx, "gate_up adapter add", LLMCOST_ROLE_ADD, 0, T * 2 * f, 3 * ab, 0, 1, 0, 1);
    elementwise_k(l, idx, "gate_up adapter input grads", LLMCOST_ROLE_ADD, LLMCOST_OPF_RESIDUAL, T * h, 0, 3 * ab, 0,
                  1, 0);
    activation_op(l, m, idx, T * f, true);
    matmul(l, idx, LLMCOST_FC_MLP_DENSE_LAYERS, "shared down_proj", T, h, f, true, true, LLMCOST_OPF_ROW_PARALLEL);
    matmul(l, idx, LLMCOST_FC_O, "shared block linear", T, h, h, true, true, LLMCOST_OPF_REPLICATED);
    elementwise_k(l, idx, "shared block add", LLMCOST_ROLE_ADD, LLMCOST_OPF_RESIDUAL, T * h, 3 * ab, 3 * ab, 1, 1, 1);
}

/* The ops of one decoder layer; "first" marks the first layer (its inputs may need no gradient). */
static void layer_ops(oplist *l, const llmcost_model *m, const llmcost_layer *L, int32_t idx, bool first_reads_frozen)
{
    const llmcost_flops_options *opt = l->opt;
    double b = (double)opt->batch, s = (double)opt->seq, T = b * s, h = (double)m->hidden, ab = l->act_bytes;
    const llmcost_attention *a = &L->attn;
    /* A frozen embedding spares the input gradient of the first matrices only when nothing trainable stands
     * between the embedding and them (no norm with weights first: OLMo 2's post-norms, OPT-350m's post-LN, OLMo's
     * parameter-free LayerNorm). */
    bool in_grad = !(first_reads_frozen && !(L->norm_pre_attn && llmcost_norm_weights(m->norm) > 0));

    const llmcost_ssm *ssm = llmcost_layer_ssm(m, L);
    const llmcost_ffn *f = &L->ffn;
    /* Hybrid blocks (Nemotron-H) hold a token mixer or a feed-forward, not always both: an absent one adds no op. */
    bool has_mixer = a->n_heads > 0 || ssm, has_ffn = f->moe || f->dense.d_ff > 0;

    if (L->shared_block && m->shared.n_blocks > 0)
        shared_block_ops(l, m, L, idx);
    if (L->norm_pre_attn)
        norm_op(l, m, idx, "input_layernorm", LLMCOST_OPF_RESIDUAL, T * h);
    if (ssm && a->n_heads > 0) {
        parallel_mixer_ops(l, m, L, ssm, idx, in_grad);
    } else if (ssm) {
        ssm_ops(l, m, ssm, idx, in_grad);
        dropout_op(l, idx, "residual dropout", LLMCOST_ROLE_RESIDUAL_DROPOUT, LLMCOST_OPF_RESIDUAL, T * h, m->dropout_resid);
        if (!L->parallel)
            elementwise(l, idx, "residual add", LLMCOST_ROLE_RESIDUAL_ADD, LLMCOST_OPF_RESIDUAL, T * h, 3 * ab, 2 * ab, 1, 1);
    } else if (has_mixer) {
        attention_ops(l, m, L, idx, in_grad);
    }
    if (has_mixer && lightning_model(m))
        minimax_residual_ops(l, idx, T, h);
    if (!has_ffn)
        return;
    if (L->norm_pre_ffn)
        norm_op(l, m, idx, "pre_ffn_norm", LLMCOST_OPF_RESIDUAL, T * h);
    if (f->moe) {
        moe_ops(l, m, idx, f, T);
    } else {
        mlp_ops(l, m, idx, &f->dense, T, LLMCOST_FC_MLP_DENSE_LAYERS, "");
        if (m->mup_multipliers && f->dense.gated) { /* FalconH1MLP: gate_proj(x) * gate_multiplier, down * down_multiplier */
            mup_op(l, idx, "gate_multiplier", 0, T * (double)f->dense.d_ff);
            mup_op(l, idx, "down_multiplier", LLMCOST_OPF_RESIDUAL, T * h);
        }
    }
    if (L->norm_post_ffn)
        norm_op(l, m, idx, "post_ffn_norm", LLMCOST_OPF_RESIDUAL, T * h);
    dropout_op(l, idx, "residual dropout", LLMCOST_ROLE_RESIDUAL_DROPOUT, LLMCOST_OPF_RESIDUAL, T * h, m->dropout_resid);
    if (lightning_model(m))
        minimax_residual_ops(l, idx, T, h);
    elementwise(l, idx, L->parallel ? "attention+mlp+residual add" : "residual add", LLMCOST_ROLE_RESIDUAL_ADD, LLMCOST_OPF_RESIDUAL, T * h,
                (L->parallel ? 4 : 3) * ab, 2 * ab, L->parallel ? 2 : 1, L->parallel ? 2 : 1);
}

static int check_options(const llmcost_flops_options *opt)
{
    int rc = LC_CHECK_VERSION(opt, FLOPS_OPTIONS, flops_options);
    if (rc)
        return rc;
    if (opt->batch < 1)
        return lc_fail(LLMCOST_EINVAL, "batch must be at least 1, got %lld", (long long)opt->batch);
    if (opt->seq < 1)
        return lc_fail(LLMCOST_EINVAL, "sequence length must be at least 1, got %lld", (long long)opt->seq);
    if ((double)opt->batch * (double)opt->seq > 1e15)
        return lc_fail(LLMCOST_EINVAL, "batch x sequence = %.3g tokens per step is beyond what llmcost models",
                       (double)opt->batch * (double)opt->seq);
    return 0;
}

/* Decoder layers i and j give the same ops (but for their index) when their descriptions are equal byte for byte
 * and neither or both are the first layer reading a frozen embedding. memcmp may call equal layers different
 * (padding bytes), which only costs sharing, never a wrong op. */
static bool same_layer(const llmcost_model *m, int64_t i, int64_t j, bool frozen_first)
{
    if (frozen_first && (i == 0) != (j == 0))
        return false;
    return !memcmp(&m->layers[i], &m->layers[j], sizeof m->layers[i]);
}

void lc_op_segments_free(lc_op_segments *sg)
{
    free(sg->ops);
    free(sg->begin);
    free(sg->layer_seg);
    memset(sg, 0, sizeof *sg);
}

int lc_flops_segments(lc_op_segments *sg, const llmcost_model *m, const llmcost_flops_options *opt)
{
    memset(sg, 0, sizeof *sg);
    const char *unmodelled = llmcost_model_unmodelled(m);
    if (unmodelled)
        return lc_fail(LLMCOST_EUNSUPPORTED, "%s: the FLOPs engine does not model %s yet", m->origin, unmodelled);
    int rc = check_options(opt);
    if (rc)
        return rc;
    /* The distinct layers, in order of first appearance: rep[c] is the first layer of segment c + 1. */
    int64_t nl = m->n_layers;
    int32_t *rep = malloc((size_t)(nl > 0 ? nl : 1) * sizeof *rep);
    sg->layer_seg = malloc((size_t)(nl > 0 ? nl : 1) * sizeof *sg->layer_seg);
    sg->begin = malloc((size_t)(nl + 3) * sizeof *sg->begin);
    if (!rep || !sg->layer_seg || !sg->begin) {
        free(rep);
        lc_op_segments_free(sg);
        return lc_fail(LLMCOST_ENOMEM, "out of memory");
    }
    oplist l = {0};
    l.opt = opt;
    l.act_bytes = 2;
    double b = (double)opt->batch, s = (double)opt->seq, T = b * s, h = (double)m->hidden;
    double ab = l.act_bytes, V = (double)m->vocab, e = (double)m->embed_dim;
    elementwise(&l, -1, "embedding", LLMCOST_ROLE_EMBEDDING, LLMCOST_OPF_RESIDUAL, T * e, 2 * ab, 2 * ab + 4, 1, 0);
    if (m->pos == LLMCOST_POS_LEARNED)
        elementwise(&l, -1, "position embedding add", LLMCOST_ROLE_ADD, LLMCOST_OPF_RESIDUAL, T * h, 3 * ab, 2 * ab, 2, 1);
    if (m->mup_multipliers) /* Falcon-H1: embed_tokens(x) * embedding_multiplier */
        mup_op(&l, -1, "embedding_multiplier", LLMCOST_OPF_RESIDUAL, T * h);
    if (m->shared.n_blocks > 0) /* Zamba2: original_hidden_states = torch.clone(inputs_embeds) */
        elementwise_k(&l, -1, "embedding clone", LLMCOST_ROLE_CAST, LLMCOST_OPF_RESIDUAL, T * h, 2 * ab, 3 * ab, 1, 1, 0);
    if (m->embed_norm) /* BLOOM's word_embeddings_layernorm */
        norm_op(&l, m, -1, "embedding norm", 0, T * e);
    dropout_op(&l, -1, "embedding dropout", LLMCOST_ROLE_DROPOUT, LLMCOST_OPF_RESIDUAL, T * h, m->dropout_embed);
    /* A learned position table or an embedding norm with weights needs the gradient of the first layer's input. */
    bool frozen_first = opt->frozen_embedding && m->pos != LLMCOST_POS_LEARNED &&
                        !(m->embed_norm && llmcost_norm_weights(m->norm) > 0);
    if (m->embed_dim != m->hidden) {
        matmul(&l, -1, LLMCOST_FC_LM_HEAD, "project_in", T, h, e, !opt->frozen_embedding, true, LLMCOST_OPF_REPLICATED);
        frozen_first = false;
    }
    /* Rotary tables: inv_freq [rot/2, 1] @ positions [1, s] per sequence, once per forward (LlamaRotaryEmbedding),
     * under no_grad: 2 * b * ceil(rot/2) * s FLOPs, no backward. GPT-J builds its table once at construction and
     * only gathers from it. */
    if (m->pos == LLMCOST_POS_ROTARY && m->n_layers > 0 && !m->rope_cached) {
        /* the first layer's attention, or the shared blocks' (Zamba2 with use_mem_rope) */
        int64_t rd = m->layers[0].attn.n_heads > 0 || m->shared.n_blocks == 0 ? m->layers[0].attn.rotary_dim
                                                                               : m->shared.attn.rotary_dim;
        double rot = (double)(2 * ((rd + 1) / 2)); /* arange(0, rot, 2) */
        if (rot > 0) {
            matmul(&l, -1, LLMCOST_FC_OTHER, "rotary frequencies", rot / 2, s, 1, false, false,
                   LLMCOST_OPF_REPLICATED | LLMCOST_OPF_PER_SEQUENCE);
            if (!l.oom) {
                l.ops[l.n - 1].role = LLMCOST_ROLE_ROTARY_TABLE;
                l.ops[l.n - 1].batch = b;
                l.ops[l.n - 1].flops *= b;
            }
            elementwise(&l, -1, "rotary cos/sin", LLMCOST_ROLE_ROTARY_TABLE, LLMCOST_OPF_REPLICATED | LLMCOST_OPF_PER_SEQUENCE,
                        b * s * rot, 3 * 4 + 2 * ab, 0, 5, 2);
        }
    }
    size_t nrep = 0;
    for (int64_t i = 0; i < nl; i++) {
        size_t c = 0;
        /* the previous layer's class first: runs of equal layers are the common case */
        if (i > 0 && same_layer(m, i, rep[sg->layer_seg[i - 1] - 1], frozen_first))
            c = (size_t)sg->layer_seg[i - 1] - 1;
        else
            for (c = 0; c < nrep && !same_layer(m, i, rep[c], frozen_first); c++)
                ;
        if (c == nrep)
            rep[nrep++] = (int32_t)i;
        sg->layer_seg[i] = (int32_t)(c + 1);
    }
    sg->begin[0] = 0;
    sg->begin[1] = l.n;
    for (size_t c = 0; c < nrep; c++) {
        layer_ops(&l, m, &m->layers[rep[c]], rep[c], rep[c] == 0 && frozen_first);
        sg->begin[c + 2] = l.n;
    }
    free(rep);
    int32_t last = (int32_t)m->n_layers;
    if (m->final_norm)
        norm_op(&l, m, last, "final norm", LLMCOST_OPF_RESIDUAL, T * h);
    if (m->embed_dim != m->hidden)
        matmul(&l, last, LLMCOST_FC_LM_HEAD, "project_out", T, e, h, true, true, LLMCOST_OPF_REPLICATED);
    /* A tied head shares the embedding: frozen embedding freezes it too. */
    matmul(&l, last, LLMCOST_FC_LM_HEAD, "lm_head", T, V, e, true, !(opt->frozen_embedding && m->tied), LLMCOST_OPF_NORMED_INPUT);
    if (m->logit_softcap > 0)
        elementwise(&l, last, "logit softcap", LLMCOST_ROLE_OTHER, 0, T * V, 6 * ab, 6 * ab, 3, 3);
    if (m->mup_multipliers) /* Falcon-H1: lm_head(x) * lm_head_multiplier */
        elementwise(&l, last, "lm_head_multiplier", LLMCOST_ROLE_OTHER, 0, T * V, 2 * ab, 2 * ab, 1, 1);
    if (m->logit_scale > 0) /* Cohere's logit_scale, Granite's 1/logits_scaling: one multiply each way */
        elementwise(&l, last, "logit scale", LLMCOST_ROLE_OTHER, 0, T * V, 2 * ab, 2 * ab, 1, 1);
    /* ForCausalLMLoss: logits.float() (a fp32 copy), cross_entropy = log_softmax + nll_loss; backward writes a
     * fp32 gradient of the logits and casts it to the logits' dtype. */
    elementwise(&l, last, "logits to fp32 + cross-entropy", LLMCOST_ROLE_LOSS, 0, T * V, (ab + 4) + 8 + 4, 8 + 4 + (4 + ab), 4, 5);
    sg->nseg = nrep + 2;
    sg->begin[sg->nseg] = l.n;
    sg->ops = l.ops;
    if (l.oom) {
        lc_op_segments_free(sg);
        return lc_fail(LLMCOST_ENOMEM, "out of memory");
    }
    return 0;
}

int llmcost_flops_ops(llmcost_op **out, size_t *n, const llmcost_model *m, const llmcost_flops_options *opt)
{
    *out = NULL;
    *n = 0;
    lc_op_segments sg;
    int rc = lc_flops_segments(&sg, m, opt);
    if (rc)
        return rc;
    /* Every layer's ops in full: its segment's, with its own index. */
    size_t total = sg.begin[1] + (sg.begin[sg.nseg] - sg.begin[sg.nseg - 1]);
    for (int64_t i = 0; i < m->n_layers; i++)
        total += sg.begin[sg.layer_seg[i] + 1] - sg.begin[sg.layer_seg[i]];
    llmcost_op *ops = malloc((total ? total : 1) * sizeof *ops);
    if (!ops) {
        lc_op_segments_free(&sg);
        return lc_fail(LLMCOST_ENOMEM, "out of memory");
    }
    size_t k = 0;
    for (size_t j = 0; j < sg.begin[1]; j++)
        ops[k++] = sg.ops[j];
    for (int64_t i = 0; i < m->n_layers; i++)
        for (size_t j = sg.begin[sg.layer_seg[i]]; j < sg.begin[sg.layer_seg[i] + 1]; j++) {
            ops[k] = sg.ops[j];
            ops[k++].layer = (int32_t)i;
        }
    for (size_t j = sg.begin[sg.nseg - 1]; j < sg.begin[sg.nseg]; j++)
        ops[k++] = sg.ops[j];
    lc_op_segments_free(&sg);
    *out = ops;
    *n = total;
    return 0;
}

/* FLOPs of one MTP module (DeepSeek-V3 §2.2): enorm/hnorm, eh_proj [2h -> h], one layer, the shared head. */
static double mtp_forward(const llmcost_model *m, const llmcost_flops_options *opt)
{
    if (m->mtp.n_modules == 0)
        return 0;
    oplist l = {0};
    l.opt = opt;
    l.act_bytes = 2;
    double T = (double)opt->batch * (double)opt->seq, h = (double)m->hidden;
    matmul(&l, 0, LLMCOST_FC_OTHER, "eh_proj", T, h, 2 * h, true, true, 0);
    layer_ops(&l, m, &m->mtp.layer, 0, false);
    matmul(&l, 0, LLMCOST_FC_LM_HEAD, "lm_head", T, (double)m->vocab, h, true, true, LLMCOST_OPF_NORMED_INPUT);
    double f = 0;
    for (size_t i = 0; i < l.n; i++)
        if (l.ops[i].kind != LLMCOST_OP_ELEMENTWISE)
            f += l.ops[i].flops;
    free(l.ops);
    return l.oom ? NAN : f * (double)m->mtp.n_modules;
}

int llmcost_flops_compute(llmcost_flops *out, const llmcost_model *m, const llmcost_flops_options *opt)
{
    const char *unmodelled = llmcost_model_unmodelled(m);
    if (unmodelled)
        return lc_fail(LLMCOST_EUNSUPPORTED, "%s: the FLOPs engine does not model %s yet", m->origin, unmodelled);
    memset(out, 0, sizeof *out);
    lc_op_segments sg;
    int rc = lc_flops_segments(&sg, m, opt);
    if (rc)
        return rc;
    rc = lc_flops_sum(out, &sg, m, opt);
    lc_op_segments_free(&sg);
    return rc;
}

/*
 * The sums of llmcost_flops_compute. Each op adds its FLOPs and bytes to a few running sums (forward, backward, the
 * other convention's, its component's, dense or MoE layers', recomputation, element-wise); each sum must add its
 * terms one by one in execution order to keep its digits. A segment's ops add the same terms at every layer of
 * it, so each segment's terms are listed once, sum by sum in op order (a subtraction as the addition of the
 * negated term: x - y and x + (-y) round alike), and each sum then adds its list once per layer, a run of equal
 * layers in one tight loop.
 */
enum {
    SUM_FWD,
    SUM_BWD,
    SUM_FWD_OTHER,
    SUM_BWD_OTHER,
    SUM_COMP,                              /* + component: forward FLOPs by component */
    SUM_COMP_BWD = SUM_COMP + LLMCOST_FC_COUNT, /* + component */
    SUM_DENSE = SUM_COMP_BWD + LLMCOST_FC_COUNT,
    SUM_MOE,
    SUM_RECOMPUTE,
    SUM_EW_FLOPS,
    SUM_EW_BYTES,
    SUM_COUNT
};

/* Up to this many terms per op (a fused qkv GEMM or the attention core: 12; element-wise ops 2). */
#define TERMS_PER_OP 12

/* A segment's terms, sum by sum: sum k adds terms[off[k]] .. terms[off[k+1] - 1] in that order; total[k] is their
 * sum, bound[k] the sum of their magnitudes, whole[k] whether every one is an integer. */
typedef struct {
    double *terms;
    size_t off[SUM_COUNT + 1];
    double total[SUM_COUNT], bound[SUM_COUNT];
    bool whole[SUM_COUNT];
} seg_terms;

typedef struct {
    int sum;
    double v;
} term;

/* The terms op "op" adds, in the order lc_flops_sum's per-op code added them. */
static size_t op_terms(term *t, const llmcost_op *op, const llmcost_model *m, const llmcost_flops_options *opt,
                       llmcost_convention other)
{
    size_t n = 0;
    if (op->kind == LLMCOST_OP_ELEMENTWISE) {
        t[n++] = (term){SUM_EW_FLOPS, op->flops};
        t[n++] = (term){SUM_EW_BYTES, op->bytes};
        return n;
    }
    t[n++] = (term){SUM_FWD, op->flops};
    t[n++] = (term){SUM_BWD, op->bwd_flops};
    if (op->kind == LLMCOST_OP_ATTENTION) {
        const llmcost_attention *a = lc_op_attention(m, op);
        double f, g;
        attention_cost(&f, &g, a, opt->attention, op->batch, pairs(op->m, a->sliding_window, other));
        t[n++] = (term){SUM_FWD_OTHER, f};
        t[n++] = (term){SUM_BWD_OTHER, g};
    } else {
        t[n++] = (term){SUM_FWD_OTHER, op->flops};
        t[n++] = (term){SUM_BWD_OTHER, op->bwd_flops};
    }
    t[n++] = (term){SUM_COMP + (int)op->component, op->flops};
    t[n++] = (term){SUM_COMP_BWD + (int)op->component, op->bwd_flops};
    if (op->kind == LLMCOST_OP_MATMUL && op->n2 > 0) {
        /* A fused qkv GEMM: the key/value share of its columns goes to kv_proj. */
        double share = (op->n - op->n2) / op->n;
        t[n++] = (term){SUM_COMP + LLMCOST_FC_Q, -(op->flops * share)};
        t[n++] = (term){SUM_COMP + LLMCOST_FC_KV, op->flops * share};
        t[n++] = (term){SUM_COMP_BWD + LLMCOST_FC_Q, -(op->bwd_flops * share)};
        t[n++] = (term){SUM_COMP_BWD + LLMCOST_FC_KV, op->bwd_flops * share};
    }
    if (op->component == LLMCOST_FC_SCORES) {
        /* The attention op carries both products: split scores and values by their head dims. */
        double share_v = op->n2 / (op->k + op->n2);
        t[n++] = (term){SUM_COMP + LLMCOST_FC_SCORES, -(op->flops * share_v)};
        t[n++] = (term){SUM_COMP + LLMCOST_FC_VALUES, op->flops * share_v};
        t[n++] = (term){SUM_COMP_BWD + LLMCOST_FC_SCORES, -(op->bwd_flops * share_v)};
        t[n++] = (term){SUM_COMP_BWD + LLMCOST_FC_VALUES, op->bwd_flops * share_v};
    }
    if (op->layer >= 0 && op->layer < m->n_layers) {
        t[n++] = (term){m->layers[op->layer].ffn.moe ? SUM_MOE : SUM_DENSE, op->flops};
        /* Recomputation repeats a layer's forward (full) or its attention core (selective). */
        if (opt->recompute == LLMCOST_RECOMPUTE_FULL ||
            (opt->recompute == LLMCOST_RECOMPUTE_SELECTIVE && op->kind == LLMCOST_OP_ATTENTION))
            t[n++] = (term){SUM_RECOMPUTE, op->flops};
    }
    return n;
}

/* Segment k's terms into "st" (its "terms" holds room for TERMS_PER_OP per op); "scratch" as much. */
static void segment_terms(seg_terms *st, term *scratch, const lc_op_segments *sg, size_t k, const llmcost_model *m,
                          const llmcost_flops_options *opt, llmcost_convention other)
{
    size_t n = 0, count[SUM_COUNT] = {0};
    for (size_t i = sg->begin[k]; i < sg->begin[k + 1]; i++)
        n += op_terms(scratch + n, &sg->ops[i], m, opt, other);
    for (size_t j = 0; j < n; j++)
        count[scratch[j].sum]++;
    st->off[0] = 0;
    for (int s = 0; s < SUM_COUNT; s++)
        st->off[s + 1] = st->off[s] + count[s];
    size_t at[SUM_COUNT];
    memcpy(at, st->off, sizeof at);
    for (size_t j = 0; j < n; j++) /* stable: each sum keeps its terms in op order */
        st->terms[at[scratch[j].sum]++] = scratch[j].v;
    for (int s = 0; s < SUM_COUNT; s++) {
        double total = 0, bound = 0;
        bool whole = true;
        for (size_t j = st->off[s]; j < st->off[s + 1]; j++) {
            double v = st->terms[j];
            total += v;
            bound += fabs(v);
            whole = whole && v == trunc(v);
        }
        st->total[s] = total;
        st->bound[s] = bound;
        st->whole[s] = whole;
    }
}

/*
 * Adds segment "st"'s terms "times" times over (once per layer of a run of equal layers) to the sums, each term in
 * turn. When the running sum and every term are integers and no partial sum can reach 2^52, every one of those
 * additions is exact (integers below 2^53 are doubles), so the result is the exact sum r + times x total, and that
 * is what one multiplication and one addition give: total's own partial sums, times x total and the final sum are
 * integers below 2^52 as well, all exact. FLOPs are integers (2mnk, causal pairs s(s+1)/2) well below 2^52 at the
 * usual sizes; any other sum, or a larger one, is added term by term.
 */
static void add_terms(double *sums, const seg_terms *st, int64_t times)
{
    for (int s = 0; s < SUM_COUNT; s++) {
        size_t n = st->off[s + 1] - st->off[s];
        if (n == 0)
            continue;
        const double *v = st->terms + st->off[s];
        double r = sums[s];
        if (st->whole[s] && r == trunc(r) && fabs(r) + (double)times * st->bound[s] < 0x1p52) {
            sums[s] = r + (double)times * st->total[s];
            continue;
        }
        if (n == 1) {
            double x = v[0];
            for (int64_t i = 0; i < times; i++)
                r += x;
        } else {
            for (int64_t i = 0; i < times; i++)
                for (size_t j = 0; j < n; j++)
                    r += v[j];
        }
        sums[s] = r;
    }
}

/* Every sum of the step's ops, each term added in execution order. */
static int flops_sums(double *sums, const lc_op_segments *sg, const llmcost_model *m, const llmcost_flops_options *opt)
{
    memset(sums, 0, SUM_COUNT * sizeof *sums);
    llmcost_convention other = opt->convention == LLMCOST_CONV_CAUSAL ? LLMCOST_CONV_UNMASKED : LLMCOST_CONV_CAUSAL;
    size_t nops = sg->begin[sg->nseg];
    double *terms = malloc((nops ? nops : 1) * TERMS_PER_OP * sizeof *terms);
    term *scratch = malloc((nops ? nops : 1) * TERMS_PER_OP * sizeof *scratch);
    seg_terms *st = malloc(sg->nseg * sizeof *st);
    if (!terms || !scratch || !st) {
        free(terms);
        free(scratch);
        free(st);
        return lc_fail(LLMCOST_ENOMEM, "out of memory");
    }
    for (size_t k = 0; k < sg->nseg; k++) {
        st[k].terms = terms + sg->begin[k] * TERMS_PER_OP;
        segment_terms(&st[k], scratch + sg->begin[k] * TERMS_PER_OP, sg, k, m, opt, other);
    }
    add_terms(sums, &st[0], 1);
    for (int64_t l = 0; l < m->n_layers;) {
        int64_t r = l + 1;
        while (r < m->n_layers && sg->layer_seg[r] == sg->layer_seg[l])
            r++;
        add_terms(sums, &st[sg->layer_seg[l]], r - l);
        l = r;
    }
    add_terms(sums, &st[sg->nseg - 1], 1);
    free(terms);
    free(scratch);
    free(st);
    return 0;
}

int lc_flops_sum(llmcost_flops *out, const lc_op_segments *sg, const llmcost_model *m, const llmcost_flops_options *opt)
{
    memset(out, 0, sizeof *out);
    /* The ops under the chosen convention fill the totals; only the attention cores change under the other one,
     * so those are costed again there and every other op counts the same in both sums (kept in one order, so
     * each sum is what a list built under its own convention gives). */
    double sums[SUM_COUNT];
    int rc = flops_sums(sums, sg, m, opt);
    if (rc)
        return rc;
    for (int c = 0; c < LLMCOST_FC_COUNT; c++) {
        out->components[c] = sums[SUM_COMP + c];
        out->components_bwd[c] = sums[SUM_COMP_BWD + c];
    }
    out->dense_layer_forward = sums[SUM_DENSE];
    out->moe_layer_forward = sums[SUM_MOE];
    out->recompute = sums[SUM_RECOMPUTE];
    out->elementwise_flops = sums[SUM_EW_FLOPS];
    out->elementwise_bytes = sums[SUM_EW_BYTES];
    double fwd = sums[SUM_FWD], bwd = sums[SUM_BWD], fwd_other = sums[SUM_FWD_OTHER], bwd_other = sums[SUM_BWD_OTHER];
    bool causal = opt->convention == LLMCOST_CONV_CAUSAL;
    out->forward_causal = causal ? fwd : fwd_other;
    out->backward_causal = causal ? bwd : bwd_other;
    out->forward_unmasked = causal ? fwd_other : fwd;
    out->backward_unmasked = causal ? bwd_other : bwd;
    out->tokens = (double)opt->batch * (double)opt->seq;
    out->forward = fwd;
    out->backward = bwd;
    out->model_flops = out->forward + out->backward;
    out->hardware_flops = out->model_flops + out->recompute;
    out->per_token = out->model_flops / out->tokens;
    out->mtp_forward = mtp_forward(m, opt);
    return 0;
}

int lc_flops_totals(llmcost_flops *out, const lc_op_segments *sg, const llmcost_model *m, const llmcost_flops_options *opt)
{
    /* forward, backward and recompute of lc_flops_sum: the same sums */
    memset(out, 0, sizeof *out);
    double sums[SUM_COUNT];
    int rc = flops_sums(sums, sg, m, opt);
    if (rc)
        return rc;
    double fwd = sums[SUM_FWD], bwd = sums[SUM_BWD], rec = sums[SUM_RECOMPUTE];
    out->tokens = (double)opt->batch * (double)opt->seq;
    out->forward = fwd;
    out->backward = bwd;
    out->recompute = rec;
    out->model_flops = fwd + bwd;
    out->hardware_flops = out->model_flops + rec;
    out->per_token = out->model_flops / out->tokens;
    return 0;
}

int64_t llmcost_flops_typical_layer(const llmcost_model *m)
{
    for (int64_t i = 0; i < m->n_layers; i++)
        if (m->layers[i].ffn.moe)
            return i;
    return 0;
}

int llmcost_flops_layer_forward(double *out, const llmcost_model *m, int64_t layer, const llmcost_flops_options *opt)
{
    *out = 0;
    if (layer < 0 || layer >= m->n_layers)
        return lc_fail(LLMCOST_EINVAL, "layer %lld does not exist (0 to %lld)", (long long)layer, (long long)(m->n_layers - 1));
    lc_op_segments sg;
    int rc = lc_flops_segments(&sg, m, opt);
    if (rc)
        return rc;
    int32_t k = sg.layer_seg[layer];
    for (size_t i = sg.begin[k]; i < sg.begin[k + 1]; i++)
        if (sg.ops[i].kind != LLMCOST_OP_ELEMENTWISE)
            *out += sg.ops[i].flops;
    lc_op_segments_free(&sg);
    return 0;
}

const char *llmcost_flops_component_name(llmcost_flops_component c)
{
    static const char *const names[LLMCOST_FC_COUNT] = {
        "q_proj", "kv_proj", "o_proj", "attention_scores", "attention_values", "dense_mlp",
        "routed_experts", "shared_experts", "router", "lm_head", "other"};
    return c >= 0 && c < LLMCOST_FC_COUNT ? names[c] : "?";
}

double llmcost_flops_convention(llmcost_convention_kind c, const llmcost_model *m, const llmcost_flops *f,
                                const llmcost_flops_options *opt)
{
    llmcost_params p;
    if (llmcost_params_count(&p, m) != 0)
        return NAN;
    double T = f->tokens, s = (double)opt->seq, L = (double)m->n_layers, h = (double)m->hidden;
    double B = (double)opt->batch, V = (double)m->vocab;
    const llmcost_attention *a = m->n_layers > 0 ? &m->layers[0].attn : NULL;
    double heads = a ? (double)a->n_heads : 0, q = a ? (double)a->head_dim : 0;
    switch (c) {
    case LLMCOST_CONVENTION_6ND_TOTAL:
        return 6 * (double)p.total * T;
    case LLMCOST_CONVENTION_6ND_ACTIVE:
        return 6 * (double)p.active * T;
    case LLMCOST_CONVENTION_KAPLAN:
        /* Kaplan et al. 2020 Table 1: C_forward = 2N + 2 n_layer n_ctx d_attn, N non-embedding; x3 for training. */
        return 3 * (2 * (double)(p.active - p.embedding) + 2 * L * s * heads * q) * T;
    case LLMCOST_CONVENTION_PALM:
        /* Chowdhery et al. 2022 App. B: 6N + 12 L H Q T per token (N: parameters a token uses). */
        return (6 * (double)p.active + 12 * L * heads * q * s) * T;
    case LLMCOST_CONVENTION_MEGATRON:
        /* Narayanan et al. 2021 eq. (3) without recomputation: 72 B s L h^2 (1 + s/(6h) + V/(12 h L)). */
        return 72 * B * s * L * h * h * (1 + s / (6 * h) + V / (12 * h * L));
    case LLMCOST_CONVENTION_EXACT_UNMASKED:
        return f->forward_unmasked + f->backward_unmasked;
    case LLMCOST_CONVENTION_EXACT_CAUSAL:
        return f->forward_causal + f->backward_causal;
    default:
        return NAN;
    }
}

const char *llmcost_convention_name(llmcost_convention_kind c)
{
    static const char *const names[LLMCOST_CONVENTION_COUNT] = {
        "6ND_total", "6ND_active", "kaplan", "palm", "megatron", "exact_unmasked", "exact_causal"};
    return c >= 0 && c < LLMCOST_CONVENTION_COUNT ? names[c] : "?";
}

const char *llmcost_convention_source(llmcost_convention_kind c)
{
    static const char *const src[LLMCOST_CONVENTION_COUNT] = {
        "6·N_total·D (Kaplan et al. 2020; Hoffmann et al. 2022)",
        "6·N_active·D (MoE: parameters a token passes through)",
        "Kaplan et al. 2020, Table 1: 3·(2N + 2·n_layer·n_ctx·d_attn) per token, N non-embedding",
        "Chowdhery et al. 2022 (PaLM), App. B: 6N + 12·L·H·Q·T per token",
        "Narayanan et al. 2021, eq. 3: 72·B·s·L·h²·(1 + s/6h + V/12hL)",
        "exact, every matrix product, attention unmasked (PyTorch's flop counter)",
        "exact, every matrix product, causal attention computes s(s+1)/2 pairs"};
    return c >= 0 && c < LLMCOST_CONVENTION_COUNT ? src[c] : "?";
}
