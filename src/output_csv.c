#define _POSIX_C_SOURCE 200809L
/* output_csv.c - results as CSV: each JSON document flattened into one tidy table (RFC 4180), so that the CSV and
 * the JSON of a run carry the same numbers under the same names. */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "llmcost/output.h"

/*
 * The unit a value's column adds to its JSON path when the JSON key does not say it: "components.weights" of a
 * memory document holds bytes, so its column is "components.weights_bytes". "*" matches one path segment.
 */
typedef struct {
    const char *pattern, *suffix;
} unit_rule;

static const unit_rule flops_rules[] = {
    {"forward", "_flop"},          {"backward", "_flop"},          {"recompute", "_flop"},
    {"per_token", "_flop"},        {"components.*", "_flop"},      {"components_backward.*", "_flop"},
    {"conventions.*", "_flop"},    {"forward_unmasked", "_flop"},  {"forward_causal", "_flop"},
    {"backward_unmasked", "_flop"}, {"backward_causal", "_flop"},  {"dense_layers_forward", "_flop"},
    {"moe_layers_forward", "_flop"}, {"mtp_forward", "_flop"},     {NULL, NULL}};
static const unit_rule memory_rules[] = {{"components.*", "_bytes"}, {NULL, NULL}};
static const unit_rule step_rules[] = {{"components.*", "_seconds"}, {NULL, NULL}};
static const unit_rule train_rules[] = {{"step.components.*", "_seconds"}, {NULL, NULL}};

/* A document kind: the array whose elements are the rows (NULL: the document is one row), and its unit rules,
 * each applying under "prefix" ("" or a section of `llmcost report`). */
typedef struct {
    const char *kind, *rows, *rows_else; /* rows_else: the rows when "rows" is empty */
    struct {
        const char *prefix;
        const unit_rule *rules;
    } units[3];
} csv_kind;

static const csv_kind kinds[] = {
    {"params", NULL, NULL, {{NULL, NULL}}},
    {"flops", NULL, NULL, {{"", flops_rules}}},
    {"memory", NULL, NULL, {{"", memory_rules}}},
    {"flops_sweep", "sweep", NULL, {{NULL, NULL}}},
    {"course_layer", NULL, NULL, {{NULL, NULL}}},
    {"budget", "gpus", NULL, {{NULL, NULL}}},
    {"step", NULL, NULL, {{"", step_rules}}},
    {"train", NULL, NULL, {{"", train_rules}}},
    {"published", "published", NULL, {{NULL, NULL}}},
    {"validation", "cases", NULL, {{NULL, NULL}}},
    {"report", NULL, NULL, {{"flops.", flops_rules}, {"memory.", memory_rules}}},
    {"laws", "laws", NULL, {{NULL, NULL}}},
    {"fit", NULL, NULL, {{NULL, NULL}}},
    {"gpus", "gpus", NULL, {{NULL, NULL}}},
    {"price_lists", "price_lists", NULL, {{NULL, NULL}}},
    {"models", "models", NULL, {{NULL, NULL}}},
    {"plan", "layouts", "changes_that_fit", {{NULL, NULL}}},
    {"model", NULL, NULL, {{NULL, NULL}}},
};

static const csv_kind *find_kind(const char *name)
{
    if (!name)
        return NULL;
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
        if (!strcmp(kinds[i].kind, name))
            return &kinds[i];
    return NULL;
}

/* Does "path" match "pattern" ('*' = one segment)? */
static int matches(const char *pattern, const char *path)
{
    while (*pattern && *path) {
        if (*pattern == '*') {
            while (*path && *path != '.')
                path++;
            pattern++;
            continue;
        }
        if (*pattern != *path)
            return 0;
        pattern++;
        path++;
    }
    return *pattern == '\0' && *path == '\0';
}

static const char *unit_of(const csv_kind *k, const char *path)
{
    if (!k)
        return "";
    for (int u = 0; u < 3 && k->units[u].rules; u++) {
        size_t n = strlen(k->units[u].prefix);
        if (strncmp(path, k->units[u].prefix, n) != 0)
            continue;
        for (const unit_rule *r = k->units[u].rules; r->pattern; r++)
            if (matches(r->pattern, path + n))
                return r->suffix;
    }
    return "";
}

/* One row being built: column names (with units) and cell texts, in the order met. */
typedef struct {
    char **names, **cells;
    size_t n, cap;
    int failed;
} row;

static void row_set(row *r, const char *name, const char *cell)
{
    if (r->failed)
        return;
    if (r->n == r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 64;
        char **a = realloc(r->names, cap * sizeof *a);
        if (a)
            r->names = a;
        char **b = a ? realloc(r->cells, cap * sizeof *b) : NULL;
        if (!a || !b) {
            r->failed = 1;
            return;
        }
        r->cells = b;
        r->cap = cap;
    }
    r->names[r->n] = strdup(name);
    r->cells[r->n] = strdup(cell);
    if (!r->names[r->n] || !r->cells[r->n]) {
        free(r->names[r->n]);
        free(r->cells[r->n]);
        r->failed = 1;
        return;
    }
    r->n++;
}

static void row_free(row *r)
{
    for (size_t i = 0; i < r->n; i++) {
        free(r->names[i]);
        free(r->cells[i]);
    }
    free(r->names);
    free(r->cells);
}

/* A scalar as CSV cell text: numbers as JSON writes them (integers whole, reals with 17 digits), true/false,
 * strings as they are, null as an empty cell. */
static void scalar_text(lc_sbuf *b, const json_t *v)
{
    char num[64];
    if (json_is_integer(v)) {
        snprintf(num, sizeof num, "%lld", (long long)json_integer_value(v));
        lc_sb_puts(b, num);
    } else if (json_is_real(v)) {
        double x = json_real_value(v);
        if (isfinite(x)) {
            snprintf(num, sizeof num, "%.17g", x);
            lc_sb_puts(b, num);
        }
    } else if (json_is_true(v)) {
        lc_sb_puts(b, "true");
    } else if (json_is_false(v)) {
        lc_sb_puts(b, "false");
    } else if (json_is_string(v)) {
        lc_sb_add(b, json_string_value(v), json_string_length(v));
    }
}

static int is_scalar(const json_t *v)
{
    return !json_is_object(v) && !json_is_array(v);
}

/* Flattens "v" at "path" into the row: objects by key ("a.b"), arrays of scalars as one cell joined with " | ",
 * other arrays by index ("a.0.b"). */
static void flatten(row *r, const csv_kind *k, const char *path, const json_t *v)
{
    if (json_is_object(v)) {
        const char *key;
        json_t *x;
        json_object_foreach((json_t *)v, key, x)
        {
            if (!path[0] && !strcmp(key, "schema_version"))
                continue;
            size_t n = strlen(path) + strlen(key) + 2;
            char *p = malloc(n);
            if (!p) {
                r->failed = 1;
                return;
            }
            snprintf(p, n, "%s%s%s", path, path[0] ? "." : "", key);
            flatten(r, k, p, x);
            free(p);
        }
        return;
    }
    if (json_is_array(v)) {
        size_t i;
        json_t *x;
        int scalars = 1;
        json_array_foreach(v, i, x) scalars &= is_scalar(x);
        if (scalars) {
            lc_sbuf b = {0};
            json_array_foreach(v, i, x)
            {
                if (i)
                    lc_sb_puts(&b, " | ");
                scalar_text(&b, x);
            }
            if (b.failed)
                r->failed = 1;
            else
                row_set(r, path, b.s ? b.s : "");
            free(b.s);
            return;
        }
        json_array_foreach(v, i, x)
        {
            char *p = malloc(strlen(path) + 24);
            if (!p) {
                r->failed = 1;
                return;
            }
            sprintf(p, "%s.%zu", path, i);
            flatten(r, k, p, x);
            free(p);
        }
        return;
    }
    lc_sbuf b = {0};
    scalar_text(&b, v);
    const char *unit = json_is_number(v) ? unit_of(k, path) : "";
    size_t n = strlen(path) + strlen(unit) + 1;
    char *name = malloc(n);
    if (!name || b.failed) {
        free(name);
        free(b.s);
        r->failed = 1;
        return;
    }
    snprintf(name, n, "%s%s", path, unit);
    row_set(r, name, b.s ? b.s : "");
    free(name);
    free(b.s);
}

/* RFC 4180: a field holding a comma, a quote, CR or LF is quoted, its quotes doubled. */
int llmcost_json_to_csv(char **out, const char *json, const char *kind)
{
    if (out)
        *out = NULL;
    if (!out || !json)
        return lc_fail(LLMCOST_EINVAL, "llmcost_json_to_csv: NULL argument");
    const csv_kind *k = find_kind(kind);
    if (kind && !k)
        return lc_fail(LLMCOST_EINVAL, "llmcost_json_to_csv: unknown document kind '%s'", kind);
    json_error_t err;
    json_t *doc = json_loads(json, 0, &err);
    if (!doc)
        return lc_fail(LLMCOST_EINVAL, "llmcost_json_to_csv: not a JSON document (line %d: %s)", err.line, err.text);
    /* The rows: a sweep's "results", the kind's array, else the document itself. */
    const json_t *rows = json_object_get(doc, "results");
    if (!json_is_array(rows))
        rows = k && k->rows ? json_object_get(doc, k->rows) : NULL;
    if (k && k->rows_else && json_array_size(rows) == 0 && json_array_size(json_object_get(doc, k->rows_else)))
        rows = json_object_get(doc, k->rows_else);
    size_t nrows = rows ? json_array_size(rows) : 1;
    if (rows && !json_is_array(rows)) {
        json_decref(doc);
        return lc_fail(LLMCOST_EINVAL, "llmcost_json_to_csv: \"%s\" is not an array", k->rows);
    }
    row *rs = calloc(nrows ? nrows : 1, sizeof *rs);
    int failed = !rs;
    for (size_t i = 0; !failed && i < nrows; i++) {
        flatten(&rs[i], k, "", rows ? json_array_get(rows, i) : doc);
        failed |= rs[i].failed;
    }
    /* The header: every column met, in the order first met (rows of a sweep may differ: a job that does not fit
     * lists its fixes). */
    row hdr = {0};
    for (size_t i = 0; !failed && i < nrows; i++)
        for (size_t c = 0; c < rs[i].n; c++) {
            size_t h = 0;
            while (h < hdr.n && strcmp(hdr.names[h], rs[i].names[c]) != 0)
                h++;
            if (h == hdr.n)
                row_set(&hdr, rs[i].names[c], "");
            failed |= hdr.failed;
        }
    lc_sbuf b = {0};
    lc_sb_puts(&b, ""); /* no rows: an empty document */
    for (size_t h = 0; !failed && h < hdr.n; h++) {
        if (h)
            lc_sb_puts(&b, ",");
        lc_csv_field(&b, hdr.names[h]);
    }
    if (hdr.n)
        lc_sb_puts(&b, "\r\n");
    for (size_t i = 0; !failed && i < nrows; i++) {
        for (size_t h = 0; h < hdr.n; h++) {
            if (h)
                lc_sb_puts(&b, ",");
            /* Usually the same column position: look there first. */
            size_t c = h < rs[i].n && !strcmp(rs[i].names[h], hdr.names[h]) ? h : 0;
            while (c < rs[i].n && strcmp(rs[i].names[c], hdr.names[h]) != 0)
                c++;
            if (c < rs[i].n)
                lc_csv_field(&b, rs[i].cells[c]);
        }
        lc_sb_puts(&b, "\r\n");
    }
    failed |= b.failed;
    for (size_t i = 0; rs && i < nrows; i++)
        row_free(&rs[i]);
    free(rs);
    row_free(&hdr);
    json_decref(doc);
    if (failed) {
        free(b.s);
        return lc_fail(LLMCOST_ENOMEM, "out of memory");
    }
    *out = b.s;
    return 0;
}

/* The llmcost_X_to_csv() family: the JSON document, flattened. */
static int via_json(char **out, int rc, char *json, const char *kind)
{
    if (rc < 0)
        return rc;
    rc = llmcost_json_to_csv(out, json, kind);
    llmcost_free(json);
    return rc;
}

int llmcost_params_to_csv(char **out, const llmcost_params *p, const llmcost_model *m)
{
    char *j = NULL;
    int rc = llmcost_params_to_json(&j, p, m);
    return via_json(out, rc, j, "params");
}

int llmcost_flops_to_csv(char **out, const llmcost_flops *f, const llmcost_model *m, const llmcost_flops_options *o,
                         double tokens)
{
    char *j = NULL;
    int rc = llmcost_flops_to_json(&j, f, m, o, tokens);
    return via_json(out, rc, j, "flops");
}

int llmcost_memory_to_csv(char **out, const llmcost_memory *r, const llmcost_model *m, const llmcost_memory_options *o,
                          const llmcost_gpu *gpu, double headroom, int64_t max_micro_batch)
{
    char *j = NULL;
    int rc = llmcost_memory_to_json(&j, r, m, o, gpu, headroom, max_micro_batch);
    return via_json(out, rc, j, "memory");
}

int llmcost_course_layer_to_csv(char **out, const llmcost_course_layer *c, const llmcost_model *m, int64_t seq)
{
    char *j = NULL;
    int rc = llmcost_course_layer_to_json(&j, c, m, seq);
    return via_json(out, rc, j, "course_layer");
}

int llmcost_step_to_csv(char **out, const llmcost_step *s, const llmcost_model *m, const llmcost_gpu *g,
                        const llmcost_step_options *o, const char *assumptions)
{
    char *j = NULL;
    int rc = llmcost_step_to_json(&j, s, m, g, o, assumptions);
    return via_json(out, rc, j, "step");
}

int llmcost_train_to_csv(char **out, const llmcost_train *t, const llmcost_model *m, const llmcost_gpu *g,
                         const llmcost_train_options *o, const char *assumptions)
{
    char *j = NULL;
    int rc = llmcost_train_to_json(&j, t, m, g, o, assumptions);
    return via_json(out, rc, j, "train");
}

int llmcost_published_to_csv(char **out, const llmcost_published *p, size_t n)
{
    char *j = NULL;
    int rc = llmcost_published_to_json(&j, p, n);
    return via_json(out, rc, j, "published");
}

int llmcost_validation_to_csv(char **out, const llmcost_validation_case *v, size_t n, const char *suite,
                              bool failures_only)
{
    char *j = NULL;
    int rc = llmcost_validation_to_json(&j, v, n, suite, failures_only);
    return via_json(out, rc, j, "validation");
}

int llmcost_course_answers_to_csv(char **out, const llmcost_course_answers *c, const llmcost_model *m)
{
    char *j = NULL;
    int rc = llmcost_course_answers_to_json(&j, c, m);
    return via_json(out, rc, j, "course_layer");
}

int llmcost_budget_to_csv(char **out, const llmcost_budget *b, const char *config_file)
{
    char *j = NULL;
    int rc = llmcost_budget_to_json(&j, b, config_file);
    return via_json(out, rc, j, "budget");
}
