/* finetune.c - fine-tuning's parameters: the matrices of each layer, their Hugging Face module names per family, the
 * LoRA / DoRA adapters on the targets, and the frozen base's storage (bitsandbytes NF4/FP4 and LLM.int8, AWQ int4).
 * docs/formulas.md, "Fine-tuning", gives every formula with its source. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "json_out.h"
#include "llmcost/finetune.h"
#include "llmcost/job.h"
#include "llmcost/output.h"
#include "llmcost/params.h"

const char *llmcost_finetune_method_name(llmcost_finetune_method m)
{
    static const char *const n[] = {"none", "full", "lora", "qlora"};
    return (unsigned)m < LLMCOST_FT_COUNT ? n[m] : "?";
}

const char *llmcost_quant_name(llmcost_quant q)
{
    static const char *const n[] = {"none", "nf4", "fp4", "int8", "int4"};
    return (unsigned)q < LLMCOST_QUANT_COUNT ? n[q] : "?";
}

const char *llmcost_lora_variant_name(llmcost_lora_variant v)
{
    static const char *const n[] = {"lora", "dora"};
    return (unsigned)v < LLMCOST_LORA_VARIANT_COUNT ? n[v] : "?";
}

const char *llmcost_lora_role_name(llmcost_lora_role r)
{
    static const char *const n[LLMCOST_LR_COUNT] = {
        "q",           "k",           "v",           "qkv",          "o",           "q_a",
        "q_b",         "kv_a",        "kv_b",        "mlp_gate",     "mlp_up",      "mlp_gate_up",
        "mlp_down",    "expert_gate", "expert_up",   "expert_down",  "shared_gate", "shared_up",
        "shared_down", "router",      "shared_expert_gate", "project_in", "project_out", "ssm_in",
        "ssm_x",       "ssm_dt",      "ssm_out",     "gdn_qkvz",     "gdn_ba",      "gdn_z",
        "gdn_a",       "shared_gate_up"};
    return (unsigned)r < LLMCOST_LR_COUNT ? n[r] : "?";
}

/* ---- module names: each architecture's description holds its Hugging Face Linear module names and PEFT's
 * default targets (arch.c's type rows, lc_arch_lora_names) ---- */

static const lc_lora_names *family_of(const llmcost_model *m)
{
    return lc_arch_lora_names(m);
}


/* ---- the matrices of a layer ---- */

typedef lc_ft_mat mat;

/* The Linear-shaped matrices of layer "l" into "out" (at most 24); their number. */
static int layer_mats(mat *out, const llmcost_model *m, const llmcost_layer *l);

int lc_ft_layer_mats(lc_ft_mat *out, const llmcost_model *m, const llmcost_layer *l)
{
    return layer_mats(out, m, l);
}

static int layer_mats(mat *out, const llmcost_model *m, const llmcost_layer *l)
{
    int n = 0;
    int64_t h = m->hidden;
    const llmcost_attention *a = &l->attn;
#define PUT(r, i, o, c) (out[n++] = (mat){(r), (i), (o), (c)})
    /* The layer's state-space or linear-attention mixer (in place of attention, or beside it: Falcon-H1), as
     * params.c counts it: Mamba in_proj h -> 2d, x_proj d -> R + 2N, dt_proj R -> d, out_proj d -> h; Mamba-2 in_proj
     * h -> 2d + 2GN + H (z, x, B, C, dt), out_proj d -> h; Gated DeltaNet in_proj_qkvz h -> 2GN + 2d, in_proj_ba
     * h -> 2H, out_proj d -> h; Qwen3.5's split Gated DeltaNet in_proj_qkv h -> 2GN + d, in_proj_z h -> d, in_proj_b
     * and in_proj_a h -> H each (modeling_qwen3_5.py, Qwen3_5GatedDeltaNet.__init__). */
    const llmcost_ssm *ss = llmcost_layer_ssm(m, l);
    if (ss) {
        int64_t d = ss->d_inner, gn = ss->n_groups * ss->d_state;
        if (ss->kind == LLMCOST_SSM_MAMBA1) {
            PUT(LLMCOST_LR_SSM_IN, h, 2 * d, 1);
            PUT(LLMCOST_LR_SSM_X, d, ss->dt_rank + 2 * ss->d_state, 1);
            PUT(LLMCOST_LR_SSM_DT, ss->dt_rank, d, 1);
        } else if (ss->kind == LLMCOST_SSM_MAMBA2) {
            PUT(LLMCOST_LR_SSM_IN, h, 2 * d + 2 * gn + ss->n_heads, 1);
        } else if (ss->split_proj) { /* Qwen3_5GatedDeltaNet: four Linears */
            PUT(LLMCOST_LR_GDN_QKVZ, h, 2 * gn + d, 1);
            PUT(LLMCOST_LR_GDN_Z, h, d, 1);
            PUT(LLMCOST_LR_GDN_BA, h, ss->n_heads, 1);
            PUT(LLMCOST_LR_GDN_A, h, ss->n_heads, 1);
        } else if (ss->kind == LLMCOST_SSM_LIGHTNING) { /* qkv_proj h -> 3d and output_gate h -> d */
            PUT(LLMCOST_LR_SSM_IN, h, 3 * d, 1);
            PUT(LLMCOST_LR_SSM_IN, h, d, 1);
        } else {
            PUT(LLMCOST_LR_GDN_QKVZ, h, 2 * gn + 2 * d, 1);
            PUT(LLMCOST_LR_GDN_BA, h, 2 * ss->n_heads, 1);
        }
        PUT(LLMCOST_LR_SSM_OUT, d, h, 1);
    }
    if (a->n_heads <= 0)
        ; /* a mixer's block (Mamba, Nemotron-H's M and -) has no attention */
    else if (a->kind == LLMCOST_ATTN_MLA) {
        int64_t qk = a->qk_nope_head_dim + a->qk_rope_head_dim;
        if (a->q_lora_rank > 0) {
            PUT(LLMCOST_LR_Q_A, h, a->q_lora_rank, 1);
            PUT(LLMCOST_LR_Q_B, a->q_lora_rank, a->n_heads * qk, 1);
        } else {
            PUT(LLMCOST_LR_Q, h, a->n_heads * qk, 1);
        }
        PUT(LLMCOST_LR_KV_A, h, a->kv_lora_rank + a->qk_rope_head_dim, 1);
        PUT(LLMCOST_LR_KV_B, a->kv_lora_rank, a->n_heads * (a->qk_nope_head_dim + a->v_head_dim), 1);
    } else {
        int64_t q = a->n_heads * a->head_dim, k = a->n_kv_heads * a->head_dim, v = a->n_kv_heads * a->v_head_dim;
        if (a->output_gate)
            q *= 2; /* Qwen3NextAttention: q_proj also emits the output gate */
        if (a->fused_qkv) {
            PUT(LLMCOST_LR_QKV, h, q + k + v, 1);
        } else {
            PUT(LLMCOST_LR_Q, h, q, 1);
            PUT(LLMCOST_LR_K, h, k, 1);
            PUT(LLMCOST_LR_V, h, v, 1);
        }
    }
    if (a->n_heads > 0)
        PUT(LLMCOST_LR_O, a->n_heads * a->v_head_dim, h, 1);
    const llmcost_ffn *f = &l->ffn;
    /* An MLP of "roles" gate, up, gate_up, down. */
#define MLP(p, G, U, GU, D, c)                                                                                    \
    do {                                                                                                         \
        if ((p)->d_ff > 0) {                                                                                     \
            if ((p)->gated && (p)->fused_gate_up && (GU) != LLMCOST_LR_COUNT) {                                  \
                PUT((GU), h, 2 * (p)->d_ff, (c));                                                                \
            } else {                                                                                             \
                if ((p)->gated)                                                                                  \
                    PUT((G), h, (p)->d_ff, (c));                                                                 \
                PUT((U), h, (p)->d_ff, (c));                                                                     \
            }                                                                                                    \
            PUT((D), (p)->d_ff, h, (c));                                                                         \
        }                                                                                                        \
    } while (0)
    if (f->moe) {
        /* Fused gate_up experts (gpt-oss) are parameters, not modules: their roles have no names there. A fused shared
         * MLP (Granite 4.0's shared_mlp.input_linear) is an nn.Linear. */
        MLP(&f->expert, LLMCOST_LR_EXPERT_GATE, LLMCOST_LR_EXPERT_UP, LLMCOST_LR_COUNT, LLMCOST_LR_EXPERT_DOWN,
            f->n_experts);
        MLP(&f->shared, LLMCOST_LR_SHARED_GATE, LLMCOST_LR_SHARED_UP, LLMCOST_LR_SHARED_GATE_UP, LLMCOST_LR_SHARED_DOWN,
            1);
        PUT(LLMCOST_LR_ROUTER, h, f->n_experts, 1);
        if (f->shared_gate)
            PUT(LLMCOST_LR_SHARED_EXPERT_GATE, h, 1, 1);
    } else {
        MLP(&f->dense, LLMCOST_LR_MLP_GATE, LLMCOST_LR_MLP_UP, LLMCOST_LR_MLP_GATE_UP, LLMCOST_LR_MLP_DOWN, 1);
    }
#undef MLP
#undef PUT
    return n;
}

/* Does some matrix of "m" play role "r" (so that a name for it selects something)? */
static bool has_role(const llmcost_model *m, llmcost_lora_role r)
{
    if (r == LLMCOST_LR_PROJECT_IN || r == LLMCOST_LR_PROJECT_OUT)
        return m->embed_dim != m->hidden;
    mat ms[24];
    for (int64_t i = 0; i < m->n_layers; i++) {
        if (i > 0 && !memcmp(&m->layers[i], &m->layers[i - 1], sizeof m->layers[i]))
            continue;
        int n = layer_mats(ms, m, &m->layers[i]);
        for (int k = 0; k < n; k++)
            if (ms[k].role == (int)r && ms[k].count > 0)
                return true;
    }
    return false;
}

/* mamba_inner_fn (MambaMixer.cuda_kernels_forward in training, FalconMamba's too) takes x_proj's, dt_proj's and
 * out_proj's weights as tensors; mamba_split_conv1d_scan_combined (Mamba2Mixer, FalconH1Mixer, NemotronH's, Bamba's)
 * out_proj's. Jamba's mixer (dt, B, C norms) and Gated DeltaNet call every Linear as a module. */
static bool ssm_reads_weight(const llmcost_ssm *ss, int r)
{
    if (ss->kind == LLMCOST_SSM_MAMBA1 && !ss->dt_bc_norms)
        return r == LLMCOST_LR_SSM_X || r == LLMCOST_LR_SSM_DT || r == LLMCOST_LR_SSM_OUT;
    if (ss->kind == LLMCOST_SSM_MAMBA2)
        return r == LLMCOST_LR_SSM_OUT;
    return false;
}

bool lc_ft_kernel_read(const llmcost_model *m, int r)
{
    for (int64_t i = 0; i < m->n_ssm; i++)
        if (ssm_reads_weight(&m->ssm[i], r))
            return true;
    return false;
}

const char *llmcost_lora_module_name(const llmcost_model *m, llmcost_lora_role r)
{
    if (!m || (unsigned)r >= LLMCOST_LR_COUNT)
        return NULL;
    const lc_lora_names *f = family_of(m);
    if (!f || !f->name[r] || !has_role(m, r))
        return NULL;
    return f->name[r];
}

/* The distinct module names of "m" (in role order), comma-separated. */
static void all_names(char *buf, size_t n, const llmcost_model *m, uint32_t mask)
{
    size_t o = 0;
    buf[0] = '\0';
    const char *seen[LLMCOST_LR_COUNT];
    int ns = 0;
    for (int r = 0; r < LLMCOST_LR_COUNT; r++) {
        if (!(mask & (1u << r)))
            continue;
        const char *nm = llmcost_lora_module_name(m, (llmcost_lora_role)r);
        if (!nm)
            continue;
        bool dup = false;
        for (int i = 0; i < ns && !dup; i++)
            dup = !strcmp(seen[i], nm);
        if (dup)
            continue;
        seen[ns++] = nm;
        if (o < n)
            o += (size_t)snprintf(buf + o, n - o, "%s%s", o ? "," : "", nm);
    }
}

void llmcost_lora_targets_format(char *buf, size_t n, const llmcost_model *m, uint32_t mask)
{
    if (!buf || n == 0)
        return;
    if (!m) {
        buf[0] = '\0';
        return;
    }
    all_names(buf, n, m, mask);
}

static int unknown_family(const llmcost_model *m)
{
    const char *why = lc_arch_lora_refusal(m);
    if (why)
        return lc_fail(LLMCOST_EUNSUPPORTED, "lora_targets: LoRA on model_type '%s' (%s) is not modelled: %s",
                       m->model_type, m->name, why);
    return lc_fail(LLMCOST_EUNSUPPORTED,
                   "lora_targets: llmcost does not know the module names of model_type '%s' (%s), so it cannot map "
                   "LoRA targets onto its matrices",
                   m->model_type[0] ? m->model_type : "(none)", m->name);
}

/* Has "m" routed experts (a MoE layer with experts)? */
static bool routed_experts(const llmcost_model *m)
{
    for (int64_t i = 0; i < m->n_layers; i++)
        if (m->layers[i].ffn.moe && m->layers[i].ffn.n_experts > 0)
            return true;
    return false;
}

/* The roles whose name would also select a non-Linear module of the routed experts (lc_arch_lora_name_clash). */
static uint32_t clash_roles(const llmcost_model *m)
{
    return routed_experts(m) ? lc_arch_lora_name_clash(m) : 0;
}

/* Refuses targets "bits" that name a matrix a fused kernel reads itself (lc_ft_kernel_read): PEFT raises on out_proj
 * for the types it lists; elsewhere the adapter would be built and never run. "all": the list was all-linear. */
static int refuse_kernel_read(const llmcost_model *m, uint32_t bits, bool all)
{
    const lc_lora_names *f = family_of(m);
    for (int r = 0; r < LLMCOST_LR_COUNT; r++) {
        if (!(bits & (1u << r)) || !lc_ft_kernel_read(m, r))
            continue;
        const char *nm = llmcost_lora_module_name(m, (llmcost_lora_role)r);
        char ok[512];
        uint32_t fine = 0;
        for (int k = 0; k < LLMCOST_LR_COUNT; k++)
            if (llmcost_lora_module_name(m, (llmcost_lora_role)k) && !lc_ft_kernel_read(m, k) &&
                !(clash_roles(m) & (1u << k)))
                fine |= 1u << k;
        all_names(ok, sizeof ok, m, fine);
        bool peft = f && (f->peft_refuses & (1u << r));
        const char *kernel = "mamba_split_conv1d_scan_combined";
        for (int64_t i = 0; i < m->n_ssm; i++)
            if (ssm_reads_weight(&m->ssm[i], r) && m->ssm[i].kind == LLMCOST_SSM_MAMBA1)
                kernel = "mamba_inner_fn";
        return lc_fail(LLMCOST_EINVAL,
                       "lora_targets: %s'%s' on %s: transformers' fused Mamba kernel (%s) takes its weight directly in "
                       "training, so an adapter on it never runs%s; give the names instead: %s",
                       all ? "all-linear includes " : "", nm, m->name, kernel,
                       peft ? " (PEFT refuses it on this model_type: _check_lora_target_modules_mamba)" : "", ok);
    }
    return 0;
}

static bool has_name(const lc_lora_names *f, llmcost_lora_role r)
{
    return f && f->name[r];
}

int llmcost_lora_targets_parse(uint32_t *mask, const llmcost_model *m, const char *list)
{
    if (!mask || !m || !list)
        return lc_fail(LLMCOST_EINVAL, "llmcost_lora_targets_parse: NULL argument");
    const lc_lora_names *f = family_of(m);
    if (!f)
        return unknown_family(m);
    uint32_t bits = 0;
    int rc;
    const char *p = list;
    if (!*p)
        return lc_fail(LLMCOST_EINVAL, "lora_targets: empty list");
    while (*p) {
        const char *e = strchr(p, ',');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        char name[64];
        if (len == 0 || len >= sizeof name)
            return lc_fail(LLMCOST_EINVAL, "lora_targets: '%s' is not a comma-separated list of module names", list);
        memcpy(name, p, len);
        name[len] = '\0';
        uint32_t got = 0;
        if (!strcmp(name, "all-linear")) {
            for (int r = 0; r < LLMCOST_LR_COUNT; r++)
                if (llmcost_lora_module_name(m, (llmcost_lora_role)r))
                    got |= 1u << r;
        } else {
            for (int r = 0; r < LLMCOST_LR_COUNT; r++) {
                const char *nm = llmcost_lora_module_name(m, (llmcost_lora_role)r);
                if (nm && !strcmp(nm, name))
                    got |= 1u << r;
            }
        }
        if (!got) {
            char names[512];
            all_names(names, sizeof names, m, ~0u);
            if (strchr(name, '.'))
                return lc_fail(LLMCOST_EINVAL,
                               "lora_targets: '%s': give module names without their path (%s), or all-linear", name,
                               names);
            if (!strcmp(name, "lm_head") || !strcmp(name, "embed_tokens"))
                return lc_fail(LLMCOST_EINVAL,
                               "lora_targets: '%s': adapters on the embedding or the head are not modelled; %s's "
                               "Linear modules are %s",
                               name, m->name, names);
            uint32_t kr = 0;
            for (int r = 0; r < LLMCOST_LR_COUNT; r++)
                if (llmcost_lora_module_name(m, (llmcost_lora_role)r) && lc_ft_kernel_read(m, r))
                    kr |= 1u << r;
            if (kr) {
                char ok[512], kn[256];
                all_names(ok, sizeof ok, m, ~kr & ~clash_roles(m));
                all_names(kn, sizeof kn, m, kr);
                return lc_fail(LLMCOST_EINVAL, "lora_targets: '%s' is not a Linear module of %s (model_type %s); the "
                               "ones an adapter can take are %s (%s: read by the fused Mamba kernel itself)", name,
                               m->name, m->model_type, ok, kn);
            }
            /* Experts held as 3-D parameters (Qwen3.5-MoE's Qwen3_5MoeExperts, gpt-oss, Llama 4, Granite's
             * ParallelExperts) have no module name a target could select. */
            bool fused_experts = routed_experts(m) && !has_name(f, LLMCOST_LR_EXPERT_UP) && !has_name(f, LLMCOST_LR_EXPERT_DOWN);
            return lc_fail(LLMCOST_EINVAL, "lora_targets: '%s' is not a Linear module of %s (model_type %s); its Linear "
                           "modules are %s, or all-linear%s", name, m->name, m->model_type, names,
                           fused_experts ? " (its routed experts are 3-D nn.Parameters, not nn.Linear modules: "
                                           "target_modules cannot select them)" : "");
        }
        if (strcmp(name, "all-linear") && (got & clash_roles(m)))
            return lc_fail(LLMCOST_EINVAL,
                           "lora_targets: '%s' on %s also names its routed experts' module (3-D weights, not an "
                           "nn.Linear): PEFT matches target names by suffix and raises 'Target module ... is not "
                           "supported' on it; all-linear (which selects Linears by their full names) adapts the shared "
                           "MLP's, a path in target_modules is not modelled", name, m->name);
        if ((rc = refuse_kernel_read(m, got, !strcmp(name, "all-linear"))) < 0)
            return rc;
        bits |= got;
        p += len;
        if (*p == ',')
            p++;
    }
    *mask = bits;
    return 0;
}

int llmcost_lora_targets_default(uint32_t *mask, const llmcost_model *m)
{
    if (!mask || !m)
        return lc_fail(LLMCOST_EINVAL, "llmcost_lora_targets_default: NULL argument");
    const lc_lora_names *f = family_of(m);
    if (!f)
        return unknown_family(m);
    uint32_t bits = 0;
    for (int r = 0; r < LLMCOST_LR_COUNT; r++)
        if ((f->peft_default & (1u << r)) && llmcost_lora_module_name(m, (llmcost_lora_role)r))
            bits |= 1u << r;
    if (!bits) {
        char names[512];
        all_names(names, sizeof names, m, ~0u);
        return lc_fail(LLMCOST_EUNSUPPORTED,
                       "lora_targets: PEFT has no default target modules for model_type '%s': give lora_targets (%s's "
                       "Linear modules: %s, or all-linear)",
                       m->model_type, m->name, names);
    }
    *mask = bits;
    return 0;
}

/* ---- the check ---- */

static llmcost_quant quant_of(const llmcost_finetune *ft)
{
    return ft->method == LLMCOST_FT_QLORA && ft->quant == LLMCOST_QUANT_NONE ? LLMCOST_QUANT_NF4 : ft->quant;
}

int llmcost_finetune_check(const llmcost_finetune *ft, const llmcost_model *m)
{
    if (!ft)
        return lc_fail(LLMCOST_EINVAL, "llmcost_finetune_check: NULL argument");
    if ((unsigned)ft->method >= LLMCOST_FT_COUNT)
        return lc_fail(LLMCOST_EINVAL, "finetune = %d is not a fine-tuning method", (int)ft->method);
    if ((unsigned)ft->quant >= LLMCOST_QUANT_COUNT)
        return lc_fail(LLMCOST_EINVAL, "quant = %d is not a quantisation", (int)ft->quant);
    if ((unsigned)ft->variant >= LLMCOST_LORA_VARIANT_COUNT)
        return lc_fail(LLMCOST_EINVAL, "lora_variant = %d is not a LoRA variant", (int)ft->variant);
    bool adapters = ft->method == LLMCOST_FT_LORA || ft->method == LLMCOST_FT_QLORA;
    const char *meth = llmcost_finetune_method_name(ft->method);
    if (!adapters) {
        if (ft->rank)
            return lc_fail(LLMCOST_EINVAL, "lora_rank needs finetune = lora or qlora (finetune is %s)", meth);
        if (ft->alpha != 0)
            return lc_fail(LLMCOST_EINVAL, "lora_alpha needs finetune = lora or qlora (finetune is %s)", meth);
        if (ft->targets)
            return lc_fail(LLMCOST_EINVAL, "lora_targets needs finetune = lora or qlora (finetune is %s)", meth);
        if (ft->variant != LLMCOST_LORA_PLAIN)
            return lc_fail(LLMCOST_EINVAL, "lora_variant needs finetune = lora or qlora (finetune is %s)", meth);
    }
    llmcost_quant q = quant_of(ft);
    if (q != LLMCOST_QUANT_NONE && ft->method != LLMCOST_FT_QLORA)
        return lc_fail(LLMCOST_EINVAL,
                       "quant = %s needs finetune = qlora (a quantised base is frozen: only adapters on it train)",
                       llmcost_quant_name(q));
    if (ft->double_quant && q != LLMCOST_QUANT_NF4 && q != LLMCOST_QUANT_FP4)
        return lc_fail(LLMCOST_EINVAL, "double_quant needs quant = nf4 or fp4 (quant is %s)", llmcost_quant_name(q));
    if (ft->quant_group && q != LLMCOST_QUANT_INT4)
        return lc_fail(LLMCOST_EINVAL,
                       "quant_group needs quant = int4 (bitsandbytes' NF4/FP4 blocks are 64, LLM.int8 scales rows)");
    if (ft->quant_group < 0)
        return lc_fail(LLMCOST_EINVAL, "quant_group = %lld must be at least 1", (long long)ft->quant_group);
    if (ft->rank < 0)
        return lc_fail(LLMCOST_EINVAL, "lora_rank = %lld must be at least 1", (long long)ft->rank);
    if (ft->alpha < 0 || ft->alpha != ft->alpha)
        return lc_fail(LLMCOST_EINVAL, "lora_alpha must be positive");
    if (!(ft->dropout >= 0 && ft->dropout < 1))
        return lc_fail(LLMCOST_EINVAL, "lora_dropout = %g must be in [0, 1)", ft->dropout);
    if (ft->adapter_bytes != 0 && ft->adapter_bytes != 2 && ft->adapter_bytes != 4)
        return lc_fail(LLMCOST_EINVAL, "adapter_dtype: %d bytes is neither bf16 (2) nor fp32 (4)", ft->adapter_bytes);
    if (!adapters && ft->dropout > 0)
        return lc_fail(LLMCOST_EINVAL, "lora_dropout needs finetune = lora or qlora (finetune is %s)", meth);
    if (!adapters && ft->adapter_bytes)
        return lc_fail(LLMCOST_EINVAL, "adapter_dtype needs finetune = lora or qlora (finetune is %s)", meth);
    if (LLMCOST_LR_COUNT < 32 && (uint64_t)ft->targets >> LLMCOST_LR_COUNT)
        return lc_fail(LLMCOST_EINVAL, "lora_targets: bits beyond the %d roles", (int)LLMCOST_LR_COUNT);
    if (!m || !adapters)
        return 0;
    for (int64_t i = 0; i < m->n_layers; i++)
        if (m->layers[i].attn.index_n_heads > 0)
            return lc_fail(LLMCOST_EUNSUPPORTED,
                           "finetune = %s: %s's lightning indexer has no transformers modules to adapt or quantise",
                           meth, m->name);
    if (!family_of(m))
        return unknown_family(m);
    for (int r = 0; r < LLMCOST_LR_COUNT; r++)
        if ((ft->targets & (1u << r)) && !llmcost_lora_module_name(m, (llmcost_lora_role)r))
            return lc_fail(LLMCOST_EINVAL, "lora_targets: %s has no Linear module for the %s matrices", m->name,
                           llmcost_lora_role_name((llmcost_lora_role)r));
    int krc = refuse_kernel_read(m, ft->targets, false);
    if (krc < 0)
        return krc;
    if (q == LLMCOST_QUANT_INT4 && m->n_ssm > 0)
        return lc_fail(LLMCOST_EUNSUPPORTED, "quant = int4: AWQ's quantisers have no rules for %s's state-space "
                       "mixers (not modelled); use nf4, fp4 or int8", m->name);
    if (q == LLMCOST_QUANT_INT4) {
        int64_t g = ft->quant_group ? ft->quant_group : 128;
        mat ms[24];
        for (int64_t i = 0; i < m->n_layers; i++) {
            int n = layer_mats(ms, m, &m->layers[i]);
            for (int k = 0; k < n; k++) {
                llmcost_lora_role r = ms[k].role;
                if (r >= LLMCOST_LR_ROUTER || ms[k].count == 0 || !llmcost_lora_module_name(m, r))
                    continue;
                if (ms[k].in % g)
                    return lc_fail(LLMCOST_EINVAL,
                                   "quant_group = %lld does not divide the %lld inputs of %s's %s matrices (layer %lld)",
                                   (long long)g, (long long)ms[k].in, m->name, llmcost_lora_module_name(m, r),
                                   (long long)i);
            }
        }
    }
    return 0;
}

void lc_ft_adapter_param_bytes(llmcost_param_bytes *out, const llmcost_job *j)
{
    llmcost_job aj = *j;
    /* Unstated: PEFT's fp32 under hf (autocast_adapter_dtype); torchtune's and LitGPT's adapters are built in the
     * model's dtype (bf16: torchtune's training.set_default_dtype, LitGPT's precision "bf16-true"); megatron the
     * recipe's. */
    int bytes = j->finetune.adapter_bytes       ? j->finetune.adapter_bytes
                : j->framework == LLMCOST_FW_HF ? 4
                : j->framework == LLMCOST_FW_TORCHTUNE || j->framework == LLMCOST_FW_LITGPT ? 2
                                                : 0;
    if (bytes)
        aj.precision = bytes == 4 ? LLMCOST_PREC_FP32 : LLMCOST_PREC_BF16;
    llmcost_job_param_bytes(out, &aj);
}

/* ---- the counts ---- */

static int64_t cdiv(int64_t a, int64_t b)
{
    return (a + b - 1) / b;
}

/* Storage of one quantised matrix of in x out: the packed weights into *w, the scales and codes into *s. */
static void quant_bytes(lc_ck *c, int64_t *w, int64_t *s, llmcost_quant q, bool dq, int64_t group, int64_t in,
                        int64_t out)
{
    int64_t n = lc_ck_mul(c, in, out);
    switch (q) {
    case LLMCOST_QUANT_NF4:
    case LLMCOST_QUANT_FP4: {
        /* bitsandbytes quantize_4bit: two values a byte, an fp32 absmax per block of 64, the 16-entry fp32 code
         * (quant_map); double quant: the absmax less its mean as uint8 blocks of 256 with an fp32 absmax each, and
         * the mean (offset) in fp32. */
        int64_t blocks = cdiv(n, 64);
        *w = cdiv(n, 2);
        *s = dq ? lc_ck_add(c, lc_ck_add(c, blocks, lc_ck_mul(c, 4, cdiv(blocks, 256))), 4 + 64) : lc_ck_add(c, lc_ck_mul(c, 4, blocks), 64);
        break;
    }
    case LLMCOST_QUANT_INT8:
        /* bitsandbytes Int8Params: int8 weights (CB) and an fp32 absmax per output row (SCB). */
        *w = n;
        *s = lc_ck_mul(c, 4, out);
        break;
    case LLMCOST_QUANT_INT4: {
        /* AWQ's GEMM layout: qweight int32 [in, out/8], scales fp16 [in/g, out], qzeros int32 [in/g, out/8]. */
        int64_t packed = lc_ck_mul(c, 4, cdiv(out, 8)), groups = in / group;
        *w = lc_ck_mul(c, in, packed);
        *s = lc_ck_add(c, lc_ck_mul(c, groups, lc_ck_mul(c, 2, out)), lc_ck_mul(c, groups, packed));
        break;
    }
    default:
        *w = *s = 0;
    }
}

/* Is role "r" quantised under "q" (and a Linear of the family)? bitsandbytes replaces every nn.Linear but the head;
 * AWQ quantises the projections and leaves routers, gates and embedding projections in 16 bits. */
static bool quantised(const llmcost_model *m, llmcost_quant q, llmcost_lora_role r);

bool lc_ft_quantised(const llmcost_model *m, const llmcost_finetune *ft, int r)
{
    return quantised(m, quant_of(ft), r);
}

static bool quantised(const llmcost_model *m, llmcost_quant q, llmcost_lora_role r)
{
    if (q == LLMCOST_QUANT_NONE || !llmcost_lora_module_name(m, r))
        return false;
    /* A weight the fused Mamba kernel reads itself cannot be packed (the kernel's F.linear would get bitsandbytes'
     * uint8 storage): kept in 16 bits, as QLoRA recipes for these models skip it (llm_int8_skip_modules). */
    if (lc_ft_kernel_read(m, r))
        return false;
    return q != LLMCOST_QUANT_INT4 || r < LLMCOST_LR_ROUTER;
}

bool lc_ft_role_quantised(const llmcost_model *m, int q, int r)
{
    return (unsigned)r < LLMCOST_LR_COUNT && quantised(m, (llmcost_quant)q, (llmcost_lora_role)r);
}

/* LitGPT's QLoRA quantises its head as well (issue 19, h3lit): `litgpt finetune --quantize bnb.*` hands the model to
 * Lightning Fabric's BitsandbytesPrecision, whose convert_module -> _convert_layers replaces every torch.nn.Linear
 * whose name starts with none of ignore_modules (lightning/fabric/plugins/precision/bitsandbytes.py, 2.1.0 and
 * HEAD), and LitGPT passes none (finetune/lora.py at 8641822b and HEAD: BitsandbytesPrecision(quantize[4:], dtype)):
 * the head's inner nn.Linear (lora.py GPT.lm_head = LoRALinear(...).linear) is quantised like the layers'. A tied
 * head is left out (not modelled: it would be the embedding's table). */
bool lc_ft_head_quantised(const llmcost_model *m, const llmcost_finetune *ft, int framework)
{
    return framework == LLMCOST_FW_LITGPT && ft->method == LLMCOST_FT_QLORA && !m->tied && m->vocab > 0 &&
           m->embed_dim > 0 && quant_of(ft) != LLMCOST_QUANT_INT4 && quant_of(ft) != LLMCOST_QUANT_NONE;
}

int lc_ft_count_head(llmcost_finetune_params *fp, const llmcost_model *m, const llmcost_finetune *ft, int framework)
{
    if (!lc_ft_head_quantised(m, ft, framework))
        return 0;
    lc_ck c = {false};
    int64_t w = 0, s = 0, n = lc_ck_mul(&c, m->embed_dim, m->vocab);
    quant_bytes(&c, &w, &s, quant_of(ft), ft->double_quant, 128, m->embed_dim, m->vocab);
    fp->quantized_params = lc_ck_add(&c, fp->quantized_params, n);
    fp->quant_weight_bytes = lc_ck_add(&c, fp->quant_weight_bytes, w);
    fp->quant_scale_bytes = lc_ck_add(&c, fp->quant_scale_bytes, s);
    fp->dense_params -= n;
    fp->dense_bytes = lc_ck_mul(&c, 2, fp->dense_params);
    fp->frozen_bytes = lc_ck_add(&c, lc_ck_add(&c, fp->quant_weight_bytes, fp->quant_scale_bytes), fp->dense_bytes);
    if (c.overflow || fp->dense_params < 0)
        return lc_fail(LLMCOST_EOVERFLOW, "%s: the quantised head's count overflows 64 bits", m->origin);
    return 0;
}

/* llmcost_finetune_count with every role's counts into am[] and ap[] (LLMCOST_LR_COUNT each, zeroed here). */
static int count_roles(llmcost_finetune_params *out, int64_t *am, int64_t *ap, const llmcost_model *m,
                       const llmcost_finetune *ft)
{
    memset(out, 0, sizeof *out);
    memset(am, 0, LLMCOST_LR_COUNT * sizeof *am);
    memset(ap, 0, LLMCOST_LR_COUNT * sizeof *ap);
    int rc = llmcost_finetune_check(ft, m);
    if (rc < 0)
        return rc;
    llmcost_params p;
    if ((rc = llmcost_params_count(&p, m)) < 0)
        return rc;
    out->method = ft->method;
    out->base = p.total;
    out->dense_bytes_per_param = 2;
    out->adapter_bytes_per_param = ft->adapter_bytes ? ft->adapter_bytes : 4;
    if (ft->method != LLMCOST_FT_LORA && ft->method != LLMCOST_FT_QLORA) {
        out->trainable = p.total;
        return 0;
    }
    uint32_t targets = ft->targets;
    if (!targets && (rc = llmcost_lora_targets_default(&targets, m)) < 0)
        return rc;
    int64_t r = ft->rank ? ft->rank : 8;
    llmcost_quant q = quant_of(ft);
    int64_t group = ft->quant_group ? ft->quant_group : 128;
    lc_ck c = {false};
    mat ms[24];
    int nm = 0;
    for (int64_t i = 0; i <= m->n_layers; i++) {
        if (i < m->n_layers) {
            nm = layer_mats(ms, m, &m->layers[i]);
        } else if (m->embed_dim != m->hidden) { /* OPT-350m: project_in (embed -> h), project_out (h -> embed) */
            ms[0] = (mat){LLMCOST_LR_PROJECT_IN, m->embed_dim, m->hidden, 1};
            ms[1] = (mat){LLMCOST_LR_PROJECT_OUT, m->hidden, m->embed_dim, 1};
            nm = 2;
        } else {
            break;
        }
        for (int k = 0; k < nm; k++) {
            const mat *x = &ms[k];
            if (x->count == 0)
                continue;
            if (targets & (1u << x->role)) {
                int64_t ab = lc_ck_mul(&c, r, lc_ck_add(&c, x->in, x->out));
                int64_t one = ft->variant == LLMCOST_LORA_DORA ? lc_ck_add(&c, ab, x->out) : ab;
                am[x->role] = lc_ck_add(&c, am[x->role], x->count);
                ap[x->role] = lc_ck_add(&c, ap[x->role], lc_ck_mul(&c, x->count, one));
                out->lora_ab = lc_ck_add(&c, out->lora_ab, lc_ck_mul(&c, x->count, ab));
                if (ft->variant == LLMCOST_LORA_DORA)
                    out->magnitude = lc_ck_add(&c, out->magnitude, lc_ck_mul(&c, x->count, x->out));
            }
            if (quantised(m, q, x->role)) {
                int64_t w = 0, s = 0;
                quant_bytes(&c, &w, &s, q, ft->double_quant, group, x->in, x->out);
                out->quantized_params = lc_ck_add(&c, out->quantized_params, lc_ck_mul(&c, x->count, lc_ck_mul(&c, x->in, x->out)));
                out->quant_weight_bytes = lc_ck_add(&c, out->quant_weight_bytes, lc_ck_mul(&c, x->count, w));
                out->quant_scale_bytes = lc_ck_add(&c, out->quant_scale_bytes, lc_ck_mul(&c, x->count, s));
            }
        }
    }
    out->trainable = lc_ck_add(&c, out->lora_ab, out->magnitude);
    out->frozen = p.total;
    out->dense_params = p.total - out->quantized_params;
    out->dense_bytes = lc_ck_mul(&c, 2, out->dense_params);
    out->adapter_bytes = lc_ck_mul(&c, out->adapter_bytes_per_param, out->trainable);
    out->frozen_bytes = lc_ck_add(&c, lc_ck_add(&c, out->quant_weight_bytes, out->quant_scale_bytes), out->dense_bytes);
    if (c.overflow)
        return lc_fail(LLMCOST_EOVERFLOW, "%s: a fine-tuning count overflows 64 bits", m->origin);
    return 0;
}

/*
 * torchtune's QLoRA base (h-ft19, issue 19): torchao's NF4Tensor (to_nf4 with its defaults, block_size 64,
 * scaler_block_size 256; torchtune FrozenNF4Linear and LoRALinear(quantize_base=True), every Linear of the decoder
 * layers, the output head left in bf16: "quantize_base is not applied to final output_proj currently",
 * torchtune/models/llama3/_component_builders.py at 30b8519e8 and HEAD). NF4Tensor.from_tensor keeps, for a weight
 * of n elements in the model's dtype (bf16): quantized_data, two 4-bit codes a byte (n/2); quantized_scalers, the
 * block absmax less its mean as int8, one a block of 64 (n/64); quantization_factor, one per 256 scalers, in the
 * input's dtype (2 bytes); scaler_mean (2 bytes) and the 16-entry nf4 table (32 bytes), both in that dtype
 * (torchao quantization/quantize_/workflows/nf4/nf4_tensor.py, double_quantize_scalers). Always double-quantised:
 * to_nf4 has no single-quant form; bitsandbytes' double quant keeps fp32 second-level absmax, offset and codes. */
static void torchao_nf4_bytes(lc_ck *c, int64_t *w, int64_t *s, int64_t in, int64_t out)
{
    int64_t n = lc_ck_mul(c, in, out), blocks = cdiv(n, 64);
    *w = cdiv(n, 2);
    *s = lc_ck_add(c, lc_ck_add(c, blocks, lc_ck_mul(c, 2, cdiv(blocks, 256))), 2 + 32);
}

int llmcost_finetune_count_framework(llmcost_finetune_params *out, const llmcost_model *m, const llmcost_finetune *ft,
                                     int framework)
{
    if (!out || !m || !ft)
        return lc_fail(LLMCOST_EINVAL, "llmcost_finetune_count_framework: NULL argument");
    if (framework < 0 || framework >= LLMCOST_FW_COUNT)
        return lc_fail(LLMCOST_EINVAL, "framework = %d is not a framework profile", framework);
    llmcost_quant q = quant_of(ft);
    bool qlora = ft->method == LLMCOST_FT_QLORA;
    if (qlora && framework == LLMCOST_FW_TORCHTUNE && q != LLMCOST_QUANT_NF4)
        return lc_fail(LLMCOST_EUNSUPPORTED, "quant = %s: torchtune quantises the frozen base with torchao's NF4 only "
                       "(quantize_base: to_nf4); give quant = nf4", llmcost_quant_name(q));
    if (qlora && framework == LLMCOST_FW_LITGPT && q == LLMCOST_QUANT_INT4)
        return lc_fail(LLMCOST_EUNSUPPORTED, "quant = int4: LitGPT quantises with bitsandbytes (bnb.nf4, bnb.fp4, "
                       "bnb.int8-training), not AWQ's group-wise int4");
    int rc = llmcost_finetune_count(out, m, ft);
    if (rc < 0 || (rc = lc_ft_count_head(out, m, ft, framework)) < 0)
        return rc;
    lc_ck c = {false};
    bool adapters = ft->method == LLMCOST_FT_LORA || qlora;
    /* torchtune's and LitGPT's adapters are built in the model's dtype (lc_ft_adapter_param_bytes). */
    if (adapters && !ft->adapter_bytes && (framework == LLMCOST_FW_TORCHTUNE || framework == LLMCOST_FW_LITGPT)) {
        out->adapter_bytes_per_param = 2;
        out->adapter_bytes = lc_ck_mul(&c, 2, out->trainable);
    }
    if (qlora && framework == LLMCOST_FW_TORCHTUNE) {
        int64_t ws = 0, ss = 0;
        mat ms[24];
        for (int64_t i = 0; i < m->n_layers; i++) {
            int nm = layer_mats(ms, m, &m->layers[i]);
            for (int k = 0; k < nm; k++) {
                if (ms[k].count == 0 || !quantised(m, q, ms[k].role))
                    continue;
                int64_t w = 0, s = 0;
                torchao_nf4_bytes(&c, &w, &s, ms[k].in, ms[k].out);
                ws = lc_ck_add(&c, ws, lc_ck_mul(&c, ms[k].count, w));
                ss = lc_ck_add(&c, ss, lc_ck_mul(&c, ms[k].count, s));
            }
        }
        out->quant_weight_bytes = ws;
        out->quant_scale_bytes = ss;
        out->frozen_bytes = lc_ck_add(&c, lc_ck_add(&c, ws, ss), out->dense_bytes);
    }
    if (c.overflow)
        return lc_fail(LLMCOST_EOVERFLOW, "%s: a fine-tuning count overflows 64 bits", m->origin);
    return 0;
}

int llmcost_finetune_count(llmcost_finetune_params *out, const llmcost_model *m, const llmcost_finetune *ft)
{
    if (!out || !m || !ft)
        return lc_fail(LLMCOST_EINVAL, "llmcost_finetune_count: NULL argument");
    int64_t am[LLMCOST_LR_COUNT], ap[LLMCOST_LR_COUNT];
    int rc = count_roles(out, am, ap, m, ft);
    if (rc < 0) {
        memset(out, 0, sizeof *out);
        return rc;
    }
    memcpy(out->adapted_matrices, am, sizeof out->adapted_matrices);
    memcpy(out->adapter, ap, sizeof out->adapter);
    return 0;
}

int lc_ft_count_roles(int64_t *matrices, const llmcost_model *m, const llmcost_finetune *ft)
{
    llmcost_finetune_params fp;
    int64_t ap[LLMCOST_LR_COUNT];
    return count_roles(&fp, matrices, ap, m, ft);
}

int llmcost_finetune_role_count(int64_t *matrices, int64_t *params, const llmcost_model *m, const llmcost_finetune *ft,
                                llmcost_lora_role r)
{
    if (matrices)
        *matrices = 0;
    if (params)
        *params = 0;
    if (!matrices || !params || !m || !ft)
        return lc_fail(LLMCOST_EINVAL, "llmcost_finetune_role_count: NULL argument");
    if ((unsigned)r >= LLMCOST_LR_COUNT)
        return lc_fail(LLMCOST_EINVAL, "llmcost_finetune_role_count: role %d is not an adapter role", (int)r);
    llmcost_finetune_params fp;
    int64_t am[LLMCOST_LR_COUNT], ap[LLMCOST_LR_COUNT];
    int rc = count_roles(&fp, am, ap, m, ft);
    if (rc < 0)
        return rc;
    *matrices = am[r];
    *params = ap[r];
    return 0;
}

int llmcost_finetune_params_to_json(char **out, const llmcost_model *m, const llmcost_finetune *ft)
{
    return llmcost_finetune_params_to_json_framework(out, m, ft, LLMCOST_FW_HF);
}

int llmcost_finetune_params_to_json_framework(char **out, const llmcost_model *m, const llmcost_finetune *ft,
                                              int framework)
{
    if (out)
        *out = NULL;
    if (!out || !m || !ft)
        return lc_fail(LLMCOST_EINVAL, "llmcost_finetune_params_to_json: NULL argument");
    llmcost_finetune_params fp;
    llmcost_params p;
    int rc = llmcost_finetune_count_framework(&fp, m, ft, framework);
    if (rc < 0 || (rc = llmcost_params_count(&p, m)) < 0)
        return rc;
    char *text;
    if ((rc = llmcost_params_to_json(&text, &p, m)) < 0)
        return rc;
    json_error_t e;
    json_t *doc = json_loads(text, 0, &e);
    llmcost_free(text);
    if (!doc)
        return lc_fail(LLMCOST_ENOMEM, "llmcost_finetune_params_to_json: out of memory");
    json_t *o = json_object();
    bool adapters = ft->method == LLMCOST_FT_LORA || ft->method == LLMCOST_FT_QLORA;
    json_object_set_new(o, "method", json_string(llmcost_finetune_method_name(ft->method)));
    json_object_set_new(o, "framework", json_string(llmcost_framework_name((llmcost_framework)framework)));
    json_object_set_new(o, "trainable_params", lc_json_int(fp.trainable));
    json_object_set_new(o, "frozen_params", lc_json_int(fp.frozen));
    if (adapters) {
        uint32_t targets = ft->targets;
        if (!targets)
            llmcost_lora_targets_default(&targets, m); /* succeeded in llmcost_finetune_count */
        char names[512];
        llmcost_lora_targets_format(names, sizeof names, m, targets);
        json_object_set_new(o, "lora_rank", lc_json_int(ft->rank ? ft->rank : 8));
        json_object_set_new(o, "lora_alpha", lc_json_real(ft->alpha > 0 ? ft->alpha : 8));
        json_object_set_new(o, "lora_variant", json_string(llmcost_lora_variant_name(ft->variant)));
        json_object_set_new(o, "lora_targets", json_string(names));
        json_t *per = json_object();
        for (int r = 0; r < LLMCOST_LR_COUNT; r++) {
            llmcost_lora_role role = (llmcost_lora_role)r;
            int64_t nm = 0, np = 0;
            llmcost_finetune_role_count(&nm, &np, m, ft, role); /* succeeded as llmcost_finetune_count */
            if (nm)
                json_object_set_new(per, llmcost_lora_role_name(role),
                                    json_pack("{s:s, s:o, s:o}", "module", llmcost_lora_module_name(m, role), "matrices",
                                              lc_json_int(nm), "params", lc_json_int(np)));
        }
        json_object_set_new(o, "adapters", per);
        json_object_set_new(o, "lora_ab_params", lc_json_int(fp.lora_ab));
        json_object_set_new(o, "magnitude_params", lc_json_int(fp.magnitude));
        llmcost_quant q = quant_of(ft);
        json_object_set_new(o, "quant", json_string(llmcost_quant_name(q)));
        json_object_set_new(o, "double_quant", json_boolean(ft->double_quant || (ft->method == LLMCOST_FT_QLORA &&
                                                                                  framework == LLMCOST_FW_TORCHTUNE)));
        if (q == LLMCOST_QUANT_INT4)
            json_object_set_new(o, "quant_group", lc_json_int(ft->quant_group ? ft->quant_group : 128));
        json_t *st = json_object();
        json_object_set_new(st, "quantized_params", lc_json_int(fp.quantized_params));
        json_object_set_new(st, "quant_weight_bytes", lc_json_int(fp.quant_weight_bytes));
        json_object_set_new(st, "quant_scale_bytes", lc_json_int(fp.quant_scale_bytes));
        json_object_set_new(st, "dense_params", lc_json_int(fp.dense_params));
        json_object_set_new(st, "dense_bytes", lc_json_int(fp.dense_bytes));
        json_object_set_new(st, "frozen_bytes", lc_json_int(fp.frozen_bytes));
        json_object_set_new(st, "adapter_bytes", lc_json_int(fp.adapter_bytes));
        json_object_set_new(st, "adapter_bytes_per_param", lc_json_int(fp.adapter_bytes_per_param));
        json_object_set_new(st, "head_quantized", json_boolean(lc_ft_head_quantised(m, ft, framework)));
        json_object_set_new(o, "storage", st);
    }
    json_object_set_new(doc, "finetune", o);
    return lc_json_text(out, doc, 17);
}
