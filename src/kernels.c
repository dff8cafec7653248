/* kernels.c - the time of one GPU kernel from its shape, with constants fitted to measured H200 kernels. */
#include <math.h>
#include <stddef.h>

#include "config.h"
#include "embedded.h"
#include "kernels.h"

/* The GPU the calibration file was measured on: NVIDIA H200 SXM (data/gpus.json "h200"). */
#define CAL_PEAK 989.4e12
#define CAL_BW 4.8e12
#define CAL_UNITS 132

/* Output tiles cuBLAS/CUTLASS choose among for bf16 on Hopper and Ampere (CUTLASS's default tile shapes); the
 * smaller ones keep more units busy on small problems but run each tile less efficiently (less reuse per load). */
static const struct {
    double tm, tn, eff;
} tiles[] = {{128, 256, 1.0}, {256, 128, 1.0}, {128, 128, 0.95}, {64, 128, 0.85}, {128, 64, 0.85}, {64, 64, 0.7}};

static lc_kernel_model model = {
    /* Defaults, used only if the calibration file cannot be read; replaced by the fit. */
    .gemm_eta = 0.77, .gemm_k0 = 256, .gemm_fixed = 1e-6, .copy_eta = 0.885, .kernel_min = 2e-6};
static bool ready;

/* Wave efficiency of the best tile: useful tile area over the area the units sweep in whole waves. */
static double tile_efficiency(double m, double n, double batch, int units)
{
    double best = 0;
    for (size_t i = 0; i < sizeof tiles / sizeof tiles[0]; i++) {
        double mt = ceil(m / tiles[i].tm), nt = ceil(n / tiles[i].tn);
        double count = mt * nt * batch;
        double waves = units > 0 ? ceil(count / units) : count;
        double slots = units > 0 ? waves * units : count;
        double e = (m * n * batch) / (slots * tiles[i].tm * tiles[i].tn) * tiles[i].eff;
        if (e > best)
            best = e;
    }
    return best;
}

static double gemm_with(const lc_kernel_model *km, double peak, double bw, int units, double m, double n, double k,
                        double batch, double elem_bytes)
{
    if (m <= 0 || n <= 0 || k <= 0 || batch <= 0)
        return 0;
    double flops = 2 * m * n * k * batch;
    double e = tile_efficiency(m, n, batch, units) * (k / (k + km->gemm_k0));
    double compute = flops / (peak * km->gemm_eta * e);
    double bytes = elem_bytes * batch * (m * k + k * n + m * n);
    double memory = bytes / (bw * km->copy_eta);
    return km->gemm_fixed + fmax(compute, memory);
}

/* Least squares on log(predicted/measured) over the GEMMs long enough not to be launch-bound (over 20 us, the
 * floor the table's smallest shapes sit on). A grid, not an optimiser: three constants, a few thousand points. */
static void fit(void)
{
    const lc_embedded *e = lc_embedded_find("data/calibration/h200_kernels.json");
    json_t *doc = NULL;
    if (!e || lc_parse_json(&doc, e->text, e->len, e->path) != 0)
        return;
    json_t *copy = json_object_get(doc, "copy_TBps_read_plus_write");
    if (json_is_number(copy) && json_number_value(copy) > 0)
        model.copy_eta = json_number_value(copy) * 1e12 / CAL_BW;
    json_t *arr = json_object_get(doc, "gemm");
    double ms[64], mm[64], nn[64], kk[64];
    int n = 0;
    size_t i;
    json_t *g;
    json_array_foreach(arr, i, g)
    {
        double t = json_number_value(json_object_get(g, "ms")) * 1e-3;
        if (n < 64 && t > 20e-6) {
            mm[n] = json_number_value(json_object_get(g, "m"));
            nn[n] = json_number_value(json_object_get(g, "n"));
            kk[n] = json_number_value(json_object_get(g, "k"));
            ms[n] = t;
            n++;
        }
    }
    json_decref(doc);
    if (n < 4)
        return;
    double best = INFINITY;
    lc_kernel_model trial = model, keep = model;
    for (double eta = 0.60; eta <= 0.95; eta += 0.01)
        for (double k0 = 0; k0 <= 512; k0 += 32)
            for (double t0 = 0; t0 <= 6e-6; t0 += 1e-6) {
                trial.gemm_eta = eta;
                trial.gemm_k0 = k0;
                trial.gemm_fixed = t0;
                double err = 0;
                for (int j = 0; j < n; j++) {
                    double p = gemm_with(&trial, CAL_PEAK, CAL_BW, CAL_UNITS, mm[j], nn[j], kk[j], 1, 2);
                    double d = log(p / ms[j]);
                    err += d * d;
                }
                if (err < best) {
                    best = err;
                    keep = trial;
                }
            }
    model = keep;
    model.gemm_cases = n;
    model.gemm_rms_log = sqrt(best / n);
    model.fitted = true;
}

const lc_kernel_model *lc_kernel_model_get(void)
{
    if (!ready) {
        fit();
        ready = true;
    }
    return &model;
}

double lc_gemm_seconds(const llmcost_gpu *g, double peak, double m, double n, double k, double batch, double elem_bytes)
{
    const lc_kernel_model *km = lc_kernel_model_get();
    return gemm_with(km, peak, g->memory_bw, g->compute_units, m, n, k, batch, elem_bytes);
}

double lc_stream_seconds(const llmcost_gpu *g, double bytes, double kernels)
{
    const lc_kernel_model *km = lc_kernel_model_get();
    double t = bytes / (g->memory_bw * km->copy_eta);
    return fmax(t, 0) + kernels * km->kernel_min;
}

double lc_attention_seconds(const llmcost_gpu *g, double peak, double heads, double queries, double pairs, double dq,
                            double dv, bool bwd)
{
    const lc_kernel_model *km = lc_kernel_model_get();
    if (heads <= 0 || pairs <= 0)
        return 0;
    /* Work is spread over query blocks of 128 rows per head: few of them leave units idle. */
    double blocks = heads * ceil(queries / 128);
    int units = g->compute_units;
    double waves = units > 0 ? ceil(blocks / units) : 1;
    double occupancy = units > 0 ? blocks / (waves * units) : 1;
    /* Forward: S = Q K^T and O = P V, 2 pairs (dq + dv) FLOPs per head. Backward recomputes S and forms dP, dV,
     * dQ, dK: 2 pairs (3 dq + 2 dv), at the lower efficiency FlashAttention-2 reports for its backward
     * (63% of peak vs 73% forward on A100: Dao 2023, Sec. 4.1). */
    double flops = bwd ? 2 * heads * pairs * (3 * dq + 2 * dv) : 2 * heads * pairs * (dq + dv);
    double eta = km->gemm_eta * (bwd ? 0.63 / 0.73 : 1.0);
    double mm = flops / (peak * eta * occupancy);
    /* One exp per pair, on the special-function units (FlashAttention-3, Sec. 3: 3.9 TFLOP/s of exp on H100
     * against 989 of matmul); when unknown, the H100's ratio to the bf16 peak. */
    double exp_rate = g->exp_per_second > 0 ? g->exp_per_second : g->peak_flops[LLMCOST_DT_BF16] * 3.9 / 989.4;
    double ex = heads * pairs / (exp_rate * occupancy);
    return km->gemm_fixed + mm + ex;
}
