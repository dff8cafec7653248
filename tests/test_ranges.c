/* test_ranges.c - the plausible ranges (ranges.h): the documented table is the code's, each bound is inclusive and
 * refused one step outside, GPU fields set through llmcost_gpu_set land in the struct's units, the extremes of every
 * range together still give finite figures (the ranges are narrow enough that nothing overflows), and no JSON
 * writer turns a non-finite number into null. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"
#include "llmcost/llmcost.h"

Test(ranges, documented_table_is_the_code)
{
    char *doc = slurp_file(src_path("docs/formulas.md"));
    const char *sec = strstr(doc, "\n## Plausible ranges\n");
    cr_assert_not_null(sec, "docs/formulas.md has no 'Plausible ranges' section");
    const char *end = strstr(sec + 4, "\n## ");
    size_t len = end ? (size_t)(end - sec) : strlen(sec);
    int rows = 0;
    for (const char *p = sec; (p = strstr(p, "\n| `")) && (size_t)(p - sec) < len; p++)
        rows++;
    cr_assert_eq(rows, llmcost_range_count(), "docs list %d ranges, the code %d", rows, llmcost_range_count());
    for (int i = 0; i < llmcost_range_count(); i++) {
        const llmcost_range *r = llmcost_range_at(i);
        char row[512];
        snprintf(row, sizeof row, "\n| `%s` | %g | %g | %s | %s |\n", r->field, r->min, r->max,
                 r->unit[0] ? r->unit : "-", r->what);
        const char *at = strstr(sec, row);
        cr_assert(at && (size_t)(at - sec) < len, "docs/formulas.md lacks the row%s", row);
        cr_assert_eq(llmcost_range_find(r->field), r, "field %s is listed twice", r->field);
    }
    free(doc);
}

Test(ranges, bounds_are_inclusive_and_refused_outside)
{
    for (int i = 0; i < llmcost_range_count(); i++) {
        const llmcost_range *r = llmcost_range_at(i);
        cr_assert(r->min < r->max && r->min >= 0, "%s: [%g, %g]", r->field, r->min, r->max);
        cr_expect_eq(llmcost_range_check(r->field, r->min), 0, "%s: min %g refused", r->field, r->min);
        cr_expect_eq(llmcost_range_check(r->field, r->max), 0, "%s: max %g refused", r->field, r->max);
        cr_expect_eq(llmcost_range_check(r->field, r->max * 1.0001), LLMCOST_EINVAL, "%s: above max", r->field);
        cr_expect_eq(llmcost_range_check(r->field, INFINITY), LLMCOST_EINVAL, "%s: inf accepted", r->field);
        cr_expect_eq(llmcost_range_check(r->field, NAN), LLMCOST_EINVAL, "%s: NaN accepted", r->field);
        cr_expect_eq(llmcost_range_check(r->field, -1.0), LLMCOST_EINVAL, "%s: -1 accepted", r->field);
        if (r->min > 0)
            cr_expect_eq(llmcost_range_check(r->field, 0), r->zero_means_default ? 0 : LLMCOST_EINVAL,
                         "%s: 0 handled wrongly", r->field);
    }
    cr_expect_eq(llmcost_range_check("pue", 1e308), LLMCOST_EINVAL);
    cr_expect_str_eq(llmcost_errmsg(), "pue = 1e+308 is outside the plausible range 1 to 3 (data-centre power usage "
                                       "effectiveness)");
    cr_expect_eq(llmcost_range_check("no_such_field", 1), LLMCOST_EINVAL);
    cr_expect_null(llmcost_range_find("no_such_field"));
}

Test(ranges, gpu_set_scales_to_the_struct_and_refuses_outside)
{
    llmcost_gpu g = *llmcost_gpu_find("h100");
    cr_assert_eq(llmcost_gpu_check(&g), 0, "%s", llmcost_errmsg());
    cr_assert_eq(llmcost_gpu_set(&g, "memory_gb", 80), 0);
    cr_expect_eq(g.memory_bytes, 80.0 * 1073741824.0);
    cr_assert_eq(llmcost_gpu_set(&g, "peak_tflops.bf16", 989.4), 0);
    cr_expect_eq(g.peak_flops[LLMCOST_DT_BF16], 989.4e12);
    cr_assert_eq(llmcost_gpu_set(&g, "scaleout.gbps", 50), 0);
    cr_expect_eq(g.scaleout_bw, 50e9);
    llmcost_gpu before = g;
    cr_expect_eq(llmcost_gpu_set(&g, "memory_gb", 1e300), LLMCOST_EINVAL);
    cr_expect(strstr(llmcost_errmsg(), "memory_gb = 1e+300 is outside the plausible range"), "%s", llmcost_errmsg());
    cr_expect_eq(llmcost_gpu_set(&g, "usd_per_hour", 1e308), LLMCOST_EINVAL);
    cr_expect_eq(llmcost_gpu_set(&g, "tdp_watts", NAN), LLMCOST_EINVAL);
    cr_expect_eq(llmcost_gpu_set(&g, "no_such_key", 1), LLMCOST_EINVAL);
    cr_expect_eq(memcmp(&g, &before, sizeof g), 0, "a refused value changed the GPU");
    /* A struct filled by hand is checked by every engine that takes it. */
    g.price_per_hour = 1e308;
    cr_expect_eq(llmcost_gpu_check(&g), LLMCOST_EINVAL);
    cr_expect(strstr(llmcost_errmsg(), "gpu h100: usd_per_hour = 1e+308"), "%s", llmcost_errmsg());
    llmcost_model *m;
    cr_assert_eq(llmcost_model_load(&m, "llama-3-8b"), 0);
    llmcost_step_options so = LLMCOST_STEP_OPTIONS_INIT;
    llmcost_step s;
    cr_expect_eq(llmcost_step_compute(&s, m, &g, &so), LLMCOST_EINVAL);
    llmcost_model_free(m);
}

/* The worst corner of the ranges at once: the most tokens, the slowest plausible GPU, the lowest MFU, the highest
 * price, PUE and grid intensity, the largest preset. Every figure must still be a finite number. */
Test(ranges, extremes_of_every_range_stay_finite)
{
    llmcost_model *m;
    cr_assert_eq(llmcost_model_load(&m, "llama-3.1-405b"), 0);
    llmcost_gpu g = *llmcost_gpu_find("h100");
    const llmcost_range *r;
    for (int t = 0; t < LLMCOST_DT_COUNT; t++)
        g.peak_flops[t] = (r = llmcost_range_find("peak_tflops"))->min * 1e12;
    g.memory_bw = llmcost_range_find("memory_bw_gbps")->min * 1e9;
    g.scaleup_bw = llmcost_range_find("scaleup.gbps")->min * 1e9;
    g.scaleout_bw = llmcost_range_find("scaleout.gbps")->min * 1e9;
    g.tdp_watts = llmcost_range_find("tdp_watts")->max;
    g.price_per_hour = llmcost_range_find("usd_per_hour")->max;
    cr_assert_eq(llmcost_gpu_check(&g), 0, "%s", llmcost_errmsg());
    llmcost_train_options o = LLMCOST_TRAIN_OPTIONS_INIT;
    o.tokens = llmcost_range_find("tokens")->max;
    o.mfu = llmcost_range_find("mfu")->min;
    o.pue = llmcost_range_find("pue")->max;
    o.grid_kg_per_kwh = llmcost_range_find("grid_kg_per_kwh")->max;
    o.goodput = llmcost_range_find("goodput")->min;
    o.step.seq = 8192;
    o.step.layout.gpus = 16;
    o.step.layout.tp = 8;
    o.step.layout.pp = 2;
    llmcost_train t;
    int rc = llmcost_train_compute(&t, m, &g, &o);
    cr_assert_eq(rc, 0, "%s", llmcost_errmsg());
    const double v[] = {t.steps, t.wall_seconds, t.gpu_hours, t.cost_usd, t.energy_kwh, t.co2_kg, t.total_flops};
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++)
        cr_expect(isfinite(v[i]) && v[i] > 0 && v[i] < 1e60, "figure %zu = %g", i, v[i]);
    char *json;
    cr_assert_eq(llmcost_train_to_json(&json, &t, m, &g, &o, NULL), 0, "%s", llmcost_errmsg());
    cr_expect_null(strstr(json, "null"), "%s", json);
    llmcost_free(json);
    llmcost_model_free(m);
}

Test(ranges, json_writer_refuses_non_finite_numbers)
{
    llmcost_model *m;
    cr_assert_eq(llmcost_model_load(&m, "llama-3-8b"), 0);
    const llmcost_gpu *g = llmcost_gpu_find("h100");
    llmcost_train_options o = LLMCOST_TRAIN_OPTIONS_INIT;
    o.tokens = 1e12;
    o.step.layout.gpus = 8;
    llmcost_train t;
    cr_assert_eq(llmcost_train_compute(&t, m, g, &o), 0, "%s", llmcost_errmsg());
    char *json;
    t.cost_usd = INFINITY; /* what an unchecked overflow would have printed as null */
    cr_expect_eq(llmcost_train_to_json(&json, &t, m, g, &o, NULL), LLMCOST_EOVERFLOW);
    cr_expect_null(json);
    cr_expect(strstr(llmcost_errmsg(), "cost_usd"), "%s", llmcost_errmsg());
    /* Energy unknown (no board power) is left out, not null. */
    llmcost_gpu tpu = *llmcost_gpu_find("tpu-v5p");
    cr_assert_eq(llmcost_train_compute(&t, m, &tpu, &o), 0, "%s", llmcost_errmsg());
    cr_assert(isnan(t.energy_kwh));
    cr_assert_eq(llmcost_train_to_json(&json, &t, m, &tpu, &o, NULL), 0, "%s", llmcost_errmsg());
    cr_expect_null(strstr(json, "null"));
    cr_expect_null(strstr(json, "energy_kwh"));
    llmcost_free(json);
    llmcost_model_free(m);
}

/* The CLI names the flag and exits 2 with one line; JSON output too (it was "cost_usd": null). */
Test(ranges, cli_names_the_flag_for_each_case_of_issue_13)
{
    static const char *const cases[][16] = {
        {"train", "llama-3-8b", "--tokens", "1T", "--gpu", "h100", "--gpus", "8", "--price", "1e308", NULL},
        {"train", "llama-3-8b", "--tokens", "1T", "--gpu", "h100", "--gpus", "8", "--price", "1e308", "--format",
         "json", NULL},
        {"train", "llama-3-8b", "--tokens", "1e300", "--gpu", "h100", "--gpus", "8", NULL},
        {"train", "llama-3-8b", "--tokens", "1T", "--gpu", "h100", "--gpus", "8", "--mfu", "1e-300", NULL},
        {"train", "llama-3-8b", "--tokens", "1T", "--gpu", "h100", "--gpus", "8", "--pue", "1e308", NULL},
        {"memory", "llama-3-8b", "--memory-gb", "1e300", NULL},
        {"--training_budget", "5e-324", NULL},
    };
    static const char *const flag[] = {"--price 1e+308", "--price 1e+308", "--tokens 1e+300", "--mfu 1e-300",
                                       "--pue 1e+308", "--memory-gb 1e+300", "--training_budget 4.94066e-324"};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        run_result r = run_cli(cases[i]);
        cr_expect_eq(r.status, 2, "case %zu: exit %d: %s", i, r.status, r.err);
        cr_expect_str_eq(r.out, "", "case %zu printed: %s", i, r.out);
        cr_expect_eq(count_lines(r.err), 1, "case %zu: %s", i, r.err);
        cr_expect(strstr(r.err, flag[i]) && strstr(r.err, "outside the plausible range"), "case %zu: %s", i, r.err);
        run_free(&r);
    }
}
