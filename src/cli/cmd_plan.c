/* cmd_plan.c - `llmcost plan MODEL --gpu NAME[,NAME...] --gpus N --global-batch TOKENS`: the fastest or cheapest
 * layout that fits, found by the library's search (llmcost_plan_search); this file parses and prints. */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

static const char *const usage_text =
    "llmcost plan MODEL --gpu NAME[,NAME...] --gpus N --global-batch TOKENS [--seq S] [--gpus-per-node 8]\n"
    "             [--objective time|cost] [--tokens N] [--price USD[,USD...]] [--power-cap W] [--top K] [--pareto]\n"
    "             [any job flag of 'llmcost step': a flag given fixes that dimension]";
static const char *const description =
    "Searches every parallel layout of the job: GPU type, tensor (tp), pipeline (pp) and virtual (vpp) stages,\n"
    "data (dp), context (cp), expert (ep) and expert tensor (etp) parallelism, ZeRO stage 0-3, micro-batch,\n"
    "recomputation (none, selective, full), sequence parallelism and the tp/ep overlaps. A job flag given fixes\n"
    "its dimension (--tp 8 searches the rest). Each layout is judged by the memory engine exactly as 'llmcost\n"
    "memory' judges fit (predicted reserve + CUDA context within capacity x (1 - headroom)), and those that fit\n"
    "are timed by the step engine: the figures are what 'llmcost step' and 'llmcost memory' print for the same\n"
    "flags. Prints the best K (by step time, or by the run's cost with --objective cost --tokens N: GPU-hours x\n"
    "price), what binds each, and the layouts considered and rejected by reason. Layouts that cannot fit because\n"
    "one using less memory (a smaller micro-batch, or more recomputation) does not are rejected\n"
    "without evaluating them. --price takes one price per --gpu name (or one for all). --grad-accum and\n"
    "--micro-batches are refused: the micro-batches follow from --global-batch and each layout.\n"
    "Fine-tuning (--finetune full|lora|qlora and the adapter flags) is fixed as given, not searched: each layout\n"
    "is sized and timed as 'llmcost memory' and 'llmcost step' size and time that fine-tuning job.\n"
    "--power-cap W caps every GPU type's board power: each layout is timed at the capped clock as 'llmcost step\n"
    "--power-cap W' times it (its step flags carry the cap; memory is the same at any clock), and a bigger GPU\n"
    "offered when nothing fits runs under the same cap.\n"
    "EP may span tensor-parallel ranks (Megatron's MoE parallel folding: ep divides tp x cp x dp / etp, with\n"
    "sequence parallelism when it does not divide dp x cp). --moe-dispatcher, --moe-capacity-factor and the\n"
    "memory savers (--compile, --chunked-loss, --optimizer-in-backward, --activation-offload, paged optimizers),\n"
    "--cp-comm and --recompute-every (on the layouts with full recomputation)\n"
    "are fixed as given and reach every layout (each layout sized and timed with them as\n"
    "'llmcost memory' and 'llmcost step' size and time the job). The printed\n"
    "'llmcost step' flags carry them, --headroom, --gpu-file and the GPU overrides (--gpus-per-node as\n"
    "--scaleup-size, --price, --price-list as the price and peak it gives, --peak-tflops, --memory-gb, --memory-bw,\n"
    "--tdp, --scaleup-bw, --scaleout-bw, --power-cap; each applied to every --gpu type): the printed command is the\n"
    "same job.";
static const char *const examples =
    "  llmcost plan llama-3-8b --gpu h100 --gpus 8 --seq 4096 --global-batch 1M\n"
    "  llmcost plan llama-3.1-405b --gpu h100 --gpus 16384 --seq 8192 --global-batch 16M \\\n"
    "      --framework megatron --precision bf16-master --top 5\n"
    "  llmcost plan llama-3-70b --gpu h100,h200,a100 --gpus 512 --seq 8192 --global-batch 4M \\\n"
    "      --objective cost --tokens 1T --price 2.5,3.5,1.5 --format json\n"
    "  llmcost plan llama-3-8b --gpu rtx-4090 --gpus 1 --seq 2048 --global-batch 16x2048 \\\n"
    "      --finetune qlora --lora-rank 16 --lora-targets all-linear\n"
    "  llmcost plan llama-3.1-8b --gpu h100 --gpus 8 --seq 8192 --global-batch 1M --power-cap 500\n";

typedef struct {
    bool tp, pp, vpp, dp, cp, ep, etp, zero, micro_batch, recompute, micro_batches, grad_accum, gpus, gb;
} given_flags;

/* Marks option "name" in "opts" to record in "seen" that it was given. */
static void watch(cli_opt *opts, int n, const char *name, bool *seen)
{
    for (int i = 0; i < n; i++)
        if (!strcmp(opts[i].name, name))
            opts[i].seen = seen;
}

typedef struct {
    double start, after; /* the bar shows once the search has run "after" seconds */
    bool shown;
    FILE *tty;           /* the terminal stderr is (the command's own stderr is held until it ends), or NULL */
} progress_state;

static double wall_now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* A progress bar on stderr, only on a terminal and only once the search has run for a second (the environment
 * variable LLMCOST_PROGRESS_AFTER, for tests, sets another delay in seconds). */
static void progress(void *arg, double done)
{
    progress_state *p = arg;
    if (!p->tty)
        return;
    if (done >= 1.0) {
        if (p->shown)
            fprintf(p->tty, "\r%60s\r", "");
        fflush(p->tty);
        return;
    }
    if (wall_now() - p->start < p->after)
        return;
    p->shown = true;
    int width = 40, fill = (int)(done * width);
    char bar[48];
    for (int i = 0; i < width; i++)
        bar[i] = i < fill ? '#' : '.';
    bar[width] = '\0';
    fprintf(p->tty, "\rllmcost plan: [%s] %3.0f%%", bar, 100 * done);
    fflush(p->tty);
}

static const llmcost_model *cli_model; /* the model searched (its LoRA targets' module names) */

/* The `llmcost step` flags that reproduce layout "l" (and, for memory, the micro-batch count): the library's. */
static void layout_flags(char *buf, size_t n, const llmcost_plan_options *o, const llmcost_plan_layout *l,
                         const char *gpu, bool for_memory)
{
    llmcost_plan_layout_flags_model(buf, n, o, l, gpu, for_memory, cli_model);
}

/* Copies "flags" into "buf", its first flag at column "start", breaking lines (" \\\n      ") before a flag that
 * would pass column "width". */
static void wrap_flags(char *buf, size_t n, const char *flags, int width, int start)
{
    size_t len = 0;
    int col = start;
    buf[0] = '\0';
    for (const char *p = flags; *p && len + 16 < n;) {
        const char *e = strstr(p + 1, " --");
        size_t w = e ? (size_t)(e - p) : strlen(p);
        if (col + (int)w > width && col > start) {
            len += (size_t)snprintf(buf + len, n - len, " \\\n     ");
            col = 5;
        }
        if (len + w + 1 >= n)
            break;
        memcpy(buf + len, p, w);
        len += w;
        buf[len] = '\0';
        col += (int)w;
        p += w;
    }
}

/* "tp8 pp16 v4 dp128 z1 mb1 sel sp" */
static void layout_short(char *buf, size_t n, const llmcost_plan_layout *l)
{
    const llmcost_layout *L = &l->layout;
    static const char *const rec[] = {"-", "sel", "full"};
    size_t len = (size_t)snprintf(buf, n, "tp%lld pp%lld", (long long)L->tp, (long long)L->pp);
    if (L->vpp > 1 && len < n)
        len += (size_t)snprintf(buf + len, n - len, " v%lld", (long long)L->vpp);
    if (len < n)
        len += (size_t)snprintf(buf + len, n - len, " dp%lld", (long long)L->dp);
    if (L->cp > 1 && len < n)
        len += (size_t)snprintf(buf + len, n - len, " cp%lld", (long long)L->cp);
    if (L->ep > 1 && len < n)
        len += (size_t)snprintf(buf + len, n - len, " ep%lld", (long long)L->ep);
    if (l->expert_tp > 1 && len < n)
        len += (size_t)snprintf(buf + len, n - len, " etp%lld", (long long)l->expert_tp);
    if (len < n)
        len += (size_t)snprintf(buf + len, n - len, " z%d mb%lld %s", L->zero, (long long)l->micro_batch,
                                rec[l->recompute]);
    if (L->sequence_parallel && len < n)
        len += (size_t)snprintf(buf + len, n - len, " sp");
    if (L->tp_overlap && len < n)
        len += (size_t)snprintf(buf + len, n - len, " tpo");
    if (L->ep_overlap && len < n)
        snprintf(buf + len, n - len, " epo");
}

static int print_layouts(const char *title, const llmcost_plan_options *o, const llmcost_plan_layout *v, size_t n,
                         const llmcost_gpu *gpus, int format)
{
    bool cost = o->tokens > 0;
    const char *hdr[] = {"#", "gpu", "layout", "step", "MFU", "tokens/s", "peak", "free", "binds", "cost"};
    llmcost_table *t = llmcost_table_new(title, cost ? 10 : 9, hdr);
    if (!t)
        return 1;
    for (int c = 3; c < (cost ? 10 : 9); c++)
        if (c != 8)
            llmcost_table_numeric(t, c);
    for (size_t i = 0; i < n; i++) {
        const llmcost_plan_layout *l = &v[i];
        char lay[160], a[48], b[48], c[48], d[48], e[48], bind[64];
        layout_short(lay, sizeof lay, l);
        snprintf(bind, sizeof bind, "%s%s %.0f%%", l->memory_bound ? "memory, " : "", llmcost_plan_bind_name(l->binds),
                 100 * l->bind_share);
        llmcost_fmt_seconds(a, sizeof a, l->step_seconds);
        llmcost_fmt_count(b, sizeof b, l->tokens_per_second);
        llmcost_fmt_bytes(c, sizeof c, l->peak_bytes);
        llmcost_fmt_bytes(d, sizeof d, l->headroom_bytes);
        if (cost)
            snprintf(e, sizeof e, "$%s", llmcost_fmt_count(e + 8, sizeof e - 8, l->cost_dollars));
        llmcost_table_addf(t, cost ? "%zu\t%s\t%s\t%s\t%.1f%%\t%s\t%s\t%s\t%s\t%s" : "%zu\t%s\t%s\t%s\t%.1f%%\t%s\t%s\t%s\t%s",
                           i + 1, gpus[l->gpu_type].name, lay, a, 100 * l->mfu, b, c, d, bind, e);
    }
    int rc = cli_print_table(t, format);
    llmcost_table_free(t);
    return rc;
}

int cmd_plan(int argc, char **argv)
{
    cli_job_opts jo = CLI_JOB_OPTS_INIT;
    const char *gpu_list = NULL, *price_list_arg = NULL, *gpu_file = NULL;
    int objective = LLMCOST_PLAN_TIME;
    long long top = 10, per_node = 0, threads = 0, tokens_ll = 0;
    double tokens = 0, power_cap = 0;
    /* GPU overrides applied to every --gpu type, as `llmcost step` applies them to its one (carried in the printed
     * flags: the library names what differs from the catalogue's record) */
    cli_gpu_opts gover = {0};
    bool pareto = false, no_ep_overlap = false, no_tp_overlap = false;
    given_flags gv = {0};
    static const char *const objective_choices[] = {"time", "cost", NULL};
    cli_opt opts[] = {
        {"gpu", OPT_STRING, &gpu_list, "NAME[,NAME...]", "GPU types to choose from (see 'llmcost gpus')", NULL, NULL},
        {"gpu-file", OPT_STRING, &gpu_file, "FILE", "extra or overriding GPU records (format of data/gpus.json)",
         NULL, NULL},
        {"price", OPT_STRING, &price_list_arg, "USD[,USD...]",
         "price per GPU-hour, one per --gpu name or one for all (default: the catalogue's)", NULL, NULL},
        {"gpus-per-node", OPT_COUNT, &per_node, "N", "GPUs per scale-up domain (default: the GPU's, 8 for H100)",
         NULL, NULL},
        {"objective", OPT_CHOICE, &objective, "time|cost", "minimise the step time (default) or the run's cost",
         objective_choices, NULL},
        {"tokens", OPT_COUNT, &tokens_ll, "N", "training tokens of the run: adds GPU-hours and cost (1T = 10^12)", NULL,
         NULL},
        {"top", OPT_COUNT, &top, "K", "layouts to print, best first (default 10)", NULL, NULL},
        {"pareto", OPT_FLAG, &pareto, NULL, "also print the Pareto front of step time, cost and memory headroom", NULL,
         NULL},
        {"threads", OPT_COUNT, &threads, "N", "threads to search on (default: one per core)", NULL, NULL},
        {"no-ep-overlap", OPT_FLAG, &no_ep_overlap, NULL, "fix the expert all-to-all as not overlapped", NULL, NULL},
        {"no-tp-overlap", OPT_FLAG, &no_tp_overlap, NULL, "fix tensor-parallel collectives as not overlapped", NULL,
         NULL},
        {"power-cap", OPT_REAL, &power_cap, "W",
         "cap every GPU's board power (nvidia-smi -pl): each layout is timed at the capped clock", NULL, NULL},
        {"price-list", OPT_STRING, &gover.price_list, "NAME",
         "take each GPU type's price and peak from a named price list (course, ...)", NULL, NULL},
        {"peak-tflops", OPT_REAL, &gover.peak_tflops, "X", "dense peak TFLOP/s of the precision in use (every GPU type)",
         NULL, NULL},
        {"memory-gb", OPT_REAL, &gover.memory_gb, "X", "device memory in GB as vendors quote it (GiB; every GPU type)",
         NULL, NULL},
        {"memory-bw", OPT_REAL, &gover.memory_bw_gbps, "GB/S", "device memory bandwidth, GB/s (every GPU type)", NULL,
         NULL},
        {"tdp", OPT_REAL, &gover.tdp_watts, "W", "board power, watts (every GPU type)", NULL, NULL},
        {"scaleup-bw", OPT_REAL, &gover.scaleup_gbps, "GB/S",
         "per-GPU one-way bandwidth inside a node, GB/s (every GPU type)", NULL, NULL},
        {"scaleout-bw", OPT_REAL, &gover.scaleout_gbps, "GB/S",
         "per-GPU one-way network bandwidth across nodes, GB/s (every GPU type)", NULL, NULL},
        CLI_JOB_OPTIONS(jo),
    };
    int nopts = (int)(sizeof opts / sizeof opts[0]);
    watch(opts, nopts, "tp", &gv.tp);
    watch(opts, nopts, "pp", &gv.pp);
    watch(opts, nopts, "vpp", &gv.vpp);
    watch(opts, nopts, "dp", &gv.dp);
    watch(opts, nopts, "cp", &gv.cp);
    watch(opts, nopts, "ep", &gv.ep);
    watch(opts, nopts, "etp", &gv.etp);
    watch(opts, nopts, "zero", &gv.zero);
    watch(opts, nopts, "micro-batch", &gv.micro_batch);
    watch(opts, nopts, "recompute", &gv.recompute);
    watch(opts, nopts, "micro-batches", &gv.micro_batches);
    watch(opts, nopts, "grad-accum", &gv.grad_accum); /* the same field as --micro-batches: watched apart */
    watch(opts, nopts, "gpus", &gv.gpus);
    watch(opts, nopts, "global-batch", &gv.gb);
    cli_common co;
    const char *pos[1];
    int npos;
    int rc = cli_parse("plan", argc, argv, opts, nopts, &co, pos, 1, &npos);
    if (rc)
        return rc;
    if (co.help) {
        cli_help(stdout, "plan", usage_text, description, opts, nopts, examples);
        return 0;
    }
    tokens = (double)tokens_ll;
    if (!npos)
        return cli_usage_error("plan", "give a MODEL (a preset name or a config.json)");
    if (!gv.gpus)
        return cli_usage_error("plan", "give --gpus N, the GPUs of the job");
    if (!gv.gb)
        return cli_usage_error("plan", "give --global-batch TOKENS, the tokens of one optimizer step (16M = 2^24)");
    if (gv.micro_batches)
        return cli_usage_error("plan", "--micro-batches follows from --global-batch and the layout; leave it out");
    if (gv.grad_accum)
        return cli_usage_error("plan", "--grad-accum follows from --global-batch and the layout; leave it out");
    if (jo.sp && jo.no_sp)
        return cli_usage_error("plan", "--sequence-parallel and --no-sequence-parallel contradict each other");
    if ((jo.ep_overlap && no_ep_overlap) || (jo.tp_overlap && no_tp_overlap))
        return cli_usage_error("plan", "--X-overlap and --no-X-overlap contradict each other");
    if (gv.zero && jo.zero > 3)
        return cli_usage_error("plan", "--zero: '%lld' must be 0, 1, 2 or 3", jo.zero);
    if (objective == LLMCOST_PLAN_COST && !(tokens > 0))
        return cli_usage_error("plan", "--objective cost needs --tokens N, the length of the run");
    if (threads > 256)
        return cli_usage_error("plan", "--threads: at most 256");

    /* The GPU types, each with its price. */
    char gpu_buf[512], price_buf[512];
    char *names[16], *prices[16];
    snprintf(gpu_buf, sizeof gpu_buf, "%s", gpu_list ? gpu_list : "h100");
    snprintf(price_buf, sizeof price_buf, "%s", price_list_arg ? price_list_arg : "");
    int n_gpu = llmcost_split_list(gpu_buf, names, 16), n_price = llmcost_split_list(price_buf, prices, 16);
    if (n_gpu <= 0)
        return cli_usage_error("plan", "--gpu: give one to 16 GPU names separated by commas");
    if (n_price < 0 || (n_price > 1 && n_price != n_gpu))
        return cli_usage_error("plan", "--price: give one price, or one per --gpu name (%d)", n_gpu);
    llmcost_gpu gpus[16];
    char assumed[6144] = "", capped[4096] = "";
    for (int i = 0; i < n_gpu; i++) {
        cli_gpu_opts go = gover;
        go.gpu = names[i];
        go.gpu_file = i == 0 ? gpu_file : NULL;
        go.scaleup_size = per_node;
        go.power_cap_watts = power_cap; /* every layout of every type runs capped */
        if (n_price > 0) {
            double p;
            const char *txt = prices[n_price == 1 ? 0 : i];
            if (llmcost_parse_quantity(&p, txt, 0) != 0 || !(p > 0))
                return cli_usage_error("plan", "--price: '%s' is not a positive price", txt);
            go.price = p;
        }
        llmcost_dtype dt = cli_precision_dtype(jo.precision);
        char over[512];
        if ((rc = cli_gpu_resolve(&gpus[i], &go, "plan", "h100", dt, over, sizeof over)) != 0)
            return rc;
        if (power_cap > 0 || gover.price_list || gover.peak_tflops > 0 || gover.memory_gb > 0 ||
            gover.memory_bw_gbps > 0 || gover.tdp_watts > 0 || gover.scaleup_gbps > 0 || gover.scaleout_gbps > 0) {
            size_t len = strlen(capped); /* each type's overrides, as `llmcost step` says them */
            snprintf(capped + len, sizeof capped - len, "GPU %.47s: %.511s\n", gpus[i].name, over);
        }
        if (objective == LLMCOST_PLAN_COST && !(gpus[i].price_per_hour > 0))
            return cli_usage_error("plan", "--price: %s has no catalogue price; give one", gpus[i].name);
    }
    if (!gpu_list) {
        size_t len = strlen(assumed);
        snprintf(assumed + len, sizeof assumed - len, "GPU h100 (give --gpu)\n");
    }
    size_t clen = strlen(assumed);
    snprintf(assumed + clen, sizeof assumed - clen, "%s", capped);

    llmcost_model *m;
    if ((rc = cli_load_model(&m, pos[0])) != 0)
        return rc;
    /* SEQUENCESxLENGTH gives the sequence: read before the default, which it replaces (read after, the search ran
     * on the default sequence with the tokens of the given one, and said the default). */
    double batch_tokens = 0;
    if ((rc = cli_job_batch_tokens(&jo, "plan", &batch_tokens)) != 0) {
        llmcost_model_free(m);
        return rc;
    }
    char why[256];
    cli_default_seq(m, &jo.seq, jo.seq_given, why, sizeof why);
    if (!jo.seq_given) {
        size_t len = strlen(assumed);
        snprintf(assumed + len, sizeof assumed - len, "sequence %lld tokens (%s)\n", jo.seq, why);
    }
    cli_model = m;
    llmcost_plan_options o;
    llmcost_plan_options_init(&o);
    o.gpu_types = gpus;
    o.n_gpu_types = (size_t)n_gpu;
    o.catalog = cli_catalog(); /* --gpu-file: its GPUs are tried as a bigger GPU when nothing fits */
    o.gpu_file = gpu_file;     /* ... and named in the printed flags */
    o.gpus = jo.gpus;
    o.seq = jo.seq;
    o.global_batch_tokens = (long long)batch_tokens;
    o.objective = (llmcost_plan_objective)objective;
    o.tokens = tokens;
    o.top = (size_t)top;
    o.pareto = pareto;
    o.threads = (int)threads; /* 0: one per core */
    /* The fixed settings (precision ... the memory mechanisms) as the library reads them from a job spec. */
    llmcost_job_spec spec;
    cli_job_spec(&spec, &jo);
    size_t alen = strlen(assumed);
    o.cp = gv.cp ? jo.cp : LLMCOST_PLAN_ANY; /* read by the note on CP over sliding windows */
    if (llmcost_plan_options_from_spec_model(&o, &spec, m, assumed + alen, sizeof assumed - alen) < 0) {
        llmcost_model_free(m);
        return cli_job_error("plan");
    }
    o.tp = gv.tp ? jo.tp : LLMCOST_PLAN_ANY;
    o.pp = gv.pp ? jo.pp : LLMCOST_PLAN_ANY;
    o.vpp = gv.vpp ? jo.vpp : LLMCOST_PLAN_ANY;
    o.dp = gv.dp ? jo.dp : LLMCOST_PLAN_ANY;
    o.cp = gv.cp ? jo.cp : LLMCOST_PLAN_ANY;
    o.ep = gv.ep ? jo.ep : LLMCOST_PLAN_ANY;
    o.etp = gv.etp ? jo.etp : LLMCOST_PLAN_ANY;
    o.micro_batch = gv.micro_batch ? jo.micro_batch : LLMCOST_PLAN_ANY;
    o.zero = gv.zero ? (int)jo.zero : LLMCOST_PLAN_ANY;
    o.recompute = gv.recompute ? jo.recompute : LLMCOST_PLAN_ANY;
    o.sequence_parallel = jo.sp ? 1 : jo.no_sp ? 0 : LLMCOST_PLAN_ANY;
    o.ep_overlap = jo.ep_overlap ? 1 : no_ep_overlap ? 0 : LLMCOST_PLAN_ANY;
    o.tp_overlap = jo.tp_overlap ? 1 : no_tp_overlap ? 0 : LLMCOST_PLAN_ANY;
    if (o.global_batch_tokens % o.seq != 0) {
        llmcost_model_free(m);
        return cli_usage_error("plan", "--global-batch %lld tokens is not a whole number of %lld-token sequences",
                               (long long)o.global_batch_tokens, (long long)o.seq);
    }
    progress_state ps = {wall_now(), 1.0, false, cli_terminal()};
    const char *after = getenv("LLMCOST_PROGRESS_AFTER");
    if (after) {
        char *end;
        ps.after = strtod(after, &end);
        if (end == after || *end || !(ps.after >= 0) || !isfinite(ps.after)) {
            llmcost_model_free(m);
            return cli_usage_error("plan", "LLMCOST_PROGRESS_AFTER=%s: give seconds (a number, 0 or more)", after);
        }
    }
    o.progress = progress;
    o.progress_arg = &ps;
    llmcost_plan p;
    int r = llmcost_plan_search(&p, m, &o);
    if (r < 0) {
        rc = cli_lib_error(r);
        llmcost_model_free(m);
        return rc;
    }
    llmcost_plan_change *changes = NULL;
    size_t n_changes = 0;
    if (p.n_layouts == 0 && (r = llmcost_plan_changes(&changes, &n_changes, m, &o)) < 0) {
        rc = cli_lib_error(r);
        llmcost_plan_dispose(&p);
        llmcost_model_free(m);
        return rc;
    }
    if (cli_structured(co.format)) {
        char *text;
        /* The library's document: flags beside each layout, and the changes that fit when nothing does. */
        rc = llmcost_plan_result_to_json(&text, &p, m, &o, changes, n_changes, assumed);
        rc = cli_print_json_text(rc, text);
    } else {
        char title[512], a[48];
        char ftn[48] = "";
        if (o.finetune.method != LLMCOST_FT_NONE) /* the fine-tuning every layout is sized and timed with */
            snprintf(ftn, sizeof ftn, ", %s%s", o.finetune.variant == LLMCOST_LORA_DORA ? "DoRA " : "",
                     o.finetune.method == LLMCOST_FT_FULL ? "full fine-tuning"
                     : o.finetune.method == LLMCOST_FT_LORA ? "LoRA" : "QLoRA");
        snprintf(title, sizeof title, "Best layouts of %s on %lld GPUs, seq %lld, %s tokens per step (%s, %s%s), by %s",
                 m->name, (long long)o.gpus, (long long)o.seq, llmcost_fmt_count(a, sizeof a, (double)o.global_batch_tokens),
                 cli_framework_choices[o.framework], cli_precision_choices[o.precision], ftn,
                 objective == LLMCOST_PLAN_COST ? "cost of the run" : "step time");
        rc = p.n_layouts || co.format == LLMCOST_FMT_CSV ? print_layouts(title, &o, p.layouts, p.n_layouts, gpus, co.format)
                                                         : 0;
        if (!rc && pareto && co.format != LLMCOST_FMT_CSV)
            rc = print_layouts("Pareto front: no other layout is faster, cheaper and has more free memory", &o,
                               p.pareto, p.n_pareto, gpus, co.format);
        if (!rc && co.format != LLMCOST_FMT_CSV) {
            cli_note(co.format, "%lld layouts evaluated, %lld fit; rejected: %lld by memory, %lld by batch, %lld by "
                                "layout\n(%lld memory and %lld step evaluations on %d thread%s).",
                     (long long)p.evaluated, (long long)p.feasible, (long long)p.rejected[LLMCOST_PLAN_REJ_MEMORY],
                     (long long)p.rejected[LLMCOST_PLAN_REJ_BATCH], (long long)p.rejected[LLMCOST_PLAN_REJ_LAYOUT],
                     (long long)p.memory_evaluations, (long long)p.step_evaluations, p.threads,
                     p.threads > 1 ? "s" : "");
            if (p.n_layouts == 0) {
                cli_note(co.format, "No layout fits. %s", n_changes ? "The smallest changes that make one fit, each "
                                                                      "found by searching again:" : "No change tried "
                                                                      "(more GPUs, a bigger GPU, shorter sequences, "
                                                                      "full recomputation) makes one fit either.");
                for (size_t i = 0; i < n_changes; i++) {
                    const llmcost_plan_change *c = &changes[i];
                    char what[128], lay[160], secs[48];
                    llmcost_plan_change_words(what, sizeof what, c, true);
                    layout_short(lay, sizeof lay, &c->best);
                    cli_note(co.format, "  %s: %s, %s per step", what, lay,
                             llmcost_fmt_seconds(secs, sizeof secs, c->best.step_seconds));
                }
            }
            if (p.n_layouts > 0) {
                char flags[1024];
                layout_flags(flags, sizeof flags, &o, &p.layouts[0], gpus[p.layouts[0].gpu_type].name, false);
                char wrapped[1200];
                /* the first line's flags start after "  llmcost step MODEL " */
                wrap_flags(wrapped, sizeof wrapped, flags, 96, 16 + (int)strlen(pos[0]));
                cli_note(co.format, "The best, in detail:\n  llmcost step %s %s", pos[0], wrapped);
            }
            cli_print_assumptions(co.format, assumed);
        }
    }
    llmcost_free(changes);
    llmcost_plan_dispose(&p);
    llmcost_model_free(m);
    return rc;
}
