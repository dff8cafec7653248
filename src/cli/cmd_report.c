/* cmd_report.c - `llmcost report [MODEL]`: everything llmcost knows about a model, section by section. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

static const char *act_label(const llmcost_model *m)
{
    return m->act_name[0] ? m->act_name : "?";
}

static void describe_ffn(char *buf, size_t n, const llmcost_model *m)
{
    int64_t moe = llmcost_model_moe_layers(m);
    const llmcost_layer *dense = NULL, *sparse = NULL;
    int64_t ndense = 0; /* layers with a dense MLP (a state-space or attention-only block has none) */
    for (int64_t i = 0; i < m->n_layers; i++) {
        if (m->layers[i].ffn.moe && !sparse)
            sparse = &m->layers[i];
        if (!m->layers[i].ffn.moe && m->layers[i].ffn.dense.d_ff > 0) {
            if (!dense)
                dense = &m->layers[i];
            ndense++;
        }
    }
    size_t len = 0;
    buf[0] = '\0';
    if (!dense && !sparse)
        snprintf(buf, n, "none");
    if (dense)
        len += (size_t)snprintf(buf + len, n - len, "%lld dense layer(s): %s MLP, d_ff %lld%s",
                                (long long)ndense, dense->ffn.dense.gated ? "gated (3 matrices)" : "plain (2 matrices)",
                                (long long)dense->ffn.dense.d_ff, dense->ffn.dense.bias ? ", biases" : "");
    if (sparse && len < n) {
        const llmcost_ffn *f = &sparse->ffn;
        snprintf(buf + len, n - len, "%s%lld MoE layer(s): %lld routed experts (top-%lld) of d_ff %lld%s%s",
                 dense ? "; " : "", (long long)moe, (long long)f->n_experts, (long long)f->top_k,
                 (long long)f->expert.d_ff, f->shared.d_ff ? ", shared expert(s) d_ff " : "", "");
        if (f->shared.d_ff) {
            size_t l2 = strlen(buf);
            snprintf(buf + l2, n - l2, "%lld", (long long)f->shared.d_ff);
        }
        if (m->moe_n_group > 0) {
            size_t l2 = strlen(buf);
            snprintf(buf + l2, n - l2, ", group-limited routing (top %lld of %lld expert groups)",
                     (long long)m->moe_topk_group, (long long)m->moe_n_group);
        }
    }
}

static void describe_attention(char *buf, size_t n, const llmcost_model *m)
{
    const llmcost_attention *a = NULL;
    int64_t sliding = 0, with = 0;
    for (int64_t i = 0; i < m->n_layers; i++) {
        sliding += m->layers[i].attn.sliding_window > 0;
        if (m->layers[i].attn.n_heads > 0) {
            with++;
            if (!a)
                a = &m->layers[i].attn;
        }
    }
    size_t len;
    if (!a) { /* Mamba: no layer attends */
        snprintf(buf, n, "none");
        return;
    }
    if (a->kind == LLMCOST_ATTN_MLA)
        len = (size_t)snprintf(buf, n, "MLA, %lld heads, q_lora_rank %lld, kv_lora_rank %lld, qk %lld+%lld (nope+rope), v %lld",
                               (long long)a->n_heads, (long long)a->q_lora_rank, (long long)a->kv_lora_rank,
                               (long long)a->qk_nope_head_dim, (long long)a->qk_rope_head_dim, (long long)a->v_head_dim);
    else
        len = (size_t)snprintf(buf, n, "%s, %lld query heads, %lld key/value heads, head_dim %lld%s%s",
                               llmcost_attn_kind_name(a->kind), (long long)a->n_heads, (long long)a->n_kv_heads,
                               (long long)a->head_dim, a->qk_norm ? ", qk-norm" : "",
                               a->q_bias ? ", biases" : "");
    if (sliding && len < n)
        len += (size_t)snprintf(buf + len, n - len, "; %lld of %lld layers sliding-window", (long long)sliding,
                                (long long)m->n_layers);
    if (with < m->n_layers && len < n) /* a hybrid: the other layers are state-space or MLP blocks */
        snprintf(buf + len, n - len, "; in %lld of %lld layers", (long long)with, (long long)m->n_layers);
}

/* The state-space mixers (docs/formulas.md, "State-space mixers"): each kind with its widths and its layer count. */
static void describe_ssm(char *buf, size_t n, const llmcost_model *m)
{
    size_t len = 0;
    buf[0] = '\0';
    for (int64_t k = 0; k < m->n_ssm && len < n; k++) {
        const llmcost_ssm *s = &m->ssm[k];
        int64_t used = 0;
        for (int64_t i = 0; i < m->n_layers; i++)
            used += m->layers[i].ssm == k + 1;
        if (s->kind == LLMCOST_SSM_MAMBA1)
            len += (size_t)snprintf(buf + len, n - len, "%sMamba selective scan%s, d_inner %lld, state %lld, dt rank %lld, "
                                    "conv %lld, in %lld of %lld layers", k ? "; " : "",
                                    s->dt_bc_norms ? " (dt, B, C norms: separate kernels)" : "", (long long)s->d_inner,
                                    (long long)s->d_state, (long long)s->dt_rank, (long long)s->d_conv, (long long)used,
                                    (long long)m->n_layers);
        else if (s->kind == LLMCOST_SSM_GATED_DELTANET)
            len += (size_t)snprintf(buf + len, n - len, "%sGated DeltaNet (chunked delta rule), %lld value heads x %lld, "
                                    "%lld key heads x %lld, chunk %lld, conv %lld, in %lld of %lld layers",
                                    k ? "; " : "", (long long)s->n_heads, (long long)s->head_dim,
                                    (long long)s->n_groups, (long long)s->d_state, (long long)s->chunk_size,
                                    (long long)s->d_conv, (long long)used, (long long)m->n_layers);
        else if (s->kind == LLMCOST_SSM_LIGHTNING)
            len += (size_t)snprintf(buf + len, n - len, "%sLightning attention (eager loop over blocks), %lld heads x "
                                    "%lld, state %lld x %lld a head, block %lld, in %lld of %lld layers",
                                    k ? "; " : "", (long long)s->n_heads, (long long)s->head_dim,
                                    (long long)s->d_state, (long long)s->head_dim, (long long)s->chunk_size,
                                    (long long)used, (long long)m->n_layers);
        else
            len += (size_t)snprintf(buf + len, n - len, "%sMamba-2 SSD, %lld heads x %lld, state %lld, %lld group(s), "
                                    "chunk %lld, conv %lld, in %lld of %lld layers", k ? "; " : "", (long long)s->n_heads,
                                    (long long)s->head_dim, (long long)s->d_state, (long long)s->n_groups,
                                    (long long)s->chunk_size, (long long)s->d_conv, (long long)used,
                                    (long long)m->n_layers);
    }
}

int cli_model_section(const llmcost_model *m, int format)
{
    const char *hdr[] = {"property", "value"};
    char title[512];
    snprintf(title, sizeof title, "Model %s: %s (%s)", m->name, m->family, m->model_type[0] ? m->model_type : "no model_type");
    llmcost_table *t = llmcost_table_new(title, 2, hdr);
    char buf[512];
    llmcost_table_addf(t, "read from\t%s", m->origin);
    llmcost_table_addf(t, "layers\t%lld, hidden size %lld, vocabulary %lld", (long long)m->n_layers, (long long)m->hidden,
                       (long long)m->vocab);
    describe_attention(buf, sizeof buf, m);
    llmcost_table_addf(t, "attention\t%s", buf);
    if (m->n_ssm > 0) {
        describe_ssm(buf, sizeof buf, m);
        llmcost_table_addf(t, "state-space mixer\t%s", buf);
    }
    describe_ffn(buf, sizeof buf, m);
    if (strcmp(buf, "none"))
        llmcost_table_addf(t, "feed-forward\t%s, activation %s", buf, act_label(m));
    else
        llmcost_table_addf(t, "feed-forward\tnone");
    const llmcost_layer *l0 = &m->layers[0];
    llmcost_table_addf(t, "norms\t%s: %s%s%s%s%s%s%s", llmcost_norm_kind_name(m->norm), l0->norm_pre_attn ? "pre-attention " : "",
                       l0->norm_post_attn ? "post-attention " : "", l0->norm_pre_ffn ? "pre-FFN " : "",
                       l0->norm_post_ffn ? "post-FFN " : "", m->final_norm ? "+ final" : "",
                       m->embed_norm ? " + on the embedding" : "", l0->parallel ? " (attention and MLP in parallel)" : "");
    if (m->pos == LLMCOST_POS_ROTARY && l0->attn.rotary_dim < l0->attn.head_dim)
        llmcost_table_addf(t, "positions\trotary (RoPE) on %lld of %lld dimensions per head%s", (long long)l0->attn.rotary_dim,
                           (long long)l0->attn.head_dim, m->rope_cached ? ", sin/cos table built once" : "");
    else
        llmcost_table_addf(t, "positions\t%s%s",
                           m->pos == LLMCOST_POS_LEARNED ? "learned table" : m->pos == LLMCOST_POS_ALIBI ? "ALiBi"
                           : m->pos == LLMCOST_POS_NONE ? "none (NoPE)" : "rotary (RoPE)",
                           m->pos == LLMCOST_POS_ROTARY && m->rope_cached ? ", sin/cos table built once" : "");
    llmcost_table_addf(t, "embeddings\t%s%s", m->tied ? "tied (LM head = token embedding)" : "untied LM head",
                       m->head_bias ? "; the LM head has a bias" : "");
    if (m->logit_scale > 0 || m->logit_softcap > 0) {
        char lg[96] = "";
        if (m->logit_scale > 0)
            snprintf(lg, sizeof lg, "multiplied by %g", m->logit_scale);
        if (m->logit_softcap > 0)
            snprintf(lg + strlen(lg), sizeof lg - strlen(lg), "%ssoft-capped at %g", lg[0] ? ", " : "", m->logit_softcap);
        llmcost_table_addf(t, "logits\t%s", lg);
    }
    if (m->train_seq)
        llmcost_table_addf(t, "training sequence\t%lld tokens (%s)", (long long)m->train_seq, m->train_seq_source);
    if (m->mtp.n_modules)
        llmcost_table_addf(t, "multi-token prediction\t%lld module(s), counted apart", (long long)m->mtp.n_modules);
    int rc = cli_print_table(t, format);
    llmcost_table_free(t);
    return rc;
}

/* The library's fine-tuning table (report.h: llmcost_report_ft_fit), one row per method, one column per GPU. */
static int finetune_table(const llmcost_report *r, const llmcost_model *m, int format)
{
    char title[768], names[512] = "", cols[3][64];
    const char *hdr[4] = {"method", cols[0], cols[1], cols[2]};
    for (int g = 0; g < 3; g++) {
        char b[48];
        snprintf(cols[g], sizeof cols[g], "%s (%s)", r->ft_fits[g].gpu,
                 llmcost_fmt_bytes(b, sizeof b, r->ft_fits[g].capacity_bytes));
    }
    if (r->ft_adapters.targets)
        llmcost_lora_targets_format(names, sizeof names, m, r->ft_adapters.targets);
    const llmcost_job *j = &r->ft_job;
    snprintf(title, sizeof title, "Fine-tuning on one GPU: seq %lld, micro-batch 1, %s, %s, recompute %s (LoRA rank %lld "
             "on %s)", (long long)j->seq, cli_precision_choices[j->precision], cli_optimizer_choices[j->optimizer],
             cli_recompute_choices[j->recompute], (long long)(r->ft_adapters.rank ? r->ft_adapters.rank : 8),
             names[0] ? names : "no known targets");
    llmcost_table *t = llmcost_table_new(title, 4, hdr);
    if (!t)
        return 1;
    static const char *const methods[] = {"full", "LoRA", "QLoRA"};
    for (int k = 0; k < 3; k++) {
        char cell[3][96];
        for (int g = 0; g < 3; g++) {
            const llmcost_report_ft_fit *c = &r->ft_fits[3 * k + g];
            char b[48];
            if (!c->available)
                snprintf(cell[g], sizeof cell[g], "not modelled");
            else if (c->fits)
                snprintf(cell[g], sizeof cell[g], "fits (%s), micro-batch up to %lld",
                         llmcost_fmt_bytes(b, sizeof b, c->peak_bytes), (long long)c->max_micro_batch);
            else
                snprintf(cell[g], sizeof cell[g], "does not fit (%s)", llmcost_fmt_bytes(b, sizeof b, c->peak_bytes));
        }
        llmcost_table_addf(t, "%s\t%s\t%s\t%s", methods[k], cell[0], cell[1], cell[2]);
    }
    int rc = cli_print_table(t, format);
    llmcost_table_free(t);
    char savers[320] = "";
    if (r->savers)
        snprintf(savers, sizeof savers, " Every cell with the job's memory savers (%s).", r->savers_flags);
    if (!rc)
        cli_note(format, "Peak allocated at micro-batch 1; fits as 'llmcost memory' judges it (predicted reserve + CUDA "
                         "context within the GPU less the job's headroom). %s%s",
                 r->given.finetune.method == LLMCOST_FT_LORA || r->given.finetune.method == LLMCOST_FT_QLORA
                     ? "LoRA and QLoRA with the given adapters."
                     : "LoRA and QLoRA at PEFT's defaults (rank 8, the type's default targets, all-linear when PEFT "
                       "has none, less the weights a fused Mamba kernel reads itself); the QLoRA base in NF4.",
                 savers);
    return rc;
}

static const char *const usage_text = "llmcost report [MODEL] [job options as in 'llmcost memory'] [--gpu NAME] [--format text|json|csv|md]";
static const char *const description =
    "Everything llmcost knows about a model: its architecture as read from config.json, its exact\n"
    "parameter counts, the FLOPs of a training step with the field's conventions side by side, training memory,\n"
    "what the scaling laws say of its size (compute-optimal tokens and predicted loss), and the time and cost of\n"
    "a step and of a compute-optimal run on the GPU (both implementation profiles). MODEL is a preset name, a\n"
    "config.json or a folder holding one; default llama-7b (the course's LLaMA-7B). A model that does not fit\n"
    "one GPU as given is priced on the planner's fastest layout of the smallest cluster on which one fits\n"
    "(the one GPU, else a power of two from 8 GPUs), printed as assumed. Fine-tuning flags (--finetune,\n"
    "--lora-*, --quant) report that job: the trainable and frozen parameters, its memory and step with the\n"
    "adapters. Last, what fits one 24, 48 and 80 GB GPU (rtx-4090, l40s, h100) under full fine-tuning, LoRA\n"
    "and QLoRA at micro-batch 1, with the largest micro-batch that fits.\n\n"
    "Memory savers (--compile, --chunked-loss N, --optimizer-in-backward, --activation-offload, --optimizer\n"
    "paged-adamw|paged-adamw-8bit) reach every figure computed for the job: its memory section (as 'llmcost\n"
    "memory' with the same flags), the eager profile's step (as 'llmcost step'), every cell of the fine-tuning\n"
    "table and a planned layout's search; each said on an assumed: line. Megatron-LM has none of the eager\n"
    "savers: the megatron row is priced without them (a paged optimizer kept), marked 'no savers' and said\n"
    "(JSON: each profile's memory_savers, the flags it was priced with).";
static const char *const examples = "  llmcost report\n  llmcost report mixtral-8x7b --format md\n"
                                    "  llmcost report llama-3-8b --finetune qlora --lora-targets all-linear --seq 2048 \\\n"
                                    "      --gpu rtx-4090\n"
                                    "  llmcost report deepseek-v3 --format json\n"
                                    "  llmcost report llama-3.2-3b --framework torchtune --finetune lora --compile \\\n"
                                    "      --chunked-loss 8 --optimizer-in-backward --grad-accum 1 --seq 2048 --gpu rtx-4090\n";

int cmd_report(int argc, char **argv)
{
    cli_job_opts jo = CLI_JOB_OPTS_INIT;
    cli_gpu_opts go = {0};
    cli_opt opts[] = {CLI_JOB_OPTIONS(jo), CLI_GPU_OPTIONS(go), CLI_POWER_CAP_OPTION(go)};
    int nopts = (int)(sizeof opts / sizeof opts[0]);
    cli_common co;
    const char *pos[1];
    int npos;
    int rc = cli_parse("report", argc, argv, opts, nopts, &co, pos, 1, &npos);
    if (rc)
        return rc;
    if (co.help) {
        cli_help(stdout, "report", usage_text, description, opts, nopts, examples);
        return 0;
    }
    llmcost_model *m;
    rc = cli_load_model(&m, npos ? pos[0] : NULL);
    if (rc)
        return rc;
    llmcost_gpu gpu;
    char over[512];
    rc = cli_gpu_resolve(&gpu, &go, "report", "h100", LLMCOST_DT_BF16, over, sizeof over);
    if (rc) {
        llmcost_model_free(m);
        return rc;
    }
    /* The document is the library's (report.h): the CLI prints it, or prints its sections as tables. */
    char why[256], assumed[4096] = "";
    long long dflt_seq = jo.seq;
    cli_default_seq(m, &dflt_seq, jo.seq_given, why, sizeof why);
    llmcost_job job;
    if ((rc = cli_job_build(&job, &jo, m, "report", assumed, sizeof assumed)) != 0) {
        llmcost_model_free(m);
        return rc;
    }
    if (!jo.seq_given && jo.seq != dflt_seq)
        snprintf(why, sizeof why, "from --global-batch");
    /* A power cap is said with the GPU's other overrides (llmcost_request("report") says it so too). */
    if (go.power_cap_watts > 0 && over[0]) {
        size_t n = strlen(assumed);
        snprintf(assumed + n, sizeof assumed - n, "GPU %s: %s\n", gpu.name, over);
    }
    llmcost_report_options ro;
    llmcost_report_options_init(&ro);
    ro.notes = assumed;
    ro.sequence_parallel = jo.sp ? 1 : jo.no_sp ? 0 : -1;
    llmcost_report *r;
    if ((rc = llmcost_report_compute(&r, m, &gpu, &job, &ro)) < 0) {
        llmcost_model_free(m);
        return cli_lib_error(rc);
    }
    if (r->basis == LLMCOST_REPORT_UNFIT)
        fprintf(stderr, "llmcost: warning: %s\n", r->fit_note);
    if (cli_structured(co.format)) {
        char *text;
        rc = llmcost_report_result_to_json(&text, r, m, &gpu);
        rc = cli_print_json_text(rc, text);
    } else {
        rc = cli_model_section(m, co.format);
        bool ft = r->given.finetune.method != LLMCOST_FT_NONE;
        /* Adapters and memory savers: the memory section of the job itself (memory options carry neither). */
        bool adapters = r->memory_job.finetune.method == LLMCOST_FT_LORA ||
                        r->memory_job.finetune.method == LLMCOST_FT_QLORA || r->savers;
        if (!rc)
            rc = ft ? cli_finetune_params_section(m, &r->given.finetune, NULL, co.format, (int)r->given.framework)
                    : cli_params_section(m, co.format, NULL);
        if (!rc) {
            cli_note(co.format, "FLOPs at batch %lld, sequence %lld (%s):\n", (long long)r->flops.batch,
                     (long long)r->flops.seq, why);
            rc = cli_flops_section(m, &r->flops, 0, co.format, NULL, false);
        }
        if (!rc) {
            cli_note(co.format, "Training memory (assumed unless given: micro-batch %lld, %s, %s, GPU %s):\n",
                     (long long)r->memory.micro_batch, cli_precision_choices[r->memory.precision],
                     cli_optimizer_choices[r->memory.optimizer], gpu.name);
            rc = adapters ? cli_memory_section_job(m, &r->memory, &gpu, r->headroom, co.format, NULL, true, &r->memory_job)
                          : cli_memory_section(m, &r->memory, &gpu, r->headroom, co.format, NULL, true);
        }
        if (!rc)
            rc = finetune_table(r, m, co.format);
        if (!rc)
            rc = cli_scaling_section(m, co.format, NULL);
        if (!rc)
            rc = cli_step_section(r, &gpu, co.format);
    }
    llmcost_report_free(r);
    llmcost_model_free(m);
    return rc;
}
