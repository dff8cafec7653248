/* hardware.h - the accelerator catalogue (data/gpus.json) and named price lists, every field overridable. */
#ifndef LLMCOST_HARDWARE_H
#define LLMCOST_HARDWARE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
    LLMCOST_DT_FP32,
    LLMCOST_DT_TF32,
    LLMCOST_DT_BF16, /* bf16 dense tensor-core peak (0 on parts without bf16: V100, T4); fp16 is llmcost_gpu.fp16_flops */
    LLMCOST_DT_FP8,
    LLMCOST_DT_COUNT
} llmcost_dtype;

/* "fp32", "tf32", "bf16", "fp8". */
const char *llmcost_dtype_name(llmcost_dtype t);

/*
 * One accelerator. Peaks are dense (no 2:4 sparsity), per device, in FLOP/s; 0 when the part lacks the type.
 * Fields after "source" were added later; a zero means unknown. Text fields are never cut: a catalogue entry whose
 * text does not fit its field is refused with a message naming the key (the bundled ones all fit, checked by
 * tests/test_text.c).
 */
typedef struct llmcost_gpu {
    char name[48];            /* lower-case id as users say it: "h100", "a100-80gb", "tpu-v5p" */
    char full_name[96];       /* "NVIDIA H100 SXM5 80GB" */
    char vendor[32];
    double peak_flops[LLMCOST_DT_COUNT];
    double memory_bytes;      /* device memory (HBM/GDDR), bytes */
    double memory_bw;         /* device memory bandwidth, bytes/s */
    double tdp_watts;         /* board power */
    double scaleup_bw;        /* per-GPU unidirectional bandwidth inside a node (NVLink/xGMI/ICI), bytes/s */
    int scaleup_size;         /* GPUs per scale-up domain (node) */
    double scaleout_bw;       /* per-GPU unidirectional network bandwidth across nodes, bytes/s */
    double price_per_hour;    /* default on-demand USD per GPU-hour */
    char price_source[512];   /* where the price comes from, with its date */
    char source[512];         /* where the specifications come from */
    char aliases[96];         /* other accepted names, comma-separated ("a100" for "a100-80gb") */
    char scaleup_link[128];   /* "NVLink 4 + NVSwitch" */
    char scaleout_link[128];  /* "InfiniBand NDR 400 Gb/s per GPU (DGX H100)" */
    int compute_units;        /* SMs (NVIDIA), CUs (AMD), matrix units (TPU): the unit GEMM tiles are spread over */
    double exp_per_second;    /* special-function (exp) throughput, operations/s; 0 if unpublished */
    double fp16_flops;        /* fp16 dense tensor-core peak with fp32 accumulation, FLOP/s (peak_tflops.fp16);
                                 0 when the part has none (TPUs) or the record does not give it */
    /* Maximum achievable matmul FLOP/s (mamf_tflops in data/gpus.json): the best a brute-force search over GEMM
     * shapes measured with the vendor BLAS (Bekman's mamf-finder), per dtype; only [LLMCOST_DT_BF16] (16-bit, for
     * fp16 parts their fp16) and [LLMCOST_DT_FP8] are read; 0 when unmeasured. The kernel model scales its
     * H200-fitted GEMM efficiency by this GPU's mamf / peak over the H200's (kernels.c). */
    double mamf_flops[LLMCOST_DT_COUNT];
    char mamf_source[384];    /* where the mamf figures come from */
    /* SM clock as a fraction of its maximum under a power cap (llmcost_gpu_power_cap); 0 or 1: full clocks. The
     * kernel model runs compute-bound work (GEMMs, attention, exps) at the peaks times this; memory-bound work
     * keeps the full bandwidth (the HBM clock is not lowered). */
    double clock_fraction;
    /* Added in 1.7 (host_link in data/gpus.json): the link between host memory and this GPU, per direction, bytes/s:
     * the PCIe x16 data rate (Gen3 15.75, Gen4 31.5, Gen5 63 GB/s after 128b/130b coding) or NVLink-C2C's; 0 when
     * the record does not give it. What activation offloading's copies and a paged optimizer's migrations cross
     * (docs/formulas.md "Memory savers: step time"). */
    double host_bw;
    char host_link[64];       /* "PCIe Gen5 x16" */
    char host_source[256];    /* where the link comes from */
} llmcost_gpu;

/*
 * Caps "g"'s board power at "watts" (nvidia-smi -pl): its SM clock falls to the fraction s where a compute-bound
 * kernel's draw meets the cap, P(s) = P_static + (TDP - P_static) s^3 (dynamic power C V^2 f with the voltage
 * following the clock, V ~ f, over the DVFS range; P_static = LLMCOST_POWER_STATIC_FRACTION x TDP held at any
 * clock), and g->tdp_watts becomes "watts" (energy = capped power x time). "note" (may be NULL) receives a line
 * saying so. Fails with LLMCOST_EINVAL ("power_cap: ...") when watts is not above the static draw, above the board
 * power, or g has no published board power; "g" is then unchanged.
 */
#define LLMCOST_POWER_STATIC_FRACTION 0.25
int llmcost_gpu_power_cap(llmcost_gpu *g, double watts, char *note, size_t n);

/*
 * Added in h-blackwell. The sustained (power-saturated) matmul rate measured for "g", found by its name in the
 * bundled data/calibration/msmf_bekman_fast_mamf.json (Bekman's fast-mamf table: the H200 and the B200): FLOP/s for
 * [0] 16-bit and [1] fp8, the burst rate (MAMF) the same run measured, the SM clock (MHz) and board draw (W) each
 * sustained rate held, the burst's clock and the table's source (static storage). Returns 1 and fills "out" when
 * published, 0 (out zeroed) when not; LLMCOST_EINVAL on a NULL argument. Such a GPU's GEMMs are timed at this
 * rate, and a power cap lowers their clock from sustained_mhz (docs/formulas.md).
 */
typedef struct llmcost_sustained_matmul {
    double flops[2];           /* sustained (MSMF), [0] bf16, [1] fp8 */
    double burst_flops[2];     /* the same run's maximum achievable (MAMF) */
    double sustained_mhz[2];   /* the SM clock the sustained run settled at */
    double sustained_watts[2]; /* its board draw */
    double burst_mhz;          /* the 16-bit burst's clock */
    int reference;             /* 1: the GPU the GEMM fit was measured on (the H200), the others' yardstick */
    const char *source;
} llmcost_sustained_matmul;
int llmcost_gpu_sustained_matmul(const llmcost_gpu *g, llmcost_sustained_matmul *out);

/* The 16-bit tensor peak a run on "g" can use: bf16, or fp16 on parts without bf16 (V100, T4); 0 if neither. */
double llmcost_gpu_half_peak(const llmcost_gpu *g);

/*
 * A catalogue of GPUs and price lists. The bundled one (data/gpus.json) is read once, on first use by any thread,
 * and never changes; a caller who wants its own GPUs makes a catalogue of its own with llmcost_catalog_new(),
 * merges files or JSON text into it, passes its GPUs to the engines, and frees it with llmcost_catalog_free().
 * Pointers into a catalogue stay valid until it is freed (the bundled one: until the process ends). A catalogue
 * may be read by any number of threads at once; loading into it needs the caller to hold off its readers.
 * Every function taking "const llmcost_catalog *" reads the process default when given NULL.
 */
typedef struct llmcost_catalog llmcost_catalog;

/* The bundled catalogue (read-only, shared). */
const llmcost_catalog *llmcost_catalog_bundled(void);
/* A new catalogue, a copy of "from" (NULL: the process default). Free it with llmcost_catalog_free(). */
int llmcost_catalog_new(llmcost_catalog **out, const llmcost_catalog *from);
void llmcost_catalog_free(llmcost_catalog *cat);
/*
 * Merges a catalogue document (the format of data/gpus.json) into "cat": its entries override or extend the ones
 * there, field by field. "origin" names the text in messages. On failure (a message naming the origin and
 * line/column or key) "cat" is left as it was.
 */
int llmcost_catalog_load_json(llmcost_catalog *cat, const char *text, size_t len, const char *origin);
/* Same, reading the file at "path". */
int llmcost_catalog_load_file(llmcost_catalog *cat, const char *path);

int llmcost_catalog_gpu_count(const llmcost_catalog *cat);
const llmcost_gpu *llmcost_catalog_gpu_at(const llmcost_catalog *cat, int i);
/* A GPU by name (case-insensitive; common aliases accepted, e.g. "a100" = "a100-80gb"); NULL if unknown. */
const llmcost_gpu *llmcost_catalog_gpu_find(const llmcost_catalog *cat, const char *name);
/* Same, failing with LLMCOST_ENOTFOUND and a message listing the known names when "name" is unknown. */
int llmcost_catalog_gpu_lookup(const llmcost_gpu **out, const llmcost_catalog *cat, const char *name);

/*
 * Sets one field of "g" from a value in the catalogue's unit, named by its data/gpus.json key: "peak_tflops.fp32",
 * "peak_tflops.tf32", "peak_tflops.bf16", "peak_tflops.fp8", "peak_tflops.fp16" (TFLOP/s), "memory_gb" (GiB), "memory_bw_gbps",
 * "scaleup.gbps", "scaleout.gbps" (GB/s), "tdp_watts", "exp_tops", "usd_per_hour". The value must be inside the
 * key's plausible range (ranges.h); else LLMCOST_EINVAL naming the key ("memory_gb = 1e+300 is outside the
 * plausible range ...") and "g" unchanged.
 */
int llmcost_gpu_set(llmcost_gpu *g, const char *key, double value);
/* 0 when every field of "g" is inside its plausible range (the check every engine that takes a GPU makes);
 * else LLMCOST_EINVAL naming the GPU and the key. */
int llmcost_gpu_check(const llmcost_gpu *g);

/* The process default catalogue (the bundled one unless llmcost_gpu_load_json() below replaced it). */
int llmcost_gpu_count(void);
const llmcost_gpu *llmcost_gpu_at(int i);
const llmcost_gpu *llmcost_gpu_find(const char *name);
int llmcost_gpu_lookup(const llmcost_gpu **out, const char *name);

/* A named price list (e.g. "course": A100 $4/h at 312 TFLOP/s, V100 $2.5/125, T4 $1/65). */
typedef struct llmcost_price_entry {
    char gpu[48];             /* name in the catalogue */
    double price_per_hour;
    double peak_flops;        /* the peak the list uses (course: fp16 dense), FLOP/s */
} llmcost_price_entry;

typedef struct llmcost_price_list {
    char name[48];
    char source[200];
    int n;
    llmcost_price_entry entries[32];
} llmcost_price_list;

int llmcost_catalog_price_list_count(const llmcost_catalog *cat);
const llmcost_price_list *llmcost_catalog_price_list_at(const llmcost_catalog *cat, int i);
const llmcost_price_list *llmcost_catalog_price_list_find(const llmcost_catalog *cat, const char *name);
/* The same in the process default catalogue. */
int llmcost_price_list_count(void);
const llmcost_price_list *llmcost_price_list_at(int i);
const llmcost_price_list *llmcost_price_list_find(const char *name);

/*
 * Deprecated (kept for existing callers; use a catalogue of your own): replace the process default catalogue by a
 * copy of it with a user file merged in. The replacement is published atomically and the old one is kept, so
 * pointers other threads hold stay valid (they keep the values they had); a failed load changes nothing.
 */
int llmcost_gpu_load_file(const char *path);
/* Same, from JSON text; "origin" names it in messages. */
int llmcost_gpu_load_json(const char *text, size_t len, const char *origin);
/* Makes the bundled catalogue the process default again. */
void llmcost_gpu_reset(void);

#ifdef __cplusplus
}
#endif

#endif
