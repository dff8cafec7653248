/* bench_engines.c - how fast the engines answer: evaluations per second of every engine (load, params, FLOPs,
 * memory, step, train) on presets from 125M to 671B, one core, plain and prepared (llmcost_memory_prepare,
 * llmcost_step_prepare) where a prepared form exists. Each figure is the best of three windows of 0.1 s after a
 * warm-up call (the best, because other work on a shared machine only ever slows a window down).
 *
 *   bench_engines                      the table of docs/performance.md (and the load average when it ran)
 *   bench_engines ENGINE MODEL N       N evaluations of one engine on one model's job, for perf / callgrind:
 *                                      ENGINE is params, flops, memory, memory-prepared, step, step-prepared
 *                                      or train; MODEL one of the table's
 *   bench_engines step N               the same as: step llama-3.1-405b N
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

#define WINDOW 0.1 /* seconds per window */
#define WINDOWS 3

/* Runs "expr" repeatedly for WINDOWS windows of WINDOW seconds and sets "rate" to the best window's calls per
 * second (0 when a call fails). */
#define RATE(rate, expr)                                                                                           \
    do {                                                                                                           \
        (rate) = (expr) == 0 ? 1 : 0;                                                                              \
        if ((rate) == 0)                                                                                           \
            break;                                                                                                 \
        (rate) = 0;                                                                                                \
        for (int w_ = 0; w_ < WINDOWS; w_++) {                                                                     \
            int n_ = 0;                                                                                            \
            double t0_ = now(), t1_;                                                                               \
            for (; (t1_ = now()) - t0_ < WINDOW; n_++)                                                             \
                for (int k_ = 0; k_ < 16; k_++)                                                                    \
                    (void)(expr);                                                                                  \
            if (16.0 * n_ / (t1_ - t0_) > (rate))                                                                  \
                (rate) = 16.0 * n_ / (t1_ - t0_);                                                                  \
        }                                                                                                          \
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

/* The train engine on the step job: the model's training over 1T tokens. */
static void train_options(llmcost_train_options *to, const job *j)
{
    llmcost_train_options_init(to);
    step_options(&to->step, j);
    to->tokens = 1e12;
}

static const job *find_job(const char *model)
{
    for (size_t i = 0; i < sizeof jobs / sizeof jobs[0]; i++)
        if (!strcmp(jobs[i].model, model))
            return &jobs[i];
    return NULL;
}

/* N evaluations of one engine (for perf stat and valgrind --tool=callgrind: two N, the difference divided). */
static int run_one(const char *engine, const char *model, long n)
{
    const job *j = find_job(model);
    if (!j) {
        fprintf(stderr, "bench_engines: no job for %s (the table's models only)\n", model);
        return 2;
    }
    llmcost_model *m;
    const llmcost_gpu *g;
    if (llmcost_model_load(&m, j->model) != 0 || llmcost_gpu_lookup(&g, j->gpu) != 0) {
        fprintf(stderr, "bench_engines: %s\n", llmcost_errmsg());
        return 1;
    }
    llmcost_params p;
    llmcost_flops_options fo;
    llmcost_flops_options_init(&fo);
    llmcost_flops f;
    llmcost_memory_options mo;
    llmcost_memory_options_init(&mo);
    llmcost_memory r;
    llmcost_memory_prepared *mp = NULL;
    llmcost_step_options so;
    step_options(&so, j);
    llmcost_step st;
    llmcost_step_prepared *sp = NULL;
    llmcost_train_options to;
    train_options(&to, j);
    llmcost_train tr;
    int rc = 0;
    double t0 = now();
    if (!strcmp(engine, "params"))
        for (long i = 0; i < n && !rc; i++)
            rc = llmcost_params_count(&p, m);
    else if (!strcmp(engine, "flops"))
        for (long i = 0; i < n && !rc; i++)
            rc = llmcost_flops_compute(&f, m, &fo);
    else if (!strcmp(engine, "memory"))
        for (long i = 0; i < n && !rc; i++)
            rc = llmcost_memory_compute(&r, m, &mo);
    else if (!strcmp(engine, "memory-prepared")) {
        rc = llmcost_memory_prepare(&mp, m, &mo);
        for (long i = 0; i < n && !rc; i++)
            rc = llmcost_memory_compute_prepared(&r, mp, &mo);
    } else if (!strcmp(engine, "step"))
        for (long i = 0; i < n && !rc; i++)
            rc = llmcost_step_compute(&st, m, g, &so);
    else if (!strcmp(engine, "step-prepared")) {
        rc = llmcost_step_prepare(&sp, m, &so);
        for (long i = 0; i < n && !rc; i++)
            rc = llmcost_step_compute_prepared(&st, sp, g, &so);
    } else if (!strcmp(engine, "train"))
        for (long i = 0; i < n && !rc; i++)
            rc = llmcost_train_compute(&tr, m, g, &to);
    else {
        fprintf(stderr, "bench_engines: unknown engine %s\n", engine);
        llmcost_model_free(m);
        return 2;
    }
    double dt = now() - t0;
    if (rc) {
        fprintf(stderr, "bench_engines: %s of %s: %s\n", engine, model, llmcost_errmsg());
        return 1;
    }
    printf("%ld evaluations of %s on %s in %.3f s: %.0f per second\n", n, engine, model, dt, (double)n / dt);
    llmcost_memory_prepared_free(mp);
    llmcost_step_prepared_free(sp);
    llmcost_model_free(m);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 3 && !strcmp(argv[1], "step"))
        return run_one("step", "llama-3.1-405b", atol(argv[2]));
    if (argc == 4)
        return run_one(argv[1], argv[2], atol(argv[3]));
    if (argc != 1) {
        fprintf(stderr, "usage: bench_engines [ENGINE MODEL N | step N]\n");
        return 2;
    }
    FILE *la = fopen("/proc/loadavg", "r");
    char load[64] = "?";
    if (la) {
        if (!fgets(load, sizeof load, la))
            strcpy(load, "?");
        load[strcspn(load, "\n")] = 0;
        fclose(la);
    }
    printf("load average at start: %s\n", load);
    printf("evaluations per second, best of %d windows of %.1f s of process CPU time\n", WINDOWS, WINDOW);
    printf("%-15s %8s %9s %8s %9s %9s %8s %8s %8s\n", "model", "load", "params", "flops", "memory", "memory-p",
           "step", "step-p", "train");
    for (size_t i = 0; i < sizeof jobs / sizeof jobs[0]; i++) {
        const job *j = &jobs[i];
        llmcost_model *m;
        double load_r, params, flops, memory, memory_p, step, step_p, train;
        RATE(load_r, (llmcost_model_load(&m, j->model) == 0 ? (llmcost_model_free(m), 0) : 1));
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
        llmcost_memory_prepared *mp;
        if (llmcost_memory_prepare(&mp, m, &mo) != 0) {
            fprintf(stderr, "bench_engines: %s\n", llmcost_errmsg());
            return 1;
        }
        RATE(memory_p, llmcost_memory_compute_prepared(&r, mp, &mo));
        llmcost_memory_prepared_free(mp);
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
        llmcost_step_prepared *sp;
        if (llmcost_step_prepare(&sp, m, &so) != 0) {
            fprintf(stderr, "bench_engines: %s\n", llmcost_errmsg());
            return 1;
        }
        RATE(step_p, llmcost_step_compute_prepared(&st, sp, g, &so));
        llmcost_step_prepared_free(sp);
        llmcost_train_options to;
        train_options(&to, j);
        llmcost_train tr;
        RATE(train, llmcost_train_compute(&tr, m, g, &to));
        if (train == 0)
            fprintf(stderr, "bench_engines: train of %s: %s\n", j->model, llmcost_errmsg());
        printf("%-15s %8.0f %9.0f %8.0f %9.0f %9.0f %8.0f %8.0f %8.0f\n", j->model, load_r, params, flops, memory,
               memory_p, step, step_p, train);
        llmcost_model_free(m);
    }
    return 0;
}
