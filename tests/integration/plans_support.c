#include "plans_support.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "fixtures.h"

void plan_world_open(struct plan_world *plans, struct world_options options)
{
	person_world_build(&plans->provider, options, &plans->person);
}

json_t *plan_doc(const char *kind)
{
	json_t *sections = NULL;
	if (strcmp(kind, "recovery") == 0)
		sections = json_pack("{s:s, s:s}", "strengths", "I keep showing up.\nI cook.",
				     "needs", "A steady place to live.");
	else if (strcmp(kind, "wrap") == 0)
		sections = json_pack("{s:s, s:s}", "wellness_toolbox", "Walks, my sister, music.",
				     "triggers", "Anniversaries; crowded buses.");
	else
		sections = json_pack("{s:s, s:[{s:s, s:s}]}", "warning_signs",
				     "I stop answering the phone.", "professionals", "name",
				     "988 Suicide & Crisis Lifeline", "phone", "988");
	json_t *doc = json_pack("{s:s, s:o}", "kind", kind, "sections", sections);
	cr_assert(doc);
	return doc;
}

static void participant_plans_path(char *out, size_t size, const char *participant_id)
{
	snprintf(out, size, "/v1/participants/%s/plans", participant_id);
}

struct http_response *plan_post(const char *participant_id, const char *token, json_t *doc)
{
	char path[128];
	participant_plans_path(path, sizeof path, participant_id);
	struct http_response *response = http_send_json("POST", path, token, doc);
	json_decref(doc);
	return response;
}

const char *plan_draft_ok(const char *participant_id, const char *token, json_t *doc)
{
	struct http_response *created = plan_post(participant_id, token, doc);
	expect(created, 201, "creating a plan");
	cr_assert_str_eq(http_string(created, "status"), "draft", "%s", created->body);
	return arena_text(strdup(http_string(created, "id")));
}

void plan_path(char *out, size_t size, const char *id, const char *suffix)
{
	snprintf(out, size, "/v1/plans/%s%s", id, suffix);
}

struct http_response *plan_get(const char *id, const char *token)
{
	char path[128];
	plan_path(path, sizeof path, id, "");
	return http_get(path, token);
}

/* The ETag token reads of plan id now, or NULL when token may not read it; the caller
 * frees it. */
static char *etag_as_read(const char *id, const char *token)
{
	struct http_response *read = plan_get(id, token);
	return read->status == 200 ? http_header(read, "ETag") : NULL;
}

struct http_response *plan_sign(const char *id, const char *token, const char *signed_on)
{
	char path[128], body[96];
	plan_path(path, sizeof path, id, "/sign");
	snprintf(body, sizeof body, "{\"participant_signed_on\":\"%s\"}", signed_on);
	char *etag = etag_as_read(id, token);
	struct http_response *response = http_post_if_match(path, token, body, etag);
	free(etag);
	return response;
}

struct http_response *plan_sign_ok(const char *id, const char *token, const char *signed_on)
{
	struct http_response *signed_plan = plan_sign(id, token, signed_on);
	cr_assert_eq(signed_plan->status, 200, "signing: %s", signed_plan->body);
	cr_assert_str_eq(http_string(signed_plan, "status"), "active", "%s", signed_plan->body);
	return signed_plan;
}

struct http_response *plan_patch(const char *id, const char *token, const char *body)
{
	char path[128];
	plan_path(path, sizeof path, id, "");
	char *etag = etag_as_read(id, token);
	struct http_response *response = http_patch(path, token, body, etag);
	free(etag);
	return response;
}
