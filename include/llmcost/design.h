/* design.h - a concrete model for a parameter budget: LLaMA-form shapes whose exact count is close to N. */
#ifndef LLMCOST_DESIGN_H
#define LLMCOST_DESIGN_H

#include <stdint.h>

#include "common.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The shape rules (docs/formulas.md, "A model for N parameters"). */
typedef struct llmcost_design_options {
    unsigned int version; /* LLMCOST_DESIGN_OPTIONS_VERSION, set by the _INIT macro or the _init() function */
    int64_t vocab;           /* vocabulary; 32000 is LLaMA's tokenizer, as in the course's config */
    int64_t head_dim;        /* width of each attention head (LLaMA, Llama 2/3: 128) */
    int64_t hidden_multiple; /* hidden size is a multiple of this (128) */
    int64_t ffn_multiple;    /* intermediate size: 8/3 hidden rounded up to a multiple of this (LLaMA: 256) */
    double aspect;           /* preferred hidden / layers (LLaMA-7B 4096/32, GPT-3 12288/96: 128) */
    double tolerance;        /* largest |count / N - 1| accepted (0.02) */
    int64_t seq;             /* max_position_embeddings written into the config (2048) */
} llmcost_design_options;

#define LLMCOST_DESIGN_OPTIONS_VERSION 1
#define LLMCOST_DESIGN_OPTIONS_INIT                                                                               \
    {.version = LLMCOST_DESIGN_OPTIONS_VERSION, .vocab = 32000, .head_dim = 128, .hidden_multiple = 128,         \
     .ffn_multiple = 256, .aspect = 128.0, .tolerance = 0.02, .seq = 2048}

/* Fills "opts" with the defaults of LLMCOST_DESIGN_OPTIONS_INIT. Returns 0, or LLMCOST_EINVAL when "opts" is NULL. */
int llmcost_design_options_init(llmcost_design_options *opts);

typedef struct llmcost_design {
    double target;           /* the N asked for */
    int64_t hidden, layers, heads, kv_heads, intermediate, vocab, seq;
    int64_t n_params;        /* exact count of the design, from the params engine */
    double error;            /* n_params / target - 1 */
    double aspect;           /* hidden / layers */
} llmcost_design;

/*
 * Chooses a LLaMA-form decoder (SwiGLU MLP, RMSNorm, RoPE, untied head, one key/value head per query head) whose
 * exact parameter count is within opt->tolerance of "n_params": among the shapes within half the tolerance (else
 * within it) the one whose hidden/layers is closest to opt->aspect. Fails with LLMCOST_EINVAL when no shape fits
 * (N too small for the vocabulary's embeddings, or beyond 2^53).
 */
int llmcost_design_llama(llmcost_design *out, double n_params, const llmcost_design_options *opt);

/* The design as an HF config.json (LLaMA form); *out is a new NUL-terminated string freed with llmcost_free(). */
int llmcost_design_config(char **out, const llmcost_design *d);

#ifdef __cplusplus
}
#endif

#endif
