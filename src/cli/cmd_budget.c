/* cmd_budget.c - `llmcost budget`: what model and how many tokens a budget buys, on the GPU giving the most FLOPs. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli.h"

#define MAX_GPUS 64

int cli_budget_gpus(cli_gpu_choice *out, int *n, const char *cmd, const char *gpus, const char *price_list, double mfu)
{
    *n = 0;
    const llmcost_price_list *pl = NULL;
    if (price_list) {
        pl = llmcost_catalog_price_list_find(cli_catalog(), price_list);
        if (!pl) {
            char names[512] = "";
            for (int i = 0; i < llmcost_catalog_price_list_count(cli_catalog()); i++) {
                size_t l = strlen(names);
                snprintf(names + l, sizeof names - l, "%s%s", i ? ", " : "", llmcost_catalog_price_list_at(cli_catalog(), i)->name);
            }
            return cli_usage_error(cmd, "--price-list: no price list '%s' (known: %s)", price_list, names);
        }
    }
    /* The GPUs asked for by name, each checked against the catalogue. */
    const llmcost_gpu *wanted[MAX_GPUS];
    int nwanted = 0;
    if (gpus) {
        char buf[1024];
        size_t gl = strlen(gpus);
        if (gl >= sizeof buf)
            return cli_usage_error(cmd, "--gpu: list too long (%zu bytes)", gl);
        /* strtok would skip an empty entry ("a100,,h100"): a typo, not a list of two. */
        if (gl == 0 || gpus[0] == ',' || gpus[gl - 1] == ',' || strstr(gpus, ",,"))
            return cli_usage_error(cmd, "--gpu: empty entry in '%s'", gpus);
        snprintf(buf, sizeof buf, "%s", gpus);
        for (char *tok = strtok(buf, ","); tok; tok = strtok(NULL, ",")) {
            while (*tok == ' ')
                tok++;
            const llmcost_gpu *g = llmcost_catalog_gpu_find(cli_catalog(), tok);
            if (!g)
                return cli_usage_error(cmd, "--gpu: '%s' is not in the GPU catalogue (see data/gpus.json)", tok);
            if (nwanted == MAX_GPUS)
                return cli_usage_error(cmd, "--gpu: at most %d GPUs", MAX_GPUS);
            wanted[nwanted++] = g;
        }
        if (nwanted == 0)
            return cli_usage_error(cmd, "--gpu: empty list");
    }
    if (pl) {
        for (int i = 0; i < pl->n && *n < MAX_GPUS; i++) {
            const llmcost_price_entry *e = &pl->entries[i];
            const llmcost_gpu *g = llmcost_catalog_gpu_find(cli_catalog(), e->gpu);
            bool keep = nwanted == 0;
            for (int k = 0; k < nwanted && !keep; k++)
                keep = wanted[k] == g;
            if (!keep)
                continue;
            cli_gpu_choice *c = &out[(*n)++];
            memset(c, 0, sizeof *c);
            snprintf(c->name, sizeof c->name, "%s", e->gpu);
            snprintf(c->full_name, sizeof c->full_name, "%s", g ? g->full_name : e->gpu);
            c->peak_flops = e->peak_flops;
            c->price_per_hour = e->price_per_hour;
            snprintf(c->price_source, sizeof c->price_source, "price list '%s' (%s)", pl->name, pl->source);
        }
        if (*n == 0)
            return cli_usage_error(cmd, "--gpu: none of '%s' is on the price list '%s'", gpus, pl->name);
    } else {
        int count = nwanted ? nwanted : llmcost_catalog_gpu_count(cli_catalog());
        for (int i = 0; i < count && *n < MAX_GPUS; i++) {
            const llmcost_gpu *g = nwanted ? wanted[i] : llmcost_catalog_gpu_at(cli_catalog(), i);
            if (!(g->price_per_hour > 0) || !(llmcost_gpu_half_peak(g) > 0)) {
                if (nwanted)
                    return cli_usage_error(cmd, "--gpu: the catalogue has no %s for '%s'; use --price-list",
                                           g->price_per_hour > 0 ? "bf16/fp16 peak" : "price", g->name);
                continue;
            }
            cli_gpu_choice *c = &out[(*n)++];
            memset(c, 0, sizeof *c);
            snprintf(c->name, sizeof c->name, "%s", g->name);
            snprintf(c->full_name, sizeof c->full_name, "%s", g->full_name);
            c->peak_flops = llmcost_gpu_half_peak(g); /* bf16, or fp16 on a V100 or T4 */
            c->price_per_hour = g->price_per_hour;
            snprintf(c->price_source, sizeof c->price_source, "%s", g->price_source);
        }
        if (*n == 0)
            return cli_usage_error(cmd, "no GPU in the catalogue has both a price and a bf16 or fp16 peak");
    }
    for (int i = 0; i < *n; i++) {
        out[i].mfu = mfu;
        out[i].effective_flops_per_second = out[i].peak_flops * mfu;
        out[i].flops_per_usd = out[i].effective_flops_per_second * 3600.0 / out[i].price_per_hour;
    }
    return 0;
}

int cli_budget_best(const cli_gpu_choice *g, int n, bool by_hour)
{
    int best = 0;
    for (int i = 1; i < n; i++) {
        double a = by_hour ? g[i].effective_flops_per_second : g[i].flops_per_usd;
        double b = by_hour ? g[best].effective_flops_per_second : g[best].flops_per_usd;
        if (a > b)
            best = i;
    }
    return best;
}

typedef enum { Q_DOLLARS, Q_FLOPS, Q_HOURS, Q_PARAMS, Q_TOKENS, Q_PARAMS_TOKENS, Q_TARGET } question;

static const char *const question_key[] = {"dollars", "flops", "gpu_hours", "params", "tokens", "params_tokens",
                                           "target_loss"};

/* Answers question "q" under "law" given the compute "flops" (budget questions) or the numbers asked about. */
static int answer(llmcost_allocation *a, const llmcost_law *law, question q, double flops, double n, double d,
                  double target)
{
    switch (q) {
    case Q_DOLLARS:
    case Q_FLOPS:
    case Q_HOURS:
        return llmcost_scaling_optimal(a, law, flops);
    case Q_PARAMS:
        return llmcost_scaling_tokens_for_params(a, law, n);
    case Q_TOKENS:
        return llmcost_scaling_params_for_tokens(a, law, d);
    case Q_PARAMS_TOKENS:
        return llmcost_scaling_evaluate(a, law, n, d);
    case Q_TARGET:
        return llmcost_scaling_target(a, law, target);
    }
    return LLMCOST_EINVAL;
}

/*
 * --model-mfu: the MFU llmcost's step model predicts for a model of about "n_params" parameters (LLaMA form, as
 * --write-config designs it) on GPU "gpu_name" (peak as the choice gives it): fully sharded data parallelism
 * (ZeRO-3) over "gpu_count" GPUs, Megatron-style fused kernels, bf16 with fp32 master weights, selective
 * recomputation, sequence 2048, micro-batch 1. Fails like the design and step engines.
 */
static int predicted_mfu(double *out, double n_params, const cli_gpu_choice *choice, long long gpu_count, long long vocab)
{
    llmcost_design_options dopt = LLMCOST_DESIGN_OPTIONS_INIT;
    dopt.vocab = vocab;
    llmcost_design d;
    int rc = llmcost_design_llama(&d, n_params, &dopt);
    if (rc < 0)
        return rc;
    char *text;
    if ((rc = llmcost_design_config(&text, &d)) < 0)
        return rc;
    llmcost_model *m;
    rc = llmcost_model_from_json(&m, text, strlen(text), "designed model");
    llmcost_free(text);
    if (rc < 0)
        return rc;
    const llmcost_gpu *cat = llmcost_catalog_gpu_find(cli_catalog(), choice->name);
    if (!cat) {
        llmcost_model_free(m);
        return LLMCOST_ENOTFOUND;
    }
    llmcost_gpu gpu = *cat;
    llmcost_step_options o = LLMCOST_STEP_OPTIONS_INIT;
    o.seq = 2048;
    /* Mixed precision in the GPU's 16-bit type: bf16, or fp16 with loss scaling where it has no bf16 (V100, T4). */
    bool bf16 = cat->peak_flops[LLMCOST_DT_BF16] > 0;
    o.precision = bf16 ? LLMCOST_PREC_BF16_MASTER : LLMCOST_PREC_FP16;
    if (bf16)
        gpu.peak_flops[LLMCOST_DT_BF16] = choice->peak_flops;
    else
        gpu.fp16_flops = choice->peak_flops;
    o.framework = LLMCOST_FW_MEGATRON;
    o.recompute = LLMCOST_RECOMPUTE_SELECTIVE;
    o.layout.gpus = gpu_count;
    o.layout.dp = gpu_count;
    o.layout.zero = 3;
    llmcost_step st;
    rc = llmcost_step_compute(&st, m, &gpu, &o);
    llmcost_model_free(m);
    if (rc < 0)
        return rc;
    *out = st.mfu;
    return 0;
}

/* Replaces each GPU's MFU by the step model's, for the model the question leads to on that GPU: budget questions
 * iterate (the MFU sets C, C sets N, N sets the MFU) until the MFU moves by less than 0.1%. */
static int apply_model_mfu(cli_gpu_choice *g, int ng, const llmcost_law *law, question q, double dollars, double hours,
                           double flops, double n, double d, double target, long long gpu_count, long long vocab)
{
    for (int i = 0; i < ng; i++) {
        double mfu = g[i].mfu;
        for (int it = 0; it < 8; it++) {
            double c = q == Q_DOLLARS ? dollars / g[i].price_per_hour * 3600 * g[i].peak_flops * mfu
                       : q == Q_HOURS ? hours * 3600 * g[i].peak_flops * mfu
                                      : flops;
            llmcost_allocation a;
            int rc = answer(&a, law, q, c, n, d, target);
            if (rc < 0)
                return rc;
            double next;
            rc = predicted_mfu(&next, a.n_params, &g[i], gpu_count, vocab);
            if (rc < 0)
                return rc;
            bool done = fabs(next - mfu) < 1e-3 * mfu;
            mfu = next;
            if (done || (q != Q_DOLLARS && q != Q_HOURS))
                break;
        }
        g[i].mfu = mfu;
        g[i].effective_flops_per_second = g[i].peak_flops * mfu;
        g[i].flops_per_usd = g[i].effective_flops_per_second * 3600.0 / g[i].price_per_hour;
    }
    return 0;
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
    question q = s_dollars ? Q_DOLLARS
                 : s_flops ? Q_FLOPS
                 : s_hours ? Q_HOURS
                 : s_target ? Q_TARGET
                 : s_n && s_d ? Q_PARAMS_TOKENS
                 : s_n        ? Q_PARAMS
                              : Q_TOKENS;
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

    cli_gpu_choice g[MAX_GPUS];
    int ng;
    if (model_mfu && s_mfu)
        return cli_usage_error("budget", "--mfu and --model-mfu exclude each other");
    if ((rc = cli_budget_gpus(g, &ng, "budget", gpus, price_list, mfu)) != 0)
        return rc;
    for (int i = 0; i < ng && (price > 0 || peak_tflops > 0); i++) {
        if (price > 0) {
            g[i].price_per_hour = price;
            snprintf(g[i].price_source, sizeof g[i].price_source, "--price");
        }
        if (peak_tflops > 0)
            g[i].peak_flops = peak_tflops * 1e12;
        g[i].effective_flops_per_second = g[i].peak_flops * g[i].mfu;
        g[i].flops_per_usd = g[i].effective_flops_per_second * 3600.0 / g[i].price_per_hour;
    }
    if (model_mfu && (rc = apply_model_mfu(g, ng, &law, q, dollars, hours, flops, n_in, d_in, target, gpu_count, vocab)) < 0)
        return cli_lib_error(rc);
    int bi = cli_budget_best(g, ng, q == Q_HOURS);
    const cli_gpu_choice *best = &g[bi];

    /* Budget questions fix C first; the others get C from the law. */
    double c = q == Q_DOLLARS ? dollars * best->flops_per_usd
               : q == Q_FLOPS ? flops
               : q == Q_HOURS ? hours * 3600.0 * best->effective_flops_per_second
                              : 0;
    const char *flag = q == Q_DOLLARS ? "--dollars" : q == Q_FLOPS ? "--flops" : q == Q_HOURS ? "--gpu-hours"
                       : q == Q_TARGET ? "--target-loss" : q == Q_TOKENS ? "--tokens" : "--params";
    if ((q == Q_DOLLARS || q == Q_FLOPS || q == Q_HOURS) && !(isfinite(c) && c < 1e300))
        return cli_usage_error("budget", "%s: the compute it buys (%g FLOPs) is beyond what llmcost answers", flag, c);
    llmcost_allocation a;
    rc = answer(&a, &law, q, c, n_in, d_in, target);
    if (rc < 0) {
        fprintf(stderr, "llmcost: %s: %s (try 'llmcost help budget')\n", flag, llmcost_errmsg());
        return EXIT_BAD_INPUT;
    }
    /* A budget so small that its optimal model has less than one parameter or one token has no answer. */
    if (!(a.n_params >= 1 && a.n_tokens >= 1 && isfinite(a.loss)))
        return cli_usage_error("budget", "%s: too small: the compute-optimal model would have %.3g parameters and %.3g "
                                         "tokens", flag, a.n_params, a.n_tokens);
    c = a.flops;
    double cost = c / best->flops_per_usd;
    double gpu_hours = cost / best->price_per_hour;
    double wall = gpu_hours * 3600.0 / (double)gpu_count;
    if (!isfinite(cost) || !isfinite(wall)) {
        fprintf(stderr, "llmcost: the answer overflows a double (C = %g FLOP)\n", c);
        return 1;
    }

    /* A concrete model of about N parameters. */
    llmcost_design design;
    bool designed = false;
    if (write_config) {
        llmcost_design_options dopt = LLMCOST_DESIGN_OPTIONS_INIT;
        dopt.vocab = vocab;
        rc = llmcost_design_llama(&design, a.n_params, &dopt);
        if (rc < 0)
            return cli_lib_error(rc);
        char *text;
        if ((rc = llmcost_design_config(&text, &design)) < 0)
            return cli_lib_error(rc);
        /* Written atomically, and only when the whole command succeeds (held.c). */
        rc = cli_write_file("write-config", write_config, text);
        llmcost_free(text);
        if (rc != 0)
            return rc;
        designed = true;
    }

    char formula[160];
    cli_law_formula(formula, sizeof formula, &law);
    if (co.format == LLMCOST_FMT_JSON) {
        json_t *doc = json_object();
        json_object_set_new(doc, "question", json_string(question_key[q]));
        if (q == Q_DOLLARS)
            json_object_set_new(doc, "budget_usd", cli_jreal(dollars));
        if (q == Q_HOURS)
            json_object_set_new(doc, "budget_gpu_hours", cli_jreal(hours));
        if (q == Q_TARGET)
            json_object_set_new(doc, "target_loss", json_real(target));
        json_object_set_new(doc, "gpu", json_string(best->name));
        json_object_set_new(doc, "gpu_peak_flops", cli_jreal(best->peak_flops));
        json_object_set_new(doc, "mfu", json_real(best->mfu));
        json_object_set_new(doc, "price_per_hour_usd", json_real(best->price_per_hour));
        json_object_set_new(doc, "flops_per_usd", json_real(best->flops_per_usd));
        json_object_set_new(doc, "effective_flops", json_real(c));
        json_object_set_new(doc, "n_params", json_real(a.n_params));
        json_object_set_new(doc, "n_tokens", json_real(a.n_tokens));
        json_object_set_new(doc, "loss", json_real(a.loss));
        json_object_set_new(doc, "tokens_per_param", json_real(a.tokens_per_param));
        json_object_set_new(doc, "cost_usd", json_real(cost));
        json_object_set_new(doc, "gpu_hours", json_real(gpu_hours));
        json_object_set_new(doc, "gpu_count", json_integer(gpu_count));
        json_object_set_new(doc, "wall_seconds", json_real(wall));
        json_object_set_new(doc, "law", cli_law_json(&law));
        json_t *ga = json_array();
        for (int i = 0; i < ng; i++) {
            json_t *o = json_object();
            json_object_set_new(o, "gpu", json_string(g[i].name));
            json_object_set_new(o, "peak_flops", cli_jreal(g[i].peak_flops));
            json_object_set_new(o, "price_per_hour_usd", json_real(g[i].price_per_hour));
            json_object_set_new(o, "effective_flops_per_second", json_real(g[i].effective_flops_per_second));
            json_object_set_new(o, "flops_per_usd", json_real(g[i].flops_per_usd));
            json_object_set_new(o, "price_source", json_string(g[i].price_source));
            json_array_append_new(ga, o);
        }
        json_object_set_new(doc, "gpus", ga);
        json_t *la = json_array();
        for (int i = 0; i < llmcost_scaling_law_count(); i++) {
            const llmcost_law *l = llmcost_scaling_law_at(i);
            llmcost_allocation b;
            json_t *o = json_object();
            json_object_set_new(o, "law", json_string(l->name));
            if (answer(&b, l, q, c, n_in, d_in, target) == 0) {
                json_object_set_new(o, "n_params", json_real(b.n_params));
                json_object_set_new(o, "n_tokens", json_real(b.n_tokens));
                json_object_set_new(o, "effective_flops", json_real(b.flops));
                json_object_set_new(o, "loss", json_real(b.loss));
                json_object_set_new(o, "tokens_per_param", json_real(b.tokens_per_param));
            } else {
                json_object_set_new(o, "error", json_string(llmcost_errmsg()));
            }
            json_array_append_new(la, o);
        }
        json_object_set_new(doc, "laws", la);
        if (designed) {
            json_t *o = json_object();
            json_object_set_new(o, "file", json_string(write_config));
            json_object_set_new(o, "n_params", cli_jint(design.n_params));
            json_object_set_new(o, "error", json_real(design.error));
            json_object_set_new(o, "hidden_size", cli_jint(design.hidden));
            json_object_set_new(o, "num_hidden_layers", cli_jint(design.layers));
            json_object_set_new(o, "num_attention_heads", cli_jint(design.heads));
            json_object_set_new(o, "intermediate_size", cli_jint(design.intermediate));
            json_object_set_new(o, "vocab_size", cli_jint(design.vocab));
            json_object_set_new(doc, "config", o);
        }
        rc = cli_print_json(doc);
        json_decref(doc);
        return rc;
    }

    char b1[64], b2[64], b3[64], b4[64], title[256];
    static const char *const qtitle[] = {"a budget in dollars", "a compute budget", "a budget in GPU-hours",
                                         "the tokens a model size should train on",
                                         "the model size a token count should train",
                                         "the loss and cost of a run", "the smallest budget reaching a loss"};
    snprintf(title, sizeof title, "Budget plan: %s, law %s", qtitle[q], law.name);
    const char *hdr[] = {"", "value"};
    llmcost_table *t = llmcost_table_new(title, 2, hdr);
    if (q == Q_DOLLARS)
        llmcost_table_addf(t, "budget\t$%s", amount(b1, sizeof b1, dollars));
    if (q == Q_HOURS)
        llmcost_table_addf(t, "budget\t%s GPU-hours", amount(b1, sizeof b1, hours));
    if (q == Q_TARGET)
        llmcost_table_addf(t, "target loss\t%.4f nats/token", target);
    llmcost_table_addf(t, "best GPU\t%s (%s): %s/s peak x %.0f%% MFU%s = %s/s at $%.2f/h", best->name, best->full_name,
                       llmcost_fmt_flops(b1, sizeof b1, best->peak_flops), 100 * best->mfu,
                       model_mfu ? " (the step model's)" : s_mfu ? "" : " (assumed)",
                       llmcost_fmt_flops(b2, sizeof b2, best->effective_flops_per_second), best->price_per_hour);
    llmcost_table_addf(t, "FLOPs per dollar\t%s", sci(b1, sizeof b1, best->flops_per_usd));
    llmcost_table_addf(t, "effective compute C\t%s FLOP (%s)", sci(b1, sizeof b1, c),
                       llmcost_fmt_flops(b2, sizeof b2, c));
    bool n_given = q == Q_PARAMS || q == Q_PARAMS_TOKENS, d_given = q == Q_TOKENS || q == Q_PARAMS_TOKENS;
    llmcost_table_addf(t, "%s\t%s parameters (%s)", n_given ? "parameters N (given)" : "compute-optimal N",
                       llmcost_fmt_count(b1, sizeof b1, a.n_params), sci(b2, sizeof b2, a.n_params));
    llmcost_table_addf(t, "%s\t%s tokens (%s)", d_given ? "tokens D (given)" : "compute-optimal D",
                       llmcost_fmt_count(b1, sizeof b1, a.n_tokens), sci(b2, sizeof b2, a.n_tokens));
    llmcost_table_addf(t, "tokens per parameter\t%.1f", a.tokens_per_param);
    llmcost_table_addf(t, "predicted loss\t%.4f nats/token", a.loss);
    llmcost_table_addf(t, "cost\t$%s (%s GPU-hours)", amount(b1, sizeof b1, cost), amount(b2, sizeof b2, gpu_hours));
    llmcost_table_addf(t, "wall-clock\t%s on %s GPUs%s", llmcost_fmt_seconds(b3, sizeof b3, wall),
                       llmcost_fmt_grouped(b4, sizeof b4, gpu_count), s_count ? "" : " (assumed; --gpus N)");
    bool law_given = law_name || sE || sA || sB || sAlpha || sBeta;
    llmcost_table_addf(t, "law\t%s%s: %s", law.name, law_given ? "" : " (assumed; --law)", formula);
    if (designed)
        llmcost_table_addf(t,
                           "written config\t%s: %s parameters exactly (%+.2f%% of N): hidden %lld, %lld layers, "
                           "%lld heads of 128, intermediate %lld, vocabulary %lld",
                           write_config, llmcost_fmt_grouped(b1, sizeof b1, design.n_params), 100 * design.error,
                           (long long)design.hidden, (long long)design.layers, (long long)design.heads,
                           (long long)design.intermediate, (long long)design.vocab);
    rc = cli_print_table(t, co.format);
    llmcost_table_free(t);
    if (rc)
        return rc;

    const char *ghdr[] = {"GPU", "peak", "$/hour", "effective FLOP/s", "FLOPs per $", ""};
    t = llmcost_table_new("GPUs compared (peak x MFU; FLOPs per $ = effective FLOP/s x 3600 / price)", 6, ghdr);
    for (int k = 1; k < 5; k++)
        llmcost_table_numeric(t, k);
    for (int i = 0; i < ng; i++)
        llmcost_table_addf(t, "%s\t%s/s\t%.2f\t%s/s\t%s\t%s", g[i].name,
                           llmcost_fmt_flops(b1, sizeof b1, g[i].peak_flops),
                           g[i].price_per_hour, llmcost_fmt_flops(b2, sizeof b2, g[i].effective_flops_per_second),
                           sci(b3, sizeof b3, g[i].flops_per_usd), i == bi ? "best" : "");
    rc = cli_print_table(t, co.format);
    llmcost_table_free(t);
    if (rc)
        return rc;

    const char *lhdr[] = {"law", "N", "D", "D/N", "C", "loss", "cost"};
    t = llmcost_table_new("The same question under each bundled law", 7, lhdr);
    for (int k = 1; k < 7; k++)
        llmcost_table_numeric(t, k);
    for (int i = 0; i < llmcost_scaling_law_count(); i++) {
        const llmcost_law *l = llmcost_scaling_law_at(i);
        llmcost_allocation b;
        if (answer(&b, l, q, c, n_in, d_in, target) == 0) {
            char b5[64];
            llmcost_table_addf(t, "%s\t%s\t%s\t%.1f\t%s\t%.4f\t$%s", l->name,
                               llmcost_fmt_count(b1, sizeof b1, b.n_params),
                               llmcost_fmt_count(b2, sizeof b2, b.n_tokens), b.tokens_per_param,
                               sci(b3, sizeof b3, b.flops), b.loss,
                               llmcost_fmt_count(b5, sizeof b5, b.flops / best->flops_per_usd));
        } else {
            llmcost_table_addf(t, "%s\tunreachable\t\t\t\t\t", l->name);
        }
    }
    rc = cli_print_table(t, co.format);
    llmcost_table_free(t);
    if (rc)
        return rc;
    cli_note(co.format, "Law %s: %s. N counts %s.", law.name, law.source, law.counts);
    cli_note(co.format, "Prices: %s. C = 6ND counts the model FLOPs of training (Kaplan et al. 2020; Hoffmann et "
                        "al. 2022); the wall-clock assumes the MFU holds on all %lld GPUs.",
             best->price_source, gpu_count);
    if (law.form == LLMCOST_LAW_KAPLAN)
        cli_note(co.format, "Kaplan's law measures loss on WebText2 and counts non-embedding parameters: its loss "
                            "and N are not comparable with the Chinchilla laws'.%s",
                 designed ? " The written config holds about N parameters in all, embeddings included." : "");
    return 0;
}
