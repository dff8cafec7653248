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

int cli_check_range(const char *flag, const char *field, double value)
{
    if (llmcost_range_check(field, value) == 0)
        return 0;
    /* "dollars = 5e-324 is outside ..." reads "--training_budget 5e-324 is outside ...". */
    const char *msg = llmcost_errmsg();
    size_t n = strlen(field);
    if (!strncmp(msg, field, n) && !strncmp(msg + n, " = ", 3))
        fprintf(stderr, "llmcost: %s %s\n", flag, msg + n + 3);
    else
        fprintf(stderr, "llmcost: %s: %s\n", flag, msg);
    return EXIT_BAD_INPUT;
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

/* 1 when "v" holds a null, its key path appended to "path". */
static int null_path(char *path, size_t size, json_t *v)
{
    if (json_is_null(v))
        return 1;
    size_t len = strlen(path);
    const char *key;
    size_t i;
    json_t *x;
    if (json_is_object(v)) {
        json_object_foreach(v, key, x)
        {
            snprintf(path + len, size - len, "%s%s", len ? "." : "", key);
            if (null_path(path, size, x))
                return 1;
            path[len] = '\0';
        }
    } else if (json_is_array(v)) {
        json_array_foreach(v, i, x)
        {
            snprintf(path + len, size - len, "[%zu]", i);
            if (null_path(path, size, x))
                return 1;
            path[len] = '\0';
        }
    }
    return 0;
}

/* What cli_print_json() and cli_print_json_text() print: the JSON document, or (--format csv) the library's CSV of it
 * for the document kind (llmcost_json_to_csv). */
static int doc_format = LLMCOST_FMT_JSON;
static const char *doc_kind;

void cli_output_mode(int format, const char *kind)
{
    doc_format = format;
    doc_kind = kind;
}

void cli_output_kind(const char *kind)
{
    doc_kind = kind;
}

bool cli_structured(int format)
{
    return format == LLMCOST_FMT_JSON || format == LLMCOST_FMT_CSV;
}

/* Prints the document "text" (freed) as the current mode wants it. */
static int print_doc_text(char *text)
{
    if (doc_format == LLMCOST_FMT_CSV) {
        char *csv;
        int rc = llmcost_json_to_csv(&csv, text, doc_kind);
        free(text);
        if (rc < 0)
            return cli_lib_error(rc);
        fputs(csv, stdout);
        llmcost_free(csv);
        return 0;
    }
    fputs(text, stdout);
    free(text);
    return 0;
}

int cli_print_json(json_t *doc)
{
    /* Every document starts with the schema version, as the library's llmcost_X_to_json() documents do. */
    json_t *full = doc;
    if (json_is_object(doc) && !json_object_get(doc, "schema_version")) {
        full = json_object();
        json_object_set_new(full, "schema_version", json_integer(LLMCOST_SCHEMA_VERSION));
        json_object_update(full, doc);
    } else {
        json_incref(full);
    }
    /* A non-finite number (cli_jreal's null) is refused, never printed as null (see cli_jreal). */
    char path[512] = "";
    if (null_path(path, sizeof path, full)) {
        json_decref(full);
        fprintf(stderr, "llmcost: JSON output: '%s' is not a finite number (an overflow in its inputs)\n", path);
        return EXIT_BAD_INPUT;
    }
    char *s = json_dumps(full, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(17));
    json_decref(full);
    if (!s) {
        fprintf(stderr, "llmcost: out of memory\n");
        return 1;
    }
    size_t n = strlen(s);
    char *t = realloc(s, n + 2);
    if (!t) {
        free(s);
        fprintf(stderr, "llmcost: out of memory\n");
        return 1;
    }
    t[n] = '\n';
    t[n + 1] = '\0';
    return print_doc_text(t);
}

/* Columns of the first "n" bytes of "s" (UTF-8 continuation bytes do not count). */
static size_t columns(const char *s, size_t n)
{
    size_t w = 0;
    for (size_t i = 0; i < n; i++)
        if (((unsigned char)s[i] & 0xC0) != 0x80)
            w++;
    return w;
}

void cli_print_wrapped(FILE *f, const char *text, int width)
{
    /* Each line of "text" in lines of at most "width" columns, broken at spaces, continuation lines indented by
     * two; a word longer than a line stays whole. */
    for (const char *p = text; *p;) {
        const char *e = strchr(p, '\n');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        const char *q = p, *end = p + len;
        size_t avail = (size_t)width;
        bool first = true;
        while (q < end) {
            if (!first)
                fputs("  ", f);
            size_t room = first ? avail : avail - 2, cut = 0, w = 0, i = 0;
            if (columns(q, (size_t)(end - q)) <= room) {
                cut = (size_t)(end - q);
            } else {
                for (i = 0; q + i < end; i++) {
                    if (((unsigned char)q[i] & 0xC0) != 0x80 && ++w > room)
                        break;
                    if (q[i] == ' ')
                        cut = i;
                }
                if (q[i] == ' ')
                    cut = i;
                if (cut == 0) { /* a word longer than the line: whole */
                    const char *sp = memchr(q + i, ' ', (size_t)(end - q - i));
                    cut = sp ? (size_t)(sp - q) : (size_t)(end - q);
                }
            }
            size_t out = cut;
            while (out > 0 && q[out - 1] == ' ')
                out--;
            fwrite(q, 1, out, f);
            fputc('\n', f);
            q += cut;
            while (q < end && *q == ' ')
                q++;
            first = false;
        }
        if (len == 0)
            fputc('\n', f);
        p = e ? e + 1 : p + len;
    }
}

void cli_note(int format, const char *fmt, ...)
{
    if (format != LLMCOST_FMT_TEXT && format != LLMCOST_FMT_MD)
        return;
    va_list ap;
    va_start(ap, fmt);
    char small[1024], *text = small;
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if ((size_t)n >= sizeof small) {
        text = malloc((size_t)n + 1);
        if (!text)
            return;
        va_start(ap, fmt);
        vsnprintf(text, (size_t)n + 1, fmt, ap);
        va_end(ap);
    }
    /* Text wraps at LLMCOST_TEXT_WIDTH columns; Markdown keeps its lines (a paragraph wraps where it is shown). */
    if (format == LLMCOST_FMT_TEXT) {
        cli_print_wrapped(stdout, text, LLMCOST_TEXT_WIDTH);
    } else {
        fputs(text, stdout);
        fputc('\n', stdout);
    }
    if (text != small)
        free(text);
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
        return json_null(); /* a marker: cli_print_json refuses a document holding one */
    return json_real(v);
}

int cli_print_json_text(int rc, char *text)
{
    if (rc < 0)
        return cli_lib_error(rc);
    return print_doc_text(text); /* llmcost_free() is free() */
}

json_t *cli_json_section(int rc, char *text)
{
    json_t *o = cli_json_document(rc, text);
    if (!o)
        return NULL;
    json_object_del(o, "schema_version");
    json_object_del(o, "model");
    return o;
}
