/* test_step_savers.c - the framework profiles torchtune and litgpt, and the step time of the memory savers
 * (docs/formulas.md "Framework profiles" and "Memory savers: step time"), against figures derived here from
 * Llama-2-7b's shapes (hidden h = 4096, 32 layers of 7 Linear matrices and 2 RMSNorms, MLP f = 11008, vocab
 * V = 32000, untied head) and the catalogue's host links:
 *   PCIe 5.0 x16: 32 GT/s x 16 lanes x 128/130 / 8 bits = 63.0 GB/s each way (H100); PCIe 4.0: 31.5 GB/s;
 *   the optimizer in backward steps 32 x (7 + 2) + 3 (embedding, head, final norm) = 291 tensors (full) or
 *     32 x 2 x 2 = 128 (LoRA A and B on q_proj and v_proj), each OPTIMIZER_KERNELS = 4 launches;
 *   under recomputation every layer keeps its bf16 input, 2 h T bytes: the bytes activation offloading copies;
 *   LitGPT's RMSNorm keeps its fp32 normalised input (4 h a token, against HF's bf16 2 h) and its loss keeps bf16
 *     log-probabilities (2 V T) and the bf16 logits its loop holds (2 V T) where HF's keeps fp32 log-probabilities
 *     (4 V T). */
#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

#include "helpers.h"
#include "internal.h"
#include "kernels.h"
#include "llmcost/llmcost.h"

#define H 4096.0
#define F 11008.0
#define V 32000.0
#define LAYERS 32.0

static llmcost_job job_of(llmcost_framework fw, int64_t seq)
{
    llmcost_job j;
    llmcost_job_init(&j);
    j.micro_batch = 1;
    j.seq = seq;
    j.global_batch = 1;
    j.layout.gpus = 1;
    j.framework = fw;
    j.finetune.method = LLMCOST_FT_FULL;
    return j;
}

static llmcost_model *llama(void)
{
    llmcost_model *m;
    cr_assert_eq(llmcost_model_load(&m, "llama-2-7b"), 0, "%s", llmcost_errmsg());
    return m;
}

static llmcost_step step_of(const llmcost_model *m, const llmcost_gpu *g, const llmcost_job *j)
{
    llmcost_step s;
    cr_assert_eq(llmcost_job_step(&s, m, g, j), 0, "%s", llmcost_errmsg());
    return s;
}

static llmcost_memory memory_of(const llmcost_model *m, const llmcost_job *j)
{
    llmcost_memory r;
    cr_assert_eq(llmcost_job_memory(&r, m, j), 0, "%s", llmcost_errmsg());
    return r;
}

static void near(double got, double want, double rel)
{
    cr_expect(fabs(got - want) <= rel * fabs(want) + 1e-12, "got %.9g, want %.9g", got, want);
}

Test(step_savers, the_profiles_parse_and_the_catalogue_has_host_links)
{
    cr_expect_eq(llmcost_framework_parse("torchtune"), LLMCOST_FW_TORCHTUNE);
    cr_expect_eq(llmcost_framework_parse("litgpt"), LLMCOST_FW_LITGPT);
    cr_expect_str_eq(llmcost_framework_name(LLMCOST_FW_LITGPT), "litgpt");
    cr_expect(llmcost_framework_eager(LLMCOST_FW_TORCHTUNE) && llmcost_framework_eager(LLMCOST_FW_HF));
    cr_expect(!llmcost_framework_eager(LLMCOST_FW_MEGATRON));
    /* PCIe 5.0 x16: 32e9 x 16 x 128/130 / 8 = 63.015e9 B/s, given as 63 GB/s; PCIe 4.0 half of it */
    cr_expect_eq(llmcost_gpu_find("h100")->host_bw, 63e9);
    cr_expect_eq(llmcost_gpu_find("a100-80gb")->host_bw, 31.5e9);
    cr_expect_str_eq(llmcost_gpu_find("h200")->host_link, "PCIe Gen5 x16");
    cr_expect(strstr(llmcost_gpu_find("h200")->host_source, "128 GB/s") != NULL);
}

Test(step_savers, torchtune_and_litgpt_train_bf16_adapters)
{
    llmcost_model *m = llama();
    double adapters = LAYERS * 2 * 8 * (H + H); /* rank 8 on q_proj and v_proj: 4,194,304 */
    for (int fw = 0; fw < LLMCOST_FW_COUNT; fw++) {
        if (fw == LLMCOST_FW_MEGATRON)
            continue;
        llmcost_job j = job_of((llmcost_framework)fw, 1024);
        j.finetune.method = LLMCOST_FT_LORA;
        llmcost_memory r = memory_of(m, &j);
        cr_expect_eq(r.adapter_bytes, (fw == LLMCOST_FW_HF ? 4 : 2) * adapters, "%s", llmcost_framework_name(fw));
    }
    llmcost_model_free(m);
}

Test(step_savers, torchtune_nf4_keeps_no_input_bitsandbytes_does)
{
    /* QLoRA, rank 8 on q_proj and v_proj, no dropout, bf16 adapters, no recomputation: bitsandbytes' MatMul4Bit keeps
     * every quantised Linear's input; torchao's keeps its weight. q and v's adapters keep the attention norm's output
     * anyway, and attention keeps its own output (o_proj's input), so what torchtune does not keep is the MLP norm's
     * output (2 h a token, read by gate and up) and act(gate) * up (2 f, read by down): 32 x 2 (h + f) x T. */
    llmcost_model *m = llama();
    llmcost_job j = job_of(LLMCOST_FW_HF, 1024);
    j.finetune.method = LLMCOST_FT_QLORA;
    j.finetune.adapter_bytes = 2;
    llmcost_memory hf = memory_of(m, &j);
    j.framework = LLMCOST_FW_TORCHTUNE;
    llmcost_memory tt = memory_of(m, &j);
    near(hf.activations_bytes - tt.activations_bytes, LAYERS * 2 * (H + F) * 1024, 1e-9);
    /* torchtune quantises with torchao's NF4 only; LitGPT has no AWQ int4 */
    j.finetune.quant = LLMCOST_QUANT_INT4;
    llmcost_memory r;
    cr_expect_eq(llmcost_job_memory(&r, m, &j), LLMCOST_EUNSUPPORTED);
    j.framework = LLMCOST_FW_LITGPT;
    cr_expect_eq(llmcost_job_memory(&r, m, &j), LLMCOST_EUNSUPPORTED);
    llmcost_model_free(m);
}

Test(step_savers, litgpt_keeps_fp32_norms_and_a_bf16_chunked_loss)
{
    llmcost_model *m = llama();
    const double T = 1024;
    llmcost_job j = job_of(LLMCOST_FW_HF, 1024);
    llmcost_memory hf = memory_of(m, &j);
    j.framework = LLMCOST_FW_LITGPT;
    llmcost_memory lg = memory_of(m, &j);
    /* 2 norms a layer and the final norm keep a fp32 normalised input (4 h) instead of bf16 (2 h); the loss keeps
     * 2 V T of log-probabilities + the 2 V T of logits the loop holds, HF's 4 V T of fp32 log-probabilities */
    double norms = (2 * LAYERS + 1) * 2 * H * T;
    /* attention (litgpt/model.py): Llama 2 7B has as many kv as query heads, so v is a view of the fused qkv output
     * and SDPA's saved v keeps all of it (3 h), with the rotated copies of q and k (2 h) and the output (h); HF
     * keeps q, k, v and the output (4 h): 2 h more, in bf16, per layer */
    norms += LAYERS * 2 * (H + H) * T;
    near(lg.activations_bytes - hf.activations_bytes, norms, 1e-9);
    /* forward's end: HF adds its returned bf16 logits (2 V T) and the loss's fp32 copy (4 V T); LitGPT neither */
    near(lg.phase_bytes[LLMCOST_PHASE_FORWARD_LOSS] - hf.phase_bytes[LLMCOST_PHASE_FORWARD_LOSS], norms - 6 * V * T,
         1e-9);
    /* the loss's backward: HF's two fp32 gradients of the whole (8 V T); LitGPT's two bf16 of one 128-token chunk */
    near(lg.phase_bytes[LLMCOST_PHASE_BACKWARD_LOSS] - hf.phase_bytes[LLMCOST_PHASE_BACKWARD_LOSS],
         norms + 2 * 2 * V * 128 - 8 * V * T, 1e-9);
    /* the end of backward: LitGPT's loop still holds the logits */
    near(lg.phase_bytes[LLMCOST_PHASE_BACKWARD_END] - hf.phase_bytes[LLMCOST_PHASE_BACKWARD_END], 2 * V * T, 1e-9);
    /* LitGPT's finetune scripts offer no torchtune-style savers */
    j.chunked_loss = 8;
    cr_expect_eq(llmcost_job_memory(&lg, m, &j), LLMCOST_EUNSUPPORTED);
    llmcost_model_free(m);
}

Test(step_savers, litgpt_shares_one_dropout_among_the_qkv_adapters)
{
    /* LitGPT's LoRAQKVLinear (litgpt/lora.py) applies one lora_dropout to the fused layer's input for the q, k and v
     * adapters together; PEFT gives q_proj and v_proj a dropout each. Adding v's adapter to q's adds x A (r bf16
     * values a token, kept by lora_B) under LitGPT; under HF also v's own mask (h bools) and output (h, bf16 here). */
    llmcost_model *m = llama();
    const double T = 1024, r = 8;
    for (int fw = 0; fw < 2; fw++) {
        llmcost_job j = job_of(fw ? LLMCOST_FW_LITGPT : LLMCOST_FW_HF, 1024);
        j.finetune.method = LLMCOST_FT_LORA;
        j.finetune.dropout = 0.05;
        j.finetune.adapter_bytes = 2;
        cr_assert_eq(llmcost_lora_targets_parse(&j.finetune.targets, m, "q_proj"), 0, "%s", llmcost_errmsg());
        llmcost_memory q = memory_of(m, &j);
        cr_assert_eq(llmcost_lora_targets_parse(&j.finetune.targets, m, "q_proj,v_proj"), 0, "%s", llmcost_errmsg());
        llmcost_memory qv = memory_of(m, &j);
        double want = LAYERS * (2 * r + (fw ? 0 : H + 2 * H)) * T;
        near(qv.activations_bytes - q.activations_bytes, want, 1e-9);
    }
    llmcost_model_free(m);
}

Test(step_savers, litgpt_fsdp_keeps_the_blocks_whole_gradients)
{
    /* LitGPT's FSDP (Fabric FSDPStrategy, use_orig_params=True, one FlatParameter per Block holding its frozen
     * weights and adapters): the gradient of every Block's parameters, in bf16: 32 x (4 h^2 + 3 h f + 2 h) =
     * 6,476,267,520 of them, sharded over the 2 GPUs after each reduce-scatter; under gradient accumulation FSDP's
     * no_sync keeps them whole on every GPU. The adapters' own bf16 gradients (4,194,304) are sharded by ZeRO-3
     * either way. The root unit (embedding, final norm, head) is frozen alone: no gradient. HF (PEFT) keeps the
     * adapters' (fp32) gradients only. */
    llmcost_model *m = llama();
    const double layer_params = LAYERS * (4 * H * H + 3 * H * F + 2 * H), adapters = 4194304;
    for (int ga = 1; ga <= 4; ga += 3) {
        for (int fw = 0; fw < 2; fw++) {
            llmcost_job j = job_of(fw ? LLMCOST_FW_LITGPT : LLMCOST_FW_HF, 1024);
            j.finetune.method = LLMCOST_FT_LORA;
            j.finetune.adapter_bytes = 2;
            j.layout.gpus = 2;
            j.layout.zero = 3;
            j.grad_accum = ga;
            j.global_batch = 2 * ga;
            llmcost_memory r = memory_of(m, &j);
            double want = 2 * adapters / 2 + (fw ? 2 * layer_params / (ga > 1 ? 1 : 2) : 0);
            near(r.gradients_bytes, want, 1e-12);
        }
    }
    llmcost_model_free(m);
}

Test(step_savers, compile_fuses_the_element_wise_kernels_as_the_fused_profile_does)
{
    /* Dense bf16 on one GPU: what separates the hf and megatron step profiles is the element-wise kernels alone
     * (no experts, no fp8), so inductor's fusion, taken as the hand-fused kernels' bytes and launches, gives
     * megatron's step exactly; the FLOPs do not change. */
    llmcost_model *m = llama();
    const llmcost_gpu *g = llmcost_gpu_find("h100");
    llmcost_job j = job_of(LLMCOST_FW_TORCHTUNE, 2048);
    llmcost_step eager = step_of(m, g, &j);
    j.compile = true;
    llmcost_step compiled = step_of(m, g, &j);
    llmcost_job mj = job_of(LLMCOST_FW_MEGATRON, 2048);
    llmcost_step fused = step_of(m, g, &mj);
    cr_expect_lt(compiled.components[LLMCOST_ST_MEMORY_BOUND], eager.components[LLMCOST_ST_MEMORY_BOUND]);
    near(compiled.components[LLMCOST_ST_MEMORY_BOUND], fused.components[LLMCOST_ST_MEMORY_BOUND], 1e-12);
    near(compiled.step_seconds, fused.step_seconds, 1e-12);
    cr_expect_eq(compiled.model_flops_per_step, eager.model_flops_per_step);
    llmcost_model_free(m);
}

Test(step_savers, the_chunked_loss_adds_launches_not_flops)
{
    llmcost_model *m = llama();
    const llmcost_gpu *g = llmcost_gpu_find("h100");
    llmcost_job j = job_of(LLMCOST_FW_TORCHTUNE, 2048);
    llmcost_step whole = step_of(m, g, &j);
    j.chunked_loss = 8;
    llmcost_step chunked = step_of(m, g, &j);
    /* the same FLOPs (8 head GEMMs of 256 rows are the 2048-row GEMM's), the loss's kernels 8 times */
    cr_expect_eq(chunked.model_flops_per_step, whole.model_flops_per_step);
    cr_expect_gt(chunked.components[LLMCOST_ST_MEMORY_BOUND], whole.components[LLMCOST_ST_MEMORY_BOUND]);
    cr_expect_geq(chunked.components[LLMCOST_ST_MATMUL], whole.components[LLMCOST_ST_MATMUL]);
    /* a handful of launches: under 1% of a 2048-token step of a 7B model */
    cr_expect_lt(chunked.step_seconds - whole.step_seconds, 0.01 * whole.step_seconds);
    llmcost_model_free(m);
}

Test(step_savers, activation_offload_copies_each_layers_kept_tensors_over_the_host_link)
{
    /* Full recomputation: every layer keeps its bf16 input, 2 h T = 8 MiB at T = 1024, 256 MiB for 32 layers, each
     * copied to the host in forward and back in backward over PCIe Gen5 x16 (63 GB/s): 2 x 268,435,456 / 63e9 s. */
    llmcost_model *m = llama();
    llmcost_gpu g = *llmcost_gpu_find("h100");
    llmcost_job j = job_of(LLMCOST_FW_TORCHTUNE, 1024);
    j.recompute = LLMCOST_RECOMPUTE_FULL;
    llmcost_step base = step_of(m, &g, &j);
    j.activation_offload = true;
    llmcost_memory r = memory_of(m, &j);
    double bytes = LAYERS * 2 * H * 1024;
    cr_expect_eq(r.offload_copy_bytes, bytes);
    llmcost_step s = step_of(m, &g, &j);
    cr_expect_eq(s.host_bw, 63e9);
    cr_expect_eq(s.offload_bytes, bytes);
    near(s.offload_seconds, 2 * bytes / 63e9, 1e-12);
    /* 4.3 ms each way, against forward and backward GPU work of tens of milliseconds: hidden */
    cr_expect_eq(s.offload_exposed_seconds, 0);
    near(s.step_seconds, base.step_seconds, 1e-12);
    /* a link a thousand times slower (63 MB/s): 4.26 s each way, far longer than the step's compute, so at least
     * the copies less the whole step without them are exposed, and at most the copies; and exactly the exposed
     * seconds are added to the step */
    g.host_bw = 63e6;
    s = step_of(m, &g, &j);
    near(s.offload_seconds, 2 * bytes / 63e6, 1e-12);
    cr_expect_geq(s.offload_exposed_seconds, s.offload_seconds - base.step_seconds);
    cr_expect_leq(s.offload_exposed_seconds, s.offload_seconds);
    near(s.step_seconds - base.step_seconds, s.offload_exposed_seconds, 1e-9);
    /* no host link in the record: not timed */
    g.host_bw = 0;
    s = step_of(m, &g, &j);
    cr_expect_eq(s.offload_seconds, 0);
    near(s.step_seconds, base.step_seconds, 1e-12);
    llmcost_model_free(m);
}

Test(step_savers, paged_states_cost_nothing_while_the_job_fits)
{
    llmcost_model *m = llama();
    const llmcost_gpu *h100 = llmcost_gpu_find("h100");
    llmcost_job j = job_of(LLMCOST_FW_HF, 1024);
    j.optimizer = LLMCOST_OPTIM_ADAMW_8BIT;
    llmcost_step plain = step_of(m, h100, &j);
    j.optimizer = LLMCOST_OPTIM_PAGED_ADAMW_8BIT;
    llmcost_step paged = step_of(m, h100, &j);
    /* 13.5 GB of bf16 weights, as much of gradients and 8-bit moments: within the H100's 80 GB */
    cr_expect_eq(paged.paging_bytes, 0);
    cr_expect_eq(paged.paging_seconds, 0);
    cr_expect_eq(paged.step_seconds, plain.step_seconds);
    /* on a 24 GB RTX 4090 it does not fit: bitsandbytes prefetches each parameter's states just before its update,
     * in the same order every step, and the driver evicts the chunks migrated longest ago, so in a cycle longer than
     * the room left every paged byte comes in and goes out once a step over PCIe 4.0 (not only the excess) */
    const llmcost_gpu *rtx = llmcost_gpu_find("rtx-4090");
    llmcost_memory r = memory_of(m, &j);
    double over = fmin(r.paged_optimizer_bytes,
                       r.reserved_bytes + r.cuda_context_bytes + r.paged_optimizer_bytes - rtx->memory_bytes);
    cr_assert_gt(over, 0);
    j.recompute = LLMCOST_RECOMPUTE_FULL;
    r = memory_of(m, &j);
    cr_assert_gt(r.reserved_bytes + r.cuda_context_bytes + r.paged_optimizer_bytes, rtx->memory_bytes);
    over = r.paged_optimizer_bytes;
    llmcost_step s = step_of(m, rtx, &j);
    near(s.paging_bytes, 2 * over, 1e-12);
    near(s.paging_seconds, 2 * over / 31.5e9, 1e-12);
    llmcost_model_free(m);
}

Test(step_savers, the_optimizer_in_backward_launches_one_step_per_tensor)
{
    llmcost_model *m = llama();
    const llmcost_gpu *g = llmcost_gpu_find("h100");
    llmcost_step_constants k;
    llmcost_step_constants_get(&k);
    /* full: 291 tensors; 291 x 4 launches against the optimizer's GPU time (13.5e9 parameters' worth of bytes:
     * far longer), so no launch shows */
    llmcost_job j = job_of(LLMCOST_FW_TORCHTUNE, 1024);
    llmcost_step base = step_of(m, g, &j);
    j.optimizer_in_backward = true;
    llmcost_step s = step_of(m, g, &j);
    cr_expect_eq(s.hook_steps, 291);
    cr_expect_eq(s.hook_launch_seconds, 0);
    cr_expect_eq(s.step_seconds, base.step_seconds);
    /* LoRA rank 8 on q and v: 128 tensors of 4,194,304 bf16 parameters in all; their steps launch 128 x 4 kernels,
     * more host time than the optimizer's GPU time (the optimizer component less its own 4 launches) */
    j.optimizer_in_backward = false;
    j.finetune.method = LLMCOST_FT_LORA;
    base = step_of(m, g, &j);
    j.optimizer_in_backward = true;
    s = step_of(m, g, &j);
    cr_expect_eq(s.hook_steps, 128);
    double gpu = base.components[LLMCOST_ST_OPTIMIZER] - 4 * k.host_forward_seconds;
    near(s.hook_launch_seconds, 128 * 4 * k.host_forward_seconds - gpu, 1e-9);
    near(s.step_seconds - base.step_seconds, s.hook_launch_seconds, 1e-9);
    llmcost_model_free(m);
}

Test(step_savers, step_and_train_say_what_the_savers_cost)
{
    const char *const step[] = {"step", "llama-2-7b", "--framework", "torchtune", "--finetune", "full", "--seq", "1024",
                                "--global-batch", "1x1024", "--recompute", "full", "--activation-offload",
                                "--gpu", "h100", NULL};
    run_result r = run_cli(step);
    cr_expect_eq(r.status, 0, "%s", r.err);
    cr_expect(strstr(r.out, "activation offload: 256.0 MiB copied") != NULL, "%s", r.out);
    cr_expect(strstr(r.out, "PCIe Gen5 x16, 63 GB/s each way") != NULL, "%s", r.out);
    run_free(&r);
    const char *const train[] = {"train", "llama-2-7b", "--framework", "torchtune", "--finetune", "full", "--seq",
                                 "1024", "--global-batch", "1x1024", "--optimizer", "paged-adamw-8bit", "--gpu",
                                 "h100", "--tokens", "1M", NULL};
    r = run_cli(train);
    cr_expect_eq(r.status, 0, "%s", r.err);
    cr_expect(strstr(r.out, "no page traffic, no time") != NULL, "%s", r.out);
    run_free(&r);
    json_t *d = run_cli_json_args("step llama-2-7b --framework torchtune --finetune full --seq 1024 --global-batch "
                                  "1x1024 --optimizer-in-backward --gpu h100 --format json");
    cr_assert(d);
    json_t *v = json_object_get(d, "memory_savers");
    cr_assert(v);
    cr_expect_eq(json_number_value(json_object_get(v, "optimizer_hook_steps")), 291);
    json_decref(d);
}

Test(step_savers, litgpt_runs_its_head_and_loss_in_128_token_chunks)
{
    /* LoRA at seq 1304: ceil(1304 / 128) = 11 head GEMMs of 128 rows (the last 24) instead of one of 1304, each
     * reading the 32000 x 4096 head again: the same FLOPs, more matmul time; the planner's prepared step is the
     * same as llmcost_job_step's. */
    llmcost_model *m = llama();
    const llmcost_gpu *g = llmcost_gpu_find("a100-40gb");
    llmcost_job j = job_of(LLMCOST_FW_HF, 1304);
    j.finetune.method = LLMCOST_FT_LORA;
    j.finetune.adapter_bytes = 2;
    llmcost_step hf = step_of(m, g, &j);
    j.framework = LLMCOST_FW_LITGPT;
    llmcost_step lg = step_of(m, g, &j);
    cr_expect_eq(lg.model_flops_per_step, hf.model_flops_per_step);
    cr_expect_gt(lg.components[LLMCOST_ST_MATMUL], hf.components[LLMCOST_ST_MATMUL]);
    llmcost_step_options o;
    llmcost_job_step_options(&o, &j);
    llmcost_step_prepared *p;
    cr_assert_eq(lc_step_prepare_finetune(&p, m, &o, &j.finetune), 0, "%s", llmcost_errmsg());
    llmcost_step pl;
    cr_assert_eq(llmcost_step_compute_prepared(&pl, p, g, &o), 0, "%s", llmcost_errmsg());
    cr_expect_eq(pl.step_seconds, lg.step_seconds);
    llmcost_step_prepared_free(p);
    llmcost_model_free(m);
}

Test(step_savers, the_report_prices_the_jobs_own_eager_profile)
{
    json_t *d = run_cli_json_args("report llama-2-7b --framework torchtune --finetune lora --seq 1024 --gpu h100 "
                                  "--format json");
    cr_assert(d);
    json_t *s = run_cli_json_args("step llama-2-7b --framework torchtune --finetune lora --seq 1024 --gpu h100 "
                                  "--format json");
    cr_assert(s);
    json_t *row = json_array_get(json_object_get(json_object_get(d, "step_cost"), "profiles"), 0);
    cr_assert(row);
    cr_expect_str_eq(json_string_value(json_object_get(row, "framework")), "torchtune");
    cr_expect_eq(json_number_value(json_object_get(row, "step_seconds")),
                 json_number_value(json_object_get(s, "step_seconds")));
    json_decref(d);
    json_decref(s);
}

Test(step_savers, litgpt_fsdp_keeps_the_frozen_linears_inputs)
{
    /* Under LitGPT's FSDP (ZeRO-3) with LoRA each Block's frozen weights are views of a FlatParameter that requires
     * a gradient, so each frozen Linear's mm saves its input for dW = dY^T X. With lora_dropout 0.05 no adapter
     * keeps a layer tensor itself (lora_A keeps its dropout's output), so per token a layer newly keeps, in bf16:
     * the attention norm's output (qkv's one input, h), the MLP norm's output (gate's and up's one input, h) and
     * silu(gate) x up (down's input, f). o's input (32 heads x 128 = h) is the attention output SDPA saves anyway
     * (counted once, as under full fine-tuning): nothing new. 2 (2h + f) = 2 (8,192 + 11,008) = 38,400 bytes a
     * token-layer, 39,321,600 a layer at T = 1024. h-ft19: the Block's two RMSNorm weights are in the same
     * FlatParameter, so LitGPT's (x_normed * weight.float()) saves x_normed for the weight's gradient, fp32: 2 x 4h
     * = 32,768 bytes a token-layer more, 71,168 in all (72,876,032 a layer at T = 1024). ZeRO-2 (no
     * FSDP flat parameters) and HF's PEFT keep none of them. Under full recomputation a layer keeps its input only:
     * the kept bytes do not move, the recomputed layer's (layer_full_bytes) do, by the same amount. */
    llmcost_model *m = llama();
    const double T = 1024, extra = (2 * (2 * H + F) + 2 * 4 * H) * T;
    for (int rec = 0; rec < 2; rec++) {
        for (int fw = 0; fw < 2; fw++) {
            llmcost_job j = job_of(fw ? LLMCOST_FW_LITGPT : LLMCOST_FW_HF, (int64_t)T);
            j.finetune.method = LLMCOST_FT_LORA;
            j.finetune.dropout = 0.05;
            j.finetune.adapter_bytes = 2;
            j.layout.gpus = 2;
            j.global_batch = 2;
            j.recompute = rec ? LLMCOST_RECOMPUTE_FULL : LLMCOST_RECOMPUTE_NONE;
            j.layout.zero = 2;
            llmcost_memory z2 = memory_of(m, &j);
            j.layout.zero = 3;
            llmcost_memory z3 = memory_of(m, &j);
            double want = fw ? extra : 0;
            near(z3.layer_full_bytes - z2.layer_full_bytes, want, 1e-12);
            near(z3.layer_activation_bytes - z2.layer_activation_bytes, rec ? 0 : want, 1e-12);
            if (!rec) /* every one of the 32 layers keeps them */
                near(z3.activations_bytes - z2.activations_bytes, LAYERS * want, 1e-12);
        }
    }
    llmcost_model_free(m);
}

Test(step_savers, litgpt_qlora_quantises_the_head)
{
    /* Fabric's BitsandbytesPrecision replaces every nn.Linear (no ignore_modules from LitGPT), the head too: its
     * V x h = 32000 x 4096 = 131,072,000 weights as NF4, half a byte each (65,536,000), an fp32 absmax per block of
     * 64 (2,048,000 blocks: 8,192,000 bytes) and the 16-entry fp32 code (64): 73,728,064 bytes where HF keeps
     * 2 x 131,072,000 = 262,144,000 in bf16. Double quant: uint8 absmax (2,048,000), an fp32 absmax per 256 of them
     * (8,000 x 4 = 32,000), the offset (4) and the code (64): 67,616,068. */
    llmcost_model *m = llama();
    const double T = 1024;
    for (int dq = 0; dq < 2; dq++) {
        llmcost_job j = job_of(LLMCOST_FW_LITGPT, (int64_t)T), hj = job_of(LLMCOST_FW_HF, (int64_t)T);
        j.finetune.method = hj.finetune.method = LLMCOST_FT_QLORA;
        j.finetune.quant = hj.finetune.quant = LLMCOST_QUANT_NF4;
        j.finetune.double_quant = hj.finetune.double_quant = dq;
        j.finetune.adapter_bytes = hj.finetune.adapter_bytes = 2;
        llmcost_memory lit = memory_of(m, &j), hf = memory_of(m, &hj);
        double head = dq ? 65536000.0 + 2048000 + 32000 + 4 + 64 : 65536000.0 + 8192000 + 64;
        near(lit.frozen_weight_bytes - hf.frozen_weight_bytes, head - 2 * V * H, 1e-12);
        /* every 128-token chunk dequantises the whole head, 2 V h bytes beside the logits at the end of forward */
        near(lit.phase_bytes[LLMCOST_PHASE_FORWARD_LOSS] - lit.after_forward_bytes, 2 * V * H, 1e-12);
        /* MatMul4Bit keeps the head's input, the final norm's bf16 output (2 h T), which LoRA's frozen bf16 head
         * does not keep */
        llmcost_job lj = j;
        lj.finetune.method = LLMCOST_FT_LORA;
        lj.finetune.quant = LLMCOST_QUANT_NONE;
        lj.finetune.double_quant = false;
        llmcost_memory lora = memory_of(m, &lj);
        cr_expect_neq(lit.peak_phase, LLMCOST_PHASE_BACKWARD_END);
        cr_expect_neq(lora.peak_phase, LLMCOST_PHASE_BACKWARD_END);
        near(lit.components[LLMCOST_MC_EMBED_HEAD] - lora.components[LLMCOST_MC_EMBED_HEAD], 2 * H * T, 1e-12);
        near(lora.phase_bytes[LLMCOST_PHASE_FORWARD_LOSS] - lora.after_forward_bytes, 0, 1e-12);
    }
    llmcost_model_free(m);
}

Test(step_savers, litgpt_fsdp_zero_stages_at_once_equal_each_alone)
{
    /* The planner's call walks the layers once for several ZeRO stages; under LitGPT's FSDP with LoRA the layers'
     * kept tensors differ at ZeRO-3 (the frozen Linears' inputs), so each stage's answer must still be its own. */
    llmcost_model *m = llama();
    llmcost_job j = job_of(LLMCOST_FW_LITGPT, 1024);
    j.finetune.method = LLMCOST_FT_LORA;
    j.finetune.dropout = 0.05;
    j.finetune.adapter_bytes = 2;
    j.layout.gpus = 2;
    j.global_batch = 2;
    llmcost_memory_options q;
    llmcost_job_memory_options(&q, &j);
    llmcost_memory_prepared *p;
    cr_assert_eq(llmcost_memory_prepare(&p, m, &q), 0, "%s", llmcost_errmsg());
    static const int zs[] = {0, 3, 2};
    llmcost_memory many[3];
    int rcs[3];
    cr_assert_eq(lc_memory_compute_prepared_zeros(many, rcs, p, &q, &j.finetune, zs, 3), 0, "%s", llmcost_errmsg());
    for (int k = 0; k < 3; k++) {
        j.layout.zero = zs[k];
        llmcost_memory one = memory_of(m, &j);
        cr_assert_eq(rcs[k], 0);
        near(many[k].activations_bytes, one.activations_bytes, 1e-15);
        near(many[k].peak_bytes, one.peak_bytes, 1e-15);
    }
    /* the frozen Linears' inputs and (h-ft19) the two norms' fp32 x_normed: 2 (2h + f) + 2 x 4h a token-layer */
    near(many[1].activations_bytes - many[2].activations_bytes, LAYERS * (2 * (2 * H + F) + 2 * 4 * H) * 1024, 1e-12);
    llmcost_memory_prepared_free(p);
    llmcost_model_free(m);
}

Test(step_savers, params_storage_bytes_are_the_hf_frameworks)
{
    /* llmcost params --finetune qlora prints llmcost_finetune_count's storage by default (hf's bytes; --framework F
     * prints llmcost_finetune_count_framework's, h-ft19): quantised weights + scales + 2 bytes x the 16-bit parameters, the head among them
     * (2 V h = 262,144,000). On one GPU that is memory's frozen_weight_bytes under hf exactly; under litgpt the head
     * is NF4 instead (65,536,000 + 8,192,000 + 64 = 73,728,064), so litgpt's = params' - 2 V h + 73,728,064. */
    llmcost_model *m = llama();
    llmcost_job j = job_of(LLMCOST_FW_HF, 1024);
    j.finetune.method = LLMCOST_FT_QLORA;
    j.finetune.quant = LLMCOST_QUANT_NF4;
    j.finetune.adapter_bytes = 2;
    llmcost_finetune_params fp;
    cr_assert_eq(llmcost_finetune_count(&fp, m, &j.finetune), 0, "%s", llmcost_errmsg());
    double stored = (double)(fp.quant_weight_bytes + fp.quant_scale_bytes) + 2 * (double)fp.dense_params;
    near(memory_of(m, &j).frozen_weight_bytes, stored, 1e-12);
    j.framework = LLMCOST_FW_LITGPT;
    near(memory_of(m, &j).frozen_weight_bytes, stored - 2 * V * H + 65536000.0 + 8192000 + 64, 1e-12);
    llmcost_finetune_params lit;
    cr_assert_eq(llmcost_finetune_count_framework(&lit, m, &j.finetune, LLMCOST_FW_LITGPT), 0, "%s", llmcost_errmsg());
    near((double)lit.frozen_bytes, stored - 2 * V * H + 65536000.0 + 8192000 + 64, 1e-12);
    llmcost_model_free(m);
}

Test(step_savers, litgpt_qlora_dequantises_the_head_per_chunk)
{
    /* The memory-bound time QLoRA adds to LoRA (litgpt, one micro-batch of 1024 tokens): each quantised matrix's
     * dequantisation before its forward and its input-gradient GEMMs, streaming its packed bytes + scales (dq a
     * weight: the exact average) and writing 2 bytes a weight; the head's once per 128-token chunk each way (8).
     * Quantised: 32 x (4 h^2 + 3 h f) + V h weights in 32 x 7 + 1 = 225 matrices, every one a whole number of
     * 64-blocks: dq = 1/2 + 4/64 + 225 x 64 / weights. */
    llmcost_model *m = llama();
    const llmcost_gpu *g = llmcost_gpu_find("h100");
    llmcost_job j = job_of(LLMCOST_FW_LITGPT, 1024);
    j.finetune.method = LLMCOST_FT_LORA;
    j.finetune.adapter_bytes = 2;
    llmcost_step lora = step_of(m, g, &j);
    j.finetune.method = LLMCOST_FT_QLORA;
    j.finetune.quant = LLMCOST_QUANT_NF4;
    llmcost_step qlora = step_of(m, g, &j);
    double wq = H * H, wf = H * F, weights = LAYERS * (4 * wq + 3 * wf) + V * H;
    double dq = 0.5 + 4.0 / 64 + 225 * 64 / weights;
    double want = 2 * LAYERS * (4 * lc_stream_seconds(g, wq * (dq + 2), 1) + 3 * lc_stream_seconds(g, wf * (dq + 2), 1)) +
                  2 * 8 * lc_stream_seconds(g, V * H * (dq + 2), 1);
    near(qlora.components[LLMCOST_ST_MEMORY_BOUND] - lora.components[LLMCOST_ST_MEMORY_BOUND], want, 1e-9);
    llmcost_model_free(m);
}

Test(step_savers, litgpt_fsdp_runs_the_frozen_weights_gradient_gemms)
{
    /* LitGPT's FSDP Block FlatParameter requires a gradient when any member does (use_orig_params=True), so the
     * frozen weights' weight-gradient GEMMs run: 2 T (4 h^2 + 3 h f) FLOPs per layer and micro-batch, 32 layers,
     * 2 micro-batches of 1024 tokens a step (2 GPUs): 2 x 2 x 1024 x 32 x (4 h^2 + 3 h f) = 2.6526e15 hardware
     * FLOPs, not model FLOPs (the gradients are thrown away). HF (PEFT) runs none; neither does LitGPT without
     * FSDP. The reduce-scatter carries the Blocks' bf16 gradients (2 x 32 x (4 h^2 + 3 h f + 2 h) bytes). */
    llmcost_model *m = llama();
    const llmcost_gpu *g = llmcost_gpu_find("h100");
    llmcost_step s[2][2];
    for (int fw = 0; fw < 2; fw++)
        for (int z = 0; z < 2; z++) {
            llmcost_job j = job_of(fw ? LLMCOST_FW_LITGPT : LLMCOST_FW_HF, 1024);
            j.finetune.method = LLMCOST_FT_LORA;
            j.finetune.adapter_bytes = 2;
            j.layout.gpus = 2;
            j.layout.zero = z ? 3 : 0;
            j.global_batch = 2;
            s[fw][z] = step_of(m, g, &j);
        }
    double extra = 2 * 2 * 1024 * LAYERS * (4 * H * H + 3 * H * F);
    for (int fw = 0; fw < 2; fw++)
        for (int z = 0; z < 2; z++) {
            double waste = s[fw][z].hardware_flops_per_step - s[fw][z].model_flops_per_step;
            near(waste, fw && z ? extra : 0, 1e-9);
            near(s[fw][z].model_flops_per_step, s[0][0].model_flops_per_step, 1e-12);
        }
    /* the GEMM time: ZeRO-3 changes nothing under HF; under LitGPT it adds the weight-gradient GEMMs, a third more
     * GEMM FLOPs on the layers (forward, input gradient, weight gradient) */
    near(s[0][1].components[LLMCOST_ST_MATMUL], s[0][0].components[LLMCOST_ST_MATMUL], 1e-12);
    cr_expect_gt(s[1][1].components[LLMCOST_ST_MATMUL], 1.2 * s[1][0].components[LLMCOST_ST_MATMUL]);
    llmcost_model_free(m);
}
