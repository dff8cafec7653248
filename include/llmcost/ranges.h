/* ranges.h - the plausible range of every real-valued option and data field, checked once, where it is read.
 *
 * Each range is documented (docs/formulas.md, "Plausible ranges"; a test checks that table against this one) and
 * is wide enough for every accelerator, run and price seen so far with margin, and narrow enough that no derived
 * figure (a run's cost, its steps, its energy) can overflow a double. A value outside its range is refused with
 * LLMCOST_EINVAL and a message "FIELD = VALUE is outside the plausible range MIN to MAX UNIT (WHAT)", naming
 * the option's field or the data file's key, which a front end maps to its own names (the CLI: its flags).
 * Engines also check every figure they return is finite: an overflow is LLMCOST_EOVERFLOW naming the inputs.
 */
#ifndef LLMCOST_RANGES_H
#define LLMCOST_RANGES_H

#include <stdbool.h>

#include "common.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct llmcost_range {
    const char *field;  /* the option's field ("pue", "price_per_hour") or data key ("memory_gb", "scaleup.gbps") */
    double min, max;    /* inclusive, in "unit" */
    bool zero_means_default; /* 0 is also accepted: "use the default" or "unknown" (see "what") */
    const char *unit;   /* "GiB", "USD per GPU-hour", "" for a plain number */
    const char *what;   /* what the value is, and what 0 means when it is accepted */
} llmcost_range;

/* The table, in a fixed order. */
int llmcost_range_count(void);
const llmcost_range *llmcost_range_at(int i);
/* A range by field name; NULL when there is none. */
const llmcost_range *llmcost_range_find(const char *field);

/*
 * 0 when "value" (in the range's unit) is finite and inside the range of "field" (or 0 where 0 is accepted);
 * else LLMCOST_EINVAL with the message above. LLMCOST_EINVAL too for a field without a range (a defect).
 */
int llmcost_range_check(const char *field, double value);

#ifdef __cplusplus
}
#endif

#endif
