/* layout.c - names of precision recipes and framework profiles, and checking a parallel layout. */
#include <string.h>

#include "internal.h"
#include "llmcost/layout.h"

static const char *const prec_names[LLMCOST_PREC_COUNT] = {"fp32", "amp-bf16", "bf16", "bf16-master", "fp8", "fp16"};
static const char *const fw_names[LLMCOST_FW_COUNT] = {"hf", "megatron"};

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
