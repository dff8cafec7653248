/* test_hardware.c - the accelerator catalogue against vendor datasheets and the course's price table, user files
 * merged field by field, and `llmcost gpus` in every format with its errors. */
#include <criterion/criterion.h>
#include <jansson.h>
#include <math.h>
#include <string.h>

#include "helpers.h"
#include "llmcost/llmcost.h"

static const llmcost_gpu *gpu(const char *name)
{
    const llmcost_gpu *g = llmcost_gpu_find(name);
    cr_assert_not_null(g, "%s not in the catalogue", name);
    return g;
}

Test(hardware_catalogue, has_every_gpu_the_issue_names)
{
    const char *names[] = {"v100", "t4", "a100-40gb", "a100-80gb", "h100", "h100-pcie", "h800", "h200", "b200",
                           "l4", "l40s", "mi250x", "mi300x", "tpu-v4", "tpu-v5p", "rtx-4090"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        const llmcost_gpu *g = gpu(names[i]);
        cr_expect_gt(llmcost_gpu_half_peak(g), 0, "%s 16-bit peak", names[i]);
        cr_expect_gt(g->memory_bytes, 0, "%s memory", names[i]);
        cr_expect_gt(g->memory_bw, 0, "%s bandwidth", names[i]);
        cr_expect_gt(g->price_per_hour, 0, "%s price", names[i]);
        cr_expect_gt(g->scaleup_bw, 0, "%s scale-up", names[i]);
        cr_expect_gt(g->scaleout_bw, 0, "%s scale-out", names[i]);
        cr_expect_gt(strlen(g->source), 20, "%s has no source", names[i]);
        cr_expect(strchr(g->price_source, '(') != NULL, "%s price source has no date: %s", names[i], g->price_source);
    }
    cr_expect_geq(llmcost_gpu_count(), 16);
}

Test(hardware_catalogue, h100_matches_its_datasheet)
{
    /* NVIDIA H100 SXM datasheet: 1,979 TFLOP/s bf16 and 3,958 fp8 "with sparsity", i.e. 989.4 and 1,978.9 dense;
     * 3.35 TB/s HBM3; 700 W; NVLink 900 GB/s both ways = 450 GB/s each way; 8 per HGX board. */
    const llmcost_gpu *g = gpu("h100");
    cr_expect_float_eq(g->peak_flops[LLMCOST_DT_BF16], 989.4e12, 1e3);
    cr_expect_float_eq(g->peak_flops[LLMCOST_DT_FP8], 1978.9e12, 1e3);
    cr_expect_float_eq(g->memory_bw, 3.35e12, 1);
    cr_expect_float_eq(g->memory_bytes, 80.0 * 1073741824.0, 1);
    cr_expect_float_eq(g->tdp_watts, 700, 1e-9);
    cr_expect_float_eq(g->scaleup_bw, 450e9, 1);
    cr_expect_eq(g->scaleup_size, 8);
    /* H200 = H100's compute with 4.8 TB/s; H800 = H100 with NVLink cut to 400 GB/s both ways. */
    cr_expect_float_eq(gpu("h200")->peak_flops[LLMCOST_DT_BF16], g->peak_flops[LLMCOST_DT_BF16], 1);
    cr_expect_float_eq(gpu("h200")->memory_bw, 4.8e12, 1);
    cr_expect_float_eq(gpu("h800")->scaleup_bw, 200e9, 1);
    /* A100: 312 TFLOP/s bf16, 40 GB at 1,555 GB/s and 80 GB at 2,039 GB/s; V100 and T4 have no bf16 or tf32. */
    cr_expect_float_eq(gpu("a100-40gb")->memory_bw, 1555e9, 1);
    cr_expect_float_eq(gpu("a100-80gb")->memory_bw, 2039e9, 1);
    cr_expect_eq(gpu("v100")->peak_flops[LLMCOST_DT_TF32], 0);
    cr_expect_eq(gpu("t4")->peak_flops[LLMCOST_DT_FP8], 0);
    /* fp16 and bf16 apart: V100 125 and T4 65 TFLOP/s fp16 tensor (datasheets), no bf16 (Volta and Turing tensor
     * cores take fp16); A100 and H100 the same figure for both (312, 989.4); TPU v4 bf16 only. The 16-bit peak a
     * budget uses is bf16, else fp16. */
    cr_expect_eq(gpu("v100")->peak_flops[LLMCOST_DT_BF16], 0);
    cr_expect_float_eq(gpu("v100")->fp16_flops, 125e12, 1e3);
    cr_expect_eq(gpu("t4")->peak_flops[LLMCOST_DT_BF16], 0);
    cr_expect_float_eq(gpu("t4")->fp16_flops, 65e12, 1e3);
    cr_expect_float_eq(gpu("a100-80gb")->fp16_flops, 312e12, 1e3);
    cr_expect_float_eq(g->fp16_flops, g->peak_flops[LLMCOST_DT_BF16], 1);
    cr_expect_eq(gpu("tpu-v4")->fp16_flops, 0);
    cr_expect_float_eq(llmcost_gpu_half_peak(gpu("v100")), 125e12, 1e3);
    cr_expect_float_eq(llmcost_gpu_half_peak(g), 989.4e12, 1e3);
}

Test(hardware_catalogue, names_are_case_insensitive_with_aliases)
{
    cr_expect_eq(llmcost_gpu_find("A100"), llmcost_gpu_find("a100-80gb"));
    cr_expect_eq(llmcost_gpu_find("H100-SXM"), llmcost_gpu_find("h100"));
    cr_expect_eq(llmcost_gpu_find("4090"), llmcost_gpu_find("rtx-4090"));
    cr_expect_null(llmcost_gpu_find("h1000"));
    cr_expect_null(llmcost_gpu_find("a100-80"));
    const llmcost_gpu *g;
    cr_expect_eq(llmcost_gpu_lookup(&g, "h1000"), LLMCOST_ENOTFOUND);
    cr_expect(strstr(llmcost_errmsg(), "h1000") && strstr(llmcost_errmsg(), "h100"), "%s", llmcost_errmsg());
}

Test(hardware_prices, course_list_reproduces_the_assignment)
{
    /* The assignment: at 40% MFU the A100 gives 312e12 * 0.4 * 3600 / 4.0 = 1.1232e17 FLOPs per dollar, and the
     * T4 (65e12 * 0.4 * 3600 / 1 = 9.36e16) beats the V100 (125e12 * 0.4 * 3600 / 2.5 = 7.2e16). */
    const llmcost_price_list *pl = llmcost_price_list_find("course");
    cr_assert_not_null(pl);
    cr_assert_eq(pl->n, 3);
    double per_dollar[3];
    for (int k = 0; k < 3; k++)
        per_dollar[k] = pl->entries[k].peak_flops * 0.4 * 3600 / pl->entries[k].price_per_hour;
    cr_expect_str_eq(pl->entries[0].gpu, "a100-80gb");
    cr_expect_float_eq(per_dollar[0], 1.1232e17, 1e9);
    cr_expect_str_eq(pl->entries[1].gpu, "v100");
    cr_expect_float_eq(per_dollar[1], 7.2e16, 1e9);
    cr_expect_str_eq(pl->entries[2].gpu, "t4");
    cr_expect_float_eq(per_dollar[2], 9.36e16, 1e9);
    const llmcost_price_list *v2 = llmcost_price_list_find("course-v2");
    cr_assert_not_null(v2);
    cr_expect_str_eq(v2->entries[2].gpu, "b200");
    cr_expect_float_eq(v2->entries[2].price_per_hour, 6.0, 1e-12);
    cr_expect_float_eq(v2->entries[2].peak_flops, 2250e12, 1);
    cr_expect_null(llmcost_price_list_find("nope"));
}

Test(hardware_user_file, merges_by_name_field_by_field)
{
    const char *json = "{\"gpus\": [\n"
                       " {\"name\": \"H100\", \"price\": {\"usd_per_hour\": 2.0, \"source\": \"our contract\", \"date\": \"2025-01\"}},\n"
                       " {\"name\": \"my-asic\", \"peak_tflops\": {\"bf16\": 500}, \"memory_gb\": 64, \"memory_bw_gbps\": 2000}\n"
                       "]}";
    cr_assert_eq(llmcost_gpu_load_json(json, strlen(json), "mine.json"), 0, "%s", llmcost_errmsg());
    const llmcost_gpu *h = gpu("h100");
    cr_expect_float_eq(h->price_per_hour, 2.0, 1e-12);
    cr_expect_str_eq(h->price_source, "our contract (2025-01)");
    cr_expect_float_eq(h->peak_flops[LLMCOST_DT_BF16], 989.4e12, 1e3, "untouched fields stay");
    const llmcost_gpu *m = gpu("my-asic");
    cr_expect_float_eq(m->peak_flops[LLMCOST_DT_BF16], 500e12, 1);
    cr_expect_float_eq(m->memory_bytes, 64.0 * 1073741824.0, 1);
    llmcost_gpu_reset();
    cr_expect_float_eq(gpu("h100")->price_per_hour, 3.78, 1e-12);
    cr_expect_null(llmcost_gpu_find("my-asic"));
}

static void expect_bad(const char *json, const char *needle)
{
    double before = gpu("h100")->price_per_hour;
    int rc = llmcost_gpu_load_json(json, strlen(json), "bad.json");
    cr_expect_lt(rc, 0, "accepted: %s", json);
    cr_expect(strstr(llmcost_errmsg(), "bad.json") != NULL, "message lacks the file: %s", llmcost_errmsg());
    cr_expect(strstr(llmcost_errmsg(), needle) != NULL, "message lacks '%s': %s", needle, llmcost_errmsg());
    cr_expect_float_eq(gpu("h100")->price_per_hour, before, 1e-12, "a failed file changed the catalogue");
}

Test(hardware_user_file, errors_name_file_and_key_and_change_nothing)
{
    expect_bad("{\"gpus\": [\n {\"name\": \"h100\" \"x\": 1}]}", "bad.json:2:");
    expect_bad("{\"gpus\": [{\"name\": \"h100\", \"price\": {\"usd_per_hour\": 1.5}}, {\"name\": \"h200\", \"peak_tflop\": 1}]}",
               "peak_tflop");
    expect_bad("{\"gpus\": [{\"name\": \"h100\", \"memory_gb\": -80}]}", "memory_gb");
    expect_bad("{\"gpus\": [{\"name\": \"h100\", \"peak_tflops\": {\"bf16\": \"fast\"}}]}", "peak_tflops.bf16");
    expect_bad("{\"gpus\": [{\"name\": \"new-one\", \"memory_gb\": 16}]}", "peak_tflops");
    expect_bad("{\"gpus\": [{\"peak_tflops\": {\"bf16\": 1}}]}", "name");
    expect_bad("{\"price_lists\": [{\"name\": \"x\", \"entries\": [{\"gpu\": \"h1000\", \"usd_per_hour\": 1}]}]}",
               "h1000");
    expect_bad("[1, 2]", "object");
    cr_expect_eq(llmcost_gpu_load_file("/nonexistent/gpus.json"), LLMCOST_ENOTFOUND);
}

Test(hardware_catalog, a_callers_catalogue_changes_nothing_shared)
{
    const char *json = "{\"gpus\": [\n"
                       " {\"name\": \"H100\", \"price\": {\"usd_per_hour\": 2.0}},\n"
                       " {\"name\": \"my-asic\", \"peak_tflops\": {\"bf16\": 500}, \"memory_gb\": 64, \"memory_bw_gbps\": 2000}\n"
                       "]}";
    const llmcost_gpu *shared = llmcost_gpu_find("h100");
    llmcost_catalog *cat, *from_file;
    cr_assert_eq(llmcost_catalog_new(&cat, NULL), 0);
    cr_assert_eq(llmcost_catalog_load_json(cat, json, strlen(json), "mine.json"), 0, "%s", llmcost_errmsg());
    cr_expect_eq(llmcost_catalog_gpu_count(cat), llmcost_gpu_count() + 1);
    cr_expect_float_eq(llmcost_catalog_gpu_find(cat, "h100")->price_per_hour, 2.0, 1e-12);
    cr_expect_float_eq(llmcost_catalog_gpu_find(cat, "my-asic")->peak_flops[LLMCOST_DT_BF16], 500e12, 1);
    cr_expect_eq(llmcost_catalog_price_list_count(cat), llmcost_price_list_count());
    /* The shared catalogue and the pointer into it are untouched. */
    cr_expect_eq(llmcost_gpu_find("h100"), shared);
    cr_expect_float_eq(shared->price_per_hour, 3.78, 1e-12);
    cr_expect_null(llmcost_gpu_find("my-asic"));
    cr_expect_eq(llmcost_catalog_gpu_find(llmcost_catalog_bundled(), "h100"), shared);
    /* The file reader reads what the text reader reads. */
    cr_assert_eq(llmcost_catalog_new(&from_file, llmcost_catalog_bundled()), 0);
    cr_assert_eq(llmcost_catalog_load_file(from_file, temp_file("mine.json", json, strlen(json))), 0, "%s",
                 llmcost_errmsg());
    cr_expect_float_eq(llmcost_catalog_gpu_find(from_file, "my-asic")->memory_bytes, 64.0 * 1073741824.0, 1);
    /* A failed load names the origin and leaves the catalogue as it was. */
    const char *bad = "{\"gpus\": [{\"name\": \"h100\", \"price\": {\"usd_per_hour\": 9}}, {\"name\": \"x\", \"memory_gb\": -1}]}";
    cr_expect_lt(llmcost_catalog_load_json(cat, bad, strlen(bad), "bad.json"), 0);
    cr_expect(strstr(llmcost_errmsg(), "bad.json") != NULL, "%s", llmcost_errmsg());
    cr_expect_float_eq(llmcost_catalog_gpu_find(cat, "h100")->price_per_hour, 2.0, 1e-12);
    const llmcost_gpu *g;
    cr_expect_eq(llmcost_catalog_gpu_lookup(&g, cat, "h1000"), LLMCOST_ENOTFOUND);
    cr_expect(strstr(llmcost_errmsg(), "my-asic") != NULL, "the known names are this catalogue's: %s", llmcost_errmsg());
    cr_expect_eq(llmcost_catalog_load_json(NULL, json, strlen(json), "x"), LLMCOST_EINVAL);
    llmcost_catalog_free(cat);
    llmcost_catalog_free(from_file);
}

Test(hardware_cli, lists_every_gpu_in_every_format)
{
    const char *formats[] = {"text", "md", "csv", "json"};
    for (int f = 0; f < 4; f++) {
        const char *argv[] = {"gpus", "--format", formats[f], NULL};
        run_result r = run_cli(argv);
        cr_expect_eq(r.status, 0, "%s: %s", formats[f], r.err);
        cr_expect(strstr(r.out, "h100-pcie") && strstr(r.out, "tpu-v5p") && strstr(r.out, "rtx-4090"), "%s", formats[f]);
        if (!strcmp(formats[f], "csv"))
            cr_expect_eq(count_lines(r.out), 1 + llmcost_gpu_count(), "csv: header + one row per GPU");
        if (!strcmp(formats[f], "json")) {
            json_error_t e;
            json_t *doc = json_loads(r.out, 0, &e);
            cr_assert_not_null(doc, "%s", e.text);
            cr_expect_eq(json_array_size(json_object_get(doc, "gpus")), (size_t)llmcost_gpu_count());
            json_t *h = json_array_get(json_object_get(doc, "gpus"), 4);
            cr_expect_str_eq(json_string_value(json_object_get(h, "name")), "h100");
            cr_expect_float_eq(json_number_value(json_object_get(json_object_get(h, "peak_flops_per_second"), "bf16")),
                               989.4e12, 1e3);
            cr_expect_eq(json_array_size(json_object_get(doc, "price_lists")), 2);
            json_decref(doc);
        }
        run_free(&r);
    }
}

Test(hardware_cli, one_gpu_with_overrides_and_user_file)
{
    const char *file = "{\"gpus\": [{\"name\": \"h100\", \"tdp_watts\": 650}]}";
    const char *path = temp_file("gpus.json", file, strlen(file));
    const char *argv[] = {"gpus", "--gpu", "H100", "--price", "2", "--gpu-file", path, "--format", "json", NULL};
    run_result r = run_cli(argv);
    cr_assert_eq(r.status, 0, "%s", r.err);
    json_t *doc = json_loads(r.out, 0, NULL);
    json_t *g = json_object_get(doc, "gpu");
    cr_expect_float_eq(json_number_value(json_object_get(g, "price_usd_per_hour")), 2.0, 1e-12);
    cr_expect_float_eq(json_number_value(json_object_get(g, "tdp_watts")), 650, 1e-12);
    json_decref(doc);
    run_free(&r);
    const char *argv2[] = {"gpus", "--gpu", "a100", "--price-list", "course", NULL};
    r = run_cli(argv2);
    cr_expect_eq(r.status, 0, "%s", r.err);
    cr_expect(strstr(r.out, "$4.00 per GPU-hour") != NULL, "%s", r.out);
    run_free(&r);
}

Test(hardware_cli, errors_exit_2_with_one_line)
{
    const char *bad[][8] = {
        {"gpus", "--gpu", "h1000", NULL},
        {"gpus", "--price", "2", NULL},
        {"gpus", "--gpu", "h100", "--price-list", "nope", NULL},
        {"gpus", "--gpu", "h100", "--price-list", "course", NULL},
        {"gpus", "--gpu-file", "/nonexistent.json", NULL},
        {"gpus", "--gpu", "h100", "--price", "-1", NULL},
    };
    const char *needles[] = {"h1000", "--gpu", "nope", "no entry for h100", "/nonexistent.json", "--price"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        run_result r = run_cli(bad[i]);
        cr_expect_eq(r.status, 2, "case %zu: %s", i, r.err);
        cr_expect_str_empty(r.out, "case %zu", i);
        cr_expect_eq(count_lines(r.err), 1, "case %zu: %s", i, r.err);
        cr_expect(strstr(r.err, "llmcost: ") == r.err && strstr(r.err, needles[i]), "case %zu: %s", i, r.err);
        run_free(&r);
    }
}
