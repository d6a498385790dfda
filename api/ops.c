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
	char applied[128];
	enum db_status status;
	switch (migrate_check_schema(db, embedded_migrations, applied, sizeof applied, &status)) {
	case MIGRATE_SCHEMA_CURRENT:
		respond_json(request, 200,
			     json_pack("{s:s, s:s}", "status", "ready", "schema", applied));
		return;
	case MIGRATE_SCHEMA_BEHIND:
		problem_send_unavailable(request, "the database schema is behind this build; run "
						  "peerd migrate");
		return;
	case MIGRATE_SCHEMA_MISSING:
		problem_send_unavailable(request,
					 "the database has no peerd schema; run peerd migrate");
		return;
	case MIGRATE_SCHEMA_UNKNOWN:
		problem_send_unavailable(request, "the database does not answer");
		return;
	}
}

void ops_metrics(struct request *request)
{
	const struct app *app = request->app;
	struct metrics_pool pools[2] = {{"primary", pool_get_stats(app->pool)}};
	size_t count = 1;
	if (app->reports_pool)
		pools[count++] =
			(struct metrics_pool){"reports", pool_get_stats(app->reports_pool)};
	char *text = metrics_render(app->metrics, pools, count, atomic_load(&app->in_flight));
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

/* The reference page renders openapi.yaml with Redoc, both from this server: Redoc
 * injects its styles and starts its search worker from a blob. */
static const char DOCS_POLICY[] = "default-src 'none'; script-src 'self'; "
				  "style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
				  "font-src 'self' data:; connect-src 'self'; worker-src blob:; "
				  "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

static void send_docs_file(struct request *request, const char *name)
{
	const struct static_file *file = static_files_find(&request->app->docs, name);
	if (!file) {
		problem_send(request, 404,
			     request->app->docs.count
				     ? "the API reference has no file %s"
				     : "the API reference page is not installed on "
				       "this server (PEERD_DOCS_DIR)",
			     name);
		return;
	}
	respond_header(request, "Content-Security-Policy", DOCS_POLICY);
	/* The page itself is checked each time; what it loads changes only with a new
	 * install, which restarts peerd. */
	respond_header(request, "Cache-Control",
		       strcmp(name, "index.html") == 0 ? "no-cache" : "public, max-age=3600");
	respond_bytes(request, 200, file->content_type, file->data, file->size);
}

void ops_docs(struct request *request)
{
	send_docs_file(request, "index.html");
}

void ops_docs_file(struct request *request)
{
	send_docs_file(request, request_param(request, "file"));
}
