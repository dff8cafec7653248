/* sweep.c - a job flag given a comma list (--micro-batch 1,2,4 --gpu h100,h200) runs every combination: the
 * command runs once per combination in-process with --format json, and the documents become one table (text,
 * Markdown, CSV) or one JSON document whose "results" array holds them. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

enum { SWEEP_MAX_COMBINATIONS = 10000, SWEEP_MAX_DIMS = 16, SWEEP_MAX_ELEMS = 256 };

/* The flags a list may be given to: the job's, the GPU's name and price, the run's tokens. */
static const char *const sweepable[] = {
    "seq", "micro-batch", "precision", "optimizer", "recompute", "attention", "framework", "gpus", "tp", "pp", "vpp",
    "dp", "cp", "ep", "etp", "zero", "grad-accum", "micro-batches", "global-batch", "headroom", "cuda-context-gb",
    "moe-dispatcher", "moe-capacity-factor", "gpu", "price", "tokens", "mfu", "goodput", NULL};

typedef struct {
    const cli_opt *opt;
    int argi;           /* argv index of the value (or of "--flag=value") */
    bool inline_value;  /* "--flag=value" */
    char *text;         /* the list, split in place */
    const char *elem[SWEEP_MAX_ELEMS];
    json_t *value[SWEEP_MAX_ELEMS]; /* each element as read */
    int n;
} dim;

/* "--micro_batch" -> "micro-batch" in "out"; false when "a" is not a long option. */
static bool flag_name(const char *a, char *out, size_t n)
{
    if (strncmp(a, "--", 2) != 0 || !a[2])
        return false;
    size_t i = 0;
    for (const char *p = a + 2; *p && *p != '=' && i + 1 < n; p++)
        out[i++] = *p == '_' ? '-' : *p;
    out[i] = '\0';
    return true;
}

static const cli_opt *find_opt(const cli_opt *opts, int nopts, const char *name)
{
    for (int k = 0; k < nopts; k++)
        if (!strcmp(opts[k].name, name))
            return &opts[k];
    return NULL;
}

static bool is_sweepable(const char *name)
{
    for (int k = 0; sweepable[k]; k++)
        if (!strcmp(sweepable[k], name))
            return true;
    return false;
}

/* The element as the option read it (cli_parse on "--flag ELEM" alone), as a JSON value; NULL after printing the
 * error (one line, naming the flag and the element). */
static json_t *read_element(const char *cmd, const cli_opt *opts, int nopts, const dim *d, const char *elem)
{
    char flag[80];
    snprintf(flag, sizeof flag, "--%s", d->opt->name);
    char *av[] = {(char *)cmd, flag, (char *)elem, NULL};
    cli_common co;
    const char *pos[1];
    int npos;
    if (cli_parse(cmd, 3, av, opts, nopts, &co, pos, 1, &npos) != 0)
        return NULL;
    const cli_opt *o = d->opt;
    switch (o->kind) {
    case OPT_SIZE:
    case OPT_COUNT:
    case OPT_NONNEG:
        return json_integer(*(long long *)o->dest);
    case OPT_REAL:
    case OPT_FRACTION:
    case OPT_PROBABILITY:
        return cli_jreal(*(double *)o->dest);
    case OPT_CHOICE:
        return json_string(o->choices[*(int *)o->dest]);
    default:
        return json_string(elem);
    }
}

/* Runs "run" on "argv" with stdout and stderr captured into *out and *err (freed by the caller). */
static int run_captured(int (*run)(int, char **), int argc, char **argv, char **out, char **err)
{
    size_t olen = 0, elen = 0;
    *out = *err = NULL;
    FILE *o = open_memstream(out, &olen);
    FILE *e = o ? open_memstream(err, &elen) : NULL;
    if (!e) {
        if (o)
            fclose(o);
        free(*out);
        *out = NULL;
        return -1;
    }
    FILE *so = stdout, *se = stderr;
    stdout = o;
    stderr = e;
    int rc = run(argc, argv);
    stdout = so;
    stderr = se;
    fclose(o);
    fclose(e);
    return rc;
}

/* The last line of "s" without "llmcost: " (a failed run's error). */
static void last_line(char *buf, size_t n, const char *s)
{
    size_t len = strlen(s);
    while (len > 0 && s[len - 1] == '\n')
        len--;
    size_t start = len;
    while (start > 0 && s[start - 1] != '\n')
        start--;
    const char *p = s + start;
    if (!strncmp(p, "llmcost: ", 9)) {
        p += 9;
        len -= 9;
    }
    snprintf(buf, n, "%.*s", (int)(len - start), p);
}

/* Lines of "err" not yet in "seen" are appended to it (notes repeat in every run: printed once). */
static void keep_new_lines(char **seen, size_t *len, const char *err)
{
    for (const char *p = err; p && *p;) {
        const char *e = strchr(p, '\n');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        bool dup = false;
        for (const char *q = *seen; q && *q && !dup;) {
            const char *qe = strchr(q, '\n');
            size_t qn = qe ? (size_t)(qe - q) : strlen(q);
            dup = qn == n && !strncmp(q, p, n);
            q = qe ? qe + 1 : q + qn;
        }
        if (!dup && n) {
            char *g = realloc(*seen, *len + n + 2);
            if (g) {
                memcpy(g + *len, p, n);
                g[*len + n] = '\n';
                g[*len + n + 1] = '\0';
                *len += n + 1;
                *seen = g;
            }
        }
        p = e ? e + 1 : p + n;
    }
}

/* One cell of the text table from a result's JSON value. */
static void cell(char *buf, size_t n, json_t *doc, const char *key, char kind)
{
    json_t *v = json_object_get(doc, key);
    double x = json_number_value(v);
    if (!v || json_is_null(v)) {
        snprintf(buf, n, "-");
    } else if (kind == 'b') {
        llmcost_fmt_bytes(buf, n, x);
    } else if (kind == 's') {
        llmcost_fmt_seconds(buf, n, x);
    } else if (kind == '%') {
        snprintf(buf, n, "%.1f%%", 100 * x);
    } else if (kind == 'c') {
        llmcost_fmt_count(buf, n, x);
    } else if (kind == '$') {
        char a[32];
        snprintf(buf, n, "$%s", llmcost_fmt_count(a, sizeof a, x));
    } else if (kind == 'f') {
        snprintf(buf, n, "%s", json_is_true(v) ? "yes" : "NO");
    } else {
        snprintf(buf, n, "%lld", (long long)json_integer_value(v));
    }
}

/* The columns of the text table after the swept values, per command. */
typedef struct {
    const char *header, *key;
    char kind;
} result_col;

static const result_col memory_cols[] = {{"peak", "peak_bytes", 'b'}, {"reserved", "reserved_bytes", 'b'},
                                         {"fits", "fits", 'f'},       {"max micro-batch", "max_micro_batch", 'i'},
                                         {NULL, NULL, 0}};
static const result_col step_cols[] = {{"step", "step_seconds", 's'},    {"tokens/s", "tokens_per_second", 'c'},
                                       {"MFU", "mfu", '%'},              {"peak memory", "peak_bytes", 'b'},
                                       {"fits", "fits", 'f'},            {NULL, NULL, 0}};
static const result_col train_cols[] = {{"wall-clock", "wall_seconds", 's'}, {"GPU-hours", "gpu_hours", 'c'},
                                        {"cost", "cost_usd", '$'},           {"MFU", "mfu", '%'},
                                        {"peak memory", "peak_bytes", 'b'},  {"fits", "fits", 'f'},
                                        {NULL, NULL, 0}};

int cli_sweep(const char *cmd, int (*run)(int, char **), int argc, char **argv, const cli_opt *opts, int nopts)
{
    dim dims[SWEEP_MAX_DIMS];
    int nd = 0, format = LLMCOST_FMT_TEXT;
    for (int i = 1; i < argc; i++) {
        char name[64];
        if (!flag_name(argv[i], name, sizeof name))
            continue;
        if (!strcmp(name, "help")) { /* the command prints its help; the lists read so far are not needed */
            for (int k = 0; k < nd; k++)
                free(dims[k].text);
            return -1;
        }
        const char *eq = strchr(argv[i], '=');
        const char *val = eq ? eq + 1 : i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(name, "format") && val) {
            int f = llmcost_format_parse(val);
            format = f >= 0 ? f : format;
        }
        const cli_opt *o = find_opt(opts, nopts, name);
        if (!o || o->kind == OPT_FLAG || !is_sweepable(name) || !val) {
            if (o && o->kind != OPT_FLAG && !eq)
                i++;
            continue;
        }
        if (!eq)
            i++;
        if (!strchr(val, ','))
            continue;
        if (nd == SWEEP_MAX_DIMS) {
            for (int k = 0; k < nd; k++)
                free(dims[k].text);
            return cli_usage_error(cmd, "--%s: at most %d flags may be given lists", name, SWEEP_MAX_DIMS);
        }
        dim *d = &dims[nd++];
        memset(d, 0, sizeof *d);
        d->opt = o;
        d->argi = i; /* the value's index, or that of --flag=value */
        d->inline_value = eq != NULL;
        d->text = strdup(val);
        int bad = 0;
        /* Split at commas; an empty element ("1,,2", "1,") is a typo, not skipped. */
        char *s = d->text;
        for (;;) {
            char *comma = strchr(s, ',');
            if (comma)
                *comma = '\0';
            if (!*s)
                bad = 1;
            if (d->n == SWEEP_MAX_ELEMS) {
                bad = 2;
                break;
            }
            d->elem[d->n++] = s;
            if (!comma)
                break;
            s = comma + 1;
        }
        if (bad) {
            int rc = bad == 1 ? cli_usage_error(cmd, "--%s %s: an empty element in the list", name, val)
                              : cli_usage_error(cmd, "--%s: more than %d elements in the list", name, SWEEP_MAX_ELEMS);
            for (int k = 0; k < nd; k++)
                free(dims[k].text);
            return rc;
        }
    }
    if (nd == 0)
        return -1;
    int rc = 0;
    long long combos = 1;
    for (int k = 0; k < nd && !rc; k++) {
        combos *= dims[k].n;
        if (combos > SWEEP_MAX_COMBINATIONS)
            rc = cli_usage_error(cmd, "the lists give more than %d combinations (--%s adds %d); give shorter lists",
                                 SWEEP_MAX_COMBINATIONS, dims[k].opt->name, dims[k].n);
    }
    /* Every element is read as its flag reads it: a bad one is refused before anything runs. */
    for (int k = 0; k < nd && !rc; k++)
        for (int e = 0; e < dims[k].n && !rc; e++)
            if (!(dims[k].value[e] = read_element(cmd, opts, nopts, &dims[k], dims[k].elem[e])))
                rc = EXIT_BAD_INPUT;
    /* The argv of one run: the lists replaced by elements, --format json at the end. */
    char **av = calloc((size_t)argc + 3, sizeof *av);
    char **owned = calloc((size_t)nd, sizeof *owned);
    json_t *results = json_array();
    char *notes = NULL;
    size_t notes_len = 0;
    if (!av || !owned || !results)
        rc = rc ? rc : 1;
    for (long long c = 0; c < combos && !rc; c++) {
        int n = 0;
        for (int i = 0; i < argc; i++) {
            char name[64];
            if (flag_name(argv[i], name, sizeof name) && !strcmp(name, "format")) {
                if (!strchr(argv[i], '='))
                    i++;
                continue;
            }
            av[n++] = argv[i];
        }
        av[n++] = "--format";
        av[n++] = "json";
        av[n] = NULL;
        long long rest = c;
        json_t *swept = json_object();
        char label[512] = "";
        int idx[SWEEP_MAX_DIMS];
        for (int k = nd - 1; k >= 0; k--) {
            idx[k] = (int)(rest % dims[k].n);
            rest /= dims[k].n;
        }
        for (int k = 0; k < nd; k++) {
            const dim *d = &dims[k];
            const char *el = d->elem[idx[k]];
            /* The position of the value in av: argv less the --format pair(s) removed before it. */
            int pos = 0;
            for (int i = 0; i < d->argi; i++) {
                char name[64];
                if (flag_name(argv[i], name, sizeof name) && !strcmp(name, "format")) {
                    if (!strchr(argv[i], '='))
                        i++;
                    continue;
                }
                pos++;
            }
            free(owned[k]);
            owned[k] = NULL;
            if (d->inline_value) {
                size_t len = strlen(d->opt->name) + strlen(el) + 4;
                owned[k] = malloc(len);
                if (owned[k])
                    snprintf(owned[k], len, "--%s=%s", d->opt->name, el);
                av[pos] = owned[k];
            } else {
                av[pos] = (char *)el;
            }
            char key[64];
            snprintf(key, sizeof key, "%s", d->opt->name);
            for (char *p = key; *p; p++)
                if (*p == '-')
                    *p = '_';
            json_object_set(swept, key, d->value[idx[k]]);
            size_t l = strlen(label);
            snprintf(label + l, sizeof label - l, "%s--%s %s", k ? " " : "", d->opt->name, el);
        }
        char *out = NULL, *err = NULL;
        int r = run_captured(run, n, av, &out, &err);
        if (r != 0) {
            char msg[1024];
            last_line(msg, sizeof msg, err ? err : "");
            fprintf(stderr, "llmcost: %s %s: %s\n", cmd, label, r < 0 ? "out of memory" : msg);
            rc = r < 0 ? 1 : r;
        } else {
            keep_new_lines(&notes, &notes_len, err);
            json_error_t je;
            json_t *doc = json_loads(out ? out : "", 0, &je);
            if (!doc) {
                fprintf(stderr, "llmcost: internal error: %s %s printed no JSON: %s\n", cmd, label, je.text);
                rc = 1;
            } else {
                json_t *row = json_object();
                json_object_set_new(row, "sweep", swept);
                swept = NULL;
                json_object_del(doc, "schema_version");
                json_object_update(row, doc);
                json_decref(doc);
                json_array_append_new(results, row);
            }
        }
        json_decref(swept);
        free(out);
        free(err);
    }
    /* The numbers read with suffixes, once: the command line parsed again with each list as its flag repeated
     * (the runs each read them, and each parse starts afresh). */
    if (!rc) {
        char **all = calloc((size_t)argc + 2 * (size_t)combos + 2 * SWEEP_MAX_DIMS * SWEEP_MAX_ELEMS + 1, sizeof *all);
        char flags[SWEEP_MAX_DIMS][72];
        int n = 0;
        for (int i = 0; all && i < argc; i++) {
            bool skip = false;
            for (int k = 0; k < nd; k++)
                skip |= i == dims[k].argi || (!dims[k].inline_value && i == dims[k].argi - 1);
            if (!skip)
                all[n++] = argv[i];
        }
        for (int k = 0; all && k < nd; k++) {
            snprintf(flags[k], sizeof flags[k], "--%s", dims[k].opt->name);
            for (int e = 0; e < dims[k].n; e++) {
                all[n++] = flags[k];
                all[n++] = (char *)dims[k].elem[e];
            }
        }
        cli_common co;
        const char *pos[1];
        int npos;
        if (all)
            (void)cli_parse(cmd, n, all, opts, nopts, &co, pos, 1, &npos);
        free(all);
    }
    cli_output_mode(format, !strcmp(cmd, "validate") ? "validation" : cmd);
    if (!rc) {
        if (cli_structured(format)) {
            json_t *doc = json_object(), *flags = json_array();
            for (int k = 0; k < nd; k++)
                json_array_append_new(flags, json_string(dims[k].opt->name));
            json_object_set_new(doc, "swept", flags);
            json_object_set_new(doc, "combinations", json_integer(combos));
            json_object_set(doc, "results", results);
            rc = cli_print_json(doc);
            json_decref(doc);
        } else {
            const result_col *cols = !strcmp(cmd, "memory") ? memory_cols : !strcmp(cmd, "step") ? step_cols : train_cols;
            int nc = 0;
            while (cols[nc].header)
                nc++;
            const char *hdr[SWEEP_MAX_DIMS + 8];
            char names[SWEEP_MAX_DIMS][72];
            for (int k = 0; k < nd; k++) {
                snprintf(names[k], sizeof names[k], "%s", dims[k].opt->name);
                hdr[k] = names[k];
            }
            for (int j = 0; j < nc; j++)
                hdr[nd + j] = cols[j].header;
            char title[256];
            json_t *first = json_array_get(results, 0);
            const char *model = json_string_value(json_object_get(first, "model"));
            snprintf(title, sizeof title, "llmcost %s %s: %lld combinations", cmd, model ? model : "", combos);
            llmcost_table *t = llmcost_table_new(title, nd + nc, hdr);
            for (int j = 0; j < nc; j++)
                llmcost_table_numeric(t, nd + j);
            for (size_t i = 0; i < json_array_size(results); i++) {
                json_t *row = json_array_get(results, i);
                const char *cells[SWEEP_MAX_DIMS + 8];
                char buf[SWEEP_MAX_DIMS + 8][64];
                long long rest = (long long)i;
                int idx[SWEEP_MAX_DIMS];
                for (int k = nd - 1; k >= 0; k--) {
                    idx[k] = (int)(rest % dims[k].n);
                    rest /= dims[k].n;
                }
                for (int k = 0; k < nd; k++)
                    cells[k] = dims[k].elem[idx[k]];
                for (int j = 0; j < nc; j++) {
                    cell(buf[j], sizeof buf[j], row, cols[j].key, cols[j].kind);
                    cells[nd + j] = buf[j];
                }
                llmcost_table_add(t, cells);
            }
            rc = t ? cli_print_table(t, format) : 1;
            llmcost_table_free(t);
            cli_note(format, "Each row is one run of 'llmcost %s' with the other flags as given; run one alone for its "
                             "breakdown and assumptions, or give --format json or csv for every figure of every run.",
                     cmd);
        }
    }
    if (!rc && notes)
        fputs(notes, stderr);
    free(notes);
    json_decref(results);
    for (int k = 0; k < nd; k++) {
        for (int e = 0; e < dims[k].n; e++)
            json_decref(dims[k].value[e]);
        free(dims[k].text);
        free(owned ? owned[k] : NULL);
    }
    free(owned);
    free(av);
    return rc;
}
