/* presets.c - the bundled model presets: every data/models/NAME.json compiled into the library. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "embedded.h"
#include "internal.h"
#include "llmcost/model.h"

#define PRESET_DIR "data/models/"
#define MAX_PRESETS 512

static const lc_embedded *presets[MAX_PRESETS];
static char names[MAX_PRESETS][96];
static int npresets;
static pthread_once_t presets_once = PTHREAD_ONCE_INIT;

/* Orders paths by preset name: "gpt2" before "gpt2-large" (comparing the ".json" too would not). */
static int by_name(const void *a, const void *b)
{
    const char *x = *(const char *const *)a, *y = *(const char *const *)b;
    size_t nx = strlen(x) - 5, ny = strlen(y) - 5, n = nx < ny ? nx : ny;
    int c = strncmp(x, y, n);
    return c ? c : (nx > ny) - (nx < ny);
}

/* Builds the sorted index; run once, under pthread_once, by the first caller on any thread. */
static void build_index(void)
{
    const char *order[MAX_PRESETS];
    int n = 0;
    for (int i = 0; i < lc_embedded_count && n < MAX_PRESETS; i++) {
        const char *p = lc_embedded_files[i].path;
        size_t len = strlen(p);
        if (strncmp(p, PRESET_DIR, strlen(PRESET_DIR)) == 0 && len > 5 && !strcmp(p + len - 5, ".json"))
            order[n++] = p;
    }
    qsort(order, (size_t)n, sizeof order[0], by_name);
    for (int i = 0; i < n; i++) {
        presets[i] = lc_embedded_find(order[i]);
        const char *base = order[i] + strlen(PRESET_DIR);
        size_t len = strlen(base) - 5;
        if (len >= sizeof names[i])
            len = sizeof names[i] - 1;
        memcpy(names[i], base, len);
        names[i][len] = '\0';
    }
    npresets = n;
}

static void index_presets(void)
{
    pthread_once(&presets_once, build_index);
}

int lc_presets_init(void)
{
    index_presets();
    return npresets > 0 ? 0 : lc_fail(LLMCOST_EINVAL, "no model presets are compiled in (a build defect)");
}

const lc_embedded *lc_embedded_find(const char *path)
{
    for (int i = 0; i < lc_embedded_count; i++)
        if (!strcmp(lc_embedded_files[i].path, path))
            return &lc_embedded_files[i];
    return NULL;
}

int llmcost_preset_count(void)
{
    index_presets();
    return npresets;
}

const char *llmcost_preset_name(int i)
{
    index_presets();
    return i >= 0 && i < npresets ? names[i] : NULL;
}

const char *llmcost_preset_json(int i)
{
    index_presets();
    return i >= 0 && i < npresets ? presets[i]->text : NULL;
}

const char *llmcost_preset_path(int i)
{
    index_presets();
    return i >= 0 && i < npresets ? presets[i]->path : NULL;
}

int llmcost_preset_find(const char *name)
{
    index_presets();
    for (int i = 0; i < npresets; i++)
        if (!strcmp(names[i], name))
            return i;
    return -1;
}
