/* Signing locks a session note and fixes its billing (rules/billing.c) from the facts of
 * the day it happened: the organization's rounding, daily and yearly caps, telehealth
 * modifiers and authorization gate, the units already billed for the participant that
 * day and that year, the authorization that holds the day, and whether the specialist
 * was certified then. Signings for one participant are taken one at a time (the
 * participant's row lock), and the authorization spent is locked too, so two notes signed
 * at once cannot both slip under a cap nor spend one authorized unit twice. */
#include "session_note_signing.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "billing.h"
#include "db.h"
#include "idempotency.h"
#include "precondition.h"
#include "problem.h"
#include "request.h"
#include "session_notes.h"
#include "validate.h"

const struct field_rule ADDENDUM_FIELDS[] = {
	{.name = "text", .type = FIELD_STRING, .required = true, .min = 1, .max = 4000},
	{0},
};

static const struct db_statement PARTICIPANT_LOCK = {
	"signing_participant_lock", "SELECT 1 FROM participants WHERE id = $1 FOR UPDATE"};

/* Read after the participant's lock, by a new statement: it sees every signing of the
 * same participant committed before. Columns: enum billing_fact. */
static const struct db_statement BILLING_FACTS = {
	"signing_billing_facts",
	"WITH note AS (SELECT n.participant_id, n.specialist_id, n.group_session_id, o.*,"
	" peerd_organization_day(o.id, n.occurred_at) AS day"
	" FROM session_notes n JOIN organizations o ON o.id = n.organization_id WHERE n.id = $1),"
	" held AS (SELECT a.id, a.ends_on, a.starts_on, a.created_at,"
	" a.units_authorized - peerd_authorization_units_used(a.id) AS remaining"
	" FROM authorizations a, note WHERE note.require_authorization"
	" AND a.participant_id = note.participant_id AND note.day BETWEEN a.starts_on AND "
	"a.ends_on)"
	" SELECT unit_rounding, max_units_per_day, to_char(day, 'YYYY-MM-DD'),"
	" peerd_certified_on(specialist_id, day),"
	" (SELECT coalesce(sum(x.billing_units), 0) FROM session_notes x"
	" WHERE x.participant_id = note.participant_id AND x.status = 'signed'"
	" AND x.billing_day = note.day),"
	" max_units_per_year,"
	" (SELECT coalesce(sum(x.billing_units), 0) FROM session_notes x"
	" WHERE note.max_units_per_year IS NOT NULL"
	" AND x.participant_id = note.participant_id AND x.status = 'signed'"
	" AND x.billing_day >= date_trunc('year', note.day)::date"
	" AND x.billing_day < (date_trunc('year', note.day) + interval '1 year')::date),"
	" require_authorization, telehealth_modifier_video, telehealth_modifier_phone,"
	" (SELECT g.modality FROM group_sessions g WHERE g.id = note.group_session_id),"
	" (SELECT count(*) FROM held),"
	" (SELECT h.id FROM held h WHERE h.remaining > 0"
	" ORDER BY h.ends_on, h.starts_on, h.created_at, h.id LIMIT 1)"
	" FROM note"};

enum billing_fact {
	FACT_ROUNDING,
	FACT_MAX_UNITS_PER_DAY,
	FACT_DAY,
	FACT_CERTIFIED,
	FACT_BILLED_TODAY,
	FACT_MAX_UNITS_PER_YEAR,
	FACT_BILLED_THIS_YEAR,
	FACT_REQUIRE_AUTHORIZATION,
	FACT_VIDEO_MODIFIER,
	FACT_PHONE_MODIFIER,
	FACT_GROUP_MODALITY,
	FACT_AUTHORIZATIONS_OF_DAY,
	FACT_AUTHORIZATION_ID,
};

/* The authorization the note would bill under, locked: an authorization's change waits
 * for this signing, and this signing counts what remains after any change committed
 * before (sql/033's session_notes_within_authorization holds it against any writer). */
static const struct db_statement AUTHORIZATION_LOCK = {
	"signing_authorization_lock",
	"SELECT units_authorized - peerd_authorization_units_used(id) FROM authorizations"
	" WHERE id = $1 AND $2::date BETWEEN starts_on AND ends_on FOR UPDATE"};

static const struct db_statement NOTE_SIGN = {
	"session_note_sign",
	"UPDATE session_notes SET status = 'signed', signed_at = now(), signed_by = $2,"
	" billing = $3::jsonb, billing_units = $4::int, billing_day = $5::date,"
	" billing_authorization_id = $6::uuid,"
	" version = version + 1, updated_at = now() WHERE id = $1"};

static const struct db_statement ADDENDUM_INSERT = {
	"session_note_addendum_insert",
	"WITH added AS (INSERT INTO session_note_addenda (note_id, text, by) VALUES ($1, $2, $3)"
	" RETURNING note_id) UPDATE session_notes SET version = version + 1, updated_at = now()"
	" WHERE id = (SELECT note_id FROM added)"};

static const struct db_statement NOTE_COSIGN = {
	"session_note_cosign",
	"UPDATE session_notes SET cosigned_by = $2, cosigned_at = now(), version = version + 1,"
	" updated_at = now() WHERE id = $1"};

/* billing as the note keeps it; authorization_id names the one it billed under (NULL:
 * none). Returns a new reference, NULL when out of memory. */
static json_t *billing_render(const struct billing *billing, const char *authorization_id)
{
	json_t *modifiers = json_array();
	json_t *reasons = json_array();
	for (size_t i = 0; modifiers && i < billing->modifier_count; i++)
		json_array_append_new(modifiers, json_string(billing->modifiers[i]));
	for (size_t i = 0; reasons && i < billing->reason_count; i++)
		json_array_append_new(reasons, json_string(billing->reasons[i]));
	return json_pack("{s:b, s:s, s:o, s:i, s:o, s:s?, s:s?}", "billable", billing->billable,
			 "code", billing->code, "modifiers", modifiers, "units", billing->units,
			 "reasons", reasons, "authorization_id", authorization_id,
			 "place_of_service", billing->place_of_service);
}

bool session_note_lock_participant(struct request *request, struct db_conn *db,
				   const char *participant_id)
{
	enum db_status status = db_exec(db, &PARTICIPANT_LOCK, DB_ARGS(participant_id), NULL);
	if (status != DB_OK)
		problem_send_database(request, status);
	return status == DB_OK;
}

/* Where the participant stands with authorizations on the note's day (facts: the
 * BILLING_FACTS row). Writes the remaining units of the one held, locking it, and its id
 * (into facts) in *held. Returns false after answering. */
static bool authorization_standing_of(struct request *request, struct db_conn *db,
				      const PGresult *facts, struct billing_input *input,
				      const char **held)
{
	*held = db_text(facts, 0, FACT_AUTHORIZATION_ID);
	input->authorization = db_integer(facts, 0, FACT_AUTHORIZATIONS_OF_DAY) > 0
				       ? AUTHORIZATION_EXHAUSTED
				       : AUTHORIZATION_NONE;
	if (!*held)
		return true;
	PGresult *lock = NULL;
	enum db_status status = db_exec(db, &AUTHORIZATION_LOCK,
					DB_ARGS(*held, db_text(facts, 0, FACT_DAY)), &lock);
	if (status != DB_OK) {
		problem_send_database(request, status);
		return false;
	}
	/* Changed to no longer hold the day since: as if it had none left. */
	if (PQntuples(lock) == 1) {
		input->authorization = AUTHORIZATION_HELD;
		input->authorization_units_remaining = (int)db_integer(lock, 0, 0);
	}
	PQclear(lock);
	return true;
}

/* The billing of the note (its SESSION_NOTE_COLUMNS row) from the facts of its day
 * (facts), taking the lock of the authorization it would use. Writes the authorization
 * used, NULL for none, in *used. Returns false after answering. */
static bool billing_of(struct request *request, struct db_conn *db, const PGresult *note,
		       const PGresult *facts, struct billing *billing, const char **used)
{
	struct billing_input input = {
		.duration_minutes = (int)db_integer(note, 0, NOTE_DURATION_MINUTES),
		.modality = db_text(note, 0, NOTE_MODALITY),
		.group_modality = db_text(facts, 0, FACT_GROUP_MODALITY),
		.max_units_per_day = (int)db_integer(facts, 0, FACT_MAX_UNITS_PER_DAY),
		.units_billed_today = (int)db_integer(facts, 0, FACT_BILLED_TODAY),
		.max_units_per_year = (int)db_integer(facts, 0, FACT_MAX_UNITS_PER_YEAR),
		.units_billed_this_year = (int)db_integer(facts, 0, FACT_BILLED_THIS_YEAR),
		.certified_on_day = db_boolean(facts, 0, FACT_CERTIFIED),
		.require_authorization = db_boolean(facts, 0, FACT_REQUIRE_AUTHORIZATION),
		.video_modifier = db_text(facts, 0, FACT_VIDEO_MODIFIER),
		.phone_modifier = db_text(facts, 0, FACT_PHONE_MODIFIER),
	};
	if (!unit_rounding_parse(db_text(facts, 0, FACT_ROUNDING), &input.rounding))
		input.rounding = ROUNDING_WHOLE;
	const char *held = NULL;
	if (input.require_authorization &&
	    !authorization_standing_of(request, db, facts, &input, &held))
		return false;
	billing_compute(&input, billing);
	*used = billing->uses_authorization ? held : NULL;
	return true;
}

bool session_note_sign_locked(struct request *request, struct db_conn *db, const char *id,
			      const PGresult *note)
{
	PGresult *facts = NULL;
	enum db_status status = db_exec(db, &PARTICIPANT_LOCK,
					DB_ARGS(db_text(note, 0, NOTE_PARTICIPANT_ID)), NULL);
	if (status == DB_OK)
		status = db_exec(db, &BILLING_FACTS, DB_ARGS(id), &facts);
	if (status != DB_OK) {
		problem_send_database(request, status);
		return false;
	}
	struct billing billing;
	const char *authorization_id;
	if (!billing_of(request, db, note, facts, &billing, &authorization_id)) {
		PQclear(facts);
		return false;
	}
	json_t *doc = billing_render(&billing, authorization_id);
	char *text = doc ? json_dumps(doc, JSON_COMPACT) : NULL;
	json_decref(doc);
	char units[16];
	snprintf(units, sizeof units, "%d", billing.units);
	status = text ? db_exec(db, &NOTE_SIGN,
				DB_ARGS(id, request->caller.subject, text, units,
					db_text(facts, 0, FACT_DAY), authorization_id),
				NULL)
		      : DB_ERROR;
	free(text);
	PQclear(facts);
	if (status != DB_OK)
		problem_send_database(request, status);
	return status == DB_OK;
}

/* True when the locked note is the version the caller read (If-Match, under rule); else
 * answers 428 or 412 and returns false. */
static bool note_as_read(struct request *request, const PGresult *note, enum if_match_rule rule)
{
	return precondition_holds(request, "session note", db_integer(note, 0, NOTE_VERSION), rule);
}

/* May the caller sign the locked note now? Returns false after answering. Signing attests
 * to the draft as its author read it, and a supervisor may have edited it since: If-Match
 * is required. */
static bool sign_allowed(struct request *request, const PGresult *note)
{
	if (request->caller.role == ROLE_SPECIALIST && !session_note_by_caller(request, note)) {
		problem_send(request, 403, "only the specialist who wrote a note signs it");
		return false;
	}
	if (!note_as_read(request, note, IF_MATCH_REQUIRED))
		return false;
	if (strcmp(db_text(note, 0, NOTE_STATUS), "signed") == 0) {
		problem_send(request, 409, "the note is already signed");
		return false;
	}
	return true;
}

/* The note the path names, locked in a transaction that holds the request's
 * Idempotency-Key: the key first, so a retry gets its first answer whatever the note has
 * become since. Writes the note's id and the connection; NULL after answering (a replay
 * included). */
static PGresult *keyed_note(struct request *request, struct db_conn **db, const char **id,
			    struct idempotency *claim)
{
	*id = request_id_param(request, "id");
	*db = *id ? request_db(request) : NULL;
	if (!*db ||
	    idempotency_start(request, *db, &SESSION_NOTE_REPLAY, claim) != IDEMPOTENCY_PROCEED)
		return NULL;
	PGresult *note = session_note_lock(request, *db, *id);
	if (!note)
		idempotency_release(*db);
	return note;
}

/* A signature (or co-signature) is made once: sent again by who made it, with the
 * If-Match of the note they signed, it is a retry whose answer was lost, and gets the note
 * as it is now rather than 412. True when the locked note is that (column: who signed),
 * after answering with it and clearing it. */
static bool repeats_own(struct request *request, struct db_conn *db, PGresult *note, int column)
{
	if (!idempotency_repeats_change(request, db_text(note, 0, column),
					db_integer(note, 0, NOTE_VERSION)))
		return false;
	idempotency_release(db);
	session_note_answer_current(request, note);
	return true;
}

void session_note_sign(struct request *request)
{
	const char *id;
	struct db_conn *db;
	struct idempotency claim;
	PGresult *note = keyed_note(request, &db, &id, &claim);
	if (!note)
		return;
	if (repeats_own(request, db, note, NOTE_SIGNED_BY))
		return;
	json_t *goal_ids = db_json(note, 0, NOTE_GOAL_IDS);
	/* A goal discontinued since the draft was written no longer holds the note. */
	bool signed_now = sign_allowed(request, note) &&
			  session_note_goals_active(
				  request, db, db_text(note, 0, NOTE_PARTICIPANT_ID), goal_ids) &&
			  session_note_sign_locked(request, db, id, note);
	json_decref(goal_ids);
	PQclear(note);
	if (signed_now)
		session_note_finish(request, db, id, 200, AUDIT_SIGN, &claim);
	else
		idempotency_release(db);
}

/* May the caller amend the locked note with the body? Returns false after answering. An
 * addendum only appends, so If-Match is honoured when sent, not required. */
static bool addendum_allowed(struct request *request, const PGresult *note)
{
	if (request->caller.role == ROLE_SPECIALIST && !session_note_by_caller(request, note)) {
		problem_send(request, 403, "a specialist amends only their own notes");
		return false;
	}
	if (!note_as_read(request, note, IF_MATCH_OPTIONAL) ||
	    !request_valid(request, request->body, ADDENDUM_FIELDS))
		return false;
	if (strcmp(db_text(note, 0, NOTE_STATUS), "signed") != 0) {
		problem_send(request, 409,
			     "a draft is corrected by editing it; addenda follow "
			     "signing");
		return false;
	}
	return true;
}

void session_note_add_addendum(struct request *request)
{
	const char *id;
	struct db_conn *db;
	struct idempotency claim;
	PGresult *note = keyed_note(request, &db, &id, &claim);
	if (!note)
		return;
	bool added = addendum_allowed(request, note);
	PQclear(note);
	if (added) {
		enum db_status status = db_exec(
			db, &ADDENDUM_INSERT,
			DB_ARGS(id, json_string_value(json_object_get(request->body, "text")),
				request->caller.subject),
			NULL);
		added = status == DB_OK;
		if (!added)
			problem_send_database(request, status);
	}
	/* The answer carries the note's new version, which a further change names. */
	if (added)
		session_note_finish(request, db, id, 201, AUDIT_UPDATE, &claim);
	else
		idempotency_release(db);
}

/* May the caller co-sign the locked note now? Returns false after answering. Co-signing
 * attests to the note as the supervisor read it, addenda included: If-Match is
 * required. */
static bool cosign_allowed(struct request *request, const PGresult *note)
{
	if (!note_as_read(request, note, IF_MATCH_REQUIRED))
		return false;
	if (strcmp(db_text(note, 0, NOTE_STATUS), "signed") != 0) {
		problem_send(request, 409, "a note is co-signed after its author signs it");
		return false;
	}
	if (db_text(note, 0, NOTE_COSIGNED_BY)) {
		problem_send(request, 409, "the note is already co-signed");
		return false;
	}
	return true;
}

void session_note_cosign(struct request *request)
{
	const char *id;
	struct db_conn *db;
	struct idempotency claim;
	PGresult *note = keyed_note(request, &db, &id, &claim);
	if (!note)
		return;
	if (repeats_own(request, db, note, NOTE_COSIGNED_BY))
		return;
	bool cosigned = cosign_allowed(request, note);
	PQclear(note);
	if (cosigned) {
		enum db_status status =
			db_exec(db, &NOTE_COSIGN, DB_ARGS(id, request->caller.subject), NULL);
		cosigned = status == DB_OK;
		if (!cosigned)
			problem_send_database(request, status);
	}
	if (cosigned)
		session_note_finish(request, db, id, 200, AUDIT_SIGN, &claim);
	else
		idempotency_release(db);
}
