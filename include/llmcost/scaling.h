/* scaling.h - scaling laws (loss from parameters and tokens), compute-optimal allocation, and fitting a law. */
#ifndef LLMCOST_SCALING_H
#define LLMCOST_SCALING_H

#include <stddef.h>
#include <stdint.h>

#include "common.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Two functional forms are in use (docs/formulas.md, "Scaling laws and budgets"):
 *  - Chinchilla (Hoffmann et al. 2022, §3.3):   L(N, D) = E + A / N^alpha + B / D^beta
 *  - Kaplan (Kaplan et al. 2020, eq. 1.5):      L(N, D) = [(N_c / N)^(alpha_N / alpha_D) + D_c / D]^alpha_D
 * N is parameters, D training tokens, L the loss in nats per token, and training compute is C = 6 N D.
 */
typedef enum { LLMCOST_LAW_CHINCHILLA, LLMCOST_LAW_KAPLAN } llmcost_law_form;

/* Text fields are never cut: a laws file whose text does not fit is refused naming the key; the bundled laws fit
 * with room for the CLI's "with user constants (...)" additions (tests/test_text.c). */
typedef struct llmcost_law {
    char name[48];           /* "chinchilla", "chinchilla-unrounded", "epoch", "kaplan", "course", or the user's */
    char title[256];         /* one line: "Chinchilla approach 3 (Hoffmann et al. 2022), rounded as printed" */
    llmcost_law_form form;
    double E, A, B, alpha, beta;           /* Chinchilla form */
    double n_c, d_c, alpha_n, alpha_d;     /* Kaplan form */
    char counts[160];        /* what N counts ("all parameters incl. embeddings", "non-embedding parameters") */
    char source[640];        /* paper, section, and where the constants come from */
} llmcost_law;

/* The bundled laws of data/scaling_laws.json, in file order. */
int llmcost_scaling_law_count(void);
const llmcost_law *llmcost_scaling_law_at(int i);
/* A bundled law by name (case-insensitive); NULL if unknown. */
const llmcost_law *llmcost_scaling_law_find(const char *name);

/*
 * Reads a user's law from a JSON file holding one law object in the format of data/scaling_laws.json's entries
 * (or a file with a "laws" array, of which the first is taken). Fails with a message naming the file and
 * line/column (malformed JSON) or the key (missing or out-of-range constant).
 */
int llmcost_scaling_law_load_file(llmcost_law *out, const char *path);
/* Same, from "len" bytes of JSON "text" (no file system needed); "origin" names it in messages and in the law's
 * source ("user file ORIGIN"). The law is the caller's value: nothing process-wide changes. */
int llmcost_scaling_law_load_json(llmcost_law *out, const char *text, size_t len, const char *origin);

/*
 * The law "spec" names: a bundled law (NULL: "chinchilla"), or a path (holding '/' or '.') to a laws file read by
 * llmcost_scaling_law_load_file(); then each of E, A, B, alpha, beta given in "constants" (a NULL entry keeps the
 * law's) replaces the law's own, and a law so changed is named "user", its title and source saying which constants
 * were given. Not checked: llmcost_scaling_law_check() says whether the result is usable. LLMCOST_EINVAL with a
 * message naming the field: "law: 'x' is not a bundled law (...) or a .json file", "alpha: the law 'kaplan' has
 * Kaplan's form, ...", or the file's own message. The CLI's --law and llmcost_request("budget") choose laws so.
 */
int llmcost_scaling_law_pick(llmcost_law *out, const char *spec, const double *const constants[5]);

/* Checks a law's constants (finite; A, B, alpha, beta, N_c, D_c, alpha_N, alpha_D > 0; E >= 0). */
int llmcost_scaling_law_check(const llmcost_law *law);

/* Predicted loss for "n_params" and "n_tokens" (both > 0); NaN when either is not. */
double llmcost_scaling_loss(const llmcost_law *law, double n_params, double n_tokens);

/* A point (N, D) with its compute C = 6 N D and predicted loss. */
typedef struct llmcost_allocation {
    double flops;            /* C = 6 N D */
    double n_params;         /* N */
    double n_tokens;         /* D */
    double loss;             /* L(N, D) */
    double tokens_per_param; /* D / N */
} llmcost_allocation;

/* Compute-optimal N and D for "flops" (closed form for both forms). Fails with LLMCOST_EINVAL unless flops > 0. */
int llmcost_scaling_optimal(llmcost_allocation *out, const llmcost_law *law, double flops);

/* The training tokens for which "n_params" is compute-optimal, and the compute that takes. */
int llmcost_scaling_tokens_for_params(llmcost_allocation *out, const llmcost_law *law, double n_params);

/* The model size for which "n_tokens" is compute-optimal. */
int llmcost_scaling_params_for_tokens(llmcost_allocation *out, const llmcost_law *law, double n_tokens);

/* Loss and compute of a given N and D. */
int llmcost_scaling_evaluate(llmcost_allocation *out, const llmcost_law *law, double n_params, double n_tokens);

/*
 * The smallest compute whose compute-optimal model reaches "loss". Fails with LLMCOST_EINVAL when the law
 * cannot reach it (at or below the irreducible loss E of the Chinchilla form, or not positive for Kaplan's).
 */
int llmcost_scaling_target(llmcost_allocation *out, const llmcost_law *law, double loss);

/* ---- Fitting a Chinchilla-form law to training runs (Hoffmann et al. 2022, §3.3 and Appendix D.2) ---- */

typedef struct llmcost_run {
    double n_params;
    double n_tokens;
    double loss;
} llmcost_run;

/*
 * Reads runs from a CSV file whose header names the columns N (or params), D (or tokens) and loss (any order,
 * case-insensitive; other columns are ignored). Values are numbers with optional suffixes K/M/B/T ("70M",
 * "1.4T", "5e9"). Blank lines and lines starting with '#' are skipped. *out is a new array of *n runs freed
 * with llmcost_free(). Fails with a message "file:line: ..." naming the column and quoting the bad value.
 */
int llmcost_scaling_read_runs(llmcost_run **out, size_t *n, const char *path);
/* Same, from "len" bytes of CSV "text" (no file system needed); "origin" names it in messages ("origin:line: ..."). */
int llmcost_scaling_runs_from_text(llmcost_run **out, size_t *n, const char *text, size_t len, const char *origin);

typedef struct llmcost_fit_options {
    unsigned int version; /* LLMCOST_FIT_OPTIONS_VERSION, set by the _INIT macro or the _init() function */
    double huber_delta;  /* Huber loss threshold on log-loss residuals (Hoffmann et al.: 1e-3) */
    int bootstrap;       /* resamples of the runs for the intervals; 0 for none */
    double confidence;   /* two-sided interval, e.g. 0.95 */
    uint64_t seed;       /* resampling seed: the same seed gives the same intervals */
    /* Called now and then with the fraction of the work done (0..1), for a progress display; may be NULL.
     * (Added at the end of version 1, before any release of the versioned struct.) */
    void (*progress)(void *ctx, double fraction);
    void *progress_ctx;
} llmcost_fit_options;

#define LLMCOST_FIT_OPTIONS_VERSION 1
#define LLMCOST_FIT_OPTIONS_INIT                                                                                  \
    {.version = LLMCOST_FIT_OPTIONS_VERSION, .huber_delta = 1e-3, .bootstrap = 200, .confidence = 0.95, .seed = 1}

/* Fills "opts" with the defaults of LLMCOST_FIT_OPTIONS_INIT. Returns 0, or LLMCOST_EINVAL when "opts" is NULL. */
int llmcost_fit_options_init(llmcost_fit_options *opts);

/* Bounds on the fit's input, so that its time stays within seconds: at most LLMCOST_FIT_MAX_RUNS runs, at most
 * LLMCOST_FIT_MAX_BOOTSTRAP resamples, and resamples x runs at most LLMCOST_FIT_MAX_RESAMPLED_RUNS. */
#define LLMCOST_FIT_MAX_RUNS 5000
#define LLMCOST_FIT_MAX_BOOTSTRAP 2000
#define LLMCOST_FIT_MAX_RESAMPLED_RUNS 200000

/* Above this many runs, L-BFGS starts only from the LLMCOST_FIT_GRID_STARTS * LLMCOST_FIT_FULL_GRID_RUNS / n grid
 * points of lowest objective (at least LLMCOST_FIT_MIN_STARTS): the grid's work stays that of 50 runs. */
#define LLMCOST_FIT_FULL_GRID_RUNS 50
#define LLMCOST_FIT_MIN_STARTS 50

/* Initialisations (Hoffmann et al. 2022, App. D.2): alpha, beta in {0, .5, ..., 2}, e in {-1, -.5, ..., 1},
 * a, b in {0, 5, ..., 25}: 5 x 5 x 5 x 6 x 6 points. */
#define LLMCOST_FIT_GRID_STARTS 4500

/* Fitted constants, in the order of the interval arrays. */
enum { LLMCOST_FIT_E, LLMCOST_FIT_A, LLMCOST_FIT_B, LLMCOST_FIT_ALPHA, LLMCOST_FIT_BETA, LLMCOST_FIT_NPARAMS };

typedef struct llmcost_fit {
    llmcost_law law;          /* the fitted law (form chinchilla, name "fit") */
    double objective;         /* sum of Huber losses at the optimum */
    double rms_log_residual;  /* sqrt(mean((log L_pred - log L)^2)) */
    int n_runs;
    int starts;               /* L-BFGS runs from the LLMCOST_FIT_GRID_STARTS grid points that ended normally */
    int bootstrap;            /* resamples that converged and count in the intervals */
    double value[LLMCOST_FIT_NPARAMS];
    double lo[LLMCOST_FIT_NPARAMS];  /* bootstrap percentile interval; equal to value when bootstrap = 0 */
    double hi[LLMCOST_FIT_NPARAMS];
    double a_lo, a_hi;        /* interval of a = beta / (alpha + beta), the exponent of N_opt ~ C^a */
    int grid_starts;          /* grid points L-BFGS started from: all, or those of lowest objective (many runs) */
} llmcost_fit;

/*
 * Fits E + A/N^alpha + B/D^beta to "runs" as Hoffmann et al. did: minimise the Huber loss of
 * LSE(a - alpha log N, b - beta log D, e) - log L over (a, b, e, alpha, beta) with A = e^a, B = e^b, E = e^e, by
 * L-BFGS (NLopt) from a grid of initialisations, keeping the best. Bootstrap intervals refit resampled runs.
 * Needs at least 6 runs with distinct (N, D). Fails with LLMCOST_EINVAL for bad runs or options (the bounds
 * above), and for a fit that does not identify the law: one whose optimum lies on a bound of the search
 * (alpha or beta 0, a constant at the optimiser's limit) or whose compute-optimal exponent is not in (0, 1).
 */
int llmcost_scaling_fit(llmcost_fit *out, const llmcost_run *runs, size_t n, const llmcost_fit_options *opt);

/* Name of a fitted constant: "E", "A", "B", "alpha", "beta". */
const char *llmcost_scaling_fit_param_name(int i);

#ifdef __cplusplus
}
#endif

#endif
