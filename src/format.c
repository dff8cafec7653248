/* format.c - locale-independent number formatting, quantity parsing, and tables as text, CSV or Markdown. */
#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "llmcost/format.h"

int llmcost_format_parse(const char *name)
{
    static const char *const names[] = {"text", "json", "csv", "md"};
    for (int i = 0; i < 4; i++)
        if (strcmp(name, names[i]) == 0)
            return i;
    return -1;
}

char *llmcost_fmt_grouped(char *buf, size_t size, int64_t v)
{
    char digits[32];
    /* Work on the magnitude as unsigned so INT64_MIN is representable. */
    uint64_t mag = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    snprintf(digits, sizeof digits, "%llu", (unsigned long long)mag);
    char out[48];
    size_t n = strlen(digits), o = 0;
    if (v < 0)
        out[o++] = '-';
    for (size_t i = 0; i < n; i++) {
        if (i > 0 && (n - i) % 3 == 0)
            out[o++] = ',';
        out[o++] = digits[i];
    }
    out[o] = '\0';
    snprintf(buf, size, "%s", out);
    return buf;
}

/* Prints "v" with "sig" significant digits (at least), no exponent, e.g. (6.738, 3) -> "6.74", (46.7, 3) -> "46.7". */
static void print_sig(char *buf, size_t size, double v, int sig, const char *suffix)
{
    double a = fabs(v);
    int decimals = 0;
    if (a >= 1e15) {
        /* Past the largest prefix by 10^15 and more: in fixed form the digits would not fit the caller's buffer
         * and be cut off without their unit, so scientific form. */
        snprintf(buf, size, "%.*e%s", sig - 1, v, suffix);
        return;
    }
    if (a > 0) {
        int intdigits = a < 1 ? 1 : (int)floor(log10(a)) + 1;
        decimals = sig - intdigits;
        if (decimals < 0)
            decimals = 0;
        /* Rounding can carry into a new digit (9.996 -> 10.00); one fewer decimal keeps the width. */
        char probe[64];
        snprintf(probe, sizeof probe, "%.*f", decimals, a);
        int newint = (int)(strchr(probe, '.') ? (size_t)(strchr(probe, '.') - probe) : strlen(probe));
        if (newint > intdigits && decimals > 0)
            decimals--;
    } else {
        decimals = 0;
    }
    snprintf(buf, size, "%.*f%s", decimals, v, suffix);
}

typedef struct {
    double scale;
    const char *name;
} prefix;

static char *fmt_scaled(char *buf, size_t size, double v, const prefix *p, int np, double base, int sig,
                        const char *unit)
{
    if (!isfinite(v)) {
        snprintf(buf, size, "%s", isnan(v) ? "nan" : (v > 0 ? "inf" : "-inf"));
        return buf;
    }
    double a = fabs(v);
    int i = 0;
    while (i + 1 < np && a >= p[i + 1].scale)
        i++;
    /* Avoid "1000 M" after rounding: promote when the rounded value reaches the base. */
    double scaled = v / p[i].scale;
    char tmp[64];
    print_sig(tmp, sizeof tmp, scaled, sig, "");
    if (fabs(atof(tmp)) >= base && i + 1 < np) {
        i++;
        scaled = v / p[i].scale;
    }
    char suffix[32];
    if (p[i].name[0] == '\0' && unit[0] == '\0')
        suffix[0] = '\0';
    else
        snprintf(suffix, sizeof suffix, " %s%s", p[i].name, unit);
    print_sig(buf, size, scaled, sig, suffix);
    return buf;
}

char *llmcost_fmt_count(char *buf, size_t size, double v)
{
    static const prefix p[] = {{1, ""}, {1e3, "K"}, {1e6, "M"}, {1e9, "B"}, {1e12, "T"}, {1e15, "Q"}};
    if (fabs(v) < 1000 && v == floor(v)) {
        snprintf(buf, size, "%.0f", v);
        return buf;
    }
    return fmt_scaled(buf, size, v, p, 6, 1000, 3, "");
}

char *llmcost_fmt_flops(char *buf, size_t size, double flops)
{
    static const prefix p[] = {{1, ""},     {1e3, "K"},  {1e6, "M"},  {1e9, "G"},
                               {1e12, "T"}, {1e15, "P"}, {1e18, "E"}, {1e21, "Z"},
                               {1e24, "Y"}, {1e27, "R"}, {1e30, "Q"}};
    return fmt_scaled(buf, size, flops, p, 11, 1000, 4, "FLOP");
}

char *llmcost_fmt_bytes(char *buf, size_t size, double bytes)
{
    static const prefix p[] = {{1, ""},
                               {1024.0, "Ki"},
                               {1048576.0, "Mi"},
                               {1073741824.0, "Gi"},
                               {1099511627776.0, "Ti"},
                               {1125899906842624.0, "Pi"},
                               {1152921504606846976.0, "Ei"}};
    return fmt_scaled(buf, size, bytes, p, 7, 1024, 4, "B");
}

char *llmcost_fmt_seconds(char *buf, size_t size, double s)
{
    if (!isfinite(s)) {
        snprintf(buf, size, "%s", isnan(s) ? "nan" : "inf");
        return buf;
    }
    double a = fabs(s);
    if (a < 1e-3)
        print_sig(buf, size, s * 1e6, 3, " us");
    else if (a < 1)
        print_sig(buf, size, s * 1e3, 3, " ms");
    else if (a < 120)
        print_sig(buf, size, s, 3, " s");
    else if (a < 7200)
        print_sig(buf, size, s / 60, 3, " min");
    else if (a < 172800)
        print_sig(buf, size, s / 3600, 3, " h");
    else if (a < 2 * 365.25 * 86400)
        print_sig(buf, size, s / 86400, 3, " days");
    else
        print_sig(buf, size, s / (365.25 * 86400), 3, " years");
    return buf;
}

char *llmcost_fmt_percent(char *buf, size_t size, double fraction)
{
    if (!isfinite(fraction))
        snprintf(buf, size, "n/a");
    else if (fabs(fraction) >= 1e13) /* fixed form would not fit the buffer (see print_sig) */
        snprintf(buf, size, "%+.2e%%", fraction * 100.0);
    else
        snprintf(buf, size, "%+.2f%%", fraction * 100.0);
    return buf;
}

int llmcost_split_list(char *text, char **out, int cap)
{
    int n = 0;
    for (char *p = text; p && *p;) {
        char *e = strchr(p, ',');
        if (e)
            *e = '\0';
        if (n == cap)
            return -1;
        out[n++] = p;
        p = e ? e + 1 : NULL;
    }
    return n;
}

int llmcost_parse_quantity(double *out, const char *text, int binary)
{
    if (text == NULL || *text == '\0')
        return lc_fail(LLMCOST_EINVAL, "empty number");
    /* Only decimal forms: digits, one point, an exponent; strtod alone would take "nan", "inf" and hex. */
    const char *s = text;
    if (*s == '+' || *s == '-')
        s++;
    if (!isdigit((unsigned char)*s) && !(*s == '.' && isdigit((unsigned char)s[1])))
        return lc_fail(LLMCOST_EINVAL, "'%s' is not a number", text);
    char *end = NULL;
    double v = strtod(text, &end);
    if (end == text)
        return lc_fail(LLMCOST_EINVAL, "'%s' is not a number", text);
    for (const char *c = text; c < end; c++)
        if (*c == 'x' || *c == 'X')
            return lc_fail(LLMCOST_EINVAL, "'%s' is not a decimal number", text);
    double mult = 1;
    int pow10 = 0;
    if (*end != '\0' && end[1] == 'i' && end[2] == '\0') {
        /* Ki, Mi, Gi, Ti mean powers of 1024 whatever the option: they say so. */
        switch (*end) {
        case 'K': case 'k': mult = 1024.0; break;
        case 'M': mult = 1048576.0; break;
        case 'G': mult = 1073741824.0; break;
        case 'T': mult = 1099511627776.0; break;
        default: mult = 0;
        }
        if (mult == 0)
            return lc_fail(LLMCOST_EINVAL, "'%s': unknown suffix '%s' (use Ki, Mi, Gi or Ti)", text, end);
    } else if (*end != '\0') {
        char c = *end;
        if (binary) {
            switch (c) {
            case 'k': case 'K': mult = 1024.0; break;
            case 'M': mult = 1048576.0; break;
            case 'G': mult = 1073741824.0; break;
            default: mult = 0;
            }
        } else {
            switch (c) {
            case 'k': case 'K': mult = 1e3; pow10 = 3; break;
            case 'M': mult = 1e6; pow10 = 6; break;
            case 'B': case 'G': mult = 1e9; pow10 = 9; break;
            case 'T': mult = 1e12; pow10 = 12; break;
            case 'P': mult = 1e15; pow10 = 15; break;
            default: mult = 0;
            }
        }
        if (mult == 0 || end[1] != '\0')
            return lc_fail(LLMCOST_EINVAL, "'%s': unknown suffix '%s' (use %s)", text, end,
                           binary ? "k = 1024, M = 2^20, G = 2^30, or Ki/Mi/Gi" : "K, M, B or G, T, P (powers of 1000), or Ki/Mi/Gi/Ti");
    }
    if (pow10 > 0 && end - text < 64) {
        /* 4.1 x 1e6 rounds twice and gives 4099999.9999999995, which is not a whole count; reading "4.1e6" rounds
         * once, to the double nearest the decimal value, so whole counts stay whole. An exponent already written
         * ("1.5e3K") is added to the suffix's. */
        const char *e = text;
        while (e < end && *e != 'e' && *e != 'E')
            e++;
        long exp10 = pow10;
        if (e < end) {
            long given = strtol(e + 1, NULL, 10);
            exp10 = given > 100000 ? 100000 : given < -100000 ? -100000 : given + pow10;
        }
        char decimal[96];
        snprintf(decimal, sizeof decimal, "%.*se%ld", (int)(e - text), text, exp10);
        v = strtod(decimal, NULL);
    } else {
        v *= mult;
    }
    if (!isfinite(v))
        return lc_fail(LLMCOST_EINVAL, "'%s' is out of range", text);
    *out = v;
    return 0;
}

/* ---- tables ---- */

struct llmcost_table {
    char *title;
    int ncols;
    char **headers;
    int *numeric;
    char ***rows;
    int nrows, cap;
};

/* A copy of a cell (or title) as one line: a control character in a name from a file can never split a row or
 * reach the terminal, in any format ("\\n", "\\x1b"; lc_one_line). */
static char *dupstr(const char *s)
{
    if (!s)
        s = "";
    size_t n = strlen(s) * 4 + 1;
    char *d = malloc(n);
    if (d)
        lc_one_line(d, n, s);
    return d;
}

llmcost_table *llmcost_table_new(const char *title, int ncols, const char *const *headers)
{
    llmcost_table *t = calloc(1, sizeof *t);
    if (!t)
        return NULL;
    t->ncols = ncols;
    t->title = dupstr(title ? title : "");
    t->headers = calloc((size_t)ncols, sizeof *t->headers);
    t->numeric = calloc((size_t)ncols, sizeof *t->numeric);
    if (!t->title || !t->headers || !t->numeric) {
        llmcost_table_free(t);
        return NULL;
    }
    for (int i = 0; i < ncols; i++) {
        t->headers[i] = dupstr(headers[i]);
        if (!t->headers[i]) {
            llmcost_table_free(t);
            return NULL;
        }
    }
    return t;
}

void llmcost_table_numeric(llmcost_table *t, int col)
{
    if (t && col >= 0 && col < t->ncols)
        t->numeric[col] = 1;
}

int llmcost_table_add(llmcost_table *t, const char *const *cells)
{
    if (t->nrows == t->cap) {
        int cap = t->cap ? t->cap * 2 : 16;
        char ***rows = realloc(t->rows, (size_t)cap * sizeof *rows);
        if (!rows)
            return lc_fail(LLMCOST_ENOMEM, "out of memory");
        t->rows = rows;
        t->cap = cap;
    }
    char **row = calloc((size_t)t->ncols, sizeof *row);
    if (!row)
        return lc_fail(LLMCOST_ENOMEM, "out of memory");
    for (int i = 0; i < t->ncols; i++) {
        row[i] = dupstr(cells[i]);
        if (!row[i]) {
            for (int j = 0; j < i; j++)
                free(row[j]);
            free(row);
            return lc_fail(LLMCOST_ENOMEM, "out of memory");
        }
    }
    t->rows[t->nrows++] = row;
    return 0;
}

int llmcost_table_addf(llmcost_table *t, const char *fmt, ...)
{
    char line[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    const char *cells[64];
    int n = 0;
    char *p = line;
    while (n < t->ncols && n < 64) {
        cells[n++] = p;
        char *tab = strchr(p, '\t');
        if (!tab)
            break;
        *tab = '\0';
        p = tab + 1;
    }
    while (n < t->ncols && n < 64)
        cells[n++] = "";
    return llmcost_table_add(t, cells);
}

int llmcost_table_rows(const llmcost_table *t)
{
    return t ? t->nrows : 0;
}

void llmcost_table_free(llmcost_table *t)
{
    if (!t)
        return;
    for (int r = 0; r < t->nrows; r++) {
        for (int c = 0; c < t->ncols; c++)
            free(t->rows[r][c]);
        free(t->rows[r]);
    }
    free(t->rows);
    if (t->headers)
        for (int c = 0; c < t->ncols; c++)
            free(t->headers[c]);
    free(t->headers);
    free(t->numeric);
    free(t->title);
    free(t);
}

/* A growing string (internal.h). */
void lc_sb_add(lc_sbuf *b, const char *s, size_t n)
{
    if (b->failed)
        return;
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (b->len + n + 1 > cap)
            cap *= 2;
        char *p = realloc(b->s, cap);
        if (!p) {
            b->failed = 1;
            return;
        }
        b->s = p;
        b->cap = cap;
    }
    memcpy(b->s + b->len, s, n);
    b->len += n;
    b->s[b->len] = '\0';
}

void lc_sb_puts(lc_sbuf *b, const char *s)
{
    lc_sb_add(b, s, strlen(s));
}

static void sb_pad(lc_sbuf *b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        lc_sb_add(b, " ", 1);
}

/* Display width in code points (UTF-8 continuation bytes do not count). */
static size_t width(const char *s)
{
    size_t w = 0;
    for (; *s; s++)
        if (((unsigned char)*s & 0xC0) != 0x80)
            w++;
    return w;
}

/* An RFC 4180 field: quoted, with its quotes doubled, when it holds a comma, a quote, CR or LF (internal.h). */
void lc_csv_field(lc_sbuf *b, const char *s)
{
    if (!strpbrk(s, ",\"\r\n")) {
        lc_sb_puts(b, s);
        return;
    }
    lc_sb_puts(b, "\"");
    for (; *s; s++) {
        if (*s == '"')
            lc_sb_puts(b, "\"");
        lc_sb_add(b, s, 1);
    }
    lc_sb_puts(b, "\"");
}

static void md_cell(lc_sbuf *b, const char *s)
{
    for (; *s; s++) {
        if (*s == '|')
            lc_sb_puts(b, "\\");
        lc_sb_add(b, s, 1);
    }
}

/* Bytes of the first "cols" code points of "s" (all of it when shorter). */
static size_t bytes_of(const char *s, size_t cols)
{
    size_t i = 0, w = 0;
    while (s[i]) {
        if (((unsigned char)s[i] & 0xC0) != 0x80) {
            if (w == cols)
                break;
            w++;
        }
        i++;
    }
    return i;
}

/* The next line of "s" in at most "cols" columns, broken at a space (a word longer than the line stays whole):
 * its length in bytes; *next is where the line after it starts (spaces skipped). */
static size_t next_line(const char *s, size_t cols, const char **next)
{
    size_t all = strlen(s);
    if (width(s) <= cols) {
        *next = s + all;
        return all;
    }
    size_t fit = bytes_of(s, cols), cut = 0;
    if (s[fit] == ' ')
        cut = fit;
    else
        for (size_t i = fit; i > 0; i--)
            if (s[i - 1] == ' ') {
                cut = i - 1;
                break;
            }
    if (cut == 0) /* a word longer than the line: a path or an identifier breaks after '/' or '_' */
        for (size_t i = fit; i > 1; i--)
            if (s[i - 1] == '/' || s[i - 1] == '_') {
                cut = i;
                break;
            }
    if (cut == 0) { /* one long word: whole, to its end */
        const char *sp = strchr(s + fit, ' ');
        cut = sp ? (size_t)(sp - s) : all;
    }
    const char *n = s + cut;
    while (*n == ' ')
        n++;
    *next = n;
    size_t len = cut;
    while (len > 0 && s[len - 1] == ' ')
        len--;
    return len;
}

/* The longest word of "s", in columns (a word ends at a space, or after '/' or '_'). */
static size_t longest_word(const char *s)
{
    size_t best = 0;
    while (*s) {
        while (*s == ' ')
            s++;
        const char *e = s;
        while (*e && *e != ' ' && !(e > s && (e[-1] == '/' || e[-1] == '_')))
            e++;
        size_t w = 0;
        for (const char *p = s; p < e; p++)
            if (((unsigned char)*p & 0xC0) != 0x80)
                w++;
        if (w > best)
            best = w;
        s = e;
    }
    return best;
}

/* Text: the title (wrapped), the header, a rule, the rows; columns padded, numbers right-aligned. A table wider
 * than LLMCOST_TEXT_WIDTH narrows its widest text columns (not below their longest word), whose cells then wrap
 * at spaces onto more lines. */
static void render_text(lc_sbuf *b, const llmcost_table *t)
{
    size_t w[64] = {0}, minw[64] = {0};
    int nc = t->ncols < 64 ? t->ncols : 64;
    for (int c = 0; c < nc; c++) {
        w[c] = width(t->headers[c]);
        minw[c] = longest_word(t->headers[c]);
        for (int r = 0; r < t->nrows; r++) {
            if (width(t->rows[r][c]) > w[c])
                w[c] = width(t->rows[r][c]);
            size_t lw = t->numeric[c] ? width(t->rows[r][c]) : longest_word(t->rows[r][c]);
            if (lw > minw[c])
                minw[c] = lw;
        }
        if (t->numeric[c]) { /* numbers never wrap; their header may */
            size_t hw = longest_word(t->headers[c]);
            if (hw > minw[c])
                minw[c] = hw;
        } else if (minw[c] < 8)
            minw[c] = w[c] < 8 ? w[c] : 8;
    }
    size_t total = nc > 0 ? 2 * (size_t)(nc - 1) : 0;
    for (int c = 0; c < nc; c++)
        total += w[c];
    while (total > LLMCOST_TEXT_WIDTH) {
        int widest = -1;
        for (int c = 0; c < nc; c++)
            if (w[c] > minw[c] && (widest < 0 || w[c] > w[widest]))
                widest = c;
        if (widest < 0)
            break;
        w[widest]--;
        total--;
    }
    for (const char *p = t->title; *p;) {
        const char *next;
        size_t len = next_line(p, p == t->title ? LLMCOST_TEXT_WIDTH : LLMCOST_TEXT_WIDTH - 2, &next);
        if (p != t->title)
            lc_sb_puts(b, "  ");
        lc_sb_add(b, p, len);
        lc_sb_puts(b, "\n");
        p = next;
    }
    const char *rest[64];
    for (int r = -1; r < t->nrows; r++) {
        char *const *cells = r < 0 ? t->headers : t->rows[r];
        for (int c = 0; c < nc; c++)
            rest[c] = cells[c];
        bool more = true;
        while (more) {
            more = false;
            for (int c = 0; c < nc; c++) {
                if (c)
                    lc_sb_puts(b, "  ");
                const char *next;
                size_t len, cw;
                if (t->numeric[c] && r >= 0) {
                    len = strlen(rest[c]);
                    next = rest[c] + len;
                } else {
                    len = next_line(rest[c], w[c], &next);
                }
                char *piece = malloc(len + 1);
                if (!piece) {
                    b->failed = 1;
                    return;
                }
                memcpy(piece, rest[c], len);
                piece[len] = '\0';
                cw = width(piece);
                if (t->numeric[c] && r >= 0) {
                    sb_pad(b, w[c] > cw ? w[c] - cw : 0);
                    lc_sb_puts(b, piece);
                } else {
                    lc_sb_puts(b, piece);
                    sb_pad(b, w[c] > cw ? w[c] - cw : 0);
                }
                free(piece);
                rest[c] = next;
                if (*next)
                    more = true;
            }
            while (b->len > 0 && b->s[b->len - 1] == ' ') /* no trailing blanks from empty last cells */
                b->s[--b->len] = '\0';
            lc_sb_puts(b, "\n");
        }
        if (r < 0) {
            for (size_t i = 0; i < total; i++)
                lc_sb_puts(b, "-");
            lc_sb_puts(b, "\n");
        }
    }
}

char *llmcost_table_render(const llmcost_table *t, llmcost_format fmt)
{
    lc_sbuf b = {0};
    if (fmt == LLMCOST_FMT_CSV) {
        for (int c = 0; c < t->ncols; c++) {
            if (c)
                lc_sb_puts(&b, ",");
            lc_csv_field(&b, t->headers[c]);
        }
        lc_sb_puts(&b, "\n");
        for (int r = 0; r < t->nrows; r++) {
            for (int c = 0; c < t->ncols; c++) {
                if (c)
                    lc_sb_puts(&b, ",");
                lc_csv_field(&b, t->rows[r][c]);
            }
            lc_sb_puts(&b, "\n");
        }
    } else if (fmt == LLMCOST_FMT_MD) {
        if (t->title[0]) {
            lc_sb_puts(&b, "**");
            lc_sb_puts(&b, t->title);
            lc_sb_puts(&b, "**\n\n");
        }
        lc_sb_puts(&b, "|");
        for (int c = 0; c < t->ncols; c++) {
            lc_sb_puts(&b, " ");
            md_cell(&b, t->headers[c]);
            lc_sb_puts(&b, " |");
        }
        lc_sb_puts(&b, "\n|");
        for (int c = 0; c < t->ncols; c++)
            lc_sb_puts(&b, t->numeric[c] ? "---:|" : "---|");
        lc_sb_puts(&b, "\n");
        for (int r = 0; r < t->nrows; r++) {
            lc_sb_puts(&b, "|");
            for (int c = 0; c < t->ncols; c++) {
                lc_sb_puts(&b, " ");
                md_cell(&b, t->rows[r][c]);
                lc_sb_puts(&b, " |");
            }
            lc_sb_puts(&b, "\n");
        }
    } else {
        render_text(&b, t);
    }
    if (b.failed) {
        free(b.s);
        lc_fail(LLMCOST_ENOMEM, "out of memory");
        return NULL;
    }
    if (!b.s)
        lc_sb_puts(&b, "");
    return b.s;
}
