#include "report_scope.h"

#include <stdio.h>

#include "civil_date.h"
#include "db.h"
#include "problem.h"
#include "query.h"
#include "request.h"

static const struct db_statement ORGANIZATION_TODAY = {
	"report_organization_today",
	"SELECT to_char(peerd_organization_today(id), 'YYYY-MM-DD') FROM organizations"
	" WHERE id = $1"};

static bool organization_of(struct request *request, struct report_scope *out)
{
	const struct principal *caller = &request->caller;
	const char *named;
	if (!query_read(request, "organization_id", &named))
		return false;
	if (caller->role != ROLE_ADMIN) {
		/* Everyone else reports on their own organization, whatever they name. */
		snprintf(out->organization_id, sizeof out->organization_id, "%s",
			 caller->organization_id);
		return true;
	}
	if (!named && !caller->has_organization) {
		problem_send(request, 400,
			     "organization_id is required: the organization to report on");
		return false;
	}
	if (named)
		uuid_normalize(named, out->organization_id);
	else
		snprintf(out->organization_id, sizeof out->organization_id, "%s",
			 caller->organization_id);
	return true;
}

bool report_scope_read(struct request *request, enum report_database database,
		       struct report_scope *out)
{
	const char *from, *to;
	struct civil_date first = {0}, last = {0}, today;
	if (!query_date_range(request, &from, &to))
		return false;
	if (from)
		(void)civil_date_parse(from, &first);
	if (to)
		(void)civil_date_parse(to, &last);
	if (!organization_of(request, out))
		return false;
	out->db = database == REPORT_READS_REPLICA ? request_reports_db(request)
						   : request_db(request);
	if (!out->db)
		return false;
	PGresult *res = NULL;
	enum db_status status =
		db_read(out->db, &ORGANIZATION_TODAY, DB_ARGS(out->organization_id), &res);
	if (status != DB_OK) {
		problem_send_database(request, status);
		return false;
	}
	bool found = PQntuples(res) == 1 && civil_date_parse(db_text(res, 0, 0), &today);
	PQclear(res);
	if (!found) {
		problem_send(request, 404, "there is no such organization");
		return false;
	}
	if (!to)
		last = today;
	if (!from)
		first = civil_date_add_days(last, -(REPORT_DEFAULT_DAYS - 1));
	/* A day the client wrote has four digits of year from 1; the default start can fall in
	 * year 0, which PostgreSQL refuses, and an export would learn that only after its 200. */
	if (first.year < 1) {
		problem_send_field(request, "from",
				   "must be given: the %d days ending on to would begin before "
				   "0001-01-01",
				   REPORT_DEFAULT_DAYS);
		return false;
	}
	if (civil_date_compare(first, last) > 0) {
		problem_send_field(request, "from",
				   "must not be after to (or today, when to is left out)");
		return false;
	}
	civil_date_format(first, out->first_day, sizeof out->first_day);
	civil_date_format(last, out->last_day, sizeof out->last_day);
	return true;
}
