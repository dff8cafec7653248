/* ranges.c - the plausible range of every real-valued option and data field (ranges.h), and the finite check of
 * derived figures. The bounds are wide on purpose: a few times beyond the largest real value known today (the
 * catalogue's B200: 2,250 TFLOP/s bf16, 192 GiB, 8 TB/s; Llama 3's 15.6T tokens; $6 per GPU-hour), so that
 * nothing real is refused, and narrow enough that no product of them overflows a double (below 1e300). */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"
#include "llmcost/ranges.h"

static const llmcost_range ranges[] = {
    /* An accelerator: data/gpus.json keys (and the CLI's --peak-tflops, --memory-gb, ... in the same units). */
    [LC_R_PEAK_TFLOPS] = {"peak_tflops", 0.001, 100000, true, "TFLOP/s", "dense peak of one number format per device; 0: the part lacks it"},
    [LC_R_MEMORY_GB] = {"memory_gb", 0.01, 100000, false, "GiB", "device memory"},
    [LC_R_MEMORY_BW_GBPS] = {"memory_bw_gbps", 1, 1000000, false, "GB/s", "device memory bandwidth"},
    [LC_R_TDP_WATTS] = {"tdp_watts", 1, 100000, true, "W", "board power; 0: unpublished (no energy figure)"},
    [LC_R_EXP_TOPS] = {"exp_tops", 0.001, 10000, true, "10^12 exp/s", "special-function throughput; 0: unpublished"},
    [LC_R_SCALEUP_GBPS] = {"scaleup.gbps", 0.01, 100000, true, "GB/s", "per-GPU one-way bandwidth inside a node; 0: no link"},
    [LC_R_SCALEOUT_GBPS] = {"scaleout.gbps", 0.01, 100000, true, "GB/s", "per-GPU one-way network bandwidth; 0: no network"},
    [LC_R_USD_PER_HOUR] = {"usd_per_hour", 0.001, 1000, true, "USD per GPU-hour", "price; 0: none listed"},
    /* A training run (llmcost_train_options; the CLI's --tokens, --price, --mfu, --pue, ...). */
    [LC_R_TOKENS] = {"tokens", 1, 1e17, false, "tokens", "training tokens (Llama 3: 1.56e13)"},
    [LC_R_PRICE_PER_HOUR] = {"price_per_hour", 0.001, 1000, true, "USD per GPU-hour", "price; 0: the GPU's catalogue price"},
    [LC_R_MFU] = {"mfu", 0.001, 1, true, "", "imposed model-FLOPs utilisation; 0: predicted"},
    [LC_R_PUE] = {"pue", 1, 3, false, "", "data-centre power usage effectiveness"},
    [LC_R_GRID_KG_PER_KWH] = {"grid_kg_per_kwh", 0, 2, false, "kg CO2e per kWh", "carbon intensity of the electricity (coal: about 1)"},
    [LC_R_POWER_FRACTION] = {"power_fraction", 0.01, 1, false, "", "average draw as a fraction of the board power"},
    [LC_R_GOODPUT] = {"goodput", 0.01, 1, true, "", "fraction of the GPUs' time on useful steps; 0: the failure model's"},
    [LC_R_CHECKPOINT_GBPS] = {"checkpoint_gbps", 0.0001, 10000, true, "GB/s", "checkpoint write bandwidth per GPU; 0: Llama 3's storage (0.122)"},
    [LC_R_CHECKPOINT_INTERVAL] = {"checkpoint_interval_seconds", 1, 1e8, true, "s", "training time between checkpoints; 0: Young's optimum"},
    [LC_R_WARMUP_SECONDS] = {"warmup_seconds", 0.001, 1e7, true, "s", "one-time start-up of the run; 0: the default (30)"},
    /* A job's memory (llmcost_job, llmcost_memory_options, llmcost_plan_options). */
    [LC_R_HEADROOM] = {"headroom", 0, 0.9, false, "", "fraction of GPU memory kept free"},
    [LC_R_CUDA_CONTEXT_BYTES] = {"cuda_context_bytes", 0, 68719476736.0, false, "bytes", "CUDA context and libraries, apart from the peak"},
    [LC_R_CAPACITY_BYTES] = {"capacity_bytes", 1e7, 1.1e14, false, "bytes", "GPU memory a micro-batch must fit"},
    /* Communication (llmcost_comm_options). */
    [LC_R_COMM_SCALEUP_EFFICIENCY] = {"comm.scaleup_efficiency", 0.01, 1, false, "", "NVLink bus bandwidth / one-way peak"},
    [LC_R_COMM_SCALEOUT_EFFICIENCY] = {"comm.scaleout_efficiency", 0.01, 1, false, "", "network bus bandwidth / line rate"},
    [LC_R_COMM_SCALEUP_LATENCY] = {"comm.scaleup_latency", 0, 0.1, false, "s", "latency per ring step inside a node"},
    [LC_R_COMM_SCALEOUT_LATENCY] = {"comm.scaleout_latency", 0, 0.1, false, "s", "latency per ring step across nodes"},
    /* Budgets and scaling laws (budget, the course's --training_budget, scaling). */
    [LC_R_DOLLARS] = {"dollars", 0.01, 1e13, false, "USD", "a training budget"},
    [LC_R_GPU_HOURS] = {"gpu_hours", 0.001, 1e12, false, "GPU-hours", "a training budget"},
    [LC_R_FLOPS] = {"flops", 1e6, 1e35, false, "FLOP", "training compute C (GPT-4 class: about 2e25)"},
    [LC_R_N_PARAMS] = {"n_params", 1000, 1e16, false, "parameters", "a model size"},
    [LC_R_N_TOKENS] = {"n_tokens", 1, 1e18, false, "tokens", "a training set size"},
    [LC_R_LOSS] = {"loss", 0.01, 100, false, "nats per token", "a target loss"},
    [LC_R_LAW_E] = {"law.E", 0, 100, false, "nats per token", "irreducible loss of a Chinchilla-form law"},
    [LC_R_LAW_A] = {"law.A", 1e-9, 1e27, false, "", "a Chinchilla-form law's parameter term coefficient"},
    [LC_R_LAW_B] = {"law.B", 1e-9, 1e27, false, "", "a Chinchilla-form law's data term coefficient"},
    [LC_R_LAW_ALPHA] = {"law.alpha", 0.01, 5, false, "", "a Chinchilla-form law's parameter exponent"},
    [LC_R_LAW_BETA] = {"law.beta", 0.01, 5, false, "", "a Chinchilla-form law's data exponent"},
    [LC_R_LAW_N_C] = {"law.N_c", 1, 1e20, false, "parameters", "a Kaplan-form law's N_c"},
    [LC_R_LAW_D_C] = {"law.D_c", 1, 1e20, false, "tokens", "a Kaplan-form law's D_c"},
    [LC_R_LAW_ALPHA_N] = {"law.alpha_N", 0.001, 5, false, "", "a Kaplan-form law's parameter exponent"},
    [LC_R_LAW_ALPHA_D] = {"law.alpha_D", 0.001, 5, false, "", "a Kaplan-form law's data exponent"},
    /* The design of a model for N parameters (llmcost_design_options). */
    [LC_R_DESIGN_ASPECT] = {"design.aspect", 1, 10000, false, "", "preferred hidden size / layers"},
    [LC_R_DESIGN_TOLERANCE] = {"design.tolerance", 0.0001, 0.5, false, "", "largest relative error of the parameter count accepted"},
};

#define NRANGES ((int)LC_R_COUNT)
_Static_assert(sizeof ranges / sizeof ranges[0] == LC_R_COUNT, "one range per lc_range_id");

int llmcost_range_count(void)
{
    return NRANGES;
}

const llmcost_range *llmcost_range_at(int i)
{
    return i >= 0 && i < NRANGES ? &ranges[i] : NULL;
}

const llmcost_range *llmcost_range_find(const char *field)
{
    for (int i = 0; field && i < NRANGES; i++)
        if (!strcmp(ranges[i].field, field))
            return &ranges[i];
    return NULL;
}

bool lc_range_ok(const llmcost_range *r, double v)
{
    return isfinite(v) && ((v >= r->min && v <= r->max) || (r->zero_means_default && v == 0));
}

int lc_range_fail(const llmcost_range *r, const char *who, double v)
{
    char val[40];
    if (isnan(v))
        snprintf(val, sizeof val, "NaN");
    else if (isinf(v))
        snprintf(val, sizeof val, "%s (an overflow)", v > 0 ? "inf" : "-inf");
    else
        snprintf(val, sizeof val, "%.6g", v);
    return lc_fail(LLMCOST_EINVAL, "%s = %s is outside the plausible range %.6g to %.6g%s%s (%s)", who, val, r->min,
                   r->max, r->unit[0] ? " " : "", r->unit, r->what);
}

int lc_range(const char *field, const char *who, double v)
{
    const llmcost_range *r = llmcost_range_find(field);
    if (!r)
        return lc_fail(LLMCOST_EINVAL, "no plausible range is defined for '%s' (a defect)", field);
    return lc_range_ok(r, v) ? 0 : lc_range_fail(r, who ? who : field, v);
}

int lc_range_id(int id, const char *who, double v)
{
    const llmcost_range *r = &ranges[id];
    return lc_range_ok(r, v) ? 0 : lc_range_fail(r, who ? who : r->field, v);
}

const llmcost_range *lc_range_get(int id)
{
    return &ranges[id];
}

int llmcost_range_check(const char *field, double value)
{
    return lc_range(field, NULL, value);
}

int lc_finite(const char *what, const double *v, const char *const *names, int n, const char *cause)
{
    for (int i = 0; i < n; i++)
        if (!isfinite(v[i]))
            return lc_fail(LLMCOST_EOVERFLOW, "%s: %s is %s, not a finite number (from %s)", what, names[i],
                           isnan(v[i]) ? "NaN" : "an overflow", cause);
    return 0;
}
