/* test_list_json.c - the library writes the catalogue, preset, scaling-law and fit documents (list_json.c) byte for
 * byte as `llmcost gpus`, `models`, `scaling laws`, `scaling fit` and `report` print them with --format json, and
 * their numbers are the catalogue's and the laws' own (H100: 989.4 TFLOP/s bf16 dense, 80 GiB; LLaMA-7B: 6,738,415,616
 * parameters; Chinchilla's printed constants). */
#include <criterion/criterion.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"
#include "llmcost/llmcost.h"

/* Runs the CLI and checks it prints exactly "lib" (the library's document, freed here). */
static void expect_cli_prints(const char *const *argv, char *lib)
{
    cr_assert_not_null(lib);
    run_result r = run_cli(argv);
    cr_assert_eq(r.status, 0, "%s: %s", argv[0], r.err);
    cr_expect_str_eq(lib, r.out, "llmcost %s %s: the library's JSON differs from the CLI's", argv[0], argv[1]);
    run_free(&r);
    llmcost_free(lib);
}

static json_t *parse(const char *text)
{
    json_error_t e;
    json_t *j = json_loads(text, 0, &e);
    cr_assert_not_null(j, "%s", e.text);
    return j;
}

Test(list_json, gpu_is_what_gpus_gpu_prints)
{
    const llmcost_gpu *g = llmcost_gpu_find("h100");
    cr_assert_not_null(g);
    char *text;
    cr_assert_eq(llmcost_gpu_to_json(&text, g), 0, "%s", llmcost_errmsg());
    json_t *d = parse(text);
    json_t *o = json_object_get(d, "gpu");
    cr_expect_eq(json_integer_value(json_object_get(d, "schema_version")), LLMCOST_SCHEMA_VERSION);
    cr_expect_str_eq(json_string_value(json_object_get(o, "name")), "h100");
    /* NVIDIA H100 SXM5 datasheet: 989.4 TFLOP/s dense bf16, 80 GiB of HBM3 (data/gpus.json: memory_gb 80, in GiB). */
    cr_expect_eq(json_number_value(json_object_get(json_object_get(o, "peak_flops_per_second"), "bf16")), 989.4e12);
    cr_expect_eq(json_number_value(json_object_get(o, "memory_bytes")), 80.0 * 1024 * 1024 * 1024);
    json_decref(d);
    expect_cli_prints((const char *const[]){"gpus", "--gpu", "h100", "--format", "json", NULL}, text);

    /* A copy the caller changed: the CLI's overrides do the same. */
    llmcost_gpu mine = *g;
    mine.price_per_hour = 2.0;
    snprintf(mine.price_source, sizeof mine.price_source, "--price");
    cr_assert_eq(llmcost_gpu_to_json(&text, &mine), 0);
    expect_cli_prints((const char *const[]){"gpus", "--gpu", "h100", "--price", "2", "--format", "json", NULL}, text);
    cr_expect_eq(llmcost_gpu_to_json(&text, NULL), LLMCOST_EINVAL);
    cr_expect_null(text);
}

Test(list_json, catalogue_is_what_gpus_prints)
{
    char *text;
    cr_assert_eq(llmcost_catalog_to_json(&text, NULL, false), 0, "%s", llmcost_errmsg());
    json_t *d = parse(text);
    cr_expect_eq(json_array_size(json_object_get(d, "gpus")), (size_t)llmcost_gpu_count());
    cr_expect_eq(json_array_size(json_object_get(d, "price_lists")), (size_t)llmcost_price_list_count());
    json_decref(d);
    expect_cli_prints((const char *const[]){"gpus", "--format", "json", NULL}, text);

    cr_assert_eq(llmcost_catalog_to_json(&text, NULL, true), 0);
    d = parse(text);
    cr_expect_null(json_object_get(d, "gpus"));
    /* The course's price list: A100 $4/h at 312 TFLOP/s first (UCSD CSE 234, data/gpus.json). */
    json_t *e0 = json_array_get(json_object_get(json_array_get(json_object_get(d, "price_lists"), 0), "entries"), 0);
    cr_expect_eq(json_number_value(json_object_get(e0, "usd_per_hour")), 4.0);
    cr_expect_eq(json_number_value(json_object_get(e0, "peak_flops_per_second")), 312e12);
    json_decref(d);
    expect_cli_prints((const char *const[]){"gpus", "--price-lists", "--format", "json", NULL}, text);
}

Test(list_json, a_callers_catalogue_is_what_gpus_gpu_file_prints)
{
    static const char doc[] = "{\"gpus\": [{\"name\": \"zz1\", \"full_name\": \"Mine\", \"vendor\": \"Me\", "
                              "\"peak_tflops\": {\"bf16\": 100}, \"memory_gb\": 40, \"memory_bw_gbps\": 1000, "
                              "\"source\": \"me\"}]}";
    const char *path = temp_file("mine-gpus.json", doc, sizeof doc - 1);
    llmcost_catalog *cat;
    cr_assert_eq(llmcost_catalog_new(&cat, NULL), 0);
    cr_assert_eq(llmcost_catalog_load_file(cat, path), 0, "%s", llmcost_errmsg());
    char *text;
    cr_assert_eq(llmcost_catalog_to_json(&text, cat, false), 0);
    json_t *d = parse(text);
    cr_expect_eq(json_array_size(json_object_get(d, "gpus")), (size_t)llmcost_gpu_count() + 1);
    json_decref(d);
    expect_cli_prints((const char *const[]){"gpus", "--gpu-file", path, "--format", "json", NULL}, text);
    llmcost_catalog_free(cat);
}

Test(list_json, presets_are_what_models_prints)
{
    char *text;
    cr_assert_eq(llmcost_presets_to_json(&text), 0, "%s", llmcost_errmsg());
    json_t *d = parse(text);
    json_t *arr = json_object_get(d, "models");
    cr_expect_eq(json_array_size(arr), (size_t)llmcost_preset_count());
    bool seen = false;
    size_t i;
    json_t *o;
    json_array_foreach(arr, i, o)
    {
        if (strcmp(json_string_value(json_object_get(o, "name")), "llama-7b"))
            continue;
        seen = true;
        /* transformers' num_parameters() of huggyllama/llama-7b. */
        cr_expect_eq(json_integer_value(json_object_get(o, "total")), 6738415616);
        cr_expect_eq(json_integer_value(json_object_get(o, "active")), 6738415616);
        cr_expect_str_eq(json_string_value(json_object_get(o, "model_type")), "llama");
    }
    cr_expect(seen);
    json_decref(d);
    expect_cli_prints((const char *const[]){"models", "--format", "json", NULL}, text);
}

Test(list_json, laws_are_what_scaling_laws_prints)
{
    char *text;
    cr_assert_eq(llmcost_laws_to_json(&text), 0, "%s", llmcost_errmsg());
    json_t *d = parse(text);
    json_t *l0 = json_array_get(json_object_get(d, "laws"), 0);
    /* Hoffmann et al. 2022 §3.3 as printed: E = 1.69, A = 406.4, B = 410.7, alpha = 0.34, beta = 0.28. */
    cr_expect_str_eq(json_string_value(json_object_get(l0, "name")), "chinchilla");
    cr_expect_eq(json_number_value(json_object_get(l0, "A")), 406.4);
    cr_expect_eq(json_number_value(json_object_get(l0, "beta")), 0.28);
    /* D/N at C = 1e24 derived here: N_opt = G (C/6)^(beta/(alpha+beta)), G = (alpha A / (beta B))^(1/(alpha+beta)),
     * D_opt = C / (6 N_opt). */
    double alpha = 0.34, beta = 0.28, A = 406.4, B = 410.7, C = 1e24;
    double G = pow(alpha * A / (beta * B), 1 / (alpha + beta));
    double n = G * pow(C / 6, beta / (alpha + beta)), dn = C / 6 / n / n;
    double got = json_number_value(json_object_get(l0, "tokens_per_param_at_1e24_flops"));
    cr_expect(fabs(got / dn - 1) < 1e-9, "D/N at 1e24: %g, derived %g", got, dn);
    json_decref(d);
    expect_cli_prints((const char *const[]){"scaling", "laws", "--format", "json", NULL}, text);
}

Test(list_json, scaling_at_size_is_the_reports_section)
{
    llmcost_model *m;
    cr_assert_eq(llmcost_model_load(&m, "llama-7b"), 0);
    char *text;
    cr_assert_eq(llmcost_scaling_at_size_to_json(&text, m), 0, "%s", llmcost_errmsg());
    json_t *lib = parse(text);
    llmcost_free(text);
    cr_expect_eq(json_integer_value(json_object_get(lib, "n_params")), 6738415616);
    cr_expect_eq(json_array_size(json_object_get(lib, "laws")), (size_t)llmcost_scaling_law_count());
    run_result r = run_cli((const char *const[]){"report", "llama-7b", "--format", "json", NULL});
    cr_assert_eq(r.status, 0, "%s", r.err);
    json_t *cli = parse(r.out);
    /* The report holds the section without the document's own schema_version and model. */
    json_object_del(lib, "schema_version");
    json_object_del(lib, "model");
    cr_expect(json_equal(lib, json_object_get(cli, "scaling")), "report's scaling section differs");
    json_decref(cli);
    json_decref(lib);
    run_free(&r);
    llmcost_model_free(m);
}

Test(list_json, fit_is_what_scaling_fit_prints_and_saves)
{
    const char *runs = src_path("tests/bad_inputs/runs_bom.csv");
    char saved[256];
    snprintf(saved, sizeof saved, "%s", temp_file("fit-law.json", "", 0));
    remove(saved);
    run_result r = run_cli(
        (const char *const[]){"scaling", "fit", runs, "--bootstrap", "10", "--save", saved, "--format", "json", NULL});
    cr_assert_eq(r.status, 0, "%s", r.err);

    llmcost_run *rv;
    size_t n;
    cr_assert_eq(llmcost_scaling_read_runs(&rv, &n, runs), 0, "%s", llmcost_errmsg());
    llmcost_fit_options fo;
    llmcost_fit_options_init(&fo);
    fo.bootstrap = 10;
    llmcost_fit fit;
    cr_assert_eq(llmcost_scaling_fit(&fit, rv, n, &fo), 0, "%s", llmcost_errmsg());
    llmcost_free(rv);
    char *text;
    cr_assert_eq(llmcost_fit_to_json(&text, &fit, &fo, runs, saved), 0, "%s", llmcost_errmsg());
    cr_expect_str_eq(text, r.out);
    llmcost_free(text);
    run_free(&r);

    /* --save wrote llmcost_law_to_json(), which reads back as the same law. */
    cr_assert_eq(llmcost_law_to_json(&text, &fit.law), 0);
    FILE *f = fopen(saved, "r");
    cr_assert_not_null(f);
    char buf[8192];
    size_t len = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[len] = '\0';
    cr_expect_str_eq(text, buf);
    llmcost_law back;
    cr_expect_eq(llmcost_scaling_law_load_json(&back, text, strlen(text), "saved"), 0, "%s", llmcost_errmsg());
    cr_expect(fabs(back.alpha / fit.law.alpha - 1) < 1e-9);
    llmcost_free(text);
    remove(saved);
}

Test(list_json, flops_sweep_is_what_flops_sweep_seq_prints)
{
    llmcost_model *m;
    cr_assert_eq(llmcost_model_load(&m, "llama-3.1-8b"), 0);
    llmcost_flops_options o;
    llmcost_flops_options_init(&o);
    o.seq = 8192; /* the model's pre-training length, the CLI's default */
    const int64_t seqs[] = {1024, 4096};
    llmcost_flops_sweep_point pts[2];
    cr_assert_eq(llmcost_flops_sweep(pts, m, &o, seqs, 2), 0, "%s", llmcost_errmsg());
    for (int i = 0; i < 2; i++) {
        /* 6N with N = 8,030,261,248 (transformers' num_parameters() of Llama-3.1-8B): 48,181,567,488 per token. */
        cr_expect_eq(pts[i].six_nd_total_per_token, 6.0 * 8030261248.0);
        cr_expect_eq(pts[i].six_nd_active_per_token, 6.0 * 8030261248.0);
        llmcost_flops f;
        llmcost_flops_options at = o;
        at.seq = seqs[i];
        cr_assert_eq(llmcost_flops_compute(&f, m, &at), 0);
        cr_expect_eq(pts[i].per_token, f.per_token);
    }
    /* Causal attention's share of the forward pass grows with the sequence. */
    cr_expect_gt(pts[1].attention_share, 3 * pts[0].attention_share);

    char *text;
    cr_assert_eq(llmcost_flops_sweep_to_json(&text, m, pts, 2, NULL, &o, 0), 0, "%s", llmcost_errmsg());
    expect_cli_prints((const char *const[]){"flops", "llama-3.1-8b", "--sweep-seq", "1k,4k", "--sweep-only", "--format",
                                            "json", NULL},
                      text);
    llmcost_flops f;
    cr_assert_eq(llmcost_flops_compute(&f, m, &o), 0);
    cr_assert_eq(llmcost_flops_sweep_to_json(&text, m, pts, 2, &f, &o, 15e12), 0, "%s", llmcost_errmsg());
    json_t *d = parse(text);
    cr_expect_eq(json_array_size(json_object_get(d, "sweep")), 2);
    cr_expect_eq(json_number_value(json_object_get(d, "per_token")), f.per_token);
    cr_expect_eq(json_number_value(json_object_get(json_object_get(d, "training"), "tokens")), 15e12);
    json_decref(d);
    expect_cli_prints((const char *const[]){"flops", "llama-3.1-8b", "--sweep-seq", "1k,4k", "--tokens", "15T",
                                            "--format", "json", NULL},
                      text);
    llmcost_model_free(m);
}
