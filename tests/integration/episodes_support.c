#include "episodes_support.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "fixtures.h"

void episode_world_open(struct episode_world *episodes, struct world_options options)
{
	person_world_build(&episodes->provider, options, &episodes->person);
}

struct http_response *episode_schedule_set(const struct episode_world *episodes,
					   const char *schedule)
{
	char path[128], body[512];
	snprintf(path, sizeof path, "/v1/organizations/%s", episodes->provider.provider);
	snprintf(body, sizeof body, "{\"settings\":{\"assessment_schedule\":%s}}", schedule);
	return http_patch(path, episodes->provider.supervisor.token, body, NULL);
}

void episode_day(const struct episode_world *episodes, int days, char out[16])
{
	char interval[32];
	snprintf(interval, sizeof interval, "%d days", days);
	organization_day_from_today(episodes->provider.provider, interval, out, 16);
}

struct http_response *episode_post(const char *participant_id, const char *token, const char *body)
{
	char path[128];
	snprintf(path, sizeof path, "/v1/participants/%s/episodes", participant_id);
	return http_post(path, token, body);
}

const char *episode_open_ok(const struct episode_world *episodes, const char *participant_id,
			    const char *program, int days_ago)
{
	char started[16], body[256];
	episode_day(episodes, -days_ago, started);
	snprintf(body, sizeof body, "{\"program\":\"%s\",\"started_on\":\"%s\"}", program, started);
	struct http_response *created =
		episode_post(participant_id, episodes->provider.supervisor.token, body);
	expect(created, 201, "opening an episode");
	cr_assert_str_eq(http_string(created, "status"), "open", "%s", created->body);
	return arena_text(strdup(http_string(created, "id")));
}

struct http_response *episode_get(const char *id, const char *token)
{
	char path[128];
	snprintf(path, sizeof path, "/v1/episodes/%s", id);
	return http_get(path, token);
}

struct http_response *assessment_post(const struct episode_world *episodes, const char *episode_id,
				      const char *token, const char *timepoint, int days,
				      const char *answers)
{
	char path[128], day[16], body[512];
	snprintf(path, sizeof path, "/v1/episodes/%s/assessments", episode_id);
	episode_day(episodes, days, day);
	snprintf(body, sizeof body,
		 "{\"timepoint\":\"%s\",\"administered_on\":\"%s\",\"answers\":%s}", timepoint, day,
		 answers);
	return http_post(path, token, body);
}

const char *assessment_ok(const struct episode_world *episodes, const char *episode_id,
			  const char *timepoint, int days)
{
	struct http_response *created =
		assessment_post(episodes, episode_id, episodes->provider.supervisor.token,
				timepoint, days, "[3,3,3,3,3,3,3,3,3,3]");
	expect(created, 201, "recording an assessment");
	return arena_text(strdup(http_string(created, "id")));
}

void episode_states(const char *episode_id, const char *token, char *out, size_t size)
{
	struct http_response *read = episode_get(episode_id, token);
	expect(read, 200, "reading the episode");
	size_t used = 0, index;
	json_t *slot;
	*out = '\0';
	json_array_foreach (json_object_get(read->json, "schedule"), index, slot) {
		used += (size_t)snprintf(
			out + used, size - used, "%s%s/%lld %s", index ? "; " : "",
			member_of(slot, "timepoint"),
			(long long)json_integer_value(json_object_get(slot, "slot")),
			member_of(slot, "state"));
		cr_assert_lt(used, size);
	}
}
