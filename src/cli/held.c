/* held.c - what a command produces is held until it has succeeded: its stdout, its notes on stderr, and the
 * files it writes (--write-config, --save). A failing command prints one line, its error, and leaves every file
 * as it was; a succeeding one prints its output, then its notes, then renames its files into place. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

/* A file written by the command: its text is in "tmp" (same folder as "target") until the command succeeds. */
typedef struct pending {
    char *tmp, *target, *flag;
} pending;

enum { MAX_PENDING = 4 };
static pending pend[MAX_PENDING];
static int npend;
static int held_argc;
static char **held_argv;
static FILE *real_stderr;
static bool keep_output; /* cli_held_keep_output(): a nonzero exit that is a verdict, its output wanted */

/* One error line on stderr; returns 2 (bad input: the path given cannot be written). */
static int fail(const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 1, 2)))
#endif
    ;
static int fail(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("llmcost: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    return EXIT_BAD_INPUT;
}

static void drop_pending(void)
{
    for (int i = 0; i < npend; i++) {
        unlink(pend[i].tmp);
        free(pend[i].tmp);
        free(pend[i].target);
        free(pend[i].flag);
    }
    npend = 0;
}

FILE *cli_terminal(void)
{
    FILE *f = real_stderr ? real_stderr : stderr;
    return isatty(fileno(f)) ? f : NULL;
}

/* True when "st" is the file named by one of the command's arguments (other than "self"), or the config.json of
 * a folder named by one: writing over it would destroy an input. Names the argument in *which. */
static bool is_input(const struct stat *st, const char *self, const char **which)
{
    for (int i = 0; i < held_argc; i++) {
        const char *a = held_argv[i];
        if (a == self || a[0] == '\0')
            continue;
        const char *eq = a[0] == '-' ? strchr(a, '=') : NULL; /* --law=FILE */
        const char *p = eq ? eq + 1 : a;
        struct stat s;
        if (stat(p, &s) != 0)
            continue;
        if (S_ISDIR(s.st_mode)) {
            char in[4096];
            if (snprintf(in, sizeof in, "%s/config.json", p) >= (int)sizeof in || stat(in, &s) != 0)
                continue;
        }
        if (s.st_dev == st->st_dev && s.st_ino == st->st_ino) {
            *which = p;
            return true;
        }
    }
    return false;
}

int cli_write_file(const char *flag, const char *path, const char *text)
{
    if (npend == MAX_PENDING)
        return fail("--%s: too many files to write", flag);
    struct stat st;
    mode_t mode = 0;
    /* Whatever would make the final rename(2) fail is refused now, before the command prints its output: a name
     * ending in '/' (rename would need a folder there), or one whose lookup fails for any reason but absence
     * (a path through a file, "pipe/", a link loop, a folder it may not search). */
    size_t plen = strlen(path);
    if (plen == 0 || path[plen - 1] == '/')
        return fail("--%s: cannot write '%s': it names a folder, not a file", flag, path);
    bool exists = stat(path, &st) == 0;
    if (!exists && errno != ENOENT)
        return fail("--%s: cannot write '%s': %s", flag, path, strerror(errno));
    if (exists) {
        const char *which = NULL;
        if (S_ISDIR(st.st_mode))
            return fail("--%s: cannot write '%s': it is a folder", flag, path);
        if (!S_ISREG(st.st_mode))
            return fail("--%s: cannot write '%s': it is not a regular file", flag, path);
        if (is_input(&st, path, &which))
            return fail("--%s: '%s' is one of this command's inputs (%s): it would be lost; write "
                                         "to another file", flag, path, which);
        mode = st.st_mode & 07777;
    } else {
        mode_t mask = umask(0);
        umask(mask);
        mode = 0666 & ~mask;
    }
    /* The temporary file lives in the target's folder, so that rename(2) replaces the target in one step. */
    char *dup = strdup(path), *dup2 = strdup(path);
    char *tmp = NULL;
    size_t tn = strlen(path) + 16;
    if (dup && dup2 && (tmp = malloc(tn)) != NULL)
        snprintf(tmp, tn, "%s/.%s.XXXXXX", dirname(dup), basename(dup2));
    if (!tmp) {
        free(dup);
        free(dup2);
        fprintf(stderr, "llmcost: out of memory\n");
        return 1;
    }
    free(dup);
    free(dup2);
    int fd = mkstemp(tmp);
    if (fd < 0) {
        int err = errno;
        free(tmp);
        return fail("--%s: cannot write '%s': %s", flag, path, strerror(err));
    }
    size_t len = strlen(text), off = 0;
    int err = 0;
    while (off < len && !err) {
        ssize_t n = write(fd, text + off, len - off);
        if (n < 0 && errno != EINTR)
            err = errno;
        else if (n > 0)
            off += (size_t)n;
    }
    if (!err && fchmod(fd, mode) != 0)
        err = errno;
    if (!err && fsync(fd) != 0)
        err = errno;
    if (close(fd) != 0 && !err)
        err = errno;
    if (err) {
        unlink(tmp);
        free(tmp);
        return fail("--%s: cannot write '%s': %s", flag, path, strerror(err));
    }
    pend[npend].tmp = tmp;
    pend[npend].target = strdup(path);
    pend[npend].flag = strdup(flag);
    if (!pend[npend].target || !pend[npend].flag) {
        unlink(tmp);
        free(tmp);
        free(pend[npend].target);
        free(pend[npend].flag);
        fprintf(stderr, "llmcost: out of memory\n");
        return 1;
    }
    npend++;
    return 0;
}

/* Renames every pending file over its target. Returns 0, or 2 after printing the one error line. */
static int commit_pending(void)
{
    int rc = 0;
    for (int i = 0; i < npend; i++) {
        if (rc == 0 && rename(pend[i].tmp, pend[i].target) != 0) {
            fprintf(stderr, "llmcost: --%s: cannot write '%s': %s\n", pend[i].flag, pend[i].target,
                    strerror(errno));
            rc = EXIT_BAD_INPUT;
            continue;
        }
        if (rc == 0) {
            /* The rename itself is durable once the folder is synced. */
            char *dup = strdup(pend[i].target);
            int dfd = dup ? open(dirname(dup), O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;
            if (dfd >= 0) {
                (void)fsync(dfd);
                close(dfd);
            }
            free(dup);
            free(pend[i].tmp);
            pend[i].tmp = NULL;
        }
    }
    for (int i = 0; i < npend; i++) {
        if (pend[i].tmp)
            unlink(pend[i].tmp);
        free(pend[i].tmp);
        free(pend[i].target);
        free(pend[i].flag);
    }
    npend = 0;
    return rc;
}

/* The last line of "buf" (len bytes), without its newline: a failing command's error. */
static void print_last_line(FILE *f, const char *buf, size_t len)
{
    while (len > 0 && buf[len - 1] == '\n')
        len--;
    size_t start = len;
    while (start > 0 && buf[start - 1] != '\n')
        start--;
    if (len > start)
        fprintf(f, "%.*s\n", (int)(len - start), buf + start);
}

void cli_held_keep_output(void)
{
    keep_output = true;
}

int cli_run_held(int (*run)(int argc, char **argv), int argc, char **argv, int all_argc, char **all_argv)
{
    char *obuf = NULL, *ebuf = NULL;
    size_t olen = 0, elen = 0;
    FILE *out = open_memstream(&obuf, &olen);
    FILE *err = out ? open_memstream(&ebuf, &elen) : NULL;
    if (!err) {
        if (out)
            fclose(out);
        free(obuf);
        fprintf(stderr, "llmcost: out of memory\n");
        return 1;
    }
    FILE *real_out = stdout;
    real_stderr = stderr;
    held_argc = all_argc;
    held_argv = all_argv;
    stdout = out;
    stderr = err;
    keep_output = false;
    int rc = run(argc, argv);
    bool verdict = rc != 0 && keep_output;
    keep_output = false;
    stdout = real_out;
    stderr = real_stderr;
    real_stderr = NULL;
    held_argc = 0;
    held_argv = NULL;
    bool oom = fclose(out) != 0;
    oom |= fclose(err) != 0;
    if (oom) {
        free(obuf);
        free(ebuf);
        drop_pending();
        fprintf(stderr, "llmcost: out of memory\n");
        return 1;
    }
    if (rc != 0 && !verdict) {
        /* One line: the error. Notes printed before it, and the output, are dropped with the files. */
        drop_pending();
        if (elen)
            print_last_line(stderr, ebuf, elen);
        else
            fprintf(stderr, "llmcost: failed (exit %d) without a message\n", rc);
        free(obuf);
        free(ebuf);
        return rc;
    }
    if (olen)
        fwrite(obuf, 1, olen, stdout);
    free(obuf);
    if (fflush(stdout) != 0 || ferror(stdout)) {
        free(ebuf);
        drop_pending();
        fprintf(stderr, "llmcost: error writing output: %s\n", strerror(errno));
        return 1;
    }
    /* Files before notes: a rename that fails is then the one line on stderr. */
    int crc = commit_pending();
    if (crc == 0 && elen)
        fwrite(ebuf, 1, elen, stderr);
    free(ebuf);
    return crc ? crc : rc;
}
