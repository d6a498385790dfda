/* /healthz, /readyz, /metrics, /openapi.yaml and /docs. */
#include "ops.h"

#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "db.h"
#include "embedded.h"
#include "migrate.h"
#include "problem.h"
#include "request.h"
#include "respond.h"

static const struct db_statement SCHEMA_VERSION = {"ops_schema_version",
						   "SELECT max(version) FROM schema_migrations"};

void ops_healthz(struct request *request)
{
	respond_json(request, 200, json_pack("{s:s}", "status", "ok"));
}

/* Ready when the database answers and holds at least the schema this build expects. */
void ops_readyz(struct request *request)
{
	struct db_conn *db = request_db(request);
	if (!db)
		return;
	PGresult *res = NULL;
	enum db_status status = db_read(db, &SCHEMA_VERSION, 0, NULL, &res);
	if (status != DB_OK) {
		problem_send_unavailable(
			request, status == DB_ERROR
					 ? "the database has no peerd schema; run peerd migrate"
					 : "the database does not answer");
		return;
	}
	char expected[128];
	migrate_latest_version(embedded_migrations, expected, sizeof expected);
	const char *applied = db_text(res, 0, 0);
	if (!applied || strcmp(applied, expected) < 0)
		problem_send_unavailable(request, "the database schema is behind this build; run "
						  "peerd migrate");
	else
		respond_json(request, 200,
			     json_pack("{s:s, s:s}", "status", "ready", "schema", applied));
	PQclear(res);
}

void ops_metrics(struct request *request)
{
	struct pool_stats pool = pool_get_stats(request->app->pool);
	char *text =
		metrics_render(request->app->metrics, &pool, atomic_load(&request->app->in_flight));
	if (!text) {
		problem_send(request, 500, "out of memory");
		return;
	}
	respond_bytes(request, 200, "text/plain; version=0.0.4; charset=utf-8", text, strlen(text));
	free(text);
}

static void send_document(struct request *request, const char *name, const char *content_type)
{
	const struct embedded_file *file = embedded_find(embedded_docs, name);
	if (!file) {
		problem_send(request, 404, "%s is not part of this build", name);
		return;
	}
	respond_bytes(request, 200, content_type, file->data, file->size);
}

void ops_openapi(struct request *request)
{
	send_document(request, "openapi.yaml", "application/yaml");
}

void ops_docs(struct request *request)
{
	/* The reference page renders openapi.yaml with Redoc, loaded from its CDN. */
	respond_header(request, "Content-Security-Policy",
		       "default-src 'none'; script-src https://cdn.redoc.ly; "
		       "style-src 'unsafe-inline' https://fonts.googleapis.com; "
		       "font-src https://fonts.gstatic.com; img-src 'self' data: https:; "
		       "connect-src 'self'; worker-src blob:; frame-ancestors 'none'");
	send_document(request, "docs.html", "text/html; charset=utf-8");
}
