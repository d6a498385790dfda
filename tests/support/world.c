#include "world.h"

#include <criterion/criterion.h>
#include <stdlib.h>

#include "arena.h"
#include "fixtures.h"

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

void world_build(struct world *world, struct world_options options)
{
	*world = (struct world){0};
	world->provider = arena_text(create_organization("provider"));
	actor_open(&world->supervisor, "supervisor", world->provider);
	actor_open(&world->reporter, "reporter", world->provider);
	actor_open(&world->admin, "admin", NULL);
	if (options.partner) {
		world->partner_organization = arena_text(create_organization("partner"));
		actor_open(&world->partner, "partner", world->partner_organization);
	}
	if (options.specialist || options.certified || options.referral)
		specialist_actor_open(&world->specialist, world->provider,
				      options.certified || options.referral);
	if (options.referral)
		world->referral = arena_text(
			assigned_referral(world->supervisor.token, world->specialist.id,
					  world->participant, sizeof world->participant));
}
