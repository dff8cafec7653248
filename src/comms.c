/* comms.c - cost of collectives: ring and tree, split into the node's links and the network, each link's bandwidth
 * taken at the fraction of its plateau that NCCL reaches for the message size (data/calibration/nccl_busbw.json). */
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "embedded.h"
#include "internal.h"
#include "llmcost/comms.h"

/*
 * Measured bus-bandwidth curves (nccl-tests), converted at load to x = bytes one rank sends over the link in the
 * measured collective and f = busbw(x) / busbw(largest x). lc_comm_size_fraction interpolates f in log x. Each
 * curve names its collective; a reduce-scatter or all-gather takes its own where one covers its size (curve_pick),
 * else the all-reduce's.
 */
#define MAX_CURVES 8
#define MAX_POINTS 40
#define MAX_CURVE_GPUS 8
typedef struct {
    bool scaleout;
    char gpus[MAX_CURVE_GPUS][48];
    int ngpus;
    int npts;
    double x[MAX_POINTS], f[MAX_POINTS];
    double meas_steps; /* latency steps the measured collective holds: 2(r-1) for an all-reduce, r-1 for either half
                        * (r: its nodes over the network, its ranks inside a node) */
    llmcost_collective coll; /* all_reduce, reduce_scatter or all_gather */
} bw_curve;
static bw_curve curves[MAX_CURVES];
static int ncurves;
static pthread_once_t curves_once = PTHREAD_ONCE_INIT;

static void load_curves(void)
{
    const lc_embedded *e = lc_embedded_find("data/calibration/nccl_busbw.json");
    json_t *doc = NULL;
    if (!e || lc_parse_json(&doc, e->text, e->len, e->path) != 0)
        return; /* no curves: the plain alpha-beta model */
    size_t i, j;
    json_t *c;
    json_array_foreach(json_object_get(doc, "curves"), i, c)
    {
        if (ncurves >= MAX_CURVES)
            break;
        bw_curve *b = &curves[ncurves];
        memset(b, 0, sizeof *b);
        const char *link = json_string_value(json_object_get(c, "link"));
        const char *coll = json_string_value(json_object_get(c, "collective"));
        double n = json_number_value(json_object_get(c, "ranks")), k = json_number_value(json_object_get(c, "per_node"));
        if (!link || !coll || !(n >= 2) || !(k >= 1))
            continue;
        if (strcmp(coll, "all_reduce") == 0)
            b->coll = LLMCOST_COLL_ALL_REDUCE;
        else if (strcmp(coll, "reduce_scatter") == 0)
            b->coll = LLMCOST_COLL_REDUCE_SCATTER;
        else if (strcmp(coll, "all_gather") == 0)
            b->coll = LLMCOST_COLL_ALL_GATHER;
        else
            continue;
        b->scaleout = strcmp(link, "scaleout") == 0;
        double m = n / k, per = b->coll == LLMCOST_COLL_ALL_REDUCE ? 2 : 1;
        /* Bytes per rank on the link for an all-reduce of S: 2(n-1)/n S inside one node, 2(m-1)/m S/k across; half
         * that for a reduce-scatter or all-gather (nccl-tests prints their size as the whole buffer, count x n). */
        double per_byte = b->scaleout ? per * (m - 1) / m / k : per * (n - 1) / n;
        if (!(per_byte > 0))
            continue;
        b->meas_steps = per * ((b->scaleout ? m : n) - 1);
        json_t *g, *pt;
        json_array_foreach(json_object_get(c, "gpus"), j, g)
        {
            const char *name = json_string_value(g);
            if (name && b->ngpus < MAX_CURVE_GPUS)
                snprintf(b->gpus[b->ngpus++], sizeof b->gpus[0], "%s", name);
        }
        json_array_foreach(json_object_get(c, "points"), j, pt)
        {
            double S = json_number_value(json_array_get(pt, 0)), bw = json_number_value(json_array_get(pt, 1));
            if (b->npts < MAX_POINTS && S > 0 && bw > 0 && (b->npts == 0 || S * per_byte > b->x[b->npts - 1])) {
                b->x[b->npts] = S * per_byte;
                b->f[b->npts++] = bw;
            }
        }
        if (b->npts < 2)
            continue;
        double top = b->f[b->npts - 1];
        for (int p = 0; p < b->npts; p++)
            b->f[p] = fmin(1, b->f[p] / top);
        ncurves++;
    }
    json_decref(doc);
}

static const bw_curve *curve_of(const llmcost_gpu *gpu, bool scaleout, llmcost_collective coll)
{
    pthread_once(&curves_once, load_curves);
    for (int i = 0; i < ncurves; i++)
        if (curves[i].scaleout == scaleout && curves[i].coll == coll)
            for (int j = 0; j < curves[i].ngpus; j++)
                if (strcmp(curves[i].gpus[j], gpu->name) == 0)
                    return &curves[i];
    return NULL;
}

static const bw_curve *curve_for(const llmcost_gpu *gpu, bool scaleout)
{
    return curve_of(gpu, scaleout, LLMCOST_COLL_ALL_REDUCE);
}

/* The curve a collective's "link_bytes" per rank go by: its own measurement where one covers that size (from its
 * smallest measured size up), else the all-reduce's shape. */
static const bw_curve *curve_pick(const llmcost_gpu *gpu, bool scaleout, llmcost_collective coll, double link_bytes)
{
    if (coll != LLMCOST_COLL_ALL_REDUCE) {
        const bw_curve *own = curve_of(gpu, scaleout, coll);
        if (own && link_bytes >= own->x[0])
            return own;
    }
    return curve_for(gpu, scaleout);
}

static double curve_fraction(const bw_curve *b, double x)
{
    if (!b || !(x > 0))
        return 1;
    if (x <= b->x[0]) /* latency-bound: the smallest size's time, so busbw falls in proportion */
        return b->f[0] * x / b->x[0];
    for (int p = 1; p < b->npts; p++)
        if (x <= b->x[p]) {
            double w = log(x / b->x[p - 1]) / log(b->x[p] / b->x[p - 1]);
            return b->f[p - 1] + w * (b->f[p] - b->f[p - 1]);
        }
    return 1;
}

double lc_comm_size_fraction(const llmcost_gpu *gpu, bool scaleout, double link_bytes)
{
    return curve_fraction(curve_for(gpu, scaleout), link_bytes);
}

/* The links' curves for one collective, and the latency steps the measured all-reduce already holds. */
typedef struct {
    const bw_curve *up, *out;
} link_curves;

/* Seconds to move "bytes" over a link of plateau B with curve "b" (1 without one). */
static double link_seconds(double bytes, double B, const bw_curve *b)
{
    if (!(B > 0) || !(bytes > 0))
        return 0;
    return bytes / (B * curve_fraction(b, bytes));
}

/* Latency steps beyond those inside a measured curve (its collective's ring steps over its ranks or nodes). */
static double extra_steps(double steps, const bw_curve *b)
{
    if (!b)
        return steps;
    return fmax(0, steps - b->meas_steps);
}

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
                 double au, double ao, const link_curves *lc)
{
    double m = n / k;
    double up_frac = (k - 1) / k, out_frac = (m - 1) / m;
    /* Ring steps per rank or node: 2 for all-reduce (reduce-scatter then all-gather), 1 for either half. A measured
     * curve already holds the latency of its all-reduce's 2(r-1) steps; only steps beyond those are added. */
    double per = c == LLMCOST_COLL_ALL_REDUCE ? 2 : 1;
    out->scaleup_bytes = per * up_frac * M;
    out->scaleout_bytes = per * out_frac * M / k;
    out->latency_seconds = extra_steps(per * (k - 1), lc->up) * au + extra_steps(per * (m - 1), lc->out) * ao;
    out->seconds = link_seconds(out->scaleup_bytes, Bu, lc->up) + link_seconds(out->scaleout_bytes, Bo, lc->out) +
                   out->latency_seconds;
    out->algo = LLMCOST_ALGO_RING;
}

/*
 * Double binary tree all-reduce across nodes (NCCL >= 2.4): the node's ranks reduce-scatter and all-gather as in
 * the ring, the m nodes reduce up and broadcast down two trees, each carrying half the data, so each node's
 * ports move about 2x its share of the data and the latency grows with log2(m) instead of m.
 */
static void tree(llmcost_comm_cost *out, double M, double n, double k, double Bu, double Bo, double au, double ao,
                 const link_curves *lc)
{
    double m = n / k;
    out->scaleup_bytes = 2 * (k - 1) / k * M;
    out->scaleout_bytes = m > 1 ? 2 * M / k : 0;
    out->latency_seconds = extra_steps(2 * (k - 1), lc->up) * au +
                           (m > 1 ? extra_steps(2 * ceil(log2(m)), lc->out) * ao : 0);
    out->seconds = link_seconds(out->scaleup_bytes, Bu, lc->up) + link_seconds(out->scaleout_bytes, Bo, lc->out) +
                   out->latency_seconds;
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
    /* Reduce-scatter, all-gather and all-reduce: each link at its measured fraction for the bytes it carries. */
    /* Reduce-scatter and all-gather go by their own curve where one is measured for the bytes they send. */
    double per = c == LLMCOST_COLL_ALL_REDUCE ? 2 : 1;
    link_curves lr = {k > 1 ? curve_pick(gpu, false, c, per * (k - 1) / k * bytes) : NULL,
                      k < n ? curve_pick(gpu, true, c, per * (n / k - 1) / (n / k) * bytes / k) : NULL};
    link_curves lc = {k > 1 ? curve_for(gpu, false) : NULL, k < n ? curve_for(gpu, true) : NULL};
    llmcost_comm_cost r, t;
    ring(&r, c, bytes, n, k, Bu, Bo, au, ao, &lr);
    if (c != LLMCOST_COLL_ALL_REDUCE || opt->algo == LLMCOST_ALGO_RING || k == n) {
        *out = r;
        return 0;
    }
    tree(&t, bytes, n, k, Bu, Bo, au, ao, &lc);
    *out = (opt->algo == LLMCOST_ALGO_TREE || t.seconds < r.seconds) ? t : r;
    return 0;
}

/* Binomial-like ratio C(P - c, K) / C(P, K): the chance that K experts drawn without replacement from a pool of P
 * miss the c of them that one unit (node or rank) holds. */
static double miss_all(double P, double c, double K)
{
    if (c <= 0)
        return 1;
    if (P - c < K)
        return 0;
    double r = 1;
    for (double i = 0; i < K; i++)
        r *= (P - c - i) / (P - i);
    return r;
}

/*
 * Expected distinct units among one token's K routed experts: E experts in "units" contiguous equal blocks (nodes or
 * EP ranks), in G contiguous groups of E/G; the token picks M of the G groups uniformly, then K experts uniformly
 * among the M·E/G they hold (a balanced router, the least spread one has; G = M = 1: any expert). Each unit is
 * touched unless all K miss it: E[D] = sum_j 1 - E_S[C(P - c_j(S), K) / C(P, K)], P = M·E/G, c_j(S) = the unit's
 * experts inside the chosen groups S, averaged over the C(G, M) choices by counting them (a table over groups of
 * how many subsets give each c_j). When units and groups nest (one inside the other) every unit sees the same
 * overlaps and one unit's term is taken units times. Returns 0 for an impossible description.
 */
double lc_moe_expected_units(int64_t E, int64_t K, int64_t G, int64_t M, int64_t units)
{
    if (E < 1 || K < 1 || units < 1 || E % units != 0)
        return 0;
    if (G < 1 || M < 1 || M >= G || E % G != 0) {
        G = 1;
        M = 1;
    }
    int64_t per_g = E / G, per_u = E / units;
    double P = (double)(M * per_g);
    if ((double)K > P)
        return 0;
    bool nested = per_g % per_u == 0 || per_u % per_g == 0;
    int64_t todo = nested ? 1 : units;
    int64_t cmax = per_u;
    /* ways[k][c]: subsets of k groups among those seen so far whose overlap with the unit totals c. */
    size_t w = (size_t)(cmax + 1);
    double *ways = malloc((size_t)(M + 1) * w * sizeof *ways);
    if (!ways)
        return 0;
    double total = 0;
    for (int64_t j = 0; j < todo; j++) {
        int64_t lo = j * per_u, hi = lo + per_u; /* the unit's experts [lo, hi) */
        memset(ways, 0, (size_t)(M + 1) * w * sizeof *ways);
        ways[0] = 1;
        for (int64_t g = 0; g < G; g++) {
            int64_t a = g * per_g, b = a + per_g;
            int64_t ov = (b < hi ? b : hi) - (a > lo ? a : lo);
            if (ov < 0)
                ov = 0;
            for (int64_t k = (g + 1 < M ? g + 1 : M); k >= 1; k--)
                for (int64_t c = cmax; c >= ov; c--)
                    ways[k * (int64_t)w + c] += ways[(k - 1) * (int64_t)w + c - ov];
        }
        double subsets = 0, miss = 0;
        for (int64_t c = 0; c <= cmax; c++) {
            double n = ways[M * (int64_t)w + c];
            subsets += n;
            miss += n * miss_all(P, (double)c, (double)K);
        }
        total += subsets > 0 ? 1 - miss / subsets : 0;
    }
    free(ways);
    return nested ? total * (double)units : total;
}

/*
 * DeepSeek-V3's cross-node all-to-all (arXiv 2412.19437 §3.2.2; DeepEP's normal kernels): a token goes once over
 * the network to each other node holding one of its experts, to the GPU of the same in-node index, which forwards
 * it over NVLink to each GPU of that node holding its experts (combine runs the reverse, reducing on the way). Per
 * rank, for "token_bytes" of tokens: network bytes = token_bytes · E[D]·(m-1)/m (E[D]: distinct nodes a token
 * reaches; the rank's own node, one of m, needs no network), NVLink-leg bytes = token_bytes · E[R] (E[R]: distinct
 * ranks a token reaches), the rank's own copy included: DeepEP's kernels pass it through the same channel buffers
 * and warps as the copies for its peers (intranode.cu: the sender SM's threads split evenly over the kNumRanks
 * destinations, itself one of them, and the receivers copy every slot out; internode.cu: one forwarder warp per
 * local rank, its own included), and the NVLink ceiling DeepEP measures, ~160 GB/s on H800 (DeepEP issue #16; the
 * catalogue's 200 GB/s at 80%), is of that count (its tests' nvl_recv_bytes = recv_x.numel() x 2, every token the
 * rank receives). The two legs run pipelined, so the slower sets the time, plus one latency step on each; at EP16
 * on H800 that is the NVLink leg (DeepEP issue #285: "the NVLink bandwidth will exceeds 140 GB/s, making NVLink
 * the bottleneck").
 */
int lc_comm_forwarded_a2a(llmcost_comm_cost *out, const llmcost_gpu *gpu, double token_bytes, double nodes_reached,
                          double ranks_reached, const llmcost_comm_group *g, const llmcost_comm_options *opt)
{
    static const llmcost_comm_options dflt = LLMCOST_COMM_OPTIONS_INIT;
    if (!opt)
        opt = &dflt;
    memset(out, 0, sizeof *out);
    out->algo = LLMCOST_ALGO_RING;
    double n = (double)g->size, k = (double)g->per_domain, m = n / k;
    if (g->size <= 1 || !(token_bytes > 0))
        return 0;
    double Bu = gpu->scaleup_bw * opt->scaleup_efficiency, Bo = gpu->scaleout_bw * opt->scaleout_efficiency;
    if ((k > 1 && Bu <= 0) || (m > 1 && Bo <= 0))
        return lc_fail(LLMCOST_EINVAL, "%s has no %s bandwidth in the catalogue", gpu->name,
                       k > 1 && Bu <= 0 ? "scale-up" : "scale-out");
    out->scaleout_bytes = m > 1 ? token_bytes * nodes_reached * (m - 1) / m : 0;
    out->scaleup_bytes = k > 1 ? token_bytes * ranks_reached : 0; /* the own copy too (above) */
    double tu = k > 1 ? out->scaleup_bytes / Bu : 0, to = m > 1 ? out->scaleout_bytes / Bo : 0;
    out->latency_seconds = (k > 1 ? opt->scaleup_latency : 0) + (m > 1 ? opt->scaleout_latency : 0);
    out->seconds = fmax(tu, to) + out->latency_seconds;
    return 0;
}
