/* Files compiled into the binary by scripts/embed.py (see meson.build). */
#pragma once

#include <stddef.h>

struct embedded_file {
	const char *name; /* base name, e.g. "001_organizations.sql"; NULL ends a table */
	const char *data; /* the file's bytes followed by a NUL */
	size_t size;	  /* bytes, without the NUL */
};

/* sql/NNN_*.sql in the order they must be applied. */
extern const struct embedded_file embedded_migrations[];

/* sql/seed_demo.sql: the demonstration data set of `peerd seed-demo`. */
extern const struct embedded_file embedded_seed[];

/* openapi.yaml and the /docs page. */
extern const struct embedded_file embedded_docs[];

/* Returns the entry of table named name, or NULL. */
const struct embedded_file *embedded_find(const struct embedded_file *table, const char *name);
