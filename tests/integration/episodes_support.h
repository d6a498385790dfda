/* What the episode tests (test_episode_*.c) share: a provider with a person assigned to
 * its specialist, episodes back-dated through the API (started_on in the past) and the
 * BARC-10 assessments taken in them. Responses are kept in the test's arena. */
#pragma once

#include <jansson.h>
#include <stddef.h>

#include "http.h"
#include "session_notes_support.h"
#include "world.h"

struct episode_world {
	struct world provider;
	struct person person;
};

void episode_world_open(struct episode_world *episodes, struct world_options options);

/* PATCHes the provider's settings.assessment_schedule with schedule (a JSON object's
 * text) as its supervisor. */
struct http_response *episode_schedule_set(const struct episode_world *episodes,
					   const char *schedule);

/* The provider's day `days` from its today (negative: past), YYYY-MM-DD. */
void episode_day(const struct episode_world *episodes, int days, char out[16]);

/* POST /v1/participants/{participant_id}/episodes with body as token. */
struct http_response *episode_post(const char *participant_id, const char *token, const char *body);

/* An open episode of program started `days_ago` days before the provider's today, made by
 * the supervisor; its id (kept in the arena). */
const char *episode_open_ok(const struct episode_world *episodes, const char *participant_id,
			    const char *program, int days_ago);

struct http_response *episode_get(const char *id, const char *token);

/* POST /v1/episodes/{id}/assessments {timepoint, administered_on (days from today),
 * answers (a JSON array's text)} as token. */
struct http_response *assessment_post(const struct episode_world *episodes, const char *episode_id,
				      const char *token, const char *timepoint, int days,
				      const char *answers);

/* As assessment_post with ten answers of 3, asserting 201; the new assessment's id. */
const char *assessment_ok(const struct episode_world *episodes, const char *episode_id,
			  const char *timepoint, int days);

/* The schedule of the episode as token reads it: "timepoint/slot state" joined by "; ". */
void episode_states(const char *episode_id, const char *token, char *out, size_t size);
