/* train.c - a whole training run from one step: steps, wall-clock, GPU-hours, dollars, energy and emissions. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "embedded.h"
#include "internal.h"
#include "llmcost/job.h"
#include "llmcost/params.h"
#include "llmcost/train.h"

/* Llama 3 405B pre-training (Dubey et al. 2024, section 3.3.4): 466 job interruptions (419 unexpected) in a
 * 54-day snapshot on 16,384 H100s, with more than 90% effective training time. */
#define LLAMA3_INTERRUPTIONS 466.0
#define LLAMA3_GPUS 16384.0
#define LLAMA3_HOURS (54.0 * 24.0)
#define LLAMA3_GOODPUT 0.9

double llmcost_train_failure_goodput(int64_t gpus)
{
    if (gpus < 1)
        return 1.0;
    /* Interruptions per useful GPU-hour, and the wall time each one costs. */
    double lambda = LLAMA3_INTERRUPTIONS / (LLAMA3_GPUS * LLAMA3_GOODPUT * LLAMA3_HOURS);
    double t_lost = (1 - LLAMA3_GOODPUT) * LLAMA3_HOURS / LLAMA3_INTERRUPTIONS;
    return 1.0 / (1.0 + lambda * (double)gpus * t_lost);
}

/* Young (1974), "A first order approximation to the optimum checkpoint interval", CACM 17(9): with saves of C
 * seconds and a mean time between failures M, the interval that loses least is sqrt(2 C M). */
void lc_run_time_modelled(lc_run_time *r, double useful, int64_t gpus, double state_bytes, double ckpt_gbps,
                          double interval, double warmup)
{
    memset(r, 0, sizeof *r);
    r->failure_goodput = llmcost_train_failure_goodput(gpus);
    double n = gpus < 1 ? 1 : (double)gpus;
    double bw = (ckpt_gbps > 0 ? ckpt_gbps : LLMCOST_TRAIN_CHECKPOINT_GBPS) * 1e9;
    r->checkpoint_bytes = state_bytes;
    r->checkpoint_seconds = state_bytes / (n * bw); /* every GPU writes its shard: the state once over all ports */
    /* The job's mean time between interruptions, in seconds: one per 1/(lambda x GPUs) hours. */
    double lambda = LLAMA3_INTERRUPTIONS / (LLAMA3_GPUS * LLAMA3_GOODPUT * LLAMA3_HOURS);
    double mtbf = 3600.0 / (lambda * n);
    r->interval = interval > 0 ? interval : sqrt(2 * r->checkpoint_seconds * mtbf);
    r->checkpoints = r->interval > 0 ? floor(useful / r->interval) : 0;
    r->warmup = warmup > 0 ? warmup : LLMCOST_TRAIN_WARMUP_SECONDS;
    r->wall = (useful + r->checkpoints * r->checkpoint_seconds) / r->failure_goodput + r->warmup;
}

int lc_checkpoint_bytes(double *out, const llmcost_model *m, const llmcost_step *s, const llmcost_job *job)
{
    *out = 0;
    int rc;
    if (job && job->version >= 2 &&
        (job->finetune.method == LLMCOST_FT_LORA || job->finetune.method == LLMCOST_FT_QLORA)) {
        /* Adapters: a checkpoint holds what trains, not the frozen base (which the run reloads from the hub).
         * PEFT's save_pretrained writes the adapters alone (adapter_model.safetensors) and the Trainer the
         * optimizer's state over them (optimizer.pt); torchtune's and LitGPT's LoRA recipes save the adapter
         * weights and their optimizer state the same way. Bytes: the adapters' dtype and states (memory's rule). */
        llmcost_finetune_params fp;
        if ((rc = llmcost_finetune_count(&fp, m, &job->finetune)) < 0)
            return rc;
        llmcost_param_bytes ab;
        lc_ft_adapter_param_bytes(&ab, job);
        *out = (double)fp.trainable * (ab.weights + ab.master + ab.states);
        return 0;
    }
    llmcost_params p;
    if ((rc = llmcost_params_count(&p, m)) != 0)
        return rc;
    const llmcost_param_bytes *pb = &s->param_bytes;
    *out = (double)(p.total + p.mtp) * (pb->weights + pb->master + pb->states);
    return 0;
}

static int train_from_step(llmcost_train *out, const llmcost_model *m, const llmcost_gpu *gpu,
                           const llmcost_train_options *opt, const llmcost_job *job);

/* The options' version, and every real-valued option inside its plausible range (ranges.h), so that no figure of
 * the run can overflow. */
static int train_options_check(const llmcost_train_options *opt)
{
    int rc = LC_CHECK_VERSION(opt, TRAIN_OPTIONS, train_options);
    if (rc)
        return rc;
    if ((rc = lc_range("tokens", NULL, opt->tokens)) || (rc = lc_range("price_per_hour", NULL, opt->price_per_hour)) ||
        (rc = lc_range("mfu", NULL, opt->mfu)) || (rc = lc_range("pue", NULL, opt->pue)) ||
        (rc = lc_range("grid_kg_per_kwh", NULL, opt->grid_kg_per_kwh)) ||
        (rc = lc_range("power_fraction", NULL, opt->power_fraction)) || (rc = lc_range("goodput", NULL, opt->goodput)) ||
        (rc = lc_range("checkpoint_gbps", NULL, opt->checkpoint_gbps)) ||
        (rc = lc_range("checkpoint_interval_seconds", NULL, opt->checkpoint_interval_seconds)) ||
        (rc = lc_range("warmup_seconds", NULL, opt->warmup_seconds)))
        return rc;
    return 0;
}

int llmcost_train_compute(llmcost_train *out, const llmcost_model *m, const llmcost_gpu *gpu, const llmcost_train_options *opt)
{
    memset(out, 0, sizeof *out);
    int rc = train_options_check(opt);
    if (rc)
        return rc;
    rc = llmcost_step_compute(&out->step, m, gpu, &opt->step);
    if (rc)
        return rc;
    return train_from_step(out, m, gpu, opt, NULL);
}

int llmcost_job_train(llmcost_train *out, const llmcost_model *m, const llmcost_gpu *gpu, const llmcost_job *job,
                      const llmcost_train_options *opt)
{
    memset(out, 0, sizeof *out);
    int rc = train_options_check(opt);
    if (rc)
        return rc;
    /* The job's step: what the step options cannot say (fine-tuning with adapters) included. */
    if ((rc = llmcost_job_step(&out->step, m, gpu, job)) != 0)
        return rc;
    return train_from_step(out, m, gpu, opt, job);
}

/* The run from its step (out->step, computed) of "job" (NULL: the step options', no adapters). */
static int train_from_step(llmcost_train *out, const llmcost_model *m, const llmcost_gpu *gpu,
                           const llmcost_train_options *opt, const llmcost_job *job)
{
    int rc;
    llmcost_step *s = &out->step;
    if (opt->mfu > 0) {
        /* The user's MFU replaces the prediction: time = model FLOPs / (GPUs x peak x MFU). */
        double gpus = (double)s->layout.gpus;
        double t = s->model_flops_per_step / (gpus * s->peak_flops * opt->mfu);
        double scale = t / s->step_seconds;
        for (int k = 0; k < LLMCOST_ST_COUNT; k++)
            s->components[k] *= scale;
        s->step_seconds = t;
        s->tokens_per_second = s->tokens_per_step / t;
        s->tokens_per_second_per_gpu = s->tokens_per_second / gpus;
        s->achieved_flops_per_gpu = s->model_flops_per_step / t / gpus;
        s->mfu = opt->mfu;
        s->hfu = s->hardware_flops_per_step / t / gpus / s->peak_flops;
        out->mfu_given = true;
    }
    out->steps = ceil(opt->tokens / s->tokens_per_step);
    out->tokens = out->steps * s->tokens_per_step;
    out->goodput_modelled = opt->goodput == 0;
    double useful = out->steps * s->step_seconds;
    if (out->goodput_modelled) {
        /* Failures at Llama 3's rate, checkpoint saves pausing training, and the start-up. */
        double state;
        if ((rc = lc_checkpoint_bytes(&state, m, s, job)) != 0)
            return rc;
        lc_run_time rt;
        lc_run_time_modelled(&rt, useful, s->layout.gpus, state, opt->checkpoint_gbps, opt->checkpoint_interval_seconds,
                             opt->warmup_seconds);
        out->failure_goodput = rt.failure_goodput;
        out->checkpoint_bytes = rt.checkpoint_bytes;
        out->checkpoint_seconds = rt.checkpoint_seconds;
        out->checkpoint_interval_seconds = rt.interval;
        out->checkpoints = rt.checkpoints;
        out->warmup_seconds = rt.warmup;
        out->wall_seconds = rt.wall;
        out->goodput = useful / rt.wall;
    } else {
        out->goodput = opt->goodput;
        out->wall_seconds = useful / out->goodput;
    }
    out->gpu_hours = out->wall_seconds * (double)s->layout.gpus / 3600.0;
    out->price_per_hour = opt->price_per_hour > 0 ? opt->price_per_hour : gpu->price_per_hour;
    out->cost_usd = out->gpu_hours * out->price_per_hour;
    out->energy_kwh = gpu->tdp_watts > 0 ? out->gpu_hours * gpu->tdp_watts / 1000.0 * opt->power_fraction * opt->pue : NAN;
    out->co2_kg = out->energy_kwh * opt->grid_kg_per_kwh;
    out->total_flops = s->model_flops_per_step * out->steps;
    out->mfu = s->mfu;
    /* Energy is NaN by design when the board power is unknown; every other figure must be a number. */
    const double v[] = {out->steps, out->tokens, out->wall_seconds, out->gpu_hours, out->cost_usd, out->total_flops,
                        s->step_seconds, s->tokens_per_second, gpu->tdp_watts > 0 ? out->energy_kwh : 0,
                        gpu->tdp_watts > 0 ? out->co2_kg : 0};
    static const char *const names[] = {"steps", "tokens", "wall_seconds", "gpu_hours", "cost_usd", "total_flops",
                                        "step_seconds", "tokens_per_second", "energy_kwh", "co2_kg"};
    char cause[256];
    snprintf(cause, sizeof cause, "tokens = %g, price_per_hour = %g, mfu = %g, pue = %g, goodput = %g on %.48s",
             opt->tokens, out->price_per_hour, opt->mfu, opt->pue, out->goodput, gpu->name);
    if ((rc = lc_finite("train", v, names, (int)(sizeof v / sizeof v[0]), cause)) < 0) {
        memset(out, 0, sizeof *out);
        return rc;
    }
    return 0;
}

int llmcost_step_tflops_per_gpu(llmcost_tflops_per_gpu *out, const llmcost_step *s, const llmcost_model *m,
                                int64_t seq)
{
    if (!out || !s || !m || seq < 1 || !(s->step_seconds > 0) || s->layout.gpus < 1)
        return lc_fail(LLMCOST_EINVAL, "llmcost_step_tflops_per_gpu: NULL argument or an empty step");
    memset(out, 0, sizeof *out);
    llmcost_params p;
    int rc = llmcost_params_count(&p, m);
    if (rc)
        return rc;
    double per = 1e12 * s->step_seconds * (double)s->layout.gpus;
    double B = s->tokens_per_step / (double)seq, sq = (double)seq, l = (double)m->n_layers, h = (double)m->hidden;
    double V = (double)m->vocab;
    out->exact_causal = s->model_flops_per_step / per;
    out->six_nd = 6.0 * (double)p.active * s->tokens_per_step / per;
    out->megatron_hfu = 96 * B * sq * l * h * h * (1 + sq / (6 * h) + V / (16 * l * h)) / per;
    return 0;
}

int llmcost_step_mfu_by_peak(llmcost_mfu_by_peak *out, const llmcost_step *s, const llmcost_gpu *gpu)
{
    if (!out || !s || !gpu || !(gpu->peak_flops[LLMCOST_DT_BF16] > 0))
        return lc_fail(LLMCOST_EINVAL, "llmcost_step_mfu_by_peak: NULL argument or a GPU without a bf16 peak");
    double fp8 = gpu->peak_flops[LLMCOST_DT_FP8];
    out->bf16 = s->achieved_flops_per_gpu / gpu->peak_flops[LLMCOST_DT_BF16];
    out->fp8 = fp8 > 0 ? s->achieved_flops_per_gpu / fp8 : NAN;
    return 0;
}

/* ---- published runs (data/validation/runs.json) ---- */

/* The index of key "key" of "o" in "names" (*out), "dflt" when the key is absent; a name not in the list is refused
 * naming the file, the run and the key (it was read as the default, silently). */
static int choice(int *out, json_t *o, const char *key, const char *const *names, int dflt, const char *origin,
                  const char *run)
{
    json_t *v = json_object_get(o, key);
    *out = dflt;
    if (!v)
        return 0;
    const char *s = json_string_value(v);
    for (int i = 0; s && names[i]; i++)
        if (!strcmp(s, names[i])) {
            *out = i;
            return 0;
        }
    char list[256] = "";
    for (int i = 0; names[i]; i++) {
        size_t n = strlen(list);
        snprintf(list + n, sizeof list - n, "%s%s", i ? ", " : "", names[i]);
    }
    return lc_fail(LLMCOST_EINVAL, "%s: run '%s': key '%s': %s%s%s is not one of: %s", origin, run ? run : "?", key,
                   s ? "'" : "", s ? s : "not a string", s ? "'" : "", list);
}

static int64_t jint(json_t *o, const char *key, int64_t dflt)
{
    json_t *v = json_object_get(o, key);
    return json_is_number(v) ? (int64_t)json_number_value(v) : dflt;
}

/* A run's text into its char[] field: a text longer than the field is an error naming the run and key. */
static int copy_str(char *dst, size_t n, json_t *obj, const char *key, const char *origin, const char *run)
{
    json_t *v = json_object_get(obj, key);
    char what[256];
    snprintf(what, sizeof what, "%s: run '%.96s': key '%s'", origin, run ? run : "?", key);
    return lc_text_set(dst, n, json_is_string(v) ? json_string_value(v) : "", what);
}

/* The fit of run "r" (step options "so", the memory mechanisms of its "memory" record) on "g". A record that does
 * not say whether the run fits, or names an unknown mechanism, is refused: every run states its verdict. */
static int run_fit(llmcost_job_fit_result *fit, json_t *r, const char *origin, const llmcost_model *m,
                   const llmcost_gpu *g, const llmcost_step_options *so)
{
    const char *name = json_string_value(json_object_get(r, "name"));
    json_t *mem = json_object_get(r, "memory");
    if (!json_is_object(mem) || !json_is_boolean(json_object_get(mem, "fits")))
        return lc_fail(LLMCOST_EINVAL, "%s: run '%s': key 'memory.fits' (true, or false with 'missing' naming what "
                       "the memory engine lacks) is required", origin, name ? name : "?");
    if (!json_is_true(json_object_get(mem, "fits")) && !json_is_string(json_object_get(mem, "missing")))
        return lc_fail(LLMCOST_EINVAL, "%s: run '%s': key 'memory.missing': a known miss names its missing mechanism",
                       origin, name ? name : "?");
    llmcost_job j;
    llmcost_job_from_step_options(&j, so);
    j.grad_accum = 0; /* from the global batch */
    const char *v;
    int k;
    if ((v = json_string_value(json_object_get(mem, "act_cache"))) && (k = llmcost_act_cache_parse(v)) >= 0)
        j.act_cache = (llmcost_act_cache)k;
    else if (v)
        return lc_fail(LLMCOST_EINVAL, "%s: run '%s': key 'memory.act_cache': '%s' is unknown", origin, name, v);
    if ((v = json_string_value(json_object_get(mem, "pipeline"))) && (k = llmcost_pipeline_parse(v)) >= 0)
        j.pipeline = (llmcost_pipeline)k;
    else if (v)
        return lc_fail(LLMCOST_EINVAL, "%s: run '%s': key 'memory.pipeline': '%s' is unknown", origin, name, v);
    if ((v = json_string_value(json_object_get(mem, "ema"))) && (k = llmcost_ema_parse(v)) >= 0)
        j.ema = (llmcost_ema)k;
    else if (v)
        return lc_fail(LLMCOST_EINVAL, "%s: run '%s': key 'memory.ema': '%s' is unknown", origin, name, v);
    if ((v = json_string_value(json_object_get(mem, "recompute_modules"))) && (k = llmcost_recompute_modules_parse(v)) >= 0)
        j.recompute_modules = (unsigned)k;
    else if (v)
        return lc_fail(LLMCOST_EINVAL, "%s: run '%s': key 'memory.recompute_modules': '%s' is unknown", origin, name, v);
    return llmcost_job_fit(fit, m, g, &j);
}

/* Evaluates one run into "res" (room for "cap" entries from *count on). */
static int eval_run(json_t *r, const char *origin, llmcost_published *res, size_t cap, size_t *count)
{
    static const char *const recompute_names[] = {"none", "selective", "full", NULL};
    static const char *const attention_names[] = {"eager", "sdpa", "flash", "sdpa-math", "flash2", "flash3", "cudnn", "triton", "flash4", NULL};
    const char *name = json_string_value(json_object_get(r, "name"));
    llmcost_model *m = NULL;
    int rc;
    json_t *cfg = json_object_get(r, "config");
    if (cfg) {
        char *text = json_dumps(cfg, JSON_COMPACT);
        if (!text)
            return lc_fail(LLMCOST_ENOMEM, "out of memory");
        rc = llmcost_model_from_json(&m, text, strlen(text), name ? name : origin);
        free(text);
    } else {
        rc = llmcost_model_load(&m, json_string_value(json_object_get(r, "model")));
    }
    if (rc)
        return rc;
    const llmcost_gpu *g;
    if ((rc = llmcost_gpu_lookup(&g, json_string_value(json_object_get(r, "gpu")))) != 0) {
        llmcost_model_free(m);
        return rc;
    }
    /* A run that states its GPUs' power limit ("power_cap_watts": torchtitan's 500 W H100s) runs capped. */
    llmcost_gpu capped;
    json_t *pcap = json_object_get(r, "power_cap_watts");
    if (pcap) {
        capped = *g;
        if (!json_is_number(pcap) || (rc = llmcost_gpu_power_cap(&capped, json_number_value(pcap), NULL, 0)) != 0) {
            llmcost_model_free(m);
            return rc ? rc : lc_fail(LLMCOST_EINVAL, "%s: run '%s': power_cap_watts must be a number", origin,
                                     name ? name : "?");
        }
        g = &capped;
    }
    llmcost_train_options o = LLMCOST_TRAIN_OPTIONS_INIT;
    json_t *L = json_object_get(r, "layout");
    llmcost_step_options *so = &o.step;
    so->layout.gpus = jint(L, "gpus", 0);
    so->layout.tp = jint(L, "tp", 1);
    so->layout.pp = jint(L, "pp", 1);
    so->layout.vpp = jint(L, "vpp", 1);
    so->layout.cp = jint(L, "cp", 1);
    so->layout.ep = jint(L, "ep", 1);
    so->expert_tp = jint(L, "etp", 1);
    so->layout.zero = (int)jint(L, "zero", 0);
    so->layout.ep_overlap = json_is_true(json_object_get(L, "ep_overlap"));
    so->layout.tp_overlap = json_is_true(json_object_get(L, "tp_overlap"));
    /* The context-parallel implementation its source names (layout "cp_comm"; absent: p2p, Megatron-Core's). */
    static const char *const cp_comm_names[] = {"p2p", "allgather", "a2a", "torch", NULL};
    int cpc = 0, rec = 0, att = 1;
    if ((rc = choice(&cpc, L, "cp_comm", cp_comm_names, 0, origin, name)) != 0 ||
        (rc = choice(&rec, r, "recompute", recompute_names, 0, origin, name)) != 0 ||
        (rc = choice(&att, r, "attention", attention_names, 1, origin, name)) != 0) {
        llmcost_model_free(m);
        return rc;
    }
    so->cp_comm = (llmcost_cp_comm)cpc;
    so->seq = jint(r, "seq", 2048);
    so->micro_batch = jint(r, "micro_batch", 1);
    int p = llmcost_precision_parse(json_string_value(json_object_get(r, "precision")));
    int f = llmcost_framework_parse(json_string_value(json_object_get(r, "framework")));
    const char *bad = p < 0 && json_object_get(r, "precision") ? "precision"
                      : f < 0 && json_object_get(r, "framework") ? "framework" : NULL;
    if (bad) { /* read as the default, silently, before */
        llmcost_model_free(m);
        return lc_fail(LLMCOST_EINVAL, "%s: run '%s': key '%s' is not a %s llmcost knows", origin, name ? name : "?",
                       bad, bad);
    }
    so->precision = p < 0 ? LLMCOST_PREC_BF16 : (llmcost_precision)p;
    so->framework = f < 0 ? LLMCOST_FW_HF : (llmcost_framework)f;
    so->recompute = (llmcost_recompute)rec;
    so->attention = (llmcost_attn_impl)att;
    so->recompute_every = jint(r, "recompute_every", 0); /* per-layer checkpointing the run states (job.h) */
    so->ddp_bucket_size = jint(r, "ddp_bucket_size", 0); /* the gradient bucket a run states (none does yet) */
    /* Megatron-Core's --moe-shared-expert-overlap, where a run states it (none does yet) */
    so->moe_shared_expert_overlap = json_is_true(json_object_get(r, "moe_shared_expert_overlap"));
    json_t *sp = json_object_get(r, "sp");
    so->layout.sequence_parallel = so->layout.tp > 1 && (sp ? json_is_true(sp) : so->framework == LLMCOST_FW_MEGATRON);
    o.tokens = json_number_value(json_object_get(r, "tokens"));
    o.goodput = 0; /* a run that states none loses time to failures as Llama 3's did */
    if (json_is_number(json_object_get(r, "goodput")))
        o.goodput = json_number_value(json_object_get(r, "goodput"));
    /* global batch in tokens -> sequences; dp comes from the layout */
    llmcost_layout tmp = so->layout;
    if ((rc = llmcost_layout_resolve(&tmp, m)) != 0) {
        llmcost_model_free(m);
        return rc;
    }
    so->global_batch = jint(r, "global_batch_tokens", 0) / so->seq;
    /* A run reporting only throughput names no token count: one global batch (gpu_hours is then not asked). */
    if (!(o.tokens > 0))
        o.tokens = (double)so->global_batch * (double)so->seq;
    llmcost_train run;
    if ((rc = llmcost_train_compute(&run, m, g, &o)) != 0) {
        llmcost_model_free(m);
        return rc;
    }
    /* Its memory under the stated layout, with the memory mechanisms the file names (DeepSeek-V3's). */
    llmcost_job_fit_result fit;
    if ((rc = run_fit(&fit, r, origin, m, g, so)) != 0) {
        llmcost_model_free(m);
        return rc;
    }
    json_t *mem = json_object_get(r, "memory");
    const llmcost_step *s = &run.step;
    size_t i;
    json_t *rep;
    json_array_foreach(json_object_get(r, "reported"), i, rep)
    {
        if (*count >= cap)
            break;
        llmcost_published *e = &res[(*count)++];
        memset(e, 0, sizeof *e);
        if ((rc = copy_str(e->name, sizeof e->name, r, "name", origin, name)) < 0 ||
            (rc = copy_str(e->metric, sizeof e->metric, rep, "metric", origin, name)) < 0 ||
            (rc = copy_str(e->convention, sizeof e->convention, rep, "convention", origin, name)) < 0 ||
            (rc = copy_str(e->source, sizeof e->source, rep, "source", origin, name)) < 0 ||
            (rc = copy_str(e->assumed, sizeof e->assumed, r, "assumed", origin, name)) < 0 ||
            (rc = copy_str(e->kind, sizeof e->kind, r, "kind", origin, name)) < 0 ||
            (rc = copy_str(e->set, sizeof e->set, r, "set", origin, name)) < 0) {
            llmcost_model_free(m);
            return rc;
        }
        e->dense = json_is_true(json_object_get(r, "dense"));
        e->reported = json_number_value(json_object_get(rep, "value"));
        if (!strcmp(e->metric, "tflops_per_gpu")) {
            llmcost_tflops_per_gpu tf;
            if ((rc = llmcost_step_tflops_per_gpu(&tf, s, m, so->seq)) != 0) {
                llmcost_model_free(m);
                return rc;
            }
            e->predicted = !strcmp(e->convention, "megatron_hfu") ? tf.megatron_hfu
                           : !strcmp(e->convention, "6nd")        ? tf.six_nd
                                                                  : tf.exact_causal;
        } else if (!strcmp(e->metric, "mfu")) {
            e->predicted = s->mfu;
        } else if (!strcmp(e->metric, "gpu_hours")) {
            e->predicted = run.gpu_hours;
        } else if (!strcmp(e->metric, "tokens_per_second_per_gpu")) {
            e->predicted = s->tokens_per_second_per_gpu;
        } else {
            llmcost_model_free(m);
            return lc_fail(LLMCOST_EINVAL, "%s: run '%s': unknown metric '%s'", origin, e->name, e->metric);
        }
        e->error = e->predicted / e->reported - 1;
        e->fits = fit.fits;
        e->required_bytes = fit.required_bytes;
        e->usable_bytes = fit.usable_bytes;
        e->stated_fits = json_is_true(json_object_get(mem, "fits"));
        if ((rc = copy_str(e->memory, sizeof e->memory, mem, e->stated_fits ? "with" : "missing", origin, name)) < 0) {
            llmcost_model_free(m);
            return rc;
        }
    }
    llmcost_model_free(m);
    return 0;
}

/* Whether run "r" belongs to the set asked for (NULL: every run). */
static bool in_set(json_t *r, const char *set)
{
    if (!set)
        return true;
    json_t *v = json_object_get(r, "set");
    return json_is_string(v) && !strcmp(json_string_value(v), set);
}

int llmcost_train_published(llmcost_published **out, size_t *n)
{
    return llmcost_train_published_file(out, n, "data/validation/runs.json", NULL);
}

int llmcost_train_published_file(llmcost_published **out, size_t *n, const char *file, const char *set)
{
    if (!out || !n || !file)
        return lc_fail(LLMCOST_EINVAL, "llmcost_train_published_file: NULL argument");
    *out = NULL;
    *n = 0;
    const lc_embedded *e = lc_embedded_find(file);
    if (!e)
        return lc_fail(LLMCOST_ENOTFOUND, "%s is not compiled in", file);
    json_t *doc;
    int rc = lc_parse_json(&doc, e->text, e->len, e->path);
    if (rc)
        return rc;
    json_t *runs = json_object_get(doc, "runs");
    size_t cap = 0, i;
    json_t *r;
    json_array_foreach(runs, i, r)
        if (in_set(r, set))
            cap += json_array_size(json_object_get(r, "reported"));
    llmcost_published *res = calloc(cap ? cap : 1, sizeof *res);
    if (!res) {
        json_decref(doc);
        return lc_fail(LLMCOST_ENOMEM, "out of memory");
    }
    size_t count = 0;
    json_array_foreach(runs, i, r)
    {
        if (!in_set(r, set))
            continue;
        if ((rc = eval_run(r, e->path, res, cap, &count)) != 0) {
            free(res);
            json_decref(doc);
            return rc;
        }
    }
    json_decref(doc);
    *out = res;
    *n = count;
    return 0;
}
