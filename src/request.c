/* request.c - llmcost_request(): a command of `llmcost` run by the library from arguments by name, answering
 * exactly the JSON the CLI prints; and the fit of a job added to a step or train document (both front ends). */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "json_out.h"
#include "llmcost/budget.h"
#include "llmcost/format.h"
#include "llmcost/output.h"
#include "llmcost/plan.h"
#include "llmcost/ranges.h"
#include "llmcost/report.h"
#include "llmcost/request.h"
#include "llmcost/validate.h"

enum { RK_FLAG = LC_V_FLAG, RK_SIZE = LC_V_SIZE, RK_COUNT = LC_V_COUNT, RK_REAL = LC_V_REAL, RK_FRACTION = LC_V_FRACTION,
       RK_CHOICE = LC_V_CHOICE };

int llmcost_job_fit_to_json(char **out, const char *doc, const llmcost_model *m, const llmcost_gpu *gpu,
                            const llmcost_job *j, bool *fits)
{
    if (out)
        *out = NULL;
    if (!out || !doc || !m || !gpu || !j)
        return lc_fail(LLMCOST_EINVAL, "llmcost_job_fit_to_json: NULL argument");
    llmcost_job_fit_result f;
    int rc = llmcost_job_fit(&f, m, gpu, j);
    if (rc < 0)
        return rc;
    if (fits)
        *fits = f.fits;
    /* When it does not fit: the changes together that do, and the planner's nearest layout that does. */
    llmcost_fit_advice *a = malloc(sizeof *a);
    if (!a)
        return lc_fail(LLMCOST_ENOMEM, "out of memory");
    if ((rc = llmcost_job_fit_advice(a, m, gpu, j)) < 0) {
        free(a);
        return rc;
    }
    json_error_t e;
    json_t *o = json_loads(doc, 0, &e);
    if (!o) {
        free(a);
        return lc_fail(LLMCOST_EINVAL, "llmcost_job_fit_to_json: the document does not parse: %s", e.text);
    }
    json_object_set_new(o, "fits", json_boolean(f.fits));
    json_object_set_new(o, "peak_bytes", lc_json_real(round(f.peak_bytes)));
    json_object_set_new(o, "capacity_bytes", lc_json_real(round(f.capacity_bytes)));
    json_object_set_new(o, "required_bytes", lc_json_real(round(f.required_bytes)));
    json_object_set_new(o, "usable_bytes", lc_json_real(round(f.usable_bytes)));
    json_t *arr = json_array();
    for (int i = 0; i < f.n_fixes; i++) {
        char t[160];
        llmcost_fix_flags(t, sizeof t, &f.fixes[i]);
        json_array_append_new(arr, json_pack("{s:s, s:I, s:s, s:o}", "change", llmcost_fix_name(f.fixes[i].kind),
                                             "value", (json_int_t)f.fixes[i].value, "flags", t, "required_bytes",
                                             lc_json_real(round(f.fixes[i].required_bytes))));
    }
    json_object_set_new(o, "fixes", arr);
    if (a->together[0])
        json_object_set_new(o, "fits_on_these_gpus_with", json_string(a->together));
    rc = lc_nearest_fit_json(o, a, m, gpu, j);
    free(a);
    if (rc < 0) {
        json_decref(o);
        return rc;
    }
    return lc_json_text(out, o, 17);
}

int llmcost_memory_fit_to_json(char **out, const char *doc, const llmcost_model *m, const llmcost_gpu *gpu,
                               const llmcost_job *j)
{
    if (out)
        *out = NULL;
    if (!out || !doc || !m || !gpu || !j)
        return lc_fail(LLMCOST_EINVAL, "llmcost_memory_fit_to_json: NULL argument");
    llmcost_fit_advice *a = malloc(sizeof *a);
    if (!a)
        return lc_fail(LLMCOST_ENOMEM, "out of memory");
    int rc = llmcost_job_fit_advice(a, m, gpu, j);
    json_error_t e;
    json_t *o = rc < 0 ? NULL : json_loads(doc, 0, &e);
    if (!o && rc >= 0)
        rc = lc_fail(LLMCOST_EINVAL, "llmcost_memory_fit_to_json: the document does not parse: %s", e.text);
    if (rc >= 0)
        rc = lc_nearest_fit_json(o, a, m, gpu, j);
    free(a);
    if (rc < 0) {
        json_decref(o);
        return rc;
    }
    return lc_json_text(out, o, 17);
}

/* ---- the arguments of one request ---- */

typedef struct req {
    const char *cmd;
    json_t *args; /* every scalar as text (numbers as the shortest text that reads back the same) */
    json_t *used; /* the names read */
    llmcost_model *model;
    llmcost_catalog *catalog; /* NULL: the bundled one; a copy when gpu_file is given */
} req;

/* The argument "name" as text, or NULL when absent; marked as read. */
static const char *arg(req *r, const char *name)
{
    json_object_set_new(r->used, name, json_true());
    json_t *v = json_object_get(r->args, name);
    return json_is_string(v) ? json_string_value(v) : NULL;
}

static int arg_read(req *r, const char *name, int kind, void *dest, const char *const *choices)
{
    const char *v = arg(r, name);
    if (!v)
        return 0;
    return lc_read_value(dest, kind, name, v, choices);
}

static int normalise(req *r, const char *args_json)
{
    json_error_t e;
    r->args = json_loads(args_json && args_json[0] ? args_json : "{}", 0, &e);
    if (!r->args)
        return lc_fail(LLMCOST_EPARSE, "arguments: malformed JSON at %d:%d: %s", e.line, e.column, e.text);
    if (!json_is_object(r->args))
        return lc_fail(LLMCOST_EINVAL, "arguments: expected a JSON object of name: value");
    r->used = json_object();
    const char *k;
    json_t *v;
    void *tmp;
    json_object_foreach_safe(r->args, tmp, k, v)
    {
        char buf[64];
        if (json_is_null(v)) {
            json_object_del(r->args, k);
        } else if (json_is_boolean(v)) {
            json_object_set_new(r->args, k, json_string(json_is_true(v) ? "true" : "false"));
        } else if (json_is_integer(v)) {
            snprintf(buf, sizeof buf, "%lld", (long long)json_integer_value(v));
            json_object_set_new(r->args, k, json_string(buf));
        } else if (json_is_real(v)) {
            double x = json_real_value(v);
            /* The shortest text that reads back the same number, so that messages quote what was given. */
            for (int p = 15; p <= 17; p++) {
                snprintf(buf, sizeof buf, "%.*g", p, x);
                if (strtod(buf, NULL) == x)
                    break;
            }
            json_object_set_new(r->args, k, json_string(buf));
        } else if (!json_is_string(v) && strcmp(k, "model") != 0) {
            return lc_fail(LLMCOST_EINVAL, "%s: expected a string, a number or a boolean", k);
        }
    }
    return 0;
}

/* Every argument given must have been read: a misspelt one is refused, not ignored. */
static int check_unused(req *r)
{
    const char *k;
    json_t *v;
    json_object_foreach(r->args, k, v)
    {
        (void)v;
        if (json_object_get(r->used, k))
            continue;
        const char *names[128];
        size_t n = 0;
        const char *u;
        json_t *w;
        json_object_foreach(r->used, u, w)
        {
            (void)w;
            if (n < 128)
                names[n++] = u;
        }
        int near = llmcost_name_nearest(k, names, n);
        if (near >= 0)
            return lc_fail(LLMCOST_EINVAL, "%s: not an argument of %s; did you mean %s?", k, r->cmd, names[near]);
        return lc_fail(LLMCOST_EINVAL, "%s: not an argument of %s", k, r->cmd);
    }
    return 0;
}

static int load_model(req *r)
{
    json_object_set_new(r->used, "model", json_true());
    json_t *v = json_object_get(r->args, "model");
    const char *name = arg(r, "model_name");
    int rc;
    if (json_is_object(v)) {
        char *text = json_dumps(v, JSON_COMPACT);
        if (!text)
            return lc_fail(LLMCOST_ENOMEM, "out of memory");
        rc = llmcost_model_from_json(&r->model, text, strlen(text), name ? name : "config");
        free(text);
        if (rc == 0)
            lc_strlcpy(r->model->name, name ? name : "config", sizeof r->model->name);
        return rc;
    }
    if (v && !json_is_string(v))
        return lc_fail(LLMCOST_EINVAL, "model: expected a preset name, a path or a config object");
    rc = llmcost_model_load(&r->model, v ? json_string_value(v) : "llama-7b");
    if (rc == 0 && name)
        lc_strlcpy(r->model->name, name, sizeof r->model->name);
    return rc;
}

static int read_job(req *r, llmcost_job_spec *s)
{
    llmcost_job_spec_init(s);
    for (int i = 0; llmcost_job_spec_names[i]; i++) {
        const char *v = arg(r, llmcost_job_spec_names[i]);
        int rc = v ? llmcost_job_spec_set(s, llmcost_job_spec_names[i], v) : 0;
        if (rc < 0)
            return rc;
    }
    bool no_sp = false;
    int rc = arg_read(r, "no_sequence_parallel", RK_FLAG, &no_sp, NULL);
    if (rc < 0)
        return rc;
    if (no_sp) {
        if (s->sequence_parallel == 1)
            return lc_fail(LLMCOST_EINVAL, "sequence_parallel and no_sequence_parallel contradict each other");
        s->sequence_parallel = 0;
    }
    return 0;
}

static int read_gpu(req *r, llmcost_gpu_spec *g)
{
    llmcost_gpu_spec_init(g);
    int rc = 0;
    const char *file = arg(r, "gpu_file");
    if (file) {
        if ((rc = llmcost_catalog_new(&r->catalog, NULL)) < 0)
            return rc;
        if ((rc = llmcost_catalog_load_file(r->catalog, file)) < 0)
            return rc;
    }
    g->gpu = arg(r, "gpu");
    g->price_list = arg(r, "price_list");
    static const struct {
        const char *name;
        size_t off;
    } reals[] = {
        {"price", offsetof(llmcost_gpu_spec, price)},
        {"peak_tflops", offsetof(llmcost_gpu_spec, peak_tflops)},
        {"memory_gb", offsetof(llmcost_gpu_spec, memory_gb)},
        {"memory_bw", offsetof(llmcost_gpu_spec, memory_bw_gbps)},
        {"tdp", offsetof(llmcost_gpu_spec, tdp_watts)},
        {"scaleup_bw", offsetof(llmcost_gpu_spec, scaleup_gbps)},
        {"scaleout_bw", offsetof(llmcost_gpu_spec, scaleout_gbps)},
        {"power_cap", offsetof(llmcost_gpu_spec, power_cap_watts)}, /* version 2: the CLI's --power-cap W */
    };
    for (size_t i = 0; i < sizeof reals / sizeof reals[0] && rc == 0; i++)
        rc = arg_read(r, reals[i].name, RK_REAL, (char *)g + reals[i].off, NULL);
    if (rc == 0)
        rc = arg_read(r, "scaleup_size", RK_COUNT, &g->scaleup_size, NULL);
    if (rc == 0 && g->gpu && !g->gpu[0])
        rc = lc_fail(LLMCOST_EINVAL, "gpu: empty value");
    return rc;
}

/* The job's messages name its fields (layout.tp); a request names its arguments (tp). */
/* The job's and the GPU's arguments, read last: every argument given must then have been read. */
static int read_job_gpu(req *r, llmcost_job_spec *s, llmcost_gpu_spec *gs)
{
    int rc = read_job(r, s);
    if (rc == 0)
        rc = read_gpu(r, gs);
    if (rc == 0)
        rc = check_unused(r);
    return rc;
}

static int job_fail(int rc)
{
    char msg[2048];
    llmcost_job_message_names(msg, sizeof msg, llmcost_errmsg(), LLMCOST_NAMES_ARGUMENTS);
    return lc_fail(rc, "%s", msg);
}

/* ---- the commands ---- */

static int do_params(req *r, char **out)
{
    /* The fine-tuning arguments, read as a job reads them (llmcost_job_spec_set), then the library's document. */
    static const char *const ft_names[] = {"finetune", "lora_rank",    "lora_alpha",  "lora_targets",
                                           "lora_variant", "quant", "double_quant", "quant_group",
                                           "lora_dropout", "adapter_dtype", "framework"};
    llmcost_job_spec s;
    llmcost_job_spec_init(&s);
    bool given = false;
    int rc = 0;
    for (size_t i = 0; i < sizeof ft_names / sizeof ft_names[0] && rc == 0; i++) {
        const char *v = arg(r, ft_names[i]);
        if (v) {
            given = true;
            rc = llmcost_job_spec_set(&s, ft_names[i], v);
        }
    }
    if (rc == 0)
        rc = check_unused(r);
    if (rc < 0)
        return rc;
    if (given) {
        llmcost_finetune ft;
        if ((rc = llmcost_job_spec_finetune(&ft, &s, r->model, NULL, 0)) < 0)
            return job_fail(rc);
        return llmcost_finetune_params_to_json_framework(out, r->model, &ft, s.framework);
    }
    llmcost_params p;
    rc = llmcost_params_count(&p, r->model);
    return rc < 0 ? rc : llmcost_params_to_json(out, &p, r->model);
}

static const char *const attention_names[] = {"eager", "sdpa", "flash", "sdpa-math", "flash2", "flash3", "cudnn", "triton", "flash4", NULL};
static const char *const recompute_names[] = {"none", "selective", "full", NULL};
static const char *const convention_names[] = {"causal", "unmasked", NULL};

static int do_flops(req *r, char **out)
{
    long long seq = 0, batch = 1;
    int attention = LLMCOST_ATTN_SDPA, recompute = LLMCOST_RECOMPUTE_NONE, convention = LLMCOST_CONV_CAUSAL;
    bool frozen = false;
    double tokens = 0;
    int rc = 0;
    if (rc == 0)
        rc = arg_read(r, "seq", RK_SIZE, &seq, NULL);
    if (rc == 0)
        rc = arg_read(r, "batch", RK_SIZE, &batch, NULL);
    if (rc == 0)
        rc = arg_read(r, "attention", RK_CHOICE, &attention, attention_names);
    if (rc == 0)
        rc = arg_read(r, "recompute", RK_CHOICE, &recompute, recompute_names);
    if (rc == 0)
        rc = arg_read(r, "convention", RK_CHOICE, &convention, convention_names);
    if (rc == 0)
        rc = arg_read(r, "frozen_embedding", RK_FLAG, &frozen, NULL);
    if (rc == 0)
        rc = arg_read(r, "tokens", RK_REAL, &tokens, NULL);
    if (rc == 0)
        rc = check_unused(r);
    if (rc < 0)
        return rc;
    if (tokens > 0 && (rc = llmcost_range_check("tokens", tokens)) < 0)
        return rc;
    llmcost_flops_options o;
    llmcost_flops_options_init(&o);
    o.batch = batch;
    o.seq = seq > 0 ? seq : llmcost_default_seq(r->model, NULL, 0);
    o.attention = (llmcost_attn_impl)attention;
    o.recompute = (llmcost_recompute)recompute;
    o.convention = (llmcost_convention)convention;
    o.frozen_embedding = frozen;
    llmcost_flops f;
    if ((rc = llmcost_flops_compute(&f, r->model, &o)) < 0)
        return rc;
    return llmcost_flops_to_json(out, &f, r->model, &o, tokens);
}

/* The GPU (at the bf16 peak, as the CLI resolves it), then the job: the order of `llmcost memory` and `report`;
 * the job's assumptions in "notes" (may be NULL). */
static int gpu_then_job(req *r, llmcost_gpu *gpu, llmcost_job *job, llmcost_job_spec *s, char *notes, size_t size)
{
    llmcost_gpu_spec gs;
    int rc = read_job_gpu(r, s, &gs);
    if (rc < 0)
        return rc;
    char over[512];
    if ((rc = llmcost_gpu_spec_resolve(gpu, r->catalog, &gs, "h100", LLMCOST_DT_BF16, over, sizeof over)) < 0)
        return job_fail(rc);
    if ((rc = llmcost_job_spec_resolve(job, s, r->model, notes, size)) < 0)
        return job_fail(rc);
    /* A power cap is said with the GPU's other overrides, as `llmcost report` says it. */
    if (notes && gs.power_cap_watts > 0 && over[0]) {
        size_t n = strlen(notes);
        snprintf(notes + n, size - n, "GPU %s: %s\n", gpu->name, over);
    }
    return 0;
}

static int do_memory(req *r, char **out)
{
    llmcost_job_spec s;
    llmcost_gpu gpu;
    llmcost_job job;
    bool max_seq = false; /* the CLI's --max-seq: the longest sequence that fits (llmcost_job_max_seq) */
    int rc = arg_read(r, "max_seq", RK_FLAG, &max_seq, NULL);
    if (rc < 0 || (rc = gpu_then_job(r, &gpu, &job, &s, NULL, 0)) < 0)
        return rc;
    /* A recipe the GPU cannot run (bf16 on a V100) is refused, not sized. */
    if ((rc = llmcost_job_check_gpu(&job, &gpu)) < 0)
        return job_fail(rc);
    llmcost_memory_options o;
    llmcost_job_memory_options(&o, &job);
    llmcost_memory m;
    if ((rc = lc_memory_check_model(r->model)) < 0)
        return rc;
    /* The job itself (its fine-tuning included), not its memory options. */
    if ((rc = llmcost_job_memory(&m, r->model, &job)) < 0)
        return rc;
    int64_t maxb = 0;
    if (gpu.memory_bytes > 0 &&
        (rc = llmcost_job_max_micro_batch(&maxb, r->model, &job, gpu.memory_bytes, job.headroom)) < 0)
        return rc;
    char *doc;
    if ((rc = llmcost_memory_to_json(&doc, &m, r->model, &o, &gpu, job.headroom, maxb)) < 0)
        return rc;
    rc = llmcost_memory_fit_to_json(out, doc, r->model, &gpu, &job);
    llmcost_free(doc);
    if (rc < 0 || !max_seq)
        return rc;
    int64_t longest = 0;
    json_error_t e;
    json_t *d = json_loads(*out, 0, &e);
    llmcost_free(*out);
    *out = NULL;
    if (!d)
        return lc_fail(LLMCOST_ENOMEM, "memory: out of memory");
    if ((rc = llmcost_job_max_seq(&longest, r->model, &job, gpu.memory_bytes, job.headroom)) < 0) {
        json_decref(d);
        return rc;
    }
    json_object_set_new(d, "max_seq", json_integer(longest));
    if (r->model->max_positions > 0)
        json_object_set_new(d, "max_positions", json_integer(r->model->max_positions));
    return lc_json_text(out, d, 17);
}

/* The job and the GPU of step and train, in the CLI's order, with the job's notes in "notes". */
static int job_and_gpu(req *r, llmcost_job *job, llmcost_gpu *gpu, const llmcost_job_spec *s0,
                       const llmcost_gpu_spec *gs, char *notes, size_t size, char *over, size_t osize)
{
    llmcost_job_spec s = *s0;
    int rc = llmcost_job_spec_resolve(job, &s, r->model, notes, size);
    if (rc < 0)
        return job_fail(rc);
    if ((rc = llmcost_gpu_spec_resolve(gpu, r->catalog, gs, "h100", llmcost_precision_dtype(job->precision), over,
                                       osize)) < 0)
        return job_fail(rc);
    if (!gs->gpu) {
        size_t n = strlen(notes);
        snprintf(notes + n, size - n, "GPU h100 (give --gpu)\n");
    }
    return 0;
}

static int with_fit(char **out, int rc, char *doc, req *r, const llmcost_gpu *g, const llmcost_job *job)
{
    if (rc < 0)
        return rc;
    rc = llmcost_job_fit_to_json(out, doc, r->model, g, job, NULL);
    llmcost_free(doc);
    return rc;
}

static int do_step(req *r, char **out)
{
    llmcost_job_spec s;
    llmcost_gpu_spec gs;
    int rc = read_job_gpu(r, &s, &gs);
    if (rc < 0)
        return rc;
    char notes[6144] = "", over[512];
    llmcost_job job;
    llmcost_gpu g;
    if ((rc = job_and_gpu(r, &job, &g, &s, &gs, notes, sizeof notes, over, sizeof over)) < 0)
        return rc;
    llmcost_step st;
    if ((rc = llmcost_job_step(&st, r->model, &g, &job)) < 0)
        return rc;
    llmcost_step_options o;
    llmcost_job_step_options(&o, &job);
    llmcost_step_assumptions(notes, sizeof notes, &g, &o, over);
    llmcost_step_savers_assumptions(notes, sizeof notes, &st, &job, &g);
    char *doc;
    rc = llmcost_step_to_json(&doc, &st, r->model, &g, &o, notes);
    return with_fit(out, rc, doc, r, &g, &job);
}

/* `llmcost report`: the GPU, then the job, then the library's report. */
static int do_report(req *r, char **out)
{
    llmcost_job_spec s;
    llmcost_gpu g;
    llmcost_job job;
    char notes[4096] = "";
    int rc = gpu_then_job(r, &g, &job, &s, notes, sizeof notes);
    if (rc < 0)
        return rc;
    llmcost_report_options o;
    llmcost_report_options_init(&o);
    o.notes = notes;
    o.sequence_parallel = s.sequence_parallel;
    if ((rc = llmcost_report_to_json(out, r->model, &g, &job, &o)) < 0)
        return job_fail(rc);
    return 0;
}

static int do_published(req *r, char **out)
{
    int rc = check_unused(r);
    llmcost_published *p;
    size_t n;
    if (rc == 0)
        rc = llmcost_train_published(&p, &n);
    if (rc < 0)
        return rc;
    rc = llmcost_published_to_json(out, p, n);
    llmcost_free(p);
    return rc;
}

static int do_train(req *r, char **out)
{
    bool published = false;
    int rc = arg_read(r, "published", RK_FLAG, &published, NULL);
    if (rc < 0)
        return rc;
    if (published) {
        if (json_object_get(r->args, "model") || json_object_get(r->args, "tokens"))
            return lc_fail(LLMCOST_EINVAL, "published takes no model and no tokens");
        return do_published(r, out);
    }
    double tokens = 0, mfu = 0, pue = 0, grid = -1, goodput = 0, ckpt_gbps = 0, ckpt_interval = 0, warmup = 0;
    llmcost_job_spec s;
    llmcost_gpu_spec gs;
    if (rc == 0)
        rc = arg_read(r, "tokens", RK_REAL, &tokens, NULL);
    if (rc == 0)
        rc = arg_read(r, "mfu", RK_FRACTION, &mfu, NULL);
    if (rc == 0)
        rc = arg_read(r, "pue", RK_REAL, &pue, NULL);
    if (rc == 0)
        rc = arg_read(r, "grid_intensity", RK_REAL, &grid, NULL);
    if (rc == 0)
        rc = arg_read(r, "goodput", RK_FRACTION, &goodput, NULL);
    if (rc == 0)
        rc = arg_read(r, "checkpoint_gbps", RK_REAL, &ckpt_gbps, NULL);
    if (rc == 0)
        rc = arg_read(r, "checkpoint_interval", RK_REAL, &ckpt_interval, NULL);
    if (rc == 0)
        rc = arg_read(r, "warmup", RK_REAL, &warmup, NULL);
    if (rc == 0)
        rc = read_job_gpu(r, &s, &gs);
    if (rc < 0)
        return rc;
    if (!(tokens > 0))
        return lc_fail(LLMCOST_EINVAL, "tokens: required (e.g. tokens=\"15.6T\")");
    char notes[6144] = "", over[512];
    llmcost_job job;
    llmcost_gpu g;
    if ((rc = job_and_gpu(r, &job, &g, &s, &gs, notes, sizeof notes, over, sizeof over)) < 0)
        return rc;
    llmcost_train_options ro;
    llmcost_train_options_init(&ro);
    llmcost_job_step_options(&ro.step, &job);
    ro.tokens = tokens;
    ro.mfu = mfu;
    if (pue > 0)
        ro.pue = pue;
    bool grid_given = json_object_get(r->args, "grid_intensity") != NULL;
    if (grid_given)
        ro.grid_kg_per_kwh = grid;
    ro.goodput = goodput > 0 ? goodput : 0; /* 0: the library's failure model */
    ro.checkpoint_gbps = ckpt_gbps;
    ro.checkpoint_interval_seconds = ckpt_interval;
    ro.warmup_seconds = warmup;
    llmcost_train run;
    /* The job's own step (llmcost_job_train), as the CLI's: step options carry no LoRA / QLoRA adapters. */
    if ((rc = llmcost_job_train(&run, r->model, &g, &job, &ro)) < 0)
        return job_fail(rc);
    llmcost_train_assumptions(notes, sizeof notes, &run, &g, &ro, over, gs.price > 0, pue > 0, grid_given);
    llmcost_step_savers_assumptions(notes, sizeof notes, &run.step, &job, &g);
    char *doc;
    rc = llmcost_train_to_json(&doc, &run, r->model, &g, &ro, notes);
    return with_fit(out, rc, doc, r, &g, &job);
}

static int do_validate(req *r, char **out)
{
    bool failures = false;
    const char *suite = arg(r, "suite");
    int rc = arg_read(r, "failures", RK_FLAG, &failures, NULL);
    if (rc == 0)
        rc = check_unused(r);
    if (rc < 0)
        return rc;
    llmcost_validation_case *v;
    size_t n;
    if ((rc = llmcost_validate_run(&v, &n)) < 0)
        return rc;
    if (suite) {
        char names[512];
        if (!llmcost_validation_suite_matches(v, n, suite, names, sizeof names)) {
            llmcost_free(v);
            return lc_fail(LLMCOST_EINVAL, "suite: '%s' matches no suite (%s)", suite, names);
        }
    }
    rc = llmcost_validation_to_json(out, v, n, suite, failures);
    llmcost_free(v);
    return rc;
}

/* The model as read: its name, where it came from, the assumptions made reading it, and its architecture. */
static int do_load(req *r, char **out)
{
    int rc = check_unused(r);
    char *arch;
    if (rc == 0)
        rc = llmcost_model_to_json(&arch, r->model);
    if (rc < 0)
        return rc;
    json_error_t e;
    json_t *a = json_loads(arch, 0, &e);
    llmcost_free(arch);
    if (!a)
        return lc_fail(LLMCOST_EINVAL, "load: the model's JSON does not parse: %s", e.text);
    json_t *o = json_object();
    json_object_set_new(o, "schema_version", json_integer(LLMCOST_SCHEMA_VERSION));
    json_object_set_new(o, "name", json_string(r->model->name));
    json_object_set_new(o, "origin", json_string(r->model->origin));
    json_object_set_new(o, "notes", lc_json_lines(r->model->notes));
    json_object_del(a, "schema_version");
    json_object_set_new(o, "architecture", a);
    return lc_json_text(out, o, 17);
}

/* ---- the catalogues: gpus, models, scaling laws ---- */

/* `llmcost gpus`: the catalogue and its price lists (price_lists: the lists alone), or with gpu one GPU after the
 * overrides given. */
static int do_gpus(req *r, char **out)
{
    bool lists = false;
    llmcost_gpu_spec gs;
    int rc = arg_read(r, "price_lists", RK_FLAG, &lists, NULL);
    if (rc == 0)
        rc = read_gpu(r, &gs);
    if (rc == 0)
        rc = check_unused(r);
    if (rc < 0)
        return rc;
    bool overriding = gs.price > 0 || gs.peak_tflops > 0 || gs.memory_gb > 0 || gs.memory_bw_gbps > 0 ||
                      gs.tdp_watts > 0 || gs.scaleup_gbps > 0 || gs.scaleup_size > 0 || gs.scaleout_gbps > 0 ||
                      gs.price_list || gs.power_cap_watts > 0;
    if (overriding && !gs.gpu)
        return lc_fail(LLMCOST_EINVAL, "overrides apply to one GPU: give gpu");
    if (gs.gpu) {
        llmcost_gpu g;
        if ((rc = llmcost_gpu_spec_resolve(&g, r->catalog, &gs, NULL, LLMCOST_DT_BF16, NULL, 0)) < 0)
            return rc;
        return llmcost_gpu_to_json(out, &g);
    }
    return llmcost_catalog_to_json(out, r->catalog, lists);
}

static int do_models(req *r, char **out)
{
    int rc = check_unused(r);
    return rc < 0 ? rc : llmcost_presets_to_json(out);
}

/* `llmcost scaling laws`. */
static int do_scaling(req *r, char **out)
{
    int rc = check_unused(r);
    return rc < 0 ? rc : llmcost_laws_to_json(out);
}

/* `llmcost scaling fit RUNS`: runs (a CSV file of N, D, loss), bootstrap, seed, huber_delta, confidence. The
 * default resamples shrink to the bound as the CLI's do (without its note); asked for, the bound is refused. */
static int do_fit(req *r, char **out)
{
    long long bootstrap = 200, seed = 1;
    double delta = 1e-3, confidence = 0.95;
    const char *path = arg(r, "runs");
    bool seen_boot = json_object_get(r->args, "bootstrap") != NULL;
    int rc = arg_read(r, "bootstrap", LC_V_NONNEG, &bootstrap, NULL);
    if (rc == 0)
        rc = arg_read(r, "seed", LC_V_NONNEG, &seed, NULL);
    if (rc == 0)
        rc = arg_read(r, "huber_delta", RK_REAL, &delta, NULL);
    if (rc == 0)
        rc = arg_read(r, "confidence", RK_FRACTION, &confidence, NULL);
    if (rc == 0)
        rc = check_unused(r);
    if (rc < 0)
        return rc;
    if (!path || !path[0])
        return lc_fail(LLMCOST_EINVAL, "runs: required, a CSV file of runs (columns N, D, loss)");
    if (confidence >= 1)
        return lc_fail(LLMCOST_EINVAL, "confidence: must be below 1");
    if (bootstrap > LLMCOST_FIT_MAX_BOOTSTRAP)
        return lc_fail(LLMCOST_EINVAL, "bootstrap: at most %d resamples", LLMCOST_FIT_MAX_BOOTSTRAP);
    llmcost_fit_options fo = LLMCOST_FIT_OPTIONS_INIT;
    fo.bootstrap = (int)bootstrap;
    fo.seed = (uint64_t)seed;
    fo.huber_delta = delta;
    fo.confidence = confidence;
    llmcost_run *runs;
    size_t n;
    if ((rc = llmcost_scaling_read_runs(&runs, &n, path)) < 0)
        return rc;
    if (!seen_boot && n > 0 && (double)fo.bootstrap * (double)n > LLMCOST_FIT_MAX_RESAMPLED_RUNS)
        fo.bootstrap = (int)(LLMCOST_FIT_MAX_RESAMPLED_RUNS / n);
    llmcost_fit fit;
    rc = llmcost_scaling_fit(&fit, runs, n, &fo);
    llmcost_free(runs);
    if (rc < 0) {
        if (rc == LLMCOST_EINVAL && !strstr(llmcost_errmsg(), path)) {
            char msg[1024];
            lc_strlcpy(msg, llmcost_errmsg(), sizeof msg);
            return lc_fail(rc, "%s: %s", path, msg);
        }
        return rc;
    }
    return llmcost_fit_to_json(out, &fit, &fo, path, NULL);
}

/* ---- budget ---- */

/* The law of a budget: a bundled name or a law file (law, default chinchilla), then the constants E, A, B, alpha,
 * beta given, one by one; a law with changed constants is named "user" (as `llmcost budget` names it). */
static int budget_law(req *r, llmcost_law *out)
{
    static const char *const names[] = {"E", "A", "B", "alpha", "beta"};
    double vals[5];
    const double *given[5];
    for (int i = 0; i < 5; i++) {
        given[i] = json_object_get(r->args, names[i]) ? &vals[i] : NULL;
        int rc = arg_read(r, names[i], RK_REAL, &vals[i], NULL);
        if (rc < 0)
            return rc;
    }
    int rc = llmcost_scaling_law_pick(out, arg(r, "law"), given);
    if (rc < 0)
        return rc;
    rc = llmcost_scaling_law_check(out);
    if (rc < 0) {
        char msg[1024];
        lc_strlcpy(msg, llmcost_errmsg(), sizeof msg);
        return lc_fail(rc, "the law's constants: %s", msg);
    }
    return 0;
}

/* The budget's messages name its options' fields; a request names its arguments. */
static int budget_fail(int rc)
{
    static const struct {
        const char *field, *name;
    } names[] = {
        {"n_params", "params"}, {"n_tokens", "tokens"}, {"gpus", "gpu"},           {"gpu_count", "gpus"},
        {"price_per_hour", "price"}, {"peak_flops", "peak_tflops"},
    };
    const char *msg = llmcost_errmsg();
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        size_t len = strlen(names[i].field);
        if (!strncmp(msg, names[i].field, len) && (msg[len] == ':' || !strncmp(msg + len, " = ", 3))) {
            char rest[2048];
            lc_strlcpy(rest, msg + len, sizeof rest);
            return lc_fail(rc, "%s%s", names[i].name, rest);
        }
    }
    return rc;
}

/* `llmcost budget`: one question (dollars, flops, gpu_hours, params and/or tokens, target_loss), the candidate
 * GPUs (gpu: a comma list; gpus: their count, or as the CLI's older spelling the list), price, peak_tflops,
 * price_list, mfu or model_mfu, the law, gpu_count, vocab. */
static int do_budget(req *r, char **out)
{
    llmcost_budget_options bo;
    llmcost_budget_options_init(&bo);
    static const char *const qnames[] = {"dollars", "flops", "gpu_hours", "params", "tokens", "target_loss"};
    double q[6] = {0};
    bool s[6];
    int rc = 0;
    for (int i = 0; i < 6 && rc == 0; i++) {
        s[i] = json_object_get(r->args, qnames[i]) != NULL;
        rc = arg_read(r, qnames[i], RK_REAL, &q[i], NULL);
    }
    double price = 0, peak_tflops = 0, mfu = 0.4;
    bool model_mfu = false, s_mfu = json_object_get(r->args, "mfu") != NULL;
    bool s_count = json_object_get(r->args, "gpu_count") != NULL;
    long long gpu_count = 1024, vocab = 32000;
    const char *gpu = arg(r, "gpu"), *gpus = arg(r, "gpus"), *price_list = arg(r, "price_list");
    if (rc == 0)
        rc = arg_read(r, "price", RK_REAL, &price, NULL);
    if (rc == 0)
        rc = arg_read(r, "peak_tflops", RK_REAL, &peak_tflops, NULL);
    if (rc == 0)
        rc = arg_read(r, "mfu", RK_FRACTION, &mfu, NULL);
    if (rc == 0)
        rc = arg_read(r, "model_mfu", RK_FLAG, &model_mfu, NULL);
    if (rc == 0)
        rc = arg_read(r, "gpu_count", RK_COUNT, &gpu_count, NULL);
    if (rc == 0)
        rc = arg_read(r, "vocab", RK_COUNT, &vocab, NULL);
    llmcost_law law;
    if (rc == 0)
        rc = budget_law(r, &law);
    if (rc == 0)
        rc = check_unused(r);
    if (rc < 0)
        return rc;
    int nq = s[0] + s[1] + s[2] + (s[3] || s[4]) + s[5];
    if (nq != 1)
        return lc_fail(LLMCOST_EINVAL, nq ? "give one question, not several: dollars, flops, gpu_hours, "
                                            "params/tokens or target_loss"
                                          : "what budget? give dollars, flops, gpu_hours, params, tokens or "
                                            "target_loss");
    bo.question = s[0]          ? LLMCOST_BUDGET_DOLLARS
                  : s[1]        ? LLMCOST_BUDGET_FLOPS
                  : s[2]        ? LLMCOST_BUDGET_GPU_HOURS
                  : s[5]        ? LLMCOST_BUDGET_TARGET_LOSS
                  : s[3] && s[4] ? LLMCOST_BUDGET_PARAMS_TOKENS
                  : s[3]        ? LLMCOST_BUDGET_PARAMS
                                : LLMCOST_BUDGET_TOKENS;
    bo.dollars = q[0];
    bo.flops = q[1];
    bo.gpu_hours = q[2];
    bo.n_params = q[3];
    bo.n_tokens = q[4];
    bo.target_loss = q[5];
    if (gpus) {
        /* gpus is the count, as in step and train; a list of names is the older spelling of gpu. */
        double x;
        if (llmcost_parse_quantity(&x, gpus, 0) == 0) {
            if (!(x >= 1 && x == floor(x) && x <= 9.0e15))
                return lc_fail(LLMCOST_EINVAL, "gpus: '%s' must be a whole number of GPUs, at least 1", gpus);
            if (s_count && (long long)x != gpu_count)
                return lc_fail(LLMCOST_EINVAL, "gpus %s and gpu_count %lld disagree", gpus, gpu_count);
            gpu_count = (long long)x;
        } else if (gpu) {
            return lc_fail(LLMCOST_EINVAL, "gpus: '%s' is not a count, and gpu already names the candidates", gpus);
        } else {
            gpu = gpus;
        }
    }
    if (vocab > 16777216)
        return lc_fail(LLMCOST_EINVAL, "vocab: at most 16,777,216");
    if (model_mfu && s_mfu)
        return lc_fail(LLMCOST_EINVAL, "mfu and model_mfu exclude each other");
    bo.law = &law;
    bo.catalog = r->catalog;
    bo.gpus = gpu;
    bo.price_list = price_list;
    bo.price_per_hour = price;
    bo.price_source = "--price";
    bo.peak_flops = peak_tflops * 1e12; /* the argument's unit */
    bo.mfu = mfu;
    bo.model_mfu = model_mfu;
    bo.gpu_count = gpu_count;
    bo.vocab = vocab;
    llmcost_budget *b;
    if ((rc = llmcost_budget_compute(&b, &bo)) < 0)
        return budget_fail(rc);
    rc = llmcost_budget_to_json(out, b, NULL);
    llmcost_budget_free(b);
    return rc;
}

/* ---- plan ---- */

/* global_batch as tokens: TOKENS ("1M" = 2^20) or SEQUENCESxLENGTH, whose length becomes the sequence (as the
 * CLI's --global-batch); 0 when not given. */
static int batch_tokens(const char *gb, long long *seq, bool *seq_given, double *tokens)
{
    *tokens = 0;
    if (!gb)
        return 0;
    double a = 0, b = 0, t = 0;
    int rc = llmcost_global_batch_parse(gb, &a, &b, &t);
    if (rc < 0)
        return rc;
    if (a > 0) {
        if (*seq_given && (long long)b != *seq)
            return lc_fail(LLMCOST_EINVAL, "global_batch %s: length %.0f but seq = %lld", gb, b, *seq);
        *seq = (long long)b;
        *seq_given = true;
    } else {
        a = t;
        b = 1;
    }
    if (!(a * b >= 1 && a * b < 9e18))
        return lc_fail(LLMCOST_EINVAL, "global_batch: '%s' is out of range", gb);
    *tokens = a * b;
    return 0;
}

/* `llmcost plan MODEL`: gpu (a comma list of types, default h100), gpu_file, price (one, or one per type),
 * gpus_per_node, objective (time|cost), tokens, top, pareto, threads, no_ep_overlap, no_tp_overlap, and the job's
 * arguments: one given fixes its dimension of the search; the fine-tuning is fixed. gpus and global_batch are required. */
static int do_plan(req *r, char **out)
{
    static const char *const job_names[] = {"seq", "micro_batch", "precision", "optimizer", "recompute", "attention",
                                            "framework", "gpus", "tp", "pp", "vpp", "dp", "cp", "ep", "etp", "zero",
                                            "global_batch", "ep_overlap", "tp_overlap", "sequence_parallel",
                                            "headroom", "cuda_context_gb", "act_cache", "pipeline", "ema",
                                            "bf16_grads", "foreach_optimizer", "recompute_modules",
                                            /* the fine-tuning, fixed as given (llmcost_plan_options_from_spec_model) */
                                            "finetune", "lora_rank", "lora_alpha", "lora_targets", "lora_variant",
                                            "quant", "double_quant", "quant_group", "lora_dropout", "adapter_dtype",
                                            /* the memory savers, fixed as given: every layout is sized and
                                             * timed with them (llmcost_plan_options_from_spec) */
                                            "chunked_loss", "optimizer_in_backward", "activation_offload", "compile",
                                            /* the CP implementation and per-layer checkpointing, fixed as given */
                                            "cp_comm", "recompute_every",
                                            /* the MoE token dispatch, fixed as given (as the CLI's plan takes
                                             * --moe-dispatcher and --moe-capacity-factor) */
                                            "moe_dispatcher", "moe_capacity_factor",
                                            /* the DP gradient bucket, fixed as given */
                                            "ddp_bucket_size",
                                            /* the shared-expert overlap, fixed as given */
                                            "moe_shared_expert_overlap", NULL};
    static const char *const objective_names[] = {"time", "cost", NULL};
    llmcost_job_spec s;
    llmcost_job_spec_init(&s);
    int rc = 0;
    for (int i = 0; job_names[i] && rc == 0; i++) {
        const char *v = arg(r, job_names[i]);
        if (v)
            rc = llmcost_job_spec_set(&s, job_names[i], v);
    }
#define GIVEN(name) (json_object_get(r->args, name) != NULL)
    bool no_sp = false, no_epo = false, no_tpo = false, pareto = false;
    int objective = LLMCOST_PLAN_TIME;
    long long top = 10, per_node = 0, threads = 0, tokens = 0;
    if (rc == 0)
        rc = arg_read(r, "no_sequence_parallel", RK_FLAG, &no_sp, NULL);
    if (rc == 0)
        rc = arg_read(r, "no_ep_overlap", RK_FLAG, &no_epo, NULL);
    if (rc == 0)
        rc = arg_read(r, "no_tp_overlap", RK_FLAG, &no_tpo, NULL);
    if (rc == 0)
        rc = arg_read(r, "pareto", RK_FLAG, &pareto, NULL);
    if (rc == 0)
        rc = arg_read(r, "objective", RK_CHOICE, &objective, objective_names);
    if (rc == 0)
        rc = arg_read(r, "top", RK_COUNT, &top, NULL);
    if (rc == 0)
        rc = arg_read(r, "gpus_per_node", RK_COUNT, &per_node, NULL);
    if (rc == 0)
        rc = arg_read(r, "threads", RK_COUNT, &threads, NULL);
    if (rc == 0)
        rc = arg_read(r, "tokens", RK_COUNT, &tokens, NULL);
    double power_cap = 0;
    if (rc == 0)
        rc = arg_read(r, "power_cap", RK_REAL, &power_cap, NULL);
    const char *gpu_list = arg(r, "gpu"), *price_arg = arg(r, "price"), *file = arg(r, "gpu_file");
    /* Read so that they are named in the refusal below, not as misspellings. */
    bool accum = arg(r, "grad_accum") || arg(r, "micro_batches");
    if (rc == 0)
        rc = check_unused(r);
    if (rc < 0)
        return rc;
    if (!GIVEN("gpus"))
        return lc_fail(LLMCOST_EINVAL, "gpus: required, the GPUs of the job");
    if (!s.global_batch)
        return lc_fail(LLMCOST_EINVAL, "global_batch: required, the tokens of one optimizer step (16M = 2^24)");
    if (accum)
        return lc_fail(LLMCOST_EINVAL, "grad_accum follows from global_batch and the layout; leave it out");
    if (s.sequence_parallel == 1 && no_sp)
        return lc_fail(LLMCOST_EINVAL, "sequence_parallel and no_sequence_parallel contradict each other");
    if ((s.ep_overlap && no_epo) || (s.tp_overlap && no_tpo))
        return lc_fail(LLMCOST_EINVAL, "X_overlap and no_X_overlap contradict each other");
    if (objective == LLMCOST_PLAN_COST && !(tokens > 0))
        return lc_fail(LLMCOST_EINVAL, "objective cost needs tokens, the length of the run");
    if (threads > 256)
        return lc_fail(LLMCOST_EINVAL, "threads: at most 256");
    if (file) {
        if ((rc = llmcost_catalog_new(&r->catalog, NULL)) < 0 || (rc = llmcost_catalog_load_file(r->catalog, file)) < 0)
            return rc;
    }
    /* The GPU types, each with its price. */
    char gpu_buf[512], price_buf[512];
    char *names[16], *prices[16];
    if (!lc_strlcpy(gpu_buf, gpu_list ? gpu_list : "h100", sizeof gpu_buf) ||
        !lc_strlcpy(price_buf, price_arg ? price_arg : "", sizeof price_buf))
        return lc_fail(LLMCOST_EINVAL, "%s: list too long", gpu_list && strlen(gpu_list) >= sizeof gpu_buf ? "gpu" : "price");
    int n_gpu = llmcost_split_list(gpu_buf, names, 16), n_price = llmcost_split_list(price_buf, prices, 16);
    if (n_gpu <= 0)
        return lc_fail(LLMCOST_EINVAL, "gpu: give one to 16 GPU names separated by commas");
    if (n_price < 0 || (n_price > 1 && n_price != n_gpu))
        return lc_fail(LLMCOST_EINVAL, "price: give one price, or one per gpu name (%d)", n_gpu);
    llmcost_gpu gpus[16];
    char capped[4096] = ""; /* each GPU type's power cap, as the CLI says it */
    for (int i = 0; i < n_gpu; i++) {
        llmcost_gpu_spec gs;
        llmcost_gpu_spec_init(&gs);
        gs.gpu = names[i];
        gs.scaleup_size = per_node;
        gs.power_cap_watts = power_cap; /* every layout of every type runs capped */
        if (n_price > 0) {
            const char *txt = prices[n_price == 1 ? 0 : i];
            if (llmcost_parse_quantity(&gs.price, txt, 0) != 0 || !(gs.price > 0))
                return lc_fail(LLMCOST_EINVAL, "price: '%s' is not a positive price", txt);
        }
        char over[512];
        if ((rc = llmcost_gpu_spec_resolve(&gpus[i], r->catalog, &gs, "h100",
                                           llmcost_precision_dtype((llmcost_precision)s.precision), over, sizeof over)) < 0)
            return rc;
        if (power_cap > 0) {
            size_t n = strlen(capped);
            snprintf(capped + n, sizeof capped - n, "GPU %.47s: %.511s\n", gpus[i].name, over);
        }
        if (objective == LLMCOST_PLAN_COST && !(gpus[i].price_per_hour > 0))
            return lc_fail(LLMCOST_EINVAL, "price: %s has no catalogue price; give one", gpus[i].name);
    }
    /* The assumptions in the CLI's words and order: the GPU, then the sequence. */
    char assumed[6144] = "";
    if (!gpu_list)
        lc_strlcpy(assumed, "GPU h100 (give --gpu)\n", sizeof assumed);
    size_t clen = strlen(assumed);
    snprintf(assumed + clen, sizeof assumed - clen, "%s", capped);
    bool seq_given = GIVEN("seq");
    long long seq = s.seq;
    double bt;
    /* SEQUENCESxLENGTH gives the sequence: read before the default, which it replaces. */
    if ((rc = batch_tokens(s.global_batch, &seq, &seq_given, &bt)) < 0)
        return rc;
    if (!seq_given) {
        char why[256];
        seq = llmcost_default_seq(r->model, why, sizeof why);
        size_t len = strlen(assumed);
        snprintf(assumed + len, sizeof assumed - len, "sequence %lld tokens (%s)\n", seq, why);
    }
    llmcost_plan_options o;
    llmcost_plan_options_init(&o);
    o.gpu_types = gpus;
    o.n_gpu_types = (size_t)n_gpu;
    o.gpus = s.gpus;
    o.seq = seq;
    o.global_batch_tokens = (long long)bt;
    o.objective = (llmcost_plan_objective)objective;
    o.tokens = (double)tokens;
    o.top = (size_t)top;
    o.pareto = pareto;
    o.threads = (int)threads; /* 0: one per core */
    size_t alen = strlen(assumed);
    o.cp = GIVEN("cp") ? s.cp : LLMCOST_PLAN_ANY; /* read by the note on CP over sliding windows */
    if ((rc = llmcost_plan_options_from_spec_model(&o, &s, r->model, assumed + alen, sizeof assumed - alen)) < 0)
        return rc;
    o.tp = GIVEN("tp") ? s.tp : LLMCOST_PLAN_ANY;
    o.pp = GIVEN("pp") ? s.pp : LLMCOST_PLAN_ANY;
    o.vpp = GIVEN("vpp") ? s.vpp : LLMCOST_PLAN_ANY;
    o.dp = GIVEN("dp") ? s.dp : LLMCOST_PLAN_ANY;
    o.cp = GIVEN("cp") ? s.cp : LLMCOST_PLAN_ANY;
    o.ep = GIVEN("ep") ? s.ep : LLMCOST_PLAN_ANY;
    o.etp = GIVEN("etp") ? s.etp : LLMCOST_PLAN_ANY;
    o.micro_batch = GIVEN("micro_batch") ? s.micro_batch : LLMCOST_PLAN_ANY;
    o.zero = GIVEN("zero") ? (int)s.zero : LLMCOST_PLAN_ANY;
    o.recompute = GIVEN("recompute") ? s.recompute : LLMCOST_PLAN_ANY;
    o.sequence_parallel = s.sequence_parallel == 1 ? 1 : no_sp ? 0 : LLMCOST_PLAN_ANY;
    o.ep_overlap = s.ep_overlap ? 1 : no_epo ? 0 : LLMCOST_PLAN_ANY;
    o.tp_overlap = s.tp_overlap ? 1 : no_tpo ? 0 : LLMCOST_PLAN_ANY;
#undef GIVEN
    if (o.global_batch_tokens % o.seq != 0)
        return lc_fail(LLMCOST_EINVAL, "global_batch %lld tokens is not a whole number of %lld-token sequences",
                       (long long)o.global_batch_tokens, (long long)o.seq);
    llmcost_plan p;
    if ((rc = llmcost_plan_search(&p, r->model, &o)) < 0)
        return rc;
    llmcost_plan_change *changes = NULL;
    size_t n_changes = 0;
    if (p.n_layouts == 0 && (rc = llmcost_plan_changes(&changes, &n_changes, r->model, &o)) < 0) {
        llmcost_plan_dispose(&p);
        return rc;
    }
    rc = llmcost_plan_result_to_json(out, &p, r->model, &o, changes, n_changes, assumed);
    llmcost_free(changes);
    llmcost_plan_dispose(&p);
    return rc;
}

static const struct command {
    const char *name;
    int (*run)(req *r, char **out);
    bool model;
} commands[] = {
    {"params", do_params, true}, {"flops", do_flops, true}, {"memory", do_memory, true},
    {"step", do_step, true},     {"train", do_train, false}, {"validate", do_validate, false},
    {"load", do_load, true},     {"gpus", do_gpus, false},   {"models", do_models, false},
    {"scaling", do_scaling, false}, {"fit", do_fit, false},  {"budget", do_budget, false},
    {"plan", do_plan, true},     {"report", do_report, true},
};

const char *const llmcost_request_commands[] = {"params", "flops",  "memory", "step",    "train", "validate", "load",
                                                "gpus",   "models", "scaling", "fit", "budget", "plan", "report",
                                                NULL};

int llmcost_request(char **out, const char *command, const char *args_json)
{
    if (out)
        *out = NULL;
    if (!out || !command)
        return lc_fail(LLMCOST_EINVAL, "llmcost_request: NULL argument");
    const struct command *c = NULL;
    for (size_t i = 0; i < sizeof commands / sizeof commands[0] && !c; i++)
        if (!strcmp(commands[i].name, command))
            c = &commands[i];
    if (!c) {
        int near = llmcost_name_nearest(command, (const char *const *)llmcost_request_commands,
                                        sizeof commands / sizeof commands[0]);
        if (near >= 0)
            return lc_fail(LLMCOST_ENOTFOUND, "command '%s' unknown; did you mean %s?", command,
                           llmcost_request_commands[near]);
        return lc_fail(LLMCOST_ENOTFOUND, "command '%s' unknown", command);
    }
    req r = {.cmd = command};
    int rc = normalise(&r, args_json);
    /* train loads its model only for a run (published takes none). */
    const char *published = rc == 0 ? arg(&r, "published") : NULL;
    bool model = c->model || (c->run == do_train && !(published && !strcmp(published, "true")));
    if (rc == 0 && model)
        rc = load_model(&r);
    if (rc == 0)
        rc = c->run(&r, out);
    llmcost_model_free(r.model);
    llmcost_catalog_free(r.catalog);
    json_decref(r.args);
    json_decref(r.used);
    if (rc < 0 && *out) {
        llmcost_free(*out);
        *out = NULL;
    }
    return rc;
}
