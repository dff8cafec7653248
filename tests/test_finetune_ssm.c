/* test_finetune_ssm.c - LoRA / QLoRA / DoRA on state-space and hybrid models (issue 15 x 19): the adapters on the
 * mixers' nn.Linear modules under their transformers names (MambaMixer and JambaMambaMixer: in_proj, x_proj,
 * dt_proj, out_proj; Mamba2Mixer, FalconH1Mixer, NemotronHMamba2Mixer: in_proj, out_proj; Qwen3NextGatedDeltaNet:
 * in_proj_qkvz, in_proj_ba, out_proj), counted here from each preset's config dimensions; the weights a fused Mamba
 * kernel reads itself (mamba_inner_fn: x_proj, dt_proj, out_proj; mamba_split_conv1d_scan_combined: out_proj)
 * refused as targets (PEFT's _check_lora_target_modules_mamba refuses out_proj on mamba, mamba2, falcon_mamba,
 * falcon_h1, nemotron_h) and kept in 16 bits under QLoRA; the memory and the step of a frozen Mamba base derived by
 * hand for Mamba 2.8B. docs/formulas.md, "Fine-tuning on state-space and hybrid models". */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"
#include "llmcost/llmcost.h"

/* The adapters the last count() counted, for role_matrices() and role_params(). */
static llmcost_finetune last_ft;
static const llmcost_model *last_m;

static llmcost_finetune_params count(const llmcost_model *m, llmcost_finetune_method method, int64_t rank,
                                     const char *targets)
{
    llmcost_finetune ft = LLMCOST_FINETUNE_INIT;
    ft.method = method;
    ft.rank = rank;
    cr_assert_eq(llmcost_lora_targets_parse(&ft.targets, m, targets), 0, "%s: %s", m->name, llmcost_errmsg());
    llmcost_finetune_params fp;
    cr_assert_eq(llmcost_finetune_count(&fp, m, &ft), 0, "%s: %s", m->name, llmcost_errmsg());
    last_ft = ft;
    last_m = m;
    return fp;
}

/* The matrices, and the adapter parameters, of role "r" under the adapters the last count() counted. */
static int64_t role_matrices(llmcost_lora_role r)
{
    int64_t n, p;
    cr_assert_eq(llmcost_finetune_role_count(&n, &p, last_m, &last_ft, r), 0, "%s", llmcost_errmsg());
    return n;
}

static int64_t role_params(llmcost_lora_role r)
{
    int64_t n, p;
    cr_assert_eq(llmcost_finetune_role_count(&n, &p, last_m, &last_ft, r), 0, "%s", llmcost_errmsg());
    return p;
}

/* r (in + out) */
static int64_t ab(int64_t r, int64_t in, int64_t out)
{
    return r * (in + out);
}

Test(finetune_ssm, jamba_all_linear_adapts_every_linear_of_its_four_layer_kinds)
{
    /* Jamba-1.5-Mini's config: h 4096, 32 layers, attention where i % 8 == 4 (4 layers: 32 heads of 128, 8 kv heads),
     * Mamba elsewhere (28: d = 2 h = 8192, N 16, dt_rank 256), 16 experts where i % 2 == 1 (16 layers), a gated MLP
     * of 14336 in the other 16; router nn.Linear(h, 16). JambaMambaMixer calls each of its Linears as a module, so
     * all-linear takes them all. */
    llmcost_model *m = load_model("jamba-1.5-mini");
    const int64_t r = 16, h = 4096, f = 14336, d = 8192, N = 16, R = 256;
    llmcost_finetune_params fp = count(m, LLMCOST_FT_LORA, r, "all-linear");
    cr_expect_eq(role_matrices(LLMCOST_LR_Q), 4);
    cr_expect_eq(role_params(LLMCOST_LR_K), 4 * ab(r, h, 8 * 128));
    cr_expect_eq(role_matrices(LLMCOST_LR_EXPERT_DOWN), 16 * 16);
    cr_expect_eq(role_params(LLMCOST_LR_ROUTER), 16 * ab(r, h, 16));
    cr_expect_eq(role_matrices(LLMCOST_LR_SSM_IN), 28);
    cr_expect_eq(role_params(LLMCOST_LR_SSM_IN), 28 * ab(r, h, 2 * d));
    cr_expect_eq(role_params(LLMCOST_LR_SSM_X), 28 * ab(r, d, R + 2 * N));
    cr_expect_eq(role_params(LLMCOST_LR_SSM_DT), 28 * ab(r, R, d));
    cr_expect_eq(role_params(LLMCOST_LR_SSM_OUT), 28 * ab(r, d, h));
    int64_t attn = ab(r, h, h) + 2 * ab(r, h, 1024) + ab(r, h, h);
    int64_t mlp = 3 * ab(r, h, f);
    int64_t mamba = ab(r, h, 2 * d) + ab(r, d, R + 2 * N) + ab(r, R, d) + ab(r, d, h);
    int64_t want = 4 * attn + 16 * mlp + 16 * (16 * mlp + ab(r, h, 16)) + 28 * mamba;
    cr_expect_eq(want, 265668608);
    cr_expect_eq(fp.trainable, want);
    cr_expect_eq(fp.lora_ab, want);
    /* The struct's per-role arrays hold the decoder's roles (their layout unchanged); the mixers' roles are counted by
     * llmcost_finetune_role_count, and the totals hold them. */
    cr_expect_eq(fp.adapted_matrices[LLMCOST_LR_O], 4);
    cr_expect_eq(fp.adapter[LLMCOST_LR_ROUTER], 16 * ab(r, h, 16));
    int64_t nm, np;
    cr_expect_eq(llmcost_finetune_role_count(&nm, &np, m, &last_ft, LLMCOST_LR_COUNT), LLMCOST_EINVAL);
    cr_expect_eq(llmcost_finetune_role_count(&nm, &np, m, &last_ft, LLMCOST_LR_O), 0);
    cr_expect_eq(nm, 4);
    cr_expect_eq(np, 4 * ab(r, h, h));

    /* QLoRA NF4: every Linear quantised (none is read by a fused kernel); everything else 16-bit: the embedding and
     * head 65536 h each, conv1d 8192 x 4 + bias, A_log d N, D, dt_proj's bias, the dt/B/C norms (R + 2N) per mixer,
     * two norms a layer and the final one. */
    llmcost_finetune_params q = count(m, LLMCOST_FT_QLORA, r, "q_proj");
    int64_t linear = 4 * (2 * h * h + 2 * h * 1024) + 16 * 3 * h * f + 16 * (16 * 3 * h * f + h * 16) +
                     28 * (h * 2 * d + d * (R + 2 * N) + R * d + d * h);
    cr_expect_eq(linear, 51027902464);
    cr_expect_eq(q.quantized_params, linear);
    int64_t other = 2 * 65536 * h + 28 * (d * 4 + d + d * N + d + d + R + 2 * N) + 32 * 2 * h + h;
    cr_expect_eq(q.quantized_params + other, q.base);
    cr_expect_eq(q.dense_params, other);
    llmcost_model_free(m);
}

Test(finetune_ssm, falcon_h1_adapts_attention_mlp_and_in_proj_and_keeps_out_proj_out)
{
    /* Falcon-H1-7B: h 3072, 44 layers each with attention (12 heads of 128, 2 kv heads) and FalconH1Mixer beside it
     * (Mamba-2: d_ssm 3072, 24 heads, 1 group of state 256: in_proj h -> 2 d + 2 G N + H = 6680), then a gated MLP
     * of 12288. PEFT refuses out_proj on falcon_h1 (mamba_split_conv1d_scan_combined takes its weight): all-linear
     * and out_proj are refused, naming the kernel, PEFT's check and the names that work. */
    llmcost_model *m = load_model("falcon-h1-7b");
    const int64_t r = 16, h = 3072, q = 12 * 128, kv = 2 * 128, f = 12288, in = 2 * 3072 + 2 * 256 + 24;
    uint32_t mask;
    cr_expect_eq(llmcost_lora_targets_parse(&mask, m, "all-linear"), LLMCOST_EINVAL);
    cr_expect(strstr(llmcost_errmsg(), "all-linear includes 'out_proj'") != NULL, "%s", llmcost_errmsg());
    cr_expect(strstr(llmcost_errmsg(), "_check_lora_target_modules_mamba") != NULL, "%s", llmcost_errmsg());
    cr_expect(strstr(llmcost_errmsg(), "q_proj,k_proj,v_proj,o_proj,gate_proj,up_proj,down_proj,in_proj") != NULL,
              "%s", llmcost_errmsg());
    cr_expect_eq(llmcost_lora_targets_parse(&mask, m, "in_proj,out_proj"), LLMCOST_EINVAL);
    cr_expect(strstr(llmcost_errmsg(), "mamba_split_conv1d_scan_combined") != NULL, "%s", llmcost_errmsg());
    /* an unknown name: refused with the model's names */
    cr_expect_eq(llmcost_lora_targets_parse(&mask, m, "mixer"), LLMCOST_EINVAL);
    cr_expect(strstr(llmcost_errmsg(), "in_proj") && strstr(llmcost_errmsg(), "q_proj"), "%s", llmcost_errmsg());
    /* the mask given directly (the library's callers) is checked the same way */
    llmcost_finetune ft = LLMCOST_FINETUNE_INIT;
    ft.method = LLMCOST_FT_LORA;
    ft.targets = 1u << LLMCOST_LR_SSM_OUT;
    cr_expect_eq(llmcost_finetune_check(&ft, m), LLMCOST_EINVAL);

    llmcost_finetune_params fp =
        count(m, LLMCOST_FT_LORA, r, "q_proj,k_proj,v_proj,o_proj,gate_proj,up_proj,down_proj,in_proj");
    int64_t layer = ab(r, h, q) + 2 * ab(r, h, kv) + ab(r, q, h) + 3 * ab(r, h, f) + ab(r, h, in);
    cr_expect_eq(layer, 16 * 71704);
    cr_expect_eq(role_params(LLMCOST_LR_SSM_IN), 44 * ab(r, h, in));
    cr_expect_eq(fp.trainable, 44 * layer);
    cr_expect_eq(fp.trainable, 50479616);
    /* QLoRA: out_proj (d x h) stays in 16 bits, the kernel reading it as a tensor */
    llmcost_finetune_params qp = count(m, LLMCOST_FT_QLORA, r, "in_proj");
    cr_expect_eq(qp.quantized_params, 44 * (h * q + 2 * h * kv + q * h + 3 * h * f + h * in));
    cr_expect_eq(qp.quantized_params, 6370197504);
    cr_expect_eq(qp.dense_params, qp.base - qp.quantized_params);
    cr_expect(qp.dense_params > 44 * 3072 * 3072, "out_proj's 16-bit weights among the dense: %lld",
              (long long)qp.dense_params);
    llmcost_model_free(m);
}

Test(finetune_ssm, mamba_adapts_in_proj_only_the_rest_is_read_by_mamba_inner_fn)
{
    /* Mamba 2.8B: h 2560, 64 layers, d 5120, N 16, dt rank 160. MambaMixer.cuda_kernels_forward in training hands
     * x_proj's, dt_proj's and out_proj's weights to mamba_inner_fn: an adapter on them never runs (PEFT refuses
     * out_proj on mamba; x_proj and dt_proj it lets through), and bitsandbytes' packed copies could not be read. */
    llmcost_model *m = load_model("mamba-2.8b");
    const int64_t r = 16, h = 2560, d = 5120;
    uint32_t mask;
    const char *refused[] = {"x_proj", "dt_proj", "out_proj", "all-linear"};
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        cr_expect_eq(llmcost_lora_targets_parse(&mask, m, refused[i]), LLMCOST_EINVAL, "%s", refused[i]);
        cr_expect(strstr(llmcost_errmsg(), "mamba_inner_fn") != NULL, "%s", llmcost_errmsg());
        cr_expect(strstr(llmcost_errmsg(), "give the names instead: in_proj") != NULL, "%s", llmcost_errmsg());
    }
    cr_expect_eq(llmcost_lora_targets_parse(&mask, m, "out_proj"), LLMCOST_EINVAL);
    cr_expect(strstr(llmcost_errmsg(), "PEFT refuses") != NULL, "%s", llmcost_errmsg());
    cr_expect_eq(llmcost_lora_targets_parse(&mask, m, "x_proj"), LLMCOST_EINVAL);
    cr_expect(strstr(llmcost_errmsg(), "PEFT refuses") == NULL, "%s", llmcost_errmsg());
    /* an unknown name: the names an adapter can take, and the ones the kernel reads */
    cr_expect_eq(llmcost_lora_targets_parse(&mask, m, "conv1d"), LLMCOST_EINVAL);
    cr_expect(strstr(llmcost_errmsg(), "can take are in_proj (x_proj,dt_proj,out_proj: read by the fused") != NULL,
              "%s", llmcost_errmsg());
    /* PEFT has no default targets for mamba */
    llmcost_finetune ft = LLMCOST_FINETUNE_INIT;
    ft.method = LLMCOST_FT_LORA;
    llmcost_finetune_params fp;
    cr_expect_eq(llmcost_finetune_count(&fp, m, &ft), LLMCOST_EUNSUPPORTED);
    cr_expect(strstr(llmcost_errmsg(), "in_proj") != NULL, "%s", llmcost_errmsg());

    fp = count(m, LLMCOST_FT_LORA, r, "in_proj");
    cr_expect_eq(fp.trainable, 64 * ab(r, h, 2 * d));
    cr_expect_eq(fp.trainable, 13107200);
    /* DoRA: a magnitude of in_proj's 2 d outputs per layer */
    ft.rank = r;
    ft.variant = LLMCOST_LORA_DORA;
    cr_assert_eq(llmcost_lora_targets_parse(&ft.targets, m, "in_proj"), 0);
    cr_assert_eq(llmcost_finetune_count(&fp, m, &ft), 0, "%s", llmcost_errmsg());
    cr_expect_eq(fp.magnitude, 64 * 2 * d);
    int64_t nm, np;
    cr_assert_eq(llmcost_finetune_role_count(&nm, &np, m, &ft, LLMCOST_LR_SSM_IN), 0, "%s", llmcost_errmsg());
    cr_expect_eq(nm, 64);
    cr_expect_eq(np, 64 * (ab(r, h, 2 * d) + 2 * d));
    /* QLoRA NF4: in_proj only is packed: n/2 bytes, an fp32 absmax per 64 and the 16-entry code per matrix */
    llmcost_finetune_params q = count(m, LLMCOST_FT_QLORA, r, "in_proj");
    int64_t n = h * 2 * d;
    cr_expect_eq(q.quantized_params, 64 * n);
    cr_expect_eq(q.quant_weight_bytes, 64 * n / 2);
    cr_expect_eq(q.quant_scale_bytes, 64 * (4 * n / 64 + 64));
    cr_expect_eq(q.frozen_bytes, 64 * (n / 2 + 4 * n / 64 + 64) + 2 * (q.base - 64 * n));
    cr_expect_eq(q.frozen_bytes, 3124970496);
    /* AWQ has no rules for the mixers */
    ft.variant = LLMCOST_LORA_PLAIN;
    ft.method = LLMCOST_FT_QLORA;
    ft.quant = LLMCOST_QUANT_INT4;
    cr_expect_eq(llmcost_finetune_check(&ft, m), LLMCOST_EUNSUPPORTED);
    llmcost_model_free(m);
}

Test(finetune_ssm, qwen3_next_all_linear_adapts_gated_deltanet_and_the_moe)
{
    /* Qwen3-Next-80B-A3B: h 2048, 48 layers, full attention every 4th (12: 16 heads of 256, q_proj doubled by the
     * output gate, 2 kv heads), Gated DeltaNet in the other 36 (16 key heads of 128: key_dim 2048; 32 value heads of
     * 128: d 4096; in_proj_qkvz h -> 2 key_dim + 2 d, in_proj_ba h -> 2 x 32, out_proj d -> h), and in every layer
     * the router "gate" (h -> 512), 512 experts and a shared expert of 512 (gate, up, down), shared_expert_gate
     * (h -> 1). Every Linear is called as a module: all-linear takes them all. */
    llmcost_model *m = load_model("qwen3-next-80b-a3b");
    const int64_t r = 16, h = 2048, E = 512, fe = 512;
    llmcost_finetune_params fp = count(m, LLMCOST_FT_LORA, r, "all-linear");
    int64_t attn = ab(r, h, 2 * 16 * 256) + 2 * ab(r, h, 2 * 256) + ab(r, 16 * 256, h);
    int64_t gdn = ab(r, h, 2 * 2048 + 2 * 4096) + ab(r, h, 64) + ab(r, 4096, h);
    int64_t moe = ab(r, h, E) + E * 3 * ab(r, h, fe) + 3 * ab(r, h, fe) + ab(r, h, 1);
    cr_expect_eq(role_params(LLMCOST_LR_GDN_QKVZ), 36 * ab(r, h, 12288));
    cr_expect_eq(role_params(LLMCOST_LR_GDN_BA), 36 * ab(r, h, 64));
    cr_expect_eq(role_matrices(LLMCOST_LR_SSM_OUT), 36);
    cr_expect_eq(role_params(LLMCOST_LR_Q), 12 * ab(r, h, 8192));
    cr_expect_eq(role_matrices(LLMCOST_LR_EXPERT_UP), 48 * 512);
    cr_expect_eq(fp.trainable, 12 * attn + 36 * gdn + 48 * moe);
    cr_expect_eq(fp.trainable, 3046478592);
    /* The module names, in role order, as the JSON and the text print them */
    char names[512];
    uint32_t mask;
    cr_assert_eq(llmcost_lora_targets_parse(&mask, m, "in_proj_qkvz,out_proj"), 0);
    llmcost_lora_targets_format(names, sizeof names, m, mask);
    cr_expect_str_eq(names, "out_proj,in_proj_qkvz");
    llmcost_model_free(m);
}

Test(finetune_ssm, nemotron_h_default_targets_are_peft_attention_projections)
{
    /* PEFT's default for nemotron_h: q_proj, k_proj, v_proj, o_proj; Nemotron-H-8B has 4 attention blocks (32 heads
     * of 128, 8 kv heads, h 4096) among its 52. */
    llmcost_model *m = load_model("nemotron-h-8b");
    llmcost_finetune ft = LLMCOST_FINETUNE_INIT;
    ft.method = LLMCOST_FT_LORA;
    llmcost_finetune_params fp;
    cr_assert_eq(llmcost_finetune_count(&fp, m, &ft), 0, "%s", llmcost_errmsg());
    cr_expect_eq(fp.trainable, 4 * (ab(8, 4096, 4096) * 2 + ab(8, 4096, 1024) * 2));
    /* its Mamba-2 blocks: in_proj h -> 2 x 8192 + 2 x 8 x 128 + 128 heads (out_proj refused, as PEFT does) */
    llmcost_finetune_params in = count(m, LLMCOST_FT_LORA, 8, "in_proj");
    cr_expect_eq(in.trainable, 24 * ab(8, 4096, 2 * 8192 + 2 * 8 * 128 + 128));
    llmcost_model_free(m);
}

Test(finetune_ssm, models_whose_modules_are_not_mapped_are_refused_by_name)
{
    /* Zamba2's shared blocks (and their own per-invocation adapters) are not mapped onto roles */
    llmcost_model *m = load_model("zamba2-2.7b");
    uint32_t mask;
    cr_expect_eq(llmcost_lora_targets_parse(&mask, m, "in_proj"), LLMCOST_EUNSUPPORTED);
    cr_expect(strstr(llmcost_errmsg(), "zamba2") != NULL, "%s", llmcost_errmsg());
    /* the reason: shared blocks with per-depth adapter Linears need roles past the 32-bit targets mask */
    cr_expect(strstr(llmcost_errmsg(), "shared transformer blocks") != NULL, "%s", llmcost_errmsg());
    cr_expect(strstr(llmcost_errmsg(), "32") != NULL, "%s", llmcost_errmsg());
    llmcost_model_free(m);
}

/* ---- memory and step of a frozen Mamba base: Mamba 2.8B, one sequence of 2048 tokens, bf16, hf profile ---- */

static llmcost_job mamba_job(const llmcost_model *m, llmcost_finetune_method method, int64_t rank)
{
    llmcost_job j = single_gpu_job(1, 2048);
    if (method != LLMCOST_FT_NONE) {
        j.finetune.method = method;
        j.finetune.rank = rank;
        cr_assert_eq(llmcost_lora_targets_parse(&j.finetune.targets, m, "in_proj"), 0, "%s", llmcost_errmsg());
    }
    return j;
}

static llmcost_memory mem(const llmcost_model *m, const llmcost_job *j)
{
    llmcost_memory r;
    cr_assert_eq(llmcost_job_memory(&r, m, j), 0, "%s", llmcost_errmsg());
    return r;
}

static llmcost_step step(const llmcost_model *m, const llmcost_job *j)
{
    llmcost_step s;
    cr_assert_eq(llmcost_job_step(&s, m, llmcost_gpu_find("h100"), j), 0, "%s", llmcost_errmsg());
    return s;
}

Test(finetune_ssm_memory, mamba_lora_on_in_proj_derived_by_hand)
{
    /* T = 2048 tokens, h 2560, d 5120, 64 layers, r 16, adapters in fp32 (PEFT), 13,107,200 of them.
     * - Weights: the frozen base in bf16, 2 x 2,768,345,600 bytes, plus the adapters, 4 bytes each; gradients and
     *   AdamW's two moments for the adapters only (4 + 8 bytes each).
     * - What the adapters keep (PEFT lora.Linear on a bf16 model with fp32 adapters): the input cast to fp32 (4h) and
     *   x A in fp32 (4r), per token and layer: 64 x 2048 x (4 x 16 + 4 x 2560) = 1,350,565,888 bytes.
     * - What the frozen base no longer keeps: the block RMSNorm's weight is frozen, so its bf16 normalised input
     *   (2h) goes, and in_proj (frozen) keeps no input, so the norm's output (2h) goes too; mamba_inner_fn saves what
     *   it saves. A layer's kept bytes change by T (4r + 4h - 4h) = 2048 x 64. */
    llmcost_model *m = load_model("mamba-2.8b");
    const double T = 2048, h = 2560, r = 16, L = 64, total = 2768345600.0, n = 13107200;
    llmcost_job pj = mamba_job(m, LLMCOST_FT_NONE, 0), lj = mamba_job(m, LLMCOST_FT_LORA, 16);
    llmcost_memory pre = mem(m, &pj), lora = mem(m, &lj);
    cr_expect_eq(lora.trainable_params, (int64_t)n);
    cr_expect_eq(lora.weights_bytes, 2 * total + 4 * n);
    cr_expect_eq(lora.gradients_bytes, 4 * n);
    cr_expect_eq(lora.optimizer_bytes, 8 * n);
    cr_expect_eq(lora.lora_activation_bytes, L * T * (4 * r + 4 * h));
    cr_expect_eq(lora.lora_activation_bytes, 1350565888.0);
    cr_expect_eq(lora.layer_activation_bytes - pre.layer_activation_bytes, T * 4 * r);
    cr_expect(lora.peak_bytes < pre.peak_bytes, "%g >= %g", lora.peak_bytes, pre.peak_bytes);

    /* QLoRA NF4: in_proj packed (3,124,970,496 frozen bytes, test above); bitsandbytes' MatMul4Bit keeps its input
     * (ctx.tensors = (A, B)), so the norm's bf16 output stays: 2h per token and layer more than LoRA. */
    llmcost_job qj = mamba_job(m, LLMCOST_FT_QLORA, 16);
    llmcost_memory q = mem(m, &qj);
    cr_expect_eq(q.weights_bytes, 3124970496.0 + 4 * n);
    cr_expect_eq(q.layer_activation_bytes - lora.layer_activation_bytes, T * 2 * h);
    cr_expect(q.peak_bytes < lora.peak_bytes, "%g >= %g", q.peak_bytes, lora.peak_bytes);

    /* monotonic: a higher rank, a longer sequence hold more */
    llmcost_job big = mamba_job(m, LLMCOST_FT_LORA, 64), longer = lj;
    longer.seq = 4096;
    cr_expect(mem(m, &big).peak_bytes > lora.peak_bytes);
    cr_expect(mem(m, &longer).peak_bytes > lora.peak_bytes);
    llmcost_model_free(m);
}

/* One sequence of 1024 tokens on one GPU under LoRA r 8 on "targets" (the hybrids' cases below). */
static llmcost_job rank8_lora_job(const llmcost_model *m, const char *targets)
{
    llmcost_job j = single_gpu_job(1, 1024);
    j.finetune.method = LLMCOST_FT_LORA;
    j.finetune.rank = 8;
    cr_assert_eq(llmcost_lora_targets_parse(&j.finetune.targets, m, targets), 0, "%s", llmcost_errmsg());
    return j;
}

Test(finetune_ssm_memory, hybrid_frozen_mixers_keep_less_and_adapters_add_their_share)
{
    /* Jamba, Falcon-H1 and Qwen3-Next under LoRA: the adapters' own tensors are in lora_activation_bytes, the
     * layers keep less than under pre-training (frozen Linears keep no inputs; Jamba's frozen out_proj no
     * silu(z) y, its frozen dt/B/C norm weights no normalised inputs; Gated DeltaNet's frozen A_log no softplus
     * output), and a higher rank holds more. */
    const char *cases[][2] = {{"jamba-1.5-mini", "in_proj,x_proj,dt_proj,out_proj,q_proj,v_proj"},
                              {"falcon-h1-7b", "in_proj,q_proj,v_proj"},
                              {"qwen3-next-80b-a3b", "in_proj_qkvz,in_proj_ba,out_proj,q_proj,v_proj"}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        llmcost_model *m = load_model(cases[i][0]);
        llmcost_job pj = single_gpu_job(1, 1024), lj = rank8_lora_job(m, cases[i][1]);
        llmcost_memory pre = mem(m, &pj), lora = mem(m, &lj);
        cr_expect(lora.lora_activation_bytes > 0, "%s", cases[i][0]);
        cr_expect(lora.activations_bytes - lora.lora_activation_bytes < pre.activations_bytes, "%s", cases[i][0]);
        llmcost_job big = lj;
        big.finetune.rank = 64;
        cr_expect(mem(m, &big).peak_bytes > lora.peak_bytes, "%s", cases[i][0]);
        llmcost_job qj = lj;
        qj.finetune.method = LLMCOST_FT_QLORA;
        cr_expect(mem(m, &qj).weights_bytes < lora.weights_bytes, "%s", cases[i][0]);
        llmcost_model_free(m);
    }
}

Test(finetune_ssm_step, mamba_frozen_base_flops_derived_by_hand)
{
    /* T = 2048, h 2560, d 5120, N 16, R 160, 64 layers, vocab 50280 (tied head), r 16 on in_proj.
     * Model FLOPs under LoRA = pre-training's
     *   - in_proj's weight gradient, 2 T h 2d a layer (frozen: autograd skips it);
     *   - the head's weight gradient, 2 T h V (frozen);
     *   - x_proj's, dt_proj's and out_proj's weight gradients, 2 T (d (R + 2N) + R d + d h) a layer: mamba_inner_fn's
     *     backward computes them all the same, so they stay in the hardware FLOPs (discarded, not model FLOPs);
     *   + the adapters: 2 T r (h + 2d) forward, twice that backward, a layer. */
    llmcost_model *m = load_model("mamba-2.8b");
    const double T = 2048, h = 2560, d = 5120, N = 16, R = 160, L = 64, V = 50280, r = 16;
    llmcost_job pj = mamba_job(m, LLMCOST_FT_NONE, 0), lj = mamba_job(m, LLMCOST_FT_LORA, 16);
    llmcost_step pre = step(m, &pj), lora = step(m, &lj);
    double in_wg = L * 2 * T * h * 2 * d, head_wg = 2 * T * h * V;
    double kernel_wg = L * 2 * T * (d * (R + 2 * N) + R * d + d * h);
    double adapters = L * 6 * T * r * (h + 2 * d);
    cr_expect_eq(pre.hardware_flops_per_step, pre.model_flops_per_step);
    cr_expect_eq(lora.model_flops_per_step, pre.model_flops_per_step - in_wg - head_wg - kernel_wg + adapters);
    cr_expect_eq(lora.model_flops_per_step, 22776245125120.0);
    cr_expect_eq(lora.hardware_flops_per_step - lora.model_flops_per_step, kernel_wg);
    /* QLoRA adds the dequantisation of in_proj before its forward and its input-gradient GEMM: slower than LoRA,
     * the same FLOPs; a higher rank is slower */
    llmcost_job qj = mamba_job(m, LLMCOST_FT_QLORA, 16), big = mamba_job(m, LLMCOST_FT_LORA, 256);
    llmcost_step q = step(m, &qj);
    cr_expect_eq(q.model_flops_per_step, lora.model_flops_per_step);
    cr_expect(q.step_seconds > lora.step_seconds, "%g <= %g", q.step_seconds, lora.step_seconds);
    cr_expect(step(m, &big).step_seconds > lora.step_seconds);
    llmcost_model_free(m);
}

Test(finetune_ssm_step, hybrid_adapters_add_their_flops_and_time)
{
    /* Jamba (every mixer Linear a module: no weight gradient of the frozen base survives, hardware = model FLOPs)
     * and Qwen3-Next: a rank-8 LoRA step runs fewer FLOPs than pre-training and a rank-64 one more than rank 8. */
    const char *cases[][2] = {{"jamba-1.5-mini", "in_proj,x_proj,dt_proj,out_proj"},
                              {"qwen3-next-80b-a3b", "in_proj_qkvz,in_proj_ba,out_proj"}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        llmcost_model *m = load_model(cases[i][0]);
        llmcost_job pj = single_gpu_job(1, 1024), lj = rank8_lora_job(m, cases[i][1]);
        llmcost_step pre = step(m, &pj), lora = step(m, &lj);
        cr_expect(lora.model_flops_per_step < pre.model_flops_per_step, "%s", cases[i][0]);
        cr_expect_eq(lora.hardware_flops_per_step, lora.model_flops_per_step, "%s", cases[i][0]);
        llmcost_job big = lj;
        big.finetune.rank = 64;
        llmcost_step b = step(m, &big);
        cr_expect(b.model_flops_per_step > lora.model_flops_per_step, "%s", cases[i][0]);
        cr_expect(b.step_seconds > lora.step_seconds, "%s", cases[i][0]);
        llmcost_model_free(m);
    }
}

/* ---- the frozen mixers' kept bytes, derived tensor by tensor on the fixtures of tests/test_memory.c (memory_ssm) ---- */

static double layer_kept(const char *cfg, llmcost_finetune_method method, const char *targets)
{
    llmcost_model *m = NULL;
    cr_assert_eq(llmcost_model_from_json(&m, cfg, strlen(cfg), "fixture"), 0, "%s", llmcost_errmsg());
    llmcost_job j = single_gpu_job(1, 2048);
    j.finetune.method = method;
    j.finetune.rank = 8;
    cr_assert_eq(llmcost_lora_targets_parse(&j.finetune.targets, m, targets), 0, "%s", llmcost_errmsg());
    llmcost_memory r = mem(m, &j);
    llmcost_model_free(m);
    return r.layer_activation_bytes;
}

Test(finetune_ssm_memory, jamba_frozen_mixer_derived_tensor_by_tensor)
{
    /* memory_ssm's two-layer Jamba (h 64, d 128, N 8, dt rank 4, dense gated MLP 32; bf16, one sequence of 2048),
     * LoRA r 8 on in_proj with PEFT's fp32 adapters. Per token, from pre-training's 3,252:
     * - the input norm, its weight frozen and its reader frozen: fp32 copy and rsqrt, 4h + 4 (no normalised input, no
     *   output: the adapter keeps its own fp32 copy);
     * - the adapter: the fp32 copy of its input 4h and x A 4r;
     * - the mixer (its ops run one by one): in_proj's output 2 x 2d, u, the scan's dt and z and its output y 2 x 4d
     *   (the gated output out_proj would keep goes), the three norms' fp32 copies and rsqrts 4 (R + 2N) + 12 (no
     *   normalised inputs), the scan's B and C copies 2 x 2N (dt_proj's input goes): 1,660;
     * - the second norm 4h + 4; the MLP's gate, up and act(gate) 3 x 2 x 32 (down frozen: no act(gate) * up);
     * per sequence the scan's fp32 checkpoints 4 x 2 x 8 x 128. */
    const char *jamba = fixture_jamba_two_mamba_layers;
    const double T = 2048, h = 64, D = 128, N = 8, R = 4, f = 32, r = 8;
    double mixer = 2 * 2 * D + 2 * 4 * D + 4 * (R + 2 * N) + 12 + 2 * 2 * N;
    cr_expect_eq(mixer, 1660);
    double lora = (4 * h + 4) + (4 * h + 4 * r) + mixer + (4 * h + 4) + 3 * 2 * f;
    cr_expect_eq(lora, 2660);
    cr_expect_eq(layer_kept(jamba, LLMCOST_FT_LORA, "in_proj"), lora * T + 4 * 2 * N * D);
    /* QLoRA NF4: bitsandbytes' MatMul4Bit keeps each quantised Linear's input: the first norm's output (in_proj),
     * silu(z) y (out_proj), dt_layernorm's output (dt_proj), the second norm's output (gate, up), act(gate) * up
     * (down); x_proj's input u is kept anyway. */
    double qlora = lora + 2 * h + 2 * D + 2 * R + 2 * h + 2 * f;
    cr_expect_eq(layer_kept(jamba, LLMCOST_FT_QLORA, "in_proj"), qlora * T + 4 * 2 * N * D);
}

Test(finetune_ssm_memory, gated_deltanet_frozen_mixer_derived_tensor_by_tensor)
{
    /* memory_ssm's two Gated DeltaNet layers (h 64, 2 key heads of 8, 4 value heads of 8: d 32, conv_dim 64, chunk
     * 64; dense SwiGLU 96; bf16, one sequence of 2048), LoRA r 8 on in_proj_qkvz. Per token, from pre-training's:
     * - each zero-centred RMSNorm with its weight frozen: fp32 copy and rsqrt, 4h + 4 (its fp32 normalised input was
     *   for (1 + w)'s gradient; its output is kept by no frozen reader);
     * - the adapter: its input's fp32 copy 4h and x A 4r;
     * - the mixer: fla's and the conv's saved tensors as in pre-training, 2 (64 + 2 x 4 x 8 + 32 + 4 + 4 x 64 + 2 x 32)
     *   + 3 x 4 x 4 + 4 x 4, less softplus's fp32 output (kept only for A_log's gradient: 4 x 4) and out_proj's input
     *   (2 x 32): 1,048 of pre-training's 1,128;
     * - the SwiGLU's gate, up and act(gate) 3 x 2 x 96. */
    const char *cfg = fixture_gated_deltanet_two_layers;
    const double T = 2048, h = 64, r = 8;
    double mixer = 2 * (64 + 2 * 4 * 8 + 32 + 4 + 4 * 64 + 2 * 32) + 3 * 4 * 4 + 4 * 4 + 4 * 4;
    cr_expect_eq(mixer, 1128 - 16 - 64);
    double lora = (4 * h + 4) + (4 * h + 4 * r) + mixer + (4 * h + 4) + 3 * 2 * 96;
    cr_expect_eq(lora, 2432);
    cr_expect_eq(layer_kept(cfg, LLMCOST_FT_LORA, "in_proj_qkvz"), lora * T);
    /* an adapter on out_proj keeps its own fp32 copy of the gated norm's output (4 x 32) and x A */
    cr_expect_eq(layer_kept(cfg, LLMCOST_FT_LORA, "out_proj"), (lora - (4 * h + 4 * r) + (4 * 32 + 4 * r)) * T);
}

/* ---- Qwen3.5 and Qwen3.5-MoE (h-ftssm2): Qwen3_5GatedDeltaNet's four input Linears, fused experts ---- */

Test(finetune_ssm, qwen3_5_all_linear_adapts_the_four_split_gated_deltanet_linears)
{
    /* Qwen3.5-0.8B (text_config): h 1024, 24 layers, full attention every 4th (6: 8 heads of 256, q_proj doubled by
     * the output gate, 2 kv heads), Gated DeltaNet in the other 18 (16 key heads of 128: key_dim 2048; 16 value heads
     * of 128: d 2048). modeling_qwen3_5.py's Qwen3_5GatedDeltaNet: in_proj_qkv h -> 2 key_dim + d, in_proj_z h -> d,
     * in_proj_b and in_proj_a h -> 16 each, out_proj d -> h; a SwiGLU of 3584 in every layer; tied head. */
    llmcost_model *m = load_model("qwen3.5-0.8b");
    const int64_t r = 16, h = 1024, key = 2048, d = 2048, H = 16, f = 3584;
    llmcost_finetune_params fp = count(m, LLMCOST_FT_LORA, r, "all-linear");
    int64_t attn = ab(r, h, 2 * 8 * 256) + 2 * ab(r, h, 2 * 256) + ab(r, 8 * 256, h);
    int64_t gdn = ab(r, h, 2 * key + d) + ab(r, h, d) + 2 * ab(r, h, H) + ab(r, d, h);
    int64_t mlp = 2 * ab(r, h, f) + ab(r, f, h);
    cr_expect_eq(role_params(LLMCOST_LR_GDN_QKVZ), 18 * ab(r, h, 2 * key + d));
    cr_expect_eq(role_params(LLMCOST_LR_GDN_Z), 18 * ab(r, h, d));
    cr_expect_eq(role_params(LLMCOST_LR_GDN_BA), 18 * ab(r, h, H));
    cr_expect_eq(role_params(LLMCOST_LR_GDN_A), 18 * ab(r, h, H));
    cr_expect_eq(role_matrices(LLMCOST_LR_SSM_OUT), 18);
    cr_expect_eq(role_matrices(LLMCOST_LR_Q), 6);
    cr_expect_eq(fp.trainable, 6 * attn + 18 * gdn + 24 * mlp);
    cr_expect_eq(fp.trainable, 10822656);
    /* Qwen3-Next's fused names are not modules of Qwen3.5 */
    uint32_t mask;
    cr_expect_eq(llmcost_lora_targets_parse(&mask, m, "in_proj_qkvz"), LLMCOST_EINVAL);
    char names[512];
    cr_assert_eq(llmcost_lora_targets_parse(&mask, m, "in_proj_a,in_proj_qkv"), 0);
    llmcost_lora_targets_format(names, sizeof names, m, mask);
    cr_expect_str_eq(names, "in_proj_qkv,in_proj_a");
    /* QLoRA NF4: bitsandbytes replaces every nn.Linear but the (tied) head: the Linear weights, and nothing else
     * (conv1d an nn.Conv1d, A_log, dt_bias, the norms' weights plain parameters) */
    fp = count(m, LLMCOST_FT_QLORA, r, "all-linear");
    int64_t lin = 6 * (h * 2 * 8 * 256 + 2 * h * 2 * 256 + 8 * 256 * h) +
                  18 * (h * (2 * key + d) + h * d + 2 * h * H + d * h) + 24 * 3 * h * f;
    cr_expect_eq(fp.quantized_params, lin);
    int64_t conv = 2 * key + d, rest = 248320 * h + 18 * (conv * 4 + 2 * H + 128) + 6 * 2 * 256 + 24 * 2 * h + h;
    cr_expect_eq(fp.dense_params, rest);
    cr_expect_eq(fp.quantized_params + fp.dense_params, 752393024);
    llmcost_model_free(m);
}

Test(finetune_ssm, qwen3_5_moe_experts_and_router_are_parameters_not_linears)
{
    /* Qwen3.6-35B-A3B (qwen3_5_moe): h 2048, 40 layers, attention every 4th (10: 16 heads of 256, gated q_proj, 2 kv
     * heads), Gated DeltaNet in 30 (16 key heads of 128; 32 value heads of 128: d 4096). Every layer's
     * Qwen3_5MoeSparseMoeBlock: its router (Qwen3_5MoeTopKRouter) holds an nn.Parameter [256, h] and its experts
     * (Qwen3_5MoeExperts) 3-D nn.Parameters gate_up_proj [256, 1024, h] and down_proj [256, h, 512]: no nn.Linear,
     * so all-linear adapts neither and bitsandbytes quantises neither; shared_expert (gate, up, down of 512) and
     * shared_expert_gate (h -> 1) are Linears. */
    llmcost_model *m = load_model("qwen3.6-35b-a3b");
    const int64_t r = 16, h = 2048, key = 2048, d = 4096, H = 32, E = 256, fe = 512, L = 40;
    llmcost_finetune_params fp = count(m, LLMCOST_FT_QLORA, r, "all-linear");
    int64_t attn = ab(r, h, 2 * 16 * 256) + 2 * ab(r, h, 2 * 256) + ab(r, 16 * 256, h);
    int64_t gdn = ab(r, h, 2 * key + d) + ab(r, h, d) + 2 * ab(r, h, H) + ab(r, d, h);
    int64_t shared = 3 * ab(r, h, fe) + ab(r, h, 1);
    cr_expect_eq(fp.trainable, 10 * attn + 30 * gdn + L * shared);
    cr_expect_eq(fp.trainable, 22477440);
    cr_expect_eq(role_matrices(LLMCOST_LR_EXPERT_UP), 0);
    cr_expect_eq(role_matrices(LLMCOST_LR_EXPERT_GATE), 0);
    cr_expect_eq(role_matrices(LLMCOST_LR_ROUTER), 0);
    cr_expect_eq(role_matrices(LLMCOST_LR_SHARED_GATE), L);
    int64_t lin = 10 * (h * 2 * 16 * 256 + 2 * h * 2 * 256 + 16 * 256 * h) +
                  30 * (h * (2 * key + d) + h * d + 2 * h * H + d * h) + L * (3 * h * fe + h);
    cr_expect_eq(fp.quantized_params, lin);
    /* the experts and the router stay in 16 bits with the embedding, the head and the small parameters */
    int64_t experts = L * E * 3 * h * fe, router = L * E * h;
    cr_expect(fp.dense_params > experts + router + 2 * 248320 * h, "%lld", (long long)fp.dense_params);
    cr_expect_eq(fp.quantized_params + fp.dense_params, 34660610688);
    uint32_t mask;
    cr_expect_eq(llmcost_lora_targets_parse(&mask, m, "gate_up_proj"), LLMCOST_EINVAL);
    cr_expect(strstr(llmcost_errmsg(), "nn.Parameter") != NULL, "%s", llmcost_errmsg());
    llmcost_model_free(m);
}

/* memory_ssm's Gated DeltaNet fixture as Qwen3.5 builds it (in_proj_qkv, in_proj_z, in_proj_b, in_proj_a) */
static const char *qwen3_5_fixture =
    "{\"model_type\": \"qwen3_5_text\", \"hidden_size\": 64, \"num_hidden_layers\": 2, "
    "\"num_attention_heads\": 4, \"num_key_value_heads\": 2, \"head_dim\": 16, "
    "\"intermediate_size\": 96, \"vocab_size\": 100, "
    "\"layer_types\": [\"linear_attention\", \"linear_attention\"], "
    "\"linear_num_key_heads\": 2, \"linear_key_head_dim\": 8, "
    "\"linear_num_value_heads\": 4, \"linear_value_head_dim\": 8, \"linear_conv_kernel_dim\": 4}";

Test(finetune_ssm_memory, qwen3_5_split_gated_deltanet_adapters_each_keep_their_input)
{
    /* The same tensors as gated_deltanet_frozen_mixer_derived_tensor_by_tensor (2,432 a token with one adapter on the
     * mixer's input): the split Linears read the same normalised input, and each adapter (PEFT's fp32 lora_A) keeps
     * its own fp32 copy of it, 4h, and x A, 4r. */
    const double T = 2048, h = 64, r = 8;
    double one = 2432;
    cr_expect_eq(layer_kept(qwen3_5_fixture, LLMCOST_FT_LORA, "in_proj_qkv"), one * T);
    cr_expect_eq(layer_kept(qwen3_5_fixture, LLMCOST_FT_LORA, "in_proj_z"), one * T);
    cr_expect_eq(layer_kept(qwen3_5_fixture, LLMCOST_FT_LORA, "in_proj_qkv,in_proj_z,in_proj_b,in_proj_a"),
                 (one + 3 * (4 * h + 4 * r)) * T);
}

Test(finetune_ssm_step, qwen3_5_split_adapters_add_their_own_flops)
{
    /* Qwen3.5-0.8B, one sequence of 1024, r 8: the four input adapters against one on out_proj (the same frozen
     * base): 6 T r (in + out) each, for 18 Gated DeltaNets: (h + 2 key + d) + (h + d) + 2 (h + H) against (d + h). */
    llmcost_model *m = load_model("qwen3.5-0.8b");
    const double T = 1024, r = 8, h = 1024, key = 2048, d = 2048, H = 16;
    llmcost_job a = single_gpu_job(1, 1024), b;
    a.finetune.method = LLMCOST_FT_LORA;
    a.finetune.rank = 8;
    b = a;
    cr_assert_eq(llmcost_lora_targets_parse(&a.finetune.targets, m, "in_proj_qkv,in_proj_z,in_proj_b,in_proj_a"), 0);
    cr_assert_eq(llmcost_lora_targets_parse(&b.finetune.targets, m, "out_proj"), 0);
    llmcost_step sa = step(m, &a), sb = step(m, &b);
    double in4 = (h + 2 * key + d) + (h + d) + 2 * (h + H), out = d + h;
    cr_expect(fabs(sa.model_flops_per_step - sb.model_flops_per_step - 18 * 6 * T * r * (in4 - out)) < 1,
              "%.0f vs %.0f", sa.model_flops_per_step - sb.model_flops_per_step, 18 * 6 * T * r * (in4 - out));
    cr_expect_eq(sa.hardware_flops_per_step, sa.model_flops_per_step);
    llmcost_model_free(m);
}

/* ---- Granite 4.0 (granitemoehybrid, h-ftssm2): the fused shared MLP, the router's Linear, ParallelExperts ---- */

Test(finetune_ssm, granite_4_micro_all_linear_has_one_fused_gate_up_linear)
{
    /* Granite-4.0-Micro: h 2560, 40 attention layers (40 heads of 64, 8 kv heads), no experts: shared_mlp
     * (GraniteMoeHybridMLP) input_linear h -> 2 x 8192 (gate and up in one nn.Linear), output_linear 8192 -> h; the
     * head tied. */
    llmcost_model *m = load_model("granite-4.0-micro");
    const int64_t r = 8, h = 2560, q = 40 * 64, kv = 8 * 64, s = 8192, L = 40;
    llmcost_finetune_params fp = count(m, LLMCOST_FT_QLORA, r, "all-linear");
    int64_t layer = ab(r, h, q) + 2 * ab(r, h, kv) + ab(r, q, h) + ab(r, h, 2 * s) + ab(r, s, h);
    cr_expect_eq(fp.trainable, L * layer);
    cr_expect_eq(role_matrices(LLMCOST_LR_MLP_GATE_UP), L);
    cr_expect_eq(role_params(LLMCOST_LR_MLP_GATE_UP), L * ab(r, h, 2 * s));
    cr_expect_eq(role_matrices(LLMCOST_LR_MLP_GATE), 0);
    /* NF4: every nn.Linear; the tied embedding and the 2 L + 1 RMSNorms stay 16-bit; the pre-training count is the
     * PyTorch one (docs/validation.md: 3,402,836,480) */
    cr_expect_eq(fp.quantized_params, L * (h * q + 2 * h * kv + q * h + h * 2 * s + s * h));
    cr_expect_eq(fp.dense_params, 100352 * h + (2 * L + 1) * h);
    cr_expect_eq(fp.quantized_params + fp.dense_params, 3402836480);
    llmcost_model_free(m);
}

Test(finetune_ssm, granite_4_h_small_experts_are_parallel_experts_and_out_proj_is_the_kernels)
{
    /* granite-4.0-h-small: h 4096, 40 layers (36 Mamba2: d 8192, 128 heads, 1 group of N 128; 4 attention: 32 heads
     * of 128, 8 kv heads), in every layer block_sparse_moe (router nn.Linear "layer" h -> 72, experts
     * GraniteMoeHybridParallelExperts of 768: 3-D weights) beside shared_mlp (input_linear h -> 2 x 1536,
     * output_linear 1536 -> h). */
    char *text = slurp_file(src_path("tests/fixtures/configs/granite-4.0-h-small.json"));
    llmcost_model *m = NULL;
    cr_assert_eq(llmcost_model_from_json(&m, text, strlen(text), "granite-4.0-h-small"), 0, "%s", llmcost_errmsg());
    free(text);
    const int64_t r = 8, h = 4096, d = 8192, H = 128, N = 128, E = 72, s = 1536;
    const int64_t q = 32 * 128, kv = 8 * 128, in = 2 * d + 2 * N + H;
    llmcost_finetune_params fp = count(m, LLMCOST_FT_QLORA, r, "q_proj,k_proj,v_proj,o_proj,in_proj,layer");
    int64_t attn = ab(r, h, q) + 2 * ab(r, h, kv) + ab(r, q, h);
    cr_expect_eq(fp.trainable, 4 * attn + 36 * ab(r, h, in) + 40 * ab(r, h, E));
    cr_expect_eq(role_matrices(LLMCOST_LR_ROUTER), 40);
    /* NF4: attention, in_proj, the router and the shared MLP; out_proj (the kernel's) and the experts in 16 bits */
    int64_t lin = 4 * (h * q + 2 * h * kv + q * h) + 36 * h * in + 40 * (h * E + h * 2 * s + s * h);
    cr_expect_eq(fp.quantized_params, lin);
    llmcost_params p;
    cr_assert_eq(llmcost_params_count(&p, m), 0);
    cr_expect(fp.dense_params >= 36 * d * h + 40 * E * 3 * h * 768, "%lld", (long long)fp.dense_params);
    cr_expect_eq(fp.quantized_params + fp.dense_params, p.total);
    uint32_t mask;
    /* 'input_linear' also names block_sparse_moe.input_linear (ParallelExperts): PEFT raises on it */
    cr_expect_eq(llmcost_lora_targets_parse(&mask, m, "input_linear"), LLMCOST_EINVAL);
    cr_expect(strstr(llmcost_errmsg(), "not supported") != NULL, "%s", llmcost_errmsg());
    cr_expect_eq(llmcost_lora_targets_parse(&mask, m, "output_linear"), LLMCOST_EINVAL);
    /* all-linear includes out_proj, which mamba_split_conv1d_scan_combined reads itself */
    cr_expect_eq(llmcost_lora_targets_parse(&mask, m, "all-linear"), LLMCOST_EINVAL);
    cr_expect(strstr(llmcost_errmsg(), "mamba_split_conv1d_scan_combined") != NULL, "%s", llmcost_errmsg());
    cr_expect_eq(llmcost_lora_targets_parse(&mask, m, "out_proj"), LLMCOST_EINVAL);
    llmcost_model_free(m);
}

Test(finetune_ssm, granite_4_h_dense_hybrid_adapts_its_shared_mlp_by_name)
{
    /* A Granite-4.0-H-Micro-like model: Mamba2 and attention layers, no experts: input_linear and output_linear are
     * the only modules of those names, so PEFT takes them. h 64, Mamba2 d 128 (4 heads of 32, 1 group of N 16), shared
     * MLP 96. */
    const char *cfg = "{\"model_type\": \"granitemoehybrid\", \"hidden_size\": 64, \"num_hidden_layers\": 2, "
                      "\"num_attention_heads\": 4, \"num_key_value_heads\": 2, \"intermediate_size\": 32, "
                      "\"shared_intermediate_size\": 96, \"num_local_experts\": 0, \"vocab_size\": 100, "
                      "\"layer_types\": [\"mamba\", \"attention\"], \"mamba_n_heads\": 4, \"mamba_d_head\": 32, "
                      "\"mamba_n_groups\": 1, \"mamba_d_state\": 16, \"mamba_expand\": 2}";
    llmcost_model *m = NULL;
    cr_assert_eq(llmcost_model_from_json(&m, cfg, strlen(cfg), "granite4-h-dense"), 0, "%s", llmcost_errmsg());
    const int64_t r = 4, h = 64, s = 96, in = 2 * 128 + 2 * 16 + 4;
    llmcost_finetune_params fp = count(m, LLMCOST_FT_LORA, r, "input_linear,output_linear,in_proj");
    cr_expect_eq(fp.trainable, 2 * (ab(r, h, 2 * s) + ab(r, s, h)) + ab(r, h, in));
    llmcost_model_free(m);
}

Test(finetune_ssm_step, granite_4_fused_gate_up_adapter_spans_both_halves)
{
    /* Granite-4.0-Micro, one sequence of 1024, r 8: one adapter on input_linear (h -> 2s) against one on
     * output_linear (s -> h), the same frozen base: 6 T r ((h + 2s) - (s + h)) = 6 T r s a layer, 40 layers. */
    llmcost_model *m = load_model("granite-4.0-micro");
    const double T = 1024, r = 8, s = 8192;
    llmcost_job a = single_gpu_job(1, 1024), b;
    a.finetune.method = LLMCOST_FT_LORA;
    a.finetune.rank = 8;
    b = a;
    cr_assert_eq(llmcost_lora_targets_parse(&a.finetune.targets, m, "input_linear"), 0);
    cr_assert_eq(llmcost_lora_targets_parse(&b.finetune.targets, m, "output_linear"), 0);
    llmcost_step sa = step(m, &a), sb = step(m, &b);
    cr_expect(fabs(sa.model_flops_per_step - sb.model_flops_per_step - 40 * 6 * T * r * s) < 1, "%.0f",
              sa.model_flops_per_step - sb.model_flops_per_step);
    llmcost_model_free(m);
}
