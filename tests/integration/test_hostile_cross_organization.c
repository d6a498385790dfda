/* Another organization's records (OWASP API1): every route that names a record, called
 * with another organization's ids, answers 404 and shows nothing of them
 * (tests/integration/hostile_sweep.h). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hostile_sweep.h"

/* Never shows one of the other side's ids. */
static void expect_nothing_of(struct sweep *sweep, const char *variant,
			      const struct http_response *response, const struct side *other)
{
	if (!response)
		return;
	const struct records *r = &other->records;
	const char *ids[] = {r->organization,
			     r->specialist,
			     r->certification,
			     r->ceu,
			     r->referral,
			     r->goal,
			     r->progress,
			     r->note,
			     r->participant,
			     other->closed_note,
			     other->idle_specialist,
			     r->group_session,
			     other->closed_group_session,
			     r->plan,
			     other->closed_plan,
			     r->episode,
			     r->assessment};
	for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++) {
		if (response->status < 300 && strstr(response->body, ids[i]))
			sweep_fail(sweep, variant, "%ld shows the other organization's %s",
				   response->status, ids[i]);
	}
}

/* True when a case's body names records (and not only the marker). */
static bool names_records(const char *body)
{
	static const char *const NAMES[] = {"{organization}", "{specialist}", "{participant}",
					    "{goal}", "{idle_specialist}"};
	for (size_t i = 0; body && i < sizeof NAMES / sizeof NAMES[0]; i++) {
		if (strstr(body, NAMES[i]))
			return true;
	}
	return false;
}

/* The other organization's id for a uuid filter named name. */
static const char *other_id_for_filter(const struct side *other, const char *name)
{
	const struct records *r = &other->records;
	if (strstr(name, "organization_id"))
		return r->organization;
	if (strstr(name, "specialist_id"))
		return r->specialist;
	if (strcmp(name, "participant_id") == 0)
		return r->participant;
	return r->goal; /* resource_id */
}

static void cross_variants(struct sweep *sweep, const struct call *call, bool strict,
			   const struct world *world)
{
	if (!strict)
		return;
	const struct route *route = call->route;
	const struct route_case *c = call->c;
	const struct side *own = &world->own, *other = &world->other;
	char path[256], variant[160];
	char *other_before = fingerprint(world, other);
	const enum role outsiders[] = {ROLE_SUPERVISOR, ROLE_SPECIALIST, ROLE_PARTNER,
				       ROLE_REPORTER};
	for (size_t r = 0; r < sizeof outsiders / sizeof outsiders[0]; r++) {
		enum role role = outsiders[r];
		if (!(route->roles & (unsigned)role))
			continue;
		const char *token = token_of(own, role);
		if (strchr(route->path, '{') && strcmp(route->path, "/v1/specialists/me") != 0) {
			/* The other organization's record in the path (the usual one: a pending
			 * certification, a draft note), with a body that would pass. */
			struct route_case usual = *c;
			usual.record = RECORD_USUAL;
			path_for(&usual, other, NULL, NULL, path, sizeof path);
			char *body = NULL;
			if (takes_body(route)) {
				json_t *valid = is_patch(route) ? json_object()
								: valid_body(c, route, world, own,
									     NULL, NULL);
				body = body_json_text(valid);
				json_decref(valid);
			}
			struct raw raw = {.method = route->method,
					  .target = path,
					  .token = token,
					  .content_type = body ? media_type_of(route) : NULL,
					  .body = body};
			snprintf(variant, sizeof variant, "as another organization's %s",
				 role_name(role));
			struct http_response *response = probe_keep(sweep, variant, &raw, 404);
			expect_nothing_of(sweep, variant, response, other);
			http_response_free(response);
			free(body);
		}
		if (role != ROLE_PARTNER && names_records(c->body) && !is_patch(route)) {
			/* Our own path; the other organization's ids in the body. */
			json_t *foreign = valid_body(c, route, world, other, NULL, NULL);
			char *body = body_json_text(foreign);
			json_decref(foreign);
			struct raw raw = {.method = route->method,
					  .target = call->path,
					  .token = token,
					  .content_type = media_type_of(route),
					  .body = body};
			snprintf(variant, sizeof variant,
				 "as %s, naming another organization's records in the body",
				 role_name(role));
			struct http_response *response =
				probe_keep(sweep, variant, &raw, EXPECT_NOT_SHOWN);
			expect_nothing_of(sweep, variant, response, other);
			http_response_free(response);
			free(body);
		}
		if (strcmp(route->method, "GET") != 0)
			continue;
		/* Filters naming the other organization's records. */
		for (const struct query_param *param = route->query; param && param->name;
		     param++) {
			if (param->kind != QUERY_KIND_UUID)
				continue;
			const char *item = param->name;
			char target[512];
			snprintf(target, sizeof target, "%s?%s=%s", call->path, item,
				 other_id_for_filter(other, item));
			struct raw raw = {.target = target, .token = token};
			snprintf(variant, sizeof variant, "as %s, ?%s= another organization's",
				 role_name(role), item);
			struct http_response *response =
				probe_keep(sweep, variant, &raw, EXPECT_ANSWER);
			expect_nothing_of(sweep, variant, response, other);
			http_response_free(response);
		}
	}
	free(expect_unchanged(sweep, world, other, other_before, "another organization's records"));
}

Test(hostile_requests, cross_organization)
{
	sweep_in_new_world(cross_variants, "cross-organization", NULL, true);
}
