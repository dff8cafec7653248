/* report.c - `llmcost report` computed by the library (report.h): the sections' options, the job that is priced,
 * the step under both implementation profiles and a compute-optimal run, and the whole document as JSON. */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "kernels.h"
#include "json_out.h"
#include "llmcost/format.h"
#include "llmcost/output.h"
#include "llmcost/params.h"
#include "llmcost/plan.h"
#include "llmcost/report.h"
#include "llmcost/request.h"
#include "llmcost/scaling.h"

/* Compute-optimal tokens per parameter, the rule of thumb of Hoffmann et al. 2022 (Chinchilla). */
#define TOKENS_PER_PARAM 20.0

int llmcost_report_options_init(llmcost_report_options *o)
{
    if (!o)
        return lc_fail(LLMCOST_EINVAL, "llmcost_report_options_init: NULL options");
    memset(o, 0, sizeof *o);
    o->version = LLMCOST_REPORT_OPTIONS_VERSION;
    o->notes = NULL;
    o->sequence_parallel = -1;
    return 0;
}

void llmcost_report_free(llmcost_report *r)
{
    if (!r)
        return;
    free(r->fit_note);
    free(r->notes);
    free(r->plan_args);
    free(r->savers_note);
    free(r);
}

static char *dup_text(const char *s)
{
    size_t n = strlen(s ? s : "");
    char *d = malloc(n + 1);
    if (d)
        memcpy(d, s ? s : "", n + 1);
    return d;
}

static bool has_adapters(const llmcost_job *j)
{
    return j->version >= 2 && (j->finetune.method == LLMCOST_FT_LORA || j->finetune.method == LLMCOST_FT_QLORA);
}

/* Whether the engines must run on the job itself: adapters and the memory savers are not carried by the memory and
 * step options. */
static bool job_path(const llmcost_job *j)
{
    return has_adapters(j) || lc_job_has_savers(j);
}

/* The eager savers Megatron-LM has none of (the engines refuse them under framework megatron). */
static bool eager_savers(const llmcost_job *j)
{
    return j->version >= 4 && (j->chunked_loss > 1 || j->optimizer_in_backward || j->activation_offload || j->compile);
}

/* The job's memory savers as their flags (" --chunked-loss 8 --compile ..."; "" when none): the eager ones only
 * when "eager_only". */
static void savers_flags(char *buf, size_t n, const llmcost_job *j, bool eager_only)
{
    size_t len = 0;
    buf[0] = '\0';
    if (j->version >= 4) {
        if (j->chunked_loss > 1 && len < n)
            len += (size_t)snprintf(buf + len, n - len, " --chunked-loss %lld", (long long)j->chunked_loss);
        if (j->optimizer_in_backward && len < n)
            len += (size_t)snprintf(buf + len, n - len, " --optimizer-in-backward");
        if (j->activation_offload && len < n)
            len += (size_t)snprintf(buf + len, n - len, " --activation-offload");
        if (j->compile && len < n)
            len += (size_t)snprintf(buf + len, n - len, " --compile");
    }
    if (!eager_only && llmcost_optimizer_paged(j->optimizer) && len < n)
        snprintf(buf + len, n - len, " --optimizer %s",
                 j->optimizer == LLMCOST_OPTIM_PAGED_ADAMW_8BIT ? "paged-adamw-8bit" : "paged-adamw");
}

/* The step of "job" under each profile, and what a billion tokens and a compute-optimal run cost at that rate. The
 * eager row takes the job's memory savers (as `llmcost step` does); the megatron row the job without the eager ones,
 * which Megatron-LM does not have (said in savers_note). */
static int price_profiles(llmcost_report *r, const llmcost_model *m, const llmcost_gpu *g, int sp)
{
    llmcost_step_options base;
    llmcost_job_step_options(&base, &r->job);
    r->n_profiles = LLMCOST_REPORT_PROFILES;
    char lines[4096] = "";
    for (int fw = 0; fw < LLMCOST_REPORT_PROFILES; fw++) {
        llmcost_step_options o = base;
        /* The eager row is the job's own eager profile (hf, torchtune or litgpt: the same kernels, what each keeps
         * and trains in differs), the fused row megatron's. */
        o.framework = fw == LLMCOST_FW_HF && llmcost_framework_eager(r->job.framework) ? r->job.framework
                                                                                       : (llmcost_framework)fw;
        /* Sequence parallelism: each profile's default (Megatron's with tensor parallelism), unless given; a planned
         * layout is timed as the planner chose it. */
        if (r->basis != LLMCOST_REPORT_PLANNED)
            o.layout.sequence_parallel = o.layout.tp > 1 && (sp >= 0 ? sp == 1 : fw == LLMCOST_FW_MEGATRON);
        llmcost_job jj = r->job;
        jj.framework = o.framework;
        jj.layout.sequence_parallel = o.layout.sequence_parallel;
        if (!llmcost_framework_eager(o.framework) && eager_savers(&jj)) {
            jj.chunked_loss = 0;
            jj.optimizer_in_backward = false;
            jj.activation_offload = false;
            jj.compile = false;
            r->megatron_without_savers = true;
        }
        /* Megatron-Core's MoE implementation (a dispatcher, a capacity factor, the shared-expert overlap) has no
         * meaning for transformers' eager experts: the eager row runs them as transformers does (dropless, nothing
         * dispatched), said below. */
        bool eager_moe = llmcost_framework_eager(o.framework) &&
                         (jj.moe_dispatcher != LLMCOST_MOE_ALLTOALL || jj.moe_capacity_factor > 0 ||
                          jj.moe_shared_expert_overlap);
        if (eager_moe) {
            jj.moe_dispatcher = o.moe_dispatcher = LLMCOST_MOE_ALLTOALL;
            jj.moe_capacity_factor = o.moe_capacity_factor = 0;
            jj.moe_shared_expert_overlap = o.moe_shared_expert_overlap = false;
            size_t len = strlen(lines);
            snprintf(lines + len, sizeof lines - len,
                     "the %s row without Megatron-Core's MoE implementation (its dispatcher, capacity factor and "
                     "shared-expert overlap): transformers' experts run dropless, in place\n",
                     llmcost_framework_name(o.framework));
        }
        llmcost_step s;
        int rc;
        if (job_path(&jj)) /* the job itself: step options carry no adapters or savers */
            rc = llmcost_job_step(&s, m, g, &jj);
        else
            rc = llmcost_step_compute(&s, m, g, &o);
        if (rc < 0)
            return rc;
        if (lc_job_has_savers(&jj) && llmcost_framework_eager(o.framework))
            llmcost_step_savers_assumptions(lines, sizeof lines, &s, &jj, g);
        llmcost_report_profile *p = &r->profiles[fw];
        p->framework = o.framework;
        p->sequence_parallel = o.layout.sequence_parallel;
        p->step_seconds = s.step_seconds;
        p->tokens_per_second = s.tokens_per_second;
        p->mfu = s.mfu;
        p->usd_per_billion_tokens = 1e9 / s.tokens_per_second_per_gpu / 3600 * g->price_per_hour;
        p->chinchilla_gpu_hours = r->chinchilla_tokens / s.tokens_per_second_per_gpu / 3600;
        p->chinchilla_cost_usd = p->chinchilla_gpu_hours * g->price_per_hour;
    }
    if (r->megatron_without_savers) {
        char f[256];
        savers_flags(f, sizeof f, &r->job, true);
        size_t len = strlen(lines);
        snprintf(lines + len, sizeof lines - len,
                 "the megatron row without%s: Megatron-LM has none of these PyTorch-eager memory savers (llmcost models "
                 "them for the eager profiles only), so it is priced as 'llmcost step --framework megatron' without "
                 "them%s\n",
                 f, llmcost_optimizer_paged(r->job.optimizer) ? " (the paged optimizer kept)" : "");
    }
    free(r->savers_note);
    r->savers_note = dup_text(lines);
    return r->savers_note ? 0 : lc_fail(LLMCOST_ENOMEM, "out of memory");
}

/* The `llmcost plan` flags of the report's search: the cluster, sequence and batch, and the settings it keeps fixed
 * as llmcost_plan_layout_flags() writes them (framework ... memory mechanisms, CUDA context). */
static int plan_args(llmcost_report *r, const llmcost_gpu *gpu, const llmcost_model *m)
{
    char flags[1024], args[1280];
    /* (with the model: a LoRA job's targets are written by their module names) */
    int rc = llmcost_plan_layout_flags_model(flags, sizeof flags, &r->plan, &r->planned, gpu->name, false, m);
    if (rc < 0)
        return rc;
    const char *from = strstr(flags, " --framework "), *to = strstr(flags, " --global-batch ");
    if (!from || !to || to < from)
        return lc_fail(LLMCOST_EINVAL, "report: unexpected plan flags '%s'", flags);
    snprintf(args, sizeof args, "--gpu %s --gpus %lld --seq %lld --global-batch %lld%.*s", gpu->name,
             (long long)r->cluster_gpus, (long long)r->plan.seq, (long long)r->plan.global_batch_tokens,
             (int)(to - from), from);
    if (r->plan.headroom != 0.05)
        snprintf(args + strlen(args), sizeof args - strlen(args), " --headroom %.17g", r->plan.headroom);
    r->plan_args = dup_text(args);
    return r->plan_args ? 0 : lc_fail(LLMCOST_ENOMEM, "out of memory");
}

/*
 * A one-GPU job that does not fit: the planner's fastest layout on the smallest default cluster on which one fits:
 * the one GPU (more recomputation, a smaller micro-batch), else a power of two of GPUs from 8 up (report.h). A cluster whose GPUs cannot hold the weights and optimizer states even spread
 * evenly over all of them (their bytes / GPUs > usable memory; the memory engine's peak is never below it) is not
 * searched. *found is false when no cluster up to LLMCOST_REPORT_MAX_GPUS has a layout that fits.
 */
static int plan_default_cluster(llmcost_report *r, const llmcost_model *m, const llmcost_gpu *gpu, double params,
                                bool *found)
{
    *found = false;
    const llmcost_job *j = &r->given;
    llmcost_plan_options *po = &r->plan;
    llmcost_plan_options_init(po);
    r->plan_gpu = *gpu;
    po->gpu_types = &r->plan_gpu;
    po->n_gpu_types = 1;
    po->seq = j->seq;
    po->global_batch_tokens = j->global_batch * j->seq;
    po->objective = LLMCOST_PLAN_TIME;
    po->top = 1;
    po->precision = j->precision;
    po->optimizer = j->optimizer;
    po->attention = j->attention;
    po->framework = j->framework;
    po->comm = j->comm;
    po->headroom = j->headroom;
    po->cuda_context_bytes = j->cuda_context_bytes;
    po->act_cache = j->act_cache;
    po->recompute_modules = j->recompute_modules;
    po->pipeline = j->pipeline;
    po->ema = j->ema;
    po->bf16_grads = !j->fp32_grads;
    po->foreach_optimizer = !j->fused_optimizer;
    if (j->version >= 2)
        po->finetune = j->finetune; /* searched with the job's fine-tuning (options version 4) */
    if (j->version >= 3) /* ... and its MoE implementation (version 5) */
        po->moe_dispatcher = j->moe_dispatcher, po->moe_capacity_factor = j->moe_capacity_factor;
    if (j->version >= 4) { /* ... and its memory savers (version 5): each layout sized and timed with them */
        po->chunked_loss = j->chunked_loss;
        po->optimizer_in_backward = j->optimizer_in_backward;
        po->activation_offload = j->activation_offload;
        po->compile = j->compile;
    }
    if (j->version >= 5) /* ... its CP implementation and per-layer checkpointing (version 6) */
        po->cp_comm = j->cp_comm, po->recompute_every = j->recompute_every;
    if (j->version >= 6) /* ... and its DP gradient bucket (version 7) */
        po->ddp_bucket_size = j->ddp_bucket_size, po->moe_shared_expert_overlap = j->moe_shared_expert_overlap;
    /* (adapters: the frozen base keeps no optimizer state; a paged optimizer's states live outside the GPU's
     * counted memory: the bound below does not hold for either) */
    bool adapters = has_adapters(j) || llmcost_optimizer_paged(j->optimizer);
    llmcost_param_bytes pb;
    llmcost_job_param_bytes(&pb, j);
    double usable = gpu->memory_bytes * (1 - j->headroom) - j->cuda_context_bytes;
    for (int64_t n = 1; n <= LLMCOST_REPORT_MAX_GPUS; n = n == 1 ? 8 : 2 * n) {
        if (!adapters && (pb.weights + pb.optimizer) * params / (double)n > usable)
            continue;
        po->gpus = n;
        llmcost_plan plan;
        int rc = llmcost_plan_search(&plan, m, po);
        if (rc < 0)
            return rc;
        if (plan.n_layouts > 0) {
            r->planned = plan.layouts[0];
            r->cluster_gpus = n;
            *found = true;
        }
        llmcost_plan_dispose(&plan);
        if (*found)
            return plan_args(r, gpu, m);
    }
    return 0;
}

/* The fine-tuning table (report.h, llmcost_report_ft_fit): the given job on one GPU at micro-batch 1, under full
 * fine-tuning, LoRA and QLoRA (NF4 unless the job gives another quantisation), on a 24, 48 and 80 GB GPU. A cell the
 * engines refuse is marked unavailable; only an allocation failure fails the report. */
static int finetune_table(llmcost_report *r, const llmcost_model *m)
{
    static const char *const gpus[3] = {"rtx-4090", "l40s", "h100"};
    llmcost_job j = r->given;
    llmcost_layout one = LLMCOST_LAYOUT_INIT;
    one.gpus = 1;
    j.layout = one;
    j.expert_tp = 1;
    j.micro_batch = 1;
    j.global_batch = 0;
    j.grad_accum = 1;
    j.pipeline = LLMCOST_PIPE_1F1B; /* DualPipe needs two stages */
    llmcost_layout_resolve(&j.layout, m);
    r->ft_job = j;
    /* The table's adapters: the job's, else PEFT's defaults (rank 8 on the type's default targets, all-linear when
     * PEFT has none). */
    llmcost_finetune ad = LLMCOST_FINETUNE_INIT;
    if (has_adapters(&r->given)) {
        ad = r->given.finetune;
        if (!ad.targets && llmcost_lora_targets_default(&ad.targets, m) < 0)
            ad.targets = 0;
    } else if (llmcost_lora_targets_default(&ad.targets, m) < 0 && llmcost_lora_targets_parse(&ad.targets, m, "all-linear") < 0) {
        /* all-linear less the weights a fused Mamba kernel reads itself (refused as targets: lc_ft_kernel_read) */
        ad.targets = 0;
        for (int r0 = 0; r0 < LLMCOST_LR_COUNT; r0++)
            if (llmcost_lora_module_name(m, (llmcost_lora_role)r0) && !lc_ft_kernel_read(m, r0))
                ad.targets |= 1u << r0;
    }
    ad.method = LLMCOST_FT_LORA;
    r->ft_adapters = ad;
    r->n_ft_fits = LLMCOST_REPORT_FT_FITS;
    for (int k = 0; k < 3; k++) {
        llmcost_job jk = j;
        jk.finetune = ad;
        if (k == 0) {
            llmcost_finetune full = LLMCOST_FINETUNE_INIT;
            full.method = LLMCOST_FT_FULL;
            jk.finetune = full;
        } else if (k == 2) {
            jk.finetune.method = LLMCOST_FT_QLORA;
            if (jk.finetune.quant == LLMCOST_QUANT_NONE)
                jk.finetune.quant = LLMCOST_QUANT_NF4;
        } else {
            jk.finetune.quant = LLMCOST_QUANT_NONE;
            jk.finetune.double_quant = false;
            jk.finetune.quant_group = 0;
        }
        if (k > 0) /* per-layer checkpointing is not modelled with adapters (job.c): their rows recompute every layer */
            jk.recompute_every = 0;
        for (int g = 0; g < 3; g++) {
            llmcost_report_ft_fit *c = &r->ft_fits[3 * k + g];
            const llmcost_gpu *gp = llmcost_gpu_find(gpus[g]);
            memset(c, 0, sizeof *c);
            c->gpu = gpus[g];
            c->method = jk.finetune.method;
            if (!gp)
                continue;
            c->capacity_bytes = gp->memory_bytes;
            if (k > 0 && !ad.targets)
                continue;
            llmcost_memory mem;
            int rc = llmcost_job_memory(&mem, m, &jk);
            if (rc == LLMCOST_ENOMEM)
                return rc;
            if (rc < 0)
                continue;
            int64_t mb = 0;
            if ((rc = llmcost_job_max_micro_batch(&mb, m, &jk, gp->memory_bytes, jk.headroom)) == LLMCOST_ENOMEM)
                return rc;
            if (rc < 0)
                continue;
            c->available = true;
            c->peak_bytes = mem.peak_bytes;
            c->reserved_bytes = mem.reserved_bytes;
            c->trainable_params = mem.trainable_params;
            c->max_micro_batch = mb;
            c->fits = mem.reserved_bytes <= gp->memory_bytes * (1 - jk.headroom) - jk.cuda_context_bytes;
        }
    }
    return 0;
}

static json_t *finetune_table_json(const llmcost_report *r, const llmcost_model *m)
{
    char names[512] = "";
    if (r->ft_adapters.targets)
        llmcost_lora_targets_format(names, sizeof names, m, r->ft_adapters.targets);
    const llmcost_job *j = &r->ft_job;
    static const char *const optimizers[] = {"adamw", "adamw-8bit", "sgd", "adafactor", "paged-adamw", "paged-adamw-8bit"};
    json_t *o = json_pack("{s:I, s:i, s:s, s:s, s:s, s:s, s:s}", "seq", (json_int_t)j->seq, "micro_batch", 1,
                          "precision", llmcost_precision_name(j->precision), "optimizer",
                          (unsigned)j->optimizer < 6 ? optimizers[j->optimizer] : "?", "recompute", llmcost_recompute_name(j->recompute),
                          "framework", llmcost_framework_name(j->framework), "attention",
                          llmcost_attn_impl_name(j->attention));
    if (!o)
        return NULL;
    llmcost_quant q = r->ft_adapters.quant == LLMCOST_QUANT_NONE ? LLMCOST_QUANT_NF4 : r->ft_adapters.quant;
    json_object_set_new(o, "lora", json_pack("{s:I, s:o, s:s, s:s, s:s}", "rank",
                                             (json_int_t)(r->ft_adapters.rank ? r->ft_adapters.rank : 8), "alpha",
                                             lc_json_real(r->ft_adapters.alpha != 0 ? r->ft_adapters.alpha : 8),
                                             "targets", names, "variant", llmcost_lora_variant_name(r->ft_adapters.variant),
                                             "qlora_quant", llmcost_quant_name(q)));
    json_t *cells = json_array();
    for (int i = 0; i < r->n_ft_fits; i++) {
        const llmcost_report_ft_fit *c = &r->ft_fits[i];
        json_t *x = json_pack("{s:s, s:s, s:o, s:b}", "method", llmcost_finetune_method_name(c->method), "gpu", c->gpu,
                              "capacity_bytes", lc_json_real(c->capacity_bytes), "available", c->available);
        if (c->available) {
            json_object_set_new(x, "fits", json_boolean(c->fits));
            json_object_set_new(x, "max_micro_batch", lc_json_int(c->max_micro_batch));
            json_object_set_new(x, "peak_bytes", lc_json_real(round(c->peak_bytes)));
            json_object_set_new(x, "reserved_bytes", lc_json_real(round(c->reserved_bytes)));
            json_object_set_new(x, "trainable_params", lc_json_int(c->trainable_params));
        }
        json_array_append_new(cells, x);
    }
    json_object_set_new(o, "cells", cells);
    json_t *as = json_array();
    json_array_append_new(as, json_string("the given job on one GPU at micro-batch 1 (its sequence, precision, optimizer, "
                                          "attention, framework and recomputation)"));
    json_array_append_new(as, json_string(has_adapters(&r->given) ? "LoRA and QLoRA with the given adapters"
                                          : "LoRA and QLoRA at PEFT's defaults: rank 8, alpha 8, the type's default "
                                            "targets (all-linear when PEFT has none, less the weights a fused Mamba kernel "
                                            "reads itself), the QLoRA base in NF4"));
    if (r->savers) {
        char line[384];
        snprintf(line, sizeof line, "every cell with the job's memory savers (%s), as 'llmcost memory' sizes them",
                 r->savers_flags);
        json_array_append_new(as, json_string(line));
        json_object_set_new(o, "memory_savers", json_string(r->savers_flags));
    }
    json_object_set_new(o, "assumptions", as);
    return o;
}

int llmcost_report_compute(llmcost_report **out, const llmcost_model *m, const llmcost_gpu *gpu,
                           const llmcost_job *job, const llmcost_report_options *o)
{
    if (out)
        *out = NULL;
    if (!out || !m || !gpu || !job)
        return lc_fail(LLMCOST_EINVAL, "llmcost_report_compute: NULL argument");
    llmcost_report_options dflt;
    llmcost_report_options_init(&dflt);
    if (!o)
        o = &dflt;
    if (o->version < 1 || o->version > LLMCOST_REPORT_OPTIONS_VERSION)
        return lc_fail(LLMCOST_EINVAL, "llmcost_report_options: version %u unknown (this library: %d)", o->version,
                       LLMCOST_REPORT_OPTIONS_VERSION);
    if (o->sequence_parallel < -1 || o->sequence_parallel > 1)
        return lc_fail(LLMCOST_EINVAL, "sequence_parallel = %d: -1 (the profile's default), 0 or 1",
                       o->sequence_parallel);
    llmcost_report *r = calloc(1, sizeof *r);
    if (!r)
        return lc_fail(LLMCOST_ENOMEM, "out of memory");
    r->version = 1;
    r->notes = dup_text(o->notes);
    /* The GEMM rate the step section assumes on this GPU: the H200 fit times its measured matmul fraction over the
     * H200's (kernels.c lc_gemm_eta_scale). */
    const lc_kernel_model *km = lc_kernel_model_get();
    double half = llmcost_gpu_half_peak(gpu);
    double sf, srf;
    if (lc_gemm_sustained(gpu, false, &sf, &srf))
        snprintf(r->gemm_note, sizeof r->gemm_note,
                 "large GEMMs on %s at %.0f%% of peak: the H200 fit %.0f%% x its sustained (power-saturated) matmul "
                 "%.1f%% / the H200's %.1f%% (data/calibration/msmf_bekman_fast_mamf.json)",
                 gpu->name, 100 * fmin(1, km->gemm_eta * lc_gemm_eta_scale(gpu, false)), 100 * km->gemm_eta, 100 * sf,
                 100 * srf);
    else if (gpu->mamf_flops[LLMCOST_DT_BF16] > 0 && half > 0 && km->mamf_ref[0] > 0)
        snprintf(r->gemm_note, sizeof r->gemm_note,
                 "large GEMMs on %s at %.0f%% of peak: the H200 fit %.0f%% x its measured max achievable matmul %.1f%% / "
                 "the H200's %.1f%% (mamf_tflops; source: llmcost gpus --gpu %s)",
                 gpu->name, 100 * fmin(lc_gemm_eta_cap(gpu, false), km->gemm_eta * lc_gemm_eta_scale(gpu, false)), 100 * km->gemm_eta,
                 100 * gpu->mamf_flops[LLMCOST_DT_BF16] / half, 100 * km->mamf_ref[0], gpu->name);
    else
        snprintf(r->gemm_note, sizeof r->gemm_note,
                 "large GEMMs on %s at the H200 fit's %.0f%% of peak (no matmul measurement for it)", gpu->name,
                 100 * km->gemm_eta);
    int rc = r->notes ? 0 : lc_fail(LLMCOST_ENOMEM, "out of memory");
    r->given = *job;
    if (rc == 0)
        rc = llmcost_job_validate(&r->given, m);
    /* The memory savers: every section takes them (the memory section, the eager step, the fine-tuning table and
     * a planned layout's search); the megatron row drops the eager ones (price_profiles). */
    if (rc == 0 && (r->savers = lc_job_has_savers(&r->given))) {
        char f[256];
        savers_flags(f, sizeof f, &r->given, false);
        snprintf(r->savers_flags, sizeof r->savers_flags, "%s", f + 1);
    }
    llmcost_params p;
    if (rc == 0)
        rc = llmcost_params_count(&p, m);
    if (rc < 0) {
        llmcost_report_free(r);
        return rc;
    }
    r->chinchilla_tokens = TOKENS_PER_PARAM * (double)p.total;
    r->price_per_hour = gpu->price_per_hour;
    r->headroom = r->given.headroom;

    /* The step is priced for a job that fits. When the given one does not: a one-GPU job is planned on the default
     * cluster (plan_default_cluster); otherwise, or when no cluster fits, the fit's changes are applied greedily
     * (llmcost_job_make_fit; not a search of speed: 'llmcost plan' searches). */
    char note[4096] = ""; /* room for the longest plan flags (plan_args: 1,280) and a model name */
    r->job = r->given;
    r->basis = LLMCOST_REPORT_GIVEN;
    if ((rc = llmcost_job_fit(&r->given_fit, m, gpu, &r->given)) < 0) {
        llmcost_report_free(r);
        return rc;
    }
    r->fit = r->given_fit;
    bool planned = false;
    char a[48], b[48];
    llmcost_fmt_bytes(a, sizeof a, r->given_fit.required_bytes);
    llmcost_fmt_bytes(b, sizeof b, r->given_fit.usable_bytes);
    if (!r->given_fit.fits && r->given.layout.gpus == 1 &&
        (rc = plan_default_cluster(r, m, gpu, (double)p.total, &planned)) < 0) {
        llmcost_report_free(r);
        return rc;
    }
    if (planned) {
        const llmcost_plan_layout *l = &r->planned;
        const llmcost_layout *L = &l->layout;
        llmcost_job pj = r->given;
        pj.layout = *L;
        pj.expert_tp = l->expert_tp;
        pj.micro_batch = l->micro_batch;
        pj.recompute = l->recompute;
        if (pj.recompute != LLMCOST_RECOMPUTE_FULL) /* per-layer checkpointing is of full recomputation only */
            pj.recompute_every = 0;
        pj.grad_accum = l->micro_batches;
        if ((rc = llmcost_job_validate(&pj, m)) < 0 || (rc = llmcost_job_fit(&r->fit, m, gpu, &pj)) < 0) {
            llmcost_report_free(r);
            return rc;
        }
        r->job = pj;
        r->basis = LLMCOST_REPORT_PLANNED;
        snprintf(note, sizeof note,
                 "the job given does not fit one %s (peak %s of %s usable): priced with the planner's fastest layout "
                 "on %lld %s, the smallest cluster (one GPU, else a power of two from 8) on which a layout fits: --gpus %lld --tp "
                 "%lld --pp %lld --vpp %lld --dp %lld --cp %lld --ep %lld --etp %lld --zero %d --micro-batch %lld "
                 "--recompute %s --%ssequence-parallel%s%s (the first layout of 'llmcost plan %s %s'); the global batch "
                 "of %lld sequences is then %lld micro-batches of %lld per replica",
                 gpu->name, a, b, (long long)r->cluster_gpus, gpu->name, (long long)L->gpus, (long long)L->tp,
                 (long long)L->pp, (long long)L->vpp, (long long)L->dp, (long long)L->cp, (long long)L->ep,
                 (long long)l->expert_tp, L->zero, (long long)l->micro_batch, llmcost_recompute_name(l->recompute),
                 L->sequence_parallel ? "" : "no-", L->ep_overlap ? " --ep-overlap" : "",
                 L->tp_overlap ? " --tp-overlap" : "", m->name, r->plan_args, (long long)pj.global_batch,
                 (long long)pj.grad_accum, (long long)pj.micro_batch);
    } else if (!r->given_fit.fits) {
        llmcost_job fitted;
        if (llmcost_job_make_fit(&fitted, m, gpu, &r->given, 0) == 0) {
            char ch[512];
            llmcost_job_changes(ch, sizeof ch, &r->given, &fitted);
            snprintf(note, sizeof note,
                     "the job given does not fit %s (peak %s of %s usable): priced with %s instead, a layout that fits "
                     "found by trying changes (not the fastest one: see 'llmcost plan')",
                     gpu->name, a, b, ch);
            r->job = fitted;
            r->basis = LLMCOST_REPORT_CHANGED;
            if ((rc = llmcost_job_fit(&r->fit, m, gpu, &r->job)) < 0) {
                llmcost_report_free(r);
                return rc;
            }
        } else {
            snprintf(note, sizeof note, "does NOT fit %s (peak %s of %s usable) and no change tried fits", gpu->name, a,
                     b);
            r->basis = LLMCOST_REPORT_UNFIT;
        }
    }
    if (!r->plan_args)
        r->plan_args = dup_text("");
    /* The FLOPs and memory sections describe the job given, or the planned one. */
    const llmcost_job *sj = planned ? &r->job : &r->given;
    llmcost_flops_options_init(&r->flops);
    r->flops.seq = sj->seq;
    r->flops.batch = sj->micro_batch;
    r->flops.attention = sj->attention;
    r->flops.recompute = sj->recompute;
    llmcost_job_memory_options(&r->memory, sj);
    r->memory_job = *sj;
    if (gpu->memory_bytes > 0 &&
        (rc = job_path(sj) ? llmcost_job_max_micro_batch(&r->max_micro_batch, m, sj, gpu->memory_bytes, r->headroom)
                               : llmcost_memory_max_micro_batch(&r->max_micro_batch, m, &r->memory, gpu->memory_bytes,
                                                                r->headroom)) < 0) {
        llmcost_report_free(r);
        return rc;
    }
    if ((rc = finetune_table(r, m)) < 0) {
        llmcost_report_free(r);
        return rc;
    }

    r->fit_note = dup_text(note);
    rc = r->fit_note ? price_profiles(r, m, gpu, o->sequence_parallel) : lc_fail(LLMCOST_ENOMEM, "out of memory");
    if (rc < 0) {
        llmcost_report_free(r);
        return rc;
    }
    *out = r;
    return 0;
}

/* A section: the document of its own command without its schema_version and model. */
static int section(json_t *doc, const char *key, char *text)
{
    json_error_t e;
    json_t *o = json_loads(text, 0, &e);
    llmcost_free(text);
    if (!o)
        return lc_fail(LLMCOST_EINVAL, "report: the %s section does not parse: %s", key, e.text);
    json_object_del(o, "schema_version");
    json_object_del(o, "model");
    json_object_set_new(doc, key, o);
    return 0;
}

/* The planned layout as `llmcost plan` lists it (llmcost_plan_to_json's "layouts" entry), with the cluster and the
 * search's flags. */
static json_t *planned_layout_json(const llmcost_report *r, const llmcost_model *m)
{
    llmcost_plan pl;
    memset(&pl, 0, sizeof pl);
    llmcost_plan_layout l = r->planned;
    pl.layouts = &l;
    pl.n_layouts = 1;
    pl.evaluated = pl.feasible = 1;
    char *text;
    if (llmcost_plan_to_json(&text, &pl, m, &r->plan, NULL) < 0)
        return NULL;
    json_t *doc = json_loads(text, 0, NULL);
    llmcost_free(text);
    json_t *lay = json_array_get(json_object_get(doc, "layouts"), 0);
    if (!lay) {
        json_decref(doc);
        return NULL;
    }
    json_t *o = json_pack("{s:s, s:I, s:s, s:s}", "source", "plan", "cluster_gpus", (json_int_t)r->cluster_gpus,
                          "cluster_rule", "the smallest cluster on which a layout fits: one GPU, else a power of two from 8",
                          "plan_flags", r->plan_args);
    if (o)
        json_object_set(o, "layout", lay);
    json_decref(doc);
    return o;
}

static json_t *step_cost_json(const llmcost_report *r, const llmcost_model *m, const llmcost_gpu *g)
{
    json_t *arr = json_array();
    for (int i = 0; i < r->n_profiles; i++) {
        const llmcost_report_profile *p = &r->profiles[i];
        json_t *row;
        json_array_append_new(arr, row = json_pack("{s:s, s:o, s:o, s:o, s:o, s:o, s:o}", "framework",
                                             llmcost_framework_name(p->framework), "step_seconds",
                                             lc_json_real(p->step_seconds), "tokens_per_second",
                                             lc_json_real(p->tokens_per_second), "mfu", lc_json_real(p->mfu),
                                             "usd_per_billion_tokens", lc_json_real(p->usd_per_billion_tokens),
                                             "chinchilla_gpu_hours", lc_json_real(p->chinchilla_gpu_hours),
                                             "chinchilla_cost_usd", lc_json_real(p->chinchilla_cost_usd)));
        if (r->savers && row) { /* the savers this row was priced with, as flags ("" for none) */
            char f[256];
            bool drop = !llmcost_framework_eager(p->framework) && r->megatron_without_savers;
            if (drop) { /* only a paged optimizer stays */
                llmcost_job pj = r->job;
                pj.chunked_loss = 0;
                pj.optimizer_in_backward = pj.activation_offload = pj.compile = false;
                savers_flags(f, sizeof f, &pj, false);
            } else {
                savers_flags(f, sizeof f, &r->job, false);
            }
            json_object_set_new(row, "memory_savers", json_string(f[0] ? f + 1 : ""));
        }
    }
    json_t *o = json_pack("{s:s, s:I, s:o, s:o, s:o}", "gpu", g->name, "seq", (json_int_t)r->job.seq,
                          "price_usd_per_gpu_hour", lc_json_real(r->price_per_hour), "chinchilla_tokens",
                          lc_json_real(r->chinchilla_tokens), "profiles", arr);
    if (!o)
        return NULL;
    json_object_set_new(o, "fits", json_boolean(r->fit.fits));
    json_object_set_new(o, "peak_bytes", lc_json_real(round(r->fit.peak_bytes)));
    json_object_set_new(o, "capacity_bytes", lc_json_real(round(r->fit.capacity_bytes)));
    json_object_set_new(o, "required_bytes", lc_json_real(round(r->fit.required_bytes)));
    const llmcost_job *j = &r->job;
    json_object_set_new(o, "layout", json_pack("{s:I, s:I, s:I, s:I, s:i, s:s, s:I}", "gpus", (json_int_t)j->layout.gpus,
                                               "tp", (json_int_t)j->layout.tp, "pp", (json_int_t)j->layout.pp, "dp",
                                               (json_int_t)j->layout.dp, "zero", j->layout.zero, "recompute",
                                               llmcost_recompute_name(j->recompute), "micro_batch",
                                               (json_int_t)j->micro_batch));
    if (r->basis == LLMCOST_REPORT_PLANNED) {
        json_t *al = planned_layout_json(r, m);
        if (!al) {
            json_decref(o);
            return NULL;
        }
        json_object_set_new(o, "assumed_layout", al);
    }
    json_t *as = lc_json_lines(r->notes);
    json_array_append_new(as, json_string("the report's GPU at its catalogue price"));
    json_array_append_new(as, json_string("20 tokens per parameter (Hoffmann et al. 2022)"));
    if (r->fit_note[0])
        json_array_append_new(as, json_string(r->fit_note));
    json_array_append_new(as, json_string(r->gemm_note));
    json_t *sl = lc_json_lines(r->savers_note ? r->savers_note : "");
    json_array_extend(as, sl);
    json_decref(sl);
    json_object_set_new(o, "assumptions", as);
    if (r->savers)
        json_object_set_new(o, "memory_savers", json_string(r->savers_flags));
    return o;
}

int llmcost_report_result_to_json(char **out, const llmcost_report *r, const llmcost_model *m,
                                  const llmcost_gpu *gpu)
{
    if (out)
        *out = NULL;
    if (!out || !r || !m || !gpu)
        return lc_fail(LLMCOST_EINVAL, "llmcost_report_result_to_json: NULL argument");
    json_t *doc = json_object();
    json_object_set_new(doc, "schema_version", json_integer(LLMCOST_SCHEMA_VERSION));
    char *text = NULL;
    int rc = llmcost_model_to_json(&text, m);
    if (rc == 0)
        rc = section(doc, "model", text);
    llmcost_params p;
    if (rc == 0 && r->given.version >= 2 && r->given.finetune.method != LLMCOST_FT_NONE) {
        /* Fine-tuning: the params document with what trains and what stays frozen (llmcost params --finetune). */
        if ((rc = llmcost_finetune_params_to_json_framework(&text, m, &r->given.finetune, (int)r->given.framework)) == 0)
            rc = section(doc, "params", text);
    } else if (rc == 0 && (rc = llmcost_params_count(&p, m)) == 0 && (rc = llmcost_params_to_json(&text, &p, m)) == 0) {
        rc = section(doc, "params", text);
    }
    llmcost_flops f;
    if (rc == 0 && (rc = llmcost_flops_compute(&f, m, &r->flops)) == 0 &&
        (rc = llmcost_flops_to_json(&text, &f, m, &r->flops, 0)) == 0)
        rc = section(doc, "flops", text);
    llmcost_memory mem;
    if (rc == 0 && (rc = job_path(&r->memory_job) ? llmcost_job_memory(&mem, m, &r->memory_job)
                                                       : llmcost_memory_compute(&mem, m, &r->memory)) == 0 &&
        (rc = llmcost_memory_to_json(&text, &mem, m, &r->memory, gpu, r->headroom, r->max_micro_batch)) == 0)
        rc = section(doc, "memory", text);
    if (rc == 0 && (rc = llmcost_scaling_at_size_to_json(&text, m)) == 0)
        rc = section(doc, "scaling", text);
    if (rc < 0) {
        json_decref(doc);
        return rc;
    }
    json_t *sc = step_cost_json(r, m, gpu);
    if (!sc) {
        json_decref(doc);
        return lc_fail(LLMCOST_ENOMEM, "out of memory");
    }
    json_object_set_new(doc, "step_cost", sc);
    json_t *ftj = finetune_table_json(r, m);
    if (!ftj) {
        json_decref(doc);
        return lc_fail(LLMCOST_ENOMEM, "out of memory");
    }
    json_object_set_new(doc, "finetune_fit", ftj);
    return lc_json_text(out, doc, 17);
}

int llmcost_report_to_json(char **out, const llmcost_model *m, const llmcost_gpu *gpu, const llmcost_job *job,
                           const llmcost_report_options *o)
{
    if (out)
        *out = NULL;
    llmcost_report *r;
    int rc = llmcost_report_compute(&r, m, gpu, job, o);
    if (rc < 0)
        return rc;
    rc = llmcost_report_result_to_json(out, r, m, gpu);
    llmcost_report_free(r);
    return rc;
}
