/* test_options.c - options structs filled by llmcost_X_options_init() equal their _INIT macros, and every engine
 * refuses a struct whose version field is unset or from another library version, naming the struct. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "llmcost/llmcost.h"
#include "helpers.h"

static void expect_refused(int rc, const char *type, const char *init)
{
    cr_expect_eq(rc, LLMCOST_EINVAL, "rc %d: %s", rc, llmcost_errmsg());
    cr_expect(strstr(llmcost_errmsg(), type) != NULL, "message names %s: %s", type, llmcost_errmsg());
    cr_expect(strstr(llmcost_errmsg(), init) != NULL, "message names %s: %s", init, llmcost_errmsg());
}

Test(options_init, functions_fill_the_macro_defaults)
{
    /* The defaults documented beside each field in the public headers. */
    llmcost_step_options so;
    memset(&so, 0x5a, sizeof so);
    cr_assert_eq(llmcost_step_options_init(&so), 0);
    cr_expect_eq(so.version, LLMCOST_STEP_OPTIONS_VERSION);
    cr_expect_eq(so.micro_batch, 1);
    cr_expect_eq(so.seq, 2048);
    cr_expect_eq(so.global_batch, 0);
    cr_expect_eq(so.precision, LLMCOST_PREC_BF16);
    cr_expect_eq(so.optimizer, LLMCOST_OPTIM_ADAMW);
    cr_expect_eq(so.expert_tp, 1);
    cr_expect_eq(so.layout.version, LLMCOST_LAYOUT_VERSION);
    cr_expect_eq(so.layout.tp, 1);
    cr_expect_eq(so.layout.dp, 0);
    cr_expect_eq(so.layout.zero, 0);
    cr_expect(!so.layout.sequence_parallel);
    cr_expect_eq(so.comm.version, LLMCOST_COMM_OPTIONS_VERSION);
    cr_expect_eq(so.comm.scaleup_efficiency, 0.8);
    cr_expect_eq(so.comm.scaleout_latency, 8e-6);

    llmcost_train_options to;
    cr_assert_eq(llmcost_train_options_init(&to), 0);
    cr_expect_eq(to.version, LLMCOST_TRAIN_OPTIONS_VERSION);
    cr_expect_eq(to.pue, 1.1);
    cr_expect_eq(to.grid_kg_per_kwh, 0.373);
    cr_expect_eq(to.goodput, 1.0);
    cr_expect_eq(to.step.version, LLMCOST_STEP_OPTIONS_VERSION);
    cr_expect_eq(to.step.seq, 2048);

    llmcost_memory_options mo;
    cr_assert_eq(llmcost_memory_options_init(&mo), 0);
    cr_expect_eq(mo.version, LLMCOST_MEMORY_OPTIONS_VERSION);
    cr_expect_eq(mo.cuda_context_bytes, 816644096.0);
    cr_expect(mo.fp32_grads && mo.fused_optimizer);
    cr_expect_eq(mo.layout.version, LLMCOST_LAYOUT_VERSION);

    llmcost_flops_options fo;
    cr_assert_eq(llmcost_flops_options_init(&fo), 0);
    cr_expect_eq(fo.version, LLMCOST_FLOPS_OPTIONS_VERSION);
    cr_expect_eq(fo.batch, 1);
    cr_expect_eq(fo.expert_act_bytes, 2);

    llmcost_design_options dopt;
    cr_assert_eq(llmcost_design_options_init(&dopt), 0);
    cr_expect_eq(dopt.vocab, 32000);
    cr_expect_eq(dopt.tolerance, 0.02);

    llmcost_fit_options fit;
    cr_assert_eq(llmcost_fit_options_init(&fit), 0);
    cr_expect_eq(fit.bootstrap, 200);
    cr_expect_eq(fit.seed, 1);

    llmcost_layout ly;
    cr_assert_eq(llmcost_layout_init(&ly), 0);
    cr_expect_eq(ly.pp, 1);
    cr_expect_eq(ly.vpp, 1);

    llmcost_comm_options co;
    cr_assert_eq(llmcost_comm_options_init(&co), 0);
    cr_expect_eq(co.scaleout_efficiency, 0.9);

    llmcost_budget_options bo;
    cr_assert_eq(llmcost_budget_options_init(&bo), 0);
    cr_expect_eq(bo.version, LLMCOST_BUDGET_OPTIONS_VERSION);
    cr_expect_eq(bo.mfu, 0.4); /* the course's MFU */
    cr_expect_eq(bo.gpu_count, 1024);
    cr_expect_eq(bo.vocab, 32000);
    cr_expect_null(bo.law);

    cr_expect_eq(llmcost_step_options_init(NULL), LLMCOST_EINVAL);
    cr_expect_eq(llmcost_layout_init(NULL), LLMCOST_EINVAL);
    cr_expect_eq(llmcost_budget_options_init(NULL), LLMCOST_EINVAL);
}

Test(options_init, function_and_macro_give_the_same_step)
{
    llmcost_model *m = load_model("llama-3.1-8b");
    const llmcost_gpu *gpu = llmcost_gpu_find("h100");
    cr_assert_not_null(gpu);
    llmcost_step_options a = LLMCOST_STEP_OPTIONS_INIT, b;
    llmcost_step_options_init(&b);
    a.layout.gpus = b.layout.gpus = 8;
    a.layout.tp = b.layout.tp = 2;
    llmcost_step sa, sb;
    cr_assert_eq(llmcost_step_compute(&sa, m, gpu, &a), 0, "%s", llmcost_errmsg());
    cr_assert_eq(llmcost_step_compute(&sb, m, gpu, &b), 0, "%s", llmcost_errmsg());
    cr_expect_eq(sa.step_seconds, sb.step_seconds);
    cr_expect_eq(sa.mfu, sb.mfu);
    cr_expect_eq(sa.components[LLMCOST_ST_BUBBLE], sb.components[LLMCOST_ST_BUBBLE]);
    llmcost_model_free(m);
}

Test(options_version, every_engine_refuses_an_unset_version)
{
    llmcost_model *m = load_model("llama-3.1-8b");
    const llmcost_gpu *gpu = llmcost_gpu_find("h100");

    llmcost_flops_options fo = {0};
    fo.batch = 1;
    fo.seq = 2048;
    llmcost_flops f;
    expect_refused(llmcost_flops_compute(&f, m, &fo), "llmcost_flops_options.version", "llmcost_flops_options_init");

    llmcost_memory_options mo = LLMCOST_MEMORY_OPTIONS_INIT;
    mo.version = 0;
    llmcost_memory mem;
    expect_refused(llmcost_memory_compute(&mem, m, &mo), "llmcost_memory_options.version", "llmcost_memory_options_init");

    mo = (llmcost_memory_options)LLMCOST_MEMORY_OPTIONS_INIT;
    mo.layout.version = 0; /* a layout built by hand, field by field */
    expect_refused(llmcost_memory_compute(&mem, m, &mo), "llmcost_layout.version", "llmcost_layout_init");

    llmcost_step_options so = LLMCOST_STEP_OPTIONS_INIT;
    so.version = LLMCOST_STEP_OPTIONS_VERSION + 1; /* a struct from a newer library */
    llmcost_step st;
    expect_refused(llmcost_step_compute(&st, m, gpu, &so), "llmcost_step_options.version", "llmcost_step_options_init");
    char newer[32];
    snprintf(newer, sizeof newer, "version is %u", LLMCOST_STEP_OPTIONS_VERSION + 1);
    cr_expect(strstr(llmcost_errmsg(), newer) != NULL, "%s", llmcost_errmsg());

    so = (llmcost_step_options)LLMCOST_STEP_OPTIONS_INIT;
    so.comm.version = 0;
    expect_refused(llmcost_step_compute(&st, m, gpu, &so), "llmcost_comm_options.version", "llmcost_comm_options_init");

    llmcost_train_options to = LLMCOST_TRAIN_OPTIONS_INIT;
    to.tokens = 1e9;
    to.version = 0;
    llmcost_train tr;
    expect_refused(llmcost_train_compute(&tr, m, gpu, &to), "llmcost_train_options.version", "llmcost_train_options_init");
    to.version = LLMCOST_TRAIN_OPTIONS_VERSION;
    to.step.version = 0;
    expect_refused(llmcost_train_compute(&tr, m, gpu, &to), "llmcost_step_options.version", "llmcost_step_options_init");

    llmcost_design_options dopt = LLMCOST_DESIGN_OPTIONS_INIT;
    dopt.version = 0;
    llmcost_design d;
    expect_refused(llmcost_design_llama(&d, 1e9, &dopt), "llmcost_design_options.version", "llmcost_design_options_init");

    llmcost_fit_options fit = LLMCOST_FIT_OPTIONS_INIT;
    fit.version = 0;
    llmcost_fit fr;
    llmcost_run runs[1] = {{0}};
    expect_refused(llmcost_scaling_fit(&fr, runs, 1, &fit), "llmcost_fit_options.version", "llmcost_fit_options_init");

    llmcost_comm_options co = LLMCOST_COMM_OPTIONS_INIT;
    co.version = 0;
    llmcost_comm_cost cc;
    llmcost_comm_group g = {8, 8};
    expect_refused(llmcost_comm_time(&cc, gpu, LLMCOST_COLL_ALL_REDUCE, 1e6, &g, &co), "llmcost_comm_options.version",
                   "llmcost_comm_options_init");
    llmcost_budget_options bo = LLMCOST_BUDGET_OPTIONS_INIT;
    bo.version = 0;
    bo.dollars = 1e6;
    llmcost_budget *b = (llmcost_budget *)&bo; /* must be set to NULL on failure */
    expect_refused(llmcost_budget_compute(&b, &bo), "llmcost_budget_options.version", "llmcost_budget_options_init");
    cr_expect_null(b);

    llmcost_model_free(m);
}
