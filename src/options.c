/* options.c - the options structs' defaults as functions (for bindings without a C preprocessor) and the check of
 * the version field each struct carries first. */
#include "internal.h"
#include "llmcost/budget.h"
#include "llmcost/design.h"
#include "llmcost/flops.h"
#include "llmcost/layout.h"
#include "llmcost/memory.h"
#include "llmcost/scaling.h"
#include "llmcost/step.h"
#include "llmcost/train.h"

/* Each init copies its _INIT macro, so the function and the macro can never disagree. */
#define DEFINE_INIT(fn, type, macro)                                                                              \
    int fn(type *opts)                                                                                            \
    {                                                                                                             \
        if (!opts)                                                                                                \
            return lc_fail(LLMCOST_EINVAL, #fn ": the options pointer is NULL");                                  \
        *opts = (type)macro;                                                                                      \
        return 0;                                                                                                 \
    }

DEFINE_INIT(llmcost_budget_options_init, llmcost_budget_options, LLMCOST_BUDGET_OPTIONS_INIT)
DEFINE_INIT(llmcost_comm_options_init, llmcost_comm_options, LLMCOST_COMM_OPTIONS_INIT)
DEFINE_INIT(llmcost_design_options_init, llmcost_design_options, LLMCOST_DESIGN_OPTIONS_INIT)
DEFINE_INIT(llmcost_flops_options_init, llmcost_flops_options, LLMCOST_FLOPS_OPTIONS_INIT)
DEFINE_INIT(llmcost_layout_init, llmcost_layout, LLMCOST_LAYOUT_INIT)
DEFINE_INIT(llmcost_memory_options_init, llmcost_memory_options, LLMCOST_MEMORY_OPTIONS_INIT)
DEFINE_INIT(llmcost_fit_options_init, llmcost_fit_options, LLMCOST_FIT_OPTIONS_INIT)
DEFINE_INIT(llmcost_step_options_init, llmcost_step_options, LLMCOST_STEP_OPTIONS_INIT)
DEFINE_INIT(llmcost_train_options_init, llmcost_train_options, LLMCOST_TRAIN_OPTIONS_INIT)

int lc_check_version(unsigned int got, unsigned int want, const char *type, const char *init)
{
    if (got == want)
        return 0;
    if (got == 0)
        return lc_fail(LLMCOST_EINVAL, "%s.version is 0 (not initialised): fill the struct with %s() first", type,
                       init);
    return lc_fail(LLMCOST_EINVAL, "%s.version is %u, but this library (%s) knows version %u: fill the struct with %s()",
                   type, got, LLMCOST_VERSION, want, init);
}
