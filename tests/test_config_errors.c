/* test_config_errors.c - bad configs and bad usage: exit status 2, nothing on stdout, one line on stderr
 * naming the file and line/column (malformed JSON) or the key or flag. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "helpers.h"

#define LLAMA_HEAD "{\"model_type\": \"llama\", \"hidden_size\": 4096, \"num_hidden_layers\": 2, "
#define LLAMA_TAIL "\"vocab_size\": 32000, \"intermediate_size\": 11008}"

/* Runs `llmcost params FILE` on "json" and checks the error contract; "needles" must all be in the message. */
static void expect_bad_config(const char *name, const char *json, const char *const *needles)
{
    const char *path = temp_file(name, json, strlen(json));
    const char *argv[] = {"params", path, NULL};
    run_result r = run_cli(argv);
    cr_expect_eq(r.status, 2, "%s: exit %d, stderr: %s", name, r.status, r.err);
    cr_expect_str_empty(r.out, "%s: stdout not empty: %s", name, r.out);
    cr_expect_eq(count_lines(r.err), 1, "%s: stderr should be one line: %s", name, r.err);
    cr_expect(strstr(r.err, path) != NULL, "%s: message does not name the file: %s", name, r.err);
    for (int i = 0; needles && needles[i]; i++)
        cr_expect(strstr(r.err, needles[i]) != NULL, "%s: message lacks '%s': %s", name, needles[i], r.err);
    run_free(&r);
}

#define NEED(...) ((const char *const[]){__VA_ARGS__, NULL})

Test(config_errors, malformed_json_names_line_and_column)
{
    /* The missing comma is on line 3, after column 20. */
    expect_bad_config("syntax.json", "{\n  \"model_type\": \"llama\",\n  \"hidden_size\": 4096\n  \"x\": 1\n}",
                      NEED("syntax.json:4:", "malformed JSON"));
    expect_bad_config("truncated.json", "{\"model_type\": \"llama\", \"hidden_size\": 40", NEED(":1:"));
    expect_bad_config("empty.json", "", NEED("empty"));
    expect_bad_config("nan.json", LLAMA_HEAD "\"num_attention_heads\": NaN, " LLAMA_TAIL, NEED(":1:"));
    expect_bad_config("dup.json", LLAMA_HEAD "\"num_attention_heads\": 32, \"num_attention_heads\": 16, " LLAMA_TAIL,
                      NEED("duplicate"));
    expect_bad_config("array.json", "[1, 2]", NEED("object"));
}

Test(config_errors, bad_values_name_the_key)
{
    expect_bad_config("missing.json",
                      "{\"model_type\": \"llama\", \"hidden_size\": 4096, \"num_hidden_layers\": 2, \"vocab_size\": 32000, "
                      "\"intermediate_size\": 11008}",
                      NEED("num_attention_heads", "missing"));
    expect_bad_config("string.json", LLAMA_HEAD "\"num_attention_heads\": \"32\", " LLAMA_TAIL,
                      NEED("num_attention_heads", "integer"));
    expect_bad_config("negative.json", LLAMA_HEAD "\"num_attention_heads\": -32, " LLAMA_TAIL,
                      NEED("num_attention_heads", "positive"));
    expect_bad_config("zero.json", LLAMA_HEAD "\"num_attention_heads\": 0, " LLAMA_TAIL, NEED("num_attention_heads"));
    expect_bad_config("fraction.json", LLAMA_HEAD "\"num_attention_heads\": 32.5, " LLAMA_TAIL,
                      NEED("num_attention_heads", "integer"));
    expect_bad_config("divide.json", LLAMA_HEAD "\"num_attention_heads\": 30, " LLAMA_TAIL,
                      NEED("num_attention_heads", "hidden_size", "divide"));
    expect_bad_config("kv.json", LLAMA_HEAD "\"num_attention_heads\": 32, \"num_key_value_heads\": 5, " LLAMA_TAIL,
                      NEED("num_key_value_heads", "divide"));
    expect_bad_config("topk.json",
                      "{\"model_type\": \"mixtral\", \"hidden_size\": 4096, \"num_hidden_layers\": 2, "
                      "\"num_attention_heads\": 32, \"vocab_size\": 32000, \"intermediate_size\": 14336, "
                      "\"num_local_experts\": 8, \"num_experts_per_tok\": 9}",
                      NEED("num_experts_per_tok", "num_local_experts"));
    expect_bad_config("huge.json", LLAMA_HEAD "\"num_attention_heads\": 32, \"vocab_size\": 9000000000000000, "
                                              "\"intermediate_size\": 11008}",
                      NEED("vocab_size", "large"));
    expect_bad_config("layers.json",
                      "{\"model_type\": \"llama\", \"hidden_size\": 4096, \"num_hidden_layers\": 1000000000, "
                      "\"num_attention_heads\": 32, " LLAMA_TAIL,
                      NEED("num_hidden_layers"));
    expect_bad_config("bool.json", LLAMA_HEAD "\"num_attention_heads\": 32, \"tie_word_embeddings\": \"no\", " LLAMA_TAIL,
                      NEED("tie_word_embeddings"));
}

Test(config_errors, added_families_name_the_bad_key)
{
    /* GPT-J rotates at most a whole head (64 / 4 = 16 wide); Phi's rotary fraction lies in (0, 1]; MPT's
     * attn_config is an object; Granite divides logits by a positive logits_scaling; BLOOM's n_embed (which wins
     * over hidden_size) must split into n_head heads. */
    expect_bad_config("gptj_rot.json",
                      "{\"model_type\": \"gptj\", \"n_embd\": 64, \"n_head\": 4, \"n_layer\": 2, \"vocab_size\": 10, "
                      "\"rotary_dim\": 32}",
                      NEED("rotary_dim", "wider than a head"));
    expect_bad_config("phi_rot.json",
                      "{\"model_type\": \"phi\", \"hidden_size\": 64, \"num_attention_heads\": 4, \"num_hidden_layers\": 2, "
                      "\"vocab_size\": 10, \"intermediate_size\": 8, \"partial_rotary_factor\": 0}",
                      NEED("partial_rotary_factor"));
    expect_bad_config("mpt_attn.json",
                      "{\"model_type\": \"mpt\", \"d_model\": 64, \"n_heads\": 4, \"n_layers\": 2, \"vocab_size\": 10, "
                      "\"attn_config\": [1]}",
                      NEED("attn_config", "object"));
    expect_bad_config("granite_ls.json",
                      "{\"model_type\": \"granite\", \"hidden_size\": 64, \"num_attention_heads\": 4, \"num_hidden_layers\": 2, "
                      "\"vocab_size\": 10, \"intermediate_size\": 8, \"logits_scaling\": 0}",
                      NEED("logits_scaling", "positive"));
    expect_bad_config("bloom_embed.json",
                      "{\"model_type\": \"bloom\", \"hidden_size\": 64, \"n_embed\": 66, \"n_head\": 4, \"n_layer\": 2, "
                      "\"vocab_size\": 10}",
                      NEED("n_embed", "n_head"));
}

Test(config_errors, overflowing_product_is_refused)
{
    /* 2^40 x 2^40 does not fit in 64 bits: the count must fail, not wrap. */
    expect_bad_config("overflow.json",
                      "{\"model_type\": \"llama\", \"hidden_size\": 1099511627776, \"num_hidden_layers\": 1, "
                      "\"num_attention_heads\": 1, \"vocab_size\": 1099511627776, \"intermediate_size\": 1}",
                      NEED("overflow"));
}

Test(config_errors, unknown_model_type)
{
    expect_bad_config("unknown.json", "{\"model_type\": \"mystery\", \"hidden_size\": 1024}",
                      NEED("mystery", "num_hidden_layers"));
}

Test(config_errors, unknown_model_type_with_generic_keys_reads_with_a_note)
{
    const char *json = "{\"model_type\": \"mystery\", \"hidden_size\": 1024, \"num_hidden_layers\": 2, "
                       "\"num_attention_heads\": 8, \"intermediate_size\": 4096, \"vocab_size\": 1000}";
    const char *path = temp_file("generic.json", json, strlen(json));
    const char *argv[] = {"params", path, "--format", "json", NULL};
    run_result r = run_cli(argv);
    cr_expect_eq(r.status, 0);
    /* embedding 1000*1024, 2 layers of 4*1024^2 + 3*1024*4096 + 2*1024, final norm, untied head */
    cr_expect(strstr(r.out, "\"total\": 35607552") != NULL, "%s", r.out);
    /* The note says what was assumed, in words a user can check against the model's code. */
    cr_expect(strstr(r.err, "model_type 'mystery' is not one llmcost knows: read as a Llama-style decoder") != NULL,
              "%s", r.err);
    cr_expect(strstr(r.err, "each of 2 layers is RMSNorm, attention with separate q, k, v, o projections (8 query, 8 "
                            "key/value heads of 128") != NULL, "%s", r.err);
    cr_expect(strstr(r.err, "untied LM head") != NULL, "%s", r.err);
    run_free(&r);
}

Test(config_errors, unknown_model_type_with_architecture_keys_it_cannot_read_is_refused)
{
    /* Nemotron-H's layer pattern, Jamba's attention and expert periods, a Mamba width: each changes what is built,
     * and the generic reader does not know them. */
    expect_bad_config("hybrid.json",
                      "{\"model_type\": \"mystery_h\", \"hidden_size\": 1024, \"num_hidden_layers\": 4, "
                      "\"num_attention_heads\": 8, \"intermediate_size\": 4096, \"vocab_size\": 1000, "
                      "\"hybrid_override_pattern\": \"M-M*\", \"mamba_num_heads\": 16, \"rms_norm_eps\": 1e-5}",
                      NEED("mystery_h", "'hybrid_override_pattern'", "'mamba_num_heads'", "not one llmcost knows"));
    expect_bad_config("jamba.json",
                      "{\"model_type\": \"mystery_j\", \"hidden_size\": 1024, \"num_hidden_layers\": 4, "
                      "\"num_attention_heads\": 8, \"intermediate_size\": 4096, \"vocab_size\": 1000, "
                      "\"attn_layer_period\": 8, \"attn_layer_offset\": 4, \"expert_layer_period\": 2}",
                      NEED("'attn_layer_period'", "'attn_layer_offset'", "'expert_layer_period'"));
    /* A sliding window with no layer_types: which layers use it is a rule of the model's code. */
    expect_bad_config("window.json",
                      "{\"model_type\": \"mystery_w\", \"hidden_size\": 1024, \"num_hidden_layers\": 4, "
                      "\"num_attention_heads\": 8, \"intermediate_size\": 4096, \"vocab_size\": 1000, "
                      "\"sliding_window\": 4096}",
                      NEED("sliding_window", "layer_types"));
}

Test(config_errors, unknown_model_type_keys_switched_off_or_inert_are_read)
{
    /* use_qk_norm false and an empty moe_layers add nothing; rms_norm_eps and token ids change no count; a key
     * naming no part of the architecture is listed as ignored. Same count as the plain generic case above. */
    const char *json = "{\"model_type\": \"mystery\", \"hidden_size\": 1024, \"num_hidden_layers\": 2, "
                       "\"num_attention_heads\": 8, \"intermediate_size\": 4096, \"vocab_size\": 1000, "
                       "\"use_qk_norm\": false, \"rms_norm_eps\": 1e-6, \"bos_token_id\": 1, \"foo_ratio\": 3}";
    const char *path = temp_file("generic_off.json", json, strlen(json));
    const char *argv[] = {"params", path, "--format", "json", NULL};
    run_result r = run_cli(argv);
    cr_expect_eq(r.status, 0, "%s", r.err);
    cr_expect(strstr(r.out, "\"total\": 35607552") != NULL, "%s", r.out);
    cr_expect(strstr(r.err, "keys ignored (not known to change the architecture): 'foo_ratio'") != NULL, "%s", r.err);
    run_free(&r);
}

Test(config_errors, unknown_model_type_keys_that_take_away_an_assumed_part_are_refused)
{
    /* false or 0 is "off" only for what the generic reading does not build anyway (biases, q/k norms, experts).
     * use_rmsnorm false (LayerNorm), gated_mlp false (a 2-matrix MLP), use_rope false (no rotary) remove what it
     * assumes: read as off, the count would be the generic 35607552 of the cases above, silently wrong. */
#define MYSTERY "{\"model_type\": \"mystery\", \"hidden_size\": 1024, \"num_hidden_layers\": 2, " \
                "\"num_attention_heads\": 8, \"intermediate_size\": 4096, \"vocab_size\": 1000, "
    expect_bad_config("rms.json", MYSTERY "\"use_rmsnorm\": false}", NEED("'use_rmsnorm'", "not one llmcost knows"));
    expect_bad_config("glu.json", MYSTERY "\"gated_mlp\": false}", NEED("'gated_mlp'"));
    expect_bad_config("rope.json", MYSTERY "\"use_rope\": false}", NEED("'use_rope'"));
    /* A key naming a layer kind or a pattern is never "off": Jamba's use_mamba_kernels false still has Mamba layers,
     * and attn_layer_offset 0 still places attention by a period. */
    expect_bad_config("mamba_off.json", MYSTERY "\"use_mamba_kernels\": false}", NEED("'use_mamba_kernels'"));
    expect_bad_config("offset0.json", MYSTERY "\"attn_layer_offset\": 0}", NEED("'attn_layer_offset'"));
#undef MYSTERY
}

Test(config_errors, known_model_type_with_layer_kind_keys_its_reading_ignores_is_refused)
{
    /* A known type is read by its family's rules; a key naming layer kinds, patterns, experts or an indexer that
     * those rules do not take in would be passed over: a "llama" config with Nemotron-H's pattern, a "gpt2" one with
     * experts (GPT-2's builder reads no MoE keys). Each is refused naming the key and the type. */
    expect_bad_config("llama_hybrid.json",
                      LLAMA_HEAD "\"num_attention_heads\": 32, \"hybrid_override_pattern\": \"M*\", " LLAMA_TAIL,
                      NEED("'hybrid_override_pattern'", "model_type 'llama'", "refusing"));
    expect_bad_config("gpt2_moe.json",
                      "{\"model_type\": \"gpt2\", \"n_embd\": 64, \"n_layer\": 2, \"n_head\": 4, "
                      "\"vocab_size\": 100, \"num_experts\": 8}",
                      NEED("'num_experts'", "model_type 'gpt2'"));
    /* Experts or MLA ranks on a type whose modeling code builds neither: LlamaModel ignores num_local_experts and
     * Qwen2Model kv_lora_rank, so counting them (as the common reading would) is not what transformers builds. An
     * expert count of 0 asks for none and reads as the plain model. */
    expect_bad_config("llama_experts.json",
                      LLAMA_HEAD "\"num_attention_heads\": 32, \"num_local_experts\": 8, \"num_experts_per_tok\": 2, "
                      LLAMA_TAIL, NEED("'num_local_experts'", "model_type 'llama'"));
    expect_bad_config("qwen2_mla.json",
                      "{\"model_type\": \"qwen2\", \"hidden_size\": 1024, \"num_hidden_layers\": 2, "
                      "\"num_attention_heads\": 8, \"intermediate_size\": 4096, \"vocab_size\": 1000, "
                      "\"kv_lora_rank\": 512, \"qk_nope_head_dim\": 128, \"qk_rope_head_dim\": 64, \"v_head_dim\": 128}",
                      NEED("'kv_lora_rank'", "model_type 'qwen2'"));
    /* The real DeepSeek-V3.2-Exp config saved under deepseek_v3: its lightning indexer (index_n_heads,
     * index_head_dim, index_topk) is DeepSeek-V3.2's, which the deepseek_v3 reading would silently leave out. */
    char *text = slurp_file(src_path("tests/fixtures/configs/deepseek-v3.2-exp.json"));
    cr_assert(text != NULL);
    char *t = strstr(text, "\"deepseek_v32\"");
    cr_assert(t != NULL, "the fixture names its model_type deepseek_v32");
    memmove(t + 12, t + 13, strlen(t + 13) + 1); /* "deepseek_v32" -> "deepseek_v3" */
    expect_bad_config("v32_as_v3.json", text, NEED("'index_n_heads'", "'index_head_dim'", "model_type 'deepseek_v3'"));
    free(text);
}

static void expect_usage_error(const char *const *argv, const char *needle)
{
    run_result r = run_cli(argv);
    cr_expect_eq(r.status, 2, "exit %d: %s", r.status, r.err);
    cr_expect_str_empty(r.out);
    cr_expect_eq(count_lines(r.err), 1, "%s", r.err);
    cr_expect(strstr(r.err, needle) != NULL, "lacks '%s': %s", needle, r.err);
    run_free(&r);
}

Test(cli_errors, usage_errors_exit_2_with_a_hint)
{
    expect_usage_error((const char *const[]){"frobnicate", NULL}, "frobnicate");
    expect_usage_error((const char *const[]){"params", "--bogus", NULL}, "--bogus");
    expect_usage_error((const char *const[]){"params", "--format", "xml", NULL}, "--format");
    expect_usage_error((const char *const[]){"params", "--format", NULL}, "--format");
    expect_usage_error((const char *const[]){"params", "no-such-model", NULL}, "no-such-model");
    expect_usage_error((const char *const[]){"params", "/nonexistent/config.json", NULL}, "/nonexistent/config.json");
    expect_usage_error((const char *const[]){"params", "llama-7b", "extra", NULL}, "extra");
    expect_usage_error((const char *const[]){"params", "--format", "xml", NULL}, "try 'llmcost help params'");
}

Test(cli_errors, folder_without_config)
{
    char dir[] = "/tmp/llmcost-test-dir-XXXXXX";
    cr_assert_not_null(mkdtemp(dir));
    expect_usage_error((const char *const[]){"params", dir, NULL}, "no config.json");
    rmdir(dir);
}

Test(cli_models, folder_with_config_is_named_after_the_folder)
{
    char dir[] = "/tmp/llmcost-test-model-XXXXXX";
    cr_assert_not_null(mkdtemp(dir));
    char path[256];
    snprintf(path, sizeof path, "%s/config.json", dir);
    FILE *f = fopen(path, "w");
    fputs("{\"model_type\": \"gpt2\", \"n_embd\": 768, \"n_layer\": 12, \"n_head\": 12, \"vocab_size\": 50257}", f);
    fclose(f);
    run_result r = run_cli((const char *const[]){"params", dir, "--format", "json", NULL});
    cr_expect_eq(r.status, 0, "%s", r.err);
    cr_expect(strstr(r.out, "\"total\": 124439808") != NULL, "%s", r.out);
    cr_expect(strstr(r.out, "llmcost-test-model-") != NULL, "%s", r.out);
    run_free(&r);
    unlink(path);
    rmdir(dir);
}

/* State-space configs whose layers or sizes the readers cannot build exactly: refused, naming the key. */
Test(config_errors, state_space_configs_that_do_not_fit_are_refused)
{
#define NEMO_H "{\"model_type\": \"nemotron_h\", \"hidden_size\": 64, \"num_attention_heads\": 4, " \
               "\"mamba_num_heads\": 4, \"mamba_head_dim\": 16, \"n_groups\": 2, \"vocab_size\": 100, "
    expect_bad_config("nemo_len.json", NEMO_H "\"num_hidden_layers\": 3, \"hybrid_override_pattern\": \"M*\"}",
                      NEED("'hybrid_override_pattern'", "2 entries for 3 layers"));
    expect_bad_config("nemo_letter.json", NEMO_H "\"num_hidden_layers\": 2, \"hybrid_override_pattern\": \"MX\"}",
                      NEED("'hybrid_override_pattern[1]'", "M, *, - or E"));
    expect_bad_config("nemo_moe.json", NEMO_H "\"num_hidden_layers\": 2, \"hybrid_override_pattern\": \"ME\"}",
                      NEED("'hybrid_override_pattern[1]'", "mixture-of-experts"));
    expect_bad_config("nemo_none.json", NEMO_H "\"num_hidden_layers\": 2}", NEED("'hybrid_override_pattern'"));
    expect_bad_config("nemo_bias.json", NEMO_H "\"num_hidden_layers\": 1, \"hybrid_override_pattern\": \"*\", "
                      "\"attention_bias\": true}", NEED("'attention_bias'"));
    expect_bad_config("nemo_kind.json", NEMO_H "\"num_hidden_layers\": 1, \"layers_block_type\": [\"conv\"]}",
                      NEED("'layers_block_type[0]'"));
    expect_bad_config("mamba2_heads.json", "{\"model_type\": \"mamba2\", \"hidden_size\": 64, \"num_hidden_layers\": 1, "
                      "\"expand\": 2, \"num_heads\": 3, \"head_dim\": 32, \"vocab_size\": 100}",
                      NEED("'num_heads'", "'head_dim'", "expand"));
    /* An intermediate_size beside expand is not an error: MambaConfig keeps the saved value (Falcon-Mamba-7B's
     * config.json has expand 16 and intermediate_size 8192), test_params.c params_ssm_width. */
    /* A Mamba config with a key naming a layer kind its reading does not take in (Jamba's attention period). */
    expect_bad_config("mamba_period.json", "{\"model_type\": \"mamba\", \"hidden_size\": 64, \"num_hidden_layers\": 1, "
                      "\"vocab_size\": 100, \"attn_layer_period\": 2}", NEED("'attn_layer_period'"));
#undef NEMO_H
}

/* Issue 15: configs of families whose layers llmcost does not model are refused on the command line with exit 2
 * and one stderr line naming the file and what is not modelled or is wrong (a MiniMax-Text-01 excerpt whose
 * attn_type_list gives 8 layers of 80, MiniMax-M2 with a lightning layer in attn_type_list, LFM2, RecurrentGemma,
 * RWKV, Gemma 3n). */
Test(config_errors, unmodelled_families_exit_2_with_one_line_naming_file_and_kind)
{
    static const char m2[] = "{\"model_type\": \"minimax_m2\", \"hidden_size\": 64, \"num_hidden_layers\": 2, "
                             "\"num_attention_heads\": 4, \"intermediate_size\": 128, \"vocab_size\": 100, "
                             "\"num_local_experts\": 4, \"num_experts_per_tok\": 2, \"use_qk_norm\": true, "
                             "\"use_routing_bias\": true, \"attn_type_list\": [1, 0]}";
    const char *m2_path = temp_file("minimax-m2.json", m2, sizeof m2 - 1);
    const char *const cases[][3] = {
        {"tests/fixtures/configs/minimax-text-01.json", "minimax-text-01.json", "'attn_type_list'"},
        {NULL, "minimax-m2.json", "'attn_type_list[1]' is not 1 (softmax attention)"},
        {"tests/fixtures/configs/lfm2-1.2b.json", "lfm2-1.2b.json", "short convolution layers"},
        {"tests/fixtures/configs/recurrentgemma-2b.json", "recurrentgemma-2b.json", "RG-LRU recurrent layers"},
        {"tests/fixtures/configs/rwkv-4-169m-pile.json", "rwkv-4-169m-pile.json", "RWKV time-mixing layers"},
        {"tests/fixtures/configs/gemma-3n-e4b.json", "gemma-3n-e4b.json", "AltUp, LAuReL"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *path = cases[i][0] ? src_path(cases[i][0]) : m2_path;
        const char *argv[] = {"params", path, NULL};
        run_result r = run_cli(argv);
        cr_expect_eq(r.status, 2, "%s: status %d", cases[i][1], r.status);
        cr_expect_eq(count_lines(r.err), 1, "%s: %s", cases[i][1], r.err);
        cr_expect(strstr(r.err, cases[i][1]) != NULL, "%s", r.err);
        cr_expect(strstr(r.err, cases[i][2]) != NULL, "%s", r.err);
        cr_expect_str_eq(r.out, "");
        run_free(&r);
    }
}
