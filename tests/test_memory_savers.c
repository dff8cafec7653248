/* test_memory_savers.c - the memory savers of a job (job.h version 4; docs/formulas.md "Memory savers") against
 * byte counts written here from Llama-2-7b's shapes (hidden 4096, 32 layers of 202,383,360 parameters, MLP 11008,
 * vocab 32000, untied head, 6,738,415,616 parameters), full fine-tuning in bf16 on one GPU:
 *   chunked cross-entropy: the fp32 copy of the logits and the loss's two fp32 gradients are one chunk's;
 *   a compiled loss keeps its bf16 input (each chunk's logits) and a fp32 log-sum-exp per token, not fp32
 *     log-probabilities;
 *   the optimizer in backward: one parameter's gradient alive at a time, none at the end of backward;
 *   activation offloading: two layers' kept tensors on the GPU, the others in host memory;
 *   paged AdamW: fp32 moments (bitsandbytes' 32-bit states), those of every tensor of 10^5 elements or more outside
 *     the counted peak. */
#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

#include "helpers.h"
#include "llmcost/llmcost.h"

#define H 4096.0
#define V 32000.0
#define LAYERS 32.0
#define LAYER_PARAMS 202383360.0 /* 4 h^2 + 3 h x 11008 + 2 h (two RMSNorm weights) */
#define TOTAL 6738415616.0       /* 32 layers + embedding + head (V x h each) + final norm */

static llmcost_job full_ft(int64_t seq)
{
    llmcost_job j;
    llmcost_job_init(&j);
    j.micro_batch = 1;
    j.seq = seq;
    j.global_batch = 1;
    j.layout.gpus = 1;
    j.finetune.method = LLMCOST_FT_FULL;
    return j;
}

static llmcost_memory memory_of(const llmcost_model *m, const llmcost_job *j)
{
    llmcost_memory r;
    cr_assert_eq(llmcost_job_memory(&r, m, j), 0, "%s", llmcost_errmsg());
    return r;
}

Test(memory_savers, the_sum_of_the_shapes_is_the_model)
{
    cr_expect_eq(LAYERS * LAYER_PARAMS + 2 * V * H + H, TOTAL);
}

Test(memory_savers, chunked_loss_upcasts_and_differentiates_one_chunk_at_a_time)
{
    llmcost_model *m = load_model("llama-2-7b");
    llmcost_job j = full_ft(1024);
    llmcost_memory whole = memory_of(m, &j);
    j.chunked_loss = 8;
    llmcost_memory chunked = memory_of(m, &j);
    double T = 1024, n = 8;
    /* end of forward: the fp32 copy 4VT becomes one chunk's; start of backward: the nll and log-softmax
     * gradients 2 x 4VT become one chunk's; what forward keeps does not change (every chunk's log-probabilities) */
    cr_expect_eq(whole.phase_bytes[LLMCOST_PHASE_FORWARD_LOSS] - chunked.phase_bytes[LLMCOST_PHASE_FORWARD_LOSS],
                 4 * V * T * (1 - 1 / n));
    cr_expect_eq(whole.phase_bytes[LLMCOST_PHASE_BACKWARD_LOSS] - chunked.phase_bytes[LLMCOST_PHASE_BACKWARD_LOSS],
                 8 * V * T * (1 - 1 / n));
    cr_expect_eq(whole.after_forward_bytes, chunked.after_forward_bytes);
    /* more chunks than the micro-batch's tokens: refused, naming the field */
    j.chunked_loss = 2048;
    llmcost_memory r;
    cr_expect_lt(llmcost_job_memory(&r, m, &j), 0);
    cr_expect(strstr(llmcost_errmsg(), "chunked_loss") != NULL, "%s", llmcost_errmsg());
    llmcost_model_free(m);
}

Test(memory_savers, a_compiled_chunked_loss_keeps_bf16_logits_and_a_log_sum_exp)
{
    llmcost_model *m = load_model("llama-2-7b");
    llmcost_job j = full_ft(1024);
    j.chunked_loss = 8;
    llmcost_memory eager = memory_of(m, &j);
    j.compile = true;
    llmcost_memory compiled = memory_of(m, &j);
    double T = 1024;
    /* kept by the loss: fp32 log-probabilities 4VT + int64 labels 8T + the loss (eager) against the bf16 chunks
     * 2VT + the fp32 log-sum-exp 4T + labels + the loss (compiled) */
    cr_expect_eq(eager.after_forward_bytes - compiled.after_forward_bytes, 2 * V * T - 4 * T);
    llmcost_model_free(m);
}

Test(memory_savers, the_optimizer_in_backward_frees_every_gradient_but_the_one_being_stepped)
{
    llmcost_model *m = load_model("llama-2-7b");
    llmcost_job j = full_ft(256);
    llmcost_memory usual = memory_of(m, &j);
    j.optimizer_in_backward = true;
    llmcost_memory oib = memory_of(m, &j);
    /* bf16 gradients: all 2 x TOTAL at the end of backward, against one layer's 2 x LAYER_PARAMS (a layer is larger
     * than the head or the embedding, V x h = 131,072,000) */
    cr_expect_eq(usual.phase_bytes[LLMCOST_PHASE_BACKWARD_END] - oib.phase_bytes[LLMCOST_PHASE_BACKWARD_END],
                 2 * TOTAL - 2 * LAYER_PARAMS);
    cr_expect_eq(oib.gradients_bytes, 2 * LAYER_PARAMS);
    /* through the last layer: the head's gradient has been stepped and freed */
    cr_expect_eq(usual.phase_bytes[LLMCOST_PHASE_BACKWARD_LAYERS] - oib.phase_bytes[LLMCOST_PHASE_BACKWARD_LAYERS],
                 2 * V * H);
    /* no gradient survives to accumulate the next micro-batch's */
    j.global_batch = 2;
    llmcost_memory r;
    cr_expect_lt(llmcost_job_memory(&r, m, &j), 0);
    cr_expect(strstr(llmcost_errmsg(), "optimizer_in_backward") != NULL, "%s", llmcost_errmsg());
    llmcost_model_free(m);
}

Test(memory_savers, activation_offload_keeps_two_layers_on_the_gpu)
{
    llmcost_model *m = load_model("llama-2-7b");
    llmcost_job j = full_ft(1024);
    llmcost_memory kept = memory_of(m, &j);
    j.activation_offload = true;
    llmcost_memory off = memory_of(m, &j);
    double layer = kept.layer_activation_bytes; /* 32 equal layers */
    cr_expect_eq(off.offloaded_bytes, (LAYERS - 2) * layer);
    cr_expect_eq(kept.after_forward_bytes - off.after_forward_bytes, (LAYERS - 2) * layer);
    cr_expect_eq(kept.offloaded_bytes, 0);
    llmcost_model_free(m);
}

Test(memory_savers, paged_adamw_pages_fp32_moments_of_the_large_tensors)
{
    llmcost_model *m = load_model("llama-2-7b");
    llmcost_job j = full_ft(256);
    j.optimizer = LLMCOST_OPTIM_PAGED_ADAMW;
    llmcost_memory r = memory_of(m, &j);
    /* the RMSNorm weights (4096 < 10^5 elements: 2 per layer + the final one) keep their two fp32 moments on the
     * device, counted; every matrix, the embedding and the head are paged */
    double norms = 2 * H * LAYERS + H;
    cr_expect_eq(r.optimizer_bytes, 8 * norms);
    cr_expect_eq(r.paged_optimizer_bytes, 8 * (TOTAL - norms));
    /* 8-bit: the uint8 moments are paged, the fp32 absmax per block of 256 stays */
    j.optimizer = LLMCOST_OPTIM_PAGED_ADAMW_8BIT;
    r = memory_of(m, &j);
    cr_expect_eq(r.paged_optimizer_bytes, 2 * (TOTAL - norms));
    cr_expect(fabs(r.optimizer_bytes - (2 * (1 + 4.0 / 256) * TOTAL - 2 * (TOTAL - norms))) < 1, "%.17g",
              r.optimizer_bytes);
    llmcost_model_free(m);
}

Test(memory_savers, paged_lora_adapters_below_the_threshold_stay_on_the_device)
{
    llmcost_model *m = load_model("llama-2-7b");
    llmcost_job j = full_ft(256);
    j.finetune.method = LLMCOST_FT_LORA;
    j.finetune.rank = 8;
    cr_assert_eq(llmcost_lora_targets_parse(&j.finetune.targets, m, "q_proj,v_proj"), 0, "%s", llmcost_errmsg());
    j.optimizer = LLMCOST_OPTIM_PAGED_ADAMW;
    llmcost_memory r = memory_of(m, &j);
    /* A (8 x 4096) and B (4096 x 8) have 32,768 elements each, under 10^5: nothing paged */
    cr_expect_eq(r.paged_optimizer_bytes, 0);
    cr_expect_eq(r.adapter_optimizer_bytes, 8 * LAYERS * 2 * 2 * 8 * H);
    /* rank 32: 131,072 elements each, every adapter's moments paged */
    j.finetune.rank = 32;
    r = memory_of(m, &j);
    cr_expect_eq(r.paged_optimizer_bytes, 8 * LAYERS * 2 * 2 * 32 * H);
    cr_expect_eq(r.adapter_optimizer_bytes, 0);
    llmcost_model_free(m);
}

Test(memory_savers, the_cli_takes_the_flags_and_says_what_it_assumes)
{
    const char *const ok[] = {"memory", "llama-2-7b", "--finetune", "full", "--seq", "1024", "--global-batch", "1x1024",
                              "--chunked-loss", "8", "--optimizer-in-backward", "--activation-offload", "--compile",
                              "--optimizer", "paged-adamw", NULL};
    run_result r = run_cli(ok);
    cr_expect_eq(r.status, 0, "%s", r.err);
    cr_expect(strstr(r.out, "cross-entropy in 8 chunks") != NULL, "%s", r.out);
    cr_expect(strstr(r.out, "optimizer in backward") != NULL, "%s", r.out);
    cr_expect(strstr(r.out, "Paged optimizer:") != NULL, "%s", r.out);
    cr_expect(strstr(r.out, "Activation offload:") != NULL, "%s", r.out);
    run_free(&r);
    /* step prints what the savers cost: activation offload's copies over the default GPU's (h100) host link */
    const char *const step[] = {"step", "llama-2-7b", "--finetune", "full", "--seq", "1024", "--global-batch", "1x1024",
                                "--activation-offload", NULL};
    r = run_cli(step);
    cr_expect_eq(r.status, 0, "%s", r.err);
    cr_expect(strstr(r.out, "activation offload:") != NULL, "%s", r.out);
    cr_expect(strstr(r.out, "over PCIe Gen5 x16") != NULL, "%s", r.out);
    run_free(&r);
    const char *const zero[] = {"memory", "llama-2-7b", "--chunked-loss", "0", NULL};
    r = run_cli(zero);
    cr_expect_eq(r.status, 2);
    cr_expect(strstr(r.err, "--chunked-loss") != NULL, "%s", r.err);
    run_free(&r);
    const char *const accum[] = {"memory", "llama-2-7b", "--finetune", "full", "--optimizer-in-backward",
                                 "--grad-accum", "4", NULL};
    r = run_cli(accum);
    cr_expect_eq(r.status, 2);
    cr_expect(strstr(r.err, "--optimizer-in-backward") != NULL, "%s", r.err);
    run_free(&r);
}
