/* Schema migrations: sql/NNN_name.sql, compiled into the binary, each applied once in its
 * own transaction and recorded in schema_migrations with a checksum. */
#pragma once

#include "attributes.h"

#include <stdbool.h>
#include <stddef.h>

#include "embedded.h"

struct db_conn;

/* Applies the migrations not yet recorded, in order, holding an advisory lock so that
 * concurrent runs wait for each other. Stores how many were applied in *applied. On
 * failure writes which migration failed and why into error; the failed migration leaves
 * nothing behind. A recorded migration whose text has changed is an error. */
MUST_CHECK bool migrate_apply(struct db_conn *conn, const struct embedded_file *migrations,
			      unsigned *applied, char *error, size_t error_size);

/* The version (file name without .sql) of the last migration in the table. */
void migrate_latest_version(const struct embedded_file *migrations, char *out, size_t size);

/* True when names follow NNN_name.sql in strictly increasing order. */
bool migrate_names_are_ordered(const struct embedded_file *migrations);
