/* validate.h - the bundled validation set: every prediction llmcost makes, against its independent reference. */
#ifndef LLMCOST_VALIDATE_H
#define LLMCOST_VALIDATE_H

#include <stdbool.h>
#include <stddef.h>

#include "common.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct llmcost_validation_case {
    char suite[64];      /* "parameter counts", "H200 peak memory", ... */
    char name[128];      /* the case: "llama-7b", "llama-125m/bf16/b8/s2048/nockpt" */
    char quantity[48];   /* what is compared, with its unit: "parameters", "peak bytes", "forward FLOPs" */
    double predicted;
    double reference;
    double error;        /* predicted / reference - 1 */
    double tolerance;    /* the case passes when |error| <= tolerance (from the data file) */
    bool pass;
    char source[256];    /* where the reference comes from */
    char note[1024];     /* why this case has a wider tolerance than its suite ("" when it has not) */
} llmcost_validation_case;

/*
 * Runs every suite listed in data/validation/suites.json (compiled into the library). *out is a new array of *n
 * cases freed with llmcost_free(). Fails with LLMCOST_EINVAL if a data file is malformed.
 */
int llmcost_validate_run(llmcost_validation_case **out, size_t *n);

/* Whether some case's suite contains "suite" (a filter that matches none is a typo, a silent pass in CI); the
 * suites' names, each once, comma-separated, into "names" (cut at "size") for the message that says so. */
bool llmcost_validation_suite_matches(const llmcost_validation_case *v, size_t n, const char *suite, char *names,
                                      size_t size);

/*
 * The published-run suites' throughput errors grouped by the kind of run (issue 16 point 7): for each suite of kind
 * "runs" in data/validation/suites.json, one group per kind its runs name (dense, moe, fp8, long_context, a100, in
 * that order; runs whose file names no kind are counted only in "all") and a last group "all". Only the reported
 * figures count (not the memory verdicts); errors are predicted / reported - 1 before any tolerance. The fine-tuning
 * memory suite (kind "finetune_memory") is grouped by set instead: "fit", "fit_no_miss", "held_out", "held_no_miss"
 * (the "_no_miss" groups without the known misses: cases whose exception's why starts "known miss"), then "all".
 */
typedef struct llmcost_validation_group {
    char suite[64];           /* the suite's name, as in llmcost_validation_case.suite */
    char kind[16];            /* dense, moe, fp8, long_context, a100, or "all" (fine-tuning memory: the sets) */
    size_t figures;           /* reported figures in the group */
    double mean_abs_error;    /* mean of |error| */
    double median_abs_error;  /* median of |error| (the mean of the middle two for an even count) */
    double worst_error;       /* the error of largest magnitude, signed */
    double mean_error;        /* mean of the signed errors (throughput: > 0 when llmcost is too fast on average) */
    size_t within_10;         /* figures with |error| <= 10% */
    size_t within_25;         /* figures with |error| <= 25% */
} llmcost_validation_group;

/* Fills *out with a new array of *n groups (freed with llmcost_free()), suites in suites.json order. Fails with
 * LLMCOST_EINVAL if a data file is malformed and with the step engine's errors. */
int llmcost_validate_groups(llmcost_validation_group **out, size_t *n);

#ifdef __cplusplus
}
#endif

#endif
