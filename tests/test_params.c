/* test_params.c - parameter counts against independent references: published counts and PyTorch's
 * num_parameters() (data/validation/params.json, each case with its source), and derivations in comments. */
#include <criterion/criterion.h>
#include <jansson.h>
#include <string.h>

#include "helpers.h"
#include "llmcost/llmcost.h"

static llmcost_params count(const char *spec)
{
    llmcost_model *m = NULL;
    int rc = llmcost_model_load(&m, spec);
    cr_assert_eq(rc, 0, "%s: %s", spec, llmcost_errmsg());
    llmcost_params p;
    cr_assert_eq(llmcost_params_count(&p, m), 0, "%s", llmcost_errmsg());
    llmcost_model_free(m);
    return p;
}

Test(params_validation, every_case_matches_its_reference)
{
    json_error_t e;
    json_t *doc = json_load_file(src_path("data/validation/params.json"), 0, &e);
    cr_assert_not_null(doc, "%s", e.text);
    size_t i;
    json_t *c;
    int n = 0;
    json_array_foreach(json_object_get(doc, "cases"), i, c)
    {
        const char *name = json_string_value(json_object_get(c, "model"));
        llmcost_params p = count(name);
        cr_expect_eq(p.total, json_integer_value(json_object_get(c, "total")), "%s total: got %lld, reference %lld (%s)",
                     name, (long long)p.total, (long long)json_integer_value(json_object_get(c, "total")),
                     json_string_value(json_object_get(c, "source")));
        if (json_object_get(c, "active"))
            cr_expect_eq(p.active, json_integer_value(json_object_get(c, "active")), "%s active", name);
        if (json_object_get(c, "buffers"))
            cr_expect_eq(p.buffers, json_integer_value(json_object_get(c, "buffers")), "%s buffers", name);
        n++;
    }
    cr_assert_geq(n, 8);
    /* Every bundled preset has a reference count. */
    for (int k = 0; k < llmcost_preset_count(); k++) {
        bool found = false;
        json_array_foreach(json_object_get(doc, "cases"), i, c)
            found = found || !strcmp(json_string_value(json_object_get(c, "model")), llmcost_preset_name(k));
        cr_expect(found, "preset %s has no case in data/validation/params.json", llmcost_preset_name(k));
    }
    cr_expect_geq(llmcost_preset_count(), 30);
    json_decref(doc);
}

Test(params_course, llama_7b_config_reads_as_it_is)
{
    /* The course's own file, unchanged: no num_key_value_heads, max_sequence_length 2048. */
    llmcost_model *m;
    cr_assert_eq(llmcost_model_load(&m, src_path("tests/fixtures/llama_7b_config.json")), 0, "%s", llmcost_errmsg());
    cr_expect_eq(m->layers[0].attn.n_kv_heads, 32);
    cr_expect_eq(m->train_seq, 2048);
    llmcost_params p;
    llmcost_params_count(&p, m);
    /* 32000*4096 embedding + 32 * (4*4096^2 + 3*4096*11008 + 2*4096) + 4096 + 32000*4096 head = 6,738,415,616 */
    cr_expect_eq(p.total, 6738415616LL);
    cr_expect_eq(p.components[LLMCOST_PC_ATTENTION], 32LL * 4 * 4096 * 4096);
    cr_expect_eq(p.components[LLMCOST_PC_MLP], 32LL * 3 * 4096 * 11008);
    cr_expect_eq(p.components[LLMCOST_PC_NORMS], 32LL * 2 * 4096 + 4096);
    llmcost_model_free(m);
}

Test(params_course, deepseek_v3_config_reads_as_it_is)
{
    llmcost_model *m;
    cr_assert_eq(llmcost_model_load(&m, src_path("tests/fixtures/deepseek_v3_config.json")), 0, "%s", llmcost_errmsg());
    cr_expect_eq(llmcost_model_moe_layers(m), 58);
    cr_expect_eq(m->layers[0].attn.kind, LLMCOST_ATTN_MLA);
    llmcost_params p;
    llmcost_params_count(&p, m);
    cr_expect_eq(p.total, 671026404352LL);
    cr_expect_eq(p.buffers, 58 * 256);
    /* MTP module (DeepSeek-V3 §2.2): one MoE layer 11,507,286,016 + enorm, hnorm, head norm 3*7168
     * + eh_proj 2*7168*7168 = 11,610,067,968; with its embedding and head copies + 2*129280*7168. */
    cr_expect_eq(p.mtp, 11610067968LL);
    cr_expect_eq(p.mtp_with_copies, 11610067968LL + 2LL * 129280 * 7168);
    /* published.md: ~685B with MTP as stored. */
    cr_expect_lt(llabs(p.total + p.buffers + p.mtp_with_copies - 684500000000LL), 1000000000LL);
    llmcost_model_free(m);
}

Test(params_derived, mla_attention_by_hand)
{
    /* DeepSeek-V3 attention per layer (DeepSeek-V2 §2.1): q_a 7168*1536 + norm 1536 + q_b 1536*128*192
     * + kv_a 7168*576 + norm 512 + kv_b 512*128*256 + o 128*128*7168 = 187,107,328; 61 layers. */
    llmcost_params p = count("deepseek-v3");
    cr_expect_eq(p.components[LLMCOST_PC_ATTENTION], 61LL * 187107328);
    /* Routed experts: 58 layers * 256 * 3*7168*2048. Shared: 58 * 3*7168*2048. Router 58*256*7168. */
    cr_expect_eq(p.components[LLMCOST_PC_ROUTED_EXPERTS], 58LL * 256 * 3 * 7168 * 2048);
    cr_expect_eq(p.components[LLMCOST_PC_SHARED_EXPERTS], 58LL * 3 * 7168 * 2048);
    cr_expect_eq(p.components[LLMCOST_PC_ROUTER], 58LL * 256 * 7168);
    /* Dense layers 0-2: 3 * 3*7168*18432. */
    cr_expect_eq(p.components[LLMCOST_PC_MLP], 3LL * 3 * 7168 * 18432);
}

Test(params_derived, gpt2_by_hand)
{
    /* GPT-2: wte 50257*768 + wpe 1024*768 + 12*(c_attn 768*2304+2304 + c_proj 768*768+768 + fc 768*3072+3072
     * + proj 3072*768+768 + 2 LayerNorms 4*768) + ln_f 2*768, head tied. */
    llmcost_params p = count("gpt2");
    int64_t layer = 768 * 2304 + 2304 + 768 * 768 + 768 + 768 * 3072 + 3072 + 3072 * 768 + 768 + 4 * 768;
    cr_expect_eq(p.total, 50257LL * 768 + 1024 * 768 + 12 * layer + 2 * 768);
    cr_expect_eq(p.components[LLMCOST_PC_LM_HEAD], 0);
    cr_expect_eq(p.components[LLMCOST_PC_POSITION_EMBEDDING], 1024 * 768);
    cr_expect_eq(p.non_embedding, p.total - 50257LL * 768 - 1024 * 768);
}

Test(params_derived, opt_position_offset_and_projections)
{
    /* OPT-350m: positions (2048 + 2) * 1024; embedding 50272*512 plus project_in/out 2*512*1024; post-LN, so no
     * final norm. */
    llmcost_params p = count("opt-350m");
    cr_expect_eq(p.components[LLMCOST_PC_POSITION_EMBEDDING], 2050LL * 1024);
    cr_expect_eq(p.components[LLMCOST_PC_EMBEDDING], 50272LL * 512 + 2 * 512 * 1024);
    cr_expect_eq(p.components[LLMCOST_PC_NORMS], 24LL * 2 * 2 * 1024);
}

Test(params_derived, falcon_7b_multi_query_parallel)
{
    /* Falcon-7B: qkv 4544*(4544+2*64), dense 4544^2, MLP 2*4544*18176, one LayerNorm per layer (parallel
     * attention), ln_f, tied head: 6,921,720,704 (the Falcon-7B model card's 7B). */
    llmcost_params p = count("falcon-7b");
    int64_t layer = 4544LL * (4544 + 128) + 4544LL * 4544 + 2LL * 4544 * 18176 + 2 * 4544;
    cr_expect_eq(p.total, 65024LL * 4544 + 32 * layer + 2 * 4544);
    cr_expect_eq(p.total, 6921720704LL);
}

Test(params_derived, gemma2_four_norms_and_tied)
{
    /* Gemma-2-2B: 26 layers of 4 RMSNorms of 2304, final norm; 2,614,341,888 (HF model card: 2.6B). */
    llmcost_params p = count("gemma-2-2b");
    cr_expect_eq(p.components[LLMCOST_PC_NORMS], 26LL * 4 * 2304 + 2304);
    cr_expect_eq(p.components[LLMCOST_PC_LM_HEAD], 0);
    cr_expect_eq(p.total, 2614341888LL);
}

Test(params_derived, qwen2_qkv_bias_and_tied_small_model)
{
    /* Qwen2.5-0.5B: q/k/v carry biases (896 + 2*128), o does not; tied; 494,032,768 (model card: 0.49B). */
    llmcost_params p = count("qwen2.5-0.5b");
    cr_expect_eq(p.total, 494032768LL);
    int64_t attn = 896LL * 896 + 896 + 2 * (896LL * 128 + 128) + 896LL * 896;
    cr_expect_eq(p.components[LLMCOST_PC_ATTENTION], 24 * attn);
}
