/* step.c - time of one training step: every operation timed by the kernel model, split over the parallel layout,
 * launched by a host that can fall behind, plus communication, the optimizer and the pipeline bubble. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "flops_internal.h"
#include "internal.h"
#include "kernels.h"
#include "llmcost/job.h"
#include "llmcost/params.h"
#include "llmcost/step.h"

/* Kernels launched by ops that the simulation counts apart from the op list (optimizer step). */
#define OPTIMIZER_KERNELS 4

const char *llmcost_step_component_name(llmcost_step_component c)
{
    static const char *const names[LLMCOST_ST_COUNT] = {
        "matmul", "attention", "memory_bound", "launch_overhead", "recompute", "optimizer",
        "tp_comm", "cp_comm", "ep_comm", "pp_comm", "dp_comm", "pipeline_bubble"};
    return (unsigned)c < LLMCOST_ST_COUNT ? names[c] : "?";
}

/* One operation as this GPU runs it: forward and backward GPU seconds, host launch seconds, what it counts as. */
typedef struct {
    llmcost_step_component kind; /* MATMUL, ATTENTION or MEMORY_BOUND */
    double fwd, bwd;             /* GPU seconds */
    double fwd_k, bwd_k;         /* kernels it launches forward and backward */
    double fwd_sync, bwd_sync;   /* times the host waits for the GPU inside it (a device-to-host copy) */
    bool selective;              /* recomputed under selective recomputation (the attention core) */
    unsigned char shared;        /* part of a shared expert's GEMMs: 1 its fc1 (gate and up), 2 its fc2 (down) */
} timed_op;

/* Fine-tuning with adapters (the section "fine-tuning" below); NULL in a ctx for pre-training and full
 * fine-tuning. FT_EXTRA: the timed entries it may add to an op. */
typedef struct lc_ft_step lc_ft_step;
#define FT_EXTRA 3

/* Transformer Engine userbuffers' defaults (initialize_ub): the pipelined reduce-scatter's splits and SMs. */
#define TE_UB_RS_SPLITS 4.0
#define TE_UB_RS_SMS 16.0
/* DeepSeek-V3's all-to-all kernels: 20 SMs (arXiv:2412.19437 §3.2.2). */
#define EP_A2A_SMS 20.0
/* NCCL's collective and send/recv kernels: one CUDA block (one SM) per channel (NCCL_MIN/MAX_NCHANNELS, NCCL_MAX_CTAS
 * and ncclConfig_t minCTAs/maxCTAs bound them); an 8-GPU H800 node runs "16 coll channels, ... 16 p2p channels"
 * (NCCL INFO log, NVIDIA/nccl issue #892) and a 2-node, 16-rank ring "Channel 01/16" (NVIDIA/nccl issue #1538): 16
 * SMs while a DP bucket or a pipeline send runs beside compute. */
#define NCCL_COMM_SMS 16.0
/* Gradient buckets: Megatron-Core's default bucket_size, max(40,000,000, 1,000,000 x dp_cp size) parameters
 * (megatron/training/training.py, resolve_ddp_bucket_size; distributed_data_parallel.py); PyTorch DDP's
 * bucket_cap_mb = 25 MiB of gradients (torch.nn.parallel.DistributedDataParallel); DeepSpeed ZeRO-1/2's
 * reduce_bucket_size = 500,000,000 elements (deepspeed/runtime/zero/config.py), the ZeRO transformers' Trainer runs. */
#define MEGATRON_BUCKET_PARAMS 40e6
#define MEGATRON_BUCKET_PER_DP 1e6
#define DDP_BUCKET_BYTES (25.0 * 1048576.0)
#define DEEPSPEED_BUCKET_ELEMS 5e8

typedef struct {
    const llmcost_model *m;
    const llmcost_gpu *g;
    const llmcost_step_options *opt;
    llmcost_layout L;
    bool sp;           /* sequence parallel */
    int64_t etp;       /* tensor parallelism of routed experts */
    double ab;         /* activation bytes (2; 4 for fp32) */
    double peak_mm;    /* peak of the linear layers' GEMMs */
    double peak_half;  /* bf16 peak: attention, LM head, router (and everything but fp32 recipes) */
    double mm_bytes;   /* operand bytes of the linear layers' GEMMs */
    struct gemm_memo *memo; /* GEMM times already computed in this evaluation */
    struct gemm_cache *cache; /* ... or in any evaluation on this GPU (lc_step_memo), NULL */
    const lc_ft_step *ft;     /* adapters (LoRA, QLoRA), NULL: every weight trains */
    double moe_pad;           /* padded to a capacity: rows each expert computes per routed token-slot,
                                 ceil(cf m) / m (moe_padding); 0: dropless */
    const lc_attn_choice *attn; /* the attention kernel this run uses on this GPU (lc_attention_choose_kernel) */
    llmcost_param_bytes ft_ab; /* under adapters, bytes per adapter parameter (lc_ft_adapter_param_bytes, as memory
                                  has them), set with ft from the job costed */
    /* The memory savers of the job costed (job.h, version 4; docs/formulas.md "Memory savers: step time"); zero for
     * options without them (the planner's). */
    bool eager;               /* a PyTorch eager profile (hf, torchtune, litgpt) */
    bool compiled;            /* torch.compile: element-wise chains fused (the eager profiles' only) */
    double loss_chunks;       /* the cross-entropy runs on this many chunks of tokens (1: whole) */
    double head_chunks;       /* ... and the head (1: whole) */
    bool oib;                 /* the optimizer steps each parameter from a hook in backward */
    const llmcost_job *job;   /* the validated job (llmcost_job_step), NULL from options */
    const llmcost_memory *mem;/* its memory, when the host link is timed (activation offload, paged states) */
} ctx;

/* GEMM times of one evaluation by shape: a layer's GEMMs repeat shapes (gate and up; k and v; a column-parallel
 * GEMM's input gradient is the row-parallel one's forward), and lc_gemm_seconds is a pure function of them. */
#define GEMM_MEMO 48
struct gemm_memo {
    int n;
    struct {
        double peak, m, n, k, batch, eb, s, route;
    } e[GEMM_MEMO];
};

/* The lc_step_memo's GEMM times, kept across evaluations on one GPU (direct-mapped by shape). */
#define GEMM_CACHE 4096
struct gemm_cache {
    const llmcost_gpu *gpu; /* the times are this GPU's (cleared when another comes) */
    struct {
        double peak, m, n, k, batch, eb, s, route;
        bool used;
    } e[GEMM_CACHE];
};

static uint64_t bits_of(double x)
{
    uint64_t u;
    memcpy(&u, &x, sizeof u);
    return u;
}

/* "route": 0 a plain (batched) GEMM; otherwise a grouped GEMM of experts over routed tokens, as
 * lc_grouped_gemm_seconds takes it (in (0, 1): rows spread by routing with that probability per token; 1: exactly
 * m rows each; negative: the tokens are the reduction). */
static double gemm_time(const ctx *c, double peak, double m, double n, double k, double batch, double eb, double route)
{
    if (route != 0)
        return lc_grouped_gemm_seconds(c->g, peak, m, n, k, batch, eb, route);
    return lc_gemm_seconds(c->g, peak, m, n, k, batch, eb, false);
}

static double gemm_s(const ctx *c, double peak, double m, double n, double k, double batch, double eb, double route)
{
    struct gemm_cache *gc = c->cache;
    if (gc) {
        uint64_t h = bits_of(m) * 0x9E3779B97F4A7C15u;
        h = (h ^ bits_of(n)) * 0xC2B2AE3D27D4EB4Fu;
        h = (h ^ bits_of(k)) * 0x165667B19E3779F9u;
        h = (h ^ bits_of(batch) ^ (bits_of(peak) >> 7) ^ (bits_of(eb) << 3) ^ bits_of(route)) * 0x9E3779B97F4A7C15u;
        size_t i = (size_t)(h >> 52) & (GEMM_CACHE - 1);
        if (gc->e[i].used && gc->e[i].m == m && gc->e[i].n == n && gc->e[i].k == k && gc->e[i].batch == batch &&
            gc->e[i].peak == peak && gc->e[i].eb == eb && gc->e[i].route == route)
            return gc->e[i].s;
        double sec = gemm_time(c, peak, m, n, k, batch, eb, route);
        gc->e[i].peak = peak, gc->e[i].m = m, gc->e[i].n = n, gc->e[i].k = k, gc->e[i].batch = batch;
        gc->e[i].eb = eb, gc->e[i].route = route, gc->e[i].s = sec, gc->e[i].used = true;
        return sec;
    }
    struct gemm_memo *g = c->memo;
    for (int i = 0; i < g->n; i++)
        if (g->e[i].m == m && g->e[i].n == n && g->e[i].k == k && g->e[i].batch == batch && g->e[i].peak == peak &&
            g->e[i].eb == eb && g->e[i].route == route)
            return g->e[i].s;
    double sec = gemm_time(c, peak, m, n, k, batch, eb, route);
    if (g->n < GEMM_MEMO) {
        int i = g->n++;
        g->e[i].peak = peak, g->e[i].m = m, g->e[i].n = n, g->e[i].k = k, g->e[i].batch = batch, g->e[i].eb = eb;
        g->e[i].route = route, g->e[i].s = sec;
    }
    return sec;
}

/*
 * Megatron profile: fused kernels replace eager PyTorch's chains (Korthikanti et al. 2022 §5; Transformer
 * Engine). Bytes per element read+written forward / backward and kernels; returns false to keep the op's own.
 */
static bool megatron_fused(const llmcost_op *op, double ab, double *fwd, double *bwd, double *kernels)
{
    switch (op->role) {
    case LLMCOST_ROLE_NORM: /* fused RMSNorm/LayerNorm: read x, write y */
        *fwd = 2 * ab, *bwd = 3 * ab, *kernels = 1;
        return true;
    case LLMCOST_ROLE_ROTARY: /* fused RoPE */
        *fwd = 2 * ab, *bwd = 2 * ab, *kernels = 1;
        return true;
    case LLMCOST_ROLE_GATED_ACTIVATION:
    case LLMCOST_ROLE_EXPERT_ACTIVATION: /* fused SwiGLU: 2 in, 1 out */
        *fwd = 3 * ab, *bwd = 5 * ab, *kernels = 1;
        return true;
    case LLMCOST_ROLE_ACTIVATION: /* fused bias-GeLU */
        *fwd = 2 * ab, *bwd = 3 * ab, *kernels = 1;
        return true;
    case LLMCOST_ROLE_RESIDUAL_ADD: /* bias-dropout-add */
        *fwd = 3 * ab, *bwd = 2 * ab, *kernels = 1;
        return true;
    case LLMCOST_ROLE_RESIDUAL_DROPOUT: /* folded into bias-dropout-add */
        *fwd = 1, *bwd = 1, *kernels = 0;
        return true;
    case LLMCOST_ROLE_TRANSPOSE: /* the flash kernel writes [s, b, h] directly */
        *fwd = 0, *bwd = 0, *kernels = 0;
        return true;
    case LLMCOST_ROLE_LOSS: /* vocab-parallel fused CE on bf16 logits */
        *fwd = 2, *bwd = 4, *kernels = 3;
        return true;
    case LLMCOST_ROLE_SOFTMAX: /* fused scaled-masked softmax */
        *fwd = 2 * ab, *bwd = 3 * ab, *kernels = 1;
        return true;
    case LLMCOST_ROLE_ROUTING: /* top-k router: scores in fp32 */
        *fwd = 16, *bwd = 16, *kernels = 6;
        return true;
    case LLMCOST_ROLE_EXPERT_GATHER:
    case LLMCOST_ROLE_EXPERT_UNPERMUTE:
        /* the token dispatcher's fused permute and unpermute (the latter weighting by the probabilities and summing
         * over k): read + write each way */
        *fwd = 2 * ab, *bwd = 2 * ab, *kernels = 3;
        return true;
    default:
        break;
    }
    if (op->flags & LLMCOST_OPF_DISPATCH) {
        /* masks, scaling, sums and casts of transformers' path: inside the fused permute/unpermute, or absent */
        *fwd = 0, *bwd = 0, *kernels = 0;
        return true;
    }
    return false;
}

/* The GEMM of a matmul op as this GPU runs it, forward and backward (input and weight gradients). */
static bool ft_block_grads(const ctx *c);
static bool ft_block_weight(const llmcost_op *op);

static void time_matmul(const ctx *c, const llmcost_op *op, timed_op *t)
{
    double m = op->m, n = op->n, k = op->k, batch = op->batch;
    bool replicated = (op->flags & LLMCOST_OPF_REPLICATED) || op->component == LLMCOST_FC_OTHER;
    bool half = op->component == LLMCOST_FC_LM_HEAD || op->component == LLMCOST_FC_ROUTER ||
                op->component == LLMCOST_FC_OTHER;
    double peak = half ? c->peak_half : c->peak_mm, eb = half ? (c->ab > 2 ? 4 : 2) : c->mm_bytes;
    /* The rotary-table product is tiny and per sequence; it is not split over CP either. */
    if (op->component != LLMCOST_FC_OTHER)
        m /= (double)c->L.cp;
    if (!replicated && c->L.tp > 1) {
        if (op->flags & LLMCOST_OPF_ROW_PARALLEL)
            k /= (double)c->L.tp;
        else
            n /= (double)c->L.tp;
    }
    double fwd_flops = op->flops, bwd_flops = op->bwd_flops;
    /* A chunked loss runs the head on each chunk of tokens (torchtune's chunked_output: output(chunk) per chunk):
     * N GEMMs of m/N rows each way, none recomputed (every chunk's logits are kept until the loss). */
    double chunks = op->component == LLMCOST_FC_LM_HEAD && c->head_chunks > 1 ? c->head_chunks : 1;
    m /= chunks;
    /* An eager Python loop's equal products (MiniMax's lightning blocks: kernels > 1): that many launches of
     * batch / kernels each, timed one by one (the small-GEMM curve and launch cost per product). */
    double reps = op->kernels > 1 ? op->kernels : 1;
    batch /= reps;
    t->fwd = gemm_s(c, peak, m, n, k, batch, eb, false);
    /* Backward: dX[m,k] = dY[m,n] W^T (reduction over n) and dW[k,n] = X^T dY (reduction over m), each present
     * when the FLOPs engine counts it (2mnk each). */
    double ig = 0, wg = 0;
    if (fwd_flops > 0) {
        double share = bwd_flops / fwd_flops;
        if (share > 1.5)
            ig = wg = 1;
        else if (share > 0.5)
            wg = 1; /* only one of the two: the weight gradient (frozen input) */
    }
    /* adapters: the base frozen (their GEMMs: ft_adapter); a weight a fused Mamba kernel takes as a tensor gets its
     * gradient computed all the same (mamba_inner_fn's and mamba_split_conv1d_scan_combined's backward) */
    if (c->ft && !(ft_block_grads(c) && ft_block_weight(op)) && !(op->flags & LLMCOST_OPF_KERNEL_WEIGHT))
        wg = 0;
    t->bwd = ig * gemm_s(c, peak, m, k, n, batch, eb, false) + wg * gemm_s(c, peak, k, n, m, batch, eb, false);
    t->fwd_k = 1;
    t->bwd_k = ig + wg;
    if (reps > 1) {
        t->fwd *= reps, t->bwd *= reps;
        t->fwd_k *= reps, t->bwd_k *= reps;
    }
    if (chunks > 1) {
        t->fwd *= chunks, t->bwd *= chunks;
        t->fwd_k *= chunks, t->bwd_k *= chunks;
    }
    t->kind = LLMCOST_ST_MATMUL;
}

static void time_experts(const ctx *c, const llmcost_op *op, timed_op *t)
{
    /* Each GPU hosts E/ep experts and, balanced, receives T*k*ep/E tokens for each: the same token-expert pairs
     * as without EP, in fewer, larger GEMMs. Expert tensor parallelism splits their width. */
    double E = op->batch, ep = (double)c->L.ep, etp = (double)c->etp;
    double local_experts = E / ep, tokens = op->m * ep / (double)c->L.cp, h = op->k, f = op->n / etp;
    /* Ranks of the TP group that do not split the experts split the tokens when sequence parallelism scatters them
     * (otherwise each computes them all, redundantly). */
    if (c->sp && (double)c->L.tp > etp)
        tokens /= (double)c->L.tp / etp;
    /* An expert-TP group wider than the TP group (Megatron-Core's expert_tensor_parallel_size above
     * tensor_model_parallel_size) gathers the tokens of etp ranks, each holding 1/tp of the micro-batch's (sequence
     * parallelism), or all of it without TP. */
    else if (etp > (double)c->L.tp)
        tokens *= etp / (double)c->L.tp;
    double mats = op->kernels > 0 ? op->kernels : 3;
    /* Gated experts keep gate and up in one [2 f, h] matrix per expert (transformers' gate_up_proj, Megatron's
     * fc1): one grouped GEMM of width (mats - 1) f, then down. */
    double up_n = (mats - 1) * f;
    double peak = c->peak_mm, eb = c->mm_bytes;
    bool grouped = true;
    /* GEMM kernels per grouped call: CUTLASS's grouped GEMM after PyTorch's prepare_grouped_gemm_data (2). */
    double per_call = c->eager ? 2 : 1, syncs = 0;
    if (c->eager &&
        (c->opt->precision == LLMCOST_PREC_AMP_BF16 || c->opt->precision == LLMCOST_PREC_FP32)) {
        /* fp32 weights: transformers' grouped_mm casts its input to the weights' dtype (autocast does not cover it,
         * integrations/moe.py), and torch._grouped_mm has no fp32 kernel: its fallback copies the offsets to the host
         * (a sync) and runs one fp32 GEMM per expert (ATen GroupedMMUtils.h, _grouped_mm_fallback). */
        peak = c->g->peak_flops[LLMCOST_DT_FP32] > 0 ? c->g->peak_flops[LLMCOST_DT_FP32] : peak;
        eb = 4;
        grouped = false;
        per_call = local_experts + 1;
        syncs = 1;
    }
    /* One grouped kernel over the local experts, or (fallback) one GEMM per expert. Dropless routing: each expert's
     * rows are what the router sent it, T k / E on average, spread as top-k of E picks spread them (probability
     * k / E per token, lc_grouped_gemm_seconds): an expert's last row tile is partly empty, and with few tokens per
     * expert that is most of its tiles. */
    double batch = grouped ? local_experts : 1, times = grouped ? 1 : local_experts;
    double route = 0, route_k = 0;
    if (c->moe_pad > 0) {
        /* Padded to a capacity (--moe-capacity-factor): every expert exactly its capacity, the padding computed. */
        tokens *= c->moe_pad;
        route = 1, route_k = -1;
    } else if (grouped) {
        double k_top = op->layer >= 0 && op->layer < c->m->n_layers ? (double)c->m->layers[op->layer].ffn.top_k : 0;
        route = E > 0 && k_top > 0 ? fmin(1, k_top / E) : 1;
        route_k = -route; /* the weight gradient: the tokens are its reduction */
    }
    double up = times * gemm_s(c, peak, tokens, up_n, h, batch, eb, route);
    double down = times * gemm_s(c, peak, tokens, h, f, batch, eb, route);
    t->fwd = up + down;
    /* Backward: input gradient (reduction over the output width) and weight gradient (over the tokens). */
    double wg = c->ft && !ft_block_grads(c) ? 0 : 1; /* adapters: the experts frozen, no weight gradient (but
                                                           LitGPT's FSDP Blocks, ft_block_grads) */
    double up_bwd = times * (gemm_s(c, peak, tokens, h, up_n, batch, eb, route) +
                             wg * gemm_s(c, peak, h, up_n, tokens, batch, eb, route_k));
    double down_bwd = times * (gemm_s(c, peak, tokens, f, h, batch, eb, route) +
                               wg * gemm_s(c, peak, f, h, tokens, batch, eb, route_k));
    t->bwd = up_bwd + down_bwd;
    t->fwd_k = 2 * per_call;
    t->bwd_k = (2 + 2 * wg) * per_call;
    t->fwd_sync = 2 * syncs;
    t->bwd_sync = (2 + 2 * wg) * syncs;
    t->kind = LLMCOST_ST_MATMUL;
}

/* Query-key pairs one head computes for s queries: causal s(s+1)/2, or within a sliding window of w. */
static double causal_pairs(double s, int64_t window)
{
    double w = (double)window;
    if (window <= 0 || w >= s)
        return s * (s + 1) / 2;
    return w * (w + 1) / 2 + (s - w) * w;
}

/*
 * The ring's attention as the kernels that run (issue 16). Megatron-Core splits the sequence into 2 cp chunks and
 * gives rank r chunks r and 2cp-1-r (get_batch_on_this_cp_rank), so a rank holds q = s/cp queries in two halves of
 * h = q/2. Transformer Engine's AttnFuncWithCPAndKVP2P.forward (and PyTorch's _templated_ring_attention with
 * enable_load_balance, the same three cases) launches one kernel per ring step i = 0 .. cp-1:
 *   i = 0        the rank's own keys: causal over its q queries and q keys: q(q+1)/2 pairs, q queries;
 *   1 <= i <= r  keys of an earlier rank: only their first half counts, no mask: q x h pairs, q queries;
 *   i > r        keys of a later rank: only the rank's second-half queries see them, no mask: h x q pairs, h queries.
 * The backward runs the same three shapes (TE's backward: i == cp-1 causal, the others half). Each kernel is timed at
 * its own shape on the kernel curve (its key blocks per query block, pairs / queries / 128, set its efficiency).
 * Rank cp-1 runs cp-1 kernels of the second shape, rank 0 cp-1 of the third; the layer waits for the slower rank
 * (the next ring, TP collectives and the pipeline synchronise the group), so a pass takes
 *   diag + (cp - 1) max(A, B).
 * The pairs add up to the balanced share: q(q+1)/2 + (cp-1) q^2/2 = (s^2 + s) / (2 cp) = causal(s) / cp.
 * Not timed: the per-step softmax-statistics corrections (TE flash_attn_fwd_out_correction, element-wise).
 */
double lc_cp_ring_attention_seconds(const lc_attn_choice *ch, const llmcost_gpu *g, double peak, double heads,
                                    double s, double cp, double dq, double dv, bool bwd)
{
    double q = s / cp, h = q / 2;
    double diag = lc_attention_choice_seconds(ch, g, peak, heads, q, q * (q + 1) / 2, dq, dv, bwd);
    double a = lc_attention_choice_seconds(ch, g, peak, heads, q, q * h, dq, dv, bwd);
    double b = lc_attention_choice_seconds(ch, g, peak, heads, h, h * q, dq, dv, bwd);
    return diag + (cp - 1) * fmax(a, b);
}

/*
 * The ring's element-wise merges (docs/formulas.md "Context-parallel memory, kernels and windows"): memory-bound
 * kernels over each step's outputs, "heads" query heads and "kvh" key/value heads (x micro-batch) on the rank, e bytes
 * an activation. Transformer Engine (AttnFuncWithCPAndKVP2P): forward, c - 1 log-sum-exp corrections
 * (flash_attn_fwd_softmax_lse_correction: two fp32 reads and a write, 12 bytes a head-query) and c output corrections
 * after the loop (flash_attn_fwd_out_correction_init: read the step's output, write out, 2e dv, then c - 1
 * out.add_(out_i x exp(lse_i - lse)): read both, write, 3e dv; each reads two fp32 lse, 8 bytes); rank r runs steps
 * 1..r on its q queries and the others on h = q/2. Backward, per step, dq.add_(dq_) over the step's queries and
 * dk.add_, dv.add_ over its keys (3e an element; the first copies counted as adds); rank r's steps: the diagonal
 * (q, q),
 * r of (q queries, h keys), cp - 1 - r of (h, q). PyTorch (_SDPAMerger, convert_to_f32): each block's output cast to
 * fp32 (e + 4), merged as out - sigmoid(lse_b - lse) (out - out_b) (three fp32 passes, 12 + 8 + 12 bytes) and
 * lse - logsigmoid(lse - lse_b) (about 32 bytes a head-query); a partial block (the second half of the queries) also
 * cats both halves back (_partial_update: 8 bytes an element of the whole out and lse); the result cast back at the
 * end. Its backward adds each block's bf16 gradients into fp32 accumulators (grad_query += : 8 + e) and cats the fp32
 * dK, dV to send (8 an element). Both are linear in the rank, so the slowest is rank 0 or rank cp - 1.
 */
double lc_cp_ring_correction_seconds(const llmcost_gpu *g, double heads, double kvh, double s, double cp, double dq,
                                     double dk, double dv, double e, bool torch, bool bwd, double *launches)
{
    if (launches)
        *launches = 0;
    if (cp <= 1)
        return 0;
    double q = s / cp, h = q / 2, c = cp, worst = 0, kernels = 0;
    for (int end = 0; end < 2; end++) {
        double r = end ? c - 1 : 0, bytes;
        if (!torch && !bwd) {
            bytes = heads * ((2 * e * dv + 8) * q + r * (3 * e * dv + 20) * q + (c - 1 - r) * (3 * e * dv + 20) * h);
            kernels = 2 * c - 1;
        } else if (!torch) {
            bytes = 3 * e *
                    (heads * dq * (q + r * q + (c - 1 - r) * h) + kvh * (dk + dv) * (q + r * h + (c - 1 - r) * q));
            kernels = 3 * c;
        } else if (!bwd) {
            double merge = (e + 36) * dv + 32; /* a head-query of a merged block */
            bytes = heads * ((e + 4) * dv * q + r * merge * q + (c - 1 - r) * (merge * h + 8 * (dv + 1) * q) +
                             (4 + e) * dv * q);
            kernels = 1 + 8 * (c - 1) + 2 * (c - 1 - r) + 1;
        } else {
            bytes = heads * (8 + e) * dq * (q + r * q + (c - 1 - r) * h) +
                    kvh * (dk + dv) * ((8 + e) * (q + r * h + (c - 1 - r) * q) + 8 * c * q);
            kernels = 5 * c;
        }
        double t = lc_stream_seconds(g, bytes, kernels);
        if (t > worst) {
            worst = t;
            if (launches)
                *launches = kernels;
        }
    }
    return worst;
}

/*
 * Transformer Engine's all-gather CP (AttnFuncWithCPAndKVAllGather): rank r runs its two chunks (local_seq_chunk_ids =
 * [r, 2cp-1-r]) as two kernels, each h = s/(2cp) queries against the gathered keys it sees: chunk j's keys
 * [max(0, (j+1)h - h - (w-1)), (j+1)h) (get_kv_seq_info_after_all_gather; all (j+1)h without a window), causal
 * bottom-right, so pairs(j) = causal((j+1)h, w) - causal(jh, w). Each kernel at its own shape; the layer waits for the
 * slowest rank. Then each step's output copied into place (out_f16[:, i].copy_: 2e dv a head-query); backward dq
 * copied (2e dq) and dk, dv added over the keys the step saw (3e).
 */
double lc_cp_allgather_attention_seconds(const lc_attn_choice *ch, const llmcost_gpu *g, double peak, double heads,
                                         double kvh, double s, double cp, int64_t window, double dq, double dk,
                                         double dv, double e, bool bwd)
{
    double h = s / (2 * cp), worst = 0;
    /* At a fixed query count a kernel's time is linear in its pairs (attention_with: pairs / e_s = pairs + c0 x
     * queries x 128), and a chunk's pairs (and keys) are concave in its index: rank r's two chunks r and 2cp-1-r add
     * up to a concave function symmetric about cp - 1/2, so the slowest rank is rank cp - 1 (all ranks alike without
     * a window). Both ends are timed. */
    for (int end = 0; end < 2; end++) {
        double r = end ? cp - 1 : 0, t = 0;
        double chunks[2] = {r, 2 * cp - 1 - r};
        for (int i = 0; i < 2; i++) {
            double j = chunks[i], pairs = causal_pairs((j + 1) * h, window) - causal_pairs(j * h, window);
            double keys = window > 0 ? fmin((j + 1) * h, h + (double)window - 1) : (j + 1) * h;
            t += lc_attention_choice_seconds(ch, g, peak, heads, h, pairs, dq, dv, bwd);
            t += bwd ? lc_stream_seconds(g, 2 * e * heads * dq * h + 3 * e * kvh * (dk + dv) * keys, 3)
                     : lc_stream_seconds(g, 2 * e * heads * dv * h, 1);
        }
        worst = fmax(worst, t);
    }
    return worst;
}

/* The CP implementations whose attention is the ring's per-step kernels (lc_cp_ring_attention_seconds). */
static bool cp_ring_blocks(llmcost_cp_comm m)
{
    return m == LLMCOST_CP_P2P || m == LLMCOST_CP_TORCH;
}

static void time_attention(const ctx *c, const llmcost_op *op, timed_op *t)
{
    double tp = (double)c->L.tp, cp = (double)c->L.cp;
    double heads = op->batch / tp, s = op->m, dq = op->k, dv = op->n2 > 0 ? op->n2 : op->k;
    if (c->opt->cp_comm == LLMCOST_CP_A2A && cp > 1) {
        /* DeepSpeed-Ulysses (Jacobs et al. 2023, arXiv:2309.14509 §3.1; TE AttnFuncWithCPAndQKVOA2A): after the
         * all-to-all each rank holds the whole sequence of heads / cp heads, and runs the ordinary kernel on it: s
         * queries against all s keys, heads / cp of them (cp divides them: job.c cp_comm_check). Below, every
         * branch divides queries (s / cp) and pairs by cp: here heads take the division instead. */
        heads /= cp;
        cp = 1;
    }
    double peak = c->ab > 2 ? c->peak_mm : c->peak_half;
    t->kind = LLMCOST_ST_ATTENTION;
    t->selective = true;
    /* the layer's attention, or its shared block's (Zamba2's hybrid layers) */
    const llmcost_attention *at = lc_op_attention(c->m, op);
    int64_t window = at ? at->sliding_window : 0;
    double heads_all = heads; /* query heads x batch on this GPU */
    if (at && lc_attn_math(c->opt->attention, at)) {
        /* PyTorch's math SDPA backend (Falcon-7B's broadcast multi-query keys): Q K^T and P V as fp32 batched GEMMs over
         * every pair, and the scores scaled, masked and soft-maxed in fp32 (16 bytes per score forward, 20 backward). */
        double q = s / cp, p32 = c->g->peak_flops[LLMCOST_DT_FP32] > 0 ? c->g->peak_flops[LLMCOST_DT_FP32] : peak;
        double scores = heads_all * q * s;
        t->fwd = gemm_s(c, p32, q, s, dq, heads, 4, false) + gemm_s(c, p32, q, dv, s, heads, 4, false) +
                 lc_eager_seconds(c->g, 16 * scores, 4);
        t->bwd = gemm_s(c, p32, q, dq, s, heads, 4, false) + gemm_s(c, p32, s, dq, q, heads, 4, false) +
                 gemm_s(c, p32, q, s, dv, heads, 4, false) + gemm_s(c, p32, s, dv, q, heads, 4, false) +
                 lc_eager_seconds(c->g, 20 * scores, 4);
        t->fwd_k = 8;
        t->bwd_k = 10;
        return;
    }
    if (c->opt->attention == LLMCOST_ATTN_EAGER) {
        /* Eager: Q K^T and P V as batched GEMMs over every pair (the mask is applied after); softmax and its
         * casts are element-wise ops of their own. Backward: two GEMMs per product. */
        double q = s / cp, eb = c->ab;
        t->fwd = gemm_s(c, peak, q, s, dq, heads, eb, false) + gemm_s(c, peak, q, dv, s, heads, eb, false);
        t->bwd = gemm_s(c, peak, q, dq, s, heads, eb, false) + gemm_s(c, peak, s, dq, q, heads, eb, false) +
                 gemm_s(c, peak, q, s, dv, heads, eb, false) + gemm_s(c, peak, s, dv, q, heads, eb, false);
        t->fwd_k = 2;
        t->bwd_k = 4;
        if (at && at->sinks) {
            /* gpt-oss: the sink logit is concatenated to every row of scores, the row max subtracted, the column
             * sliced off again: a cat (4 bytes per score at the measured cat rate), a max (2) and a subtraction (4);
             * backward the slice and the subtraction (8). */
            double scores = heads_all * q * s;
            t->fwd += scores * (4 / lc_eager_mix_eta("cat_scores") + 6 / lc_eager_mix_eta(NULL)) / lc_memory_bw(c->g);
            t->bwd += scores * 8 / (lc_eager_mix_eta(NULL) * lc_memory_bw(c->g));
            t->fwd_k += 3;
            t->bwd_k += 2;
        }
        return;
    }
    /* A sliding window shorter than the sequence needs an explicit mask: SDPA falls back to the memory-efficient
     * kernel, which computes every pair and reads the [b, 1, s, s] mask (the lead's memory measurements on Phi-3 and
     * Gemma 3 show the mask kept). */
    if (c->opt->attention == LLMCOST_ATTN_SDPA && at && window > 0 && (double)window < s) {
        window = 0;
        double mask = op->batch / (double)at->n_heads * (s / cp) * s * 2; /* b x (s / cp, or s under a2a) x s */
        t->fwd = lc_stream_seconds(c->g, mask, 0);
        t->bwd = lc_stream_seconds(c->g, mask, 0);
        double pairs_full = s * s / cp;
        t->fwd += lc_attention_choice_seconds(c->attn, c->g, peak, heads, s / cp, pairs_full, dq, dv, false);
        t->bwd += lc_attention_choice_seconds(c->attn, c->g, peak, heads, s / cp, pairs_full, dq, dv, true);
        t->fwd_k = 1;
        t->bwd_k = 1;
        return;
    }
    /* Fused kernels skip the masked blocks (every generation in attention_kernels.json does: causal_skip), each at
     * its own efficiency curve; CP ranks each hold a balanced share of the pairs (Llama 3 §3.3.2). */
    /* key/value heads (x micro-batch) on this GPU, and their widths, for the CP merges and copies */
    double kvh = at ? heads * (at->kind == LLMCOST_ATTN_MLA ? 1 : (double)at->n_kv_heads / (double)at->n_heads) : heads;
    double dk = dq;
    if (cp > 1 && window <= 0 && cp_ring_blocks(c->opt->cp_comm)) {
        bool torch = c->opt->cp_comm == LLMCOST_CP_TORCH;
        double kf, kb;
        t->fwd = lc_cp_ring_attention_seconds(c->attn, c->g, peak, heads, s, cp, dq, dv, false) +
                 lc_cp_ring_correction_seconds(c->g, heads, kvh, s, cp, dq, dk, dv, c->ab, torch, false, &kf);
        t->bwd = lc_cp_ring_attention_seconds(c->attn, c->g, peak, heads, s, cp, dq, dv, true) +
                 lc_cp_ring_correction_seconds(c->g, heads, kvh, s, cp, dq, dk, dv, c->ab, torch, true, &kb);
        t->fwd_k = cp + kf; /* one kernel per ring step, and the merges */
        t->bwd_k = cp + kb;
        return;
    }
    if (cp > 1 && c->opt->cp_comm == LLMCOST_CP_ALLGATHER) {
        t->fwd = lc_cp_allgather_attention_seconds(c->attn, c->g, peak, heads, kvh, s, cp, window, dq, dk, dv, c->ab,
                                                   false);
        t->bwd = lc_cp_allgather_attention_seconds(c->attn, c->g, peak, heads, kvh, s, cp, window, dq, dk, dv, c->ab,
                                                   true);
        t->fwd_k = 4; /* two kernels, two copies */
        t->bwd_k = 8;
        return;
    }
    double pairs = causal_pairs(s, window) / cp;
    t->fwd = lc_attention_choice_seconds(c->attn, c->g, peak, heads, s / cp, pairs, dq, dv, false);
    t->bwd = lc_attention_choice_seconds(c->attn, c->g, peak, heads, s / cp, pairs, dq, dv, true);
    t->fwd_k = 1;
    t->bwd_k = 1;
}

/* The kernel mix (h200_eager_kernels_2026-11-28.json "ops") of an eager op, forward and backward; NULL: the
 * mean of the plain element-wise kernels. */
static void eager_mix(const ctx *c, const llmcost_op *op, const char **fwd, const char **bwd)
{
    const char *f = NULL, *b = NULL;
    switch (op->role) {
    case LLMCOST_ROLE_NORM:
        f = c->m->norm == LLMCOST_NORM_RMS ? "rmsnorm" : "layernorm";
        break;
    case LLMCOST_ROLE_ROTARY:
        f = "rotary";
        break;
    case LLMCOST_ROLE_TRANSPOSE:
        f = "transpose";
        break;
    case LLMCOST_ROLE_GATED_ACTIVATION:
        f = "gated_act";
        break;
    case LLMCOST_ROLE_ACTIVATION:
        f = "act";
        break;
    case LLMCOST_ROLE_RESIDUAL_ADD:
    case LLMCOST_ROLE_ADD:
        f = "residual";
        break;
    case LLMCOST_ROLE_EMBEDDING:
        f = "embedding";
        break;
    case LLMCOST_ROLE_CAST:
        f = "cast";
        break;
    /* The experts' path (transformers' grouped_mm): each op at its kernels' measured kind. Strided halves of the
     * gate_up output and [S, 1] broadcasts run TensorIterator's non-vectorised kernel (expert_generic). */
    case LLMCOST_ROLE_EXPERT_GATHER:
        f = "expert_gather", b = "expert_gather_bwd";
        break;
    case LLMCOST_ROLE_EXPERT_UNPERMUTE:
        f = "expert_gather";
        break;
    case LLMCOST_ROLE_EXPERT_MASK:
        f = "expert_mask";
        break;
    case LLMCOST_ROLE_EXPERT_ACTIVATION:
        /* Experts without a gate: one activation over a contiguous tensor. */
        f = op->flags & LLMCOST_OPF_GATED ? "expert_generic" : "act";
        break;
    case LLMCOST_ROLE_EXPERT_SCALE:
    case LLMCOST_ROLE_SHARED_GATE:
        f = "expert_generic";
        break;
    case LLMCOST_ROLE_EXPERT_ACTIVATION_GRAD:
    case LLMCOST_ROLE_EXPERT_SCALE_GRADS:
        f = "expert_grads";
        break;
    case LLMCOST_ROLE_EXPERT_SUM:
        f = "expert_sum", b = "expert_generic";
        break;
    default:
        break;
    }
    *fwd = f;
    *bwd = b ? b : f;
}

static void time_elementwise(const ctx *c, const llmcost_op *op, timed_op *t)
{
    double tp = (double)c->L.tp, cp = (double)c->L.cp;
    bool residual = op->flags & LLMCOST_OPF_RESIDUAL;
    bool expert = op->flags & LLMCOST_OPF_EXPERT_PATH, moe_hidden = op->flags & LLMCOST_OPF_MOE_HIDDEN;
    double elems = op->m;
    /* Splits: tokens over CP; hidden-width work over TP with sequence parallelism; head- and FFN-width work
     * over TP always; routed-expert work over EP is already per token (each GPU sees its own token-slots). */
    if (!(op->flags & LLMCOST_OPF_PER_SEQUENCE))
        elems /= cp;
    if (residual || moe_hidden ? c->sp : !(op->flags & LLMCOST_OPF_REPLICATED)) {
        if (!expert || moe_hidden || c->etp > 1 || c->sp)
            elems /= tp;
    }
    /* Padded to a capacity: the permuted buffers and the experts' element-wise work cover the padded rows. */
    if (expert && !moe_hidden && c->moe_pad > 0)
        elems *= c->moe_pad;
    double fwd_b = op->m > 0 ? op->bytes / op->m : 0, bwd_b = op->m > 0 ? op->bwd_bytes / op->m : 0;
    double kf = op->kernels, kb = op->bwd_kernels;
    bool loss = op->role == LLMCOST_ROLE_LOSS;
    /* Eager PyTorch runs each element-wise op as its own kernels; Megatron's fused kernels, and torch.compile's
     * (inductor fuses each chain of point-wise ops into one kernel that reads its inputs and writes its outputs
     * once: the bytes and single launch of the hand-fused kernels below), do not. */
    bool hf = c->eager && !c->compiled;
    if (!hf) {
        double f2, b2, k2;
        if (megatron_fused(op, 2, &f2, &b2, &k2)) {
            fwd_b = f2, bwd_b = b2, kf = k2, kb = b2 > 0 ? k2 : 0;
        }
    } else if (loss) {
        /* HF's loss, measured as a kernel sequence: bytes-equivalent per logit at the copy rate. */
        const lc_kernel_model *km = lc_kernel_model_get();
        fwd_b = km->ce_fwd_bytes, bwd_b = km->ce_bwd_bytes;
    }
    /* A chunked loss (torchtune's CEWithChunkedOutputLoss and LinearCrossEntropyLoss) runs the loss's kernels once
     * per chunk over 1/N of the logits each: the same bytes, N times the launches. */
    if (loss && c->loss_chunks > 1) {
        kf *= c->loss_chunks;
        kb *= c->loss_chunks;
    }
    /* The FLOPs engine counts bf16 activations; fp32 training doubles every byte, autocast the residual stream. The
     * experts' path under HF already has its bytes in the experts' dtype (expert_act_bytes). */
    bool own_dtype = hf && expert;
    if (!own_dtype &&
        ((c->opt->precision == LLMCOST_PREC_FP32 && !loss) || (residual && c->opt->precision == LLMCOST_PREC_AMP_BF16))) {
        fwd_b *= 2;
        bwd_b *= 2;
    }
    /* HF's unfused eager kernels stream at the measured eager rate; fused (Megatron) kernels and the loss, whose
     * bytes-equivalent was measured as a whole, at the copy rate. */
    bool eager = hf && !loss && !(op->flags & LLMCOST_OPF_FUSED_KERNEL);
    if (eager) {
        /* Each eager op at the bandwidth of its kernel mix (broadcasts, gathers, cat and transposes are slow). */
        const char *mf, *mb;
        eager_mix(c, op, &mf, &mb);
        double bw = lc_memory_bw(c->g), kmin = lc_kernel_model_get()->kernel_min;
        t->fwd = elems * fwd_b / (bw * lc_eager_mix_eta(mf)) + kf * kmin;
        t->bwd = elems * bwd_b / (bw * lc_eager_mix_eta(mb)) + kb * kmin;
    } else {
        t->fwd = lc_stream_seconds(c->g, elems * fwd_b, kf);
        t->bwd = lc_stream_seconds(c->g, elems * bwd_b, kb);
    }
    t->fwd_k = kf;
    t->bwd_k = kb;
    t->kind = LLMCOST_ST_MEMORY_BOUND;
}

/*
 * Autocast's extra work (amp-bf16): each linear layer's fp32 weight cast to bf16 once per forward (6 bytes per
 * weight: read 4, write 2), its fp32 gradient made from the bf16 one in backward (6 bytes), and the fp32
 * normalised input cast for every layer that reads it (6 bytes per element, one kernel each way).
 */
static void autocast_extra(const ctx *c, const llmcost_op *op, timed_op *t)
{
    double tp = (double)c->L.tp, cp = (double)c->L.cp;
    bool replicated = op->flags & LLMCOST_OPF_REPLICATED;
    double weights = op->n * op->k / (replicated ? 1 : tp);
    double bytes_f = 6 * weights, bytes_b = 6 * weights, kf = 1, kb = 1;
    if (op->flags & LLMCOST_OPF_NORMED_INPUT) {
        double elems = op->m / cp * op->k / (op->flags & LLMCOST_OPF_ROW_PARALLEL ? tp : 1);
        bytes_f += 6 * elems;
        bytes_b += 6 * elems;
        kf += 1;
        kb += 1;
    }
    double eta = lc_eager_mix_eta("cast"), kmin = lc_kernel_model_get()->kernel_min;
    t->fwd = bytes_f / (lc_memory_bw(c->g) * eta) + kf * kmin;
    t->bwd = bytes_b / (lc_memory_bw(c->g) * eta) + kb * kmin;
    t->fwd_k = kf;
    t->bwd_k = kb;
    t->kind = LLMCOST_ST_MEMORY_BOUND;
}

/*
 * The kernels around each FP8 GEMM under per-tensor current scaling (Transformer Engine's Float8CurrentScaling, the
 * recipe of NeMo 25.02's FP8 runs; torchao's tensorwise dynamic Float8, torchtitan's): every operand is quantised
 * from bf16 just before its GEMM with the scale of its own amax, so each takes an amax reduction (read 2 bytes per
 * element, one kernel) and a cast that also writes the transposed copy the backward's other GEMM needs (read 2,
 * write 1 + 1 bytes, one kernel): Hopper's FP8 tensor cores take only the TN layout, so wgrad and dgrad read
 * transposed FP8 copies (TE's cast_transpose). Forward: the input (tokens x k) and the weight (k x n); backward:
 * the output gradient (tokens x n). 6 bytes per element and 2 kernels per operand, at the copy rate. Megatron
 * keeps each weight's FP8 copy and its transpose for the step's later micro-batches (TE's is_first_microbatch,
 * reset at every optimizer step): its weight casts are charged once per step (fp8_weight_casts); transformers'
 * torchao Float8Linear casts the weight in every forward, charged here.
 */
static void fp8_extra(const ctx *c, const llmcost_op *op, timed_op *t)
{
    double tp = (double)c->L.tp, cp = (double)c->L.cp;
    double tokens = op->m / cp;
    bool rows = op->flags & LLMCOST_OPF_ROW_PARALLEL, replicated = op->flags & LLMCOST_OPF_REPLICATED;
    bool cached = !c->eager;
    double in = tokens * op->k / (rows ? tp : 1);
    double outg = tokens * op->n / (rows ? 1 : tp);
    double weights = cached ? 0 : op->n * op->k / (replicated ? 1 : tp);
    double kf = cached ? 2 : 4;
    t->fwd = lc_stream_seconds(c->g, 6 * (in + weights), kf);
    t->bwd = lc_stream_seconds(c->g, 6 * outg, 2);
    t->fwd_k = kf;
    t->bwd_k = 2;
    t->kind = LLMCOST_ST_MEMORY_BOUND;
}

/* Async launch: the host issues kernels one after another; the GPU starts each when both it and the host are
 * ready. Returns the GPU's finishing time; *busy receives its busy time. */
typedef struct {
    double host, gpu, busy;
} launcher;

static inline void launch(launcher *s, double host, double gpu)
{
    s->host += host;
    double start = s->gpu > s->host ? s->gpu : s->host;
    s->gpu = start + gpu;
    s->busy += gpu;
}

/* An op of "kernels" kernels, "host" seconds each to issue. One that waits for the GPU "syncs" times (a device-to-host
 * copy the host needs, as torch._grouped_mm's fp32 fallback reads its offsets) runs in that many parts, the host idle
 * until the GPU has drained before each, then issuing the part's kernels one after another (in at most 64 steps, so
 * that a config with millions of experts stays cheap to simulate). */
static void launch_synced(launcher *s, double host, double kernels, double gpu, double syncs)
{
    double parts = floor(syncs), per = kernels / parts, steps = fmin(ceil(per), 64);
    for (double i = 0; i < parts; i++) {
        if (s->gpu > s->host)
            s->host = s->gpu;
        for (double j = 0; j < steps; j++)
            launch(s, host * per / steps, gpu / (parts * steps));
    }
}

/* Inline: the launch model's inner loop (tens of millions of calls in a layout search); synced ops out of line, on
 * a copy, so that the caller's launcher (whose address is then never taken) stays in registers. */
static inline void launch_op(launcher *s, double host, double kernels, double gpu, double syncs)
{
    if (syncs < 1 || kernels <= 0) {
        launch(s, host * kernels, gpu);
    } else {
        launcher t = *s;
        launch_synced(&t, host, kernels, gpu, syncs);
        *s = t;
    }
}

/*
 * The step in phases. What does not depend on the layout is prepared once per model and micro-batch shape
 * (llmcost_step_prepared: the op list made once per DISTINCT decoder layer, the micro-batch's FLOPs, the parameter
 * counts); each evaluation then runs, on a validated job:
 *   1. set-up            step_setup: the layout, the batch split, the recipe's peaks and bytes (ctx)
 *   2. timed ops         time_ops: every op of each distinct layer (and of the embedding and head) timed once
 *   3. layer comms       layer_comms: the per-layer collectives (TP all-reduce, PP send, CP gather, EP all-to-all)
 *   4. stage simulation  simulate_stages: each DISTINCT pipeline stage's micro-batch through the launch model
 *   5. optimizer         optimizer_time
 *   6. data parallelism  dp_traffic: gradient reduction and ZeRO gathers, with what hides them
 *   7. totals            totals: tokens/s, FLOPs, MFU and HFU
 * Equal layers give equal ops and equal stages equal times, so a layer or a stage is costed once and its figures
 * reused; every sum still adds its terms one by one in execution order, so the digits are those of costing every
 * layer of every stage.
 */

struct llmcost_step_prepared {
    const llmcost_model *m;
    llmcost_flops_options fo; /* the micro-batch the ops were made for */
    lc_op_segments sg;        /* its ops, one segment per distinct layer */
    llmcost_flops f;          /* its FLOPs (the totals: lc_flops_totals) */
    llmcost_params p;         /* the model's parameters */
    /* Fine-tuning with adapters (lc_step_prepare_finetune), resolved once for every layout; NULL: none. */
    struct lc_ft_step *ft;
    llmcost_finetune finetune;
};

/* The FLOPs engine's options for one micro-batch of "opt" (full sequence; the splits are applied per op). */
static void micro_batch_flops_options(llmcost_flops_options *fo, const llmcost_step_options *opt)
{
    llmcost_flops_options_init(fo);
    fo->batch = opt->micro_batch;
    fo->seq = opt->seq;
    fo->attention = opt->attention;
    fo->recompute = opt->recompute;
    fo->convention = opt->convention;
    /* transformers' experts run in their weights' dtype: fp32 under autocast over fp32 weights and in fp32 training. */
    if (opt->framework == LLMCOST_FW_HF &&
        (opt->precision == LLMCOST_PREC_AMP_BF16 || opt->precision == LLMCOST_PREC_FP32))
        fo->expert_act_bytes = 4;
}

static void prepared_release(llmcost_step_prepared *p)
{
    lc_op_segments_free(&p->sg);
    free(p->ft);
    p->ft = NULL;
}

static int prepare(llmcost_step_prepared *p, const llmcost_model *m, const llmcost_step_options *opt)
{
    memset(p, 0, sizeof *p);
    p->m = m;
    micro_batch_flops_options(&p->fo, opt);
    int rc = lc_flops_segments(&p->sg, m, &p->fo);
    if (rc)
        return rc;
    if ((rc = lc_flops_totals(&p->f, &p->sg, m, &p->fo)) != 0 || (rc = llmcost_params_count(&p->p, m)) != 0) {
        prepared_release(p);
        return rc;
    }
    return 0;
}

/* ---- fine-tuning with adapters: LoRA, DoRA, QLoRA (issue 19; docs/formulas.md, "Fine-tuning step time") ----
 * The frozen base runs its forward GEMMs and, to carry the gradient down to earlier adapters, the input-gradient
 * GEMMs of backward, but no weight-gradient GEMMs (time_matmul, time_experts). Each adapted matrix adds its
 * adapter's GEMMs and element-wise work (ft_adapter), DoRA its weight norm (ft_adapter), and each quantised matrix a
 * dequantisation kernel before its forward GEMM and again before its input-gradient GEMM (ft_dequant). The
 * optimizer and the data-parallel gradient reduction cover the trainable parameters only. */
struct lc_ft_step {
    uint32_t targets;         /* resolved (the model type's PEFT default when the job gives none) */
    double rank;
    bool dora;
    bool fused_gate_up;       /* the MLP's gate and up are one module (Phi-3, GLM-4): one adapter for both */
    bool shared_fused_gate_up; /* the shared MLP's too (Granite 4.0's shared_mlp.input_linear beside its experts) */
    llmcost_quant quant;      /* NONE under LoRA */
    double dq_read;           /* bytes a dequantisation reads per weight: packed data + scales (exact average) */
    double dq_kernels;        /* kernels per dequantisation: 1, 2 with the nested absmax (double quant) */
    bool head_quant;          /* LitGPT's QLoRA: the head quantised too (lc_ft_head_quantised) */
    bool litgpt_lora;         /* LitGPT LoRA: under FSDP (ZeRO-3) its Blocks' weight gradients run (ft_block_grads) */
    double block_params;      /* the layers' (Blocks') parameters, all of them */
    double adapted;           /* matrices given adapters, every role (the mixers' too) */
    llmcost_finetune_params fp;
};

/* LitGPT LoRA under FSDP (ZeRO-3; issue 19, h3lit): Fabric's FSDPStrategy sets use_orig_params=True and LitGPT wraps
 * each Block, so a Block's one FlatParameter holds its frozen weights and its adapters. FSDP makes the
 * FlatParameter require a gradient when any of its tensors does (torch/distributed/fsdp/_flat_param.py,
 * FlatParamHandle._validate_tensors_to_flatten: "Return as the logical OR over each tensor's value", non-uniform
 * requires_grad permitted for use_orig_params=True) and runs forward on views of it (_use_unsharded_views), so the
 * frozen weights' views require a gradient too and autograd runs their weight-gradient GEMMs (and FSDP
 * reduce-scatters the whole gradient). The root unit (embedding, final norm, head) is all frozen: none there. */
static bool ft_block_grads(const ctx *c)
{
    return c->ft && c->ft->litgpt_lora && c->L.zero >= 3;
}

/* A weight GEMM of a Block (the projections, the MLP, the experts, the router), not the head or the rotary table. */
static bool ft_block_weight(const llmcost_op *op)
{
    switch (op->component) {
    case LLMCOST_FC_Q: case LLMCOST_FC_KV: case LLMCOST_FC_O: case LLMCOST_FC_MLP_DENSE_LAYERS:
    case LLMCOST_FC_ROUTED_EXPERTS: case LLMCOST_FC_SHARED_EXPERTS: case LLMCOST_FC_ROUTER:
        return true;
    default:
        return false;
    }
}

/* The adapter role of a matmul op of the FLOPs engine ("q_proj", "gate_proj", ...), or LLMCOST_LR_COUNT for ops no
 * LoRA target names (the LM head, the rotary table, MTP's projection). *half: the up half of a fused gate_up. */
static llmcost_lora_role ft_role(const lc_ft_step *f, const llmcost_op *op, bool *half)
{
    static const struct {
        const char *name;
        llmcost_lora_role role;
    } names[] = {{"q_proj", LLMCOST_LR_Q},         {"k_proj", LLMCOST_LR_K},
                 {"v_proj", LLMCOST_LR_V},         {"qkv_proj", LLMCOST_LR_QKV},
                 {"o_proj", LLMCOST_LR_O},         {"q_a_proj", LLMCOST_LR_Q_A},
                 {"q_b_proj", LLMCOST_LR_Q_B},     {"kv_a_proj_with_mqa", LLMCOST_LR_KV_A},
                 {"kv_b_proj", LLMCOST_LR_KV_B},   {"router", LLMCOST_LR_ROUTER},
                 {"shared_expert_gate", LLMCOST_LR_SHARED_EXPERT_GATE},
                 {"project_in", LLMCOST_LR_PROJECT_IN}, {"project_out", LLMCOST_LR_PROJECT_OUT},
                 {"in_proj", LLMCOST_LR_SSM_IN},   {"x_proj", LLMCOST_LR_SSM_X},
                 {"dt_proj", LLMCOST_LR_SSM_DT},   {"out_proj", LLMCOST_LR_SSM_OUT},
                 {"in_proj_qkvz", LLMCOST_LR_GDN_QKVZ}, {"in_proj_ba", LLMCOST_LR_GDN_BA},
                 {"in_proj_qkv", LLMCOST_LR_GDN_QKVZ}, {"in_proj_z", LLMCOST_LR_GDN_Z},
                 {"in_proj_b", LLMCOST_LR_GDN_BA},  {"in_proj_a", LLMCOST_LR_GDN_A}};
    *half = false;
    if (op->kind == LLMCOST_OP_EXPERTS)
        return LLMCOST_LR_EXPERT_UP; /* the routed experts: handled as a whole (ft_experts) */
    bool shared = op->component == LLMCOST_FC_SHARED_EXPERTS;
    if (!strcmp(op->name, "gate_proj"))
        return shared ? (f->shared_fused_gate_up ? LLMCOST_LR_SHARED_GATE_UP : LLMCOST_LR_SHARED_GATE)
               : f->fused_gate_up ? LLMCOST_LR_MLP_GATE_UP : LLMCOST_LR_MLP_GATE;
    if (!strcmp(op->name, "up_proj")) {
        if (shared ? f->shared_fused_gate_up : f->fused_gate_up) {
            *half = true;
            return shared ? LLMCOST_LR_SHARED_GATE_UP : LLMCOST_LR_MLP_GATE_UP;
        }
        return shared ? LLMCOST_LR_SHARED_UP : LLMCOST_LR_MLP_UP;
    }
    if (!strcmp(op->name, "down_proj"))
        return shared ? LLMCOST_LR_SHARED_DOWN : LLMCOST_LR_MLP_DOWN;
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (!strcmp(op->name, names[i].name))
            return names[i].role;
    return LLMCOST_LR_COUNT;
}

/* Is role "r" stored quantised (finetune.c's rule: bitsandbytes replaces every nn.Linear of the layers; AWQ int4
 * leaves routers and gates in 16 bits)? */
static bool ft_quantised(const ctx *c, llmcost_lora_role r)
{
    return lc_ft_role_quantised(c->m, (int)c->ft->quant, (int)r);
}

/* The dequantisation of "weights" weights into the compute dtype (bitsandbytes dequantize_4bit, LLM.int8's
 * CB * SCB / 127, AWQ's unpack): a streaming kernel reading the packed data and scales, writing 2 bytes a
 * weight; before the forward GEMM and again before the input-gradient GEMM (bitsandbytes MatMul4Bit.backward
 * dequantises again: it keeps only the packed weight). */
static void ft_dequant(const ctx *c, double weights, timed_op *t)
{
    const lc_ft_step *f = c->ft;
    double bytes = weights * (f->dq_read + 2);
    t->fwd = t->bwd = lc_stream_seconds(c->g, bytes, f->dq_kernels);
    t->fwd_k = t->bwd_k = f->dq_kernels;
    t->kind = LLMCOST_ST_MEMORY_BOUND;
}

/* The adapter of one adapted matrix of m tokens, k inputs and n outputs (already split over the layout), "batch"
 * of them (the local routed experts): its GEMMs into t[0], its element-wise work into t[1].
 * Forward: x A [m,r,k], (x A) B [m,n,r]; backward: dB = (xA)^T dY [r,n,m], d(xA) = dY B^T [m,r,n],
 * dA = x^T d(xA) [k,r,m], dx += d(xA) A^T [m,k,r]: 2mr(k+n) FLOPs forward, 4mr(k+n) backward.
 * PEFT keeps adapters in fp32 (autocast_adapter_dtype) and casts the input to their dtype (_cast_input_dtype):
 * without autocast the adapter GEMMs run in fp32; under autocast they run in bf16 after a cast down again. Adapters
 * in bf16 (adapter_bytes 2, autocast_adapter_dtype=False; torchtune's and LitGPT's model dtype) need no cast and
 * run bf16 GEMMs. Its
 * element-wise work: lora_B(...) * scaling and the add into the base output (5 elements' bytes of the output
 * width forward, 2 kernels; backward the scaled gradient and dx's accumulation). DoRA (PEFT's DoraLinearLayer):
 * per forward the adapter's product through an identity (lora_B(lora_A(eye(k))): GEMMs [k,r,k] and [k,n,r]),
 * W + s BA and its row norm (read W, read and write the sum, read it: 2 + 3 eb bytes a weight, 3 kernels), and
 * (mag/norm - 1) * base + mag/norm * lora * s on the output (11 elements' bytes, 5 kernels; backward 12, 6); the
 * norm is detached, so it has no backward. */
static void ft_adapter(const ctx *c, double m, double n, double k, double batch, double weights, timed_op *t)
{
    const lc_ft_step *f = c->ft;
    double r = f->rank;
    bool hf = c->eager;
    bool amp = c->opt->precision == LLMCOST_PREC_AMP_BF16 || c->opt->precision == LLMCOST_PREC_FP32;
    double fp32 = c->g->peak_flops[LLMCOST_DT_FP32] > 0 ? c->g->peak_flops[LLMCOST_DT_FP32] : c->peak_half;
    /* fp32 adapters (PEFT's under hf) without autocast: fp32 GEMMs; otherwise the job's 16-bit dtype. */
    bool fp32_adapters = c->ft_ab.weights > 2;
    bool wide = (fp32_adapters && c->opt->precision != LLMCOST_PREC_AMP_BF16) || c->ab > 2;
    double eb = wide ? 4 : 2, peak = wide ? fp32 : c->peak_half;
    timed_op *g = &t[0], *e = &t[1];
    g->fwd = gemm_s(c, peak, m, r, k, batch, eb, false) + gemm_s(c, peak, m, n, r, batch, eb, false);
    g->bwd = gemm_s(c, peak, r, n, m, batch, eb, false) + gemm_s(c, peak, m, r, n, batch, eb, false) +
             gemm_s(c, peak, k, r, m, batch, eb, false) + gemm_s(c, peak, m, k, r, batch, eb, false);
    g->fwd_k = 2, g->bwd_k = 4;
    double ew_f = 5 * eb * m * n * batch, ew_b = (2 * eb * n + 3 * 2 * k) * m * batch, kf = 2, kb = 2;
    if (hf && fp32_adapters && c->opt->precision != LLMCOST_PREC_FP32) {
        /* x.to(fp32) (read 2, write 4) and, under autocast, back to bf16 for the GEMM (read 4, write 2); the
         * gradient the same way back. */
        double cast = (amp ? 12 : 6) * m * k * batch;
        ew_f += cast, ew_b += cast;
        kf += amp ? 2 : 1, kb += amp ? 2 : 1;
    }
    if (f->dora) {
        g->fwd += gemm_s(c, peak, k, r, k, batch, eb, false) + gemm_s(c, peak, k, n, r, batch, eb, false);
        g->fwd_k += 2;
        ew_f += (2 + 3 * eb) * weights + eb * k * k * batch + 11 * eb * m * n * batch;
        ew_b += 12 * eb * m * n * batch;
        kf += 4 + 5, kb += 6;
    }
    g->kind = LLMCOST_ST_MATMUL;
    if (hf && !c->compiled) {
        e->fwd = lc_eager_seconds(c->g, ew_f, kf);
        e->bwd = lc_eager_seconds(c->g, ew_b, kb);
    } else {
        e->fwd = lc_stream_seconds(c->g, ew_f, kf);
        e->bwd = lc_stream_seconds(c->g, ew_b, kb);
    }
    e->fwd_k = kf, e->bwd_k = kb;
    e->kind = LLMCOST_ST_MEMORY_BOUND;
}

/* The local shape of a matmul op as time_matmul splits it: tokens, outputs, inputs, weights on this GPU. */
static void ft_matmul_shape(const ctx *c, const llmcost_op *op, double *m, double *n, double *k, double *w)
{
    bool replicated = (op->flags & LLMCOST_OPF_REPLICATED) || op->component == LLMCOST_FC_OTHER;
    *m = op->component != LLMCOST_FC_OTHER ? op->m / (double)c->L.cp : op->m;
    *n = op->n, *k = op->k;
    if (!replicated && c->L.tp > 1) {
        if (op->flags & LLMCOST_OPF_ROW_PARALLEL)
            *k /= (double)c->L.tp;
        else
            *n /= (double)c->L.tp;
    }
    *w = *n * *k;
}

/* The extra timed entries of op "op" under adapters (at most FT_EXTRA): the dequantisation, the adapter's GEMMs and
 * element-wise work. The embedding's gather has no backward (the table is frozen). */
static size_t ft_extra(const ctx *c, const llmcost_op *op, timed_op *t0, timed_op *t)
{
    const lc_ft_step *f = c->ft;
    size_t n = 0;
    if (op->kind == LLMCOST_OP_ELEMENTWISE && op->role == LLMCOST_ROLE_EMBEDDING) {
        t0->bwd = 0, t0->bwd_k = 0;
        return 0;
    }
    double m, nn, k, w;
    if (op->kind == LLMCOST_OP_MATMUL) {
        ft_matmul_shape(c, op, &m, &nn, &k, &w);
        bool half;
        llmcost_lora_role r = ft_role(f, op, &half);
        if (ft_quantised(c, r))
            ft_dequant(c, w, &t[n++]);
        if (f->head_quant && op->component == LLMCOST_FC_LM_HEAD && !strcmp(op->name, "lm_head")) {
            /* LitGPT's quantised head (lc_ft_head_quantised): each 128-token chunk's MatMul4Bit dequantises the
             * whole head for its forward and again for its input gradient (time_matmul's head_chunks GEMMs). */
            ft_dequant(c, w, &t[n]);
            t[n].fwd *= c->head_chunks, t[n].bwd *= c->head_chunks;
            t[n].fwd_k *= c->head_chunks, t[n].bwd_k *= c->head_chunks;
            n++;
        }
        if (r < LLMCOST_LR_COUNT && (f->targets & (1u << r)) && !half) {
            /* a fused gate_up adapter: one A over the input, one B over both halves (2 f outputs) */
            bool gu = r == LLMCOST_LR_MLP_GATE_UP || r == LLMCOST_LR_SHARED_GATE_UP;
            double out = gu ? 2 * nn : nn;
            ft_adapter(c, m, out, k, 1, gu ? 2 * w : w, &t[n]);
            n += 2;
        }
        return n;
    }
    if (op->kind == LLMCOST_OP_EXPERTS) {
        /* The local routed experts (time_experts' split): up (gate and up) and down matrices of each. */
        double E = op->batch, ep = (double)c->L.ep, etp = (double)c->etp;
        double local = E / ep, tokens = op->m * ep / (double)c->L.cp, h = op->k, fw = op->n / etp;
        if (c->sp && (double)c->L.tp > etp)
            tokens /= (double)c->L.tp / etp;
        else if (etp > (double)c->L.tp) /* an expert-TP group wider than TP: the tokens of etp ranks */
            tokens *= etp / (double)c->L.tp;
        double mats = op->kernels > 0 ? op->kernels : 3;
        double weights = local * mats * h * fw;
        if (ft_quantised(c, LLMCOST_LR_EXPERT_DOWN))
            ft_dequant(c, weights, &t[n++]);
        /* Adapters on the experts' matrices: one per matrix per expert, timed as batched GEMMs over the local
         * experts (gate and up as two adapters of h -> f, down one of f -> h). */
        uint32_t er = f->targets & ((1u << LLMCOST_LR_EXPERT_GATE) | (1u << LLMCOST_LR_EXPERT_UP) |
                                    (1u << LLMCOST_LR_EXPERT_DOWN));
        if (er) {
            timed_op a[2];
            memset(t + n, 0, 2 * sizeof *t);
            for (int role = LLMCOST_LR_EXPERT_GATE; role <= LLMCOST_LR_EXPERT_DOWN; role++) {
                if (!(er & (1u << role)) || (role == LLMCOST_LR_EXPERT_GATE && mats < 3))
                    continue;
                bool down = role == LLMCOST_LR_EXPERT_DOWN;
                memset(a, 0, sizeof a);
                ft_adapter(c, tokens, down ? h : fw, down ? fw : h, local, local * h * fw, a);
                for (int i = 0; i < 2; i++) {
                    t[n + i].fwd += a[i].fwd, t[n + i].bwd += a[i].bwd;
                    t[n + i].fwd_k += a[i].fwd_k, t[n + i].bwd_k += a[i].bwd_k;
                    t[n + i].kind = a[i].kind;
                }
            }
            n += 2;
        }
    }
    return n;
}

/* The fine-tuning of the job into "f" (NULL when none: pre-training and full fine-tuning are costed alike). */
static int ft_resolve(lc_ft_step *f, const lc_ft_step **out, const llmcost_model *m, const llmcost_job *j)
{
    *out = NULL;
    if (j->version < 2 || (j->finetune.method != LLMCOST_FT_LORA && j->finetune.method != LLMCOST_FT_QLORA))
        return 0;
    memset(f, 0, sizeof *f);
    /* As the framework stores the job (litgpt's quantised head, torchao's NF4 under torchtune). */
    int rc = llmcost_finetune_count_framework(&f->fp, m, &j->finetune, (int)j->framework);
    if (rc < 0)
        return rc;
    int64_t am[LLMCOST_LR_COUNT];
    if ((rc = lc_ft_count_roles(am, m, &j->finetune)) < 0)
        return rc;
    for (int r = 0; r < LLMCOST_LR_COUNT; r++)
        f->adapted += (double)am[r];
    f->targets = j->finetune.targets;
    if (!f->targets && (rc = llmcost_lora_targets_default(&f->targets, m)) < 0)
        return rc;
    f->rank = (double)(j->finetune.rank ? j->finetune.rank : 8);
    f->dora = j->finetune.variant == LLMCOST_LORA_DORA;
    f->fused_gate_up = llmcost_lora_module_name(m, LLMCOST_LR_MLP_GATE_UP) != NULL;
    f->shared_fused_gate_up = llmcost_lora_module_name(m, LLMCOST_LR_SHARED_GATE_UP) != NULL;
    f->quant = j->finetune.method == LLMCOST_FT_QLORA
                   ? (j->finetune.quant == LLMCOST_QUANT_NONE ? LLMCOST_QUANT_NF4 : j->finetune.quant)
                   : LLMCOST_QUANT_NONE;
    f->head_quant = lc_ft_head_quantised(m, &j->finetune, (int)j->framework);
    f->litgpt_lora = j->framework == LLMCOST_FW_LITGPT && j->finetune.method == LLMCOST_FT_LORA;
    for (int64_t i = 0; f->litgpt_lora && i < m->n_layers; i++) {
        llmcost_layer_params lp;
        if ((rc = llmcost_params_layer(&lp, m, &m->layers[i])) < 0)
            return rc;
        f->block_params += (double)lp.total;
    }
    if (f->fp.quantized_params > 0)
        f->dq_read = (double)(f->fp.quant_weight_bytes + f->fp.quant_scale_bytes) / (double)f->fp.quantized_params;
    f->dq_kernels = j->finetune.double_quant ? 2 : 1;
    *out = f;
    return 0;
}

/* Trainable parameters on this GPU: the adapters follow their matrices, split over TP and PP like the dense
 * weights (the adapters of routed experts over EP too, folded in with the dense share: they are a small part). */
static double ft_local_trainable(const ctx *c)
{
    return (double)c->ft->fp.trainable / ((double)c->L.tp * (double)c->L.pp);
}

/* The optimizer over the adapters only, in their dtype (lc_ft_adapter_param_bytes: fp32 under hf, PEFT's
 * autocast_adapter_dtype; bf16 with adapter_bytes 2; the job's recipe under megatron), streamed as optimizer_time
 * streams the full model's: read weight (or master), gradient and states, write them back (and the low-precision
 * copy beside a master). */
static void ft_optimizer_time(llmcost_step *out, const ctx *c)
{
    const llmcost_param_bytes *pb = &c->ft_ab;
    double opt_bytes = pb->master > 0 ? 2 * pb->master + pb->gradients + 2 * pb->states + pb->weights
                                      : 2 * pb->weights + pb->gradients + 2 * pb->states;
    double zero_div = c->L.zero >= 1 ? (double)(c->L.dp * c->L.cp) : 1;
    const lc_kernel_model *km = lc_kernel_model_get();
    double adam_eta = km->adamw_eta[pb->weights > 2 ? 1 : 0];
    out->components[LLMCOST_ST_OPTIMIZER] =
        opt_bytes * ft_local_trainable(c) / zero_div / (lc_memory_bw(c->g) * adam_eta) + OPTIMIZER_KERNELS * km->host_fwd;
}

/* Data parallelism under adapters: the adapter gradients are reduced in their dtype; ZeRO-1/2 gather the updated
 * adapters, ZeRO-3 (FSDP) also gathers the frozen base in its storage format for every forward and backward. */
static void ft_dp_bytes(const ctx *c, double *grads_d, double *grads_e, double *w_d, double *w_e)
{
    double tr = ft_local_trainable(c);
    *grads_d = c->ft_ab.gradients * tr;
    *grads_e = 0;
    *w_d = c->ft_ab.weights * tr;
    *w_e = 0;
    if (c->L.zero >= 3)
        *w_d += (double)c->ft->fp.frozen_bytes / ((double)c->L.tp * (double)c->L.pp);
    if (ft_block_grads(c)) /* LitGPT's FSDP: the Blocks' whole gradients, in the parameters' dtype (bf16-true) */
        *grads_d += (double)c->ft->fp.dense_bytes_per_param * c->ft->block_params / ((double)c->L.tp * (double)c->L.pp);
}

/* FLOPs of one micro-batch under adapters: the op list's, less the frozen weights' gradient GEMMs, plus the
 * adapters' (and DoRA's product) as ft_adapter counts them; recomputation repeats the adapters' forward. */
static void ft_flops(const ctx *c, const llmcost_step_prepared *p, double *model, double *hardware)
{
    const lc_ft_step *f = c->ft;
    const lc_op_segments *sg = &p->sg;
    double dm = 0, dh = 0, r = f->rank;
    bool full = c->opt->recompute == LLMCOST_RECOMPUTE_FULL;
    int64_t nl = p->m->n_layers;
    for (int64_t pos = -1; pos <= nl; pos++) {
        size_t seg = pos < 0 ? 0 : pos == nl ? sg->nseg - 1 : (size_t)sg->layer_seg[pos];
        bool in_layers = pos >= 0 && pos < nl;
        for (size_t i = sg->begin[seg]; i < sg->begin[seg + 1]; i++) {
            const llmcost_op *op = &sg->ops[i];
            if (op->kind != LLMCOST_OP_MATMUL && op->kind != LLMCOST_OP_EXPERTS)
                continue;
            /* the weight-gradient half of the backward: a GEMM of the forward's FLOPs, when counted */
            double wg = op->bwd_flops > 0.5 * op->flops ? op->flops : 0;
            dm -= wg;
            if (in_layers && ft_block_grads(c) && ft_block_weight(op))
                dh += wg; /* LitGPT's FSDP: run, but no model FLOPs (the frozen weights' gradients are discarded) */
            else if (op->flags & LLMCOST_OPF_KERNEL_WEIGHT)
                dh += wg; /* the fused Mamba kernel's frozen weight gradients: run, discarded */
            double m = op->m, n = op->n, k = op->k, fwd = 0;
            if (op->kind == LLMCOST_OP_MATMUL) {
                bool half;
                llmcost_lora_role role = ft_role(f, op, &half);
                if (role >= LLMCOST_LR_COUNT || !(f->targets & (1u << role)) || half)
                    continue;
                double out = role == LLMCOST_LR_MLP_GATE_UP || role == LLMCOST_LR_SHARED_GATE_UP ? 2 * n : n;
                fwd = 2 * m * r * (k + out);
                if (f->dora)
                    fwd += 2 * k * r * (k + out);
                dm += 3 * 2 * m * r * (k + out) + (fwd - 2 * m * r * (k + out));
            } else {
                /* routed experts: each token-slot through its expert's adapted matrices */
                double slots = op->m * op->batch, mats = op->kernels > 0 ? op->kernels : 3;
                for (int role = LLMCOST_LR_EXPERT_GATE; role <= LLMCOST_LR_EXPERT_DOWN; role++) {
                    if (!(f->targets & (1u << role)) || (role == LLMCOST_LR_EXPERT_GATE && mats < 3))
                        continue;
                    double ad = 2 * slots * r * (k + n);
                    double dora = f->dora ? op->batch * 2 * (role == LLMCOST_LR_EXPERT_DOWN ? n : k) * r * (k + n) : 0;
                    fwd += ad + dora;
                    dm += 3 * ad + dora;
                }
            }
            if (full && in_layers)
                dh += fwd;
        }
    }
    double per_mb_model = p->f.model_flops + dm;
    *model = per_mb_model;
    *hardware = p->f.hardware_flops + dm + dh;
}

/*
 * Token dropping and padding (Megatron-Core get_capacity, --moe-expert-capacity-factor cf with
 * --moe-pad-expert-input-to-capacity): each source rank keeps at most C = ceil(cf * T_rank * k / E) token-slots for
 * each expert and pads each expert's to exactly C, so every expert computes (and the all-to-all carries) C rows
 * from every rank: C / (T_rank k / E) rows per routed token-slot. T_rank: the rank's tokens of one micro-batch
 * (b s / cp, / tp with sequence parallelism). 0: dropless (no capacity).
 */
static double moe_padding(const ctx *c)
{
    double cf = c->opt->moe_capacity_factor;
    if (!(cf > 0))
        return 0;
    const llmcost_ffn *ff = NULL;
    for (int64_t i = 0; i < c->m->n_layers && !ff; i++)
        if (c->m->layers[i].ffn.moe)
            ff = &c->m->layers[i].ffn;
    if (!ff || ff->n_experts <= 0)
        return 0;
    double t_rank = (double)c->opt->micro_batch * (double)c->opt->seq / (double)c->L.cp / (c->sp ? (double)c->L.tp : 1);
    double m = t_rank * (double)ff->top_k / (double)ff->n_experts;
    return ceil(cf * m) / m;
}

/* Phase 1: the context of one evaluation from the validated, resolved options. "attn" receives the attention
 * kernel's choice, or holds it already when "attn_known" (lc_step_memo: the same GPU, field for field, and the same
 * attention option as the evaluation that chose it; the choice reads nothing else). */
static int step_setup(ctx *c, llmcost_step *out, const llmcost_model *m, const llmcost_gpu *gpu,
                      const llmcost_step_options *opt, const llmcost_job *jv, bool check_gpu, lc_attn_choice *attn,
                      bool attn_known)
{
    ctx c0 = {m,     gpu,  opt,  opt->layout, false, 1, 2, 0, 0, 2, NULL, NULL, NULL, 0, attn, {0, 0, 0, 0, 0, 0},
              false, false, 1, 1,    false,       NULL,  NULL};
    *c = c0;
    int grc = check_gpu ? llmcost_gpu_check(gpu) : 0; /* every field inside its plausible range (ranges.h) */
    if (grc || (!attn_known && (grc = lc_attention_choose_kernel(gpu, opt->attention, attn)) != 0))
        return grc;
    c->sp = c->L.tp > 1 && c->L.sequence_parallel;
    c->eager = llmcost_framework_eager(opt->framework);
    c->loss_chunks = c->head_chunks = 1;
    if (jv->framework == LLMCOST_FW_LITGPT) {
        /* LitGPT's loss is always chunked by 128 tokens (chunked_cross_entropy). LoRA (finetune/lora.py):
         * model(input_ids, lm_head_chunk_size=128), the head per 128 tokens of each sequence and a cross-entropy per
         * chunk; full (finetune/full.py): the head whole, the cross-entropy per 128 rows of the flattened logits. */
        bool adapters = jv->version >= 2 && (jv->finetune.method == LLMCOST_FT_LORA || jv->finetune.method == LLMCOST_FT_QLORA);
        c->head_chunks = adapters ? ceil((double)jv->seq / 128) : 1;
        c->loss_chunks = adapters ? c->head_chunks : ceil((double)jv->seq * (double)jv->micro_batch / 128);
    }
    c->etp = opt->expert_tp;
    c->moe_pad = moe_padding(c);
    llmcost_job_param_bytes(&out->param_bytes, jv);

    /* Peaks by recipe: fp32 runs everything at the fp32 peak; fp8 the linear layers' GEMMs only; fp16 everything
     * 16-bit at the fp16 tensor peak (V100, T4: the parts without bf16). A recipe the GPU cannot run is refused
     * (llmcost_job_check_gpu: bf16 on a V100). */
    int rc = llmcost_job_check_gpu(jv, gpu);
    if (rc)
        return rc;
    double bf16 = gpu->peak_flops[LLMCOST_DT_BF16];
    switch (opt->precision) {
    case LLMCOST_PREC_FP32:
        c->peak_mm = c->peak_half = gpu->peak_flops[LLMCOST_DT_FP32];
        c->ab = 4;
        c->mm_bytes = 4;
        out->peak_flops = c->peak_mm;
        if (c->peak_mm <= 0)
            return lc_fail(LLMCOST_EINVAL, "%s has no fp32 peak in the catalogue (give --peak-tflops)", gpu->name);
        break;
    case LLMCOST_PREC_FP8:
        c->peak_mm = gpu->peak_flops[LLMCOST_DT_FP8];
        c->peak_half = bf16;
        c->mm_bytes = 1;
        out->peak_flops = bf16;
        if (c->peak_mm <= 0)
            return lc_fail(LLMCOST_EINVAL, "%s has no fp8 tensor cores (no fp8 peak in the catalogue; give --peak-tflops)",
                           gpu->name);
        break;
    case LLMCOST_PREC_FP16:
        c->peak_mm = c->peak_half = gpu->fp16_flops;
        out->peak_flops = gpu->fp16_flops;
        break;
    default:
        c->peak_mm = c->peak_half = bf16;
        out->peak_flops = bf16;
        break;
    }
    if (!(c->peak_half > 0) || gpu->memory_bw <= 0)
        return lc_fail(LLMCOST_EINVAL, "%s lacks a 16-bit peak or a memory bandwidth in the catalogue", gpu->name);
    return 0;
}

/* The timed entries of each segment of the op list: segment k is t[begin[k]] .. t[begin[k+1] - 1]. */
typedef struct {
    timed_op *t;
    size_t *begin;
    /* The selectively recomputed entries of each segment k, in order: t[sel[j]] for j in sel_begin[k] ..
     * sel_begin[k + 1] - 1 (made by time_ops_memo; NULL: launch_stage finds them by their flag). */
    size_t *sel, *sel_begin;
} timed_segments;

static void timed_segments_free(timed_segments *ts)
{
    free(ts->t);
    free(ts->begin);
    free(ts->sel);
    free(ts->sel_begin);
}

/* One op as this GPU runs it: up to three timed entries (the op, autocast's casts, fp8 quantisation), and
 * FT_EXTRA more under adapters (ft_extra). */
static size_t time_op(const ctx *c, const llmcost_op *op, timed_op *t)
{
    size_t n = 1;
    switch (op->kind) {
    case LLMCOST_OP_MATMUL:
        time_matmul(c, op, &t[0]);
        if (op->component != LLMCOST_FC_OTHER && c->opt->precision == LLMCOST_PREC_AMP_BF16)
            autocast_extra(c, op, &t[n++]);
        if (c->opt->precision == LLMCOST_PREC_FP8 && op->component != LLMCOST_FC_LM_HEAD &&
            op->component != LLMCOST_FC_ROUTER && op->component != LLMCOST_FC_OTHER)
            fp8_extra(c, op, &t[n++]);
        break;
    case LLMCOST_OP_EXPERTS:
        time_experts(c, op, &t[0]);
        break;
    case LLMCOST_OP_ATTENTION:
        time_attention(c, op, &t[0]);
        break;
    case LLMCOST_OP_ELEMENTWISE:
        time_elementwise(c, op, &t[0]);
        break;
    }
    if (c->ft)
        n += ft_extra(c, op, &t[0], &t[n]);
    /* The shared expert's GEMMs, with their casts and adapters: what --moe-shared-expert-overlap runs beside the
     * all-to-alls (Megatron-Core's SharedExpertMLP: fc1 = gate and up projections, fc2 = down). */
    if (op->kind == LLMCOST_OP_MATMUL && op->component == LLMCOST_FC_SHARED_EXPERTS)
        for (size_t k = 0; k < n; k++)
            t[k].shared = strcmp(op->name, "down_proj") == 0 ? 2 : 1;
    return n;
}

/* Phase 2: every op of the prepared list timed once (each distinct layer's ops once, whatever its count). */
static int time_ops(timed_segments *ts, const ctx *c, const llmcost_step_prepared *p)
{
    const lc_op_segments *sg = &p->sg;
    ts->t = calloc(sg->begin[sg->nseg] * (3 + FT_EXTRA) + 1, sizeof *ts->t);
    ts->begin = malloc((sg->nseg + 1) * sizeof *ts->begin);
    if (!ts->t || !ts->begin) {
        timed_segments_free(ts);
        return lc_fail(LLMCOST_ENOMEM, "out of memory");
    }
    size_t nt = 0;
    for (size_t k = 0; k < sg->nseg; k++) {
        ts->begin[k] = nt;
        for (size_t i = sg->begin[k]; i < sg->begin[k + 1]; i++)
            nt += time_op(c, &sg->ops[i], &ts->t[nt]);
    }
    ts->begin[sg->nseg] = nt;
    return 0;
}

/* Seconds of each per-layer collective of one micro-batch, before overlap. */
typedef struct {
    double tp_ar;  /* one TP all-reduce of the activations */
    double etp_ar; /* ... of a routed-expert block: over its expert-TP group (MoE parallel folding; tp_ar when etp = tp) */
    double pp_p2p; /* one stage-to-stage send */
    double cp_step; /* one CP ring step: the rank's shard of keys and values to the next rank */
    double cp_ag, cp_rs; /* cp_comm allgather: the CP group's keys and values gathered; their gradients scattered */
    double cp_qkv, cp_o; /* cp_comm a2a: q, k, v from sequence to head shards; the attention output back */
    double cp_dkv;  /* cp_comm torch: one ring send of the rank's fp32 key/value gradients */
    double ep_a2a;  /* one EP all-to-all in the combine direction (combine forward, dispatch's gradient backward) */
    double ep_disp; /* one in the dispatch direction (dispatch forward, combine's gradient backward): ep_a2a, or
                       less where it goes in FP8 (lc_moe_fp8_dispatch) */
} layer_comm;

/*
 * The collectives' times of the previous evaluation (lc_step_memo), with everything they were computed from:
 * llmcost_comm_time is a pure function of its arguments, so equal inputs give the same seconds. The GPU's figures
 * are not in the keys: the memo forgets both whenever the GPU is not the record, field for field, that the last
 * evaluation checked (compute_prepared). Layouts that differ only in ZeRO stage or the overlaps reuse the layer
 * collectives; those that differ only in the overlaps, the data-parallel ones too.
 */
typedef struct {
    const llmcost_model *m;
    int64_t micro_batch, seq, tp, pp, dp, cp, ep, etp;
    double ab, moe_pad;
    bool sp, ep_forwarded, ep_fp8;
    llmcost_moe_dispatcher dispatcher;
    llmcost_cp_comm cp_comm;
    llmcost_comm_options comm;
} layer_comm_key;

typedef struct {
    bool zero; /* ZeRO >= 1: reduce-scatter and gather */
    double grads_d, grads_e, w_d, w_e;
    double share, nb; /* a full gradient bucket's share of the gradients, and the buckets (dp_buckets) */
    llmcost_comm_group gd, ge;
    llmcost_comm_options comm;
} dp_comm_key;

typedef struct {
    bool have_layer, have_dp;
    layer_comm_key layer_key;
    layer_comm layer;
    dp_comm_key dp_key;
    double reduce, gather;
    double bucket_full, bucket_last; /* one full gradient bucket's reduction, and the last (remainder) one's */
} comm_memo;

/* Phase 3: communication inside one micro-batch, per layer. */
static int layer_comms(layer_comm *lc, const ctx *c)
{
    const llmcost_model *m = c->m;
    const llmcost_gpu *gpu = c->g;
    const llmcost_step_options *opt = c->opt;
    double ab = c->ab > 2 ? 4 : 2, tokens = (double)opt->micro_batch * (double)opt->seq / (double)c->L.cp;
    double h = (double)m->hidden;
    llmcost_comm_cost cc;
    int rc;
    memset(lc, 0, sizeof *lc);
    if (c->L.tp > 1) {
        /* One all-reduce (or reduce-scatter + all-gather with SP: the same bytes) after attention and one after
         * the MLP, forward and backward (Shoeybi et al. 2019 Fig. 4; Korthikanti et al. 2022 §4.2.2). */
        llmcost_comm_group g = llmcost_comm_group_of(c->L.tp, 1, gpu->scaleup_size);
        if ((rc = llmcost_comm_time(&cc, gpu, LLMCOST_COLL_ALL_REDUCE, tokens * h * ab, &g, &opt->comm)) != 0)
            return rc;
        lc->tp_ar = cc.seconds;
    }
    /* A block of routed experts (no shared expert) runs its collectives over the expert-TP group, not the
     * attention's TP group (MoE parallel folding, Liu et al. 2025 §3; Megatron-Core's token dispatcher gathers
     * and scatters over the expert-TP group): etp contiguous ranks (expert TP fastest), holding the tokens of
     * etp of the tp sequence-parallel ranks (all of them without sequence parallelism). etp = tp is the TP
     * all-reduce; etp = 1 needs none (each rank runs whole experts on its own tokens). An expert-TP group wider
     * than the TP group (etp > tp: Megatron-Core sizes it on its own) gathers the distinct tokens of etp ranks,
     * each 1/tp of the micro-batch's (sequence parallelism, which the job requires there) or all of it (tp 1). */
    if (c->etp == c->L.tp) {
        lc->etp_ar = lc->tp_ar;
    } else if (c->etp > 1) {
        llmcost_comm_group ge = llmcost_comm_group_of(c->etp, 1, gpu->scaleup_size);
        double share = c->sp || c->L.tp == 1 ? (double)c->etp / (double)c->L.tp : 1;
        if ((rc = llmcost_comm_time(&cc, gpu, LLMCOST_COLL_ALL_REDUCE, tokens * h * ab * share, &ge, &opt->comm)) != 0)
            return rc;
        lc->etp_ar = cc.seconds;
    }
    if (c->L.pp > 1) {
        /* Activations forward, their gradient backward, split over the TP ranks (scatter/gather optimisation,
         * Narayanan et al. 2021 §4.1); stages are tp*cp*dp ranks apart. */
        llmcost_comm_group g = llmcost_comm_group_of(2, c->L.tp * c->L.cp * c->L.dp, gpu->scaleup_size);
        if ((rc = llmcost_comm_time(&cc, gpu, LLMCOST_COLL_P2P, tokens * h * ab / (double)c->L.tp, &g, &opt->comm)) != 0)
            return rc;
        lc->pp_p2p = cc.seconds;
    }
    if (c->L.cp > 1 && m->n_layers > 0) {
        /* Ring attention (Megatron-Core's default --cp-comm-type p2p, Transformer Engine's AttnFuncWithCPAndKVP2P):
         * each of cp - 1 steps sends the rank's shard of keys and values, b s/cp tokens (/ tp heads), to the next
         * CP rank while the attention of the block already held runs. The ring is as fast as its slowest hop: over
         * the network when the CP group spans nodes. */
        const llmcost_attention *a = &m->layers[0].attn;
        double kv = a->kind == LLMCOST_ATTN_MLA ? (double)(a->n_heads * (a->qk_nope_head_dim + a->qk_rope_head_dim + a->v_head_dim))
                                                 : (double)(a->n_kv_heads * (a->head_dim + a->v_head_dim));
        kv /= (double)c->L.tp;
        llmcost_comm_group gc = llmcost_comm_group_of(c->L.cp, c->L.tp, gpu->scaleup_size);
        if (opt->cp_comm == LLMCOST_CP_ALLGATHER || opt->cp_comm == LLMCOST_CP_TORCH) {
            /* Llama 3 §3.3.2 / TE AttnFuncWithCPAndKVAllGather: every rank gathers the group's keys and values (cp
             * shards of b s/cp tokens), its gradients of them reduce-scattered back: one buffer of cp shards each. */
            if ((rc = llmcost_comm_time(&cc, gpu, LLMCOST_COLL_ALL_GATHER, (double)c->L.cp * tokens * kv * ab, &gc,
                                        &opt->comm)) != 0)
                return rc;
            lc->cp_ag = cc.seconds;
            if (opt->cp_comm == LLMCOST_CP_TORCH) {
                /* PyTorch's context_parallel rotates the key/value gradients round the ring (its backward's
                 * dkv_rotater is the all-to-all rotater, permute_tensor to the next rank), accumulated in fp32
                 * (_ContextParallelOptions.convert_to_f32): b s/cp tokens x the key/value width x 4 bytes a send. */
                llmcost_comm_group hop = {2, gc.per_domain == gc.size ? 2 : 1};
                if ((rc = llmcost_comm_time(&cc, gpu, LLMCOST_COLL_P2P, tokens * kv * 4, &hop, &opt->comm)) != 0)
                    return rc;
                lc->cp_dkv = cc.seconds;
            } else {
                if ((rc = llmcost_comm_time(&cc, gpu, LLMCOST_COLL_REDUCE_SCATTER, (double)c->L.cp * tokens * kv * ab,
                                            &gc, &opt->comm)) != 0)
                    return rc;
                lc->cp_rs = cc.seconds;
            }
        } else if (opt->cp_comm == LLMCOST_CP_A2A) {
            /* DeepSpeed-Ulysses / TE AttnFuncWithCPAndQKVOA2A: each rank sends its b s/cp tokens' q, k and v (its TP
             * heads) to the ranks owning their heads, and gets the output of its tokens back. */
            double q = a->kind == LLMCOST_ATTN_MLA ? (double)(a->n_heads * (a->qk_nope_head_dim + a->qk_rope_head_dim))
                                                   : (double)(a->n_heads * a->head_dim);
            double o = (double)(a->n_heads * a->v_head_dim);
            if ((rc = llmcost_comm_time(&cc, gpu, LLMCOST_COLL_ALL_TO_ALL, tokens * (q / (double)c->L.tp + kv) * ab, &gc,
                                        &opt->comm)) != 0)
                return rc;
            lc->cp_qkv = cc.seconds;
            if ((rc = llmcost_comm_time(&cc, gpu, LLMCOST_COLL_ALL_TO_ALL, tokens * o / (double)c->L.tp * ab, &gc,
                                        &opt->comm)) != 0)
                return rc;
            lc->cp_o = cc.seconds;
        } else {
            llmcost_comm_group hop = {2, gc.per_domain == gc.size ? 2 : 1};
            if ((rc = llmcost_comm_time(&cc, gpu, LLMCOST_COLL_P2P, tokens * kv * ab, &hop, &opt->comm)) != 0)
                return rc;
            lc->cp_step = cc.seconds;
        }
    }
    if (c->L.ep > 1) {
        /* Dispatch and combine: each token's hidden state to its top-k experts and back, forward and backward. */
        const llmcost_ffn *ff = NULL;
        for (int64_t i = 0; i < m->n_layers && !ff; i++)
            if (m->layers[i].ffn.moe)
                ff = &m->layers[i].ffn;
        double local_tokens = tokens / (c->sp ? (double)c->L.tp : 1);
        /* The EP group's ranks are expert_tp apart (Megatron-Core's expert rank order, etp fastest, then ep). */
        llmcost_comm_group g = llmcost_comm_group_of(c->L.ep, c->etp, gpu->scaleup_size);
        if (opt->moe_dispatcher == LLMCOST_MOE_ALLGATHER) {
            /* Megatron-Core's MoEAllGatherTokenDispatcher: every rank all-gathers the EP group's hidden states (each
             * rank's b s / cp (/ tp) tokens, not k copies), keeps the ones routed to its experts; combine is the
             * reduce-scatter of the same buffer. Counted as the all-to-all's four per layer: one gather or scatter
             * each way, forward and backward. Padding to a capacity does not change what is gathered. */
            if ((rc = llmcost_comm_time(&cc, gpu, LLMCOST_COLL_ALL_GATHER, (double)c->L.ep * local_tokens * h * ab, &g,
                                        &opt->comm)) != 0)
                return rc;
        } else if ((opt->layout.ep_overlap || opt->moe_dispatcher == LLMCOST_MOE_DEEPEP) && c->moe_pad <= 0) {
            /* --ep-overlap is DeepSeek-V3's implementation: DualPipe and its all-to-all kernels (§3.2.2), each token
             * once over the network to every other node holding one of its experts, then forwarded over NVLink;
             * with group-limited routing (n_group, topk_group) a token reaches at most topk_group groups' nodes.
             * deepep: Megatron-Core's flex dispatcher on DeepEP's normal kernels, the same forwarding (DeepEP README:
             * "kernels optimized for asymmetric-domain bandwidth forwarding, such as forwarding data from NVLink
             * domain to RDMA domain"), in bf16. Under DeepSeek-V3's recipe (lc_moe_fp8_dispatch) the dispatch
             * direction goes in FP8 with a scale per 128 values, the combine direction in bf16. */
            int64_t E = ff->n_experts, K = ff->top_k, G = m->moe_n_group, M = m->moe_topk_group;
            int64_t nodes = g.size / g.per_domain;
            double D = lc_moe_expected_units(E, K, G, M, nodes), R = lc_moe_expected_units(E, K, G, M, g.size);
            if (!(D > 0) || !(R > 0))
                return lc_fail(LLMCOST_EINVAL, "%lld experts (top-%lld) cannot be spread over %lld EP ranks", (long long)E,
                               (long long)K, (long long)g.size);
            if ((rc = lc_comm_forwarded_a2a(&cc, gpu, local_tokens * h * ab, D, R, &g, &opt->comm)) != 0)
                return rc;
            if (lc_moe_fp8_dispatch(opt)) {
                llmcost_comm_cost cd;
                if ((rc = lc_comm_forwarded_a2a(&cd, gpu, local_tokens * h * LC_FP8_DISPATCH_BYTES, D, R, &g, &opt->comm)) != 0)
                    return rc;
                lc->ep_disp = cd.seconds;
            }
        } else {
            /* Each token-slot's hidden state, or with a capacity each expert's padded C rows from this rank. */
            double slots = local_tokens * (double)ff->top_k * (c->moe_pad > 0 ? c->moe_pad : 1);
            if ((rc = llmcost_comm_time(&cc, gpu, LLMCOST_COLL_ALL_TO_ALL, slots * h * ab, &g, &opt->comm)) != 0)
                return rc;
        }
        lc->ep_a2a = cc.seconds;
        if (!(lc->ep_disp > 0))
            lc->ep_disp = cc.seconds;
    }
    return 0;
}

/*
 * Does the dispatch direction of the EP all-to-all go in FP8? DeepSeek-V3's own stack does under its FP8 recipe
 * (arXiv 2412.19437 §3.3.2, "Low-Precision Communication": "we quantize the activation before MoE up-projections
 * into FP8 and then apply dispatch components ... A similar strategy is applied to the activation gradient before
 * MoE down-projections. For both the forward and backward combine components, we retain them in BF16"): in llmcost
 * that stack is --ep-overlap with the default dispatcher, dropless, and --precision fp8. Megatron-Core's deepep
 * path does not (megatron/core/transformer/moe/fused_a2a.py passes DeepEP one bf16 tensor, where an FP8 dispatch
 * takes the tuple (fp8 values, scales); NVIDIA/Megatron-LM issue #3578), nor its alltoall and allgather.
 */
bool lc_moe_fp8_dispatch(const llmcost_step_options *o)
{
    bool v2 = o->version >= 2;
    llmcost_moe_dispatcher d = v2 ? o->moe_dispatcher : LLMCOST_MOE_ALLTOALL;
    double cf = v2 ? o->moe_capacity_factor : 0;
    return o->precision == LLMCOST_PREC_FP8 && o->layout.ep_overlap && d == LLMCOST_MOE_ALLTOALL && !(cf > 0);
}

/* layer_comms through the memo "cm" (NULL: none). */
static int layer_comms_memo(layer_comm *lc, const ctx *c, comm_memo *cm)
{
    if (!cm)
        return layer_comms(lc, c);
    layer_comm_key k;
    memset(&k, 0, sizeof k); /* padding too: keys are compared with memcmp */
    k.m = c->m, k.micro_batch = c->opt->micro_batch, k.seq = c->opt->seq;
    k.tp = c->L.tp, k.pp = c->L.pp, k.dp = c->L.dp, k.cp = c->L.cp, k.ep = c->L.ep, k.etp = c->etp;
    k.ab = c->ab, k.moe_pad = c->moe_pad, k.sp = c->sp, k.dispatcher = c->opt->moe_dispatcher;
    k.ep_forwarded = c->opt->layout.ep_overlap;
    k.ep_fp8 = lc_moe_fp8_dispatch(c->opt);
    k.cp_comm = c->opt->cp_comm;
    k.comm = c->opt->comm;
    if (cm->have_layer && memcmp(&k, &cm->layer_key, sizeof k) == 0) {
        *lc = cm->layer;
        return 0;
    }
    int rc = layer_comms(lc, c);
    if (rc == 0) {
        cm->layer_key = k, cm->layer = *lc;
        cm->have_layer = true;
    }
    return rc;
}

/* The segments stage "s" runs, in order: the ops before the layers (first stage), its layers', the ops after
 * the layers (last stage). Returns their count. */
static size_t stage_segments(int32_t *segs, const lc_op_segments *sg, const int64_t *first_layer, int64_t s, int64_t pp)
{
    size_t n = 0;
    if (s == 0)
        segs[n++] = 0;
    for (int64_t l = first_layer[s]; l < first_layer[s + 1]; l++)
        segs[n++] = sg->layer_seg[l];
    if (s == pp - 1)
        segs[n++] = (int32_t)sg->nseg - 1;
    return n;
}

/* Whether stages "s" and "r" run the same segments (then they take the same time). */
static bool same_stage(const lc_op_segments *sg, const int64_t *first_layer, int64_t s, int64_t r, int64_t pp,
                       int64_t every)
{
    if ((s == 0) != (r == 0) || (s == pp - 1) != (r == pp - 1))
        return false;
    /* Per-layer checkpointing: the same layers checkpointed (layer l when (l + 1) % every == 0). */
    if (every > 1 && (first_layer[s] - first_layer[r]) % every != 0)
        return false;
    int64_t n = first_layer[s + 1] - first_layer[s];
    if (n != first_layer[r + 1] - first_layer[r])
        return false;
    for (int64_t i = 0; i < n; i++)
        if (sg->layer_seg[first_layer[s] + i] != sg->layer_seg[first_layer[r] + i])
            return false;
    return true;
}

/* One pipeline stage's micro-batch: its parts (seconds) and the communication it exposes. */
typedef struct {
    double comp[LLMCOST_ST_COUNT];
    double total;  /* the micro-batch on this stage, communication included */
    double tp_raw; /* TP collectives before overlap */
    double cp_all; /* CP collectives before overlap */
    double ep_all; /* EP collectives before overlap */
    double pp_all; /* PP sends before overlap */
} stage_result;

/* What one stage's ops come to through the launch model, before any communication: it depends on the timed ops,
 * the stage's segments and the recomputation only (not on the overlaps, vpp, dp or ZeRO). */
typedef struct {
    double busy[LLMCOST_ST_COUNT]; /* GPU-busy seconds by kind */
    double gpu, gpu_busy;          /* the launcher's finishing time and busy time */
    double gemm;                   /* the stage's GEMMs, forward + backward (what TP overlap hides behind) */
    double fwd, bwd;               /* every op's forward and backward GPU seconds (what DP overlap hides behind) */
    double attn_f, attn_b;         /* the attention kernel of the stage's first layer */
    int64_t moe_layers;            /* MoE layers on the stage */
    double blocks;                 /* its blocks whose TP collectives run over the TP group (expose_stage) */
    double expert_blocks;          /* ... and its routed-expert blocks without a shared expert (the expert-TP group) */
    double ckpt;                   /* its layers recomputed whole (full recomputation, per-layer checkpointing) */
    double se[4];                  /* its shared experts' GEMM seconds: fc1 forward, fc2 forward, fc1 and fc2
                                      backward (what --moe-shared-expert-overlap hides the all-to-alls behind) */
} stage_launch;

/* The forward pass so far: the launcher and the sums the overlaps compare with, each added in execution order. */
typedef struct {
    launcher L;
    double busy[LLMCOST_ST_COUNT]; /* GPU-busy seconds by kind */
    double gemm, fwd, bwd;         /* the GEMMs forward + backward; every op's forward and backward */
} fwd_state;

/* The forward of timed ops t[begin] .. t[end - 1] after "f" (host seconds "h_fwd" per kernel). The one loop every
 * forward runs, whole or from a stored prefix (lc_step_memo), so that both add the same terms in the same order. */
static inline void fwd_segment(fwd_state *f, const timed_op *t, size_t begin, size_t end, double h_fwd)
{
    launcher L = f->L;
    double gemm = f->gemm, fwd = f->fwd, bwd = f->bwd;
    for (size_t i = begin; i < end; i++) {
        launch_op(&L, h_fwd, t[i].fwd_k, t[i].fwd, t[i].fwd_sync);
        f->busy[t[i].kind] += t[i].fwd;
        if (t[i].kind == LLMCOST_ST_MATMUL)
            gemm += t[i].fwd + t[i].bwd;
        bwd += t[i].bwd;
        fwd += t[i].fwd;
    }
    f->L = L;
    f->gemm = gemm, f->fwd = fwd, f->bwd = bwd;
}

/* Host seconds per forward kernel (measured, h200_host_2026-11-28.json): checkpointed forwards cost more (the
 * checkpoint wrappers' Python). */
static double host_forward(const lc_kernel_model *km, llmcost_recompute r)
{
    return r != LLMCOST_RECOMPUTE_NONE ? km->host_fwd_ckpt : km->host_fwd;
}

/* Per-layer checkpointing's period: recompute_every under full recomputation, else 1 (every layer, or none). */
static int64_t ckpt_every(const llmcost_step_options *opt)
{
    return opt->recompute == LLMCOST_RECOMPUTE_FULL && opt->recompute_every > 1 ? opt->recompute_every : 1;
}

/* Is decoder layer "l" recomputed under full recomputation? torchtitan's layer-frequency checkpointing wraps the
 * k-th block it sees (k = 1, 2, ...) when k % N == 0 (torchtitan parallelize_llama.py, _apply_ac_to_transformer_block:
 * "Checkpoint every `ac_freq` of the modules"): layers N-1, 2N-1, ... */
static inline bool ckpt_layer(int64_t every, int64_t l)
{
    return every <= 1 || (l + 1) % every == 0;
}

/* One stage's micro-batch: forward in order, backward in reverse with recomputation before each layer's backward,
 * through the launch model. "start" (NULL: idle) is the forward already run over segs[0] .. segs[k0 - 1]. */
static void launch_stage(stage_launch *r, const ctx *c, const llmcost_step_prepared *p, const timed_segments *ts,
                         const int32_t *segs, size_t nsegs, int64_t first, int64_t nl, const fwd_state *start,
                         size_t k0)
{
    const llmcost_model *m = c->m;
    const llmcost_step_options *opt = c->opt;
    const timed_op *t = ts->t;
    int32_t last_seg = (int32_t)p->sg.nseg - 1;
    /* Host seconds per launched kernel; the forwards recomputed inside backward cost more too. */
    const lc_kernel_model *km = lc_kernel_model_get();
    double h_fwd = host_forward(km, opt->recompute), h_bwd = km->host_bwd, h_rec = km->host_recompute;
    double rec_mult = opt->recompute == LLMCOST_RECOMPUTE_FULL ? 1 : 0;
    fwd_state f;
    if (start)
        f = *start;
    else
        memset(&f, 0, sizeof f);
    for (size_t k = k0; k < nsegs; k++)
        fwd_segment(&f, t, ts->begin[segs[k]], ts->begin[segs[k] + 1], h_fwd);
    launcher L = f.L;
    double busy[LLMCOST_ST_COUNT];
    for (int k = 0; k < LLMCOST_ST_COUNT; k++)
        busy[k] = f.busy[k];
    double gemm = f.gemm, fwd = f.fwd, bwd = f.bwd;
    bool recomputes = opt->recompute != LLMCOST_RECOMPUTE_NONE; /* else no op runs again */
    int64_t every = ckpt_every(opt), off = nsegs > 0 && segs[0] == 0 ? 1 : 0; /* segs[0]: the embedding's */
    double ckpt = 0, se[4] = {0, 0, 0, 0};
    /* Backward, layer by layer from the last: recompute the layer's forward first. */
    for (size_t k = nsegs; k > 0; k--) {
        int32_t seg = segs[k - 1];
        size_t begin = ts->begin[seg], end = ts->begin[seg + 1];
        bool in_layers = recomputes && seg != 0 && seg != last_seg;
        if (in_layers && rec_mult > 0) { /* full: this layer only if it is checkpointed */
            in_layers = ckpt_layer(every, first + (int64_t)(k - 1) - off);
            ckpt += in_layers;
        }
        if (in_layers && rec_mult == 0 && ts->sel) { /* selective: the flagged entries, listed in order */
            for (size_t j = ts->sel_begin[seg]; j < ts->sel_begin[seg + 1]; j++) {
                size_t i = ts->sel[j];
                launch_op(&L, h_rec, t[i].fwd_k, t[i].fwd, t[i].fwd_sync);
                busy[LLMCOST_ST_RECOMPUTE] += t[i].fwd;
            }
            in_layers = false;
        }
        for (size_t i = begin; in_layers && i < end; i++) {
            bool again = rec_mult > 0 || (opt->recompute == LLMCOST_RECOMPUTE_SELECTIVE && t[i].selective);
            if (!again)
                continue;
            launch_op(&L, h_rec, t[i].fwd_k, t[i].fwd, t[i].fwd_sync);
            busy[LLMCOST_ST_RECOMPUTE] += t[i].fwd;
        }
        for (size_t i = end; i > begin; i--) {
            launch_op(&L, h_bwd, t[i - 1].bwd_k, t[i - 1].bwd, t[i - 1].bwd_sync);
            busy[t[i - 1].kind] += t[i - 1].bwd;
            if (t[i - 1].shared) { /* every segment passes here once: the shared experts' forward and backward */
                int fc2 = t[i - 1].shared == 2;
                se[fc2] += t[i - 1].fwd;
                se[2 + fc2] += t[i - 1].bwd;
            }
        }
    }
    for (int k = 0; k < 4; k++)
        r->se[k] = se[k];
    for (int k = 0; k < LLMCOST_ST_COUNT; k++)
        r->busy[k] = busy[k];
    r->gpu = L.gpu;
    r->gpu_busy = L.busy;
    r->gemm = gemm, r->fwd = fwd, r->bwd = bwd;
    r->ckpt = ckpt;
    r->attn_f = r->attn_b = 0;
    if (first < m->n_layers) {
        int32_t seg = p->sg.layer_seg[first];
        for (size_t i = ts->begin[seg]; i < ts->begin[seg + 1]; i++)
            if (t[i].kind == LLMCOST_ST_ATTENTION) {
                r->attn_f = t[i].fwd;
                r->attn_b = t[i].bwd;
            }
    }
    int64_t moe_l = 0;
    double blocks = 0, expert_blocks = 0;
    for (int64_t i = first; i < first + nl; i++) {
        const llmcost_layer *ly = &m->layers[i];
        moe_l += ly->ffn.moe;
        /* Two all-reduces per block (token mixer, feed-forward); a hybrid block holds one of them (Nemotron-H's
         * Mamba-2, attention and MLP blocks), Falcon-H1's attention and mixer, summed, one; a shared transformer
         * block's invocation (Zamba2) two more, its attention's and its MLP's. A routed-expert block with a shared
         * expert keeps the TP group's collectives (the shared expert is a tensor-parallel MLP); one without, the
         * expert-TP group's. */
        bool routed_only = ly->ffn.moe && ly->ffn.shared.d_ff <= 0;
        blocks += (ly->attn.n_heads > 0 || ly->ssm) + (!routed_only && (ly->ffn.moe || ly->ffn.dense.d_ff > 0)) +
                  (ly->shared_block && m->shared.n_blocks > 0 ? 2 : 0);
        expert_blocks += routed_only;
    }
    r->moe_layers = moe_l;
    r->blocks = blocks, r->expert_blocks = expert_blocks;
}

/* The share of the compute lost while NCCL's kernels (NCCL_COMM_SMS SMs) run beside it, of a GPU of "units" SMs
 * (all of it on a GPU of no more SMs; none when the SMs are not known, units <= 0). */
static double nccl_sm_share(double units)
{
    return units > NCCL_COMM_SMS ? NCCL_COMM_SMS / units : units > 0 ? 1 : 0;
}

/*
 * --tp-overlap: Transformer Engine's userbuffers comm-GEMM overlap, as its defaults set it up
 * (transformer_engine/pytorch/module/base.py, initialize_ub): with sequence parallelism each TP all-reduce is an
 * all-gather before a column-parallel GEMM and a reduce-scatter after a row-parallel one. The all-gathers go by
 * "ring_exchange": the GEMM in tp chunks, the first on the rank's own chunk, each next one on the chunk received
 * while the previous computed (tp - 1 transfers of c = C/(tp-1), on the copy engines: use_ce, 1 SM); it ends
 * g + (tp-1) max(c, g) after it starts (g = G/tp), exposing max(0, C - G (tp-1)/tp) beyond G. The reduce-scatters
 * go by "pipeline": num_splits = 4 GEMM chunks, each chunk's reduce-scatter behind the next chunk's GEMM, the last
 * one after the GEMM, on num_sm = 16 SMs (the backward's "bulk" overlaps also take 16): it ends
 * g + (N-1) max(c, g) + c after the GEMM starts (c = C/N, g = G/N), exposing max(C/N, C - G (N-1)/N).
 * Each TP all-reduce's seconds are half gather, half scatter; each half hides behind half the GEMMs (the stage's
 * GEMMs in total: a sum of the per-GEMM bounds would expose more where a small GEMM meets the same message).
 * While a reduce-scatter runs hidden, the GEMM beside it has 16 SMs fewer: it loses 16/units of that time.
 */
double lc_tp_overlap_exposed(double comm, double gemm, double tp, double units)
{
    if (comm <= 0)
        return 0;
    double half = comm / 2, g = gemm / 2, n_ag = tp > 1 ? tp : 1, n_rs = TE_UB_RS_SPLITS;
    double ag = fmax(0, half - g * (n_ag - 1) / n_ag);
    double rs = fmax(half / n_rs, half - g * (n_rs - 1) / n_rs);
    double sm = units > TE_UB_RS_SMS ? TE_UB_RS_SMS / units : 1;
    return ag + rs + (half - rs) * sm;
}

/*
 * --ep-overlap: DeepSeek-V3's DualPipe (DeepSeek-AI 2024, arXiv:2412.19437 §3.2.1-3.2.2): one micro-batch's
 * dispatch and combine run while another micro-batch's attention and MLP compute, so a layer's four all-to-alls
 * (A seconds) hide behind the layer's compute (L seconds, forward + backward), what exceeds it shows; the
 * all-to-all kernels take 20 of the H800's 132 SMs (§3.2.2: "only 20 SMs are sufficient to fully utilize the
 * bandwidths of IB and NVLink"), so the compute beside them loses 20/units of the hidden time.
 */
double lc_ep_overlap_exposed(double a2a, double compute, double units)
{
    if (a2a <= 0)
        return 0;
    double hidden = fmin(a2a, compute > 0 ? compute : 0);
    double sm = units > EP_A2A_SMS ? EP_A2A_SMS / units : 1;
    return a2a - hidden + hidden * sm;
}

/*
 * --moe-shared-expert-overlap: Megatron-Core's SharedExpertMLP with moe_shared_expert_overlap (the alltoall
 * dispatcher, token_dispatcher.py): the shared expert's GEMMs run on their own CUDA stream while the token
 * all-to-alls are in flight: forward, fc1 (gate, up, activation: linear_fc1_forward_and_act, issued after the
 * dispatch's all-to-all) beside the dispatch, fc2 (linear_fc2_forward) beside the combine; backward (the backward's
 * order raised, set_tensor_grad_fn_sequence_sr), fc2's beside the combine's gradient all-to-all (dispatch
 * direction), fc1's beside the dispatch's gradient (combine direction). Each all-to-all of "a" seconds hides
 * h = min(a, s) behind its partner of "s" seconds; while hidden, NCCL's all-to-all kernels hold NCCL_COMM_SMS SMs,
 * so the GEMMs beside them lose NCCL_COMM_SMS/units of h (the rule of the DP and PP overlaps). Per MoE layer:
 *   exposed = Σ over the four pairs of (a - h + h · NCCL_COMM_SMS/units)
 * disp, comb: one all-to-all in the dispatch and combine directions; se: fc1 forward, fc2 forward, fc1 backward,
 * fc2 backward seconds.
 */
static double pair_exposed(double a, double s, double sm)
{
    double h = fmin(fmax(0, a), fmax(0, s));
    return fmax(0, a) - h + h * sm;
}

double lc_shared_overlap_exposed(double disp, double comb, const double se[4], double units)
{
    double sm = nccl_sm_share(units);
    return pair_exposed(disp, se[0], sm) + pair_exposed(comb, se[1], sm) + pair_exposed(disp, se[3], sm) +
           pair_exposed(comb, se[2], sm);
}

/*
 * Context-parallel ring attention (Megatron-Core --cp-comm-type p2p; Transformer Engine's AttnFuncWithCPAndKVP2P,
 * Liu et al. 2023 "Ring Attention"): the attention of one micro-batch runs in cp steps of equal work (the causal
 * mask's load-balanced chunks: each rank holds chunks i and 2cp-1-i, so every step computes half of two blocks or
 * the diagonal), the first on the rank's own keys and values; each of the other cp - 1 waits for its shard, sent
 * during the previous step. Each transfer of "step" seconds hides behind one step's attn/cp: exposed
 * (cp - 1) max(0, step - attn/cp). The sends are NCCL send/recv (torch.distributed's batch_isend_irecv): while
 * hidden they hold NCCL_COMM_SMS SMs, so the attention beside them loses NCCL_COMM_SMS/units of the hidden time.
 */
double lc_cp_ring_exposed(double step, double attn, double cp, double units)
{
    if (!(cp > 1) || !(step > 0))
        return 0;
    double exposed = (cp - 1) * fmax(0, step - fmax(0, attn) / cp), hidden = (cp - 1) * step - exposed;
    return exposed + hidden * nccl_sm_share(units);
}

/*
 * Pipeline sends: "n" per direction per micro-batch (one per virtual chunk), each of "send" seconds. Under the
 * interleaved schedule Megatron-Core overlaps them with the next chunk's compute (overlap_p2p_comm, set whenever
 * the virtual pipeline size is above 1; Megatron Bridge's comm_overlap: vp > 1 -> overlap_p2p_comm, else
 * batch_p2p_comm): each hides behind compute/n, exposed n max(0, send - compute/n). Otherwise they block: n send.
 * The bubble is unchanged. The hidden sends take NCCL_COMM_SMS SMs from the compute beside them.
 */
double lc_pp_p2p_exposed(double send, double compute, double n, bool overlap, double units)
{
    if (!(send > 0) || !(n >= 1))
        return 0;
    if (!overlap)
        return n * send;
    /* Each send hides behind compute/n; while hidden, NCCL's send/recv kernels hold NCCL_COMM_SMS SMs, so the
     * compute beside them loses NCCL_COMM_SMS/units of the hidden time. */
    double exposed = n * fmax(0, send - fmax(0, compute) / n), hidden = n * send - exposed;
    return exposed + hidden * nccl_sm_share(units);
}

/*
 * Bucketed gradient reduction (Megatron-Core DDP with overlap_grad_reduce, PyTorch DDP): the gradients, in the
 * order backward produces them, fill buckets of "share" of the whole each (the last one the remainder); a bucket's
 * reduction starts when its last gradient is ready and after the previous bucket's, one at a time on the
 * communication stream. Backward is "bwd" seconds spread evenly over the gradients, so full bucket i (1 .. nb - 1)
 * is ready at bwd * i * share, the last one at bwd. Bucket i's reduction finishes at max(ready_i, end_{i-1}) + c_i,
 * so the last ends at max over i of (ready_i + the reductions from i on): beyond backward that is
 *   c_last + max(0, bwd*share + (nb-1)*c_full - bwd, c_full - bwd*(1 - (nb-1)*share))
 * (ready_i + (nb-i)*c_full is linear in i: its maximum is at i = 1 or i = nb - 1). One bucket: all of it exposed.
 * The hidden rest runs beside backward on NCCL_COMM_SMS SMs: the compute loses NCCL_COMM_SMS/units of it.
 */
double lc_dp_bucket_exposed(double bwd, double nb, double share, double c_full, double c_last, double units)
{
    if (!(nb >= 1) || !(c_full >= 0) || !(c_last >= 0))
        return 0;
    if (nb < 2)
        return c_last;
    double B = fmax(0, bwd), total = (nb - 1) * c_full + c_last;
    double first = B * share + (nb - 1) * c_full - B, last_full = c_full - B * fmax(0, 1 - (nb - 1) * share);
    double exposed = c_last + fmax(0, fmax(first, last_full));
    if (exposed > total)
        exposed = total;
    return exposed + (total - exposed) * nccl_sm_share(units);
}

/* The stage's micro-batch with the exposed per-layer communication of its layers. */
static void expose_stage(stage_result *r, const ctx *c, const stage_launch *sl, const layer_comm *lc, int64_t s,
                         int64_t nl)
{
    const llmcost_step_options *opt = c->opt;
    int64_t pp = c->L.pp;
    double *comp = r->comp;
    for (int k = 0; k < LLMCOST_ST_COUNT; k++)
        comp[k] = sl->busy[k];
    comp[LLMCOST_ST_LAUNCH] = sl->gpu - sl->gpu_busy;
    /* Two all-reduces per block (the stage's blocks, counted with its launch), three under full recomputation. */
    double blocks = sl->blocks, expert_blocks = sl->expert_blocks;
    if (c->etp == c->L.tp) { /* the same group: the sum as before expert TP had its own (the same digits) */
        blocks += expert_blocks;
        expert_blocks = 0;
    }
    /* Full recomputation repeats a layer's forward collectives: on the layers it checkpoints (all, or every N-th). */
    double ckpt_share = opt->recompute != LLMCOST_RECOMPUTE_FULL ? 0 : ckpt_every(opt) > 1 ? (nl > 0 ? sl->ckpt / (double)nl : 0) : 1;
    double tp_count = 2 + ckpt_share;
    comp[LLMCOST_ST_TP_COMM] = lc->tp_ar * tp_count * blocks + lc->tp_ar * (s == 0 || s == pp - 1 ? 2 : 0);
    if (expert_blocks > 0)
        comp[LLMCOST_ST_TP_COMM] += lc->etp_ar * tp_count * expert_blocks;
    double tp_raw = comp[LLMCOST_ST_TP_COMM];
    if (opt->layout.tp_overlap)
        comp[LLMCOST_ST_TP_COMM] = lc_tp_overlap_exposed(tp_raw, sl->gemm, (double)c->L.tp, (double)c->g->compute_units);
    /* CP ring attention: forward, each ring step's keys and values behind the attention of the block held; backward,
     * keys and values and the partial key/value gradients (twice the bytes) behind the backward's blocks; full
     * recomputation runs the forward ring again. The stage's first layer's attention kernel. */
    double cp_rings = 1 + ckpt_share, cp = (double)c->L.cp, units = (double)c->g->compute_units;
    double cp_raw = 0;
    if (opt->cp_comm == LLMCOST_CP_ALLGATHER) {
        /* Gathered before the forward's attention (again when recomputed), and again before the backward's, whose
         * key/value gradients are then reduce-scattered: nothing hidden (TE: "KV all-gather between CP ranks is
         * exposed"; Llama 3 §3.3.2). */
        cp_raw = (double)nl * ((cp_rings + 1) * lc->cp_ag + lc->cp_rs);
        comp[LLMCOST_ST_CP_COMM] = cp_raw;
    } else if (opt->cp_comm == LLMCOST_CP_TORCH) {
        /* PyTorch's context_parallel, rotate method "allgather" (its default, _ContextParallelOptions): the loop over
         * the cp blocks issues the one all-gather of keys and values before the first block (the local one) and
         * waits for it after that block: hidden behind 1/cp of the attention, forward (again when recomputed) and
         * backward (its kv_rotater is the same). Backward sends the accumulated key/value gradients to the next
         * rank after each block and waits after the next block: cp - 1 sends behind one block each, the last waited
         * for after the loop, exposed whole. (The load-balanced blocks are equal: each 1/cp of the rank's pairs.) */
        /* the gather's hidden part takes NCCL's SMs from the block beside it, as the ring's sends do */
        double sm = nccl_sm_share(units), hf = fmin(lc->cp_ag, fmax(0, sl->attn_f) / cp);
        double hb = fmin(lc->cp_ag, fmax(0, sl->attn_b) / cp);
        double ag_f = lc->cp_ag - hf + hf * sm, ag_b = lc->cp_ag - hb + hb * sm;
        comp[LLMCOST_ST_CP_COMM] = (double)nl * (cp_rings * ag_f + ag_b + lc_cp_ring_exposed(lc->cp_dkv, sl->attn_b, cp, units) +
                                                 lc->cp_dkv);
        cp_raw = (double)nl * ((cp_rings + 1) * lc->cp_ag + cp * lc->cp_dkv);
    } else if (opt->cp_comm == LLMCOST_CP_A2A) {
        /* Forward: q, k, v in, the output out (again when recomputed); backward: the output's gradient in, the
         * gradients of q, k, v out. Each waits for the attention or feeds it: exposed. */
        cp_raw = (double)nl * (cp_rings + 1) * (lc->cp_qkv + lc->cp_o);
        comp[LLMCOST_ST_CP_COMM] = cp_raw;
    } else {
        comp[LLMCOST_ST_CP_COMM] = (double)nl * (cp_rings * lc_cp_ring_exposed(lc->cp_step, sl->attn_f, cp, units) +
                                                 lc_cp_ring_exposed(2 * lc->cp_step, sl->attn_b, cp, units));
        cp_raw = (double)nl * (c->L.cp - 1) * (cp_rings + 2) * lc->cp_step;
    }
    double layer_compute = nl > 0 ? (sl->gpu_busy / (double)nl) : 0;
    /* Per MoE layer: two all-to-alls in the dispatch direction (dispatch forward, combine's gradient backward) and
     * two in the combine direction. Overlapped (--ep-overlap: DualPipe, or with deepep Megatron-Core's
     * --overlap-moe-expert-parallel-comm) behind another micro-batch's compute at the all-to-all kernels' 20 SMs;
     * otherwise the compute stream waits for each (Megatron-Core: fused_a2a.py's after_event.current_stream_wait(),
     * the alltoall dispatcher's blocking all_to_all), so nothing runs beside its SMs and all of it shows. */
    double a2a_raw = 2 * lc->ep_disp + 2 * lc->ep_a2a;
    double a2a = opt->layout.ep_overlap ? lc_ep_overlap_exposed(a2a_raw, layer_compute, (double)c->g->compute_units)
                                        : a2a_raw;
    if (opt->moe_shared_expert_overlap && !opt->layout.ep_overlap && sl->moe_layers > 0 && a2a_raw > 0) {
        /* Megatron-Core's --moe-shared-expert-overlap: each MoE layer's all-to-alls beside its shared expert's
         * GEMMs (lc_shared_overlap_exposed), the stage's shared-expert seconds spread over its MoE layers. */
        double ml = (double)sl->moe_layers, se[4] = {sl->se[0] / ml, sl->se[1] / ml, sl->se[2] / ml, sl->se[3] / ml};
        a2a = lc_shared_overlap_exposed(lc->ep_disp, lc->ep_a2a, se, (double)c->g->compute_units);
    }
    comp[LLMCOST_ST_EP_COMM] = (double)sl->moe_layers * a2a;
    /* PP: v sends forward and v backward per micro-batch; under the interleaved schedule (v > 1) Megatron overlaps
     * each with the next chunk's compute (overlap_p2p_comm), else the sends block (batch_p2p_comm). */
    double v = (double)c->L.vpp;
    comp[LLMCOST_ST_PP_COMM] = pp > 1 ? lc_pp_p2p_exposed(lc->pp_p2p, sl->fwd, v, v > 1, units) +
                                            lc_pp_p2p_exposed(lc->pp_p2p, sl->bwd, v, v > 1, units)
                                      : 0;
    r->tp_raw = tp_raw;
    r->cp_all = cp_raw;
    r->ep_all = (double)sl->moe_layers * a2a_raw;
    r->pp_all = pp > 1 ? 2 * v * lc->pp_p2p : 0;
    double total = sl->gpu;
    for (int k = LLMCOST_ST_TP_COMM; k <= LLMCOST_ST_PP_COMM; k++)
        total += comp[k];
    r->total = total;
}

/* The pipeline split and each stage's class: stages running the same segments share one simulation. */
typedef struct {
    int64_t pp;           /* the split is for this many stages */
    int64_t every;        /* ... and this per-layer checkpointing (recompute_every; 1: every layer or none) */
    int64_t *first_layer; /* pp + 1 */
    int64_t *cls;         /* pp: index into launch and res */
    int64_t *rep;         /* the first stage of each class */
    int64_t nres;         /* distinct stages */
    stage_launch *launch; /* each class through the launch model */
    stage_result *res;    /* ... with its communication */
    int32_t *segs;        /* scratch: n_layers + 2 */
    int64_t cap_pp, cap_segs; /* what the arrays have room for (a memo's split is reused for a smaller one) */
    int64_t worst;        /* the slowest stage */
    double t_mb;          /* its micro-batch */
} stages;

static void stages_free(stages *st)
{
    free(st->first_layer);
    free(st->cls);
    free(st->rep);
    free(st->launch);
    free(st->res);
    free(st->segs);
    memset(st, 0, sizeof *st);
}

/* The split of "pp" stages and each stage's class, the classes not yet launched. */
static int split_stages(stages *st, const llmcost_step_prepared *p, int64_t pp, int64_t every)
{
    const llmcost_model *m = p->m;
    /* Every entry used is written below or by launch_stages and simulate_stages before it is read: arrays with
     * room enough are kept (a memo splits once per pipeline degree of a search). */
    if (!st->first_layer || st->cap_pp < pp || st->cap_segs < m->n_layers + 2) {
        stages_free(st);
        st->first_layer = calloc((size_t)pp + 1, sizeof *st->first_layer);
        st->cls = calloc((size_t)pp, sizeof *st->cls);
        st->rep = calloc((size_t)pp, sizeof *st->rep);
        st->launch = calloc((size_t)pp, sizeof *st->launch);
        st->res = calloc((size_t)pp, sizeof *st->res);
        st->segs = calloc((size_t)m->n_layers + 2, sizeof *st->segs);
        if (!st->first_layer || !st->cls || !st->rep || !st->launch || !st->res || !st->segs) {
            stages_free(st);
            return lc_fail(LLMCOST_ENOMEM, "out of memory");
        }
        st->cap_pp = pp;
        st->cap_segs = m->n_layers + 2;
    }
    st->pp = pp;
    st->every = every;
    llmcost_pipeline_split(st->first_layer, m->n_layers, pp); /* the split memory uses too (job.c) */
    int64_t nres = 0;
    for (int64_t s = 0; s < pp; s++) {
        int64_t k = s > 0 && same_stage(&p->sg, st->first_layer, s, s - 1, pp, every) ? st->cls[s - 1] : -1;
        for (int64_t q = 0; k < 0 && q < nres; q++)
            if (same_stage(&p->sg, st->first_layer, s, st->rep[q], pp, every))
                k = q;
        if (k < 0) {
            st->rep[nres] = s;
            k = nres++;
        }
        st->cls[s] = k;
    }
    st->nres = nres;
    return 0;
}

/*
 * Forward prefixes, for a model whose decoder layers are all one segment (Llama's, most dense models'): every
 * stage's forward then begins with the same ops, the first stage's with the embedding's and then k layers', any
 * other's with k layers' from an idle launcher. The state after each prefix is kept with the timed ops (in
 * lc_step_memo, for every pipeline degree of a search), each entry the previous one run one layer further by
 * fwd_segment: the very additions a stage's own forward makes, in the same order, so the digits are the same.
 */
typedef struct {
    bool uniform;          /* every layer is segment "layer_seg" */
    int32_t layer_seg;
    double h_fwd;          /* the host seconds the prefixes were run with */
    fwd_state *emb, *mid;  /* [k]: after the embedding and k layers / after k layers */
    int64_t n_emb, n_mid;  /* entries made */
    int64_t cap;           /* entries each array has room for (n_layers + 1) */
} fwd_prefixes;

static void fwd_prefixes_free(fwd_prefixes *fp)
{
    free(fp->emb);
    free(fp->mid);
    memset(fp, 0, sizeof *fp);
}

/* Forget the prefixes (the ops were timed again) and note whether the model's layers are one segment. */
static int fwd_prefixes_reset(fwd_prefixes *fp, const llmcost_step_prepared *p)
{
    const llmcost_model *m = p->m;
    fp->n_emb = fp->n_mid = 0;
    fp->uniform = m->n_layers > 0;
    fp->layer_seg = fp->uniform ? p->sg.layer_seg[0] : 0;
    for (int64_t l = 1; l < m->n_layers && fp->uniform; l++)
        fp->uniform = p->sg.layer_seg[l] == fp->layer_seg;
    if (fp->uniform && fp->cap < m->n_layers + 1) {
        free(fp->emb);
        free(fp->mid);
        fp->emb = malloc(((size_t)m->n_layers + 1) * sizeof *fp->emb);
        fp->mid = malloc(((size_t)m->n_layers + 1) * sizeof *fp->mid);
        fp->cap = fp->emb && fp->mid ? m->n_layers + 1 : 0;
        if (!fp->cap)
            return lc_fail(LLMCOST_ENOMEM, "out of memory");
    }
    return 0;
}

/* The forward state after the embedding (when "emb") and "nl" layers, made as far as needed. */
static const fwd_state *fwd_prefix(fwd_prefixes *fp, const timed_segments *ts, bool emb, int64_t nl, double h_fwd)
{
    if (fp->h_fwd != h_fwd) /* cannot happen within one timed key (the prepared step fixes recomputation) */
        fp->n_emb = fp->n_mid = 0, fp->h_fwd = h_fwd;
    fwd_state *v = emb ? fp->emb : fp->mid;
    int64_t *n = emb ? &fp->n_emb : &fp->n_mid;
    if (*n == 0) {
        memset(&v[0], 0, sizeof v[0]);
        if (emb)
            fwd_segment(&v[0], ts->t, ts->begin[0], ts->begin[1], h_fwd);
        *n = 1;
    }
    size_t b = ts->begin[fp->layer_seg], e = ts->begin[fp->layer_seg + 1];
    for (; *n <= nl; (*n)++) {
        v[*n] = v[*n - 1];
        fwd_segment(&v[*n], ts->t, b, e, h_fwd);
    }
    return &v[nl];
}

/* Every class of a split stage through the launch model; "fp" (NULL: none) the forward prefixes of these timed
 * ops. */
static void launch_stages(stages *st, const ctx *c, const llmcost_step_prepared *p, const timed_segments *ts,
                          fwd_prefixes *fp)
{
    double h_fwd = host_forward(lc_kernel_model_get(), c->opt->recompute);
    for (int64_t k = 0; k < st->nres; k++) {
        int64_t s = st->rep[k], first = st->first_layer[s], nl = st->first_layer[s + 1] - first;
        size_t n = stage_segments(st->segs, &p->sg, st->first_layer, s, st->pp);
        const fwd_state *start = NULL;
        size_t k0 = 0;
        if (fp && fp->uniform) { /* segs: the embedding's (stage 0), nl layers', the head's (the last stage) */
            start = fwd_prefix(fp, ts, s == 0, nl, h_fwd);
            k0 = (size_t)(s == 0) + (size_t)nl;
        }
        launch_stage(&st->launch[k], c, p, ts, st->segs, n, first, nl, start, k0);
    }
}

/* Phase 4: every distinct stage simulated once (launched: launch_stages); the slowest stage sets the micro-batch
 * time. */
static void simulate_stages(stages *st, llmcost_step *out, const ctx *c, const layer_comm *lc, int64_t micro)
{
    int64_t pp = c->L.pp;
    for (int64_t k = 0; k < st->nres; k++) {
        int64_t s = st->rep[k];
        expose_stage(&st->res[k], c, &st->launch[k], lc, s, st->first_layer[s + 1] - st->first_layer[s]);
    }
    /* Over the classes, not the stages: the maxima are the same, and the slowest stage, the first stage with the
     * largest total, is the first stage (rep) of the first class with it (classes are numbered in stage order). */
    int64_t worst = 0;
    double worst_time = 0;
    for (int64_t k = 0; k < st->nres; k++) {
        const stage_result *r = &st->res[k];
        out->comm_total[LLMCOST_ST_TP_COMM] = fmax(out->comm_total[LLMCOST_ST_TP_COMM], r->tp_raw);
        out->comm_total[LLMCOST_ST_CP_COMM] = fmax(out->comm_total[LLMCOST_ST_CP_COMM], r->cp_all);
        out->comm_total[LLMCOST_ST_EP_COMM] = fmax(out->comm_total[LLMCOST_ST_EP_COMM], r->ep_all);
        if (k == 0 || r->total > worst_time) {
            worst = st->rep[k];
            worst_time = r->total;
        }
    }
    out->comm_total[LLMCOST_ST_PP_COMM] = st->res[st->cls[pp - 1]].pp_all; /* the last stage's */
    const double *wc = st->res[st->cls[worst]].comp;
    for (int k = 0; k < LLMCOST_ST_COUNT; k++)
        out->components[k] = wc[k] * (double)micro;
    st->worst = worst;
    st->t_mb = worst_time;
    out->components[LLMCOST_ST_BUBBLE] = pp > 1 ? (double)(pp - 1) / (double)c->L.vpp * worst_time : 0;
    out->layers_per_stage = st->first_layer[worst + 1] - st->first_layer[worst];
    out->stage = worst;
}

/* Replicas of each routed expert shard: a pipeline stage's tp x cp x dp ranks over the expert_tp x ep that split
 * the experts (MoE parallel folding; memory.c's "expert data parallel"). */
static double expert_dp(const ctx *c)
{
    return fmax(1, (double)(c->L.tp * c->L.cp * c->L.dp) / ((double)c->L.ep * (double)c->etp));
}

/* Parameters this GPU holds: dense ones split over TP and PP, routed experts over EP (and PP). */
static void local_params(double *dense_local, double *expert_local, const ctx *c, const llmcost_step_prepared *p)
{
    double routed = (double)p->p.components[LLMCOST_PC_ROUTED_EXPERTS];
    *dense_local = ((double)p->p.total - routed) / ((double)c->L.tp * (double)c->L.pp);
    *expert_local = routed / ((double)c->L.ep * (double)c->etp * (double)c->L.pp);
}

/* Megatron's FP8 weight casts, once per step (fp8_extra): every linear weight this GPU holds on the slowest stage
 * (attention, dense MLP and shared experts over TP, routed experts over EP x expert TP; the embedding, LM head and
 * router stay bf16), amax then cast + transpose, 6 bytes per weight, two kernels per linear layer (seven per
 * decoder layer, the layer's own count for MLA and MoE taken as seven too). */
static void fp8_weight_casts(llmcost_step *out, const ctx *c, const llmcost_step_prepared *p)
{
    if (c->opt->precision != LLMCOST_PREC_FP8 || c->eager)
        return;
    const int64_t *pc = p->p.components;
    double pp = (double)c->L.pp;
    double dense = (double)(pc[LLMCOST_PC_ATTENTION] + pc[LLMCOST_PC_MLP] + pc[LLMCOST_PC_SHARED_EXPERTS]);
    double w = dense / ((double)c->L.tp * pp) +
               (double)pc[LLMCOST_PC_ROUTED_EXPERTS] / ((double)c->L.ep * (double)c->etp * pp);
    out->components[LLMCOST_ST_MEMORY_BOUND] += lc_stream_seconds(c->g, 6 * w, 14 * (double)out->layers_per_stage);
}

/* Trainable parameter tensors on this GPU (the optimizer in backward steps each from its own hook): under adapters
 * A and B per adapted matrix (and DoRA's magnitude); otherwise every Linear weight (each routed expert's), two norms
 * per layer, the final norm, the embedding and an untied head. Biases are not counted. */
static double trainable_tensors(const ctx *c)
{
    const llmcost_model *m = c->m;
    double n = 0;
    if (c->ft) {
        n = c->ft->adapted * (c->ft->dora ? 3 : 2);
        return n / (double)c->L.pp;
    }
    lc_ft_mat ms[24];
    for (int64_t i = 0; i < m->n_layers; i++) {
        int k = lc_ft_layer_mats(ms, m, &m->layers[i]);
        for (int j = 0; j < k; j++)
            n += (double)ms[j].count;
        n += 2;
    }
    n += 2 + (m->tied ? 0 : 1);
    return n / (double)c->L.pp;
}

/*
 * The memory savers' time (docs/formulas.md "Memory savers: step time"), after the stages and the optimizer:
 * - activation offloading: each micro-batch's kept layer tensors (the memory engine's offload_copy_bytes) cross the
 *   host link to the host in forward and back in backward, on a side stream (torchtune's OffloadActivations,
 *   use_streams): each direction hides behind that pass's GPU work, the excess is exposed;
 * - paged optimizer states: no traffic while the job fits the GPU with them (the driver keeps their pages there);
 *   past that, all of them migrate in for the optimizer's read and out again every step (a cycle past the room);
 * - optimizer in backward: one optimizer step per trainable tensor, each OPTIMIZER_KERNELS launches from a hook; the
 *   same bytes, so only launches beyond the optimizer's GPU time count.
 */
/* (Reads of c->mem: reserved_bytes, cuda_context_bytes, paged_optimizer_bytes, offload_copy_bytes only; the planner
 * passes just these, lc_step_compute_memo_savers: another field read here must be kept there too.) */
static void savers_time(llmcost_step *out, const ctx *c, const stages *st, int64_t micro)
{
    const lc_kernel_model *km = lc_kernel_model_get();
    double bw = c->g->host_bw;
    if (c->mem && c->job && c->job->activation_offload) {
        out->host_bw = bw;
        out->offload_bytes = c->mem->offload_copy_bytes * (double)micro;
        if (bw > 0) {
            const stage_launch *sl = &st->launch[st->cls[st->worst]];
            double each = c->mem->offload_copy_bytes / bw;
            double exposed = fmax(0, each - sl->fwd) + fmax(0, each - sl->bwd);
            out->offload_seconds = 2 * each * (double)micro;
            out->offload_exposed_seconds = exposed * (double)micro;
            out->components[LLMCOST_ST_MEMORY_BOUND] += out->offload_exposed_seconds;
        }
    }
    if (c->mem && c->mem->paged_optimizer_bytes > 0) {
        out->host_bw = bw;
        /* Past the GPU's memory every paged byte crosses, not only the excess: bitsandbytes steps the parameters
         * in the same order every step and prefetches each one's states just before its update (optimizer.py
         * Optimizer8bit.step -> prefetch_state -> cudaMemPrefetchAsync), and the driver makes room by evicting
         * the chunks migrated longest ago; in a cycle longer than the room it holds, every state has been evicted
         * by the time it is needed again (the LRU cliff), so each comes in and goes out once a step. */
        double need = c->mem->reserved_bytes + c->mem->cuda_context_bytes + c->mem->paged_optimizer_bytes;
        double over = need > c->g->memory_bytes ? c->mem->paged_optimizer_bytes : 0;
        out->paging_bytes = 2 * over;
        if (bw > 0 && over > 0) {
            out->paging_seconds = out->paging_bytes / bw;
            out->components[LLMCOST_ST_OPTIMIZER] += out->paging_seconds;
        }
    }
    if (c->oib) {
        double steps = trainable_tensors(c);
        double host = steps * OPTIMIZER_KERNELS * km->host_fwd;
        double gpu = out->components[LLMCOST_ST_OPTIMIZER] - OPTIMIZER_KERNELS * km->host_fwd - out->paging_seconds;
        out->hook_steps = steps;
        out->hook_launch_seconds = fmax(0, host - fmax(0, gpu));
        out->components[LLMCOST_ST_LAUNCH] += out->hook_launch_seconds;
    }
}

/* Phase 5: the optimizer step. */
static void optimizer_time(llmcost_step *out, const ctx *c, const llmcost_step_prepared *p)
{
    if (c->ft) { /* adapters: only they are updated */
        ft_optimizer_time(out, c);
        return;
    }
    double dense_local, expert_local;
    local_params(&dense_local, &expert_local, c, p);
    /* Optimizer: fused AdamW streams weights, gradients and states once: it reads the master (or the weights),
     * the gradient and every state, and writes the master, the states and (mixed precision) the low-precision
     * copy. Bytes per parameter from the one precision-recipe table (job.c), as memory holds them: fp32 28,
     * bf16 14, bf16-master 30, fp8 22 (DeepSeek-V3's bf16 moments); 8-bit AdamW two 1-byte moments (Dettmers et
     * al. 2022), SGD one momentum buffer, Adafactor factored second moments (negligible) and no first moment
     * (Shazeer & Stern 2018). */
    const llmcost_param_bytes *pb = &out->param_bytes;
    double param_bytes = pb->weights;
    double opt_bytes = pb->master > 0 ? 2 * pb->master + pb->gradients + 2 * pb->states + pb->weights
                                      : 2 * pb->weights + pb->gradients + 2 * pb->states;
    double zero_div_dense = c->L.zero >= 1 ? (double)(c->L.dp * c->L.cp) : 1;
    double zero_div_exp = c->L.zero >= 1 ? expert_dp(c) : 1;
    double opt_params = dense_local / zero_div_dense + expert_local / zero_div_exp;
    /* Fused AdamW streams at its measured fraction of the bandwidth (it computes more per byte than a copy). */
    const lc_kernel_model *km = lc_kernel_model_get();
    double adam_eta = km->adamw_eta[param_bytes > 2 ? 1 : 0];
    out->components[LLMCOST_ST_OPTIMIZER] =
        opt_bytes * opt_params / (lc_memory_bw(c->g) * adam_eta) + OPTIMIZER_KERNELS * km->host_fwd;
}

/*
 * The gradient buckets of one reduction (a share of the gradients each, the last the remainder): Megatron-Core's
 * default bucket_size, max(40M, 1M x dp_cp) parameters; for the other (PyTorch) frameworks DDP's 25 MiB of
 * gradients without ZeRO and DeepSpeed's reduce_bucket_size, 5e8 elements, under ZeRO-1/2 (transformers' Trainer
 * shards the optimizer through DeepSpeed); FSDP / ZeRO-3 reduce-scatters each wrapped unit's gradients as its
 * backward ends: one bucket per decoder layer of the stage. "elems": the local gradient elements, "gbytes": bytes
 * per gradient element.
 */
static void dp_buckets(double *nb, double *share, const ctx *c, double elems, double gbytes, int64_t layers)
{
    *nb = 1, *share = 1;
    if (!(elems > 0))
        return;
    double per;
    if (c->L.zero >= 3)
        per = layers > 0 ? elems / (double)layers : elems;
    else if (c->opt->ddp_bucket_size > 0) /* the job's (the options are resolved: the current version) */
        per = (double)c->opt->ddp_bucket_size;
    else if (c->opt->framework == LLMCOST_FW_MEGATRON)
        per = fmax(MEGATRON_BUCKET_PARAMS, MEGATRON_BUCKET_PER_DP * (double)(c->L.dp * c->L.cp));
    else if (c->L.zero >= 1)
        per = DEEPSPEED_BUCKET_ELEMS;
    else
        per = DDP_BUCKET_BYTES / (gbytes > 0 ? gbytes : 2);
    if (per >= elems)
        return;
    *nb = ceil(elems / per - 1e-9);
    *share = per / elems;
}

/* Phase 6: data parallelism: gradients reduced over dp*cp replicas (experts over dp*cp/ep) in buckets, each as
 * soon as backward has produced it, behind the last micro-batch's backward (lc_dp_bucket_exposed); ZeRO-1/2 gather
 * updated weights after the step; ZeRO-3 gathers weights for every micro-batch's forward and backward (Rajbhandari
 * et al. 2020 §7: 1.5x the traffic). Hidden communication takes NCCL_COMM_SMS SMs from the compute beside it. */
static int dp_traffic(llmcost_step *out, const ctx *c, const llmcost_step_prepared *p, const stages *st,
                      int64_t micro, comm_memo *cm)
{
    const llmcost_gpu *gpu = c->g;
    const llmcost_step_options *opt = c->opt;
    double dense_local, expert_local;
    local_params(&dense_local, &expert_local, c, p);
    double grad_bytes = out->param_bytes.gradients, param_bytes = out->param_bytes.weights;
    double dp_exposed = 0, dp_total = 0;
    int64_t dpg = c->L.dp * c->L.cp;
    int rc;
    if (dpg > 1 || expert_dp(c) > 1) { /* folded experts can have replicas with dp x cp = 1 */
        llmcost_comm_group gd = llmcost_comm_group_of(dpg, c->L.tp, gpu->scaleup_size);
        /* Experts: over their expert-data-parallel replicas, ep x expert_tp ranks apart. */
        llmcost_comm_group ge = llmcost_comm_group_of((int64_t)expert_dp(c), c->etp * c->L.ep, gpu->scaleup_size);
        double grads_d = dense_local * grad_bytes, grads_e = expert_local * grad_bytes;
        double w_d = dense_local * param_bytes, w_e = expert_local * param_bytes;
        if (c->ft) /* adapters: only their gradients are reduced */
            ft_dp_bytes(c, &grads_d, &grads_e, &w_d, &w_e);
        const stage_launch *wl = &st->launch[st->cls[st->worst]];
        int64_t stage_layers = st->first_layer[st->worst + 1] - st->first_layer[st->worst];
        dp_comm_key k;
        memset(&k, 0, sizeof k); /* padding too: keys are compared with memcmp */
        k.zero = c->L.zero >= 1, k.grads_d = grads_d, k.grads_e = grads_e, k.w_d = w_d, k.w_e = w_e;
        /* Buckets by gradient elements, dense and expert together: each bucket carries its share of both, the dense
         * part over the DP group and the expert part over the expert-DP group. */
        dp_buckets(&k.nb, &k.share, c, grad_bytes > 0 ? (grads_d + grads_e) / grad_bytes : 0, grad_bytes,
                   stage_layers);
        k.gd = gd, k.ge = ge, k.comm = opt->comm;
        double reduce, gather, b_full, b_last;
        if (cm && cm->have_dp && memcmp(&k, &cm->dp_key, sizeof k) == 0) {
            reduce = cm->reduce, gather = cm->gather, b_full = cm->bucket_full, b_last = cm->bucket_last;
        } else {
            llmcost_comm_cost a, b2;
            llmcost_collective red = c->L.zero >= 1 ? LLMCOST_COLL_REDUCE_SCATTER : LLMCOST_COLL_ALL_REDUCE;
            double last_share = k.nb > 1 ? fmax(0, 1 - (k.nb - 1) * k.share) : 1;
            if ((rc = llmcost_comm_time(&a, gpu, red, grads_d * k.share, &gd, &opt->comm)) ||
                (rc = llmcost_comm_time(&b2, gpu, red, grads_e * k.share, &ge, &opt->comm)))
                return rc;
            b_full = a.seconds + b2.seconds;
            if ((rc = llmcost_comm_time(&a, gpu, red, grads_d * last_share, &gd, &opt->comm)) ||
                (rc = llmcost_comm_time(&b2, gpu, red, grads_e * last_share, &ge, &opt->comm)))
                return rc;
            b_last = a.seconds + b2.seconds;
            reduce = k.nb > 1 ? (k.nb - 1) * b_full + b_last : b_last;
            gather = 0;
            if (c->L.zero >= 1) {
                if ((rc = llmcost_comm_time(&a, gpu, LLMCOST_COLL_ALL_GATHER, w_d, &gd, &opt->comm)) ||
                    (rc = llmcost_comm_time(&b2, gpu, LLMCOST_COLL_ALL_GATHER, w_e, &ge, &opt->comm)))
                    return rc;
                gather = a.seconds + b2.seconds;
            }
            if (cm) {
                cm->dp_key = k, cm->reduce = reduce, cm->gather = gather;
                cm->bucket_full = b_full, cm->bucket_last = b_last;
                cm->have_dp = true;
            }
        }
        /* The slowest stage's forward and backward of one micro-batch, op by op (summed by launch_stage). */
        double bwd_mb = wl->bwd, fwd_mb = wl->fwd, units = (double)gpu->compute_units;
        double red_x = lc_dp_bucket_exposed(bwd_mb, k.nb, k.share, b_full, b_last, units);
        /* A gather behind a forward (or backward): what exceeds it shows, the rest takes NCCL's SMs. */
        double sm = nccl_sm_share(units);
        double gat_f = gather > 0 ? fmax(0, gather - fwd_mb) + fmin(gather, fwd_mb) * sm : 0;
        double gat_b = gather > 0 ? fmax(0, gather - bwd_mb) + fmin(gather, bwd_mb) * sm : 0;
        if (c->L.zero <= 1) {
            dp_total = reduce + gather;
            dp_exposed = red_x + gat_f;
        } else if (c->L.zero == 2) {
            dp_total = reduce * (double)micro + gather;
            dp_exposed = (double)micro * red_x + gat_f;
        } else {
            dp_total = (double)micro * (reduce + 2 * gather);
            dp_exposed = (double)micro * (red_x + gat_f + gat_b);
        }
    }
    out->components[LLMCOST_ST_DP_COMM] = dp_exposed;
    out->comm_total[LLMCOST_ST_DP_COMM] = dp_total;
    return 0;
}

/* Phase 7: the step's totals, throughput and utilisation. */
static void totals(llmcost_step *out, const ctx *c, const llmcost_step_prepared *p, int64_t micro, int64_t gb,
                   double t_mb)
{
    const llmcost_step_options *opt = c->opt;
    const lc_kernel_model *km = lc_kernel_model_get();
    for (int k = LLMCOST_ST_TP_COMM; k <= LLMCOST_ST_PP_COMM; k++)
        out->comm_total[k] *= (double)micro;
    out->step_seconds = 0;
    for (int k = 0; k < LLMCOST_ST_COUNT; k++)
        out->step_seconds += out->components[k];
    out->micro_batch_seconds = t_mb;
    out->micro_batches = micro;
    out->global_batch = gb;
    out->layout = c->L;
    out->tokens_per_step = (double)gb * (double)opt->seq;
    out->tokens_per_second = out->tokens_per_step / out->step_seconds;
    out->tokens_per_second_per_gpu = out->tokens_per_second / (double)c->L.gpus;
    double per_mb = (double)gb / (double)opt->micro_batch;
    double mb_model = p->f.model_flops, mb_hardware = p->f.hardware_flops;
    if (c->ft) /* adapters: no weight gradients of the base, the adapters' own FLOPs */
        ft_flops(c, p, &mb_model, &mb_hardware);
    int64_t every = ckpt_every(opt), nlayers = p->m->n_layers;
    if (every > 1 && nlayers > 0) /* per-layer checkpointing: the recomputed forward of floor(L / N) of the L layers
                                     (their share of the layers' recomputation: exact when the layers are alike) */
        mb_hardware = mb_model + (mb_hardware - mb_model) * (double)(nlayers / every) / (double)nlayers;
    out->model_flops_per_step = mb_model * per_mb;
    out->hardware_flops_per_step = mb_hardware * per_mb;
    out->achieved_flops_per_gpu = out->model_flops_per_step / out->step_seconds / (double)c->L.gpus;
    out->mfu = out->achieved_flops_per_gpu / out->peak_flops;
    out->hfu = out->hardware_flops_per_step / out->step_seconds / (double)c->L.gpus / out->peak_flops;
    /* The efficiency large 16-bit GEMMs reach on this GPU: the H200 fit scaled by its measured matmul rate. */
    out->gemm_efficiency = fmin(lc_gemm_eta_cap(c->g, false), km->gemm_eta * lc_gemm_eta_scale(c->g, false));
    out->copy_efficiency = km->copy_eta;
    out->host_seconds_per_kernel = km->host_fwd;
}

/*
 * What an evaluation can take from the previous one (lc_step_memo, for callers that evaluate many layouts): the
 * timed ops when everything they read is the same (the prepared shape, the GPU, tp, cp, ep, expert tp, sequence
 * parallelism, precision, framework, attention kernel, whether CP is Ulysses'), and the stages through the launch model when, besides,
 * pp is the same. Each reused figure is the output of the same function on the same inputs: the digits do not
 * change.
 */
typedef struct {
    const llmcost_step_prepared *p;
    const llmcost_gpu *gp;          /* the GPU, and every figure of it the kernel model reads */
    double peak[LLMCOST_DT_COUNT], mamf[LLMCOST_DT_COUNT], memory_bw, scaleup_bw, scaleout_bw, exp_per_second, clock;
    int scaleup_size, compute_units;
    int64_t tp, cp, ep, etp;
    double moe_pad;
    bool sp;
    llmcost_precision precision;
    llmcost_framework framework;
    llmcost_attn_impl attention;
    bool compiled;
    double loss_chunks, head_chunks;
    bool ulysses; /* cp_comm a2a with cp > 1: the attention kernel runs the whole sequence on heads / cp */
    bool ring_blocks; /* cp > 1 under a ring (p2p, torch): attention timed as the ring's per-step kernels */
} timed_key;

struct lc_step_memo {
    bool have_ts;       /* ts holds the ops timed under key */
    bool have_gpu;      /* key's GPU figures are those of the GEMM times in gemms */
    timed_key key;
    timed_segments ts;
    size_t ts_cap;      /* entries ts.t has room for */
    size_t begin_cap;   /* entries ts.begin has room for */
    size_t sel_cap, sel_begin_cap; /* ... ts.sel and ts.sel_begin */
    bool have_launch;   /* st is split for st.pp and launched on ts */
    stages st;
    fwd_prefixes pre;   /* the forward prefixes of ts */
    struct gemm_cache *gemms; /* GEMM times on key.gp */
    int64_t hits_ts, hits_launch, calls;
    bool have_gpu_ok;   /* gpu_ok passed llmcost_gpu_check: the same GPU, field for field, is not checked again */
    llmcost_gpu gpu_ok;
    bool fixed_gpus;    /* lc_step_memo_fixed_gpus: the record at gpu_ok_at is gpu_ok, field for field */
    const llmcost_gpu *gpu_ok_at;
    comm_memo comms;    /* the collectives on gpu_ok */
    bool have_attn;     /* attn is the attention kernel chosen for gpu_ok and option attn_impl */
    llmcost_attn_impl attn_impl;
    lc_attn_choice attn;
};

int lc_step_memo_new(lc_step_memo **out)
{
    *out = calloc(1, sizeof **out);
    if (*out && !((*out)->gemms = calloc(1, sizeof *(*out)->gemms))) {
        free(*out);
        *out = NULL;
    }
    return *out ? 0 : lc_fail(LLMCOST_ENOMEM, "out of memory");
}

void lc_step_memo_fixed_gpus(lc_step_memo *mm)
{
    mm->fixed_gpus = true;
}

void lc_step_memo_free(lc_step_memo *mm)
{
    if (!mm)
        return;
    timed_segments_free(&mm->ts);
    stages_free(&mm->st);
    fwd_prefixes_free(&mm->pre);
    free(mm->gemms);
    free(mm);
}

static void key_of(timed_key *k, const ctx *c, const llmcost_step_prepared *p)
{
    memset(k, 0, sizeof *k); /* padding too: keys are compared with memcmp */
    k->p = p;
    k->gp = c->g;
    memcpy(k->peak, c->g->peak_flops, sizeof k->peak);
    memcpy(k->mamf, c->g->mamf_flops, sizeof k->mamf);
    k->clock = c->g->clock_fraction;
    k->memory_bw = c->g->memory_bw, k->scaleup_bw = c->g->scaleup_bw, k->scaleout_bw = c->g->scaleout_bw;
    k->exp_per_second = c->g->exp_per_second;
    k->scaleup_size = c->g->scaleup_size, k->compute_units = c->g->compute_units;
    k->tp = c->L.tp, k->cp = c->L.cp, k->ep = c->L.ep, k->etp = c->etp, k->moe_pad = c->moe_pad;
    k->sp = c->sp;
    k->precision = c->opt->precision, k->framework = c->opt->framework, k->attention = c->opt->attention;
    k->compiled = c->compiled, k->loss_chunks = c->loss_chunks, k->head_chunks = c->head_chunks;
    k->ulysses = c->opt->cp_comm == LLMCOST_CP_A2A && c->L.cp > 1;
    k->ring_blocks = cp_ring_blocks(c->opt->cp_comm) && c->L.cp > 1;
}

/* Phase 2 into the memo's buffers (they are kept between calls). */
static int time_ops_memo(lc_step_memo *mm, const ctx *c, const llmcost_step_prepared *p)
{
    const lc_op_segments *sg = &p->sg;
    size_t need = sg->begin[sg->nseg] * (3 + FT_EXTRA) + 1;
    if (mm->ts_cap < need) {
        free(mm->ts.t);
        mm->ts.t = calloc(need, sizeof *mm->ts.t);
        mm->ts_cap = mm->ts.t ? need : 0;
    }
    if (mm->begin_cap < sg->nseg + 1) {
        free(mm->ts.begin);
        mm->ts.begin = malloc((sg->nseg + 1) * sizeof *mm->ts.begin);
        mm->begin_cap = mm->ts.begin ? sg->nseg + 1 : 0;
    }
    if (!mm->ts.t || !mm->ts.begin)
        return lc_fail(LLMCOST_ENOMEM, "out of memory");
    memset(mm->ts.t, 0, need * sizeof *mm->ts.t);
    size_t nt = 0;
    for (size_t k = 0; k < sg->nseg; k++) {
        mm->ts.begin[k] = nt;
        for (size_t i = sg->begin[k]; i < sg->begin[k + 1]; i++)
            nt += time_op(c, &sg->ops[i], &mm->ts.t[nt]);
    }
    mm->ts.begin[sg->nseg] = nt;
    /* The selective entries of each segment, for launch_stage (room for every entry: nt <= need). */
    if (mm->sel_cap < need) {
        free(mm->ts.sel);
        mm->ts.sel = malloc(need * sizeof *mm->ts.sel);
        mm->sel_cap = mm->ts.sel ? need : 0;
    }
    if (mm->sel_begin_cap < sg->nseg + 1) {
        free(mm->ts.sel_begin);
        mm->ts.sel_begin = malloc((sg->nseg + 1) * sizeof *mm->ts.sel_begin);
        mm->sel_begin_cap = mm->ts.sel_begin ? sg->nseg + 1 : 0;
    }
    if (!mm->ts.sel || !mm->ts.sel_begin)
        return lc_fail(LLMCOST_ENOMEM, "out of memory");
    size_t ns = 0;
    for (size_t k = 0; k < sg->nseg; k++) {
        mm->ts.sel_begin[k] = ns;
        for (size_t i = mm->ts.begin[k]; i < mm->ts.begin[k + 1]; i++)
            if (mm->ts.t[i].selective)
                mm->ts.sel[ns++] = i;
    }
    mm->ts.sel_begin[sg->nseg] = ns;
    return 0;
}

/* Phases 2 to 7 on a set-up context (its GEMM memo and cache are set here, for this call only); "mm" (may be NULL)
 * keeps what the next evaluation can reuse. */
static int step_run(llmcost_step *out, ctx *c, const llmcost_step_prepared *p, lc_step_memo *mm)
{
    const llmcost_step_options *opt = c->opt;
    int64_t gb = opt->global_batch, micro = gb / (opt->micro_batch * c->L.dp);
    timed_segments own_ts = {NULL, NULL, NULL, NULL}, *ts = &own_ts;
    stages own_st, *st = &own_st;
    memset(&own_st, 0, sizeof own_st);
    layer_comm lc;
    int rc;
    struct gemm_memo memo;
    memo.n = 0;
    c->memo = &memo;
    c->cache = NULL;
    if (mm) {
        timed_key k;
        key_of(&k, c, p);
        mm->calls++;
        if (mm->have_ts && memcmp(&k, &mm->key, sizeof k) == 0) {
            mm->hits_ts++;
        } else {
            mm->have_ts = mm->have_launch = false;
            /* The GEMM times are kept while the GPU and its figures are the same. */
            if (mm->gemms->gpu != c->g || !mm->have_gpu ||
                memcmp(k.peak, mm->key.peak, sizeof k.peak) || memcmp(k.mamf, mm->key.mamf, sizeof k.mamf) || k.clock != mm->key.clock ||
                k.memory_bw != mm->key.memory_bw ||
                k.compute_units != mm->key.compute_units) {
                memset(mm->gemms, 0, sizeof *mm->gemms);
                mm->gemms->gpu = c->g;
                mm->have_gpu = true;
            }
            c->cache = mm->gemms;
            if ((rc = time_ops_memo(mm, c, p)) != 0 || (rc = fwd_prefixes_reset(&mm->pre, p)) != 0)
                return rc;
            mm->key = k;
            mm->have_ts = true;
        }
        ts = &mm->ts;
        st = &mm->st;
        if (mm->have_launch && st->pp == c->L.pp && st->every == ckpt_every(c->opt)) {
            mm->hits_launch++;
        } else {
            mm->have_launch = false;
            if ((rc = split_stages(st, p, c->L.pp, ckpt_every(c->opt))) != 0)
                return rc;
            launch_stages(st, c, p, ts, &mm->pre);
            mm->have_launch = true;
        }
    } else {
        if ((rc = time_ops(ts, c, p)) != 0)
            return rc;
        if ((rc = split_stages(st, p, c->L.pp, ckpt_every(c->opt))) != 0) {
            timed_segments_free(ts);
            return rc;
        }
        launch_stages(st, c, p, ts, NULL);
    }
    comm_memo *cmm = mm ? &mm->comms : NULL;
    if ((rc = layer_comms_memo(&lc, c, cmm)) == 0) {
        simulate_stages(st, out, c, &lc, micro);
        optimizer_time(out, c, p);
        savers_time(out, c, st, micro);
        fp8_weight_casts(out, c, p);
        if ((rc = dp_traffic(out, c, p, st, micro, cmm)) == 0)
            totals(out, c, p, micro, gb, st->t_mb);
    }
    if (!mm) {
        timed_segments_free(&own_ts);
        stages_free(&own_st);
    }
    return rc;
}

/* The job validated and resolved into step options (the same rules as the memory engine's). */
static int resolve_job(llmcost_step_options *resolved, llmcost_job *jv, const llmcost_model *m, const llmcost_job *job)
{
    *jv = *job;
    int rc = llmcost_job_validate(jv, m);
    if (rc)
        return rc;
    llmcost_job_step_options(resolved, jv);
    return 0;
}

/* No step is returned with a NaN or infinite figure (ranges.h): the inputs are in range, so this is a backstop. */
static int step_finite(llmcost_step *out, const llmcost_gpu *gpu)
{
    const double v[] = {out->step_seconds, out->tokens_per_second, out->model_flops_per_step,
                        out->hardware_flops_per_step, out->mfu, out->hfu};
    static const char *const names[] = {"step_seconds", "tokens_per_second", "model_flops_per_step",
                                        "hardware_flops_per_step", "mfu", "hfu"};
    bool ok = true;
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++)
        ok &= isfinite(v[i]) != 0;
    if (ok) /* the message is made only on failure: the planner calls this a million times */
        return 0;
    char cause[160];
    snprintf(cause, sizeof cause, "the job's batch of %g tokens on %.48s", out->tokens_per_step, gpu->name);
    int rc = lc_finite("step", v, names, (int)(sizeof v / sizeof v[0]), cause);
    memset(out, 0, sizeof *out);
    return rc;
}

int llmcost_step_compute(llmcost_step *out, const llmcost_model *m, const llmcost_gpu *gpu,
                         const llmcost_step_options *opt)
{
    memset(out, 0, sizeof *out);
    int rc = opt && opt->version >= 1 && opt->version <= 3 ? 0 : LC_CHECK_VERSION(opt, STEP_OPTIONS, step_options); /* 1: no MoE fields, 2: no cp_comm, 3: no ddp_bucket_size */
    if (rc || (rc = LC_CHECK_VERSION(&opt->comm, COMM_OPTIONS, comm_options)))
        return rc;
    llmcost_job j;
    llmcost_job_from_step_options(&j, opt);
    return llmcost_job_step(out, m, gpu, &j);
}

int llmcost_job_step(llmcost_step *out, const llmcost_model *m, const llmcost_gpu *gpu, const llmcost_job *job)
{
    memset(out, 0, sizeof *out);
    /* Every rule of the layout and the batch is checked once, by the job (job.c). */
    llmcost_job jv;
    llmcost_step_options resolved;
    ctx c;
    llmcost_step_prepared p;
    lc_ft_step ft;
    llmcost_memory mem;
    int rc = resolve_job(&resolved, &jv, m, job);
    lc_attn_choice attn;
    if (rc || (rc = step_setup(&c, out, m, gpu, &resolved, &jv, true, &attn, false)) != 0 ||
        (rc = ft_resolve(&ft, &c.ft, m, &jv)) != 0)
        return rc;
    /* The memory savers (version 4): torch.compile, the chunked loss and the optimizer in backward change the ops'
     * times; offloading and paging need the job's memory (what crosses the host link). */
    c.job = &jv;
    if (jv.version >= 4) {
        c.compiled = jv.compile;
        if (jv.chunked_loss > 1)
            c.loss_chunks = c.head_chunks = (double)jv.chunked_loss;
        c.oib = jv.optimizer_in_backward;
        if (jv.activation_offload || llmcost_optimizer_paged(jv.optimizer)) {
            if ((rc = llmcost_job_memory(&mem, m, &jv)) != 0)
                return rc;
            c.mem = &mem;
        }
    }
    if ((rc = prepare(&p, m, &resolved)) != 0)
        return rc;
    lc_ft_adapter_param_bytes(&c.ft_ab, &jv);
    rc = step_run(out, &c, &p, NULL);
    prepared_release(&p);
    return rc ? rc : step_finite(out, gpu);
}

int llmcost_step_prepare(llmcost_step_prepared **out, const llmcost_model *m, const llmcost_step_options *opt)
{
    return lc_step_prepare_finetune(out, m, opt, NULL);
}

int lc_step_prepare_finetune(llmcost_step_prepared **out, const llmcost_model *m, const llmcost_step_options *opt,
                             const llmcost_finetune *ft)
{
    *out = NULL;
    int rc = opt && opt->version >= 1 && opt->version <= 3 ? 0 : LC_CHECK_VERSION(opt, STEP_OPTIONS, step_options); /* 1: no MoE fields, 2: no cp_comm, 3: no ddp_bucket_size */
    if (rc)
        return rc;
    llmcost_job j, jv;
    llmcost_step_options resolved;
    llmcost_job_from_step_options(&j, opt);
    if (ft)
        j.finetune = *ft;
    if ((rc = resolve_job(&resolved, &jv, m, &j)) != 0)
        return rc;
    llmcost_step_prepared *p = malloc(sizeof *p);
    if (!p)
        return lc_fail(LLMCOST_ENOMEM, "out of memory");
    if ((rc = prepare(p, m, &resolved)) != 0) {
        free(p);
        return rc;
    }
    /* The adapters as llmcost_job_step resolves them (ft_resolve), once: every layout of a search shares them. */
    if (ft && (ft->method == LLMCOST_FT_LORA || ft->method == LLMCOST_FT_QLORA)) {
        const lc_ft_step *dummy;
        p->finetune = jv.finetune;
        if (!(p->ft = malloc(sizeof *p->ft)))
            rc = lc_fail(LLMCOST_ENOMEM, "out of memory");
        else
            rc = ft_resolve(p->ft, &dummy, m, &jv);
        if (rc) {
            llmcost_step_prepared_free(p);
            return rc;
        }
    }
    *out = p;
    return 0;
}

/* Which field of the micro-batch's shape "fo" (made from the options) differs from the prepared one; NULL: none. */
static const char *shape_mismatch(const llmcost_flops_options *fo, const llmcost_flops_options *prep)
{
    if (fo->batch != prep->batch)
        return "micro_batch";
    if (fo->seq != prep->seq)
        return "seq";
    if (fo->attention != prep->attention)
        return "attention";
    if (fo->recompute != prep->recompute)
        return "recompute";
    if (fo->convention != prep->convention)
        return "convention";
    if (fo->expert_act_bytes != prep->expert_act_bytes)
        return "precision (the experts' dtype)";
    return NULL;
}

static int compute_prepared(llmcost_step *out, const llmcost_step_prepared *prep, const llmcost_gpu *gpu,
                            const llmcost_step_options *opt, lc_step_memo *mm, const llmcost_job *sv,
                            const llmcost_memory *mem)
{
    memset(out, 0, sizeof *out);
    int rc = opt && opt->version >= 1 && opt->version <= 3 ? 0 : LC_CHECK_VERSION(opt, STEP_OPTIONS, step_options); /* 1: no MoE fields, 2: no cp_comm, 3: no ddp_bucket_size */
    if (rc || (rc = LC_CHECK_VERSION(&opt->comm, COMM_OPTIONS, comm_options)))
        return rc;
    llmcost_job j, jv;
    llmcost_step_options resolved;
    ctx c;
    llmcost_job_from_step_options(&j, opt);
    if (prep->ft)
        j.finetune = prep->finetune; /* the adapters the step was prepared with (lc_step_prepare_finetune) */
    if (mm) {
        /* lc_step_compute_memo: the caller validated this job (llmcost_job_validate) and resolved its layout. */
        jv = j;
        llmcost_job_step_options(&resolved, &jv);
    } else if ((rc = resolve_job(&resolved, &jv, prep->m, &j)) != 0) {
        return rc;
    }
    llmcost_flops_options fo;
    micro_batch_flops_options(&fo, &resolved);
    const char *field = shape_mismatch(&fo, &prep->fo);
    if (field)
        return lc_fail(LLMCOST_EINVAL, "step options: %s differs from the options the step was prepared with "
                       "(llmcost_step_prepare)", field);
    bool checked = mm && mm->have_gpu_ok &&
                   ((mm->fixed_gpus && mm->gpu_ok_at == gpu) || memcmp(&mm->gpu_ok, gpu, sizeof *gpu) == 0);
    if (checked)
        mm->gpu_ok_at = gpu; /* the same fields, perhaps at another address */
    if (mm && !checked) /* the collectives were timed on another GPU, or on none yet */
        mm->comms.have_layer = mm->comms.have_dp = false;
    lc_attn_choice own_attn, *attn = mm ? &mm->attn : &own_attn;
    bool attn_known = checked && mm->have_attn && mm->attn_impl == resolved.attention;
    if (mm)
        mm->have_attn = false; /* until chosen for this GPU and option */
    if ((rc = step_setup(&c, out, prep->m, gpu, &resolved, &jv, !checked, attn, attn_known)) != 0)
        return rc;
    if (mm) {
        mm->have_attn = true;
        mm->attn_impl = resolved.attention;
    }
    c.ft = prep->ft;
    lc_ft_adapter_param_bytes(&c.ft_ab, &jv);
    /* The memory savers (lc_step_compute_memo_savers), set as llmcost_job_step sets them for the job with them: the
     * memo keys on what they change in the timed ops (compile, the chunks), the rest is read after it. */
    if (sv) {
        c.job = sv;
        c.compiled = sv->compile;
        if (sv->chunked_loss > 1)
            c.loss_chunks = c.head_chunks = (double)sv->chunked_loss;
        c.oib = sv->optimizer_in_backward;
    }
    c.mem = mem;
    if (mm && !checked) {
        mm->gpu_ok = *gpu;
        mm->gpu_ok_at = gpu;
        mm->have_gpu_ok = true;
    }
    rc = step_run(out, &c, prep, mm);
    return rc ? rc : step_finite(out, gpu);
}

int llmcost_step_compute_prepared(llmcost_step *out, const llmcost_step_prepared *prep, const llmcost_gpu *gpu,
                                  const llmcost_step_options *opt)
{
    return compute_prepared(out, prep, gpu, opt, NULL, NULL, NULL);
}

int lc_step_compute_memo(llmcost_step *out, const llmcost_step_prepared *prep, const llmcost_gpu *gpu,
                         const llmcost_step_options *opt, lc_step_memo *mm)
{
    return compute_prepared(out, prep, gpu, opt, mm, NULL, NULL);
}

int lc_step_compute_memo_savers(llmcost_step *out, const llmcost_step_prepared *prep, const llmcost_gpu *gpu,
                                const llmcost_step_options *opt, lc_step_memo *mm, const llmcost_job *sv,
                                const llmcost_memory *mem)
{
    return compute_prepared(out, prep, gpu, opt, mm, sv, mem);
}

void llmcost_step_prepared_free(llmcost_step_prepared *prep)
{
    if (!prep)
        return;
    prepared_release(prep);
    free(prep);
}

void llmcost_step_constants_get(llmcost_step_constants *out)
{
    const lc_kernel_model *km = lc_kernel_model_get();
    out->gemm_efficiency = km->gemm_eta;
    out->gemm_k0 = km->gemm_k0;
    out->grouped_efficiency = km->grouped_eta;
    out->unaligned_efficiency = km->unaligned_eta;
    out->attention_efficiency[0] = km->attn_eta[0];
    out->attention_efficiency[1] = km->attn_eta[1];
    out->copy_efficiency = km->copy_eta;
    out->host_forward_seconds = km->host_fwd;
    out->host_backward_seconds = km->host_bwd;
    out->host_recompute_seconds = km->host_recompute;
    out->gemm_cases = km->gemm_cases;
    out->attention_cases = km->attn_cases;
    out->gemm_rms_error = km->gemm_rms_log;
}
