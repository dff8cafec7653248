/* embedded.h - the repository's data/ JSON files, compiled into the library by cmake/embed.cmake. */
#ifndef LLMCOST_EMBEDDED_H
#define LLMCOST_EMBEDDED_H

#include <stddef.h>

typedef struct {
    const char *path; /* repository path, e.g. "data/models/llama-7b.json" */
    const char *text; /* NUL-terminated contents */
    size_t len;
} lc_embedded;

extern const lc_embedded lc_embedded_files[];
extern const int lc_embedded_count;

/* The embedded file at "path", or NULL. */
const lc_embedded *lc_embedded_find(const char *path);

#endif
