/* cmd_scaling.c - `llmcost scaling laws|fit`: the bundled scaling laws, and fitting one's own to training runs. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* ---- Shared by scaling, budget and the course interface: choosing a law ---- */

int cli_law_pick(llmcost_law *out, const char *cmd, const cli_law_flags *f)
{
    const double *const constants[5] = {f->E, f->A, f->B, f->alpha, f->beta};
    int rc = llmcost_scaling_law_pick(out, f->law ? f->law : f->dflt, constants);
    if (rc == 0)
        return 0;
    /* A message naming a field is a bad flag ("law: ..." -> "--law: ..."); a file's own message is the file's. */
    static const char *const fields[] = {"law", "E", "A", "B", "alpha", "beta"};
    const char *msg = llmcost_errmsg();
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
        size_t n = strlen(fields[i]);
        if (!strncmp(msg, fields[i], n) && msg[n] == ':') {
            if (!strncmp(msg, "law: '", 6) && strstr(msg, "too long to keep"))
                return cli_usage_error(cmd, "the law %s", msg + 5);
            return cli_usage_error(cmd, "--%s", msg);
        }
    }
    return cli_lib_error(rc);
}

void cli_law_formula(char *buf, size_t n, const llmcost_law *l)
{
    if (l->form == LLMCOST_LAW_KAPLAN)
        snprintf(buf, n, "L = [(%.4g/N)^(%.4g/%.4g) + %.4g/D]^%.4g", l->n_c, l->alpha_n, l->alpha_d, l->d_c,
                 l->alpha_d);
    else
        snprintf(buf, n, "L = %.6g + %.6g/N^%.6g + %.6g/D^%.6g", l->E, l->A, l->alpha, l->B, l->beta);
}

/* ---- The report's section: what the laws say about a model of this size ---- */

int cli_scaling_section(const llmcost_model *m, int format, json_t *doc)
{
    if (doc) {
        char *text;
        int rc = llmcost_scaling_at_size_to_json(&text, m);
        if (rc < 0)
            return cli_lib_error(rc);
        json_t *o = cli_json_section(rc, text);
        if (!o)
            return 1;
        json_object_set_new(doc, "scaling", o);
        return 0;
    }
    llmcost_params p;
    int rc = llmcost_params_count(&p, m);
    if (rc < 0)
        return cli_lib_error(rc);
    char title[256], b1[32], b2[32], b3[32];
    snprintf(title, sizeof title, "Scaling laws at this size: the tokens for which %s parameters are compute-optimal",
             llmcost_fmt_count(b1, sizeof b1, (double)p.total));
    const char *hdr[] = {"law", "N counted", "optimal D", "D/N", "C = 6ND", "predicted loss"};
    llmcost_table *t = llmcost_table_new(title, 6, hdr);
    for (int k = 1; t && k < 6; k++)
        llmcost_table_numeric(t, k);
    for (int i = 0; i < llmcost_scaling_law_count(); i++) {
        const llmcost_law *l = llmcost_scaling_law_at(i);
        /* Kaplan et al. count non-embedding parameters; the Chinchilla fits count them all. */
        double n = l->form == LLMCOST_LAW_KAPLAN ? (double)p.non_embedding : (double)p.total;
        llmcost_allocation a;
        if (llmcost_scaling_tokens_for_params(&a, l, n) < 0)
            continue;
        llmcost_table_addf(t, "%s\t%s\t%s\t%.1f\t%s\t%.4f", l->name, llmcost_fmt_count(b1, sizeof b1, n),
                           llmcost_fmt_count(b2, sizeof b2, a.n_tokens), a.tokens_per_param,
                           llmcost_fmt_flops(b3, sizeof b3, a.flops), a.loss);
    }
    rc = cli_print_table(t, format);
    llmcost_table_free(t);
    if (rc)
        return rc;
    if (p.active != p.total)
        cli_note(format, "These laws were fitted on dense models; for a mixture of experts N is the total count "
                         "(%s active per token), and the laws say little about it.",
                 llmcost_fmt_count(b1, sizeof b1, (double)p.active));
    cli_note(format, "Kaplan's law counts non-embedding parameters and measures WebText2 loss. Budgets: llmcost "
                     "budget --params %.4g.",
             (double)p.total);
    return 0;
}

/* ---- llmcost scaling laws ---- */

static int laws_run(int format)
{
    if (cli_structured(format)) {
        char *text;
        int rc = llmcost_laws_to_json(&text);
        return cli_print_json_text(rc, text);
    }
    const char *hdr[] = {"law", "formula", "D/N at 1e24 FLOP", "what it is"};
    llmcost_table *t = llmcost_table_new("Scaling laws (data/scaling_laws.json)", 4, hdr);
    llmcost_table_numeric(t, 2);
    for (int i = 0; i < llmcost_scaling_law_count(); i++) {
        const llmcost_law *l = llmcost_scaling_law_at(i);
        char f[160];
        cli_law_formula(f, sizeof f, l);
        llmcost_allocation a;
        llmcost_scaling_optimal(&a, l, 1e24);
        llmcost_table_addf(t, "%s\t%s\t%.1f\t%s", l->name, f, a.tokens_per_param, l->title);
    }
    int rc = cli_print_table(t, format);
    llmcost_table_free(t);
    if (rc)
        return rc;
    for (int i = 0; i < llmcost_scaling_law_count(); i++) {
        const llmcost_law *l = llmcost_scaling_law_at(i);
        cli_note(format, "%s: N counts %s. Source: %s.", l->name, l->counts, l->source);
    }
    cli_note(format, "\nD/N: compute-optimal tokens per parameter at C = 6ND = 1e24 FLOP. Plan a budget with "
                     "llmcost budget --law NAME; your own law: --law FILE.json (the same keys) or "
                     "--E/--A/--B/--alpha/--beta.");
    return 0;
}

/* ---- llmcost scaling fit ---- */

static int save_law(const char *path, const llmcost_law *l)
{
    char *text;
    int rc = llmcost_law_to_json(&text, l);
    if (rc < 0)
        return cli_lib_error(rc);
    /* Written atomically, and only when the whole command succeeds (held.c). */
    rc = cli_write_file("save", path, text);
    llmcost_free(text);
    return rc;
}

/* Progress on a terminal only ("\r" overwrites the line; cleared at the end): a long fit shows it is working. */
static void fit_progress(void *ctx, double fraction)
{
    FILE *tty = ctx;
    if (fraction >= 1.0)
        fprintf(tty, "\r%40s\r", "");
    else
        fprintf(tty, "\rllmcost: fitting: %3.0f%%", 100.0 * fraction);
    fflush(tty);
}

static int fit_run(const char *path, llmcost_fit_options *fo, bool seen_boot, const char *save, int format)
{
    llmcost_run *runs;
    size_t n;
    int rc = llmcost_scaling_read_runs(&runs, &n, path);
    if (rc < 0)
        return cli_lib_error(rc);
    /* The default resamples, not asked for, shrink to the bound; asked for, the bound is an error. */
    if (!seen_boot && n > 0 && (double)fo->bootstrap * (double)n > LLMCOST_FIT_MAX_RESAMPLED_RUNS) {
        fo->bootstrap = (int)(LLMCOST_FIT_MAX_RESAMPLED_RUNS / n);
        fprintf(stderr, "llmcost: note: %zu runs: %d bootstrap resamples (resamples x runs is at most %d)\n", n,
                fo->bootstrap, LLMCOST_FIT_MAX_RESAMPLED_RUNS);
    }
    FILE *tty = cli_terminal();
    if (tty) {
        fo->progress = fit_progress;
        fo->progress_ctx = tty;
    }
    llmcost_fit fit;
    rc = llmcost_scaling_fit(&fit, runs, n, fo);
    llmcost_free(runs);
    if (tty && rc < 0)
        fit_progress(tty, 1.0);
    if (rc < 0) {
        if (rc == LLMCOST_EINVAL && !strstr(llmcost_errmsg(), path)) {
            fprintf(stderr, "llmcost: %s: %s\n", path, llmcost_errmsg());
            return EXIT_BAD_INPUT;
        }
        return cli_lib_error(rc);
    }
    if (save && (rc = save_law(save, &fit.law)) != 0)
        return rc;
    char formula[160];
    cli_law_formula(formula, sizeof formula, &fit.law);
    double a = fit.law.beta / (fit.law.alpha + fit.law.beta);
    llmcost_allocation at;
    llmcost_scaling_optimal(&at, &fit.law, 1e24);
    if (cli_structured(format)) {
        cli_output_kind("fit");
        char *text;
        rc = llmcost_fit_to_json(&text, &fit, fo, path, save);
        return cli_print_json_text(rc, text);
    }
    char title[600], interval[64];
    snprintf(title, sizeof title, "Scaling law fitted to %d runs of %s", fit.n_runs, path);
    if (fit.bootstrap)
        snprintf(interval, sizeof interval, "%g%% interval (%d resamples)", 100 * fo->confidence, fit.bootstrap);
    else
        snprintf(interval, sizeof interval, "interval (no bootstrap)");
    const char *hdr[] = {"constant", "estimate", interval};
    llmcost_table *t = llmcost_table_new(title, 3, hdr);
    llmcost_table_numeric(t, 1);
    for (int i = 0; i < LLMCOST_FIT_NPARAMS; i++)
        llmcost_table_addf(t, "%s\t%.5g\t%.5g .. %.5g", llmcost_scaling_fit_param_name(i), fit.value[i], fit.lo[i],
                           fit.hi[i]);
    llmcost_table_addf(t, "a = beta/(alpha+beta), N_opt ~ C^a\t%.4f\t%.4f .. %.4f", a, fit.a_lo, fit.a_hi);
    rc = cli_print_table(t, format);
    llmcost_table_free(t);
    if (rc)
        return rc;
    cli_note(format, "%s", formula);
    cli_note(format,
             "Method: Hoffmann et al. 2022 (§3.3, App. D.2): Huber loss (delta %g) on log-loss residuals, "
             "L = exp(LSE(a - alpha log N, b - beta log D, e)), L-BFGS (NLopt) from %d of the %d grid starts "
             "(%s; %d ended normally); "
             "RMS log residual %.4g. Intervals: percentiles of refits to runs resampled with replacement (seed %llu).",
             fo->huber_delta, fit.grid_starts, LLMCOST_FIT_GRID_STARTS,
             fit.grid_starts < LLMCOST_FIT_GRID_STARTS ? "those of lowest objective" : "all", fit.starts,
             fit.rms_log_residual, (unsigned long long)fo->seed);
    cli_note(format, "At 1e24 FLOP the fitted law's compute-optimal model trains on %.1f tokens per parameter.",
             at.tokens_per_param);
    if (save)
        cli_note(format, "Saved to %s: plan with it by llmcost budget --law %s --dollars ...", save, save);
    return 0;
}

static const char *const usage_text = "llmcost scaling laws | llmcost scaling fit RUNS.csv [options]";
static const char *const description =
    "laws: the bundled scaling laws with their constants and sources (data/scaling_laws.json).\n"
    "fit: fits L = E + A/N^alpha + B/D^beta to your training runs as Hoffmann et al. (2022) did: Huber loss\n"
    "(delta 1e-3) on log-loss residuals in the log-sum-exp parameterisation, L-BFGS (NLopt) from a grid of 4,500\n"
    "initialisations (above 50 runs, from those of lowest objective), and bootstrap intervals from refits to\n"
    "resampled runs. At most 5,000 runs and 2,000 resamples, resamples x runs at most 200,000 (the default 200\n"
    "resamples shrink to fit). A fit that ends on a bound of the search does not identify the law and is refused.\n"
    "Progress shows on a terminal. RUNS.csv has a header naming the\n"
    "columns N (parameters), D (training tokens) and loss (nats per token), in any order; other columns are\n"
    "ignored; numbers may carry K/M/B/T suffixes.";
static const char *const examples = "  llmcost scaling laws\n"
                                    "  llmcost scaling fit runs.csv\n"
                                    "  llmcost scaling fit runs.csv --bootstrap 1000 --save my_law.json\n"
                                    "  llmcost budget --law my_law.json --dollars 1e6\n";

int cmd_scaling(int argc, char **argv)
{
    long long bootstrap = 200, seed = 1;
    double delta = 1e-3, confidence = 0.95;
    const char *save = NULL;
    bool seen_boot = false;
    cli_opt opts[] = {
        {"bootstrap", OPT_NONNEG, &bootstrap, "N", "fit: resamples for the intervals (default 200; 0: none)", NULL,
         &seen_boot},
        {"seed", OPT_NONNEG, &seed, "S", "fit: resampling seed (default 1; same seed, same intervals)", NULL, NULL},
        {"huber-delta", OPT_REAL, &delta, "X", "fit: Huber loss threshold on log loss (default 1e-3)", NULL, NULL},
        {"confidence", OPT_FRACTION, &confidence, "X", "fit: interval coverage (default 0.95)", NULL, NULL},
        {"save", OPT_STRING, &save, "FILE", "fit: write the fitted law as JSON, for --law FILE", NULL, NULL},
    };
    int nopts = (int)(sizeof opts / sizeof opts[0]);
    cli_common co;
    const char *pos[2];
    int npos;
    int rc = cli_parse("scaling", argc, argv, opts, nopts, &co, pos, 2, &npos);
    if (rc)
        return rc;
    if (co.help || npos == 0) {
        if (!co.help)
            return cli_usage_error("scaling", "say what: 'llmcost scaling laws' or 'llmcost scaling fit RUNS.csv'");
        cli_help(stdout, "scaling", usage_text, description, opts, nopts, examples);
        return 0;
    }
    if (!strcmp(pos[0], "laws")) {
        if (npos > 1)
            return cli_usage_error("scaling", "'%s': 'scaling laws' takes no file", pos[1]);
        return laws_run(co.format);
    }
    if (!strcmp(pos[0], "fit")) {
        if (npos < 2)
            return cli_usage_error("scaling", "'scaling fit' needs a CSV file of runs (columns N, D, loss)");
        if (confidence >= 1)
            return cli_usage_error("scaling", "--confidence: must be below 1");
        if (bootstrap > LLMCOST_FIT_MAX_BOOTSTRAP)
            return cli_usage_error("scaling", "--bootstrap: at most %d resamples", LLMCOST_FIT_MAX_BOOTSTRAP);
        llmcost_fit_options fo = LLMCOST_FIT_OPTIONS_INIT;
        fo.bootstrap = (int)bootstrap;
        fo.seed = (uint64_t)seed;
        fo.huber_delta = delta;
        fo.confidence = confidence;
        return fit_run(pos[1], &fo, seen_boot, save, co.format);
    }
    return cli_usage_error("scaling", "'%s' is not 'laws' or 'fit'", pos[0]);
}
