/* test_comms.c - collective costs against the alpha-beta formulas derived by hand in each test's comment. */
#include <criterion/criterion.h>
#include <math.h>

#include "llmcost/llmcost.h"

/* A GPU with round numbers: 100 GB/s one-way inside a node of 8, 10 GB/s across nodes. */
static llmcost_gpu toy(void)
{
    llmcost_gpu g = *llmcost_gpu_find("h100");
    g.scaleup_bw = 100e9;
    g.scaleup_size = 8;
    g.scaleout_bw = 10e9;
    return g;
}

/* Efficiency 1 and no latency, so that only the bandwidth terms remain. */
static llmcost_comm_options ideal(llmcost_comm_algo algo)
{
    llmcost_comm_options o = LLMCOST_COMM_OPTIONS_INIT;
    o.algo = algo;
    o.scaleup_efficiency = o.scaleout_efficiency = 1;
    o.scaleup_latency = o.scaleout_latency = 0;
    return o;
}

static double t(llmcost_collective c, double bytes, int64_t n, int64_t k, llmcost_comm_algo algo)
{
    llmcost_gpu g = toy();
    llmcost_comm_options o = ideal(algo);
    llmcost_comm_group grp = {n, k};
    llmcost_comm_cost cc;
    cr_assert_eq(llmcost_comm_time(&cc, &g, c, bytes, &grp, &o), 0, "%s", llmcost_errmsg());
    return cc.seconds;
}

Test(comms_ring, all_reduce_inside_a_node_is_2_n_minus_1_over_n)
{
    /* Ring all-reduce of M = 1 GB over 8 ranks at 100 GB/s: 2 (n-1)/n M / B = 2 * 7/8 * 1e9 / 1e11 = 17.5 ms
     * (Patarasuk & Yuan 2009). Reduce-scatter and all-gather are half of it each. */
    cr_expect_float_eq(t(LLMCOST_COLL_ALL_REDUCE, 1e9, 8, 8, LLMCOST_ALGO_RING), 0.0175, 1e-12);
    cr_expect_float_eq(t(LLMCOST_COLL_REDUCE_SCATTER, 1e9, 8, 8, LLMCOST_ALGO_RING), 0.00875, 1e-12);
    cr_expect_float_eq(t(LLMCOST_COLL_ALL_GATHER, 1e9, 8, 8, LLMCOST_ALGO_RING), 0.00875, 1e-12);
}

Test(comms_ring, across_nodes_the_network_carries_one_kth)
{
    /* 64 ranks, 8 per node: reduce-scatter inside (7/8 M at 100 GB/s = 8.75 ms), all-reduce of M/8 across the
     * 8 nodes on each rank's own port (2 * 7/8 * 1.25e8 / 1e10 = 21.875 ms), all-gather inside (8.75 ms):
     * 39.375 ms for 1 GB. A flat ring at the network's 10 GB/s would take 2 * 63/64 * 1e9 / 1e10 = 197 ms. */
    cr_expect_float_eq(t(LLMCOST_COLL_ALL_REDUCE, 1e9, 64, 8, LLMCOST_ALGO_RING), 0.039375, 1e-12);
    /* One rank per node: the whole ring runs over the network: 2 * 15/16 * 1e9 / 1e10 = 187.5 ms. */
    cr_expect_float_eq(t(LLMCOST_COLL_ALL_REDUCE, 1e9, 16, 1, LLMCOST_ALGO_RING), 0.1875, 1e-12);
}

Test(comms_tree, latency_grows_with_log_nodes_and_auto_picks_the_faster)
{
    llmcost_gpu g = toy();
    llmcost_comm_options o = LLMCOST_COMM_OPTIONS_INIT;
    o.scaleup_efficiency = o.scaleout_efficiency = 1;
    o.scaleup_latency = 0;
    o.scaleout_latency = 10e-6;
    llmcost_comm_group grp = {1024, 1};
    llmcost_comm_cost ring, tree, any;
    /* A small message (1 KB) over 1,024 nodes: the ring pays 2 * 1023 steps of 10 us = 20.46 ms of latency, the
     * tree 2 * log2(1024) = 20 steps = 0.2 ms; auto chooses the tree. */
    o.algo = LLMCOST_ALGO_RING;
    llmcost_comm_time(&ring, &g, LLMCOST_COLL_ALL_REDUCE, 1e3, &grp, &o);
    o.algo = LLMCOST_ALGO_TREE;
    llmcost_comm_time(&tree, &g, LLMCOST_COLL_ALL_REDUCE, 1e3, &grp, &o);
    o.algo = LLMCOST_ALGO_AUTO;
    llmcost_comm_time(&any, &g, LLMCOST_COLL_ALL_REDUCE, 1e3, &grp, &o);
    cr_expect_float_eq(ring.latency_seconds, 2 * 1023 * 10e-6, 1e-12);
    cr_expect_float_eq(tree.latency_seconds, 20 * 10e-6, 1e-12);
    cr_expect_eq(any.algo, LLMCOST_ALGO_TREE);
    /* A large message (10 GB) over 2 nodes: the ring moves 2 * 1/2 * M/k... per port, the tree 2 M/k: ring wins. */
    grp = (llmcost_comm_group){16, 8};
    llmcost_comm_time(&any, &g, LLMCOST_COLL_ALL_REDUCE, 1e10, &grp, &o);
    cr_expect_eq(any.algo, LLMCOST_ALGO_RING);
}

Test(comms_all_to_all, remote_share_goes_over_the_network)
{
    /* 16 ranks, 8 per node, each sending 1.6 GB in all: 7/16 of it (0.7 GB) to its node at 100 GB/s = 7 ms, 8/16
     * (0.8 GB) to the other node at 10 GB/s = 80 ms, at the same time: 80 ms. */
    cr_expect_float_eq(t(LLMCOST_COLL_ALL_TO_ALL, 1.6e9, 16, 8, LLMCOST_ALGO_AUTO), 0.08, 1e-12);
    /* All in one node: 7/8 of 1.6 GB at 100 GB/s = 14 ms. */
    cr_expect_float_eq(t(LLMCOST_COLL_ALL_TO_ALL, 1.6e9, 8, 8, LLMCOST_ALGO_AUTO), 0.014, 1e-12);
}

Test(comms_p2p, inside_or_across_a_node)
{
    cr_expect_float_eq(t(LLMCOST_COLL_P2P, 1e9, 2, 2, LLMCOST_ALGO_AUTO), 0.01, 1e-12); /* 1 GB / 100 GB/s */
    cr_expect_float_eq(t(LLMCOST_COLL_P2P, 1e9, 2, 1, LLMCOST_ALGO_AUTO), 0.1, 1e-12);  /* 1 GB / 10 GB/s */
}

Test(comms_groups, ranks_per_node_follow_the_stride)
{
    /* Tensor parallel 8 at stride 1 in nodes of 8: one node. Data parallel 64 after TP 8: one rank per node.
     * Context parallel 4 after TP 2: 4 per node (8 / 2). */
    llmcost_comm_group g = llmcost_comm_group_of(8, 1, 8);
    cr_expect_eq(g.per_domain, 8);
    g = llmcost_comm_group_of(64, 8, 8);
    cr_expect_eq(g.per_domain, 1);
    g = llmcost_comm_group_of(4, 2, 8);
    cr_expect_eq(g.per_domain, 4);
    g = llmcost_comm_group_of(6, 2, 8); /* 4 would fit per node but must divide 6: 3 */
    cr_expect_eq(g.per_domain, 3);
}

Test(comms_errors, bad_groups_and_sizes_fail)
{
    llmcost_gpu g = toy();
    llmcost_comm_cost cc;
    llmcost_comm_group bad = {6, 4};
    cr_expect_eq(llmcost_comm_time(&cc, &g, LLMCOST_COLL_ALL_REDUCE, 1e6, &bad, NULL), LLMCOST_EINVAL);
    llmcost_comm_group ok = {8, 8};
    cr_expect_eq(llmcost_comm_time(&cc, &g, LLMCOST_COLL_ALL_REDUCE, -1, &ok, NULL), LLMCOST_EINVAL);
    cr_expect_eq(llmcost_comm_time(&cc, &g, LLMCOST_COLL_ALL_REDUCE, NAN, &ok, NULL), LLMCOST_EINVAL);
    llmcost_comm_group one = {1, 1};
    cr_expect_eq(llmcost_comm_time(&cc, &g, LLMCOST_COLL_ALL_REDUCE, 1e9, &one, NULL), 0);
    cr_expect_eq(cc.seconds, 0);
    g.scaleout_bw = 0;
    llmcost_comm_group across = {16, 8};
    cr_expect_eq(llmcost_comm_time(&cc, &g, LLMCOST_COLL_ALL_REDUCE, 1e9, &across, NULL), LLMCOST_EINVAL);
}
