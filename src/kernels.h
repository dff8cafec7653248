/* kernels.h - time of one GPU kernel from its shape: GEMMs, fused attention, memory-bound work (library-internal). */
#ifndef LLMCOST_KERNELS_H
#define LLMCOST_KERNELS_H

#include <stdbool.h>

#include "llmcost/hardware.h"

/*
 * The constants of the kernel model. The GEMM ones are fitted, once per process, to the measured H200 table in
 * data/calibration/h200_kernels.json (least squares on log time over the shapes that are not launch-bound);
 * the copy efficiency is that file's measured copy bandwidth over the H200's peak.
 */
typedef struct lc_kernel_model {
    double gemm_eta;      /* fraction of the dense peak a large, well-tiled GEMM sustains */
    double gemm_k0;       /* per-output-tile overhead in units of the reduction dimension: e_k = k / (k + k0) */
    double gemm_fixed;    /* seconds of fixed cost per GEMM kernel on the GPU (prologue, tail) */
    double copy_eta;      /* fraction of the memory bandwidth a streaming kernel reaches */
    double kernel_min;    /* seconds a tiny kernel occupies the GPU */
    int gemm_cases;       /* GEMM measurements the fit used */
    double gemm_rms_log;  /* root-mean-square of log(predicted / measured) over them */
    bool fitted;          /* false when the calibration file could not be read (defaults used) */
} lc_kernel_model;

const lc_kernel_model *lc_kernel_model_get(void);

/*
 * Seconds of "batch" independent GEMMs C[m,n] = A[m,k] B[k,n] on "g" at dense peak "peak" (FLOP/s of the
 * dtype used) with operands of "elem_bytes" bytes: wave quantisation over the GPU's compute units with the
 * best of a few tile shapes, the k-overhead, and a roofline on the bytes moved.
 */
double lc_gemm_seconds(const llmcost_gpu *g, double peak, double m, double n, double k, double batch,
                       double elem_bytes);

/* Seconds of streaming "bytes" through memory in "kernels" launches. */
double lc_stream_seconds(const llmcost_gpu *g, double bytes, double kernels);

/*
 * Seconds of a fused (flash) attention kernel over "heads" (batch x heads) of "pairs" query-key pairs each, with
 * query/key width dq and value width dv, forward (bwd false) or backward. Matrix work at the GEMM model's
 * sustained rate, plus one exp per pair (forward; recomputed in backward) at the GPU's exp throughput.
 */
double lc_attention_seconds(const llmcost_gpu *g, double peak, double heads, double queries, double pairs, double dq,
                            double dv, bool bwd);

#endif
