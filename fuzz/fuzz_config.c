/* fuzz_config.c - libFuzzer target: arbitrary bytes read as a config.json and counted.
 *
 * Beyond "no crash, no leak, no undefined behaviour" (the sanitizers' part) it checks what llmcost promises:
 * a failure leaves no model and a one-line message that starts with the file's name; a model that reads has
 * positive sizes; its parameter count succeeds (the reader refuses models whose count overflows) and adds up
 * (components sum to the total, nothing negative, active within total, the layers add up to the components). */
#include <math.h>
#include <stdbool.h>
#include <string.h>

#include "fuzz.h"
#include "llmcost/llmcost.h"

#define ORIGIN "fuzz.json"

/* A failure: a known code and a one-line message; reading a config must also name it first. */
static void check_failure_of(int rc, bool reading)
{
    const char *msg = llmcost_errmsg();
    FUZZ_CHECK(rc < 0 && rc >= LLMCOST_EUNSUPPORTED);
    FUZZ_CHECK(msg[0] != '\0');
    FUZZ_CHECK(strchr(msg, '\n') == NULL);
    if (reading && rc != LLMCOST_ENOMEM)
        FUZZ_CHECK(strncmp(msg, ORIGIN ":", strlen(ORIGIN) + 1) == 0);
}

static void check_failure(int rc)
{
    check_failure_of(rc, true);
}

static void check_counts(const llmcost_model *m)
{
    llmcost_params p;
    /* A model that reads has a count that fits: the reader refuses the others. */
    FUZZ_CHECK(llmcost_params_count(&p, m) == 0);
    int64_t sum = 0;
    for (int i = 0; i < LLMCOST_PC_COUNT; i++) {
        FUZZ_CHECK(p.components[i] >= 0);
        FUZZ_CHECK(!__builtin_add_overflow(sum, p.components[i], &sum));
    }
    FUZZ_CHECK(sum == p.total && p.total > 0);
    FUZZ_CHECK(p.active > 0 && p.active <= p.total);
    FUZZ_CHECK(p.embedding >= 0 && p.non_embedding == p.total - p.embedding);
    FUZZ_CHECK(p.buffers >= 0 && p.mtp >= 0 && p.mtp_with_copies >= p.mtp);
    /* The layers one by one add up to the per-layer components of the whole count. */
    int64_t attention = 0, routed = 0, largest = 0;
    for (int64_t i = 0; i < m->n_layers; i++) {
        llmcost_layer_params lp;
        FUZZ_CHECK(llmcost_params_layer(&lp, m, &m->layers[i]) == 0);
        FUZZ_CHECK(lp.total >= lp.active && lp.active >= 0);
        attention += lp.attention;
        routed += lp.routed_experts;
        if (lp.total > largest)
            largest = lp.total;
    }
    /* Shared transformer blocks (Zamba2) are counted once on the model, not in any layer: they add to the
     * component beyond the layers' sum. */
    if (m->shared.n_blocks == 0)
        FUZZ_CHECK(attention == p.components[LLMCOST_PC_ATTENTION]);
    else
        FUZZ_CHECK(attention < p.components[LLMCOST_PC_ATTENTION]);
    FUZZ_CHECK(routed == p.components[LLMCOST_PC_ROUTED_EXPERTS]);
    FUZZ_CHECK(largest == p.per_layer_max);
    /* The formatters take any count. */
    char buf[64];
    llmcost_fmt_grouped(buf, sizeof buf, p.total);
    llmcost_fmt_count(buf, sizeof buf, (double)p.total);
    FUZZ_CHECK(strlen(buf) > 0);
}

/* The FLOPs of a small step, in both conventions and with full recomputation: finite, positive, consistent. */
static void check_flops(const llmcost_model *m)
{
    llmcost_flops_options o = LLMCOST_FLOPS_OPTIONS_INIT;
    o.seq = 64;
    o.recompute = (llmcost_recompute)(m->n_layers % 3);
    o.attention = (llmcost_attn_impl)(m->hidden % 3);
    o.convention = (llmcost_convention)(m->vocab % 2);
    llmcost_flops f;
    int rc = llmcost_flops_compute(&f, m, &o);
    if (rc < 0) {
        check_failure_of(rc, false);
        return;
    }
    FUZZ_CHECK(isfinite(f.model_flops) && isfinite(f.hardware_flops) && f.forward > 0 && f.backward > 0);
    FUZZ_CHECK(f.model_flops == f.forward + f.backward && f.hardware_flops >= f.model_flops);
    FUZZ_CHECK(f.forward_causal <= f.forward_unmasked);
    for (int c = 0; c < LLMCOST_FC_COUNT; c++)
        FUZZ_CHECK(f.components[c] >= 0 && isfinite(f.components[c]));
    for (int c = 0; c < LLMCOST_CONVENTION_COUNT; c++) {
        double v = llmcost_flops_convention((llmcost_convention_kind)c, m, &f, &o);
        FUZZ_CHECK(isfinite(v) && v > 0);
    }
}

/* Training memory of a small step with options varied by the model's sizes, on one GPU and, where the heads
 * allow, split over 2-way tensor parallelism with ZeRO-3: finite, positive, reserved at least allocated. */
static void check_memory(const llmcost_model *m)
{
    llmcost_memory_options o = LLMCOST_MEMORY_OPTIONS_INIT;
    o.seq = 64;
    o.precision = (llmcost_precision)(m->hidden % LLMCOST_PREC_COUNT);
    o.optimizer = (llmcost_optimizer)(m->vocab % 4);
    o.recompute = (llmcost_recompute)(m->n_layers % 3);
    o.framework = (llmcost_framework)(m->vocab % LLMCOST_FW_COUNT);
    for (int split = 0; split < 2; split++) {
        if (split) {
            o.layout.tp = 2;
            o.layout.dp = 2;
            o.layout.zero = 3;
            o.layout.pp = m->n_layers >= 2 ? 2 : 1;
        }
        llmcost_memory mem;
        int rc = llmcost_layout_resolve(&o.layout, m);
        if (rc == 0)
            rc = llmcost_memory_compute(&mem, m, &o);
        if (rc < 0) {
            check_failure_of(rc, false);
            continue;
        }
        FUZZ_CHECK(isfinite(mem.peak_bytes) && mem.peak_bytes > 0 && mem.reserved_bytes >= mem.peak_bytes);
        for (int c = 0; c < LLMCOST_MC_COUNT; c++)
            FUZZ_CHECK(isfinite(mem.components[c]) && mem.components[c] >= 0);
    }
}

/* Time of a small step on an H200, alone and with TP2 x PP2: positive, the parts adding up to the step time,
 * MFU within (0, 1]. */
static void check_step(const llmcost_model *m)
{
    const llmcost_gpu *gpu = llmcost_gpu_find("h200");
    FUZZ_CHECK(gpu != NULL);
    llmcost_step_options o = LLMCOST_STEP_OPTIONS_INIT;
    o.seq = 64;
    o.precision = (llmcost_precision)(m->vocab % LLMCOST_PREC_COUNT);
    o.recompute = (llmcost_recompute)(m->hidden % 3);
    o.framework = (llmcost_framework)(m->n_layers % LLMCOST_FW_COUNT);
    for (int split = 0; split < 2; split++) {
        if (split) {
            o.layout.tp = 2;
            o.layout.pp = m->n_layers >= 2 ? 2 : 1;
            o.layout.dp = 2;
        }
        llmcost_step st;
        int rc = llmcost_step_compute(&st, m, gpu, &o);
        if (rc < 0) {
            check_failure_of(rc, false);
            continue;
        }
        FUZZ_CHECK(isfinite(st.step_seconds) && st.step_seconds > 0);
        double sum = 0;
        for (int c = 0; c < LLMCOST_ST_COUNT; c++) {
            FUZZ_CHECK(isfinite(st.components[c]) && st.components[c] >= 0);
            sum += st.components[c];
        }
        FUZZ_CHECK(fabs(sum - st.step_seconds) <= 1e-9 * st.step_seconds);
        FUZZ_CHECK(st.mfu > 0 && st.mfu <= 1 && st.hfu >= st.mfu);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    llmcost_model *m = NULL;
    int rc = llmcost_model_from_json(&m, (const char *)data, size, ORIGIN);
    if (rc < 0) {
        FUZZ_CHECK(m == NULL);
        check_failure(rc);
        return 0;
    }
    FUZZ_CHECK(m != NULL && m->layers != NULL);
    FUZZ_CHECK(m->hidden >= 1 && m->vocab >= 1 && m->n_layers >= 1 && m->embed_dim >= 1);
    for (int64_t i = 0; i < m->n_layers; i++) {
        const llmcost_attention *a = &m->layers[i].attn;
        const llmcost_ffn *f = &m->layers[i].ffn;
        /* A layer without attention is a state-space block or an MLP block (Mamba, Nemotron-H). */
        if (a->n_heads > 0)
            FUZZ_CHECK(a->n_kv_heads >= 1 && a->head_dim >= 1);
        else
            FUZZ_CHECK(llmcost_layer_ssm(m, &m->layers[i]) != NULL || f->moe || f->dense.d_ff > 0);
        FUZZ_CHECK(a->n_heads >= 0 && a->rotary_dim >= 0 && a->sliding_window >= 0);
        FUZZ_CHECK(!f->moe || (f->top_k >= 1 && f->top_k <= f->n_experts));
    }
    FUZZ_CHECK(memchr(m->notes, '\0', sizeof m->notes) != NULL);
    check_counts(m);
    /* Engines that read the model get called here as they land (one line each). */
    /* The engines cost milliseconds per model under the sanitizers, most of it per layer: deep models get the
     * FLOPs and memory checks, only shallow ones (which mutation reaches easily) the step model, so that the
     * reader itself still runs thousands of inputs a second. The replay driver checks every preset in full. */
    bool replay = getenv("LLMCOST_FUZZ_REPLAY") != NULL;
    if (replay || m->n_layers <= 256) {
        check_flops(m);
        check_memory(m);
    }
    if (replay || m->n_layers <= 8)
        check_step(m);
    llmcost_model_free(m);
    return 0;
}
