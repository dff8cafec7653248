/* test_threads.c - eight threads starting cold (Criterion runs each test in a fresh process, so no bundled table is
 * set up yet) across every engine get exactly the answers one thread gets; caller-owned catalogues and the legacy
 * process default catalogue can change while other threads read theirs. Run it under ThreadSanitizer with
 * `make test-tsan`. */
#include <criterion/criterion.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "llmcost/llmcost.h"
#include "thread_work.h"

Test(threads_cold, eight_threads_get_the_single_threaded_answers)
{
    answers ref;
    char why[512];
    int bad = run_cold_threads(&ref, why, sizeof why);
    cr_expect_eq(bad, 0, "%d differences; first: %s", bad, why);
    cr_assert_gt(ref.presets, 50);
    cr_assert_gt(ref.gpus, 10);
    /* Published counts: Llama 3.1 8B has 8,030,261,248 parameters (HF model card), Qwen3-30B-A3B 30,532,122,624. */
    cr_expect_eq(ref.params[0], 8030261248);
    cr_expect_eq(ref.params[1], 30532122624);
    /* Nobody's catalogue touched the bundled one. */
    cr_expect_eq(llmcost_gpu_find("h100")->price_per_hour, llmcost_catalog_gpu_find(llmcost_catalog_bundled(), "h100")->price_per_hour);
    cr_expect_neq(llmcost_gpu_find("h100")->price_per_hour, 10.0);
}

static int stop;

static void *reader(void *arg)
{
    double *seen = arg;
    while (!__atomic_load_n(&stop, __ATOMIC_SEQ_CST)) {
        const llmcost_gpu *g = llmcost_gpu_find("h100");
        /* The pointer stays valid and whole: its price is one of the two the writer publishes. */
        *seen = g->price_per_hour + g->peak_flops[LLMCOST_DT_BF16] * 0;
        if (*seen != 3.78 && *seen != 2.0)
            return (void *)1;
    }
    return NULL;
}

Test(threads_cold, legacy_catalogue_swaps_under_readers)
{
    const char *json = "{\"gpus\": [{\"name\": \"h100\", \"price\": {\"usd_per_hour\": 2.0}}]}";
    pthread_t t[4];
    double seen[4];
    for (int i = 0; i < 4; i++)
        cr_assert_eq(pthread_create(&t[i], NULL, reader, &seen[i]), 0);
    for (int k = 0; k < 50; k++) {
        cr_assert_eq(llmcost_gpu_load_json(json, strlen(json), "mine.json"), 0, "%s", llmcost_errmsg());
        llmcost_gpu_reset();
    }
    __atomic_store_n(&stop, 1, __ATOMIC_SEQ_CST);
    for (int i = 0; i < 4; i++) {
        void *bad;
        pthread_join(t[i], &bad);
        cr_expect_null(bad, "reader %d saw price %g", i, seen[i]);
    }
    cr_expect_eq(llmcost_gpu_find("h100")->price_per_hour, 3.78);
}

Test(threads_cold, explicit_init_is_idempotent)
{
    cr_expect_eq(llmcost_init(), 0, "%s", llmcost_errmsg());
    cr_expect_eq(llmcost_init(), 0);
    cr_expect_gt(llmcost_gpu_count(), 10);
}
