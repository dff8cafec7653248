/* test_output.c - results as JSON from the library (llmcost_X_to_json): the text equals what `--format json`
 * prints, every document carries schema_version, and the numbers in it are the engines' (checked against
 * hand derivations: 6ND, fp32 weights = 4 bytes x parameters). */
#include <criterion/criterion.h>
#include <jansson.h>
#include <math.h>
#include <string.h>

#include "helpers.h"
#include "llmcost/llmcost.h"

static char *cli_out(const char *const *argv)
{
    run_result r = run_cli(argv);
    cr_assert_eq(r.status, 0, "exit %d: %s", r.status, r.err);
    char *out = r.out;
    r.out = NULL;
    run_free(&r);
    return out;
}

static json_t *parse(const char *text)
{
    json_error_t e;
    json_t *d = json_loads(text, 0, &e);
    cr_assert_not_null(d, "%s: %s", e.text, text);
    return d;
}

/* LLaMA-7B: 6,738,415,616 parameters (transformers' num_parameters(), Touvron et al. 2023's "6.7B"). */
static const double llama7b_params = 6738415616.0;

Test(output, params_json_is_the_cli_document)
{
    llmcost_model *m;
    cr_assert_eq(llmcost_model_load(&m, "llama-7b"), 0);
    llmcost_params p;
    cr_assert_eq(llmcost_params_count(&p, m), 0);
    char *text;
    cr_assert_eq(llmcost_params_to_json(&text, &p, m), 0);
    const char *argv[] = {"params", "llama-7b", "--format", "json", NULL};
    char *cli = cli_out(argv);
    cr_expect_str_eq(text, cli);
    json_t *d = parse(text);
    cr_expect_eq(json_integer_value(json_object_get(d, "schema_version")), LLMCOST_SCHEMA_VERSION);
    cr_expect_str_eq(json_string_value(json_object_get(d, "model")), "llama-7b");
    cr_expect_eq(json_number_value(json_object_get(d, "total")), llama7b_params);
    json_decref(d);
    free(cli);
    llmcost_free(text);
    llmcost_model_free(m);
}

Test(output, flops_json_is_the_cli_document)
{
    llmcost_model *m;
    cr_assert_eq(llmcost_model_load(&m, "llama-7b"), 0);
    llmcost_flops_options o = LLMCOST_FLOPS_OPTIONS_INIT;
    o.seq = 2048;
    llmcost_flops f;
    cr_assert_eq(llmcost_flops_compute(&f, m, &o), 0);
    char *text;
    cr_assert_eq(llmcost_flops_to_json(&text, &f, m, &o, 1e12), 0);
    const char *argv[] = {"flops", "llama-7b", "--seq", "2048", "--tokens", "1T", "--format", "json", NULL};
    char *cli = cli_out(argv);
    cr_expect_str_eq(text, cli);
    json_t *d = parse(text);
    /* 6ND for one sequence of 2,048 tokens: 6 x 6,738,415,616 x 2,048. */
    json_t *c = json_object_get(d, "conventions");
    cr_expect_eq(json_number_value(json_object_get(c, "6ND_total")), 6 * llama7b_params * 2048);
    cr_expect_eq(json_number_value(json_object_get(json_object_get(d, "training"), "tokens")), 1e12);
    json_decref(d);
    free(cli);
    llmcost_free(text);
    llmcost_model_free(m);
}

Test(output, memory_json_is_the_cli_document)
{
    llmcost_model *m;
    cr_assert_eq(llmcost_model_load(&m, "llama-7b"), 0);
    llmcost_memory_options o = LLMCOST_MEMORY_OPTIONS_INIT;
    o.seq = 2048;
    o.precision = LLMCOST_PREC_FP32;
    llmcost_memory r;
    cr_assert_eq(llmcost_memory_compute(&r, m, &o), 0);
    const llmcost_gpu *g = llmcost_gpu_find("h100");
    cr_assert_not_null(g);
    int64_t maxb;
    cr_assert_eq(llmcost_memory_max_micro_batch(&maxb, m, &o, g->memory_bytes, 0.05), 0);
    char *text;
    cr_assert_eq(llmcost_memory_to_json(&text, &r, m, &o, g, 0.05, maxb), 0);
    /* The CLI's document is that one with the fit advice: it fits no layout of one H100, so the change that fits. */
    llmcost_job j;
    llmcost_job_from_memory_options(&j, &o);
    j.global_batch = 4194304 / 2048, j.grad_accum = 0; /* the CLI's assumed 4M-token batch (no published one) */
    char *whole;
    cr_assert_eq(llmcost_memory_fit_to_json(&whole, text, m, g, &j), 0, "%s", llmcost_errmsg());
    const char *argv[] = {"memory", "llama-7b", "--seq", "2048", "--precision", "fp32", "--gpu", "h100", "--format",
                          "json", NULL};
    char *cli = cli_out(argv);
    cr_expect_str_eq(whole, cli);
    llmcost_free(whole);
    json_t *d = parse(text);
    /* fp32 weights: 4 bytes per parameter; AdamW keeps two fp32 moments (8 bytes per parameter). */
    cr_expect_eq(json_number_value(json_object_get(d, "weights_bytes")), 4 * llama7b_params);
    cr_expect_eq(json_number_value(json_object_get(d, "optimizer_bytes")), 8 * llama7b_params);
    /* 16 bytes per parameter before any activation: 107.8 GB, more than an H100's 80 GB. */
    cr_expect(json_is_false(json_object_get(d, "fits")));
    cr_expect_eq(json_number_value(json_object_get(d, "capacity_bytes")), g->memory_bytes);
    json_decref(d);
    free(cli);
    llmcost_free(text);
    llmcost_model_free(m);
}

/* Every command's JSON document starts with schema_version. */
Test(output, every_command_carries_schema_version)
{
    const char *const cmds[][8] = {
        {"report", "llama-3.2-1b", NULL},
        {"params", NULL},
        {"flops", "--sweep-seq", "1k,2k", NULL},
        {"memory", "--course-layer", NULL},
        {"step", "llama-3.2-1b", NULL},
        {"train", "llama-3.2-1b", "--tokens", "1B", NULL},
        {"train", "--published", NULL},
        {"gpus", NULL},
        {"models", NULL},
        {"scaling", "laws", NULL},
        {"budget", "--dollars", "1000", NULL},
        {"validate", "--suite", "parameter", NULL},
    };
    for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++) {
        const char *argv[12];
        int n = 0;
        for (; cmds[i][n]; n++)
            argv[n] = cmds[i][n];
        argv[n++] = "--format";
        argv[n++] = "json";
        argv[n] = NULL;
        run_result r = run_cli(argv);
        cr_expect_eq(r.status, 0, "%s: exit %d: %s", argv[0], r.status, r.err);
        json_error_t e;
        json_t *d = json_loads(r.out, 0, &e);
        cr_expect_not_null(d, "%s: %s", argv[0], e.text);
        const char *first = d ? json_object_iter_key(json_object_iter(d)) : "";
        cr_expect_str_eq(first, "schema_version", "%s: first key %s", argv[0], first);
        cr_expect_eq(json_integer_value(json_object_get(d, "schema_version")), LLMCOST_SCHEMA_VERSION, "%s", argv[0]);
        json_decref(d);
        run_free(&r);
    }
}

Test(output, null_arguments_are_refused)
{
    char *text = (char *)"x";
    cr_expect_eq(llmcost_params_to_json(&text, NULL, NULL), LLMCOST_EINVAL);
    cr_expect_null(text);
    cr_expect_eq(llmcost_validation_to_json(NULL, NULL, 0, NULL, false), LLMCOST_EINVAL);
}
