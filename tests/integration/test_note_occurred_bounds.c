/* When a session note may have occurred (sql/020): not before its participant's first
 * referral or registration, not in the future; a note is a referral's first contact only
 * from that referral's submission on, so the summary's median days to first contact is
 * never negative. The handlers answer 422 naming occurred_at and write nothing; the
 * database refuses the same of any other writer. Part of the session_notes suite; every
 * test makes its own organization and people. */
#include <criterion/criterion.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "fixtures.h"
#include "http.h"

/* A provider, a certified specialist of it, and its supervisor's and reporter's tokens. */
struct program {
	char *organization;
	char specialist_subject[96];
	char *specialist_id;
	char *specialist, *supervisor, *reporter; /* tokens */
};

static void program_open(struct program *program)
{
	program->organization = create_organization("provider");
	program->specialist_id =
		certified_specialist(program->organization, program->specialist_subject,
				     sizeof program->specialist_subject);
	program->specialist =
		token_for_subject("specialist", program->organization, program->specialist_subject);
	program->supervisor = token_for("supervisor", program->organization);
	program->reporter = token_for("reporter", program->organization);
}

static void program_close(struct program *program)
{
	free(program->organization);
	free(program->specialist_id);
	free(program->specialist);
	free(program->supervisor);
	free(program->reporter);
}

/* A referral assigned to the program's specialist, submitted submitted_ago before now,
 * and a goal of its participant. Returns the referral's id; writes the participant's and
 * the goal's. */
static char *referred(const struct program *program, const char *submitted_ago, char *participant,
		      size_t participant_size, char *goal, size_t goal_size)
{
	char *referral = assigned_referral(program->supervisor, program->specialist_id, participant,
					   participant_size);
	backdate_referral(referral, submitted_ago);
	char path[128];
	snprintf(path, sizeof path, "/v1/participants/%s/goals", participant);
	struct http_response *created =
		http_post(path, program->specialist,
			  "{\"domain\":\"social\",\"statement\":\"Call my sister.\"}");
	cr_assert_eq(created->status, 201, "a goal: %s", created->body);
	snprintf(goal, goal_size, "%s", http_string(created, "id"));
	return referral;
}

/* POSTs a note on participant and goal occurred at at, as token (for the program's
 * specialist). */
static struct http_response *note_post(const struct program *program, const char *token,
				       const char *participant, const char *goal, const char *at)
{
	json_t *body = json_pack("{s:s, s:s, s:i, s:s, s:[s]}", "participant_id", participant,
				 "occurred_at", at, "duration_minutes", 30, "modality", "phone",
				 "goal_ids", goal);
	cr_assert(body);
	if (strcmp(token, program->specialist) != 0)
		json_object_set_new(body, "specialist_id", json_string(program->specialist_id));
	struct http_response *response = http_send_json("POST", "/v1/session-notes", token, body);
	json_decref(body);
	return response;
}

/* As note_post, asserting 201; returns the note's id. */
static char *note_ok(const struct program *program, const char *token, const char *participant,
		     const char *goal, const char *at)
{
	struct http_response *created = note_post(program, token, participant, goal, at);
	cr_assert_eq(created->status, 201, "a note at %s: %s", at, created->body);
	char *id = strdup(http_string(created, "id"));
	return id;
}

/* Asserts a 422 with one error, naming occurred_at with a message holding says (or NULL),
 * and frees it. */
static void refused(struct http_response *response, const char *says, const char *what)
{
	cr_assert_eq(response->status, 422, "%s: %s", what, response->body);
	json_t *errors = json_object_get(response->json, "errors");
	cr_assert_eq(json_array_size(errors), 1, "%s: %s", what, response->body);
	assert_error_names(response, "occurred_at");
	const char *message =
		json_string_value(json_object_get(json_array_get(errors, 0), "message"));
	cr_assert(message && (!says || strstr(message, says)), "%s: should say %s: %s", what, says,
		  response->body);
}

/* The referral as the supervisor reads it. Free it. */
static struct http_response *referral_read(const struct program *program, const char *id)
{
	char path[128];
	snprintf(path, sizeof path, "/v1/referrals/%s", id);
	struct http_response *read = http_get(path, program->supervisor);
	cr_assert_eq(read->status, 200, "%s", read->body);
	return read;
}

/* How many notes the participant has. */
static size_t notes_of(const struct program *program, const char *participant)
{
	char path[128];
	snprintf(path, sizeof path, "/v1/session-notes?participant_id=%s", participant);
	struct http_response *list = http_get(path, program->supervisor);
	cr_assert_eq(list->status, 200, "%s", list->body);
	size_t count = json_array_size(json_object_get(list->json, "items"));
	return count;
}

/* The case that made the median -0.04: a note an hour before the referral's submission.
 * Refused, naming the submission; no note, and the referral neither engaged nor
 * contacted. A note at the submission's second (as the API shows it) is its first
 * contact. */
TestSuite(session_notes, .init = arena_open, .fini = arena_close);

Test(session_notes, a_note_before_the_referral_is_refused_and_writes_nothing)
{
	struct program program;
	program_open(&program);
	char participant[64], goal[64], before[32];
	char *referral =
		referred(&program, "2 hours", participant, sizeof participant, goal, sizeof goal);
	struct http_response *was = referral_read(&program, referral);
	char *submitted = strdup(http_string(was, "submitted_at"));
	json_int_t version = json_integer_value(json_object_get(was->json, "version"));

	instant_ago("3 hours", before, sizeof before);
	refused(note_post(&program, program.specialist, participant, goal, before), submitted,
		"an hour before the referral, by the specialist");
	refused(note_post(&program, program.supervisor, participant, goal, before), submitted,
		"an hour before the referral, by a supervisor");
	cr_assert_eq(notes_of(&program, participant), 0);
	struct http_response *after = referral_read(&program, referral);
	cr_assert_str_eq(http_string(after, "status"), "assigned", "%s", after->body);
	cr_assert(json_is_null(json_object_get(after->json, "first_contact_at")), "%s",
		  after->body);
	cr_assert_eq(json_integer_value(json_object_get(after->json, "version")), version);

	free(note_ok(&program, program.specialist, participant, goal, submitted));
	struct http_response *engaged = referral_read(&program, referral);
	cr_assert_str_eq(http_string(engaged, "status"), "engaged", "%s", engaged->body);
	cr_assert_str_eq(http_string(engaged, "first_contact_at"), submitted, "%s", engaged->body);
	free(submitted);
	free(referral);
	program_close(&program);
}

/* Years back: refused for a person referred today and for a walk-in registered today,
 * whoever writes it. */
Test(session_notes, a_note_from_2019_is_refused)
{
	struct program program;
	program_open(&program);
	char participant[64], goal[64];
	char *referral =
		referred(&program, "0 seconds", participant, sizeof participant, goal, sizeof goal);
	refused(note_post(&program, program.specialist, participant, goal, "2019-03-04T17:00:00Z"),
		"first referred or registered", "2019, a person referred today");
	cr_assert_eq(notes_of(&program, participant), 0);

	struct http_response *walk_in =
		http_post("/v1/participants", program.supervisor,
			  "{\"given_name\":\"Jordan\",\"family_name\":\"Lee\"}");
	cr_assert_eq(walk_in->status, 201, "%s", walk_in->body);
	char path[128];
	snprintf(path, sizeof path, "/v1/participants/%s/goals", http_string(walk_in, "id"));
	struct http_response *walk_in_goal = http_post(
		path, program.supervisor, "{\"domain\":\"social\",\"statement\":\"Sleep.\"}");
	cr_assert_eq(walk_in_goal->status, 201, "%s", walk_in_goal->body);
	refused(note_post(&program, program.supervisor, http_string(walk_in, "id"),
			  http_string(walk_in_goal, "id"), "2019-03-04T17:00:00Z"),
		http_string(walk_in, "created_at"), "2019, a walk-in registered today");
	free(referral);
	program_close(&program);
}

/* A draft moved before the referral: 422, and the note stays as it was. Moved within the
 * bounds, it changes. */
Test(session_notes, patch_cannot_move_a_draft_before_the_referral)
{
	struct program program;
	program_open(&program);
	char participant[64], goal[64], an_hour_ago[32], before[32], later[32];
	char *referral =
		referred(&program, "2 hours", participant, sizeof participant, goal, sizeof goal);
	instant_ago("1 hour", an_hour_ago, sizeof an_hour_ago);
	instant_ago("3 hours", before, sizeof before);
	instant_ago("30 minutes", later, sizeof later);
	char *note = note_ok(&program, program.specialist, participant, goal, an_hour_ago);
	char path[128], body[96];
	snprintf(path, sizeof path, "/v1/session-notes/%s", note);

	snprintf(body, sizeof body, "{\"occurred_at\":\"%s\"}", before);
	refused(http_patch(path, program.specialist, body, NULL), "first referred or registered",
		"a draft moved an hour before the referral");
	refused(http_patch(path, program.specialist, "{\"occurred_at\":\"2019-03-04T17:00:00Z\"}",
			   NULL),
		"first referred or registered", "a draft moved to 2019");
	struct http_response *kept = http_get(path, program.specialist);
	cr_assert_str_eq(http_string(kept, "occurred_at"), an_hour_ago, "%s", kept->body);
	cr_assert_eq(json_integer_value(json_object_get(kept->json, "version")), 1, "%s",
		     kept->body);

	snprintf(body, sizeof body, "{\"occurred_at\":\"%s\"}", later);
	struct http_response *moved = http_patch(path, program.specialist, body, NULL);
	cr_assert_eq(moved->status, 200, "%s", moved->body);
	cr_assert_str_eq(http_string(moved, "occurred_at"), later, "%s", moved->body);
	free(note);
	free(referral);
	program_close(&program);
}

/* A draft from before the rule (here: its participant's registration moved after it)
 * still changes in other members; only a new occurred_at is held to the bound. */
Test(session_notes, a_draft_outside_the_bound_keeps_its_time_through_a_patch)
{
	struct program program;
	program_open(&program);
	struct http_response *walk_in =
		http_post("/v1/participants", program.supervisor,
			  "{\"given_name\":\"Jordan\",\"family_name\":\"Lee\"}");
	cr_assert_eq(walk_in->status, 201, "%s", walk_in->body);
	char participant[64], path[128], goal[64], yesterday[32], two_days_ago[32], body[96];
	snprintf(participant, sizeof participant, "%s", http_string(walk_in, "id"));
	snprintf(path, sizeof path, "/v1/participants/%s/goals", participant);
	struct http_response *created = http_post(
		path, program.supervisor, "{\"domain\":\"social\",\"statement\":\"Sleep.\"}");
	cr_assert_eq(created->status, 201, "%s", created->body);
	snprintf(goal, sizeof goal, "%s", http_string(created, "id"));
	participant_registered_at(participant, TEST_PROGRAM_START);
	instant_ago("1 day", yesterday, sizeof yesterday);
	instant_ago("2 days", two_days_ago, sizeof two_days_ago);
	char *note = note_ok(&program, program.supervisor, participant, goal, yesterday);
	char now[32];
	instant_ago("0 seconds", now, sizeof now);
	participant_registered_at(participant, now);

	snprintf(path, sizeof path, "/v1/session-notes/%s", note);
	struct http_response *patched =
		http_patch(path, program.supervisor, "{\"summary\":\"Talked about sleep.\"}", NULL);
	cr_assert_eq(patched->status, 200, "%s", patched->body);
	cr_assert_str_eq(http_string(patched, "occurred_at"), yesterday, "%s", patched->body);
	snprintf(body, sizeof body, "{\"occurred_at\":\"%s\"}", two_days_ago);
	refused(http_patch(path, program.supervisor, body, NULL), now,
		"moved further from the registration");
	free(note);
	program_close(&program);
}

/* What the handlers refuse, the database refuses of any writer: a note before the
 * participant came or in the future (written or moved), and a first contact before its
 * referral's submission. */
Test(session_notes, the_database_refuses_notes_out_of_bounds_and_early_first_contacts)
{
	struct program program;
	program_open(&program);
	char participant[64], goal[64], an_hour_ago[32];
	char *referral =
		referred(&program, "2 hours", participant, sizeof participant, goal, sizeof goal);
	instant_ago("1 hour", an_hour_ago, sizeof an_hour_ago);
	char *note = note_ok(&program, program.specialist, participant, goal, an_hour_ago);
	static const char INSERT[] =
		"INSERT INTO session_notes (organization_id, participant_id, specialist_id,"
		" occurred_at, duration_minutes, modality, goal_ids, created_by)"
		" SELECT p.organization_id, p.id, $2, $3::timestamptz, 30, 'phone',"
		" ARRAY[$4::uuid], 'test' FROM participants p WHERE p.id = $1";
	const char *const in_2019[] = {participant, program.specialist_id, "2019-03-04T17:00:00Z",
				       goal};
	database_refuses(INSERT, 4, in_2019, "session_notes_occurred_at_bounds");
	char *tomorrow = test_sql_text("SELECT (now() + interval '1 day')::text", 0, NULL);
	const char *const ahead[] = {participant, program.specialist_id, tomorrow, goal};
	database_refuses(INSERT, 4, ahead, "session_notes_occurred_at_bounds");
	database_refuses("UPDATE session_notes SET occurred_at = occurred_at - interval '2 hours'"
			 " WHERE id = $1",
			 1, (const char *const[]){note}, "session_notes_occurred_at_bounds");
	database_refuses("UPDATE referrals SET first_contact_at = submitted_at - interval '1 hour'"
			 " WHERE id = $1",
			 1, (const char *const[]){referral},
			 "referrals_first_contact_after_submission");
	free(tomorrow);
	free(note);
	free(referral);
	program_close(&program);
}

/* A second referral of the same person, which the API cannot make today but the schema
 * allows: submitted submitted_ago before now and assigned to the program's specialist.
 * Returns its id. */
static char *second_referral(const struct program *program, const char *participant,
			     const char *submitted_ago)
{
	char at[32];
	instant_ago(submitted_ago, at, sizeof at);
	PGconn *db = test_db_connect();
	PGresult *res = PQexecParams(
		db,
		"INSERT INTO referrals (provider_organization_id, referring_organization_id,"
		" participant_id, service_type, reason, urgency, substance_use, consent_obtained,"
		" consent_part2, status, assigned_specialist_id, submitted_at, respond_by,"
		" submitted_by) VALUES ($1, $1, $2, 'peer', 'Back after a move.', 'routine', false,"
		" true, false, 'assigned', $3, $4::timestamptz, $4::timestamptz + interval '2 "
		"days',"
		" 'test') RETURNING id",
		4, NULL,
		(const char *const[]){program->organization, participant, program->specialist_id,
				      at},
		NULL, NULL, 0);
	cr_assert_eq(PQresultStatus(res), PGRES_TUPLES_OK, "%s", PQerrorMessage(db));
	char *id = strdup(PQgetvalue(res, 0, 0));
	PQclear(res);
	PQfinish(db);
	return id;
}

/* The median days from submission to first contact, from the summary of the last 30
 * days. */
static double summary_median(const struct program *program)
{
	struct http_response *summary = http_get("/v1/reports/summary", program->reporter);
	cr_assert_eq(summary->status, 200, "%s", summary->body);
	json_t *median = json_object_get(summary->json, "median_days_to_first_contact");
	cr_assert(json_is_number(median), "%s", summary->body);
	double days = json_number_value(median);
	return days;
}

/* The median is never negative: the note that made it -0.04 is refused, and a note
 * between a person's two referrals is no first contact of the second (before: it was,
 * three days before that referral's submission). Both referrals are first contacted a
 * day after submission: the median is 1. */
Test(session_notes, median_days_to_first_contact_is_never_negative)
{
	struct program program;
	program_open(&program);
	char early[64], early_goal[64], at[32];
	char *early_referral =
		referred(&program, "2 hours", early, sizeof early, early_goal, sizeof early_goal);
	instant_ago("3 hours", at, sizeof at);
	refused(note_post(&program, program.specialist, early, early_goal, at), NULL,
		"an hour before the referral");
	struct http_response *none = http_get("/v1/reports/summary", program.reporter);
	cr_assert_eq(none->status, 200, "%s", none->body);
	cr_assert(json_is_null(json_object_get(none->json, "median_days_to_first_contact")),
		  "no first contact yet: %s", none->body);

	char twice[64], goal[64];
	char *first = referred(&program, "10 days", twice, sizeof twice, goal, sizeof goal);
	instant_ago("9 days", at, sizeof at);
	free(note_ok(&program, program.specialist, twice, goal, at));
	char *second = second_referral(&program, twice, "2 days");
	instant_ago("5 days", at, sizeof at);
	free(note_ok(&program, program.specialist, twice, goal, at));
	struct http_response *waiting = referral_read(&program, second);
	cr_assert_str_eq(http_string(waiting, "status"), "assigned", "%s", waiting->body);
	cr_assert(json_is_null(json_object_get(waiting->json, "first_contact_at")), "%s",
		  waiting->body);
	instant_ago("1 day", at, sizeof at);
	free(note_ok(&program, program.specialist, twice, goal, at));
	struct http_response *engaged = referral_read(&program, second);
	cr_assert_str_eq(http_string(engaged, "status"), "engaged", "%s", engaged->body);
	cr_assert_str_eq(http_string(engaged, "first_contact_at"), at, "%s", engaged->body);

	double median = summary_median(&program);
	cr_assert(median >= 0.99 && median <= 1.01, "median days to first contact: %f", median);
	free(first);
	free(second);
	free(early_referral);
	program_close(&program);
}
