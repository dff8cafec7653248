/* threads_plain.c - the cold-start thread test as a plain program (no Criterion), so that `make test-tsan` can run
 * it under ThreadSanitizer: Criterion's shared arena cannot be mapped under TSan. Exit 0 when eight threads
 * starting cold get the single-threaded answers and the legacy catalogue swap leaves readers' pointers whole. */
#include <stdlib.h>

#include "thread_work.h"

static int stop;

static void *reader(void *arg)
{
    (void)arg;
    while (!__atomic_load_n(&stop, __ATOMIC_SEQ_CST)) {
        double price = llmcost_gpu_find("h100")->price_per_hour;
        if (price != 3.78 && price != 2.0)
            return (void *)1;
    }
    return NULL;
}

int main(void)
{
    answers ref;
    char why[512];
    int bad = run_cold_threads(&ref, why, sizeof why);
    if (bad) {
        fprintf(stderr, "threads_plain: %d differences; first: %s\n", bad, why);
        return 1;
    }
    const char *json = "{\"gpus\": [{\"name\": \"h100\", \"price\": {\"usd_per_hour\": 2.0}}]}";
    pthread_t t[4];
    for (int i = 0; i < 4; i++)
        pthread_create(&t[i], NULL, reader, NULL);
    for (int k = 0; k < 50; k++) {
        if (llmcost_gpu_load_json(json, strlen(json), "mine.json") != 0) {
            fprintf(stderr, "threads_plain: %s\n", llmcost_errmsg());
            return 1;
        }
        llmcost_gpu_reset();
    }
    __atomic_store_n(&stop, 1, __ATOMIC_SEQ_CST);
    for (int i = 0; i < 4; i++) {
        void *r;
        pthread_join(t[i], &r);
        if (r) {
            fprintf(stderr, "threads_plain: a reader saw a torn catalogue\n");
            return 1;
        }
    }
    printf("threads_plain: %d threads, every engine, same answers as one thread\n", THREADS);
    return 0;
}
