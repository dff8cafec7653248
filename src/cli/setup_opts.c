/* setup_opts.c - the training setup on the command line: precision, recomputation, kernels, batch, layout. */
#include <stdio.h>
#include <string.h>

#include "cli.h"

const char *const cli_precision_choices[] = {"fp32", "amp-bf16", "bf16", "bf16-master", "fp8", "amp", NULL};
/* cli_recompute_choices and cli_attention_choices live in cmd_flops.c, shared. */
const char *const cli_framework_choices[] = {"hf", "megatron", NULL};

static void note(char *buf, size_t size, const char *line)
{
    if (!buf)
        return;
    size_t n = strlen(buf);
    snprintf(buf + n, size > n ? size - n : 0, "%s\n", line);
}

int cli_setup_resolve(llmcost_step_options *out, const cli_setup_opts *o, const llmcost_model *m, const char *cmd,
                      char *assumed, size_t size)
{
    llmcost_step_options d = LLMCOST_STEP_OPTIONS_INIT;
    *out = d;
    if (assumed && size)
        assumed[0] = '\0';
    char line[256];
    out->micro_batch = o->micro_batch;
    if (o->seq > 0) {
        out->seq = o->seq;
    } else if (m->train_seq > 0) {
        out->seq = m->train_seq;
        snprintf(line, sizeof line, "sequence %lld tokens: %s's training length (%s)", (long long)m->train_seq, m->name,
                 m->train_seq_source);
        note(assumed, size, line);
    } else {
        out->seq = 2048;
        note(assumed, size, "sequence 2048 tokens (the model has no recorded training length; give --seq)");
    }
    out->precision = o->precision == 5 ? LLMCOST_PREC_AMP_BF16 : (llmcost_precision)o->precision;
    if (!o->seen_precision)
        note(assumed, size, "precision bf16: bf16 weights, gradients and AdamW states (give --precision)");
    out->recompute = (llmcost_recompute)o->recompute;
    out->attention = (llmcost_attn_impl)o->attention;
    out->framework = (llmcost_framework)o->framework;
    if (o->sp && o->no_sp)
        return cli_usage_error(cmd, "--sp and --no-sp contradict each other");
    if (o->zero > 3)
        return cli_usage_error(cmd, "--zero: '%lld' must be 0, 1, 2 or 3", o->zero);
    llmcost_layout *L = &out->layout;
    L->tp = o->tp;
    L->pp = o->pp;
    L->vpp = o->vpp;
    L->dp = o->dp;
    L->cp = o->cp;
    L->ep = o->ep;
    L->gpus = o->gpus;
    L->zero = (int)o->zero;
    /* Megatron's sequence parallelism is on unless --no-sp; hf has none unless --sp. */
    L->sequence_parallel = o->tp > 1 && !o->no_sp && (o->sp || out->framework == LLMCOST_FW_MEGATRON);
    L->ep_overlap = o->ep_overlap;
    L->tp_overlap = o->tp_overlap;
    int rc = llmcost_layout_resolve(L, m);
    if (rc < 0) {
        fprintf(stderr, "llmcost: %s (try 'llmcost help %s')\n", llmcost_errmsg(), cmd);
        return EXIT_BAD_INPUT;
    }
    if (o->global_batch > 0) {
        double per = (double)out->micro_batch * (double)out->seq * (double)L->dp;
        if ((double)o->global_batch < per || (long long)((double)o->global_batch / per) * per != (double)o->global_batch)
            return cli_usage_error(cmd,
                                   "--global-batch %lld tokens is not a multiple of micro-batch x seq x dp = %lld x %lld x "
                                   "%lld = %.0f tokens",
                                   o->global_batch, (long long)out->micro_batch, (long long)out->seq, (long long)L->dp, per);
        out->global_batch = o->global_batch / out->seq;
    }
    if (out->seq % L->cp != 0)
        return cli_usage_error(cmd, "--cp %lld does not divide the sequence of %lld tokens", (long long)L->cp,
                               (long long)out->seq);
    return 0;
}
