/* cmd_train.c - `llmcost train MODEL --tokens N --gpu NAME --gpus N`: steps, wall-clock, GPU-hours, dollars, energy. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

static const char *const usage_text =
    "llmcost train [MODEL] --tokens N [--gpu NAME] [--gpus N] [--tp N --pp N ...] [--global-batch TOKENS]\n"
    "       [--seq S] [--price USD] [--mfu X] [--pue X] [--grid-intensity KG] [--goodput X]\n"
    "       [--checkpoint-gbps X] [--checkpoint-interval S] [--warmup S]\n"
    "       llmcost train --published";
static const char *const description =
    "Cost of a whole training run: the step time from `llmcost step` (or --mfu to impose a utilisation),\n"
    "steps = tokens / tokens per step, wall-clock, GPU-hours, cost at the GPU's price (or --price / --price-list),\n"
    "energy = GPU-hours x board power x PUE, and CO2 = energy x grid carbon intensity, with every assumption\n"
    "printed. --published compares llmcost's predictions with published runs (data/validation/runs.json:\n"
    "Llama 3.1 405B, Llama 2, LLaMA-1, OPT-175B, Megatron-LM 1T, DeepSeek-V3), each with its error, and each run's\n"
    "memory under its stated layout: it fits, or it is a known miss naming the mechanism llmcost lacks (DeepSeek-V3\n"
    "fits with its own: --act-cache fp8-tile, --recompute-modules, --pipeline dualpipe, --ema cpu).\n"
    "The memory savers (--compile, --chunked-loss, --activation-offload, paged optimizers,\n"
    "--optimizer-in-backward) are timed as `llmcost step` times them, each cost on an assumed: line.\n\n"
    "Sweeps: a job flag given a comma list (--micro-batch 1,2,4 --gpu h100,h200 --seq 4k,8k; also --tp,\n"
    "--pp, --zero, --recompute, --precision, --gpus, ...) runs every combination (at most 10,000): one row\n"
    "each, the swept values then the results; --format json gives {\"results\": [...]}, each element the\n"
    "single run's document.";
static const char *const examples =
    "  llmcost train llama-3.1-405b --tokens 15.6T --gpu h100 --gpus 16384 --tp 8 --pp 16 --vpp 8 \\\n"
    "      --framework megatron --precision bf16-master --seq 8192 --global-batch 16M --price 2.0\n"
    "  llmcost train llama-7b --tokens 1T --gpu a100 --gpus 2048 --mfu 0.4 --price-list course\n"
    "  llmcost train --published --format md\n"
    "  llmcost train llama-3-8b --tokens 1T --gpus 256 --gpu h100,h200,b200 --format json\n";

static int print_published(int format)
{
    llmcost_published *p;
    size_t n;
    int rc = llmcost_train_published(&p, &n);
    if (rc < 0)
        return cli_lib_error(rc);
    if (cli_structured(format)) {
        char *text;
        cli_output_kind("published");
        rc = llmcost_published_to_json(&text, p, n);
        rc = cli_print_json_text(rc, text);
        llmcost_free(p);
        return rc;
    }
    const char *hdr[] = {"run", "metric", "reported", "predicted", "error"};
    llmcost_table *t = llmcost_table_new("Published runs predicted from model, hardware and layout", 5, hdr);
    llmcost_table_numeric(t, 2);
    llmcost_table_numeric(t, 3);
    llmcost_table_numeric(t, 4);
    for (size_t i = 0; i < n; i++) {
        char a[32], b[32], e[32];
        llmcost_table_addf(t, "%s%s\t%s%s%s\t%s\t%s\t%s", p[i].name, p[i].dense ? "" : " (MoE)", p[i].metric,
                           p[i].convention[0] ? " " : "", p[i].convention, llmcost_fmt_count(a, sizeof a, p[i].reported),
                           llmcost_fmt_count(b, sizeof b, p[i].predicted), llmcost_fmt_percent(e, sizeof e, p[i].error));
    }
    rc = cli_print_table(t, format);
    llmcost_table_free(t);
    /* Each run's memory under its stated layout: it fits, or it is a known miss naming the missing mechanism. */
    const char *mhdr[] = {"run", "needs", "usable", "memory"};
    llmcost_table *mt = rc ? NULL : llmcost_table_new("Memory of each run under its stated layout (most loaded GPU)", 4, mhdr);
    if (mt) {
        llmcost_table_numeric(mt, 1);
        llmcost_table_numeric(mt, 2);
        for (size_t i = 0; i < n; i++) {
            if (i > 0 && !strcmp(p[i].name, p[i - 1].name))
                continue;
            char a[32], b[32];
            const char *verdict = p[i].fits == p[i].stated_fits ? (p[i].fits ? "fits" : "does NOT fit (known miss)")
                                  : p[i].fits                   ? "fits (the data says it does not)"
                                                                : "does NOT fit (the data says it does)";
            llmcost_table_addf(mt, "%s\t%s\t%s\t%s", p[i].name, llmcost_fmt_bytes(a, sizeof a, p[i].required_bytes),
                               llmcost_fmt_bytes(b, sizeof b, p[i].usable_bytes), verdict);
        }
        cli_note(format, "%s", "");
        rc = cli_print_table(mt, format);
        llmcost_table_free(mt);
    }
    if (!rc && format != LLMCOST_FMT_CSV) {
        for (size_t i = 0; i < n; i++)
            if (i == 0 || strcmp(p[i].name, p[i - 1].name) != 0) {
                cli_note(format, "%s: %s%s%s", p[i].name, p[i].source, p[i].assumed[0] ? "; assumed: " : "", p[i].assumed);
                if (p[i].memory[0])
                    cli_note(format, "  memory: %s%s", p[i].stated_fits ? "fits with " : "known miss: ", p[i].memory);
            }
    }
    llmcost_free(p);
    return rc;
}

int cmd_train(int argc, char **argv)
{
    cli_gpu_opts go = {0};
    cli_job_opts jo = CLI_JOB_OPTS_INIT;
    double tokens = 0, mfu = 0, pue = 0, grid = -1, goodput = 0, ckpt_gbps = 0, ckpt_interval = 0, warmup = 0;
    bool published = false, seen_grid = false;
    cli_opt opts[] = {
        {"tokens", OPT_REAL, &tokens, "N", "training tokens (15.6T = 15.6e12)", NULL, NULL},
        CLI_GPU_OPTIONS(go),
        CLI_POWER_CAP_OPTION(go),
        CLI_JOB_OPTIONS(jo),
        {"mfu", OPT_FRACTION, &mfu, "X", "impose this model-FLOPs utilisation instead of predicting the step", NULL, NULL},
        {"pue", OPT_REAL, &pue, "X", "data-centre power usage effectiveness (default 1.1)", NULL, NULL},
        {"grid-intensity", OPT_REAL, &grid, "KG", "kg CO2e per kWh (default 0.373, US average)", NULL, &seen_grid},
        {"goodput", OPT_FRACTION, &goodput, "X", "fraction of time on useful steps (default: modelled from Llama 3's failure rate at this GPU count, checkpoint saves and warm-up; 1: the ideal run)", NULL, NULL},
        {"checkpoint-gbps", OPT_REAL, &ckpt_gbps, "X", "checkpoint write bandwidth per GPU, GB/s (default 0.122: Llama 3's storage, 2 TB/s for 16,384 GPUs)", NULL, NULL},
        {"checkpoint-interval", OPT_REAL, &ckpt_interval, "S", "seconds of training between checkpoints (default: Young's optimum sqrt(2 x save time x MTBF))", NULL, NULL},
        {"warmup", OPT_REAL, &warmup, "S", "one-time start-up seconds before the first step (default 30)", NULL, NULL},
        {"published", OPT_FLAG, &published, NULL, "compare with published runs instead", NULL, NULL},
    };
    int nopts = (int)(sizeof opts / sizeof opts[0]);
    cli_common co;
    const char *pos[1];
    int npos;
    int rc = cli_sweep("train", cmd_train, argc, argv, opts, nopts); /* lists: every combination */
    if (rc >= 0)
        return rc;
    rc = cli_parse("train", argc, argv, opts, nopts, &co, pos, 1, &npos);
    if (rc)
        return rc;
    if (co.help) {
        cli_help(stdout, "train", usage_text, description, opts, nopts, examples);
        return 0;
    }
    if (published) {
        if (npos || tokens > 0)
            return cli_usage_error("train", "--published takes no model and no --tokens");
        return print_published(co.format);
    }
    if (!(tokens > 0))
        return cli_usage_error("train", "--tokens is required (e.g. --tokens 15.6T)");
    llmcost_model *m;
    rc = cli_load_model(&m, npos ? pos[0] : NULL);
    if (rc)
        return rc;
    char assumed[6144] = "", over[512];
    llmcost_train_options ro = LLMCOST_TRAIN_OPTIONS_INIT;
    llmcost_gpu g;
    llmcost_train run;
    llmcost_job job;
    rc = cli_job_build(&job, &jo, m, "train", assumed, sizeof assumed);
    if (!rc)
        llmcost_job_step_options(&ro.step, &job);
    if (!rc) {
        llmcost_dtype dt = cli_precision_dtype(ro.step.precision);
        rc = cli_gpu_resolve(&g, &go, "train", "h100", dt, over, sizeof over);
        if (!rc && !go.gpu) {
            size_t n = strlen(assumed);
            snprintf(assumed + n, sizeof assumed - n, "GPU h100 (give --gpu)\n");
        }
    }
    if (!rc) {
        ro.tokens = tokens;
        ro.mfu = mfu;
        if (pue > 0)
            ro.pue = pue;
        if (seen_grid)
            ro.grid_kg_per_kwh = grid;
        ro.goodput = goodput > 0 ? goodput : 0; /* 0: the library's failure model */
        ro.checkpoint_gbps = ckpt_gbps;
        ro.checkpoint_interval_seconds = ckpt_interval;
        ro.warmup_seconds = warmup;
        int r = llmcost_job_train(&run, m, &g, &job, &ro);
        if (r < 0)
            rc = cli_lib_error(r);
    }
    if (!rc) {
        llmcost_train_assumptions(assumed, sizeof assumed, &run, &g, &ro, over, go.price > 0, pue > 0, seen_grid);
        llmcost_step_savers_assumptions(assumed, sizeof assumed, &run.step, &job, &g);
        const llmcost_step *s = &run.step;
        if (cli_structured(co.format)) {
            char *text;
            int jr = llmcost_train_to_json(&text, &run, m, &g, &ro, assumed);
            rc = jr < 0 ? cli_lib_error(jr) : cli_job_fit(m, &g, &job, co.format, text);
        } else {
            char title[1024], setup[384], a[64], b[64];
            cli_setup_describe(setup, sizeof setup, &ro.step, s);
            snprintf(title, sizeof title, "Training %s on %s for %s tokens (%s)", m->name, g.name,
                     llmcost_fmt_count(a, sizeof a, tokens), setup);
            const char *hdr[] = {"quantity", "value"};
            llmcost_table *t = llmcost_table_new(title, 2, hdr);
            llmcost_table_addf(t, "steps\t%.0f of %s tokens (%s s each)", run.steps,
                               llmcost_fmt_count(a, sizeof a, s->tokens_per_step),
                               (snprintf(b, sizeof b, "%.3g", s->step_seconds), b));
            llmcost_table_addf(t, "wall-clock\t%s", llmcost_fmt_seconds(a, sizeof a, run.wall_seconds));
            llmcost_table_addf(t, "GPU-hours\t%s", llmcost_fmt_count(a, sizeof a, run.gpu_hours));
            llmcost_table_addf(t, "cost\t$%s", llmcost_fmt_count(a, sizeof a, run.cost_usd));
            if (isfinite(run.energy_kwh)) {
                llmcost_table_addf(t, "energy\t%s kWh", llmcost_fmt_count(a, sizeof a, run.energy_kwh));
                llmcost_table_addf(t, "CO2\t%s t CO2e", llmcost_fmt_count(a, sizeof a, run.co2_kg / 1000));
            } else {
                llmcost_table_addf(t, "energy\tunknown: %s has no published board power (give --tdp)", g.name);
            }
            llmcost_table_addf(t, "model FLOPs\t%s", llmcost_fmt_flops(a, sizeof a, run.total_flops));
            llmcost_table_addf(t, "MFU\t%.1f%% (%.1f TFLOP/s per GPU)%s", 100 * run.mfu, s->achieved_flops_per_gpu / 1e12,
                               run.mfu_given ? ", imposed" : "");
            llmcost_mfu_by_peak mp;
            if (ro.step.precision == LLMCOST_PREC_FP8 && llmcost_step_mfu_by_peak(&mp, s, &g) == 0 && isfinite(mp.fp8))
                llmcost_table_addf(t, "MFU by peak\t%.1f%% of the bf16 dense peak; %.1f%% of the fp8 dense peak",
                                   100 * mp.bf16, 100 * mp.fp8);
            llmcost_table_addf(t, "tokens per second\t%s (%s per GPU)", llmcost_fmt_count(a, sizeof a, s->tokens_per_second),
                               llmcost_fmt_count(b, sizeof b, s->tokens_per_second_per_gpu));
            rc = cli_print_table(t, co.format);
            llmcost_table_free(t);
            if (!rc && !run.mfu_given && co.format != LLMCOST_FMT_CSV)
                rc = cli_print_step(s, m, &g, &ro.step, co.format);
            if (!rc)
                rc = cli_job_fit(m, &g, &job, co.format, NULL);
            if (!rc && !run.mfu_given)
                cli_bubble_warning(s, &job, co.format);
            if (!rc)
                cli_print_assumptions(co.format, assumed);
        }
    }
    llmcost_model_free(m);
    return rc;
}
