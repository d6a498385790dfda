/* Verifying a certification (API.md, Certifications): who verifies, against which version,
 * and what verification makes of the specialist. */
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

TestSuite(certification_verification, .init = arena_open, .fini = arena_close);

Test(certification_verification, specialist_may_not_verify)
{
	struct world team;
	world_build(&team, (struct world_options){.specialist = true});
	char *id = current_certification(team.specialist.token, team.specialist.id);
	verify_expect(id, team.specialist.token, 403);
	assert_effective_status(id, team.specialist.token, "pending");
	cr_assert(!own_certified(team.specialist.token));
	free(id);
}

Test(certification_verification, verification_makes_the_specialist_certified)
{
	struct world team;
	world_build(&team, (struct world_options){.specialist = true});
	char *id = current_certification(team.specialist.token, team.specialist.id);
	assert_effective_status(id, team.specialist.token, "pending");
	cr_assert(!own_certified(team.specialist.token), "certified before verification");

	struct http_response *verified = verify_certification(id, team.supervisor.token);
	cr_assert_eq(verified->status, 200, "%s", verified->body);
	cr_assert_str_eq(member(verified, "status"), "active");
	cr_assert_str_eq(member(verified, "effective_status"), "active");
	cr_assert_str_eq(member(verified, "verified_by"), team.supervisor.subject, "%s",
			 verified->body);
	const char *verified_at = member(verified, "verified_at");
	cr_assert(verified_at && verified_at[strlen(verified_at) - 1] == 'Z', "%s", verified->body);
	cr_assert_eq(version_of(verified), 2, "%s", verified->body);

	struct http_response *read = get_certification(id, team.specialist.token);
	cr_assert_eq(read->status, 200, "%s", read->body);
	cr_assert(json_equal(read->json, verified->json), "GET after verify:\n%s\n%s",
		  verified->body, read->body);
	cr_assert(own_certified(team.specialist.token), "not certified after verification");
	cr_assert(specialist_certified(team.specialist.id));

	/* Verifying again is a state the transition does not allow. */
	verify_expect(id, team.supervisor.token, 409);
	free(id);
}

/* The attack of issue 20: the holder changes a pending certification after the supervisor
 * read it. Verifying attests to what the supervisor reviewed, so the version read must
 * still be the one stored. */
Test(certification_verification, verify_binds_to_the_version_the_supervisor_read)
{
	struct world team;
	world_build(&team, (struct world_options){.specialist = true});
	char *id = current_certification(team.specialist.token, team.specialist.id);
	struct http_response *reviewed = get_certification(id, team.supervisor.token);
	cr_assert_eq(reviewed->status, 200, "%s", reviewed->body);
	char *etag = http_header(reviewed, "ETag");
	cr_assert_str_eq(etag, "\"1\"");

	struct http_response *changed = patch_certification(
		id, team.specialist.token,
		"{\"expires_on\":\"2099-12-31\",\"issuing_authority\":\"Anyone At All\"}", NULL);
	cr_assert_eq(changed->status, 200, "the holder corrects it while pending: %s",
		     changed->body);

	char path[128];
	snprintf(path, sizeof path, "/v1/certifications/%s/verify", id);
	struct http_response *stale = http_post_if_match(path, team.supervisor.token, NULL, etag);
	cr_assert_eq(stale->status, 412, "verified what the supervisor never saw: %s", stale->body);
	char *current = http_header(stale, "ETag");
	cr_assert_str_eq(current, "\"2\"", "the 412 names the current version");
	struct http_response *after = get_certification(id, team.supervisor.token);
	cr_assert_str_eq(member(after, "status"), "pending", "%s", after->body);
	cr_assert_eq(version_of(after), 2, "%s", after->body);
	cr_assert(json_is_null(json_object_get(after->json, "verified_by")), "%s", after->body);
	cr_assert(!own_certified(team.specialist.token), "certified by a stale verification");

	/* Reviewed again, it is verified as it now stands. */
	struct http_response *verified =
		http_post_if_match(path, team.supervisor.token, NULL, current);
	cr_assert_eq(verified->status, 200, "%s", verified->body);
	cr_assert_str_eq(member(verified, "expires_on"), "2099-12-31");
	char *new_tag = http_header(verified, "ETag");
	cr_assert_str_eq(new_tag, "\"3\"", "the answer names the new version");
	free(new_tag);
	free(current);
	free(etag);
	free(id);
}

Test(certification_verification, verify_without_if_match_is_428)
{
	struct world team;
	world_build(&team, (struct world_options){.specialist = true});
	char *id = current_certification(team.specialist.token, team.specialist.id);
	char path[128];
	snprintf(path, sizeof path, "/v1/certifications/%s/verify", id);
	struct http_response *unread = http_post_if_match(path, team.supervisor.token, NULL, NULL);
	cr_assert_eq(unread->status, 428, "%s", unread->body);
	cr_assert_str_eq(member(unread, "title"), "Precondition Required", "%s", unread->body);
	/* A weak tag never matches If-Match; "*" is the caller's explicit "whatever it holds
	 * now", as for PATCH. */
	struct http_response *weak =
		http_post_if_match(path, team.supervisor.token, NULL, "W/\"1\"");
	cr_assert_eq(weak->status, 412, "%s", weak->body);
	struct http_response *after = get_certification(id, team.supervisor.token);
	cr_assert_str_eq(member(after, "status"), "pending", "%s", after->body);
	cr_assert_eq(version_of(after), 1, "%s", after->body);
	struct http_response *any = http_post_if_match(path, team.supervisor.token, NULL, "*");
	cr_assert_eq(any->status, 200, "%s", any->body);
	free(id);
}

/* PATCH {"status": "active"} verifies too (or reinstates): it binds to the version read
 * as /verify does, else the attack above goes around /verify. */
Test(certification_verification, patch_to_active_binds_to_the_version_read)
{
	struct world team;
	world_build(&team, (struct world_options){.specialist = true});
	char *id = current_certification(team.specialist.token, team.specialist.id);
	struct http_response *read = get_certification(id, team.supervisor.token);
	char *reviewed = http_header(read, "ETag");
	patch_expect(id, team.specialist.token, "{\"expires_on\":\"2099-12-31\"}", 200);
	const char *activate = "{\"status\":\"active\"}";
	struct http_response *unread =
		patch_certification(id, team.supervisor.token, activate, NULL);
	cr_assert_eq(unread->status, 428, "verified by PATCH without If-Match: %s", unread->body);
	struct http_response *stale =
		patch_certification(id, team.supervisor.token, activate, reviewed);
	cr_assert_eq(stale->status, 412, "%s", stale->body);
	assert_effective_status(id, team.supervisor.token, "pending");
	cr_assert(!own_certified(team.specialist.token));
	struct http_response *verified =
		patch_certification(id, team.supervisor.token, activate, "\"2\"");
	cr_assert_eq(verified->status, 200, "%s", verified->body);
	/* Reinstating a suspended one is a verification as well; suspending is not. */
	patch_expect(id, team.supervisor.token, "{\"status\":\"suspended\"}", 200);
	patch_expect(id, team.supervisor.token, activate, 428);
	assert_effective_status(id, team.supervisor.token, "suspended");
	free(reviewed);
	free(id);
}

Test(certification_verification, admin_verifies_in_any_organization)
{
	struct world team;
	world_build(&team, (struct world_options){.specialist = true});
	char admin_subject[96];
	char *admin = admin_named(admin_subject, sizeof admin_subject);
	char *id = current_certification(team.specialist.token, team.specialist.id);
	struct http_response *verified = verify_certification(id, admin);
	cr_assert_eq(verified->status, 200, "%s", verified->body);
	cr_assert_str_eq(member(verified, "verified_by"), admin_subject, "%s", verified->body);
	cr_assert(own_certified(team.specialist.token));
	free(id);
	free(admin);
}

Test(certification_verification, verify_refuses_revoked_and_expired)
{
	struct world team;
	world_build(&team, (struct world_options){.specialist = true});
	char *revoked = current_certification(team.supervisor.token, team.specialist.id);
	patch_expect(revoked, team.supervisor.token, "{\"status\":\"revoked\"}", 200);
	verify_expect(revoked, team.supervisor.token, 409);
	assert_effective_status(revoked, team.supervisor.token, "revoked");

	const char *issued = day_in("-3 years");
	const char *expired = day_in("-1 day");
	char *lapsed = create_with(team.specialist.token, team.specialist.id,
				   certification_body(issued, expired));
	verify_expect(lapsed, team.supervisor.token, 409);
	assert_effective_status(lapsed, team.supervisor.token, "pending");
	cr_assert(!own_certified(team.specialist.token));
	free(lapsed);
	free(revoked);
}
