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

#ifdef __cplusplus
}
#endif

#endif
