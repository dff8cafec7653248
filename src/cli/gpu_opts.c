/* gpu_opts.c - choosing an accelerator on the command line: catalogue name, user file, price list, overrides. */
#include <stdio.h>
#include <string.h>

#include "cli.h"

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
    return llmcost_precision_dtype(p);
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
    llmcost_gpu_spec s;
    llmcost_gpu_spec_init(&s);
    s.gpu = o->gpu;
    s.price_list = o->price_list;
    s.price = o->price;
    s.peak_tflops = o->peak_tflops;
    s.memory_gb = o->memory_gb;
    s.memory_bw_gbps = o->memory_bw_gbps;
    s.tdp_watts = o->tdp_watts;
    s.scaleup_gbps = o->scaleup_gbps;
    s.scaleup_size = o->scaleup_size;
    s.scaleout_gbps = o->scaleout_gbps;
    s.power_cap_watts = o->power_cap_watts; /* the library caps the board power last (llmcost_gpu_power_cap) */
    int rc = llmcost_gpu_spec_resolve(out, cli_catalog(), &s, dflt, dt, overrides, size);
    if (rc == 0)
        return 0;
    /* The library's message names the argument ("price_list: ..."); this command line names its flag. A value
     * outside its plausible range names the catalogue's key ("usd_per_hour = ..."), which cli_lib_error() maps. */
    const char *msg = llmcost_errmsg(), *colon = strchr(msg, ':');
    if (strncmp(msg, "gpu: ", 5) && strncmp(msg, "price_list: ", 12) && strncmp(msg, "scaleup_size: ", 14) &&
        strncmp(msg, "power_cap: ", 11))
        return cli_lib_error(rc);
    char flag[64] = "";
    if (colon && colon - msg < 40) {
        size_t n = 0;
        for (const char *p = msg; p < colon; p++)
            flag[n++] = *p == '_' ? '-' : *p;
        flag[n] = '\0';
        msg = colon + 2;
    }
    if (!strcmp(flag, "gpu")) {
        fprintf(stderr, "llmcost: --gpu: %s (try 'llmcost help %s', or --gpu-file)\n", msg, cmd);
        return EXIT_BAD_INPUT;
    }
    return cli_usage_error(cmd, "--%s: %s", flag, msg);
}
