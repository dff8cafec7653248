/* test_course.c - the course's interface (llmcost --model_config / --training_budget) and the budget command's
 * questions and errors. */
#include <criterion/criterion.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "helpers.h"

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    cr_assert_not_null(f, "%s", path);
    static char buf[65536];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    return buf;
}

/* assignment.md's answers for LLaMA-7B: 6,738,415,616 parameters; one layer's forward at b=1, s=2048 (matmuls,
 * unmasked) 2*2048*(4*4096^2 + 3*4096*11008) + 4*2048^2*4096 = 897,648,164,864 FLOPs = 0.8976 TFLOPs; one
 * layer's fp16 weights + one fp16 b*s*h checkpoint = (2*202,383,360 + 2*2048*4096) / 2^30 = 0.3926 GiB. */
#define LLAMA_LINES "Number of parameters: 6738415616\nNumber of TFLOPs: 0.897648164864\n" \
                    "Peak memory cost: 0.3925933837890625 GBs\n"

Test(course_interface, model_config_prints_the_three_lines)
{
    const char *argv[] = {"--model_config", src_path("tests/fixtures/llama_7b_config.json"), NULL};
    run_result r = run_cli(argv);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_expect_str_eq(r.out, LLAMA_LINES);
    run_free(&r);
}

Test(course_interface, both_flags_print_model_lines_then_budget_lines)
{
    const char *argv[] = {"--model_config", src_path("tests/fixtures/llama_7b_config.json"), "--training_budget=5e6",
                          NULL};
    run_result r = run_cli(argv);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_expect_str_eq(r.out, LLAMA_LINES
                            "best_gpu: A100\n"
                            "training_budget_flops: 5.616e+23\n"
                            "Optimal N: 47476210890.12571\n"
                            "Optimal D: 1971513695914.332\n");
    run_free(&r);
}

Test(course_interface, model_family_comes_from_model_type_not_the_file_name)
{
    /* The course's script chose the family by substring of the path; a LLaMA config named "deepseek..." must
     * still count as LLaMA, and DeepSeek-V3's config under a "llama" name as DeepSeek-V3. */
    char *llama = strdup(slurp(src_path("tests/fixtures/llama_7b_config.json")));
    char *deepseek = strdup(slurp(src_path("tests/fixtures/deepseek_v3_config.json")));
    const char *p1 = temp_file("deepseek_v3_config.json", llama, strlen(llama));
    const char *argv[] = {"--model_config", p1, NULL};
    run_result r = run_cli(argv);
    cr_expect_eq(r.status, 0, "%s", r.err);
    cr_expect_str_eq(r.out, LLAMA_LINES);
    run_free(&r);
    const char *p2 = temp_file("llama_config.json", deepseek, strlen(deepseek));
    const char *argv2[] = {"--model_config", p2, NULL};
    r = run_cli(argv2);
    cr_expect_eq(r.status, 0, "%s", r.err);
    /* published.md: 671,026,404,352 nn.Parameters (router biases are buffers), without the MTP layer. One layer
     * is a typical (MoE) one at the pre-training length 4096 (rope_scaling.original_max_position_embeddings, not
     * max_position_embeddings): q_a 2T*7168*1536 + q_b 2T*1536*128*192 + kv_a 2T*7168*576 + kv_b 2T*512*128*256
     * + o 2T*16384*7168 + attention 2*128*T^2*(192+128) + router 2T*7168*256 + 8 routed and 1 shared expert
     * 2T*9*3*7168*2048 = 6,169,183,649,792 FLOPs with T = 4096. Memory: the layer's 11,507,286,016 parameters in
     * fp16 + a 4096 x 7168 fp16 checkpoint = 21.4887 GiB. */
    cr_expect_str_eq(r.out, "Number of parameters: 671026404352\nNumber of TFLOPs: 6.169183649792\n"
                            "Peak memory cost: 21.488677978515625 GBs\n");
    run_free(&r);
    free(llama);
    free(deepseek);
}

Test(course_interface, bad_input_exits_2_with_nothing_on_stdout)
{
    const char *cases[][4] = {
        {"--training_budget", "abc", NULL, NULL},
        {"--training_budget", "-5", NULL, NULL},
        {"--training_budget", NULL, NULL, NULL},
        {"--model_config", "/nonexistent/config.json", NULL, NULL},
        {"--model_config", "x.json", "--bogus", NULL},
    };
    const char *want[] = {"--training_budget", "--training_budget", "needs a value", "/nonexistent/config.json",
                          "'--bogus'"};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        run_result r = run_cli(cases[i]);
        cr_expect_eq(r.status, 2, "case %zu: %d", i, r.status);
        cr_expect(strncmp(r.err, "llmcost: ", 9) == 0 && strstr(r.err, want[i]), "case %zu: %s", i, r.err);
        cr_expect_str_eq(r.out, "", "case %zu", i);
        run_free(&r);
    }
}

Test(course_interface, validate_is_routed_only_when_the_command_exists)
{
    bool exists = false;
    for (const cli_command *c = cli_commands; c->name; c++)
        exists |= !strcmp(c->name, "validate");
    const char *argv[] = {"--validate", NULL};
    run_result r = run_cli(argv);
    if (!exists) {
        cr_expect_eq(r.status, 2);
        cr_expect(strstr(r.err, "no 'validate' command"), "%s", r.err);
    } else {
        cr_expect_neq(r.status, 2, "%s", r.err);
    }
    run_free(&r);
}

Test(course_interface, python_float_repr)
{
    /* Each expected string is CPython 3's repr() of the same double. */
    struct {
        double x;
        const char *repr;
    } cases[] = {
        {5.616e23, "5.616e+23"},
        {5e6, "5000000.0"},
        {0.1, "0.1"},
        {1.0 / 3.0, "0.3333333333333333"},
        {1e16, "1e+16"},
        {9007199254740992.0, "9007199254740992.0"},
        {1.5e-5, "1.5e-05"},
        {0.0001, "0.0001"},
        {123456789012345680.0, "1.2345678901234568e+17"},
        {-2.5, "-2.5"},
        {47476210890.12571, "47476210890.12571"},
        {1971513695914.332, "1971513695914.332"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char buf[64];
        cli_python_float(buf, sizeof buf, cases[i].x);
        cr_expect_str_eq(buf, cases[i].repr);
    }
}

/* ---- budget: questions and errors ---- */

static json_t *budget_json(const char *const *args)
{
    const char *argv[32];
    int n = 0;
    argv[n++] = "budget";
    for (; *args; args++)
        argv[n++] = *args;
    argv[n++] = "--format";
    argv[n++] = "json";
    argv[n] = NULL;
    run_result r = run_cli(argv);
    cr_assert_eq(r.status, 0, "%s", r.err);
    json_error_t e;
    json_t *d = json_loads(r.out, 0, &e);
    cr_assert_not_null(d, "%s", e.text);
    run_free(&r);
    return d;
}

static double num(json_t *d, const char *key)
{
    json_t *v = json_object_get(d, key);
    cr_assert(json_is_number(v), "key %s", key);
    return json_number_value(v);
}

Test(budget, gpu_hours_pick_the_fastest_gpu_and_fix_compute)
{
    /* 1000 GPU-hours on the course list: the A100 has the most FLOP/s; C = 1000 * 3600 * 312e12 * 0.4. */
    json_t *d = budget_json((const char *[]){"--gpu-hours", "1000", "--price-list", "course", NULL});
    cr_expect_str_eq(json_string_value(json_object_get(d, "gpu")), "a100-80gb");
    cr_expect(fabs(num(d, "effective_flops") / (1000 * 3600 * 312e12 * 0.4) - 1) < 1e-12);
    cr_expect(fabs(num(d, "cost_usd") - 4000) < 1e-6);
    json_decref(d);
}

Test(budget, inverse_questions)
{
    const llmcost_law *l = llmcost_scaling_law_find("chinchilla");
    /* loss and cost of Chinchilla's own run: 70B parameters on 1.4T tokens (Hoffmann et al. 2022) */
    json_t *d = budget_json((const char *[]){"--params", "70B", "--tokens", "1.4T", "--gpus", "h100", "--mfu", "0.5",
                                             NULL});
    cr_expect(fabs(num(d, "loss") - llmcost_scaling_loss(l, 70e9, 1.4e12)) < 1e-12);
    cr_expect(fabs(num(d, "effective_flops") / (6 * 70e9 * 1.4e12) - 1) < 1e-12);
    double cost = 6 * 70e9 * 1.4e12 / num(d, "flops_per_usd");
    cr_expect(fabs(num(d, "cost_usd") / cost - 1) < 1e-12);
    double per_usd = 0.5 * 3600 * num(d, "gpu_peak_flops") / num(d, "price_per_hour_usd");
    cr_expect(fabs(num(d, "flops_per_usd") / per_usd - 1) < 1e-12);
    json_decref(d);
    /* --params alone: the D for which N is optimal; the laws table answers the same question */
    d = budget_json((const char *[]){"--params", "1e9", "--law", "epoch", NULL});
    llmcost_allocation a;
    llmcost_scaling_tokens_for_params(&a, llmcost_scaling_law_find("epoch"), 1e9);
    cr_expect(fabs(num(d, "n_tokens") / a.n_tokens - 1) < 1e-12);
    cr_expect_eq(json_array_size(json_object_get(d, "laws")), (size_t)llmcost_scaling_law_count());
    json_decref(d);
    /* --target-loss: the smallest budget whose optimal model reaches it */
    d = budget_json((const char *[]){"--target-loss", "2.0", "--law", "chinchilla-unrounded", NULL});
    cr_expect(fabs(num(d, "loss") - 2.0) < 1e-9);
    json_decref(d);
}

Test(budget, user_constants_override_the_law)
{
    json_t *d = budget_json((const char *[]){"--flops", "1e22", "--beta", "0.29", NULL});
    json_t *law = json_object_get(d, "law");
    cr_expect_str_eq(json_string_value(json_object_get(law, "name")), "user");
    /* chinchilla with beta 0.29 is the course's law */
    llmcost_allocation a;
    llmcost_scaling_optimal(&a, llmcost_scaling_law_find("course"), 1e22);
    cr_expect(fabs(num(d, "n_params") / a.n_params - 1) < 1e-12);
    json_decref(d);
}

Test(budget, errors_exit_2_with_a_hint)
{
    struct {
        const char *argv[8];
        const char *want;
    } cases[] = {
        {{"budget", NULL}, "what budget?"},
        {{"budget", "--dollars", "1e6", "--flops", "1e23", NULL}, "one question"},
        {{"budget", "--dollars", "1e6", "--gpus", "a100,z9000", NULL}, "'z9000'"},
        {{"budget", "--dollars", "1e6", "--price-list", "nope", NULL}, "no price list 'nope'"},
        {{"budget", "--dollars", "1e6", "--law", "nope", NULL}, "'nope' is not a bundled law"},
        {{"budget", "--target-loss", "1.5", "--law", "chinchilla", NULL}, "irreducible"},
        {{"budget", "--dollars", "1e6", "--law", "kaplan", "--E", "1", NULL}, "Kaplan's form"},
        {{"budget", "--dollars", "-3", NULL}, "--dollars"},
        {{"budget", "--dollars", "1e6", "--mfu", "1.5", NULL}, "--mfu"},
        {{"budget", "--dollars", "1e6", "--law", "/nonexistent/law.json", NULL}, "/nonexistent/law.json"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        run_result r = run_cli(cases[i].argv);
        cr_expect_eq(r.status, 2, "case %zu: status %d (%s)", i, r.status, r.err);
        cr_expect(strncmp(r.err, "llmcost: ", 9) == 0 && strstr(r.err, cases[i].want), "case %zu: %s", i, r.err);
        cr_expect_str_eq(r.out, "", "case %zu", i);
        run_free(&r);
    }
}

Test(budget, every_format_renders)
{
    const char *formats[] = {"text", "csv", "md"};
    for (int i = 0; i < 3; i++) {
        const char *argv[] = {"budget", "--dollars", "5e6", "--price-list", "course", "--format", formats[i], NULL};
        run_result r = run_cli(argv);
        cr_expect_eq(r.status, 0, "%s: %s", formats[i], r.err);
        cr_expect(strstr(r.out, "a100-80gb"), "%s", formats[i]);
        run_free(&r);
    }
}

Test(budget_model_mfu, takes_each_gpus_mfu_from_the_step_model)
{
    /* With --model-mfu the MFU is the step model's for the designed model on that GPU (not the assumed 0.4), and
     * the compute follows it: C = dollars / price x 3600 x peak x MFU. */
    const char *argv[] = {"budget", "--dollars", "5e6", "--gpus", "h100", "--model-mfu", "--format", "json", NULL};
    run_result r = run_cli(argv);
    cr_assert_eq(r.status, 0, "%s", r.err);
    json_t *j = json_loads(r.out, 0, NULL);
    cr_assert_not_null(j, "%s", r.out);
    double mfu = json_number_value(json_object_get(j, "mfu"));
    cr_expect(mfu > 0.05 && mfu < 0.9 && fabs(mfu - 0.4) > 1e-6, "mfu %g", mfu);
    double peak = json_number_value(json_object_get(j, "gpu_peak_flops"));
    double price = json_number_value(json_object_get(j, "price_per_hour_usd"));
    double c = json_number_value(json_object_get(j, "effective_flops"));
    cr_expect(fabs(c / (5e6 / price * 3600 * peak * mfu) - 1) < 1e-9);
    json_decref(j);
    run_free(&r);
    const char *both[] = {"budget", "--dollars", "5e6", "--mfu", "0.5", "--model-mfu", NULL};
    r = run_cli(both);
    cr_expect_eq(r.status, 2);
    cr_expect(strstr(r.err, "--model-mfu") != NULL, "%s", r.err);
    run_free(&r);
}

/* budget takes its GPUs as step does: --gpu NAME[,NAME...] the candidates, --gpus N the count, --price and
 * --peak-tflops overriding; the older --gpus a100,v100 list still names the candidates. */
Test(budget, gpu_flags_as_step_takes_them)
{
    json_t *d = budget_json((const char *[]){"--dollars", "1e6", "--gpu", "h100", "--gpus", "512", "--price", "2",
                                             "--peak-tflops", "1000", NULL});
    /* $1M at $2 per GPU-hour is 500,000 GPU-hours; C = 500,000 h x 3600 s x 1e15 FLOP/s x 0.4 MFU = 7.2e23;
     * on 512 GPUs the wall-clock is 500,000 x 3600 / 512 = 3,515,625 s. */
    cr_expect(fabs(num(d, "gpu_hours") / 5e5 - 1) < 1e-12);
    cr_expect(fabs(num(d, "effective_flops") / 7.2e23 - 1) < 1e-12);
    cr_expect_eq(num(d, "gpu_count"), 512);
    cr_expect(fabs(num(d, "wall_seconds") / 3515625.0 - 1) < 1e-12);
    json_decref(d);
    /* The old list form and the new flag choose among the same candidates. */
    json_t *a = budget_json((const char *[]){"--dollars", "1e6", "--gpus", "a100,v100", NULL});
    json_t *b = budget_json((const char *[]){"--dollars", "1e6", "--gpu", "a100,v100", NULL});
    cr_expect(json_equal(a, b));
    cr_expect_eq(json_array_size(json_object_get(a, "gpus")), 2);
    json_decref(a);
    json_decref(b);
}
