/* What every report and export is about: one organization (the caller's; an admin
 * names it with ?organization_id=) and a range of its days (?from= and ?to=). */
#pragma once

#include <stdbool.h>

#include "uuid.h"

struct request;
struct db_conn;

/* Days a range covers when the client gives neither end: the last 30 days. */
#define REPORT_DEFAULT_DAYS 30

struct report_scope {
	char organization_id[UUID_TEXT_SIZE];
	char first_day[16], last_day[16]; /* YYYY-MM-DD, the organization's days */
	struct db_conn *db;
};

/* The database a report reads: the reports' own (a replica, when PEERD_REPORTS_DATABASE_URL
 * is set) for reports that only read, the primary for what writes too (an export records
 * its audit event). */
enum report_database { REPORT_READS_REPLICA, REPORT_READS_PRIMARY };

/* Reads the scope, with a connection to database in out->db. Without to, the range ends on the
 * organization's today; without from, it spans REPORT_DEFAULT_DAYS up to its end. Answers 400
 * (malformed, or an admin without organization_id), 422 (from after to, or a default from before
 * 0001-01-01), 404 (no such organization) and returns false. */
bool report_scope_read(struct request *request, enum report_database database,
		       struct report_scope *out);
