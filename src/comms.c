/* comms.c - alpha-beta cost of collectives: ring and tree, split into the node's links and the network. */
#include <math.h>

#include "internal.h"
#include "llmcost/comms.h"

const char *llmcost_collective_name(llmcost_collective c)
{
    static const char *const names[LLMCOST_COLL_COUNT] = {"all_reduce", "reduce_scatter", "all_gather",
                                                          "all_to_all", "p2p"};
    return (unsigned)c < LLMCOST_COLL_COUNT ? names[c] : "?";
}

const char *llmcost_comm_algo_name(llmcost_comm_algo a)
{
    return a == LLMCOST_ALGO_TREE ? "tree" : a == LLMCOST_ALGO_RING ? "ring" : "auto";
}

llmcost_comm_group llmcost_comm_group_of(int64_t size, int64_t stride, int64_t domain)
{
    llmcost_comm_group g = {size < 1 ? 1 : size, 1};
    if (stride < 1)
        stride = 1;
    if (domain < 1)
        domain = 1;
    /* Ranks stride apart: a node of "domain" GPUs holds domain/stride of them (one when stride >= domain). */
    int64_t k = stride >= domain ? 1 : domain / stride;
    if (k > g.size)
        k = g.size;
    while (k > 1 && g.size % k != 0)
        k--;
    g.per_domain = k;
    return g;
}

/*
 * Ring collectives (Patarasuk & Yuan 2009; Thakur et al. 2005), done hierarchically when the group spans nodes:
 * the step inside each node over its k ranks, then the step across the m = n/k nodes on 1/k of the data per rank,
 * each rank using its own network port (one NIC per GPU), then the inverse step inside the node.
 */
static void ring(llmcost_comm_cost *out, llmcost_collective c, double M, double n, double k, double Bu, double Bo,
                 double au, double ao)
{
    double m = n / k;
    double up_frac = (k - 1) / k, out_frac = (m - 1) / m;
    switch (c) {
    case LLMCOST_COLL_ALL_REDUCE:
        /* reduce-scatter + all-gather: 2(k-1)/k M inside, 2(m-1)/m M/k across */
        out->scaleup_bytes = 2 * up_frac * M;
        out->scaleout_bytes = 2 * out_frac * M / k;
        out->latency_seconds = 2 * (k - 1) * au + 2 * (m - 1) * ao;
        break;
    case LLMCOST_COLL_REDUCE_SCATTER:
    case LLMCOST_COLL_ALL_GATHER:
        out->scaleup_bytes = up_frac * M;
        out->scaleout_bytes = out_frac * M / k;
        out->latency_seconds = (k - 1) * au + (m - 1) * ao;
        break;
    default:
        break;
    }
    out->seconds = (Bu > 0 ? out->scaleup_bytes / Bu : 0) + (Bo > 0 ? out->scaleout_bytes / Bo : 0) + out->latency_seconds;
    out->algo = LLMCOST_ALGO_RING;
}

/*
 * Double binary tree all-reduce across nodes (NCCL >= 2.4): the node's ranks reduce-scatter and all-gather as in
 * the ring, the m nodes reduce up and broadcast down two trees, each carrying half the data, so each node's
 * ports move about 2x its share of the data and the latency grows with log2(m) instead of m.
 */
static void tree(llmcost_comm_cost *out, double M, double n, double k, double Bu, double Bo, double au, double ao)
{
    double m = n / k;
    out->scaleup_bytes = 2 * (k - 1) / k * M;
    out->scaleout_bytes = m > 1 ? 2 * M / k : 0;
    out->latency_seconds = 2 * (k - 1) * au + (m > 1 ? 2 * ceil(log2(m)) * ao : 0);
    out->seconds = (Bu > 0 ? out->scaleup_bytes / Bu : 0) + (Bo > 0 ? out->scaleout_bytes / Bo : 0) + out->latency_seconds;
    out->algo = LLMCOST_ALGO_TREE;
}

int llmcost_comm_time(llmcost_comm_cost *out, const llmcost_gpu *gpu, llmcost_collective c, double bytes,
                      const llmcost_comm_group *g, const llmcost_comm_options *opt)
{
    static const llmcost_comm_options dflt = LLMCOST_COMM_OPTIONS_INIT;
    if (!opt)
        opt = &dflt;
    out->seconds = out->latency_seconds = out->scaleup_bytes = out->scaleout_bytes = 0;
    out->algo = LLMCOST_ALGO_RING;
    int rc = LC_CHECK_VERSION(opt, COMM_OPTIONS, comm_options);
    if (rc)
        return rc;
    if (!(bytes >= 0) || !isfinite(bytes))
        return lc_fail(LLMCOST_EINVAL, "communication of %g bytes", bytes);
    if ((unsigned)c >= LLMCOST_COLL_COUNT)
        return lc_fail(LLMCOST_EINVAL, "unknown collective %d", (int)c);
    if (g->size < 1 || g->per_domain < 1 || g->per_domain > g->size || g->size % g->per_domain != 0)
        return lc_fail(LLMCOST_EINVAL, "communicator of %lld ranks with %lld per node", (long long)g->size,
                       (long long)g->per_domain);
    double n = (double)g->size, k = (double)g->per_domain;
    if (c == LLMCOST_COLL_P2P) {
        /* Point-to-point: per_domain 2 means both ends share a node. */
        bool inside = g->per_domain >= 2;
        double B = inside ? gpu->scaleup_bw * opt->scaleup_efficiency : gpu->scaleout_bw * opt->scaleout_efficiency;
        if (B <= 0)
            return lc_fail(LLMCOST_EINVAL, "%s has no %s bandwidth in the catalogue", gpu->name,
                           inside ? "scale-up" : "scale-out");
        out->latency_seconds = inside ? opt->scaleup_latency : opt->scaleout_latency;
        (inside ? &out->scaleup_bytes : &out->scaleout_bytes)[0] = bytes;
        out->seconds = bytes / B + out->latency_seconds;
        return 0;
    }
    if (g->size == 1 || bytes == 0)
        return 0;
    double Bu = gpu->scaleup_bw * opt->scaleup_efficiency, Bo = gpu->scaleout_bw * opt->scaleout_efficiency;
    /* Ranks alone in their node talk over the network only. */
    if (k == 1)
        Bu = 0;
    if ((k > 1 && Bu <= 0) || (k < n && Bo <= 0))
        return lc_fail(LLMCOST_EINVAL, "%s has no %s bandwidth in the catalogue", gpu->name,
                       k > 1 && Bu <= 0 ? "scale-up" : "scale-out");
    double au = opt->scaleup_latency, ao = opt->scaleout_latency;
    if (c == LLMCOST_COLL_ALL_TO_ALL) {
        /* Each rank sends M/n to each other rank: (k-1) M/n over the node's links and (n-k) M/n over its network
         * port, at the same time (pairwise exchange, Thakur et al. 2005). */
        out->scaleup_bytes = (k - 1) / n * bytes;
        out->scaleout_bytes = (n - k) / n * bytes;
        double tu = Bu > 0 ? out->scaleup_bytes / Bu : 0, to = Bo > 0 ? out->scaleout_bytes / Bo : 0;
        out->latency_seconds = (k > 1 ? au : 0) + (k < n ? ao : 0);
        out->seconds = fmax(tu, to) + out->latency_seconds;
        return 0;
    }
    llmcost_comm_cost r, t;
    ring(&r, c, bytes, n, k, Bu, Bo, au, ao);
    if (c != LLMCOST_COLL_ALL_REDUCE || opt->algo == LLMCOST_ALGO_RING || k == n) {
        *out = r;
        return 0;
    }
    tree(&t, bytes, n, k, Bu, Bo, au, ao);
    *out = (opt->algo == LLMCOST_ALGO_TREE || t.seconds < r.seconds) ? t : r;
    return 0;
}
