/* layout.c - names of precision recipes and framework profiles, and checking a parallel layout. */
#include <string.h>

#include "internal.h"
#include "llmcost/layout.h"
#include "llmcost/memory.h"

static const char *const prec_names[LLMCOST_PREC_COUNT] = {"fp32", "amp-bf16", "bf16", "bf16-master", "fp8", "fp16"};
static const char *const fw_names[LLMCOST_FW_COUNT] = {"hf", "megatron", "torchtune", "litgpt"};

const char *llmcost_precision_name(llmcost_precision p)
{
    return (unsigned)p < LLMCOST_PREC_COUNT ? prec_names[p] : "?";
}

int llmcost_precision_parse(const char *s)
{
    if (!s)
        return -1;
    if (!strcmp(s, "amp"))
        return LLMCOST_PREC_AMP_BF16;
    for (int i = 0; i < LLMCOST_PREC_COUNT; i++)
        if (!strcmp(s, prec_names[i]))
            return i;
    return -1;
}

const char *llmcost_framework_name(llmcost_framework f)
{
    return (unsigned)f < LLMCOST_FW_COUNT ? fw_names[f] : "?";
}

bool llmcost_framework_eager(llmcost_framework f)
{
    return f == LLMCOST_FW_HF || f == LLMCOST_FW_TORCHTUNE || f == LLMCOST_FW_LITGPT;
}

int llmcost_framework_parse(const char *s)
{
    for (int i = 0; s && i < LLMCOST_FW_COUNT; i++)
        if (!strcmp(s, fw_names[i]))
            return i;
    return -1;
}

int llmcost_layout_resolve(llmcost_layout *l, const llmcost_model *m)
{
    int rc = LC_CHECK_VERSION(l, LAYOUT, layout);
    if (rc)
        return rc;
    /* The layout rules live once, in job.c (llmcost_job_validate checks them with the rest of the job). */
    return lc_layout_check(l, m);
}

/* ---- memory mechanisms' names (memory.h) ---- */

static int name_index(const char *s, const char *const *names, int n)
{
    for (int i = 0; s && i < n; i++)
        if (!strcmp(s, names[i]))
            return i;
    return -1;
}

static const char *const act_cache_names[] = {"recipe", "fp8-tile"};
static const char *const pipeline_names[] = {"1f1b", "dualpipe"};
static const char *const ema_names[] = {"none", "gpu", "cpu"};

const char *llmcost_act_cache_name(llmcost_act_cache c)
{
    return (unsigned)c < 2 ? act_cache_names[c] : "?";
}

int llmcost_act_cache_parse(const char *s)
{
    return name_index(s, act_cache_names, 2);
}

const char *llmcost_pipeline_name(llmcost_pipeline p)
{
    return (unsigned)p < 2 ? pipeline_names[p] : "?";
}

int llmcost_pipeline_parse(const char *s)
{
    return name_index(s, pipeline_names, 2);
}

const char *llmcost_ema_name(llmcost_ema e)
{
    return (unsigned)e < 3 ? ema_names[e] : "?";
}

int llmcost_ema_parse(const char *s)
{
    return name_index(s, ema_names, 3);
}

int llmcost_recompute_modules_parse(const char *s)
{
    static const char *const names[] = {"layernorm", "mla_up_proj", "moe_act"};
    if (!s)
        return -1;
    int bits = 0;
    const char *p = s;
    for (;;) {
        const char *e = strchr(p, ',');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        int k = -1;
        for (int i = 0; i < 3 && k < 0; i++)
            if (strlen(names[i]) == len && !strncmp(p, names[i], len))
                k = i;
        if (k >= 0)
            bits |= 1 << k;
        else if (!(len == 4 && !strncmp(p, "none", 4)))
            return -1;
        if (!e)
            break;
        p = e + 1;
    }
    return bits;
}
