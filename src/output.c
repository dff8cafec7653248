/* output.c - results as JSON documents: one set of field names for the CLI, the Python binding and the web page. */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "json_out.h"
#include "llmcost/job.h"
#include "llmcost/output.h"

const char *llmcost_recompute_name(llmcost_recompute r)
{
    static const char *const names[] = {"none", "selective", "full"};
    return (unsigned)r < 3 ? names[r] : "?";
}

const char *llmcost_attn_impl_name(llmcost_attn_impl a)
{
    static const char *const names[] = {"eager", "sdpa", "flash", "sdpa-math", "flash2", "flash3", "cudnn", "triton", "flash4"};
    return (unsigned)a < sizeof names / sizeof names[0] ? names[a] : "?";
}

const char *llmcost_convention_mode_name(llmcost_convention c)
{
    static const char *const names[] = {"causal", "unmasked"};
    return (unsigned)c < 2 ? names[c] : "?";
}

json_t *lc_json_int(int64_t v)
{
    return json_integer((json_int_t)v);
}

json_t *lc_json_real(double v)
{
    if (!isfinite(v))
        return json_null(); /* a marker: lc_json_text refuses a document holding one */
    if (v == floor(v) && fabs(v) < 9.0e15)
        return json_integer((json_int_t)v);
    return json_real(v);
}

/* A new document with "schema_version" and, given a model, "model" first. */
static json_t *doc_new(const llmcost_model *m)
{
    json_t *d = json_object();
    if (!d)
        return NULL;
    json_object_set_new(d, "schema_version", json_integer(LLMCOST_SCHEMA_VERSION));
    if (m)
        json_object_set_new(d, "model", json_string(m->name));
    return d;
}

int lc_json_null_path(char *path, size_t size, const json_t *v)
{
    if (json_is_null(v)) {
        return 1;
    }
    size_t len = strlen(path);
    if (json_is_object(v)) {
        const char *key;
        json_t *x;
        json_object_foreach((json_t *)v, key, x)
        {
            snprintf(path + len, size - len, "%s%s", len ? "." : "", key);
            if (lc_json_null_path(path, size, x))
                return 1;
            path[len] = '\0';
        }
    } else if (json_is_array(v)) {
        size_t i;
        json_t *x;
        json_array_foreach((json_t *)v, i, x)
        {
            snprintf(path + len, size - len, "[%zu]", i);
            if (lc_json_null_path(path, size, x))
                return 1;
            path[len] = '\0';
        }
    }
    return 0;
}

int lc_json_text(char **out, json_t *doc, int precision)
{
    *out = NULL;
    if (!doc)
        return lc_fail(LLMCOST_ENOMEM, "out of memory");
    /* Every number of a document is finite by construction: a non-finite one (lc_json_real's null) is refused here
     * rather than written as null, so that no reader ever takes a null for a documented number. */
    char path[512] = "";
    if (lc_json_null_path(path, sizeof path, doc)) {
        json_decref(doc);
        return lc_fail(LLMCOST_EOVERFLOW, "JSON output: '%s' is not a finite number (an overflow in its inputs)", path);
    }
    char *s = json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(precision));
    json_decref(doc);
    if (!s)
        return lc_fail(LLMCOST_ENOMEM, "out of memory");
    /* json_dumps allocates with malloc, which llmcost_free() releases; add the final newline. */
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

/* Writes "doc" (consumed) as the text --format json prints, into *out. */
static int finish(char **out, json_t *doc)
{
    return lc_json_text(out, doc, 17);
}

json_t *lc_json_lines(const char *text)
{
    json_t *arr = json_array();
    const char *p = text;
    while (p && *p) {
        const char *e = strchr(p, '\n');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        if (len > 0)
            json_array_append_new(arr, json_stringn(p, len));
        p = e ? e + 1 : p + len;
    }
    return arr;
}

int llmcost_params_to_json(char **out, const llmcost_params *p, const llmcost_model *m)
{
    if (out)
        *out = NULL;
    if (!out || !p || !m)
        return lc_fail(LLMCOST_EINVAL, "llmcost_params_to_json: NULL argument");
    json_t *o = doc_new(m);
    json_object_set_new(o, "total", lc_json_int(p->total));
    json_object_set_new(o, "active", lc_json_int(p->active));
    json_object_set_new(o, "non_embedding", lc_json_int(p->non_embedding));
    json_object_set_new(o, "embedding", lc_json_int(p->embedding));
    json_t *comp = json_object();
    for (int c = 0; c < LLMCOST_PC_COUNT; c++)
        json_object_set_new(comp, llmcost_param_component_name((llmcost_param_component)c), lc_json_int(p->components[c]));
    json_object_set_new(comp, "mtp", lc_json_int(p->mtp));
    json_object_set_new(o, "components", comp);
    json_object_set_new(o, "buffers", lc_json_int(p->buffers));
    json_object_set_new(o, "mtp", lc_json_int(p->mtp));
    json_object_set_new(o, "mtp_with_copies", lc_json_int(p->mtp_with_copies));
    json_object_set_new(o, "largest_layer", lc_json_int(p->per_layer_max));
    return finish(out, o);
}

int llmcost_flops_to_json(char **out, const llmcost_flops *f, const llmcost_model *m, const llmcost_flops_options *o,
                          double tokens)
{
    if (out)
        *out = NULL;
    if (!out || !f || !m || !o)
        return lc_fail(LLMCOST_EINVAL, "llmcost_flops_to_json: NULL argument");
    int rc;
    if (tokens > 0 && (rc = lc_range("tokens", NULL, tokens)))
        return rc;
    json_t *j = doc_new(m);
    json_object_set_new(j, "batch", lc_json_int(o->batch));
    json_object_set_new(j, "seq", lc_json_int(o->seq));
    json_object_set_new(j, "tokens_per_step", lc_json_real(f->tokens));
    json_object_set_new(j, "attention", json_string(llmcost_attn_impl_name(o->attention)));
    json_object_set_new(j, "convention", json_string(llmcost_convention_mode_name(o->convention)));
    json_object_set_new(j, "recompute_mode", json_string(llmcost_recompute_name(o->recompute)));
    json_object_set_new(j, "forward", lc_json_real(f->forward));
    json_object_set_new(j, "backward", lc_json_real(f->backward));
    json_object_set_new(j, "recompute", lc_json_real(f->recompute));
    json_object_set_new(j, "model_flops", lc_json_real(f->model_flops));
    json_object_set_new(j, "hardware_flops", lc_json_real(f->hardware_flops));
    json_object_set_new(j, "per_token", lc_json_real(f->per_token));
    json_t *comp = json_object();
    for (int c = 0; c < LLMCOST_FC_COUNT; c++)
        json_object_set_new(comp, llmcost_flops_component_name((llmcost_flops_component)c), lc_json_real(f->components[c]));
    json_object_set_new(j, "components", comp);
    json_t *compb = json_object();
    for (int c = 0; c < LLMCOST_FC_COUNT; c++)
        json_object_set_new(compb, llmcost_flops_component_name((llmcost_flops_component)c), lc_json_real(f->components_bwd[c]));
    json_object_set_new(j, "components_backward", compb);
    json_t *cj = json_object();
    for (int c = 0; c < LLMCOST_CONVENTION_COUNT; c++)
        json_object_set_new(cj, llmcost_convention_name((llmcost_convention_kind)c),
                            lc_json_real(llmcost_flops_convention((llmcost_convention_kind)c, m, f, o)));
    json_object_set_new(j, "conventions", cj);
    json_object_set_new(j, "forward_unmasked", lc_json_real(f->forward_unmasked));
    json_object_set_new(j, "forward_causal", lc_json_real(f->forward_causal));
    json_object_set_new(j, "backward_unmasked", lc_json_real(f->backward_unmasked));
    json_object_set_new(j, "backward_causal", lc_json_real(f->backward_causal));
    json_object_set_new(j, "dense_layers_forward", lc_json_real(f->dense_layer_forward));
    json_object_set_new(j, "moe_layers_forward", lc_json_real(f->moe_layer_forward));
    json_object_set_new(j, "mtp_forward", lc_json_real(f->mtp_forward));
    json_object_set_new(j, "elementwise_flops", lc_json_real(f->elementwise_flops));
    json_object_set_new(j, "elementwise_bytes", lc_json_real(f->elementwise_bytes));
    if (tokens > 0) {
        json_t *t = json_object();
        json_object_set_new(t, "tokens", lc_json_real(tokens));
        json_object_set_new(t, "steps", lc_json_real(tokens / f->tokens));
        json_object_set_new(t, "model_flops", lc_json_real(f->per_token * tokens));
        json_object_set_new(t, "hardware_flops", lc_json_real(f->hardware_flops / f->tokens * tokens));
        json_object_set_new(j, "training", t);
    }
    return finish(out, j);
}

int llmcost_memory_to_json(char **out, const llmcost_memory *r, const llmcost_model *m, const llmcost_memory_options *o,
                           const llmcost_gpu *gpu, double headroom, int64_t max_micro_batch)
{
    if (out)
        *out = NULL;
    if (!out || !r || !m || !o)
        return lc_fail(LLMCOST_EINVAL, "llmcost_memory_to_json: NULL argument");
    json_t *j = doc_new(m);
    json_object_set_new(j, "seq", lc_json_int(o->seq));
    json_object_set_new(j, "micro_batch", lc_json_int(o->micro_batch));
    /* The memory mechanisms (memory.h), when any is on. */
    if (o->act_cache || o->recompute_modules || o->pipeline || o->ema) {
        char mods[64];
        snprintf(mods, sizeof mods, "%s%s%s%s", o->recompute_modules & LLMCOST_RECOMPUTE_NORM ? "layernorm," : "",
                 o->recompute_modules & LLMCOST_RECOMPUTE_MLA_UP ? "mla_up_proj," : "",
                 o->recompute_modules & LLMCOST_RECOMPUTE_MOE_ACT ? "moe_act," : "", o->recompute_modules ? "" : "none,");
        mods[strlen(mods) - 1] = '\0';
        json_object_set_new(j, "mechanisms", json_pack("{s:s, s:s, s:s, s:s}", "act_cache",
                                                       llmcost_act_cache_name(o->act_cache), "recompute_modules", mods,
                                                       "pipeline", llmcost_pipeline_name(o->pipeline), "ema",
                                                       llmcost_ema_name(o->ema)));
    }
    json_object_set_new(j, "peak_bytes", lc_json_real(round(r->peak_bytes)));
    json_object_set_new(j, "reserved_bytes", lc_json_real(round(r->reserved_bytes)));
    json_t *comp = json_object();
    for (int c = 0; c < LLMCOST_MC_COUNT; c++)
        json_object_set_new(comp, llmcost_memory_component_name((llmcost_memory_component)c), lc_json_real(round(r->components[c])));
    json_object_set_new(j, "components", comp);
    json_object_set_new(j, "peak_phase", json_string(llmcost_memory_phase_name(r->peak_phase)));
    json_t *ph = json_object();
    static const char *const keys[] = {"forward_loss_bytes", "backward_loss_bytes", "backward_layers_bytes",
                                       "backward_end_bytes"};
    for (int p = 0; p < LLMCOST_PHASE_COUNT && p < 4; p++)
        json_object_set_new(ph, keys[p], lc_json_real(round(r->phase_bytes[p])));
    json_object_set_new(j, "phases", ph);
    json_object_set_new(j, "weights_bytes", lc_json_real(round(r->weights_bytes)));
    json_object_set_new(j, "gradients_bytes", lc_json_real(round(r->gradients_bytes)));
    json_object_set_new(j, "optimizer_bytes", lc_json_real(round(r->optimizer_bytes)));
    json_object_set_new(j, "activations_bytes", lc_json_real(round(r->activations_bytes)));
    json_object_set_new(j, "after_forward_bytes", lc_json_real(round(r->after_forward_bytes)));
    json_object_set_new(j, "layer_activation_bytes", lc_json_real(round(r->layer_activation_bytes)));
    json_object_set_new(j, "in_flight_micro_batches", json_real(r->in_flight));
    json_object_set_new(j, "stage", json_integer(r->stage));
    json_object_set_new(j, "cuda_context_bytes", lc_json_real(round(r->cuda_context_bytes)));
    /* The memory savers' bytes outside the peak: paged optimizer states (unified memory), offloaded activations. */
    if (r->paged_optimizer_bytes > 0)
        json_object_set_new(j, "paged_optimizer_bytes", lc_json_real(round(r->paged_optimizer_bytes)));
    if (r->offloaded_bytes > 0)
        json_object_set_new(j, "offloaded_bytes", lc_json_real(round(r->offloaded_bytes)));
    if (r->offload_copy_bytes > 0) /* what crosses the host link each way per micro-batch (step times it) */
        json_object_set_new(j, "offload_copy_bytes", lc_json_real(round(r->offload_copy_bytes)));
    if (r->finetune != LLMCOST_FT_NONE) {
        /* Fine-tuning: what trains and what stays frozen (llmcost_finetune_count), and this GPU's bytes of each. */
        json_object_set_new(j, "trainable_params", lc_json_int(r->trainable_params));
        json_object_set_new(j, "frozen_params", lc_json_int(r->frozen_params));
        json_t *f = json_object();
        json_object_set_new(f, "method", json_string(llmcost_finetune_method_name(r->finetune)));
        if (r->finetune == LLMCOST_FT_LORA || r->finetune == LLMCOST_FT_QLORA) {
            json_object_set_new(f, "frozen_weight_bytes", lc_json_real(round(r->frozen_weight_bytes)));
            json_object_set_new(f, "adapter_bytes", lc_json_real(round(r->adapter_bytes)));
            json_object_set_new(f, "adapter_gradient_bytes", lc_json_real(round(r->adapter_gradient_bytes)));
            json_object_set_new(f, "adapter_optimizer_bytes", lc_json_real(round(r->adapter_optimizer_bytes)));
            json_object_set_new(f, "lora_activation_bytes", lc_json_real(round(r->lora_activation_bytes)));
            json_object_set_new(f, "dequant_bytes", lc_json_real(round(r->dequant_bytes)));
        }
        json_object_set_new(j, "finetune", f);
    }
    if (gpu) {
        double capacity = gpu->memory_bytes;
        double usable = capacity * (1 - headroom) - o->cuda_context_bytes;
        json_object_set_new(j, "gpu", json_string(gpu->name));
        json_object_set_new(j, "capacity_bytes", lc_json_real(round(capacity)));
        json_object_set_new(j, "headroom", json_real(headroom));
        json_object_set_new(j, "fits", json_boolean(capacity > 0 && r->reserved_bytes <= usable));
        json_object_set_new(j, "max_micro_batch", lc_json_int(max_micro_batch));
    }
    return finish(out, j);
}

int llmcost_course_layer_to_json(char **out, const llmcost_course_layer *c, const llmcost_model *m, int64_t seq)
{
    if (out)
        *out = NULL;
    if (!out || !c || !m)
        return lc_fail(LLMCOST_EINVAL, "llmcost_course_layer_to_json: NULL argument");
    json_t *j = doc_new(m);
    json_object_set_new(j, "seq", lc_json_int(seq));
    json_object_set_new(j, "weights_bytes", lc_json_real(c->weights_bytes));
    json_object_set_new(j, "checkpoint_bytes", lc_json_real(c->checkpoint_bytes));
    json_object_set_new(j, "course_answer_bytes", lc_json_real(c->weights_bytes + c->checkpoint_bytes));
    json_object_set_new(j, "transient_bytes", lc_json_real(c->transient_bytes));
    json_object_set_new(j, "with_transient_bytes", lc_json_real(c->weights_bytes + c->checkpoint_bytes + c->transient_bytes));
    return finish(out, j);
}

/* The step's own fields, shared by step and train. */
/* The step's TFLOP/s per GPU in the conventions published figures use (llmcost_step_tflops_per_gpu). */
static void tflops_fields(json_t *o, const llmcost_step *s, const llmcost_model *m, int64_t seq)
{
    llmcost_tflops_per_gpu tf;
    if (llmcost_step_tflops_per_gpu(&tf, s, m, seq) != 0)
        return;
    json_t *c = json_object();
    json_object_set_new(c, "exact_causal", lc_json_real(tf.exact_causal));
    json_object_set_new(c, "6nd", lc_json_real(tf.six_nd));
    json_object_set_new(c, "megatron_hfu", lc_json_real(tf.megatron_hfu));
    json_object_set_new(o, "tflops_per_gpu", c);
}

/* An FP8 recipe's MFU against both named peaks (llmcost_step_mfu_by_peak); other recipes keep "mfu" alone. */
static void mfu_fields(json_t *o, const llmcost_step *s, const llmcost_gpu *g, llmcost_precision p)
{
    llmcost_mfu_by_peak mp;
    if (p != LLMCOST_PREC_FP8 || llmcost_step_mfu_by_peak(&mp, s, g) != 0)
        return;
    json_t *c = json_object();
    json_object_set_new(c, "bf16_dense", lc_json_real(mp.bf16));
    if (isfinite(mp.fp8))
        json_object_set_new(c, "fp8_dense", lc_json_real(mp.fp8));
    json_object_set_new(o, "mfu_by_peak", c);
}

static void step_fields(json_t *o, const llmcost_step *s)
{
    json_object_set_new(o, "step_seconds", lc_json_real(s->step_seconds));
    json_object_set_new(o, "tokens_per_step", lc_json_real(s->tokens_per_step));
    json_object_set_new(o, "tokens_per_second", lc_json_real(s->tokens_per_second));
    json_object_set_new(o, "tokens_per_second_per_gpu", lc_json_real(s->tokens_per_second_per_gpu));
    json_object_set_new(o, "model_flops_per_step", lc_json_real(s->model_flops_per_step));
    json_object_set_new(o, "hardware_flops_per_step", lc_json_real(s->hardware_flops_per_step));
    json_object_set_new(o, "achieved_flops_per_second_per_gpu", lc_json_real(s->achieved_flops_per_gpu));
    json_object_set_new(o, "peak_flops_per_second", lc_json_real(s->peak_flops));
    json_object_set_new(o, "mfu", lc_json_real(s->mfu));
    json_object_set_new(o, "hfu", lc_json_real(s->hfu));
    json_t *c = json_object();
    for (int k = 0; k < LLMCOST_ST_COUNT; k++)
        json_object_set_new(c, llmcost_step_component_name((llmcost_step_component)k), lc_json_real(s->components[k]));
    json_object_set_new(o, "components", c);
    json_t *t = json_object();
    for (int k = LLMCOST_ST_TP_COMM; k <= LLMCOST_ST_DP_COMM; k++)
        json_object_set_new(t, llmcost_step_component_name((llmcost_step_component)k), lc_json_real(s->comm_total[k]));
    json_object_set_new(o, "communication_before_overlap_seconds", t);
    if (s->host_bw > 0 || s->offload_bytes > 0 || s->paging_bytes > 0 || s->hook_steps > 0) {
        /* The memory savers' time (docs/formulas.md "Memory savers: step time"), each part counted in components. */
        json_t *v = json_object();
        json_object_set_new(v, "host_link_bytes_per_second", lc_json_real(s->host_bw));
        json_object_set_new(v, "offload_bytes", lc_json_real(s->offload_bytes));
        json_object_set_new(v, "offload_seconds", lc_json_real(s->offload_seconds));
        json_object_set_new(v, "offload_exposed_seconds", lc_json_real(s->offload_exposed_seconds));
        json_object_set_new(v, "paging_bytes", lc_json_real(s->paging_bytes));
        json_object_set_new(v, "paging_seconds", lc_json_real(s->paging_seconds));
        json_object_set_new(v, "optimizer_hook_steps", lc_json_real(s->hook_steps));
        json_object_set_new(v, "optimizer_hook_launch_seconds", lc_json_real(s->hook_launch_seconds));
        json_object_set_new(o, "memory_savers", v);
    }
    json_object_set_new(o, "micro_batch_seconds", lc_json_real(s->micro_batch_seconds));
    json_object_set_new(o, "micro_batches", lc_json_int(s->micro_batches));
    json_object_set_new(o, "global_batch_sequences", lc_json_int(s->global_batch));
    const llmcost_layout *L = &s->layout;
    json_t *l = json_object();
    json_object_set_new(l, "gpus", lc_json_int(L->gpus));
    json_object_set_new(l, "tp", lc_json_int(L->tp));
    json_object_set_new(l, "pp", lc_json_int(L->pp));
    json_object_set_new(l, "vpp", lc_json_int(L->vpp));
    json_object_set_new(l, "dp", lc_json_int(L->dp));
    json_object_set_new(l, "cp", lc_json_int(L->cp));
    json_object_set_new(l, "ep", lc_json_int(L->ep));
    json_object_set_new(l, "zero", json_integer(L->zero));
    json_object_set_new(l, "sequence_parallel", json_boolean(L->sequence_parallel));
    json_object_set_new(l, "ep_overlap", json_boolean(L->ep_overlap));
    json_object_set_new(l, "layers_per_stage", lc_json_int(s->layers_per_stage));
    json_object_set_new(o, "layout", l);
}

int llmcost_step_to_json(char **out, const llmcost_step *s, const llmcost_model *m, const llmcost_gpu *g,
                         const llmcost_step_options *o, const char *assumptions)
{
    if (out)
        *out = NULL;
    if (!out || !s || !m || !g || !o)
        return lc_fail(LLMCOST_EINVAL, "llmcost_step_to_json: NULL argument");
    json_t *d = doc_new(m);
    step_fields(d, s);
    tflops_fields(d, s, m, o->seq);
    mfu_fields(d, s, g, o->precision);
    json_object_set_new(d, "gpu", json_string(g->name));
    json_object_set_new(d, "precision", json_string(llmcost_precision_name(o->precision)));
    json_object_set_new(d, "framework", json_string(llmcost_framework_name(o->framework)));
    json_object_set_new(d, "recompute", json_string(llmcost_recompute_name(o->recompute)));
    json_object_set_new(d, "attention", json_string(llmcost_attn_impl_name(o->attention)));
    json_object_set_new(d, "micro_batch", lc_json_int(o->micro_batch));
    json_object_set_new(d, "seq", lc_json_int(o->seq));
    if (llmcost_model_moe_layers(m) > 0) { /* the MoE implementation: dispatcher, capacity factor (0: dropless) */
        bool v2 = o->version >= 2, dropless = !(v2 && o->moe_capacity_factor > 0);
        json_t *moe = json_object();
        json_object_set_new(moe, "dispatcher", json_string(!v2                                       ? "alltoall"
                                                           : o->moe_dispatcher == LLMCOST_MOE_ALLGATHER ? "allgather"
                                                           : o->moe_dispatcher == LLMCOST_MOE_DEEPEP    ? "deepep"
                                                                                                        : "alltoall"));
        /* DeepSeek-V3's own stack (--ep-overlap with the default dispatcher) dispatches in FP8 under the fp8 recipe */
        json_object_set_new(moe, "fp8_dispatch", json_boolean(lc_moe_fp8_dispatch(o)));
        /* Megatron-Core's --moe-shared-expert-overlap (step options version 4) */
        json_object_set_new(moe, "shared_expert_overlap", json_boolean(o->version >= 4 && o->moe_shared_expert_overlap));
        json_object_set_new(moe, "dropless", json_boolean(dropless));
        json_object_set_new(moe, "capacity_factor", lc_json_real(dropless ? 0 : o->moe_capacity_factor));
        json_object_set_new(d, "moe", moe);
    }
    json_object_set_new(d, "assumptions", lc_json_lines(assumptions));
    return finish(out, d);
}

int llmcost_train_to_json(char **out, const llmcost_train *t, const llmcost_model *m, const llmcost_gpu *g,
                          const llmcost_train_options *o, const char *assumptions)
{
    if (out)
        *out = NULL;
    if (!out || !t || !m || !g || !o)
        return lc_fail(LLMCOST_EINVAL, "llmcost_train_to_json: NULL argument");
    json_t *d = doc_new(m);
    json_object_set_new(d, "gpu", json_string(g->name));
    json_object_set_new(d, "gpus", lc_json_int(t->step.layout.gpus));
    json_object_set_new(d, "tokens", lc_json_real(t->tokens));
    json_object_set_new(d, "steps", lc_json_real(t->steps));
    json_object_set_new(d, "wall_seconds", lc_json_real(t->wall_seconds));
    json_object_set_new(d, "gpu_hours", lc_json_real(t->gpu_hours));
    json_object_set_new(d, "price_usd_per_gpu_hour", lc_json_real(t->price_per_hour));
    json_object_set_new(d, "cost_usd", lc_json_real(t->cost_usd));
    /* Energy is unknown (NaN) for a GPU without a published board power: the keys are left out, not null. */
    if (!isnan(t->energy_kwh)) {
        json_object_set_new(d, "energy_kwh", lc_json_real(t->energy_kwh));
        json_object_set_new(d, "co2_kg", lc_json_real(t->co2_kg));
    }
    json_object_set_new(d, "total_flops", lc_json_real(t->total_flops));
    json_object_set_new(d, "mfu", lc_json_real(t->mfu));
    json_object_set_new(d, "mfu_imposed", json_boolean(t->mfu_given));
    json_object_set_new(d, "pue", lc_json_real(o->pue));
    json_object_set_new(d, "grid_kg_per_kwh", lc_json_real(o->grid_kg_per_kwh));
    json_object_set_new(d, "goodput", lc_json_real(t->goodput > 0 ? t->goodput : o->goodput));
    json_object_set_new(d, "goodput_modelled", json_boolean(t->goodput_modelled));
    if (t->goodput_modelled) {
        json_object_set_new(d, "failure_goodput", lc_json_real(t->failure_goodput));
        json_t *ck = json_object();
        json_object_set_new(ck, "bytes", lc_json_real(t->checkpoint_bytes));
        json_object_set_new(ck, "save_seconds", lc_json_real(t->checkpoint_seconds));
        json_object_set_new(ck, "interval_seconds", lc_json_real(t->checkpoint_interval_seconds));
        json_object_set_new(ck, "saves", lc_json_real(t->checkpoints));
        json_object_set_new(d, "checkpoint", ck);
        json_object_set_new(d, "warmup_seconds", lc_json_real(t->warmup_seconds));
    }
    json_t *s = json_object();
    step_fields(s, &t->step);
    tflops_fields(s, &t->step, m, o->step.seq);
    mfu_fields(s, &t->step, g, o->step.precision);
    json_object_set_new(d, "step", s);
    json_object_set_new(d, "assumptions", lc_json_lines(assumptions));
    return finish(out, d);
}

int llmcost_published_to_json(char **out, const llmcost_published *p, size_t n)
{
    if (out)
        *out = NULL;
    if (!out || (!p && n))
        return lc_fail(LLMCOST_EINVAL, "llmcost_published_to_json: NULL argument");
    json_t *d = doc_new(NULL);
    json_t *arr = json_array();
    for (size_t i = 0; i < n; i++) {
        json_t *r = json_object();
        json_object_set_new(r, "run", json_string(p[i].name));
        json_object_set_new(r, "metric", json_string(p[i].metric));
        json_object_set_new(r, "convention", json_string(p[i].convention));
        json_object_set_new(r, "reported", lc_json_real(p[i].reported));
        json_object_set_new(r, "predicted", lc_json_real(p[i].predicted));
        json_object_set_new(r, "error", lc_json_real(p[i].error));
        json_object_set_new(r, "dense", json_boolean(p[i].dense));
        json_object_set_new(r, "source", json_string(p[i].source));
        json_object_set_new(r, "assumed", json_string(p[i].assumed));
        /* its memory under the stated layout: the engine's verdict, and the file's (a known miss names what is
         * missing; a run that fits names the mechanisms it uses beyond its recipe) */
        json_object_set_new(r, "fits", json_boolean(p[i].fits));
        json_object_set_new(r, "required_bytes", lc_json_real(p[i].required_bytes));
        json_object_set_new(r, "usable_bytes", lc_json_real(p[i].usable_bytes));
        json_object_set_new(r, "stated_fits", json_boolean(p[i].stated_fits));
        json_object_set_new(r, p[i].stated_fits ? "memory_with" : "memory_missing", json_string(p[i].memory));
        json_array_append_new(arr, r);
    }
    json_object_set_new(d, "published", arr);
    return finish(out, d);
}

int llmcost_validation_to_json(char **out, const llmcost_validation_case *v, size_t n, const char *suite,
                               bool failures_only)
{
    if (out)
        *out = NULL;
    if (!out || (!v && n))
        return lc_fail(LLMCOST_EINVAL, "llmcost_validation_to_json: NULL argument");
    json_t *d = doc_new(NULL);
    json_t *arr = json_array();
    size_t failed = 0;
    for (size_t i = 0; i < n; i++) {
        if (suite && !strstr(v[i].suite, suite))
            continue;
        failed += !v[i].pass;
        if (failures_only && v[i].pass)
            continue;
        json_t *o = json_object();
        json_object_set_new(o, "suite", json_string(v[i].suite));
        json_object_set_new(o, "case", json_string(v[i].name));
        json_object_set_new(o, "quantity", json_string(v[i].quantity));
        json_object_set_new(o, "predicted", json_real(v[i].predicted));
        json_object_set_new(o, "reference", json_real(v[i].reference));
        json_object_set_new(o, "error", isfinite(v[i].error) ? json_real(v[i].error) : json_null());
        json_object_set_new(o, "tolerance", json_real(v[i].tolerance));
        json_object_set_new(o, "pass", json_boolean(v[i].pass));
        json_object_set_new(o, "source", json_string(v[i].source));
        if (v[i].note[0])
            json_object_set_new(o, "note", json_string(v[i].note));
        json_array_append_new(arr, o);
    }
    json_object_set_new(d, "cases", arr);
    json_object_set_new(d, "total", lc_json_int((int64_t)n));
    json_object_set_new(d, "failed", lc_json_int((int64_t)failed));
    return finish(out, d);
}

int llmcost_model_to_json(char **out, const llmcost_model *m)
{
    if (out)
        *out = NULL;
    if (!out || !m)
        return lc_fail(LLMCOST_EINVAL, "llmcost_model_to_json: NULL argument");
    const llmcost_attention *a = &m->layers[0].attn;
    json_t *o = doc_new(NULL);
    json_object_set_new(o, "name", json_string(m->name));
    json_object_set_new(o, "model_type", json_string(m->model_type));
    json_object_set_new(o, "family", json_string(m->family));
    json_object_set_new(o, "origin", json_string(m->origin));
    json_object_set_new(o, "hidden_size", lc_json_int(m->hidden));
    json_object_set_new(o, "layers", lc_json_int(m->n_layers));
    json_object_set_new(o, "moe_layers", lc_json_int(llmcost_model_moe_layers(m)));
    json_object_set_new(o, "vocab_size", lc_json_int(m->vocab));
    json_object_set_new(o, "attention", json_string(llmcost_attn_kind_name(a->kind)));
    json_object_set_new(o, "heads", lc_json_int(a->n_heads));
    json_object_set_new(o, "kv_heads", lc_json_int(a->n_kv_heads));
    json_object_set_new(o, "head_dim", lc_json_int(a->head_dim));
    json_object_set_new(o, "norm", json_string(llmcost_norm_kind_name(m->norm)));
    json_object_set_new(o, "tied_embeddings", json_boolean(m->tied));
    json_object_set_new(o, "lm_head_bias", json_boolean(m->head_bias));
    json_object_set_new(o, "embedding_norm", json_boolean(m->embed_norm));
    json_object_set_new(o, "rotary_dim", lc_json_int(m->pos == LLMCOST_POS_ROTARY ? a->rotary_dim : 0));
    json_object_set_new(o, "logit_scale", json_real(m->logit_scale > 0 ? m->logit_scale : 1.0));
    json_object_set_new(o, "positions", json_string(m->pos == LLMCOST_POS_LEARNED  ? "learned"
                                                    : m->pos == LLMCOST_POS_ROTARY ? "rotary"
                                                    : m->pos == LLMCOST_POS_ALIBI  ? "alibi"
                                                                                   : "none"));
    json_object_set_new(o, "activation", json_string(m->act_name[0] ? m->act_name : "?"));
    json_object_set_new(o, "max_position_embeddings", lc_json_int(m->max_positions));
    json_object_set_new(o, "train_seq", lc_json_int(m->train_seq));
    json_object_set_new(o, "mtp_modules", lc_json_int(m->mtp.n_modules));
    return finish(out, o);
}

int llmcost_finetune_holdings_text(char *buf, size_t n, const llmcost_job *job)
{
    if (!buf || !n || !job)
        return lc_fail(LLMCOST_EINVAL, "llmcost_finetune_holdings_text: NULL argument");
    buf[0] = '\0';
    const llmcost_finetune *ft = &job->finetune;
    if (job->version < 2 || (ft->method != LLMCOST_FT_LORA && ft->method != LLMCOST_FT_QLORA))
        return 0;
    static const char *const optimizers[] = {"adamw",     "adamw-8bit",  "sgd",
                                             "adafactor", "paged-adamw", "paged-adamw-8bit"};
    llmcost_param_bytes pb;
    llmcost_job_param_bytes(&pb, job);
    /* The 16-bit (or fp32) parts: the recipe's weights, as the engine keeps a frozen base (no master copy). */
    const char *dense = pb.weights >= 4 ? "fp32" : job->precision == LLMCOST_PREC_FP16 ? "fp16" : "bf16";
    size_t len;
    llmcost_quant q = ft->method == LLMCOST_FT_QLORA && ft->quant == LLMCOST_QUANT_NONE ? LLMCOST_QUANT_NF4 : ft->quant;
    if (ft->method == LLMCOST_FT_LORA || q == LLMCOST_QUANT_NONE) {
        len = (size_t)snprintf(buf, n, "frozen base in %s", dense);
    } else {
        char what[160];
        switch (q) {
        case LLMCOST_QUANT_NF4:
        case LLMCOST_QUANT_FP4:
            snprintf(what, sizeof what, "%s (blocks of 64, each with %s absmax)", q == LLMCOST_QUANT_NF4 ? "NF4" : "FP4",
                     ft->double_quant ? "a double-quantised (uint8)" : "an fp32");
            break;
        case LLMCOST_QUANT_INT8:
            snprintf(what, sizeof what, "int8 (LLM.int8, an fp32 scale per output row)");
            break;
        default:
            snprintf(what, sizeof what, "int4 (groups of %lld inputs, each with an fp16 scale and a 4-bit zero)",
                     (long long)(ft->quant_group ? ft->quant_group : 128));
            break;
        }
        if (job->framework == LLMCOST_FW_LITGPT && q != LLMCOST_QUANT_INT4) /* lc_ft_head_quantised (an untied head) */
            len = (size_t)snprintf(buf, n,
                                   "frozen base: the decoder layers' Linears and the head (Fabric's bitsandbytes plugin "
                                   "replaces every Linear) in %s, embeddings and norms in %s",
                                   what, dense);
        else
            len = (size_t)snprintf(buf, n, "frozen base: the decoder layers' Linears in %s, embeddings, head and norms in %s",
                                   what, dense);
    }
    const char *opt =
        (unsigned)job->optimizer < sizeof optimizers / sizeof *optimizers ? optimizers[job->optimizer] : "?";
    bool stateless = job->optimizer == LLMCOST_OPTIM_SGD;
    const char *ad = ft->adapter_bytes == 4   ? "fp32 (adapter_dtype)"
                     : ft->adapter_bytes == 2 ? "bf16 (adapter_dtype)"
                     : job->framework == LLMCOST_FW_HF ? "fp32 (PEFT's adapter dtype)"
                     : job->framework == LLMCOST_FW_TORCHTUNE ? "bf16 (torchtune's model dtype)"
                     : job->framework == LLMCOST_FW_LITGPT    ? "bf16 (LitGPT's bf16-true)"
                                                              : "the precision recipe's dtypes";
    if (len < n) {
        if (stateless)
            snprintf(buf + len, n - len, "; adapters and their gradients in %s (sgd keeps no state)", ad);
        else
            snprintf(buf + len, n - len, "; adapters, their gradients and %s states in %s", opt, ad);
    }
    return 0;
}
