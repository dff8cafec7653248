/* cmd_flops.c - `llmcost flops MODEL`: FLOPs per component and per step, conventions side by side. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

const char *const cli_attention_choices[] = {"eager", "sdpa", "flash", "sdpa-math", "flash2", "flash3", "cudnn", "triton", "flash4", NULL};
const char *const cli_recompute_choices[] = {"none", "selective", "full", NULL};
static const char *const convention_choices[] = {"causal", "unmasked", NULL};

/* Labels of the components; a model with state-space mixers names what they put in the attention components
 * (docs/formulas.md, "State-space mixers: FLOPs"), with the attention's own beside them in a hybrid (attention
 * layers, or shared transformer blocks). */
static const char *component_label(int c, const llmcost_model *m)
{
    static const char *const labels[LLMCOST_FC_COUNT] = {
        "q projection",   "k/v projections", "o projection", "attention scores QK^T", "attention values PV",
        "dense MLP",      "routed experts",  "shared experts", "router",            "LM head",
        "rotary tables"};
    static const char *const ssm[] = {"SSM in_proj", "SSM x_proj, dt_proj", "SSM out_proj", "SSD C B^T",
                                      "SSD states, outputs"};
    static const char *const hybrid[] = {"q projection, SSM in_proj", "k/v projections", "o projection, SSM out_proj",
                                         "attention QK^T, SSD C B^T", "attention PV, SSD states"};
    if (m->n_ssm == 0 || c > LLMCOST_FC_VALUES)
        return labels[c];
    if (m->shared.n_blocks > 0) /* Zamba2's shared blocks run attention */
        return hybrid[c];
    for (int64_t i = 0; i < m->n_layers; i++)
        if (m->layers[i].attn.n_heads > 0)
            return hybrid[c];
    return ssm[c];
}

int cli_default_seq(const llmcost_model *m, long long *seq, bool given, char *why, size_t n)
{
    if (given) {
        snprintf(why, n, "given");
        return 0;
    }
    *seq = llmcost_default_seq(m, why, n);
    return 0;
}

/* Parses "1k,4k,32k,128k" into up to "max" sequence lengths. Returns the count, or -1 after printing. */
static int parse_seq_list(const char *text, long long *out, int max)
{
    char buf[512];
    /* Neither a list cut at the buffer (its last length cut short) nor an empty entry ("1k,,4k", a typo) is
     * read as something else: both are refused. */
    if (strlen(text) >= sizeof buf) {
        cli_usage_error("flops", "--sweep-seq: list too long");
        return -1;
    }
    snprintf(buf, sizeof buf, "%s", text);
    int n = 0;
    for (char *tok = buf, *next; tok; tok = next) {
        next = strchr(tok, ',');
        if (next)
            *next++ = '\0';
        if (tok[0] == '\0') {
            cli_usage_error("flops", "--sweep-seq: empty entry in '%s'", text);
            return -1;
        }
        double v;
        if (llmcost_parse_quantity(&v, tok, 1) != 0 || v < 1 || v != floor(v) || v > 1e9) {
            cli_usage_error("flops", "--sweep-seq: '%s' is not a sequence length", tok);
            return -1;
        }
        if (n == max) {
            cli_usage_error("flops", "--sweep-seq: at most %d lengths", max);
            return -1;
        }
        out[n++] = (long long)v;
    }
    if (n == 0)
        cli_usage_error("flops", "--sweep-seq: no lengths given");
    return n ? n : -1;
}

int cli_flops_section(const llmcost_model *m, const llmcost_flops_options *o, double tokens, int format, json_t *doc,
                      bool brief)
{
    llmcost_flops f;
    int rc = llmcost_flops_compute(&f, m, o);
    if (rc < 0)
        return cli_lib_error(rc);
    double conv[LLMCOST_CONVENTION_COUNT];
    for (int c = 0; c < LLMCOST_CONVENTION_COUNT; c++)
        conv[c] = llmcost_flops_convention((llmcost_convention_kind)c, m, &f, o);
    double exact = o->convention == LLMCOST_CONV_CAUSAL ? conv[LLMCOST_CONVENTION_EXACT_CAUSAL]
                                                        : conv[LLMCOST_CONVENTION_EXACT_UNMASKED];
    if (cli_structured(format)) {
        char *text;
        rc = llmcost_flops_to_json(&text, &f, m, o, tokens);
        if (!doc)
            return cli_print_json_text(rc, text);
        json_t *j = cli_json_section(rc, text);
        if (!j)
            return 1;
        json_object_set_new(doc, "flops", j);
        return 0;
    }
    char title[256], a[48], b[48];
    snprintf(title, sizeof title, "FLOPs per step: batch %lld x seq %lld = %s tokens, %s attention, %s convention, recompute %s",
             (long long)o->batch, (long long)o->seq, llmcost_fmt_grouped(a, sizeof a, (int64_t)f.tokens),
             cli_attention_choices[o->attention], convention_choices[o->convention], cli_recompute_choices[o->recompute]);
    const char *hdr[] = {"component", "forward", "share", "backward"};
    llmcost_table *t = llmcost_table_new(title, 4, hdr);
    for (int c = 1; c < 4; c++)
        llmcost_table_numeric(t, c);
    for (int c = 0; c < LLMCOST_FC_COUNT; c++) {
        if (f.components[c] == 0)
            continue;
        double bwd = f.components_bwd[c];
        char x[48], y[48];
        llmcost_table_addf(t, "%s\t%s\t%.2f%%\t%s", component_label(c, m), llmcost_fmt_flops(x, sizeof x, f.components[c]),
                           100 * f.components[c] / f.forward, llmcost_fmt_flops(y, sizeof y, bwd));
    }
    llmcost_table_addf(t, "total (matrix products)\t%s\t100.00%%\t%s", llmcost_fmt_flops(a, sizeof a, f.forward),
                       llmcost_fmt_flops(b, sizeof b, f.backward));
    rc = cli_print_table(t, format);
    llmcost_table_free(t);
    if (rc)
        return rc;

    const char *h2[] = {"quantity", "FLOPs", "note"};
    t = llmcost_table_new("Totals", 3, h2);
    llmcost_table_numeric(t, 1);
    llmcost_table_addf(t, "forward per step\t%s\t", llmcost_fmt_flops(a, sizeof a, f.forward));
    llmcost_table_addf(t, "backward per step\t%s\t%s", llmcost_fmt_flops(a, sizeof a, f.backward),
                       o->attention == LLMCOST_ATTN_EAGER ? "2x forward" : "2x matmuls; fused attention recomputes scores");
    llmcost_table_addf(t, "recomputation per step\t%s\t%s", llmcost_fmt_flops(a, sizeof a, f.recompute),
                       o->recompute == LLMCOST_RECOMPUTE_NONE ? "none"
                       : o->recompute == LLMCOST_RECOMPUTE_FULL ? "every layer's forward again"
                                                                : "attention core again");
    llmcost_table_addf(t, "model FLOPs per step\t%s\tforward + backward (MFU counts these)",
                       llmcost_fmt_flops(a, sizeof a, f.model_flops));
    llmcost_table_addf(t, "hardware FLOPs per step\t%s\t+ recomputation (HFU counts these)",
                       llmcost_fmt_flops(a, sizeof a, f.hardware_flops));
    llmcost_table_addf(t, "model FLOPs per token\t%s\t", llmcost_fmt_flops(a, sizeof a, f.per_token));
    if (f.moe_layer_forward > 0)
        llmcost_table_addf(t, "forward in dense / MoE layers\t%s / %s\t",
                           llmcost_fmt_flops(a, sizeof a, f.dense_layer_forward),
                           llmcost_fmt_flops(b, sizeof b, f.moe_layer_forward));
    if (f.mtp_forward > 0)
        llmcost_table_addf(t, "MTP modules forward (apart)\t%s\tnot in the totals above",
                           llmcost_fmt_flops(a, sizeof a, f.mtp_forward));
    llmcost_table_addf(t, "element-wise forward (apart)\t%s\t%s read+written in bf16: memory-bound",
                       llmcost_fmt_flops(a, sizeof a, f.elementwise_flops),
                       llmcost_fmt_bytes(b, sizeof b, f.elementwise_bytes));
    if (tokens > 0) {
        llmcost_table_addf(t, "training: model FLOPs for D\t%s\tD = %s tokens, %s steps",
                           llmcost_fmt_flops(a, sizeof a, f.per_token * tokens), llmcost_fmt_count(b, sizeof b, tokens),
                           llmcost_fmt_count(title, sizeof title, ceil(tokens / f.tokens)));
        llmcost_table_addf(t, "training: hardware FLOPs for D\t%s\t",
                           llmcost_fmt_flops(a, sizeof a, f.hardware_flops / f.tokens * tokens));
    }
    rc = cli_print_table(t, format);
    llmcost_table_free(t);
    if (rc || brief)
        return rc;

    const char *h3[] = {"convention", "training FLOPs per step", "vs exact", "source"};
    snprintf(title, sizeof title, "Conventions side by side (vs exact %s, no recomputation)", convention_choices[o->convention]);
    t = llmcost_table_new(title, 4, h3);
    llmcost_table_numeric(t, 1);
    llmcost_table_numeric(t, 2);
    for (int c = 0; c < LLMCOST_CONVENTION_COUNT; c++) {
        char pct[32];
        llmcost_table_addf(t, "%s\t%s\t%s\t%s", llmcost_convention_name(c), llmcost_fmt_flops(a, sizeof a, conv[c]),
                           llmcost_fmt_percent(pct, sizeof pct, conv[c] / exact - 1), llmcost_convention_source(c));
    }
    rc = cli_print_table(t, format);
    llmcost_table_free(t);
    return rc;
}

/* The sweep's table (text, md); JSON and CSV come whole from llmcost_flops_sweep_to_json(). */
static int sweep_table(const llmcost_model *m, const llmcost_flops_options *o, const llmcost_flops_sweep_point *pts,
                       int n, int format)
{
    const char *hdr[] = {"seq", "attention share of forward", "exact per token", "6·N_total per token", "6N_total misses",
                         "6·N_active per token", "6N_active misses"};
    char title[512];
    snprintf(title, sizeof title, "%s: training FLOPs per token as the sequence grows (%s convention)", m->name,
             o->convention == LLMCOST_CONV_CAUSAL ? "causal" : "unmasked");
    llmcost_table *t = llmcost_table_new(title, 7, hdr);
    for (int c = 0; c < 7; c++)
        llmcost_table_numeric(t, c);
    for (int i = 0; i < n; i++) {
        const llmcost_flops_sweep_point *p = &pts[i];
        char a[48], b[48], c[48], q1[32], q2[32];
        llmcost_table_addf(t, "%lld\t%.2f%%\t%s\t%s\t%s\t%s\t%s", (long long)p->seq, 100 * p->attention_share,
                           llmcost_fmt_flops(a, sizeof a, p->per_token), llmcost_fmt_flops(b, sizeof b, p->six_nd_total_per_token),
                           llmcost_fmt_percent(q1, sizeof q1, p->six_nd_total_per_token / p->per_token - 1),
                           llmcost_fmt_flops(c, sizeof c, p->six_nd_active_per_token),
                           llmcost_fmt_percent(q2, sizeof q2, p->six_nd_active_per_token / p->per_token - 1));
    }
    int rc = cli_print_table(t, format);
    llmcost_table_free(t);
    return rc;
}

/* `--sweep-seq` with --format json or csv: the library's document, the step's FLOPs with it unless --sweep-only. */
static int sweep_document(const llmcost_model *m, const llmcost_flops_options *o, double tokens, const int64_t *seqs,
                          int n, bool sweep_only)
{
    llmcost_flops f;
    llmcost_flops_sweep_point pts[32];
    int rc = sweep_only ? 0 : llmcost_flops_compute(&f, m, o); /* the step first, as the document has it */
    if (rc == 0)
        rc = llmcost_flops_sweep(pts, m, o, seqs, (size_t)n);
    if (rc < 0)
        return cli_lib_error(rc);
    char *text;
    rc = llmcost_flops_sweep_to_json(&text, m, pts, (size_t)n, sweep_only ? NULL : &f, o, tokens);
    return cli_print_json_text(rc, text);
}

static const char *const usage_text =
    "llmcost flops [MODEL] [--seq S] [--batch B] [--attention eager|sdpa|flash] [--recompute none|selective|full]\n"
    "              [--convention causal|unmasked] [--frozen-embedding] [--tokens D] [--sweep-seq LIST]";
static const char *const description =
    "FLOPs of one training step: every matrix product of the forward pass by component (q/k/v/o or MLA's\n"
    "projections, attention scores and values, dense MLP, routed and shared experts, router, LM head), the\n"
    "backward pass (2x per matrix product; the attention core by its kernel: eager 2x, sdpa/flash recompute the\n"
    "scores), recomputation, model vs hardware FLOPs, and the field's conventions side by side: 6ND (total and\n"
    "active), Kaplan, PaLM, Megatron, exact unmasked (PyTorch's flop counter) and exact causal.\n"
    "Element-wise work (norms, activations, rotary, softmax, loss) is reported apart: it is memory-bound.";
static const char *const examples =
    "  llmcost flops llama-3-8b --seq 8192\n"
    "  llmcost flops deepseek-v3 --seq 4096 --tokens 14.8T\n"
    "  llmcost flops llama-2-7b --seq 4096 --convention unmasked --attention eager --format json\n"
    "  llmcost flops llama-3.1-8b --sweep-seq 1k,4k,32k,128k\n";

int cmd_flops(int argc, char **argv)
{
    long long seq = 0, batch = 1;
    double tokens = 0;
    int attention = LLMCOST_ATTN_SDPA, recompute = LLMCOST_RECOMPUTE_NONE, convention = LLMCOST_CONV_CAUSAL;
    bool frozen = false, seq_given = false, sweep_only = false;
    const char *sweep_list = NULL;
    cli_opt opts[] = {
        {"seq", OPT_SIZE, &seq, "S", "tokens per sequence (default: the model's training length); 4k = 4096", NULL, &seq_given},
        {"batch", OPT_SIZE, &batch, "B", "sequences per step (default 1)", NULL, NULL},
        {"attention", OPT_CHOICE, &attention, "KIND", "attention kernel (default sdpa)", cli_attention_choices, NULL},
        {"recompute", OPT_CHOICE, &recompute, "MODE", "activation recomputation (default none)", cli_recompute_choices, NULL},
        {"convention", OPT_CHOICE, &convention, "C", "attention pairs counted (default causal)", convention_choices, NULL},
        {"frozen-embedding", OPT_FLAG, &frozen, NULL, "the token embedding is not trained", NULL, NULL},
        {"tokens", OPT_REAL, &tokens, "D", "training tokens for whole-run totals; 15.6T = 15.6e12", NULL, NULL},
        {"sweep-seq", OPT_STRING, &sweep_list, "LIST", "sequence lengths to sweep, e.g. 1k,4k,32k,128k", NULL, NULL},
        {"sweep-only", OPT_FLAG, &sweep_only, NULL, "with --sweep-seq: print only the sweep table", NULL, NULL},
    };
    cli_common co;
    const char *pos[1];
    int npos;
    int rc = cli_parse("flops", argc, argv, opts, (int)(sizeof opts / sizeof opts[0]), &co, pos, 1, &npos);
    if (rc)
        return rc;
    if (co.help) {
        cli_help(stdout, "flops", usage_text, description, opts, (int)(sizeof opts / sizeof opts[0]), examples);
        return 0;
    }
    long long seqs[32];
    int nseq = 0;
    if (sweep_list && (nseq = parse_seq_list(sweep_list, seqs, 32)) < 0)
        return EXIT_BAD_INPUT;
    if (tokens > 0 && (rc = cli_check_range("--tokens", "tokens", tokens)))
        return rc;
    llmcost_model *m;
    rc = cli_load_model(&m, npos ? pos[0] : NULL);
    if (rc)
        return rc;
    char why[256];
    cli_default_seq(m, &seq, seq_given, why, sizeof why);
    llmcost_flops_options o = LLMCOST_FLOPS_OPTIONS_INIT;
    o.batch = batch;
    o.seq = seq;
    o.attention = (llmcost_attn_impl)attention;
    o.recompute = (llmcost_recompute)recompute;
    o.convention = (llmcost_convention)convention;
    o.frozen_embedding = frozen;
    /* JSON: the library's document, llmcost_flops_to_json() or, with a sweep, llmcost_flops_sweep_to_json(). */
    int64_t s64[32];
    for (int i = 0; i < nseq; i++)
        s64[i] = seqs[i];
    if (cli_structured(co.format) && nseq) {
        cli_output_kind("flops_sweep"); /* CSV: the sweep's rows */
        rc = sweep_document(m, &o, tokens, s64, nseq, sweep_only);
        llmcost_model_free(m);
        return rc;
    }
    if (!(sweep_only && nseq)) {
        cli_note(co.format, "%s: sequence %lld (%s)\n", m->name, seq, why);
        rc = cli_flops_section(m, &o, tokens, co.format, NULL, false);
    }
    if (!rc && nseq) {
        llmcost_flops_sweep_point pts[32];
        rc = llmcost_flops_sweep(pts, m, &o, s64, (size_t)nseq);
        rc = rc < 0 ? cli_lib_error(rc) : sweep_table(m, &o, pts, nseq, co.format);
    }
    if (!rc && frozen && !cli_structured(co.format))
        cli_note(co.format, "Frozen embedding: the embedding gets no gradient%s; the first layer's input gradients are %s.",
                 m->tied ? ", nor the tied LM head" : "",
                 m->layers[0].norm_pre_attn ? "still computed, because a norm with trainable weights precedes them"
                                            : "skipped");
    llmcost_model_free(m);
    return rc;
}
