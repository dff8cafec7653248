/* budget_json.c - `llmcost budget --format json` and `llmcost memory --course-layer --format json` as the library
 * writes them (output.h). */
#include <jansson.h>
#include <math.h>
#include <string.h>

#include "internal.h"
#include "json_out.h"
#include "llmcost/output.h"

/* A real as jansson writes it, "null" when not finite (json_real refuses those). */
static json_t *real(double v)
{
    return isfinite(v) ? json_real(v) : json_null();
}

/* A job's batch and layout, as the fit reports it. */
static json_t *job_json(const llmcost_job *j)
{
    json_t *o = json_object();
    json_object_set_new(o, "seq", lc_json_int(j->seq));
    json_object_set_new(o, "micro_batch", lc_json_int(j->micro_batch));
    json_object_set_new(o, "gpus", lc_json_int(j->layout.gpus));
    json_object_set_new(o, "tp", lc_json_int(j->layout.tp));
    json_object_set_new(o, "pp", lc_json_int(j->layout.pp));
    json_object_set_new(o, "dp", lc_json_int(j->layout.dp));
    json_object_set_new(o, "zero", lc_json_int(j->layout.zero));
    json_object_set_new(o, "recompute", json_string(llmcost_recompute_name(j->recompute)));
    json_object_set_new(o, "precision", json_string(llmcost_precision_name(j->precision)));
    return o;
}

int llmcost_budget_to_json(char **out, const llmcost_budget *b, const char *config_file)
{
    if (out)
        *out = NULL;
    if (!out || !b || !b->gpus || b->n_gpus < 1)
        return lc_fail(LLMCOST_EINVAL, "llmcost_budget_to_json: NULL argument");
    const llmcost_budget_gpu *best = &b->gpus[b->best];
    json_t *doc = json_object();
    json_object_set_new(doc, "schema_version", json_integer(LLMCOST_SCHEMA_VERSION));
    json_object_set_new(doc, "question", json_string(llmcost_budget_question_name(b->question)));
    if (b->question == LLMCOST_BUDGET_DOLLARS)
        json_object_set_new(doc, "budget_usd", lc_json_real(b->dollars));
    if (b->question == LLMCOST_BUDGET_GPU_HOURS)
        json_object_set_new(doc, "budget_gpu_hours", lc_json_real(b->gpu_hours_given));
    if (b->question == LLMCOST_BUDGET_TARGET_LOSS)
        json_object_set_new(doc, "target_loss", real(b->target_loss));
    json_object_set_new(doc, "gpu", json_string(best->name));
    json_object_set_new(doc, "gpu_peak_flops", lc_json_real(best->peak_flops));
    json_object_set_new(doc, "mfu", real(best->mfu));
    json_object_set_new(doc, "price_per_hour_usd", real(best->price_per_hour));
    json_object_set_new(doc, "flops_per_usd", real(best->flops_per_usd));
    json_object_set_new(doc, "effective_flops", real(b->flops));
    json_object_set_new(doc, "n_params", real(b->answer.n_params));
    json_object_set_new(doc, "n_tokens", real(b->answer.n_tokens));
    json_object_set_new(doc, "loss", real(b->answer.loss));
    json_object_set_new(doc, "tokens_per_param", real(b->answer.tokens_per_param));
    json_object_set_new(doc, "cost_usd", real(b->cost_usd));
    json_object_set_new(doc, "gpu_hours", real(b->gpu_hours));
    json_object_set_new(doc, "gpu_count", lc_json_int(b->gpu_count));
    json_object_set_new(doc, "wall_seconds", real(b->wall_seconds));
    json_object_set_new(doc, "law", lc_law_json(&b->law));
    json_t *ga = json_array();
    for (int i = 0; i < b->n_gpus; i++) {
        const llmcost_budget_gpu *g = &b->gpus[i];
        json_t *o = json_object();
        json_object_set_new(o, "gpu", json_string(g->name));
        json_object_set_new(o, "peak_flops", lc_json_real(g->peak_flops));
        json_object_set_new(o, "price_per_hour_usd", real(g->price_per_hour));
        json_object_set_new(o, "effective_flops_per_second", real(g->effective_flops_per_second));
        json_object_set_new(o, "flops_per_usd", real(g->flops_per_usd));
        json_object_set_new(o, "price_source", json_string(g->price_source));
        /* The question answered on this GPU (the plan is the best one's). */
        json_object_set_new(o, "mfu", real(g->mfu));
        if (g->answer_rc == 0) {
            json_object_set_new(o, "effective_flops", real(g->answer.flops));
            json_object_set_new(o, "n_params", real(g->answer.n_params));
            json_object_set_new(o, "n_tokens", real(g->answer.n_tokens));
            json_object_set_new(o, "loss", real(g->answer.loss));
            json_object_set_new(o, "tokens_per_param", real(g->answer.tokens_per_param));
            json_object_set_new(o, "cost_usd", real(g->cost_usd));
            json_object_set_new(o, "gpu_hours", real(g->gpu_hours));
            json_object_set_new(o, "wall_seconds", real(g->wall_seconds));
        } else {
            json_object_set_new(o, "error", json_string(g->answer_error ? g->answer_error : "?"));
        }
        json_object_set_new(o, "best", json_boolean(i == b->best));
        json_object_set_new(o, "gpu_count", lc_json_int(b->gpu_count));
        json_object_set_new(o, "law", json_string(b->law.name));
        if (b->fit_checked && i == b->best) {
            json_object_set_new(o, "fits", json_boolean(b->fit.fits));
            json_object_set_new(o, "peak_bytes", lc_json_real(round(b->fit.peak_bytes)));
            json_object_set_new(o, "capacity_bytes", lc_json_real(round(b->fit.capacity_bytes)));
        }
        json_array_append_new(ga, o);
    }
    json_object_set_new(doc, "gpus", ga);
    json_t *la = json_array();
    for (int i = 0; i < b->n_laws; i++) {
        const llmcost_budget_law *l = &b->laws[i];
        json_t *o = json_object();
        json_object_set_new(o, "law", json_string(l->law->name));
        if (l->rc == 0) {
            json_object_set_new(o, "n_params", real(l->answer.n_params));
            json_object_set_new(o, "n_tokens", real(l->answer.n_tokens));
            json_object_set_new(o, "effective_flops", real(l->answer.flops));
            json_object_set_new(o, "loss", real(l->answer.loss));
            json_object_set_new(o, "tokens_per_param", real(l->answer.tokens_per_param));
            json_object_set_new(o, "cost_usd", real(l->cost_usd));
        } else {
            json_object_set_new(o, "error", json_string(l->error ? l->error : "?"));
        }
        json_array_append_new(la, o);
    }
    json_object_set_new(doc, "laws", la);
    if (b->designed) {
        const llmcost_design *d = &b->design;
        json_t *o = json_object();
        if (config_file)
            json_object_set_new(o, "file", json_string(config_file));
        json_object_set_new(o, "n_params", lc_json_int(d->n_params));
        json_object_set_new(o, "error", real(d->error));
        json_object_set_new(o, "hidden_size", lc_json_int(d->hidden));
        json_object_set_new(o, "num_hidden_layers", lc_json_int(d->layers));
        json_object_set_new(o, "num_attention_heads", lc_json_int(d->heads));
        json_object_set_new(o, "intermediate_size", lc_json_int(d->intermediate));
        json_object_set_new(o, "vocab_size", lc_json_int(d->vocab));
        json_object_set_new(doc, "config", o);
    }
    if (b->fit_checked) {
        /* The step model's job on the best GPU (llmcost_budget_mfu_job), checked by the memory engine. */
        const llmcost_job_fit_result *f = &b->fit;
        json_object_set_new(doc, "fits", json_boolean(f->fits));
        json_object_set_new(doc, "peak_bytes", lc_json_real(round(f->peak_bytes)));
        json_object_set_new(doc, "capacity_bytes", lc_json_real(round(f->capacity_bytes)));
        json_object_set_new(doc, "required_bytes", lc_json_real(round(f->required_bytes)));
        json_object_set_new(doc, "usable_bytes", lc_json_real(round(f->usable_bytes)));
        json_t *arr = json_array();
        for (int i = 0; i < f->n_fixes; i++) {
            json_t *o = json_object();
            json_object_set_new(o, "change", json_string(llmcost_fix_name(f->fixes[i].kind)));
            json_object_set_new(o, "value", lc_json_int(f->fixes[i].value));
            json_object_set_new(o, "required_bytes", lc_json_real(round(f->fixes[i].required_bytes)));
            json_array_append_new(arr, o);
        }
        json_object_set_new(doc, "fixes", arr);
        json_object_set_new(doc, "mfu_job", job_json(&b->job));
        if (b->has_fit_job)
            json_object_set_new(doc, "fits_on_these_gpus_as", job_json(&b->fit_job));
    }
    return lc_json_text(out, doc, 17);
}

static json_t *layer_json(const llmcost_course_layer_answer *l)
{
    json_t *o = json_object();
    json_object_set_new(o, "layer", lc_json_int(l->layer));
    json_object_set_new(o, "layer_kind", json_string(l->moe ? "moe" : "dense"));
    json_object_set_new(o, "layers_of_this_kind", lc_json_int(l->same_kind));
    json_object_set_new(o, "forward_flops", lc_json_real(l->forward_flops));
    json_object_set_new(o, "weights_bytes", lc_json_real(l->memory.weights_bytes));
    json_object_set_new(o, "checkpoint_bytes", lc_json_real(l->memory.checkpoint_bytes));
    json_object_set_new(o, "course_answer_bytes", lc_json_real(l->answer_bytes));
    json_object_set_new(o, "transient_bytes", lc_json_real(l->memory.transient_bytes));
    json_object_set_new(o, "with_transient_bytes", lc_json_real(l->answer_bytes + l->memory.transient_bytes));
    return o;
}

int llmcost_course_answers_to_json(char **out, const llmcost_course_answers *c, const llmcost_model *m)
{
    if (out)
        *out = NULL;
    if (!out || !c || !m)
        return lc_fail(LLMCOST_EINVAL, "llmcost_course_answers_to_json: NULL argument");
    json_t *j = json_object();
    json_object_set_new(j, "schema_version", json_integer(LLMCOST_SCHEMA_VERSION));
    json_object_set_new(j, "model", json_string(m->name));
    json_object_set_new(j, "seq", lc_json_int(c->seq));
    /* The course's layer first, flat (the keys llmcost_course_layer_to_json writes), then its identity. */
    json_t *l = layer_json(&c->layer);
    static const char *const flat[] = {"weights_bytes", "checkpoint_bytes", "course_answer_bytes", "transient_bytes",
                                       "with_transient_bytes", "layer", "layer_kind", "layers_of_this_kind",
                                       "forward_flops"};
    for (size_t i = 0; i < sizeof flat / sizeof flat[0]; i++)
        json_object_set(j, flat[i], json_object_get(l, flat[i]));
    json_decref(l);
    json_object_set_new(j, "parameters", lc_json_int(c->n_params));
    json_object_set_new(j, "seq_assumed", json_boolean(c->seq_assumed));
    if (c->has_other)
        json_object_set_new(j, "other_layer", layer_json(&c->other));
    return lc_json_text(out, j, 17);
}
