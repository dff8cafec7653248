/* test_step.c - step time against real H200 measurements (each calibration case a test), the published runs of
 * data/validation/runs.json, and the mechanisms (bubble, MFU/HFU, ZeRO traffic, TP collectives) against their
 * formulas. */
#include <criterion/criterion.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"
#include "llmcost/llmcost.h"
#include "internal.h"

/* ---- measured H200 steps (profile hf, the case's precision and recompute, sdpa) ---- */

static double predict_case(json_t *c, const char *file)
{
    char *cfg = json_dumps(json_object_get(c, "config"), JSON_COMPACT);
    llmcost_model *m;
    cr_assert_eq(llmcost_model_from_json(&m, cfg, strlen(cfg), file), 0, "%s", llmcost_errmsg());
    free(cfg);
    llmcost_step_options o = LLMCOST_STEP_OPTIONS_INIT;
    o.micro_batch = json_integer_value(json_object_get(c, "micro_batch"));
    o.seq = json_integer_value(json_object_get(c, "seq"));
    const char *prec = json_string_value(json_object_get(c, "precision"));
    /* The calibration file spells the recipe out ("fp32 weights, ... autocast"); the newer one says "amp". */
    o.precision = (strstr(prec, "fp32 weights") || !strcmp(prec, "amp")) ? LLMCOST_PREC_AMP_BF16
                  : !strcmp(prec, "fp32")                                 ? LLMCOST_PREC_FP32
                                                                          : LLMCOST_PREC_BF16;
    const char *attn = json_string_value(json_object_get(c, "attention"));
    if (attn && !strncmp(attn, "eager", 5))
        o.attention = LLMCOST_ATTN_EAGER;
    o.recompute = strncmp(json_string_value(json_object_get(c, "recompute")), "full", 4) == 0 ? LLMCOST_RECOMPUTE_FULL
                                                                                             : LLMCOST_RECOMPUTE_NONE;
    llmcost_step s;
    cr_assert_eq(llmcost_step_compute(&s, m, llmcost_gpu_find("h200"), &o), 0, "%s", llmcost_errmsg());
    llmcost_model_free(m);
    return s.step_seconds;
}

static json_t *find_case(const char *file, const char *name)
{
    json_t *doc = json_load_file(src_path(file), 0, NULL);
    cr_assert_not_null(doc, "%s", file);
    json_t *arr = json_object_get(doc, "cases");
    if (!arr)
        arr = json_object_get(doc, "steps");
    size_t i;
    json_t *c;
    json_array_foreach(arr, i, c)
        if (!strcmp(json_string_value(json_object_get(c, "case")), name)) {
            json_incref(c);
            json_decref(doc);
            return c;
        }
    cr_assert_fail("case %s not in %s", name, file);
    return NULL;
}

/* The issue's bar: within 25% of the measured median step time. */
static void expect_case(const char *name)
{
    const char *file = "data/calibration/h200_training_steps.json";
    json_t *c = find_case(file, name);
    double measured = json_number_value(json_object_get(c, "step_seconds_median"));
    double predicted = predict_case(c, file);
    cr_expect(fabs(predicted / measured - 1) <= 0.25, "%s: predicted %.2f ms, measured %.2f ms (%+.1f%%)", name,
              predicted * 1e3, measured * 1e3, 100 * (predicted / measured - 1));
    json_decref(c);
}

Test(step_h200, llama_125m_amp) { expect_case("llama-125m/amp/b8/s2048/nockpt"); }
Test(step_h200, llama_125m_bf16) { expect_case("llama-125m/bf16/b8/s2048/nockpt"); }
Test(step_h200, llama_125m_bf16_full_recompute) { expect_case("llama-125m/bf16/b8/s2048/ckpt"); }
Test(step_h200, llama_3_2_1b_amp) { expect_case("llama-3.2-1b/amp/b4/s2048/nockpt"); }
Test(step_h200, llama_3_2_1b_bf16) { expect_case("llama-3.2-1b/bf16/b4/s2048/nockpt"); }
Test(step_h200, llama_3_2_1b_bf16_full_recompute) { expect_case("llama-3.2-1b/bf16/b4/s2048/ckpt"); }
Test(step_h200, qwen3_moe_small_bf16) { expect_case("qwen3moe-small/bf16/b8/s2048/nockpt"); }
Test(step_h200, llama_3_8b_bf16_full_recompute) { expect_case("llama-3-8b/bf16/b1/s4096/ckpt"); }
Test(step_h200, gpt2_bf16) { expect_case("gpt2/bf16/b8/s1024/nockpt"); }

Test(step_h200, cases_not_in_the_calibration_file)
{
    /* 31 further steps measured on 2026-11-28, two rounds (MLA, Mixtral-style and Qwen MoE, Gemma 2 and 3, Qwen 2.5,
     * OLMo 2, Phi-3's windowed mask, OPT-350m, Falcon's math-backend attention, gpt-oss, fp32, eager attention, other
     * batches and lengths). Bar 25%, except one case the model under-predicts, listed in docs/formulas.md: gpt-oss
     * small with eager attention (about -48%: its expert biases gathered per token, clamped GLU and sink handling are
     * not modelled kernel by kernel). */
    const char *file = "data/calibration/h200_measured_2026-11-28.json";
    json_t *doc = json_load_file(src_path(file), 0, NULL);
    cr_assert_not_null(doc);
    size_t i;
    json_t *c;
    int n = 0;
    json_array_foreach(json_object_get(doc, "steps"), i, c)
    {
        const char *name = json_string_value(json_object_get(c, "case"));
        double measured = json_number_value(json_object_get(c, "step_seconds_median"));
        double err = predict_case(c, file) / measured - 1;
        double bar = !strcmp(name, "gpt-oss-small/bf16/b4/s2048/nockpt/eager") ? 0.55 : 0.25;
        cr_expect(fabs(err) <= bar, "%s: %+.1f%% (bar %.0f%%)", name, 100 * err, 100 * bar);
        n++;
    }
    cr_expect_geq(n, 31);
    json_decref(doc);
}

Test(step_h200, gpu_busy_time_matches_the_profiled_steps)
{
    /* h200_profile_2026-11-28.json: one step of five models under torch.profiler, the GPU busy the sum of every
     * kernel's duration. The step's time less the host's launch overhead is the model's GPU busy time; within 10% for
     * the dense models and the three MoE families (grouped_mm experts: gathers, broadcast masks, strided activation
     * halves, index_put backward, fp32 routing weights). */
    json_t *prof = json_load_file(src_path("data/calibration/h200_profile_2026-11-28.json"), 0, NULL);
    json_t *meas = json_load_file(src_path("data/calibration/h200_measured_2026-11-28.json"), 0, NULL);
    cr_assert(prof && meas);
    size_t i, j;
    json_t *p, *c;
    int n = 0;
    json_array_foreach(json_object_get(prof, "cases"), i, p)
    {
        const char *model = json_string_value(json_object_get(p, "model"));
        json_t *cfg = NULL;
        json_array_foreach(json_object_get(meas, "steps"), j, c)
        {
            const char *name = json_string_value(json_object_get(c, "case"));
            if (!cfg && !strncmp(name, model, strlen(model)) && name[strlen(model)] == '/')
                cfg = json_object_get(c, "config");
        }
        cr_assert_not_null(cfg, "%s: no config", model);
        char *text = json_dumps(cfg, JSON_COMPACT);
        llmcost_model *m;
        cr_assert_eq(llmcost_model_from_json(&m, text, strlen(text), model), 0, "%s", llmcost_errmsg());
        free(text);
        llmcost_step_options o = LLMCOST_STEP_OPTIONS_INIT;
        o.micro_batch = json_integer_value(json_object_get(p, "batch"));
        o.seq = json_integer_value(json_object_get(p, "seq"));
        llmcost_step s;
        cr_assert_eq(llmcost_step_compute(&s, m, llmcost_gpu_find("h200"), &o), 0, "%s", llmcost_errmsg());
        llmcost_model_free(m);
        double busy = s.step_seconds - s.components[LLMCOST_ST_LAUNCH];
        double measured = json_number_value(json_object_get(p, "gpu_busy_us")) * 1e-6;
        cr_expect(fabs(busy / measured - 1) <= 0.10, "%s: GPU busy %.1f ms predicted, %.1f ms profiled (%+.1f%%)", model,
                  busy * 1e3, measured * 1e3, 100 * (busy / measured - 1));
        n++;
    }
    cr_expect_eq(n, 5);
    json_decref(prof);
    json_decref(meas);
}

/* ---- kernel model ---- */

Test(step_kernels, constants_fit_their_measurements)
{
    llmcost_step_constants k;
    llmcost_step_constants_get(&k);
    /* 25 GEMMs (over 25 us) and 6 attention shapes; the GEMM model within 10% rms (log scale). */
    cr_expect_geq(k.gemm_cases, 20);
    cr_expect_eq(k.attention_cases, 6);
    cr_expect_lt(k.gemm_rms_error, 0.10, "rms %.3f", k.gemm_rms_error);
    cr_expect(k.gemm_efficiency > 0.6 && k.gemm_efficiency < 0.95);
    /* Unaligned vocabulary: the measured GPT-2 LM head (50257) against 50304 is 5-8x slower per pass. */
    cr_expect(k.unaligned_efficiency > 1.0 / 8 && k.unaligned_efficiency < 1.0 / 4, "%.3f", k.unaligned_efficiency);
    /* Host time per kernel, HF: tens of microseconds, forward above backward. */
    cr_expect(k.host_forward_seconds > 20e-6 && k.host_forward_seconds < 60e-6);
    cr_expect(k.host_backward_seconds > 15e-6 && k.host_backward_seconds < k.host_forward_seconds);
}

/* ---- mechanisms against their formulas ---- */

static llmcost_step run(const char *model, const char *gpu, llmcost_step_options *o)
{
    llmcost_model *m;
    cr_assert_eq(llmcost_model_load(&m, model), 0);
    llmcost_step s;
    int rc = llmcost_step_compute(&s, m, llmcost_gpu_find(gpu), o);
    cr_assert_eq(rc, 0, "%s", llmcost_errmsg());
    llmcost_model_free(m);
    return s;
}

Test(step_mechanisms, components_add_up_and_mfu_is_model_flops_over_peak)
{
    llmcost_step_options o = LLMCOST_STEP_OPTIONS_INIT;
    o.seq = 2048;
    o.micro_batch = 2;
    o.recompute = LLMCOST_RECOMPUTE_FULL;
    llmcost_step s = run("llama-3.2-1b", "h100", &o);
    double sum = 0;
    for (int k = 0; k < LLMCOST_ST_COUNT; k++)
        sum += s.components[k];
    cr_expect_float_eq(sum, s.step_seconds, 1e-12 * s.step_seconds);
    /* PaLM App. B: MFU = model FLOPs / time / peak; HFU adds the recomputed forward. */
    cr_expect_float_eq(s.mfu, s.model_flops_per_step / s.step_seconds / 989.4e12, 1e-12);
    cr_expect_float_eq(s.hfu / s.mfu, s.hardware_flops_per_step / s.model_flops_per_step, 1e-12);
    cr_expect_gt(s.hfu, s.mfu);
    cr_expect_gt(s.components[LLMCOST_ST_RECOMPUTE], 0);
    /* tokens per second = batch x seq / step time */
    cr_expect_float_eq(s.tokens_per_second, 2 * 2048 / s.step_seconds, 1e-9);
}

Test(step_mechanisms, bubble_is_p_minus_1_over_v_micro_batches)
{
    /* Narayanan et al. 2021 §2.2: the 1F1B bubble lasts (p - 1) micro-batch times, (p - 1) / v interleaved. */
    llmcost_step_options o = LLMCOST_STEP_OPTIONS_INIT;
    o.framework = LLMCOST_FW_MEGATRON;
    o.seq = 4096;
    o.layout.pp = 4;
    o.global_batch = 16;
    llmcost_step s = run("llama-2-7b", "h100", &o);
    cr_expect_eq(s.micro_batches, 16);
    cr_expect_float_eq(s.components[LLMCOST_ST_BUBBLE], 3 * s.micro_batch_seconds, 1e-9);
    o.layout.vpp = 2;
    llmcost_step s2 = run("llama-2-7b", "h100", &o);
    cr_expect_float_eq(s2.components[LLMCOST_ST_BUBBLE], 1.5 * s2.micro_batch_seconds, 1e-9);
    cr_expect_lt(s2.step_seconds, s.step_seconds);
}

Test(step_mechanisms, tensor_parallel_all_reduces_four_per_layer)
{
    /* Megatron TP: 2 all-reduces forward and 2 backward per layer of b*s*h*2 bytes, plus 2 on the embedding / head
     * stage (pp = 1: one stage holds both ends). Llama-2-7B, b=1, s=4096, h=4096: 32 MiB per all-reduce. */
    llmcost_step_options o = LLMCOST_STEP_OPTIONS_INIT;
    o.framework = LLMCOST_FW_MEGATRON;
    o.seq = 4096;
    o.layout.tp = 8;
    llmcost_step s = run("llama-2-7b", "h100", &o);
    llmcost_comm_cost cc;
    llmcost_comm_group g = {8, 8};
    llmcost_comm_options co = LLMCOST_COMM_OPTIONS_INIT;
    cr_assert_eq(llmcost_comm_time(&cc, llmcost_gpu_find("h100"), LLMCOST_COLL_ALL_REDUCE, 4096.0 * 4096 * 2, &g, &co), 0);
    cr_expect_float_eq(s.components[LLMCOST_ST_TP_COMM], (4 * 32 + 2) * cc.seconds, 1e-12);
    /* Overlapping them with the GEMMs (Transformer Engine's userbuffers) hides all but the last reduce-scatter
     * chunk and the SMs the scatters take: the stage's GEMMs (pp 1, one micro-batch, no recomputation) are its
     * matmul part. */
    o.layout.tp_overlap = true;
    llmcost_step s2 = run("llama-2-7b", "h100", &o);
    double want = lc_tp_overlap_exposed(s.components[LLMCOST_ST_TP_COMM], s.components[LLMCOST_ST_MATMUL], 8,
                                        llmcost_gpu_find("h100")->compute_units);
    cr_expect_float_eq(s2.components[LLMCOST_ST_TP_COMM], want, 1e-12);
    cr_expect_lt(s2.components[LLMCOST_ST_TP_COMM], 0.3 * s.components[LLMCOST_ST_TP_COMM]);
    cr_expect_gt(s2.components[LLMCOST_ST_TP_COMM], s.components[LLMCOST_ST_TP_COMM] / 8);
}

/* The chunked overlap, event by event: chunk i of the GEMM starts when the GEMM's previous chunk is done and (for
 * an all-gather) chunk i has arrived; a scatter chunk starts when its GEMM chunk and the previous scatter chunk are
 * done. Returns the seconds past the GEMM's own G. */
static double simulate_ring_exchange(double C, double G, int tp)
{
    /* Chunk 0 is the rank's own; transfer i (1 .. tp-1) brings chunk i at i * c, one after the other. */
    double c = C / (tp - 1), g = G / tp, gemm_end = 0;
    for (int i = 0; i < tp; i++)
        gemm_end = fmax(gemm_end, i * c) + g;
    return gemm_end - G;
}
static double simulate_pipeline_rs(double C, double G, int n)
{
    double c = C / n, g = G / n, gemm_end = 0, comm_end = 0;
    for (int i = 0; i < n; i++) {
        gemm_end += g;
        comm_end = fmax(comm_end, gemm_end) + c;
    }
    return comm_end - G;
}

Test(step_mechanisms, tp_overlap_exposes_what_the_chunks_leave)
{
    /* Derived by hand (docs/formulas.md, Overlap): C = 8 ms of TP collectives behind G = 8 ms of GEMMs, tp 4,
     * 132 SMs. Gathers (4 ms) behind 4 ms by ring exchange: max(0, 4 - 4 * 3/4) = 1 ms. Scatters (4 ms) in 4
     * splits: max(4/4, 4 - 4 * 3/4) = 1 ms exposed, 3 ms hidden on 16 SMs: 3 * 16/132. */
    cr_expect_float_eq(lc_tp_overlap_exposed(8e-3, 8e-3, 4, 132), 1e-3 + 1e-3 + 3e-3 * 16 / 132, 1e-15);
    /* Communication-bound: C = 8, G = 2, tp 8: gathers 4 - 1 * 7/8 = 3.125, scatters 4 - 1 * 3/4 = 3.25 exposed. */
    cr_expect_float_eq(lc_tp_overlap_exposed(8, 2, 8, 132), 3.125 + 3.25 + 0.75 * 16.0 / 132, 1e-12);
    /* The closed forms against the chunk-by-chunk schedules, compute- and communication-bound. */
    const double cg[][2] = {{1, 10}, {4, 4}, {10, 1}, {3, 7}};
    for (int i = 0; i < 4; i++) {
        double C = cg[i][0], G = cg[i][1];
        double ag = simulate_ring_exchange(C / 2, G / 2, 8), rs = simulate_pipeline_rs(C / 2, G / 2, 4);
        double hidden_rs = C / 2 - rs;
        cr_expect_float_eq(lc_tp_overlap_exposed(C, G, 8, 132), ag + rs + hidden_rs * 16 / 132, 1e-9, "C %g G %g", C, G);
    }
    cr_expect_float_eq(lc_tp_overlap_exposed(0, 5, 8, 132), 0, 1e-15);
}

Test(step_mechanisms, ep_overlap_hides_behind_the_layer_at_twenty_sms)
{
    /* DeepSeek-V3 §3.2.2: 20 SMs of the H800's 132 for the all-to-alls. 10 ms of all-to-all behind 6 ms of
     * compute: 4 ms show, and the 6 ms of compute run beside them lose 20/132: 4 + 6 * 20/132 ms. */
    cr_expect_float_eq(lc_ep_overlap_exposed(10e-3, 6e-3, 132), 4e-3 + 6e-3 * 20 / 132, 1e-15);
    /* Compute-bound: all hidden, the SM share of the all-to-all's time remains. */
    cr_expect_float_eq(lc_ep_overlap_exposed(2, 9, 132), 2 * 20.0 / 132, 1e-12);
    cr_expect_float_eq(lc_ep_overlap_exposed(0, 9, 132), 0, 1e-15);
}

Test(step_mechanisms, zero3_moves_one_and_a_half_times_the_data_of_all_reduce)
{
    /* Rajbhandari et al. 2020 §7: DP all-reduce = reduce-scatter + all-gather = 2 (n-1)/n M; ZeRO-3 adds a
     * second all-gather of the weights: 3 (n-1)/n M. bf16 recipe: gradients and weights both 2 bytes. */
    /* The traffic alone: no latency terms and a GPU without a measured busbw curve (B200), so that the buckets'
     * count and sizes (DDP's 25 MiB, FSDP's one per layer) leave the bytes / bandwidth unchanged: exactly 1.5. */
    llmcost_step_options o = LLMCOST_STEP_OPTIONS_INIT;
    o.seq = 2048;
    o.layout.gpus = 64;
    o.comm.scaleup_latency = o.comm.scaleout_latency = 0;
    llmcost_step s0 = run("llama-2-7b", "b200", &o);
    o.layout.zero = 3;
    llmcost_step s3 = run("llama-2-7b", "b200", &o);
    double r = s3.comm_total[LLMCOST_ST_DP_COMM] / ((double)s3.micro_batches * s0.comm_total[LLMCOST_ST_DP_COMM]);
    cr_expect_float_eq(r, 1.5, 1e-9, "ZeRO-3 / all-reduce traffic time %.6f", r);
}

Test(step_mechanisms, faster_gpu_faster_step_and_fp8_faster_than_bf16)
{
    llmcost_step_options o = LLMCOST_STEP_OPTIONS_INIT;
    o.framework = LLMCOST_FW_MEGATRON;
    o.seq = 4096;
    o.micro_batch = 4;
    llmcost_step a = run("llama-3-8b", "a100-80gb", &o);
    llmcost_step h = run("llama-3-8b", "h100", &o);
    llmcost_step b = run("llama-3-8b", "b200", &o);
    cr_expect_gt(a.step_seconds, h.step_seconds);
    cr_expect_gt(h.step_seconds, b.step_seconds);
    o.precision = LLMCOST_PREC_FP8;
    llmcost_step f = run("llama-3-8b", "h100", &o);
    cr_expect_lt(f.step_seconds, h.step_seconds);
    /* fp8 MFU is still counted against the bf16 peak (the field's convention, DeepSeek-V3 and Llama 3). */
    cr_expect_float_eq(f.peak_flops, 989.4e12, 1e3);
}

Test(step_mechanisms, fp16_runs_at_the_fp16_tensor_peak_and_bf16_is_refused_without_it)
{
    /* V100: 125 TFLOP/s fp16 tensor, no bf16 (data/gpus.json). fp16 mixed precision there is the bf16-master step
     * of a V100 that had bf16 at the same 125 TFLOP/s, kernel for kernel (16-bit activations and GEMMs at the same
     * peak), except the optimizer: fused AdamW streams 2 x 4 (master) + 2 (fp16 gradient) + 2 x 8 (moments) + 2
     * (fp16 copy) = 28 bytes per parameter instead of bf16-master's 30 (fp32 gradient) and bf16's 14 (2 x 2 + 2 +
     * 2 x 4), at one rate (the weights are 2 bytes in all three) plus a fixed launch cost: t(B) = B x + k, so
     * (t30 - t28) / 2 = (t30 - t14) / 16. MFU is against the fp16 peak. */
    llmcost_step_options o = LLMCOST_STEP_OPTIONS_INIT;
    o.seq = 1024;
    o.micro_batch = 1;
    o.recompute = LLMCOST_RECOMPUTE_FULL;
    o.precision = LLMCOST_PREC_FP16;
    llmcost_model *m;
    cr_assert_eq(llmcost_model_load(&m, "llama-3.2-1b"), 0);
    const llmcost_gpu *v100 = llmcost_gpu_find("v100");
    llmcost_step f;
    cr_assert_eq(llmcost_step_compute(&f, m, v100, &o), 0, "%s", llmcost_errmsg());
    cr_expect_float_eq(f.peak_flops, 125e12, 1e3);
    cr_expect_float_eq(f.mfu, f.model_flops_per_step / f.step_seconds / 125e12, 1e-12);
    llmcost_gpu with_bf16 = *v100;
    with_bf16.peak_flops[LLMCOST_DT_BF16] = v100->fp16_flops;
    with_bf16.fp16_flops = 0;
    o.precision = LLMCOST_PREC_BF16_MASTER;
    llmcost_step b;
    cr_assert_eq(llmcost_step_compute(&b, m, &with_bf16, &o), 0, "%s", llmcost_errmsg());
    for (int k = 0; k < LLMCOST_ST_COUNT; k++)
        if (k != LLMCOST_ST_OPTIMIZER)
            cr_expect_float_eq(f.components[k], b.components[k], 1e-12 * b.step_seconds, "component %d", k);
    o.precision = LLMCOST_PREC_BF16;
    llmcost_step h;
    cr_assert_eq(llmcost_step_compute(&h, m, &with_bf16, &o), 0, "%s", llmcost_errmsg());
    double t30 = b.components[LLMCOST_ST_OPTIMIZER], t28 = f.components[LLMCOST_ST_OPTIMIZER],
           t14 = h.components[LLMCOST_ST_OPTIMIZER];
    cr_expect_gt(t30, t28);
    cr_expect_float_eq((t30 - t28) / 2, (t30 - t14) / 16, 1e-9 * t30);
    /* bf16 (any bf16 recipe) on the V100 itself: refused, naming the recipe, the GPU and the way out. */
    for (int p = LLMCOST_PREC_AMP_BF16; p <= LLMCOST_PREC_BF16_MASTER; p++) {
        o.precision = (llmcost_precision)p;
        cr_expect_eq(llmcost_step_compute(&b, m, v100, &o), LLMCOST_EUNSUPPORTED);
        cr_expect(strstr(llmcost_errmsg(), "no bf16 tensor cores") && strstr(llmcost_errmsg(), "v100") &&
                      strstr(llmcost_errmsg(), "precision = fp16"),
                  "%s", llmcost_errmsg());
    }
    /* fp16 where the catalogue gives no fp16 peak (TPU v4: bf16 matrix units only): refused. */
    o.precision = LLMCOST_PREC_FP16;
    cr_expect_eq(llmcost_step_compute(&b, m, llmcost_gpu_find("tpu-v4"), &o), LLMCOST_EUNSUPPORTED);
    llmcost_model_free(m);
}

/* MoE parallel folding (Megatron-Core; Liu et al. 2025): EP 4 inside TP 8 with dp 1. Each stage's 8 ranks hold
 * expert_tp x ep = 1 x 4 distinct expert shards, so each shard has 8 / 4 = 2 replicas (expert data parallel), and the
 * distributed optimizer (ZeRO-1) shards the experts' states over those 2 and the dense ones over dp x cp = 1.
 * The optimizer step streams bytes in proportion to the parameters it updates (plus its kernels' launches):
 *   ZeRO-0 / ZeRO-1 = (D + X) / (D / 1 + X / 2), D = dense / (tp pp), X = routed / (ep etp pp). */
Test(step_mechanisms, moe_parallel_folding_shards_expert_states_over_expert_replicas)
{
    llmcost_model *m;
    cr_assert_eq(llmcost_model_load(&m, "mixtral-8x7b"), 0);
    llmcost_params pc;
    cr_assert_eq(llmcost_params_count(&pc, m), 0);
    double routed = (double)pc.components[LLMCOST_PC_ROUTED_EXPERTS], dense = (double)pc.total - routed;
    llmcost_step_options o = LLMCOST_STEP_OPTIONS_INIT;
    o.framework = LLMCOST_FW_MEGATRON;
    o.precision = LLMCOST_PREC_BF16_MASTER;
    o.seq = 1024;
    o.layout.tp = 8, o.layout.ep = 4, o.layout.gpus = 8, o.layout.sequence_parallel = true;
    llmcost_step z0, z1;
    cr_assert_eq(llmcost_step_compute(&z0, m, llmcost_gpu_find("h100"), &o), 0, "%s", llmcost_errmsg());
    o.layout.zero = 1;
    cr_assert_eq(llmcost_step_compute(&z1, m, llmcost_gpu_find("h100"), &o), 0, "%s", llmcost_errmsg());
    double D = dense / 8, X = routed / 4, launch = 4 * z0.host_seconds_per_kernel;
    double t0 = z0.components[LLMCOST_ST_OPTIMIZER] - launch, t1 = z1.components[LLMCOST_ST_OPTIMIZER] - launch;
    cr_expect_float_eq(t0 / t1, (D + X) / (D + X / 2), 1e-9);
    /* The expert replicas reduce their gradients although dp x cp = 1. */
    cr_expect_gt(z0.comm_total[LLMCOST_ST_DP_COMM], 0);
    /* Folding scatters the tokens over the TP ranks: without sequence parallelism it is refused. */
    o.layout.sequence_parallel = false;
    cr_expect_eq(llmcost_step_compute(&z1, m, llmcost_gpu_find("h100"), &o), LLMCOST_EINVAL);
    cr_expect(strstr(llmcost_errmsg(), "spans tensor-parallel ranks") && strstr(llmcost_errmsg(), "sequence parallelism"),
              "%s", llmcost_errmsg());
    llmcost_model_free(m);
}

/* The MoE implementation (Megatron-Core's): Qwen3-30B-A3B (48 MoE layers, E = 128 experts, top k = 8, h = 2048) on
 * 8 H100s, EP 8, one 4,096-token sequence per GPU and one micro-batch per step. Per MoE layer four all-to-alls
 * (dispatch and combine, forward and backward) of the rank's token-slots' hidden states in bf16:
 *   dropless: 4096 x 8 slots; capacity factor 1.1: each expert ceil(1.1 x 4096 x 8 / 128) = ceil(281.6) = 282 rows
 *   from this rank, padded: 128 x 282 = 36,096 slots;
 *   allgather dispatcher: the EP group's 8 x 4096 tokens gathered (and reduce-scattered back), not k copies. */
Test(moe, dispatcher_and_capacity_factor_as_megatron_runs_them)
{
    llmcost_model *m;
    cr_assert_eq(llmcost_model_load(&m, "qwen3-30b-a3b"), 0);
    const llmcost_gpu *g = llmcost_gpu_find("h100");
    llmcost_step_options o = LLMCOST_STEP_OPTIONS_INIT;
    o.framework = LLMCOST_FW_MEGATRON;
    o.precision = LLMCOST_PREC_BF16_MASTER;
    o.seq = 4096;
    o.layout.gpus = 8, o.layout.ep = 8, o.layout.zero = 1;
    o.global_batch = 8;
    llmcost_comm_group grp = llmcost_comm_group_of(8, 1, g->scaleup_size);
    const double h = 2048, layers = 48;
    struct {
        llmcost_moe_dispatcher d;
        double cf, bytes;
        llmcost_collective coll;
    } cases[] = {
        {LLMCOST_MOE_ALLTOALL, 0, 4096.0 * 8 * h * 2, LLMCOST_COLL_ALL_TO_ALL},
        {LLMCOST_MOE_ALLTOALL, 1.1, 128.0 * 282 * h * 2, LLMCOST_COLL_ALL_TO_ALL},
        {LLMCOST_MOE_ALLGATHER, 0, 8.0 * 4096 * h * 2, LLMCOST_COLL_ALL_GATHER},
    };
    llmcost_step st[3];
    for (int i = 0; i < 3; i++) {
        o.moe_dispatcher = cases[i].d;
        o.moe_capacity_factor = cases[i].cf;
        cr_assert_eq(llmcost_step_compute(&st[i], m, g, &o), 0, "%s", llmcost_errmsg());
        cr_assert_eq(st[i].micro_batches, 1);
        llmcost_comm_cost cc;
        cr_assert_eq(llmcost_comm_time(&cc, g, cases[i].coll, cases[i].bytes, &grp, &o.comm), 0);
        cr_expect_float_eq(st[i].comm_total[LLMCOST_ST_EP_COMM], 4 * layers * cc.seconds, 1e-9 * cc.seconds,
                           "case %d: %g s, derived %g s", i, st[i].comm_total[LLMCOST_ST_EP_COMM], 4 * layers * cc.seconds);
    }
    /* The padded rows are computed: 282 / 256 = 1.10 times the experts' rows, more GEMM and element-wise time. */
    cr_expect_gt(st[1].components[LLMCOST_ST_MATMUL], st[0].components[LLMCOST_ST_MATMUL] * 1.05);
    cr_expect_gt(st[1].components[LLMCOST_ST_MEMORY_BOUND], st[0].components[LLMCOST_ST_MEMORY_BOUND]);
    /* A version-1 options struct (without the fields) is read as alltoall, dropless. */
    o.version = 1;
    o.moe_dispatcher = LLMCOST_MOE_ALLGATHER;
    llmcost_step v1;
    cr_assert_eq(llmcost_step_compute(&v1, m, g, &o), 0, "%s", llmcost_errmsg());
    cr_expect_float_eq(v1.step_seconds, st[0].step_seconds, 1e-12 * st[0].step_seconds);
    /* transformers' experts are dropless and dispatch nothing: refused under the hf profile, naming the field. */
    o.version = LLMCOST_STEP_OPTIONS_VERSION;
    o.moe_dispatcher = LLMCOST_MOE_ALLTOALL;
    o.moe_capacity_factor = 1.25;
    o.framework = LLMCOST_FW_HF;
    cr_expect_eq(llmcost_step_compute(&v1, m, g, &o), LLMCOST_EINVAL);
    cr_expect(strstr(llmcost_errmsg(), "moe_capacity_factor") && strstr(llmcost_errmsg(), "megatron"), "%s",
              llmcost_errmsg());
    /* deepep is dropless: Megatron-Core drops and pads only with the alltoall dispatcher. */
    o.framework = LLMCOST_FW_MEGATRON;
    o.moe_dispatcher = LLMCOST_MOE_DEEPEP;
    cr_expect_eq(llmcost_step_compute(&v1, m, g, &o), LLMCOST_EINVAL);
    cr_expect(strstr(llmcost_errmsg(), "moe_capacity_factor") && strstr(llmcost_errmsg(), "deepep"), "%s",
              llmcost_errmsg());
    o.moe_capacity_factor = 0;
    cr_expect_eq(llmcost_step_compute(&v1, m, g, &o), 0, "%s", llmcost_errmsg());
    llmcost_model_free(m);
    /* A dense model has no tokens to dispatch. */
    cr_assert_eq(llmcost_model_load(&m, "llama-3-8b"), 0);
    llmcost_step_options d = LLMCOST_STEP_OPTIONS_INIT;
    d.framework = LLMCOST_FW_MEGATRON;
    d.moe_dispatcher = LLMCOST_MOE_ALLGATHER;
    cr_expect_eq(llmcost_step_compute(&v1, m, g, &d), LLMCOST_EINVAL);
    cr_expect(strstr(llmcost_errmsg(), "moe_dispatcher") && strstr(llmcost_errmsg(), "no routed experts"), "%s",
              llmcost_errmsg());
    llmcost_model_free(m);
}

Test(step_errors, bad_layouts_name_the_field)
{
    llmcost_model *m;
    cr_assert_eq(llmcost_model_load(&m, "llama-7b"), 0);
    const llmcost_gpu *g = llmcost_gpu_find("h100");
    llmcost_step s;
    llmcost_step_options o = LLMCOST_STEP_OPTIONS_INIT;
    o.layout.tp = 3; /* 32 heads */
    cr_expect_eq(llmcost_step_compute(&s, m, g, &o), LLMCOST_EINVAL);
    cr_expect(strstr(llmcost_errmsg(), "layout.tp = 3") != NULL, "%s", llmcost_errmsg());
    o = (llmcost_step_options)LLMCOST_STEP_OPTIONS_INIT;
    o.layout.gpus = 10;
    o.layout.tp = 4;
    cr_expect_eq(llmcost_step_compute(&s, m, g, &o), LLMCOST_EINVAL);
    cr_expect(strstr(llmcost_errmsg(), "layout.gpus = 10") != NULL, "%s", llmcost_errmsg());
    o = (llmcost_step_options)LLMCOST_STEP_OPTIONS_INIT;
    o.layout.ep = 2;
    cr_expect_eq(llmcost_step_compute(&s, m, g, &o), LLMCOST_EINVAL);
    o = (llmcost_step_options)LLMCOST_STEP_OPTIONS_INIT;
    o.layout.gpus = 8;
    o.global_batch = 12; /* not a multiple of 1 x 8 */
    cr_expect_eq(llmcost_step_compute(&s, m, g, &o), LLMCOST_EINVAL);
    cr_expect(strstr(llmcost_errmsg(), "global_batch = 12") != NULL, "%s", llmcost_errmsg());
    o = (llmcost_step_options)LLMCOST_STEP_OPTIONS_INIT;
    o.precision = LLMCOST_PREC_FP8;
    cr_expect_eq(llmcost_step_compute(&s, m, llmcost_gpu_find("a100"), &o), LLMCOST_EINVAL);
    cr_expect(strstr(llmcost_errmsg(), "fp8") != NULL, "%s", llmcost_errmsg());
    o = (llmcost_step_options)LLMCOST_STEP_OPTIONS_INIT;
    o.layout.cp = 3;
    o.layout.gpus = 3;
    cr_expect_eq(llmcost_step_compute(&s, m, g, &o), LLMCOST_EINVAL);
    llmcost_model_free(m);
}

/* ---- published runs ---- */

Test(published_runs, each_prediction_with_its_error)
{
    llmcost_published *p;
    size_t n;
    cr_assert_eq(llmcost_train_published(&p, &n), 0, "%s", llmcost_errmsg());
    cr_assert_geq(n, 14);
    int dense = 0, dense_within = 0;
    for (size_t i = 0; i < n; i++) {
        fprintf(stderr, "published: %-62s %-26s reported %-11.4g predicted %-11.4g %+6.1f%%\n", p[i].name, p[i].metric,
                p[i].reported, p[i].predicted, 100 * p[i].error);
        cr_expect(isfinite(p[i].error), "%s", p[i].name);
        if (p[i].dense) {
            dense++;
            dense_within += fabs(p[i].error) <= 0.25;
            /* No dense run may stray past 35%: a regression guard around the 25% target. */
            cr_expect(fabs(p[i].error) <= 0.35, "%s %s: %+.1f%%", p[i].name, p[i].metric, 100 * p[i].error);
        } else {
            cr_expect(fabs(p[i].error) <= 0.5, "%s (MoE) %s: %+.1f%%", p[i].name, p[i].metric, 100 * p[i].error);
        }
        /* The headline figures the issue names, each within the 25% target. */
        if (strstr(p[i].name, "Llama 3.1 405B on 16,384") || strstr(p[i].name, "Megatron-LM GPT 1T") ||
            strstr(p[i].name, "OPT-175B") || strstr(p[i].name, "Llama 2 70B") || strstr(p[i].name, "LLaMA-1 65B"))
            cr_expect(fabs(p[i].error) <= 0.25, "%s %s: %+.1f%%", p[i].name, p[i].metric, 100 * p[i].error);
    }
    /* Most dense figures meet the 25% target (the exceptions are listed in docs/formulas.md with their cause). */
    cr_expect_geq(dense_within, dense - 2, "%d of %d dense figures within 25%%", dense_within, dense);
    llmcost_free(p);
}

Test(published_runs, llama_405b_flops_match_the_paper)
{
    /* The Llama 3 paper gives 3.8e25 FLOPs for 405B on 15.6T tokens; the exact count at 8K context is within 5%. */
    llmcost_model *m;
    cr_assert_eq(llmcost_model_load(&m, "llama-3.1-405b"), 0);
    llmcost_train_options o = LLMCOST_TRAIN_OPTIONS_INIT;
    o.tokens = 15.6e12;
    o.step.seq = 8192;
    o.step.framework = LLMCOST_FW_MEGATRON;
    o.step.layout.tp = 8;
    o.step.layout.pp = 16;
    o.step.layout.gpus = 16384;
    o.step.global_batch = 2048;
    llmcost_train r;
    cr_assert_eq(llmcost_train_compute(&r, m, llmcost_gpu_find("h100"), &o), 0, "%s", llmcost_errmsg());
    cr_expect(fabs(r.total_flops / 3.8e25 - 1) < 0.05, "%.3g", r.total_flops);
    llmcost_model_free(m);
}

/* Two step results equal to the last digit (every double compared bit for bit). */
static void expect_same_step(const llmcost_step *a, const llmcost_step *b, const char *what)
{
    cr_expect_eq(a->step_seconds, b->step_seconds, "%s: step %.17g vs %.17g", what, a->step_seconds, b->step_seconds);
    for (int k = 0; k < LLMCOST_ST_COUNT; k++) {
        cr_expect_eq(a->components[k], b->components[k], "%s: %s", what, llmcost_step_component_name(k));
        cr_expect_eq(a->comm_total[k], b->comm_total[k], "%s: %s total", what, llmcost_step_component_name(k));
    }
    cr_expect_eq(a->mfu, b->mfu, "%s: mfu", what);
    cr_expect_eq(a->hfu, b->hfu, "%s: hfu", what);
    cr_expect_eq(a->micro_batch_seconds, b->micro_batch_seconds, "%s", what);
    cr_expect_eq(a->stage, b->stage, "%s: slowest stage", what);
    cr_expect_eq(a->layers_per_stage, b->layers_per_stage, "%s", what);
}

Test(step_prepared, one_preparation_serves_every_layout_with_the_same_digits)
{
    /* A planner prepares Gemma 3 (local and global layers: two distinct layers) once and sweeps layouts; each
     * answer must be llmcost_step_compute's, which prepares afresh for every call. */
    llmcost_model *m = NULL;
    cr_assert_eq(llmcost_model_load(&m, "gemma-3-27b"), 0, "%s", llmcost_errmsg());
    const llmcost_gpu *g = llmcost_gpu_find("h100");
    llmcost_step_options o;
    llmcost_step_options_init(&o);
    o.seq = 4096;
    o.framework = LLMCOST_FW_MEGATRON;
    o.precision = LLMCOST_PREC_BF16_MASTER;
    o.cp_comm = LLMCOST_CP_ALLGATHER; /* the rings refuse its 1,024-token windows at cp > 1 (lc_cp_window_check) */
    llmcost_step_prepared *p = NULL;
    cr_assert_eq(llmcost_step_prepare(&p, m, &o), 0, "%s", llmcost_errmsg());
    const int64_t layouts[][4] = {{1, 1, 1, 8}, {2, 1, 1, 16}, {4, 4, 1, 64}, {8, 2, 1, 64}, {2, 8, 1, 64}, {4, 2, 2, 64}};
    for (size_t i = 0; i < sizeof layouts / sizeof layouts[0]; i++) {
        o.layout.tp = layouts[i][0];
        o.layout.pp = layouts[i][1];
        o.layout.cp = layouts[i][2];
        o.layout.gpus = layouts[i][3];
        o.layout.sequence_parallel = o.layout.tp > 1;
        o.layout.zero = 1;
        o.global_batch = 256;
        llmcost_step a, b;
        cr_assert_eq(llmcost_step_compute(&a, m, g, &o), 0, "%s", llmcost_errmsg());
        cr_assert_eq(llmcost_step_compute_prepared(&b, p, g, &o), 0, "%s", llmcost_errmsg());
        char what[64];
        snprintf(what, sizeof what, "tp %lld pp %lld cp %lld", (long long)o.layout.tp, (long long)o.layout.pp,
                 (long long)o.layout.cp);
        expect_same_step(&a, &b, what);
    }
    /* The shape it was prepared for cannot change: the field is named. */
    o.seq = 8192;
    llmcost_step s;
    cr_expect_eq(llmcost_step_compute_prepared(&s, p, g, &o), LLMCOST_EINVAL);
    cr_expect(strstr(llmcost_errmsg(), "seq") != NULL, "%s", llmcost_errmsg());
    llmcost_step_prepared_free(p);
    llmcost_model_free(m);
}

Test(published_runs, each_run_fits_or_is_a_known_miss_as_its_file_states)
{
    /* Issue 11 point 7: every published run (train --published and the validation set at scale) is checked for
     * memory under its stated layout; the engine's verdict is the one its file states; a known miss names its
     * missing mechanism. DeepSeek-V3 fits with its own mechanisms (test_memory.c derives them). */
    const char *files[] = {"data/validation/runs.json", "data/validation/runs_scale.json"};
    int runs = 0, misses = 0;
    bool dsv3 = false;
    for (int f = 0; f < 2; f++) {
        llmcost_published *p;
        size_t n;
        cr_assert_eq(llmcost_train_published_file(&p, &n, files[f], NULL), 0, "%s", llmcost_errmsg());
        for (size_t i = 0; i < n; i++) {
            if (i > 0 && !strcmp(p[i].name, p[i - 1].name))
                continue;
            runs++;
            cr_expect_eq(p[i].fits, p[i].stated_fits, "%s: needs %.2f GiB of %.2f, the file says it %s", p[i].name,
                         p[i].required_bytes / 1073741824.0, p[i].usable_bytes / 1073741824.0,
                         p[i].stated_fits ? "fits" : "does not");
            cr_expect_eq(p[i].fits, p[i].required_bytes <= p[i].usable_bytes, "%s", p[i].name);
            cr_expect_gt(p[i].usable_bytes, 0, "%s", p[i].name);
            if (!p[i].stated_fits) {
                misses++;
                cr_expect_gt(strlen(p[i].memory), 40, "%s: a known miss names its mechanism", p[i].name);
            }
            if (strstr(p[i].name, "DeepSeek-V3")) {
                dsv3 = true;
                cr_expect(p[i].fits && strstr(p[i].memory, "DualPipe") && strstr(p[i].memory, "E5M6"), "%s", p[i].memory);
            }
        }
        llmcost_free(p);
    }
    cr_expect_eq(runs, 13 + 36);
    cr_expect(dsv3);
    cr_expect_eq(misses, 7); /* 3 Llama 3 405B runs, 4 torchtitan runs (their files say why) */
}

/* ---- FP8 as kernels (issue 16 point 2) ---- */
#include "kernels.h"

/* The FP8 GEMM's own efficiency: tilelang's published FP8 GEMM benchmark (github.com/tile-ai/tilelang,
 * benchmark/matmul_fp8/README.md: M = N = 8192 on an H800 SXM, 1,979 TFLOP/s dense FP8) gives these TFLOP/s by K.
 * The kernel model, on the catalogue's H800, must give each within 4%, and at K = 256 FP8 must reach a lower
 * fraction of its peak than bf16 of its own (569 / 1979 = 29%: the k-overhead of a 1-byte reduction is not
 * bf16's), so FP8 is not bf16's fraction of a doubled peak. */
Test(fp8, gemm_efficiency_is_the_published_fp8_kernels)
{
    const llmcost_gpu *g = llmcost_gpu_find("h800");
    cr_assert_not_null(g);
    const double k[] = {256, 512, 1024, 2048, 4096, 8192, 16384};
    const double tflops[] = {569, 858, 1129, 1343, 1467, 1507, 1541};
    /* The benchmark is a burst (a short latency loop); a training step's GEMMs run at the sustained rate, the
     * H200's fp8 MSMF over its MAMF row (h-atscale: 1288.7 / 1453.4): the fit is compared before that factor. */
    double sus = lc_gemm_fp8_sustained();
    cr_expect(fabs(sus - 1288.7 / 1453.4) < 1e-12, "sustained factor %.6f", sus);
    for (int i = 0; i < 7; i++) {
        double s = lc_gemm_seconds(g, g->peak_flops[LLMCOST_DT_FP8], 8192, 8192, k[i], 1, 1, false);
        double fixed = lc_kernel_model_get()->gemm_fixed; /* compute-bound at every K here: time - fixed ~ 1/eta */
        double got = 2.0 * 8192 * 8192 * k[i] / (fixed + (s - fixed) * sus) / 1e12;
        cr_expect(fabs(got / tflops[i] - 1) < 0.04, "K %.0f: %.0f TFLOP/s, published %.0f", k[i], got, tflops[i]);
    }
    double s8 = lc_gemm_seconds(g, g->peak_flops[LLMCOST_DT_FP8], 8192, 8192, 256, 1, 1, false);
    double s16 = lc_gemm_seconds(g, g->peak_flops[LLMCOST_DT_BF16], 8192, 8192, 256, 1, 2, false);
    double f8 = 2.0 * 8192 * 8192 * 256 / s8 / g->peak_flops[LLMCOST_DT_FP8];
    double f16 = 2.0 * 8192 * 8192 * 256 / s16 / g->peak_flops[LLMCOST_DT_BF16];
    cr_expect(f8 < 0.8 * f16, "K 256: fp8 at %.2f of its peak, bf16 at %.2f", f8, f16);
}

/* P(X = x) for X ~ Binomial(N, p), straight from its formula (not the kernel model's recursion). */
static double binom_pmf(double N, double p, double x)
{
    return exp(lgamma(N + 1) - lgamma(x + 1) - lgamma(N - x + 1) + x * log(p) + (N - x) * log1p(-p));
}

/* Grouped expert GEMMs over routed tokens: each expert's rows X ~ Binomial(N, p), N tokens each picking it with
 * p = k / E (top-8 of 128: Qwen3-MoE, 1/16), and a grouped kernel sweeps ceil(X / tm) row tiles for it. */
Test(moe, grouped_gemm_row_tiles_follow_the_routing_spread)
{
    double p = 8.0 / 128;
    /* One token per expert on average (N = 16): no expert gets 64 tokens, so an expert sweeps one tile when any token
     * picks it: 1 - (15/16)^16 = 0.6439 tiles, fewer than the balanced 1 (empty experts sweep none). */
    cr_expect_float_eq(lc_routed_row_tiles(1, 128, p), 1 - pow(15.0 / 16, 16), 1e-12);
    /* 256 per expert (N = 4096), tiles of 256 rows: one tile, two when X > 256: 1 + P(X > 256). */
    double le = 0;
    for (double x = 0; x <= 256; x++)
        le += binom_pmf(4096, p, x);
    cr_expect_float_eq(lc_routed_row_tiles(256, 256, p), 1 + (1 - le), 1e-9);
    cr_expect(fabs(lc_routed_row_tiles(256, 256, p) - 1.4834) < 1e-4); /* half a tile more than balanced, nearly */
    /* 20,000 per expert, tiles of 64 (sd 137 > 64): the sum over the whole range against the closed form for a
     * remainder r = X mod 64 uniform on 0..63, ceil(X/64) = X/64 + (64 - r)/64 for r > 0: m/64 + 63/128. */
    double N = 20000 / p, e = 0;
    for (double x = 0; x <= 23000; x++)
        e += binom_pmf(N, p, x) * ceil(x / 64);
    cr_expect_float_eq(lc_routed_row_tiles(20000, 64, p), e, 1e-9 * e);
    cr_expect_float_eq(e, 20000.0 / 64 + 63.0 / 128, 1e-6);
    /* Exactly m rows (p = 1: every token picks every expert, or padding to a capacity): ceil(300 / 128) = 3. */
    cr_expect_float_eq(lc_routed_row_tiles(300, 128, 1), 3, 1e-15);
    /* A compute-bound grouped GEMM (16 experts x 256 rows x 1536 x 2048) takes longer routed than balanced: more
     * tiles for the same FLOPs. */
    const llmcost_gpu *g = llmcost_gpu_find("h100");
    double peak = g->peak_flops[LLMCOST_DT_BF16];
    double bal = lc_gemm_seconds(g, peak, 256, 1536, 2048, 16, 2, true);
    double routed = lc_grouped_gemm_seconds(g, peak, 256, 1536, 2048, 16, 2, p);
    cr_expect_gt(routed, bal * 1.05, "routed %g s, balanced %g s", routed, bal);
    cr_expect_float_eq(lc_grouped_gemm_seconds(g, peak, 256, 1536, 2048, 16, 2, 1), bal, 1e-15);
}

/* The kernels around each FP8 GEMM, derived here for one Llama layer (h 4096, f 14336, 32 heads without GQA) of one
 * 4,096-token sequence under megatron, tp 1: seven linear layers (q, k, v, o: h x h; gate, up: h x f; down:
 * f x h; the LM head stays bf16). Per-tensor current scaling: each operand's amax (read 2 bytes per element) and
 * its cast with the transposed copy (read 2, write 2), 6 bytes and 2 kernels per operand. Forward: inputs
 * T(6h + f) and weights 4h^2 + 3hf; backward: output gradients T(5h + 2f). Megatron casts each weight once per step
 * (TE's is_first_microbatch cache), the activations in every micro-batch: with 4 micro-batches fp8's memory-bound
 * time exceeds bf16-master's by 6 (4 T(6h + f + 5h + 2f) + 4h^2 + 3hf) / (bandwidth x copy efficiency) and
 * 4 x 28 + 14 kernels. */
Test(fp8, cast_amax_transpose_kernels_are_charged)
{
    const char *cfg = "{\"model_type\":\"llama\",\"hidden_size\":4096,\"intermediate_size\":14336,\"num_hidden_layers\":1,"
                      "\"num_attention_heads\":32,\"num_key_value_heads\":32,\"vocab_size\":32000,"
                      "\"max_position_embeddings\":4096}";
    llmcost_model *m;
    cr_assert_eq(llmcost_model_from_json(&m, cfg, strlen(cfg), "fp8 test"), 0, "%s", llmcost_errmsg());
    const llmcost_gpu *g = llmcost_gpu_find("h100");
    llmcost_step a, b;
    llmcost_step_options o = LLMCOST_STEP_OPTIONS_INIT;
    o.micro_batch = 1, o.seq = 4096, o.framework = LLMCOST_FW_MEGATRON, o.precision = LLMCOST_PREC_BF16_MASTER;
    o.global_batch = 4;
    cr_assert_eq(llmcost_step_compute(&a, m, g, &o), 0, "%s", llmcost_errmsg());
    o.precision = LLMCOST_PREC_FP8;
    cr_assert_eq(llmcost_step_compute(&b, m, g, &o), 0, "%s", llmcost_errmsg());
    const lc_kernel_model *k = lc_kernel_model_get();
    double T = 4096, h = 4096, f = 14336;
    double bytes = 6 * (4 * T * (6 * h + f + 5 * h + 2 * f) + 4 * h * h + 3 * h * f);
    double want = bytes / (g->memory_bw * k->copy_eta) + (4 * 28 + 14) * k->kernel_min;
    cr_assert_eq(b.micro_batches, 4);
    double got = b.components[LLMCOST_ST_MEMORY_BOUND] - a.components[LLMCOST_ST_MEMORY_BOUND];
    cr_expect(fabs(got / want - 1) < 1e-9, "fp8 adds %.6g s of memory-bound work, derived %.6g", got, want);
    /* MFU against both named peaks: the H100's 989.4 and 1,978.9 TFLOP/s dense (datasheet), so the fp8 figure is
     * the bf16 one x 989.4 / 1978.9, and llmcost_step.mfu stays the bf16 one. */
    llmcost_mfu_by_peak mp;
    cr_assert_eq(llmcost_step_mfu_by_peak(&mp, &b, g), 0);
    cr_expect_float_eq(mp.bf16, b.mfu, 1e-12);
    cr_expect_float_eq(mp.fp8, b.achieved_flops_per_gpu / 1978.9e12, 1e-9);
    cr_expect_float_eq(mp.bf16, b.achieved_flops_per_gpu / 989.4e12, 1e-9);
    cr_expect(isnan((llmcost_step_mfu_by_peak(&mp, &b, llmcost_gpu_find("a100-80gb")), mp.fp8)),
              "an A100 has no fp8 peak: NaN");
    llmcost_model_free(m);
}

Test(step_ssm, nemotron_h_blocks_all_reduce_once_each_way)
{
    /* Nemotron-H-8B's 52 blocks each hold one of a Mamba-2 mixer, attention or an MLP: under TP each block
     * all-reduces its output once forward and once backward (2 per block, not 4 per layer), plus 2 on the embedding
     * / head stage. b=1, s=4096, h=4096: 32 MiB per all-reduce. */
    llmcost_step_options o = LLMCOST_STEP_OPTIONS_INIT;
    o.framework = LLMCOST_FW_MEGATRON;
    o.seq = 4096;
    o.layout.tp = 8;
    llmcost_step s = run(src_path("tests/fixtures/configs/nemotron-h-8b.json"), "h100", &o);
    llmcost_comm_cost cc;
    llmcost_comm_group g = {8, 8};
    llmcost_comm_options co = LLMCOST_COMM_OPTIONS_INIT;
    cr_assert_eq(llmcost_comm_time(&cc, llmcost_gpu_find("h100"), LLMCOST_COLL_ALL_REDUCE, 4096.0 * 4096 * 2, &g, &co), 0);
    cr_expect_float_eq(s.components[LLMCOST_ST_TP_COMM], (2 * 52 + 2) * cc.seconds, 1e-12);
    /* The Mamba-2 mixers' SSD products run as GEMMs and the rest as kernels: every part of the step is priced. */
    cr_expect_gt(s.components[LLMCOST_ST_MATMUL], 0);
    cr_expect_gt(s.components[LLMCOST_ST_MEMORY_BOUND], 0);
}

Test(step_ssm, mamba_scan_is_a_fused_kernel_streamed_at_bandwidth)
{
    /* The selective scan and conv1d are single fused kernels (mamba_ssm, causal_conv1d) under either framework: the
     * ops say so (LLMCOST_OPF_FUSED_KERNEL), so the HF profile streams them at the copy rate rather than at eager
     * PyTorch's kernel mix; the step engine prices the model. */
    llmcost_model *m = load_model(src_path("tests/fixtures/configs/mamba-2.8b-hf.json"));
    llmcost_flops_options fo = LLMCOST_FLOPS_OPTIONS_INIT;
    llmcost_op *ops;
    size_t n;
    cr_assert_eq(llmcost_flops_ops(&ops, &n, m, &fo), 0);
    int fused = 0;
    for (size_t i = 0; i < n; i++)
        if (ops[i].layer == 0 && (ops[i].flags & LLMCOST_OPF_FUSED_KERNEL))
            fused++;
    cr_expect_eq(fused, 2); /* conv1d+silu, selective scan */
    llmcost_free(ops);
    llmcost_step_options o = LLMCOST_STEP_OPTIONS_INIT;
    cr_expect_eq(llmcost_step_compute(&(llmcost_step){0}, m, llmcost_gpu_find("h200"), &o), 0, "%s", llmcost_errmsg());

    llmcost_model_free(m);
}

/* Attention kernel generations (issue 16 point 4): a Llama 3 8B layer (GQA, head dim 128) at 16K under each kernel.
 * The attention time ratio of FlashAttention-2 to FlashAttention-3 is the ratio of their published H100 rates at
 * 16K, causal, head dim 128 (Shah et al. 2024, Figure 5: 616 vs 335 TFLOP/s forward; Figure 6: 561 vs 322 backward,
 * without mask), forward and backward together within 10%; FlashAttention-3 is refused off Hopper; eager computes
 * all s^2 pairs where the fused kernels skip the masked half, so it does at least twice the fused work. */
Test(step_attention, kernel_generations_at_their_published_rates)
{
    llmcost_step_options o = LLMCOST_STEP_OPTIONS_INIT;
    o.framework = LLMCOST_FW_MEGATRON;
    o.seq = 16384;
    o.attention = LLMCOST_ATTN_FLASH2;
    llmcost_step f2 = run("llama-3-8b", "h100", &o);
    o.attention = LLMCOST_ATTN_FLASH3;
    llmcost_step f3 = run("llama-3-8b", "h100", &o);
    double published = (616.0 / 335.0 + 561.0 / 322.0) / 2;
    double ratio = f2.components[LLMCOST_ST_ATTENTION] / f3.components[LLMCOST_ST_ATTENTION];
    cr_expect(fabs(ratio / published - 1) < 0.10, "flash2 / flash3 attention time %.3f, published %.3f", ratio,
              published);
    o.attention = LLMCOST_ATTN_EAGER;
    llmcost_step e = run("llama-3-8b", "h100", &o);
    cr_expect_gt(e.components[LLMCOST_ST_ATTENTION], 2 * f3.components[LLMCOST_ST_ATTENTION]);
    /* FlashAttention-2 on an A100 reaches 73% of the peak forward, 63% backward (Dao 2023): per FLOP of
     * attention the A100 run takes peak_H100 x eta_H100 / (peak_A100 x eta_A100) of the H100 one. */
    o.attention = LLMCOST_ATTN_FLASH2;
    llmcost_step a = run("llama-3-8b", "a100-80gb", &o);
    cr_expect_gt(a.components[LLMCOST_ST_ATTENTION], f2.components[LLMCOST_ST_ATTENTION]);
    llmcost_model *m;
    cr_assert_eq(llmcost_model_load(&m, "llama-3-8b"), 0);
    llmcost_step s;
    o.attention = LLMCOST_ATTN_FLASH3;
    cr_expect_eq(llmcost_step_compute(&s, m, llmcost_gpu_find("a100-80gb"), &o), LLMCOST_EINVAL);
    cr_expect(strstr(llmcost_errmsg(), "hopper") != NULL, "%s", llmcost_errmsg());
    llmcost_model_free(m);
}

/* ---- the step memo (internal, the planner's: src/internal.h) ---- */

typedef struct lc_step_memo lc_step_memo;
int lc_step_memo_new(lc_step_memo **out);
void lc_step_memo_free(lc_step_memo *mm);
void lc_step_memo_fixed_gpus(lc_step_memo *mm);
int lc_step_compute_memo(llmcost_step *out, const llmcost_step_prepared *prep, const llmcost_gpu *gpu,
                         const llmcost_step_options *opt, lc_step_memo *mm);

/* What the memo reuses (timed ops, stages, the layer and data-parallel collectives, the GPU check) follows the GPU:
 * the same layouts on one record, another record, and the first record changed in place (the memo compares it
 * field by field then) give llmcost_step_compute's figures to the last digit each time. */
Test(step_memo, reuse_follows_the_gpu_record)
{
    llmcost_model *m;
    cr_assert_eq(llmcost_model_load(&m, "llama-3.2-1b"), 0);
    llmcost_step_options o = LLMCOST_STEP_OPTIONS_INIT;
    o.seq = 2048, o.micro_batch = 1, o.global_batch = 64;
    o.framework = LLMCOST_FW_MEGATRON, o.precision = LLMCOST_PREC_BF16_MASTER;
    o.layout.gpus = 16, o.layout.tp = 2, o.layout.pp = 2, o.layout.dp = 4, o.layout.sequence_parallel = true;
    llmcost_step_prepared *prep;
    cr_assert_eq(llmcost_step_prepare(&prep, m, &o), 0, "%s", llmcost_errmsg());
    lc_step_memo *mm;
    cr_assert_eq(lc_step_memo_new(&mm), 0);
    llmcost_gpu g = *llmcost_gpu_find("h100");
    const llmcost_gpu *a100 = llmcost_gpu_find("a100-80gb");
    const llmcost_gpu *seq[] = {&g, &g, a100, &g, &g};
    for (int i = 0; i < 5; i++) {
        if (i == 3) /* the record changed where it lies: half the network, a tenth of NVLink */
            g.scaleout_bw /= 2, g.scaleup_bw /= 10;
        for (int zero = 0; zero <= 3; zero++)
            for (int ov = 0; ov < 2; ov++) {
                o.layout.zero = zero, o.layout.tp_overlap = ov;
                llmcost_step want, got;
                cr_assert_eq(llmcost_step_compute(&want, m, seq[i], &o), 0, "%s", llmcost_errmsg());
                cr_assert_eq(lc_step_compute_memo(&got, prep, seq[i], &o, mm), 0, "%s", llmcost_errmsg());
                cr_assert_eq(got.step_seconds, want.step_seconds, "call %d zero %d overlap %d: %.17g, engine %.17g",
                             i, zero, ov, got.step_seconds, want.step_seconds);
                for (int k = 0; k < LLMCOST_ST_COUNT; k++)
                    cr_assert_eq(got.components[k], want.components[k], "call %d zero %d component %d", i, zero, k);
            }
    }
    lc_step_memo_free(mm);
    llmcost_step_prepared_free(prep);
    llmcost_model_free(m);
}

Test(step_ssm, jamba_mixer_fused_kernels_and_eager_norms)
{
    /* Jamba's mixer with the kernels installed: causal_conv1d_fn and selective_scan_fn are the only fused kernels
     * (streamed at the copy rate); its three RMSNorms (LlamaRMSNorm's 7 kernels each) and the scan's four input
     * copies (dt, z, B, C) are eager PyTorch ops; the step engine prices the model. */
    llmcost_model *m = load_model(src_path("tests/fixtures/configs/jamba-1.5-mini.json"));
    llmcost_flops_options fo = LLMCOST_FLOPS_OPTIONS_INIT;
    llmcost_op *ops;
    size_t n;
    cr_assert_eq(llmcost_flops_ops(&ops, &n, m, &fo), 0, "%s", llmcost_errmsg());
    int fused = 0, norm_kernels = 0, copy_kernels = 0;
    for (size_t i = 0; i < n; i++) {
        if (ops[i].layer != 0)
            continue;
        if (ops[i].flags & LLMCOST_OPF_FUSED_KERNEL)
            fused++;
        else if (strstr(ops[i].name, "_layernorm") && strcmp(ops[i].name, "input_layernorm"))
            norm_kernels += (int)ops[i].kernels;
        else if (strstr(ops[i].name, "contiguous"))
            copy_kernels += (int)ops[i].kernels;
    }
    cr_expect_eq(fused, 2); /* conv1d+silu, selective scan */
    cr_expect_eq(norm_kernels, 3 * 7);
    cr_expect_eq(copy_kernels, 4);
    llmcost_free(ops);
    llmcost_step_options o = LLMCOST_STEP_OPTIONS_INIT;
    o.seq = 4096;
    llmcost_step s;
    cr_expect_eq(llmcost_step_compute(&s, m, llmcost_gpu_find("h200"), &o), 0, "%s", llmcost_errmsg());
    cr_expect_gt(s.components[LLMCOST_ST_MEMORY_BOUND], 0);
    cr_expect_gt(s.components[LLMCOST_ST_MATMUL], s.components[LLMCOST_ST_MEMORY_BOUND]);
    llmcost_model_free(m);
}

Test(step_ssm, gated_deltanet_kernels_fused_and_products_as_gemms)
{
    /* Qwen3-Next-80B-A3B's Gated DeltaNet layer 0 with flash-linear-attention and causal_conv1d: conv1d+SiLU, the
     * q/k l2norm, the chunk kernels' own traffic and the gated norm are fused kernels (4); the chunked delta rule's
     * seven batched products are timed through the GEMM model; the step engine prices the model. */
    llmcost_model *m = load_model(src_path("tests/fixtures/configs/qwen3-next-80b-a3b.json"));
    llmcost_flops_options fo = LLMCOST_FLOPS_OPTIONS_INIT;
    llmcost_op *ops;
    size_t n;
    cr_assert_eq(llmcost_flops_ops(&ops, &n, m, &fo), 0, "%s", llmcost_errmsg());
    int fused = 0, products = 0;
    for (size_t i = 0; i < n; i++) {
        if (ops[i].layer != 0)
            continue;
        fused += (ops[i].flags & LLMCOST_OPF_FUSED_KERNEL) != 0;
        products += ops[i].kind == LLMCOST_OP_MATMUL && !strncmp(ops[i].name, "gdn ", 4);
    }
    cr_expect_eq(fused, 4);
    cr_expect_eq(products, 7);
    llmcost_free(ops);
    llmcost_step_options o = LLMCOST_STEP_OPTIONS_INIT;
    o.seq = 4096;
    llmcost_step s;
    cr_expect_eq(llmcost_step_compute(&s, m, llmcost_gpu_find("h200"), &o), 0, "%s", llmcost_errmsg());
    cr_expect_gt(s.components[LLMCOST_ST_MATMUL], 0);
    llmcost_model_free(m);
}

/* The bytes of Qwen3-Next's "qkvz reorder+cat" per token and GDN layer, forward (backward the same), from the dims:
 * fix_query_key_value_ordering copies q, k, v, z (2GK + 2d) and b, a (2H), torch.cat writes q, k, v again
 * (conv_dim = 2GK + d); each element read and written in the compute dtype (ab bytes). */
static double qkvz_reorder_bytes(const llmcost_ssm *ss, double ab)
{
    double key = (double)(ss->n_groups * ss->d_state), d = (double)ss->d_inner, H = (double)ss->n_heads;
    double conv = 2 * key + d;
    return 2 * ab * (conv + d + 2 * H + conv);
}

/* Layers of "m" with a Gated DeltaNet mixer carrying op "name", and the bytes of the first one's op. */
static int gdn_layers_with(const llmcost_op *ops, size_t n, const char *name, double *bytes, double *bwd_bytes)
{
    int k = 0;
    for (size_t i = 0; i < n; i++)
        if (!strcmp(ops[i].name, name)) {
            if (!k)
                *bytes = ops[i].bytes, *bwd_bytes = ops[i].bwd_bytes;
            k++;
        }
    return k;
}

Test(step_ssm, qwen3_5_runs_no_qkvz_reorder)
{
    /* Qwen3_5GatedDeltaNet (modeling_qwen3_5.py) reads four Linears: in_proj_qkv's output goes to the conv as a
     * transposed view, z's reshape and b, a are views: no fix_query_key_value_ordering, no cat. Qwen3.5-0.8B: 24
     * layers, 18 Gated DeltaNet (G 16 x K 128, H 16 x V 128: d 2048, conv_dim 6144). */
    llmcost_model *m = load_model("qwen3.5-0.8b");
    llmcost_ssm *ss = &m->ssm[0];
    cr_assert(ss->split_proj);
    cr_assert_eq(ss->n_groups * ss->d_state, 2048);
    cr_assert_eq(ss->d_inner, 2048);
    cr_assert_eq(ss->n_heads, 16);
    int gdn = 0;
    for (int64_t i = 0; i < m->n_layers; i++)
        gdn += llmcost_layer_ssm(m, &m->layers[i]) != NULL;
    cr_assert_eq(gdn, 18);
    llmcost_step_options o = LLMCOST_STEP_OPTIONS_INIT; /* bf16, one sequence of 2048, HF eager */
    llmcost_flops_options fo = LLMCOST_FLOPS_OPTIONS_INIT;
    fo.seq = o.seq;
    llmcost_op *ops;
    size_t n;
    double b = 0, bb = 0;
    cr_assert_eq(llmcost_flops_ops(&ops, &n, m, &fo), 0, "%s", llmcost_errmsg());
    cr_expect_eq(gdn_layers_with(ops, n, "qkvz reorder+cat", &b, &bb), 0);
    llmcost_free(ops);
    const llmcost_gpu *g = llmcost_gpu_find("h100");
    cr_assert(g);
    llmcost_step split, fused;
    cr_assert_eq(llmcost_step_compute(&split, m, g, &o), 0, "%s", llmcost_errmsg());
    /* The same model with Qwen3-Next's fused projections (in_proj_qkvz, in_proj_ba): the op is back, once per GDN
     * layer, with the bytes the dims give: 2 x 2 x (6144 + 2048 + 32 + 6144) = 57,472 per token each way. */
    ss->split_proj = false;
    double T = (double)o.seq, want = T * qkvz_reorder_bytes(ss, 2);
    cr_expect_eq(want, 2048.0 * 57472);
    cr_assert_eq(llmcost_flops_ops(&ops, &n, m, &fo), 0, "%s", llmcost_errmsg());
    cr_expect_eq(gdn_layers_with(ops, n, "qkvz reorder+cat", &b, &bb), gdn);
    cr_expect_eq(b, want);
    cr_expect_eq(bb, want);
    llmcost_free(ops);
    cr_assert_eq(llmcost_step_compute(&fused, m, g, &o), 0, "%s", llmcost_errmsg());
    /* Memory-bound time: that op's bytes at the eager transpose rate, and its 7 kernels, forward and backward, in
     * each GDN layer; nothing else element-wise moves (bf16: no autocast casts per GEMM). */
    double bw = lc_memory_bw(g) * lc_eager_mix_eta("transpose"), kmin = lc_kernel_model_get()->kernel_min;
    double op_s = 2 * (want / bw + 7 * kmin);
    double drop = fused.components[LLMCOST_ST_MEMORY_BOUND] - split.components[LLMCOST_ST_MEMORY_BOUND];
    cr_expect(fabs(drop / (gdn * op_s) - 1) < 1e-9, "drop %.9g s, want %d x %.9g s", drop, gdn, op_s);
    llmcost_model_free(m);
}

Test(step_ssm, qwen3_next_keeps_qkvz_reorder)
{
    /* Qwen3NextGatedDeltaNet runs fix_query_key_value_ordering and the cat. Qwen3-Next-80B-A3B: 48 layers, 36 Gated
     * DeltaNet (G 16 x K 128, H 32 x V 128: d 4096, conv_dim 8192): 2 x 2 x (8192 + 4096 + 64 + 8192) = 82,176
     * bytes per token and layer each way, 7 kernels each way. */
    llmcost_model *m = load_model(src_path("tests/fixtures/configs/qwen3-next-80b-a3b.json"));
    const llmcost_ssm *ss = &m->ssm[0];
    cr_assert(!ss->split_proj);
    llmcost_flops_options fo = LLMCOST_FLOPS_OPTIONS_INIT;
    llmcost_op *ops;
    size_t n;
    double b = 0, bb = 0;
    cr_assert_eq(llmcost_flops_ops(&ops, &n, m, &fo), 0, "%s", llmcost_errmsg());
    double want = (double)fo.batch * (double)fo.seq * qkvz_reorder_bytes(ss, 2);
    cr_expect_eq(want, (double)fo.batch * (double)fo.seq * 82176);
    cr_expect_eq(gdn_layers_with(ops, n, "qkvz reorder+cat", &b, &bb), 36);
    cr_expect_eq(b, want);
    cr_expect_eq(bb, want);
    for (size_t i = 0; i < n; i++)
        if (!strcmp(ops[i].name, "qkvz reorder+cat")) {
            cr_expect_eq(ops[i].kernels, 7);
            cr_expect_eq(ops[i].bwd_kernels, 7);
        }
    llmcost_free(ops);
    llmcost_model_free(m);
}

/* ---- h16o: CP ring and PP sends overlapped, DeepSeek-V3's node-limited, node-forwarded all-to-all ---- */

/* Ring attention step by step: the attention of A seconds in cp equal blocks, block 0 on the rank's own keys and
 * values; transfer i (1 .. cp-1, c seconds each, one after the other on the link) brings block i. Block i starts
 * when block i-1 is done and transfer i has arrived. Returns the seconds past A. */
static double simulate_cp_ring(double c, double A, int cp)
{
    double a = A / cp, end = a, arrived = 0;
    for (int i = 1; i < cp; i++) {
        arrived += c; /* transfer i forwards what transfer i-1 brought: it leaves when that arrives */
        end = fmax(end, arrived) + a;
    }
    return end - A;
}

Test(step_mechanisms, cp_ring_hides_each_transfer_behind_one_block)
{
    /* Closed form (docs/formulas.md, Overlap): (cp - 1) max(0, c - A/cp). cp 4, A = 8 ms: blocks of 2 ms. A 1 ms
     * transfer hides; a 3 ms one shows 1 ms at each of the 3 steps. */
    cr_expect_float_eq(lc_cp_ring_exposed(1e-3, 8e-3, 4, 0), 0, 1e-15);
    cr_expect_float_eq(lc_cp_ring_exposed(3e-3, 8e-3, 4, 0), 3e-3, 1e-15);
    cr_expect_float_eq(lc_cp_ring_exposed(3e-3, 8e-3, 1, 0), 0, 1e-15); /* no ring */
    /* On an H100 the hidden sends hold NCCL's 16 of 132 SMs: 3 x 1 ms hidden (1 ms transfers), 3 x 2 ms (3 ms ones:
     * 2 ms behind each block, 1 ms after it). */
    cr_expect_float_eq(lc_cp_ring_exposed(1e-3, 8e-3, 4, 132), 3e-3 * 16 / 132, 1e-15);
    cr_expect_float_eq(lc_cp_ring_exposed(3e-3, 8e-3, 4, 132), 3e-3 + 6e-3 * 16 / 132, 1e-15);
    const double ca[][2] = {{1, 10}, {4, 4}, {10, 1}, {3, 7}, {2, 16}};
    for (int i = 0; i < 5; i++)
        for (int cp = 2; cp <= 16; cp *= 2)
            cr_expect_float_eq(lc_cp_ring_exposed(ca[i][0], ca[i][1], cp, 0), simulate_cp_ring(ca[i][0], ca[i][1], cp),
                               1e-9, "c %g A %g cp %d", ca[i][0], ca[i][1], cp);
}

Test(step_mechanisms, pp_sends_overlap_only_under_the_interleaved_schedule)
{
    /* v = 4 chunks, 8 ms of compute: 2 ms per chunk. 3 ms sends show 1 ms each under overlap_p2p_comm, all 3 ms
     * when they block (v = 1 in Megatron: batch_p2p_comm). */
    cr_expect_float_eq(lc_pp_p2p_exposed(3e-3, 8e-3, 4, true, 0), 4e-3, 1e-15); /* SMs unknown: no share */
    /* The hidden part takes NCCL's 16 SMs of 132: 4 sends x 2 ms hidden, 8 ms x 16/132 on top of the 4 ms. */
    cr_expect_float_eq(lc_pp_p2p_exposed(3e-3, 8e-3, 4, true, 132), 4e-3 + 8e-3 * 16 / 132, 1e-15);
    cr_expect_float_eq(lc_pp_p2p_exposed(1e-3, 8e-3, 4, true, 132), 4e-3 * 16 / 132, 1e-15);
    cr_expect_float_eq(lc_pp_p2p_exposed(3e-3, 8e-3, 1, false, 132), 3e-3, 1e-15); /* blocking: no overlap */
    /* Through the step engine: llama-2-7b on 4 H100 stages. With v = 1 the pipeline part is the 2 sends per
     * micro-batch; with v = 2 the 4 sends hide behind 16 layers' compute. */
    llmcost_step_options o = LLMCOST_STEP_OPTIONS_INIT;
    o.framework = LLMCOST_FW_MEGATRON;
    o.seq = 4096;
    o.layout.pp = 4;
    o.layout.dp = 1;
    o.global_batch = 8; /* 8 micro-batches */
    llmcost_step s1 = run("llama-2-7b", "h100", &o);
    llmcost_comm_cost cc;
    llmcost_comm_group g = {2, 2}; /* stages 1 rank apart: the same node */
    llmcost_comm_options co = LLMCOST_COMM_OPTIONS_INIT;
    cr_assert_eq(llmcost_comm_time(&cc, llmcost_gpu_find("h100"), LLMCOST_COLL_P2P, 4096.0 * 4096 * 2, &g, &co), 0);
    cr_expect_float_eq(s1.components[LLMCOST_ST_PP_COMM], 8 * 2 * cc.seconds, 1e-12);
    cr_expect_float_eq(s1.comm_total[LLMCOST_ST_PP_COMM], 8 * 2 * cc.seconds, 1e-12);
    o.layout.vpp = 2;
    llmcost_step s2 = run("llama-2-7b", "h100", &o);
    /* All 4 sends per micro-batch hidden, at NCCL's 16 of the H100's 132 SMs. */
    cr_expect_float_eq(s2.components[LLMCOST_ST_PP_COMM], 8 * 4 * cc.seconds * 16 / 132, 1e-12);
    cr_expect_float_eq(s2.comm_total[LLMCOST_ST_PP_COMM], 8 * 4 * cc.seconds, 1e-12); /* before overlap: all 4 */
}

/* Bucket by bucket: bucket i (1 .. nb-1) of share f ready at B*i*f, the last at B; each reduced after the one
 * before it. Returns how long after backward the last reduction ends. */
static double simulate_buckets(double B, int nb, double f, double cf, double cl)
{
    double end = 0;
    for (int i = 1; i <= nb; i++) {
        double ready = i < nb ? B * i * f : B;
        end = fmax(end, ready) + (i < nb ? cf : cl);
    }
    return end - B;
}

Test(step_mechanisms, dp_buckets_hide_behind_the_backward_that_follows_them)
{
    /* Backward of 10 ms, 4 buckets: 3 full of 0.3 of the gradients (2 ms each to reduce), the last 0.1 (1 ms).
     * Ready at 3, 6, 9 and 10 ms. Reductions: 3-5, 6-8, 9-11, then the last from max(10, 11) = 11 to 12:
     * 2 ms after backward. Closed form: c_last + max(0, B f + (nb-1) c - B, c - B (1 - (nb-1) f))
     * = 1 + max(0, 3 + 6 - 10, 2 - 1) = 2 ms. The other 7 - 2 = 5 ms ran beside backward on 16 of 132 SMs. */
    cr_expect_float_eq(lc_dp_bucket_exposed(10e-3, 4, 0.3, 2e-3, 1e-3, 0), 2e-3, 1e-15);
    cr_expect_float_eq(lc_dp_bucket_exposed(10e-3, 4, 0.3, 2e-3, 1e-3, 132), 2e-3 + 5e-3 * 16 / 132, 1e-15);
    /* Communication-bound, 5 ms a full bucket: 3-8, 8-13, 13-18, 18-19: 9 ms after backward (1 + 3 + 15 - 10). */
    cr_expect_float_eq(lc_dp_bucket_exposed(10e-3, 4, 0.3, 5e-3, 1e-3, 0), 9e-3, 1e-15);
    /* One bucket waits for the whole backward: all of it exposed, nothing beside compute. */
    cr_expect_float_eq(lc_dp_bucket_exposed(10e-3, 1, 1, 4e-3, 4e-3, 132), 4e-3, 1e-15);
    const double ca[][4] = {{10, 0.3, 2, 1}, {10, 0.05, 0.2, 0.1}, {1, 0.1, 3, 0.5}, {7, 0.24, 1.6, 0.3}, {5, 0.5, 1, 1}};
    for (int i = 0; i < 5; i++) {
        int nb = (int)ceil(1 / ca[i][1] - 1e-9);
        cr_expect_float_eq(lc_dp_bucket_exposed(ca[i][0], nb, ca[i][1], ca[i][2], ca[i][3], 0),
                           simulate_buckets(ca[i][0], nb, ca[i][1], ca[i][2], ca[i][3]), 1e-12, "case %d", i);
    }
}

/* The bucket count through the step engine: llama-2-7b (6,738,415,616 parameters) on 16 H100, DP 16, bf16 gradients
 * (2 bytes). The DP part before overlap is the sum of the buckets' reductions, each timed as its own collective:
 *   Megatron: max(40M, 1M x 16) = 40,000,000 parameters a bucket: ceil(6738415616 / 4e7) = 169 buckets, 168 full
 *     and the last 38,415,616 parameters;
 *   PyTorch DDP (hf, no ZeRO): 25 MiB / 2 bytes = 13,107,200 a bucket: ceil(514.09) = 515, the last 1,245,416;
 *   ZeRO-3 (FSDP): one reduce-scatter per decoder layer, 32 of 6738415616 / 32 each, per micro-batch. */
Test(step_mechanisms, dp_gradients_reduce_in_the_frameworks_buckets)
{
    const llmcost_gpu *g = llmcost_gpu_find("h100");
    llmcost_comm_options co = LLMCOST_COMM_OPTIONS_INIT;
    llmcost_comm_group gd = llmcost_comm_group_of(16, 1, g->scaleup_size); /* 8 per node, 2 nodes */
    double N = 6738415616.0;
    llmcost_comm_cost full, last;
    llmcost_step_options o = LLMCOST_STEP_OPTIONS_INIT;
    o.seq = 2048;
    o.layout.gpus = 16;
    o.framework = LLMCOST_FW_MEGATRON;
    llmcost_step s = run("llama-2-7b", "h100", &o);
    cr_assert_eq(s.param_bytes.gradients, 2);
    cr_assert_eq(llmcost_comm_time(&full, g, LLMCOST_COLL_ALL_REDUCE, 4e7 * 2, &gd, &co), 0);
    cr_assert_eq(llmcost_comm_time(&last, g, LLMCOST_COLL_ALL_REDUCE, (N - 168 * 4e7) * 2, &gd, &co), 0);
    cr_expect_float_eq(s.comm_total[LLMCOST_ST_DP_COMM], 168 * full.seconds + last.seconds, 1e-9);
    /* What shows is less than the sum: all but the tail runs behind backward. */
    cr_expect_lt(s.components[LLMCOST_ST_DP_COMM], s.comm_total[LLMCOST_ST_DP_COMM]);
    o.framework = LLMCOST_FW_HF;
    s = run("llama-2-7b", "h100", &o);
    cr_assert_eq(llmcost_comm_time(&full, g, LLMCOST_COLL_ALL_REDUCE, 13107200.0 * 2, &gd, &co), 0);
    cr_assert_eq(llmcost_comm_time(&last, g, LLMCOST_COLL_ALL_REDUCE, (N - 514 * 13107200.0) * 2, &gd, &co), 0);
    cr_expect_float_eq(s.comm_total[LLMCOST_ST_DP_COMM], 514 * full.seconds + last.seconds, 1e-9);
    o.layout.zero = 3;
    s = run("llama-2-7b", "h100", &o);
    llmcost_comm_cost ag;
    cr_assert_eq(llmcost_comm_time(&full, g, LLMCOST_COLL_REDUCE_SCATTER, N / 32 * 2, &gd, &co), 0);
    cr_assert_eq(llmcost_comm_time(&ag, g, LLMCOST_COLL_ALL_GATHER, N * 2, &gd, &co), 0);
    cr_expect_float_eq(s.comm_total[LLMCOST_ST_DP_COMM], (double)s.micro_batches * (32 * full.seconds + 2 * ag.seconds),
                       1e-9);
}

/* --ddp-bucket-size (job version 6, step options 4, job spec 7, plan options 7): Megatron-LM's bucket of N parameters
 * in place of the framework's default. llama-2-7b on 16 H100, Megatron, 100,000,000 a bucket:
 * ceil(6738415616 / 1e8) = 68 buckets, 67 full and the last 38,415,616 parameters, 2 bytes a gradient. */
Test(step_mechanisms, ddp_bucket_size_is_a_job_option_on_every_face)
{
    const llmcost_gpu *g = llmcost_gpu_find("h100");
    llmcost_comm_options co = LLMCOST_COMM_OPTIONS_INIT;
    llmcost_comm_group gd = llmcost_comm_group_of(16, 1, g->scaleup_size);
    llmcost_comm_cost full, last;
    cr_assert_eq(llmcost_comm_time(&full, g, LLMCOST_COLL_ALL_REDUCE, 1e8 * 2, &gd, &co), 0);
    cr_assert_eq(llmcost_comm_time(&last, g, LLMCOST_COLL_ALL_REDUCE, 38415616.0 * 2, &gd, &co), 0);
    llmcost_step_options o = LLMCOST_STEP_OPTIONS_INIT;
    o.seq = 2048;
    o.layout.gpus = 16;
    o.framework = LLMCOST_FW_MEGATRON;
    o.ddp_bucket_size = 100000000;
    llmcost_step s = run("llama-2-7b", "h100", &o);
    cr_expect_float_eq(s.comm_total[LLMCOST_ST_DP_COMM], 67 * full.seconds + last.seconds, 1e-9);
    /* The job spec (CLI, JSON request, Python, web) reads it; the job's step is the options' step. */
    llmcost_model *m;
    cr_assert_eq(llmcost_model_load(&m, "llama-2-7b"), 0);
    llmcost_job_spec sp;
    llmcost_job_spec_init(&sp);
    cr_assert_eq(llmcost_job_spec_set(&sp, "ddp_bucket_size", "100000000"), 0, "%s", llmcost_errmsg());
    cr_assert_eq(llmcost_job_spec_set(&sp, "framework", "megatron"), 0);
    cr_assert_eq(llmcost_job_spec_set(&sp, "gpus", "16"), 0);
    cr_assert_eq(llmcost_job_spec_set(&sp, "seq", "2048"), 0);
    llmcost_job j;
    cr_assert_eq(llmcost_job_spec_resolve(&j, &sp, m, NULL, 0), 0, "%s", llmcost_errmsg());
    cr_expect_eq(j.ddp_bucket_size, 100000000);
    llmcost_step js;
    cr_assert_eq(llmcost_job_step(&js, m, g, &j), 0, "%s", llmcost_errmsg());
    cr_expect_float_eq(js.comm_total[LLMCOST_ST_DP_COMM], s.comm_total[LLMCOST_ST_DP_COMM], 1e-12);
    /* ... and so does a request, as the CLI's --ddp-bucket-size */
    char *json = NULL;
    cr_assert_eq(llmcost_request(&json, "step", "{\"model\": \"llama-2-7b\", \"gpu\": \"h100\", \"gpus\": \"16\", "
                                 "\"seq\": \"2048\", \"framework\": \"megatron\", \"ddp_bucket_size\": \"100000000\"}"),
                 0, "%s", llmcost_errmsg());
    json_t *doc = json_loads(json, 0, NULL);
    cr_assert(doc);
    cr_expect_eq(json_real_value(json_object_get(doc, "step_seconds")), js.step_seconds);
    json_decref(doc);
    free(json);
    /* the planner's options carry it from version 7; an older options struct refuses it by name */
    llmcost_plan_options po = LLMCOST_PLAN_OPTIONS_INIT;
    cr_assert_eq(llmcost_plan_options_from_spec(&po, &sp), 0, "%s", llmcost_errmsg());
    cr_expect_eq(po.ddp_bucket_size, 100000000);
    llmcost_plan_options old = LLMCOST_PLAN_OPTIONS_INIT;
    old.version = 6;
    cr_expect_eq(llmcost_plan_options_from_spec(&old, &sp), LLMCOST_EUNSUPPORTED);
    cr_expect(strstr(llmcost_errmsg(), "ddp_bucket_size") != NULL, "%s", llmcost_errmsg());
    /* a version-6 spec has no room for it */
    llmcost_job_spec s6;
    llmcost_job_spec_init(&s6);
    s6.version = 6;
    cr_expect_eq(llmcost_job_spec_set(&s6, "ddp_bucket_size", "100000000"), LLMCOST_EINVAL);
    /* FSDP / ZeRO-3 reduces per layer: refused, naming the field */
    j.layout.zero = 3;
    cr_expect_eq(llmcost_job_step(&js, m, g, &j), LLMCOST_EUNSUPPORTED);
    cr_expect(strstr(llmcost_errmsg(), "ddp_bucket_size") != NULL, "%s", llmcost_errmsg());
    /* a version-3 step options struct is read without it: the framework's default, 169 buckets */
    o.version = 3;
    o.ddp_bucket_size = 100000000; /* not read: a version-3 caller's struct ends before it */
    llmcost_step s3 = run("llama-2-7b", "h100", &o);
    cr_assert_eq(llmcost_comm_time(&full, g, LLMCOST_COLL_ALL_REDUCE, 4e7 * 2, &gd, &co), 0);
    cr_assert_eq(llmcost_comm_time(&last, g, LLMCOST_COLL_ALL_REDUCE, (6738415616.0 - 168 * 4e7) * 2, &gd, &co), 0);
    cr_expect_float_eq(s3.comm_total[LLMCOST_ST_DP_COMM], 168 * full.seconds + last.seconds, 1e-9);
    llmcost_model_free(m);
}

/* E[distinct units] by enumeration: every choice of M groups, every K-subset of their experts, equally likely. */
static double enumerate_units(int E, int K, int G, int M, int units)
{
    int per_g = E / G, per_u = E / units;
    double sum = 0, count = 0;
    for (unsigned gs = 0; gs < (1u << G); gs++) {
        if (__builtin_popcount(gs) != M)
            continue;
        int pool[64], P = 0;
        for (int e = 0; e < E; e++)
            if (gs >> (e / per_g) & 1)
                pool[P++] = e;
        for (unsigned es = 0; es < (1u << P); es++) {
            if (__builtin_popcount(es) != K)
                continue;
            unsigned touched = 0;
            for (int i = 0; i < P; i++)
                if (es >> i & 1)
                    touched |= 1u << (pool[i] / per_u);
            sum += __builtin_popcount(touched);
            count++;
        }
    }
    return sum / count;
}

Test(step_mechanisms, expected_nodes_a_token_reaches_under_group_limited_routing)
{
    /* DeepSeek-V3 (§2.1.2): 256 experts in 8 groups, top 4 groups, 8 experts, EP64 over 8 nodes: one group per
     * node, so a token reaches one of its 4 groups' nodes unless its 8 experts (of the 128 in them) all miss the
     * node's 32: E[D] = 8 x 4/8 x (1 - C(96,8)/C(128,8)). Unrestricted: 8 x (1 - C(224,8)/C(256,8)). */
    double miss_g = 1, miss_all = 1, miss_rank = 1;
    for (int i = 0; i < 8; i++) {
        miss_g *= (96.0 - i) / (128.0 - i);
        miss_all *= (224.0 - i) / (256.0 - i);
        miss_rank *= (124.0 - i) / (128.0 - i); /* a rank's 4 experts, its group chosen */
    }
    cr_expect_float_eq(lc_moe_expected_units(256, 8, 8, 4, 8), 4 * (1 - miss_g), 1e-12);
    cr_expect_float_eq(lc_moe_expected_units(256, 8, 0, 0, 8), 8 * (1 - miss_all), 1e-12);
    cr_expect_float_eq(lc_moe_expected_units(256, 8, 8, 4, 64), 64 * 0.5 * (1 - miss_rank), 1e-12);
    cr_expect_float_eq(lc_moe_expected_units(256, 8, 8, 4, 8), 3.6290, 1e-4); /* about 3.63 of at most 4 nodes */
    /* Groups and units that do not nest, and small cases, against enumeration. */
    const int cases[][5] = {{6, 2, 2, 1, 3}, {12, 3, 4, 2, 3}, {12, 2, 3, 2, 4}, {16, 4, 4, 2, 8}, {8, 3, 1, 1, 4},
                            {12, 4, 6, 3, 2}};
    for (int i = 0; i < 6; i++) {
        const int *c = cases[i];
        cr_expect_float_eq(lc_moe_expected_units(c[0], c[1], c[2], c[3], c[4]),
                           enumerate_units(c[0], c[1], c[2], c[3], c[4]), 1e-12, "case %d", i);
    }
    cr_expect_float_eq(lc_moe_expected_units(6, 2, 2, 1, 3), 5.0 / 3, 1e-12); /* by hand: {0,1,2}: 1, 2, 2 */
    cr_expect_eq(lc_moe_expected_units(10, 2, 0, 0, 4), 0); /* 4 ranks cannot hold 10 experts evenly */
}

Test(step_mechanisms, forwarded_all_to_all_sends_each_token_once_per_node)
{
    /* 64 ranks, 8 per node, 50 GB/s network and 160 GB/s NVLink at efficiency 1, no latency: 1 GB of tokens
     * reaching 3.6 nodes and 7.3 ranks: network 3.6 x 7/8 GB / 50 GB/s = 63 ms, the NVLink leg 7.3 GB (the rank's
     * own copy too, as DeepEP's buffers carry it) / 160 = 45.6 ms: the network's. */
    llmcost_gpu g = *llmcost_gpu_find("h800");
    g.scaleout_bw = 50e9;
    g.scaleup_bw = 160e9;
    llmcost_comm_options co = LLMCOST_COMM_OPTIONS_INIT;
    co.scaleup_efficiency = co.scaleout_efficiency = 1;
    co.scaleup_latency = co.scaleout_latency = 0;
    llmcost_comm_group grp = {64, 8};
    llmcost_comm_cost cc;
    cr_assert_eq(lc_comm_forwarded_a2a(&cc, &g, 1e9, 3.6, 7.3, &grp, &co), 0);
    cr_expect_float_eq(cc.scaleout_bytes, 3.6 * 7 / 8 * 1e9, 1e-3);
    cr_expect_float_eq(cc.scaleup_bytes, 7.3 * 1e9, 1e-3);
    cr_expect_float_eq(cc.seconds, 3.6 * 7 / 8 * 1e9 / 50e9, 1e-15);
}

Test(step_mechanisms, deepseek_v3_routes_to_at_most_four_nodes)
{
    llmcost_model *m;
    cr_assert_eq(llmcost_model_load(&m, "deepseek-v3"), 0);
    cr_expect_eq(m->moe_n_group, 8); /* config.json: n_group 8, topk_group 4 */
    cr_expect_eq(m->moe_topk_group, 4);
    llmcost_model_free(m);
    cr_assert_eq(llmcost_model_load(&m, "kimi-k2"), 0);
    cr_expect_eq(m->moe_n_group, 0); /* n_group 1: unrestricted */
    llmcost_model_free(m);
    cr_assert_eq(llmcost_model_load(&m, "mixtral-8x7b"), 0);
    cr_expect_eq(m->moe_n_group, 0);
    llmcost_model_free(m);
    /* In the step: DeepSeek-V3 on 2,048 H800 as its report lays it out, --ep-overlap. Each all-to-all (4 per MoE
     * layer, 58 MoE layers over 16 stages; the last stage's 3 or 4) carries each of the 4,096 tokens' 7168 bf16
     * values once to each other node reached, E[D] = 4 (1 - C(96,8)/C(128,8)) of 8, over the 50 GB/s network at
     * 90%, against 8 copies without DeepSeek's kernels. */
    llmcost_step_options o = LLMCOST_STEP_OPTIONS_INIT;
    o.framework = LLMCOST_FW_MEGATRON;
    o.precision = LLMCOST_PREC_FP8;
    o.seq = 4096;
    o.layout.pp = 16;
    o.layout.dp = 128;
    o.layout.ep = 64;
    o.layout.zero = 1;
    o.global_batch = 256; /* 2 micro-batches per replica */
    llmcost_step plain = run("deepseek-v3", "h800", &o);
    o.layout.ep_overlap = true;
    llmcost_step fwd = run("deepseek-v3", "h800", &o);
    double D = lc_moe_expected_units(256, 8, 8, 4, 8), R = lc_moe_expected_units(256, 8, 8, 4, 64);
    const llmcost_gpu *h800 = llmcost_gpu_find("h800");
    llmcost_comm_options co = LLMCOST_COMM_OPTIONS_INIT;
    double tok = 4096.0 * 7168 * 2;
    double net = tok * D * 7 / 8 / (h800->scaleout_bw * co.scaleout_efficiency);
    double nvl = tok * R / (h800->scaleup_bw * co.scaleup_efficiency);
    double one = fmax(net, nvl) + co.scaleup_latency + co.scaleout_latency;
    /* Under --precision fp8 DeepSeek-V3 dispatches in FP8 (§3.3.2): the dispatch direction's two all-to-alls carry
     * 1 + 4/128 bytes a value, the combine direction's two bf16 (deepseek_v3_dispatches_in_fp8 below). */
    double tok8 = 4096.0 * 7168 * (1 + 4.0 / 128);
    double one8 = fmax(tok8 * D * 7 / 8 / (h800->scaleout_bw * co.scaleout_efficiency),
                       tok8 * R / (h800->scaleup_bw * co.scaleup_efficiency)) +
                  co.scaleup_latency + co.scaleout_latency;
    double ratio = fwd.comm_total[LLMCOST_ST_EP_COMM] / (one + one8);
    /* comm_total is the busiest stage's MoE layers x micro-batches x (2 dispatches + 2 combines): a whole multiple
     * of one pair. */
    cr_expect_float_eq(ratio, round(ratio), 1e-9, "ratio %g", ratio);
    cr_expect_gt(ratio, 0);
    cr_expect_lt(fwd.comm_total[LLMCOST_ST_EP_COMM], 0.5 * plain.comm_total[LLMCOST_ST_EP_COMM]);
}

/* ---- h-moe: DeepEP's dispatcher and DeepSeek-V3's FP8 dispatch ---- */

Test(step_mechanisms, deepseek_v3_dispatches_in_fp8)
{
    /* DeepSeek-V3 on 2,048 H800 as its report lays it out (PP16, EP64 over 8 nodes, ZeRO-1), 2 micro-batches per
     * replica. By hand, one all-to-all of one 4,096-token micro-batch, h = 7168:
     *   bf16: 4096 x 7168 x 2 B = 58,720,256 B of tokens;
     *   fp8 (§3.3.2; DeepEP: e4m3 values + x_scales [tokens, hidden/128] fp32): 4096 x 7168 x 1 B + 4096 x 56 x 4 B
     *         = 29,360,128 + 917,504 = 30,277,632 B, 0.515625 of bf16.
     * Sent once to each other node reached (E[D] = 3.63 of 8; network-bound: 58.7 MB x 3.63 x 7/8 / 45 GB/s = 4.1 ms
     * against the NVLink leg's 58.7 MB x 7.36 / 160 GB/s = 2.7 ms). Per MoE layer two all-to-alls go in the dispatch
     * direction (dispatch; the combine's gradient, "the activation gradient before MoE down-projections") and two
     * in the combine direction, kept bf16: the layer's traffic is (2 x 0.515625 + 2) / 4 = 0.7578125 of bf16's
     * where bandwidth-bound, plus the 11 us of latency each all-to-all keeps. */
    cr_expect_float_eq(4096.0 * 7168 * LC_FP8_DISPATCH_BYTES, 30277632.0, 1e-6);
    llmcost_step_options o = LLMCOST_STEP_OPTIONS_INIT;
    o.framework = LLMCOST_FW_MEGATRON;
    o.precision = LLMCOST_PREC_FP8;
    o.seq = 4096;
    o.layout.pp = 16;
    o.layout.dp = 128;
    o.layout.ep = 64;
    o.layout.zero = 1;
    o.layout.ep_overlap = true;
    o.global_batch = 256;
    cr_expect(lc_moe_fp8_dispatch(&o));
    llmcost_step fp8 = run("deepseek-v3", "h800", &o);
    o.moe_dispatcher = LLMCOST_MOE_DEEPEP; /* Megatron-Core's deepep path: the same forwarding, in bf16 */
    cr_expect(!lc_moe_fp8_dispatch(&o));
    llmcost_step bf16 = run("deepseek-v3", "h800", &o);
    const llmcost_gpu *h800 = llmcost_gpu_find("h800");
    llmcost_comm_options co = LLMCOST_COMM_OPTIONS_INIT;
    double D = lc_moe_expected_units(256, 8, 8, 4, 8), R = lc_moe_expected_units(256, 8, 8, 4, 64);
    double lat = co.scaleup_latency + co.scaleout_latency;
    double net16 = 58720256.0 * D * 7 / 8 / (h800->scaleout_bw * co.scaleout_efficiency);
    double nvl16 = 58720256.0 * R / (h800->scaleup_bw * co.scaleup_efficiency);
    cr_assert_gt(net16, nvl16); /* bandwidth-bound on the network */
    cr_expect_gt(net16, 300 * lat);
    double t16 = net16 + lat, t8 = 30277632.0 * D * 7 / 8 / (h800->scaleout_bw * co.scaleout_efficiency) + lat;
    double derived = (2 * t8 + 2 * t16) / (4 * t16);
    double got = fp8.comm_total[LLMCOST_ST_EP_COMM] / bf16.comm_total[LLMCOST_ST_EP_COMM];
    cr_expect_float_eq(got, derived, 1e-9, "fp8/bf16 EP traffic %.9f, derived %.9f", got, derived);
    cr_expect_float_eq(got, 0.7578125, 1e-3); /* the bandwidth-bound ratio, latency aside */
    cr_expect_lt(fp8.comm_total[LLMCOST_ST_EP_COMM], bf16.comm_total[LLMCOST_ST_EP_COMM]);
    cr_expect_lt(fp8.components[LLMCOST_ST_EP_COMM], bf16.components[LLMCOST_ST_EP_COMM]);
    /* bf16 recipes, the allgather dispatcher and capacity factors dispatch in bf16 */
    o.moe_dispatcher = LLMCOST_MOE_ALLTOALL;
    o.precision = LLMCOST_PREC_BF16_MASTER;
    cr_expect(!lc_moe_fp8_dispatch(&o));
    o.precision = LLMCOST_PREC_FP8;
    o.moe_dispatcher = LLMCOST_MOE_ALLGATHER;
    cr_expect(!lc_moe_fp8_dispatch(&o));
    o.moe_dispatcher = LLMCOST_MOE_ALLTOALL;
    o.moe_capacity_factor = 1.0;
    cr_expect(!lc_moe_fp8_dispatch(&o));
    o.moe_capacity_factor = 0;
    o.layout.ep_overlap = false; /* the plain all-to-all: Megatron-Core's alltoall dispatcher, bf16 */
    cr_expect(!lc_moe_fp8_dispatch(&o));
}

Test(step_mechanisms, deepep_without_overlap_exposes_the_forwarded_all_to_all)
{
    /* --moe-dispatcher deepep without --ep-overlap: DeepEP's node-forwarded all-to-all (each token once per node
     * reached), which the compute stream waits for (Megatron-Core fused_a2a.py: current_stream_wait after each
     * dispatch and combine), so all of it is exposed and nothing runs beside its SMs. With --ep-overlap
     * (--overlap-moe-expert-parallel-comm) it hides behind the layer's compute at 20 of the 132 SMs. The plain
     * alltoall sends each of the top-8 token-slots: more traffic. */
    llmcost_step_options o = LLMCOST_STEP_OPTIONS_INIT;
    o.framework = LLMCOST_FW_MEGATRON;
    o.precision = LLMCOST_PREC_BF16_MASTER;
    o.seq = 4096;
    o.layout.pp = 16;
    o.layout.dp = 128;
    o.layout.ep = 64;
    o.layout.zero = 1;
    o.global_batch = 256;
    llmcost_step plain = run("deepseek-v3", "h800", &o);
    o.moe_dispatcher = LLMCOST_MOE_DEEPEP;
    llmcost_step deepep = run("deepseek-v3", "h800", &o);
    o.layout.ep_overlap = true;
    llmcost_step over = run("deepseek-v3", "h800", &o);
    /* exposed whole without overlap */
    cr_expect_float_eq(deepep.components[LLMCOST_ST_EP_COMM], deepep.comm_total[LLMCOST_ST_EP_COMM],
                       1e-12 * deepep.comm_total[LLMCOST_ST_EP_COMM]);
    /* the same traffic under overlap (bf16 both: the deepep path never dispatches fp8) */
    cr_expect_float_eq(over.comm_total[LLMCOST_ST_EP_COMM], deepep.comm_total[LLMCOST_ST_EP_COMM],
                       1e-12 * deepep.comm_total[LLMCOST_ST_EP_COMM]);
    cr_expect_lt(over.components[LLMCOST_ST_EP_COMM], 0.5 * deepep.components[LLMCOST_ST_EP_COMM]);
    /* ... and no less than the SM share of it where it hides: exposed >= 20/132 of the traffic */
    cr_expect_geq(over.components[LLMCOST_ST_EP_COMM], 20.0 / 132 * over.comm_total[LLMCOST_ST_EP_COMM] * (1 - 1e-12));
    /* one copy per other node reached (E[D] x 7/8 = 3.18 copies over the network) instead of the plain all-to-all's
     * top-8 slots (8 x 56/64 = 7 over the network): less than half */
    cr_expect_lt(deepep.comm_total[LLMCOST_ST_EP_COMM], 0.5 * plain.comm_total[LLMCOST_ST_EP_COMM]);
    cr_expect_lt(deepep.step_seconds, plain.step_seconds);
    cr_expect_gt(deepep.step_seconds, over.step_seconds);
}

Test(step_mechanisms, deepep_published_bandwidth)
{
    /* DeepEP's normal-kernel table (data/calibration/deepep_normal_kernels.json): 4,096 tokens of 7168 per rank, top
     * 8 of 256 experts, top-min(nodes, 4) node groups, FP8 dispatch. DeepEP's "bandwidth" (tests/legacy/test_*.py)
     * is, across nodes, num_rdma_token_sent x h x a / t = T h a E[D] / t (every node a token reaches, its own
     * included), within a node nvl_recv_bytes / t = T h a E[R] / t (every token the rank receives, its own included).
     * The model: t = max(T h a E[D] (m-1)/m / B_o, T h a E[R] / B_u) + latencies, B_o = 50 GB/s x 0.9 = 45 and
     * B_u = 200 x 0.8 = 160 GB/s (DeepEP issue #16: H800's "actual achievable bandwidth peaks at approximately
     * 160GB/s"), the NVLink leg counting the rank's own copy as DeepEP's buffers and its measure do. By hand
     * (E[D], E[R] hypergeometric, below):
     *   EP8 (1 node): T h a R / (T h a R / 160) = 160 GB/s against 153 / 158 (+4.6%, +1.3%);
     *   EP16 (2 nodes, unrestricted): D = 2 (1 - C(128,8)/C(256,8)) = 1.993, R = 16 (1 - C(240,8)/C(256,8)) = 6.523;
     *         network 1.993/2/45 = 0.0221 against NVLink 6.523/160 = 0.0408 (s per GB of T h a): NVLink-bound, as
     *         DeepEP says (issue #285), at 160 x 1.993/6.523 = 48.9 GB/s against 43 / 43 (+13.7%: the internode
     *         kernel's NVLink leg reaches 43 x 6.523/1.993 = 141 GB/s, the intranode one 153-158; not modelled);
     *   EP32 (4 nodes, top-4 of 4 groups): network-bound, 45 x 4/3 = 60 against 58 / 57 (+3.4%, +5.3%);
     *   EP64 (8 nodes, top-4 of 8 groups): 45 x 8/7 = 51.4 against 51 / 50 (+0.8%, +2.9%).
     * Before the own copy was counted the model gave 183 GB/s in one node (+15-19%) and 55.3 at EP16 (+29%). */
    json_t *doc = json_load_file(src_path("data/calibration/deepep_normal_kernels.json"), 0, NULL);
    cr_assert(doc);
    const llmcost_gpu *g = llmcost_gpu_find("h800");
    llmcost_comm_options co = LLMCOST_COMM_OPTIONS_INIT;
    cr_assert_float_eq(g->scaleout_bw * co.scaleout_efficiency, 45e9, 1);
    cr_assert_float_eq(g->scaleup_bw * co.scaleup_efficiency, 160e9, 1);
    double miss2 = 1, miss16 = 1; /* C(128,8)/C(256,8), C(240,8)/C(256,8) */
    for (int i = 0; i < 8; i++) {
        miss2 *= (128.0 - i) / (256.0 - i);
        miss16 *= (240.0 - i) / (256.0 - i);
    }
    cr_expect_float_eq(lc_moe_expected_units(256, 8, 2, 2, 2), 2 * (1 - miss2), 1e-12);
    cr_expect_float_eq(lc_moe_expected_units(256, 8, 2, 2, 16), 16 * (1 - miss16), 1e-12);
    const double by_hand[4] = {160, 160 * 2 * (1 - miss2) / (16 * (1 - miss16)), 45 * 4.0 / 3, 45 * 8.0 / 7};
    const int64_t eps[4] = {8, 16, 32, 64};
    json_t *rows = json_object_get(doc, "rows"), *row;
    size_t i;
    int checked = 0;
    json_array_foreach(rows, i, row) {
        int64_t ep = json_integer_value(json_object_get(row, "ep")), nodes = json_integer_value(json_object_get(row, "nodes"));
        double pub_d = json_number_value(json_object_get(row, "dispatch_gbps"));
        double pub_c = json_number_value(json_object_get(row, "combine_gbps"));
        llmcost_comm_group grp = llmcost_comm_group_of(ep, 1, g->scaleup_size);
        cr_assert_eq(grp.size / grp.per_domain, nodes);
        int64_t groups = nodes, topk_groups = nodes < 4 ? nodes : 4;
        double D = lc_moe_expected_units(256, 8, groups, topk_groups, nodes);
        double R = lc_moe_expected_units(256, 8, groups, topk_groups, ep);
        double tok = 4096.0 * 7168;
        int r = ep == 8 ? 0 : ep == 16 ? 1 : ep == 32 ? 2 : 3;
        cr_assert_eq(eps[r], ep);
        for (int dir = 0; dir < 2; dir++) {
            double a = dir == 0 ? LC_FP8_DISPATCH_BYTES : 2;
            llmcost_comm_cost cc;
            cr_assert_eq(lc_comm_forwarded_a2a(&cc, g, tok * a, D, R, &grp, &co), 0);
            double logical = (nodes > 1 ? tok * a * D : tok * a * R) / cc.seconds / 1e9;
            double pub = dir == 0 ? pub_d : pub_c;
            /* the hand derivation, latency aside (a few us of a millisecond or more) */
            cr_expect(fabs(logical / by_hand[r] - 1) < 0.01, "EP%lld: %.2f GB/s, by hand %.2f", (long long)ep, logical,
                      by_hand[r]);
            if (ep != 16)
                cr_expect(fabs(logical / pub - 1) < 0.10, "EP%lld %s: llmcost %.1f GB/s, DeepEP %.0f", (long long)ep,
                          dir == 0 ? "dispatch" : "combine", logical, pub);
            else /* the miss left: llmcost faster, by less than 15% (the internode kernel's NVLink leg is slower) */
                cr_expect(logical > pub && logical < 1.15 * pub, "EP16 %s: llmcost %.1f GB/s, DeepEP %.0f",
                          dir == 0 ? "dispatch" : "combine", logical, pub);
            checked++;
        }
    }
    cr_expect_eq(checked, 8);
    json_decref(doc);
}

Test(step_mechanisms, cp_ring_traffic_in_the_step)
{
    /* llama-3-8b, 16K tokens over cp 16 with tp 1: 16 ranks, 2 nodes, so the ring's slowest hop is the network.
     * Each step sends the rank's 1,024 tokens' keys and values, 8 heads x (128 + 128) x 2 bytes each: 4 MiB. Before
     * overlap, per layer: 15 steps forward and 15 of twice the bytes backward, 32 layers. */
    llmcost_step_options o = LLMCOST_STEP_OPTIONS_INIT;
    o.framework = LLMCOST_FW_MEGATRON;
    o.seq = 16384;
    o.layout.cp = 16;
    o.layout.dp = 1;
    llmcost_step s = run("llama-3-8b", "h100", &o);
    llmcost_comm_cost one;
    llmcost_comm_group hop = {2, 1};
    llmcost_comm_options co = LLMCOST_COMM_OPTIONS_INIT;
    double bytes = 1024.0 * 8 * 256 * 2;
    cr_assert_eq(llmcost_comm_time(&one, llmcost_gpu_find("h100"), LLMCOST_COLL_P2P, bytes, &hop, &co), 0);
    cr_expect_float_eq(s.comm_total[LLMCOST_ST_CP_COMM], 32 * 15 * 3 * one.seconds, 1e-12);
    /* A block of 1,024 queries against 1,024 keys is shorter than a 4 MiB send over the network: part shows. */
    cr_expect_gt(s.components[LLMCOST_ST_CP_COMM], 0);
    cr_expect_lt(s.components[LLMCOST_ST_CP_COMM], s.comm_total[LLMCOST_ST_CP_COMM]);
}

Test(step_hybrid, falcon_h1_and_zamba2_all_reduce_per_block)
{
    /* Under TP, Falcon-H1's attention and mixer outputs are summed before the residual: one block (2 all-reduces, one
     * each way), and its MLP another, 44 layers; Zamba2's 54 Mamba-2 layers one block each and the 9 invocations of a
     * shared block two more each (its attention and its MLP): 72 blocks; plus 2 on the embedding / head stage.
     * b = 1, s = 4096, bf16 activations: h x 4096 x 2 bytes per all-reduce. */
    llmcost_step_options o = LLMCOST_STEP_OPTIONS_INIT;
    o.framework = LLMCOST_FW_MEGATRON;
    o.seq = 4096;
    o.layout.tp = 2;
    llmcost_comm_group g = {2, 2};
    llmcost_comm_options co = LLMCOST_COMM_OPTIONS_INIT;
    llmcost_comm_cost cc;
    llmcost_step s = run(src_path("tests/fixtures/configs/falcon-h1-7b.json"), "h100", &o);
    cr_assert_eq(llmcost_comm_time(&cc, llmcost_gpu_find("h100"), LLMCOST_COLL_ALL_REDUCE, 3072.0 * 4096 * 2, &g, &co), 0);
    cr_expect_float_eq(s.components[LLMCOST_ST_TP_COMM], (2 * 88 + 2) * cc.seconds, 1e-12);
    cr_expect_gt(s.components[LLMCOST_ST_ATTENTION], 0);
    s = run(src_path("tests/fixtures/configs/zamba2-2.7b.json"), "h100", &o);
    cr_assert_eq(llmcost_comm_time(&cc, llmcost_gpu_find("h100"), LLMCOST_COLL_ALL_REDUCE, 2560.0 * 4096 * 2, &g, &co), 0);
    cr_expect_float_eq(s.components[LLMCOST_ST_TP_COMM], (2 * 72 + 2) * cc.seconds, 1e-12);
    /* The shared blocks' attention is timed with their own heads: 9 invocations of 32 heads of 160. */
    cr_expect_gt(s.components[LLMCOST_ST_ATTENTION], 0);
}

/* ---- context-parallel implementations (cp_comm) and per-layer checkpointing (recompute_every), h16k ---- */

Test(step_cp_comm, allgather_gathers_keys_and_values_exposed)
{
    /* llama-3-8b, 16K tokens over cp 16 (tp 1): each rank holds 1,024 tokens' keys and values, 8 heads x (128 + 128)
     * x 2 bytes = 4 MiB; the gathered buffer is 16 of them, 64 MiB, over 16 ranks in two nodes of 8. Per layer
     * (Transformer Engine's AttnFuncWithCPAndKVAllGather): one all-gather before the forward's attention, one again
     * in backward, one reduce-scatter of the key/value gradients: nothing hidden, so the exposed seconds are the
     * whole traffic, 32 layers x (2 AG + RS); full recomputation runs the forward's gather once more: 3 AG + RS. */
    llmcost_step_options o = LLMCOST_STEP_OPTIONS_INIT;
    o.framework = LLMCOST_FW_MEGATRON;
    o.seq = 16384;
    o.layout.cp = 16;
    o.layout.dp = 1;
    o.cp_comm = LLMCOST_CP_ALLGATHER;
    llmcost_step s = run("llama-3-8b", "h100", &o);
    const llmcost_gpu *g = llmcost_gpu_find("h100");
    llmcost_comm_group grp = llmcost_comm_group_of(16, 1, g->scaleup_size);
    cr_expect_eq(grp.size, 16);
    cr_expect_eq(grp.per_domain, 8);
    llmcost_comm_options co = LLMCOST_COMM_OPTIONS_INIT;
    llmcost_comm_cost ag, rs;
    double buffer = 16 * 1024.0 * 8 * 256 * 2;
    cr_assert_eq(llmcost_comm_time(&ag, g, LLMCOST_COLL_ALL_GATHER, buffer, &grp, &co), 0);
    cr_assert_eq(llmcost_comm_time(&rs, g, LLMCOST_COLL_REDUCE_SCATTER, buffer, &grp, &co), 0);
    double want = 32 * (2 * ag.seconds + rs.seconds);
    cr_expect_float_eq(s.components[LLMCOST_ST_CP_COMM], want, 1e-12 * want);
    cr_expect_float_eq(s.comm_total[LLMCOST_ST_CP_COMM], want, 1e-12 * want);
    o.recompute = LLMCOST_RECOMPUTE_FULL;
    s = run("llama-3-8b", "h100", &o);
    want = 32 * (3 * ag.seconds + rs.seconds);
    cr_expect_float_eq(s.components[LLMCOST_ST_CP_COMM], want, 1e-12 * want);
    /* The ring's own traffic (32 x 15 x 3 sends of 4 MiB over the network hop) is another figure: the gather's is
     * one collective over the two nodes (comms.c's hierarchical cost), not 15 sends, so neither bounds the other. */
    o.recompute = LLMCOST_RECOMPUTE_NONE;
    o.cp_comm = LLMCOST_CP_P2P;
    llmcost_step ring = run("llama-3-8b", "h100", &o);
    cr_expect_gt(ring.comm_total[LLMCOST_ST_CP_COMM], 0);
    cr_expect_neq(ring.comm_total[LLMCOST_ST_CP_COMM], s.comm_total[LLMCOST_ST_CP_COMM]);
}

Test(step_cp_comm, a2a_moves_heads_and_refuses_a_cp_not_dividing_them)
{
    /* llama-3-8b (32 query heads of 128, 8 key/value heads of 128 + 128), 16K tokens over cp 8 in one node: each rank
     * sends its 2,048 tokens' q, k, v, 2,048 x (32 x 128 + 8 x 256) x 2 bytes, and gets the output, 2,048 x 4,096 x
     * 2 bytes, back; the same two all-to-alls again in backward (the gradients of the output, then of q, k, v).
     * Exposed: 32 layers x 2 x (A_qkv + A_o). */
    llmcost_step_options o = LLMCOST_STEP_OPTIONS_INIT;
    o.framework = LLMCOST_FW_MEGATRON;
    o.seq = 16384;
    o.layout.cp = 8;
    o.layout.dp = 1;
    o.cp_comm = LLMCOST_CP_A2A;
    llmcost_step s = run("llama-3-8b", "h100", &o);
    const llmcost_gpu *g = llmcost_gpu_find("h100");
    llmcost_comm_group grp = {8, 8};
    llmcost_comm_options co = LLMCOST_COMM_OPTIONS_INIT;
    llmcost_comm_cost qkv, out;
    cr_assert_eq(llmcost_comm_time(&qkv, g, LLMCOST_COLL_ALL_TO_ALL, 2048.0 * (32 * 128 + 8 * 256) * 2, &grp, &co), 0);
    cr_assert_eq(llmcost_comm_time(&out, g, LLMCOST_COLL_ALL_TO_ALL, 2048.0 * 4096 * 2, &grp, &co), 0);
    double want = 32 * 2 * (qkv.seconds + out.seconds);
    cr_expect_float_eq(s.components[LLMCOST_ST_CP_COMM], want, 1e-12 * want);
    /* cp 16 cannot split 8 key/value heads: refused, naming the field. */
    o.layout.cp = 16;
    llmcost_model *m;
    cr_assert_eq(llmcost_model_load(&m, "llama-3-8b"), 0);
    cr_expect_eq(llmcost_step_compute(&s, m, g, &o), LLMCOST_EINVAL);
    cr_expect(strstr(llmcost_errmsg(), "cp_comm") && strstr(llmcost_errmsg(), "8 key/value heads"), "%s",
              llmcost_errmsg());
    llmcost_model_free(m);
}

Test(step_ckpt, every_nth_layer_recomputes_its_share)
{
    /* llama-3-8b's 32 layers are alike. recompute_every 2 recomputes layers 1, 3, ..., 31: 16 of them, half the
     * recomputed forward of full recomputation; every 3 recomputes layers 2, 5, ..., 29: floor(32 / 3) = 10, 10/32
     * of it; every 1 is full recomputation. HFU's hardware FLOPs: the model's plus that share of full's extra. */
    llmcost_step_options o = LLMCOST_STEP_OPTIONS_INIT;
    o.framework = LLMCOST_FW_MEGATRON;
    o.seq = 4096;
    o.recompute = LLMCOST_RECOMPUTE_FULL;
    llmcost_step full = run("llama-3-8b", "h100", &o);
    o.recompute_every = 1;
    llmcost_step one = run("llama-3-8b", "h100", &o);
    cr_expect_eq(one.step_seconds, full.step_seconds);
    double rec = full.components[LLMCOST_ST_RECOMPUTE], extra = full.hardware_flops_per_step - full.model_flops_per_step;
    cr_assert_gt(rec, 0);
    o.recompute_every = 2;
    llmcost_step two = run("llama-3-8b", "h100", &o);
    cr_expect_float_eq(two.components[LLMCOST_ST_RECOMPUTE], rec / 2, 1e-9 * rec);
    cr_expect_float_eq(two.hardware_flops_per_step, full.model_flops_per_step + extra / 2, 1e-12 * extra);
    cr_expect_lt(two.step_seconds, full.step_seconds);
    o.recompute_every = 3;
    llmcost_step three = run("llama-3-8b", "h100", &o);
    cr_expect_float_eq(three.components[LLMCOST_ST_RECOMPUTE], rec * 10 / 32, 1e-9 * rec);
    cr_expect_float_eq(three.hardware_flops_per_step, full.model_flops_per_step + extra * 10 / 32, 1e-12 * extra);
    /* TP: 2 all-reduces per block, 3 under full recomputation (the forward's again), so every 2nd layer gives 2.5:
     * exactly halfway between none and full (the embedding/head stage's 2 are in all three). */
    o.layout.tp = 2;
    o.layout.sequence_parallel = true;
    o.recompute_every = 2;
    llmcost_step tp_two = run("llama-3-8b", "h100", &o);
    o.recompute_every = 0;
    llmcost_step tp_full = run("llama-3-8b", "h100", &o);
    o.recompute = LLMCOST_RECOMPUTE_NONE;
    llmcost_step tp_none = run("llama-3-8b", "h100", &o);
    double half = (tp_none.components[LLMCOST_ST_TP_COMM] + tp_full.components[LLMCOST_ST_TP_COMM]) / 2;
    cr_expect_float_eq(tp_two.components[LLMCOST_ST_TP_COMM], half, 1e-12 * half);
}

Test(step_ckpt, pipeline_stages_with_different_checkpointed_layers_differ)
{
    /* pp 2 of llama-3-8b: stages of layers 0-15 and 16-31. Every 6th layer is layers 5, 11, 17, 23, 29: 2 on the
     * first stage, 3 on the second, which also holds the head and is the slowest. Its recompute is then 3 layers'
     * forward where full recomputation's is 16 (the stages' layers are alike): 3/16 of it. */
    llmcost_step_options o = LLMCOST_STEP_OPTIONS_INIT;
    o.framework = LLMCOST_FW_MEGATRON;
    o.seq = 4096;
    o.layout.pp = 2;
    o.recompute = LLMCOST_RECOMPUTE_FULL;
    llmcost_step full = run("llama-3-8b", "h100", &o);
    o.recompute_every = 6;
    llmcost_step six = run("llama-3-8b", "h100", &o);
    cr_expect_eq(six.stage, 1);
    cr_expect_float_eq(six.components[LLMCOST_ST_RECOMPUTE], full.components[LLMCOST_ST_RECOMPUTE] * 3 / 16,
                       1e-9 * full.components[LLMCOST_ST_RECOMPUTE]);
}

Test(step_ckpt, memory_keeps_the_inputs_of_checkpointed_layers_and_all_of_the_others)
{
    /* bf16 (no weight copies), megatron, llama-3-8b, one GPU: full recomputation keeps each layer's input, none keeps
     * a layer's whole set; every 2nd layer checkpointed keeps 16 of each, so the layers' activations are the mean of
     * the two exactly; every 3rd: 10 inputs and 22 whole sets. */
    llmcost_model *m;
    cr_assert_eq(llmcost_model_load(&m, "llama-3-8b"), 0);
    llmcost_job j;
    llmcost_job_init(&j);
    j.framework = LLMCOST_FW_MEGATRON;
    j.seq = 4096;
    llmcost_memory none, full, two, three;
    cr_assert_eq(llmcost_job_memory(&none, m, &j), 0, "%s", llmcost_errmsg());
    j.recompute = LLMCOST_RECOMPUTE_FULL;
    cr_assert_eq(llmcost_job_memory(&full, m, &j), 0);
    j.recompute_every = 2;
    cr_assert_eq(llmcost_job_memory(&two, m, &j), 0);
    j.recompute_every = 3;
    cr_assert_eq(llmcost_job_memory(&three, m, &j), 0);
    /* activations_bytes: the layers' kept bytes plus the embedding's, the head's and the loss's (the same in all). */
    double a_none = none.activations_bytes, a_full = full.activations_bytes, per_layer = (a_none - a_full) / 32;
    cr_expect_float_eq(two.activations_bytes, (a_none + a_full) / 2, 1e-12 * a_none);
    cr_expect_float_eq(three.activations_bytes, a_full + 22 * per_layer, 1e-12 * a_none);
    /* one layer's whole set: 570,949,632 bytes here (none's layer_activation_bytes); the input alone b s h x 2 */
    cr_expect_float_eq(per_layer, none.layer_activation_bytes - 4096.0 * 4096 * 2, 1e-6 * per_layer);
    /* refused without full recomputation, naming the field */
    j.recompute = LLMCOST_RECOMPUTE_SELECTIVE;
    cr_expect_eq(llmcost_job_memory(&two, m, &j), LLMCOST_EINVAL);
    cr_expect(strstr(llmcost_errmsg(), "recompute_every") != NULL, "%s", llmcost_errmsg());
    llmcost_model_free(m);
}

Test(step_ckpt, job_spec_reads_both_fields_for_every_front_end)
{
    llmcost_model *m;
    cr_assert_eq(llmcost_model_load(&m, "llama-3-8b"), 0);
    llmcost_job_spec s;
    llmcost_job_spec_init(&s);
    cr_assert_eq(llmcost_job_spec_set(&s, "recompute", "full"), 0);
    cr_assert_eq(llmcost_job_spec_set(&s, "recompute_every", "2"), 0);
    cr_assert_eq(llmcost_job_spec_set(&s, "cp", "2"), 0);
    cr_assert_eq(llmcost_job_spec_set(&s, "cp_comm", "allgather"), 0);
    cr_expect_neq(llmcost_job_spec_set(&s, "cp_comm", "ring"), 0);
    char notes[4096] = "";
    llmcost_job j;
    cr_assert_eq(llmcost_job_spec_resolve(&j, &s, m, notes, sizeof notes), 0, "%s", llmcost_errmsg());
    cr_expect_eq(j.recompute_every, 2);
    cr_expect_eq(j.cp_comm, LLMCOST_CP_ALLGATHER);
    cr_expect(strstr(notes, "every 2nd decoder layer") && strstr(notes, "all-gather"), "%s", notes);
    /* the planner's options carry both from version 6; an older options struct refuses them by name */
    llmcost_plan_options po = LLMCOST_PLAN_OPTIONS_INIT;
    cr_assert_eq(llmcost_plan_options_from_spec(&po, &s), 0, "%s", llmcost_errmsg());
    cr_expect_eq(po.cp_comm, LLMCOST_CP_ALLGATHER);
    cr_expect_eq(po.recompute_every, 2);
    llmcost_plan_options old = LLMCOST_PLAN_OPTIONS_INIT;
    old.version = 5;
    cr_expect_eq(llmcost_plan_options_from_spec(&old, &s), LLMCOST_EUNSUPPORTED);
    cr_expect(strstr(llmcost_errmsg(), "cp_comm") != NULL, "%s", llmcost_errmsg());
    /* a request states them as the CLI's flags do */
    char *json = NULL;
    cr_assert_eq(llmcost_request(&json, "step", "{\"model\": \"llama-3-8b\", \"gpu\": \"h100\", \"seq\": \"4096\", "
                                 "\"recompute\": \"full\", \"recompute_every\": \"2\", \"framework\": \"megatron\"}"),
                 0, "%s", llmcost_errmsg());
    cr_expect(json && strstr(json, "step_seconds"));
    free(json);
    llmcost_model_free(m);
}

Test(step_ckpt, plan_sizes_and_times_both_as_step_and_memory_do)
{
    /* plan with both fixed (options version 6): its best layout's step seconds and peak bytes are those of step and
     * memory on the same layout with the same flags, to the last digit. */
    char *pj = NULL, *sj = NULL, *mj = NULL;
    cr_assert_eq(llmcost_request(&pj, "plan", "{\"model\": \"llama-3-8b\", \"gpu\": \"h100\", \"gpus\": \"16\", "
                                 "\"seq\": \"32768\", \"global_batch\": \"1M\", \"framework\": \"megatron\", "
                                 "\"cp_comm\": \"allgather\", \"recompute\": \"full\", \"recompute_every\": \"2\", "
                                 "\"top\": \"1\"}"),
                 0, "%s", llmcost_errmsg());
    json_t *p = json_loads(pj, 0, NULL);
    cr_assert(p);
    json_t *l = json_array_get(json_object_get(p, "layouts"), 0);
    cr_assert(l);
    const char *flags = json_string_value(json_object_get(l, "step_flags"));
    cr_assert(flags && strstr(flags, "--cp-comm allgather") && strstr(flags, "--recompute-every 2"), "%s", flags);
    json_t *L = l; /* the layout's degrees are the entry's own keys */
    char args[1024];
    snprintf(args, sizeof args,
             "{\"model\": \"llama-3-8b\", \"gpu\": \"h100\", \"gpus\": \"16\", \"tp\": \"%lld\", \"pp\": \"%lld\", "
             "\"vpp\": \"%lld\", \"cp\": \"%lld\", \"zero\": \"%lld\", \"micro_batch\": \"%lld\", \"seq\": \"32768\", "
             "\"global_batch\": \"1048576\", \"framework\": \"megatron\", \"cp_comm\": \"allgather\", "
             "\"recompute\": \"full\", \"recompute_every\": \"2\", \"sequence_parallel\": \"%s\", \"tp_overlap\": \"%s\"}",
             (long long)json_integer_value(json_object_get(L, "tp")), (long long)json_integer_value(json_object_get(L, "pp")),
             (long long)json_integer_value(json_object_get(L, "vpp")), (long long)json_integer_value(json_object_get(L, "cp")),
             (long long)json_integer_value(json_object_get(L, "zero")),
             (long long)json_integer_value(json_object_get(l, "micro_batch")),
             strstr(flags, "--no-sequence-parallel") ? "false" : "true", strstr(flags, "--tp-overlap") ? "true" : "false");
    cr_expect(strstr(flags, "--recompute full") != NULL, "%s", flags);
    cr_assert_eq(llmcost_request(&sj, "step", args), 0, "%s: %s", args, llmcost_errmsg());
    cr_assert_eq(llmcost_request(&mj, "memory", args), 0, "%s: %s", args, llmcost_errmsg());
    json_t *s = json_loads(sj, 0, NULL), *m = json_loads(mj, 0, NULL);
    cr_assert(s && m);
    cr_expect_eq(json_real_value(json_object_get(l, "step_seconds")), json_real_value(json_object_get(s, "step_seconds")));
    cr_expect_eq(json_number_value(json_object_get(l, "peak_bytes")), json_number_value(json_object_get(m, "peak_bytes")));
    json_decref(p);
    json_decref(s);
    json_decref(m);
    free(pj);
    free(sj);
    free(mj);
}

Test(step_cp_comm, a2a_attention_runs_the_whole_sequence_on_heads_over_cp)
{
    /* DeepSpeed-Ulysses (arXiv:2309.14509 §3.1): after the all-to-all each of the cp ranks holds every token of
     * n_heads / cp heads and runs the ordinary attention kernel on them. That is the shape of tensor parallelism's
     * attention (Shoeybi et al. 2019: heads split over the tp ranks, the whole sequence on each), so the kernel's
     * seconds of a2a at cp 8 are, to the digit, those of tp 8 without CP: llama-3-8b's 32 query heads, 4 a GPU, the
     * 8,000 tokens each. The ring instead runs 32 heads on 1,000 queries a rank; 1,000 is not a multiple of the
     * kernels' 128-row query tiles (8 tiles hold 1,024 rows, while 63 tiles hold all 8,000: 4 x 63 = 252 tiles a GPU
     * against 32 x 8 = 256), so the two shapes differ in the kernel model's occupancy: their seconds differ. The
     * FLOPs are the same: the model FLOPs of the three runs are equal. */
    llmcost_step_options o = LLMCOST_STEP_OPTIONS_INIT;
    o.framework = LLMCOST_FW_MEGATRON;
    o.seq = 8000;
    o.layout.gpus = 8;
    o.layout.cp = 8;
    o.layout.dp = 1;
    o.cp_comm = LLMCOST_CP_A2A;
    llmcost_step a2a = run("llama-3-8b", "h100", &o);
    o.cp_comm = LLMCOST_CP_P2P;
    llmcost_step ring = run("llama-3-8b", "h100", &o);
    o.layout.cp = 1;
    o.layout.tp = 8;
    llmcost_step tp = run("llama-3-8b", "h100", &o);
    double at = a2a.components[LLMCOST_ST_ATTENTION];
    cr_assert_gt(at, 0);
    cr_expect_float_eq(at, tp.components[LLMCOST_ST_ATTENTION], 1e-12 * at);
    cr_expect_neq(at, ring.components[LLMCOST_ST_ATTENTION]);
    cr_expect_float_eq(a2a.model_flops_per_step, ring.model_flops_per_step, 1e-12 * a2a.model_flops_per_step);
    cr_expect_float_eq(a2a.model_flops_per_step, tp.model_flops_per_step, 1e-12 * a2a.model_flops_per_step);
    /* With 16,384 tokens (2,048 a ring rank, 16 whole tiles) the two shapes have the same tiles (4 x 128 = 32 x 16).
     * Ulysses' one kernel reads (s + 1) / 256 = 64 key blocks per query tile; the ring's (h4ring: TE
     * AttnFuncWithCPAndKVP2P's per-step kernels) read 8.004 (its causal diagonal block, 2,048 x 2,048) and 8 or 16
     * (the half blocks): lower efficiency, the same FLOPs, 8 launches: the ring's attention is the slower. */
    o.seq = 16384, o.layout.tp = 1, o.layout.cp = 8;
    ring = run("llama-3-8b", "h100", &o);
    o.cp_comm = LLMCOST_CP_A2A;
    a2a = run("llama-3-8b", "h100", &o);
    at = a2a.components[LLMCOST_ST_ATTENTION];
    cr_expect_gt(ring.components[LLMCOST_ST_ATTENTION], at);
}

Test(step_cp_comm, cp_memory_holds_each_implementations_buffers)
{
    /* llama-3-8b (32 query heads, 8 key/value heads, all 128 wide), megatron bf16 (e = 2), 131,072 tokens over cp 64,
     * tp 1, full recomputation: each rank holds T = 2,048 tokens; per token Q = 4,096 query, K = 2,048 key + value,
     * O = 4,096 output elements, H = 32 heads. A layer's backward otherwise holds three of its widest intermediates,
     * the MLP's 14,336-wide bf16 tensors: 3 x 2 x 2,048 x 14,336 = 176,160,768 bytes; the larger of that and the CP
     * function's high points (docs/formulas.md "Context-parallel memory") is the layer's temporary.
     *   p2p (TE): forward, rank 63 keeps all 64 key/value buffers, 64 per-step outputs and 64 fp32 lse:
     *     2 x 64 x 2,048 x 2,048 + 2 x 64 x 2,048 x 4,096 + 4 x 64 x 2,048 x 32 = 1,627,389,952
     *     (backward: 2 x 2,048 x (2 Q + 5 K) = 75,497,472, smaller)
     *   allgather (TE): backward, dq + full dk, dv + re-gathered k, v + both steps' dq + their dk, dv over (64 + 1/2)
     *     T keys + the index_select copy of dv: 2 x 2,048 x (2 x 4,096 + 192.5 x 2,048 + 64 x 1,024) = 1,916,796,928
     *   torch: forward, the gathered keys and values and a block's cat (65 x 2,048 x 2,048 x 2), 18 bytes x 2,048 x
     *     4,096 for the merger's fp32 state and temporaries and the block's output, 8 x 2,048 x 32 of fp32 lse:
     *     545,259,520 + 150,994,944 + 524,288 = 696,778,752 (its backward, 679,477,248, is smaller)
     * Only the backward-through-a-layer phase differs among them (the temporary is counted there). */
    llmcost_model *m;
    cr_assert_eq(llmcost_model_load(&m, "llama-3-8b"), 0);
    llmcost_job j;
    llmcost_job_init(&j);
    j.framework = LLMCOST_FW_MEGATRON;
    j.seq = 131072;
    j.layout.gpus = 64;
    j.layout.cp = 64;
    j.recompute = LLMCOST_RECOMPUTE_FULL;
    llmcost_memory ring, ag, pt;
    cr_assert_eq(llmcost_job_memory(&ring, m, &j), 0, "%s", llmcost_errmsg());
    j.cp_comm = LLMCOST_CP_ALLGATHER;
    cr_assert_eq(llmcost_job_memory(&ag, m, &j), 0, "%s", llmcost_errmsg());
    j.cp_comm = LLMCOST_CP_TORCH;
    cr_assert_eq(llmcost_job_memory(&pt, m, &j), 0, "%s", llmcost_errmsg());
    double p2p = 2.0 * 64 * 2048 * 2048 + 2.0 * 64 * 2048 * 4096 + 4.0 * 64 * 2048 * 32;
    double agb = 2.0 * 2048 * (2 * 4096 + 192.5 * 2048 + 64 * 1024);
    double tf = 2.0 * 65 * 2048 * 2048 + 18.0 * 2048 * 4096 + 8.0 * 2048 * 32;
    cr_expect_float_eq(p2p, 1627389952.0, 0);
    cr_expect_float_eq(agb, 1916796928.0, 0);
    cr_expect_float_eq(tf, 696778752.0, 0);
    const int bl = LLMCOST_PHASE_BACKWARD_LAYERS;
    cr_expect_float_eq(ag.phase_bytes[bl] - ring.phase_bytes[bl], agb - p2p, 1e-9 * agb);
    cr_expect_float_eq(pt.phase_bytes[bl] - ring.phase_bytes[bl], tf - p2p, 1e-9 * agb);
    for (int p = 0; p < LLMCOST_PHASE_COUNT; p++)
        if (p != LLMCOST_PHASE_BACKWARD_LAYERS) {
            cr_expect_eq(ag.phase_bytes[p], ring.phase_bytes[p], "phase %d", p);
            cr_expect_eq(pt.phase_bytes[p], ring.phase_bytes[p], "phase %d", p);
        }
    /* At cp 16 (T = 8,192) the MLP's three are 704,643,072 bytes; p2p's forward 1,627,389,952 again (c T = s): the
     * buffers grow with the sequence, not with cp. A version-2 options struct (no cp_comm) reads as p2p. */
    j.cp_comm = LLMCOST_CP_ALLGATHER;
    llmcost_memory_options mo;
    llmcost_job_memory_options(&mo, &j);
    cr_expect_eq(mo.cp_comm, (int)LLMCOST_CP_ALLGATHER);
    mo.version = 2;
    llmcost_memory v2;
    cr_assert_eq(llmcost_memory_compute(&v2, m, &mo), 0, "%s", llmcost_errmsg());
    cr_expect_eq(v2.phase_bytes[LLMCOST_PHASE_BACKWARD_LAYERS], ring.phase_bytes[LLMCOST_PHASE_BACKWARD_LAYERS]);
    /* Ulysses (a2a) at cp 8 (T = 16,384), no recomputation: each layer keeps the head-layout output beside o_proj's
     * input, 2 x 16,384 x 4,096 = 134,217,728 bytes, x 32 layers; its buffers (forward 2 x 16,384 x max(2 (Q + K) +
     * 1,024, (Q + K) + 2 O) = 469,762,048, backward 2 x 16,384 x (O + 3 (Q + K) + 1,024) = 771,751,936) stay below the
     * MLP's 3 x 2 x 16,384 x 14,336 = 1,409,286,144, where p2p's forward 1,627,389,952 is above it. So a2a - p2p in the
     * backward-through-a-layer phase: 32 x 134,217,728 + 1,409,286,144 - 1,627,389,952 = 4,076,863,488. */
    j.recompute = LLMCOST_RECOMPUTE_NONE;
    j.layout.gpus = 8, j.layout.cp = 8;
    j.cp_comm = LLMCOST_CP_P2P;
    llmcost_memory r8, a8;
    cr_assert_eq(llmcost_job_memory(&r8, m, &j), 0, "%s", llmcost_errmsg());
    j.cp_comm = LLMCOST_CP_A2A;
    cr_assert_eq(llmcost_job_memory(&a8, m, &j), 0, "%s", llmcost_errmsg());
    double a2a_d = 32 * 134217728.0 + 1409286144.0 - 1627389952.0;
    cr_expect_float_eq(a2a_d, 4076863488.0, 0);
    cr_expect_float_eq(a8.phase_bytes[LLMCOST_PHASE_BACKWARD_LAYERS] - r8.phase_bytes[LLMCOST_PHASE_BACKWARD_LAYERS],
                       a2a_d, 1e-9 * a2a_d);
    cr_expect_float_eq(a8.activations_bytes - r8.activations_bytes, 32 * 134217728.0, 1e-9 * a2a_d);
    llmcost_model_free(m);
}

/* The CP buffers in element counts, a small case: 4 query heads and 2 key/value heads of 8 (d_k = d_v = 8), c = 2 CP
 * ranks of T = 4 tokens, t = 1, e = 2 bytes. Per token Q = 32, Kk = Kv = 16, K = 32, O = 32, H = 4; h = T/2 = 2. */
Test(cp_memory, element_counts_of_each_implementation)
{
    llmcost_attention a = {0};
    a.kind = LLMCOST_ATTN_GQA;
    a.n_heads = 4, a.n_kv_heads = 2, a.head_dim = 8, a.v_head_dim = 8;
    /* TE p2p (AttnFuncWithCPAndKVP2P), rank 1 (runs both steps on all 4 queries). Forward: p2p_comm_buffers[0] =
     * cat(k, v) and [1] received: 2 x 4 x 32 = 256 elements; out_per_step[0..1]: 2 x 4 x 32 = 256; fp32
     * softmax_lse_per_step: 2 x 4 x 4 = 32 -> 2 x 512 + 4 x 32 = 1,152 bytes. Backward: dq_buffer 4 x 32 = 128, two
     * (2, kv) buffers 2 x 2 x 128 = 512, one step's dq_, dk_, dv_ 4 x (32 + 32) = 256: 896 elements, 1,792 bytes. */
    lc_cp_attn_bytes p = lc_cp_attention_bytes(&a, LLMCOST_CP_P2P, 2, 4, 1, 2);
    cr_expect_float_eq(p.fwd, 1152, 0);
    cr_expect_float_eq(p.bwd, 1792, 0);
    cr_expect_float_eq(p.kept, 0, 0);
    /* TE all-gather (AttnFuncWithCPAndKVAllGather). Forward: k_ag, v_ag, 8 tokens x 32 = 256, while v's index_select
     * copy (8 x 16 = 128) is made: 384; later 256 + the "out" zeros (4 x 32 = 128) + two half outputs (2 x 2 x 32 =
     * 128) = 512 -> 1,024 bytes. Backward (rank 0, chunks 0 and 3): dq 128, dk + dv zeros 8 x 32 = 256, k_ag + v_ag
     * 256, dq_per_step 2 x 2 x 32 = 128, dk/dv_per_step over 2 and 8 keys: 10 x 32 = 320, dv's index_select copy 8 x
     * 16 = 128: 1,216 elements, 2,432 bytes. */
    lc_cp_attn_bytes g = lc_cp_attention_bytes(&a, LLMCOST_CP_ALLGATHER, 2, 4, 1, 2);
    cr_expect_float_eq(g.fwd, 1024, 0);
    cr_expect_float_eq(g.bwd, 2432, 0);
    /* Under a window of 3 keys (window_size (2, 0)) chunk j sees min(2 (j + 1), 2 + 2) keys: rank 0 2 + 4 = 6, rank 1
     * (chunks 1, 2) 4 + 4 = 8, the larger: dk/dv_per_step 8 x 32 = 256: 1,152 elements, 2,304 bytes. */
    a.sliding_window = 3;
    cr_expect_float_eq(lc_cp_attention_bytes(&a, LLMCOST_CP_ALLGATHER, 2, 4, 1, 2).bwd, 2304, 0);
    a.sliding_window = 0;
    /* TE a2a (AttnFuncWithCPAndQKVOA2A): saved out_part (head layout) beside o_proj's input: 4 x 32 = 128 elements,
     * 256 bytes kept. Forward: the caller's q, k, v (4 x 64), their send copies (4 x 64), v's received buffer before
     * its reorder (4 x 16): 576 elements; at the output: 4 x 64 + 2 x 4 x 32 = 512 -> 1,152 bytes. Backward: dout in
     * the head layout 128, dq, dk, dv, their send copies and the received 3 x 256, v's copy 64: 960 elements, 1,920. */
    lc_cp_attn_bytes u = lc_cp_attention_bytes(&a, LLMCOST_CP_A2A, 2, 4, 1, 2);
    cr_expect_float_eq(u.kept, 256, 0);
    cr_expect_float_eq(u.fwd, 1152, 0);
    cr_expect_float_eq(u.bwd, 1920, 0);
    /* PyTorch context_parallel. Forward: the gathered cat (8 x 32) and a block's cat (4 x 32): 384 bf16 = 768 bytes;
     * fp32 merger out, the block's fp32 copy and two merge temporaries, 4 x 4 x 32 x 4 = 2,048 bytes, the block's bf16
     * output 4 x 32 x 2 = 256; fp32 lse, the merger's and the block's: 2 x 4 x 4 x 4 = 128 -> 3,200 bytes. Backward:
     * the re-gathered and a block's cat, 768 bytes; rank 1: four fp32 dK/dV-sized tensors 4 x 4 x 32 x 4 = 2,048,
     * fp32 grad_query 4 x 32 x 4 = 512, a block's bf16 grads 4 x (32 + 16) x 2 = 384: 2,944; rank 0 three fp32 dK/dV
     * 1,536, two fp32 grad_query 1,024, bf16 grads 4 x (16 + 32) x 2 = 384: 2,944 as well -> 3,712 bytes. */
    lc_cp_attn_bytes t = lc_cp_attention_bytes(&a, LLMCOST_CP_TORCH, 2, 4, 1, 2);
    cr_expect_float_eq(t.fwd, 3200, 0);
    cr_expect_float_eq(t.bwd, 3712, 0);
}

Test(step_cp_comm, torch_hides_the_gather_behind_the_first_block_and_exposes_the_last_gradient_send)
{
    /* PyTorch's context_parallel (torch/distributed/tensor/experimental/_attention.py, rotate method "allgather",
     * its default): forward, _templated_ring_attention issues the one all-gather of the concatenated keys and values
     * before block 0 (the local one) and waits for it at block 1; backward gathers them again the same way, and
     * after each of the cp blocks sends the accumulated fp32 key/value gradients to the next rank
     * (permute_tensor), waited for after the next block; the last one after the loop.
     * llama-3-8b, 131,072 tokens over cp 2 in one node, tp 1: T = 65,536 tokens a rank. The buffer gathered is
     * 2 x 65,536 x 8 x 256 x 2 bytes = 512 MiB, a gradient send 65,536 x 2,048 x 4 bytes = 512 MiB. Before overlap,
     * per layer: 2 gathers + 2 sends; full recomputation gathers once more. One block is half a rank's attention,
     * 65,536 queries against 65,536 keys for 32 heads: 4 x 32 x 65,536^2 x 128 / 2 = 35 TFLOP forward, tens of ms,
     * while the gather and a send are about a millisecond each over NVLink: both hide, and the exposed seconds are
     * the last send of each layer, 32 D, with or without recomputation, plus the hidden ones' share of the SMs NCCL
     * takes from the attention beside them (16 of the H100's 132): 2 gathers and 1 send a layer (3 gathers with
     * recomputation). */
    llmcost_step_options o = LLMCOST_STEP_OPTIONS_INIT;
    o.framework = LLMCOST_FW_MEGATRON;
    o.seq = 131072;
    o.layout.gpus = 2;
    o.layout.cp = 2;
    o.layout.dp = 1;
    o.cp_comm = LLMCOST_CP_TORCH;
    llmcost_step s = run("llama-3-8b", "h100", &o);
    const llmcost_gpu *g = llmcost_gpu_find("h100");
    llmcost_comm_group grp = llmcost_comm_group_of(2, 1, g->scaleup_size), hop = {2, 2};
    cr_expect_eq(grp.per_domain, 2);
    llmcost_comm_options co = LLMCOST_COMM_OPTIONS_INIT;
    llmcost_comm_cost ag, d;
    cr_assert_eq(llmcost_comm_time(&ag, g, LLMCOST_COLL_ALL_GATHER, 2 * 65536.0 * 8 * 256 * 2, &grp, &co), 0);
    cr_assert_eq(llmcost_comm_time(&d, g, LLMCOST_COLL_P2P, 65536.0 * 2048 * 4, &hop, &co), 0);
    double attn_block = s.components[LLMCOST_ST_ATTENTION] / 32 / 2; /* a layer's forward + backward, one block */
    cr_assert_gt(attn_block / 4, ag.seconds); /* the forward block (about 2/7 of the two) hides the gather */
    cr_assert_gt(attn_block / 4, d.seconds);
    cr_expect_float_eq(s.comm_total[LLMCOST_ST_CP_COMM], 32 * (2 * ag.seconds + 2 * d.seconds), 1e-12 * ag.seconds);
    double sm = 16.0 / 132;
    cr_expect_float_eq(s.components[LLMCOST_ST_CP_COMM], 32 * (d.seconds + (2 * ag.seconds + d.seconds) * sm),
                       1e-12 * d.seconds);
    o.recompute = LLMCOST_RECOMPUTE_FULL;
    s = run("llama-3-8b", "h100", &o);
    cr_expect_float_eq(s.comm_total[LLMCOST_ST_CP_COMM], 32 * (3 * ag.seconds + 2 * d.seconds), 1e-12 * ag.seconds);
    cr_expect_float_eq(s.components[LLMCOST_ST_CP_COMM], 32 * (d.seconds + (3 * ag.seconds + d.seconds) * sm),
                       1e-12 * d.seconds);
    /* The job spec and the CLI's name for it */
    llmcost_job_spec sp;
    llmcost_job_spec_init(&sp);
    cr_assert_eq(llmcost_job_spec_set(&sp, "cp_comm", "torch"), 0);
    cr_expect_eq(sp.cp_comm, (int)LLMCOST_CP_TORCH);
}

/* ---- the CP ring's attention as its per-step kernels (issue 16, helper h4ring) ---- */

/* Transformer Engine's AttnFuncWithCPAndKVP2P with Megatron's 2cp-chunk split: per ring step one kernel, the first
 * causal on the rank's q = s/cp queries and keys, the others q queries x q/2 keys (i <= rank) or q/2 queries x q keys
 * (i > rank), no mask; a pass is diag + (cp - 1) max(A, B). Derivation, with a hand-set kernel (eta 0.5, exps fully
 * hidden: overlap 1, c0 = 2) on the catalogue's H100 (132 SMs), s = 8192, cp = 4, heads = 132 (query blocks
 * 132 x 16 and 132 x 8: whole waves, occupancy 1), d = 128. A kernel takes fixed + flops / (P x 0.5 x e) with
 * e = n / (n + 2), n = pairs / queries / 128, forward flops 2 x heads x pairs x 256, P the peak at the GPU's clock.
 *   diag: q = 2048, pairs 2048 x 2049 / 2 = 2,098,176, n = 8.00390625, e = 8.00390625 / 10.00390625
 *   A:    2048 queries, pairs 2,097,152, n = 8, e = 0.8;  B: 1024 queries, same pairs, n = 16, e = 16/18 (faster)
 *   ring = 4 fixed + 2 x 132 x 256 / (0.5 P) x (2,098,176 / e_diag + 3 x 2,097,152 / 0.8)
 * The single kernel timed before (s/cp queries, causal(s)/cp = 8,389,632 pairs, n = 32.00390625) is
 *   1 fixed + 2 x 132 x 256 / (0.5 P) x 8,389,632 / e_old:
 * the same pairs (2,098,176 + 3 x 2,097,152 = 8,389,632) at the blocks' lower efficiency, so the ring is slower. */
Test(cp_ring, attention_is_the_rings_block_kernels)
{
    const llmcost_gpu *g = llmcost_gpu_find("h100");
    cr_assert_not_null(g);
    cr_assert_eq(g->compute_units, 132);
    lc_attn_choice ch = {.kernel = "test", .arch = "hopper", .fused = true};
    for (int b = 0; b < 2; b++)
        ch.eta[b] = 0.5, ch.overlap[b] = 1, ch.c0[b] = 2;
    double peak = g->peak_flops[LLMCOST_DT_BF16];
    double P = peak * (g->clock_fraction > 0 && g->clock_fraction < 1 ? g->clock_fraction : 1);
    double fixed = lc_kernel_model_get()->gemm_fixed;
    double unit = 2.0 * 132 * 256 / (0.5 * P);
    double e_diag = 8.00390625 / 10.00390625, e_old = 32.00390625 / 34.00390625;
    double ring = 4 * fixed + unit * (2098176 / e_diag + 3 * 2097152 / 0.8);
    double old = fixed + unit * 8389632 / e_old;
    double got = lc_cp_ring_attention_seconds(&ch, g, peak, 132, 8192, 4, 128, 128, false);
    cr_expect(fabs(got / ring - 1) < 1e-12, "ring %.9g s, derived %.9g s", got, ring);
    cr_expect(fabs(lc_attention_choice_seconds(&ch, g, peak, 132, 2048, 8389632, 128, 128, false) / old - 1) < 1e-12);
    cr_expect(got > old, "the ring's blocks run at lower efficiency than the whole sequence: %g vs %g", got, old);
    /* Backward: the same shapes, 2 x pairs x (3 x 128 + 2 x 128) = 2.5 x the forward flops. */
    double ring_b = 4 * fixed + 2.5 * unit * (2098176 / e_diag + 3 * 2097152 / 0.8);
    double got_b = lc_cp_ring_attention_seconds(&ch, g, peak, 132, 8192, 4, 128, 128, true);
    cr_expect(fabs(got_b / ring_b - 1) < 1e-12, "backward %.9g s, derived %.9g s", got_b, ring_b);
    /* cp = 1: the rank's own block alone, the ordinary causal kernel over s. */
    cr_expect_float_eq(lc_cp_ring_attention_seconds(&ch, g, peak, 132, 8192, 1, 128, 128, false),
                       lc_attention_choice_seconds(&ch, g, peak, 132, 8192, 8192.0 * 8193 / 2, 128, 128, false), 1e-15);
}

/* Through the step engine: the p2p ring's attention row counts cp kernels a pass; a2a (Ulysses: one kernel on the whole
 * sequence of heads / cp) keeps one. llama-3-8b, 32K tokens, cp 4 on H100. */
Test(cp_ring, step_times_the_ring_as_cp_kernels)
{
    llmcost_step_options o = LLMCOST_STEP_OPTIONS_INIT;
    o.framework = LLMCOST_FW_MEGATRON;
    o.seq = 32768;
    o.layout.cp = 4;
    o.layout.dp = 1;
    o.cp_comm = LLMCOST_CP_P2P;
    llmcost_step p2p = run("llama-3-8b", "h100", &o);
    o.cp_comm = LLMCOST_CP_A2A;
    llmcost_step a2a = run("llama-3-8b", "h100", &o);
    /* Same pairs per rank both ways (causal(s)/cp); the ring's blocks see 8,192 keys at most, Ulysses' 32,768. */
    cr_expect_gt(p2p.components[LLMCOST_ST_ATTENTION], a2a.components[LLMCOST_ST_ATTENTION]);
}

/* TE's all-gather CP (AttnFuncWithCPAndKVAllGather) runs each rank's two chunks as two kernels. s = 8,192 over cp 4:
 * h = 1,024 queries a chunk; rank r's chunks r and 7 - r; chunk j sees (j + 1) h keys, causal bottom-right: pairs(j) =
 * j h^2 + h (h + 1)/2 = j x 1,048,576 + 524,800, key blocks per query tile n_j = pairs / h / 128 = 8 j + 4.00390625,
 * efficiency n / (n + 2) with the hand-set kernel of cp_ring above (132 heads: 132 x 8 tiles, whole waves). Each kernel
 * fixed + unit x pairs / e_j; each step's output copied into place, 2 bytes x 132 x 128 x 1,024 read and written
 * (lc_stream_seconds); the layer waits for the slowest rank. */
Test(cp_ring, allgather_runs_two_chunk_kernels)
{
    const llmcost_gpu *g = llmcost_gpu_find("h100");
    cr_assert_not_null(g);
    lc_attn_choice ch = {.kernel = "test", .arch = "hopper", .fused = true};
    for (int b = 0; b < 2; b++)
        ch.eta[b] = 0.5, ch.overlap[b] = 1, ch.c0[b] = 2;
    double peak = g->peak_flops[LLMCOST_DT_BF16];
    double P = peak * (g->clock_fraction > 0 && g->clock_fraction < 1 ? g->clock_fraction : 1);
    const lc_kernel_model *km = lc_kernel_model_get();
    double fixed = km->gemm_fixed, unit = 2.0 * 132 * 256 / (0.5 * P);
    double copy = 2.0 * 2 * 132 * 128 * 1024 / (g->memory_bw * km->copy_eta) + km->kernel_min;
    double kern[8];
    for (int j = 0; j < 8; j++) {
        double pairs = j * 1048576.0 + 524800, n = 8 * j + 4.00390625;
        kern[j] = fixed + unit * pairs / (n / (n + 2));
    }
    double want = 0;
    for (int r = 0; r < 4; r++)
        want = fmax(want, kern[r] + kern[7 - r] + 2 * copy);
    double got = lc_cp_allgather_attention_seconds(&ch, g, peak, 132, 33, 8192, 4, 0, 128, 128, 128, 2, false);
    cr_expect(fabs(got / want - 1) < 1e-12, "all-gather %.9g s, derived %.9g s", got, want);
    /* The single kernel timed before (2,048 queries, causal(s)/cp = 8,389,632 pairs): n = 32.00390625. */
    double old = fixed + unit * 8389632 / (32.00390625 / 34.00390625);
    cr_expect(got > old, "%g vs %g", got, old);
    /* A window of 1,024 keys (Mistral's sliding layers, shorter): chunk 0's queries see 1..1,024 keys, 524,800
     * pairs; every later chunk's 1,024 each, 1,048,576 pairs at n = 8, e = 0.8. Ranks 1-3 run two such kernels, the
     * slowest. */
    double w = 2 * (fixed + unit * 1048576 / 0.8) + 2 * copy;
    double gw = lc_cp_allgather_attention_seconds(&ch, g, peak, 132, 33, 8192, 4, 1024, 128, 128, 128, 2, false);
    cr_expect(fabs(gw / w - 1) < 1e-12, "windowed %.9g s, derived %.9g s", gw, w);
}

/* Transformer Engine's ring merges (AttnFuncWithCPAndKVP2P), llama-3-8b's heads (32 query, 8 key/value, 128 wide),
 * bf16, s = 8,192 over cp 4: q = 2,048 queries a rank, h = 1,024. Forward, rank 3 (every step on all its queries): the
 * first output correction (2 x 2 x 128 + 8 bytes a head-query), three more (3 x 2 x 128 + 8) and three lse corrections
 * (12): 32 x 2,048 x (520 + 3 x 788) = 189,005,824 bytes in 7 kernels; rank 0 runs its three on h queries: 111,542,272.
 * Backward, rank 3: dq adds over 4 x 2,048 queries and dk, dv over 2,048 + 3 x 1,024 keys, 6 bytes an element: 6 x (32
 * x 128 x 8,192 + 8 x 256 x 5,120) = 264,241,152 bytes in 12 kernels (rank 0: 226,492,416). */
Test(cp_ring, te_ring_merges_are_memory_bound_kernels)
{
    const llmcost_gpu *g = llmcost_gpu_find("h100");
    cr_assert_not_null(g);
    const lc_kernel_model *km = lc_kernel_model_get();
    double bw = g->memory_bw * km->copy_eta, k;
    double f = lc_cp_ring_correction_seconds(g, 32, 8, 8192, 4, 128, 128, 128, 2, false, false, &k);
    cr_expect(fabs(f / (189005824.0 / bw + 7 * km->kernel_min) - 1) < 1e-12, "%.9g", f);
    cr_expect_float_eq(k, 7, 0);
    double b = lc_cp_ring_correction_seconds(g, 32, 8, 8192, 4, 128, 128, 128, 2, false, true, &k);
    cr_expect(fabs(b / (264241152.0 / bw + 12 * km->kernel_min) - 1) < 1e-12, "%.9g", b);
    cr_expect_float_eq(k, 12, 0);
    /* No ring, no merge. */
    cr_expect_float_eq(lc_cp_ring_correction_seconds(g, 32, 8, 8192, 1, 128, 128, 128, 2, false, false, NULL), 0, 0);
    /* PyTorch's merger works in fp32 and costs more: the same shapes. */
    cr_expect_gt(lc_cp_ring_correction_seconds(g, 32, 8, 8192, 4, 128, 128, 128, 2, true, false, NULL), f);
}

/* ---- h-moe2: Megatron-Core's --moe-shared-expert-overlap ---- */

Test(step_mechanisms, shared_expert_overlap_pairs_by_hand)
{
    /* Each all-to-all hides min(a, s) behind its partner GEMM, less NCCL's 16 of the 132 SMs while hidden. By hand,
     * dispatch = combine = 4 ms each way, se = {fc1 fwd 2, fc2 fwd 1, fc1 bwd 4, fc2 bwd 2} ms, 132 SMs:
     *   dispatch | fc1 fwd: 4 - 2 + 2 x 16/132 = 2.24242;  combine | fc2 fwd: 4 - 1 + 1 x 16/132 = 3.12121;
     *   combine's gradient (dispatch direction) | fc2 bwd: 2.24242;  dispatch's gradient | fc1 bwd: 0 + 4 x 16/132 =
     *   0.48485; in all 8.09091 ms of the 16 ms exposed without it. */
    const double se[4] = {2e-3, 1e-3, 4e-3, 2e-3};
    double sm = 16.0 / 132;
    double want = (4 - 2 + 2 * sm) + (4 - 1 + 1 * sm) + (4 - 2 + 2 * sm) + (0 + 4 * sm);
    cr_expect_float_eq(want, 8.0909090909, 1e-9);
    cr_expect_float_eq(lc_shared_overlap_exposed(4e-3, 4e-3, se, 132), want * 1e-3, 1e-15);
    /* GEMMs longer than every all-to-all: only the SM share of the traffic shows, 16/132 of 2 (a + b). */
    const double big[4] = {1, 1, 1, 1};
    cr_expect_float_eq(lc_shared_overlap_exposed(3e-3, 1e-3, big, 132), 8e-3 * sm, 1e-15);
    /* no shared GEMMs: all of it; a GPU of no more SMs than NCCL takes: nothing hidden gains */
    const double none[4] = {0, 0, 0, 0};
    cr_expect_float_eq(lc_shared_overlap_exposed(3e-3, 1e-3, none, 132), 8e-3, 1e-15);
    cr_expect_float_eq(lc_shared_overlap_exposed(3e-3, 1e-3, big, 16), 8e-3, 1e-15);
}

Test(step_mechanisms, shared_expert_overlap_in_the_step)
{
    /* Qwen1.5-MoE-A2.7B (h 2048, top-4 of 60, one shared expert of 5632) on 2 H100 with EP 2, 4,096 tokens, the
     * alltoall dispatcher. Per token, the dispatch sends 4 x 2048 x 2 B, half to the other rank: 8192 B / (450 GB/s x
     * 0.8) = 22.8 ns each way; the shared expert's fc1 (gate and up) is 2 x 2048 x 11264 = 46.1 MFLOP, its fc2 23.1
     * MFLOP: at H100's best measured rate (794.5 TFLOP/s, MAMF) 58 and 29 ns forward, twice that backward. Every
     * all-to-all is shorter than its partner GEMM, so each hides whole and only NCCL's share shows: the exposed EP
     * time is 16/132 of the all-to-alls, which the flag leaves as they are. */
    llmcost_step_options o = LLMCOST_STEP_OPTIONS_INIT;
    o.framework = LLMCOST_FW_MEGATRON;
    o.seq = 4096;
    o.layout.dp = 2;
    o.layout.ep = 2;
    llmcost_step off = run("qwen1.5-moe-a2.7b", "h100", &o);
    o.moe_shared_expert_overlap = true;
    llmcost_step on = run("qwen1.5-moe-a2.7b", "h100", &o);
    double raw = off.comm_total[LLMCOST_ST_EP_COMM];
    cr_assert_gt(raw, 0);
    cr_expect_float_eq(off.components[LLMCOST_ST_EP_COMM], raw, 1e-12 * raw); /* blocking without it */
    cr_expect_float_eq(on.comm_total[LLMCOST_ST_EP_COMM], raw, 1e-12 * raw);
    cr_expect_float_eq(on.components[LLMCOST_ST_EP_COMM], raw * 16 / 132, 1e-9 * raw);
    /* nothing else moves: the step is shorter by the EP time hidden */
    cr_expect_float_eq(off.step_seconds - on.step_seconds, raw * (1 - 16.0 / 132), 1e-9 * off.step_seconds);
    /* DeepSeek-V2-Lite (h 2048, two shared experts of 1408: I = 2816) on 16 H100 with EP 16 over two nodes: the
     * all-to-alls go over the network (each 4096 x 6 x 2048 x 2 B x 8/16 / 45 GB/s = 1.1 ms) and exceed the
     * GEMMs beside them, so what hides is the shared expert's GEMM time itself, less NCCL's share: per MoE layer
     * and micro-batch at least its FLOPs at peak, 3 x 6 x 2048 x 2816 x 4096 / 989.4 TFLOP/s = 0.43 ms, forward
     * and backward, and no more than the all-to-alls themselves. */
    o.moe_shared_expert_overlap = false;
    o.layout.dp = 16;
    o.layout.ep = 16;
    off = run("deepseek-v2-lite", "h100", &o);
    o.moe_shared_expert_overlap = true;
    on = run("deepseek-v2-lite", "h100", &o);
    raw = off.comm_total[LLMCOST_ST_EP_COMM];
    double saved = off.components[LLMCOST_ST_EP_COMM] - on.components[LLMCOST_ST_EP_COMM];
    double per = saved / (1 - 16.0 / 132) / 26 / (double)on.micro_batches; /* 26 MoE layers of 27, one stage */
    double at_peak = 3 * 6.0 * 2048 * 2816 * 4096 / 989.4e12;
    cr_expect_float_eq(at_peak, 0.43e-3, 0.01e-3);
    cr_expect_geq(per, at_peak, "shared GEMMs hidden %.3g s per layer, at peak %.3g", per, at_peak);
    cr_expect_lt(per, 4 * at_peak, "shared GEMMs hidden %.3g s per layer: more than 4x their time at peak", per);
    cr_expect_lt(saved, raw);
    cr_expect_float_eq(on.comm_total[LLMCOST_ST_EP_COMM], raw, 1e-12 * raw);
    cr_expect_float_eq(off.step_seconds - on.step_seconds, saved, 1e-9 * off.step_seconds);
}

Test(step_errors, shared_expert_overlap_is_megatron_cores_with_alltoall)
{
    /* transformer_config.py: "moe_shared_expert_overlap only works with alltoall token dispatcher"; "Disable
     * moe_shared_expert_overlap when enabling overlap_moe_expert_parallel_comm"; a model without a shared expert has
     * nothing to run beside the dispatch. */
    llmcost_model *m;
    cr_assert_eq(llmcost_model_load(&m, "deepseek-v2-lite"), 0);
    const llmcost_gpu *g = llmcost_gpu_find("h100");
    llmcost_step_options o = LLMCOST_STEP_OPTIONS_INIT;
    o.framework = LLMCOST_FW_MEGATRON;
    o.layout.dp = 8;
    o.layout.ep = 8;
    o.moe_shared_expert_overlap = true;
    llmcost_step s;
    cr_expect_eq(llmcost_step_compute(&s, m, g, &o), 0, "%s", llmcost_errmsg());
    o.moe_dispatcher = LLMCOST_MOE_DEEPEP;
    cr_expect_eq(llmcost_step_compute(&s, m, g, &o), LLMCOST_EINVAL);
    cr_expect(strstr(llmcost_errmsg(), "moe_shared_expert_overlap") && strstr(llmcost_errmsg(), "deepep"), "%s",
              llmcost_errmsg());
    o.moe_dispatcher = LLMCOST_MOE_ALLGATHER;
    cr_expect_eq(llmcost_step_compute(&s, m, g, &o), LLMCOST_EINVAL);
    o.moe_dispatcher = LLMCOST_MOE_ALLTOALL;
    o.layout.ep_overlap = true;
    cr_expect_eq(llmcost_step_compute(&s, m, g, &o), LLMCOST_EINVAL);
    cr_expect(strstr(llmcost_errmsg(), "ep_overlap"), "%s", llmcost_errmsg());
    o.layout.ep_overlap = false;
    o.framework = LLMCOST_FW_HF;
    cr_expect_eq(llmcost_step_compute(&s, m, g, &o), LLMCOST_EINVAL);
    cr_expect(strstr(llmcost_errmsg(), "megatron"), "%s", llmcost_errmsg());
    llmcost_model_free(m);
    cr_assert_eq(llmcost_model_load(&m, "mixtral-8x7b"), 0);
    o.framework = LLMCOST_FW_MEGATRON;
    cr_expect_eq(llmcost_step_compute(&s, m, g, &o), LLMCOST_EINVAL);
    cr_expect(strstr(llmcost_errmsg(), "no shared expert"), "%s", llmcost_errmsg());
    /* a version-3 options struct has no such field: read without it */
    o.version = 3;
    cr_expect_eq(llmcost_step_compute(&s, m, g, &o), 0, "%s", llmcost_errmsg());
    llmcost_model_free(m);
}
