/* cmd_budget.c - `llmcost budget`: what model and how many tokens a budget buys, on the GPU giving the most FLOPs.
 * The plan is the library's (budget.h, llmcost_budget_compute); this file parses the flags and prints it. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli.h"

/* The library names the budget options' fields; the command line names its flags. */
static const struct {
    const char *field, *flag;
} field_flags[] = {
    {"dollars", "--dollars"},     {"flops", "--flops"},           {"gpu_hours", "--gpu-hours"},
    {"n_params", "--params"},     {"n_tokens", "--tokens"},       {"target_loss", "--target-loss"},
    {"gpus", "--gpu"},            {"price_list", "--price-list"}, {"vocab", "--vocab"},
    {"mfu", "--mfu"},             {"gpu_count", "--gpus"},        {"price_per_hour", "--price"},
    {"peak_flops", "--peak-tflops"}, {"law", "--law"},
};

static bool field_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
}

/* "gpus: 'x' is not..." -> "--gpu: 'x' is not...", "mfu = 1.5: ..." -> "--mfu 1.5: ...", "use price_list" ->
 * "use --price-list". A one-word field counts only before ':' or " = " ("data/gpus.json" stays). */
static void budget_message(char *buf, size_t n, const char *msg)
{
    size_t o = 0;
    const char *p = msg;
    while (*p && o + 1 < n) {
        size_t len = 0;
        const char *rep = NULL;
        if (field_char(*p) && (p == msg || !field_char(p[-1]))) {
            while (field_char(p[len]))
                len++;
            for (size_t i = 0; i < sizeof field_flags / sizeof field_flags[0] && !rep; i++)
                if (strlen(field_flags[i].field) == len && !strncmp(p, field_flags[i].field, len))
                    rep = field_flags[i].flag;
            bool named = p[len] == ':' || !strncmp(p + len, " = ", 3);
            if (rep && !memchr(p, '_', len) && !named)
                rep = NULL;
            if (rep && p[len] == '.' && field_char(p[len + 1]))
                rep = NULL; /* a file name */
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
        if (!strncmp(p, " = ", 3))
            p += 2;
    }
    buf[o] = '\0';
}

int cli_budget_error(int rc)
{
    char msg[4096];
    budget_message(msg, sizeof msg, llmcost_errmsg());
    if (!strncmp(msg, "--", 2))
        return cli_usage_error("budget", "%s", msg);
    if (rc == LLMCOST_EOVERFLOW) {
        fprintf(stderr, "llmcost: %s\n", msg);
        return 1;
    }
    return cli_lib_error(rc);
}

static char *sci(char *buf, size_t n, double v)
{
    snprintf(buf, n, "%.5g", v);
    return buf;
}

/* An amount as a grouped whole number ("5,000,000"), or in scientific form past what an int64 holds exactly. */
static char *amount(char *buf, size_t n, double v)
{
    if (fabs(v) < 9.0e15)
        return llmcost_fmt_grouped(buf, n, (int64_t)llround(v));
    return sci(buf, n, v);
}

static const char *const usage_text =
    "llmcost budget (--dollars X | --flops C | --gpu-hours H | --params N [--tokens D]\n"
    "               | --tokens D | --target-loss L) [--gpu NAME[,NAME...]] [--price-list NAME]\n"
    "               [--price USD] [--peak-tflops X] [--mfu X | --model-mfu] [--law NAME|FILE] [--gpus N]\n"
    "               [--write-config FILE]";
static const char *const description =
    "What model and how many tokens a budget buys. Picks the GPU with the most effective FLOPs per\n"
    "dollar (peak x MFU x 3600 / price; with --gpu-hours, the most effective FLOP/s), turns the budget\n"
    "into compute C, and splits it into the compute-optimal parameters N and tokens D of a scaling law\n"
    "(C = 6ND; closed form, Hoffmann et al. 2022 eq. 4), with the predicted loss, tokens per parameter,\n"
    "GPU-hours, dollars and the wall-clock on --gpus GPUs. Inverse questions: --params N (the D for\n"
    "which N is optimal), --tokens D (the N for which D is optimal), --params N --tokens D (loss and\n"
    "cost of that run), --target-loss L (the smallest budget reaching L). Every bundled law answers the\n"
    "same question side by side.\n"
    "GPUs as in step and train: --gpu names the candidates (one, or a comma list to choose from), --gpus\n"
    "N the count, --price and --peak-tflops override every candidate's. The older --gpus a100,v100 (a\n"
    "list of names, not a number) still names the candidates, and --gpu-count N the count.\n"
    "--write-config FILE writes an HF config.json in LLaMA form whose exact parameter count is within 2%\n"
    "of N.\n"
    "--model-mfu takes each GPU's MFU from the step model (ZeRO-3 over --gpus N, megatron profile, bf16\n"
    "with fp32 master weights, selective recomputation, seq 2048, micro-batch 1) and checks that job\n"
    "against the best GPU's memory: \"fits GPU: peak X of Y usable\", or a warning with the changes that\n"
    "make it fit (JSON: fits, peak_bytes, capacity_bytes).\n"
    "--format csv prints one table, a row per candidate GPU with the question answered on it (the JSON's\n"
    "\"gpus\": raw numbers, units in the names: cost_usd, effective_flops, wall_seconds); best = true is the\n"
    "plan.";
static const char *const examples = "  llmcost budget --dollars 5e6 --price-list course --law course\n"
                                    "  llmcost budget --dollars 5e6 --gpu a100,v100,t4 --mfu 0.4\n"
                                    "  llmcost budget --flops 1e24 --law epoch --write-config my_model_config.json\n"
                                    "  llmcost budget --params 70B --tokens 1.4T --gpu h100 --gpus 2048 --price 2.5\n"
                                    "  llmcost budget --target-loss 2.0 --law chinchilla-unrounded\n";

/* A note (text and md only) wrapped at 100 columns, words never cut. */
static void note(int format, const char *fmt, ...)
{
    if (format != LLMCOST_FMT_TEXT && format != LLMCOST_FMT_MD)
        return;
    char buf[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    cli_wrap(stdout, buf, 0, 100);
}

/* A change that makes the step model's job fit, in the job's words (budget has no layout flags but --gpus). */
static void fix_words(char *buf, size_t n, const llmcost_fix *f)
{
    const llmcost_layout *l = &f->job.layout;
    switch (f->kind) {
    case LLMCOST_FIX_ZERO:
        snprintf(buf, n, "ZeRO-%lld", (long long)f->value);
        break;
    case LLMCOST_FIX_RECOMPUTE:
        snprintf(buf, n, "recompute %s", cli_recompute_choices[f->value]);
        break;
    case LLMCOST_FIX_MICRO_BATCH:
        snprintf(buf, n, "micro-batch %lld", (long long)f->value);
        break;
    case LLMCOST_FIX_TP:
        snprintf(buf, n, "tp %lld (dp %lld)", (long long)l->tp, (long long)l->dp);
        break;
    case LLMCOST_FIX_PP:
        snprintf(buf, n, "pp %lld (dp %lld)", (long long)l->pp, (long long)l->dp);
        break;
    default:
        snprintf(buf, n, "%lld GPUs (tp %lld, pp %lld, dp %lld)", (long long)l->gpus, (long long)l->tp, (long long)l->pp,
                 (long long)l->dp);
        break;
    }
}

/* The job's layout in words: "ZeRO-3 over 1,024 GPUs (tp 1, pp 1), recompute selective, micro-batch 1". */
static void job_words(char *buf, size_t n, const llmcost_job *j)
{
    char g[32];
    snprintf(buf, n, "%s, ZeRO-%d over %s GPUs (tp %lld, pp %lld, dp %lld), recompute %s, seq %lld, micro-batch %lld",
             llmcost_precision_name(j->precision), j->layout.zero, llmcost_fmt_grouped(g, sizeof g, j->layout.gpus),
             (long long)j->layout.tp, (long long)j->layout.pp, (long long)j->layout.dp,
             cli_recompute_choices[j->recompute], (long long)j->seq, (long long)j->micro_batch);
}

/* --model-mfu: does the job whose step gives the MFU fit the best GPU. A row of the plan ("row" true) or, when it
 * does not fit, the warning on stderr and the note with the changes that make it fit. */
static void fit_lines(const llmcost_budget *b, llmcost_table *t, int format, bool row)
{
    const llmcost_job_fit_result *f = &b->fit;
    const char *gpu = b->gpus[b->best].name;
    char req[48], use[48];
    llmcost_fmt_bytes(req, sizeof req, f->required_bytes);
    llmcost_fmt_bytes(use, sizeof use, f->usable_bytes);
    if (row) {
        llmcost_table_addf(t, "memory (the MFU's job)\t%s %s: peak %s of %s usable", f->fits ? "fits" : "does NOT fit",
                           gpu, req, use);
        return;
    }
    char job[256];
    job_words(job, sizeof job, &b->job);
    if (f->fits) {
        note(format, "Memory: the job the MFU comes from (%s) fits %s: peak %s of %s usable (predicted reserve + "
                     "CUDA context; %.0f%% headroom).", job, gpu, req, use, 100 * b->job.headroom);
        return;
    }
    char fixes[1024] = "", together[512] = "";
    for (int i = 0; i < f->n_fixes; i++) {
        char w[160];
        fix_words(w, sizeof w, &f->fixes[i]);
        size_t l = strlen(fixes);
        snprintf(fixes + l, sizeof fixes - l, "%s%s", i ? "; " : "", w);
    }
    /* The changes together, when no one change fits on these GPUs. */
    bool single = false;
    for (int i = 0; i < f->n_fixes; i++)
        single |= f->fixes[i].kind != LLMCOST_FIX_GPUS;
    if (b->has_fit_job && !single)
        job_words(together, sizeof together, &b->fit_job);
    char msg[2048];
    snprintf(msg, sizeof msg, "the job the MFU comes from (%s) does NOT fit %s: peak %s of %s usable; %s%s%s%s", job,
             gpu, req, use,
             f->n_fixes ? "fits with any one of: " : "no single change tried fits (zero, recompute, micro-batch, tp, "
                                                     "pp, more GPUs)",
             fixes, together[0] ? "; on these GPUs as: " : "", together);
    fprintf(stderr, "llmcost: warning: %s\n", msg);
    note(format, "Memory: %s. Its MFU assumes that job anyway; 'llmcost plan' finds a layout that fits.", msg);
}

/* Prints plan "b" in the chosen format; writes the designed config to "write_config" (when given). */
static int print_budget(const llmcost_budget *b, const cli_common *co, const char *write_config, bool s_mfu,
                        bool s_count, bool law_given)
{
    int rc;
    const llmcost_budget_gpu *g = b->gpus, *best = &b->gpus[b->best];
    const llmcost_law *law = &b->law;
    if (b->designed) {
        char *text;
        if ((rc = llmcost_design_config(&text, &b->design)) < 0)
            return cli_lib_error(rc);
        /* Written atomically, and only when the whole command succeeds (held.c). */
        rc = cli_write_file("write-config", write_config, text);
        llmcost_free(text);
        if (rc != 0)
            return rc;
    }
    if (cli_structured(co->format)) {
        /* JSON, or its CSV: a row per candidate GPU (llmcost_budget_to_csv). */
        char *text;
        cli_output_kind("budget");
        rc = llmcost_budget_to_json(&text, b, write_config);
        if (rc == 0 && b->fit_checked && !b->fit.fits)
            fit_lines(b, NULL, co->format, false); /* the warning on stderr */
        return cli_print_json_text(rc, text);
    }

    char formula[160];
    cli_law_formula(formula, sizeof formula, law);
    llmcost_budget_question q = b->question;
    char b1[64], b2[64], b3[64], b4[64], title[256];
    static const char *const qtitle[] = {"a budget in dollars", "a compute budget", "a budget in GPU-hours",
                                         "the tokens a model size should train on",
                                         "the model size a token count should train",
                                         "the loss and cost of a run", "the smallest budget reaching a loss"};
    snprintf(title, sizeof title, "Budget plan: %s, law %s", qtitle[q], law->name);
    const char *hdr[] = {"", "value"};
    llmcost_table *t = llmcost_table_new(title, 2, hdr);
    if (q == LLMCOST_BUDGET_DOLLARS)
        llmcost_table_addf(t, "budget\t$%s", amount(b1, sizeof b1, b->dollars));
    if (q == LLMCOST_BUDGET_GPU_HOURS)
        llmcost_table_addf(t, "budget\t%s GPU-hours", amount(b1, sizeof b1, b->gpu_hours_given));
    if (q == LLMCOST_BUDGET_TARGET_LOSS)
        llmcost_table_addf(t, "target loss\t%.4f nats/token", b->target_loss);
    llmcost_table_addf(t, "best GPU\t%s (%s) at $%.2f/h", best->name, best->full_name, best->price_per_hour);
    llmcost_table_addf(t, "effective FLOP/s\t%s/s peak x %.0f%% MFU%s = %s/s",
                       llmcost_fmt_flops(b1, sizeof b1, best->peak_flops), 100 * best->mfu,
                       b->model_mfu ? " (the step model's)" : s_mfu ? "" : " (assumed)",
                       llmcost_fmt_flops(b2, sizeof b2, best->effective_flops_per_second));
    llmcost_table_addf(t, "FLOPs per dollar\t%s", sci(b1, sizeof b1, best->flops_per_usd));
    llmcost_table_addf(t, "effective compute C\t%s FLOP (%s)", sci(b1, sizeof b1, b->flops),
                       llmcost_fmt_flops(b2, sizeof b2, b->flops));
    bool n_given = q == LLMCOST_BUDGET_PARAMS || q == LLMCOST_BUDGET_PARAMS_TOKENS;
    bool d_given = q == LLMCOST_BUDGET_TOKENS || q == LLMCOST_BUDGET_PARAMS_TOKENS;
    llmcost_table_addf(t, "%s\t%s parameters (%s)", n_given ? "parameters N (given)" : "compute-optimal N",
                       llmcost_fmt_count(b1, sizeof b1, b->answer.n_params), sci(b2, sizeof b2, b->answer.n_params));
    llmcost_table_addf(t, "%s\t%s tokens (%s)", d_given ? "tokens D (given)" : "compute-optimal D",
                       llmcost_fmt_count(b1, sizeof b1, b->answer.n_tokens), sci(b2, sizeof b2, b->answer.n_tokens));
    llmcost_table_addf(t, "tokens per parameter\t%.1f", b->answer.tokens_per_param);
    llmcost_table_addf(t, "predicted loss\t%.4f nats/token", b->answer.loss);
    llmcost_table_addf(t, "cost\t$%s (%s GPU-hours)", amount(b1, sizeof b1, b->cost_usd),
                       amount(b2, sizeof b2, b->gpu_hours));
    llmcost_table_addf(t, "wall-clock\t%s on %s GPUs%s", llmcost_fmt_seconds(b3, sizeof b3, b->wall_seconds),
                       llmcost_fmt_grouped(b4, sizeof b4, b->gpu_count), s_count ? "" : " (assumed; --gpus N)");
    if (b->fit_checked)
        fit_lines(b, t, co->format, true);
    llmcost_table_addf(t, "law\t%s%s: %s", law->name, law_given ? "" : " (assumed; --law)", formula);
    if (b->designed) {
        llmcost_table_addf(t, "written config\t%s", write_config);
        llmcost_table_addf(t, "its parameters\t%s parameters exactly (%+.2f%% of N)",
                           llmcost_fmt_grouped(b1, sizeof b1, b->design.n_params), 100 * b->design.error);
        llmcost_table_addf(t, "its shape\thidden %lld, %lld layers, %lld heads of 128, intermediate %lld, vocab %lld",
                           (long long)b->design.hidden, (long long)b->design.layers, (long long)b->design.heads,
                           (long long)b->design.intermediate, (long long)b->design.vocab);
    }
    rc = cli_print_table(t, co->format);
    llmcost_table_free(t);
    if (rc)
        return rc;

    const char *ghdr[] = {"GPU", "peak", "$/hour", "effective FLOP/s", "FLOPs per $", ""};
    t = llmcost_table_new("GPUs compared (peak x MFU; FLOPs per $ = effective FLOP/s x 3600 / price)", 6, ghdr);
    for (int k = 1; k < 5; k++)
        llmcost_table_numeric(t, k);
    for (int i = 0; i < b->n_gpus; i++)
        llmcost_table_addf(t, "%s\t%s/s\t%.2f\t%s/s\t%s\t%s", g[i].name,
                           llmcost_fmt_flops(b1, sizeof b1, g[i].peak_flops),
                           g[i].price_per_hour, llmcost_fmt_flops(b2, sizeof b2, g[i].effective_flops_per_second),
                           sci(b3, sizeof b3, g[i].flops_per_usd), i == b->best ? "best" : "");
    rc = cli_print_table(t, co->format);
    llmcost_table_free(t);
    if (rc)
        return rc;

    const char *lhdr[] = {"law", "N", "D", "D/N", "C", "loss", "cost"};
    t = llmcost_table_new("The same question under each bundled law", 7, lhdr);
    for (int k = 1; k < 7; k++)
        llmcost_table_numeric(t, k);
    for (int i = 0; i < b->n_laws; i++) {
        const llmcost_budget_law *l = &b->laws[i];
        if (l->rc == 0) {
            char b5[64];
            llmcost_table_addf(t, "%s\t%s\t%s\t%.1f\t%s\t%.4f\t$%s", l->law->name,
                               llmcost_fmt_count(b1, sizeof b1, l->answer.n_params),
                               llmcost_fmt_count(b2, sizeof b2, l->answer.n_tokens), l->answer.tokens_per_param,
                               sci(b3, sizeof b3, l->answer.flops), l->answer.loss,
                               llmcost_fmt_count(b5, sizeof b5, l->cost_usd));
        } else {
            llmcost_table_addf(t, "%s\tunreachable\t\t\t\t\t", l->law->name);
        }
    }
    rc = cli_print_table(t, co->format);
    llmcost_table_free(t);
    if (rc)
        return rc;
    note(co->format, "Law %s: %s. N counts %s.", law->name, law->source, law->counts);
    note(co->format, "Prices: %s. C = 6ND counts the model FLOPs of training (Kaplan et al. 2020; Hoffmann et al. "
                     "2022); the wall-clock assumes the MFU holds on all %lld GPUs.",
         best->price_source, (long long)b->gpu_count);
    if (b->model_mfu) {
        char job[256];
        job_words(job, sizeof job, &b->job);
        note(co->format, "--model-mfu: each GPU's MFU is the step model's for a LLaMA-form model of about N "
                         "(megatron profile; fp16 on GPUs without bf16): %s.", job);
        fit_lines(b, NULL, co->format, false);
    }
    if (law->form == LLMCOST_LAW_KAPLAN)
        note(co->format, "Kaplan's law measures loss on WebText2 and counts non-embedding parameters: its loss and N "
                         "are not comparable with the Chinchilla laws'.%s",
             b->designed ? " The written config holds about N parameters in all, embeddings included." : "");
    return 0;
}

int cmd_budget(int argc, char **argv)
{
    double dollars = 0, flops = 0, hours = 0, n_in = 0, d_in = 0, target = 0, mfu = 0.4;
    double E, A, B, alpha, beta;
    bool sE = false, sA = false, sB = false, sAlpha = false, sBeta = false, s_mfu = false;
    bool s_dollars = false, s_flops = false, s_hours = false, s_n = false, s_d = false, s_target = false;
    bool s_count = false, model_mfu = false;
    long long gpu_count = 1024, vocab = 32000;
    const char *gpus = NULL, *gpus_arg = NULL, *price_list = NULL, *law_name = NULL, *write_config = NULL;
    double price = 0, peak_tflops = 0;
    cli_opt opts[] = {
        {"dollars", OPT_REAL, &dollars, "X", "budget in US dollars (5e6, 5M)", NULL, &s_dollars},
        {"flops", OPT_REAL, &flops, "C", "budget as training compute C in FLOPs (1e24)", NULL, &s_flops},
        {"gpu-hours", OPT_REAL, &hours, "H", "budget in GPU-hours on the chosen GPU", NULL, &s_hours},
        {"params", OPT_REAL, &n_in, "N", "a model size: the tokens for which it is compute-optimal", NULL, &s_n},
        {"tokens", OPT_REAL, &d_in, "D", "a token count (with --params: loss and cost of that run)", NULL, &s_d},
        {"target-loss", OPT_REAL, &target, "L", "the smallest budget whose optimal model reaches loss L", NULL,
         &s_target},
        {"gpu", OPT_STRING, &gpus, "NAME[,NAME...]",
         "candidate GPUs (default: the catalogue's, or the --price-list's)",
         NULL, NULL},
        {"gpus", OPT_STRING, &gpus_arg, "N",
         "GPUs training at once (default 1024); names: the older --gpu LIST", NULL, NULL},
        {"price", OPT_REAL, &price, "USD", "price per GPU-hour of every candidate (default: catalogue's or list's)",
         NULL, NULL},
        {"peak-tflops", OPT_REAL, &peak_tflops, "X", "dense bf16 peak TFLOP/s of every candidate", NULL, NULL},
        {"price-list", OPT_STRING, &price_list, "NAME", "prices and peaks of a named list (course)", NULL, NULL},
        {"mfu", OPT_FRACTION, &mfu, "X", "model FLOPs utilisation (default 0.4, the course's)", NULL, &s_mfu},
        {"model-mfu", OPT_FLAG, &model_mfu, NULL,
         "each GPU's MFU from the step model, its job checked against memory", NULL, NULL},
        {"law", OPT_STRING, &law_name, "NAME|FILE", "scaling law (default chinchilla; see llmcost scaling laws)",
         NULL, NULL},
        {"E", OPT_REAL, &E, "X", "override the law's E (irreducible loss)", NULL, &sE},
        {"A", OPT_REAL, &A, "X", "override the law's A", NULL, &sA},
        {"B", OPT_REAL, &B, "X", "override the law's B", NULL, &sB},
        {"alpha", OPT_REAL, &alpha, "X", "override the law's alpha", NULL, &sAlpha},
        {"beta", OPT_REAL, &beta, "X", "override the law's beta", NULL, &sBeta},
        {"gpu-count", OPT_COUNT, &gpu_count, "N", "the older name of --gpus N", NULL, &s_count},
        {"write-config", OPT_STRING, &write_config, "FILE", "write an HF config.json (LLaMA form) of about N",
         NULL, NULL},
        {"vocab", OPT_COUNT, &vocab, "V", "vocabulary of the written config (default 32000, LLaMA's)", NULL, NULL},
    };
    int nopts = (int)(sizeof opts / sizeof opts[0]);
    cli_common co;
    int npos;
    int rc = cli_parse("budget", argc, argv, opts, nopts, &co, NULL, 0, &npos);
    if (rc)
        return rc;
    if (co.help) {
        cli_help(stdout, "budget", usage_text, description, opts, nopts, examples);
        return 0;
    }
    int nq = s_dollars + s_flops + s_hours + (s_n || s_d) + s_target;
    if (nq != 1)
        return cli_usage_error("budget", nq ? "give one question, not several: --dollars, --flops, --gpu-hours, "
                                              "--params/--tokens or --target-loss"
                                            : "what budget? give --dollars, --flops, --gpu-hours, --params, "
                                              "--tokens or --target-loss");
    llmcost_budget_options bo;
    llmcost_budget_options_init(&bo);
    bo.question = s_dollars ? LLMCOST_BUDGET_DOLLARS
                  : s_flops ? LLMCOST_BUDGET_FLOPS
                  : s_hours ? LLMCOST_BUDGET_GPU_HOURS
                  : s_target ? LLMCOST_BUDGET_TARGET_LOSS
                  : s_n && s_d ? LLMCOST_BUDGET_PARAMS_TOKENS
                  : s_n        ? LLMCOST_BUDGET_PARAMS
                               : LLMCOST_BUDGET_TOKENS;
    bo.dollars = dollars;
    bo.flops = flops;
    bo.gpu_hours = hours;
    bo.n_params = n_in;
    bo.n_tokens = d_in;
    bo.target_loss = target;
    if (gpus_arg) {
        /* --gpus N is the count, as in step and train; a list of names is the older spelling of --gpu LIST. */
        double x;
        if (llmcost_parse_quantity(&x, gpus_arg, 0) == 0) {
            if (!(x >= 1 && x == floor(x) && x <= 9.0e15))
                return cli_usage_error("budget", "--gpus: '%s' must be a whole number of GPUs, at least 1", gpus_arg);
            if (s_count && (long long)x != gpu_count)
                return cli_usage_error("budget", "--gpus %s and --gpu-count %lld disagree", gpus_arg, gpu_count);
            gpu_count = (long long)x;
            s_count = true;
        } else if (gpus) {
            return cli_usage_error("budget", "--gpus '%s' is not a count, and --gpu already names the candidates",
                                   gpus_arg);
        } else {
            gpus = gpus_arg;
        }
    }
    if (vocab > 16777216)
        return cli_usage_error("budget", "--vocab: at most 16,777,216");

    llmcost_law law;
    cli_law_flags lf = {law_name, "chinchilla", sE ? &E : NULL, sA ? &A : NULL, sB ? &B : NULL,
                        sAlpha ? &alpha : NULL, sBeta ? &beta : NULL};
    if ((rc = cli_law_pick(&law, "budget", &lf)) != 0)
        return rc;
    if ((rc = llmcost_scaling_law_check(&law)) < 0)
        return cli_usage_error("budget", "the law's constants: %s", llmcost_errmsg());
    if (model_mfu && s_mfu)
        return cli_usage_error("budget", "--mfu and --model-mfu exclude each other");
    bo.law = &law;
    bo.catalog = cli_catalog();
    bo.gpus = gpus;
    bo.price_list = price_list;
    bo.price_per_hour = price;
    bo.price_source = "--price";
    bo.peak_flops = peak_tflops * 1e12; /* the flag's unit */
    bo.mfu = mfu;
    bo.model_mfu = model_mfu;
    bo.gpu_count = gpu_count;
    bo.vocab = vocab;
    bo.design = write_config != NULL;
    llmcost_budget *b;
    if ((rc = llmcost_budget_compute(&b, &bo)) < 0)
        return cli_budget_error(rc);
    rc = print_budget(b, &co, write_config, s_mfu, s_count, law_name || sE || sA || sB || sAlpha || sBeta);
    llmcost_budget_free(b);
    return rc;
}
