/* test_memory.c - training memory against real H200 measurements (data/calibration/), Korthikanti et al.'s Table 2
 * formulas with their symbols, and derivations written beside each assertion. */
#include <criterion/criterion.h>
#include <jansson.h>
#include <math.h>
#include <string.h>

#include "helpers.h"
#include "llmcost/llmcost.h"
#include "internal.h"

static llmcost_model *load_json(json_t *config)
{
    char *text = json_dumps(config, 0);
    llmcost_model *m = NULL;
    cr_assert_eq(llmcost_model_from_json(&m, text, strlen(text), "case"), 0, "%s", llmcost_errmsg());
    free(text);
    return m;
}

/* Predicts every measured case of "rel" and checks the peak within "peak_tol" and the activations kept by the
 * forward within "act_tol". Returns the number of cases. */
static int check_steps(const char *rel, const char *key, double peak_tol, double act_tol)
{
    json_error_t e;
    json_t *doc = json_load_file(src_path(rel), 0, &e);
    cr_assert_not_null(doc, "%s: %s", rel, e.text);
    size_t i;
    json_t *c;
    int n = 0;
    double worst = 0;
    json_array_foreach(json_object_get(doc, key), i, c)
    {
        llmcost_model *m = load_json(json_object_get(c, "config"));
        const char *prec = json_string_value(json_object_get(c, "precision"));
        const char *rec = json_string_value(json_object_get(c, "recompute"));
        llmcost_memory_options o = LLMCOST_MEMORY_OPTIONS_INIT;
        o.micro_batch = json_integer_value(json_object_get(c, "micro_batch"));
        o.seq = json_integer_value(json_object_get(c, "seq"));
        o.precision = (!strncmp(prec, "fp32 weights", 12) || !strcmp(prec, "amp")) ? LLMCOST_PREC_AMP_BF16
                      : !strcmp(prec, "fp32")                                     ? LLMCOST_PREC_FP32
                                                                                  : LLMCOST_PREC_BF16;
        json_t *attn = json_object_get(c, "attention");
        if (attn && !strcmp(json_string_value(attn), "eager"))
            o.attention = LLMCOST_ATTN_EAGER;
        o.recompute = !strncmp(rec, "full", 4) ? LLMCOST_RECOMPUTE_FULL : LLMCOST_RECOMPUTE_NONE;
        llmcost_memory r;
        cr_assert_eq(llmcost_memory_compute(&r, m, &o), 0, "%s", llmcost_errmsg());
        json_t *b = json_object_get(c, "bytes");
        double peak = (double)json_integer_value(json_object_get(b, "peak_allocated_step"));
        double act = (double)json_integer_value(json_object_get(b, "activations_kept_by_forward"));
        const char *name = json_string_value(json_object_get(c, "case"));
        double err = r.peak_bytes / peak - 1;
        cr_expect(fabs(err) <= peak_tol, "%s: %s peak predicted %.4g, measured %.4g (%+.2f%%)", rel, name, r.peak_bytes,
                  peak, 100 * err);
        double aerr = r.activations_bytes / act - 1;
        cr_expect(fabs(aerr) <= act_tol, "%s: %s activations predicted %.4g, measured %.4g (%+.2f%%)", rel, name,
                  r.activations_bytes, act, 100 * aerr);
        if (fabs(err) > worst)
            worst = fabs(err);
        llmcost_model_free(m);
        n++;
    }
    json_decref(doc);
    cr_log_info("%s: %d cases, worst peak error %.2f%%", rel, n, 100 * worst);
    return n;
}

Test(memory_hf, peak_within_10_percent_of_every_calibration_step)
{
    /* The bar is 10%. The model is mechanistic (each kept tensor from the transformers code), so hold it to
     * 5% on the peak and 6% on the activations, lest a regression hide inside the bar. GPT-2's attention kept
     * two more [b,s,h] copies in the census run than in this file's run (4h per token and layer): +5%. */
    cr_assert_geq(check_steps("data/calibration/h200_training_steps.json", "cases", 0.05, 0.06), 9);
}

Test(memory_hf, peak_within_10_percent_of_the_new_measurements)
{
    /* MLA with shared experts and a first dense layer, Mixtral-style MoE (bf16 and fp32-expert amp), Gemma 2
     * with a 256k vocabulary and four norms, Qwen2.5's 152k vocabulary, other sequence lengths and batches;
     * round 2, measured after the model was written: OLMo 2, Phi-3's sliding-window mask, OPT-350m, Falcon's
     * math-backend attention, Gemma 3, gpt-oss (eager, sinks), eager Llama, fp32. */
    cr_assert_geq(check_steps("data/calibration/h200_measured_2026-11-28.json", "steps", 0.05, 0.05), 34);
}

Test(memory_hf, llama_125m_bf16_by_hand)
{
    /* One layer keeps, per token (census of llama-125m, bf16, sdpa): two RMSNorms of 8h + 4 bytes (fp32 copy,
     * rsqrt, bf16 normalised, bf16 output), q/k/v/out 8h, log-sum-exp 4*12, MLP 4 x 2*2048; plus 16 bytes of RNG
     * state. T = 8 x 2048 tokens, h = 768. */
    llmcost_model *m = load_json(json_pack("{s:s,s:i,s:i,s:i,s:i,s:i,s:i,s:b}", "model_type", "llama", "hidden_size", 768,
                                           "intermediate_size", 2048, "num_hidden_layers", 12, "num_attention_heads", 12,
                                           "num_key_value_heads", 12, "vocab_size", 32000, "tie_word_embeddings", 0));
    llmcost_memory_options o = LLMCOST_MEMORY_OPTIONS_INIT;
    o.micro_batch = 8;
    o.seq = 2048;
    llmcost_memory r;
    llmcost_memory_compute(&r, m, &o);
    double T = 16384, h = 768;
    cr_expect_eq(r.layer_activation_bytes, (2 * (8 * h + 4) + 8 * h + 4 * 12 + 4 * 2 * 2048) * T + 16);
    /* bf16 AdamW: weights 2, states 2 x 2 bytes per parameter (134,105,856 parameters). */
    cr_expect_eq(r.weights_bytes, 2.0 * 134105856);
    cr_expect_eq(r.optimizer_bytes, 4.0 * 134105856);
    /* The peak: the loss's backward holds two fp32 [T, V] gradients on top of what forward kept. */
    cr_expect_eq(r.peak_phase, LLMCOST_PHASE_BACKWARD_LOSS);
    cr_expect_eq(r.phase_bytes[LLMCOST_PHASE_BACKWARD_LOSS] - r.after_forward_bytes, 2 * 4 * 32000 * T);
    llmcost_model_free(m);
}

Test(memory_recipes, bytes_per_parameter)
{
    /* Per parameter: fp32 4 + 4 + 8; amp 4 + 4 + 8; bf16 2 + 2 + 4; bf16-master 2 + 4 (fp32 grads) + 12
     * (ZeRO paper: master + two moments); fp8 (DeepSeek-V3 §3.3) 2 + 4 + 4 master + 2 + 2 moments; fp16 (mixed
     * precision with loss scaling, Micikevicius et al. 2018; ZeRO §3.1 "2Ψ + 2Ψ + 12Ψ") 2 + 2 + 12. */
    llmcost_model *m = load_model("llama-2-7b");
    double N = 6738415616.0;
    struct {
        llmcost_precision p;
        double w, g, opt;
    } cases[] = {{LLMCOST_PREC_FP32, 4, 4, 8},        {LLMCOST_PREC_AMP_BF16, 4, 4, 8}, {LLMCOST_PREC_BF16, 2, 2, 4},
                 {LLMCOST_PREC_BF16_MASTER, 2, 4, 12}, {LLMCOST_PREC_FP8, 2, 4, 8},
                 {LLMCOST_PREC_FP16, 2, 2, 12}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        llmcost_memory_options o = LLMCOST_MEMORY_OPTIONS_INIT;
        o.precision = cases[i].p;
        o.seq = 1024;
        llmcost_memory r;
        cr_assert_eq(llmcost_memory_compute(&r, m, &o), 0);
        cr_expect_eq(r.weights_bytes, cases[i].w * N, "recipe %zu weights", i);
        cr_expect_eq(r.gradients_bytes, cases[i].g * N, "recipe %zu gradients", i);
        cr_expect_eq(r.optimizer_bytes, cases[i].opt * N, "recipe %zu optimizer", i);
    }
    /* fp16 on one GPU, end of backward (the peak of a 7B model at seq 1024): weights + fp16 gradients + master and
     * moments = (2 + 2 + 12) x N = 16 x 6,738,415,616 = 107,814,649,856 bytes: ZeRO's 16Ψ. Its activations are
     * bf16's (both 2 bytes), so only gradients and nothing else differ from bf16-master (18Ψ at that phase). */
    {
        llmcost_memory_options a = LLMCOST_MEMORY_OPTIONS_INIT, b;
        a.seq = 1024;
        a.precision = LLMCOST_PREC_FP16;
        b = a;
        b.precision = LLMCOST_PREC_BF16_MASTER;
        llmcost_memory ra, rb;
        cr_assert_eq(llmcost_memory_compute(&ra, m, &a), 0);
        cr_assert_eq(llmcost_memory_compute(&rb, m, &b), 0);
        cr_expect_eq(ra.phase_bytes[LLMCOST_PHASE_BACKWARD_END], 107814649856.0);
        cr_expect_eq(rb.phase_bytes[LLMCOST_PHASE_BACKWARD_END] - ra.phase_bytes[LLMCOST_PHASE_BACKWARD_END], 2 * N);
        cr_expect_eq(ra.activations_bytes, rb.activations_bytes);
    }
    /* Optimizers under bf16: SGD momentum one bf16 buffer; 8-bit AdamW two bytes plus 2 x 4/256 of absmax. */
    llmcost_memory_options o = LLMCOST_MEMORY_OPTIONS_INIT;
    llmcost_memory r;
    o.optimizer = LLMCOST_OPTIM_SGD;
    llmcost_memory_compute(&r, m, &o);
    cr_expect_eq(r.optimizer_bytes, 2 * N);
    o.optimizer = LLMCOST_OPTIM_ADAMW_8BIT;
    llmcost_memory_compute(&r, m, &o);
    cr_expect(fabs(r.optimizer_bytes - N * 2 * (1 + 4.0 / 256)) < 1);
    /* Adafactor keeps rows + columns per matrix: far less than one state per parameter. */
    o.optimizer = LLMCOST_OPTIM_ADAFACTOR;
    llmcost_memory_compute(&r, m, &o);
    cr_expect_lt(r.optimizer_bytes, 0.01 * N);
    cr_expect_gt(r.optimizer_bytes, 0);
    llmcost_model_free(m);
}

Test(memory_parallel, zero_stages_shard_states_gradients_weights)
{
    /* bf16-master over dp = 8: ZeRO-1 divides the 12 optimizer bytes, ZeRO-2 also the 4 gradient bytes,
     * ZeRO-3 also the 2 weight bytes (Rajbhandari et al. 2020, Figure 1). */
    llmcost_model *m = load_model("llama-2-7b");
    double N = 6738415616.0;
    llmcost_memory_options o = LLMCOST_MEMORY_OPTIONS_INIT;
    o.precision = LLMCOST_PREC_BF16_MASTER;
    o.seq = 1024;
    o.layout.dp = 8;
    llmcost_memory r;
    for (int z = 0; z <= 3; z++) {
        o.layout.zero = z;
        cr_assert_eq(llmcost_memory_compute(&r, m, &o), 0, "%s", llmcost_errmsg());
        cr_expect_eq(r.optimizer_bytes, 12 * N / (z >= 1 ? 8 : 1));
        cr_expect_eq(r.gradients_bytes, 4 * N / (z >= 2 ? 8 : 1));
        cr_expect_eq(r.weights_bytes, 2 * N / (z >= 3 ? 8 : 1));
    }
    llmcost_model_free(m);
}

Test(memory_parallel, tensor_and_pipeline_parallel_divide_the_work)
{
    /* Llama-2-7B, tp 2: attention and MLP matrices, embedding and head are split; norms are not. */
    llmcost_model *m = load_model("llama-2-7b");
    llmcost_memory_options o = LLMCOST_MEMORY_OPTIONS_INIT;
    o.seq = 1024;
    o.layout.tp = 2;
    llmcost_memory r;
    cr_assert_eq(llmcost_memory_compute(&r, m, &o), 0);
    double norms = 32.0 * 2 * 4096 + 4096;
    cr_expect_eq(r.weights_bytes, 2 * ((6738415616.0 - norms) / 2 + norms));
    /* pp 4 with 1F1B: the first stage holds 8 layers and 4 micro-batches in flight (Narayanan et al. 2021). */
    o.layout.tp = 1;
    o.layout.pp = 4;
    o.micro_batches = 16;
    cr_assert_eq(llmcost_memory_compute(&r, m, &o), 0);
    cr_expect_eq(r.layers_on_stage, 8);
    cr_expect_eq(r.stage, 0); /* 4 micro-batches of 8 layers outweigh the last stage's loss */
    cr_expect_eq(r.in_flight, 4);
    /* Interleaving (v = 2) raises the first stage's in-flight share by 1 + (p - 1)/(p v) = 1.375: 5.5 micro-batches
     * (Korthikanti et al. 2022 §4.2.3). Stage 0 then holds 4 virtual chunks of 4 layers. */
    o.layout.vpp = 2;
    cr_assert_eq(llmcost_memory_compute(&r, m, &o), 0, "%s", llmcost_errmsg());
    cr_expect_eq(r.stage, 0);
    cr_expect_eq(r.in_flight, 5.5);
    llmcost_model_free(m);
}

Test(memory_layout, errors_name_the_field)
{
    llmcost_model *m = load_model("llama-2-7b");
    llmcost_memory_options o = LLMCOST_MEMORY_OPTIONS_INIT;
    llmcost_memory r;
    o.layout.tp = 3;
    cr_expect_lt(llmcost_memory_compute(&r, m, &o), 0);
    /* The library names the job's field (job.h); the CLI maps it to --tp. */
    cr_expect(strstr(llmcost_errmsg(), "layout.tp = 3") != NULL, "%s", llmcost_errmsg());
    o.layout.tp = 1;
    o.layout.pp = 64;
    cr_expect_lt(llmcost_memory_compute(&r, m, &o), 0);
    cr_expect(strstr(llmcost_errmsg(), "layout.pp = 64") != NULL, "%s", llmcost_errmsg());
    o.layout.pp = 1;
    o.layout.ep = 2;
    o.layout.dp = 2;
    cr_expect_lt(llmcost_memory_compute(&r, m, &o), 0);
    cr_expect(strstr(llmcost_errmsg(), "layout.ep = 2") != NULL, "%s", llmcost_errmsg());
    llmcost_model_free(m);
}

Test(memory_megatron, korthikanti_table_2_with_its_symbols)
{
    /* Korthikanti et al. 2022, Table 2, per layer: sbh(34 + 5as/h); TP t: sbh(10 + 24/t + 5as/(ht));
     * TP + SP: sbh/t (34 + 5as/h); selective drops 5as/h; full keeps 2sbh. GPT-3 175B: s 2048, h 12288, a 96, t 8. */
    double s = 2048, b = 1, h = 12288, a = 96, t = 8;
    cr_expect_eq(llmcost_memory_korthikanti(s, b, h, a, 1, false, LLMCOST_RECOMPUTE_NONE), s * b * h * (34 + 5 * a * s / h));
    cr_expect_eq(llmcost_memory_korthikanti(s, b, h, a, t, false, LLMCOST_RECOMPUTE_NONE),
                 s * b * h * (10 + 24 / t + 5 * a * s / (h * t)));
    cr_expect_eq(llmcost_memory_korthikanti(s, b, h, a, t, true, LLMCOST_RECOMPUTE_NONE), s * b * h / t * (34 + 5 * a * s / h));
    cr_expect_eq(llmcost_memory_korthikanti(s, b, h, a, t, true, LLMCOST_RECOMPUTE_SELECTIVE), s * b * h / t * 34);
    cr_expect_eq(llmcost_memory_korthikanti(s, b, h, a, t, false, LLMCOST_RECOMPUTE_SELECTIVE), s * b * h * (10 + 24 / t));
    cr_expect_eq(llmcost_memory_korthikanti(s, b, h, a, t, true, LLMCOST_RECOMPUTE_FULL), 2 * s * b * h / t);
}

Test(memory_megatron, profile_reduces_to_table_2_for_a_gpt_layer)
{
    /* A GPT layer as the paper has it (MHA, 4h GELU MLP, dropout, eager attention): the megatron profile's
     * per-layer bytes equal sbh(34 + 5as/h), with TP 4 and without and with SP, and under selective recompute. */
    llmcost_model *m = load_model("gpt2-medium"); /* h 1024, a 16, dropout 0.1 */
    double s = 1024, b = 2, h = 1024, a = 16;
    llmcost_memory_options o = LLMCOST_MEMORY_OPTIONS_INIT;
    o.framework = LLMCOST_FW_MEGATRON;
    o.attention = LLMCOST_ATTN_EAGER;
    o.micro_batch = 2;
    o.seq = 1024;
    llmcost_memory r;
    cr_assert_eq(llmcost_memory_compute(&r, m, &o), 0, "%s", llmcost_errmsg());
    cr_expect_eq(r.layer_activation_bytes, llmcost_memory_korthikanti(s, b, h, a, 1, false, LLMCOST_RECOMPUTE_NONE));
    o.layout.tp = 4;
    o.layout.sequence_parallel = false;
    cr_assert_eq(llmcost_memory_compute(&r, m, &o), 0, "%s", llmcost_errmsg());
    cr_expect_eq(r.layer_activation_bytes, llmcost_memory_korthikanti(s, b, h, a, 4, false, LLMCOST_RECOMPUTE_NONE));
    o.layout.sequence_parallel = true;
    cr_assert_eq(llmcost_memory_compute(&r, m, &o), 0);
    cr_expect_eq(r.layer_activation_bytes, llmcost_memory_korthikanti(s, b, h, a, 4, true, LLMCOST_RECOMPUTE_NONE));
    o.recompute = LLMCOST_RECOMPUTE_SELECTIVE;
    cr_assert_eq(llmcost_memory_compute(&r, m, &o), 0);
    cr_expect_eq(r.layer_activation_bytes, llmcost_memory_korthikanti(s, b, h, a, 4, true, LLMCOST_RECOMPUTE_SELECTIVE));
    o.recompute = LLMCOST_RECOMPUTE_FULL;
    cr_assert_eq(llmcost_memory_compute(&r, m, &o), 0);
    cr_expect_eq(r.layer_activation_bytes, llmcost_memory_korthikanti(s, b, h, a, 4, true, LLMCOST_RECOMPUTE_FULL));
    llmcost_model_free(m);
}

Test(memory_course, one_llama_7b_layer_fp16_with_checkpoint)
{
    /* assignment.md: one layer's fp16 weights (202,383,360 x 2 bytes) + one b*s*h fp16 checkpoint
     * (2048 x 4096 x 2 bytes) = 0.3926 GiB, the common answer. */
    llmcost_model *m = load_model(src_path("tests/fixtures/llama_7b_config.json"));
    llmcost_course_layer c;
    cr_assert_eq(llmcost_memory_course_layer(&c, m, 1, 2048), 0);
    cr_expect_eq(c.weights_bytes, 2.0 * 202383360);
    cr_expect_eq(c.checkpoint_bytes, 2.0 * 2048 * 4096);
    cr_expect(fabs((c.weights_bytes + c.checkpoint_bytes) / 1073741824.0 - 0.3926) < 0.00005);
    /* Eager attention inside the layer holds q, k, v (3 x 2048 x 4096 x 2) and 32 heads of 2048^2 scores and
     * probabilities in fp16 (2 x 2 x 32 x 2048^2): 553,648,128 bytes, more than the MLP's. */
    cr_expect_eq(c.transient_bytes, 3.0 * 2048 * 4096 * 2 + 2.0 * 2 * 32 * 2048 * 2048);
    llmcost_model_free(m);
}

Test(memory_fit, max_micro_batch_is_the_largest_that_fits)
{
    llmcost_model *m = load_model("llama-3.2-1b");
    llmcost_memory_options o = LLMCOST_MEMORY_OPTIONS_INIT;
    o.seq = 2048;
    double cap = 80.0 * 1073741824.0;
    int64_t b;
    cr_assert_eq(llmcost_memory_max_micro_batch(&b, m, &o, cap, 0.05), 0);
    cr_assert_gt(b, 0);
    llmcost_memory r;
    o.micro_batch = b;
    llmcost_memory_compute(&r, m, &o);
    cr_expect_leq(r.reserved_bytes + o.cuda_context_bytes, cap * 0.95);
    o.micro_batch = b + 1;
    llmcost_memory_compute(&r, m, &o);
    cr_expect_gt(r.reserved_bytes + o.cuda_context_bytes, cap * 0.95);
    llmcost_model_free(m);
}

Test(memory_cli, json_keys_and_fit)
{
    run_result r = run_cli((const char *const[]){"memory", "llama-3-8b", "--seq", "4096", "--recompute", "full", "--gpu",
                                                 "h100", "--format", "json", NULL});
    cr_assert_eq(r.status, 0, "%s", r.err);
    json_error_t e;
    json_t *j = json_loads(r.out, 0, &e);
    cr_assert_not_null(j, "%s", e.text);
    cr_expect(json_is_number(json_object_get(j, "peak_bytes")));
    cr_expect(json_is_number(json_object_get(j, "reserved_bytes")));
    cr_expect(json_is_object(json_object_get(j, "components")));
    cr_expect(json_is_boolean(json_object_get(j, "fits")));
    cr_expect(json_is_integer(json_object_get(j, "max_micro_batch")));
    /* fits must agree with the numbers it is made of: reserve + CUDA context within 95% of the GPU. */
    double cap = json_number_value(json_object_get(j, "capacity_bytes"));
    double res = json_number_value(json_object_get(j, "reserved_bytes"));
    double ctx = json_number_value(json_object_get(j, "cuda_context_bytes"));
    cr_expect_eq(json_is_true(json_object_get(j, "fits")), res + ctx <= cap * 0.95);
    json_decref(j);
    run_free(&r);
}

/* Every field of two memory results, compared with == (the same digits, not a tolerance). */
static void expect_same_memory(const llmcost_memory *a, const llmcost_memory *b, const char *what)
{
    for (int k = 0; k < LLMCOST_MC_COUNT; k++)
        cr_expect(a->components[k] == b->components[k], "%s: component %d %.17g != %.17g", what, k, a->components[k],
                  b->components[k]);
    for (int k = 0; k < LLMCOST_PHASE_COUNT; k++)
        cr_expect(a->phase_bytes[k] == b->phase_bytes[k], "%s: phase %d %.17g != %.17g", what, k, a->phase_bytes[k],
                  b->phase_bytes[k]);
    cr_expect_eq(a->peak_phase, b->peak_phase, "%s", what);
    const double x[] = {a->peak_bytes, a->reserved_bytes, a->weights_bytes, a->gradients_bytes, a->optimizer_bytes,
                        a->activations_bytes, a->after_forward_bytes, a->layer_activation_bytes, a->layer_full_bytes,
                        a->in_flight, a->cuda_context_bytes, a->param_bytes.weights, a->param_bytes.gradients,
                        a->param_bytes.master, a->param_bytes.moment, a->param_bytes.states, a->param_bytes.optimizer};
    const double y[] = {b->peak_bytes, b->reserved_bytes, b->weights_bytes, b->gradients_bytes, b->optimizer_bytes,
                        b->activations_bytes, b->after_forward_bytes, b->layer_activation_bytes, b->layer_full_bytes,
                        b->in_flight, b->cuda_context_bytes, b->param_bytes.weights, b->param_bytes.gradients,
                        b->param_bytes.master, b->param_bytes.moment, b->param_bytes.states, b->param_bytes.optimizer};
    for (size_t k = 0; k < sizeof x / sizeof x[0]; k++)
        cr_expect(x[k] == y[k], "%s: field %zu %.17g != %.17g", what, k, x[k], y[k]);
    cr_expect_eq(a->stage, b->stage, "%s", what);
    cr_expect_eq(a->layers_on_stage, b->layers_on_stage, "%s", what);
}

/* Sweeps one prepared memory over layouts, micro-batches, recomputation and expert TP (in an order that revisits
 * earlier settings) and checks each answer against llmcost_memory_compute's, or the same refusal. Returns the
 * number of answers compared. */
static int sweep_prepared(const llmcost_model *m, llmcost_memory_options o)
{
    llmcost_memory_prepared *p = NULL;
    cr_assert_eq(llmcost_memory_prepare(&p, m, &o), 0, "%s", llmcost_errmsg());
    static const int64_t lay[][6] = {/* tp, pp, vpp, cp, ep, gpus */
                                     {1, 1, 1, 1, 1, 1},   {2, 1, 1, 1, 1, 8},   {1, 4, 1, 1, 1, 8},
                                     {2, 2, 2, 1, 2, 16},  {4, 2, 1, 2, 4, 64},  {8, 4, 2, 1, 8, 512},
                                     {1, 2, 1, 1, 8, 64},  {2, 8, 1, 1, 1, 16},  {8, 16, 8, 1, 1, 16384},
                                     {1, 16, 1, 1, 64, 2048}, {3, 1, 1, 1, 1, 3}, {2, 3, 1, 1, 1, 6}};
    bool moe = llmcost_model_moe_layers(m) > 0;
    int compared = 0;
    for (int pass = 0; pass < 2; pass++)
        for (size_t i = 0; i < sizeof lay / sizeof lay[0]; i++)
            for (int zero = 0; zero <= 3; zero++)
                for (int r = 0; r < 3; r++) {
                    size_t li = pass ? sizeof lay / sizeof lay[0] - 1 - i : i; /* second pass backwards */
                    llmcost_memory_options q = o;
                    q.layout.tp = lay[li][0];
                    q.layout.pp = lay[li][1];
                    q.layout.vpp = lay[li][2];
                    q.layout.cp = lay[li][3];
                    q.layout.ep = moe ? lay[li][4] : 1; /* a dense model refuses ep > 1 */
                    q.layout.gpus = lay[li][5];
                    q.layout.zero = zero;
                    q.layout.sequence_parallel = (zero + r) % 2 == 1 && q.layout.tp > 1;
                    q.recompute = (llmcost_recompute)r;
                    q.micro_batch = 1 + (int64_t)((i + (size_t)zero) % 3);
                    q.micro_batches = (zero == 2) ? 3 : 0;
                    q.expert_tp = (moe && r == 2 && q.layout.tp % 2 == 0) ? 2 : 1;
                    q.cuda_context_bytes = 1e9 + (double)zero;
                    llmcost_memory a, b;
                    int ra = llmcost_memory_compute(&a, m, &q);
                    int rb = llmcost_memory_compute_prepared(&b, p, &q);
                    char what[160];
                    snprintf(what, sizeof what, "%s tp %lld pp %lld vpp %lld cp %lld ep %lld zero %d recompute %d",
                             m->name, (long long)q.layout.tp, (long long)q.layout.pp, (long long)q.layout.vpp,
                             (long long)q.layout.cp, (long long)q.layout.ep, zero, r);
                    cr_expect_eq(ra, rb, "%s: %d vs %d", what, ra, rb);
                    if (ra == 0 && rb == 0) {
                        expect_same_memory(&a, &b, what);
                        compared++;
                    }
                }
    /* Several ZeRO stages of one layout at once (the planner's call: the layers walked once for all of them): each
     * the plain engine's answer at that stage, or its refusal. Stages in a scrambled order, subsets included. */
    static const int zsets[][5] = {{4, 3, 1, 0, 2}, {2, 0, 3}, {1, 2}};
    for (size_t i = 0; i < sizeof lay / sizeof lay[0]; i++)
        for (int r = 0; r < 3; r++)
            for (size_t zs = 0; zs < sizeof zsets / sizeof zsets[0]; zs++) {
                llmcost_memory_options q = o;
                q.layout.tp = lay[i][0], q.layout.pp = lay[i][1], q.layout.vpp = lay[i][2], q.layout.cp = lay[i][3];
                q.layout.ep = moe ? lay[i][4] : 1;
                q.layout.gpus = lay[i][5];
                q.layout.sequence_parallel = r == 1 && q.layout.tp > 1;
                q.recompute = (llmcost_recompute)r;
                q.micro_batch = 1 + (int64_t)(i % 3);
                q.expert_tp = (moe && r == 2 && q.layout.tp % 2 == 0) ? 2 : 1;
                int n = zsets[zs][0];
                llmcost_memory many[4];
                int rcs[4];
                int rz = lc_memory_compute_prepared_zeros(many, rcs, p, &q, NULL, &zsets[zs][1], n);
                if (rz != 0) {
                    /* A refusal that is not the layout's (EINVAL) fails the whole call, and the plain engine refuses
                     * alike: ring CP over sliding windows (lc_cp_window_check, LLMCOST_EUNSUPPORTED). */
                    llmcost_memory_options qz = q;
                    qz.layout.zero = zsets[zs][1];
                    llmcost_memory one;
                    cr_expect_neq(rz, LLMCOST_EINVAL);
                    cr_expect_eq(llmcost_memory_compute(&one, m, &qz), rz, "%s", llmcost_errmsg());
                    continue;
                }
                for (int k = 0; k < n; k++) {
                    llmcost_memory_options qz = q;
                    qz.layout.zero = zsets[zs][1 + k];
                    llmcost_memory one;
                    int r1 = llmcost_memory_compute(&one, m, &qz);
                    char what[160];
                    snprintf(what, sizeof what, "%s zeros: tp %lld pp %lld ep %lld zero %d recompute %d", m->name,
                             (long long)q.layout.tp, (long long)q.layout.pp, (long long)q.layout.ep,
                             qz.layout.zero, r);
                    cr_expect_eq(r1, rcs[k], "%s: %d vs %d", what, r1, rcs[k]);
                    if (r1 == 0 && rcs[k] == 0) {
                        expect_same_memory(&one, &many[k], what);
                        compared++;
                    }
                }
            }
    llmcost_memory_prepared_free(p);
    return compared;
}

Test(memory_prepared, equals_the_plain_engine_on_every_layout)
{
    /* Dense, MoE (DeepSeek-V3: dense and MoE layers), local/global layers (Gemma 3), fused qkv, parallel blocks,
     * post-norms, learned positions, sinks; both profiles and several recipes and optimizers. */
    static const char *const models[] = {"opt-125m", "gpt2", "llama-7b", "gemma-3-1b", "gemma-2-2b", "falcon-7b",
                                         "phi-3-mini", "mixtral-8x7b", "qwen3-30b-a3b", "deepseek-v3", "gpt-oss-20b",
                                         "bloom-560m", "opt-350m", "olmoe-1b-7b", "llama-3.1-405b"};
    int compared = 0;
    for (size_t i = 0; i < sizeof models / sizeof models[0]; i++) {
        llmcost_model *m = load_model(models[i]);
        for (int v = 0; v < 4; v++) {
            llmcost_memory_options o;
            llmcost_memory_options_init(&o);
            o.seq = v == 3 ? 1024 : 2048;
            o.framework = v % 2 ? LLMCOST_FW_MEGATRON : LLMCOST_FW_HF;
            o.precision = (llmcost_precision[]){LLMCOST_PREC_BF16, LLMCOST_PREC_BF16_MASTER, LLMCOST_PREC_AMP_BF16,
                                                LLMCOST_PREC_FP8}[v];
            o.optimizer = (llmcost_optimizer[]){LLMCOST_OPTIM_ADAMW, LLMCOST_OPTIM_ADAFACTOR, LLMCOST_OPTIM_SGD,
                                                LLMCOST_OPTIM_ADAMW_8BIT}[v];
            o.attention = v == 2 ? LLMCOST_ATTN_EAGER : LLMCOST_ATTN_SDPA;
            o.fused_optimizer = v != 1;
            compared += sweep_prepared(m, o);
        }
        llmcost_model_free(m);
    }
    /* Most of the layouts fit the models (the rest are refused alike by both). */
    cr_expect(compared > 2000, "only %d answers compared", compared);
}

Test(memory_prepared, many_distinct_layers)
{
    /* Every layer different (more distinct layers than the engine keeps on its stack): still the same digits. */
    llmcost_model *m = load_model("llama-7b");
    for (int64_t i = 0; i < m->n_layers; i++)
        m->layers[i].ffn.dense.d_ff += 128 * i;
    llmcost_memory_options o;
    llmcost_memory_options_init(&o);
    o.optimizer = LLMCOST_OPTIM_ADAFACTOR;
    int n = sweep_prepared(m, o);
    cr_expect(n > 100, "only %d answers compared", n);
    llmcost_model_free(m);
}

Test(memory_prepared, refuses_a_change_of_what_it_fixed)
{
    llmcost_model *m = load_model("llama-7b");
    llmcost_memory_options o;
    llmcost_memory_options_init(&o);
    llmcost_memory_prepared *p = NULL;
    cr_assert_eq(llmcost_memory_prepare(&p, m, &o), 0, "%s", llmcost_errmsg());
    llmcost_memory r;
    llmcost_memory_options q = o;
    q.seq = 4096;
    cr_expect_eq(llmcost_memory_compute_prepared(&r, p, &q), LLMCOST_EINVAL);
    cr_expect(strstr(llmcost_errmsg(), "seq") != NULL, "%s", llmcost_errmsg());
    q = o;
    q.precision = LLMCOST_PREC_FP32;
    cr_expect_eq(llmcost_memory_compute_prepared(&r, p, &q), LLMCOST_EINVAL);
    cr_expect(strstr(llmcost_errmsg(), "precision") != NULL, "%s", llmcost_errmsg());
    /* A layout the model cannot take: the plain engine's message. */
    q = o;
    q.layout.tp = 3;
    cr_expect_eq(llmcost_memory_compute_prepared(&r, p, &q), LLMCOST_EINVAL);
    cr_expect(strstr(llmcost_errmsg(), "layout.tp = 3") != NULL, "%s", llmcost_errmsg());
    llmcost_memory_prepared_free(p);
    llmcost_model_free(m);
}

/* ---- DeepSeek-V3's memory mechanisms (memory.h; docs/formulas.md "Memory mechanisms") ---- */

/* DeepSeek-V3's published layout (arXiv 2412.19437 §3.2, §4.2): PP16 with DualPipe, EP64, ZeRO-1, no TP, fp8, seq
 * 4096, 15,360 sequences per step (120 micro-batches of 1 per replica, dp 128), on 2,048 H800. */
static llmcost_job dsv3_job(bool mechanisms)
{
    llmcost_job j;
    llmcost_job_init(&j);
    j.seq = 4096;
    j.micro_batch = 1;
    j.global_batch = 15360;
    j.precision = LLMCOST_PREC_FP8;
    j.framework = LLMCOST_FW_MEGATRON;
    j.recompute = LLMCOST_RECOMPUTE_SELECTIVE;
    j.attention = LLMCOST_ATTN_FLASH;
    j.layout.gpus = 2048;
    j.layout.pp = 16;
    j.layout.ep = 64;
    j.layout.zero = 1;
    j.layout.ep_overlap = true;
    if (mechanisms) {
        j.act_cache = LLMCOST_CACHE_FP8_TILE;
        j.recompute_modules = LLMCOST_RECOMPUTE_NORM | LLMCOST_RECOMPUTE_MLA_UP | LLMCOST_RECOMPUTE_MOE_ACT;
        j.pipeline = LLMCOST_PIPE_DUALPIPE;
        j.ema = LLMCOST_EMA_CPU;
    }
    return j;
}

Test(memory_mechanisms, deepseek_v3_fits_an_h800_with_its_mechanisms_and_not_without)
{
    llmcost_model *m = load_model("deepseek-v3");
    const llmcost_gpu *h800 = llmcost_gpu_find("h800");
    llmcost_job on = dsv3_job(true), off = dsv3_job(false);
    llmcost_job_fit_result f;
    cr_assert_eq(llmcost_job_fit(&f, m, h800, &on), 0, "%s", llmcost_errmsg());
    cr_expect(f.fits, "with the mechanisms: %.2f GiB of %.2f", f.required_bytes / 1073741824.0, f.usable_bytes / 1073741824.0);
    cr_expect_float_eq(f.usable_bytes, 0.95 * 80 * 1073741824.0, 1);
    cr_assert_eq(llmcost_job_fit(&f, m, h800, &off), 0, "%s", llmcost_errmsg());
    cr_expect(!f.fits, "without them: %.2f GiB", f.required_bytes / 1073741824.0);
    /* DualPipe alone costs memory (two stages' parameters, pp + 1 micro-batches): it does not fit either. */
    llmcost_job dual = off;
    dual.pipeline = LLMCOST_PIPE_DUALPIPE;
    cr_assert_eq(llmcost_job_fit(&f, m, h800, &dual), 0, "%s", llmcost_errmsg());
    cr_expect(!f.fits);
    llmcost_model_free(m);
}

Test(memory_mechanisms, a_deepseek_v3_moe_layer_term_by_term)
{
    /* One MoE layer, per token (tp 1, so nothing is sharded; h 7168, 128 heads of q/k 192 and v 128, latents
     * q 1536 + kv 512 + rotary key 64, 256 experts of 2,048, top-8, one shared expert of 2,048; e = 2):
     * recipe fp8 (Transformer Engine): norm inputs 2 x 2h = 28,672; attention: QKV-side input 1 x h = 7,168, q and k
     *   2 x 2 x 128 x 192 = 98,304, v 2 x 128 x 128 = 32,768, the output kept twice (bf16 by flash, fp8 by o_proj)
     *   3 x 16,384 = 49,152, log-sum-exp 4 x 128 = 512 -> 187,904; MoE: router input 7,168 + scores 4 x 256 +
     *   top-k 8 x 8 = 8,256, per routed token 7,168 (input) + 2 x 4,096 (fc1 out) + 2,048 (fc2 in) = 17,408, x 8 =
     *   139,264 -> 147,520; shared expert 2 x 4,096 + 2,048 = 10,240. Sum 374,336 bytes.
     * DeepSeek-V3's (fp8-tile caching, layernorm + mla_up_proj + moe_act recomputed), with F = 1 + 4/128 = 1.03125
     *   (fp8 + a 1x128 tile's fp32 scale): norm inputs 28,672; attention: latents 2 x 2,112 = 4,224, output in
     *   E5M6 (1.5 + 4/128) x 16,384 = 25,088, log-sum-exp 512 -> 29,824; MoE: 1,088 + 8 x F x (7,168 + 4,096) =
     *   1,088 + 92,928 = 94,016; shared expert 2 x 4,096 + F x 2,048 = 10,304. Sum 162,816 bytes.
     * x 4,096 tokens per micro-batch. */
    llmcost_model *m = load_model("deepseek-v3");
    llmcost_memory a, b;
    llmcost_job off = dsv3_job(false), on = dsv3_job(true);
    cr_assert_eq(llmcost_job_memory(&a, m, &off), 0, "%s", llmcost_errmsg());
    cr_assert_eq(llmcost_job_memory(&b, m, &on), 0, "%s", llmcost_errmsg());
    cr_expect_float_eq(a.layer_activation_bytes, 374336.0 * 4096, 1);
    cr_expect_float_eq(b.layer_activation_bytes, 162816.0 * 4096, 1);
    llmcost_model_free(m);
}

Test(memory_mechanisms, dualpipe_holds_two_stages_and_pp_plus_one_micro_batches)
{
    /* DeepSeek-V3 Table 2: DualPipe keeps 2x the parameters and PP + 1 micro-batches of activations. 61 layers on
     * 16 stages: stages 1-13 hold 4 layers, 0, 14 and 15 hold 3 (job.c's split). Rank 2 holds stages 2 and 13: 8 MoE
     * layers, twice 1F1B's stage 2 (and stage 1, the most loaded under 1F1B: 4 MoE layers, 15 micro-batches);
     * pp - 2 = 14 micro-batches of stage 2 and 3 of stage 13: 17. Every rank holds 17 (pp - r + r + 1). */
    llmcost_model *m = load_model("deepseek-v3");
    llmcost_job one = dsv3_job(false), dual = one;
    dual.pipeline = LLMCOST_PIPE_DUALPIPE;
    llmcost_memory a, b;
    cr_assert_eq(llmcost_job_memory(&a, m, &one), 0, "%s", llmcost_errmsg());
    cr_assert_eq(llmcost_job_memory(&b, m, &dual), 0, "%s", llmcost_errmsg());
    cr_expect_eq(a.stage, 1);
    cr_expect_eq(a.in_flight, 15);
    cr_expect_eq(b.in_flight, 17);
    cr_expect_eq(b.layers_on_stage, 8);
    cr_expect_float_eq(b.weights_bytes, 2 * a.weights_bytes, 1e-9 * a.weights_bytes);
    cr_expect_float_eq(b.optimizer_bytes, 2 * a.optimizer_bytes, 1e-9 * a.optimizer_bytes);
    /* the activations: 17 micro-batches of 4 layers where 1F1B's stage 1 holds 15 */
    cr_expect_float_eq(b.components[LLMCOST_MC_ACTIVATIONS], 17 * 4 * a.layer_activation_bytes, 1e-6 * b.activations_bytes);
    llmcost_model_free(m);
}

Test(memory_mechanisms, ema_on_the_gpu_is_an_fp32_copy_and_on_the_cpu_nothing)
{
    /* One GPU, llama-2-7b (N = 6,738,415,616): an EMA on the GPU adds 4 N bytes to the optimizer states; on the CPU
     * (DeepSeek-V3 §3.2.3) none. Under ZeRO-1 over 8 replicas it is sharded as the states: 4 N / 8. */
    llmcost_model *m = load_model("llama-2-7b");
    double N = 6738415616.0;
    llmcost_job j;
    llmcost_job_init(&j);
    j.seq = 1024;
    llmcost_memory none, gpu, cpu;
    cr_assert_eq(llmcost_job_memory(&none, m, &j), 0);
    j.ema = LLMCOST_EMA_GPU;
    cr_assert_eq(llmcost_job_memory(&gpu, m, &j), 0);
    j.ema = LLMCOST_EMA_CPU;
    cr_assert_eq(llmcost_job_memory(&cpu, m, &j), 0);
    cr_expect_eq(gpu.optimizer_bytes - none.optimizer_bytes, 4 * N);
    cr_expect_eq(cpu.optimizer_bytes, none.optimizer_bytes);
    cr_expect_eq(cpu.peak_bytes, none.peak_bytes);
    j.layout.gpus = 8;
    j.layout.zero = 1;
    j.ema = LLMCOST_EMA_NONE;
    cr_assert_eq(llmcost_job_memory(&none, m, &j), 0);
    j.ema = LLMCOST_EMA_GPU;
    cr_assert_eq(llmcost_job_memory(&gpu, m, &j), 0);
    cr_expect_float_eq(gpu.optimizer_bytes - none.optimizer_bytes, 4 * N / 8, 1);
    llmcost_model_free(m);
}

Test(memory_mechanisms, refused_where_not_understood)
{
    llmcost_model *ds = load_model("deepseek-v3"), *ll = load_model("llama-3-8b");
    llmcost_memory r;
    struct {
        llmcost_model *m;
        llmcost_job j;
        const char *field;
    } cases[6];
    for (int i = 0; i < 6; i++) {
        cases[i].m = ds;
        cases[i].j = dsv3_job(true);
    }
    cases[0].j.precision = LLMCOST_PREC_BF16_MASTER; /* fp8-tile caching needs fp8 GEMMs */
    cases[0].field = "act_cache";
    cases[1].j.framework = LLMCOST_FW_HF; /* the hf profile keeps what transformers saves */
    cases[1].j.act_cache = LLMCOST_CACHE_RECIPE;
    cases[1].field = "recompute_modules";
    cases[2].m = ll; /* mla_up_proj on a model without MLA */
    cases[2].j.act_cache = LLMCOST_CACHE_RECIPE;
    cases[2].j.recompute_modules = LLMCOST_RECOMPUTE_MLA_UP;
    cases[2].j.pipeline = LLMCOST_PIPE_1F1B;
    cases[2].j.layout.ep = 1;
    cases[2].field = "mla_up_proj";
    cases[3].j.layout.pp = 8; /* DualPipe's micro-batches: at least 2 pp and even; here vpp > 1 */
    cases[3].j.layout.vpp = 2;
    cases[3].field = "layout.vpp";
    cases[4].j.global_batch = 128 * 30; /* 30 micro-batches < 2 x 16 */
    cases[4].field = "grad_accum";
    cases[5].j.recompute = LLMCOST_RECOMPUTE_FULL;
    cases[5].field = "recompute_modules";
    for (int i = 0; i < 6; i++) {
        cr_expect_eq(llmcost_job_memory(&r, cases[i].m, &cases[i].j), LLMCOST_EINVAL, "case %d", i);
        cr_expect(strstr(llmcost_errmsg(), cases[i].field), "case %d: %s", i, llmcost_errmsg());
    }
    llmcost_model_free(ds);
    llmcost_model_free(ll);
}

/* State-space mixers (docs/formulas.md, "State-space mixers: memory"): what the mamba_ssm kernels save, derived per
 * token from the saved tensors' shapes. */
Test(memory_ssm, mamba_and_mamba2_layers_keep_what_their_kernels_save)
{
    /* Mamba 2.8B, bf16, one sequence of 4096: the block's RMSNorm keeps 8h + 4 bytes (fp32 copy, rsqrt, normalised,
     * its output read by in_proj); mamba_inner_fn keeps xz (2d), x_dbl (R + 2N), B and C copies (2N) and y (d) in
     * bf16, and fp32 scan checkpoints of 2N per channel every 2048 tokens (2 chunks). h 2560, d 5120, N 16, R 160. */
    llmcost_model *m = load_model(src_path("tests/fixtures/configs/mamba-2.8b-hf.json"));
    llmcost_memory_options o = LLMCOST_MEMORY_OPTIONS_INIT;
    o.micro_batch = 1;
    o.seq = 4096;
    llmcost_memory r;
    cr_assert_eq(llmcost_memory_compute(&r, m, &o), 0, "%s", llmcost_errmsg());
    double T = 4096, h = 2560, D = 5120, N = 16, R = 160;
    double per_token = (8 * h + 4) + 2 * (2 * D + R + 2 * N + 2 * N + D);
    cr_expect_eq(r.layer_activation_bytes, per_token * T + 4 * 2 * N * D * 2);
    cr_expect_eq(r.layer_activation_bytes, 212877312.0); /* 51,972 bytes per token */
    llmcost_model_free(m);

    /* Mamba-2 2.7B: mamba_split_conv1d_scan_combined keeps zxbcdt (2d + 2GN + H) and the scan output (d) in bf16 and
     * the gated norm's fp32 rstd per group. d 5120, N 128, G 1, H 80. */
    m = load_model(src_path("tests/fixtures/configs/mamba2-2.7b.json"));
    cr_assert_eq(llmcost_memory_compute(&r, m, &o), 0, "%s", llmcost_errmsg());
    double G = 1, H = 80;
    N = 128;
    cr_expect_eq(r.layer_activation_bytes, ((8 * h + 4) + 2 * (2 * D + 2 * G * N + H + D) + 4 * G) * T);
    llmcost_model_free(m);
}

Test(memory_ssm, nemotron_h_blocks_keep_only_their_own_tensors)
{
    /* Nemotron-H-8B, h 4096: an MLP block keeps its norm (8h + 4) and relu2's input and output (2 x 2 x 21504);
     * a Mamba-2 block its norm and 2 (2 x 8192 + 2 x 8 x 128 + 128 + 8192) + 4 x 8; an attention block its norm (read
     * by q, k, v), q, k, v and the output 2 (4096 + 1024 + 1024 + 4096), the log-sum-exp 4 x 32 and 16 bytes of RNG
     * state. The largest is the MLP block: the one the memory report names. */
    llmcost_model *m = load_model(src_path("tests/fixtures/configs/nemotron-h-8b.json"));
    llmcost_memory_options o = LLMCOST_MEMORY_OPTIONS_INIT;
    o.micro_batch = 1;
    o.seq = 8192;
    llmcost_memory r;
    cr_assert_eq(llmcost_memory_compute(&r, m, &o), 0, "%s", llmcost_errmsg());
    double T = 8192, h = 4096, norm = 8 * h + 4;
    double mlp = norm + 4 * 21504, mamba = norm + 2 * (2 * 8192 + 2 * 8 * 128 + 128 + 8192) + 4 * 8;
    double attn = norm + 2 * (4096 + 1024 + 1024 + 4096) + 4 * 32;
    cr_expect_eq(r.layer_activation_bytes, mlp * T);
    /* Every layer's bytes: 24 MLP, 24 Mamba-2 and 4 attention blocks, what the layers keep in all. */
    cr_expect_eq(r.components[LLMCOST_MC_ACTIVATIONS], (24 * mlp + 24 * mamba + 4 * attn) * T + 4 * 16);
    llmcost_model_free(m);
}

Test(memory_ssm, granite_4_mamba2_layer_keeps_its_mixer_and_its_mlp)
{
    /* Granite 4.0's Mamba2 layers have an MLP after the mixer: h 64, the mixer 128 wide (4 heads, 2 groups of 8),
     * a gated shared MLP of 32. Per token: the input norm read by in_proj 8h + 4; the mixer 2 (2 x 128 + 2 x 2 x 8 +
     * 4 + 128) + 4 x 2; the second norm (its output shared by the MLP's two readers) 8h + 4; the MLP's gate, up,
     * act(gate) and product 4 x 2 x 32: 2,136 bytes, the larger of the two layers (the attention layer keeps
     * 1,688). */
    const char *hybrid = "{\"model_type\": \"granitemoehybrid\", \"hidden_size\": 64, \"num_hidden_layers\": 2, "
                         "\"num_attention_heads\": 4, \"vocab_size\": 100, \"intermediate_size\": 32, "
                         "\"shared_intermediate_size\": 32, \"num_local_experts\": 0, \"mamba_n_heads\": 4, "
                         "\"mamba_d_state\": 8, \"mamba_n_groups\": 2, \"mamba_expand\": 2, "
                         "\"layer_types\": [\"mamba\", \"attention\"]}";
    llmcost_model *m = NULL;
    cr_assert_eq(llmcost_model_from_json(&m, hybrid, strlen(hybrid), "granite4-h"), 0, "%s", llmcost_errmsg());
    llmcost_memory_options o = LLMCOST_MEMORY_OPTIONS_INIT;
    o.micro_batch = 1;
    o.seq = 2048;
    llmcost_memory r;
    cr_assert_eq(llmcost_memory_compute(&r, m, &o), 0, "%s", llmcost_errmsg());
    double T = 2048, h = 64;
    double mamba = (8 * h + 4) + 2 * (2 * 128 + 2 * 2 * 8 + 4 + 128) + 4 * 2 + (8 * h + 4) + 4 * 2 * 32;
    cr_expect_eq(mamba, 2136);
    cr_expect_eq(r.layer_activation_bytes, mamba * T);
    llmcost_model_free(m);
}

Test(memory_ssm, jamba_mixer_keeps_what_its_separate_kernels_save)
{
    /* A Jamba of two Mamba layers with dense gated MLPs (attention only where i % 4 == 3, experts where i % 4 == 3:
     * neither in 2 layers): h 64, d 128, N 8, dt rank ceil(64/16) = 4, MLP 32, bf16, one sequence of 2048. Per token:
     * the input norm read by in_proj, 8h + 4; JambaMambaMixer.cuda_kernels_forward keeps in_proj's output whole
     * (the conv1d's saved x is a view of it), 2 x 2d; the conv1d output u (read by x_proj and the scan), the scan's
     * contiguous dt and z, its output y and the gated output out_proj reads, 2 x 5d; each of the dt, B and C norms
     * (LlamaRMSNorm: fp32 copy, rsqrt, normalised, and the one tensor after it: dt_proj's input, the scan's B and C
     * copies) (4 + 2 + 2) w + 4 for w = 4, 8, 8; the second norm (shared by gate and up) 8h + 4; the MLP's gate, up,
     * act(gate) and product 4 x 2 x 32. Per sequence: the scan's fp32 checkpoints, 2N per channel per 2048 tokens:
     * 4 x 2 x 8 x 128. */
    const char *jamba = fixture_jamba_two_mamba_layers;
    llmcost_model *m = NULL;
    cr_assert_eq(llmcost_model_from_json(&m, jamba, strlen(jamba), "jamba"), 0, "%s", llmcost_errmsg());
    cr_assert_eq(m->layers[0].ssm, 1);
    cr_assert(!m->layers[0].ffn.moe && !m->layers[1].ffn.moe && m->layers[1].ssm == 1);
    llmcost_memory_options o = LLMCOST_MEMORY_OPTIONS_INIT;
    o.micro_batch = 1;
    o.seq = 2048;
    llmcost_memory r;
    cr_assert_eq(llmcost_memory_compute(&r, m, &o), 0, "%s", llmcost_errmsg());
    double T = 2048, h = 64, D = 128, N = 8, R = 4, f = 32;
    double mixer = 2 * 2 * D + 2 * 5 * D + (8 * R + 4) + 2 * (8 * N + 4);
    double per_token = (8 * h + 4) + mixer + (8 * h + 4) + 4 * 2 * f;
    cr_expect_eq(per_token, 3252);
    cr_expect_eq(r.layer_activation_bytes, per_token * T + 4 * 2 * N * D);
    /* More than the same mixer run through mamba_inner_fn keeps (a Mamba layer: 2 (2d + R + 2N + 2N + d)). */
    cr_expect_gt(mixer, 2 * (2 * D + R + 4 * N + D));
    llmcost_model_free(m);
}

Test(memory_ssm, gated_deltanet_layer_keeps_what_fla_saves)
{
    /* Two Qwen3-Next Gated DeltaNet layers with dense SwiGLUs of 96 (num_experts 0): h 64, G = 2 key heads of K = 8,
     * H = 4 value heads of V = 8 (d 32, conv_dim 2 x 16 + 32 = 64), fla's chunk C = 64; bf16, one sequence of 2048.
     * Per token: each zero-centred RMSNorm (fp32 copy, rsqrt, fp32 normalised for (1 + w), its bf16 output) 10h + 4;
     * the mixer: the conv1d's saved input (q, k, v concatenated) 2 x 64; ChunkGatedDeltaRuleFunction's l2-normed q
     * and k at the value heads 2 x 2 x 4 x 8, v 2 x 32, beta 2 x 4, A 2 x 4 x 64, fp32 q/k rstd and cumulative g
     * 3 x 4 x 4; softplus's fp32 input and output 8 x 4; the gated norm's o and z 2 x 2 x 32 and fp32 rstd 4 x 4;
     * out_proj's input 2 x 32: 1,128; the SwiGLU's gate, up, act(gate), product 4 x 2 x 96. */
    const char *cfg = fixture_gated_deltanet_two_layers;
    llmcost_model *m = NULL;
    cr_assert_eq(llmcost_model_from_json(&m, cfg, strlen(cfg), "qwen3-next-gdn"), 0, "%s", llmcost_errmsg());
    cr_assert(!m->layers[0].ffn.moe && m->layers[0].ssm == 1);
    llmcost_memory_options o = LLMCOST_MEMORY_OPTIONS_INIT;
    o.micro_batch = 1;
    o.seq = 2048;
    llmcost_memory r;
    cr_assert_eq(llmcost_memory_compute(&r, m, &o), 0, "%s", llmcost_errmsg());
    double T = 2048, h = 64, H = 4, K = 8, V = 8, C = 64;
    double mixer = 2 * 64 + 2 * (2 * H * K + H * V + H + H * C) + 4 * 3 * H + 8 * H + 2 * 2 * H * V + 4 * H + 2 * H * V;
    cr_expect_eq(mixer, 1128);
    double per_token = (10 * h + 4) + mixer + (10 * h + 4) + 4 * 2 * 96;
    cr_expect_eq(r.layer_activation_bytes, per_token * T);
    llmcost_model_free(m);
}

Test(memory_ssm, gated_attention_keeps_the_gate_and_the_gated_output)
{
    /* Qwen3NextAttention: attn_output * torch.sigmoid(gate) keeps sigmoid's output (mul's operand) and o_proj keeps
     * the product: 2 x 2 x heads x head_dim bytes per token in bf16 more than the same attention without the gate
     * (4 heads of 16: 256 bytes a token). */
    const char *cfg = "{\"model_type\": \"qwen3_next\", \"hidden_size\": 64, \"num_hidden_layers\": 2, "
                      "\"num_attention_heads\": 4, \"num_key_value_heads\": 2, \"head_dim\": 16, "
                      "\"intermediate_size\": 96, \"vocab_size\": 100, \"num_experts\": 0, "
                      "\"layer_types\": [\"full_attention\", \"full_attention\"]}";
    llmcost_model *m = NULL;
    cr_assert_eq(llmcost_model_from_json(&m, cfg, strlen(cfg), "qwen3-next-attn"), 0, "%s", llmcost_errmsg());
    cr_assert(m->layers[0].attn.output_gate);
    llmcost_memory_options o = LLMCOST_MEMORY_OPTIONS_INIT;
    o.micro_batch = 1;
    o.seq = 2048;
    llmcost_memory gated, plain;
    cr_assert_eq(llmcost_memory_compute(&gated, m, &o), 0, "%s", llmcost_errmsg());
    for (int64_t i = 0; i < m->n_layers; i++)
        m->layers[i].attn.output_gate = false;
    cr_assert_eq(llmcost_memory_compute(&plain, m, &o), 0, "%s", llmcost_errmsg());
    cr_expect_eq(gated.layer_activation_bytes - plain.layer_activation_bytes, 2 * 2 * 4 * 16 * 2048.0);
    llmcost_model_free(m);
}

/* Falcon-H1 and Zamba2 (docs/formulas.md, "Falcon-H1 and Zamba2: memory"), derived per token from the saved
 * tensors' shapes. */
Test(memory_hybrid, falcon_h1_layer_keeps_both_branches_and_the_scaled_inputs)
{
    /* Falcon-H1-7B, bf16, one sequence of 4096: h 3072. Per token: the input norm keeps its fp32 copy, rsqrt and
     * normalised input (6h + 4), and the two scaled copies of its output the branches read (x attention_in_multiplier
     * by q, k, v; x ssm_in_multiplier by in_proj): 4h; attention q, k (rotated), v, output 2 (1536 + 256 + 256 +
     * 1536) and the log-sum-exp 4 x 12; mamba_split_conv1d_scan_combined zxbcdt (the mup_vector product) 2 (2 x 3072
     * + 2 x 256 + 24) and the scan output 2 x 3072, no rstd (no gated norm); the pre-MLP norm 8h + 4; the MLP's gate
     * (x gate_multiplier), up, act(gate), product 4 x 2 x 12288; 16 bytes of the attention kernel's RNG state. */
    llmcost_model *m = load_model(src_path("tests/fixtures/configs/falcon-h1-7b.json"));
    llmcost_memory_options o = LLMCOST_MEMORY_OPTIONS_INIT;
    o.micro_batch = 1;
    o.seq = 4096;
    llmcost_memory r;
    cr_assert_eq(llmcost_memory_compute(&r, m, &o), 0, "%s", llmcost_errmsg());
    double T = 4096, h = 3072;
    double per_token = (10 * h + 4) + 2 * (1536 + 256 + 256 + 1536) + 4 * 12 + 2 * (2 * 3072 + 2 * 256 + 24 + 3072) +
                       (8 * h + 4) + 4 * 2 * 12288;
    cr_expect_eq(per_token, 180328);
    cr_expect_eq(r.layer_activation_bytes, per_token * T + 16);
    cr_expect_eq(r.components[LLMCOST_MC_ACTIVATIONS], 44 * (per_token * T + 16));
    llmcost_model_free(m);
}

Test(memory_hybrid, zamba2_hybrid_layer_keeps_its_shared_block_invocation)
{
    /* Zamba2-2.7B, bf16, one sequence of 4096: h 2560, d 5120, N 64, 1 group, 80 heads. A Mamba layer: its norm 8h +
     * 4, zxbcdt 2 (2d + 2N + 80), the scan output 2d, the gated norm's rstd 4: 51,624. A hybrid layer adds its
     * invocation of a shared block: the norm of the 2h concatenation, its output read by q, k, v (8 x 5120 + 4); q,
     * k, v and the output 2 x 4 x 5120 and the log-sum-exp 4 x 32; the pre-MLP norm (its output read by gate_up and
     * the adapter) 8h + 4; gate_up's output, act(gate) and the product 4 x 2 x 10240, the adapter's rank-128 hidden
     * 2 x 128, the Linear's input 2h; 16 bytes of RNG state. 45 Mamba layers and 9 hybrid ones. */
    llmcost_model *m = load_model(src_path("tests/fixtures/configs/zamba2-2.7b.json"));
    llmcost_memory_options o = LLMCOST_MEMORY_OPTIONS_INIT;
    o.micro_batch = 1;
    o.seq = 4096;
    llmcost_memory r;
    cr_assert_eq(llmcost_memory_compute(&r, m, &o), 0, "%s", llmcost_errmsg());
    double T = 4096, h = 2560, D = 5120;
    double mamba = (8 * h + 4) + 2 * (2 * D + 2 * 64 + 80 + D) + 4;
    cr_expect_eq(mamba, 51624);
    double block = (8 * 5120 + 4) + 2 * 4 * 5120 + 4 * 32 + (8 * h + 4) + 4 * 2 * 10240 + 2 * 128 + 2 * h;
    cr_expect_eq(r.layer_activation_bytes, (mamba + block) * T + 16);
    cr_expect_eq(r.components[LLMCOST_MC_ACTIVATIONS], 45 * mamba * T + 9 * ((mamba + block) * T + 16));
    /* The weights are every parameter once, the shared blocks included (bf16: 2 bytes each). */
    llmcost_params p;
    cr_assert_eq(llmcost_params_count(&p, m), 0);
    cr_expect_eq(r.components[LLMCOST_MC_WEIGHTS], 2.0 * (double)p.total);
    /* Under TP 2 the blocks' matrices split and their two norms (2h and h) do not, as any layer's. */
    o.layout.tp = 2;
    cr_assert_eq(llmcost_memory_compute(&r, m, &o), 0, "%s", llmcost_errmsg());
    double blocks_mm = 2 * (3 * 5120.0 * 5120 + 5120.0 * 2560 + 3 * 2560.0 * 10240), blocks_norms = 2 * (5120 + 2560.0);
    cr_expect_gt(r.components[LLMCOST_MC_WEIGHTS], 2 * (blocks_mm / 2 + blocks_norms));
    llmcost_model_free(m);
}

Test(memory_hybrid, megatron_profile_term_by_term)
{
    /* The Megatron profile generalised term by term (docs/formulas.md, "Falcon-H1 and Zamba2: memory"), bf16, one
     * sequence of 4096, TP 1, flash attention. Falcon-H1-7B per token: two norm inputs 2 x 2h; QKV input 2h, Q, K, V
     * 2 (1536 + 256 + 256), the attention output 2 x 1536, the log-sum-exp 4 x 12; in_proj's input 2h and the
     * mixer's kernel tensors 2 (3 x 3072 + 2 x 256 + 24); fc1's input 2h, its output 2 x 2f, fc2's input 2f (f
     * 12288). */
    llmcost_model *m = load_model(src_path("tests/fixtures/configs/falcon-h1-7b.json"));
    llmcost_memory_options o = LLMCOST_MEMORY_OPTIONS_INIT;
    o.framework = LLMCOST_FW_MEGATRON;
    o.micro_batch = 1;
    o.seq = 4096;
    llmcost_memory r;
    cr_assert_eq(llmcost_memory_compute(&r, m, &o), 0, "%s", llmcost_errmsg());
    double T = 4096, h = 3072, f = 12288;
    double falcon = 4 * h + 2 * h + 2 * (1536 + 256 + 256) + 2 * 1536 + 4 * 12 + 2 * h +
                    2 * (3 * 3072 + 2 * 256 + 24) + 2 * h + 2 * 2 * f + 2 * f;
    cr_expect_eq(r.layer_activation_bytes, falcon * T);
    llmcost_model_free(m);
    /* Zamba2-2.7B's hybrid layer: the Mamba block (its norm's input 2h, in_proj's input 2h, the kernel tensors 2 (3
     * x 5120 + 2 x 64 + 80) + 4) and its block's invocation: norm inputs 2 (2h + h), the QKV input 2 x 2h, Q, K, V
     * and the output 2 x 4 x 5120, the log-sum-exp 4 x 32, fc1's input 2h, output 2 x 2f, fc2's input 2f (f 10240),
     * the adapter's hidden 2 x 128, the Linear's input 2h. */
    m = load_model(src_path("tests/fixtures/configs/zamba2-2.7b.json"));
    cr_assert_eq(llmcost_memory_compute(&r, m, &o), 0, "%s", llmcost_errmsg());
    h = 2560;
    f = 10240;
    double mamba = 2 * h + 2 * h + 2 * (3 * 5120 + 2 * 64 + 80) + 4;
    double block = 2 * (2 * h + h) + 2 * 2 * h + 2 * 4 * 5120 + 4 * 32 + 2 * h + 2 * 2 * f + 2 * f + 2 * 128 + 2 * h;
    cr_expect_eq(r.layer_activation_bytes, (mamba + block) * T);
    llmcost_model_free(m);
}

Test(memory_ssm, lightning_attention_keeps_each_blocks_tensors)
{
    /* MiniMax's lightning layers in transformers' eager loop (docs/formulas.md, "Lightning attention: memory"), bf16,
     * one sequence of 40 tokens. Per token the mixer keeps 12 D x 2 bytes (SiLU's input and output, 3D each; q *
     * query_decay, k * key_decay; the norm's normalised input and output; the sigmoid gate; out_proj's input) + the
     * norm's fp32 copy 4D and rsqrt 4, and per sequence each block's S * diagonal_decay (H Bi^2) and the KV state
     * the next product reads (H d^2, block 0's zeros too) in bf16. Two configs differing only in the block (8: five
     * blocks; 16: 16, 16, 8) and two differing only in heads (4 or 8 of 16) isolate those terms. */
    const char *fmt = "{\"model_type\": \"minimax\", \"hidden_size\": 64, \"num_hidden_layers\": 2, "
                      "\"num_attention_heads\": %d, \"num_key_value_heads\": 2, \"head_dim\": 16, "
                      "\"intermediate_size\": 32, \"vocab_size\": 100, \"num_local_experts\": 4, "
                      "\"num_experts_per_tok\": 2, \"block_size\": %d, "
                      "\"layer_types\": [\"linear_attention\", \"linear_attention\"]}";
    const int cases[][2] = {{4, 8}, {4, 16}, {8, 8}};
    double bytes[3];
    for (int i = 0; i < 3; i++) {
        char cfg[1024];
        snprintf(cfg, sizeof cfg, fmt, cases[i][0], cases[i][1]);
        llmcost_model *m = NULL;
        cr_assert_eq(llmcost_model_from_json(&m, cfg, strlen(cfg), "minimax-small"), 0, "%s", llmcost_errmsg());
        llmcost_memory_options o = LLMCOST_MEMORY_OPTIONS_INIT;
        o.micro_batch = 1;
        o.seq = 40;
        llmcost_memory r;
        cr_assert_eq(llmcost_memory_compute(&r, m, &o), 0, "%s", llmcost_errmsg());
        bytes[i] = r.layer_activation_bytes;
        llmcost_model_free(m);
    }
    double d = 16;
    double x8 = 5 * 8 * 8 + 5 * d * d, x16 = 2 * 16 * 16 + 8 * 8 + 3 * d * d; /* sum of Bi^2 + blocks x d^2 */
    cr_expect_eq(bytes[0] - bytes[1], 2 * 4 * (x8 - x16));
    cr_expect_eq(bytes[0] - bytes[1], 2048.0);
    /* 4 more heads: D 64 more (2 x 12 + 4 bytes each a token) and 4 more heads' blocks */
    cr_expect_eq(bytes[2] - bytes[0], 40 * (28 * 64.0) + 2 * 4 * x8);
}
