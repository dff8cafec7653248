/* common.h - error codes, error messages and ownership rules shared by every llmcost module. */
#ifndef LLMCOST_COMMON_H
#define LLMCOST_COMMON_H

/*
 * Conventions of the whole library (read once, they hold everywhere):
 *
 *  - Functions that can fail return 0 on success or a negative LLMCOST_E* code. On failure a one-line message
 *    is readable through llmcost_errmsg() until the next failing call on the same thread. The library never
 *    prints and never exits.
 *  - Output parameters come first and are named "out".
 *  - Objects the library allocates (llmcost_model, llmcost_table, strings returned as char *) are freed with
 *    their own _free() function (llmcost_free() for strings). Structs the caller allocates are filled in place
 *    and, where they own memory, emptied with their _dispose() function.
 *  - Threads. Every function may be called from any number of threads at once, with these rules:
 *    the bundled tables (model presets, the GPU catalogue and price lists, scaling laws, the kernel model) are
 *    read once, under pthread_once, by the first call that needs them, and are never written after, so the
 *    pointers into them (const llmcost_gpu *, const llmcost_law *, preset text) stay valid until the process
 *    ends; llmcost_init() does all of that up front. What a caller creates (an llmcost_model, an
 *    llmcost_catalog, a law or a struct it filled) it owns: any number of threads may read one object at once,
 *    but a thread that changes or frees it (llmcost_catalog_load_json, llmcost_model_free) must have it to
 *    itself. The error message (llmcost_errmsg) is per thread. The deprecated llmcost_gpu_load_json() swaps the
 *    process default catalogue atomically and keeps the old one, so it never pulls a table from under a reader.
 *  - Options structs start with an "unsigned int version" field: start from the _INIT macro or call the
 *    _options_init() function, then set the fields you want; an engine refuses a struct with another version.
 *  - Quantities keep their unit in their name: _bytes, _flops, _seconds, _tokens. Counts are int64_t where they
 *    are exact (parameters, sizes); FLOPs and bytes of whole runs are double, which holds 1e27 with 53 bits of
 *    precision (exact below 2^53 = 9.0e15, relative error 1.1e-16 above).
 */

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Error codes. New codes go last; existing ones are never renumbered. */
typedef enum {
    LLMCOST_OK = 0,
    LLMCOST_EINVAL = -1,      /* a value is wrong: missing key, wrong type, out of range, inconsistent */
    LLMCOST_EIO = -2,         /* a file could not be read */
    LLMCOST_EPARSE = -3,      /* malformed JSON or text */
    LLMCOST_ENOMEM = -4,      /* out of memory */
    LLMCOST_EOVERFLOW = -5,   /* a count would not fit its type */
    LLMCOST_ENOTFOUND = -6,   /* no such preset, GPU, or file */
    LLMCOST_EUNSUPPORTED = -7 /* understood, but not modelled */
} llmcost_error;

/* The message of the last failure on this thread ("" when none). Valid until the next failing call. */
const char *llmcost_errmsg(void);

/*
 * Sets up every bundled table now (they are otherwise set up on first use): for bindings that want the start-up
 * cost and any error up front. Safe to call any number of times, from any thread. Returns 0, or the error a
 * broken bundled data file gave (a build defect).
 */
int llmcost_init(void);

/* The library's version as "MAJOR.MINOR.PATCH". */
const char *llmcost_version(void);

/* Frees a string or buffer the library returned. NULL is allowed. */
void llmcost_free(void *p);

#ifdef __cplusplus
}
#endif

#endif
