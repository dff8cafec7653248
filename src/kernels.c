/* kernels.c - the time of one GPU kernel from its shape, with constants fitted to kernels measured on an H200. */
/* lgamma_r: lgamma writes the global signgam, a data race when threads price layouts at once. */
#define _DEFAULT_SOURCE
#include <math.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "embedded.h"
#include "internal.h"
#include "kernels.h"

/* The GPU the calibration files were measured on: NVIDIA H200 SXM (data/gpus.json "h200"). */
#define CAL_PEAK 989.4e12
#define CAL_BW 4.8e12
#define CAL_UNITS 132
#define CAL_EXP 3.9e12
#define MAX_CASES 96

/* Output tiles CUTLASS/cuBLAS choose among for 16-bit GEMMs; the smaller ones keep more units busy on small
 * problems but reuse each load less, so they run at a fraction of the large tiles' rate. */
static const struct {
    double tm, tn, eff;
} tiles[] = {{128, 256, 1.0}, {256, 128, 1.0}, {128, 128, 0.95}, {64, 128, 0.85}, {128, 64, 0.85}, {64, 64, 0.7}};
/* Split-K factors: a small output with a long reduction is split along k over more units (cuBLAS heuristics). */
static const double splits[] = {1, 2, 3, 4, 6, 8, 12, 16};

/* Defaults, used only when a calibration file cannot be read; every one is replaced by a fit. */
static lc_kernel_model model = {.gemm_eta = 0.75,
                                .gemm_k0 = 64,
                                .gemm_fixed = 6e-6,
                                .grouped_eta = 0.8,
                                .fp8_eta = 0.80,
                                .fp8_k0 = 448,
                                .attn_eta = {0.95, 0.63},
                                .attn_overlap = {0.2, 1.0},
                                .attn_c0 = {3, 8},
                                .copy_eta = 0.885,
                                .eager_eta = 0.72,
                                .adamw_eta = {0.55, 0.65},
                                .ce_fwd_bytes = 25,
                                .ce_bwd_bytes = 33,
                                .host_op = 12e-6,
                                .host_fwd = 33e-6,
                                .host_bwd = 25e-6,
                                .host_fwd_ckpt = 46e-6,
                                .host_recompute = 60e-6,
                                .unaligned_eta = 0.17,
                                .kernel_min = 2e-6};
static pthread_once_t model_once = PTHREAD_ONCE_INIT;

/* Measured kernel kinds and the eager ops' mixes (h200_eager_kernels_2026-11-28.json). */
#define MAX_KINDS 32
#define MAX_MIXES 24
static struct {
    char name[48];
    double eta;
} kinds[MAX_KINDS];
static int nkinds;
static struct {
    char name[32];
    double eta;
} mixes[MAX_MIXES];
static int nmixes;

static void add_kind(const char *name, double eta)
{
    if (nkinds < MAX_KINDS && eta > 0) {
        snprintf(kinds[nkinds].name, sizeof kinds[nkinds].name, "%s", name);
        kinds[nkinds++].eta = eta;
    }
}

static double kind_eta(const char *name)
{
    for (int i = 0; i < nkinds; i++)
        if (!strcmp(kinds[i].name, name))
            return kinds[i].eta;
    return 0;
}

/*
 * Row tiles of tm rows one expert of a grouped GEMM sweeps, in expectation, when its rows are a routing outcome:
 * each of N = m/p tokens picks this expert with probability p (a balanced router's top-k over E experts, p = k/E),
 * so its rows X ~ Binomial(N, p) with mean m, and its tiles are ceil(X/tm): E[ceil(X/tm)] = sum_x P(X = x) ceil(x/tm).
 * An expert no token picked sweeps none. p <= 0 or p >= 1: exactly m rows (balanced, or padded to a capacity).
 * Where X spreads over more than a tile (sd > tm) its remainder r = X mod tm is uniform over 0 .. tm-1 to within
 * exp(-2 pi^2 sd^2 / tm^2) < 3e-9, and ceil(X/tm) = X/tm + (tm - r)/tm for r > 0: m/tm + (tm - 1)/(2 tm). Otherwise the sum, over x within 12 sd of the mode, each P(X = x)
 * from its neighbour: P(x+1) / P(x) = (N - x) / (x + 1) * p / (1 - p).
 */
double lc_routed_row_tiles(double m, double tm, double p)
{
    if (!(p > 0 && p < 1) || m <= 0)
        return ceil(m / tm);
    double N = m / p, sd = sqrt(m * (1 - p));
    if (sd > tm)
        return m / tm + (tm - 1) / (2 * tm);
    double r = p / (1 - p), x0 = floor(m), span = ceil(12 * sd + 2);
    int sign;
    double p0 = exp(lgamma_r(N + 1, &sign) - lgamma_r(x0 + 1, &sign) - lgamma_r(N - x0 + 1, &sign) + x0 * log(p) +
                    (N - x0) * log1p(-p));
    double swept = p0 * ceil(x0 / tm), mass = p0, q = p0;
    for (double x = x0; x + 1 <= N && x < x0 + span; x++) {
        q *= (N - x) / (x + 1) * r;
        swept += q * ceil((x + 1) / tm);
        mass += q;
    }
    q = p0;
    for (double x = x0; x >= 1 && x > x0 - span; x--) {
        q *= x / ((N - x + 1) * r);
        swept += q * ceil((x - 1) / tm);
        mass += q;
    }
    return mass > 0 ? swept / mass : ceil(m / tm);
}

/* Best useful fraction of the units' time over tiles and split-K: useful area over swept area, times the
 * k-overhead of the (split) reduction. route_p: the rows of each of the batch's GEMMs are a routing outcome
 * (lc_routed_row_tiles); 0: exactly m. */
static double tile_efficiency_routed(const lc_kernel_model *km, double m, double n, double k, double batch, int units,
                                     double route_p)
{
    double best = 0;
    for (size_t i = 0; i < sizeof tiles / sizeof tiles[0]; i++) {
        double rows = lc_routed_row_tiles(m, tiles[i].tm, route_p);
        for (size_t j = 0; j < sizeof splits / sizeof splits[0]; j++) {
            double S = splits[j];
            if (S > 1 && k / S < 256)
                break;
            double count = rows * ceil(n / tiles[i].tn) * batch * S;
            double slots = units > 0 ? ceil(count / units) * units : count;
            double kk = k / S;
            double e = (m * n * batch * S) / (slots * tiles[i].tm * tiles[i].tn) * tiles[i].eff * (kk / (kk + km->gemm_k0));
            if (e > best)
                best = e;
        }
    }
    return best;
}

static double tile_efficiency(const lc_kernel_model *km, double m, double n, double k, double batch, int units)
{
    return tile_efficiency_routed(km, m, n, k, batch, units, 0);
}

static double gemm_routed(const lc_kernel_model *km, double peak, double bw, int units, double m, double n, double k,
                          double batch, double elem_bytes, bool grouped, double route_p, double eta_scale,
                          double eta_cap);

static double gemm_with(const lc_kernel_model *km, double peak, double bw, int units, double m, double n, double k,
                        double batch, double elem_bytes, bool grouped)
{
    return gemm_routed(km, peak, bw, units, m, n, k, batch, elem_bytes, grouped, 0, 1, 1);
}

/* eta_scale: the GPU's measured matmul fraction over the fit GPU's (lc_gemm_eta_scale); 1 on the fit GPU.
 * eta_cap: the most the scaled efficiency may reach (lc_gemm_eta_cap); 1 on the fit GPU. */
static double gemm_routed(const lc_kernel_model *km, double peak, double bw, int units, double m, double n, double k,
                          double batch, double elem_bytes, bool grouped, double route_p, double eta_scale,
                          double eta_cap)
{
    if (m <= 0 || n <= 0 || k <= 0 || batch <= 0)
        return 0;
    double flops = 2 * m * n * k * batch;
    /* FP8 (1-byte operands): the FP8 kernels' own top efficiency and k-overhead (fit_fp8). */
    lc_kernel_model k8;
    double eta = km->gemm_eta;
    if (elem_bytes == 1) {
        k8 = *km;
        k8.gemm_k0 = km->fp8_k0;
        eta = km->fp8_eta;
        km = &k8;
    }
    eta = fmin(eta_cap, eta * eta_scale);
    double e = tile_efficiency_routed(km, m, n, k, batch, units, route_p) * (grouped ? km->grouped_eta : 1);
    /* Tensor-core kernels load 16-byte vectors: a row length that is not a multiple of 16 bytes (GPT-2's vocabulary
     * 50257) sends cuBLAS to slow kernels (measured 5-8x slower, h200_host_2026-11-28.json). */
    double align = 16 / elem_bytes;
    /* A routed grouped GEMM's rows per expert (and its weight gradient's reduction) are whatever the router sent,
     * given to the kernel as offsets: only the weights' width n is a layout the kernel sees. */
    bool routed = grouped && route_p != 0;
    if (fmod(n, align) != 0 || (!routed && (fmod(k, align) != 0 || fmod(m, align) != 0)))
        e *= km->unaligned_eta;
    double compute = flops / (peak * eta * e);
    double bytes = elem_bytes * batch * (m * k + k * n + m * n);
    double memory = bytes / (bw * km->copy_eta);
    return km->gemm_fixed + fmax(compute, memory);
}

static double attention_with(const lc_kernel_model *km, double peak, double exp_rate, int units, double heads,
                             double queries, double pairs, double dq, double dv, bool bwd)
{
    if (heads <= 0 || pairs <= 0 || queries <= 0)
        return 0;
    int b = bwd ? 1 : 0;
    /* Work is spread over query blocks of 128 rows per head; each visits on average n key blocks. */
    double blocks = heads * ceil(queries / 128);
    double occupancy = units > 0 ? blocks / (ceil(blocks / units) * units) : 1;
    double n = pairs / queries / 128;
    double es = n / (n + km->attn_c0[b]);
    /* Forward: S = Q K^T and O = P V, 2 pairs (dq + dv) FLOPs; backward recomputes S and forms dP, dV, dQ, dK:
     * 2 pairs (3 dq + 2 dv). One exp per pair both ways, on the special-function units. */
    double flops = bwd ? 2 * heads * pairs * (3 * dq + 2 * dv) : 2 * heads * pairs * (dq + dv);
    double mm = flops / (peak * km->attn_eta[b] * occupancy * es);
    double ex = (1 - km->attn_overlap[b]) * heads * pairs / (exp_rate * occupancy * es);
    return km->gemm_fixed + mm + ex;
}

/* ---- fits ---- */

typedef struct {
    double m, n, k, batch, seconds;
    bool grouped;
} gemm_case;

typedef struct {
    double heads, s, d, fwd, bwd;
} attn_case;

/* Least squares on log(predicted/measured), over a grid: a few constants, a few thousand points. GEMMs under
 * 25 us are left out: at that size the Python launch rate (12-20 us per call in these files) sets the time. */
static void fit_gemm(const gemm_case *c, int n)
{
    int dense = 0, grouped = 0;
    for (int j = 0; j < n; j++)
        c[j].grouped ? grouped++ : dense++;
    if (dense < 4)
        return;
    lc_kernel_model trial = model, keep = model;
    double best = INFINITY;
    /* The grid's error is gemm_error's, term for term, with what does not change over the grid computed once:
     * the tile efficiency (it depends on gemm_k0 alone, 17 values), the alignment factor and the memory time
     * (the same expressions as gemm_with, so the same bits; one tile search per case and k0, not per grid point:
     * start-up of every step-timing call, 120 ms before). */
    enum { N_K0 = 17 };
    double *eff = malloc((size_t)N_K0 * (size_t)n * sizeof *eff), *flops = malloc((size_t)n * sizeof *flops);
    double *memory = malloc((size_t)n * sizeof *memory);
    if (!eff || !flops || !memory) {
        free(eff), free(flops), free(memory);
        return; /* out of memory at start-up: the documented defaults stay */
    }
    for (int j = 0; j < n; j++) {
        const gemm_case *g = &c[j];
        flops[j] = 2 * g->m * g->n * g->k * g->batch;
        double bytes = 2.0 * g->batch * (g->m * g->k + g->k * g->n + g->m * g->n);
        memory[j] = bytes / (CAL_BW * model.copy_eta);
        double align = 16 / 2.0;
        bool unaligned = fmod(g->n, align) != 0 || fmod(g->k, align) != 0 || fmod(g->m, align) != 0;
        for (int ik = 0; ik < N_K0; ik++) {
            trial.gemm_k0 = 32.0 * ik;
            double e = tile_efficiency(&trial, g->m, g->n, g->k, g->batch, CAL_UNITS) * 1;
            if (unaligned)
                e *= model.unaligned_eta;
            eff[ik * n + j] = e;
        }
    }
    for (int ie = 0; ie <= 35; ie++)
        for (int ik = 0; ik < N_K0; ik++)
            for (int it = 0; it <= 8; it++) {
                trial.gemm_eta = 0.60 + 0.01 * ie;
                trial.gemm_k0 = 32.0 * ik;
                trial.gemm_fixed = 1e-6 * it;
                double err = 0;
                for (int j = 0; j < n; j++) {
                    if (c[j].grouped)
                        continue;
                    double p = 0;
                    if (!(c[j].m <= 0 || c[j].n <= 0 || c[j].k <= 0 || c[j].batch <= 0)) {
                        double compute = flops[j] / (CAL_PEAK * trial.gemm_eta * eff[ik * n + j]);
                        p = trial.gemm_fixed + fmax(compute, memory[j]);
                    }
                    double d = log(p / c[j].seconds);
                    err += d * d;
                    if (err >= best) /* no longer the best (see fit_curve_dir) */
                        break;
                }
                if (err < best) {
                    best = err;
                    keep = trial;
                }
            }
    free(eff), free(flops), free(memory);
    model.gemm_eta = keep.gemm_eta;
    model.gemm_k0 = keep.gemm_k0;
    model.gemm_fixed = keep.gemm_fixed;
    model.gemm_cases = dense;
    model.gemm_rms_log = sqrt(best / dense);
    if (grouped > 0) {
        /* One factor for grouped kernels: the geometric mean of measured over dense-model time. */
        double s = 0;
        model.grouped_eta = 1;
        for (int j = 0; j < n; j++)
            if (c[j].grouped)
                s += log(gemm_with(&model, CAL_PEAK, CAL_BW, CAL_UNITS, c[j].m, c[j].n, c[j].k, c[j].batch, 2, true) /
                         c[j].seconds);
        model.grouped_eta = exp(s / grouped);
        model.gemm_cases += grouped;
    }
}

static double num(json_t *o, const char *key);

/* FP8 GEMMs: eta and k0 by least squares on log(predicted/measured) over the published benchmark's times, on
 * its GPU (peak, units, bandwidth from the file), with the bf16 fit's fixed time. */
static void fit_fp8(json_t *doc)
{
    json_t *gpu = json_object_get(doc, "gpu"), *arr = json_object_get(doc, "gemm");
    double peak = num(gpu, "peak_fp8_flops"), bw = num(gpu, "memory_bw");
    int units = (int)num(gpu, "compute_units");
    size_t n = json_array_size(arr), i;
    if (!(peak > 0) || !(bw > 0) || units <= 0 || n < 4)
        return;
    lc_kernel_model trial = model, keep = model;
    double best = INFINITY;
    json_t *g;
    for (int ie = 50; ie <= 100; ie++)
        for (int ik = 0; ik <= 64; ik++) {
            trial.fp8_eta = 0.01 * ie;
            trial.fp8_k0 = 16.0 * ik;
            double err = 0;
            json_array_foreach(arr, i, g)
            {
                double m = num(g, "m"), nn = num(g, "n"), k = num(g, "k");
                double measured = 2 * m * nn * k / (num(g, "tflops") * 1e12);
                double d = log(gemm_with(&trial, peak, bw, units, m, nn, k, 1, 1, false) / measured);
                err += d * d;
                if (err >= best) /* no longer the best (see fit_curve_dir) */
                    break;
            }
            if (err < best) {
                best = err;
                keep = trial;
            }
        }
    model.fp8_eta = keep.fp8_eta;
    model.fp8_k0 = keep.fp8_k0;
    /* The benchmark's own best fraction of peak over its shapes: the same "maximum achievable" a MAMF row is, for
     * the fit's kernel (TileLang's). A GPU's fp8 MAMF row measures the kernel training runs call (cuBLASLt through
     * Transformer Engine or torch._scaled_mm): fp8 GEMMs there scale by that over this. */
    double top = 0;
    json_array_foreach(arr, i, g)
        top = fmax(top, num(g, "tflops") * 1e12 / peak);
    model.mamf_ref[1] = top;
    model.fp8_cases = (int)n;
    model.fp8_rms_log = sqrt(best / (double)n);
}

static void fit_attention(const attn_case *c, int n)
{
    if (n < 3)
        return;
    model.attn_cases = n;
    /* attention_with over the grid with what the grid does not change computed once per case (and per c0 for the
     * efficiency e_s): the same expressions, so the same bits. */
    enum { N_C0 = 21 };
    double *es = malloc((size_t)N_C0 * (size_t)n * sizeof *es), *occ = malloc((size_t)n * sizeof *occ);
    if (!es || !occ) {
        free(es), free(occ);
        return; /* out of memory at start-up: the documented defaults stay */
    }
    for (int j = 0; j < n; j++) {
        double pairs = c[j].s * (c[j].s + 1) / 2, queries = c[j].s;
        double blocks = c[j].heads * ceil(queries / 128);
        occ[j] = CAL_UNITS > 0 ? blocks / (ceil(blocks / CAL_UNITS) * CAL_UNITS) : 1;
        double kb = pairs / queries / 128;
        for (int ic = 0; ic < N_C0; ic++)
            es[ic * n + j] = kb / (kb + (double)ic);
    }
    for (int b = 0; b < 2; b++) {
        lc_kernel_model trial = model, keep = model;
        double best = INFINITY;
        for (int ie = 30; ie <= 100; ie++)
            for (int io = 0; io <= 10; io++)
                for (int ic = 0; ic < N_C0; ic++) {
                    trial.attn_eta[b] = 0.01 * ie;
                    trial.attn_overlap[b] = 0.1 * io;
                    trial.attn_c0[b] = ic;
                    double err = 0;
                    for (int j = 0; j < n; j++) {
                        double pairs = c[j].s * (c[j].s + 1) / 2;
                        double p = 0;
                        if (!(c[j].heads <= 0 || pairs <= 0 || c[j].s <= 0)) {
                            double heads = c[j].heads, dq = c[j].d, dv = c[j].d, e = es[ic * n + j];
                            double flops = b ? 2 * heads * pairs * (3 * dq + 2 * dv) : 2 * heads * pairs * (dq + dv);
                            double mm = flops / (CAL_PEAK * trial.attn_eta[b] * occ[j] * e);
                            double ex = (1 - trial.attn_overlap[b]) * heads * pairs / (CAL_EXP * occ[j] * e);
                            p = trial.gemm_fixed + mm + ex;
                        }
                        double d = log(p / (b ? c[j].bwd : c[j].fwd));
                        err += d * d;
                        if (err >= best) /* no longer the best (see fit_curve_dir) */
                            break;
                    }
                    if (err < best) {
                        best = err;
                        keep = trial;
                    }
                }
        model.attn_eta[b] = keep.attn_eta[b];
        model.attn_overlap[b] = keep.attn_overlap[b];
        model.attn_c0[b] = keep.attn_c0[b];
        model.attn_rms_log[b] = sqrt(best / n);
    }
    free(es), free(occ);
}

/* ---- attention kernel generations (data/calibration/attention_kernels.json) ---- */

#define MAX_CURVES 12
#define MAX_AKINDS 8
#define MAX_ARCHMAP 48
typedef struct {
    char kernel[16], arch[16];
    double eta[2], overlap[2], c0[2], rms[2];
    int cases[2];
    char source[400];
} attn_curve;
static attn_curve curves[MAX_CURVES];
static int ncurves;
static struct {
    char name[16];
    char archs[8][16];
    int narchs;
    bool causal_skip;
} akinds[MAX_AKINDS];
static int nakinds;
static struct {
    char gpu[32], arch[16];
} archmap[MAX_ARCHMAP];
static int narchmap;

typedef struct {
    double bh, s, pairs, d, seconds;
} attn_point;

/* eta, the hidden fraction of the exps and c0 for one direction of one kernel: least squares on log(predicted /
 * published) over the grid fit_attention uses, on the benchmark's GPU (its peak, units and exp rate).
 * A grid point's sum of squares stops once it reaches the best so far (every fit here does): the terms are never
 * negative and a rounded sum of non-negative terms never falls, so its whole sum could not be smaller, and the
 * point chosen and the best error (a whole sum) are those of summing every point. */
static void fit_curve_dir(const attn_point *p, int n, double peak, double exp_rate, int units, int b, double fix_ov,
                          double fix_c0, double *eta, double *ov, double *c0, double *rms)
{
    double best = INFINITY;
    lc_kernel_model t = model;
    /* fix_ov / fix_c0 >= 0 (grid values: the shape of another fit) hold that constant; eta alone is fitted then. */
    int io0 = fix_ov >= 0 ? (int)lround(10 * fix_ov) : 0, io1 = fix_ov >= 0 ? io0 : 10;
    int ic0 = fix_c0 >= 0 ? (int)lround(fix_c0) : 0, ic1 = fix_c0 >= 0 ? ic0 : 20;
    for (int ie = 20; ie <= 100; ie++)
        for (int io = io0; io <= io1; io++)
            for (int ic = ic0; ic <= ic1; ic++) {
                t.attn_eta[b] = 0.01 * ie;
                t.attn_overlap[b] = 0.1 * io;
                t.attn_c0[b] = ic;
                double err = 0;
                for (int j = 0; j < n; j++) {
                    double pr = attention_with(&t, peak, exp_rate, units, p[j].bh, p[j].s, p[j].pairs, p[j].d, p[j].d,
                                               b == 1);
                    double d = log(pr / p[j].seconds);
                    err += d * d;
                    if (err >= best)
                        break;
                }
                if (err < best) {
                    best = err;
                    *eta = t.attn_eta[b], *ov = t.attn_overlap[b], *c0 = t.attn_c0[b];
                }
            }
    *rms = n > 0 ? sqrt(best / n) : 0;
}

/* The points of one direction of a published curve: TFLOP/s at the benchmark's shapes (16,384 tokens per batch, or
 * the curve's "tokens", and 2,048 = heads x head dim; or, where the curve gives batch_heads, that many batch x heads
 * at every length), turned into seconds by the benchmark's FLOP count (= llmcost's). "holder" gives seq, tokens and
 * batch_heads, "sets" the {d, causal, tflops} sets. */
static int curve_points_of(json_t *holder, json_t *sets, bool bwd, attn_point *p, int max)
{
    json_t *seq = json_object_get(holder, "seq"), *set;
    double fixed_bh = num(holder, "batch_heads"), tokens = num(holder, "tokens") > 0 ? num(holder, "tokens") : 16384;
    size_t i, j;
    int n = 0;
    json_array_foreach(sets, i, set)
    {
        double d = num(set, "d");
        bool causal = json_is_true(json_object_get(set, "causal"));
        json_t *tf;
        json_array_foreach(json_object_get(set, "tflops"), j, tf)
        {
            double s = json_number_value(json_array_get(seq, j)), rate = json_number_value(tf) * 1e12;
            if (n >= max || !(s > 0) || !(d > 0) || !(rate > 0))
                continue;
            double bh = fixed_bh > 0 ? fixed_bh : (tokens / s) * (2048 / d), pairs = causal ? s * (s + 1) / 2 : s * s;
            double flops = (bwd ? 10.0 : 4.0) * bh * pairs * d;
            p[n++] = (attn_point){bh, s, pairs, d, flops / rate};
        }
    }
    return n;
}

static int curve_points(json_t *curve, const char *dir, attn_point *p, int max)
{
    return curve_points_of(curve, json_object_get(curve, dir), !strcmp(dir, "bwd"), p, max);
}

static void fit_attention_curves(json_t *doc)
{
    const char *key;
    json_t *v, *k;
    size_t i, j;
    json_object_foreach(json_object_get(doc, "arch_of"), key, v)
    {
        if (narchmap < MAX_ARCHMAP && json_is_string(v)) {
            snprintf(archmap[narchmap].gpu, sizeof archmap[narchmap].gpu, "%s", key);
            snprintf(archmap[narchmap].arch, sizeof archmap[narchmap].arch, "%s", json_string_value(v));
            narchmap++;
        }
    }
    json_array_foreach(json_object_get(doc, "kernels"), i, k)
    {
        const char *name = json_string_value(json_object_get(k, "name"));
        if (!name || nakinds >= MAX_AKINDS)
            continue;
        snprintf(akinds[nakinds].name, sizeof akinds[nakinds].name, "%s", name);
        akinds[nakinds].causal_skip = json_is_true(json_object_get(k, "causal_skip"));
        json_array_foreach(json_object_get(k, "archs"), j, v)
        {
            if (akinds[nakinds].narchs < 8 && json_is_string(v))
                snprintf(akinds[nakinds].archs[akinds[nakinds].narchs++], 16, "%s", json_string_value(v));
        }
        nakinds++;
        /* Curves with points first, then those taking their shape from another architecture's curve. */
        for (int pass = 0; pass < 2; pass++) {
            json_t *c;
            size_t ci;
            json_array_foreach(json_object_get(k, "curves"), ci, c)
            {
                bool shaped = json_object_get(c, "shape_from") != NULL;
                if (shaped != (pass == 1) || ncurves >= MAX_CURVES)
                    continue;
                const llmcost_gpu *g = llmcost_catalog_gpu_find(NULL, json_string_value(json_object_get(c, "gpu")));
                if (!g || !(g->peak_flops[LLMCOST_DT_BF16] > 0))
                    continue;
                double peak = g->peak_flops[LLMCOST_DT_BF16];
                double exp_rate = g->exp_per_second > 0 ? g->exp_per_second : peak * CAL_EXP / CAL_PEAK;
                int units = g->compute_units;
                attn_curve *cv = &curves[ncurves];
                memset(cv, 0, sizeof *cv);
                snprintf(cv->kernel, sizeof cv->kernel, "%s", name);
                snprintf(cv->arch, sizeof cv->arch, "%s", json_string_value(json_object_get(c, "arch")));
                snprintf(cv->source, sizeof cv->source, "%s", json_string_value(json_object_get(c, "source")));
                bool ok = true;
                for (int b = 0; b < 2; b++) {
                    if (!shaped) {
                        attn_point pts[48];
                        int n = curve_points(c, b ? "bwd" : "fwd", pts, 48);
                        /* A curve published at one length (its "shape" object): the hidden exps and c0 from a table
                         * over sequence length ("sets": fitted, its eta dropped) or from another kernel's curve on
                         * this architecture ("from_kernel"), then eta alone to the curve's own points. */
                        json_t *shape = json_object_get(json_object_get(c, "shape"), b ? "bwd" : "fwd");
                        double fov = -1, fc0 = -1;
                        if (shape) {
                            const char *fk = json_string_value(json_object_get(shape, "from_kernel"));
                            attn_point sp[48];
                            int ns = fk ? 0 : curve_points_of(shape, json_object_get(shape, "sets"), b == 1, sp, 48);
                            double e, r;
                            if (ns >= 3)
                                fit_curve_dir(sp, ns, peak, exp_rate, units, b, -1, -1, &e, &fov, &fc0, &r);
                            for (int q = 0; fk && q < ncurves; q++)
                                if (!strcmp(curves[q].kernel, fk) && !strcmp(curves[q].arch, cv->arch))
                                    fov = curves[q].overlap[b], fc0 = curves[q].c0[b];
                            if (!(fov >= 0 && fc0 >= 0)) {
                                ok = false;
                                break;
                            }
                        }
                        if (n < (shape ? 1 : 3)) {
                            ok = false;
                            break;
                        }
                        fit_curve_dir(pts, n, peak, exp_rate, units, b, fov, fc0, &cv->eta[b], &cv->overlap[b],
                                      &cv->c0[b], &cv->rms[b]);
                        cv->cases[b] = n;
                    } else {
                        /* The other architecture's exps hidden and c0; eta such that the reference shape (head dim
                         * 128, 16K tokens, no mask) reaches the published fraction of this GPU's peak. */
                        const char *from = json_string_value(json_object_get(c, "shape_from"));
                        double frac = num(json_object_get(c, "peak_fraction"), b ? "bwd" : "fwd");
                        int src = -1;
                        for (int q = 0; q < ncurves; q++)
                            if (!strcmp(curves[q].kernel, name) && from && !strcmp(curves[q].arch, from))
                                src = q;
                        if (src < 0 || !(frac > 0 && frac < 1)) {
                            ok = false;
                            break;
                        }
                        cv->overlap[b] = curves[src].overlap[b];
                        cv->c0[b] = curves[src].c0[b];
                        double s = 16384, d = 128, bh = 16, pairs = s * s;
                        double flops = (b ? 10.0 : 4.0) * bh * pairs * d, target = flops / (frac * peak);
                        lc_kernel_model t = model;
                        t.attn_eta[b] = 1, t.attn_overlap[b] = 1, t.attn_c0[b] = cv->c0[b];
                        double no_exp = attention_with(&t, peak, exp_rate, units, bh, s, pairs, d, d, b == 1);
                        t.attn_overlap[b] = cv->overlap[b];
                        double exps = attention_with(&t, peak, exp_rate, units, bh, s, pairs, d, d, b == 1) - no_exp;
                        double matrix = no_exp - t.gemm_fixed; /* the matrix work's time at eta 1 */
                        double left = target - t.gemm_fixed - exps;
                        cv->eta[b] = left > 0 ? fmin(1, matrix / left) : 1;
                        cv->cases[b] = 0;
                    }
                }
                if (ok)
                    ncurves++;
            }
        }
    }
}

static double num(json_t *o, const char *key)
{
    return json_number_value(json_object_get(o, key));
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* Host seconds per kernel: medians over the measured models (bf16), so one model's Python quirks do not set it. */
static void fit_host(json_t *doc)
{
    double f[32], b[32], fc[32], rc[32];
    int nf = 0, nfc = 0, nrc = 0;
    size_t i, j;
    json_t *h, *h2;
    json_t *arr = json_object_get(doc, "host");
    json_array_foreach(arr, i, h)
    {
        const char *prec = json_string_value(json_object_get(h, "precision"));
        const char *rec = json_string_value(json_object_get(h, "recompute"));
        if (!prec || !rec || strcmp(prec, "bf16") != 0 || nf >= 32)
            continue;
        double kf = num(h, "forward_kernels"), kb = num(h, "backward_kernels");
        if (kf <= 0 || kb <= 0)
            continue;
        if (!strcmp(rec, "none")) {
            f[nf] = num(h, "forward_s") / kf;
            b[nf] = num(h, "backward_s") / kb;
            nf++;
            /* The same model with checkpointing: its forward, and the kernels its backward adds (recomputation). */
            json_array_foreach(arr, j, h2)
            {
                const char *p2 = json_string_value(json_object_get(h2, "precision"));
                const char *r2 = json_string_value(json_object_get(h2, "recompute"));
                if (p2 && r2 && !strcmp(p2, "bf16") && !strcmp(r2, "full") &&
                    json_equal(json_object_get(h, "case"), json_object_get(h2, "case")) && nfc < 32) {
                    double extra = num(h2, "backward_kernels") - kb;
                    fc[nfc++] = num(h2, "forward_s") / num(h2, "forward_kernels");
                    if (extra > 0)
                        rc[nrc++] = (num(h2, "backward_s") - num(h, "backward_s")) / extra;
                }
            }
        }
    }
    if (nf > 0) {
        model.host_fwd = median(f, nf);
        model.host_bwd = median(b, nf);
    }
    if (nfc > 0)
        model.host_fwd_ckpt = median(fc, nfc);
    if (nrc > 0)
        model.host_recompute = median(rc, nrc);
    /* Unaligned GEMMs: aligned over unaligned time, geometric mean over forward, input and weight gradients. */
    json_t *k, *al = NULL, *un = NULL;
    json_array_foreach(json_object_get(doc, "kernels"), i, k)
    {
        const char *name = json_string_value(json_object_get(k, "kernel"));
        if (!name || strcmp(name, "linear") != 0)
            continue;
        if (fmod(num(k, "n"), 8) == 0)
            al = k;
        else
            un = k;
    }
    json_array_foreach(json_object_get(doc, "kernels"), i, k)
    {
        const char *name = json_string_value(json_object_get(k, "kernel"));
        if (name && !strcmp(name, "casts") && num(k, "f32_bf16") > 0)
            add_kind("downcast", 6 * num(k, "elements") / num(k, "f32_bf16") / CAL_BW);
    }
    if (al && un) {
        const char *pass[] = {"fwd", "dgrad", "wgrad"};
        double s = 0;
        for (int p = 0; p < 3; p++)
            s += log(num(al, pass[p]) / num(un, pass[p]));
        model.unaligned_eta = exp(s / 3);
    }
}

/* Memory-bound kernels by architecture (data/calibration/norms_bandwidth_cudnn_frontend.json): the same kernels'
 * fraction of peak bandwidth on an architecture over the H200's, the geometric mean over the file's rows, both
 * directions and its GPUs of that architecture; the GPUs it applies to (those of that architecture in
 * attention_kernels.json's arch_of), looked up by name. */
#define MAX_MEMBW 4
static struct {
    char arch[16];
    double scale;
} membw[MAX_MEMBW];
static int nmembw;
static char membw_gpu[MAX_ARCHMAP][32];
static double membw_gpu_scale[MAX_ARCHMAP];
static int nmembw_gpu;

static void fit_membw(json_t *doc)
{
    const llmcost_gpu *ref = llmcost_catalog_gpu_find(NULL, json_string_value(json_object_get(doc, "reference")));
    if (!ref || !(ref->memory_bw > 0))
        return;
    const char *gname;
    json_t *arch;
    json_object_foreach(json_object_get(doc, "arch_of"), gname, arch)
    {
        const llmcost_gpu *g = llmcost_catalog_gpu_find(NULL, gname);
        const char *a = json_string_value(arch);
        if (!g || !(g->memory_bw > 0) || !a)
            continue;
        int slot = -1;
        for (int i = 0; i < nmembw; i++)
            if (!strcmp(membw[i].arch, a))
                slot = i;
        if (slot < 0 && nmembw < MAX_MEMBW) {
            slot = nmembw++;
            snprintf(membw[slot].arch, sizeof membw[slot].arch, "%s", a);
            membw[slot].scale = 1;
        }
    }
    /* Per architecture: mean of the log ratios over every (row, direction, GPU of it). */
    for (int i = 0; i < nmembw; i++) {
        double sum = 0;
        int n = 0;
        json_object_foreach(json_object_get(doc, "arch_of"), gname, arch)
        {
            const llmcost_gpu *g = llmcost_catalog_gpu_find(NULL, gname);
            if (!g || !(g->memory_bw > 0) || !json_is_string(arch) || strcmp(json_string_value(arch), membw[i].arch))
                continue;
            size_t r;
            json_t *row;
            json_array_foreach(json_object_get(doc, "rows"), r, row)
            {
                json_t *a = json_object_get(row, gname), *b = json_object_get(row, ref->name);
                for (size_t d = 0; d < 2; d++) {
                    double x = json_number_value(json_array_get(a, d)), y = json_number_value(json_array_get(b, d));
                    if (x > 0 && y > 0) {
                        sum += log((x / g->memory_bw) / (y / ref->memory_bw));
                        n++;
                    }
                }
            }
        }
        membw[i].scale = n > 0 ? exp(sum / n) : 1;
    }
    /* The catalogue's GPUs of each measured architecture. */
    for (int j = 0; j < narchmap && nmembw_gpu < MAX_ARCHMAP; j++)
        for (int i = 0; i < nmembw; i++)
            if (!strcmp(archmap[j].arch, membw[i].arch)) {
                snprintf(membw_gpu[nmembw_gpu], sizeof membw_gpu[nmembw_gpu], "%s", archmap[j].gpu);
                membw_gpu_scale[nmembw_gpu++] = membw[i].scale;
            }
}

double lc_memory_bw_scale(const llmcost_gpu *g)
{
    lc_kernel_model_get();
    for (int i = 0; g && i < nmembw_gpu; i++)
        if (g->name[0] == membw_gpu[i][0] && !strcmp(g->name, membw_gpu[i]))
            return membw_gpu_scale[i];
    return 1;
}

double lc_memory_bw(const llmcost_gpu *g)
{
    return g->memory_bw * lc_memory_bw_scale(g);
}

/* Sustained, power-saturated matmul rates (data/calibration/msmf_bekman_fast_mamf.json), FLOP/s by GPU name:
 * [0] 16-bit, [1] fp8; the reference GPU (the H200) first. */
#define MAX_MSMF 8
static struct {
    char gpu[32];
    double flops[2], burst[2], mhz[2], watts[2], burst_mhz;
} msmf[MAX_MSMF];
static int nmsmf;
static const llmcost_gpu *msmf_ref; /* the reference GPU's bundled record */
static char msmf_source[512];

static void fit_msmf(json_t *doc)
{
    const char *ref = json_string_value(json_object_get(doc, "reference")), *key;
    json_t *v;
    if (!ref || !json_is_object(json_object_get(json_object_get(doc, "gpus"), ref)) ||
        !(msmf_ref = llmcost_catalog_gpu_find(llmcost_catalog_bundled(), ref)))
        return;
    for (int pass = 0; pass < 2; pass++)
        json_object_foreach(json_object_get(doc, "gpus"), key, v)
        {
            if ((pass == 0) != !strcmp(key, ref) || nmsmf >= MAX_MSMF)
                continue;
            snprintf(msmf[nmsmf].gpu, sizeof msmf[nmsmf].gpu, "%s", key);
            msmf[nmsmf].flops[0] = num(v, "bf16") * 1e12;
            msmf[nmsmf].flops[1] = num(v, "fp8") * 1e12;
            msmf[nmsmf].burst[0] = num(v, "mamf_bf16") * 1e12;
            msmf[nmsmf].burst[1] = num(v, "mamf_fp8") * 1e12;
            msmf[nmsmf].mhz[0] = num(json_object_get(v, "sustained_mhz"), "bf16");
            msmf[nmsmf].mhz[1] = num(json_object_get(v, "sustained_mhz"), "fp8");
            msmf[nmsmf].watts[0] = num(json_object_get(v, "sustained_watts"), "bf16");
            msmf[nmsmf].watts[1] = num(json_object_get(v, "sustained_watts"), "fp8");
            msmf[nmsmf].burst_mhz = num(v, "mamf_mhz");
            nmsmf++;
        }
    snprintf(msmf_source, sizeof msmf_source, "%s", json_string_value(json_object_get(doc, "source")) ? json_string_value(json_object_get(doc, "source")) : "");
}

static int msmf_index(const llmcost_gpu *g)
{
    lc_kernel_model_get();
    for (int i = 0; g && i < nmsmf; i++)
        if (g->name[0] == msmf[i].gpu[0] && !strcmp(g->name, msmf[i].gpu))
            return i;
    return -1;
}

int llmcost_gpu_sustained_matmul(const llmcost_gpu *g, llmcost_sustained_matmul *out)
{
    if (!g || !out)
        return lc_fail(LLMCOST_EINVAL, "llmcost_gpu_sustained_matmul: NULL argument");
    memset(out, 0, sizeof *out);
    int i = msmf_index(g);
    if (i < 0 || !(msmf[i].flops[0] > 0))
        return 0;
    for (int d = 0; d < 2; d++) {
        out->flops[d] = msmf[i].flops[d];
        out->burst_flops[d] = msmf[i].burst[d];
        out->sustained_mhz[d] = msmf[i].mhz[d];
        out->sustained_watts[d] = msmf[i].watts[d];
    }
    out->burst_mhz = msmf[i].burst_mhz;
    out->reference = i == 0; /* fit_msmf reads the reference first */
    out->source = msmf_source;
    return 1;
}

/* The GEMMs' clock factor under a power cap on a GPU timed at its sustained rate: that rate's matmul at
 * sustained_mhz draws sustained_watts (the board power, nearly), so the cap lowers the clock from there,
 * P(f) = P_static + (P_sus - P_static) (f / f_sus)^3 = W, f / f_sus = ((W - P_static) / (P_sus - P_static))^(1/3), at
 * most 1 (a cap above the draw does not slow it). P_static is the cap's (LLMCOST_POWER_STATIC_FRACTION of the
 * uncapped board power, which the capped record keeps as W / ((1 - p) s^3 + p)). Not lowering from the boost clock:
 * the sustained rate already holds the drop from boost to the power-saturated clock. */
double lc_gemm_cap_clock(const llmcost_gpu *g, bool fp8)
{
    double s = g && g->clock_fraction > 0 && g->clock_fraction < 1 ? g->clock_fraction : 1;
    if (s >= 1) /* uncapped: the common case, on every GEMM the planner times */
        return 1;
    int i = msmf_index(g);
    if (i < 0 || !(msmf[i].watts[fp8] > 0))
        return s;
    double p = LLMCOST_POWER_STATIC_FRACTION, w = g->tdp_watts, tdp = w / ((1 - p) * s * s * s + p), st = p * tdp;
    double pm = msmf[i].watts[fp8];
    if (!(pm > st && pm <= tdp * 1.0001))
        return s; /* a board power the measurement was not taken at (--tdp): the cap's own clock */
    return fmin(1, cbrt(fmax(w - st, 0) / (pm - st)));
}

int lc_gemm_sustained(const llmcost_gpu *g, bool fp8, double *frac, double *ref_frac)
{
    lc_kernel_model_get();
    if (!g || nmsmf < 2 || !msmf_ref)
        return 0;
    for (int i = 1; i < nmsmf; i++)
        if (g->name[0] == msmf[i].gpu[0] && !strcmp(g->name, msmf[i].gpu)) {
            const llmcost_gpu *r = msmf_ref;
            double pg = fp8 ? g->peak_flops[LLMCOST_DT_FP8] : llmcost_gpu_half_peak(g);
            double pr = fp8 ? r->peak_flops[LLMCOST_DT_FP8] : llmcost_gpu_half_peak(r);
            double x = msmf[i].flops[fp8], y = msmf[0].flops[fp8];
            if (!(x > 0 && y > 0 && pg > 0 && pr > 0))
                return 0;
            if (frac)
                *frac = x / pg;
            if (ref_frac)
                *ref_frac = y / pr;
            return 1;
        }
    return 0;
}

/* Parses the bundled file "path" and hands it to "fn"; false when it is missing or does not parse (the fit keeps
 * the documented defaults for what it would have set). */
static bool fit_file(const char *path, void (*fn)(json_t *))
{
    const lc_embedded *e = lc_embedded_find(path);
    json_t *doc = NULL;
    if (!e || lc_parse_json(&doc, e->text, e->len, e->path) != 0)
        return false;
    fn(doc);
    json_decref(doc);
    return true;
}

static void fit(void)
{
    static gemm_case gc[MAX_CASES];
    attn_case ac[16];
    int ng = 0, na = 0;
    bool ok = true;
    const lc_embedded *e = lc_embedded_find("data/calibration/h200_kernels.json");
    json_t *doc = NULL;
    if (e && lc_parse_json(&doc, e->text, e->len, e->path) == 0) {
        double copy = num(doc, "copy_TBps_read_plus_write");
        if (copy > 0)
            model.copy_eta = copy * 1e12 / CAL_BW;
        size_t i;
        json_t *g;
        json_array_foreach(json_object_get(doc, "gemm"), i, g)
        {
            double t = num(g, "ms") * 1e-3;
            if (ng < MAX_CASES && t > 25e-6)
                gc[ng++] = (gemm_case){num(g, "m"), num(g, "n"), num(g, "k"), 1, t, false};
        }
        json_decref(doc);
    } else {
        ok = false;
    }
    e = lc_embedded_find("data/calibration/h200_measured_2026-11-28.json");
    doc = NULL;
    if (e && lc_parse_json(&doc, e->text, e->len, e->path) == 0) {
        size_t i;
        json_t *k;
        double host_sum = 0, adam[2] = {0, 0}, eager_sum = 0;
        int host_n = 0, eager_n = 0;
        json_array_foreach(json_object_get(doc, "kernels"), i, k)
        {
            const char *name = json_string_value(json_object_get(k, "kernel"));
            if (!name)
                continue;
            if (!strcmp(name, "linear_bf16") && num(k, "seconds") > 25e-6 && ng < MAX_CASES) {
                gc[ng++] = (gemm_case){num(k, "m"), num(k, "n"), num(k, "k"), 1, num(k, "seconds"), false};
            } else if (!strcmp(name, "grouped_mm_bf16") && ng < MAX_CASES) {
                gc[ng++] = (gemm_case){num(k, "tokens_per_expert"), num(k, "n"), num(k, "k"), num(k, "experts"),
                                       num(k, "seconds"), true};
            } else if (!strcmp(name, "sdpa_causal") && na < 16) {
                /* Grouped-query cases too: the kernel computes every query head against its shared key head. */
                ac[na++] = (attn_case){num(k, "b") * num(k, "heads"), num(k, "s"), num(k, "d"), num(k, "forward_s"),
                                       num(k, "forward_backward_s") - num(k, "forward_s")};
            } else if ((!strcmp(name, "add_bf16") || !strcmp(name, "silu_bf16") || !strcmp(name, "to_fp32")) &&
                       num(k, "elements") <= 65536) {
                /* A tiny element-wise op timed back to back: the GPU waits on Python, so this is the host's time per
                 * eager op. */
                host_sum += num(k, "seconds");
                host_n++;
            } else if (num(k, "elements") >= (1 << 27) &&
                       (!strcmp(name, "add_bf16") || !strcmp(name, "silu_bf16") || !strcmp(name, "to_fp32") ||
                        !strcmp(name, "pow_mean_fp32_rows768"))) {
                /* Bytes read + written per element: add 2+2+2, silu 2+2, bf16->fp32 2+4, pow (4+4) then mean 4. */
                double per = !strcmp(name, "silu_bf16") ? 4 : !strcmp(name, "pow_mean_fp32_rows768") ? 12 : 6;
                double eta = per * num(k, "elements") / num(k, "seconds") / CAL_BW;
                eager_sum += eta;
                eager_n++;
                add_kind(!strcmp(name, "add_bf16")    ? "add"
                         : !strcmp(name, "silu_bf16") ? "unary"
                         : !strcmp(name, "to_fp32")   ? "upcast"
                                                      : "pow_mean",
                         eta);
            } else if (!strcmp(name, "adamw_fused")) {
                const char *dt = json_string_value(json_object_get(k, "dtype"));
                int wide = dt && strstr(dt, "float32") ? 1 : 0;
                double bytes = num(k, "params") * (wide ? 28 : 14); /* read p, g, m, v; write p, m, v */
                double eta = bytes / num(k, "seconds") / CAL_BW;
                if (eta > adam[wide])
                    adam[wide] = eta;
            } else if (!strcmp(name, "cross_entropy_fp32")) {
                /* Bytes-equivalent per logit at the copy rate: what the measured time streams. */
                double logits = num(k, "tokens") * num(k, "vocab");
                double bw = CAL_BW * model.copy_eta;
                model.ce_fwd_bytes = num(k, "forward_s") * bw / logits;
                model.ce_bwd_bytes = (num(k, "forward_backward_s") - num(k, "forward_s")) * bw / logits;
            }
        }
        if (host_n > 0)
            model.host_op = host_sum / host_n;
        if (eager_n > 0)
            model.eager_eta = eager_sum / eager_n;
        for (int w = 0; w < 2; w++)
            if (adam[w] > 0)
                model.adamw_eta[w] = adam[w];
        json_decref(doc);
    } else {
        ok = false;
    }
    ok &= fit_file("data/calibration/h200_host_2026-11-28.json", fit_host);
    add_kind("copy", model.copy_eta);
    e = lc_embedded_find("data/calibration/h200_eager_kernels_2026-11-28.json");
    doc = NULL;
    if (e && lc_parse_json(&doc, e->text, e->len, e->path) == 0) {
        size_t i;
        json_t *k;
        json_array_foreach(json_object_get(doc, "kernels"), i, k)
            add_kind(json_string_value(json_object_get(k, "kernel")), num(k, "bytes") / num(k, "seconds") / CAL_BW);
        const char *key;
        json_t *op;
        json_object_foreach(json_object_get(doc, "ops"), key, op)
        {
            double bytes = 0, time = 0;
            bool complete = true;
            json_t *part;
            json_array_foreach(json_object_get(op, "mix"), i, part)
            {
                double b = json_number_value(json_array_get(part, 1));
                double eta = kind_eta(json_string_value(json_array_get(part, 0)));
                if (eta <= 0)
                    complete = false;
                bytes += b;
                time += eta > 0 ? b / eta : 0;
            }
            if (complete && time > 0 && nmixes < MAX_MIXES) {
                snprintf(mixes[nmixes].name, sizeof mixes[nmixes].name, "%s", key);
                mixes[nmixes++].eta = bytes / time;
            }
        }
        json_decref(doc);
    } else {
        ok = false;
    }
    fit_gemm(gc, ng);
    fit_attention(ac, na);
    ok &= fit_file("data/calibration/attention_kernels.json", fit_attention_curves);
    ok &= fit_file("data/calibration/fp8_gemm_h800_tilelang.json", fit_fp8);
    ok &= fit_file("data/calibration/norms_bandwidth_cudnn_frontend.json", fit_membw);
    ok &= fit_file("data/calibration/msmf_bekman_fast_mamf.json", fit_msmf);
    /* The fit GPUs' measured matmul fractions, from their bundled records (the catalogue does not read the kernel
     * model: no cycle). */
    const llmcost_catalog *cat = llmcost_catalog_bundled();
    const llmcost_gpu *h200 = llmcost_catalog_gpu_find(cat, "h200"), *h100 = llmcost_catalog_gpu_find(cat, "h100");
    if (h200 && h200->mamf_flops[LLMCOST_DT_BF16] > 0 && llmcost_gpu_half_peak(h200) > 0)
        model.mamf_ref[0] = h200->mamf_flops[LLMCOST_DT_BF16] / llmcost_gpu_half_peak(h200);
    /* fp8: the FP8 benchmark's own best (fit_fp8); without the file, the H100's row (the H800's die). */
    if (!(model.mamf_ref[1] > 0) && h100 && h100->mamf_flops[LLMCOST_DT_FP8] > 0 && h100->peak_flops[LLMCOST_DT_FP8] > 0)
        model.mamf_ref[1] = h100->mamf_flops[LLMCOST_DT_FP8] / h100->peak_flops[LLMCOST_DT_FP8];
    model.fitted = ok;
}

const lc_kernel_model *lc_kernel_model_get(void)
{
    pthread_once(&model_once, fit);
    return &model;
}

int lc_kernels_init(void)
{
    lc_kernel_model_get(); /* a missing calibration file leaves the documented defaults: not an error */
    return 0;
}

/* lc_gemm_eta_scale from the MAMF table alone. */
static double mamf_scale(const llmcost_gpu *g, bool fp8)
{
    const lc_kernel_model *km = lc_kernel_model_get();
    if (!g)
        return 1;
    if (fp8 && km->mamf_ref[1] > 0 && g->mamf_flops[LLMCOST_DT_FP8] > 0 && g->peak_flops[LLMCOST_DT_FP8] > 0)
        return g->mamf_flops[LLMCOST_DT_FP8] / g->peak_flops[LLMCOST_DT_FP8] / km->mamf_ref[1];
    double half = llmcost_gpu_half_peak(g);
    if (km->mamf_ref[0] > 0 && g->mamf_flops[LLMCOST_DT_BF16] > 0 && half > 0)
        return g->mamf_flops[LLMCOST_DT_BF16] / half / km->mamf_ref[0];
    return 1;
}

/*
 * FP8 GEMMs at the power-saturated rate (docs/formulas.md "FP8 GEMMs at the sustained rate"): the fp8 chain is
 * anchored on burst measurements (TileLang's latency benchmark, fit_fp8; the MAMF table's fp8 rows, mean of 100
 * iterations after 50 warm-up), so on the H200 it reaches the table's 1,453.4 TFLOP/s (73.4% of peak), where the
 * same GPU held at its board power sustains 1,288.7 (65.1%: msmf_bekman_fast_mamf.json; SM clock 1,374 MHz at ~693 W
 * against 1,980 MHz in a burst). A training step runs its GEMMs back to back for seconds, at the power limit. This
 * factor, the reference's sustained fp8 rate over its table rate, moves the whole fp8 chain to the sustained rate:
 * the H200 to its MSMF, the GPUs with their own MSMF (B200) to theirs, the others by the table's ratio to the H200.
 * The 16-bit chain is the H200 fit of llmcost's own GEMM measurements, checked against measured H200 training steps
 * (mean error -2.4% and -4.9% over the two step-time suites): it is left as fitted. 1 without the file.
 */
double lc_gemm_fp8_sustained(void)
{
    lc_kernel_model_get();
    if (nmsmf < 1 || !msmf_ref || !(msmf[0].flops[1] > 0) || !(msmf_ref->mamf_flops[LLMCOST_DT_FP8] > 0))
        return 1;
    return msmf[0].flops[1] / msmf_ref->mamf_flops[LLMCOST_DT_FP8];
}

/* A GPU with a sustained (MSMF) figure moves from the reference GPU's own scale by its sustained fraction of peak
 * over the reference's; the others take the MAMF table's ratio. fp8 then takes lc_gemm_fp8_sustained. */
double lc_gemm_eta_scale(const llmcost_gpu *g, bool fp8)
{
    double f, rf, s = fp8 ? lc_gemm_fp8_sustained() : 1;
    if (lc_gemm_sustained(g, fp8, &f, &rf))
        return mamf_scale(msmf_ref, fp8) * s * f / rf;
    return mamf_scale(g, fp8) * s;
}

double lc_gemm_eta_cap(const llmcost_gpu *g, bool fp8)
{
    if (!g)
        return 1;
    double peak = fp8 && g->mamf_flops[LLMCOST_DT_FP8] > 0 ? g->peak_flops[LLMCOST_DT_FP8] : llmcost_gpu_half_peak(g);
    double mamf = fp8 && g->mamf_flops[LLMCOST_DT_FP8] > 0 ? g->mamf_flops[LLMCOST_DT_FP8] : g->mamf_flops[LLMCOST_DT_BF16];
    return peak > 0 && mamf > peak ? mamf / peak : 1;
}

/* The SM clock's fraction under a power cap (llmcost_gpu_power_cap): compute rates scale with it. */
static double clock_of(const llmcost_gpu *g)
{
    return g->clock_fraction > 0 && g->clock_fraction < 1 ? g->clock_fraction : 1;
}

double lc_gemm_seconds(const llmcost_gpu *g, double peak, double m, double n, double k, double batch, double elem_bytes,
                       bool grouped)
{
    const lc_kernel_model *km = lc_kernel_model_get();
    peak *= lc_gemm_cap_clock(g, elem_bytes == 1);
    return gemm_routed(km, peak, lc_memory_bw(g), g->compute_units, m, n, k, batch, elem_bytes, grouped, 0,
                       lc_gemm_eta_scale(g, elem_bytes == 1), lc_gemm_eta_cap(g, elem_bytes == 1));
}

double lc_grouped_gemm_seconds(const llmcost_gpu *g, double peak, double m, double n, double k, double experts,
                               double elem_bytes, double route_p)
{
    const lc_kernel_model *km = lc_kernel_model_get();
    peak *= lc_gemm_cap_clock(g, elem_bytes == 1);
    return gemm_routed(km, peak, lc_memory_bw(g), g->compute_units, m, n, k, experts, elem_bytes, true, route_p,
                       lc_gemm_eta_scale(g, elem_bytes == 1), lc_gemm_eta_cap(g, elem_bytes == 1));
}

double lc_stream_seconds(const llmcost_gpu *g, double bytes, double kernels)
{
    const lc_kernel_model *km = lc_kernel_model_get();
    return fmax(bytes, 0) / (lc_memory_bw(g) * km->copy_eta) + kernels * km->kernel_min;
}

double lc_eager_mix_eta(const char *mix)
{
    const lc_kernel_model *km = lc_kernel_model_get();
    for (int i = 0; mix && i < nmixes; i++)
        if (!strcmp(mixes[i].name, mix))
            return mixes[i].eta;
    return km->eager_eta;
}

double lc_eager_seconds(const llmcost_gpu *g, double bytes, double kernels)
{
    const lc_kernel_model *km = lc_kernel_model_get();
    return fmax(bytes, 0) / (lc_memory_bw(g) * km->eager_eta) + kernels * km->kernel_min;
}

double lc_attention_seconds(const llmcost_gpu *g, double peak, double heads, double queries, double pairs, double dq,
                            double dv, bool bwd)
{
    const lc_kernel_model *km = lc_kernel_model_get();
    /* When a GPU's exp rate is unpublished, the H100's ratio to its 16-bit peak (3.9 T/s : 989.4 TFLOP/s). */
    double exp_rate = g->exp_per_second > 0 ? g->exp_per_second : llmcost_gpu_half_peak(g) * CAL_EXP / CAL_PEAK;
    return attention_with(km, peak * clock_of(g), exp_rate * clock_of(g), g->compute_units, heads, queries, pairs, dq,
                          dv, bwd);
}

/* ---- which attention kernel a run uses ---- */

static const char *gpu_arch(const llmcost_gpu *g)
{
    for (int i = 0; i < narchmap; i++)
        if (!strcmp(archmap[i].gpu, g->name))
            return archmap[i].arch;
    return "unknown";
}

static int find_curve(const char *kernel, const char *arch)
{
    for (int i = 0; i < ncurves; i++)
        if (!strcmp(curves[i].kernel, kernel) && !strcmp(curves[i].arch, arch))
            return i;
    return -1;
}

static void use_measured(lc_attn_choice *c, const lc_kernel_model *km)
{
    for (int b = 0; b < 2; b++)
        c->eta[b] = km->attn_eta[b], c->overlap[b] = km->attn_overlap[b], c->c0[b] = km->attn_c0[b];
}

/* TFLOP/s of a choice's kernel on "g" at the papers' reference shape: 16K tokens, head dim 128, causal, 16 heads. */
static void reference_rates(const lc_attn_choice *ch, const llmcost_gpu *g, double r[2])
{
    double s = 16384, d = 128, bh = 16, pairs = s * (s + 1) / 2, peak = llmcost_gpu_half_peak(g);
    for (int b = 0; b < 2; b++) {
        double t = lc_attention_choice_seconds(ch, g, peak, bh, s, pairs, d, d, b == 1);
        r[b] = t > 0 ? (b ? 10.0 : 4.0) * bh * pairs * d / t / 1e12 : 0;
    }
}

/* lc_attention_choose; the note written only when "with_note" (formatting it was a quarter of a plan search). */
static int choose(const llmcost_gpu *g, int impl, lc_attn_choice *out, bool with_note)
{
    const lc_kernel_model *km = lc_kernel_model_get();
    memset(out, 0, sizeof *out);
    out->arch = gpu_arch(g);
    bool known = strcmp(out->arch, "unknown") != 0;
    bool fast_sdpa = !strcmp(out->arch, "hopper") || !strcmp(out->arch, "blackwell");
    bool flash_arch = !strcmp(out->arch, "ampere") || !strcmp(out->arch, "ada");
    switch (impl) {
    case LLMCOST_ATTN_EAGER:
        out->kernel = "eager";
        if (with_note)
            snprintf(out->note, sizeof out->note,
                 "attention eager: Q K^T and P V as batched GEMMs over every pair (the mask applied after), softmax as "
                 "element-wise kernels");
        return 0;
    case LLMCOST_ATTN_SDPA_MATH:
        out->kernel = "sdpa-math";
        if (with_note)
            snprintf(out->note, sizeof out->note,
                 "attention sdpa-math: PyTorch's math SDPA backend, every pair as fp32 batched GEMMs and fp32 softmax");
        return 0;
    case LLMCOST_ATTN_SDPA:
        if (flash_arch) {
            impl = LLMCOST_ATTN_FLASH2;
            break;
        }
        out->kernel = fast_sdpa ? "cudnn" : "sdpa";
        out->fused = true;
        /* Blackwell: PyTorch SDPA's cuDNN backend as measured there (the cuDNN Blackwell curve), not the H200's
         * fraction of peak. */
        if (!strcmp(out->arch, "blackwell") && find_curve("cudnn", "blackwell") >= 0) {
            impl = LLMCOST_ATTN_CUDNN;
            break;
        }
        use_measured(out, km);
        double r[2];
        if (!with_note) /* the reference rates are for the note only */
            return 0;
        reference_rates(out, g, r);
        snprintf(out->note, sizeof out->note,
                 "attention sdpa on %s (%s): PyTorch SDPA as measured on an H200 (PyTorch 2.11: the cuDNN backend), "
                 "%.0f/%.0f TFLOP/s fwd/bwd at 16K causal, head dim 128%s",
                 g->name, out->arch, r[0], r[1],
                 fast_sdpa ? "" : "; no curve for this architecture: the H200's fraction of its peak assumed");
        return 0;
    case LLMCOST_ATTN_FLASH:
        impl = LLMCOST_ATTN_FLASH2;
        break;
    default:
        break;
    }
    const char *names[LLMCOST_ATTN_COUNT] = {[LLMCOST_ATTN_FLASH2] = "flash2", [LLMCOST_ATTN_FLASH3] = "flash3",
                                             [LLMCOST_ATTN_CUDNN] = "cudnn", [LLMCOST_ATTN_TRITON] = "triton",
                                             [LLMCOST_ATTN_FLASH4] = "flash4"};
    if (impl < 0 || impl >= LLMCOST_ATTN_COUNT || !names[impl])
        return lc_fail(LLMCOST_EINVAL, "attention = %d is not an attention kernel", impl);
    out->kernel = names[impl];
    out->fused = true;
    int kind = -1;
    for (int i = 0; i < nakinds; i++)
        if (!strcmp(akinds[i].name, out->kernel))
            kind = i;
    /* FlashAttention-4 is Blackwell's kernel: refused on any other architecture, one not in arch_of included. */
    if (impl == LLMCOST_ATTN_FLASH4 && strcmp(out->arch, "blackwell") != 0)
        return lc_fail(LLMCOST_EINVAL,
                       "attention flash4 does not run on %s (%s): FlashAttention-4 is built for Blackwell (sm100: b200, "
                       "b300, gb200, gb300)%s", g->name, out->arch,
                       !strcmp(out->arch, "hopper") ? "; on Hopper name flash3"
                       : known ? "" : "; this GPU's architecture is not in data/calibration/attention_kernels.json");
    if (kind >= 0 && known) {
        bool runs = false;
        for (int a = 0; a < akinds[kind].narchs; a++)
            runs = runs || !strcmp(akinds[kind].archs[a], out->arch);
        if (!runs)
            return lc_fail(LLMCOST_EINVAL, "attention %s does not run on %s (%s): it is built for %s%s%s",
                           out->kernel, g->name, out->arch, akinds[kind].archs[0],
                           akinds[kind].narchs > 1 ? " and newer" : " only",
                           akinds[kind].narchs > 1 ? "" : " (data/calibration/attention_kernels.json)");
    }
    int c = find_curve(out->kernel, out->arch);
    const char *via = "";
    if (c < 0 && !strcmp(out->kernel, "cudnn") && flash_arch)
        c = find_curve("flash2", "ampere"), via = "; no published cuDNN curve off Hopper: FlashAttention-2's assumed";
    if (c < 0 && !strcmp(out->kernel, "triton") && flash_arch)
        c = find_curve("flash2", "ampere"), via = "; no published Triton curve off Hopper: FlashAttention-2's assumed";
    if (c < 0 && !strcmp(out->arch, "ada"))
        c = find_curve(out->kernel, "ampere"), via = "; Ampere's curve assumed";
    if (c < 0 && !strcmp(out->arch, "blackwell"))
        c = find_curve(out->kernel, "hopper"), via = "; no Blackwell curve published: Hopper's fraction of peak assumed";
    if (c < 0) {
        use_measured(out, km);
        double r[2];
        if (!with_note) /* the reference rates are for the note only */
            return 0;
        reference_rates(out, g, r);
        snprintf(out->note, sizeof out->note,
                 "attention %s on %s (%s): no published curve; the measured H200 SDPA kernel's fraction of peak assumed "
                 "(%.0f/%.0f TFLOP/s fwd/bwd at 16K causal, head dim 128)",
                 out->kernel, g->name, out->arch, r[0], r[1]);
        return 0;
    }
    for (int b = 0; b < 2; b++)
        out->eta[b] = curves[c].eta[b], out->overlap[b] = curves[c].overlap[b], out->c0[b] = curves[c].c0[b];
    double r[2];
    if (!with_note)
        return 0;
    reference_rates(out, g, r);
    snprintf(out->note, sizeof out->note, "attention %s on %s (%s): %.0f/%.0f TFLOP/s fwd/bwd at 16K causal, "
                 "head dim 128, fitted to %s%s", out->kernel, g->name, out->arch, r[0], r[1], curves[c].source, via);
    return 0;
}

int lc_attention_choose(const llmcost_gpu *g, int impl, lc_attn_choice *out)
{
    return choose(g, impl, out, true);
}

int lc_attention_choose_kernel(const llmcost_gpu *g, int impl, lc_attn_choice *out)
{
    return choose(g, impl, out, false);
}

double lc_attention_choice_seconds(const lc_attn_choice *ch, const llmcost_gpu *g, double peak, double heads,
                                   double queries, double pairs, double dq, double dv, bool bwd)
{
    lc_kernel_model t = *lc_kernel_model_get();
    for (int b = 0; b < 2; b++)
        t.attn_eta[b] = ch->eta[b], t.attn_overlap[b] = ch->overlap[b], t.attn_c0[b] = ch->c0[b];
    double exp_rate = g->exp_per_second > 0 ? g->exp_per_second : llmcost_gpu_half_peak(g) * CAL_EXP / CAL_PEAK;
    return attention_with(&t, peak * clock_of(g), exp_rate * clock_of(g), g->compute_units, heads, queries, pairs, dq,
                          dv, bwd);
}
