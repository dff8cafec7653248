/* test_scaling.c - scaling laws: the bundled constants against their papers, the course's answer, the closed-form
 * optimum against a brute-force isoFLOP scan, and the inverse questions against the forward ones. */
#include <criterion/criterion.h>
#include <jansson.h>
#include <math.h>
#include <string.h>

#include "helpers.h"
#include "llmcost/llmcost.h"

static const llmcost_law *law(const char *name)
{
    const llmcost_law *l = llmcost_scaling_law_find(name);
    cr_assert_not_null(l, "law %s missing from data/scaling_laws.json", name);
    return l;
}

/* Relative agreement to "digits" significant digits: |x - ref| <= 0.5 ulp of the last digit kept. */
static bool sig_equal(double x, double ref, int digits)
{
    double scale = pow(10.0, floor(log10(fabs(ref))) - digits + 1);
    return fabs(x - ref) <= 0.5 * scale;
}

Test(scaling_laws, constants_match_their_papers)
{
    /* Hoffmann et al. 2022, App. D.2 (printed) */
    const llmcost_law *c = law("chinchilla");
    cr_expect_eq(c->form, LLMCOST_LAW_CHINCHILLA);
    cr_expect(c->E == 1.69 && c->A == 406.4 && c->B == 410.7 && c->alpha == 0.34 && c->beta == 0.28);
    /* Unrounded, from the paper's TeX source in log form: A = e^6.0073404, B = e^6.0179186, E = e^0.5267228. */
    const llmcost_law *u = law("chinchilla-unrounded");
    cr_expect(fabs(u->A - exp(6.0073404)) < 1e-5 * u->A, "A %g", u->A);
    cr_expect(fabs(u->B - exp(6.0179186)) < 1e-5 * u->B, "B %g", u->B);
    cr_expect(fabs(u->E - exp(0.5267228)) < 1e-6, "E %g", u->E);
    /* published.md: E=1.6934, alpha=0.3392, beta=0.2849 to 4 decimals. */
    cr_expect(fabs(u->E - 1.6934) < 5e-5 && fabs(u->alpha - 0.3392) < 5e-5 && fabs(u->beta - 0.2849) < 5e-5);
    /* Besiroglu et al. 2024 */
    const llmcost_law *e = law("epoch");
    cr_expect(e->E == 1.8172 && e->A == 482.01 && e->B == 2085.43 && e->alpha == 0.3478 && e->beta == 0.3658);
    /* Kaplan et al. 2020, Table 2, L(N, D) fit */
    const llmcost_law *k = law("kaplan");
    cr_expect_eq(k->form, LLMCOST_LAW_KAPLAN);
    cr_expect(k->alpha_n == 0.076 && k->alpha_d == 0.103 && k->n_c == 6.4e13 && k->d_c == 1.8e13);
    /* assignment.md: 406.4 / N^0.34 + 410.7 / D^0.29 + 1.69 */
    const llmcost_law *o = law("course");
    cr_expect(o->E == 1.69 && o->A == 406.4 && o->B == 410.7 && o->alpha == 0.34 && o->beta == 0.29);
    for (int i = 0; i < llmcost_scaling_law_count(); i++)
        cr_expect(strlen(llmcost_scaling_law_at(i)->source) > 20, "%s has no source", llmcost_scaling_law_at(i)->name);
    cr_expect_eq(llmcost_scaling_law_count(), 5, "every law in the data file loads");
    cr_expect_null(llmcost_scaling_law_find("no-such-law"));
    cr_expect_not_null(llmcost_scaling_law_find("Chinchilla"), "names are case-insensitive");
}

Test(scaling_course, five_million_dollars_gives_the_course_answer)
{
    /* assignment.md: A100 at $4/h, 312 TFLOP/s, 40% MFU -> 1.1232e17 FLOP/$; C = 5.616e23; N = 4.7476e10,
     * D = 1.9715e12 (closed form with alpha 0.34, beta 0.29). */
    llmcost_allocation a;
    cr_assert_eq(llmcost_scaling_optimal(&a, law("course"), 5e6 / 4.0 * 3600 * 312e12 * 0.4), 0);
    cr_expect(sig_equal(a.flops, 5.616e23, 4), "C %g", a.flops);
    cr_expect(sig_equal(a.n_params, 4.7476e10, 5), "N %.6g", a.n_params);
    cr_expect(sig_equal(a.n_tokens, 1.9715e12, 5), "D %.6g", a.n_tokens);
    cr_expect(fabs(6 * a.n_params * a.n_tokens / a.flops - 1) < 1e-12, "C = 6ND");
}

Test(scaling_course, training_budget_prints_the_scripts_lines)
{
    const char *argv[] = {"--training_budget", "5000000", NULL};
    run_result r = run_cli(argv);
    cr_assert_eq(r.status, 0, "%s", r.err);
    /* Python's repr of the same floating-point computation (checked against CPython 3). */
    cr_expect_str_eq(r.out, "best_gpu: A100\n"
                            "training_budget_flops: 5.616e+23\n"
                            "Optimal N: 47476210890.12571\n"
                            "Optimal D: 1971513695914.332\n");
    run_free(&r);
}

Test(scaling_course, budget_command_agrees_with_the_course)
{
    const char *argv[] = {"budget", "--dollars", "5e6", "--price-list", "course", "--law", "course", "--format", "json",
                          NULL};
    run_result r = run_cli(argv);
    cr_assert_eq(r.status, 0, "%s", r.err);
    json_error_t e;
    json_t *d = json_loads(r.out, 0, &e);
    cr_assert_not_null(d, "%s", e.text);
    cr_expect_str_eq(json_string_value(json_object_get(d, "gpu")), "a100-80gb");
    cr_expect(sig_equal(json_number_value(json_object_get(d, "effective_flops")), 5.616e23, 4));
    cr_expect(sig_equal(json_number_value(json_object_get(d, "n_params")), 4.7476e10, 5));
    cr_expect(sig_equal(json_number_value(json_object_get(d, "n_tokens")), 1.9715e12, 5));
    double tpp = json_number_value(json_object_get(d, "tokens_per_param"));
    cr_expect(fabs(tpp - 1.9715e12 / 4.7476e10) < 0.01, "D/N %g", tpp);
    cr_expect(json_is_number(json_object_get(d, "loss")));
    /* T4 beats V100 per dollar (assignment.md): 26 TFLOP/s for $1 vs 50 TFLOP/s for $2.5. */
    json_t *g = json_object_get(d, "gpus");
    double t4 = 0, v100 = 0;
    for (size_t i = 0; i < json_array_size(g); i++) {
        const char *n = json_string_value(json_object_get(json_array_get(g, i), "gpu"));
        double f = json_number_value(json_object_get(json_array_get(g, i), "flops_per_usd"));
        if (!strcmp(n, "t4"))
            t4 = f;
        if (!strcmp(n, "v100"))
            v100 = f;
    }
    cr_expect(t4 > v100 && sig_equal(t4, 0.4 * 65e12 * 3600, 4) && sig_equal(v100, 0.4 * 125e12 * 3600 / 2.5, 4));
    /* wall-clock: 1.25M GPU-hours on 1024 GPUs */
    cr_expect(fabs(json_number_value(json_object_get(d, "wall_seconds")) - 1.25e6 * 3600 / 1024) < 1);
    json_decref(d);
    run_free(&r);
}

/* Loss along the isoFLOP curve C = 6ND. */
static double iso_loss(const llmcost_law *l, double c, double n)
{
    return llmcost_scaling_loss(l, n, c / (6 * n));
}

Test(scaling_optimum, closed_form_is_the_isoflop_minimum_for_every_law)
{
    /* Brute force: scan N over two decades either side of the closed form, 4,001 log-spaced points. The scan's
     * best point must sit within one grid step of the closed form, and no point may beat the closed form. */
    const double budgets[] = {1e18, 1e21, 5.616e23, 1e26};
    for (int i = 0; i < llmcost_scaling_law_count(); i++) {
        const llmcost_law *l = llmcost_scaling_law_at(i);
        for (size_t b = 0; b < sizeof budgets / sizeof budgets[0]; b++) {
            llmcost_allocation a;
            cr_assert_eq(llmcost_scaling_optimal(&a, l, budgets[b]), 0);
            double at = iso_loss(l, budgets[b], a.n_params), best = INFINITY, best_n = 0;
            const int steps = 4000;
            double step = 4.0 / steps; /* decades */
            for (int k = 0; k <= steps; k++) {
                double n = a.n_params * pow(10.0, -2.0 + k * step);
                double v = iso_loss(l, budgets[b], n);
                if (v < best) {
                    best = v;
                    best_n = n;
                }
            }
            cr_expect(best >= at - 1e-12 * at, "%s C=%g: scan found %.15g < %.15g", l->name, budgets[b], best, at);
            cr_expect(fabs(log10(best_n / a.n_params)) <= step, "%s C=%g: scan minimum at %g, closed form %g", l->name,
                      budgets[b], best_n, a.n_params);
        }
    }
}

Test(scaling_inverse, inverse_questions_undo_the_forward_one)
{
    for (int i = 0; i < llmcost_scaling_law_count(); i++) {
        const llmcost_law *l = llmcost_scaling_law_at(i);
        llmcost_allocation a, b;
        cr_assert_eq(llmcost_scaling_optimal(&a, l, 3e23), 0);
        /* N is optimal for D_opt, and D for N_opt */
        cr_assert_eq(llmcost_scaling_tokens_for_params(&b, l, a.n_params), 0);
        cr_expect(fabs(b.n_tokens / a.n_tokens - 1) < 1e-9, "%s: D %g vs %g", l->name, b.n_tokens, a.n_tokens);
        cr_assert_eq(llmcost_scaling_params_for_tokens(&b, l, a.n_tokens), 0);
        cr_expect(fabs(b.n_params / a.n_params - 1) < 1e-9, "%s: N %g vs %g", l->name, b.n_params, a.n_params);
        /* the smallest budget reaching the optimum's loss is that budget */
        cr_assert_eq(llmcost_scaling_target(&b, l, a.loss), 0, "%s: %s", l->name, llmcost_errmsg());
        cr_expect(fabs(b.flops / 3e23 - 1) < 1e-8, "%s: C %g", l->name, b.flops);
        /* a lower loss costs more; evaluation reproduces the law */
        llmcost_allocation c2;
        cr_assert_eq(llmcost_scaling_target(&c2, l, a.loss * 0.99), 0);
        cr_expect_gt(c2.flops, b.flops);
        cr_assert_eq(llmcost_scaling_evaluate(&b, l, 7e10, 1.4e12), 0);
        cr_expect_eq(b.loss, llmcost_scaling_loss(l, 7e10, 1.4e12));
        cr_expect(fabs(b.flops - 6 * 7e10 * 1.4e12) < 1e9);
    }
}

Test(scaling_inverse, target_below_irreducible_loss_fails)
{
    llmcost_allocation a;
    cr_expect_eq(llmcost_scaling_target(&a, law("chinchilla"), 1.69), LLMCOST_EINVAL);
    cr_expect(strstr(llmcost_errmsg(), "irreducible"), "%s", llmcost_errmsg());
    cr_expect_eq(llmcost_scaling_optimal(&a, law("chinchilla"), -1), LLMCOST_EINVAL);
    cr_expect_eq(llmcost_scaling_optimal(&a, law("chinchilla"), NAN), LLMCOST_EINVAL);
}

Test(scaling_laws, epoch_fit_trains_about_twenty_tokens_per_parameter)
{
    /* Besiroglu et al. 2024: their fit implies ~20 tokens per parameter at the optimum (published.md). */
    for (double c = 1e20; c <= 1e24; c *= 100) {
        llmcost_allocation a;
        cr_assert_eq(llmcost_scaling_optimal(&a, law("epoch"), c), 0);
        cr_expect(a.tokens_per_param > 15 && a.tokens_per_param < 25, "C %g: %g", c, a.tokens_per_param);
    }
}

Test(scaling_laws, user_law_file_and_its_errors)
{
    const char *good = "{\"name\": \"mine\", \"E\": 1.5, \"A\": 400, \"B\": 400, \"alpha\": 0.3, \"beta\": 0.3}";
    llmcost_law l;
    cr_assert_eq(llmcost_scaling_law_load_file(&l, temp_file("law.json", good, strlen(good))), 0, "%s",
                 llmcost_errmsg());
    cr_expect_str_eq(l.name, "mine");
    cr_expect(strstr(l.source, "user file"));
    /* symmetric exponents and A = B: N = D at the optimum, so C = 6N^2 */
    llmcost_allocation a;
    llmcost_scaling_optimal(&a, &l, 6e20);
    cr_expect(fabs(a.n_params / 1e10 - 1) < 1e-9 && fabs(a.n_tokens / 1e10 - 1) < 1e-9);

    const char *missing = "{\"name\": \"x\", \"E\": 1.5, \"A\": 400, \"alpha\": 0.3, \"beta\": 0.3}";
    cr_expect_eq(llmcost_scaling_law_load_file(&l, temp_file("law2.json", missing, strlen(missing))), LLMCOST_EINVAL);
    cr_expect(strstr(llmcost_errmsg(), "missing key 'B'"), "%s", llmcost_errmsg());
    const char *negative = "{\"name\": \"x\", \"E\": 1.5, \"A\": 400, \"B\": 1, \"alpha\": -0.3, \"beta\": 0.3}";
    cr_expect_eq(llmcost_scaling_law_load_file(&l, temp_file("law3.json", negative, strlen(negative))), LLMCOST_EINVAL);
    cr_expect(strstr(llmcost_errmsg(), "alpha"), "%s", llmcost_errmsg());
    const char *broken = "{\"name\": \"x\",\n \"E\": }";
    cr_expect_eq(llmcost_scaling_law_load_file(&l, temp_file("law4.json", broken, strlen(broken))), LLMCOST_EPARSE);
    cr_expect(strstr(llmcost_errmsg(), "law4.json:2:"), "%s", llmcost_errmsg());
}

Test(scaling_laws, law_from_text_is_the_callers_value)
{
    const char *good = "{\"laws\": [{\"name\": \"mine\", \"E\": 1.5, \"A\": 400, \"B\": 400, \"alpha\": 0.3, \"beta\": 0.3}]}";
    llmcost_law t, f;
    int before = llmcost_scaling_law_count();
    cr_assert_eq(llmcost_scaling_law_load_json(&t, good, strlen(good), "page.json"), 0, "%s", llmcost_errmsg());
    cr_assert_eq(llmcost_scaling_law_load_file(&f, temp_file("page.json", good, strlen(good))), 0, "%s", llmcost_errmsg());
    cr_expect_str_eq(t.name, "mine");
    cr_expect_str_eq(t.source, "user file page.json");
    cr_expect(t.E == f.E && t.A == f.A && t.B == f.B && t.alpha == f.alpha && t.beta == f.beta);
    /* Nothing process-wide changed: the bundled laws are as they were, and "mine" is not among them. */
    cr_expect_eq(llmcost_scaling_law_count(), before);
    cr_expect_null(llmcost_scaling_law_find("mine"));
    const char *broken = "{\"name\": \"x\",\n \"E\": }";
    cr_expect_eq(llmcost_scaling_law_load_json(&t, broken, strlen(broken), "page.json"), LLMCOST_EPARSE);
    cr_expect(strstr(llmcost_errmsg(), "page.json:2:"), "%s", llmcost_errmsg());
}

Test(scaling_report, report_shows_each_laws_optimal_tokens_at_the_models_size)
{
    const char *argv[] = {"report", "llama-7b", "--format", "json", NULL};
    run_result r = run_cli(argv);
    cr_assert_eq(r.status, 0, "%s", r.err);
    json_error_t e;
    json_t *d = json_loads(r.out, 0, &e);
    cr_assert_not_null(d, "%s", e.text);
    json_t *laws = json_object_get(json_object_get(d, "scaling"), "laws");
    cr_assert_eq(json_array_size(laws), (size_t)llmcost_scaling_law_count());
    for (size_t i = 0; i < json_array_size(laws); i++) {
        json_t *o = json_array_get(laws, i);
        const llmcost_law *l = law(json_string_value(json_object_get(o, "law")));
        /* Chinchilla laws count all 6,738,415,616 parameters; Kaplan's the non-embedding ones (minus 32000 x 4096). */
        double n = l->form == LLMCOST_LAW_KAPLAN ? 6738415616.0 - 32000.0 * 4096 : 6738415616.0;
        cr_expect_eq(json_number_value(json_object_get(o, "n_params")), n, "%s", l->name);
        llmcost_allocation a;
        llmcost_scaling_tokens_for_params(&a, l, n);
        cr_expect(fabs(json_number_value(json_object_get(o, "n_tokens")) / a.n_tokens - 1) < 1e-12, "%s", l->name);
    }
    json_decref(d);
    run_free(&r);
    const char *argv2[] = {"report", NULL};
    r = run_cli(argv2);
    cr_expect(strstr(r.out, "Scaling laws at this size"), "text report has the section");
    run_free(&r);
}

/* Hoffmann et al. 2022 (Chinchilla) Approach 3: E = 1.69, A = 406.4, B = 410.7, alpha = 0.34, beta = 0.28; a user
 * alpha replaces only alpha, and the law says so in its name and source. */
Test(scaling_laws, pick_replaces_only_the_given_constants)
{
    llmcost_law l;
    double alpha = 0.30;
    const double *const given[5] = {NULL, NULL, NULL, &alpha, NULL};
    cr_assert_eq(llmcost_scaling_law_pick(&l, NULL, given), 0, "%s", llmcost_errmsg());
    cr_assert_str_eq(l.name, "user");
    cr_assert(l.E == 1.69 && l.A == 406.4 && l.B == 410.7 && l.alpha == 0.30 && l.beta == 0.28);
    cr_assert(strstr(l.title, "chinchilla with user constants (alpha = 0.3)") != NULL, "%s", l.title);
    cr_assert(strstr(l.source, "constants alpha = 0.3 given on the command line") != NULL, "%s", l.source);
    cr_assert_eq(llmcost_scaling_law_pick(&l, "epoch", NULL), 0);
    cr_assert_str_eq(l.name, "epoch");
    cr_assert_eq(llmcost_scaling_law_pick(&l, "kaplan", given), LLMCOST_EINVAL);
    cr_assert(!strncmp(llmcost_errmsg(), "alpha: the law 'kaplan' has Kaplan's form", 41), "%s", llmcost_errmsg());
    cr_assert_eq(llmcost_scaling_law_pick(&l, "hoffmann", NULL), LLMCOST_EINVAL);
    cr_assert(!strncmp(llmcost_errmsg(), "law: 'hoffmann' is not a bundled law (chinchilla,", 49), "%s",
              llmcost_errmsg());
}
