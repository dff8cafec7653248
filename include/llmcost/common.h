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

/* The library's version as "MAJOR.MINOR.PATCH". */
const char *llmcost_version(void);

/* Frees a string or buffer the library returned. NULL is allowed. */
void llmcost_free(void *p);

#ifdef __cplusplus
}
#endif

#endif
