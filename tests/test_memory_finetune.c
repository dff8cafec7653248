/* test_memory_finetune.c - the memory of fine-tuning with adapters (LoRA, QLoRA, DoRA) against byte counts written
 * here from Llama-2-7b's shapes (hidden 4096, 32 layers, MLP 11008, vocab 32000, untied head, 6,738,415,616
 * parameters): the frozen base in its storage (16 bits, or NF4 blocks of 64 with an fp32 absmax each), the adapters
 * with their gradients and AdamW moments in the adapters' dtype, what the adapters keep for backward (x A, their
 * input or its cast copy, the dropout's mask), what a frozen base no longer keeps (a frozen Linear's input, a frozen
 * norm weight's normalised input), and bitsandbytes' 4-bit matmul keeping its input. */
#include <criterion/criterion.h>
#include <jansson.h>
#include <math.h>
#include <string.h>

#include "helpers.h"
#include "llmcost/llmcost.h"

#define H 4096.0
#define FF 11008.0
#define LAYERS 32.0
#define TOTAL 6738415616.0

static void with_lora(llmcost_job *j, const llmcost_model *m, llmcost_finetune_method method, int64_t rank,
                      const char *targets)
{
    j->finetune.method = method;
    j->finetune.rank = rank;
    cr_assert_eq(llmcost_lora_targets_parse(&j->finetune.targets, m, targets), 0, "%s", llmcost_errmsg());
}

static llmcost_memory memory_of(const llmcost_model *m, const llmcost_job *j)
{
    llmcost_memory r;
    cr_assert_eq(llmcost_job_memory(&r, m, j), 0, "%s", llmcost_errmsg());
    return r;
}

Test(memory_finetune, lora_stores_the_base_in_16_bits_and_trains_fp32_adapters)
{
    llmcost_model *m = load_model("llama-2-7b");
    llmcost_job j = single_gpu_job(1, 1024);
    with_lora(&j, m, LLMCOST_FT_LORA, 8, "q_proj,v_proj");
    llmcost_memory r = memory_of(m, &j);
    double trainable = LAYERS * 8 * ((H + H) + (H + H)); /* A (8 x 4096) and B (4096 x 8) on q and v */
    cr_expect_eq(r.trainable_params, (int64_t)trainable);
    cr_expect_eq(r.frozen_params, (int64_t)TOTAL);
    cr_expect_eq(r.frozen_weight_bytes, 2 * TOTAL);
    /* PEFT's fp32 adapters: 4 bytes, a 4-byte gradient, two 4-byte AdamW moments, no master copy */
    cr_expect_eq(r.adapter_bytes, 4 * trainable);
    cr_expect_eq(r.adapter_gradient_bytes, 4 * trainable);
    cr_expect_eq(r.adapter_optimizer_bytes, 8 * trainable);
    cr_expect_eq(r.weights_bytes, 2 * TOTAL + 4 * trainable);
    cr_expect_eq(r.gradients_bytes, 4 * trainable);
    cr_expect_eq(r.optimizer_bytes, 8 * trainable);
    cr_expect_eq(r.dequant_bytes, 0);
    /* Pre-training the same job holds 16 bytes a parameter before any activation. */
    llmcost_job pre = single_gpu_job(1, 1024);
    llmcost_memory p = memory_of(m, &pre);
    cr_expect_eq(p.trainable_params, (int64_t)TOTAL);
    cr_expect_eq(p.frozen_params, 0);
    cr_expect(r.peak_bytes < p.peak_bytes - 3 * TOTAL);
    llmcost_model_free(m);
}

Test(memory_finetune, qlora_nf4_storage_is_half_a_byte_a_weight_plus_its_absmax_blocks)
{
    llmcost_model *m = load_model("llama-2-7b");
    llmcost_job j = single_gpu_job(1, 1024);
    with_lora(&j, m, LLMCOST_FT_QLORA, 8, "q_proj,v_proj");
    double quantised = LAYERS * (4 * H * H + 3 * H * FF); /* every Linear of the layers; not the head */
    double matrices = LAYERS * 7, dense = TOTAL - quantised;
    /* each matrix: n/2 bytes packed, an fp32 absmax per 64 weights, the 16-entry fp32 code */
    double nf4 = quantised / 2 + 4 * quantised / 64 + 64 * matrices;
    llmcost_memory r = memory_of(m, &j);
    cr_expect_eq(r.frozen_weight_bytes, nf4 + 2 * dense);
    /* double quant: each absmax a byte, an fp32 absmax per 256 of them and the fp32 offset, per matrix */
    j.finetune.double_quant = true;
    r = memory_of(m, &j);
    double blocks_qkvo = H * H / 64, blocks_mlp = H * FF / 64;
    double dq = LAYERS * (4 * (blocks_qkvo + 4 * ceil(blocks_qkvo / 256) + 4) + 3 * (blocks_mlp + 4 * ceil(blocks_mlp / 256) + 4));
    cr_expect_eq(r.frozen_weight_bytes, quantised / 2 + dq + 64 * matrices + 2 * dense);
    /* the largest quantised matrix (gate, up, down: 4096 x 11008) dequantised to 16 bits at a time */
    cr_expect_eq(r.dequant_bytes, 2 * H * FF);
    llmcost_model_free(m);
}

Test(memory_finetune, adapters_keep_x_a_and_their_input_or_its_copy)
{
    llmcost_model *m = load_model("llama-2-7b");
    double T = 1024, r = 8;
    llmcost_job j = single_gpu_job(1, 1024);
    with_lora(&j, m, LLMCOST_FT_LORA, 8, "q_proj,v_proj");
    /* bf16 adapters, no dropout: lora_A keeps the norm's output itself (counted with the norm), lora_B keeps x A */
    j.finetune.adapter_bytes = 2;
    llmcost_memory a = memory_of(m, &j);
    cr_expect_eq(a.lora_activation_bytes, LAYERS * T * 2 * (2 * r));
    cr_expect_eq(a.adapter_optimizer_bytes, 4 * LAYERS * 8 * 4 * H, "two bf16 moments");
    /* fp32 adapters with dropout: a bool mask and the fp32 dropout output (kept by lora_A), x A in fp32 */
    j.finetune.adapter_bytes = 0;
    j.finetune.dropout = 0.1;
    llmcost_memory b = memory_of(m, &j);
    cr_expect_eq(b.lora_activation_bytes, LAYERS * T * 2 * (4 * r + H + 4 * H));
    /* fp32 adapters, no dropout: the fp32 cast copy of the input */
    j.finetune.dropout = 0;
    llmcost_memory c = memory_of(m, &j);
    cr_expect_eq(c.lora_activation_bytes, LAYERS * T * 2 * (4 * r + 4 * H));
    /* full recomputation keeps only each layer's input: nothing of the adapters */
    j.recompute = LLMCOST_RECOMPUTE_FULL;
    cr_expect_eq(memory_of(m, &j).lora_activation_bytes, 0);
    llmcost_model_free(m);
}

Test(memory_finetune, a_frozen_base_keeps_no_linear_input_and_no_normalised_input)
{
    llmcost_model *m = load_model("llama-2-7b");
    double T = 2048;
    llmcost_job full = single_gpu_job(1, 2048), lora = full, qlora = full;
    with_lora(&lora, m, LLMCOST_FT_LORA, 8, "q_proj,v_proj");
    lora.finetune.adapter_bytes = 2;
    llmcost_memory f = memory_of(m, &full), l = memory_of(m, &lora);
    /* Per token and layer the frozen base drops: each RMSNorm's bf16 normalised input (kept for its weight's
     * gradient: 2h twice), the MLP norm's output (gate and up are frozen: 2h) and act*up (down is frozen: 2 ff);
     * the attention norm's output stays, lora_A keeps it. The adapters add x A: 2 bytes x r, on q and v. */
    double dropped = 2 * H + 2 * H + 2 * H + 2 * FF, added = 2 * (2 * 8);
    cr_expect_eq(f.layer_activation_bytes - l.layer_activation_bytes, (dropped - added) * T);
    /* QLoRA (NF4): bitsandbytes' MatMul4Bit keeps its input (ctx.tensors = (A, B)): the MLP norm's output and
     * act*up come back. */
    qlora = lora;
    qlora.finetune.method = LLMCOST_FT_QLORA;
    llmcost_memory q = memory_of(m, &qlora);
    cr_expect_eq(q.layer_activation_bytes - l.layer_activation_bytes, (2 * H + 2 * FF) * T);
    llmcost_model_free(m);
}

Test(memory_finetune, zero_3_shards_the_frozen_base_and_the_adapters)
{
    llmcost_model *m = load_model("llama-2-7b");
    llmcost_job one = single_gpu_job(1, 1024), two = one;
    with_lora(&one, m, LLMCOST_FT_LORA, 8, "q_proj,v_proj");
    two = one;
    two.layout.gpus = 2;
    two.layout.zero = 3;
    two.global_batch = 2;
    llmcost_memory a = memory_of(m, &one), b = memory_of(m, &two);
    cr_expect_eq(b.frozen_weight_bytes, a.frozen_weight_bytes / 2);
    cr_expect_eq(b.adapter_bytes, a.adapter_bytes / 2);
    cr_expect_eq(b.adapter_gradient_bytes, a.adapter_gradient_bytes / 2);
    cr_expect_eq(b.adapter_optimizer_bytes, a.adapter_optimizer_bytes / 2);
    llmcost_model_free(m);
}

Test(memory_finetune, the_largest_micro_batch_of_a_job_fits_and_one_more_does_not)
{
    llmcost_model *m = load_model("llama-2-7b");
    llmcost_job j = single_gpu_job(1, 2048);
    with_lora(&j, m, LLMCOST_FT_QLORA, 16, "all-linear");
    j.recompute = LLMCOST_RECOMPUTE_FULL;
    double cap = 24e9, head = 0.05;
    int64_t mb = 0;
    cr_assert_eq(llmcost_job_max_micro_batch(&mb, m, &j, cap, head), 0, "%s", llmcost_errmsg());
    cr_assert_gt(mb, 0);
    double limit = cap * (1 - head) - j.cuda_context_bytes;
    j.micro_batch = mb;
    j.global_batch = mb;
    cr_expect_leq(memory_of(m, &j).reserved_bytes, limit);
    j.micro_batch = mb + 1;
    j.global_batch = mb + 1;
    cr_expect_gt(memory_of(m, &j).reserved_bytes, limit);
    /* For pre-training the job's answer is the memory options' answer. */
    llmcost_job pre = single_gpu_job(1, 2048);
    llmcost_memory_options o;
    llmcost_job_memory_options(&o, &pre);
    int64_t a = 0, b = 0;
    cr_assert_eq(llmcost_memory_max_micro_batch(&a, m, &o, 141e9, head), 0);
    cr_assert_eq(llmcost_job_max_micro_batch(&b, m, &pre, 141e9, head), 0);
    cr_expect_eq(a, b);
    llmcost_model_free(m);
}

Test(memory_finetune, cli_memory_answers_adapters_with_their_fields)
{
    const char *argv[] = {"memory", "llama-2-7b", "--finetune", "qlora", "--lora-rank", "8", "--lora-targets",
                          "q_proj,v_proj", "--seq", "1024", "--gpu", "rtx-4090", "--format", "json", NULL};
    json_t *d = run_cli_json(argv);
    cr_expect_eq(json_integer_value(json_object_get(d, "trainable_params")), (json_int_t)(LAYERS * 8 * 4 * H));
    cr_expect_eq(json_integer_value(json_object_get(d, "frozen_params")), (json_int_t)TOTAL);
    json_t *f = json_object_get(d, "finetune");
    cr_expect_str_eq(json_string_value(json_object_get(f, "method")), "qlora");
    cr_expect_eq(json_number_value(json_object_get(f, "dequant_bytes")), 2 * H * FF);
    cr_expect(json_is_true(json_object_get(d, "fits")));
    json_decref(d);
}

/* `llmcost memory`'s JSON field "k" of the finetune object, for "args" (space-separated). */
static double cli_finetune_field(const char *args, const char *k)
{
    char buf[512];
    snprintf(buf, sizeof buf, "memory llama-2-7b --finetune lora --lora-rank 8 --lora-targets q_proj,v_proj --seq 1024 %s "
                              "--format json", args);
    json_t *d = run_cli_json_args(buf);
    double v = json_number_value(json_object_get(json_object_get(d, "finetune"), k));
    json_decref(d);
    return v;
}

Test(memory_finetune, cli_dropout_and_adapter_dtype_reach_the_engine)
{
    /* The library's derivations above (adapters_keep_x_a_and_their_input_or_its_copy), through the flags: bf16
     * adapters keep x A in bf16 and two bf16 moments; fp32 adapters with dropout keep a bool mask and the fp32
     * dropout output beside x A in fp32. */
    double T = 1024, r = 8;
    cr_expect_eq(cli_finetune_field("--adapter-dtype bf16", "lora_activation_bytes"), LAYERS * T * 2 * (2 * r));
    cr_expect_eq(cli_finetune_field("--adapter-dtype bf16", "adapter_optimizer_bytes"), 4 * LAYERS * 8 * 4 * H);
    cr_expect_eq(cli_finetune_field("--lora-dropout 0.1", "lora_activation_bytes"), LAYERS * T * 2 * (4 * r + H + 4 * H));
    /* 0 is PEFT's default, no dropout: the same bytes as leaving the flag out (the line above's bf16 figure). */
    cr_expect_eq(cli_finetune_field("--lora-dropout 0 --adapter-dtype bf16", "lora_activation_bytes"),
                 LAYERS * T * 2 * (2 * r));
    cr_expect_eq(cli_finetune_field("--lora-dropout 0.1 --adapter-dtype fp32", "adapter_optimizer_bytes"),
                 8 * LAYERS * 8 * 4 * H, "two fp32 moments");
}

Test(memory_finetune, cli_bad_dropout_and_adapter_dtype_name_their_flag)
{
    const char *one[] = {"memory", "llama-2-7b", "--finetune", "lora", "--lora-dropout", "1", NULL};
    run_result r = run_cli(one);
    cr_expect_eq(r.status, 2);
    int lines = 0;
    for (const char *p = r.err; *p; p++)
        lines += *p == '\n';
    cr_expect(strstr(r.err, "--lora-dropout") != NULL && lines == 1, "one line naming the flag: %s", r.err);
    run_free(&r);
    const char *neg[] = {"memory", "llama-2-7b", "--finetune", "lora", "--lora-dropout", "-0.1", NULL};
    r = run_cli(neg);
    cr_expect_eq(r.status, 2);
    cr_expect(strstr(r.err, "--lora-dropout") != NULL && strstr(r.err, "at least 0") != NULL, "%s", r.err);
    run_free(&r);
    const char *dt[] = {"memory", "llama-2-7b", "--finetune", "lora", "--adapter-dtype", "fp8", NULL};
    r = run_cli(dt);
    cr_expect_eq(r.status, 2);
    cr_expect(strstr(r.err, "--adapter-dtype") != NULL, "%s", r.err);
    run_free(&r);
    const char *pre[] = {"memory", "llama-2-7b", "--lora-dropout", "0.1", NULL};
    r = run_cli(pre);
    cr_expect_eq(r.status, 2);
    cr_expect(strstr(r.err, "--lora-dropout needs --finetune lora or qlora") != NULL, "%s", r.err);
    run_free(&r);
}

Test(memory_finetune, text_says_what_a_qlora_job_holds)
{
    const char *argv[] = {"memory", "llama-2-7b", "--finetune", "qlora", "--lora-targets", "q_proj,v_proj", "--seq",
                          "1024", "--gpu", "rtx-4090", NULL};
    run_result r = run_cli(argv);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_expect(strstr(r.out, "bf16 weights, gradients and states") == NULL, "%s", r.out);
    /* (the text wraps at 100 columns: short phrases) */
    cr_expect(strstr(r.out, "Linears in NF4 (blocks of 64") != NULL, "%s", r.out);
    cr_expect(strstr(r.out, "fp32 (PEFT's") != NULL && strstr(r.out, "adapter dtype)") != NULL, "%s", r.out);
    run_free(&r);
}

/* --max-seq: the longest sequence whose reserve plus the CUDA context fits capacity x (1 - headroom). Checked at
 * the boundary against the memory engine itself: the answer fits, one step (the context-parallel degree) longer
 * does not; with cp = 2 the answer is even; a job that fits at no length answers 0; the CLI prints the same. */
static void longest_is_the_boundary(const llmcost_model *m, const llmcost_job *j, double cap, int64_t step)
{
    int64_t s = -1;
    cr_assert_eq(llmcost_job_max_seq(&s, m, j, cap, j->headroom), 0, "%s", llmcost_errmsg());
    cr_assert_gt(s, 0);
    cr_assert_eq(s % step, 0, "%lld is not a multiple of %lld", (long long)s, (long long)step);
    double limit = cap * (1 - j->headroom) - j->cuda_context_bytes;
    llmcost_job q = *j;
    q.global_batch = 0;
    q.seq = s;
    cr_assert_leq(memory_of(m, &q).reserved_bytes, limit, "seq %lld", (long long)s);
    q.seq = s + step;
    cr_assert_gt(memory_of(m, &q).reserved_bytes, limit, "seq %lld", (long long)(s + step));
}

Test(memory_finetune, max_seq_is_the_longest_that_fits)
{
    llmcost_model *m = load_model("llama-2-7b");
    double gib = 1073741824.0;
    llmcost_job j = single_gpu_job(1, 1024);
    j.recompute = LLMCOST_RECOMPUTE_FULL;
    with_lora(&j, m, LLMCOST_FT_QLORA, 16, "all-linear");
    longest_is_the_boundary(m, &j, 24 * gib, 1);
    j.micro_batch = 2, j.global_batch = 2;
    longest_is_the_boundary(m, &j, 24 * gib, 1);
    llmcost_job cp = single_gpu_job(1, 1024);
    cp.recompute = LLMCOST_RECOMPUTE_FULL;
    cp.layout.gpus = 2, cp.layout.cp = 2;
    with_lora(&cp, m, LLMCOST_FT_LORA, 8, "q_proj,v_proj");
    longest_is_the_boundary(m, &cp, 24 * gib, 2);
    /* Full fine-tuning of 6.7B parameters in fp32 AdamW needs 16 bytes each (108 GB) before any activation: no
     * length fits 24 GiB. */
    llmcost_job full = single_gpu_job(1, 1024);
    full.finetune.method = LLMCOST_FT_FULL;
    full.precision = LLMCOST_PREC_FP32;
    int64_t s = -1;
    cr_assert_eq(llmcost_job_max_seq(&s, m, &full, 24 * gib, full.headroom), 0, "%s", llmcost_errmsg());
    cr_expect_eq(s, 0);
    cr_expect_eq(llmcost_job_max_seq(NULL, m, &full, 24 * gib, 0.05), LLMCOST_EINVAL);
    /* The CLI: JSON max_seq is the library's answer for the same job; text says when it is beyond the model's
     * 4096 positions. */
    int64_t want = 0;
    cr_assert_eq(llmcost_job_max_seq(&want, m, &j, llmcost_gpu_find("h200")->memory_bytes, j.headroom), 0);
    const char *argv[] = {"memory", "llama-2-7b", "--finetune", "qlora", "--lora-rank", "16", "--lora-targets",
                          "all-linear", "--recompute", "full", "--micro-batch", "2", "--global-batch", "2",
                          "--gpu", "h200", "--max-seq", "--format", "json", NULL};
    run_result r = run_cli(argv);
    cr_assert_eq(r.status, 0, "%s", r.err);
    json_error_t e;
    json_t *doc = json_loads(r.out, 0, &e);
    cr_assert_not_null(doc, "%s", e.text);
    cr_expect_eq(json_integer_value(json_object_get(doc, "max_seq")), want);
    cr_expect_eq(json_integer_value(json_object_get(doc, "max_positions")), 4096);
    cr_expect_not_null(json_object_get(doc, "peak_bytes"));
    json_decref(doc);
    run_free(&r);
    const char *text[] = {"memory", "llama-2-7b", "--finetune", "qlora", "--lora-rank", "16", "--lora-targets",
                          "all-linear", "--recompute", "full", "--micro-batch", "2", "--global-batch", "2",
                          "--gpu", "h200", "--max-seq", NULL};
    r = run_cli(text);
    cr_assert_eq(r.status, 0, "%s", r.err);
    char line[160];
    snprintf(line, sizeof line, "at micro-batch 2: %lld tokens, beyond the model's", (long long)want);
    cr_expect(want > 4096 && strstr(r.out, line), "%s", r.out);
    run_free(&r);
    llmcost_model_free(m);
}
