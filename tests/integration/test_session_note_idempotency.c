/* An Idempotency-Key on writing a session note (API.md, Idempotency). */
#include <criterion/criterion.h>
#include <jansson.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "fixtures.h"
#include "http.h"
#include "session_notes_support.h"
#include "world.h"

TestSuite(session_note_idempotency, .init = arena_open, .fini = arena_close);

/* POSTs doc (not freed) as token with Idempotency-Key: key. */
static struct http_response *note_post_keyed(const char *token, const json_t *doc, const char *key)
{
	return http_post_keyed("/v1/session-notes", token, doc, key);
}

static long long notes_stored(const char *participant_id)
{
	char *count = test_sql_text("SELECT count(*) FROM session_notes WHERE participant_id = $1",
				    1, (const char *const[]){participant_id});
	long long stored = atoll(count);
	free(count);
	return stored;
}

/* Whether the answer says it is a replay (Idempotent-Replayed: true). */
static bool replayed(const struct http_response *response)
{
	char *value = http_header(response, "Idempotent-Replayed");
	bool is_replay = value && strcmp(value, "true") == 0;
	free(value);
	return is_replay;
}

/* A provider, its certified specialist, a person assigned to them with a goal, a note's
 * time and an Idempotency-Key no other test sends. */
struct keyed {
	struct world provider;
	struct actor specialist;
	struct person person;
	char at[32];
	char key[96];
};

static void keyed_open(struct keyed *keyed, const char *time_of_day)
{
	world_build(&keyed->provider, (struct world_options){0});
	specialist_open(&keyed->specialist, keyed->provider.provider, true);
	person_assigned(&keyed->person, &keyed->provider, &keyed->specialist);
	local_instant(1, time_of_day, keyed->at, sizeof keyed->at);
	unique_token("note-key", keyed->key, sizeof keyed->key);
}

/* Posts a 45-minute in-person note for k's person under k's key, as k's specialist, and
 * asserts it is created; writes the body posted into doc (the caller decrefs it). */
static struct http_response *first_keyed_note(const struct keyed *k, json_t **doc)
{
	*doc = note_doc(k->person.id, k->person.goal_id, k->at, 45, "in_person");
	struct http_response *first = note_post_keyed(k->specialist.token, *doc, k->key);
	cr_assert_eq(first->status, 201, "%s", first->body);
	return first;
}

Test(session_note_idempotency, same_key_and_body_replays_the_first_note)
{
	struct keyed k;
	keyed_open(&k, "10:00");
	json_t *doc;
	struct http_response *first = first_keyed_note(&k, &doc);
	cr_assert_not(replayed(first), "the first answer is not a replay");
	char *location = http_header(first, "Location");
	const char *id = http_string(first, "id");
	cr_assert_eq(audit_events_by(k.specialist.subject, id, "read"), 0);

	/* The same document in another member order, after the goal it names was set aside:
	 * the first answer again, and no second note. */
	goal_discontinue(k.person.goal_id, k.specialist.token);
	char *reordered = json_dumps(doc, JSON_SORT_KEYS | JSON_INDENT(2));
	json_t *again_doc = json_loads(reordered, 0, NULL);
	struct http_response *again = note_post_keyed(k.specialist.token, again_doc, k.key);
	cr_assert_eq(again->status, 201, "%s", again->body);
	cr_assert(replayed(again), "Idempotent-Replayed: true: %s", again->headers);
	cr_assert(json_equal(again->json, first->json), "%s\n%s", first->body, again->body);
	char *again_location = http_header(again, "Location");
	cr_assert_str_eq(again_location, location);
	cr_assert_eq(notes_stored(k.person.id), 1);
	/* A replay discloses the note again: the event a GET of it writes, by the caller. */
	cr_assert_eq(audit_events_by(k.specialist.subject, id, "read"), 1,
		     "a replay is recorded as a read");

	/* Without the key, the same body is a new request (and now refused: the goal). */
	struct http_response *unkeyed =
		http_send_json("POST", "/v1/session-notes", k.specialist.token, doc);
	cr_assert_eq(unkeyed->status, 422, "%s", unkeyed->body);
	cr_assert_eq(notes_stored(k.person.id), 1);

	free(again_location);
	json_decref(again_doc);
	free(reordered);
	free(location);
	json_decref(doc);
}

Test(session_note_idempotency, same_key_with_another_body_is_422_and_a_failed_key_is_free)
{
	struct keyed k;
	keyed_open(&k, "11:00");
	/* Refused first (too long a session): the key is given back. */
	json_t *doc = note_doc(k.person.id, k.person.goal_id, k.at, 481, "phone");
	expect_invalid(note_post_keyed(k.specialist.token, doc, k.key), "duration_minutes",
		       "481 minutes");
	json_object_set_new(doc, "duration_minutes", json_integer(30));
	struct http_response *created = note_post_keyed(k.specialist.token, doc, k.key);
	cr_assert_eq(created->status, 201, "%s", created->body);
	cr_assert_not(replayed(created), "a refused request keeps nothing to replay");

	json_object_set_new(doc, "summary", json_string("Another session, another story."));
	expect_invalid(note_post_keyed(k.specialist.token, doc, k.key), "Idempotency-Key",
		       "another body with the key");
	cr_assert_eq(notes_stored(k.person.id), 1);

	/* A supervisor of the organization has a scope of its own. */
	json_object_set_new(doc, "specialist_id", json_string(k.specialist.id));
	struct http_response *supervisor = note_post_keyed(k.provider.supervisor.token, doc, k.key);
	cr_assert_eq(supervisor->status, 201, "%s", supervisor->body);
	cr_assert_not(replayed(supervisor));
	cr_assert_eq(notes_stored(k.person.id), 2);

	json_decref(doc);
}

Test(session_note_idempotency, a_colleagues_key_is_not_replayed_to_a_specialist_not_assigned)
{
	struct keyed k;
	keyed_open(&k, "13:00");
	struct actor colleague;
	specialist_open(&colleague, k.provider.provider, true);
	json_t *doc;
	struct http_response *first = first_keyed_note(&k, &doc);
	/* The same key and body from a specialist the person is not assigned to: their own
	 * attempt, answered as it would be without the key, never the colleague's note. */
	struct http_response *theirs = note_post_keyed(colleague.token, doc, k.key);
	cr_assert_eq(theirs->status, 404, "%s", theirs->body);
	cr_assert_not(replayed(theirs), "%s", theirs->headers);
	cr_assert_null(strstr(theirs->body, http_string(first, "id")), "%s", theirs->body);
	cr_assert_eq(audit_events_by(colleague.subject, http_string(first, "id"), NULL), 0);
	cr_assert_eq(notes_stored(k.person.id), 1);
	json_decref(doc);
}

Test(session_note_idempotency, a_replay_once_the_person_is_no_longer_assigned_is_404)
{
	struct keyed k;
	keyed_open(&k, "14:00");
	json_t *doc;
	struct http_response *first = first_keyed_note(&k, &doc);
	const char *id = http_string(first, "id");
	/* The referral closed, the specialist no longer reads the person's notes: the replay
	 * answers as a GET of the note would, and records nothing. */
	char path[160];
	snprintf(path, sizeof path, "/v1/referrals/%s/transitions", k.person.referral_id);
	expect(http_post(path, k.provider.supervisor.token,
			 "{\"to\":\"closed\",\"reason\":\"Moved out of the county.\"}"),
	       200, "closing the referral");
	expect(note_get(id, k.specialist.token), 404, "reading the note once unassigned");
	long long events = audit_events_by(k.specialist.subject, id, NULL);
	struct http_response *lost = note_post_keyed(k.specialist.token, doc, k.key);
	cr_assert_eq(lost->status, 404, "%s", lost->body);
	cr_assert_not(replayed(lost), "%s", lost->headers);
	cr_assert_null(strstr(lost->body, id), "%s", lost->body);
	cr_assert_eq(audit_events_by(k.specialist.subject, id, NULL), events);
	cr_assert_eq(notes_stored(k.person.id), 1);
	json_decref(doc);
}

Test(session_note_idempotency, keys_of_another_organization_do_not_collide)
{
	struct keyed k[2];
	char *ids[2];
	for (size_t i = 0; i < 2; i++) {
		keyed_open(&k[i], "12:00");
		/* The same key and time in both organizations. */
		snprintf(k[i].key, sizeof k[i].key, "%s", k[0].key);
		json_t *doc = note_doc(k[i].person.id, k[i].person.goal_id, k[0].at, 30, "video");
		struct http_response *created =
			note_post_keyed(k[i].specialist.token, doc, k[0].key);
		cr_assert_eq(created->status, 201, "organization %zu: %s", i, created->body);
		cr_assert_not(replayed(created), "organization %zu's key is its own", i);
		cr_assert_str_eq(http_string(created, "organization_id"), k[i].provider.provider);
		ids[i] = strdup(http_string(created, "id"));
		json_decref(doc);
		cr_assert_eq(notes_stored(k[i].person.id), 1);
	}
	cr_assert_str_neq(ids[0], ids[1]);
	for (size_t i = 0; i < 2; i++)
		free(ids[i]);
}
