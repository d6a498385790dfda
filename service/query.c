#include "query.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "civil_date.h"
#include "log.h"
#include "pagination.h"
#include "problem.h"
#include "request.h"
#include "uuid.h"
#include "validate.h"

bool query_names_known(struct request *request)
{
	const struct _u_map *query = request->raw->map_url;
	for (int i = 0; query && i < query->nb_values; i++) {
		if (!route_takes_query(request->route, query->keys[i])) {
			char name[64];
			text_for_json(query->keys[i], name, sizeof name);
			problem_send(request, 400, "unknown query parameter \"%s\"", name);
			return false;
		}
	}
	return true;
}

static bool query_choice(struct request *request, const char *name, const char *const *choices,
			 const char **out)
{
	*out = request_query(request, name);
	if (!*out)
		return true;
	for (const char *const *choice = choices; *choice; choice++) {
		if (strcmp(*out, *choice) == 0)
			return true;
	}
	char listed[512] = "";
	for (const char *const *choice = choices; *choice; choice++) {
		size_t used = strlen(listed);
		snprintf(listed + used, sizeof listed - used, "%s%s", used ? ", " : "", *choice);
	}
	problem_send(request, 400, "%s must be one of: %s", name, listed);
	return false;
}

static bool query_uuid(struct request *request, const char *name, const char **out)
{
	*out = request_query(request, name);
	if (!*out || uuid_is_valid(*out))
		return true;
	problem_send(request, 400, "%s must be a UUID", name);
	return false;
}

static bool query_text(struct request *request, const char *name, size_t max, const char **out)
{
	*out = request_query(request, name);
	if (!*out || ((*out)[0] && utf8_length(*out) <= max))
		return true;
	problem_send(request, 400, "%s must be 1 to %zu characters", name, max);
	return false;
}

static bool query_whole_number(struct request *request, const char *name, long min, long max,
			       char *buffer, size_t size, const char **out)
{
	const char *text = request_query(request, name);
	*out = NULL;
	if (!text)
		return true;
	char *end = NULL;
	errno = 0;
	long value = strtol(text, &end, 10);
	bool digits = (text[0] >= '0' && text[0] <= '9') ||
		      (text[0] == '-' && text[1] >= '0' && text[1] <= '9');
	if (!digits || *end || errno == ERANGE || value < min || value > max) {
		problem_send(request, 400, "%s must be a whole number from %ld to %ld", name, min,
			     max);
		return false;
	}
	snprintf(buffer, size, "%ld", value);
	*out = buffer;
	return true;
}

/* A handler reading a parameter its route does not declare (or not as this kind) is a bug:
 * answered 500, so that the tests find it. */
static bool undeclared(struct request *request, const char *name)
{
	log_message(LOG_LEVEL_ERROR, "%s %s reads ?%s= otherwise than its route declares it",
		    request->route->method, request->route->path, name);
	problem_send(request, 500, "the server could not complete this request");
	return false;
}

/* A day written YYYY-MM-DD (a filter such as active_on). */
static bool query_day(struct request *request, const char *name, const char **out)
{
	*out = request_query(request, name);
	struct civil_date day;
	if (!*out || civil_date_parse(*out, &day))
		return true;
	problem_send(request, 400, "%s must be a date written YYYY-MM-DD", name);
	return false;
}

bool query_read(struct request *request, const char *name, const char **out)
{
	static const char *const BOOLEANS[] = {"true", "false", NULL};
	*out = NULL;
	const struct query_param *param = route_query_param(request->route, name);
	if (!param)
		return undeclared(request, name);
	switch (param->kind) {
	case QUERY_KIND_UUID:
		return query_uuid(request, name, out);
	case QUERY_KIND_CHOICE:
		return query_choice(request, name, param->choices, out);
	case QUERY_KIND_BOOLEAN:
		return query_choice(request, name, BOOLEANS, out);
	case QUERY_KIND_TEXT:
		return query_text(request, name, (size_t)param->max, out);
	case QUERY_KIND_DATE:
		return query_day(request, name, out);
	case QUERY_KIND_INTEGER:
	case QUERY_KIND_CURSOR:
	case QUERY_KIND_TIMESTAMP:
		break; /* read by query_integer and query_page */
	}
	return undeclared(request, name);
}

bool query_integer(struct request *request, const char *name, char *buffer, size_t size,
		   const char **out)
{
	*out = NULL;
	const struct query_param *param = route_query_param(request->route, name);
	if (!param || param->kind != QUERY_KIND_INTEGER)
		return undeclared(request, name);
	return query_whole_number(request, name, param->min, param->max, buffer, size, out);
}

bool query_page(struct request *request, struct page_request *page)
{
	char error[160];
	/* Only a list that syncs declares it; elsewhere the dispatcher refused it already. */
	const char *since = route_query_param(request->route, "updated_since")
				    ? request_query(request, "updated_since")
				    : NULL;
	if (page_request_parse(request_query(request, "limit"), request_query(request, "cursor"),
			       since, page, error, sizeof error))
		return true;
	problem_send(request, 400, "%s", error);
	return false;
}

bool query_date_range(struct request *request, const char **from, const char **to)
{
	*from = request_query(request, "from");
	*to = request_query(request, "to");
	struct civil_date first, last;
	if ((*from && !civil_date_parse(*from, &first)) || (*to && !civil_date_parse(*to, &last))) {
		problem_send(request, 400, "from and to must be dates written YYYY-MM-DD");
		return false;
	}
	if (*from && *to && civil_date_compare(first, last) > 0) {
		problem_send_field(request, "from", "must not be after to");
		return false;
	}
	return true;
}
