/* memory.c - per-GPU training memory: what each precision stores, what each layer keeps for backward, and when
 * the step peaks. The hf profile follows what PyTorch + transformers allocate, tensor by tensor, as measured with
 * saved-tensor hooks on an H200 (data/calibration/h200_measured_2026-11-28.json); the megatron profile follows
 * Korthikanti et al. 2022. docs/formulas.md derives every term. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "llmcost/job.h"
#include "llmcost/memory.h"
#include "llmcost/params.h"

#define MIB 1048576.0

/* Bytes per element each precision recipe uses for each kind of tensor. Weights, gradients, master copy and
 * optimizer states come from the one precision-recipe table (llmcost_job_param_bytes, job.c), shared with step. */
typedef struct {
    double p;        /* stored weights */
    double g;        /* gradients */
    double master;   /* fp32 master copy kept by the optimizer (0 when the weights are the master) */
    double state;    /* one optimizer state element (AdamW moment) */
    double opt;      /* optimizer bytes per parameter, master copy included (Adafactor: master only) */
    double e;        /* activations in the matrix products (compute dtype) */
    double r;        /* the residual stream between layers */
    bool autocast;   /* fp32 weights cast to bf16 at each Linear: per-consumer input casts, cached weight copies */
    double cache;    /* low-precision weight copy per matmul parameter kept for backward */
    double lin_in;   /* bytes of a cached Linear input when it is re-quantised (fp8), else 0 */
    double expert;   /* routed experts' compute dtype (grouped GEMMs are not autocast: fp32 under amp) */
} recipe;

static recipe recipe_of(const llmcost_memory_options *o, llmcost_param_bytes *pb)
{
    llmcost_job j;
    llmcost_job_from_memory_options(&j, o);
    llmcost_job_param_bytes(pb, &j);
    recipe R = {0};
    switch (o->precision) {
    case LLMCOST_PREC_FP32:
        R = (recipe){0, 0, 0, 0, 0, 4, 4, false, 0, 0, 4};
        break;
    case LLMCOST_PREC_AMP_BF16:
        R = (recipe){0, 0, 0, 0, 0, 2, 4, true, 2, 0, 4};
        break;
    case LLMCOST_PREC_BF16:
    case LLMCOST_PREC_BF16_MASTER:
    case LLMCOST_PREC_FP16: /* 16-bit activations, as bf16: the same bytes */
        R = (recipe){0, 0, 0, 0, 0, 2, 2, false, 0, 0, 2};
        break;
    case LLMCOST_PREC_FP8:
    default:
        /* fp8 GEMM inputs cached for backward (DeepSeek-V3 §3.3), one byte per weight of the fp8 copy. */
        R = (recipe){0, 0, 0, 0, 0, 2, 2, false, 1, 1, 2};
        break;
    }
    R.p = pb->weights;
    R.g = pb->gradients;
    R.master = pb->master;
    R.state = pb->moment;
    R.opt = pb->optimizer;
    return R;
}

/* Fine-tuning with adapters (LoRA, DoRA, QLoRA; docs/formulas.md "Fine-tuning memory"): what the engine needs of a
 * job's finetune. The mechanism is autograd's: an op saves a tensor only for a gradient some input needs, so a
 * frozen Linear keeps no input (its weight needs no gradient; its input's gradient needs only the weight), a frozen
 * norm weight no normalised input, and each adapter keeps its own input (lora_A), x A (lora_B) and its dropout's
 * mask. NULL in the engine: pre-training or full fine-tuning. */
typedef struct {
    const llmcost_finetune *ft;
    llmcost_finetune_params fp;
    uint32_t targets;
    double rank, dropout;
    bool dora;
    llmcost_param_bytes ab; /* the adapters' bytes per parameter: weights, gradients, optimizer states */
    double act;             /* bytes of an element the adapters keep (their GEMMs' input dtype) */
    bool cast;              /* the adapters' input is a copy in their dtype (PEFT's _cast_input_dtype), or
                               autocast's bf16 copy */
    double largest_quant;   /* weights of the largest quantised matrix (its dequantised copy, QLoRA) */
    bool bnb_4bit;          /* NF4 / FP4: bitsandbytes' MatMul4Bit keeps each quantised Linear's input */
    bool qkv_one_dropout;   /* LitGPT's LoRAQKVLinear: one dropout on the fused qkv input for the q, k and v
                               adapters together (litgpt/lora.py: F.linear(self.lora_dropout(x), self.lora_A)) */
    double largest_dora;    /* weights of the largest DoRA-adapted matrix (its weight copy for the norm) */
    bool head_quant;        /* LitGPT's QLoRA: the head quantised too (lc_ft_head_quantised) */
    bool block_inputs;      /* LitGPT's FSDP with LoRA: the Blocks' frozen Linears keep their inputs (ft_block_inputs) */
} ft_mem;

/* The adapters' share of one layer: what they keep per token and which of the layer's shared inputs an adapter
 * keeps as it is (so the frozen base's consumers of it no longer decide). */
typedef struct {
    double kept;       /* bytes per token */
    double params;     /* adapter parameters of the layer */
    double factored;   /* Adafactor's statistics of its adapters: rows + columns of A and B */
    bool attn_in, o_in, ffn_in, down_in, shared_down_in, q_b_in, kv_b_in;
    bool ssm_in;       /* the mixer's input projections' input (the norm's output, or Falcon-H1's scaled copy) */
    bool ssm_out_in;   /* the mixer's out_proj input (Jamba: silu(z) y; Gated DeltaNet: the gated norm's output) */
    bool dt_in;        /* Jamba's dt_proj input (dt_layernorm's output) */
} lora_layer;

static bool role_row_parallel(int r)
{
    return r == LLMCOST_LR_O || r == LLMCOST_LR_MLP_DOWN || r == LLMCOST_LR_SHARED_DOWN || r == LLMCOST_LR_EXPERT_DOWN ||
           r == LLMCOST_LR_SSM_X || r == LLMCOST_LR_SSM_OUT;
}

static void keeps_input(lora_layer *Y, int role);

static lora_layer lora_of(const ft_mem *F, const llmcost_model *m, const llmcost_layer *L, double tp)
{
    lora_layer Y = {0};
    lc_ft_mat ms[24];
    int n = lc_ft_layer_mats(ms, m, L);
    double r = F->rank;
    bool qkv_dropped = false; /* a q, k or v adapter's dropout counted (LitGPT's shared one) */
    for (int i = 0; i < n; i++) {
        const lc_ft_mat *x = &ms[i];
        if (x->count == 0 || !(F->targets & (1u << x->role)))
            continue;
        double k = (double)x->in, o = (double)x->out;
        Y.params += (double)x->count * (r * (k + o) + (F->dora ? o : 0)) / tp;
        Y.factored += (double)x->count * (2 * r + k + o) / tp;
        if (role_row_parallel(x->role))
            k /= tp;
        else
            o /= tp;
        /* routed experts: each token passes top_k of them */
        bool expert = x->role >= LLMCOST_LR_EXPERT_GATE && x->role <= LLMCOST_LR_EXPERT_DOWN;
        double tokens = expert ? (double)L->ffn.top_k : 1;
        double b = F->act * r;                        /* x A, kept by lora_B */
        bool itself = false;
        bool qkv = x->role == LLMCOST_LR_Q || x->role == LLMCOST_LR_K || x->role == LLMCOST_LR_V;
        if (F->dropout > 0 && F->qkv_one_dropout && qkv && qkv_dropped)
            ;                                         /* LitGPT: q, k and v share the fused layer's one dropout */
        else if (F->dropout > 0)
            b += k + F->act * k;                      /* the dropout's bool mask, its output (kept by lora_A) */
        else if (F->cast)
            b += F->act * k;                          /* the cast copy lora_A keeps */
        else
            itself = true;                            /* lora_A keeps the layer's tensor itself */
        if (F->dora)
            b += 2 * F->act * o;                      /* the base output and lora_B's, kept by the magnitude's products */
        Y.kept += b * tokens;
        if (qkv)
            qkv_dropped = true;
        if (itself)
            keeps_input(&Y, x->role);
    }
    /* bitsandbytes' MatMul4Bit (NF4, FP4) keeps its input A for a weight gradient it never computes
     * (ctx.tensors = (A, B) whenever an input needs a gradient): every quantised Linear keeps its input itself. */
    for (int i = 0; F->bnb_4bit && i < n; i++)
        if (ms[i].count > 0 && lc_ft_quantised(m, F->ft, ms[i].role))
            keeps_input(&Y, ms[i].role);
    /* LitGPT's FSDP with LoRA (ft_block_inputs): each frozen Linear's weight is a view of a FlatParameter that
     * requires a gradient, so its mm saves its input for the weight-gradient GEMM (torch's mm backward: dW = dY^T X
     * needs X): q/k/v's (the fused qkv's one input), o's (the attention output, kept anyway), gate/up's (one
     * input) and down's input stay. */
    for (int i = 0; F->block_inputs && i < n; i++)
        if (ms[i].count > 0)
            keeps_input(&Y, ms[i].role);
    return Y;
}

/* The layer's tensor a Linear of role "role" reads, marked as kept by it (its input, as it is). */
static void keeps_input(lora_layer *Y, int role)
{
    switch (role) {
    case LLMCOST_LR_Q: case LLMCOST_LR_K: case LLMCOST_LR_V: case LLMCOST_LR_QKV: case LLMCOST_LR_Q_A:
    case LLMCOST_LR_KV_A:
        Y->attn_in = true;
        break;
    case LLMCOST_LR_O:
        Y->o_in = true;
        break;
    case LLMCOST_LR_Q_B:
        Y->q_b_in = true;
        break;
    case LLMCOST_LR_KV_B:
        Y->kv_b_in = true;
        break;
    case LLMCOST_LR_MLP_DOWN:
        Y->down_in = true;
        break;
    case LLMCOST_LR_SHARED_DOWN:
        Y->shared_down_in = true;
        break;
    case LLMCOST_LR_EXPERT_GATE: case LLMCOST_LR_EXPERT_UP: case LLMCOST_LR_EXPERT_DOWN:
        break; /* the routed experts' gathered inputs are counted as kept anyway */
    case LLMCOST_LR_SSM_IN: case LLMCOST_LR_GDN_QKVZ: case LLMCOST_LR_GDN_BA: case LLMCOST_LR_GDN_Z: case LLMCOST_LR_GDN_A:
        Y->ssm_in = true;
        break;
    case LLMCOST_LR_SSM_OUT:
        Y->ssm_out_in = true;
        break;
    case LLMCOST_LR_SSM_DT:
        Y->dt_in = true;
        break;
    case LLMCOST_LR_SSM_X:
        break; /* Jamba's x_proj reads the conv1d output, which the scan keeps anyway */
    default:
        Y->ffn_in = true; /* gate, up, gate_up, shared gate and up, router, shared expert gate */
    }
}

/* LitGPT's FSDP (ZeRO-3) with LoRA: Fabric's FSDPStrategy (use_orig_params=True) flattens each Block's frozen
 * weights and adapters into one FlatParameter that requires a gradient (FlatParamHandle._validate_tensors_to_flatten:
 * the logical OR of its members), and the forward runs on its views: the frozen Linears' weights require a
 * gradient too (their weight-gradient GEMMs, step.c ft_block_grads; their gradients, fsdp_grad below). */
static bool ft_block_inputs(const llmcost_finetune *ft, const llmcost_memory_options *o)
{
    return ft && ft->method == LLMCOST_FT_LORA && o->framework == LLMCOST_FW_LITGPT && o->layout.zero >= 3;
}

/* "F" for the job's finetune "ft" under recipe "R" (0), or a failure of the count. */
static int ft_mem_of(ft_mem *F, const llmcost_model *m, const llmcost_finetune *ft, const llmcost_memory_options *o,
                     const recipe *R)
{
    memset(F, 0, sizeof *F);
    F->ft = ft;
    /* The count `llmcost params --framework` prints: as the framework stores the job. */
    int rc = llmcost_finetune_count_framework(&F->fp, m, ft, (int)o->framework);
    if (rc < 0)
        return rc;
    F->head_quant = lc_ft_head_quantised(m, ft, (int)o->framework);
    F->targets = ft->targets;
    if (!F->targets && (rc = llmcost_lora_targets_default(&F->targets, m)) < 0)
        return rc;
    F->rank = (double)(ft->rank ? ft->rank : 8);
    F->dropout = ft->dropout;
    F->dora = ft->variant == LLMCOST_LORA_DORA;
    /* The adapters' dtype: as stated; else PEFT's fp32 under hf, the recipe's under megatron. They train in it
     * with no master copy: the bytes of the fp32 (or pure bf16) recipe with the job's optimizer. */
    llmcost_job aj;
    llmcost_job_from_memory_options(&aj, o);
    aj.finetune = *ft;
    lc_ft_adapter_param_bytes(&F->ab, &aj);
    F->act = R->autocast ? 2 : F->ab.weights;
    F->cast = R->autocast || F->act != R->e;
    /* torchtune's NF4 is torchao's (LinearNF4: ctx saves the NF4 weight only), not bitsandbytes'. */
    F->bnb_4bit = ft->method == LLMCOST_FT_QLORA && o->framework != LLMCOST_FW_TORCHTUNE &&
                  (ft->quant == LLMCOST_QUANT_NONE || ft->quant == LLMCOST_QUANT_NF4 || ft->quant == LLMCOST_QUANT_FP4);
    F->qkv_one_dropout = o->framework == LLMCOST_FW_LITGPT;
    F->block_inputs = ft_block_inputs(ft, o);
    lc_ft_mat ms[24];
    for (int64_t i = 0; i < m->n_layers; i++) {
        if (i > 0 && !memcmp(&m->layers[i], &m->layers[i - 1], sizeof m->layers[i]))
            continue;
        int n = lc_ft_layer_mats(ms, m, &m->layers[i]);
        for (int k = 0; k < n; k++) {
            double w = (double)ms[k].in * (double)ms[k].out;
            if (ms[k].count > 0 && lc_ft_quantised(m, ft, ms[k].role) && w > F->largest_quant)
                F->largest_quant = w;
            if (ms[k].count > 0 && F->dora && (F->targets & (1u << ms[k].role)) && w > F->largest_dora)
                F->largest_dora = w;
        }
    }
    return 0;
}

/* How a model family's RMSNorm keeps tensors (from the transformers implementations). */
typedef enum {
    NORM_RMS_CAST,   /* x.float(), normalise, cast back, weight * x (Llama, Mistral, Qwen, DeepSeek, Phi-3, OLMoE) */
    NORM_RMS_FP32,   /* weight applied in fp32, then cast (Gemma's 1 + w, OLMo 2, gpt-oss) */
    NORM_LAYER       /* native_layer_norm: input, mean and rstd */
} norm_style;

static norm_style style_of(const llmcost_model *m, llmcost_framework fw)
{
    /* LitGPT's RMSNorm (litgpt/model.py) upcasts x, normalises and applies its weight in fp32, then casts back: the
     * fp32 normalised input is what the weight's gradient keeps, as in Gemma's. */
    if (fw == LLMCOST_FW_LITGPT && m->norm == LLMCOST_NORM_RMS)
        return NORM_RMS_FP32;
    /* Every LayerNorm variant keeps input, mean and rstd (MPT's bias-free nn.LayerNorm, OLMo's parameter-free
     * F.layer_norm and Cohere's LayerNorm, which computes mean and variance in fp32 without native_layer_norm, are
     * taken as native_layer_norm: no saved-tensor census of them was measured). */
    if (m->norm != LLMCOST_NORM_RMS)
        return NORM_LAYER;
    if (m->norm_fp32_weight)
        return NORM_RMS_FP32;
    return NORM_RMS_CAST;
}

/* Bytes per token kept by an HF norm of width "w" whose output feeds "consumers" Linear layers (0: a residual
 * add or another norm). Measured per token, bf16 Llama: 4w (fp32 copy) + 4 (rsqrt) + 2w (normalised) + 2w
 * (output, saved once by q/k/v); under autocast the input is the fp32 residual itself and each Linear saves its
 * own bf16 cast of the output. */
static double hf_norm(const recipe *R, norm_style st, double w, double in_bytes, int consumers)
{
    double kept, out;
    if (st == NORM_LAYER) {
        kept = in_bytes * w + 8;                        /* input, mean, rstd */
        out = R->autocast ? 4 : R->e;                   /* layer_norm runs in fp32 under autocast */
    } else {
        double norm_dt = (st == NORM_RMS_FP32 || in_bytes == 4) ? 4 : in_bytes;
        kept = 4 * w + 4 + norm_dt * w;                 /* fp32 input (copy), rsqrt, normalised */
        out = R->autocast ? 4 : in_bytes;
    }
    if (consumers > 0) {
        if (R->autocast)
            kept += consumers * 2 * w;                  /* each Linear casts its fp32 input to bf16 */
        else if (R->lin_in > 0)
            kept += consumers * R->lin_in * w;          /* fp8: each GEMM caches its quantised input */
        else
            kept += out * w;                            /* the output, shared by the consumers */
    }
    return kept;
}

/* The same norm with its weight frozen (LoRA, QLoRA): the normalised input was kept only for the weight's gradient,
 * so it goes; the output is kept only when an adapter's lora_A keeps it as it is ("keep_out"). */
static double hf_norm_frozen(const recipe *R, norm_style st, double w, double in_bytes, bool keep_out)
{
    if (st == NORM_LAYER)
        return in_bytes * w + 8 + (keep_out ? (R->autocast ? 4 : R->e) * w : 0);
    return 4 * w + 4 + (keep_out ? (R->autocast ? 4 : in_bytes) * w : 0);
}

/* LitGPT's FSDP with LoRA (ft_block_inputs, h-ft19): a Block's norms' weights are views of its FlatParameter, which
 * requires a gradient, so each norm keeps what its weight's gradient needs besides what hf_norm_frozen counts.
 * LitGPT's RMSNorm (litgpt/model.py at 26857050f: x = x.float(); x_normed = x * rsqrt(mean(x * x) + eps); return
 * (x_normed * weight.float()).to(dtype)): the mul with weight.float() saves x_normed, fp32, 4 bytes a channel (its
 * fp32 x and rsqrt are counted already). A LayerNorm's weight gradient needs only its input, mean and rstd, kept
 * already. The root unit's final norm is frozen alone (no gradient): not here. */
static double block_norm_weight(const ft_mem *F, norm_style st, double w)
{
    return F && F->block_inputs && st == NORM_RMS_FP32 ? 4 * w : 0;
}

/* Kept bytes of one layer, split for the breakdown. Per-token terms times T plus fixed terms. */
typedef struct {
    double norms, attention, mlp, moe, dropout, lora;
} layer_bytes;

static double layer_total(const layer_bytes *b)
{
    return b->norms + b->attention + b->mlp + b->moe + b->dropout + b->lora;
}

/* Bytes per token a state-space mixer keeps for backward beyond its input (the norm's output, which in_proj keeps),
 * as the mamba_ssm kernels save them (docs/formulas.md, "State-space mixers: memory"); "tp" splits the channels and
 * heads, "s" is the sequence length. Mamba (mamba_inner_fn, checkpoint_lvl 1: the conv1d output and dt are
 * recomputed): xz, a contiguous copy of in_proj's output (2d), x_dbl (R + 2N), contiguous copies of B and C (2N), the
 * scan's output y (d), in the compute dtype, and the scan's fp32 state checkpoints, 2N per channel every 2048
 * tokens. Mamba-2 (mamba_split_conv1d_scan_combined): in_proj's output zxbcdt (2d + 2GN + H) and the scan's output
 * (d) in the compute dtype, the gated norm's fp32 rstd per group (none without the norm: Falcon-H1's
 * mamba_rms_norm false passes no rmsnorm_weight, and the kernel gates by silu(z) itself); out_proj runs inside the
 * function and keeps nothing. */
static double ssm_kept(const llmcost_ssm *ss, double e, double s, double tp, const lora_layer *Y)
{
    double D = (double)ss->d_inner / tp, N = (double)ss->d_state;
    /* Under adapters ("Y": the base frozen; docs/formulas.md, "Fine-tuning memory" and "Fine-tuning on
     * state-space and hybrid models"): the fused kernels (mamba_inner_fn, mamba_split_conv1d_scan_combined) save
     * what they save whatever needs a gradient; the ops run one by one (Jamba's mixer, Gated DeltaNet's gates) save
     * only for the gradients that exist. */
    if (ss->kind == LLMCOST_SSM_MAMBA1 && ss->dt_bc_norms) {
        /* Jamba (JambaMambaMixer.cuda_kernels_forward: causal_conv1d_fn, then selective_scan_fn, no
         * mamba_inner_fn): in_proj's output [b, s, 2d] stays whole, held by the conv1d's saved x (a view of its
         * first half); the conv1d output u (saved by x_proj and the scan); the scan's contiguous copies of dt and z;
         * its output y before the gate and the gated output silu(z) y that out_proj keeps: 7d in the compute dtype.
         * Each of the three JambaRMSNorms (widths R, N, N) keeps LlamaRMSNorm's fp32 input copy, rsqrt and
         * normalised input, and one tensor of its width after it (dt_proj's input; the scan's contiguous copies of B
         * and C): (4 + 2e) w + 4. The scan's fp32 checkpoints as Mamba's. */
        double R = (double)ss->dt_rank;
        double ckpt = 4 * 2 * N * D * ceil(s / 2048) / s;
        if (Y) {
            /* frozen: out_proj keeps no input (silu(z) y) and dt_proj none (dt_layernorm's output) unless an adapter
             * or a quantised MatMul4Bit keeps it; the three norms' weights keep no normalised input. */
            return e * (6 * D + (Y->ssm_out_in ? D : 0)) + 4 * (R + 2 * N) + 3 * 4 + e * 2 * N + (Y->dt_in ? e * R : 0) +
                   ckpt;
        }
        return e * 7 * D + (4 + 2 * e) * (R + 2 * N) + 3 * 4 + ckpt;
    }
    if (ss->kind == LLMCOST_SSM_GATED_DELTANET) {
        /* Qwen3NextGatedDeltaNet with flash-linear-attention (docs/formulas.md, "Gated DeltaNet: memory"): the
         * conv1d's saved x, the concatenated q, k, v (conv_dim); ChunkGatedDeltaRuleFunction's saved q and k after
         * l2norm (H K each, at the value heads), v (H V), beta (H), and A = (I + A)^-1 (H C, in k's dtype), with the
         * fp32 rstd of q and k and the cumulative g (4H each); softplus's fp32 input and output for g (8H); the gated
         * norm's x = o and z (H V each) and its fp32 rstd per row (4H); out_proj's input (H V). */
        double H = (double)ss->n_heads / tp, K = N, V = (double)ss->head_dim, C = (double)ss->chunk_size;
        double conv = 2 * (double)ss->n_groups * K / tp + D;
        if (Y) {
            /* frozen: A_log needs no gradient, so -exp(A_log) * softplus(...) keeps no softplus output (4H of the
             * 8H); out_proj keeps its input only for an adapter (or a quantised MatMul4Bit) that keeps it. */
            return e * (conv + 2 * H * K + H * V + H + H * C + 2 * H * V + (Y->ssm_out_in ? H * V : 0)) + 4 * 3 * H +
                   4 * H + 4 * H;
        }
        return e * (conv + 2 * H * K + H * V + H + H * C + 3 * H * V) + 4 * 3 * H + 8 * H + 4 * H;
    }
    if (ss->kind == LLMCOST_SSM_LIGHTNING) {
        /* MiniMaxLightningAttention, eager (docs/formulas.md, "Lightning attention: memory"): SiLU's input and output
         * (3D each; q, k, v are views of the output, kept by the block products), q * query_decay and k * key_decay
         * (D each), per block S * diagonal_decay (H Bi^2) and the KV state the inter product reads (H d^2, block 0's
         * zeros included), MiniMaxRMSNorm's fp32 input copy, rsqrt, normalised input and output, the sigmoid gate's
         * output (its backward's and the product's), out_proj's input. Adapters are refused on this model. */
        double H = (double)ss->n_heads / tp, d = (double)ss->head_dim, B = (double)ss->chunk_size;
        double nf = floor(s / B), r = s - nf * B, nb = nf + (r > 0 ? 1 : 0);
        return e * 12 * D + 4 * D + 4 + e * H * (nf * B * B + r * r + nb * d * d) / s;
    }
    if (ss->kind == LLMCOST_SSM_MAMBA1) {
        double R = (double)ss->dt_rank;
        return e * (2 * D + R + 2 * N + 2 * N + D) + 4 * 2 * N * D * ceil(s / 2048) / s;
    }
    double G = (double)ss->n_groups, H = (double)ss->n_heads / tp;
    return e * (2 * D + 2 * G * N + H + D) + (ss->gated_norm ? 4 * G : 0);
}

/* Bytes per token attention block "a" keeps for backward beyond its input (the norm's output) in the HF profile: q, k
 * and v as the kernel keeps them, its output, its internals (log-sum-exp, eager's probabilities), q/k norms. */
static double hf_attention(const llmcost_model *m, const llmcost_attention *a, const recipe *R,
                           const llmcost_memory_options *o, double s, double tp, const ft_mem *F, const lora_layer *Yp)
{
    const lora_layer Y = *Yp;
    norm_style st = style_of(m, o->framework);
    double e = R->e;
    double A = (double)a->n_heads / tp, KV = fmax(1, (double)a->n_kv_heads / tp), d = (double)a->head_dim,
           dv = (double)a->v_head_dim;
    bool mla = a->kind == LLMCOST_ATTN_MLA;
    bool eager = o->attention == LLMCOST_ATTN_EAGER || lc_attn_math(o->attention, a);
    bool selective = o->recompute == LLMCOST_RECOMPUTE_SELECTIVE;
#define NORM(w, in, consumers, keep) (F ? hf_norm_frozen(R, st, (w), (in), (keep)) + block_norm_weight(F, st, (w)) : hf_norm(R, st, (w), (in), (consumers)))
    double at = 0;
    if (mla) {
        double ql = (double)a->q_lora_rank, kvl = (double)a->kv_lora_rank;
        double qk = (double)(a->qk_nope_head_dim + a->qk_rope_head_dim);
        if (ql > 0)
            at += NORM(ql, e, 1, Y.q_b_in);          /* q_a_layernorm, read by q_b_proj */
        at += NORM(kvl, e, 1, Y.kv_b_in);            /* kv_a_layernorm, read by kv_b_proj */
        at += e * A * qk * 2;                        /* q and k assembled with their rotary parts */
        at += e * A * ((double)a->qk_nope_head_dim + dv); /* v: a view that keeps kv_b_proj's whole output */
        at += e * A * dv;                            /* attention output */
        if (!F || Y.o_in)
            at += e * A * dv;                        /* its contiguous copy, read by o_proj (if o_proj keeps it) */
    } else if (o->framework == LLMCOST_FW_LITGPT && !eager && !lc_attn_math(o->attention, a)) {
        /* LitGPT (litgpt/model.py CausalSelfAttention; lit_gpt/model.py at 8641822 the same): one fused qkv Linear;
         * q and k are rotated copies (torch.cat of the roped part and the rest). With as many kv as query heads, v
         * is a view of the qkv output, which SDPA's saved v keeps whole; with fewer (GQA, MQA) k and v are
         * repeat_interleave'd to every head before SDPA (in training, MQA too), so SDPA keeps those copies and the
         * qkv output goes. Then the output. */
        if (KV >= A)
            at += e * (A * d + KV * d + KV * dv) + e * (A * d + KV * d) + e * A * dv;
        else
            at += e * A * d + e * A * d + e * A * dv + e * A * dv;
    } else if (a->fused_qkv && a->fused_qkv_copied) {
        /* Measured: the c_attn output stays alive through a view, q and v are copied. */
        at += e * (A * d + 2 * KV * d) + e * A * d + e * KV * dv + e * A * dv;
    } else if (a->fused_qkv) {
        /* Phi-3, Falcon, GPT-NeoX: v is a view of the qkv output, which stays alive; q and k are rotated copies. */
        at += e * (A * d + KV * d + KV * dv) + (a->rotary_dim > 0 ? e * (A * d + KV * d) : 0) + e * A * dv;
    } else {
        at += e * (A * d + KV * d + KV * dv) + e * A * dv; /* q, k (rotated), v, output */
    }
    /* Gated attention (Qwen3-Next): attn_output * sigmoid(gate) keeps sigmoid's output and o_proj its product (a
     * frozen o_proj none, unless its adapter keeps it). */
    if (a->output_gate)
        at += (F && !Y.o_in ? 1 : 2) * e * A * dv;
    /* qk-norms keep the family's RMSNorm internals: per head (Qwen3, Gemma 3) or over the whole projection. */
    double qkn = st == NORM_RMS_FP32 ? 8 : 6;
    if (a->qk_norm == LLMCOST_QKNORM_HEAD)
        at += qkn * (A + KV) * d + 4 * (A + KV);
    else if (a->qk_norm == LLMCOST_QKNORM_PROJECTION)
        at += qkn * (A + KV) * d + 8;
    bool math = lc_attn_math(o->attention, a);
    if (math && !mla) {
        /* PyTorch's math SDPA backend (Falcon-7B's broadcast keys) works in fp32: it keeps q, k repeated to every
         * head, the fp32 probabilities and v, all fp32; the output comes back in the compute dtype. Replaces the
         * fused kernel's q, k, v, output and log-sum-exp counted above. */
        at -= e * (A * d + KV * d + KV * dv) + e * A * dv;
        at += 4 * A * d + 4 * A * d + 4 * A * s + 4 * A * dv + e * A * dv;
    } else if (eager && !mla) {
        /* Eager: keys and values repeated to every head, fp32 softmax, probabilities cast back, output copy. */
        double keys = s; /* full s x s matrices are materialised even for sliding windows */
        at += e * A * (d + dv) - e * KV * (d + dv);  /* repeat_kv copies replace k and v */
        double probs;
        if (a->sinks)
            probs = e * A * (keys + 1) + 8 * A;      /* gpt-oss: softmax over [scores, sink] in bf16, max indices */
        else
            probs = 4 * A * keys + (e < 4 ? e * A * keys : 0);
        double extra = (m->dropout_attn > 0 ? A * keys + e * A * keys : 0) + (a->softcap > 0 ? e * A * keys : 0);
        at += probs + extra;
        at += e * A * dv;                            /* contiguous output read by o_proj */
        if (selective)
            at -= probs + extra;
    } else {
        at += 4 * A;                                 /* log-sum-exp per head, fp32 */
        if (!mla && a->sliding_window > 0 && (double)a->sliding_window < s) {
            /* A window shorter than the sequence needs an explicit mask: SDPA falls back to the memory-efficient
             * kernel, which keeps the [b, 1, s, s] mask, and keys and values repeated to every head (GQA; a single
             * MQA head broadcasts as a view). Measured on Phi-3 and Gemma 3. */
            at += e * s;
            if (KV > 1 && KV < A)
                at += e * (A - KV) * (d + dv);
        }
    }
#undef NORM
    return at;
}

/* The routed tokens a rank's experts hold, as a multiple of its micro-batch's T: an expert-TP group wider than the TP
 * group (expert_tp > tp, Megatron-Core's expert_tensor_parallel_size set on its own) gathers the distinct tokens of
 * expert_tp ranks, each 1/tp of them (sequence parallelism) or all (tp 1); otherwise T, as before. */
static double expert_gather(const llmcost_memory_options *o, double t)
{
    return (double)o->expert_tp > t ? (double)o->expert_tp / t : 1;
}

/* HF profile: what one decoder layer keeps for backward, for "T" tokens of sequences of length "s" (b = T/s). */
static layer_bytes hf_layer(const llmcost_model *m, const llmcost_layer *L, const recipe *R,
                            const llmcost_memory_options *o, double T, double s, double tp, const ft_mem *F)
{
    layer_bytes B = {0};
    lora_layer Y = {0};
    if (F) {
        Y = lora_of(F, m, L, tp);
        B.lora = Y.kept * T;
    }
    /* A norm read by Linear layers: under adapters its consumers are frozen, and the output stays only when an
     * adapter keeps it itself. */
#define NORM(w, in, consumers, keep) (F ? hf_norm_frozen(R, st, (w), (in), (keep)) + block_norm_weight(F, st, (w)) : hf_norm(R, st, (w), (in), (consumers)))
    const llmcost_attention *a = &L->attn;
    norm_style st = style_of(m, o->framework);
    double h = (double)m->hidden, e = R->e;
    bool mla = a->kind == LLMCOST_ATTN_MLA;

    /* Norms before attention and MLP: their consumers are the Linear layers reading them. */
    const llmcost_ssm *ssm = a->n_heads == 0 ? llmcost_layer_ssm(m, L) : NULL; /* a state-space mixer's block */
    const llmcost_ssm *par_ssm = a->n_heads > 0 ? llmcost_layer_ssm(m, L) : NULL; /* a mixer beside attention */
    /* in_proj reads the norm (Gated DeltaNet: in_proj_qkvz and in_proj_ba; Qwen3.5's four split Linears;
     * lightning attention: qkv_proj and output_gate); beside
     * attention, in_proj too */
    int attn_consumers = ssm ? (ssm->kind == LLMCOST_SSM_GATED_DELTANET ? (ssm->split_proj ? 4 : 2) : ssm->kind == LLMCOST_SSM_LIGHTNING ? 2 : 1) : (mla ? 2 : a->fused_qkv ? 1 : 3) + (par_ssm ? 1 : 0);
    /* Under adapters the norm's output before the token mixer stays when an adapter (or a quantised MatMul4Bit) of
     * attention or of the mixer's input projections keeps it; Falcon-H1's uP copies: below. */
    bool mup_split = par_ssm && m->mup_multipliers && !R->autocast && R->lin_in <= 0;
    bool mixer_in = mup_split ? false : Y.attn_in || Y.ssm_in;
    const llmcost_ffn *f = &L->ffn;
    /* MoE: the router reads the norm's output (DeepSeek's MoEGate reads an fp32 copy of it instead), and so does the
     * shared expert; the routed experts gather their own copies. A gated MLP has two readers, gate and up, unless
     * they are one matrix (Phi-3). */
    bool fp32_router = f->moe && f->fp32_router;
    bool has_attn = a->n_heads > 0, has_ffn = f->moe || f->dense.d_ff > 0; /* hybrid blocks hold one of them */
    int ffn_consumers = f->moe ? (fp32_router ? 0 : 1) + (f->shared.d_ff > 0)
                               : (f->dense.gated && !f->dense.fused_gate_up ? 2 : 1);
    if (L->parallel) {
        /* One input norm feeds attention and MLP (Falcon-7B), or two norms read the same input (Falcon-40B). */
        if (L->norm_pre_ffn) {
            B.norms += NORM(h, R->r, attn_consumers, mixer_in) * T;
            B.norms += NORM(h, R->r, ffn_consumers, Y.ffn_in) * T;
        } else {
            B.norms += NORM(h, R->r, attn_consumers + ffn_consumers, mixer_in || Y.ffn_in) * T;
        }
    } else {
        /* post-norm models (OLMo 2, OPT-350m): the projections read the residual stream itself */
        if (L->norm_pre_attn)
            B.norms += NORM(h, R->r, attn_consumers, mixer_in) * T;
        else if (!has_attn)
            ; /* an MLP-only block (Nemotron-H's -) */
        else if (!F)
            B.norms += (R->autocast ? attn_consumers * 2 * h : R->r * h) * T;
        else if (Y.attn_in && !R->autocast)
            B.norms += R->r * h * T;
        if (L->norm_pre_ffn)
            B.norms += NORM(h, R->r, ffn_consumers, Y.ffn_in) * T;
        else if (!has_ffn)
            ; /* an attention-only block (Nemotron-H's *) */
        else if (!F)
            B.norms += (R->autocast ? ffn_consumers * 2 * h : R->r * h) * T;
        else if (Y.ffn_in && !R->autocast)
            B.norms += R->r * h * T;
    }
    /* Norms on outputs feed residual adds: they keep their internals only. */
    if (L->norm_post_attn)
        B.norms += NORM(h, st == NORM_LAYER ? R->r : e, 0, false) * T;
    if (L->norm_post_ffn)
        B.norms += NORM(h, st == NORM_LAYER ? R->r : e, 0, false) * T;

    /* Attention, or the state-space mixer in its place (Mamba, Mamba-2, Nemotron-H's M, Granite 4.0's Mamba2 layers). */
    double at = 0;
    if (ssm) {
        B.attention = ssm_kept(ssm, e, s, tp, F ? &Y : NULL) * T;
        goto ffn;
    }
    at = hf_attention(m, a, R, o, s, tp, F, &Y);
    if (par_ssm) {
        /* Falcon-H1: the mixer beside attention keeps its kernel's tensors; with uP multipliers each branch reads its
         * own scaled copy of the norm's output (attention's, shared by q, k and v, and in_proj's), kept in place of
         * the norm's output, which the scalar multiplies do not keep. */
        at += ssm_kept(par_ssm, e, s, tp, F ? &Y : NULL);
        if (m->mup_multipliers && !R->autocast && R->lin_in <= 0) {
            if (!F)
                at += R->r * h;
            else /* frozen: each scaled copy stays only for an adapter (or MatMul4Bit) that keeps it */
                at += R->r * h * ((Y.attn_in ? 1 : 0) + (Y.ssm_in ? 1 : 0));
        }
    }
    B.attention = has_attn ? at * T + 16 : 0;        /* + the kernel's RNG seed and offset */

ffn:

    /* Feed-forward. */
    if (f->moe) {
        double E = (double)f->n_experts, k = (double)f->top_k, fe = (double)f->expert.d_ff / fmax(1, (double)o->expert_tp);
        double x = R->expert;
        double route = 4 * E + 8 * k + 4 + 4 * k + 16 * k + k;        /* scores, top-k, weights, dispatch indices */
        if (fp32_router)
            route += 4 * h;                                           /* the router reads an fp32 copy */
        /* gathered tokens, gate_up output, the activation's intermediates (two; gpt-oss's clamped GLU keeps five),
         * down output, routing weight and index per routed token */
        double act_kept = f->expert.clamped_glu ? 5 : 2;
        double experts = k * (x * h + x * 2 * fe + act_kept * x * fe + x * h) + 4 * k + 8 * k;
        B.moe = (route + experts * expert_gather(o, tp)) * T;
        if (f->shared.d_ff > 0) {
            double fs = (double)f->shared.d_ff / tp;
            B.mlp += (F && !Y.shared_down_in ? 3 : 4) * e * fs * T;
        }
    } else {
        /* Under adapters a frozen down projection keeps no input: act*up (or the activation's output) goes. */
        double ff = (double)f->dense.d_ff / tp;
        bool down = !F || Y.down_in;
        if (f->dense.gated)
            B.mlp = (down ? 4 : 3) * e * ff * T;     /* gate, up, act(gate), act*up */
        else if (m->act == LLMCOST_ACT_RELU)
            B.mlp = e * ff * T;                      /* relu keeps its output, which fc2 keeps too */
        else if (m->act_python)
            B.mlp = (R->autocast ? 16 : 5 * e) * ff * T; /* GPT-2's Python GELU: five intermediates */
        else
            B.mlp = (down ? 2 : 1) * e * ff * T;     /* activation input and output */
    }
    if (m->dropout_resid > 0)
        B.dropout = 2 * h * T;                       /* bool masks after attention and after the MLP */
    if (L->shared_block && m->shared.n_blocks > 0) {
        /* Zamba2: an invocation of a shared block (docs/formulas.md "Falcon-H1 and Zamba2: memory"): the RMSNorm of
         * the concatenated input (w = 2h; the concatenation itself keeps nothing), read by q, k, v (and their
         * adapters); attention as any; each adapter's rank-r hidden, kept by its second Linear; the RMSNorm of
         * attention's output, read by gate_up_proj and its adapter; the fused gated MLP (gate_up's output, act(gate),
         * act * up); the layer's Linear(h, h) keeps its input, the block's output. */
        const llmcost_shared_blocks *sb = &m->shared;
        double w = (double)sb->in_width, r = (double)sb->adapter_rank, fs = (double)sb->mlp.d_ff / tp;
        int qkv_readers = 3 + (sb->attn_adapters ? 3 : 0);
        B.norms += (NORM(w, R->r, qkv_readers, false) + NORM(h, e, 2, false)) * T;
        B.attention += (hf_attention(m, &sb->attn, R, o, s, tp, F, &Y) + (sb->attn_adapters ? 3 * e * r : 0)) * T + 16;
        B.mlp += (4 * e * fs + e * r + e * h) * T;
    }
#undef NORM
    return B;
}

/* How a layer's tensors are cached under the job's memory mechanisms (memory.h; docs/formulas.md "Memory
 * mechanisms"), in bytes per element. The recipe's caching: Linear inputs in the compute dtype, or fp8 copies under
 * fp8 (Transformer Engine, per-tensor scales), the attention output then kept twice (bf16 by the attention kernel,
 * whose backward reads it, and fp8 by o_proj). DeepSeek-V3's (act_cache = fp8-tile, §3.3.2): 1 byte + an fp32 scale
 * per 1x128 tile, the attention output once in E5M6 (12 bits + the tile's scale) for both readers, the routed
 * experts' SwiGLU inputs in fp8 too. */
typedef struct {
    double lin;       /* a cached Linear input (and a dispatched token) */
    double attn_out;  /* the attention output, as o_proj and the attention backward keep it */
    double swiglu_in; /* the routed experts' fc1 output (the SwiGLU's input) */
    bool norm_out;    /* the Linear inputs after the RMSNorms are kept (not: "layernorm" recomputed) */
    bool mla_up;      /* MLA's q, k, v rebuilt from the latents ("mla_up_proj" recomputed) */
    bool moe_act;     /* the routed experts' SwiGLU output rebuilt from its input ("moe_act" recomputed) */
} caching;

#define FP8_TILE (1.0 + 4.0 / 128) /* fp8 element + its share of an fp32 scale per 1x128 tile (DeepSeek-V3 §3.3.2) */
#define E5M6_TILE (1.5 + 4.0 / 128) /* 12-bit E5M6 + the tile's scale (§3.3.2, "Inputs of the Linear after the
                                       attention operator") */

static caching caching_of(const recipe *R, const llmcost_memory_options *o)
{
    caching C;
    double e = R->e, lin = R->lin_in > 0 ? R->lin_in : e;
    bool eager = o->attention == LLMCOST_ATTN_EAGER; /* eager attention's backward reads the probabilities, not o */
    C.lin = lin;
    C.attn_out = lin + (lin != e && !eager ? e : 0);
    C.swiglu_in = e;
    if (o->act_cache == LLMCOST_CACHE_FP8_TILE) {
        C.lin = FP8_TILE;
        C.attn_out = E5M6_TILE;
        C.swiglu_in = FP8_TILE;
    }
    C.norm_out = !(o->recompute_modules & LLMCOST_RECOMPUTE_NORM);
    C.mla_up = (o->recompute_modules & LLMCOST_RECOMPUTE_MLA_UP) != 0;
    C.moe_act = (o->recompute_modules & LLMCOST_RECOMPUTE_MOE_ACT) != 0;
    return C;
}

/* Megatron profile: what an invocation of a shared transformer block (Zamba2) adds to its layer, term by term as a
 * layer: the two norms' inputs (w = 2h and h), the QKV input (w), Q, K, V and the attention output, fc1's input and
 * output, fc2's input, the layer's Linear input (h, replicated), the adapters' rank-r hiddens. */
static void megatron_shared_block(layer_bytes *B, const llmcost_model *m, const recipe *R, const caching *C,
                                  const llmcost_memory_options *o, double T, double s, double t, double rep)
{
    const llmcost_shared_blocks *sb = &m->shared;
    const llmcost_attention *sa = &sb->attn;
    double h = (double)m->hidden, e = R->e, lin = C->lin;
    double w = (double)sb->in_width, r = (double)sb->adapter_rank, fsh = (double)sb->mlp.d_ff;
    double sA = (double)sa->n_heads, sKV = (double)sa->n_kv_heads, sd = (double)sa->head_dim, sdv = (double)sa->v_head_dim;
    bool eager = o->attention == LLMCOST_ATTN_EAGER;
    double sshard = e * (sA * sd + sKV * sd + sKV * sdv) + C->attn_out * sA * sdv;
    double ss2 = eager ? (o->recompute != LLMCOST_RECOMPUTE_SELECTIVE ? e * sA * s : 0) : 4 * sA;
    double s_in = C->norm_out ? lin / rep : 0;
    B->norms += (e * w + e * h) * T / rep;
    B->attention += (s_in * w + (sshard + ss2) / t + (sb->attn_adapters ? 3 * e * r : 0)) * T;
    B->mlp += (s_in * h + (e * 2 * fsh + lin * fsh) / t + e * r + lin * h) * T;
}

/* Megatron profile: Korthikanti et al. 2022 §4, generalised to GQA, gated MLPs and MoE term by term, under the
 * job's caching (caching_of: the recipe's unless a mechanism is on). */
static layer_bytes megatron_layer(const llmcost_model *m, const llmcost_layer *L, const recipe *R,
                                  const llmcost_memory_options *o, double T, double s, double t, const ft_mem *F)
{
    layer_bytes B = {0};
    lora_layer Y = {0};
    if (F) {
        Y = lora_of(F, m, L, t);
        B.lora = Y.kept * T;
    }
    const llmcost_attention *a = &L->attn;
    caching C = caching_of(R, o);
    double h = (double)m->hidden, e = R->e, lin = C.lin;
    double A = (double)a->n_heads, KV = (double)a->n_kv_heads, d = (double)a->head_dim, dv = (double)a->v_head_dim;
    bool sp = o->layout.sequence_parallel;
    double rep = sp ? t : 1; /* replicated parts are sharded only with sequence parallelism */
    bool dropout = m->dropout_resid > 0 || m->dropout_attn > 0;
    bool mla = a->kind == LLMCOST_ATTN_MLA;
    if (mla)
        KV = A;
    /* The Linear inputs after the RMSNorms (QKV or MLA's down-projections, the router, fc1): dropped when the norms
     * are recomputed from their inputs, which stay. */
    double norm_out = C.norm_out ? lin * h / rep : 0;
    const llmcost_ffn *f = &L->ffn;
    bool has_attn = a->n_heads > 0, has_ffn = f->moe || f->dense.d_ff > 0; /* hybrid blocks hold one of them */
    const llmcost_ssm *ssm = llmcost_layer_ssm(m, L);
    if (ssm && !has_attn && !has_ffn) {
        /* A state-space block: its norm's input, in_proj's input and the mixer's kernels' tensors (sharded over TP
         * by channels and heads, as Megatron's MambaMixer splits them). */
        B.norms = e * h * T / rep;
        B.attention = ((!F || Y.ssm_in ? norm_out : 0) + ssm_kept(ssm, e, s, t, F ? &Y : NULL)) * T;
        if (dropout)
            B.dropout = h / rep * T;
        if (L->shared_block && m->shared.n_blocks > 0) /* Zamba2's hybrid layers */
            megatron_shared_block(&B, m, R, &C, o, T, s, t, rep);
        return B;
    }
    /* LayerNorm inputs 2sbh each; QKV and MLP inputs 2sbh each (replicated without SP). */
    bool ssm_mixer = ssm && !has_attn; /* a Mamba2 mixer with an MLP after it (Granite 4.0) */
    B.norms = ((has_attn + ssm_mixer + has_ffn) * e * h + (L->norm_post_attn ? e * h : 0) + (L->norm_post_ffn ? e * h : 0)) * T / rep;
    double qkv = e * (A * d + KV * d) + e * KV * dv, latents = 0; /* Q, K, V (sharded over TP) */
    if (mla && C.mla_up) {
        /* Up-projections recomputed (DeepSeek-V3 §3.2.3): q, k, v rebuilt in backward from the compressed latents
         * c_q, c_kv and the shared rotary key, kept in the compute dtype (their norms are fused into the up-projections
         * and recomputed with them); the down-projections are not split over TP, so neither are the latents. */
        qkv = 0;
        latents = e * (double)(a->q_lora_rank + a->kv_lora_rank + a->qk_rope_head_dim);
    }
    double shard = qkv + C.attn_out * A * dv; /* + the attention output (o_proj's input, the kernel's o) */
    if (a->output_gate) /* the gate's sigmoid and the gated output o_proj reads (if o_proj keeps it) */
        shard += (F && !Y.o_in ? 1 : 2) * e * A * dv;
    double s2 = 0;
    bool eager = o->attention == LLMCOST_ATTN_EAGER;
    if (eager && o->recompute != LLMCOST_RECOMPUTE_SELECTIVE)
        s2 = (e * A * s + (dropout ? A * s + e * A * s : 0)); /* softmax, dropout mask, dropout output */
    else if (!eager)
        s2 = 4 * A; /* flash attention keeps the log-sum-exp instead */
    /* Under adapters the frozen projections keep no inputs: a Linear input stays when an adapter keeps it itself. */
    double attn_in = !F || Y.attn_in ? norm_out : 0, ffn_in = !F || Y.ffn_in ? norm_out : 0;
    double fc2_in = !F || Y.down_in ? 1 : 0;
    double mixer_in = !F || Y.ssm_in ? norm_out : 0;
    B.attention = has_attn ? (attn_in + latents + (shard + s2) / t + (dropout ? h / rep : 0)) * T
                : ssm_mixer ? (mixer_in + ssm_kept(ssm, e, s, t, F ? &Y : NULL)) * T : 0;
    if (has_attn && ssm) /* Falcon-H1: the mixer beside attention, its in_proj's input and its kernel's tensors */
        B.attention += (mixer_in + ssm_kept(ssm, e, s, t, F ? &Y : NULL)) * T;
    if (L->shared_block && m->shared.n_blocks > 0)
        megatron_shared_block(&B, m, R, &C, o, T, s, t, rep);
    if (!has_ffn) {
        /* an attention-only block (Nemotron-H's *) */
    } else if (f->moe) {
        double k = (double)f->top_k, E = (double)f->n_experts;
        double fe = (double)f->expert.d_ff / fmax(1, (double)o->expert_tp);
        double mats = f->expert.gated ? 3 : 2;
        B.moe = (ffn_in + 4 * E + 8 * k) * T; /* router input, probabilities, top-k */
        /* per routed token: the permuted (dispatched) input, fc1's output (the SwiGLU's input), fc2's input (the
         * SwiGLU's output, rebuilt from its input under moe_act) */
        B.moe += k * (lin * h + C.swiglu_in * (mats - 1) * fe + (C.moe_act ? 0 : lin * fe)) * T * expert_gather(o, t);
        if (f->shared.d_ff > 0)
            B.mlp = (e * (f->shared.gated ? 2 : 1) * (double)f->shared.d_ff + lin * (double)f->shared.d_ff) / t * T;
    } else {
        double ff = (double)f->dense.d_ff;
        /* fc1 output (the activation's input: 2 x ff when gated) and fc2 input. */
        B.mlp = (ffn_in + (e * (f->dense.gated ? 2 : 1) * ff + fc2_in * lin * ff) / t) * T;
    }
    if (dropout)
        B.dropout = h / rep * T; /* mask of the dropout after the MLP */
    return B;
}

double llmcost_memory_korthikanti(double s, double b, double h, double a, double t, bool sp, llmcost_recompute r)
{
    if (r == LLMCOST_RECOMPUTE_FULL)
        return 2 * s * b * h / (sp ? t : 1);
    double quad = r == LLMCOST_RECOMPUTE_SELECTIVE ? 0 : 5 * a * s / h;
    if (t <= 1)
        return s * b * h * (34 + quad);
    if (sp)
        return s * b * h / t * (34 + quad);
    return s * b * h * (10 + 24 / t + quad / t);
}

/* Parameters of the layers [first, last) of "m" as one GPU holds them under the layout. */
typedef struct {
    double dense;   /* replicated over the data-parallel group */
    double expert;  /* routed experts, sharded over ep * etp */
    double matmul;  /* those that autocast/fp8 copy */
    double factored;/* Adafactor: rows + columns of every matrix, full size of every vector */
    double largest_layer;
} stage_params;

static void add_matrix(stage_params *sp, double rows, double cols, double count, double shard)
{
    sp->factored += count * (rows + cols) / shard;
}

/* The embedding's and the head's parameters of a stage, added after its layers'. */
static void stage_params_tail(stage_params *out, const llmcost_model *m, double t, bool has_embed, bool has_head)
{
    double h = (double)m->hidden;
    double V = (double)m->vocab, ed = (double)m->embed_dim;
    if (has_embed) {
        double emb = V * ed / t + (m->pos == LLMCOST_POS_LEARNED ? (double)m->pos_rows * h : 0);
        if (m->embed_dim != m->hidden)
            emb += 2 * h * ed;
        if (m->embed_norm) /* BLOOM's word_embeddings_layernorm */
            emb += llmcost_norm_weights(m->norm) * h;
        out->dense += emb;
        add_matrix(out, V, ed, 1, t);
    }
    if (has_head) {
        if (!m->tied || !has_embed) { /* a tied head on another stage holds its own copy (Megatron) */
            out->dense += V * ed / t;
            out->matmul += V * ed / t;
            add_matrix(out, V, ed, 1, t);
        } else {
            out->matmul += V * ed / t; /* autocast still copies the tied weight for the head's matmul */
        }
        if (m->final_norm)
            out->dense += llmcost_norm_weights(m->norm) * h;
        if (m->head_bias) /* Phi-2, GPT-J */
            out->dense += V / t;
    }
}

/* Adafactor's factored statistics of one matrix (or "count" equal matrices): rows + columns, sharded. */
static double factored_matrix(double rows, double cols, double count, double shard)
{
    return count * (rows + cols) / shard;
}

/*
 * What the memory engine needs of the model whatever the layout: the decoder layers grouped into DISTINCT layers
 * (equal descriptions, byte for byte, give equal figures), each with its parameter counts. A prepared memory
 * (llmcost_memory_prepare) keeps one; llmcost_memory_compute makes one per call.
 */
struct llmcost_memory_prepared {
    const llmcost_model *m;
    llmcost_memory_options o;  /* the fields a prepared memory fixes (memory.h) */
    int32_t *cls;              /* n_layers entries: the distinct layer of each layer */
    int32_t *rep;              /* nclass entries: the first layer of each distinct layer */
    llmcost_layer_params *lp;  /* nclass entries: its parameters */
    size_t nclass;
    int64_t *run_start;        /* nrun + 1 entries: runs of equal layers, run k = layers run_start[k] .. [k+1] - 1 */
    int32_t *run_cls;          /* nrun entries: the distinct layer of each run */
    size_t nrun;
    lc_layer_digest digest;    /* for the job's checks */
    int64_t total_params;      /* the model's parameters (prepared_params) */
};

static void prepared_release(llmcost_memory_prepared *p)
{
    free(p->cls);
    free(p->rep);
    free(p->lp);
    free(p->run_start);
    free(p->run_cls);
    p->cls = p->rep = p->run_cls = NULL;
    p->lp = NULL;
    p->run_start = NULL;
}

/* Fills "p" for "m": the distinct layers found, each with its parameter counts (0, or LLMCOST_ENOMEM). */
static int prepared_classes(llmcost_memory_prepared *p, const llmcost_model *m, const llmcost_memory_options *o,
                            bool *overflow)
{
    memset(p, 0, sizeof *p);
    p->m = m;
    p->o = *o;
    size_t nl = m->n_layers > 0 ? (size_t)m->n_layers : 0;
    p->cls = malloc((nl ? nl : 1) * sizeof *p->cls);
    p->rep = malloc((nl ? nl : 1) * sizeof *p->rep);
    p->run_start = malloc((nl + 1) * sizeof *p->run_start);
    p->run_cls = malloc((nl ? nl : 1) * sizeof *p->run_cls);
    if (!p->cls || !p->rep || !p->run_start || !p->run_cls) {
        prepared_release(p);
        return lc_fail(LLMCOST_ENOMEM, "out of memory");
    }
    int32_t *cls = p->cls, *rep = p->rep, *run_cls = p->run_cls;
    int64_t *run_start = p->run_start;
    size_t nclass = 0, nrun = 0;
    bool moe = false;
    const llmcost_layer *layers = m->layers;
    for (size_t i = 0; i < nl; i++) {
        const llmcost_layer *L = &layers[i];
        size_t c;
        /* the previous layer's class first: runs of equal layers are the common case */
        if (i > 0 && !memcmp(L, L - 1, sizeof *L)) {
            cls[i] = cls[i - 1];
            continue;
        }
        for (c = 0; c < nclass && memcmp(L, &layers[rep[c]], sizeof *L); c++)
            ;
        if (c == nclass)
            rep[nclass++] = (int32_t)i;
        cls[i] = (int32_t)c;
        if (i == 0 || cls[i - 1] != (int32_t)c) {
            run_start[nrun] = (int64_t)i;
            run_cls[nrun++] = (int32_t)c;
        }
        moe = moe || L->ffn.moe;
    }
    run_start[nrun] = (int64_t)nl;
    p->nclass = nclass;
    p->nrun = nrun;
    p->digest.rep = rep;
    p->digest.nrep = nclass;
    p->digest.moe = moe;
    p->lp = malloc((nclass ? nclass : 1) * sizeof *p->lp);
    if (!p->lp) {
        prepared_release(p);
        return lc_fail(LLMCOST_ENOMEM, "out of memory");
    }
    *overflow = false;
    for (size_t c = 0; c < nclass; c++)
        if (llmcost_params_layer(&p->lp[c], m, &layers[rep[c]]) != 0)
            *overflow = true;
    return 0;
}

/* The model's parameter count from its distinct layers' (its overflow is the engine's error; an overflow in one
 * layer: the whole count's own message). */
static int prepared_params(llmcost_memory_prepared *p, bool overflow)
{
    llmcost_params pc;
    int rc = overflow ? llmcost_params_count(&pc, p->m) : lc_params_count_classes(&pc, p->m, p->cls, p->lp);
    p->total_params = rc ? 0 : pc.total;
    return rc;
}

static int prepared_init(llmcost_memory_prepared *p, const llmcost_model *m, const llmcost_memory_options *o)
{
    bool overflow;
    int rc = prepared_classes(p, m, o, &overflow);
    if (rc)
        return rc;
    if ((rc = prepared_params(p, overflow)) != 0)
        prepared_release(p);
    return rc;
}

/* The memory savers of a job (version 4; docs/formulas.md "Memory savers"). NULL in the engine: none. */
typedef struct {
    double chunks;        /* cross-entropy chunks (1: whole) */
    bool oib;             /* optimizer in backward */
    bool offload;         /* activation offloading */
    bool compile;         /* torch.compile: the compiled loss */
} savers;

/* bitsandbytes pages a state only for a parameter of at least 10^5 elements (Optimizer.get_state_buffer: smaller
 * ones get torch.zeros_like on the device). */
#define PAGED_MIN_NUMEL 1e5

/* Parameters on one GPU of the layer's tensors that a paged optimizer pages: its Linear weights of 10^5 elements or
 * more (pre-training, full fine-tuning), or its adapters' A (r x in) and B (out x r) matrices of that size. Norms,
 * biases, DoRA magnitudes and fused 3-D expert tensors (not listed as Linears) are counted as not paged: more on
 * the GPU, an upper bound. */
static double paged_params(const llmcost_model *m, const llmcost_layer *L, const ft_mem *F, double t, double ex)
{
    lc_ft_mat ms[24];
    int n = lc_ft_layer_mats(ms, m, L);
    double sum = 0;
    for (int i = 0; i < n; i++) {
        const lc_ft_mat *x = &ms[i];
        if (x->count == 0)
            continue;
        bool expert = x->role >= LLMCOST_LR_EXPERT_GATE && x->role <= LLMCOST_LR_EXPERT_DOWN;
        double shard = expert ? ex : x->role == LLMCOST_LR_ROUTER ? 1 : t;
        double k = (double)x->in, o = (double)x->out, c = (double)x->count;
        if (!F) {
            if (k * o >= PAGED_MIN_NUMEL)
                sum += c * k * o / shard;
        } else if (F->targets & (1u << x->role)) {
            double r = F->rank;
            sum += c * ((r * k >= PAGED_MIN_NUMEL ? r * k : 0) + (o * r >= PAGED_MIN_NUMEL ? o * r : 0)) / shard;
        }
    }
    return sum;
}

/* One distinct layer's figures under one layout and micro-batch: what stage_memory adds once per layer of it. */
typedef struct {
    bool done;
    double full;      /* kept bytes when nothing is recomputed */
    double kept;      /* kept bytes under the recomputation mode */
    double cache;     /* autocast / fp8 weight copies kept for backward */
    double temp;      /* its backward's widest intermediates */
    double grad;      /* its gradients */
    double dense, expert, matmul; /* parameters on one GPU: replicated, routed experts, copied by autocast/fp8 */
    double lora;      /* kept by the adapters (in "full") */
    double adapters, adapters_factored; /* the layer's adapter parameters on one GPU, their Adafactor statistics */
    double paged;     /* parameters whose optimizer states a paged optimizer pages (paged_params) */
    double factored[12];           /* Adafactor's statistics, in the order they are added */
    int nfactored;
    double factored_total, factored_bound; /* their sum and the sum of their magnitudes */
    bool factored_whole;                   /* all integers */
} class_figures;

/*
 * r + x + x + ... (n times), each addition rounded in turn. When r and x are integers and no partial sum can reach
 * 2^52 every one of those additions is exact (integers below 2^53 are doubles), so the result is r + n x, which one
 * multiplication and one addition give exactly (n x and the sum are integers below 2^52 too); else term by term.
 */
static double add_times(double r, double x, int64_t n)
{
    if (x == trunc(x) && r == trunc(r) && fabs(r) + (double)n * fabs(x) < 0x1p52)
        return r + (double)n * x;
    for (int64_t i = 0; i < n; i++)
        r += x;
    return r;
}

/* The same for a list of terms v[0..k) added n times over in order: exact when "whole" (all integers) and r + n x
 * "bound" (the sum of their magnitudes) stays below 2^52, "total" being their sum (exact then too). */
static double add_list_times(double r, const double *v, int k, double total, double bound, bool whole, int64_t n)
{
    if (whole && r == trunc(r) && fabs(r) + (double)n * bound < 0x1p52)
        return r + (double)n * total;
    for (int64_t i = 0; i < n; i++)
        for (int j = 0; j < k; j++)
            r += v[j];
    return r;
}

/* The layout of one evaluation, shared by its stages. */
typedef struct {
    const llmcost_memory_prepared *p;
    const llmcost_memory_options *o;
    recipe R;
    llmcost_param_bytes pb;
    bool hf;
    double t, s, b, T, ex;
    const ft_mem *F;    /* adapters, or NULL */
    const savers *sv;   /* the memory savers, or NULL */
    class_figures *fig; /* p->nclass entries, filled on first use */
} eval;

/* Context parallelism's attention buffers, for the most loaded CP rank of c, T = b s / c tokens on it, t TP ranks, e
 * bytes an activation (docs/formulas.md "Context-parallel memory, kernels and windows", each term with its source
 * line). Widths per TP rank: Q queries, Kk keys, Kv values, K = Kk + Kv, O the output, H heads. "kept": saved for
 * backward beyond what the single-GPU kernel saves; "fwd", "bwd": what the CP function holds beyond the saved tensors
 * at its forward's and its backward's high point. */
lc_cp_attn_bytes lc_cp_attention_bytes(const llmcost_attention *a, int cp_comm, double c, double T, double t, double e)
{
    bool mla = a->kind == LLMCOST_ATTN_MLA;
    double H = (double)a->n_heads / t, kvh = mla ? (double)a->n_heads / t : (double)a->n_kv_heads / t;
    double Q = H * (double)a->head_dim, Kk = kvh * (double)a->head_dim, Kv = kvh * (double)a->v_head_dim, K = Kk + Kv;
    double O = H * (double)a->v_head_dim, Kmax = fmax(Kk, Kv);
    lc_cp_attn_bytes r = {0, 0, 0};
    switch (cp_comm) {
    case 1: { /* LLMCOST_CP_ALLGATHER: TE AttnFuncWithCPAndKVAllGather, sbhd (Megatron-Core's format) */
        /* forward: k_ag, v_ag reordered by index_select while the gathered copy is alive; then, beside the gathered
         * keys and values, the "out" zeros (used by thd only) and the two steps' half outputs */
        r.fwd = e * fmax(c * T * (K + Kmax), c * T * K + 2 * T * O);
        /* backward: dq, full-size dk and dv (zeros, c T each), the re-gathered k_ag, v_ag, both steps' dq (halves)
         * and dk, dv over their visible ranges ((r+1) + (2c-r) half-chunks = (c + 1/2) T, no window), and the
         * index_select of dk (dv) back to rank order beside them */
        double vis = c + 0.5;
        if (a->sliding_window > 0) {
            /* each step sees min((j+1) h, h + w - 1) keys (get_kv_seq_info_after_all_gather, window (w-1, 0)); the
             * most loaded rank is cp - 1 (concave in the chunk, symmetric about cp - 1/2); both ends taken */
            double h = T / 2, w = (double)a->sliding_window, best = 0;
            for (int end = 0; end < 2; end++) {
                double rk = end ? c - 1 : 0;
                best = fmax(best, fmin((rk + 1) * h, h + w - 1) + fmin((2 * c - rk) * h, h + w - 1));
            }
            vis = best / T;
        }
        r.bwd = e * T * (2 * Q + (2 * c + vis) * K + c * Kmax);
        break;
    }
    case 2: /* LLMCOST_CP_A2A: TE AttnFuncWithCPAndQKVOA2A */
        /* the head-layout output saved beside the sequence-layout one o_proj keeps */
        r.kept = e * T * O;
        /* forward: the caller's q, k, v, their rearranged send copies, v's received buffer before its reorder
         * copy; or, at the output's all-to-all, the caller's q, k, v, the output's send copy and received buffer */
        r.fwd = e * T * fmax(2 * (Q + K) + Kv, (Q + K) + 2 * O);
        /* backward: dout in the head layout, dq, dk, dv in it, their send copies and the received, v's twice */
        r.bwd = e * T * (O + 3 * (Q + K) + Kv);
        break;
    case 3: { /* LLMCOST_CP_TORCH: PyTorch context_parallel, rotate "allgather", load balance, convert_to_f32 */
        /* forward: the gathered keys and values, the block's cat to send, the merger's fp32 out, the block's output
         * and its fp32 copy, the merge's two fp32 temporaries; the merger's and the block's fp32 log-sum-exp */
        r.fwd = e * (c + 1) * T * K + (16 + e) * T * O + 8 * T * H;
        /* backward: the re-gathered keys and values and the block's cat; fp32 grad_query; the fp32 dK/dV ring (rank
         * cp-1: the received sum, its partial update, the cat sent, the next received; rank 0 adds in place and
         * partially updates grad_query instead); a block's gradients in the compute dtype */
        double last = 16 * T * K + 4 * T * Q + e * T * (Q + K / 2);
        double first = 12 * T * K + 8 * T * Q + e * T * (Q / 2 + K);
        r.bwd = e * (c + 1) * T * K + fmax(last, first);
        break;
    }
    default: /* LLMCOST_CP_P2P: TE AttnFuncWithCPAndKVP2P */
        /* forward (rank c-1, which runs every step on all its queries): the c key/value buffers (the local cat and
         * c-1 received, p2p_comm_buffers, all alive to the end), c per-step outputs, c per-step fp32 log-sum-exps */
        r.fwd = e * c * T * K + e * c * T * O + 4 * c * T * H;
        /* backward: dq_buffer, two [kv, dkv] pairs (two in flight), one step's dq_, dk_, dv_ */
        r.bwd = e * T * (Q + 4 * K + (Q + K));
        break;
    }
    return r;
}

static const class_figures *figures_of(eval *ev, int32_t c)
{
    class_figures *F = &ev->fig[c];
    if (F->done)
        return F;
    const llmcost_model *m = ev->p->m;
    const llmcost_memory_options *o = ev->o;
    const llmcost_layout *ly = &o->layout;
    const llmcost_layer *L = &m->layers[ev->p->rep[c]];
    const llmcost_layer_params *lp = &ev->p->lp[c];
    const recipe *R = &ev->R;
    double t = ev->t, T = ev->T, h = (double)m->hidden, ex = ev->ex;
    F->done = true;

    /* Parameters on one GPU, as the stage sums them. */
    F->dense = (double)(lp->attention + lp->mlp + lp->shared_experts) / t + (double)(lp->norms + lp->router);
    F->expert = (double)lp->routed_experts / ex;
    F->matmul = (double)(lp->attention + lp->mlp + lp->shared_experts) / t + (double)lp->router;
    /* Adafactor's factored statistics: rows + columns per matrix. */
    const llmcost_attention *a = &L->attn;
    const llmcost_ffn *f = &L->ffn;
    int n = 0;
    F->factored[n++] = factored_matrix(h, (double)(a->n_heads * a->head_dim) * (a->output_gate ? 2 : 1), 1, t);
    F->factored[n++] = factored_matrix(h, (double)(a->n_kv_heads * (a->head_dim + a->v_head_dim)), 1, t);
    F->factored[n++] = factored_matrix((double)(a->n_heads * a->v_head_dim), h, 1, t);
    const llmcost_ssm *ss = llmcost_layer_ssm(m, L);
    double ssm_wide = 0; /* the mixer's in_proj output, its widest tensor */
    if (ss) {
        double D = (double)ss->d_inner, N = (double)ss->d_state, rk = (double)ss->dt_rank;
        double in = ss->kind == LLMCOST_SSM_MAMBA1 ? 2 * D : 2 * D + 2 * (double)(ss->n_groups * ss->d_state) + (double)ss->n_heads;
        if (ss->kind == LLMCOST_SSM_GATED_DELTANET) /* in_proj_qkvz's output; in_proj_ba's is apart */
            in = 2 * D + 2 * (double)(ss->n_groups * ss->d_state);
        if (ss->kind == LLMCOST_SSM_LIGHTNING) /* qkv_proj's output; output_gate's is apart */
            in = 3 * D;
        /* Qwen3.5's split Gated DeltaNet: in_proj_qkv (in - D) and in_proj_z (D), in_proj_b and in_proj_a (H each) */
        bool split = ss->kind == LLMCOST_SSM_GATED_DELTANET && ss->split_proj;
        F->factored[n++] = factored_matrix(h, split ? in - D : in, 1, t);
        if (split)
            F->factored[n++] = factored_matrix(h, D, 1, t);
        F->factored[n++] = factored_matrix(D, h, 1, t);
        if (ss->kind == LLMCOST_SSM_GATED_DELTANET) /* in_proj_ba */
            F->factored[n++] = factored_matrix(h, (split ? 1 : 2) * (double)ss->n_heads, 1, t);
        if (split)
            F->factored[n++] = factored_matrix(h, (double)ss->n_heads, 1, t);
        if (ss->kind == LLMCOST_SSM_LIGHTNING) /* output_gate */
            F->factored[n++] = factored_matrix(h, D, 1, t);
        if (ss->kind == LLMCOST_SSM_MAMBA1) {
            F->factored[n++] = factored_matrix(D, rk + 2 * N, 1, t);
            F->factored[n++] = factored_matrix(rk, D, 1, t);
        }
        ssm_wide = R->e * (split ? in - D : in) * T / t;
    }
    if (f->moe) {
        F->factored[n++] = factored_matrix(h, (double)f->expert.d_ff, (double)f->n_experts * (f->expert.gated ? 3 : 2), ex);
        if (f->shared.d_ff)
            F->factored[n++] = factored_matrix(h, (double)f->shared.d_ff, f->shared.gated ? 3 : 2, t);
        F->factored[n++] = factored_matrix(h, (double)f->n_experts, 1, 1);
    } else {
        F->factored[n++] = factored_matrix(h, (double)f->dense.d_ff, f->dense.gated ? 3 : 2, t);
    }
    F->factored[n++] = (double)lp->norms;
    F->nfactored = n;
    F->factored_total = F->factored_bound = 0;
    F->factored_whole = true;
    for (int k = 0; k < n; k++) {
        F->factored_total += F->factored[k];
        F->factored_bound += fabs(F->factored[k]);
        F->factored_whole = F->factored_whole && F->factored[k] == trunc(F->factored[k]);
    }

    /* Activations (kept, and full for recomputation). */
    layer_bytes full = ev->hf ? hf_layer(m, L, R, o, T, ev->s, t, ev->F) : megatron_layer(m, L, R, o, T, ev->s, t, ev->F);
    if (ly->cp > 1 && a->n_heads > 0)
        full.attention += lc_cp_attention_bytes(a, o->cp_comm, (double)ly->cp, T, t, R->e).kept;
    F->full = layer_total(&full);
    F->lora = full.lora;
    F->kept = F->full;
    if (o->recompute == LLMCOST_RECOMPUTE_FULL)
        /* Checkpointing keeps only each layer's input: the residual stream (HF non-reentrant checkpoint). */
        F->kept = R->r * h * T / (ev->hf ? 1 : (ly->sequence_parallel ? t : 1));
    /* Under checkpointing the layers' autocast weight copies are not kept past their forward (measured: only the
     * head's copy stays); they are made again while recomputing. The copies are of the matmul weights: all but
     * norms, sinks and routed experts (grouped GEMMs run in the weights' own dtype). */
    F->cache = R->cache * (double)(lp->attention + lp->mlp + lp->shared_experts + lp->router) / t;
    /* A layer's backward works on a few of its widest intermediates at once, and allocates its grads. */
    double wide = f->moe ? R->expert * (double)f->expert.d_ff * T * (double)f->top_k / fmax(1, (double)o->expert_tp) *
                               expert_gather(o, t)
                         : R->e * (double)f->dense.d_ff * T / t;
    F->temp = 3 * fmax(wide, ssm_wide);
    if (ly->cp > 1 && a->n_heads > 0) {
        /* Context parallelism's own buffers (lc_cp_attention_bytes): the attention's backward runs apart from the
         * MLP's, whose widest intermediates are the temporary above, so the larger of them; the forward's high point
         * inside the layer is charged here too (not a phase of its own: docs/formulas.md "Context-parallel memory,
         * kernels and windows"). */
        lc_cp_attn_bytes cb = lc_cp_attention_bytes(a, o->cp_comm, (double)ly->cp, T, t, R->e);
        F->temp = fmax(F->temp, fmax(cb.fwd, cb.bwd));
    }
    F->grad = R->g * ((double)(lp->total - lp->routed_experts) / t +
                      (double)lp->routed_experts / ((double)ly->ep * (double)o->expert_tp));
    if (ev->F) {
        /* Only the adapters have gradients; the frozen base's backward computes none. */
        lora_layer Y = lora_of(ev->F, m, L, t);
        F->adapters = Y.params;
        F->adapters_factored = Y.factored;
        F->grad = ev->F->ab.gradients * Y.params;
    }
    if (llmcost_optimizer_paged(o->optimizer))
        F->paged = paged_params(m, L, ev->F, t, ex);
    return F;
}

/* An exponential moving average of the weights: an fp32 copy of the parameters the GPU updates (its optimizer
 * shard), on the GPU; none when kept in host memory and updated asynchronously after each step (DeepSeek-V3
 * §3.2.3, "Exponential Moving Average in CPU"). */
static double ema_bytes(const llmcost_memory_options *o, double shard_params)
{
    return o->ema == LLMCOST_EMA_GPU ? 4 * shard_params : 0;
}

/* What one GPU holds of the pipeline: one stage under 1F1B, two under DualPipe (stages r and pp-1-r), each with the
 * micro-batches it keeps in flight. */
typedef struct {
    int n;
    int stage[2];
    double inflight[2];
} held;

/* In flight on stage "stage" under 1F1B: pp - stage micro-batches; interleaving (v chunks) adds (pp - 1)/(pp * v)
 * of the first stage's share (Narayanan et al. 2021 §2.2; Korthikanti et al. 2022 §4.2.3). */
static double inflight_1f1b(const llmcost_memory_options *o, int stage)
{
    const llmcost_layout *ly = &o->layout;
    int pp = (int)ly->pp;
    double mb = o->micro_batches > 0 ? (double)o->micro_batches : pp;
    double inflight = fmin(mb, (double)(pp - stage));
    if (ly->vpp > 1 && pp > 1)
        inflight = fmin(mb * ly->vpp, (pp - stage) * (1 + (double)(pp - 1) / ((double)pp * ly->vpp)));
    return inflight < 1 ? 1 : inflight;
}

/* What GPU "rank" holds. DualPipe (DeepSeek-V3 §3.2.1, Table 2: "Parameter 2x, Activation PP+1"): rank r runs
 * stage r for the micro-batches fed from the first rank and stage pp-1-r for those fed from the last; it is at
 * position r of the first pipeline and pp-1-r of the second, so as under 1F1B it holds pp - r micro-batches of the
 * first stage and r + 1 of the second: pp + 1 in all, on every rank. */
static held held_of(const llmcost_memory_options *o, int rank)
{
    held H = {1, {rank, 0}, {inflight_1f1b(o, rank), 0}};
    int pp = (int)o->layout.pp;
    if (o->pipeline == LLMCOST_PIPE_DUALPIPE && pp >= 2) {
        H.n = 2;
        H.stage[1] = pp - 1 - rank;
        H.inflight[0] = pp - rank;
        H.inflight[1] = rank + 1;
    }
    return H;
}

/* The memory of the GPU holding "H" (one pipeline stage, or DualPipe's two): fills "out" (components as at the
 * peak). Each layer's figures are its distinct layer's (figures_of); every sum adds them one by one in layer
 * order, as costing each layer would. */
/* What stage_memory's walk over a stage's layers comes to: everything in it but the ZeRO stage (which only the
 * sharding after it reads), kept so that the ZeRO stages of one layout walk the layers once. */
typedef struct {
    bool done;
    stage_params sp;
    double cache, largest_full, largest_kept, largest_temp, largest_grad, adapters, adapters_factored, paged;
    double inflight, kept_of[2], lora_of_stage[2];
    int64_t first_of[2], count_of[2], count_all;
} stage_walk;

static void stage_memory(llmcost_memory *out, eval *ev, const held *H, stage_walk *wk)
{
    const llmcost_model *m = ev->p->m;
    const llmcost_memory_options *o = ev->o;
    const llmcost_layout *ly = &o->layout;
    const recipe R = ev->R;
    bool hf = ev->hf;
    double t = ev->t, s = ev->s, T = ev->T;
    double V = (double)m->vocab, h = (double)m->hidden;
    int pp = (int)ly->pp;
    bool has_embed = false, has_head = false;
    for (int k = 0; k < H->n; k++) {
        has_embed |= H->stage[k] == 0;
        has_head |= H->stage[k] == pp - 1;
    }
    memset(out, 0, sizeof *out);
    out->stage = H->stage[0];
    out->param_bytes = ev->pb;

    /* Per layer: parameters (replicated, routed experts, copied), Adafactor's statistics, and the activations. */
    const ft_mem *FT = ev->F;
    bool adafactor = o->optimizer == LLMCOST_OPTIM_ADAFACTOR && !FT, full_recompute = o->recompute == LLMCOST_RECOMPUTE_FULL;
    int64_t every = full_recompute && o->recompute_every > 1 ? o->recompute_every : 1;
    stage_params sp = {0, 0, 0, 0, 0};
    double kept_layers = 0, cache = 0, largest_full = 0, largest_kept = 0, largest_temp = 0, largest_grad = 0;
    double adapters = 0, adapters_factored = 0, lora_kept = 0, lora_of_stage[2] = {0, 0}, paged = 0;
    const savers *SV = ev->sv;
    bool oib = SV && SV->oib, offload = SV && SV->offload;
    double inflight = 0; /* micro-batches in flight over the held stages */
    double kept_of[2] = {0, 0};
    int64_t first_of[2] = {0, 0}, count_of[2] = {0, 0};
    int64_t count_all = 0;
    const llmcost_memory_prepared *pr = ev->p;
    if (wk && wk->done) {
        sp = wk->sp, cache = wk->cache, largest_full = wk->largest_full, largest_kept = wk->largest_kept;
        largest_temp = wk->largest_temp, largest_grad = wk->largest_grad, adapters = wk->adapters;
        adapters_factored = wk->adapters_factored, paged = wk->paged, inflight = wk->inflight, count_all = wk->count_all;
        for (int k = 0; k < 2; k++) {
            kept_of[k] = wk->kept_of[k], lora_of_stage[k] = wk->lora_of_stage[k];
            first_of[k] = wk->first_of[k], count_of[k] = wk->count_of[k];
        }
    }
    for (int k = 0; k < H->n && !(wk && wk->done); k++) {
        /* The stage split shared with step (job.c): extra layers to the middle stages first. */
        int64_t first, count;
        lc_stage_range(m->n_layers, pp, H->stage[k], &first, &count);
        kept_layers = 0;
        double lora_k = 0;
        /* Layer by layer in order; a run of n equal layers adds its figures n times over (add_times) and compares
         * them once (a maximum is the same after one comparison with a value as after n). */
        size_t r = 0;
        while (r + 1 < pr->nrun && pr->run_start[r + 1] <= first)
            r++;
        for (int64_t i = first, end = first + count; i < end; r++) {
            int64_t stop = pr->run_start[r + 1] < end ? pr->run_start[r + 1] : end, n = stop - i;
            const class_figures *F = figures_of(ev, pr->run_cls[r]);
            sp.dense = add_times(sp.dense, F->dense, n);
            sp.expert = add_times(sp.expert, F->expert, n);
            sp.matmul = add_times(sp.matmul, F->matmul, n);
            if (F->dense + F->expert > sp.largest_layer)
                sp.largest_layer = F->dense + F->expert;
            if (adafactor) /* the statistics count only for Adafactor */
                sp.factored = add_list_times(sp.factored, F->factored, F->nfactored, F->factored_total,
                                             F->factored_bound, F->factored_whole, n);
            /* Per-layer checkpointing (recompute_every N): layers N-1, 2N-1, ... keep their input only, the others
             * all they save; c of this run's n layers are checkpointed. */
            int64_t c = every > 1 ? stop / every - i / every : n;
            kept_layers = add_times(kept_layers, F->kept, c);
            if (c < n)
                kept_layers = add_times(kept_layers, F->full, n - c);
            paged = add_times(paged, F->paged, n);
            if (FT) {
                adapters = add_times(adapters, F->adapters, n);
                adapters_factored = add_times(adapters_factored, F->adapters_factored, n);
                if (!full_recompute)
                    lora_k = add_times(lora_k, F->lora, n);
            }
            if (!full_recompute)
                cache = add_times(cache, F->cache, n);
            else if (c < n) /* the layers not checkpointed keep their weight copies */
                cache = add_times(cache, F->cache, n - c);
            if (F->full > largest_full)
                largest_full = F->full;
            if (c > 0 && F->kept > largest_kept)
                largest_kept = F->kept;
            if (c < n && F->full > largest_kept)
                largest_kept = F->full;
            if (F->temp > largest_temp)
                largest_temp = F->temp;
            if (F->grad > largest_grad)
                largest_grad = F->grad;
            i = stop;
        }
        /* Zamba2's shared blocks: a stage that invokes them holds their weights (each pipeline stage its own copy,
         * as a tied head on another stage); their matrices split over TP, their norms replicated. */
        if (m->shared.n_blocks > 0) {
            bool invokes = false;
            for (int64_t i = first; i < first + count && !invokes; i++)
                invokes = m->layers[i].shared_block;
            double sb_mm, sb_norms;
            if (invokes && lc_params_shared_blocks(&sb_mm, &sb_norms, m) == 0) {
                sp.dense += sb_mm / t + sb_norms;
                sp.matmul += sb_mm / t;
            }
        }
        kept_of[k] = kept_layers;
        lora_of_stage[k] = lora_k;
        first_of[k] = first;
        count_of[k] = count;
        inflight += H->inflight[k];
        count_all += count;
    }
    if (wk && !wk->done) {
        wk->done = true;
        wk->sp = sp, wk->cache = cache, wk->largest_full = largest_full, wk->largest_kept = largest_kept;
        wk->largest_temp = largest_temp, wk->largest_grad = largest_grad, wk->adapters = adapters;
        wk->adapters_factored = adapters_factored, wk->paged = paged, wk->inflight = inflight, wk->count_all = count_all;
        for (int k = 0; k < 2; k++) {
            wk->kept_of[k] = kept_of[k], wk->lora_of_stage[k] = lora_of_stage[k];
            wk->first_of[k] = first_of[k], wk->count_of[k] = count_of[k];
        }
    }
    out->layers_on_stage = count_all;
    double layer_params = sp.dense + sp.expert; /* the layers' own, before the embedding's and the head's */
    stage_params_tail(&sp, m, t, has_embed, has_head);
    out->layer_activation_bytes = largest_kept;
    out->layer_full_bytes = largest_full;

    /* Weights, gradients, optimizer states. */
    double dpz = (double)ly->dp * ly->cp;                      /* dense data-parallel group */
    double dpe = fmax(1, (double)ly->dp * ly->cp * ly->tp / ((double)ly->ep * (double)o->expert_tp)); /* expert data parallel */
    double params_dense = sp.dense, params_expert = sp.expert;
    double opt_pp = R.opt;
    double w = R.p * (params_dense / (ly->zero >= 3 ? dpz : 1) + params_expert / (ly->zero >= 3 ? dpe : 1));
    double g = R.g * (params_dense / (ly->zero >= 2 ? dpz : 1) + params_expert / (ly->zero >= 2 ? dpe : 1));
    double opt = opt_pp * (params_dense / (ly->zero >= 1 ? dpz : 1) + params_expert / (ly->zero >= 1 ? dpe : 1));
    if (adafactor)
        opt += R.state * sp.factored / (ly->zero >= 1 ? dpz : 1);
    opt += ema_bytes(o, params_dense / (ly->zero >= 1 ? dpz : 1) + params_expert / (ly->zero >= 1 ? dpe : 1));
    double zero3_gather = ly->zero >= 3 ? 2 * R.p * sp.largest_layer : 0; /* current + prefetched layer */
    double fsdp_grad = 0, fsdp_unsharded = 0; /* LitGPT's FSDP: the Blocks' whole gradients (below) */
    bool fsdp_no_sync = false;
    if (FT) {
        /* Adapters: the frozen base as stored (its share on this GPU in proportion to the parameters it holds), the
         * adapters of its layers in their dtype, gradients and optimizer states for the adapters only. */
        double share = FT->fp.base > 0 ? (params_dense + params_expert) / (double)FT->fp.base : 0;
        double frozen = (double)(FT->fp.quant_weight_bytes + FT->fp.quant_scale_bytes) + R.p * (double)FT->fp.dense_params;
        double z3 = ly->zero >= 3 ? dpz : 1, z2 = ly->zero >= 2 ? dpz : 1, z1 = ly->zero >= 1 ? dpz : 1;
        out->frozen_weight_bytes = frozen * share / z3;
        out->adapter_bytes = FT->ab.weights * adapters / z3;
        out->adapter_gradient_bytes = FT->ab.gradients * adapters / z2;
        out->adapter_optimizer_bytes = FT->ab.optimizer * adapters / z1;
        if (o->optimizer == LLMCOST_OPTIM_ADAFACTOR)
            out->adapter_optimizer_bytes += FT->ab.moment * adapters_factored / z1;
        w = out->frozen_weight_bytes + out->adapter_bytes;
        g = out->adapter_gradient_bytes;
        opt = out->adapter_optimizer_bytes + ema_bytes(o, adapters / z1);
        if (ly->zero >= 3 && o->framework == LLMCOST_FW_LITGPT && FT->ft->method == LLMCOST_FT_LORA) {
            /* LitGPT shards with Fabric's FSDPStrategy (finetune/lora.py: auto_wrap_policy={Block}), which sets
             * use_orig_params=True (lightning/fabric/strategies/fsdp.py, 2.1.0.rc0 on): each Block's one
             * FlatParameter holds its frozen weights and its adapters together, so it requires a gradient as a
             * whole, and FSDP keeps the gradient of all of it (PyTorch's FSDP docs: mixing frozen and non-frozen
             * parameters costs the gradient memory of not freezing them), sharded over the group, in the
             * parameters' dtype; the root unit (embedding, final norm, head) is all frozen and gets none. Plus,
             * at the end of backward, the last Block's unsharded gradient awaiting its reduce-scatter. Under
             * gradient accumulation its loop runs every micro-batch but the step's last inside
             * fabric.no_backward_sync, FSDP's no_sync() (lightning/fabric/strategies/fsdp.py
             * _FSDPBackwardSyncControl), which accumulates "the full model gradients (instead of gradient shards)
             * until the eventual sync" (torch/distributed/fsdp/fully_sharded_data_parallel.py, no_sync): those
             * micro-batches hold every Block's whole gradient unsharded, the earlier micro-batches' alive
             * through the next one's forward and backward (held with the weights, below). */
            fsdp_no_sync = o->micro_batches > 1;
            fsdp_grad = R.p * layer_params / (fsdp_no_sync ? 1 : dpz);
            fsdp_unsharded = fsdp_no_sync ? 0 : R.p * sp.largest_layer;
            if (!fsdp_no_sync)
                g += fsdp_grad;
        }
    }
    if (llmcost_optimizer_paged(o->optimizer)) {
        /* Paged optimizers: the moments of the big tensors in unified memory, apart from PyTorch's counters; the
         * embedding and the head are one tensor each (pre-training, full fine-tuning). bitsandbytes keeps 32-bit
         * states in fp32 whatever the parameter's dtype; the 8-bit ones page their uint8 moments, not the absmax. */
        if (!FT && has_embed && V * (double)m->embed_dim >= PAGED_MIN_NUMEL)
            paged += V * (double)m->embed_dim / t;
        if (!FT && has_head && !(m->tied && has_embed) && V * (double)m->embed_dim >= PAGED_MIN_NUMEL)
            paged += V * (double)m->embed_dim / t;
        double per = o->optimizer == LLMCOST_OPTIM_PAGED_ADAMW ? 2 * 4 : 2 * 1;
        double pg = per * paged / (ly->zero >= 1 ? dpz : 1);
        if (pg > opt)
            pg = opt;
        out->paged_optimizer_bytes = pg;
        opt -= pg;
        if (FT)
            out->adapter_optimizer_bytes -= pg;
    }
    /* Optimizer in backward: each parameter's gradient lives from its accumulation to its step; the largest one
     * alive at a time (a layer's, the head's or the embedding's, which is the last made). */
    double one_grad = 0;
    if (oib) {
        one_grad = largest_grad;
        if (!FT && (has_head || has_embed) && R.g * V * (double)m->embed_dim / t > one_grad)
            one_grad = R.g * V * (double)m->embed_dim / t;
        g = one_grad;
        if (FT)
            out->adapter_gradient_bytes = g;
    }
    out->weights_bytes = w;
    out->gradients_bytes = g + (fsdp_no_sync ? fsdp_grad : 0);
    out->optimizer_bytes = opt;
    out->in_flight = inflight;

    /* Embedding side (first stage) and head side (last stage). */
    double pre = 0, post = 0, loss = 0, logits = 0, fp32_copy = 0, loss_grads = 0, held_logits = 0;
    double e_logits = R.e;
    if (has_embed) {
        if (!FT)
            pre += 8 * T;                                     /* input ids, kept by the embedding (for its gradient) */
        if (m->pos == LLMCOST_POS_LEARNED)
            pre += 8 * s;                                     /* position ids */
        if (m->dropout_embed > 0)
            pre += h * T;                                     /* embedding dropout mask */
        if (m->embed_dim != m->hidden)
            pre += R.e * (double)m->embed_dim * T;            /* project_in's input */
        if (m->embed_norm)                                    /* BLOOM's embedding LayerNorm feeds the residual */
            pre += hf_norm(&R, style_of(m, o->framework), h, R.e, 0) * T;
    }
    /* Per held stage, per micro-batch in flight: its layers' kept tensors, the embedding side's (stage 0) and the
     * rotary cos and sin tables (every stage with layers). */
    double held_acts = 0, held_kept = 0, held_pre = 0, rounding = 0;
    for (int k = 0; k < H->n; k++) {
        double pre_k = H->stage[k] == 0 ? pre : 0;
        if (count_of[k] > 0 && m->pos == LLMCOST_POS_ROTARY && m->layers[first_of[k]].attn.rotary_dim > 0)
            pre_k += 2 * s * (double)m->layers[first_of[k]].attn.rotary_dim * (R.autocast ? 4 : R.e); /* cos, sin */
        /* Activation offloading: the layers' kept tensors wait in host memory; on the GPU stay the layer being
         * worked on and the one in transfer (forward: the stash of tensors still being copied out; backward: the
         * layer in use and the next one prefetched), two layers' worth at most. */
        double kept_k = kept_of[k];
        if (offload)
            out->offload_copy_bytes = fmax(out->offload_copy_bytes, kept_k);
        if (offload && kept_k > 2 * largest_kept) {
            double on_gpu = 2 * largest_kept;
            out->offloaded_bytes += H->inflight[k] * (kept_k - on_gpu);
            lora_of_stage[k] *= on_gpu / kept_k;
            kept_k = on_gpu;
        }
        held_acts += H->inflight[k] * (kept_k + pre_k);
        lora_kept += H->inflight[k] * lora_of_stage[k];
        held_kept += H->inflight[k] * kept_k;
        held_pre += H->inflight[k] * pre_k;
        /* the caching allocator's rounding (below): about 20 live tensors per layer and micro-batch */
        rounding += MIB * 20 * (double)count_of[k] * H->inflight[k];
    }
    if (has_head) {
        norm_style st = style_of(m, o->framework);
        if (m->final_norm) /* under adapters the frozen head keeps no input */
            post += hf ? (FT ? hf_norm_frozen(&R, st, h, R.r, false) : hf_norm(&R, st, h, R.r, 1)) * T
                       : 2 * R.e * h * T / (ly->sequence_parallel ? t : 1);
        else
            post += R.r * h * T;
        if (m->embed_dim != m->hidden)
            post += R.e * (double)m->embed_dim * T;           /* project_out's output, read by the head */
        if (FT && FT->head_quant && FT->bnb_4bit)
            /* LitGPT's QLoRA head is a bitsandbytes Linear4bit: MatMul4Bit keeps its input (ctx.tensors = (A, B)),
             * the final norm's output; the 128-token chunks are views of it (x.split), so all of it stays. */
            post += R.e * (double)m->embed_dim * T;
        if (hf) {
            if (m->logit_softcap > 0)
                post += e_logits * V * T;                     /* tanh output of the soft-cap */
            double nch = SV && SV->chunks > 1 ? SV->chunks : 1;
            if (o->framework == LLMCOST_FW_LITGPT) {
                /* LitGPT's finetune scripts (litgpt/finetune/lora.py, full.py): the logits in the model's dtype (the
                 * head run on 128-token chunks, lm_head_chunk_size=128, or whole), then chunked_cross_entropy: an
                 * F.cross_entropy per 128 tokens on those logits, no upcast, so each chunk's log-softmax keeps its
                 * output in that dtype. The training loop's "logits" variable holds every chunk until the next
                 * step: they stay through backward and the optimizer step. Backward makes one chunk's nll and
                 * log-softmax gradients at a time. */
                double chunk = fmin(128, T);
                loss = e_logits * V * T + 8 * T + 4;
                held_logits = e_logits * V * T;
                post += held_logits;
                logits = 0;
                fp32_copy = 0;
                loss_grads = 2 * e_logits * V * chunk;
            } else if (SV && SV->compile) {
                /* A compiled cross-entropy (inductor's fused kernels, the min-cut partitioner) keeps its input and one
                 * fp32 log-sum-exp per token, and makes the softmax again in backward: the input is the bf16 chunk
                 * (torchtune's chunked_output) or, whole, the fp32 logits the model upcast (torchtune's unembed:
                 * output(h).float(), the bf16 logits alive beside it while cast); its gradient in the input's dtype,
                 * one chunk at a time. */
                double in = nch > 1 ? e_logits : 4;
                loss = in * V * T + 4 * T + 8 * T + 4;
                logits = nch > 1 || e_logits >= 4 ? 0 : e_logits * V * T;
                fp32_copy = 0;
                loss_grads = in * V * T / nch;
            } else {
                loss = 4 * V * T + 8 * T + 4;                 /* fp32 log-probabilities (of every chunk), labels, the loss */
                logits = e_logits * V * T;                    /* returned logits (every chunk's), freed once forward ends */
                fp32_copy = e_logits < 4 ? 4 * V * T / nch : 0; /* logits.float() inside the loss: one chunk at a time */
                loss_grads = 2 * 4 * V * T / nch;             /* nll gradient and log-softmax gradient, fp32, of a chunk */
            }
        } else {
            /* Megatron's vocab-parallel cross-entropy keeps fp32 softmax; backward works in place. */
            loss = 4 * V * T / t;
            logits = 2 * V * T / t;
            fp32_copy = 0;
            loss_grads = 2 * V * T / t;
        }
        if (R.cache > 0)
            cache += R.cache * V * (double)m->embed_dim / t;  /* the head's weight copy */
    }

    double base = w + opt + zero3_gather + (fsdp_no_sync ? fsdp_grad : 0);
    double acts = held_acts + post + loss + cache;
    out->activations_bytes = acts;
    out->after_forward_bytes = base + acts;
    double ph[LLMCOST_PHASE_COUNT];
    ph[LLMCOST_PHASE_FORWARD_LOSS] = base + acts + logits + fp32_copy;
    ph[LLMCOST_PHASE_BACKWARD_LOSS] = base + acts + loss_grads;
    double head_grads = has_head && !FT ? R.g * V * (double)m->embed_dim / t : 0;
    double recomputed = o->recompute == LLMCOST_RECOMPUTE_FULL ? largest_full : 0;
    /* QLoRA: a quantised matrix is dequantised to 16 bits before its forward and its input-gradient GEMMs
     * (bitsandbytes MatMul4Bit, torchao's NF4 linear), one at a time; DoRA copies its weight for the norm. */
    double dequant = FT ? fmax(2 * FT->largest_quant, FT->act * FT->largest_dora) / t : 0;
    /* LitGPT's quantised head (lc_ft_head_quantised): every 128-token chunk dequantises the whole head (V x h, 2 bytes
     * a weight) for its forward GEMM and again for its input-gradient GEMM: alive beside the logits at the loss. */
    double head_dequant = FT && FT->head_quant && has_head ? 2 * V * (double)m->embed_dim / t : 0;
    ph[LLMCOST_PHASE_FORWARD_LOSS] += head_dequant;
    ph[LLMCOST_PHASE_BACKWARD_LOSS] += head_dequant;
    out->dequant_bytes = dequant;
    out->lora_activation_bytes = lora_kept;
    double grads_now = oib ? fmax(head_grads, largest_grad) : head_grads + largest_grad;
    ph[LLMCOST_PHASE_BACKWARD_LAYERS] = base + acts - loss + grads_now + recomputed + largest_temp + dequant;
    double optim_temp = o->fused_optimizer ? 0
                        : FT ? FT->ab.moment * adapters / (ly->zero >= 1 ? dpz : 1)
                             : R.state * (params_dense + params_expert) / (ly->zero >= 1 ? dpz : 1);
    if (oib) /* one parameter's step at a time: its temporary (foreach) is as large as its gradient's elements */
        optim_temp = o->fused_optimizer ? 0 : one_grad / (FT ? FT->ab.gradients : R.g) * (FT ? FT->ab.moment : R.state);
    ph[LLMCOST_PHASE_BACKWARD_END] = base + g + optim_temp + held_logits + fsdp_unsharded;
    int peak = 0;
    for (int p = 0; p < LLMCOST_PHASE_COUNT; p++) {
        out->phase_bytes[p] = ph[p];
        if (ph[p] > ph[peak])
            peak = p;
    }
    out->peak_phase = (llmcost_memory_phase)peak;
    out->peak_bytes = ph[peak];

    /* Components as they stand at the peak. */
    double *c = out->components;
    c[LLMCOST_MC_WEIGHTS] = w + zero3_gather;
    c[LLMCOST_MC_OPTIMIZER] = opt;
    c[LLMCOST_MC_GRADIENTS] = fsdp_no_sync ? fsdp_grad : 0; /* LitGPT's FSDP under no_sync: alive in every phase */
    switch (peak) {
    case LLMCOST_PHASE_FORWARD_LOSS:
    case LLMCOST_PHASE_BACKWARD_LOSS:
        c[LLMCOST_MC_ACTIVATIONS] = held_kept;
        c[LLMCOST_MC_EMBED_HEAD] = held_pre + post;
        c[LLMCOST_MC_LOSS] = loss;
        c[LLMCOST_MC_WEIGHT_CACHE] = cache;
        c[LLMCOST_MC_TRANSIENT] = (peak == LLMCOST_PHASE_FORWARD_LOSS ? logits + fp32_copy : loss_grads) + head_dequant;
        break;
    case LLMCOST_PHASE_BACKWARD_LAYERS:
        c[LLMCOST_MC_ACTIVATIONS] = held_kept;
        c[LLMCOST_MC_EMBED_HEAD] = held_pre + post;
        c[LLMCOST_MC_WEIGHT_CACHE] = cache;
        c[LLMCOST_MC_GRADIENTS] += grads_now;
        c[LLMCOST_MC_TRANSIENT] = recomputed + largest_temp + dequant;
        break;
    default:
        c[LLMCOST_MC_GRADIENTS] += g;
        /* The term itself, not ph[peak] - base - g: at 5e19 bytes that difference rounds to -2048 (fuzz_config). */
        c[LLMCOST_MC_TRANSIENT] = optim_temp + fsdp_unsharded;
        c[LLMCOST_MC_EMBED_HEAD] = held_logits; /* LitGPT's logits, held by its training loop */
        break;
    }
    /* Reserved: the caching allocator rounds blocks to 2 MiB (about 1 MiB lost per live tensor, some 20 per layer
     * and micro-batch), and when the peak is the loss's backward the freed bf16 logits cannot hold the larger
     * fp32 gradients, so their block stays reserved beside them. An estimate, not a measurement. */
    double frag = peak == LLMCOST_PHASE_BACKWARD_LOSS ? logits : 0;
    out->reserved_bytes = out->peak_bytes + rounding + frag;
    c[LLMCOST_MC_ALLOCATOR] = out->reserved_bytes - out->peak_bytes;
    out->cuda_context_bytes = o->cuda_context_bytes;
}

/* The most loaded pipeline stage of the validated, resolved options "o" (the first holds most micro-batches, the
 * last the loss); each distinct layer's figures made once for all stages. With n > 1, o[0..n-1] are one layout at
 * n ZeRO stages (options differing in layout.zero only): the layers are walked once per pipeline stage for all of
 * them, out[k] and rc[k] are o[k]'s, and the return is 0 unless out of memory. */
static int run_zeros(llmcost_memory *out, int *rcs, const llmcost_memory_prepared *p, const llmcost_memory_options *const *os,
                     int n, const llmcost_finetune *ft, const savers *sv)
{
    const llmcost_memory_options *o = os[0];
    /* The layers' kept tensors depend on the ZeRO stage under LitGPT's FSDP with LoRA (ft_block_inputs): the ZeRO
     * stages on either side of it cannot share one walk of the layers. */
    for (int k = 1; n > 1 && k < n; k++)
        if (ft_block_inputs(ft, os[k]) != ft_block_inputs(ft, o)) {
            for (int j = 0; j < n; j++) {
                int rc = run_zeros(&out[j], &rcs[j], p, &os[j], 1, ft, sv);
                if (rc)
                    return rc;
            }
            return 0;
        }
    eval ev;
    ev.p = p;
    ev.o = o;
    ev.sv = sv;
    ev.R = recipe_of(o, &ev.pb);
    ev.hf = llmcost_framework_eager(o->framework);
    ev.F = NULL;
    ft_mem fm;
    int64_t trainable = p->total_params, frozen = 0;
    if (ft && (ft->method == LLMCOST_FT_LORA || ft->method == LLMCOST_FT_QLORA)) {
        int frc = ft_mem_of(&fm, p->m, ft, o, &ev.R);
        if (frc < 0)
            return frc;
        ev.F = &fm;
        trainable = fm.fp.trainable;
        frozen = fm.fp.frozen;
    }
    const llmcost_layout *ly = &o->layout;
    ev.t = ly->tp;
    ev.s = (double)o->seq / ly->cp;
    ev.b = (double)o->micro_batch;
    ev.T = ev.b * ev.s;
    ev.ex = (double)ly->ep * (double)o->expert_tp;
    class_figures local[16];
    if (p->nclass <= sizeof local / sizeof local[0]) {
        ev.fig = local;
        memset(local, 0, p->nclass * sizeof *local);
    } else if (!(ev.fig = calloc(p->nclass, sizeof *ev.fig))) {
        return lc_fail(LLMCOST_ENOMEM, "out of memory");
    }
    /* Each ZeRO stage's most loaded pipeline stage so far and a slot for the next one, swapped rather than copied. */
    llmcost_memory slot[4][2], *best[4], *next[4];
    for (int k = 0; k < n; k++) {
        memset(&slot[k][0], 0, sizeof slot[k][0]);
        best[k] = &slot[k][0], next[k] = &slot[k][1];
    }
    bool dual = o->pipeline == LLMCOST_PIPE_DUALPIPE;
    int ranks = dual ? (int)(ly->pp / 2) : (int)ly->pp; /* DualPipe's ranks r and pp-1-r hold the same */
    for (int st = 0; st < ranks; st++) {
        if (!dual && st > 1 && st < ly->pp - 1)
            continue; /* middle stages hold fewer micro-batches than stage 0 and no loss */
        held H = held_of(o, st);
        stage_walk wk;
        wk.done = false;
        for (int k = 0; k < n; k++) {
            ev.o = os[k];
            stage_memory(next[k], &ev, &H, n > 1 ? &wk : NULL);
            if (next[k]->peak_bytes > best[k]->peak_bytes) {
                llmcost_memory *t = best[k];
                best[k] = next[k], next[k] = t;
            }
        }
    }
    if (ev.fig != local)
        free(ev.fig);
    for (int k = 0; k < n; k++) {
        best[k]->finetune = ft ? ft->method : LLMCOST_FT_NONE;
        best[k]->trainable_params = trainable;
        best[k]->frozen_params = frozen;
        rcs[k] = 0;
        if (!isfinite(best[k]->reserved_bytes) || !isfinite(best[k]->peak_bytes)) { /* a backstop: sizes are bounded */
            char cause[160];
            snprintf(cause, sizeof cause, "micro_batch = %lld, seq = %lld", (long long)o->micro_batch, (long long)o->seq);
            const double v[] = {best[k]->peak_bytes, best[k]->reserved_bytes};
            rcs[k] = lc_finite("memory", v, (const char *const[]){"peak_bytes", "reserved_bytes"}, 2, cause);
            continue;
        }
        out[k] = *best[k];
    }
    return 0;
}

static int run(llmcost_memory *out, const llmcost_memory_prepared *p, const llmcost_memory_options *o,
               const llmcost_finetune *ft, const savers *sv)
{
    int rc0;
    int rc = run_zeros(out, &rc0, p, &o, 1, ft, sv);
    return rc ? rc : rc0;
}

int lc_memory_check_model(const llmcost_model *m)
{
    const char *unmodelled = llmcost_model_unmodelled(m);
    if (unmodelled)
        return lc_fail(LLMCOST_EUNSUPPORTED, "%s: the memory engine does not model %s yet", m->origin, unmodelled);
    return 0;
}

/* The caller's options as this version's struct: a version-1 struct lacks recompute_every (read as 0: every
 * layer), a version-2 one cp_comm (read as 0: p2p), copied up to where it ends; "o" is pointed at the copy. */
static int memory_options_read(llmcost_memory_options *copy, const llmcost_memory_options **o)
{
    if (*o && ((*o)->version == 1 || (*o)->version == 2)) {
        llmcost_memory_options d = LLMCOST_MEMORY_OPTIONS_INIT;
        memcpy(&d, *o, (*o)->version == 1 ? offsetof(llmcost_memory_options, recompute_every)
                                           : offsetof(llmcost_memory_options, cp_comm));
        d.version = LLMCOST_MEMORY_OPTIONS_VERSION;
        *copy = d;
        *o = copy;
        return 0;
    }
    return LC_CHECK_VERSION(*o, MEMORY_OPTIONS, memory_options);
}

int llmcost_memory_compute(llmcost_memory *out, const llmcost_model *m, const llmcost_memory_options *o)
{
    int urc = lc_memory_check_model(m);
    if (urc)
        return urc;
    memset(out, 0, sizeof *out);
    llmcost_memory_options o_copy;
    int rc = memory_options_read(&o_copy, &o);
    if (rc)
        return rc;
    llmcost_job j;
    llmcost_job_from_memory_options(&j, o);
    return llmcost_job_memory(out, m, &j);
}

int llmcost_job_memory(llmcost_memory *out, const llmcost_model *m, const llmcost_job *job)
{
    memset(out, 0, sizeof *out);
    /* The distinct layers first (for the checks), then, in the engine's order, the job's checks, the parameter
     * count's, and the memory. */
    llmcost_memory_prepared p;
    bool overflow;
    llmcost_memory_options q;
    llmcost_job_memory_options(&q, job);
    int rc = prepared_classes(&p, m, &q, &overflow);
    if (rc)
        return rc;
    llmcost_job j = *job;
    if ((rc = lc_job_validate_digest(&j, m, &p.digest)) == 0 && (rc = prepared_params(&p, overflow)) == 0) {
        llmcost_job_memory_options(&q, &j);
        savers sv = {j.chunked_loss > 1 ? (double)j.chunked_loss : 1, j.optimizer_in_backward, j.activation_offload,
                     j.compile};
        rc = run(out, &p, &q, j.version >= 2 ? &j.finetune : NULL, j.version >= 4 ? &sv : NULL);
    }
    prepared_release(&p);
    return rc;
}

int llmcost_memory_prepare(llmcost_memory_prepared **out, const llmcost_model *m, const llmcost_memory_options *o)
{
    *out = NULL;
    int urc = lc_memory_check_model(m);
    if (urc)
        return urc;
    llmcost_memory_options o_copy;
    int rc = memory_options_read(&o_copy, &o);
    if (rc)
        return rc;
    llmcost_memory_prepared *p = malloc(sizeof *p);
    if (!p)
        return lc_fail(LLMCOST_ENOMEM, "out of memory");
    if ((rc = prepared_init(p, m, o)) != 0) {
        free(p);
        return rc;
    }
    *out = p;
    return 0;
}

/* The first field a prepared memory fixes that "o" changes, or NULL. */
static const char *fixed_mismatch(const llmcost_memory_options *o, const llmcost_memory_options *prep)
{
    if (o->seq != prep->seq)
        return "seq";
    if (o->precision != prep->precision)
        return "precision";
    if (o->optimizer != prep->optimizer)
        return "optimizer";
    if (o->attention != prep->attention)
        return "attention";
    if (o->framework != prep->framework)
        return "framework";
    if (o->fp32_grads != prep->fp32_grads)
        return "fp32_grads";
    if (o->fused_optimizer != prep->fused_optimizer)
        return "fused_optimizer";
    return NULL;
}

int llmcost_memory_compute_prepared(llmcost_memory *out, const llmcost_memory_prepared *p,
                                    const llmcost_memory_options *o)
{
    return lc_memory_compute_prepared_finetune(out, p, o, NULL);
}

/* The memory savers of "sv" (chunked_loss, optimizer_in_backward, activation_offload, compile) into job "j", which
 * llmcost_job_from_memory_options made (memory options carry none); NULL: none. */
static void savers_into(llmcost_job *j, const llmcost_job *sv)
{
    if (!sv || sv->version < 4)
        return;
    j->chunked_loss = sv->chunked_loss;
    j->optimizer_in_backward = sv->optimizer_in_backward;
    j->activation_offload = sv->activation_offload;
    j->compile = sv->compile;
}

/* The engine's savers of validated job "j", as llmcost_job_memory passes them. */
static savers savers_of(const llmcost_job *j)
{
    savers s = {j->chunked_loss > 1 ? (double)j->chunked_loss : 1, j->optimizer_in_backward, j->activation_offload,
                j->compile};
    return s;
}

int lc_memory_compute_prepared_finetune(llmcost_memory *out, const llmcost_memory_prepared *p,
                                        const llmcost_memory_options *o, const llmcost_finetune *ft)
{
    return lc_memory_compute_prepared_savers(out, p, o, ft, NULL);
}

int lc_memory_compute_prepared_savers(llmcost_memory *out, const llmcost_memory_prepared *p,
                                      const llmcost_memory_options *o, const llmcost_finetune *ft,
                                      const llmcost_job *sv)
{
    memset(out, 0, sizeof *out);
    llmcost_memory_options o_copy;
    int rc = memory_options_read(&o_copy, &o);
    if (rc)
        return rc;
    const char *field = fixed_mismatch(o, &p->o);
    if (field)
        return lc_fail(LLMCOST_EINVAL, "memory options: %s differs from the options the memory was prepared with "
                       "(llmcost_memory_prepare)", field);
    llmcost_job j;
    llmcost_job_from_memory_options(&j, o);
    if (ft)
        j.finetune = *ft;
    savers_into(&j, sv);
    if ((rc = lc_job_validate_digest(&j, p->m, &p->digest)) != 0)
        return rc;
    llmcost_memory_options q;
    llmcost_job_memory_options(&q, &j);
    savers s = savers_of(&j);
    return run(out, p, &q, ft ? &j.finetune : NULL, sv ? &s : NULL);
}

int lc_memory_compute_prepared_zeros(llmcost_memory *out, int *rcs, const llmcost_memory_prepared *p,
                                     const llmcost_memory_options *o, const llmcost_finetune *ft, const int *zeros,
                                     int n)
{
    return lc_memory_compute_prepared_zeros_savers(out, rcs, p, o, ft, NULL, zeros, n);
}

int lc_memory_compute_prepared_zeros_savers(llmcost_memory *out, int *rcs, const llmcost_memory_prepared *p,
                                            const llmcost_memory_options *o, const llmcost_finetune *ft,
                                            const llmcost_job *sv, const int *zeros, int n)
{
    /* Each stage validated and resolved as lc_memory_compute_prepared_finetune does it; the valid ones computed
     * together (resolution reads no ZeRO stage, so their options differ in layout.zero alone). */
    llmcost_memory_options q[4];
    const llmcost_memory_options *qs[4];
    llmcost_finetune fts[4];
    savers svs[4];
    int idx[4], nv = 0;
    if (n < 1 || n > 4)
        return lc_fail(LLMCOST_EINVAL, "memory: %d ZeRO stages asked for at once (1 to 4)", n);
    llmcost_memory_options o_copy;
    if (o && o->version == 1)
        (void)memory_options_read(&o_copy, &o);
    for (int k = 0; k < n; k++) {
        memset(&out[k], 0, sizeof out[k]);
        llmcost_memory_options oz = *o;
        oz.layout.zero = zeros[k];
        int rc = LC_CHECK_VERSION(&oz, MEMORY_OPTIONS, memory_options);
        const char *field = rc ? NULL : fixed_mismatch(&oz, &p->o);
        if (!rc && field)
            rc = lc_fail(LLMCOST_EINVAL, "memory options: %s differs from the options the memory was prepared with "
                         "(llmcost_memory_prepare)", field);
        llmcost_job j;
        if (!rc) {
            llmcost_job_from_memory_options(&j, &oz);
            if (ft)
                j.finetune = *ft;
            savers_into(&j, sv);
            rc = lc_job_validate_digest(&j, p->m, &p->digest);
        }
        rcs[k] = rc;
        if (rc) {
            if (rc != LLMCOST_EINVAL)
                return rc;
            continue;
        }
        llmcost_job_memory_options(&q[nv], &j);
        fts[nv] = j.finetune;
        svs[nv] = savers_of(&j);
        qs[nv] = &q[nv];
        idx[nv++] = k;
    }
    if (!nv)
        return 0;
    llmcost_memory res[4];
    int rr[4] = {0, 0, 0, 0}; /* set by run_zeros when it returns 0 */
    int rc = run_zeros(res, rr, p, qs, nv, ft ? &fts[0] : NULL, sv ? &svs[0] : NULL);
    if (rc)
        return rc;
    for (int v = 0; v < nv; v++) {
        rcs[idx[v]] = rr[v];
        if (!rr[v])
            out[idx[v]] = res[v];
    }
    return 0;
}

void llmcost_memory_prepared_free(llmcost_memory_prepared *p)
{
    if (!p)
        return;
    prepared_release(p);
    free(p);
}

/* The largest micro-batch of "job" that fits (llmcost_job_max_micro_batch), after the checks of the range of
 * capacity and headroom and of the model's unmodelled parts. */
static int max_micro_batch(int64_t *out, const llmcost_model *m, const llmcost_job *job, double capacity_bytes,
                           double headroom)
{
    *out = 0;
    int rc0;
    if ((rc0 = lc_range_id(LC_R_CAPACITY_BYTES, NULL, capacity_bytes)) || (rc0 = lc_range_id(LC_R_HEADROOM, NULL, headroom)))
        return rc0;
    int urc = lc_memory_check_model(m);
    if (urc)
        return urc;
    llmcost_job q = *job;
    q.global_batch = 0; /* the micro-batches per step kept (grad_accum), as the memory options keep them */
    double limit = capacity_bytes * (1 - headroom) - job->cuda_context_bytes;
    int64_t lo = 0, hi = 1;
    llmcost_memory r;
    /* Memory grows with the micro-batch: double until it no longer fits, then bisect. */
    for (;;) {
        q.micro_batch = hi;
        int rc = llmcost_job_memory(&r, m, &q);
        if (rc)
            return rc;
        if (r.reserved_bytes > limit)
            break;
        lo = hi;
        if (hi >= ((int64_t)1 << 30))
            break;
        hi *= 2;
    }
    while (hi - lo > 1) {
        int64_t mid = lo + (hi - lo) / 2;
        q.micro_batch = mid;
        llmcost_job_memory(&r, m, &q);
        if (r.reserved_bytes > limit)
            hi = mid;
        else
            lo = mid;
    }
    *out = lo;
    return 0;
}

int llmcost_memory_max_micro_batch(int64_t *out, const llmcost_model *m, const llmcost_memory_options *o,
                                   double capacity_bytes, double headroom)
{
    *out = 0;
    /* The checks in the order they came before: ranges, the model, the options' version. */
    int rc;
    if ((rc = lc_range_id(LC_R_CAPACITY_BYTES, NULL, capacity_bytes)) || (rc = lc_range_id(LC_R_HEADROOM, NULL, headroom)))
        return rc;
    int urc = lc_memory_check_model(m);
    if (urc)
        return urc;
    llmcost_memory_options o_copy;
    if ((rc = memory_options_read(&o_copy, &o)) != 0)
        return rc;
    llmcost_job j;
    llmcost_job_from_memory_options(&j, o);
    return max_micro_batch(out, m, &j, capacity_bytes, headroom);
}

int llmcost_job_max_micro_batch(int64_t *out, const llmcost_model *m, const llmcost_job *j, double capacity_bytes,
                                double headroom)
{
    if (!out || !m || !j)
        return lc_fail(LLMCOST_EINVAL, "llmcost_job_max_micro_batch: NULL argument");
    return max_micro_batch(out, m, j, capacity_bytes, headroom);
}

int llmcost_job_max_seq(int64_t *out, const llmcost_model *m, const llmcost_job *j, double capacity_bytes,
                        double headroom)
{
    if (out)
        *out = 0;
    if (!out || !m || !j)
        return lc_fail(LLMCOST_EINVAL, "llmcost_job_max_seq: NULL argument");
    int rc;
    if ((rc = lc_range_id(LC_R_CAPACITY_BYTES, NULL, capacity_bytes)) || (rc = lc_range_id(LC_R_HEADROOM, NULL, headroom)))
        return rc;
    if ((rc = lc_memory_check_model(m)) != 0)
        return rc;
    llmcost_job q = *j;
    q.global_batch = 0; /* the micro-batches per step kept (grad_accum), as the memory options keep them */
    /* Sequences in steps of the context-parallel degree (it must divide them), from the shortest the job takes:
     * at least one token a loss chunk. Memory grows with the sequence: double the steps until it no longer fits
     * (or 2^24 tokens), then bisect. */
    int64_t g = q.layout.cp > 1 ? q.layout.cp : 1, mb = q.micro_batch > 0 ? q.micro_batch : 1;
    int64_t first = 1;
    if (q.version >= 4 && q.chunked_loss > 1)
        first = (q.chunked_loss + mb - 1) / mb;
    int64_t lo = 0, hi = (first + g - 1) / g, cap = ((int64_t)1 << 24) / g;
    double limit = capacity_bytes * (1 - headroom) - j->cuda_context_bytes;
    llmcost_memory r;
    int64_t base = hi;
    for (;;) {
        q.seq = hi * g;
        if ((rc = llmcost_job_memory(&r, m, &q)) != 0)
            return rc;
        if (r.reserved_bytes > limit)
            break;
        lo = hi;
        if (hi >= cap)
            break;
        hi = hi * 2 > cap ? cap : hi * 2;
    }
    if (lo == 0 && hi == base) /* the shortest does not fit */
        return 0;
    while (hi - lo > 1) {
        int64_t mid = lo + (hi - lo) / 2;
        q.seq = mid * g;
        if ((rc = llmcost_job_memory(&r, m, &q)) != 0)
            return rc;
        if (r.reserved_bytes > limit)
            hi = mid;
        else
            lo = mid;
    }
    *out = lo * g;
    return 0;
}

int llmcost_memory_course_layer(llmcost_course_layer *out, const llmcost_model *m, int64_t batch, int64_t seq)
{
    memset(out, 0, sizeof *out);
    if (batch < 1 || seq < 1)
        return lc_fail(LLMCOST_EINVAL, "batch and sequence must be at least 1");
    llmcost_layer_params lp;
    int rc = llmcost_params_layer(&lp, m, &m->layers[0]);
    if (rc)
        return rc;
    double b = (double)batch, s = (double)seq, h = (double)m->hidden;
    const llmcost_attention *a = &m->layers[0].attn;
    const llmcost_ffn *f = &m->layers[0].ffn;
    double ff = f->moe ? (double)f->expert.d_ff * (double)f->top_k : (double)f->dense.d_ff;
    out->weights_bytes = 2 * (double)lp.total;
    out->checkpoint_bytes = 2 * b * s * h;
    /* Inside the layer's forward (no autograd state kept): attention holds q, k, v and the s x s scores and
     * probabilities (eager); the MLP holds its input, gate, up and their product. */
    double attn = 2 * b * s * (double)(a->n_heads * a->head_dim + 2 * a->n_kv_heads * a->head_dim) +
                  2 * 2 * b * (double)a->n_heads * s * s;
    double mlp = 2 * b * s * h + 3 * 2 * b * s * ff;
    out->transient_bytes = fmax(attn, mlp);
    return 0;
}

const char *llmcost_memory_component_name(llmcost_memory_component c)
{
    static const char *const names[LLMCOST_MC_COUNT] = {"weights", "gradients", "optimizer_states", "activations",
                                                       "embedding_head", "loss", "weight_cache", "transient",
                                                       "allocator"};
    return c >= 0 && c < LLMCOST_MC_COUNT ? names[c] : "?";
}

const char *llmcost_memory_phase_name(llmcost_memory_phase p)
{
    static const char *const names[LLMCOST_PHASE_COUNT] = {"end of forward (loss)", "start of backward (loss gradients)",
                                                           "backward through the last layer", "end of backward"};
    return p >= 0 && p < LLMCOST_PHASE_COUNT ? names[p] : "?";
}
