/* scaling.c - scaling laws (data/scaling_laws.json) and the compute-optimal questions they answer in closed form. */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config.h"
#include "embedded.h"
#include "internal.h"
#include "llmcost/ranges.h"
#include "llmcost/scaling.h"

#define LAWS_PATH "data/scaling_laws.json"
#define MAX_LAWS 32

static llmcost_law laws[MAX_LAWS];
static int nlaws;
static pthread_once_t laws_once = PTHREAD_ONCE_INIT;

/* Reads one law object "obj" into "out"; "origin" names it in messages ("data/scaling_laws.json: laws[2]"). */
static int read_law(llmcost_law *out, json_t *obj, const char *origin, const char *default_source)
{
    memset(out, 0, sizeof *out);
    if (!json_is_object(obj))
        return lc_fail(LLMCOST_EINVAL, "%s: expected a JSON object for the law", origin);
    lc_cfg c = {obj, origin, ""};
    const char *s;
    int rc = lc_cfg_text(&c, &s, LC_KEYS("name"), NULL);
    if (rc < 0)
        return rc;
    if (!s || !s[0])
        return lc_fail(LLMCOST_EINVAL, "%s: missing key 'name'", origin);
    /* Text that does not fit its field is refused, naming the key (never cut). */
    if ((rc = lc_cfg_text_into(&c, out->name, sizeof out->name, LC_KEYS("name"), NULL)) < 0 ||
        (rc = lc_cfg_text_into(&c, out->title, sizeof out->title, LC_KEYS("title"), out->name)) < 0)
        return rc;
    if ((rc = lc_cfg_text(&c, &s, LC_KEYS("form"), "chinchilla")) < 0)
        return rc;
    if (!strcmp(s, "chinchilla"))
        out->form = LLMCOST_LAW_CHINCHILLA;
    else if (!strcmp(s, "kaplan"))
        out->form = LLMCOST_LAW_KAPLAN;
    else
        return lc_fail(LLMCOST_EINVAL, "%s: key 'form': '%s' is not 'chinchilla' or 'kaplan'", origin, s);
    if ((rc = lc_cfg_text_into(&c, out->counts, sizeof out->counts, LC_KEYS("counts"), "")) < 0)
        return rc;
    if ((rc = lc_cfg_text(&c, &s, LC_KEYS("source"), default_source)) < 0)
        return rc;
    if (!s)
        return lc_fail(LLMCOST_EINVAL, "%s: missing key 'source' (every bundled law names where it comes from)",
                       origin);
    if ((rc = lc_cfg_text_into(&c, out->source, sizeof out->source, LC_KEYS("source"), default_source)) < 0)
        return rc;

    /* The constants of the chosen form are required; each is named in the message when missing. */
    struct {
        const char *key;
        double *dst;
        llmcost_law_form form;
    } keys[] = {
        {"E", &out->E, LLMCOST_LAW_CHINCHILLA},          {"A", &out->A, LLMCOST_LAW_CHINCHILLA},
        {"B", &out->B, LLMCOST_LAW_CHINCHILLA},          {"alpha", &out->alpha, LLMCOST_LAW_CHINCHILLA},
        {"beta", &out->beta, LLMCOST_LAW_CHINCHILLA},    {"N_c", &out->n_c, LLMCOST_LAW_KAPLAN},
        {"D_c", &out->d_c, LLMCOST_LAW_KAPLAN},          {"alpha_N", &out->alpha_n, LLMCOST_LAW_KAPLAN},
        {"alpha_D", &out->alpha_d, LLMCOST_LAW_KAPLAN},
    };
    for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++) {
        if (keys[k].form != out->form)
            continue;
        const char *names[] = {keys[k].key, NULL};
        rc = lc_cfg_real(&c, keys[k].dst, names, NAN);
        if (rc < 0)
            return rc;
        if (rc == 0)
            return lc_fail(LLMCOST_EINVAL, "%s: missing key '%s' (a %s law needs %s)", origin, keys[k].key,
                           out->form == LLMCOST_LAW_KAPLAN ? "kaplan" : "chinchilla",
                           out->form == LLMCOST_LAW_KAPLAN ? "N_c, D_c, alpha_N and alpha_D"
                                                           : "E, A, B, alpha and beta");
    }
    rc = llmcost_scaling_law_check(out);
    if (rc < 0) {
        char why[256];
        lc_strlcpy(why, llmcost_errmsg(), sizeof why); /* the message buffer is about to be rewritten */
        return lc_fail(rc, "%s: %s", origin, why);
    }
    return 0;
}

int llmcost_scaling_law_pick(llmcost_law *out, const char *spec, const double *const constants[5])
{
    if (!out)
        return lc_fail(LLMCOST_EINVAL, "llmcost_scaling_law_pick: NULL argument");
    if (!spec)
        spec = "chinchilla";
    if (!spec[0])
        return lc_fail(LLMCOST_EINVAL, "law: empty value");
    const llmcost_law *l = llmcost_scaling_law_find(spec);
    if (l) {
        *out = *l;
    } else if (strchr(spec, '/') || strchr(spec, '.')) {
        int rc = llmcost_scaling_law_load_file(out, spec);
        if (rc < 0)
            return rc;
    } else {
        char all[512] = "";
        for (int i = 0; i < llmcost_scaling_law_count(); i++) {
            size_t n = strlen(all);
            snprintf(all + n, sizeof all - n, "%s%s", i ? ", " : "", llmcost_scaling_law_at(i)->name);
        }
        return lc_fail(LLMCOST_EINVAL, "law: '%s' is not a bundled law (%s) or a .json file", spec, all);
    }
    /* User constants override the chosen law's, one by one; the law is then named for what it is. */
    static const char *const names[] = {"E", "A", "B", "alpha", "beta"};
    double *dst[] = {&out->E, &out->A, &out->B, &out->alpha, &out->beta};
    char changed[128] = "";
    for (int i = 0; constants && i < 5; i++) {
        if (!constants[i])
            continue;
        if (out->form != LLMCOST_LAW_CHINCHILLA)
            return lc_fail(LLMCOST_EINVAL, "%s: the law '%s' has Kaplan's form, which has no constant %s", names[i],
                           out->name, names[i]);
        *dst[i] = *constants[i];
        size_t n = strlen(changed);
        snprintf(changed + n, sizeof changed - n, "%s%s = %g", n ? ", " : "", names[i], *constants[i]);
    }
    if (changed[0]) {
        char base[sizeof out->name];
        lc_strlcpy(base, out->name, sizeof base);
        lc_strlcpy(out->name, "user", sizeof out->name);
        /* The fields have room for the longest constants after any bundled law; a user's laws file may not. */
        int t = snprintf(out->title, sizeof out->title, "%s with user constants (%s)", base, changed);
        size_t n = strlen(out->source);
        int s = snprintf(out->source + n, sizeof out->source - n, "; constants %s given on the command line", changed);
        if (t < 0 || (size_t)t >= sizeof out->title || s < 0 || (size_t)s >= sizeof out->source - n)
            return lc_fail(LLMCOST_EINVAL, "law: '%s' with the constants %s: its title or source is too long to keep",
                           base, changed);
    }
    return 0;
}

int llmcost_scaling_law_check(const llmcost_law *l)
{
    /* Each constant inside its plausible range (ranges.h, "law.E" ...), named as the law file names it. */
    const double ch[] = {l->E, l->A, l->B, l->alpha, l->beta}, ka[] = {l->n_c, l->d_c, l->alpha_n, l->alpha_d};
    static const char *const chn[] = {"E", "A", "B", "alpha", "beta"}, *const kan[] = {"N_c", "D_c", "alpha_N", "alpha_D"};
    if (l->form != LLMCOST_LAW_CHINCHILLA && l->form != LLMCOST_LAW_KAPLAN)
        return lc_fail(LLMCOST_EINVAL, "unknown law form %d", (int)l->form);
    bool k = l->form == LLMCOST_LAW_KAPLAN;
    for (int i = 0; i < (k ? 4 : 5); i++) {
        char field[16], who[32];
        snprintf(field, sizeof field, "law.%s", k ? kan[i] : chn[i]);
        snprintf(who, sizeof who, "constant %s", k ? kan[i] : chn[i]);
        int rc = lc_range(field, who, k ? ka[i] : ch[i]);
        if (rc)
            return rc;
    }
    return 0;
}

/* Reads the bundled laws; run once, under pthread_once. A broken data file is a build defect: tests load every law. */
static void read_laws(void)
{
    const lc_embedded *f = lc_embedded_find(LAWS_PATH);
    json_t *root = NULL;
    if (!f || lc_parse_json(&root, f->text, f->len, LAWS_PATH) < 0)
        return;
    json_t *arr = json_object_get(root, "laws");
    size_t i;
    json_t *v;
    json_array_foreach(arr, i, v)
    {
        if (nlaws >= MAX_LAWS)
            break;
        char origin[96];
        snprintf(origin, sizeof origin, "%s: laws[%zu]", LAWS_PATH, i);
        if (read_law(&laws[nlaws], v, origin, NULL) == 0)
            nlaws++;
    }
    json_decref(root);
}

static void index_laws(void)
{
    pthread_once(&laws_once, read_laws);
}

int lc_laws_init(void)
{
    index_laws();
    return nlaws > 0 ? 0 : lc_fail(LLMCOST_EINVAL, "%s: no law could be read (a build defect)", LAWS_PATH);
}

int llmcost_scaling_law_count(void)
{
    index_laws();
    return nlaws;
}

const llmcost_law *llmcost_scaling_law_at(int i)
{
    index_laws();
    return i >= 0 && i < nlaws ? &laws[i] : NULL;
}

const llmcost_law *llmcost_scaling_law_find(const char *name)
{
    index_laws();
    for (int i = 0; name && i < nlaws; i++)
        if (!strcasecmp(laws[i].name, name))
            return &laws[i];
    return NULL;
}

int llmcost_scaling_law_load_file(llmcost_law *out, const char *path)
{
    char *text;
    size_t len;
    int rc = lc_read_file(&text, &len, path);
    if (rc < 0)
        return rc;
    rc = llmcost_scaling_law_load_json(out, text, len, path);
    free(text);
    return rc;
}

int llmcost_scaling_law_load_json(llmcost_law *out, const char *text, size_t len, const char *origin)
{
    memset(out, 0, sizeof *out);
    if (!text)
        return lc_fail(LLMCOST_EINVAL, "llmcost_scaling_law_load_json: the text is NULL");
    const char *path = origin ? origin : "law text";
    json_t *root;
    int rc = lc_parse_json(&root, text, len, path);
    if (rc < 0)
        return rc;
    char src[400];
    snprintf(src, sizeof src, "user file %s", path);
    json_t *obj = root;
    char where[512];
    snprintf(where, sizeof where, "%s", path);
    json_t *arr = json_is_object(root) ? json_object_get(root, "laws") : NULL;
    if (arr) {
        if (!json_is_array(arr) || json_array_size(arr) == 0) {
            json_decref(root);
            return lc_fail(LLMCOST_EINVAL, "%s: key 'laws': expected a non-empty array of laws", path);
        }
        obj = json_array_get(arr, 0);
        snprintf(where, sizeof where, "%s: laws[0]", path);
    }
    rc = read_law(out, obj, where, src);
    json_decref(root);
    return rc;
}

/* ---- The law and its closed forms (docs/formulas.md, "Scaling laws and budgets") ---- */

double llmcost_scaling_loss(const llmcost_law *l, double n, double d)
{
    if (!(n > 0) || !(d > 0) || !isfinite(n) || !isfinite(d))
        return NAN;
    if (l->form == LLMCOST_LAW_KAPLAN) {
        double p = l->alpha_n / l->alpha_d;
        return pow(pow(l->n_c / n, p) + l->d_c / d, l->alpha_d);
    }
    return l->E + l->A / pow(n, l->alpha) + l->B / pow(d, l->beta);
}

/* Fills "out" from N and D, checking that both came out finite and positive. */
static int finish(llmcost_allocation *out, const llmcost_law *l, double n, double d, const char *what)
{
    if (!isfinite(n) || !isfinite(d) || !(n > 0) || !(d > 0))
        return lc_fail(LLMCOST_EOVERFLOW, "%s: the law '%s' gives N = %g, D = %g, outside what a double holds", what,
                       l->name, n, d);
    out->n_params = n;
    out->n_tokens = d;
    out->flops = 6.0 * n * d;
    out->loss = llmcost_scaling_loss(l, n, d);
    out->tokens_per_param = d / n;
    if (!isfinite(out->flops))
        return lc_fail(LLMCOST_EOVERFLOW, "%s: compute 6ND overflows a double", what);
    return 0;
}

/* An input of the closed forms inside its plausible range (ranges.h): "flops", "n_params", "n_tokens", "loss". */
static int check_positive(double x, const char *field)
{
    return lc_range(field, NULL, x);
}

int llmcost_scaling_optimal(llmcost_allocation *out, const llmcost_law *l, double flops)
{
    memset(out, 0, sizeof *out);
    int rc = check_positive(flops, "flops");
    if (rc || (rc = llmcost_scaling_law_check(l)) < 0)
        return rc;
    double n;
    if (l->form == LLMCOST_LAW_KAPLAN) {
        /* min over N of f = (N_c/N)^p + 6 D_c N / C, p = alpha_N/alpha_D: N^(p+1) = p N_c^p C / (6 D_c). */
        double p = l->alpha_n / l->alpha_d;
        n = exp((log(p) + p * log(l->n_c) + log(flops / 6.0) - log(l->d_c)) / (p + 1.0));
    } else {
        /* Hoffmann et al. 2022, eq. (4): N = G (C/6)^(beta/(alpha+beta)), G = (alpha A / (beta B))^(1/(alpha+beta)). */
        double s = l->alpha + l->beta;
        double g = pow(l->alpha * l->A / (l->beta * l->B), 1.0 / s);
        n = g * pow(flops / 6.0, l->beta / s);
    }
    double d = flops / (6.0 * n);
    rc = finish(out, l, n, d, "compute-optimal allocation");
    out->flops = flops; /* exactly the budget asked for, not 6ND recomputed with rounding */
    return rc;
}

int llmcost_scaling_tokens_for_params(llmcost_allocation *out, const llmcost_law *l, double n)
{
    memset(out, 0, sizeof *out);
    int rc = check_positive(n, "n_params");
    if (rc || (rc = llmcost_scaling_law_check(l)) < 0)
        return rc;
    double d;
    if (l->form == LLMCOST_LAW_KAPLAN) {
        /* At the optimum p (N_c/N)^p = D_c / D. */
        double p = l->alpha_n / l->alpha_d;
        d = l->d_c / (p * pow(l->n_c / n, p));
    } else {
        /* At the optimum alpha A / N^alpha = beta B / D^beta (the two marginal gains along C = 6ND balance). */
        d = exp((log(l->beta * l->B / (l->alpha * l->A)) + l->alpha * log(n)) / l->beta);
    }
    return finish(out, l, n, d, "optimal tokens");
}

int llmcost_scaling_params_for_tokens(llmcost_allocation *out, const llmcost_law *l, double d)
{
    memset(out, 0, sizeof *out);
    int rc = check_positive(d, "n_tokens");
    if (rc || (rc = llmcost_scaling_law_check(l)) < 0)
        return rc;
    double n;
    if (l->form == LLMCOST_LAW_KAPLAN) {
        double p = l->alpha_n / l->alpha_d;
        n = l->n_c * pow(p * d / l->d_c, 1.0 / p);
    } else {
        n = exp((log(l->alpha * l->A / (l->beta * l->B)) + l->beta * log(d)) / l->alpha);
    }
    return finish(out, l, n, d, "optimal parameters");
}

int llmcost_scaling_evaluate(llmcost_allocation *out, const llmcost_law *l, double n, double d)
{
    memset(out, 0, sizeof *out);
    int rc = check_positive(n, "n_params");
    if (rc || (rc = check_positive(d, "n_tokens")) || (rc = llmcost_scaling_law_check(l)) < 0)
        return rc;
    return finish(out, l, n, d, "loss");
}

int llmcost_scaling_target(llmcost_allocation *out, const llmcost_law *l, double loss)
{
    memset(out, 0, sizeof *out);
    int rc = check_positive(loss, "loss");
    if (rc || (rc = llmcost_scaling_law_check(l)) < 0)
        return rc;
    double n, d;
    if (l->form == LLMCOST_LAW_KAPLAN) {
        /* f = L^(1/alpha_D); at the optimum (N_c/N)^p = f/(1+p) and D_c/D = p f/(1+p). */
        double p = l->alpha_n / l->alpha_d;
        double f = pow(loss, 1.0 / l->alpha_d);
        n = l->n_c * pow((1.0 + p) / f, 1.0 / p);
        d = l->d_c * (1.0 + p) / (p * f);
    } else {
        /* At the optimum A/N^alpha : B/D^beta = beta : alpha, and they sum to L - E. */
        double x = loss - l->E;
        if (!(x > 0))
            return lc_fail(LLMCOST_EINVAL,
                           "target loss %g is not above the law's irreducible loss E = %g: no model reaches it", loss,
                           l->E);
        double s = l->alpha + l->beta;
        n = exp(log(l->A * s / (l->beta * x)) / l->alpha);
        d = exp(log(l->B * s / (l->alpha * x)) / l->beta);
    }
    return finish(out, l, n, d, "target loss");
}
