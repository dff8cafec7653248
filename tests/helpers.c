/* helpers.c - runs the llmcost binary for tests, capturing stdout, stderr and the exit status. */
#define _POSIX_C_SOURCE 200809L
#include "helpers.h"

#include <criterion/criterion.h>
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

/* ---- a strict RFC 4180 reader ---- */

static void push_field(char ***fields, int *nf, const char *s, size_t len)
{
    *fields = realloc(*fields, (size_t)(*nf + 1) * sizeof **fields);
    char *f = malloc(len + 1);
    memcpy(f, s, len);
    f[len] = '\0';
    (*fields)[(*nf)++] = f;
}

/* RFC 4180 section 2: records end in CRLF; fields are separated by commas; a field is either plain (no comma,
 * quote, CR or LF) or enclosed in double quotes, with a quote inside written twice. Anything else is an error. */
int rfc4180_read(csv_doc *d, const char *s)
{
    memset(d, 0, sizeof *d);
    size_t i = 0, n = strlen(s);
    char *buf = malloc(n + 1);
    while (i < n) {
        char **fields = NULL;
        int nf = 0;
        for (;;) {
            size_t len = 0;
            if (s[i] == '"') {
                i++;
                for (;;) {
                    if (i >= n) {
                        snprintf(d->err, sizeof d->err, "record %d: unterminated quoted field", d->n + 1);
                        free(buf);
                        return -1;
                    }
                    if (s[i] == '"' && s[i + 1] == '"') {
                        buf[len++] = '"';
                        i += 2;
                    } else if (s[i] == '"') {
                        i++;
                        break;
                    } else {
                        buf[len++] = s[i++];
                    }
                }
            } else {
                while (i < n && s[i] != ',' && s[i] != '\r' && s[i] != '\n' && s[i] != '"')
                    buf[len++] = s[i++];
                if (s[i] == '"') {
                    snprintf(d->err, sizeof d->err, "record %d: a quote inside an unquoted field", d->n + 1);
                    free(buf);
                    return -1;
                }
            }
            push_field(&fields, &nf, buf, len);
            if (s[i] == ',') {
                i++;
                continue;
            }
            if (s[i] == '\r' && s[i + 1] == '\n') {
                i += 2;
                break;
            }
            snprintf(d->err, sizeof d->err, "record %d: a field ends in 0x%02x, not a comma or CRLF", d->n + 1,
                     (unsigned char)s[i]);
            free(buf);
            return -1;
        }
        d->rec = realloc(d->rec, (size_t)(d->n + 1) * sizeof *d->rec);
        d->nf = realloc(d->nf, (size_t)(d->n + 1) * sizeof *d->nf);
        d->rec[d->n] = fields;
        d->nf[d->n++] = nf;
    }
    free(buf);
    return 0;
}

void rfc4180_free(csv_doc *d)
{
    for (int r = 0; r < d->n; r++) {
        for (int f = 0; f < d->nf[r]; f++)
            free(d->rec[r][f]);
        free(d->rec[r]);
    }
    free(d->rec);
    free(d->nf);
}


char *slurp_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    cr_assert_not_null(f, "cannot open %s", path);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *s = malloc((size_t)n + 1);
    size_t got = fread(s, 1, (size_t)n, f);
    s[got] = '\0';
    fclose(f);
    return s;
}

llmcost_model *load_model(const char *spec)
{
    llmcost_model *m = NULL;
    cr_assert_eq(llmcost_model_load(&m, spec), 0, "%s: %s", spec, llmcost_errmsg());
    return m;
}

llmcost_job single_gpu_job(int64_t micro, int64_t seq)
{
    llmcost_job j;
    llmcost_job_init(&j);
    j.micro_batch = micro;
    j.seq = seq;
    j.global_batch = micro;
    j.layout.gpus = 1;
    return j;
}

json_t *run_cli_json(const char *const *argv)
{
    run_result r = run_cli(argv);
    cr_assert_eq(r.status, 0, "exit %d: %s", r.status, r.err);
    json_error_t e;
    json_t *d = json_loads(r.out, 0, &e);
    cr_assert(d, "line %d: %s in: %s", e.line, e.text, r.out);
    run_free(&r);
    return d;
}

json_t *run_cli_json_args(const char *args)
{
    char buf[1024];
    cr_assert_lt(strlen(args), sizeof buf, "arguments too long for run_cli_json_args");
    strcpy(buf, args);
    const char *argv[64];
    int n = 0;
    for (char *p = strtok(buf, " "); p && n < 63; p = strtok(NULL, " "))
        argv[n++] = p;
    argv[n] = NULL;
    return run_cli_json(argv);
}

const char fixture_jamba_two_mamba_layers[] =
    "{\"model_type\": \"jamba\", \"hidden_size\": 64, \"num_hidden_layers\": 2, "
    "\"num_attention_heads\": 4, \"num_key_value_heads\": 2, \"intermediate_size\": 32, "
    "\"vocab_size\": 100, \"attn_layer_period\": 4, \"attn_layer_offset\": 3, "
    "\"expert_layer_period\": 4, \"expert_layer_offset\": 3, \"mamba_d_state\": 8}";

const char fixture_gated_deltanet_two_layers[] =
    "{\"model_type\": \"qwen3_next\", \"hidden_size\": 64, \"num_hidden_layers\": 2, "
    "\"num_attention_heads\": 4, \"num_key_value_heads\": 2, \"head_dim\": 16, "
    "\"intermediate_size\": 96, \"vocab_size\": 100, "
    "\"layer_types\": [\"linear_attention\", \"linear_attention\"], \"num_experts\": 0, "
    "\"linear_num_key_heads\": 2, \"linear_key_head_dim\": 8, "
    "\"linear_num_value_heads\": 4, \"linear_value_head_dim\": 8, \"linear_conv_kernel_dim\": 4}";
