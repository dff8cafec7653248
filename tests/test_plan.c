/* test_plan.c - the layout search: its answers are the engines' answers (llmcost step and llmcost memory print the
 * same numbers for the listed layouts), its pruning loses nothing, and its winners are the sane ones. */
#include <criterion/criterion.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pty.h>
#include <errno.h>
#include <sys/wait.h>
#include <unistd.h>

#include "helpers.h"
#include "llmcost/llmcost.h"
#include "llmcost/plan.h"

/* ---- helpers ---- */

/* Runs the CLI with "args" (space-separated, no quoting needed) and returns its JSON output. */
static json_t *cli_json(const char *args)
{
    char buf[2048];
    snprintf(buf, sizeof buf, "%s --format json", args);
    const char *argv[96];
    int n = 0;
    for (char *p = strtok(buf, " "); p && n < 95; p = strtok(NULL, " "))
        argv[n++] = p;
    argv[n] = NULL;
    run_result r = run_cli(argv);
    cr_assert_eq(r.status, 0, "llmcost %s: exit %d: %s", args, r.status, r.err);
    json_error_t e;
    json_t *j = json_loads(r.out, 0, &e);
    cr_assert_not_null(j, "llmcost %s: not JSON: %s", args, e.text);
    run_free(&r);
    return j;
}

static double jnum(json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);
    cr_assert(json_is_number(v), "no number '%s'", key);
    return json_number_value(v);
}

static bool close_to(double a, double b, double rel)
{
    return fabs(a - b) <= rel * fmax(fabs(a), fabs(b));
}

/* A layout of a plan against `llmcost step` and `llmcost memory` with the flags the plan prints for it: step time
 * and peak equal to 1e-9 (with "rates", the MFU and tokens/s too), and memory says it fits (its message "unfit"
 * after the command). */
static void layout_is_step_and_memory(const char *model, json_t *l, bool rates, const char *unfit)
{
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "step %s %s", model, json_string_value(json_object_get(l, "step_flags")));
    json_t *s = cli_json(cmd);
    cr_expect(close_to(jnum(l, "step_seconds"), jnum(s, "step_seconds"), 1e-9), "%s: plan %.12g s, step %.12g s",
              cmd, jnum(l, "step_seconds"), jnum(s, "step_seconds"));
    if (rates) {
        cr_expect(close_to(jnum(l, "mfu"), jnum(s, "mfu"), 1e-9), "%s: mfu", cmd);
        cr_expect(close_to(jnum(l, "tokens_per_second"), jnum(s, "tokens_per_second"), 1e-9), "%s: tokens/s", cmd);
    }
    json_decref(s);
    snprintf(cmd, sizeof cmd, "memory %s %s", model, json_string_value(json_object_get(l, "memory_flags")));
    json_t *mj = cli_json(cmd);
    cr_expect(close_to(jnum(l, "peak_bytes"), jnum(mj, "peak_bytes"), 1e-9), "%s: plan %.0f B, memory %.0f B", cmd,
              jnum(l, "peak_bytes"), jnum(mj, "peak_bytes"));
    cr_expect(json_is_true(json_object_get(mj, "fits")), "%s%s", cmd, unfit);
    json_decref(mj);
}

/* Each of the first "k" layouts of `llmcost plan ARGS` against `llmcost step` and `llmcost memory` with the flags
 * the plan prints for it: step time and peak equal to 1e-9. */
static void check_against_engines(const char *model, const char *args, int k)
{
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "plan %s %s --top %d", model, args, k);
    json_t *plan = cli_json(cmd);
    json_t *layouts = json_object_get(plan, "layouts");
    cr_assert(json_array_size(layouts) > 0, "%s: nothing fits", cmd);
    for (size_t i = 0; i < json_array_size(layouts) && (int)i < k; i++) {
        layout_is_step_and_memory(model, json_array_get(layouts, i), true, ": memory says it does not fit");
    }
    json_decref(plan);
}

/* A search through the library; the caller disposes of "out". */
static void search(llmcost_plan *out, const char *model, const char *const *gpu_names, size_t n_gpus,
                   llmcost_plan_options *o)
{
    static llmcost_gpu gpus[8];
    for (size_t i = 0; i < n_gpus; i++) {
        const llmcost_gpu *g = llmcost_gpu_find(gpu_names[i]);
        cr_assert_not_null(g, "%s", gpu_names[i]);
        gpus[i] = *g;
    }
    o->gpu_types = gpus;
    o->n_gpu_types = n_gpus;
    llmcost_model *m;
    cr_assert_eq(llmcost_model_load(&m, model), 0, "%s", llmcost_errmsg());
    cr_assert_eq(llmcost_plan_search(out, m, o), 0, "%s", llmcost_errmsg());
    llmcost_model_free(m);
}

/* ---- one model, not two ---- */

Test(plan_agreement, small_dense_model_every_dimension_free)
{
    check_against_engines("llama-3.2-1b", "--gpu h100 --gpus 8 --seq 2048 --global-batch 512K", 4);
}

Test(plan_agreement, megatron_405b_tp8_pp16, .timeout = 600)
{
    check_against_engines("llama-3.1-405b",
                          "--gpu h100 --gpus 16384 --seq 8192 --global-batch 16M --framework megatron "
                          "--precision bf16-master --tp 8 --pp 16 --cp 1",
                          3);
}

Test(plan_agreement, moe_expert_parallel_and_two_gpu_types, .timeout = 600)
{
    check_against_engines("mixtral-8x7b",
                          "--gpu h100,h200 --gpus 64 --seq 4096 --global-batch 2M --framework megatron "
                          "--precision bf16-master --tp 2 --pp 2 --recompute selective",
                          3);
}

/* The same under LoRA: a LoRA run's checkpoints hold the adapters and their states alone (train's rule), in the plan
 * as in `llmcost train`; a plan that saved the whole model would lose more time to saves and disagree. */
Test(plan_agreement, lora_cost_of_the_run_is_trains)
{
    json_t *plan = cli_json("plan llama-3.2-1b --gpu h100 --gpus 8 --seq 2048 --global-batch 256K --objective cost "
                            "--tokens 20B --price 2.5 --top 1 --finetune lora --lora-rank 16 --lora-targets all-linear");
    json_t *l = json_array_get(json_object_get(plan, "layouts"), 0);
    cr_assert_not_null(l);
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "train llama-3.2-1b %s --tokens 20B --price 2.5",
             json_string_value(json_object_get(l, "step_flags")));
    cr_assert(strstr(cmd, "--finetune lora"), "%s", cmd);
    json_t *t = cli_json(cmd);
    json_t *run = json_object_get(t, "run") ? json_object_get(t, "run") : t;
    cr_expect(close_to(jnum(l, "gpu_hours"), jnum(run, "gpu_hours"), 1e-9), "plan %.9g, train %.9g GPU-hours",
              jnum(l, "gpu_hours"), jnum(run, "gpu_hours"));
    json_decref(t);
    json_decref(plan);
}

Test(plan_agreement, cost_of_the_run_is_trains)
{
    /* GPU-hours and dollars of the best layout equal `llmcost train` for the same flags and tokens. */
    json_t *plan = cli_json("plan llama-3.2-1b --gpu h100 --gpus 8 --seq 2048 --global-batch 512K --objective cost "
                            "--tokens 10B --price 2.5 --top 1");
    json_t *l = json_array_get(json_object_get(plan, "layouts"), 0);
    cr_assert_not_null(l);
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "train llama-3.2-1b %s --tokens 10B --price 2.5",
             json_string_value(json_object_get(l, "step_flags")));
    json_t *t = cli_json(cmd);
    json_t *run = json_object_get(t, "run") ? json_object_get(t, "run") : t;
    cr_expect(close_to(jnum(l, "gpu_hours"), jnum(run, "gpu_hours"), 1e-9), "plan %.9g, train %.9g GPU-hours",
              jnum(l, "gpu_hours"), jnum(run, "gpu_hours"));
    cr_expect(close_to(jnum(l, "cost_dollars"), jnum(run, "cost_usd"), 1e-9), "plan $%.9g, train $%.9g",
              jnum(l, "cost_dollars"), jnum(run, "cost_usd"));
    json_decref(t);
    json_decref(plan);
}

/* Every layout a search keeps, not only the top few: its step and memory figures are those of
 * llmcost_step_compute and llmcost_memory_compute called afresh, to the last digit (the planner's evaluations reuse
 * what does not change between layouts: the prepared step, the timed ops, the stages through the launch model). */
static void every_kept_layout_of(const char *model, const char *const *gpu, size_t n_gpu, llmcost_plan_options *o)
{
    o->top = 100000;
    llmcost_plan p;
    search(&p, model, gpu, n_gpu, o);
    cr_assert(p.n_layouts > 100, "%s: only %zu layouts", model, p.n_layouts);
    cr_assert_eq((int64_t)p.n_layouts, p.feasible < 100000 ? p.feasible : 100000);
    llmcost_model *m;
    cr_assert_eq(llmcost_model_load(&m, model), 0);
    for (size_t i = 0; i < p.n_layouts; i++) {
        const llmcost_plan_layout *l = &p.layouts[i];
        llmcost_step_options so;
        llmcost_memory_options mo;
        llmcost_plan_job_options(&so, &mo, o, l);
        llmcost_step s;
        llmcost_memory mem;
        cr_assert_eq(llmcost_step_compute(&s, m, &o->gpu_types[l->gpu_type], &so), 0, "%s", llmcost_errmsg());
        cr_assert_eq(llmcost_memory_compute(&mem, m, &mo), 0, "%s", llmcost_errmsg());
        cr_assert_eq(l->step_seconds, s.step_seconds, "%s layout %zu (tp %lld pp %lld vpp %lld dp %lld zero %d mb %lld): "
                     "plan %.17g s, step %.17g s", model, i, (long long)l->layout.tp, (long long)l->layout.pp,
                     (long long)l->layout.vpp, (long long)l->layout.dp, l->layout.zero, (long long)l->micro_batch,
                     l->step_seconds, s.step_seconds);
        cr_assert_eq(l->mfu, s.mfu);
        cr_assert_eq(l->peak_bytes, mem.peak_bytes, "%s layout %zu: plan %.17g B, memory %.17g B", model, i,
                     l->peak_bytes, mem.peak_bytes);
    }
    llmcost_model_free(m);
    llmcost_plan_dispose(&p);
}

static void every_kept_layout_is_the_engines(const char *model, const char *gpu_name, llmcost_plan_options *o)
{
    const char *gpu[] = {gpu_name};
    every_kept_layout_of(model, gpu, 1, o);
}

Test(plan_agreement, every_kept_layout_two_gpu_types)
{
    /* Two GPU types in one search: a worker's step memo moves from one GPU record to the other (collective times,
     * GEMM times and the GPU check are kept per record), and every layout of either is still the engines'. */
    llmcost_plan_options o;
    llmcost_plan_options_init(&o);
    o.gpus = 16, o.seq = 2048, o.global_batch_tokens = 1 << 20;
    o.framework = LLMCOST_FW_MEGATRON, o.precision = LLMCOST_PREC_BF16_MASTER;
    o.threads = 1; /* one worker sees both types */
    const char *gpu[] = {"h100", "a100-80gb"};
    every_kept_layout_of("llama-3.2-1b", gpu, 2, &o);
}

Test(plan_agreement, every_kept_layout_dense)
{
    llmcost_plan_options o;
    llmcost_plan_options_init(&o);
    o.gpus = 16, o.seq = 2048, o.global_batch_tokens = 1 << 20;
    o.framework = LLMCOST_FW_MEGATRON, o.precision = LLMCOST_PREC_BF16_MASTER;
    every_kept_layout_is_the_engines("llama-3.2-1b", "h100", &o);
}

Test(plan_agreement, every_kept_layout_moe)
{
    llmcost_plan_options o;
    llmcost_plan_options_init(&o);
    o.gpus = 16, o.seq = 4096, o.global_batch_tokens = 1 << 19;
    o.framework = LLMCOST_FW_MEGATRON, o.precision = LLMCOST_PREC_BF16_MASTER;
    o.cp = 1, o.zero = 1;
    every_kept_layout_is_the_engines("mixtral-8x7b", "h100", &o);
}

Test(plan_agreement, every_kept_layout_hf)
{
    llmcost_plan_options o;
    llmcost_plan_options_init(&o);
    o.gpus = 4, o.seq = 2048, o.global_batch_tokens = 1 << 18;
    o.precision = LLMCOST_PREC_AMP_BF16;
    every_kept_layout_is_the_engines("olmoe-1b-7b", "a100-80gb", &o);
}

Test(plan_agreement, every_kept_layout_two_kinds_of_layer)
{
    /* Gemma 2: local and global attention layers alternate, so pipeline stages differ (two segments). */
    llmcost_plan_options o;
    llmcost_plan_options_init(&o);
    o.gpus = 8, o.seq = 4096, o.global_batch_tokens = 1 << 20;
    o.framework = LLMCOST_FW_MEGATRON, o.precision = LLMCOST_PREC_BF16_MASTER;
    every_kept_layout_is_the_engines("gemma-2-2b", "h100", &o);
}

/* ---- fine-tuning: the adapters fixed, the layout searched, the same engines ---- */

Test(plan_agreement, lora_top_layouts_are_steps_and_memorys)
{
    /* The flags the plan prints carry the fine-tuning: `llmcost step` and `llmcost memory` with them give the
     * plan's figures. */
    check_against_engines("llama-3-8b",
                          "--gpu a100-80gb --gpus 4 --seq 2048 --global-batch 64x2048 --finetune lora --lora-rank 16 "
                          "--lora-alpha 32 --lora-targets q_proj,k_proj,v_proj,o_proj --lora-dropout 0.05 --adapter-dtype bf16",
                          3);
    check_against_engines("llama-3-8b",
                          "--gpu rtx-4090 --gpus 1 --seq 1024 --global-batch 8x1024 --finetune qlora --lora-rank 8 "
                          "--lora-targets all-linear --double-quant",
                          2);
}

/* Every layout a fine-tuning search keeps: llmcost_job_step and llmcost_job_memory of the job with the same
 * fine-tuning, called afresh, to the last digit. */
static void every_kept_finetune_layout_is_the_engines(const char *model, const char *gpu_name, llmcost_plan_options *o,
                                                      const char *targets)
{
    llmcost_model *m;
    cr_assert_eq(llmcost_model_load(&m, model), 0);
    if (targets)
        cr_assert_eq(llmcost_lora_targets_parse(&o->finetune.targets, m, targets), 0, "%s", llmcost_errmsg());
    const llmcost_gpu *g = llmcost_gpu_find(gpu_name);
    cr_assert_not_null(g);
    o->gpu_types = g, o->n_gpu_types = 1, o->top = 100000;
    llmcost_plan p;
    cr_assert_eq(llmcost_plan_search(&p, m, o), 0, "%s", llmcost_errmsg());
    cr_assert(p.n_layouts > 20, "%s: only %zu layouts", model, p.n_layouts);
    for (size_t i = 0; i < p.n_layouts; i++) {
        const llmcost_plan_layout *l = &p.layouts[i];
        llmcost_step_options so;
        llmcost_memory_options mo;
        llmcost_plan_job_options(&so, &mo, o, l);
        llmcost_job js, jm;
        llmcost_job_from_step_options(&js, &so);
        llmcost_job_from_memory_options(&jm, &mo);
        js.finetune = jm.finetune = o->finetune;
        llmcost_step s;
        llmcost_memory mem;
        cr_assert_eq(llmcost_job_step(&s, m, g, &js), 0, "%s", llmcost_errmsg());
        cr_assert_eq(llmcost_job_memory(&mem, m, &jm), 0, "%s", llmcost_errmsg());
        cr_assert_eq(l->step_seconds, s.step_seconds, "%s layout %zu (tp %lld pp %lld dp %lld zero %d mb %lld): plan "
                     "%.17g s, step %.17g s", model, i, (long long)l->layout.tp, (long long)l->layout.pp,
                     (long long)l->layout.dp, l->layout.zero, (long long)l->micro_batch, l->step_seconds, s.step_seconds);
        cr_assert_eq(l->peak_bytes, mem.peak_bytes, "%s layout %zu: plan %.17g B, memory %.17g B", model, i,
                     l->peak_bytes, mem.peak_bytes);
    }
    llmcost_plan_dispose(&p);
    llmcost_model_free(m);
}

Test(plan_agreement, every_kept_layout_lora_and_qlora)
{
    llmcost_plan_options o;
    llmcost_plan_options_init(&o);
    o.gpus = 8, o.seq = 2048, o.global_batch_tokens = 1 << 17;
    o.finetune.method = LLMCOST_FT_LORA, o.finetune.rank = 16;
    every_kept_finetune_layout_is_the_engines("llama-3.2-1b", "h100", &o, "all-linear");
    llmcost_plan_options_init(&o);
    o.gpus = 4, o.seq = 2048, o.global_batch_tokens = 1 << 16;
    o.finetune.method = LLMCOST_FT_QLORA, o.finetune.variant = LLMCOST_LORA_DORA;
    every_kept_finetune_layout_is_the_engines("olmoe-1b-7b", "a100-80gb", &o, "q_proj,v_proj,gate_proj,down_proj");
}

Test(plan_sanity, qlora_fits_a_24gb_card_where_pretraining_does_not)
{
    /* Llama-3-8B (8,030,261,248 parameters) on one 24 GB RTX 4090: bf16 weights alone are 16.1 GB and AdamW's two
     * fp32 states add 64 GB, so no layout of one GPU trains it. Under QLoRA the decoder's Linears are NF4 (half a
     * byte a weight plus an fp32 absmax per 64: 0.5625 B) and the embeddings and head (2 x 128256 x 4096 = 1.05 G)
     * stay in bf16: 6.98 G x 0.5625 + 1.05 G x 2 = 6.0 GB, with rank-8 adapters (a few MB) training: it fits. */
    json_t *pre = cli_json("plan llama-3-8b --gpu rtx-4090 --gpus 1 --seq 1024 --global-batch 8x1024");
    cr_expect_eq(json_array_size(json_object_get(pre, "layouts")), 0);
    json_decref(pre);
    json_t *q = cli_json("plan llama-3-8b --gpu rtx-4090 --gpus 1 --seq 1024 --global-batch 8x1024 --finetune qlora "
                         "--lora-targets q_proj,v_proj");
    json_t *ls = json_object_get(q, "layouts");
    cr_assert(json_array_size(ls) > 0, "QLoRA fits nothing");
    json_t *l = json_array_get(ls, 0);
    double peak = jnum(l, "peak_bytes");
    double base = 6.98e9 * 0.5625 + 1.05e9 * 2;
    cr_expect(peak > base && peak < 24e9, "peak %.3g B: above the stored base %.3g B, below 24 GB", peak, base);
    const char *flags = json_string_value(json_object_get(l, "step_flags"));
    cr_expect(strstr(flags, "--finetune qlora") && strstr(flags, "--lora-targets q_proj,v_proj"), "%s", flags);
    json_t *ft = json_object_get(q, "finetune");
    cr_assert_not_null(ft);
    cr_expect_str_eq(json_string_value(json_object_get(ft, "quant")), "nf4");
    cr_expect_str_eq(json_string_value(json_object_get(ft, "targets")), "q_proj,v_proj");
    json_decref(q);
}

/* ---- the pruning premise, and that pruning loses nothing ---- */

/* The premise of the pruning, on the memory engine itself. (Not ZeRO: a higher stage is not always smaller -
 * ZeRO-2's and ZeRO-3's buffers - so the planner evaluates every stage.) */
Test(plan_pruning, memory_grows_with_micro_batch_and_falls_with_recompute)
{
    const char *models[] = {"llama-3.2-1b", "llama-3-8b", "mixtral-8x7b", "deepseek-v3"};
    for (size_t i = 0; i < sizeof models / sizeof models[0]; i++) {
        llmcost_model *m;
        cr_assert_eq(llmcost_model_load(&m, models[i]), 0);
        bool moe = llmcost_model_moe_layers(m) > 0;
        for (int fw = 0; fw < LLMCOST_FW_COUNT; fw++)
            for (int64_t tp = 1; tp <= 4; tp *= 4)
                for (int64_t pp = 1; pp <= 4; pp *= 4)
                    for (int z = 0; z <= 3; z++)
                        for (int r = 0; r <= 2; r++)
                            for (int64_t mb = 1; mb <= 4; mb *= 2) {
                                llmcost_memory_options o = LLMCOST_MEMORY_OPTIONS_INIT;
                                o.seq = 4096;
                                o.framework = fw;
                                o.precision = LLMCOST_PREC_BF16_MASTER;
                                o.layout.tp = tp, o.layout.pp = pp, o.layout.dp = 8, o.layout.zero = z;
                                o.layout.ep = moe ? 8 : 1;
                                o.layout.sequence_parallel = fw == LLMCOST_FW_MEGATRON && tp > 1;
                                o.recompute = r;
                                o.micro_batch = mb;
                                o.micro_batches = 64 / mb; /* at least 2 pp in flight: the pruning's condition */
                                llmcost_memory a, b;
                                cr_assert_eq(llmcost_memory_compute(&a, m, &o), 0, "%s", llmcost_errmsg());
                                llmcost_memory_options o2 = o;
                                o2.micro_batch = 2 * mb;
                                o2.micro_batches = 64 / (2 * mb);
                                cr_assert_eq(llmcost_memory_compute(&b, m, &o2), 0);
                                cr_expect(b.reserved_bytes >= a.reserved_bytes, "%s mb %lld -> %lld", models[i],
                                          (long long)mb, (long long)(2 * mb));
                                if (r < 2) {
                                    o2 = o;
                                    o2.recompute = r + 1;
                                    cr_assert_eq(llmcost_memory_compute(&b, m, &o2), 0);
                                    cr_expect(b.reserved_bytes <= a.reserved_bytes, "%s recompute %d -> %d", models[i],
                                              r, r + 1);
                                }
                            }
        llmcost_model_free(m);
    }
}

Test(plan_pruning, pruned_search_finds_what_one_by_one_evaluation_finds)
{
    /* The search with ZeRO, recomputation and micro-batch free (pruned) against one search per fixed setting
     * (nothing to prune): the same layouts fit, and the same one is best. */
    const char *gpu[] = {"a100-40gb"};
    llmcost_plan_options o;
    llmcost_plan_options_init(&o);
    o.gpus = 8, o.seq = 4096, o.global_batch_tokens = 64 * 4096, o.tp = 2, o.pp = 2, o.cp = 1;
    o.tp_overlap = 0, o.sequence_parallel = 1, o.framework = LLMCOST_FW_MEGATRON, o.precision = LLMCOST_PREC_BF16_MASTER;
    o.top = 1;
    llmcost_plan all;
    search(&all, "llama-3-8b", gpu, 1, &o);
    cr_assert(all.rejected[LLMCOST_PLAN_REJ_MEMORY] > 0 && all.feasible > 0, "the case must have both");
    cr_assert(all.memory_evaluations < all.evaluated, "nothing was pruned");
    int64_t feasible = 0, evaluated = 0;
    double best = INFINITY;
    for (int z = 0; z <= 3; z++)
        for (int r = 0; r <= 2; r++)
            for (int64_t mb = 1; mb <= 32; mb *= 2) {
                llmcost_plan one;
                llmcost_plan_options f = o;
                f.zero = z, f.recompute = r, f.micro_batch = mb;
                search(&one, "llama-3-8b", gpu, 1, &f);
                feasible += one.feasible;
                evaluated += one.evaluated;
                cr_assert_eq(one.memory_evaluations, one.evaluated, "one layout, one memory evaluation");
                if (one.n_layouts)
                    best = fmin(best, one.layouts[0].step_seconds);
                llmcost_plan_dispose(&one);
            }
    cr_expect_eq(feasible, all.feasible);
    cr_expect_eq(evaluated, all.evaluated);
    cr_expect_eq(best, all.layouts[0].step_seconds);
    llmcost_plan_dispose(&all);
}

/* ---- sane winners ---- */

Test(plan_sanity, llama3_8b_on_8_gpus_plain_data_parallel_with_zero_wins)
{
    const char *gpu[] = {"h100"};
    llmcost_plan_options o;
    llmcost_plan_options_init(&o);
    o.gpus = 8, o.seq = 4096, o.global_batch_tokens = 1 << 20;
    llmcost_plan all, dp;
    search(&all, "llama-3-8b", gpu, 1, &o);
    cr_assert(all.n_layouts > 0);
    o.tp = 1, o.pp = 1, o.cp = 1;
    search(&dp, "llama-3-8b", gpu, 1, &o);
    cr_assert(dp.n_layouts > 0);
    /* Plain data parallelism needs ZeRO to fit 8B with AdamW on 80 GB (16 bytes per parameter = 128 GB) */
    cr_expect(dp.layouts[0].layout.zero >= 1, "ZeRO %d", dp.layouts[0].layout.zero);
    cr_expect(dp.layouts[0].step_seconds <= 1.05 * all.layouts[0].step_seconds, "plain DP %.3f s, best %.3f s",
              dp.layouts[0].step_seconds, all.layouts[0].step_seconds);
    llmcost_plan_dispose(&all);
    llmcost_plan_dispose(&dp);
}

Test(plan_sanity, cost_objective_moves_with_price)
{
    /* Two GPU types: the one made cheap wins the cost objective, whichever it is. */
    const char *gpu[] = {"h100", "a100-80gb"};
    llmcost_plan_options o;
    llmcost_plan_options_init(&o);
    o.gpus = 16, o.seq = 2048, o.global_batch_tokens = 1 << 20, o.objective = LLMCOST_PLAN_COST, o.tokens = 1e10;
    o.top = 1;
    static const double prices[2][2] = {{1.0, 10.0}, {10.0, 1.0}};
    for (int k = 0; k < 2; k++) {
        llmcost_plan p;
        llmcost_gpu g[2] = {*llmcost_gpu_find(gpu[0]), *llmcost_gpu_find(gpu[1])};
        g[0].price_per_hour = prices[k][0];
        g[1].price_per_hour = prices[k][1];
        o.gpu_types = g;
        o.n_gpu_types = 2;
        llmcost_model *m;
        cr_assert_eq(llmcost_model_load(&m, "llama-3.2-1b"), 0);
        cr_assert_eq(llmcost_plan_search(&p, m, &o), 0, "%s", llmcost_errmsg());
        cr_assert_eq(p.n_layouts, 1);
        cr_expect_eq(p.layouts[0].gpu_type, (size_t)k, "prices %.0f/%.0f: chose %s", prices[k][0], prices[k][1],
                     gpu[p.layouts[0].gpu_type]);
        cr_expect(close_to(p.layouts[0].cost_dollars, p.layouts[0].gpu_hours * prices[k][k], 1e-12));
        llmcost_plan_dispose(&p);
        llmcost_model_free(m);
    }
}

Test(plan_sanity, llama3_405b_published_layout_fits, .timeout = 600)
{
    /* Llama 3 paper Table 4: TP8, CP1, PP16, DP128 on 16,384 H100 at sequence 8192, 16M tokens per step. */
    const char *gpu[] = {"h100"};
    llmcost_plan_options o;
    llmcost_plan_options_init(&o);
    o.gpus = 16384, o.seq = 8192, o.global_batch_tokens = 1 << 24;
    o.framework = LLMCOST_FW_MEGATRON, o.precision = LLMCOST_PREC_BF16_MASTER;
    o.tp = 8, o.pp = 16, o.cp = 1, o.dp = 128;
    llmcost_plan pub;
    search(&pub, "llama-3.1-405b", gpu, 1, &o);
    cr_assert(pub.feasible > 0, "the published layout does not fit");
    cr_expect(pub.layouts[0].mfu > 0.30 && pub.layouts[0].mfu < 0.50, "MFU %.3f (reported 38-43%%)", pub.layouts[0].mfu);
    llmcost_plan_dispose(&pub);
}

Test(plan_sanity, deepseek_v3_published_layout_verdict_is_memorys)
{
    /* DeepSeek-V3 report §3.2/§4.2: 2,048 H800, PP16 (DualPipe), EP64, ZeRO-1, no TP, fp8 GEMMs, 4K sequences,
     * 15,360 sequences per step. Whether it fits is the memory engine's call (its fp8 caching and DualPipe terms);
     * the plan must say the same as `llmcost memory` for the same flags. */
    const char *gpu[] = {"h800"};
    llmcost_plan_options o;
    llmcost_plan_options_init(&o);
    o.gpus = 2048, o.seq = 4096, o.global_batch_tokens = 15360LL * 4096;
    o.framework = LLMCOST_FW_MEGATRON, o.precision = LLMCOST_PREC_FP8;
    o.tp = 1, o.pp = 16, o.cp = 1, o.ep = 64, o.etp = 1, o.zero = 1, o.micro_batch = 1, o.vpp = 1, o.ep_overlap = 1;
    o.recompute = LLMCOST_RECOMPUTE_NONE;
    llmcost_plan p;
    search(&p, "deepseek-v3", gpu, 1, &o);
    cr_assert_eq(p.evaluated, 1, "one layout, everything fixed: %lld", (long long)p.evaluated);
    json_t *mj = cli_json("memory deepseek-v3 --gpu h800 --gpus 2048 --tp 1 --pp 16 --vpp 1 --cp 1 --ep 64 --etp 1 "
                          "--zero 1 --micro-batch 1 --micro-batches 120 --recompute none --framework megatron "
                          "--precision fp8 --seq 4096");
    cr_expect_eq(p.feasible == 1, json_is_true(json_object_get(mj, "fits")), "plan %s, memory %s",
                 p.feasible ? "fits" : "does not fit", json_is_true(json_object_get(mj, "fits")) ? "fits" : "does not");
    json_decref(mj);
    llmcost_plan_dispose(&p);
}

Test(plan_sanity, llama3_405b_best_is_not_slower_than_the_published_layout, .timeout = 600)
{
    /* The same job with every dimension free: the published TP8 PP16 DP128 is one of the layouts searched, so the
     * best predicted one can only be as fast or faster. */
    const char *gpu[] = {"h100"};
    llmcost_plan_options o;
    llmcost_plan_options_init(&o);
    o.gpus = 16384, o.seq = 8192, o.global_batch_tokens = 1 << 24, o.top = 1;
    o.framework = LLMCOST_FW_MEGATRON, o.precision = LLMCOST_PREC_BF16_MASTER;
    llmcost_plan all, pub;
    search(&all, "llama-3.1-405b", gpu, 1, &o);
    o.tp = 8, o.pp = 16, o.cp = 1, o.dp = 128;
    search(&pub, "llama-3.1-405b", gpu, 1, &o);
    cr_assert(pub.n_layouts == 1 && all.n_layouts == 1);
    cr_expect(all.feasible > pub.feasible, "the free search keeps more layouts (%lld) than the fixed one (%lld)",
              (long long)all.feasible, (long long)pub.feasible);
    cr_expect(all.layouts[0].step_seconds <= pub.layouts[0].step_seconds, "best %.4f s, published %.4f s",
              all.layouts[0].step_seconds, pub.layouts[0].step_seconds);
    /* 405e9 parameters x 6 x 16M tokens / (16,384 x 989 TFLOP/s) = 2.52 s at 100% MFU: neither is faster. */
    double ideal = 6 * 405e9 * (double)(1 << 24) / (16384 * 989e12);
    cr_expect(all.layouts[0].step_seconds > ideal && pub.layouts[0].step_seconds > ideal, "ideal %.2f s", ideal);
    llmcost_plan_dispose(&all);
    llmcost_plan_dispose(&pub);
}

Test(plan_sanity, deepseek_v3_published_layout_fits_with_its_memory_mechanisms)
{
    /* DeepSeek-V3 §3.2-3.3: the published layout fits 80 GB H800 only with its memory mechanisms: fp8 tile-wise
     * caching of Linear inputs, recomputing RMSNorm, MLA up-projections and the MoE SwiGLU output, DualPipe, and an
     * EMA kept on the CPU. Fixed in the plan, they must reach the memory engine: the plan's peak equals `llmcost
     * memory`'s for the same flags, it fits, and it is lower than without the mechanisms. */
    const char *flags = "--gpu h800 --gpus 2048 --tp 1 --pp 16 --vpp 1 --cp 1 --ep 64 --etp 1 --zero 1 "
                        "--micro-batch 1 --recompute none --framework megatron --precision fp8 --seq 4096 "
                        "--act-cache fp8-tile --recompute-modules layernorm,mla_up_proj,moe_act --pipeline dualpipe "
                        "--ema cpu";
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "plan deepseek-v3 %s --global-batch 15360x4096 --ep-overlap --top 1", flags);
    json_t *p = cli_json(cmd);
    cr_assert_eq(json_integer_value(json_object_get(p, "evaluated")), 1);
    cr_assert_eq(json_integer_value(json_object_get(p, "feasible")), 1, "the published layout does not fit the plan");
    json_t *l = json_array_get(json_object_get(p, "layouts"), 0);
    snprintf(cmd, sizeof cmd, "memory deepseek-v3 %s --micro-batches 120", flags);
    json_t *mj = cli_json(cmd);
    cr_expect(json_is_true(json_object_get(mj, "fits")));
    cr_expect(close_to(jnum(l, "peak_bytes"), jnum(mj, "peak_bytes"), 1e-9), "plan %.0f B, memory %.0f B",
              jnum(l, "peak_bytes"), jnum(mj, "peak_bytes"));
    /* Under 80 GiB x 0.95 less the CUDA context, and the flags the plan prints for it reproduce it. */
    cr_expect(jnum(l, "peak_bytes") < 80 * 1073741824.0 * 0.95 - 816644096.0);
    cr_expect(strstr(json_string_value(json_object_get(l, "memory_flags")), "--pipeline dualpipe") != NULL);
    json_decref(mj);
    snprintf(cmd, sizeof cmd, "%s --global-batch 15360x4096 --ep-overlap", flags);
    check_against_engines("deepseek-v3", cmd, 1);
    /* Without the mechanisms the same layout needs more memory (the library's fields, not the CLI's). */
    const char *gpu[] = {"h800"};
    llmcost_plan_options o;
    llmcost_plan_options_init(&o);
    o.gpus = 2048, o.seq = 4096, o.global_batch_tokens = 15360LL * 4096;
    o.framework = LLMCOST_FW_MEGATRON, o.precision = LLMCOST_PREC_FP8;
    o.tp = 1, o.pp = 16, o.cp = 1, o.ep = 64, o.etp = 1, o.zero = 1, o.micro_batch = 1, o.vpp = 1, o.ep_overlap = 1;
    o.recompute = LLMCOST_RECOMPUTE_NONE, o.sequence_parallel = 0, o.tp_overlap = 0;
    llmcost_plan bare, with;
    search(&bare, "deepseek-v3", gpu, 1, &o);
    o.act_cache = LLMCOST_CACHE_FP8_TILE, o.recompute_modules = LLMCOST_RECOMPUTE_MODULES_ALL;
    o.pipeline = LLMCOST_PIPE_DUALPIPE, o.ema = LLMCOST_EMA_CPU;
    search(&with, "deepseek-v3", gpu, 1, &o);
    cr_assert_eq(with.feasible, 1);
    cr_expect(close_to(with.layouts[0].peak_bytes, jnum(l, "peak_bytes"), 1e-9));
    llmcost_memory_options mo;
    llmcost_plan_job_options(NULL, &mo, &o, &with.layouts[0]);
    cr_expect(mo.act_cache == LLMCOST_CACHE_FP8_TILE && mo.pipeline == LLMCOST_PIPE_DUALPIPE && mo.ema == LLMCOST_EMA_CPU &&
              mo.recompute_modules == LLMCOST_RECOMPUTE_MODULES_ALL);
    /* A version-1 caller's options are read without the new fields: the same layout as with them all off. */
    o.version = 1;
    llmcost_plan v1;
    search(&v1, "deepseek-v3", gpu, 1, &o);
    cr_expect_eq(v1.feasible, bare.feasible);
    if (bare.n_layouts && v1.n_layouts)
        cr_expect_eq(v1.layouts[0].peak_bytes, bare.layouts[0].peak_bytes);
    llmcost_plan_dispose(&bare), llmcost_plan_dispose(&with), llmcost_plan_dispose(&v1);
    json_decref(p);
}

Test(plan_sanity, cost_over_three_gpu_types_moves_with_price)
{
    /* Llama-3.2-1B on 16 GPUs of H100, H200 or A100-80GB for 10B tokens: whichever is priced far below the others
     * wins the cost objective, and its cost is GPU-hours x that price. */
    static const char *const names[] = {"h100", "h200", "a100-80gb"};
    static const char *const prices[] = {"0.5,10,10", "10,0.5,10", "10,10,0.5"};
    for (int k = 0; k < 3; k++) {
        char cmd[512];
        snprintf(cmd, sizeof cmd, "plan llama-3.2-1b --gpu h100,h200,a100-80gb --price %s --gpus 16 --seq 2048 "
                 "--global-batch 1M --objective cost --tokens 10B --top 1", prices[k]);
        json_t *p = cli_json(cmd);
        json_t *l = json_array_get(json_object_get(p, "layouts"), 0);
        cr_assert_not_null(l);
        cr_expect_str_eq(json_string_value(json_object_get(l, "gpu")), names[k], "prices %s", prices[k]);
        /* Whole steps of 2^20 tokens (ceil(1e10 / 2^20) = 9,537), each 2^20 / (tokens/s) seconds, paused by
         * checkpoint saves and over the goodput of Llama 3's interruption rate: 1 / (1 + 16 GPUs x lambda x t_lost),
         * lambda x t_lost = 0.1 / (16,384 x 0.9), then 30 s of warm-up (train.h). A checkpoint holds the 1,235,814,400
         * parameters' bf16 weights and two bf16 moments (6 bytes each), saved at 2 TB/s / 16,384 per GPU, every
         * sqrt(2 x save x MTBF) seconds, MTBF = 3600 / (16 x 466 / (16,384 x 0.9 x 1,296)). */
        cr_expect(strstr(json_string_value(json_object_get(l, "step_flags")), "--precision bf16 ") != NULL);
        double steps = 9537, step_s = 1048576.0 / jnum(l, "tokens_per_second");
        double goodput = 1 / (1 + 16 * 0.1 / (16384 * 0.9));
        double save = 1235814400.0 * 6 / (16 * 2e12 / 16384), mtbf = 3600 / (16 * 466 / (16384 * 0.9 * 1296));
        double saves = floor(steps * step_s / sqrt(2 * save * mtbf));
        double hours = ((steps * step_s + saves * save) / goodput + 30) * 16 / 3600;
        cr_expect(close_to(jnum(l, "gpu_hours"), hours, 1e-9), "%g h, derived %g h", jnum(l, "gpu_hours"), hours);
        cr_expect(close_to(jnum(l, "cost_dollars"), 0.5 * hours, 1e-9), "$%g", jnum(l, "cost_dollars"));
        json_decref(p);
    }
}

Test(plan_sanity, nothing_fits_names_the_changes_that_do)
{
    /* Llama-3.1-405B with AdamW on 8 H100: 16 bytes per parameter x 405e9 / 8 = 810 GB per GPU, ten times 80 GB.
     * More GPUs make it fit (128 shard the states to 51 GB per GPU); no single GPU of the catalogue holds it. */
    json_t *p = cli_json("plan llama-3.1-405b --gpu h100 --gpus 8 --seq 8192 --global-batch 1M --precision bf16-master "
                         "--framework megatron --tp 8");
    cr_assert_eq(json_array_size(json_object_get(p, "layouts")), 0);
    json_t *ch = json_object_get(p, "changes_that_fit");
    cr_assert(json_array_size(ch) >= 1);
    json_t *c = json_array_get(ch, 0);
    cr_expect_str_eq(json_string_value(json_object_get(c, "change")), "more_gpus");
    cr_expect(jnum(c, "gpus") >= 64 && jnum(c, "gpus") <= 512, "%g GPUs", jnum(c, "gpus"));
    /* The layout it names fits by `llmcost memory` and is timed as `llmcost step` times it. */
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "step llama-3.1-405b %s", json_string_value(json_object_get(c, "step_flags")));
    json_t *s = cli_json(cmd);
    cr_expect(close_to(jnum(c, "step_seconds"), jnum(s, "step_seconds"), 1e-9));
    json_decref(s);
    json_decref(p);
}

/* The words naming a change are the library's, one function for `llmcost plan`'s list and the fit reports' line
 * (llmcost_plan_change_words): each kind as it reads, with and without its flag; too small a buffer is refused. */
Test(plan_sanity, the_words_of_a_change_are_one_function)
{
    llmcost_plan_change c;
    memset(&c, 0, sizeof c);
    char buf[128];
    struct {
        llmcost_plan_change_kind kind;
        int64_t gpus, seq;
        llmcost_recompute rec;
        const char *gpu, *bare, *flagged;
    } cases[] = {
        {LLMCOST_PLAN_MORE_GPUS, 128, 0, 0, "h100", "128 h100 GPUs", "128 h100 GPUs (--gpus)"},
        {LLMCOST_PLAN_BIGGER_GPU, 8, 0, 0, "h200", "a bigger GPU, h200", "a bigger GPU, h200 (--gpu)"},
        {LLMCOST_PLAN_SHORTER_SEQ, 8, 2048, 0, "h100", "sequences of 2048", "sequences of 2048 (--seq)"},
        {LLMCOST_PLAN_MORE_RECOMPUTE, 8, 0, LLMCOST_RECOMPUTE_FULL, "h100", "full recomputation",
         "full recomputation (--recompute full)"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        c.kind = cases[i].kind, c.gpus = cases[i].gpus, c.seq = cases[i].seq, c.recompute = cases[i].rec;
        snprintf(c.gpu, sizeof c.gpu, "%s", cases[i].gpu);
        cr_assert_eq(llmcost_plan_change_words(buf, sizeof buf, &c, false), 0, "%s", llmcost_errmsg());
        cr_expect_str_eq(buf, cases[i].bare);
        cr_assert_eq(llmcost_plan_change_words(buf, sizeof buf, &c, true), 0, "%s", llmcost_errmsg());
        cr_expect_str_eq(buf, cases[i].flagged);
    }
    cr_expect_eq(llmcost_plan_change_words(buf, 8, &c, true), LLMCOST_EOVERFLOW);
    c.kind = LLMCOST_PLAN_CHANGE_COUNT;
    cr_expect_eq(llmcost_plan_change_words(buf, sizeof buf, &c, true), LLMCOST_EINVAL);
    /* plan's list and memory's line name the same change of the same job in these words. */
    run_result r = run_cli((const char *const[]){"plan", "llama-3.1-70b", "--gpu", "h100", "--gpus", "1", "--seq", "8192",
                                                  "--global-batch", "4194304", "--threads", "1", NULL});
    cr_expect(strstr(r.out, " h100 GPUs (--gpus): ") != NULL, "%s", r.out);
    run_free(&r);
    r = run_cli((const char *const[]){"memory", "llama-3.1-70b", "--gpu", "h100", NULL});
    cr_expect(strstr(r.err, "it fits with ") && strstr(r.err, " h100 GPUs (step "), "%s", r.err);
    run_free(&r);
}

Test(plan_sanity, nearest_fitting_layout_changes_the_fewest_fields)
{
    /* Llama-3-8B on 8 H100 without ZeRO does not fit (16 bytes per parameter, 128 GB); the nearest layout that does
     * changes one field (the ZeRO stage, or recomputation is not enough: the states alone exceed 80 GB). */
    llmcost_model *m;
    cr_assert_eq(llmcost_model_load(&m, "llama-3-8b"), 0);
    llmcost_job j = LLMCOST_JOB_INIT;
    j.seq = 4096, j.micro_batch = 1, j.global_batch = 256, j.layout.gpus = 8;
    j.precision = LLMCOST_PREC_BF16_MASTER;
    llmcost_memory mem;
    cr_assert_eq(llmcost_job_memory(&mem, m, &j), 0, "%s", llmcost_errmsg());
    cr_assert(mem.reserved_bytes > llmcost_gpu_find("h100")->memory_bytes, "the job must not fit");
    llmcost_plan_layout near;
    bool found;
    cr_assert_eq(llmcost_plan_nearest(&near, &found, m, llmcost_gpu_find("h100"), &j), 0, "%s", llmcost_errmsg());
    cr_assert(found);
    int changed = (near.layout.tp != 1) + (near.layout.pp != 1) + (near.layout.vpp != 1) + (near.layout.cp != 1) +
                  (near.layout.zero != 0) + (near.micro_batch != 1) + (near.recompute != LLMCOST_RECOMPUTE_NONE) +
                  near.layout.sequence_parallel;
    cr_expect_eq(changed, 1, "changed %d fields (tp %lld pp %lld zero %d mb %lld)", changed, (long long)near.layout.tp,
                 (long long)near.layout.pp, near.layout.zero, (long long)near.micro_batch);
    cr_expect(near.headroom_bytes >= 0);
    llmcost_model_free(m);
}

Test(plan_sanity, pareto_front_is_not_dominated)
{
    const char *gpu[] = {"h100", "a100-80gb"};
    llmcost_plan_options o;
    llmcost_plan_options_init(&o);
    o.gpus = 8, o.seq = 2048, o.global_batch_tokens = 1 << 19, o.tokens = 1e9, o.pareto = true;
    llmcost_plan p;
    search(&p, "llama-3.2-1b", gpu, 2, &o);
    cr_assert(p.n_pareto >= 2, "%zu", p.n_pareto);
    /* The fastest layout is on the front; no member is beaten in all three by another. */
    cr_expect_eq(p.pareto[0].step_seconds, p.layouts[0].step_seconds);
    for (size_t i = 0; i < p.n_pareto; i++)
        for (size_t k = 0; k < p.n_pareto; k++) {
            const llmcost_plan_layout *a = &p.pareto[k], *b = &p.pareto[i];
            bool dom = a->step_seconds <= b->step_seconds && a->cost_dollars <= b->cost_dollars &&
                       a->headroom_bytes / a->usable_bytes >= b->headroom_bytes / b->usable_bytes &&
                       (a->step_seconds < b->step_seconds || a->cost_dollars < b->cost_dollars ||
                        a->headroom_bytes / a->usable_bytes > b->headroom_bytes / b->usable_bytes);
            cr_expect(!dom, "front member %zu dominated by %zu", i, k);
        }
    llmcost_plan_dispose(&p);
}

/* ---- the command line ---- */

Test(plan_cli, json_has_the_documented_fields)
{
    json_t *p = cli_json("plan llama-3.2-1b --gpu h100 --gpus 8 --seq 2048 --global-batch 512K --tokens 1B --top 2");
    cr_expect(json_integer_value(json_object_get(p, "evaluated")) > 0);
    cr_expect(json_integer_value(json_object_get(p, "feasible")) > 0);
    json_t *rej = json_object_get(p, "rejected");
    cr_expect(json_is_integer(json_object_get(rej, "memory")) && json_is_integer(json_object_get(rej, "batch")) &&
              json_is_integer(json_object_get(rej, "layout")));
    int64_t sum = json_integer_value(json_object_get(p, "feasible")) + json_integer_value(json_object_get(rej, "memory")) +
                  json_integer_value(json_object_get(rej, "batch")) + json_integer_value(json_object_get(rej, "layout"));
    cr_expect_eq(sum, json_integer_value(json_object_get(p, "evaluated")), "feasible + rejected = evaluated");
    json_t *l = json_array_get(json_object_get(p, "layouts"), 0);
    const char *keys[] = {"gpu", "tp", "pp", "vpp", "dp", "cp", "ep", "etp", "zero", "micro_batch", "recompute",
                          "sequence_parallel", "step_seconds", "peak_bytes", "mfu", "tokens_per_second", "gpu_hours",
                          "cost_dollars"};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        cr_expect_not_null(json_object_get(l, keys[i]), "no '%s'", keys[i]);
    json_decref(p);
}

Test(plan_cli, bad_input_exits_2_naming_the_flag)
{
    struct {
        const char *argv[12];
        const char *needle;
    } cases[] = {
        {{"plan", "llama-3.2-1b", "--gpu", "h100", "--global-batch", "1M", NULL}, "--gpus"},
        {{"plan", "llama-3.2-1b", "--gpus", "8", NULL}, "--global-batch"},
        {{"plan", "llama-3.2-1b", "--gpu", "h100,a100", "--gpus", "8", "--global-batch", "1M", "--price", "1,2,3", NULL},
         "--price"},
        {{"plan", "llama-3.2-1b", "--gpus", "8", "--global-batch", "1M", "--objective", "cost", NULL}, "--tokens"},
        {{"plan", "llama-3.2-1b", "--gpus", "8", "--global-batch", "1M", "--micro-batches", "4", NULL},
         "--micro-batches"},
        /* --grad-accum sets what --micro-batches sets: refused as itself, not ignored (the request API refuses
         * grad_accum too). */
        {{"plan", "llama-3.2-1b", "--gpus", "8", "--global-batch", "1M", "--grad-accum", "4", NULL}, "--grad-accum"},
        {{"plan", "llama-3.2-1b", "--gpus", "8", "--global-batch", "1M", "--context-gb", "2", NULL}, "--context-gb"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        run_result r = run_cli(cases[i].argv);
        cr_expect_eq(r.status, 2, "case %zu: exit %d", i, r.status);
        cr_expect(strstr(r.err, cases[i].needle) != NULL, "case %zu: %s", i, r.err);
        cr_expect_eq(count_lines(r.err), 1, "case %zu: %s", i, r.err);
        run_free(&r);
    }
}

/* ---- the progress bar ---- */

/* Runs the CLI with "argv" on a pseudo-terminal (stdout and stderr both on it) and returns all it printed. */
static char *run_on_terminal(const char *const *argv, const char *progress_after, int *status)
{
    int master;
    pid_t pid = forkpty(&master, NULL, NULL, NULL);
    cr_assert(pid >= 0, "forkpty: %s", strerror(errno));
    if (pid == 0) {
        int n = 0;
        while (argv[n])
            n++;
        char **args = calloc((size_t)n + 2, sizeof *args);
        args[0] = (char *)LLMCOST_BIN;
        for (int i = 0; i < n; i++)
            args[i + 1] = (char *)argv[i];
        setenv("LC_ALL", "C", 1);
        if (progress_after)
            setenv("LLMCOST_PROGRESS_AFTER", progress_after, 1);
        else
            unsetenv("LLMCOST_PROGRESS_AFTER");
        execv(LLMCOST_BIN, args);
        _exit(127);
    }
    size_t cap = 1 << 16, len = 0;
    char *buf = malloc(cap);
    for (;;) {
        if (len + 4096 > cap)
            buf = realloc(buf, cap *= 2);
        ssize_t k = read(master, buf + len, 4096);
        if (k <= 0)
            break; /* EIO once the child has closed the terminal */
        len += (size_t)k;
    }
    buf[len] = '\0';
    close(master);
    int st = 0;
    waitpid(pid, &st, 0);
    *status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
    return buf;
}

static const char *const progress_args[] = {"plan", "llama-3.2-1b", "--gpu", "h100", "--gpus", "64", "--seq", "2048",
                                            "--global-batch", "2M", "--top", "1", NULL};

Test(plan_cli, progress_bar_on_a_terminal_once_the_search_has_run_its_delay)
{
    /* LLMCOST_PROGRESS_AFTER=0 (for tests): the bar shows from the start, as it does after a second by default. */
    int st;
    char *out = run_on_terminal(progress_args, "0", &st);
    cr_assert_eq(st, 0, "%s", out);
    cr_expect_not_null(strstr(out, "llmcost plan: ["), "no progress bar on the terminal:\n%s", out);
    cr_expect_not_null(strstr(out, "%"), "no percentage");
    /* The bar is cleared before the table: the table's first line follows a carriage return, not the bar. */
    const char *table = strstr(out, "Best layouts");
    cr_assert_not_null(table, "%s", out);
    cr_expect_null(strstr(table, "llmcost plan: ["), "the bar is drawn after the table");
    free(out);
    /* A search far shorter than the default second shows none (this one takes well under it even on a loaded
     * machine: one layout). */
    const char *one[] = {"plan", "llama-3.2-1b", "--gpu", "h100", "--gpus", "8", "--seq", "2048", "--global-batch",
                         "512K", "--tp", "1", "--pp", "1", "--cp", "1", "--zero", "1", "--micro-batch", "4",
                         "--recompute", "none", NULL};
    out = run_on_terminal(one, NULL, &st);
    cr_assert_eq(st, 0, "%s", out);
    cr_expect_null(strstr(out, "llmcost plan: ["), "a progress bar for a one-layout search:\n%s", out);
    free(out);
}

Test(plan_cli, no_progress_bar_off_a_terminal)
{
    setenv("LLMCOST_PROGRESS_AFTER", "0", 1);
    run_result r = run_cli(progress_args);
    unsetenv("LLMCOST_PROGRESS_AFTER");
    cr_assert_eq(r.status, 0);
    cr_expect_str_eq(r.err, "", "stderr not a terminal, yet: %s", r.err);
    run_free(&r);
    setenv("LLMCOST_PROGRESS_AFTER", "soon", 1);
    r = run_cli(progress_args);
    unsetenv("LLMCOST_PROGRESS_AFTER");
    cr_expect_eq(r.status, 2);
    cr_expect_not_null(strstr(r.err, "LLMCOST_PROGRESS_AFTER"), "%s", r.err);
    cr_expect_eq(count_lines(r.err), 1, "%s", r.err);
    run_free(&r);
}

/* ---- the library's document is the CLI's ---- */

/* The library's plan document for model "model" on "gpu" (o filled by the caller) against `llmcost plan ARGS
 * --format json`: equal but for the search time and the CLI's assumption lines. */
static void library_json_equals_cli(const char *model, const char *gpu, llmcost_plan_options *o, const char *args)
{
    const char *gpus[] = {gpu};
    llmcost_plan p;
    search(&p, model, gpus, 1, o);
    llmcost_plan_change *ch = NULL;
    size_t n = 0;
    llmcost_model *m;
    cr_assert_eq(llmcost_model_load(&m, model), 0);
    if (p.n_layouts == 0)
        cr_assert_eq(llmcost_plan_changes(&ch, &n, m, o), 0, "%s", llmcost_errmsg());
    char *text;
    cr_assert_eq(llmcost_plan_result_to_json(&text, &p, m, o, ch, n, NULL), 0, "%s", llmcost_errmsg());
    json_t *lib = json_loads(text, 0, NULL), *cli = cli_json(args);
    cr_assert_not_null(lib);
    const char *drop[] = {"search_seconds", "assumptions", "threads"};
    for (int i = 0; i < 3; i++) {
        json_object_del(lib, drop[i]);
        json_object_del(cli, drop[i]);
    }
    char *a = json_dumps(lib, JSON_SORT_KEYS), *b = json_dumps(cli, JSON_SORT_KEYS);
    cr_expect_str_eq(a, b, "%s: the library's plan document differs from the CLI's", args);
    /* The flags beside each layout are llmcost_plan_layout_flags()'s, and `llmcost step` takes them (above). */
    json_t *l0 = json_array_get(json_object_get(lib, "layouts"), 0);
    if (l0) {
        char flags[1024];
        cr_assert_eq(llmcost_plan_layout_flags(flags, sizeof flags, o, &p.layouts[0], gpu, false), 0);
        cr_expect_str_eq(json_string_value(json_object_get(l0, "step_flags")), flags);
        cr_expect_eq(llmcost_plan_layout_flags(flags, 16, o, &p.layouts[0], gpu, false), LLMCOST_EOVERFLOW);
    } else {
        cr_expect(json_array_size(json_object_get(lib, "changes_that_fit")) >= 1, "%s: no change named", args);
    }
    free(a);
    free(b);
    json_decref(lib);
    json_decref(cli);
    llmcost_free(text);
    llmcost_free(ch);
    llmcost_model_free(m);
    llmcost_plan_dispose(&p);
}

Test(plan_cli, library_json_equals_the_cli, .timeout = 600)
{
    llmcost_plan_options o;
    llmcost_plan_options_init(&o);
    o.gpus = 8, o.seq = 4096, o.global_batch_tokens = 1 << 20;
    library_json_equals_cli("llama-3-8b", "h100", &o, "plan llama-3-8b --gpu h100 --gpus 8 --seq 4096 --global-batch 1048576");
    llmcost_plan_options_init(&o);
    o.gpus = 64, o.seq = 4096, o.global_batch_tokens = 1 << 22, o.pareto = true;
    library_json_equals_cli("mixtral-8x7b", "h100", &o,
                            "plan mixtral-8x7b --gpu h100 --gpus 64 --seq 4096 --global-batch 4194304 --pareto");
    /* Nothing fits (405B with AdamW on 8 A100: ~810 GB of states per GPU): the changes that fit are the CLI's. */
    llmcost_plan_options_init(&o);
    o.gpus = 8, o.seq = 8192, o.global_batch_tokens = 1 << 20;
    library_json_equals_cli("llama-3.1-405b", "a100", &o,
                            "plan llama-3.1-405b --gpu a100 --gpus 8 --seq 8192 --global-batch 1048576");
}

/* A caller's GPU catalogue (plan options "catalog", the CLI's --gpu-file) is where the planner looks for a bigger
 * GPU: Llama-3.1-405B with AdamW on 8 A100-80GB needs ~16 B x 405e9 / 8 = 810 GB per GPU; a made-up 4,000 GB GPU
 * holds it, no bundled one does. Without the catalogue it is never named. */
Test(plan_sanity, a_callers_catalogue_offers_its_bigger_gpu)
{
    const char *json = "{\"gpus\": [{\"name\": \"huge-mem\", \"peak_tflops\": {\"bf16\": 989}, \"memory_gb\": 4000, "
                       "\"memory_bw_gbps\": 3350, \"scaleup\": {\"gbps\": 450, \"size\": 8}, \"scaleout\": {\"gbps\": 50}, "
                       "\"price\": {\"usd_per_hour\": 3}}]}";
    llmcost_catalog *cat;
    cr_assert_eq(llmcost_catalog_new(&cat, NULL), 0);
    cr_assert_eq(llmcost_catalog_load_json(cat, json, strlen(json), "mine.json"), 0, "%s", llmcost_errmsg());
    llmcost_model *m;
    cr_assert_eq(llmcost_model_load(&m, "llama-3.1-405b"), 0);
    llmcost_gpu a100 = *llmcost_gpu_find("a100");
    llmcost_plan_options o;
    llmcost_plan_options_init(&o);
    o.gpu_types = &a100, o.n_gpu_types = 1, o.gpus = 8, o.seq = 8192, o.global_batch_tokens = 1 << 20;
    for (int with = 0; with < 2; with++) {
        o.catalog = with ? cat : NULL;
        llmcost_plan_change *ch;
        size_t n;
        cr_assert_eq(llmcost_plan_changes(&ch, &n, m, &o), 0, "%s", llmcost_errmsg());
        bool named = false;
        for (size_t i = 0; i < n; i++)
            if (ch[i].kind == LLMCOST_PLAN_BIGGER_GPU && !strcmp(ch[i].gpu, "huge-mem")) {
                named = true;
                cr_expect(ch[i].best.peak_bytes < 4000.0 * 1073741824.0 && ch[i].best.peak_bytes > 810e9 * 0.5,
                          "%.3g B", ch[i].best.peak_bytes);
            }
        cr_expect_eq(named, with, "catalogue %s: huge-mem %snamed", with ? "given" : "absent", named ? "" : "not ");
        llmcost_free(ch);
    }
    /* The CLI's --gpu-file reaches the same search. */
    const char *path = temp_file("gpus.json", json, strlen(json));
    char args[1024];
    snprintf(args, sizeof args, "plan llama-3.1-405b --gpu a100 --gpus 8 --seq 8192 --global-batch 1M --gpu-file %s",
             path);
    json_t *p = cli_json(args);
    char *text = json_dumps(p, JSON_COMPACT);
    cr_expect(strstr(text, "\"change\":\"bigger_gpu\",\"gpu\":\"huge-mem\"") != NULL, "%s", text);
    free(text);
    json_decref(p);
    llmcost_model_free(m);
    llmcost_catalog_free(cat);
}

/* ---- the nearest fitting layout that memory, step and train name ---- */

/* The whole search (no bound) for the layout nearest to validated job "j" on "gpu": every layout of the job that
 * fits, ranked by fields changed, then step time. */
static bool whole_search_nearest(llmcost_plan_layout *out, const llmcost_model *m, const llmcost_gpu *gpu,
                                 const llmcost_job *j)
{
    llmcost_plan_layout ref;
    memset(&ref, 0, sizeof ref);
    ref.layout = j->layout;
    ref.expert_tp = j->expert_tp;
    ref.micro_batch = j->micro_batch;
    ref.recompute = j->recompute;
    llmcost_plan_options o;
    llmcost_plan_options_init(&o);
    o.gpu_types = gpu, o.n_gpu_types = 1, o.gpus = j->layout.gpus, o.seq = j->seq;
    o.global_batch_tokens = j->global_batch * j->seq;
    o.objective = LLMCOST_PLAN_NEAREST, o.reference = &ref, o.top = 3;
    o.precision = j->precision, o.optimizer = j->optimizer, o.attention = j->attention, o.framework = j->framework;
    o.ep_overlap = j->layout.ep_overlap, o.tp_overlap = j->layout.tp_overlap;
    llmcost_plan p;
    cr_assert_eq(llmcost_plan_search(&p, m, &o), 0, "%s", llmcost_errmsg());
    bool found = p.n_layouts > 0;
    if (found)
        *out = p.layouts[0];
    llmcost_plan_dispose(&p);
    return found;
}

static int fields_changed(const llmcost_job *j, const llmcost_plan_layout *l)
{
    return (j->layout.tp != l->layout.tp) + (j->layout.pp != l->layout.pp) + (j->layout.vpp != l->layout.vpp) +
           (j->layout.cp != l->layout.cp) + (j->layout.ep != l->layout.ep) + (j->expert_tp != l->expert_tp) +
           (j->layout.zero != l->layout.zero) + (j->micro_batch != l->micro_batch) + (j->recompute != l->recompute) +
           (j->layout.sequence_parallel != l->layout.sequence_parallel);
}

Test(plan_nearest, bounded_search_equals_the_whole_search, .timeout = 300)
{
    /* llmcost_plan_nearest searches within 0, 1, 2, ... changes and stops at the first bound where something fits;
     * the whole search ranks every fitting layout by changes then step time. Both must name the same layout. */
    struct {
        const char *model;
        int64_t gpus, seq, global_batch, tp, pp, zero, mb;
        llmcost_precision prec;
        llmcost_framework fw;
        llmcost_recompute rec;
    } cases[] = {
        {"llama-3-8b", 8, 4096, 256, 1, 1, 0, 1, LLMCOST_PREC_BF16_MASTER, LLMCOST_FW_HF, LLMCOST_RECOMPUTE_NONE},
        {"llama-3.1-70b", 8, 8192, 512, 1, 1, 0, 1, LLMCOST_PREC_BF16, LLMCOST_FW_HF, LLMCOST_RECOMPUTE_NONE},
        {"llama-3.1-70b", 64, 8192, 512, 8, 1, 1, 2, LLMCOST_PREC_BF16_MASTER, LLMCOST_FW_MEGATRON,
         LLMCOST_RECOMPUTE_NONE},
        {"mixtral-8x7b", 8, 4096, 128, 2, 1, 0, 4, LLMCOST_PREC_BF16, LLMCOST_FW_MEGATRON, LLMCOST_RECOMPUTE_NONE},
        {"llama-3.1-405b", 256, 8192, 2048, 8, 4, 1, 1, LLMCOST_PREC_BF16_MASTER, LLMCOST_FW_MEGATRON,
         LLMCOST_RECOMPUTE_SELECTIVE},
    };
    const llmcost_gpu *h100 = llmcost_gpu_find("h100");
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        llmcost_model *m;
        cr_assert_eq(llmcost_model_load(&m, cases[c].model), 0);
        llmcost_job j = LLMCOST_JOB_INIT;
        j.seq = cases[c].seq, j.global_batch = cases[c].global_batch, j.layout.gpus = cases[c].gpus;
        j.layout.tp = cases[c].tp, j.layout.pp = cases[c].pp, j.layout.zero = (int)cases[c].zero;
        j.micro_batch = cases[c].mb, j.precision = cases[c].prec, j.framework = cases[c].fw, j.recompute = cases[c].rec;
        cr_assert_eq(llmcost_job_validate(&j, m), 0, "%s: %s", cases[c].model, llmcost_errmsg());
        llmcost_memory mem;
        cr_assert_eq(llmcost_job_memory(&mem, m, &j), 0);
        cr_assert(mem.reserved_bytes + j.cuda_context_bytes > h100->memory_bytes * (1 - j.headroom),
                  "case %zu (%s) must not fit", c, cases[c].model);
        llmcost_plan_layout near, whole;
        bool found;
        cr_assert_eq(llmcost_plan_nearest(&near, &found, m, h100, &j), 0, "%s", llmcost_errmsg());
        bool whole_found = whole_search_nearest(&whole, m, h100, &j);
        cr_assert_eq(found, whole_found, "case %zu", c);
        if (found) {
            cr_expect_eq(fields_changed(&j, &near), fields_changed(&j, &whole), "case %zu", c);
            cr_expect_eq(near.step_seconds, whole.step_seconds, "case %zu: %.12g vs %.12g s", c, near.step_seconds,
                         whole.step_seconds);
            cr_expect_eq(near.peak_bytes, whole.peak_bytes, "case %zu", c);
            cr_expect(near.layout.tp == whole.layout.tp && near.layout.pp == whole.layout.pp &&
                          near.layout.vpp == whole.layout.vpp && near.layout.cp == whole.layout.cp &&
                          near.layout.ep == whole.layout.ep && near.expert_tp == whole.expert_tp &&
                          near.layout.zero == whole.layout.zero && near.micro_batch == whole.micro_batch &&
                          near.recompute == whole.recompute &&
                          near.layout.sequence_parallel == whole.layout.sequence_parallel,
                      "case %zu: the two searches name different layouts", c);
            cr_expect(near.headroom_bytes >= 0, "case %zu", c);
        }
        llmcost_model_free(m);
    }
}

Test(plan_nearest, memory_step_and_train_name_a_layout_that_fits, .timeout = 300)
{
    /* Llama-3.1-70B on 8 H100 with no sharding: each GPU holds the whole model's bf16 weights (2 bytes x 70.6e9 =
     * 141 GB) and AdamW states (4 bytes: 282 GB) against 80 GB; memory, step and train name the planner's nearest
     * layout that fits. */
    const char *job = "llama-3.1-70b --gpu h100 --gpus 8 --seq 8192 --global-batch 4194304";
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "memory %s", job);
    json_t *mj = cli_json(cmd);
    cr_assert(json_is_false(json_object_get(mj, "fits")));
    json_t *nf = json_object_get(mj, "nearest_fit");
    cr_assert(json_is_object(nf), "memory names no nearest_fit");
    /* What the whole search finds for the same job (the planner's nearest, ranked over every layout). */
    llmcost_model *m;
    cr_assert_eq(llmcost_model_load(&m, "llama-3.1-70b"), 0);
    llmcost_job j = LLMCOST_JOB_INIT;
    j.seq = 8192, j.global_batch = 4194304 / 8192, j.layout.gpus = 8;
    cr_assert_eq(llmcost_job_validate(&j, m), 0, "%s", llmcost_errmsg());
    llmcost_plan_layout whole;
    cr_assert(whole_search_nearest(&whole, m, llmcost_gpu_find("h100"), &j));
    llmcost_model_free(m);
    cr_expect_eq(jnum(nf, "tp"), whole.layout.tp);
    cr_expect_eq(jnum(nf, "pp"), whole.layout.pp);
    cr_expect_eq(jnum(nf, "dp"), whole.layout.dp);
    cr_expect_eq(jnum(nf, "zero"), whole.layout.zero);
    cr_expect_eq(jnum(nf, "micro_batch"), whole.micro_batch);
    cr_expect_str_eq(json_string_value(json_object_get(nf, "recompute")), llmcost_recompute_name(whole.recompute));
    cr_expect(close_to(jnum(nf, "step_seconds"), whole.step_seconds, 1e-12));
    cr_expect_eq(jnum(nf, "peak_bytes"), round(whole.peak_bytes));
    /* Run through `llmcost memory` with its flags it fits: reserve + CUDA context within 95% of 80 GiB. */
    snprintf(cmd, sizeof cmd, "memory llama-3.1-70b %s", json_string_value(json_object_get(nf, "memory_flags")));
    json_t *fm = cli_json(cmd);
    cr_expect(json_is_true(json_object_get(fm, "fits")), "%s: does not fit", cmd);
    cr_expect(jnum(fm, "reserved_bytes") + jnum(fm, "cuda_context_bytes") <= 0.95 * 80 * 1073741824.0);
    cr_expect_eq(jnum(fm, "peak_bytes"), jnum(nf, "peak_bytes"));
    cr_expect_null(json_object_get(fm, "nearest_fit"), "a job that fits names no nearest layout");
    json_decref(fm);
    /* ... and `llmcost step` with its flags times it as named. */
    snprintf(cmd, sizeof cmd, "step llama-3.1-70b %s", json_string_value(json_object_get(nf, "step_flags")));
    json_t *fs = cli_json(cmd);
    cr_expect(json_is_true(json_object_get(fs, "fits")));
    cr_expect(close_to(jnum(fs, "step_seconds"), jnum(nf, "step_seconds"), 1e-9));
    json_decref(fs);
    /* step and train name the same layout. */
    const char *cmds[] = {"step", "train"};
    for (int i = 0; i < 2; i++) {
        snprintf(cmd, sizeof cmd, "%s %s%s", cmds[i], job, i ? " --tokens 1e12" : "");
        json_t *d = cli_json(cmd);
        json_t *n2 = json_object_get(d, "nearest_fit");
        cr_assert(json_is_object(n2), "%s names no nearest_fit", cmds[i]);
        cr_expect_str_eq(json_string_value(json_object_get(n2, "step_flags")),
                         json_string_value(json_object_get(nf, "step_flags")), "%s", cmds[i]);
        cr_expect_eq(jnum(n2, "step_seconds"), jnum(nf, "step_seconds"), "%s", cmds[i]);
        json_decref(d);
    }
    /* The text names it in one line, with the flags that change. */
    const char *argv[] = {"memory", "llama-3.1-70b", "--gpu", "h100", "--gpus", "8", "--seq", "8192",
                          "--global-batch", "4194304", NULL};
    run_result r = run_cli(argv);
    cr_assert_eq(r.status, 0, "%s", r.err);
    char line[1024];
    snprintf(line, sizeof line, "nearest layout that fits (llmcost plan, fewest changes): %s (",
             json_string_value(json_object_get(nf, "changes")));
    cr_expect(strstr(r.err, line) != NULL, "stderr lacks '%s':\n%s", line, r.err);
    run_free(&r);
    json_decref(mj);
}

/* ---- options of older versions ---- */

#include <sys/mman.h>

/* A plan options struct of "version" placed so that its last byte is the last readable byte of a page: reading past
 * the end of what that version has crashes. */
static llmcost_plan_options *at_page_end(const llmcost_plan_options *o, unsigned version, void **map, size_t *len)
{
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    size_t size = version == 1   ? offsetof(llmcost_plan_options, act_cache)
                  : version == 2 ? offsetof(llmcost_plan_options, catalog)
                  : version == 3 ? offsetof(llmcost_plan_options, finetune)
                  : version == 4 ? offsetof(llmcost_plan_options, moe_dispatcher)
                  : version == 5 ? (offsetof(llmcost_plan_options, cp_comm) + 7) / 8 * 8 /* its sizeof, padded */
                  : version == 6 ? offsetof(llmcost_plan_options, gpu_file)
                                 : sizeof *o;
    *len = 2 * page;
    *map = mmap(NULL, *len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    cr_assert(*map != MAP_FAILED);
    cr_assert_eq(mprotect((char *)*map + page, page, PROT_NONE), 0);
    cr_assert_eq(size % 8, 0, "the struct's alignment");
    llmcost_plan_options *x = (llmcost_plan_options *)((char *)*map + page - size);
    memcpy(x, o, size);
    x->version = version;
    return x;
}

Test(plan_options, older_versions_are_read_by_their_size)
{
    /* Llama-3-8B on one H100 in fp32 AdamW (16 bytes per parameter: 128 GB) fits no layout; the changes that make
     * it fit are searched from copies of the caller's options, which must not read past an older, shorter struct
     * (a version-1 struct ends before the memory mechanisms, a version-2 one before "catalog", a version-3 one
     * before "finetune", a version-4 one before "moe_dispatcher", a version-5 one before "cp_comm", a version-6 one
     * before "gpu_file"). */
    const llmcost_gpu *h100 = llmcost_gpu_find("h100");
    llmcost_model *m;
    cr_assert_eq(llmcost_model_load(&m, "llama-3-8b"), 0);
    llmcost_plan_options o;
    llmcost_plan_options_init(&o);
    o.gpu_types = h100, o.n_gpu_types = 1, o.gpus = 1, o.seq = 4096, o.global_batch_tokens = 64 * 4096;
    o.precision = LLMCOST_PREC_FP32, o.threads = 1;
    llmcost_plan_change *want;
    size_t n_want;
    cr_assert_eq(llmcost_plan_changes(&want, &n_want, m, &o), 0, "%s", llmcost_errmsg());
    cr_assert(n_want >= 1, "more GPUs make it fit");
    for (unsigned v = 1; v <= 6; v++) {
        void *map;
        size_t len;
        llmcost_plan_options *x = at_page_end(&o, v, &map, &len);
        llmcost_plan p;
        cr_assert_eq(llmcost_plan_search(&p, m, x), 0, "%s", llmcost_errmsg());
        cr_expect_eq(p.n_layouts, 0);
        llmcost_plan_change *c;
        size_t n;
        cr_assert_eq(llmcost_plan_changes(&c, &n, m, x), 0, "version %u: %s", v, llmcost_errmsg());
        /* The mechanisms are off in both, so the same changes are found. */
        cr_expect_eq(n, n_want, "version %u", v);
        for (size_t i = 0; i < n && i < n_want; i++) {
            cr_expect_eq(c[i].kind, want[i].kind);
            cr_expect_eq(c[i].gpus, want[i].gpus);
            cr_expect_eq(c[i].best.step_seconds, want[i].best.step_seconds);
        }
        char *json;
        cr_assert_eq(llmcost_plan_result_to_json(&json, &p, m, x, c, n, NULL), 0, "%s", llmcost_errmsg());
        cr_expect(strstr(json, "\"changes_that_fit\"") != NULL);
        llmcost_free(json);
        llmcost_free(c);
        llmcost_plan_dispose(&p);
        munmap(map, len);
    }
    llmcost_free(want);
    llmcost_model_free(m);
}

/* ---- state-space mixers and context parallelism ---- */

Test(plan_ssm, context_parallelism_is_refused_over_a_state_space_mixer)
{
    /* Context parallelism would split Mamba's scan over the sequence between ranks: each would need the state the
     * ranks before it leave, which no engine models. The job is refused naming the field; a search with cp free
     * keeps only cp 1 (it had offered cp 2, 4, 8 at the data-parallel step time), and a fixed cp 2 is refused. */
    llmcost_model *m = load_model("mamba-2.8b");
    llmcost_job j = single_gpu_job(1, 2048);
    j.layout.gpus = 2, j.layout.cp = 2;
    cr_expect_eq(llmcost_job_validate(&j, m), LLMCOST_EUNSUPPORTED);
    cr_expect(strstr(llmcost_errmsg(), "layout.cp = 2") && strstr(llmcost_errmsg(), "state-space"), "%s",
              llmcost_errmsg());
    llmcost_model_free(m);

    llmcost_plan_options o;
    llmcost_plan_options_init(&o);
    o.gpus = 8, o.seq = 2048, o.global_batch_tokens = 1 << 20, o.top = 1000;
    llmcost_plan p;
    const char *gpu[] = {"h100"};
    search(&p, "mamba-2.8b", gpu, 1, &o);
    cr_expect_gt(p.n_layouts, 0);
    for (size_t i = 0; i < p.n_layouts; i++)
        cr_expect_eq(p.layouts[i].layout.cp, 1, "layout %zu has cp %lld", i, (long long)p.layouts[i].layout.cp);
    llmcost_plan_dispose(&p);

    o.cp = 2;
    m = load_model("mamba-2.8b");
    cr_expect_eq(llmcost_plan_search(&p, m, &o), LLMCOST_EUNSUPPORTED);
    cr_expect(strstr(llmcost_errmsg(), "layout.cp = 2") != NULL, "%s", llmcost_errmsg());
    llmcost_model_free(m);
}

/* ---- MoE parallel folding (issue 14): experts spread over data- and tensor-parallel ranks ---- */

/* Qwen3-30B-A3B (128 routed experts) on 8 H100 with --tp 2: Megatron-Core's expert grid (parallel_state.py: expert
 * DP = world / (etp x ep x pp)) lets EP take 8 ranks although dp x cp is at most 4, so the search enumerates
 * ep 8 with tp 2 (EP spans the TP pair: sequence parallelism on). Such a layout is feasible, listed, and its step
 * time and peak are what `llmcost step` and `llmcost memory` print for the flags the plan prints, to 1e-9. */
static void folded_layouts_agree(const char *model)
{
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "plan %s --gpu h100 --gpus 8 --tp 2 --seq 4096 --global-batch 1M --framework megatron "
             "--precision bf16-master --top 200", model);
    json_t *plan = cli_json(cmd);
    json_t *layouts = json_object_get(plan, "layouts");
    int folded = 0;
    for (size_t i = 0; i < json_array_size(layouts) && folded < 3; i++) {
        json_t *l = json_array_get(layouts, i);
        double ep = jnum(l, "ep"), dpcp = jnum(l, "dp") * jnum(l, "cp"), etp = jnum(l, "etp");
        if (ep <= dpcp)
            continue;
        folded++;
        cr_expect_eq(fmod(jnum(l, "tp") * dpcp, ep * etp), 0, "the expert grid tiles the stage");
        cr_expect(json_is_true(json_object_get(l, "sequence_parallel")), "EP inside TP needs sequence parallelism");
        layout_is_step_and_memory(model, l, false, "");
    }
    cr_expect_eq(folded, 3, "%s: only %d folded layouts (ep > dp x cp) among the best 200", model, folded);
    /* The best layout with tp 2 is a folded one here: 8-way EP without a data-parallel degree of 8. */
    json_t *best = json_array_get(layouts, 0);
    cr_expect_gt(jnum(best, "ep"), jnum(best, "dp") * jnum(best, "cp"), "%s", model);
    json_decref(plan);
}

Test(plan_folding, ep_spanning_tp_ranks_is_searched_and_agrees_with_step_and_memory, .timeout = 300)
{
    folded_layouts_agree("qwen3-30b-a3b");
}

/* An expert-TP group wider than TP (issue 14 follow-up): Megatron-Core sizes expert_tensor_parallel_size on its own
 * (parallel_state.py: only etp x ep x pp must divide the world size), so the search tries the multiples of tp that
 * tile the stage. Qwen3-30B-A3B on 8 H100 with --tp 2: none wins (the best is ep 8 etp 1), but such layouts fit and
 * are listed; each is what `llmcost step` and `llmcost memory` print for the flags the plan prints, to 1e-9. */
Test(plan_folding, expert_tp_wider_than_tp_is_searched_and_agrees_with_step_and_memory, .timeout = 300)
{
    const char *model = "qwen3-30b-a3b";
    json_t *plan = cli_json("plan qwen3-30b-a3b --gpu h100 --gpus 8 --tp 2 --seq 4096 --global-batch 1M "
                            "--framework megatron --precision bf16-master --top 40");
    json_t *layouts = json_object_get(plan, "layouts");
    int wider = 0;
    for (size_t i = 0; i < json_array_size(layouts) && wider < 3; i++) {
        json_t *l = json_array_get(layouts, i);
        double tp = jnum(l, "tp"), etp = jnum(l, "etp");
        if (etp <= tp)
            continue;
        wider++;
        cr_expect_eq(fmod(tp * jnum(l, "dp") * jnum(l, "cp"), jnum(l, "ep") * etp), 0, "the expert grid tiles the stage");
        cr_expect(json_is_true(json_object_get(l, "sequence_parallel")), "a wider expert-TP group needs SP");
        layout_is_step_and_memory(model, l, false, "");
    }
    cr_expect_eq(wider, 3, "only %d layouts with etp > tp among the best 40", wider);
    json_decref(plan);
    /* Without sequence parallelism the wider group's ranks would hold the TP group's tokens twice: refused, naming
     * the flag, by step as by the job. */
    run_result r = run_cli((const char *const[]){"step", "qwen3-30b-a3b", "--gpus", "8", "--tp", "2", "--etp", "4",
                                                  "--framework", "megatron", "--no-sequence-parallel", NULL});
    cr_expect_eq(r.status, 2, "%s", r.err);
    cr_expect(strstr(r.err, "--etp 4 is larger than --tp 2") && strstr(r.err, "--sequence-parallel"), "%s", r.err);
    run_free(&r);
    /* The wider group is Megatron-Core's: the eager profiles refuse it, and their searches do not try it. */
    r = run_cli((const char *const[]){"step", "qwen3-30b-a3b", "--gpus", "2", "--etp", "2", NULL});
    cr_expect_eq(r.status, 2, "%s", r.err);
    cr_expect(strstr(r.err, "--etp 2 is larger than --tp 1") && strstr(r.err, "megatron"), "%s", r.err);
    run_free(&r);
    json_t *hf = cli_json("plan qwen3-30b-a3b --gpu h100 --gpus 8 --seq 4096 --global-batch 1M --top 100");
    json_t *hl = json_object_get(hf, "layouts");
    cr_assert_gt(json_array_size(hl), 0);
    for (size_t i = 0; i < json_array_size(hl); i++)
        cr_expect_leq(jnum(json_array_get(hl, i), "etp"), jnum(json_array_get(hl, i), "tp"), "hf layout %zu", i);
    json_decref(hf);
}

/* The same with DeepSeek's MoE (DeepSeek-V2-Lite: 64 routed experts and 2 shared ones, MLA attention): its blocks
 * keep the TP group's collectives for the shared expert. */
Test(plan_folding, deepseek_style_moe_with_shared_experts_folds_too, .timeout = 300)
{
    folded_layouts_agree("deepseek-v2-lite");
}

/* The collectives of a routed-expert block run over its expert-TP group (Megatron-Core's token dispatcher gathers and
 * scatters over it), not the attention's TP group. Mixtral-8x7B (32 layers, no shared expert), one micro-batch of
 * 1 x 1024 tokens, tp 4 with sequence parallelism, no pipeline, nothing overlapped. Per layer, forward and backward,
 * two all-reduce-equivalents in each block (docs/formulas.md), plus two for the embedding and the head:
 *   TP time = A_tp (2 L + 2) + A_etp 2 L,
 *   A_tp = all-reduce of b s h 2 bytes over the 4 TP ranks,
 *   A_etp = all-reduce of b s h 2 etp / tp bytes (the tokens of etp of the tp scattered ranks) over etp ranks,
 * so etp 1 pays the attention blocks alone, etp 2 half-size messages over pairs, and etp = tp the old A_tp (4 L + 2).
 * An expert-TP group wider than TP (etp 8 over tp 4 x dp 2: Megatron-Core sizes it on its own) gathers the tokens of
 * 8 sequence-parallel ranks, twice the TP group's: A_etp = all-reduce of b s h 2 x 8 / 4 bytes over 8 ranks. */
Test(plan_folding, expert_blocks_communicate_over_the_expert_tp_group)
{
    llmcost_model *m;
    cr_assert_eq(llmcost_model_load(&m, "mixtral-8x7b"), 0);
    const llmcost_gpu *g = llmcost_gpu_find("h100");
    double h = (double)m->hidden, L = (double)m->n_layers, bytes = 1.0 * 1024 * h * 2;
    llmcost_comm_options co = LLMCOST_COMM_OPTIONS_INIT;
    llmcost_comm_cost c4, c2;
    llmcost_comm_group g4 = llmcost_comm_group_of(4, 1, g->scaleup_size), g2 = llmcost_comm_group_of(2, 1, g->scaleup_size);
    cr_assert_eq(llmcost_comm_time(&c4, g, LLMCOST_COLL_ALL_REDUCE, bytes, &g4, &co), 0);
    cr_assert_eq(llmcost_comm_time(&c2, g, LLMCOST_COLL_ALL_REDUCE, bytes * 2 / 4, &g2, &co), 0);
    llmcost_comm_cost c8;
    llmcost_comm_group g8 = llmcost_comm_group_of(8, 1, g->scaleup_size);
    cr_assert_eq(llmcost_comm_time(&c8, g, LLMCOST_COLL_ALL_REDUCE, bytes * 8 / 4, &g8, &co), 0);
    struct {
        int64_t etp, ep, dp;
        double expect;
    } cases[] = {
        {1, 8, 2, c4.seconds * (2 * L + 2)},
        {2, 4, 2, c4.seconds * (2 * L + 2) + c2.seconds * 2 * L},
        {4, 2, 2, c4.seconds * (4 * L + 2)},
        {8, 1, 2, c4.seconds * (2 * L + 2) + c8.seconds * 2 * L},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        llmcost_step_options o = LLMCOST_STEP_OPTIONS_INIT;
        o.framework = LLMCOST_FW_MEGATRON;
        o.precision = LLMCOST_PREC_BF16_MASTER;
        o.seq = 1024, o.micro_batch = 1, o.global_batch = cases[i].dp;
        o.layout.tp = 4, o.layout.dp = cases[i].dp, o.layout.ep = cases[i].ep, o.layout.gpus = 4 * cases[i].dp;
        o.layout.sequence_parallel = true;
        o.expert_tp = cases[i].etp;
        llmcost_step s;
        cr_assert_eq(llmcost_step_compute(&s, m, g, &o), 0, "etp %lld: %s", (long long)cases[i].etp, llmcost_errmsg());
        cr_expect(close_to(s.comm_total[LLMCOST_ST_TP_COMM], cases[i].expect, 1e-12), "etp %lld: TP %.12g s, expected %.12g s",
                  (long long)cases[i].etp, s.comm_total[LLMCOST_ST_TP_COMM], cases[i].expect);
    }
    llmcost_model_free(m);
}

/* The memory an expert-TP group wider than TP keeps: each rank's experts hold the tokens of its etp ranks (etp / tp
 * times its own under sequence parallelism) at width d_ff / etp. Megatron profile, Mixtral-8x7B, one micro-batch of
 * 1 x 1024 tokens, tp 2 with SP on 4 GPUs, no recomputation: from etp 2 (= tp) to etp 4 the gathered tokens double
 * and the width halves, so the width-sized tensors (fc1's output, the SwiGLU's) keep their bytes and the permuted
 * input (k h bf16 values per routed token) doubles: a layer keeps k T h 2 = 2 x 1024 x 4096 x 2 bytes = 16 MiB more. */
Test(plan_folding, expert_tp_wider_than_tp_keeps_its_ranks_tokens)
{
    llmcost_model *m;
    cr_assert_eq(llmcost_model_load(&m, "mixtral-8x7b"), 0);
    double layer[2];
    for (int k = 0; k < 2; k++) {
        llmcost_memory_options o = LLMCOST_MEMORY_OPTIONS_INIT;
        o.framework = LLMCOST_FW_MEGATRON, o.precision = LLMCOST_PREC_BF16_MASTER;
        o.seq = 1024, o.micro_batch = 1;
        o.layout.tp = 2, o.layout.dp = 2, o.layout.gpus = 4, o.layout.sequence_parallel = true;
        o.expert_tp = k ? 4 : 2;
        llmcost_memory r;
        cr_assert_eq(llmcost_memory_compute(&r, m, &o), 0, "etp %lld: %s", (long long)o.expert_tp, llmcost_errmsg());
        layer[k] = r.layer_activation_bytes;
    }
    double T = 1024, h = (double)m->hidden, topk = (double)m->layers[0].ffn.top_k;
    cr_expect_eq(layer[1] - layer[0], topk * T * h * 2, "etp 2: %.0f B, etp 4: %.0f B per layer", layer[0], layer[1]);
    llmcost_model_free(m);
}

/* ---- the printed command reproduces the job (issue 14) ---- */

/* --headroom, --gpus-per-node and --price reach the flags the plan prints: `llmcost step` with them times the GPU
 * the search timed (tp 8 over 4-GPU nodes crosses the network: without --scaleup-size the step is faster), and
 * `llmcost memory` with them judges the fit with the same headroom. */
Test(plan_cli, printed_flags_carry_headroom_and_the_gpu_overrides)
{
    json_t *plan = cli_json("plan llama-3.2-1b --gpu h100 --gpus 16 --tp 8 --seq 2048 --global-batch 512K "
                            "--gpus-per-node 4 --headroom 0.2 --price 1.5 --top 2");
    json_t *layouts = json_object_get(plan, "layouts");
    cr_assert_gt(json_array_size(layouts), 0);
    for (size_t i = 0; i < json_array_size(layouts); i++) {
        json_t *l = json_array_get(layouts, i);
        const char *flags = json_string_value(json_object_get(l, "step_flags"));
        const char *mflags = json_string_value(json_object_get(l, "memory_flags"));
        cr_expect(strstr(flags, " --headroom 0.20000000000000001") || strstr(flags, " --headroom 0.2"), "%s", flags);
        cr_expect(strstr(flags, " --scaleup-size 4"), "%s", flags);
        cr_expect(strstr(flags, " --price 1.5"), "%s", flags);
        cr_expect(strstr(mflags, " --scaleup-size 4") && strstr(mflags, " --headroom"), "%s", mflags);
        char cmd[1024];
        snprintf(cmd, sizeof cmd, "step llama-3.2-1b %s", flags);
        json_t *s = cli_json(cmd);
        cr_expect(close_to(jnum(l, "step_seconds"), jnum(s, "step_seconds"), 1e-9), "%s: plan %.12g s, step %.12g s",
                  cmd, jnum(l, "step_seconds"), jnum(s, "step_seconds"));
        json_decref(s);
        /* Without the node size the same flags time 8-GPU nodes: another (faster) step. */
        char bare[1024];
        snprintf(bare, sizeof bare, "%s", cmd);
        char *p = strstr(bare, " --scaleup-size 4");
        memmove(p, p + strlen(" --scaleup-size 4"), strlen(p + strlen(" --scaleup-size 4")) + 1);
        json_t *b = cli_json(bare);
        cr_expect_lt(jnum(b, "step_seconds"), jnum(l, "step_seconds"), "%s", bare);
        json_decref(b);
        snprintf(cmd, sizeof cmd, "memory llama-3.2-1b %s", mflags);
        json_t *mj = cli_json(cmd);
        cr_expect(close_to(jnum(l, "peak_bytes"), jnum(mj, "peak_bytes"), 1e-9), "%s", cmd);
        cr_expect(json_is_true(json_object_get(mj, "fits")), "%s", cmd);
        json_decref(mj);
    }
    json_decref(plan);
}

/* Every job-changing flag given to plan reaches the printed command (issue 14 follow-up): a GPU of a --gpu-file, with
 * --peak-tflops, --tdp under --power-cap, --memory-gb, --memory-bw, --scaleup-bw, --scaleout-bw, --gpus-per-node,
 * --price and --headroom. The printed flags go through the CLI's own parser (`llmcost step` and `llmcost memory`
 * run with them) and give the plan's step time, MFU and peak to 1e-9; without --gpu-file the GPU is unknown, and
 * without --tdp the cap leaves another clock (the catalogue's 650 W at a 500 W cap against the given 600 W). A price
 * list reaches them as the price and peak it sets. */
static void printed_line_reproduces(const char *model, const char *plan_args, const char *const *needles)
{
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "plan %s %s --top 2", model, plan_args);
    json_t *plan = cli_json(cmd);
    json_t *layouts = json_object_get(plan, "layouts");
    cr_assert_gt(json_array_size(layouts), 0, "%s: nothing fits", cmd);
    for (size_t i = 0; i < json_array_size(layouts); i++) {
        json_t *l = json_array_get(layouts, i);
        const char *flags = json_string_value(json_object_get(l, "step_flags"));
        const char *mflags = json_string_value(json_object_get(l, "memory_flags"));
        for (const char *const *n = needles; *n; n++)
            cr_expect(strstr(flags, *n) != NULL, "step flags lack '%s': %s", *n, flags);
        snprintf(cmd, sizeof cmd, "step %s %s", model, flags);
        json_t *s = cli_json(cmd);
        cr_expect(close_to(jnum(l, "step_seconds"), jnum(s, "step_seconds"), 1e-9), "%s: plan %.12g s, step %.12g s",
                  cmd, jnum(l, "step_seconds"), jnum(s, "step_seconds"));
        cr_expect(close_to(jnum(l, "mfu"), jnum(s, "mfu"), 1e-9), "%s: mfu", cmd);
        json_decref(s);
        snprintf(cmd, sizeof cmd, "memory %s %s", model, mflags);
        json_t *mj = cli_json(cmd);
        cr_expect(close_to(jnum(l, "peak_bytes"), jnum(mj, "peak_bytes"), 1e-9), "%s: plan %.0f B, memory %.0f B", cmd,
                  jnum(l, "peak_bytes"), jnum(mj, "peak_bytes"));
        cr_expect(close_to(jnum(l, "reserved_bytes"), jnum(mj, "reserved_bytes"), 1e-9), "%s: reserve", cmd);
        /* the fit's capacity: usable = capacity x (1 - headroom) - context, with the plan's headroom */
        double h = strstr(plan_args, "--headroom 0.1") ? 0.1 : 0.05;
        cr_expect(close_to(jnum(l, "usable_bytes"), jnum(mj, "capacity_bytes") * (1 - h) - jnum(mj, "cuda_context_bytes"),
                           1e-9), "%s: usable", cmd);
        cr_expect(json_is_true(json_object_get(mj, "fits")), "%s", cmd);
        json_decref(mj);
    }
    json_decref(plan);
}

/* The printed step flags of the best layout of `plan ARGS`, with the flag "drop" (and its value) taken out. */
static void best_flags_without(char *out, size_t n, const char *model, const char *plan_args, const char *drop)
{
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "plan %s %s --top 1", model, plan_args);
    json_t *plan = cli_json(cmd);
    const char *flags = json_string_value(json_object_get(json_array_get(json_object_get(plan, "layouts"), 0), "step_flags"));
    cr_assert_not_null(flags);
    snprintf(out, n, "%s", flags);
    char *p = strstr(out, drop);
    cr_assert_not_null(p, "%s: no %s", out, drop);
    char *e = strchr(p + strlen(drop) + 1, ' '); /* past the value */
    memmove(p, e ? e : p + strlen(p), strlen(e ? e : p + strlen(p)) + 1);
    json_decref(plan);
}

Test(plan_cli, printed_flags_carry_every_gpu_flag_given, .timeout = 300)
{
    const char *json = "{\"gpus\": [{\"name\": \"my-gpu\", \"peak_tflops\": {\"bf16\": 800}, \"memory_gb\": 96, "
                       "\"memory_bw_gbps\": 3000, \"tdp_watts\": 650, \"scaleup\": {\"gbps\": 400, \"size\": 8}, "
                       "\"scaleout\": {\"gbps\": 50}, \"price\": {\"usd_per_hour\": 2}}]}";
    const char *path = temp_file("my-gpus.json", json, strlen(json));
    char args[1024];
    snprintf(args, sizeof args, "--gpu my-gpu --gpu-file %s --gpus 16 --seq 2048 --global-batch 512K --peak-tflops 700 "
             "--tdp 600 --power-cap 500 --memory-gb 90 --memory-bw 2500 --scaleup-bw 300 --scaleout-bw 40 "
             "--gpus-per-node 4 --price 3 --headroom 0.1", path);
    char file_flag[600];
    snprintf(file_flag, sizeof file_flag, " --gpu-file %s", path);
    const char *needles[] = {file_flag, " --peak-tflops 700", " --tdp 600", " --power-cap 500", " --memory-gb 90",
                             " --memory-bw 2500", " --scaleup-bw 300", " --scaleout-bw 40", " --scaleup-size 4",
                             " --price 3", " --headroom", NULL};
    printed_line_reproduces("llama-3.2-1b", args, needles);
    /* Each carried flag matters: without the file the GPU is unknown; without --tdp the cap leaves another clock. */
    char flags[1024], cmd[1200];
    best_flags_without(flags, sizeof flags, "llama-3.2-1b", args, " --gpu-file");
    const char *argv[64];
    int n = 0;
    argv[n++] = "step", argv[n++] = "llama-3.2-1b";
    for (char *t = strtok(flags, " "); t && n < 63; t = strtok(NULL, " "))
        argv[n++] = t;
    argv[n] = NULL;
    run_result r = run_cli(argv);
    cr_expect_eq(r.status, 2, "without --gpu-file: exit %d", r.status);
    cr_expect(strstr(r.err, "my-gpu") != NULL, "%s", r.err);
    run_free(&r);
    best_flags_without(flags, sizeof flags, "llama-3.2-1b", args, " --tdp");
    snprintf(cmd, sizeof cmd, "step llama-3.2-1b %s", flags);
    json_t *without = cli_json(cmd);
    best_flags_without(flags, sizeof flags, "llama-3.2-1b", args, " --memory-gb"); /* (a flag the step ignores) */
    snprintf(cmd, sizeof cmd, "step llama-3.2-1b %s", flags);
    json_t *with = cli_json(cmd);
    cr_expect_gt(fabs(jnum(without, "step_seconds") - jnum(with, "step_seconds")), 1e-6 * jnum(with, "step_seconds"),
                 "the TDP under the cap changes the clock: %.12g s both", jnum(with, "step_seconds"));
    json_decref(without);
    json_decref(with);
    /* A price list: its price and its peak for the precision. */
    const char *pl[] = {" --price 3", " --peak-tflops", NULL};
    printed_line_reproduces("llama-3.2-1b", "--gpu h100 --gpus 8 --seq 2048 --global-batch 512K --price-list course-v2",
                            pl);
}

/* ---- flags the search does not carry are refused by name, never ignored (issue 14) ---- */

Test(plan_cli, flags_the_job_refuses_are_refused_naming_the_flag)
{
#define PLAN "plan", "mixtral-8x7b", "--gpu", "h100", "--gpus", "16", "--seq", "4096", "--global-batch", "1M"
    struct {
        const char *argv[16];
        const char *needle;
    } cases[] = {
        /* the memory savers are modelled for the hf profile only */
        {{PLAN, "--framework", "megatron", "--compile", NULL}, "--compile"},
        {{PLAN, "--framework", "megatron", "--chunked-loss", "4", NULL}, "--chunked-loss"},
        {{PLAN, "--framework", "megatron", "--optimizer-in-backward", NULL}, "--optimizer-in-backward"},
        {{PLAN, "--framework", "megatron", "--activation-offload", NULL}, "--activation-offload"},
        /* passed through (below), but refused where the job refuses it: transformers' experts are dropless */
        {{PLAN, "--moe-dispatcher", "allgather", NULL}, "--moe-dispatcher"},
        {{PLAN, "--moe-capacity-factor", "1.25", NULL}, "--moe-capacity-factor"},
        /* the report takes the savers (test_report.c), where the job takes them: not under megatron */
        {{"report", "mixtral-8x7b", "--framework", "megatron", "--compile", NULL}, "--compile"},
        {{"report", "mixtral-8x7b", "--framework", "megatron", "--activation-offload", NULL}, "--activation-offload"},
        {{"report", "llama-3-8b", "--framework", "litgpt", "--chunked-loss", "4", NULL}, "--chunked-loss"},
    };
#undef PLAN
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        run_result r = run_cli(cases[i].argv);
        cr_expect_eq(r.status, 2, "case %zu: exit %d", i, r.status);
        cr_expect(strstr(r.err, cases[i].needle) != NULL, "case %zu: %s", i, r.err);
        cr_expect_eq(count_lines(r.err), 1, "case %zu: %s", i, r.err);
        cr_expect_eq(r.out[0], '\0', "case %zu printed a result: %s", i, r.out);
        run_free(&r);
    }
}

/* Megatron-Core's MoE implementation is fixed as given and reaches every layout: the printed flags carry it, and
 * `llmcost step` with them gives the plan's step time; the all-gather dispatcher and a capacity factor time other
 * steps than the default all-to-all, dropless (the same layout, searched without them). */
Test(plan_agreement, moe_dispatcher_and_capacity_factor_reach_every_layout, .timeout = 300)
{
    const char *base = "plan mixtral-8x7b --gpu h100 --gpus 16 --seq 4096 --global-batch 1M --framework megatron "
                       "--precision bf16-master --tp 2 --pp 1 --cp 1 --ep 8 --etp 1 --zero 1 --recompute selective "
                       "--micro-batch 1 --sequence-parallel --no-ep-overlap --no-tp-overlap";
    char cmd[1024];
    json_t *plain = cli_json(base);
    json_t *p0 = json_array_get(json_object_get(plain, "layouts"), 0);
    cr_assert_not_null(p0);
    const char *extra[] = {"--moe-dispatcher allgather", "--moe-capacity-factor 1.25", "--moe-dispatcher deepep"};
    for (size_t k = 0; k < 3; k++) {
        snprintf(cmd, sizeof cmd, "%s %s --top 3", base, extra[k]);
        json_t *plan = cli_json(cmd);
        json_t *layouts = json_object_get(plan, "layouts");
        cr_assert_gt(json_array_size(layouts), 0, "%s", cmd);
        for (size_t i = 0; i < json_array_size(layouts); i++) {
            json_t *l = json_array_get(layouts, i);
            const char *flags = json_string_value(json_object_get(l, "step_flags"));
            cr_expect(strstr(flags, extra[k]) != NULL, "%s", flags);
            snprintf(cmd, sizeof cmd, "step mixtral-8x7b %s", flags);
            json_t *s = cli_json(cmd);
            cr_expect(close_to(jnum(l, "step_seconds"), jnum(s, "step_seconds"), 1e-9), "%s: plan %.12g s, step %.12g s",
                      cmd, jnum(l, "step_seconds"), jnum(s, "step_seconds"));
            json_decref(s);
        }
        /* The one layout both searches fix, timed another way. (deepep: Mixtral's top-2 of 8 experts inside one
         * node reach 2 distinct ranks, the alltoall's 2 slots: the same bytes, so only the flags are checked.) */
        if (k < 2)
            cr_expect_neq(jnum(json_array_get(layouts, 0), "step_seconds"), jnum(p0, "step_seconds"), "%s", extra[k]);
        json_decref(plan);
    }
    json_decref(plain);
}

/* --moe-shared-expert-overlap (h-moe2) is fixed as given: every layout's printed flags carry it, none takes
 * --ep-overlap with it (Megatron-Core refuses the two together), and `llmcost step` with the flags gives the plan's
 * step time; --ep-overlap fixed on beside it is refused, one line. */
Test(plan_agreement, shared_expert_overlap_reaches_every_layout, .timeout = 300)
{
    const char *base = "plan deepseek-v2-lite --gpu h100 --gpus 16 --seq 4096 --global-batch 1M --framework megatron "
                       "--tp 1 --pp 1 --cp 1 --ep 16 --etp 1 --zero 1 --micro-batch 1 --no-tp-overlap "
                       "--moe-shared-expert-overlap --top 3";
    char cmd[1024];
    json_t *plan = cli_json(base);
    json_t *layouts = json_object_get(plan, "layouts");
    cr_assert_gt(json_array_size(layouts), 0);
    for (size_t i = 0; i < json_array_size(layouts); i++) {
        json_t *l = json_array_get(layouts, i);
        const char *flags = json_string_value(json_object_get(l, "step_flags"));
        cr_expect(strstr(flags, "--moe-shared-expert-overlap") != NULL, "%s", flags);
        cr_expect(strstr(flags, "--ep-overlap") == NULL, "%s", flags);
        snprintf(cmd, sizeof cmd, "step deepseek-v2-lite %s", flags);
        json_t *s = cli_json(cmd);
        cr_expect(close_to(jnum(l, "step_seconds"), jnum(s, "step_seconds"), 1e-9), "%s: plan %.12g s, step %.12g s",
                  cmd, jnum(l, "step_seconds"), jnum(s, "step_seconds"));
        json_t *moe = json_object_get(s, "moe");
        cr_expect(json_is_true(json_object_get(moe, "shared_expert_overlap")), "%s", cmd);
        json_decref(s);
    }
    json_decref(plan);
    const char *argv[] = {"plan", "deepseek-v2-lite", "--gpu", "h100", "--gpus", "16", "--seq", "4096", "--framework",
                          "megatron", "--global-batch", "1M", "--moe-shared-expert-overlap", "--ep-overlap", NULL};
    run_result r = run_cli(argv);
    cr_expect_eq(r.status, 2, "%s", r.err);
    cr_expect(strstr(r.err, "--ep-overlap") != NULL, "%s", r.err);
    cr_expect_eq(count_lines(r.err), 1, "%s", r.err);
    run_free(&r);
}

/* ---- memory savers in the search (issue 14) ---- */

/* The savers of one case, onto a job and onto plan options. */
typedef struct {
    const char *name;
    int64_t chunked_loss;
    bool oib, offload, compile;
    llmcost_optimizer optimizer;
} saver_case;

static const saver_case saver_cases[] = {
    {"activation offload", 0, false, true, false, LLMCOST_OPTIM_ADAMW},
    {"chunked loss and compile", 8, false, false, true, LLMCOST_OPTIM_ADAMW},
    {"optimizer in backward", 0, true, false, false, LLMCOST_OPTIM_ADAMW},
    {"paged 8-bit AdamW", 0, false, false, false, LLMCOST_OPTIM_PAGED_ADAMW_8BIT},
};

static void saver_options(llmcost_plan_options *o, const saver_case *c)
{
    llmcost_plan_options_init(o);
    /* the optimizer in backward takes one micro-batch per step: a batch of one sequence per GPU */
    o->gpus = 8, o->seq = 2048, o->global_batch_tokens = (c->oib ? 8 : 64) * 2048;
    o->chunked_loss = c->chunked_loss, o->optimizer_in_backward = c->oib, o->activation_offload = c->offload;
    o->compile = c->compile, o->optimizer = c->optimizer;
}

/* Every layout kept with each saver is what llmcost_job_memory sizes and llmcost_job_step times for the job with
 * that saver, to the last digit; the optimizer in backward keeps only the layouts of one micro-batch per step (the
 * job refuses more: each parameter's gradient is freed as its optimizer steps). */
Test(plan_agreement, every_kept_layout_with_memory_savers_is_the_jobs, .timeout = 300)
{
    const llmcost_gpu *h100 = llmcost_gpu_find("rtx-4090");
    llmcost_model *m;
    cr_assert_eq(llmcost_model_load(&m, "llama-3.2-1b"), 0);
    for (size_t k = 0; k < sizeof saver_cases / sizeof saver_cases[0]; k++) {
        const saver_case *c = &saver_cases[k];
        llmcost_plan_options o;
        saver_options(&o, c);
        o.gpu_types = h100, o.n_gpu_types = 1, o.top = 100000;
        llmcost_plan p;
        cr_assert_eq(llmcost_plan_search(&p, m, &o), 0, "%s: %s", c->name, llmcost_errmsg());
        cr_assert_gt(p.n_layouts, 0, "%s: nothing fits", c->name);
        for (size_t i = 0; i < p.n_layouts; i++) {
            const llmcost_plan_layout *l = &p.layouts[i];
            llmcost_step_options so;
            llmcost_memory_options mo;
            llmcost_plan_job_options(&so, &mo, &o, l);
            llmcost_job js, jm;
            llmcost_job_from_step_options(&js, &so);
            llmcost_job_from_memory_options(&jm, &mo);
            llmcost_job *jobs[] = {&js, &jm};
            for (int t = 0; t < 2; t++) {
                jobs[t]->chunked_loss = c->chunked_loss, jobs[t]->optimizer_in_backward = c->oib;
                jobs[t]->activation_offload = c->offload, jobs[t]->compile = c->compile;
            }
            llmcost_step s;
            llmcost_memory mem;
            cr_assert_eq(llmcost_job_step(&s, m, h100, &js), 0, "%s: %s", c->name, llmcost_errmsg());
            cr_assert_eq(llmcost_job_memory(&mem, m, &jm), 0, "%s: %s", c->name, llmcost_errmsg());
            cr_assert_eq(l->step_seconds, s.step_seconds, "%s layout %zu", c->name, i);
            cr_assert_eq(l->peak_bytes, mem.peak_bytes, "%s layout %zu: plan %.17g B, memory %.17g B", c->name, i,
                         l->peak_bytes, mem.peak_bytes);
            if (c->oib)
                cr_assert_eq(l->micro_batches, 1, "%s: %lld micro-batches", c->name, (long long)l->micro_batches);
        }
        llmcost_plan_dispose(&p);
    }
    llmcost_model_free(m);
}

/* The pruning premise with the savers on (memory grows with the micro-batch, falls with recomputation): the pruned
 * search finds the feasible set and the best layout of one search per fixed ZeRO stage, recomputation and
 * micro-batch. */
Test(plan_pruning, pruned_search_with_memory_savers_finds_what_one_by_one_evaluation_finds, .timeout = 300)
{
    const llmcost_gpu *g = llmcost_gpu_find("rtx-4090");
    llmcost_model *m;
    cr_assert_eq(llmcost_model_load(&m, "llama-3.2-1b"), 0);
    for (size_t k = 0; k < sizeof saver_cases / sizeof saver_cases[0]; k++) {
        const saver_case *c = &saver_cases[k];
        llmcost_plan_options o;
        saver_options(&o, c);
        o.gpu_types = g, o.n_gpu_types = 1, o.top = 1, o.tp = 1, o.cp = 1, o.pp = 1; /* dp 8 */
        llmcost_plan all;
        cr_assert_eq(llmcost_plan_search(&all, m, &o), 0, "%s", llmcost_errmsg());
        /* (the optimizer in backward, one micro-batch per step, leaves nothing to prune) */
        cr_assert(all.feasible > 0 && (c->oib || all.rejected[LLMCOST_PLAN_REJ_MEMORY] > 0), "%s: the case must have both",
                  c->name);
        cr_expect(c->oib || all.memory_evaluations < all.evaluated, "%s: nothing was pruned", c->name);
        int64_t feasible = 0, evaluated = 0;
        double best = INFINITY;
        for (int z = 0; z <= 3; z++)
            for (int r = 0; r <= 2; r++)
                for (int64_t mb = 1; mb <= o.global_batch_tokens / o.seq / 8; mb *= 2) {
                    llmcost_plan one;
                    llmcost_plan_options f = o;
                    f.zero = z, f.recompute = r, f.micro_batch = mb;
                    cr_assert_eq(llmcost_plan_search(&one, m, &f), 0, "%s", llmcost_errmsg());
                    feasible += one.feasible;
                    evaluated += one.evaluated;
                    if (one.n_layouts)
                        best = fmin(best, one.layouts[0].step_seconds);
                    llmcost_plan_dispose(&one);
                }
        cr_expect_eq(feasible, all.feasible, "%s: %lld one by one, %lld pruned", c->name, (long long)feasible,
                     (long long)all.feasible);
        cr_expect_eq(evaluated, all.evaluated, "%s: %lld one by one, %lld pruned", c->name, (long long)evaluated,
                     (long long)all.evaluated);
        cr_expect_eq(best, all.layouts[0].step_seconds, "%s", c->name);
        llmcost_plan_dispose(&all);
    }
    llmcost_model_free(m);
}

/* The printed flags carry the savers: `llmcost step` and `llmcost memory` with them give the plan's figures. */
Test(plan_agreement, savers_reach_the_printed_flags)
{
    check_against_engines("llama-3.2-1b", "--gpu rtx-4090 --gpus 8 --seq 2048 --global-batch 128K --activation-offload "
                                          "--chunked-loss 8 --compile --optimizer paged-adamw-8bit", 3);
    check_against_engines("llama-3.2-1b", "--gpu rtx-4090 --gpus 8 --seq 2048 --global-batch 16K --optimizer-in-backward", 2);
}

/* A job with a memory saver that does not fit is named its nearest fitting layout too, sized with the saver: the
 * flags carry it, and `llmcost memory` with them gives the named peak, and fits. Llama-3.1-70B on 8 H100 with
 * activation offload: the weights and AdamW states (6 bytes x 70.6e9 = 424 GB per GPU unsharded) do not fit. */
Test(plan_nearest, a_job_with_a_memory_saver_is_named_a_layout_that_fits_with_it, .timeout = 300)
{
    json_t *mj = cli_json("memory llama-3.1-70b --gpu h100 --gpus 8 --seq 8192 --global-batch 4194304 "
                          "--activation-offload");
    cr_assert(json_is_false(json_object_get(mj, "fits")));
    json_t *nf = json_object_get(mj, "nearest_fit");
    cr_assert(json_is_object(nf), "memory names no nearest_fit");
    const char *flags = json_string_value(json_object_get(nf, "memory_flags"));
    cr_expect(strstr(flags, " --activation-offload") != NULL, "%s", flags);
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "memory llama-3.1-70b %s", flags);
    json_t *fm = cli_json(cmd);
    cr_expect(json_is_true(json_object_get(fm, "fits")), "%s", cmd);
    cr_expect_eq(jnum(fm, "peak_bytes"), jnum(nf, "peak_bytes"), "%s", cmd);
    json_decref(fm);
    json_decref(mj);
}

/* Llama-3.1-70B trained whole on one H100 (the first question people ask): 141 GB of bf16 weights alone exceed its
 * 80 GB, so no layout of one GPU fits and there is no nearest layout. memory names instead the change that makes
 * one fit, the one `llmcost plan` offers for the same job (its changes_that_fit: more GPUs first, the same count),
 * and the step flags of that change's layout run it as named: it fits, at the named step time. */
Test(plan_nearest, a_job_no_layout_of_its_gpus_fits_is_named_the_change_that_does, .timeout = 300)
{
    json_t *mj = cli_json("memory llama-3.1-70b --gpu h100 --seq 8192 --global-batch 4194304");
    cr_assert(json_is_false(json_object_get(mj, "fits")));
    cr_expect_null(json_object_get(mj, "nearest_fit"));
    json_t *c = json_object_get(mj, "change_that_fits");
    cr_assert(json_is_object(c), "memory names no change_that_fits");
    json_t *pj = cli_json("plan llama-3.1-70b --gpu h100 --gpus 1 --seq 8192 --global-batch 4194304 --framework hf "
                          "--precision bf16 --optimizer adamw --attention sdpa --threads 1");
    cr_assert_eq(json_array_size(json_object_get(pj, "layouts")), 0);
    json_t *pc = json_array_get(json_object_get(pj, "changes_that_fit"), 0);
    cr_assert_not_null(pc);
    cr_expect_str_eq(json_string_value(json_object_get(c, "change")), "more_gpus");
    cr_expect_str_eq(json_string_value(json_object_get(c, "change")), json_string_value(json_object_get(pc, "change")));
    cr_expect_eq(jnum(c, "gpus"), jnum(pc, "gpus"));
    cr_expect(jnum(c, "gpus") >= 2, "one GPU cannot hold 141 GB of weights");
    /* (Its layout is the nearest to the job's on that many GPUs, the fewest fields changed, as nearest_fit ranks;
     * plan's is the fastest there.) */
    cr_expect(jnum(c, "step_seconds") >= jnum(pc, "step_seconds") * (1 - 1e-12));
    char cmd[1200];
    snprintf(cmd, sizeof cmd, "step llama-3.1-70b %s", json_string_value(json_object_get(c, "step_flags")));
    json_t *fs = cli_json(cmd);
    cr_expect(json_is_true(json_object_get(fs, "fits")), "%s: does not fit", cmd);
    cr_expect(close_to(jnum(fs, "step_seconds"), jnum(c, "step_seconds"), 1e-9), "%s", cmd);
    json_decref(fs);
    json_decref(pj);
    json_decref(mj);
    /* The text names it on stderr, with the flags. */
    run_result r = run_cli((const char *const[]){"memory", "llama-3.1-70b", "--gpu", "h100", NULL});
    cr_expect(strstr(r.err, "it fits with ") && strstr(r.err, " h100 GPUs (step "), "%s", r.err);
    run_free(&r);
}
