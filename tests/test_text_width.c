/* test_text_width.c - default text output fits in 100 columns for every command, and long text (a preset's source
 * sentence, notes, assumptions) is wrapped whole at spaces, never cut. */
#define _POSIX_C_SOURCE 200809L
#include <criterion/criterion.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"
#include "llmcost/llmcost.h"

/* The widest line of "s" in columns (UTF-8 code points), and that line in *which. */
static size_t widest(const char *s, const char **which)
{
    size_t best = 0, w = 0;
    const char *start = s;
    *which = s;
    for (const char *p = s;; p++) {
        if (*p == '\n' || !*p) {
            if (w > best) {
                best = w;
                *which = start;
            }
            if (!*p)
                break;
            w = 0;
            start = p + 1;
        } else if (((unsigned char)*p & 0xC0) != 0x80) {
            w++;
        }
    }
    return best;
}

/* "s" with every run of whitespace made one space. */
static char *squeeze(const char *s)
{
    char *o = malloc(strlen(s) + 1), *q = o;
    bool space = false;
    for (; *s; s++) {
        if (isspace((unsigned char)*s)) {
            space = true;
            continue;
        }
        if (space && q > o)
            *q++ = ' ';
        space = false;
        *q++ = *s;
    }
    *q = '\0';
    return o;
}

static void fits(const char *const *argv)
{
    run_result r = run_cli(argv);
    char line[512] = "";
    for (int i = 0; argv[i]; i++)
        snprintf(line + strlen(line), sizeof line - strlen(line), "%s ", argv[i]);
    cr_assert(r.status == 0 || r.status == 1, "llmcost %s: exit %d: %s", line, r.status, r.err);
    cr_assert_gt(strlen(r.out), 100u, "llmcost %s: no output", line);
    const char *which;
    size_t w = widest(r.out, &which);
    cr_expect_leq(w, 100u, "llmcost %s: a line of %zu columns: %.*s", line, w, (int)strcspn(which, "\n"), which);
    run_free(&r);
}

Test(text_width, every_command_fits_100_columns)
{
    const char *const cases[][40] = {
        {"params", "llama-7b", NULL},
        {"params", "deepseek-v3", NULL},
        {"params", "llama-3.1-405b", NULL},
        {"flops", "deepseek-v3", "--tokens", "14.8T", NULL},
        {"flops", "llama-3.1-405b", "--sweep-seq", "1k,8k,128k", NULL},
        {"memory", "llama-7b", NULL},
        {"memory", "deepseek-v3", "--tp", "2", "--pp", "16", "--ep", "64", "--gpus", "2048", "--zero", "1", "--precision",
         "fp8", "--framework", "megatron", "--gpu", "h800", NULL},
        {"memory", "llama-3.1-405b", "--tp", "8", "--pp", "16", "--vpp", "8", "--gpus", "16384", "--zero", "1", "--seq",
         "8192", "--precision", "bf16-master", "--framework", "megatron", NULL},
        {"memory", "deepseek-v3", "--course-layer", NULL},
        {"step", "llama-7b", NULL},
        /* a wide breakdown: every communication kind, the bubble, recomputation */
        {"step", "deepseek-v3", "--gpu", "h800", "--framework", "megatron", "--precision", "fp8", "--tp", "2", "--cp",
         "2", "--pp", "16", "--ep", "32", "--gpus", "4096", "--zero", "1", "--seq", "4096", "--recompute", "selective",
         NULL},
        {"step", "llama-3.1-405b", "--gpu", "h100", "--framework", "megatron", "--precision", "bf16-master", "--tp", "8",
         "--pp", "16", "--vpp", "8", "--gpus", "16384", "--zero", "1", "--seq", "8192", "--global-batch", "16M", NULL},
        {"train", "deepseek-v3", "--tokens", "14.8T", "--gpu", "h800", "--framework", "megatron", "--precision", "fp8",
         "--pp", "16", "--ep", "64", "--gpus", "2048", "--zero", "1", "--seq", "4096", "--global-batch", "15M",
         "--ep-overlap", NULL},
        {"train", "llama-3.1-70b", "--tokens", "1T", "--gpu", "h100", "--gpus", "512", NULL}, /* does not fit */
        {"train", "--published", NULL},
        {"report", NULL},
        {"report", "deepseek-v3", NULL},
        {"report", "llama-3.1-405b", NULL},
        {"scaling", "laws", NULL},
        {"gpus", NULL},
        {"gpus", "--gpu", "tpu-v5p", NULL},
        {"models", NULL},
        {"validate", NULL},
        {"plan", "llama-3-8b", "--gpus", "64", "--gpu", "h100", "--global-batch", "4M", "--threads", "1", NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        fits(cases[i]);
}

/* `llmcost help CMD` fits too (its examples are command lines, written to fit). */
Test(text_width, help_fits_100_columns)
{
    const char *const cmds[] = {"params", "flops", "memory", "step", "train", "report", "scaling", "gpus", "models",
                                "validate", "plan", "budget"};
    for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++) {
        const char *argv[] = {"help", cmds[i], NULL};
        fits(argv);
    }
}

/* A sweep's table fits as well. */
Test(text_width, a_sweep_fits_100_columns)
{
    const char *argv[] = {"train", "llama-3.1-8b", "--tokens", "1T", "--gpus", "64", "--gpu", "h100,h200",
                          "--micro-batch", "1,2", "--recompute", "none,selective", "--zero", "1,3", "--seq",
                          "4k,8k", NULL};
    fits(argv);
}

/* The preset's source sentence for its sequence length is printed whole (it used to end "max_sequence_lengt)"). */
Test(text_width, a_long_source_appears_whole)
{
    llmcost_model *m;
    cr_assert_eq(llmcost_model_load(&m, "llama-3.1-8b"), 0);
    char want[512];
    snprintf(want, sizeof want, "%s", m->train_seq_source);
    llmcost_model_free(m);
    cr_assert_gt(strlen(want), 100u, "a source longer than a line, to be wrapped: %s", want);
    const char *argv[] = {"step", "llama-3.1-8b", "--gpu", "h100", NULL};
    run_result r = run_cli(argv);
    cr_assert_eq(r.status, 0, "%s", r.err);
    char *flat = squeeze(r.out), *w = squeeze(want);
    cr_expect(strstr(flat, w), "the source is not whole in:\n%s", r.out);
    free(flat);
    free(w);
    run_free(&r);
    /* Every preset's sources fit the model's fields: none is cut when loaded. */
    for (int i = 0; i < llmcost_preset_count(); i++) {
        cr_assert_eq(llmcost_model_load(&m, llmcost_preset_name(i)), 0, "%s: %s", llmcost_preset_name(i),
                     llmcost_errmsg());
        llmcost_model_free(m);
    }
}

/* A source too long for its field is refused with the key named, not cut mid-word (src/config.c). */
Test(text_width, a_source_too_long_is_refused)
{
    char cfg[4096];
    char longsrc[700];
    memset(longsrc, 'x', sizeof longsrc - 1);
    longsrc[sizeof longsrc - 1] = '\0';
    for (size_t k = 9; k < sizeof longsrc - 1; k += 10)
        longsrc[k] = ' ';
    snprintf(cfg, sizeof cfg,
             "{\"name\": \"t\", \"family\": \"T\", \"train_seq\": 2048, \"train_seq_source\": \"%s\", \"config\": "
             "{\"model_type\": \"llama\", \"hidden_size\": 256, \"intermediate_size\": 512, \"num_hidden_layers\": 2, "
             "\"num_attention_heads\": 4, \"vocab_size\": 1000}}",
             longsrc);
    const char *path = temp_file("longsrc.json", cfg, strlen(cfg));
    const char *argv[] = {"params", path, NULL};
    run_result r = run_cli(argv);
    cr_expect_eq(r.status, 2, "exit %d: %s%s", r.status, r.out, r.err);
    cr_expect(strstr(r.err, "train_seq_source") && count_lines(r.err) == 1, "%s", r.err);
    run_free(&r);
}

/* The table renderer: a table wider than 100 columns wraps its text cells at spaces, every word whole. */
Test(text_width, tables_wrap_text_cells_at_spaces)
{
    const char *hdr[] = {"name", "value", "source"};
    llmcost_table *t = llmcost_table_new("A title that is long enough to need wrapping because it goes on and on and on "
                                         "past the hundredth column of the terminal",
                                         3, hdr);
    llmcost_table_numeric(t, 1);
    const char *src = "Some Paper (Someone et al. 2024), Table 3: the figure, measured on 16,384 GPUs with every "
                      "detail that a reader would want, and a path data/validation/runs.json at the end";
    const char *row[] = {"first", "1,234,567", src};
    llmcost_table_add(t, row);
    char *s = llmcost_table_render(t, LLMCOST_FMT_TEXT);
    const char *which;
    cr_expect_leq(widest(s, &which), 100u, "%s", s);
    char *flat = squeeze(s), *w = squeeze(src);
    cr_expect(strstr(flat, w), "cell text not whole:\n%s", s);
    cr_expect(strstr(s, "1,234,567"), "%s", s);
    free(flat);
    free(w);
    llmcost_free(s);
    llmcost_table_free(t);
}
