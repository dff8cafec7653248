/* bench_engines.c - how fast the engines answer: evaluations per second of every engine (load, params, FLOPs,
 * memory, step) on presets from 125M to 671B, one core, each timed for about 0.3 s after a warm-up call.
 *
 *   bench_engines            the table of docs/performance.md
 *   bench_engines step N     only the 405B step, N evaluations (for perf / callgrind)
 *
 * Times are CPU seconds of this process (CLOCK_PROCESS_CPUTIME_ID), so other work on the machine does not count.
 * The step of each model runs a job the size of its published training: the 405B one is Llama 3.1's (16,384
 * H100, TP8 PP16 VPP8, Megatron, bf16-master, ZeRO-1, 8,192 tokens per sequence, 16M tokens per step). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "llmcost/llmcost.h"

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

#define SECONDS 0.3

/* Runs "expr" repeatedly for SECONDS and sets "rate" to calls per second (0 when a call fails). */
#define RATE(rate, expr)                                                                                           \
    do {                                                                                                           \
        int n_ = 0;                                                                                                \
        double t0_ = now();                                                                                        \
        (rate) = (expr) == 0 ? 1 : 0;                                                                              \
        if ((rate) == 0)                                                                                           \
            break;                                                                                                 \
        t0_ = now();                                                                                               \
        for (; now() - t0_ < SECONDS; n_++)                                                                        \
            for (int k_ = 0; k_ < 16; k_++)                                                                        \
                (void)(expr);                                                                                      \
        (rate) = 16.0 * n_ / (now() - t0_);                                                                        \
    } while (0)

typedef struct {
    const char *model;
    const char *gpu;
    int64_t gpus, tp, pp, vpp, ep, zero, seq, global_tokens;
    llmcost_framework framework;
    llmcost_precision precision;
} job;

/* One step job per model (seq 0: the model's own training length when it is shorter than 4096). */
static const job jobs[] = {
    {"opt-125m", "h100", 8, 1, 1, 1, 1, 0, 2048, 1 << 20, LLMCOST_FW_HF, LLMCOST_PREC_BF16},
    {"llama-7b", "h100", 64, 1, 1, 1, 1, 1, 2048, 4 << 20, LLMCOST_FW_HF, LLMCOST_PREC_BF16_MASTER},
    {"mixtral-8x7b", "h100", 64, 2, 1, 1, 4, 1, 4096, 4 << 20, LLMCOST_FW_MEGATRON, LLMCOST_PREC_BF16_MASTER},
    {"llama-3.1-405b", "h100", 16384, 8, 16, 8, 1, 1, 8192, 16 << 20, LLMCOST_FW_MEGATRON, LLMCOST_PREC_BF16_MASTER},
    {"deepseek-v3", "h800", 2048, 1, 16, 1, 64, 1, 4096, 15 << 20, LLMCOST_FW_MEGATRON, LLMCOST_PREC_FP8},
};

static int step_options(llmcost_step_options *so, const job *j)
{
    llmcost_step_options_init(so);
    so->seq = j->seq;
    so->global_batch = j->global_tokens / j->seq;
    so->precision = j->precision;
    so->framework = j->framework;
    so->layout.gpus = j->gpus;
    so->layout.tp = j->tp;
    so->layout.pp = j->pp;
    so->layout.vpp = j->vpp;
    so->layout.ep = j->ep;
    so->layout.zero = (int)j->zero;
    so->layout.sequence_parallel = j->framework == LLMCOST_FW_MEGATRON && j->tp > 1;
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 3 && !strcmp(argv[1], "step")) {
        const job *j = &jobs[3];
        llmcost_model *m;
        const llmcost_gpu *g;
        if (llmcost_model_load(&m, j->model) != 0 || llmcost_gpu_lookup(&g, j->gpu) != 0) {
            fprintf(stderr, "bench_engines: %s\n", llmcost_errmsg());
            return 1;
        }
        llmcost_step_options so;
        step_options(&so, j);
        llmcost_step st;
        long n = atol(argv[2]);
        double t0 = now();
        for (long i = 0; i < n; i++)
            if (llmcost_step_compute(&st, m, g, &so) != 0) {
                fprintf(stderr, "bench_engines: %s\n", llmcost_errmsg());
                return 1;
            }
        printf("%ld steps of %s in %.3f s: %.0f per second (step %.6f s)\n", n, j->model, now() - t0,
               (double)n / (now() - t0), st.step_seconds);
        llmcost_model_free(m);
        return 0;
    }
    printf("%-16s %10s %10s %10s %10s %10s\n", "model", "load/s", "params/s", "flops/s", "memory/s", "step/s");
    for (size_t i = 0; i < sizeof jobs / sizeof jobs[0]; i++) {
        const job *j = &jobs[i];
        llmcost_model *m;
        double load, params, flops, memory, step;
        RATE(load, (llmcost_model_load(&m, j->model) == 0 ? (llmcost_model_free(m), 0) : 1));
        if (llmcost_model_load(&m, j->model) != 0) {
            fprintf(stderr, "bench_engines: %s\n", llmcost_errmsg());
            return 1;
        }
        llmcost_params p;
        RATE(params, llmcost_params_count(&p, m));
        /* FLOPs and memory at their defaults (one sequence of 2,048 tokens, one GPU) */
        llmcost_flops_options fo;
        llmcost_flops_options_init(&fo);
        llmcost_flops f;
        RATE(flops, llmcost_flops_compute(&f, m, &fo));
        llmcost_memory_options mo;
        llmcost_memory_options_init(&mo);
        llmcost_memory r;
        RATE(memory, llmcost_memory_compute(&r, m, &mo));
        const llmcost_gpu *g;
        llmcost_step_options so;
        step_options(&so, j);
        llmcost_step st;
        if (llmcost_gpu_lookup(&g, j->gpu) != 0) {
            fprintf(stderr, "bench_engines: %s\n", llmcost_errmsg());
            return 1;
        }
        RATE(step, llmcost_step_compute(&st, m, g, &so));
        if (step == 0)
            fprintf(stderr, "bench_engines: step of %s: %s\n", j->model, llmcost_errmsg());
        printf("%-16s %10.0f %10.0f %10.0f %10.0f %10.0f\n", j->model, load, params, flops, memory, step);
        llmcost_model_free(m);
    }
    return 0;
}
