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
    if (p.buffers > 0 && m->n_ssm > 0 && m->ssm[0].kind == LLMCOST_SSM_LIGHTNING)
        cli_note(format,
                 "Counted as nn.Parameters, as transformers' num_parameters() does. transformers' "
                 "MiniMaxLightningAttention also registers %s persistent buffers (the lightning layers' decay tables, "
                 "in its state dict: %s in all); MiniMax-M1's hub checkpoint, for its remote code, stores none.",
                 llmcost_fmt_grouped(g, sizeof g, p.buffers), llmcost_fmt_grouped(h, sizeof h, p.total + p.buffers));
    else if (p.buffers > 0)
        cli_note(format,
                 "Counted as nn.Parameters, as transformers' num_parameters() does. The checkpoint also stores %s "
                 "persistent buffers (%s), for %s in all.",
                 llmcost_fmt_grouped(g, sizeof g, p.buffers),
                 m->rope_buffers > 0                                    ? "rotary inv_freq tables"
                 : m->act_buffers > 0                                     ? "the activations' constants"
                                                                          : "router score-correction biases",
                 llmcost_fmt_grouped(h, sizeof h, p.total + p.buffers));
    if (p.mtp > 0)
        cli_note(format,
                 "%lld multi-token-prediction module(s) are not part of the main model (transformers does not build "
                 "them): %s unique parameters, %s as stored with their own embedding and head copies.",
                 (long long)m->mtp.n_modules, llmcost_fmt_grouped(g, sizeof g, p.mtp),
                 llmcost_fmt_grouped(h, sizeof h, p.mtp_with_copies));
    return 0;
}

/* `llmcost params --finetune ...`: what trains and what stays frozen, and the bytes of each part. */
static int finetune_section(const llmcost_model *m, const cli_finetune_opts *fo, int format, int framework)
{
    llmcost_job_spec s;
    llmcost_job_spec_init(&s);
    cli_finetune_spec(&s, fo);
    llmcost_finetune ft;
    char assumed[1024] = "";
    if (llmcost_job_spec_finetune(&ft, &s, m, assumed, sizeof assumed) < 0)
        return cli_job_error("params");
    if (cli_structured(format)) {
        char *text;
        int rc = llmcost_finetune_params_to_json_framework(&text, m, &ft, framework);
        return cli_print_json_text(rc, text);
    }
    return cli_finetune_params_section(m, &ft, assumed, format, framework);
}

int cli_finetune_params_section(const llmcost_model *m, const llmcost_finetune *ftp, const char *assumed, int format,
                                int framework)
{
    llmcost_finetune ft = *ftp;
    int rc = cli_params_section(m, format, NULL);
    if (rc)
        return rc;
    llmcost_finetune_params fp;
    if ((rc = llmcost_finetune_count_framework(&fp, m, &ft, framework)) < 0)
        return cli_lib_error(rc);
    char title[640], names[512], g[32], h[32];
    bool adapters = ft.method == LLMCOST_FT_LORA || ft.method == LLMCOST_FT_QLORA;
    if (adapters) {
        llmcost_lora_targets_format(names, sizeof names, m, ft.targets);
        snprintf(title, sizeof title, "%s%s: rank %lld, alpha %g, on %s", ft.method == LLMCOST_FT_QLORA ? "QLoRA" : "LoRA",
                 ft.variant == LLMCOST_LORA_DORA ? " (DoRA)" : "", (long long)(ft.rank ? ft.rank : 8),
                 ft.alpha > 0 ? ft.alpha : 8.0, names);
    } else {
        snprintf(title, sizeof title, "%s: every parameter trains",
                 ft.method == LLMCOST_FT_FULL ? "Full fine-tuning" : "Pre-training");
    }
    const char *hdr[] = {"part", "module", "matrices", "parameters", "bytes"};
    llmcost_table *t = llmcost_table_new(title, 5, hdr);
    if (!t)
        return 1;
    for (int c = 2; c < 5; c++)
        llmcost_table_numeric(t, c);
    char b[32];
    for (int r = 0; r < LLMCOST_LR_COUNT; r++) {
        int64_t nm = 0, np = 0;
        if ((rc = llmcost_finetune_role_count(&nm, &np, m, &ft, (llmcost_lora_role)r)) < 0) {
            llmcost_table_free(t);
            return cli_lib_error(rc);
        }
        if (nm)
            llmcost_table_addf(t, "adapter %s\t%s\t%s\t%s\t", llmcost_lora_role_name((llmcost_lora_role)r),
                               llmcost_lora_module_name(m, (llmcost_lora_role)r), llmcost_fmt_grouped(g, sizeof g, nm),
                               llmcost_fmt_grouped(h, sizeof h, np));
    }
    llmcost_table_addf(t, "trainable\t\t\t%s\t%s", llmcost_fmt_grouped(g, sizeof g, fp.trainable),
                       adapters ? llmcost_fmt_grouped(b, sizeof b, fp.adapter_bytes) : "");
    if (adapters) {
        llmcost_table_addf(t, "frozen\t\t\t%s\t%s", llmcost_fmt_grouped(g, sizeof g, fp.frozen),
                           llmcost_fmt_grouped(b, sizeof b, fp.frozen_bytes));
        if (fp.quantized_params) {
            llmcost_quant q = ft.quant;
            llmcost_table_addf(t, "  quantised %s weights\t\t\t%s\t%s", llmcost_quant_name(q),
                               llmcost_fmt_grouped(g, sizeof g, fp.quantized_params),
                               llmcost_fmt_grouped(b, sizeof b, fp.quant_weight_bytes));
            llmcost_table_addf(t, "  their scales and codes\t\t\t\t%s",
                               llmcost_fmt_grouped(b, sizeof b, fp.quant_scale_bytes));
        }
        llmcost_table_addf(t, "  kept in 16 bits\t\t\t%s\t%s", llmcost_fmt_grouped(g, sizeof g, fp.dense_params),
                           llmcost_fmt_grouped(b, sizeof b, fp.dense_bytes));
    }
    rc = cli_print_table(t, format);
    llmcost_table_free(t);
    if (rc)
        return rc;
    if (assumed && assumed[0])
        cli_print_assumptions(format, assumed);
    bool own_dtype = framework == LLMCOST_FW_TORCHTUNE || framework == LLMCOST_FW_LITGPT;
    const char *stored = !fp.quantized_params ? ""
                         : framework == LLMCOST_FW_TORCHTUNE
                             ? " Quantised: every Linear of the decoder layers, as torchao's NF4Tensor (torchtune's "
                               "FrozenNF4Linear and LoRALinear(quantize_base=True); always double-quantised: int8 "
                               "block absmax, a bf16 factor per 256 blocks, a bf16 mean and 16-entry table per "
                               "matrix); the head, embeddings and norms stay 16-bit."
                         : framework == LLMCOST_FW_LITGPT && !m->tied
                             ? " Quantised: every Linear of the decoder layers and the output head (LitGPT hands the "
                               "model to Fabric's BitsandbytesPrecision, which replaces every nn.Linear); embeddings "
                               "and norms stay 16-bit."
                             : " Quantised: every Linear of the decoder layers (the head, embeddings and norms stay "
                               "16-bit). These are the hf framework's bytes (transformers leaves the head out); under "
                               "--framework litgpt memory stores the head quantised too.";
    if (adapters)
        cli_note(format,
                 "LoRA adds r x (in + out) per adapted matrix%s, no bias; adapters are stored in %s, frozen 16-bit "
                 "parts in 2 bytes.%s%s%s",
                 ft.variant == LLMCOST_LORA_DORA ? " and DoRA a magnitude of out" : "",
                 ft.adapter_bytes == 2   ? "bf16 (--adapter-dtype)"
                 : ft.adapter_bytes == 4 ? "fp32 (--adapter-dtype)"
                 : own_dtype             ? "bf16 (the model's dtype, as the framework builds them)"
                                         : "fp32 (PEFT's autocast_adapter_dtype)",
                 stored, framework == LLMCOST_FW_HF ? "" : " Storage as --framework ",
                 framework == LLMCOST_FW_HF ? "" : llmcost_framework_name((llmcost_framework)framework));
    return 0;
}

static const char *const usage_text =
    "llmcost params [MODEL] [--finetune full|lora|qlora ...] [--framework F] [--format text|json|csv|md]";
static const char *const description =
    "Exact parameter counts by component (embedding, position embedding, attention, dense MLP, routed and\n"
    "shared experts, router, norms, LM head, MTP modules apart), equal to transformers' num_parameters() for the\n"
    "same config. Totals: total, active per token (MoE: top-k of the routed experts), non-embedding.\n"
    "MODEL is a preset name, a config.json or a folder holding one; default llama-7b.\n"
    "With --finetune: the trainable and frozen parameters exactly (LoRA: r x (in + out) per adapted matrix, DoRA\n"
    "adds out) per target, and the bytes of each part in its storage format (QLoRA: NF4/FP4 with their absmax\n"
    "blocks, LLM.int8 row scales, AWQ int4 groups; embeddings, head and norms in 16 bits): the hf framework's\n"
    "storage by default. --framework F: the bytes as that framework stores them, the count llmcost memory and\n"
    "step use: torchtune and litgpt build adapters in bf16; torchtune's QLoRA base is torchao's NF4 (always\n"
    "double-quantised, bf16 second-level factors), its head bf16; litgpt's QLoRA (bitsandbytes through Fabric)\n"
    "quantises the untied output head too.";
static const char *const examples = "  llmcost params llama-3-8b\n"
                                    "  llmcost params deepseek-v3 --format json\n"
                                    "  llmcost params ./my-model/          # reads ./my-model/config.json\n"
                                    "  llmcost params llama-3-8b --finetune lora --lora-rank 16 \\\n"
                                    "      --lora-targets q_proj,k_proj,v_proj,o_proj\n"
                                    "  llmcost params llama-3-70b --finetune qlora --lora-targets all-linear --double-quant\n"
                                    "  llmcost params llama-2-7b --finetune qlora --framework litgpt\n";

int cmd_params(int argc, char **argv)
{
    cli_common co;
    const char *pos[1];
    int npos;
    cli_finetune_opts fo = {0};
    int framework = LLMCOST_FW_HF;
    cli_opt opts[] = {CLI_FINETUNE_OPTIONS(fo),
                      {"framework", OPT_CHOICE, &framework, "F",
                       "whose storage --finetune shows (default hf): hf, megatron, torchtune, litgpt",
                       cli_framework_choices, NULL}};
    int nopts = (int)(sizeof opts / sizeof opts[0]);
    int rc = cli_parse("params", argc, argv, opts, nopts, &co, pos, 1, &npos);
    if (rc)
        return rc;
    if (co.help) {
        cli_help(stdout, "params", usage_text, description, opts, nopts, examples);
        return 0;
    }
    bool ft_given = fo.method || fo.variant || fo.quant || fo.rank || fo.group || fo.alpha > 0 || fo.targets ||
                    fo.double_quant;
    llmcost_model *m;
    rc = cli_load_model(&m, npos ? pos[0] : NULL);
    if (rc)
        return rc;
    /* With --format json, the library's document is printed as it is (doc NULL). */
    rc = ft_given ? finetune_section(m, &fo, co.format, framework) : cli_params_section(m, co.format, NULL);
    llmcost_model_free(m);
    return rc;
}
