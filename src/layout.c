/* layout.c - names of precision recipes and framework profiles, and checking a parallel layout. */
#include <string.h>

#include "internal.h"
#include "llmcost/layout.h"

static const char *const prec_names[LLMCOST_PREC_COUNT] = {"fp32", "amp-bf16", "bf16", "bf16-master", "fp8"};
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
    struct {
        const char *flag;
        int64_t v;
    } deg[] = {{"--tp", l->tp}, {"--pp", l->pp}, {"--vpp", l->vpp}, {"--cp", l->cp}, {"--ep", l->ep}};
    for (size_t i = 0; i < sizeof deg / sizeof deg[0]; i++)
        if (deg[i].v < 1)
            return lc_fail(LLMCOST_EINVAL, "%s must be at least 1, got %lld", deg[i].flag, (long long)deg[i].v);
    if (l->zero < 0 || l->zero > 3)
        return lc_fail(LLMCOST_EINVAL, "--zero must be 0, 1, 2 or 3, got %d", l->zero);
    if (l->gpus < 0 || l->dp < 0)
        return lc_fail(LLMCOST_EINVAL, "--gpus and --dp must be positive");
    int64_t model_par;
    if (!lc_mul(&model_par, l->tp, l->pp) || !lc_mul(&model_par, model_par, l->cp) || model_par > ((int64_t)1 << 40))
        return lc_fail(LLMCOST_EOVERFLOW, "--tp x --pp x --cp is too large");
    if (l->dp == 0) {
        if (l->gpus == 0)
            l->dp = 1;
        else if (l->gpus % model_par != 0)
            return lc_fail(LLMCOST_EINVAL,
                           "--gpus %lld is not a multiple of tp x pp x cp = %lld x %lld x %lld = %lld",
                           (long long)l->gpus, (long long)l->tp, (long long)l->pp, (long long)l->cp,
                           (long long)model_par);
        else
            l->dp = l->gpus / model_par;
    }
    int64_t total;
    if (!lc_mul(&total, model_par, l->dp) || total > ((int64_t)1 << 40))
        return lc_fail(LLMCOST_EOVERFLOW, "tp x pp x cp x dp is too large");
    if (l->gpus == 0)
        l->gpus = total;
    else if (l->gpus != total)
        return lc_fail(LLMCOST_EINVAL, "--gpus %lld but tp x pp x cp x dp = %lld x %lld x %lld x %lld = %lld",
                       (long long)l->gpus, (long long)l->tp, (long long)l->pp, (long long)l->cp, (long long)l->dp,
                       (long long)total);
    if ((l->dp * l->cp) % l->ep != 0)
        return lc_fail(LLMCOST_EINVAL, "--ep %lld must divide dp x cp = %lld (experts are spread over data-parallel ranks)",
                       (long long)l->ep, (long long)(l->dp * l->cp));
    if (l->vpp > 1 && l->pp == 1)
        return lc_fail(LLMCOST_EINVAL, "--vpp %lld needs pipeline parallelism (--pp > 1)", (long long)l->vpp);
    if (!m)
        return 0;
    /* The embedding and the head may each make a chunk of their own (Llama 3 §3.3.2). pp is at most 2^40 here but
     * vpp is not bounded yet: the product is checked (2^40 x 9e15 overflowed). */
    int64_t chunks;
    if (!lc_mul(&chunks, l->pp, l->vpp) || chunks > m->n_layers + 2)
        return lc_fail(LLMCOST_EINVAL, "--pp %lld x --vpp %lld model chunks are more than the %lld layers of %s (+2)",
                       (long long)l->pp, (long long)l->vpp, (long long)m->n_layers, m->name);
    for (int64_t i = 0; i < m->n_layers; i++) {
        const llmcost_attention *a = &m->layers[i].attn;
        if (a->n_heads % l->tp != 0)
            return lc_fail(LLMCOST_EINVAL, "--tp %lld does not divide the %lld attention heads of %s", (long long)l->tp,
                           (long long)a->n_heads, m->name);
        const llmcost_ffn *f = &m->layers[i].ffn;
        if (f->moe && f->n_experts % l->ep != 0)
            return lc_fail(LLMCOST_EINVAL, "--ep %lld does not divide the %lld routed experts of %s", (long long)l->ep,
                           (long long)f->n_experts, m->name);
    }
    if (l->ep > 1 && llmcost_model_moe_layers(m) == 0)
        return lc_fail(LLMCOST_EINVAL, "--ep %lld: %s has no routed experts to spread", (long long)l->ep, m->name);
    return 0;
}
