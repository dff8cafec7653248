/* file.h - the one way the library opens and reads a file it is given (library-internal). */
#ifndef LLMCOST_FILE_H
#define LLMCOST_FILE_H

#include <stdbool.h>
#include <stddef.h>
struct stat;

/* Largest file accepted: real config.json files are a few KiB; preset and GPU files under 1 MiB. */
#define LC_MAX_FILE_BYTES (8u << 20)

/* lc_open_file flags. */
#define LC_OPEN_DIR 1u /* a folder is accepted too (the caller looks inside it) */

/*
 * Opens "name" (relative to "dirfd", or AT_FDCWD) for reading, once: O_NONBLOCK so that a FIFO cannot block
 * the open, then fstat(2) on the descriptor, so what is checked is what is read. Accepted: a regular file, a
 * character device (/dev/stdin on a terminal, /dev/null; reads then block again), and with LC_OPEN_DIR a folder.
 * Anything else (a FIFO, a socket, a block device) fails with LLMCOST_EINVAL naming its kind; a failed open
 * reports errno's cause as it is (ENOENT as LLMCOST_ENOTFOUND, a symlink loop, a permission, "not a directory"
 * as LLMCOST_EIO). "path" is the name used in messages. On success *out is the descriptor, *st its status.
 */
int lc_open_file(int *out, struct stat *st, int dirfd, const char *name, const char *path, unsigned flags);

/* Reads all of the descriptor "fd" (opened by lc_open_file, status "st") into a new NUL-terminated buffer
 * (*out, freed with free()), refusing more than LC_MAX_FILE_BYTES. Does not close "fd". */
int lc_read_fd(char **out, size_t *out_len, int fd, const struct stat *st, const char *path);

/* lc_open_file + lc_read_fd + close: the whole of the file at "path". */
int lc_read_file(char **out, size_t *out_len, const char *path);

/* The same for "path" that may also be a folder, read as the file "inner" inside it (a model's folder and its
 * config.json). The file read is named in path_out (path_size bytes); a folder without "inner" fails with
 * LLMCOST_ENOTFOUND "PATH: folder holds no INNER", any other cause as it is ("PATH/INNER: Permission denied"). */
int lc_read_file_in(char **out, size_t *out_len, char *path_out, size_t path_size, const char *path,
                    const char *inner);

/* What a file of this mode is, for messages: "a FIFO (named pipe)", "a folder", ... */
const char *lc_file_kind(unsigned mode);

/* 3 when "text" starts with a UTF-8 byte-order mark (as spreadsheets write CSV), else 0. */
size_t lc_skip_bom(const char *text, size_t len);

#endif
