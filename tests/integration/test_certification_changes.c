/* Changing a certification (API.md, Certifications): suspension and revocation, If-Match,
 * and the status graph. */
#include <criterion/criterion.h>
#include <ctype.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "certifications_support.h"
#include "fixtures.h"
#include "http.h"
#include "world.h"

TestSuite(certification_changes, .init = arena_open, .fini = arena_close);

Test(certification_changes, supervisor_suspends_and_revokes)
{
	struct world team;
	world_build(&team, (struct world_options){.specialist = true});
	char *id = current_certification(team.supervisor.token, team.specialist.id);
	verify_expect(id, team.supervisor.token, 200);
	cr_assert(own_certified(team.specialist.token));

	struct http_response *suspended = patch_certification(
		id, team.supervisor.token, "{\"status\":\"suspended\"}", "\"2\"");
	cr_assert_eq(suspended->status, 200, "%s", suspended->body);
	cr_assert_str_eq(member(suspended, "status"), "suspended");
	cr_assert_str_eq(member(suspended, "effective_status"), "suspended");
	cr_assert_eq(version_of(suspended), 3);
	char *etag = http_header(suspended, "ETag");
	cr_assert_str_eq(etag, "\"3\"");
	cr_assert(!own_certified(team.specialist.token), "certified while suspended");
	cr_assert(!specialist_certified(team.specialist.id));

	struct http_response *revoked =
		patch_certification(id, team.supervisor.token, "{\"status\":\"revoked\"}", NULL);
	cr_assert_eq(revoked->status, 200, "%s", revoked->body);
	cr_assert_str_eq(member(revoked, "effective_status"), "revoked");
	cr_assert(!own_certified(team.specialist.token));
	free(etag);
	free(id);
}

Test(certification_changes, if_match_mismatch_is_412)
{
	struct world team;
	world_build(&team, (struct world_options){.specialist = true});
	char *id = current_certification(team.supervisor.token, team.specialist.id);
	struct http_response *stale = patch_certification(id, team.supervisor.token,
							  "{\"number\":\"renumbered\"}", "\"7\"");
	cr_assert_eq(stale->status, 412, "%s", stale->body);
	struct http_response *read = get_certification(id, team.supervisor.token);
	cr_assert_eq(version_of(read), 1);
	cr_assert_str_neq(member(read, "number"), "renumbered");
	struct http_response *current =
		patch_certification(id, team.supervisor.token, "{\"ceu_hours\":3}", "\"1\"");
	cr_assert_eq(current->status, 200, "%s", current->body);
	cr_assert_eq(version_of(current), 2);
	free(id);
}

Test(certification_changes, unchanged_patch_keeps_the_version)
{
	struct world team;
	world_build(&team, (struct world_options){.specialist = true});
	json_t *body = current_certification_body();
	json_object_set_new(body, "training_hours", json_real(40.5));
	struct http_response *created =
		post_certification(team.supervisor.token, team.specialist.id, body);
	cr_assert_eq(created->status, 201, "%s", created->body);
	char patch[256];
	snprintf(patch, sizeof patch,
		 "{\"number\":\"%s\",\"status\":\"pending\",\"training_hours\":40.5}",
		 member(created, "number"));
	struct http_response *same =
		patch_certification(member(created, "id"), team.supervisor.token, patch, NULL);
	cr_assert_eq(same->status, 200, "%s", same->body);
	cr_assert_eq(version_of(same), 1, "%s", same->body);
	cr_assert_str_eq(member(same, "updated_at"), member(created, "updated_at"));
	json_decref(body);
}

Test(certification_changes, specialist_corrects_only_own_pending_certification)
{
	struct world team;
	world_build(&team, (struct world_options){.specialist = true});
	char *id = current_certification(team.specialist.token, team.specialist.id);
	char number[96];
	unique_name("corrected", number, sizeof number);
	char patch[160];
	snprintf(patch, sizeof patch, "{\"number\":\"%s\"}", number);
	struct http_response *corrected =
		patch_certification(id, team.specialist.token, patch, NULL);
	cr_assert_eq(corrected->status, 200, "%s", corrected->body);
	cr_assert_str_eq(member(corrected, "number"), number);
	cr_assert_str_eq(member(corrected, "status"), "pending");

	patch_expect(id, team.specialist.token, "{\"status\":\"active\"}", 403);
	patch_expect(id, team.specialist.token,
		     "{\"ceu_requirement\":{\"total_hours\":20,\"ethics_hours\":6,"
		     "\"peer_specific_hours\":4}}",
		     403);
	assert_effective_status(id, team.specialist.token, "pending");
	cr_assert(!own_certified(team.specialist.token));

	/* Once verified, it is the supervisor's to change. */
	verify_expect(id, team.supervisor.token, 200);
	patch_expect(id, team.specialist.token, "{\"number\":\"changed-after-verification\"}", 409);
	struct http_response *read = get_certification(id, team.specialist.token);
	cr_assert_str_eq(member(read, "number"), number);
	free(id);
}

Test(certification_changes, patch_follows_the_status_graph)
{
	struct world team;
	world_build(&team, (struct world_options){.specialist = true});
	char *id = current_certification(team.supervisor.token, team.specialist.id);
	/* pending → suspended is no move of the graph; pending → active by PATCH is a verification.
	 */
	patch_expect(id, team.supervisor.token, "{\"status\":\"suspended\"}", 409);
	struct http_response *activated =
		patch_certification(id, team.supervisor.token, "{\"status\":\"active\"}", "\"1\"");
	cr_assert_eq(activated->status, 200, "%s", activated->body);
	cr_assert_str_eq(member(activated, "verified_by"), team.supervisor.subject);
	cr_assert(own_certified(team.specialist.token));
	/* active → pending would leave a verifier on an unverified certification. */
	patch_expect(id, team.supervisor.token, "{\"status\":\"pending\"}", 409);
	patch_expect(id, team.supervisor.token, "{\"status\":\"suspended\"}", 200);
	patch_as_read_expect(id, team.supervisor.token, "{\"status\":\"active\"}", 200);
	patch_expect(id, team.supervisor.token, "{\"status\":\"revoked\"}", 200);
	/* Revoked is final, by PATCH as by /verify. */
	patch_as_read_expect(id, team.supervisor.token, "{\"status\":\"active\"}", 409);
	patch_expect(id, team.supervisor.token, "{\"status\":\"suspended\"}", 409);
	assert_effective_status(id, team.supervisor.token, "revoked");
	cr_assert(!own_certified(team.specialist.token));

	/* A lapsed certification cannot be made active by PATCH either. */
	const char *issued = day_in("-3 years");
	const char *expired = day_in("-1 day");
	char *lapsed = create_with(team.supervisor.token, team.specialist.id,
				   certification_body(issued, expired));
	patch_as_read_expect(lapsed, team.supervisor.token, "{\"status\":\"active\"}", 409);
	assert_effective_status(lapsed, team.supervisor.token, "pending");
	free(lapsed);
	free(id);
}
