/* config.c - reads JSON files and typed, validated keys from config objects, with messages naming file and key. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "config.h"
#include "internal.h"

int lc_read_file(char **out, size_t *out_len, const char *path)
{
    *out = NULL;
    struct stat st;
    if (stat(path, &st) != 0)
        return lc_fail(errno == ENOENT ? LLMCOST_ENOTFOUND : LLMCOST_EIO, "%s: %s", path, strerror(errno));
    if (S_ISDIR(st.st_mode))
        return lc_fail(LLMCOST_EINVAL, "%s: is a folder, not a file", path);
    if (st.st_size > (off_t)LC_MAX_FILE_BYTES)
        return lc_fail(LLMCOST_EINVAL, "%s: file is %.1f MiB; a config is at most %u MiB", path,
                       (double)st.st_size / 1048576.0, LC_MAX_FILE_BYTES >> 20);
    FILE *f = fopen(path, "rb");
    if (!f)
        return lc_fail(LLMCOST_EIO, "%s: %s", path, strerror(errno));
    /* Read up to the limit + 1 regardless of st_size: the file may be a pipe or may grow. */
    size_t cap = (size_t)st.st_size + 1, len = 0;
    if (cap < 4096)
        cap = 4096;
    char *buf = malloc(cap + 1);
    if (!buf) {
        fclose(f);
        return lc_fail(LLMCOST_ENOMEM, "out of memory");
    }
    for (;;) {
        size_t n = fread(buf + len, 1, cap - len, f);
        len += n;
        if (len > LC_MAX_FILE_BYTES) {
            free(buf);
            fclose(f);
            return lc_fail(LLMCOST_EINVAL, "%s: file is over %u MiB; a config is smaller", path,
                           LC_MAX_FILE_BYTES >> 20);
        }
        if (n == 0)
            break;
        if (len == cap) {
            size_t ncap = cap * 2;
            char *nb = realloc(buf, ncap + 1);
            if (!nb) {
                free(buf);
                fclose(f);
                return lc_fail(LLMCOST_ENOMEM, "out of memory");
            }
            buf = nb;
            cap = ncap;
        }
    }
    int err = ferror(f);
    fclose(f);
    if (err) {
        free(buf);
        return lc_fail(LLMCOST_EIO, "%s: read error", path);
    }
    buf[len] = '\0';
    *out = buf;
    if (out_len)
        *out_len = len;
    return 0;
}

int lc_parse_json(json_t **out, const char *text, size_t len, const char *origin)
{
    json_error_t e;
    *out = NULL;
    if (len == 0)
        return lc_fail(LLMCOST_EPARSE, "%s:1:1: empty file, expected a JSON object", origin);
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
    return 1;
}
