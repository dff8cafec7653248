/* job.c - one training job: its defaults, the one validation of its layout and batch, the precision-recipe
 * table and the pipeline stage split that the memory and step engines share. */
#include <stdio.h>
#include <math.h>
#include <string.h>

#include "internal.h"
#include "llmcost/job.h"

const char *const llmcost_job_fields[] = {
    "seq", "micro_batch", "global_batch", "grad_accum", "precision", "optimizer", "recompute", "attention",
    "framework", "convention", "expert_tp", "headroom", "layout.gpus", "layout.tp", "layout.pp", "layout.vpp",
    "layout.dp", "layout.cp", "layout.ep", "layout.zero", "act_cache", "recompute_modules", "pipeline", "ema",
    "cp_comm", "recompute_every", "ddp_bucket_size", "moe_shared_expert_overlap", NULL};

int llmcost_job_init(llmcost_job *j)
{
    if (!j)
        return lc_fail(LLMCOST_EINVAL, "llmcost_job_init: NULL job");
    static const llmcost_job d = LLMCOST_JOB_INIT; /* made once, not on every call (the planner makes ~500,000) */
    *j = d;
    return 0;
}

/*
 * The precision recipes, bytes per parameter. Sources:
 *   fp32: everything fp32 (PyTorch's default dtype).
 *   amp-bf16: torch.autocast keeps the fp32 weights, gradients and optimizer states (bf16 only inside matmuls).
 *   bf16: the model cast to bf16, AdamW's states created like the parameters (torch.optim: zeros_like(p)).
 *   bf16-master: Megatron-LM / DeepSpeed mixed precision: bf16 weights, fp32 main gradients (Megatron's default
 *     --accumulate-allreduce-grads-in-fp32; bf16 with fp32_grads off), fp32 master weights and fp32 moments.
 *   fp8: DeepSeek-V3's recipe (arXiv 2412.19437 §3.3.2, "Low-Precision Storage and Communication"): "we adopt the
 *     BF16 data format instead of FP32 to track the first and second moments in the AdamW optimizer ... the master
 *     weights (stored by the optimizer) and gradients (used for batch size accumulation) are still retained in
 *     FP32"; the weights the GEMMs read are bf16 (cast to fp8 per tile). Step used fp32 moments here before, memory
 *     bf16: the moments are what the recipe stores, so both now read this table.
 *   fp16: mixed precision with loss scaling (Micikevicius et al. 2018, "Mixed Precision Training", §3: fp16 weights,
 *     activations and gradients, an fp32 master copy of the weights; Rajbhandari et al. 2020, ZeRO §3.1: "2Ψ + 2Ψ
 *     + 12Ψ" bytes for fp16 parameters, fp16 gradients and fp32 parameters, momentum and variance); Megatron-LM
 *     --fp16 keeps its main gradients in fp16 unless --accumulate-allreduce-grads-in-fp32, so fp32_grads (a
 *     bf16-master switch) does not apply. The dynamic loss scale is three scalars (the fp32 scale, an int32 growth
 *     tracker and an fp32 found-inf flag: torch.cuda.amp.GradScaler, Megatron's DynamicGradScaler), 12 bytes per GPU:
 *     named, not counted.
 */
static const struct {
    double weights, gradients, gradients_bf16, master, moment;
} recipes[LLMCOST_PREC_COUNT] = {
    [LLMCOST_PREC_FP32] = {4, 4, 4, 0, 4},
    [LLMCOST_PREC_AMP_BF16] = {4, 4, 4, 0, 4},
    [LLMCOST_PREC_BF16] = {2, 2, 2, 0, 2},
    [LLMCOST_PREC_BF16_MASTER] = {2, 4, 2, 4, 4},
    [LLMCOST_PREC_FP8] = {2, 4, 4, 4, 2},
    [LLMCOST_PREC_FP16] = {2, 2, 2, 4, 4},
};

bool llmcost_optimizer_paged(llmcost_optimizer o)
{
    return o == LLMCOST_OPTIM_PAGED_ADAMW || o == LLMCOST_OPTIM_PAGED_ADAMW_8BIT;
}

/* The memory savers (version 4) that need no layout. */
const char *lc_saver_given(int64_t chunked_loss, bool optimizer_in_backward, bool activation_offload, bool compile)
{
    return chunked_loss > 1         ? "chunked_loss"
           : optimizer_in_backward ? "optimizer_in_backward"
           : activation_offload    ? "activation_offload"
           : compile               ? "compile = true"
                                   : NULL;
}

static int savers_check(const llmcost_job *j)
{
    if (j->chunked_loss < 0)
        return lc_fail(LLMCOST_EINVAL, "chunked_loss = %lld must be 0 (whole) or a number of chunks",
                       (long long)j->chunked_loss);
    if (j->chunked_loss > j->seq * j->micro_batch)
        return lc_fail(LLMCOST_EINVAL, "chunked_loss = %lld chunks is more than the micro-batch's %lld tokens",
                       (long long)j->chunked_loss, (long long)(j->seq * j->micro_batch));
    const char *given = lc_saver_given(j->chunked_loss, j->optimizer_in_backward, j->activation_offload, j->compile);
    if (given && !llmcost_framework_eager(j->framework))
        return lc_fail(LLMCOST_EUNSUPPORTED, "%s: the memory savers (chunked loss, optimizer in backward, activation "
                       "offload, compile) are modelled for the PyTorch eager profiles (hf, torchtune, litgpt) only",
                       given);
    /* LitGPT's finetune scripts offer none of them: their loss is always chunked by 128 tokens (the litgpt
     * profile's), and they have no compile, optimizer-in-backward or activation-offloading option. */
    if (given && j->framework == LLMCOST_FW_LITGPT)
        return lc_fail(LLMCOST_EUNSUPPORTED, "%s: LitGPT's finetune scripts offer none of the memory savers (its loss "
                       "is always chunked by 128 tokens); give framework = torchtune or hf to model them", given);
    return 0;
}

/* The frozen base's quantisation each fine-tuning framework offers (docs/formulas.md "Framework profiles"):
 * torchtune quantises with torchao's to_nf4 only (LoRALinear(quantize_base=True)); LitGPT with bitsandbytes
 * (--quantize bnb.nf4, bnb.nf4-dq, bnb.fp4, bnb.fp4-dq, bnb.int8-training), not AWQ's int4. */
static int framework_quant_check(const llmcost_job *j)
{
    if (j->version < 2 || j->finetune.method != LLMCOST_FT_QLORA)
        return 0;
    llmcost_quant q = j->finetune.quant;
    if (j->framework == LLMCOST_FW_TORCHTUNE && q != LLMCOST_QUANT_NONE && q != LLMCOST_QUANT_NF4)
        return lc_fail(LLMCOST_EUNSUPPORTED, "quant = %s: torchtune quantises the frozen base with torchao's NF4 only "
                       "(quantize_base: to_nf4); give quant = nf4", llmcost_quant_name(q));
    if (j->framework == LLMCOST_FW_LITGPT && q == LLMCOST_QUANT_INT4)
        return lc_fail(LLMCOST_EUNSUPPORTED, "quant = int4: LitGPT quantises with bitsandbytes (bnb.nf4, bnb.fp4, "
                       "bnb.int8-training), not AWQ's group-wise int4");
    return 0;
}

void llmcost_job_param_bytes(llmcost_param_bytes *out, const llmcost_job *j)
{
    memset(out, 0, sizeof *out);
    unsigned p = (unsigned)j->precision < LLMCOST_PREC_COUNT ? (unsigned)j->precision : LLMCOST_PREC_BF16;
    out->weights = recipes[p].weights;
    out->gradients = j->fp32_grads ? recipes[p].gradients : recipes[p].gradients_bf16;
    out->master = recipes[p].master;
    out->moment = recipes[p].moment;
    switch (j->optimizer) {
    case LLMCOST_OPTIM_ADAMW:
        out->states = 2 * out->moment;
        break;
    case LLMCOST_OPTIM_PAGED_ADAMW:
        /* bitsandbytes' 32-bit optimizers keep fp32 moments whatever the parameter's dtype (Optimizer2State:
         * get_state_buffer(p, dtype=torch.float32)); where they live is the memory engine's (paged_optimizer_bytes). */
        out->moment = 4;
        out->states = 2 * out->moment;
        break;
    case LLMCOST_OPTIM_ADAMW_8BIT:
    case LLMCOST_OPTIM_PAGED_ADAMW_8BIT:
        /* bitsandbytes: two uint8 moments plus one fp32 absmax per 256-element block each (Dettmers et al. 2022). */
        out->moment = 1 + 4.0 / 256;
        out->states = 2 * out->moment;
        break;
    case LLMCOST_OPTIM_SGD:
        out->states = out->moment; /* one momentum buffer */
        break;
    case LLMCOST_OPTIM_ADAFACTOR:
        out->states = 0; /* factored second moment (rows + columns per matrix), no first moment (Shazeer & Stern 2018) */
        break;
    }
    out->optimizer = out->master + out->states;
}

/* Layers the split gives stage "s" of "pp": extra layers go to the middle stages first, then the first, then
 * the last. */
static int64_t stage_layers(int64_t n_layers, int64_t pp, int64_t s)
{
    int64_t base = n_layers / pp, extra = n_layers % pp;
    int64_t rank = pp <= 2 ? s : (s == 0 ? pp - 2 : s == pp - 1 ? pp - 1 : s - 1);
    return base + (rank < extra ? 1 : 0);
}

void llmcost_pipeline_split(int64_t *first_layer, int64_t n_layers, int64_t pp)
{
    int64_t pos = 0;
    for (int64_t s = 0; s < pp; s++) {
        first_layer[s] = pos;
        pos += stage_layers(n_layers, pp, s);
    }
    first_layer[pp] = n_layers;
}

/* Stages before "stage" that get one of the "extra" layers, i.e. s < stage with stage_layers' rank(s) < extra. */
static int64_t extras_before(int64_t pp, int64_t stage, int64_t extra)
{
    if (pp <= 2) /* rank(s) = s */
        return stage < extra ? stage : extra;
    if (stage == 0)
        return 0;
    /* rank(0) = pp - 2; ranks 0 .. stage - 2 for stages 1 .. stage - 1 (stage - 1 <= pp - 2: stage < pp); the last
     * stage, rank pp - 1, is never before another. */
    int64_t middle = stage - 1 < extra ? stage - 1 : extra;
    return (pp - 2 < extra ? 1 : 0) + middle;
}

void lc_stage_range(int64_t n_layers, int64_t pp, int64_t stage, int64_t *first, int64_t *count)
{
    /* The sum of stage_layers over the stages before "stage", in closed form (the memory engine asks for every
     * layout it judges): each has the base count, and those ranked before "extra" one more. */
    *first = stage * (n_layers / pp) + extras_before(pp, stage, n_layers % pp);
    *count = stage_layers(n_layers, pp, stage);
}

int lc_layout_check(llmcost_layout *l, const llmcost_model *m)
{
    return lc_layout_check_digest(l, m, NULL);
}

/* Context parallelism splits each sequence over ranks; attention exchanges keys and values between them (ring
 * attention), but a state-space or linear-attention mixer scans the whole sequence: each rank would need the state
 * left by the ranks before it, which no engine here models (nor do mamba_ssm's or fla's kernels pass it). */
int lc_cp_check(const llmcost_model *m, int64_t cp)
{
    if (cp > 1 && m->n_ssm > 0)
        return lc_fail(LLMCOST_EUNSUPPORTED,
                       "layout.cp = %lld: %s has state-space mixers, whose scan over the sequence context "
                       "parallelism would split; passing their state between ranks is not modelled (use cp 1)",
                       (long long)cp, m->name);
    return 0;
}

int lc_layout_check_digest(llmcost_layout *l, const llmcost_model *m, const lc_layer_digest *d)
{
    struct {
        const char *field;
        int64_t v;
    } deg[] = {{"layout.tp", l->tp}, {"layout.pp", l->pp}, {"layout.vpp", l->vpp}, {"layout.cp", l->cp},
               {"layout.ep", l->ep}};
    for (size_t i = 0; i < sizeof deg / sizeof deg[0]; i++)
        if (deg[i].v < 1)
            return lc_fail(LLMCOST_EINVAL, "%s = %lld must be at least 1", deg[i].field, (long long)deg[i].v);
    if (l->zero < 0 || l->zero > 3)
        return lc_fail(LLMCOST_EINVAL, "layout.zero = %d must be 0, 1, 2 or 3", l->zero);
    if (l->gpus < 0)
        return lc_fail(LLMCOST_EINVAL, "layout.gpus = %lld must be positive", (long long)l->gpus);
    if (l->dp < 0)
        return lc_fail(LLMCOST_EINVAL, "layout.dp = %lld must be positive", (long long)l->dp);
    int64_t model_par;
    if (!lc_mul(&model_par, l->tp, l->pp) || !lc_mul(&model_par, model_par, l->cp) || model_par > ((int64_t)1 << 40))
        return lc_fail(LLMCOST_EOVERFLOW, "layout.tp x layout.pp x layout.cp is too large");
    if (l->dp == 0) {
        if (l->gpus == 0)
            l->dp = 1;
        else if (l->gpus % model_par != 0)
            return lc_fail(LLMCOST_EINVAL,
                           "layout.gpus = %lld is not a multiple of layout.tp x layout.pp x layout.cp = %lld x %lld x "
                           "%lld = %lld",
                           (long long)l->gpus, (long long)l->tp, (long long)l->pp, (long long)l->cp,
                           (long long)model_par);
        else
            l->dp = l->gpus / model_par;
    }
    int64_t total;
    if (!lc_mul(&total, model_par, l->dp) || total > ((int64_t)1 << 40))
        return lc_fail(LLMCOST_EOVERFLOW, "layout.tp x layout.pp x layout.cp x layout.dp is too large");
    if (l->gpus == 0)
        l->gpus = total;
    else if (l->gpus != total)
        return lc_fail(LLMCOST_EINVAL,
                       "layout.gpus = %lld but layout.tp x layout.pp x layout.cp x layout.dp = %lld x %lld x %lld x "
                       "%lld = %lld",
                       (long long)l->gpus, (long long)l->tp, (long long)l->pp, (long long)l->cp, (long long)l->dp,
                       (long long)total);
    /* Experts are spread over the ranks of a pipeline stage: data and context ranks, and tensor-parallel ranks too
     * (Megatron-Core's "MoE parallel folding", Liu et al. 2025; checked with expert_tp in lc_job_validate_digest). */
    if ((l->tp * l->dp * l->cp) % l->ep != 0)
        return lc_fail(LLMCOST_EINVAL,
                       "layout.ep = %lld must divide layout.tp x layout.cp x layout.dp = %lld (experts are spread over "
                       "the ranks of a pipeline stage)",
                       (long long)l->ep, (long long)(l->tp * l->dp * l->cp));
    if (l->vpp > 1 && l->pp == 1)
        return lc_fail(LLMCOST_EINVAL, "layout.vpp = %lld needs pipeline parallelism (layout.pp > 1)", (long long)l->vpp);
    if (!m)
        return 0;
    int rc = lc_cp_check(m, l->cp);
    if (rc)
        return rc;
    /* Model chunks: pp x vpp, each holding at least one layer, or the embedding or the head, which may each make a
     * chunk of their own (Llama 3 §3.3.2; Megatron-LM's --account-for-embedding-in-pipeline-split and
     * --account-for-loss-in-pipeline-split). pp is at most 2^40 here but vpp is not bounded: the product is checked. */
    int64_t chunks;
    if (!lc_mul(&chunks, l->pp, l->vpp) || chunks > m->n_layers + 2)
        return lc_fail(LLMCOST_EINVAL,
                       "layout.pp = %lld with layout.vpp = %lld makes more model chunks than the %lld layers of %s "
                       "(+2: the embedding and the head)",
                       (long long)l->pp, (long long)l->vpp, (long long)m->n_layers, m->name);
    if (l->vpp > 1) {
        for (int64_t s = 0; s < l->pp; s++) {
            int64_t units = stage_layers(m->n_layers, l->pp, s) + (s == 0) + (s == l->pp - 1);
            if (units < l->vpp)
                return lc_fail(LLMCOST_EINVAL,
                               "layout.vpp = %lld: pipeline stage %lld of layout.pp = %lld holds %lld layers%s, fewer "
                               "than its %lld chunks",
                               (long long)l->vpp, (long long)s, (long long)l->pp,
                               (long long)stage_layers(m->n_layers, l->pp, s),
                               s == 0 ? " and the embedding" : s == l->pp - 1 ? " and the head" : "", (long long)l->vpp);
        }
    }
    /* Each layer's heads and experts; a count equal to the last one checked passed already (a division saved per
     * layer: this runs at every evaluation of a layout). */
    int64_t heads_ok = 0, experts_ok = 0;
    size_t nl = d ? d->nrep : (size_t)(m->n_layers > 0 ? m->n_layers : 0);
    for (size_t k = 0; k < nl; k++) {
        int64_t i = d ? d->rep[k] : (int64_t)k;
        const llmcost_attention *a = &m->layers[i].attn;
        if (a->n_heads != heads_ok) {
            if (a->n_heads % l->tp != 0)
                return lc_fail(LLMCOST_EINVAL, "layout.tp = %lld does not divide the %lld attention heads of %s",
                               (long long)l->tp, (long long)a->n_heads, m->name);
            heads_ok = a->n_heads;
        }
        const llmcost_ffn *f = &m->layers[i].ffn;
        if (f->moe && f->n_experts != experts_ok) {
            if (f->n_experts % l->ep != 0)
                return lc_fail(LLMCOST_EINVAL, "layout.ep = %lld does not divide the %lld routed experts of %s",
                               (long long)l->ep, (long long)f->n_experts, m->name);
            experts_ok = f->n_experts;
        }
    }
    if (l->ep > 1 && (d ? !d->moe : llmcost_model_moe_layers(m) == 0))
        return lc_fail(LLMCOST_EINVAL, "layout.ep = %lld: %s has no routed experts to spread", (long long)l->ep, m->name);
    return 0;
}

/* The memory mechanisms (memory.h): each where it is understood, or refused naming the field. */
static int mechanisms_check(const llmcost_job *j, const llmcost_model *m)
{
    if ((unsigned)j->act_cache > LLMCOST_CACHE_FP8_TILE)
        return lc_fail(LLMCOST_EINVAL, "act_cache = %d is not an activation caching mode", (int)j->act_cache);
    if ((unsigned)j->pipeline > LLMCOST_PIPE_DUALPIPE)
        return lc_fail(LLMCOST_EINVAL, "pipeline = %d is not a pipeline schedule", (int)j->pipeline);
    if ((unsigned)j->ema > LLMCOST_EMA_CPU)
        return lc_fail(LLMCOST_EINVAL, "ema = %d is not an EMA placement", (int)j->ema);
    if (j->recompute_modules & ~LLMCOST_RECOMPUTE_MODULES_ALL)
        return lc_fail(LLMCOST_EINVAL, "recompute_modules = %u has bits that name no module", j->recompute_modules);
    bool megatron = j->framework == LLMCOST_FW_MEGATRON;
    if (j->act_cache == LLMCOST_CACHE_FP8_TILE && (j->precision != LLMCOST_PREC_FP8 || !megatron))
        return lc_fail(LLMCOST_EINVAL, "act_cache = fp8-tile needs precision = fp8 and framework = megatron (fp8 "
                       "weight-gradient GEMMs read the cached fp8 inputs; the hf profile keeps what transformers saves)");
    if (j->recompute_modules && !megatron)
        return lc_fail(LLMCOST_EINVAL, "recompute_modules needs framework = megatron (Megatron-LM's "
                       "--recompute-modules; the hf profile keeps what transformers saves)");
    if (j->recompute_modules && j->recompute == LLMCOST_RECOMPUTE_FULL)
        return lc_fail(LLMCOST_EINVAL, "recompute_modules with recompute = full: full recomputation already "
                       "rebuilds every module");
    const llmcost_layout *l = &j->layout;
    if (j->pipeline == LLMCOST_PIPE_DUALPIPE) {
        /* deepseek-ai/DualPipe dualpipe.py step(): an even number of ranks and of micro-batches, at least two per
         * rank (each rank feeds both directions); one chunk per direction (no interleaving). */
        if (l->pp < 2 || l->pp % 2)
            return lc_fail(LLMCOST_EINVAL, "pipeline = dualpipe needs an even layout.pp of at least 2 (layout.pp = %lld)",
                           (long long)l->pp);
        if (l->vpp != 1)
            return lc_fail(LLMCOST_EINVAL, "pipeline = dualpipe holds two chunks per rank of its own: layout.vpp = %lld "
                           "must be 1", (long long)l->vpp);
        if (j->grad_accum < 2 * l->pp || j->grad_accum % 2)
            return lc_fail(LLMCOST_EINVAL, "pipeline = dualpipe needs an even grad_accum of at least 2 x layout.pp = "
                           "%lld (grad_accum = %lld)", (long long)(2 * l->pp), (long long)j->grad_accum);
    }
    /* The layers scanned only when a module named needs them (every engine call of a layout search passes here). */
    if (!m || !(j->recompute_modules & (LLMCOST_RECOMPUTE_MLA_UP | LLMCOST_RECOMPUTE_MOE_ACT)))
        return 0;
    bool mla = false, moe = false;
    for (int64_t i = 0; i < m->n_layers; i++) {
        mla |= m->layers[i].attn.kind == LLMCOST_ATTN_MLA;
        moe |= m->layers[i].ffn.moe;
    }
    if ((j->recompute_modules & LLMCOST_RECOMPUTE_MLA_UP) && !mla)
        return lc_fail(LLMCOST_EINVAL, "recompute_modules: mla_up_proj: %s has no multi-head latent attention", m->name);
    if ((j->recompute_modules & LLMCOST_RECOMPUTE_MOE_ACT) && !moe)
        return lc_fail(LLMCOST_EINVAL, "recompute_modules: moe_act: %s has no routed experts", m->name);
    return 0;
}

bool lc_job_has_savers(const llmcost_job *j)
{
    return llmcost_optimizer_paged(j->optimizer) ||
           (j->version >= 4 &&
            lc_saver_given(j->chunked_loss, j->optimizer_in_backward, j->activation_offload, j->compile) != NULL);
}

int lc_job_refuse_adapters(const llmcost_job *j, const char *engine)
{
    if (lc_job_has_savers(j)) {
        /* The one given first, by its own name (a front end maps it to its flag). */
        const char *f = j->version >= 4 ? lc_saver_given(j->chunked_loss, j->optimizer_in_backward,
                                                         j->activation_offload, j->compile)
                                        : NULL;
        if (!f)
            f = "optimizer"; /* a paged optimizer alone */
        return lc_fail(LLMCOST_EUNSUPPORTED,
                       "%s%s: %s does not model the memory savers yet (chunked loss, optimizer in backward, activation "
                       "offload, compile, paged optimizers; 'llmcost memory', 'step' and 'train' take them)",
                       f, strcmp(f, "optimizer") ? "" : " = paged", engine);
    }
    if (j->version < 2 || (j->finetune.method != LLMCOST_FT_LORA && j->finetune.method != LLMCOST_FT_QLORA))
        return 0;
    const char *meth = llmcost_finetune_method_name(j->finetune.method);
    return lc_fail(LLMCOST_EUNSUPPORTED,
                   "finetune = %s: %s does not model adapters yet ('llmcost memory --finetune %s' sizes them, "
                   "'llmcost step' and 'train' time them)",
                   meth, engine, meth);
}

/* The MoE implementation (version 3): a dispatcher Megatron-Core names, a capacity factor > 0 or 0 (dropless),
 * both about routed experts, and both Megatron's: transformers' experts are dropless, without a dispatcher. */
static int moe_impl_check(const llmcost_job *j, const llmcost_model *m, const lc_layer_digest *d)
{
    if ((unsigned)j->moe_dispatcher >= LLMCOST_MOE_DISPATCHER_COUNT)
        return lc_fail(LLMCOST_EINVAL, "moe_dispatcher = %d is not a token dispatcher", (int)j->moe_dispatcher);
    double cf = j->moe_capacity_factor;
    if (!(cf >= 0) || !isfinite(cf) || cf > 1e6)
        return lc_fail(LLMCOST_EINVAL, "moe_capacity_factor = %g must be positive (0: dropless)", cf);
    if (j->moe_dispatcher == LLMCOST_MOE_ALLTOALL && cf == 0)
        return 0;
    if (j->moe_dispatcher == LLMCOST_MOE_DEEPEP && cf > 0) /* Megatron-Core's TransformerConfig refuses it */
        return lc_fail(LLMCOST_EINVAL,
                       "moe_capacity_factor = %g: Megatron-Core drops and pads only with the alltoall dispatcher, "
                       "not deepep (the flex dispatcher is dropless)",
                       cf);
    const char *what = cf > 0 ? "moe_capacity_factor" : "moe_dispatcher";
    if (m && (d ? !d->moe : llmcost_model_moe_layers(m) == 0))
        return lc_fail(LLMCOST_EINVAL, "%s: %s has no routed experts", what, m->name);
    if (j->framework != LLMCOST_FW_MEGATRON)
        return lc_fail(LLMCOST_EINVAL,
                       "%s: token dispatchers and capacity factors are Megatron-Core's (framework = megatron); "
                       "transformers' experts are dropless",
                       what);
    return 0;
}

/* The context-parallel implementation (version 5): one Megatron-Core names; DeepSpeed-Ulysses' all-to-all moves
 * whole heads, so cp divides each TP rank's query and key/value heads (Transformer Engine's
 * AttnFuncWithCPAndQKVOA2A asserts both). */
static int cp_comm_check(const llmcost_job *j, const llmcost_model *m)
{
    if ((unsigned)j->cp_comm >= LLMCOST_CP_COMM_COUNT)
        return lc_fail(LLMCOST_EINVAL, "cp_comm = %d is not a context-parallel implementation", (int)j->cp_comm);
    if (j->cp_comm != LLMCOST_CP_A2A || !m || j->layout.cp <= 1)
        return 0;
    int64_t cp = j->layout.cp, tp = j->layout.tp > 0 ? j->layout.tp : 1;
    for (int64_t i = 0; i < m->n_layers; i++) {
        const llmcost_attention *a = &m->layers[i].attn;
        if (a->n_heads <= 0)
            continue;
        int64_t q = a->n_heads / tp, kv = (a->kind == LLMCOST_ATTN_MLA ? a->n_heads : a->n_kv_heads) / tp;
        if (q % cp != 0 || kv % cp != 0)
            return lc_fail(LLMCOST_EINVAL,
                           "cp_comm = a2a: layout.cp = %lld does not divide the %lld %s heads of each "
                           "tensor-parallel rank of %s (the all-to-all moves whole heads)",
                           (long long)cp, (long long)(q % cp != 0 ? q : kv), q % cp != 0 ? "query" : "key/value",
                           m->name);
    }
    return 0;
}

/* The layers whose sliding window is shorter than "seq" tokens: their count, the first one's window in *window. A
 * window of at least the sequence masks nothing (Mistral-7B-v0.1's 4,096 at seq 4,096 is full causal attention). */
int64_t lc_windowed_layers(const llmcost_model *m, int64_t seq, int64_t *window)
{
    int64_t n = 0;
    *window = 0;
    for (int64_t i = 0; m && i < m->n_layers; i++) {
        const llmcost_attention *a = &m->layers[i].attn;
        if (a->n_heads > 0 && a->sliding_window > 0 && a->sliding_window < seq) {
            if (n++ == 0)
                *window = a->sliding_window;
        }
    }
    return n;
}

/* Ring context parallelism takes no sliding window (docs/formulas.md "Context parallelism and sliding windows"):
 * Transformer Engine's attn_forward_func_with_cp asserts that only its a2a and all_gather implementations take one
 * (p2p does not), and PyTorch's context_parallel ring SDPA has no window argument (an attention mask raises). A job
 * the stack would refuse is refused here, for every engine, rather than timed as if it ran. */
int lc_cp_window_check(const llmcost_model *m, int cp_comm, int64_t cp, int64_t seq)
{
    if (!m || cp <= 1 || (cp_comm != LLMCOST_CP_P2P && cp_comm != LLMCOST_CP_TORCH))
        return 0;
    int64_t w, n = lc_windowed_layers(m, seq, &w);
    if (n == 0)
        return 0;
    char layers[64]; /* "21 of 42 layers", or "32 layers" when every one has the window */
    if (n == m->n_layers)
        snprintf(layers, sizeof layers, "%lld layers", (long long)n);
    else
        snprintf(layers, sizeof layers, "%lld of %lld layers", (long long)n, (long long)m->n_layers);
    return lc_fail(LLMCOST_EUNSUPPORTED,
                   cp_comm == LLMCOST_CP_P2P
                       ? "cp_comm = p2p: Transformer Engine's ring does not support sliding-window attention (%s's "
                         "%s, window %lld < seq = %lld); use cp_comm = allgather or a2a"
                       : "cp_comm = torch: PyTorch's context_parallel ring attention takes no sliding window (%s's "
                         "%s, window %lld < seq = %lld); use cp_comm = allgather or a2a",
                   m->name, layers, (long long)w, (long long)seq);
}

/* Per-layer checkpointing (version 5): full recomputation of every N-th layer, so it needs recompute = full; the
 * adapters' recomputation is not split by layer (refused with LoRA / QLoRA). */
static int recompute_every_check(const llmcost_job *j)
{
    if (j->recompute_every < 0 || j->recompute_every > 1000000)
        return lc_fail(LLMCOST_EINVAL, "recompute_every = %lld must be 0 (every layer) or a layer count",
                       (long long)j->recompute_every);
    if (j->recompute_every <= 1)
        return 0;
    if (j->recompute != LLMCOST_RECOMPUTE_FULL)
        return lc_fail(LLMCOST_EINVAL, "recompute_every = %lld needs recompute = full (it checkpoints every N-th layer "
                       "whole; torchtitan's selective_ac_option \"N\")", (long long)j->recompute_every);
    if (j->version >= 2 && (j->finetune.method == LLMCOST_FT_LORA || j->finetune.method == LLMCOST_FT_QLORA))
        return lc_fail(LLMCOST_EUNSUPPORTED, "recompute_every with finetune = %s: the adapters' recomputation is not "
                       "modelled per layer", llmcost_finetune_method_name(j->finetune.method));
    return 0;
}

/* The DP gradient bucket (version 6): a parameter count; FSDP / ZeRO-3 reduces per wrapped unit, not in buckets. */
static int ddp_bucket_check(const llmcost_job *j)
{
    if (j->ddp_bucket_size < 0 || j->ddp_bucket_size > 1000000000000LL)
        return lc_fail(LLMCOST_EINVAL, "ddp_bucket_size = %lld must be 0 (the framework's default) or a parameter count",
                       (long long)j->ddp_bucket_size);
    if (j->ddp_bucket_size > 0 && j->layout.zero >= 3)
        return lc_fail(LLMCOST_EUNSUPPORTED, "ddp_bucket_size with zero = %d: ZeRO-3 / FSDP reduces each wrapped layer's "
                       "gradients, not buckets", (int)j->layout.zero);
    return 0;
}

/* Megatron-Core's --moe-shared-expert-overlap (version 6): transformer_config.py allows it only with the alltoall
 * dispatcher ("moe_shared_expert_overlap only works with alltoall token dispatcher") and not with
 * overlap_moe_expert_parallel_comm ("Disable moe_shared_expert_overlap when enabling
 * overlap_moe_expert_parallel_comm", llmcost's --ep-overlap); it runs a shared expert, so the model has one. */
static int shared_overlap_check(const llmcost_job *j, const llmcost_model *m)
{
    if (!j->moe_shared_expert_overlap)
        return 0;
    if (j->framework != LLMCOST_FW_MEGATRON)
        return lc_fail(LLMCOST_EINVAL, "moe_shared_expert_overlap is Megatron-Core's (framework = megatron)");
    if (j->moe_dispatcher != LLMCOST_MOE_ALLTOALL)
        return lc_fail(LLMCOST_EINVAL, "moe_shared_expert_overlap with moe_dispatcher = %s: Megatron-Core runs the shared "
                       "expert beside the alltoall dispatcher only",
                       j->moe_dispatcher == LLMCOST_MOE_DEEPEP ? "deepep" : "allgather");
    if (j->layout.ep_overlap)
        return lc_fail(LLMCOST_EINVAL, "moe_shared_expert_overlap with ep_overlap: Megatron-Core refuses the two together "
                       "(disable moe_shared_expert_overlap when enabling overlap_moe_expert_parallel_comm)");
    bool shared = false;
    for (int64_t i = 0; m && i < m->n_layers && !shared; i++)
        shared = m->layers[i].ffn.moe && m->layers[i].ffn.shared.d_ff > 0;
    if (m && !shared)
        return lc_fail(LLMCOST_EINVAL, "moe_shared_expert_overlap: %s has no shared expert beside routed experts", m->name);
    return 0;
}

int lc_job_savers_check(const llmcost_job *j)
{
    return savers_check(j);
}

int lc_job_moe_impl_check(const llmcost_job *j, const llmcost_model *m)
{
    return moe_impl_check(j, m, NULL);
}

int lc_job_shared_overlap_check(const llmcost_job *j, const llmcost_model *m)
{
    return shared_overlap_check(j, m);
}

int llmcost_job_validate(llmcost_job *j, const llmcost_model *m)
{
    return lc_job_validate_digest(j, m, NULL);
}

int lc_job_validate_digest(llmcost_job *j, const llmcost_model *m, const lc_layer_digest *d)
{
    /* Version 1 lacks the fine-tuning fields at the end: read as pre-training; versions 1-2 lack the MoE
     * implementation: alltoall, dropless. */
    int rc = j && (j->version >= 1 && j->version <= 5) ? 0 : LC_CHECK_VERSION(j, JOB, job);
    if (rc || (rc = LC_CHECK_VERSION(&j->layout, LAYOUT, layout)) ||
        (rc = LC_CHECK_VERSION(&j->comm, COMM_OPTIONS, comm_options)))
        return rc;
    if (j->micro_batch < 1)
        return lc_fail(LLMCOST_EINVAL, "micro_batch = %lld must be at least 1", (long long)j->micro_batch);
    if (j->seq < 1)
        return lc_fail(LLMCOST_EINVAL, "seq = %lld must be at least 1", (long long)j->seq);
    if ((unsigned)j->precision >= LLMCOST_PREC_COUNT)
        return lc_fail(LLMCOST_EINVAL, "precision = %d is not a precision recipe", (int)j->precision);
    if ((unsigned)j->framework >= LLMCOST_FW_COUNT)
        return lc_fail(LLMCOST_EINVAL, "framework = %d is not a framework profile", (int)j->framework);
    if ((unsigned)j->optimizer > LLMCOST_OPTIM_PAGED_ADAMW_8BIT)
        return lc_fail(LLMCOST_EINVAL, "optimizer = %d is not an optimizer", (int)j->optimizer);
    if ((unsigned)j->recompute > LLMCOST_RECOMPUTE_FULL)
        return lc_fail(LLMCOST_EINVAL, "recompute = %d is not a recomputation mode", (int)j->recompute);
    if ((unsigned)j->attention >= LLMCOST_ATTN_COUNT)
        return lc_fail(LLMCOST_EINVAL, "attention = %d is not an attention kernel", (int)j->attention);
    /* The real-valued fields inside their plausible ranges (ranges.h); by index: every engine call passes here. */
    if ((rc = lc_range_id(LC_R_HEADROOM, NULL, j->headroom)) ||
        (rc = lc_range_id(LC_R_CUDA_CONTEXT_BYTES, NULL, j->cuda_context_bytes)) ||
        (rc = lc_range_id(LC_R_COMM_SCALEUP_EFFICIENCY, NULL, j->comm.scaleup_efficiency)) ||
        (rc = lc_range_id(LC_R_COMM_SCALEOUT_EFFICIENCY, NULL, j->comm.scaleout_efficiency)) ||
        (rc = lc_range_id(LC_R_COMM_SCALEUP_LATENCY, NULL, j->comm.scaleup_latency)) ||
        (rc = lc_range_id(LC_R_COMM_SCALEOUT_LATENCY, NULL, j->comm.scaleout_latency)))
        return rc;
    if (j->expert_tp < 1)
        return lc_fail(LLMCOST_EINVAL, "expert_tp = %lld must be at least 1", (long long)j->expert_tp);
    if (j->version >= 3 && (rc = moe_impl_check(j, m, d)) != 0)
        return rc;
    if (j->version >= 5 && (rc = cp_comm_check(j, m)) != 0)
        return rc;
    if (j->version >= 6 && (rc = ddp_bucket_check(j)) != 0)
        return rc;
    /* Before version 5 the implementation is p2p (Megatron-Core's default). */
    if ((rc = lc_cp_window_check(m, j->version >= 5 ? (int)j->cp_comm : LLMCOST_CP_P2P, j->layout.cp, j->seq)) != 0)
        return rc;
    if (j->version >= 6 && (rc = shared_overlap_check(j, m)) != 0)
        return rc;
    if (j->version >= 5 && (rc = recompute_every_check(j)) != 0)
        return rc;
    if ((rc = framework_quant_check(j)) != 0)
        return rc;
    if (j->version >= 4 && (rc = savers_check(j)) != 0)
        return rc;
    if (j->version >= 2) {
        const llmcost_finetune *ft = &j->finetune;
        if ((rc = llmcost_finetune_check(ft, m)) < 0)
            return rc;
        /* Full fine-tuning trains every parameter: the engines' pre-training model is its model. Adapters are
         * modelled by the step and memory engines; the planner, whose search runs on memory options without them,
         * refuses them (lc_job_refuse_adapters) rather than answer as for pre-training. */
    }
    rc = lc_layout_check_digest(&j->layout, m, m ? d : NULL);
    if (rc)
        return rc;
    llmcost_layout *l = &j->layout;
    /* Expert tensor parallelism splits each expert over ranks of the tensor-parallel group, or over a group wider
     * than it: Megatron-Core sizes expert_tensor_parallel_size on its own (parallel_state.py builds the experts'
     * etp x ep x expert-DP grid over world / pp ranks and requires only that etp x ep x pp divide the world size,
     * checked below as the grid tiling the stage). A group narrower than TP divides it (its ranks are TP ranks). */
    if (j->expert_tp > 1 && j->expert_tp < l->tp && l->tp % j->expert_tp != 0)
        return lc_fail(LLMCOST_EINVAL,
                       "expert_tp = %lld must divide layout.tp = %lld (each expert is split over ranks of the "
                       "tensor-parallel group), or be larger than it",
                       (long long)j->expert_tp, (long long)l->tp);
    if (m && j->expert_tp > 1 && (d ? !d->moe : llmcost_model_moe_layers(m) == 0))
        return lc_fail(LLMCOST_EINVAL, "expert_tp = %lld: %s has no routed experts to split", (long long)j->expert_tp,
                       m->name);
    /* MoE parallel folding (Megatron-Core, Liu et al. 2025 §3): the routed experts' ranks of a pipeline stage form
     * their own grid, expert_tp x ep x expert data parallel, over the stage's tp x cp x dp ranks; EP may then span
     * tensor-parallel ranks. The grid must tile the stage, and tokens scattered over TP ranks need sequence
     * parallelism (Megatron-LM refuses expert with tensor parallelism without it). */
    if (l->ep > 1 || j->expert_tp > 1) {
        int64_t stage = l->tp * l->cp * l->dp, grid = l->ep * j->expert_tp;
        if (stage % grid != 0)
            return lc_fail(LLMCOST_EINVAL,
                           "layout.ep x expert_tp = %lld x %lld must divide layout.tp x layout.cp x layout.dp = %lld "
                           "(MoE parallel folding: the routed experts' expert-TP x EP x expert-DP ranks tile each "
                           "pipeline stage)",
                           (long long)l->ep, (long long)j->expert_tp, (long long)stage);
        if ((l->dp * l->cp) % l->ep != 0 && l->tp > 1 && !l->sequence_parallel)
            return lc_fail(LLMCOST_EINVAL,
                           "layout.ep = %lld spans tensor-parallel ranks (it does not divide layout.dp x layout.cp = "
                           "%lld): MoE parallel folding needs sequence parallelism (--sequence-parallel)",
                           (long long)l->ep, (long long)(l->dp * l->cp));
        /* A group wider than TP is Megatron-Core's (expert_tensor_parallel_size); the other profiles split experts,
         * if at all, with the attention's TP. */
        if (j->expert_tp > l->tp && j->framework != LLMCOST_FW_MEGATRON)
            return lc_fail(LLMCOST_EINVAL,
                           "expert_tp = %lld is larger than layout.tp = %lld: an expert-TP group wider than TP is "
                           "Megatron-Core's (framework megatron)",
                           (long long)j->expert_tp, (long long)l->tp);
        /* An expert-TP group wider than TP gathers its ranks' tokens: distinct only when sequence parallelism
         * scatters them over the TP ranks (Megatron-LM refuses MoE with tensor parallelism without it). */
        if (j->expert_tp > l->tp && l->tp > 1 && !l->sequence_parallel)
            return lc_fail(LLMCOST_EINVAL,
                           "expert_tp = %lld is larger than layout.tp = %lld: the expert-TP group spans "
                           "tensor-parallel ranks, which needs sequence parallelism (--sequence-parallel)",
                           (long long)j->expert_tp, (long long)l->tp);
    }
    if (j->seq % l->cp != 0)
        return lc_fail(LLMCOST_EINVAL, "layout.cp = %lld does not divide seq = %lld tokens", (long long)l->cp,
                       (long long)j->seq);
    if (j->global_batch < 0 || j->grad_accum < 0)
        return lc_fail(LLMCOST_EINVAL, "global_batch and grad_accum must be positive (0: derived)");
    int64_t round; /* sequences per micro-batch round over the replicas */
    if (!lc_mul(&round, j->micro_batch, l->dp))
        return lc_fail(LLMCOST_EOVERFLOW, "micro_batch x layout.dp is too large");
    if (j->global_batch > 0) {
        if (j->global_batch % round != 0)
            return lc_fail(LLMCOST_EINVAL,
                           "global_batch = %lld sequences is not a multiple of micro_batch x layout.dp = %lld x %lld = "
                           "%lld",
                           (long long)j->global_batch, (long long)j->micro_batch, (long long)l->dp, (long long)round);
        int64_t ga = j->global_batch / round;
        if (j->grad_accum > 0 && j->grad_accum != ga)
            return lc_fail(LLMCOST_EINVAL,
                           "grad_accum = %lld but global_batch = %lld sequences / (micro_batch x layout.dp = %lld) = %lld",
                           (long long)j->grad_accum, (long long)j->global_batch, (long long)round, (long long)ga);
        j->grad_accum = ga;
    } else {
        if (j->grad_accum == 0)
            j->grad_accum = l->pp;
        if (!lc_mul(&j->global_batch, j->grad_accum, round))
            return lc_fail(LLMCOST_EOVERFLOW, "grad_accum x micro_batch x layout.dp is too large");
    }
    int64_t tokens;
    if (!lc_mul(&tokens, j->global_batch, j->seq))
        return lc_fail(LLMCOST_EOVERFLOW, "global_batch x seq is too large");
    /* The optimizer steps as each gradient is made, so no gradient survives to add the next micro-batch's to it
     * (torchtune refuses gradient_accumulation_steps > 1 with optimizer_in_bwd). */
    if (j->version >= 4 && j->optimizer_in_backward && j->grad_accum > 1)
        return lc_fail(LLMCOST_EINVAL,
                       "optimizer_in_backward: grad_accum = %lld, but the optimizer stepping in backward frees each "
                       "gradient as it is made, so micro-batches cannot accumulate (give grad_accum = 1)",
                       (long long)j->grad_accum);
    return mechanisms_check(j, m);
}

void llmcost_job_memory_options(llmcost_memory_options *out, const llmcost_job *j)
{
    llmcost_memory_options o = LLMCOST_MEMORY_OPTIONS_INIT;
    o.micro_batch = j->micro_batch;
    o.seq = j->seq;
    o.precision = j->precision;
    o.optimizer = j->optimizer;
    o.recompute = j->recompute;
    o.attention = j->attention;
    o.framework = j->framework;
    o.layout = j->layout;
    o.expert_tp = j->expert_tp;
    o.micro_batches = j->grad_accum;
    o.fp32_grads = j->fp32_grads;
    o.fused_optimizer = j->fused_optimizer;
    o.cuda_context_bytes = j->cuda_context_bytes;
    o.act_cache = j->act_cache;
    o.recompute_modules = j->recompute_modules;
    o.pipeline = j->pipeline;
    o.ema = j->ema;
    if (j->version >= 5) {
        o.recompute_every = j->recompute_every;
        o.cp_comm = (int)j->cp_comm;
    }
    *out = o;
}

void llmcost_job_step_options(llmcost_step_options *out, const llmcost_job *j)
{
    llmcost_step_options o = LLMCOST_STEP_OPTIONS_INIT;
    o.micro_batch = j->micro_batch;
    o.seq = j->seq;
    o.global_batch = j->global_batch;
    o.precision = j->precision;
    o.recompute = j->recompute;
    o.attention = j->attention;
    o.framework = j->framework;
    o.convention = j->convention;
    o.layout = j->layout;
    o.comm = j->comm;
    o.optimizer = j->optimizer;
    o.expert_tp = j->expert_tp;
    if (j->version >= 3) {
        o.moe_dispatcher = j->moe_dispatcher;
        o.moe_capacity_factor = j->moe_capacity_factor;
    }
    if (j->version >= 5) {
        o.cp_comm = j->cp_comm;
        o.recompute_every = j->recompute_every;
    }
    if (j->version >= 6) {
        o.ddp_bucket_size = j->ddp_bucket_size;
        o.moe_shared_expert_overlap = j->moe_shared_expert_overlap;
    }
    *out = o;
}

void llmcost_job_from_memory_options(llmcost_job *out, const llmcost_memory_options *o)
{
    llmcost_job_init(out);
    out->micro_batch = o->micro_batch;
    out->seq = o->seq;
    out->precision = o->precision;
    out->optimizer = o->optimizer;
    out->recompute = o->recompute;
    out->attention = o->attention;
    out->framework = o->framework;
    out->layout = o->layout;
    out->expert_tp = o->expert_tp;
    out->grad_accum = o->micro_batches; /* 0: pp */
    out->fp32_grads = o->fp32_grads;
    out->fused_optimizer = o->fused_optimizer;
    out->cuda_context_bytes = o->cuda_context_bytes;
    out->act_cache = o->act_cache;
    out->recompute_modules = o->recompute_modules;
    out->pipeline = o->pipeline;
    out->ema = o->ema;
    if (o->version >= 2)
        out->recompute_every = o->recompute_every;
    if (o->version >= 3)
        out->cp_comm = (llmcost_cp_comm)o->cp_comm;
}

void llmcost_job_from_step_options(llmcost_job *out, const llmcost_step_options *o)
{
    llmcost_job_init(out);
    out->micro_batch = o->micro_batch;
    out->seq = o->seq;
    out->global_batch = o->global_batch;
    /* The step options' default batch is one micro-batch per replica. */
    out->grad_accum = o->global_batch > 0 ? 0 : 1;
    out->precision = o->precision;
    out->recompute = o->recompute;
    out->attention = o->attention;
    out->framework = o->framework;
    out->convention = o->convention;
    out->layout = o->layout;
    out->comm = o->comm;
    out->optimizer = o->optimizer;
    out->expert_tp = o->expert_tp > 0 ? o->expert_tp : 1;
    if (o->version >= 2) {
        out->moe_dispatcher = o->moe_dispatcher;
        out->moe_capacity_factor = o->moe_capacity_factor;
    }
    if (o->version >= 3) {
        out->cp_comm = o->cp_comm;
        out->recompute_every = o->recompute_every;
    }
    if (o->version >= 4) {
        out->ddp_bucket_size = o->ddp_bucket_size;
        out->moe_shared_expert_overlap = o->moe_shared_expert_overlap;
    }
}

int llmcost_job_check_gpu(const llmcost_job *j, const llmcost_gpu *gpu)
{
    if (!j || !gpu)
        return lc_fail(LLMCOST_EINVAL, "llmcost_job_check_gpu: NULL argument");
    const char *name = llmcost_precision_name(j->precision);
    switch (j->precision) {
    case LLMCOST_PREC_FP32:
    case LLMCOST_PREC_FP8:
        return 0; /* their own peaks are checked by the step engine, which names them */
    case LLMCOST_PREC_FP16:
        if (!(gpu->fp16_flops > 0))
            return lc_fail(LLMCOST_EUNSUPPORTED,
                           "precision = fp16: %s has no fp16 tensor peak in the catalogue (peak_tflops.fp16)%s",
                           gpu->name, gpu->peak_flops[LLMCOST_DT_BF16] > 0 ? "; use precision = bf16-master" : "");
        return 0;
    default:
        if (!(gpu->peak_flops[LLMCOST_DT_BF16] > 0))
            return lc_fail(LLMCOST_EUNSUPPORTED,
                           "precision = %s: %s has no bf16 tensor cores (peak_tflops.bf16 is 0 in the catalogue)%s", name,
                           gpu->name, gpu->fp16_flops > 0 ? "; use precision = fp16 (mixed precision with loss scaling)" : "");
        return 0;
    }
}

/* ---- does it fit, and what would make it fit ---- */

const char *llmcost_fix_name(llmcost_fix_kind k)
{
    static const char *const names[LLMCOST_FIX_COUNT] = {"zero", "recompute", "micro_batch", "tp", "pp", "gpus"};
    return (unsigned)k < LLMCOST_FIX_COUNT ? names[k] : "?";
}

/* The memory engine on "j" (validated in place): required bytes (reserved + context), or a negative code. */
static int required_of(llmcost_job *j, const llmcost_model *m, double *required, llmcost_memory *mem)
{
    int rc = llmcost_job_validate(j, m);
    if (rc)
        return rc;
    llmcost_memory r;
    if ((rc = llmcost_job_memory(&r, m, j)) != 0)
        return rc;
    if (mem)
        *mem = r;
    *required = r.reserved_bytes + j->cuda_context_bytes;
    return 0;
}

typedef struct {
    double usable;
    bool found;          /* a change of this dimension fits */
    llmcost_fix fix;     /* the least one that fits */
    double best_req;     /* the lowest requirement any tried change reached (fitting or not) */
    llmcost_job best;
} trial;

/* Tries "cand": records it as the dimension's fix when it fits (first fitting = least change, as candidates come
 * in increasing order), and as the lowest requirement seen. Returns true when it fits. */
static bool try_job(trial *t, const llmcost_model *m, llmcost_job cand, llmcost_fix_kind kind, int64_t value)
{
    double req;
    if (required_of(&cand, m, &req, NULL) != 0)
        return false; /* a layout the model cannot take: not a candidate */
    if (req < t->best_req) {
        t->best_req = req;
        t->best = cand;
    }
    if (req <= t->usable && !t->found) {
        t->found = true;
        t->fix.kind = kind;
        t->fix.value = value;
        t->fix.required_bytes = req;
        t->fix.job = cand;
        return true;
    }
    return false;
}

static bool heads_divide(const llmcost_model *m, int64_t tp)
{
    for (int64_t i = 0; i < m->n_layers; i++)
        if (m->layers[i].attn.n_heads % tp != 0)
            return false;
    return true;
}

/* Tries every dimension's changes on the validated job "j"; "fit" receives the fixes, "lowest" the job with the
 * lowest requirement tried. */
static void try_fixes(llmcost_job_fit_result *fit, llmcost_job *lowest, double *lowest_req, const llmcost_model *m,
                      const llmcost_gpu *gpu, const llmcost_job *j, int64_t max_gpus)
{
    *lowest_req = 1e308;
    int64_t domain = gpu->scaleup_size > 0 ? gpu->scaleup_size : 8;
    for (int k = 0; k < LLMCOST_FIX_COUNT; k++) {
        trial t = {fit->usable_bytes, false, {0}, 1e308, *j};
        const llmcost_layout *l = &j->layout;
        llmcost_job c = *j;
        switch ((llmcost_fix_kind)k) {
        case LLMCOST_FIX_ZERO:
            for (int z = l->zero + 1; z <= 3 && l->dp * l->cp > 1; z++) {
                c = *j;
                c.layout.zero = z;
                if (try_job(&t, m, c, LLMCOST_FIX_ZERO, z))
                    break;
            }
            break;
        case LLMCOST_FIX_RECOMPUTE:
            for (int r = (int)j->recompute + 1; r <= LLMCOST_RECOMPUTE_FULL; r++) {
                c = *j;
                c.recompute = (llmcost_recompute)r;
                if (try_job(&t, m, c, LLMCOST_FIX_RECOMPUTE, r))
                    break;
            }
            break;
        case LLMCOST_FIX_MICRO_BATCH:
            /* Divisors of the micro-batch, largest first: the global batch stays a whole number of rounds. */
            for (int64_t b = j->micro_batch - 1; b >= 1; b--) {
                if (j->micro_batch % b)
                    continue;
                c = *j;
                c.micro_batch = b;
                c.grad_accum = 0;
                if (try_job(&t, m, c, LLMCOST_FIX_MICRO_BATCH, b))
                    break;
            }
            break;
        case LLMCOST_FIX_TP:
        case LLMCOST_FIX_PP:
            /* The same GPUs, fewer replicas: the global batch in sequences kept. */
            for (int64_t d = 2; d <= 64; d *= 2) {
                c = *j;
                int64_t v = (k == LLMCOST_FIX_TP ? l->tp : l->pp) * d;
                if (k == LLMCOST_FIX_TP && v > domain)
                    break;
                if (l->dp % d != 0)
                    break;
                if (k == LLMCOST_FIX_TP) {
                    c.layout.tp = v;
                    if (j->framework == LLMCOST_FW_MEGATRON)
                        c.layout.sequence_parallel = true; /* Megatron's default with TP */
                } else {
                    c.layout.pp = v;
                }
                c.layout.dp = 0;
                c.grad_accum = 0;
                if (try_job(&t, m, c, (llmcost_fix_kind)k, v))
                    break;
            }
            break;
        case LLMCOST_FIX_GPUS:
            /* More GPUs, the replicas kept: tensor parallelism up to the scale-up domain, then pipeline stages. */
            c = *j;
            for (int step = 0; step < 32; step++) {
                int64_t experts = 0;
                for (int64_t i = 0; i < m->n_layers && !experts; i++)
                    experts = m->layers[i].ffn.moe ? m->layers[i].ffn.n_experts : 0;
                if (c.layout.tp * 2 <= domain && c.layout.tp * 2 <= 64 && heads_divide(m, c.layout.tp * 2)) {
                    c.layout.tp *= 2;
                    if (j->framework == LLMCOST_FW_MEGATRON)
                        c.layout.sequence_parallel = true;
                } else if (experts > 0 && experts % (c.layout.ep * 2) == 0 && c.layout.ep < 64) {
                    /* Routed experts are split only by expert parallelism, over data-parallel ranks: replicas are
                     * added (each with the micro-batches it had), the experts spread over them. */
                    c.layout.ep *= 2;
                    if (c.layout.dp * c.layout.cp < c.layout.ep) {
                        c.layout.dp *= 2;
                        c.global_batch = 0;
                        c.grad_accum = j->grad_accum;
                    }
                } else if (c.layout.pp * 2 * c.layout.vpp <= m->n_layers + 2) {
                    c.layout.pp *= 2;
                } else {
                    break;
                }
                c.layout.gpus = c.layout.tp * c.layout.pp * c.layout.cp * c.layout.dp;
                if (max_gpus > 0 && c.layout.gpus > max_gpus)
                    break;
                llmcost_job cc = c;
                if (cc.global_batch > 0)
                    cc.grad_accum = 0;
                if (try_job(&t, m, cc, LLMCOST_FIX_GPUS, c.layout.gpus))
                    break;
            }
            break;
        default:
            break;
        }
        if (t.found)
            fit->fixes[fit->n_fixes++] = t.fix;
        if (t.best_req < *lowest_req) {
            *lowest_req = t.best_req;
            *lowest = t.best;
        }
    }
}

static int fit_base(llmcost_job_fit_result *out, llmcost_job *jv, const llmcost_model *m, const llmcost_gpu *gpu,
                    const llmcost_job *j)
{
    memset(out, 0, sizeof *out);
    if (!gpu || !(gpu->memory_bytes > 0))
        return lc_fail(LLMCOST_EINVAL, "the GPU has no memory size in the catalogue");
    *jv = *j;
    llmcost_memory mem;
    double req;
    int rc = required_of(jv, m, &req, &mem);
    if (rc == 0)
        rc = llmcost_job_check_gpu(jv, gpu);
    if (rc)
        return rc;
    out->peak_bytes = mem.peak_bytes;
    out->reserved_bytes = mem.reserved_bytes;
    out->required_bytes = req;
    out->capacity_bytes = gpu->memory_bytes;
    out->usable_bytes = gpu->memory_bytes * (1 - jv->headroom);
    out->fits = req <= out->usable_bytes;
    return 0;
}

int llmcost_job_fit(llmcost_job_fit_result *out, const llmcost_model *m, const llmcost_gpu *gpu, const llmcost_job *j)
{
    llmcost_job jv;
    int rc = fit_base(out, &jv, m, gpu, j);
    if (rc || out->fits)
        return rc;
    llmcost_job lowest;
    double lowest_req;
    try_fixes(out, &lowest, &lowest_req, m, gpu, &jv, 0);
    return 0;
}

int llmcost_job_make_fit(llmcost_job *out, const llmcost_model *m, const llmcost_gpu *gpu, const llmcost_job *j,
                         int64_t max_gpus)
{
    llmcost_job cur = *j;
    for (int round = 0; round < 16; round++) {
        llmcost_job_fit_result f;
        llmcost_job jv;
        int rc = fit_base(&f, &jv, m, gpu, &cur);
        if (rc)
            return rc;
        *out = jv;
        if (f.fits)
            return 0;
        llmcost_job lowest;
        double lowest_req;
        try_fixes(&f, &lowest, &lowest_req, m, gpu, &jv, max_gpus);
        if (f.n_fixes > 0) {
            *out = f.fixes[0].job;
            return 0;
        }
        /* Nothing fits in one change: take the cheap memory savings first (full recomputation, ZeRO-3 over the
         * replicas, one sequence per micro-batch), then the change that lowered the requirement most. */
        llmcost_job next = jv;
        next.recompute = LLMCOST_RECOMPUTE_FULL;
        if (next.layout.dp * next.layout.cp > 1)
            next.layout.zero = 3;
        if (next.micro_batch > 1) {
            next.micro_batch = 1;
            next.grad_accum = 0;
        }
        bool changed = next.recompute != jv.recompute || next.layout.zero != jv.layout.zero ||
                       next.micro_batch != jv.micro_batch;
        if (!changed) {
            if (!(lowest_req < f.required_bytes))
                break;
            next = lowest;
        }
        cur = next;
    }
    return lc_fail(LLMCOST_ENOTFOUND, "no layout tried fits %s on %s", m->name, gpu->name);
}

int llmcost_job_set_batch_tokens(llmcost_job *j, const llmcost_model *m, double tokens, bool *rounded)
{
    *rounded = false;
    if (!(tokens >= 1 && tokens < 9.0e18))
        return lc_fail(LLMCOST_EINVAL, "global_batch = %g tokens is out of range", tokens);
    if (j->seq < 1 || j->micro_batch < 1)
        return lc_fail(LLMCOST_EINVAL, "seq and micro_batch must be at least 1");
    llmcost_layout l = j->layout;
    int rc = lc_layout_check(&l, m);
    if (rc)
        return rc;
    double round = (double)j->micro_batch * (double)l.dp * (double)j->seq; /* tokens per micro-batch round */
    double rounds = floor(tokens / round + 0.5);
    if (rounds < 1)
        rounds = 1;
    *rounded = rounds * round != tokens;
    j->global_batch = (int64_t)rounds * j->micro_batch * l.dp;
    j->grad_accum = 0;
    return 0;
}

double llmcost_job_default_batch_tokens(const llmcost_model *m, const char **source)
{
    if (m && m->train_batch_tokens > 0) {
        *source = m->train_batch_source;
        return (double)m->train_batch_tokens;
    }
    *source = "no published batch for this model: 4M tokens (2^22), the batch LLaMA and Llama 2 trained 7B to 70B "
              "models with";
    return 4194304.0;
}
