/* opts.c - parses each command's options from a table, checks their values, and prints --help from it. */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const char *const format_choices[] = {"text", "json", "csv", "md", NULL};

const char cli_suffix_rule[] =
    "Counts of a run (--tokens, --dollars, --gpus, parameters, FLOPs) are decimal: K, M, B or G, T, P = 10^3 ..."
    " 10^15 (1T = 10^12). Sizes the field writes in powers of two (--seq 4k, --global-batch 4M, --micro-batch,"
    " --batch) are binary: k, M, G = 2^10, 2^20, 2^30. Ki, Mi, Gi, Ti and e-notation (63e6) always mean what they"
    " say. Commands print the exact value they read.";

/* The numbers read with a suffix or an exponent, "--seq 4k = 4,096", printed after the output (cli_print_read). */
static char read_values[1024];
static int read_format = LLMCOST_FMT_TEXT;

void cli_read_reset(void)
{
    read_values[0] = '\0';
    read_format = LLMCOST_FMT_TEXT;
}

bool cli_read_print(void)
{
    if (!read_values[0] || (read_format != LLMCOST_FMT_TEXT && read_format != LLMCOST_FMT_MD))
        return false;
    char line[1200];
    snprintf(line, sizeof line, "Numbers as read: %s (see 'numbers' in --help).", read_values);
    if (read_format == LLMCOST_FMT_MD)
        printf("\n%s\n", line);
    else
        cli_print_wrapped(stdout, line, LLMCOST_TEXT_WIDTH);
    return true;
}

/* Records "--name text = value" when "text" is more than plain digits. */
static void note_read(const cli_opt *o, const char *text, double v)
{
    bool plain = true;
    for (const char *c = text; *c; c++)
        if (!(*c >= '0' && *c <= '9') && *c != '.')
            plain = false;
    if (plain)
        return;
    char num[64];
    if (v == floor(v) && fabs(v) < 9.0e15)
        llmcost_fmt_grouped(num, sizeof num, (int64_t)v);
    else
        snprintf(num, sizeof num, "%.17g", v);
    size_t len = strlen(read_values);
    snprintf(read_values + len, sizeof read_values - len, "%s--%s %s = %s", len ? "; " : "", o->name, text, num);
}

/* "--micro_batch" names --micro-batch: '_' reads as '-' (as the course's scripts write flags). */
static bool name_is(const char *name, const char *typed, size_t len)
{
    if (strlen(name) != len)
        return false;
    for (size_t i = 0; i < len; i++)
        if (name[i] != (typed[i] == '_' ? '-' : typed[i]))
            return false;
    return true;
}

int cli_usage_error(const char *cmd, const char *fmt, ...)
{
    /* The message quotes arguments as typed; escape control characters so that it stays one line. */
    char raw[1024], line[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(raw, sizeof raw, fmt, ap);
    va_end(ap);
    size_t o = 0;
    for (const unsigned char *p = (const unsigned char *)raw; *p && o + 5 < sizeof line; p++) {
        if (*p == '\n' || *p == '\r' || *p == '\t')
            o += (size_t)snprintf(line + o, sizeof line - o, "\\%c", *p == '\n' ? 'n' : *p == '\r' ? 'r' : 't');
        else if (*p < 0x20 || *p == 0x7f)
            o += (size_t)snprintf(line + o, sizeof line - o, "\\x%02x", *p);
        else if (*p == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f) /* a C1 control (CSI is U+009B) */
            o += (size_t)snprintf(line + o, sizeof line - o, "\\x%02x", *++p);
        else
            line[o++] = (char)*p;
    }
    line[o] = '\0';
    fprintf(stderr, "llmcost: %s", line);
    if (cmd)
        fprintf(stderr, " (try 'llmcost help %s')\n", cmd);
    else
        fputs(" (try 'llmcost help')\n", stderr);
    return EXIT_BAD_INPUT;
}

static void list_choices(char *buf, size_t n, const char *const *choices)
{
    buf[0] = '\0';
    for (int i = 0; choices[i]; i++) {
        size_t len = strlen(buf);
        snprintf(buf + len, n - len, "%s%s", i ? ", " : "", choices[i]);
    }
}

/* Stores "val" for option "o". Returns 0 or 2 after printing the error. */
static int set_value(const char *cmd, const cli_opt *o, const char *val)
{
    double x;
    switch (o->kind) {
    case OPT_FLAG:
        *(bool *)o->dest = true;
        return 0;
    case OPT_STRING:
        if (val[0] == '\0')
            return cli_usage_error(cmd, "--%s: empty value", o->name);
        *(const char **)o->dest = val;
        return 0;
    case OPT_CHOICE:
        for (int i = 0; o->choices[i]; i++)
            if (!strcmp(val, o->choices[i])) {
                *(int *)o->dest = i;
                return 0;
            }
        {
            char list[512];
            list_choices(list, sizeof list, o->choices);
            return cli_usage_error(cmd, "--%s: '%s' is not one of: %s", o->name, val, list);
        }
    case OPT_SIZE:
    case OPT_COUNT:
    case OPT_NONNEG:
        if (llmcost_parse_quantity(&x, val, o->kind == OPT_SIZE) != 0)
            return cli_usage_error(cmd, "--%s: %s", o->name, llmcost_errmsg());
        if (x != floor(x))
            return cli_usage_error(cmd, "--%s: '%s' is not a whole number", o->name, val);
        if (o->kind == OPT_NONNEG ? x < 0 : x < 1)
            return cli_usage_error(cmd, "--%s: '%s' must be %s", o->name, val,
                                   o->kind == OPT_NONNEG ? "zero or more" : "at least 1");
        if (x > 9.0e15)
            return cli_usage_error(cmd, "--%s: '%s' is too large", o->name, val);
        *(long long *)o->dest = (long long)x;
        note_read(o, val, x);
        return 0;
    case OPT_REAL:
    case OPT_FRACTION:
        if (llmcost_parse_quantity(&x, val, 0) != 0)
            return cli_usage_error(cmd, "--%s: %s", o->name, llmcost_errmsg());
        if (x <= 0)
            return cli_usage_error(cmd, "--%s: '%s' must be positive", o->name, val);
        if (o->kind == OPT_FRACTION && x > 1)
            return cli_usage_error(cmd, "--%s: '%s' must be at most 1", o->name, val);
        *(double *)o->dest = x;
        note_read(o, val, x);
        return 0;
    case OPT_PROBABILITY:
        if (llmcost_parse_quantity(&x, val, 0) != 0)
            return cli_usage_error(cmd, "--%s: %s", o->name, llmcost_errmsg());
        if (!(x >= 0 && x < 1))
            return cli_usage_error(cmd, "--%s: '%s' must be at least 0 and below 1", o->name, val);
        *(double *)o->dest = x;
        note_read(o, val, x);
        return 0;
    }
    return 0;
}

int cli_parse(const char *cmd, int argc, char **argv, const cli_opt *opts, int nopts, cli_common *common,
              const char **pos, int max_pos, int *npos)
{
    *npos = 0;
    read_values[0] = '\0';
    common->format = LLMCOST_FMT_TEXT;
    common->help = false;
    cli_opt fmt = {"format", OPT_CHOICE, &common->format, "FMT", "output format", format_choices, NULL};
    bool only_pos = false;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (only_pos || a[0] != '-' || a[1] == '\0') {
            if (*npos >= max_pos)
                return max_pos == 0 ? cli_usage_error(cmd, "'%s': this command takes no arguments", a)
                                    : cli_usage_error(cmd, "'%s': unexpected extra argument", a);
            pos[(*npos)++] = a;
            continue;
        }
        if (!strcmp(a, "--")) {
            only_pos = true;
            continue;
        }
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            common->help = true;
            continue;
        }
        if (!strncmp(a, "--help=", 7))
            return cli_usage_error(cmd, "--help takes no value");
        if (a[1] != '-')
            return cli_usage_error(cmd, "'%s': unknown option", a);
        const char *name = a + 2;
        const char *eq = strchr(name, '=');
        size_t len = eq ? (size_t)(eq - name) : strlen(name);
        const cli_opt *o = NULL;
        if (name_is("format", name, len))
            o = &fmt;
        for (int k = 0; !o && k < nopts; k++)
            if (name_is(opts[k].name, name, len))
                o = &opts[k];
        if (!o) {
            /* The nearest flag, for a typo: "--micro-bach" -> "did you mean --micro-batch?". */
            const char *names[256];
            size_t n = 0;
            for (int k = 0; k < nopts && n < 254; k++)
                names[n++] = opts[k].name;
            names[n++] = "format";
            names[n++] = "help";
            char typed[128];
            snprintf(typed, sizeof typed, "%.*s", (int)(len < 127 ? len : 127), name);
            int near = llmcost_name_nearest(typed, names, n);
            if (near >= 0)
                return cli_usage_error(cmd, "'--%.*s': unknown option; did you mean --%s?", (int)len, name, names[near]);
            return cli_usage_error(cmd, "'--%.*s': unknown option", (int)len, name);
        }
        const char *val = NULL;
        if (o->kind == OPT_FLAG) {
            if (eq)
                return cli_usage_error(cmd, "--%s takes no value", o->name);
        } else if (eq) {
            val = eq + 1;
        } else if (i + 1 < argc) {
            val = argv[++i];
        } else {
            return cli_usage_error(cmd, "--%s needs a value (%s)", o->name, o->metavar ? o->metavar : "VALUE");
        }
        int rc = set_value(cmd, o, val);
        if (rc)
            return rc;
        if (o->seen)
            *o->seen = true;
    }
    read_format = common->format;
    /* The document kind of --format csv: the command's name (cli_output_kind() names another). */
    cli_output_mode(common->format, !cmd ? NULL : !strcmp(cmd, "validate") ? "validation" : !strcmp(cmd, "scaling") ? "laws" : cmd);
    return 0;
}

void cli_help(FILE *f, const char *cmd, const char *usage, const char *description, const cli_opt *opts, int nopts,
              const char *examples)
{
    /* The description wrapped within 100 columns (usage and examples stay as written: they are command lines). */
    /* Usage: a line longer than 100 columns breaks before an option ("[" or "--"), continued under the first
     * argument. */
    fputs("usage: ", f);
    const char *sp = strchr(usage, ' ');
    const char *sp2 = sp ? strchr(sp + 1, ' ') : NULL;
    int hang = 7 + (sp2 ? (int)(sp2 - usage) + 1 : 8);
    const char *nl = strchr(usage, '\n');
    if (nl) { /* under the usage's own continuation lines */
        int lead = 0;
        while (nl[1 + lead] == ' ')
            lead++;
        hang = lead;
    }
    int col = 7;
    for (const char *p = usage; *p;) {
        const char *e = strchr(p, '\n');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        while ((int)len + col > 100) {
            size_t cut = 0;
            for (size_t i = 1; i + col < 100 && i < len; i++)
                if (p[i - 1] == ' ' && (p[i] == '[' || p[i] == '-'))
                    cut = i - 1;
            if (cut == 0)
                break;
            fprintf(f, "%.*s\n%*s", (int)cut, p, hang, "");
            p += cut + 1;
            len -= cut + 1;
            col = hang;
        }
        fprintf(f, "%.*s\n", (int)len, p);
        col = 0;
        p = e ? e + 1 : p + len;
    }
    fputc('\n', f);
    /* The description is prose wrapped by hand near 100 columns: a line of 90 or more runs on into the next, and
     * the paragraphs are wrapped again within 100. */
    char *prose = strdup(description);
    if (prose) {
        size_t line = 0;
        for (char *q = prose; *q; q++) {
            if (*q == '\n' && line >= 90 && q[1] && q[1] != ' ' && q[1] != '\n')
                *q = ' ';
            line = *q == '\n' ? 0 : line + 1;
        }
        cli_wrap(f, prose, 0, 100);
        free(prose);
    } else {
        fputs(description, f);
        fputc('\n', f);
    }
    fputs("\noptions:\n", f);
    char left[128];
    for (int k = 0; k < nopts; k++) {
        const cli_opt *o = &opts[k];
        if (o->kind == OPT_FLAG)
            snprintf(left, sizeof left, "--%s", o->name);
        else
            snprintf(left, sizeof left, "--%s %s", o->name, o->metavar ? o->metavar : "VALUE");
        char text[1024], list[512];
        list[0] = '\0';
        if (o->kind == OPT_CHOICE)
            list_choices(list, sizeof list, o->choices);
        snprintf(text, sizeof text, "%s%s%s%s", o->help, list[0] ? " (" : "", list, list[0] ? ")" : "");
        /* Wrapped within 100 columns under the descriptions' column. */
        char *wrapped = NULL;
        size_t wlen = 0;
        FILE *ms = open_memstream(&wrapped, &wlen);
        if (ms) {
            cli_wrap(ms, text, 29, 100);
            fclose(ms);
        }
        if (wrapped && wlen > 29)
            fprintf(f, "  %-26s %s", left, wrapped + 29);
        else
            fprintf(f, "  %-26s %s\n", left, text);
        free(wrapped);
    }
    fprintf(f, "  %-26s %s\n", "--format FMT", "output format: text, json, csv, md (default text)");
    fprintf(f, "  %-26s %s\n", "", "csv: one table, the JSON's values raw, named by their JSON paths");
    fprintf(f, "  %-26s %s\n", "--help", "this help");
    bool numbers = false;
    for (int k = 0; k < nopts; k++)
        numbers |= opts[k].kind == OPT_SIZE || opts[k].kind == OPT_COUNT || opts[k].kind == OPT_REAL ||
                   opts[k].kind == OPT_NONNEG;
    if (numbers) {
        /* The one suffix rule, wrapped at 100 columns under its heading. */
        fputs("\nnumbers:\n", f);
        cli_wrap(f, cli_suffix_rule, 2, 100);
    }
    if (examples && examples[0])
        fprintf(f, "\nexamples:\n%s", examples);
    (void)cmd;
}

void cli_wrap(FILE *f, const char *text, int indent, int width)
{
    /* Words are never cut: a line breaks at the last space that keeps it within "width". */
    const char *p = text;
    while (*p) {
        while (*p == ' ')
            p++;
        if (!*p)
            break;
        int room = width - indent;
        const char *end = p, *brk = NULL;
        while (*end && *end != '\n' && end - p <= room) {
            if (*end == ' ')
                brk = end;
            end++;
        }
        if (*end && *end != '\n' && end - p > room && brk)
            end = brk;
        else if (*end && *end != '\n' && end - p > room)
            while (*end && *end != ' ' && *end != '\n') /* one word longer than the line: kept whole */
                end++;
        fprintf(f, "%*s%.*s\n", indent, "", (int)(end - p), p);
        p = *end == '\n' ? end + 1 : end;
    }
}
