/* llmcost.h - the whole public interface of libllmcost: include this one header. */
#ifndef LLMCOST_H
#define LLMCOST_H

#include "common.h"
#include "format.h"
#include "model.h"
#include "params.h"
#include "flops.h"
#include "hardware.h"
#include "layout.h"
#include "comms.h"
#include "memory.h"
#include "step.h"
#include "train.h"
#include "plan.h"
#include "scaling.h"
#include "design.h"
#include "budget.h"
#include "validate.h"
#include "job.h"
#include "finetune.h"
#include "output.h"
#include "ranges.h"
#include "request.h"
#include "report.h"

#endif
