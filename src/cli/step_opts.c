/* step_opts.c - the job options of every command turned into one llmcost_job (job.h): defaults printed, the
 * global batch read as tokens or SEQUENCESxLENGTH and rounded to whole micro-batch rounds, checked once by the
 * library; and the fit of the job on its GPU. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
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

static int job_error(const char *cmd)
{
    char msg[1024];
    cli_job_message(msg, sizeof msg, llmcost_errmsg());
    fprintf(stderr, "llmcost: %s (try 'llmcost help %s')\n", msg, cmd);
    return EXIT_BAD_INPUT;
}

int cli_job_build(llmcost_job *out, cli_job_opts *jo, const llmcost_model *m, const char *cmd, char *assumed,
                  size_t size)
{
    llmcost_job j;
    llmcost_job_init(&j);
    char line[768], why[256];
    bool seq_given = jo->seq_given;
    if (jo->sp && jo->no_sp)
        return cli_usage_error(cmd, "--sequence-parallel and --no-sequence-parallel contradict each other");
    if (jo->zero > 3)
        return cli_usage_error(cmd, "--zero: '%lld' must be 0, 1, 2 or 3", jo->zero);
    if (jo->global_batch && jo->micro_batches > 0)
        return cli_usage_error(cmd, "give --global-batch or --grad-accum, not both");
    /* SEQUENCESxLENGTH fixes the sequence length too. */
    double sequences = 0, tokens = 0;
    if (jo->global_batch) {
        const char *x = strchr(jo->global_batch, 'x');
        if (x) {
            char a[64];
            size_t n = (size_t)(x - jo->global_batch);
            double len;
            if (n == 0 || n >= sizeof a)
                return cli_usage_error(cmd, "--global-batch: '%s' is not TOKENS or SEQUENCESxLENGTH", jo->global_batch);
            memcpy(a, jo->global_batch, n);
            a[n] = '\0';
            if (llmcost_parse_quantity(&sequences, a, 0) != 0 || sequences < 1 || sequences != floor(sequences) ||
                llmcost_parse_quantity(&len, x + 1, 1) != 0 || len < 1 || len != floor(len) || len > 9e15)
                return cli_usage_error(cmd, "--global-batch: '%s' is not SEQUENCESxLENGTH in whole numbers",
                                       jo->global_batch);
            if (seq_given && (long long)len != jo->seq)
                return cli_usage_error(cmd, "--global-batch %s: length %.0f but --seq %lld", jo->global_batch, len,
                                       jo->seq);
            jo->seq = (long long)len;
            seq_given = true;
        } else {
            if (llmcost_parse_quantity(&tokens, jo->global_batch, 1) != 0)
                return cli_usage_error(cmd, "--global-batch: %s", llmcost_errmsg());
            if (tokens < 1)
                return cli_usage_error(cmd, "--global-batch: '%s' must be at least 1", jo->global_batch);
        }
    }
    cli_default_seq(m, &jo->seq, seq_given, why, sizeof why);
    if (!seq_given) {
        snprintf(line, sizeof line, "sequence %lld tokens (%s)", jo->seq, why);
        note(assumed, size, line);
    }
    j.seq = jo->seq;
    j.micro_batch = jo->micro_batch;
    j.precision = (llmcost_precision)jo->precision;
    j.optimizer = (llmcost_optimizer)jo->optimizer;
    j.recompute = (llmcost_recompute)jo->recompute;
    j.attention = (llmcost_attn_impl)jo->attention;
    j.framework = (llmcost_framework)jo->framework;
    j.expert_tp = jo->etp;
    cli_job_apply(&j.layout, jo);
    j.layout.ep_overlap = jo->ep_overlap;
    j.layout.tp_overlap = jo->tp_overlap;
    j.fp32_grads = !jo->bf16_grads;
    j.fused_optimizer = !jo->foreach_opt;
    j.headroom = jo->headroom < 1 ? jo->headroom : 0.05;
    j.cuda_context_bytes = jo->context_gb * 1073741824.0;
    j.act_cache = (llmcost_act_cache)jo->act_cache;
    j.pipeline = (llmcost_pipeline)jo->pipeline;
    j.ema = (llmcost_ema)jo->ema;
    if (jo->recompute_modules) {
        int bits = llmcost_recompute_modules_parse(jo->recompute_modules);
        if (bits < 0)
            return cli_usage_error(cmd, "--recompute-modules: '%s' is not a list of layernorm, mla_up_proj, moe_act",
                                   jo->recompute_modules);
        j.recompute_modules = (unsigned)bits;
    }
    if (llmcost_layout_resolve(&j.layout, m) < 0)
        return job_error(cmd);
    bool rounded = false;
    const char *jo_batch_text = jo->global_batch;
    if (sequences > 0) {
        if (llmcost_job_set_batch_tokens(&j, m, sequences * (double)j.seq, &rounded) < 0)
            return job_error(cmd);
    } else if (tokens > 0) {
        if (llmcost_job_set_batch_tokens(&j, m, tokens, &rounded) < 0)
            return job_error(cmd);
    } else if (jo->micro_batches > 0) {
        j.grad_accum = jo->micro_batches;
    } else {
        /* The default batch does not depend on the layout: the published one, or a documented default. */
        const char *src;
        double dflt = llmcost_job_default_batch_tokens(m, &src);
        if (llmcost_job_set_batch_tokens(&j, m, dflt, &rounded) < 0)
            return job_error(cmd);
        char t[48];
        snprintf(line, sizeof line, "global batch %s tokens (%s; give --global-batch or --grad-accum)",
                 llmcost_fmt_grouped(t, sizeof t, (int64_t)dflt), src);
        note(assumed, size, line);
        if (rounded)
            jo_batch_text = "the default";
    }
    if (llmcost_job_validate(&j, m) < 0)
        return job_error(cmd);
    char a[48], b[48], c[48];
    double toks = (double)j.global_batch * (double)j.seq;
    if (rounded) {
        snprintf(line, sizeof line,
                 "global batch %s rounded to %s tokens: whole micro-batch rounds of micro-batch %lld x dp %lld x seq "
                 "%lld",
                 jo_batch_text, llmcost_fmt_grouped(a, sizeof a, (int64_t)toks), (long long)j.micro_batch,
                 (long long)j.layout.dp, (long long)j.seq);
        note(assumed, size, line);
    }
    snprintf(line, sizeof line, "global batch %s tokens = %s x %s (%lld micro-batch%s of %lld per replica, dp %lld)",
             llmcost_fmt_grouped(a, sizeof a, (int64_t)toks), llmcost_fmt_grouped(b, sizeof b, j.global_batch),
             llmcost_fmt_grouped(c, sizeof c, j.seq), (long long)j.grad_accum, j.grad_accum > 1 ? "es" : "",
             (long long)j.micro_batch, (long long)j.layout.dp);
    note(assumed, size, line);
    *out = j;
    return 0;
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

static void fix_text(char *buf, size_t n, const llmcost_fix *f)
{
    const llmcost_layout *l = &f->job.layout;
    switch (f->kind) {
    case LLMCOST_FIX_ZERO:
        snprintf(buf, n, "--zero %lld", (long long)f->value);
        break;
    case LLMCOST_FIX_RECOMPUTE:
        snprintf(buf, n, "--recompute %s", cli_recompute_choices[f->value]);
        break;
    case LLMCOST_FIX_MICRO_BATCH:
        snprintf(buf, n, "--micro-batch %lld (--grad-accum %lld)", (long long)f->value, (long long)f->job.grad_accum);
        break;
    case LLMCOST_FIX_TP:
        snprintf(buf, n, "--tp %lld (dp %lld)", (long long)l->tp, (long long)l->dp);
        break;
    case LLMCOST_FIX_PP:
        snprintf(buf, n, "--pp %lld (dp %lld)", (long long)l->pp, (long long)l->dp);
        break;
    default:
        snprintf(buf, n, "--gpus %lld (--tp %lld --pp %lld)", (long long)l->gpus, (long long)l->tp, (long long)l->pp);
        break;
    }
}

void cli_job_changes(char *buf, size_t n, const llmcost_job *a, const llmcost_job *b)
{
    size_t o = 0;
    buf[0] = '\0';
#define ADD(...) (o < n ? (o += (size_t)snprintf(buf + o, n - o, __VA_ARGS__)) : 0)
    if (a->layout.tp != b->layout.tp)
        ADD("%s--tp %lld", o ? " " : "", (long long)b->layout.tp);
    if (a->layout.pp != b->layout.pp)
        ADD("%s--pp %lld", o ? " " : "", (long long)b->layout.pp);
    if (a->layout.ep != b->layout.ep)
        ADD("%s--ep %lld", o ? " " : "", (long long)b->layout.ep);
    if (a->layout.dp != b->layout.dp)
        ADD("%s--dp %lld", o ? " " : "", (long long)b->layout.dp);
    if (a->layout.gpus != b->layout.gpus)
        ADD("%s--gpus %lld", o ? " " : "", (long long)b->layout.gpus);
    if (a->layout.zero != b->layout.zero)
        ADD("%s--zero %d", o ? " " : "", b->layout.zero);
    if (a->recompute != b->recompute)
        ADD("%s--recompute %s", o ? " " : "", cli_recompute_choices[b->recompute]);
    if (a->micro_batch != b->micro_batch)
        ADD("%s--micro-batch %lld", o ? " " : "", (long long)b->micro_batch);
    if (a->layout.sequence_parallel != b->layout.sequence_parallel && b->layout.sequence_parallel)
        ADD("%s--sequence-parallel", o ? " " : "");
#undef ADD
}

int cli_job_fit(const llmcost_model *m, const llmcost_gpu *gpu, const llmcost_job *j, int format, json_t *doc)
{
    llmcost_job_fit_result f;
    if (llmcost_job_fit(&f, m, gpu, j) < 0)
        return cli_lib_error(LLMCOST_EINVAL);
    char a[48], b[48], fixes[1024] = "";
    for (int i = 0; i < f.n_fixes; i++) {
        char t[160];
        fix_text(t, sizeof t, &f.fixes[i]);
        size_t n = strlen(fixes);
        snprintf(fixes + n, sizeof fixes - n, "%s%s", i ? "; " : "", t);
    }
    /* When no one change fits on these GPUs, the changes together that do (tried greedily, llmcost_job_make_fit). */
    char together[512] = "";
    llmcost_job fitjob;
    if (!f.fits && llmcost_job_make_fit(&fitjob, m, gpu, j, j->layout.gpus) == 0) {
        llmcost_job jv = *j;
        llmcost_job_validate(&jv, m);
        cli_job_changes(together, sizeof together, &jv, &fitjob);
    }
    if (doc) {
        json_object_set_new(doc, "fits", json_boolean(f.fits));
        json_object_set_new(doc, "peak_bytes", cli_jreal(round(f.peak_bytes)));
        json_object_set_new(doc, "capacity_bytes", cli_jreal(round(f.capacity_bytes)));
        json_object_set_new(doc, "required_bytes", cli_jreal(round(f.required_bytes)));
        json_object_set_new(doc, "usable_bytes", cli_jreal(round(f.usable_bytes)));
        json_t *arr = json_array();
        for (int i = 0; i < f.n_fixes; i++) {
            char t[160];
            fix_text(t, sizeof t, &f.fixes[i]);
            json_array_append_new(arr, json_pack("{s:s, s:I, s:s, s:o}", "change", llmcost_fix_name(f.fixes[i].kind),
                                                 "value", (json_int_t)f.fixes[i].value, "flags", t, "required_bytes",
                                                 cli_jreal(round(f.fixes[i].required_bytes))));
        }
        json_object_set_new(doc, "fixes", arr);
        if (together[0])
            json_object_set_new(doc, "fits_on_these_gpus_with", json_string(together));
    }
    llmcost_fmt_bytes(a, sizeof a, f.required_bytes);
    llmcost_fmt_bytes(b, sizeof b, f.usable_bytes);
    if (f.fits) {
        if (!doc)
            cli_note(format, "fits %s: peak %s of %s usable (predicted reserve + CUDA context; %.0f%% headroom)",
                     gpu->name, a, b, 100 * j->headroom);
        return 0;
    }
    char msg[2048];
    snprintf(msg, sizeof msg, "does NOT fit %s: peak %s of %s usable; %s%s%s%s", gpu->name, a, b,
             f.n_fixes ? "fits with any one of: " : "no single change tried fits (zero, recompute, micro-batch, tp, pp, "
                                                    "more GPUs)",
             fixes, together[0] ? "; on these GPUs with: " : "", together);
    fprintf(stderr, "llmcost: warning: %s\n", msg);
    if (!doc)
        cli_note(format, "%s", msg);
    return 0;
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
