/* job_opts.c - the options that describe a training job, shared by memory, step and train: batch, sequence,
 * precision, optimizer, recomputation, attention kernel, framework profile and the parallel layout. */
#include <stdio.h>
#include <string.h>

#include "cli.h"

const char *const cli_act_cache_choices[] = {"recipe", "fp8-tile", NULL};
const char *const cli_pipeline_choices[] = {"1f1b", "dualpipe", NULL};
const char *const cli_ema_choices[] = {"none", "gpu", "cpu", NULL};
const char *const cli_moe_dispatcher_choices[] = {"alltoall", "allgather", "deepep", NULL}; /* llmcost_moe_dispatcher */
const char *const cli_cp_comm_choices[] = {"p2p", "allgather", "a2a", "torch", NULL};          /* llmcost_cp_comm */
const char *const cli_precision_choices[] = {"fp32", "amp-bf16", "bf16", "bf16-master", "fp8", "fp16", NULL};
const char *const cli_optimizer_choices[] = {"adamw", "adamw-8bit", "sgd", "adafactor", "paged-adamw",
                                             "paged-adamw-8bit", NULL};
const char *const cli_framework_choices[] = {"hf", "megatron", "torchtune", "litgpt", NULL};
const char *const cli_finetune_choices[] = {"none", "full", "lora", "qlora", NULL};
const char *const cli_lora_variant_choices[] = {"lora", "dora", NULL};
const char *const cli_quant_choices[] = {"none", "nf4", "fp4", "int8", "int4", NULL};
const char *const cli_adapter_dtype_choices[] = {"auto", "fp32", "bf16", NULL}; /* llmcost_job_spec.adapter_dtype */

void cli_finetune_spec(llmcost_job_spec *s, const cli_finetune_opts *o)
{
    s->finetune = o->method;
    s->lora_variant = o->variant;
    s->quant = o->quant;
    s->lora_rank = o->rank;
    s->quant_group = o->group;
    s->lora_alpha = o->alpha;
    s->lora_targets = o->targets;
    s->double_quant = o->double_quant;
    s->lora_dropout = o->dropout;
    s->adapter_dtype = o->adapter_dtype;
}

void cli_job_apply(llmcost_layout *out, const cli_job_opts *o)
{
    llmcost_layout l = LLMCOST_LAYOUT_INIT;
    l.gpus = o->gpus;
    l.tp = o->tp;
    l.pp = o->pp;
    l.vpp = o->vpp;
    l.dp = o->dp;
    l.cp = o->cp;
    l.ep = o->ep;
    l.zero = (int)o->zero;
    /* Sequence parallelism is Megatron's default with tensor parallelism; --sequence-parallel/--no-... override. */
    l.sequence_parallel = o->sp ? true : o->no_sp ? false : (o->framework == LLMCOST_FW_MEGATRON && o->tp > 1);
    *out = l;
}

void cli_job_memory_options(llmcost_memory_options *out, const cli_job_opts *jo)
{
    llmcost_memory_options o = LLMCOST_MEMORY_OPTIONS_INIT;
    o.micro_batch = jo->micro_batch;
    o.seq = jo->seq;
    o.precision = (llmcost_precision)jo->precision;
    o.optimizer = (llmcost_optimizer)jo->optimizer;
    o.recompute = (llmcost_recompute)jo->recompute;
    o.attention = (llmcost_attn_impl)jo->attention;
    o.framework = (llmcost_framework)jo->framework;
    o.expert_tp = jo->etp;
    o.micro_batches = jo->micro_batches;
    cli_job_apply(&o.layout, jo);
    *out = o;
}

void cli_job_describe(char *buf, size_t n, const llmcost_layout *l)
{
    if (l->gpus <= 1) {
        snprintf(buf, n, "one GPU");
        return;
    }
    snprintf(buf, n, "%lld GPUs: tp %lld x pp %lld%s x cp %lld x dp %lld, ep %lld, ZeRO-%d%s", (long long)l->gpus,
             (long long)l->tp, (long long)l->pp, l->vpp > 1 ? " (interleaved)" : "", (long long)l->cp,
             (long long)l->dp, (long long)l->ep, l->zero, l->sequence_parallel ? ", sequence parallel" : "");
}

void cli_job_message(char *buf, size_t n, const char *msg)
{
    /* The library names a job's fields (job.h); the command line names its flags. */
    llmcost_job_message_names(buf, n, msg, LLMCOST_NAMES_FLAGS);
}
