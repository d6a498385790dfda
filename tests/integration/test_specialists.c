#include <criterion/criterion.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "fixtures.h"
#include "http.h"
#include "requests.h"
#include "world.h"

static long long integer_member(const struct http_response *response, const char *key)
{
	return json_integer_value(json_object_get(response->json, key));
}

static bool boolean_member(const struct http_response *response, const char *key)
{
	return json_is_true(json_object_get(response->json, key));
}

static char *path_of(const char *prefix, const char *id)
{
	char *path = NULL;
	cr_assert(asprintf(&path, "%s/%s", prefix, id) > 0);
	return path;
}

/* Creates a specialist as token from the members in fields (JSON without braces) and a
 * new unique subject; returns the response, which must be 201. */
static struct http_response *create_from(const char *token, const char *fields, char *subject,
					 size_t subject_size)
{
	unique_name("person", subject, subject_size);
	char body[2048];
	snprintf(body, sizeof body, "{\"subject\":\"%s\",%s}", subject, fields);
	struct http_response *created = http_post("/v1/specialists", token, body);
	cr_assert_eq(created->status, 201, "%s: %s", body, created->body);
	return created;
}

TestSuite(specialists, .init = arena_open, .fini = arena_close);

Test(specialists, supervisor_creates_with_defaults_and_reads_back)
{
	struct world world;
	world_build(&world, (struct world_options){0});
	char subject[96];
	struct http_response *created = create_from(
		world.supervisor.token,
		"\"given_name\":\"Maria\",\"family_name\":\"Lopez\","
		"\"kind\":\"peer\",\"lived_experience\":[\"substance_use\",\"mental_health\"],"
		"\"languages\":[\"en\",\"es-MX\"],\"counties\":[\"Multnomah\"],"
		"\"specialties\":[\"reentry\"],\"bio\":\"In recovery since 2015.\"",
		subject, sizeof subject);
	cr_assert_str_eq(member(created, "organization_id"), world.provider);
	cr_assert_str_eq(member(created, "subject"), subject);
	cr_assert_eq(integer_member(created, "max_caseload"), 15);
	cr_assert(boolean_member(created, "active"));
	cr_assert_eq(integer_member(created, "caseload"), 0);
	cr_assert_not(boolean_member(created, "certified"));
	cr_assert_not(boolean_member(created, "accepting"));
	cr_assert_eq(integer_member(created, "version"), 1);
	char *location = arena_text(http_header(created, "Location"));
	char *expected = arena_text(path_of("/v1/specialists", member(created, "id")));
	cr_assert_str_eq(location, expected);

	struct http_response *read = http_get(location, world.supervisor.token);
	cr_assert_eq(read->status, 200, "%s", read->body);
	cr_assert(json_equal(read->json, created->json), "%s", read->body);
	char *etag = arena_text(http_header(read, "ETag"));
	cr_assert_str_eq(etag, "\"1\"");
	struct http_response *cached =
		http_send(&(struct http_request){.path = location,
						 .token = world.supervisor.token,
						 .headers = {"If-None-Match: \"1\""}});
	cr_assert_eq(cached->status, 304);
}

Test(specialists, every_broken_field_is_named)
{
	struct world world;
	world_build(&world, (struct world_options){0});
	const char *fields[] = {"subject",
				"given_name",
				"family_name",
				"kind",
				"lived_experience[0]",
				"languages[1]",
				"counties[1]",
				"specialties[0]",
				"max_caseload",
				"active",
				"bio",
				"caseload",
				"certified",
				"colour"};
	assert_post_names_fields(
		"/v1/specialists", world.supervisor.token,
		"{\"subject\":\" padded\",\"given_name\":\"\",\"kind\":\"mentor\","
		"\"lived_experience\":[\"gambling\"],\"languages\":[\"en\",\"english\",\"EN\"],"
		"\"counties\":[\"A\",\"A\"],\"specialties\":[\"x\\u0007\"],\"max_caseload\":101,"
		"\"active\":\"yes\",\"bio\":7,\"caseload\":3,\"certified\":true,\"colour\":"
		"\"red\"}",
		fields, sizeof fields / sizeof fields[0]);
}

#define IN_ORGANIZATION                                                                        \
	"{\"organization_id\":\"%s\",\"subject\":\"%s\",\"given_name\":\"A\",\"family_name\":" \
	"\"B\","                                                                               \
	"\"kind\":\"peer\"}"

Test(specialists, organization_rules_on_create)
{
	struct world world;
	world_build(&world, (struct world_options){0});
	char *other = arena_text(create_organization("provider"));
	char *partner = arena_text(create_organization("partner"));
	char subject[96], body[512];
	unique_name("person", subject, sizeof subject);
	snprintf(body, sizeof body,
		 "\"subject\":\"%s\",\"given_name\":\"A\",\"family_name\":\"B\",\"kind\":\"peer\"",
		 subject);
	assert_organization_rules_on_create("/v1/specialists", body, &world, other, partner);

	/* The subject is unique across organizations. */
	snprintf(body, sizeof body, IN_ORGANIZATION, world.provider, subject);
	struct http_response *first = http_post("/v1/specialists", world.admin.token, body);
	cr_assert_eq(first->status, 201, "%s", first->body);
	snprintf(body, sizeof body, IN_ORGANIZATION, other, subject);
	struct http_response *again = http_post("/v1/specialists", world.admin.token, body);
	cr_assert_eq(again->status, 409, "%s", again->body);
}

Test(specialists, roles_that_are_refused)
{
	struct world world;
	world_build(&world, (struct world_options){0});
	char subject[96];
	char *id = arena_text(create_specialist(world.provider, "peer", subject, sizeof subject));
	char *path = arena_text(path_of("/v1/specialists", id));
	const char *body = "{\"subject\":\"x\",\"given_name\":\"A\",\"family_name\":\"B\","
			   "\"kind\":\"peer\"}";
	const char *bio = "{\"bio\":\"x\"}";
	struct refused_call everything[COLLECTION_CALLS + 2];
	collection_calls(everything, "/v1/specialists", body, path, bio);
	everything[COLLECTION_CALLS] = (struct refused_call){"GET", "/v1/specialists/me", NULL};
	everything[COLLECTION_CALLS + 1] =
		(struct refused_call){"PATCH", "/v1/specialists/me", bio};
	assert_role_refused("partner", world.provider, everything, COLLECTION_CALLS + 2);
	assert_role_refused("reporter", world.provider, everything, COLLECTION_CALLS + 2);
	/* A specialist neither lists nor creates staff; /me is theirs alone. */
	char *specialist = arena_text(token_for_subject("specialist", world.provider, subject));
	struct http_response *list = http_get("/v1/specialists", specialist);
	struct http_response *create = http_post("/v1/specialists", specialist, body);
	cr_assert_eq(list->status, 403);
	cr_assert_eq(create->status, 403);
	struct http_response *me = http_get("/v1/specialists/me", world.supervisor.token);
	cr_assert_eq(me->status, 403);
	struct http_response *missing = http_get("/v1/specialists", NULL);
	cr_assert_eq(missing->status, 401);
}

Test(specialists, another_organization_is_invisible)
{
	char *org_a = arena_text(create_organization("provider"));
	char *org_b = arena_text(create_organization("provider"));
	char subject[96];
	char *id = arena_text(create_specialist(org_a, "peer", subject, sizeof subject));
	char *path = arena_text(path_of("/v1/specialists", id));
	char *supervisor_b = arena_text(token_for("supervisor", org_b));
	struct http_response *read = http_get(path, supervisor_b);
	cr_assert_eq(read->status, 404, "%s", read->body);
	struct http_response *patch = http_patch(path, supervisor_b, "{\"active\":false}", NULL);
	cr_assert_eq(patch->status, 404, "%s", patch->body);
	struct http_response *list = http_get("/v1/specialists?limit=200", supervisor_b);
	cr_assert_eq(list->status, 200);
	cr_assert_eq(json_array_size(json_object_get(list->json, "items")), 0, "%s", list->body);
	/* Asking for A by its id gives B's supervisor nothing either. */
	char filtered[160];
	snprintf(filtered, sizeof filtered, "/v1/specialists?organization_id=%s", org_a);
	struct http_response *by_org = http_get(filtered, supervisor_b);
	cr_assert_eq(json_array_size(json_object_get(by_org->json, "items")), 0, "%s",
		     by_org->body);
	/* Nothing changed. */
	char *admin = arena_text(admin_token());
	struct http_response *after = http_get(path, admin);
	cr_assert(boolean_member(after, "active"));
	cr_assert_eq(integer_member(after, "version"), 1);
}

Test(specialists, a_specialist_reads_only_their_own_profile)
{
	struct world world;
	world_build(&world, (struct world_options){.specialist = true});
	const char *me = world.specialist.token;
	char theirs[96];
	char *their_id =
		arena_text(create_specialist(world.provider, "family_peer", theirs, sizeof theirs));
	char *my_path = arena_text(path_of("/v1/specialists", world.specialist.id));
	char *their_path = arena_text(path_of("/v1/specialists", their_id));

	struct http_response *own = http_get(my_path, me);
	cr_assert_eq(own->status, 200, "%s", own->body);
	struct http_response *via_me = http_get("/v1/specialists/me", me);
	cr_assert_eq(via_me->status, 200, "%s", via_me->body);
	cr_assert_str_eq(member(via_me, "id"), world.specialist.id);
	cr_assert(json_equal(own->json, via_me->json));
	struct http_response *colleague = http_get(their_path, me);
	cr_assert_eq(colleague->status, 404, "%s", colleague->body);

	/* The same sub signed for another organization is not this profile: no profile there,
	 * so nothing is answered (sql/019). */
	char *org_other = arena_text(create_organization("provider"));
	char *stranger =
		arena_text(token_for_subject("specialist", org_other, world.specialist.subject));
	struct http_response *not_found = http_get("/v1/specialists/me", stranger);
	cr_assert_eq(not_found->status, 403, "%s", not_found->body);
	struct http_response *by_id = http_get(my_path, stranger);
	cr_assert_eq(by_id->status, 403, "%s", by_id->body);
}

Test(specialists, a_specialist_changes_only_what_describes_them)
{
	struct world world;
	world_build(&world, (struct world_options){.specialist = true});
	const char *me = world.specialist.token;
	char other[96];
	char *other_id = arena_text(create_specialist(world.provider, "peer", other, sizeof other));
	char *path = arena_text(path_of("/v1/specialists", world.specialist.id));

	struct http_response *changed =
		http_patch(path, me,
			   "{\"bio\":\"Family peer since 2019.\",\"languages\":[\"en\",\"so\"],"
			   "\"counties\":[\"Clackamas\"],\"specialties\":[\"housing\"]}",
			   "\"1\"");
	cr_assert_eq(changed->status, 200, "%s", changed->body);
	cr_assert_eq(integer_member(changed, "version"), 2);
	cr_assert_str_eq(member(changed, "bio"), "Family peer since 2019.");

	const char *refused[] = {"{\"max_caseload\":99}", "{\"active\":false}",
				 "{\"kind\":\"family_peer\"}", "{\"given_name\":\"Me\"}",
				 "{\"bio\":\"ok\",\"subject\":\"someone-else\"}"};
	for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
		struct http_response *response = http_patch(path, me, refused[i], NULL);
		cr_assert(response->status == 403 || response->status == 422, "%s: %s", refused[i],
			  response->body);
		const char *detail = member(response, "detail");
		cr_assert(detail && strstr(detail, "not:"), "%s", response->body);
	}
	struct http_response *computed = http_patch(path, me, "{\"certified\":true}", NULL);
	cr_assert(computed->status == 403 || computed->status == 422, "%s", computed->body);

	struct http_response *via_me = http_patch("/v1/specialists/me", me, "{\"bio\":null}", NULL);
	cr_assert_eq(via_me->status, 200, "%s", via_me->body);
	cr_assert(json_is_null(json_object_get(via_me->json, "bio")));
	cr_assert_eq(integer_member(via_me, "version"), 3);
	cr_assert_eq(integer_member(via_me, "max_caseload"), 15);

	char *other_path = arena_text(path_of("/v1/specialists", other_id));
	struct http_response *colleague = http_patch(other_path, me, "{\"bio\":\"x\"}", NULL);
	cr_assert_eq(colleague->status, 404, "%s", colleague->body);
}

Test(specialists, supervisor_patch_rules)
{
	struct world world;
	world_build(&world, (struct world_options){0});
	char subject[96], taken[96];
	char *id = arena_text(create_specialist(world.provider, "peer", subject, sizeof subject));
	arena_text(create_specialist(world.provider, "peer", taken, sizeof taken));
	char *path = arena_text(path_of("/v1/specialists", id));

	struct http_response *stale =
		http_patch(path, world.supervisor.token, "{\"max_caseload\":3}", "\"7\"");
	cr_assert_eq(stale->status, 412, "%s", stale->body);
	struct http_response *same =
		http_patch(path, world.supervisor.token, "{\"max_caseload\":15}", NULL);
	cr_assert_eq(same->status, 200, "%s", same->body);
	cr_assert_eq(integer_member(same, "version"), 1, "an unchanged PATCH keeps the version");
	struct http_response *changed = http_patch(
		path, world.supervisor.token,
		"{\"max_caseload\":3,\"active\":false,\"kind\":\"family_peer\"}", "\"1\"");
	cr_assert_eq(changed->status, 200, "%s", changed->body);
	cr_assert_eq(integer_member(changed, "max_caseload"), 3);
	cr_assert_not(boolean_member(changed, "active"));
	cr_assert_str_eq(member(changed, "kind"), "family_peer");

	assert_stays_in_its_organization(path, world.supervisor.token);
	char body[160];
	snprintf(body, sizeof body, "{\"subject\":\"%s\"}", taken);
	struct http_response *duplicate = http_patch(path, world.supervisor.token, body, NULL);
	cr_assert_eq(duplicate->status, 409, "%s", duplicate->body);
	struct http_response *too_many =
		http_patch(path, world.supervisor.token, "{\"max_caseload\":101}", NULL);
	cr_assert_eq(too_many->status, 422, "%s", too_many->body);
	assert_error_names(too_many, "max_caseload");

	struct http_response *after = http_get(path, world.supervisor.token);
	cr_assert_eq(integer_member(after, "version"), 2, "refused patches change nothing");
	cr_assert_str_eq(member(after, "subject"), subject);
}

/* The whole list at path (every page) is exactly ids, in this order. */
static void expect_ids(const char *path, const char *token, const char *const *ids, size_t count)
{
	char expected[2048], actual[2048];
	join_ids(ids, count, expected, sizeof expected);
	list_ids(path, token, actual, sizeof actual);
	cr_assert_str_eq(actual, expected, "%s", path);
}

static char *id_of(struct http_response *response)
{
	char *id = strdup(member(response, "id"));
	return id;
}

Test(specialists, filters_return_exactly_the_right_people)
{
	struct world world;
	world_build(&world, (struct world_options){0});
	char subject[96];
	/* Created in this order; lists are newest first. */
	char *bilingual = id_of(create_from(
		world.supervisor.token,
		"\"given_name\":\"Rosa\",\"family_name\":\"Quintero-Filter\","
		"\"kind\":\"peer\",\"languages\":[\"en\",\"es-MX\"],\"counties\":[\"Multnomah\"],"
		"\"lived_experience\":[\"substance_use\"]",
		subject, sizeof subject));
	char *full = id_of(create_from(
		world.supervisor.token,
		"\"given_name\":\"Dana\",\"family_name\":\"Okafor\","
		"\"kind\":\"family_peer\",\"languages\":[\"en\"],\"counties\":[\"Clackamas\"],"
		"\"lived_experience\":[\"caregiver\"],\"max_caseload\":0",
		subject, sizeof subject));
	char *uncertified = id_of(
		create_from(world.supervisor.token,
			    "\"given_name\":\"Minh\",\"family_name\":\"Tran\","
			    "\"kind\":\"peer\",\"languages\":[\"vi\"],\"counties\":[\"multnomah\"],"
			    "\"lived_experience\":[\"mental_health\"]",
			    subject, sizeof subject));
	char *inactive =
		id_of(create_from(world.supervisor.token,
				  "\"given_name\":\"Sam\",\"family_name\":\"Reyes\","
				  "\"kind\":\"peer\",\"languages\":[\"est\"],\"active\":false",
				  subject, sizeof subject));
	char *pending = id_of(create_from(world.supervisor.token,
					  "\"given_name\":\"Lee\",\"family_name\":\"Park\","
					  "\"kind\":\"peer\",\"languages\":[\"ko\"]",
					  subject, sizeof subject));
	free(create_certification(bilingual, "active", "2025-01-01", "2030-01-01"));
	free(create_certification(full, "active", "2025-01-01", "2030-01-01"));
	free(create_certification(inactive, "active", "2025-01-01", "2030-01-01"));
	free(create_certification(pending, "pending", "2025-01-01", "2030-01-01"));
	free(create_certification(uncertified, "active", "2020-01-01", "2022-01-01"));

	const char *all[] = {pending, inactive, uncertified, full, bilingual};
	expect_ids("/v1/specialists?limit=50", world.supervisor.token, all, 5);
	const char *family[] = {full};
	expect_ids("/v1/specialists?kind=family_peer", world.supervisor.token, family, 1);
	const char *spanish[] = {bilingual};
	expect_ids("/v1/specialists?language=es", world.supervisor.token, spanish, 1);
	expect_ids("/v1/specialists?language=ES-mx", world.supervisor.token, spanish, 1);
	expect_ids("/v1/specialists?language=es-ES", world.supervisor.token, NULL, 0);
	const char *multnomah[] = {uncertified, bilingual};
	expect_ids("/v1/specialists?county=MULTNOMAH", world.supervisor.token, multnomah, 2);
	const char *caregivers[] = {full};
	expect_ids("/v1/specialists?lived_experience=caregiver", world.supervisor.token, caregivers,
		   1);
	const char *certified[] = {inactive, full, bilingual};
	expect_ids("/v1/specialists?certified=true", world.supervisor.token, certified, 3);
	const char *not_certified[] = {pending, uncertified};
	expect_ids("/v1/specialists?certified=false", world.supervisor.token, not_certified, 2);
	/* Accepting: active, certified and under max_caseload. */
	const char *accepting[] = {bilingual};
	expect_ids("/v1/specialists?accepting=true", world.supervisor.token, accepting, 1);
	const char *not_accepting[] = {pending, inactive, uncertified, full};
	expect_ids("/v1/specialists?accepting=false", world.supervisor.token, not_accepting, 4);
	const char *inactive_only[] = {inactive};
	expect_ids("/v1/specialists?active=false", world.supervisor.token, inactive_only, 1);
	expect_ids("/v1/specialists?q=quintero-f", world.supervisor.token, spanish, 1);
	expect_ids("/v1/specialists?q=rosa%20quintero", world.supervisor.token, spanish, 1);
	const char *combined[] = {bilingual};
	expect_ids("/v1/specialists?county=Multnomah&certified=true&kind=peer",
		   world.supervisor.token, combined, 1);

	/* Pages of two cover everyone once, in order. */
	expect_ids("/v1/specialists?limit=2", world.supervisor.token, all, 5);

	const char *bad[] = {"/v1/specialists?kind=mentor",
			     "/v1/specialists?certified=yes",
			     "/v1/specialists?accepting=1",
			     "/v1/specialists?lived_experience=gambling",
			     "/v1/specialists?language=e",
			     "/v1/specialists?language=es_MX",
			     "/v1/specialists?organization_id=nope",
			     "/v1/specialists?q=",
			     "/v1/specialists?limit=0",
			     "/v1/specialists?cursor=garbage",
			     "/v1/specialists?colour=red"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct http_response *response = http_get(bad[i], world.supervisor.token);
		cr_assert_eq(response->status, 400, "%s: %s", bad[i], response->body);
	}
	free(pending);
	free(inactive);
	free(uncertified);
	free(full);
	free(bilingual);
}

Test(specialists, admin_lists_every_organization_or_one)
{
	char *org_a = arena_text(create_organization("provider"));
	char *org_b = arena_text(create_organization("provider"));
	char subject[96];
	arena_text(create_specialist(org_a, "peer", subject, sizeof subject));
	char *in_b = arena_text(create_specialist(org_b, "peer", subject, sizeof subject));
	char *admin = arena_text(admin_token());
	char path[160];
	snprintf(path, sizeof path, "/v1/specialists?organization_id=%s", org_b);
	const char *only_b[] = {in_b};
	expect_ids(path, admin, only_b, 1);
}

Test(specialists, languages_differing_only_in_case_are_one_language)
{
	struct world world;
	world_build(&world, (struct world_options){0});
	char body[512], subject[96];
	unique_name("person", subject, sizeof subject);
	snprintf(body, sizeof body,
		 "{\"subject\":\"%s\",\"given_name\":\"A\",\"family_name\":\"B\",\"kind\":\"peer\","
		 "\"languages\":[\"es-MX\",\"ES-mx\"]}",
		 subject);
	struct http_response *response = http_post("/v1/specialists", world.supervisor.token, body);
	cr_assert_eq(response->status, 422, "%s", response->body);
	assert_error_names(response, "languages");
}

Test(specialists, own_organization_id_in_upper_case_is_the_same_organization)
{
	struct world world;
	world_build(&world, (struct world_options){0});
	char upper[64], body[512], subject[96];
	snprintf(upper, sizeof upper, "%s", world.provider);
	for (char *c = upper; *c; c++)
		*c = (char)toupper((unsigned char)*c);
	unique_name("person", subject, sizeof subject);
	snprintf(body, sizeof body, IN_ORGANIZATION, upper, subject);
	struct http_response *response = http_post("/v1/specialists", world.supervisor.token, body);
	cr_assert_eq(response->status, 201, "%s", response->body);
	cr_assert_str_eq(member(response, "organization_id"), world.provider);
}

Test(specialists, a_deactivated_specialists_token_stops_at_once)
{
	struct world world;
	world_build(&world, (struct world_options){0});
	char subject[96];
	char *id = arena_text(create_specialist(world.provider, "peer", subject, sizeof subject));
	char *specialist = arena_text(token_for_subject("specialist", world.provider, subject));
	struct http_response *before = http_get("/v1/specialists/me", specialist);
	cr_assert_eq(before->status, 200, "%s", before->body);
	char *path = arena_text(path_of("/v1/specialists", id));
	struct http_response *deactivated =
		http_patch(path, world.supervisor.token, "{\"active\":false}", NULL);
	cr_assert_eq(deactivated->status, 200, "%s", deactivated->body);
	const char *paths[] = {"/v1/specialists/me", "/v1/participants", "/v1/session-notes",
			       "/v1/referrals"};
	for (size_t i = 0; i < 4; i++) {
		struct http_response *refused = http_get(paths[i], specialist);
		cr_assert_eq(refused->status, 401, "%s: %s", paths[i], refused->body);
		char *challenge = arena_text(http_header(refused, "WWW-Authenticate"));
		cr_assert(challenge && strstr(challenge, "Bearer"), "%s", paths[i]);
	}
	/* A write stops too, at its first statement (else this one would be a 404). */
	struct http_response *write = http_post(
		"/v1/session-notes", specialist,
		"{\"participant_id\":\"5a0f6f0e-0000-4000-8000-000000000001\",\"occurred_at\":"
		"\"2026-01-05T10:00:00Z\",\"duration_minutes\":30,\"modality\":\"phone\","
		"\"goal_ids\":[\"5a0f6f0e-0000-4000-8000-000000000002\"]}");
	cr_assert_eq(write->status, 401, "%s", write->body);
	struct http_response *reactivated =
		http_patch(path, world.supervisor.token, "{\"active\":true}", NULL);
	cr_assert_eq(reactivated->status, 200, "%s", reactivated->body);
	struct http_response *again = http_get("/v1/specialists/me", specialist);
	cr_assert_eq(again->status, 200, "%s", again->body);
}

/* Asserts the answer to a specialist token naming no profile in its organization. */
static void expect_no_profile(struct http_response *response, const char *who, const char *what)
{
	cr_expect_eq(response->status, 403, "%s, %s: %s", who, what, response->body);
	char *type = arena_text(http_header(response, "Content-Type"));
	cr_expect(type && strcmp(type, "application/problem+json") == 0, "%s, %s: %s", who, what,
		  type);
	const char *detail = member(response, "detail");
	cr_expect(detail && strstr(detail, "no specialist profile") &&
			  strstr(detail, "ask a supervisor"),
		  "%s, %s: %s", who, what, response->body);
}

/* A specialist token whose sub has no profile in its org is refused with 403 saying so,
 * reads and writes alike, rather than answered with empty lists (sql/019): a sub nobody
 * has, and a real specialist's sub signed for another organization. Once a supervisor
 * makes the profile, the same token works. */
Test(specialists, a_token_without_a_profile_is_forbidden_saying_so)
{
	struct world world;
	world_build(&world, (struct world_options){0});
	char *elsewhere = arena_text(create_organization("provider"));
	char subject[96], nobody[96];
	char *id = arena_text(create_specialist(elsewhere, "peer", subject, sizeof subject));
	unique_name("nobody yet", nobody, sizeof nobody);
	char *unknown = arena_text(token_for_subject("specialist", world.provider, nobody));
	char *misplaced = arena_text(token_for_subject("specialist", world.provider, subject));
	char *theirs = arena_text(path_of("/v1/specialists", id));
	char *of_theirs = arena_text(path_of(theirs, "certifications"));
	const struct {
		const char *who, *token;
	} callers[] = {{"an unknown sub", unknown}, {"another organization's sub", misplaced}};
	for (size_t i = 0; i < 2; i++) {
		const char *token = callers[i].token;
		const char *paths[] = {"/v1/referrals", "/v1/participants", "/v1/specialists/me"};
		for (size_t p = 0; p < 3; p++)
			expect_no_profile(http_get(paths[p], token), callers[i].who, paths[p]);
		expect_no_profile(
			http_post(of_theirs, token,
				  "{\"credential\":\"CPS\",\"issuing_authority\":\"Oregon "
				  "Health Authority\",\"state\":\"OR\",\"number\":\"X-1\","
				  "\"issued_on\":\"2025-01-01\",\"expires_on\":\"2027-01-01\"}"),
			callers[i].who, "POST a certification");
	}
	json_t *profile =
		json_pack("{s:s, s:s, s:s, s:s, s:s}", "organization_id", world.provider, "subject",
			  nobody, "given_name", "Ana", "family_name", "Reyes", "kind", "peer");
	struct http_response *created =
		http_send_json("POST", "/v1/specialists", world.supervisor.token, profile);
	cr_assert_eq(created->status, 201, "%s", created->body);
	struct http_response *me = http_get("/v1/specialists/me", unknown);
	cr_expect_eq(me->status, 200, "%s", me->body);
	json_decref(profile);
}
