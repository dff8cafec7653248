/* bench_engines.c - how fast the engines answer: evaluations per second of params, FLOPs and memory on presets. */
#include <stdio.h>
#include <time.h>

#include "llmcost/llmcost.h"

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

int main(void)
{
    const char *models[] = {"llama-7b", "llama-3.1-405b", "deepseek-v3", "mixtral-8x7b"};
    printf("%-16s %14s %14s %14s %14s\n", "model", "load/s", "params/s", "flops/s", "memory/s");
    for (size_t i = 0; i < sizeof models / sizeof models[0]; i++) {
        llmcost_model *m;
        int n = 0;
        double t0 = now();
        for (; now() - t0 < 0.2; n++) {
            if (llmcost_model_load(&m, models[i]) != 0)
                return 1;
            llmcost_model_free(m);
        }
        double load = n / (now() - t0);
        llmcost_model_load(&m, models[i]);
        llmcost_params p;
        t0 = now();
        for (n = 0; now() - t0 < 0.2; n++)
            llmcost_params_count(&p, m);
        double params = n / (now() - t0);
        llmcost_flops_options fo = LLMCOST_FLOPS_OPTIONS_INIT;
        llmcost_flops f;
        t0 = now();
        for (n = 0; now() - t0 < 0.2; n++)
            llmcost_flops_compute(&f, m, &fo);
        double flops = n / (now() - t0);
        llmcost_memory_options mo = LLMCOST_MEMORY_OPTIONS_INIT;
        llmcost_memory r;
        t0 = now();
        for (n = 0; now() - t0 < 0.2; n++)
            llmcost_memory_compute(&r, m, &mo);
        double memory = n / (now() - t0);
        printf("%-16s %14.0f %14.0f %14.0f %14.0f\n", models[i], load, params, flops, memory);
        llmcost_model_free(m);
    }
    return 0;
}
