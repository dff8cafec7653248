/* test_overflow.c - quantities at the extremes: counts near 2^63 stay exact to the unit (int64, checked
 * arithmetic), one step further is refused rather than wrapped, sizes at the 2^40 cap read exactly, and the
 * formatters print values up to and beyond 1e27 FLOPs and 1e18 bytes with their unit instead of cut-off digits. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "helpers.h"
#include "llmcost/llmcost.h"

/* A Llama-style config (untied, MHA, gated MLP, RMSNorm) with the given sizes. */
static llmcost_model *llama(long long hidden, long long heads, long long ffn, long long layers, long long vocab)
{
    char json[512];
    snprintf(json, sizeof json,
             "{\"model_type\": \"llama\", \"hidden_size\": %lld, \"num_attention_heads\": %lld, "
             "\"intermediate_size\": %lld, \"num_hidden_layers\": %lld, \"vocab_size\": %lld}",
             hidden, heads, ffn, layers, vocab);
    llmcost_model *m = NULL;
    int rc = llmcost_model_from_json(&m, json, strlen(json), "extreme.json");
    cr_assert_eq(rc, 0, "%s", llmcost_errmsg());
    return m;
}

Test(overflow, count_near_2_63_is_exact)
{
    /* h = 2^21, d_ff = 2^24, 65,536 layers, vocabulary 2^21. Per layer: q, k, v, o = 4 h^2 = 2^44, gated MLP
     * 3 h d_ff = 3 * 2^45, two RMSNorms 2h = 2^22, so 7 * 2^44 + 2^22. Times 2^16 layers: 7 * 2^60 + 2^38.
     * Embedding and untied head 2 V h = 2^43, final norm 2^21. Total 7*2^60 + 2^43 + 2^38 + 2^21
     * = 8,070,459,603,220,955,136, 87.5% of INT64_MAX: beyond 2^53, so a double would not hold it exactly. */
    llmcost_model *m = llama(1LL << 21, 16384, 1LL << 24, 65536, 1LL << 21);
    llmcost_params p;
    cr_assert_eq(llmcost_params_count(&p, m), 0, "%s", llmcost_errmsg());
    cr_expect_eq(p.total, 8070459603220955136LL, "total %lld", (long long)p.total);
    cr_expect_eq(p.embedding, 1LL << 42);
    cr_expect_eq(p.components[LLMCOST_PC_MLP], 3LL << 61);
    cr_expect_eq(p.per_layer_max, (7LL << 44) + (1LL << 22));
    llmcost_model_free(m);
}

Test(overflow, one_step_further_is_refused_not_wrapped)
{
    /* Doubling d_ff makes the MLPs alone 3 h d_ff L = 3 * 2^62 > 2^63: reading the model fails, naming it, so no
     * engine ever sees sizes whose count does not fit. */
    const char *json = "{\"model_type\": \"llama\", \"hidden_size\": 2097152, \"num_attention_heads\": 16384, "
                       "\"intermediate_size\": 33554432, \"num_hidden_layers\": 65536, \"vocab_size\": 2097152}";
    llmcost_model *m = NULL;
    cr_expect_eq(llmcost_model_from_json(&m, json, strlen(json), "extreme.json"), LLMCOST_EOVERFLOW);
    cr_expect_null(m);
    cr_expect(strstr(llmcost_errmsg(), "extreme.json") && strstr(llmcost_errmsg(), "overflows 64 bits"), "%s",
              llmcost_errmsg());
    /* The count's own checks, on a model changed after reading: h = 2^40 gives one layer 4 h^2 = 2^82. */
    m = llama(8, 1, 8, 1, 8);
    m->hidden = m->embed_dim = 1LL << 40;
    m->layers[0].attn.head_dim = m->layers[0].attn.v_head_dim = 1LL << 40;
    llmcost_layer_params lp;
    llmcost_params p;
    cr_expect_eq(llmcost_params_layer(&lp, m, &m->layers[0]), LLMCOST_EOVERFLOW);
    cr_expect_eq(llmcost_params_count(&p, m), LLMCOST_EOVERFLOW);
    llmcost_model_free(m);
}

Test(overflow, vocabulary_at_the_cap_reads_exactly)
{
    /* vocab = 2^40 (the cap), hidden 8, one layer: embedding and head 2 * 2^40 * 8 = 2^44; layer 4*64 + 3*64 +
     * 16 = 464; final norm 8. Total 17,592,186,044,888. One more (2^40 + 1) is refused by the reader. */
    llmcost_model *m = llama(8, 1, 8, 1, 1LL << 40);
    llmcost_params p;
    cr_assert_eq(llmcost_params_count(&p, m), 0, "%s", llmcost_errmsg());
    cr_expect_eq(p.total, 17592186044888LL);
    llmcost_model_free(m);
    const char *json = "{\"model_type\": \"llama\", \"hidden_size\": 8, \"num_attention_heads\": 1, "
                       "\"intermediate_size\": 8, \"num_hidden_layers\": 1, \"vocab_size\": 1099511627777}";
    m = NULL;
    cr_expect_eq(llmcost_model_from_json(&m, json, strlen(json), "cap.json"), LLMCOST_EOVERFLOW);
    cr_expect_null(m);
}

Test(overflow, cli_prints_the_count_exactly)
{
    /* The same near-2^63 model through the CLI: JSON carries every digit, the text table groups them. */
    const char *json = "{\"model_type\": \"llama\", \"hidden_size\": 2097152, \"num_attention_heads\": 16384, "
                       "\"intermediate_size\": 16777216, \"num_hidden_layers\": 65536, \"vocab_size\": 2097152}";
    const char *path = temp_file("near-2-63.json", json, strlen(json));
    run_result r = run_cli((const char *const[]){"params", path, "--format", "json", NULL});
    cr_expect_eq(r.status, 0, "%s", r.err);
    cr_expect(strstr(r.out, "\"total\": 8070459603220955136") != NULL, "%s", r.out);
    run_free(&r);
    r = run_cli((const char *const[]){"params", path, NULL});
    cr_expect_eq(r.status, 0, "%s", r.err);
    cr_expect(strstr(r.out, "8,070,459,603,220,955,136") != NULL, "%s", r.out);
    run_free(&r);
}

Test(overflow, formatters_at_the_extremes)
{
    char b[32];
    /* 1e27 FLOPs is 1 ronna-FLOP (SI prefix R = 1e27, 2022); 3.8e25 is a frontier run. */
    cr_expect_str_eq(llmcost_fmt_flops(b, sizeof b, 1e27), "1.000 RFLOP");
    cr_expect_str_eq(llmcost_fmt_flops(b, sizeof b, 3.8e25), "38.00 YFLOP");
    cr_expect_str_eq(llmcost_fmt_flops(b, sizeof b, 5e35), "500000 QFLOP");
    /* 1e18 bytes = 1e18 / 2^50 = 888.18 PiB; 2^63 bytes = 8 EiB. */
    cr_expect_str_eq(llmcost_fmt_bytes(b, sizeof b, 1e18), "888.2 PiB");
    cr_expect_str_eq(llmcost_fmt_bytes(b, sizeof b, 9223372036854775808.0), "8.000 EiB");
    cr_expect_str_eq(llmcost_fmt_count(b, sizeof b, 8070459603220955136.0), "8070 Q");
    /* Far beyond any real run the value still comes with its unit, in scientific form, not cut-off digits. */
    cr_expect_str_eq(llmcost_fmt_flops(b, sizeof b, 1e300), "1.000e+270 QFLOP");
    cr_expect_str_eq(llmcost_fmt_bytes(b, sizeof b, 1e300), "8.674e+281 EiB");
    cr_expect_str_eq(llmcost_fmt_count(b, sizeof b, 1e300), "1.00e+285 Q");
    cr_expect_str_eq(llmcost_fmt_seconds(b, sizeof b, 1e300), "3.17e+292 years");
    cr_expect_str_eq(llmcost_fmt_percent(b, sizeof b, 1e300), "+1.00e+302%");
}
