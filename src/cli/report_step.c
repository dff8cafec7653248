/* report_step.c - the time-and-cost section of `llmcost report`, printed from the library's report (report.h):
 * one GPU, both implementation profiles. */
#include <stdio.h>
#include <string.h>

#include "cli.h"

int cli_step_section(const llmcost_report *r, const llmcost_gpu *g, int format)
{
    char title[512], setup[256];
    const llmcost_layout *L = &r->job.layout;
    snprintf(setup, sizeof setup, "%lld GPU%s, %lld x %lld tokens per micro-batch, %s", (long long)L->gpus,
             L->gpus > 1 ? "s" : "", (long long)r->job.micro_batch, (long long)r->job.seq,
             llmcost_precision_name(r->job.precision));
    snprintf(title, sizeof title, "Time and cost of a step on %s (%s)", g->name, setup);
    const char *hdr[] = {"profile", "step", "tokens/s", "MFU", "$ per 1B tokens", "20 tokens/param"};
    llmcost_table *t = llmcost_table_new(title, 6, hdr);
    for (int c = 1; c < 6; c++)
        llmcost_table_numeric(t, c);
    for (int i = 0; i < r->n_profiles; i++) {
        const llmcost_report_profile *p = &r->profiles[i];
        char a[32], b[32], c2[32], d[32], e[32];
        bool bare = p->framework == LLMCOST_FW_MEGATRON && r->megatron_without_savers;
        llmcost_table_addf(t, "%s%s\t%s\t%s\t%.1f%%\t$%s\t%s GPU-h, $%s",
                           p->framework == LLMCOST_FW_HF          ? "hf (eager PyTorch)"
                           : p->framework == LLMCOST_FW_TORCHTUNE ? "torchtune (eager PyTorch)"
                           : p->framework == LLMCOST_FW_LITGPT    ? "litgpt (eager PyTorch)"
                                                                  : "megatron (fused kernels)",
                           bare ? ", no savers" : "",
                           llmcost_fmt_seconds(a, sizeof a, p->step_seconds),
                           llmcost_fmt_count(b, sizeof b, p->tokens_per_second), 100 * p->mfu,
                           llmcost_fmt_count(c2, sizeof c2, p->usd_per_billion_tokens),
                           llmcost_fmt_count(d, sizeof d, p->chinchilla_gpu_hours),
                           llmcost_fmt_count(e, sizeof e, p->chinchilla_cost_usd));
    }
    int rc = cli_print_table(t, format);
    llmcost_table_free(t);
    if (rc)
        return rc;
    char a[32];
    if (r->fit.fits) {
        char x[48], y[48];
        cli_note(format, "fits %s: peak %s of %s usable", g->name, llmcost_fmt_bytes(x, sizeof x, r->fit.required_bytes),
                 llmcost_fmt_bytes(y, sizeof y, r->fit.usable_bytes));
    }
    if (r->fit_note[0])
        cli_note(format, "assumed: %s", r->fit_note);
    cli_print_assumptions(format, r->notes);
    cli_print_assumptions(format, r->savers_note);
    cli_note(format, "assumed: %s", r->gemm_note);
    cli_note(format,
             "assumed: GPU %s at $%.2f per GPU-hour (%s); 20 tokens per parameter = %s tokens (Hoffmann et al. 2022). "
             "See 'llmcost step' and 'llmcost train'.",
             g->name, r->price_per_hour, g->price_source, llmcost_fmt_count(a, sizeof a, r->chinchilla_tokens));
    return 0;
}
