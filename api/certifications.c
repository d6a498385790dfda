/* Certifications (API.md): the state credentials that make a specialist's work billable.
 * Supervisors and admins record and verify them; a specialist may add their own, which
 * stay pending until a supervisor verifies them. Each one is shown with its effective
 * status on the organization's today and its renewal readiness, both computed by
 * rules/certification.c. */
#include "certifications.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "certification.h"
#include "db.h"
#include "hours.h"
#include "idempotency.h"
#include "pagination.h"
#include "patch.h"
#include "precondition.h"
#include "problem.h"
#include "query.h"
#include "request.h"
#include "respond.h"
#include "row_json.h"
#include "specialists.h"
#include "us_states.h"
#include "validate.h"

const char *const CERTIFICATION_STATUSES[] = {"pending", "active", "suspended", "revoked", NULL};

/* What a specialist may correct in their own pending certification. */
static const char *const HOLDER_WRITABLE[] = {"credential",	"issuing_authority", "state",
					      "number",		"issued_on",	     "expires_on",
					      "training_hours", "ceu_hours",	     NULL};

static const struct field_rule REQUIREMENT_FIELDS[] = {
	{.name = "total_hours",
	 .type = FIELD_NUMBER,
	 .required = true,
	 .min = 0,
	 .max = 1000,
	 .check = check_hours},
	{.name = "ethics_hours", .type = FIELD_NUMBER, .min = 0, .max = 1000, .check = check_hours},
	{.name = "peer_specific_hours",
	 .type = FIELD_NUMBER,
	 .min = 0,
	 .max = 1000,
	 .check = check_hours},
	{0},
};

const struct field_rule CERTIFICATION_FIELDS[] = {
	{.name = "credential",
	 .type = FIELD_STRING,
	 .required = true,
	 .min = 1,
	 .max = 40,
	 .check = check_plain_text},
	{.name = "issuing_authority",
	 .type = FIELD_STRING,
	 .required = true,
	 .min = 1,
	 .max = 200,
	 .check = check_plain_text},
	{.name = "state", .type = FIELD_ENUM, .required = true, .choices = US_STATE_CODES},
	{.name = "number",
	 .type = FIELD_STRING,
	 .required = true,
	 .min = 1,
	 .max = 64,
	 .check = check_plain_text},
	{.name = "issued_on", .type = FIELD_DATE, .required = true},
	{.name = "expires_on", .type = FIELD_DATE, .required = true},
	{.name = "training_hours",
	 .type = FIELD_NUMBER,
	 .nullable = true,
	 .min = 0,
	 .max = 10000,
	 .check = check_hours},
	{.name = "ceu_hours",
	 .type = FIELD_NUMBER,
	 .nullable = true,
	 .min = 0,
	 .max = 10000,
	 .check = check_hours},
	{.name = "status", .type = FIELD_ENUM, .choices = CERTIFICATION_STATUSES},
	{.name = "ceu_requirement",
	 .type = FIELD_OBJECT,
	 .nullable = true,
	 .fields = REQUIREMENT_FIELDS},
	{.name = "id", .type = FIELD_READ_ONLY},
	{.name = "specialist_id", .type = FIELD_READ_ONLY},
	{.name = "effective_status", .type = FIELD_READ_ONLY},
	{.name = "verified_by", .type = FIELD_READ_ONLY},
	{.name = "verified_at", .type = FIELD_READ_ONLY},
	{.name = "renewal", .type = FIELD_READ_ONLY},
	{.name = "version", .type = FIELD_READ_ONLY},
	{.name = "created_at", .type = FIELD_READ_ONLY},
	{.name = "updated_at", .type = FIELD_READ_ONLY},
	{0},
};

static const struct constraint_answer CERTIFICATION_CONSTRAINTS[] = {
	{"certifications_credential_key", 409, NULL,
	 "a certification with this credential, state and number is already recorded"},
	{"certifications_expires_after_issued", 422, "expires_on", "must be after issued_on"},
	{0},
};

/* A certification's columns, in the order of its JSON. effective_status is rendered
 * from the holder's organization's today, ceu_requirement from the three required hours,
 * renewal from every continuing education entry as [completed_on, category, hours]. */
/* clang-format off */
#define CERTIFICATION_COLUMN_LIST(X, _)                                                           \
	X(COL_ID, "c.id", "id", ROW_STRING)                                                       \
	_ X(COL_SPECIALIST_ID, "c.specialist_id", "specialist_id", ROW_STRING)                    \
	_ X(COL_ORGANIZATION_ID, "s.organization_id", NULL, ROW_HIDDEN)                           \
	_ X(COL_SUBJECT, "s.subject", NULL, ROW_HIDDEN)                                           \
	_ X(COL_CREDENTIAL, "c.credential", "credential", ROW_STRING)                             \
	_ X(COL_ISSUING_AUTHORITY, "c.issuing_authority", "issuing_authority", ROW_STRING)        \
	_ X(COL_STATE, "c.state", "state", ROW_STRING)                                            \
	_ X(COL_NUMBER, "c.number", "number", ROW_STRING)                                         \
	_ X(COL_ISSUED_ON, "to_char(c.issued_on, 'YYYY-MM-DD')", "issued_on", ROW_STRING)         \
	_ X(COL_EXPIRES_ON, "to_char(c.expires_on, 'YYYY-MM-DD')", "expires_on", ROW_STRING)      \
	_ X(COL_TRAINING_HOURS, "c.training_hours", "training_hours",                             \
	    ROW_CUSTOM(hours_json_from_column))                                                   \
	_ X(COL_CEU_HOURS, "c.ceu_hours", "ceu_hours", ROW_CUSTOM(hours_json_from_column))        \
	_ X(COL_STATUS, "c.status", "status", ROW_STRING)                                         \
	_ X(COL_TODAY, "to_char(peerd_organization_today(s.organization_id), 'YYYY-MM-DD')",      \
	    "effective_status", ROW_CUSTOM(effective_status_render))                              \
	_ X(COL_VERIFIED_BY, "c.verified_by", "verified_by", ROW_STRING)                          \
	_ X(COL_VERIFIED_AT, "peerd_timestamp(c.verified_at)", "verified_at", ROW_STRING)         \
	_ X(COL_REQUIRED_TOTAL_HOURS, "c.required_total_hours", "ceu_requirement",                \
	    ROW_CUSTOM(requirement_render))                                                       \
	_ X(COL_REQUIRED_ETHICS_HOURS, "c.required_ethics_hours", NULL, ROW_HIDDEN)               \
	_ X(COL_REQUIRED_PEER_SPECIFIC_HOURS, "c.required_peer_specific_hours", NULL, ROW_HIDDEN) \
	_ X(COL_CEUS, "(SELECT coalesce(json_agg(json_build_array(e.completed_on, e.category,"    \
	    " e.hours::text)), '[]') FROM continuing_education e"                                 \
	    " WHERE e.certification_id = c.id)", "renewal", ROW_CUSTOM(renewal_render))           \
	_ X(COL_VERSION, "c.version", "version", ROW_INTEGER)                                     \
	_ X(COL_CREATED_AT, "peerd_timestamp(c.created_at)", "created_at", ROW_STRING)            \
	_ X(COL_UPDATED_AT, "peerd_timestamp(c.updated_at)", "updated_at", ROW_STRING)            \
	_ X(COL_POSITION, "peerd_position(c.created_at)", NULL, ROW_HIDDEN)                       \
	_ X(COL_EXPIRY_POSITION, "c.expires_on - DATE '1970-01-01'", NULL, ROW_HIDDEN)
/* clang-format on */

enum { CERTIFICATION_COLUMN_LIST(ROW_COLUMN_ENUM, ) };

#define CERTIFICATION_COLUMNS CERTIFICATION_COLUMN_LIST(ROW_COLUMN_SQL, ", ")

#define CERTIFICATION_FROM " FROM certifications c JOIN specialists s ON s.id = c.specialist_id"

static const struct db_statement CERTIFICATION_SELECT = {
	"certification_select",
	"SELECT " CERTIFICATION_COLUMNS CERTIFICATION_FROM " WHERE c.id = $1"};

static const struct db_statement CERTIFICATION_SELECT_FOR_UPDATE = {
	"certification_select_for_update",
	"SELECT " CERTIFICATION_COLUMNS CERTIFICATION_FROM " WHERE c.id = $1 FOR UPDATE OF c"};

#define CERTIFICATION_LIST_FOR_SPECIALIST_FROM_WHERE \
	CERTIFICATION_FROM " WHERE c.specialist_id = $1"
PAGE_STATEMENTS(CERTIFICATION_LIST_FOR_SPECIALIST, "certification_list_for_specialist",
		CERTIFICATION_COLUMNS, "c", CERTIFICATION_LIST_FOR_SPECIALIST_FROM_WHERE, "$2",
		"$3", "$4", "$5");

/* Soonest expiry first. $1: the caller's organization (NULL for an admin); $2: a
 * specialist caller's own subject; then the filters, the cursor ($7, $8), the count. */
#define CERTIFICATION_LIST_FROM_WHERE                                                    \
	CERTIFICATION_FROM                                                               \
	" WHERE ($1::uuid IS NULL OR s.organization_id = $1::uuid)"                      \
	" AND ($2::text IS NULL OR s.subject = $2::text)"                                \
	" AND ($3::uuid IS NULL OR s.organization_id = $3::uuid)"                        \
	" AND ($4::uuid IS NULL OR c.specialist_id = $4::uuid)"                          \
	" AND ($5::certification_status IS NULL OR c.status = $5::certification_status)" \
	" AND ($6::int IS NULL OR c.expires_on BETWEEN "                                 \
	"peerd_organization_today(s.organization_id)"                                    \
	" AND peerd_organization_today(s.organization_id) + $6::int)"

/* Soonest expiry first; a sync (updated_since) takes the changes order instead. The four
 * statements of PAGE_STATEMENT, the first two the same (one for both pages, under two
 * names: a connection prepares each statement by its name). */
#define CERTIFICATION_LIST_SOONEST(name)                                                    \
	{                                                                                   \
		name, "SELECT " CERTIFICATION_COLUMNS CERTIFICATION_LIST_FROM_WHERE         \
		      " AND $10::timestamptz IS NULL AND ($7::bigint IS NULL OR"            \
		      " (c.expires_on - DATE '1970-01-01', c.id) > ($7::bigint, $8::uuid))" \
		      " ORDER BY c.expires_on, c.id LIMIT $9::int"                          \
	}
static const struct db_statement CERTIFICATION_LIST[4] = {
	CERTIFICATION_LIST_SOONEST("certification_list"),
	CERTIFICATION_LIST_SOONEST("certification_list_after"),
	{"certification_list_changes",
	 PAGE_SQL_AT(CHANGES, FIRST, CERTIFICATION_COLUMNS, "c", CERTIFICATION_LIST_FROM_WHERE,
		     "$7", "$8", "$9", "$10")},
	{"certification_list_changes_after",
	 PAGE_SQL(CHANGES, CERTIFICATION_COLUMNS, "c", CERTIFICATION_LIST_FROM_WHERE, "$7", "$8",
		  "$9", "$10")}};

static const struct db_statement CERTIFICATION_INSERT = {
	"certification_insert",
	"INSERT INTO certifications (specialist_id, credential, issuing_authority, state, number,"
	" issued_on, expires_on, training_hours, ceu_hours, status, verified_by, verified_at,"
	" required_total_hours, required_ethics_hours, required_peer_specific_hours)"
	" VALUES ($1, $2, $3, $4, $5, $6::date, $7::date, $8::numeric, $9::numeric,"
	" $10::certification_status, CASE WHEN $10 = 'active' THEN $11 END,"
	" CASE WHEN $10 = 'active' THEN now() END, $12::numeric, $13::numeric, $14::numeric)"
	" RETURNING id"};

/* A move to active records who verified it, as /verify does. */
static const struct db_statement CERTIFICATION_UPDATE = {
	"certification_update",
	"UPDATE certifications SET credential = $2, issuing_authority = $3, state = $4,"
	" number = $5, issued_on = $6::date, expires_on = $7::date,"
	" training_hours = $8::numeric, ceu_hours = $9::numeric,"
	" verified_by = CASE WHEN $10 = 'active' AND status <> 'active' THEN $11 ELSE verified_by"
	" END,"
	" verified_at = CASE WHEN $10 = 'active' AND status <> 'active' THEN now() ELSE"
	" verified_at END,"
	" status = $10::certification_status, required_total_hours = $12::numeric,"
	" required_ethics_hours = $13::numeric, required_peer_specific_hours = $14::numeric,"
	" version = version + 1, updated_at = now() WHERE id = $1"};

static const struct db_statement CERTIFICATION_VERIFY = {
	"certification_verify",
	"UPDATE certifications SET status = 'active', verified_by = $2, verified_at = now(),"
	" version = version + 1, updated_at = now() WHERE id = $1"};

static struct civil_date date_column(const PGresult *res, int row, int column)
{
	struct civil_date date = {1970, 1, 1};
	(void)civil_date_parse(db_text(res, row, column), &date);
	return date;
}

static long long hours_column(const PGresult *res, int row, int column)
{
	long long hundredths = 0;
	const char *text = db_text(res, row, column);
	if (text)
		(void)hours_parse(text, &hundredths);
	return hundredths;
}

static json_t *requirement_render(const PGresult *res, int row, int column)
{
	(void)column;
	if (!db_text(res, row, COL_REQUIRED_TOTAL_HOURS))
		return json_null();
	return json_pack("{s:o, s:o, s:o}", "total_hours",
			 hours_json_from_text(db_text(res, row, COL_REQUIRED_TOTAL_HOURS)),
			 "ethics_hours",
			 hours_json_from_text(db_text(res, row, COL_REQUIRED_ETHICS_HOURS)),
			 "peer_specific_hours",
			 hours_json_from_text(db_text(res, row, COL_REQUIRED_PEER_SPECIFIC_HOURS)));
}

/* The entries of the ceus column ([[completed_on, category, hours], ...]); the caller
 * frees the array. Entries the database could not have written are skipped. */
static struct ceu_entry *ceu_entries(const PGresult *res, int row, size_t *count)
{
	json_t *items = db_json(res, row, COL_CEUS);
	size_t size = json_array_size(items);
	struct ceu_entry *entries = calloc(size ? size : 1, sizeof *entries);
	*count = 0;
	size_t index;
	json_t *item;
	json_array_foreach (items, index, item) {
		struct ceu_entry *entry = entries ? &entries[*count] : NULL;
		const char *category = json_string_value(json_array_get(item, 1));
		if (entry && category &&
		    civil_date_parse(json_string_value(json_array_get(item, 0)),
				     &entry->completed_on) &&
		    ceu_category_parse(category, &entry->category) &&
		    hours_parse(json_string_value(json_array_get(item, 2)), &entry->hours))
			(*count)++;
	}
	json_decref(items);
	return entries;
}

static json_t *renewal_render(const PGresult *res, int row, int column)
{
	(void)column;
	struct ceu_requirement requirement = {
		.present = db_text(res, row, COL_REQUIRED_TOTAL_HOURS) != NULL,
		.total = hours_column(res, row, COL_REQUIRED_TOTAL_HOURS),
		.ethics = hours_column(res, row, COL_REQUIRED_ETHICS_HOURS),
		.peer_specific = hours_column(res, row, COL_REQUIRED_PEER_SPECIFIC_HOURS),
	};
	size_t count;
	struct ceu_entry *entries = ceu_entries(res, row, &count);
	struct renewal renewal;
	renewal_compute(date_column(res, row, COL_ISSUED_ON), date_column(res, row, COL_EXPIRES_ON),
			entries, count, &requirement, &renewal);
	free(entries);
	char cycle_start[16];
	civil_date_format(renewal.cycle_start, cycle_start, sizeof cycle_start);
	json_t *by_category = json_object();
	for (int i = 0; i < CEU_CATEGORY_COUNT; i++)
		json_object_set_new(by_category, CEU_CATEGORY_NAMES[i],
				    hours_json(renewal.hours_by_category[i]));
	return json_pack("{s:s, s:o, s:o, s:o, s:{s:o, s:o}, s:b}", "cycle_start", cycle_start,
			 "hours_by_category", by_category, "hours_total",
			 hours_json(renewal.hours_total), "hours_missing",
			 hours_json(renewal.hours_missing), "hours_missing_by_category", "ethics",
			 hours_json(renewal.missing_ethics), "peer_specific",
			 hours_json(renewal.missing_peer_specific), "ready", renewal.ready);
}

/* The status in force today: an active certification past its expiry is expired. */
static json_t *effective_status_render(const PGresult *res, int row, int column)
{
	return json_string(certification_effective_status(db_text(res, row, COL_STATUS),
							  date_column(res, row, COL_EXPIRES_ON),
							  date_column(res, row, column)));
}

static const struct row_json_member CERTIFICATION_JSON[] = {
	CERTIFICATION_COLUMN_LIST(ROW_COLUMN_MEMBER, )};
static const struct row_json_table CERTIFICATION_JSON_ROWS = ROW_JSON_TABLE(CERTIFICATION_JSON);

/* One row as the API's JSON; returns a new reference. */
static json_t *certification_render(const PGresult *res, int row)
{
	return row_json_render(CERTIFICATION_JSON,
			       sizeof CERTIFICATION_JSON / sizeof *CERTIFICATION_JSON, res, row);
}

/* The values to write, as SQL parameters, from a validated document. */
struct certification_values {
	const char *credential, *issuing_authority, *state, *number, *issued_on, *expires_on;
	const char *status;
	const char *training_hours, *ceu_hours, *required_total, *required_ethics,
		*required_peer_specific;
	char buffers[5][32];
};

static void certification_values_from(const json_t *doc, struct certification_values *values)
{
	const json_t *requirement = json_object_get(doc, "ceu_requirement");
	values->credential = json_string_value(json_object_get(doc, "credential"));
	values->issuing_authority = json_string_value(json_object_get(doc, "issuing_authority"));
	values->state = json_string_value(json_object_get(doc, "state"));
	values->number = json_string_value(json_object_get(doc, "number"));
	values->issued_on = json_string_value(json_object_get(doc, "issued_on"));
	values->expires_on = json_string_value(json_object_get(doc, "expires_on"));
	values->status = json_string_value(json_object_get(doc, "status"));
	if (!values->status)
		values->status = "pending";
	values->training_hours = hours_sql(json_object_get(doc, "training_hours"),
					   values->buffers[0], sizeof values->buffers[0]);
	values->ceu_hours = hours_sql(json_object_get(doc, "ceu_hours"), values->buffers[1],
				      sizeof values->buffers[1]);
	values->required_total = hours_sql(json_object_get(requirement, "total_hours"),
					   values->buffers[2], sizeof values->buffers[2]);
	/* Category minimums left out of a requirement are zero. */
	values->required_ethics = values->required_total
					  ? hours_sql(json_object_get(requirement, "ethics_hours"),
						      values->buffers[3], sizeof values->buffers[3])
					  : NULL;
	values->required_peer_specific =
		values->required_total
			? hours_sql(json_object_get(requirement, "peer_specific_hours"),
				    values->buffers[4], sizeof values->buffers[4])
			: NULL;
	if (values->required_total && !values->required_ethics)
		values->required_ethics = "0";
	if (values->required_total && !values->required_peer_specific)
		values->required_peer_specific = "0";
}

/* expires_on after issued_on: answers 422 naming expires_on otherwise. */
static bool dates_in_order(struct request *request, const json_t *doc)
{
	struct civil_date issued, expires;
	if (!civil_date_parse(json_string_value(json_object_get(doc, "issued_on")), &issued) ||
	    !civil_date_parse(json_string_value(json_object_get(doc, "expires_on")), &expires) ||
	    civil_date_compare(expires, issued) > 0)
		return true;
	problem_send_field(request, "expires_on", "must be after issued_on");
	return false;
}

/* Reads certification id (after a write, inside the same transaction). */
static PGresult *select_certification(struct request *request, struct db_conn *db, const char *id)
{
	PGresult *res = NULL;
	enum db_status status = db_exec(db, &CERTIFICATION_SELECT, DB_ARGS(id), &res);
	if (status != DB_OK)
		problem_send_database(request, status);
	return res;
}

/* A specialist records their own certification only as pending, without the state's
 * requirement; a supervisor or admin records it pending or already verified. */
static bool creation_permitted(struct request *request)
{
	const char *status = json_string_value(json_object_get(request->body, "status"));
	if (request->caller.role == ROLE_SPECIALIST) {
		if (status && strcmp(status, "pending") != 0) {
			problem_send(request, 403,
				     "a specialist's own certification starts pending until a "
				     "supervisor verifies it");
			return false;
		}
		const json_t *requirement = json_object_get(request->body, "ceu_requirement");
		if (requirement && !json_is_null(requirement)) {
			problem_send(request, 403,
				     "a supervisor or admin records the ceu_requirement");
			return false;
		}
		return true;
	}
	if (!status || strcmp(status, "pending") == 0 || strcmp(status, "active") == 0)
		return true;
	problem_send_field(request, "status", "a new certification is pending or active");
	return false;
}

static bool may_see(const struct request *request, const PGresult *res)
{
	return PQntuples(res) > 0 &&
	       auth_may_access_specialist(&request->caller, db_text(res, 0, COL_ORGANIZATION_ID),
					  db_text(res, 0, COL_SUBJECT));
}

/* Certification id as GET reads it, when the caller may see its holder; NULL after
 * answering 404 (or 503). */
static PGresult *certification_read(struct request *request, struct db_conn *db, const char *id)
{
	PGresult *res = NULL;
	enum db_status status = db_read(db, &CERTIFICATION_SELECT, DB_ARGS(id), &res);
	if (status != DB_OK) {
		problem_send_database(request, status);
		return NULL;
	}
	if (!may_see(request, res)) {
		problem_send(request, 404, "there is no such certification");
		PQclear(res);
		return NULL;
	}
	return res;
}

static const struct idempotency_resource CERTIFICATION_REPLAY = {"certification",
								 certification_read};

/* Checks and writes the body's certification of specialist specialist_id in the open
 * transaction, then commits it with the answer for claim. Returns false after answering
 * otherwise. */
static bool certification_create(struct request *request, struct db_conn *db,
				 const char *specialist_id, const struct idempotency *claim)
{
	struct specialist_ref holder;
	if (!specialist_find_visible(request, db, specialist_id, &holder) ||
	    !request_valid(request, request->body, CERTIFICATION_FIELDS) ||
	    !creation_permitted(request) || !dates_in_order(request, request->body))
		return false;
	struct certification_values values;
	certification_values_from(request->body, &values);
	PGresult *inserted = NULL;
	enum db_status status =
		db_exec(db, &CERTIFICATION_INSERT,
			DB_ARGS(holder.id, values.credential, values.issuing_authority,
				values.state, values.number, values.issued_on, values.expires_on,
				values.training_hours, values.ceu_hours, values.status,
				request->caller.subject, values.required_total,
				values.required_ethics, values.required_peer_specific),
			&inserted);
	if (status != DB_OK) {
		problem_send_constraint(request, status, db, CERTIFICATION_CONSTRAINTS);
		return false;
	}
	PGresult *res = select_certification(request, db, db_text(inserted, 0, 0));
	PQclear(inserted);
	if (!res)
		return false;
	const char *id = db_text(res, 0, COL_ID);
	char location[96];
	snprintf(location, sizeof location, "/v1/certifications/%s", id);
	struct idempotency_answer answer = {201, location, 0, certification_render(res, 0), id};
	bool answered = idempotency_commit(request, db, claim, &answer);
	PQclear(res);
	return answered;
}

void certifications_create(struct request *request)
{
	const char *specialist_id = request_id_param(request, "id");
	struct db_conn *db = specialist_id ? request_db(request) : NULL;
	struct idempotency claim;
	if (!db ||
	    idempotency_start(request, db, &CERTIFICATION_REPLAY, &claim) != IDEMPOTENCY_PROCEED)
		return;
	if (!certification_create(request, db, specialist_id, &claim))
		idempotency_release(db);
}

void certifications_list_for_specialist(struct request *request)
{
	struct page_request page;
	const char *specialist_id = request_id_param(request, "id");
	if (!specialist_id || !query_page(request, &page))
		return;
	struct db_conn *db = request_db(request);
	struct specialist_ref holder;
	if (!db || !specialist_find_visible(request, db, specialist_id, &holder))
		return;
	PGresult *res = NULL;
	enum db_status status = db_read(db, PAGE_STATEMENT(CERTIFICATION_LIST_FOR_SPECIALIST, page),
					DB_ARGS(holder.id, PAGE_SYNC_ARGS(page)), &res);
	respond_page(request, status, res, &page, &CERTIFICATION_JSON_ROWS, COL_POSITION, COL_ID);
}

void certifications_list(struct request *request)
{
	struct page_request page;
	char days_text[24];
	const char *days, *organization_id, *specialist_id, *status_filter;
	if (!query_page(request, &page) ||
	    !query_integer(request, "expiring_within_days", days_text, sizeof days_text, &days) ||
	    !query_read(request, "organization_id", &organization_id) ||
	    !query_read(request, "specialist_id", &specialist_id) ||
	    !query_read(request, "status", &status_filter))
		return;
	const struct principal *caller = &request->caller;
	const char *scope = caller->role == ROLE_ADMIN ? NULL : caller->organization_id;
	const char *own_subject = caller->role == ROLE_SPECIALIST ? caller->subject : NULL;
	struct db_conn *db = request_db(request);
	if (!db)
		return;
	PGresult *res = NULL;
	enum db_status status = db_read(db, PAGE_STATEMENT(CERTIFICATION_LIST, page),
					DB_ARGS(scope, own_subject, organization_id, specialist_id,
						status_filter, days, PAGE_SYNC_ARGS(page)),
					&res);
	respond_page(request, status, res, &page, &CERTIFICATION_JSON_ROWS, COL_EXPIRY_POSITION,
		     COL_ID);
}

void certifications_get(struct request *request)
{
	const char *id = request_id_param(request, "id");
	struct db_conn *db = id ? request_db(request) : NULL;
	PGresult *res = db ? certification_read(request, db, id) : NULL;
	if (res)
		respond_resource(request, certification_render(res, 0),
				 db_integer(res, 0, COL_VERSION));
	PQclear(res);
}

/* 404 for a certification the caller may not see. Its holder may correct only the facts
 * of a pending one; the status and the requirement are a supervisor's. */
static bool admit_patch(struct request *request, struct db_conn *db, const PGresult *current)
{
	(void)db;
	if (!may_see(request, current)) {
		problem_send(request, 404, "there is no such certification");
		return false;
	}
	if (request->caller.role != ROLE_SPECIALIST)
		return true;
	if (!patch_allows_only(request, "a specialist", HOLDER_WRITABLE, CERTIFICATION_FIELDS))
		return false;
	if (strcmp(db_text(current, 0, COL_STATUS), "pending") == 0)
		return true;
	problem_send(request, 409, "this certification is %s: only a supervisor may change it now",
		     db_text(current, 0, COL_STATUS));
	return false;
}

/* True unless the patch makes the certification active without If-Match: a move to
 * active verifies it (or reinstates it), and binds to the version read as /verify does;
 * else answers 428. patch_run has already checked an If-Match that was sent. */
static bool verification_as_read(struct request *request, const PGresult *current, const char *from,
				 const char *to)
{
	bool verifies = from && to && strcmp(to, "active") == 0 && strcmp(from, "active") != 0;
	return !verifies ||
	       precondition_holds(request, "certification", db_integer(current, 0, COL_VERSION),
				  IF_MATCH_REQUIRED);
}

/* A verification as read, the dates in order, and a status change one the graph allows
 * (rules/certification.c): the same rules as /verify, so PATCH cannot revive a revoked or
 * expired certification. */
static bool patch_consistent(struct request *request, const PGresult *current, const json_t *before,
			     const json_t *after)
{
	const char *from = json_string_value(json_object_get(before, "status"));
	const char *to = json_string_value(json_object_get(after, "status"));
	if (!verification_as_read(request, current, from, to) || !dates_in_order(request, after))
		return false;
	struct civil_date expires_on;
	char why[160];
	if (!from || !to ||
	    !civil_date_parse(json_string_value(json_object_get(after, "expires_on")),
			      &expires_on) ||
	    certification_move_allowed(from, to, expires_on, date_column(current, 0, COL_TODAY),
				       why, sizeof why))
		return true;
	problem_send(request, 409, "%s", why);
	return false;
}

static PGresult *write_certification(struct request *request, struct db_conn *db, const char *id,
				     const json_t *doc)
{
	struct certification_values values;
	certification_values_from(doc, &values);
	enum db_status status =
		db_exec(db, &CERTIFICATION_UPDATE,
			DB_ARGS(id, values.credential, values.issuing_authority, values.state,
				values.number, values.issued_on, values.expires_on,
				values.training_hours, values.ceu_hours, values.status,
				request->caller.subject, values.required_total,
				values.required_ethics, values.required_peer_specific),
			NULL);
	if (status != DB_OK) {
		problem_send_constraint(request, status, db, CERTIFICATION_CONSTRAINTS);
		return NULL;
	}
	return select_certification(request, db, id);
}

static const struct patch_target CERTIFICATION_PATCH = {
	.noun = "certification",
	.lock = &CERTIFICATION_SELECT_FOR_UPDATE,
	.fields = CERTIFICATION_FIELDS,
	.render = certification_render,
	.version_column = COL_VERSION,
	.admit = admit_patch,
	.check = patch_consistent,
	.write = write_certification,
};

void certifications_patch(struct request *request)
{
	const char *id = request_id_param(request, "id");
	if (id)
		patch_run(request, id, &CERTIFICATION_PATCH);
}

/* Why certification current cannot be verified now, or NULL when it can. */
static const char *verify_refusal(const PGresult *current, char *out, size_t size)
{
	const char *status = db_text(current, 0, COL_STATUS);
	if (strcmp(status, "active") == 0)
		return "the certification is already active";
	if (!certification_move_allowed(status, "active", date_column(current, 0, COL_EXPIRES_ON),
					date_column(current, 0, COL_TODAY), out, size))
		return out;
	return NULL;
}

/* Verifies the locked row current inside the open transaction; returns the new row or
 * NULL after answering. */
static PGresult *verify_locked(struct request *request, struct db_conn *db, const char *id,
			       const PGresult *current)
{
	char reason[128];
	const char *refusal = NULL;
	if (!may_see(request, current)) {
		problem_send(request, 404, "there is no such certification");
		return NULL;
	}
	/* Verifying attests to the record the supervisor reviewed; its holder may have
	 * corrected it since (it is theirs to change while pending). */
	if (!precondition_holds(request, "certification", db_integer(current, 0, COL_VERSION),
				IF_MATCH_REQUIRED))
		return NULL;
	if ((refusal = verify_refusal(current, reason, sizeof reason))) {
		problem_send(request, 409, "%s", refusal);
		return NULL;
	}
	enum db_status status =
		db_exec(db, &CERTIFICATION_VERIFY, DB_ARGS(id, request->caller.subject), NULL);
	if (status != DB_OK) {
		problem_send_database(request, status);
		return NULL;
	}
	return select_certification(request, db, id);
}

/* A certification is verified once: sent again by who verified it, with the If-Match of
 * what they reviewed, the request is a retry whose answer was lost, and gets the
 * certification as it is now rather than 412. True after answering so. */
static bool repeats_verification(struct request *request, struct db_conn *db,
				 const PGresult *current)
{
	long long version = db_integer(current, 0, COL_VERSION);
	if (!may_see(request, current) ||
	    !idempotency_repeats_change(request, db_text(current, 0, COL_VERIFIED_BY), version))
		return false;
	idempotency_release(db);
	idempotency_answer_current(request, certification_render(current, 0), version);
	return true;
}

void certifications_verify(struct request *request)
{
	const char *id = request_id_param(request, "id");
	struct db_conn *db = id ? request_db(request) : NULL;
	struct idempotency claim;
	if (!db ||
	    idempotency_start(request, db, &CERTIFICATION_REPLAY, &claim) != IDEMPOTENCY_PROCEED)
		return;
	PGresult *current = NULL;
	enum db_status status =
		db_exec(db, &CERTIFICATION_SELECT_FOR_UPDATE, DB_ARGS(id), &current);
	if (status != DB_OK)
		problem_send_database(request, status);
	if (current && repeats_verification(request, db, current)) {
		PQclear(current);
		return;
	}
	PGresult *verified = current ? verify_locked(request, db, id, current) : NULL;
	PQclear(current);
	if (verified) {
		struct idempotency_answer answer = {200, NULL, db_integer(verified, 0, COL_VERSION),
						    certification_render(verified, 0), id};
		(void)idempotency_commit(request, db, &claim, &answer);
	} else {
		idempotency_release(db);
	}
	PQclear(verified);
}

bool certification_find_visible(struct request *request, struct db_conn *db, const char *id,
				struct certification_ref *out)
{
	PGresult *res = certification_read(request, db, id);
	if (!res)
		return false;
	snprintf(out->id, sizeof out->id, "%s", db_text(res, 0, COL_ID));
	out->today = date_column(res, 0, COL_TODAY);
	PQclear(res);
	return true;
}
