/* format.h - locale-independent number formatting and tables rendered as text, CSV or Markdown. */
#ifndef LLMCOST_FORMAT_H
#define LLMCOST_FORMAT_H

#include <stddef.h>
#include <stdint.h>

#include "common.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum { LLMCOST_FMT_TEXT, LLMCOST_FMT_JSON, LLMCOST_FMT_CSV, LLMCOST_FMT_MD } llmcost_format;

/* Edit distance between two names (insertions, deletions, substitutions, neighbour swaps), ignoring case and
 * reading '_' as '-'. */
int llmcost_name_distance(const char *a, const char *b);
/* Index of the name in names[0..n-1] nearest to "word", if it is close enough to be a typo (at most a third of
 * the word's characters, one to three, off); -1 otherwise. For "did you mean ...?". */
int llmcost_name_nearest(const char *word, const char *const *names, size_t n);

/* Parses "text", "json", "csv" or "md"; returns -1 for anything else. */
int llmcost_format_parse(const char *name);

/*
 * Formatters write into "buf" (always NUL-terminated, truncated to "size") and return "buf". They never depend
 * on the locale. Three significant digits unless said otherwise.
 */
/* 6738415616 -> "6,738,415,616" */
char *llmcost_fmt_grouped(char *buf, size_t size, int64_t v);
/* Counts with the ML community's suffixes: 6.74e9 -> "6.74 B", 1.2e12 -> "1.20 T", 950 -> "950" */
char *llmcost_fmt_count(char *buf, size_t size, double v);
/* FLOPs with SI prefixes: 8.976e11 -> "897.6 GFLOP" (4 significant digits) */
char *llmcost_fmt_flops(char *buf, size_t size, double flops);
/* Bytes with IEC prefixes: 65970697666 -> "61.44 GiB" */
char *llmcost_fmt_bytes(char *buf, size_t size, double bytes);
/* Durations: 0.0045 -> "4.50 ms", 3600 -> "1.00 h", 5e6 -> "57.9 days" */
char *llmcost_fmt_seconds(char *buf, size_t size, double seconds);
/* Signed percentage: 0.0312 -> "+3.12%" */
char *llmcost_fmt_percent(char *buf, size_t size, double fraction);

/*
 * Parses a number with an optional suffix. Decimal suffixes K/k=1e3, M=1e6, B/G=1e9, T=1e12, P=1e15 when
 * "binary" is 0; when "binary" is 1, k/K=1024, M=2^20, G=2^30 (sequence lengths and token batches are powers of
 * two: "32k" = 32768). Ki, Mi, Gi, Ti are powers of 1024 in both modes, and e-notation ("63e6") is the decimal
 * number it writes in both. Accepts plain and scientific forms ("5e6", "15.6T", "0.4"). Rejects empty strings,
 * trailing garbage ("12XB"), NaN, infinities and, with LLMCOST_EINVAL, anything else it cannot read.
 */
int llmcost_parse_quantity(double *out, const char *text, int binary);

/* Splits "text" in place at its commas into "out" (room for "cap" pointers): the count (0 for ""), or -1 when
 * there are more than "cap" items. The CLI's and llmcost_request()'s GPU and price lists are read so. */
int llmcost_split_list(char *text, char **out, int cap);

/* A table of text cells. Numeric columns are right-aligned in text form. */
typedef struct llmcost_table llmcost_table;

llmcost_table *llmcost_table_new(const char *title, int ncols, const char *const *headers);
/* Marks column "col" as numeric (right-aligned). */
void llmcost_table_numeric(llmcost_table *t, int col);
/* Appends a row of "ncols" cells (copied). Returns 0 or LLMCOST_ENOMEM. */
int llmcost_table_add(llmcost_table *t, const char *const *cells);
/* Appends a row from printf-style cells separated by '\t'. */
int llmcost_table_addf(llmcost_table *t, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
/* The width text output fits in: a text table wider than this narrows its widest text columns (never below their
 * longest word), whose cells wrap at spaces onto more lines; its title wraps too. */
#define LLMCOST_TEXT_WIDTH 100
/* Renders as text, CSV or Markdown (not JSON) into a new string freed with llmcost_free(); NULL on ENOMEM. */
char *llmcost_table_render(const llmcost_table *t, llmcost_format fmt);
int llmcost_table_rows(const llmcost_table *t);
void llmcost_table_free(llmcost_table *t);

#ifdef __cplusplus
}
#endif

#endif
