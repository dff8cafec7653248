/* planner.c - the layout search behind `llmcost plan`: every layout of a job enumerated, those that fit scored by
 * the step engine, the best kept. The memory and step engines answer every question; this file only enumerates,
 * prunes what cannot fit, and ranks. */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"
#include "llmcost/job.h"
#include "llmcost/output.h"
#include "llmcost/plan.h"
#include "llmcost/request.h"
#include "llmcost/train.h"

/* A plan change names its GPU by copying llmcost_gpu.name: the field holds every name, so none is cut. */
_Static_assert(sizeof ((llmcost_plan_change *)0)->gpu >= sizeof ((llmcost_gpu *)0)->name, "plan change gpu too small");

const char *llmcost_plan_reject_name(llmcost_plan_reject r)
{
    static const char *const names[LLMCOST_PLAN_REJ_COUNT] = {"memory", "batch", "layout"};
    return (unsigned)r < LLMCOST_PLAN_REJ_COUNT ? names[r] : "?";
}

const char *llmcost_plan_bind_name(llmcost_plan_bind b)
{
    static const char *const names[LLMCOST_PLAN_BIND_COUNT] = {"compute", "tp_comm",  "cp_comm",        "ep_comm",
                                                               "pp_comm", "dp_comm", "pipeline_bubble"};
    return (unsigned)b < LLMCOST_PLAN_BIND_COUNT ? names[b] : "?";
}

void llmcost_plan_options_init(llmcost_plan_options *opts)
{
    llmcost_plan_options d = LLMCOST_PLAN_OPTIONS_INIT;
    *opts = d;
}

/* Bytes of the options struct each version has: what a caller of that version allocated. */
static size_t options_size(unsigned version)
{
    switch (version) {
    case 0: /* refused by the search; read no more than version 1 has */
    case 1:
        return offsetof(llmcost_plan_options, act_cache);
    case 2:
        return offsetof(llmcost_plan_options, catalog);
    case 3:
        return offsetof(llmcost_plan_options, finetune);
    case 4:
        return offsetof(llmcost_plan_options, moe_dispatcher);
    case 5: /* ends before the CP implementation (a version-5 caller allocated no more) */
        return offsetof(llmcost_plan_options, cp_comm);
    case 6:
        return offsetof(llmcost_plan_options, gpu_file);
    default:
        return sizeof(llmcost_plan_options);
    }
}

void lc_plan_options_copy(llmcost_plan_options *dst, const llmcost_plan_options *src)
{
    llmcost_plan_options_init(dst);
    memcpy(dst, src, options_size(src->version));
}

/* ---- the search space ---- */

#define MAX_VALUES 1024 /* values of one dimension; a count with more divisors is refused, not cut */

typedef struct {
    int64_t v[MAX_VALUES];
    int n;
} values;

static _Thread_local bool too_many; /* a dimension had more than MAX_VALUES values */

static void push(values *s, int64_t v)
{
    if (s->n < MAX_VALUES)
        s->v[s->n++] = v;
    else
        too_many = true;
}

/* The divisors of "n" (ascending), or only "fixed" when it is set and divides "n". */
static void divisors(values *out, int64_t n, int64_t fixed)
{
    out->n = 0;
    if (fixed != LLMCOST_PLAN_ANY) {
        if (fixed >= 1 && n % fixed == 0)
            push(out, fixed);
        return;
    }
    for (int64_t d = 1; d <= n / d; d++)
        if (n % d == 0)
            push(out, d);
    /* the cofactors of the small ones, ascending */
    for (int i = out->n - 1; i >= 0; i--) {
        int64_t q = n / out->v[i];
        if (q != out->v[i])
            push(out, q);
    }
}

static int64_t gcd64(int64_t a, int64_t b)
{
    while (b) {
        int64_t t = a % b;
        a = b;
        b = t;
    }
    return a;
}

/* One group: everything fixed but ZeRO, recomputation, micro-batch and the overlaps (memory does not depend on the
 * overlaps; the micro-batch, recomputation and ZeRO stage are the dimensions memory is monotone in). */
typedef struct {
    size_t gpu;
    int64_t tp, cp, pp, dp, ep, etp, vpp;
    bool sp;
} group;

typedef struct {
    group *v;
    size_t n, cap;
    int64_t batch_rejected; /* (GPU type, tp, cp, pp) whose dp does not divide the global batch */
} group_list;

static int add_group(group_list *g, const group *x)
{
    if (g->n == g->cap) {
        size_t cap = g->cap ? 2 * g->cap : 256;
        group *v = realloc(g->v, cap * sizeof *v);
        if (!v)
            return lc_fail(LLMCOST_ENOMEM, "out of memory");
        g->v = v;
        g->cap = cap;
    }
    g->v[g->n++] = *x;
    return 0;
}

typedef struct {
    const llmcost_model *m;
    const llmcost_plan_options *o;
    int64_t batch;          /* sequences per step */
    int64_t heads_gcd;      /* gcd of the layers' query heads */
    int64_t experts_gcd;    /* gcd of the MoE layers' routed experts; 0 for a dense model */
    int64_t expert_ff_gcd;  /* gcd of the MoE layers' expert widths (d_ff) */
    /* Prepared steps (step.h), one per recomputation mode and micro-batch (a divisor of the batch), made when first
     * needed and shared by the threads. */
    values *mbs_all;
    llmcost_step_prepared **prep; /* [recompute * mbs_all->n + index of the micro-batch] */
    pthread_mutex_t *lock;
    const llmcost_memory_prepared *memory; /* the prepared memory engine (every layout of a search shares it) */
    /* llmcost_plan_nearest's bounded searches: with max_changes >= 0 only the layouts changing at most that many
     * fields from o->reference are judged (the rest are not layouts of this search, and are not counted). */
    int max_changes;
    const llmcost_job *savers; /* the memory savers every layout is sized with (options version 5), or NULL: none */
    bool ring_window; /* the CP implementation is a ring (p2p, torch) and a layer's window is shorter than seq: every
                         layout with cp > 1 is refused (lc_cp_window_check), rejected by "layout" */
} space;

/* Fields of a group (tp, pp, vpp, cp, ep, expert tp, sequence parallelism) that differ from the reference. */
static int group_changes(const llmcost_plan_layout *ref, const group *g)
{
    const llmcost_layout *a = &ref->layout;
    return (a->tp != g->tp) + (a->pp != g->pp) + (a->vpp != g->vpp) + (a->cp != g->cp) + (a->ep != g->ep) +
           (ref->expert_tp != g->etp) + (a->sequence_parallel != g->sp);
}

static int enumerate(group_list *out, const space *sp)
{
    const llmcost_plan_options *o = sp->o;
    const llmcost_model *m = sp->m;
    int64_t n = o->gpus;
    values tps, cps, pps, eps, etps, vpps, wider;
    for (size_t gi = 0; gi < o->n_gpu_types; gi++) {
        divisors(&tps, n, o->tp);
        for (int a = 0; a < tps.n; a++) {
            int64_t tp = tps.v[a];
            if (o->tp == LLMCOST_PLAN_ANY && sp->heads_gcd % tp != 0)
                continue; /* tp must divide the heads: not a layout of this model */
            divisors(&cps, n / tp, o->cp);
            for (int b = 0; b < cps.n; b++) {
                int64_t cp = cps.v[b];
                if (o->cp == LLMCOST_PLAN_ANY && (o->seq % cp != 0 || (cp > 1 && m->n_ssm > 0)))
                    continue; /* cp must divide the sequence, and a state-space mixer's scan is not split */
                divisors(&pps, n / tp / cp, o->pp);
                for (int c = 0; c < pps.n; c++) {
                    int64_t pp = pps.v[c];
                    if (o->pp == LLMCOST_PLAN_ANY && pp > m->n_layers)
                        continue;
                    int64_t dp = n / tp / cp / pp;
                    if (o->dp != LLMCOST_PLAN_ANY && dp != o->dp)
                        continue;
                    if (sp->batch % dp != 0) {
                        out->batch_rejected++;
                        continue;
                    }
                    if (sp->experts_gcd > 0) {
                        /* Expert TP: the divisors of tp (each expert split inside the TP group), then the groups
                         * wider than TP that Megatron-Core allows (expert_tensor_parallel_size set on its own: the
                         * experts' etp x ep x expert-DP grid tiles the stage's tp x cp x dp ranks), the multiples of
                         * tp dividing the stage whose split of the experts' width is whole (Megatron's
                         * ColumnParallelLinear divides moe_ffn_hidden_size by etp); Megatron's profile only (the
                         * job's rule). */
                        divisors(&etps, tp, LLMCOST_PLAN_ANY);
                        divisors(&wider, o->framework == LLMCOST_FW_MEGATRON ? cp * dp : 1, LLMCOST_PLAN_ANY);
                        for (int k = 1; k < wider.n; k++)
                            if (sp->expert_ff_gcd % (tp * wider.v[k]) == 0)
                                push(&etps, tp * wider.v[k]);
                        if (o->etp != LLMCOST_PLAN_ANY) { /* given: only it, when it is one of them */
                            int kept = 0;
                            for (int k = 0; k < etps.n; k++)
                                if (etps.v[k] == o->etp)
                                    kept = 1;
                            etps.n = 0;
                            if (kept || (o->etp > tp && (tp * cp * dp) % o->etp == 0))
                                push(&etps, o->etp);
                        }
                    } else {
                        etps.n = 1;
                        etps.v[0] = o->etp == LLMCOST_PLAN_ANY ? 1 : o->etp;
                    }
                    /* Virtual stages: each stage's layers in equal chunks (the largest stage's count divisible). */
                    if (pp == 1 && o->vpp == LLMCOST_PLAN_ANY) {
                        vpps.n = 1;
                        vpps.v[0] = 1;
                    } else {
                        divisors(&vpps, (m->n_layers + pp - 1) / pp, o->vpp);
                        if (o->vpp != LLMCOST_PLAN_ANY && vpps.n == 0) {
                            vpps.n = 1; /* given: let the engines judge it */
                            vpps.v[0] = o->vpp;
                        }
                    }
                    for (int e = 0; e < etps.n; e++) {
                        int64_t etp = etps.v[e];
                        /* MoE parallel folding (Megatron-Core; parallel_state.py: expert DP = world / (etp x ep x pp)):
                         * the experts' etp x ep x expert-DP grid tiles a stage's tp x cp x dp ranks, so ep divides
                         * tp x cp x dp / etp (and the routed experts), and may span tensor-parallel ranks. */
                        if (sp->experts_gcd > 0) {
                            divisors(&eps, gcd64(tp * cp * dp / etp, sp->experts_gcd), o->ep);
                        } else {
                            eps.n = 1;
                            eps.v[0] = o->ep == LLMCOST_PLAN_ANY ? 1 : o->ep;
                        }
                        for (int d = 0; d < eps.n; d++)
                            for (int f = 0; f < vpps.n; f++)
                                for (int s = 0; s < 2; s++) {
                                    bool spar = s == 1;
                                    if (spar && tp == 1)
                                        continue; /* no effect without tp */
                                    if (o->sequence_parallel != LLMCOST_PLAN_ANY &&
                                        spar != (o->sequence_parallel != 0) && tp > 1)
                                        continue;
                                    if (o->sequence_parallel == 1 && tp == 1 && spar)
                                        continue;
                                    /* EP inside the TP group scatters the tokens over the TP ranks: sequence
                                     * parallelism is required (lc_job_validate_digest), so the layout without it
                                     * is not one of this job. */
                                    if (!spar && tp > 1 && (dp * cp) % eps.v[d] != 0)
                                        continue;
                                    /* An expert-TP group wider than TP gathers its ranks' tokens: sequence
                                     * parallelism scatters them (the job requires it there). */
                                    if (!spar && tp > 1 && etp > tp)
                                        continue;
                                    group g = {gi, tp, cp, pp, dp, eps.v[d], etp, vpps.v[f], spar};
                                    if (sp->max_changes >= 0 && group_changes(o->reference, &g) > sp->max_changes)
                                        continue;
                                    int rc = add_group(out, &g);
                                    if (rc)
                                        return rc;
                                }
                    }
                }
            }
        }
    }
    return 0;
}

/* ---- evaluating one group ---- */

/* What the step's host-link time reads of a layout's memory (activation offload, paged optimizer states: savers_time
 * in step.c), kept from the memory pass for each candidate so that the step pass needs no second memory call. */
typedef struct {
    double reserved, context, paged, offload;
} host_link;

typedef struct {
    const space *sp;
    llmcost_plan_layout *top; /* sorted best first */
    size_t n_top, cap_top;
    llmcost_plan_layout *front;
    size_t n_front, cap_front;
    int64_t evaluated, feasible, rejected[LLMCOST_PLAN_REJ_COUNT], mem_calls, step_calls;
    llmcost_plan_layout zl[4]; /* judge_memory_zeros' layouts, one per ZeRO stage */
    host_link zh[4];           /* ... and what their steps read of their memory */
    lc_step_memo *memo;       /* what the step engine reuses between this thread's evaluations */
    llmcost_plan_layout *cand; /* layouts of the current unit that fit, before their step times */
    host_link *cand_hl;        /* cap_cand: each candidate's host_link */
    size_t n_cand, cap_cand;
    uint32_t *order, *order_tmp; /* cap_cand each: the step pass's order of cand (indices, sorted) */
    const llmcost_step_prepared *last_prep; /* the prepared step of the last step call (NULL: none yet) ... */
    int64_t last_mb;                        /* ... for this micro-batch */
    llmcost_recompute last_rec;             /* ... and this recomputation, taken without the lock */
    int err;
    char errmsg[512];
} worker;

/* Layout fields "l" changes from the reference. */
static int changes_from(const llmcost_plan_layout *ref, const llmcost_plan_layout *l)
{
    const llmcost_layout *a = &ref->layout, *b = &l->layout;
    return (a->tp != b->tp) + (a->pp != b->pp) + (a->vpp != b->vpp) + (a->cp != b->cp) + (a->ep != b->ep) +
           (ref->expert_tp != l->expert_tp) + (a->zero != b->zero) + (ref->micro_batch != l->micro_batch) +
           (ref->recompute != l->recompute) + (a->sequence_parallel != b->sequence_parallel);
}

static double score_of(const llmcost_plan_options *o, const llmcost_plan_layout *l)
{
    if (o->objective == LLMCOST_PLAN_NEAREST && o->reference)
        return changes_from(o->reference, l);
    return o->objective == LLMCOST_PLAN_COST ? l->cost_dollars : l->step_seconds;
}

/* Total order: the objective, then step time, then the simpler layout (smaller degrees, fewer options on). */
static int compare_layouts(const llmcost_plan_options *o, const llmcost_plan_layout *a, const llmcost_plan_layout *b)
{
    double sa = score_of(o, a), sb = score_of(o, b);
    if (sa != sb)
        return sa < sb ? -1 : 1;
    if (a->step_seconds != b->step_seconds)
        return a->step_seconds < b->step_seconds ? -1 : 1;
    const llmcost_layout *x = &a->layout, *y = &b->layout;
    int64_t ka[] = {(int64_t)a->gpu_type, x->tp, x->pp, x->vpp, x->cp, x->ep, a->expert_tp, x->zero,
                    (int64_t)a->recompute, -a->micro_batch, x->sequence_parallel, x->ep_overlap, x->tp_overlap};
    int64_t kb[] = {(int64_t)b->gpu_type, y->tp, y->pp, y->vpp, y->cp, y->ep, b->expert_tp, y->zero,
                    (int64_t)b->recompute, -b->micro_batch, y->sequence_parallel, y->ep_overlap, y->tp_overlap};
    for (size_t i = 0; i < sizeof ka / sizeof ka[0]; i++)
        if (ka[i] != kb[i])
            return ka[i] < kb[i] ? -1 : 1;
    return 0;
}

static int keep_top(worker *w, const llmcost_plan_layout *l)
{
    const llmcost_plan_options *o = w->sp->o;
    size_t k = w->cap_top;
    if (w->n_top == k && compare_layouts(o, l, &w->top[k - 1]) >= 0)
        return 0;
    size_t i = w->n_top < k ? w->n_top : k - 1;
    while (i > 0 && compare_layouts(o, l, &w->top[i - 1]) < 0) {
        w->top[i] = w->top[i - 1];
        i--;
    }
    w->top[i] = *l;
    if (w->n_top < k)
        w->n_top++;
    return 0;
}

/* Pareto front of (step time, cost, headroom fraction): a dominates b if no worse in all and better in one. */
static double headroom_fraction(const llmcost_plan_layout *l)
{
    return l->usable_bytes > 0 ? l->headroom_bytes / l->usable_bytes : 0;
}

static double cost_key(const llmcost_plan_layout *l)
{
    /* Without a token count the cost of a step: GPU-seconds x price. */
    return l->cost_dollars > 0 ? l->cost_dollars : l->step_seconds * (double)l->layout.gpus;
}

static bool dominates(const llmcost_plan_layout *a, const llmcost_plan_layout *b)
{
    double ta = a->step_seconds, tb = b->step_seconds, ca = cost_key(a), cb = cost_key(b);
    double ha = headroom_fraction(a), hb = headroom_fraction(b);
    return ta <= tb && ca <= cb && ha >= hb && (ta < tb || ca < cb || ha > hb);
}

static int keep_front(worker *w, const llmcost_plan_layout *l)
{
    for (size_t i = 0; i < w->n_front; i++) {
        const llmcost_plan_layout *f = &w->front[i];
        if (dominates(f, l))
            return 0;
        if (f->step_seconds == l->step_seconds && cost_key(f) == cost_key(l) &&
            headroom_fraction(f) == headroom_fraction(l) && compare_layouts(w->sp->o, f, l) <= 0)
            return 0; /* an equal one, simpler: keep it alone */
    }
    size_t j = 0;
    for (size_t i = 0; i < w->n_front; i++)
        if (!dominates(l, &w->front[i]) &&
            !(w->front[i].step_seconds == l->step_seconds && cost_key(&w->front[i]) == cost_key(l) &&
              headroom_fraction(&w->front[i]) == headroom_fraction(l)))
            w->front[j++] = w->front[i];
    w->n_front = j;
    if (w->n_front == w->cap_front) {
        size_t cap = w->cap_front ? 2 * w->cap_front : 64;
        llmcost_plan_layout *v = realloc(w->front, cap * sizeof *v);
        if (!v)
            return lc_fail(LLMCOST_ENOMEM, "out of memory");
        w->front = v;
        w->cap_front = cap;
    }
    w->front[w->n_front++] = *l;
    return 0;
}

void llmcost_plan_job_options(llmcost_step_options *step_out, llmcost_memory_options *memory_out,
                              const llmcost_plan_options *o, const llmcost_plan_layout *l)
{
    llmcost_layout L = l->layout;
    if (step_out) {
        llmcost_step_options s = LLMCOST_STEP_OPTIONS_INIT;
        s.micro_batch = l->micro_batch;
        s.seq = o->seq;
        s.global_batch = o->global_batch_tokens / o->seq;
        s.precision = o->precision;
        s.recompute = l->recompute;
        s.attention = o->attention;
        s.framework = o->framework;
        s.layout = L;
        s.comm = o->comm;
        s.optimizer = o->optimizer;
        s.expert_tp = l->expert_tp;
        if (o->version >= 5) { /* the MoE implementation (version 5) */
            s.moe_dispatcher = o->moe_dispatcher;
            s.moe_capacity_factor = o->moe_capacity_factor;
        }
        if (o->version >= 6) { /* the CP implementation, per-layer checkpointing under full recomputation (6) */
            s.cp_comm = o->cp_comm;
            s.recompute_every = l->recompute == LLMCOST_RECOMPUTE_FULL ? o->recompute_every : 0;
        }
        if (o->version >= 7) { /* the DP gradient bucket, ZeRO 0-2, and the shared-expert overlap (7) */
            s.ddp_bucket_size = L.zero >= 3 ? 0 : o->ddp_bucket_size;
            s.moe_shared_expert_overlap = o->moe_shared_expert_overlap;
        }
        *step_out = s;
    }
    if (memory_out) {
        llmcost_memory_options mo = LLMCOST_MEMORY_OPTIONS_INIT;
        mo.micro_batch = l->micro_batch;
        mo.seq = o->seq;
        mo.precision = o->precision;
        mo.optimizer = o->optimizer;
        mo.recompute = l->recompute;
        mo.attention = o->attention;
        mo.framework = o->framework;
        mo.layout = L;
        mo.layout.ep_overlap = mo.layout.tp_overlap = false; /* memory does not depend on them */
        mo.expert_tp = l->expert_tp;
        mo.micro_batches = l->micro_batches;
        mo.cuda_context_bytes = o->cuda_context_bytes;
        if (o->version >= 2) { /* the fields version 1 lacks */
            mo.act_cache = o->act_cache;
            mo.recompute_modules = o->recompute_modules;
            mo.pipeline = o->pipeline;
            mo.ema = o->ema;
            mo.fp32_grads = !o->bf16_grads;
            mo.fused_optimizer = !o->foreach_optimizer;
        }
        if (o->version >= 6) {
            mo.recompute_every = l->recompute == LLMCOST_RECOMPUTE_FULL ? o->recompute_every : 0;
            mo.cp_comm = (int)o->cp_comm;
        }
        *memory_out = mo;
    }
}

/* The search's fine-tuning (options version 4), or NULL: pre-training. */
static const llmcost_finetune *plan_finetune(const llmcost_plan_options *o)
{
    return o->version >= 4 && o->finetune.method != LLMCOST_FT_NONE ? &o->finetune : NULL;
}

/* Whether the search's CP implementation is a ring, which takes no sliding window (p2p before version 6). */
static bool plan_cp_ring(const llmcost_plan_options *o)
{
    llmcost_cp_comm c = o->version >= 6 ? o->cp_comm : LLMCOST_CP_P2P;
    return c == LLMCOST_CP_P2P || c == LLMCOST_CP_TORCH;
}

/* Whether the search sizes its layouts with memory savers (options version 5). */
static bool plan_has_savers(const llmcost_plan_options *o)
{
    return o->version >= 5 &&
           lc_saver_given(o->chunked_loss, o->optimizer_in_backward, o->activation_offload, o->compile) != NULL;
}

/* The job "j" carrying the savers of "o" (the rest at the job's defaults). */
static void savers_job(llmcost_job *j, const llmcost_plan_options *o)
{
    llmcost_job_init(j);
    j->framework = o->framework;
    j->seq = o->seq;
    j->chunked_loss = o->chunked_loss;
    j->optimizer_in_backward = o->optimizer_in_backward;
    j->activation_offload = o->activation_offload;
    j->compile = o->compile;
}

/* 1: fits, 0: does not, LLMCOST_EINVAL: the engine refuses the layout, other negative: failure. */
static int judge_memory(worker *w, llmcost_plan_layout *l)
{
    const llmcost_plan_options *o = w->sp->o;
    llmcost_memory_options mo;
    llmcost_plan_job_options(NULL, &mo, o, l);
    llmcost_memory r;
    w->mem_calls++;
    int rc = lc_memory_compute_prepared_savers(&r, w->sp->memory, &mo, plan_finetune(o), w->sp->savers);
    if (rc < 0)
        return rc;
    const llmcost_gpu *g = &o->gpu_types[l->gpu_type];
    l->peak_bytes = r.peak_bytes;
    l->reserved_bytes = r.reserved_bytes;
    l->usable_bytes = g->memory_bytes * (1 - o->headroom) - o->cuda_context_bytes;
    l->headroom_bytes = l->usable_bytes - r.reserved_bytes;
    return g->memory_bytes > 0 && r.reserved_bytes <= l->usable_bytes ? 1 : 0;
}

/* judge_memory of "l" at each of the n ZeRO stages zs[]: rcs[k] as judge_memory gives it, w->zl[k] the layout
 * judged; returns 0 or a failure. One memory-engine call walks the layers for all of them. */
static int judge_memory_zeros(worker *w, const llmcost_plan_layout *l, const int *zs, int n, int *rcs)
{
    const llmcost_plan_options *o = w->sp->o;
    llmcost_memory_options mo;
    llmcost_plan_job_options(NULL, &mo, o, l);
    llmcost_memory r[4];
    w->mem_calls += n;
    int rc = lc_memory_compute_prepared_zeros_savers(r, rcs, w->sp->memory, &mo, plan_finetune(o), w->sp->savers, zs, n);
    if (rc < 0)
        return rc;
    const llmcost_gpu *g = &o->gpu_types[l->gpu_type];
    for (int k = 0; k < n; k++) {
        llmcost_plan_layout *z = &w->zl[k];
        *z = *l;
        z->layout.zero = zs[k];
        if (rcs[k] < 0)
            continue;
        z->peak_bytes = r[k].peak_bytes;
        z->reserved_bytes = r[k].reserved_bytes;
        w->zh[k] = (host_link){r[k].reserved_bytes, r[k].cuda_context_bytes, r[k].paged_optimizer_bytes,
                               r[k].offload_copy_bytes};
        z->usable_bytes = g->memory_bytes * (1 - o->headroom) - o->cuda_context_bytes;
        z->headroom_bytes = z->usable_bytes - r[k].reserved_bytes;
        rcs[k] = g->memory_bytes > 0 && r[k].reserved_bytes <= z->usable_bytes ? 1 : 0;
    }
    return 0;
}

static int fill_from_step(const llmcost_plan_options *o, llmcost_plan_layout *l, const llmcost_step *s,
                          const llmcost_model *m)
{
    l->step_seconds = s->step_seconds;
    l->mfu = s->mfu;
    l->tokens_per_second = s->tokens_per_second;
    l->layout = s->layout;
    if (o->tokens > 0) {
        /* As llmcost_train_compute with its default goodput: whole steps, time lost to failures at Llama 3's
         * interruption rate (llmcost_train_failure_goodput), checkpoint saves and the warm-up (lc_run_time_modelled,
         * every option at its default). */
        double steps = ceil(o->tokens / s->tokens_per_step), state;
        llmcost_step_options so;
        llmcost_plan_job_options(&so, NULL, o, l);
        llmcost_job j;
        llmcost_job_from_step_options(&j, &so);
        if (plan_finetune(o)) /* adapters: the checkpoint holds them, not the frozen base */
            j.finetune = *plan_finetune(o);
        int rc = lc_checkpoint_bytes(&state, m, s, &j);
        if (rc)
            return rc;
        lc_run_time rt;
        lc_run_time_modelled(&rt, steps * s->step_seconds, s->layout.gpus, state, 0, 0, 0);
        l->gpu_hours = rt.wall * (double)s->layout.gpus / 3600.0;
        l->cost_dollars = l->gpu_hours * o->gpu_types[l->gpu_type].price_per_hour;
    }
    double parts[LLMCOST_PLAN_BIND_COUNT] = {0};
    for (int k = LLMCOST_ST_MATMUL; k <= LLMCOST_ST_OPTIMIZER; k++)
        parts[LLMCOST_PLAN_BIND_COMPUTE] += s->components[k];
    parts[LLMCOST_PLAN_BIND_TP] = s->components[LLMCOST_ST_TP_COMM];
    parts[LLMCOST_PLAN_BIND_CP] = s->components[LLMCOST_ST_CP_COMM];
    parts[LLMCOST_PLAN_BIND_EP] = s->components[LLMCOST_ST_EP_COMM];
    parts[LLMCOST_PLAN_BIND_PP] = s->components[LLMCOST_ST_PP_COMM];
    parts[LLMCOST_PLAN_BIND_DP] = s->components[LLMCOST_ST_DP_COMM];
    parts[LLMCOST_PLAN_BIND_BUBBLE] = s->components[LLMCOST_ST_BUBBLE];
    int best = 0;
    for (int k = 1; k < LLMCOST_PLAN_BIND_COUNT; k++)
        if (parts[k] > parts[best])
            best = k;
    l->binds = (llmcost_plan_bind)best;
    l->bind_share = s->step_seconds > 0 ? parts[best] / s->step_seconds : 0;
    return 0;
}

/* The prepared step for micro-batch "mb" and recomputation "r" (made on first use); NULL with the engine's
 * error when it refuses to prepare. */
static int prepared_for(const llmcost_step_prepared **out, const space *sp, const llmcost_step_options *so)
{
    const values *mbs = sp->mbs_all;
    int lo = 0, hi = mbs->n - 1, idx = -1;
    while (lo <= hi) {
        int mid = (lo + hi) / 2;
        if (mbs->v[mid] == so->micro_batch) {
            idx = mid;
            break;
        }
        if (mbs->v[mid] < so->micro_batch)
            lo = mid + 1;
        else
            hi = mid - 1;
    }
    if (idx < 0) { /* not a divisor of the batch: cannot happen, but prepare nothing shared */
        *out = NULL;
        return lc_fail(LLMCOST_EINVAL, "plan: micro-batch %lld does not divide the batch", (long long)so->micro_batch);
    }
    size_t slot = (size_t)so->recompute * (size_t)mbs->n + (size_t)idx;
    int rc = 0;
    pthread_mutex_lock(sp->lock);
    if (!sp->prep[slot])
        rc = lc_step_prepare_finetune(&sp->prep[slot], sp->m, so, plan_finetune(sp->o));
    *out = sp->prep[slot];
    pthread_mutex_unlock(sp->lock);
    return rc;
}

/* Step time of "l" (memory already judged); 0, LLMCOST_EINVAL (refused), or a failure. */
static int judge_step(worker *w, llmcost_plan_layout *l, const host_link *hl)
{
    const llmcost_plan_options *o = w->sp->o;
    llmcost_step_options so;
    llmcost_plan_job_options(&so, NULL, o, l);
    llmcost_step s;
    w->step_calls++;
    const llmcost_step_prepared *prep = w->last_prep;
    if (!prep || w->last_mb != so.micro_batch || w->last_rec != so.recompute) {
        /* The candidates come sorted by recomputation and micro-batch: the shared table is asked once per change. */
        int rc = prepared_for(&prep, w->sp, &so);
        if (rc < 0)
            return rc;
        w->last_prep = prep, w->last_mb = so.micro_batch, w->last_rec = so.recompute;
    }
    /* The memory savers change the ops' times (torch.compile's fused element-wise work, the chunked loss's launches,
     * the optimizer's hooks in backward, the offload copies over the host link; a paged optimizer's states cross it
     * when they do not fit beside the job: docs/formulas.md "Memory savers: step time"): timed on the memo's path
     * as llmcost_job_step times the layout's job with them, with the layout's memory where the host link is timed:
     * the figures of it the step reads, kept from the memory pass (judge_memory_zeros sized it with the savers). */
    const llmcost_job *sv = w->sp->savers;
    llmcost_memory mem;
    const llmcost_memory *memp = NULL;
    if ((sv && sv->activation_offload) || llmcost_optimizer_paged(so.optimizer)) {
        memset(&mem, 0, sizeof mem);
        mem.reserved_bytes = hl->reserved, mem.cuda_context_bytes = hl->context;
        mem.paged_optimizer_bytes = hl->paged, mem.offload_copy_bytes = hl->offload;
        memp = &mem;
    }
    int rc = lc_step_compute_memo_savers(&s, prep, &o->gpu_types[l->gpu_type], &so, w->memo, sv, memp);
    if (rc < 0)
        return rc;
    return fill_from_step(o, l, &s, w->sp->m);
}

static int fail_worker(worker *w, int rc)
{
    w->err = rc;
    lc_strlcpy(w->errmsg, llmcost_errmsg(), sizeof w->errmsg);
    return rc;
}

/* The overlap settings searched for a layout of tensor parallelism "tp" and expert parallelism "ep". */
static int overlaps_of(int ov[4][2], const llmcost_plan_options *o, int64_t tp, int64_t ep)
{
    int n_ov = 0;
    for (int e = 0; e < 2; e++)
        for (int t = 0; t < 2; t++) {
            if ((e && ep == 1) || (t && tp == 1))
                continue;
            if (o->ep_overlap != LLMCOST_PLAN_ANY && ep > 1 && e != o->ep_overlap)
                continue;
            if (e && o->version >= 7 && o->moe_shared_expert_overlap) /* Megatron-Core runs one or the other */
                continue;
            if (o->tp_overlap != LLMCOST_PLAN_ANY && tp > 1 && t != o->tp_overlap)
                continue;
            ov[n_ov][0] = e;
            ov[n_ov][1] = t;
            n_ov++;
        }
    return n_ov;
}

static int add_candidate(worker *w, const llmcost_plan_layout *l, const host_link *hl)
{
    if (w->n_cand == w->cap_cand) {
        size_t cap = w->cap_cand ? 2 * w->cap_cand : 256;
        if (cap > UINT32_MAX)
            return lc_fail(LLMCOST_ENOMEM, "out of memory");
        llmcost_plan_layout *v = realloc(w->cand, cap * sizeof *v);
        if (v)
            w->cand = v;
        uint32_t *a = v ? realloc(w->order, cap * sizeof *a) : NULL;
        if (a)
            w->order = a;
        uint32_t *b = a ? realloc(w->order_tmp, cap * sizeof *b) : NULL;
        if (b)
            w->order_tmp = b;
        host_link *h = b ? realloc(w->cand_hl, cap * sizeof *h) : NULL;
        if (!h)
            return lc_fail(LLMCOST_ENOMEM, "out of memory");
        w->cand_hl = h;
        w->cap_cand = cap;
    }
    w->order[w->n_cand] = (uint32_t)w->n_cand;
    w->cand_hl[w->n_cand] = *hl;
    w->cand[w->n_cand++] = *l;
    return 0;
}

/* Memory pass of one group: every (ZeRO, recomputation, micro-batch) judged, the layouts that fit kept as
 * candidates for the step pass. */
static int eval_group_memory(worker *w, const group *g)
{
    const space *sp = w->sp;
    const llmcost_plan_options *o = sp->o;
    values zeros, recs, mbs; /* 8 KiB each: only the counts are set (zeroing them cost more than judging) */
    zeros.n = recs.n = 0;
    /* Most memory-saving recomputation first (full, selective, none), so that a setting is tried only after those
     * that save more memory, and the micro-batches they did not fit are skipped. */
    int64_t dpg = g->dp * g->cp;
    for (int z = 3; z >= 0; z--)
        if (o->zero == LLMCOST_PLAN_ANY ? (dpg > 1 || z == 0) : z == o->zero)
            push(&zeros, z);
    for (int r = LLMCOST_RECOMPUTE_FULL; r >= LLMCOST_RECOMPUTE_NONE; r--)
        if (o->recompute == LLMCOST_PLAN_ANY || r == o->recompute)
            push(&recs, r);
    int64_t per_replica = sp->batch / g->dp;
    divisors(&mbs, per_replica, o->micro_batch);
    int ov[4][2];
    int n_ov = overlaps_of(ov, o, g->tp, g->ep);
    int64_t inner = (int64_t)zeros.n * recs.n * n_ov;
    if (mbs.n == 0) { /* a fixed micro-batch that does not divide the replica's batch */
        w->evaluated += inner;
        w->rejected[LLMCOST_PLAN_REJ_BATCH] += inner;
        return 0;
    }
    /* Per ZeRO stage and recomputation row, what each micro-batch came to: FIT, NOFIT (evaluated or pruned),
     * REFUSED. ZeRO stages are rows of their own, not pruned across: ZeRO-3's gathered weights can take more than
     * ZeRO-2 saves. The ZeRO stages are the innermost loop, so that the memory engine walks a layout's layers once
     * for all of them (lc_memory_compute_prepared_zeros); every pruning decision reads its own ZeRO row only, so
     * the layouts judged are those of a loop with ZeRO outermost. */
    enum { UNKNOWN, FIT, NOFIT, REFUSED };
    unsigned char state[4][3][MAX_VALUES];
    const llmcost_plan_layout *ref = o->reference;
    int gch = sp->max_changes >= 0 ? group_changes(ref, g) : 0;
    for (int zi = 0; zi < zeros.n; zi++)
        for (int r = 0; r < 3; r++)
            memset(state[zi][r], UNKNOWN, (size_t)mbs.n); /* the micro-batches of this group only */
    for (int ri = 0; ri < recs.n; ri++) {
        int r = (int)recs.v[ri];
        bool failed[4] = {false, false, false, false};
        for (int i = 0; i < mbs.n; i++) {
            int64_t micro_batches = per_replica / mbs.v[i];
            int zs[4], zis[4], nz = 0;
            for (int zi = 0; zi < zeros.n; zi++) {
                int z = (int)zeros.v[zi];
                /* Outside a bounded search's reach: not judged (left UNKNOWN, so it prunes nothing). */
                if (sp->max_changes >= 0 && gch + (z != ref->layout.zero) + (mbs.v[i] != ref->micro_batch) +
                                                    (r != (int)ref->recompute) >
                                                sp->max_changes)
                    continue;
                /* Pruned: the same micro-batch with more recomputation did not fit; or a smaller one of this row did
                 * not, and this one still keeps as many micro-batches in flight (at least 2 pp of them: 1F1B holds
                 * up to pp - stage, interleaving up to twice that), so its activations are no smaller. */
                bool pruned = false;
                for (int r2 = r + 1; r2 <= LLMCOST_RECOMPUTE_FULL; r2++)
                    pruned |= state[zi][r2][i] == NOFIT;
                pruned |= failed[zi] && (g->pp == 1 || micro_batches >= 2 * g->pp);
                if (pruned) {
                    state[zi][r][i] = NOFIT;
                    w->evaluated += n_ov;
                    w->rejected[LLMCOST_PLAN_REJ_MEMORY] += n_ov;
                    continue;
                }
                zs[nz] = z, zis[nz++] = zi;
            }
            if (!nz)
                continue;
            llmcost_plan_layout l;
            memset(&l, 0, sizeof l);
            l.gpu_type = g->gpu;
            llmcost_layout L = LLMCOST_LAYOUT_INIT;
            L.gpus = o->gpus, L.tp = g->tp, L.pp = g->pp, L.vpp = g->vpp, L.dp = g->dp, L.cp = g->cp;
            L.ep = g->ep, L.zero = zs[0], L.sequence_parallel = g->sp;
            l.layout = L;
            l.expert_tp = g->etp;
            l.micro_batch = mbs.v[i];
            l.micro_batches = micro_batches;
            l.recompute = (llmcost_recompute)r;
            int rcs[4];
            int rc = 0;
            if (g->cp > 1 && sp->ring_window) /* refused by the engines' rule (lc_cp_window_check), not sized */
                for (int k = 0; k < nz; k++)
                    rcs[k] = LLMCOST_EINVAL;
            else
                rc = judge_memory_zeros(w, &l, zs, nz, rcs);
            if (rc < 0)
                return fail_worker(w, rc);
            for (int k = 0; k < nz; k++) {
                int zi = zis[k];
                rc = rcs[k];
                if (rc < 0 && rc != LLMCOST_EINVAL)
                    return fail_worker(w, rc);
                if (rc == LLMCOST_EINVAL || rc == 0) {
                    state[zi][r][i] = rc == 0 ? NOFIT : REFUSED;
                    failed[zi] |= rc == 0;
                    w->evaluated += n_ov;
                    w->rejected[rc == 0 ? LLMCOST_PLAN_REJ_MEMORY : LLMCOST_PLAN_REJ_LAYOUT] += n_ov;
                    continue;
                }
                state[zi][r][i] = FIT;
                if ((rc = add_candidate(w, &w->zl[k], &w->zh[k])) < 0)
                    return fail_worker(w, rc);
            }
        }
    }
    return 0;
}

/* The step pass's order: what the step engine's memo keys on (ep, expert tp, recomputation, micro-batch: the
 * timed ops; pp: the stages through the launch model) outermost, so that each is computed once. */
static int step_order(const void *pa, const void *pb)
{
    const llmcost_plan_layout *a = pa, *b = pb;
#define KEY(x, y)                                                                                                  \
    if ((x) != (y))                                                                                                \
        return (x) < (y) ? -1 : 1;
    KEY(a->gpu_type, b->gpu_type)
    KEY(a->layout.ep, b->layout.ep)
    KEY(a->expert_tp, b->expert_tp)
    KEY((int64_t)a->recompute, (int64_t)b->recompute)
    KEY(a->micro_batch, b->micro_batch)
    KEY(a->layout.pp, b->layout.pp)
    KEY(a->layout.vpp, b->layout.vpp)
    KEY(a->layout.zero, b->layout.zero)
#undef KEY
    return 0;
}

/* The candidates' indices in step_order, equal keys in the order they were added: a stable merge sort of 4-byte
 * indices (qsort moved the 200-byte layouts themselves, 8% of a search). Stable, so the order is the one glibc's
 * merge-sorting qsort gave; the results do not depend on it anyway (every figure is the engines', and the best
 * layouts are kept by a total order). */
static void sort_candidates(worker *w)
{
    const llmcost_plan_layout *c = w->cand;
    uint32_t *a = w->order, *b = w->order_tmp;
    size_t n = w->n_cand;
    for (size_t width = 1; width < n; width *= 2) {
        for (size_t lo = 0; lo < n; lo += 2 * width) {
            size_t mid = lo + width < n ? lo + width : n, hi = lo + 2 * width < n ? lo + 2 * width : n;
            size_t i = lo, j = mid, k = lo;
            while (i < mid && j < hi)
                b[k++] = step_order(&c[a[j]], &c[a[i]]) < 0 ? a[j++] : a[i++];
            while (i < mid)
                b[k++] = a[i++];
            while (j < hi)
                b[k++] = a[j++];
        }
        uint32_t *t = a;
        a = b;
        b = t;
    }
    w->order = a;
    w->order_tmp = b;
}

/* One unit of work: the groups sharing GPU type, tp, cp and sequence parallelism (the step engine's timed ops
 * depend on little else). Memory first, then the step times of what fits, in the memo's order. */
static int eval_unit(worker *w, const group *g, size_t n)
{
    const llmcost_plan_options *o = w->sp->o;
    w->n_cand = 0;
    for (size_t i = 0; i < n; i++)
        if (eval_group_memory(w, &g[i]) < 0)
            return w->err;
    sort_candidates(w);
    for (size_t c = 0; c < w->n_cand; c++) {
        const llmcost_plan_layout *cand = &w->cand[w->order[c]];
        const host_link *hl = &w->cand_hl[w->order[c]];
        int ov[4][2];
        int n_ov = overlaps_of(ov, o, cand->layout.tp, cand->layout.ep);
        for (int v = 0; v < n_ov; v++) {
            llmcost_plan_layout x = *cand;
            x.layout.ep_overlap = ov[v][0];
            x.layout.tp_overlap = ov[v][1];
            int rc = judge_step(w, &x, hl);
            w->evaluated++;
            if (rc == LLMCOST_EINVAL) {
                w->rejected[LLMCOST_PLAN_REJ_LAYOUT]++;
                continue;
            }
            if (rc < 0)
                return fail_worker(w, rc);
            w->feasible++;
            keep_top(w, &x);
            if (o->pareto && (rc = keep_front(w, &x)) < 0)
                return fail_worker(w, rc);
        }
    }
    return 0;
}

/* ---- threads ---- */

typedef struct {
    const group_list *groups;
    const size_t *unit;   /* unit k is groups unit[k] .. unit[k + 1] - 1 */
    size_t n_units;
    atomic_size_t next;
    atomic_size_t done;   /* units finished, for the progress report */
    atomic_int failed;
} shared_queue;

typedef struct {
    worker w;
    shared_queue *q;
} thread_arg;

static void run_worker(worker *w, shared_queue *q, const llmcost_plan_options *o, bool main_thread)
{
    for (;;) {
        if (atomic_load(&q->failed))
            return;
        size_t i = atomic_fetch_add(&q->next, 1);
        if (i >= q->n_units)
            return;
        if (eval_unit(w, &q->groups->v[q->unit[i]], q->unit[i + 1] - q->unit[i]) < 0) {
            atomic_store(&q->failed, 1);
            return;
        }
        size_t done = atomic_fetch_add(&q->done, 1) + 1;
        if (main_thread && o->progress)
            o->progress(o->progress_arg, (double)done / (double)q->n_units);
    }
}

static void *thread_main(void *p)
{
    thread_arg *a = p;
    run_worker(&a->w, a->q, a->w.sp->o, false);
    return NULL;
}

static int worker_init(worker *w, const space *sp, size_t top)
{
    memset(w, 0, sizeof *w);
    w->sp = sp;
    w->cap_top = top;
    w->top = calloc(top, sizeof *w->top);
    if (!w->top)
        return lc_fail(LLMCOST_ENOMEM, "out of memory");
    int rc = lc_step_memo_new(&w->memo);
    if (rc == 0) /* the options' GPU records do not change during the search: known by their address */
        lc_step_memo_fixed_gpus(w->memo);
    return rc;
}

static void worker_free(worker *w)
{
    free(w->top);
    free(w->front);
    free(w->cand);
    free(w->cand_hl);
    free(w->order);
    free(w->order_tmp);
    lc_step_memo_free(w->memo);
}

static double now_seconds(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static int check_options(const llmcost_model *m, const llmcost_plan_options *o)
{
    if (o->version < 1 || o->version > LLMCOST_PLAN_OPTIONS_VERSION)
        return lc_fail(LLMCOST_EINVAL, "plan options: version %u, expected 1 to %u (use llmcost_plan_options_init)",
                       o->version, LLMCOST_PLAN_OPTIONS_VERSION);
    if (!o->gpu_types || o->n_gpu_types == 0)
        return lc_fail(LLMCOST_EINVAL, "plan: gpu_types: give at least one GPU type");
    if (o->gpus < 1 || o->gpus > ((int64_t)1 << 40))
        return lc_fail(LLMCOST_EINVAL, "plan: gpus = %lld must be between 1 and 2^40", (long long)o->gpus);
    if (o->seq < 1)
        return lc_fail(LLMCOST_EINVAL, "plan: seq = %lld must be at least 1", (long long)o->seq);
    if (o->global_batch_tokens < o->seq || o->global_batch_tokens % o->seq != 0)
        return lc_fail(LLMCOST_EINVAL, "plan: global_batch_tokens = %lld is not a whole number of %lld-token sequences",
                       (long long)o->global_batch_tokens, (long long)o->seq);
    if (o->objective == LLMCOST_PLAN_NEAREST && !o->reference)
        return lc_fail(LLMCOST_EINVAL, "plan: objective nearest needs a reference layout");
    if (o->objective == LLMCOST_PLAN_COST && !(o->tokens > 0))
        return lc_fail(LLMCOST_EINVAL, "plan: objective cost needs tokens (the length of the run)");
    if (!(o->tokens >= 0) || !isfinite(o->tokens))
        return lc_fail(LLMCOST_EINVAL, "plan: tokens must be zero or positive");
    int rrc;
    if ((o->tokens > 0 && (rrc = lc_range("tokens", NULL, o->tokens))) || (rrc = lc_range("headroom", NULL, o->headroom)) ||
        (rrc = lc_range("cuda_context_bytes", NULL, o->cuda_context_bytes)))
        return rrc;
    for (size_t i = 0; i < o->n_gpu_types; i++)
        if ((rrc = llmcost_gpu_check(&o->gpu_types[i])))
            return rrc;
    if (o->zero != LLMCOST_PLAN_ANY && (o->zero < 0 || o->zero > 3))
        return lc_fail(LLMCOST_EINVAL, "plan: zero = %d must be 0, 1, 2 or 3", o->zero);
    if (o->recompute != LLMCOST_PLAN_ANY && (o->recompute < 0 || o->recompute > LLMCOST_RECOMPUTE_FULL))
        return lc_fail(LLMCOST_EINVAL, "plan: recompute = %d is not a recomputation mode", o->recompute);
    const int64_t *deg[] = {&o->tp, &o->pp, &o->vpp, &o->dp, &o->cp, &o->ep, &o->etp, &o->micro_batch};
    static const char *const names[] = {"tp", "pp", "vpp", "dp", "cp", "ep", "etp", "micro_batch"};
    for (size_t i = 0; i < sizeof deg / sizeof deg[0]; i++)
        if (*deg[i] != LLMCOST_PLAN_ANY && *deg[i] < 1)
            return lc_fail(LLMCOST_EINVAL, "plan: %s = %lld must be at least 1", names[i], (long long)*deg[i]);
    for (size_t i = 0; i < o->n_gpu_types; i++)
        if (o->objective == LLMCOST_PLAN_COST && !(o->gpu_types[i].price_per_hour > 0))
            return lc_fail(LLMCOST_EINVAL, "plan: gpu %s has no price per hour", o->gpu_types[i].name);
    if (m->n_layers < 1)
        return lc_fail(LLMCOST_EINVAL, "plan: %s has no layers", m->name);
    if (o->cp != LLMCOST_PLAN_ANY && (rrc = lc_cp_check(m, o->cp)))
        return rrc;
    /* The fine-tuning once, before any layout: a bad one would otherwise reject every layout as the engines'. */
    if (o->version >= 4 && (rrc = llmcost_finetune_check(&o->finetune, m)) < 0)
        return rrc;
    /* The memory savers once, by the job's rules that need no layout (the chunks against the largest micro-batch):
     * refused for every layout otherwise. */
    if (plan_has_savers(o)) {
        llmcost_job j;
        savers_job(&j, o);
        j.micro_batch = o->global_batch_tokens / o->seq;
        if ((rrc = lc_job_savers_check(&j)) < 0)
            return rrc;
    }
    /* The MoE implementation once, by the job's rule: refused for every layout otherwise. */
    if (o->version >= 5) {
        llmcost_job j;
        llmcost_job_init(&j);
        j.framework = o->framework;
        j.moe_dispatcher = o->moe_dispatcher;
        j.moe_capacity_factor = o->moe_capacity_factor;
        if ((rrc = lc_job_moe_impl_check(&j, m)) < 0)
            return rrc;
    }
    /* The shared-expert overlap once, likewise (version 7; an --ep-overlap fixed on is refused with it). */
    if (o->version >= 7 && o->moe_shared_expert_overlap) {
        llmcost_job j;
        llmcost_job_init(&j);
        j.framework = o->framework;
        j.moe_dispatcher = o->moe_dispatcher;
        j.layout.ep_overlap = o->ep_overlap == 1;
        j.moe_shared_expert_overlap = true;
        if ((rrc = lc_job_shared_overlap_check(&j, m)) < 0)
            return rrc;
    }
    return 0;
}

static bool same_unit(const group *a, const group *b)
{
    return a->gpu == b->gpu && a->tp == b->tp && a->cp == b->cp && a->sp == b->sp;
}

/* Groups by unit (GPU type, tp, cp, sequence parallelism), then pp, ep, expert tp, vpp. */
static int unit_order(const void *pa, const void *pb)
{
    const group *a = pa, *b = pb;
    int64_t ka[] = {(int64_t)a->gpu, a->tp, a->cp, a->sp, a->pp, a->ep, a->etp, a->vpp};
    int64_t kb[] = {(int64_t)b->gpu, b->tp, b->cp, b->sp, b->pp, b->ep, b->etp, b->vpp};
    for (size_t i = 0; i < sizeof ka / sizeof ka[0]; i++)
        if (ka[i] != kb[i])
            return ka[i] < kb[i] ? -1 : 1;
    return 0;
}

/* The search; with max_changes >= 0 (objective nearest) only the layouts within that many changes of the
 * reference. */
static int search(llmcost_plan *out, const llmcost_model *m, const llmcost_plan_options *o, int max_changes)
{
    memset(out, 0, sizeof *out);
    int rc = check_options(m, o);
    if (rc)
        return rc;
    double t0 = now_seconds();
    space sp = {m, o, o->global_batch_tokens / o->seq, 0, 0, 0, NULL, NULL, NULL, NULL, max_changes, NULL, false};
    int64_t window;
    sp.ring_window = lc_windowed_layers(m, o->seq, &window) > 0 && plan_cp_ring(o);
    llmcost_job svj;
    if (plan_has_savers(o)) {
        savers_job(&svj, o);
        sp.savers = &svj;
    }
    for (int64_t i = 0; i < m->n_layers; i++) {
        sp.heads_gcd = gcd64(sp.heads_gcd, m->layers[i].attn.n_heads);
        if (m->layers[i].ffn.moe) {
            sp.experts_gcd = gcd64(sp.experts_gcd, m->layers[i].ffn.n_experts);
            sp.expert_ff_gcd = gcd64(sp.expert_ff_gcd, m->layers[i].ffn.expert.d_ff);
        }
    }
    if (sp.heads_gcd <= 0)
        sp.heads_gcd = 1;
    group_list groups = {NULL, 0, 0, 0};
    too_many = false;
    rc = enumerate(&groups, &sp);
    if (!rc && too_many)
        rc = lc_fail(LLMCOST_EUNSUPPORTED, "plan: %lld GPUs have more than %d divisors to search; fix --tp, --pp and --cp",
                     (long long)o->gpus, MAX_VALUES);
    if (rc) {
        free(groups.v);
        return rc;
    }
    size_t top = o->top ? o->top : 10;
    /* Units of work: the groups sharing GPU type, tp, cp and sequence parallelism, one after another. */
    if (groups.n > 1)
        qsort(groups.v, groups.n, sizeof *groups.v, unit_order);
    size_t *unit = malloc((groups.n + 1) * sizeof *unit);
    values *mbs_all = malloc(sizeof *mbs_all);
    llmcost_step_prepared **prep = NULL;
    pthread_mutex_t lock;
    pthread_mutex_init(&lock, NULL);
    if (!unit || !mbs_all) {
        free(unit), free(mbs_all), free(groups.v);
        pthread_mutex_destroy(&lock);
        return lc_fail(LLMCOST_ENOMEM, "out of memory");
    }
    size_t n_units = 0;
    for (size_t i = 0; i < groups.n; i++)
        if (i == 0 || !same_unit(&groups.v[i], &groups.v[i - 1]))
            unit[n_units++] = i;
    unit[n_units] = groups.n;
    /* Every micro-batch of any replica divides the batch. */
    divisors(mbs_all, sp.batch, LLMCOST_PLAN_ANY);
    prep = calloc((size_t)(LLMCOST_RECOMPUTE_FULL + 1) * (size_t)(mbs_all->n > 0 ? mbs_all->n : 1), sizeof *prep);
    sp.mbs_all = mbs_all, sp.prep = prep, sp.lock = &lock;
    /* The memory engine prepared once: what it fixes (sequence, precision, optimizer, attention, framework) the
     * search does not change. */
    llmcost_memory_prepared *mprep = NULL;
    {
        llmcost_plan_layout l0;
        memset(&l0, 0, sizeof l0);
        l0.layout = (llmcost_layout)LLMCOST_LAYOUT_INIT;
        l0.expert_tp = 1, l0.micro_batch = 1, l0.micro_batches = 1;
        llmcost_memory_options mo;
        llmcost_plan_job_options(NULL, &mo, o, &l0);
        rc = llmcost_memory_prepare(&mprep, m, &mo);
        sp.memory = mprep;
    }
    int threads = o->threads > 0 ? o->threads : (int)sysconf(_SC_NPROCESSORS_ONLN);
    if (threads < 1)
        threads = 1;
    if ((size_t)threads > n_units)
        threads = n_units > 0 ? (int)n_units : 1;
    if (threads > 256)
        threads = 256;
    thread_arg *args = calloc((size_t)threads, sizeof *args);
    pthread_t *tids = calloc((size_t)threads, sizeof *tids);
    if (rc || !args || !tids || !prep || too_many) {
        rc = rc ? rc : too_many ? lc_fail(LLMCOST_EUNSUPPORTED, "plan: a batch of %lld sequences has more than %d divisors",
                                (long long)sp.batch, MAX_VALUES)
                      : lc_fail(LLMCOST_ENOMEM, "out of memory");
        free(args), free(tids), free(groups.v), free(unit), free(mbs_all), free(prep);
        llmcost_memory_prepared_free(mprep);
        pthread_mutex_destroy(&lock);
        return rc;
    }
    shared_queue q;
    q.groups = &groups;
    q.unit = unit;
    q.n_units = n_units;
    atomic_init(&q.next, 0);
    atomic_init(&q.done, 0);
    atomic_init(&q.failed, 0);
    int started = 1;
    for (int t = 0; t < threads; t++) {
        if ((rc = worker_init(&args[t].w, &sp, top)) != 0)
            goto done;
        args[t].q = &q;
    }
    /* The bundled tables (GPU catalogue, kernel model) are set up under pthread_once (common.h): before the threads
     * start, so that an error in them is this thread's. */
    if ((rc = llmcost_init()) != 0)
        goto done;
    for (int t = 1; t < threads; t++) {
        if (pthread_create(&tids[t], NULL, thread_main, &args[t]) != 0)
            break;
        started++;
    }
    run_worker(&args[0].w, &q, o, true);
    for (int t = 1; t < started; t++)
        pthread_join(tids[t], NULL);
    if (o->progress)
        o->progress(o->progress_arg, 1.0);
    for (int t = 0; t < threads; t++)
        if (args[t].w.err) {
            rc = lc_fail(args[t].w.err, "%s", args[t].w.errmsg);
            goto done;
        }
    /* Merge: counts add up, the best of each thread's best. */
    worker *w0 = &args[0].w;
    for (int t = 1; t < threads; t++) {
        worker *w = &args[t].w;
        w0->evaluated += w->evaluated;
        w0->feasible += w->feasible;
        w0->mem_calls += w->mem_calls;
        w0->step_calls += w->step_calls;
        for (int r = 0; r < LLMCOST_PLAN_REJ_COUNT; r++)
            w0->rejected[r] += w->rejected[r];
        for (size_t i = 0; i < w->n_top; i++)
            keep_top(w0, &w->top[i]);
        for (size_t i = 0; i < w->n_front; i++)
            if ((rc = keep_front(w0, &w->front[i])) < 0)
                goto done;
    }
    out->evaluated = w0->evaluated + groups.batch_rejected;
    out->feasible = w0->feasible;
    memcpy(out->rejected, w0->rejected, sizeof out->rejected);
    out->rejected[LLMCOST_PLAN_REJ_BATCH] += groups.batch_rejected;
    out->memory_evaluations = w0->mem_calls;
    out->step_evaluations = w0->step_calls;
    out->threads = started;
    out->n_layouts = w0->n_top;
    out->layouts = w0->top;
    w0->top = NULL;
    /* Whether memory binds each kept layout: one step less memory-saving (the next larger micro-batch, or one level
     * less recomputation) does not fit. */
    for (size_t i = 0; i < out->n_layouts; i++) {
        llmcost_plan_layout *l = &out->layouts[i];
        int64_t per_replica = sp.batch / l->layout.dp;
        bool bound = false;
        for (int64_t b = l->micro_batch + 1; b <= per_replica; b++)
            if (per_replica % b == 0) {
                llmcost_plan_layout x = *l;
                x.micro_batch = b;
                x.micro_batches = per_replica / b;
                bound = judge_memory(w0, &x) != 1;
                break;
            }
        if (!bound && l->recompute > LLMCOST_RECOMPUTE_NONE) {
            llmcost_plan_layout x = *l;
            x.recompute = (llmcost_recompute)(l->recompute - 1);
            bound = judge_memory(w0, &x) != 1;
        }
        l->memory_bound = bound;
    }
    if (o->pareto) {
        /* Fastest first (insertion sort: fronts are small). */
        for (size_t i = 1; i < w0->n_front; i++) {
            llmcost_plan_layout x = w0->front[i];
            size_t j = i;
            while (j > 0 && compare_layouts(o, &x, &w0->front[j - 1]) < 0) {
                w0->front[j] = w0->front[j - 1];
                j--;
            }
            w0->front[j] = x;
        }
        out->pareto = w0->front;
        out->n_pareto = w0->n_front;
        w0->front = NULL;
    }
    out->seconds = now_seconds() - t0;
    rc = 0;
done:
    for (int t = 0; t < threads; t++)
        worker_free(&args[t].w);
    free(args);
    free(tids);
    free(groups.v);
    free(unit);
    for (size_t i = 0; i < (size_t)(LLMCOST_RECOMPUTE_FULL + 1) * (size_t)mbs_all->n; i++)
        llmcost_step_prepared_free(prep[i]);
    free(prep);
    free(mbs_all);
    llmcost_memory_prepared_free(mprep);
    pthread_mutex_destroy(&lock);
    if (rc)
        llmcost_plan_dispose(out);
    return rc;
}

int llmcost_plan_search(llmcost_plan *out, const llmcost_model *m, const llmcost_plan_options *o)
{
    return search(out, m, o, -1);
}

void llmcost_plan_dispose(llmcost_plan *p)
{
    if (!p)
        return;
    free(p->layouts);
    free(p->pareto);
    p->layouts = p->pareto = NULL;
    p->n_layouts = p->n_pareto = 0;
}

/* ---- for jobs that do not fit ---- */

/* The search llmcost_plan_nearest runs for validated job "j": one GPU type, its GPU count, batch and job; the
 * layout to stay near in "ref" (which o->reference points to). */
void lc_plan_nearest_options(llmcost_plan_options *o, llmcost_plan_layout *ref, const llmcost_gpu *gpu,
                             const llmcost_job *j)
{
    memset(ref, 0, sizeof *ref);
    ref->layout = j->layout;
    ref->expert_tp = j->expert_tp;
    ref->micro_batch = j->micro_batch;
    ref->recompute = j->recompute;
    llmcost_plan_options_init(o);
    o->gpu_types = gpu;
    o->n_gpu_types = 1;
    o->gpus = j->layout.gpus;
    o->seq = j->seq;
    o->global_batch_tokens = j->global_batch * j->seq;
    o->objective = LLMCOST_PLAN_NEAREST;
    o->reference = ref;
    o->top = 1;
    o->precision = j->precision, o->optimizer = j->optimizer, o->attention = j->attention, o->framework = j->framework;
    o->comm = j->comm;
    o->headroom = j->headroom;
    o->cuda_context_bytes = j->cuda_context_bytes;
    o->act_cache = j->act_cache, o->recompute_modules = j->recompute_modules, o->pipeline = j->pipeline,
    o->ema = j->ema;
    o->bf16_grads = !j->fp32_grads, o->foreach_optimizer = !j->fused_optimizer;
    /* The overlaps change no memory: keep the job's. */
    o->ep_overlap = j->layout.ep_overlap, o->tp_overlap = j->layout.tp_overlap;
    if (j->version >= 2)
        o->finetune = j->finetune;
    if (j->version >= 3)
        o->moe_dispatcher = j->moe_dispatcher, o->moe_capacity_factor = j->moe_capacity_factor;
    if (j->version >= 4)
        o->chunked_loss = j->chunked_loss, o->optimizer_in_backward = j->optimizer_in_backward,
        o->activation_offload = j->activation_offload, o->compile = j->compile;
    if (j->version >= 5)
        o->cp_comm = j->cp_comm, o->recompute_every = j->recompute_every;
    if (j->version >= 6)
        o->ddp_bucket_size = j->ddp_bucket_size, o->moe_shared_expert_overlap = j->moe_shared_expert_overlap;
}

/* The fields a nearest layout counts (changes_from): tp, pp, vpp, cp, ep, expert tp, ZeRO, micro-batch,
 * recomputation, sequence parallelism. */
#define NEAREST_FIELDS 10

static int nearest_of(llmcost_plan_layout *out, bool *found, const llmcost_model *m, const llmcost_plan_options *o)
{
    /* The layout the whole search ranks first under LLMCOST_PLAN_NEAREST, found by searching only the layouts
     * within k changes of the reference, k = 0, 1, ... : the first k at which something fits holds every fitting
     * layout with the fewest changes (none has fewer, or a smaller k would have found it), ranked as the whole
     * search ranks them. A job a few changes from fitting is answered from a few hundred layouts, not all. */
    for (int k = 0; k <= NEAREST_FIELDS; k++) {
        llmcost_plan p;
        int rc = search(&p, m, o, k);
        if (rc)
            return rc;
        if (p.n_layouts > 0) {
            *out = p.layouts[0];
            *found = true;
            llmcost_plan_dispose(&p);
            return 0;
        }
        llmcost_plan_dispose(&p);
    }
    return 0;
}

int llmcost_plan_nearest(llmcost_plan_layout *out, bool *found, const llmcost_model *m, const llmcost_gpu *gpu,
                         const llmcost_job *job)
{
    memset(out, 0, sizeof *out);
    *found = false;
    llmcost_job j = *job;
    int rc = llmcost_job_validate(&j, m);
    if (rc)
        return rc;
    llmcost_plan_layout ref;
    llmcost_plan_options o;
    lc_plan_nearest_options(&o, &ref, gpu, &j);
    return nearest_of(out, found, m, &o);
}

/* The flags of "near" that differ from the job's ("--pp 8 --recompute full"), dp too when it moves. */
static void nearest_changes(char *buf, size_t n, const llmcost_job *j, const llmcost_plan_layout *l)
{
    static const char *const rec[] = {"none", "selective", "full"};
    const llmcost_layout *a = &j->layout, *b = &l->layout;
    size_t o = 0;
    buf[0] = '\0';
#define ADD(...) (o < n ? (o += (size_t)snprintf(buf + o, n - o, __VA_ARGS__)) : 0)
    if (a->tp != b->tp)
        ADD("%s--tp %lld", o ? " " : "", (long long)b->tp);
    if (a->pp != b->pp)
        ADD("%s--pp %lld", o ? " " : "", (long long)b->pp);
    if (a->vpp != b->vpp)
        ADD("%s--vpp %lld", o ? " " : "", (long long)b->vpp);
    if (a->cp != b->cp)
        ADD("%s--cp %lld", o ? " " : "", (long long)b->cp);
    if (a->dp != b->dp)
        ADD("%s--dp %lld", o ? " " : "", (long long)b->dp);
    if (a->ep != b->ep)
        ADD("%s--ep %lld", o ? " " : "", (long long)b->ep);
    if (j->expert_tp != l->expert_tp)
        ADD("%s--etp %lld", o ? " " : "", (long long)l->expert_tp);
    if (a->zero != b->zero)
        ADD("%s--zero %d", o ? " " : "", b->zero);
    if (j->micro_batch != l->micro_batch)
        ADD("%s--micro-batch %lld", o ? " " : "", (long long)l->micro_batch);
    if (j->recompute != l->recompute)
        ADD("%s--recompute %s", o ? " " : "", (unsigned)l->recompute < 3 ? rec[l->recompute] : "?");
    if (a->sequence_parallel != b->sequence_parallel)
        ADD("%s--%ssequence-parallel", o ? " " : "", b->sequence_parallel ? "" : "no-");
#undef ADD
}

int llmcost_job_fit_advice(llmcost_fit_advice *out, const llmcost_model *m, const llmcost_gpu *gpu,
                           const llmcost_job *job)
{
    if (!out || !m || !gpu || !job)
        return lc_fail(LLMCOST_EINVAL, "llmcost_job_fit_advice: NULL argument");
    memset(out, 0, sizeof *out);
    llmcost_job_fit_result f;
    int rc = llmcost_job_fit(&f, m, gpu, job);
    if (rc < 0)
        return rc;
    if (f.fits)
        return 0;
    llmcost_job j = *job;
    if ((rc = llmcost_job_validate(&j, m)) < 0)
        return rc;
    /* The changes together that fit on these GPUs, tried greedily (llmcost_job_make_fit). */
    llmcost_job fitjob;
    if (llmcost_job_make_fit(&fitjob, m, gpu, job, job->layout.gpus) == 0)
        llmcost_job_changes(out->together, sizeof out->together, &j, &fitjob);
    /* The planner's nearest fitting layout, with the job's memory savers (lc_plan_nearest_options passes them). */
    llmcost_plan_layout ref;
    llmcost_plan_options o;
    lc_plan_nearest_options(&o, &ref, gpu, &j);
    if ((rc = nearest_of(&out->nearest, &out->has_nearest, m, &o)) < 0)
        return rc;
    if (out->has_nearest) {
        nearest_changes(out->nearest_changes, sizeof out->nearest_changes, &j, &out->nearest);
        if ((rc = llmcost_plan_layout_flags_model(out->nearest_step_flags, sizeof out->nearest_step_flags, &o,
                                                  &out->nearest, gpu->name, false, m)) < 0 ||
            (rc = llmcost_plan_layout_flags_model(out->nearest_memory_flags, sizeof out->nearest_memory_flags, &o,
                                                  &out->nearest, gpu->name, true, m)) < 0)
            return rc;
        return 0;
    }
    /* Nothing fits on these GPUs: the smallest change that makes something fit, as `llmcost plan` offers it. */
    llmcost_plan_change *ch = NULL;
    size_t nch = 0;
    if ((rc = llmcost_plan_changes(&ch, &nch, m, &o)) < 0)
        return rc;
    if (nch > 0) {
        out->has_change = true;
        out->change = ch[0];
        rc = lc_plan_change_flags(out->change_step_flags, sizeof out->change_step_flags, &o, &ch[0], m);
    }
    llmcost_free(ch);
    return rc < 0 ? rc : 0;
}

const char *llmcost_plan_change_name(llmcost_plan_change_kind k)
{
    static const char *const names[LLMCOST_PLAN_CHANGE_COUNT] = {"more_gpus", "bigger_gpu", "shorter_seq",
                                                                 "more_recompute", "cp_allgather"};
    return (unsigned)k < LLMCOST_PLAN_CHANGE_COUNT ? names[k] : "?";
}

int llmcost_plan_change_words(char *buf, size_t n, const llmcost_plan_change *c, bool with_flag)
{
    if (!buf || !n || !c)
        return lc_fail(LLMCOST_EINVAL, "llmcost_plan_change_words: a NULL argument");
    int len;
    switch (c->kind) {
    case LLMCOST_PLAN_MORE_GPUS:
        len = snprintf(buf, n, "%lld %s GPUs%s", (long long)c->gpus, c->gpu, with_flag ? " (--gpus)" : "");
        break;
    case LLMCOST_PLAN_BIGGER_GPU:
        len = snprintf(buf, n, "a bigger GPU, %s%s", c->gpu, with_flag ? " (--gpu)" : "");
        break;
    case LLMCOST_PLAN_SHORTER_SEQ:
        len = snprintf(buf, n, "sequences of %lld%s", (long long)c->seq, with_flag ? " (--seq)" : "");
        break;
    case LLMCOST_PLAN_MORE_RECOMPUTE:
        len = snprintf(buf, n, "%s recomputation%s%s%s", llmcost_recompute_name(c->recompute),
                       with_flag ? " (--recompute " : "", with_flag ? llmcost_recompute_name(c->recompute) : "",
                       with_flag ? ")" : "");
        break;
    case LLMCOST_PLAN_CP_ALLGATHER:
        len = snprintf(buf, n, "%lld %s GPUs with context parallelism by all-gather (--cp-comm allgather)",
                       (long long)c->gpus, c->gpu);
        break;
    default:
        buf[0] = '\0';
        return lc_fail(LLMCOST_EINVAL, "llmcost_plan_change_words: kind %d is not a change", (int)c->kind);
    }
    if (len < 0 || (size_t)len >= n)
        return lc_fail(LLMCOST_EOVERFLOW, "llmcost_plan_change_words: %zu bytes do not hold the words", n);
    return 0;
}

/* Searches "o" for the best layout only; 1 when something fits ("best" filled), 0 when not, or a failure. */
static int try_change(llmcost_plan_layout *best, const llmcost_model *m, const llmcost_plan_options *o)
{
    llmcost_plan_options x;
    lc_plan_options_copy(&x, o);
    x.top = 1;
    x.pareto = false;
    x.progress = NULL;
    llmcost_plan p;
    int rc = llmcost_plan_search(&p, m, &x);
    if (rc == LLMCOST_EINVAL)
        return 0; /* the change makes the job invalid (a fixed degree, a batch that no longer splits) */
    if (rc)
        return rc;
    rc = p.n_layouts > 0;
    if (rc)
        *best = p.layouts[0];
    llmcost_plan_dispose(&p);
    return rc;
}

int llmcost_plan_changes(llmcost_plan_change **out, size_t *n, const llmcost_model *m, const llmcost_plan_options *o)
{
    *out = NULL;
    *n = 0;
    int rc = check_options(m, o);
    if (rc)
        return rc;
    llmcost_plan_change *v = calloc(LLMCOST_PLAN_CHANGE_COUNT, sizeof *v);
    if (!v)
        return lc_fail(LLMCOST_ENOMEM, "out of memory");
    size_t k = 0;
    llmcost_plan_options x;
    /* More GPUs: the same job on 2, 4, ... 64 times as many. */
    for (int64_t f = 2; f <= 64; f *= 2) {
        lc_plan_options_copy(&x, o);
        x.gpus = o->gpus * f;
        x.dp = LLMCOST_PLAN_ANY;
        if ((rc = try_change(&v[k].best, m, &x)) < 0)
            goto fail;
        if (rc) {
            v[k].kind = LLMCOST_PLAN_MORE_GPUS;
            v[k].gpus = x.gpus;
            lc_strlcpy(v[k].gpu, o->gpu_types[v[k].best.gpu_type].name, sizeof v[k].gpu);
            k++;
            break;
        }
    }
    /* A bigger GPU: catalogue GPUs with more memory than every candidate, the smallest first. */
    double largest = 0;
    for (size_t i = 0; i < o->n_gpu_types; i++)
        largest = fmax(largest, o->gpu_types[i].memory_bytes);
    /* The caller's catalogue when given (a user GPU file's GPUs are candidates too), else the process default. */
    const llmcost_catalog *cat = o->version >= 3 ? o->catalog : NULL;
    /* Candidates under a power cap (the first type's: a front end caps every type alike): a bigger GPU runs under
     * the same cap, and one the cap cannot apply to (no board power, or one below the cap) is not offered. */
    const llmcost_gpu *g0 = &o->gpu_types[0];
    double cap = g0->clock_fraction > 0 && g0->clock_fraction < 1 ? g0->tdp_watts : 0;
    llmcost_gpu bigger;
    bool tried[256] = {false};
    for (;;) {
        int pick = -1;
        for (int i = 0; i < llmcost_catalog_gpu_count(cat) && i < 256; i++) {
            const llmcost_gpu *g = llmcost_catalog_gpu_at(cat, i);
            /* Only a GPU that runs the job's precision (a V100 has no bf16): else its step would fail the search. */
            llmcost_job pj;
            llmcost_job_init(&pj);
            pj.precision = o->precision;
            llmcost_gpu gc = *g;
            if (!tried[i] && g->memory_bytes > largest && llmcost_job_check_gpu(&pj, g) == 0 &&
                (cap == 0 || llmcost_gpu_power_cap(&gc, cap, NULL, 0) == 0) &&
                (pick < 0 || g->memory_bytes < llmcost_catalog_gpu_at(cat, pick)->memory_bytes))
                pick = i;
        }
        if (pick < 0)
            break;
        tried[pick] = true;
        lc_plan_options_copy(&x, o);
        bigger = *llmcost_catalog_gpu_at(cat, pick);
        if (cap > 0 && (rc = llmcost_gpu_power_cap(&bigger, cap, NULL, 0)) < 0)
            goto fail;
        x.gpu_types = &bigger;
        x.n_gpu_types = 1;
        if ((rc = try_change(&v[k].best, m, &x)) < 0)
            goto fail;
        if (rc) {
            v[k].kind = LLMCOST_PLAN_BIGGER_GPU;
            v[k].gpus = o->gpus;
            lc_strlcpy(v[k].gpu, x.gpu_types->name, sizeof v[k].gpu);
            k++;
            break;
        }
    }
    /* Shorter sequences, the same tokens per step. */
    for (int64_t d = 2; d <= 16 && o->seq / d >= 1 && o->seq % d == 0; d *= 2) {
        lc_plan_options_copy(&x, o);
        x.seq = o->seq / d;
        if ((rc = try_change(&v[k].best, m, &x)) < 0)
            goto fail;
        if (rc) {
            v[k].kind = LLMCOST_PLAN_SHORTER_SEQ;
            v[k].gpus = o->gpus;
            v[k].seq = x.seq;
            lc_strlcpy(v[k].gpu, o->gpu_types[v[k].best.gpu_type].name, sizeof v[k].gpu);
            k++;
            break;
        }
    }
    /* Full recomputation where a lighter one was fixed. */
    if (o->recompute != LLMCOST_PLAN_ANY && o->recompute < LLMCOST_RECOMPUTE_FULL) {
        lc_plan_options_copy(&x, o);
        x.recompute = LLMCOST_RECOMPUTE_FULL;
        if ((rc = try_change(&v[k].best, m, &x)) < 0)
            goto fail;
        if (rc) {
            v[k].kind = LLMCOST_PLAN_MORE_RECOMPUTE;
            v[k].gpus = o->gpus;
            v[k].recompute = LLMCOST_RECOMPUTE_FULL;
            lc_strlcpy(v[k].gpu, o->gpu_types[v[k].best.gpu_type].name, sizeof v[k].gpu);
            k++;
        }
    }
    /* A ring (p2p, torch) over sliding-window layers refuses every layout with cp > 1 (lc_cp_window_check):
     * Transformer Engine's all-gather takes the window (Llama 3's context parallelism): on these GPUs, else on 2, 4, ...
     * 64 times as many (the ring's layouts with more GPUs were refused too). */
    int64_t window;
    if (plan_cp_ring(o) && lc_windowed_layers(m, o->seq, &window) > 0 && (o->cp == LLMCOST_PLAN_ANY || o->cp > 1)) {
        for (int64_t f = 1; f <= 64; f *= 2) {
            lc_plan_options_copy(&x, o);
            x.version = LLMCOST_PLAN_OPTIONS_VERSION; /* the fields an older caller lacks at their defaults */
            x.cp_comm = LLMCOST_CP_ALLGATHER;
            x.gpus = o->gpus * f;
            if (f > 1)
                x.dp = LLMCOST_PLAN_ANY;
            if ((rc = try_change(&v[k].best, m, &x)) < 0)
                goto fail;
            if (rc) {
                v[k].kind = LLMCOST_PLAN_CP_ALLGATHER;
                v[k].gpus = x.gpus;
                lc_strlcpy(v[k].gpu, o->gpu_types[v[k].best.gpu_type].name, sizeof v[k].gpu);
                k++;
                break;
            }
        }
    }
    *out = v;
    *n = k;
    return 0;
fail:
    free(v);
    return rc;
}
