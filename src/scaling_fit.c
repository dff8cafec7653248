/* scaling_fit.c - fitting L = E + A/N^alpha + B/D^beta to runs as Hoffmann et al. (2022) did, with NLopt's L-BFGS. */
#include <ctype.h>
#include <math.h>
#include <nlopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config.h"
#include "internal.h"
#include "llmcost/format.h"
#include "llmcost/ranges.h"
#include "llmcost/scaling.h"

/* ---- Reading runs from CSV ---- */

/* Splits "line" (modified in place) at commas into at most "max" trimmed fields; returns the field count. */
static int split_csv(char *line, char **fields, int max)
{
    int n = 0;
    char *p = line;
    for (;;) {
        char *comma = strchr(p, ',');
        if (comma)
            *comma = '\0';
        while (isspace((unsigned char)*p))
            p++;
        char *end = p + strlen(p);
        while (end > p && isspace((unsigned char)end[-1]))
            *--end = '\0';
        if (end - p >= 2 && p[0] == '"' && end[-1] == '"') {
            end[-1] = '\0';
            p++;
        }
        if (n < max)
            fields[n] = p;
        n++;
        if (!comma)
            break;
        p = comma + 1;
    }
    return n;
}

#define MAX_COLS 64

int llmcost_scaling_read_runs(llmcost_run **out, size_t *n_out, const char *path)
{
    *out = NULL;
    *n_out = 0;
    char *text;
    size_t len;
    int rc = lc_read_file(&text, &len, path);
    if (rc < 0)
        return rc;
    rc = llmcost_scaling_runs_from_text(out, n_out, text, len, path);
    free(text);
    return rc;
}

int llmcost_scaling_runs_from_text(llmcost_run **out, size_t *n_out, const char *csv, size_t len, const char *origin)
{
    *out = NULL;
    *n_out = 0;
    if (!csv)
        return lc_fail(LLMCOST_EINVAL, "llmcost_scaling_runs_from_text: the text is NULL");
    const char *path = origin ? origin : "runs text";
    /* The parse cuts lines in place: it works on a terminated copy. */
    char *text = malloc(len + 1);
    if (!text)
        return lc_fail(LLMCOST_ENOMEM, "%s: out of memory", path);
    memcpy(text, csv, len);
    text[len] = '\0';
    int rc;
    if (memchr(text, '\0', len)) {
        free(text);
        return lc_fail(LLMCOST_EPARSE, "%s: a NUL byte: not a CSV text file", path);
    }
    int col[3] = {-1, -1, -1}; /* N, D, loss */
    int ncols = 0;
    size_t cap = 64, n = 0;
    llmcost_run *runs = malloc(cap * sizeof *runs);
    if (!runs) {
        free(text);
        return lc_fail(LLMCOST_ENOMEM, "out of memory");
    }
    int line_no = 0;
    char *p = text + lc_skip_bom(text, len); /* spreadsheets start a CSV with a UTF-8 byte-order mark */
    rc = 0;
    while (*p && rc == 0) {
        char *eol = strchr(p, '\n');
        if (eol)
            *eol = '\0';
        line_no++;
        size_t l = strlen(p);
        if (l && p[l - 1] == '\r')
            p[l - 1] = '\0';
        const char *q = p;
        while (isspace((unsigned char)*q))
            q++;
        if (*q == '\0' || *q == '#')
            goto next;
        char *fields[MAX_COLS];
        int nf = split_csv(p, fields, MAX_COLS);
        if (nf > MAX_COLS) {
            rc = lc_fail(LLMCOST_EPARSE, "%s:%d: %d columns; at most %d are read", path, line_no, nf, MAX_COLS);
            break;
        }
        if (ncols == 0) {
            /* The header: which columns hold N, D and the loss. */
            static const char *const want[3][4] = {{"N", "params", "n_params", NULL},
                                                   {"D", "tokens", "n_tokens", NULL},
                                                   {"loss", NULL, NULL, NULL}};
            for (int f = 0; f < nf; f++)
                for (int w = 0; w < 3; w++)
                    for (int k = 0; want[w][k]; k++)
                        if (!strcasecmp(fields[f], want[w][k])) {
                            if (col[w] >= 0) {
                                rc = lc_fail(LLMCOST_EPARSE, "%s:%d: header: two columns for %s ('%s' and '%s')", path,
                                             line_no, want[w][0], fields[col[w]], fields[f]);
                                goto next;
                            }
                            col[w] = f;
                        }
            for (int w = 0; w < 3; w++)
                if (col[w] < 0) {
                    char got[256] = "";
                    for (int f = 0; f < nf; f++) {
                        size_t gl = strlen(got);
                        snprintf(got + gl, sizeof got - gl, "%s%s", f ? ", " : "", fields[f]);
                    }
                    rc = lc_fail(LLMCOST_EPARSE,
                                 "%s:%d: the header must name the columns N, D and loss (missing %s; got: %s)", path,
                                 line_no, want[w][0], got);
                    goto next;
                }
            ncols = nf;
            goto next;
        }
        if (nf != ncols) {
            rc = lc_fail(LLMCOST_EPARSE, "%s:%d: %d field%s, but the header has %d", path, line_no, nf,
                         nf == 1 ? "" : "s", ncols);
            break;
        }
        double v[3];
        static const char *const label[3] = {"N", "D", "loss"};
        for (int w = 0; w < 3; w++) {
            const char *cell = fields[col[w]];
            if (llmcost_parse_quantity(&v[w], cell, 0) != 0) {
                rc = lc_fail(LLMCOST_EPARSE, "%s:%d: column %s: '%s' is not a number", path, line_no, label[w], cell);
                goto next;
            }
            if (!(v[w] > 0)) {
                rc = lc_fail(LLMCOST_EINVAL, "%s:%d: column %s: %s must be positive", path, line_no, label[w], cell);
                goto next;
            }
            static const char *const range[3] = {"n_params", "n_tokens", "loss"};
            const llmcost_range *r = llmcost_range_find(range[w]);
            if (!lc_range_ok(r, v[w])) {
                char who[160];
                snprintf(who, sizeof who, "%s:%d: column %s", path, line_no, label[w]);
                rc = lc_range_fail(r, who, v[w]);
                goto next;
            }
        }
        if (n == cap) {
            llmcost_run *nr = realloc(runs, (cap *= 2) * sizeof *runs);
            if (!nr) {
                rc = lc_fail(LLMCOST_ENOMEM, "out of memory");
                break;
            }
            runs = nr;
        }
        runs[n++] = (llmcost_run){v[0], v[1], v[2]};
    next:
        if (!eol)
            break;
        p = eol + 1;
    }
    free(text);
    if (rc == 0 && ncols == 0)
        rc = lc_fail(LLMCOST_EPARSE, "%s: empty: expected a header naming the columns N, D and loss", path);
    else if (rc == 0 && n == 0)
        rc = lc_fail(LLMCOST_EPARSE, "%s: no runs after the header", path);
    if (rc < 0) {
        free(runs);
        return rc;
    }
    *out = runs;
    *n_out = n;
    return 0;
}

/* ---- The fit ---- */

typedef struct fit_data {
    size_t n;
    const double *log_n, *log_d, *log_l;
    const double *weight; /* multiplicity of each run (bootstrap resamples); 1 for the plain fit */
    double delta;
    long evals;
} fit_data;

/* Huber loss of residual r with threshold d, and its derivative. */
static double huber(double r, double d, double *dr)
{
    double a = fabs(r);
    if (a <= d) {
        *dr = r;
        return 0.5 * r * r;
    }
    *dr = r > 0 ? d : -d;
    return d * (a - 0.5 * d);
}

/*
 * Objective of Hoffmann et al. 2022, Appendix D.2: sum_i Huber_delta(LSE(a - alpha log N_i, b - beta log D_i, e)
 * - log L_i) over x = (a, b, e, alpha, beta), with its gradient.
 */
static double objective(unsigned nx, const double *x, double *grad, void *vd)
{
    (void)nx;
    fit_data *fd = vd;
    fd->evals++;
    const double a = x[0], b = x[1], e = x[2], alpha = x[3], beta = x[4];
    double f = 0, g[5] = {0, 0, 0, 0, 0};
    for (size_t i = 0; i < fd->n; i++) {
        double w = fd->weight ? fd->weight[i] : 1.0;
        if (w == 0)
            continue;
        double t1 = a - alpha * fd->log_n[i], t2 = b - beta * fd->log_d[i], t3 = e;
        double m = fmax(t1, fmax(t2, t3));
        double e1 = exp(t1 - m), e2 = exp(t2 - m), e3 = exp(t3 - m), s = e1 + e2 + e3;
        double lse = m + log(s);
        double dr;
        f += w * huber(lse - fd->log_l[i], fd->delta, &dr);
        if (grad) {
            double c = w * dr / s;
            g[0] += c * e1;
            g[1] += c * e2;
            g[2] += c * e3;
            g[3] -= c * e1 * fd->log_n[i];
            g[4] -= c * e2 * fd->log_d[i];
        }
    }
    if (grad)
        memcpy(grad, g, sizeof g);
    return f;
}

/* Runs L-BFGS from "x" (updated in place); returns the objective at the end, or INFINITY if NLopt failed. */
static double lbfgs(nlopt_opt opt, fit_data *fd, double *x)
{
    nlopt_set_min_objective(opt, objective, fd);
    double f = INFINITY;
    nlopt_result r = nlopt_optimize(opt, x, &f);
    /* Roundoff-limited is a normal end for a converged Huber fit; other failures discard the start. */
    if (r < 0 && r != NLOPT_ROUNDOFF_LIMITED)
        return INFINITY;
    return isfinite(f) ? f : INFINITY;
}

/* The search's bounds: loose, they only keep exp() finite; an optimum on one of them is not a fitted law. */
static const double lower[5] = {-20, -20, -20, 0, 0}, upper[5] = {60, 60, 5, 5, 5};

static nlopt_opt make_optimizer(void)
{
    nlopt_opt opt = nlopt_create(NLOPT_LD_LBFGS, 5);
    if (!opt)
        return NULL;
    nlopt_set_lower_bounds(opt, lower);
    nlopt_set_upper_bounds(opt, upper);
    nlopt_set_xtol_rel(opt, 1e-10);
    nlopt_set_ftol_rel(opt, 1e-13);
    nlopt_set_maxeval(opt, 4000);
    return opt;
}

/* The initialisation grid of Hoffmann et al. 2022, Appendix D.2. */
static const double grid_alpha[] = {0.0, 0.5, 1.0, 1.5, 2.0};
static const double grid_e[] = {-1.0, -0.5, 0.0, 0.5, 1.0};
static const double grid_ab[] = {0, 5, 10, 15, 20, 25};
#define NGRID (5 * 5 * 5 * 6 * 6)
_Static_assert(NGRID == LLMCOST_FIT_GRID_STARTS, "the grid of the header");

static void grid_point(int k, double *x)
{
    x[3] = grid_alpha[k % 5];
    k /= 5;
    x[4] = grid_alpha[k % 5];
    k /= 5;
    x[2] = grid_e[k % 5];
    k /= 5;
    x[0] = grid_ab[k % 6];
    k /= 6;
    x[1] = grid_ab[k % 6];
}

/* splitmix64 (Steele, Lea, Flood 2014): a small, well-mixed generator, enough for resampling. */
static uint64_t next_random(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The q-quantile of sorted "v" of "n" values (linear interpolation between order statistics). */
static double quantile(const double *v, int n, double q)
{
    if (n == 1)
        return v[0];
    double pos = q * (n - 1);
    int i = (int)floor(pos);
    if (i >= n - 1)
        return v[n - 1];
    return v[i] + (pos - i) * (v[i + 1] - v[i]);
}

static void to_constants(const double *x, double *v)
{
    v[LLMCOST_FIT_E] = exp(x[2]);
    v[LLMCOST_FIT_A] = exp(x[0]);
    v[LLMCOST_FIT_B] = exp(x[1]);
    v[LLMCOST_FIT_ALPHA] = x[3];
    v[LLMCOST_FIT_BETA] = x[4];
}

const char *llmcost_scaling_fit_param_name(int i)
{
    static const char *const names[LLMCOST_FIT_NPARAMS] = {"E", "A", "B", "alpha", "beta"};
    return i >= 0 && i < LLMCOST_FIT_NPARAMS ? names[i] : "?";
}

#define KEEP_STARTS 8     /* best distinct optima of the full fit */
#define RESAMPLE_STARTS 1 /* of which the best is the start of each resample */


typedef struct grid_start {
    double f;
    int k;
} grid_start;

static int cmp_start(const void *a, const void *b)
{
    const grid_start *x = a, *y = b;
    if (x->f != y->f)
        return x->f < y->f ? -1 : 1;
    return (x->k > y->k) - (x->k < y->k);
}

/* Refuses an optimum "x" (a, b, e, alpha, beta) that lies on a bound of the search or has no compute-optimal
 * allocation: such a "law" (alpha 0: "0 tokens per parameter") describes the optimiser, not the runs. */
static int check_identified(const double *x)
{
    static const char *const what[5] = {"log A", "log B", "log E", "alpha", "beta"};
    for (int c = 0; c < 5; c++) {
        double tol = 1e-6 * fmax(1.0, fabs(upper[c] - lower[c]));
        if (x[c] <= lower[c] + tol || x[c] >= upper[c] - tol)
            return lc_fail(LLMCOST_EINVAL,
                           "the fit ends on the search's bound %s = %g: the runs do not identify the law (runs that "
                           "vary N and D over a wider range, with losses that fall with both, do)",
                           what[c], x[c] <= lower[c] + tol ? lower[c] : upper[c]);
    }
    double a = x[4] / (x[3] + x[4]);
    if (!(a > 0 && a < 1) || !isfinite(exp(x[0])) || !isfinite(exp(x[1])))
        return lc_fail(LLMCOST_EINVAL, "the fitted constants give no compute-optimal allocation (a = %g)", a);
    return 0;
}

int llmcost_scaling_fit(llmcost_fit *out, const llmcost_run *runs, size_t n, const llmcost_fit_options *opt)
{
    memset(out, 0, sizeof *out);
    llmcost_fit_options dflt = LLMCOST_FIT_OPTIONS_INIT;
    if (!opt)
        opt = &dflt;
    int vrc = LC_CHECK_VERSION(opt, FIT_OPTIONS, fit_options);
    if (vrc)
        return vrc;
    if (!(opt->huber_delta > 0) || !isfinite(opt->huber_delta))
        return lc_fail(LLMCOST_EINVAL, "Huber delta must be positive, got %g", opt->huber_delta);
    if (opt->bootstrap < 0 || opt->bootstrap > LLMCOST_FIT_MAX_BOOTSTRAP)
        return lc_fail(LLMCOST_EINVAL, "bootstrap resamples must be between 0 and %d, got %d",
                       LLMCOST_FIT_MAX_BOOTSTRAP, opt->bootstrap);
    if (!(opt->confidence > 0 && opt->confidence < 1))
        return lc_fail(LLMCOST_EINVAL, "confidence must be between 0 and 1, got %g", opt->confidence);
    if (n < 6)
        return lc_fail(LLMCOST_EINVAL, "%zu run%s: fitting 5 constants needs at least 6 runs", n, n == 1 ? "" : "s");
    if (n > LLMCOST_FIT_MAX_RUNS)
        return lc_fail(LLMCOST_EINVAL, "%zu runs: at most %d are fitted", n, LLMCOST_FIT_MAX_RUNS);
    if ((double)opt->bootstrap * (double)n > LLMCOST_FIT_MAX_RESAMPLED_RUNS)
        return lc_fail(LLMCOST_EINVAL,
                       "%d bootstrap resamples of %zu runs: resamples x runs is at most %d (at most %zu resamples)",
                       opt->bootstrap, n, LLMCOST_FIT_MAX_RESAMPLED_RUNS, (size_t)LLMCOST_FIT_MAX_RESAMPLED_RUNS / n);
    bool varied_n = false, varied_d = false;
    for (size_t i = 0; i < n; i++) {
        if (!(runs[i].n_params > 0 && runs[i].n_tokens > 0 && runs[i].loss > 0) || !isfinite(runs[i].n_params) ||
            !isfinite(runs[i].n_tokens) || !isfinite(runs[i].loss))
            return lc_fail(LLMCOST_EINVAL, "run %zu: N, D and loss must be positive finite numbers", i + 1);
        char who[64];
        int rrc;
        snprintf(who, sizeof who, "run %zu: N", i + 1);
        if ((rrc = lc_range("n_params", who, runs[i].n_params)))
            return rrc;
        snprintf(who, sizeof who, "run %zu: D", i + 1);
        if ((rrc = lc_range("n_tokens", who, runs[i].n_tokens)))
            return rrc;
        snprintf(who, sizeof who, "run %zu: loss", i + 1);
        if ((rrc = lc_range("loss", who, runs[i].loss)))
            return rrc;
        varied_n |= runs[i].n_params != runs[0].n_params;
        varied_d |= runs[i].n_tokens != runs[0].n_tokens;
    }
    if (!varied_n || !varied_d)
        return lc_fail(LLMCOST_EINVAL,
                       "every run has the same %s: separating the N and D terms needs runs that vary both",
                       varied_n ? "D" : "N");

    int rc = 0;
    double *buf = malloc(4 * n * sizeof *buf);
    double *boot = NULL;
    grid_start *order = NULL;
    nlopt_opt o = make_optimizer();
    if (!buf || !o) {
        rc = lc_fail(LLMCOST_ENOMEM, "out of memory");
        goto done;
    }
    double *log_n = buf, *log_d = buf + n, *log_l = buf + 2 * n, *weight = buf + 3 * n;
    for (size_t i = 0; i < n; i++) {
        log_n[i] = log(runs[i].n_params);
        log_d[i] = log(runs[i].n_tokens);
        log_l[i] = log(runs[i].loss);
        weight[i] = 1.0;
    }
    fit_data fd = {n, log_n, log_d, log_l, NULL, opt->huber_delta, 0};

    /* Which grid points L-BFGS starts from: all of them up to LLMCOST_FIT_FULL_GRID_RUNS runs, else those of
     * lowest objective, so that the grid's work does not grow with the runs. */
    int nstarts = NGRID;
    if (n > LLMCOST_FIT_FULL_GRID_RUNS) {
        nstarts = (int)((size_t)NGRID * LLMCOST_FIT_FULL_GRID_RUNS / n);
        if (nstarts < LLMCOST_FIT_MIN_STARTS)
            nstarts = LLMCOST_FIT_MIN_STARTS;
    }
    order = malloc(NGRID * sizeof *order);
    if (!order) {
        rc = lc_fail(LLMCOST_ENOMEM, "out of memory");
        goto done;
    }
    for (int k = 0; k < NGRID; k++) {
        double x[5];
        grid_point(k, x);
        order[k].f = objective(5, x, NULL, &fd);
        if (!isfinite(order[k].f))
            order[k].f = INFINITY;
        order[k].k = k;
    }
    if (nstarts < NGRID)
        qsort(order, NGRID, sizeof *order, cmp_start);
    out->grid_starts = nstarts;
    /* Progress: the grid is counted as its starts, each resample as one start. */
    double total_work = (double)nstarts + (double)opt->bootstrap;

    /* L-BFGS from the chosen grid points; keep the best few distinct optima. */
    double best[KEEP_STARTS][6];
    int nbest = 0;
    for (int s = 0; s < nstarts; s++) {
        int k = order[s].k;
        if (opt->progress && s % 32 == 0)
            opt->progress(opt->progress_ctx, s / total_work);
        double x[6];
        grid_point(k, x);
        double f = lbfgs(o, &fd, x);
        if (!isfinite(f))
            continue;
        out->starts++;
        x[5] = f;
        int at = -1;
        for (int j = 0; j < nbest && at < 0; j++) {
            double dist = 0;
            for (int c = 0; c < 5; c++)
                dist = fmax(dist, fabs(best[j][c] - x[c]));
            if (dist < 1e-4)
                at = f < best[j][5] ? j : KEEP_STARTS; /* the same optimum: keep the lower objective */
        }
        if (at < 0)
            at = nbest < KEEP_STARTS ? nbest++ : (f < best[KEEP_STARTS - 1][5] ? KEEP_STARTS - 1 : KEEP_STARTS);
        if (at == KEEP_STARTS)
            continue;
        memcpy(best[at], x, sizeof x);
        for (int j = at; j > 0 && best[j][5] < best[j - 1][5]; j--) {
            double t[6];
            memcpy(t, best[j], sizeof t);
            memcpy(best[j], best[j - 1], sizeof t);
            memcpy(best[j - 1], t, sizeof t);
        }
    }
    if (nbest == 0) {
        rc = lc_fail(LLMCOST_EINVAL, "the optimiser failed from every starting point: the runs cannot be fitted");
        goto done;
    }
    const double *xb = best[0];
    if ((rc = check_identified(xb)) < 0)
        goto done;
    /* A law that leaves the losses as scattered as they were explains nothing: refuse it. */
    double mean = 0, var = 0, ssr = 0;
    for (size_t i = 0; i < n; i++)
        mean += log_l[i] / (double)n;
    for (size_t i = 0; i < n; i++) {
        double pred = log(exp(xb[2]) + exp(xb[0] - xb[3] * log_n[i]) + exp(xb[1] - xb[4] * log_d[i]));
        var += (log_l[i] - mean) * (log_l[i] - mean);
        ssr += (pred - log_l[i]) * (pred - log_l[i]);
    }
    if (ssr > 0.25 * var) {
        rc = lc_fail(LLMCOST_EINVAL,
                     "the fitted law explains %.0f%% of the variance of log loss (at least 75%% is needed): the runs "
                     "do not identify the law",
                     var > 0 ? 100.0 * fmax(0.0, 1.0 - ssr / var) : 0.0);
        goto done;
    }
    out->objective = xb[5];
    to_constants(xb, out->value);
    double ss = 0;
    for (size_t i = 0; i < n; i++) {
        double pred = log(exp(xb[2]) + exp(xb[0] - xb[3] * log_n[i]) + exp(xb[1] - xb[4] * log_d[i]));
        ss += (pred - log_l[i]) * (pred - log_l[i]);
    }
    out->rms_log_residual = sqrt(ss / (double)n);
    out->n_runs = (int)n;

    llmcost_law *law = &out->law;
    lc_strlcpy(law->name, "fit", sizeof law->name);
    snprintf(law->title, sizeof law->title, "fitted to %zu runs (Huber delta %g on log loss, L-BFGS)", n,
             opt->huber_delta);
    law->form = LLMCOST_LAW_CHINCHILLA;
    law->E = out->value[LLMCOST_FIT_E];
    law->A = out->value[LLMCOST_FIT_A];
    law->B = out->value[LLMCOST_FIT_B];
    law->alpha = out->value[LLMCOST_FIT_ALPHA];
    law->beta = out->value[LLMCOST_FIT_BETA];
    lc_strlcpy(law->counts, "as the runs count them", sizeof law->counts);
    snprintf(law->source, sizeof law->source,
             "llmcost scaling fit: approach 3 of Hoffmann et al. 2022 (§3.3, Appendix D.2) on %zu runs", n);

    for (int c = 0; c < LLMCOST_FIT_NPARAMS; c++)
        out->lo[c] = out->hi[c] = out->value[c];
    double a_exp = law->beta / (law->alpha + law->beta);
    out->a_lo = out->a_hi = a_exp;
    if (opt->bootstrap == 0)
        goto done;

    /* Bootstrap: resample the runs with replacement (as weights), refit from the kept optima, take percentiles. */
    int nb = opt->bootstrap;
    boot = malloc((size_t)nb * (LLMCOST_FIT_NPARAMS + 1) * sizeof *boot);
    if (!boot) {
        rc = lc_fail(LLMCOST_ENOMEM, "out of memory");
        goto done;
    }
    uint64_t state = opt->seed;
    fd.weight = weight;
    int ok = 0;
    for (int r = 0; r < nb; r++) {
        memset(weight, 0, n * sizeof *weight);
        for (size_t i = 0; i < n; i++)
            weight[next_random(&state) % n] += 1.0;
        if (opt->progress && r % 8 == 0)
            opt->progress(opt->progress_ctx, (nstarts + r) / total_work);
        double bx[5] = {0, 0, 0, 0, 0}, bf = INFINITY;
        /* From the full fit's optimum: a resample's optimum lies near it. */
        for (int j = 0; j < nbest && j < RESAMPLE_STARTS; j++) {
            double x[5];
            memcpy(x, best[j], sizeof x);
            double f = lbfgs(o, &fd, x);
            if (f < bf) {
                bf = f;
                memcpy(bx, x, sizeof x);
            }
        }
        /* A resample whose optimum is on a bound has no law to count (its exponent would be 0/0). */
        if (!isfinite(bf) || !(bx[3] > 0 && bx[4] > 0))
            continue;
        double v[LLMCOST_FIT_NPARAMS];
        to_constants(bx, v);
        for (int c = 0; c < LLMCOST_FIT_NPARAMS; c++)
            boot[(size_t)c * nb + ok] = v[c];
        boot[(size_t)LLMCOST_FIT_NPARAMS * nb + ok] = bx[4] / (bx[3] + bx[4]);
        ok++;
    }
    out->bootstrap = ok;
    if (ok == 0)
        goto done;
    double tail = (1.0 - opt->confidence) / 2.0;
    for (int c = 0; c <= LLMCOST_FIT_NPARAMS; c++) {
        double *v = boot + (size_t)c * nb;
        qsort(v, (size_t)ok, sizeof *v, cmp_double);
        double lo = quantile(v, ok, tail), hi = quantile(v, ok, 1.0 - tail);
        if (c < LLMCOST_FIT_NPARAMS) {
            out->lo[c] = lo;
            out->hi[c] = hi;
        } else {
            out->a_lo = lo;
            out->a_hi = hi;
        }
    }
done:
    if (rc == 0 && opt->progress)
        opt->progress(opt->progress_ctx, 1.0);
    free(order);
    free(boot);
    free(buf);
    if (o)
        nlopt_destroy(o);
    return rc;
}
