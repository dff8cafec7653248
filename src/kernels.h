/* kernels.h - time of one GPU kernel from its shape: GEMMs, fused attention, memory-bound work (library-internal). */
#ifndef LLMCOST_KERNELS_H
#define LLMCOST_KERNELS_H

#include <stdbool.h>
#include <stddef.h>

#include "llmcost/hardware.h"

/*
 * The constants of the kernel model, each fitted (once per process) to kernels measured on one H200 and
 * compiled in from data/calibration/: the GEMM table of h200_kernels.json and the kernel section of
 * h200_measured_2026-11-28.json. No training-step measurement enters these fits; the steps are the test.
 */
typedef struct lc_kernel_model {
    /* GEMM: time = fixed + max(FLOPs / (peak * eta * tile_eff * k/(k+k0)), bytes / (bw * copy_eta)) */
    double gemm_eta;
    double gemm_k0;
    double gemm_fixed;
    double grouped_eta;      /* grouped (MoE) GEMM kernels relative to the dense model */
    /* FP8 GEMMs (1-byte operands): their own eta and k0 in the same form, fitted to a published FP8 kernel
     * benchmark (fp8_gemm_h800_tilelang.json), not bf16's fraction of a doubled peak */
    double fp8_eta, fp8_k0;
    int fp8_cases;
    double fp8_rms_log;
    /* fused attention, forward [0] and backward [1]: FLOPs / (peak * eta * occupancy * e_s) + (1 - overlap) exps / rate,
     * e_s = n / (n + c0) with n the key blocks a query block visits */
    double attn_eta[2], attn_overlap[2], attn_c0[2];
    double copy_eta;         /* streaming kernels: measured copy bandwidth / peak */
    double eager_eta;        /* eager PyTorch element-wise kernels (add, silu, casts, pow+mean): mean measured
                                bandwidth / peak; HF's unfused ops run at this, fused kernels at copy_eta */
    double adamw_eta[2];     /* fused AdamW, bytes moved / time / peak: [0] 16-bit states, [1] 32-bit */
    double ce_fwd_bytes, ce_bwd_bytes; /* cross-entropy (logits.float() + log_softmax + nll): equivalent
                                          streamed bytes per logit, forward and backward */
    double host_op;          /* seconds for Python to issue one bare eager op (a tiny add timed back to back) */
    /* Host seconds per launched kernel in an HF training step (median over the measured models): forward,
     * backward, forward under gradient checkpointing, and each kernel recomputed inside backward. */
    double host_fwd, host_bwd, host_fwd_ckpt, host_recompute;
    double unaligned_eta;    /* 16-bit GEMMs with a dimension not a multiple of 8: aligned time / unaligned time */
    double kernel_min;       /* seconds a tiny kernel occupies the GPU */
    int gemm_cases, attn_cases;
    double gemm_rms_log, attn_rms_log[2];
    /* The fits' own maximum achievable matmul fractions: [0] the H200's 16-bit MAMF / peak (data/gpus.json; the GEMM
     * table's GPU), [1] the FP8 benchmark's best TFLOP/s over its shapes / its H800's peak (TileLang's kernel: 77.9%;
     * the H100's cuBLAS row when the file is missing). 0 when unknown (then no GPU is rescaled). */
    double mamf_ref[2];
    bool fitted;             /* false when a calibration file could not be read (defaults used) */
} lc_kernel_model;

const lc_kernel_model *lc_kernel_model_get(void);

/*
 * Seconds of "batch" independent GEMMs C[m,n] = A[m,k] B[k,n] on "g" at dense peak "peak" (FLOP/s of the
 * dtype used) with operands of "elem_bytes" bytes: wave quantisation over the GPU's compute units with the
 * best of a few tile shapes and split-K factors, the k-overhead, and a roofline on the bytes moved. "grouped":
 * one grouped kernel over the batch (MoE experts).
 */
double lc_gemm_seconds(const llmcost_gpu *g, double peak, double m, double n, double k, double batch,
                       double elem_bytes, bool grouped);

/*
 * Seconds of one grouped GEMM over "experts" experts of m rows each on average, when each expert's rows are a
 * routing outcome: N = m / route_p tokens each picking the expert with probability route_p (top-k of E: k/E), so
 * the rows vary from expert to expert (Binomial) and each expert's last row tile is partly empty, or empty
 * experts sweep none. route_p 1: every expert exactly m rows (padded to a capacity). Negative: the tokens are
 * the reduction k (the weight gradient), rows exact. Either way only n (the weights' width) needs the 16-byte
 * alignment: the routed dimension is given to the kernel as offsets.
 */
/* Row tiles of "tm" rows one expert sweeps in expectation, its rows X ~ Binomial(m / p, p) (mean m):
 * E[ceil(X / tm)]; p outside (0, 1): ceil(m / tm). */
double lc_routed_row_tiles(double m, double tm, double p);

/*
 * The factor the kernel model's GEMM efficiency (gemm_eta, or fp8_eta for 1-byte operands) takes on "g": g's
 * measured maximum achievable matmul fraction (mamf_flops / dense peak of that type) over the fit GPU's
 * (mamf_ref). 1 when g or the fit GPU has no measurement; fp8 without an fp8 measurement uses the 16-bit ratio.
 * fp8 then times lc_gemm_fp8_sustained (a training step's GEMMs run at the power-saturated rate).
 */
double lc_gemm_eta_scale(const llmcost_gpu *g, bool fp8);

/*
 * The most the scaled GEMM efficiency may reach on "g", as a fraction of its dense peak: 1, or g's measured maximum
 * achievable matmul fraction where that is above 1. A GeForce board's peak is quoted at its rated boost clock and GPU
 * Boost runs it above that under load (the RTX 4090: 178.8 TFLOP/s measured against 165.2 at 2,520 MHz), so there
 * the measurement, not the quoted peak, is the ceiling.
 */
double lc_gemm_eta_cap(const llmcost_gpu *g, bool fp8);

double lc_grouped_gemm_seconds(const llmcost_gpu *g, double peak, double m, double n, double k, double experts,
                               double elem_bytes, double route_p);

/*
 * Fraction of the memory bandwidth an eager op of mix "mix" reaches (h200_eager_kernels_2026-11-28.json: "rmsnorm",
 * "rotary", "dispatch_fwd", ...): bytes over the sum of each kernel kind's bytes / its measured efficiency. Unknown
 * mixes get the mean of the measured plain element-wise kernels (eager_eta).
 */
double lc_eager_mix_eta(const char *mix);

/* Seconds of streaming "bytes" through memory in "kernels" launches; "eager": PyTorch's unfused kernels. */
/* The bandwidth memory-bound kernels on g are timed against: its catalogue bandwidth times its architecture's
 * measured fraction of peak bandwidth over the H200's (norms_bandwidth_cudnn_frontend.json; 1 where unmeasured). */
/* 1 when "g" has a published sustained (power-saturated) matmul rate (msmf_bekman_fast_mamf.json) for the dtype,
 * with its fraction of peak and the reference GPU's (the H200's) in *frac and *ref_frac; 0 otherwise. */
/* The GEMMs' clock factor under a power cap (g->clock_fraction for most GPUs; from the sustained clock at its
 * measured draw for a GPU timed at its sustained matmul rate, data/calibration/msmf_bekman_fast_mamf.json). */
double lc_gemm_cap_clock(const llmcost_gpu *g, bool fp8);
int lc_gemm_sustained(const llmcost_gpu *g, bool fp8, double *frac, double *ref_frac);
/* The reference GPU's (the H200's) sustained fp8 matmul rate over its MAMF table fp8 row (1,288.7 / 1,453.4 =
 * 0.887): the factor lc_gemm_eta_scale gives every fp8 GEMM rate, burst-anchored otherwise; 1 without the file. */
double lc_gemm_fp8_sustained(void);
double lc_memory_bw_scale(const llmcost_gpu *g);
double lc_memory_bw(const llmcost_gpu *g);
double lc_stream_seconds(const llmcost_gpu *g, double bytes, double kernels);
double lc_eager_seconds(const llmcost_gpu *g, double bytes, double kernels);

/*
 * Seconds of a fused (flash) attention kernel over "heads" (batch x heads) of "queries" queries and "pairs"
 * query-key pairs each, query/key width dq and value width dv, forward (bwd false) or backward.
 */
double lc_attention_seconds(const llmcost_gpu *g, double peak, double heads, double queries, double pairs, double dq,
                            double dv, bool bwd);

/*
 * The fused attention kernel a run with "impl" uses on "g" (data/calibration/attention_kernels.json): the kernel's
 * name, the architecture of "g" ("hopper", ...; "unknown" for a GPU the file does not map), the constants timing it
 * (a fit of that kernel's published curve, or the measured H200 SDPA fit), and a line saying which and why.
 * Returns 0, or LLMCOST_EINVAL with a message when the kernel does not run on "g" (FlashAttention-3 off Hopper).
 * eager and sdpa-math resolve to themselves (fit NULL): they are timed as GEMMs and element-wise kernels.
 */
typedef struct lc_attn_choice {
    const char *kernel;  /* "cudnn", "flash2", ...; "eager", "sdpa-math" */
    const char *arch;
    double eta[2], overlap[2], c0[2]; /* forward, backward (fused kernels) */
    bool fused;
    char note[768];      /* "flash2 on hopper: FlashAttention-2 ... (source)": prefix, a curve's whole source
                            (at most 399 bytes) and the fallback's reason fit */
} lc_attn_choice;

int lc_attention_choose(const llmcost_gpu *g, int impl, lc_attn_choice *out);
/* lc_attention_choose without the note (out->note left empty): the step engine's per-call choice. */
int lc_attention_choose_kernel(const llmcost_gpu *g, int impl, lc_attn_choice *out);

/* Seconds of the chosen fused kernel (lc_attention_choose) over the same shape as lc_attention_seconds. */
double lc_attention_choice_seconds(const lc_attn_choice *ch, const llmcost_gpu *g, double peak, double heads,
                                   double queries, double pairs, double dq, double dv, bool bwd);

#endif
