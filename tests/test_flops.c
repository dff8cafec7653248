/* test_flops.c - FLOPs against PyTorch's flop counter (data/calibration/flop_counter_reference.json, measured on
 * HF transformers models), the course's known answer, and derivations written beside each assertion. */
#include <criterion/criterion.h>
#include <jansson.h>
#include <math.h>
#include <string.h>

#include "helpers.h"
#include "llmcost/llmcost.h"

static llmcost_model *load_json(json_t *config)
{
    char *text = json_dumps(config, 0);
    llmcost_model *m = NULL;
    cr_assert_eq(llmcost_model_from_json(&m, text, strlen(text), "reference"), 0, "%s", llmcost_errmsg());
    free(text);
    return m;
}

static void expect_rel(double got, double want, double tol, const char *what)
{
    cr_expect(fabs(got - want) <= tol * fabs(want), "%s: got %.6g, reference %.6g (%.3f%% off)", what, got, want,
              100 * (got - want) / want);
}

/* Checks every case of a flop-counter reference file. PyTorch's counter does not count grouped expert GEMMs
 * (torch._grouped_mm), so routed experts are left out of the comparison; everything else must agree. */
static int check_reference_file(const char *rel)
{
    json_error_t e;
    json_t *doc = json_load_file(src_path(rel), 0, &e);
    cr_assert_not_null(doc, "%s: %s", rel, e.text);
    size_t i;
    json_t *c;
    int n = 0;
    json_array_foreach(json_object_get(doc, "flops") ? json_object_get(doc, "flops") : json_object_get(doc, "cases"), i, c)
    {
        llmcost_model *m = load_json(json_object_get(c, "config"));
        llmcost_flops_options o = LLMCOST_FLOPS_OPTIONS_INIT;
        o.batch = json_integer_value(json_object_get(c, "batch"));
        o.seq = json_integer_value(json_object_get(c, "seq"));
        o.attention = strcmp(json_string_value(json_object_get(c, "attention")), "eager") ? LLMCOST_ATTN_SDPA
                                                                                           : LLMCOST_ATTN_EAGER;
        o.convention = LLMCOST_CONV_UNMASKED;
        llmcost_flops f;
        cr_assert_eq(llmcost_flops_compute(&f, m, &o), 0);
        double fwd = f.forward - f.components[LLMCOST_FC_ROUTED_EXPERTS];
        double bwd = f.backward - f.components_bwd[LLMCOST_FC_ROUTED_EXPERTS];
        char what[160];
        snprintf(what, sizeof what, "%s: %s %s s=%lld forward", rel, json_string_value(json_object_get(c, "model")),
                 json_string_value(json_object_get(c, "attention")), (long long)o.seq);
        /* The bar is 0.5%; llmcost agrees to the FLOP, so hold it to 1e-9 lest a drift hide inside the bar. */
        expect_rel(fwd, (double)json_integer_value(json_object_get(c, "forward_flops")), 1e-9, what);
        snprintf(what, sizeof what, "%s: %s %s s=%lld backward", rel, json_string_value(json_object_get(c, "model")),
                 json_string_value(json_object_get(c, "attention")), (long long)o.seq);
        expect_rel(bwd, (double)json_integer_value(json_object_get(c, "backward_flops")), 1e-9, what);
        llmcost_params p;
        llmcost_params_count(&p, m);
        cr_expect_eq(p.total, json_integer_value(json_object_get(c, "params_of_this_truncated_model")), "%s params", what);
        llmcost_model_free(m);
        n++;
    }
    json_decref(doc);
    return n;
}

Test(flops_reference, matches_pytorch_flop_counter_on_course_references)
{
    cr_assert_geq(check_reference_file("data/calibration/flop_counter_reference.json"), 5);
}

Test(flops_reference, matches_pytorch_flop_counter_on_every_preset_family)
{
    /* MLA (DeepSeek-V2-Lite), qk-norm, biases, OPT's projections, Falcon's multi-query and new architecture,
     * Phi-3's fused projections, OLMo 2's post-norms, OLMoE, gpt-oss (eager: no SDPA with sinks), Gemma 3; and in
     * eager attention the GQA families (Llama 3, Mistral's sliding window, Mixtral, Qwen2.5 and 3, Gemma 2,
     * DeepSeek-V3 with 16 experts), whose SDPA form the counter cannot count. */
    cr_assert_geq(check_reference_file("data/calibration/h200_measured_2026-11-28.json"), 22);
}

Test(flops_reference, matches_pytorch_flop_counter_on_added_families)
{
    /* Qwen1.5-MoE (shared expert and its gate), Gemma, Pythia, Phi-2 (parallel, partial rotary, head bias),
     * StarCoder2 (biased GQA, plain MLP), StableLM 2, OLMo (parameter-free norms), GPT-J (rotary table built once),
     * SantaCoder (multi-query c_attn, learned positions), BLOOM (ALiBi through baddbmm, embedding norm), MPT,
     * Command R (parallel, logit scale), Granite, Mistral NeMo (head_dim narrower than hidden/heads): 2 layers,
     * s=256, eager, measured on an H200 with transformers 5.17. */
    cr_assert_geq(check_reference_file("data/calibration/h200_families_2026-11-28.json"), 15);
}

Test(flops_rotary, gpt_j_builds_its_table_once_and_pythia_per_forward)
{
    /* data/calibration/h200_families_2026-11-28.json: GPT-J-6B's forward bmm FLOPs are the attention core alone,
     * 2 layers x 2 products x 2*16 heads*256^2*256 = 2,147,483,648 (create_sinusoidal_positions runs at
     * construction); Pythia-6.9B's are 8,192 more: inv_freq [16,1] @ positions [1,256], 2*16*256, once per forward
     * (rotary_pct 0.25 of 128 = 32 dims). */
    llmcost_flops_options o = LLMCOST_FLOPS_OPTIONS_INIT;
    o.seq = 256;
    o.convention = LLMCOST_CONV_UNMASKED;
    o.attention = LLMCOST_ATTN_EAGER;
    llmcost_flops f;
    llmcost_model *m = load_model("gpt-j-6b");
    cr_assert_eq(llmcost_flops_compute(&f, m, &o), 0);
    cr_expect_eq(f.components[LLMCOST_FC_OTHER], 0);
    cr_expect_eq(f.components[LLMCOST_FC_SCORES] + f.components[LLMCOST_FC_VALUES], 28 * 2 * 2.0 * 16 * 256 * 256 * 256);
    llmcost_model_free(m);
    m = load_model("pythia-6.9b");
    cr_assert_eq(llmcost_flops_compute(&f, m, &o), 0);
    cr_expect_eq(f.components[LLMCOST_FC_OTHER], 2.0 * 16 * 256);
    llmcost_model_free(m);
}

Test(flops_course, one_llama_7b_layer_forward_is_0_8976_tflops)
{
    /* assignment.md: one LLaMA-7B layer, b=1, s=2048, matmuls only, attention unmasked: 0.8976 TFLOPs.
     * = 2*2048*(4*4096^2 + 3*4096*11008) + 4*2048^2*4096 = 828,928,688,128 + 68,719,476,736 = 897,648,164,864. */
    llmcost_model *m = load_model(src_path("tests/fixtures/llama_7b_config.json"));
    llmcost_flops_options o = LLMCOST_FLOPS_OPTIONS_INIT;
    o.seq = 2048;
    o.convention = LLMCOST_CONV_UNMASKED;
    llmcost_op *ops;
    size_t n;
    cr_assert_eq(llmcost_flops_ops(&ops, &n, m, &o), 0);
    double layer0 = 0;
    for (size_t i = 0; i < n; i++)
        if (ops[i].layer == 0 && ops[i].kind != LLMCOST_OP_ELEMENTWISE)
            layer0 += ops[i].flops;
    cr_expect_eq(layer0, 828928688128.0 + 68719476736.0);
    cr_expect(fabs(layer0 / 1e12 - 0.8976) < 0.00005, "%.6f TFLOPs", layer0 / 1e12);
    llmcost_free(ops);
    llmcost_model_free(m);
}

Test(flops_conventions, causal_halves_attention_and_sliding_window_caps_it)
{
    /* Causal: s(s+1)/2 pairs instead of s^2. For LLaMA-7B at s=2048 the attention core is
     * 32 layers * 4*32*128*pairs; unmasked - causal = 32*4*4096*(2048^2 - 2048*2049/2). */
    llmcost_model *m = load_model("llama-7b");
    llmcost_flops_options o = LLMCOST_FLOPS_OPTIONS_INIT;
    o.seq = 2048;
    llmcost_flops f;
    llmcost_flops_compute(&f, m, &o);
    double diff = 32.0 * 4 * 4096 * (2048.0 * 2048 - 2048.0 * 2049 / 2);
    cr_expect_eq(f.forward_unmasked - f.forward_causal, diff);
    cr_expect_eq(f.forward, f.forward_causal);
    llmcost_model_free(m);

    /* Mistral-7B slides a 4096-token window on every layer: at s=8192 each head computes
     * 4096*4097/2 + 4096*4096 pairs, 32 layers, 32 heads, d=128 q and v. */
    m = load_model("mistral-7b");
    o.seq = 8192;
    llmcost_flops_compute(&f, m, &o);
    double pairs = 4096.0 * 4097 / 2 + 4096.0 * 4096;
    cr_expect_eq(f.components[LLMCOST_FC_SCORES] + f.components[LLMCOST_FC_VALUES], 32.0 * 32 * 2 * pairs * 256);
    llmcost_model_free(m);
}

Test(flops_moe, routed_experts_are_two_tokens_topk_matrices)
{
    /* Mixtral-8x7B, b=1, s=4096: routed experts = 2 * 4096 tokens * top-2 * 3 * 4096 * 14336 per layer, 32 layers;
     * router 2 * 4096 * 4096 * 8 per layer. */
    llmcost_model *m = load_model("mixtral-8x7b");
    llmcost_flops_options o = LLMCOST_FLOPS_OPTIONS_INIT;
    o.seq = 4096;
    llmcost_flops f;
    llmcost_flops_compute(&f, m, &o);
    cr_expect_eq(f.components[LLMCOST_FC_ROUTED_EXPERTS], 32.0 * 2 * 4096 * 2 * 3 * 4096 * 14336);
    cr_expect_eq(f.components[LLMCOST_FC_ROUTER], 32.0 * 2 * 4096 * 4096 * 8);
    cr_expect_eq(f.moe_layer_forward, f.forward - f.components[LLMCOST_FC_LM_HEAD] - f.components[LLMCOST_FC_OTHER]);
    llmcost_model_free(m);
}

/* The config and saved-tensor census of a measured step of h200_measured_2026-11-28.json. */
static json_t *measured_step(json_t *doc, const char *name)
{
    size_t i;
    json_t *c;
    json_array_foreach(json_object_get(doc, "steps"), i, c)
        if (!strcmp(json_string_value(json_object_get(c, "case")), name))
            return c;
    cr_assert_fail("no step %s", name);
    return NULL;
}

/* Forward and backward bytes, and forward kernels, of layer 1's element-wise ops on the experts' path. */
static void expert_path_bytes(const llmcost_model *m, const llmcost_flops_options *o, double *fwd, double *bwd,
                              double *kernels, bool *cast)
{
    llmcost_op *ops;
    size_t n;
    cr_assert_eq(llmcost_flops_ops(&ops, &n, m, o), 0);
    *fwd = *bwd = *kernels = 0;
    *cast = false;
    for (size_t i = 0; i < n; i++) {
        const char *nm = ops[i].name;
        if (ops[i].layer != 1 || ops[i].kind != LLMCOST_OP_ELEMENTWISE)
            continue;
        if (strncmp(nm, "expert ", 7) != 0 && strcmp(nm, "moe input grads") != 0 && strcmp(nm, "routing") != 0)
            continue;
        if (strcmp(nm, "routing") != 0) {
            *fwd += ops[i].bytes;
            *bwd += ops[i].bwd_bytes;
        }
        *kernels += ops[i].kernels;
        *cast |= !strcmp(nm, "expert output cast");
    }
    llmcost_free(ops);
}

Test(flops_moe, grouped_mm_path_follows_transformers_and_the_saved_tensor_census)
{
    /* transformers 5.17's grouped_mm_experts_forward over S = T*k token-slots (T tokens, h hidden, f expert width,
     * xb bytes per activation, ob bytes for the weighted outputs). Forward: gather 2xb Sh, sentinel mask 2xb Sh,
     * act(gate) * up on the strided halves 5xb Sf, scale by the routing weights (xb + ob) Sh, mask 2ob Sh, unpermute
     * gather 2ob Sh, sum over k (ob + ob/k) Sh, and a cast (ob + xb) Th when ob > xb. Backward: index_put of the
     * gather xb(1 + 3/k) Sh, mask 2xb Sh, the activation's strided products 6xb Sf and the contiguous product with
     * chunk's cat 7xb Sf, the scale's input gradient 2ob Sh and its other gradients (cast, product, row sum)
     * (ob + xb) + 2ob + xb + ob, mask 2ob Sh, the unpermute's index_put 4ob Sh, the sum's broadcast copy
     * (ob/k + ob) Sh, the cast (xb + ob) Th and the input gradients' add 3xb Th. The int64 index work (sort,
     * offsets, inverse permutation) is taken as 128 bytes per slot forward, 64 backward. Mixtral keeps its routing weights
     * in fp32 (ob = 4), Qwen3-MoE casts them to bf16 (ob = 2): the census of saved tensors shows the weights saved by
     * the scaling as fp32 [S, 1] for Mixtral and bf16 [S, 1] for Qwen3-MoE. */
    json_t *doc = json_load_file(src_path("data/calibration/h200_measured_2026-11-28.json"), 0, NULL);
    cr_assert_not_null(doc);
    const char *cases[] = {"mixtral-small/bf16/b4/s2048/nockpt", "qwen3moe-small/bf16/b4/s4096/nockpt"};
    for (int c = 0; c < 2; c++) {
        json_t *st = measured_step(doc, cases[c]);
        llmcost_model *m = load_json(json_object_get(st, "config"));
        llmcost_flops_options o = LLMCOST_FLOPS_OPTIONS_INIT;
        o.batch = json_integer_value(json_object_get(st, "micro_batch"));
        o.seq = json_integer_value(json_object_get(st, "seq"));
        const llmcost_ffn *ff = &m->layers[1].ffn;
        double T = (double)o.batch * (double)o.seq, k = (double)ff->top_k, S = T * k, h = (double)m->hidden;
        double f = (double)ff->expert.d_ff;
        /* The census: dtype of the [S, 1] routing weights the scaling saved. */
        const char *wdtype = NULL;
        size_t i;
        json_t *t;
        json_array_foreach(json_object_get(json_object_get(st, "saved_tensors"), "layer1"), i, t)
        {
            json_t *shape = json_array_get(t, 0);
            if (json_array_size(shape) == 2 && json_number_value(json_array_get(shape, 0)) == S &&
                json_number_value(json_array_get(shape, 1)) == 1 &&
                strcmp(json_string_value(json_array_get(t, 1)), "bool") != 0)
                wdtype = json_string_value(json_array_get(t, 1));
        }
        cr_assert_not_null(wdtype, "%s: no [S, 1] routing weights in the census", cases[c]);
        double ob = !strcmp(wdtype, "float32") ? 4 : 2, xb = 2;
        cr_expect_eq(ff->fp32_routing, ob == 4, "%s: census weights %s", cases[c], wdtype);
        double fwd, bwd, kern;
        bool cast;
        expert_path_bytes(m, &o, &fwd, &bwd, &kern, &cast);
        double cast_f = ob > xb ? (ob + xb) * T * h : 0;
        expect_rel(fwd, (2 * xb + 2 * xb + xb + ob + 2 * ob + 2 * ob + ob + ob / k) * S * h + 5 * xb * S * f + cast_f + 128 * S,
                   1e-12, "expert path forward bytes");
        expect_rel(bwd,
                   (xb * (1 + 3 / k) + 2 * xb + 2 * ob + (ob > xb ? ob + xb : 0) + 2 * ob + xb + ob + 2 * ob + 4 * ob +
                    ob / k + ob) * S * h +
                       13 * xb * S * f + cast_f + 3 * xb * T * h + 64 * S,
                   1e-12, "expert path backward bytes");
        cr_expect_eq(cast, ob > xb);
        /* Forward kernels: routing 6, index work 14 (sort 3, //, gather of the weights, int cast, histc 2, cumsum,
         * sentinel mask, clamp_, arange, inv_perm scatter), then gather, mask, 2 for the activation, scale, mask,
         * unpermute, sum, and the cast when there is one. */
        cr_expect_eq(kern, 6 + 14 + 8 + (ob > xb ? 1 : 0), "%s: %g kernels", cases[c], kern);
        /* In fp32 (autocast over fp32 weights) the whole path moves 4-byte activations and needs no cast. */
        o.expert_act_bytes = 4;
        expert_path_bytes(m, &o, &fwd, &bwd, &kern, &cast);
        expect_rel(fwd, (8 + 8 + 8 + 8 + 8 + 4 + 4 / k) * S * h + 20 * S * f + 128 * S, 1e-12,
                   "fp32 expert path forward bytes");
        cr_expect(!cast);
        llmcost_model_free(m);
    }
    json_decref(doc);
}

Test(flops_mla, deepseek_v3_projections_and_dense_layers)
{
    /* DeepSeek-V3 at b=1, s=4096 (T=4096): per layer q_a 2T*7168*1536 + q_b 2T*1536*128*192,
     * kv_a 2T*7168*576 + kv_b 2T*512*128*256, o 2T*128*128*7168; attention unmasked 2*128*T^2*(192+128). */
    llmcost_model *m = load_model("deepseek-v3");
    llmcost_flops_options o = LLMCOST_FLOPS_OPTIONS_INIT;
    o.seq = 4096;
    o.convention = LLMCOST_CONV_UNMASKED;
    llmcost_flops f;
    llmcost_flops_compute(&f, m, &o);
    double T = 4096;
    cr_expect_eq(f.components[LLMCOST_FC_Q], 61 * (2 * T * 7168 * 1536 + 2 * T * 1536 * 128 * 192));
    cr_expect_eq(f.components[LLMCOST_FC_KV], 61 * (2 * T * 7168 * 576 + 2 * T * 512 * 128 * 256));
    cr_expect_eq(f.components[LLMCOST_FC_O], 61 * 2 * T * 128 * 128 * 7168);
    cr_expect_eq(f.components[LLMCOST_FC_SCORES], 61 * 2 * 128 * T * T * 192);
    cr_expect_eq(f.components[LLMCOST_FC_VALUES], 61 * 2 * 128 * T * T * 128);
    /* 3 dense layers of 3 matrices 7168 x 18432; 58 MoE layers with 8 routed + 1 shared of 2048. */
    cr_expect_eq(f.components[LLMCOST_FC_MLP_DENSE_LAYERS], 3 * 3 * 2 * T * 7168 * 18432);
    cr_expect_eq(f.components[LLMCOST_FC_ROUTED_EXPERTS], 58 * 8 * 3 * 2 * T * 7168 * 2048);
    cr_expect_eq(f.components[LLMCOST_FC_SHARED_EXPERTS], 58 * 3 * 2 * T * 7168 * 2048);
    /* Fused attention backward with d_q=192, d_v=128: 2*pairs*(3*192 + 2*128) per head (flop_counter). */
    cr_expect_gt(f.mtp_forward, 0);
    llmcost_model_free(m);
}

Test(flops_recompute, full_adds_layer_forward_selective_adds_attention_core)
{
    llmcost_model *m = load_model("llama-2-7b");
    llmcost_flops_options o = LLMCOST_FLOPS_OPTIONS_INIT;
    o.seq = 4096;
    llmcost_flops none, full, sel;
    llmcost_flops_compute(&none, m, &o);
    o.recompute = LLMCOST_RECOMPUTE_FULL;
    llmcost_flops_compute(&full, m, &o);
    o.recompute = LLMCOST_RECOMPUTE_SELECTIVE;
    llmcost_flops_compute(&sel, m, &o);
    /* Full: every layer's forward again = forward minus the LM head and the rotary table product. */
    cr_expect_eq(full.recompute, none.forward - none.components[LLMCOST_FC_LM_HEAD] - none.components[LLMCOST_FC_OTHER]);
    cr_expect_eq(sel.recompute, none.components[LLMCOST_FC_SCORES] + none.components[LLMCOST_FC_VALUES]);
    cr_expect_eq(full.model_flops, none.model_flops);
    cr_expect_eq(full.hardware_flops, none.model_flops + full.recompute);
    llmcost_model_free(m);
}

Test(flops_conventions, six_nd_and_megatron_formulas)
{
    llmcost_model *m = load_model("gpt2");
    llmcost_flops_options o = LLMCOST_FLOPS_OPTIONS_INIT;
    o.seq = 1024;
    o.batch = 8;
    llmcost_flops f;
    llmcost_flops_compute(&f, m, &o);
    double T = 8192;
    cr_expect_eq(llmcost_flops_convention(LLMCOST_CONVENTION_6ND_TOTAL, m, &f, &o), 6 * 124439808.0 * T);
    /* Megatron eq. 3: 72*B*s*L*h^2*(1 + s/(6h) + V/(12hL)) with B=8, s=1024, L=12, h=768, V=50257. */
    double meg = 72.0 * 8 * 1024 * 12 * 768 * 768 * (1 + 1024.0 / (6 * 768) + 50257.0 / (12 * 768 * 12));
    cr_expect(fabs(llmcost_flops_convention(LLMCOST_CONVENTION_MEGATRON, m, &f, &o) - meg) < 1e-6 * meg);
    /* For GPT-2 (4h MLP, MHA, tied) Megatron's formula is the exact unmasked count with eager-style 2x
     * attention backward: 24BsLh^2 + 4Bs^2Lh forward + 2BshV head, times 3. */
    o.attention = LLMCOST_ATTN_EAGER;
    llmcost_flops_compute(&f, m, &o);
    cr_expect(fabs(llmcost_flops_convention(LLMCOST_CONVENTION_EXACT_UNMASKED, m, &f, &o) - meg) < 1e-9 * meg);
    llmcost_model_free(m);
}

Test(flops_frozen, tied_head_weight_gradient_skipped_and_norm_keeps_input_gradient)
{
    /* GPT-2 is tied: freezing the embedding freezes the head, sparing its weight gradient 2*T*768*50257.
     * Its first layer starts with a LayerNorm with weights, so q/k/v input gradients remain. */
    llmcost_model *m = load_model("gpt2");
    llmcost_flops_options o = LLMCOST_FLOPS_OPTIONS_INIT;
    o.seq = 1024;
    llmcost_flops a, b;
    llmcost_flops_compute(&a, m, &o);
    o.frozen_embedding = true;
    llmcost_flops_compute(&b, m, &o);
    cr_expect_eq(a.backward - b.backward, 2.0 * 1024 * 768 * 50257);
    llmcost_model_free(m);
}

/* The role and flags of the op named "name" in layer "layer" (the first such op); fails if there is none. */
static const llmcost_op *find_op(const llmcost_op *ops, size_t n, int32_t layer, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (ops[i].layer == layer && !strcmp(ops[i].name, name))
            return &ops[i];
    cr_assert_fail("no op %s in layer %d", name, layer);
    return NULL;
}

Test(flops_ops, every_op_carries_the_role_and_splits_the_time_engine_reads)
{
    /* Megatron's tensor parallelism (Shoeybi et al. 2019, §3): q/k/v, gate and up are split by columns, o_proj and
     * down_proj by rows; the residual stream's norms and adds are split only with sequence parallelism (Korthikanti
     * et al. 2022 §4.2.2); the rotary tables are per sequence. */
    llmcost_model *m = load_model("llama-7b");
    llmcost_flops_options o = LLMCOST_FLOPS_OPTIONS_INIT;
    llmcost_op *ops;
    size_t n;
    cr_assert_eq(llmcost_flops_ops(&ops, &n, m, &o), 0);
    for (size_t i = 0; i < n; i++) {
        cr_expect(ops[i].role < LLMCOST_ROLE_COUNT, "%s", ops[i].name);
        if (ops[i].kind == LLMCOST_OP_MATMUL)
            cr_expect(ops[i].role == LLMCOST_ROLE_LINEAR || ops[i].role == LLMCOST_ROLE_ROTARY_TABLE, "%s", ops[i].name);
        if (ops[i].kind == LLMCOST_OP_ATTENTION)
            cr_expect_eq(ops[i].role, LLMCOST_ROLE_ATTENTION);
    }
    cr_expect(find_op(ops, n, 3, "o_proj")->flags & LLMCOST_OPF_ROW_PARALLEL);
    cr_expect(find_op(ops, n, 3, "down_proj")->flags & LLMCOST_OPF_ROW_PARALLEL);
    cr_expect_eq(find_op(ops, n, 3, "q_proj")->flags, LLMCOST_OPF_NORMED_INPUT);
    cr_expect_eq(find_op(ops, n, 3, "up_proj")->flags, LLMCOST_OPF_NORMED_INPUT);
    const llmcost_op *norm = find_op(ops, n, 3, "input_layernorm");
    cr_expect_eq(norm->role, LLMCOST_ROLE_NORM);
    cr_expect_eq(norm->flags, LLMCOST_OPF_RESIDUAL);
    cr_expect_eq(find_op(ops, n, 3, "residual add")->role, LLMCOST_ROLE_RESIDUAL_ADD);
    cr_expect_eq(find_op(ops, n, 3, "act(gate)*up")->role, LLMCOST_ROLE_GATED_ACTIVATION);
    cr_expect_eq(find_op(ops, n, 32, "logits to fp32 + cross-entropy")->role, LLMCOST_ROLE_LOSS);
    cr_expect(find_op(ops, n, -1, "rotary cos/sin")->flags & LLMCOST_OPF_PER_SEQUENCE);
    llmcost_free(ops);
    llmcost_model_free(m);

    /* DeepSeek-V3's MLA latents and its router are replicated over TP; the routed experts' path is marked, and the
     * eager dispatch's bookkeeping is what a fused token dispatcher does not run. */
    m = load_model("deepseek-v3");
    o.seq = 128;
    cr_assert_eq(llmcost_flops_ops(&ops, &n, m, &o), 0);
    cr_expect(find_op(ops, n, 3, "q_a_proj")->flags & LLMCOST_OPF_REPLICATED);
    cr_expect(find_op(ops, n, 3, "kv_a_layernorm")->flags & LLMCOST_OPF_REPLICATED);
    cr_expect(find_op(ops, n, 3, "router")->flags & LLMCOST_OPF_REPLICATED);
    cr_expect_eq(find_op(ops, n, 3, "routed experts")->role, LLMCOST_ROLE_EXPERTS);
    const llmcost_op *act = find_op(ops, n, 3, "expert activation");
    cr_expect_eq(act->role, LLMCOST_ROLE_EXPERT_ACTIVATION);
    cr_expect_eq(act->flags, LLMCOST_OPF_EXPERT_PATH | LLMCOST_OPF_GATED);
    cr_expect(find_op(ops, n, 3, "expert sum")->flags & LLMCOST_OPF_DISPATCH);
    cr_expect(!(find_op(ops, n, 3, "expert gather")->flags & LLMCOST_OPF_DISPATCH));
    cr_expect(find_op(ops, n, 3, "moe input grads")->flags & LLMCOST_OPF_MOE_HIDDEN);
    llmcost_free(ops);
    llmcost_model_free(m);
}

Test(flops_ops, the_full_list_holds_every_layer_with_its_own_index_and_sums_to_the_totals)
{
    /* Gemma 3's layers alternate five sliding-window layers and one global one: two distinct layers, made once
     * each, listed for all 62 layers. Their FLOPs added one by one from the full list are the engine's totals. */
    llmcost_model *m = load_model("gemma-3-27b");
    llmcost_flops_options o = LLMCOST_FLOPS_OPTIONS_INIT;
    o.seq = 8192;
    llmcost_op *ops;
    size_t n;
    cr_assert_eq(llmcost_flops_ops(&ops, &n, m, &o), 0);
    int32_t prev = -1;
    size_t per_layer[64] = {0};
    double fwd = 0, bwd = 0;
    for (size_t i = 0; i < n; i++) {
        cr_assert(ops[i].layer >= prev, "op %zu (%s) of layer %d after layer %d", i, ops[i].name, ops[i].layer, prev);
        prev = ops[i].layer;
        if (ops[i].layer >= 0 && ops[i].layer < 62)
            per_layer[ops[i].layer]++;
        if (ops[i].kind != LLMCOST_OP_ELEMENTWISE) {
            fwd += ops[i].flops;
            bwd += ops[i].bwd_flops;
        }
    }
    cr_expect_eq(prev, 62);
    for (int l = 1; l < 62; l++)
        cr_expect_eq(per_layer[l], per_layer[0], "layer %d has %zu ops, layer 0 %zu", l, per_layer[l], per_layer[0]);
    llmcost_flops f;
    cr_assert_eq(llmcost_flops_compute(&f, m, &o), 0);
    cr_expect_eq(f.forward, fwd);
    cr_expect_eq(f.backward, bwd);
    /* a global layer (5) computes more attention pairs than a local one (0) at 8,192 tokens */
    double a0 = 0, a5 = 0;
    for (size_t i = 0; i < n; i++)
        if (ops[i].kind == LLMCOST_OP_ATTENTION)
            *(ops[i].layer == 0 ? &a0 : ops[i].layer == 5 ? &a5 : &fwd) += ops[i].flops;
    cr_expect_gt(a5, a0);
    llmcost_free(ops);
    llmcost_model_free(m);
}

/* The sums of the full op list, every op added one by one in execution order (the definition of the totals). */
static void sums_of_list(llmcost_flops *r, const llmcost_model *m, const llmcost_flops_options *o)
{
    llmcost_op *ops;
    size_t n;
    cr_assert_eq(llmcost_flops_ops(&ops, &n, m, o), 0, "%s", llmcost_errmsg());
    memset(r, 0, sizeof *r);
    for (size_t i = 0; i < n; i++) {
        const llmcost_op *op = &ops[i];
        if (op->kind == LLMCOST_OP_ELEMENTWISE) {
            r->elementwise_flops += op->flops;
            r->elementwise_bytes += op->bytes;
            continue;
        }
        r->forward += op->flops;
        r->backward += op->bwd_flops;
        r->components[op->component] += op->flops;
        r->components_bwd[op->component] += op->bwd_flops;
        if (op->kind == LLMCOST_OP_MATMUL && op->n2 > 0) { /* fused qkv: its key/value columns to kv_proj */
            double share = (op->n - op->n2) / op->n;
            r->components[LLMCOST_FC_Q] -= op->flops * share;
            r->components[LLMCOST_FC_KV] += op->flops * share;
            r->components_bwd[LLMCOST_FC_Q] -= op->bwd_flops * share;
            r->components_bwd[LLMCOST_FC_KV] += op->bwd_flops * share;
        }
        if (op->component == LLMCOST_FC_SCORES) { /* the attention core: scores and values by head dims */
            double share_v = op->n2 / (op->k + op->n2);
            r->components[LLMCOST_FC_SCORES] -= op->flops * share_v;
            r->components[LLMCOST_FC_VALUES] += op->flops * share_v;
            r->components_bwd[LLMCOST_FC_SCORES] -= op->bwd_flops * share_v;
            r->components_bwd[LLMCOST_FC_VALUES] += op->bwd_flops * share_v;
        }
        if (op->layer >= 0 && op->layer < m->n_layers) {
            *(m->layers[op->layer].ffn.moe ? &r->moe_layer_forward : &r->dense_layer_forward) += op->flops;
            if (o->recompute == LLMCOST_RECOMPUTE_FULL ||
                (o->recompute == LLMCOST_RECOMPUTE_SELECTIVE && op->kind == LLMCOST_OP_ATTENTION))
                r->recompute += op->flops;
        }
    }
    llmcost_free(ops);
}

Test(flops_sums, every_sum_is_the_op_list_added_one_by_one_to_the_last_digit)
{
    /* The engine adds each distinct layer's terms once per run of equal layers (exactly, when integers allow);
     * its sums must be those of adding the full list op by op, at small batches and at batches so large (1e6
     * sequences of 8,191 tokens: about 1e22 FLOPs) that the sums round. */
    static const char *const models[] = {"opt-125m", "gpt2", "llama-7b", "gemma-3-27b", "falcon-7b", "phi-3-mini",
                                         "mixtral-8x7b", "deepseek-v3", "gpt-oss-20b", "llama-3.1-405b"};
    for (size_t i = 0; i < sizeof models / sizeof models[0]; i++) {
        llmcost_model *m = load_model(models[i]);
        for (int v = 0; v < 6; v++) {
            llmcost_flops_options o = LLMCOST_FLOPS_OPTIONS_INIT;
            /* odd sizes for the large batches, so that their sums do not happen to stay exact */
            o.batch = v < 3 ? 1 + v : 999999 / (v - 2);
            o.seq = v < 3 ? (v % 2 ? 8192 : 2048) : (v % 2 ? 8191 : 2047);
            o.recompute = (llmcost_recompute)(v % 3);
            o.convention = v % 2 ? LLMCOST_CONV_UNMASKED : LLMCOST_CONV_CAUSAL;
            o.attention = v == 4 ? LLMCOST_ATTN_EAGER : LLMCOST_ATTN_SDPA;
            llmcost_flops f, r;
            cr_assert_eq(llmcost_flops_compute(&f, m, &o), 0, "%s", llmcost_errmsg());
            sums_of_list(&r, m, &o);
            const char *w = models[i];
            cr_expect(f.forward == r.forward, "%s v%d forward %.17g != %.17g", w, v, f.forward, r.forward);
            cr_expect(f.backward == r.backward, "%s v%d backward %.17g != %.17g", w, v, f.backward, r.backward);
            cr_expect(f.recompute == r.recompute, "%s v%d recompute %.17g != %.17g", w, v, f.recompute, r.recompute);
            cr_expect(f.dense_layer_forward == r.dense_layer_forward, "%s v%d dense", w, v);
            cr_expect(f.moe_layer_forward == r.moe_layer_forward, "%s v%d moe", w, v);
            cr_expect(f.elementwise_flops == r.elementwise_flops, "%s v%d element-wise flops", w, v);
            cr_expect(f.elementwise_bytes == r.elementwise_bytes, "%s v%d element-wise bytes %.17g != %.17g", w, v,
                      f.elementwise_bytes, r.elementwise_bytes);
            for (int c = 0; c < LLMCOST_FC_COUNT; c++) {
                cr_expect(f.components[c] == r.components[c], "%s v%d component %d %.17g != %.17g", w, v, c,
                          f.components[c], r.components[c]);
                cr_expect(f.components_bwd[c] == r.components_bwd[c], "%s v%d component %d backward", w, v, c);
            }
        }
        llmcost_model_free(m);
    }
}

/* ---- state-space mixers (docs/formulas.md, "State-space mixers: FLOPs") ---- */

/* Forward and backward matrix-product FLOPs of the ops named "name" (every layer). */
static void op_flops(const llmcost_op *ops, size_t n, const char *name, double *fwd, double *bwd)
{
    *fwd = 0, *bwd = 0;
    for (size_t i = 0; i < n; i++)
        if (!strcmp(ops[i].name, name)) {
            *fwd += ops[i].flops;
            *bwd += ops[i].bwd_flops;
        }
}

Test(flops_ssm, mamba_2_8b_gemms_are_two_params_per_token_and_the_scan_element_wise)
{
    /* state-spaces/mamba-2.8b-hf: h 2560, 64 layers, d_inner = 2 x 2560 = 5120, N 16, dt_rank 160, kernel 4, vocab
     * 50280, tied. Per layer the GEMMs are in_proj 2560 -> 10240, x_proj 5120 -> 160 + 32, dt_proj 160 -> 5120,
     * out_proj 5120 -> 2560: 26,214,400 + 983,040 + 819,200 + 13,107,200 = 41,123,840 weights, 2 FLOPs each per
     * token; the LM head 50280 x 2560. T = 2048 tokens: forward 2 T (64 x 41,123,840 + 128,716,800)
     * = 11,307,591,925,760; backward twice that (input and weight gradients of every GEMM). */
    llmcost_model *m = load_model(src_path("tests/fixtures/configs/mamba-2.8b-hf.json"));
    llmcost_flops_options o = LLMCOST_FLOPS_OPTIONS_INIT;
    o.seq = 2048;
    llmcost_flops f;
    cr_assert_eq(llmcost_flops_compute(&f, m, &o), 0, "%s", llmcost_errmsg());
    double T = 2048, h = 2560, D = 5120, N = 16, R = 160, V = 50280;
    double per_layer = h * 2 * D + D * (R + 2 * N) + R * D + D * h;
    cr_expect_eq(per_layer, 41123840.0);
    cr_expect_eq(f.forward, 2 * T * (64 * per_layer + V * h));
    cr_expect_eq(f.forward, 11307591925760.0);
    cr_expect_eq(f.backward, 2 * f.forward);
    /* The same GEMMs from the parameter count: every parameter but the conv1d (5120 x 4 + 5120), dt_proj's bias
     * (5120), A_log (5120 x 16), D (5120) and the norms (65 x 2560) is a GEMM weight read once per token. */
    llmcost_params p;
    cr_assert_eq(llmcost_params_count(&p, m), 0);
    double not_gemm = 64 * (D * 4 + D + D + D * N + D) + 65 * h;
    cr_expect_eq(f.forward, 2 * T * ((double)p.total - not_gemm));
    /* in_proj in q, x_proj and dt_proj in k/v, out_proj in o; no attention core. */
    cr_expect_eq(f.components[LLMCOST_FC_Q], 64 * 2 * T * h * 2 * D);
    cr_expect_eq(f.components[LLMCOST_FC_KV], 64 * 2 * T * (D * (R + 2 * N) + R * D));
    cr_expect_eq(f.components[LLMCOST_FC_O], 64 * 2 * T * D * h);
    cr_expect_eq(f.components[LLMCOST_FC_SCORES] + f.components[LLMCOST_FC_VALUES], 0);
    /* The selective scan is element-wise (7 FLOPs per state, 12 per channel) and the conv1d 2 x 4 per channel:
     * apart from the totals, in elementwise_flops. */
    llmcost_op *ops;
    size_t n;
    cr_assert_eq(llmcost_flops_ops(&ops, &n, m, &o), 0);
    double fw, bw;
    op_flops(ops, n, "selective scan", &fw, &bw);
    cr_expect_eq(fw, 64 * T * D * (7 * N + 12));
    op_flops(ops, n, "conv1d+silu", &fw, &bw);
    cr_expect_eq(fw, 64 * T * D * 2 * 4);
    llmcost_free(ops);
    llmcost_model_free(m);
}

Test(flops_ssm, mamba2_2_7b_ssd_chunked_scan_products)
{
    /* state-spaces/mamba2-2.7b: h 2560, 64 layers, d_inner 5120 = 80 heads x 64, N 128, 1 group, chunk 256
     * (Mamba2Config's default), vocab 50288, tied. GEMMs per layer: in_proj 2560 -> 2 x 5120 + 2 x 128 + 80 = 10576
     * and out_proj 5120 -> 2560. SSD over T = 2048 tokens = 8 chunks of Q = 256 (Dao & Gu 2024, §6): chunk states
     * B^T x 2 T N D, C B^T 2 T Q N G, (L o C B^T) x 2 T Q D, C h 2 T N D per layer:
     * 2 x 2048 x (655,360 + 32,768 + 1,310,720 + 655,360) = 10,871,635,968. Backward: 2x each product, plus the
     * chunk states and C B^T computed again. */
    llmcost_model *m = load_model(src_path("tests/fixtures/configs/mamba2-2.7b.json"));
    llmcost_flops_options o = LLMCOST_FLOPS_OPTIONS_INIT;
    o.seq = 2048;
    llmcost_flops f;
    cr_assert_eq(llmcost_flops_compute(&f, m, &o), 0, "%s", llmcost_errmsg());
    double T = 2048, h = 2560, D = 5120, N = 128, G = 1, Q = 256, H = 80, V = 50288;
    double gemm = h * (2 * D + 2 * G * N + H) + D * h;
    double states = 2 * T * N * D, cb = 2 * T * Q * N * G, intra = 2 * T * Q * D, ch = 2 * T * N * D;
    cr_expect_eq(states + cb + intra + ch, 10871635968.0);
    cr_expect_eq(f.forward, 64 * (2 * T * gemm + states + cb + intra + ch) + 2 * T * V * h);
    cr_expect_eq(f.backward, 64 * (2 * 2 * T * gemm + 3 * (states + cb) + 2 * (intra + ch)) + 2 * 2 * T * V * h);
    cr_expect_eq(f.components[LLMCOST_FC_SCORES], 64 * cb);
    cr_expect_eq(f.components[LLMCOST_FC_VALUES], 64 * (states + intra + ch));
    /* GEMMs from the parameter count: all but conv1d ((5120 + 256) x 4 + bias), dt_bias, A_log, D (3 x 80), the
     * gated norm (5120) and the block and final norms. */
    llmcost_params p;
    cr_assert_eq(llmcost_params_count(&p, m), 0);
    double conv = D + 2 * G * N;
    double not_gemm = 64 * (conv * 4 + conv + 3 * H + D + h) + h;
    cr_expect_eq(f.components[LLMCOST_FC_Q] + f.components[LLMCOST_FC_O] + f.components[LLMCOST_FC_LM_HEAD],
                 2 * T * ((double)p.total - not_gemm));
    /* A sequence that is not a whole number of chunks is padded to one: 2049 tokens run 9 chunks. */
    o.seq = 2049;
    cr_assert_eq(llmcost_flops_compute(&f, m, &o), 0);
    cr_expect_eq(f.components[LLMCOST_FC_SCORES], 64 * 2 * 9 * Q * Q * N * G);
    /* The causal convention changes nothing: the kernels compute whole chunks. */
    o.convention = LLMCOST_CONV_UNMASKED;
    llmcost_flops u;
    cr_assert_eq(llmcost_flops_compute(&u, m, &o), 0);
    cr_expect_eq(u.forward, f.forward);
    llmcost_model_free(m);
}

Test(flops_ssm, nemotron_h_8b_layers_cost_by_their_kind)
{
    /* nvidia/Nemotron-H-8B-Base-8K: 52 blocks by hybrid_override_pattern, 24 Mamba-2 (M), 4 attention (*), 24 MLP
     * (-); h 4096; Mamba-2 128 heads x 64 = 8192 wide, N 128, 8 groups, chunk 128 (NemotronHConfig's default);
     * attention 32 heads of 128 with 8 k/v heads, no rotary; MLP 4096 -> 21504 -> 4096 with relu2; untied head of
     * 131072. T = 8192 (one sequence, 64 chunks). */
    llmcost_model *m = load_model(src_path("tests/fixtures/configs/nemotron-h-8b.json"));
    llmcost_flops_options o = LLMCOST_FLOPS_OPTIONS_INIT;
    o.seq = 8192;
    llmcost_flops f;
    cr_assert_eq(llmcost_flops_compute(&f, m, &o), 0, "%s", llmcost_errmsg());
    double T = 8192, h = 4096, D = 8192, N = 128, G = 8, Q = 128, H = 128, V = 131072, F = 21504;
    double mamba = 2 * T * (h * (2 * D + 2 * G * N + H) + D * h) + 2 * T * (N * D + Q * N * G + Q * D + N * D);
    double attn_proj = 2 * T * h * (4096 + 2 * 1024 + 4096);
    double attn_core = 2 * 32 * (T * (T + 1) / 2) * (128 + 128); /* causal, the default convention */
    double mlp = 2 * T * 2 * h * F;
    cr_expect_eq(f.forward, 24 * mamba + 4 * (attn_proj + attn_core) + 24 * mlp + 2 * T * V * h);
    cr_expect_eq(f.components[LLMCOST_FC_MLP_DENSE_LAYERS], 24 * mlp);
    /* MLP blocks have no attention ops and attention blocks no MLP ops: one residual add each. */
    llmcost_op *ops;
    size_t n;
    cr_assert_eq(llmcost_flops_ops(&ops, &n, m, &o), 0);
    int adds[3] = {0}, layers[3] = {0, 7, 1}; /* "M", "*", "-" */
    for (size_t i = 0; i < n; i++)
        for (int k = 0; k < 3; k++)
            if (ops[i].layer == layers[k] && !strcmp(ops[i].name, "residual add"))
                adds[k]++;
    cr_expect_eq(adds[0], 1);
    cr_expect_eq(adds[1], 1);
    cr_expect_eq(adds[2], 1);
    llmcost_free(ops);
    llmcost_model_free(m);
}

Test(flops_ssm, jamba_mixer_runs_its_kernels_one_by_one)
{
    /* ai21labs/AI21-Jamba-1.5-Mini: h 4096, 32 layers; attention where i % 8 == 4 (4 layers: 32 heads of 128, 8 k/v
     * heads, no rotary), Mamba elsewhere (28); 16 experts of 14336 (top 2) where i % 2 == 1, a gated MLP of 14336
     * elsewhere; vocab 65536, untied. JambaMambaMixer: d = 2 x 4096 = 8192, N 16, dt rank 256, kernel 4. With the
     * kernels installed its cuda_kernels_forward runs in_proj, causal_conv1d_fn, x_proj, the dt/B/C RMSNorms,
     * dt_proj, selective_scan_fn and out_proj one by one. T = 4096 tokens. One mixer's GEMMs: in_proj 4096 x 16384
     * = 67,108,864, x_proj 8192 x 288 = 2,359,296, dt_proj 256 x 8192 = 2,097,152, out_proj 8192 x 4096 =
     * 33,554,432: 105,119,744 weights, 2 T each: 861,140,942,848 FLOPs forward. */
    llmcost_model *m = load_model(src_path("tests/fixtures/configs/jamba-1.5-mini.json"));
    cr_expect_null(llmcost_model_unmodelled(m));
    llmcost_flops_options o = LLMCOST_FLOPS_OPTIONS_INIT;
    o.seq = 4096;
    llmcost_flops f;
    cr_assert_eq(llmcost_flops_compute(&f, m, &o), 0, "%s", llmcost_errmsg());
    double T = 4096, h = 4096, D = 8192, N = 16, R = 256, K = 4, V = 65536, F = 14336, E = 16;
    double mixer = 2 * T * (h * 2 * D + D * (R + 2 * N) + R * D + D * h);
    cr_expect_eq(mixer, 861140942848.0);
    llmcost_op *ops;
    size_t n;
    cr_assert_eq(llmcost_flops_ops(&ops, &n, m, &o), 0);
    /* Layer 0 is a Mamba layer (0 % 8 != 4) with a dense MLP (0 % 2 != 1): its mixer's GEMMs, by name. */
    double mix0 = 0, mix0_bwd = 0, norms0 = 0, copies0 = 0, scan0 = 0, conv0 = 0;
    for (size_t i = 0; i < n; i++) {
        const llmcost_op *p = &ops[i];
        if (p->layer != 0)
            continue;
        const char *nm = p->name;
        if (!strcmp(nm, "in_proj") || !strcmp(nm, "x_proj") || !strcmp(nm, "dt_proj") || !strcmp(nm, "out_proj")) {
            mix0 += p->flops;
            mix0_bwd += p->bwd_flops;
        } else if (!strcmp(nm, "dt_layernorm") || !strcmp(nm, "b_layernorm") || !strcmp(nm, "c_layernorm")) {
            norms0 += p->flops;
        } else if (strstr(nm, "contiguous")) {
            copies0 += p->m;
        } else if (!strcmp(nm, "selective scan")) {
            scan0 += p->flops;
        } else if (!strcmp(nm, "conv1d+silu")) {
            conv0 += p->flops;
        }
    }
    cr_expect_eq(mix0, mixer);
    /* The first layer's in_proj reads the embedding, which trains: input and weight gradients, 2x. */
    cr_expect_eq(mix0_bwd, 2 * mixer);
    /* Element-wise, apart from the totals: three RMSNorms over R, N and N (5 FLOPs an element, as every RMSNorm),
     * the scan's copies of dt, z (2D) and B, C (2N) per token, the scan's 7N + 12 per channel, the conv 2K. */
    cr_expect_eq(norms0, 5 * T * (R + 2 * N));
    cr_expect_eq(copies0, T * (2 * D + 2 * N));
    cr_expect_eq(scan0, T * D * (7 * N + 12));
    cr_expect_eq(conv0, T * D * 2 * K);
    llmcost_free(ops);
    /* The whole model, part by part: 28 mixers, 4 attention layers (q, k, v, o and the causal core), 16 dense MLPs,
     * 16 mixtures (router 4096 x 16, 2 of 16 experts of 3 matrices per token), the head. */
    double attn_proj = 2 * T * h * (4096 + 2 * 1024 + 4096);
    double core = 2 * 32 * (T * (T + 1) / 2) * (128 + 128);
    double mlp = 2 * T * 3 * h * F, moe = 2 * T * h * E + 2 * T * 2 * 3 * h * F;
    cr_expect_eq(f.forward, 28 * mixer + 4 * (attn_proj + core) + 16 * mlp + 16 * moe + 2 * T * V * h);
    cr_expect_eq(f.forward, 97513071706112.0);
    /* Backward: every GEMM twice, the fused attention core 2.5x (it recomputes the scores). */
    cr_expect_eq(f.backward, 2 * (f.forward - 4 * core) + 4 * 2.5 * core);
    cr_expect_eq(f.components[LLMCOST_FC_Q], 28 * 2 * T * h * 2 * D + 4 * 2 * T * h * 4096);
    llmcost_model_free(m);
}

/* Qwen3-Next's Gated DeltaNet and gated attention (docs/formulas.md, "Gated DeltaNet: FLOPs"), from the shapes of a
 * small config and the products flash-linear-attention's chunk_gated_delta_rule runs per chunk. */
Test(flops_linear_attention, gated_deltanet_chunked_delta_rule_products)
{
    /* h 64, 4 layers, full_attention_interval 2: layers 0 and 2 Gated DeltaNet (G = 2 key heads of K = 8, H = 4
     * value heads of V = 8, d = 32, conv_dim 64, kernel 4; fla's chunk C = 64), layers 1 and 3 gated attention (4
     * heads of 16, 2 kv heads); layers 0-2 a sparse block (4 experts of 32, top 2, shared expert 48 and its gate),
     * layer 3 a dense SwiGLU of 96; vocab 100. One sequence of 128 tokens: 2 chunks. */
    llmcost_model *m = NULL;
    const char *cfg = "{\"model_type\": \"qwen3_next\", \"hidden_size\": 64, \"num_hidden_layers\": 4, "
                      "\"num_attention_heads\": 4, \"num_key_value_heads\": 2, \"head_dim\": 16, "
                      "\"intermediate_size\": 96, \"vocab_size\": 100, \"full_attention_interval\": 2, "
                      "\"linear_num_key_heads\": 2, \"linear_key_head_dim\": 8, "
                      "\"linear_num_value_heads\": 4, \"linear_value_head_dim\": 8, "
                      "\"linear_conv_kernel_dim\": 4, \"num_experts\": 4, \"num_experts_per_tok\": 2, "
                      "\"moe_intermediate_size\": 32, \"shared_expert_intermediate_size\": 48, "
                      "\"mlp_only_layers\": [3], \"partial_rotary_factor\": 0.25}";
    cr_assert_eq(llmcost_model_from_json(&m, cfg, strlen(cfg), "qwen3-next-small"), 0, "%s", llmcost_errmsg());
    llmcost_flops_options o = LLMCOST_FLOPS_OPTIONS_INIT;
    o.seq = 128;
    double T = 128, h = 64, K = 8, V = 8, H = 4, C = 64, d = 32, conv = 64;
    double heads = 2 * H; /* chunks x value heads */
    /* Per chunk and value head, forward (fla chunk_gated_delta_rule_fwd): k k^T 2C^2K; solve_tril's 16 products of
     * 16x16x16; w = A kbg and u = A vb, 2C^2(K + V); the state recurrence w h and k^T v_new, 4CKV; chunk_fwd_o's
     * q k^T 2C^2K, its product with v_new 2C^2V, and q h 2CKV. */
    double kk = 2 * C * C * K, tril = 16 * 2 * 16 * 16 * 16, wu = 2 * C * C * (K + V), rec = 4 * C * K * V;
    double qk = 2 * C * C * K, qkv = 2 * C * C * V, qh = 2 * C * K * V;
    double per = kk + tril + wu + rec + qk + qkv + qh;
    cr_expect_eq(per, 483328.0);
    cr_expect_eq(per, 6 * C * C * K + 4 * C * C * V + 6 * C * K * V + C * C * C / 2);
    /* Backward (chunk_gated_delta_rule_bwd): recompute_w_u_fwd 2C^2(K + V), fwd_h again 4CKV, chunk_bwd_dv_local
     * (k q^T, A do) 2C^2K + 2C^2V, bwd_dhu (k dh, q^T do, w^T dv) 6CKV, chunk_bwd_dqkwg (do v^T, do h, v dh, dv h,
     * ds k, ds^T q) 2C^2V + 6CKV + 4C^2K, prepare_wy_repr_bwd (dw kbg^T, A dw, du vb^T, A du, dA A, A dA, kb k^T,
     * dA k, dA^T kb) 10C^2K + 4C^2V + 4C^3. */
    double per_bwd = 2 * C * C * (K + V) + 4 * C * K * V + 2 * C * C * K + 2 * C * C * V + 6 * C * K * V +
                     2 * C * C * V + 6 * C * K * V + 4 * C * C * K + 10 * C * C * K + 4 * C * C * V + 4 * C * C * C;
    cr_expect_eq(per_bwd, 18 * C * C * K + 10 * C * C * V + 16 * C * K * V + 4 * C * C * C);
    llmcost_op *ops;
    size_t n;
    cr_assert_eq(llmcost_flops_ops(&ops, &n, m, &o), 0, "%s", llmcost_errmsg());
    double kern = 0, kern_bwd = 0, gemm0 = 0;
    for (size_t i = 0; i < n; i++) {
        if (ops[i].layer != 0 || ops[i].kind != LLMCOST_OP_MATMUL)
            continue;
        if (!strncmp(ops[i].name, "gdn ", 4)) {
            kern += ops[i].flops;
            kern_bwd += ops[i].bwd_flops;
        } else if (strcmp(ops[i].name, "router") && strncmp(ops[i].name, "shared", 6) && strcmp(ops[i].name, "gate_proj") &&
                   strcmp(ops[i].name, "up_proj") && strcmp(ops[i].name, "down_proj")) {
            gemm0 += ops[i].flops;
        }
    }
    cr_expect_eq(kern, heads * per);
    cr_expect_eq(kern_bwd, heads * per_bwd);
    /* The projections: in_proj_qkvz h -> conv_dim + d, in_proj_ba h -> 2H, out_proj d -> h. */
    double proj = 2 * T * (h * (conv + d) + h * 2 * H + d * h);
    cr_expect_eq(gemm0, proj);
    llmcost_free(ops);
    /* The whole model: 2 mixers, 2 gated attention layers (q_proj with its gate 64 -> 2 x 64, k and v 64 -> 32, o
     * 64 -> 64, the causal core over 4 heads of 16), 3 sparse blocks (router 64 -> 4, 2 of 4 experts of 3 x 64 x 32,
     * the shared expert 3 x 64 x 48 and its gate 64 -> 1), the dense SwiGLU 3 x 64 x 96, the head 64 -> 100. */
    llmcost_flops f;
    cr_assert_eq(llmcost_flops_compute(&f, m, &o), 0, "%s", llmcost_errmsg());
    double attn = 2 * T * h * (2 * 64 + 32 + 32 + 64) + 2 * 4 * (T * (T + 1) / 2) * (16 + 16);
    double moe = 2 * T * h * 4 + 2 * T * 2 * 3 * h * 32 + 2 * T * 3 * h * 48 + 2 * T * h;
    cr_expect_eq(f.forward, 2 * (proj + heads * per) + 2 * attn + 3 * moe + 2 * T * 3 * h * 96 + 2 * T * 100 * h);
    llmcost_model_free(m);
}

/* Falcon-H1 and Zamba2 (docs/formulas.md, "Falcon-H1 and Zamba2"): layers that run attention and a Mamba-2 mixer side
 * by side, and shared transformer blocks invoked by several layers, costed from the per-kind pieces. */
Test(flops_hybrid, falcon_h1_7b_attention_and_mamba2_side_by_side)
{
    /* tiiuae/Falcon-H1-7B-Base: h 3072, 44 layers, each FalconH1DecoderLayer: attention (12 heads of 128, 2 k/v
     * heads, full rotary) and a Mamba-2 mixer (mamba_d_ssm 3072 = 24 heads x 128, 1 group of N 256, chunk 256, no
     * gated norm) on the same norm's output, then a gated MLP of 12288; vocab 130049, untied. T = 4096 (one
     * sequence, 16 chunks). Matrix products per layer, forward:
     *   attention q, k, v, o   2T h (1536 + 256 + 256) + 2T 1536 h
     *   attention core         2 x 12 x T(T+1)/2 x (128 + 128)                      (causal)
     *   mixer in_proj          2T h (2 x 3072 + 2 x 256 + 24), out_proj 2T 3072 h
     *   SSD                    2T (N D + Q N G + Q D + N D)
     *   MLP                    2T 3 h f
     * and the head 2T V h, the rotary table 2 x 64 x 4096. */
    llmcost_model *m = load_model(src_path("tests/fixtures/configs/falcon-h1-7b.json"));
    cr_assert_null(llmcost_model_unmodelled(m));
    llmcost_flops_options o = LLMCOST_FLOPS_OPTIONS_INIT;
    o.seq = 4096;
    llmcost_flops f;
    cr_assert_eq(llmcost_flops_compute(&f, m, &o), 0, "%s", llmcost_errmsg());
    double T = 4096, h = 3072, V = 130049, F = 12288, D = 3072, N = 256, G = 1, Q = 256, H = 24;
    double A = 12, KV = 2, d = 128, pairs = T * (T + 1) / 2;
    double attn_proj = 2 * T * h * (A * d + 2 * KV * d) + 2 * T * A * d * h;
    double core = 2 * A * pairs * (d + d);
    double mixer = 2 * T * h * (2 * D + 2 * G * N + H) + 2 * T * D * h;
    double ssd_re = 2 * T * N * D + 2 * T * Q * N * G, ssd = 2 * T * Q * D + 2 * T * N * D; /* recomputed, not */
    double mlp = 2 * T * 3 * h * F, head = 2 * T * V * h, rope = 2 * 64 * T;
    cr_expect_eq(f.forward, 44 * (attn_proj + core + mixer + ssd_re + ssd + mlp) + head + rope);
    /* Backward: 2x every GEMM, 2.5x the fused attention core, 3x the SSD products the kernel computes again. */
    cr_expect_eq(f.backward, 44 * (2 * (attn_proj + mixer + mlp) + 2.5 * core + 3 * ssd_re + 2 * ssd) + 2 * head);
    /* The q component holds q_proj and in_proj, the o component o_proj and out_proj. */
    cr_expect_eq(f.components[LLMCOST_FC_Q], 44 * 2 * T * h * (A * d + 2 * D + 2 * G * N + H));
    cr_expect_eq(f.components[LLMCOST_FC_O], 44 * 2 * T * (A * d + D) * h);
    /* GEMM weights from the parameter count (derivation in data/validation/configs.json): every matrix of a layer
     * is applied once per token. */
    llmcost_params p;
    cr_assert_eq(llmcost_params_count(&p, m), 0);
    double conv = D + 2 * G * N, not_gemm = 44 * (conv * 4 + conv + 3 * H + 2 * h) + h + V * h; /* + the embedding */
    cr_expect_eq(f.components[LLMCOST_FC_Q] + f.components[LLMCOST_FC_KV] + f.components[LLMCOST_FC_O] +
                     f.components[LLMCOST_FC_MLP_DENSE_LAYERS] + f.components[LLMCOST_FC_LM_HEAD],
                 2 * T * ((double)p.total - not_gemm));
    /* The uP multipliers are one element-wise op each: eight per layer over their tensors, two on the model. */
    llmcost_op *ops;
    size_t n;
    cr_assert_eq(llmcost_flops_ops(&ops, &n, m, &o), 0);
    static const char *const mult[] = {"ssm_in_multiplier", "mup_vector", "ssm_out_multiplier",
                                       "attention_in_multiplier", "key_multiplier", "attention_out_multiplier",
                                       "gate_multiplier", "down_multiplier"};
    const double elems[] = {T * h, T * (2 * D + 2 * G * N + H), T * h, T * h, T * KV * d, T * h, T * F, T * h};
    int found = 0, model_level = 0, adds = 0;
    for (size_t i = 0; i < n; i++) {
        if (ops[i].layer == 1) {
            for (int k = 0; k < 8; k++)
                if (!strcmp(ops[i].name, mult[k])) {
                    found++;
                    cr_expect_eq(ops[i].m, elems[k], "%s", mult[k]);
                    cr_expect_eq(ops[i].kernels, 1);
                }
            adds += !strcmp(ops[i].name, "residual add") + !strcmp(ops[i].name, "mixer+attention add");
        }
        model_level += !strcmp(ops[i].name, "embedding_multiplier") || !strcmp(ops[i].name, "lm_head_multiplier");
    }
    cr_expect_eq(found, 8);
    cr_expect_eq(model_level, 2);
    cr_expect_eq(adds, 3); /* the two branches summed, two residual adds */
    llmcost_free(ops);
    llmcost_model_free(m);
}

Test(flops_hybrid, zamba2_2_7b_shared_blocks_cost_per_invocation)
{
    /* Zyphra/Zamba2-2.7B: 54 Mamba-2 layers (h 2560, d 5120 = 80 heads x 64, 1 group of N 64, chunk 256), 9 of them
     * "hybrid" (6, 12, ..., 42, 47, 51) each invoking one of 2 shared blocks: the input concatenated with the
     * embedding (w = 5120), q, k, v 5120 -> 5120 (32 heads of 160, 32 k/v heads), o 5120 -> 2560, no rotary
     * (use_mem_rope false), gate_up 2560 -> 20480 plus its adapter 2560 -> 128 -> 20480, down 10240 -> 2560, then
     * the layer's Linear(2560, 2560). Vocab 32000, tied. T = 4096. Each invocation costs in full; the weights are
     * counted once. */
    llmcost_model *m = load_model(src_path("tests/fixtures/configs/zamba2-2.7b.json"));
    cr_assert_null(llmcost_model_unmodelled(m));
    llmcost_flops_options o = LLMCOST_FLOPS_OPTIONS_INIT;
    o.seq = 4096;
    llmcost_flops f;
    cr_assert_eq(llmcost_flops_compute(&f, m, &o), 0, "%s", llmcost_errmsg());
    double T = 4096, h = 2560, V = 32000, D = 5120, N = 64, G = 1, Q = 256, H = 80;
    double w = 5120, A = 32, d = 160, f2 = 10240, r = 128, pairs = T * (T + 1) / 2;
    double mixer = 2 * T * (h * (2 * D + 2 * G * N + H) + D * h);
    double ssd_re = 2 * T * N * D + 2 * T * Q * N * G, ssd = 2 * T * Q * D + 2 * T * N * D;
    double qkv = 2 * T * w * 3 * A * d, o_proj = 2 * T * A * d * h, core = 2 * A * pairs * (d + d);
    double mlp = 2 * T * (h * 2 * f2 + f2 * h), adapter = 2 * T * (h * r + r * 2 * f2), linear = 2 * T * h * h;
    double block = qkv + o_proj + mlp + adapter + linear;
    double head = 2 * T * V * h;
    cr_expect_eq(f.forward, 54 * (mixer + ssd_re + ssd) + 9 * (block + core) + head);
    cr_expect_eq(f.backward, 54 * (2 * mixer + 3 * ssd_re + 2 * ssd) + 9 * (2 * block + 2.5 * core) + 2 * head);
    cr_expect_eq(f.components[LLMCOST_FC_MLP_DENSE_LAYERS], 9 * (mlp + adapter));
    /* The other convention: the 9 invocations' cores over all T^2 pairs, as any attention's. */
    cr_expect_eq(f.forward_unmasked - f.forward_causal, 9 * 2 * A * (T * T - pairs) * (d + d));
    /* From the parameter count (data/validation/configs.json): the 54 mixers' GEMM weights once each, the shared
     * blocks' 9 times (2 blocks, invoked 5 and 4 times), each invocation's adapter and Linear once. */
    llmcost_params p;
    cr_assert_eq(llmcost_params_count(&p, m), 0);
    double conv = D + 2 * G * N;
    double mixers = 54 * (h * (2 * D + 2 * G * N + H) + D * h);
    cr_expect_eq(54 * (conv * 5 + 3 * H + D + h) + mixers + h + V * h + 2 * (w + h + w * 3 * A * d + A * d * h +
                 3 * h * f2) + 9 * (h * r + r * 2 * f2 + h * h), (double)p.total);
    cr_expect_eq(f.components[LLMCOST_FC_Q] + f.components[LLMCOST_FC_KV] + f.components[LLMCOST_FC_O] +
                     f.components[LLMCOST_FC_MLP_DENSE_LAYERS] + f.components[LLMCOST_FC_LM_HEAD],
                 2 * T * (mixers + 9 * (w * 3 * A * d + A * d * h + 3 * h * f2 + h * r + r * 2 * f2 + h * h) + V * h));
    /* Hybrid and plain Mamba layers are distinct kinds: a hybrid layer's ops hold the block, a plain one's do not. */
    llmcost_op *ops;
    size_t n;
    cr_assert_eq(llmcost_flops_ops(&ops, &n, m, &o), 0);
    int in6 = 0, in5 = 0;
    for (size_t i = 0; i < n; i++) {
        in6 += ops[i].layer == 6 && ops[i].kind == LLMCOST_OP_ATTENTION;
        in5 += ops[i].layer == 5 && ops[i].kind == LLMCOST_OP_ATTENTION;
    }
    cr_expect_eq(in6, 1);
    cr_expect_eq(in5, 0);
    llmcost_free(ops);
    llmcost_model_free(m);
}

Test(flops_hybrid, zamba2_attention_adapters_and_rotary_per_invocation)
{
    /* A small Zamba2 (modular_zamba2.py) with every option of the shared block on: h 32, layers hybrid, mamba,
     * hybrid (two invocations of two of the three num_mem_blocks), the block's attention 4 heads of 2h/4 = 16 over
     * w = 64 channels with q, k and v adapters of rank 4 (use_shared_attention_adapter) and rotary (use_mem_rope),
     * MLP 48; mixer d 64 = 4 heads x 16, 1 group of N 8, chunk 256; vocab 50, tied. T = 512 (2 chunks). Per
     * invocation: q, k, v 2T 64 x 64 each, their adapters 2T (64 x 4 + 4 x 64) each, o 2T 64 x 32, gate_up 2T 32 x
     * 96 and its adapter 2T (32 x 4 + 4 x 96), down 2T 48 x 32, the Linear 2T 32 x 32, the core 2 x 4 x T(T+1)/2 x
     * 32; the rotary table 2 x 8 x 512 (head_dim 16). */
    const char *cfg = "{\"model_type\": \"zamba2\", \"hidden_size\": 32, \"num_hidden_layers\": 3, "
                      "\"layers_block_type\": [\"hybrid\", \"mamba\", \"hybrid\"], \"num_mem_blocks\": 3, "
                      "\"num_attention_heads\": 4, \"intermediate_size\": 48, \"adapter_rank\": 4, "
                      "\"use_shared_attention_adapter\": true, \"use_mem_rope\": true, \"n_mamba_heads\": 4, "
                      "\"mamba_d_state\": 8, \"vocab_size\": 50}";
    llmcost_model *m = NULL;
    cr_assert_eq(llmcost_model_from_json(&m, cfg, strlen(cfg), "zamba2"), 0, "%s", llmcost_errmsg());
    llmcost_flops_options o = LLMCOST_FLOPS_OPTIONS_INIT;
    o.seq = 512;
    llmcost_flops f;
    cr_assert_eq(llmcost_flops_compute(&f, m, &o), 0, "%s", llmcost_errmsg());
    double T = 512, h = 32, D = 64, N = 8, Q = 256, H = 4, w = 64, r = 4, F = 48, V = 50;
    double mixer = 2 * T * (h * (2 * D + 2 * N + H) + D * h);
    double ssd_re = 2 * T * N * D + 2 * T * Q * N, ssd = 2 * T * Q * D + 2 * T * N * D;
    double block = 3 * 2 * T * w * w + 3 * 2 * T * (w * r + r * w) + 2 * T * w * h + 2 * T * (h * 2 * F + F * h) +
                   2 * T * (h * r + r * 2 * F) + 2 * T * h * h;
    double core = 2 * 4 * (T * (T + 1) / 2) * (16 + 16);
    double head = 2 * T * V * h, rope = 2 * 8 * T;
    cr_expect_eq(f.forward, 3 * (mixer + ssd_re + ssd) + 2 * (block + core) + head + rope);
    cr_expect_eq(f.backward, 3 * (2 * mixer + 3 * ssd_re + 2 * ssd) + 2 * (2 * block + 2.5 * core) + 2 * head);
    /* Rotary on q and k in each invocation; the layer without a block has no attention op. */
    llmcost_op *ops;
    size_t n;
    cr_assert_eq(llmcost_flops_ops(&ops, &n, m, &o), 0);
    int rot[3] = {0}, attn[3] = {0};
    for (size_t i = 0; i < n; i++)
        if (ops[i].layer >= 0 && ops[i].layer < 3) {
            rot[ops[i].layer] += ops[i].role == LLMCOST_ROLE_ROTARY;
            attn[ops[i].layer] += ops[i].kind == LLMCOST_OP_ATTENTION;
        }
    cr_expect(rot[0] == 1 && rot[1] == 0 && rot[2] == 1);
    cr_expect(attn[0] == 1 && attn[1] == 0 && attn[2] == 1);
    llmcost_free(ops);
    llmcost_model_free(m);
}

/* MiniMax's lightning attention as transformers' MiniMaxLightningAttention runs it (docs/formulas.md, "Lightning
 * attention: FLOPs"): the Python loop's products block by block, from the shapes. */
Test(flops_linear_attention, lightning_attention_block_loop_products)
{
    /* h 64, layer 0 lightning (H = 4 heads of d = 16, D = 64, block_size B = 8), layer 1 softmax attention (4 heads
     * of 16, 2 kv heads); 4 experts of 32, top 2; vocab 100. One sequence of 20 tokens: blocks of 8, 8 and 4. */
    llmcost_model *m = NULL;
    const char *cfg = "{\"model_type\": \"minimax\", \"hidden_size\": 64, \"num_hidden_layers\": 2, "
                      "\"num_attention_heads\": 4, \"num_key_value_heads\": 2, \"head_dim\": 16, "
                      "\"intermediate_size\": 32, \"vocab_size\": 100, \"num_local_experts\": 4, "
                      "\"num_experts_per_tok\": 2, \"block_size\": 8, "
                      "\"layer_types\": [\"linear_attention\", \"full_attention\"]}";
    cr_assert_eq(llmcost_model_from_json(&m, cfg, strlen(cfg), "minimax-small"), 0, "%s", llmcost_errmsg());
    llmcost_flops_options o = LLMCOST_FLOPS_OPTIONS_INIT;
    o.seq = 20;
    double T = 20, h = 64, H = 4, d = 16, D = 64;
    const double blocks[] = {8, 8, 4};
    /* Per head and block of Bi tokens: q k^T 2 Bi^2 d and (S * decay) v 2 Bi^2 d, both inputs' gradients in
     * backward (2x); (q * query_decay) KV 2 Bi d^2, block 0 against the zero state (q's gradient only: 1x), the others
     * 2x; the state update (k * key_decay)^T v 2 Bi d^2, 2x but the last block's, whose state reaches no loss (0). */
    double fwd = 0, bwd = 0;
    for (int i = 0; i < 3; i++) {
        double bi = blocks[i], intra = 2 * bi * bi * d, inter = 2 * bi * d * d;
        fwd += 2 * intra + 2 * inter;
        bwd += 2 * 2 * intra + (i == 0 ? 1 : 2) * inter + (i == 2 ? 0 : 2) * inter;
    }
    cr_expect_eq(H * fwd, 118784.0);
    cr_expect_eq(H * bwd, 204800.0);
    llmcost_op *ops;
    size_t n;
    cr_assert_eq(llmcost_flops_ops(&ops, &n, m, &o), 0, "%s", llmcost_errmsg());
    double core = 0, core_bwd = 0, launches = 0, proj = 0, slice_k = -1;
    for (size_t i = 0; i < n; i++) {
        if (ops[i].layer != 0)
            continue;
        if (ops[i].kind == LLMCOST_OP_MATMUL && !strncmp(ops[i].name, "lightning ", 10)) {
            core += ops[i].flops;
            core_bwd += ops[i].bwd_flops;
            launches += ops[i].kernels;
        } else if (ops[i].kind == LLMCOST_OP_MATMUL && (!strcmp(ops[i].name, "qkv_proj") ||
                   !strcmp(ops[i].name, "output_gate") || !strcmp(ops[i].name, "out_proj"))) {
            proj += ops[i].flops;
        } else if (!strcmp(ops[i].name, "lightning block slice grads")) {
            slice_k = ops[i].bwd_kernels;
        }
    }
    cr_expect_eq(core, H * fwd);
    cr_expect_eq(core_bwd, H * bwd);
    cr_expect_eq(launches, 4 * 3); /* four torch.matmul a block */
    /* qkv_proj h -> 3D, output_gate h -> D, out_proj D -> h */
    cr_expect_eq(proj, 2 * T * (h * 3 * D + h * D + D * h));
    /* SliceBackward0: per block and per q, k, v one whole-size zero fill and one copy, and the sum of the blocks'
     * whole-size gradients (one add fewer than blocks) */
    cr_expect_eq(slice_k, 3 * (2 * 3 + 2));
    llmcost_free(ops);
    /* The whole forward: the lightning layer, the softmax layer (q 64 -> 64, k and v 64 -> 32, o, the causal core),
     * two sparse blocks (router 64 -> 4, 2 of 4 experts of 3 x 64 x 32) and the head 64 -> 100. */
    llmcost_flops f;
    cr_assert_eq(llmcost_flops_compute(&f, m, &o), 0, "%s", llmcost_errmsg());
    double attn = 2 * T * h * (64 + 32 + 32 + 64) + 2 * 4 * (T * (T + 1) / 2) * (16 + 16);
    double moe = 2 * T * h * 4 + 2 * T * 2 * 3 * h * 32;
    cr_expect_eq(f.forward, 2 * T * (h * 3 * D + h * D + D * h) + H * fwd + attn + 2 * moe + 2 * T * 100 * h);
    llmcost_model_free(m);
}
