/* Compact JSON text of a document, the same bytes json_dumps(json, JSON_COMPACT) writes,
 * at a fraction of its cost. jansson checks every array and object for a reference cycle
 * (a formatted pointer in a hash table) and passes each run of a string through a
 * callback: on a page of 50 referrals that was a third of peerd's CPU time. Documents
 * here are trees built for one answer, so a depth limit is guard enough. */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

struct strbuf;

/* Nesting deeper than this is refused (a cycle would be). */
#define JSON_TEXT_MAX_DEPTH 64

/* The text of json (any value), with reals written as json_dumps with
 * JSON_REAL_PRECISION(real_precision) writes them (0: jansson's default). NULL when out of memory
 * or nested deeper than JSON_TEXT_MAX_DEPTH. The caller frees it; *length (when not NULL) gets its
 * length. */
char *json_text(const json_t *json, unsigned real_precision, size_t *length);

/* Appends the text of json to out as json_text writes it; false when nested deeper than
 * JSON_TEXT_MAX_DEPTH (or json is NULL). */
bool json_text_append(struct strbuf *out, const json_t *json, unsigned real_precision);

/* Appends text (valid UTF-8, length bytes) as a JSON string, quotes included, escaped as
 * json_text escapes strings. */
void json_text_append_string(struct strbuf *out, const char *text, size_t length);
