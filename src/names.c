/* names.c - names as people type them: case and '_' for '-' ignored, the nearest name for "did you mean", presets
 * found by their Hugging Face repo id, and Hugging Face cache folders (models--ORG--NAME/snapshots/REV/). */
#define _POSIX_C_SOURCE 200809L
#include <ctype.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "internal.h"
#include "llmcost/format.h"
#include "llmcost/model.h"

/* One character as names compare: lower case, '_' read as '-'. */
static int fold(int c)
{
    c = tolower((unsigned char)c);
    return c == '_' ? '-' : c;
}

int llmcost_name_distance(const char *a, const char *b)
{
    /* Optimal string alignment distance: insertions, deletions, substitutions and swaps of neighbours, each 1. */
    size_t na = strlen(a), nb = strlen(b);
    if (na > 127 || nb > 127)
        return 1000;
    int d[128][128];
    for (size_t i = 0; i <= na; i++)
        d[i][0] = (int)i;
    for (size_t j = 0; j <= nb; j++)
        d[0][j] = (int)j;
    for (size_t i = 1; i <= na; i++)
        for (size_t j = 1; j <= nb; j++) {
            int cost = fold(a[i - 1]) != fold(b[j - 1]);
            int v = d[i - 1][j] + 1;
            if (d[i][j - 1] + 1 < v)
                v = d[i][j - 1] + 1;
            if (d[i - 1][j - 1] + cost < v)
                v = d[i - 1][j - 1] + cost;
            if (i > 1 && j > 1 && fold(a[i - 1]) == fold(b[j - 2]) && fold(a[i - 2]) == fold(b[j - 1]) &&
                d[i - 2][j - 2] + 1 < v)
                v = d[i - 2][j - 2] + 1;
            d[i][j] = v;
        }
    return d[na][nb];
}

int llmcost_name_nearest(const char *word, const char *const *names, size_t n)
{
    if (!word || !names)
        return -1;
    /* Close enough to be a typo: at most a third of the word's characters (and at least one, at most three) off. */
    int limit = (int)strlen(word) / 3;
    limit = limit < 1 ? 1 : limit > 3 ? 3 : limit;
    int best = -1, best_d = limit + 1;
    for (size_t i = 0; i < n; i++) {
        if (!names[i])
            continue;
        int dist = llmcost_name_distance(word, names[i]);
        if (dist < best_d) {
            best_d = dist;
            best = (int)i;
        }
    }
    return best;
}

/* The preset's "hf_repo" value, read from its JSON text, into buf ("" when it has none). */
static void preset_repo(char *buf, size_t size, int i)
{
    buf[0] = '\0';
    const char *text = llmcost_preset_json(i);
    const char *k = text ? strstr(text, "\"hf_repo\"") : NULL;
    if (!k)
        return;
    k += strlen("\"hf_repo\"");
    while (*k == ' ' || *k == '\t' || *k == '\n' || *k == '\r' || *k == ':')
        k++;
    if (*k != '"')
        return;
    k++;
    const char *e = strchr(k, '"');
    if (!e || (size_t)(e - k) >= size)
        return;
    memcpy(buf, k, (size_t)(e - k));
    buf[e - k] = '\0';
}

int llmcost_preset_hf_repo(char *buf, size_t size, int i)
{
    if (!buf || size == 0)
        return lc_fail(LLMCOST_EINVAL, "llmcost_preset_hf_repo: no buffer");
    if (i < 0 || i >= llmcost_preset_count()) {
        buf[0] = '\0';
        return lc_fail(LLMCOST_ENOTFOUND, "no preset %d", i);
    }
    preset_repo(buf, size, i);
    return 0;
}

/* Names equal as people type them. */
static int same_name(const char *a, const char *b)
{
    for (; *a && *b; a++, b++)
        if (fold(*a) != fold(*b))
            return 0;
    return *a == *b;
}

int llmcost_preset_match(const char *name)
{
    if (!name)
        return -1;
    int p = llmcost_preset_find(name);
    if (p >= 0)
        return p;
    int n = llmcost_preset_count();
    for (int i = 0; i < n; i++)
        if (same_name(llmcost_preset_name(i), name))
            return i;
    char repo[128];
    for (int i = 0; i < n; i++) {
        preset_repo(repo, sizeof repo, i);
        if (repo[0] && same_name(repo, name))
            return i;
    }
    return -1;
}

const char *llmcost_preset_suggest(const char *name)
{
    if (!name)
        return NULL;
    int n = llmcost_preset_count();
    const char *best = NULL;
    int best_d = 1000;
    int limit = (int)strlen(name) / 3;
    limit = limit < 1 ? 1 : limit > 3 ? 3 : limit;
    char repo[128];
    for (int i = 0; i < n; i++) {
        int d = llmcost_name_distance(name, llmcost_preset_name(i));
        preset_repo(repo, sizeof repo, i);
        if (repo[0]) {
            int dr = llmcost_name_distance(name, repo);
            d = dr < d ? dr : d;
        }
        if (d < best_d) {
            best_d = d;
            best = llmcost_preset_name(i);
        }
    }
    return best_d <= limit ? best : NULL;
}

/* "models--ORG--NAME" as "ORG/NAME" (or "NAME" for a repo without an organisation); 0 if not such a name. */
static int repo_from_cache_name(char *repo, size_t size, const char *base, size_t len)
{
    const char *pre = "models--";
    size_t np = strlen(pre);
    if (len <= np || strncmp(base, pre, np) != 0 || len - np >= size)
        return 0;
    memcpy(repo, base + np, len - np);
    repo[len - np] = '\0';
    char *sep = strstr(repo, "--");
    if (sep) {
        *sep = '/';
        memmove(sep + 1, sep + 2, strlen(sep + 2) + 1);
    }
    return 1;
}

int lc_hf_cache_config(char *path, size_t size, char *repo, size_t rsize, const char *dir)
{
    repo[0] = '\0';
    size_t len = strlen(dir);
    while (len > 1 && dir[len - 1] == '/')
        len--;
    /* The last three components: models--ORG--NAME / snapshots / REV, or just models--ORG--NAME. */
    const char *comp[3] = {NULL, NULL, NULL};
    size_t clen[3] = {0, 0, 0};
    size_t end = len;
    for (int k = 0; k < 3 && end > 0; k++) {
        size_t start = end;
        while (start > 0 && dir[start - 1] != '/')
            start--;
        comp[k] = dir + start;
        clen[k] = end - start;
        if (start == 0)
            break;
        end = start - 1;
        while (end > 0 && dir[end - 1] == '/')
            end--;
    }
    if (comp[2] && clen[1] == 9 && !strncmp(comp[1], "snapshots", 9) &&
        repo_from_cache_name(repo, rsize, comp[2], clen[2])) {
        int n = snprintf(path, size, "%.*s/config.json", (int)len, dir);
        if (n < 0 || (size_t)n >= size)
            return lc_fail(LLMCOST_EINVAL, "%s: path too long", dir);
        return 1;
    }
    if (!comp[0] || !repo_from_cache_name(repo, rsize, comp[0], clen[0]))
        return 0;
    char snaps[4096];
    int n = snprintf(snaps, sizeof snaps, "%.*s/snapshots", (int)len, dir);
    if (n < 0 || (size_t)n >= sizeof snaps)
        return lc_fail(LLMCOST_EINVAL, "%s: path too long", dir);
    DIR *d = opendir(snaps);
    if (!d) {
        repo[0] = '\0';
        return 0; /* a folder merely named models--...: read as any folder */
    }
    /* The newest snapshot that holds a config.json (hub downloads write each revision's folder when fetched). */
    double newest = -1;
    char best[4096] = "";
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        char cfg[4096];
        struct stat st, sd;
        n = snprintf(cfg, sizeof cfg, "%s/%s/config.json", snaps, e->d_name);
        if (n < 0 || (size_t)n >= sizeof cfg || stat(cfg, &st) != 0 || !S_ISREG(st.st_mode))
            continue;
        size_t folder = (size_t)n - strlen("/config.json");
        cfg[folder] = '\0'; /* the snapshot's folder, whose time is the download's */
        int bad = stat(cfg, &sd) != 0;
        cfg[folder] = '/';
        if (bad)
            continue;
        double t = (double)sd.st_mtim.tv_sec + sd.st_mtim.tv_nsec * 1e-9;
        if (t > newest || (t == newest && strcmp(cfg, best) > 0)) {
            newest = t;
            snprintf(best, sizeof best, "%s", cfg);
        }
    }
    closedir(d);
    if (!best[0])
        return lc_fail(LLMCOST_ENOTFOUND, "%s: Hugging Face cache folder of %s holds no snapshot with a config.json", dir,
                       repo);
    if (strlen(best) >= size)
        return lc_fail(LLMCOST_EINVAL, "%s: path too long", dir);
    snprintf(path, size, "%s", best);
    return 1;
}
