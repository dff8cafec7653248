/* job_opts.c - the options that describe a training job, shared by memory, step and train: batch, sequence,
 * precision, optimizer, recomputation, attention kernel, framework profile and the parallel layout. */
#include <stdio.h>
#include <string.h>

#include "cli.h"

const char *const cli_precision_choices[] = {"fp32", "amp-bf16", "bf16", "bf16-master", "fp8", "fp16", NULL};
const char *const cli_optimizer_choices[] = {"adamw", "adamw-8bit", "sgd", "adafactor", NULL};
const char *const cli_framework_choices[] = {"hf", "megatron", NULL};

void cli_job_apply(llmcost_layout *out, const cli_job_opts *o)
{
    llmcost_layout l = LLMCOST_LAYOUT_INIT;
    l.gpus = o->gpus;
    l.tp = o->tp;
    l.pp = o->pp;
    l.vpp = o->vpp;
    l.dp = o->dp;
    l.cp = o->cp;
    l.ep = o->ep;
    l.zero = (int)o->zero;
    /* Sequence parallelism is Megatron's default with tensor parallelism; --sequence-parallel/--no-... override. */
    l.sequence_parallel = o->sp ? true : o->no_sp ? false : (o->framework == LLMCOST_FW_MEGATRON && o->tp > 1);
    *out = l;
}

void cli_job_memory_options(llmcost_memory_options *out, const cli_job_opts *jo)
{
    llmcost_memory_options o = LLMCOST_MEMORY_OPTIONS_INIT;
    o.micro_batch = jo->micro_batch;
    o.seq = jo->seq;
    o.precision = (llmcost_precision)jo->precision;
    o.optimizer = (llmcost_optimizer)jo->optimizer;
    o.recompute = (llmcost_recompute)jo->recompute;
    o.attention = (llmcost_attn_impl)jo->attention;
    o.framework = (llmcost_framework)jo->framework;
    o.expert_tp = jo->etp;
    o.micro_batches = jo->micro_batches;
    cli_job_apply(&o.layout, jo);
    *out = o;
}

void cli_job_describe(char *buf, size_t n, const llmcost_layout *l)
{
    if (l->gpus <= 1) {
        snprintf(buf, n, "one GPU");
        return;
    }
    snprintf(buf, n, "%lld GPUs: tp %lld x pp %lld%s x cp %lld x dp %lld, ep %lld, ZeRO-%d%s", (long long)l->gpus,
             (long long)l->tp, (long long)l->pp, l->vpp > 1 ? " (interleaved)" : "", (long long)l->cp,
             (long long)l->dp, (long long)l->ep, l->zero, l->sequence_parallel ? ", sequence parallel" : "");
}

/* The library names a job's fields (job.h); the command line names its flags. */
static const struct {
    const char *field, *flag;
} field_flags[] = {
    {"seq", "--seq"},
    {"micro_batch", "--micro-batch"},
    {"global_batch", "--global-batch"},
    {"grad_accum", "--grad-accum"},
    {"precision", "--precision"},
    {"optimizer", "--optimizer"},
    {"recompute", "--recompute"},
    {"attention", "--attention"},
    {"framework", "--framework"},
    {"expert_tp", "--etp"},
    {"headroom", "--headroom"},
    {"layout.gpus", "--gpus"},
    {"layout.tp", "--tp"},
    {"layout.pp", "--pp"},
    {"layout.vpp", "--vpp"},
    {"layout.dp", "--dp"},
    {"layout.cp", "--cp"},
    {"layout.ep", "--ep"},
    {"layout.zero", "--zero"},
    /* Plausible ranges (ranges.h): a run's options and a GPU's fields as the catalogue names them. */
    {"tokens", "--tokens"},
    {"price_per_hour", "--price"},
    {"mfu", "--mfu"},
    {"pue", "--pue"},
    {"grid_kg_per_kwh", "--grid-intensity"},
    {"goodput", "--goodput"},
    {"usd_per_hour", "--price"},
    {"peak_tflops", "--peak-tflops"},
    {"memory_gb", "--memory-gb"},
    {"memory_bw_gbps", "--memory-bw"},
    {"tdp_watts", "--tdp"},
    {"scaleup.gbps", "--scaleup-bw"},
    {"scaleout.gbps", "--scaleout-bw"},
};

static bool field_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.';
}

void cli_job_message(char *buf, size_t n, const char *msg)
{
    size_t o = 0;
    if (n == 0)
        return;
    const char *p = msg;
    while (*p && o + 1 < n) {
        const char *rep = NULL;
        size_t len = 0;
        if (field_char(*p) && (p == msg || !field_char(p[-1]))) {
            while (field_char(p[len]))
                len++;
            /* A sentence's full stop is not part of the name. */
            size_t name_len = len;
            while (name_len > 0 && p[name_len - 1] == '.')
                name_len--;
            for (size_t i = 0; i < sizeof field_flags / sizeof field_flags[0] && !rep; i++)
                if (strlen(field_flags[i].field) == name_len && !strncmp(p, field_flags[i].field, name_len))
                    rep = field_flags[i].flag;
            /* A one-word name (seq, precision) is a field only as "seq = 4096": other messages use the words. */
            if (rep && !memchr(p, '_', name_len) && !memchr(p, '.', name_len) && strncmp(p + name_len, " = ", 3))
                rep = NULL;
            if (rep)
                len = name_len;
        }
        if (!rep) {
            size_t l = len ? len : 1;
            for (size_t i = 0; i < l && o + 1 < n; i++)
                buf[o++] = p[i];
            p += l;
            continue;
        }
        for (const char *r = rep; *r && o + 1 < n; r++)
            buf[o++] = *r;
        p += len;
        /* "layout.tp = 3 does not" reads "--tp 3 does not"; a product keeps its sign ("--tp x --pp = 4 x 2"). */
        bool in_product = o >= strlen(rep) + 2 && !strncmp(buf + o - strlen(rep) - 2, "x ", 2);
        if (!strncmp(p, " = ", 3) && !in_product) {
            const char *v = p + 3;
            while (*v && *v != ' ')
                v++;
            if (strncmp(v, " x ", 3))
                p += 2;
        }
    }
    buf[o] = '\0';
}
