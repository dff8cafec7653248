/* plan_json.c - a layout search's result as the JSON document `llmcost plan --format json` prints. */
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "llmcost/output.h"
#include "llmcost/plan.h"

/* Integral values as integers, others with full precision, non-finite as null (as output.c). */
static json_t *jreal(double v)
{
    if (!isfinite(v))
        return json_null();
    if (v == floor(v) && fabs(v) < 9.0e15)
        return json_integer((json_int_t)v);
    return json_real(v);
}

static json_t *jint(int64_t v)
{
    return json_integer((json_int_t)v);
}

static json_t *layout_json(const llmcost_plan_options *o, const llmcost_plan_layout *l)
{
    const llmcost_layout *L = &l->layout;
    const llmcost_gpu *g = &o->gpu_types[l->gpu_type];
    json_t *j = json_object();
    json_object_set_new(j, "gpu", json_string(g->name));
    json_object_set_new(j, "gpus", jint(L->gpus));
    json_object_set_new(j, "tp", jint(L->tp));
    json_object_set_new(j, "pp", jint(L->pp));
    json_object_set_new(j, "vpp", jint(L->vpp));
    json_object_set_new(j, "dp", jint(L->dp));
    json_object_set_new(j, "cp", jint(L->cp));
    json_object_set_new(j, "ep", jint(L->ep));
    json_object_set_new(j, "etp", jint(l->expert_tp));
    json_object_set_new(j, "zero", json_integer(L->zero));
    json_object_set_new(j, "micro_batch", jint(l->micro_batch));
    json_object_set_new(j, "micro_batches", jint(l->micro_batches));
    json_object_set_new(j, "recompute", json_string(llmcost_recompute_name(l->recompute)));
    json_object_set_new(j, "sequence_parallel", json_boolean(L->sequence_parallel));
    json_object_set_new(j, "ep_overlap", json_boolean(L->ep_overlap));
    json_object_set_new(j, "tp_overlap", json_boolean(L->tp_overlap));
    json_object_set_new(j, "step_seconds", jreal(l->step_seconds));
    /* Whole bytes, as `llmcost memory` prints them. */
    json_object_set_new(j, "peak_bytes", jreal(round(l->peak_bytes)));
    json_object_set_new(j, "reserved_bytes", jreal(round(l->reserved_bytes)));
    json_object_set_new(j, "usable_bytes", jreal(round(l->usable_bytes)));
    json_object_set_new(j, "headroom_bytes", jreal(round(l->headroom_bytes)));
    json_object_set_new(j, "mfu", jreal(l->mfu));
    json_object_set_new(j, "tokens_per_second", jreal(l->tokens_per_second));
    if (o->tokens > 0) {
        json_object_set_new(j, "gpu_hours", jreal(l->gpu_hours));
        json_object_set_new(j, "cost_dollars", jreal(l->cost_dollars));
        json_object_set_new(j, "price_per_hour", jreal(g->price_per_hour));
    }
    json_object_set_new(j, "binds", json_string(llmcost_plan_bind_name(l->binds)));
    json_object_set_new(j, "binds_share", jreal(l->bind_share));
    json_object_set_new(j, "memory_bound", json_boolean(l->memory_bound));
    return j;
}

static json_t *lines_array(const char *text)
{
    json_t *arr = json_array();
    for (const char *p = text; p && *p;) {
        const char *e = strchr(p, '\n');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        if (len > 0)
            json_array_append_new(arr, json_stringn(p, len));
        p += len + (e ? 1 : 0);
    }
    return arr;
}

int llmcost_plan_to_json(char **out, const llmcost_plan *p, const llmcost_model *m, const llmcost_plan_options *o,
                         const char *assumptions)
{
    *out = NULL;
    if (!p || !m || !o)
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
    json_object_set_new(d, "gpus", jint(o->gpus));
    json_object_set_new(d, "seq", jint(o->seq));
    json_object_set_new(d, "global_batch_tokens", jint(o->global_batch_tokens));
    json_object_set_new(d, "objective", json_string(objectives[o->objective == LLMCOST_PLAN_COST]));
    if (o->tokens > 0)
        json_object_set_new(d, "tokens", jreal(o->tokens));
    json_object_set_new(d, "framework", json_string(llmcost_framework_name(o->framework)));
    json_object_set_new(d, "precision", json_string(llmcost_precision_name(o->precision)));
    json_object_set_new(d, "evaluated", jint(p->evaluated));
    json_object_set_new(d, "feasible", jint(p->feasible));
    json_t *rej = json_object();
    for (int k = 0; k < LLMCOST_PLAN_REJ_COUNT; k++)
        json_object_set_new(rej, llmcost_plan_reject_name(k), jint(p->rejected[k]));
    json_object_set_new(d, "rejected", rej);
    json_object_set_new(d, "memory_evaluations", jint(p->memory_evaluations));
    json_object_set_new(d, "step_evaluations", jint(p->step_evaluations));
    json_object_set_new(d, "search_seconds", jreal(p->seconds));
    json_object_set_new(d, "threads", json_integer(p->threads));
    json_t *arr = json_array();
    for (size_t i = 0; i < p->n_layouts; i++)
        json_array_append_new(arr, layout_json(o, &p->layouts[i]));
    json_object_set_new(d, "layouts", arr);
    if (o->pareto) {
        arr = json_array();
        for (size_t i = 0; i < p->n_pareto; i++)
            json_array_append_new(arr, layout_json(o, &p->pareto[i]));
        json_object_set_new(d, "pareto", arr);
    }
    json_object_set_new(d, "assumptions", lines_array(assumptions));
    char *s = json_dumps(d, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(17));
    json_decref(d);
    if (!s)
        return lc_fail(LLMCOST_ENOMEM, "out of memory");
    size_t n = strlen(s);
    char *t = realloc(s, n + 2);
    if (!t) {
        free(s);
        return lc_fail(LLMCOST_ENOMEM, "out of memory");
    }
    t[n] = '\n';
    t[n + 1] = '\0';
    *out = t;
    return 0;
}
