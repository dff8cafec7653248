/* hardware.c - the accelerator catalogue and price lists, read from data/gpus.json and merged with user files. */
#include <ctype.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "embedded.h"
#include "internal.h"
#include "kernels.h"
#include "llmcost/hardware.h"
#include "llmcost/ranges.h"

/* A price list entry names its GPU by copying llmcost_gpu.name: the field holds every name, so none is cut. */
_Static_assert(sizeof ((llmcost_price_entry *)0)->gpu >= sizeof ((llmcost_gpu *)0)->name, "price entry gpu too small");

#define MAX_GPUS 64
#define MAX_LISTS 16

/* A catalogue: GPUs and price lists, by value, so that a copy is one assignment. */
struct llmcost_catalog {
    llmcost_gpu gpus[MAX_GPUS];
    int ngpus;
    llmcost_price_list lists[MAX_LISTS];
    int nlists;
};

/* The bundled catalogue, read once (pthread_once) and never written after: any thread may read it. */
static llmcost_catalog bundled;
static int bundled_rc; /* 0, or the error reading data/gpus.json gave (a build defect) */
static char bundled_msg[512];
static pthread_once_t bundled_once = PTHREAD_ONCE_INIT;

/* What the legacy llmcost_gpu_* functions read: NULL for the bundled catalogue, else a snapshot made by
 * llmcost_gpu_load_json(). Snapshots are never freed or edited once published, so pointers into them stay valid. */
static _Atomic(const llmcost_catalog *) current;
static pthread_mutex_t legacy_lock = PTHREAD_MUTEX_INITIALIZER;
typedef struct retired {
    struct retired *next;
    llmcost_catalog *cat;
} retired;
static retired *snapshots; /* every snapshot ever published, kept for the pointers into it */

static const char *const dtype_names[LLMCOST_DT_COUNT] = {"fp32", "tf32", "bf16", "fp8"};

const char *llmcost_dtype_name(llmcost_dtype t)
{
    return (unsigned)t < LLMCOST_DT_COUNT ? dtype_names[t] : "?";
}

double llmcost_gpu_half_peak(const llmcost_gpu *g)
{
    if (!g)
        return 0;
    return g->peak_flops[LLMCOST_DT_BF16] > 0 ? g->peak_flops[LLMCOST_DT_BF16] : g->fp16_flops;
}

static bool name_eq(const char *a, const char *b)
{
    for (; *a && *b; a++, b++)
        if (tolower((unsigned char)*a) != tolower((unsigned char)*b))
            return false;
    return *a == *b;
}

/* True when "name" is one of the comma-separated "aliases". */
static bool alias_match(const char *aliases, const char *name)
{
    size_t n = strlen(name);
    const char *p = aliases;
    while (*p) {
        const char *e = strchr(p, ',');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        if (len == n) {
            size_t i = 0;
            while (i < n && tolower((unsigned char)p[i]) == tolower((unsigned char)name[i]))
                i++;
            if (i == n)
                return true;
        }
        p += len + (e ? 1 : 0);
    }
    return false;
}

static llmcost_gpu *find_mut(llmcost_catalog *cat, const char *name)
{
    for (int i = 0; i < cat->ngpus; i++)
        if (name_eq(cat->gpus[i].name, name))
            return &cat->gpus[i];
    for (int i = 0; i < cat->ngpus; i++)
        if (alias_match(cat->gpus[i].aliases, name))
            return &cat->gpus[i];
    return NULL;
}

/* Keys a GPU record may hold; anything else is a typo worth reporting. */
static const char *const gpu_keys[] = {"name", "aliases", "full_name", "vendor", "peak_tflops", "memory_gb",
                                       "memory_bw_gbps", "tdp_watts", "compute_units", "exp_tops", "scaleup",
                                       "scaleout", "price", "source", "notes", "mamf_tflops", "host_link", NULL};
static const char *const peak_keys[] = {"fp32", "tf32", "bf16", "fp16", "fp8", NULL};
static const char *const link_keys[] = {"link", "gbps", "size", NULL};
static const char *const host_keys[] = {"link", "gbps", "source", NULL};
static const char *const mamf_keys[] = {"bf16", "fp8", "source", NULL};
static const char *const price_keys[] = {"usd_per_hour", "source", "date", NULL};
static const char *const top_keys[] = {"what", "gpus", "price_lists", NULL};
static const char *const list_keys[] = {"name", "source", "entries", NULL};
static const char *const entry_keys[] = {"gpu", "usd_per_hour", "peak_tflops", NULL};

static int check_keys(json_t *obj, const char *const *allowed, const char *origin, const char *where)
{
    const char *key;
    json_t *v;
    json_object_foreach(obj, key, v)
    {
        int ok = 0;
        for (int i = 0; allowed[i] && !ok; i++)
            ok = !strcmp(key, allowed[i]);
        if (!ok) {
            char list[256] = "";
            for (int i = 0; allowed[i]; i++) {
                size_t n = strlen(list);
                snprintf(list + n, sizeof list - n, "%s%s", i ? ", " : "", allowed[i]);
            }
            return lc_fail(LLMCOST_EINVAL, "%s: key '%s%s': not a known key (known here: %s)", origin, where, key,
                           list);
        }
    }
    return 0;
}

/* A number at "key" of "c", inside the plausible range "range" (ranges.c), into *out (scaled by "scale"), left
 * alone when absent. */
static int read_nonneg(const lc_cfg *c, double *out, const char *key, double scale, const char *range)
{
    double x;
    int r = lc_cfg_real(c, &x, LC_KEYS(key), 0);
    if (r <= 0)
        return r;
    if (x < 0)
        return lc_fail(LLMCOST_EINVAL, "%s: key '%s%s': must be zero or more, got %g", c->origin, c->prefix, key, x);
    const llmcost_range *rg = llmcost_range_find(range);
    if (!lc_range_ok(rg, x)) {
        char who[512];
        snprintf(who, sizeof who, "%s: key '%s%s'", c->origin, c->prefix, key);
        return lc_range_fail(rg, who, x);
    }
    *out = x * scale;
    return 1;
}

/* A text key into a char[] field; absent leaves the field as it is, too long is an error (never a cut text). */
static int read_text(const lc_cfg *c, char *dst, size_t size, const char *key)
{
    const char *s;
    int r = lc_cfg_text(c, &s, LC_KEYS(key), NULL);
    if (r <= 0)
        return r;
    return lc_cfg_text_into(c, dst, size, LC_KEYS(key), NULL);
}

static int read_object(const lc_cfg *c, json_t **out, const char *key)
{
    *out = json_object_get(c->obj, key);
    if (!*out || json_is_null(*out)) {
        *out = NULL;
        return 0;
    }
    if (!json_is_object(*out))
        return lc_fail(LLMCOST_EINVAL, "%s: key '%s%s': expected an object", c->origin, c->prefix, key);
    return 1;
}

/* Reads one GPU record into "g", field by field: keys absent from the record leave "g" as it was. */
static int read_gpu(llmcost_gpu *g, json_t *obj, const char *origin, const char *prefix)
{
    lc_cfg c = {obj, origin, prefix};
    int rc = check_keys(obj, gpu_keys, origin, prefix);
    if (rc < 0)
        return rc;
    if ((rc = read_text(&c, g->full_name, sizeof g->full_name, "full_name")) < 0 ||
        (rc = read_text(&c, g->vendor, sizeof g->vendor, "vendor")) < 0 ||
        (rc = read_text(&c, g->source, sizeof g->source, "source")) < 0)
        return rc;
    json_t *al = json_object_get(obj, "aliases");
    if (al && !json_is_null(al)) {
        if (!json_is_array(al))
            return lc_fail(LLMCOST_EINVAL, "%s: key '%saliases': expected a list of names", origin, prefix);
        g->aliases[0] = '\0';
        size_t i;
        json_t *a;
        json_array_foreach(al, i, a)
        {
            const char *s = json_string_value(a);
            if (!s || !s[0] || strchr(s, ','))
                return lc_fail(LLMCOST_EINVAL, "%s: key '%saliases[%zu]': expected a name", origin, prefix, i);
            if (lc_control_char(s))
                return lc_fail(LLMCOST_EINVAL, "%s: key '%saliases[%zu]': control character in the name '%s'", origin,
                               prefix, i, s);
            size_t len = strlen(g->aliases);
            if (len + strlen(s) + 2 > sizeof g->aliases)
                return lc_fail(LLMCOST_EINVAL, "%s: key '%saliases': too many aliases", origin, prefix);
            snprintf(g->aliases + len, sizeof g->aliases - len, "%s%s", len ? "," : "", s);
        }
    }
    json_t *sub;
    char pre[160];
    if ((rc = read_object(&c, &sub, "peak_tflops")) < 0)
        return rc;
    if (sub) {
        snprintf(pre, sizeof pre, "%speak_tflops.", prefix);
        lc_cfg p = {sub, origin, pre};
        if ((rc = check_keys(sub, peak_keys, origin, pre)) < 0)
            return rc;
        for (int t = 0; t < LLMCOST_DT_COUNT; t++)
            if ((rc = read_nonneg(&p, &g->peak_flops[t], dtype_names[t], 1e12, "peak_tflops")) < 0)
                return rc;
        /* fp16 is its own peak: parts without bf16 (V100, T4) give fp16 only (before, fp16 was read as the bf16
         * peak when bf16 was absent: a V100 then took bf16 runs it cannot do). */
        if ((rc = read_nonneg(&p, &g->fp16_flops, "fp16", 1e12, "peak_tflops")) < 0)
            return rc;
    }
    if ((rc = read_nonneg(&c, &g->memory_bytes, "memory_gb", 1073741824.0, "memory_gb")) < 0 ||
        (rc = read_nonneg(&c, &g->memory_bw, "memory_bw_gbps", 1e9, "memory_bw_gbps")) < 0 ||
        (rc = read_nonneg(&c, &g->tdp_watts, "tdp_watts", 1, "tdp_watts")) < 0 ||
        (rc = read_nonneg(&c, &g->exp_per_second, "exp_tops", 1e12, "exp_tops")) < 0)
        return rc;
    int64_t cu;
    if ((rc = lc_cfg_count(&c, &cu, LC_KEYS("compute_units"), 0)) < 0)
        return rc;
    if (rc > 0)
        g->compute_units = (int)cu;
    for (int side = 0; side < 2; side++) {
        const char *key = side ? "scaleout" : "scaleup";
        if ((rc = read_object(&c, &sub, key)) < 0)
            return rc;
        if (!sub)
            continue;
        snprintf(pre, sizeof pre, "%s%s.", prefix, key);
        lc_cfg l = {sub, origin, pre};
        if ((rc = check_keys(sub, link_keys, origin, pre)) < 0)
            return rc;
        if ((rc = read_text(&l, side ? g->scaleout_link : g->scaleup_link, sizeof g->scaleup_link, "link")) < 0 ||
            (rc = read_nonneg(&l, side ? &g->scaleout_bw : &g->scaleup_bw, "gbps", 1e9,
                              side ? "scaleout.gbps" : "scaleup.gbps")) < 0)
            return rc;
        if (!side) {
            int64_t size;
            if ((rc = lc_cfg_size(&l, &size, LC_KEYS("size"), 0)) < 0)
                return rc;
            if (rc > 0) {
                if (size > 1000000)
                    return lc_fail(LLMCOST_EINVAL, "%s: key '%ssize': %lld GPUs in one scale-up domain is too many",
                                   origin, pre, (long long)size);
                g->scaleup_size = (int)size;
            }
        } else if (json_object_get(sub, "size")) {
            return lc_fail(LLMCOST_EINVAL, "%s: key '%ssize': the scale-out network has no domain size", origin, pre);
        }
    }
    if ((rc = read_object(&c, &sub, "host_link")) < 0)
        return rc;
    if (sub) {
        snprintf(pre, sizeof pre, "%shost_link.", prefix);
        lc_cfg l = {sub, origin, pre};
        if ((rc = check_keys(sub, host_keys, origin, pre)) < 0 ||
            (rc = read_text(&l, g->host_link, sizeof g->host_link, "link")) < 0 ||
            (rc = read_text(&l, g->host_source, sizeof g->host_source, "source")) < 0 ||
            (rc = read_nonneg(&l, &g->host_bw, "gbps", 1e9, "scaleup.gbps")) < 0)
            return rc;
        if (g->host_bw > 0 && !g->host_source[0])
            return lc_fail(LLMCOST_EINVAL, "%s: key '%ssource': the host link needs its source", origin, pre);
    }
    if ((rc = read_object(&c, &sub, "mamf_tflops")) < 0)
        return rc;
    if (sub) {
        snprintf(pre, sizeof pre, "%smamf_tflops.", prefix);
        lc_cfg m = {sub, origin, pre};
        if ((rc = check_keys(sub, mamf_keys, origin, pre)) < 0 ||
            (rc = read_nonneg(&m, &g->mamf_flops[LLMCOST_DT_BF16], "bf16", 1e12, "peak_tflops")) < 0 ||
            (rc = read_nonneg(&m, &g->mamf_flops[LLMCOST_DT_FP8], "fp8", 1e12, "peak_tflops")) < 0 ||
            (rc = read_text(&m, g->mamf_source, sizeof g->mamf_source, "source")) < 0)
            return rc;
    }
    if ((rc = read_object(&c, &sub, "price")) < 0)
        return rc;
    if (sub) {
        snprintf(pre, sizeof pre, "%sprice.", prefix);
        lc_cfg p = {sub, origin, pre};
        if ((rc = check_keys(sub, price_keys, origin, pre)) < 0)
            return rc;
        if ((rc = read_nonneg(&p, &g->price_per_hour, "usd_per_hour", 1, "usd_per_hour")) < 0)
            return rc;
        const char *src, *date;
        if ((rc = lc_cfg_text(&p, &src, LC_KEYS("source"), NULL)) < 0 ||
            (rc = lc_cfg_text(&p, &date, LC_KEYS("date"), NULL)) < 0)
            return rc;
        int n = 0;
        if (src && date)
            n = snprintf(g->price_source, sizeof g->price_source, "%s (%s)", src, date);
        else if (src)
            n = snprintf(g->price_source, sizeof g->price_source, "%s", src);
        else if (json_object_get(sub, "usd_per_hour"))
            n = snprintf(g->price_source, sizeof g->price_source, "%s", origin);
        if (n < 0 || (size_t)n >= sizeof g->price_source) {
            g->price_source[0] = '\0';
            return lc_fail(LLMCOST_EINVAL, "%s: key '%sprice.source': the source with its date (or the file's name) is %d "
                           "characters, longer than the %zu that llmcost keeps", origin, prefix, n,
                           sizeof g->price_source - 1);
        }
    }
    return 0;
}

/* Checks that a GPU has what the engines need. */
static int check_complete(const llmcost_gpu *g, const char *origin, const char *prefix)
{
    bool any = false;
    for (int t = 0; t < LLMCOST_DT_COUNT; t++)
        any |= g->peak_flops[t] > 0;
    any |= g->fp16_flops > 0;
    if (!any)
        return lc_fail(LLMCOST_EINVAL, "%s: %s'%s' has no peak_tflops", origin, prefix, g->name);
    if (g->memory_bytes <= 0)
        return lc_fail(LLMCOST_EINVAL, "%s: %s'%s' needs memory_gb", origin, prefix, g->name);
    if (g->memory_bw <= 0)
        return lc_fail(LLMCOST_EINVAL, "%s: %s'%s' needs memory_bw_gbps", origin, prefix, g->name);
    /* A measured matmul rate far above the dense peak is a typo (or a sparse peak, twice the dense one). A little
     * above is real: a GeForce board's peak is quoted at its rated boost clock and GPU Boost runs it higher under
     * load (the RTX 4090: 178.8 TFLOP/s measured, 165.2 at 2,520 MHz, so about 2.73 GHz); no board runs a quarter
     * above its rated boost clock. */
    double half = llmcost_gpu_half_peak(g);
    if (g->mamf_flops[LLMCOST_DT_BF16] > 0 && !(g->mamf_flops[LLMCOST_DT_BF16] <= 1.25 * half))
        return lc_fail(LLMCOST_EINVAL,
                       "%s: %s'%s': mamf_tflops.bf16 = %g is more than 25%% above the 16-bit dense peak %g TFLOP/s",
                       origin, prefix, g->name, g->mamf_flops[LLMCOST_DT_BF16] / 1e12, half / 1e12);
    if (g->mamf_flops[LLMCOST_DT_FP8] > 0 && !(g->mamf_flops[LLMCOST_DT_FP8] <= 1.25 * g->peak_flops[LLMCOST_DT_FP8]))
        return lc_fail(LLMCOST_EINVAL, "%s: %s'%s': mamf_tflops.fp8 = %g is more than 25%% above the fp8 dense peak %g TFLOP/s",
                       origin, prefix, g->name, g->mamf_flops[LLMCOST_DT_FP8] / 1e12, g->peak_flops[LLMCOST_DT_FP8] / 1e12);
    if ((g->mamf_flops[LLMCOST_DT_BF16] > 0 || g->mamf_flops[LLMCOST_DT_FP8] > 0) && !g->mamf_source[0])
        return lc_fail(LLMCOST_EINVAL, "%s: %s'%s': mamf_tflops needs its source", origin, prefix, g->name);
    return 0;
}

static int read_price_lists(llmcost_catalog *cat, json_t *arr, const char *origin)
{
    if (!json_is_array(arr))
        return lc_fail(LLMCOST_EINVAL, "%s: key 'price_lists': expected a list", origin);
    size_t i;
    json_t *o;
    json_array_foreach(arr, i, o)
    {
        char pre[64];
        snprintf(pre, sizeof pre, "price_lists[%zu].", i);
        if (!json_is_object(o))
            return lc_fail(LLMCOST_EINVAL, "%s: %s: expected an object", origin, pre);
        int rc = check_keys(o, list_keys, origin, pre);
        if (rc < 0)
            return rc;
        lc_cfg c = {o, origin, pre};
        llmcost_price_list pl;
        memset(&pl, 0, sizeof pl);
        const char *name;
        if ((rc = lc_cfg_text(&c, &name, LC_KEYS("name"), NULL)) < 0)
            return rc;
        if (!name || !name[0] || strlen(name) >= sizeof pl.name)
            return lc_fail(LLMCOST_EINVAL, "%s: key '%sname': missing or too long", origin, pre);
        lc_strlcpy(pl.name, name, sizeof pl.name);
        if ((rc = read_text(&c, pl.source, sizeof pl.source, "source")) < 0)
            return rc;
        json_t *ents = json_object_get(o, "entries");
        if (!json_is_array(ents) || json_array_size(ents) == 0)
            return lc_fail(LLMCOST_EINVAL, "%s: key '%sentries': expected a non-empty list", origin, pre);
        size_t j;
        json_t *e;
        json_array_foreach(ents, j, e)
        {
            char epre[96];
            snprintf(epre, sizeof epre, "%sentries[%zu].", pre, j);
            if (!json_is_object(e))
                return lc_fail(LLMCOST_EINVAL, "%s: %s: expected an object", origin, epre);
            if (pl.n >= (int)(sizeof pl.entries / sizeof pl.entries[0]))
                return lc_fail(LLMCOST_EINVAL, "%s: %s: too many entries", origin, epre);
            if ((rc = check_keys(e, entry_keys, origin, epre)) < 0)
                return rc;
            lc_cfg ec = {e, origin, epre};
            llmcost_price_entry *pe = &pl.entries[pl.n];
            const char *gpu;
            if ((rc = lc_cfg_text(&ec, &gpu, LC_KEYS("gpu"), NULL)) < 0)
                return rc;
            const llmcost_gpu *g = gpu ? find_mut(cat, gpu) : NULL;
            if (!g)
                return lc_fail(LLMCOST_EINVAL, "%s: key '%sgpu': %s%s%s is not in the catalogue", origin, epre,
                               gpu ? "'" : "", gpu ? gpu : "missing", gpu ? "'" : "");
            lc_strlcpy(pe->gpu, g->name, sizeof pe->gpu);
            double price = 0, peak = 0;
            if ((rc = read_nonneg(&ec, &price, "usd_per_hour", 1, "usd_per_hour")) < 0 ||
                (rc = read_nonneg(&ec, &peak, "peak_tflops", 1e12, "peak_tflops")) < 0)
                return rc;
            if (price <= 0)
                return lc_fail(LLMCOST_EINVAL, "%s: key '%susd_per_hour': must be positive", origin, epre);
            pe->price_per_hour = price;
            pe->peak_flops = peak > 0 ? peak : llmcost_gpu_half_peak(g);
            pl.n++;
        }
        int k = 0;
        while (k < cat->nlists && !name_eq(cat->lists[k].name, pl.name))
            k++;
        if (k == cat->nlists) {
            if (cat->nlists == MAX_LISTS)
                return lc_fail(LLMCOST_EINVAL, "%s: %s: more than %d price lists", origin, pre, MAX_LISTS);
            cat->nlists++;
        }
        cat->lists[k] = pl; /* a list of the same name is replaced whole: its entries belong together */
    }
    return 0;
}

/*
 * Merges a catalogue document into "dst". The merge is done on a copy so that a file with an error leaves "dst"
 * as it was.
 */
static int merge_json(llmcost_catalog *dst, const char *text, size_t len, const char *origin)
{
    json_t *doc;
    int rc = lc_parse_json(&doc, text, len, origin);
    if (rc < 0)
        return rc;
    llmcost_catalog *cat = malloc(sizeof *cat);
    if (!cat) {
        json_decref(doc);
        return lc_fail(LLMCOST_ENOMEM, "%s: out of memory", origin);
    }
    *cat = *dst;
    if (!json_is_object(doc)) {
        rc = lc_fail(LLMCOST_EINVAL, "%s: expected a JSON object with a 'gpus' list", origin);
        goto done;
    }
    if ((rc = check_keys(doc, top_keys, origin, "")) < 0)
        goto done;
    json_t *arr = json_object_get(doc, "gpus");
    if (arr && !json_is_array(arr)) {
        rc = lc_fail(LLMCOST_EINVAL, "%s: key 'gpus': expected a list of GPU records", origin);
        goto done;
    }
    size_t i;
    json_t *o;
    json_array_foreach(arr, i, o)
    {
        char pre[128];
        snprintf(pre, sizeof pre, "gpus[%zu].", i);
        if (!json_is_object(o)) {
            rc = lc_fail(LLMCOST_EINVAL, "%s: %s: expected an object", origin, pre);
            goto done;
        }
        const char *name = NULL;
        lc_cfg nc = {o, origin, pre};
        if ((rc = lc_cfg_text(&nc, &name, LC_KEYS("name"), NULL)) < 0) /* no control characters */
            goto done;
        if (!name || !name[0]) {
            rc = lc_fail(LLMCOST_EINVAL, "%s: key '%sname': missing (each GPU needs a name)", origin, pre);
            goto done;
        }
        if (strlen(name) >= sizeof cat->gpus[0].name) {
            rc = lc_fail(LLMCOST_EINVAL, "%s: key '%sname': '%s' is too long", origin, pre, name);
            goto done;
        }
        snprintf(pre, sizeof pre, "gpus[%zu] (%s).", i, name);
        llmcost_gpu *g = find_mut(cat, name);
        bool fresh = !g;
        if (fresh) {
            if (cat->ngpus == MAX_GPUS) {
                rc = lc_fail(LLMCOST_EINVAL, "%s: %s: more than %d GPUs", origin, pre, MAX_GPUS);
                goto done;
            }
            g = &cat->gpus[cat->ngpus];
            memset(g, 0, sizeof *g);
            lc_strlcpy(g->name, name, sizeof g->name);
            lc_strlcpy(g->full_name, name, sizeof g->full_name);
            g->scaleup_size = 1;
        }
        if ((rc = read_gpu(g, o, origin, pre)) < 0 || (rc = check_complete(g, origin, pre)) < 0)
            goto done;
        if (fresh)
            cat->ngpus++;
    }
    json_t *pl = json_object_get(doc, "price_lists");
    if (pl && !json_is_null(pl) && (rc = read_price_lists(cat, pl, origin)) < 0)
        goto done;
    rc = 0;
done:
    if (rc == 0)
        *dst = *cat;
    free(cat);
    json_decref(doc);
    return rc;
}

static void read_bundled(void)
{
    const lc_embedded *e = lc_embedded_find("data/gpus.json");
    bundled_rc = e ? merge_json(&bundled, e->text, e->len, e->path) : LLMCOST_EINVAL;
    if (bundled_rc < 0)
        lc_strlcpy(bundled_msg, e ? llmcost_errmsg() : "data/gpus.json is not compiled in", sizeof bundled_msg);
}

int lc_gpu_init(void)
{
    pthread_once(&bundled_once, read_bundled);
    if (bundled_rc < 0)
        return lc_fail(bundled_rc, "the bundled catalogue is unreadable (a build defect): %s", bundled_msg);
    return 0;
}

/* The catalogue "cat" names: itself, or for NULL the process default (the bundled one unless the legacy
 * llmcost_gpu_load_json() published another). */
static const llmcost_catalog *resolve(const llmcost_catalog *cat)
{
    if (cat)
        return cat;
    pthread_once(&bundled_once, read_bundled);
    const llmcost_catalog *c = atomic_load(&current);
    return c ? c : &bundled;
}

const llmcost_catalog *llmcost_catalog_bundled(void)
{
    pthread_once(&bundled_once, read_bundled);
    return &bundled;
}

int llmcost_catalog_new(llmcost_catalog **out, const llmcost_catalog *from)
{
    *out = NULL;
    const llmcost_catalog *src = resolve(from);
    llmcost_catalog *cat = malloc(sizeof *cat);
    if (!cat)
        return lc_fail(LLMCOST_ENOMEM, "out of memory for a GPU catalogue");
    *cat = *src;
    *out = cat;
    return 0;
}

void llmcost_catalog_free(llmcost_catalog *cat)
{
    free(cat);
}

int llmcost_catalog_load_json(llmcost_catalog *cat, const char *text, size_t len, const char *origin)
{
    if (!cat)
        return lc_fail(LLMCOST_EINVAL, "llmcost_catalog_load_json: the catalogue is NULL (make one with llmcost_catalog_new)");
    if (!text)
        return lc_fail(LLMCOST_EINVAL, "llmcost_catalog_load_json: the text is NULL");
    return merge_json(cat, text, len, origin ? origin : "GPU file");
}

int llmcost_catalog_load_file(llmcost_catalog *cat, const char *path)
{
    if (!cat)
        return lc_fail(LLMCOST_EINVAL, "llmcost_catalog_load_file: the catalogue is NULL (make one with llmcost_catalog_new)");
    char *text;
    size_t len;
    int rc = lc_read_file(&text, &len, path);
    if (rc < 0)
        return rc;
    rc = llmcost_catalog_load_json(cat, text, len, path);
    free(text);
    return rc;
}

int llmcost_catalog_gpu_count(const llmcost_catalog *cat)
{
    return resolve(cat)->ngpus;
}

const llmcost_gpu *llmcost_catalog_gpu_at(const llmcost_catalog *cat, int i)
{
    const llmcost_catalog *c = resolve(cat);
    return i >= 0 && i < c->ngpus ? &c->gpus[i] : NULL;
}

const llmcost_gpu *llmcost_catalog_gpu_find(const llmcost_catalog *cat, const char *name)
{
    /* find_mut only reads; the cast lets one search serve the merge (which writes) and the lookups. */
    return name ? find_mut((llmcost_catalog *)resolve(cat), name) : NULL;
}

int llmcost_catalog_gpu_lookup(const llmcost_gpu **out, const llmcost_catalog *cat, const char *name)
{
    const llmcost_catalog *c = resolve(cat);
    *out = llmcost_catalog_gpu_find(c, name);
    if (*out)
        return 0;
    if (c == &bundled && bundled_rc < 0)
        return lc_fail(LLMCOST_EINVAL, "the bundled data/gpus.json is unreadable (a build defect): %s", bundled_msg);
    char list[1024] = "";
    for (int i = 0; i < c->ngpus; i++) {
        size_t n = strlen(list), k = strlen(c->gpus[i].name);
        if (n + k + 3 >= sizeof list)
            break;
        if (i)
            memcpy(list + n, ", ", 2), n += 2;
        memcpy(list + n, c->gpus[i].name, k + 1);
    }
    return lc_fail(LLMCOST_ENOTFOUND, "unknown GPU '%s' (known: %s; or add it with a GPU file)", name ? name : "",
                   list);
}

int llmcost_catalog_price_list_count(const llmcost_catalog *cat)
{
    return resolve(cat)->nlists;
}

const llmcost_price_list *llmcost_catalog_price_list_at(const llmcost_catalog *cat, int i)
{
    const llmcost_catalog *c = resolve(cat);
    return i >= 0 && i < c->nlists ? &c->lists[i] : NULL;
}

const llmcost_price_list *llmcost_catalog_price_list_find(const llmcost_catalog *cat, const char *name)
{
    const llmcost_catalog *c = resolve(cat);
    for (int i = 0; name && i < c->nlists; i++)
        if (name_eq(c->lists[i].name, name))
            return &c->lists[i];
    return NULL;
}

/* The functions below predate llmcost_catalog and read the process default catalogue. */

int llmcost_gpu_count(void)
{
    return llmcost_catalog_gpu_count(NULL);
}

const llmcost_gpu *llmcost_gpu_at(int i)
{
    return llmcost_catalog_gpu_at(NULL, i);
}

const llmcost_gpu *llmcost_gpu_find(const char *name)
{
    return llmcost_catalog_gpu_find(NULL, name);
}

int llmcost_gpu_lookup(const llmcost_gpu **out, const char *name)
{
    return llmcost_catalog_gpu_lookup(out, NULL, name);
}

int llmcost_price_list_count(void)
{
    return llmcost_catalog_price_list_count(NULL);
}

const llmcost_price_list *llmcost_price_list_at(int i)
{
    return llmcost_catalog_price_list_at(NULL, i);
}

const llmcost_price_list *llmcost_price_list_find(const char *name)
{
    return llmcost_catalog_price_list_find(NULL, name);
}

/* Publishes "cat" (NULL: the bundled one) as the process default. Callers hold legacy_lock. */
static void publish(llmcost_catalog *cat, retired *node)
{
    if (node) {
        node->cat = cat;
        node->next = snapshots;
        snapshots = node;
    }
    atomic_store(&current, cat);
}

int llmcost_gpu_load_json(const char *text, size_t len, const char *origin)
{
    if (!text)
        return lc_fail(LLMCOST_EINVAL, "llmcost_gpu_load_json: the text is NULL");
    retired *node = malloc(sizeof *node);
    if (!node)
        return lc_fail(LLMCOST_ENOMEM, "out of memory for a GPU catalogue");
    pthread_mutex_lock(&legacy_lock);
    llmcost_catalog *cat;
    int rc = llmcost_catalog_new(&cat, NULL);
    if (rc == 0 && (rc = llmcost_catalog_load_json(cat, text, len, origin)) < 0)
        llmcost_catalog_free(cat);
    if (rc == 0)
        publish(cat, node);
    else
        free(node);
    pthread_mutex_unlock(&legacy_lock);
    return rc;
}

int llmcost_gpu_load_file(const char *path)
{
    char *text;
    size_t len;
    int rc = lc_read_file(&text, &len, path);
    if (rc < 0)
        return rc;
    rc = llmcost_gpu_load_json(text, len, path);
    free(text);
    return rc;
}

void llmcost_gpu_reset(void)
{
    pthread_mutex_lock(&legacy_lock);
    publish(NULL, NULL);
    pthread_mutex_unlock(&legacy_lock);
}

/* ---- setting and checking one GPU's fields in the catalogue's units (ranges.c) ---- */

/* A field of llmcost_gpu by its data/gpus.json key: where it lives, its scale from the key's unit, its range. */
typedef struct gpu_field {
    const char *key, *range;
    size_t offset;
    double scale;
    int id; /* the range's lc_range_id */
} gpu_field;

#define GF(key, range, member, scale, id) {key, range, offsetof(llmcost_gpu, member), scale, id}
static const gpu_field gpu_fields[] = {
    GF("peak_tflops.fp32", "peak_tflops", peak_flops[LLMCOST_DT_FP32], 1e12, LC_R_PEAK_TFLOPS),
    GF("peak_tflops.tf32", "peak_tflops", peak_flops[LLMCOST_DT_TF32], 1e12, LC_R_PEAK_TFLOPS),
    GF("peak_tflops.bf16", "peak_tflops", peak_flops[LLMCOST_DT_BF16], 1e12, LC_R_PEAK_TFLOPS),
    GF("peak_tflops.fp8", "peak_tflops", peak_flops[LLMCOST_DT_FP8], 1e12, LC_R_PEAK_TFLOPS),
    GF("peak_tflops.fp16", "peak_tflops", fp16_flops, 1e12, LC_R_PEAK_TFLOPS),
    GF("memory_gb", "memory_gb", memory_bytes, 1073741824.0, LC_R_MEMORY_GB),
    GF("memory_bw_gbps", "memory_bw_gbps", memory_bw, 1e9, LC_R_MEMORY_BW_GBPS),
    GF("tdp_watts", "tdp_watts", tdp_watts, 1, LC_R_TDP_WATTS),
    GF("exp_tops", "exp_tops", exp_per_second, 1e12, LC_R_EXP_TOPS),
    GF("scaleup.gbps", "scaleup.gbps", scaleup_bw, 1e9, LC_R_SCALEUP_GBPS),
    GF("scaleout.gbps", "scaleout.gbps", scaleout_bw, 1e9, LC_R_SCALEOUT_GBPS),
    GF("host_link.gbps", "scaleup.gbps", host_bw, 1e9, LC_R_SCALEUP_GBPS),
    GF("usd_per_hour", "usd_per_hour", price_per_hour, 1, LC_R_USD_PER_HOUR),
};
#undef GF

int llmcost_gpu_set(llmcost_gpu *g, const char *key, double value)
{
    if (!g || !key)
        return lc_fail(LLMCOST_EINVAL, "llmcost_gpu_set: NULL argument");
    for (size_t i = 0; i < sizeof gpu_fields / sizeof gpu_fields[0]; i++) {
        const gpu_field *f = &gpu_fields[i];
        if (strcmp(f->key, key) != 0)
            continue;
        /* The peaks share one range and are named by it ("peak_tflops = ..."), as a front end names one flag. */
        int rc = lc_range(f->range, f->range, value);
        if (rc)
            return rc;
        *(double *)((char *)g + f->offset) = value * f->scale;
        return 0;
    }
    return lc_fail(LLMCOST_EINVAL, "llmcost_gpu_set: '%s' is not a GPU field (peak_tflops.bf16, memory_gb, ...)", key);
}

#define NGPU_FIELDS (sizeof gpu_fields / sizeof gpu_fields[0])

int llmcost_gpu_power_cap(llmcost_gpu *g, double watts, char *note, size_t n)
{
    if (note && n)
        note[0] = '\0';
    if (!g)
        return lc_fail(LLMCOST_EINVAL, "power_cap: no GPU given (NULL)");
    double tdp = g->tdp_watts, st = LLMCOST_POWER_STATIC_FRACTION * tdp;
    if (!(tdp > 0))
        return lc_fail(LLMCOST_EINVAL, "power_cap: %.48s has no published board power to cap (give --tdp)", g->name);
    if (!isfinite(watts) || !(watts > st))
        return lc_fail(LLMCOST_EINVAL,
                       "power_cap: %g W is not above %.48s's static draw (%.0f%% of its %.0f W board power, %.0f W): no "
                       "clock runs under it",
                       watts, g->name, 100 * LLMCOST_POWER_STATIC_FRACTION, tdp, st);
    if (watts > tdp)
        return lc_fail(LLMCOST_EINVAL,
                       "power_cap: %g W is above %.48s's %.0f W board power: a cap can only lower it (--tdp sets the "
                       "board power)", watts, g->name, tdp);
    double s = cbrt((watts - st) / (tdp - st));
    if (note && n)
        snprintf(note, n,
                 "power cap %.0f W of %.0f W: SM clock %.1f%% of its maximum (P = P_static + (TDP - P_static) f^3, "
                 "P_static %.0f%% of TDP; compute-bound kernels slowed, memory-bound ones not; energy at the cap)",
                 watts, tdp, 100 * s, 100 * LLMCOST_POWER_STATIC_FRACTION);
    g->clock_fraction = s;
    g->tdp_watts = watts;
    /* A GPU timed at its sustained matmul rate: its GEMMs' clock falls from the sustained clock, not the boost one. */
    llmcost_sustained_matmul sm;
    size_t len = note && n ? strlen(note) : 0;
    if (note && len + 1 < n && llmcost_gpu_sustained_matmul(g, &sm) == 1 && sm.sustained_mhz[0] > 0) {
        double f = lc_gemm_cap_clock(g, false);
        snprintf(note + len, n - len,
                 "; GEMMs, at the power-saturated matmul clock: from its %.0f MHz at %.0f W to %.0f MHz "
                 "(%.1f%%), not from the %.0f MHz boost",
                 sm.sustained_mhz[0], sm.sustained_watts[0], sm.sustained_mhz[0] * f, 100 * f, sm.burst_mhz);
    }
    return 0;
}

int llmcost_gpu_check(const llmcost_gpu *g)
{
    if (!g)
        return lc_fail(LLMCOST_EINVAL, "no GPU given (NULL)");
    for (size_t i = 0; i < NGPU_FIELDS; i++) {
        const gpu_field *f = &gpu_fields[i];
        const llmcost_range *r = lc_range_get(f->id);
        double v = *(const double *)((const char *)g + f->offset) / f->scale;
        if (!lc_range_ok(r, v)) {
            char name[sizeof g->name], who[160];
            lc_one_line(name, sizeof name, g->name);
            snprintf(who, sizeof who, "gpu %s: %s", name, f->range);
            return lc_range_fail(r, who, v);
        }
    }
    if (!(g->clock_fraction >= 0 && g->clock_fraction <= 1))
        return lc_fail(LLMCOST_EINVAL, "gpu %.48s: clock_fraction = %g must be 0 to 1", g->name, g->clock_fraction);
    if (g->scaleup_size < 1 || g->scaleup_size > 1000000)
        return lc_fail(LLMCOST_EINVAL, "gpu %.48s: scaleup.size = %d must be 1 to 1000000 GPUs", g->name, g->scaleup_size);
    return 0;
}
