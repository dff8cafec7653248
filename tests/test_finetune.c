/* test_finetune.c - fine-tuning's counts against derivations written here from the models' shapes, and PEFT's
 * published print_trainable_parameters() figures; the storage of quantised bases against bitsandbytes' and AWQ's
 * layouts derived by hand; refusals of names a model does not have, and of flags that do not apply. */
#include <criterion/criterion.h>
#include <jansson.h>
#include <string.h>

#include "helpers.h"
#include "llmcost/llmcost.h"

static llmcost_finetune_params count(const char *model, llmcost_finetune ft, const char *targets)
{
    llmcost_model *m = load_model(model);
    if (targets)
        cr_assert_eq(llmcost_lora_targets_parse(&ft.targets, m, targets), 0, "%s", llmcost_errmsg());
    llmcost_finetune_params fp;
    cr_assert_eq(llmcost_finetune_count(&fp, m, &ft), 0, "%s", llmcost_errmsg());
    llmcost_model_free(m);
    return fp;
}

static llmcost_finetune lora(int64_t rank)
{
    llmcost_finetune ft = LLMCOST_FINETUNE_INIT;
    ft.method = LLMCOST_FT_LORA;
    ft.rank = rank;
    return ft;
}

Test(finetune_counts, llama_2_7b_q_v_rank_8_is_peft_published_figure)
{
    /* Llama-2-7b: hidden 4096, 32 heads of 128 (q and v both 4096 -> 4096), 32 layers. r = 8 on q_proj, v_proj:
     * 32 x 2 x 8 x (4096 + 4096) = 4,194,304. PEFT's print_trainable_parameters() in llama-recipes' QLoRA run
     * (finetuning.py --use_peft --peft_method lora, its default lora_config r=8, target_modules q_proj, v_proj):
     * "trainable params: 4,194,304 || all params: 6,742,609,920". PEFT's "all" adds the adapters to the base. */
    llmcost_finetune_params fp = count("llama-2-7b", lora(8), "q_proj,v_proj");
    cr_expect_eq(fp.trainable, 4194304);
    cr_expect_eq(fp.base + fp.trainable, 6742609920LL);
    cr_expect_eq(fp.frozen, fp.base);
    cr_expect_eq(fp.adapted_matrices[LLMCOST_LR_Q], 32);
    cr_expect_eq(fp.adapter[LLMCOST_LR_V], 2097152);
    /* The default targets of model_type llama are PEFT's: q_proj, v_proj; the default rank 8. */
    llmcost_finetune ft = lora(0);
    llmcost_finetune_params d = count("llama-2-7b", ft, NULL);
    cr_expect_eq(d.trainable, 4194304);
}

Test(finetune_counts, llama_3_8b_rank_16_attention_and_all_linear)
{
    /* Llama-3-8B: hidden 4096, 32 query heads and 8 kv heads of 128 (k and v 4096 -> 1024), MLP 14336, 32 layers.
     * r = 16 on q, k, v, o: q 16 x 8192 = 131,072; k, v 16 x 5120 = 81,920 each; o 131,072; per layer 425,984;
     * x 32 = 13,631,488. */
    llmcost_finetune_params fp = count("llama-3-8b", lora(16), "q_proj,k_proj,v_proj,o_proj");
    cr_expect_eq(fp.trainable, 13631488);
    cr_expect_eq(fp.adapter[LLMCOST_LR_K], 32 * 81920);
    /* all-linear adds gate, up (16 x (4096 + 14336) = 294,912 each) and down (the same): per layer 425,984 +
     * 884,736 = 1,310,720; x 32 = 41,943,040. PEFT's print_trainable_parameters() for this LoraConfig (r=16,
     * the seven projections) is reproduced as "trainable params: 41,943,040 || all params: 8,072,204,288". */
    llmcost_finetune_params all = count("llama-3-8b", lora(16), "all-linear");
    cr_expect_eq(all.trainable, 41943040);
    cr_expect_eq(all.base + all.trainable, 8072204288LL);
    llmcost_finetune_params named = count("llama-3-8b", lora(16), "q_proj,k_proj,v_proj,o_proj,gate_proj,up_proj,down_proj");
    cr_expect_eq(named.trainable, all.trainable);
}

Test(finetune_counts, chatglm3_default_target_is_peft_published_figure)
{
    /* ChatGLM3-6B (its modeling_chatglm.py): 28 layers, hidden 4096, query_key_value 4096 -> 32 x 128 + 2 x 2 x 128
     * = 4608 (multi_query_group_num 2), PEFT's default target for chatglm. r = 8: 28 x 8 x (4096 + 4608) =
     * 1,949,696. THUDM's finetune demo prints "trainable params: 1,949,696 || all params: 6,245,533,696". */
    llmcost_finetune_params fp = count(src_path("tests/fixtures/configs/chatglm3-6b.json"), lora(8), NULL);
    cr_expect_eq(fp.trainable, 1949696);
    cr_expect_eq(fp.base + fp.trainable, 6245533696LL);
    /* dense_h_to_4h holds gate and up together: 4096 -> 2 x 13696. */
    llmcost_finetune_params up = count(src_path("tests/fixtures/configs/chatglm3-6b.json"), lora(8), "dense_h_to_4h");
    cr_expect_eq(up.trainable, 28LL * 8 * (4096 + 2 * 13696));
}

Test(finetune_counts, internlm2_fused_wqkv)
{
    /* InternLM2.5-7B: 32 layers, hidden 4096, 32 query and 8 kv heads of 128: wqkv 4096 -> (32 + 2 x 8) x 128 = 6144;
     * w1, w3 4096 -> 14336, w2 back. r = 8 on wqkv: 32 x 8 x (4096 + 6144) = 2,621,440; on w1,w2,w3 three times
     * 32 x 8 x (4096 + 14336) = 14,155,776. PEFT has no default for the type: targets must be given. */
    const char *path = src_path("tests/fixtures/configs/internlm2_5-7b-chat.json");
    cr_expect_eq(count(path, lora(8), "wqkv").trainable, 2621440);
    cr_expect_eq(count(path, lora(8), "w1,w2,w3").trainable, 14155776);
    llmcost_model *m = load_model(path);
    uint32_t mask;
    cr_expect_eq(llmcost_lora_targets_default(&mask, m), LLMCOST_EUNSUPPORTED);
    cr_expect_eq(llmcost_lora_targets_parse(&mask, m, "q_proj"), LLMCOST_EINVAL);
    llmcost_model_free(m);
}

Test(finetune_counts, dora_adds_a_magnitude_per_output)
{
    /* DoRA (PEFT's lora_magnitude_vector): out entries per adapted matrix: q 4096 + v 1024, x 32 = 163,840. */
    llmcost_finetune ft = lora(16);
    ft.variant = LLMCOST_LORA_DORA;
    llmcost_finetune_params fp = count("llama-3-8b", ft, "q_proj,v_proj");
    cr_expect_eq(fp.magnitude, 163840);
    cr_expect_eq(fp.lora_ab, 32 * (131072 + 81920));
    cr_expect_eq(fp.trainable, fp.lora_ab + 163840);
}

Test(finetune_counts, gpt2_fused_qkv_and_a_name_shared_by_two_matrices)
{
    /* GPT-2: hidden 768, c_attn 768 -> 2304 (PEFT's default target for gpt2), 12 layers. r = 8: 8 x 3072 x 12 =
     * 294,912; PEFT's published "trainable params: 294,912 || all params: 124,734,720" (124,439,808 + 294,912). */
    llmcost_finetune_params fp = count("gpt2", lora(8), NULL);
    cr_expect_eq(fp.trainable, 294912);
    cr_expect_eq(fp.base + fp.trainable, 124734720);
    /* "c_proj" names both the attention output (768 -> 768) and the MLP's down projection (3072 -> 768), as PEFT's
     * suffix match selects both: 12 x 8 x (1536 + 3840) = 516,096. */
    llmcost_finetune_params cp = count("gpt2", lora(8), "c_proj");
    cr_expect_eq(cp.trainable, 516096);
    cr_expect_eq(cp.adapted_matrices[LLMCOST_LR_O], 12);
    cr_expect_eq(cp.adapted_matrices[LLMCOST_LR_MLP_DOWN], 12);
}

Test(finetune_counts, mixtral_experts_and_router)
{
    /* Mixtral-8x7B: hidden 4096, kv 1024, 8 experts of 14336 (w1 gate, w3 up, w2 down), 32 layers; the router
     * "gate" is Linear(4096, 8). r = 8 on w1: 8 x (4096 + 14336) x 8 experts x 32 = 37,748,736. */
    llmcost_finetune_params w1 = count("mixtral-8x7b", lora(8), "w1");
    cr_expect_eq(w1.trainable, 37748736);
    cr_expect_eq(w1.adapted_matrices[LLMCOST_LR_EXPERT_GATE], 256);
    /* all-linear: attention 8 x (8192 + 5120 + 5120 + 8192) = 212,992, experts 3 x 8 x 147,456 = 3,538,944, router
     * 8 x (4096 + 8) = 32,832 per layer; x 32 = 121,112,576. */
    llmcost_finetune_params all = count("mixtral-8x7b", lora(8), "all-linear");
    cr_expect_eq(all.trainable, 121112576);
}

Test(finetune_counts, mla_names_follow_the_query_latent)
{
    /* DeepSeek-V2-Lite has no query latent (q_lora_rank 0): q_proj exists, q_a_proj does not. */
    llmcost_model *m = load_model("deepseek-v2-lite");
    uint32_t mask = 0;
    cr_expect_eq(llmcost_lora_targets_parse(&mask, m, "q_proj,kv_a_proj_with_mqa,kv_b_proj"), 0, "%s", llmcost_errmsg());
    cr_expect_eq(llmcost_lora_targets_parse(&mask, m, "q_a_proj"), LLMCOST_EINVAL);
    cr_expect(strstr(llmcost_errmsg(), "'q_a_proj' is not a Linear module of deepseek-v2-lite") != NULL, "%s",
              llmcost_errmsg());
    llmcost_model_free(m);
    /* DeepSeek-V3 has one (q_lora_rank 1536): q_a_proj hidden 7168 -> 1536, q_b_proj 1536 -> 128 x 192, 61 layers.
     * r = 8: 61 x 8 x ((7168 + 1536) + (1536 + 24576)) = 61 x 8 x 34,816 = 16,990,208. */
    m = load_model("deepseek-v3");
    cr_expect_eq(llmcost_lora_targets_parse(&mask, m, "q_proj"), LLMCOST_EINVAL);
    llmcost_model_free(m);
    llmcost_finetune_params fp = count("deepseek-v3", lora(8), "q_a_proj,q_b_proj");
    cr_expect_eq(fp.trainable, 16990208);
}

Test(finetune_counts, fused_experts_are_not_modules)
{
    /* gpt-oss's experts and router are plain parameters: all-linear is its attention only. */
    llmcost_model *m = load_model("gpt-oss-20b");
    uint32_t mask = 0;
    cr_assert_eq(llmcost_lora_targets_parse(&mask, m, "all-linear"), 0, "%s", llmcost_errmsg());
    cr_expect_eq(mask, (1u << LLMCOST_LR_Q) | (1u << LLMCOST_LR_K) | (1u << LLMCOST_LR_V) | (1u << LLMCOST_LR_O));
    cr_expect_eq(llmcost_lora_targets_parse(&mask, m, "gate_proj"), LLMCOST_EINVAL);
    llmcost_model_free(m);
}

/* Llama-3-8B's quantised Linears: per layer q, o 4096 x 4096, k, v 4096 x 1024, gate, up, down 4096 x 14336, every
 * count a multiple of 64: 218,103,808 per layer, 6,979,321,856 in the 32 layers (224 matrices). */
#define L3_QUANT 6979321856LL

static llmcost_finetune qlora(llmcost_quant q)
{
    llmcost_finetune ft = LLMCOST_FINETUNE_INIT;
    ft.method = LLMCOST_FT_QLORA;
    ft.rank = 16;
    ft.quant = q;
    return ft;
}

Test(finetune_storage, nf4_absmax_blocks_and_double_quant)
{
    llmcost_finetune_params fp = count("llama-3-8b", qlora(LLMCOST_QUANT_NF4), "all-linear");
    cr_expect_eq(fp.quantized_params, L3_QUANT);
    cr_expect_eq(fp.quant_weight_bytes, L3_QUANT / 2);
    /* An fp32 absmax per 64 values (n / 16 bytes) and a 16-entry fp32 code (64 bytes) per matrix. */
    cr_expect_eq(fp.quant_scale_bytes, L3_QUANT / 16 + 224 * 64);
    /* The rest in 16 bits: embedding and head 2 x 128256 x 4096, norms 65 x 4096. */
    cr_expect_eq(fp.dense_params, 2LL * 128256 * 4096 + 65 * 4096);
    cr_expect_eq(fp.dense_bytes, 2 * fp.dense_params);
    cr_expect_eq(fp.frozen_bytes, fp.quant_weight_bytes + fp.quant_scale_bytes + fp.dense_bytes);
    cr_expect_eq(fp.adapter_bytes, 4 * 41943040LL);
    /* Double quant: a uint8 per block (n / 64), an fp32 absmax per 256 blocks (per layer q, o 1,024, k, v 256,
     * each MLP matrix 3,584: 13,312 blocks of blocks, 53,248 bytes; x 32 = 1,703,936), the fp32 offset and the code
     * (68 bytes per matrix). */
    llmcost_finetune dq = qlora(LLMCOST_QUANT_NF4);
    dq.double_quant = true;
    llmcost_finetune_params d = count("llama-3-8b", dq, "all-linear");
    cr_expect_eq(d.quant_scale_bytes, L3_QUANT / 64 + 1703936 + 224 * 68);
    cr_expect_eq(d.quant_weight_bytes, fp.quant_weight_bytes);
    /* QLoRA without --quant is NF4. */
    llmcost_finetune_params dflt = count("llama-3-8b", qlora(LLMCOST_QUANT_NONE), "all-linear");
    cr_expect_eq(dflt.quant_scale_bytes, fp.quant_scale_bytes);
}

Test(finetune_storage, int8_rows_and_int4_groups)
{
    /* LLM.int8: a byte per weight, an fp32 scale per output row (per layer 4096 + 1024 + 1024 + 4096 + 14336 +
     * 14336 + 4096 = 43,008 rows). */
    llmcost_finetune_params i8 = count("llama-3-8b", qlora(LLMCOST_QUANT_INT8), "q_proj,v_proj");
    cr_expect_eq(i8.quant_weight_bytes, L3_QUANT);
    cr_expect_eq(i8.quant_scale_bytes, 4LL * 43008 * 32);
    /* AWQ int4, groups of 128: qweight n / 2 bytes; per group of 128 inputs and per output an fp16 scale (2 bytes)
     * and a 4-bit zero (0.5 byte): n / 128 x 2.5 bytes. */
    llmcost_finetune_params i4 = count("llama-3-8b", qlora(LLMCOST_QUANT_INT4), "q_proj,v_proj");
    cr_expect_eq(i4.quant_weight_bytes, L3_QUANT / 2);
    cr_expect_eq(i4.quant_scale_bytes, L3_QUANT / 128 * 5 / 2);
    /* Groups of 64 double the scales and zeros. */
    llmcost_finetune g64 = qlora(LLMCOST_QUANT_INT4);
    g64.quant_group = 64;
    cr_expect_eq(count("llama-3-8b", g64, "q_proj").quant_scale_bytes, L3_QUANT / 64 * 5 / 2);
}

Test(finetune_check, refusals_name_the_field)
{
    llmcost_model *m = load_model("llama-3-8b");
    llmcost_finetune ft = LLMCOST_FINETUNE_INIT;
    ft.rank = 16; /* LoRA's rank on a pre-training job */
    cr_expect_eq(llmcost_finetune_check(&ft, m), LLMCOST_EINVAL);
    cr_expect(strstr(llmcost_errmsg(), "lora_rank needs finetune = lora or qlora") != NULL, "%s", llmcost_errmsg());
    ft = lora(16);
    ft.quant = LLMCOST_QUANT_NF4; /* a quantised base under plain LoRA */
    cr_expect_eq(llmcost_finetune_check(&ft, m), LLMCOST_EINVAL);
    cr_expect(strstr(llmcost_errmsg(), "quant = nf4 needs finetune = qlora") != NULL, "%s", llmcost_errmsg());
    ft = qlora(LLMCOST_QUANT_INT8);
    ft.double_quant = true;
    cr_expect_eq(llmcost_finetune_check(&ft, m), LLMCOST_EINVAL);
    cr_expect(strstr(llmcost_errmsg(), "double_quant needs quant = nf4 or fp4") != NULL, "%s", llmcost_errmsg());
    ft = qlora(LLMCOST_QUANT_INT4);
    ft.quant_group = 3000; /* divides no input width of the model */
    cr_expect_eq(llmcost_finetune_check(&ft, m), LLMCOST_EINVAL);
    cr_expect(strstr(llmcost_errmsg(), "quant_group = 3000 does not divide") != NULL, "%s", llmcost_errmsg());
    uint32_t mask;
    cr_expect_eq(llmcost_lora_targets_parse(&mask, m, "lm_head"), LLMCOST_EINVAL);
    cr_expect_eq(llmcost_lora_targets_parse(&mask, m, "model.layers.0.self_attn.q_proj"), LLMCOST_EINVAL);
    cr_expect_eq(llmcost_lora_targets_parse(&mask, m, "q_proj,,v_proj"), LLMCOST_EINVAL);
    llmcost_model_free(m);
    /* PEFT has no default targets for DeepSeek-V3: it asks for them, and so does llmcost. */
    m = load_model("deepseek-v3");
    cr_expect_eq(llmcost_lora_targets_default(&mask, m), LLMCOST_EUNSUPPORTED);
    llmcost_model_free(m);
}

Test(finetune_cli, params_text_json_and_request_agree)
{
    const char *argv[] = {"params", "llama-3-8b", "--finetune", "qlora", "--lora-rank", "16", "--lora-targets",
                          "all-linear", "--double-quant", "--format", "json", NULL};
    run_result r = run_cli(argv);
    cr_assert_eq(r.status, 0, "%s", r.err);
    json_error_t e;
    json_t *doc = json_loads(r.out, 0, &e);
    cr_assert_not_null(doc, "%s", e.text);
    json_t *ft = json_object_get(doc, "finetune");
    cr_expect_eq(json_integer_value(json_object_get(ft, "trainable_params")), 41943040);
    cr_expect_eq(json_integer_value(json_object_get(ft, "frozen_params")), 8030261248LL);
    cr_expect_str_eq(json_string_value(json_object_get(ft, "quant")), "nf4");
    json_t *st = json_object_get(ft, "storage");
    cr_expect_eq(json_integer_value(json_object_get(st, "quant_scale_bytes")), L3_QUANT / 64 + 1703936 + 224 * 68);
    cr_expect_eq(json_integer_value(json_object_get(doc, "total")), 8030261248LL); /* the params document kept */
    /* The library's request answers the same document. */
    char *req = NULL;
    cr_assert_eq(llmcost_request(&req, "params",
                                 "{\"model\": \"llama-3-8b\", \"finetune\": \"qlora\", \"lora_rank\": 16, "
                                 "\"lora_targets\": \"all-linear\", \"double_quant\": true}"),
                 0, "%s", llmcost_errmsg());
    cr_expect_str_eq(req, r.out);
    llmcost_free(req);
    json_decref(doc);
    run_free(&r);
    /* Without fine-tuning flags the params document is unchanged (no "finetune" key). */
    const char *plain[] = {"params", "llama-3-8b", "--format", "json", NULL};
    r = run_cli(plain);
    cr_expect_eq(r.status, 0);
    cr_expect(strstr(r.out, "\"finetune\"") == NULL);
    run_free(&r);
}

Test(finetune_cli, unknown_module_and_unmodelled_engines_are_refused)
{
    const char *bad[] = {"params", "llama-3-8b", "--finetune", "lora", "--lora-targets", "q_proj,attn", NULL};
    run_result r = run_cli(bad);
    cr_expect_eq(r.status, 2);
    cr_expect(strstr(r.err, "--lora-targets: 'attn' is not a Linear module of llama-3-8b") != NULL, "%s", r.err);
    cr_expect(strstr(r.err, "q_proj,k_proj,v_proj,o_proj,gate_proj,up_proj,down_proj") != NULL, "%s", r.err);
    run_free(&r);
    const char *misplaced[] = {"params", "llama-3-8b", "--lora-rank", "16", NULL};
    r = run_cli(misplaced);
    cr_expect_eq(r.status, 2);
    cr_expect(strstr(r.err, "--lora-rank needs --finetune lora or qlora") != NULL, "%s", r.err);
    run_free(&r);
    /* memory sizes adapters (test_memory_finetune.c derives the bytes); step times them and checks the fit, with
     * no warning that it was not checked. */
    const char *mem[] = {"memory", "llama-3-8b", "--finetune", "lora", "--format", "json", NULL};
    r = run_cli(mem);
    cr_expect_eq(r.status, 0, "%s", r.err);
    cr_expect(strstr(r.out, "\"trainable_params\": 3407872") != NULL, "%s", r.out); /* 32 x 8 x (2 x 4096 + 4096 + 1024) */
    run_free(&r);
    const char *step[] = {"step", "llama-3-8b", "--finetune", "lora", "--format", "json", NULL};
    r = run_cli(step);
    cr_expect_eq(r.status, 0, "%s", r.err);
    cr_expect(strstr(r.err, "fit not checked") == NULL, "%s", r.err);
    cr_expect(strstr(r.out, "\"step_seconds\"") != NULL, "%s", r.out);
    cr_expect(strstr(r.out, "\"fits\": true") != NULL, "%s", r.out);
    run_free(&r);
    /* Full fine-tuning is pre-training's model: the same peak, every parameter trainable. */
    const char *full[] = {"memory", "llama-3.2-1b", "--seq", "2048", "--finetune", "full", "--format", "json", NULL};
    const char *pre[] = {"memory", "llama-3.2-1b", "--seq", "2048", "--format", "json", NULL};
    run_result a = run_cli(full), b = run_cli(pre);
    cr_expect_eq(a.status, 0, "%s", a.err);
    json_error_t e;
    json_t *ja = json_loads(a.out, 0, &e), *jb = json_loads(b.out, 0, &e);
    cr_assert(ja && jb);
    cr_expect_eq(json_number_value(json_object_get(ja, "peak_bytes")), json_number_value(json_object_get(jb, "peak_bytes")));
    cr_expect_eq(json_number_value(json_object_get(ja, "reserved_bytes")),
                 json_number_value(json_object_get(jb, "reserved_bytes")));
    cr_expect_eq(json_integer_value(json_object_get(ja, "frozen_params")), 0);
    llmcost_model *m1 = load_model("llama-3.2-1b");
    llmcost_params pc;
    cr_assert_eq(llmcost_params_count(&pc, m1), 0);
    cr_expect_eq(json_integer_value(json_object_get(ja, "trainable_params")), pc.total);
    llmcost_model_free(m1);
    cr_expect(json_object_get(jb, "trainable_params") == NULL, "pre-training's document is unchanged");
    json_decref(ja);
    json_decref(jb);
    run_free(&a);
    run_free(&b);
}

Test(finetune_spec, version_1_specs_are_read_as_pre_training)
{
    llmcost_model *m = load_model("llama-3.2-1b");
    llmcost_job_spec s;
    llmcost_job_spec_init(&s);
    cr_expect_eq(s.version, LLMCOST_JOB_SPEC_VERSION);
    s.version = 1; /* a caller built against version 1: the fine-tuning fields are not read */
    s.finetune = LLMCOST_FT_LORA;
    llmcost_job j;
    cr_expect_eq(llmcost_job_spec_resolve(&j, &s, m, NULL, 0), 0, "%s", llmcost_errmsg());
    cr_expect_eq(j.finetune.method, LLMCOST_FT_NONE);
    cr_expect_eq(llmcost_job_spec_set(&s, "lora_rank", "16"), LLMCOST_EINVAL);
    /* Version 2 (before the MoE implementation): its fields are not read, and cannot be set. */
    llmcost_job_spec_init(&s);
    s.version = 2;
    s.moe_capacity_factor = 1.5;
    cr_expect_eq(llmcost_job_spec_resolve(&j, &s, m, NULL, 0), 0, "%s", llmcost_errmsg());
    cr_expect_eq(j.moe_capacity_factor, 0);
    cr_expect_eq(llmcost_job_spec_set(&s, "moe_dispatcher", "allgather"), LLMCOST_EINVAL);
    llmcost_model_free(m);
}

Test(finetune_counts, every_preset_quantised_weights_within_its_parameters)
{
    /* For every preset whose module names llmcost knows: all-linear parses; under NF4 the quantised weights are at
     * most the parameters outside the embeddings, head and norms; for bias-free Llama-style models without qk-norms
     * they are exactly those (every other parameter is a Linear weight). */
    int known = 0;
    for (int i = 0; i < llmcost_preset_count(); i++) {
        llmcost_model *m = load_model(llmcost_preset_name(i));
        llmcost_finetune ft = LLMCOST_FINETUNE_INIT;
        ft.method = LLMCOST_FT_QLORA;
        int rc = llmcost_lora_targets_parse(&ft.targets, m, "all-linear");
        if (rc == LLMCOST_EUNSUPPORTED) {
            cr_expect(strstr(llmcost_errmsg(), "does not know the module names") != NULL ||
                          strstr(llmcost_errmsg(), "is not modelled: ") != NULL, "%s", llmcost_errmsg());
            llmcost_model_free(m);
            continue;
        }
        if (rc == LLMCOST_EINVAL && strstr(llmcost_errmsg(), "fused Mamba kernel")) {
            /* all-linear would adapt a weight the Mamba kernel reads itself: every name that parses alone */
            ft.targets = 0;
            for (int r = 0; r < LLMCOST_LR_COUNT; r++) {
                const char *nm = llmcost_lora_module_name(m, (llmcost_lora_role)r);
                uint32_t one;
                if (nm && llmcost_lora_targets_parse(&one, m, nm) == 0)
                    ft.targets |= one;
            }
            rc = ft.targets ? 0 : -1;
        }
        cr_assert_eq(rc, 0, "%s: %s", m->name, llmcost_errmsg());
        llmcost_finetune_params fp;
        llmcost_params p;
        cr_assert_eq(llmcost_finetune_count(&fp, m, &ft), 0, "%s: %s", m->name, llmcost_errmsg());
        cr_assert_eq(llmcost_params_count(&p, m), 0);
        int64_t outside = p.components[LLMCOST_PC_EMBEDDING] + p.components[LLMCOST_PC_POSITION_EMBEDDING] +
                          p.components[LLMCOST_PC_LM_HEAD] + p.components[LLMCOST_PC_NORMS];
        if (m->embed_dim != m->hidden) /* OPT-350m's projections are Linears inside the embedding component */
            outside -= 2 * m->hidden * m->embed_dim;
        cr_expect(fp.quantized_params <= p.total - outside, "%s: %lld quantised of %lld", m->name,
                  (long long)fp.quantized_params, (long long)(p.total - outside));
        cr_expect(fp.quantized_params > 0, "%s", m->name);
        cr_expect_eq(fp.trainable, fp.lora_ab, "%s", m->name);
        if (!strcmp(m->name, "llama-3-8b") || !strcmp(m->name, "mistral-7b") || !strcmp(m->name, "llama-2-70b") ||
            !strcmp(m->name, "mixtral-8x7b"))
            cr_expect_eq(fp.quantized_params, p.total - outside, "%s", m->name);
        known++;
        llmcost_model_free(m);
    }
    cr_expect(known >= 60, "%d presets with known module names", known);
}

Test(finetune_counts, codestral_and_ministral_lora_as_published_runs_report)
{
    /* Codestral-22B-v0.1 (tests/fixtures/configs, data/validation/configs.json): a public LoRA run on it in bf16
     * (transformers 5.17, PEFT 0.20) reports 190,840,832 trainable at r 32 on q/k/v/o/gate/up/down and 22,247,282,688
     * frozen: 56 x 32 x (q 6144+6144 + k and v 6144+1024 + o 6144+6144 + gate, up and down 6144+16384). */
    const char *seven = "q_proj,k_proj,v_proj,o_proj,gate_proj,up_proj,down_proj";
    llmcost_finetune_params c = count(src_path("tests/fixtures/configs/codestral-22b-v0.1.json"), lora(32), seven);
    cr_expect_eq(c.trainable, 56LL * 32 * (2 * 12288 + 2 * 7168 + 3 * 22528));
    cr_expect_eq(c.trainable, 190840832);
    cr_expect_eq(c.base, 22247282688LL);
    /* Ministral-8B-Instruct-2410: a public run manifest's 43,646,976 LoRA parameters at r 16 on the same seven:
     * 36 x 16 x (2 x (4096+4096) + 2 x (4096+1024) + 3 x (4096+12288)). */
    llmcost_finetune_params m = count(src_path("tests/fixtures/configs/ministral-8b-instruct-2410.json"), lora(16), seven);
    cr_expect_eq(m.trainable, 36LL * 16 * (2 * 8192 + 2 * 5120 + 3 * 16384));
    cr_expect_eq(m.trainable, 43646976);
    cr_expect_eq(m.base, 8019808256LL);
}

/* h-ft19 (issue 19): the storage as each framework keeps it, the count memory uses. Llama 3.1 8B QLoRA, rank 8 on
 * every decoder Linear: per layer q and o 4096 x 4096, k and v 4096 x 1024, gate, up and down 4096 x 14336, so
 * n = 2 x 16,777,216 + 2 x 4,194,304 + 3 x 58,720,256 = 218,103,808 a layer, 6,979,321,856 in 32 layers (224
 * matrices, each a multiple of 64 x 256 elements). Adapters 8 x (in + out) per matrix: 20,971,520.
 *   hf (bitsandbytes, double quant): uint8 absmax n/64 = 109,051,904, an fp32 absmax per 256 blocks
 *     4 x n/16384 = 1,703,936, and per matrix the fp32 offset and 16-entry fp32 code, 68 x 224 = 15,232:
 *     110,771,072; adapters fp32 (PEFT): 83,886,080.
 *   torchtune (torchao NF4Tensor, to_nf4(block_size=64, scaler_block_size=256)): int8 scalers n/64 =
 *     109,051,904, a bf16 quantization_factor per 256 scalers 2 x n/16384 = 851,968, and per matrix a bf16
 *     scaler_mean and 16-entry bf16 nf4 table, 34 x 224 = 7,616: 109,911,488, double quant or not (to_nf4 has no
 *     other form); adapters bf16: 41,943,040; the head stays bf16.
 *   litgpt: adapters bf16; the untied head (4096 x 128,256 = 525,336,576) quantised too: dense parts fall from
 *     1,050,939,392 (embedding 525,336,576 + head 525,336,576 + norms 266,240) to 525,602,816.
 * The memory command's frozen base on one GPU is the same count (the torchtune case). */
Test(finetune_storage, per_framework_as_params_and_memory_show_it)
{
    llmcost_model *m = load_model("llama-3.1-8b");
    llmcost_finetune ft = LLMCOST_FINETUNE_INIT;
    ft.method = LLMCOST_FT_QLORA;
    ft.rank = 8;
    ft.double_quant = true;
    cr_assert_eq(llmcost_lora_targets_parse(&ft.targets, m, "all-linear"), 0, "%s", llmcost_errmsg());
    llmcost_finetune_params hf, tt, lit;
    cr_assert_eq(llmcost_finetune_count_framework(&hf, m, &ft, LLMCOST_FW_HF), 0, "%s", llmcost_errmsg());
    cr_assert_eq(llmcost_finetune_count_framework(&tt, m, &ft, LLMCOST_FW_TORCHTUNE), 0, "%s", llmcost_errmsg());
    cr_assert_eq(llmcost_finetune_count_framework(&lit, m, &ft, LLMCOST_FW_LITGPT), 0, "%s", llmcost_errmsg());
    cr_expect_eq(hf.quantized_params, 6979321856LL);
    cr_expect_eq(hf.quant_scale_bytes, 110771072LL);
    cr_expect_eq(hf.adapter_bytes, 83886080LL);
    cr_expect_eq(tt.quant_weight_bytes, 6979321856LL / 2);
    cr_expect_eq(tt.quant_scale_bytes, 109051904LL + 851968 + 7616);
    cr_expect_eq(tt.adapter_bytes, 41943040LL);
    cr_expect_eq(tt.dense_params, 1050939392LL);
    cr_expect_eq(tt.frozen_bytes, 6979321856LL / 2 + 109911488LL + 2 * 1050939392LL);
    /* torchao double-quantises whatever the flag says. */
    llmcost_finetune single = ft;
    single.double_quant = false;
    llmcost_finetune_params tt1;
    cr_assert_eq(llmcost_finetune_count_framework(&tt1, m, &single, LLMCOST_FW_TORCHTUNE), 0);
    cr_expect_eq(tt1.quant_scale_bytes, tt.quant_scale_bytes);
    cr_expect_eq(lit.adapter_bytes, 41943040LL);
    cr_expect_eq(lit.quantized_params, 6979321856LL + 525336576LL);
    cr_expect_eq(lit.dense_params, 525602816LL);
    /* torchtune quantises with NF4 only; LitGPT not with AWQ's int4. */
    llmcost_finetune fp4 = ft;
    fp4.quant = LLMCOST_QUANT_FP4;
    cr_expect_eq(llmcost_finetune_count_framework(&tt1, m, &fp4, LLMCOST_FW_TORCHTUNE), LLMCOST_EUNSUPPORTED);
    cr_expect_eq(llmcost_finetune_count_framework(&tt1, m, &ft, LLMCOST_FW_COUNT), LLMCOST_EINVAL);
    llmcost_model_free(m);
    /* The CLI: params --framework and memory --framework print the same bytes. */
    json_t *p = run_cli_json_args("params llama-3.1-8b --finetune qlora --lora-rank 8 --lora-targets all-linear "
                                  "--framework torchtune --format json");
    cr_assert_not_null(p);
    json_t *pft = json_object_get(p, "finetune"), *st = json_object_get(pft, "storage");
    cr_expect_str_eq(json_string_value(json_object_get(pft, "framework")), "torchtune");
    cr_expect(json_is_true(json_object_get(pft, "double_quant")));
    cr_expect_eq(json_integer_value(json_object_get(st, "quant_scale_bytes")), 109911488LL);
    cr_expect_eq(json_integer_value(json_object_get(st, "adapter_bytes_per_param")), 2);
    json_t *mem = run_cli_json_args("memory llama-3.1-8b --finetune qlora --lora-rank 8 --lora-targets all-linear "
                                    "--framework torchtune --seq 2048 --gpu rtx-4090 --format json");
    cr_assert_not_null(mem);
    cr_expect_eq((int64_t)json_number_value(json_object_get(json_object_get(mem, "finetune"), "frozen_weight_bytes")),
                 json_integer_value(json_object_get(st, "frozen_bytes")));
    json_decref(p);
    json_decref(mem);
    json_t *l = run_cli_json_args("params llama-3.1-8b --finetune qlora --lora-targets all-linear --double-quant "
                                  "--framework litgpt --format json");
    cr_assert_not_null(l);
    cr_expect(json_is_true(json_object_get(json_object_get(json_object_get(l, "finetune"), "storage"), "head_quantized")));
    json_decref(l);
}
