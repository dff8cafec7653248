/* budget.c - what a budget buys (llmcost_budget_compute) and the course's questions (llmcost_course_*): the GPU
 * choice, FLOPs per dollar, the compute, the scaling law's N and D, cost, the step model's MFU as a fixed point,
 * whether that job fits, and one layer's FLOPs and memory as the course asks them. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "llmcost/budget.h"
#include "llmcost/design.h"
#include "llmcost/flops.h"
#include "llmcost/params.h"
#include "llmcost/step.h"

const char *llmcost_budget_question_name(llmcost_budget_question q)
{
    static const char *const names[] = {"dollars", "flops", "gpu_hours", "params", "tokens", "params_tokens",
                                        "target_loss"};
    return (unsigned)q < LLMCOST_BUDGET_QUESTION_COUNT ? names[q] : "?";
}

/* The option field holding the question's number, as messages name it. */
static const char *question_field(llmcost_budget_question q)
{
    static const char *const fields[] = {"dollars", "flops", "gpu_hours", "n_params", "n_tokens", "n_params",
                                         "target_loss"};
    return (unsigned)q < LLMCOST_BUDGET_QUESTION_COUNT ? fields[q] : "question";
}

static bool is_budget(llmcost_budget_question q)
{
    return q == LLMCOST_BUDGET_DOLLARS || q == LLMCOST_BUDGET_FLOPS || q == LLMCOST_BUDGET_GPU_HOURS;
}

/* ---- strings the result owns ---- */

typedef struct {
    char **v;
    int n, cap;
} owned;

static const char *keep(llmcost_budget *b, const char *s)
{
    owned *o = (owned *)b->strings;
    if (!o || !s)
        return NULL;
    if (o->n == o->cap) {
        int cap = o->cap ? 2 * o->cap : 32;
        char **v = realloc(o->v, (size_t)cap * sizeof *v);
        if (!v)
            return NULL;
        o->v = v;
        o->cap = cap;
    }
    size_t len = strlen(s);
    char *c = malloc(len + 1);
    if (!c)
        return NULL;
    memcpy(c, s, len + 1);
    o->v[o->n++] = c;
    return c;
}

void llmcost_budget_free(llmcost_budget *b)
{
    if (!b)
        return;
    owned *o = (owned *)b->strings;
    if (o) {
        for (int i = 0; i < o->n; i++)
            free(o->v[i]);
        free(o->v);
        free(o);
    }
    free(b->gpus);
    free(b->laws);
    free(b);
}

/* ---- the candidates ---- */

static int add_candidate(llmcost_budget *b, const char *name, const char *full_name, double peak, double price,
                         const char *source)
{
    llmcost_budget_gpu *c = &b->gpus[b->n_gpus++];
    memset(c, 0, sizeof *c);
    c->name = keep(b, name);
    c->full_name = keep(b, full_name);
    c->price_source = keep(b, source);
    c->peak_flops = peak;
    c->price_per_hour = price;
    return c->name && c->full_name && c->price_source ? 0 : lc_fail(LLMCOST_ENOMEM, "out of memory");
}

/* The GPUs asked for by name ("gpus", each checked against the catalogue), a price list, both (the list's entries
 * for those GPUs), or neither (every catalogue GPU with a price and a bf16 or fp16 peak). */
static int candidates(llmcost_budget *b, const llmcost_budget_options *o)
{
    const llmcost_catalog *cat = o->catalog;
    const llmcost_price_list *pl = NULL;
    if (o->price_list) {
        pl = llmcost_catalog_price_list_find(cat, o->price_list);
        if (!pl) {
            char names[512] = "";
            for (int i = 0; i < llmcost_catalog_price_list_count(cat); i++) {
                size_t l = strlen(names);
                snprintf(names + l, sizeof names - l, "%s%s", i ? ", " : "", llmcost_catalog_price_list_at(cat, i)->name);
            }
            return lc_fail(LLMCOST_EINVAL, "price_list: no price list '%s' (known: %s)", o->price_list, names);
        }
    }
    const llmcost_gpu *wanted[LLMCOST_BUDGET_MAX_GPUS];
    int nwanted = 0;
    if (o->gpus) {
        const char *gpus = o->gpus;
        size_t gl = strlen(gpus);
        /* An empty entry ("a100,,h100") is a typo, not a list of two. */
        if (gl == 0 || gpus[0] == ',' || gpus[gl - 1] == ',' || strstr(gpus, ",,"))
            return lc_fail(LLMCOST_EINVAL, "gpus: empty entry in '%s'", gpus);
        for (const char *p = gpus; *p;) {
            const char *e = strchr(p, ',');
            size_t len = e ? (size_t)(e - p) : strlen(p);
            while (len > 0 && *p == ' ')
                p++, len--;
            char tok[256];
            if (len >= sizeof tok)
                return lc_fail(LLMCOST_EINVAL, "gpus: '%.40s...' is not in the GPU catalogue (see data/gpus.json)", p);
            memcpy(tok, p, len);
            tok[len] = '\0';
            const llmcost_gpu *g = llmcost_catalog_gpu_find(cat, tok);
            if (!g)
                return lc_fail(LLMCOST_EINVAL, "gpus: '%s' is not in the GPU catalogue (see data/gpus.json)", tok);
            if (nwanted == LLMCOST_BUDGET_MAX_GPUS)
                return lc_fail(LLMCOST_EINVAL, "gpus: at most %d GPUs", LLMCOST_BUDGET_MAX_GPUS);
            wanted[nwanted++] = g;
            p = e ? e + 1 : p + len;
        }
        if (nwanted == 0)
            return lc_fail(LLMCOST_EINVAL, "gpus: empty list");
    }
    int rc = 0;
    if (pl) {
        char source[512];
        snprintf(source, sizeof source, "price list '%s' (%s)", pl->name, pl->source);
        for (int i = 0; i < pl->n && b->n_gpus < LLMCOST_BUDGET_MAX_GPUS && !rc; i++) {
            const llmcost_price_entry *e = &pl->entries[i];
            const llmcost_gpu *g = llmcost_catalog_gpu_find(cat, e->gpu);
            bool use = nwanted == 0;
            for (int k = 0; k < nwanted && !use; k++)
                use = wanted[k] == g;
            if (use)
                rc = add_candidate(b, e->gpu, g ? g->full_name : e->gpu, e->peak_flops, e->price_per_hour, source);
        }
        if (!rc && b->n_gpus == 0)
            return lc_fail(LLMCOST_EINVAL, "gpus: none of '%s' is on the price list '%s'", o->gpus, pl->name);
    } else {
        int count = nwanted ? nwanted : llmcost_catalog_gpu_count(cat);
        for (int i = 0; i < count && b->n_gpus < LLMCOST_BUDGET_MAX_GPUS && !rc; i++) {
            const llmcost_gpu *g = nwanted ? wanted[i] : llmcost_catalog_gpu_at(cat, i);
            /* The 16-bit peak: bf16, or fp16 on the parts without bf16 (V100, T4). */
            if (!(g->price_per_hour > 0) || !(llmcost_gpu_half_peak(g) > 0)) {
                if (nwanted)
                    return lc_fail(LLMCOST_EINVAL, "gpus: the catalogue has no %s for '%s'; use price_list",
                                   g->price_per_hour > 0 ? "bf16 or fp16 peak" : "price", g->name);
                continue;
            }
            rc = add_candidate(b, g->name, g->full_name, llmcost_gpu_half_peak(g), g->price_per_hour,
                               g->price_source);
        }
        if (!rc && b->n_gpus == 0)
            return lc_fail(LLMCOST_EINVAL, "gpus: no GPU in the catalogue has both a price and a bf16 or fp16 peak");
    }
    if (rc)
        return rc;
    for (int i = 0; i < b->n_gpus; i++) {
        llmcost_budget_gpu *c = &b->gpus[i];
        c->mfu = o->mfu;
        c->effective_flops_per_second = c->peak_flops * c->mfu;
        c->flops_per_usd = c->effective_flops_per_second * 3600.0 / c->price_per_hour;
    }
    /* The caller's price and peak override every candidate's. */
    for (int i = 0; i < b->n_gpus && (o->price_per_hour > 0 || o->peak_flops > 0); i++) {
        llmcost_budget_gpu *c = &b->gpus[i];
        if (o->price_per_hour > 0) {
            c->price_per_hour = o->price_per_hour;
            if (!(c->price_source = keep(b, o->price_source ? o->price_source : "price_per_hour")))
                return lc_fail(LLMCOST_ENOMEM, "out of memory");
        }
        if (o->peak_flops > 0)
            c->peak_flops = o->peak_flops;
        c->effective_flops_per_second = c->peak_flops * c->mfu;
        c->flops_per_usd = c->effective_flops_per_second * 3600.0 / c->price_per_hour;
    }
    return 0;
}

/* ---- the question under a law ---- */

static int answer(llmcost_allocation *a, const llmcost_law *law, const llmcost_budget_options *o, double flops)
{
    switch (o->question) {
    case LLMCOST_BUDGET_DOLLARS:
    case LLMCOST_BUDGET_FLOPS:
    case LLMCOST_BUDGET_GPU_HOURS:
        return llmcost_scaling_optimal(a, law, flops);
    case LLMCOST_BUDGET_PARAMS:
        return llmcost_scaling_tokens_for_params(a, law, o->n_params);
    case LLMCOST_BUDGET_TOKENS:
        return llmcost_scaling_params_for_tokens(a, law, o->n_tokens);
    case LLMCOST_BUDGET_PARAMS_TOKENS:
        return llmcost_scaling_evaluate(a, law, o->n_params, o->n_tokens);
    case LLMCOST_BUDGET_TARGET_LOSS:
        return llmcost_scaling_target(a, law, o->target_loss);
    default:
        break;
    }
    return lc_fail(LLMCOST_EINVAL, "question = %d is not a llmcost_budget_question", (int)o->question);
}

/* The compute a budget question buys on GPU "g" with MFU "mfu" (0 for the other questions: the law gives it). */
static double compute_of(const llmcost_budget_options *o, const llmcost_budget_gpu *g, double mfu)
{
    switch (o->question) {
    case LLMCOST_BUDGET_DOLLARS:
        return o->dollars / g->price_per_hour * 3600 * g->peak_flops * mfu;
    case LLMCOST_BUDGET_GPU_HOURS:
        return o->gpu_hours * 3600 * g->peak_flops * mfu;
    case LLMCOST_BUDGET_FLOPS:
        return o->flops;
    default:
        return 0;
    }
}

/* The compute the question buys on candidate "g" as planned (its FLOPs per dollar, its effective FLOP/s). */
static double planned_compute(const llmcost_budget_options *o, const llmcost_budget_gpu *g)
{
    return o->question == LLMCOST_BUDGET_DOLLARS     ? o->dollars * g->flops_per_usd
           : o->question == LLMCOST_BUDGET_FLOPS     ? o->flops
           : o->question == LLMCOST_BUDGET_GPU_HOURS ? o->gpu_hours * 3600.0 * g->effective_flops_per_second
                                                     : 0;
}

/* ---- model_mfu: the step model's MFU ---- */

int llmcost_budget_mfu_job(llmcost_model **model, llmcost_job *job, double n_params, int64_t gpu_count, int64_t vocab)
{
    *model = NULL;
    llmcost_design_options dopt = LLMCOST_DESIGN_OPTIONS_INIT;
    dopt.vocab = vocab;
    llmcost_design d;
    int rc = llmcost_design_llama(&d, n_params, &dopt);
    if (rc < 0)
        return rc;
    char *text;
    if ((rc = llmcost_design_config(&text, &d)) < 0)
        return rc;
    rc = llmcost_model_from_json(model, text, strlen(text), "designed model");
    llmcost_free(text);
    if (rc < 0)
        return rc;
    llmcost_step_options so = LLMCOST_STEP_OPTIONS_INIT;
    so.seq = 2048;
    so.precision = LLMCOST_PREC_BF16_MASTER;
    so.framework = LLMCOST_FW_MEGATRON;
    so.recompute = LLMCOST_RECOMPUTE_SELECTIVE;
    so.layout.gpus = gpu_count;
    so.layout.dp = gpu_count;
    so.layout.zero = 3;
    llmcost_job_from_step_options(job, &so);
    return 0;
}

/* The catalogue GPU of candidate "c", with the candidate's peak. */
static int candidate_gpu(llmcost_gpu *out, const llmcost_budget_options *o, const llmcost_budget_gpu *c)
{
    const llmcost_gpu *cat = llmcost_catalog_gpu_find(o->catalog, c->name);
    if (!cat)
        return lc_fail(LLMCOST_ENOTFOUND, "gpus: '%s' (from the price list) is not in the GPU catalogue", c->name);
    *out = *cat;
    /* The candidate's 16-bit peak: bf16, or fp16 where the part has no bf16 (V100, T4: the job runs fp16 there). */
    if (cat->peak_flops[LLMCOST_DT_BF16] > 0)
        out->peak_flops[LLMCOST_DT_BF16] = c->peak_flops;
    else
        out->fp16_flops = c->peak_flops;
    return 0;
}

static int predicted_mfu(double *out, double n_params, const llmcost_budget_options *o, const llmcost_budget_gpu *c)
{
    llmcost_model *m;
    llmcost_job job;
    int rc = llmcost_budget_mfu_job(&m, &job, n_params, o->gpu_count, o->vocab);
    if (rc < 0)
        return rc;
    llmcost_gpu gpu;
    llmcost_step st;
    rc = candidate_gpu(&gpu, o, c);
    if (rc == 0 && !(gpu.peak_flops[LLMCOST_DT_BF16] > 0))
        job.precision = LLMCOST_PREC_FP16; /* mixed precision with loss scaling where there is no bf16 */
    if (rc == 0)
        rc = llmcost_job_step(&st, m, &gpu, &job);
    llmcost_model_free(m);
    if (rc < 0)
        return rc;
    *out = st.mfu;
    return 0;
}

/* Each candidate's MFU becomes the step model's, for the model the question leads to on it. */
static int apply_model_mfu(llmcost_budget *b, const llmcost_budget_options *o)
{
    for (int i = 0; i < b->n_gpus; i++) {
        llmcost_budget_gpu *g = &b->gpus[i];
        double mfu = g->mfu;
        for (int it = 0; it < 8; it++) {
            llmcost_allocation a;
            int rc = answer(&a, &b->law, o, compute_of(o, g, mfu));
            if (rc < 0)
                return rc;
            double next;
            if ((rc = predicted_mfu(&next, a.n_params, o, g)) < 0)
                return rc;
            bool done = fabs(next - mfu) < 1e-3 * mfu;
            mfu = next;
            if (done || (o->question != LLMCOST_BUDGET_DOLLARS && o->question != LLMCOST_BUDGET_GPU_HOURS))
                break;
        }
        g->mfu = mfu;
        g->effective_flops_per_second = g->peak_flops * mfu;
        g->flops_per_usd = g->effective_flops_per_second * 3600.0 / g->price_per_hour;
    }
    return 0;
}

/* Does the best GPU's model_mfu job fit it; when not, the changes together that make it fit on those GPUs. */
static int check_fit(llmcost_budget *b, const llmcost_budget_options *o)
{
    llmcost_model *m;
    int rc = llmcost_budget_mfu_job(&m, &b->job, b->answer.n_params, o->gpu_count, o->vocab);
    if (rc < 0)
        return rc;
    llmcost_gpu gpu;
    rc = candidate_gpu(&gpu, o, &b->gpus[b->best]);
    if (rc == 0 && !(gpu.peak_flops[LLMCOST_DT_BF16] > 0))
        b->job.precision = LLMCOST_PREC_FP16; /* the job the MFU came from (predicted_mfu) */
    if (rc == 0)
        rc = llmcost_job_validate(&b->job, m);
    if (rc == 0)
        rc = llmcost_job_fit(&b->fit, m, &gpu, &b->job);
    if (rc == 0 && !b->fit.fits)
        b->has_fit_job = llmcost_job_make_fit(&b->fit_job, m, &gpu, &b->job, o->gpu_count) == 0;
    llmcost_model_free(m);
    if (rc < 0)
        return rc;
    b->fit_checked = true;
    return 0;
}

/* ---- the plan ---- */

/* The question answered on candidate "g": its compute, the law's N and D, cost, GPU-hours, wall-clock. Fails
 * with a message naming the question's field. */
static int answer_on(llmcost_budget_gpu *g, const llmcost_law *law, const llmcost_budget_options *o)
{
    const char *field = question_field(o->question);
    double c = planned_compute(o, g);
    if (is_budget(o->question) && !(isfinite(c) && c < 1e300))
        return lc_fail(LLMCOST_EINVAL, "%s: the compute it buys (%g FLOPs) is beyond what llmcost answers", field, c);
    llmcost_allocation a;
    int rc = answer(&a, law, o, c);
    if (rc < 0) {
        char msg[1024];
        lc_strlcpy(msg, llmcost_errmsg(), sizeof msg);
        return lc_fail(rc, "%s: %s", field, msg);
    }
    /* A budget so small that its optimal model has less than one parameter or one token has no answer. */
    if (!(a.n_params >= 1 && a.n_tokens >= 1 && isfinite(a.loss)))
        return lc_fail(LLMCOST_EINVAL, "%s: too small: the compute-optimal model would have %.3g parameters and %.3g "
                                       "tokens", field, a.n_params, a.n_tokens);
    g->answer = a;
    g->cost_usd = a.flops / g->flops_per_usd;
    g->gpu_hours = g->cost_usd / g->price_per_hour;
    g->wall_seconds = g->gpu_hours * 3600.0 / (double)o->gpu_count;
    if (!isfinite(g->cost_usd) || !isfinite(g->wall_seconds))
        return lc_fail(LLMCOST_EOVERFLOW, "the answer overflows a double (C = %g FLOP)", a.flops);
    return 0;
}

static int check_options(const llmcost_budget_options *o)
{
    int rc = LC_CHECK_VERSION(o, BUDGET_OPTIONS, budget_options);
    if (rc)
        return rc;
    if ((unsigned)o->question >= LLMCOST_BUDGET_QUESTION_COUNT)
        return lc_fail(LLMCOST_EINVAL, "question = %d is not a llmcost_budget_question", (int)o->question);
    if (o->vocab > 16777216)
        return lc_fail(LLMCOST_EINVAL, "vocab: at most 16,777,216");
    if (o->vocab < 1)
        return lc_fail(LLMCOST_EINVAL, "vocab = %lld: at least 1", (long long)o->vocab);
    if (!(o->mfu > 0 && o->mfu <= 1))
        return lc_fail(LLMCOST_EINVAL, "mfu = %g: must be in (0, 1]", o->mfu);
    if (o->gpu_count < 1 || o->gpu_count > (int64_t)9e15)
        return lc_fail(LLMCOST_EINVAL, "gpu_count = %lld: must be at least 1", (long long)o->gpu_count);
    /* The question's number and the overrides inside their plausible ranges (ranges.h): nothing derived overflows. */
    static const char *const range[] = {"dollars", "flops", "gpu_hours", "n_params", "n_tokens", "n_params", "loss"};
    const double asked[] = {o->dollars, o->flops, o->gpu_hours, o->n_params, o->n_tokens, o->n_params, o->target_loss};
    if ((rc = lc_range(range[o->question], question_field(o->question), asked[o->question])) ||
        (o->question == LLMCOST_BUDGET_PARAMS_TOKENS && (rc = lc_range("n_tokens", NULL, o->n_tokens))) ||
        (rc = lc_range("price_per_hour", NULL, o->price_per_hour)) || (rc = lc_range("mfu", NULL, o->mfu)) ||
        (rc = lc_range("peak_tflops", "peak_flops", o->peak_flops / 1e12)))
        return rc;
    return 0;
}

int llmcost_budget_compute(llmcost_budget **out, const llmcost_budget_options *o)
{
    if (!out)
        return lc_fail(LLMCOST_EINVAL, "llmcost_budget_compute: NULL argument");
    *out = NULL;
    if (!o)
        return lc_fail(LLMCOST_EINVAL, "llmcost_budget_compute: NULL argument");
    int rc = check_options(o);
    if (rc)
        return rc;
    llmcost_budget *b = calloc(1, sizeof *b);
    owned *text = calloc(1, sizeof *text);
    if (!b || !text) {
        free(b);
        free(text);
        return lc_fail(LLMCOST_ENOMEM, "out of memory");
    }
    b->strings = text;
    if (!(b->gpus = calloc(LLMCOST_BUDGET_MAX_GPUS, sizeof *b->gpus))) {
        llmcost_budget_free(b);
        return lc_fail(LLMCOST_ENOMEM, "out of memory");
    }
    b->question = o->question;
    b->dollars = o->dollars;
    b->gpu_hours_given = o->gpu_hours;
    b->target_loss = o->target_loss;
    b->model_mfu = o->model_mfu;
    b->gpu_count = o->gpu_count;
    if (o->law) {
        b->law = *o->law;
    } else {
        const llmcost_law *l = llmcost_scaling_law_find("chinchilla");
        if (!l) {
            llmcost_budget_free(b);
            return lc_fail(LLMCOST_ENOTFOUND, "law: the bundled 'chinchilla' law is missing");
        }
        b->law = *l;
    }
    if ((rc = llmcost_scaling_law_check(&b->law)) < 0) {
        char msg[1024];
        lc_strlcpy(msg, llmcost_errmsg(), sizeof msg);
        llmcost_budget_free(b);
        return lc_fail(rc, "law: %s", msg);
    }
    if ((rc = candidates(b, o)) < 0 || (o->model_mfu && (rc = apply_model_mfu(b, o)) < 0)) {
        llmcost_budget_free(b);
        return rc;
    }
    /* The best candidate: most FLOPs per dollar; for GPU-hours, most effective FLOP/s. */
    bool by_hour = o->question == LLMCOST_BUDGET_GPU_HOURS;
    for (int i = 1; i < b->n_gpus; i++) {
        double x = by_hour ? b->gpus[i].effective_flops_per_second : b->gpus[i].flops_per_usd;
        double y = by_hour ? b->gpus[b->best].effective_flops_per_second : b->gpus[b->best].flops_per_usd;
        if (x > y)
            b->best = i;
    }
    /* The plan is the question answered on the best GPU; the others are answered too, for comparison. */
    llmcost_budget_gpu *best = &b->gpus[b->best];
    if ((rc = answer_on(best, &b->law, o)) < 0) {
        llmcost_budget_free(b);
        return rc;
    }
    for (int i = 0; i < b->n_gpus; i++) {
        if (i == b->best)
            continue;
        llmcost_budget_gpu *g = &b->gpus[i];
        if ((g->answer_rc = answer_on(g, &b->law, o)) < 0)
            g->answer_error = keep(b, llmcost_errmsg());
    }
    b->answer = best->answer;
    b->flops = best->answer.flops;
    b->cost_usd = best->cost_usd;
    b->gpu_hours = best->gpu_hours;
    b->wall_seconds = best->wall_seconds;

    /* Every bundled law answering the same question (a budget question: with the plan's C), costed on the best
     * GPU. */
    double c = b->flops;
    b->n_laws = llmcost_scaling_law_count();
    b->laws = calloc((size_t)(b->n_laws > 0 ? b->n_laws : 1), sizeof *b->laws);
    if (!b->laws) {
        llmcost_budget_free(b);
        return lc_fail(LLMCOST_ENOMEM, "out of memory");
    }
    for (int i = 0; i < b->n_laws; i++) {
        llmcost_budget_law *l = &b->laws[i];
        l->law = llmcost_scaling_law_at(i);
        if ((l->rc = answer(&l->answer, l->law, o, c)) == 0)
            l->cost_usd = l->answer.flops / best->flops_per_usd;
        else
            l->error = keep(b, llmcost_errmsg());
    }

    if (o->design) {
        llmcost_design_options dopt = LLMCOST_DESIGN_OPTIONS_INIT;
        dopt.vocab = o->vocab;
        if ((rc = llmcost_design_llama(&b->design, b->answer.n_params, &dopt)) < 0) {
            llmcost_budget_free(b);
            return rc;
        }
        b->designed = true;
    }
    if (o->model_mfu && (rc = check_fit(b, o)) < 0) {
        llmcost_budget_free(b);
        return rc;
    }
    *out = b;
    return 0;
}

/* ---- the course ---- */

int llmcost_course_budget(llmcost_budget **out, double dollars)
{
    if (out)
        *out = NULL;
    const llmcost_law *law = llmcost_scaling_law_find("course");
    if (!law)
        return lc_fail(LLMCOST_ENOTFOUND, "the course's scaling law is missing from data/scaling_laws.json");
    llmcost_budget_options o = LLMCOST_BUDGET_OPTIONS_INIT;
    o.question = LLMCOST_BUDGET_DOLLARS;
    o.dollars = dollars;
    o.price_list = "course";
    o.mfu = 0.4;
    o.law = law;
    return llmcost_budget_compute(out, &o);
}

void llmcost_course_gpu_name(char *buf, size_t size, const char *name)
{
    if (!buf || size == 0)
        return;
    const llmcost_gpu *g = llmcost_gpu_find(name);
    char best[sizeof g->name];
    lc_strlcpy(best, g ? g->name : name, sizeof best);
    if (g) {
        /* The aliases, separated by commas and spaces. */
        for (const char *p = g->aliases; *p;) {
            size_t len = strcspn(p, ", ");
            if (len > 1 && len < strlen(best) && strncmp(p, "tpu", 3) != 0) {
                memcpy(best, p, len);
                best[len] = '\0';
            }
            p += len;
            p += strspn(p, ", ");
        }
    }
    size_t i = 0;
    for (; best[i] && i + 1 < size; i++)
        buf[i] = (char)(best[i] >= 'a' && best[i] <= 'z' ? best[i] - 'a' + 'A' : best[i]);
    buf[i] = '\0';
}

/* Layer "layer" of "m": its forward FLOPs at batch 1 (matrix products, attention unmasked) and its fp16 memory. */
static int layer_answer(llmcost_course_layer_answer *out, const llmcost_model *m, int64_t layer, int64_t seq)
{
    memset(out, 0, sizeof *out);
    out->layer = layer;
    out->moe = m->layers[layer].ffn.moe;
    for (int64_t i = 0; i < m->n_layers; i++)
        out->same_kind += m->layers[i].ffn.moe == out->moe;
    llmcost_flops_options fo = LLMCOST_FLOPS_OPTIONS_INIT;
    fo.seq = seq;
    fo.convention = LLMCOST_CONV_UNMASKED;
    int rc = llmcost_flops_layer_forward(&out->forward_flops, m, layer, &fo);
    if (rc < 0)
        return rc;
    /* The memory of that layer alone: a one-layer view of the model. */
    llmcost_model one = *m;
    one.layers = &m->layers[layer];
    one.n_layers = 1;
    if ((rc = llmcost_memory_course_layer(&out->memory, &one, 1, seq)) < 0)
        return rc;
    out->answer_bytes = out->memory.weights_bytes + out->memory.checkpoint_bytes;
    return 0;
}

int llmcost_course_model(llmcost_course_answers *out, const llmcost_model *m, int64_t seq)
{
    if (!out || !m)
        return lc_fail(LLMCOST_EINVAL, "llmcost_course_model: NULL argument");
    memset(out, 0, sizeof *out);
    if (m->n_layers < 1)
        return lc_fail(LLMCOST_EINVAL, "%s has no decoder layer", m->name);
    if (seq < 0)
        return lc_fail(LLMCOST_EINVAL, "seq = %lld: at least 1 (0: the model's training length)", (long long)seq);
    llmcost_params p;
    int rc = llmcost_params_count(&p, m);
    if (rc < 0)
        return rc;
    out->n_params = p.total;
    /* The course staff's ruling: the training length (max_sequence_length; DeepSeek-V3's 4096, never
     * max_position_embeddings), else 2048 as in the course's LLaMA config. */
    out->seq = seq > 0 ? seq : m->train_seq > 0 ? m->train_seq : 2048;
    out->seq_assumed = seq == 0 && !(m->train_seq > 0);
    /* "ONE transformer layer": the model's typical layer, for an MoE model an MoE layer (with its top-k experts
     * in the FLOPs and all its experts resident in the memory). */
    int64_t layer = llmcost_flops_typical_layer(m);
    if ((rc = layer_answer(&out->layer, m, layer, out->seq)) < 0)
        return rc;
    for (int64_t i = 0; i < m->n_layers; i++) {
        if (m->layers[i].ffn.moe != out->layer.moe) {
            if ((rc = layer_answer(&out->other, m, i, out->seq)) < 0)
                return rc;
            out->has_other = true;
            break;
        }
    }
    return 0;
}
