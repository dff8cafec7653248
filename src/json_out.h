/* json_out.h - the library's private JSON writing helpers, shared by every result-to-JSON file (output.c,
 * plan_json.c, design.c). Not installed: json_t never appears in a public header. */
#ifndef LLMCOST_JSON_OUT_H
#define LLMCOST_JSON_OUT_H

#include <jansson.h>
#include <stdint.h>

/* An int64 as a JSON integer. */
json_t *lc_json_int(int64_t v);

/* Integral values as integers ("peak_bytes": 16699464089), others with full precision; a non-finite value becomes
 * null, which lc_json_text refuses (LLMCOST_EOVERFLOW naming the key): no document carries a null number. */
json_t *lc_json_real(double v);

/* The lines of "text" (newline-separated, empty ones skipped) as an array of strings. */
json_t *lc_json_lines(const char *text);

struct llmcost_law;
/* A law's object as `llmcost scaling laws`, the budget and law files write it (list_json.c). */
json_t *lc_law_json(const struct llmcost_law *l);

struct llmcost_fit_advice;
struct llmcost_model;
struct llmcost_gpu;
struct llmcost_job;
/* "nearest_fit" set in "doc" from the advice for job "j" on "gpu" when it has a nearest layout: the layout as
 * `llmcost plan` lists it, with "changes" (plan_json.c). 0 or a failure. */
int lc_nearest_fit_json(json_t *doc, const struct llmcost_fit_advice *a, const struct llmcost_model *m,
                        const struct llmcost_gpu *gpu, const struct llmcost_job *j);

/* 1 when "v" holds a null, with its key path appended to "path" ("train.cost_usd"); else 0, "path" unchanged. */
int lc_json_null_path(char *path, size_t size, const json_t *v);

/* Writes "doc" (consumed; NULL counts as out of memory) into *out as indented text in key order, reals with
 * "precision" significant digits, ending with a newline; *out is freed with llmcost_free(). 0 or LLMCOST_ENOMEM. */
int lc_json_text(char **out, json_t *doc, int precision);

#endif
