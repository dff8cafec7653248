/* job_spec.c - a job as a front end states it (request.h), resolved into an llmcost_job: the default sequence,
 * the published or default global batch, SEQUENCESxLENGTH, rounding to whole micro-batch rounds, each default
 * said; the job's field names turned into a front end's names; the flags of a fit's changes. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "llmcost/format.h"
#include "llmcost/request.h"

static const char *const precision_names[] = {"fp32", "amp-bf16", "bf16", "bf16-master", "fp8", "fp16", NULL};
static const char *const optimizer_names[] = {"adamw", "adamw-8bit", "sgd", "adafactor", "paged-adamw",
                                             "paged-adamw-8bit", NULL};
static const char *const recompute_names[] = {"none", "selective", "full", NULL};
static const char *const attention_names[] = {"eager", "sdpa", "flash", "sdpa-math", "flash2", "flash3", "cudnn", "triton", "flash4", NULL};
static const char *const framework_names[] = {"hf", "megatron", "torchtune", "litgpt", NULL};
static const char *const act_cache_names[] = {"recipe", "fp8-tile", NULL};
static const char *const pipeline_names[] = {"1f1b", "dualpipe", NULL};
static const char *const ema_names[] = {"none", "gpu", "cpu", NULL};
static const char *const finetune_names[] = {"none", "full", "lora", "qlora", NULL};
static const char *const lora_variant_names[] = {"lora", "dora", NULL};
static const char *const quant_names[] = {"none", "nf4", "fp4", "int8", "int4", NULL};
static const char *const moe_dispatcher_names[] = {"alltoall", "allgather", "deepep", NULL}; /* llmcost_moe_dispatcher */
static const char *const adapter_dtype_names[] = {"auto", "fp32", "bf16", NULL};   /* llmcost_job_spec.adapter_dtype */
static const char *const cp_comm_names[] = {"p2p", "allgather", "a2a", "torch", NULL};       /* llmcost_cp_comm */

int llmcost_job_spec_init(llmcost_job_spec *s)
{
    if (!s)
        return lc_fail(LLMCOST_EINVAL, "llmcost_job_spec_init: NULL spec");
    memset(s, 0, sizeof *s);
    s->version = LLMCOST_JOB_SPEC_VERSION;
    s->micro_batch = 1;
    s->tp = s->pp = s->vpp = s->cp = s->ep = s->etp = 1;
    s->precision = LLMCOST_PREC_BF16;
    s->optimizer = LLMCOST_OPTIM_ADAMW;
    s->recompute = LLMCOST_RECOMPUTE_NONE;
    s->attention = LLMCOST_ATTN_SDPA;
    s->framework = LLMCOST_FW_HF;
    s->sequence_parallel = -1;
    s->headroom = 0.05;
    s->cuda_context_gb = 816644096.0 / 1073741824.0;
    return 0;
}

/* How a field's value is read: the CLI's option kinds (src/cli/cli.h), the same rules and suffixes. */
typedef lc_value_kind kind;
#define K_FLAG LC_V_FLAG
#define K_TEXT LC_V_TEXT
#define K_SIZE LC_V_SIZE
#define K_COUNT LC_V_COUNT
#define K_NONNEG LC_V_NONNEG
#define K_REAL LC_V_REAL
#define K_FRACTION LC_V_FRACTION
#define K_CHOICE LC_V_CHOICE
#define K_TRISTATE LC_V_TRISTATE

static const struct field {
    const char *name;
    kind k;
    size_t off;
    const char *const *choices;
} fields[] = {
    {"seq", K_SIZE, offsetof(llmcost_job_spec, seq), NULL},
    {"micro_batch", K_SIZE, offsetof(llmcost_job_spec, micro_batch), NULL},
    {"precision", K_CHOICE, offsetof(llmcost_job_spec, precision), precision_names},
    {"optimizer", K_CHOICE, offsetof(llmcost_job_spec, optimizer), optimizer_names},
    {"recompute", K_CHOICE, offsetof(llmcost_job_spec, recompute), recompute_names},
    {"attention", K_CHOICE, offsetof(llmcost_job_spec, attention), attention_names},
    {"framework", K_CHOICE, offsetof(llmcost_job_spec, framework), framework_names},
    {"gpus", K_COUNT, offsetof(llmcost_job_spec, gpus), NULL},
    {"tp", K_COUNT, offsetof(llmcost_job_spec, tp), NULL},
    {"pp", K_COUNT, offsetof(llmcost_job_spec, pp), NULL},
    {"vpp", K_COUNT, offsetof(llmcost_job_spec, vpp), NULL},
    {"dp", K_COUNT, offsetof(llmcost_job_spec, dp), NULL},
    {"cp", K_COUNT, offsetof(llmcost_job_spec, cp), NULL},
    {"ep", K_COUNT, offsetof(llmcost_job_spec, ep), NULL},
    {"etp", K_COUNT, offsetof(llmcost_job_spec, etp), NULL},
    {"zero", K_NONNEG, offsetof(llmcost_job_spec, zero), NULL},
    {"grad_accum", K_COUNT, offsetof(llmcost_job_spec, grad_accum), NULL},
    {"micro_batches", K_COUNT, offsetof(llmcost_job_spec, grad_accum), NULL},
    {"global_batch", K_TEXT, offsetof(llmcost_job_spec, global_batch), NULL},
    {"ep_overlap", K_FLAG, offsetof(llmcost_job_spec, ep_overlap), NULL},
    {"tp_overlap", K_FLAG, offsetof(llmcost_job_spec, tp_overlap), NULL},
    {"headroom", K_FRACTION, offsetof(llmcost_job_spec, headroom), NULL},
    {"cuda_context_gb", K_REAL, offsetof(llmcost_job_spec, cuda_context_gb), NULL},
    {"bf16_grads", K_FLAG, offsetof(llmcost_job_spec, bf16_grads), NULL},
    {"foreach_optimizer", K_FLAG, offsetof(llmcost_job_spec, foreach_optimizer), NULL},
    {"sequence_parallel", K_TRISTATE, offsetof(llmcost_job_spec, sequence_parallel), NULL},
    {"act_cache", K_CHOICE, offsetof(llmcost_job_spec, act_cache), act_cache_names},
    {"pipeline", K_CHOICE, offsetof(llmcost_job_spec, pipeline), pipeline_names},
    {"ema", K_CHOICE, offsetof(llmcost_job_spec, ema), ema_names},
    {"recompute_modules", K_TEXT, offsetof(llmcost_job_spec, recompute_modules), NULL},
    /* version 2 from here on (FIRST_V2) */
    {"finetune", K_CHOICE, offsetof(llmcost_job_spec, finetune), finetune_names},
    {"lora_rank", K_COUNT, offsetof(llmcost_job_spec, lora_rank), NULL},
    {"lora_alpha", K_REAL, offsetof(llmcost_job_spec, lora_alpha), NULL},
    {"lora_targets", K_TEXT, offsetof(llmcost_job_spec, lora_targets), NULL},
    {"lora_variant", K_CHOICE, offsetof(llmcost_job_spec, lora_variant), lora_variant_names},
    {"quant", K_CHOICE, offsetof(llmcost_job_spec, quant), quant_names},
    {"double_quant", K_FLAG, offsetof(llmcost_job_spec, double_quant), NULL},
    {"quant_group", K_COUNT, offsetof(llmcost_job_spec, quant_group), NULL},
    /* version 3 from here on (FIRST_V3) */
    {"moe_dispatcher", K_CHOICE, offsetof(llmcost_job_spec, moe_dispatcher), moe_dispatcher_names},
    {"moe_capacity_factor", K_REAL, offsetof(llmcost_job_spec, moe_capacity_factor), NULL},
    /* version 4 from here on (FIRST_V4) */
    {"chunked_loss", K_COUNT, offsetof(llmcost_job_spec, chunked_loss), NULL},
    {"optimizer_in_backward", K_FLAG, offsetof(llmcost_job_spec, optimizer_in_backward), NULL},
    {"activation_offload", K_FLAG, offsetof(llmcost_job_spec, activation_offload), NULL},
    {"compile", K_FLAG, offsetof(llmcost_job_spec, compile), NULL},
    /* version 5 from here on (FIRST_V5) */
    {"lora_dropout", K_REAL, offsetof(llmcost_job_spec, lora_dropout), NULL},
    {"adapter_dtype", K_CHOICE, offsetof(llmcost_job_spec, adapter_dtype), adapter_dtype_names},
    /* version 6 from here on (FIRST_V6) */
    {"cp_comm", K_CHOICE, offsetof(llmcost_job_spec, cp_comm), cp_comm_names},
    {"recompute_every", K_NONNEG, offsetof(llmcost_job_spec, recompute_every), NULL},
    /* version 7 from here on (FIRST_V7) */
    {"ddp_bucket_size", K_NONNEG, offsetof(llmcost_job_spec, ddp_bucket_size), NULL},
    {"moe_shared_expert_overlap", K_FLAG, offsetof(llmcost_job_spec, moe_shared_expert_overlap), NULL},
};
#define FIRST_V2 30 /* fields[FIRST_V2] is "finetune" */
#define FIRST_V3 38 /* fields[FIRST_V3] is "moe_dispatcher" */
#define FIRST_V4 40 /* fields[FIRST_V4] is "chunked_loss" */
#define FIRST_V5 44 /* fields[FIRST_V5] is "lora_dropout" */
#define FIRST_V6 46 /* fields[FIRST_V6] is "cp_comm" */
#define FIRST_V7 48 /* fields[FIRST_V7] is "ddp_bucket_size" */

const char *const llmcost_job_spec_names[] = {
    "seq", "micro_batch", "precision", "optimizer", "recompute", "attention", "framework", "gpus", "tp", "pp", "vpp",
    "dp", "cp", "ep", "etp", "zero", "grad_accum", "micro_batches", "global_batch", "ep_overlap", "tp_overlap",
    "headroom", "cuda_context_gb", "bf16_grads", "foreach_optimizer", "sequence_parallel", "act_cache", "pipeline", "ema",
    "recompute_modules", "finetune", "lora_rank", "lora_alpha", "lora_targets", "lora_variant", "quant",
    "double_quant", "quant_group", "moe_dispatcher", "moe_capacity_factor", "chunked_loss", "optimizer_in_backward",
    "activation_offload", "compile", "lora_dropout", "adapter_dtype", "cp_comm", "recompute_every", "ddp_bucket_size",
    "moe_shared_expert_overlap", NULL};

static int read_bool(bool *out, const char *name, const char *v)
{
    if (!strcmp(v, "true") || !strcmp(v, "1")) {
        *out = true;
        return 0;
    }
    if (!strcmp(v, "false") || !strcmp(v, "0")) {
        *out = false;
        return 0;
    }
    return lc_fail(LLMCOST_EINVAL, "%s: '%s' is not true or false", name, v);
}

int lc_read_value(void *dest, int k, const char *name, const char *v, const char *const *choices)
{
    double x;
    switch ((kind)k) {
    case K_FLAG:
        return read_bool((bool *)dest, name, v);
    case K_TRISTATE: {
        bool b = false;
        int rc = read_bool(&b, name, v);
        if (rc == 0)
            *(int *)dest = b;
        return rc;
    }
    case K_TEXT:
        if (v[0] == '\0')
            return lc_fail(LLMCOST_EINVAL, "%s: empty value", name);
        *(const char **)dest = v;
        return 0;
    case K_CHOICE: {
        char list[512] = "";
        for (int i = 0; choices[i]; i++) {
            if (!strcmp(v, choices[i])) {
                *(int *)dest = i;
                return 0;
            }
            size_t n = strlen(list);
            snprintf(list + n, sizeof list - n, "%s%s", i ? ", " : "", choices[i]);
        }
        return lc_fail(LLMCOST_EINVAL, "%s: '%s' is not one of: %s", name, v, list);
    }
    case K_SIZE:
    case K_COUNT:
    case K_NONNEG:
        if (llmcost_parse_quantity(&x, v, k == K_SIZE) != 0) {
            char why[1024];
            lc_strlcpy(why, llmcost_errmsg(), sizeof why);
            return lc_fail(LLMCOST_EINVAL, "%s: %s", name, why);
        }
        if (x != floor(x))
            return lc_fail(LLMCOST_EINVAL, "%s: '%s' is not a whole number", name, v);
        if (k == K_NONNEG ? x < 0 : x < 1)
            return lc_fail(LLMCOST_EINVAL, "%s: '%s' must be %s", name, v, k == K_NONNEG ? "zero or more" : "at least 1");
        if (x > 9.0e15)
            return lc_fail(LLMCOST_EINVAL, "%s: '%s' is too large", name, v);
        *(long long *)dest = (long long)x;
        return 0;
    case K_REAL:
    case K_FRACTION:
        if (llmcost_parse_quantity(&x, v, 0) != 0) {
            char why[1024];
            lc_strlcpy(why, llmcost_errmsg(), sizeof why);
            return lc_fail(LLMCOST_EINVAL, "%s: %s", name, why);
        }
        if (x <= 0)
            return lc_fail(LLMCOST_EINVAL, "%s: '%s' must be positive", name, v);
        if (k == K_FRACTION && x > 1)
            return lc_fail(LLMCOST_EINVAL, "%s: '%s' must be at most 1", name, v);
        *(double *)dest = x;
        return 0;
    }
    return lc_fail(LLMCOST_EINVAL, "%s: unknown kind", name);
}

int llmcost_job_spec_set(llmcost_job_spec *s, const char *name, const char *value)
{
    if (!s || !name || !value)
        return lc_fail(LLMCOST_EINVAL, "llmcost_job_spec_set: NULL argument");
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
        if (strcmp(fields[i].name, name))
            continue;
        if ((i >= FIRST_V2 && s->version < 2) || (i >= FIRST_V3 && s->version < 3) ||
            (i >= FIRST_V4 && s->version < 4) || (i >= FIRST_V5 && s->version < 5) ||
            (i >= FIRST_V6 && s->version < 6) || (i >= FIRST_V7 && s->version < 7)) /* an older struct has no room */
            return lc_fail(LLMCOST_EINVAL, "%s: llmcost_job_spec version %u has no such field: fill the struct with "
                           "llmcost_job_spec_init()", name, s->version);
        return lc_read_value((char *)s + fields[i].off, fields[i].k, name, value, fields[i].choices);
    }
    return lc_fail(LLMCOST_ENOTFOUND, "%s: not a job argument", name);
}

int64_t llmcost_default_seq(const llmcost_model *m, char *why, size_t n)
{
    if (m->train_seq > 0) {
        if (why)
            snprintf(why, n, "the model's pre-training length: %s", m->train_seq_source);
        return m->train_seq;
    }
    bool pos = m->max_positions > 0 && m->max_positions < 4096;
    if (why)
        snprintf(why, n, "assumed: no training length known; %s", pos ? "max_position_embeddings" : "4096, use --seq");
    return pos ? m->max_positions : 4096;
}

static void note(char *buf, size_t size, const char *line)
{
    if (!buf)
        return;
    size_t n = strlen(buf);
    if (n < size)
        snprintf(buf + n, size - n, "%s\n", line);
}

int llmcost_global_batch_parse(const char *text, double *sequences, double *length, double *tokens)
{
    *sequences = *length = *tokens = 0;
    if (!text)
        return lc_fail(LLMCOST_EINVAL, "global_batch: empty");
    const char *x = strchr(text, 'x');
    if (x) {
        char a[64];
        size_t n = (size_t)(x - text);
        if (n == 0 || n >= sizeof a)
            return lc_fail(LLMCOST_EINVAL, "global_batch: '%s' is not TOKENS or SEQUENCESxLENGTH", text);
        memcpy(a, text, n);
        a[n] = '\0';
        if (llmcost_parse_quantity(sequences, a, 0) != 0 || *sequences < 1 || *sequences != floor(*sequences) ||
            llmcost_parse_quantity(length, x + 1, 1) != 0 || *length < 1 || *length != floor(*length) ||
            *length > 9e15)
            return lc_fail(LLMCOST_EINVAL, "global_batch: '%s' is not SEQUENCESxLENGTH in whole numbers", text);
        return 0;
    }
    if (llmcost_parse_quantity(tokens, text, 1) != 0) {
        char why[1024];
        lc_strlcpy(why, llmcost_errmsg(), sizeof why);
        return lc_fail(LLMCOST_EINVAL, "global_batch: %s", why);
    }
    if (*tokens < 1)
        return lc_fail(LLMCOST_EINVAL, "global_batch: '%s' must be at least 1", text);
    return 0;
}

/* The spec's recompute_modules list as the memory engine's bits (0 when NULL). */
static int spec_recompute_modules(unsigned *bits, const llmcost_job_spec *s)
{
    *bits = 0;
    if (!s->recompute_modules)
        return 0;
    int b = llmcost_recompute_modules_parse(s->recompute_modules);
    if (b < 0)
        return lc_fail(LLMCOST_EINVAL, "recompute_modules: '%s' is not a list of layernorm, mla_up_proj, moe_act",
                       s->recompute_modules);
    *bits = (unsigned)b;
    return 0;
}

int llmcost_job_spec_resolve(llmcost_job *out, llmcost_job_spec *s, const llmcost_model *m, char *notes, size_t size)
{
    if (!out || !s || !m)
        return lc_fail(LLMCOST_EINVAL, "llmcost_job_spec_resolve: NULL argument");
    int rc = s->version >= 1 && s->version <= 6 ? 0 : LC_CHECK_VERSION(s, JOB_SPEC, job_spec);
    if (rc < 0)
        return rc;
    llmcost_job j;
    llmcost_job_init(&j);
    if (s->version >= 6) {
        j.cp_comm = (llmcost_cp_comm)s->cp_comm;
        j.recompute_every = s->recompute_every;
    }
    if (s->version >= 7) {
        j.ddp_bucket_size = s->ddp_bucket_size;
        j.moe_shared_expert_overlap = s->moe_shared_expert_overlap;
    }
    if (s->version >= 3) {
        j.moe_dispatcher = (llmcost_moe_dispatcher)s->moe_dispatcher;
        j.moe_capacity_factor = s->moe_capacity_factor;
    }
    if (s->version >= 4) {
        j.chunked_loss = s->chunked_loss;
        j.optimizer_in_backward = s->optimizer_in_backward;
        j.activation_offload = s->activation_offload;
        j.compile = s->compile;
    }
    char line[1536], why[1024];
    if (s->zero < 0 || s->zero > 3)
        return lc_fail(LLMCOST_EINVAL, "layout.zero: '%lld' must be 0, 1, 2 or 3", s->zero);
    if (s->global_batch && s->grad_accum > 0)
        return lc_fail(LLMCOST_EINVAL, "give global_batch or grad_accum, not both");
    /* SEQUENCESxLENGTH fixes the sequence length too. */
    double sequences = 0, length = 0, tokens = 0;
    if (s->global_batch) {
        if ((rc = llmcost_global_batch_parse(s->global_batch, &sequences, &length, &tokens)) < 0)
            return rc;
        if (sequences > 0) {
            if (s->seq > 0 && (long long)length != s->seq)
                return lc_fail(LLMCOST_EINVAL, "global_batch %s: length %.0f but seq = %lld", s->global_batch, length,
                               s->seq);
            s->seq = (long long)length;
        }
    }
    if (s->seq <= 0) {
        s->seq = llmcost_default_seq(m, why, sizeof why);
        snprintf(line, sizeof line, "sequence %lld tokens (%s)", s->seq, why);
        note(notes, size, line);
    }
    j.seq = s->seq;
    j.micro_batch = s->micro_batch;
    j.precision = (llmcost_precision)s->precision;
    j.optimizer = (llmcost_optimizer)s->optimizer;
    j.recompute = (llmcost_recompute)s->recompute;
    j.attention = (llmcost_attn_impl)s->attention;
    j.framework = (llmcost_framework)s->framework;
    j.expert_tp = s->etp;
    llmcost_layout l = LLMCOST_LAYOUT_INIT;
    l.gpus = s->gpus;
    l.tp = s->tp;
    l.pp = s->pp;
    l.vpp = s->vpp;
    l.dp = s->dp;
    l.cp = s->cp;
    l.ep = s->ep;
    l.zero = (int)s->zero;
    /* Sequence parallelism is Megatron's default with tensor parallelism; a front end may say on or off. */
    l.sequence_parallel = s->sequence_parallel >= 0 ? s->sequence_parallel != 0
                                                    : (s->framework == LLMCOST_FW_MEGATRON && s->tp > 1);
    l.ep_overlap = s->ep_overlap;
    l.tp_overlap = s->tp_overlap;
    j.layout = l;
    j.fp32_grads = !s->bf16_grads;
    j.fused_optimizer = !s->foreach_optimizer;
    j.headroom = s->headroom; /* llmcost_job_validate refuses 1 (no memory left) and above */
    j.cuda_context_bytes = s->cuda_context_gb * 1073741824.0;
    j.act_cache = (llmcost_act_cache)s->act_cache;
    j.pipeline = (llmcost_pipeline)s->pipeline;
    j.ema = (llmcost_ema)s->ema;
    if ((rc = spec_recompute_modules(&j.recompute_modules, s)) < 0)
        return rc;
    if (s->version >= 2 && (rc = llmcost_job_spec_finetune(&j.finetune, s, m, notes, size)) < 0)
        return rc;
    if ((rc = llmcost_layout_resolve(&j.layout, m)) < 0)
        return rc;
    bool rounded = false;
    const char *batch_text = s->global_batch;
    if (sequences > 0) {
        rc = llmcost_job_set_batch_tokens(&j, m, sequences * (double)j.seq, &rounded);
    } else if (tokens > 0) {
        rc = llmcost_job_set_batch_tokens(&j, m, tokens, &rounded);
    } else if (s->grad_accum > 0) {
        j.grad_accum = s->grad_accum;
    } else {
        /* The default batch does not depend on the layout: the published one, or a documented default. */
        const char *src;
        double dflt = llmcost_job_default_batch_tokens(m, &src);
        rc = llmcost_job_set_batch_tokens(&j, m, dflt, &rounded);
        char t[48];
        snprintf(line, sizeof line, "global batch %s tokens (%s; give --global-batch or --grad-accum)",
                 llmcost_fmt_grouped(t, sizeof t, (int64_t)dflt), src);
        if (rc == 0)
            note(notes, size, line);
        if (rounded)
            batch_text = "the default";
    }
    if (rc < 0)
        return rc;
    if ((rc = llmcost_job_validate(&j, m)) < 0)
        return rc;
    char a[48], b[48], c[48];
    double toks = (double)j.global_batch * (double)j.seq;
    if (rounded) {
        snprintf(line, sizeof line,
                 "global batch %s rounded to %s tokens: whole micro-batch rounds of micro-batch %lld x dp %lld x seq "
                 "%lld",
                 batch_text, llmcost_fmt_grouped(a, sizeof a, (int64_t)toks), (long long)j.micro_batch,
                 (long long)j.layout.dp, (long long)j.seq);
        note(notes, size, line);
    }
    snprintf(line, sizeof line, "global batch %s tokens = %s x %s (%lld micro-batch%s of %lld per replica, dp %lld)",
             llmcost_fmt_grouped(a, sizeof a, (int64_t)toks), llmcost_fmt_grouped(b, sizeof b, j.global_batch),
             llmcost_fmt_grouped(c, sizeof c, j.seq), (long long)j.grad_accum, j.grad_accum > 1 ? "es" : "",
             (long long)j.micro_batch, (long long)j.layout.dp);
    note(notes, size, line);
    /* The MoE implementation under Megatron, when not given: Megatron-Core's defaults. */
    if (j.framework == LLMCOST_FW_MEGATRON && llmcost_model_moe_layers(m) > 0 &&
        j.moe_dispatcher == LLMCOST_MOE_ALLTOALL && j.moe_capacity_factor == 0)
        note(notes, size, "MoE tokens by the alltoall dispatcher, dropless (Megatron-Core's defaults; give "
                          "--moe-dispatcher, --moe-capacity-factor)");
    /* DeepEP and FP8 dispatch (docs/formulas.md "DeepEP and FP8 dispatch"): what is taken to run, said. */
    if (llmcost_model_moe_layers(m) > 0 && j.layout.ep > 1 && j.moe_dispatcher == LLMCOST_MOE_DEEPEP)
        note(notes, size, j.layout.ep_overlap
                              ? "MoE tokens by DeepEP's normal kernels (Megatron-Core's flex dispatcher): once over the "
                                "network per node reached, forwarded over NVLink, in bf16; overlapped with another "
                                "micro-batch (--overlap-moe-expert-parallel-comm) at 20 SMs"
                              : "MoE tokens by DeepEP's normal kernels (Megatron-Core's flex dispatcher): once over the "
                                "network per node reached, forwarded over NVLink, in bf16; the compute waits for each "
                                "all-to-all (exposed; --ep-overlap overlaps it)");
    if (llmcost_model_moe_layers(m) > 0 && j.layout.ep > 1 && j.layout.ep_overlap &&
        j.precision == LLMCOST_PREC_FP8 && j.moe_dispatcher == LLMCOST_MOE_ALLTOALL && j.moe_capacity_factor == 0)
        note(notes, size, "MoE dispatch in FP8, 1 byte + an fp32 scale per 128 values, combine in bf16: DeepSeek-V3's "
                          "recipe (section 3.3.2), taken for --ep-overlap under --precision fp8");
    if (j.recompute_every > 1) {
        snprintf(line, sizeof line, "per-layer checkpointing: every %lld%s decoder layer (layers %lld, %lld, ...) "
                 "recomputed whole, the others keep all they save (torchtitan's selective_ac_option \"%lld\")",
                 (long long)j.recompute_every, j.recompute_every == 2 ? "nd" : j.recompute_every == 3 ? "rd" : "th",
                 (long long)j.recompute_every - 1, (long long)(2 * j.recompute_every - 1), (long long)j.recompute_every);
        note(notes, size, line);
    }
    /* Context parallelism: the implementation timed, said (docs/formulas.md "Context-parallel implementations"). */
    if (j.layout.cp > 1)
        note(notes, size, j.cp_comm == LLMCOST_CP_ALLGATHER
                              ? "context parallelism by all-gather: keys and values gathered before attention and again "
                                "in backward, their gradients reduce-scattered, all exposed (Llama 3, section 3.3.2)"
                          : j.cp_comm == LLMCOST_CP_A2A
                              ? "context parallelism by all-to-all (DeepSpeed-Ulysses): q, k, v to head shards and the "
                                "output back, forward and backward, exposed"
                          : j.cp_comm == LLMCOST_CP_TORCH
                              ? "context parallelism as PyTorch's context_parallel (torchtitan): keys and values "
                                "all-gathered behind the first block's attention, forward and backward, the fp32 "
                                "key/value gradients round the ring, the last send exposed"
                              : "context parallelism by ring attention (p2p, Megatron-Core's default): each key/value "
                                "send behind one block's attention; give --cp-comm allgather, a2a or torch");
    /* The memory savers (docs/formulas.md "Memory savers"): what each one is taken to do, said. */
    if (j.chunked_loss > 1) {
        snprintf(line, sizeof line, "cross-entropy in %lld chunks of tokens, each upcast to fp32 and its gradient made on "
                 "its own (torchtune's CEWithChunkedOutputLoss); the bf16 logits and fp32 log-probabilities of every "
                 "chunk stay until backward", (long long)j.chunked_loss);
        note(notes, size, line);
    }
    if (j.optimizer_in_backward)
        note(notes, size, "optimizer in backward: each parameter steps as its gradient is accumulated and the gradient is "
                          "freed; one parameter's gradient alive at a time");
    if (j.activation_offload)
        note(notes, size, "activation offload: the decoder layers' kept tensors wait in host memory; two layers' stay on "
                          "the GPU (the one in use and the one in transfer), and the head's and the loss's");
    if (j.compile)
        note(notes, size, "torch.compile: modelled only where it changes what is kept, the loss (a compiled cross-entropy "
                          "keeps its bf16 input, not fp32 log-probabilities); the layers' fused element-wise kernels are "
                          "taken to keep what eager PyTorch keeps (an upper bound)");
    if (j.chunked_loss > 1 || j.optimizer_in_backward || j.activation_offload || j.compile ||
        llmcost_optimizer_paged(j.optimizer))
        note(notes, size, "memory savers in step and train time (docs/formulas.md \"Memory savers: step time\"): the "
                          "chunked loss as N head GEMMs and N loss kernel sequences, compile as fused element-wise "
                          "kernels, activation offload's host copies hidden behind forward and backward up to their "
                          "compute, paging only past the GPU's memory, the optimizer in backward as one step per "
                          "parameter tensor (their launches)");
    if (j.framework == LLMCOST_FW_TORCHTUNE)
        note(notes, size, "framework torchtune: bf16 adapters, torchao's NF4 linear (keeps no input), its savers as given "
                          "(its recipes' defaults are not applied: give --recompute full, --chunked-loss 8, ...)");
    if (j.framework == LLMCOST_FW_LITGPT)
        note(notes, size, "framework litgpt: bf16 adapters, bitsandbytes 4-bit (keeps its input) on every Linear, the "
                          "head included, fp32 RMSNorm, the cross-entropy per 128 tokens on bf16 logits that its training "
                          "loop holds until the next step; under FSDP with LoRA each Block's whole gradient, its frozen "
                          "weights' weight-gradient GEMMs run");
    if (llmcost_optimizer_paged(j.optimizer))
        note(notes, size, "paged optimizer: the states of parameters of 10^5 elements or more in CUDA unified memory, "
                          "outside PyTorch's counters (peak allocated and reserved); the driver pages them to host when "
                          "the GPU runs short");
    *out = j;
    return 0;
}

/* The job's field names (job.h), the CLI's flags and llmcost_request()'s arguments. */
static const struct {
    const char *field, *flag, *arg;
} field_names[] = {
    {"seq", "--seq", "seq"},
    {"micro_batch", "--micro-batch", "micro_batch"},
    {"global_batch", "--global-batch", "global_batch"},
    {"grad_accum", "--grad-accum", "grad_accum"},
    {"precision", "--precision", "precision"},
    {"optimizer", "--optimizer", "optimizer"},
    {"recompute", "--recompute", "recompute"},
    {"attention", "--attention", "attention"},
    {"framework", "--framework", "framework"},
    {"expert_tp", "--etp", "etp"},
    {"moe_dispatcher", "--moe-dispatcher", "moe_dispatcher"},
    {"ep_overlap", "--ep-overlap", "ep_overlap"},
    {"moe_capacity_factor", "--moe-capacity-factor", "moe_capacity_factor"},
    {"headroom", "--headroom", "headroom"},
    {"layout.gpus", "--gpus", "gpus"},
    {"layout.tp", "--tp", "tp"},
    {"layout.pp", "--pp", "pp"},
    {"layout.vpp", "--vpp", "vpp"},
    {"layout.dp", "--dp", "dp"},
    {"layout.cp", "--cp", "cp"},
    {"layout.ep", "--ep", "ep"},
    {"layout.zero", "--zero", "zero"},
    {"act_cache", "--act-cache", "act_cache"},
    {"recompute_modules", "--recompute-modules", "recompute_modules"},
    {"pipeline", "--pipeline", "pipeline"},
    {"ema", "--ema", "ema"},
    {"finetune", "--finetune", "finetune"},
    {"lora_rank", "--lora-rank", "lora_rank"},
    {"lora_alpha", "--lora-alpha", "lora_alpha"},
    {"lora_targets", "--lora-targets", "lora_targets"},
    {"lora_variant", "--lora-variant", "lora_variant"},
    {"quant", "--quant", "quant"},
    {"double_quant", "--double-quant", "double_quant"},
    {"quant_group", "--quant-group", "quant_group"},
    {"chunked_loss", "--chunked-loss", "chunked_loss"},
    {"optimizer_in_backward", "--optimizer-in-backward", "optimizer_in_backward"},
    {"activation_offload", "--activation-offload", "activation_offload"},
    {"compile", "--compile", "compile"},
    {"lora_dropout", "--lora-dropout", "lora_dropout"},
    {"adapter_dtype", "--adapter-dtype", "adapter_dtype"},
    {"cp_comm", "--cp-comm", "cp_comm"},
    {"recompute_every", "--recompute-every", "recompute_every"},
    {"ddp_bucket_size", "--ddp-bucket-size", "ddp_bucket_size"},
    {"moe_shared_expert_overlap", "--moe-shared-expert-overlap", "moe_shared_expert_overlap"},
    /* Plausible ranges (ranges.h): a run's options and a GPU's fields as the catalogue names them. */
    {"tokens", "--tokens", "tokens"},
    {"price_per_hour", "--price", "price"},
    {"mfu", "--mfu", "mfu"},
    {"pue", "--pue", "pue"},
    {"grid_kg_per_kwh", "--grid-intensity", "grid_intensity"},
    {"goodput", "--goodput", "goodput"},
    {"checkpoint_gbps", "--checkpoint-gbps", "checkpoint_gbps"},
    {"checkpoint_interval_seconds", "--checkpoint-interval", "checkpoint_interval"},
    {"warmup_seconds", "--warmup", "warmup"},
    {"usd_per_hour", "--price", "price"},
    {"peak_tflops", "--peak-tflops", "peak_tflops"},
    {"memory_gb", "--memory-gb", "memory_gb"},
    {"memory_bw_gbps", "--memory-bw", "memory_bw"},
    {"tdp_watts", "--tdp", "tdp"},
    {"scaleup.gbps", "--scaleup-bw", "scaleup_bw"},
    {"scaleout.gbps", "--scaleout-bw", "scaleout_bw"},
};

static bool field_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.';
}

void llmcost_job_message_names(char *buf, size_t n, const char *msg, llmcost_names names)
{
    size_t o = 0;
    if (n == 0)
        return;
    bool flags = names == LLMCOST_NAMES_FLAGS;
    const char *p = msg;
    while (*p && o + 1 < n) {
        const char *rep = NULL;
        size_t len = 0;
        if (field_char(*p) && (p == msg || !field_char(p[-1]))) {
            while (field_char(p[len]))
                len++;
            /* A sentence's full stop is not part of the name. */
            size_t name_len = len;
            while (name_len > 0 && p[name_len - 1] == '.')
                name_len--;
            for (size_t i = 0; i < sizeof field_names / sizeof field_names[0] && !rep; i++)
                if (strlen(field_names[i].field) == name_len && !strncmp(p, field_names[i].field, name_len))
                    rep = flags ? field_names[i].flag : field_names[i].arg;
            /* A one-word name (seq, precision) is a field only as "seq = 4096": other messages use the words. */
            if (rep && !memchr(p, '_', name_len) && !memchr(p, '.', name_len) && strncmp(p + name_len, " = ", 3))
                rep = NULL;
            if (rep)
                len = name_len;
        }
        if (!rep) {
            size_t l = len ? len : 1;
            for (size_t i = 0; i < l && o + 1 < n; i++)
                buf[o++] = p[i];
            p += l;
            continue;
        }
        for (const char *r = rep; *r && o + 1 < n; r++)
            buf[o++] = *r;
        p += len;
        /* "layout.tp = 3 does not" reads "--tp 3 does not"; a product keeps its sign ("--tp x --pp = 4 x 2"). */
        bool in_product = o >= strlen(rep) + 2 && !strncmp(buf + o - strlen(rep) - 2, "x ", 2);
        if (flags && !strncmp(p, " = ", 3) && !in_product) {
            const char *v = p + 3;
            while (*v && *v != ' ')
                v++;
            if (strncmp(v, " x ", 3))
                p += 2;
        }
    }
    buf[o] = '\0';
}

void llmcost_fix_flags(char *buf, size_t n, const llmcost_fix *f)
{
    const llmcost_layout *l = &f->job.layout;
    switch (f->kind) {
    case LLMCOST_FIX_ZERO:
        snprintf(buf, n, "--zero %lld", (long long)f->value);
        break;
    case LLMCOST_FIX_RECOMPUTE:
        snprintf(buf, n, "--recompute %s", recompute_names[f->value >= 0 && f->value < 3 ? f->value : 0]);
        break;
    case LLMCOST_FIX_MICRO_BATCH:
        snprintf(buf, n, "--micro-batch %lld (--grad-accum %lld)", (long long)f->value, (long long)f->job.grad_accum);
        break;
    case LLMCOST_FIX_TP:
        snprintf(buf, n, "--tp %lld (dp %lld)", (long long)l->tp, (long long)l->dp);
        break;
    case LLMCOST_FIX_PP:
        snprintf(buf, n, "--pp %lld (dp %lld)", (long long)l->pp, (long long)l->dp);
        break;
    default:
        snprintf(buf, n, "--gpus %lld (--tp %lld --pp %lld)", (long long)l->gpus, (long long)l->tp, (long long)l->pp);
        break;
    }
}

void llmcost_job_changes(char *buf, size_t n, const llmcost_job *a, const llmcost_job *b)
{
    size_t o = 0;
    if (n == 0)
        return;
    buf[0] = '\0';
#define ADD(...) (o < n ? (o += (size_t)snprintf(buf + o, n - o, __VA_ARGS__)) : 0)
    if (a->layout.tp != b->layout.tp)
        ADD("%s--tp %lld", o ? " " : "", (long long)b->layout.tp);
    if (a->layout.pp != b->layout.pp)
        ADD("%s--pp %lld", o ? " " : "", (long long)b->layout.pp);
    if (a->layout.ep != b->layout.ep)
        ADD("%s--ep %lld", o ? " " : "", (long long)b->layout.ep);
    if (a->layout.dp != b->layout.dp)
        ADD("%s--dp %lld", o ? " " : "", (long long)b->layout.dp);
    if (a->layout.gpus != b->layout.gpus)
        ADD("%s--gpus %lld", o ? " " : "", (long long)b->layout.gpus);
    if (a->layout.zero != b->layout.zero)
        ADD("%s--zero %d", o ? " " : "", b->layout.zero);
    if (a->recompute != b->recompute)
        ADD("%s--recompute %s", o ? " " : "", recompute_names[b->recompute >= 0 && b->recompute < 3 ? b->recompute : 0]);
    if (a->micro_batch != b->micro_batch)
        ADD("%s--micro-batch %lld", o ? " " : "", (long long)b->micro_batch);
    if (a->layout.sequence_parallel != b->layout.sequence_parallel && b->layout.sequence_parallel)
        ADD("%s--sequence-parallel", o ? " " : "");
#undef ADD
}

/* The adapters' training of spec "s" (version 5: lora_dropout, adapter_dtype) into "ft"; checked by
 * llmcost_finetune_check with the rest. */
static int spec_adapter_training(llmcost_finetune *ft, const llmcost_job_spec *s)
{
    if (s->version < 5)
        return 0;
    if ((unsigned)s->adapter_dtype > 2)
        return lc_fail(LLMCOST_EINVAL, "adapter_dtype = %d is not auto, fp32 or bf16", s->adapter_dtype);
    ft->dropout = s->lora_dropout;
    ft->adapter_bytes = s->adapter_dtype == 1 ? 4 : s->adapter_dtype == 2 ? 2 : 0;
    return 0;
}

int llmcost_plan_options_from_spec(llmcost_plan_options *o, const llmcost_job_spec *s)
{
    if (!o || !s)
        return lc_fail(LLMCOST_EINVAL, "llmcost_plan_options_from_spec: NULL argument");
    /* The CP implementation and per-layer checkpointing are fixed, not searched (options version 6); an older
     * options struct has no room for them: refused by name, not dropped. */
    if (s->version >= 6 && o->version >= 6) {
        if ((unsigned)s->cp_comm >= LLMCOST_CP_COMM_COUNT || s->recompute_every < 0)
            return lc_fail(LLMCOST_EINVAL, "%s is out of range", s->recompute_every < 0 ? "recompute_every" : "cp_comm");
        o->cp_comm = (llmcost_cp_comm)s->cp_comm;
        o->recompute_every = s->recompute_every;
    } else if (s->version >= 6 && (s->cp_comm != LLMCOST_CP_P2P || s->recompute_every > 1)) {
        return lc_fail(LLMCOST_EUNSUPPORTED, "%s: plan options of version %u carry no %s (version 6)",
                       s->cp_comm != LLMCOST_CP_P2P ? "cp_comm" : "recompute_every", o->version,
                       s->cp_comm != LLMCOST_CP_P2P ? "context-parallel implementation" : "per-layer checkpointing");
    }
    /* The DP gradient bucket is fixed, not searched (options version 7); an older options struct has none. */
    if (s->version >= 7 && o->version >= 7) {
        if (s->ddp_bucket_size < 0)
            return lc_fail(LLMCOST_EINVAL, "ddp_bucket_size is out of range");
        o->ddp_bucket_size = s->ddp_bucket_size;
    } else if (s->version >= 7 && s->ddp_bucket_size > 0) {
        return lc_fail(LLMCOST_EUNSUPPORTED, "ddp_bucket_size: plan options of version %u carry no gradient bucket "
                       "size (version 7)", o->version);
    }
    /* The shared-expert overlap is fixed, not searched (options version 7). */
    if (s->version >= 7 && o->version >= 7)
        o->moe_shared_expert_overlap = s->moe_shared_expert_overlap;
    else if (s->version >= 7 && s->moe_shared_expert_overlap)
        return lc_fail(LLMCOST_EUNSUPPORTED, "moe_shared_expert_overlap: plan options of version %u carry no "
                       "shared-expert overlap (version 7)", o->version);
    o->precision = (llmcost_precision)s->precision;
    o->optimizer = (llmcost_optimizer)s->optimizer;
    o->attention = (llmcost_attn_impl)s->attention;
    o->framework = (llmcost_framework)s->framework;
    o->headroom = s->headroom;
    o->cuda_context_bytes = s->cuda_context_gb * 1073741824.0;
    /* The memory mechanisms are fixed, not searched: each given reaches the memory engine as in a job. */
    o->act_cache = (llmcost_act_cache)s->act_cache;
    o->pipeline = (llmcost_pipeline)s->pipeline;
    o->ema = (llmcost_ema)s->ema;
    o->bf16_grads = s->bf16_grads;
    o->foreach_optimizer = s->foreach_optimizer;
    /* The memory savers are fixed, not searched: every layout is sized with them (options version 5; a paged
     * optimizer is the optimizer, which the memory options carry). An older options struct has no room for them:
     * refused by name, not dropped. */
    if (s->version >= 4 && o->version >= 5) {
        o->chunked_loss = s->chunked_loss;
        o->optimizer_in_backward = s->optimizer_in_backward;
        o->activation_offload = s->activation_offload;
        o->compile = s->compile;
    } else if (s->version >= 4) {
        const char *given = lc_saver_given(s->chunked_loss, s->optimizer_in_backward, s->activation_offload, s->compile);
        if (given)
            return lc_fail(LLMCOST_EUNSUPPORTED, "%s: plan options of version %u carry no memory savers (version 5)",
                           given, o->version);
    }
    /* The MoE implementation is fixed, not searched: every layout is timed with it (checked by the search). */
    if (s->version >= 3 && o->version >= 5) {
        o->moe_dispatcher = (llmcost_moe_dispatcher)s->moe_dispatcher;
        o->moe_capacity_factor = s->moe_capacity_factor;
    } else if (s->version >= 3 && (s->moe_dispatcher != 0 || s->moe_capacity_factor != 0)) {
        return lc_fail(LLMCOST_EUNSUPPORTED, "%s: plan options of version %u carry no MoE implementation (version 5)",
                       s->moe_dispatcher != 0 ? "moe_dispatcher" : "moe_capacity_factor", o->version);
    }
    /* The fine-tuning is fixed, not searched: the method and its numbers here, checked as a job checks them; the
     * targets are module names read against the model (llmcost_plan_options_from_spec_model). */
    if (s->version >= 2) {
        llmcost_finetune ft = LLMCOST_FINETUNE_INIT;
        if ((unsigned)s->finetune >= LLMCOST_FT_COUNT)
            return lc_fail(LLMCOST_EINVAL, "finetune = %d is not a fine-tuning method", s->finetune);
        ft.method = (llmcost_finetune_method)s->finetune;
        ft.rank = s->lora_rank;
        ft.alpha = s->lora_alpha;
        ft.variant = (llmcost_lora_variant)s->lora_variant;
        ft.quant = (llmcost_quant)s->quant;
        int rc0;
        ft.double_quant = s->double_quant;
        ft.quant_group = s->quant_group;
        if ((rc0 = spec_adapter_training(&ft, s)) < 0)
            return rc0;
        bool adapters = ft.method == LLMCOST_FT_LORA || ft.method == LLMCOST_FT_QLORA;
        int rc = llmcost_finetune_check(&ft, NULL);
        if (rc == 0 && s->lora_targets && !adapters)
            rc = lc_fail(LLMCOST_EINVAL, "lora_targets needs finetune = lora or qlora");
        else if (rc == 0 && s->lora_targets)
            rc = lc_fail(LLMCOST_EUNSUPPORTED, "lora_targets: module names are read against the model "
                                               "(llmcost_plan_options_from_spec_model)");
        if (rc < 0)
            return rc;
        if (ft.method == LLMCOST_FT_QLORA && ft.quant == LLMCOST_QUANT_NONE)
            ft.quant = LLMCOST_QUANT_NF4;
        o->finetune = ft;
    }
    return spec_recompute_modules(&o->recompute_modules, s);
}

int llmcost_plan_options_from_spec_model(llmcost_plan_options *o, const llmcost_job_spec *s, const llmcost_model *m,
                                         char *notes, size_t size)
{
    if (!o || !s || !m)
        return lc_fail(LLMCOST_EINVAL, "llmcost_plan_options_from_spec_model: NULL argument");
    /* The targets aside for the model-free reading, then the whole fine-tuning read against the model. */
    llmcost_job_spec t = *s;
    t.lora_targets = NULL;
    int rc = llmcost_plan_options_from_spec(o, &t);
    if (rc < 0)
        return rc;
    if (s->version >= 2 && (rc = llmcost_job_spec_finetune(&o->finetune, s, m, notes, size)) < 0)
        return rc;
    /* A ring over sliding windows: the search refuses every layout with cp > 1 (lc_cp_window_check), said with why. */
    int64_t seq = o->seq > 0 ? o->seq : s->seq, w;
    llmcost_cp_comm cpc = o->version >= 6 ? o->cp_comm : LLMCOST_CP_P2P;
    int64_t n = lc_windowed_layers(m, seq, &w);
    if (n > 0 && (cpc == LLMCOST_CP_P2P || cpc == LLMCOST_CP_TORCH) && (o->cp == LLMCOST_PLAN_ANY || o->cp > 1)) {
        char line[1024], layers[64]; /* "21 of 42 layers", or "32 layers" when every one has the window */
        if (n == m->n_layers)
            snprintf(layers, sizeof layers, "%lld layers", (long long)n);
        else
            snprintf(layers, sizeof layers, "%lld of %lld layers", (long long)n, (long long)m->n_layers);
        snprintf(line, sizeof line, "layouts with cp > 1 refused (rejected by layout): --cp-comm %s: %s (%s's %s, "
                 "window %lld < --seq %lld); give --cp-comm allgather or a2a to search them",
                 cpc == LLMCOST_CP_P2P ? "p2p" : "torch",
                 cpc == LLMCOST_CP_P2P ? "Transformer Engine's ring does not support sliding-window attention"
                                       : "PyTorch's context_parallel ring attention takes no sliding window",
                 m->name, layers, (long long)w, (long long)seq);
        note(notes, size, line);
    }
    return 0;
}

int llmcost_job_spec_finetune(llmcost_finetune *out, const llmcost_job_spec *s, const llmcost_model *m, char *notes,
                              size_t size)
{
    if (!out || !s || !m)
        return lc_fail(LLMCOST_EINVAL, "llmcost_job_spec_finetune: NULL argument");
    llmcost_finetune ft = LLMCOST_FINETUNE_INIT;
    if (s->version < 2) {
        *out = ft;
        return 0;
    }
    if ((unsigned)s->finetune >= LLMCOST_FT_COUNT)
        return lc_fail(LLMCOST_EINVAL, "finetune = %d is not a fine-tuning method", s->finetune);
    ft.method = (llmcost_finetune_method)s->finetune;
    ft.variant = (llmcost_lora_variant)s->lora_variant;
    ft.quant = (llmcost_quant)s->quant;
    ft.rank = s->lora_rank;
    ft.alpha = s->lora_alpha;
    int rc0;
    ft.double_quant = s->double_quant;
    ft.quant_group = s->quant_group;
    if ((rc0 = spec_adapter_training(&ft, s)) < 0)
        return rc0;
    bool adapters = ft.method == LLMCOST_FT_LORA || ft.method == LLMCOST_FT_QLORA;
    int rc;
    if (s->lora_targets && !adapters)
        return lc_fail(LLMCOST_EINVAL, "lora_targets needs finetune = lora or qlora (finetune is %s)",
                       llmcost_finetune_method_name(ft.method));
    /* The rules that need no model first: a misplaced flag is named before the model's names are looked at. */
    if ((rc = llmcost_finetune_check(&ft, NULL)) < 0)
        return rc;
    if (adapters) {
        char line[768], names[512];
        if (s->lora_targets) {
            if ((rc = llmcost_lora_targets_parse(&ft.targets, m, s->lora_targets)) < 0)
                return rc;
        } else {
            if ((rc = llmcost_lora_targets_default(&ft.targets, m)) < 0)
                return rc;
            llmcost_lora_targets_format(names, sizeof names, m, ft.targets);
            snprintf(line, sizeof line, "LoRA targets %s (PEFT's default for model_type %s; give --lora-targets)",
                     names, m->model_type);
            note(notes, size, line);
        }
        if (!ft.rank || ft.alpha == 0) {
            snprintf(line, sizeof line, "LoRA rank %lld, alpha %g (PEFT's defaults r=8, lora_alpha=8 where not given)",
                     (long long)(ft.rank ? ft.rank : 8), ft.alpha > 0 ? ft.alpha : 8.0);
            note(notes, size, line);
        }
        if (ft.method == LLMCOST_FT_QLORA && ft.quant == LLMCOST_QUANT_NONE) {
            ft.quant = LLMCOST_QUANT_NF4;
            note(notes, size, "QLoRA base in NF4 (bitsandbytes, blocks of 64; give --quant)");
        }
    }
    if ((rc = llmcost_finetune_check(&ft, m)) < 0)
        return rc;
    *out = ft;
    return 0;
}
