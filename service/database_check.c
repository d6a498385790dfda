#include "database_check.h"

#include <pthread.h>
#include <stdlib.h>

#include "embedded.h"
#include "log.h"
#include "migrate.h"

struct database_check {
	pthread_t thread;
	const char *url;
	const char *role;
	enum db_pooling pooling;
};

/* libpq's first line says what went wrong (refused, no such database, a password); when
 * it names the role peerd works as, that role is what is missing. */
static void report_connect_failure(const struct database_check *check, const char *error)
{
	if (db_connect_failed_on_role(error, check->role)) {
		log_write(
			LOG_LEVEL_WARN,
			"the database role peerd works as (PEERD_DATABASE_ROLE) is missing or not "
			"granted to the login role; run peerd migrate, which makes it when the "
			"login role may create roles",
			json_pack("{s:s, s:s}", "role", check->role, "reason", error));
		return;
	}
	log_write(LOG_LEVEL_WARN, "cannot connect to the database; requests get 503 until it does",
		  json_pack("{s:s}", "reason", error));
}

/* The comparison /readyz makes (migrate_check_schema), told to the log. */
static void report_schema(struct db_conn *db)
{
	char applied[128], expected[128];
	enum db_status status;
	enum migrate_schema schema =
		migrate_check_schema(db, embedded_migrations, applied, sizeof applied, &status);
	migrate_latest_version(embedded_migrations, expected, sizeof expected);
	switch (schema) {
	case MIGRATE_SCHEMA_CURRENT:
		log_write(LOG_LEVEL_INFO, "the database is ready",
			  json_pack("{s:s}", "schema", applied));
		return;
	case MIGRATE_SCHEMA_BEHIND:
		log_write(LOG_LEVEL_WARN,
			  "the database schema is older than this build; run peerd migrate",
			  json_pack("{s:s, s:s}", "schema", applied, "expected", expected));
		return;
	case MIGRATE_SCHEMA_MISSING:
		log_write(LOG_LEVEL_WARN, "the database has no peerd schema; run peerd migrate",
			  json_pack("{s:s}", "expected", expected));
		return;
	case MIGRATE_SCHEMA_UNKNOWN:
		log_write(LOG_LEVEL_WARN, "the database schema could not be read",
			  json_pack("{s:s, s:s}", "outcome", db_status_text(status), "sqlstate",
				    db_last_sqlstate(db)));
		return;
	}
}

static void *run(void *context)
{
	struct database_check *check = context;
	char error[256];
	struct db_conn *db =
		db_connect(check->url, check->role, check->pooling, error, sizeof error);
	if (!db) {
		report_connect_failure(check, error);
		return NULL;
	}
	db_leave_failure_logs_to_caller(db); /* said once, by report_schema */
	report_schema(db);
	db_close(db);
	return NULL;
}

struct database_check *database_check_start(const char *url, const char *role,
					    enum db_pooling pooling)
{
	struct database_check *check = calloc(1, sizeof *check);
	if (!check)
		return NULL;
	*check = (struct database_check){.url = url, .role = role, .pooling = pooling};
	if (pthread_create(&check->thread, NULL, run, check) != 0) {
		free(check);
		return NULL;
	}
	return check;
}

void database_check_finish(struct database_check *check)
{
	if (!check)
		return;
	pthread_join(check->thread, NULL);
	free(check);
}
