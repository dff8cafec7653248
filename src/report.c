/* report.c - `llmcost report` computed by the library (report.h): the sections' options, the job that is priced,
 * the step under both implementation profiles and a compute-optimal run, and the whole document as JSON. */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "json_out.h"
#include "llmcost/format.h"
#include "llmcost/output.h"
#include "llmcost/params.h"
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

/* The step of "job" under each profile, and what a billion tokens and a compute-optimal run cost at that rate. */
static int price_profiles(llmcost_report *r, const llmcost_model *m, const llmcost_gpu *g, int sp)
{
    llmcost_step_options base;
    llmcost_job_step_options(&base, &r->job);
    r->n_profiles = LLMCOST_FW_COUNT;
    for (int fw = 0; fw < LLMCOST_FW_COUNT; fw++) {
        llmcost_step_options o = base;
        o.framework = (llmcost_framework)fw;
        /* Sequence parallelism: each profile's default (Megatron's with tensor parallelism), unless given. */
        o.layout.sequence_parallel = o.layout.tp > 1 && (sp >= 0 ? sp == 1 : fw == LLMCOST_FW_MEGATRON);
        llmcost_step s;
        int rc = llmcost_step_compute(&s, m, g, &o);
        if (rc < 0)
            return rc;
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
    return 0;
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
    int rc = r->notes ? 0 : lc_fail(LLMCOST_ENOMEM, "out of memory");
    r->given = *job;
    if (rc == 0)
        rc = llmcost_job_validate(&r->given, m);
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

    /* The FLOPs and memory sections describe the job given. */
    llmcost_flops_options_init(&r->flops);
    r->flops.seq = r->given.seq;
    r->flops.batch = r->given.micro_batch;
    r->flops.attention = r->given.attention;
    r->flops.recompute = r->given.recompute;
    llmcost_job_memory_options(&r->memory, &r->given);
    if (gpu->memory_bytes > 0 &&
        (rc = llmcost_memory_max_micro_batch(&r->max_micro_batch, m, &r->memory, gpu->memory_bytes, r->headroom)) < 0) {
        llmcost_report_free(r);
        return rc;
    }

    /* The step is priced for a job that fits: when the given one does not, the fit's changes are applied greedily
     * (llmcost_job_make_fit; not a search of speed: 'llmcost plan' searches). */
    char note[1024] = "";
    r->job = r->given;
    r->basis = LLMCOST_REPORT_GIVEN;
    if ((rc = llmcost_job_fit(&r->given_fit, m, gpu, &r->given)) < 0) {
        llmcost_report_free(r);
        return rc;
    }
    r->fit = r->given_fit;
    if (!r->given_fit.fits) {
        char a[48], b[48];
        llmcost_fmt_bytes(a, sizeof a, r->given_fit.required_bytes);
        llmcost_fmt_bytes(b, sizeof b, r->given_fit.usable_bytes);
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

static json_t *step_cost_json(const llmcost_report *r, const llmcost_gpu *g)
{
    json_t *arr = json_array();
    for (int i = 0; i < r->n_profiles; i++) {
        const llmcost_report_profile *p = &r->profiles[i];
        json_array_append_new(arr, json_pack("{s:s, s:o, s:o, s:o, s:o, s:o, s:o}", "framework",
                                             llmcost_framework_name(p->framework), "step_seconds",
                                             lc_json_real(p->step_seconds), "tokens_per_second",
                                             lc_json_real(p->tokens_per_second), "mfu", lc_json_real(p->mfu),
                                             "usd_per_billion_tokens", lc_json_real(p->usd_per_billion_tokens),
                                             "chinchilla_gpu_hours", lc_json_real(p->chinchilla_gpu_hours),
                                             "chinchilla_cost_usd", lc_json_real(p->chinchilla_cost_usd)));
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
    json_t *as = lc_json_lines(r->notes);
    json_array_append_new(as, json_string("the report's GPU at its catalogue price"));
    json_array_append_new(as, json_string("20 tokens per parameter (Hoffmann et al. 2022)"));
    if (r->fit_note[0])
        json_array_append_new(as, json_string(r->fit_note));
    json_object_set_new(o, "assumptions", as);
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
    if (rc == 0 && (rc = llmcost_params_count(&p, m)) == 0 && (rc = llmcost_params_to_json(&text, &p, m)) == 0)
        rc = section(doc, "params", text);
    llmcost_flops f;
    if (rc == 0 && (rc = llmcost_flops_compute(&f, m, &r->flops)) == 0 &&
        (rc = llmcost_flops_to_json(&text, &f, m, &r->flops, 0)) == 0)
        rc = section(doc, "flops", text);
    llmcost_memory mem;
    if (rc == 0 && (rc = llmcost_memory_compute(&mem, m, &r->memory)) == 0 &&
        (rc = llmcost_memory_to_json(&text, &mem, m, &r->memory, gpu, r->headroom, r->max_micro_batch)) == 0)
        rc = section(doc, "memory", text);
    if (rc == 0 && (rc = llmcost_scaling_at_size_to_json(&text, m)) == 0)
        rc = section(doc, "scaling", text);
    if (rc < 0) {
        json_decref(doc);
        return rc;
    }
    json_t *sc = step_cost_json(r, gpu);
    if (!sc) {
        json_decref(doc);
        return lc_fail(LLMCOST_ENOMEM, "out of memory");
    }
    json_object_set_new(doc, "step_cost", sc);
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
