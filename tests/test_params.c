/* test_params.c - parameter counts against independent references: published counts and PyTorch's
 * num_parameters() (data/validation/params.json, each case with its source), and derivations in comments. */
#include <math.h>
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdlib.h>
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

Test(params_published, pythia_bloom_gemma_to_the_unit)
{
    /* Pythia paper (Biderman et al. 2023) Table 1: totals, and non-embedding counts that leave out both embed_in
     * and the untied embed_out (2*V*h); llmcost's non-embedding keeps an untied head, so subtract it here. */
    llmcost_params p = count("pythia-1b");
    cr_expect_eq(p.total, 1011781632LL);
    cr_expect_eq(p.non_embedding - p.components[LLMCOST_PC_LM_HEAD], 805736448LL);
    p = count("pythia-6.9b");
    cr_expect_eq(p.total, 6857302016LL);
    cr_expect_eq(p.non_embedding - p.components[LLMCOST_PC_LM_HEAD], 6444163072LL);
    /* bigscience/bloom-560m model card: 559,214,592 parameters. */
    cr_expect_eq(count("bloom-560m").total, 559214592LL);
    /* Gemma report (Gemma Team 2024) Table 2: Gemma 7B has 7,751,248,896 non-embedding parameters (its embedding
     * count uses a 256,128-row table; the config's is 256,000). */
    cr_expect_eq(count("gemma-7b").non_embedding, 7751248896LL);
}

Test(params_derived, added_families_by_hand)
{
    /* Phi-2: untied head with a bias, 51200*2560 + 51200. GPT-J: head 50400*4096 + 50400; q/k/v/out bias-free. */
    llmcost_params p = count("phi-2");
    cr_expect_eq(p.components[LLMCOST_PC_LM_HEAD], 51200LL * 2560 + 51200);
    p = count("gpt-j-6b");
    cr_expect_eq(p.components[LLMCOST_PC_LM_HEAD], 50400LL * 4096 + 50400);
    cr_expect_eq(p.components[LLMCOST_PC_ATTENTION], 28LL * 4 * 4096 * 4096);
    cr_expect_eq(p.components[LLMCOST_PC_NORMS], 29LL * 2 * 4096); /* ln_1 per layer + ln_f, with biases */
    /* OLMo's LayerNorm has no parameters. */
    cr_expect_eq(count("olmo-1b").components[LLMCOST_PC_NORMS], 0);
    /* BLOOM-560m: 2 LayerNorms per layer, ln_f and word_embeddings_layernorm, each 2*1024. */
    cr_expect_eq(count("bloom-560m").components[LLMCOST_PC_NORMS], (24LL * 2 + 2) * 2 * 1024);
    /* MPT-7B: LayerNorms without bias, 2 per layer + norm_f; 4h MLP, no biases; 6,649,286,656 in all. */
    p = count("mpt-7b");
    cr_expect_eq(p.components[LLMCOST_PC_NORMS], (2LL * 32 + 1) * 4096);
    cr_expect_eq(p.components[LLMCOST_PC_MLP], 32LL * 2 * 4096 * 16384);
    /* Command R: one bias-free LayerNorm per parallel layer + the final one; tied head. */
    p = count("command-r");
    cr_expect_eq(p.components[LLMCOST_PC_NORMS], 41LL * 8192);
    cr_expect_eq(p.components[LLMCOST_PC_LM_HEAD], 0);
    /* SantaCoder: c_attn 2048 -> 2048 + 2*128 (one key and one value head) and c_proj, both with biases;
     * learned positions 2048 x 2048. */
    p = count("santacoder");
    cr_expect_eq(p.components[LLMCOST_PC_ATTENTION], 24LL * (2048 * 2304 + 2304 + 2048 * 2048 + 2048));
    cr_expect_eq(p.components[LLMCOST_PC_POSITION_EMBEDDING], 2048LL * 2048);
    /* Mistral NeMo: head_dim 128 x 32 heads = 4096 < hidden 5120: q and o are 5120 x 4096, k and v 5120 x 1024. */
    cr_expect_eq(count("mistral-nemo").components[LLMCOST_PC_ATTENTION], 40LL * (2 * 5120 * 4096 + 2 * 5120 * 1024));
}

static llmcost_model *from_text(const char *json)
{
    llmcost_model *m = NULL;
    cr_assert_eq(llmcost_model_from_json(&m, json, strlen(json), "inline"), 0, "%s", llmcost_errmsg());
    return m;
}

Test(params_defaults, omitted_keys_take_the_config_class_defaults)
{
    /* configuration_phi.py: partial_rotary_factor 0.5, tie_word_embeddings false; head_dim 64/4 = 16 -> 8 rotated. */
    llmcost_model *m = from_text("{\"model_type\": \"phi\", \"hidden_size\": 64, \"num_attention_heads\": 4, "
                                 "\"num_hidden_layers\": 2, \"vocab_size\": 10, \"intermediate_size\": 8}");
    cr_expect_eq(m->layers[0].attn.rotary_dim, 8);
    cr_expect(!m->tied && m->head_bias);
    llmcost_model_free(m);
    /* configuration_stablelm.py: partial_rotary_factor 0.25 -> 4 of 16; use_qkv_bias false. */
    m = from_text("{\"model_type\": \"stablelm\", \"hidden_size\": 64, \"num_attention_heads\": 4, "
                  "\"num_hidden_layers\": 2, \"vocab_size\": 10, \"intermediate_size\": 8}");
    cr_expect_eq(m->layers[0].attn.rotary_dim, 4);
    cr_expect(!m->layers[0].attn.q_bias);
    llmcost_model_free(m);
    /* configuration_cohere.py: logit_scale 0.0625, tie_word_embeddings true. */
    m = from_text("{\"model_type\": \"cohere\", \"hidden_size\": 64, \"num_attention_heads\": 4, "
                  "\"num_hidden_layers\": 2, \"vocab_size\": 10, \"intermediate_size\": 8}");
    cr_expect_eq(m->logit_scale, 0.0625);
    cr_expect(m->tied);
    llmcost_model_free(m);
    /* configuration_gptj.py: rotary_dim 64, n_inner 4h, untied head with a bias. */
    m = from_text("{\"model_type\": \"gptj\", \"n_embd\": 512, \"n_head\": 4, \"n_layer\": 2, \"vocab_size\": 10}");
    cr_expect_eq(m->layers[0].attn.rotary_dim, 64);
    cr_expect_eq(m->layers[0].ffn.dense.d_ff, 2048);
    cr_expect(!m->tied && m->head_bias && m->rope_cached);
    llmcost_model_free(m);
    /* configuration_gpt_bigcode.py: multi_query true (one key/value head), n_positions 1024, tied. */
    m = from_text("{\"model_type\": \"gpt_bigcode\", \"n_embd\": 64, \"n_head\": 4, \"n_layer\": 2, \"vocab_size\": 10}");
    cr_expect_eq(m->layers[0].attn.n_kv_heads, 1);
    cr_expect_eq(m->pos_rows, 1024);
    cr_expect(m->tied);
    llmcost_model_free(m);
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

/* data/validation/configs.json: real configs, each read exactly (count derived from its modeling code, written in
 * the case) or refused with a message naming what is not modelled. */
Test(params_corpus, real_configs_read_exactly_or_refused)
{
    json_error_t e;
    json_t *doc = json_load_file(src_path("data/validation/configs.json"), 0, &e);
    cr_assert_not_null(doc, "%s", e.text);
    size_t i;
    json_t *c;
    int exact = 0, refused = 0;
    json_array_foreach(json_object_get(doc, "exact"), i, c)
    {
        char path[512];
        snprintf(path, sizeof path, "tests/fixtures/configs/%s", json_string_value(json_object_get(c, "file")));
        cr_expect_not_null(json_object_get(c, "derivation"));
        cr_expect_not_null(json_object_get(c, "card"));
        llmcost_model *m = NULL;
        cr_assert_eq(llmcost_model_load(&m, src_path(path)), 0, "%s: %s", path, llmcost_errmsg());
        cr_expect_str_eq(m->model_type, json_string_value(json_object_get(c, "model_type")), "%s", path);
        llmcost_params p;
        cr_assert_eq(llmcost_params_count(&p, m), 0);
        cr_expect_eq(p.total, json_integer_value(json_object_get(c, "total")), "%s total: %lld", path, (long long)p.total);
        cr_expect_eq(p.active, json_integer_value(json_object_get(c, "active")), "%s active: %lld", path,
                     (long long)p.active);
        cr_expect_eq(p.buffers, json_integer_value(json_object_get(c, "buffers")), "%s buffers: %lld", path,
                     (long long)p.buffers);
        llmcost_model_free(m);
        exact++;
    }
    json_array_foreach(json_object_get(doc, "refused"), i, c)
    {
        char path[512];
        snprintf(path, sizeof path, "tests/fixtures/configs/%s", json_string_value(json_object_get(c, "file")));
        llmcost_model *m = NULL;
        cr_expect_eq(llmcost_model_load(&m, src_path(path)), LLMCOST_EUNSUPPORTED, "%s", path);
        cr_expect_null(m);
        cr_expect(strstr(llmcost_errmsg(), json_string_value(json_object_get(c, "message"))) != NULL, "%s: %s", path,
                  llmcost_errmsg());
        refused++;
    }
    cr_expect_geq(exact, 55);
    cr_expect_geq(refused, 5); /* Falcon-H1 and Zamba2 moved to exact; Zamba2-7B in the fork format refused; the two
                                  MiniMax-Text-01 excerpts left for MiniMax-M1's verbatim config (exact) */
    /* Issue 15's corpus: at least 50 real configs of at least 30 model types. */
    cr_expect_geq(exact + refused, 50);
    const char *types[128];
    int ntypes = 0;
    const char *const lists[] = {"exact", "refused"};
    for (int k = 0; k < 2; k++)
        json_array_foreach(json_object_get(doc, lists[k]), i, c)
        {
            const char *t = json_string_value(json_object_get(c, "model_type"));
            cr_assert_not_null(t);
            int seen = 0;
            for (int j = 0; j < ntypes; j++)
                seen |= !strcmp(types[j], t);
            if (!seen && ntypes < 128)
                types[ntypes++] = t;
        }
    cr_expect_geq(ntypes, 30, "%d model types", ntypes);
    json_decref(doc);
}

Test(params_corpus, deepseek_v32_indexer_is_counted_and_the_engines_refuse_it)
{
    /* Each layer's Indexer: wq_b 1536*64*128 + wk 7168*128 + k_norm 2*128 + weights_proj 7168*64 = 13,959,424. */
    llmcost_model *m = NULL;
    cr_assert_eq(llmcost_model_load(&m, src_path("tests/fixtures/configs/deepseek-v3.2-exp.json")), 0, "%s",
                 llmcost_errmsg());
    llmcost_layer_params lp;
    cr_assert_eq(llmcost_params_layer(&lp, m, &m->layers[0]), 0);
    /* DeepSeek-V3's MLA of a layer is 187,107,328 (q_a, q_b, kv_a, kv_b, o and the two latent norms). */
    cr_expect_eq(lp.attention, 187107328 + 13959424);
    cr_expect_str_eq(llmcost_model_unmodelled(m), "DeepSeek sparse attention's lightning indexer");
    llmcost_flops f;
    llmcost_flops_options fo = LLMCOST_FLOPS_OPTIONS_INIT;
    cr_expect_eq(llmcost_flops_compute(&f, m, &fo), LLMCOST_EUNSUPPORTED);
    cr_expect(strstr(llmcost_errmsg(), "lightning indexer") != NULL, "%s", llmcost_errmsg());
    llmcost_model_free(m);
}

Test(params_derived, olmo3_and_ministral_rows)
{
    /* OLMo 3: OLMo 2's layout (post-norms only, q/k RMSNorms over the whole projections), windows from
     * layer_types. h 64, 2 layers, 4 heads and 2 kv heads of 16, f 128, V 100, untied:
     * per layer q 64*64 + k 64*32 + v 64*32 + o 64*64 = 12,288, q_norm 64 + k_norm 32, MLP 3*64*128 = 24,576, two
     * post-norms 128: 37,088; x2 = 74,176; + embed and head 2*100*64 = 12,800 + final norm 64 = 87,040. */
    const char *olmo3 = "{\"model_type\": \"olmo3\", \"hidden_size\": 64, \"num_hidden_layers\": 2, "
                        "\"num_attention_heads\": 4, \"num_key_value_heads\": 2, \"intermediate_size\": 128, "
                        "\"vocab_size\": 100, \"sliding_window\": 32, "
                        "\"layer_types\": [\"sliding_attention\", \"full_attention\"]}";
    llmcost_model *m = NULL;
    cr_assert_eq(llmcost_model_from_json(&m, olmo3, strlen(olmo3), "olmo3"), 0, "%s", llmcost_errmsg());
    llmcost_params p;
    cr_assert_eq(llmcost_params_count(&p, m), 0);
    cr_expect_eq(p.total, 87040);
    cr_expect_eq(m->layers[0].attn.sliding_window, 32);
    cr_expect_eq(m->layers[1].attn.sliding_window, 0);
    cr_expect(m->layers[0].norm_post_attn && !m->layers[0].norm_pre_attn);
    llmcost_model_free(m);
    /* Ministral: Mistral's layout, h 64, 4 heads of 16 all kv, f 128, V 100: per layer 4*64*64 + 3*64*128 + 2*64 =
     * 41,088; x2 + 12,800 + 64 = 95,040. */
    const char *ministral = "{\"model_type\": \"ministral\", \"hidden_size\": 64, \"num_hidden_layers\": 2, "
                            "\"num_attention_heads\": 4, \"intermediate_size\": 128, \"vocab_size\": 100}";
    cr_assert_eq(llmcost_model_from_json(&m, ministral, strlen(ministral), "ministral"), 0, "%s", llmcost_errmsg());
    cr_assert_eq(llmcost_params_count(&p, m), 0);
    cr_expect_eq(p.total, 95040);
    llmcost_model_free(m);
}

static llmcost_model *corpus(const char *file)
{
    char path[512];
    snprintf(path, sizeof path, "tests/fixtures/configs/%s", file);
    llmcost_model *m = NULL;
    cr_assert_eq(llmcost_model_load(&m, src_path(path)), 0, "%s: %s", path, llmcost_errmsg());
    return m;
}

Test(params_derived, new_dense_families_per_layer)
{
    /* SmolLM3-3B: no_rope_layers 1,1,1,0: layers 3, 7, ... skip the rotation (head_dim 2048/16 = 128). */
    llmcost_model *m = corpus("smollm3-3b.json");
    cr_expect_eq(m->layers[0].attn.rotary_dim, 128);
    cr_expect_eq(m->layers[3].attn.rotary_dim, 0);
    cr_expect_eq(m->layers[35].attn.rotary_dim, 0);
    cr_expect_eq(m->layers[34].attn.sliding_window, 0);
    llmcost_model_free(m);
    /* EXAONE 4.0 32B: sliding_window_pattern 4: layers 0-2 slide over 4096 and rotate, layer 3 is global NoPE;
     * norms after attention and MLP only; per-head q/k norms. */
    m = corpus("exaone-4.0-32b.json");
    cr_expect_eq(m->layers[0].attn.sliding_window, 4096);
    cr_expect_eq(m->layers[0].attn.rotary_dim, 128);
    cr_expect_eq(m->layers[3].attn.sliding_window, 0);
    cr_expect_eq(m->layers[3].attn.rotary_dim, 0);
    cr_expect(m->layers[0].norm_post_attn && m->layers[0].norm_post_ffn && !m->layers[0].norm_pre_attn);
    cr_expect_eq(m->layers[0].attn.qk_norm, LLMCOST_QKNORM_HEAD);
    llmcost_model_free(m);
    /* Command R7B: one LayerNorm without bias feeding attention and MLP in parallel; rotary on sliding layers. */
    m = corpus("c4ai-command-r7b-12-2024.json");
    cr_expect(m->layers[0].parallel && !m->layers[0].norm_pre_ffn);
    cr_expect_eq(m->norm, LLMCOST_NORM_LAYER_NOBIAS);
    cr_expect_eq(m->layers[2].attn.rotary_dim, 128);
    cr_expect_eq(m->layers[3].attn.rotary_dim, 0);
    cr_expect_eq(m->layers[3].attn.sliding_window, 0);
    cr_expect(m->logit_scale == 0.25);
    llmcost_model_free(m);
    /* Seed-OSS: q/k/v biases, o_proj without (attention_out_bias false); SeedOssConfig's dropouts default 0.1. */
    m = corpus("seed-oss-36b-instruct.json");
    cr_expect(m->layers[0].attn.q_bias && m->layers[0].attn.v_bias && !m->layers[0].attn.o_bias);
    cr_expect(m->dropout_resid == 0.1 && m->dropout_attn == 0.1);
    llmcost_model_free(m);
}

Test(params_derived, cohere2_release_keys_that_ask_for_another_layout_are_refused)
{
    const char *cfg = "{\"model_type\": \"cohere2\", \"hidden_size\": 64, \"num_hidden_layers\": 4, "
                      "\"num_attention_heads\": 4, \"intermediate_size\": 128, \"vocab_size\": 100, "
                      "\"sliding_window\": 16, \"use_parallel_block\": false}";
    llmcost_model *m = NULL;
    cr_expect_eq(llmcost_model_from_json(&m, cfg, strlen(cfg), "cohere2"), LLMCOST_EUNSUPPORTED);
    cr_expect(strstr(llmcost_errmsg(), "use_parallel_block") != NULL, "%s", llmcost_errmsg());
    cr_expect_null(m);
}

Test(params_derived, chatglm_layout_from_its_own_keys)
{
    /* GLM-4-9B-Chat (modeling_chatglm.py): multi_query_group_num 2 key/value heads of kv_channels 128, fused
     * query_key_value with its bias, RotaryEmbedding(128 // 2) rotating 2 * len(arange(0, 64, 2)) = 64 dims and
     * keeping inv_freq (32) as a persistent buffer; padded_vocab_size 151552 rows, untied output_layer. */
    llmcost_model *m = corpus("glm-4-9b-chat.json");
    cr_expect_eq(m->layers[0].attn.n_kv_heads, 2);
    cr_expect_eq(m->layers[0].attn.head_dim, 128);
    cr_expect_eq(m->layers[0].attn.rotary_dim, 64);
    cr_expect(m->layers[0].attn.fused_qkv && m->layers[0].attn.q_bias && !m->layers[0].attn.o_bias);
    cr_expect(m->layers[0].ffn.dense.fused_gate_up && m->layers[0].ffn.dense.gated);
    cr_expect_eq(m->vocab, 151552);
    llmcost_params p;
    cr_assert_eq(llmcost_params_count(&p, m), 0);
    cr_expect_eq(p.buffers, 32);
    cr_expect_eq(p.components[LLMCOST_PC_LM_HEAD], 151552LL * 4096);
    llmcost_model_free(m);
    /* A prefix-tuning encoder (pre_seq_len) is not modelled: refused, not counted without it. */
    const char *cfg = "{\"model_type\": \"chatglm\", \"hidden_size\": 64, \"num_layers\": 2, "
                      "\"num_attention_heads\": 4, \"ffn_hidden_size\": 128, \"padded_vocab_size\": 100, "
                      "\"kv_channels\": 16, \"pre_seq_len\": 8}";
    cr_expect_eq(llmcost_model_from_json(&m, cfg, strlen(cfg), "chatglm"), LLMCOST_EUNSUPPORTED);
    cr_expect(strstr(llmcost_errmsg(), "pre_seq_len") != NULL, "%s", llmcost_errmsg());
}

Test(params_derived, apertus_xielu_is_counted_and_the_engines_refuse_it)
{
    /* Apertus-8B: a 2-matrix MLP (up 4096*21504, down 21504*4096) plus xIELU's alpha_p and alpha_n per layer; its beta
     * and eps are buffers. The engines do not model xIELU's kernels yet, so they refuse rather than cost it as SiLU. */
    llmcost_model *m = corpus("apertus-8b-2509.json");
    llmcost_layer_params lp;
    cr_assert_eq(llmcost_params_layer(&lp, m, &m->layers[0]), 0);
    cr_expect_eq(lp.mlp, 2LL * 4096 * 21504 + 2);
    cr_expect_eq(m->layers[0].attn.qk_norm, LLMCOST_QKNORM_HEAD);
    llmcost_params p;
    cr_assert_eq(llmcost_params_count(&p, m), 0);
    cr_expect_eq(p.buffers, 2 * 32);
    llmcost_flops f;
    llmcost_flops_options fo = LLMCOST_FLOPS_OPTIONS_INIT;
    cr_expect_eq(llmcost_flops_compute(&f, m, &fo), LLMCOST_EUNSUPPORTED);
    cr_expect(strstr(llmcost_errmsg(), "xIELU") != NULL, "%s", llmcost_errmsg());
    llmcost_model_free(m);
    /* InternLM2.5: one wqkv of 4096*(32+2*8)*128, bias false. */
    m = corpus("internlm2_5-7b-chat.json");
    cr_expect(m->layers[0].attn.fused_qkv && !m->layers[0].attn.q_bias && !m->layers[0].attn.o_bias);
    cr_assert_eq(llmcost_params_layer(&lp, m, &m->layers[0]), 0);
    cr_expect_eq(lp.attention, 4096LL * 48 * 128 + 4096LL * 4096);
    llmcost_model_free(m);
}

Test(params_derived, internlm3_biases_from_its_two_keys)
{
    /* modeling_internlm3.py: qkv_bias puts biases on q, k and v, bias on o_proj and the MLP. h 64, 4 heads of 16, 2 kv
     * heads, f 128: q 64*64 + 64, k and v 64*32 + 32 each, o 64*64 (no bias) = 12,480 with qkv_bias only. */
    const char *cfg = "{\"model_type\": \"internlm3\", \"hidden_size\": 64, \"num_hidden_layers\": 1, "
                      "\"num_attention_heads\": 4, \"num_key_value_heads\": 2, \"intermediate_size\": 128, "
                      "\"vocab_size\": 100, \"qkv_bias\": true, \"bias\": false}";
    llmcost_model *m = NULL;
    cr_assert_eq(llmcost_model_from_json(&m, cfg, strlen(cfg), "internlm3"), 0, "%s", llmcost_errmsg());
    llmcost_layer_params lp;
    cr_assert_eq(llmcost_params_layer(&lp, m, &m->layers[0]), 0);
    cr_expect_eq(lp.attention, 64 * 64 + 64 + 2 * (64 * 32 + 32) + 64 * 64);
    cr_expect_eq(lp.mlp, 3 * 64 * 128);
    llmcost_model_free(m);
}

Test(params_derived, hunyuan_dense_qk_norms_and_cla_refused)
{
    /* HunYuanDenseV1Attention always builds query_layernorm and key_layernorm of head_dim: 2 * 128 per layer. */
    llmcost_model *m = corpus("hunyuanimage-2.1-reprompt.json");
    llmcost_layer_params lp;
    cr_assert_eq(llmcost_params_layer(&lp, m, &m->layers[0]), 0);
    cr_expect_eq(lp.attention, 4096LL * 4096 * 2 + 2 * 4096LL * 1024 + 2 * 128);
    llmcost_model_free(m);
    /* Cross-layer key/value sharing (use_cla) is the remote code's, not what transformers builds: refused. */
    const char *cfg = "{\"model_type\": \"hunyuan_v1_dense\", \"hidden_size\": 64, \"num_hidden_layers\": 2, "
                      "\"num_attention_heads\": 4, \"intermediate_size\": 128, \"vocab_size\": 100, "
                      "\"use_cla\": true}";
    cr_expect_eq(llmcost_model_from_json(&m, cfg, strlen(cfg), "hunyuan"), LLMCOST_EUNSUPPORTED);
    cr_expect(strstr(llmcost_errmsg(), "use_cla") != NULL, "%s", llmcost_errmsg());
}

Test(params_derived, phimoe_layer_norms_biases_and_head_bias)
{
    /* Phi-3.5-MoE (modular_phimoe.py): LlamaAttention with q/k/v/o biases (attention_bias true), Mixtral's 16 experts
     * of 3*4096*6400 and a bias-free router, nn.LayerNorm (weight and bias) for the two layer norms and the final
     * norm, an lm_head with a bias (lm_head_bias true). The model card's 16x3.8B with 6.6B active; the hub's 41.9B. */
    llmcost_params p = count("phi-3.5-moe");
    int64_t attn = 2 * (4096LL * 4096 + 4096) + 2 * (4096LL * 1024 + 1024);
    cr_expect_eq(p.components[LLMCOST_PC_ATTENTION], 32 * attn);
    cr_expect_eq(p.components[LLMCOST_PC_NORMS], 32LL * 2 * 2 * 4096 + 2 * 4096);
    cr_expect_eq(p.components[LLMCOST_PC_LM_HEAD], 32064LL * 4096 + 32064);
    int64_t layer = attn + 16LL * 4096 + 16LL * 3 * 4096 * 6400 + 2 * 2 * 4096;
    cr_expect_eq(p.total, 2 * 32064LL * 4096 + 32064 + 32 * layer + 2 * 4096);
    cr_expect_eq(p.total, 41873153344LL);
    cr_expect_eq(p.active, p.total - 32LL * 14 * 3 * 4096 * 6400);
    cr_expect_eq(p.active, 6640999744LL);
}

Test(params_derived, baichuan_w_pack_and_position_encoding_by_size)
{
    /* Baichuan-13B (the repository's modeling_baichuan.py): W_pack 5120 -> 3*5120 and o_proj, bias-free; SwiGLU
     * 3*5120*13696; 2 RMSNorms; untied head; ALiBi. 64000*5120*2 + 40*(4*5120^2 + 3*5120*13696 + 2*5120) + 5120 =
     * 13,264,901,120, the Baichuan-13B README's total to the unit. */
    llmcost_params p = count("baichuan-13b");
    cr_expect_eq(p.components[LLMCOST_PC_ATTENTION], 40LL * 4 * 5120 * 5120);
    cr_expect_eq(p.total, 2 * 64000LL * 5120 + 40 * (4LL * 5120 * 5120 + 3LL * 5120 * 13696 + 2 * 5120) + 5120);
    cr_expect_eq(p.total, 13264901120LL);
    llmcost_model *m = NULL;
    cr_assert_eq(llmcost_model_load(&m, "baichuan-13b"), 0, "%s", llmcost_errmsg());
    cr_expect_eq(m->pos, LLMCOST_POS_ALIBI);
    cr_expect_eq(m->layers[0].attn.rotary_dim, 0);
    cr_expect(m->layers[0].attn.fused_qkv);
    cr_expect_eq(m->max_positions, 4096); /* model_max_length */
    llmcost_model_free(m);
    /* Baichuan-7B (hidden 4096: rotary): 64000*4096*2 + 32*(4*4096^2 + 3*4096*11008 + 2*4096) + 4096 =
     * 7,000,559,616, the same README's Baichuan-7B row. */
    const char *b7 = "{\"model_type\": \"baichuan\", \"architectures\": [\"BaiChuanForCausalLM\"], \"hidden_size\": 4096, "
                     "\"intermediate_size\": 11008, \"max_position_embeddings\": 4096, \"num_attention_heads\": 32, "
                     "\"num_hidden_layers\": 32, \"vocab_size\": 64000, \"tie_word_embeddings\": false}";
    cr_assert_eq(llmcost_model_from_json(&m, b7, strlen(b7), "baichuan-7b"), 0, "%s", llmcost_errmsg());
    cr_assert_eq(llmcost_params_count(&p, m), 0);
    cr_expect_eq(p.total, 7000559616LL);
    cr_expect_eq(m->pos, LLMCOST_POS_ROTARY);
    cr_expect_eq(m->layers[0].attn.rotary_dim, 128);
    llmcost_model_free(m);
}

Test(params_derived, ministral3_text_config_tied_and_untied)
{
    /* Ministral 3 8B (text_config of a mistral3 wrapper, Mistral's layout): 131072*4096 embedding and untied head;
     * per layer q and o 4096*4096, k and v 4096*1024, MLP 3*4096*14336, 2 RMSNorms; final norm: 8,489,553,920 (the
     * card's 8.4B language model). */
    llmcost_params p = count("ministral-3-8b");
    cr_expect_eq(p.total, 2 * 131072LL * 4096 +
                              34 * (2 * 4096LL * 4096 + 2 * 4096LL * 1024 + 3 * 4096LL * 14336 + 2 * 4096) + 4096);
    cr_expect_eq(p.total, 8489553920LL);
    /* Ministral 3 3B: h 3072, 26 layers, f 9216, 32 heads of 128 and 8 kv heads, tied (Megatron-Bridge's
     * Ministral3ModelProvider3B shares embeddings and head): 131072*3072 + 26*(2*3072*4096 + 2*3072*1024 +
     * 3*3072*9216 + 2*3072) + 3072 = 3,429,006,336, the card's 3.4B language model; a window on every layer. */
    const char *m3 = "{\"model_type\": \"mistral3\", \"text_config\": {\"model_type\": \"ministral3\", \"hidden_size\": 3072, "
                     "\"intermediate_size\": 9216, \"num_hidden_layers\": 26, \"num_attention_heads\": 32, "
                     "\"num_key_value_heads\": 8, \"head_dim\": 128, \"vocab_size\": 131072, "
                     "\"tie_word_embeddings\": true, \"sliding_window\": 4096}}";
    llmcost_model *m = NULL;
    cr_assert_eq(llmcost_model_from_json(&m, m3, strlen(m3), "ministral3-3b"), 0, "%s", llmcost_errmsg());
    cr_assert_eq(llmcost_params_count(&p, m), 0);
    cr_expect_eq(p.total, 3429006336LL);
    cr_expect_eq(p.components[LLMCOST_PC_LM_HEAD], 0);
    cr_expect_str_eq(m->model_type, "ministral3");
    cr_expect_eq(m->layers[0].attn.sliding_window, 4096);
    cr_expect_eq(m->layers[25].attn.sliding_window, 4096);
    llmcost_model_free(m);
}

Test(params_derived, granite4_dense_is_granitemoehybrid_with_attention_layers_only)
{
    /* Granite-4.0-Micro (modular_granitemoehybrid.py, 40 "attention" layer_types, no experts): per layer q and o
     * 2560*2560, k and v 2560*512, shared_mlp input_linear 2560*2*8192 and output_linear 8192*2560, 2 RMSNorms; tied
     * 100352*2560 embedding; final norm: 3,402,836,480 (the card's 3B dense model). */
    llmcost_params p = count("granite-4.0-micro");
    cr_expect_eq(p.components[LLMCOST_PC_MLP], 40LL * 3 * 2560 * 8192);
    cr_expect_eq(p.total, 100352LL * 2560 +
                              40 * (2 * 2560LL * 2560 + 2 * 2560LL * 512 + 3 * 2560LL * 8192 + 2 * 2560) + 2560);
    cr_expect_eq(p.total, 3402836480LL);
    /* No position_embedding_type (the config class's None): GraniteMoeHybridModel builds no rotary embedding. */
    const char *nope = "{\"model_type\": \"granitemoehybrid\", \"hidden_size\": 64, \"num_hidden_layers\": 2, "
                       "\"num_attention_heads\": 4, \"vocab_size\": 100, \"intermediate_size\": 32, "
                       "\"shared_intermediate_size\": 128, \"num_local_experts\": 0, \"tie_word_embeddings\": true, "
                       "\"layer_types\": [\"attention\", \"attention\"]}";
    llmcost_model *m = NULL;
    cr_assert_eq(llmcost_model_from_json(&m, nope, strlen(nope), "granite4-nope"), 0, "%s", llmcost_errmsg());
    cr_assert_eq(llmcost_params_count(&p, m), 0);
    /* per layer 4*64*64 + 3*64*128 + 2*64 = 41,088; x2 + 100*64 + 64 = 88,640 */
    cr_expect_eq(p.total, 88640);
    cr_expect_eq(m->pos, LLMCOST_POS_NONE);
    cr_expect_eq(m->layers[0].attn.rotary_dim, 0);
    llmcost_model_free(m);
    /* A Mamba2 layer (GraniteMoeHybridMambaLayer, BambaMixer) in place of attention, with its norm and shared MLP:
     * width 2*64 = 128 = 4 heads x 32, 2 groups of state 8: conv_dim 128 + 32 = 160; in_proj 64*(128 + 160 + 4) =
     * 18,688; conv1d 160*4 + 160 = 800; dt_bias, A_log, D 12; gated norm 128; out_proj 8,192: 27,820. Attention 4*64*64
     * = 16,384; the shared MLP 3*64*32 = 6,144 and two norms 128 in both layers; tied embedding 6,400, final norm 64:
     * 27,820 + 16,384 + 2*(6,144 + 128) + 6,464 = 63,212. */
    const char *hybrid = "{\"model_type\": \"granitemoehybrid\", \"hidden_size\": 64, \"num_hidden_layers\": 2, "
                         "\"num_attention_heads\": 4, \"vocab_size\": 100, \"intermediate_size\": 32, "
                         "\"shared_intermediate_size\": 32, \"num_local_experts\": 0, "
                         "\"mamba_n_heads\": 4, \"mamba_d_state\": 8, \"mamba_n_groups\": 2, \"mamba_expand\": 2, "
                         "\"tie_word_embeddings\": true, \"layer_types\": [\"mamba\", \"attention\"]}";
    cr_assert_eq(llmcost_model_from_json(&m, hybrid, strlen(hybrid), "granite4-h"), 0, "%s", llmcost_errmsg());
    cr_assert_eq(llmcost_params_count(&p, m), 0);
    cr_expect_eq(p.total, 63212);
    cr_expect_eq(m->layers[0].ssm, 1);
    cr_expect_eq(m->layers[0].attn.n_heads, 0);
    cr_expect_eq(m->layers[0].ffn.dense.d_ff, 32);
    cr_expect_eq(m->layers[1].ssm, 0);
    llmcost_flops f;
    llmcost_flops_options fo = LLMCOST_FLOPS_OPTIONS_INIT;
    cr_expect_eq(llmcost_flops_compute(&f, m, &fo), 0, "%s", llmcost_errmsg());
    llmcost_model_free(m);
    /* Its heads and state size are required: no default is assumed for them. */
    const char *bare = "{\"model_type\": \"granitemoehybrid\", \"hidden_size\": 64, \"num_hidden_layers\": 2, "
                       "\"num_attention_heads\": 4, \"vocab_size\": 100, \"intermediate_size\": 32, "
                       "\"num_local_experts\": 0, \"layer_types\": [\"mamba\", \"attention\"]}";
    cr_expect_lt(llmcost_model_from_json(&m, bare, strlen(bare), "granite4-bare"), 0);
    cr_expect(strstr(llmcost_errmsg(), "mamba_n_heads") != NULL, "%s", llmcost_errmsg());
    /* Another family's layer_types naming mamba is refused. */
    const char *other = "{\"model_type\": \"llama\", \"hidden_size\": 64, \"num_hidden_layers\": 2, "
                        "\"num_attention_heads\": 4, \"vocab_size\": 100, \"intermediate_size\": 32, "
                        "\"layer_types\": [\"mamba\", \"attention\"]}";
    cr_expect_eq(llmcost_model_from_json(&m, other, strlen(other), "llama-mamba"), LLMCOST_EUNSUPPORTED);
    cr_expect(strstr(llmcost_errmsg(), "layer_types[0]' is mamba") != NULL, "%s", llmcost_errmsg());
    const char *none = "{\"model_type\": \"granitemoehybrid\", \"hidden_size\": 64, \"num_hidden_layers\": 2, "
                       "\"num_attention_heads\": 4, \"vocab_size\": 100, \"intermediate_size\": 32, "
                       "\"num_local_experts\": 0}";
    cr_expect_eq(llmcost_model_from_json(&m, none, strlen(none), "granite4-none"), LLMCOST_EUNSUPPORTED);
    cr_expect(strstr(llmcost_errmsg(), "no key 'layer_types'") != NULL, "%s", llmcost_errmsg());
}

/* State-space mixers, each count derived by hand from the transformers modules (docs/formulas.md, "State-space
 * mixers"). */
Test(params_ssm, mamba2_mixer_counted_module_by_module)
{
    /* Mamba2Mixer with h 64, expand 2 -> d 128 = 4 heads x 32, state 16, 2 groups, kernel 4: conv_dim = 128 + 2*2*16
     * = 192; in_proj 64*(128 + 192 + 4) = 20,736; conv1d 192*4 + 192 = 960; dt_bias, A_log, D 3*4 = 12; gated norm
     * 128; out_proj 128*64 = 8,192: 30,028 per mixer; + block RMSNorm 64, x2 layers = 60,184; embedding 100*64 =
     * 6,400 (tied); norm_f 64: 66,648. */
    llmcost_model *m = from_text("{\"model_type\": \"mamba2\", \"hidden_size\": 64, \"num_hidden_layers\": 2, "
                                 "\"expand\": 2, \"num_heads\": 4, \"head_dim\": 32, \"state_size\": 16, "
                                 "\"n_groups\": 2, \"conv_kernel\": 4, \"vocab_size\": 100, "
                                 "\"tie_word_embeddings\": true}");
    cr_expect_eq(m->n_ssm, 1);
    cr_expect_eq(m->layers[0].ssm, 1);
    cr_expect_eq(m->layers[1].ssm, 1);
    cr_expect_eq(m->layers[0].attn.n_heads, 0);
    const llmcost_ssm *s = llmcost_layer_ssm(m, &m->layers[0]);
    cr_assert_not_null(s);
    cr_expect_eq(s->kind, LLMCOST_SSM_MAMBA2);
    cr_expect_eq(s->d_inner, 128);
    cr_expect_eq(s->chunk_size, 256); /* Mamba2Config's default */
    llmcost_layer_params lp;
    cr_assert_eq(llmcost_params_layer(&lp, m, &m->layers[0]), 0);
    cr_expect_eq(lp.attention, 30028);
    cr_expect_eq(lp.norms, 64);
    llmcost_params p;
    cr_assert_eq(llmcost_params_count(&p, m), 0);
    cr_expect_eq(p.total, 66648);
    cr_expect_eq(p.components[LLMCOST_PC_LM_HEAD], 0);
    /* Every engine costs it (test_flops.c flops_ssm, test_memory.c memory_ssm). PEFT has no default LoRA targets for
     * mamba2, so none are assumed; in_proj takes an adapter of r (64 + 324) (tests/test_finetune.c finetune_ssm). */
    cr_expect_null(llmcost_model_unmodelled(m));
    llmcost_finetune ft = LLMCOST_FINETUNE_INIT;
    ft.method = LLMCOST_FT_LORA;
    llmcost_finetune_params fp;
    cr_expect_eq(llmcost_finetune_count(&fp, m, &ft), LLMCOST_EUNSUPPORTED);
    cr_expect(strstr(llmcost_errmsg(), "no default target modules") != NULL, "%s", llmcost_errmsg());
    cr_assert_eq(llmcost_lora_targets_parse(&ft.targets, m, "in_proj"), 0, "%s", llmcost_errmsg());
    cr_assert_eq(llmcost_finetune_count(&fp, m, &ft), 0, "%s", llmcost_errmsg());
    cr_expect_eq(fp.trainable, 2 * 8 * (64 + 128 + 192 + 4));
    llmcost_model_free(m);
}

Test(params_ssm, mamba1_mixer_counted_module_by_module)
{
    /* MambaMixer with h 64, expand 2 -> d 128, state 8, kernel 4, time_step_rank "auto" = ceil(64/16) = 4:
     * in_proj 64*256 = 16,384; conv1d 128*4 + 128 = 640; x_proj 128*(4 + 16) = 2,560; dt_proj 4*128 + 128 = 640;
     * A_log 128*8 = 1,024; D 128; out_proj 128*64 = 8,192: 29,568; + norm 64, x2 = 59,264; embedding 6,400 (tied,
     * MambaConfig's default); norm_f 64: 65,728. The omitted biases are MambaConfig's defaults, use_bias False (no
     * in_proj/out_proj bias) and use_conv_bias True, in its first release and in today's dataclass form alike
     * (configuration_mamba.py); a stored use_bias=True version is the unmerged PR huggingface/transformers#38604. */
    llmcost_model *m = from_text("{\"model_type\": \"mamba\", \"hidden_size\": 64, \"num_hidden_layers\": 2, "
                                 "\"expand\": 2, \"state_size\": 8, \"conv_kernel\": 4, \"time_step_rank\": \"auto\", "
                                 "\"vocab_size\": 100}");
    llmcost_layer_params lp;
    cr_assert_eq(llmcost_params_layer(&lp, m, &m->layers[0]), 0);
    cr_expect_eq(lp.attention, 29568);
    llmcost_params p;
    cr_assert_eq(llmcost_params_count(&p, m), 0);
    cr_expect_eq(p.total, 65728);
    cr_expect_eq(llmcost_layer_ssm(m, &m->layers[1])->dt_rank, 4);
    cr_expect_null(llmcost_model_unmodelled(m));
    llmcost_model_free(m);
}

Test(params_ssm, nemotron_h_pattern_maps_each_layer_to_its_kind)
{
    /* "M*-": a Mamba-2 block (4 heads x 16 = 64 wide, state 8, 2 groups: conv_dim 64 + 32 = 96; in_proj
     * 64*(64 + 96 + 4) = 10,496; conv1d 96*4 + 96 = 480; 12; norm 64; out_proj 4,096: 15,148), an attention block
     * (q 64*64, k and v 64*32, o 64*64, no biases: 12,288), an MLP block (up and down 2*64*96 = 12,288); three
     * block norms 192, final norm 64, embedding and untied head 2*100*64 = 12,800: 52,780. */
    llmcost_model *m = from_text("{\"model_type\": \"nemotron_h\", \"hidden_size\": 64, \"num_hidden_layers\": 3, "
                                 "\"hybrid_override_pattern\": \"M*-\", \"num_attention_heads\": 4, "
                                 "\"num_key_value_heads\": 2, \"head_dim\": 16, \"mamba_num_heads\": 4, "
                                 "\"mamba_head_dim\": 16, \"ssm_state_size\": 8, \"n_groups\": 2, \"conv_kernel\": 4, "
                                 "\"intermediate_size\": 96, \"vocab_size\": 100}");
    cr_expect_eq(m->n_ssm, 1);
    cr_expect_eq(m->layers[0].ssm, 1);
    cr_expect_eq(m->layers[1].ssm, 0);
    cr_expect_eq(m->layers[1].attn.n_heads, 4);
    cr_expect_eq(m->layers[1].ffn.dense.d_ff, 0);
    cr_expect_eq(m->layers[2].attn.n_heads, 0);
    cr_expect_eq(m->layers[2].ffn.dense.d_ff, 96);
    cr_expect_not(m->layers[2].ffn.dense.gated);
    cr_expect_eq(m->act, LLMCOST_ACT_RELU2);
    llmcost_params p;
    cr_assert_eq(llmcost_params_count(&p, m), 0);
    cr_expect_eq(p.components[LLMCOST_PC_ATTENTION], 15148 + 12288);
    cr_expect_eq(p.components[LLMCOST_PC_MLP], 12288);
    cr_expect_eq(p.components[LLMCOST_PC_NORMS], 192 + 64);
    cr_expect_eq(p.total, 52780);
    /* layers_block_type names the same layout. */
    llmcost_model *n = from_text("{\"model_type\": \"nemotron_h\", \"hidden_size\": 64, \"num_hidden_layers\": 3, "
                                 "\"layers_block_type\": [\"mamba\", \"attention\", \"mlp\"], "
                                 "\"num_attention_heads\": 4, \"num_key_value_heads\": 2, \"head_dim\": 16, "
                                 "\"mamba_num_heads\": 4, \"mamba_head_dim\": 16, \"ssm_state_size\": 8, "
                                 "\"n_groups\": 2, \"conv_kernel\": 4, \"intermediate_size\": 96, \"vocab_size\": 100}");
    llmcost_params q;
    cr_assert_eq(llmcost_params_count(&q, n), 0);
    cr_expect_eq(q.total, 52780);
    llmcost_model_free(n);
    llmcost_model_free(m);
}

/* Qwen3-Next's layers, each count derived by hand from modular_qwen3_next.py (docs/formulas.md, "Gated DeltaNet"). */
Test(params_linear_attention, qwen3_next_layers_counted_module_by_module)
{
    /* h 64, 4 layers, full_attention_interval 2: layers 0 and 2 Gated DeltaNet, 1 and 3 gated attention.
     * Qwen3NextGatedDeltaNet with 2 key heads of 8 (key_dim 16) and 4 value heads of 8 (value_dim 32), kernel 4:
     * conv_dim = 2*16 + 32 = 64; in_proj_qkvz 64*(2*16 + 2*32) = 6,144; in_proj_ba 64*(2*4) = 512; conv1d 64*4 = 256
     * (no bias); dt_bias and A_log 4 + 4; norm 8; out_proj 32*64 = 2,048: 8,976.
     * Qwen3NextAttention with 4 heads of 16, 2 kv heads: q_proj 64*(2*4*16) = 8,192 (queries and gate); k_proj and
     * v_proj 64*32 = 2,048 each; o_proj 64*64 = 4,096; q_norm and k_norm 16 + 16: 16,416.
     * Sparse block (4 experts of 32, top 2, shared expert 48, mlp_only_layers [3]): router 64*4 = 256; experts
     * 4*3*64*32 = 24,576; shared expert 3*64*48 = 9,216 and its gate 64: 34,112. Layer 3's dense MLP 3*64*96 = 18,432.
     * Two norms a layer, 128. Layers: 43,216 + 50,656 + 43,216 + 34,976 = 172,064; embedding and untied head
     * 2*100*64 = 12,800; final norm 64: 184,928. Active: 2 of 4 experts in 3 layers: 184,928 - 3*2*6,144 = 148,064. */
    llmcost_model *m = from_text("{\"model_type\": \"qwen3_next\", \"hidden_size\": 64, \"num_hidden_layers\": 4, "
                                 "\"num_attention_heads\": 4, \"num_key_value_heads\": 2, \"head_dim\": 16, "
                                 "\"intermediate_size\": 96, \"vocab_size\": 100, \"full_attention_interval\": 2, "
                                 "\"linear_num_key_heads\": 2, \"linear_key_head_dim\": 8, "
                                 "\"linear_num_value_heads\": 4, \"linear_value_head_dim\": 8, "
                                 "\"linear_conv_kernel_dim\": 4, \"num_experts\": 4, \"num_experts_per_tok\": 2, "
                                 "\"moe_intermediate_size\": 32, \"shared_expert_intermediate_size\": 48, "
                                 "\"mlp_only_layers\": [3], \"partial_rotary_factor\": 0.25}");
    cr_expect_eq(m->layers[0].ssm, 1);
    cr_expect_eq(m->layers[0].attn.n_heads, 0);
    cr_expect_eq(m->layers[1].ssm, 0);
    cr_expect(m->layers[1].attn.output_gate);
    cr_expect_eq(m->layers[1].attn.rotary_dim, 4); /* int(16 * 0.25) */
    cr_expect(!m->layers[3].ffn.moe && m->layers[3].ffn.dense.d_ff == 96);
    const llmcost_ssm *s = llmcost_layer_ssm(m, &m->layers[2]);
    cr_assert_not_null(s);
    cr_expect_eq(s->kind, LLMCOST_SSM_GATED_DELTANET);
    llmcost_layer_params lp;
    cr_assert_eq(llmcost_params_layer(&lp, m, &m->layers[0]), 0);
    cr_expect_eq(lp.attention, 8976);
    cr_assert_eq(llmcost_params_layer(&lp, m, &m->layers[1]), 0);
    cr_expect_eq(lp.attention, 16416);
    cr_expect_eq(lp.routed_experts + lp.router + lp.shared_experts, 34112);
    llmcost_params p;
    cr_assert_eq(llmcost_params_count(&p, m), 0);
    cr_expect_eq(p.total, 184928);
    cr_expect_eq(p.active, 148064);
    /* The other engines cost the mixers as fla's chunked delta rule and the gate as its own work
     * (tests/test_flops.c, flops_linear_attention), not as attention or as Mamba. */
    cr_expect_null(llmcost_model_unmodelled(m));
    llmcost_model_free(m);
}

Test(params_linear_attention, qwen3_next_class_defaults_and_layer_types)
{
    /* Without head_dim or num_experts, Qwen3NextConfig's defaults: head_dim 256 (not 64 / 4), 512 experts, top 10;
     * layer_types, when given, decides each layer's mixer. */
    llmcost_model *m = from_text("{\"model_type\": \"qwen3_next\", \"hidden_size\": 64, \"num_hidden_layers\": 2, "
                                 "\"num_attention_heads\": 4, \"num_key_value_heads\": 2, \"vocab_size\": 100, "
                                 "\"layer_types\": [\"full_attention\", \"linear_attention\"]}");
    cr_expect_eq(m->layers[0].attn.head_dim, 256);
    cr_expect_eq(m->layers[0].ssm, 0);
    cr_expect_eq(m->layers[1].ssm, 1);
    cr_expect_eq(m->layers[0].ffn.n_experts, 512);
    cr_expect_eq(m->layers[0].ffn.top_k, 10);
    llmcost_model_free(m);
    const char *bad = "{\"model_type\": \"qwen3_next\", \"hidden_size\": 64, \"num_hidden_layers\": 2, "
                      "\"num_attention_heads\": 4, \"vocab_size\": 100, "
                      "\"layer_types\": [\"full_attention\", \"mamba\"]}";
    cr_expect_eq(llmcost_model_from_json(&m, bad, strlen(bad), "bad"), LLMCOST_EINVAL);
    cr_expect(strstr(llmcost_errmsg(), "layer_types[1]") != NULL, "%s", llmcost_errmsg());
    cr_expect_null(m);
}

Test(params_ssm_width, mamba_intermediate_size_given_beside_expand_wins)
{
    /* MambaConfig / FalconMambaConfig compute int(expand * hidden) and then set the config's own intermediate_size
     * over it (PretrainedConfig); Falcon-Mamba-7B's config.json has expand 16 beside intermediate_size 8192. Here h 64,
     * expand 16, intermediate_size 128, state 8, kernel 4, rank 4: in_proj 64*256 = 16,384; conv1d 128*4 + 128 = 640;
     * x_proj 128*(4 + 16) = 2,560; dt_proj 4*128 + 128 = 640; A_log 1,024; D 128; out_proj 8,192: 29,568 (the mixer of
     * width 128, not of int(16 * 64) = 1024). */
    llmcost_model *m = from_text("{\"model_type\": \"falcon_mamba\", \"hidden_size\": 64, \"num_hidden_layers\": 1, "
                                 "\"expand\": 16, \"intermediate_size\": 128, \"state_size\": 8, \"conv_kernel\": 4, "
                                 "\"time_step_rank\": 4, \"vocab_size\": 100}");
    cr_expect_eq(llmcost_layer_ssm(m, &m->layers[0])->d_inner, 128);
    llmcost_layer_params lp;
    cr_assert_eq(llmcost_params_layer(&lp, m, &m->layers[0]), 0);
    cr_expect_eq(lp.attention, 29568);
    llmcost_model_free(m);
}

Test(params_ssm, jamba_periods_place_attention_mamba_and_experts)
{
    /* JambaForCausalLM with h 64, 2 layers, attention where i % 2 == 1, experts where i % 2 == 0. Layer 0, Mamba
     * (d 128, state 8, dt rank ceil(64/16) = 4): in_proj 16,384, conv1d 640, x_proj 128*(4 + 16) = 2,560, dt_proj 640,
     * A_log 1,024, D 128, the dt, B and C RMSNorms 4 + 8 + 8, out_proj 8,192: 29,588; with a mixture of 4 gated
     * experts of 32 (3*64*32 = 6,144 each) and a router 64*4: 24,832; two norms 128: 54,548. Layer 1: attention (q
     * and o 64*64, k and v 64*32) 12,288, a gated MLP 6,144, norms 128: 18,560. Untied embedding and head 2*6,400,
     * final norm 64: 85,972; active with 2 of the 4 experts: 73,684. */
    llmcost_model *m = from_text("{\"model_type\": \"jamba\", \"hidden_size\": 64, \"num_hidden_layers\": 2, "
                                 "\"num_attention_heads\": 4, \"num_key_value_heads\": 2, \"intermediate_size\": 32, "
                                 "\"vocab_size\": 100, \"attn_layer_period\": 2, \"attn_layer_offset\": 1, "
                                 "\"expert_layer_period\": 2, \"expert_layer_offset\": 0, \"num_experts\": 4, "
                                 "\"num_experts_per_tok\": 2, \"mamba_d_state\": 8, \"mamba_dt_rank\": \"auto\"}");
    cr_expect_eq(m->layers[0].ssm, 1);
    cr_expect(m->layers[0].ffn.moe);
    cr_expect_eq(m->layers[1].ssm, 0);
    cr_expect_eq(m->layers[1].attn.rotary_dim, 0);
    llmcost_params p;
    cr_assert_eq(llmcost_params_count(&p, m), 0);
    cr_expect_eq(p.total, 85972);
    cr_expect_eq(p.active, 73684);
    /* Its mixer runs as separate kernels in transformers (conv1d, the norms, the scan), which the engines cost as
     * such (tests/test_flops.c, flops_ssm/jamba_mixer_runs_its_kernels_one_by_one). */
    cr_expect(llmcost_layer_ssm(m, &m->layers[0])->dt_bc_norms);
    cr_expect_null(llmcost_model_unmodelled(m));
    llmcost_model_free(m);
}

Test(params_corpus, granite_4_h_small_mamba_heads_and_groups_as_published)
{
    /* ibm-granite/granite-4.0-h-small: mamba_n_heads 128 x mamba_d_head 64 = mamba_expand 2 x 4096, mamba_n_groups 1
     * (debaditc/kvfit's trimmed copy of the published config). 32,207,337,984 is that copy's HF safetensors total and
     * llama.cpp's n-params for the GGUF (data/validation/configs.json). A second group widens in_proj by 2 x 128
     * state rows (4096 x 256) and conv1d by 256 channels (4 taps + bias): 36 Mamba layers x 1,049,856 = 37,794,816. */
    char *text = slurp_file(src_path("tests/fixtures/configs/granite-4.0-h-small.json"));
    cr_assert_not_null(text);
    json_error_t e;
    json_t *cfg = json_loads(text, 0, &e);
    free(text);
    cr_assert_not_null(cfg, "%s", e.text);
    llmcost_model *m = NULL;
    char *s = json_dumps(cfg, 0);
    cr_assert_eq(llmcost_model_from_json(&m, s, strlen(s), "granite-4.0-h-small"), 0, "%s", llmcost_errmsg());
    free(s);
    const llmcost_ssm *ssm = llmcost_layer_ssm(m, &m->layers[0]);
    cr_assert_not_null(ssm);
    cr_expect_eq(ssm->n_heads, 128);
    cr_expect_eq(ssm->head_dim, 64);
    cr_expect_eq(ssm->n_groups, 1);
    llmcost_params p;
    cr_assert_eq(llmcost_params_count(&p, m), 0);
    cr_expect_eq(p.total, 32207337984LL);
    llmcost_model_free(m);
    json_object_set_new(cfg, "mamba_n_groups", json_integer(2));
    s = json_dumps(cfg, 0);
    cr_assert_eq(llmcost_model_from_json(&m, s, strlen(s), "granite-4.0-h-small"), 0, "%s", llmcost_errmsg());
    free(s);
    llmcost_params p2;
    cr_assert_eq(llmcost_params_count(&p2, m), 0);
    cr_expect_eq(p2.total - p.total, 37794816LL);
    llmcost_model_free(m);
    json_decref(cfg);
}

Test(params_corpus, counts_equal_public_checkpoint_sizes)
{
    /* Five corpus configs whose published checkpoints' sizes are on public record (sources in
     * data/validation/configs.json): the count read from the config, derived here from the modeling code, times the
     * checkpoint's bytes per parameter is the checkpoint's size. */
    struct {
        const char *file;
        long long derived;
        long long checkpoint_bytes;
        int bytes_per_param;
    } cases[] = {
        /* modeling_olmo2.py: embed + head 2*100352*5120; per layer q/k/v/o 4*5120^2, q_norm and k_norm over the whole
         * projections 2*5120, MLP 3*5120*13824, two post-norms 2*5120; x40; final norm. Float32 checkpoint:
         * model.safetensors.index.json total_size 54,864,793,600. */
        {"olmo-2-1124-13b.json", 2LL * 100352 * 5120 + 40 * (4LL * 5120 * 5120 + 2 * 5120 + 3LL * 5120 * 13824 + 2 * 5120) + 5120,
         54864793600LL, 4},
        /* modeling_smollm3.py: tied embed 128256*2048; per layer q and o 2048^2 each, k and v 2048*512 each, MLP
         * 3*2048*11008, 2 RMSNorms; x36; final norm. Safetensors total_size 6,150,197,248. */
        {"smollm3-3b.json", 128256LL * 2048 + 36 * (2LL * 2048 * 2048 + 2LL * 2048 * 512 + 3LL * 2048 * 11008 + 2 * 2048) + 2048,
         6150197248LL, 2},
        /* modeling_qwen2.py: embed + head 2*152064*5120; per layer q 5120^2 + 5120, k and v 5120*1024 + 1024 each,
         * o 5120^2, MLP 3*5120*13824, 2 RMSNorms; x48; final norm. Revision 97e1e763's index total_size
         * 29,540,067,328 (579 tensors = 48*12 + 3). */
        {"qwen2.5-14b.json",
         2LL * 152064 * 5120 + 48 * (2LL * 5120 * 5120 + 5120 + 2 * (5120LL * 1024 + 1024) + 3LL * 5120 * 13824 + 2 * 5120) + 5120,
         29540067328LL, 2},
        /* modeling_gemma3.py: tied embed 262144*640; per layer q 640*1024, k and v 640*256 each, o 1024*640, q_norm and
         * k_norm 2*256, MLP 3*640*2048, four norms 4*640; x18; final norm. model.safetensors' data, 236 tensors
         * (18*13 + 2): 536,196,352 bytes. */
        {"gemma-3-270m.json", 262144LL * 640 + 18 * (2LL * 640 * 1024 + 2LL * 640 * 256 + 2 * 256 + 3LL * 640 * 2048 + 4 * 640) + 640,
         536196352LL, 2},
        /* the repository's modeling_internlm2.py: tok_embeddings + output 2*92544*4096; per layer wqkv 4096*(32+16)*128,
         * wo 4096^2, w1/w3/w2 3*4096*14336, 2 RMSNorms; x32; final norm. A checkpoint of this shape: 227 tensors
         * (32*7 + 3), 15,475,417,088 BF16 bytes. */
        {"internlm2_5-7b-chat.json",
         2LL * 92544 * 4096 + 32 * (4096LL * 48 * 128 + 4096LL * 4096 + 3LL * 4096 * 14336 + 2 * 4096) + 4096, 15475417088LL, 2},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        llmcost_model *m = corpus(cases[i].file);
        llmcost_params p;
        cr_assert_eq(llmcost_params_count(&p, m), 0);
        cr_expect_eq(p.total, cases[i].derived, "%s: %lld", cases[i].file, (long long)p.total);
        cr_expect_eq(p.total * cases[i].bytes_per_param, cases[i].checkpoint_bytes, "%s", cases[i].file);
        llmcost_model_free(m);
    }
}

Test(params_derived, bidirectional_attention_is_refused_not_costed_as_causal)
{
    /* Gemma3TextConfig's use_bidirectional_attention (EmbeddingGemma) drops the causal mask: same parameters, but
     * every engine costs s(s+1)/2 attention pairs, so true is refused; false (gemma-3-270m-it's config.json) reads. */
    const char *base = "{\"model_type\": \"gemma3_text\", \"hidden_size\": 64, \"num_hidden_layers\": 2, "
                       "\"num_attention_heads\": 4, \"num_key_value_heads\": 1, \"head_dim\": 16, "
                       "\"intermediate_size\": 128, \"vocab_size\": 100, \"use_bidirectional_attention\": %s}";
    char cfg[512];
    llmcost_model *m = NULL;
    snprintf(cfg, sizeof cfg, base, "true");
    cr_expect_eq(llmcost_model_from_json(&m, cfg, strlen(cfg), "embeddinggemma"), LLMCOST_EUNSUPPORTED);
    cr_expect(strstr(llmcost_errmsg(), "use_bidirectional_attention") != NULL, "%s", llmcost_errmsg());
    cr_expect_null(m);
    snprintf(cfg, sizeof cfg, base, "false");
    cr_assert_eq(llmcost_model_from_json(&m, cfg, strlen(cfg), "gemma3"), 0, "%s", llmcost_errmsg());
    llmcost_model_free(m);
}

Test(params_derived, falcon_h1_parallel_attention_and_mamba2_from_the_mixer_code)
{
    /* modular_falcon_h1.py, h 64, 2 layers, 4 heads and 2 kv heads of 64/4 = 16 (no head_dim), f 128, V 100:
     * FalconH1Attention (LlamaAttention, attention_bias true): q 64*64 + 64, k and v 64*32 + 32 each, o 64*64 + 64 =
     * 12,480. FalconH1Mixer: mamba_d_ssm 128, 4 heads ("auto": 32 each), 2 groups of 16: conv_dim 128 + 2*2*16 = 192,
     * in_proj 64*(128+192+4) + 324 (mamba_proj_bias) = 21,060, conv1d 192*4 + 192 = 960, dt_bias/A_log/D 12, gated
     * RMSNorm 128 (mamba_rms_norm), out_proj 128*64 + 64 (projectors_bias) = 8,256: 30,416. MLP 3*64*128 = 24,576,
     * two norms 128: layer 67,600, x2 = 135,200; untied embedding and head 2*100*64 = 12,800; final norm 64:
     * 148,064. */
    const char *cfg = "{\"model_type\": \"falcon_h1\", \"hidden_size\": 64, \"num_hidden_layers\": 2, "
                      "\"num_attention_heads\": 4, \"num_key_value_heads\": 2, \"intermediate_size\": 128, "
                      "\"vocab_size\": 100, \"mamba_d_ssm\": 128, \"mamba_n_heads\": 4, \"mamba_d_head\": \"auto\", "
                      "\"mamba_n_groups\": 2, \"mamba_d_state\": 16, \"mamba_rms_norm\": true, \"attention_bias\": true, "
                      "\"mamba_proj_bias\": true, \"projectors_bias\": true, \"key_multiplier\": 0.39, "
                      "\"ssm_multipliers\": [0.35, 0.25, 0.35, 0.5, 0.35], \"mlp_multipliers\": [0.88, 0.58]}";
    llmcost_model *m = NULL;
    cr_assert_eq(llmcost_model_from_json(&m, cfg, strlen(cfg), "falcon_h1"), 0, "%s", llmcost_errmsg());
    llmcost_layer_params lp;
    cr_assert_eq(llmcost_params_layer(&lp, m, &m->layers[1]), 0);
    cr_expect_eq(lp.attention, 12480 + 30416);
    cr_expect_eq(lp.mlp, 24576);
    llmcost_params p;
    cr_assert_eq(llmcost_params_count(&p, m), 0);
    cr_expect_eq(p.total, 148064);
    cr_expect_eq(p.buffers, 0); /* mup_vector is registered non-persistent */
    /* Every engine models the layer now (tests/test_flops.c flops_hybrid, test_memory.c memory_hybrid). */
    cr_expect_null(llmcost_model_unmodelled(m));
    cr_expect(m->mup_multipliers);
    llmcost_flops f;
    llmcost_flops_options fo = LLMCOST_FLOPS_OPTIONS_INIT;
    cr_expect_eq(llmcost_flops_compute(&f, m, &fo), 0, "%s", llmcost_errmsg());
    llmcost_model_free(m);
    /* Settings this reading cannot express are refused, each naming its key. */
    const char *const bad[][2] = {
        {"{\"model_type\": \"falcon_h1\", \"hidden_size\": 64, \"num_hidden_layers\": 2, \"num_attention_heads\": 4, "
         "\"num_key_value_heads\": 2, \"vocab_size\": 100, \"mamba_d_ssm\": 128, \"mamba_n_heads\": 4, \"projectors_bias\": true}", "projectors_bias"},
        {"{\"model_type\": \"falcon_h1\", \"hidden_size\": 64, \"num_hidden_layers\": 2, \"num_attention_heads\": 4, "
         "\"num_key_value_heads\": 2, \"vocab_size\": 100, \"mamba_d_ssm\": 128, \"mamba_n_heads\": 4, \"attn_layer_indices\": [1]}",
         "attn_layer_indices"},
        {"{\"model_type\": \"falcon_h1\", \"hidden_size\": 64, \"num_hidden_layers\": 2, \"num_attention_heads\": 4, "
         "\"num_key_value_heads\": 2, \"vocab_size\": 100, \"mamba_d_ssm\": 128, \"mamba_n_heads\": 4, \"mamba_use_mlp\": false}", "mamba_use_mlp"},
        {"{\"model_type\": \"falcon_h1\", \"hidden_size\": 64, \"num_hidden_layers\": 2, \"num_attention_heads\": 4, "
         "\"num_key_value_heads\": 2, \"vocab_size\": 100, \"mamba_n_heads\": 24, \"mamba_d_head\": 64}", "mamba_d_head"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        cr_expect_lt(llmcost_model_from_json(&m, bad[i][0], strlen(bad[i][0]), "falcon_h1"), 0, "%zu", i);
        cr_expect_null(m);
        cr_expect(strstr(llmcost_errmsg(), bad[i][1]) != NULL, "%s", llmcost_errmsg());
    }
}

Test(params_derived, zamba2_shared_blocks_counted_once_with_per_invocation_adapters)
{
    /* modular_zamba2.py, h 32, layers hybrid, mamba, hybrid; num_mem_blocks 3 of which two are ever invoked
     * (itertools.cycle over 2 hybrid layers), so registered. Mixer: d 64 = 4 heads x 16, 1 group of 8: conv_dim 80,
     * in_proj 32*148 = 4,736, conv1d 80*4 + 80 = 400, 12, gated norm 64, out_proj 64*32 = 2,048: 7,260 + the layer's
     * norm 32, x3 = 21,876. A shared block: input_layernorm 64 and pre_ff_layernorm 32; ZambaAttention over 2h = 64,
     * 4 heads of 16: q, k, v 64*64 each, o 64*32 = 14,336; Zamba2MLP gate_up 32*96 + down 48*32 = 4,608: 19,040, x2 =
     * 38,080. Per hybrid layer: Linear(32, 32) 1,024, q/k/v adapters 3*(64*4 + 4*64) = 1,536, gate_up adapter
     * 32*4 + 4*96 = 512: 3,072, x2 = 6,144. Tied embedding 50*32 = 1,600, final norm 32: 67,732. */
    const char *cfg = "{\"model_type\": \"zamba2\", \"hidden_size\": 32, \"num_hidden_layers\": 3, "
                      "\"layers_block_type\": [\"hybrid\", \"mamba\", \"hybrid\"], \"hybrid_layer_ids\": [0, 2], "
                      "\"num_mem_blocks\": 3, \"num_attention_heads\": 4, \"intermediate_size\": 48, "
                      "\"adapter_rank\": 4, \"use_shared_attention_adapter\": true, \"n_mamba_heads\": 4, "
                      "\"mamba_d_state\": 8, \"vocab_size\": 50}";
    llmcost_model *m = NULL;
    cr_assert_eq(llmcost_model_from_json(&m, cfg, strlen(cfg), "zamba2"), 0, "%s", llmcost_errmsg());
    cr_expect_eq(m->shared.n_blocks, 2);
    cr_expect_eq(m->shared.n_invocations, 2);
    llmcost_params p;
    cr_assert_eq(llmcost_params_count(&p, m), 0);
    cr_expect_eq(p.components[LLMCOST_PC_ATTENTION], 3 * 7260 + 2 * 14336 + 2 * (1024 + 1536));
    cr_expect_eq(p.components[LLMCOST_PC_MLP], 2 * 4608 + 2 * 512);
    cr_expect_eq(p.components[LLMCOST_PC_LM_HEAD], 0);
    cr_expect_eq(p.total, 67732);
    /* The hybrid layers (0 and 2) invoke a shared block; every engine models it now (tests/test_flops.c). */
    cr_expect(m->layers[0].shared_block && !m->layers[1].shared_block && m->layers[2].shared_block);
    cr_expect_null(llmcost_model_unmodelled(m));
    llmcost_flops f;
    llmcost_flops_options fo = LLMCOST_FLOPS_OPTIONS_INIT;
    cr_expect_eq(llmcost_flops_compute(&f, m, &fo), 0, "%s", llmcost_errmsg());
    llmcost_model_free(m);
    /* hybrid_layer_ids that disagree with layers_block_type are refused, naming the key. */
    const char *bad = "{\"model_type\": \"zamba2\", \"hidden_size\": 32, \"num_hidden_layers\": 3, "
                      "\"layers_block_type\": [\"hybrid\", \"mamba\", \"hybrid\"], \"hybrid_layer_ids\": [0, 1], "
                      "\"num_attention_heads\": 4, \"n_mamba_heads\": 4, \"vocab_size\": 50}";
    cr_expect_eq(llmcost_model_from_json(&m, bad, strlen(bad), "zamba2"), LLMCOST_EINVAL);
    cr_expect(strstr(llmcost_errmsg(), "hybrid_layer_ids") != NULL, "%s", llmcost_errmsg());
    /* use_shared_mlp_adapter (the hub's Zamba2-2.7B config: true): Zamba2MLP builds the gate_up adapters whatever it
     * says, so false still counts them (67,732 as above) and says so; a value that is not a boolean is refused. */
    char with[1024];
    snprintf(with, sizeof with, "%.*s, \"use_shared_mlp_adapter\": false}", (int)strlen(cfg) - 1, cfg);
    cr_assert_eq(llmcost_model_from_json(&m, with, strlen(with), "zamba2"), 0, "%s", llmcost_errmsg());
    cr_assert_eq(llmcost_params_count(&p, m), 0);
    cr_expect_eq(p.total, 67732);
    cr_expect(strstr(m->notes, "use_shared_mlp_adapter false") != NULL, "%s", m->notes);
    llmcost_model_free(m);
    snprintf(with, sizeof with, "%.*s, \"use_shared_mlp_adapter\": 1}", (int)strlen(cfg) - 1, cfg);
    cr_expect_eq(llmcost_model_from_json(&m, with, strlen(with), "zamba2"), LLMCOST_EINVAL);
    cr_expect(strstr(llmcost_errmsg(), "use_shared_mlp_adapter") != NULL, "%s", llmcost_errmsg());
}

Test(params_derived, qwen3_5_gated_deltanet_and_gated_attention_with_dense_mlps)
{
    /* modular_qwen3_5.py, a Qwen3_5Config with its text_config (the vision tower is not counted): h 64, 4 layers, no
     * layer_types: full attention where (i + 1) % 4 == 0 (layer 3), Gated DeltaNet elsewhere. Qwen3_5GatedDeltaNet
     * (2 key heads of 16, 4 value heads of 16: key_dim 32, value_dim 64): in_proj_qkv 64*(2*32 + 64) = 8,192,
     * in_proj_z 64*64 = 4,096, in_proj_b and in_proj_a 64*4 each, conv1d 128*4 (no bias), dt_bias and A_log 4 each,
     * the gated norm 16, out_proj 64*64 = 4,096: 17,432. Qwen3_5Attention (4 heads and 2 kv heads of 16, output
     * gate): q_proj 64*128, k and v 64*32 each, o 64*64, q_norm and k_norm 16 each: 16,416. Qwen3_5MLP 3*64*128 =
     * 24,576 in every layer; 2 norms of 64. 3*(17,432 + 24,576 + 128) + (16,416 + 24,576 + 128) = 167,528; untied
     * embedding and head 2*100*64 = 12,800; final norm 64: 180,392. */
    const char *cfg = "{\"model_type\": \"qwen3_5\", \"tie_word_embeddings\": false, "
                      "\"vision_config\": {\"depth\": 2, \"hidden_size\": 32}, \"text_config\": {"
                      "\"model_type\": \"qwen3_5_text\", \"hidden_size\": 64, \"num_hidden_layers\": 4, "
                      "\"num_attention_heads\": 4, \"num_key_value_heads\": 2, \"head_dim\": 16, "
                      "\"intermediate_size\": 128, \"vocab_size\": 100, \"linear_num_key_heads\": 2, "
                      "\"linear_key_head_dim\": 16, \"linear_num_value_heads\": 4, \"linear_value_head_dim\": 16, "
                      "\"rope_parameters\": {\"rope_type\": \"default\", \"rope_theta\": 10000000, "
                      "\"partial_rotary_factor\": 0.25, \"mrope_section\": [11, 11, 10]}}}";
    llmcost_model *m = NULL;
    cr_assert_eq(llmcost_model_from_json(&m, cfg, strlen(cfg), "qwen3_5"), 0, "%s", llmcost_errmsg());
    llmcost_layer_params lp;
    cr_assert_eq(llmcost_params_layer(&lp, m, &m->layers[0]), 0);
    cr_expect_eq(lp.attention, 17432);
    cr_expect_eq(lp.mlp, 24576);
    cr_assert_eq(llmcost_params_layer(&lp, m, &m->layers[3]), 0);
    cr_expect_eq(lp.attention, 16416);
    cr_expect_eq(m->layers[3].attn.rotary_dim, 4);
    llmcost_params p;
    cr_assert_eq(llmcost_params_count(&p, m), 0);
    cr_expect_eq(p.total, 180392);
    cr_expect_eq(p.active, p.total);
    cr_expect_str_eq(m->family, "Qwen3.5");
    /* Qwen3-Next's mixers (its split projections hold the same weights as the fused ones): every engine models them */
    cr_expect_null(llmcost_model_unmodelled(m), "%s", llmcost_model_unmodelled(m));
    llmcost_model_free(m);
    /* Expert keys: Qwen3_5TextConfig deletes them, so a config that sets them is not this model: refused. */
    const char *moe = "{\"model_type\": \"qwen3_5_text\", \"hidden_size\": 64, \"num_hidden_layers\": 4, "
                      "\"num_attention_heads\": 4, \"num_key_value_heads\": 2, \"head_dim\": 16, "
                      "\"intermediate_size\": 128, \"vocab_size\": 100, \"num_experts\": 8, \"num_experts_per_tok\": 2}";
    cr_expect_eq(llmcost_model_from_json(&m, moe, strlen(moe), "qwen3_5_text"), LLMCOST_EUNSUPPORTED);
    cr_expect(strstr(llmcost_errmsg(), "num_experts") != NULL, "%s", llmcost_errmsg());
    /* A head tied at one level and not at the other is refused. */
    const char *tie = "{\"model_type\": \"qwen3_5\", \"tie_word_embeddings\": true, \"text_config\": {"
                      "\"model_type\": \"qwen3_5_text\", \"hidden_size\": 64, \"num_hidden_layers\": 4, "
                      "\"num_attention_heads\": 4, \"num_key_value_heads\": 2, \"head_dim\": 16, "
                      "\"intermediate_size\": 128, \"vocab_size\": 100}}";
    cr_expect_eq(llmcost_model_from_json(&m, tie, strlen(tie), "qwen3_5"), LLMCOST_EUNSUPPORTED);
    cr_expect(strstr(llmcost_errmsg(), "tie_word_embeddings") != NULL, "%s", llmcost_errmsg());
}

Test(params_derived, qwen3_5_moe_sparse_block_in_every_layer)
{
    /* modular_qwen3_5_moe.py: the mixers of the Qwen3.5 case above (17,432 per Gated DeltaNet, 16,416 for the gated
     * attention) and in every layer Qwen3NextSparseMoeBlock: router 64*4 = 256, 4 experts of 3*64*32 = 6,144 each,
     * shared expert 3*64*48 = 9,216 and its gate 64: 34,112; 2 norms of 64. 3*(17,432 + 34,112 + 128) + (16,416 +
     * 34,112 + 128) = 205,672; untied embedding and head 12,800; final norm 64: 218,536. Active: 2 of 4 experts,
     * 4*2*6,144 fewer = 169,384. */
    const char *cfg = "{\"model_type\": \"qwen3_5_moe\", \"text_config\": {"
                      "\"model_type\": \"qwen3_5_moe_text\", \"hidden_size\": 64, \"num_hidden_layers\": 4, "
                      "\"num_attention_heads\": 4, \"num_key_value_heads\": 2, \"head_dim\": 16, "
                      "\"vocab_size\": 100, \"linear_num_key_heads\": 2, \"linear_key_head_dim\": 16, "
                      "\"linear_num_value_heads\": 4, \"linear_value_head_dim\": 16, \"num_experts\": 4, "
                      "\"num_experts_per_tok\": 2, \"moe_intermediate_size\": 32, "
                      "\"shared_expert_intermediate_size\": 48}}";
    llmcost_model *m = NULL;
    cr_assert_eq(llmcost_model_from_json(&m, cfg, strlen(cfg), "qwen3_5_moe"), 0, "%s", llmcost_errmsg());
    llmcost_params p;
    cr_assert_eq(llmcost_params_count(&p, m), 0);
    cr_expect_eq(p.total, 218536);
    cr_expect_eq(p.active, 169384);
    cr_expect_eq(llmcost_model_moe_layers(m), 4);
    llmcost_model_free(m);
    /* The keys Qwen3.5-MoE's hub configs add (mamba_ssm_dtype, the mtp keys, an empty mlp_only_layers) build nothing
     * in transformers: the same count. A non-empty mlp_only_layers, which the class deletes, is refused. */
    const char *hub = "{\"model_type\": \"qwen3_5_moe\", \"text_config\": {"
                      "\"model_type\": \"qwen3_5_moe_text\", \"hidden_size\": 64, \"num_hidden_layers\": 4, "
                      "\"num_attention_heads\": 4, \"num_key_value_heads\": 2, \"head_dim\": 16, "
                      "\"vocab_size\": 100, \"linear_num_key_heads\": 2, \"linear_key_head_dim\": 16, "
                      "\"linear_num_value_heads\": 4, \"linear_value_head_dim\": 16, \"num_experts\": 4, "
                      "\"num_experts_per_tok\": 2, \"moe_intermediate_size\": 32, "
                      "\"shared_expert_intermediate_size\": 48, \"mamba_ssm_dtype\": \"float32\", "
                      "\"mtp_num_hidden_layers\": 1, \"mtp_use_dedicated_embeddings\": false, \"mlp_only_layers\": []}}";
    cr_assert_eq(llmcost_model_from_json(&m, hub, strlen(hub), "qwen3_5_moe"), 0, "%s", llmcost_errmsg());
    cr_assert_eq(llmcost_params_count(&p, m), 0);
    cr_expect_eq(p.total, 218536);
    cr_expect_eq(p.active, 169384);
    cr_expect_eq(p.mtp, 0);
    llmcost_model_free(m);
    const char *listed = "{\"model_type\": \"qwen3_5_moe_text\", \"hidden_size\": 64, \"num_hidden_layers\": 4, "
                         "\"num_attention_heads\": 4, \"num_key_value_heads\": 2, \"head_dim\": 16, \"vocab_size\": 100, "
                         "\"num_experts\": 4, \"num_experts_per_tok\": 2, \"mlp_only_layers\": [1]}";
    cr_expect_eq(llmcost_model_from_json(&m, listed, strlen(listed), "qwen3_5_moe_text"), LLMCOST_EUNSUPPORTED);
    cr_expect(strstr(llmcost_errmsg(), "mlp_only_layers") != NULL, "%s", llmcost_errmsg());
    const char *dtype = "{\"model_type\": \"qwen3_5_text\", \"hidden_size\": 64, \"num_hidden_layers\": 4, "
                        "\"num_attention_heads\": 4, \"num_key_value_heads\": 2, \"head_dim\": 16, \"vocab_size\": 100, "
                        "\"mamba_ssm_dtype\": 32}";
    cr_expect_eq(llmcost_model_from_json(&m, dtype, strlen(dtype), "qwen3_5_text"), LLMCOST_EINVAL);
    cr_expect(strstr(llmcost_errmsg(), "mamba_ssm_dtype") != NULL, "%s", llmcost_errmsg());
    /* decoder_sparse_step, which the class deletes, is refused rather than honoured. */
    const char *bad = "{\"model_type\": \"qwen3_5_moe_text\", \"hidden_size\": 64, \"num_hidden_layers\": 4, "
                      "\"num_attention_heads\": 4, \"num_key_value_heads\": 2, \"head_dim\": 16, \"vocab_size\": 100, "
                      "\"num_experts\": 4, \"num_experts_per_tok\": 2, \"decoder_sparse_step\": 2}";
    cr_expect_eq(llmcost_model_from_json(&m, bad, strlen(bad), "qwen3_5_moe_text"), LLMCOST_EUNSUPPORTED);
    cr_expect(strstr(llmcost_errmsg(), "decoder_sparse_step") != NULL, "%s", llmcost_errmsg());
}

/* Qwen/Qwen3.5-0.8B's published config.json (tests/fixtures/configs, source in data/validation/configs.json), with the
 * keys the hub file carries beyond the config class: mamba_ssm_dtype (the recurrent-state dtype of vLLM's and SGLang's
 * caches; modeling_qwen3_5.py never reads it), mlp_only_layers [] and mtp_num_hidden_layers 1 (the checkpoint's mtp.*
 * module, which transformers does not build). The count is derived here from the config's dims, and the checkpoint's
 * published size rebuilt from it: Qwen3.5-0.8B-Base's model.safetensors.index.json has total_size 1,746,882,752 bytes
 * (a public transcript of the index; find_string "mamba_ssm_dtype", id 68616827808). */
Test(params_derived, qwen3_5_0_8b_real_config_and_its_checkpoint)
{
    llmcost_model *m = NULL;
    cr_assert_eq(llmcost_model_load(&m, src_path("tests/fixtures/configs/qwen3.5-0.8b.json")), 0, "%s",
                 llmcost_errmsg());
    const int64_t h = 1024, V = 248320, f = 3584, heads = 8, kv = 2, hd = 256;
    const int64_t kh = 16, vh = 16, kd = 128, vd = 128, conv = 4;
    const int64_t key_dim = kh * kd, value_dim = vh * vd;
    /* Qwen3_5GatedDeltaNet: in_proj_qkv, in_proj_z, in_proj_b, in_proj_a, conv1d over q,k,v (no bias), dt_bias,
     * A_log, the gated norm over head_v_dim, out_proj. */
    const int64_t deltanet = h * (2 * key_dim + value_dim) + h * value_dim + 2 * h * vh + (2 * key_dim + value_dim) * conv +
                             vh + vh + vd + value_dim * h;
    /* Qwen3_5Attention: q_proj with its gate half, k, v, o, q_norm and k_norm over head_dim. */
    const int64_t attention = h * (2 * heads * hd) + 2 * h * (kv * hd) + heads * hd * h + 2 * hd;
    const int64_t common = 3 * h * f + 2 * h; /* Qwen3_5MLP and the two RMSNorms */
    cr_expect_eq(deltanet, 10543264);
    cr_expect_eq(attention, 7340544);
    const int64_t text = V * h /* tied */ + 18 * (deltanet + common) + 6 * (attention + common) + h;
    llmcost_params p;
    cr_assert_eq(llmcost_params_count(&p, m), 0);
    cr_expect_eq(p.total, text);
    cr_expect_eq(p.total, 752393024);
    cr_expect_eq(p.active, p.total);
    cr_expect_eq(p.components[LLMCOST_PC_LM_HEAD], 0);
    cr_expect_eq(p.mtp, 0); /* not built by transformers */
    bool noted = false;
    for (const char *n = m->notes; (n = strstr(n, "mamba_ssm_dtype")) != NULL; n++)
        noted = true;
    cr_expect(noted, "%s", m->notes);
    /* The checkpoint: the text model, the mtp.* module (pre_fc_norm_embedding, pre_fc_norm_hidden, fc 2h -> h, one
     * full-attention decoder layer, norm; the embedding shared, mtp_use_dedicated_embeddings false) and the vision
     * tower of vision_config (Qwen3VLVisionModel without deepstack mergers: Conv3d patch_embed 3 x 2 x 16 x 16 -> 768
     * with bias, pos_embed 2304 x 768, 12 blocks of LayerNorms with biases, qkv and proj with biases and a 768 ->
     * 3072 -> 768 MLP with biases; the merger's LayerNorm over 768 and 4*768 -> 4*768 -> 1024 with biases). */
    const int64_t mtp = attention + common + 2 * h * h + 3 * h;
    const int64_t vh_ = 768, vf = 3072, vout = 1024;
    const int64_t block = 2 * (2 * vh_) + (vh_ * 3 * vh_ + 3 * vh_) + (vh_ * vh_ + vh_) + (vh_ * vf + vf) + (vf * vh_ + vh_);
    const int64_t merger = 2 * vh_ + (4 * vh_ * 4 * vh_ + 4 * vh_) + (4 * vh_ * vout + vout);
    const int64_t vision = (3 * 2 * 16 * 16 * vh_ + vh_) + 2304 * vh_ + 12 * block + merger;
    cr_expect_eq(mtp, 20452864);
    cr_expect_eq(vision, 100592896);
    /* bf16 everywhere except each Gated DeltaNet's A_log and gated-norm weight, stored in float32. */
    const int64_t fp32 = 18 * (vh + vd);
    cr_expect_eq(2 * (p.total + mtp + vision) + 2 * fp32, 1746882752LL);
    llmcost_model_free(m);
}

/* MiniMax-M1's published config.json (tests/fixtures/configs/minimax-m1-80k.json, model_type minimax_m1; source and
 * copies in data/validation/configs.json), read as transformers' MiniMax builds it (modular_minimax.py): attn_type_list
 * names 70 lightning-attention layers (0) and 10 softmax ones (1, every eighth), Mixtral's sparse block of 32 experts
 * (top 2) in every layer, untied. The count is derived here from the config's dims and checked against the checkpoint's
 * published total: a public audit of Hugging Face checkpoints gives MiniMaxAI/MiniMax-M1-80k and -40k 456,089,655,296
 * parameters (find_string "456089655296", id 69468411049); the cards' 456B total and 45.9B activated per token (the
 * latter without the embedding and the LM head). */
Test(params_derived, minimax_m1_real_config_lightning_attention)
{
    llmcost_model *m = NULL;
    cr_assert_eq(llmcost_model_load(&m, src_path("tests/fixtures/configs/minimax-m1-80k.json")), 0, "%s",
                 llmcost_errmsg());
    cr_expect_str_eq(m->model_type, "minimax_m1");
    cr_expect_null(llmcost_model_unmodelled(m));
    const int64_t h = 6144, V = 200064, L = 80, heads = 64, kv = 8, hd = 128, E = 32, k = 2, f = 9216, B = 256;
    const int64_t D = heads * hd;
    /* MiniMaxLightningAttention: qkv_proj h -> 3D, output_gate h -> D, out_proj D -> h (bias-free), norm over D. */
    const int64_t lightning = h * 3 * D + h * D + D * h + D;
    /* MiniMaxAttention (Mixtral's): q, k, v, o bias-free. */
    const int64_t attention = h * D + 2 * h * (kv * hd) + D * h;
    const int64_t expert = 3 * h * f;
    /* MiniMaxSparseMoeBlock: router h -> 32 and the experts; input_layernorm and post_attention_layernorm. */
    const int64_t layer_rest = E * h + E * expert + 2 * h;
    cr_expect_eq(lightning, 251666432);
    cr_expect_eq(attention, 113246208);
    int n_linear = 0;
    for (int64_t i = 0; i < m->n_layers; i++) {
        const llmcost_ssm *ss = llmcost_layer_ssm(m, &m->layers[i]);
        n_linear += ss != NULL;
        cr_expect_eq(ss == NULL, (i + 1) % 8 == 0, "layer %lld", (long long)i);
    }
    cr_expect_eq(m->n_layers, L);
    cr_expect_eq(n_linear, 70);
    const llmcost_ssm *ss = llmcost_layer_ssm(m, &m->layers[0]);
    cr_assert_not_null(ss);
    cr_expect_eq(ss->kind, LLMCOST_SSM_LIGHTNING);
    cr_expect_eq(ss->chunk_size, B); /* MiniMaxConfig's block_size default */
    cr_expect_eq(m->layers[7].attn.rotary_dim, 64); /* rotary_dim: half of each head */
    llmcost_params p;
    cr_assert_eq(llmcost_params_count(&p, m), 0);
    const int64_t total = 2 * V * h + 70 * lightning + 10 * attention + L * layer_rest + h;
    cr_expect_eq(p.total, total);
    cr_expect_eq(p.total, 456089655296LL); /* the checkpoint's published total */
    cr_expect_eq(p.active, p.total - L * (E - k) * expert);
    cr_expect_eq(p.active, 48403306496LL);
    cr_expect_eq(p.components[LLMCOST_PC_ROUTED_EXPERTS], L * E * expert);
    cr_expect_eq(round((double)p.total / 1e9), 456);                         /* card: 456B total */
    cr_expect_eq(round((double)(p.active - 2 * V * h) / 1e8), 459);          /* card: 45.9B activated */
    /* The decay buffers: slope_rate [H,1,1], query_decay and key_decay [H,B,1], diagonal_decay [1,H,B,B] a layer. */
    cr_expect_eq(p.buffers, 70 * (heads + 2 * heads * B + heads * B * B));
    llmcost_model_free(m);

    /* transformers' own spelling (model_type minimax: layer_types, block_size) builds the same model; absent
     * layer_types, MiniMaxConfig puts full attention in the even layers. */
    const char *small = "{\"model_type\": \"minimax\", \"hidden_size\": 64, \"num_hidden_layers\": 4, "
                        "\"num_attention_heads\": 4, \"num_key_value_heads\": 2, \"head_dim\": 16, \"vocab_size\": 100, "
                        "\"intermediate_size\": 32, \"num_local_experts\": 4, \"num_experts_per_tok\": 2, "
                        "\"block_size\": 8}";
    cr_assert_eq(llmcost_model_from_json(&m, small, strlen(small), "minimax"), 0, "%s", llmcost_errmsg());
    cr_expect_null(llmcost_layer_ssm(m, &m->layers[0]));
    cr_expect_not_null(llmcost_layer_ssm(m, &m->layers[1]));
    cr_assert_eq(llmcost_params_count(&p, m), 0);
    const int64_t sl = 64 * 3 * 64 + 64 * 64 + 64 * 64 + 64, sa = 64 * 64 + 2 * 64 * 32 + 64 * 64;
    const int64_t srest = 4 * 64 + 4 * 3 * 64 * 32 + 2 * 64;
    cr_expect_eq(p.total, 2 * 100 * 64 + 2 * sl + 2 * sa + 4 * srest + 64);
    cr_expect_eq(p.buffers, 2 * (4 + 2 * 4 * 8 + 4 * 8 * 8));
    llmcost_model_free(m);

    /* What transformers' MiniMax does not build is refused, naming its key. */
    static const struct {
        const char *extra, *msg;
    } bad[] = {
        {"\"shared_intermediate_size\": 1024", "shared_intermediate_size"},
        {"\"sliding_window\": 4096", "sliding_window"},
        {"\"layer_types\": [\"full_attention\", \"mamba\", \"full_attention\", \"linear_attention\"]", "layer_types[1]"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char cfg[1024];
        snprintf(cfg, sizeof cfg, "{\"model_type\": \"minimax\", \"hidden_size\": 64, \"num_hidden_layers\": 4, "
                 "\"num_attention_heads\": 4, \"vocab_size\": 100, \"intermediate_size\": 32, "
                 "\"num_local_experts\": 4, \"num_experts_per_tok\": 2, %s}", bad[i].extra);
        cr_expect_neq(llmcost_model_from_json(&m, cfg, strlen(cfg), "minimax"), 0, "%s", cfg);
        cr_expect(strstr(llmcost_errmsg(), bad[i].msg) != NULL, "%s", llmcost_errmsg());
    }
}

/* Qwen/Qwen3.6-35B-A3B's published config.json (tests/fixtures/configs/qwen3.6-35b-a3b.json, model_type qwen3_5_moe;
 * source and copies in data/validation/configs.json): Qwen3.5-MoE's language model under text_config, layer_types
 * naming 30 Gated DeltaNets and 10 gated attentions, 256 experts of 512 (top 8), a shared expert of 512 with its
 * sigmoid gate in every layer, untied. The count is derived here from the config's dims; two independent figures
 * check it: a public implementation of the Qwen3.5-35B-A3B text decoder (the same layout) gives its text parameters
 * as 34,660,610,688 (find_string "Text parameters", id 70309621868), and a public quantization request for a
 * fine-tune with this config (Don-oz/Tess-4-35B-A3B, id 60219451591) gives the checkpoint's params as 35.95 (billions),
 * model_weight_gb 71.9: the text model plus the vision tower and the mtp.* module rebuilt below. */
Test(params_derived, qwen3_6_35b_a3b_real_config_and_its_checkpoint)
{
    llmcost_model *m = NULL;
    cr_assert_eq(llmcost_model_load(&m, src_path("tests/fixtures/configs/qwen3.6-35b-a3b.json")), 0, "%s",
                 llmcost_errmsg());
    cr_expect_str_eq(m->model_type, "qwen3_5_moe_text");
    const int64_t h = 2048, V = 248320, L = 40, heads = 16, kv = 2, hd = 256;
    const int64_t kh = 16, vh = 32, kd = 128, vd = 128, conv = 4;
    const int64_t E = 256, k = 8, fe = 512, fs = 512;
    const int64_t key_dim = kh * kd, value_dim = vh * vd;
    /* Qwen3_5MoeGatedDeltaNet: in_proj_qkv, in_proj_z, in_proj_b, in_proj_a, conv1d over q, k, v (no bias), dt_bias,
     * A_log, the gated norm over head_v_dim, out_proj. */
    const int64_t deltanet = h * (2 * key_dim + value_dim) + h * value_dim + 2 * h * vh + (2 * key_dim + value_dim) * conv +
                             vh + vh + vd + value_dim * h;
    /* Qwen3_5MoeAttention: q_proj with its gate half, k, v, o, q_norm and k_norm over head_dim. */
    const int64_t attention = h * (2 * heads * hd) + 2 * h * (kv * hd) + heads * hd * h + 2 * hd;
    const int64_t expert = 3 * h * fe;
    /* Qwen3_5MoeSparseMoeBlock: router, experts, shared expert and its Linear(h, 1) gate; the two RMSNorms. */
    const int64_t sparse = E * h + E * expert + 3 * h * fs + h + 2 * h;
    cr_expect_eq(deltanet, 33718464);
    cr_expect_eq(attention, 27263488);
    int n_linear = 0;
    for (int64_t i = 0; i < m->n_layers; i++)
        n_linear += m->layers[i].ssm != 0;
    cr_expect_eq(m->n_layers, L);
    cr_expect_eq(n_linear, 30); /* layer_types: every fourth layer full attention */
    cr_expect(m->layers[3].ssm == 0 && m->layers[3].attn.output_gate);
    cr_expect_eq(m->layers[3].attn.rotary_dim, hd / 4); /* partial_rotary_factor 0.25 */
    const int64_t text = 2 * V * h /* untied */ + 30 * deltanet + 10 * attention + L * sparse + h;
    llmcost_params p;
    cr_assert_eq(llmcost_params_count(&p, m), 0);
    cr_expect_eq(p.total, text);
    cr_expect_eq(p.total, 34660610688LL);
    cr_expect_eq(p.active, p.total - L * (E - k) * expert);
    cr_expect_eq(p.active, 3454988928LL);
    cr_expect_eq(p.components[LLMCOST_PC_ROUTED_EXPERTS], L * E * expert);
    cr_expect_eq(p.components[LLMCOST_PC_SHARED_EXPERTS], L * (3 * h * fs + h));
    cr_expect_eq(p.mtp, 0); /* not built by transformers */
    cr_expect_eq(p.buffers, 0);
    /* Rounded as the card prints them: 35B in total, 3B activated (the whole checkpoint, below, is 35.95B). */
    cr_expect_eq(round((double)p.total / 1e9), 35);
    cr_expect_eq(round((double)p.active / 1e9), 3);
    /* The checkpoint: the mtp.* module (pre_fc_norm_embedding, pre_fc_norm_hidden, fc 2h -> h, one full-attention
     * decoder layer with the sparse block, norm; the embedding shared, mtp_use_dedicated_embeddings false) and the
     * vision tower (Qwen3VL's without deepstack mergers: Conv3d patch_embed 3 x 2 x 16 x 16 -> 1152 with bias,
     * pos_embed 2304 x 1152, 27 blocks of LayerNorms with biases, qkv and proj with biases and a 1152 -> 4304 -> 1152
     * MLP with biases; the merger's LayerNorm over 1152 and 4*1152 -> 4*1152 -> 2048 with biases). */
    const int64_t mtp = attention + sparse + 2 * h * h + 3 * h;
    const int64_t vw = 1152, vf = 4304, vout = 2048;
    const int64_t block = 2 * (2 * vw) + (vw * 3 * vw + 3 * vw) + (vw * vw + vw) + (vw * vf + vf) + (vf * vw + vw);
    const int64_t merger = 2 * vw + (4 * vw * 4 * vw + 4 * vw) + (4 * vw * vout + vout);
    const int64_t vision = (3 * 2 * 16 * 16 * vw + vw) + 2304 * vw + 27 * block + merger;
    cr_expect_eq(mtp, 844640768);
    cr_expect_eq(vision, 446571248);
    cr_expect_eq(p.total + mtp + vision, 35951822704LL);
    cr_expect_eq(round((double)(p.total + mtp + vision) / 1e7), 3595);     /* params 35.95 */
    cr_expect_eq(round(2.0 * (double)(p.total + mtp + vision) / 1e8), 719); /* 71.9 GB in bf16 */
    llmcost_model_free(m);
}

/* Zyphra/Zamba2-7B's config.json as first published, for Zyphra's transformers fork (tests/fixtures/configs/
 * zamba2-7b-zyphra-fork.json): its keys are the fork's (state_size, conv_dimension, expansion_factor, ffn_hidden_size,
 * lora_rank, use_shared_block_lora, ...), none of which transformers' Zamba2Config takes, so transformers would build
 * its defaults silently (n_mamba_heads 8: 896-wide heads where the model has 112 of 64). Refused, naming the keys. */
Test(params_derived, zamba2_fork_format_config_refused_naming_its_keys)
{
    llmcost_model *m = NULL;
    cr_expect_eq(llmcost_model_load(&m, src_path("tests/fixtures/configs/zamba2-7b-zyphra-fork.json")),
                 LLMCOST_EUNSUPPORTED);
    cr_expect_null(m);
    const char *msg = llmcost_errmsg();
    cr_expect(strstr(msg, "'state_size'") != NULL && strstr(msg, "'conv_dimension'") != NULL, "%s", msg);
}

/* MiniMax-M2.5's published config (tests/fixtures/configs/minimax-m2.5.json; MiniMax-M2's architecture keys), read
 * as transformers' MiniMaxM2 builds it (modular_minimax_m2.py): FlexOlmoAttention with RMSNorms over the whole q and k
 * projections (qk_norm_type "per_layer"), Mixtral's experts and router, an e_score_correction_bias buffer per layer
 * (use_routing_bias), no shared expert (shared_intermediate_size 0), rotary on rotary_dim 64 of 128. The MTP modules
 * of the config are not built and not counted. */
Test(params_derived, minimax_m2_real_config_and_its_refusals)
{
    llmcost_model *m = NULL;
    cr_assert_eq(llmcost_model_load(&m, src_path("tests/fixtures/configs/minimax-m2.5.json")), 0, "%s",
                 llmcost_errmsg());
    const int64_t h = 3072, V = 200064, L = 62, heads = 48, kv = 8, hd = 128, E = 256, k = 8, f = 1536;
    const int64_t attention = h * heads * hd + 2 * h * kv * hd + heads * hd * h + heads * hd + kv * hd;
    const int64_t expert = 3 * h * f, router = E * h, norms = 2 * h;
    const int64_t layer = attention + E * expert + router + norms;
    cr_expect_eq(layer, 3668718592LL);
    llmcost_params p;
    cr_assert_eq(llmcost_params_count(&p, m), 0);
    cr_expect_eq(p.total, 2 * V * h + L * layer + h);
    cr_expect_eq(p.total, 228689748992LL);
    cr_expect_eq(p.active, p.total - L * (E - k) * expert);
    cr_expect_eq(p.buffers, L * E);
    cr_expect_eq(p.components[LLMCOST_PC_ATTENTION], L * attention);
    cr_expect_eq(p.components[LLMCOST_PC_SHARED_EXPERTS], 0);
    cr_expect_eq(p.mtp, 0);
    cr_expect_eq(m->layers[0].attn.qk_norm, LLMCOST_QKNORM_PROJECTION);
    cr_expect_eq(m->layers[61].attn.rotary_dim, 64);
    cr_expect(m->layers[0].ffn.fp32_routing);
    cr_expect(!m->layers[0].ffn.fp32_router);
    cr_expect(strstr(m->notes, "num_mtp_modules 3") != NULL, "%s", m->notes);
    llmcost_model_free(m);
    /* Values asking for modules transformers' MiniMaxM2 does not build are refused, each naming its key. */
    static const char *const bad[][2] = {
        {"\"attn_type_list\": [1, 0]", "lightning (linear) attention"},
        {"\"use_qk_norm\": false", "use_qk_norm"},
        {"\"qk_norm_type\": \"per_head\"", "qk_norm_type"},
        {"\"use_routing_bias\": false", "use_routing_bias"},
        {"\"shared_intermediate_size\": 128", "shared_intermediate_size"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char cfg[512];
        snprintf(cfg, sizeof cfg, "{\"model_type\": \"minimax_m2\", \"hidden_size\": 64, \"num_hidden_layers\": 2, "
                 "\"num_attention_heads\": 4, \"num_key_value_heads\": 2, \"head_dim\": 16, \"intermediate_size\": 32, "
                 "\"vocab_size\": 100, \"num_local_experts\": 4, \"num_experts_per_tok\": 2, %s}", bad[i][0]);
        cr_expect_eq(llmcost_model_from_json(&m, cfg, strlen(cfg), "minimax_m2"), LLMCOST_EUNSUPPORTED, "%s", cfg);
        cr_expect(strstr(llmcost_errmsg(), bad[i][1]) != NULL, "%s", llmcost_errmsg());
    }
    /* The small config without those keys: MiniMaxM2Config's layout, derived the same way (h 64, 4 heads and 2 kv heads
     * of 16: q 64*64, k and v 64*32, o 64*64, q_norm 64, k_norm 32; 4 experts of 3*64*32, router 4*64, two norms). */
    const char *ok = "{\"model_type\": \"minimax_m2\", \"hidden_size\": 64, \"num_hidden_layers\": 2, "
                     "\"num_attention_heads\": 4, \"num_key_value_heads\": 2, \"head_dim\": 16, \"intermediate_size\": 32, "
                     "\"vocab_size\": 100, \"num_local_experts\": 4, \"num_experts_per_tok\": 2}";
    cr_assert_eq(llmcost_model_from_json(&m, ok, strlen(ok), "minimax_m2"), 0, "%s", llmcost_errmsg());
    cr_assert_eq(llmcost_params_count(&p, m), 0);
    const int64_t small = 64 * 64 + 2 * 64 * 32 + 64 * 64 + 64 + 32 + 4 * 3 * 64 * 32 + 4 * 64 + 2 * 64;
    cr_expect_eq(p.total, 2 * 100 * 64 + 2 * small + 64);
    cr_expect_eq(p.buffers, 2 * 4);
    cr_expect_eq(m->layers[0].attn.rotary_dim, 16); /* no rotary_dim: the whole head, as transformers' default */
    llmcost_model_free(m);
}

/* The hybrid presets (data/models): their exact counts (derivations in data/validation/configs.json) and, rounded as
 * the model card or hub prints it, the published count. */
Test(params_presets, hybrid_presets_exact_and_their_published_counts)
{
    static const struct {
        const char *preset;
        double total, active;
        double published, unit_digits; /* billions as published, and the digit it is rounded to */
        double published_active;
    } cases[] = {
        {"jamba-1.5-mini", 51570323328.0, 12110311296.0, 52, 1, 12},       /* card: 52B total, 12B active */
        {"qwen3-next-80b-a3b", 79674391296.0, 3874929408.0, 80, 1, 0},     /* card: 80B total */
        {"falcon-h1-7b", 7585519712.0, 7585519712.0, 7.59, 0.01, 0},       /* hub: 7.59B */
        {"zamba2-2.7b", 2662214560.0, 2662214560.0, 2.7, 0.1, 0},          /* card: 2.7B */
        {"qwen3.5-0.8b", 752393024.0, 752393024.0, 0.8, 0.1, 0},           /* card: 0.8B */
        {"minimax-m2.5", 228689748992.0, 11030537216.0, 229, 1, 11},       /* hub: 229B (card: 230B, 10B activated) */
        {"qwen3.6-35b-a3b", 34660610688.0, 3454988928.0, 35, 1, 3},       /* card: 35B total, 3B activated */
        {"minimax-m1-80k", 456089655296.0, 48403306496.0, 456, 1, 0},     /* card: 456B total */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        llmcost_model *m = NULL;
        cr_assert_eq(llmcost_model_load(&m, cases[i].preset), 0, "%s: %s", cases[i].preset, llmcost_errmsg());
        cr_expect_null(llmcost_model_unmodelled(m), "%s", cases[i].preset);
        llmcost_params p;
        cr_assert_eq(llmcost_params_count(&p, m), 0);
        cr_expect_eq((double)p.total, cases[i].total, "%s", cases[i].preset);
        cr_expect_eq((double)p.active, cases[i].active, "%s", cases[i].preset);
        double b = (double)p.total / 1e9, u = cases[i].unit_digits;
        cr_expect_lt(fabs(round(b / u) * u - cases[i].published), u / 100, "%s: %.4fB", cases[i].preset, b);
        if (cases[i].published_active > 0)
            cr_expect_eq(round((double)p.active / 1e9), cases[i].published_active, "%s", cases[i].preset);
        llmcost_model_free(m);
    }
    /* Qwen3-Next's card counts 3B activated without the embedding and head: 3.87B - 2 x 151936 x 2048 = 3.25B. */
    cr_expect_eq(round((3874929408.0 - 2 * 151936.0 * 2048) / 1e9), 3);
    /* MiniMax-M2's card likewise: 10B activated = 11.03B - 2 x 200064 x 3072 = 9.80B. */
    cr_expect_eq(round((11030537216.0 - 2 * 200064.0 * 3072) / 1e9), 10);
}
