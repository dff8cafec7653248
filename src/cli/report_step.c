/* report_step.c - the time-and-cost section of `llmcost report`: one GPU, both implementation profiles. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

int cli_step_section(const llmcost_model *m, cli_job_opts *jo, const llmcost_gpu *g, int format, json_t *doc)
{
    int rc;
    llmcost_params p;
    if ((rc = llmcost_params_count(&p, m)) < 0)
        return cli_lib_error(rc);
    /* Compute-optimal tokens: about 20 per parameter (Hoffmann et al. 2022). */
    double chinchilla = 20.0 * (double)p.total;
    llmcost_step_options base;
    char assumed[2048] = "", fitnote[1024] = "";
    llmcost_job job;
    if ((rc = cli_job_build(&job, jo, m, "report", assumed, sizeof assumed)) != 0)
        return rc;
    /* The report prices a job that fits: when the given one does not, the fit's changes are applied greedily
     * (llmcost_job_make_fit; not a search of speed: 'llmcost plan' searches). */
    llmcost_job_fit_result fit;
    if ((rc = llmcost_job_fit(&fit, m, g, &job)) < 0)
        return cli_lib_error(rc);
    bool moved = false;
    if (!fit.fits) {
        llmcost_job fitted;
        char a[48], b[48], ch[512];
        llmcost_fmt_bytes(a, sizeof a, fit.required_bytes);
        llmcost_fmt_bytes(b, sizeof b, fit.usable_bytes);
        if (llmcost_job_make_fit(&fitted, m, g, &job, 0) == 0) {
            cli_job_changes(ch, sizeof ch, &job, &fitted);
            snprintf(fitnote, sizeof fitnote,
                     "the job given does not fit %s (peak %s of %s usable): priced with %s instead, a layout that fits "
                     "found by trying changes (not the fastest one: see 'llmcost plan')",
                     g->name, a, b, ch);
            job = fitted;
            moved = true;
            if ((rc = llmcost_job_fit(&fit, m, g, &job)) < 0)
                return cli_lib_error(rc);
        } else {
            snprintf(fitnote, sizeof fitnote, "does NOT fit %s (peak %s of %s usable) and no change tried fits",
                     g->name, a, b);
            fprintf(stderr, "llmcost: warning: %s\n", fitnote);
        }
    }
    llmcost_job_step_options(&base, &job);
    int64_t seq = base.seq;
    json_t *arr = doc ? json_array() : NULL;
    llmcost_table *t = NULL;
    if (!doc) {
        char title[512];
        char setup[256];
        llmcost_layout L = base.layout;
        llmcost_layout_resolve(&L, m);
        snprintf(setup, sizeof setup, "%lld GPU%s, %lld x %lld tokens per micro-batch, %s", (long long)L.gpus,
                 L.gpus > 1 ? "s" : "", (long long)base.micro_batch, (long long)seq, llmcost_precision_name(base.precision));
        snprintf(title, sizeof title, "Time and cost of a step on %s (%s)", g->name, setup);
        const char *hdr[] = {"profile", "step", "tokens/s", "MFU", "$ per 1B tokens", "20 tokens/param"};
        t = llmcost_table_new(title, 6, hdr);
        for (int c = 1; c < 6; c++)
            llmcost_table_numeric(t, c);
    }
    for (int fw = 0; fw < LLMCOST_FW_COUNT; fw++) {
        llmcost_step_options o = base;
        o.framework = (llmcost_framework)fw;
        o.layout.sequence_parallel = o.layout.tp > 1 && (fw == LLMCOST_FW_MEGATRON ? !jo->no_sp : jo->sp);
        (void)moved;
        llmcost_step s;
        rc = llmcost_step_compute(&s, m, g, &o);
        if (rc < 0) {
            llmcost_table_free(t);
            json_decref(arr);
            return cli_lib_error(rc);
        }
        double per_billion = 1e9 / s.tokens_per_second_per_gpu / 3600 * g->price_per_hour;
        double hours = chinchilla / s.tokens_per_second_per_gpu / 3600;
        if (arr) {
            json_array_append_new(arr, json_pack("{s:s, s:o, s:o, s:o, s:o, s:o, s:o}", "framework",
                                                 llmcost_framework_name(o.framework), "step_seconds",
                                                 cli_jreal(s.step_seconds), "tokens_per_second",
                                                 cli_jreal(s.tokens_per_second), "mfu", cli_jreal(s.mfu),
                                                 "usd_per_billion_tokens", cli_jreal(per_billion),
                                                 "chinchilla_gpu_hours", cli_jreal(hours), "chinchilla_cost_usd",
                                                 cli_jreal(hours * g->price_per_hour)));
        } else {
            char a[32], b[32], c2[32], d[32], e[32];
            llmcost_table_addf(t, "%s\t%s\t%s\t%.1f%%\t$%s\t%s GPU-h, $%s",
                               fw == LLMCOST_FW_HF ? "hf (eager PyTorch)" : "megatron (fused kernels)",
                               llmcost_fmt_seconds(a, sizeof a, s.step_seconds),
                               llmcost_fmt_count(b, sizeof b, s.tokens_per_second), 100 * s.mfu,
                               llmcost_fmt_count(c2, sizeof c2, per_billion), llmcost_fmt_count(d, sizeof d, hours),
                               llmcost_fmt_count(e, sizeof e, hours * g->price_per_hour));
        }
    }
    if (doc) {
        json_t *o = json_pack("{s:s, s:I, s:o, s:o, s:o}", "gpu", g->name, "seq", (json_int_t)seq, "price_usd_per_gpu_hour",
                              cli_jreal(g->price_per_hour), "chinchilla_tokens", cli_jreal(chinchilla), "profiles", arr);
        json_object_set_new(o, "fits", json_boolean(fit.fits));
        json_object_set_new(o, "peak_bytes", cli_jreal(round(fit.peak_bytes)));
        json_object_set_new(o, "capacity_bytes", cli_jreal(round(fit.capacity_bytes)));
        json_object_set_new(o, "required_bytes", cli_jreal(round(fit.required_bytes)));
        json_object_set_new(o, "layout", json_pack("{s:I, s:I, s:I, s:I, s:i, s:s, s:I}", "gpus",
                                                   (json_int_t)job.layout.gpus, "tp", (json_int_t)job.layout.tp, "pp",
                                                   (json_int_t)job.layout.pp, "dp", (json_int_t)job.layout.dp, "zero",
                                                   job.layout.zero, "recompute", cli_recompute_choices[job.recompute],
                                                   "micro_batch", (json_int_t)job.micro_batch));
        json_t *as = json_array();
        for (const char *q = assumed; *q;) {
            const char *e = strchr(q, '\n');
            size_t len = e ? (size_t)(e - q) : strlen(q);
            if (len)
                json_array_append_new(as, json_stringn(q, len));
            q += len + (e ? 1 : 0);
        }
        json_array_append_new(as, json_string("the report's GPU at its catalogue price"));
        json_array_append_new(as, json_string("20 tokens per parameter (Hoffmann et al. 2022)"));
        if (fitnote[0])
            json_array_append_new(as, json_string(fitnote));
        json_object_set_new(o, "assumptions", as);
        json_object_set_new(doc, "step_cost", o);
        return 0;
    }
    rc = cli_print_table(t, format);
    llmcost_table_free(t);
    if (rc)
        return rc;
    char a[32];
    if (fit.fits) {
        char x[48], y[48];
        cli_note(format, "fits %s: peak %s of %s usable", g->name, llmcost_fmt_bytes(x, sizeof x, fit.required_bytes),
                 llmcost_fmt_bytes(y, sizeof y, fit.usable_bytes));
    }
    if (fitnote[0])
        cli_note(format, "assumed: %s", fitnote);
    cli_print_assumptions(format, assumed);
    cli_note(format,
             "assumed: GPU %s at $%.2f per GPU-hour (%s); 20 tokens per parameter = %s tokens (Hoffmann et al. 2022). "
             "See 'llmcost step' and 'llmcost train'.",
             g->name, g->price_per_hour, g->price_source, llmcost_fmt_count(a, sizeof a, chinchilla));
    return 0;
}
