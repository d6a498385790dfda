/* Organizations (API.md): providers that employ specialists and partners that refer
 * people, each with the rules its payer and state set. Admins create and list them all;
 * every other role reads its own; supervisors change their organization's settings. */
#include "organizations.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "billing.h"
#include "db.h"
#include "idempotency.h"
#include "pagination.h"
#include "patch.h"
#include "problem.h"
#include "query.h"
#include "request.h"
#include "respond.h"
#include "row_json.h"
#include "us_states.h"
#include "validate.h"

/* Defaults of API.md, used when a client leaves a setting out or removes it with null. */
#define DEFAULT_UNIT_ROUNDING	       "whole"
#define DEFAULT_MAX_UNITS_PER_DAY      16
#define DEFAULT_FAMILY_YOUTH_MAX_AGE   21
#define DEFAULT_REFERRAL_RESPONSE_DAYS 2
#define DEFAULT_MAX_GROUP_SIZE	       12
#define DEFAULT_PLAN_REVIEW_DAYS       90
/* assessment_schedule's, in days. */
#define DEFAULT_BASELINE_DAYS	       30
#define DEFAULT_INTERVAL_DAYS	       90
#define DEFAULT_WINDOW_DAYS	       30
#define DEFAULT_DISCHARGE_DAYS	       30
/* telehealth_modifiers': the CPT modifiers Medicaid asks of video and of audio only. */
#define DEFAULT_VIDEO_MODIFIER	       "95"
#define DEFAULT_PHONE_MODIFIER	       "93"

const char *const ORGANIZATION_KINDS[] = {"provider", "partner", NULL};
static const char *const UNIT_ROUNDINGS[] = {"whole", "half_up", NULL};

/* The episodes' assessment schedule (API.md "Episodes and assessments"); the bounds are
 * sql/031's CHECKs. null, as a member left out, takes the default. */
static const struct field_rule ASSESSMENT_SCHEDULE_FIELDS[] = {
	{.name = "baseline_days", .type = FIELD_INTEGER, .nullable = true, .min = 0, .max = 365},
	{.name = "interval_days", .type = FIELD_INTEGER, .nullable = true, .min = 1, .max = 730},
	{.name = "window_days", .type = FIELD_INTEGER, .nullable = true, .min = 0, .max = 365},
	{.name = "discharge_days", .type = FIELD_INTEGER, .nullable = true, .min = 0, .max = 365},
	{0},
};

/* A claim modifier: two capital letters or digits (sql/033's CHECKs), and not HQ, which
 * a group's notes carry already. */
static const char *check_modifier(const json_t *value)
{
	const char *text = json_string_value(value);
	bool valid = strlen(text) == 2;
	for (size_t i = 0; valid && i < 2; i++)
		valid = (text[i] >= 'A' && text[i] <= 'Z') || (text[i] >= '0' && text[i] <= '9');
	if (!valid)
		return "must be two capital letters or digits, such as 95 or GT";
	return strcmp(text, BILLING_MODIFIER_GROUP) == 0
		       ? "HQ is the group modifier, not a telehealth one"
		       : NULL;
}

/* The modifiers a contact by video or by phone carries (API.md "Coverage, authorizations
 * and claims"). */
static const struct field_rule TELEHEALTH_MODIFIER_FIELDS[] = {
	{.name = "video",
	 .type = FIELD_STRING,
	 .nullable = true,
	 .min = 2,
	 .max = 2,
	 .check = check_modifier},
	{.name = "phone",
	 .type = FIELD_STRING,
	 .nullable = true,
	 .min = 2,
	 .max = 2,
	 .check = check_modifier},
	{0},
};

static const struct field_rule SETTINGS_FIELDS[] = {
	{.name = "unit_rounding", .type = FIELD_ENUM, .choices = UNIT_ROUNDINGS},
	{.name = "max_units_per_day", .type = FIELD_INTEGER, .min = 1, .max = 96},
	{.name = "family_youth_max_age", .type = FIELD_INTEGER, .min = 1, .max = 30},
	{.name = "referral_response_days", .type = FIELD_INTEGER, .min = 1, .max = 30},
	/* Attendees present at once per facilitator of a group session. */
	{.name = "max_group_size", .type = FIELD_INTEGER, .min = 1, .max = 100},
	/* Days from a plan's signature by the participant to its review. */
	{.name = "plan_review_days", .type = FIELD_INTEGER, .min = 1, .max = 730},
	{.name = "assessment_schedule", .type = FIELD_OBJECT, .fields = ASSESSMENT_SCHEDULE_FIELDS},
	/* Signing bills only under an authorization of the participant. */
	{.name = "require_authorization", .type = FIELD_BOOLEAN},
	/* Per participant and calendar year; null: no cap. The bound is sql/033's. */
	{.name = "max_units_per_year",
	 .type = FIELD_INTEGER,
	 .nullable = true,
	 .min = 1,
	 .max = 35136},
	{.name = "telehealth_modifiers",
	 .type = FIELD_OBJECT,
	 .fields = TELEHEALTH_MODIFIER_FIELDS},
	/* An IANA zone of sql/002's us_time_zones; the state's main zone when left out. */
	{.name = "time_zone", .type = FIELD_STRING, .min = 1, .max = 64},
	{0},
};

const struct field_rule ORGANIZATION_FIELDS[] = {
	{.name = "name",
	 .type = FIELD_STRING,
	 .required = true,
	 .min = 1,
	 .max = 200,
	 .check = check_plain_text},
	{.name = "kind", .type = FIELD_ENUM, .required = true, .choices = ORGANIZATION_KINDS},
	{.name = "state", .type = FIELD_ENUM, .required = true, .choices = US_STATE_CODES},
	{.name = "counties",
	 .type = FIELD_STRING_ARRAY,
	 .max = 300,
	 .item_min = 1,
	 .item_max = 100,
	 .item_check = check_plain_text},
	{.name = "settings", .type = FIELD_OBJECT, .fields = SETTINGS_FIELDS},
	{.name = "id", .type = FIELD_READ_ONLY},
	{.name = "version", .type = FIELD_READ_ONLY},
	{.name = "created_at", .type = FIELD_READ_ONLY},
	{.name = "updated_at", .type = FIELD_READ_ONLY},
	{0},
};

/* Constraints whose violation the client caused, and which field to name. */
static const struct constraint_answer ORGANIZATION_CONSTRAINTS[] = {
	{"organizations_time_zone_fkey", 422, "settings.time_zone",
	 "must be a US time zone such as America/Chicago"},
	{0},
};

/* An organization's columns, in the order of its JSON. */
/* clang-format off */
#define ORGANIZATION_COLUMN_LIST(X, _)                                                             \
	X(COL_ID, "id", "id", ROW_STRING)                                                          \
	_ X(COL_NAME, "name", "name", ROW_STRING)                                                  \
	_ X(COL_KIND, "kind", "kind", ROW_STRING)                                                  \
	_ X(COL_STATE, "state", "state", ROW_STRING)                                               \
	_ X(COL_COUNTIES, "array_to_json(counties)", "counties", ROW_JSON)                         \
	_ X(COL_UNIT_ROUNDING, "unit_rounding", "settings.unit_rounding", ROW_STRING)              \
	_ X(COL_MAX_UNITS_PER_DAY, "max_units_per_day", "settings.max_units_per_day", ROW_INTEGER) \
	_ X(COL_FAMILY_YOUTH_MAX_AGE, "family_youth_max_age", "settings.family_youth_max_age",     \
	    ROW_INTEGER)                                                                           \
	_ X(COL_REFERRAL_RESPONSE_DAYS, "referral_response_days",                                  \
	    "settings.referral_response_days", ROW_INTEGER)                                        \
	_ X(COL_TIME_ZONE, "time_zone", "settings.time_zone", ROW_STRING)                          \
	_ X(COL_MAX_GROUP_SIZE, "max_group_size", "settings.max_group_size", ROW_INTEGER)          \
	_ X(COL_PLAN_REVIEW_DAYS, "plan_review_days", "settings.plan_review_days", ROW_INTEGER)    \
	_ X(COL_ASSESSMENT_SCHEDULE, "json_build_object('baseline_days', assessment_baseline_days," \
	    " 'interval_days', assessment_interval_days, 'window_days', assessment_window_days,"  \
	    " 'discharge_days', assessment_discharge_days)", "settings.assessment_schedule",      \
	    ROW_JSON)                                                                              \
	_ X(COL_REQUIRE_AUTHORIZATION, "require_authorization", "settings.require_authorization",  \
	    ROW_BOOLEAN)                                                                           \
	_ X(COL_MAX_UNITS_PER_YEAR, "max_units_per_year", "settings.max_units_per_year",           \
	    ROW_INTEGER)                                                                           \
	_ X(COL_TELEHEALTH_MODIFIERS, "json_build_object('video', telehealth_modifier_video,"      \
	    " 'phone', telehealth_modifier_phone)", "settings.telehealth_modifiers", ROW_JSON)     \
	_ X(COL_VERSION, "version", "version", ROW_INTEGER)                                        \
	_ X(COL_CREATED_AT, "peerd_timestamp(created_at)", "created_at", ROW_STRING)               \
	_ X(COL_UPDATED_AT, "peerd_timestamp(updated_at)", "updated_at", ROW_STRING)               \
	_ X(COL_POSITION, "peerd_position(created_at)", NULL, ROW_HIDDEN)
/* clang-format on */

enum { ORGANIZATION_COLUMN_LIST(ROW_COLUMN_ENUM, ) };

#define ORGANIZATION_COLUMNS ORGANIZATION_COLUMN_LIST(ROW_COLUMN_SQL, ", ")

static const struct row_json_member ORGANIZATION_JSON[] = {
	ORGANIZATION_COLUMN_LIST(ROW_COLUMN_MEMBER, )};
static const struct row_json_table ORGANIZATION_JSON_ROWS = ROW_JSON_TABLE(ORGANIZATION_JSON);

static const struct db_statement ORGANIZATION_SELECT = {
	"organization_select", "SELECT " ORGANIZATION_COLUMNS " FROM organizations WHERE id = $1"};

static const struct db_statement ORGANIZATION_SELECT_FOR_UPDATE = {
	"organization_select_for_update",
	"SELECT " ORGANIZATION_COLUMNS " FROM organizations WHERE id = $1 FOR UPDATE"};

/* $1 limits the list to one organization (everyone but admins), $2 filters by kind, $3/$4
 * is the cursor, $5 the row count. */
#define ORGANIZATION_LIST_FROM_WHERE                 \
	" FROM organizations o"                      \
	" WHERE ($1::uuid IS NULL OR id = $1::uuid)" \
	" AND ($2::organization_kind IS NULL OR kind = $2::organization_kind)"
PAGE_STATEMENTS(ORGANIZATION_LIST, "organization_list", ORGANIZATION_COLUMNS, "o",
		ORGANIZATION_LIST_FROM_WHERE, "$3", "$4", "$5", "$6");

static const struct db_statement ORGANIZATION_INSERT = {
	"organization_insert",
	"INSERT INTO organizations (name, kind, state, counties, unit_rounding, max_units_per_day,"
	" family_youth_max_age, referral_response_days, time_zone, max_group_size,"
	" plan_review_days, assessment_baseline_days, assessment_interval_days,"
	" assessment_window_days, assessment_discharge_days, require_authorization,"
	" max_units_per_year, telehealth_modifier_video, telehealth_modifier_phone)"
	" VALUES ($1, $2, $3, peerd_text_array($4::json), $5, $6::int, $7::int, $8::int,"
	" coalesce($9, (SELECT time_zone FROM us_states WHERE code = $3)), $10::int, $11::int,"
	" $12::int, $13::int, $14::int, $15::int, $16::boolean, $17::int, $18, $19)"
	" RETURNING " ORGANIZATION_COLUMNS};

static const struct db_statement ORGANIZATION_UPDATE = {
	"organization_update",
	"UPDATE organizations SET name = $2, state = $3, counties = peerd_text_array($4::json),"
	" unit_rounding = $5, max_units_per_day = $6::int, family_youth_max_age = $7::int,"
	" referral_response_days = $8::int, "
	" time_zone = coalesce($9, (SELECT time_zone FROM us_states WHERE code = $3)),"
	" max_group_size = $10::int, plan_review_days = $11::int,"
	" assessment_baseline_days = $12::int, assessment_interval_days = $13::int,"
	" assessment_window_days = $14::int, assessment_discharge_days = $15::int,"
	" require_authorization = $16::boolean, max_units_per_year = $17::int,"
	" telehealth_modifier_video = $18, telehealth_modifier_phone = $19,"
	" version = version + 1,"
	" updated_at = now()"
	" WHERE id = $1 RETURNING " ORGANIZATION_COLUMNS};

/* One row as the API's JSON; returns a new reference. */
static json_t *organization_render(const PGresult *res, int row)
{
	return row_json_render(ORGANIZATION_JSON,
			       sizeof ORGANIZATION_JSON / sizeof *ORGANIZATION_JSON, res, row);
}

/* The values to write, as SQL parameters, from a validated document. Settings left out
 * take their defaults. */
struct organization_values {
	const char *name;
	const char *kind;
	const char *state;
	char *counties; /* a JSON array, owned */
	const char *unit_rounding;
	char max_units_per_day[16];
	char family_youth_max_age[16];
	char referral_response_days[16];
	char max_group_size[16];
	char plan_review_days[16];
	/* assessment_schedule: baseline, interval, window, discharge days. */
	char assessment_days[4][16];
	const char *time_zone;		   /* NULL: the state's zone */
	const char *require_authorization; /* "true" or "false" */
	char max_units_per_year[16];	   /* "" when there is no cap */
	const char *video_modifier;
	const char *phone_modifier;
};

static const char *string_member(const json_t *object, const char *key, const char *fallback)
{
	const char *value = json_string_value(json_object_get(object, key));
	return value ? value : fallback;
}

static void integer_member(const json_t *object, const char *key, long long fallback, char *out,
			   size_t size)
{
	json_t *value = json_object_get(object, key);
	snprintf(out, size, "%lld",
		 json_is_integer(value) ? (long long)json_integer_value(value) : fallback);
}

static bool organization_values_from(const json_t *doc, struct organization_values *values)
{
	const json_t *settings = json_object_get(doc, "settings");
	const json_t *counties = json_object_get(doc, "counties");
	values->name = string_member(doc, "name", NULL);
	values->kind = string_member(doc, "kind", NULL);
	values->state = string_member(doc, "state", NULL);
	values->counties = counties ? json_dumps(counties, JSON_COMPACT) : strdup("[]");
	values->unit_rounding = string_member(settings, "unit_rounding", DEFAULT_UNIT_ROUNDING);
	integer_member(settings, "max_units_per_day", DEFAULT_MAX_UNITS_PER_DAY,
		       values->max_units_per_day, sizeof values->max_units_per_day);
	integer_member(settings, "family_youth_max_age", DEFAULT_FAMILY_YOUTH_MAX_AGE,
		       values->family_youth_max_age, sizeof values->family_youth_max_age);
	integer_member(settings, "referral_response_days", DEFAULT_REFERRAL_RESPONSE_DAYS,
		       values->referral_response_days, sizeof values->referral_response_days);
	integer_member(settings, "max_group_size", DEFAULT_MAX_GROUP_SIZE, values->max_group_size,
		       sizeof values->max_group_size);
	integer_member(settings, "plan_review_days", DEFAULT_PLAN_REVIEW_DAYS,
		       values->plan_review_days, sizeof values->plan_review_days);
	const json_t *schedule = json_object_get(settings, "assessment_schedule");
	static const char *const SCHEDULE_KEYS[] = {"baseline_days", "interval_days", "window_days",
						    "discharge_days"};
	static const long long SCHEDULE_DEFAULTS[] = {DEFAULT_BASELINE_DAYS, DEFAULT_INTERVAL_DAYS,
						      DEFAULT_WINDOW_DAYS, DEFAULT_DISCHARGE_DAYS};
	for (size_t i = 0; i < 4; i++)
		integer_member(schedule, SCHEDULE_KEYS[i], SCHEDULE_DEFAULTS[i],
			       values->assessment_days[i], sizeof values->assessment_days[i]);
	values->time_zone = string_member(settings, "time_zone", NULL);
	values->require_authorization =
		json_is_true(json_object_get(settings, "require_authorization")) ? "true" : "false";
	json_t *yearly = json_object_get(settings, "max_units_per_year");
	if (json_is_integer(yearly))
		snprintf(values->max_units_per_year, sizeof values->max_units_per_year, "%lld",
			 (long long)json_integer_value(yearly));
	else
		values->max_units_per_year[0] = '\0';
	const json_t *modifiers = json_object_get(settings, "telehealth_modifiers");
	values->video_modifier = string_member(modifiers, "video", DEFAULT_VIDEO_MODIFIER);
	values->phone_modifier = string_member(modifiers, "phone", DEFAULT_PHONE_MODIFIER);
	return values->counties != NULL;
}

/* The yearly cap as a parameter: NULL (no cap) when the settings have none. */
#define YEARLY_CAP_ARG(values) ((values).max_units_per_year[0] ? (values).max_units_per_year : NULL)

/* Sets object's member key to value (stolen) when it has none. */
static void default_member(json_t *object, const char *key, json_t *value)
{
	if (json_object_get(object, key))
		json_decref(value);
	else
		json_object_set_new(object, key, value);
}

/* The settings a document leaves out, filled with their defaults (all but time_zone,
 * whose default is its state's), so that a PATCH restoring a default the organization
 * already has changes nothing. */
static void organization_fill_defaults(json_t *doc)
{
	default_member(doc, "settings", json_object());
	json_t *settings = json_object_get(doc, "settings");
	default_member(settings, "unit_rounding", json_string(DEFAULT_UNIT_ROUNDING));
	default_member(settings, "max_units_per_day", json_integer(DEFAULT_MAX_UNITS_PER_DAY));
	default_member(settings, "family_youth_max_age",
		       json_integer(DEFAULT_FAMILY_YOUTH_MAX_AGE));
	default_member(settings, "referral_response_days",
		       json_integer(DEFAULT_REFERRAL_RESPONSE_DAYS));
	default_member(settings, "max_group_size", json_integer(DEFAULT_MAX_GROUP_SIZE));
	default_member(settings, "plan_review_days", json_integer(DEFAULT_PLAN_REVIEW_DAYS));
	default_member(settings, "require_authorization", json_false());
	default_member(settings, "assessment_schedule", json_object());
	json_t *schedule = json_object_get(settings, "assessment_schedule");
	default_member(schedule, "baseline_days", json_integer(DEFAULT_BASELINE_DAYS));
	default_member(schedule, "interval_days", json_integer(DEFAULT_INTERVAL_DAYS));
	default_member(schedule, "window_days", json_integer(DEFAULT_WINDOW_DAYS));
	default_member(schedule, "discharge_days", json_integer(DEFAULT_DISCHARGE_DAYS));
	default_member(settings, "telehealth_modifiers", json_object());
	json_t *modifiers = json_object_get(settings, "telehealth_modifiers");
	default_member(modifiers, "video", json_string(DEFAULT_VIDEO_MODIFIER));
	default_member(modifiers, "phone", json_string(DEFAULT_PHONE_MODIFIER));
}

static void send_organization(struct request *request, PGresult *res)
{
	long long version = db_integer(res, 0, COL_VERSION);
	respond_resource(request, organization_render(res, 0), version);
}

/* True when the caller may see organization id (their own; an admin any); else answers
 * 404: another organization's existence is never revealed. */
static bool organization_visible(struct request *request, const char *id)
{
	if (auth_may_access_organization(&request->caller, id))
		return true;
	problem_send(request, 404, "there is no such organization");
	return false;
}

/* Organization id as GET reads it, when the caller may see it; NULL after answering 404 (or
 * 503). */
static PGresult *organization_read(struct request *request, struct db_conn *db, const char *id)
{
	if (!organization_visible(request, id))
		return NULL;
	PGresult *res = NULL;
	enum db_status status = db_read(db, &ORGANIZATION_SELECT, DB_ARGS(id), &res);
	if (status != DB_OK) {
		problem_send_database(request, status);
		return NULL;
	}
	if (PQntuples(res) == 0) {
		problem_send(request, 404, "there is no such organization");
		PQclear(res);
		return NULL;
	}
	return res;
}

static const struct idempotency_resource ORGANIZATION_REPLAY = {"organization", organization_read};

/* Writes the body's organization in the open transaction, then commits it with the answer
 * for claim. Returns false after answering otherwise. */
static bool organization_create(struct request *request, struct db_conn *db,
				const struct idempotency *claim)
{
	struct organization_values values;
	if (!organization_values_from(request->body, &values)) {
		problem_send(request, 500, "out of memory");
		return false;
	}
	PGresult *res = NULL;
	enum db_status status = db_exec(
		db, &ORGANIZATION_INSERT,
		DB_ARGS(values.name, values.kind, values.state, values.counties,
			values.unit_rounding, values.max_units_per_day, values.family_youth_max_age,
			values.referral_response_days, values.time_zone, values.max_group_size,
			values.plan_review_days, values.assessment_days[0],
			values.assessment_days[1], values.assessment_days[2],
			values.assessment_days[3], values.require_authorization,
			YEARLY_CAP_ARG(values), values.video_modifier, values.phone_modifier),
		&res);
	free(values.counties);
	if (status != DB_OK) {
		problem_send_constraint(request, status, db, ORGANIZATION_CONSTRAINTS);
		return false;
	}
	const char *id = db_text(res, 0, COL_ID);
	char location[96];
	snprintf(location, sizeof location, "/v1/organizations/%s", id);
	struct idempotency_answer answer = {201, location, 0, organization_render(res, 0), id};
	bool answered = idempotency_commit(request, db, claim, &answer);
	PQclear(res);
	return answered;
}

void organizations_create(struct request *request)
{
	if (!request_valid(request, request->body, ORGANIZATION_FIELDS))
		return;
	struct db_conn *db = request_db(request);
	struct idempotency claim;
	if (!db ||
	    idempotency_start(request, db, &ORGANIZATION_REPLAY, &claim) != IDEMPOTENCY_PROCEED)
		return;
	if (!organization_create(request, db, &claim))
		idempotency_release(db);
}

void organizations_list(struct request *request)
{
	struct page_request page;
	const char *kind;
	if (!query_page(request, &page) || !query_read(request, "kind", &kind))
		return;
	/* Everyone but an admin sees exactly one organization: their own. */
	const struct principal *caller = &request->caller;
	const char *only = caller->role == ROLE_ADMIN ? NULL : caller->organization_id;
	struct db_conn *db = request_db(request);
	if (!db)
		return;
	PGresult *res = NULL;
	enum db_status status = db_read(db, PAGE_STATEMENT(ORGANIZATION_LIST, page),
					DB_ARGS(only, kind, PAGE_SYNC_ARGS(page)), &res);
	respond_page(request, status, res, &page, &ORGANIZATION_JSON_ROWS, COL_POSITION, COL_ID);
}

void organizations_get(struct request *request)
{
	const char *id = request_id_param(request, "id");
	struct db_conn *db = id ? request_db(request) : NULL;
	PGresult *res = db ? organization_read(request, db, id) : NULL;
	if (res)
		send_organization(request, res);
	PQclear(res);
}

/* A supervisor may change only the settings: answers 403 naming anything else. */
static bool patch_permitted(struct request *request)
{
	static const char *const SUPERVISOR_WRITABLE[] = {"settings", NULL};
	return request->caller.role == ROLE_ADMIN ||
	       patch_allows_only(request, "a supervisor", SUPERVISOR_WRITABLE, ORGANIZATION_FIELDS);
}

static bool kind_unchanged(struct request *request, const PGresult *current, const json_t *before,
			   const json_t *after)
{
	(void)current;
	return patch_keeps(request, before, after, "kind");
}

static PGresult *write_organization(struct request *request, struct db_conn *db, const char *id,
				    const json_t *doc)
{
	struct organization_values values;
	PGresult *res = NULL;
	enum db_status status =
		organization_values_from(doc, &values)
			? db_exec(db, &ORGANIZATION_UPDATE,
				  DB_ARGS(id, values.name, values.state, values.counties,
					  values.unit_rounding, values.max_units_per_day,
					  values.family_youth_max_age,
					  values.referral_response_days, values.time_zone,
					  values.max_group_size, values.plan_review_days,
					  values.assessment_days[0], values.assessment_days[1],
					  values.assessment_days[2], values.assessment_days[3],
					  values.require_authorization, YEARLY_CAP_ARG(values),
					  values.video_modifier, values.phone_modifier),
				  &res)
			: DB_ERROR;
	free(values.counties);
	if (status != DB_OK)
		problem_send_constraint(request, status, db, ORGANIZATION_CONSTRAINTS);
	return res;
}

static const struct patch_target ORGANIZATION_PATCH = {
	.noun = "organization",
	.lock = &ORGANIZATION_SELECT_FOR_UPDATE,
	.fields = ORGANIZATION_FIELDS,
	.render = organization_render,
	.version_column = COL_VERSION,
	.check = kind_unchanged,
	.fill_defaults = organization_fill_defaults,
	.write = write_organization,
};

void organizations_patch(struct request *request)
{
	const char *id = request_id_param(request, "id");
	if (id && organization_visible(request, id) && patch_permitted(request))
		patch_run(request, id, &ORGANIZATION_PATCH);
}
