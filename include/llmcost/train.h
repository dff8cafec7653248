/* train.h - a whole training run: steps, wall-clock, GPU-hours, dollars, energy and CO2 on named hardware. */
#ifndef LLMCOST_TRAIN_H
#define LLMCOST_TRAIN_H

#include <stdbool.h>

#include "hardware.h"
#include "job.h"
#include "model.h"
#include "step.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct llmcost_train_options {
    unsigned int version; /* LLMCOST_TRAIN_OPTIONS_VERSION, set by the _INIT macro or the _init() function */
    double tokens;            /* training tokens */
    double price_per_hour;    /* USD per GPU-hour; 0: the GPU's catalogue price */
    double mfu;               /* 0: predict the step time; else the step takes model FLOPs / (GPUs x peak x mfu) */
    double pue;               /* power usage effectiveness of the data centre */
    double grid_kg_per_kwh;   /* carbon intensity of the electricity, kg CO2e per kWh */
    double power_fraction;    /* average draw as a fraction of the board power (TDP) */
    double goodput;           /* fraction of the GPUs' time spent on useful steps (restarts, checkpoints, failures);
                                 0: modelled: llmcost_train_failure_goodput() of the layout's GPU count, checkpoint
                                 saves and warm-up (the three fields below); 1: the ideal run. A goodput given (> 0)
                                 stands for all of them, and the three fields below are not read. */
    llmcost_step_options step;
    /* Added with issue 16 point 6; read only when goodput is 0 (modelled). */
    double checkpoint_gbps;   /* storage write bandwidth per GPU for checkpoint saves, GB/s (1e9 B/s); 0: 0.122, Llama
                                 3's storage, 2 TB/s sustained for 16,384 GPUs (Dubey et al. 2024 §3.3.1) */
    double checkpoint_interval_seconds; /* seconds of training between saves; 0: Young's optimum sqrt(2 C MTBF) */
    double warmup_seconds;    /* one-time start-up before the first step; 0: LLMCOST_TRAIN_WARMUP_SECONDS */
} llmcost_train_options;

/* The defaults of the modelled run's checkpoints and warm-up (used when the options above are 0). */
#define LLMCOST_TRAIN_CHECKPOINT_GBPS (2000.0 / 16384.0)
#define LLMCOST_TRAIN_WARMUP_SECONDS 30.0

/* PUE 1.1: hyperscale fleets report 1.08-1.10 (Google Environmental Report 2024: 1.10). Grid 0.373 kg/kWh: US
 * average output emission rate, EPA eGRID2022 (823 lb/MWh). Power at TDP, as the Llama 3.1 model card counts. */
#define LLMCOST_TRAIN_OPTIONS_VERSION 1
#define LLMCOST_TRAIN_OPTIONS_INIT                                                                                \
    {.version = LLMCOST_TRAIN_OPTIONS_VERSION, .tokens = 0, .price_per_hour = 0, .mfu = 0, .pue = 1.1,           \
     .grid_kg_per_kwh = 0.373, .power_fraction = 1.0, .goodput = 1.0, .step = LLMCOST_STEP_OPTIONS_INIT}

/* Fills "opts" with the defaults of LLMCOST_TRAIN_OPTIONS_INIT (its step options too). Returns 0, or
 * LLMCOST_EINVAL when "opts" is NULL. */
int llmcost_train_options_init(llmcost_train_options *opts);

typedef struct llmcost_train {
    llmcost_step step;        /* the step (predicted, or scaled to the given MFU) */
    double steps;             /* optimizer steps: ceil(tokens / tokens per step) */
    double tokens;            /* tokens actually seen: steps x tokens per step */
    double wall_seconds;      /* steps x step time / goodput */
    double gpu_hours;
    double price_per_hour;
    double cost_usd;
    double energy_kwh;        /* GPU energy x PUE; NaN when the GPU's power is unknown */
    double co2_kg;
    double total_flops;       /* model FLOPs of the run (no recomputation) */
    double mfu;
    bool mfu_given;
    double goodput;           /* the goodput used: the option's, or, when the option is 0, the modelled run's: useful
                                 step time / wall_seconds (failures, checkpoint saves and warm-up) */
    bool goodput_modelled;    /* goodput came from the model (failures, checkpoints, warm-up) */
    /* Added with issue 16 point 6: the modelled run's parts (all 0 when goodput is given). */
    double failure_goodput;   /* llmcost_train_failure_goodput() of the GPU count */
    double checkpoint_bytes;  /* one checkpoint: weights, fp32 master and optimizer states of every parameter */
    double checkpoint_seconds;          /* one save: checkpoint_bytes / (GPUs x checkpoint_gbps), training paused */
    double checkpoint_interval_seconds; /* training seconds between saves */
    double checkpoints;       /* saves in the run: floor(useful seconds / interval) */
    double warmup_seconds;    /* one-time start-up */
} llmcost_train;

/*
 * The fraction of wall-clock time a run of "gpus" GPUs spends on useful steps when interruptions arrive at the
 * rate Llama 3 405B's pre-training reported (466 interruptions in 54 days on 16,384 H100s, above 90% effective
 * training time; Dubey et al. 2024 §3.3.4), each one costing the same time: 1 / (1 + lambda x gpus x t_lost),
 * lambda = 466 / (16,384 x 0.9 x 1,296 h) per useful GPU-hour, t_lost = 0.1 x 1,296 h / 466 = 16.7 min
 * (restart, reload and the work since the last checkpoint). 0.9 at 16,384 GPUs; 0.993 at 1,024. Returns 1 for
 * gpus < 1.
 */
double llmcost_train_failure_goodput(int64_t gpus);

/* A step's model TFLOP/s per GPU under the conventions published figures use, so they compare without hand
 * conversion. */
typedef struct llmcost_tflops_per_gpu {
    double exact_causal;  /* every matrix product, causal attention, no recomputation (llmcost's model FLOPs) */
    double six_nd;        /* 6 x active parameters (embeddings included) x tokens (Kaplan et al. 2020) */
    double megatron_hfu;  /* Narayanan et al. 2021 eq. 3, full recomputation: 96 B s l h^2 (1 + s/6h + V/16lh) */
} llmcost_tflops_per_gpu;

/* A step's MFU against each named dense peak of its GPU (issue 16 point 2). llmcost_step.mfu divides by the bf16
 * peak for every 16-bit and FP8 recipe; an FP8 run's authors may report it against the FP8 peak instead (about
 * half the figure), so both are given, each named. */
typedef struct llmcost_mfu_by_peak {
    double bf16;  /* achieved model FLOP/s per GPU / the bf16 dense peak */
    double fp8;   /* ... / the FP8 dense peak; NaN when the GPU has no FP8 tensor cores */
} llmcost_mfu_by_peak;

/* Fills "out" for step "s" on "gpu" (the GPU it was computed for). Returns 0 or LLMCOST_EINVAL. */
int llmcost_step_mfu_by_peak(llmcost_mfu_by_peak *out, const llmcost_step *s, const llmcost_gpu *gpu);

/* Fills "out" for step "s" of model "m" at sequence length "seq". Returns 0 or LLMCOST_EINVAL. */
int llmcost_step_tflops_per_gpu(llmcost_tflops_per_gpu *out, const llmcost_step *s, const llmcost_model *m,
                                int64_t seq);

/*
 * Cost of training "m" on "gpu" for opt->tokens tokens under opt->step. Fails with LLMCOST_EINVAL for
 * non-positive tokens, price or PUE, and with the step engine's errors.
 */
int llmcost_train_compute(llmcost_train *out, const llmcost_model *m, const llmcost_gpu *gpu, const llmcost_train_options *opt);

/* The run of job "job" (job.h): its step by llmcost_job_step, so that what step options cannot hold (fine-tuning
 * with LoRA / QLoRA adapters) is costed; "opt" gives the rest (tokens, price, MFU, power, goodput; opt->step is not
 * read). Fails as llmcost_job_step and llmcost_train_compute. */
int llmcost_job_train(llmcost_train *out, const llmcost_model *m, const llmcost_gpu *gpu, const llmcost_job *job,
                      const llmcost_train_options *opt);

/* One reported figure of a published run and llmcost's prediction of it (data/validation/runs.json). */
typedef struct llmcost_published {
    char name[128];          /* the run */
    char metric[32];         /* tflops_per_gpu, mfu, gpu_hours, tokens_per_second_per_gpu */
    char convention[32];     /* how FLOPs are counted for tflops_per_gpu: exact_causal, megatron_hfu */
    double reported;
    double predicted;
    double error;            /* predicted / reported - 1 */
    bool dense;              /* a dense model (the 25% target applies); false for MoE */
    char source[320];        /* where the reported figure comes from */
    char assumed[320];       /* layout facts the source does not give, assumed by llmcost */
    char kind[16];           /* the run's kind where its file names one: dense, moe, fp8, long_context, a100 */
    char set[16];            /* "fitting" or "held-out" where its file splits its runs; "" otherwise */
    /* Added later: the run's memory under its stated layout (llmcost_job_fit), and what its file states. */
    bool fits;               /* the memory engine's verdict */
    double required_bytes;   /* reserved + CUDA context on the most loaded GPU */
    double usable_bytes;     /* the GPU's memory less the headroom */
    bool stated_fits;        /* the file's verdict: "memory": {"fits": true} or a known miss */
    char memory[384];        /* the mechanisms the run's memory uses beyond its recipe, or the known miss's missing
                                mechanism, as the file names them */
} llmcost_published;

/*
 * Predicts every reported figure of the bundled published runs. *out is a new array of *n entries freed with
 * llmcost_free(). Fails with the message of the first run that cannot be computed.
 */
int llmcost_train_published(llmcost_published **out, size_t *n);

/*
 * As llmcost_train_published, for the runs of one bundled file (a data path such as
 * "data/validation/runs_scale.json") whose "set" is "set" ("fitting", "held-out"; NULL for every run).
 */
int llmcost_train_published_file(llmcost_published **out, size_t *n, const char *file, const char *set);

#ifdef __cplusplus
}
#endif

#endif
