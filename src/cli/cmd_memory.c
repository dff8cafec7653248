/* cmd_memory.c - `llmcost memory MODEL`: per-GPU memory of a training step, its peak, and what fits. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

static const char *component_label(int c)
{
    static const char *const labels[LLMCOST_MC_COUNT] = {
        "weights", "gradients", "optimizer states", "activations kept by the layers", "embedding and head inputs",
        "loss (fp32 log-probabilities)", "low-precision weight copies", "transient at the peak",
        "allocator reserve (estimate)"};
    return labels[c];
}

static void precision_note(char *buf, size_t n, const llmcost_memory_options *o, const llmcost_job *job)
{
    static const char *const notes[] = {
        "fp32 weights, gradients, states and activations",
        "fp32 weights, gradients and states; bf16 autocast forward (bf16 weight copies kept for backward)",
        "bf16 weights, gradients and states",
        "bf16 weights, fp32 master copy and moments",
        "bf16 weights with fp8 GEMM copies, fp32 master and gradients, bf16 moments (DeepSeek-V3 §3.3)",
        "fp16 weights and gradients, fp32 master copy and moments, dynamic loss scaling (its 12-byte scale state "
        "not counted)"};
    snprintf(buf, n, "%s", notes[(unsigned)o->precision < LLMCOST_PREC_COUNT ? o->precision : 2]);
    /* Under adapters the recipe's words do not hold: what the job holds, in the library's words. */
    char ft[512];
    if (job && llmcost_finetune_holdings_text(ft, sizeof ft, job) == 0 && ft[0])
        cli_job_message(buf, n, ft); /* the library's field names as the flags name them */
    else if (o->precision == LLMCOST_PREC_BF16_MASTER)
        snprintf(buf + strlen(buf), n - strlen(buf), ", %s gradients", o->fp32_grads ? "fp32" : "bf16");
    /* The memory mechanisms in use (memory.h), named as the flags name them. */
    if (o->act_cache == LLMCOST_CACHE_FP8_TILE)
        snprintf(buf + strlen(buf), n - strlen(buf), "; activations cached in fp8 with 1x128-tile scales, the attention "
                 "output in E5M6 (DeepSeek-V3 §3.3.2)");
    if (o->recompute_modules)
        snprintf(buf + strlen(buf), n - strlen(buf), "; recomputed in backward:%s%s%s",
                 o->recompute_modules & LLMCOST_RECOMPUTE_NORM ? " layernorm" : "",
                 o->recompute_modules & LLMCOST_RECOMPUTE_MLA_UP ? " mla_up_proj" : "",
                 o->recompute_modules & LLMCOST_RECOMPUTE_MOE_ACT ? " moe_act" : "");
    if (o->pipeline == LLMCOST_PIPE_DUALPIPE)
        snprintf(buf + strlen(buf), n - strlen(buf), "; DualPipe: two stages per rank, pp + 1 micro-batches in flight");
    if (o->ema != LLMCOST_EMA_NONE)
        snprintf(buf + strlen(buf), n - strlen(buf), "; EMA of the weights %s", o->ema == LLMCOST_EMA_GPU
                 ? "on the GPU (an fp32 copy)" : "in CPU memory");
}

/* The memory command's --max-seq answer for its JSON document (-1: not asked). */
static int64_t memory_longest = -1;

/* The section; with "job" (the memory command's own job, printed alone) its JSON names the nearest fitting layout
 * when the job does not fit (llmcost_memory_fit_to_json). */
static int memory_section(const llmcost_model *m, const llmcost_memory_options *o, const llmcost_gpu *gpu,
                          double headroom, int format, json_t *doc, bool brief, const llmcost_job *job)
{
    /* The memory command's job itself (its fine-tuning included), else the options. */
    llmcost_memory r;
    int rc = job ? llmcost_job_memory(&r, m, job) : llmcost_memory_compute(&r, m, o);
    if (rc < 0)
        return cli_lib_error(rc);
    double capacity = gpu ? gpu->memory_bytes : 0;
    double usable = capacity * (1 - headroom) - o->cuda_context_bytes;
    bool fits = capacity > 0 && r.reserved_bytes <= usable;
    int64_t maxb = 0;
    if (capacity > 0) {
        rc = job ? llmcost_job_max_micro_batch(&maxb, m, job, capacity, headroom)
                 : llmcost_memory_max_micro_batch(&maxb, m, o, capacity, headroom);
        if (rc < 0)
            return cli_lib_error(rc);
    }
    llmcost_layout ly = o->layout;
    llmcost_layout_resolve(&ly, m);
    char layout[256], prec[768];
    cli_job_describe(layout, sizeof layout, &ly);
    precision_note(prec, sizeof prec, o, job);
    if (cli_structured(format)) {
        char *text;
        rc = llmcost_memory_to_json(&text, &r, m, o, gpu, headroom, maxb);
        if (!doc && job && gpu && rc == 0) {
            char *full;
            rc = llmcost_memory_fit_to_json(&full, text, m, gpu, job);
            llmcost_free(text);
            text = full;
        }
        if (!doc && memory_longest >= 0) { /* --max-seq */
            json_t *d = cli_json_document(rc, text);
            if (!d)
                return 1;
            json_object_set_new(d, "max_seq", json_integer(memory_longest));
            if (m->max_positions > 0)
                json_object_set_new(d, "max_positions", json_integer(m->max_positions));
            rc = cli_print_json(d);
            json_decref(d);
            return rc;
        }
        if (!doc)
            return cli_print_json_text(rc, text);
        json_t *j = cli_json_section(rc, text);
        if (!j)
            return 1;
        json_object_set_new(doc, "memory", j);
        return 0;
    }
    char title[512], a[48], b[48];
    snprintf(title, sizeof title, "Memory per GPU: micro-batch %lld x seq %lld, %s, %s, recompute %s, %s attention, %s profile, %s",
             (long long)o->micro_batch, (long long)o->seq, cli_precision_choices[o->precision],
             cli_optimizer_choices[o->optimizer], cli_recompute_choices[o->recompute],
             cli_attention_choices[o->attention], cli_framework_choices[o->framework], layout);
    const char *hdr[] = {"component", "bytes", "share of reserved"};
    llmcost_table *t = llmcost_table_new(title, 3, hdr);
    llmcost_table_numeric(t, 1);
    llmcost_table_numeric(t, 2);
    for (int c = 0; c < LLMCOST_MC_COUNT; c++) {
        if (r.components[c] <= 0)
            continue;
        llmcost_table_addf(t, "%s\t%s\t%.1f%%", component_label(c), llmcost_fmt_bytes(a, sizeof a, r.components[c]),
                           100 * r.components[c] / r.reserved_bytes);
    }
    llmcost_table_addf(t, "peak allocated\t%s\t", llmcost_fmt_bytes(a, sizeof a, r.peak_bytes));
    llmcost_table_addf(t, "peak reserved (estimate)\t%s\t", llmcost_fmt_bytes(a, sizeof a, r.reserved_bytes));
    llmcost_table_addf(t, "CUDA context (apart)\t%s\t", llmcost_fmt_bytes(a, sizeof a, r.cuda_context_bytes));
    rc = cli_print_table(t, format);
    llmcost_table_free(t);
    if (rc)
        return rc;
    cli_note(format, "Precision: %s. The peak is reached at the %s.", prec, llmcost_memory_phase_name(r.peak_phase));
    if (r.finetune == LLMCOST_FT_LORA || r.finetune == LLMCOST_FT_QLORA) {
        char w[48], ad[48], gr[48], st[48], la[48], dq[48], tp[32], fz[32];
        cli_note(format, "Fine-tuning (%s): %s trainable and %s frozen parameters. Frozen base as stored %s; "
                         "adapters %s, their gradients %s, optimizer states %s; kept by the adapters for backward %s; "
                         "largest dequantised weight copy %s.",
                 llmcost_finetune_method_name(r.finetune), llmcost_fmt_grouped(tp, sizeof tp, r.trainable_params),
                 llmcost_fmt_grouped(fz, sizeof fz, r.frozen_params),
                 llmcost_fmt_bytes(w, sizeof w, r.frozen_weight_bytes), llmcost_fmt_bytes(ad, sizeof ad, r.adapter_bytes),
                 llmcost_fmt_bytes(gr, sizeof gr, r.adapter_gradient_bytes),
                 llmcost_fmt_bytes(st, sizeof st, r.adapter_optimizer_bytes),
                 llmcost_fmt_bytes(la, sizeof la, r.lora_activation_bytes), llmcost_fmt_bytes(dq, sizeof dq, r.dequant_bytes));
    }
    if (r.paged_optimizer_bytes > 0) {
        char pg[48];
        cli_note(format, "Paged optimizer: %s of optimizer states in CUDA unified memory, outside the peak allocated and "
                         "reserved (PyTorch's counters do not see them): on the GPU while it has room, paged to host "
                         "memory when it runs short.", llmcost_fmt_bytes(pg, sizeof pg, r.paged_optimizer_bytes));
    }
    if (r.offloaded_bytes > 0) {
        char off[48];
        cli_note(format, "Activation offload: %s of the layers' kept tensors in host memory at the peak (pinned).",
                 llmcost_fmt_bytes(off, sizeof off, r.offloaded_bytes));
    }
    if (!brief) {
        const char *h2[] = {"phase", "allocated"};
        t = llmcost_table_new("Allocated memory through the step", 2, h2);
        llmcost_table_numeric(t, 1);
        llmcost_table_addf(t, "weights + optimizer states (step start)\t%s",
                           llmcost_fmt_bytes(a, sizeof a, r.weights_bytes + r.optimizer_bytes));
        llmcost_table_addf(t, "after forward (activations kept)\t%s", llmcost_fmt_bytes(a, sizeof a, r.after_forward_bytes));
        for (int p = 0; p < LLMCOST_PHASE_COUNT; p++)
            llmcost_table_addf(t, "%s%s\t%s", llmcost_memory_phase_name(p), p == (int)r.peak_phase ? " (peak)" : "",
                               llmcost_fmt_bytes(a, sizeof a, r.phase_bytes[p]));
        rc = cli_print_table(t, format);
        llmcost_table_free(t);
        if (rc)
            return rc;
        char where[96];
        if (o->pipeline == LLMCOST_PIPE_DUALPIPE)
            snprintf(where, sizeof where, "DualPipe rank %d: stages %d and %lld", r.stage, r.stage,
                     (long long)(o->layout.pp - 1 - r.stage));
        else
            snprintf(where, sizeof where, "pipeline stage %d", r.stage);
        cli_note(format, "One layer keeps %s per micro-batch (%s when recomputed); the most loaded GPU (%s, "
                         "%lld layers) holds %.3g micro-batch(es) in flight.",
                 llmcost_fmt_bytes(a, sizeof a, r.layer_activation_bytes), llmcost_fmt_bytes(b, sizeof b, r.layer_full_bytes),
                 where, (long long)r.layers_on_stage, r.in_flight);
    }
    if (gpu) {
        cli_note(format, "%s %s: %s of memory, %.0f%% headroom and %s CUDA context leave %s: %s; largest micro-batch that fits: %lld.",
                 fits ? "Fits" : "Does NOT fit", gpu->name, llmcost_fmt_bytes(a, sizeof a, capacity), headroom * 100,
                 llmcost_fmt_bytes(b, sizeof b, o->cuda_context_bytes), llmcost_fmt_bytes(title, sizeof title, usable),
                 fits ? "the predicted reserve fits" : "the predicted reserve exceeds it", (long long)maxb);
    }
    return 0;
}

int cli_memory_section(const llmcost_model *m, const llmcost_memory_options *o, const llmcost_gpu *gpu,
                       double headroom, int format, json_t *doc, bool brief)
{
    return memory_section(m, o, gpu, headroom, format, doc, brief, NULL);
}

int cli_memory_section_job(const llmcost_model *m, const llmcost_memory_options *o, const llmcost_gpu *gpu,
                           double headroom, int format, json_t *doc, bool brief, const llmcost_job *job)
{
    return memory_section(m, o, gpu, headroom, format, doc, brief, job);
}

/* The course's question (budget.h, llmcost_course_model): the same layer `llmcost --model_config` prints, said
 * which, and the other kind of layer beside it when the model has both. */
static int course_layer(const llmcost_model *m, long long seq, int format)
{
    llmcost_course_answers c;
    int rc = llmcost_course_model(&c, m, seq);
    if (rc < 0)
        return cli_lib_error(rc);
    double gib = 1073741824.0;
    if (cli_structured(format)) {
        char *text;
        cli_output_kind("course_layer");
        rc = llmcost_course_answers_to_json(&text, &c, m);
        return cli_print_json_text(rc, text);
    }
    const char *hdr[] = {"term", "bytes", "GiB"};
    char title[512], a[48];
    snprintf(title, sizeof title, "The course's question: one layer's fp16 forward (batch 1, seq %lld, checkpoint "
                                  "per layer)",
             (long long)c.seq);
    llmcost_table *t = llmcost_table_new(title, 3, hdr);
    llmcost_table_numeric(t, 1);
    llmcost_table_numeric(t, 2);
    const llmcost_course_layer_answer *l = &c.layer;
    llmcost_table_addf(t, "the layer: %s layer %lld, %s (%lld of %lld)\t\t", m->name, (long long)l->layer,
                       l->moe ? "MoE" : "dense", (long long)l->same_kind, (long long)m->n_layers);
    llmcost_table_addf(t, "one layer's fp16 weights\t%s\t%.4f", llmcost_fmt_bytes(a, sizeof a, l->memory.weights_bytes),
                       l->memory.weights_bytes / gib);
    llmcost_table_addf(t, "one b*s*h fp16 checkpoint\t%s\t%.4f", llmcost_fmt_bytes(a, sizeof a, l->memory.checkpoint_bytes),
                       l->memory.checkpoint_bytes / gib);
    llmcost_table_addf(t, "course answer (weights + checkpoint)\t%s\t%.4f", llmcost_fmt_bytes(a, sizeof a, l->answer_bytes),
                       l->answer_bytes / gib);
    llmcost_table_addf(t, "largest intermediates inside the layer\t%s\t%.4f",
                       llmcost_fmt_bytes(a, sizeof a, l->memory.transient_bytes), l->memory.transient_bytes / gib);
    llmcost_table_addf(t, "with them (what the GPU actually peaks at)\t%s\t%.4f",
                       llmcost_fmt_bytes(a, sizeof a, l->answer_bytes + l->memory.transient_bytes),
                       (l->answer_bytes + l->memory.transient_bytes) / gib);
    if (c.has_other) {
        const llmcost_course_layer_answer *o = &c.other;
        llmcost_table_addf(t, "not the course's: a %s layer (layer %lld, %lld of %lld)\t\t", o->moe ? "MoE" : "dense",
                           (long long)o->layer, (long long)o->same_kind, (long long)m->n_layers);
        llmcost_table_addf(t, "  its weights + checkpoint\t%s\t%.4f", llmcost_fmt_bytes(a, sizeof a, o->answer_bytes),
                           o->answer_bytes / gib);
    }
    rc = cli_print_table(t, format);
    llmcost_table_free(t);
    if (format != LLMCOST_FMT_TEXT && format != LLMCOST_FMT_MD)
        return rc;
    char text[1024];
    snprintf(text, sizeof text, "The course's one layer is the model's typical layer: an MoE layer when it has any "
                                "(all its experts resident), else a dense one; 'llmcost --model_config' prints the "
                                "same.%s",
             c.seq_assumed ? " The model has no training length: seq 2048 assumed (--seq S)." : "");
    cli_wrap(stdout, text, 0, 100);
    cli_wrap(stdout, "Assumptions: fp16 weights (2 bytes each) of one decoder layer only (no embedding, head or other "
                     "layers resident); activations recomputed, so only the layer's fp16 input is stored (the "
                     "checkpoint); no gradients or optimizer state (a forward pass); GiB = 2^30 bytes. The "
                     "intermediates row adds what eager attention (q, k, v, s x s scores and probabilities) or the "
                     "MLP (input, gate, up, product) hold at their widest, which the common answer leaves out.", 0, 100);
    return rc;
}

static const char *const usage_text =
    "llmcost memory [MODEL] [--seq S] [--micro-batch B] [--precision P] [--optimizer O] [--recompute MODE]\n"
    "               [--attention KIND] [--framework hf|megatron|torchtune|litgpt]\n"
    "               [--tp N --pp N --vpp N --dp N --cp N --ep N --zero Z]\n"
    "               [--gpu NAME] [--headroom F] [--max-seq] [--course-layer]";
static const char *const description =
    "Memory one GPU needs for a training step, with a breakdown you can act on: weights, gradients, optimizer\n"
    "states (with fp32 master copies), activations each layer keeps for backward, the loss's fp32\n"
    "log-probabilities, low-precision weight copies, the transient at the peak, and the allocator's reserve;\n"
    "the peak, the phase it happens in, whether it fits the GPU with headroom, and the largest micro-batch that\n"
    "fits. The hf profile follows what PyTorch + transformers allocate (checked against H200 measurements); the\n"
    "megatron profile follows Korthikanti et al. 2022; torchtune and litgpt are eager PyTorch as hf, with what\n"
    "their code keeps differently (bf16 adapters; torchao's NF4 keeps no input; LitGPT's fp32 RMSNorm and bf16\n"
    "128-token chunked loss: docs/formulas.md \"Framework profiles\"). With pipeline parallelism the most loaded\n"
    "stage is shown.\n"
    "A job that does not fit gets the changes that make it fit, each tried, and the nearest layout that fits\n"
    "(llmcost plan's: the fewest layout fields changed, then the fastest; JSON: nearest_fit), or, when no layout\n"
    "of these GPUs fits, the smallest change that does (more GPUs, a bigger GPU, shorter sequences, more\n"
    "recomputation, as llmcost plan offers it; JSON: change_that_fits). --max-seq adds the\n"
    "longest sequence that fits at the job's micro-batch (JSON: max_seq), and says when it is beyond the model's\n"
    "max_position_embeddings.\n\n"
    "Fine-tuning (--finetune lora|qlora, --lora-*, --quant): the frozen base as stored (16 bits, or NF4/FP4\n"
    "blocks with their absmax, int8, int4 groups), the adapters with their gradients and optimizer states\n"
    "(PEFT's fp32 under hf), what the adapters keep for backward (x A, their input or its fp32 copy), less what a\n"
    "frozen base keeps (no frozen Linear keeps its input; bitsandbytes' 4-bit matmul does), and the largest\n"
    "dequantised weight copy; JSON adds trainable_params, frozen_params and a finetune object. The nearest\n"
    "layout that fits is searched with the same fine-tuning.\n\n"
    "Memory savers (docs/formulas.md \"Memory savers\"; each said on an assumed: line): --chunked-loss N (one\n"
    "chunk's fp32 copy and loss gradients at a time), --optimizer-in-backward (one gradient alive at a time;\n"
    "needs --grad-accum 1), --activation-offload (the layers' kept tensors in host memory, two layers' on the\n"
    "GPU), --compile (the compiled loss keeps its input and a log-sum-exp; layers as eager, an upper bound),\n"
    "--optimizer paged-adamw|paged-adamw-8bit (states of tensors of 10^5 elements or more in CUDA unified\n"
    "memory, shown apart from the peak: PyTorch's counters do not see them). No nearest layout is searched.\n"
    "step and train time them (docs/formulas.md \"Memory savers: step time\").\n\n"
    "Sweeps: a job flag given a comma list (--micro-batch 1,2,4 --gpu h100,h200 --seq 4k,8k; also --tp,\n"
    "--pp, --zero, --recompute, --precision, --gpus, ...) runs every combination (at most 10,000): one row\n"
    "each, the swept values then the results; --format json gives {\"results\": [...]}, each element the\n"
    "single run's document.";
static const char *const examples =
    "  llmcost memory llama-3-8b --seq 4096 --micro-batch 1 --recompute full --gpu h100\n"
    "  llmcost memory llama-3.2-1b --seq 2048 --micro-batch 4 --precision amp-bf16 --format json\n"
    "  llmcost memory llama-3.1-405b --seq 8192 --framework megatron --precision bf16-master \\\n"
    "      --tp 8 --pp 16 --dp 128 --zero 1 --recompute selective --gpu h100\n"
    "  llmcost memory llama-3.1-8b --finetune lora --lora-rank 16 --lora-targets all-linear --seq 2048 \\\n"
    "      --recompute full --gpu rtx-4090\n"
    "  llmcost memory llama-7b --course-layer     # the course's one-layer fp16 question\n"
    "  llmcost memory llama-3-8b --micro-batch 1,2,4 --gpu h100,h200 --recompute none,full\n"
    "  llmcost memory deepseek-v3 --gpu h800 --gpus 2048 --pp 16 --ep 64 --zero 1 --precision fp8 \\\n"
    "      --framework megatron --seq 4096 --global-batch 15360x4096 --act-cache fp8-tile \\\n"
    "      --recompute-modules layernorm,mla_up_proj,moe_act --pipeline dualpipe --ema cpu\n";

int cmd_memory(int argc, char **argv)
{
    cli_job_opts jo = CLI_JOB_OPTS_INIT;
    cli_gpu_opts go = {0};
    bool course = false, max_seq = false;
    cli_opt opts[] = {
        CLI_JOB_OPTIONS(jo),
        CLI_GPU_OPTIONS(go),
        CLI_POWER_CAP_OPTION(go),
        {"course-layer", OPT_FLAG, &course, NULL, "the course's one-layer fp16 question (its typical layer: MoE if any)",
         NULL, NULL},
        {"max-seq", OPT_FLAG, &max_seq, NULL, "also the longest sequence that fits the GPU at this micro-batch",
         NULL, NULL},
    };
    int nopts = (int)(sizeof opts / sizeof opts[0]);
    cli_common co;
    const char *pos[1];
    int npos;
    int rc = cli_sweep("memory", cmd_memory, argc, argv, opts, nopts); /* lists: every combination */
    if (rc >= 0)
        return rc;
    rc = cli_parse("memory", argc, argv, opts, nopts, &co, pos, 1, &npos);
    if (rc)
        return rc;
    if (co.help) {
        cli_help(stdout, "memory", usage_text, description, opts, nopts, examples);
        return 0;
    }
    llmcost_model *m;
    rc = cli_load_model(&m, npos ? pos[0] : NULL);
    if (rc)
        return rc;
    if (course) {
        /* The course's question is one layer on one GPU with batch 1 in fp16: a job flag would change the answer,
         * and the course layer does not model it, so it is refused rather than ignored. */
        cli_job_opts d = CLI_JOB_OPTS_INIT;
        if (jo.tp != d.tp || jo.pp != d.pp || jo.vpp != d.vpp || jo.dp != d.dp || jo.cp != d.cp || jo.ep != d.ep ||
            jo.etp != d.etp || jo.zero != d.zero || jo.gpus != d.gpus || jo.micro_batch != d.micro_batch ||
            jo.precision != d.precision || jo.recompute != d.recompute || jo.global_batch || jo.micro_batches ||
            jo.ft.method || jo.ft.quant || jo.ft.targets || jo.ft.rank || max_seq)
            return llmcost_model_free(m), cli_usage_error("memory", "--course-layer answers the course's question (one "
                                                                    "layer, batch 1, fp16, one GPU) and takes only "
                                                                    "--seq; drop the layout and batch flags, or drop "
                                                                    "--course-layer for the whole job");
        /* Without --seq, the course staff's ruling: the model's training length, else 2048. */
        rc = course_layer(m, jo.seq_given ? jo.seq : 0, co.format);
        llmcost_model_free(m);
        return rc;
    }
    llmcost_gpu gpu;
    char over[512];
    rc = cli_gpu_resolve(&gpu, &go, "memory", "h100", LLMCOST_DT_BF16, over, sizeof over);
    if (rc) {
        llmcost_model_free(m);
        return rc;
    }
    char assumed[2048] = "";
    llmcost_job job;
    rc = cli_job_build(&job, &jo, m, "memory", assumed, sizeof assumed);
    if (rc) {
        llmcost_model_free(m);
        return rc;
    }
    /* A recipe the GPU cannot run (bf16 on a V100) is refused, not sized. */
    if ((rc = llmcost_job_check_gpu(&job, &gpu)) < 0) {
        llmcost_model_free(m);
        return cli_lib_error(rc);
    }
    llmcost_memory_options o;
    llmcost_job_memory_options(&o, &job);
    double headroom = job.headroom;
    const char *why = jo.seq_given ? "given" : "the model's default";
    if (!cli_structured(co.format))
        cli_note(co.format, "%s: sequence %lld (%s); GPU %s (%s)%s%s\n", m->name, jo.seq, why, gpu.name, gpu.full_name,
                 over[0] ? "; " : "", over);
    int64_t longest = 0;
    if (max_seq && (rc = llmcost_job_max_seq(&longest, m, &job, gpu.memory_bytes, headroom)) < 0) {
        llmcost_model_free(m);
        return cli_lib_error(rc);
    }
    /* JSON: the library's document (llmcost_memory_to_json), printed as it is (--max-seq: with max_seq). */
    memory_longest = max_seq ? longest : -1;
    rc = memory_section(m, &o, &gpu, headroom, co.format, NULL, false, &job);
    memory_longest = -1;
    if (!rc && max_seq) {
        if (longest == 0)
            cli_note(co.format, "Longest sequence that fits %s at micro-batch %lld: none (even the shortest does not).",
                     gpu.name, (long long)job.micro_batch);
        else
            cli_note(co.format, "Longest sequence that fits %s at micro-batch %lld: %lld tokens%s%s.", gpu.name,
                     (long long)job.micro_batch, (long long)longest,
                     m->max_positions > 0 && longest > m->max_positions ? ", beyond the model's max_position_embeddings "
                                                                          : "",
                     m->max_positions > 0 && longest > m->max_positions ? "(it was not trained that long)" : "");
    }
    if (!rc && !cli_structured(co.format)) {
        llmcost_job_fit_result f;
        if (llmcost_job_fit(&f, m, &gpu, &job) == 0 && !f.fits)
            rc = cli_job_fit(m, &gpu, &job, co.format, NULL); /* the changes that make it fit, tried */
        if (!rc)
            cli_print_assumptions(co.format, assumed);
    }
    llmcost_model_free(m);
    return rc;
}
