/* list_json.c - the catalogues and the scaling laws as JSON documents (output.h): `llmcost gpus`, `llmcost models`,
 * `llmcost scaling laws`, `llmcost scaling fit` and the report's scaling section, written once for the CLI and
 * every binding. */
#include <jansson.h>
#include <string.h>

#include "internal.h"
#include "json_out.h"
#include "llmcost/output.h"

static json_t *doc_new(void)
{
    json_t *d = json_object();
    if (d)
        json_object_set_new(d, "schema_version", json_integer(LLMCOST_SCHEMA_VERSION));
    return d;
}

/* ---- GPUs and price lists ---- */

static json_t *gpu_json(const llmcost_gpu *g)
{
    json_t *o = json_object();
    json_object_set_new(o, "name", json_string(g->name));
    json_object_set_new(o, "full_name", json_string(g->full_name));
    json_object_set_new(o, "vendor", json_string(g->vendor));
    json_t *al = json_array();
    const char *p = g->aliases;
    while (*p) {
        const char *e = strchr(p, ',');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        json_array_append_new(al, json_stringn(p, len));
        p += len + (e ? 1 : 0);
    }
    json_object_set_new(o, "aliases", al);
    json_t *pk = json_object();
    for (int t = 0; t < LLMCOST_DT_COUNT; t++)
        json_object_set_new(pk, llmcost_dtype_name((llmcost_dtype)t), lc_json_real(g->peak_flops[t]));
    json_object_set_new(pk, "fp16", lc_json_real(g->fp16_flops));
    json_object_set_new(o, "peak_flops_per_second", pk);
    json_object_set_new(o, "memory_bytes", lc_json_real(g->memory_bytes));
    json_object_set_new(o, "memory_bytes_per_second", lc_json_real(g->memory_bw));
    json_object_set_new(o, "tdp_watts", lc_json_real(g->tdp_watts));
    /* Under a power cap (llmcost_gpu_power_cap): tdp_watts is the cap, and the SM clock's fraction of its maximum. */
    if (g->clock_fraction > 0 && g->clock_fraction < 1)
        json_object_set_new(o, "clock_fraction", lc_json_real(g->clock_fraction));
    json_object_set_new(o, "compute_units", lc_json_int(g->compute_units));
    json_object_set_new(o, "exp_per_second", lc_json_real(g->exp_per_second));
    if (g->mamf_flops[LLMCOST_DT_BF16] > 0 || g->mamf_flops[LLMCOST_DT_FP8] > 0) {
        json_t *mf = json_object();
        json_object_set_new(mf, "bf16", lc_json_real(g->mamf_flops[LLMCOST_DT_BF16]));
        json_object_set_new(mf, "fp8", lc_json_real(g->mamf_flops[LLMCOST_DT_FP8]));
        json_object_set_new(mf, "source", json_string(g->mamf_source));
        json_object_set_new(o, "mamf_flops_per_second", mf);
    }
    llmcost_sustained_matmul sm;
    if (llmcost_gpu_sustained_matmul(g, &sm) == 1) { /* the power-saturated rate its GEMMs are timed at */
        json_t *so = json_object(), *f = json_object(), *b = json_object(), *mhz = json_object(), *w = json_object();
        for (int d = 0; d < 2; d++) {
            const char *k = d ? "fp8" : "bf16";
            json_object_set_new(f, k, lc_json_real(sm.flops[d]));
            json_object_set_new(b, k, lc_json_real(sm.burst_flops[d]));
            json_object_set_new(mhz, k, lc_json_real(sm.sustained_mhz[d]));
            json_object_set_new(w, k, lc_json_real(sm.sustained_watts[d]));
        }
        json_object_set_new(so, "flops_per_second", f);
        json_object_set_new(so, "burst_flops_per_second", b);
        json_object_set_new(so, "sustained_mhz", mhz);
        json_object_set_new(so, "sustained_watts", w);
        json_object_set_new(so, "burst_mhz", lc_json_real(sm.burst_mhz));
        json_object_set_new(so, "reference", json_boolean(sm.reference)); /* the H200: the others' yardstick */
        json_object_set_new(so, "source", json_string(sm.source));
        json_object_set_new(o, "sustained_matmul", so);
    }
    json_t *up = json_object();
    json_object_set_new(up, "link", json_string(g->scaleup_link));
    json_object_set_new(up, "bytes_per_second", lc_json_real(g->scaleup_bw));
    json_object_set_new(up, "size", lc_json_int(g->scaleup_size));
    json_object_set_new(o, "scaleup", up);
    json_t *out = json_object();
    json_object_set_new(out, "link", json_string(g->scaleout_link));
    json_object_set_new(out, "bytes_per_second", lc_json_real(g->scaleout_bw));
    json_object_set_new(o, "scaleout", out);
    if (g->host_bw > 0) { /* the host link (activation offloading, paged optimizers) */
        json_t *hl = json_object();
        json_object_set_new(hl, "link", json_string(g->host_link));
        json_object_set_new(hl, "bytes_per_second", lc_json_real(g->host_bw));
        json_object_set_new(hl, "source", json_string(g->host_source));
        json_object_set_new(o, "host_link", hl);
    }
    json_object_set_new(o, "price_usd_per_hour", lc_json_real(g->price_per_hour));
    json_object_set_new(o, "price_source", json_string(g->price_source));
    json_object_set_new(o, "source", json_string(g->source));
    return o;
}

static json_t *price_list_json(const llmcost_price_list *pl)
{
    json_t *o = json_object(), *arr = json_array();
    for (int k = 0; k < pl->n; k++) {
        json_t *e = json_object();
        json_object_set_new(e, "gpu", json_string(pl->entries[k].gpu));
        json_object_set_new(e, "usd_per_hour", lc_json_real(pl->entries[k].price_per_hour));
        json_object_set_new(e, "peak_flops_per_second", lc_json_real(pl->entries[k].peak_flops));
        json_array_append_new(arr, e);
    }
    json_object_set_new(o, "name", json_string(pl->name));
    json_object_set_new(o, "source", json_string(pl->source));
    json_object_set_new(o, "entries", arr);
    return o;
}

int llmcost_gpu_to_json(char **out, const llmcost_gpu *g)
{
    if (out)
        *out = NULL;
    if (!out || !g)
        return lc_fail(LLMCOST_EINVAL, "llmcost_gpu_to_json: NULL argument");
    json_t *d = doc_new();
    json_object_set_new(d, "gpu", gpu_json(g));
    return lc_json_text(out, d, 17);
}

int llmcost_catalog_to_json(char **out, const llmcost_catalog *cat, bool price_lists_only)
{
    if (out)
        *out = NULL;
    if (!out)
        return lc_fail(LLMCOST_EINVAL, "llmcost_catalog_to_json: NULL argument");
    json_t *d = doc_new();
    if (!price_lists_only) {
        json_t *arr = json_array();
        for (int i = 0; i < llmcost_catalog_gpu_count(cat); i++)
            json_array_append_new(arr, gpu_json(llmcost_catalog_gpu_at(cat, i)));
        json_object_set_new(d, "gpus", arr);
    }
    json_t *lists = json_array();
    for (int i = 0; i < llmcost_catalog_price_list_count(cat); i++)
        json_array_append_new(lists, price_list_json(llmcost_catalog_price_list_at(cat, i)));
    json_object_set_new(d, "price_lists", lists);
    return lc_json_text(out, d, 17);
}

/* ---- the bundled presets ---- */

int llmcost_presets_to_json(char **out)
{
    if (out)
        *out = NULL;
    if (!out)
        return lc_fail(LLMCOST_EINVAL, "llmcost_presets_to_json: NULL argument");
    json_t *arr = json_array();
    for (int i = 0; i < llmcost_preset_count(); i++) {
        llmcost_model *m;
        llmcost_params p;
        int rc = llmcost_model_load(&m, llmcost_preset_name(i));
        if (rc == 0 && (rc = llmcost_params_count(&p, m)) < 0)
            llmcost_model_free(m);
        if (rc < 0) {
            json_decref(arr);
            return rc;
        }
        json_t *o = json_object();
        json_object_set_new(o, "name", json_string(m->name));
        json_object_set_new(o, "family", json_string(m->family));
        json_object_set_new(o, "model_type", json_string(m->model_type));
        json_object_set_new(o, "total", lc_json_int(p.total));
        json_object_set_new(o, "active", lc_json_int(p.active));
        json_array_append_new(arr, o);
        llmcost_model_free(m);
    }
    json_t *d = doc_new();
    json_object_set_new(d, "models", arr);
    return lc_json_text(out, d, 17);
}

/* ---- scaling laws and fits ---- */

json_t *lc_law_json(const llmcost_law *l)
{
    json_t *o = json_object();
    json_object_set_new(o, "name", json_string(l->name));
    json_object_set_new(o, "title", json_string(l->title));
    json_object_set_new(o, "form", json_string(l->form == LLMCOST_LAW_KAPLAN ? "kaplan" : "chinchilla"));
    if (l->form == LLMCOST_LAW_KAPLAN) {
        json_object_set_new(o, "N_c", json_real(l->n_c));
        json_object_set_new(o, "D_c", json_real(l->d_c));
        json_object_set_new(o, "alpha_N", json_real(l->alpha_n));
        json_object_set_new(o, "alpha_D", json_real(l->alpha_d));
    } else {
        json_object_set_new(o, "E", json_real(l->E));
        json_object_set_new(o, "A", json_real(l->A));
        json_object_set_new(o, "B", json_real(l->B));
        json_object_set_new(o, "alpha", json_real(l->alpha));
        json_object_set_new(o, "beta", json_real(l->beta));
    }
    json_object_set_new(o, "counts", json_string(l->counts));
    json_object_set_new(o, "source", json_string(l->source));
    return o;
}

int llmcost_law_to_json(char **out, const llmcost_law *l)
{
    if (out)
        *out = NULL;
    if (!out || !l)
        return lc_fail(LLMCOST_EINVAL, "llmcost_law_to_json: NULL argument");
    /* A law file: the keys llmcost_scaling_law_load_json reads, constants to 10 significant digits. */
    return lc_json_text(out, lc_law_json(l), 10);
}

int llmcost_laws_to_json(char **out)
{
    if (out)
        *out = NULL;
    if (!out)
        return lc_fail(LLMCOST_EINVAL, "llmcost_laws_to_json: NULL argument");
    json_t *d = doc_new(), *arr = json_array();
    for (int i = 0; i < llmcost_scaling_law_count(); i++) {
        const llmcost_law *l = llmcost_scaling_law_at(i);
        json_t *o = lc_law_json(l);
        llmcost_allocation a;
        if (llmcost_scaling_optimal(&a, l, 1e24) == 0)
            json_object_set_new(o, "tokens_per_param_at_1e24_flops", json_real(a.tokens_per_param));
        json_array_append_new(arr, o);
    }
    json_object_set_new(d, "laws", arr);
    return lc_json_text(out, d, 17);
}

int llmcost_scaling_at_size_to_json(char **out, const llmcost_model *m)
{
    if (out)
        *out = NULL;
    if (!out || !m)
        return lc_fail(LLMCOST_EINVAL, "llmcost_scaling_at_size_to_json: NULL argument");
    llmcost_params p;
    int rc = llmcost_params_count(&p, m);
    if (rc < 0)
        return rc;
    json_t *arr = json_array();
    for (int i = 0; i < llmcost_scaling_law_count(); i++) {
        const llmcost_law *l = llmcost_scaling_law_at(i);
        /* Kaplan et al. count non-embedding parameters; the Chinchilla fits count them all. */
        double n = l->form == LLMCOST_LAW_KAPLAN ? (double)p.non_embedding : (double)p.total;
        llmcost_allocation a;
        if (llmcost_scaling_tokens_for_params(&a, l, n) < 0)
            continue;
        json_t *o = json_object();
        json_object_set_new(o, "law", json_string(l->name));
        json_object_set_new(o, "n_params", lc_json_real(n));
        json_object_set_new(o, "n_tokens", json_real(a.n_tokens));
        json_object_set_new(o, "tokens_per_param", json_real(a.tokens_per_param));
        json_object_set_new(o, "flops", json_real(a.flops));
        json_object_set_new(o, "loss", json_real(a.loss));
        json_array_append_new(arr, o);
    }
    json_t *d = doc_new();
    json_object_set_new(d, "model", json_string(m->name));
    json_object_set_new(d, "n_params", lc_json_int(p.total));
    json_object_set_new(d, "laws", arr);
    return lc_json_text(out, d, 17);
}

int llmcost_fit_to_json(char **out, const llmcost_fit *fit, const llmcost_fit_options *opt, const char *file,
                        const char *saved)
{
    if (out)
        *out = NULL;
    if (!out || !fit || !opt || !file)
        return lc_fail(LLMCOST_EINVAL, "llmcost_fit_to_json: NULL argument");
    double a = fit->law.beta / (fit->law.alpha + fit->law.beta);
    llmcost_allocation at;
    int rc = llmcost_scaling_optimal(&at, &fit->law, 1e24);
    if (rc < 0)
        return rc;
    json_t *d = doc_new(), *c = json_object();
    json_object_set_new(d, "file", json_string(file));
    json_object_set_new(d, "runs", json_integer(fit->n_runs));
    json_object_set_new(d, "huber_delta", json_real(opt->huber_delta));
    json_object_set_new(d, "starts", json_integer(fit->starts));
    json_object_set_new(d, "bootstrap", json_integer(fit->bootstrap));
    json_object_set_new(d, "confidence", json_real(opt->confidence));
    json_object_set_new(d, "seed", json_integer((json_int_t)opt->seed));
    json_object_set_new(d, "objective", json_real(fit->objective));
    json_object_set_new(d, "rms_log_residual", json_real(fit->rms_log_residual));
    for (int i = 0; i < LLMCOST_FIT_NPARAMS; i++) {
        json_t *p = json_object();
        json_object_set_new(p, "value", json_real(fit->value[i]));
        json_object_set_new(p, "lo", json_real(fit->lo[i]));
        json_object_set_new(p, "hi", json_real(fit->hi[i]));
        json_object_set_new(c, llmcost_scaling_fit_param_name(i), p);
    }
    json_object_set_new(d, "constants", c);
    json_t *pa = json_object();
    json_object_set_new(pa, "value", json_real(a));
    json_object_set_new(pa, "lo", json_real(fit->a_lo));
    json_object_set_new(pa, "hi", json_real(fit->a_hi));
    json_object_set_new(d, "n_opt_exponent", pa);
    json_object_set_new(d, "tokens_per_param_at_1e24_flops", json_real(at.tokens_per_param));
    json_object_set_new(d, "law", lc_law_json(&fit->law));
    if (saved)
        json_object_set_new(d, "saved", json_string(saved));
    return lc_json_text(out, d, 17);
}
