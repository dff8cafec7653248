/* test_step_finetune.c - step time and FLOPs of fine-tuning with adapters (LoRA, QLoRA, DoRA) against derivations
 * written here from the models' shapes: the frozen base keeps its forward and input-gradient GEMMs and loses its
 * weight-gradient GEMMs, the adapters add 6 m r (in + out) FLOPs per adapted matrix, QLoRA's dequantisation reads
 * the packed weights and writes 16-bit ones before the forward and the input-gradient GEMMs, and the optimizer
 * updates the adapters alone. */
#include <criterion/criterion.h>
#include <jansson.h>
#include <math.h>
#include <string.h>

#include "helpers.h"
#include "llmcost/llmcost.h"

static llmcost_step step_of(const llmcost_model *m, const llmcost_job *j)
{
    llmcost_step s;
    cr_assert_eq(llmcost_job_step(&s, m, llmcost_gpu_find("h200"), j), 0, "%s", llmcost_errmsg());
    return s;
}

/* LoRA at rank "rank" (0: PEFT's default, 8) on the Hugging Face modules "targets" of "m", into job "j". */
static void with_lora(llmcost_job *j, const llmcost_model *m, int64_t rank, const char *targets)
{
    j->finetune.method = LLMCOST_FT_LORA;
    if (rank)
        j->finetune.rank = rank;
    cr_assert_eq(llmcost_lora_targets_parse(&j->finetune.targets, m, targets), 0, "%s", llmcost_errmsg());
}

/* Llama-2-7b: hidden 4096, 32 layers, MLP 11008, vocab 32000, untied head. Forward FLOPs of its linear layers on T
 * tokens: 2 T x (32 x (4 x 4096^2 + 3 x 4096 x 11008) + 32000 x 4096). */
static double llama2_7b_linear_forward(double T)
{
    return 2 * T * (32 * (4 * 4096.0 * 4096 + 3 * 4096.0 * 11008) + 32000.0 * 4096);
}

Test(step_finetune, lora_flops_are_two_thirds_of_the_frozen_matmuls_plus_the_adapters)
{
    llmcost_model *m = load_model("llama-2-7b");
    llmcost_job full = single_gpu_job(1, 2048), lora;
    full.framework = LLMCOST_FW_MEGATRON; /* adapters in the job's bf16 (PEFT's fp32 adapters: see below) */
    lora = full;
    llmcost_step sf = step_of(m, &full);
    with_lora(&lora, m, 8, "q_proj,v_proj");
    llmcost_step sl = step_of(m, &lora);
    double T = 2048, Mf = llama2_7b_linear_forward(T);
    /* Full: every linear layer 3 x its forward (forward, input and weight gradients). LoRA: 2 x (no weight
     * gradient), so full - Mf; the attention core is the same in both. Adapters on q and v of 32 layers: 64
     * matrices of 4096 -> 4096 at r = 8, each 2 T r (in + out) forward and twice that backward. */
    double adapters = 64 * 6 * T * 8 * (4096.0 + 4096.0);
    double want = sf.model_flops_per_step - Mf + adapters;
    cr_assert(fabs(sl.model_flops_per_step / want - 1) < 1e-12, "LoRA FLOPs %.6e, derived %.6e",
              sl.model_flops_per_step, want);
    /* No recomputation: hardware FLOPs equal model FLOPs. */
    cr_assert(fabs(sl.hardware_flops_per_step / sl.model_flops_per_step - 1) < 1e-12);
    /* The linear layers' share of the full step is 3 Mf of its FLOPs, of LoRA's 2 Mf + adapters: the GEMM time
     * falls about as the FLOPs do (the GEMMs of one layer run at about one rate). */
    double ratio = sl.components[LLMCOST_ST_MATMUL] / sf.components[LLMCOST_ST_MATMUL];
    cr_assert(ratio > 0.62 && ratio < 0.72, "LoRA / full matmul time %.3f (about 2/3)", ratio);
    cr_assert(sl.step_seconds < sf.step_seconds);
    /* Under the hf profile without autocast PEFT's adapters are fp32 and their input is cast to fp32
     * (_cast_input_dtype): the same FLOPs, slower GEMMs. */
    llmcost_job hf = lora;
    hf.framework = LLMCOST_FW_HF;
    llmcost_step sh = step_of(m, &hf);
    cr_assert(fabs(sh.model_flops_per_step / sl.model_flops_per_step - 1) < 1e-12);
    llmcost_model_free(m);
}

Test(step_finetune, full_recompute_repeats_the_adapters_forward)
{
    llmcost_model *m = load_model("llama-2-7b");
    llmcost_job j = single_gpu_job(1, 2048);
    j.recompute = LLMCOST_RECOMPUTE_FULL;
    with_lora(&j, m, 16, "all-linear");
    llmcost_step s = step_of(m, &j);
    llmcost_job base = single_gpu_job(1, 2048);
    base.recompute = LLMCOST_RECOMPUTE_FULL;
    llmcost_step sb = step_of(m, &base);
    /* Recomputation repeats each layer's forward: the base's (as in pre-training: hardware - model of the full
     * job) and the adapters' forward, 2 T r (in + out) per matrix: per layer q, k, v, o (4096 -> 4096), gate and
     * up (4096 -> 11008), down (11008 -> 4096), 32 layers. */
    double T = 2048, r = 16;
    double per_layer = 4 * (4096.0 + 4096) + 3 * (4096.0 + 11008);
    double adapter_fwd = 32 * 2 * T * r * per_layer;
    double want = (sb.hardware_flops_per_step - sb.model_flops_per_step) + adapter_fwd;
    double got = s.hardware_flops_per_step - s.model_flops_per_step;
    cr_assert(fabs(got / want - 1) < 1e-12, "recomputed %.6e, derived %.6e", got, want);
    cr_assert(s.components[LLMCOST_ST_RECOMPUTE] > 0);
    llmcost_model_free(m);
}

Test(step_finetune, optimizer_updates_the_adapters_only)
{
    llmcost_model *m = load_model("llama-2-7b");
    llmcost_job lora = single_gpu_job(1, 2048);
    with_lora(&lora, m, 8, "q_proj,v_proj");
    llmcost_step sl = step_of(m, &lora);
    /* Full fine-tuning in fp32 moves 28 bytes a parameter through fused AdamW (read weight, gradient, two moments;
     * write weight and moments), as PEFT's fp32 adapters do: the optimizer's streaming time scales with the
     * parameters it updates, 4,194,304 adapters against 6,738,415,616 parameters. Each adds 4 launches (host). */
    llmcost_job f32 = single_gpu_job(1, 2048);
    f32.precision = LLMCOST_PREC_FP32;
    llmcost_step sf = step_of(m, &f32);
    double host = 4 * sl.host_seconds_per_kernel;
    double ratio = (sl.components[LLMCOST_ST_OPTIMIZER] - host) / (sf.components[LLMCOST_ST_OPTIMIZER] - host);
    cr_assert(fabs(ratio / (4194304.0 / 6738415616.0) - 1) < 1e-9, "optimizer ratio %.6e", ratio);
    llmcost_model_free(m);
}

Test(step_finetune, qlora_dequantises_before_forward_and_input_gradient)
{
    llmcost_model *m = load_model("llama-2-7b");
    llmcost_job lora = single_gpu_job(1, 2048), q;
    with_lora(&lora, m, 8, "q_proj,v_proj");
    q = lora;
    q.finetune.method = LLMCOST_FT_QLORA;
    q.finetune.quant = LLMCOST_QUANT_NF4;
    llmcost_step sl = step_of(m, &lora), sq = step_of(m, &q);
    /* NF4: per weight 1/2 byte of codes and an fp32 absmax per block of 64 read, 2 bytes written. The decoder's
     * linear weights: 32 x (4 x 4096^2 + 3 x 4096 x 11008) = 6,476,005,376. Each dequantised twice (forward and
     * input gradient) at the copy rate, plus the least time of a kernel for each of the 7 x 32 x 2 launches. */
    double w = 32 * (4 * 4096.0 * 4096 + 3 * 4096.0 * 11008);
    double bytes = 2 * w * (0.5 + 4.0 / 64 + 2);
    double bw = llmcost_gpu_find("h200")->memory_bw;
    double lo = bytes / (bw * sq.copy_efficiency);
    double extra = sq.components[LLMCOST_ST_MEMORY_BOUND] - sl.components[LLMCOST_ST_MEMORY_BOUND];
    double launches = 7 * 32 * 2, kernel_floor = 3e-6; /* each kernel occupies the GPU at least ~2 us */
    cr_assert(extra >= lo * (1 - 1e-9) && extra < lo + launches * kernel_floor, "dequantisation %.6f s, derived %.6f s",
              extra, lo);
    /* The GEMMs and FLOPs are LoRA's: the matmuls run on the dequantised 16-bit weights. */
    cr_assert(fabs(sq.components[LLMCOST_ST_MATMUL] / sl.components[LLMCOST_ST_MATMUL] - 1) < 1e-12);
    cr_assert(fabs(sq.model_flops_per_step / sl.model_flops_per_step - 1) < 1e-12);
    llmcost_model_free(m);
}

Test(step_finetune, dora_adds_the_weight_norm_product)
{
    llmcost_model *m = load_model("llama-2-7b");
    llmcost_job lora = single_gpu_job(1, 2048), dora;
    with_lora(&lora, m, 8, "q_proj,v_proj");
    dora = lora;
    dora.finetune.variant = LLMCOST_LORA_DORA;
    llmcost_step sl = step_of(m, &lora), sd = step_of(m, &dora);
    /* PEFT's DoRA forms B A through lora_B(lora_A(eye(in))) in every forward: 2 in r (in + out) FLOPs per adapted
     * matrix, no backward (the norm is detached): 64 matrices of 4096 -> 4096 at r = 8. */
    double want = sl.model_flops_per_step + 64 * 2 * 4096.0 * 8 * (4096.0 + 4096.0);
    cr_assert(fabs(sd.model_flops_per_step / want - 1) < 1e-12);
    cr_assert(sd.step_seconds > sl.step_seconds);
    cr_assert(sd.components[LLMCOST_ST_MEMORY_BOUND] > sl.components[LLMCOST_ST_MEMORY_BOUND]);
    llmcost_model_free(m);
}

Test(step_finetune, data_parallel_reduces_the_adapter_gradients_only)
{
    llmcost_model *m = load_model("llama-2-7b");
    llmcost_job full = single_gpu_job(1, 2048), lora;
    full.layout.gpus = 8;
    full.global_batch = 8;
    lora = full;
    with_lora(&lora, m, 0, "q_proj,v_proj");
    llmcost_step sf = step_of(m, &full), sl = step_of(m, &lora);
    /* Full: 6.7e9 fp32 gradients all-reduced; LoRA: 4,194,304 fp32 adapter gradients (a ring all-reduce moves
     * 2 (n-1)/n of them per GPU: tens of microseconds against tens of milliseconds). */
    cr_assert(sl.comm_total[LLMCOST_ST_DP_COMM] > 0);
    cr_assert(sl.comm_total[LLMCOST_ST_DP_COMM] < sf.comm_total[LLMCOST_ST_DP_COMM] / 100,
              "LoRA %.6f s, full %.6f s", sl.comm_total[LLMCOST_ST_DP_COMM], sf.comm_total[LLMCOST_ST_DP_COMM]);
    llmcost_model_free(m);
}

Test(step_finetune, bad_adapter_settings_are_refused)
{
    llmcost_model *m = load_model("llama-2-7b");
    llmcost_job j = single_gpu_job(1, 2048);
    j.finetune.method = LLMCOST_FT_LORA;
    j.finetune.quant = LLMCOST_QUANT_NF4;
    llmcost_step s;
    cr_assert_eq(llmcost_job_step(&s, m, llmcost_gpu_find("h200"), &j), LLMCOST_EINVAL);
    cr_assert(strstr(llmcost_errmsg(), "quant") != NULL, "%s", llmcost_errmsg());
    llmcost_model_free(m);
}

/* The published fine-tuning suite: at least 20 figures over full, LoRA and QLoRA, each with its source, how its
 * memory was measured, its set (fitting or held-out) and its job in llmcost's terms; every held-out case's model
 * and GPU known, and the step engine able to time every single-GPU case (llmcost validate runs those). */
Test(step_finetune, published_suite_is_complete)
{
    json_t *doc = json_load_file(src_path("data/validation/finetune.json"), 0, NULL);
    cr_assert_not_null(doc);
    json_t *cases = json_object_get(doc, "cases");
    size_t i, n = json_array_size(cases), held = 0, fit = 0, per[3] = {0};
    json_t *c;
    cr_assert_geq(n, 20);
    json_array_foreach(cases, i, c)
    {
        const char *id = json_string_value(json_object_get(c, "id"));
        const char *set = json_string_value(json_object_get(c, "set"));
        const char *meth = json_string_value(json_object_get(c, "method"));
        json_t *meas = json_object_get(c, "measured"), *src = json_object_get(c, "source"), *job = json_object_get(c, "job");
        cr_assert(id && set && meth && meas && src && job, "case %zu incomplete", i);
        cr_assert(!strcmp(set, "fit") || !strcmp(set, "held_out"), "%s: set %s", id, set);
        held += !strcmp(set, "held_out"), fit += !strcmp(set, "fit");
        per[!strcmp(meth, "full") ? 0 : !strcmp(meth, "lora") ? 1 : 2]++;
        const char *what = json_string_value(json_object_get(meas, "what"));
        cr_assert(what && (!strcmp(what, "active") || !strcmp(what, "allocated") || !strcmp(what, "reserved") ||
                           !strcmp(what, "device_total") || !strcmp(what, "unstated")), "%s: measured.what", id);
        cr_assert(json_number_value(json_object_get(meas, "memory_bytes")) > 1e9, "%s: memory_bytes", id);
        cr_assert(!strncmp(json_string_value(json_object_get(src, "url")), "https://", 8), "%s: source url", id);
        cr_assert(json_string_value(json_object_get(src, "section")), "%s: source section", id);
        llmcost_model *m = load_model(json_string_value(json_object_get(c, "model")));
        cr_assert_not_null(llmcost_gpu_find(json_string_value(json_object_get(c, "gpu"))), "%s: gpu", id);
        if (strcmp(meth, "full")) {
            uint32_t mask;
            cr_assert_eq(llmcost_lora_targets_parse(&mask, m, json_string_value(json_object_get(job, "lora_targets"))), 0,
                         "%s: %s", id, llmcost_errmsg());
        }
        llmcost_model_free(m);
    }
    cr_assert_geq(held, 10);
    cr_assert_geq(fit, 5);
    cr_assert(per[0] >= 3 && per[1] >= 3 && per[2] >= 3);
    json_decref(doc);
}

Test(step_finetune, bf16_adapters_halve_the_optimizer_and_gradient_bytes)
{
    llmcost_model *m = load_model("llama-2-7b");
    const llmcost_gpu *g = llmcost_gpu_find("h200");
    /* --adapter-dtype bf16 (PEFT's autocast_adapter_dtype=False; torchtune's and LitGPT's model dtype): the
     * adapters train in the pure bf16 recipe, 14 bytes a parameter through fused AdamW (read weight 2, gradient 2,
     * two moments 2 + 2; write weight and moments), no longer fp32's 28. The optimizer's streaming time is full
     * bf16 fine-tuning's scaled by the parameters it updates: 4,194,304 adapters (q, v of 32 layers at r = 8:
     * 64 x 8 x (4096 + 4096)) against 6,738,415,616 parameters. */
    llmcost_job lora = single_gpu_job(1, 2048);
    with_lora(&lora, m, 8, "q_proj,v_proj");
    lora.finetune.adapter_bytes = 2;
    llmcost_step sl = step_of(m, &lora);
    llmcost_job b16 = single_gpu_job(1, 2048);
    b16.precision = LLMCOST_PREC_BF16;
    llmcost_step sf = step_of(m, &b16);
    cr_assert_eq(sf.param_bytes.weights + sf.param_bytes.gradients + sf.param_bytes.states, 2 + 2 + 4);
    double host = 4 * sl.host_seconds_per_kernel, adapters = 64 * 8 * (4096.0 + 4096.0);
    double ratio = (sl.components[LLMCOST_ST_OPTIMIZER] - host) / (sf.components[LLMCOST_ST_OPTIMIZER] - host);
    cr_assert(fabs(ratio / (adapters / 6738415616.0) - 1) < 1e-9, "optimizer ratio %.6e", ratio);
    /* Data parallelism over 2 GPUs: the adapters' gradients are all-reduced in bf16, 2 bytes each (fp32's 4 by
     * PEFT's default). */
    llmcost_job dp = lora;
    dp.layout.gpus = 2;
    dp.global_batch = 2;
    llmcost_step sd = step_of(m, &dp);
    llmcost_comm_group grp = llmcost_comm_group_of(2, 1, g->scaleup_size);
    llmcost_comm_cost cc;
    cr_assert_eq(llmcost_comm_time(&cc, g, LLMCOST_COLL_ALL_REDUCE, 2 * adapters, &grp, &dp.comm), 0);
    cr_assert(fabs(sd.comm_total[LLMCOST_ST_DP_COMM] / cc.seconds - 1) < 1e-12, "bf16 gradient all-reduce %.6e s, derived %.6e s",
              sd.comm_total[LLMCOST_ST_DP_COMM], cc.seconds);
    dp.finetune.adapter_bytes = 0; /* hf's default: fp32 adapters, 4-byte gradients */
    llmcost_step s4 = step_of(m, &dp);
    cr_assert_eq(llmcost_comm_time(&cc, g, LLMCOST_COLL_ALL_REDUCE, 4 * adapters, &grp, &dp.comm), 0);
    cr_assert(fabs(s4.comm_total[LLMCOST_ST_DP_COMM] / cc.seconds - 1) < 1e-12);
    /* bf16 adapters need no cast of their input to fp32 and run bf16 GEMMs: the step is faster than fp32's. */
    llmcost_job f4 = lora;
    f4.finetune.adapter_bytes = 4;
    llmcost_step s32 = step_of(m, &f4);
    cr_assert(sl.components[LLMCOST_ST_MATMUL] < s32.components[LLMCOST_ST_MATMUL]);
    cr_assert(sl.components[LLMCOST_ST_MEMORY_BOUND] < s32.components[LLMCOST_ST_MEMORY_BOUND]);
    llmcost_model_free(m);
}
