/* design.c - LLaMA-form configs for a parameter budget, counted exactly by the params engine. */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "json_out.h"
#include "llmcost/design.h"
#include "llmcost/model.h"
#include "llmcost/params.h"

#define MAX_HIDDEN 65536

/* LLaMA's FeedForward (facebookresearch/llama, model.py): int(2 * 4h / 3), rounded up to a multiple of "m". */
static int64_t ffn_width(int64_t h, int64_t m)
{
    int64_t f = 8 * h / 3;
    return m * ((f + m - 1) / m);
}

static json_t *config_json(const llmcost_design *d)
{
    json_t *o = json_object();
    json_t *arch = json_array();
    json_array_append_new(arch, json_string("LlamaForCausalLM"));
    json_object_set_new(o, "architectures", arch);
    json_object_set_new(o, "bos_token_id", json_integer(1));
    json_object_set_new(o, "eos_token_id", json_integer(2));
    json_object_set_new(o, "hidden_act", json_string("silu"));
    json_object_set_new(o, "hidden_size", json_integer(d->hidden));
    json_object_set_new(o, "initializer_range", json_real(0.02));
    json_object_set_new(o, "intermediate_size", json_integer(d->intermediate));
    json_object_set_new(o, "max_position_embeddings", json_integer(d->seq));
    json_object_set_new(o, "max_sequence_length", json_integer(d->seq));
    json_object_set_new(o, "model_type", json_string("llama"));
    json_object_set_new(o, "num_attention_heads", json_integer(d->heads));
    json_object_set_new(o, "num_hidden_layers", json_integer(d->layers));
    json_object_set_new(o, "num_key_value_heads", json_integer(d->kv_heads));
    json_object_set_new(o, "pad_token_id", json_integer(0));
    json_object_set_new(o, "rms_norm_eps", json_real(1e-6));
    json_object_set_new(o, "tie_word_embeddings", json_false());
    json_object_set_new(o, "torch_dtype", json_string("bfloat16"));
    json_object_set_new(o, "use_cache", json_true());
    json_object_set_new(o, "vocab_size", json_integer(d->vocab));
    return o;
}

int llmcost_design_config(char **out, const llmcost_design *d)
{
    return lc_json_text(out, config_json(d), 15);
}

/* Exact parameters of the design "d" with "layers" layers, from the architecture and params engines. */
static int count(int64_t *out, llmcost_design d, int64_t layers)
{
    d.layers = layers;
    char *text;
    int rc = llmcost_design_config(&text, &d);
    if (rc < 0)
        return rc;
    llmcost_model *m;
    rc = llmcost_model_from_json(&m, text, strlen(text), "designed config");
    free(text);
    if (rc < 0)
        return rc;
    llmcost_params p;
    rc = llmcost_params_count(&p, m);
    llmcost_model_free(m);
    if (rc < 0)
        return rc;
    *out = p.total;
    return 0;
}

int llmcost_design_llama(llmcost_design *out, double target, const llmcost_design_options *opt)
{
    memset(out, 0, sizeof *out);
    llmcost_design_options dflt = LLMCOST_DESIGN_OPTIONS_INIT;
    if (!opt)
        opt = &dflt;
    int vrc = LC_CHECK_VERSION(opt, DESIGN_OPTIONS, design_options);
    if (vrc)
        return vrc;
    if (!isfinite(target) || !(target >= 1) || target > 9.0e15)
        return lc_fail(LLMCOST_EINVAL, "parameter count %g is outside 1 .. 9e15", target);
    if ((vrc = lc_range("n_params", NULL, target)) || (vrc = lc_range("design.aspect", NULL, opt->aspect)) ||
        (vrc = lc_range("design.tolerance", NULL, opt->tolerance)))
        return vrc;
    if (opt->vocab < 1 || opt->vocab > ((int64_t)1 << 24) || opt->head_dim < 1 || opt->hidden_multiple < 1 ||
        opt->ffn_multiple < 1 || opt->seq < 1)
        return lc_fail(LLMCOST_EINVAL, "design options out of range");

    llmcost_design best = {0};
    double best_score = INFINITY;
    int64_t smallest = 0;
    for (int64_t h = opt->hidden_multiple; h <= MAX_HIDDEN; h += opt->hidden_multiple) {
        if (h % opt->head_dim)
            continue;
        llmcost_design d = {target, h, 1, h / opt->head_dim, h / opt->head_dim, ffn_width(h, opt->ffn_multiple),
                            opt->vocab, opt->seq, 0, 0, 0};
        /* The count is affine in the layer count: P(L) = fixed + L * per_layer, both read off the engine. */
        int64_t p1, p2;
        int rc = count(&p1, d, 1);
        if (rc == 0)
            rc = count(&p2, d, 2);
        if (rc < 0)
            return rc;
        int64_t per_layer = p2 - p1, fixed = p1 - per_layer;
        if (!smallest)
            smallest = p1;
        double l_exact = (target - (double)fixed) / (double)per_layer;
        if (l_exact < 0.5)
            break; /* wider models only hold more parameters */
        for (int64_t l = (int64_t)floor(l_exact); l <= (int64_t)floor(l_exact) + 1; l++) {
            if (l < 1)
                continue;
            double err = fabs(((double)fixed + (double)l * (double)per_layer) / target - 1.0);
            if (err > opt->tolerance)
                continue;
            /* Closest to the preferred aspect ratio; 1% of count error weighs as much as 10% of aspect. */
            double score = fabs(log((double)h / (double)l / opt->aspect)) + 10.0 * err;
            if (score < best_score) {
                best_score = score;
                best = d;
                best.layers = l;
            }
        }
    }
    if (!isfinite(best_score)) {
        if (target < (double)smallest)
            return lc_fail(LLMCOST_EINVAL,
                           "N = %.4g is too small for a LLaMA-form model with a %lld-token vocabulary: the smallest "
                           "(hidden %lld, 1 layer) holds %lld parameters",
                           target, (long long)opt->vocab, (long long)opt->hidden_multiple, (long long)smallest);
        return lc_fail(LLMCOST_EINVAL, "no LLaMA-form shape (hidden up to %d) is within %.1f%% of N = %.4g", MAX_HIDDEN,
                       100.0 * opt->tolerance, target);
    }
    int rc = count(&best.n_params, best, best.layers);
    if (rc < 0)
        return rc;
    best.error = (double)best.n_params / target - 1.0;
    best.aspect = (double)best.hidden / (double)best.layers;
    *out = best;
    return 0;
}
