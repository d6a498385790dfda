/* `peerd migrate` and `peerd seed-demo`: one connection, one job. */
#include <stdio.h>

#include "commands.h"
#include "config.h"
#include "db.h"
#include "embedded.h"
#include "log.h"
#include "migrate.h"

/* Loads the database settings and connects. Returns NULL after printing one line, with
 * the exit status that says which of the two failed in *status. */
static struct db_conn *connect_from_environment(struct config *cfg, int *status)
{
	char error[512];
	if (!config_load(cfg, CONFIG_FOR_DATABASE, config_lookup_environment, NULL, error,
			 sizeof error)) {
		fprintf(stderr, "peerd: %s\n", error);
		*status = COMMAND_MISCONFIGURED;
		return NULL;
	}
	log_set_level(cfg->log_level);
	struct db_conn *conn =
		db_connect(cfg->database_url, NULL, DB_POOLING_SESSION, error, sizeof error);
	if (!conn) {
		fprintf(stderr, "peerd: cannot connect to PEERD_DATABASE_URL: %s\n", error);
		*status = COMMAND_CANNOT_CONNECT;
	}
	return conn;
}

int command_migrate(void)
{
	struct config cfg;
	int status = COMMAND_FAILED;
	struct db_conn *conn = connect_from_environment(&cfg, &status);
	if (conn) {
		char error[1024];
		unsigned applied = 0;
		if (migrate_apply(conn, embedded_migrations, &applied, error, sizeof error)) {
			char latest[128];
			migrate_latest_version(embedded_migrations, latest, sizeof latest);
			printf("migrations: %u applied, schema at %s\n", applied, latest);
			status = 0;
		} else {
			fprintf(stderr, "peerd: %s\n", error);
		}
	}
	db_close(conn);
	config_free(&cfg);
	return status;
}

int command_seed_demo(void)
{
	struct config cfg;
	int status = COMMAND_FAILED;
	struct db_conn *conn = connect_from_environment(&cfg, &status);
	const struct embedded_file *seed = embedded_find(embedded_seed, "seed_demo.sql");
	if (conn && seed) {
		/* The seed script is its own transaction: all of it lands, or none. */
		if (db_begin(conn) == DB_OK && db_exec_script(conn, seed->data) == DB_OK &&
		    db_commit(conn) == DB_OK) {
			printf("demo data loaded\n");
			status = 0;
		} else {
			fprintf(stderr, "peerd: seed-demo failed: %s", db_error_message(conn));
			db_rollback(conn);
		}
	}
	db_close(conn);
	config_free(&cfg);
	return status;
}
