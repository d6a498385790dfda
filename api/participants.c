/* Participants (API.md): the people a provider serves. A referral creates one, or a
 * supervisor records a walk-in. Supervisors read and correct their organization's; a
 * specialist reads only the participants whose referral is assigned to them; partners and
 * reporters never read them. */
#include "participants.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "audit.h"
#include "civil_date.h"
#include "db.h"
#include "idempotency.h"
#include "language_tag.h"
#include "pagination.h"
#include "patch.h"
#include "problem.h"
#include "query.h"
#include "request.h"
#include "respond.h"
#include "row_json.h"
#include "validate.h"

/* Digits with the usual separators, optionally after +: what people type. */
static const char *check_phone(const json_t *value)
{
	const char *text = json_string_value(value);
	size_t digits = 0;
	for (const char *c = text; *c; c++) {
		if (*c >= '0' && *c <= '9')
			digits++;
		else if (!strchr(" ().-", *c) && !(*c == '+' && c == text))
			return "must be a phone number: digits, spaces, ( ) . - and a leading +";
	}
	return digits >= 7 && digits <= 15 ? NULL : "must hold 7 to 15 digits";
}

/* local@domain.tld without spaces: the shape, not deliverability. */
static const char *check_email(const json_t *value)
{
	const char *text = json_string_value(value);
	const char *at = strchr(text, '@');
	const char *dot = at ? strrchr(at, '.') : NULL;
	bool shaped = at && at != text && !strchr(at + 1, '@') && dot && dot > at + 1 && dot[1] &&
		      !strchr(text, ' ') && !text_has_control(text);
	return shaped ? NULL : "must be an email address such as name@example.org";
}

/* A birth date no later than today in any US zone: UTC's tomorrow at the latest, since
 * Guam and Saipan are ten hours ahead of UTC and every other zone behind it. */
static const char *check_born(const json_t *value)
{
	struct civil_date born;
	time_t now = time(NULL);
	struct tm utc;
	if (!civil_date_parse(json_string_value(value), &born) || !gmtime_r(&now, &utc))
		return NULL; /* the date's shape is checked by FIELD_DATE */
	struct civil_date utc_today = {utc.tm_year + 1900, utc.tm_mon + 1, utc.tm_mday};
	if (civil_date_compare(born, civil_date_add_days(utc_today, 1)) > 0)
		return "cannot be in the future";
	return born.year >= 1900 ? NULL : "must be in 1900 or later";
}

static const char *check_language(const json_t *value)
{
	return language_tag_is_valid(json_string_value(value))
		       ? NULL
		       : "must be a BCP 47 language tag such as en or es-MX";
}

static const struct field_rule YOUTH_FIELDS[] = {
	{.name = "given_name",
	 .type = FIELD_STRING,
	 .required = true,
	 .min = 1,
	 .max = 100,
	 .check = check_plain_text},
	{.name = "birth_date", .type = FIELD_DATE, .required = true, .check = check_born},
	{0},
};

/* A walk-in's organization_id is read apart (participants_create): inside a referral the
 * organization is the provider's, and it never changes afterwards. */
const struct field_rule PARTICIPANT_FIELDS[] = {
	{.name = "given_name",
	 .type = FIELD_STRING,
	 .required = true,
	 .min = 1,
	 .max = 100,
	 .check = check_plain_text},
	{.name = "family_name",
	 .type = FIELD_STRING,
	 .required = true,
	 .min = 1,
	 .max = 100,
	 .check = check_plain_text},
	{.name = "preferred_name",
	 .type = FIELD_STRING,
	 .nullable = true,
	 .min = 1,
	 .max = 100,
	 .check = check_plain_text},
	{.name = "birth_date", .type = FIELD_DATE, .nullable = true, .check = check_born},
	{.name = "phone",
	 .type = FIELD_STRING,
	 .nullable = true,
	 .min = 7,
	 .max = 20,
	 .check = check_phone},
	{.name = "email",
	 .type = FIELD_STRING,
	 .nullable = true,
	 .min = 3,
	 .max = 254,
	 .check = check_email},
	{.name = "county",
	 .type = FIELD_STRING,
	 .nullable = true,
	 .min = 1,
	 .max = 100,
	 .check = check_plain_text},
	{.name = "preferred_language",
	 .type = FIELD_STRING,
	 .nullable = true,
	 .min = 2,
	 .max = LANGUAGE_TAG_MAX,
	 .check = check_language},
	{.name = "youth", .type = FIELD_OBJECT, .nullable = true, .fields = YOUTH_FIELDS},
	{.name = "id", .type = FIELD_READ_ONLY},
	{.name = "organization_id", .type = FIELD_READ_ONLY},
	{.name = "merged_into", .type = FIELD_READ_ONLY},
	{.name = "version", .type = FIELD_READ_ONLY},
	{.name = "created_at", .type = FIELD_READ_ONLY},
	{.name = "updated_at", .type = FIELD_READ_ONLY},
	{0},
};

static const struct constraint_answer PARTICIPANT_CONSTRAINTS[] = {
	{"participants_organization_fkey", 422, "organization_id",
	 "must be a provider organization"},
	{0},
};

/* A participant's columns, in the order of their JSON. */
/* clang-format off */
#define PARTICIPANT_COLUMN_LIST(X, _)                                                            \
	X(COL_ID, "p.id", "id", ROW_STRING)                                                      \
	_ X(COL_ORGANIZATION_ID, "p.organization_id", "organization_id", ROW_STRING)             \
	_ X(COL_GIVEN_NAME, "p.given_name", "given_name", ROW_STRING)                            \
	_ X(COL_FAMILY_NAME, "p.family_name", "family_name", ROW_STRING)                         \
	_ X(COL_PREFERRED_NAME, "p.preferred_name", "preferred_name", ROW_STRING)                \
	_ X(COL_BIRTH_DATE, "to_char(p.birth_date, 'YYYY-MM-DD')", "birth_date", ROW_STRING)     \
	_ X(COL_PHONE, "p.phone", "phone", ROW_STRING)                                           \
	_ X(COL_EMAIL, "p.email", "email", ROW_STRING)                                           \
	_ X(COL_COUNTY, "p.county", "county", ROW_STRING)                                        \
	_ X(COL_PREFERRED_LANGUAGE, "p.preferred_language", "preferred_language", ROW_STRING)    \
	_ X(COL_YOUTH_GIVEN_NAME, "p.youth_given_name", "youth", ROW_CUSTOM(youth_render))       \
	_ X(COL_YOUTH_BIRTH_DATE, "to_char(p.youth_birth_date, 'YYYY-MM-DD')", NULL, ROW_HIDDEN) \
	_ X(COL_MERGED_INTO, "p.merged_into", "merged_into", ROW_STRING)                         \
	_ X(COL_VERSION, "p.version", "version", ROW_INTEGER)                                    \
	_ X(COL_CREATED_AT, "peerd_timestamp(p.created_at)", "created_at", ROW_STRING)           \
	_ X(COL_UPDATED_AT, "peerd_timestamp(p.updated_at)", "updated_at", ROW_STRING)           \
	_ X(COL_POSITION, "peerd_position(p.created_at)", NULL, ROW_HIDDEN)
/* clang-format on */

enum {
	PARTICIPANT_COLUMN_LIST(ROW_COLUMN_ENUM, )
		COL_IN_FAMILY_SUPPORT, /* PARTICIPANT_SELECT_FOR_UPDATE only */
};

#define PARTICIPANT_COLUMNS PARTICIPANT_COLUMN_LIST(ROW_COLUMN_SQL, ", ")

/* Who may see participant p: $1 the caller's organization (NULL for an admin), $2 a
 * specialist caller's subject (NULL otherwise). Defined once: sql/schema.sql. */
#define PARTICIPANT_VISIBLE " peerd_participant_visible(p.id, $1::uuid, $2::text)"

static const struct db_statement PARTICIPANT_VISIBLE_CHECK = {
	"participant_visible_check", "SELECT peerd_participant_visible($3, $1::uuid, $2::text)"};

static const struct db_statement PARTICIPANT_SELECT = {
	"participant_select", "SELECT " PARTICIPANT_COLUMNS " FROM participants p WHERE p.id = $3"
			      " AND" PARTICIPANT_VISIBLE};

/* As PARTICIPANT_SELECT, with participant_record_find's parameters ($1 the id). */
static const struct db_statement PARTICIPANT_SELECT_VISIBLE_FIRST = {
	"participant_select_visible_first",
	"SELECT " PARTICIPANT_COLUMNS " FROM participants p WHERE p.id = $1"
	" AND peerd_participant_visible(p.id, $2::uuid, $3::text)"};

static const struct db_statement PARTICIPANT_SELECT_FOR_UPDATE = {
	"participant_select_for_update",
	"SELECT " PARTICIPANT_COLUMNS ", EXISTS (SELECT 1 FROM referrals r"
	" WHERE r.participant_id = p.id AND r.service_type = 'family')"
	" FROM participants p WHERE p.id = $1 FOR UPDATE OF p"};

/* The organization conditions are implied by visibility, written out so the organization's
 * index finds the page. */
#define PARTICIPANT_LIST_FROM_WHERE                                                             \
	" FROM participants p"                                                                  \
	" WHERE" PARTICIPANT_VISIBLE " AND ($1::uuid IS NULL OR p.organization_id = $1::uuid)"  \
	" AND ($3::uuid IS NULL OR p.organization_id = $3::uuid)"                               \
	" AND ($4::text IS NULL OR strpos(lower(p.given_name || ' ' || p.family_name || ' ' ||" \
	" coalesce(p.preferred_name, '')), lower($4::text)) > 0)"                               \
	" AND ($5::text IS NULL OR lower(p.county) = lower($5::text))"
PAGE_STATEMENTS(PARTICIPANT_LIST, "participant_list", PARTICIPANT_COLUMNS, "p",
		PARTICIPANT_LIST_FROM_WHERE, "$6", "$7", "$8", "$9");

/* The id is made here, not returned: a partner's intake may add a person it cannot read
 * back until the referral naming them exists (row-level security, sql/010). */
static const struct db_statement PARTICIPANT_INSERT = {
	"participant_insert",
	"INSERT INTO participants (organization_id, given_name, family_name, preferred_name,"
	" birth_date, phone, email, county, preferred_language, youth_given_name,"
	" youth_birth_date, id) VALUES ($1, $2, $3, $4, $5::date, $6, $7, $8, $9, $10,"
	" $11::date, $12)"};

static const struct db_statement PARTICIPANT_UPDATE = {
	"participant_update",
	"UPDATE participants AS p SET given_name = $2, family_name = $3, preferred_name = $4,"
	" birth_date = $5::date, phone = $6, email = $7, county = $8, preferred_language = $9,"
	" youth_given_name = $10, youth_birth_date = $11::date, version = version + 1,"
	" updated_at = now() WHERE id = $1 RETURNING " PARTICIPANT_COLUMNS};

/* The youth a family is supported for, or null: column is the youth's given name. */
static json_t *youth_render(const PGresult *res, int row, int column)
{
	if (!db_text(res, row, column))
		return json_null();
	return json_pack("{s:s, s:s}", "given_name", db_text(res, row, column), "birth_date",
			 db_text(res, row, COL_YOUTH_BIRTH_DATE));
}

static const struct row_json_member PARTICIPANT_JSON[] = {
	PARTICIPANT_COLUMN_LIST(ROW_COLUMN_MEMBER, )};
static const struct row_json_table PARTICIPANT_JSON_ROWS = ROW_JSON_TABLE(PARTICIPANT_JSON);

/* One row as the API's JSON; returns a new reference. */
static json_t *participant_render(const PGresult *res, int row)
{
	return row_json_render(PARTICIPANT_JSON, sizeof PARTICIPANT_JSON / sizeof *PARTICIPANT_JSON,
			       res, row);
}

/* The SQL parameters of a participant document, in PARTICIPANT_INSERT's order after the
 * organization (and PARTICIPANT_UPDATE's after the id). */
#define PARTICIPANT_SQL_ARGS(doc, youth)                                                          \
	member_text(doc, "given_name"), member_text(doc, "family_name"),                          \
		member_text(doc, "preferred_name"), member_text(doc, "birth_date"),               \
		member_text(doc, "phone"), member_text(doc, "email"), member_text(doc, "county"), \
		member_text(doc, "preferred_language"), member_text(youth, "given_name"),         \
		member_text(youth, "birth_date")

struct db_step participant_insert_step(const char *organization_id, const json_t *doc,
				       const char *id,
				       const char *values[PARTICIPANT_INSERT_VALUES])
{
	const json_t *youth = json_object_get(doc, "youth");
	const char *const given[PARTICIPANT_INSERT_VALUES] = {organization_id,
							      PARTICIPANT_SQL_ARGS(doc, youth), id};
	memcpy(values, given, sizeof given);
	return (struct db_step){&PARTICIPANT_INSERT, PARTICIPANT_INSERT_VALUES, values, NULL};
}

bool participant_insert(struct request *request, struct db_conn *db, const char *organization_id,
			const json_t *doc, char id[UUID_TEXT_SIZE])
{
	if (!uuid_generate_v4(id)) {
		problem_send_unavailable(request, "no random id could be made; try again");
		return false;
	}
	const char *values[PARTICIPANT_INSERT_VALUES];
	struct db_step insert = participant_insert_step(organization_id, doc, id, values);
	enum db_status status = db_exec(db, insert.stmt, insert.count, insert.values, NULL);
	if (status != DB_OK) {
		problem_send_constraint(request, status, db, PARTICIPANT_CONSTRAINTS);
		return false;
	}
	return true;
}

/* The provider's participant an intake serves (sql/038's peerd_intake_participant: same
 * case-folded names and birth date, not merged away, locked), or NULL. */
static const struct db_statement PARTICIPANT_INTAKE_MATCH = {
	"participant_intake_match", "SELECT peerd_intake_participant($1::uuid, $2, $3, $4::date)"};

struct db_step participant_intake_match_step(const char *organization_id, const json_t *doc,
					     const char *values[PARTICIPANT_INTAKE_MATCH_VALUES],
					     PGresult **out)
{
	values[0] = organization_id;
	values[1] = member_text(doc, "given_name");
	values[2] = member_text(doc, "family_name");
	values[3] = member_text(doc, "birth_date");
	return (struct db_step){&PARTICIPANT_INTAKE_MATCH, PARTICIPANT_INTAKE_MATCH_VALUES, values,
				out};
}

bool participant_intake_found(struct request *request, const PGresult *match,
			      char id[UUID_TEXT_SIZE], bool *reused)
{
	*reused = db_text(match, 0, 0) != NULL;
	if (*reused) {
		snprintf(id, UUID_TEXT_SIZE, "%s", db_text(match, 0, 0));
		return true;
	}
	if (!uuid_generate_v4(id)) {
		problem_send_unavailable(request, "no random id could be made; try again");
		return false;
	}
	return true;
}

void participant_visibility_args(const struct request *request, const char **organization_id,
				 const char **specialist_subject)
{
	const struct principal *caller = &request->caller;
	*organization_id = caller->role == ROLE_ADMIN ? NULL : caller->organization_id;
	*specialist_subject = caller->role == ROLE_SPECIALIST ? caller->subject : NULL;
}

/* The organization of a walk-in: the body's organization_id (an admin's choice; a
 * supervisor's must be their own) or the caller's. NULL after answering 422. */
static const char *walk_in_organization(struct request *request, char buffer[UUID_TEXT_SIZE])
{
	const struct principal *caller = &request->caller;
	const json_t *given = json_object_get(request->body, "organization_id");
	if (given && (!json_is_string(given) || !uuid_is_valid(json_string_value(given)))) {
		problem_send_field(request, "organization_id", "must be a UUID");
		return NULL;
	}
	if (given)
		uuid_normalize(json_string_value(given), buffer);
	const char *organization_id =
		given ? buffer : (caller->has_organization ? caller->organization_id : NULL);
	if (!organization_id)
		problem_send_field(request, "organization_id",
				   "is required: the provider organization serving the person");
	else if (caller->role != ROLE_ADMIN &&
		 !auth_may_access_organization(caller, organization_id))
		problem_send_field(request, "organization_id", "must be your own organization");
	else
		return organization_id;
	return NULL;
}

PGresult *participant_record_find(struct request *request, struct db_conn *db,
				  const struct db_statement *stmt, const char *id, const char *noun)
{
	const char *scope, *subject;
	participant_visibility_args(request, &scope, &subject);
	PGresult *res = NULL;
	enum db_status status = db_exec(db, stmt, DB_ARGS(id, scope, subject), &res);
	if (status != DB_OK) {
		problem_send_database(request, status);
		return NULL;
	}
	if (PQntuples(res) == 0) {
		problem_send(request, 404, "there is no such %s", noun);
		PQclear(res);
		return NULL;
	}
	return res;
}

/* Participant id as GET /v1/participants/{id} reads it, with the read recorded for the
 * audit trail; NULL after answering 404 (or 503). */
static PGresult *participant_read(struct request *request, struct db_conn *db, const char *id)
{
	const char *scope, *subject;
	participant_visibility_args(request, &scope, &subject);
	PGresult *res = NULL;
	enum db_status status = db_read(db, &PARTICIPANT_SELECT, DB_ARGS(scope, subject, id), &res);
	if (status != DB_OK) {
		problem_send_database(request, status);
		return NULL;
	}
	if (PQntuples(res) == 0) {
		problem_send(request, 404, "there is no such participant");
		PQclear(res);
		return NULL;
	}
	audit_record(request, AUDIT_READ, "participant", id, db_text(res, 0, COL_ORGANIZATION_ID));
	return res;
}

static const struct idempotency_resource PARTICIPANT_REPLAY = {"participant", participant_read};

/* Writes the walk-in person of organization_id in the open transaction, then commits it
 * with the answer for claim. Returns false after answering otherwise. */
static bool walk_in_create(struct request *request, struct db_conn *db, const char *organization_id,
			   const json_t *person, const struct idempotency *claim)
{
	char id[UUID_TEXT_SIZE];
	if (!participant_insert(request, db, organization_id, person, id))
		return false;
	const char *scope, *subject;
	participant_visibility_args(request, &scope, &subject);
	PGresult *res = NULL;
	enum db_status status = db_exec(db, &PARTICIPANT_SELECT, DB_ARGS(scope, subject, id), &res);
	if (status != DB_OK) {
		problem_send_database(request, status);
		return false;
	}
	audit_record(request, AUDIT_CREATE, "participant", id, organization_id);
	char location[96];
	snprintf(location, sizeof location, "/v1/participants/%s", id);
	struct idempotency_answer answer = {201, location, 0, participant_render(res, 0), id};
	bool answered = idempotency_commit(request, db, claim, &answer);
	PQclear(res);
	return answered;
}

void participants_create(struct request *request)
{
	char organization_buffer[UUID_TEXT_SIZE];
	const char *organization_id = walk_in_organization(request, organization_buffer);
	if (!organization_id)
		return;
	json_t *person = json_deep_copy(request->body);
	json_object_del(person, "organization_id");
	bool valid = person && request_valid(request, person, PARTICIPANT_FIELDS);
	struct db_conn *db = valid ? request_db(request) : NULL;
	struct idempotency claim;
	bool working = db && idempotency_start(request, db, &PARTICIPANT_REPLAY, &claim) ==
				     IDEMPOTENCY_PROCEED;
	if (working && !walk_in_create(request, db, organization_id, person, &claim))
		idempotency_release(db);
	json_decref(person);
}

void participants_list(struct request *request)
{
	struct page_request page;
	const char *organization_id, *q, *county;
	if (!query_page(request, &page) ||
	    !query_read(request, "organization_id", &organization_id) ||
	    !query_read(request, "q", &q) || !query_read(request, "county", &county))
		return;
	struct db_conn *db = request_db(request);
	if (!db)
		return;
	const char *scope, *subject;
	participant_visibility_args(request, &scope, &subject);
	PGresult *res = NULL;
	enum db_status status = db_read(
		db, PAGE_STATEMENT(PARTICIPANT_LIST, page),
		DB_ARGS(scope, subject, organization_id, q, county, PAGE_SYNC_ARGS(page)), &res);
	audit_record_rows(request, AUDIT_READ, "participant", res, COL_ID, COL_ORGANIZATION_ID,
			  page.limit);
	respond_page(request, status, res, &page, &PARTICIPANT_JSON_ROWS, COL_POSITION, COL_ID);
}

void participants_get(struct request *request)
{
	const char *id = request_id_param(request, "id");
	struct db_conn *db = id ? request_db(request) : NULL;
	PGresult *res = db ? participant_read(request, db, id) : NULL;
	if (!res)
		return;
	respond_resource(request, participant_render(res, 0), db_integer(res, 0, COL_VERSION));
	PQclear(res);
}

static bool admit_patch(struct request *request, struct db_conn *db, const PGresult *current)
{
	(void)db;
	if (auth_may_access_organization(&request->caller,
					 db_text(current, 0, COL_ORGANIZATION_ID)))
		return true;
	problem_send(request, 404, "there is no such participant");
	return false;
}

/* A parent in family support keeps the youth the support is for. */
static bool youth_kept(struct request *request, const PGresult *current, const json_t *before,
		       const json_t *after)
{
	(void)before;
	if (!db_boolean(current, 0, COL_IN_FAMILY_SUPPORT) ||
	    json_is_object(json_object_get(after, "youth")))
		return true;
	problem_send_field(request, "youth",
			   "is required while the person has a family support "
			   "referral");
	return false;
}

static PGresult *write_participant(struct request *request, struct db_conn *db, const char *id,
				   const json_t *doc)
{
	const json_t *youth = json_object_get(doc, "youth");
	PGresult *res = NULL;
	enum db_status status = db_exec(db, &PARTICIPANT_UPDATE,
					DB_ARGS(id, PARTICIPANT_SQL_ARGS(doc, youth)), &res);
	if (status != DB_OK)
		problem_send_constraint(request, status, db, PARTICIPANT_CONSTRAINTS);
	return res;
}

static const struct patch_target PARTICIPANT_PATCH = {
	.noun = "participant",
	.lock = &PARTICIPANT_SELECT_FOR_UPDATE,
	.fields = PARTICIPANT_FIELDS,
	.render = participant_render,
	.version_column = COL_VERSION,
	.admit = admit_patch,
	.check = youth_kept,
	.audit_type = "participant",
	.organization_column = COL_ORGANIZATION_ID,
	.write = write_participant,
};

void participants_patch(struct request *request)
{
	const char *id = request_id_param(request, "id");
	if (id)
		patch_run(request, id, &PARTICIPANT_PATCH);
}

bool participant_records_visible(struct request *request, struct db_conn *db,
				 const char *participant_id, const char *noun)
{
	const char *scope, *subject;
	participant_visibility_args(request, &scope, &subject);
	PGresult *res = NULL;
	enum db_status status = db_exec(db, &PARTICIPANT_VISIBLE_CHECK,
					DB_ARGS(scope, subject, participant_id), &res);
	bool visible = status == DB_OK && db_boolean(res, 0, 0);
	PQclear(res);
	if (status != DB_OK)
		problem_send_database(request, status);
	else if (!visible)
		problem_send(request, 404, "there is no such %s", noun);
	return visible;
}

bool participant_visible(struct request *request, struct db_conn *db, const char *participant_id)
{
	return participant_records_visible(request, db, participant_id, "participant");
}

void participant_records_page(struct request *request, struct db_conn *db,
			      const char *participant_id, enum db_status status, PGresult *res,
			      const struct page_request *page,
			      const struct participant_record_page *shape, int position_column)
{
	if (participant_id && status == DB_OK && PQntuples(res) == 0 &&
	    !participant_visible(request, db, participant_id)) {
		PQclear(res);
		return;
	}
	audit_record_rows(request, AUDIT_READ, shape->resource_type, res, shape->id_column,
			  shape->organization_column, page->limit);
	respond_page(request, status, res, page, &shape->rows, position_column, shape->id_column);
}

/* The possible duplicates of participant $1 (API.md): others of its organization, not
 * merged away, matching on (birth date and case-folded family name), phone digits or
 * case-folded email; each with the rules it matched. $2 to $4: the cursor and count. */
static const struct db_statement PARTICIPANT_POSSIBLE_DUPLICATES = {
	"participant_possible_duplicates",
	"SELECT " PARTICIPANT_COLUMNS ", array_to_json(m.rules) FROM participants t"
	" JOIN participants p ON p.organization_id = t.organization_id AND p.id <> t.id"
	" AND p.merged_into IS NULL"
	" CROSS JOIN LATERAL (SELECT array_remove(ARRAY["
	" CASE WHEN p.birth_date = t.birth_date AND lower(p.family_name) = lower(t.family_name)"
	" THEN 'birth_date_and_family_name' END,"
	" CASE WHEN regexp_replace(p.phone, '\\D', '', 'g') <> ''"
	" AND regexp_replace(p.phone, '\\D', '', 'g') = regexp_replace(t.phone, '\\D', '', 'g')"
	" THEN 'phone' END,"
	" CASE WHEN lower(p.email) = lower(t.email) THEN 'email' END], NULL) AS rules) m"
	" WHERE t.id = $1 AND cardinality(m.rules) > 0"
	" AND ($2::bigint IS NULL OR (p.created_at, p.id) < (peerd_from_position($2::bigint),"
	" $3::uuid))"
	" ORDER BY p.created_at DESC, p.id DESC LIMIT $4::int"};

enum { COL_MATCHED_ON = COL_IN_FAMILY_SUPPORT };

/* A possible duplicate: the participant and matched_on. */
static json_t *possible_duplicate_render(const PGresult *res, int row)
{
	json_t *item = participant_render(res, row);
	json_t *rules = json_loads(db_text(res, row, COL_MATCHED_ON), 0, NULL);
	json_object_set_new(item, "matched_on", rules ? rules : json_array());
	return item;
}

void participants_possible_duplicates(struct request *request)
{
	struct page_request page;
	const char *id = request_id_param(request, "id");
	if (!id || !query_page(request, &page))
		return;
	struct db_conn *db = request_db(request);
	if (!db || !participant_visible(request, db, id))
		return;
	PGresult *res = NULL;
	enum db_status status = db_read(db, &PARTICIPANT_POSSIBLE_DUPLICATES,
					DB_ARGS(id, PAGE_SQL_ARGS(page)), &res);
	audit_record_rows(request, AUDIT_READ, "participant", res, COL_ID, COL_ORGANIZATION_ID,
			  page.limit);
	/* Each row gains matched_on in C, so this page keeps a document per row. */
	if (status == DB_OK)
		respond_json(
			request, 200,
			page_render(res, &page, possible_duplicate_render, COL_POSITION, COL_ID));
	else
		problem_send_database(request, status);
	PQclear(res);
}

static const struct field_rule MERGE_FIELDS[] = {
	{.name = "duplicate_id", .type = FIELD_UUID, .required = true},
	{0},
};

/* sql/038's merge, in the caller's scope: 'merged' or why nothing changed. */
static const struct db_statement PARTICIPANT_MERGE = {
	"participant_merge", "SELECT peerd_merge_participant($1::uuid, $2::uuid)"};

/* Answers why sql/038's merge changed nothing (outcome); true when it merged. */
static bool merge_outcome(struct request *request, const char *outcome)
{
	if (strcmp(outcome, "merged") == 0)
		return true;
	if (strcmp(outcome, "missing") == 0)
		problem_send(request, 404, "there is no such participant");
	else if (strcmp(outcome, "merged_already") == 0)
		problem_send(request, 409,
			     "a participant here was already merged into another (merged_into)");
	else
		problem_send(request, 409,
			     "both participants have an open episode of one program; close one "
			     "first");
	return false;
}

/* Merges duplicate into id in the open transaction, records it for both, commits it with
 * the answer for claim (200: the surviving participant). False after answering. */
static bool merge_commit(struct request *request, struct db_conn *db, const char *id,
			 const char *duplicate, const struct idempotency *claim)
{
	if (!participant_visible(request, db, id) || !participant_visible(request, db, duplicate))
		return false;
	PGresult *res = NULL;
	enum db_status status = db_exec(db, &PARTICIPANT_MERGE, DB_ARGS(id, duplicate), &res);
	if (status != DB_OK) {
		problem_send_database(request, status);
		return false;
	}
	bool merged = merge_outcome(request, db_text(res, 0, 0));
	PQclear(res);
	res = merged ? participant_record_find(request, db, &PARTICIPANT_SELECT_VISIBLE_FIRST, id,
					       "participant")
		     : NULL;
	if (!res)
		return false;
	const char *organization_id = db_text(res, 0, COL_ORGANIZATION_ID);
	audit_record(request, AUDIT_MERGE, "participant", id, organization_id);
	audit_record(request, AUDIT_MERGE, "participant", duplicate, organization_id);
	struct idempotency_answer answer = {200, NULL, db_integer(res, 0, COL_VERSION),
					    participant_render(res, 0), id};
	bool answered = idempotency_commit(request, db, claim, &answer);
	PQclear(res);
	return answered;
}

/* The duplicate named by the body, other than id; NULL after answering 422. */
static const char *merge_duplicate(struct request *request, const char *id,
				   char duplicate[UUID_TEXT_SIZE])
{
	if (!request_valid(request, request->body, MERGE_FIELDS))
		return NULL;
	uuid_normalize(json_string_value(json_object_get(request->body, "duplicate_id")),
		       duplicate);
	if (strcmp(duplicate, id) != 0)
		return duplicate;
	problem_send_field(request, "duplicate_id",
			   "must be another participant: one cannot merge into itself");
	return NULL;
}

void participants_merge(struct request *request)
{
	/* Another organization's participant is not found, whatever the body; the key is
	 * claimed before the body is read, so a key reused with another body is refused as
	 * such. */
	const char *id = request_id_param(request, "id");
	struct db_conn *db = id ? request_db(request) : NULL;
	if (!db || !participant_visible(request, db, id))
		return;
	char buffer[UUID_TEXT_SIZE];
	struct idempotency claim;
	if (idempotency_start(request, db, &PARTICIPANT_REPLAY, &claim) != IDEMPOTENCY_PROCEED)
		return;
	const char *duplicate = merge_duplicate(request, id, buffer);
	if (!duplicate || !merge_commit(request, db, id, duplicate, &claim))
		idempotency_release(db);
}
