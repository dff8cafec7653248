/* test_comms.c - collective costs against the alpha-beta formulas derived by hand in each test's comment. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>

#include "llmcost/llmcost.h"

/* A GPU with round numbers: 100 GB/s one-way inside a node of 8, 10 GB/s across nodes. Named apart from the
 * catalogue's H100, it has no measured bus-bandwidth curve, so the alpha-beta formulas hold exactly. */
static llmcost_gpu toy(void)
{
    llmcost_gpu g = *llmcost_gpu_find("h100");
    snprintf(g.name, sizeof g.name, "toy");
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

/*
 * Measured bus-bandwidth curves (data/calibration/nccl_busbw.json). The catalogue's H100: NVLink 450 GB/s one-way
 * at the default 0.8 = 360 GB/s plateau, the network 50 GB/s at 0.9 = 45 GB/s. Each link's bandwidth is the plateau
 * times busbw(S) / busbw(largest S) of the curve, at the S whose bytes on that link equal this collective's.
 */
static double h100_time(llmcost_collective c, double bytes, int64_t n, int64_t k, llmcost_comm_algo algo)
{
    llmcost_comm_options o = LLMCOST_COMM_OPTIONS_INIT;
    o.algo = algo;
    llmcost_comm_group grp = {n, k};
    llmcost_comm_cost cc;
    cr_assert_eq(llmcost_comm_time(&cc, llmcost_gpu_find("h100"), c, bytes, &grp, &o), 0, "%s", llmcost_errmsg());
    return cc.seconds;
}

Test(comms_measured, one_mib_all_reduce_on_8_h100_runs_at_the_measured_busbw)
{
    /* 1 MiB all-reduce over the 8 GPUs of a node: each rank sends 2 * 7/8 * 1 MiB = 1,835,008 B over NVLink, which
     * is the curve's 1 MiB row exactly (8 ranks too): 66.11 GB/s of its 357.73 GB/s at 1 GiB. So the link runs at
     * 360 GB/s * 66.11 / 357.73 = 66.53 GB/s and the all-reduce takes 1,835,008 / 66.53e9 = 27.6 us (nccl-tests
     * measured 27.76 us there). The curve holds the latency of its 14 ring steps: none is added inside a node. */
    double x = 2 * 7.0 / 8 * 1048576, B = 450e9 * 0.8 * 66.11 / 357.73;
    cr_expect_float_eq(h100_time(LLMCOST_COLL_ALL_REDUCE, 1048576, 8, 8, LLMCOST_ALGO_RING), x / B, 1e-9 * x / B);
    cr_expect(fabs(x / B - 27.6e-6) < 0.1e-6, "%g s", x / B);
}

Test(comms_measured, between_rows_the_fraction_is_interpolated_in_log_size)
{
    /* 3 MiB: between the 2 MiB (90.27 GB/s) and 4 MiB (137.87 GB/s) rows, log(3/2) / log(2) = 0.585 of the way. */
    double w = log(1.5) / log(2), f = (90.27 + w * (137.87 - 90.27)) / 357.73;
    double x = 2 * 7.0 / 8 * 3 * 1048576, want = x / (360e9 * f);
    cr_expect_float_eq(h100_time(LLMCOST_COLL_ALL_REDUCE, 3 * 1048576.0, 8, 8, LLMCOST_ALGO_RING), want, 1e-9 * want);
    /* Reduce-scatter of 6 MiB sends 7/8 * 6 MiB, the bytes of that 3 MiB all-reduce: the same time. */
    cr_expect_float_eq(h100_time(LLMCOST_COLL_REDUCE_SCATTER, 6 * 1048576.0, 8, 8, LLMCOST_ALGO_RING), want, 1e-9 * want);
    /* Below the smallest row (32 KiB, 3.07 GB/s) the time stays the smallest row's: latency-bound. */
    double t32 = 2 * 7.0 / 8 * 32768 / (360e9 * 3.07 / 357.73);
    cr_expect_float_eq(h100_time(LLMCOST_COLL_ALL_REDUCE, 8192, 8, 8, LLMCOST_ALGO_RING), t32, 1e-9 * t32);
    /* Above the largest row the plateau: 2 * 7/8 * 4 GiB at 360 GB/s. */
    double big = 4.0 * 1073741824, tb = 2 * 7.0 / 8 * big / 360e9;
    cr_expect_float_eq(h100_time(LLMCOST_COLL_ALL_REDUCE, big, 8, 8, LLMCOST_ALGO_RING), tb, 1e-9 * tb);
}

Test(comms_measured, reduce_scatter_takes_its_own_curve_where_it_was_measured)
{
    /* NVIDIA/nccl issue #1047's reduce_scatter_perf on 8 H100 (ring), 128 MiB to 8 GiB, 362.16 GB/s at the top. A
     * 1 GiB reduce-scatter sends 7/8 GiB per rank, its 1 GiB row exactly: 349.36 / 362.16 of 360 GB/s; the curve
     * holds its 7 ring steps, so no latency is added. */
    double S = 1073741824.0, x = 7.0 / 8 * S, want = x / (360e9 * 349.36 / 362.16);
    cr_expect_float_eq(h100_time(LLMCOST_COLL_REDUCE_SCATTER, S, 8, 8, LLMCOST_ALGO_RING), want, 1e-9 * want);
    /* The all-reduce's shape at the same 7/8 GiB on the link (its 512 MiB row: 2 x 7/8 x 512 MiB) was 351.67 /
     * 357.73: the reduce-scatter's own curve is slower there, 0.9647 against 0.9831. */
    double ar = x / (360e9 * 351.67 / 357.73);
    cr_expect_float_eq(h100_time(LLMCOST_COLL_ALL_GATHER, S, 8, 8, LLMCOST_ALGO_RING), ar, 1e-9 * ar); /* no AG curve */
    cr_expect_gt(want, ar);
    /* Below its smallest row (128 MiB, 7/8 x 128 MiB on the link) the all-reduce's shape: 64 MiB sends 7/8 x
     * 64 MiB, the all-reduce's 32 MiB row (2 x 7/8 x 32 MiB): 300.51 / 357.73. */
    double y = 7.0 / 8 * 64 * 1048576, below = y / (360e9 * 300.51 / 357.73);
    cr_expect_float_eq(h100_time(LLMCOST_COLL_REDUCE_SCATTER, 64 * 1048576.0, 8, 8, LLMCOST_ALGO_RING), below,
                       1e-9 * below);
}

Test(comms_measured, across_two_nodes_each_link_takes_its_own_curve)
{
    /* 64 MiB ring all-reduce over 2 nodes of 8 H100s. NVLink: 2 * 7/8 * 64 MiB = 112 MiB per rank, halfway in
     * log between the 32 MiB row (56 MiB on the link, 300.51 GB/s) and the 128 MiB row (224 MiB, 335.43 GB/s):
     * (300.51 + 335.43) / 2 / 357.73 of 360 GB/s. Network: 2 * 1/2 * 64 MiB / 8 = 8 MiB per port, the 2-node curve's
     * 64 MiB row (8 MiB per port there too): 268.90 / 312.75 of 45 GB/s. Ring steps across 2 nodes: 2, what the
     * curve measured, so no latency is added. */
    double M = 64 * 1048576.0;
    double up = 2 * 7.0 / 8 * M / (360e9 * (300.51 + 335.43) / 2 / 357.73);
    double out = 2 * 0.5 * M / 8 / (45e9 * 268.90 / 312.75);
    cr_expect_float_eq(h100_time(LLMCOST_COLL_ALL_REDUCE, M, 16, 8, LLMCOST_ALGO_RING), up + out, 1e-9 * (up + out));
    /* A GPU without curves (B200's NVLink 5 was not measured here) keeps the alpha-beta model: time = bytes at
     * the plateau (900 GB/s at 0.8) plus 2(k-1) = 14 NVLink steps of 3 us. */
    llmcost_comm_options o = LLMCOST_COMM_OPTIONS_INIT;
    llmcost_comm_group grp = {8, 8};
    llmcost_comm_cost cc;
    cr_assert_eq(llmcost_comm_time(&cc, llmcost_gpu_find("b200"), LLMCOST_COLL_ALL_REDUCE, M, &grp, &o), 0);
    double a = 2 * 7.0 / 8 * M / (900e9 * 0.8) + 14 * 3e-6;
    cr_expect_float_eq(cc.seconds, a, 1e-9 * a);
}

Test(comms_measured, a100_node_takes_its_own_nvlink3_curve)
{
    /* The A100 curve (nccl-tests on one 8 x A100 node, Bekman's Machine Learning Engineering): a 1 MiB all-reduce
     * sends 2 * 7/8 * 1 MiB per rank, the curve's 1 MiB row: 18.00 of 234.89 GB/s at 16 GiB. The catalogue's
     * NVLink 3 is 300 GB/s one-way, at 0.8 = 240 GB/s: 240 * 18.00 / 234.89 = 18.39 GB/s, 99.8 us (nccl-tests
     * measured 101.9 us there). At 16 GiB the plateau, 240 GB/s (measured 234.89). */
    llmcost_comm_options o = LLMCOST_COMM_OPTIONS_INIT;
    o.algo = LLMCOST_ALGO_RING;
    llmcost_comm_group grp = {8, 8};
    llmcost_comm_cost cc;
    const llmcost_gpu *a100 = llmcost_gpu_find("a100-80gb");
    cr_assert_eq(llmcost_comm_time(&cc, a100, LLMCOST_COLL_ALL_REDUCE, 1048576, &grp, &o), 0);
    double x = 2 * 7.0 / 8 * 1048576, B = 300e9 * 0.8 * 18.00 / 234.89;
    cr_expect_float_eq(cc.seconds, x / B, 1e-9 * x / B);
    cr_expect(fabs(cc.seconds - 99.8e-6) < 0.1e-6, "%g s", cc.seconds);
    cr_assert_eq(llmcost_comm_time(&cc, a100, LLMCOST_COLL_ALL_REDUCE, 17179869184.0, &grp, &o), 0);
    cr_expect_float_eq(cc.seconds, 2 * 7.0 / 8 * 17179869184.0 / 240e9, 1e-9);
    /* The 40 GB part has the same NVLink: the same curve. */
    cr_assert_eq(llmcost_comm_time(&cc, llmcost_gpu_find("a100-40gb"), LLMCOST_COLL_ALL_REDUCE, 1048576, &grp, &o), 0);
    cr_expect_float_eq(cc.seconds, x / B, 1e-9 * x / B);
}
