/* test_cp_window.c - ring context parallelism over sliding windows is refused, by every face.
 *
 * Transformer Engine's attn_forward_func_with_cp (NVIDIA/TransformerEngine d0067d0, context_parallel.py l. 5054-5060)
 * asserts that a window_size other than (-1, 0) / (-1, -1) runs only with cp_comm_type "a2a" or "all_gather", and
 * PyTorch's context_parallel ring SDPA takes no window (an attention mask raises). So cp > 1 with cp_comm p2p or
 * torch over a layer whose window is shorter than the sequence is a job the stack refuses; a window of at least the
 * sequence masks nothing (full causal attention) and is not refused. docs/formulas.md "Context parallelism and sliding
 * windows".
 *
 * gemma-2-9b: 42 layers alternating local (sliding window 4096) and global attention (Gemma 2 report, Table 1; HF
 * config "sliding_window": 4096): 21 local layers. mistral-7b (v0.1): every one of its 32 layers has window 4096.
 */
#include <criterion/criterion.h>
#include <jansson.h>
#include <string.h>

#include "helpers.h"
#include "llmcost/llmcost.h"

static llmcost_model *load(const char *name)
{
    llmcost_model *m = NULL;
    cr_assert_eq(llmcost_model_load(&m, name), 0, "%s", llmcost_errmsg());
    return m;
}

static llmcost_step_options step_opts(int64_t seq, int64_t cp, llmcost_cp_comm c)
{
    llmcost_step_options o = LLMCOST_STEP_OPTIONS_INIT;
    o.framework = LLMCOST_FW_MEGATRON;
    o.seq = seq;
    o.layout.cp = cp;
    o.layout.dp = 1;
    o.cp_comm = c;
    return o;
}

Test(cp_window, the_library_refuses_a_ring_over_a_shorter_window)
{
    llmcost_model *m = load("gemma-2-9b");
    const llmcost_gpu *g = llmcost_gpu_find("h100");
    llmcost_step s;
    llmcost_step_options o = step_opts(8192, 2, LLMCOST_CP_P2P);
    cr_expect_eq(llmcost_step_compute(&s, m, g, &o), LLMCOST_EUNSUPPORTED);
    cr_expect_str_eq(llmcost_errmsg(), "cp_comm = p2p: Transformer Engine's ring does not support sliding-window "
                                       "attention (gemma-2-9b's 21 of 42 layers, window 4096 < seq = 8192); use "
                                       "cp_comm = allgather or a2a");
    o.cp_comm = LLMCOST_CP_TORCH;
    cr_expect_eq(llmcost_step_compute(&s, m, g, &o), LLMCOST_EUNSUPPORTED);
    cr_expect(strstr(llmcost_errmsg(), "cp_comm = torch: PyTorch's context_parallel") != NULL, "%s", llmcost_errmsg());
    /* the memory engine, on the same job */
    llmcost_memory_options mo = LLMCOST_MEMORY_OPTIONS_INIT;
    mo.seq = 8192;
    mo.framework = LLMCOST_FW_MEGATRON;
    mo.layout.cp = 2;
    mo.layout.dp = 1;
    llmcost_memory r;
    cr_expect_eq(llmcost_memory_compute(&r, m, &mo), LLMCOST_EUNSUPPORTED); /* cp_comm 0: p2p */
    cr_expect(strstr(llmcost_errmsg(), "cp_comm = p2p") != NULL, "%s", llmcost_errmsg());
    /* all-gather and all-to-all take the window (TE's two implementations that do); gemma-2-9b's 16 query and 8
     * key/value heads split over cp 2 */
    o.cp_comm = LLMCOST_CP_ALLGATHER;
    cr_expect_eq(llmcost_step_compute(&s, m, g, &o), 0, "%s", llmcost_errmsg());
    o.cp_comm = LLMCOST_CP_A2A;
    cr_expect_eq(llmcost_step_compute(&s, m, g, &o), 0, "%s", llmcost_errmsg());
    mo.cp_comm = LLMCOST_CP_ALLGATHER;
    cr_expect_eq(llmcost_memory_compute(&r, m, &mo), 0, "%s", llmcost_errmsg());
    /* cp 1 is no ring; seq 4096 makes the window cover the sequence */
    o = step_opts(8192, 1, LLMCOST_CP_P2P);
    cr_expect_eq(llmcost_step_compute(&s, m, g, &o), 0, "%s", llmcost_errmsg());
    o = step_opts(4096, 2, LLMCOST_CP_P2P);
    cr_expect_eq(llmcost_step_compute(&s, m, g, &o), 0, "%s", llmcost_errmsg());
    /* a job of version 4 has no cp_comm: p2p, refused alike */
    llmcost_job j;
    llmcost_job_init(&j);
    j.seq = 8192;
    j.layout.cp = 2;
    j.layout.dp = 1;
    j.version = 4;
    cr_expect_eq(llmcost_job_validate(&j, m), LLMCOST_EUNSUPPORTED);
    cr_expect(strstr(llmcost_errmsg(), "cp_comm = p2p") != NULL, "%s", llmcost_errmsg());
    llmcost_model_free(m);
}

Test(cp_window, a_window_covering_the_sequence_is_not_refused)
{
    /* Mistral-7B-v0.1's window 4096 at seq 4096 masks nothing: the ring runs it as full causal attention. The same
     * model at seq 8192 is refused, every layer named. */
    llmcost_model *m = load("mistral-7b");
    const llmcost_gpu *g = llmcost_gpu_find("h100");
    llmcost_step s;
    llmcost_step_options o = step_opts(4096, 2, LLMCOST_CP_P2P);
    cr_expect_eq(llmcost_step_compute(&s, m, g, &o), 0, "%s", llmcost_errmsg());
    o.cp_comm = LLMCOST_CP_TORCH;
    cr_expect_eq(llmcost_step_compute(&s, m, g, &o), 0, "%s", llmcost_errmsg());
    o = step_opts(8192, 2, LLMCOST_CP_P2P);
    cr_expect_eq(llmcost_step_compute(&s, m, g, &o), LLMCOST_EUNSUPPORTED);
    cr_expect(strstr(llmcost_errmsg(), "(mistral-7b's 32 layers, window 4096 < seq = 8192)") != NULL, "%s",
              llmcost_errmsg());
    llmcost_model_free(m);
}

Test(cp_window, the_cli_refuses_with_one_line_naming_the_flag)
{
    const char *cmds[][16] = {
        {"step", "gemma-2-9b", "--gpu", "h100", "--gpus", "16", "--cp", "2", "--seq", "8192", NULL},
        {"memory", "gemma-2-9b", "--gpu", "h100", "--gpus", "16", "--cp", "2", "--seq", "8192", NULL},
        {"train", "gemma-2-9b", "--gpu", "h100", "--gpus", "16", "--cp", "2", "--seq", "8192", "--tokens", "1e9", NULL},
        {"report", "gemma-2-9b", "--gpu", "h100", "--gpus", "16", "--cp", "2", "--seq", "8192", NULL},
    };
    for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++) {
        run_result r = run_cli(cmds[i]);
        cr_expect_eq(r.status, 2, "%s: %d", cmds[i][0], r.status);
        cr_expect_eq(count_lines(r.err), 1, "%s: %s", cmds[i][0], r.err);
        cr_expect(strstr(r.err, "--cp-comm p2p: Transformer Engine's ring does not support sliding-window attention "
                                "(gemma-2-9b's 21 of 42 layers, window 4096 < --seq 8192); use --cp-comm allgather or "
                                "a2a") != NULL,
                  "%s: %s", cmds[i][0], r.err);
        cr_expect_str_eq(r.out, "", "%s", cmds[i][0]);
        run_free(&r);
    }
    const char *torch[] = {"step", "gemma-2-9b", "--gpu", "h100", "--gpus", "16", "--cp", "2", "--seq", "8192",
                           "--cp-comm", "torch", NULL};
    run_result r = run_cli(torch);
    cr_expect_eq(r.status, 2);
    cr_expect(strstr(r.err, "--cp-comm torch: PyTorch's context_parallel ring attention takes no sliding window") != NULL,
              "%s", r.err);
    run_free(&r);
    const char *ok[] = {"step", "mistral-7b", "--gpu", "h100", "--gpus", "16", "--cp", "2", "--seq", "4096", NULL};
    r = run_cli(ok);
    cr_expect_eq(r.status, 0, "%s", r.err);
    run_free(&r);
}

static llmcost_plan_options plan_opts(const llmcost_gpu *g, llmcost_cp_comm c, int64_t cp)
{
    llmcost_plan_options o = LLMCOST_PLAN_OPTIONS_INIT;
    o.gpu_types = g;
    o.n_gpu_types = 1;
    o.gpus = 16;
    o.seq = 8192;
    o.global_batch_tokens = 4194304;
    o.framework = LLMCOST_FW_MEGATRON;
    o.threads = 1;
    o.cp = cp;
    o.cp_comm = c;
    return o;
}

Test(cp_window, the_planner_rejects_ring_layouts_by_layout)
{
    llmcost_model *m = load("gemma-2-9b");
    const llmcost_gpu *g = llmcost_gpu_find("h100");
    /* cp forced to 2: the all-gather search judges the same layouts; under p2p every one that is not a batch
     * rejection is refused by "layout", none sized: rejected.layout = evaluated - rejected.batch of all-gather's */
    llmcost_plan_options o = plan_opts(g, LLMCOST_CP_ALLGATHER, 2);
    llmcost_plan ag, p2p;
    cr_assert_eq(llmcost_plan_search(&ag, m, &o), 0, "%s", llmcost_errmsg());
    cr_assert_gt(ag.feasible, 0);
    double ag_best = ag.layouts[0].step_seconds;
    o.cp_comm = LLMCOST_CP_P2P;
    cr_assert_eq(llmcost_plan_search(&p2p, m, &o), 0, "%s", llmcost_errmsg());
    cr_expect_eq(p2p.evaluated, ag.evaluated);
    cr_expect_eq(p2p.feasible, 0);
    cr_expect_eq(p2p.n_layouts, 0);
    cr_expect_eq(p2p.rejected[LLMCOST_PLAN_REJ_MEMORY], 0);
    cr_expect_eq(p2p.rejected[LLMCOST_PLAN_REJ_BATCH], ag.rejected[LLMCOST_PLAN_REJ_BATCH]);
    cr_expect_eq(p2p.rejected[LLMCOST_PLAN_REJ_LAYOUT], ag.evaluated - ag.rejected[LLMCOST_PLAN_REJ_BATCH]);
    cr_expect_gt(p2p.rejected[LLMCOST_PLAN_REJ_LAYOUT], ag.rejected[LLMCOST_PLAN_REJ_LAYOUT]);
    cr_expect_eq(p2p.memory_evaluations, 0);
    /* the changes that fit name all-gather: its best is the all-gather search's best */
    llmcost_plan_change *ch = NULL;
    size_t n = 0;
    cr_assert_eq(llmcost_plan_changes(&ch, &n, m, &o), 0, "%s", llmcost_errmsg());
    bool found = false;
    for (size_t i = 0; i < n; i++)
        if (ch[i].kind == LLMCOST_PLAN_CP_ALLGATHER) {
            found = true;
            cr_expect_eq(ch[i].best.step_seconds, ag_best);
            cr_expect_eq(ch[i].best.layout.cp, 2);
        }
    cr_expect(found, "no cp_allgather change among %zu", n);
    cr_expect_str_eq(llmcost_plan_change_name(LLMCOST_PLAN_CP_ALLGATHER), "cp_allgather");
    llmcost_free(ch);
    llmcost_plan_dispose(&ag);
    llmcost_plan_dispose(&p2p);
    /* cp searched: the same layouts judged; the ring keeps only cp 1 */
    o = plan_opts(g, LLMCOST_CP_ALLGATHER, LLMCOST_PLAN_ANY);
    o.top = 100000;
    cr_assert_eq(llmcost_plan_search(&ag, m, &o), 0, "%s", llmcost_errmsg());
    o.cp_comm = LLMCOST_CP_P2P;
    cr_assert_eq(llmcost_plan_search(&p2p, m, &o), 0, "%s", llmcost_errmsg());
    cr_expect_eq(p2p.evaluated, ag.evaluated);
    int64_t ag_cp1 = 0;
    for (size_t i = 0; i < ag.n_layouts; i++)
        ag_cp1 += ag.layouts[i].layout.cp == 1;
    cr_assert_lt(ag.n_layouts, (size_t)o.top, "all of all-gather's fitting layouts are returned");
    cr_expect_eq(p2p.feasible, ag_cp1);
    cr_expect_lt(p2p.feasible, ag.feasible);
    for (size_t i = 0; i < p2p.n_layouts; i++)
        cr_expect_eq(p2p.layouts[i].layout.cp, 1);
    llmcost_plan_dispose(&ag);
    llmcost_plan_dispose(&p2p);
    llmcost_model_free(m);
}

Test(cp_window, the_plan_request_says_why_and_offers_allgather)
{
    char *json = NULL;
    cr_assert_eq(llmcost_request(&json, "plan", "{\"model\": \"gemma-2-9b\", \"gpu\": \"h100\", \"gpus\": \"16\", "
                                 "\"seq\": \"8192\", \"cp\": \"2\", \"global_batch\": \"4M\", \"framework\": \"megatron\"}"),
                 0, "%s", llmcost_errmsg());
    json_t *d = json_loads(json, 0, NULL);
    cr_assert(d);
    json_int_t ev = json_integer_value(json_object_get(d, "evaluated"));
    json_t *rej = json_object_get(d, "rejected");
    cr_expect_gt(ev, 0);
    cr_expect_eq(json_integer_value(json_object_get(rej, "layout")) + json_integer_value(json_object_get(rej, "batch")),
                 ev);
    char *text = json_dumps(json_object_get(d, "assumptions"), 0);
    cr_expect(text && strstr(text, "layouts with cp > 1 refused (rejected by layout): --cp-comm p2p: Transformer "
                                   "Engine's ring does not support sliding-window attention"), "%s", text);
    free(text);
    json_t *ch = json_object_get(d, "changes_that_fit");
    bool found = false;
    for (size_t i = 0; i < json_array_size(ch); i++) {
        json_t *c = json_array_get(ch, i);
        if (!strcmp(json_string_value(json_object_get(c, "change")), "cp_allgather")) {
            found = true;
            cr_expect(strstr(json_string_value(json_object_get(c, "step_flags")), "--cp-comm allgather") != NULL);
        }
    }
    cr_expect(found);
    json_decref(d);
    free(json);
}

Test(cp_window, fit_advice_offers_allgather_where_the_ring_is_refused)
{
    /* gemma-3-27b at 32K tokens on one RTX 4090: nothing fits on it, and every layout with cp > 1 under the default
     * p2p is refused (52 of 62 layers have 1,024-token windows), so the change that fits is all-gather CP, on as many
     * GPUs as it needs; its flags name --cp-comm allgather and run. */
    llmcost_model *m = load("gemma-3-27b");
    const llmcost_gpu *g = llmcost_gpu_find("rtx-4090");
    llmcost_job j;
    llmcost_job_init(&j);
    j.seq = 32768;
    j.layout.gpus = 1;
    bool rounded;
    cr_assert_eq(llmcost_job_set_batch_tokens(&j, m, 4194304, &rounded), 0, "%s", llmcost_errmsg());
    llmcost_fit_advice a;
    cr_assert_eq(llmcost_job_fit_advice(&a, m, g, &j), 0, "%s", llmcost_errmsg());
    cr_expect(!a.has_nearest);
    cr_assert(a.has_change);
    cr_expect_eq(a.change.kind, LLMCOST_PLAN_CP_ALLGATHER);
    cr_expect_gt(a.change.best.layout.cp, 1);
    cr_expect(strstr(a.change_step_flags, "--cp-comm allgather") != NULL, "%s", a.change_step_flags);
    llmcost_model_free(m);
}
