/* course.c - the course's interface, `llmcost --model_config FILE --training_budget DOLLARS`: its script's lines. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/*
 * Writes "x" as Python's repr(float) does, since the course's script printed its numbers with print(): the
 * shortest digits that read back as x, positional for 1e-4 <= |x| < 1e16 (with ".0" when integral), otherwise
 * "d.ddde+XX". 5.616e23 -> "5.616e+23", 47476210890.12571 -> "47476210890.12571", 5e6 -> "5000000.0".
 */
void cli_python_float(char *buf, size_t size, double x)
{
    if (isnan(x)) {
        snprintf(buf, size, "nan");
        return;
    }
    if (isinf(x)) {
        snprintf(buf, size, x > 0 ? "inf" : "-inf");
        return;
    }
    if (x == 0) {
        snprintf(buf, size, signbit(x) ? "-0.0" : "0.0");
        return;
    }
    char e[40];
    for (int p = 0; p <= 16; p++) {
        snprintf(e, sizeof e, "%.*e", p, x);
        if (strtod(e, NULL) == x)
            break;
    }
    /* e = "-d.ddde+XX": collect the digits and the decimal exponent. */
    const char *s = e;
    bool neg = *s == '-';
    if (neg)
        s++;
    char digits[24];
    int nd = 0;
    for (; *s && *s != 'e'; s++)
        if (*s != '.')
            digits[nd++] = *s;
    while (nd > 1 && digits[nd - 1] == '0')
        nd--;
    digits[nd] = '\0';
    int exp10 = atoi(s + 1);
    size_t len = 0;
    if (neg)
        len += (size_t)snprintf(buf + len, size - len, "-");
    if (exp10 < -4 || exp10 >= 16) {
        snprintf(buf + len, size - len, "%c%s%s%se%c%02d", digits[0], nd > 1 ? "." : "", digits + 1, "",
                 exp10 < 0 ? '-' : '+', abs(exp10));
        return;
    }
    if (exp10 < 0) {
        len += (size_t)snprintf(buf + len, size - len, "0.");
        for (int i = -1; i > exp10 && len < size; i--)
            len += (size_t)snprintf(buf + len, size - len, "0");
        snprintf(buf + len, size - len, "%s", digits);
        return;
    }
    /* exp10 + 1 digits before the point, padded with zeros; the rest after it, or ".0". */
    for (int i = 0; i <= exp10 && len < size; i++)
        len += (size_t)snprintf(buf + len, size - len, "%c", i < nd ? digits[i] : '0');
    snprintf(buf + len, size - len, ".%s", nd > exp10 + 1 ? digits + exp10 + 1 : "0");
}

bool cli_is_course(const char *arg)
{
    static const char *const flags[] = {"--model_config", "--training_budget", "--validate", NULL};
    for (int i = 0; flags[i]; i++) {
        size_t n = strlen(flags[i]);
        if (!strncmp(arg, flags[i], n) && (arg[n] == '\0' || arg[n] == '='))
            return true;
    }
    return false;
}

/* Which layer the course's "one layer" is, on stderr (stdout keeps the script's exact lines). */
static void layer_note(const llmcost_model *m, const llmcost_course_answers *c)
{
    if (!c->has_other) {
        /* A dense model's one layer is any of its layers; an MoE model's is an MoE layer: say so. */
        if (c->layer.moe)
            fprintf(stderr, "llmcost: note: %s: one layer = layer %lld, an MoE layer (all %lld layers are)\n", m->name,
                    (long long)c->layer.layer, (long long)m->n_layers);
        return;
    }
    char other[160];
    cli_python_float(other, sizeof other, c->other.answer_bytes / 1073741824.0);
    fprintf(stderr, "llmcost: note: %s: one layer = layer %lld, %s (%lld of its %lld layers are); a %s layer (layer "
                    "%lld) takes %s GBs ('llmcost memory --course-layer' shows both)\n",
            m->name, (long long)c->layer.layer, c->layer.moe ? "an MoE layer" : "a dense layer",
            (long long)c->layer.same_kind, (long long)m->n_layers, c->other.moe ? "MoE" : "dense",
            (long long)c->other.layer, other);
}

static int model_config_lines(const char *path)
{
    llmcost_model *m;
    int rc = cli_load_model(&m, path);
    if (rc)
        return rc;
    /* The library's course answers (budget.h), the same `llmcost memory --course-layer` and validate report. */
    llmcost_course_answers c;
    rc = llmcost_course_model(&c, m, 0);
    if (rc < 0) {
        llmcost_model_free(m);
        return cli_lib_error(rc);
    }
    char tf[40], gb[40];
    cli_python_float(tf, sizeof tf, c.layer.forward_flops / 1e12);
    cli_python_float(gb, sizeof gb, c.layer.answer_bytes / 1073741824.0);
    printf("Number of parameters: %lld\nNumber of TFLOPs: %s\nPeak memory cost: %s GBs\n", (long long)c.n_params, tf,
           gb);
    layer_note(m, &c);
    llmcost_model_free(m);
    return 0;
}

static int training_budget_lines(double dollars)
{
    /* The course's question: its price list, 40% MFU on every GPU, its scaling law (beta = 0.29), C = 6ND. */
    llmcost_budget *b;
    int rc = llmcost_course_budget(&b, dollars);
    if (rc < 0)
        return cli_budget_error(rc);
    char name[48], c[40], nb[40], db[40];
    llmcost_course_gpu_name(name, sizeof name, b->gpus[b->best].name);
    cli_python_float(c, sizeof c, b->flops);
    cli_python_float(nb, sizeof nb, b->answer.n_params);
    cli_python_float(db, sizeof db, b->answer.n_tokens);
    llmcost_budget_free(b);
    printf("best_gpu: %s\ntraining_budget_flops: %s\nOptimal N: %s\nOptimal D: %s\n", name, c, nb, db);
    return 0;
}

static const cli_command *find_command(const char *name)
{
    for (const cli_command *c = cli_commands; c->name; c++)
        if (!strcmp(c->name, name))
            return c;
    return NULL;
}

int cli_course(int argc, char **argv)
{
    const char *config = NULL, *budget = NULL;
    bool validate = false;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char **dst = !strncmp(a, "--model_config", 14)      ? &config
                           : !strncmp(a, "--training_budget", 17) ? &budget
                                                                   : NULL;
        if (dst && cli_is_course(a)) {
            const char *eq = strchr(a, '=');
            if (eq)
                *dst = eq + 1;
            else if (i + 1 < argc)
                *dst = argv[++i];
            else
                return cli_usage_error(NULL, "%s needs a value (%s)", a, dst == &config ? "PATH" : "DOLLARS");
            if (!**dst)
                return cli_usage_error(NULL, "%.*s: empty value", (int)(eq ? eq - a : (long)strlen(a)), a);
            continue;
        }
        if (!strcmp(a, "--validate") && find_command("validate")) {
            validate = true;
            continue;
        }
        if (!strcmp(a, "--validate"))
            return cli_usage_error(NULL, "'--validate': this build has no 'validate' command");
        return cli_usage_error(NULL, "'%s': the course's interface takes --model_config PATH, --training_budget "
                                     "DOLLARS%s",
                               a, find_command("validate") ? " and --validate" : "");
    }
    double dollars = 0;
    if (budget) {
        if (llmcost_parse_quantity(&dollars, budget, 0) != 0)
            return cli_usage_error(NULL, "--training_budget: %s", llmcost_errmsg());
        if (!(dollars > 0))
            return cli_usage_error(NULL, "--training_budget: '%s' must be positive", budget);
        int rrc = cli_check_range("--training_budget", "dollars", dollars);
        if (rrc)
            return rrc;
    }
    int rc = 0;
    if (config && (rc = model_config_lines(config)) != 0)
        return rc;
    if (budget && (rc = training_budget_lines(dollars)) != 0)
        return rc;
    if (validate) {
        char *vargv[] = {"validate", NULL};
        rc = find_command("validate")->run(1, vargv);
    }
    return rc;
}
