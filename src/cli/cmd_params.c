/* cmd_params.c - `llmcost params MODEL`: exact parameter counts by component, with totals. */
#include <stdio.h>
#include <string.h>

#include "cli.h"

static const char *component_label(int c)
{
    static const char *const labels[LLMCOST_PC_COUNT] = {
        "embedding", "position embedding", "attention", "dense MLP", "routed experts",
        "shared experts", "router", "norms", "LM head"};
    return labels[c];
}

int cli_params_section(const llmcost_model *m, int format, json_t *doc)
{
    llmcost_params p;
    int rc = llmcost_params_count(&p, m);
    if (rc < 0)
        return cli_lib_error(rc);
    if (cli_structured(format)) {
        char *text;
        rc = llmcost_params_to_json(&text, &p, m);
        if (!doc)
            return cli_print_json_text(rc, text);
        json_t *o = cli_json_section(rc, text);
        if (!o)
            return 1;
        json_object_set_new(doc, "params", o);
        return 0;
    }
    char title[sizeof m->name + sizeof m->origin + 32]; /* the whole origin: a cut title would name another file */
    snprintf(title, sizeof title, "Parameters of %s (%s)", m->name, m->origin);
    const char *hdr[] = {"component", "parameters", "", "share"};
    llmcost_table *t = llmcost_table_new(title, 4, hdr);
    if (!t)
        return 1;
    llmcost_table_numeric(t, 1);
    llmcost_table_numeric(t, 2);
    llmcost_table_numeric(t, 3);
    char g[32], h[32];
    for (int c = 0; c < LLMCOST_PC_COUNT; c++) {
        if (p.components[c] == 0)
            continue;
        llmcost_table_addf(t, "%s\t%s\t%s\t%.2f%%", component_label(c), llmcost_fmt_grouped(g, sizeof g, p.components[c]),
                           llmcost_fmt_count(h, sizeof h, (double)p.components[c]),
                           100.0 * (double)p.components[c] / (double)p.total);
    }
    llmcost_table_addf(t, "total\t%s\t%s\t100.00%%", llmcost_fmt_grouped(g, sizeof g, p.total),
                       llmcost_fmt_count(h, sizeof h, (double)p.total));
    if (p.active != p.total)
        llmcost_table_addf(t, "active per token\t%s\t%s\t%.2f%%", llmcost_fmt_grouped(g, sizeof g, p.active),
                           llmcost_fmt_count(h, sizeof h, (double)p.active), 100.0 * (double)p.active / (double)p.total);
    llmcost_table_addf(t, "non-embedding\t%s\t%s\t%.2f%%", llmcost_fmt_grouped(g, sizeof g, p.non_embedding),
                       llmcost_fmt_count(h, sizeof h, (double)p.non_embedding),
                       100.0 * (double)p.non_embedding / (double)p.total);
    if (p.mtp > 0)
        llmcost_table_addf(t, "MTP modules (apart)\t%s\t%s\t", llmcost_fmt_grouped(g, sizeof g, p.mtp),
                           llmcost_fmt_count(h, sizeof h, (double)p.mtp));
    rc = cli_print_table(t, format);
    llmcost_table_free(t);
    if (rc)
        return rc;
    if (m->tied)
        cli_note(format, "The LM head shares the token embedding (tie_word_embeddings), so it adds no parameters.");
    if (p.buffers > 0)
        cli_note(format,
                 "Counted as nn.Parameters, as transformers' num_parameters() does. The checkpoint also stores %s router "
                 "score-correction biases (buffers), for %s in all.",
                 llmcost_fmt_grouped(g, sizeof g, p.buffers), llmcost_fmt_grouped(h, sizeof h, p.total + p.buffers));
    if (p.mtp > 0)
        cli_note(format,
                 "%lld multi-token-prediction module(s) are not part of the main model (transformers does not build "
                 "them): %s unique parameters, %s as stored with their own embedding and head copies.",
                 (long long)m->mtp.n_modules, llmcost_fmt_grouped(g, sizeof g, p.mtp),
                 llmcost_fmt_grouped(h, sizeof h, p.mtp_with_copies));
    return 0;
}

static const char *const usage_text = "llmcost params [MODEL] [--format text|json|csv|md]";
static const char *const description =
    "Exact parameter counts by component (embedding, position embedding, attention, dense MLP, routed and\n"
    "shared experts, router, norms, LM head, MTP modules apart), equal to transformers' num_parameters() for the\n"
    "same config. Totals: total, active per token (MoE: top-k of the routed experts), non-embedding.\n"
    "MODEL is a preset name, a config.json or a folder holding one; default llama-7b.";
static const char *const examples = "  llmcost params llama-3-8b\n"
                                    "  llmcost params deepseek-v3 --format json\n"
                                    "  llmcost params ./my-model/          # reads ./my-model/config.json\n";

int cmd_params(int argc, char **argv)
{
    cli_common co;
    const char *pos[1];
    int npos;
    int rc = cli_parse("params", argc, argv, NULL, 0, &co, pos, 1, &npos);
    if (rc)
        return rc;
    if (co.help) {
        cli_help(stdout, "params", usage_text, description, NULL, 0, examples);
        return 0;
    }
    llmcost_model *m;
    rc = cli_load_model(&m, npos ? pos[0] : NULL);
    if (rc)
        return rc;
    /* With --format json, the library's document is printed as it is (doc NULL). */
    rc = cli_params_section(m, co.format, NULL);
    llmcost_model_free(m);
    return rc;
}
