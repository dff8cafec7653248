/* config.c - reads JSON files and typed, validated keys from config objects, with messages naming file and key. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "internal.h"

int lc_parse_json(json_t **out, const char *text, size_t len, const char *origin)
{
    json_error_t e;
    *out = NULL;
    if (len == 0)
        return lc_fail(LLMCOST_EPARSE, "%s:1:1: empty file, expected a JSON object", origin);
    if (lc_skip_bom(text, len))
        return lc_fail(LLMCOST_EPARSE, "%s:1:1: malformed JSON: the file starts with a UTF-8 byte-order mark (EF BB BF); "
                       "JSON has none", origin);
    json_t *j = json_loadb(text, len, JSON_REJECT_DUPLICATES, &e);
    if (!j) {
        /* jansson counts columns from 0 at a line's start in some errors; report 1-based columns. */
        int col = e.column < 1 ? 1 : e.column;
        int line = e.line < 1 ? 1 : e.line;
        return lc_fail(LLMCOST_EPARSE, "%s:%d:%d: malformed JSON: %s", origin, line, col, e.text);
    }
    *out = j;
    return 0;
}

const char *lc_cfg_which(const lc_cfg *c, const char *const *names)
{
    for (int i = 0; names[i]; i++) {
        json_t *v = json_object_get(c->obj, names[i]);
        if (v && !json_is_null(v))
            return names[i];
    }
    return NULL;
}

static json_t *lookup(const lc_cfg *c, const char *const *names, const char **name)
{
    *name = lc_cfg_which(c, names);
    return *name ? json_object_get(c->obj, *name) : NULL;
}

/* A JSON value as short text for quoting in messages. */
static void quote(char *buf, size_t n, json_t *v)
{
    char *s = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
    if (!s) {
        snprintf(buf, n, "?");
        return;
    }
    if (strlen(s) > 40)
        snprintf(buf, n, "%.37s...", s);
    else
        snprintf(buf, n, "%s", s);
    free(s);
}

static int read_int(const lc_cfg *c, int64_t *out, const char *const *names, int64_t dflt, int64_t min)
{
    const char *name;
    json_t *v = lookup(c, names, &name);
    if (!v) {
        *out = dflt;
        return 0;
    }
    char q[64];
    if (!json_is_integer(v)) {
        quote(q, sizeof q, v);
        if (json_is_real(v))
            return lc_fail(LLMCOST_EINVAL, "%s: key '%s%s': expected an integer, got %s", c->origin, c->prefix, name,
                           q);
        return lc_fail(LLMCOST_EINVAL, "%s: key '%s%s': expected an integer, got %s%s", c->origin, c->prefix, name,
                       json_is_string(v) ? "the string " : "", q);
    }
    json_int_t x = json_integer_value(v);
    if (x < min)
        return lc_fail(LLMCOST_EINVAL, "%s: key '%s%s': must be %s, got %lld", c->origin, c->prefix, name,
                       min > 0 ? "positive" : "zero or more", (long long)x);
    if (x > LC_MAX_SIZE)
        return lc_fail(LLMCOST_EOVERFLOW, "%s: key '%s%s': %lld is too large (sizes above 2^40 overflow 64-bit counts)",
                       c->origin, c->prefix, name, (long long)x);
    *out = (int64_t)x;
    return 1;
}

int lc_cfg_size(const lc_cfg *c, int64_t *out, const char *const *names, int64_t dflt)
{
    return read_int(c, out, names, dflt, 1);
}

int lc_cfg_count(const lc_cfg *c, int64_t *out, const char *const *names, int64_t dflt)
{
    return read_int(c, out, names, dflt, 0);
}

int lc_cfg_req_size(const lc_cfg *c, int64_t *out, const char *const *names)
{
    int r = lc_cfg_size(c, out, names, 0);
    if (r != 0)
        return r;
    char list[256] = "";
    for (int i = 0; names[i]; i++) {
        size_t n = strlen(list);
        snprintf(list + n, sizeof list - n, "%s'%s%s'", i ? " or " : "", c->prefix, names[i]);
    }
    json_t *v = json_object_get(c->obj, names[0]);
    if (v && json_is_null(v))
        return lc_fail(LLMCOST_EINVAL, "%s: key %s is null; it must be a positive integer", c->origin, list);
    return lc_fail(LLMCOST_EINVAL, "%s: missing key %s", c->origin, list);
}

int lc_cfg_bool(const lc_cfg *c, bool *out, const char *const *names, bool dflt)
{
    const char *name;
    json_t *v = lookup(c, names, &name);
    if (!v) {
        *out = dflt;
        return 0;
    }
    if (!json_is_boolean(v)) {
        char q[64];
        quote(q, sizeof q, v);
        return lc_fail(LLMCOST_EINVAL, "%s: key '%s%s': expected true or false, got %s", c->origin, c->prefix, name,
                       q);
    }
    *out = json_is_true(v);
    return 1;
}

int lc_cfg_real(const lc_cfg *c, double *out, const char *const *names, double dflt)
{
    const char *name;
    json_t *v = lookup(c, names, &name);
    if (!v) {
        *out = dflt;
        return 0;
    }
    if (!json_is_number(v)) {
        char q[64];
        quote(q, sizeof q, v);
        return lc_fail(LLMCOST_EINVAL, "%s: key '%s%s': expected a number, got %s", c->origin, c->prefix, name, q);
    }
    double x = json_number_value(v);
    if (!isfinite(x))
        return lc_fail(LLMCOST_EINVAL, "%s: key '%s%s': not a finite number", c->origin, c->prefix, name);
    *out = x;
    return 1;
}

int lc_cfg_text(const lc_cfg *c, const char **out, const char *const *names, const char *dflt)
{
    /* Every string is checked for control characters (lc_cfg_string): text and string read alike. */
    return lc_cfg_string(c, out, names, dflt);
}

static int copy_into(const lc_cfg *c, char *dst, size_t size, const char *const *names, const char *s, int r)
{
    if (r < 0)
        return r;
    if (lc_strlcpy(dst, s ? s : "", size))
        return r;
    dst[0] = '\0';
    const char *key = lc_cfg_which(c, names);
    return lc_fail(LLMCOST_EINVAL, "%s: key '%s%s': '%.40s...' is %zu characters, longer than the %zu that llmcost keeps",
                   c->origin, c->prefix, key ? key : names[0], s, strlen(s), size - 1);
}

int lc_cfg_text_into(const lc_cfg *c, char *dst, size_t size, const char *const *names, const char *dflt)
{
    const char *s = NULL;
    int r = lc_cfg_text(c, &s, names, dflt);
    return copy_into(c, dst, size, names, s, r);
}

int lc_cfg_string_into(const lc_cfg *c, char *dst, size_t size, const char *const *names, const char *dflt)
{
    const char *s = NULL;
    int r = lc_cfg_string(c, &s, names, dflt);
    return copy_into(c, dst, size, names, s, r);
}

int lc_cfg_prob(const lc_cfg *c, double *out, const char *const *names, double dflt)
{
    int r = lc_cfg_real(c, out, names, dflt);
    if (r == 1 && !(*out >= 0.0 && *out <= 1.0))
        return lc_fail(LLMCOST_EINVAL, "%s: key '%s%s': a probability must be in [0, 1], got %g", c->origin, c->prefix,
                       lc_cfg_which(c, names), *out);
    return r;
}

int lc_cfg_string(const lc_cfg *c, const char **out, const char *const *names, const char *dflt)
{
    const char *name;
    json_t *v = lookup(c, names, &name);
    if (!v) {
        *out = dflt;
        return 0;
    }
    if (!json_is_string(v)) {
        char q[64];
        quote(q, sizeof q, v);
        return lc_fail(LLMCOST_EINVAL, "%s: key '%s%s': expected a string, got %s", c->origin, c->prefix, name, q);
    }
    *out = json_string_value(v);
    /* A string read from a file ends up printed (names in tables, sources in notes, CSV): a newline would split a
     * line, an escape sequence reach the terminal. Control characters (C0, DEL, C1) are refused. */
    const char *bad = lc_control_char(*out);
    if (bad) {
        char q[96];
        lc_one_line(q, sizeof q, *out);
        return lc_fail(LLMCOST_EINVAL, "%s: key '%s%s': control character 0x%02x in the text '%s'", c->origin,
                       c->prefix, name, (unsigned char)bad[0] == 0xc2 ? (unsigned char)bad[1] : (unsigned char)bad[0],
                       q);
    }
    return 1;
}
