/* error.c - the thread-local last error message behind llmcost_errmsg(). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* Room for a path of PATH_MAX (4096) bytes and the message around it: a message cut short would lose the key. */
static _Thread_local char last_error[8192];

bool lc_one_line(char *dst, size_t size, const char *src)
{
    static const char hex[] = "0123456789abcdef";
    size_t o = 0;
    if (size == 0)
        return src[0] == '\0';
    for (const unsigned char *p = (const unsigned char *)src; *p; p++) {
        char esc[5];
        size_t n = 0;
        if (*p == '\n' || *p == '\r' || *p == '\t') {
            esc[n++] = '\\';
            esc[n++] = *p == '\n' ? 'n' : *p == '\r' ? 'r' : 't';
        } else if (*p < 0x20 || *p == 0x7f) {
            esc[n++] = '\\';
            esc[n++] = 'x';
            esc[n++] = hex[*p >> 4];
            esc[n++] = hex[*p & 15];
        } else if (*p == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f) { /* a C1 control (U+0080-U+009F, CSI among them) */
            p++;
            esc[n++] = '\\';
            esc[n++] = 'x';
            esc[n++] = hex[*p >> 4];
            esc[n++] = hex[*p & 15];
        } else {
            esc[n++] = (char)*p;
        }
        if (o + n >= size) {
            dst[o] = '\0';
            return false;
        }
        memcpy(dst + o, esc, n);
        o += n;
    }
    dst[o] = '\0';
    return true;
}

const char *lc_control_char(const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (*p < 0x20 || *p == 0x7f || (*p == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f))
            return (const char *)p;
    return NULL;
}

int lc_fail(int code, const char *fmt, ...)
{
    /* Values quoted in messages come from files and the command line; a newline among them must not split the
     * one-line message, so control characters are escaped. */
    char raw[sizeof last_error];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(raw, sizeof raw, fmt, ap);
    va_end(ap);
    lc_one_line(last_error, sizeof last_error, raw);
    return code;
}

const char *llmcost_errmsg(void)
{
    return last_error;
}

const char *llmcost_version(void)
{
    return LLMCOST_VERSION;
}

void llmcost_free(void *p)
{
    free(p);
}

bool lc_strlcpy(char *dst, const char *src, size_t size)
{
    if (size == 0)
        return src[0] == '\0';
    size_t n = strlen(src);
    bool fits = n < size;
    if (!fits)
        n = size - 1;
    memcpy(dst, src, n);
    dst[n] = '\0';
    return fits;
}

int lc_text_set(char *dst, size_t size, const char *src, const char *what)
{
    if (lc_strlcpy(dst, src, size))
        return 0;
    dst[0] = '\0';
    return lc_fail(LLMCOST_EINVAL, "%s: '%.40s...' is %zu characters, longer than the %zu that llmcost keeps", what, src,
                   strlen(src), size - 1);
}
