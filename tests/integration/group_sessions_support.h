/* What the group-session tests (test_group_session_*.c) share: a provider with people
 * assigned to its specialist, the sessions they write through the API (API.md, "Group
 * sessions") and the requests they repeat. Responses are kept in the test's arena. */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "http.h"
#include "session_notes_support.h"
#include "world.h"

enum { GROUP_PEOPLE_MAX = 8 };

/* A provider (world_build with options, its specialist certified from a year ago to a
 * year ahead) and count people assigned to that specialist, each with an active goal. */
struct group_world {
	struct world provider;
	struct person people[GROUP_PEOPLE_MAX];
	size_t count;
};

void group_world_open(struct group_world *group, struct world_options options, size_t count);

/* A complete session without attendance, led by facilitators[0]: in person, duration
 * minutes at occurred_at. The caller owns it. */
json_t *group_doc(const char *const *facilitators, size_t count, const char *occurred_at,
		  int duration);

/* A roster entry for person: minutes when > 0; a note and the person's goal when status is
 * present or left_early. The caller owns it. */
json_t *attendee(const struct person *person, const char *status, int minutes);

/* Sets doc's attendance (stolen). Returns doc. */
json_t *with_attendance(json_t *doc, json_t *attendance);

/* POSTs doc (which it frees) to /v1/group-sessions as token. */
struct http_response *group_post(const char *token, json_t *doc);

/* As group_post, asserting a 201 draft; returns its id (kept in the arena). */
char *group_create_ok(const char *token, json_t *doc);

void group_path(char *out, size_t size, const char *id, const char *suffix);

struct http_response *group_get(const char *id, const char *token);

/* POST /v1/group-sessions/{id}/action with body (JSON text or NULL), as a client does: with
 * the ETag of a read just before (none when token may not read it). */
struct http_response *group_act(const char *id, const char *action, const char *token,
				const char *body);

/* As group_act "sign", asserting a 200 signed session. */
struct http_response *group_sign_ok(const char *id, const char *token);

/* PUT /v1/group-sessions/{id}/attendance with {"attendance": attendance} (stolen), with the
 * ETag of a read just before when token may read it. */
struct http_response *group_put_attendance(const char *id, const char *token, json_t *attendance);

/* PATCH the session with body (merge patch text), with the ETag of a read just before. */
struct http_response *group_patch(const char *id, const char *token, const char *body);

/* The note a signing made for participant_id, as token reads it (asserting one at most), or
 * NULL when it made none. Owned by the arena. */
const json_t *group_note_for(const struct http_response *signed_session, const char *participant_id,
			     const char *token);

/* How many notes of participant_id token may list. */
size_t notes_of(const char *participant_id, const char *token);

/* How many sessions GET /v1/group-sessions?query lists for token (every page). */
size_t sessions_listed(const char *query, const char *token);

/* Whether a problem's errors name a field that starts with prefix. */
bool names_field_under(const struct http_response *response, const char *prefix);

/* Asserts a 409 whose detail holds text (NULL: any detail). */
void expect_conflict(const struct http_response *response, const char *text, const char *what);

/* A draft led by lead_id alone, duration minutes at time_of_day (HH:MM) days_ago days
 * before the organization's today, with roster (stolen), written as token; its id (kept in
 * the arena). */
const char *group_draft_ok(const char *token, const char *lead_id, int days_ago,
			   const char *time_of_day, int duration, json_t *roster);

/* How one person came to a session: status, and minutes when > 0 (as attendee takes them). */
struct showing {
	const char *status;
	int minutes;
};

/* As group_draft_ok, led and written by the group's specialist, with people[i] attending as
 * showings[i] says for i below count. */
const char *group_roster_draft_ok(const struct group_world *group, int days_ago,
				  const char *time_of_day, int duration,
				  const struct showing *showings, size_t count);
