/* Schema migrations: sql/NNN_name.sql, compiled into the binary, each applied once in its
 * own transaction and recorded in schema_migrations with a checksum. */
#pragma once

#include "attributes.h"

#include <stdbool.h>
#include <stddef.h>

#include "db.h"
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

/* How a database's schema compares with a build's migrations. */
enum migrate_schema {
	MIGRATE_SCHEMA_CURRENT, /* at or past the build's last migration */
	MIGRATE_SCHEMA_BEHIND,	/* older than the build: migrations are waiting */
	MIGRATE_SCHEMA_MISSING, /* no peerd schema at all (or no role to read it as) */
	MIGRATE_SCHEMA_UNKNOWN, /* the database could not be asked */
};

/* Reads the last migration applied to conn's database into applied ("" when none) and
 * compares it with the last of migrations. For MIGRATE_SCHEMA_UNKNOWN *status says why
 * (it is DB_OK otherwise). What /readyz answers and `peerd serve` logs at start. */
enum migrate_schema migrate_check_schema(struct db_conn *conn,
					 const struct embedded_file *migrations, char *applied,
					 size_t size, enum db_status *status);

/* True when names follow NNN_name.sql in strictly increasing order. */
bool migrate_names_are_ordered(const struct embedded_file *migrations);
