/* A plan's sections (API.md "Plans"): which keys each kind of plan has and what each
 * holds. The one description of them in C: the API's validation (api/plan_sections.c)
 * is made from it, and the database's check (sql/028_plans.sql, plan_section_keys) is
 * tested against it. Pure data and lookups. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

enum plan_kind {
	PLAN_RECOVERY, /* a recovery plan: strengths, needs, supports */
	PLAN_WRAP,     /* a Wellness Recovery Action Plan */
	PLAN_CRISIS,   /* a crisis safety plan (Stanley-Brown) */
};

enum plan_section_shape {
	PLAN_SECTION_TEXT,   /* a string of 1..PLAN_TEXT_MAX characters */
	PLAN_SECTION_PEOPLE, /* 1..PLAN_PEOPLE_MAX of {name, phone} */
};

/* The bounds of what a section holds, in characters (code points) and items. */
#define PLAN_TEXT_MAX	      4000
#define PLAN_PEOPLE_MAX	      50
#define PLAN_PERSON_NAME_MAX  200
#define PLAN_PERSON_PHONE_MAX 50
/* The most sections a kind has (a WRAP's seven). */
#define PLAN_SECTIONS_MAX     7

struct plan_section {
	const char *key;
	enum plan_section_shape shape;
};

/* The kinds' names, in enum plan_kind's order, NULL-terminated. */
extern const char *const PLAN_KINDS[];

/* Reads a kind's name; false for anything else. */
bool plan_kind_parse(const char *name, enum plan_kind *out);

/* The sections of kind, in the order API.md lists them; writes how many into count. */
const struct plan_section *plan_kind_sections(enum plan_kind kind, size_t *count);

/* The section key of kind, or NULL when kind has no such section. */
const struct plan_section *plan_section_find(enum plan_kind kind, const char *key);

/* "text" or "people", as sql/028_plans.sql names the shapes. */
const char *plan_section_shape_name(enum plan_section_shape shape);
