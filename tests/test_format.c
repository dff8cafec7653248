/* test_format.c - number formatters and quantity parsing, checked against exact strings. */
#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

#include "llmcost/format.h"

Test(format_numbers, grouped_thousands)
{
    char b[32];
    cr_assert_str_eq(llmcost_fmt_grouped(b, sizeof b, 6738415616LL), "6,738,415,616");
    cr_assert_str_eq(llmcost_fmt_grouped(b, sizeof b, 999), "999");
    cr_assert_str_eq(llmcost_fmt_grouped(b, sizeof b, 1000), "1,000");
    cr_assert_str_eq(llmcost_fmt_grouped(b, sizeof b, -1234567), "-1,234,567");
    cr_assert_str_eq(llmcost_fmt_grouped(b, sizeof b, INT64_MIN), "-9,223,372,036,854,775,808");
}

Test(format_numbers, counts_use_ml_suffixes)
{
    char b[32];
    cr_assert_str_eq(llmcost_fmt_count(b, sizeof b, 6738415616.0), "6.74 B");
    cr_assert_str_eq(llmcost_fmt_count(b, sizeof b, 46702792704.0), "46.7 B");
    cr_assert_str_eq(llmcost_fmt_count(b, sizeof b, 671026404352.0), "671 B");
    cr_assert_str_eq(llmcost_fmt_count(b, sizeof b, 950), "950");
    cr_assert_str_eq(llmcost_fmt_count(b, sizeof b, 15.6e12), "15.6 T");
    /* 999,950 rounds to 1000 K at three digits: promoted to the next prefix. */
    cr_assert_str_eq(llmcost_fmt_count(b, sizeof b, 999950), "1.00 M");
}

Test(format_numbers, flops_bytes_seconds)
{
    char b[32];
    /* The course's one-layer forward: 0.8976 TFLOP. */
    cr_assert_str_eq(llmcost_fmt_flops(b, sizeof b, 8.976e11), "897.6 GFLOP");
    cr_assert_str_eq(llmcost_fmt_flops(b, sizeof b, 3.8e25), "38.00 YFLOP");
    cr_assert_str_eq(llmcost_fmt_bytes(b, sizeof b, 16699464089.0), "15.55 GiB");
    cr_assert_str_eq(llmcost_fmt_bytes(b, sizeof b, 512), "512.0 B");
    cr_assert_str_eq(llmcost_fmt_seconds(b, sizeof b, 0.07566), "75.7 ms");
    cr_assert_str_eq(llmcost_fmt_seconds(b, sizeof b, 3600), "60.0 min");
    cr_assert_str_eq(llmcost_fmt_seconds(b, sizeof b, 86400 * 54.0), "54.0 days");
    cr_assert_str_eq(llmcost_fmt_percent(b, sizeof b, 0.0312), "+3.12%");
}

Test(format_parse, suffixes_and_garbage)
{
    double v;
    cr_assert_eq(llmcost_parse_quantity(&v, "15.6T", 0), 0);
    cr_assert_float_eq(v, 15.6e12, 1);
    cr_assert_eq(llmcost_parse_quantity(&v, "5e6", 0), 0);
    cr_assert_float_eq(v, 5e6, 0);
    cr_assert_eq(llmcost_parse_quantity(&v, "32k", 1), 0);
    cr_assert_float_eq(v, 32768, 0);
    cr_assert_eq(llmcost_parse_quantity(&v, "16M", 1), 0);
    cr_assert_float_eq(v, 16777216, 0);
    cr_assert_eq(llmcost_parse_quantity(&v, "16M", 0), 0);
    cr_assert_float_eq(v, 16e6, 0);
    cr_assert_lt(llmcost_parse_quantity(&v, "12XB", 0), 0);
    cr_assert_lt(llmcost_parse_quantity(&v, "", 0), 0);
    cr_assert_lt(llmcost_parse_quantity(&v, "nan", 0), 0);
    cr_assert_lt(llmcost_parse_quantity(&v, "inf", 0), 0);
    cr_assert_lt(llmcost_parse_quantity(&v, "0x10", 0), 0);
    cr_assert_lt(llmcost_parse_quantity(&v, "1e999", 0), 0);
    cr_assert_lt(llmcost_parse_quantity(&v, "4T", 1), 0);
}

Test(format_table, text_csv_md)
{
    const char *hdr[] = {"name", "n"};
    llmcost_table *t = llmcost_table_new("T", 2, hdr);
    llmcost_table_numeric(t, 1);
    llmcost_table_addf(t, "a\t1");
    llmcost_table_addf(t, "b,c\t22");
    char *s = llmcost_table_render(t, LLMCOST_FMT_TEXT);
    cr_assert_str_eq(s, "T\nname  n\n--------\na      1\nb,c   22\n");
    llmcost_free(s);
    s = llmcost_table_render(t, LLMCOST_FMT_CSV);
    cr_assert_str_eq(s, "name,n\na,1\n\"b,c\",22\n");
    llmcost_free(s);
    s = llmcost_table_render(t, LLMCOST_FMT_MD);
    cr_assert_str_eq(s, "**T**\n\n| name | n |\n|---|---:|\n| a | 1 |\n| b,c | 22 |\n");
    llmcost_free(s);
    llmcost_table_free(t);
}

/* A name from a file never reaches a table raw (issue 13 point 5): a cell or title with a newline, an escape
 * sequence or a C1 control renders escaped, on one line, in every format. */
Test(format, table_cells_escape_control_characters)
{
    const char *hdr[] = {"name", "value"};
    llmcost_table *t = llmcost_table_new("evil\n\x1b[2J title", 2, hdr);
    cr_assert_not_null(t);
    const char *row[] = {"evil\n\x1b[2J\xc2\x9b" "2J", "1"};
    cr_assert_eq(llmcost_table_add(t, row), 0);
    const llmcost_format fmts[] = {LLMCOST_FMT_TEXT, LLMCOST_FMT_MD, LLMCOST_FMT_CSV};
    for (size_t f = 0; f < sizeof fmts / sizeof fmts[0]; f++) {
        char *s = llmcost_table_render(t, fmts[f]);
        cr_assert_not_null(s);
        for (const unsigned char *p = (const unsigned char *)s; *p; p++)
            cr_assert(*p == '\n' || (*p >= 0x20 && *p != 0x7f && !(*p == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f)),
                      "format %d: raw control byte 0x%02x in:\n%s", (int)fmts[f], *p, s);
        cr_expect(strstr(s, "evil\\n\\x1b[2J\\x9b2J"), "format %d:\n%s", (int)fmts[f], s);
        llmcost_free(s);
    }
    llmcost_table_free(t);
}

Test(format_lists, split_at_commas_in_place)
{
    char text[] = "h100,a100-80gb,,b200";
    char *out[4];
    cr_assert_eq(llmcost_split_list(text, out, 4), 4);
    cr_assert_str_eq(out[0], "h100");
    cr_assert_str_eq(out[1], "a100-80gb");
    cr_assert_str_eq(out[2], "");
    cr_assert_str_eq(out[3], "b200");
    char empty[] = "";
    cr_assert_eq(llmcost_split_list(empty, out, 4), 0);
    char many[] = "a,b,c";
    cr_assert_eq(llmcost_split_list(many, out, 2), -1, "three items do not fit room for two");
}
