/* flops_internal.h - the FLOPs engine's op list in segments, for the engines that cost ops (library-internal). */
#ifndef LLMCOST_FLOPS_INTERNAL_H
#define LLMCOST_FLOPS_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "llmcost/flops.h"

/*
 * The ops of one step made once per DISTINCT decoder layer: segment 0 holds the ops before the layers (embedding,
 * rotary tables), segments 1 .. nseg-2 one distinct layer each (its ops carry the index of the first layer like
 * it), segment nseg-1 the ops after the layers (final norm, head, loss). Layer i runs the ops of segment
 * layer_seg[i]. Llama-3.1-405B's 126 equal layers are one segment; Gemma 3's local and global layers two.
 * Segment k is ops[begin[k]] .. ops[begin[k+1] - 1].
 */
typedef struct lc_op_segments {
    llmcost_op *ops;
    size_t *begin;      /* nseg + 1 offsets */
    size_t nseg;
    int32_t *layer_seg; /* n_layers entries */
} lc_op_segments;

int lc_flops_segments(lc_op_segments *out, const llmcost_model *m, const llmcost_flops_options *opt);
void lc_op_segments_free(lc_op_segments *sg);

/* llmcost_flops_compute's sums over the segments, every op added in execution order (the same digits as adding
 * the full list). */
int lc_flops_sum(llmcost_flops *out, const lc_op_segments *sg, const llmcost_model *m, const llmcost_flops_options *opt);

/* Only the totals of lc_flops_sum (tokens, forward, backward, recompute, model and hardware FLOPs, per token), the
 * same digits, for the step engine; the other fields are 0. */
int lc_flops_totals(llmcost_flops *out, const lc_op_segments *sg, const llmcost_model *m, const llmcost_flops_options *opt);

/* The attention block an attention op of "m" runs: its layer's, or, in a layer without attention of its own that
 * invokes a shared transformer block (Zamba2's hybrid layers), the shared block's; NULL for an op outside the
 * layers. */
static inline const llmcost_attention *lc_op_attention(const llmcost_model *m, const llmcost_op *op)
{
    if (op->layer < 0 || op->layer >= m->n_layers)
        return NULL;
    const llmcost_layer *L = &m->layers[op->layer];
    if (L->attn.n_heads == 0 && L->shared_block && m->shared.n_blocks > 0)
        return &m->shared.attn;
    return &L->attn;
}

#endif
