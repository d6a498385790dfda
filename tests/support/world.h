/* The organizations and people a test acts in, made through the API in one call: a
 * provider with its supervisor, reporter and admin, and on request a partner, a peer
 * specialist and a referral assigned to them. Everything is kept in the test's arena
 * (arena.h), so a suite that builds worlds opens one. */
#pragma once

#include <stdbool.h>

/* Someone the tests act as: a unique subject without spaces (usable in a query string),
 * a token for it, and the id of their profile when they have one (a specialist's). */
struct actor {
	char subject[96];
	char *token;
	char *id;
};

struct world_options {
	bool partner;	 /* a partner organization and its caller */
	bool specialist; /* a peer specialist of the provider */
	bool certified;	 /* ... certified 2025-01-01..2030-01-01 (certified_specialist) */
	bool certified_around_today; /* ... certified from a year ago to a year ahead */
	bool referral;		     /* a referral assigned to the (certified) specialist */
	/* The provider's own settings: unit_rounding ("whole", "half_up") and
	 * max_units_per_day; NULL keeps create_organization's (whole, 16 a day). */
	const char *unit_rounding;
	int max_units_per_day;
	/* Attendees of a group session present at once per facilitator; 0 keeps the
	 * default (12). */
	int max_group_size;
};

struct world {
	char *provider; /* the provider organization's id */
	struct actor supervisor, reporter, admin;
	char *partner_organization; /* with options.partner */
	struct actor partner;
	struct actor specialist; /* with options.specialist */
	char *referral;		 /* with options.referral, submitted at TEST_PROGRAM_START */
	char participant[64];	 /* the referral's participant */
};

void world_build(struct world *world, struct world_options options);

/* A caller of role in organization_id (NULL for an admin), kept in the arena. */
void actor_open(struct actor *actor, const char *role, const char *organization_id);

/* A peer specialist of organization_id, certified as world_options.certified says when
 * certified is true, kept in the arena. */
void specialist_actor_open(struct actor *actor, const char *organization_id, bool certified);
