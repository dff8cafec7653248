/* helpers.h - running the llmcost binary from tests and capturing what it prints. */
#ifndef LLMCOST_TEST_HELPERS_H
#define LLMCOST_TEST_HELPERS_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "llmcost/llmcost.h"

typedef struct {
    int status;   /* exit status, or -1 if it did not exit normally (a crash) */
    char *out;    /* stdout, NUL-terminated */
    char *err;    /* stderr, NUL-terminated */
} run_result;

/* Runs build/llmcost with "argv" (NULL-terminated, without the program name) under LC_ALL=C. */
run_result run_cli(const char *const *argv);
void run_free(run_result *r);

/* Runs build/llmcost with "argv", asserts it exits 0, and returns what it printed parsed as JSON (the caller
 * decrefs). run_cli_json_args takes the arguments as one string split at spaces (no quoting). */
json_t *run_cli_json(const char *const *argv);
json_t *run_cli_json_args(const char *args);

/* Number of lines in "s" (a final line without newline counts). */
int count_lines(const char *s);

/* Writes "len" bytes to a new temporary file and returns its path (static buffer per call index). */
const char *temp_file(const char *name, const void *data, size_t len);

/* A path inside the source tree. */
const char *src_path(const char *rel);

/* The whole file "path" as a new string (the caller frees it); the test fails when it cannot be opened. */
char *slurp_file(const char *path);

/* A CSV document read by a strict RFC 4180 reader (records end in CRLF, quoted fields with doubled quotes). */
typedef struct {
    char ***rec; /* rec[r][f] */
    int *nf;     /* fields per record */
    int n;       /* records */
    char err[160];
} csv_doc;
/* Reads "s" into *d: 0, or -1 with the reason in d->err. */
int rfc4180_read(csv_doc *d, const char *s);
void rfc4180_free(csv_doc *d);

/* The model "spec" (a preset name or a config path); the test fails, naming spec and the library's message,
 * when it does not load. The caller frees it with llmcost_model_free. */
llmcost_model *load_model(const char *spec);

/* A one-GPU job of "micro" sequences of "seq" tokens, one micro-batch per step, everything else defaulted. */
llmcost_job single_gpu_job(int64_t micro, int64_t seq);

/* Config fixtures shared by tests/test_memory.c (memory_ssm) and tests/test_finetune_ssm.c, whose derivations
 * depend on them: a Jamba of two Mamba layers with dense gated MLPs (h 64, d 128, N 8, dt rank 4, MLP 32) and two
 * Qwen3-Next Gated DeltaNet layers with dense SwiGLUs of 96 (2 key heads of 8, 4 value heads of 8). */
extern const char fixture_jamba_two_mamba_layers[];
extern const char fixture_gated_deltanet_two_layers[];

#endif
