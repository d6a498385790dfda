#include "request.h"

#include <string.h>

#include "app.h"
#include "db.h"
#include "pool.h"
#include "problem.h"
#include "uuid.h"
#include "validate.h"

/* The value of the {name} path segment, writable so that it can be normalised in place. */
static char *param_value(struct request *request, const char *name)
{
	for (size_t i = 0; i < request->params.count; i++) {
		if (strcmp(request->params.items[i].name, name) == 0)
			return request->params.items[i].value;
	}
	return NULL;
}

const char *request_query(const struct request *request, const char *name)
{
	return u_map_get(request->raw->map_url, name);
}

const char *request_header(const struct request *request, const char *name)
{
	return u_map_get_case(request->raw->map_header, name);
}

static struct db_conn *borrow(struct request *request, struct pool *pool)
{
	/* Whose rows its statements may see under row-level security: an admin every
	 * organization's, anyone else their own, a caller without a token none. */
	const char *organization =
		request->caller.has_organization ? request->caller.organization_id : "";
	const char *role = request->caller.role ? role_name(request->caller.role) : "";
	switch (pool_acquire(pool, organization, role, &request->db)) {
	case POOL_OK:
		request->db_pool = pool;
		db_set_scope(request->db, organization, role);
		if (request->app->caller_guard)
			request->app->caller_guard(request, request->db);
		return request->db;
	case POOL_EXHAUSTED:
		problem_send_unavailable(request, "every database connection is busy; try again");
		return NULL;
	case POOL_UNAVAILABLE:
		problem_send_unavailable(request, "the database cannot be reached; try again");
		return NULL;
	case POOL_NO_SCHEMA:
		problem_send_database(request, DB_NO_SCHEMA);
		return NULL;
	}
	return NULL;
}

struct db_conn *request_db(struct request *request)
{
	struct pool *primary = request->app->pool;
	if (request->db && request->db_pool == primary)
		return request->db;
	/* A reports connection reads a replica: what must reach the primary (the audit
	 * events of a read) gets a primary connection instead. */
	if (request->db) {
		pool_release(request->db_pool, request->db);
		request->db = NULL;
	}
	return borrow(request, primary);
}

struct db_conn *request_reports_db(struct request *request)
{
	if (request->db)
		return request->db;
	struct pool *reports = request->app->reports_pool;
	return borrow(request, reports ? reports : request->app->pool);
}

bool request_valid(struct request *request, const json_t *doc, const struct field_rule *rules)
{
	struct field_errors errors;
	field_errors_init(&errors);
	bool valid = validate_object(doc, rules, "", &errors);
	if (!valid)
		problem_send_invalid(request, &errors);
	field_errors_free(&errors);
	return valid;
}

const char *request_param(struct request *request, const char *name)
{
	const char *value = param_value(request, name);
	return value ? value : "";
}

const char *request_id_param(struct request *request, const char *name)
{
	char *value = param_value(request, name);
	if (!value || !uuid_is_valid(value)) {
		problem_send(request, 404, "there is no such resource");
		return NULL;
	}
	uuid_normalize(value, value);
	return value;
}
