/* step_opts.c - the job options (shared with memory) turned into step options: batch, layout, overlaps. */
#include <stdio.h>
#include <string.h>

#include "cli.h"

static void note(char *buf, size_t size, const char *line)
{
    if (!buf)
        return;
    size_t n = strlen(buf);
    if (n < size)
        snprintf(buf + n, size - n, "%s\n", line);
}

int cli_job_step_options(llmcost_step_options *out, cli_job_opts *jo, const cli_step_extra *x, const llmcost_model *m,
                         const char *cmd, char *assumed, size_t size)
{
    llmcost_step_options d = LLMCOST_STEP_OPTIONS_INIT;
    *out = d;
    if (assumed && size)
        assumed[0] = '\0';
    char line[512], why[256];
    bool seq_given = jo->seq_given;
    cli_default_seq(m, &jo->seq, seq_given, why, sizeof why);
    if (!seq_given) {
        snprintf(line, sizeof line, "sequence %lld tokens (%s)", jo->seq, why);
        note(assumed, size, line);
    }
    if (jo->sp && jo->no_sp)
        return cli_usage_error(cmd, "--sequence-parallel and --no-sequence-parallel contradict each other");
    if (jo->zero > 3)
        return cli_usage_error(cmd, "--zero: '%lld' must be 0, 1, 2 or 3", jo->zero);
    out->micro_batch = jo->micro_batch;
    out->seq = jo->seq;
    out->precision = (llmcost_precision)jo->precision;
    out->optimizer = (llmcost_optimizer)jo->optimizer;
    out->recompute = (llmcost_recompute)jo->recompute;
    out->attention = (llmcost_attn_impl)jo->attention;
    out->framework = (llmcost_framework)jo->framework;
    out->expert_tp = jo->etp;
    cli_job_apply(&out->layout, jo);
    out->layout.ep_overlap = x->ep_overlap;
    out->layout.tp_overlap = x->tp_overlap;
    llmcost_layout L = out->layout;
    int rc = llmcost_layout_resolve(&L, m);
    if (rc < 0) {
        char msg[1024];
        cli_job_message(msg, sizeof msg, llmcost_errmsg());
        fprintf(stderr, "llmcost: %s (try 'llmcost help %s')\n", msg, cmd);
        return EXIT_BAD_INPUT;
    }
    if (out->seq % L.cp != 0)
        return cli_usage_error(cmd, "--cp %lld does not divide the sequence of %lld tokens", (long long)L.cp,
                               (long long)out->seq);
    double per = (double)out->micro_batch * (double)out->seq * (double)L.dp; /* tokens per micro-batch round */
    if (x->global_batch > 0 && jo->micro_batches > 0)
        return cli_usage_error(cmd, "give --global-batch or --micro-batches, not both");
    if (x->global_batch > 0) {
        double rounds = (double)x->global_batch / per;
        if (rounds < 1 || rounds != (double)(long long)rounds)
            return cli_usage_error(cmd,
                                   "--global-batch %lld tokens is not a multiple of micro-batch x seq x dp = %lld x %lld "
                                   "x %lld = %.0f tokens",
                                   x->global_batch, (long long)out->micro_batch, (long long)out->seq, (long long)L.dp, per);
        out->global_batch = x->global_batch / out->seq;
    } else {
        long long mb = jo->micro_batches > 0 ? jo->micro_batches : L.pp;
        if (jo->micro_batches <= 0 && L.pp > 1) {
            snprintf(line, sizeof line, "%lld micro-batches per step (one per pipeline stage; give --micro-batches or "
                                        "--global-batch)", mb);
            note(assumed, size, line);
        }
        out->global_batch = (int64_t)mb * out->micro_batch * L.dp;
    }
    return 0;
}
