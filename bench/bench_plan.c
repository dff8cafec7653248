/* bench_plan.c - how fast `llmcost plan` searches: layouts evaluated per second per core, engine calls per second,
 * and the wall time of whole searches, on one thread and on every core. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "llmcost/llmcost.h"

static double cpu_now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

typedef struct {
    const char *name, *model, *gpu;
    int64_t gpus, seq, batch_tokens, tp, pp, cp;
    llmcost_framework fw;
    llmcost_precision prec;
    /* memory savers (plan options version 5), all off by default */
    bool offload, compile;
    int64_t chunked_loss;
    llmcost_optimizer optimizer;
} search_case;

static int run(const search_case *c, int threads)
{
    llmcost_model *m;
    if (llmcost_model_load(&m, c->model) != 0)
        return 1;
    llmcost_gpu g = *llmcost_gpu_find(c->gpu);
    llmcost_plan_options o;
    llmcost_plan_options_init(&o);
    o.gpu_types = &g, o.n_gpu_types = 1, o.gpus = c->gpus, o.seq = c->seq, o.global_batch_tokens = c->batch_tokens;
    o.framework = c->fw, o.precision = c->prec, o.tp = c->tp, o.pp = c->pp, o.cp = c->cp, o.threads = threads;
    o.activation_offload = c->offload, o.compile = c->compile, o.chunked_loss = c->chunked_loss;
    o.optimizer = c->optimizer;
    llmcost_plan p;
    double c0 = cpu_now();
    if (llmcost_plan_search(&p, m, &o) != 0) {
        fprintf(stderr, "%s: %s\n", c->name, llmcost_errmsg());
        return 1;
    }
    double cpu = cpu_now() - c0;
    printf("%-34s %7d %10lld %9lld %9lld %9.2f %9.2f %12.0f %10.0f %10.0f  %.4g s\n", c->name, p.threads,
           (long long)p.evaluated, (long long)p.memory_evaluations, (long long)p.step_evaluations, p.seconds, cpu,
           (double)p.evaluated / cpu, (double)p.memory_evaluations / cpu, (double)p.step_evaluations / cpu,
           p.n_layouts ? p.layouts[0].step_seconds : 0.0);
    llmcost_plan_dispose(&p);
    llmcost_model_free(m);
    return 0;
}

int main(int argc, char **argv)
{
    bool full = argc > 1 && !strcmp(argv[1], "--full");
    const int64_t ANY = LLMCOST_PLAN_ANY;
    const search_case cases[] = {
        {"llama-3-8b, 8 h100, all free", "llama-3-8b", "h100", 8, 4096, 1 << 20, ANY, ANY, ANY, LLMCOST_FW_HF,
         LLMCOST_PREC_BF16},
        {"llama-3.2-1b, 64 h100, all free", "llama-3.2-1b", "h100", 64, 2048, 1 << 21, ANY, ANY, ANY,
         LLMCOST_FW_HF, LLMCOST_PREC_BF16},
        /* the memory savers: every layout sized and timed with them (the slow path before they reached the memo) */
        {"llama-3-8b, 8 h100, offload+compile", "llama-3-8b", "h100", 8, 4096, 1 << 20, ANY, ANY, ANY, LLMCOST_FW_HF,
         LLMCOST_PREC_BF16, true, true, 0, LLMCOST_OPTIM_ADAMW},
        {"llama-3.2-1b, 64 h100, paged+chunked", "llama-3.2-1b", "h100", 64, 2048, 1 << 21, ANY, ANY, ANY,
         LLMCOST_FW_HF, LLMCOST_PREC_BF16, false, false, 8, LLMCOST_OPTIM_PAGED_ADAMW_8BIT},
        {"mixtral-8x7b, 64 h100, all free", "mixtral-8x7b", "h100", 64, 4096, 1 << 22, ANY, ANY, ANY,
         LLMCOST_FW_MEGATRON, LLMCOST_PREC_BF16_MASTER},
        {"405b, 16384 h100, tp8 pp16 cp1", "llama-3.1-405b", "h100", 16384, 8192, 1 << 24, 8, 16, 1,
         LLMCOST_FW_MEGATRON, LLMCOST_PREC_BF16_MASTER},
        {"405b, 16384 h100, all free", "llama-3.1-405b", "h100", 16384, 8192, 1 << 24, ANY, ANY, ANY,
         LLMCOST_FW_MEGATRON, LLMCOST_PREC_BF16_MASTER},
    };
    setvbuf(stdout, NULL, _IOLBF, 0);
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    printf("%ld online cores; 'layouts/cpu-s' counts every layout judged (pruned ones included) per CPU-second\n", cores);
    printf("%-34s %7s %10s %9s %9s %9s %9s %12s %10s %10s  %s\n", "search", "threads", "evaluated", "memory",
           "step", "wall s", "cpu s", "layouts/cpu-s", "memory/s", "step/s", "best step");
    size_t n = sizeof cases / sizeof cases[0] - (full ? 0 : 1);
    for (size_t i = 0; i < n; i++) {
        if (run(&cases[i], 1))
            return 1;
        if (cores > 1 && run(&cases[i], 0))
            return 1;
    }
    if (!full)
        printf("(the whole 405B search: bench_plan --full)\n");
    return 0;
}
