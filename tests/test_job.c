/* test_job.c - one job description: the memory and step engines read the same precision-recipe table and the
 * same pipeline stage split, and refuse the same layouts through the one validation (job.h). */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "helpers.h"
#include "llmcost/llmcost.h"
#include "llmcost/job.h"

static llmcost_model *load(const char *name)
{
    llmcost_model *m;
    cr_assert_eq(llmcost_model_load(&m, name), 0, "%s", llmcost_errmsg());
    return m;
}

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

/* Memory and step on the same job: each reports the layers of its stage from the same split. */
static void check_stage_agreement(const char *model, int64_t pp, int64_t vpp, llmcost_framework fw)
{
    llmcost_model *m = load(model);
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
    llmcost_model *m = load("llama-7b");
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
     *   moments, fp32 master and gradients).
     * States per parameter: AdamW 2 moments; 8-bit AdamW 2 x (1 + 4/256) (uint8 + fp32 absmax per 256); SGD 1
     * moment; Adafactor 0 per parameter (factored per matrix). */
    const double want[LLMCOST_PREC_COUNT][4] = {{4, 4, 0, 4}, {4, 4, 0, 4}, {2, 2, 0, 2}, {2, 4, 4, 4}, {2, 4, 4, 2}};
    llmcost_model *m = load("llama-3.2-1b");
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
    llmcost_model *m = load("llama-3.2-1b");
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
        {"mixtral-8x7b", 1, 1, 1, 1, 1, 16, false, "expert_tp = 16"}, /* memory accepted this before */
        {"mixtral-8x7b", 2, 1, 1, 2, 2, 2, true, NULL},
        {"mixtral-8x7b", 1, 1, 1, 2, 3, 1, false, "layout.ep = 3"},
    };
    const llmcost_gpu *g = llmcost_gpu_find("h100");
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        llmcost_model *m = load(cases[i].model);
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
    /* llmcost_memory_compute with --etp 16 --tp 1 is refused as step refuses it. */
    llmcost_model *m = load("mixtral-8x7b");
    llmcost_memory_options o = LLMCOST_MEMORY_OPTIONS_INIT;
    o.expert_tp = 16;
    llmcost_memory r;
    cr_expect_eq(llmcost_memory_compute(&r, m, &o), LLMCOST_EINVAL);
    cr_expect(strstr(llmcost_errmsg(), "expert_tp = 16 must divide layout.tp = 1") != NULL, "%s", llmcost_errmsg());
    llmcost_step_options so = LLMCOST_STEP_OPTIONS_INIT;
    so.expert_tp = 16;
    llmcost_step s;
    cr_expect_eq(llmcost_step_compute(&s, m, llmcost_gpu_find("h100"), &so), LLMCOST_EINVAL);
    cr_expect(strstr(llmcost_errmsg(), "expert_tp = 16 must divide layout.tp = 1") != NULL, "%s", llmcost_errmsg());
    llmcost_model_free(m);
}

Test(job_validate, batch_fields_complete_each_other)
{
    llmcost_model *m = load("llama-7b");
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
    cr_expect(strstr(r.err, "--etp 16 must divide --tp 1") != NULL, "%s", r.err);
    run_free(&r);
    const char *argv2[] = {"step", "mixtral-8x7b", "--etp", "16", NULL};
    r = run_cli(argv2);
    cr_expect_eq(r.status, 2);
    cr_expect(strstr(r.err, "--etp 16 must divide --tp 1") != NULL, "%s", r.err);
    run_free(&r);
    const char *argv3[] = {"memory", "llama-7b", "--gpus", "10", "--tp", "4", NULL};
    r = run_cli(argv3);
    cr_expect(strstr(r.err, "--gpus 10 is not a multiple of --tp x --pp x --cp = 4 x 1 x 1 = 4") != NULL, "%s", r.err);
    run_free(&r);
}
