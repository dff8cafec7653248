/* cmd_step.c - `llmcost step MODEL --gpu NAME [layout]`: time of one training step, its breakdown, MFU and HFU. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

static const char *const usage_text = "llmcost step [MODEL] [--gpu NAME] [job options as in 'llmcost memory']\n"
                                      "       [--global-batch TOKENS] [--tp-overlap] [--ep-overlap]";
static const char *const description =
    "Time of one optimizer step: every matrix product at a throughput that depends on its shape (wave\n"
    "quantisation and k-overhead, fitted to measured H200 GEMMs and scaled by each GPU's peak and bandwidth),\n"
    "fused attention with its softmax exps (--attention names the kernel generation: flash2, flash3, cudnn,\n"
    "triton, flash4 (Blackwell only) each at its published efficiency curve, sdpa as PyTorch dispatches it,\n"
    "eager and sdpa-math over\n"
    "every pair), memory-bound element-wise work at memory bandwidth, the host's\n"
    "launch time (eager PyTorch, measured per kernel), recomputation, the optimizer's reads and writes, then\n"
    "tensor/context/expert/pipeline/data-parallel communication (ring or tree, inside a node or across nodes)\n"
    "and the pipeline bubble. Prints the breakdown, tokens/s, achieved TFLOP/s, MFU and HFU (PaLM's\n"
    "definitions: model FLOPs without / with recomputation over peak). Profiles: hf (PyTorch + transformers\n"
    "as it really runs, unfused), megatron (fused kernels, sequence parallelism with TP), and torchtune and\n"
    "litgpt (eager PyTorch, timed as hf; LitGPT's loss in 128-token chunks). The memory savers are timed:\n"
    "--compile fuses the element-wise kernels, --chunked-loss N runs N head GEMMs and loss sequences,\n"
    "--activation-offload copies the kept tensors over the GPU's host link (exposed past the compute they\n"
    "overlap), paged optimizers migrate states only when the job does not fit, --optimizer-in-backward\n"
    "launches one step per parameter tensor; each cost on an assumed: line (JSON: memory_savers). The job is checked\n"
    "against the GPU's memory as in 'llmcost memory': when it does not fit, the changes that make it fit and\n"
    "the nearest layout that fits (llmcost plan's; JSON: nearest_fit) are named, or, when no layout of these\n"
    "GPUs fits, the smallest change that does (JSON: change_that_fits).\n\n"
    "Fine-tuning (--finetune lora|qlora, --lora-*): the frozen base runs its forward and input-gradient GEMMs\n"
    "but no weight-gradient GEMMs, each adapted matrix adds its adapter GEMMs (DoRA its weight norm), each\n"
    "quantised matrix a dequantisation before its forward and input-gradient GEMMs, and the optimizer updates\n"
    "the adapters only. The fit is checked as 'llmcost memory --finetune ...' sizes it.\n\n"
    "Sweeps: a job flag given a comma list (--micro-batch 1,2,4 --gpu h100,h200 --seq 4k,8k; also --tp,\n"
    "--pp, --zero, --recompute, --precision, --gpus, ...) runs every combination (at most 10,000): one row\n"
    "each, the swept values then the results; --format json gives {\"results\": [...]}, each element the\n"
    "single run's document.";
static const char *const examples =
    "  llmcost step llama-3.2-1b --gpu h200 --micro-batch 4 --seq 2048\n"
    "  llmcost step llama-3-8b --gpu h200 --seq 4096 --recompute full --format json\n"
    "  llmcost step llama-3.1-405b --gpu h100 --framework megatron --precision bf16-master \\\n"
    "      --tp 8 --pp 16 --vpp 8 --gpus 16384 --zero 1 --seq 8192 --global-batch 16M\n"
    "  llmcost step llama-3.1-8b --gpu h100 --gpus 8 --tp 1,2,4 --seq 4k,8k --format csv\n"
    "  llmcost step llama-3.1-8b --gpu rtx-4090 --finetune qlora --lora-targets all-linear \\\n"
    "      --recompute full --micro-batch 2 --seq 2048 --global-batch 2x2048\n";

static const char *component_label(int k)
{
    static const char *const labels[LLMCOST_ST_COUNT] = {
        "matmul (linear layers)", "attention kernels", "memory-bound element-wise", "host launch overhead",
        "recomputation", "optimizer step", "tensor-parallel comm (exposed)", "context-parallel comm (exposed)",
        "expert all-to-all (exposed)", "pipeline send/recv", "data-parallel comm (exposed)", "pipeline bubble"};
    return labels[k];
}

void cli_setup_describe(char *buf, size_t n, const llmcost_step_options *o, const llmcost_step *s)
{
    const llmcost_layout *L = &s->layout;
    snprintf(buf, n, "%lld GPU%s: tp %lld, pp %lld%s, dp %lld, cp %lld, ep %lld, ZeRO %d%s; %s, %s, recompute %s, %s attention",
             (long long)L->gpus, L->gpus > 1 ? "s" : "", (long long)L->tp, (long long)L->pp,
             L->vpp > 1 ? " (interleaved)" : "", (long long)L->dp, (long long)L->cp, (long long)L->ep, L->zero,
             L->sequence_parallel ? ", sequence parallel" : "", llmcost_framework_name(o->framework),
             llmcost_precision_name(o->precision), cli_recompute_choices[o->recompute],
             cli_attention_choices[o->attention]);
}

/* Prints the breakdown and the rates of step "s" (text/csv/md). */
int cli_print_step(const llmcost_step *s, const llmcost_model *m, const llmcost_gpu *g, const llmcost_step_options *o,
                   int format)
{
    char title[1024], setup[384], a[64], b[64];
    cli_setup_describe(setup, sizeof setup, o, s);
    snprintf(title, sizeof title, "Step time of %s on %s (%s)", m->name, g->name, setup);
    const char *hdr[] = {"component", "time", "share"};
    llmcost_table *t = llmcost_table_new(title, 3, hdr);
    if (!t)
        return 1;
    llmcost_table_numeric(t, 1);
    llmcost_table_numeric(t, 2);
    for (int k = 0; k < LLMCOST_ST_COUNT; k++)
        if (s->components[k] > 0)
            llmcost_table_addf(t, "%s\t%s\t%.1f%%", component_label(k), llmcost_fmt_seconds(a, sizeof a, s->components[k]),
                               100 * s->components[k] / s->step_seconds);
    llmcost_table_addf(t, "step\t%s\t100.0%%", llmcost_fmt_seconds(a, sizeof a, s->step_seconds));
    int rc = cli_print_table(t, format);
    llmcost_table_free(t);
    if (rc || format == LLMCOST_FMT_CSV)
        return rc;
    const char *h2[] = {"rate", "value"};
    t = llmcost_table_new("Throughput", 2, h2);
    if (!t)
        return 1;
    llmcost_table_addf(t, "tokens per step\t%s (%lld sequences of %lld, %lld micro-batch%s per replica)",
                       llmcost_fmt_count(a, sizeof a, s->tokens_per_step), (long long)s->global_batch,
                       (long long)o->seq, (long long)s->micro_batches, s->micro_batches > 1 ? "es" : "");
    llmcost_table_addf(t, "tokens per second\t%s (%s per GPU)", llmcost_fmt_count(a, sizeof a, s->tokens_per_second),
                       llmcost_fmt_count(b, sizeof b, s->tokens_per_second_per_gpu));
    llmcost_table_addf(t, "model FLOPs per step\t%s", llmcost_fmt_flops(a, sizeof a, s->model_flops_per_step));
    llmcost_table_addf(t, "achieved\t%.1f TFLOP/s per GPU (peak %.1f, %s)", s->achieved_flops_per_gpu / 1e12,
                       s->peak_flops / 1e12, o->precision == LLMCOST_PREC_FP32   ? "fp32"
                                             : o->precision == LLMCOST_PREC_FP16 ? "fp16 dense"
                                                                                 : "bf16 dense");
    llmcost_mfu_by_peak mp;
    if (o->precision == LLMCOST_PREC_FP8 && llmcost_step_mfu_by_peak(&mp, s, g) == 0 && isfinite(mp.fp8))
        llmcost_table_addf(t, "MFU\t%.1f%% of the bf16 dense peak; %.1f%% of the fp8 dense peak", 100 * mp.bf16,
                           100 * mp.fp8);
    else
        llmcost_table_addf(t, "MFU\t%.1f%%", 100 * s->mfu);
    llmcost_table_addf(t, "HFU\t%.1f%%%s", 100 * s->hfu, o->recompute ? " (recomputation counted)" : "");
    rc = cli_print_table(t, format);
    llmcost_table_free(t);
    return rc;
}

/* Assumption lines common to step and train: hardware, kernel model, communication (the library's). */
void cli_step_assumptions(char *buf, size_t n, const llmcost_gpu *g, const llmcost_step_options *o, const char *overrides)
{
    if (n)
        buf[0] = '\0';
    llmcost_step_assumptions(buf, n, g, o, overrides);
}

void cli_print_assumptions(int format, const char *lines)
{
    const char *p = lines;
    while (p && *p) {
        const char *e = strchr(p, '\n');
        int len = e ? (int)(e - p) : (int)strlen(p);
        if (len > 0)
            cli_note(format, "assumed: %.*s", len, p);
        p = e ? e + 1 : p + len;
    }
}

int cmd_step(int argc, char **argv)
{
    cli_gpu_opts go = {0};
    cli_job_opts jo = CLI_JOB_OPTS_INIT;
    cli_opt opts[] = {CLI_GPU_OPTIONS(go), CLI_POWER_CAP_OPTION(go), CLI_JOB_OPTIONS(jo)};
    int nopts = (int)(sizeof opts / sizeof opts[0]);
    cli_common co;
    const char *pos[1];
    int npos;
    int rc = cli_sweep("step", cmd_step, argc, argv, opts, nopts); /* lists: every combination */
    if (rc >= 0)
        return rc;
    rc = cli_parse("step", argc, argv, opts, nopts, &co, pos, 1, &npos);
    if (rc)
        return rc;
    if (co.help) {
        cli_help(stdout, "step", usage_text, description, opts, nopts, examples);
        return 0;
    }
    llmcost_model *m;
    rc = cli_load_model(&m, npos ? pos[0] : NULL);
    if (rc)
        return rc;
    char assumed[6144] = "", over[512], more[4096];
    llmcost_step_options o;
    llmcost_gpu g;
    llmcost_step s;
    llmcost_job job;
    rc = cli_job_build(&job, &jo, m, "step", assumed, sizeof assumed);
    if (!rc)
        llmcost_job_step_options(&o, &job);
    if (!rc) {
        llmcost_dtype dt = cli_precision_dtype(o.precision);
        rc = cli_gpu_resolve(&g, &go, "step", "h100", dt, over, sizeof over);
        if (!rc && !go.gpu) {
            size_t n = strlen(assumed);
            snprintf(assumed + n, sizeof assumed - n, "GPU h100 (give --gpu)\n");
        }
    }
    if (!rc) {
        int r = llmcost_job_step(&s, m, &g, &job);
        if (r < 0)
            rc = cli_lib_error(r);
    }
    if (!rc) {
        cli_step_assumptions(more, sizeof more, &g, &o, over);
        llmcost_step_savers_assumptions(more, sizeof more, &s, &job, &g);
        size_t n = strlen(assumed);
        snprintf(assumed + n, sizeof assumed - n, "%s", more);
        if (cli_structured(co.format)) {
            char *text;
            int jr = llmcost_step_to_json(&text, &s, m, &g, &o, assumed);
            rc = jr < 0 ? cli_lib_error(jr) : cli_job_fit(m, &g, &job, co.format, text);
        } else {
            rc = cli_print_step(&s, m, &g, &o, co.format);
            if (!rc)
                rc = cli_job_fit(m, &g, &job, co.format, NULL);
            if (!rc)
                cli_bubble_warning(&s, &job, co.format);
            if (!rc)
                cli_print_assumptions(co.format, assumed);
        }
    }
    llmcost_model_free(m);
    return rc;
}
