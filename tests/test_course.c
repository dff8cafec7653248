/* test_course.c - the course's interface (llmcost --model_config / --training_budget) and the budget command's
 * questions and errors. */
#include <criterion/criterion.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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
    return run_cli_json(argv);
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

/* ---- the library's budget and course answers (budget.h) are what the command line prints ---- */

static char *stdout_of(const char *const *argv)
{
    run_result r = run_cli(argv);
    cr_assert_eq(r.status, 0, "%s: %s", argv[0], r.err);
    char *out = strdup(r.out);
    run_free(&r);
    return out;
}

Test(budget_library, the_course_question_and_its_json_are_what_the_cli_prints)
{
    llmcost_budget_options o;
    cr_assert_eq(llmcost_budget_options_init(&o), 0);
    o.question = LLMCOST_BUDGET_DOLLARS;
    o.dollars = 5e6;
    o.price_list = "course";
    o.law = llmcost_scaling_law_find("course");
    llmcost_budget *b;
    cr_assert_eq(llmcost_budget_compute(&b, &o), 0, "%s", llmcost_errmsg());
    /* assignment.md: the A100 (312 TFLOP/s x 0.4 x 3600 / $4 = 1.1232e17 FLOPs per dollar; T4 9.36e16, V100
     * 7.2e16); C = 5e6 x 1.1232e17 = 5.616e23. */
    cr_expect_str_eq(b->gpus[b->best].name, "a100-80gb");
    cr_expect(fabs(b->gpus[b->best].flops_per_usd / 1.1232e17 - 1) < 1e-12);
    cr_expect(fabs(b->flops / 5.616e23 - 1) < 1e-12);
    cr_expect(fabs(b->cost_usd / 5e6 - 1) < 1e-12);
    char *text;
    cr_assert_eq(llmcost_budget_to_json(&text, b, NULL), 0);
    char *cli = stdout_of((const char *[]){"budget", "--dollars", "5e6", "--price-list", "course", "--law", "course",
                                           "--format", "json", NULL});
    cr_expect_str_eq(text, cli);
    free(cli);
    llmcost_free(text);
    llmcost_budget_free(b);

    /* llmcost_course_budget is the course's question: the same numbers. */
    cr_assert_eq(llmcost_course_budget(&b, 5e6), 0, "%s", llmcost_errmsg());
    cr_expect(fabs(b->flops / 5.616e23 - 1) < 1e-12);
    char name[48];
    llmcost_course_gpu_name(name, sizeof name, b->gpus[b->best].name);
    cr_expect_str_eq(name, "A100");
    llmcost_budget_free(b);
}

Test(budget_library, model_mfu_json_is_what_the_cli_prints)
{
    llmcost_budget_options o = LLMCOST_BUDGET_OPTIONS_INIT;
    o.question = LLMCOST_BUDGET_DOLLARS;
    o.dollars = 1e4;
    o.gpus = "a100";
    o.model_mfu = true;
    llmcost_budget *b;
    cr_assert_eq(llmcost_budget_compute(&b, &o), 0, "%s", llmcost_errmsg());
    char *text;
    cr_assert_eq(llmcost_budget_to_json(&text, b, NULL), 0);
    char *cli = stdout_of((const char *[]){"budget", "--dollars", "1e4", "--gpu", "a100", "--model-mfu", "--format",
                                           "json", NULL});
    cr_expect_str_eq(text, cli);
    free(cli);
    llmcost_free(text);
    llmcost_budget_free(b);
}

Test(budget_library, messages_name_the_option_fields_and_the_cli_names_its_flags)
{
    llmcost_budget_options o = LLMCOST_BUDGET_OPTIONS_INIT;
    o.dollars = 1e6;
    o.gpus = "a100,z9000";
    llmcost_budget *b = NULL;
    cr_expect_eq(llmcost_budget_compute(&b, &o), LLMCOST_EINVAL);
    cr_expect_null(b);
    cr_expect(!strncmp(llmcost_errmsg(), "gpus: 'z9000' is not in the GPU catalogue", 41), "%s", llmcost_errmsg());
    o.gpus = NULL;
    o.price_list = "nope";
    cr_expect_eq(llmcost_budget_compute(&b, &o), LLMCOST_EINVAL);
    cr_expect(!strncmp(llmcost_errmsg(), "price_list: no price list 'nope'", 32), "%s", llmcost_errmsg());
    o.price_list = NULL;
    o.mfu = 1.5;
    cr_expect_eq(llmcost_budget_compute(&b, &o), LLMCOST_EINVAL);
    cr_expect(!strncmp(llmcost_errmsg(), "mfu = 1.5", 9), "%s", llmcost_errmsg());

    run_result r = run_cli((const char *[]){"budget", "--dollars", "1e6", "--gpu", "a100,z9000", NULL});
    cr_expect_eq(r.status, 2);
    cr_expect_str_eq(r.err, "llmcost: --gpu: 'z9000' is not in the GPU catalogue (see data/gpus.json) (try 'llmcost "
                            "help budget')\n");
    run_free(&r);
    r = run_cli((const char *[]){"budget", "--dollars", "1e6", "--gpu", "h100", "--price-list", "course", NULL});
    cr_expect_eq(r.status, 2);
    cr_expect(strstr(r.err, "llmcost: --gpu: none of 'h100' is on the price list 'course'"), "%s", r.err);
    run_free(&r);
}

/* Reads the value after "label" in the course's lines ("Peak memory cost: 0.39 GBs" -> "0.39"). */
static void course_value(char *buf, size_t n, const char *out, const char *label)
{
    const char *p = strstr(out, label);
    cr_assert_not_null(p, "%s in %s", label, out);
    p += strlen(label);
    size_t len = strcspn(p, " \n");
    cr_assert_lt(len, n);
    memcpy(buf, p, len);
    buf[len] = '\0';
}

static json_t *course_layer_json(const char *model)
{
    char *out = stdout_of((const char *[]){"memory", model, "--course-layer", "--format", "json", NULL});
    json_t *d = json_loads(out, 0, NULL);
    cr_assert_not_null(d, "%s", out);
    free(out);
    return d;
}

/* Issue 11 point 6: `--model_config` and `memory --course-layer` report the same layer, and say which. */
Test(course_layer, model_config_and_memory_course_layer_report_the_same_layer)
{
    const char *fixtures[] = {"tests/fixtures/llama_7b_config.json", "tests/fixtures/deepseek_v3_config.json"};
    for (int i = 0; i < 2; i++) {
        const char *path = src_path(fixtures[i]);
        run_result r = run_cli((const char *[]){"--model_config", path, NULL});
        cr_assert_eq(r.status, 0, "%s", r.err);
        char gb[64], tf[64], want[64];
        course_value(gb, sizeof gb, r.out, "Peak memory cost: ");
        course_value(tf, sizeof tf, r.out, "Number of TFLOPs: ");
        json_t *d = course_layer_json(path);
        cli_python_float(want, sizeof want, json_number_value(json_object_get(d, "course_answer_bytes")) / 1073741824.0);
        cr_expect_str_eq(gb, want, "%s", fixtures[i]);
        cli_python_float(want, sizeof want, json_number_value(json_object_get(d, "forward_flops")) / 1e12);
        cr_expect_str_eq(tf, want, "%s", fixtures[i]);
        if (i == 0) {
            /* LLaMA-7B has dense layers only: layer 0, and no other kind to show. */
            cr_expect_str_eq(json_string_value(json_object_get(d, "layer_kind")), "dense");
            cr_expect_eq(json_integer_value(json_object_get(d, "layer")), 0);
            cr_expect_null(json_object_get(d, "other_layer"));
            cr_expect_str_eq(r.err, "");
        } else {
            /* DeepSeek-V3: layers 0-2 dense, 3-60 MoE; the course's one layer is a typical, MoE one (the
             * 21.4887 GiB derived in model_family_comes_from_model_type_not_the_file_name), said on stderr. */
            cr_expect_str_eq(json_string_value(json_object_get(d, "layer_kind")), "moe");
            cr_expect_eq(json_integer_value(json_object_get(d, "layer")), 3);
            cr_expect_eq(json_integer_value(json_object_get(d, "layers_of_this_kind")), 58);
            cr_expect_str_eq(gb, "21.488677978515625");
            cr_expect(strstr(r.err, "layer 3, an MoE layer") != NULL, "%s", r.err);
            /* The other kind, labelled: dense layer 0, whose parameters are MLA's q_a 7168*1536 + q_a_norm 1536 +
             * q_b 1536*128*192 + kv_a 7168*576 + kv_a_norm 512 + kv_b 512*128*256 + o 16384*7168 = 187,107,328,
             * the dense MLP 3*7168*18432 = 396,361,728 and two norms of 7168: 583,483,392 parameters, in fp16. */
            json_t *o = json_object_get(d, "other_layer");
            cr_assert_not_null(o);
            cr_expect_str_eq(json_string_value(json_object_get(o, "layer_kind")), "dense");
            cr_expect_eq(json_integer_value(json_object_get(o, "layer")), 0);
            cr_expect_eq(json_number_value(json_object_get(o, "weights_bytes")), 2.0 * 583483392);
            cr_expect_eq(json_number_value(json_object_get(o, "checkpoint_bytes")), 2.0 * 4096 * 7168);
            /* The text says which layer each row is. */
            char *text = stdout_of((const char *[]){"memory", path, "--course-layer", NULL});
            cr_expect(strstr(text, "layer 3, MoE (58 of 61)") != NULL, "%s", text);
            cr_expect(strstr(text, "a dense layer (layer 0, 3 of 61)") != NULL, "%s", text);
            free(text);
        }
        json_decref(d);
        run_free(&r);
    }
}

/* `validate` checks the course's answers through the functions the course's flags print. */
Test(course_layer, validate_reports_what_the_course_flags_print)
{
    llmcost_validation_case *v;
    size_t n;
    cr_assert_eq(llmcost_validate_run(&v, &n), 0, "%s", llmcost_errmsg());
    char *model = stdout_of((const char *[]){"--model_config", src_path("tests/fixtures/llama_7b_config.json"),
                                             "--training_budget", "5e6", NULL});
    struct {
        const char *name, *label;
    } cases[] = {
        {"LLaMA-7B parameters", "Number of parameters: "},
        {"LLaMA-7B one layer forward", "Number of TFLOPs: "},
        {"LLaMA-7B one layer fp16 forward memory", "Peak memory cost: "},
        {"$5M budget: compute", "training_budget_flops: "},
        {"$5M budget: optimal N", "Optimal N: "},
        {"$5M budget: optimal D", "Optimal D: "},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        const llmcost_validation_case *c = NULL;
        for (size_t i = 0; i < n && !c; i++)
            if (!strcmp(v[i].suite, "course answers") && !strcmp(v[i].name, cases[k].name))
                c = &v[i];
        cr_assert_not_null(c, "%s", cases[k].name);
        char printed[64], pred[64];
        course_value(printed, sizeof printed, model, cases[k].label);
        if (k == 0)
            snprintf(pred, sizeof pred, "%lld", (long long)c->predicted);
        else
            cli_python_float(pred, sizeof pred, c->predicted);
        cr_expect_str_eq(pred, printed, "%s", cases[k].name);
        cr_expect(c->pass, "%s", cases[k].name);
    }
    free(model);
    llmcost_free(v);
}

/* ---- budget --model-mfu checks that the job its MFU comes from fits (issue 11 point 2) ---- */

static json_t *json_of(const char *const *argv, char **err)
{
    run_result r = run_cli(argv);
    cr_assert_eq(r.status, 0, "%s", r.err);
    json_t *d = json_loads(r.out, 0, NULL);
    cr_assert_not_null(d, "%s", r.out);
    if (err)
        *err = strdup(r.err);
    run_free(&r);
    return d;
}

/* The peak `llmcost memory` gives the job --model-mfu describes (ZeRO-3 over "gpus" GPUs, megatron, bf16 with fp32
 * master weights, selective recomputation, seq 2048, micro-batch 1) for the model budget --write-config designs. */
static json_t *memory_of_mfu_job(const char *dollars, const char *gpus)
{
    char cfg[128];
    snprintf(cfg, sizeof cfg, "/tmp/llmcost-test-%d-mfu-job.json", (int)getpid());
    json_decref(json_of((const char *[]){"budget", "--dollars", dollars, "--gpu", "h100", "--gpus", gpus,
                                         "--model-mfu", "--write-config", cfg, "--format", "json", NULL},
                        NULL));
    json_t *m = json_of((const char *[]){"memory", cfg, "--seq", "2048", "--micro-batch", "1", "--precision",
                                         "bf16-master", "--framework", "megatron", "--recompute", "selective",
                                         "--gpus", gpus, "--zero", "3", "--gpu", "h100", "--format", "json", NULL},
                        NULL);
    remove(cfg);
    return m;
}

Test(budget_fit, a_job_that_fits_says_so_with_the_memory_engines_peak)
{
    char *err;
    json_t *d = json_of((const char *[]){"budget", "--dollars", "5e6", "--gpu", "h100", "--model-mfu", "--format",
                                         "json", NULL},
                        &err);
    cr_expect(json_is_true(json_object_get(d, "fits")));
    cr_expect_str_eq(err, "");
    /* peak_bytes is exactly what `llmcost memory` says of the same job; capacity is the H100's 80 GiB. */
    json_t *m = memory_of_mfu_job("5e6", "1024");
    cr_expect_eq(json_number_value(json_object_get(d, "peak_bytes")),
                 json_number_value(json_object_get(m, "peak_bytes")));
    cr_expect_eq(json_number_value(json_object_get(d, "capacity_bytes")), llmcost_gpu_find("h100")->memory_bytes);
    cr_expect(json_is_true(json_object_get(m, "fits")));
    json_decref(m);
    json_decref(d);
    free(err);
    /* The text says it in the plan. */
    run_result r = run_cli((const char *[]){"budget", "--dollars", "5e6", "--gpu", "h100", "--model-mfu", NULL});
    cr_expect(strstr(r.out, "fits h100: peak ") && strstr(r.out, " usable"), "%s", r.out);
    run_free(&r);
}

Test(budget_fit, a_job_that_does_not_fit_warns_with_changes_that_were_tried)
{
    /* $5M buys a ~55B model; ZeRO-3 over 16 H100s holds 16 bytes x 55B / 16 = 55 GB of states per GPU plus the
     * activations of 2048 tokens through every layer: more than 76 GiB usable. */
    char *err;
    json_t *d = json_of((const char *[]){"budget", "--dollars", "5e6", "--gpu", "h100", "--gpus", "16",
                                         "--model-mfu", "--format", "json", NULL},
                        &err);
    cr_expect(json_is_false(json_object_get(d, "fits")));
    cr_expect(strstr(err, "llmcost: warning: ") && strstr(err, "does NOT fit h100"), "%s", err);
    double usable = json_number_value(json_object_get(d, "usable_bytes"));
    cr_expect_gt(json_number_value(json_object_get(d, "required_bytes")), usable);
    json_t *m = memory_of_mfu_job("5e6", "16");
    cr_expect_eq(json_number_value(json_object_get(d, "peak_bytes")),
                 json_number_value(json_object_get(m, "peak_bytes")));
    cr_expect(json_is_false(json_object_get(m, "fits")));
    json_decref(m);
    /* Each change offered fits when tried on the library's job. */
    json_t *fixes = json_object_get(d, "fixes");
    cr_assert_gt(json_array_size(fixes), 0);
    size_t i;
    json_t *f;
    json_array_foreach(fixes, i, f)
        cr_expect_leq(json_number_value(json_object_get(f, "required_bytes")), usable);
    llmcost_model *model;
    llmcost_job job;
    cr_assert_eq(llmcost_budget_mfu_job(&model, &job, json_number_value(json_object_get(d, "n_params")), 16, 32000), 0);
    job.recompute = LLMCOST_RECOMPUTE_FULL; /* the first change offered */
    cr_expect_str_eq(json_string_value(json_object_get(json_array_get(fixes, 0), "change")), "recompute");
    llmcost_job_fit_result fit;
    cr_assert_eq(llmcost_job_fit(&fit, model, llmcost_gpu_find("h100"), &job), 0);
    cr_expect(fit.fits);
    llmcost_model_free(model);
    json_decref(d);
    free(err);
}

/* ---- budget's formats: one tidy CSV table, text within 100 columns ---- */

/* Splits CSV "text" (RFC 4180: quoted cells, doubled quotes) into rows of cells; returns the row count. */
static int csv_read(const char *text, char cells[][32][512], int max_rows, int *ncols)
{
    int row = 0, col = 0;
    size_t len = 0;
    bool quoted = false;
    for (const char *p = text; *p && row < max_rows; p++) {
        char c = *p;
        if (quoted) {
            if (c == '"' && p[1] == '"')
                c = *++p;
            else if (c == '"') {
                quoted = false;
                continue;
            }
        } else if (c == '"') {
            quoted = true;
            continue;
        } else if (c == '\r') {
            continue;
        } else if (c == ',' || c == '\n') {
            cells[row][col][len] = '\0';
            len = 0;
            col++;
            if (c == '\n') {
                ncols[row++] = col;
                col = 0;
            }
            continue;
        }
        if (len + 1 < 512 && col < 32)
            cells[row][col][len++] = c;
    }
    return row;
}

Test(budget_format, csv_is_one_tidy_table_of_raw_numbers)
{
    char *out = stdout_of((const char *[]){"budget", "--dollars", "5e6", "--price-list", "course", "--law", "course",
                                           "--format", "csv", NULL});
    static char cells[8][32][512];
    int ncols[8];
    int rows = csv_read(out, cells, 8, ncols);
    /* A header and one row per GPU of the course's list, every row as wide as the header. */
    cr_assert_eq(rows, 4, "%s", out);
    for (int r = 0; r < rows; r++)
        cr_expect_eq(ncols[r], ncols[0], "row %d", r);
    int col_cost = -1, col_c = -1, col_best = -1, col_n = -1;
    for (int c = 0; c < ncols[0]; c++) {
        col_cost = !strcmp(cells[0][c], "cost_usd") ? c : col_cost;
        col_c = !strcmp(cells[0][c], "effective_flops") ? c : col_c;
        col_best = !strcmp(cells[0][c], "best") ? c : col_best;
        col_n = !strcmp(cells[0][c], "n_params") ? c : col_n;
    }
    cr_assert(col_cost >= 0 && col_c >= 0 && col_best >= 0 && col_n >= 0, "%s", out);
    /* Raw numbers: every cell but the names, the source and the flags parses whole (no separators, units or
     * currency signs). */
    for (int r = 1; r < rows; r++)
        for (int c = 0; c < ncols[0]; c++) {
            const char *h = cells[0][c];
            if (!strcmp(h, "gpu") || !strcmp(h, "price_source") || !strcmp(h, "best") || !strcmp(h, "law"))
                continue;
            char *end;
            strtod(cells[r][c], &end);
            cr_expect(*cells[r][c] && *end == '\0', "row %d %s = '%s'", r, h, cells[r][c]);
        }
    /* The A100 row is the course's answer: C = 5.616e23, N = 4.7476e10, cost $5,000,000. */
    cr_expect_str_eq(cells[1][0], "a100-80gb");
    cr_expect_str_eq(cells[1][col_best], "true");
    cr_expect(fabs(strtod(cells[1][col_c], NULL) / 5.616e23 - 1) < 1e-12);
    cr_expect(fabs(strtod(cells[1][col_n], NULL) / 4.7476e10 - 1) < 1e-4);
    cr_expect_eq(strtod(cells[1][col_cost], NULL), 5e6);
    /* The T4 row: $5M at $1/h buys 5e6 h x 3600 x 65e12 x 0.4 = 4.68e23. */
    cr_expect_str_eq(cells[3][0], "t4");
    cr_expect_str_eq(cells[3][col_best], "false");
    cr_expect(fabs(strtod(cells[3][col_c], NULL) / 4.68e23 - 1) < 1e-12);
    free(out);
}

Test(budget_format, text_fits_100_columns)
{
    char cfg[128];
    snprintf(cfg, sizeof cfg, "/tmp/llmcost-test-%d-width.json", (int)getpid());
    const char *cases[][12] = {
        {"budget", "--dollars", "5e6", "--price-list", "course", "--law", "course", "--write-config", cfg, NULL},
        {"budget", "--dollars", "5e6", "--gpu", "h100", "--gpus", "16", "--model-mfu", NULL},
        {"budget", "--flops", "1e24", "--law", "kaplan", NULL},
        {"budget", "--dollars", "5e6", NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        run_result r = run_cli(cases[i]);
        cr_expect_eq(r.status, 0, "%s", r.err);
        for (const char *p = r.out; *p;) {
            size_t len = strcspn(p, "\n");
            cr_expect_leq(len, 100, "case %zu: %.*s", i, (int)len, p);
            p += len + (p[len] == '\n');
        }
        run_free(&r);
    }
    remove(cfg);
}

Test(budget_fit, the_courses_gpus_without_bf16_check_the_fp16_job)
{
    /* V100 and T4 have no bf16 (the course's GPUs): the MFU's job runs fp16 with loss scaling there, and the fit
     * is checked for that job, not refused for a bf16 recipe. */
    json_t *d = json_of((const char *[]){"budget", "--dollars", "5e4", "--gpu", "t4", "--model-mfu", "--format",
                                         "json", NULL},
                        NULL);
    json_t *job = json_object_get(d, "mfu_job");
    cr_expect_str_eq(json_string_value(json_object_get(job, "precision")), "fp16");
    cr_expect(json_is_boolean(json_object_get(d, "fits")));
    cr_expect_eq(json_number_value(json_object_get(d, "capacity_bytes")), llmcost_gpu_find("t4")->memory_bytes);
    json_decref(d);
}
