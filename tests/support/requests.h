/* Assertions about how a collection answers a create or a call, for behaviours that
 * several resources share: each resource's test states its own data and calls these. */
#pragma once
#include <stddef.h>

struct http_response;
struct world;

/* POSTs body (JSON text) to collection as token, asserts a 422 problem whose errors name
 * each of the count fields, and returns the response (kept in the test's arena). */
struct http_response *assert_post_names_fields(const char *collection, const char *token,
					       const char *body, const char *const *fields,
					       size_t count);

/* Asserts where a new member of collection may be made: an admin must name an
 * organization, world's supervisor may name only world's provider, not other_provider,
 * and partner_organization takes none. fields are the member's other JSON members
 * (without braces), enough for a create that would otherwise pass. */
void assert_organization_rules_on_create(const char *collection, const char *fields,
					 const struct world *world, const char *other_provider,
					 const char *partner_organization);

/* One request a role is refused: method, path and for a POST or PATCH a body (JSON text;
 * a PATCH is sent as a merge patch). */
struct refused_call {
	const char *method, *path, *body;
};

/* The calls every collection answers, written into calls: list collection, create in it
 * with create_body, read member and change it with patch_body. */
#define COLLECTION_CALLS 4
void collection_calls(struct refused_call calls[COLLECTION_CALLS], const char *collection,
		      const char *create_body, const char *member, const char *patch_body);

/* Asserts that a caller of role in organization_id gets 403 for each of the count calls. */
void assert_role_refused(const char *role, const char *organization_id,
			 const struct refused_call *calls, size_t count);

/* Asserts that a PATCH of member as token naming another organization is a 422 naming
 * organization_id: a record stays in the organization it was made in. */
void assert_stays_in_its_organization(const char *member, const char *token);
