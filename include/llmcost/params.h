/* params.h - exact parameter counts, by component, equal to the PyTorch implementation's num_parameters(). */
#ifndef LLMCOST_PARAMS_H
#define LLMCOST_PARAMS_H

#include <stdint.h>

#include "model.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
    LLMCOST_PC_EMBEDDING,          /* token embedding (and OPT-350m's projections in and out of it) */
    LLMCOST_PC_POSITION_EMBEDDING, /* learned position table */
    LLMCOST_PC_ATTENTION,          /* q/k/v/o (or MLA's projections), their biases, qk-norms, MLA's norms, sinks;
                                      state-space mixers (Mamba's in_proj ... out_proj) */
    LLMCOST_PC_MLP,                /* dense feed-forward layers */
    LLMCOST_PC_ROUTED_EXPERTS,     /* all routed experts */
    LLMCOST_PC_SHARED_EXPERTS,     /* shared experts and their gate */
    LLMCOST_PC_ROUTER,             /* routers (gates) of MoE layers */
    LLMCOST_PC_NORMS,              /* per-layer hidden-width norms and the final norm */
    LLMCOST_PC_LM_HEAD,            /* output projection, 0 when tied */
    LLMCOST_PC_COUNT
} llmcost_param_component;

/* Parameters of one layer, split as the engines need them. */
typedef struct llmcost_layer_params {
    int64_t attention;
    int64_t mlp;            /* dense MLP */
    int64_t routed_experts; /* all routed experts of the layer */
    int64_t expert;         /* one routed expert */
    int64_t shared_experts;
    int64_t router;
    int64_t norms;
    int64_t total;
    int64_t active;         /* per token: routed experts counted top_k/n_experts */
} llmcost_layer_params;

typedef struct llmcost_params {
    int64_t components[LLMCOST_PC_COUNT];
    int64_t total;          /* every nn.Parameter of the model without MTP modules */
    int64_t active;         /* parameters one token passes through: routed experts count top_k of n_experts */
    int64_t embedding;      /* token + position embedding */
    int64_t non_embedding;  /* total - embedding (Kaplan et al. 2020 exclude embedding and position tables) */
    int64_t buffers;        /* persistent non-parameter tensors stored in the checkpoint (router score biases) */
    int64_t mtp;            /* multi-token-prediction modules, unique parameters (embedding and head shared) */
    int64_t mtp_with_copies;/* MTP as the checkpoint stores it, with its own embedding and head copies */
    int64_t per_layer_max;  /* the largest layer's parameters */
} llmcost_params;

/* Counts "m"'s parameters into "out". Fails with LLMCOST_EOVERFLOW if a count would not fit in 64 bits. */
int llmcost_params_count(llmcost_params *out, const llmcost_model *m);

/* Counts one layer "l" of model "m" (hidden width and norm kind come from "m"). Same failure as above. */
int llmcost_params_layer(llmcost_layer_params *out, const llmcost_model *m, const llmcost_layer *l);

/* Component name as used in JSON and tables ("embedding", "routed_experts", ...). */
const char *llmcost_param_component_name(llmcost_param_component c);

#ifdef __cplusplus
}
#endif

#endif
