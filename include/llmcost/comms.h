/* comms.h - time of collective and point-to-point communication, ring and tree, inside and across nodes. */
#ifndef LLMCOST_COMMS_H
#define LLMCOST_COMMS_H

#include <stdbool.h>
#include <stdint.h>

#include "common.h"
#include "hardware.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
    LLMCOST_COLL_ALL_REDUCE,     /* every rank ends with the sum of every rank's buffer */
    LLMCOST_COLL_REDUCE_SCATTER, /* every rank ends with 1/n of the summed buffer */
    LLMCOST_COLL_ALL_GATHER,     /* every rank ends with the concatenation of every rank's 1/n */
    LLMCOST_COLL_ALL_TO_ALL,     /* every rank sends a distinct 1/n of its buffer to every rank */
    LLMCOST_COLL_P2P,            /* one rank sends its buffer to one other */
    LLMCOST_COLL_COUNT
} llmcost_collective;

typedef enum {
    LLMCOST_ALGO_AUTO, /* the faster of ring and tree (what NCCL's tuner picks by size) */
    LLMCOST_ALGO_RING,
    LLMCOST_ALGO_TREE  /* double binary tree (Sanders et al. 2009; NCCL 2.4): all-reduce only */
} llmcost_comm_algo;

/*
 * A communicator: "size" ranks of which "per_domain" share each scale-up domain (node). per_domain = size when
 * the group fits in one node, 1 when every rank sits in a different node. size must be a multiple of per_domain.
 */
typedef struct llmcost_comm_group {
    int64_t size;
    int64_t per_domain;
} llmcost_comm_group;

/* Fractions of the links' peak that collectives reach, and per-step latencies. */
typedef struct llmcost_comm_options {
    unsigned int version; /* LLMCOST_COMM_OPTIONS_VERSION, set by the _INIT macro or the _init() function */
    llmcost_comm_algo algo;
    double scaleup_efficiency;  /* NVLink busbw / one-way peak (0.8: nccl-tests on H100, 360-380 of 450 GB/s): the
                                   plateau; smaller messages reach less of it where the GPU has a measured curve */
    double scaleout_efficiency; /* network busbw / line rate (0.9: InfiniBand NDR in nccl-tests) */
    double scaleup_latency;     /* seconds per ring step inside a node */
    double scaleout_latency;    /* seconds per ring step across nodes */
} llmcost_comm_options;

#define LLMCOST_COMM_OPTIONS_VERSION 1
#define LLMCOST_COMM_OPTIONS_INIT                                                                                 \
    {.version = LLMCOST_COMM_OPTIONS_VERSION, .algo = LLMCOST_ALGO_AUTO, .scaleup_efficiency = 0.8,              \
     .scaleout_efficiency = 0.9, .scaleup_latency = 3e-6, .scaleout_latency = 8e-6}

/* Fills "opts" with the defaults of LLMCOST_COMM_OPTIONS_INIT (for callers without the C preprocessor). Returns 0,
 * or LLMCOST_EINVAL when "opts" is NULL. */
int llmcost_comm_options_init(llmcost_comm_options *opts);

typedef struct llmcost_comm_cost {
    double seconds;           /* the whole collective */
    double latency_seconds;   /* of which latency terms */
    double scaleup_bytes;     /* bytes each rank sends over the scale-up link */
    double scaleout_bytes;    /* bytes each rank sends over the network */
    llmcost_comm_algo algo;   /* the algorithm used (ring or tree) */
} llmcost_comm_cost;

/*
 * Time of collective "c" over group "g" on accelerator "gpu". Ring and tree collectives (all-reduce, reduce-scatter,
 * all-gather) run each link at the fraction of its plateau that NCCL reaches for the bytes it carries, from the
 * measured nccl-tests curve of the catalogue GPU of that name (data/calibration/nccl_busbw.json: H100, H200, H800),
 * interpolated in log size; other GPUs, all-to-all and point-to-point are plain alpha-beta (docs/formulas.md). "bytes" is the size of the whole buffer on one
 * rank: the input of all-reduce and reduce-scatter, the output of all-gather, what one rank sends in all (to
 * all ranks, itself included) for all-to-all, the message for point-to-point. For P2P, "g" describes the pair:
 * per_domain 2 inside a node, 1 across nodes. A group of one rank costs nothing. Fails with LLMCOST_EINVAL for a
 * bad group or negative bytes.
 */
int llmcost_comm_time(llmcost_comm_cost *out, const llmcost_gpu *gpu, llmcost_collective c, double bytes,
                      const llmcost_comm_group *g, const llmcost_comm_options *opt);

/*
 * The group of a parallel dimension of "size" ranks whose consecutive ranks are "stride" global ranks apart
 * (tensor parallel: stride 1; data parallel after tp and cp: stride tp*cp), in nodes of "domain" GPUs.
 */
llmcost_comm_group llmcost_comm_group_of(int64_t size, int64_t stride, int64_t domain);

const char *llmcost_collective_name(llmcost_collective c);
const char *llmcost_comm_algo_name(llmcost_comm_algo a);

#ifdef __cplusplus
}
#endif

#endif
