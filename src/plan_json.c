/* plan_json.c - a layout search's result as the JSON document `llmcost plan --format json` prints. */
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "json_out.h"
#include "llmcost/hardware.h"
#include "llmcost/output.h"
#include "llmcost/plan.h"
#include "llmcost/request.h"

/* The fine-tuning flags of "ft" (none for pre-training), appended at "len" of "buf"; the targets' names need "m"
 * (NULL: fails when targets are given). Returns the new length, or a failure. */
static int finetune_flags(char *buf, size_t n, size_t len, const llmcost_finetune *ft, const llmcost_model *m)
{
#define ADD(...) (len < n ? (len += (size_t)snprintf(buf + len, n - len, __VA_ARGS__)) : 0)
    if (ft->method == LLMCOST_FT_NONE)
        return (int)len;
    ADD(" --finetune %s", llmcost_finetune_method_name(ft->method));
    if (ft->method != LLMCOST_FT_LORA && ft->method != LLMCOST_FT_QLORA)
        return (int)len;
    if (ft->rank)
        ADD(" --lora-rank %lld", (long long)ft->rank);
    if (ft->alpha != 0)
        ADD(" --lora-alpha %.17g", ft->alpha);
    if (ft->targets) {
        if (!m)
            return lc_fail(LLMCOST_EINVAL, "llmcost_plan_layout_flags: the LoRA targets' module names need the model "
                                           "(llmcost_plan_layout_flags_model)");
        char names[512];
        llmcost_lora_targets_format(names, sizeof names, m, ft->targets);
        ADD(" --lora-targets %s", names);
    }
    if (ft->variant == LLMCOST_LORA_DORA)
        ADD(" --lora-variant dora");
    if (ft->quant != LLMCOST_QUANT_NONE)
        ADD(" --quant %s", llmcost_quant_name(ft->quant));
    if (ft->double_quant)
        ADD(" --double-quant");
    if (ft->quant_group)
        ADD(" --quant-group %lld", (long long)ft->quant_group);
    if (ft->dropout > 0)
        ADD(" --lora-dropout %.17g", ft->dropout);
    if (ft->adapter_bytes)
        ADD(" --adapter-dtype %s", ft->adapter_bytes == 4 ? "fp32" : "bf16");
#undef ADD
    return len < n ? (int)len : lc_fail(LLMCOST_EOVERFLOW, "llmcost_plan_layout_flags: %zu bytes do not hold the flags", n);
}

int llmcost_plan_layout_flags(char *buf, size_t n, const llmcost_plan_options *o, const llmcost_plan_layout *l,
                              const char *gpu, bool for_memory)
{
    return llmcost_plan_layout_flags_model(buf, n, o, l, gpu, for_memory, NULL);
}

int llmcost_plan_layout_flags_model(char *buf, size_t n, const llmcost_plan_options *o, const llmcost_plan_layout *l,
                                    const char *gpu, bool for_memory, const llmcost_model *m)
{
    static const char *const optimizers[] = {"adamw", "adamw-8bit", "sgd", "adafactor", "paged-adamw", "paged-adamw-8bit"};
    if (!buf || !n || !o || !l || !gpu)
        return lc_fail(LLMCOST_EINVAL, "llmcost_plan_layout_flags: a NULL argument");
    const llmcost_layout *L = &l->layout;
    size_t len = (size_t)snprintf(buf, n,
                                  "--gpu %s --gpus %lld --tp %lld --pp %lld --vpp %lld --cp %lld --ep %lld --etp %lld "
                                  "--zero %d --micro-batch %lld --recompute %s --%ssequence-parallel --seq %lld "
                                  "--framework %s --precision %s --optimizer %s --attention %s",
                                  gpu, (long long)L->gpus, (long long)L->tp, (long long)L->pp, (long long)L->vpp,
                                  (long long)L->cp, (long long)L->ep, (long long)l->expert_tp, L->zero,
                                  (long long)l->micro_batch, llmcost_recompute_name(l->recompute),
                                  L->sequence_parallel ? "" : "no-", (long long)o->seq,
                                  llmcost_framework_name(o->framework), llmcost_precision_name(o->precision),
                                  (unsigned)o->optimizer < 6 ? optimizers[o->optimizer] : "?",
                                  llmcost_attn_impl_name(o->attention));
    /* The fixed memory mechanisms (options version 2): memory needs them, step takes them too. */
    if (o->version >= 2) {
        static const char *const modules[] = {"layernorm", "mla_up_proj", "moe_act"};
        if (len < n && o->act_cache != LLMCOST_CACHE_RECIPE)
            len += (size_t)snprintf(buf + len, n - len, " --act-cache %s", llmcost_act_cache_name(o->act_cache));
        for (int b = 0, first = 1; b < 3 && len < n; b++)
            if (o->recompute_modules & (1u << b)) {
                len += (size_t)snprintf(buf + len, n - len, "%s%s", first ? " --recompute-modules " : ",", modules[b]);
                first = 0;
            }
        if (len < n && o->pipeline != LLMCOST_PIPE_1F1B)
            len += (size_t)snprintf(buf + len, n - len, " --pipeline %s", llmcost_pipeline_name(o->pipeline));
        if (len < n && o->ema != LLMCOST_EMA_NONE)
            len += (size_t)snprintf(buf + len, n - len, " --ema %s", llmcost_ema_name(o->ema));
        if (len < n && o->bf16_grads)
            len += (size_t)snprintf(buf + len, n - len, " --bf16-grads");
        if (len < n && o->foreach_optimizer)
            len += (size_t)snprintf(buf + len, n - len, " --foreach-optimizer");
    }
    if (o->version >= 5 && len < n && o->moe_dispatcher != LLMCOST_MOE_ALLTOALL) /* the MoE implementation (version 5) */
        len += (size_t)snprintf(buf + len, n - len, " --moe-dispatcher %s",
                                o->moe_dispatcher == LLMCOST_MOE_DEEPEP ? "deepep" : "allgather");
    if (o->version >= 5 && len < n && o->moe_capacity_factor != 0)
        len += (size_t)snprintf(buf + len, n - len, " --moe-capacity-factor %.17g", o->moe_capacity_factor);
    if (o->version >= 6 && len < n && o->cp_comm != LLMCOST_CP_P2P) /* the CP implementation (version 6) */
        len += (size_t)snprintf(buf + len, n - len, " --cp-comm %s",
                                o->cp_comm == LLMCOST_CP_ALLGATHER ? "allgather" : o->cp_comm == LLMCOST_CP_TORCH ? "torch" : "a2a");
    if (o->version >= 6 && len < n && o->recompute_every > 1 && l->recompute == LLMCOST_RECOMPUTE_FULL)
        len += (size_t)snprintf(buf + len, n - len, " --recompute-every %lld", (long long)o->recompute_every);
    if (o->version >= 7 && len < n && o->ddp_bucket_size > 0 && l->layout.zero < 3)
        len += (size_t)snprintf(buf + len, n - len, " --ddp-bucket-size %lld", (long long)o->ddp_bucket_size);
    if (o->version >= 7 && len < n && o->moe_shared_expert_overlap)
        len += (size_t)snprintf(buf + len, n - len, " --moe-shared-expert-overlap");
    if (o->version >= 5) { /* the memory savers (version 5): memory needs them, step takes them (and does not time them) */
        if (len < n && o->chunked_loss > 1)
            len += (size_t)snprintf(buf + len, n - len, " --chunked-loss %lld", (long long)o->chunked_loss);
        if (len < n && o->optimizer_in_backward)
            len += (size_t)snprintf(buf + len, n - len, " --optimizer-in-backward");
        if (len < n && o->activation_offload)
            len += (size_t)snprintf(buf + len, n - len, " --activation-offload");
        if (len < n && o->compile)
            len += (size_t)snprintf(buf + len, n - len, " --compile");
    }
    if (o->version >= 4 && len < n) { /* the fine-tuning, fixed by the search (options version 4) */
        int flen = finetune_flags(buf, n, len, &o->finetune, m);
        if (flen < 0)
            return flen;
        len = (size_t)flen;
    }
    if (len < n && o->cuda_context_bytes != 816644096.0) /* the memory engine's default (memory.h) */
        len += (size_t)snprintf(buf + len, n - len, " --cuda-context-gb %.17g", o->cuda_context_bytes / 1073741824.0);
    /* A capped GPU (llmcost_gpu_power_cap: a clock below its maximum, the board power the cap): step times it at
     * that clock; memory is the same at any clock. */
    const llmcost_gpu *cg = o->gpu_types && l->gpu_type < o->n_gpu_types ? &o->gpu_types[l->gpu_type] : NULL;
    if (len < n && !for_memory && cg && cg->clock_fraction > 0 && cg->clock_fraction < 1)
        len += (size_t)snprintf(buf + len, n - len, " --power-cap %.17g", cg->tdp_watts);
    /* The fit test's headroom (as `llmcost memory --headroom`), and the GPU record's fields that differ from the
     * catalogue's record of that name (`llmcost plan --gpus-per-node`, --price, or a caller's record): the command
     * then judges and times the GPU the search did. */
    if (len < n && o->headroom != 0.05)
        len += (size_t)snprintf(buf + len, n - len, " --headroom %.17g", o->headroom);
    /* (A change's bigger GPU is the catalogue's own record, under the same cap: no override to carry.) */
    if (l->gpu_type < o->n_gpu_types && !strcmp(o->gpu_types[l->gpu_type].name, gpu)) {
        const llmcost_gpu *g = &o->gpu_types[l->gpu_type];
        const llmcost_gpu *cat = llmcost_catalog_gpu_find(o->version >= 3 ? o->catalog : NULL, gpu);
        if (len < n && cat && g->scaleup_size != cat->scaleup_size)
            len += (size_t)snprintf(buf + len, n - len, " --scaleup-size %d", g->scaleup_size);
        if (len < n && cat && g->price_per_hour != cat->price_per_hour)
            len += (size_t)snprintf(buf + len, n - len, " --price %.17g", g->price_per_hour);
        if (len < n && cat && g->memory_bytes != cat->memory_bytes) /* --memory-gb is GiB: exact */
            len += (size_t)snprintf(buf + len, n - len, " --memory-gb %.17g", g->memory_bytes / 1073741824.0);
        if (len < n && cat && g->memory_bw != cat->memory_bw)
            len += (size_t)snprintf(buf + len, n - len, " --memory-bw %.17g", g->memory_bw / 1e9);
        if (len < n && cat && g->scaleup_bw != cat->scaleup_bw)
            len += (size_t)snprintf(buf + len, n - len, " --scaleup-bw %.17g", g->scaleup_bw / 1e9);
        if (len < n && cat && g->scaleout_bw != cat->scaleout_bw)
            len += (size_t)snprintf(buf + len, n - len, " --scaleout-bw %.17g", g->scaleout_bw / 1e9);
        /* The peak the precision's GEMMs use (--peak-tflops, or a price list's peak), in its slot. */
        llmcost_dtype dt = llmcost_precision_dtype(o->precision);
        double pk = dt == LLMCOST_DT_FP16_PEAK ? g->fp16_flops : g->peak_flops[dt];
        double pc = cat ? (dt == LLMCOST_DT_FP16_PEAK ? cat->fp16_flops : cat->peak_flops[dt]) : pk;
        if (len < n && pk != pc)
            len += (size_t)snprintf(buf + len, n - len, " --peak-tflops %.17g", pk / 1e12);
        /* The board power (--tdp). Under a cap the record holds the cap and the clock it leaves (llmcost_gpu_power_cap:
         * P = P_static + (TDP - P_static) f^3, P_static a fixed share of the TDP), so the TDP the clock was found
         * from is TDP = cap / (f^3 (1 - share) + share): named when it is not the catalogue's. */
        bool capped = g->clock_fraction > 0 && g->clock_fraction < 1;
        double f3 = g->clock_fraction * g->clock_fraction * g->clock_fraction;
        double tdp = capped ? g->tdp_watts / (f3 * (1 - LLMCOST_POWER_STATIC_FRACTION) + LLMCOST_POWER_STATIC_FRACTION)
                            : g->tdp_watts;
        if (len < n && cat && (capped ? fabs(tdp - cat->tdp_watts) > 1e-9 * cat->tdp_watts : tdp != cat->tdp_watts) &&
            (!capped || !for_memory))
            len += (size_t)snprintf(buf + len, n - len, " --tdp %.17g", tdp);
    }
    /* The caller's GPU file (options version 7): the printed command merges the same records into its catalogue. */
    if (len < n && o->version >= 7 && o->gpu_file && o->gpu_file[0])
        len += (size_t)snprintf(buf + len, n - len, " --gpu-file %s", o->gpu_file);
    if (len < n) {
        if (for_memory)
            len += (size_t)snprintf(buf + len, n - len, " --micro-batches %lld", (long long)l->micro_batches);
        else
            len += (size_t)snprintf(buf + len, n - len, " --global-batch %lld%s%s", (long long)o->global_batch_tokens,
                                    L->ep_overlap ? " --ep-overlap" : "", L->tp_overlap ? " --tp-overlap" : "");
    }
    if (len >= n)
        return lc_fail(LLMCOST_EOVERFLOW, "llmcost_plan_layout_flags: %zu bytes do not hold the flags", n);
    return 0;
}

static json_t *layout_json(const llmcost_plan_options *o, const llmcost_plan_layout *l, const llmcost_model *m)
{
    const llmcost_layout *L = &l->layout;
    const llmcost_gpu *g = &o->gpu_types[l->gpu_type];
    json_t *j = json_object();
    json_object_set_new(j, "gpu", json_string(g->name));
    json_object_set_new(j, "gpus", lc_json_int(L->gpus));
    json_object_set_new(j, "tp", lc_json_int(L->tp));
    json_object_set_new(j, "pp", lc_json_int(L->pp));
    json_object_set_new(j, "vpp", lc_json_int(L->vpp));
    json_object_set_new(j, "dp", lc_json_int(L->dp));
    json_object_set_new(j, "cp", lc_json_int(L->cp));
    json_object_set_new(j, "ep", lc_json_int(L->ep));
    json_object_set_new(j, "etp", lc_json_int(l->expert_tp));
    json_object_set_new(j, "zero", json_integer(L->zero));
    json_object_set_new(j, "micro_batch", lc_json_int(l->micro_batch));
    json_object_set_new(j, "micro_batches", lc_json_int(l->micro_batches));
    json_object_set_new(j, "recompute", json_string(llmcost_recompute_name(l->recompute)));
    json_object_set_new(j, "sequence_parallel", json_boolean(L->sequence_parallel));
    json_object_set_new(j, "ep_overlap", json_boolean(L->ep_overlap));
    json_object_set_new(j, "tp_overlap", json_boolean(L->tp_overlap));
    json_object_set_new(j, "step_seconds", lc_json_real(l->step_seconds));
    /* Whole bytes, as `llmcost memory` prints them. */
    json_object_set_new(j, "peak_bytes", lc_json_real(round(l->peak_bytes)));
    json_object_set_new(j, "reserved_bytes", lc_json_real(round(l->reserved_bytes)));
    json_object_set_new(j, "usable_bytes", lc_json_real(round(l->usable_bytes)));
    json_object_set_new(j, "headroom_bytes", lc_json_real(round(l->headroom_bytes)));
    json_object_set_new(j, "mfu", lc_json_real(l->mfu));
    json_object_set_new(j, "tokens_per_second", lc_json_real(l->tokens_per_second));
    if (o->tokens > 0) {
        json_object_set_new(j, "gpu_hours", lc_json_real(l->gpu_hours));
        json_object_set_new(j, "cost_dollars", lc_json_real(l->cost_dollars));
        json_object_set_new(j, "price_per_hour", lc_json_real(g->price_per_hour));
    }
    json_object_set_new(j, "binds", json_string(llmcost_plan_bind_name(l->binds)));
    json_object_set_new(j, "binds_share", lc_json_real(l->bind_share));
    json_object_set_new(j, "memory_bound", json_boolean(l->memory_bound));
    /* The flags that make `llmcost step` and `llmcost memory` compute this layout. */
    char flags[1024];
    llmcost_plan_layout_flags_model(flags, sizeof flags, o, l, g->name, false, m);
    json_object_set_new(j, "step_flags", json_string(flags));
    llmcost_plan_layout_flags_model(flags, sizeof flags, o, l, g->name, true, m);
    json_object_set_new(j, "memory_flags", json_string(flags));
    return j;
}

static json_t *change_json(const llmcost_plan_options *o, const llmcost_plan_change *c, const llmcost_model *m);

int lc_nearest_fit_json(json_t *doc, const llmcost_fit_advice *a, const llmcost_model *m, const llmcost_gpu *gpu,
                        const llmcost_job *job)
{
    if (!a->has_nearest && !a->has_change)
        return 0;
    llmcost_job j = *job;
    int rc = llmcost_job_validate(&j, m);
    if (rc < 0)
        return rc;
    llmcost_plan_options o;
    llmcost_plan_layout ref;
    lc_plan_nearest_options(&o, &ref, gpu, &j);
    if (!a->has_nearest) {
        /* No layout on these GPUs: the change that makes one fit ("change_that_fits", as plan's changes_that_fit). */
        json_t *c = change_json(&o, &a->change, m);
        if (!c)
            return lc_fail(LLMCOST_ENOMEM, "out of memory");
        json_object_set_new(doc, "change_that_fits", c);
        return 0;
    }
    json_t *l = layout_json(&o, &a->nearest, m);
    if (!l)
        return lc_fail(LLMCOST_ENOMEM, "out of memory");
    json_object_set_new(l, "changes", json_string(a->nearest_changes));
    json_object_set_new(doc, "nearest_fit", l);
    return 0;
}

int lc_plan_change_flags(char *buf, size_t n, const llmcost_plan_options *o, const llmcost_plan_change *c,
                         const llmcost_model *m)
{
    llmcost_plan_options oc;
    lc_plan_options_copy(&oc, o);
    oc.gpus = c->gpus;
    oc.seq = c->seq > 0 ? c->seq : o->seq;
    if (c->kind == LLMCOST_PLAN_CP_ALLGATHER) { /* the CP implementation is the change */
        oc.version = LLMCOST_PLAN_OPTIONS_VERSION;
        oc.cp_comm = LLMCOST_CP_ALLGATHER;
    }
    return llmcost_plan_layout_flags_model(buf, n, &oc, &c->best, c->gpu, false, m);
}

static json_t *change_json(const llmcost_plan_options *o, const llmcost_plan_change *c, const llmcost_model *m)
{
    char flags[1024];
    lc_plan_change_flags(flags, sizeof flags, o, c, m);
    int64_t seq = c->seq > 0 ? c->seq : o->seq;
    json_t *j = json_object();
    json_object_set_new(j, "change", json_string(llmcost_plan_change_name(c->kind)));
    json_object_set_new(j, "gpu", json_string(c->gpu));
    json_object_set_new(j, "gpus", lc_json_int(c->gpus));
    json_object_set_new(j, "seq", lc_json_int(seq));
    json_object_set_new(j, "recompute", json_string(llmcost_recompute_name(c->best.recompute)));
    json_object_set_new(j, "step_seconds", lc_json_real(c->best.step_seconds));
    json_object_set_new(j, "peak_bytes", lc_json_real(round(c->best.peak_bytes)));
    json_object_set_new(j, "step_flags", json_string(flags));
    return j;
}

/* The document; "with_changes": "changes_that_fit" (the n_changes "changes") is written when no layout fits. */
static int plan_json(char **out, const llmcost_plan *p, const llmcost_model *m, const llmcost_plan_options *o,
                     bool with_changes, const llmcost_plan_change *changes, size_t n_changes, const char *assumptions)
{
    if (!out)
        return lc_fail(LLMCOST_EINVAL, "llmcost_plan_to_json: a NULL argument");
    *out = NULL;
    if (!p || !m || !o || (n_changes && !changes))
        return lc_fail(LLMCOST_EINVAL, "llmcost_plan_to_json: a NULL argument");
    static const char *const objectives[] = {"time", "cost"};
    json_t *d = json_object();
    if (!d)
        return lc_fail(LLMCOST_ENOMEM, "out of memory");
    json_object_set_new(d, "schema_version", json_integer(LLMCOST_SCHEMA_VERSION));
    json_object_set_new(d, "model", json_string(m->name));
    json_t *ga = json_array();
    for (size_t i = 0; i < o->n_gpu_types; i++)
        json_array_append_new(ga, json_string(o->gpu_types[i].name));
    json_object_set_new(d, "gpu_types", ga);
    json_object_set_new(d, "gpus", lc_json_int(o->gpus));
    json_object_set_new(d, "seq", lc_json_int(o->seq));
    json_object_set_new(d, "global_batch_tokens", lc_json_int(o->global_batch_tokens));
    json_object_set_new(d, "objective", json_string(objectives[o->objective == LLMCOST_PLAN_COST]));
    if (o->tokens > 0)
        json_object_set_new(d, "tokens", lc_json_real(o->tokens));
    json_object_set_new(d, "framework", json_string(llmcost_framework_name(o->framework)));
    json_object_set_new(d, "precision", json_string(llmcost_precision_name(o->precision)));
    if (o->version >= 4 && o->finetune.method != LLMCOST_FT_NONE) {
        /* The fine-tuning every layout was sized and timed with (fixed, not searched). */
        const llmcost_finetune *ft = &o->finetune;
        json_t *f = json_object();
        json_object_set_new(f, "method", json_string(llmcost_finetune_method_name(ft->method)));
        if (ft->method == LLMCOST_FT_LORA || ft->method == LLMCOST_FT_QLORA) {
            char names[512];
            uint32_t mask = ft->targets;
            if (!mask && llmcost_lora_targets_default(&mask, m) < 0)
                mask = 0;
            llmcost_lora_targets_format(names, sizeof names, m, mask);
            json_object_set_new(f, "variant", json_string(llmcost_lora_variant_name(ft->variant)));
            json_object_set_new(f, "rank", lc_json_int(ft->rank ? ft->rank : 8));
            json_object_set_new(f, "alpha", lc_json_real(ft->alpha != 0 ? ft->alpha : 8));
            json_object_set_new(f, "targets", json_string(names));
            json_object_set_new(f, "quant", json_string(llmcost_quant_name(
                ft->method == LLMCOST_FT_QLORA && ft->quant == LLMCOST_QUANT_NONE ? LLMCOST_QUANT_NF4 : ft->quant)));
        }
        json_object_set_new(d, "finetune", f);
    }
    json_object_set_new(d, "evaluated", lc_json_int(p->evaluated));
    json_object_set_new(d, "feasible", lc_json_int(p->feasible));
    json_t *rej = json_object();
    for (int k = 0; k < LLMCOST_PLAN_REJ_COUNT; k++)
        json_object_set_new(rej, llmcost_plan_reject_name(k), lc_json_int(p->rejected[k]));
    json_object_set_new(d, "rejected", rej);
    json_object_set_new(d, "memory_evaluations", lc_json_int(p->memory_evaluations));
    json_object_set_new(d, "step_evaluations", lc_json_int(p->step_evaluations));
    json_object_set_new(d, "search_seconds", lc_json_real(p->seconds));
    json_object_set_new(d, "threads", json_integer(p->threads));
    json_t *arr = json_array();
    for (size_t i = 0; i < p->n_layouts; i++)
        json_array_append_new(arr, layout_json(o, &p->layouts[i], m));
    json_object_set_new(d, "layouts", arr);
    if (o->pareto) {
        arr = json_array();
        for (size_t i = 0; i < p->n_pareto; i++)
            json_array_append_new(arr, layout_json(o, &p->pareto[i], m));
        json_object_set_new(d, "pareto", arr);
    }
    json_object_set_new(d, "assumptions", lc_json_lines(assumptions));
    /* No layout fits: the smallest changes that make one fit (llmcost_plan_changes), after the assumptions. */
    if (with_changes && p->n_layouts == 0) {
        arr = json_array();
        for (size_t i = 0; i < n_changes; i++)
            json_array_append_new(arr, change_json(o, &changes[i], m));
        json_object_set_new(d, "changes_that_fit", arr);
    }
    return lc_json_text(out, d, 17);
}

int llmcost_plan_to_json(char **out, const llmcost_plan *p, const llmcost_model *m, const llmcost_plan_options *o,
                         const char *assumptions)
{
    return plan_json(out, p, m, o, false, NULL, 0, assumptions);
}

int llmcost_plan_result_to_json(char **out, const llmcost_plan *p, const llmcost_model *m,
                                const llmcost_plan_options *o, const llmcost_plan_change *changes, size_t n_changes,
                                const char *assumptions)
{
    return plan_json(out, p, m, o, true, changes, n_changes, assumptions);
}
