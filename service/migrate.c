#include "migrate.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "db.h"
#include "log.h"

/* Any constant works; this one spells "peerd" so it is recognisable in pg_locks. */
#define MIGRATION_LOCK_KEY "7065657264"

static const struct db_statement MIGRATION_LOCK = {
	"migrate_lock", "SELECT pg_advisory_lock(" MIGRATION_LOCK_KEY ")"};
static const struct db_statement MIGRATION_UNLOCK = {
	"migrate_unlock", "SELECT pg_advisory_unlock(" MIGRATION_LOCK_KEY ")"};
static const struct db_statement MIGRATION_CHECKSUM_MATCHES = {
	"migrate_checksum_matches",
	"SELECT checksum = md5($2) FROM schema_migrations WHERE version = $1"};
static const struct db_statement MIGRATION_RECORD = {
	"migrate_record", "INSERT INTO schema_migrations (version, checksum) VALUES ($1, md5($2))"};

static const struct db_statement MIGRATION_APPLIED = {"migrate_applied",
						      "SELECT max(version) FROM schema_migrations"};

static const char CREATE_LEDGER[] = "CREATE TABLE IF NOT EXISTS schema_migrations ("
				    " version text PRIMARY KEY,"
				    " checksum text NOT NULL,"
				    " applied_at timestamptz NOT NULL DEFAULT now())";

static void version_of(const struct embedded_file *migration, char *out, size_t size)
{
	size_t length = strlen(migration->name);
	if (length > 4 && strcmp(migration->name + length - 4, ".sql") == 0)
		length -= 4;
	snprintf(out, size, "%.*s", (int)length, migration->name);
}

void migrate_latest_version(const struct embedded_file *migrations, char *out, size_t size)
{
	const struct embedded_file *last = NULL;
	for (const struct embedded_file *m = migrations; m->name; m++)
		last = m;
	if (last)
		version_of(last, out, size);
	else
		snprintf(out, size, "%s", "");
}

enum migrate_schema migrate_check_schema(struct db_conn *conn,
					 const struct embedded_file *migrations, char *applied,
					 size_t size, enum db_status *status)
{
	snprintf(applied, size, "%s", "");
	PGresult *res = NULL;
	*status = db_read(conn, &MIGRATION_APPLIED, 0, NULL, &res);
	if (*status == DB_NO_SCHEMA) {
		*status = DB_OK;
		return MIGRATE_SCHEMA_MISSING;
	}
	if (*status != DB_OK)
		return MIGRATE_SCHEMA_UNKNOWN;
	const char *last = db_text(res, 0, 0);
	snprintf(applied, size, "%s", last ? last : "");
	PQclear(res);
	char expected[128];
	migrate_latest_version(migrations, expected, sizeof expected);
	if (!applied[0])
		return MIGRATE_SCHEMA_MISSING;
	/* Versions are NNN_name: they compare as text. A newer schema than this build's is
	 * one a newer peerd migrated, which this build runs on until it is replaced. */
	return strcmp(applied, expected) < 0 ? MIGRATE_SCHEMA_BEHIND : MIGRATE_SCHEMA_CURRENT;
}

bool migrate_names_are_ordered(const struct embedded_file *migrations)
{
	const char *previous = "";
	for (const struct embedded_file *m = migrations; m->name; m++) {
		const char *n = m->name;
		if (!isdigit((unsigned char)n[0]) || !isdigit((unsigned char)n[1]) ||
		    !isdigit((unsigned char)n[2]) || n[3] != '_' || strcmp(previous, n) >= 0)
			return false;
		previous = n;
	}
	return true;
}

static void describe_failure(struct db_conn *conn, const char *version, char *error,
			     size_t error_size)
{
	const char *reason = db_error_message(conn);
	snprintf(error, error_size, "migration %s failed: %.*s", version,
		 (int)strcspn(reason, "\n"), reason);
}

/* Applies one migration unless recorded. Returns false on failure (error written). */
static bool apply_one(struct db_conn *conn, const struct embedded_file *migration,
		      unsigned *applied, char *error, size_t error_size)
{
	char version[128];
	version_of(migration, version, sizeof version);
	PGresult *res = NULL;
	if (db_exec(conn, &MIGRATION_CHECKSUM_MATCHES, DB_ARGS(version, migration->data), &res) !=
	    DB_OK) {
		describe_failure(conn, version, error, error_size);
		return false;
	}
	bool recorded = PQntuples(res) == 1;
	bool unchanged = recorded && db_boolean(res, 0, 0);
	PQclear(res);
	if (recorded && !unchanged) {
		snprintf(error, error_size,
			 "migration %s was changed after it was applied; add a new migration "
			 "instead of editing one that has landed",
			 version);
		return false;
	}
	if (recorded)
		return true;
	if (db_begin(conn) != DB_OK || db_exec_script(conn, migration->data) != DB_OK ||
	    db_exec(conn, &MIGRATION_RECORD, DB_ARGS(version, migration->data), &res) != DB_OK) {
		describe_failure(conn, version, error, error_size);
		db_rollback(conn);
		return false;
	}
	PQclear(res);
	if (db_commit(conn) != DB_OK) {
		describe_failure(conn, version, error, error_size);
		return false;
	}
	log_message(LOG_LEVEL_INFO, "applied migration %s", version);
	(*applied)++;
	return true;
}

bool migrate_apply(struct db_conn *conn, const struct embedded_file *migrations, unsigned *applied,
		   char *error, size_t error_size)
{
	*applied = 0;
	if (!migrate_names_are_ordered(migrations)) {
		snprintf(error, error_size, "migrations must be named NNN_name.sql, in order");
		return false;
	}
	/* Migrations may take long and may wait for each other: no session time limits. */
	PGresult *res = NULL;
	if (db_exec_script(conn, "SET statement_timeout = 0; SET lock_timeout = 0") != DB_OK ||
	    db_exec(conn, &MIGRATION_LOCK, 0, NULL, &res) != DB_OK) {
		describe_failure(conn, "lock", error, error_size);
		return false;
	}
	PQclear(res);
	bool ok = db_exec_script(conn, CREATE_LEDGER) == DB_OK;
	if (!ok)
		describe_failure(conn, "ledger", error, error_size);
	for (const struct embedded_file *m = migrations; ok && m->name; m++)
		ok = apply_one(conn, m, applied, error, error_size);
	if (db_exec(conn, &MIGRATION_UNLOCK, 0, NULL, &res) == DB_OK)
		PQclear(res);
	return ok;
}
