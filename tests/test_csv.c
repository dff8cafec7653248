/* test_csv.c - `--format csv` is one tidy RFC 4180 table per command: read back with a strict reader written here,
 * it has one header row, the same number of fields in every record, raw numbers only, and every cell equals the
 * value of the same run's JSON at the path its column names. */
#define _POSIX_C_SOURCE 200809L
#include <criterion/criterion.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"
#include "llmcost/llmcost.h"

/* ---- the JSON value a column names ---- */

static const json_t *at_path(const json_t *v, const char *path)
{
    char *p = strdup(path), *save = NULL;
    for (char *seg = strtok_r(p, ".", &save); seg && v; seg = strtok_r(NULL, ".", &save)) {
        if (json_is_object(v))
            v = json_object_get(v, seg);
        else if (json_is_array(v))
            v = json_array_get(v, (size_t)strtoul(seg, NULL, 10));
        else
            v = NULL;
    }
    free(p);
    return v;
}

/* The column's value: its path, or its path less the unit the CSV added ("components.weights_bytes"). */
static const json_t *column_value(const json_t *row, const char *name)
{
    const json_t *v = at_path(row, name);
    if (v)
        return v;
    static const char *const units[] = {"_bytes", "_seconds", "_flop"};
    for (int u = 0; u < 3; u++) {
        size_t n = strlen(name), k = strlen(units[u]);
        if (n > k && !strcmp(name + n - k, units[u])) {
            char *base = strndup(name, n - k);
            v = at_path(row, base);
            free(base);
            if (v)
                return v;
        }
    }
    return NULL;
}

/* A raw number: what strtod reads whole (no thousands separators, no units, no '%'). */
static bool raw_number(const char *s, double *x)
{
    char *end;
    if (!*s)
        return false;
    *x = strtod(s, &end);
    return *end == '\0';
}

/* Checks the CSV of "argv" against the JSON of the same command line; "rows" names the JSON array holding the
 * rows (NULL: the document is the one row). Returns the number of data records. */
static int check_csv(const char *const *argv, const char *rows)
{
    const char *a[64];
    int n = 0;
    for (; argv[n]; n++)
        a[n] = argv[n];
    a[n] = "--format";
    a[n + 1] = "csv";
    a[n + 2] = NULL;
    run_result c = run_cli(a);
    a[n + 1] = "json";
    run_result j = run_cli(a);
    cr_assert(c.status == j.status && c.status >= 0 && c.status <= 1, "%s: exit %d / %d: %s", argv[0], c.status, j.status,
              c.err);
    json_error_t e;
    json_t *doc = json_loads(j.out, 0, &e);
    cr_assert(doc, "%s: JSON does not parse: %s", argv[0], e.text);
    csv_doc d;
    cr_assert(rfc4180_read(&d, c.out) == 0, "%s %s: not RFC 4180: %s\n%.300s", argv[0], argv[1] ? argv[1] : "", d.err, c.out);
    cr_assert(d.n >= 2, "%s: %d records: a header and at least one row expected", argv[0], d.n);
    const json_t *arr = rows ? json_object_get(doc, rows) : NULL;
    cr_assert(!rows || json_is_array(arr), "%s: no \"%s\" array", argv[0], rows);
    cr_assert_eq((size_t)(d.n - 1), rows ? json_array_size(arr) : 1u, "%s: %d rows", argv[0], d.n - 1);
    int cols = d.nf[0];
    for (int h = 0; h < cols; h++)
        for (int k = 0; k < h; k++)
            cr_assert(strcmp(d.rec[0][h], d.rec[0][k]) != 0, "%s: column '%s' twice", argv[0], d.rec[0][h]);
    for (int r = 1; r < d.n; r++) {
        cr_assert_eq(d.nf[r], cols, "%s: record %d has %d fields, the header %d", argv[0], r + 1, d.nf[r], cols);
        const json_t *row = rows ? json_array_get(arr, (size_t)r - 1) : doc;
        for (int f = 0; f < cols; f++) {
            const char *name = d.rec[0][f], *cell = d.rec[r][f];
            /* A header never holds a number where a name belongs, and is one of the JSON's paths. */
            const json_t *v = column_value(row, name);
            if (!v) {
                /* A value this row has not (a case without a note): an empty cell, and another row has it. */
                cr_assert_str_eq(cell, "", "%s: column '%s' row %d names no JSON value", argv[0], name, r);
                bool somewhere = false;
                for (size_t k = 0; rows && k < json_array_size(arr); k++)
                    somewhere |= column_value(json_array_get(arr, k), name) != NULL;
                cr_assert(somewhere, "%s: column '%s' names no JSON value", argv[0], name);
            } else if (json_is_number(v)) {
                double x;
                cr_assert(raw_number(cell, &x), "%s: column '%s' row %d: '%s' is not a raw number", argv[0], name, r,
                          cell);
                double want = json_number_value(v);
                cr_assert(x == want, "%s: column '%s' row %d: CSV %s, JSON %.17g", argv[0], name, r, cell, want);
            } else if (json_is_string(v)) {
                cr_assert_str_eq(cell, json_string_value(v), "%s: column '%s' row %d", argv[0], name, r);
            } else if (json_is_boolean(v)) {
                cr_assert_str_eq(cell, json_is_true(v) ? "true" : "false", "%s: column '%s'", argv[0], name);
            } else if (json_is_null(v)) {
                cr_assert_str_eq(cell, "", "%s: column '%s'", argv[0], name);
            } else if (json_is_array(v)) {
                /* An array of strings or numbers: one cell, its elements joined with " | ". */
                size_t k;
                json_t *x;
                char want[8192] = "";
                json_array_foreach(v, k, x)
                {
                    cr_assert(!json_is_object(x) && !json_is_array(x), "%s: '%s' holds objects", argv[0], name);
                    size_t l = strlen(want);
                    if (json_is_string(x))
                        snprintf(want + l, sizeof want - l, "%s%s", k ? " | " : "", json_string_value(x));
                    else
                        snprintf(want + l, sizeof want - l, "%s%.17g", k ? " | " : "", json_number_value(x));
                }
                if (json_array_size(v) && json_is_string(json_array_get(v, 0)))
                    cr_assert_str_eq(cell, want, "%s: column '%s'", argv[0], name);
            } else {
                cr_assert_fail("%s: column '%s' is an object", argv[0], name);
            }
        }
    }
    rfc4180_free(&d);
    json_decref(doc);
    run_free(&c);
    run_free(&j);
    return d.n - 1;
}

Test(csv, params_flops_memory_are_one_row_each)
{
    const char *p[] = {"params", "deepseek-v3", NULL};
    check_csv(p, NULL);
    const char *f[] = {"flops", "llama-3.1-405b", "--tokens", "15.6T", NULL};
    check_csv(f, NULL);
    const char *fs[] = {"flops", "llama-3.1-8b", "--sweep-seq", "1k,4k,32k", "--sweep-only", NULL};
    cr_expect_eq(check_csv(fs, "sweep"), 3);
    const char *m[] = {"memory", "llama-3.1-405b", "--tp", "8", "--pp", "16", "--vpp", "8", "--gpus", "16384", "--zero",
                       "1", "--seq", "8192", "--precision", "bf16-master", "--framework", "megatron", NULL};
    check_csv(m, NULL);
    const char *c[] = {"memory", "deepseek-v3", "--course-layer", NULL};
    check_csv(c, NULL);
}

Test(csv, step_train_and_report)
{
    const char *s[] = {"step", "deepseek-v3", "--gpu", "h800", "--framework", "megatron", "--precision", "fp8", "--pp", "16",
                       "--ep", "64", "--gpus", "2048", "--zero", "1", "--seq", "4096", "--global-batch", "15M",
                       "--ep-overlap", NULL};
    check_csv(s, NULL);
    const char *nf[] = {"step", "llama-3.1-70b", "--gpu", "h100", "--gpus", "512", NULL}; /* does not fit: fixes */
    check_csv(nf, NULL);
    const char *t[] = {"train", "llama-3.1-8b", "--tokens", "1T", "--gpu", "h100", "--gpus", "512", "--tp", "2", NULL};
    check_csv(t, NULL);
    const char *pub[] = {"train", "--published", NULL};
    cr_expect_gt(check_csv(pub, "published"), 10);
    const char *r[] = {"report", "llama-3.1-405b", NULL};
    check_csv(r, NULL);
}

Test(csv, catalogues_and_lists)
{
    const char *g[] = {"gpus", NULL};
    cr_expect_gt(check_csv(g, "gpus"), 10);
    const char *m[] = {"models", NULL};
    cr_expect_gt(check_csv(m, "models"), 50);
    const char *v[] = {"validate", NULL};
    cr_expect_gt(check_csv(v, "cases"), 100);
    const char *l[] = {"scaling", "laws", NULL};
    cr_expect_gt(check_csv(l, "laws"), 2);
    const char *p[] = {"plan", "llama-3-8b", "--gpus", "64", "--gpu", "h100", "--global-batch", "4M", NULL};
    cr_expect_gt(check_csv(p, "layouts"), 1);
}

/* Units are in the header, never in the cells: a column of bytes, seconds or FLOP says so. */
Test(csv, units_in_the_header)
{
    const char *m[] = {"memory", "llama-7b", "--format", "csv", NULL};
    run_result r = run_cli(m);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_expect(strstr(r.out, "components.weights_bytes,") && strstr(r.out, "peak_bytes,"), "%.400s", r.out);
    cr_expect(!strstr(r.out, "GiB") && !strstr(r.out, "MiB"), "%.400s", r.out);
    run_free(&r);
    const char *s[] = {"step", "llama-7b", "--format", "csv", NULL};
    r = run_cli(s);
    cr_expect(strstr(r.out, "components.matmul_seconds,") && strstr(r.out, "step_seconds,"), "%.400s", r.out);
    run_free(&r);
    const char *f[] = {"flops", "llama-7b", "--format", "csv", NULL};
    r = run_cli(f);
    cr_expect(strstr(r.out, "forward_flop,") && strstr(r.out, "conventions.palm_flop,"), "%.400s", r.out);
    cr_expect(!strstr(r.out, "TFLOP"), "%.400s", r.out);
    run_free(&r);
    const char *t[] = {"train", "llama-7b", "--tokens", "1T", "--gpu", "a100-80gb", "--gpus", "64", "--format", "csv", NULL};
    r = run_cli(t);
    cr_expect(strstr(r.out, "cost_usd,") && strstr(r.out, "wall_seconds,"), "%.400s", r.out);
    run_free(&r);
}

/* The library writes the CSV (Python and the web page reuse it): llmcost_params_to_csv() is what the CLI prints. */
Test(csv, the_library_writes_what_the_cli_prints)
{
    llmcost_model *m;
    cr_assert_eq(llmcost_model_load(&m, "llama-3-8b"), 0, "%s", llmcost_errmsg());
    llmcost_params p;
    cr_assert_eq(llmcost_params_count(&p, m), 0);
    char *csv;
    cr_assert_eq(llmcost_params_to_csv(&csv, &p, m), 0, "%s", llmcost_errmsg());
    const char *argv[] = {"params", "llama-3-8b", "--format", "csv", NULL};
    run_result r = run_cli(argv);
    cr_expect_str_eq(r.out, csv);
    cr_expect(strncmp(csv, "model,total,active,", 19) == 0, "%.200s", csv);
    llmcost_free(csv);
    run_free(&r);
    llmcost_model_free(m);
    /* Not JSON, or a kind it does not know: refused, not guessed. */
    cr_expect_eq(llmcost_json_to_csv(&csv, "{\"a\": ", NULL), LLMCOST_EINVAL);
    cr_expect_eq(csv, NULL);
    cr_expect_eq(llmcost_json_to_csv(&csv, "{}", "nonsense"), LLMCOST_EINVAL);
    /* Quoting: a comma, a quote and a newline inside a field. */
    cr_assert_eq(llmcost_json_to_csv(&csv, "{\"s\": \"a,b \\\"c\\\"\\nd\", \"n\": 1.5, \"t\": true, \"z\": null}", NULL), 0);
    cr_expect_str_eq(csv, "s,n,t,z\r\n\"a,b \"\"c\"\"\nd\",1.5,true,\r\n");
    llmcost_free(csv);
}

Test(csv, budget_is_a_row_per_candidate_gpu)
{
    const char *b[] = {"budget", "--dollars", "5e6", "--price-list", "course", "--law", "course", NULL};
    cr_expect_eq(check_csv(b, "gpus"), 3); /* the course's A100, V100, T4 */
    const char *m[] = {"budget", "--dollars", "5e6", "--gpu", "h100,a100", "--gpus", "16", "--model-mfu", NULL};
    cr_expect_eq(check_csv(m, "gpus"), 2); /* the best row carries fits, peak_bytes, capacity_bytes */
}
