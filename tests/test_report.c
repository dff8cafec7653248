/* test_report.c - `llmcost report` from the library (report.h): llmcost_report_to_json() and llmcost_request("report")
 * write, byte for byte, what the CLI prints with --format json, for dense, MoE and MLA models, fitting one GPU and
 * not; and the report's figures are checked against derivations written here and against `llmcost step` and
 * `llmcost memory` for the same job. */
#define _POSIX_C_SOURCE 200809L
#include <criterion/criterion.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
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
    json_t *j = json_loads(text, 0, &e);
    cr_assert_not_null(j, "does not parse: %s", e.text);
    return j;
}

static double num(const json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);
    cr_assert(json_is_number(v), "%s is not a number", key);
    return json_number_value(v);
}

/* The report of "model" on "gpu" with the library's defaults for everything else (as the CLI fills them). */
static char *library_report(const char *model, const char *gpu_name)
{
    llmcost_model *m;
    cr_assert_eq(llmcost_model_load(&m, model), 0, "%s", llmcost_errmsg());
    const llmcost_gpu *g = llmcost_gpu_find(gpu_name);
    cr_assert_not_null(g);
    llmcost_job_spec s;
    llmcost_job_spec_init(&s);
    char notes[4096] = "";
    llmcost_job job;
    cr_assert_eq(llmcost_job_spec_resolve(&job, &s, m, notes, sizeof notes), 0, "%s", llmcost_errmsg());
    llmcost_report_options o;
    llmcost_report_options_init(&o);
    o.notes = notes;
    char *text;
    cr_assert_eq(llmcost_report_to_json(&text, m, g, &job, &o), 0, "%s", llmcost_errmsg());
    llmcost_model_free(m);
    return text;
}

Test(report, library_json_is_the_clis_byte_for_byte)
{
    /* Dense (LLaMA-7B, GPT-2), MoE (Mixtral, OLMoE), MLA (DeepSeek-V2-Lite), and DeepSeek-V3, which fits no GPU. */
    const char *models[] = {"llama-7b", "gpt2", "mixtral-8x7b", "olmoe-1b-7b", "deepseek-v2-lite", "deepseek-v3"};
    for (size_t i = 0; i < sizeof models / sizeof models[0]; i++) {
        char *lib = library_report(models[i], "h100");
        char *cli = cli_out((const char *const[]){"report", models[i], "--format", "json", NULL});
        cr_expect_str_eq(lib, cli, "%s: the library's report differs from the CLI's", models[i]);
        char args[128], *req;
        snprintf(args, sizeof args, "{\"model\": \"%s\"}", models[i]);
        cr_assert_eq(llmcost_request(&req, "report", args), 0, "%s", llmcost_errmsg());
        cr_expect_str_eq(req, cli, "%s: llmcost_request(report) differs from the CLI", models[i]);
        llmcost_free(lib);
        llmcost_free(req);
        free(cli);
    }
}

Test(report, request_takes_the_job_and_gpu_arguments_as_the_cli)
{
    struct {
        const char *args;
        const char *argv[24];
    } cases[] = {
        {"{\"model\": \"llama-7b\", \"gpu\": \"h200\", \"tp\": 2, \"gpus\": 2, \"framework\": \"megatron\"}",
         {"report", "llama-7b", "--gpu", "h200", "--tp", "2", "--gpus", "2", "--framework", "megatron", "--format",
          "json", NULL}},
        {"{\"model\": \"llama-7b\", \"gpu\": \"h200\", \"tp\": 2, \"gpus\": 2, \"no_sequence_parallel\": true}",
         {"report", "llama-7b", "--gpu", "h200", "--tp", "2", "--gpus", "2", "--no-sequence-parallel", "--format",
          "json", NULL}},
        {"{\"model\": \"mixtral-8x7b\", \"gpus\": 8, \"ep\": 8, \"zero\": 3, \"seq\": \"4k\", \"headroom\": 0.1}",
         {"report", "mixtral-8x7b", "--gpus", "8", "--ep", "8", "--zero", "3", "--seq", "4k", "--headroom", "0.1",
          "--format", "json", NULL}},
        {"{\"model\": \"llama-3-8b\", \"gpu\": \"a100\", \"price_list\": \"course\", \"global_batch\": \"64x1024\"}",
         {"report", "llama-3-8b", "--gpu", "a100", "--price-list", "course", "--global-batch", "64x1024", "--format",
          "json", NULL}},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *cli = cli_out(cases[i].argv), *req;
        cr_assert_eq(llmcost_request(&req, "report", cases[i].args), 0, "%s", llmcost_errmsg());
        cr_expect_str_eq(req, cli, "llmcost_request(report, %s) differs from the CLI", cases[i].args);
        llmcost_free(req);
        free(cli);
    }
    char *out;
    cr_expect_lt(llmcost_request(&out, "report", "{\"model\": \"llama-7b\", \"tpp\": 2}"), 0);
    cr_expect(strstr(llmcost_errmsg(), "tpp: not an argument of report") != NULL, "%s", llmcost_errmsg());
}

/* The step_cost figures, derived here from `llmcost step` for the same job and the catalogue's price. */
Test(report, step_cost_is_the_step_engines_figures_at_the_catalogue_price)
{
    char *rep = cli_out((const char *const[]){"report", "llama-7b", "--gpu", "h100", "--format", "json", NULL});
    json_t *r = parse(rep), *sc = json_object_get(r, "step_cost");
    /* Hoffmann et al. 2022: about 20 tokens per parameter; LLaMA-7B has 6,738,415,616 (transformers'
     * num_parameters()). */
    double chinchilla = 20.0 * 6738415616.0;
    cr_expect_eq(num(sc, "chinchilla_tokens"), chinchilla);
    const llmcost_gpu *g = llmcost_gpu_find("h100");
    cr_assert_not_null(g);
    cr_expect_eq(num(sc, "price_usd_per_gpu_hour"), g->price_per_hour);
    json_t *profiles = json_object_get(sc, "profiles");
    cr_assert_eq(json_array_size(profiles), 2);
    const char *fw[] = {"hf", "megatron"};
    for (int i = 0; i < 2; i++) {
        json_t *p = json_array_get(profiles, (size_t)i);
        cr_expect_str_eq(json_string_value(json_object_get(p, "framework")), fw[i]);
        char *st = cli_out((const char *const[]){"step", "llama-7b", "--gpu", "h100", "--framework", fw[i], "--format",
                                                 "json", NULL});
        json_t *s = parse(st);
        double step = num(s, "step_seconds"), tps = num(s, "tokens_per_step") / step; /* one GPU */
        cr_expect_eq(num(p, "step_seconds"), step, "%s", fw[i]);
        cr_expect_eq(num(p, "mfu"), num(s, "mfu"), "%s", fw[i]);
        cr_expect_leq(fabs(num(p, "tokens_per_second") / tps - 1), 1e-12, "%s", fw[i]);
        /* Hours of a compute-optimal run: tokens / (tokens per second per GPU) / 3600 s; dollars at the price. */
        double hours = chinchilla / tps / 3600, per_billion = 1e9 / tps / 3600 * g->price_per_hour;
        cr_expect_leq(fabs(num(p, "chinchilla_gpu_hours") / hours - 1), 1e-12, "%s", fw[i]);
        cr_expect_leq(fabs(num(p, "chinchilla_cost_usd") / (hours * g->price_per_hour) - 1), 1e-12, "%s", fw[i]);
        cr_expect_leq(fabs(num(p, "usd_per_billion_tokens") / per_billion - 1), 1e-12, "%s", fw[i]);
        json_decref(s);
        free(st);
    }
    /* The memory section is `llmcost memory` of the same job. */
    char *mt = cli_out((const char *const[]){"memory", "llama-7b", "--gpu", "h100", "--format", "json", NULL});
    json_t *mem = parse(mt), *rm = json_object_get(r, "memory");
    const char *keys[] = {"peak_bytes", "reserved_bytes", "capacity_bytes", "max_micro_batch"};
    for (size_t k = 0; k < 4; k++)
        cr_expect_eq(num(rm, keys[k]), num(mem, keys[k]), "memory.%s", keys[k]);
    json_decref(mem);
    free(mt);
    json_decref(r);
    free(rep);
}

Test(report, the_memory_section_takes_the_jobs_headroom_and_context)
{
    /* Before the report came from the library, its memory section assumed 5% headroom and the default CUDA context
     * whatever was given, while its fit used the flags. */
    char *rep = cli_out((const char *const[]){"report", "llama-7b", "--headroom", "0.2", "--cuda-context-gb", "2",
                                              "--format", "json", NULL});
    char *mt = cli_out((const char *const[]){"memory", "llama-7b", "--headroom", "0.2", "--cuda-context-gb", "2",
                                             "--format", "json", NULL});
    json_t *r = parse(rep), *m = parse(mt), *rm = json_object_get(r, "memory");
    cr_expect_eq(num(rm, "headroom"), 0.2);
    cr_expect_eq(num(rm, "cuda_context_bytes"), 2.0 * 1073741824.0);
    cr_expect_eq(num(rm, "max_micro_batch"), num(m, "max_micro_batch"));
    json_decref(r);
    json_decref(m);
    free(rep);
    free(mt);
}

Test(report, the_result_holds_what_the_text_prints)
{
    llmcost_model *m;
    cr_assert_eq(llmcost_model_load(&m, "llama-7b"), 0);
    const llmcost_gpu *g = llmcost_gpu_find("h100");
    llmcost_job job;
    llmcost_job_spec s;
    llmcost_job_spec_init(&s);
    cr_assert_eq(llmcost_job_spec_resolve(&job, &s, m, NULL, 0), 0);
    llmcost_report *r;
    cr_assert_eq(llmcost_report_compute(&r, m, g, &job, NULL), 0, "%s", llmcost_errmsg());
    cr_expect_eq(r->basis, LLMCOST_REPORT_GIVEN); /* 7B in bf16 with AdamW at 2,048 tokens fits 80 GB */
    cr_expect(r->fit.fits);
    cr_expect_eq(r->flops.seq, 2048);  /* LLaMA's training length */
    cr_expect_eq(r->flops.batch, 1);
    cr_expect_eq(r->memory.seq, 2048);
    cr_expect_eq(r->n_profiles, 2);
    cr_expect_str_eq(r->notes, "");
    cr_expect_eq(r->profiles[0].framework, LLMCOST_FW_HF);
    cr_expect_eq(r->profiles[1].framework, LLMCOST_FW_MEGATRON);
    llmcost_report_free(r);
    llmcost_report_options o;
    llmcost_report_options_init(&o);
    o.sequence_parallel = 2;
    cr_expect_eq(llmcost_report_compute(&r, m, g, &job, &o), LLMCOST_EINVAL);
    cr_expect_null(r);
    llmcost_model_free(m);
}

static char *run_words(const char *first, const char *model, const char *flags, const char *extra)
{
    /* argv: first model FLAGS... EXTRA... --format json */
    static char buf[2048];
    snprintf(buf, sizeof buf, "%s %s", flags, extra ? extra : "");
    const char *argv[96];
    int n = 0;
    argv[n++] = first;
    argv[n++] = model;
    for (char *t = strtok(buf, " "); t && n < 92; t = strtok(NULL, " "))
        argv[n++] = t;
    argv[n++] = "--format";
    argv[n++] = "json";
    argv[n] = NULL;
    return cli_out(argv);
}

/* Issue 14: a model that does not fit one GPU is reported on the planner's best layout of a default cluster, the
 * smallest power-of-two number of GPUs from 8 on which a layout fits; that layout's step and memory are what
 * `llmcost plan`, `llmcost step` and `llmcost memory` print for it. */
Test(report, a_model_too_big_for_one_gpu_is_priced_on_the_plans_best_layout)
{
    struct {
        const char *model;
        double gpus; /* the default cluster, derived below from the plan's own answers */
    } cases[] = {{"llama-3.1-70b", 8}, {"llama-3.1-405b", 64}, {"gemma-2-2b", 1}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *model = cases[i].model;
        char *rep = cli_out((const char *const[]){"report", model, "--gpu", "h100", "--format", "json", NULL});
        json_t *r = parse(rep), *sc = json_object_get(r, "step_cost"), *al = json_object_get(sc, "assumed_layout");
        cr_assert_not_null(al, "%s: no assumed_layout", model);
        cr_expect(json_is_true(json_object_get(sc, "fits")));
        cr_expect_eq(num(al, "cluster_gpus"), cases[i].gpus, "%s", model);
        const char *pf = json_string_value(json_object_get(al, "plan_flags"));
        /* The plan of the same cluster ranks this layout first... */
        char *pt = run_words("plan", model, pf, "--top 1");
        json_t *p = parse(pt), *best = json_array_get(json_object_get(p, "layouts"), 0);
        cr_assert_not_null(best);
        cr_expect(json_equal(best, json_object_get(al, "layout")), "%s: the report's layout is not the plan's best", model);
        /* ... and the next smaller cluster (half, or one GPU below 8) fits no layout: it is the smallest. Gemma-2-2B at
         * 8,192 tokens does not fit one H100 as given (its 256K-entry vocabulary's logits) but does with changes. */
        if (cases[i].gpus > 1) {
            double smaller = cases[i].gpus == 8 ? 1 : cases[i].gpus / 2;
            char half[1024];
            snprintf(half, sizeof half, "%s", pf);
            char *g = strstr(half, "--gpus ");
            cr_assert_not_null(g);
            char rest[1024];
            snprintf(rest, sizeof rest, "%s", strchr(g + 7, ' '));
            snprintf(g, sizeof half - (size_t)(g - half), "--gpus %.0f%s", smaller, rest);
            char *ht = run_words("plan", model, half, "--top 1");
            json_t *h = parse(ht);
            cr_expect_eq(json_array_size(json_object_get(h, "layouts")), 0, "%s fits on %.0f GPUs", model, smaller);
            json_decref(h);
            free(ht);
        }
        /* Its step and memory are `llmcost step` and `llmcost memory` with the plan's flags, to 1e-9. */
        char *st = run_words("step", model, json_string_value(json_object_get(best, "step_flags")), NULL);
        char *mt = run_words("memory", model, json_string_value(json_object_get(best, "memory_flags")), NULL);
        json_t *s = parse(st), *mem = parse(mt);
        json_t *hf = json_array_get(json_object_get(sc, "profiles"), 0);
        cr_expect_leq(fabs(num(hf, "step_seconds") / num(s, "step_seconds") - 1), 1e-9, "%s step", model);
        cr_expect_leq(fabs(num(best, "step_seconds") / num(s, "step_seconds") - 1), 1e-9, "%s plan step", model);
        cr_expect_leq(fabs(num(sc, "peak_bytes") / num(mem, "peak_bytes") - 1), 1e-9, "%s peak", model);
        cr_expect_leq(fabs(num(json_object_get(r, "memory"), "peak_bytes") / num(mem, "peak_bytes") - 1), 1e-9,
                      "%s memory section", model);
        cr_expect_eq(num(json_object_get(sc, "layout"), "gpus"), cases[i].gpus);
        /* The text says what was assumed (Markdown: lines not wrapped). */
        run_result t = run_cli((const char *const[]){"report", model, "--gpu", "h100", "--format", "md", NULL});
        cr_expect(strstr(t.out, "assumed: the job given does not fit one h100") != NULL, "%s", t.out);
        cr_expect(strstr(t.out, "the planner's fastest layout") != NULL);
        run_free(&t);
        json_decref(s);
        json_decref(mem);
        json_decref(p);
        json_decref(r);
        free(st);
        free(mt);
        free(pt);
        free(rep);
    }
}

Test(report, a_job_that_fits_or_has_its_own_gpus_is_not_planned)
{
    char *a = cli_out((const char *const[]){"report", "llama-7b", "--format", "json", NULL});
    cr_expect(strstr(a, "assumed_layout") == NULL);
    /* Several GPUs given: the greedy changes on those GPUs, as before. */
    char *b = cli_out((const char *const[]){"report", "llama-3.1-70b", "--gpus", "8", "--format", "json", NULL});
    cr_expect(strstr(b, "assumed_layout") == NULL);
    cr_expect(strstr(b, "found by trying changes") != NULL, "%s", b);
    free(a);
    free(b);
}

/* ---- fine-tuning (issue 19) ---- */

Test(report, a_qlora_job_is_reported_with_its_adapters)
{
    /* Llama-3-8B with QLoRA on PEFT's default q_proj, v_proj at rank 8: 32 layers x 8 x ((4096 + 4096) + (4096 +
     * 1024)) = 3,407,872 trainable parameters; the base's 8,030,261,248 frozen. The memory section and both step
     * profiles are `llmcost memory` and `llmcost step` of the same job. */
    const char *args[] = {"--finetune", "qlora", "--seq", "1024", "--gpu", "rtx-4090", "--format", "json"};
    char *rep = cli_out((const char *const[]){"report", "llama-3-8b", args[0], args[1], args[2], args[3], args[4],
                                              args[5], args[6], args[7], NULL});
    json_t *r = parse(rep);
    json_t *pf = json_object_get(json_object_get(r, "params"), "finetune");
    cr_assert_not_null(pf, "params has no finetune object");
    cr_expect_eq(num(pf, "trainable_params"), 32.0 * 8 * ((4096 + 4096) + (4096 + 1024)));
    cr_expect_eq(num(pf, "frozen_params"), 8030261248.0);
    char *mt = cli_out((const char *const[]){"memory", "llama-3-8b", args[0], args[1], args[2], args[3], args[4],
                                             args[5], args[6], args[7], NULL});
    json_t *mem = parse(mt), *rm = json_object_get(r, "memory");
    const char *keys[] = {"peak_bytes", "reserved_bytes", "trainable_params", "frozen_params", "max_micro_batch"};
    for (size_t k = 0; k < 5; k++)
        cr_expect_eq(num(rm, keys[k]), num(mem, keys[k]), "memory.%s", keys[k]);
    cr_expect_str_eq(json_string_value(json_object_get(json_object_get(rm, "finetune"), "method")), "qlora");
    json_t *sc = json_object_get(r, "step_cost");
    cr_expect(json_is_true(json_object_get(sc, "fits")));
    const char *fw[] = {"hf", "megatron"};
    for (int i = 0; i < 2; i++) {
        char *st = cli_out((const char *const[]){"step", "llama-3-8b", args[0], args[1], args[2], args[3], args[4],
                                                 args[5], "--framework", fw[i], args[6], args[7], NULL});
        json_t *s = parse(st);
        cr_expect_eq(num(json_array_get(json_object_get(sc, "profiles"), (size_t)i), "step_seconds"),
                     num(s, "step_seconds"), "%s", fw[i]);
        json_decref(s);
        free(st);
    }
    json_decref(mem);
    free(mt);
    json_decref(r);
    free(rep);
}

Test(report, what_fits_one_24_48_and_80_gb_gpu_under_full_lora_and_qlora)
{
    char *rep = cli_out((const char *const[]){"report", "llama-3-8b", "--seq", "1024", "--format", "json", NULL});
    json_t *r = parse(rep), *ft = json_object_get(r, "finetune_fit");
    cr_assert_not_null(ft);
    json_t *cells = json_object_get(ft, "cells");
    cr_assert_eq(json_array_size(cells), 9);
    const char *gpus[] = {"rtx-4090", "l40s", "h100"}, *methods[] = {"full", "lora", "qlora"};
    double mb[3][3];
    for (int k = 0; k < 3; k++)
        for (int g = 0; g < 3; g++) {
            json_t *c = json_array_get(cells, (size_t)(3 * k + g));
            cr_expect_str_eq(json_string_value(json_object_get(c, "method")), methods[k]);
            cr_expect_str_eq(json_string_value(json_object_get(c, "gpu")), gpus[g]);
            cr_assert(json_is_true(json_object_get(c, "available")));
            mb[k][g] = num(c, "max_micro_batch");
            /* Each cell is `llmcost memory` of that job on that GPU. */
            char flags[256];
            snprintf(flags, sizeof flags, "memory llama-3-8b --seq 1024 --gpu %s --finetune %s --format json", gpus[g],
                     methods[k]);
            const char *argv[16];
            int n = 0;
            for (char *p = strtok(flags, " "); p && n < 15; p = strtok(NULL, " "))
                argv[n++] = p;
            argv[n] = NULL;
            char *mt = cli_out(argv);
            json_t *mem = parse(mt);
            cr_expect_eq(num(c, "peak_bytes"), num(mem, "peak_bytes"), "%s on %s", methods[k], gpus[g]);
            cr_expect_eq(num(c, "max_micro_batch"), num(mem, "max_micro_batch"), "%s on %s", methods[k], gpus[g]);
            cr_expect_eq(json_is_true(json_object_get(c, "fits")), json_is_true(json_object_get(mem, "fits")));
            json_decref(mem);
            free(mt);
        }
    /* Full fine-tuning in pure bf16 with AdamW (bf16 moments) holds 2 + 2 + 2 + 2 = 8 bytes per parameter before
     * activations: 64.2 GB for 8,030,261,248, more than 24 or 48 GB, less than 80. LoRA's frozen bf16 base is 16.1
     * GB, QLoRA's NF4 base about 6 GB: the micro-batch that fits grows with the GPU and from LoRA to QLoRA. */
    json_t *full80 = json_array_get(cells, 2);
    cr_expect_geq(num(full80, "peak_bytes"), 8 * 8030261248.0);
    cr_expect_eq(mb[0][0], 0, "full fine-tuning does not fit 24 GB");
    cr_expect_eq(mb[0][1], 0, "full fine-tuning does not fit 48 GB");
    for (int g = 0; g < 3; g++) {
        cr_expect_geq(mb[1][g], mb[0][g], "LoRA holds at least full fine-tuning's micro-batch on %s", gpus[g]);
        cr_expect_geq(mb[2][g], mb[1][g], "QLoRA holds at least LoRA's micro-batch on %s", gpus[g]);
        if (g > 0)
            for (int k = 0; k < 3; k++)
                cr_expect_geq(mb[k][g], mb[k][g - 1]);
    }
    cr_expect_geq(mb[2][0], 1, "QLoRA fits a 24 GB card");
    cr_expect_geq(mb[1][2], 1, "LoRA fits an 80 GB card");
    json_decref(r);
    free(rep);
}

/* ---- the memory savers (issue 19): every figure the report computes for the job takes them ---- */

static json_t *cli_doc(const char *cmd, const char *job, const char *extra)
{
    char args[1024];
    snprintf(args, sizeof args, "%s %s%s%s --format json", cmd, job, extra[0] ? " " : "", extra);
    json_t *d = run_cli_json_args(args);
    cr_assert_not_null(d, "%s", args);
    return d;
}

static bool rel_close(double a, double b, double tol)
{
    return fabs(a - b) <= tol * fmax(fabs(a), fabs(b));
}

/* The report of "job" (model and flags, savers included) against `llmcost memory` and `llmcost step` of the same
 * flags: the memory section's peak, reserve and largest micro-batch, the eager row's step, to 1e-9; the megatron
 * row against `llmcost step --framework megatron` of the job without "eager" (the flags Megatron-LM lacks). */
static void report_is_memory_and_step(const char *job, const char *eager, const char *without, const char *flags)
{
    json_t *r = cli_doc("report", job, ""), *m = cli_doc("memory", job, ""), *s = cli_doc("step", job, "");
    json_t *rm = json_object_get(r, "memory");
    const char *keys[] = {"peak_bytes", "reserved_bytes", "max_micro_batch", "activations_bytes"};
    for (size_t k = 0; k < 4; k++)
        cr_expect(rel_close(num(rm, keys[k]), num(m, keys[k]), 1e-9), "%s: memory.%s %.17g vs memory's %.17g", job,
                  keys[k], num(rm, keys[k]), num(m, keys[k]));
    json_t *sc = json_object_get(r, "step_cost");
    json_t *p0 = json_array_get(json_object_get(sc, "profiles"), 0), *p1 = json_array_get(json_object_get(sc, "profiles"), 1);
    cr_assert(p0 && p1);
    cr_expect(rel_close(num(p0, "step_seconds"), num(s, "step_seconds"), 1e-9), "%s: eager step %.17g vs step's %.17g",
              job, num(p0, "step_seconds"), num(s, "step_seconds"));
    cr_expect(rel_close(num(sc, "peak_bytes"), num(m, "peak_bytes"), 1e-9), "%s: step_cost.peak_bytes", job);
    cr_expect_str_eq(json_string_value(json_object_get(sc, "memory_savers")), flags, "%s", job);
    cr_expect_str_eq(json_string_value(json_object_get(p0, "memory_savers")), flags, "%s", job);
    /* The megatron row: the job without the eager savers, under megatron, said. */
    char mj[1024];
    snprintf(mj, sizeof mj, "%s --framework megatron", without);
    json_t *sm = cli_doc("step", mj, "");
    cr_expect_str_eq(json_string_value(json_object_get(p1, "framework")), "megatron");
    cr_expect(rel_close(num(p1, "step_seconds"), num(sm, "step_seconds"), 1e-9), "%s: megatron row %.17g vs %.17g", job,
              num(p1, "step_seconds"), num(sm, "step_seconds"));
    bool said = false;
    json_t *as = json_object_get(sc, "assumptions");
    for (size_t i = 0; i < json_array_size(as); i++) {
        const char *a = json_string_value(json_array_get(as, i));
        char want[256];
        snprintf(want, sizeof want, "the megatron row without %s:", eager);
        said |= strstr(a, want) != NULL;
    }
    cr_expect(said, "%s: the megatron row's missing savers are not said", job);
    /* The fine-tuning table's cells take the savers too: each is `llmcost memory` of its job with them. */
    json_t *ft = json_object_get(r, "finetune_fit");
    cr_expect_str_eq(json_string_value(json_object_get(ft, "memory_savers")), flags);
    json_t *cells = json_object_get(ft, "cells");
    for (size_t i = 0; i < json_array_size(cells); i++) {
        json_t *c = json_array_get(cells, i);
        if (!json_is_true(json_object_get(c, "available")))
            continue;
        const char *meth = json_string_value(json_object_get(c, "method"));
        char cj[1024];
        /* (job flags first: the cell's method, GPU and micro-batch 1 given last win) */
        snprintf(cj, sizeof cj, "%s --finetune %s --gpu %s --micro-batch 1%s", job, meth,
                 json_string_value(json_object_get(c, "gpu")), strcmp(meth, "qlora") ? " --quant none" : "");
        json_t *cm = cli_doc("memory", cj, "");
        cr_expect(rel_close(num(c, "peak_bytes"), num(cm, "peak_bytes"), 1e-9), "cell %zu: %s: %.17g vs %.17g", i, cj,
                  num(c, "peak_bytes"), num(cm, "peak_bytes"));
        cr_expect_eq(num(c, "max_micro_batch"), num(cm, "max_micro_batch"), "cell %zu: %s", i, cj);
        json_decref(cm);
    }
    json_decref(sm);
    json_decref(r);
    json_decref(m);
    json_decref(s);
}

Test(report, an_hf_job_with_savers_is_memory_and_step_with_the_same_flags, .timeout = 120)
{
    /* LoRA on Llama-3-8B, the loss in 8 chunks and torch.compile: fits one H100 as given. */
    const char *job = "llama-3-8b --finetune lora --chunked-loss 8 --compile --seq 2048 --gpu h100";
    report_is_memory_and_step(job, "--chunked-loss 8 --compile", "llama-3-8b --finetune lora --seq 2048 --gpu h100",
                              "--chunked-loss 8 --compile");
    /* The savers are used, not ignored: without them the loss keeps 4 bytes (fp32 log-probabilities) per vocabulary
     * entry per token, 4 x 128,256 x 2,048 = 1.05 GB, and compiled in chunks only its bf16 input (2 x 128,256 x
     * 2,048) plus one chunk's fp32 copies: the peak drops by more than 0.5 GB. */
    json_t *with = cli_doc("report", job, ""), *bare = cli_doc("report", "llama-3-8b --finetune lora --seq 2048 --gpu h100", "");
    double d = num(json_object_get(bare, "memory"), "peak_bytes") - num(json_object_get(with, "memory"), "peak_bytes");
    cr_expect_gt(d, 0.5e9, "the savers lower the report's peak by %.4g bytes", d);
    cr_expect_null(json_object_get(json_object_get(bare, "step_cost"), "memory_savers"), "no savers, no key");
    json_decref(with);
    json_decref(bare);
}

Test(report, a_torchtune_job_with_savers_is_memory_and_step_with_the_same_flags, .timeout = 120)
{
    /* torchtune QLoRA on Llama-3.2-3B with the optimizer in backward (one micro-batch a step), activations offloaded
     * over the host link, compiled. */
    const char *job = "llama-3.2-3b --framework torchtune --finetune qlora --optimizer-in-backward --grad-accum 1 "
                      "--activation-offload --compile --seq 2048 --gpu h100";
    report_is_memory_and_step(job, "--optimizer-in-backward --activation-offload --compile",
                              "llama-3.2-3b --finetune qlora --grad-accum 1 --seq 2048 --gpu h100",
                              "--optimizer-in-backward --activation-offload --compile");
    /* The eager row is torchtune's; the host copies' time is said as `llmcost step` says it. */
    json_t *r = cli_doc("report", job, "");
    json_t *sc = json_object_get(r, "step_cost"), *as = json_object_get(sc, "assumptions");
    cr_expect_str_eq(json_string_value(json_object_get(json_array_get(json_object_get(sc, "profiles"), 0), "framework")),
                     "torchtune");
    bool offload = false, hooks = false;
    for (size_t i = 0; i < json_array_size(as); i++) {
        const char *a = json_string_value(json_array_get(as, i));
        offload |= strncmp(a, "activation offload: ", 20) == 0 && strstr(a, "copied to the host") != NULL;
        hooks |= strncmp(a, "optimizer in backward: ", 23) == 0 && strstr(a, "launched from backward hooks") != NULL;
    }
    cr_expect(offload && hooks, "the savers' step lines are in step_cost.assumptions");
    json_decref(r);
}

Test(report, a_paged_optimizer_reaches_both_rows, .timeout = 120)
{
    /* Pre-training Llama-3.2-1B with paged 8-bit AdamW: the megatron row keeps it (the engines model it there), so
     * both rows are `llmcost step` of the same flags, and no row is said to lack a saver. */
    const char *job = "llama-3.2-1b --optimizer paged-adamw-8bit --seq 2048 --gpu a100";
    json_t *r = cli_doc("report", job, ""), *m = cli_doc("memory", job, ""), *s = cli_doc("step", job, "");
    json_t *sm = cli_doc("step", job, "--framework megatron");
    cr_expect(rel_close(num(json_object_get(r, "memory"), "peak_bytes"), num(m, "peak_bytes"), 1e-9));
    json_t *pr = json_object_get(json_object_get(r, "step_cost"), "profiles");
    cr_expect(rel_close(num(json_array_get(pr, 0), "step_seconds"), num(s, "step_seconds"), 1e-9));
    cr_expect(rel_close(num(json_array_get(pr, 1), "step_seconds"), num(sm, "step_seconds"), 1e-9));
    cr_expect_str_eq(json_string_value(json_object_get(json_array_get(pr, 1), "memory_savers")),
                     "--optimizer paged-adamw-8bit");
    json_t *as = json_object_get(json_object_get(r, "step_cost"), "assumptions");
    for (size_t i = 0; i < json_array_size(as); i++)
        cr_expect(strstr(json_string_value(json_array_get(as, i)), "the megatron row without") == NULL);
    /* The table names the paged optimizer (it printed "?" for the paged ones before). */
    cr_expect_str_eq(json_string_value(json_object_get(json_object_get(r, "finetune_fit"), "optimizer")),
                     "paged-adamw-8bit");
    json_decref(r);
    json_decref(m);
    json_decref(s);
    json_decref(sm);
}

Test(report, the_library_and_request_report_the_savers_as_the_cli)
{
    const char *argv[] = {"report", "llama-3-8b", "--finetune", "lora", "--chunked-loss", "8", "--compile", "--seq",
                          "2048", "--gpu", "h100", "--format", "json", NULL};
    char *cli = cli_out(argv), *req;
    cr_assert_eq(llmcost_request(&req, "report", "{\"model\": \"llama-3-8b\", \"finetune\": \"lora\", \"chunked_loss\": 8, "
                                                 "\"compile\": true, \"seq\": 2048, \"gpu\": \"h100\"}"),
                 0, "%s", llmcost_errmsg());
    cr_expect_str_eq(req, cli, "llmcost_request(report) with savers differs from the CLI");
    llmcost_free(req);
    free(cli);
    /* The text names the megatron row's missing savers beside it (Markdown: no line is wrapped). */
    const char *tv[] = {"report", "llama-3-8b", "--finetune", "lora", "--compile", "--seq", "2048", "--gpu", "h100",
                        "--format", "md", NULL};
    char *text = cli_out(tv);
    cr_expect(strstr(text, "megatron (fused kernels), no savers") != NULL, "the row's label");
    cr_expect(strstr(text, "Every cell with the job's memory savers (--compile)") != NULL, "the table's note");
    cr_expect(strstr(text, "assumed: the megatron row without --compile:") != NULL, "the assumed: line");
    free(text);
}

Test(report, a_job_with_savers_that_does_not_fit_is_planned_with_them, .timeout = 120)
{
    /* Llama-3-8B at its 8,192 tokens does not fit one H100 without recomputation: the planner's layout is searched
     * with the savers (its flags carry them), and the eager row is `llmcost step` of that layout's flags. */
    json_t *r = cli_doc("report", "llama-3-8b --compile --chunked-loss 4 --gpu h100", "");
    json_t *sc = json_object_get(r, "step_cost"), *al = json_object_get(sc, "assumed_layout");
    cr_assert_not_null(al, "planned");
    const char *pf = json_string_value(json_object_get(al, "plan_flags"));
    cr_expect(strstr(pf, " --chunked-loss 4 --compile") != NULL, "%s", pf);
    const char *sf = json_string_value(json_object_get(json_object_get(al, "layout"), "step_flags"));
    char job[1024];
    snprintf(job, sizeof job, "llama-3-8b %s", sf);
    json_t *s = cli_doc("step", job, "");
    json_t *p0 = json_array_get(json_object_get(sc, "profiles"), 0);
    cr_expect(rel_close(num(p0, "step_seconds"), num(s, "step_seconds"), 1e-9), "%.17g vs %.17g",
              num(p0, "step_seconds"), num(s, "step_seconds"));
    cr_expect(rel_close(num(p0, "step_seconds"), num(json_object_get(al, "layout"), "step_seconds"), 1e-9));
    json_decref(s);
    json_decref(r);
}

Test(report, a_planned_lora_job_names_its_targets_in_the_plan_flags, .timeout = 120)
{
    /* LoRA on Llama-3-8B at 2,048 tokens does not fit a 24 GB card without recomputation: planned on the one GPU;
     * the search's flags name the adapters' modules (they failed to print before: the targets need the model). */
    json_t *r = cli_doc("report", "llama-3-8b --finetune lora --seq 2048 --gpu rtx-4090", "");
    json_t *al = json_object_get(json_object_get(r, "step_cost"), "assumed_layout");
    cr_assert_not_null(al, "planned");
    const char *pf = json_string_value(json_object_get(al, "plan_flags"));
    cr_expect(strstr(pf, "--finetune lora --lora-targets q_proj,v_proj") != NULL, "%s", pf);
    json_decref(r);
}

Test(report, megatrons_moe_implementation_prices_the_megatron_row_only, .timeout = 120)
{
    /* Megatron-Core's MoE implementation (here --moe-shared-expert-overlap, and --moe-dispatcher deepep) was refused
     * for the whole report: the eager row ran the job under hf, which has no dispatcher. Now the megatron row is
     * `llmcost step --framework megatron` with it and the eager row `llmcost step --framework hf` without, said. */
    const char *extra[] = {"--moe-shared-expert-overlap", "--moe-dispatcher deepep"};
    for (int k = 0; k < 2; k++) {
        char job[512];
        snprintf(job, sizeof job, "deepseek-v2-lite --gpu h100 --gpus 16 --ep 16 --framework megatron %s", extra[k]);
        json_t *r = cli_doc("report", job, "");
        json_t *sc = json_object_get(r, "step_cost");
        json_t *hf = json_array_get(json_object_get(sc, "profiles"), 0), *mg = json_array_get(json_object_get(sc, "profiles"), 1);
        json_t *s_mg = cli_doc("step", job, "");
        json_t *s_hf = cli_doc("step", "deepseek-v2-lite --gpu h100 --gpus 16 --ep 16 --framework hf", "");
        cr_expect(rel_close(num(mg, "step_seconds"), num(s_mg, "step_seconds"), 1e-9), "%s: %.17g vs %.17g", extra[k],
                  num(mg, "step_seconds"), num(s_mg, "step_seconds"));
        cr_expect(rel_close(num(hf, "step_seconds"), num(s_hf, "step_seconds"), 1e-9), "%s: %.17g vs %.17g", extra[k],
                  num(hf, "step_seconds"), num(s_hf, "step_seconds"));
        char *text = json_dumps(json_object_get(sc, "assumptions"), 0);
        cr_expect(text && strstr(text, "the hf row without Megatron-Core's MoE implementation") != NULL, "%s", text);
        free(text);
        json_decref(s_mg);
        json_decref(s_hf);
        json_decref(r);
    }
}
