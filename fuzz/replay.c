/* replay.c - a plain driver for a fuzz target: runs LLVMFuzzerTestOneInput on every file given, or every file in
 * a folder given, without libFuzzer. This is how ctest replays the seed corpora and every input that ever
 * crashed, with gcc as well as clang, with or without sanitizers. Exit status 0 when all ran. */
#define _XOPEN_SOURCE 700
#include <dirent.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"

__attribute__((weak)) int LLVMFuzzerInitialize(int *argc, char ***argv);

static char **paths;
static size_t npaths, cap;

static void add(const char *path)
{
    char real[PATH_MAX];
    FUZZ_CHECK(realpath(path, real) != NULL);
    if (npaths == cap) {
        cap = cap ? cap * 2 : 64;
        paths = realloc(paths, cap * sizeof *paths);
        FUZZ_CHECK(paths != NULL);
    }
    paths[npaths++] = strdup(real);
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int main(int argc, char **argv)
{
    /* Paths are resolved first: a target's initialisation may change the working directory. */
    for (int i = 1; i < argc; i++) {
        struct stat st;
        if (stat(argv[i], &st) != 0) {
            fprintf(stderr, "replay: %s: no such file or folder\n", argv[i]);
            return 2;
        }
        if (!S_ISDIR(st.st_mode)) {
            add(argv[i]);
            continue;
        }
        DIR *d = opendir(argv[i]);
        FUZZ_CHECK(d != NULL);
        size_t first = npaths;
        struct dirent *e;
        while ((e = readdir(d)) != NULL) {
            char p[PATH_MAX];
            snprintf(p, sizeof p, "%s/%s", argv[i], e->d_name);
            if (e->d_name[0] != '.' && stat(p, &st) == 0 && S_ISREG(st.st_mode))
                add(p);
        }
        closedir(d);
        qsort(paths + first, npaths - first, sizeof *paths, by_name);
    }
    setenv("LLMCOST_FUZZ_REPLAY", "1", 1); /* targets check everything, however slow */
    if (LLVMFuzzerInitialize)
        LLVMFuzzerInitialize(&argc, &argv);
    for (size_t i = 0; i < npaths; i++) {
        FILE *f = fopen(paths[i], "rb");
        FUZZ_CHECK(f != NULL);
        FUZZ_CHECK(fseek(f, 0, SEEK_END) == 0);
        long len = ftell(f);
        FUZZ_CHECK(len >= 0);
        rewind(f);
        /* Exactly the input's size, as libFuzzer gives it, so a read past its end is caught by ASan. */
        uint8_t *buf = malloc(len ? (size_t)len : 1);
        FUZZ_CHECK(buf != NULL && fread(buf, 1, (size_t)len, f) == (size_t)len);
        fclose(f);
        LLVMFuzzerTestOneInput(buf, (size_t)len);
        free(buf);
        free(paths[i]);
    }
    printf("replayed %zu inputs\n", npaths);
    free(paths);
    return 0;
}
