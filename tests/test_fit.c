/* test_fit.c - fitting a Chinchilla-form law: recovering known constants from synthetic noisy runs, the CSV
 * reader's errors (file:line, column, value), and `llmcost scaling fit`. */
#include <criterion/criterion.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"
#include "llmcost/llmcost.h"

/* A fixed-seed generator (64-bit LCG, Knuth's MMIX constants) and Box-Muller normals: the same runs every time. */
static uint64_t rng = 20240417;
static double uniform(void)
{
    rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
    return ((double)(rng >> 11) + 0.5) / 9007199254740992.0;
}
static double normal(void)
{
    return sqrt(-2 * log(uniform())) * cos(2 * M_PI * uniform());
}

/*
 * 48 runs like a small scaling study: 8 model sizes from 10M to 10B, each trained on 5..160 tokens per parameter,
 * with the loss of the true law times exp(noise), noise ~ N(0, sigma) (sigma = 0.005: a 0.5% run-to-run spread).
 */
static size_t synthetic(llmcost_run *runs, const llmcost_law *truth, double sigma)
{
    size_t n = 0;
    rng = 20240417;
    for (int i = 0; i < 8; i++)
        for (int j = 0; j < 6; j++) {
            double np = 1e7 * pow(10.0, i * 3.0 / 7.0), d = np * 5 * pow(2.0, j);
            runs[n++] = (llmcost_run){np, d, llmcost_scaling_loss(truth, np, d) * exp(sigma * normal())};
        }
    return n;
}

Test(scaling_fit, recovers_known_constants_from_noisy_runs)
{
    const llmcost_law *truth = llmcost_scaling_law_find("epoch");
    cr_assert_not_null(truth);
    llmcost_run runs[64];
    size_t n = synthetic(runs, truth, 0.005);
    llmcost_fit f;
    llmcost_fit_options o = LLMCOST_FIT_OPTIONS_INIT;
    o.bootstrap = 100;
    cr_assert_eq(llmcost_scaling_fit(&f, runs, n, &o), 0, "%s", llmcost_errmsg());
    /* L-BFGS from every point of Hoffmann et al.'s grid; a start may fail (NLopt gives up), not many. */
    cr_expect(f.starts > 0.95 * LLMCOST_FIT_GRID_STARTS && f.starts <= LLMCOST_FIT_GRID_STARTS, "%d", f.starts);
    cr_expect_eq(f.bootstrap, 100);
    /* The exponents and E are well determined by 3 decades of N and D; A and B (prefactors, correlated with the
     * exponents) less so. Tolerances: a few times the spread the bootstrap shows for this design. */
    cr_expect(fabs(f.law.alpha - truth->alpha) < 0.02, "alpha %g vs %g", f.law.alpha, truth->alpha);
    cr_expect(fabs(f.law.beta - truth->beta) < 0.02, "beta %g vs %g", f.law.beta, truth->beta);
    cr_expect(fabs(f.law.E - truth->E) < 0.03, "E %g vs %g", f.law.E, truth->E);
    cr_expect(fabs(log(f.law.A / truth->A)) < 0.3, "A %g vs %g", f.law.A, truth->A);
    cr_expect(fabs(log(f.law.B / truth->B)) < 0.3, "B %g vs %g", f.law.B, truth->B);
    /* the intervals hold the truth */
    const double t[LLMCOST_FIT_NPARAMS] = {truth->E, truth->A, truth->B, truth->alpha, truth->beta};
    for (int i = 0; i < LLMCOST_FIT_NPARAMS; i++) {
        cr_expect(f.lo[i] <= f.value[i] && f.value[i] <= f.hi[i], "%s interval excludes its estimate",
                  llmcost_scaling_fit_param_name(i));
        cr_expect(f.lo[i] <= t[i] && t[i] <= f.hi[i], "%s: truth %g outside [%g, %g]",
                  llmcost_scaling_fit_param_name(i), t[i], f.lo[i], f.hi[i]);
    }
    /* the residuals are the noise put in: RMS of N(0, 0.005) */
    cr_expect(f.rms_log_residual > 0.003 && f.rms_log_residual < 0.007, "rms %g", f.rms_log_residual);
}

Test(scaling_fit, exact_runs_give_exact_constants)
{
    /* Without noise the optimum is the truth itself: a test of the objective's gradient and the optimiser. */
    const llmcost_law *truth = llmcost_scaling_law_find("chinchilla-unrounded");
    llmcost_run runs[64];
    size_t n = synthetic(runs, truth, 0.0);
    llmcost_fit f;
    llmcost_fit_options o = LLMCOST_FIT_OPTIONS_INIT;
    o.bootstrap = 0;
    cr_assert_eq(llmcost_scaling_fit(&f, runs, n, &o), 0, "%s", llmcost_errmsg());
    cr_expect(fabs(f.law.alpha / truth->alpha - 1) < 1e-4, "alpha %.8g", f.law.alpha);
    cr_expect(fabs(f.law.beta / truth->beta - 1) < 1e-4, "beta %.8g", f.law.beta);
    cr_expect(fabs(f.law.E / truth->E - 1) < 1e-4, "E %.8g", f.law.E);
    cr_expect(fabs(f.law.A / truth->A - 1) < 1e-3, "A %.8g", f.law.A);
    cr_expect(fabs(f.law.B / truth->B - 1) < 1e-3, "B %.8g", f.law.B);
    cr_expect_lt(f.rms_log_residual, 1e-6);
}

Test(scaling_fit, too_few_or_degenerate_runs_fail)
{
    llmcost_run runs[8] = {{1e8, 1e9, 3}, {2e8, 1e9, 2.9}, {4e8, 1e9, 2.8}, {1e8, 2e9, 2.9}, {2e8, 2e9, 2.8}};
    llmcost_fit f;
    cr_expect_eq(llmcost_scaling_fit(&f, runs, 5, NULL), LLMCOST_EINVAL);
    cr_expect(strstr(llmcost_errmsg(), "at least 6 runs"), "%s", llmcost_errmsg());
    for (int i = 0; i < 8; i++)
        runs[i] = (llmcost_run){1e8 * (i + 1), 1e9, 3.0 - 0.1 * i};
    cr_expect_eq(llmcost_scaling_fit(&f, runs, 8, NULL), LLMCOST_EINVAL);
    cr_expect(strstr(llmcost_errmsg(), "same D"), "%s", llmcost_errmsg());
}

static const char *write_csv(const char *name, const char *text)
{
    return temp_file(name, text, strlen(text));
}

Test(scaling_fit_csv, reads_columns_in_any_order_with_suffixes)
{
    const char *p = write_csv("runs.csv", "# a comment\nloss, D ,N,notes\r\n3.1,1B,70M,first\n\n2.9,2e9,\"140M\",x\n");
    llmcost_run *r;
    size_t n;
    cr_assert_eq(llmcost_scaling_read_runs(&r, &n, p), 0, "%s", llmcost_errmsg());
    cr_assert_eq(n, 2);
    cr_expect(r[0].n_params == 70e6 && r[0].n_tokens == 1e9 && r[0].loss == 3.1);
    cr_expect(r[1].n_params == 140e6 && r[1].n_tokens == 2e9 && r[1].loss == 2.9);
    llmcost_free(r);
}

Test(scaling_fit_csv, errors_name_the_file_line_and_column)
{
    struct {
        const char *text, *want;
    } cases[] = {
        {"N,D,loss\n1e8,1e9,3\n1e8,abc,3\n", "bad.csv:3: column D: 'abc' is not a number"},
        {"N,D,loss\n1e8,1e9\n", "bad.csv:2: 2 fields, but the header has 3"},
        {"N,D,loss\n1e8,1e9,-3\n", "bad.csv:2: column loss: -3 must be positive"},
        {"params,tokens\n1,2\n", "bad.csv:1: the header must name the columns N, D and loss (missing loss"},
        {"1e8,1e9,3\n", "bad.csv:1: the header must name the columns N, D and loss (missing N"},
        {"N,D,loss\n", "bad.csv: no runs after the header"},
        {"", "bad.csv: empty"},
        {"N,n,D,loss\n", "bad.csv:1: header: two columns for N"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *p = write_csv("bad.csv", cases[i].text);
        llmcost_run *r = NULL;
        size_t n;
        cr_expect_lt(llmcost_scaling_read_runs(&r, &n, p), 0, "case %zu accepted", i);
        cr_expect(strstr(llmcost_errmsg(), cases[i].want), "case %zu: got '%s', want '%s'", i, llmcost_errmsg(),
                  cases[i].want);
        cr_expect_null(r);
    }
}

Test(scaling_fit_cli, fit_command_reports_constants_and_saves_a_usable_law)
{
    const llmcost_law *truth = llmcost_scaling_law_find("chinchilla");
    llmcost_run runs[64];
    size_t n = synthetic(runs, truth, 0.002);
    char csv[8192];
    size_t len = (size_t)snprintf(csv, sizeof csv, "N,D,loss\n");
    for (size_t i = 0; i < n; i++)
        len += (size_t)snprintf(csv + len, sizeof csv - len, "%.17g,%.17g,%.17g\n", runs[i].n_params,
                                runs[i].n_tokens, runs[i].loss);
    const char *p = write_csv("fit.csv", csv);
    char saved[256];
    snprintf(saved, sizeof saved, "%s.law.json", p);
    const char *argv[] = {"scaling", "fit", p, "--bootstrap", "20", "--save", saved, "--format", "json", NULL};
    run_result r = run_cli(argv);
    cr_assert_eq(r.status, 0, "%s", r.err);
    json_error_t e;
    json_t *d = json_loads(r.out, 0, &e);
    cr_assert_not_null(d, "%s", e.text);
    cr_expect_eq(json_integer_value(json_object_get(d, "runs")), 48);
    cr_expect_eq(json_integer_value(json_object_get(d, "bootstrap")), 20);
    json_t *alpha = json_object_get(json_object_get(d, "constants"), "alpha");
    cr_expect(fabs(json_number_value(json_object_get(alpha, "value")) - 0.34) < 0.02);
    cr_expect_leq(json_number_value(json_object_get(alpha, "lo")), json_number_value(json_object_get(alpha, "hi")));
    json_decref(d);
    run_free(&r);
    /* The saved law plans a budget like any bundled one. */
    const char *argv2[] = {"budget", "--flops", "1e23", "--law", saved, "--gpus", "h100", "--format", "json", NULL};
    r = run_cli(argv2);
    cr_assert_eq(r.status, 0, "%s", r.err);
    d = json_loads(r.out, 0, &e);
    cr_expect_str_eq(json_string_value(json_object_get(json_object_get(d, "law"), "name")), "fit");
    json_decref(d);
    run_free(&r);
}

Test(scaling_fit_cli, bad_csv_exits_2_with_the_line)
{
    const char *p = write_csv("broken.csv", "N,D,loss\n1e8,1e9,3\n1e8,1e9,x\n");
    const char *argv[] = {"scaling", "fit", p, NULL};
    run_result r = run_cli(argv);
    cr_expect_eq(r.status, 2);
    cr_expect(strstr(r.err, "llmcost: ") == r.err && strstr(r.err, "broken.csv:3: column loss: 'x'"), "%s", r.err);
    cr_expect_str_eq(r.out, "");
    run_free(&r);
    const char *argv2[] = {"scaling", "fit", NULL};
    r = run_cli(argv2);
    cr_expect_eq(r.status, 2);
    cr_expect(strstr(r.err, "try 'llmcost help scaling'"), "%s", r.err);
    run_free(&r);
}

Test(scaling_fit, many_runs_start_from_the_best_grid_points_and_still_recover_the_law)
{
    /* 400 runs (the 48 of synthetic() repeated with fresh noise): L-BFGS starts from the 4500 * 50 / 400 = 562 grid
     * points of lowest objective, so the grid's work stays that of 50 runs, and the constants are recovered. */
    const llmcost_law *truth = llmcost_scaling_law_find("chinchilla");
    cr_assert_not_null(truth);
    static llmcost_run runs[400];
    size_t n = 0;
    rng = 7;
    while (n < 400) {
        double np = 1e7 * pow(10.0, 3.0 * uniform()), d = np * 5 * pow(2.0, 5.0 * uniform());
        runs[n++] = (llmcost_run){np, d, llmcost_scaling_loss(truth, np, d) * exp(0.005 * normal())};
    }
    llmcost_fit f;
    llmcost_fit_options o = LLMCOST_FIT_OPTIONS_INIT;
    o.bootstrap = 0;
    cr_assert_eq(llmcost_scaling_fit(&f, runs, n, &o), 0, "%s", llmcost_errmsg());
    cr_expect_eq(f.grid_starts, LLMCOST_FIT_GRID_STARTS * LLMCOST_FIT_FULL_GRID_RUNS / 400);
    cr_expect(fabs(f.law.alpha - truth->alpha) < 0.02, "alpha %g vs %g", f.law.alpha, truth->alpha);
    cr_expect(fabs(f.law.beta - truth->beta) < 0.02, "beta %g vs %g", f.law.beta, truth->beta);
    cr_expect(fabs(f.law.E - truth->E) < 0.03, "E %g vs %g", f.law.E, truth->E);
}

Test(scaling_fit, bounds_on_runs_and_resamples)
{
    static llmcost_run runs[LLMCOST_FIT_MAX_RUNS + 1];
    for (size_t i = 0; i < LLMCOST_FIT_MAX_RUNS + 1; i++)
        runs[i] = (llmcost_run){1e8 * (1 + i % 7), 1e9 * (1 + i % 5), 3.0};
    llmcost_fit f;
    cr_expect_eq(llmcost_scaling_fit(&f, runs, LLMCOST_FIT_MAX_RUNS + 1, NULL), LLMCOST_EINVAL);
    cr_expect(strstr(llmcost_errmsg(), "at most 5000"), "%s", llmcost_errmsg());
    llmcost_fit_options o = LLMCOST_FIT_OPTIONS_INIT;
    o.bootstrap = LLMCOST_FIT_MAX_BOOTSTRAP + 1;
    cr_expect_eq(llmcost_scaling_fit(&f, runs, 48, &o), LLMCOST_EINVAL);
    cr_expect(strstr(llmcost_errmsg(), "between 0 and 2000"), "%s", llmcost_errmsg());
    o.bootstrap = 1000; /* 1000 x 1000 runs > 200,000 */
    cr_expect_eq(llmcost_scaling_fit(&f, runs, 1000, &o), LLMCOST_EINVAL);
    cr_expect(strstr(llmcost_errmsg(), "at most 200 resamples"), "%s", llmcost_errmsg());
}

Test(scaling_fit, a_law_the_runs_do_not_identify_is_refused)
{
    /* The loss does not depend on N: the N term's exponent runs to a bound of the search. */
    static llmcost_run runs[48];
    size_t n = 0;
    for (int i = 0; i < 8; i++)
        for (int j = 0; j < 6; j++) {
            double np = 1e7 * pow(10.0, i * 3.0 / 7.0), d = np * 5 * pow(2.0, j);
            runs[n++] = (llmcost_run){np, d, 2.0 + 410.7 / pow(d, 0.28)};
        }
    llmcost_fit f;
    llmcost_fit_options o = LLMCOST_FIT_OPTIONS_INIT;
    o.bootstrap = 0;
    cr_expect_eq(llmcost_scaling_fit(&f, runs, n, &o), LLMCOST_EINVAL);
    cr_expect(strstr(llmcost_errmsg(), "bound") && strstr(llmcost_errmsg(), "do not identify"), "%s",
              llmcost_errmsg());
    /* Losses that are noise: the best law leaves them as scattered as they were. */
    rng = 11;
    for (size_t i = 0; i < n; i++)
        runs[i] = (llmcost_run){pow(10.0, 7 + 3 * uniform()), pow(10.0, 9 + 3 * uniform()), 2 + 2 * uniform()};
    cr_expect_eq(llmcost_scaling_fit(&f, runs, n, &o), LLMCOST_EINVAL);
    cr_expect(strstr(llmcost_errmsg(), "do not identify"), "%s", llmcost_errmsg());
}
