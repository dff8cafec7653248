/* test_design.c - configs written for a parameter budget: they load, count within 2% of N by the params engine,
 * and keep the shapes practitioners use, with depth/width inside the range of the bundled published models. */
#include <criterion/criterion.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "helpers.h"
#include "llmcost/llmcost.h"

/* hidden/layers over every bundled preset (published configs: GPT-2 ... Llama 3.1 405B). */
static void published_aspect_range(double *lo, double *hi)
{
    *lo = INFINITY;
    *hi = 0;
    for (int i = 0; i < llmcost_preset_count(); i++) {
        llmcost_model *m;
        cr_assert_eq(llmcost_model_load(&m, llmcost_preset_name(i)), 0, "%s", llmcost_errmsg());
        double a = (double)m->hidden / (double)m->n_layers;
        *lo = fmin(*lo, a);
        *hi = fmax(*hi, a);
        llmcost_model_free(m);
    }
}

Test(design, written_configs_load_and_count_within_two_percent)
{
    double lo, hi;
    published_aspect_range(&lo, &hi);
    cr_assert(lo < 70 && hi > 120, "presets' range %g..%g", lo, hi);
    const double targets[] = {1e8, 3e8, 1e9, 3e9, 1e10, 4.7476e10, 1e11, 3e11, 1e12};
    for (size_t i = 0; i < sizeof targets / sizeof targets[0]; i++) {
        llmcost_design d;
        cr_assert_eq(llmcost_design_llama(&d, targets[i], NULL), 0, "N=%g: %s", targets[i], llmcost_errmsg());
        char *text;
        cr_assert_eq(llmcost_design_config(&text, &d), 0);
        const char *path = temp_file("my_model_config.json", text, strlen(text));
        llmcost_free(text);
        /* loaded back as any user's config is */
        llmcost_model *m;
        cr_assert_eq(llmcost_model_load(&m, path), 0, "N=%g: %s", targets[i], llmcost_errmsg());
        llmcost_params p;
        cr_assert_eq(llmcost_params_count(&p, m), 0);
        cr_expect_eq(p.total, d.n_params, "the design reports the engine's count");
        cr_expect(fabs((double)p.total / targets[i] - 1) <= 0.02, "N=%g: count %lld", targets[i], (long long)p.total);
        cr_expect_str_eq(m->model_type, "llama");
        cr_expect_eq(m->hidden % 128, 0);
        cr_expect_eq(m->layers[0].attn.head_dim, 128, "N=%g", targets[i]);
        int64_t f = m->layers[0].ffn.dense.d_ff;
        cr_expect(f % 256 == 0 && fabs((double)f - 8.0 * (double)m->hidden / 3.0) < 256, "N=%g: d_ff %lld", targets[i],
                  (long long)f);
        cr_expect(m->layers[0].ffn.dense.gated && !m->tied);
        double aspect = (double)m->hidden / (double)m->n_layers;
        cr_expect(aspect >= lo && aspect <= hi, "N=%g: hidden/layers %g outside the published %g..%g", targets[i],
                  aspect, lo, hi);
        llmcost_model_free(m);
    }
}

Test(design, llama_7b_size_gives_llama_7b_shape)
{
    /* LLaMA-7B (Touvron et al. 2023) follows the same rules: hidden 4096 = 32 heads of 128, 32 layers (hidden/layers
     * 128), intermediate int(8*4096/3) = 10922 rounded up to 11008. Asked for its exact count, the design is it. */
    llmcost_design d;
    cr_assert_eq(llmcost_design_llama(&d, 6738415616.0, NULL), 0);
    cr_expect_eq(d.hidden, 4096);
    cr_expect_eq(d.layers, 32);
    cr_expect_eq(d.heads, 32);
    cr_expect_eq(d.intermediate, 11008);
    cr_expect_eq(d.n_params, 6738415616LL);
}

Test(design, too_small_a_budget_fails_clearly)
{
    llmcost_design d;
    cr_expect_eq(llmcost_design_llama(&d, 1e6, NULL), LLMCOST_EINVAL);
    cr_expect(strstr(llmcost_errmsg(), "too small"), "%s", llmcost_errmsg());
}

Test(design, budget_write_config_writes_and_prints_the_count)
{
    char path[256];
    snprintf(path, sizeof path, "/tmp/llmcost-test-%d-budget_config.json", (int)getpid());
    const char *argv[] = {"budget", "--dollars", "5e6", "--price-list", "course", "--law", "course", "--write-config",
                          path, "--format", "json", NULL};
    run_result r = run_cli(argv);
    cr_assert_eq(r.status, 0, "%s", r.err);
    json_error_t e;
    json_t *doc = json_loads(r.out, 0, &e);
    cr_assert_not_null(doc, "%s", e.text);
    json_t *c = json_object_get(doc, "config");
    long long count = json_integer_value(json_object_get(c, "n_params"));
    double n = json_number_value(json_object_get(doc, "n_params"));
    cr_expect(fabs(count / n - 1) <= 0.02, "%lld vs %g", count, n);
    llmcost_model *m;
    cr_assert_eq(llmcost_model_load(&m, path), 0, "%s", llmcost_errmsg());
    llmcost_params p;
    llmcost_params_count(&p, m);
    cr_expect_eq(p.total, count);
    llmcost_model_free(m);
    json_decref(doc);
    run_free(&r);
    /* text output names the file and the exact count */
    const char *argv2[] = {"budget", "--flops", "1e22", "--gpus", "h100", "--write-config", path, NULL};
    r = run_cli(argv2);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_expect(strstr(r.out, "written config") && strstr(r.out, "parameters exactly"), "%s", r.out);
    run_free(&r);
    remove(path);
}
