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
