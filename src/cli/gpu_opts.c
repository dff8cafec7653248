/* gpu_opts.c - choosing an accelerator on the command line: catalogue name, user file, price list, overrides. */
#include <stdio.h>
#include <string.h>

#include "cli.h"

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

/* The catalogue of this run: NULL (the bundled one) until a --gpu-file makes a copy with the file merged in. */
static llmcost_catalog *user_catalog;

const llmcost_catalog *cli_catalog(void)
{
    return user_catalog;
}

int cli_catalog_load(const char *path)
{
    int rc = 0;
    if (!user_catalog)
        rc = llmcost_catalog_new(&user_catalog, NULL);
    if (rc == 0)
        rc = llmcost_catalog_load_file(user_catalog, path);
    return rc < 0 ? cli_lib_error(rc) : 0;
}

void cli_catalog_release(void)
{
    llmcost_catalog_free(user_catalog);
    user_catalog = NULL;
}

llmcost_dtype cli_precision_dtype(llmcost_precision p)
{
    return p == LLMCOST_PREC_FP32 ? LLMCOST_DT_FP32 : p == LLMCOST_PREC_FP8 ? LLMCOST_DT_FP8 : p == LLMCOST_PREC_FP16 ? CLI_DT_FP16
                                                                                                                  : LLMCOST_DT_BF16;
}

/* The peak "dt" names in "g": fp16 lives apart from the peaks array. A price list's 16-bit peak on a part without
 * bf16 (V100, T4) is its fp16 peak: it does not give the part bf16. */
static double *peak_slot(llmcost_gpu *g, llmcost_dtype dt, bool from_list)
{
    if (dt == CLI_DT_FP16 || (from_list && dt == LLMCOST_DT_BF16 && !(g->peak_flops[LLMCOST_DT_BF16] > 0)))
        return &g->fp16_flops;
    return &g->peak_flops[dt];
}

int cli_gpu_resolve(llmcost_gpu *out, const cli_gpu_opts *o, const char *cmd, const char *dflt, llmcost_dtype dt,
                    char *overrides, size_t size)
{
    if (overrides && size)
        overrides[0] = '\0';
    if (o->gpu_file) {
        int rc = cli_catalog_load(o->gpu_file);
        if (rc)
            return rc;
    }
    const llmcost_gpu *g;
    int rc = llmcost_catalog_gpu_lookup(&g, cli_catalog(), o->gpu ? o->gpu : dflt);
    if (rc < 0) {
        fprintf(stderr, "llmcost: --gpu: %s (try 'llmcost help %s', or --gpu-file)\n", llmcost_errmsg(), cmd);
        return EXIT_BAD_INPUT;
    }
    *out = *g;
    if (o->price_list) {
        const llmcost_price_list *pl = llmcost_catalog_price_list_find(cli_catalog(), o->price_list);
        if (!pl) {
            char names[256] = "";
            for (int i = 0; i < llmcost_catalog_price_list_count(cli_catalog()); i++) {
                size_t n = strlen(names);
                snprintf(names + n, sizeof names - n, "%s%s", i ? ", " : "", llmcost_catalog_price_list_at(cli_catalog(), i)->name);
            }
            return cli_usage_error(cmd, "--price-list: no price list '%s' (known: %s)", o->price_list, names);
        }
        int k = 0;
        while (k < pl->n && strcmp(pl->entries[k].gpu, out->name) != 0)
            k++;
        if (k == pl->n)
            return cli_usage_error(cmd, "--price-list: '%s' has no entry for %s", pl->name, out->name);
        out->price_per_hour = pl->entries[k].price_per_hour;
        snprintf(out->price_source, sizeof out->price_source, "price list '%s': %s", pl->name, pl->source);
        if (pl->entries[k].peak_flops > 0 && dt != LLMCOST_DT_FP32 && dt != LLMCOST_DT_TF32)
            *peak_slot(out, dt, true) = pl->entries[k].peak_flops;
        char what[128];
        snprintf(what, sizeof what, "price list %s: $%%.2f/GPU-hour at %.0f TFLOP/s", pl->name,
                 pl->entries[k].peak_flops / 1e12);
        add(overrides, size, what, out->price_per_hour);
    }
    /* Each override is set by the library in the catalogue's unit, inside its plausible range (ranges.h). */
    if (o->price > 0) {
        if ((rc = llmcost_gpu_set(out, "usd_per_hour", o->price)) < 0)
            return cli_lib_error(rc);
        snprintf(out->price_source, sizeof out->price_source, "--price");
        add(overrides, size, "price $%.2f/GPU-hour (--price)", o->price);
    }
    if (o->peak_tflops > 0) {
        char key[32]; /* the slot peak_slot() names: fp16 has its own */
        snprintf(key, sizeof key, "peak_tflops.%s", dt == CLI_DT_FP16 ? "fp16" : llmcost_dtype_name(dt));
        if ((rc = llmcost_gpu_set(out, key, o->peak_tflops)) < 0)
            return cli_lib_error(rc);
        char what[64];
        snprintf(what, sizeof what, "%s peak %%.1f TFLOP/s (--peak-tflops)", dt == CLI_DT_FP16 ? "fp16" : llmcost_dtype_name(dt));
        add(overrides, size, what, o->peak_tflops);
    }
    if (o->memory_gb > 0) {
        if ((rc = llmcost_gpu_set(out, "memory_gb", o->memory_gb)) < 0)
            return cli_lib_error(rc);
        add(overrides, size, "memory %g GB (--memory-gb)", o->memory_gb);
    }
    if (o->memory_bw_gbps > 0) {
        if ((rc = llmcost_gpu_set(out, "memory_bw_gbps", o->memory_bw_gbps)) < 0)
            return cli_lib_error(rc);
        add(overrides, size, "memory bandwidth %g GB/s (--memory-bw)", o->memory_bw_gbps);
    }
    if (o->tdp_watts > 0) {
        if ((rc = llmcost_gpu_set(out, "tdp_watts", o->tdp_watts)) < 0)
            return cli_lib_error(rc);
        add(overrides, size, "power %g W (--tdp)", o->tdp_watts);
    }
    if (o->scaleup_gbps > 0) {
        if ((rc = llmcost_gpu_set(out, "scaleup.gbps", o->scaleup_gbps)) < 0)
            return cli_lib_error(rc);
        add(overrides, size, "scale-up %g GB/s (--scaleup-bw)", o->scaleup_gbps);
    }
    if (o->scaleup_size > 0) {
        if (o->scaleup_size > 1000000)
            return cli_usage_error(cmd, "--scaleup-size: %lld is too many GPUs for one domain", o->scaleup_size);
        out->scaleup_size = (int)o->scaleup_size;
        add(overrides, size, "scale-up domain %.0f GPUs (--scaleup-size)", (double)o->scaleup_size);
    }
    if (o->scaleout_gbps > 0) {
        if ((rc = llmcost_gpu_set(out, "scaleout.gbps", o->scaleout_gbps)) < 0)
            return cli_lib_error(rc);
        add(overrides, size, "scale-out %g GB/s (--scaleout-bw)", o->scaleout_gbps);
    }
    return 0;
}
