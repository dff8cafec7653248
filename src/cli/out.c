/* out.c - what every command shares for output: tables, JSON documents, notes, errors and model loading. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

int cli_lib_error(int rc)
{
    char msg[8192];
    cli_job_message(msg, sizeof msg, llmcost_errmsg()); /* the job's field names as this CLI's flags */
    fprintf(stderr, "llmcost: %s\n", msg);
    return rc == LLMCOST_ENOMEM ? 1 : EXIT_BAD_INPUT;
}

int cli_load_model(llmcost_model **out, const char *spec)
{
    int rc = llmcost_model_load(out, spec ? spec : "llama-7b");
    if (rc < 0)
        return cli_lib_error(rc);
    /* Assumptions made while reading go to stderr, one line each, so stdout stays machine-readable. */
    const char *n = (*out)->notes;
    while (*n) {
        const char *e = strchr(n, '\n');
        int len = e ? (int)(e - n) : (int)strlen(n);
        fprintf(stderr, "llmcost: note: %s: %.*s\n", (*out)->name, len, n);
        n = e ? e + 1 : n + len;
    }
    return 0;
}

int cli_print_table(const llmcost_table *t, int format)
{
    char *s = llmcost_table_render(t, (llmcost_format)format);
    if (!s) {
        fprintf(stderr, "llmcost: out of memory\n");
        return 1;
    }
    fputs(s, stdout);
    if (format != LLMCOST_FMT_CSV)
        fputc('\n', stdout);
    llmcost_free(s);
    return 0;
}

int cli_print_json(json_t *doc)
{
    char *s = json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(17));
    if (!s) {
        fprintf(stderr, "llmcost: out of memory\n");
        return 1;
    }
    puts(s);
    free(s);
    return 0;
}

void cli_note(int format, const char *fmt, ...)
{
    if (format != LLMCOST_FMT_TEXT && format != LLMCOST_FMT_MD)
        return;
    va_list ap;
    va_start(ap, fmt);
    vfprintf(stdout, fmt, ap);
    va_end(ap);
    fputc('\n', stdout);
}

json_t *cli_jint(int64_t v)
{
    return json_integer((json_int_t)v);
}

json_t *cli_jreal(double v)
{
    /* Integral values print as integers ("peak_bytes": 16699464089), others with full precision. */
    if (isfinite(v) && v == floor(v) && fabs(v) < 9.0e15)
        return json_integer((json_int_t)v);
    if (!isfinite(v))
        return json_null();
    return json_real(v);
}
