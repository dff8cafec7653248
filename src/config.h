/* config.h - reading JSON files and typed, validated keys out of a config object (library-internal). */
#ifndef LLMCOST_CONFIG_H
#define LLMCOST_CONFIG_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "file.h" /* lc_read_file: every reader opens its file through it */


/* Largest value a size key may take: 2^40 keeps every product of two sizes within 64 bits. */
#define LC_MAX_SIZE ((int64_t)1 << 40)

/* A config object being read, with its origin for messages. */
typedef struct lc_cfg {
    json_t *obj;        /* borrowed */
    const char *origin; /* file name or preset */
    const char *prefix; /* "" or "text_config." for nested text configs */
} lc_cfg;

/*
 * Parses JSON text, rejecting duplicate keys, NaN/Infinity and invalid UTF-8. On failure the message is
 * "origin:line:column: what" (jansson's position). *out is a new reference.
 */
int lc_parse_json(json_t **out, const char *text, size_t len, const char *origin);

/* Typed key readers. "names" is a NULL-terminated list of spellings tried in order; the first present is used.
 * They return 1 when found, 0 when absent or null (out set to "dflt"), or a negative error naming the key. */
int lc_cfg_size(const lc_cfg *c, int64_t *out, const char *const *names, int64_t dflt);     /* integer >= 1 */
int lc_cfg_count(const lc_cfg *c, int64_t *out, const char *const *names, int64_t dflt);    /* integer >= 0 */
int lc_cfg_bool(const lc_cfg *c, bool *out, const char *const *names, bool dflt);
int lc_cfg_real(const lc_cfg *c, double *out, const char *const *names, double dflt);       /* finite number */
/* A string printed as it is (a name, a source): control characters are refused. */
int lc_cfg_text(const lc_cfg *c, const char **out, const char *const *names, const char *dflt);
int lc_cfg_prob(const lc_cfg *c, double *out, const char *const *names, double dflt);       /* in [0, 1] */
int lc_cfg_string(const lc_cfg *c, const char **out, const char *const *names, const char *dflt);
/* lc_cfg_text and lc_cfg_string copying into "dst" of "size" bytes (a public char[] field): a value that does not
 * fit is an error naming the key, its length and the room, never a cut text. */
int lc_cfg_text_into(const lc_cfg *c, char *dst, size_t size, const char *const *names, const char *dflt);
int lc_cfg_string_into(const lc_cfg *c, char *dst, size_t size, const char *const *names, const char *dflt);

/* The same for a required key: absent or null is an error naming every accepted spelling. */
int lc_cfg_req_size(const lc_cfg *c, int64_t *out, const char *const *names);

/* The first of "names" present (not null) in the config, or NULL. */
const char *lc_cfg_which(const lc_cfg *c, const char *const *names);

#define LC_KEYS(...) ((const char *const[]){__VA_ARGS__, NULL})

#endif
