/* test_request.c - a job and a command stated by name (request.h): llmcost_request() answers exactly what the CLI
 * prints with --format json for the same arguments, the job spec reads values with the CLI's suffixes and fills
 * the defaults the CLI prints (checked against derivations written here), and messages name the argument. */
#define _POSIX_C_SOURCE 200809L
#include <criterion/criterion.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"
#include "llmcost/llmcost.h"

static char *cli_json(const char *const *argv)
{
    run_result r = run_cli(argv);
    cr_assert_eq(r.status, 0, "exit %d: %s", r.status, r.err);
    char *out = r.out;
    r.out = NULL;
    run_free(&r);
    return out;
}

static char *request(const char *cmd, const char *args)
{
    char *out;
    int rc = llmcost_request(&out, cmd, args);
    cr_assert_eq(rc, 0, "%s %s: %s", cmd, args, llmcost_errmsg());
    cr_assert_not_null(out);
    return out;
}

static void same(const char *cmd, const char *args, const char *const *argv)
{
    char *a = request(cmd, args), *b = cli_json(argv);
    cr_assert_str_eq(a, b, "llmcost_request(%s, %s) differs from the CLI", cmd, args);
    llmcost_free(a);
    free(b);
}

Test(request, step_equals_the_cli)
{
    same("step", "{\"model\": \"llama-3-8b\", \"gpu\": \"h200\", \"seq\": \"4k\", \"recompute\": \"full\"}",
         (const char *const[]){"step", "llama-3-8b", "--gpu", "h200", "--seq", "4k", "--recompute", "full", "--format",
                               "json", NULL});
    /* Every default: the sequence, the published batch, the GPU (h100), all said in "assumptions". */
    same("step", "{\"model\": \"gpt2\"}", (const char *const[]){"step", "gpt2", "--format", "json", NULL});
    /* Numbers as JSON numbers, booleans as flags, a layout that needs sequence parallelism turned off. */
    same("step",
         "{\"model\": \"llama-3.1-405b\", \"gpu\": \"h100\", \"framework\": \"megatron\", \"precision\": "
         "\"bf16-master\", \"tp\": 8, \"pp\": 16, \"vpp\": 8, \"gpus\": 16384, \"zero\": 1, \"seq\": 8192, "
         "\"global_batch\": \"16M\", \"tp_overlap\": true}",
         (const char *const[]){"step", "llama-3.1-405b", "--gpu", "h100", "--framework", "megatron", "--precision",
                               "bf16-master", "--tp", "8", "--pp", "16", "--vpp", "8", "--gpus", "16384", "--zero", "1",
                               "--seq", "8192", "--global-batch", "16M", "--tp-overlap", "--format", "json", NULL});
    same("step",
         "{\"model\": \"mixtral-8x7b\", \"tp\": 2, \"no_sequence_parallel\": true, \"framework\": \"megatron\", "
         "\"gpus\": 8, \"ep\": 4, \"global_batch\": \"512x2048\"}",
         (const char *const[]){"step", "mixtral-8x7b", "--tp", "2", "--no-sequence-parallel", "--framework",
                               "megatron", "--gpus", "8", "--ep", "4", "--global-batch", "512x2048", "--format",
                               "json", NULL});
    /* GPU overrides and a price list. */
    same("step", "{\"model\": \"llama-7b\", \"gpu\": \"a100\", \"price_list\": \"course\", \"memory_gb\": 100.5}",
         (const char *const[]){"step", "llama-7b", "--gpu", "a100", "--price-list", "course", "--memory-gb", "100.5",
                               "--format", "json", NULL});
}

Test(request, a_job_that_does_not_fit_lists_the_same_fixes)
{
    same("step", "{\"model\": \"llama-3.1-70b\", \"gpus\": 8, \"gpu\": \"h100\"}",
         (const char *const[]){"step", "llama-3.1-70b", "--gpus", "8", "--gpu", "h100", "--format", "json", NULL});
    char *a = request("step", "{\"model\": \"llama-3.1-70b\", \"gpus\": 8}");
    cr_assert(strstr(a, "\"fits\": false"), "%s", a);
    cr_assert(strstr(a, "\"fixes\""));
    llmcost_free(a);
}

/* The fit keys of step and train come from one library function (llmcost_job_fit_to_json), for the CLI and for
 * llmcost_request() alike: dense, MoE and MLA models, fitting and not. A job that does not fit warns on stderr in
 * JSON too, and its document says so with the fixes. */
Test(request, step_and_train_fit_equal_the_cli_across_models)
{
    same("step", "{\"model\": \"deepseek-v3\", \"gpus\": 2048, \"gpu\": \"h800\", \"pp\": 16, \"ep\": 64}",
         (const char *const[]){"step", "deepseek-v3", "--gpus", "2048", "--gpu", "h800", "--pp", "16", "--ep", "64",
                               "--format", "json", NULL});
    same("train", "{\"model\": \"mixtral-8x7b\", \"tokens\": \"100B\", \"gpus\": 64, \"ep\": 8, \"tp\": 2}",
         (const char *const[]){"train", "mixtral-8x7b", "--tokens", "100B", "--gpus", "64", "--ep", "8", "--tp", "2",
                               "--format", "json", NULL});
    same("train", "{\"model\": \"deepseek-v3\", \"tokens\": \"14.8T\", \"gpus\": 8}",
         (const char *const[]){"train", "deepseek-v3", "--tokens", "14.8T", "--gpus", "8", "--format", "json", NULL});
    run_result r = run_cli((const char *const[]){"step", "llama-3-8b", "--gpus", "1", "--micro-batch", "16",
                                                 "--format", "json", NULL});
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert(strstr(r.out, "\"fits\": false"), "%s", r.out);
    cr_assert(strstr(r.err, "warning: does NOT fit h100"), "%s", r.err);
    /* The library's document is the CLI's, byte for byte. */
    char *a = request("step", "{\"model\": \"llama-3-8b\", \"gpus\": 1, \"micro_batch\": 16}");
    cr_assert_str_eq(a, r.out);
    llmcost_free(a);
    run_free(&r);
}

Test(request, every_engine_equals_the_cli)
{
    same("params", "{\"model\": \"deepseek-v3\"}", (const char *const[]){"params", "deepseek-v3", "--format", "json", NULL});
    same("flops", "{\"model\": \"llama-2-7b\", \"seq\": 4096, \"convention\": \"unmasked\", \"attention\": \"eager\"}",
         (const char *const[]){"flops", "llama-2-7b", "--seq", "4096", "--convention", "unmasked", "--attention",
                               "eager", "--format", "json", NULL});
    same("flops", "{\"model\": \"deepseek-v3\", \"tokens\": \"14.8T\"}",
         (const char *const[]){"flops", "deepseek-v3", "--tokens", "14.8T", "--format", "json", NULL});
    same("memory", "{\"model\": \"qwen3-30b-a3b\", \"micro_batch\": 2, \"recompute\": \"selective\", \"gpus\": 8, "
                   "\"ep\": 8, \"zero\": 3}",
         (const char *const[]){"memory", "qwen3-30b-a3b", "--micro-batch", "2", "--recompute", "selective", "--gpus",
                               "8", "--ep", "8", "--zero", "3", "--format", "json", NULL});
    /* --max-seq: the longest sequence that fits, with the model's positions beside it. */
    same("memory", "{\"model\": \"llama-3.1-8b\", \"finetune\": \"qlora\", \"lora_rank\": 16, \"recompute\": \"full\", "
                   "\"gpu\": \"rtx-4090\", \"seq\": 2048, \"max_seq\": true}",
         (const char *const[]){"memory", "llama-3.1-8b", "--finetune", "qlora", "--lora-rank", "16", "--recompute",
                               "full", "--gpu", "rtx-4090", "--seq", "2048", "--max-seq", "--format", "json", NULL});
    same("train", "{\"model\": \"llama-3.1-8b\", \"tokens\": \"1T\", \"gpu\": \"h100\", \"gpus\": 512, \"tp\": 2}",
         (const char *const[]){"train", "llama-3.1-8b", "--tokens", "1T", "--gpu", "h100", "--gpus", "512", "--tp",
                               "2", "--format", "json", NULL});
    same("train", "{\"model\": \"llama-7b\", \"tokens\": 1e12, \"mfu\": 0.4, \"pue\": 1.2, \"grid_intensity\": 0.1, "
                  "\"goodput\": 0.9, \"price\": 2.5, \"gpus\": 64}",
         (const char *const[]){"train", "llama-7b", "--tokens", "1e12", "--mfu", "0.4", "--pue", "1.2",
                               "--grid-intensity", "0.1", "--goodput", "0.9", "--price", "2.5", "--gpus", "64",
                               "--format", "json", NULL});
    same("train", "{\"published\": true}", (const char *const[]){"train", "--published", "--format", "json", NULL});
    same("validate", "{\"suite\": \"parameter\"}",
         (const char *const[]){"validate", "--suite", "parameter", "--format", "json", NULL});
}

Test(request, load_says_what_was_read)
{
    char *a = request("load", "{\"model\": \"llama-7b\"}");
    json_error_t e;
    json_t *d = json_loads(a, 0, &e);
    cr_assert_not_null(d);
    cr_assert_str_eq(json_string_value(json_object_get(d, "name")), "llama-7b");
    json_t *arch = json_object_get(d, "architecture");
    cr_assert(json_is_object(arch));
    /* LLaMA-7B: 32 layers of hidden size 4096 (Touvron et al. 2023, table 2). */
    cr_assert_eq(json_integer_value(json_object_get(arch, "hidden_size")), 4096, "%s", a);
    json_decref(d);
    llmcost_free(a);
    /* A config given as an object, named by the caller. */
    a = request("params", "{\"model\": {\"model_type\": \"llama\", \"hidden_size\": 64, \"intermediate_size\": 128, "
                          "\"num_hidden_layers\": 2, \"num_attention_heads\": 4, \"vocab_size\": 100}, "
                          "\"model_name\": \"tiny\"}");
    /* embedding 100x64 + head 100x64 + per layer (4 x 64x64 attention + 3 x 64x128 MLP + 2 x 64 norms) + 64 final
     * norm = 6400 + 6400 + 2 x (16384 + 24576 + 128) + 64 = 95040. */
    cr_assert(strstr(a, "\"model\": \"tiny\""), "%s", a);
    cr_assert(strstr(a, "\"total\": 95040"), "%s", a);
    llmcost_free(a);
}

static void fails(const char *cmd, const char *args, const char *msg)
{
    char *out = (char *)1;
    int rc = llmcost_request(&out, cmd, args);
    cr_assert_lt(rc, 0, "%s %s succeeded", cmd, args);
    cr_assert_null(out);
    cr_assert_str_eq(llmcost_errmsg(), msg, "%s %s", cmd, args);
}

Test(request, messages_name_the_argument)
{
    fails("step", "{\"model\": \"llama-7b\", \"tp\": 3}", "tp = 3 does not divide the 32 attention heads of llama-7b");
    fails("step", "{\"model\": \"llama-7b\", \"micro_bach\": 2}",
          "micro_bach: not an argument of step; did you mean micro_batch?");
    fails("step", "{\"model\": \"llama-7b\", \"micro_batch\": 0}", "micro_batch: '0' must be at least 1");
    fails("step", "{\"model\": \"llama-7b\", \"zero\": 4}", "zero: '4' must be 0, 1, 2 or 3");
    fails("step", "{\"model\": \"llama-7b\", \"precision\": \"fp64\"}",
          "precision: 'fp64' is not one of: fp32, amp-bf16, bf16, bf16-master, fp8, fp16");
    fails("step", "{\"model\": \"llama-7b\", \"global_batch\": \"4M\", \"grad_accum\": 2}",
          "give global_batch or grad_accum, not both");
    fails("step", "{\"model\": \"llama-7b\", \"global_batch\": \"100x2048\", \"seq\": 1024}",
          "global_batch 100x2048: length 2048 but seq = 1024");
    fails("memory", "{\"model\": \"llama-7b\", \"price_list\": \"nosuch\"}",
          "price_list: no price list 'nosuch' (known: course, course-v2)");
    fails("train", "{\"model\": \"llama-7b\"}", "tokens: required (e.g. tokens=\"15.6T\")");
    fails("train", "{\"model\": \"llama-7b\", \"tokens\": \"1T\", \"headroom\": 2}", "headroom: '2' must be at most 1");
    fails("stepp", "{}", "command 'stepp' unknown; did you mean step?");
    fails("step", "[1]", "arguments: expected a JSON object of name: value");
    char *out;
    cr_assert_lt(llmcost_request(&out, "step", "{\"model\": \"llama-7b\", \"gpu\": \"h1000\"}"), 0);
    cr_assert(!strncmp(llmcost_errmsg(), "gpu: ", 5), "%s", llmcost_errmsg());
}

Test(request, job_spec_reads_suffixes_and_fills_the_defaults)
{
    llmcost_model *m;
    cr_assert_eq(llmcost_model_load(&m, "llama-7b"), 0);
    llmcost_job_spec s;
    llmcost_job_spec_init(&s);
    cr_assert_eq(llmcost_job_spec_set(&s, "gpus", "2K"), 0); /* counts are decimal */
    cr_assert_eq(s.gpus, 2000);
    cr_assert_eq(llmcost_job_spec_set(&s, "gpus", "1"), 0);
    cr_assert_eq(llmcost_job_spec_set(&s, "seq", "2k"), 0); /* sizes binary */
    cr_assert_eq(s.seq, 2048);
    cr_assert_eq(llmcost_job_spec_set(&s, "global_batch", "3000000"), 0);
    cr_assert_eq(llmcost_job_spec_set(&s, "nosuch", "1"), LLMCOST_ENOTFOUND);
    char notes[1024] = "";
    llmcost_job j;
    cr_assert_eq(llmcost_job_spec_resolve(&j, &s, m, notes, sizeof notes), 0, "%s", llmcost_errmsg());
    /* 3,000,000 tokens / 2048 = 1464.84 sequences: rounded to 1465 rounds of micro-batch 1 x dp 1 = 3,000,320. */
    cr_assert_eq(j.global_batch, 1465);
    cr_assert_eq(j.grad_accum, 1465);
    cr_assert(strstr(notes, "global batch 3000000 rounded to 3,000,320 tokens"), "%s", notes);
    /* Nothing given: LLaMA-7B's published 2048-token sequence and 4M-token batch (Touvron et al. 2023 table 2:
     * 4.0M tokens = 2^22 = 2048 sequences of 2048). */
    llmcost_job_spec_init(&s);
    notes[0] = '\0';
    cr_assert_eq(llmcost_job_spec_resolve(&j, &s, m, notes, sizeof notes), 0, "%s", llmcost_errmsg());
    cr_assert_eq(j.seq, 2048, "%s", notes);
    cr_assert_eq(s.seq, 2048);
    cr_assert_eq(j.global_batch, 2048, "%s", notes);
    cr_assert(strstr(notes, "sequence 2048 tokens ("), "%s", notes);
    /* SEQUENCESxLENGTH sets the sequence: 15360 x 4096 (DeepSeek-V3's batch as sequences). */
    llmcost_job_spec_init(&s);
    s.global_batch = "15360x4096";
    s.gpus = 8;
    cr_assert_eq(llmcost_job_spec_resolve(&j, &s, m, NULL, 0), 0, "%s", llmcost_errmsg());
    cr_assert_eq(j.seq, 4096);
    cr_assert_eq(j.global_batch, 15360);
    cr_assert_eq(j.grad_accum, 15360 / 8);
    llmcost_model_free(m);
}

Test(request, field_names_as_flags_or_arguments)
{
    char buf[256];
    const char *msg = "layout.tp x layout.pp = 4 x 2 exceeds layout.gpus = 4; expert_tp = 3 must divide layout.tp.";
    llmcost_job_message_names(buf, sizeof buf, msg, LLMCOST_NAMES_FLAGS);
    cr_assert_str_eq(buf, "--tp x --pp = 4 x 2 exceeds --gpus 4; --etp 3 must divide --tp.");
    llmcost_job_message_names(buf, sizeof buf, msg, LLMCOST_NAMES_ARGUMENTS);
    cr_assert_str_eq(buf, "tp x pp = 4 x 2 exceeds gpus = 4; etp = 3 must divide tp.");
}

Test(request, catalogues_and_budgets_equal_the_cli)
{
    same("gpus", "{}", (const char *const[]){"gpus", "--format", "json", NULL});
    same("gpus", "{\"price_lists\": true}", (const char *const[]){"gpus", "--price-lists", "--format", "json", NULL});
    same("gpus", "{\"gpu\": \"h100\", \"price\": 2.0, \"memory_gb\": 96}",
         (const char *const[]){"gpus", "--gpu", "h100", "--price", "2.0", "--memory-gb", "96", "--format", "json",
                               NULL});
    same("models", "{}", (const char *const[]){"models", "--format", "json", NULL});
    same("scaling", "{}", (const char *const[]){"scaling", "laws", "--format", "json", NULL});
    same("budget", "{\"dollars\": 5e6, \"price_list\": \"course\", \"law\": \"course\"}",
         (const char *const[]){"budget", "--dollars", "5e6", "--price-list", "course", "--law", "course", "--format",
                               "json", NULL});
    same("budget", "{\"params\": \"70B\", \"tokens\": \"1.4T\", \"gpu\": \"h100\", \"gpus\": 2048, \"price\": 2.5}",
         (const char *const[]){"budget", "--params", "70B", "--tokens", "1.4T", "--gpu", "h100", "--gpus", "2048",
                               "--price", "2.5", "--format", "json", NULL});
    same("budget", "{\"target_loss\": 2.0, \"law\": \"chinchilla-unrounded\"}",
         (const char *const[]){"budget", "--target-loss", "2.0", "--law", "chinchilla-unrounded", "--format", "json",
                               NULL});
    same("budget", "{\"flops\": 1e24, \"E\": 1.8, \"gpu\": \"a100,v100,t4\", \"mfu\": 0.5}",
         (const char *const[]){"budget", "--flops", "1e24", "--E", "1.8", "--gpu", "a100,v100,t4", "--mfu", "0.5",
                               "--format", "json", NULL});
    same("budget", "{\"gpu_hours\": 1e5, \"model_mfu\": true, \"gpu\": \"h100\", \"gpus\": 256}",
         (const char *const[]){"budget", "--gpu-hours", "1e5", "--model-mfu", "--gpu", "h100", "--gpus", "256",
                               "--format", "json", NULL});
    /* The older spelling: gpus as a list of names. */
    same("budget", "{\"dollars\": 1e6, \"gpus\": \"a100,h100\"}",
         (const char *const[]){"budget", "--dollars", "1e6", "--gpus", "a100,h100", "--format", "json", NULL});
}

/* Runs on the Chinchilla law itself (Hoffmann et al. 2022, eq. 10: E 1.69, A 406.4, B 410.7, alpha 0.34, beta
 * 0.28), without noise: the fit must give back those constants, and the CLI's document for the same file. */
Test(request, fit_equals_the_cli_and_recovers_the_law)
{
    char path[] = "/tmp/llmcost_request_runsXXXXXX";
    int fd = mkstemp(path);
    cr_assert_geq(fd, 0);
    FILE *f = fdopen(fd, "w");
    cr_assert_not_null(f);
    fprintf(f, "N,D,loss\n");
    const double ns[] = {1e8, 3e8, 1e9, 3e9, 1e10}, ds[] = {2e9, 1e10, 5e10, 2e11};
    for (int i = 0; i < 5; i++)
        for (int k = 0; k < 4; k++)
            fprintf(f, "%g,%g,%.12g\n", ns[i], ds[k], 1.69 + 406.4 / pow(ns[i], 0.34) + 410.7 / pow(ds[k], 0.28));
    fclose(f);
    char args[256];
    snprintf(args, sizeof args, "{\"runs\": \"%s\", \"bootstrap\": 10, \"seed\": 3}", path);
    same("fit", args,
         (const char *const[]){"scaling", "fit", path, "--bootstrap", "10", "--seed", "3", "--format", "json", NULL});
    char *a = request("fit", args);
    json_t *d = json_loads(a, 0, NULL);
    cr_assert_not_null(d);
    json_t *c = json_object_get(d, "constants");
    const char *names[] = {"E", "A", "B", "alpha", "beta"};
    const double want[] = {1.69, 406.4, 410.7, 0.34, 0.28};
    for (int i = 0; i < 5; i++) {
        double v = json_real_value(json_object_get(json_object_get(c, names[i]), "value"));
        cr_assert(fabs(v - want[i]) < 1e-4 * want[i], "%s = %.9g, want %g", names[i], v, want[i]);
    }
    json_decref(d);
    llmcost_free(a);
    snprintf(args, sizeof args, "{\"runs\": \"%s\", \"confidence\": 1}", path);
    fails("fit", args, "confidence: must be below 1");
    snprintf(args, sizeof args, "{\"runs\": \"%s\", \"bootstrap\": 2001}", path);
    fails("fit", args, "bootstrap: at most 2000 resamples");
    remove(path);
}

Test(request, new_commands_name_the_argument)
{
    fails("fit", "{}", "runs: required, a CSV file of runs (columns N, D, loss)");
    fails("budget", "{}", "what budget? give dollars, flops, gpu_hours, params, tokens or target_loss");
    fails("budget", "{\"dollars\": 1, \"flops\": 2}",
          "give one question, not several: dollars, flops, gpu_hours, params/tokens or target_loss");
    fails("budget", "{\"dollars\": \"x\"}", "dollars: 'x' is not a number");
    fails("budget", "{\"dollars\": 1e6, \"gpus\": 0}", "gpus: '0' must be a whole number of GPUs, at least 1");
    fails("budget", "{\"dollars\": 1e6, \"mfu\": 0.5, \"model_mfu\": true}", "mfu and model_mfu exclude each other");
    fails("budget", "{\"dollars\": 1e6, \"law\": \"kaplan\", \"E\": 1.7}",
          "E: the law 'kaplan' has Kaplan's form, which has no constant E");
    fails("budget", "{\"dollars\": 1e6, \"dolars\": 2}", "dolars: not an argument of budget; did you mean dollars?");
    fails("gpus", "{\"price\": 2}", "overrides apply to one GPU: give gpu");
    fails("models", "{\"family\": \"llama\"}", "family: not an argument of models");
    fails("scaling", "{\"law\": \"x\"}", "law: not an argument of scaling");
    char *out;
    cr_assert_lt(llmcost_request(&out, "budget", "{\"dollars\": 1e6, \"gpu\": \"z9000\"}"), 0);
    cr_assert(!strncmp(llmcost_errmsg(), "gpu: ", 5), "%s", llmcost_errmsg());
}

/* plan: the CLI's document but for the search's wall-clock (search_seconds). */
static void same_plan(const char *args, const char *const *argv)
{
    char *a = request("plan", args), *b = cli_json(argv);
    json_t *da = json_loads(a, JSON_PRESERVE_ORDER, NULL), *db = json_loads(b, JSON_PRESERVE_ORDER, NULL);
    cr_assert(da && db, "%s", a);
    cr_assert(json_is_number(json_object_get(da, "search_seconds")));
    json_object_del(da, "search_seconds");
    json_object_del(db, "search_seconds");
    char *ta = json_dumps(da, JSON_PRESERVE_ORDER), *tb = json_dumps(db, JSON_PRESERVE_ORDER);
    cr_assert_str_eq(ta, tb, "llmcost_request(plan, %s) differs from the CLI", args);
    free(ta);
    free(tb);
    json_decref(da);
    json_decref(db);
    llmcost_free(a);
    free(b);
}

Test(request, plan_equals_the_cli)
{
    same_plan("{\"model\": \"llama-3-8b\", \"gpu\": \"h100\", \"gpus\": 8, \"seq\": 4096, \"global_batch\": \"1M\", "
              "\"top\": 3, \"threads\": 1}",
              (const char *const[]){"plan", "llama-3-8b", "--gpu", "h100", "--gpus", "8", "--seq", "4096",
                                    "--global-batch", "1M", "--top", "3", "--threads", "1", "--format", "json", NULL});
    same_plan("{\"model\": \"llama-3-70b\", \"gpu\": \"h100,h200,a100\", \"gpus\": 64, \"seq\": 8192, "
              "\"global_batch\": \"4M\", \"objective\": \"cost\", \"tokens\": \"1T\", \"price\": \"2.5,3.5,1.5\", "
              "\"top\": 3, \"threads\": 2}",
              (const char *const[]){"plan", "llama-3-70b", "--gpu", "h100,h200,a100", "--gpus", "64", "--seq", "8192",
                                    "--global-batch", "4M", "--objective", "cost", "--tokens", "1T", "--price",
                                    "2.5,3.5,1.5", "--top", "3", "--threads", "2", "--format", "json", NULL});
    same_plan("{\"model\": \"mixtral-8x7b\", \"gpus\": 16, \"global_batch\": \"2M\", \"tp\": 2, \"pareto\": true, "
              "\"top\": 2, \"threads\": 1}",
              (const char *const[]){"plan", "mixtral-8x7b", "--gpus", "16", "--global-batch", "2M", "--tp", "2",
                                    "--pareto", "--top", "2", "--threads", "1", "--format", "json", NULL});
    /* DeepSeek-V3's memory mechanisms reach the planner's memory engine (fixed, not searched). */
    same_plan("{\"model\": \"deepseek-v3\", \"gpu\": \"h800\", \"gpus\": 2048, \"seq\": 4096, \"global_batch\": "
              "\"15360x4096\", \"framework\": \"megatron\", \"precision\": \"fp8\", \"tp\": 1, \"pp\": 16, \"ep\": 64, "
              "\"zero\": 1, \"act_cache\": \"fp8-tile\", \"recompute_modules\": \"layernorm,mla_up_proj,moe_act\", "
              "\"pipeline\": \"dualpipe\", \"ema\": \"cpu\", \"bf16_grads\": true, \"top\": 2, \"threads\": 1}",
              (const char *const[]){"plan", "deepseek-v3", "--gpu", "h800", "--gpus", "2048", "--seq", "4096",
                                    "--global-batch", "15360x4096", "--framework", "megatron", "--precision", "fp8",
                                    "--tp", "1", "--pp", "16", "--ep", "64", "--zero", "1", "--act-cache", "fp8-tile",
                                    "--recompute-modules", "layernorm,mla_up_proj,moe_act", "--pipeline", "dualpipe",
                                    "--ema", "cpu", "--bf16-grads", "--top", "2", "--threads", "1", "--format", "json",
                                    NULL});
    /* Nothing fits: the changes that do, with their flags. */
    same_plan("{\"model\": \"llama-3-70b\", \"gpu\": \"a100\", \"gpus\": 2, \"global_batch\": \"64x4096\", "
              "\"threads\": 1}",
              (const char *const[]){"plan", "llama-3-70b", "--gpu", "a100", "--gpus", "2", "--global-batch",
                                    "64x4096", "--threads", "1", "--format", "json", NULL});
}

/* A global batch of SEQUENCESxLENGTH plans sequences of that length (64 x 4096 = 262,144 tokens), not the model's
 * training length (LLaMA 3: 8192) with the same tokens, and says no default sequence. */
Test(request, plan_reads_the_sequence_of_sequences_x_length)
{
    char *a = request("plan", "{\"model\": \"llama-3-8b\", \"gpu\": \"h100\", \"gpus\": 8, \"global_batch\": "
                              "\"64x4096\", \"top\": 1, \"threads\": 1}");
    json_t *d = json_loads(a, 0, NULL);
    cr_assert_not_null(d);
    cr_assert_eq(json_integer_value(json_object_get(d, "seq")), 4096, "%s", a);
    cr_assert_eq(json_integer_value(json_object_get(d, "global_batch_tokens")), 64 * 4096);
    cr_assert_null(strstr(a, "sequence 8192"), "%s", a);
    json_t *l = json_array_get(json_object_get(d, "layouts"), 0);
    cr_assert(strstr(json_string_value(json_object_get(l, "step_flags")), "--seq 4096 "), "%s", a);
    json_decref(d);
    llmcost_free(a);
    fails("plan", "{\"model\": \"llama-3-8b\", \"gpus\": 8}",
          "global_batch: required, the tokens of one optimizer step (16M = 2^24)");
    fails("plan", "{\"model\": \"llama-3-8b\", \"global_batch\": \"1M\"}", "gpus: required, the GPUs of the job");
    fails("plan", "{\"model\": \"llama-3-8b\", \"gpus\": 8, \"global_batch\": \"1M\", \"objective\": \"cost\"}",
          "objective cost needs tokens, the length of the run");
    fails("plan", "{\"model\": \"llama-3-8b\", \"gpus\": 8, \"global_batch\": \"1M\", \"price\": \"1,2\"}",
          "price: give one price, or one per gpu name (1)");
    fails("plan", "{\"model\": \"llama-3-8b\", \"gpus\": 8, \"global_batch\": \"1M\", \"grad_accum\": 4}",
          "grad_accum follows from global_batch and the layout; leave it out");
    fails("plan", "{\"model\": \"llama-3-8b\", \"gpus\": 8, \"global_batch\": \"1M\", \"topp\": 4}",
          "topp: not an argument of plan; did you mean top?");
}

/* The global batch's two forms: 512x2048 is 512 sequences of 2048 tokens; "16M" is 16 x 2^20 tokens. */
Test(request, global_batch_forms)
{
    double seqs, len, tok;
    cr_assert_eq(llmcost_global_batch_parse("512x2048", &seqs, &len, &tok), 0);
    cr_assert(seqs == 512 && len == 2048 && tok == 0);
    cr_assert_eq(llmcost_global_batch_parse("16M", &seqs, &len, &tok), 0);
    cr_assert(seqs == 0 && len == 0 && tok == 16.0 * 1048576.0);
    cr_assert_eq(llmcost_global_batch_parse("1.5x2048", &seqs, &len, &tok), LLMCOST_EINVAL);
    cr_assert(strstr(llmcost_errmsg(), "global_batch") != NULL, "%s", llmcost_errmsg());
    cr_assert_eq(llmcost_global_batch_parse("0.5", &seqs, &len, &tok), LLMCOST_EINVAL);
    cr_assert_eq(llmcost_global_batch_parse("x2048", &seqs, &len, &tok), LLMCOST_EINVAL);
}

/* The power cap (power_cap, the CLI's --power-cap W; llmcost_gpu_spec version 2) in every command that resolves a
 * GPU, the same document as the CLI's; a plan runs every layout under it (h1619w). */
Test(request, power_cap_equals_the_cli, .timeout = 300)
{
    same("step", "{\"model\": \"llama-3.1-8b\", \"gpu\": \"h100\", \"gpus\": 8, \"framework\": \"megatron\", "
                 "\"power_cap\": 500}",
         (const char *const[]){"step", "llama-3.1-8b", "--gpu", "h100", "--gpus", "8", "--framework", "megatron",
                               "--power-cap", "500", "--format", "json", NULL});
    same("train", "{\"model\": \"llama-3.1-8b\", \"gpu\": \"h100\", \"tdp\": 650, \"power_cap\": \"450\", "
                  "\"tokens\": \"1T\"}",
         (const char *const[]){"train", "llama-3.1-8b", "--gpu", "h100", "--tdp", "650", "--power-cap", "450",
                               "--tokens", "1T", "--format", "json", NULL});
    same("memory", "{\"model\": \"llama-3.1-70b\", \"gpu\": \"h100\", \"gpus\": 8, \"power_cap\": 450}",
         (const char *const[]){"memory", "llama-3.1-70b", "--gpu", "h100", "--gpus", "8", "--power-cap", "450",
                               "--format", "json", NULL});
    same("report", "{\"model\": \"llama-3.2-1b\", \"gpu\": \"h200\", \"power_cap\": 500}",
         (const char *const[]){"report", "llama-3.2-1b", "--gpu", "h200", "--power-cap", "500", "--format", "json",
                               NULL});
    same("gpus", "{\"gpu\": \"a100\", \"power_cap\": 300}",
         (const char *const[]){"gpus", "--gpu", "a100", "--power-cap", "300", "--format", "json", NULL});
    same_plan("{\"model\": \"llama-3-8b\", \"gpu\": \"h100,h200\", \"gpus\": 8, \"seq\": 4096, \"global_batch\": "
              "\"1M\", \"top\": 3, \"threads\": 1, \"power_cap\": 500}",
              (const char *const[]){"plan", "llama-3-8b", "--gpu", "h100,h200", "--gpus", "8", "--seq", "4096",
                                    "--global-batch", "1M", "--top", "3", "--threads", "1", "--power-cap", "500",
                                    "--format", "json", NULL});
    fails("step", "{\"model\": \"llama-3-8b\", \"gpu\": \"h100\", \"power_cap\": 800}",
          "power_cap: 800 W is above h100's 700 W board power: a cap can only lower it (--tdp sets the board power)");
    fails("gpus", "{\"power_cap\": 300}", "overrides apply to one GPU: give gpu");
    /* The memory savers reach the planner as the CLI's flags do: the same document. */
    same_plan("{\"model\": \"llama-3.2-1b\", \"gpu\": \"h100\", \"gpus\": 8, \"seq\": 2048, \"global_batch\": "
              "\"512K\", \"top\": 3, \"threads\": 1, \"compile\": true, \"chunked_loss\": 8}",
              (const char *const[]){"plan", "llama-3.2-1b", "--gpu", "h100", "--gpus", "8", "--seq", "2048",
                                    "--global-batch", "512K", "--top", "3", "--threads", "1", "--compile",
                                    "--chunked-loss", "8", "--format", "json", NULL});
}
