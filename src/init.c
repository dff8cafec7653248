/* init.c - llmcost_init(): every bundled table set up at once, for bindings that want start-up cost and errors up
 * front. Each table is also set up on demand (under pthread_once) by the first function that reads it. */
#include "internal.h"

int llmcost_init(void)
{
    int rc;
    if ((rc = lc_presets_init()) < 0 || (rc = lc_gpu_init()) < 0 || (rc = lc_laws_init()) < 0 ||
        (rc = lc_kernels_init()) < 0)
        return rc;
    return 0;
}
