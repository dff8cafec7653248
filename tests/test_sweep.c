/* test_sweep.c - a job flag given a comma list runs every combination in memory, step and train: one row per
 * combination (text and CSV), a "results" array in JSON, each result exactly the single run of the same flags. */
#define _POSIX_C_SOURCE 200809L
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"

static json_t *run_json(const char *const *argv)
{
    const char *a[64];
    int n = 0;
    for (; argv[n]; n++)
        a[n] = argv[n];
    a[n] = "--format";
    a[n + 1] = "json";
    a[n + 2] = NULL;
    run_result r = run_cli(a);
    cr_assert_eq(r.status, 0, "%s: %s", argv[0], r.err);
    json_error_t e;
    json_t *doc = json_loads(r.out, 0, &e);
    cr_assert(doc, "%s", e.text);
    run_free(&r);
    return doc;
}

/* The sweep "argv" (with lists) has "expect" results, and result i equals the single run of "singles[i]". */
static void check_sweep(const char *const *argv, const char *const singles[][40], size_t expect)
{
    json_t *doc = run_json(argv);
    json_t *res = json_object_get(doc, "results");
    cr_assert_eq(json_array_size(res), expect, "%s: %zu results", argv[0], json_array_size(res));
    cr_expect_eq(json_integer_value(json_object_get(doc, "combinations")), (json_int_t)expect);
    for (size_t i = 0; i < expect; i++) {
        json_t *one = run_json(singles[i]);
        json_object_del(one, "schema_version");
        json_t *got = json_deep_copy(json_array_get(res, i));
        cr_assert(json_object_get(got, "sweep"), "result %zu has no sweep values", i);
        json_object_del(got, "sweep");
        char *a = json_dumps(got, JSON_SORT_KEYS), *b = json_dumps(one, JSON_SORT_KEYS);
        cr_expect(json_equal(got, one), "%s result %zu differs from its single run:\n%.600s\n---\n%.600s", argv[0], i, a, b);
        free(a);
        free(b);
        json_decref(got);
        json_decref(one);
    }
    json_decref(doc);
}

Test(sweep, memory_every_combination_equals_its_single_run)
{
    const char *argv[] = {"memory", "llama-3-8b", "--micro-batch", "1,2,4", "--gpu", "h100,h200", NULL};
    const char *const singles[][40] = {
        {"memory", "llama-3-8b", "--micro-batch", "1", "--gpu", "h100", NULL},
        {"memory", "llama-3-8b", "--micro-batch", "1", "--gpu", "h200", NULL},
        {"memory", "llama-3-8b", "--micro-batch", "2", "--gpu", "h100", NULL},
        {"memory", "llama-3-8b", "--micro-batch", "2", "--gpu", "h200", NULL},
        {"memory", "llama-3-8b", "--micro-batch", "4", "--gpu", "h100", NULL},
        {"memory", "llama-3-8b", "--micro-batch", "4", "--gpu", "h200", NULL},
    };
    check_sweep(argv, singles, 6);
    /* The swept values as each flag reads them: --seq 4k is 4096. */
    const char *s[] = {"memory", "llama-3-8b", "--seq", "4k,8k", NULL};
    json_t *doc = run_json(s);
    json_t *r1 = json_array_get(json_object_get(doc, "results"), 1);
    cr_expect_eq(json_integer_value(json_object_get(json_object_get(r1, "sweep"), "seq")), 8192);
    cr_expect_eq(json_integer_value(json_object_get(r1, "seq")), 8192);
    json_decref(doc);
}

Test(sweep, step_and_train_every_combination_equals_its_single_run)
{
    const char *argv[] = {"step", "llama-3.1-8b", "--gpu", "h100", "--gpus", "8", "--seq", "4k,8k", "--tp", "1,2",
                          "--zero", "1,3", NULL};
    const char *const singles[][40] = {
        {"step", "llama-3.1-8b", "--gpu", "h100", "--gpus", "8", "--seq", "4k", "--tp", "1", "--zero", "1", NULL},
        {"step", "llama-3.1-8b", "--gpu", "h100", "--gpus", "8", "--seq", "4k", "--tp", "1", "--zero", "3", NULL},
        {"step", "llama-3.1-8b", "--gpu", "h100", "--gpus", "8", "--seq", "4k", "--tp", "2", "--zero", "1", NULL},
        {"step", "llama-3.1-8b", "--gpu", "h100", "--gpus", "8", "--seq", "4k", "--tp", "2", "--zero", "3", NULL},
        {"step", "llama-3.1-8b", "--gpu", "h100", "--gpus", "8", "--seq", "8k", "--tp", "1", "--zero", "1", NULL},
        {"step", "llama-3.1-8b", "--gpu", "h100", "--gpus", "8", "--seq", "8k", "--tp", "1", "--zero", "3", NULL},
        {"step", "llama-3.1-8b", "--gpu", "h100", "--gpus", "8", "--seq", "8k", "--tp", "2", "--zero", "1", NULL},
        {"step", "llama-3.1-8b", "--gpu", "h100", "--gpus", "8", "--seq", "8k", "--tp", "2", "--zero", "3", NULL},
    };
    check_sweep(argv, singles, 8);
    const char *t[] = {"train", "llama-7b", "--tokens", "1T", "--gpus", "64", "--gpu=h100,a100-80gb", "--precision",
                       "bf16,bf16-master", NULL};
    const char *const ts[][40] = {
        {"train", "llama-7b", "--tokens", "1T", "--gpus", "64", "--gpu=h100", "--precision", "bf16", NULL},
        {"train", "llama-7b", "--tokens", "1T", "--gpus", "64", "--gpu=h100", "--precision", "bf16-master", NULL},
        {"train", "llama-7b", "--tokens", "1T", "--gpus", "64", "--gpu=a100-80gb", "--precision", "bf16", NULL},
        {"train", "llama-7b", "--tokens", "1T", "--gpus", "64", "--gpu=a100-80gb", "--precision", "bf16-master", NULL},
    };
    check_sweep(t, ts, 4);
}

/* Text: one table, a row per combination; CSV: a header and a row per combination, the swept values first. */
Test(sweep, text_and_csv_have_one_row_per_combination)
{
    const char *argv[] = {"step", "llama-3-8b", "--micro-batch", "1,2", "--seq", "2k,4k,8k", "--gpu", "h200", NULL};
    run_result r = run_cli(argv);
    cr_assert_eq(r.status, 0, "%s", r.err);
    const char *rule = strstr(r.out, "\n---");
    cr_assert(rule, "%s", r.out);
    const char *p = strchr(rule + 1, '\n') + 1;
    int rows = 0;
    while (*p && *p != '\n') {
        rows++;
        p = strchr(p, '\n');
        if (!p)
            break;
        p++;
    }
    cr_expect_eq(rows, 6, "%s", r.out);
    cr_expect(strstr(r.out, "micro-batch") && strstr(r.out, "MFU"), "%s", r.out);
    run_free(&r);

    const char *c[] = {"step", "llama-3-8b", "--micro-batch", "1,2", "--seq", "2k,4k,8k", "--gpu", "h200", "--format",
                       "csv", NULL};
    r = run_cli(c);
    cr_assert_eq(r.status, 0, "%s", r.err);
    csv_doc d;
    cr_assert_eq(rfc4180_read(&d, r.out), 0, "%s", d.err);
    cr_assert_eq(d.n, 7, "%d records", d.n);
    cr_expect_str_eq(d.rec[0][0], "sweep.micro_batch");
    cr_expect_str_eq(d.rec[0][1], "sweep.seq");
    for (int i = 1; i < d.n; i++)
        cr_expect_eq(d.nf[i], d.nf[0]);
    /* Row 6 is micro-batch 2, seq 8k: its step time is the single run's. */
    cr_expect_str_eq(d.rec[6][0], "2");
    cr_expect_str_eq(d.rec[6][1], "8192");
    int col = -1;
    for (int f = 0; f < d.nf[0]; f++)
        if (!strcmp(d.rec[0][f], "step_seconds"))
            col = f;
    cr_assert_geq(col, 0);
    const char *one[] = {"step", "llama-3-8b", "--micro-batch", "2", "--seq", "8k", "--gpu", "h200", NULL};
    json_t *j = run_json(one);
    cr_expect_eq(strtod(d.rec[6][col], NULL), json_real_value(json_object_get(j, "step_seconds")));
    json_decref(j);
    rfc4180_free(&d);
    run_free(&r);
}

Test(sweep, bad_lists_are_refused_with_the_flag_and_element)
{
    struct {
        const char *flag, *list, *says;
    } cases[] = {
        {"--micro-batch", "1,x", "'x'"},
        {"--micro-batch", "1,,2", "empty element"},
        {"--precision", "bf16,fp9", "'fp9'"},
        {"--gpu", "h100,h900", "h900"},
        {"--tp", "1,3", "--tp 3"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *argv[] = {"step", "llama-3-8b", cases[i].flag, cases[i].list, NULL};
        run_result r = run_cli(argv);
        cr_expect_eq(r.status, 2, "%s %s: exit %d", cases[i].flag, cases[i].list, r.status);
        cr_expect(count_lines(r.err) == 1 && strstr(r.err, cases[i].flag) && strstr(r.err, cases[i].says),
                  "%s %s: %s", cases[i].flag, cases[i].list, r.err);
        cr_expect_str_eq(r.out, "");
        run_free(&r);
    }
    /* 25 x 25 x 20 = 12,500 combinations: over the cap, refused before any runs. */
    char a[128] = "", b[128] = "", c[128] = "";
    for (int k = 1; k <= 25; k++)
        snprintf(a + strlen(a), sizeof a - strlen(a), "%s%d", k > 1 ? "," : "", k);
    snprintf(b, sizeof b, "%s", a);
    for (int k = 1; k <= 20; k++)
        snprintf(c + strlen(c), sizeof c - strlen(c), "%s%d", k > 1 ? "," : "", k);
    const char *argv[] = {"memory", "llama-3-8b", "--micro-batch", a, "--seq", b, "--grad-accum", c, NULL};
    run_result r = run_cli(argv);
    cr_expect_eq(r.status, 2);
    cr_expect(strstr(r.err, "10000 combinations") && count_lines(r.err) == 1, "%s", r.err);
    run_free(&r);
}
