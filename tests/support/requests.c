#include "requests.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "arena.h"
#include "fixtures.h"
#include "http.h"
#include "world.h"

struct http_response *assert_post_names_fields(const char *collection, const char *token,
					       const char *body, const char *const *fields,
					       size_t count)
{
	struct http_response *response = http_post(collection, token, body);
	for (size_t i = 0; i < count; i++)
		assert_error_names(response, fields[i]);
	return response;
}

/* POSTs {"organization_id":organization_id,fields} (no organization_id when it is NULL)
 * to collection as token and asserts the 422 names organization_id. */
static void expect_organization_refused(const char *collection, const char *token,
					const char *organization_id, const char *fields)
{
	char body[2048];
	if (organization_id)
		snprintf(body, sizeof body, "{\"organization_id\":\"%s\",%s}", organization_id,
			 fields);
	else
		snprintf(body, sizeof body, "{%s}", fields);
	assert_error_names(http_post(collection, token, body), "organization_id");
}

void assert_organization_rules_on_create(const char *collection, const char *fields,
					 const struct world *world, const char *other_provider,
					 const char *partner_organization)
{
	expect_organization_refused(collection, world->admin.token, NULL, fields);
	expect_organization_refused(collection, world->supervisor.token, other_provider, fields);
	expect_organization_refused(collection, world->admin.token, partner_organization, fields);
}

void collection_calls(struct refused_call calls[COLLECTION_CALLS], const char *collection,
		      const char *create_body, const char *member, const char *patch_body)
{
	calls[0] = (struct refused_call){"GET", collection, NULL};
	calls[1] = (struct refused_call){"POST", collection, create_body};
	calls[2] = (struct refused_call){"GET", member, NULL};
	calls[3] = (struct refused_call){"PATCH", member, patch_body};
}

void assert_role_refused(const char *role, const char *organization_id,
			 const struct refused_call *calls, size_t count)
{
	char *token = arena_text(token_for(role, organization_id));
	for (size_t i = 0; i < count; i++) {
		bool patch = strcmp(calls[i].method, "PATCH") == 0;
		struct http_response *response = http_send(&(struct http_request){
			.method = calls[i].method,
			.path = calls[i].path,
			.token = token,
			.body = calls[i].body,
			.content_type = !calls[i].body ? NULL
					: patch	       ? "application/merge-patch+json"
						       : "application/json",
		});
		cr_assert_eq(response->status, 403, "%s: %s %s: %s", role, calls[i].method,
			     calls[i].path, response->body);
	}
}

void assert_stays_in_its_organization(const char *member, const char *token)
{
	char *elsewhere = arena_text(create_organization("provider"));
	char body[128];
	snprintf(body, sizeof body, "{\"organization_id\":\"%s\"}", elsewhere);
	assert_error_names(http_patch(member, token, body, NULL), "organization_id");
}
