#include "group_sessions_support.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "fixtures.h"

void group_world_open(struct group_world *group, struct world_options options, size_t count)
{
	cr_assert_leq(count, (size_t)GROUP_PEOPLE_MAX);
	options.certified_around_today = true;
	world_build(&group->provider, options);
	group->count = count;
	for (size_t i = 0; i < count; i++)
		person_assigned(&group->people[i], &group->provider, &group->provider.specialist);
}

json_t *group_doc(const char *const *facilitators, size_t count, const char *occurred_at,
		  int duration)
{
	json_t *ids = json_array();
	for (size_t i = 0; i < count; i++)
		json_array_append_new(ids, json_string(facilitators[i]));
	json_t *doc = json_pack("{s:o, s:s, s:i, s:s, s:s, s:s, s:s}", "facilitator_ids", ids,
				"occurred_at", occurred_at, "duration_minutes", duration,
				"modality", "in_person", "location", "Community center, room 2",
				"topic", "Staying well through the holidays", "domain", "social");
	cr_assert(doc);
	return doc;
}

json_t *attendee(const struct person *person, const char *status, int minutes)
{
	json_t *entry = json_pack("{s:s, s:s}", "participant_id", person->id, "status", status);
	if (minutes > 0)
		json_object_set_new(entry, "minutes", json_integer(minutes));
	if (strcmp(status, "present") == 0 || strcmp(status, "left_early") == 0) {
		char note[160];
		snprintf(note, sizeof note, "Shared how the week went (%s).", person->id);
		json_object_set_new(entry, "note", json_string(note));
		json_object_set_new(entry, "goal_ids", json_pack("[s]", person->goal_id));
	}
	return entry;
}

json_t *with_attendance(json_t *doc, json_t *attendance)
{
	json_object_set_new(doc, "attendance", attendance);
	return doc;
}

struct http_response *group_post(const char *token, json_t *doc)
{
	struct http_response *response = http_send_json("POST", "/v1/group-sessions", token, doc);
	json_decref(doc);
	return response;
}

char *group_create_ok(const char *token, json_t *doc)
{
	struct http_response *created = group_post(token, doc);
	expect(created, 201, "creating a group session");
	cr_assert_str_eq(http_string(created, "status"), "draft", "%s", created->body);
	return arena_text(strdup(http_string(created, "id")));
}

void group_path(char *out, size_t size, const char *id, const char *suffix)
{
	snprintf(out, size, "/v1/group-sessions/%s%s", id, suffix);
}

struct http_response *group_get(const char *id, const char *token)
{
	char path[128];
	group_path(path, sizeof path, id, "");
	return http_get(path, token);
}

/* "If-Match: <the ETag token reads now>" into out, or "" when token may not read it. */
static void if_match_as_read(const char *id, const char *token, char *out, size_t size)
{
	struct http_response *read = group_get(id, token);
	char *etag = read->status == 200 ? http_header(read, "ETag") : NULL;
	if (etag)
		snprintf(out, size, "If-Match: %s", etag);
	else
		out[0] = '\0';
	free(etag);
}

static struct http_response *send_as_read(const char *method, const char *id, const char *suffix,
					  const char *token, const char *content_type,
					  const char *body)
{
	char path[160], if_match[64];
	group_path(path, sizeof path, id, suffix);
	if_match_as_read(id, token, if_match, sizeof if_match);
	return http_send(&(struct http_request){.method = method,
						.path = path,
						.token = token,
						.content_type = body ? content_type : NULL,
						.body = body,
						.headers = {if_match[0] ? if_match : NULL}});
}

struct http_response *group_act(const char *id, const char *action, const char *token,
				const char *body)
{
	char suffix[32];
	snprintf(suffix, sizeof suffix, "/%s", action);
	return send_as_read("POST", id, suffix, token, "application/json", body);
}

struct http_response *group_sign_ok(const char *id, const char *token)
{
	struct http_response *signed_session = group_act(id, "sign", token, NULL);
	cr_assert_eq(signed_session->status, 200, "signing: %s", signed_session->body);
	cr_assert_str_eq(http_string(signed_session, "status"), "signed", "%s",
			 signed_session->body);
	return signed_session;
}

struct http_response *group_put_attendance(const char *id, const char *token, json_t *attendance)
{
	json_t *body = json_pack("{s:o}", "attendance", attendance);
	char *text = json_dumps(body, JSON_COMPACT);
	json_decref(body);
	struct http_response *response =
		send_as_read("PUT", id, "/attendance", token, "application/json", text);
	free(text);
	return response;
}

struct http_response *group_patch(const char *id, const char *token, const char *body)
{
	return send_as_read("PATCH", id, "", token, "application/merge-patch+json", body);
}

const json_t *group_note_for(const struct http_response *signed_session, const char *participant_id,
			     const char *token)
{
	const json_t *found = NULL;
	size_t index;
	json_t *note_id;
	json_array_foreach (json_object_get(signed_session->json, "note_ids"), index, note_id) {
		struct http_response *note = note_get(json_string_value(note_id), token);
		cr_assert_eq(note->status, 200, "reading a note signing made: %s", note->body);
		if (strcmp(member(note, "participant_id"), participant_id) != 0)
			continue;
		cr_assert_null(found, "two notes for one attendee: %s", signed_session->body);
		found = note->json;
	}
	return found;
}

/* How many items every page of path (which carries a '?') lists for token. */
static size_t listed(const char *path, const char *token)
{
	char ids[8192];
	list_ids(path, token, ids, sizeof ids);
	size_t count = ids[0] ? 1 : 0;
	for (const char *c = ids; *c; c++)
		count += *c == ' ';
	return count;
}

size_t notes_of(const char *participant_id, const char *token)
{
	char path[160];
	snprintf(path, sizeof path, "/v1/session-notes?participant_id=%s", participant_id);
	return listed(path, token);
}

size_t sessions_listed(const char *query, const char *token)
{
	char path[512];
	snprintf(path, sizeof path, "/v1/group-sessions?%s", query);
	return listed(path, token);
}

bool names_field_under(const struct http_response *response, const char *prefix)
{
	size_t index;
	json_t *error;
	json_array_foreach (json_object_get(response->json, "errors"), index, error) {
		const char *named = json_string_value(json_object_get(error, "field"));
		if (named && strncmp(named, prefix, strlen(prefix)) == 0)
			return true;
	}
	return false;
}

void expect_conflict(const struct http_response *response, const char *text, const char *what)
{
	cr_assert_eq(response->status, 409, "%s: expected 409: %s", what, response->body);
	if (text) {
		const char *detail = member(response, "detail");
		cr_assert(detail && strstr(detail, text), "%s: the detail should hold \"%s\": %s",
			  what, text, response->body);
	}
}

const char *group_draft_ok(const char *token, const char *lead_id, int days_ago,
			   const char *time_of_day, int duration, json_t *roster)
{
	char occurred[32];
	local_instant(days_ago, time_of_day, occurred, sizeof occurred);
	return group_create_ok(token,
			       with_attendance(group_doc(&lead_id, 1, occurred, duration), roster));
}

const char *group_roster_draft_ok(const struct group_world *group, int days_ago,
				  const char *time_of_day, int duration,
				  const struct showing *showings, size_t count)
{
	cr_assert_leq(count, group->count);
	json_t *roster = json_array();
	for (size_t i = 0; i < count; i++)
		json_array_append_new(roster, attendee(&group->people[i], showings[i].status,
						       showings[i].minutes));
	const struct actor *lead = &group->provider.specialist;
	return group_draft_ok(lead->token, lead->id, days_ago, time_of_day, duration, roster);
}
