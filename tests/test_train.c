/* test_train.c - `llmcost step` and `llmcost train` as a user runs them: JSON keys, the cost arithmetic against a
 * hand derivation, the published comparison, and errors (exit 2, one line, nothing on stdout). */
#include <criterion/criterion.h>
#include <jansson.h>
#include <math.h>
#include <string.h>

#include "helpers.h"
#include "llmcost/llmcost.h"

static json_t *run_json(const char *const *argv)
{
    run_result r = run_cli(argv);
    cr_assert_eq(r.status, 0, "exit %d: %s", r.status, r.err);
    json_error_t e;
    json_t *doc = json_loads(r.out, 0, &e);
    cr_assert_not_null(doc, "%s: %s", e.text, r.out);
    run_free(&r);
    return doc;
}

static double num(json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);
    cr_assert(json_is_number(v), "missing number '%s'", key);
    return json_number_value(v);
}

Test(step_cli, json_has_the_keys_and_components_add_up)
{
    /* One micro-batch per step (--grad-accum 1); the default batch is the layout-independent 4M tokens (test_job.c). */
    const char *argv[] = {"step", "llama-3.2-1b", "--gpu", "h200", "--micro-batch", "4", "--seq", "2048", "--grad-accum", "1",
                          "--format", "json", NULL};
    json_t *doc = run_json(argv);
    double step = num(doc, "step_seconds");
    cr_expect_gt(step, 0);
    cr_expect_float_eq(num(doc, "tokens_per_second"), 4 * 2048 / step, 1e-6);
    double mfu = num(doc, "mfu"), hfu = num(doc, "hfu");
    cr_expect(mfu > 0 && mfu < 1 && hfu >= mfu);
    json_t *c = json_object_get(doc, "components");
    cr_assert(json_is_object(c));
    double sum = 0;
    const char *k;
    json_t *v;
    json_object_foreach(c, k, v) sum += json_number_value(v);
    cr_expect_float_eq(sum, step, 1e-9 * step);
    cr_expect(json_is_array(json_object_get(doc, "assumptions")));
    json_decref(doc);
}

Test(step_cli, every_format_and_the_layout_flags)
{
    const char *formats[] = {"text", "csv", "md"};
    for (int f = 0; f < 3; f++) {
        const char *argv[] = {"step", "llama-2-7b", "--gpu", "a100", "--gpus", "64", "--tp", "2", "--pp", "2", "--vpp", "2",
                              "--zero", "1", "--framework", "megatron", "--precision", "bf16-master", "--recompute",
                              "selective", "--global-batch", "512k", "--seq", "4096", "--format", formats[f], NULL};
        run_result r = run_cli(argv);
        cr_expect_eq(r.status, 0, "%s: %s", formats[f], r.err);
        cr_expect(strstr(r.out, "pipeline") != NULL, "%s: no bubble row: %s", formats[f], r.out);
        run_free(&r);
    }
}

Test(train_cli, cost_is_gpu_hours_times_price_with_imposed_mfu)
{
    /* With --mfu 0.4: seconds = FLOPs / (GPUs x 312e12 x 0.4); GPU-hours = FLOPs / (312e12 x 0.4) / 3600;
     * cost = GPU-hours x $4 (the course's A100 price); energy = GPU-hours x 0.4 kW x PUE 1.1. --goodput 1: the
     * ideal run, so no time is lost to failures (the default models them; train_goodput below). */
    const char *argv[] = {"train", "llama-7b", "--tokens", "1T", "--gpu", "a100", "--gpus", "2048", "--mfu", "0.4",
                          "--price-list", "course", "--goodput", "1", "--format", "json", NULL};
    json_t *doc = run_json(argv);
    double flops = num(doc, "total_flops"), hours = num(doc, "gpu_hours");
    cr_expect_float_eq(hours, flops / (312e12 * 0.4) / 3600, 1e-6 * hours);
    cr_expect_float_eq(num(doc, "cost_usd"), hours * 4.0, 1e-6 * hours);
    cr_expect_float_eq(num(doc, "energy_kwh"), hours * 0.4 * 1.1, 1e-6 * hours);
    cr_expect_float_eq(num(doc, "wall_seconds"), hours * 3600 / 2048, 1e-6 * hours);
    cr_expect_float_eq(num(doc, "mfu"), 0.4, 1e-12);
    /* At least the tokens asked for, in whole steps of 2048 x 2048 tokens. */
    double tokens = num(doc, "tokens");
    cr_expect(tokens >= 1e12 && tokens < 1e12 + 2048.0 * 2048);
    json_decref(doc);
}

Test(train_cli, predicted_run_has_the_keys)
{
    const char *argv[] = {"train", "llama-3.1-405b", "--tokens", "15.6T", "--gpu", "h100", "--gpus", "16384", "--tp", "8",
                          "--pp", "16", "--vpp", "8", "--global-batch", "16M", "--seq", "8192", "--framework", "megatron",
                          "--precision", "bf16-master", "--price", "2.0", "--format", "json", NULL};
    json_t *doc = run_json(argv);
    const char *keys[] = {"gpu_hours", "wall_seconds", "cost_usd", "energy_kwh", "mfu", "total_flops", "co2_kg", "steps"};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        cr_expect(json_is_number(json_object_get(doc, keys[i])), "missing %s", keys[i]);
    cr_expect_float_eq(num(doc, "cost_usd"), 2.0 * num(doc, "gpu_hours"), 1e-6 * num(doc, "cost_usd"));
    /* 16M = 2^24 tokens = 2048 sequences of 8192. */
    cr_expect_float_eq(num(json_object_get(doc, "step"), "tokens_per_step"), 16777216, 0.5);
    json_decref(doc);
}

Test(train_cli, text_prints_assumptions_and_unknown_power)
{
    const char *argv[] = {"train", "llama-3.2-1b", "--tokens", "10B", "--gpu", "tpu-v5p", "--gpus", "8", NULL};
    run_result r = run_cli(argv);
    cr_expect_eq(r.status, 0, "%s", r.err);
    cr_expect(strstr(r.out, "GPU-hours") && strstr(r.out, "assumed:") && strstr(r.out, "--tdp"), "%s", r.out);
    run_free(&r);
}

Test(train_cli, published_in_every_format)
{
    const char *formats[] = {"text", "json", "csv", "md"};
    for (int f = 0; f < 4; f++) {
        const char *argv[] = {"train", "--published", "--format", formats[f], NULL};
        run_result r = run_cli(argv);
        cr_expect_eq(r.status, 0, "%s", r.err);
        cr_expect(strstr(r.out, "Llama 3.1 405B") && strstr(r.out, "DeepSeek-V3"), "%s", formats[f]);
        /* every run's memory verdict: a table in text, fields in JSON */
        if (!strcmp(formats[f], "text"))
            cr_expect(strstr(r.out, "Memory of each run under its stated layout") && strstr(r.out, "known miss"), "%s", r.out);
        if (!strcmp(formats[f], "json"))
            cr_expect(strstr(r.out, "\"stated_fits\"") && strstr(r.out, "\"memory_missing\"") &&
                          strstr(r.out, "\"required_bytes\""), "%s", r.out);
        run_free(&r);
    }
}

Test(train_cli, errors_exit_2_with_one_line)
{
    const char *bad[][12] = {
        {"train", "llama-7b", NULL},
        {"train", "llama-7b", "--tokens", "1T", "--tp", "3", NULL},
        {"train", "llama-7b", "--tokens", "1T", "--gpus", "10", "--tp", "4", NULL},
        /* a token count that does not divide is rounded (test_job.c); a SEQUENCESxLENGTH against --seq is refused */
        {"train", "llama-7b", "--tokens", "1T", "--gpus", "8", "--global-batch", "1024x4096", "--seq", "2048", NULL},
        {"train", "llama-7b", "--tokens", "1T", "--gpu", "a100", "--precision", "fp8", NULL},
        {"train", "llama-7b", "--tokens", "1T", "--mfu", "1.5", NULL},
        {"train", "llama-7b", "--tokens", "1T", "--pue", "0.5", NULL},
        {"step", "llama-7b", "--zero", "4", NULL},
        {"step", "llama-7b", "--precision", "fp12", NULL},
        /* V100 has no bf16 tensor cores (data/gpus.json): bf16 (the default recipe) is refused, fp16 named */
        {"step", "llama-7b", "--gpu", "v100", "--gpus", "8", "--zero", "3", NULL},
        {"memory", "llama-7b", "--gpu", "t4", "--precision", "bf16-master", NULL},
        {"step", "llama-7b", "--gpu", "h1000", NULL},
        {"step", "llama-7b", "--sp", "--no-sp", "--tp", "2", NULL},
    };
    const char *needles[] = {"--tokens", "--tp 3", "--gpus 10", "--global-batch", "fp8", "--mfu", "--pue", "--zero",
                             "--precision", "--precision fp16",
                             "--precision fp16", "h1000", "--sp"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        run_result r = run_cli(bad[i]);
        cr_expect_eq(r.status, 2, "case %zu: exit %d: %s", i, r.status, r.err);
        cr_expect_str_empty(r.out, "case %zu", i);
        cr_expect_eq(count_lines(r.err), 1, "case %zu: %s", i, r.err);
        cr_expect(strstr(r.err, "llmcost: ") == r.err && strstr(r.err, needles[i]), "case %zu: %s", i, r.err);
        run_free(&r);
    }
}

Test(report_cli, has_the_time_and_cost_section)
{
    const char *argv[] = {"report", "--format", "json", NULL};
    json_t *doc = run_json(argv);
    json_t *sc = json_object_get(doc, "step_cost");
    cr_assert(json_is_object(sc));
    cr_expect_str_eq(json_string_value(json_object_get(sc, "gpu")), "h100");
    cr_expect_eq(json_array_size(json_object_get(sc, "profiles")), 2);
    json_decref(doc);
    const char *argv2[] = {"report", NULL};
    run_result r = run_cli(argv2);
    cr_expect(strstr(r.out, "Time and cost of a step on h100") != NULL);
    run_free(&r);
}

/* The at-scale suite (issue 16 point 7): at least 25 published runs, split by the rule the file states (run i is
 * held out when i mod 3 == 2), every run in exactly one set, and every run predicted. */
Test(published_scale, split_rule_and_every_run_predicted)
{
    json_t *doc = json_load_file(src_path("data/validation/runs_scale.json"), 0, NULL);
    cr_assert_not_null(doc);
    json_t *runs = json_object_get(doc, "runs");
    size_t n = json_array_size(runs), held = 0;
    cr_assert_geq(n, 25, "only %zu runs", n);
    for (size_t i = 0; i < n; i++) {
        const char *set = json_string_value(json_object_get(json_array_get(runs, i), "set"));
        cr_assert_not_null(set, "run %zu has no set", i);
        cr_expect_str_eq(set, i % 3 == 2 ? "held-out" : "fitting", "run %zu", i);
        held += i % 3 == 2;
    }
    llmcost_published *fit, *out;
    size_t nf, no;
    cr_assert_eq(llmcost_train_published_file(&fit, &nf, "data/validation/runs_scale.json", "fitting"), 0, "%s",
                 llmcost_errmsg());
    cr_assert_eq(llmcost_train_published_file(&out, &no, "data/validation/runs_scale.json", "held-out"), 0, "%s",
                 llmcost_errmsg());
    cr_expect_eq(no, held);
    cr_expect_eq(nf + no, n);
    for (size_t i = 0; i < no; i++) {
        cr_expect_str_eq(out[i].set, "held-out");
        cr_expect(isfinite(out[i].predicted) && out[i].predicted > 0, "%s", out[i].name);
    }
    llmcost_free(fit);
    llmcost_free(out);
    json_decref(doc);
}

/* The errors by kind of run (llmcost_validate_groups): each group of the at-scale held-out set must count the
 * runs the file gives that kind and set (counted here from the JSON), and its mean, median and worst must be
 * those of the cases llmcost_validate_run reports for the same figures (a second path through the engine), with
 * the median taken by hand: sort, middle one or mean of the middle two. */
static int cmp_abs(const void *a, const void *b)
{
    double x = fabs(*(const double *)a), y = fabs(*(const double *)b);
    return (x > y) - (x < y);
}

Test(published_scale, errors_by_kind_match_the_cases)
{
    llmcost_validation_group *g;
    size_t ng;
    cr_assert_eq(llmcost_validate_groups(&g, &ng), 0, "%s", llmcost_errmsg());
    llmcost_validation_case *v;
    size_t nv;
    cr_assert_eq(llmcost_validate_run(&v, &nv), 0, "%s", llmcost_errmsg());
    json_t *doc = json_load_file(src_path("data/validation/runs_scale.json"), 0, NULL);
    cr_assert_not_null(doc);
    const char *suite = "published runs at scale: held-out set";
    size_t checked = 0, i;
    bool saw_all = false;
    for (size_t k = 0; k < ng; k++) {
        if (strcmp(g[k].suite, suite))
            continue;
        bool all = !strcmp(g[k].kind, "all");
        saw_all |= all;
        /* The runs of this kind and set, by name, from the file. */
        double e[64];
        size_t ne = 0;
        json_t *r;
        json_array_foreach(json_object_get(doc, "runs"), i, r)
        {
            if (strcmp(json_string_value(json_object_get(r, "set")), "held-out") ||
                (!all && strcmp(json_string_value(json_object_get(r, "kind")), g[k].kind)))
                continue;
            char name[160];
            snprintf(name, sizeof name, "%s: tokens_per_second_per_gpu", json_string_value(json_object_get(r, "name")));
            for (size_t c = 0; c < nv; c++)
                if (!strcmp(v[c].suite, suite) && !strcmp(v[c].name, name))
                    e[ne++] = v[c].error;
        }
        cr_assert_eq(g[k].figures, ne, "%s: %zu figures, the file has %zu", g[k].kind, g[k].figures, ne);
        cr_assert_gt(ne, 0);
        qsort(e, ne, sizeof e[0], cmp_abs);
        double sum = 0, ssum = 0;
        size_t w10 = 0, w25 = 0;
        for (size_t j = 0; j < ne; j++) {
            sum += fabs(e[j]);
            ssum += e[j];
            w10 += fabs(e[j]) <= 0.10;
            w25 += fabs(e[j]) <= 0.25;
        }
        double median = ne % 2 ? fabs(e[ne / 2]) : (fabs(e[ne / 2 - 1]) + fabs(e[ne / 2])) / 2;
        cr_expect_float_eq(g[k].mean_abs_error, sum / ne, 1e-12, "%s", g[k].kind);
        cr_expect_float_eq(g[k].mean_error, ssum / ne, 1e-12, "%s", g[k].kind);
        cr_expect_float_eq(g[k].median_abs_error, median, 1e-12, "%s", g[k].kind);
        cr_expect_float_eq(g[k].worst_error, e[ne - 1], 1e-12, "%s", g[k].kind);
        cr_expect_eq(g[k].within_10, w10, "%s", g[k].kind);
        cr_expect_eq(g[k].within_25, w25, "%s", g[k].kind);
        checked++;
    }
    cr_expect(saw_all, "no 'all' group for %s", suite);
    cr_expect_geq(checked, 4, "the held-out set has runs of at least three kinds and 'all'");
    /* The text and md outputs print the groups. */
    const char *argv[] = {"validate", "--suite", "at scale: held-out", NULL};
    run_result rr = run_cli(argv);
    cr_expect(strstr(rr.out, "published runs at scale: held-out set: errors by kind") != NULL, "%s", rr.out);
    run_free(&rr);
    json_decref(doc);
    llmcost_free(v);
    llmcost_free(g);
}

/* The MosaicML runs' models are llm-foundry's benchmark configs written as GPT-2-shaped models: each one's
 * parameter count must be the NumParams column MosaicML printed beside its throughput (an independent count). */
Test(published_scale, mosaicml_models_have_the_published_parameter_counts)
{
    json_t *doc = json_load_file(src_path("data/validation/runs_scale.json"), 0, NULL);
    cr_assert_not_null(doc);
    size_t i, checked = 0;
    json_t *r;
    json_array_foreach(json_object_get(doc, "runs"), i, r)
    {
        json_t *want = json_object_get(r, "params_check");
        if (!json_is_number(want))
            continue;
        char *text = json_dumps(json_object_get(r, "config"), JSON_COMPACT);
        llmcost_model *m;
        cr_assert_eq(llmcost_model_from_json(&m, text, strlen(text), "runs_scale"), 0, "%s", llmcost_errmsg());
        llmcost_params p;
        cr_assert_eq(llmcost_params_count(&p, m), 0);
        cr_expect_eq((double)p.total, json_number_value(want), "%s: %lld parameters, MosaicML printed %.0f",
                     json_string_value(json_object_get(r, "name")), (long long)p.total, json_number_value(want));
        llmcost_model_free(m);
        free(text);
        checked++;
    }
    cr_expect_geq(checked, 20);
    json_decref(doc);
}

/* Goodput from Llama 3's interruptions (Dubey et al. 2024 §3.3.4): 466 in 54 days on 16,384 GPUs at 90% effective
 * time. The model must give back 0.9 at Llama 3's own scale; at n GPUs, 1 / (1 + (1/0.9 - 1) n / 16384). */
Test(train_goodput, failure_model_reproduces_llama3_and_scales_with_gpus)
{
    cr_expect_float_eq(llmcost_train_failure_goodput(16384), 0.9, 1e-12);
    for (int64_t n = 8; n <= 131072; n *= 4) {
        double want = 1 / (1 + (1 / 0.9 - 1) * (double)n / 16384);
        cr_expect_float_eq(llmcost_train_failure_goodput(n), want, 1e-12, "%lld GPUs", (long long)n);
    }
    cr_expect_eq(llmcost_train_failure_goodput(0), 1.0);
}

/* The CLI's default goodput is modelled (failures, checkpoint saves, warm-up), printed as assumed; --goodput 1 is
 * the ideal run: its wall-clock is the steps' time alone. */
Test(train_goodput, cli_default_is_modelled_and_goodput_1_is_ideal)
{
    const char *dflt[] = {"train", "llama-3-8b", "--tokens", "1e12", "--gpus", "1024", "--format", "json", NULL};
    const char *ideal[] = {"train", "llama-3-8b", "--tokens", "1e12", "--gpus", "1024", "--goodput", "1", "--format", "json", NULL};
    json_t *a = run_json(dflt), *b = run_json(ideal);
    double g = llmcost_train_failure_goodput(1024);
    cr_expect_float_eq(num(a, "failure_goodput"), g, 1e-12);
    cr_expect(json_is_true(json_object_get(a, "goodput_modelled")));
    cr_expect_lt(num(a, "goodput"), g); /* checkpoints and warm-up cost something besides failures */
    cr_expect_float_eq(num(b, "goodput"), 1.0, 1e-12);
    cr_expect_null(json_object_get(b, "checkpoint"));
    double useful = num(b, "steps") * num(json_object_get(b, "step"), "step_seconds");
    cr_expect_float_eq(num(b, "wall_seconds"), useful, 1e-9 * useful);
    cr_expect_float_eq(num(a, "gpu_hours") * num(a, "goodput"), num(b, "gpu_hours"), 1e-9 * num(b, "gpu_hours"));
    json_decref(a);
    json_decref(b);
}

/* Checkpoint saves and warm-up (issue 16 point 6), derived by hand. Llama 3 8B has 8,030,261,248 parameters (model
 * card); bf16-master keeps 2 (bf16 weights) + 4 (fp32 master) + 8 (two fp32 AdamW moments) = 14 bytes of each in a
 * checkpoint: 112,423,657,472 bytes. At the default 2 TB/s / 16,384 per GPU over 1,024 GPUs (125 GB/s in all) one
 * save takes 0.89939 s. Interruptions arrive at lambda = 466 / (16,384 x 0.9 x 1,296 h) per GPU-hour, so the job's
 * MTBF is 3600 / (lambda x 1,024) s and Young's interval sqrt(2 x C x MTBF). */
Test(train_goodput, checkpoint_saves_and_warmup_by_hand)
{
    const char *dflt[] = {"train", "llama-3-8b", "--tokens", "1e12", "--gpus", "1024", "--precision", "bf16-master",
                          "--format", "json", NULL};
    json_t *a = run_json(dflt);
    double useful = num(a, "steps") * num(json_object_get(a, "step"), "step_seconds");
    double bytes = 8030261248.0 * 14, C = bytes / (1024 * 2e12 / 16384);
    double lambda = 466 / (16384 * 0.9 * 1296.0), mtbf = 3600 / (lambda * 1024), T = sqrt(2 * C * mtbf);
    double saves = floor(useful / T), gf = 1 / (1 + (1 / 0.9 - 1) * 1024 / 16384.0);
    double wall = (useful + saves * C) / gf + 30;
    json_t *ck = json_object_get(a, "checkpoint");
    cr_assert_not_null(ck);
    cr_expect_float_eq(num(ck, "bytes"), bytes, 1e-9 * bytes);
    cr_expect_float_eq(num(ck, "save_seconds"), C, 1e-9 * C);
    cr_expect_float_eq(num(ck, "interval_seconds"), T, 1e-9 * T);
    cr_expect_float_eq(num(ck, "saves"), saves, 0.5);
    cr_expect_float_eq(num(a, "warmup_seconds"), 30, 1e-12);
    cr_expect_float_eq(num(a, "wall_seconds"), wall, 1e-9 * wall);
    cr_expect_float_eq(num(a, "goodput"), useful / wall, 1e-9);
    json_decref(a);
    /* Given: 1 GB/s per GPU (1,024 GB/s in all), a save every hour, 10 minutes of warm-up. */
    const char *given[] = {"train", "llama-3-8b", "--tokens", "1e12", "--gpus", "1024", "--precision", "bf16-master",
                           "--checkpoint-gbps", "1", "--checkpoint-interval", "3600", "--warmup", "600",
                           "--format", "json", NULL};
    json_t *b = run_json(given);
    double C2 = bytes / 1024e9, saves2 = floor(useful / 3600), wall2 = (useful + saves2 * C2) / gf + 600;
    ck = json_object_get(b, "checkpoint");
    cr_expect_float_eq(num(ck, "save_seconds"), C2, 1e-9 * C2);
    cr_expect_float_eq(num(ck, "saves"), saves2, 0.5);
    cr_expect_float_eq(num(b, "wall_seconds"), wall2, 1e-9 * wall2);
    json_decref(b);
    /* The assumptions name each default. */
    json_t *c = run_json(dflt);
    json_t *as = json_object_get(c, "assumptions");
    char all[8192] = "";
    for (size_t i = 0; i < json_array_size(as); i++)
        strncat(all, json_string_value(json_array_get(as, i)), sizeof all - strlen(all) - 1);
    cr_expect(strstr(all, "Young's optimum") && strstr(all, "2 TB/s for 16,384 GPUs") && strstr(all, "warm-up: 30 s"),
              "%s", all);
    json_decref(c);
}

/* A LoRA checkpoint holds the adapters and their optimizer state, not the frozen base (PEFT's save_pretrained writes
 * adapter_model.safetensors, the Trainer optimizer.pt). Llama 3 8B, r = 16 on q_proj (4096 -> 4096) and v_proj
 * (4096 -> 1024, 8 KV heads of 128) of 32 layers: 32 x 16 x ((4096 + 4096) + (4096 + 1024)) = 6,815,744 adapter
 * parameters. fp32 adapters (PEFT's default) with AdamW: 4 + 8 bytes each; bf16 adapters 2 + 2 x 2; QLoRA's 4-bit
 * base is not saved either; full fine-tuning saves the whole model (the bf16 recipe, 2 + 2 x 2 bytes). */
Test(train_goodput, lora_checkpoint_holds_the_adapters_and_their_states)
{
    double adapters = 32 * 16 * ((4096.0 + 4096) + (4096.0 + 1024));
    const char *lora[] = {"train", "llama-3-8b", "--tokens", "1e9", "--gpus", "1", "--finetune", "lora",
                          "--lora-rank", "16", "--lora-targets", "q_proj,v_proj", "--format", "json", NULL};
    json_t *a = run_json(lora);
    double bytes = adapters * (4 + 2 * 4), C = bytes / (2e12 / 16384);
    cr_expect_float_eq(num(json_object_get(a, "checkpoint"), "bytes"), bytes, 1e-9 * bytes);
    cr_expect_float_eq(num(json_object_get(a, "checkpoint"), "save_seconds"), C, 1e-9 * C);
    json_decref(a);
    const char *qlora[] = {"train", "llama-3-8b", "--tokens", "1e9", "--gpus", "1", "--finetune", "qlora",
                           "--lora-rank", "16", "--lora-targets", "q_proj,v_proj", "--adapter-dtype", "bf16",
                           "--format", "json", NULL};
    json_t *b = run_json(qlora);
    cr_expect_float_eq(num(json_object_get(b, "checkpoint"), "bytes"), adapters * (2 + 2 * 2), 1e-9 * adapters);
    json_decref(b);
    const char *full[] = {"train", "llama-3-8b", "--tokens", "1e9", "--gpus", "8", "--finetune", "full",
                          "--precision", "bf16", "--format", "json", NULL};
    json_t *c = run_json(full);
    cr_expect_float_eq(num(json_object_get(c, "checkpoint"), "bytes"), 8030261248.0 * (2 + 2 * 2), 1.0);
    json_decref(c);
}

/* TFLOP/s per GPU in named conventions (issue 16 point 7), derived here from the step's own time and tokens:
 * Llama 3 8B has 8,030,261,248 parameters (model card), h = 4096, l = 32, V = 128,256. */
Test(step_cli, tflops_per_gpu_in_named_conventions)
{
    const char *argv[] = {"step", "llama-3-8b", "--gpus", "8", "--zero", "3", "--seq", "4096", "--format", "json", NULL};
    json_t *d = run_json(argv);
    json_t *tf = json_object_get(d, "tflops_per_gpu");
    cr_assert_not_null(tf);
    double t = num(d, "step_seconds"), tok = num(d, "tokens_per_step"), per = 1e12 * t * 8;
    double B = tok / 4096, s = 4096, l = 32, h = 4096, V = 128256;
    cr_expect_float_eq(num(tf, "exact_causal"), num(d, "model_flops_per_step") / per, 1e-9 * num(tf, "exact_causal"));
    cr_expect_float_eq(num(tf, "6nd"), 6.0 * 8030261248.0 * tok / per, 1e-9 * num(tf, "6nd"));
    double meg = 96 * B * s * l * h * h * (1 + s / (6 * h) + V / (16 * l * h)) / per;
    cr_expect_float_eq(num(tf, "megatron_hfu"), meg, 1e-9 * meg);
    json_decref(d);
}
