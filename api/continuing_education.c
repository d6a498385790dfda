/* Continuing education entries of a certification. Whoever may see the certification
 * may read them and add one; the renewal readiness of the certification
 * (api/certifications.c) counts them. */
#include "continuing_education.h"

#include <stdio.h>
#include <string.h>

#include "certification.h"
#include "certifications.h"
#include "db.h"
#include "hours.h"
#include "idempotency.h"
#include "pagination.h"
#include "problem.h"
#include "query.h"
#include "request.h"
#include "respond.h"
#include "row_json.h"
#include "validate.h"

const struct field_rule CEU_FIELDS[] = {
	{.name = "completed_on", .type = FIELD_DATE, .required = true},
	{.name = "hours",
	 .type = FIELD_NUMBER,
	 .required = true,
	 .min = 0,
	 .max = 100,
	 .check = check_hours},
	{.name = "category", .type = FIELD_ENUM, .required = true, .choices = CEU_CATEGORY_NAMES},
	{.name = "title",
	 .type = FIELD_STRING,
	 .required = true,
	 .min = 1,
	 .max = 200,
	 .check = check_plain_text},
	{.name = "provider",
	 .type = FIELD_STRING,
	 .nullable = true,
	 .min = 1,
	 .max = 200,
	 .check = check_plain_text},
	{.name = "id", .type = FIELD_READ_ONLY},
	{.name = "certification_id", .type = FIELD_READ_ONLY},
	{.name = "version", .type = FIELD_READ_ONLY},
	{.name = "created_at", .type = FIELD_READ_ONLY},
	{.name = "updated_at", .type = FIELD_READ_ONLY},
	{0},
};

/* An entry's columns, in the order of its JSON. */
/* clang-format off */
#define CEU_COLUMN_LIST(X, _)                                                                    \
	X(COL_ID, "id", "id", ROW_STRING)                                                        \
	_ X(COL_CERTIFICATION_ID, "certification_id", "certification_id", ROW_STRING)            \
	_ X(COL_COMPLETED_ON, "to_char(completed_on, 'YYYY-MM-DD')", "completed_on", ROW_STRING) \
	_ X(COL_HOURS, "hours", "hours", ROW_CUSTOM(hours_json_from_column))                     \
	_ X(COL_CATEGORY, "category", "category", ROW_STRING)                                    \
	_ X(COL_TITLE, "title", "title", ROW_STRING)                                             \
	_ X(COL_PROVIDER, "provider", "provider", ROW_STRING)                                    \
	_ X(COL_VERSION, "version", "version", ROW_INTEGER)                                      \
	_ X(COL_CREATED_AT, "peerd_timestamp(created_at)", "created_at", ROW_STRING)             \
	_ X(COL_UPDATED_AT, "peerd_timestamp(updated_at)", "updated_at", ROW_STRING)             \
	_ X(COL_POSITION, "peerd_position(created_at)", NULL, ROW_HIDDEN)
/* clang-format on */

enum { CEU_COLUMN_LIST(ROW_COLUMN_ENUM, ) };

#define CEU_COLUMNS CEU_COLUMN_LIST(ROW_COLUMN_SQL, ", ")

static const struct row_json_member CEU_JSON[] = {CEU_COLUMN_LIST(ROW_COLUMN_MEMBER, )};
static const struct row_json_table CEU_JSON_ROWS = ROW_JSON_TABLE(CEU_JSON);

static const struct db_statement CEU_SELECT = {
	"ceu_select",
	"SELECT " CEU_COLUMNS " FROM continuing_education WHERE id = $1 AND certification_id = $2"};

static const struct db_statement CEU_CERTIFICATION = {
	"ceu_certification", "SELECT certification_id FROM continuing_education WHERE id = $1"};

#define CEU_LIST_FROM_WHERE " FROM continuing_education e WHERE certification_id = $1"
PAGE_STATEMENTS(CEU_LIST, "ceu_list", CEU_COLUMNS, "e", CEU_LIST_FROM_WHERE, "$2", "$3", "$4",
		"$5");

static const struct db_statement CEU_INSERT = {
	"ceu_insert",
	"INSERT INTO continuing_education (certification_id, completed_on, hours, category, title,"
	" provider) VALUES ($1, $2::date, $3::numeric, $4::ceu_category, $5, $6)"
	" RETURNING " CEU_COLUMNS};

/* One row as the API's JSON; returns a new reference. */
static json_t *ceu_render(const PGresult *res, int row)
{
	return row_json_render(CEU_JSON, sizeof CEU_JSON / sizeof *CEU_JSON, res, row);
}

/* Hours cannot be completed on a day that has not come yet where the holder works. */
static bool completed_by_today(struct request *request,
			       const struct certification_ref *certification)
{
	struct civil_date completed;
	if (!civil_date_parse(json_string_value(json_object_get(request->body, "completed_on")),
			      &completed) ||
	    civil_date_compare(completed, certification->today) <= 0)
		return true;
	problem_send_field(request, "completed_on", "cannot be after today");
	return false;
}

/* Zero hours count for nothing: the validator admits 0 for the range, this refuses it. */
static bool hours_positive(struct request *request)
{
	if (json_number_value(json_object_get(request->body, "hours")) > 0)
		return true;
	problem_send_field(request, "hours", "must be more than 0");
	return false;
}

/* Entry id of certification (which the caller may see); NULL after answering 404 (or
 * 503). */
static PGresult *ceu_read_of(struct request *request, struct db_conn *db,
			     const struct certification_ref *certification, const char *id)
{
	PGresult *res = NULL;
	enum db_status status = db_read(db, &CEU_SELECT, DB_ARGS(id, certification->id), &res);
	if (status != DB_OK) {
		problem_send_database(request, status);
		return NULL;
	}
	if (PQntuples(res) == 0) {
		problem_send(request, 404, "there is no such continuing education entry");
		PQclear(res);
		return NULL;
	}
	return res;
}

/* Entry id as GET /v1/certifications/{certification}/ceus/{id} reads it, its
 * certification found from the entry: for a replayed Idempotency-Key. */
static PGresult *ceu_read(struct request *request, struct db_conn *db, const char *id)
{
	PGresult *res = NULL;
	enum db_status status = db_read(db, &CEU_CERTIFICATION, DB_ARGS(id), &res);
	struct certification_ref certification;
	bool found = status == DB_OK && PQntuples(res) == 1;
	if (status != DB_OK)
		problem_send_database(request, status);
	else if (!found)
		problem_send(request, 404, "there is no such continuing education entry");
	found = found &&
		certification_find_visible(request, db, db_text(res, 0, 0), &certification);
	PQclear(res);
	return found ? ceu_read_of(request, db, &certification, id) : NULL;
}

static const struct idempotency_resource CEU_REPLAY = {"continuing_education", ceu_read};

/* Checks and writes the body's entry of certification certification_id in the open
 * transaction, then commits it with the answer for claim. Returns false after answering
 * otherwise. */
static bool ceu_create(struct request *request, struct db_conn *db, const char *certification_id,
		       const struct idempotency *claim)
{
	struct certification_ref certification;
	if (!certification_find_visible(request, db, certification_id, &certification) ||
	    !request_valid(request, request->body, CEU_FIELDS) || !hours_positive(request) ||
	    !completed_by_today(request, &certification))
		return false;
	const json_t *body = request->body;
	char hours[32];
	PGresult *res = NULL;
	enum db_status status = db_exec(
		db, &CEU_INSERT,
		DB_ARGS(certification.id, json_string_value(json_object_get(body, "completed_on")),
			hours_sql(json_object_get(body, "hours"), hours, sizeof hours),
			json_string_value(json_object_get(body, "category")),
			json_string_value(json_object_get(body, "title")),
			json_string_value(json_object_get(body, "provider"))),
		&res);
	if (status != DB_OK) {
		problem_send_database(request, status);
		return false;
	}
	const char *id = db_text(res, 0, COL_ID);
	char location[160];
	snprintf(location, sizeof location, "/v1/certifications/%s/ceus/%s", certification.id, id);
	struct idempotency_answer answer = {201, location, 0, ceu_render(res, 0), id};
	bool answered = idempotency_commit(request, db, claim, &answer);
	PQclear(res);
	return answered;
}

void continuing_education_create(struct request *request)
{
	const char *certification_id = request_id_param(request, "id");
	struct db_conn *db = certification_id ? request_db(request) : NULL;
	struct idempotency claim;
	if (!db || idempotency_start(request, db, &CEU_REPLAY, &claim) != IDEMPOTENCY_PROCEED)
		return;
	if (!ceu_create(request, db, certification_id, &claim))
		idempotency_release(db);
}

void continuing_education_list(struct request *request)
{
	const char *certification_id = request_id_param(request, "id");
	struct page_request page;
	if (!certification_id || !query_page(request, &page))
		return;
	struct db_conn *db = request_db(request);
	struct certification_ref certification;
	if (!db || !certification_find_visible(request, db, certification_id, &certification))
		return;
	PGresult *res = NULL;
	enum db_status status = db_read(db, PAGE_STATEMENT(CEU_LIST, page),
					DB_ARGS(certification.id, PAGE_SYNC_ARGS(page)), &res);
	respond_page(request, status, res, &page, &CEU_JSON_ROWS, COL_POSITION, COL_ID);
}

void continuing_education_get(struct request *request)
{
	const char *certification_id = request_id_param(request, "id");
	const char *id = certification_id ? request_id_param(request, "ceu_id") : NULL;
	struct db_conn *db = id ? request_db(request) : NULL;
	struct certification_ref certification;
	if (!db || !certification_find_visible(request, db, certification_id, &certification))
		return;
	PGresult *res = ceu_read_of(request, db, &certification, id);
	if (res)
		respond_resource(request, ceu_render(res, 0), db_integer(res, 0, COL_VERSION));
	PQclear(res);
}
