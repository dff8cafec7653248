/* test_cli_values.c - values of command-line options: counts like "15.6T" and "5e6" are accepted exactly,
 * garbage ("12XB"), negative, fractional, NaN and overflowing values are refused with one line naming the flag.
 * cli_parse() runs in-process on a table with every kind of option, so these hold for every command's flags. */
#define _POSIX_C_SOURCE 200809L
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "helpers.h"

static long long tokens, seq, layers;
static double price, mfu;
static int kind;
static const char *const kinds[] = {"alpha", "beta", NULL};
static const cli_opt opts[] = {
    {"tokens", OPT_COUNT, &tokens, "N", "tokens", NULL, NULL},
    {"seq", OPT_SIZE, &seq, "S", "sequence", NULL, NULL},
    {"layers", OPT_NONNEG, &layers, "N", "layers", NULL, NULL},
    {"price", OPT_REAL, &price, "USD", "price", NULL, NULL},
    {"mfu", OPT_FRACTION, &mfu, "F", "mfu", NULL, NULL},
    {"kind", OPT_CHOICE, &kind, "K", "kind", kinds, NULL},
};

typedef struct {
    int rc;
    char *err; /* what cli_parse printed on stderr */
} parsed;

/* Parses "llmcost test FLAG VALUE" with stderr captured. */
static parsed parse(const char *flag, const char *value)
{
    char *argv[] = {"test", (char *)flag, (char *)value, NULL};
    cli_common co;
    const char *pos[1];
    int npos;
    parsed p = {0, NULL};
    size_t len = 0;
    FILE *mem = open_memstream(&p.err, &len);
    cr_assert_not_null(mem);
    FILE *real = stderr;
    stderr = mem;
    p.rc = cli_parse("test", value ? 3 : 2, argv, opts, (int)(sizeof opts / sizeof opts[0]), &co, pos, 1, &npos);
    stderr = real;
    fclose(mem);
    return p;
}

static void accepts_count(const char *value, long long want)
{
    tokens = -1;
    parsed p = parse("--tokens", value);
    cr_expect_eq(p.rc, 0, "--tokens %s refused: %s", value, p.err);
    cr_expect_eq(tokens, want, "--tokens %s gave %lld, want %lld", value, tokens, want);
    free(p.err);
}

static void refuses(const char *flag, const char *value, const char *needle)
{
    parsed p = parse(flag, value);
    cr_expect_eq(p.rc, 2, "%s %s accepted", flag, value);
    cr_expect_eq(count_lines(p.err), 1, "%s %s: stderr should be one line: %s", flag, value, p.err);
    cr_expect(!strncmp(p.err, "llmcost: ", 9) && strstr(p.err, flag), "%s %s: message should name the flag: %s", flag,
              value, p.err);
    cr_expect(strstr(p.err, needle) != NULL, "%s %s: message lacks '%s': %s", flag, value, needle, p.err);
    free(p.err);
}

Test(cli_values, counts_accept_suffixes_and_scientific_forms)
{
    accepts_count("15.6T", 15600000000000LL); /* Llama 3.1's 15.6T tokens */
    accepts_count("5e6", 5000000LL);
    accepts_count("4.1M", 4100000LL);         /* 4.1 x 1e6 in doubles is 4099999.9999999995: must read as decimal */
    accepts_count("2.788M", 2788000LL);       /* DeepSeek-V3's GPU-hours */
    accepts_count("1.4e12", 1400000000000LL);
    accepts_count("0.5K", 500LL);
    accepts_count("16384", 16384LL);
    accepts_count("+8", 8LL);
    accepts_count("9e15", 9000000000000000LL);
    accepts_count("1.5e3K", 1500000LL);
}

Test(cli_values, binary_sizes_and_other_kinds)
{
    parsed p = parse("--seq", "32k");
    cr_expect_eq(p.rc, 0, "%s", p.err);
    cr_expect_eq(seq, 32768);
    free(p.err);
    p = parse("--seq", "1.5k");
    cr_expect_eq(p.rc, 0, "%s", p.err);
    cr_expect_eq(seq, 1536);
    free(p.err);
    p = parse("--layers", "0");
    cr_expect_eq(p.rc, 0, "%s", p.err);
    cr_expect_eq(layers, 0);
    free(p.err);
    p = parse("--price", "2.5");
    cr_expect_eq(p.rc, 0, "%s", p.err);
    cr_expect_eq(price, 2.5);
    free(p.err);
    p = parse("--mfu", "1");
    cr_expect_eq(p.rc, 0, "%s", p.err);
    cr_expect_eq(mfu, 1.0);
    free(p.err);
}

Test(cli_values, bad_values_are_refused_naming_the_flag)
{
    refuses("--tokens", "12XB", "12XB");
    refuses("--tokens", "-4", "at least 1");
    refuses("--tokens", "0", "at least 1");
    refuses("--tokens", "1.5", "whole");
    refuses("--tokens", "4.1505K", "whole");
    refuses("--tokens", "nan", "not a number");
    refuses("--tokens", "inf", "not a number");
    refuses("--tokens", "-inf", "not a number");
    refuses("--tokens", "0x10", "decimal");
    refuses("--tokens", "", "empty");
    refuses("--tokens", "1e400", "out of range");
    refuses("--tokens", "1e999999999999", "out of range");
    refuses("--tokens", "9.1e15", "too large");
    refuses("--tokens", "5 e6", "5 e6");
    refuses("--tokens", " 5", "not a number");
    refuses("--tokens", "5KK", "suffix");
    refuses("--tokens", "1..5", "1..5");
    refuses("--seq", "32kB", "suffix");
    refuses("--seq", "1T", "suffix");
    refuses("--layers", "-1", "zero or more");
    refuses("--price", "-2", "positive");
    refuses("--price", "0", "positive");
    refuses("--price", "1e-400", "positive");
    refuses("--mfu", "1.5", "at most 1");
    refuses("--mfu", "0", "positive");
    refuses("--kind", "gamma", "alpha, beta");
    refuses("--kind", "", "not one of");
}

Test(cli_values, missing_and_misplaced_values)
{
    parsed p = parse("--tokens", NULL);
    cr_expect_eq(p.rc, 2);
    cr_expect(strstr(p.err, "--tokens needs a value") != NULL, "%s", p.err);
    free(p.err);
    p = parse("--tokens=", NULL);
    cr_expect_eq(p.rc, 2);
    cr_expect(strstr(p.err, "--tokens") && strstr(p.err, "empty"), "%s", p.err);
    free(p.err);
    p = parse("--help=yes", NULL);
    cr_expect_eq(p.rc, 2);
    cr_expect(strstr(p.err, "--help takes no value") != NULL, "%s", p.err);
    free(p.err);
}

Test(cli_values, decimal_suffixes_are_exact_for_every_short_decimal)
{
    /* Every a.bcd with a suffix of 10^3..10^15 whose value is whole must read as that integer exactly: the
     * value is (a*1000 + bcd) * 10^(p-3), computed here in integers. */
    static const struct {
        char suffix;
        int pow;
    } sfx[] = {{'K', 3}, {'M', 6}, {'B', 9}, {'T', 12}, {'P', 15}};
    int bad = 0;
    for (int s = 0; s < 5; s++)
        for (int a = 0; a < 100; a++)
            for (int f = 0; f < 1000; f++) {
                char text[32];
                snprintf(text, sizeof text, "%d.%03d%c", a, f, sfx[s].suffix);
                long long want = (long long)a * 1000 + f;
                for (int k = 0; k < sfx[s].pow - 3; k++)
                    want *= 10;
                double x;
                if (llmcost_parse_quantity(&x, text, 0) != 0 || x != (double)want) {
                    if (bad++ < 5)
                        cr_log_error("%s read as %.17g, want %lld", text, x, want);
                }
            }
    cr_expect_eq(bad, 0, "%d of 500000 short decimals with a suffix were not read exactly", bad);
}

/* Issue 11 point 4's one suffix rule: counts decimal, sizes binary, Ki/Mi and e-notation as written. */
Test(cli_values, one_suffix_rule)
{
    accepts_count("1T", 1000000000000LL); /* a count: 1T = 10^12 */
    accepts_count("4Ki", 4096LL);         /* Ki is 2^10 even in a count */
    accepts_count("2Mi", 2097152LL);
    parsed p = parse("--seq", "4k");      /* a size: 4k = 2^12, "8K context" */
    cr_expect_eq(p.rc, 0, "%s", p.err);
    cr_expect_eq(seq, 4096);
    free(p.err);
    p = parse("--seq", "4M");             /* "4M-token batches": 2^22 */
    cr_expect_eq(p.rc, 0, "%s", p.err);
    cr_expect_eq(seq, 4194304);
    free(p.err);
    p = parse("--seq", "63e6");           /* e-notation means what it says, even in a size: 63,000,000 */
    cr_expect_eq(p.rc, 0, "%s", p.err);
    cr_expect_eq(seq, 63000000);
    free(p.err);
    p = parse("--seq", "3Mi");
    cr_expect_eq(p.rc, 0, "%s", p.err);
    cr_expect_eq(seq, 3 * 1048576);
    free(p.err);
    refuses("--seq", "4Xi", "suffix");
    refuses("--tokens", "4Kib", "suffix");
}

Test(cli_values, underscores_read_as_dashes_and_typos_get_a_suggestion)
{
    /* "--micro_batch" is --micro-batch on a real command. */
    const char *a1[] = {"memory", "llama-3.2-1b", "--micro_batch", "2", "--seq", "1024", "--format", "json", NULL};
    run_result r = run_cli(a1);
    cr_expect_eq(r.status, 0, "%s", r.err);
    cr_expect(strstr(r.out, "\"micro_batch\": 2,") != NULL, "%s", r.out);
    run_free(&r);
    const char *a2[] = {"memory", "llama-3.2-1b", "--micro-bach", "2", NULL};
    r = run_cli(a2);
    cr_expect_eq(r.status, 2);
    cr_expect_eq(count_lines(r.err), 1, "%s", r.err);
    cr_expect(strstr(r.err, "did you mean --micro-batch?") != NULL, "%s", r.err);
    run_free(&r);
    const char *a3[] = {"memroy", NULL};
    r = run_cli(a3);
    cr_expect_eq(r.status, 2);
    cr_expect(strstr(r.err, "did you mean 'memory'?") != NULL, "%s", r.err);
    run_free(&r);
    const char *a4[] = {"params", "lama-3-8b", NULL};
    r = run_cli(a4);
    cr_expect_eq(r.status, 2);
    cr_expect(strstr(r.err, "did you mean 'llama-3-8b'?") != NULL, "%s", r.err);
    run_free(&r);
    /* Nothing close: no suggestion. */
    const char *a5[] = {"memory", "--zzzzzzzz", NULL};
    r = run_cli(a5);
    cr_expect_eq(r.status, 2);
    cr_expect(strstr(r.err, "did you mean") == NULL, "%s", r.err);
    run_free(&r);
}

/* Text output ends with the exact numbers read from suffixed values; every --help states the rule. */
Test(cli_values, suffixed_values_are_echoed_and_the_rule_is_in_every_help)
{
    const char *a1[] = {"flops", "llama-3.2-1b", "--seq", "4k", "--tokens", "1T", NULL};
    run_result r = run_cli(a1);
    cr_expect_eq(r.status, 0, "%s", r.err);
    cr_expect(strstr(r.out, "--seq 4k = 4,096") != NULL, "%s", r.out);
    cr_expect(strstr(r.out, "--tokens 1T = 1,000,000,000,000") != NULL, "%s", r.out);
    run_free(&r);
    const char *a2[] = {"flops", "llama-3.2-1b", "--seq", "4k", "--format", "json", NULL};
    r = run_cli(a2);
    cr_expect(strstr(r.out, "Numbers as read") == NULL, "JSON must stay JSON: %s", r.out);
    run_free(&r);
    for (const cli_command *c = cli_commands; c->name; c++) {
        if (!strcmp(c->name, "models") || !strcmp(c->name, "validate") || !strcmp(c->name, "params"))
            continue; /* no numeric options */
        const char *a[] = {"help", c->name, NULL};
        r = run_cli(a);
        cr_expect_eq(r.status, 0);
        /* Lines joined: the rule is wrapped at 100 columns. */
        const char *h = strstr(r.out, "\nnumbers:\n");
        cr_expect_not_null(h, "%s --help lacks the numbers rule", c->name);
        if (h) {
            /* The indented lines under "numbers:", joined with single spaces. */
            char joined[2048];
            size_t o = 0;
            const char *q = h + strlen("\nnumbers:\n");
            while (q[0] == ' ' && q[1] == ' ') {
                q += 2;
                const char *e = strchr(q, '\n');
                size_t len = e ? (size_t)(e - q) : strlen(q);
                if (o + len + 2 < sizeof joined) {
                    if (o)
                        joined[o++] = ' ';
                    memcpy(joined + o, q, len);
                    o += len;
                }
                q += len + (e != NULL);
            }
            joined[o] = '\0';
            cr_expect(strstr(joined, cli_suffix_rule) != NULL, "%s: %s", c->name, joined);
        }
        run_free(&r);
    }
}
