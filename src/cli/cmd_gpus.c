/* cmd_gpus.c - `llmcost gpus`: the accelerator catalogue and the named price lists, or one GPU in detail. */
#include <stdio.h>
#include <string.h>

#include "cli.h"

static const char *const usage_text = "llmcost gpus [--gpu NAME] [--price-lists] [--gpu-file FILE] [overrides]";
static const char *const description =
    "The accelerator catalogue (data/gpus.json): dense peak TFLOP/s per type (fp32, tf32, bf16/fp16, fp8),\n"
    "memory and its bandwidth, board power, scale-up link (NVLink/xGMI/ICI: one-way GB/s per GPU, GPUs per\n"
    "domain), scale-out network per GPU, and a default on-demand price with its source and date. With --gpu,\n"
    "one GPU in detail with every source, after the overrides given (--price, --peak-tflops, ...). With\n"
    "--price-lists, the named price lists (the course's A100/V100/T4 table and its later edition).\n"
    "--gpu-file FILE merges records of the same format by name: fields it gives replace the bundled ones.";
static const char *const examples = "  llmcost gpus\n"
                                    "  llmcost gpus --gpu h100 --price 2.0\n"
                                    "  llmcost gpus --price-lists --format md\n"
                                    "  llmcost gpus --gpu-file my-gpus.json --format json\n";

static const char *tf(char *buf, size_t n, double flops)
{
    if (flops <= 0)
        snprintf(buf, n, "-");
    else
        snprintf(buf, n, "%.4g", flops / 1e12);
    return buf;
}

static int print_catalogue(int format)
{
    /* Two tables in text (each fits 100 columns): what each GPU is, then its peaks and links. */
    const char *hdr[] = {"name", "GPU", "memory", "power", "$/h"};
    llmcost_table *t = llmcost_table_new("Accelerators", 5, hdr);
    const char *h2[] = {"name", "fp32", "tf32", "bf16", "fp16", "fp8", "memory bw", "scale-up", "scale-out"};
    llmcost_table *t2 = llmcost_table_new("Dense peak TFLOP/s and bandwidths (one-way per GPU)", 9, h2);
    if (!t || !t2) {
        llmcost_table_free(t);
        llmcost_table_free(t2);
        return 1;
    }
    for (int c = 2; c < 5; c++)
        llmcost_table_numeric(t, c);
    for (int c = 1; c < 9; c++)
        llmcost_table_numeric(t2, c);
    for (int i = 0; i < llmcost_catalog_gpu_count(cli_catalog()); i++) {
        const llmcost_gpu *g = llmcost_catalog_gpu_at(cli_catalog(), i);
        char a[16], b[16], c[16], d[16], h[16], mem[32], up[48], out[32], pw[16];
        llmcost_fmt_bytes(mem, sizeof mem, g->memory_bytes);
        snprintf(up, sizeof up, "%.4g GB/s x %d", g->scaleup_bw / 1e9, g->scaleup_size);
        snprintf(out, sizeof out, "%.4g GB/s", g->scaleout_bw / 1e9);
        if (g->tdp_watts > 0)
            snprintf(pw, sizeof pw, "%.0f W", g->tdp_watts);
        else
            snprintf(pw, sizeof pw, "?");
        llmcost_table_addf(t, "%s\t%s\t%s\t%s\t%.2f", g->name, g->full_name, mem, pw, g->price_per_hour);
        llmcost_table_addf(t2, "%s\t%s\t%s\t%s\t%s\t%s\t%.4g TB/s\t%s\t%s", g->name,
                           tf(a, sizeof a, g->peak_flops[LLMCOST_DT_FP32]), tf(b, sizeof b, g->peak_flops[LLMCOST_DT_TF32]),
                           tf(c, sizeof c, g->peak_flops[LLMCOST_DT_BF16]), tf(h, sizeof h, g->fp16_flops),
                           tf(d, sizeof d, g->peak_flops[LLMCOST_DT_FP8]), g->memory_bw / 1e12, up, out);
    }
    int rc = cli_print_table(t, format);
    if (!rc)
        rc = cli_print_table(t2, format);
    llmcost_table_free(t);
    llmcost_table_free(t2);
    return rc;
}

static int print_lists(int format)
{
    const char *hdr[] = {"list", "gpu", "$/GPU-hour", "peak TFLOP/s", "FLOP per $ at 100%"};
    llmcost_table *t = llmcost_table_new("Named price lists", 5, hdr);
    if (!t)
        return 1;
    llmcost_table_numeric(t, 2);
    llmcost_table_numeric(t, 3);
    llmcost_table_numeric(t, 4);
    for (int i = 0; i < llmcost_catalog_price_list_count(cli_catalog()); i++) {
        const llmcost_price_list *pl = llmcost_catalog_price_list_at(cli_catalog(), i);
        for (int k = 0; k < pl->n; k++) {
            const llmcost_price_entry *e = &pl->entries[k];
            llmcost_table_addf(t, "%s\t%s\t%.2f\t%.4g\t%.4e", pl->name, e->gpu, e->price_per_hour, e->peak_flops / 1e12,
                               e->peak_flops * 3600.0 / e->price_per_hour);
        }
    }
    int rc = cli_print_table(t, format);
    llmcost_table_free(t);
    if (rc)
        return rc;
    for (int i = 0; i < llmcost_catalog_price_list_count(cli_catalog()); i++)
        cli_note(format, "%s: %s", llmcost_catalog_price_list_at(cli_catalog(), i)->name, llmcost_catalog_price_list_at(cli_catalog(), i)->source);
    return 0;
}

static int print_one(const llmcost_gpu *g, int format, const char *overrides)
{
    char title[160];
    snprintf(title, sizeof title, "%s: %s", g->name, g->full_name);
    const char *hdr[] = {"property", "value"};
    llmcost_table *t = llmcost_table_new(title, 2, hdr);
    if (!t)
        return 1;
    char buf[64];
    llmcost_table_addf(t, "vendor\t%s", g->vendor);
    if (g->aliases[0])
        llmcost_table_addf(t, "also called\t%s", g->aliases);
    for (int d = 0; d < LLMCOST_DT_COUNT; d++)
        llmcost_table_addf(t, "peak %s (dense)\t%s", llmcost_dtype_name(d),
                           g->peak_flops[d] > 0 ? (snprintf(buf, sizeof buf, "%.4g TFLOP/s", g->peak_flops[d] / 1e12), buf)
                                                : "not available");
    llmcost_table_addf(t, "peak fp16 (dense)\t%s",
                       g->fp16_flops > 0 ? (snprintf(buf, sizeof buf, "%.4g TFLOP/s", g->fp16_flops / 1e12), buf)
                                         : "not available");
    llmcost_table_addf(t, "memory\t%s", llmcost_fmt_bytes(buf, sizeof buf, g->memory_bytes));
    llmcost_table_addf(t, "memory bandwidth\t%.4g TB/s", g->memory_bw / 1e12);
    if (g->tdp_watts > 0)
        llmcost_table_addf(t, "board power\t%.0f W", g->tdp_watts);
    else
        llmcost_table_addf(t, "board power\tnot published (give --tdp)");
    if (g->compute_units)
        llmcost_table_addf(t, "compute units\t%d", g->compute_units);
    if (g->exp_per_second > 0)
        llmcost_table_addf(t, "exp throughput\t%.3g T/s", g->exp_per_second / 1e12);
    double half = llmcost_gpu_half_peak(g);
    if (g->mamf_flops[LLMCOST_DT_BF16] > 0 && half > 0)
        llmcost_table_addf(t, "achievable matmul 16-bit\t%.4g TFLOP/s (%.1f%% of peak, measured)",
                           g->mamf_flops[LLMCOST_DT_BF16] / 1e12, 100 * g->mamf_flops[LLMCOST_DT_BF16] / half);
    if (g->mamf_flops[LLMCOST_DT_FP8] > 0 && g->peak_flops[LLMCOST_DT_FP8] > 0)
        llmcost_table_addf(t, "achievable matmul fp8\t%.4g TFLOP/s (%.1f%% of peak, measured)",
                           g->mamf_flops[LLMCOST_DT_FP8] / 1e12,
                           100 * g->mamf_flops[LLMCOST_DT_FP8] / g->peak_flops[LLMCOST_DT_FP8]);
    if (g->mamf_source[0])
        llmcost_table_addf(t, "achievable matmul source\t%s", g->mamf_source);
    llmcost_sustained_matmul sm;
    if (llmcost_gpu_sustained_matmul(g, &sm) == 1) {
        static const char *const dn[2] = {"16-bit", "fp8"};
        for (int d = 0; d < 2; d++)
            if (sm.flops[d] > 0)
                llmcost_table_addf(t, "sustained matmul %s\t%.5g TFLOP/s power-saturated (%.0f MHz, %.0f W; the same "
                                      "run's burst %.5g TFLOP/s): %s",
                                   dn[d], sm.flops[d] / 1e12, sm.sustained_mhz[d], sm.sustained_watts[d],
                                   sm.burst_flops[d] / 1e12,
                                   sm.reference ? "the yardstick the other GPUs' sustained rates are taken against (the "
                                                  "GEMM fit was measured on this GPU)"
                                                : "this GPU's GEMMs are timed at it, over the H200's");
        llmcost_table_addf(t, "sustained matmul source\t%s", sm.source);
    } else if (g->mamf_flops[LLMCOST_DT_BF16] > 0 || g->mamf_flops[LLMCOST_DT_FP8] > 0)
        llmcost_table_addf(t, "sustained matmul\tnot published: GEMMs are timed at the achievable (burst) rate");
    llmcost_table_addf(t, "scale-up\t%s: %.4g GB/s one-way per GPU, %d GPUs per domain", g->scaleup_link,
                       g->scaleup_bw / 1e9, g->scaleup_size);
    llmcost_table_addf(t, "scale-out\t%s: %.4g GB/s one-way per GPU", g->scaleout_link, g->scaleout_bw / 1e9);
    if (g->host_bw > 0)
        llmcost_table_addf(t, "host link\t%s: %.4g GB/s each way (%s)", g->host_link, g->host_bw / 1e9, g->host_source);
    llmcost_table_addf(t, "price\t$%.2f per GPU-hour", g->price_per_hour);
    llmcost_table_addf(t, "price source\t%s", g->price_source);
    llmcost_table_addf(t, "specification source\t%s", g->source);
    if (overrides[0])
        llmcost_table_addf(t, "overridden\t%s", overrides);
    int rc = cli_print_table(t, format);
    llmcost_table_free(t);
    return rc;
}

int cmd_gpus(int argc, char **argv)
{
    cli_gpu_opts go = {0};
    bool show_lists = false;
    cli_opt opts[] = {
        CLI_GPU_OPTIONS(go),
        CLI_POWER_CAP_OPTION(go),
        {"price-lists", OPT_FLAG, &show_lists, NULL, "show the named price lists only", NULL, NULL},
    };
    int nopts = (int)(sizeof opts / sizeof opts[0]);
    cli_common co;
    int npos;
    int rc = cli_parse("gpus", argc, argv, opts, nopts, &co, NULL, 0, &npos);
    if (rc)
        return rc;
    if (co.help) {
        cli_help(stdout, "gpus", usage_text, description, opts, nopts, examples);
        return 0;
    }
    if (go.gpu_file) {
        rc = cli_catalog_load(go.gpu_file);
        if (rc)
            return rc;
        go.gpu_file = NULL;
    }
    bool overriding = go.price > 0 || go.peak_tflops > 0 || go.memory_gb > 0 || go.memory_bw_gbps > 0 ||
                      go.tdp_watts > 0 || go.scaleup_gbps > 0 || go.scaleup_size > 0 || go.scaleout_gbps > 0 ||
                      go.price_list || go.power_cap_watts > 0;
    if (overriding && !go.gpu)
        return cli_usage_error("gpus", "overrides apply to one GPU: add --gpu NAME");
    if (go.gpu) {
        llmcost_gpu g;
        char over[512];
        rc = cli_gpu_resolve(&g, &go, "gpus", NULL, LLMCOST_DT_BF16, over, sizeof over);
        if (rc)
            return rc;
        if (cli_structured(co.format)) {
            char *text;
            rc = llmcost_gpu_to_json(&text, &g);
            return cli_print_json_text(rc, text);
        }
        return print_one(&g, co.format, over);
    }
    if (cli_structured(co.format)) {
        if (show_lists)
            cli_output_kind("price_lists"); /* CSV: one table, the price lists (else the GPUs) */
        char *text;
        rc = llmcost_catalog_to_json(&text, cli_catalog(), show_lists);
        return cli_print_json_text(rc, text);
    }
    if (show_lists)
        return print_lists(co.format);
    rc = print_catalogue(co.format);
    if (rc || co.format == LLMCOST_FMT_CSV)
        return rc;
    return print_lists(co.format);
}
