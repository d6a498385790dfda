/* What the plan tests (test_plan_*.c) share: a provider with a person assigned to its
 * specialist, the plans they write through the API (API.md, "Plans") and the requests
 * they repeat. Responses are kept in the test's arena. */
#pragma once

#include <jansson.h>
#include <stddef.h>

#include "http.h"
#include "session_notes_support.h"
#include "world.h"

/* A provider built with options (its specialist certified around today) and a person
 * assigned to that specialist, with a goal. */
struct plan_world {
	struct world provider;
	struct person person;
};

void plan_world_open(struct plan_world *plans, struct world_options options);

/* A plan of kind ("recovery", "wrap", "crisis") with two sections of its own, and no
 * goals. The caller owns it. */
json_t *plan_doc(const char *kind);

/* POSTs doc (which it frees) to /v1/participants/{participant_id}/plans as token. */
struct http_response *plan_post(const char *participant_id, const char *token, json_t *doc);

/* As plan_post, asserting a 201 draft; returns its id (kept in the arena). */
const char *plan_draft_ok(const char *participant_id, const char *token, json_t *doc);

void plan_path(char *out, size_t size, const char *id, const char *suffix);

struct http_response *plan_get(const char *id, const char *token);

/* POST /v1/plans/{id}/sign with {"participant_signed_on": signed_on} as token, with the
 * ETag of a read just before when token may read it. */
struct http_response *plan_sign(const char *id, const char *token, const char *signed_on);

/* As plan_sign, asserting a 200 active plan. */
struct http_response *plan_sign_ok(const char *id, const char *token, const char *signed_on);

/* PATCH the plan with body (merge patch text), with the ETag of a read just before. */
struct http_response *plan_patch(const char *id, const char *token, const char *body);
