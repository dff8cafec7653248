/* cmd_budget.c - `llmcost budget`: what model and how many tokens a budget buys, on the GPU giving the most FLOPs.
 * The plan is the library's (budget.h, llmcost_budget_compute); this file parses the flags and prints it. */
#include <math.h>
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
    "llmcost budget (--dollars X | --flops C | --gpu-hours H | --params N [--tokens D] | --tokens D |\n"
    "               --target-loss L) [--gpu NAME[,NAME...]] [--price-list NAME] [--price USD] [--peak-tflops X]\n"
    "               [--mfu X | --model-mfu] [--law NAME|FILE] [--gpus N] [--write-config FILE]";
static const char *const description =
    "What model and how many tokens a budget buys. Picks the GPU with the most effective FLOPs per dollar\n"
    "(peak x MFU x 3600 / price; with --gpu-hours, the most effective FLOP/s), turns the budget into compute C,\n"
    "and splits it into the compute-optimal parameters N and tokens D of a scaling law (C = 6ND; closed form,\n"
    "Hoffmann et al. 2022 eq. 4), with the predicted loss, tokens per parameter, GPU-hours, dollars and the\n"
    "wall-clock on --gpus GPUs. Inverse questions: --params N (the D for which N is optimal), --tokens D\n"
    "(the N for which D is optimal), --params N --tokens D (loss and cost of that run), --target-loss L (the\n"
    "smallest budget reaching L). Every bundled law answers the same question side by side.\n"
    "GPUs as in step and train: --gpu names the candidates (one, or a comma list to choose from), --gpus N the\n"
    "count, --price and --peak-tflops override every candidate's. The older --gpus a100,v100 (a list of names,\n"
    "not a number) still names the candidates, and --gpu-count N the count.\n"
    "--write-config FILE writes an HF config.json in LLaMA form whose exact parameter count is within 2% of N.";
static const char *const examples = "  llmcost budget --dollars 5e6 --price-list course --law course\n"
                                    "  llmcost budget --dollars 5e6 --gpu a100,v100,t4 --mfu 0.4\n"
                                    "  llmcost budget --flops 1e24 --law epoch --write-config my_model_config.json\n"
                                    "  llmcost budget --params 70B --tokens 1.4T --gpu h100 --gpus 2048 --price 2.5\n"
                                    "  llmcost budget --target-loss 2.0 --law chinchilla-unrounded\n";

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
    if (co->format == LLMCOST_FMT_JSON) {
        char *text;
        rc = llmcost_budget_to_json(&text, b, write_config);
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
    llmcost_table_addf(t, "best GPU\t%s (%s): %s/s peak x %.0f%% MFU%s = %s/s at $%.2f/h", best->name, best->full_name,
                       llmcost_fmt_flops(b1, sizeof b1, best->peak_flops), 100 * best->mfu,
                       b->model_mfu ? " (the step model's)" : s_mfu ? "" : " (assumed)",
                       llmcost_fmt_flops(b2, sizeof b2, best->effective_flops_per_second), best->price_per_hour);
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
    llmcost_table_addf(t, "law\t%s%s: %s", law->name, law_given ? "" : " (assumed; --law)", formula);
    if (b->designed)
        llmcost_table_addf(t,
                           "written config\t%s: %s parameters exactly (%+.2f%% of N): hidden %lld, %lld layers, "
                           "%lld heads of 128, intermediate %lld, vocabulary %lld",
                           write_config, llmcost_fmt_grouped(b1, sizeof b1, b->design.n_params), 100 * b->design.error,
                           (long long)b->design.hidden, (long long)b->design.layers, (long long)b->design.heads,
                           (long long)b->design.intermediate, (long long)b->design.vocab);
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
    cli_note(co->format, "Law %s: %s. N counts %s.", law->name, law->source, law->counts);
    cli_note(co->format, "Prices: %s. C = 6ND counts the model FLOPs of training (Kaplan et al. 2020; Hoffmann et "
                         "al. 2022); the wall-clock assumes the MFU holds on all %lld GPUs.",
             best->price_source, (long long)b->gpu_count);
    if (law->form == LLMCOST_LAW_KAPLAN)
        cli_note(co->format, "Kaplan's law measures loss on WebText2 and counts non-embedding parameters: its loss "
                             "and N are not comparable with the Chinchilla laws'.%s",
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
         "GPUs to choose from, comma-separated (default: the whole catalogue; with --price-list, its entries for them)",
         NULL, NULL},
        {"gpus", OPT_STRING, &gpus_arg, "N",
         "GPUs training at once, for the wall-clock (default 1024); a list of names instead (--gpus a100,v100, the "
         "older form) names the candidates as --gpu does", NULL, NULL},
        {"price", OPT_REAL, &price, "USD", "price per GPU-hour of every candidate (default: the catalogue's or list's)",
         NULL, NULL},
        {"peak-tflops", OPT_REAL, &peak_tflops, "X", "dense bf16 peak TFLOP/s of every candidate", NULL, NULL},
        {"price-list", OPT_STRING, &price_list, "NAME", "prices and peaks of a named list (course)", NULL, NULL},
        {"mfu", OPT_FRACTION, &mfu, "X", "model FLOPs utilisation (default 0.4, the course's)", NULL, &s_mfu},
        {"model-mfu", OPT_FLAG, &model_mfu, NULL,
         "take each GPU's MFU from the step model (ZeRO-3 over --gpu-count, megatron profile, seq 2048)", NULL, NULL},
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
