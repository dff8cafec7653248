/* file.c - opening and reading the files llmcost is given: each path opened once, its kind checked on the
 * descriptor, errno causes reported as they are. Every reader of the library goes through lc_open_file. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "file.h"
#include "internal.h"

const char *lc_file_kind(unsigned mode)
{
    if (S_ISREG(mode))
        return "a regular file";
    if (S_ISDIR(mode))
        return "a folder";
    if (S_ISFIFO(mode))
        return "a FIFO (named pipe)";
    if (S_ISSOCK(mode))
        return "a socket";
    if (S_ISBLK(mode))
        return "a block device";
    if (S_ISCHR(mode))
        return "a character device";
    if (S_ISLNK(mode))
        return "a symbolic link";
    return "not a regular file";
}

/* The error for a failed open(2) or openat(2) of "path": the cause as errno tells it. */
static int open_error(int err, const char *path)
{
    int code = err == ENOENT ? LLMCOST_ENOTFOUND : err == ENOMEM ? LLMCOST_ENOMEM : LLMCOST_EIO;
    return lc_fail(code, "%s: %s", path, strerror(err));
}

int lc_open_file(int *out, struct stat *st, int dirfd, const char *name, const char *path, unsigned flags)
{
    *out = -1;
    /* O_NONBLOCK: opening a FIFO for reading must not wait for a writer; the kind is checked right after. */
    int fd;
    do
        fd = openat(dirfd, name, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
    while (fd < 0 && errno == EINTR);
    if (fd < 0)
        return open_error(errno, path);
    if (fstat(fd, st) != 0) {
        int err = errno;
        close(fd);
        return lc_fail(LLMCOST_EIO, "%s: %s", path, strerror(err));
    }
    bool ok = S_ISREG(st->st_mode) || S_ISCHR(st->st_mode) || ((flags & LC_OPEN_DIR) && S_ISDIR(st->st_mode));
    if (!ok) {
        close(fd);
        return lc_fail(LLMCOST_EINVAL, "%s: is %s, not a file", path, lc_file_kind(st->st_mode));
    }
    if (S_ISCHR(st->st_mode)) {
        /* A terminal (/dev/stdin) is read as it is typed: blocking reads. */
        int fl = fcntl(fd, F_GETFL);
        if (fl < 0 || fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) < 0) {
            int err = errno;
            close(fd);
            return lc_fail(LLMCOST_EIO, "%s: %s", path, strerror(err));
        }
    }
    *out = fd;
    return 0;
}

int lc_read_fd(char **out, size_t *out_len, int fd, const struct stat *st, const char *path)
{
    *out = NULL;
    if (out_len)
        *out_len = 0;
    if (S_ISREG(st->st_mode) && st->st_size > (off_t)LC_MAX_FILE_BYTES)
        return lc_fail(LLMCOST_EINVAL, "%s: file is %.1f MiB; a config is at most %u MiB", path,
                       (double)st->st_size / 1048576.0, LC_MAX_FILE_BYTES >> 20);
    /* Read up to the limit + 1 regardless of st_size: a device has none, and a file may grow. */
    size_t cap = S_ISREG(st->st_mode) ? (size_t)st->st_size + 1 : 0, len = 0;
    if (cap < 4096)
        cap = 4096;
    char *buf = malloc(cap + 1);
    if (!buf)
        return lc_fail(LLMCOST_ENOMEM, "out of memory");
    for (;;) {
        ssize_t n = read(fd, buf + len, cap - len);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            int err = errno;
            free(buf);
            return lc_fail(LLMCOST_EIO, "%s: %s", path, strerror(err));
        }
        if (n == 0)
            break;
        len += (size_t)n;
        if (len > LC_MAX_FILE_BYTES) {
            free(buf);
            return lc_fail(LLMCOST_EINVAL, "%s: file is over %u MiB; a config is smaller", path,
                           LC_MAX_FILE_BYTES >> 20);
        }
        if (len == cap) {
            size_t ncap = cap * 2;
            char *nb = realloc(buf, ncap + 1);
            if (!nb) {
                free(buf);
                return lc_fail(LLMCOST_ENOMEM, "out of memory");
            }
            buf = nb;
            cap = ncap;
        }
    }
    buf[len] = '\0';
    *out = buf;
    if (out_len)
        *out_len = len;
    return 0;
}

int lc_read_file(char **out, size_t *out_len, const char *path)
{
    *out = NULL;
    if (out_len)
        *out_len = 0;
    if (path == NULL || path[0] == '\0')
        return lc_fail(LLMCOST_EINVAL, "empty file name");
    int fd;
    struct stat st;
    int rc = lc_open_file(&fd, &st, AT_FDCWD, path, path, 0);
    if (rc < 0)
        return rc;
    rc = lc_read_fd(out, out_len, fd, &st, path);
    close(fd);
    return rc;
}

int lc_read_file_in(char **out, size_t *out_len, char *path_out, size_t path_size, const char *path,
                    const char *inner)
{
    *out = NULL;
    if (out_len)
        *out_len = 0;
    if (path == NULL || path[0] == '\0')
        return lc_fail(LLMCOST_EINVAL, "empty file name");
    int fd;
    struct stat st;
    int rc = lc_open_file(&fd, &st, AT_FDCWD, path, path, LC_OPEN_DIR);
    if (rc < 0)
        return rc;
    if (!S_ISDIR(st.st_mode)) {
        if (strlen(path) >= path_size) {
            close(fd);
            return lc_fail(LLMCOST_EINVAL, "%s: path too long", path);
        }
        lc_strlcpy(path_out, path, path_size);
        rc = lc_read_fd(out, out_len, fd, &st, path);
        close(fd);
        return rc;
    }
    size_t n = strlen(path);
    int w = snprintf(path_out, path_size, "%s%s%s", path, path[n - 1] == '/' ? "" : "/", inner);
    if (w < 0 || (size_t)w >= path_size) { /* cut short, it would name another file */
        close(fd);
        return lc_fail(LLMCOST_EINVAL, "%s: path too long", path);
    }
    int in;
    struct stat ist;
    rc = lc_open_file(&in, &ist, fd, inner, path_out, 0);
    close(fd);
    if (rc == LLMCOST_ENOTFOUND) /* only ENOENT */
        return lc_fail(LLMCOST_ENOTFOUND, "%s: folder holds no %s", path, inner);
    if (rc < 0)
        return rc;
    rc = lc_read_fd(out, out_len, in, &ist, path_out);
    close(in);
    return rc;
}

size_t lc_skip_bom(const char *text, size_t len)
{
    return len >= 3 && (unsigned char)text[0] == 0xEF && (unsigned char)text[1] == 0xBB &&
                   (unsigned char)text[2] == 0xBF
               ? 3
               : 0;
}
