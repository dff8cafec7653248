/* validate.c - runs the bundled validation set: each suite's cases predicted by the engines, against references. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "embedded.h"
#include "internal.h"
#include "llmcost/llmcost.h"
#include "llmcost/validate.h"

typedef struct {
    llmcost_validation_case *v;
    size_t n, cap;
    bool oom;
    char cut[320]; /* the first text that did not fit its field of llmcost_validation_case ("" when none) */
} results;

/* Copies a case's text into its field; one that does not fit is remembered and fails the run (never cut). */
static void put(results *r, char *dst, size_t size, const char *src, const char *field, const char *name)
{
    if (!lc_strlcpy(dst, src, size) && !r->cut[0])
        snprintf(r->cut, sizeof r->cut, "validation case '%.96s': its %s is %zu characters, longer than the %zu that "
                 "llmcost_validation_case keeps", name, field, strlen(src), size - 1);
}

static void add(results *r, const char *suite, const char *name, const char *quantity, double predicted,
                double reference, double tolerance, const char *source)
{
    if (r->oom)
        return;
    if (r->n == r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 128;
        llmcost_validation_case *p = realloc(r->v, cap * sizeof *p);
        if (!p) {
            r->oom = true;
            return;
        }
        r->v = p;
        r->cap = cap;
    }
    llmcost_validation_case *c = &r->v[r->n++];
    memset(c, 0, sizeof *c);
    put(r, c->suite, sizeof c->suite, suite, "suite", name);
    put(r, c->name, sizeof c->name, name, "name", name);
    put(r, c->quantity, sizeof c->quantity, quantity, "quantity", name);
    put(r, c->source, sizeof c->source, source ? source : "", "source", name);
    c->predicted = predicted;
    c->reference = reference;
    c->error = reference != 0 ? predicted / reference - 1 : (predicted == 0 ? 0 : INFINITY);
    c->tolerance = tolerance;
    c->pass = isfinite(c->error) && fabs(c->error) <= tolerance + 1e-12;
}

static const char *str(json_t *o, const char *key, const char *dflt)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s ? s : dflt;
}

/* A record's attention kernel by name (llmcost_attn_impl_name's names). "flash" in the records written before the
 * generations were named means a fused kernel of unstated generation: timed as the measured SDPA kernel, as then. */
static llmcost_attn_impl attention_of(const char *name)
{
    if (!strcmp(name, "flash"))
        return LLMCOST_ATTN_SDPA;
    for (int i = 0; i < LLMCOST_ATTN_COUNT; i++)
        if (!strcmp(name, llmcost_attn_impl_name((llmcost_attn_impl)i)))
            return (llmcost_attn_impl)i;
    return LLMCOST_ATTN_SDPA;
}

static double num(json_t *o, const char *key, double dflt)
{
    json_t *v = json_object_get(o, key);
    return json_is_number(v) ? json_number_value(v) : dflt;
}

/* Loads an embedded data file as JSON. */
static int load(json_t **out, const char *path)
{
    const lc_embedded *e = lc_embedded_find(path);
    if (!e)
        return lc_fail(LLMCOST_ENOTFOUND, "%s: not bundled", path);
    return lc_parse_json(out, e->text, e->len, path);
}

static int model_from(llmcost_model **m, json_t *config, const char *origin)
{
    char *text = json_dumps(config, 0);
    if (!text)
        return lc_fail(LLMCOST_ENOMEM, "out of memory");
    int rc = llmcost_model_from_json(m, text, strlen(text), origin);
    free(text);
    return rc;
}

static int suite_params(results *r, const char *suite, json_t *doc, double tol)
{
    size_t i;
    json_t *c;
    json_array_foreach(json_object_get(doc, "cases"), i, c)
    {
        const char *name = str(c, "model", "?");
        llmcost_model *m;
        int rc = llmcost_model_load(&m, name);
        if (rc)
            return rc;
        llmcost_params p;
        rc = llmcost_params_count(&p, m);
        llmcost_model_free(m);
        if (rc)
            return rc;
        double t = num(c, "tolerance", tol);
        add(r, suite, name, "parameters", (double)p.total, num(c, "total", 0), t, str(c, "source", ""));
        if (json_object_get(c, "active"))
            add(r, suite, name, "active parameters", (double)p.active, num(c, "active", 0), t, str(c, "source", ""));
    }
    return 0;
}

static int suite_flops(results *r, const char *suite, json_t *doc, double tol, const char *source)
{
    json_t *cases = json_object_get(doc, "flops") ? json_object_get(doc, "flops") : json_object_get(doc, "cases");
    size_t i;
    json_t *c;
    json_array_foreach(cases, i, c)
    {
        llmcost_model *m;
        int rc = model_from(&m, json_object_get(c, "config"), str(c, "model", "case"));
        if (rc)
            return rc;
        llmcost_flops_options o = LLMCOST_FLOPS_OPTIONS_INIT;
        o.batch = (int64_t)num(c, "batch", 1);
        o.seq = (int64_t)num(c, "seq", 1);
        o.attention = attention_of(str(c, "attention", "sdpa"));
        o.convention = LLMCOST_CONV_UNMASKED;
        llmcost_flops f;
        rc = llmcost_flops_compute(&f, m, &o);
        llmcost_model_free(m);
        if (rc)
            return rc;
        char name[128];
        snprintf(name, sizeof name, "%s %s b%lld s%lld", str(c, "model", "?"), str(c, "attention", "?"),
                 (long long)o.batch, (long long)o.seq);
        /* The counter does not see grouped expert GEMMs: routed experts are left out on both sides. */
        add(r, suite, name, "forward FLOPs", f.forward - f.components[LLMCOST_FC_ROUTED_EXPERTS],
            num(c, "forward_flops", 0), tol, source);
        add(r, suite, name, "backward FLOPs", f.backward - f.components_bwd[LLMCOST_FC_ROUTED_EXPERTS],
            num(c, "backward_flops", 0), tol, source);
    }
    return 0;
}

/* The job a measured step describes: micro-batch, sequence, precision recipe (the calibration file spells it out,
 * "fp32 weights, ... autocast"; later files say "amp", "fp32" or "bf16"), recomputation and attention kernel. */
typedef struct {
    int64_t micro_batch, seq;
    llmcost_precision precision;
    llmcost_recompute recompute;
    llmcost_attn_impl attention;
} measured_job;

static measured_job job_of(json_t *c)
{
    const char *prec = str(c, "precision", "bf16");
    measured_job j;
    j.micro_batch = (int64_t)num(c, "micro_batch", 1);
    j.seq = (int64_t)num(c, "seq", 1);
    j.precision = (!strncmp(prec, "fp32 weights", 12) || !strcmp(prec, "amp")) ? LLMCOST_PREC_AMP_BF16
                  : !strcmp(prec, "fp32")                                     ? LLMCOST_PREC_FP32
                                                                              : LLMCOST_PREC_BF16;
    j.recompute = !strncmp(str(c, "recompute", "none"), "full", 4) ? LLMCOST_RECOMPUTE_FULL : LLMCOST_RECOMPUTE_NONE;
    j.attention = attention_of(str(c, "attention", "sdpa"));
    return j;
}

/* Tolerance of case "name" in suite "s": an exception listed in the suite, else "tol". The exception's reason
 * goes to the last case added, see note_exception(). */
static double case_tolerance(json_t *s, const char *name, double tol)
{
    json_t *ex = json_object_get(json_object_get(s, "exceptions"), name);
    return ex ? num(ex, "tolerance", tol) : tol;
}

static void note_exception(results *r, json_t *s, const char *name)
{
    json_t *ex = json_object_get(json_object_get(s, "exceptions"), name);
    if (ex && r->n > 0)
        put(r, r->v[r->n - 1].note, sizeof r->v[r->n - 1].note, str(ex, "why", ""), "note (exceptions.why)", name);
}

/* Measured training steps: each case's peak memory ("time" false) or step time ("time" true) predicted for the job
 * it describes, on one H200 for times. */
static int suite_steps(results *r, json_t *s, const char *suite, json_t *doc, double tol, const char *source, bool time)
{
    json_t *cases = json_object_get(doc, "steps") ? json_object_get(doc, "steps") : json_object_get(doc, "cases");
    const llmcost_gpu *gpu = llmcost_gpu_find("h200");
    if (time && !gpu)
        return lc_fail(LLMCOST_ENOTFOUND, "the h200 is not in the GPU catalogue");
    size_t i;
    json_t *c;
    json_array_foreach(cases, i, c)
    {
        json_t *b = json_object_get(c, "bytes");
        if (time ? !json_object_get(c, "step_seconds_median") : !b)
            continue;
        llmcost_model *m;
        int rc = model_from(&m, json_object_get(c, "config"), str(c, "case", "case"));
        if (rc)
            return rc;
        measured_job j = job_of(c);
        const char *name = str(c, "case", "?");
        double predicted, reference;
        if (time) {
            llmcost_step_options o = LLMCOST_STEP_OPTIONS_INIT;
            o.micro_batch = j.micro_batch;
            o.seq = j.seq;
            o.precision = j.precision;
            o.recompute = j.recompute;
            o.attention = j.attention;
            llmcost_step st;
            rc = llmcost_step_compute(&st, m, gpu, &o);
            predicted = st.step_seconds;
            reference = num(c, "step_seconds_median", 0);
        } else {
            llmcost_memory_options o = LLMCOST_MEMORY_OPTIONS_INIT;
            o.micro_batch = j.micro_batch;
            o.seq = j.seq;
            o.precision = j.precision;
            o.recompute = j.recompute;
            o.attention = j.attention;
            llmcost_memory mem;
            rc = llmcost_memory_compute(&mem, m, &o);
            predicted = mem.peak_bytes;
            reference = num(b, "peak_allocated_step", 0);
        }
        llmcost_model_free(m);
        if (rc)
            return rc;
        add(r, suite, name, time ? "step seconds" : "peak bytes", predicted, reference,
            case_tolerance(s, name, num(c, "tolerance", tol)), source);
        note_exception(r, s, name);
    }
    return 0;
}

/* The job of a published fine-tuning run (its "job": framework profile, method, rank, targets, quantisation,
 * optimizer, micro-batch, sequence, recomputation, LoRA dropout, adapter dtype and the memory savers: chunked loss,
 * optimizer in backward, activation offload, compile, paged optimizers; for memory also its GPUs and ZeRO stage).
 * The run's framework is its profile (hf, torchtune, litgpt: docs/formulas.md "Framework profiles"); both engines
 * take the savers (docs/formulas.md "Memory savers" and "Memory savers: step time"). */
static int finetune_job(llmcost_job *j, json_t *jb, const llmcost_model *m, bool memory)
{
    llmcost_job_init(j);
    j->micro_batch = (int64_t)num(jb, "micro_batch", 1);
    j->seq = (int64_t)num(jb, "seq", 2048);
    j->layout.gpus = memory ? (int64_t)num(jb, "gpus", 1) : 1;
    j->layout.zero = memory ? (int)num(jb, "zero", 0) : 0;
    j->grad_accum = (int64_t)num(jb, "grad_accum", 1);
    j->global_batch = j->micro_batch * j->grad_accum * j->layout.gpus;
    j->recompute = !strcmp(str(jb, "recompute", "none"), "full") ? LLMCOST_RECOMPUTE_FULL : LLMCOST_RECOMPUTE_NONE;
    int fw = llmcost_framework_parse(str(jb, "framework", "hf"));
    if (fw < 0)
        return lc_fail(LLMCOST_EINVAL, "data/validation/finetune.json: framework '%s' is not a profile",
                       str(jb, "framework", "hf"));
    j->framework = (llmcost_framework)fw;
    const char *opt = str(jb, "optimizer", "adamw");
    bool paged = !strncmp(opt, "paged-", 6);
    j->optimizer = strstr(opt, "8bit") ? (paged ? LLMCOST_OPTIM_PAGED_ADAMW_8BIT : LLMCOST_OPTIM_ADAMW_8BIT)
                                       : (paged ? LLMCOST_OPTIM_PAGED_ADAMW : LLMCOST_OPTIM_ADAMW);
    /* the memory savers the run states (job.h, version 4) */
    j->chunked_loss = (int64_t)num(jb, "chunked_loss", 0);
    j->optimizer_in_backward = json_is_true(json_object_get(jb, "optimizer_in_backward"));
    j->activation_offload = json_is_true(json_object_get(jb, "activation_offload"));
    j->compile = json_is_true(json_object_get(jb, "compile"));
    const char *meth = str(jb, "finetune", "full");
    if (!strcmp(meth, "lora") || !strcmp(meth, "qlora")) {
        j->finetune.method = !strcmp(meth, "lora") ? LLMCOST_FT_LORA : LLMCOST_FT_QLORA;
        j->finetune.rank = (int64_t)num(jb, "lora_rank", 8);
        j->finetune.alpha = num(jb, "lora_alpha", 8);
        j->finetune.dropout = num(jb, "lora_dropout", 0);
        j->finetune.adapter_bytes = !strcmp(str(jb, "adapter_dtype", "fp32"), "bf16") ? 2 : 4;
        if (!strcmp(meth, "qlora")) {
            const char *q = str(jb, "quant", "nf4");
            j->finetune.quant = !strcmp(q, "fp4") ? LLMCOST_QUANT_FP4 : !strcmp(q, "int8") ? LLMCOST_QUANT_INT8
                                : !strcmp(q, "int4") ? LLMCOST_QUANT_INT4 : LLMCOST_QUANT_NF4;
            j->finetune.double_quant = json_is_true(json_object_get(jb, "double_quant"));
        }
        return llmcost_lora_targets_parse(&j->finetune.targets, m, str(jb, "lora_targets", ""));
    }
    if (!strcmp(meth, "full"))
        j->finetune.method = LLMCOST_FT_FULL;
    return 0;
}

/* Case "c"'s model, loaded into "*m", and its job "jb" built by finetune_job into "j", with its label "id (set)";
 * on failure nothing is left to free. */
static int finetune_case(llmcost_model **m, llmcost_job *j, char label[160], json_t *c, json_t *jb, bool memory)
{
    int rc = llmcost_model_load(m, str(c, "model", ""));
    if (rc)
        return rc;
    if ((rc = finetune_job(j, jb, *m, memory))) {
        llmcost_model_free(*m);
        return rc;
    }
    snprintf(label, 160, "%s (%s)", str(c, "id", "?"), str(c, "set", "?"));
    return 0;
}

/* Published fine-tuning runs (data/validation/finetune.json): each single-GPU case with a throughput, its job
 * (finetune_job) timed by the step engine on the case's GPU; the prediction is tokens per second per GPU.
 * The memory savers are timed as the job states them (docs/formulas.md "Memory savers: step time"). */
static int suite_finetune_time(results *r, json_t *s, const char *suite, json_t *doc, double tol, const char *source)
{
    size_t i;
    json_t *c;
    json_array_foreach(json_object_get(doc, "cases"), i, c)
    {
        json_t *jb = json_object_get(c, "job"), *t = json_object_get(c, "time");
        double ref = num(t, "tokens_per_second", 0);
        if (!jb || !(ref > 0) || num(jb, "gpus", 1) != 1)
            continue;
        const char *name = str(c, "id", "?");
        const llmcost_gpu *gpu = llmcost_gpu_find(str(jb, "gpu", ""));
        if (!gpu)
            return lc_fail(LLMCOST_ENOTFOUND, "data/validation/finetune.json: case '%s': GPU '%s' is not in the catalogue",
                           name, str(jb, "gpu", ""));
        llmcost_model *m;
        llmcost_job j;
        char label[160];
        int rc = finetune_case(&m, &j, label, c, jb, false);
        if (rc)
            return rc;
        llmcost_step st;
        rc = llmcost_job_step(&st, m, gpu, &j);
        llmcost_model_free(m);
        if (rc)
            return rc;
        add(r, suite, label, "tokens/s per GPU", st.tokens_per_second_per_gpu, ref, case_tolerance(s, label, tol), source);
        note_exception(r, s, label);
    }
    return 0;
}

/* The same runs' peak memory: each case with a memory figure its settings let the memory engine model (a case
 * whose "memory_excluded" gives the reason is left out), its job (finetune_job) on its GPUs; the prediction is the
 * counter the case measured: allocated or active bytes against the peak allocated, reserved against the reserve. */
static int suite_finetune_memory(results *r, json_t *s, const char *suite, json_t *doc, double tol, const char *source)
{
    size_t i;
    json_t *c;
    json_array_foreach(json_object_get(doc, "cases"), i, c)
    {
        json_t *jb = json_object_get(c, "job"), *me = json_object_get(c, "measured");
        double ref = num(me, "memory_bytes", 0);
        if (!jb || !(ref > 0) || json_object_get(c, "memory_excluded"))
            continue;
        const char *name = str(c, "id", "?"), *what = str(me, "what", "unstated");
        if (strcmp(what, "allocated") && strcmp(what, "active") && strcmp(what, "reserved"))
            return lc_fail(LLMCOST_EINVAL, "data/validation/finetune.json: case '%s' measured '%s': give "
                           "memory_excluded or the counter (allocated, active, reserved)", name, what);
        llmcost_model *m;
        llmcost_job j;
        char label[160];
        int rc = finetune_case(&m, &j, label, c, jb, true);
        if (rc)
            return rc;
        llmcost_memory mem;
        rc = llmcost_job_memory(&mem, m, &j);
        llmcost_model_free(m);
        if (rc)
            return rc;
        /* in GB (10^9 bytes), as the sources print them */
        add(r, suite, label, !strcmp(what, "reserved") ? "reserved GB" : "peak GB",
            (!strcmp(what, "reserved") ? mem.reserved_bytes : mem.peak_bytes) / 1e9, ref / 1e9,
            case_tolerance(s, label, tol), source);
        if (json_is_string(json_object_get(c, "memory_note")))
            put(r, r->v[r->n - 1].note, sizeof r->v[r->n - 1].note, str(c, "memory_note", ""), "memory_note", name);
        note_exception(r, s, label);
    }
    return 0;
}

static int suite_runs(results *r, json_t *s, const char *suite, double tol)
{
    llmcost_published *p;
    size_t n;
    json_t *set = json_object_get(s, "set");
    int rc = llmcost_train_published_file(&p, &n, str(s, "file", "data/validation/runs.json"),
                                          json_is_string(set) ? json_string_value(set) : NULL);
    if (rc)
        return rc;
    for (size_t i = 0; i < n; i++) {
        char name[160];
        snprintf(name, sizeof name, "%.120s: %s", p[i].name, p[i].metric);
        add(r, suite, name, p[i].metric, p[i].predicted, p[i].reported, case_tolerance(s, name, tol), p[i].source);
        note_exception(r, s, name);
        /* Once per run: its memory under the stated layout against the file's verdict (1 fits, 0 a known miss). */
        if (i + 1 < n && !strcmp(p[i + 1].name, p[i].name))
            continue;
        snprintf(name, sizeof name, "%.120s: memory", p[i].name);
        add(r, suite, name, "fits (1) or a known miss (0)", p[i].fits ? 1 : 0, p[i].stated_fits ? 1 : 0, 0,
            "llmcost_job_fit under the run's stated layout; the verdict its file states (key 'memory')");
        char note[sizeof r->v[0].note];
        snprintf(note, sizeof note, "needs %.1f of %.1f GiB usable%s%s%.380s", p[i].required_bytes / 1073741824.0,
                 p[i].usable_bytes / 1073741824.0, p[i].memory[0] ? "; " : "",
                 p[i].memory[0] ? (p[i].stated_fits ? "fits with " : "known miss: ") : "", p[i].memory);
        put(r, r->v[r->n - 1].note, sizeof r->v[r->n - 1].note, note, "note", name);
    }
    free(p);
    return 0;
}

/* The course's answers through the functions the course's interface prints (budget.h): llmcost_course_model for
 * `--model_config` (parameters, one layer's TFLOPs and GiB), llmcost_course_budget for `--training_budget`. */
static int suite_course(results *r, const char *suite, json_t *doc, double tol)
{
    size_t i;
    json_t *c;
    json_array_foreach(json_object_get(doc, "cases"), i, c)
    {
        const char *what = str(c, "what", "");
        double pred = NAN, t = num(c, "tolerance", tol);
        const char *quantity = what;
        int rc = 0;
        if (!strncmp(what, "params", 6) || !strcmp(what, "layer_forward_tflops") || !strcmp(what, "course_layer_gib")) {
            llmcost_model *m;
            rc = llmcost_model_load(&m, str(c, "model", ""));
            if (rc)
                return rc;
            if (!strcmp(what, "params_active")) {
                llmcost_params p;
                rc = llmcost_params_count(&p, m);
                pred = (double)p.active;
                quantity = "active parameters";
            } else {
                /* "seq" absent: the course's own rule, as `--model_config` applies it. */
                llmcost_course_answers a;
                rc = llmcost_course_model(&a, m, (int64_t)num(c, "seq", 0));
                pred = !strcmp(what, "params_total")           ? (double)a.n_params
                       : !strcmp(what, "layer_forward_tflops") ? a.layer.forward_flops / 1e12
                                                               : a.layer.answer_bytes / 1073741824.0;
                quantity = !strcmp(what, "params_total")           ? "parameters"
                           : !strcmp(what, "layer_forward_tflops") ? "TFLOPs"
                                                                   : "GiB";
            }
            llmcost_model_free(m);
            if (rc)
                return rc;
        } else if (!strncmp(what, "budget_", 7)) {
            llmcost_budget *b;
            rc = llmcost_course_budget(&b, num(c, "dollars", 0));
            if (rc)
                return rc;
            pred = !strcmp(what, "budget_flops") ? b->flops : !strcmp(what, "budget_n") ? b->answer.n_params
                                                                                          : b->answer.n_tokens;
            quantity = !strcmp(what, "budget_flops") ? "FLOPs" : !strcmp(what, "budget_n") ? "parameters" : "tokens";
            llmcost_budget_free(b);
        } else {
            return lc_fail(LLMCOST_EINVAL, "data/validation/course.json: unknown 'what': '%s'", what);
        }
        add(r, suite, str(c, "name", "?"), quantity, pred, num(c, "reference", 0), t, str(c, "source", ""));
    }
    return 0;
}

int llmcost_validate_run(llmcost_validation_case **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    json_t *suites;
    int rc = load(&suites, "data/validation/suites.json");
    if (rc)
        return rc;
    results r = {0};
    size_t i;
    json_t *s;
    json_array_foreach(json_object_get(suites, "suites"), i, s)
    {
        const char *name = str(s, "name", "?"), *kind = str(s, "kind", ""), *file = str(s, "file", "");
        double tol = num(s, "tolerance", 0);
        json_t *doc;
        rc = load(&doc, file);
        if (rc)
            break;
        if (!strcmp(kind, "params"))
            rc = suite_params(&r, name, doc, tol);
        else if (!strcmp(kind, "flops"))
            rc = suite_flops(&r, name, doc, tol, str(s, "source", ""));
        else if (!strcmp(kind, "memory") || !strcmp(kind, "step_time"))
            rc = suite_steps(&r, s, name, doc, tol, str(s, "source", ""), !strcmp(kind, "step_time"));
        else if (!strcmp(kind, "course"))
            rc = suite_course(&r, name, doc, tol);
        else if (!strcmp(kind, "runs"))
            rc = suite_runs(&r, s, name, tol);
        else if (!strcmp(kind, "finetune_step_time"))
            rc = suite_finetune_time(&r, s, name, doc, tol, str(s, "source", ""));
        else if (!strcmp(kind, "finetune_memory"))
            rc = suite_finetune_memory(&r, s, name, doc, tol, str(s, "source", ""));
        else
            rc = lc_fail(LLMCOST_EINVAL, "data/validation/suites.json: suite '%s' has unknown kind '%s'", name, kind);
        json_decref(doc);
        if (rc)
            break;
    }
    json_decref(suites);
    if (!rc && r.oom)
        rc = lc_fail(LLMCOST_ENOMEM, "out of memory");
    if (!rc && r.cut[0])
        rc = lc_fail(LLMCOST_EINVAL, "%s", r.cut);
    if (rc) {
        free(r.v);
        return rc;
    }
    *out = r.v;
    *n = r.n;
    return 0;
}

bool llmcost_validation_suite_matches(const llmcost_validation_case *v, size_t n, const char *suite, char *names,
                                      size_t size)
{
    bool any = false;
    if (size)
        names[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        if (strstr(v[i].suite, suite))
            any = true;
        if (size && (i == 0 || strcmp(v[i].suite, v[i - 1].suite))) {
            size_t l = strlen(names);
            snprintf(names + l, size - l, "%s%s", l ? ", " : "", v[i].suite);
        }
    }
    return any;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* "g"'s statistics over the "k" signed errors in "e" (left as their sorted absolute values). */
static void summarize(llmcost_validation_group *g, double *e, size_t k)
{
    double sum = 0, signed_sum = 0;
    for (size_t i = 0; i < k; i++) {
        double a = fabs(e[i]);
        sum += a;
        signed_sum += e[i];
        if (a > fabs(g->worst_error))
            g->worst_error = e[i];
        g->within_10 += a <= 0.10 + 1e-12;
        g->within_25 += a <= 0.25 + 1e-12;
        e[i] = a;
    }
    g->figures = k;
    if (!k)
        return;
    qsort(e, k, sizeof *e, cmp_double);
    g->mean_abs_error = sum / (double)k;
    g->mean_error = signed_sum / (double)k;
    g->median_abs_error = k % 2 ? e[k / 2] : (e[k / 2 - 1] + e[k / 2]) / 2;
}

/* One group's statistics over the figures of "p" whose kind is "kind" (every figure for "all"). */
static void group_of(llmcost_validation_group *g, const llmcost_published *p, size_t n, const char *kind,
                     double *scratch)
{
    bool all = !strcmp(kind, "all");
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (all || !strcmp(p[i].kind, kind))
            scratch[k++] = p[i].error;
    summarize(g, scratch, k);
}

/* The fine-tuning memory suite's cases of set "set" ("fit", "held_out"; NULL: all), less the known misses (a case
 * whose exception's why starts "known miss") when "no_miss", into "g" (group_of's figures). */
static void case_group(llmcost_validation_group *g, const results *r, const char *set, bool no_miss, double *scratch)
{
    char tag[32];
    snprintf(tag, sizeof tag, "(%s)", set ? set : "");
    size_t k = 0, tl = strlen(tag);
    for (size_t i = 0; i < r->n; i++) {
        const llmcost_validation_case *c = &r->v[i];
        size_t nl = strlen(c->name);
        if (set && (nl < tl || strcmp(c->name + nl - tl, tag)))
            continue;
        if (no_miss && !strncmp(c->note, "known miss", 10))
            continue;
        scratch[k++] = c->error;
    }
    summarize(g, scratch, k);
}

/* The fine-tuning memory suite "s" grouped by set (fit, held_out), each also without its known misses, then all. */
static int finetune_groups(llmcost_validation_group **g, size_t *ng, json_t *s)
{
    json_t *doc;
    int rc = load(&doc, str(s, "file", "data/validation/finetune.json"));
    if (rc)
        return rc;
    results r = {0};
    rc = suite_finetune_memory(&r, s, str(s, "name", "?"), doc, num(s, "tolerance", 0), str(s, "source", ""));
    json_decref(doc);
    if (rc == 0 && r.oom)
        rc = lc_fail(LLMCOST_ENOMEM, "out of memory");
    static const struct {
        const char *kind, *set;
        bool no_miss;
    } sets[] = {{"fit", "fit", false}, {"fit_no_miss", "fit", true}, {"held_out", "held_out", false},
                {"held_no_miss", "held_out", true}, {"all", NULL, false}};
    const size_t nk = sizeof sets / sizeof sets[0];
    double *scratch = rc ? NULL : malloc((r.n ? r.n : 1) * sizeof *scratch);
    llmcost_validation_group *more = rc ? NULL : realloc(*g, (*ng + nk) * sizeof **g);
    if (!rc && (!scratch || !more)) {
        if (more)
            *g = more;
        rc = lc_fail(LLMCOST_ENOMEM, "out of memory");
    }
    if (!rc) {
        *g = more;
        for (size_t k = 0; k < nk; k++) {
            llmcost_validation_group *x = &(*g)[*ng];
            memset(x, 0, sizeof *x);
            lc_strlcpy(x->suite, str(s, "name", "?"), sizeof x->suite);
            lc_strlcpy(x->kind, sets[k].kind, sizeof x->kind);
            case_group(x, &r, sets[k].set, sets[k].no_miss, scratch);
            if (x->figures || k + 1 == nk)
                (*ng)++;
        }
    }
    free(scratch);
    free(r.v);
    return rc;
}

int llmcost_validate_groups(llmcost_validation_group **out, size_t *n)
{
    if (!out || !n)
        return lc_fail(LLMCOST_EINVAL, "llmcost_validate_groups: NULL argument");
    *out = NULL;
    *n = 0;
    static const char *const kinds[] = {"dense", "moe", "fp8", "long_context", "a100", "all"};
    const size_t nk = sizeof kinds / sizeof kinds[0];
    json_t *suites;
    int rc = load(&suites, "data/validation/suites.json");
    if (rc)
        return rc;
    llmcost_validation_group *g = NULL;
    size_t ng = 0, i;
    json_t *s;
    json_array_foreach(json_object_get(suites, "suites"), i, s)
    {
        if (!strcmp(str(s, "kind", ""), "finetune_memory")) {
            if ((rc = finetune_groups(&g, &ng, s)) != 0)
                break;
            continue;
        }
        if (strcmp(str(s, "kind", ""), "runs"))
            continue;
        llmcost_published *p;
        size_t np;
        json_t *set = json_object_get(s, "set");
        rc = llmcost_train_published_file(&p, &np, str(s, "file", "data/validation/runs.json"),
                                          json_is_string(set) ? json_string_value(set) : NULL);
        if (rc)
            break;
        double *scratch = malloc((np ? np : 1) * sizeof *scratch);
        llmcost_validation_group *more = realloc(g, (ng + nk) * sizeof *g);
        if (!scratch || !more) {
            free(scratch);
            free(p);
            if (more)
                g = more;
            rc = lc_fail(LLMCOST_ENOMEM, "out of memory");
            break;
        }
        g = more;
        for (size_t k = 0; k < nk; k++) {
            llmcost_validation_group *x = &g[ng];
            memset(x, 0, sizeof *x);
            lc_strlcpy(x->suite, str(s, "name", "?"), sizeof x->suite);
            lc_strlcpy(x->kind, kinds[k], sizeof x->kind);
            group_of(x, p, np, kinds[k], scratch);
            if (x->figures || k + 1 == nk)
                ng++;
        }
        free(scratch);
        free(p);
    }
    json_decref(suites);
    if (rc) {
        free(g);
        return rc;
    }
    *out = g;
    *n = ng;
    return 0;
}
