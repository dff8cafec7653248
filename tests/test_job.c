/* test_job.c - one job description: the memory and step engines read the same precision-recipe table and the
 * same pipeline stage split, and refuse the same layouts through the one validation (job.h). */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"
#include "llmcost/llmcost.h"
#include "llmcost/job.h"

/* ---- the stage split ---- */

Test(job_split, llama_3_405b_on_16_stages_as_in_the_llama_3_paper)
{
    /* 126 layers over 16 stages: 126 = 16 x 7 + 14. Llama 3 §3.3.2 "reduce one Transformer layer each from the
     * first and the last stages": 7 on the first and last (they hold the embedding and the head), 8 on the 14
     * middle ones; 7 + 14 x 8 + 7 = 126. */
    int64_t f[17];
    llmcost_pipeline_split(f, 126, 16);
    cr_expect_eq(f[1] - f[0], 7);
    for (int s = 1; s < 15; s++)
        cr_expect_eq(f[s + 1] - f[s], 8, "stage %d", s);
    cr_expect_eq(f[16] - f[15], 7);
    cr_expect_eq(f[16], 126);
}

Test(job_split, extra_layers_to_the_middle_stages_first)
{
    /* 32 layers over 5 stages: 32 = 5 x 6 + 2, the 2 extra go to stages 1 and 2: 6, 7, 7, 6, 6.
     * 32 over 3: 32 = 3 x 10 + 2: the middle stage, then the first: 11, 11, 10. */
    int64_t f[6];
    llmcost_pipeline_split(f, 32, 5);
    int64_t want5[] = {6, 7, 7, 6, 6};
    for (int s = 0; s < 5; s++)
        cr_expect_eq(f[s + 1] - f[s], want5[s], "pp 5 stage %d: %lld", s, (long long)(f[s + 1] - f[s]));
    llmcost_pipeline_split(f, 32, 3);
    int64_t want3[] = {11, 11, 10};
    for (int s = 0; s < 3; s++)
        cr_expect_eq(f[s + 1] - f[s], want3[s], "pp 3 stage %d", s);
}

/* The memory engine's stage range (job.c, internal: a closed form) against the split's loop, stage by stage. */
void lc_stage_range(int64_t n_layers, int64_t pp, int64_t stage, int64_t *first, int64_t *count);

Test(job_split, stage_range_is_the_splits_stage)
{
    static int64_t f[514];
    for (int64_t n = 1; n <= 130; n++)
        for (int64_t pp = 1; pp <= 512; pp++) {
            llmcost_pipeline_split(f, n, pp);
            for (int64_t s = 0; s < pp; s++) {
                int64_t first, count;
                lc_stage_range(n, pp, s, &first, &count);
                cr_assert(first == f[s] && count == f[s + 1] - f[s], "%lld layers, pp %lld, stage %lld: %lld + %lld, "
                          "split %lld + %lld", (long long)n, (long long)pp, (long long)s, (long long)first,
                          (long long)count, (long long)f[s], (long long)(f[s + 1] - f[s]));
            }
        }
}

/* Memory and step on the same job: each reports the layers of its stage from the same split. */
static void check_stage_agreement(const char *model, int64_t pp, int64_t vpp, llmcost_framework fw)
{
    llmcost_model *m = load_model(model);
    llmcost_job j;
    llmcost_job_init(&j);
    j.seq = 1024;
    j.framework = fw;
    j.precision = LLMCOST_PREC_BF16_MASTER;
    j.layout.pp = pp;
    j.layout.vpp = vpp;
    j.grad_accum = 2 * pp;
    llmcost_memory mem;
    llmcost_step st;
    cr_assert_eq(llmcost_job_memory(&mem, m, &j), 0, "%s pp %lld: %s", model, (long long)pp, llmcost_errmsg());
    cr_assert_eq(llmcost_job_step(&st, m, llmcost_gpu_find("h100"), &j), 0, "%s pp %lld: %s", model, (long long)pp,
                 llmcost_errmsg());
    int64_t f[200];
    cr_assert_lt(pp, 200);
    llmcost_pipeline_split(f, m->n_layers, pp);
    cr_expect_eq(mem.layers_on_stage, f[mem.stage + 1] - f[mem.stage], "%s pp %lld: memory stage %d holds %lld",
                 model, (long long)pp, mem.stage, (long long)mem.layers_on_stage);
    cr_expect_eq(st.layers_per_stage, f[st.stage + 1] - f[st.stage], "%s pp %lld: step stage %lld holds %lld", model,
                 (long long)pp, (long long)st.stage, (long long)st.layers_per_stage);
    /* On the same stage, the same count. */
    if (st.stage == mem.stage)
        cr_expect_eq(st.layers_per_stage, mem.layers_on_stage);
    llmcost_model_free(m);
}

Test(job_split, memory_and_step_agree_when_pp_does_not_divide_the_layers)
{
    int64_t pps[] = {3, 5, 6, 7, 9, 10};
    for (size_t i = 0; i < sizeof pps / sizeof pps[0]; i++) {
        check_stage_agreement("llama-7b", pps[i], 1, LLMCOST_FW_HF);
        check_stage_agreement("llama-7b", pps[i], 1, LLMCOST_FW_MEGATRON);
    }
    check_stage_agreement("llama-3.1-405b", 16, 8, LLMCOST_FW_MEGATRON);
    check_stage_agreement("deepseek-v3", 16, 1, LLMCOST_FW_MEGATRON);
}

Test(job_split, memory_stage_zero_under_five_stages)
{
    /* llama-7b, pp 5, 10 micro-batches: stage 0 holds 6 layers x 5 micro-batches in flight (30 layer-activations),
     * stage 1 7 x 4 = 28, so memory's most loaded stage is 0 with 6 layers (the split above). */
    llmcost_model *m = load_model("llama-7b");
    llmcost_job j;
    llmcost_job_init(&j);
    j.seq = 2048;
    j.layout.pp = 5;
    j.grad_accum = 10;
    llmcost_memory mem;
    cr_assert_eq(llmcost_job_memory(&mem, m, &j), 0, "%s", llmcost_errmsg());
    cr_expect_eq(mem.stage, 0);
    cr_expect_eq(mem.layers_on_stage, 6);
    cr_expect_eq(mem.in_flight, 5);
    llmcost_model_free(m);
}

/* ---- the precision-recipe table ---- */

Test(job_recipe, memory_and_step_use_the_same_bytes_per_parameter)
{
    /* Expected bytes per parameter, written out from the recipes' sources (job.c):
     *   weights, gradients, master, one moment
     *   fp32 4 4 0 4; amp-bf16 4 4 0 4 (autocast keeps fp32 weights and states); bf16 2 2 0 2;
     *   bf16-master 2 4 4 4 (Megatron: fp32 main grads, master, moments); fp8 2 4 4 2 (DeepSeek-V3 §3.3.2: bf16
     *   moments, fp32 master and gradients); fp16 2 2 4 4 (Micikevicius et al. 2018 / ZeRO §3.1: fp16 weights and
     *   gradients, fp32 master, momentum and variance: 2 + 2 + 12 = 16 bytes with AdamW).
     * States per parameter: AdamW 2 moments; 8-bit AdamW 2 x (1 + 4/256) (uint8 + fp32 absmax per 256); SGD 1
     * moment; Adafactor 0 per parameter (factored per matrix). */
    const double want[LLMCOST_PREC_COUNT][4] = {{4, 4, 0, 4}, {4, 4, 0, 4}, {2, 2, 0, 2}, {2, 4, 4, 4}, {2, 4, 4, 2},
                                                {2, 2, 4, 4}};
    llmcost_model *m = load_model("llama-3.2-1b");
    llmcost_params p;
    cr_assert_eq(llmcost_params_count(&p, m), 0);
    for (int prec = 0; prec < LLMCOST_PREC_COUNT; prec++) {
        for (int opt = LLMCOST_OPTIM_ADAMW; opt <= LLMCOST_OPTIM_ADAFACTOR; opt++) {
            llmcost_job j;
            llmcost_job_init(&j);
            j.seq = 512;
            j.precision = (llmcost_precision)prec;
            j.optimizer = (llmcost_optimizer)opt;
            llmcost_memory mem;
            llmcost_step st;
            cr_assert_eq(llmcost_job_memory(&mem, m, &j), 0, "%s", llmcost_errmsg());
            cr_assert_eq(llmcost_job_step(&st, m, llmcost_gpu_find("h100"), &j), 0, "%s", llmcost_errmsg());
            const llmcost_param_bytes *a = &mem.param_bytes, *b = &st.param_bytes;
            const char *name = llmcost_precision_name((llmcost_precision)prec);
            cr_expect_eq(a->weights, b->weights, "%s/%d", name, opt);
            cr_expect_eq(a->gradients, b->gradients, "%s/%d", name, opt);
            cr_expect_eq(a->master, b->master, "%s/%d", name, opt);
            cr_expect_eq(a->states, b->states, "%s/%d", name, opt);
            cr_expect_eq(a->optimizer, b->optimizer, "%s/%d", name, opt);
            cr_expect_eq(a->weights, want[prec][0], "%s weights", name);
            cr_expect_eq(a->gradients, want[prec][1], "%s gradients", name);
            cr_expect_eq(a->master, want[prec][2], "%s master", name);
            double states = opt == LLMCOST_OPTIM_ADAMW        ? 2 * want[prec][3]
                            : opt == LLMCOST_OPTIM_ADAMW_8BIT ? 2 * (1 + 4.0 / 256)
                            : opt == LLMCOST_OPTIM_SGD        ? want[prec][3]
                                                              : 0;
            cr_expect_eq(a->states, states, "%s/%d states %g", name, opt, a->states);
            /* Memory holds exactly that many bytes per parameter (one GPU, no ZeRO: every parameter resident;
             * Adafactor adds its factored rows and columns). */
            double n = (double)p.total;
            cr_expect(fabs(mem.weights_bytes - want[prec][0] * n) <= 1e-9 * n, "%s weights %.0f", name, mem.weights_bytes);
            if (opt != LLMCOST_OPTIM_ADAFACTOR)
                cr_expect(fabs(mem.optimizer_bytes - (want[prec][2] + states) * n) <= 1e-9 * n, "%s/%d optimizer %.0f",
                          name, opt, mem.optimizer_bytes);
        }
    }
    llmcost_model_free(m);
}

Test(job_recipe, fp8_optimizer_step_moves_bf16_moments)
{
    /* Fused AdamW reads master (4), gradient (4), both moments and writes master, moments and the bf16 copy (2):
     * bf16-master 4 + 4 + 2 x 8 + 4 + 2 = 30 bytes per parameter, fp8 with bf16 moments 4 + 4 + 2 x 4 + 4 + 2 = 22.
     * The optimizer's time (bandwidth-bound, the same kernel rate for both) scales as 22/30 once its fixed launch
     * cost is taken off. */
    llmcost_model *m = load_model("llama-3.2-1b");
    const llmcost_gpu *g = llmcost_gpu_find("h100");
    llmcost_job j;
    llmcost_job_init(&j);
    j.seq = 512;
    llmcost_step a, b;
    j.precision = LLMCOST_PREC_BF16_MASTER;
    cr_assert_eq(llmcost_job_step(&a, m, g, &j), 0, "%s", llmcost_errmsg());
    j.precision = LLMCOST_PREC_FP8;
    cr_assert_eq(llmcost_job_step(&b, m, g, &j), 0, "%s", llmcost_errmsg());
    llmcost_step_constants c;
    llmcost_step_constants_get(&c);
    double fixed = 4 * c.host_forward_seconds;
    double ra = a.components[LLMCOST_ST_OPTIMIZER] - fixed, rb = b.components[LLMCOST_ST_OPTIMIZER] - fixed;
    cr_expect(fabs(rb / ra - 22.0 / 30.0) < 1e-9, "fp8/bf16-master optimizer time %.6f", rb / ra);
    llmcost_model_free(m);
}

/* ---- one validation ---- */

Test(job_validate, memory_and_step_refuse_and_accept_the_same_layouts)
{
    struct {
        const char *model;
        int64_t tp, pp, vpp, dp, ep, etp;
        bool ok;
        const char *field;
    } cases[] = {
        {"llama-3.1-405b", 8, 16, 8, 1, 1, 1, true, NULL},     /* the README's run: 128 chunks = 126 layers + 2 */
        {"llama-3.1-405b", 8, 16, 9, 1, 1, 1, false, "layout.vpp"},
        {"llama-7b", 1, 16, 3, 1, 1, 1, false, "layout.pp"},   /* 48 chunks > 34 */
        {"llama-7b", 3, 1, 1, 1, 1, 1, false, "layout.tp = 3"},
        {"mixtral-8x7b", 1, 1, 1, 1, 1, 16, false, "layout.ep x expert_tp = 1 x 16"}, /* memory accepted this before */
        {"mixtral-8x7b", 2, 1, 1, 2, 2, 2, true, NULL},
        {"mixtral-8x7b", 1, 1, 1, 2, 3, 1, false, "layout.ep = 3"},
        /* MoE parallel folding (Megatron-Core): EP over TP x DP ranks, 2 x 2 = 4 = ep x etp; with sequence
         * parallelism (set below for tp > 1) */
        {"mixtral-8x7b", 2, 1, 1, 2, 4, 1, true, NULL},
        {"mixtral-8x7b", 8, 1, 1, 1, 8, 1, true, NULL},          /* EP8 inside TP8, dp 1 */
        {"mixtral-8x7b", 2, 1, 1, 2, 8, 1, false, "layout.ep = 8 must divide layout.tp x layout.cp x layout.dp = 4"},
        {"mixtral-8x7b", 4, 1, 1, 1, 4, 2, false, "layout.ep x expert_tp = 4 x 2 must divide"}, /* 8 > 4 ranks */
        /* Expert TP wider than TP (Megatron-Core sizes expert_tensor_parallel_size on its own: only etp x ep x pp
         * must divide the world size): etp 4 over tp 2 x dp 2, etp 2 with tp 1; a narrower one still divides tp. */
        {"mixtral-8x7b", 2, 1, 1, 2, 1, 4, true, NULL},
        {"mixtral-8x7b", 1, 1, 1, 4, 2, 2, true, NULL},
        {"mixtral-8x7b", 2, 1, 1, 4, 1, 8, true, NULL},
        {"mixtral-8x7b", 4, 1, 1, 3, 1, 3, false, "expert_tp = 3 must divide layout.tp = 4"},
        {"mixtral-8x7b", 2, 1, 1, 2, 2, 4, false, "layout.ep x expert_tp = 2 x 4 must divide"}, /* 8 > 4 ranks */
    };
    const llmcost_gpu *g = llmcost_gpu_find("h100");
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        llmcost_model *m = load_model(cases[i].model);
        llmcost_job j;
        llmcost_job_init(&j);
        j.seq = 1024;
        j.framework = LLMCOST_FW_MEGATRON;
        j.precision = LLMCOST_PREC_BF16_MASTER;
        j.layout.tp = cases[i].tp;
        j.layout.pp = cases[i].pp;
        j.layout.vpp = cases[i].vpp;
        j.layout.dp = cases[i].dp;
        j.layout.ep = cases[i].ep;
        j.expert_tp = cases[i].etp;
        j.layout.sequence_parallel = cases[i].tp > 1;
        j.grad_accum = cases[i].pp;
        llmcost_memory mem;
        llmcost_step st;
        int rm = llmcost_job_memory(&mem, m, &j);
        char msg_m[512];
        snprintf(msg_m, sizeof msg_m, "%s", llmcost_errmsg());
        int rs = llmcost_job_step(&st, m, g, &j);
        cr_expect_eq(rm == 0, cases[i].ok, "case %zu memory: %s", i, msg_m);
        cr_expect_eq(rs == 0, cases[i].ok, "case %zu step: %s", i, llmcost_errmsg());
        if (!cases[i].ok) {
            cr_expect_str_eq(msg_m, llmcost_errmsg(), "case %zu: one message", i);
            cr_expect(strstr(msg_m, cases[i].field) != NULL, "case %zu: %s", i, msg_m);
        }
        llmcost_model_free(m);
    }
}

Test(job_validate, old_options_go_through_the_same_rules)
{
    /* llmcost_memory_compute with --etp 16 --tp 1 on one GPU is refused as step refuses it (an expert-TP group wider
     * than TP is allowed, as Megatron-Core allows it, but 16 expert-TP ranks do not tile one GPU). */
    llmcost_model *m = load_model("mixtral-8x7b");
    llmcost_memory_options o = LLMCOST_MEMORY_OPTIONS_INIT;
    o.expert_tp = 16;
    llmcost_memory r;
    cr_expect_eq(llmcost_memory_compute(&r, m, &o), LLMCOST_EINVAL);
    cr_expect(strstr(llmcost_errmsg(), "layout.ep x expert_tp = 1 x 16 must divide layout.tp x layout.cp x layout.dp = 1") != NULL, "%s", llmcost_errmsg());
    llmcost_step_options so = LLMCOST_STEP_OPTIONS_INIT;
    so.expert_tp = 16;
    llmcost_step s;
    cr_expect_eq(llmcost_step_compute(&s, m, llmcost_gpu_find("h100"), &so), LLMCOST_EINVAL);
    cr_expect(strstr(llmcost_errmsg(), "layout.ep x expert_tp = 1 x 16 must divide layout.tp x layout.cp x layout.dp = 1") != NULL, "%s", llmcost_errmsg());
    llmcost_model_free(m);
}

Test(job_validate, batch_fields_complete_each_other)
{
    llmcost_model *m = load_model("llama-7b");
    llmcost_job j = LLMCOST_JOB_INIT;
    llmcost_job k;
    llmcost_job_init(&k);
    /* LLMCOST_JOB_INIT and llmcost_job_init agree (field by field: padding may differ). */
    cr_expect_eq(j.version, LLMCOST_JOB_VERSION);
    cr_expect_eq(k.version, LLMCOST_JOB_VERSION);
    cr_expect(j.seq == k.seq && j.micro_batch == k.micro_batch && j.precision == k.precision &&
              j.layout.tp == k.layout.tp && j.expert_tp == k.expert_tp && j.fp32_grads == k.fp32_grads &&
              j.cuda_context_bytes == k.cuda_context_bytes && j.headroom == k.headroom &&
              j.comm.scaleup_efficiency == k.comm.scaleup_efficiency);
    j.layout.gpus = 64;
    j.layout.tp = 8;
    j.micro_batch = 2;
    j.global_batch = 1024; /* sequences: 1024 / (2 x dp 8) = 64 micro-batches */
    cr_assert_eq(llmcost_job_validate(&j, m), 0, "%s", llmcost_errmsg());
    cr_expect_eq(j.layout.dp, 8);
    cr_expect_eq(j.grad_accum, 64);
    j.global_batch = 0;
    j.grad_accum = 4;
    cr_assert_eq(llmcost_job_validate(&j, m), 0, "%s", llmcost_errmsg());
    cr_expect_eq(j.global_batch, 4 * 2 * 8);
    j.global_batch = 100;
    j.grad_accum = 0;
    cr_expect_eq(llmcost_job_validate(&j, m), LLMCOST_EINVAL);
    cr_expect(strstr(llmcost_errmsg(), "global_batch = 100") != NULL, "%s", llmcost_errmsg());
    llmcost_model_free(m);
}

/* ---- the CLI names its flags ---- */

Test(job_cli, messages_name_the_flags)
{
    const char *argv1[] = {"memory", "mixtral-8x7b", "--etp", "16", NULL};
    run_result r = run_cli(argv1);
    cr_expect_eq(r.status, 2);
    cr_expect(strstr(r.err, "--ep x --etp = 1 x 16 must divide --tp x --cp x --dp = 1") != NULL, "%s", r.err);
    run_free(&r);
    const char *argv2[] = {"step", "mixtral-8x7b", "--etp", "16", NULL};
    r = run_cli(argv2);
    cr_expect_eq(r.status, 2);
    cr_expect(strstr(r.err, "--ep x --etp = 1 x 16 must divide --tp x --cp x --dp = 1") != NULL, "%s", r.err);
    run_free(&r);
    const char *argv3[] = {"memory", "llama-7b", "--gpus", "10", "--tp", "4", NULL};
    r = run_cli(argv3);
    cr_expect(strstr(r.err, "--gpus 10 is not a multiple of --tp x --pp x --cp = 4 x 1 x 1 = 4") != NULL, "%s", r.err);
    run_free(&r);
}

/* ---- fit checks ---- */

static double json_number(const char *text, const char *key)
{
    char pat[64];
    snprintf(pat, sizeof pat, "\"%s\": ", key);
    const char *p = strstr(text, pat);
    cr_assert(p != NULL, "no %s in %s", key, text);
    return strtod(p + strlen(pat), NULL);
}

Test(job_fit, verdicts_on_jobs_that_fit_and_jobs_that_do_not)
{
    /* Llama-3.1-70B, whole model on each of 512 H100 (the case): 70.6e9 parameters x 8 bytes (bf16
     * recipe: weights 2 + gradients 2 + two moments 2 x 2) is 565 GB before activations: it cannot fit 80 GiB;
     * ZeRO-3 over 512 replicas with full recomputation does (tried by the library). */
    llmcost_model *m = load_model("llama-3.1-70b");
    const llmcost_gpu *g = llmcost_gpu_find("h100");
    llmcost_job j;
    llmcost_job_init(&j);
    j.seq = 8192;
    j.layout.gpus = 512;
    llmcost_job_fit_result f;
    cr_assert_eq(llmcost_job_fit(&f, m, g, &j), 0, "%s", llmcost_errmsg());
    cr_expect(!f.fits);
    cr_expect_gt(f.required_bytes, 8.0 * 70e9);
    cr_expect_eq(f.capacity_bytes, g->memory_bytes);
    cr_expect(fabs(f.usable_bytes - 0.95 * g->memory_bytes) < 1);
    /* Every fix it names was tried: the changed job fits. */
    for (int i = 0; i < f.n_fixes; i++) {
        llmcost_job_fit_result g2;
        cr_assert_eq(llmcost_job_fit(&g2, m, g, &f.fixes[i].job), 0);
        cr_expect(g2.fits, "fix %s %lld does not fit", llmcost_fix_name(f.fixes[i].kind), (long long)f.fixes[i].value);
    }
    llmcost_job ok;
    cr_assert_eq(llmcost_job_make_fit(&ok, m, g, &j, 512), 0, "%s", llmcost_errmsg());
    cr_expect_leq(ok.layout.gpus, 512);
    cr_assert_eq(llmcost_job_fit(&f, m, g, &ok), 0);
    cr_expect(f.fits);
    /* Peak equals the memory engine's, exactly. */
    llmcost_memory mem;
    cr_assert_eq(llmcost_job_memory(&mem, m, &ok), 0);
    cr_expect_eq(f.peak_bytes, mem.peak_bytes);
    llmcost_model_free(m);

    /* Llama-3.2-1B at seq 2048, micro-batch 1: 1.24e9 x 8 bytes = 9.9 GB + activations: fits an 80 GiB H100. */
    m = load_model("llama-3.2-1b");
    llmcost_job_init(&j);
    cr_assert_eq(llmcost_job_fit(&f, m, g, &j), 0);
    cr_expect(f.fits);
    cr_expect_eq(f.n_fixes, 0);
    llmcost_model_free(m);
}

Test(job_fit, step_json_peak_equals_memory_json_peak)
{
    const char *a1[] = {"step", "llama-3-8b", "--gpu", "h100", "--seq", "4096", "--recompute", "full", "--format", "json", NULL};
    const char *a2[] = {"memory", "llama-3-8b", "--gpu", "h100", "--seq", "4096", "--recompute", "full", "--format", "json", NULL};
    run_result s = run_cli(a1), mm = run_cli(a2);
    cr_assert_eq(s.status, 0, "%s", s.err);
    cr_assert_eq(mm.status, 0, "%s", mm.err);
    cr_expect_eq(json_number(s.out, "peak_bytes"), json_number(mm.out, "peak_bytes"));
    cr_expect_eq(json_number(s.out, "capacity_bytes"), json_number(mm.out, "capacity_bytes"));
    cr_expect(strstr(s.out, "\"fits\": true") != NULL, "%s", s.out);
    run_free(&s);
    run_free(&mm);
    const char *a3[] = {"train", "llama-3.1-70b", "--tokens", "1T", "--gpu", "h100", "--gpus", "512", NULL};
    run_result t = run_cli(a3);
    cr_expect_eq(t.status, 0, "%s", t.err);
    cr_expect(strstr(t.err, "warning: does NOT fit h100") != NULL, "%s", t.err);
    cr_expect(strstr(t.out, "does NOT fit h100") != NULL, "%s", t.out);
    run_free(&t);
}

/* ---- units and the same flags everywhere ---- */

Test(job_cli, global_batch_rounded_and_printed)
{
    /* 4M = 2^22 = 4,194,304 tokens on 440 GPUs at seq 4096: 1024 sequences, rounds of 440: 1024 / 440 = 2.33 -> 2
     * rounds = 880 sequences = 3,604,480 tokens. */
    const char *a[] = {"step", "llama-7b", "--gpu", "h100", "--gpus", "440", "--seq", "4096", "--global-batch", "4M",
                       "--zero", "3", "--recompute", "full", NULL};
    run_result r = run_cli(a);
    cr_expect_eq(r.status, 0, "%s", r.err);
    cr_expect(strstr(r.out, "global batch 4M rounded to 3,604,480 tokens") != NULL, "%s", r.out);
    cr_expect(strstr(r.out, "global batch 3,604,480 tokens = 880 x 4,096") != NULL, "%s", r.out);
    run_free(&r);
    /* SEQUENCESxLENGTH: 15360 x 4096 = 62,914,560 tokens; the length becomes the sequence. */
    const char *b[] = {"memory", "llama-7b", "--gpus", "512", "--global-batch", "15360x4096", "--zero", "1", NULL};
    r = run_cli(b);
    cr_expect_eq(r.status, 0, "%s", r.err);
    cr_expect(strstr(r.out, "global batch 62,914,560 tokens = 15,360 x 4,096") != NULL, "%s", r.out);
    run_free(&r);
}

Test(job_cli, memory_takes_what_step_takes)
{
    /* The README's 405B run: memory refused --vpp 8 with --pp 16 and --global-batch before. */
    const char *a[] = {"memory", "llama-3.1-405b", "--gpu", "h100", "--framework", "megatron", "--precision",
                       "bf16-master", "--tp", "8", "--pp", "16", "--vpp", "8", "--gpus", "16384", "--zero", "1",
                       "--seq", "8192", "--global-batch", "16M", "--tp-overlap", NULL};
    run_result r = run_cli(a);
    cr_expect_eq(r.status, 0, "%s", r.err);
    run_free(&r);
    a[0] = "step";
    r = run_cli(a);
    cr_expect_eq(r.status, 0, "%s", r.err);
    run_free(&r);
}

Test(job_cli, course_layer_refuses_layout_flags)
{
    const char *a[] = {"memory", "llama-7b", "--course-layer", "--tp", "8", NULL};
    run_result r = run_cli(a);
    cr_expect_eq(r.status, 2);
    cr_expect(strstr(r.err, "--course-layer") != NULL, "%s", r.err);
    run_free(&r);
}

Test(job_fit, report_prices_a_layout_that_fits)
{
    /* DeepSeek-V3 on one H100 needs 4.9 TiB (the issue): the report prices a layout that fits, and says so (the
     * planner's on a default cluster, test_report.c checks it against `llmcost plan`). */
    const char *a[] = {"report", "deepseek-v3", "--format", "json", NULL};
    run_result r = run_cli(a);
    cr_assert_eq(r.status, 0, "%s", r.err);
    const char *sc = strstr(r.out, "\"step_cost\"");
    cr_assert(sc != NULL);
    cr_expect(strstr(sc, "\"fits\": true") != NULL, "%s", sc);
    cr_expect(strstr(sc, "priced with the planner's fastest layout") != NULL, "%s", sc);
    cr_expect_gt(json_number(sc, "gpus"), 1);
    cr_expect_leq(json_number(sc, "required_bytes"), 0.95 * json_number(sc, "capacity_bytes"));
    run_free(&r);
}

Test(job_cli, default_batch_does_not_depend_on_the_layout)
{
    /* llama-7b's published batch: 4M tokens (LLaMA Table 2) = 2,048 sequences of 2,048, whether TP8 x PP4 on 512 GPUs
     * (dp 16: 128 micro-batches) or ZeRO-3 over 512 (dp 512: 4 micro-batches); before, the first was priced at one
     * sequence per replica x pp micro-batches (64 x 2,048) and the second at 512 x 2,048. */
    const char *a[] = {"step", "llama-7b", "--gpu", "h100", "--gpus", "512", "--tp", "8", "--pp", "4", "--format", "json",
                       NULL};
    const char *b[] = {"step", "llama-7b", "--gpu", "h100", "--gpus", "512", "--zero", "3", "--format", "json", NULL};
    run_result ra = run_cli(a), rb = run_cli(b);
    cr_assert_eq(ra.status, 0, "%s", ra.err);
    cr_assert_eq(rb.status, 0, "%s", rb.err);
    cr_expect_eq(json_number(ra.out, "tokens_per_step"), 4194304);
    cr_expect_eq(json_number(rb.out, "tokens_per_step"), 4194304);
    cr_expect(strstr(ra.out, "LLaMA paper") != NULL);
    run_free(&ra);
    run_free(&rb);
}

Test(job_cli, bubble_warning_above_a_quarter)
{
    /* pp 8 with 8 micro-batches: the bubble is (p - 1)/m = 7/8 of the ideal time, 7/15 = 47% of the step. */
    const char *a[] = {"step", "llama-7b", "--gpu", "h100", "--pp", "8", "--grad-accum", "8", NULL};
    run_result r = run_cli(a);
    cr_expect_eq(r.status, 0, "%s", r.err);
    cr_expect(strstr(r.err, "warning: the pipeline bubble is") != NULL, "%s", r.err);
    run_free(&r);
    const char *b[] = {"step", "llama-7b", "--gpu", "h100", "--pp", "8", "--grad-accum", "64", NULL};
    r = run_cli(b);
    cr_expect(strstr(r.err, "pipeline bubble") == NULL, "%s", r.err); /* 7/71 = 10% */
    run_free(&r);
}
