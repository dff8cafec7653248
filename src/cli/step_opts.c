/* step_opts.c - the job options of every command turned into one llmcost_job (job.h): defaults printed, the
 * global batch read as tokens or SEQUENCESxLENGTH and rounded to whole micro-batch rounds, checked once by the
 * library; and the fit of the job on its GPU. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

int cli_job_error(const char *cmd)
{
    char msg[1024];
    cli_job_message(msg, sizeof msg, llmcost_errmsg());
    fprintf(stderr, "llmcost: %s (try 'llmcost help %s')\n", msg, cmd);
    return EXIT_BAD_INPUT;
}

/* The job options as the library's job spec (request.h): the library fills the defaults and resolves the batch. */
void cli_job_spec(llmcost_job_spec *s, const cli_job_opts *jo)
{
    llmcost_job_spec_init(s);
    s->seq = jo->seq_given ? jo->seq : 0;
    s->micro_batch = jo->micro_batch;
    s->gpus = jo->gpus;
    s->tp = jo->tp;
    s->pp = jo->pp;
    s->vpp = jo->vpp;
    s->dp = jo->dp;
    s->cp = jo->cp;
    s->ep = jo->ep;
    s->etp = jo->etp;
    s->zero = jo->zero;
    s->grad_accum = jo->micro_batches;
    s->precision = jo->precision;
    s->optimizer = jo->optimizer;
    s->recompute = jo->recompute;
    s->attention = jo->attention;
    s->framework = jo->framework;
    s->sequence_parallel = jo->sp ? 1 : jo->no_sp ? 0 : -1;
    s->global_batch = jo->global_batch;
    s->ep_overlap = jo->ep_overlap;
    s->tp_overlap = jo->tp_overlap;
    s->bf16_grads = jo->bf16_grads;
    s->foreach_optimizer = jo->foreach_opt;
    s->headroom = jo->headroom;
    s->cuda_context_gb = jo->context_gb;
    s->act_cache = jo->act_cache;
    s->pipeline = jo->pipeline;
    s->ema = jo->ema;
    s->recompute_modules = jo->recompute_modules;
    s->moe_dispatcher = jo->moe_dispatcher;
    s->moe_capacity_factor = jo->moe_capacity_factor;
    s->chunked_loss = jo->chunked_loss;
    s->optimizer_in_backward = jo->optimizer_in_backward;
    s->activation_offload = jo->activation_offload;
    s->compile = jo->compile;
    s->cp_comm = jo->cp_comm;
    s->recompute_every = jo->recompute_every;
    s->ddp_bucket_size = jo->ddp_bucket_size;
    s->moe_shared_expert_overlap = jo->moe_shared_expert_overlap;
    cli_finetune_spec(s, &jo->ft);
}

int cli_job_build(llmcost_job *out, cli_job_opts *jo, const llmcost_model *m, const char *cmd, char *assumed,
                  size_t size)
{
    if (jo->sp && jo->no_sp)
        return cli_usage_error(cmd, "--sequence-parallel and --no-sequence-parallel contradict each other");
    llmcost_job_spec s;
    cli_job_spec(&s, jo);
    int rc = llmcost_job_spec_resolve(out, &s, m, assumed, size);
    /* The sequence used (given, from SEQUENCESxLENGTH, or the default) goes back to the options. */
    if (s.seq > 0)
        jo->seq = s.seq;
    return rc < 0 ? cli_job_error(cmd) : 0;
}

int cli_job_step_options(llmcost_step_options *out, cli_job_opts *jo, const llmcost_model *m, const char *cmd,
                         char *assumed, size_t size)
{
    if (assumed && size)
        assumed[0] = '\0';
    llmcost_job j;
    int rc = cli_job_build(&j, jo, m, cmd, assumed, size);
    if (rc)
        return rc;
    llmcost_job_step_options(out, &j);
    return 0;
}

void cli_job_changes(char *buf, size_t n, const llmcost_job *a, const llmcost_job *b)
{
    llmcost_job_changes(buf, n, a, b);
}

int cli_job_fit(const llmcost_model *m, const llmcost_gpu *gpu, const llmcost_job *j, int format, char *doc)
{
    llmcost_job_fit_result f;
    int frc = llmcost_job_fit(&f, m, gpu, j);
    if (frc < 0) {
        llmcost_free(doc);
        return cli_lib_error(LLMCOST_EINVAL);
    }
    char a[48], b[48], fixes[1024] = "";
    for (int i = 0; i < f.n_fixes; i++) {
        char t[160];
        llmcost_fix_flags(t, sizeof t, &f.fixes[i]);
        size_t n = strlen(fixes);
        snprintf(fixes + n, sizeof fixes - n, "%s%s", i ? "; " : "", t);
    }
    /* When it does not fit, the library's advice: the changes together that fit on these GPUs (when no one change
     * does), and the planner's nearest fitting layout (llmcost_job_fit_advice). */
    llmcost_fit_advice *adv = NULL;
    if (!f.fits) {
        adv = malloc(sizeof *adv);
        int arc = adv ? llmcost_job_fit_advice(adv, m, gpu, j) : LLMCOST_ENOMEM;
        if (arc < 0) {
            free(adv);
            llmcost_free(doc);
            return cli_lib_error(arc);
        }
    }
    llmcost_fmt_bytes(a, sizeof a, f.required_bytes);
    llmcost_fmt_bytes(b, sizeof b, f.usable_bytes);
    if (!f.fits) {
        char msg[2048];
        snprintf(msg, sizeof msg, "does NOT fit %s: peak %s of %s usable; %s%s%s%s", gpu->name, a, b,
                 f.n_fixes ? "fits with any one of: "
                           : "no single change tried fits (zero, recompute, micro-batch, tp, pp, more GPUs)",
                 fixes, adv->together[0] ? "; on these GPUs with: " : "", adv->together);
        fprintf(stderr, "llmcost: warning: %s\n", msg);
        if (!doc)
            cli_note(format, "%s", msg);
        if (adv->has_nearest) {
            char pk[48], hr[48], st[48];
            llmcost_fmt_bytes(pk, sizeof pk, adv->nearest.peak_bytes);
            llmcost_fmt_bytes(hr, sizeof hr, adv->nearest.headroom_bytes);
            llmcost_fmt_seconds(st, sizeof st, adv->nearest.step_seconds);
            snprintf(msg, sizeof msg,
                     "nearest layout that fits (llmcost plan, fewest changes): %s (peak %s allocated, %s to spare; step %s)",
                     adv->nearest_changes, pk, hr, st);
        } else if (adv->has_change) {
            /* Nothing fits on these GPUs: the smallest change that does, as `llmcost plan` offers it. */
            const llmcost_plan_change *c = &adv->change;
            char what[128], st[48];
            llmcost_plan_change_words(what, sizeof what, c, false); /* the library's words, as plan prints them */
            llmcost_fmt_seconds(st, sizeof st, c->best.step_seconds);
            snprintf(msg, sizeof msg, "no layout of this job on these %s GPUs fits (llmcost plan searched them); "
                     "it fits with %s (step %s), as: %s", gpu->name, what, st, adv->change_step_flags);
        } else {
            snprintf(msg, sizeof msg, "no layout of this job on these %s GPUs fits (llmcost plan searched them), nor "
                     "with more GPUs, a bigger GPU, shorter sequences or more recomputation", gpu->name);
        }
        fprintf(stderr, "llmcost: warning: %s\n", msg);
        if (!doc)
            cli_note(format, "%s", msg);
    } else if (!doc) {
        cli_note(format, "fits %s: peak %s of %s usable (predicted reserve + CUDA context; %.0f%% headroom)",
                 gpu->name, a, b, 100 * j->headroom);
    }
    free(adv);
    if (!doc)
        return 0;
    /* The document with its fit is the library's (llmcost_job_fit_to_json), as llmcost_request() answers it. */
    char *full;
    int rc = llmcost_job_fit_to_json(&full, doc, m, gpu, j, NULL);
    llmcost_free(doc);
    return cli_print_json_text(rc, full);
}

json_t *cli_json_document(int rc, char *text)
{
    if (rc < 0) {
        cli_lib_error(rc);
        return NULL;
    }
    json_error_t e;
    json_t *o = json_loads(text, 0, &e);
    llmcost_free(text);
    if (!o)
        fprintf(stderr, "llmcost: internal error: the library's JSON did not parse: %s\n", e.text);
    return o;
}

int cli_job_batch_tokens(cli_job_opts *jo, const char *cmd, double *tokens)
{
    *tokens = 0;
    if (!jo->global_batch)
        return 0;
    const char *x = strchr(jo->global_batch, 'x');
    double a = 0, b = 1;
    if (x) {
        char s[64];
        size_t n = (size_t)(x - jo->global_batch);
        if (n == 0 || n >= sizeof s)
            return cli_usage_error(cmd, "--global-batch: '%s' is not TOKENS or SEQUENCESxLENGTH", jo->global_batch);
        memcpy(s, jo->global_batch, n);
        s[n] = '\0';
        if (llmcost_parse_quantity(&a, s, 0) != 0 || llmcost_parse_quantity(&b, x + 1, 1) != 0 || a < 1 || b < 1 ||
            a != floor(a) || b != floor(b))
            return cli_usage_error(cmd, "--global-batch: '%s' is not SEQUENCESxLENGTH in whole numbers",
                                   jo->global_batch);
        if (jo->seq_given && (long long)b != jo->seq)
            return cli_usage_error(cmd, "--global-batch %s: length %.0f but --seq %lld", jo->global_batch, b, jo->seq);
        jo->seq = (long long)b;
        jo->seq_given = true;
    } else if (llmcost_parse_quantity(&a, jo->global_batch, 1) != 0) {
        return cli_usage_error(cmd, "--global-batch: %s", llmcost_errmsg());
    }
    if (!(a * b >= 1 && a * b < 9e18))
        return cli_usage_error(cmd, "--global-batch: '%s' is out of range", jo->global_batch);
    *tokens = a * b;
    return 0;
}

void cli_bubble_warning(const llmcost_step *s, const llmcost_job *j, int format)
{
    double share = s->step_seconds > 0 ? s->components[LLMCOST_ST_BUBBLE] / s->step_seconds : 0;
    if (share <= 0.25)
        return;
    char msg[512];
    snprintf(msg, sizeof msg,
             "the pipeline bubble is %.0f%% of the step (%lld stages, %lld micro-batches per step): more micro-batches "
             "(--global-batch, --grad-accum) or virtual stages (--vpp) shrink it",
             100 * share, (long long)j->layout.pp, (long long)s->micro_batches);
    fprintf(stderr, "llmcost: warning: %s\n", msg);
    cli_note(format, "warning: %s", msg);
}
