/* error.c - the thread-local last error message behind llmcost_errmsg(). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static _Thread_local char last_error[1024];

int lc_fail(int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(last_error, sizeof last_error, fmt, ap);
    va_end(ap);
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

void lc_strlcpy(char *dst, const char *src, size_t size)
{
    if (size == 0)
        return;
    size_t n = strlen(src);
    if (n >= size)
        n = size - 1;
    memcpy(dst, src, n);
    dst[n] = '\0';
}
