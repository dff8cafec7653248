/* budget.h - what a budget buys: the GPU giving the most effective FLOPs per dollar, the compute C it buys, and
 * C split into the compute-optimal parameters N and tokens D of a scaling law; and the course's questions
 * (UCSD CSE 234 pa3 part 2: one layer's FLOPs and memory, the $ budget's GPU, C, N and D).
 *
 * The API:
 *   llmcost_budget_options o; llmcost_budget_options_init(&o);    (or = LLMCOST_BUDGET_OPTIONS_INIT)
 *   o.question = LLMCOST_BUDGET_DOLLARS; o.dollars = 5e6; ...
 *   llmcost_budget *b; llmcost_budget_compute(&b, &o);            the plan, every candidate GPU, every law
 *   llmcost_budget_to_json(&text, b)  (output.h)                  what `llmcost budget --format json` prints
 *   llmcost_budget_free(b);
 *   llmcost_course_budget(&b, dollars)                             the course's budget question
 *   llmcost_course_model(&c, model, seq)                           the course's model questions: parameters, and
 *                                                                  one layer's forward FLOPs and fp16 memory
 * Messages name the option's field ("gpus: 'z9000' is not in the GPU catalogue"); a front end maps them to its
 * own names. Threading: the functions read only their arguments and the (read-only) bundled tables.
 */
#ifndef LLMCOST_BUDGET_H
#define LLMCOST_BUDGET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common.h"
#include "design.h"
#include "hardware.h"
#include "job.h"
#include "memory.h"
#include "model.h"
#include "scaling.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The question asked; each reads the option field named in brackets. */
typedef enum {
    LLMCOST_BUDGET_DOLLARS,       /* a budget in dollars [dollars]: C = dollars x the best GPU's FLOPs per dollar */
    LLMCOST_BUDGET_FLOPS,         /* a compute budget [flops] */
    LLMCOST_BUDGET_GPU_HOURS,     /* GPU-hours [gpu_hours] on the GPU with the most effective FLOP/s */
    LLMCOST_BUDGET_PARAMS,        /* the D for which N [n_params] is compute-optimal */
    LLMCOST_BUDGET_TOKENS,        /* the N for which D [n_tokens] is compute-optimal */
    LLMCOST_BUDGET_PARAMS_TOKENS, /* loss and cost of N [n_params] trained on D [n_tokens] */
    LLMCOST_BUDGET_TARGET_LOSS,   /* the smallest budget whose optimal model reaches [target_loss] */
    LLMCOST_BUDGET_QUESTION_COUNT
} llmcost_budget_question;

/* "dollars", "flops", "gpu_hours", "params", "tokens", "params_tokens", "target_loss" (the JSON "question"). */
const char *llmcost_budget_question_name(llmcost_budget_question q);

typedef struct llmcost_budget_options {
    unsigned int version;            /* LLMCOST_BUDGET_OPTIONS_VERSION, set by the _INIT macro or the _init() function */
    llmcost_budget_question question;
    double dollars;                  /* the question's number (only the fields the question reads are used) */
    double flops;
    double gpu_hours;
    double n_params;
    double n_tokens;
    double target_loss;
    const llmcost_law *law;          /* NULL: the bundled "chinchilla" */
    const llmcost_catalog *catalog;  /* GPUs and price lists; NULL: the process default */
    const char *gpus;                /* candidates, comma-separated names ("a100,v100"); NULL: every catalogue GPU
                                        with a price and a bf16 (else fp16) peak (with price_list: every entry of the list) */
    const char *price_list;          /* a named price list ("course"); NULL: the catalogue's prices and 16-bit peaks */
    double price_per_hour;           /* > 0: every candidate's price, USD per GPU-hour */
    const char *price_source;        /* where price_per_hour comes from, for the results (NULL: "price_per_hour") */
    double peak_flops;               /* > 0: every candidate's dense peak, FLOP/s */
    double mfu;                      /* model FLOPs utilisation of every candidate (0.4, the course's) */
    bool model_mfu;                  /* instead, each candidate's MFU from the step model (llmcost_budget_mfu_job) */
    int64_t gpu_count;               /* GPUs training at once, for the wall-clock and model_mfu's layout */
    int64_t vocab;                   /* vocabulary of the designed model (model_mfu, design); at most 2^24 */
    bool design;                     /* also design a LLaMA-form model of about N (llmcost_design_llama) */
} llmcost_budget_options;

#define LLMCOST_BUDGET_OPTIONS_VERSION 1
#define LLMCOST_BUDGET_OPTIONS_INIT                                                                              \
    {.version = LLMCOST_BUDGET_OPTIONS_VERSION, .question = LLMCOST_BUDGET_DOLLARS, .mfu = 0.4, .gpu_count = 1024, \
     .vocab = 32000}

/* Fills "opts" with the defaults of LLMCOST_BUDGET_OPTIONS_INIT. Returns 0, or LLMCOST_EINVAL when "opts" is NULL. */
int llmcost_budget_options_init(llmcost_budget_options *opts);

/* The most candidates a budget compares. */
#define LLMCOST_BUDGET_MAX_GPUS 64

/* One candidate GPU and what the question comes to on it. Strings are owned by the result. */
typedef struct llmcost_budget_gpu {
    const char *name;                  /* catalogue name ("a100-80gb") */
    const char *full_name;             /* "NVIDIA A100 SXM4 80GB" */
    const char *price_source;          /* where its price comes from */
    double peak_flops;                 /* FLOP/s the price list or catalogue gives (bf16/fp16 dense) */
    double price_per_hour;             /* USD per GPU-hour */
    double mfu;
    double effective_flops_per_second; /* peak x MFU */
    double flops_per_usd;              /* effective FLOP/s x 3600 / price */
    int answer_rc;                     /* 0, or why the question has no answer on this GPU (answer_error) */
    const char *answer_error;
    llmcost_allocation answer;         /* the question answered on this GPU under the law */
    double cost_usd, gpu_hours, wall_seconds;
} llmcost_budget_gpu;

/* The same question under one bundled law, costed on the best GPU. */
typedef struct llmcost_budget_law {
    const llmcost_law *law;
    int rc;                            /* 0, or why it has no answer (error) */
    const char *error;
    llmcost_allocation answer;
    double cost_usd;
} llmcost_budget_law;

typedef struct llmcost_budget {
    llmcost_budget_question question;
    double dollars, gpu_hours_given, target_loss; /* the question's number, as asked */
    bool model_mfu;
    llmcost_law law;                   /* the law used */
    int n_gpus;
    llmcost_budget_gpu *gpus;          /* the candidates compared */
    int best;                          /* index of the chosen one: most FLOPs per dollar (gpu_hours: most FLOP/s) */
    /* The answer, on the best GPU: */
    llmcost_allocation answer;         /* N, D, C = 6ND, loss, D/N */
    double flops;                      /* C */
    double cost_usd;
    double gpu_hours;
    int64_t gpu_count;
    double wall_seconds;               /* gpu_hours x 3600 / gpu_count */
    int n_laws;
    llmcost_budget_law *laws;          /* every bundled law answering the same question */
    bool designed;
    llmcost_design design;             /* with options.design: the model of about N */
    /* With model_mfu: does the job of the best GPU's MFU fit it (the memory engine on llmcost_budget_mfu_job). */
    bool fit_checked;
    llmcost_job job;                   /* that job, validated */
    llmcost_job_fit_result fit;        /* fits, peak_bytes, capacity_bytes, and the changes that make it fit */
    bool has_fit_job;                  /* when it does not fit: changes together that make it fit on gpu_count GPUs */
    llmcost_job fit_job;
    void *strings;                     /* private: storage of the strings above (llmcost_budget_free) */
} llmcost_budget;

/*
 * Answers the question: the candidates (each checked against the catalogue), their effective FLOP/s and FLOPs per
 * dollar, the best one, C, the law's N and D, cost, GPU-hours and wall-clock, and every bundled law's answer.
 * With model_mfu each candidate's MFU is the step model's for the model the question leads to on it: budget
 * questions iterate (the MFU sets C, C sets N, N sets the MFU) until the MFU moves by less than 0.1% (8 rounds
 * at most). Fails with LLMCOST_EINVAL naming the field (gpus, price_list, dollars, ...), LLMCOST_EOVERFLOW when
 * the answer overflows a double, or the design and step engines' errors. *out is NULL on failure.
 */
int llmcost_budget_compute(llmcost_budget **out, const llmcost_budget_options *o);
void llmcost_budget_free(llmcost_budget *b);

/*
 * The job whose step gives model_mfu's MFU: a LLaMA-form model of about "n_params" (llmcost_design_llama with
 * "vocab"), fully sharded data parallelism (ZeRO-3) over "gpu_count" GPUs, Megatron-style fused kernels, bf16
 * with fp32 master weights, selective recomputation, sequence 2048, micro-batch 1. *model is new (free it with
 * llmcost_model_free()).
 */
int llmcost_budget_mfu_job(llmcost_model **model, llmcost_job *job, double n_params, int64_t gpu_count, int64_t vocab);

/* ---- The course (shared/reference/assignment.md) ---- */

/* The course's budget question: its price list "course", 40% MFU on every GPU, its law "course" (beta 0.29). */
int llmcost_course_budget(llmcost_budget **out, double dollars);

/* A GPU's name as the course wrote it: its shortest name or alias, upper-cased ("a100-80gb" -> "A100"). */
void llmcost_course_gpu_name(char *buf, size_t size, const char *name);

/* One decoder layer's course answers. */
typedef struct llmcost_course_layer_answer {
    int64_t layer;               /* index of the decoder layer */
    bool moe;                    /* its kind: a mixture-of-experts layer (true) or a dense one */
    int64_t same_kind;           /* how many of the model's decoder layers are of this kind */
    double forward_flops;        /* its forward at batch 1: matrix products only, attention unmasked */
    llmcost_course_layer memory; /* its fp16 forward with a checkpoint at each layer boundary */
    double answer_bytes;         /* the course's answer: memory.weights_bytes + memory.checkpoint_bytes */
} llmcost_course_layer_answer;

typedef struct llmcost_course_answers {
    int64_t n_params;            /* parameters (llmcost_params.total) */
    int64_t seq;                 /* the sequence used */
    bool seq_assumed;            /* the model has no training length: 2048 was assumed */
    llmcost_course_layer_answer layer; /* THE course's "one layer": the model's typical layer, an MoE layer when it
                                          has any (DeepSeek-V3: 58 of 61), else layer 0 */
    bool has_other;              /* the model has layers of both kinds */
    llmcost_course_layer_answer other; /* then the first layer of the other kind (DeepSeek-V3: dense layer 0) */
} llmcost_course_answers;

/*
 * The course's model questions, what `llmcost --model_config` prints and `llmcost memory --course-layer` reports:
 * parameters, one layer's forward FLOPs and fp16 memory at batch 1 and sequence "seq" (0: the course staff's
 * ruling, the model's training length, max_sequence_length, else 2048).
 */
int llmcost_course_model(llmcost_course_answers *out, const llmcost_model *m, int64_t seq);

#ifdef __cplusplus
}
#endif

#endif
