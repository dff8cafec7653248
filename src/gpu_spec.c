/* gpu_spec.c - a GPU as a front end states it (request.h): a catalogue name, a price list, per-field overrides;
 * and the assumption lines of step and train, written once for the CLI and llmcost_request(). */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"
#include "kernels.h"
#include "llmcost/format.h"
#include "llmcost/request.h"

int llmcost_gpu_spec_init(llmcost_gpu_spec *s)
{
    if (!s)
        return lc_fail(LLMCOST_EINVAL, "llmcost_gpu_spec_init: NULL spec");
    memset(s, 0, sizeof *s);
    s->version = LLMCOST_GPU_SPEC_VERSION;
    return 0;
}

llmcost_dtype llmcost_precision_dtype(llmcost_precision p)
{
    return p == LLMCOST_PREC_FP32   ? LLMCOST_DT_FP32
           : p == LLMCOST_PREC_FP8  ? LLMCOST_DT_FP8
           : p == LLMCOST_PREC_FP16 ? LLMCOST_DT_FP16_PEAK
                                    : LLMCOST_DT_BF16;
}

/* The H200's MAMF-table fp8 fraction of peak, for the sustained factor's note. */
static double h200_fp8_table_fraction(void)
{
    const llmcost_gpu *h = llmcost_catalog_gpu_find(llmcost_catalog_bundled(), "h200");
    return h && h->peak_flops[LLMCOST_DT_FP8] > 0 ? h->mamf_flops[LLMCOST_DT_FP8] / h->peak_flops[LLMCOST_DT_FP8] : 0;
}

/* The peak "dt" names in "g": fp16 lives apart from the peaks array. A price list's 16-bit peak on a part without
 * bf16 (V100, T4) is its fp16 peak: it does not give the part bf16. */
static double *peak_slot(llmcost_gpu *g, llmcost_dtype dt, bool from_list)
{
    if (dt == LLMCOST_DT_FP16_PEAK || (from_list && dt == LLMCOST_DT_BF16 && !(g->peak_flops[LLMCOST_DT_BF16] > 0)))
        return &g->fp16_flops;
    return &g->peak_flops[dt];
}

static void add(char *buf, size_t size, const char *fmt, double v)
{
    if (!buf)
        return;
    size_t n = strlen(buf);
    if (n + 3 >= size)
        return;
    if (n)
        buf[n++] = ',', buf[n++] = ' ', buf[n] = '\0';
    snprintf(buf + n, size - n, fmt, v);
}

int llmcost_gpu_spec_resolve(llmcost_gpu *out, const llmcost_catalog *cat, const llmcost_gpu_spec *s,
                             const char *dflt, llmcost_dtype dt, char *overrides, size_t size)
{
    if (overrides && size)
        overrides[0] = '\0';
    if (!out || !s)
        return lc_fail(LLMCOST_EINVAL, "llmcost_gpu_spec_resolve: NULL argument");
    /* Version 1 (before the power cap) is read without power_cap_watts. */
    int rc = s->version == 1 ? 0 : LC_CHECK_VERSION(s, GPU_SPEC, gpu_spec);
    if (rc < 0)
        return rc;
    const llmcost_gpu *g;
    const char *name = s->gpu ? s->gpu : dflt;
    if (!name)
        return lc_fail(LLMCOST_EINVAL, "gpu: no GPU named");
    rc = llmcost_catalog_gpu_lookup(&g, cat, name);
    if (rc < 0) {
        char why[1024];
        lc_strlcpy(why, llmcost_errmsg(), sizeof why);
        return lc_fail(rc, "gpu: %s", why);
    }
    *out = *g;
    if (s->price_list) {
        const llmcost_price_list *pl = llmcost_catalog_price_list_find(cat, s->price_list);
        if (!pl) {
            char names[256] = "";
            for (int i = 0; i < llmcost_catalog_price_list_count(cat); i++) {
                size_t n = strlen(names);
                snprintf(names + n, sizeof names - n, "%s%s", i ? ", " : "", llmcost_catalog_price_list_at(cat, i)->name);
            }
            return lc_fail(LLMCOST_EINVAL, "price_list: no price list '%s' (known: %s)", s->price_list, names);
        }
        int k = 0;
        while (k < pl->n && strcmp(pl->entries[k].gpu, out->name) != 0)
            k++;
        if (k == pl->n)
            return lc_fail(LLMCOST_EINVAL, "price_list: '%s' has no entry for %s", pl->name, out->name);
        out->price_per_hour = pl->entries[k].price_per_hour;
        snprintf(out->price_source, sizeof out->price_source, "price list '%s': %s", pl->name, pl->source);
        if (pl->entries[k].peak_flops > 0 && dt != LLMCOST_DT_FP32 && dt != LLMCOST_DT_TF32)
            *peak_slot(out, dt, true) = pl->entries[k].peak_flops;
        char what[128];
        snprintf(what, sizeof what, "price list %s: $%%.2f/GPU-hour at %.0f TFLOP/s", pl->name,
                 pl->entries[k].peak_flops / 1e12);
        add(overrides, size, what, out->price_per_hour);
    }
    /* Each override is set in the catalogue's unit, inside its plausible range (ranges.h): llmcost_gpu_set() names
     * the key ("usd_per_hour = ... is outside the plausible range"). */
    if (s->price > 0) {
        if ((rc = llmcost_gpu_set(out, "usd_per_hour", s->price)) < 0)
            return rc;
        snprintf(out->price_source, sizeof out->price_source, "--price");
        add(overrides, size, "price $%.2f/GPU-hour (--price)", s->price);
    }
    if (s->peak_tflops > 0) {
        const char *dn = dt == LLMCOST_DT_FP16_PEAK ? "fp16" : llmcost_dtype_name(dt);
        char key[32]; /* the slot peak_slot() names: fp16 has its own */
        snprintf(key, sizeof key, "peak_tflops.%s", dn);
        if ((rc = llmcost_gpu_set(out, key, s->peak_tflops)) < 0)
            return rc;
        char what[64];
        snprintf(what, sizeof what, "%s peak %%.1f TFLOP/s (--peak-tflops)", dn);
        add(overrides, size, what, s->peak_tflops);
    }
    if (s->memory_gb > 0) {
        if ((rc = llmcost_gpu_set(out, "memory_gb", s->memory_gb)) < 0)
            return rc;
        add(overrides, size, "memory %g GB (--memory-gb)", s->memory_gb);
    }
    if (s->memory_bw_gbps > 0) {
        if ((rc = llmcost_gpu_set(out, "memory_bw_gbps", s->memory_bw_gbps)) < 0)
            return rc;
        add(overrides, size, "memory bandwidth %g GB/s (--memory-bw)", s->memory_bw_gbps);
    }
    if (s->tdp_watts > 0) {
        if ((rc = llmcost_gpu_set(out, "tdp_watts", s->tdp_watts)) < 0)
            return rc;
        add(overrides, size, "power %g W (--tdp)", s->tdp_watts);
    }
    if (s->scaleup_gbps > 0) {
        if ((rc = llmcost_gpu_set(out, "scaleup.gbps", s->scaleup_gbps)) < 0)
            return rc;
        add(overrides, size, "scale-up %g GB/s (--scaleup-bw)", s->scaleup_gbps);
    }
    if (s->scaleup_size > 0) {
        if (s->scaleup_size > 1000000)
            return lc_fail(LLMCOST_EINVAL, "scaleup_size: %lld is too many GPUs for one domain", s->scaleup_size);
        out->scaleup_size = (int)s->scaleup_size;
        add(overrides, size, "scale-up domain %.0f GPUs (--scaleup-size)", (double)s->scaleup_size);
    }
    if (s->scaleout_gbps > 0) {
        if ((rc = llmcost_gpu_set(out, "scaleout.gbps", s->scaleout_gbps)) < 0)
            return rc;
        add(overrides, size, "scale-out %g GB/s (--scaleout-bw)", s->scaleout_gbps);
    }
    /* The power cap last: it caps the board power as overridden (--tdp), and its note follows the others. */
    if (s->version >= 2 && s->power_cap_watts != 0) {
        char note[512];
        if ((rc = llmcost_gpu_power_cap(out, s->power_cap_watts, note, sizeof note)) < 0)
            return rc;
        if (overrides && size) {
            size_t n = strlen(overrides);
            snprintf(overrides + n, size - n, "%s%s (--power-cap)", n ? "; " : "", note);
        }
    }
    return 0;
}

void llmcost_step_assumptions(char *buf, size_t n, const llmcost_gpu *g, const llmcost_step_options *o,
                              const char *overrides)
{
    llmcost_step_constants c;
    llmcost_step_constants_get(&c);
    size_t len = strlen(buf);
    if (len < n)
        len += (size_t)snprintf(buf + len, n - len,
                                "GPU %s: %s; %.1f TFLOP/s %s dense, %.3g TB/s memory, %.3g GB/s scale-up x %d, %.3g "
                                "GB/s scale-out (data/gpus.json%s%s)\n",
                                g->name, g->full_name,
                                (o->precision == LLMCOST_PREC_FP16 ? g->fp16_flops : g->peak_flops[LLMCOST_DT_BF16]) / 1e12,
                                o->precision == LLMCOST_PREC_FP16 ? "fp16" : "bf16", g->memory_bw / 1e12,
                                g->scaleup_bw / 1e9, g->scaleup_size, g->scaleout_bw / 1e9,
                                overrides && overrides[0] ? "; " : "", overrides ? overrides : "");
    /* GEMMs on this GPU: the H200 fit times this GPU's measured matmul fraction over the H200's. */
    bool fp8 = o->precision == LLMCOST_PREC_FP8;
    double sc16 = lc_gemm_eta_scale(g, false), half = llmcost_gpu_half_peak(g);
    const lc_kernel_model *km = lc_kernel_model_get();
    char mamf[768] = "", membw[384] = "";
    double sf, srf;
    if (lc_gemm_sustained(g, false, &sf, &srf))
        snprintf(mamf, sizeof mamf, "; the H200 fit %.0f%% x this GPU's sustained (power-saturated) matmul %.1f%% of "
                 "peak / the H200's %.1f%% (data/calibration/msmf_bekman_fast_mamf.json)", 100 * c.gemm_efficiency,
                 100 * sf, 100 * srf);
    else if (g->mamf_flops[LLMCOST_DT_BF16] > 0 && half > 0 && km->mamf_ref[0] > 0)
        snprintf(mamf, sizeof mamf, "; the H200 fit %.0f%% x this GPU's measured max achievable matmul %.1f%% of peak / "
                 "the H200's %.1f%% (mamf_tflops in data/gpus.json; its source: llmcost gpus --gpu %s)", 100 * c.gemm_efficiency,
                 100 * g->mamf_flops[LLMCOST_DT_BF16] / half, 100 * km->mamf_ref[0], g->name);
    else
        snprintf(mamf, sizeof mamf, "; no matmul measurement for %s: the H200's fraction of peak assumed", g->name);
    if (len < n)
        len += (size_t)snprintf(buf + len, n - len,
                                "kernel model (fitted to measured H200 kernels, scaled by this GPU's peak and bandwidth): "
                                "large GEMMs at %.0f%% of peak%s, fused element-wise at %.0f%% of bandwidth%s, host %.0f us "
                                "per forward and %.0f us per backward kernel (eager PyTorch)\n",
                                100 * fmin(lc_gemm_eta_cap(g, false), c.gemm_efficiency * sc16), mamf, 100 * c.copy_efficiency * lc_memory_bw_scale(g),
                                lc_memory_bw_scale(g) != 1
                                    ? (snprintf(membw, sizeof membw, " (the H200's %.1f%% x %.3f: this architecture's "
                                                "measured normalization kernels' fraction of bandwidth over the H200's, "
                                                "data/calibration/norms_bandwidth_cudnn_frontend.json)%s",
                                                100 * c.copy_efficiency, lc_memory_bw_scale(g),
                                                llmcost_framework_eager(o->framework)
                                                    ? ", eager ops at their kernels' measured rates (14-90%) x the same"
                                                    : ""),
                                       membw)
                                : llmcost_framework_eager(o->framework) ? ", eager ops at their kernels' measured rates (14-90%)" : "",
                                c.host_forward_seconds * 1e6, c.host_backward_seconds * 1e6);
    if (len < n && fp8) {
        double sus8 = lc_gemm_fp8_sustained(), sc8 = lc_gemm_eta_scale(g, true);
        char sust[256] = "";
        if (sus8 != 1)
            snprintf(sust, sizeof sust, " x %.3f: sustained at the board power, the H200's fp8 MSMF %.1f%% over its "
                     "MAMF row %.1f%% (msmf_bekman_fast_mamf.json)", sus8,
                     100 * sus8 * h200_fp8_table_fraction(), 100 * h200_fp8_table_fraction());
        bool own = g->mamf_flops[LLMCOST_DT_FP8] > 0 && g->peak_flops[LLMCOST_DT_FP8] > 0 && km->mamf_ref[1] > 0;
        bool sus = lc_gemm_sustained(g, true, &sf, &srf);
        len += (size_t)snprintf(buf + len, n - len,
                                "fp8 GEMMs at %.0f%% of the fp8 peak (the H800 FP8 kernel fit %.0f%%%s%s)\n",
                                100 * fmin(lc_gemm_eta_cap(g, true), km->fp8_eta * sc8), 100 * km->fp8_eta,
                                sus ? (snprintf(mamf, sizeof mamf, " x the H200's fp8 factor %.3f x this GPU's sustained "
                                                "fp8 matmul %.1f%% / the H200's %.1f%% (msmf_bekman_fast_mamf.json)",
                                                sc8 * srf / sf, 100 * sf, 100 * srf), mamf)
                                : own ? (snprintf(mamf, sizeof mamf, " x this GPU's measured fp8 cuBLAS matmul %.1f%% / the fit "
                                                "kernel's (TileLang) best %.1f%%",
                                                100 * g->mamf_flops[LLMCOST_DT_FP8] / g->peak_flops[LLMCOST_DT_FP8],
                                                100 * km->mamf_ref[1]), mamf)
                                    : (sc8 / sus8 != 1 ? " x the 16-bit ratio: no fp8 matmul measurement" : ""),
                                sus ? "" : sust);
    }
    lc_attn_choice ac;
    if (len < n && lc_attention_choose(g, (int)o->attention, &ac) == 0)
        len += (size_t)snprintf(buf + len, n - len, "%s%s\n", ac.note,
                                o->attention == LLMCOST_ATTN_SDPA ? " (the default; --attention names the kernel a run used)" : "");
    if (len < n)
        len += (size_t)snprintf(buf + len, n - len,
                                "communication: NVLink-class links at %.0f%%, network at %.0f%% of line rate\n",
                                100 * o->comm.scaleup_efficiency, 100 * o->comm.scaleout_efficiency);
    if (len < n && o->layout.tp_overlap && o->layout.tp > 1)
        len += (size_t)snprintf(buf + len, n - len,
                                "--tp-overlap: Transformer Engine userbuffers' defaults: all-gathers by ring exchange in "
                                "tp chunks on the copy engines, reduce-scatters in 4 pipelined splits on 16 of the %d "
                                "SMs; the last split shows, and the GEMMs beside the scatters run on the other SMs\n",
                                g->compute_units);
    if (len < n && o->layout.ep_overlap && o->layout.ep > 1)
        len += (size_t)snprintf(buf + len, n - len,
                 "--ep-overlap: DeepSeek-V3's DualPipe: each MoE layer's all-to-alls behind the layer's compute of "
                 "another micro-batch, what exceeds it shows, the all-to-all kernels on 20 of the %d SMs; dispatch "
                 "as its kernels do it: each token once over the network to each node holding its experts (at most "
                 "topk_group groups' nodes under group-limited routing), then forwarded over NVLink\n",
                 g->compute_units);
    if (len < n && o->version >= 4 && o->moe_shared_expert_overlap && o->layout.ep > 1)
        len += (size_t)snprintf(buf + len, n - len,
                                "--moe-shared-expert-overlap: Megatron-Core's: the shared expert's GEMMs on their own "
                                "stream beside the MoE all-to-alls (fc1 beside the dispatch, fc2 beside the combine, their "
                                "backward beside the backward's); each all-to-all hides what its GEMMs last, NCCL's 16 of "
                                "the %d SMs taken from them meanwhile\n",
                                g->compute_units);
}

void llmcost_train_assumptions(char *buf, size_t n, const llmcost_train *run, const llmcost_gpu *g,
                               const llmcost_train_options *o, const char *overrides, bool price_given, bool pue_given,
                               bool grid_given)
{
    size_t len = strlen(buf);
    if (len < n && o->mfu > 0)
        snprintf(buf + len, n - len,
                 "MFU %.1f%% imposed (--mfu): the step takes model FLOPs / (GPUs x peak x MFU)\n", 100 * o->mfu);
    llmcost_step_assumptions(buf, n, g, &o->step, overrides);
    len = strlen(buf);
    if (len < n)
        len += (size_t)snprintf(buf + len, n - len, "price $%.2f per GPU-hour: %s\n", run->price_per_hour,
                                price_given ? "--price" : g->price_source);
    if (len < n)
        len += (size_t)snprintf(buf + len, n - len,
                                "energy: every GPU draws its %.0f W %s throughout, PUE %.2f%s; CO2 at %.3f "
                                "kg/kWh%s\n",
                                g->tdp_watts,
                                g->clock_fraction > 0 && g->clock_fraction < 1 ? "power cap (--power-cap)" : "board power",
                                o->pue, pue_given ? "" : " (hyperscale fleets report 1.08-1.10)",
                                o->grid_kg_per_kwh, grid_given ? "" : " (US average, EPA eGRID2022)");
    if (len < n && run->goodput_modelled) {
        len += (size_t)snprintf(buf + len, n - len,
                                "goodput %.2f%% (give --goodput; 1 for the ideal run): interruptions at Llama 3 405B's "
                                "rate (466 in 54 days on 16,384 GPUs, >90%% effective time), 16.7 min lost each "
                                "(%.2f%%)\n",
                                100 * run->goodput, 100 * run->failure_goodput);
        if (len < n)
            len += (size_t)snprintf(buf + len, n - len,
                                    "checkpoints: %.4g GB of what trains (weights, master and optimizer states; LoRA/QLoRA: the adapters and their states, not the frozen base), each save %.3g s at "
                                    "%.3g GB/s per GPU%s, training paused; every %.3g min%s: %.0f saves\n",
                                    run->checkpoint_bytes / 1e9, run->checkpoint_seconds,
                                    o->checkpoint_gbps > 0 ? o->checkpoint_gbps : LLMCOST_TRAIN_CHECKPOINT_GBPS,
                                    o->checkpoint_gbps > 0 ? "" : " (Llama 3's storage: 2 TB/s for 16,384 GPUs)",
                                    run->checkpoint_interval_seconds / 60,
                                    o->checkpoint_interval_seconds > 0 ? "" : " (Young's optimum sqrt(2 x save x MTBF))",
                                    run->checkpoints);
        if (len < n)
            snprintf(buf + len, n - len, "warm-up: %.0f s once before the first step%s\n", run->warmup_seconds,
                     o->warmup_seconds > 0 ? "" : " (start-up and NCCL initialisation, a round figure; give --warmup)");
    }
    else if (len < n && run->goodput < 1)
        snprintf(buf + len, n - len, "goodput %.0f%%: the rest of the time lost to failures and restarts\n",
                 100 * run->goodput);
    else if (len < n)
        snprintf(buf + len, n - len, "no time lost to failures, restarts or evaluation (--goodput 1)\n");
}

void llmcost_step_savers_assumptions(char *buf, size_t n, const llmcost_step *s, const llmcost_job *j,
                                     const llmcost_gpu *g)
{
    size_t len = strlen(buf);
    char a[48], b[48], c[48];
    bool paged = j->version >= 4 && llmcost_optimizer_paged(j->optimizer);
    bool link = s->host_bw > 0;
    char via[160];
    snprintf(via, sizeof via, "%s, %.4g GB/s each way", g->host_link[0] ? g->host_link : "host link", s->host_bw / 1e9);
    if (s->offload_bytes > 0 && len < n) {
        if (link)
            len += (size_t)snprintf(buf + len, n - len,
                                    "activation offload: %s copied to the host in forward and back in backward per step "
                                    "over %s: %s of copies on a side stream, %s not hidden behind compute "
                                    "(in memory_bound)\n",
                                    llmcost_fmt_bytes(a, sizeof a, s->offload_bytes), via,
                                    llmcost_fmt_seconds(b, sizeof b, s->offload_seconds),
                                    llmcost_fmt_seconds(c, sizeof c, s->offload_exposed_seconds));
        else
            len += (size_t)snprintf(buf + len, n - len,
                                    "activation offload: %s each way per step, not timed: %s has no host link in "
                                    "data/gpus.json (copies taken as hidden)\n",
                                    llmcost_fmt_bytes(a, sizeof a, s->offload_bytes), g->name);
    }
    if (paged && len < n) {
        if (s->paging_bytes > 0 && link)
            len += (size_t)snprintf(buf + len, n - len,
                                    "paged optimizer: the job with its paged states exceeds %s's memory; %s of states "
                                    "migrated in and out per step over %s: %s (in optimizer)\n",
                                    g->name, llmcost_fmt_bytes(a, sizeof a, s->paging_bytes), via,
                                    llmcost_fmt_seconds(b, sizeof b, s->paging_seconds));
        else if (s->paging_bytes > 0)
            len += (size_t)snprintf(buf + len, n - len,
                                    "paged optimizer: %s of states migrate in and out per step (the job exceeds %s's "
                                    "memory), not timed: no host link in data/gpus.json\n",
                                    llmcost_fmt_bytes(a, sizeof a, s->paging_bytes), g->name);
        else
            len += (size_t)snprintf(buf + len, n - len,
                                    "paged optimizer: the job fits %s with its paged states, so the driver keeps their "
                                    "pages there: no page traffic, no time\n", g->name);
    }
    if (s->hook_steps > 0 && len < n)
        len += (size_t)snprintf(buf + len, n - len,
                                "optimizer in backward: %.0f per-parameter optimizer steps launched from backward "
                                "hooks, the same bytes as one step; %s of launches beyond the optimizer's GPU time "
                                "(in launch_overhead)\n",
                                s->hook_steps, llmcost_fmt_seconds(a, sizeof a, s->hook_launch_seconds));
}
