/* thread_work.h - the work each thread does in the cold-start thread tests (tests/test_threads.c under Criterion,
 * tests/threads_plain.c as a plain program for ThreadSanitizer, which Criterion's arena does not run under):
 * every engine on two presets and two GPUs, a law, and a catalogue of the thread's own. Included once per
 * program. */
#ifndef LLMCOST_TEST_THREAD_WORK_H
#define LLMCOST_TEST_THREAD_WORK_H

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "llmcost/llmcost.h"

#define THREADS 8

/* One thread's answers: every engine on two presets and two GPUs. */
typedef struct answers {
    int rc;
    char err[256];
    int presets, gpus, laws;
    int64_t params[2];
    double flops[2], memory[2], step[2], train_cost[2], optimal_n, own_price, fit_a, budget_flops, course_gib;
} answers;

static const char *const models[2] = {"llama-3.1-8b", "qwen3-30b-a3b"};
static const char *const gpu_names[2] = {"h100", "a100"};

#define CHECK(expr)                                                                                               \
    do {                                                                                                          \
        int rc_ = (expr);                                                                                         \
        if (rc_ != 0) {                                                                                           \
            a->rc = rc_;                                                                                          \
            snprintf(a->err, sizeof a->err, "%s: %s", #expr, llmcost_errmsg());                                   \
            goto done;                                                                                            \
        }                                                                                                         \
    } while (0)

static void compute(answers *a, int who)
{
    llmcost_model *m = NULL;
    llmcost_catalog *cat = NULL;
    memset(a, 0, sizeof *a);
    a->presets = llmcost_preset_count();
    a->gpus = llmcost_gpu_count();
    a->laws = llmcost_scaling_law_count();
    for (int k = 0; k < 2; k++) {
        /* Threads start on different engines and presets, so the first use of every table races. */
        int i = (k + who) % 2;
        const llmcost_gpu *gpu;
        CHECK(llmcost_gpu_lookup(&gpu, gpu_names[i]));
        CHECK(llmcost_model_load(&m, models[i]));
        llmcost_params p;
        CHECK(llmcost_params_count(&p, m));
        a->params[i] = p.total;
        if (who % 3 == 0) {
            llmcost_train_options to = LLMCOST_TRAIN_OPTIONS_INIT;
            to.tokens = 1e12;
            to.step.layout.gpus = 64;
            to.step.layout.tp = 4;
            llmcost_train tr;
            CHECK(llmcost_train_compute(&tr, m, gpu, &to));
            a->train_cost[i] = tr.cost_usd;
        }
        llmcost_step_options so;
        llmcost_step_options_init(&so);
        so.layout.gpus = 64;
        so.layout.tp = 4;
        llmcost_step st;
        CHECK(llmcost_step_compute(&st, m, gpu, &so));
        a->step[i] = st.step_seconds;
        llmcost_memory_options mo = LLMCOST_MEMORY_OPTIONS_INIT;
        mo.layout.gpus = 8;
        mo.layout.zero = 3;
        llmcost_memory mem;
        CHECK(llmcost_memory_compute(&mem, m, &mo));
        a->memory[i] = mem.peak_bytes;
        llmcost_flops_options fo = LLMCOST_FLOPS_OPTIONS_INIT;
        fo.seq = 4096;
        llmcost_flops f;
        CHECK(llmcost_flops_compute(&f, m, &fo));
        a->flops[i] = f.model_flops;
        if (who % 3 != 0) {
            llmcost_train_options to = LLMCOST_TRAIN_OPTIONS_INIT;
            to.tokens = 1e12;
            to.step.layout.gpus = 64;
            to.step.layout.tp = 4;
            llmcost_train tr;
            CHECK(llmcost_train_compute(&tr, m, gpu, &to));
            a->train_cost[i] = tr.cost_usd;
        }
        llmcost_model_free(m);
        m = NULL;
    }
    const llmcost_law *law = llmcost_scaling_law_find("chinchilla");
    if (!law) {
        a->rc = -100;
        snprintf(a->err, sizeof a->err, "no chinchilla law");
        goto done;
    }
    llmcost_allocation al;
    CHECK(llmcost_scaling_optimal(&al, law, 1e24));
    a->optimal_n = al.n_params;
    /* The budget and course planning (budget.h): the price list, the law and a preset, first used here or above. */
    llmcost_budget *b;
    CHECK(llmcost_course_budget(&b, 5e6));
    a->budget_flops = b->flops;
    llmcost_budget_free(b);
    llmcost_course_answers ca;
    CHECK(llmcost_model_load(&m, who % 2 ? "deepseek-v3" : "llama-7b"));
    CHECK(llmcost_course_model(&ca, m, 0));
    a->course_gib = ca.layer.answer_bytes / 1073741824.0;
    llmcost_model_free(m);
    m = NULL;
    /* A catalogue of this thread's own: its price for h100, read back, changes nobody else's. */
    char json[160];
    snprintf(json, sizeof json, "{\"gpus\": [{\"name\": \"h100\", \"price\": {\"usd_per_hour\": %d}}]}", 10 + who);
    CHECK(llmcost_catalog_new(&cat, llmcost_catalog_bundled()));
    CHECK(llmcost_catalog_load_json(cat, json, strlen(json), "thread.json"));
    a->own_price = llmcost_catalog_gpu_find(cat, "h100")->price_per_hour;
done:
    llmcost_catalog_free(cat);
    llmcost_model_free(m);
}

static answers results[THREADS];
static int ids[THREADS];

static void *worker(void *arg)
{
    int who = *(int *)arg;
    compute(&results[who], who);
    return NULL;
}

/* Starts THREADS threads at once on a cold library, then computes the answers once more on this thread. Returns
 * the number of differences, describing the first in "why". */
static int run_cold_threads(answers *ref, char *why, size_t size)
{
    pthread_t t[THREADS];
    why[0] = '\0';
    for (int i = 0; i < THREADS; i++) {
        ids[i] = i;
        if (pthread_create(&t[i], NULL, worker, &ids[i]) != 0) {
            snprintf(why, size, "pthread_create failed");
            return 1;
        }
    }
    for (int i = 0; i < THREADS; i++)
        pthread_join(t[i], NULL);
    compute(ref, 0);
    if (ref->rc) {
        snprintf(why, size, "single thread: %s", ref->err);
        return 1;
    }
    int bad = 0;
#define DIFF(cond, ...)                                                                                           \
    do {                                                                                                          \
        if (cond) {                                                                                               \
            if (!bad++)                                                                                           \
                snprintf(why, size, __VA_ARGS__);                                                                 \
        }                                                                                                         \
    } while (0)
    for (int i = 0; i < THREADS; i++) {
        const answers *a = &results[i];
        DIFF(a->rc != 0, "thread %d: %s", i, a->err);
        DIFF(a->presets != ref->presets || a->gpus != ref->gpus || a->laws != ref->laws, "thread %d: table sizes", i);
        for (int k = 0; k < 2; k++) {
            DIFF(a->params[k] != ref->params[k], "thread %d %s: params", i, models[k]);
            DIFF(a->flops[k] != ref->flops[k], "thread %d %s: flops %.17g vs %.17g", i, models[k], a->flops[k], ref->flops[k]);
            DIFF(a->memory[k] != ref->memory[k], "thread %d %s: memory %.17g vs %.17g", i, models[k], a->memory[k], ref->memory[k]);
            DIFF(a->step[k] != ref->step[k], "thread %d %s: step %.17g vs %.17g", i, models[k], a->step[k], ref->step[k]);
            DIFF(a->train_cost[k] != ref->train_cost[k], "thread %d %s: train cost", i, models[k]);
        }
        DIFF(a->optimal_n != ref->optimal_n, "thread %d: optimal N", i);
        /* assignment.md: $5M buys C = 5.616e23 on the A100; one layer is 0.3926 GiB (LLaMA-7B) or, for DeepSeek-V3,
         * its typical MoE layer, 21.4887 GiB (tests/test_course.c derives both). */
        DIFF(fabs(a->budget_flops / 5.616e23 - 1) > 1e-12, "thread %d: budget C %.17g", i, a->budget_flops);
        DIFF(fabs(a->course_gib - (i % 2 ? 21.488677978515625 : 0.3925933837890625)) > 1e-12, "thread %d: course GiB %.17g",
             i, a->course_gib);
        DIFF(a->own_price != 10 + i, "thread %d: its own catalogue's price is %g", i, a->own_price);
    }
#undef DIFF
    return bad;
}

#endif
