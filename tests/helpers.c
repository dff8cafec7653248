/* helpers.c - runs the llmcost binary for tests, capturing stdout, stderr and the exit status. */
#define _POSIX_C_SOURCE 200809L
#include "helpers.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static char *slurp_fd(int fd)
{
    size_t cap = 4096, len = 0;
    char *buf = malloc(cap);
    for (;;) {
        if (len + 1 >= cap)
            buf = realloc(buf, cap *= 2);
        ssize_t n = read(fd, buf + len, cap - len - 1);
        if (n <= 0)
            break;
        len += (size_t)n;
    }
    buf[len] = '\0';
    return buf;
}

run_result run_cli(const char *const *argv)
{
    run_result r = {-1, NULL, NULL};
    char outp[] = "/tmp/llmcost-test-out-XXXXXX", errp[] = "/tmp/llmcost-test-err-XXXXXX";
    int fo = mkstemp(outp), fe = mkstemp(errp);
    pid_t pid = fork();
    if (pid == 0) {
        dup2(fo, 1);
        dup2(fe, 2);
        int n = 0;
        while (argv[n])
            n++;
        char **args = calloc((size_t)n + 2, sizeof *args);
        args[0] = (char *)LLMCOST_BIN;
        for (int i = 0; i < n; i++)
            args[i + 1] = (char *)argv[i];
        setenv("LC_ALL", "C", 1);
        execv(LLMCOST_BIN, args);
        _exit(127);
    }
    int st = 0;
    waitpid(pid, &st, 0);
    r.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
    lseek(fo, 0, SEEK_SET);
    lseek(fe, 0, SEEK_SET);
    r.out = slurp_fd(fo);
    r.err = slurp_fd(fe);
    close(fo);
    close(fe);
    unlink(outp);
    unlink(errp);
    return r;
}

void run_free(run_result *r)
{
    free(r->out);
    free(r->err);
}

int count_lines(const char *s)
{
    int n = 0;
    const char *p = s;
    for (; *p; p++)
        if (*p == '\n')
            n++;
    if (p > s && p[-1] != '\n')
        n++;
    return n;
}

const char *temp_file(const char *name, const void *data, size_t len)
{
    static char paths[64][256];
    static int next;
    char *path = paths[next++ % 64];
    snprintf(path, 256, "/tmp/llmcost-test-%d-%s", (int)getpid(), name);
    FILE *f = fopen(path, "wb");
    if (f) {
        fwrite(data, 1, len, f);
        fclose(f);
    }
    return path;
}

const char *src_path(const char *rel)
{
    static char paths[16][1024];
    static int next;
    char *p = paths[next++ % 16];
    snprintf(p, 1024, "%s/%s", SOURCE_DIR, rel);
    return p;
}
