/* output.h - results as JSON text: the field names the CLI, the Python binding and the web page share. */
#ifndef LLMCOST_OUTPUT_H
#define LLMCOST_OUTPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "budget.h"
#include "common.h"
#include "flops.h"
#include "hardware.h"
#include "job.h"
#include "memory.h"
#include "model.h"
#include "params.h"
#include "scaling.h"
#include "step.h"
#include "train.h"
#include "validate.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Each llmcost_X_to_json() writes one JSON document, exactly what `llmcost X --format json` prints (two-space
 * indent, keys in a fixed order, a final newline), into a new string *out that the caller frees with
 * llmcost_free(). Every document starts with "schema_version" (LLMCOST_SCHEMA_VERSION) and "model" (the model's
 * name) where a model is involved. Numbers are raw, in base units, with the unit in the key when it has one
 * ("peak_bytes", "step_seconds", "cost_usd", "model_flops_per_step"); integral values print as integers; a value
 * that is not finite prints as null. Returns 0, or LLMCOST_ENOMEM / LLMCOST_EINVAL (a NULL argument) with *out
 * set to NULL.
 *
 * The schema grows by adding keys; a key is renamed or removed only with a new LLMCOST_SCHEMA_VERSION.
 */
#define LLMCOST_SCHEMA_VERSION 1

/* `llmcost params`: totals, "components" by llmcost_param_component_name(), buffers, MTP modules. */
int llmcost_params_to_json(char **out, const llmcost_params *p, const llmcost_model *m);

/* `llmcost flops`: per-step forward/backward/recompute FLOPs, per component, the conventions side by side
 * (llmcost_flops_convention()); "tokens" > 0 adds a "training" object for a run of that many tokens. */
int llmcost_flops_to_json(char **out, const llmcost_flops *f, const llmcost_model *m, const llmcost_flops_options *o,
                          double tokens);

/* `llmcost flops --sweep-seq LIST`: "model", then the sweep's points ("sweep": seq, attention_share, per_token,
 * six_nd_total_per_token, six_nd_active_per_token), then, given the step's "f" (computed with "o"; NULL with
 * --sweep-only), the keys of llmcost_flops_to_json() for it ("tokens" as there). */
int llmcost_flops_sweep_to_json(char **out, const llmcost_model *m, const llmcost_flops_sweep_point *pts, size_t n,
                                const llmcost_flops *f, const llmcost_flops_options *o, double tokens);

/* `llmcost memory`: the breakdown and peak of "r" (computed with "o"). With "gpu" (may be NULL): its capacity,
 * "fits" (the predicted reserve within capacity x (1 - headroom) less the CUDA context), and "max_micro_batch"
 * (as llmcost_memory_max_micro_batch() found it). */
/*
 * What a LoRA / QLoRA job "job" holds, in words, into "buf" ("frozen base in NF4 ...; adapters, their gradients and
 * adamw states in fp32 (PEFT's adapter dtype)"), as the memory engine sizes it: the frozen base in its storage format
 * (the recipe's 16 or 32 bits, or the quantised Linears with their scales and the parts left in 16 bits) and the
 * adapters' dtype (adapter_dtype, else the framework's). Empty for pre-training and full fine-tuning. 0, or
 * LLMCOST_EINVAL for a NULL argument.
 */
int llmcost_finetune_holdings_text(char *buf, size_t n, const llmcost_job *job);

int llmcost_memory_to_json(char **out, const llmcost_memory *r, const llmcost_model *m, const llmcost_memory_options *o,
                           const llmcost_gpu *gpu, double headroom, int64_t max_micro_batch);

/* `llmcost memory --course-layer`. */
int llmcost_course_layer_to_json(char **out, const llmcost_course_layer *c, const llmcost_model *m, int64_t seq);

/* `llmcost memory --course-layer` (and the course's one layer): the course's layer with the keys above, which
 * layer it is ("layer", "layer_kind": "dense" or "moe"), its "forward_flops", and "other_layer" (the first layer of
 * the other kind, labelled the same way) when the model has both kinds. */
int llmcost_course_answers_to_json(char **out, const llmcost_course_answers *c, const llmcost_model *m);

/* `llmcost budget`: the question, the best GPU, C, N, D, loss, cost, GPU-hours, wall-clock, the law, every
 * candidate ("gpus", each with the question answered on it), every bundled law ("laws"), the designed model
 * ("config", with "file" = "config_file" when not NULL) and, with model_mfu, "fits", "peak_bytes" (the memory
 * engine's peak), "capacity_bytes", "required_bytes", "usable_bytes" of the job the MFU comes from on the best GPU
 * ("mfu_job"), the single changes that make it fit ("fixes") and, when it does not, a job that fits on the same
 * GPUs ("fits_on_these_gpus_as"). */
int llmcost_budget_to_json(char **out, const llmcost_budget *b, const char *config_file);

/* `llmcost step`: times, rates, MFU/HFU, the breakdown by llmcost_step_component_name(), the resolved layout.
 * "assumptions" (may be NULL): the assumed values, one per line, as the "assumptions" array. */
int llmcost_step_to_json(char **out, const llmcost_step *s, const llmcost_model *m, const llmcost_gpu *g,
                         const llmcost_step_options *o, const char *assumptions);

/* `llmcost train`: steps, wall-clock, GPU-hours, cost, energy, CO2, and the step as "step". */
int llmcost_train_to_json(char **out, const llmcost_train *t, const llmcost_model *m, const llmcost_gpu *g,
                          const llmcost_train_options *o, const char *assumptions);

/* `llmcost train --published`: each published run's reported and predicted figure. */
int llmcost_published_to_json(char **out, const llmcost_published *p, size_t n);

/* `llmcost validate`: the cases whose suite contains "suite" (NULL: every case), only the failing ones when
 * "failures_only"; "total" counts every case, "failed" the failing ones among those of "suite". */
int llmcost_validation_to_json(char **out, const llmcost_validation_case *v, size_t n, const char *suite,
                               bool failures_only);

/* The model's architecture as read (the "model" object of `llmcost report`). */
int llmcost_model_to_json(char **out, const llmcost_model *m);

/* `llmcost gpus --gpu NAME`: {"gpu": {...}}, the GPU's fields with peaks in FLOP/s, memory in bytes, bandwidths
 * in bytes/s ("aliases" as an array). "g" may be a catalogue entry or a copy the caller changed. */
int llmcost_gpu_to_json(char **out, const llmcost_gpu *g);

/* `llmcost gpus`: every GPU of "cat" ("gpus", as in llmcost_gpu_to_json) and its named price lists
 * ("price_lists"); with "price_lists_only" (`llmcost gpus --price-lists`), the price lists alone. "cat" NULL: the
 * process default catalogue. */
int llmcost_catalog_to_json(char **out, const llmcost_catalog *cat, bool price_lists_only);

/* `llmcost models`: each bundled preset's name, family, model_type, total and active parameters ("models"). */
int llmcost_presets_to_json(char **out);

/* `llmcost scaling laws`: the bundled laws ("laws"), each with its constants, what N counts, its source and the
 * compute-optimal tokens per parameter at 1e24 FLOP. */
int llmcost_laws_to_json(char **out);

/* One law as a law file (`llmcost scaling fit --save`): the keys llmcost_scaling_law_load_json() reads, the
 * constants to 10 significant digits, no schema_version. */
int llmcost_law_to_json(char **out, const llmcost_law *l);

/* The "scaling" section of `llmcost report`: for each bundled law, the tokens for which the model's size
 * (non-embedding parameters for Kaplan's law, all for the others) is compute-optimal, with C = 6ND and the
 * predicted loss ("laws"), and "n_params" (the total). */
int llmcost_scaling_at_size_to_json(char **out, const llmcost_model *m);

/* `llmcost scaling fit FILE`: the fit "fit" computed with "opt" from the runs of "file" (as named in the
 * document): constants with their intervals, the N_opt exponent, tokens per parameter at 1e24 FLOP, the law;
 * "saved" (may be NULL) names the file the law was saved to. */
int llmcost_fit_to_json(char **out, const llmcost_fit *fit, const llmcost_fit_options *opt, const char *file,
                        const char *saved);

/*
 * CSV: each document above as one tidy table (RFC 4180: comma-separated, a field holding a comma, a quote, CR or
 * LF quoted with its quotes doubled, every line ending in CRLF), exactly what `llmcost X --format csv` prints.
 * One header row, then one row per observation: the document itself (params, flops, memory, course layer, step,
 * train, report, fit), or each element of its list (published: "published", validation: "cases", laws: "laws",
 * gpus: "gpus", models: "models", plan: "layouts"; a sweep's "results" in any kind). Every row has every column
 * (a cell is empty where a row has no value).
 *
 * Column names are the JSON paths of the values, nested keys joined with '.' ("layout.tp", "step.mfu"), array
 * elements by index ("profiles.0.step_seconds"), and arrays of strings or numbers as one cell joined with " | "
 * ("assumptions"). "schema_version" is left out. Where the JSON key does not carry its unit, the column adds it:
 * "_bytes" to memory's "components.*", "_seconds" to step's "components.*" (train: "step.components.*"), "_flop"
 * to the FLOP counts of flops ("forward_flop", "components.q_proj_flop", "conventions.palm_flop"; in report under
 * "flops." and "memory."). Cells are raw: numbers as the JSON writes them (no separators, no units), true/false,
 * an empty cell for null.
 */
int llmcost_params_to_csv(char **out, const llmcost_params *p, const llmcost_model *m);
int llmcost_flops_to_csv(char **out, const llmcost_flops *f, const llmcost_model *m, const llmcost_flops_options *o,
                         double tokens);
int llmcost_memory_to_csv(char **out, const llmcost_memory *r, const llmcost_model *m, const llmcost_memory_options *o,
                          const llmcost_gpu *gpu, double headroom, int64_t max_micro_batch);
int llmcost_course_layer_to_csv(char **out, const llmcost_course_layer *c, const llmcost_model *m, int64_t seq);
int llmcost_step_to_csv(char **out, const llmcost_step *s, const llmcost_model *m, const llmcost_gpu *g,
                        const llmcost_step_options *o, const char *assumptions);
int llmcost_train_to_csv(char **out, const llmcost_train *t, const llmcost_model *m, const llmcost_gpu *g,
                         const llmcost_train_options *o, const char *assumptions);
int llmcost_published_to_csv(char **out, const llmcost_published *p, size_t n);
int llmcost_validation_to_csv(char **out, const llmcost_validation_case *v, size_t n, const char *suite,
                              bool failures_only);
/* `llmcost memory --course-layer`: one row (the other kind of layer under "other_layer."). */
int llmcost_course_answers_to_csv(char **out, const llmcost_course_answers *c, const llmcost_model *m);
/* `llmcost budget`: a row per candidate GPU ("gpus"), the question answered on it; the row with best = true is
 * the plan (with model_mfu: its fits, peak_bytes, capacity_bytes). */
int llmcost_budget_to_csv(char **out, const llmcost_budget *b, const char *config_file);

/* Any llmcost JSON document "json" (a command's --format json output) as the CSV above, for the document kind
 * "kind": "params", "flops", "memory", "course_layer", "budget" (its "gpus"), "step", "train", "published", "validation", "report",
 * "laws", "fit", "gpus", "price_lists", "models", "plan" (its "layouts", else its "changes_that_fit"),
 * "flops_sweep" (the rows of "sweep"), "model", or NULL (one row, no unit rules). A document with no rows is the
 * empty string. Returns 0, LLMCOST_EINVAL
 * (not JSON, an unknown kind) or LLMCOST_ENOMEM; *out is freed with llmcost_free(). */
int llmcost_json_to_csv(char **out, const char *json, const char *kind);

/* Names the JSON documents use for the options' enums ("none", "sdpa", "causal", "adamw"). */
const char *llmcost_recompute_name(llmcost_recompute r);
const char *llmcost_attn_impl_name(llmcost_attn_impl a);
const char *llmcost_convention_mode_name(llmcost_convention c);

#ifdef __cplusplus
}
#endif

#endif
