#include "world.h"

#include <criterion/criterion.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "fixtures.h"
#include "http.h"

void actor_open(struct actor *actor, const char *role, const char *organization_id)
{
	unique_token(role, actor->subject, sizeof actor->subject);
	actor->token = arena_text(token_for_subject(role, organization_id, actor->subject));
	actor->id = NULL;
}

void specialist_actor_open(struct actor *actor, const char *organization_id, bool certified)
{
	char *id = certified ? certified_specialist(organization_id, actor->subject,
						    sizeof actor->subject)
			     : create_specialist(organization_id, "peer", actor->subject,
						 sizeof actor->subject);
	actor->id = arena_text(id);
	actor->token = arena_text(token_for_subject("specialist", organization_id, actor->subject));
}

/* A peer specialist of organization_id with an active certification from a year ago to a
 * year ahead, whatever day the tests run. */
static void specialist_around_today(struct actor *actor, const char *organization_id)
{
	specialist_actor_open(actor, organization_id, false);
	char issued[16], expires[16];
	day_from_today("-365 days", issued, sizeof issued);
	day_from_today("365 days", expires, sizeof expires);
	free(create_certification(actor->id, "active", issued, expires));
}

/* A provider in state OR with the settings options names (the others default). */
static char *provider_with(const struct world_options *options)
{
	char name[96];
	unique_name("Test provider", name, sizeof name);
	json_t *settings = json_object();
	if (options->unit_rounding) {
		json_object_set_new(settings, "unit_rounding", json_string(options->unit_rounding));
		json_object_set_new(settings, "max_units_per_day",
				    json_integer(options->max_units_per_day));
	}
	if (options->max_group_size)
		json_object_set_new(settings, "max_group_size",
				    json_integer(options->max_group_size));
	json_t *body = json_pack("{s:s, s:s, s:s, s:[s], s:O}", "name", name, "kind", "provider",
				 "state", "OR", "counties", "Multnomah", "settings", settings);
	char *admin = admin_token();
	struct http_response *created = http_send_json("POST", "/v1/organizations", admin, body);
	cr_assert_eq(created->status, 201, "%s", created->body);
	json_t *stored = json_object_get(created->json, "settings");
	const char *key;
	json_t *value;
	json_object_foreach (settings, key, value) {
		cr_assert(json_equal(json_object_get(stored, key), value), "settings.%s: %s", key,
			  created->body);
	}
	cr_assert_str_eq(json_string_value(json_object_get(stored, "time_zone")),
			 ORGANIZATION_TIME_ZONE, "%s", created->body);
	char *id = strdup(http_string(created, "id"));
	http_response_free(created);
	free(admin);
	json_decref(body);
	json_decref(settings);
	return id;
}

void world_build(struct world *world, struct world_options options)
{
	*world = (struct world){0};
	world->provider = arena_text(options.unit_rounding || options.max_group_size
					     ? provider_with(&options)
					     : create_organization("provider"));
	actor_open(&world->supervisor, "supervisor", world->provider);
	actor_open(&world->reporter, "reporter", world->provider);
	actor_open(&world->admin, "admin", NULL);
	if (options.partner) {
		world->partner_organization = arena_text(create_organization("partner"));
		actor_open(&world->partner, "partner", world->partner_organization);
	}
	if (options.certified_around_today)
		specialist_around_today(&world->specialist, world->provider);
	else if (options.specialist || options.certified || options.referral)
		specialist_actor_open(&world->specialist, world->provider,
				      options.certified || options.referral);
	if (options.referral)
		world->referral = arena_text(
			assigned_referral(world->supervisor.token, world->specialist.id,
					  world->participant, sizeof world->participant));
}
