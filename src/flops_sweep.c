/* flops_sweep.c - `llmcost flops --sweep-seq`: the exact training FLOPs per token against 6N as the sequence grows,
 * and its JSON document (output.h). */
#include <jansson.h>
#include <string.h>

#include "internal.h"
#include "json_out.h"
#include "llmcost/flops.h"
#include "llmcost/output.h"

int llmcost_flops_sweep(llmcost_flops_sweep_point *out, const llmcost_model *m, const llmcost_flops_options *opt,
                        const int64_t *seqs, size_t n)
{
    if (!out || !m || !opt || (!seqs && n))
        return lc_fail(LLMCOST_EINVAL, "llmcost_flops_sweep: NULL argument");
    llmcost_flops_options o = *opt;
    for (size_t i = 0; i < n; i++) {
        o.seq = seqs[i];
        llmcost_flops f;
        int rc = llmcost_flops_compute(&f, m, &o);
        if (rc < 0)
            return rc;
        llmcost_flops_sweep_point *p = &out[i];
        p->seq = seqs[i];
        p->attention_share = (f.components[LLMCOST_FC_SCORES] + f.components[LLMCOST_FC_VALUES]) / f.forward;
        p->per_token = f.per_token;
        p->six_nd_total_per_token = llmcost_flops_convention(LLMCOST_CONVENTION_6ND_TOTAL, m, &f, &o) / f.tokens;
        p->six_nd_active_per_token = llmcost_flops_convention(LLMCOST_CONVENTION_6ND_ACTIVE, m, &f, &o) / f.tokens;
    }
    return 0;
}

int llmcost_flops_sweep_to_json(char **out, const llmcost_model *m, const llmcost_flops_sweep_point *pts, size_t n,
                                const llmcost_flops *f, const llmcost_flops_options *o, double tokens)
{
    if (out)
        *out = NULL;
    if (!out || !m || (!pts && n) || (f && !o))
        return lc_fail(LLMCOST_EINVAL, "llmcost_flops_sweep_to_json: NULL argument");
    /* The step's document first, so that its errors (a bad "tokens") come before anything is built. */
    json_t *step = NULL;
    if (f) {
        char *text;
        int rc = llmcost_flops_to_json(&text, f, m, o, tokens);
        if (rc < 0)
            return rc;
        json_error_t e;
        step = json_loads(text, 0, &e); /* the 17 digits written read back as the same doubles */
        llmcost_free(text);
        if (!step)
            return lc_fail(LLMCOST_ENOMEM, "out of memory");
    }
    json_t *d = json_object();
    json_object_set_new(d, "schema_version", json_integer(LLMCOST_SCHEMA_VERSION));
    json_object_set_new(d, "model", json_string(m->name));
    json_t *arr = json_array();
    for (size_t i = 0; i < n; i++) {
        json_t *row = json_object();
        json_object_set_new(row, "seq", lc_json_int(pts[i].seq));
        json_object_set_new(row, "attention_share", json_real(pts[i].attention_share));
        json_object_set_new(row, "per_token", lc_json_real(pts[i].per_token));
        json_object_set_new(row, "six_nd_total_per_token", lc_json_real(pts[i].six_nd_total_per_token));
        json_object_set_new(row, "six_nd_active_per_token", lc_json_real(pts[i].six_nd_active_per_token));
        json_array_append_new(arr, row);
    }
    json_object_set_new(d, "sweep", arr);
    if (step) {
        const char *key;
        json_t *v;
        json_object_foreach(step, key, v)
        {
            if (strcmp(key, "schema_version") && strcmp(key, "model"))
                json_object_set(d, key, v);
        }
        json_decref(step);
    }
    return lc_json_text(out, d, 17);
}
