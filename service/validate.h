/* Request body validation. A resource declares its fields once as a table of rules;
 * validate_object checks a JSON object against it and collects every broken field, so a
 * 422 names them all at once (API.md "Conventions"). */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

/* A 422 lists this many errors at most (its detail counts them all): a body of 80,000
 * unknown members answers in a few hundred bytes, not megabytes. */
#define FIELD_ERRORS_LISTED 100

/* The "errors" list of a 422 problem: [{"field", "message"}]. */
struct field_errors {
	json_t *items;
	size_t count; /* errors recorded, even one that could not be added to items */
};

/* doc's member key when it is a string, else NULL. */
const char *member_text(const json_t *doc, const char *key);

void field_errors_init(struct field_errors *errors);
void field_errors_free(struct field_errors *errors);
bool field_errors_any(const struct field_errors *errors);

/* Records that field breaks a rule; message is formatted like printf. */
void field_error(struct field_errors *errors, const char *field, const char *format, ...)
	__attribute__((format(printf, 3, 4)));

enum field_type {
	FIELD_STRING,  /* min..max characters (code points) */
	FIELD_ENUM,    /* one of choices */
	FIELD_INTEGER, /* min..max */
	FIELD_NUMBER,  /* an integer or decimal from min to max */
	FIELD_BOOLEAN,
	FIELD_DATE,	 /* YYYY-MM-DD, a real calendar day */
	FIELD_TIMESTAMP, /* RFC 3339 with a zone, e.g. 2026-11-23T14:05:00Z */
	FIELD_UUID,
	FIELD_STRING_ARRAY, /* min..max items, each item_min..item_max characters, no repeats */
	FIELD_ENUM_ARRAY,   /* min..max items, each one of choices, no repeats */
	FIELD_OBJECT, /* nested object checked against fields (NULL: the resource's own check) */
	FIELD_OBJECT_ARRAY, /* min..max objects, each checked against fields */
	FIELD_READ_ONLY,    /* set by the server: present in a body is an error */
};

struct field_rule {
	const char *name; /* NULL ends a table */
	enum field_type type;
	bool required;
	bool nullable;			 /* null is accepted (absent value) */
	long long min, max;		 /* see enum field_type */
	size_t item_min, item_max;	 /* FIELD_STRING_ARRAY item lengths */
	const char *const *choices;	 /* FIELD_ENUM(_ARRAY): NULL-terminated */
	const struct field_rule *fields; /* FIELD_OBJECT(_ARRAY) */
	/* Further rule on a value of the right type: returns an error message, or NULL. */
	const char *(*check)(const json_t *value);
	/* The same for each item of a FIELD_STRING_ARRAY, so the error names the item. */
	const char *(*item_check)(const json_t *item);
};

/* Checks object against rules; field names in errors are prefixed with prefix ("" at the
 * top, "settings." inside settings). Unknown members are errors. Returns true when
 * nothing was added to errors. */
bool validate_object(const json_t *object, const struct field_rule *rules, const char *prefix,
		     struct field_errors *errors);

/* True when text is well-formed UTF-8 (no overlong forms, surrogates or values past
 * U+10FFFF). */
bool utf8_is_valid(const char *text);

/* Removes a multi-byte character cut short at the end of text (after a truncation). */
void utf8_cut_partial(char *text);

/* Copies untrusted bytes into out as text JSON can carry: whole UTF-8 characters only,
 * each invalid byte or control character replaced by '?', cut at a character boundary. */
void text_for_json(const char *in, char *out, size_t size);

/* Number of Unicode code points in a UTF-8 string. */
size_t utf8_length(const char *text);

/* True for YYYY-MM-DD naming a real day. */
bool date_is_valid(const char *text);

/* True for an RFC 3339 timestamp with seconds and a zone (Z or +hh:mm). */
bool timestamp_is_valid(const char *text);

/* True when text holds a control character (C0, DEL or C1). */
bool text_has_control(const char *text);

/* The moment an RFC 3339 timestamp names, as seconds since 1970 (UTC). Returns false
 * when timestamp_is_valid does. */
bool timestamp_epoch(const char *text, long long *out);

/* A field_rule check for names and titles: no control characters and no spaces at
 * either end. */
const char *check_plain_text(const json_t *value);
