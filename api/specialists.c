/* Specialists (API.md): profiles of the peer support staff of a provider organization,
 * with their computed caseload and certification. Admins and the organization's
 * supervisors manage them; a specialist reads their own profile and changes only the
 * parts that describe them to the people they serve. */
#include "specialists.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

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

/* Defaults of API.md, used when a client leaves a field out. */
#define DEFAULT_MAX_CASELOAD 15

const char *const SPECIALIST_KINDS[] = {"peer", "family_peer", NULL};
const char *const LIVED_EXPERIENCES[] = {"mental_health", "substance_use", "co_occurring",
					 "caregiver", NULL};

/* What a specialist may change in their own profile. */
static const char *const SELF_WRITABLE[] = {"bio", "languages", "counties", "specialties", NULL};

/* Tags are compared without case (BCP 47), so "es" and "ES" are one language twice. */
static const char *check_languages_distinct(const json_t *tags)
{
	for (size_t i = 0; i < json_array_size(tags); i++) {
		for (size_t j = 0; j < i; j++) {
			if (strcasecmp(json_string_value(json_array_get(tags, i)),
				       json_string_value(json_array_get(tags, j))) == 0)
				return "names a language twice (tags ignore case)";
		}
	}
	return NULL;
}

static const char *check_language_tag(const json_t *item)
{
	return language_tag_is_valid(json_string_value(item))
		       ? NULL
		       : "must be a BCP 47 language tag such as en, es-MX or ase";
}

const struct field_rule SPECIALIST_FIELDS[] = {
	{.name = "organization_id", .type = FIELD_UUID},
	{.name = "subject",
	 .type = FIELD_STRING,
	 .required = true,
	 .min = 1,
	 .max = 255,
	 .check = check_plain_text},
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
	{.name = "kind", .type = FIELD_ENUM, .required = true, .choices = SPECIALIST_KINDS},
	{.name = "lived_experience",
	 .type = FIELD_ENUM_ARRAY,
	 .max = 4,
	 .choices = LIVED_EXPERIENCES},
	{.name = "languages",
	 .type = FIELD_STRING_ARRAY,
	 .max = 20,
	 .item_min = 2,
	 .item_max = LANGUAGE_TAG_MAX,
	 .item_check = check_language_tag,
	 .check = check_languages_distinct},
	{.name = "counties",
	 .type = FIELD_STRING_ARRAY,
	 .max = 50,
	 .item_min = 1,
	 .item_max = 100,
	 .item_check = check_plain_text},
	{.name = "specialties",
	 .type = FIELD_STRING_ARRAY,
	 .max = 30,
	 .item_min = 1,
	 .item_max = 100,
	 .item_check = check_plain_text},
	{.name = "bio", .type = FIELD_STRING, .nullable = true, .min = 0, .max = 4000},
	{.name = "max_caseload", .type = FIELD_INTEGER, .min = 0, .max = 100},
	{.name = "active", .type = FIELD_BOOLEAN},
	{.name = "id", .type = FIELD_READ_ONLY},
	{.name = "caseload", .type = FIELD_READ_ONLY},
	{.name = "certified", .type = FIELD_READ_ONLY},
	{.name = "accepting", .type = FIELD_READ_ONLY},
	{.name = "version", .type = FIELD_READ_ONLY},
	{.name = "created_at", .type = FIELD_READ_ONLY},
	{.name = "updated_at", .type = FIELD_READ_ONLY},
	{0},
};

static const struct constraint_answer SPECIALIST_CONSTRAINTS[] = {
	{"specialists_subject_key", 409, NULL,
	 "another specialist already signs in with this subject"},
	{"specialists_organization_fkey", 422, "organization_id",
	 "must be a provider organization"},
	{0},
};

/* A profile's columns, in the order of its JSON. Profiles are read from the view
 * specialist_profiles (sql/schema.sql), the one definition of the computed caseload,
 * certified and accepting. */
/* clang-format off */
#define SPECIALIST_COLUMN_LIST(X, _)                                                               \
	X(COL_ID, "id", "id", ROW_STRING)                                                          \
	_ X(COL_ORGANIZATION_ID, "organization_id", "organization_id", ROW_STRING)                 \
	_ X(COL_SUBJECT, "subject", "subject", ROW_STRING)                                         \
	_ X(COL_GIVEN_NAME, "given_name", "given_name", ROW_STRING)                                \
	_ X(COL_FAMILY_NAME, "family_name", "family_name", ROW_STRING)                             \
	_ X(COL_KIND, "kind", "kind", ROW_STRING)                                                  \
	_ X(COL_LIVED_EXPERIENCE, "array_to_json(lived_experience)", "lived_experience", ROW_JSON) \
	_ X(COL_LANGUAGES, "array_to_json(languages)", "languages", ROW_JSON)                      \
	_ X(COL_COUNTIES, "array_to_json(counties)", "counties", ROW_JSON)                         \
	_ X(COL_SPECIALTIES, "array_to_json(specialties)", "specialties", ROW_JSON)                \
	_ X(COL_BIO, "bio", "bio", ROW_STRING)                                                     \
	_ X(COL_MAX_CASELOAD, "max_caseload", "max_caseload", ROW_INTEGER)                         \
	_ X(COL_ACTIVE, "active", "active", ROW_BOOLEAN)                                           \
	_ X(COL_CASELOAD, "caseload", "caseload", ROW_INTEGER)                                     \
	_ X(COL_CERTIFIED, "certified", "certified", ROW_BOOLEAN)                                  \
	_ X(COL_ACCEPTING, "accepting", "accepting", ROW_BOOLEAN)                                  \
	_ X(COL_VERSION, "version", "version", ROW_INTEGER)                                        \
	_ X(COL_CREATED_AT, "peerd_timestamp(created_at)", "created_at", ROW_STRING)               \
	_ X(COL_UPDATED_AT, "peerd_timestamp(updated_at)", "updated_at", ROW_STRING)               \
	_ X(COL_POSITION, "peerd_position(created_at)", NULL, ROW_HIDDEN)
/* clang-format on */

enum { SPECIALIST_COLUMN_LIST(ROW_COLUMN_ENUM, ) };

#define SPECIALIST_COLUMNS SPECIALIST_COLUMN_LIST(ROW_COLUMN_SQL, ", ")

static const struct row_json_member SPECIALIST_JSON[] = {
	SPECIALIST_COLUMN_LIST(ROW_COLUMN_MEMBER, )};
static const struct row_json_table SPECIALIST_JSON_ROWS = ROW_JSON_TABLE(SPECIALIST_JSON);

static const struct db_statement SPECIALIST_SELECT = {"specialist_select",
						      "SELECT " SPECIALIST_COLUMNS
						      " FROM specialist_profiles WHERE id = $1"};

static const struct db_statement SPECIALIST_SELECT_FOR_UPDATE = {
	"specialist_select_for_update",
	"SELECT " SPECIALIST_COLUMNS " FROM specialist_profiles WHERE id = $1 FOR UPDATE"};

static const struct db_statement SPECIALIST_SELECT_BY_SUBJECT = {
	"specialist_select_by_subject", "SELECT " SPECIALIST_COLUMNS " FROM specialist_profiles"
					" WHERE subject = $1 AND organization_id = $2"};

/* $1 the caller's organization (NULL for an admin), then the filters, then the cursor
 * ($11, $12) and the row count ($13). */
#define SPECIALIST_LIST_FROM_WHERE                                                             \
	" FROM specialist_profiles sp"                                                         \
	" WHERE ($1::uuid IS NULL OR organization_id = $1::uuid)"                              \
	" AND ($2::uuid IS NULL OR organization_id = $2::uuid)"                                \
	" AND ($3::specialist_kind IS NULL OR kind = $3::specialist_kind)"                     \
	" AND ($4::text IS NULL OR peerd_language_matches(languages, $4::text))"               \
	" AND ($5::text IS NULL OR peerd_name_listed(counties, $5::text))"                     \
	" AND ($6::lived_experience IS NULL OR $6::lived_experience = ANY (lived_experience))" \
	" AND ($7::boolean IS NULL OR certified = $7::boolean)"                                \
	" AND ($8::boolean IS NULL OR accepting = $8::boolean)"                                \
	" AND ($9::boolean IS NULL OR active = $9::boolean)"                                   \
	" AND ($10::text IS NULL OR"                                                           \
	" strpos(lower(given_name || ' ' || family_name), lower($10::text)) > 0)"
PAGE_STATEMENTS(SPECIALIST_LIST, "specialist_list", SPECIALIST_COLUMNS, "sp",
		SPECIALIST_LIST_FROM_WHERE, "$11", "$12", "$13", "$14");

static const struct db_statement SPECIALIST_INSERT = {
	"specialist_insert",
	"INSERT INTO specialists (organization_id, subject, given_name, family_name, kind,"
	" lived_experience, languages, counties, specialties, bio, max_caseload, active)"
	" VALUES ($1, $2, $3, $4, $5, peerd_text_array($6::json)::lived_experience[],"
	" peerd_text_array($7::json), peerd_text_array($8::json), peerd_text_array($9::json),"
	" $10, $11::int, $12::boolean) RETURNING id"};

static const struct db_statement SPECIALIST_UPDATE = {
	"specialist_update",
	"UPDATE specialists SET subject = $2, given_name = $3, family_name = $4, kind = $5,"
	" lived_experience = peerd_text_array($6::json)::lived_experience[],"
	" languages = peerd_text_array($7::json), counties = peerd_text_array($8::json),"
	" specialties = peerd_text_array($9::json), bio = $10, max_caseload = $11::int,"
	" active = $12::boolean, version = version + 1, updated_at = now() WHERE id = $1"};

/* One row as the API's JSON; returns a new reference. */
static json_t *specialist_render(const PGresult *res, int row)
{
	return row_json_render(SPECIALIST_JSON, sizeof SPECIALIST_JSON / sizeof *SPECIALIST_JSON,
			       res, row);
}

/* The values to write, as SQL parameters, from a validated document. */
struct specialist_values {
	const char *subject, *given_name, *family_name, *kind, *bio;
	char *lived_experience, *languages, *counties, *specialties; /* JSON arrays, owned */
	char max_caseload[16];
	const char *active;
};

static char *array_member(const json_t *doc, const char *key)
{
	const json_t *value = json_object_get(doc, key);
	return json_is_array(value) ? json_dumps(value, JSON_COMPACT) : strdup("[]");
}

static void specialist_values_free(struct specialist_values *values)
{
	free(values->lived_experience);
	free(values->languages);
	free(values->counties);
	free(values->specialties);
}

/* Fills values from doc; false when out of memory (free values either way). */
static bool specialist_values_from(const json_t *doc, struct specialist_values *values)
{
	values->subject = json_string_value(json_object_get(doc, "subject"));
	values->given_name = json_string_value(json_object_get(doc, "given_name"));
	values->family_name = json_string_value(json_object_get(doc, "family_name"));
	values->kind = json_string_value(json_object_get(doc, "kind"));
	values->bio = json_string_value(json_object_get(doc, "bio"));
	values->lived_experience = array_member(doc, "lived_experience");
	values->languages = array_member(doc, "languages");
	values->counties = array_member(doc, "counties");
	values->specialties = array_member(doc, "specialties");
	const json_t *max_caseload = json_object_get(doc, "max_caseload");
	snprintf(values->max_caseload, sizeof values->max_caseload, "%lld",
		 json_is_integer(max_caseload) ? (long long)json_integer_value(max_caseload)
					       : (long long)DEFAULT_MAX_CASELOAD);
	values->active = json_is_false(json_object_get(doc, "active")) ? "false" : "true";
	return values->lived_experience && values->languages && values->counties &&
	       values->specialties;
}

/* Reads the profile row id (after a write, inside the same transaction). */
static PGresult *select_specialist(struct request *request, struct db_conn *db, const char *id)
{
	PGresult *res = NULL;
	enum db_status status = db_exec(db, &SPECIALIST_SELECT, DB_ARGS(id), &res);
	if (status != DB_OK)
		problem_send_database(request, status);
	return res;
}

/* The organization a new specialist joins: the body's organization_id (in lower case),
 * which a supervisor may only set to their own, else the caller's. Written into
 * buffer; NULL after answering 422. */
static const char *organization_for_new(struct request *request, char buffer[UUID_TEXT_SIZE])
{
	const struct principal *caller = &request->caller;
	const char *given = json_string_value(json_object_get(request->body, "organization_id"));
	const char *wanted = NULL;
	if (given) {
		uuid_normalize(given, buffer);
		wanted = buffer;
	}
	const char *own = caller->has_organization ? caller->organization_id : NULL;
	const char *message = NULL;
	if (!wanted && !own)
		message = "is required: the provider organization the specialist works for";
	else if (wanted && caller->role != ROLE_ADMIN &&
		 !auth_may_access_organization(caller, wanted))
		message = "must be your own organization";
	if (!message)
		return wanted ? wanted : own;
	problem_send_field(request, "organization_id", "%s", message);
	return NULL;
}

static bool may_see(const struct request *request, const PGresult *res)
{
	return auth_may_access_specialist(&request->caller, db_text(res, 0, COL_ORGANIZATION_ID),
					  db_text(res, 0, COL_SUBJECT));
}

/* Profile id when the caller may see it; NULL after answering 404 (or 503). */
static PGresult *specialist_read(struct request *request, struct db_conn *db, const char *id)
{
	PGresult *res = NULL;
	enum db_status status = db_read(db, &SPECIALIST_SELECT, DB_ARGS(id), &res);
	if (status != DB_OK) {
		problem_send_database(request, status);
		return NULL;
	}
	if (PQntuples(res) == 0 || !may_see(request, res)) {
		problem_send(request, 404, "there is no such specialist");
		PQclear(res);
		return NULL;
	}
	return res;
}

static const struct idempotency_resource SPECIALIST_REPLAY = {"specialist", specialist_read};

/* Writes the body's specialist of organization_id in the open transaction, then commits it
 * with the answer for claim. Returns false after answering otherwise. */
static bool specialist_create(struct request *request, struct db_conn *db,
			      const char *organization_id, const struct idempotency *claim)
{
	struct specialist_values values;
	PGresult *inserted = NULL;
	enum db_status status = specialist_values_from(request->body, &values) ? DB_OK : DB_ERROR;
	if (status == DB_OK)
		status = db_exec(db, &SPECIALIST_INSERT,
				 DB_ARGS(organization_id, values.subject, values.given_name,
					 values.family_name, values.kind, values.lived_experience,
					 values.languages, values.counties, values.specialties,
					 values.bio, values.max_caseload, values.active),
				 &inserted);
	specialist_values_free(&values);
	if (status != DB_OK) {
		problem_send_constraint(request, status, db, SPECIALIST_CONSTRAINTS);
		return false;
	}
	PGresult *res = select_specialist(request, db, db_text(inserted, 0, 0));
	PQclear(inserted);
	if (!res)
		return false;
	const char *id = db_text(res, 0, COL_ID);
	char location[96];
	snprintf(location, sizeof location, "/v1/specialists/%s", id);
	struct idempotency_answer answer = {201, location, 0, specialist_render(res, 0), id};
	bool answered = idempotency_commit(request, db, claim, &answer);
	PQclear(res);
	return answered;
}

void specialists_create(struct request *request)
{
	if (!request_valid(request, request->body, SPECIALIST_FIELDS))
		return;
	char organization_buffer[UUID_TEXT_SIZE];
	const char *organization_id = organization_for_new(request, organization_buffer);
	struct db_conn *db = organization_id ? request_db(request) : NULL;
	struct idempotency claim;
	if (!db ||
	    idempotency_start(request, db, &SPECIALIST_REPLAY, &claim) != IDEMPOTENCY_PROCEED)
		return;
	if (!specialist_create(request, db, organization_id, &claim))
		idempotency_release(db);
}

/* The list's filters, as SQL parameters (NULL: not filtered). */
struct specialist_filters {
	const char *organization_id, *kind, *language, *county, *lived_experience, *certified,
		*accepting, *active, *q;
};

static bool specialist_filters_parse(struct request *request, struct specialist_filters *out)
{
	if (!query_read(request, "organization_id", &out->organization_id) ||
	    !query_read(request, "kind", &out->kind) ||
	    !query_read(request, "lived_experience", &out->lived_experience) ||
	    !query_read(request, "certified", &out->certified) ||
	    !query_read(request, "accepting", &out->accepting) ||
	    !query_read(request, "active", &out->active) ||
	    !query_read(request, "county", &out->county) || !query_read(request, "q", &out->q) ||
	    !query_read(request, "language", &out->language))
		return false;
	if (out->language && !language_tag_is_valid(out->language)) {
		problem_send(request, 400, "language must be a BCP 47 tag such as es or es-MX");
		return false;
	}
	return true;
}

void specialists_list(struct request *request)
{
	struct page_request page;
	struct specialist_filters filter;
	if (!query_page(request, &page) || !specialist_filters_parse(request, &filter))
		return;
	const struct principal *caller = &request->caller;
	const char *scope = caller->role == ROLE_ADMIN ? NULL : caller->organization_id;
	struct db_conn *db = request_db(request);
	if (!db)
		return;
	PGresult *res = NULL;
	enum db_status status =
		db_read(db, PAGE_STATEMENT(SPECIALIST_LIST, page),
			DB_ARGS(scope, filter.organization_id, filter.kind, filter.language,
				filter.county, filter.lived_experience, filter.certified,
				filter.accepting, filter.active, filter.q, PAGE_SYNC_ARGS(page)),
			&res);
	respond_page(request, status, res, &page, &SPECIALIST_JSON_ROWS, COL_POSITION, COL_ID);
}

/* Sends one profile, or 404 when there is none the caller may see; clears res. */
static void send_specialist(struct request *request, PGresult *res)
{
	if (PQntuples(res) == 0 || !may_see(request, res))
		problem_send(request, 404, "there is no such specialist");
	else
		respond_row(request, SPECIALIST_JSON,
			    sizeof SPECIALIST_JSON / sizeof *SPECIALIST_JSON, res, 0,
			    db_integer(res, 0, COL_VERSION));
	PQclear(res);
}

void specialists_get(struct request *request)
{
	const char *id = request_id_param(request, "id");
	struct db_conn *db = id ? request_db(request) : NULL;
	PGresult *res = db ? specialist_read(request, db, id) : NULL;
	if (res)
		send_specialist(request, res);
}

/* The caller's own profile, found by the token's sub and org; NULL after answering. */
static PGresult *own_profile(struct request *request, struct db_conn *db)
{
	const struct principal *caller = &request->caller;
	PGresult *res = NULL;
	enum db_status status = db_read(db, &SPECIALIST_SELECT_BY_SUBJECT,
					DB_ARGS(caller->subject, caller->organization_id), &res);
	if (status != DB_OK) {
		problem_send_database(request, status);
		return NULL;
	}
	if (PQntuples(res) == 0) {
		problem_send(request, 404,
			     "no specialist profile in your organization signs in as this token's "
			     "subject");
		PQclear(res);
		return NULL;
	}
	return res;
}

void specialists_get_me(struct request *request)
{
	struct db_conn *db = request_db(request);
	PGresult *res = db ? own_profile(request, db) : NULL;
	if (res)
		send_specialist(request, res);
}

/* 404 for a profile the caller may not see; a specialist changes only SELF_WRITABLE. */
static bool admit_patch(struct request *request, struct db_conn *db, const PGresult *current)
{
	(void)db;
	if (!may_see(request, current)) {
		problem_send(request, 404, "there is no such specialist");
		return false;
	}
	return request->caller.role != ROLE_SPECIALIST ||
	       patch_allows_only(request, "a specialist", SELF_WRITABLE, SPECIALIST_FIELDS);
}

static bool organization_unchanged(struct request *request, const PGresult *current,
				   const json_t *before, const json_t *after)
{
	(void)current;
	return patch_keeps(request, before, after, "organization_id");
}

static PGresult *write_specialist(struct request *request, struct db_conn *db, const char *id,
				  const json_t *doc)
{
	struct specialist_values values;
	enum db_status status = specialist_values_from(doc, &values) ? DB_OK : DB_ERROR;
	if (status == DB_OK)
		status = db_exec(db, &SPECIALIST_UPDATE,
				 DB_ARGS(id, values.subject, values.given_name, values.family_name,
					 values.kind, values.lived_experience, values.languages,
					 values.counties, values.specialties, values.bio,
					 values.max_caseload, values.active),
				 NULL);
	specialist_values_free(&values);
	if (status != DB_OK) {
		problem_send_constraint(request, status, db, SPECIALIST_CONSTRAINTS);
		return NULL;
	}
	return select_specialist(request, db, id);
}

static const struct patch_target SPECIALIST_PATCH = {
	.noun = "specialist",
	.lock = &SPECIALIST_SELECT_FOR_UPDATE,
	.fields = SPECIALIST_FIELDS,
	.render = specialist_render,
	.version_column = COL_VERSION,
	.admit = admit_patch,
	.check = organization_unchanged,
	.write = write_specialist,
};

void specialists_patch(struct request *request)
{
	const char *id = request_id_param(request, "id");
	if (id)
		patch_run(request, id, &SPECIALIST_PATCH);
}

void specialists_patch_me(struct request *request)
{
	struct db_conn *db = request_db(request);
	PGresult *own = db ? own_profile(request, db) : NULL;
	if (!own)
		return;
	char id[UUID_TEXT_SIZE];
	snprintf(id, sizeof id, "%s", db_text(own, 0, COL_ID));
	PQclear(own);
	patch_run(request, id, &SPECIALIST_PATCH);
}

bool specialist_find_visible(struct request *request, struct db_conn *db, const char *id,
			     struct specialist_ref *out)
{
	PGresult *res = specialist_read(request, db, id);
	if (!res)
		return false;
	snprintf(out->id, sizeof out->id, "%s", db_text(res, 0, COL_ID));
	snprintf(out->organization_id, sizeof out->organization_id, "%s",
		 db_text(res, 0, COL_ORGANIZATION_ID));
	out->is_caller = strcmp(db_text(res, 0, COL_SUBJECT), request->caller.subject) == 0;
	PQclear(res);
	return true;
}

/* Whether the profile a specialist's token names is there and not deactivated, asked
 * with the request's first statement (peerd_specialist_in_force, sql/schema.sql), which
 * it stops when not. */
static const struct db_statement SPECIALIST_IN_FORCE = {
	"specialist_in_force", "SELECT peerd_specialist_in_force($1, $2::uuid)"};

void specialist_guard_token(const struct request *request, struct db_conn *db)
{
	const struct principal *caller = &request->caller;
	if (caller->role == ROLE_SPECIALIST)
		db_set_guard(db, &SPECIALIST_IN_FORCE,
			     DB_ARGS(caller->subject, caller->organization_id));
}
