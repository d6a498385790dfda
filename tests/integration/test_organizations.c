#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "fixtures.h"
#include "http.h"
#include "requests.h"
#include "us_states.h"
#include "world.h"

static long long version_of(const struct http_response *response)
{
	return json_integer_value(json_object_get(response->json, "version"));
}

static struct http_response *get_organization(const char *id, const char *token)
{
	char path[128];
	snprintf(path, sizeof path, "/v1/organizations/%s", id);
	return http_get(path, token);
}

static struct http_response *patch_organization(const char *id, const char *token, const char *body,
						const char *if_match)
{
	char path[128];
	snprintf(path, sizeof path, "/v1/organizations/%s", id);
	return http_patch(path, token, body, if_match);
}

TestSuite(organizations, .init = arena_open, .fini = arena_close);

Test(organizations, admin_creates_and_reads_back)
{
	char *admin = arena_text(admin_token());
	char name[96];
	unique_name("Lighthouse Peer Services", name, sizeof name);
	json_t *body = json_pack("{s:s, s:s, s:s, s:[s,s], s:{s:s, s:i}}", "name", name, "kind",
				 "provider", "state", "WA", "counties", "King", "Pierce",
				 "settings", "unit_rounding", "half_up", "max_units_per_day", 12);
	struct http_response *created = http_send_json("POST", "/v1/organizations", admin, body);
	cr_assert_eq(created->status, 201, "%s", created->body);
	char *location = arena_text(http_header(created, "Location"));
	char expected_location[128];
	snprintf(expected_location, sizeof expected_location, "/v1/organizations/%s",
		 member(created, "id"));
	cr_assert_str_eq(location, expected_location);
	cr_assert_str_eq(member(created, "name"), name);
	cr_assert_eq(version_of(created), 1);
	json_t *counties = json_pack("[s,s]", "King", "Pierce");
	cr_assert(json_equal(json_object_get(created->json, "counties"), counties));
	json_decref(counties);
	json_t *settings = json_object_get(created->json, "settings");
	cr_assert_str_eq(json_string_value(json_object_get(settings, "unit_rounding")), "half_up");
	cr_assert_eq(json_integer_value(json_object_get(settings, "max_units_per_day")), 12);
	cr_assert_eq(json_integer_value(json_object_get(settings, "family_youth_max_age")), 21);
	cr_assert_eq(json_integer_value(json_object_get(settings, "referral_response_days")), 2);

	struct http_response *read = http_get(location, admin);
	cr_assert_eq(read->status, 200);
	char *etag = arena_text(http_header(read, "ETag"));
	cr_assert_str_eq(etag, "\"1\"");
	cr_assert(json_equal(read->json, created->json), "GET returns what POST returned");
	json_decref(body);
}

Test(organizations, settings_default_as_api_md_says)
{
	char *id = arena_text(create_organization("partner"));
	char *admin = arena_text(admin_token());
	struct http_response *read = get_organization(id, admin);
	json_t *expected =
		json_pack("{s:s, s:i, s:i, s:i, s:s, s:i, s:i, s:{s:i, s:i, s:i, s:i}, s:b, s:n, "
			  "s:{s:s, s:s}}",
			  "unit_rounding", "whole", "max_units_per_day", 16, "family_youth_max_age",
			  21, "referral_response_days", 2, "time_zone", "America/Los_Angeles",
			  "max_group_size", 12, "plan_review_days", 90, "assessment_schedule",
			  "baseline_days", 30, "interval_days", 90, "window_days", 30,
			  "discharge_days", 30, "require_authorization", 0, "max_units_per_year",
			  "telehealth_modifiers", "video", "95", "phone", "93");
	cr_assert(json_equal(json_object_get(read->json, "settings"), expected), "%s", read->body);
	json_decref(expected);
}

Test(organizations, invalid_fields_are_all_named)
{
	char *admin = arena_text(admin_token());
	const char *expected[] = {"name",
				  "kind",
				  "state",
				  "counties[1]",
				  "settings.unit_rounding",
				  "settings.max_units_per_day",
				  "settings.family_youth_max_age",
				  "settings.referral_response_days",
				  "version",
				  "color"};
	size_t count = sizeof expected / sizeof expected[0];
	struct http_response *response = assert_post_names_fields(
		"/v1/organizations", admin,
		"{\"name\":\"\",\"kind\":\"clinic\",\"state\":\"XX\",\"counties\":[\"A\","
		"\"A\"],"
		"\"settings\":{\"unit_rounding\":\"up\",\"max_units_per_day\":0,"
		"\"family_youth_max_age\":31,\"referral_response_days\":1.5},\"version\":3,"
		"\"color\":\"blue\"}",
		expected, count);
	cr_assert_eq(json_array_size(json_object_get(response->json, "errors")), count, "%s",
		     response->body);
}

Test(organizations, missing_required_fields)
{
	char *admin = arena_text(admin_token());
	struct http_response *response =
		http_send(&(struct http_request){.method = "POST",
						 .path = "/v1/organizations",
						 .token = admin,
						 .content_type = "application/json",
						 .body = "{}"});
	cr_assert_eq(response->status, 422);
	cr_assert_eq(json_array_size(json_object_get(response->json, "errors")), 3, "%s",
		     response->body);
}

/* Pages through every organization and counts how often each wanted id appears. */
static void count_in_pages(const char *token, const char *query, const char *const *ids,
			   size_t id_count, int *seen, int *pages)
{
	char path[512];
	char *cursor = NULL;
	*pages = 0;
	do {
		snprintf(path, sizeof path, "/v1/organizations?limit=2%s%s%s", query,
			 cursor ? "&cursor=" : "", cursor ? cursor : "");
		free(cursor);
		cursor = NULL;
		struct http_response *page = http_get(path, token);
		cr_assert_eq(page->status, 200, "%s", page->body);
		json_t *items = json_object_get(page->json, "items");
		cr_assert_leq(json_array_size(items), 2);
		size_t index;
		json_t *item;
		json_array_foreach (items, index, item) {
			for (size_t i = 0; i < id_count; i++)
				seen[i] += strcmp(json_string_value(json_object_get(item, "id")),
						  ids[i]) == 0;
		}
		const char *next = json_string_value(json_object_get(page->json, "next_cursor"));
		cr_assert(next || json_is_null(json_object_get(page->json, "next_cursor")));
		cursor = next ? strdup(next) : NULL;
		(*pages)++;
	} while (cursor && *pages < 10000);
}

Test(organizations, cursor_pagination_visits_each_once)
{
	char *ids[3] = {create_organization("provider"), create_organization("partner"),
			create_organization("provider")};
	char *admin = arena_text(admin_token());
	int seen[3] = {0};
	int pages = 0;
	count_in_pages(admin, "", (const char *const *)ids, 3, seen, &pages);
	for (int i = 0; i < 3; i++)
		cr_assert_eq(seen[i], 1, "organization %d seen %d times", i, seen[i]);
	cr_assert_geq(pages, 2);

	int partners_seen[3] = {0};
	count_in_pages(admin, "&kind=partner", (const char *const *)ids, 3, partners_seen, &pages);
	cr_assert_eq(partners_seen[0], 0, "kind=partner hides providers");
	cr_assert_eq(partners_seen[1], 1);
	cr_assert_eq(partners_seen[2], 0);
	for (int i = 0; i < 3; i++)
		free(ids[i]);
}

Test(organizations, newest_first)
{
	char *older = arena_text(create_organization("provider"));
	char *newer = arena_text(create_organization("provider"));
	char *admin = arena_text(admin_token());
	struct http_response *page = http_get("/v1/organizations?limit=200", admin);
	int older_at = -1, newer_at = -1;
	size_t index;
	json_t *item;
	json_array_foreach (json_object_get(page->json, "items"), index, item) {
		const char *id = json_string_value(json_object_get(item, "id"));
		if (strcmp(id, older) == 0)
			older_at = (int)index;
		if (strcmp(id, newer) == 0)
			newer_at = (int)index;
	}
	cr_assert(newer_at >= 0 && older_at > newer_at, "newer %d, older %d", newer_at, older_at);
}

Test(organizations, bad_list_parameters_are_400)
{
	char *admin = arena_text(admin_token());
	const char *paths[] = {
		"/v1/organizations?limit=0",	   "/v1/organizations?limit=201",
		"/v1/organizations?limit=ten",	   "/v1/organizations?cursor=nope",
		"/v1/organizations?kind=clinic",   "/v1/organizations?sort=name",
		"/v1/organizations?cursor=%ff%fe", "/v1/organizations?limit=1&limit=2",
		"/v1/organizations?%ff=1"};
	for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
		struct http_response *response = http_get(paths[i], admin);
		cr_expect_eq(response->status, 400, "%s: %s", paths[i], response->body);
	}
}

Test(organizations, every_role_reads_its_own_and_nothing_else)
{
	char *mine = arena_text(create_organization("provider"));
	char *other = arena_text(create_organization("provider"));
	const char *roles[] = {"supervisor", "specialist", "partner", "reporter"};
	for (size_t i = 0; i < 4; i++) {
		char *token = arena_text(token_for_known(roles[i], mine));
		struct http_response *own = get_organization(mine, token);
		cr_expect_eq(own->status, 200, "%s reading its own: %s", roles[i], own->body);
		struct http_response *foreign = get_organization(other, token);
		cr_expect_eq(foreign->status, 404, "%s reading another: %s", roles[i],
			     foreign->body);
		struct http_response *list = http_get("/v1/organizations", token);
		json_t *items = json_object_get(list->json, "items");
		cr_expect_eq(json_array_size(items), 1, "%s lists only its own", roles[i]);
		cr_expect_str_eq(json_string_value(json_object_get(json_array_get(items, 0), "id")),
				 mine);
	}
}

Test(organizations, only_admins_create)
{
	char *org = arena_text(create_organization("provider"));
	const char *roles[] = {"supervisor", "specialist", "partner", "reporter"};
	for (size_t i = 0; i < 4; i++) {
		char *token = arena_text(token_for(roles[i], org));
		json_t *body = json_pack("{s:s, s:s, s:s}", "name", "Sneaky", "kind", "provider",
					 "state", "OR");
		struct http_response *response =
			http_send_json("POST", "/v1/organizations", token, body);
		cr_expect_eq(response->status, 403, "%s: %s", roles[i], response->body);
		json_decref(body);
	}
}

Test(organizations, only_admins_and_supervisors_patch)
{
	struct world world;
	world_build(&world, (struct world_options){0});
	const char *roles[] = {"specialist", "partner", "reporter"};
	for (size_t i = 0; i < 3; i++) {
		char *token = arena_text(token_for(roles[i], world.provider));
		struct http_response *response = patch_organization(
			world.provider, token, "{\"settings\":{\"max_units_per_day\":4}}", NULL);
		cr_expect_eq(response->status, 403, "%s: %s", roles[i], response->body);
	}
	struct http_response *read = get_organization(world.provider, world.admin.token);
	cr_assert_eq(version_of(read), 1, "nothing changed");
}

Test(organizations, supervisor_changes_settings_only)
{
	struct world world;
	world_build(&world, (struct world_options){0});
	char *other = arena_text(create_organization("provider"));
	struct http_response *changed =
		patch_organization(world.provider, world.supervisor.token,
				   "{\"settings\":{\"max_units_per_day\":8}}", NULL);
	cr_assert_eq(changed->status, 200, "%s", changed->body);
	cr_assert_eq(version_of(changed), 2);
	json_t *settings = json_object_get(changed->json, "settings");
	cr_assert_eq(json_integer_value(json_object_get(settings, "max_units_per_day")), 8);
	cr_assert_str_eq(json_string_value(json_object_get(settings, "unit_rounding")), "whole",
			 "a merge patch leaves the other settings alone");

	struct http_response *renamed = patch_organization(world.provider, world.supervisor.token,
							   "{\"name\":\"Mine\"}", NULL);
	cr_assert_eq(renamed->status, 403, "%s", renamed->body);
	cr_assert(strstr(json_string_value(json_object_get(renamed->json, "detail")), "name"));

	struct http_response *foreign = patch_organization(
		other, world.supervisor.token, "{\"settings\":{\"max_units_per_day\":8}}", NULL);
	cr_assert_eq(foreign->status, 404, "%s", foreign->body);
}

Test(organizations, patch_semantics)
{
	struct world world;
	world_build(&world, (struct world_options){0});
	/* A patch that changes nothing keeps the version. */
	struct http_response *same = patch_organization(world.provider, world.admin.token,
							"{\"kind\":\"provider\"}", NULL);
	cr_assert_eq(same->status, 200, "%s", same->body);
	cr_assert_eq(version_of(same), 1);
	/* Admin renames; null resets a setting to its default. */
	struct http_response *set =
		patch_organization(world.provider, world.admin.token,
				   "{\"settings\":{\"referral_response_days\":5}}", NULL);
	cr_assert_eq(version_of(set), 2);
	struct http_response *reset =
		patch_organization(world.provider, world.admin.token,
				   "{\"name\":\"Renamed Peer Org\",\"counties\":null,"
				   "\"settings\":{\"referral_response_days\":null}}",
				   "\"2\"");
	cr_assert_eq(reset->status, 200, "%s", reset->body);
	cr_assert_eq(version_of(reset), 3);
	cr_assert_str_eq(member(reset, "name"), "Renamed Peer Org");
	cr_assert_eq(json_array_size(json_object_get(reset->json, "counties")), 0);
	cr_assert_eq(json_integer_value(json_object_get(json_object_get(reset->json, "settings"),
							"referral_response_days")),
		     2);
	/* What may not be removed or changed. */
	char long_key[256] = "{\"";
	for (int i = 0; i < 60; i++)
		strcat(long_key, "\xe2\x82\xac");
	strcat(long_key, "\":1}");
	const char *refused[] = {"{\"name\":null}",
				 "{\"kind\":\"partner\"}",
				 "{\"id\":\"x\"}",
				 "{\"settings\":{\"max_units_per_day\":\"many\"}}",
				 "{\"settings\":[1]}",
				 "{\"state\":\"Oregon\"}",
				 "{\"counties\":[null,\"a\"]}",
				 "{\"counties\":[1,\"a\",\"a\"]}",
				 long_key};
	for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
		struct http_response *response =
			patch_organization(world.provider, world.admin.token, refused[i], NULL);
		cr_expect_eq(response->status, 422, "%s: %s", refused[i], response->body);
	}
	struct http_response *after = get_organization(world.provider, world.admin.token);
	cr_assert_eq(version_of(after), 3, "refused patches change nothing");
}

Test(organizations, if_match_guards_against_lost_updates)
{
	struct world world;
	world_build(&world, (struct world_options){0});
	struct http_response *stale = patch_organization(world.provider, world.admin.token,
							 "{\"name\":\"First writer\"}", "\"7\"");
	cr_assert_eq(stale->status, 412, "%s", stale->body);
	struct http_response *fresh = patch_organization(world.provider, world.admin.token,
							 "{\"name\":\"First writer\"}", "\"1\"");
	cr_assert_eq(fresh->status, 200, "%s", fresh->body);
	char *etag = arena_text(http_header(fresh, "ETag"));
	cr_assert_str_eq(etag, "\"2\"");
	struct http_response *second = patch_organization(world.provider, world.admin.token,
							  "{\"name\":\"Second writer\"}", "\"1\"");
	cr_assert_eq(second->status, 412, "the second writer read version 1");
	struct http_response *read = get_organization(world.provider, world.admin.token);
	cr_assert_str_eq(member(read, "name"), "First writer");
}

Test(organizations, if_none_match_answers_304)
{
	struct world world;
	world_build(&world, (struct world_options){0});
	char path[128];
	snprintf(path, sizeof path, "/v1/organizations/%s", world.provider);
	struct http_response *response = http_send(&(struct http_request){
		.path = path, .token = world.admin.token, .headers = {"If-None-Match: \"1\""}});
	cr_assert_eq(response->status, 304);
	cr_assert_eq(response->body_size, 0);
	struct http_response *changed = http_send(&(struct http_request){
		.path = path, .token = world.admin.token, .headers = {"If-None-Match: \"0\""}});
	cr_assert_eq(changed->status, 200);
	/* A write always answers with the resource. */
	struct http_response *patched =
		http_send(&(struct http_request){.method = "PATCH",
						 .path = path,
						 .token = world.admin.token,
						 .content_type = "application/json",
						 .body = "{\"name\":\"Conditional writer\"}",
						 .headers = {"If-None-Match: \"2\""}});
	cr_assert_eq(patched->status, 200, "%s", patched->body);
}

Test(organizations, unknown_or_malformed_ids_are_404)
{
	char *admin = arena_text(admin_token());
	const char *paths[] = {"/v1/organizations/00000000-0000-4000-8000-000000000000",
			       "/v1/organizations/not-a-uuid", "/v1/organizations/1%20OR%201=1"};
	for (size_t i = 0; i < 3; i++) {
		struct http_response *response = http_get(paths[i], admin);
		cr_expect_eq(response->status, 404, "%s: %s", paths[i], response->body);
	}
}

Test(organizations, uppercase_id_finds_the_organization)
{
	struct world world;
	world_build(&world, (struct world_options){0});
	char upper[64];
	for (size_t i = 0; i <= strlen(world.provider); i++)
		upper[i] = (char)(world.provider[i] >= 'a' && world.provider[i] <= 'f'
					  ? world.provider[i] - 32
					  : world.provider[i]);
	struct http_response *response = get_organization(upper, world.supervisor.token);
	cr_assert_eq(response->status, 200, "%s", response->body);
}

Test(organizations, database_and_code_agree_on_states)
{
	PGconn *db = test_db_connect();
	PGresult *res = PQexec(db, "SELECT code FROM us_states ORDER BY code");
	cr_assert_eq(PQresultStatus(res), PGRES_TUPLES_OK);
	int rows = PQntuples(res);
	int listed = 0;
	while (US_STATE_CODES[listed])
		listed++;
	cr_assert_eq(rows, listed, "sql/ holds %d states, rules/us_states.c %d", rows, listed);
	for (int i = 0; i < rows; i++)
		cr_expect_str_eq(PQgetvalue(res, i, 0), US_STATE_CODES[i]);
	PQclear(res);
	PQfinish(db);
}

Test(organizations, database_refuses_what_the_api_refuses)
{
	PGconn *db = test_db_connect();
	const char *statements[] = {
		"INSERT INTO organizations (name, kind, state, counties, unit_rounding, "
		"max_units_per_day,"
		" family_youth_max_age, referral_response_days)"
		" VALUES ('Dup', 'provider', 'OR', '{A,A}', 'whole', 16, 21, 2)",
		"INSERT INTO organizations (name, kind, state, unit_rounding, max_units_per_day,"
		" family_youth_max_age, referral_response_days)"
		" VALUES (' Padded', 'provider', 'OR', 'whole', 16, 21, 2)",
		"INSERT INTO organizations (name, kind, state, unit_rounding, max_units_per_day,"
		" family_youth_max_age, referral_response_days)"
		" VALUES ('Nowhere', 'provider', 'XX', 'whole', 16, 21, 2)",
		"INSERT INTO organizations (name, kind, state, unit_rounding, max_units_per_day,"
		" family_youth_max_age, referral_response_days)"
		" VALUES ('Too many', 'provider', 'OR', 'whole', 97, 21, 2)",
	};
	for (size_t i = 0; i < sizeof statements / sizeof statements[0]; i++) {
		PGresult *res = PQexec(db, statements[i]);
		const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
		cr_expect(state && strncmp(state, "23", 2) == 0, "statement %zu was accepted", i);
		PQclear(res);
	}
	PQfinish(db);
}

static struct http_response *create_in(const char *state, const char *settings)
{
	char *admin = arena_text(admin_token());
	char name[96], body[512];
	unique_name("Zone test", name, sizeof name);
	snprintf(body, sizeof body,
		 "{\"name\":\"%s\",\"kind\":\"provider\",\"state\":\"%s\",\"settings\":%s}", name,
		 state, settings);
	struct http_response *response =
		http_send(&(struct http_request){.method = "POST",
						 .path = "/v1/organizations",
						 .token = admin,
						 .content_type = "application/json",
						 .body = body});
	return response;
}

static const char *time_zone_of(const struct http_response *response)
{
	json_t *settings = json_object_get(response->json, "settings");
	return json_string_value(json_object_get(settings, "time_zone"));
}

Test(organizations, time_zone_defaults_to_the_state_and_can_be_chosen)
{
	struct http_response *arizona = create_in("AZ", "{}");
	cr_assert_eq(arizona->status, 201, "%s", arizona->body);
	cr_assert_str_eq(time_zone_of(arizona), "America/Phoenix");
	struct http_response *panhandle = create_in("FL", "{\"time_zone\":\"America/Chicago\"}");
	cr_assert_eq(panhandle->status, 201, "%s", panhandle->body);
	cr_assert_str_eq(time_zone_of(panhandle), "America/Chicago");

	/* A supervisor moves the zone; null goes back to the state's. */
	const char *id = member(arizona, "id");
	char *supervisor = arena_text(token_for("supervisor", id));
	struct http_response *moved = patch_organization(
		id, supervisor, "{\"settings\":{\"time_zone\":\"America/Denver\"}}", NULL);
	cr_assert_eq(moved->status, 200, "%s", moved->body);
	cr_assert_str_eq(time_zone_of(moved), "America/Denver");
	struct http_response *reset =
		patch_organization(id, supervisor, "{\"settings\":{\"time_zone\":null}}", NULL);
	cr_assert_eq(reset->status, 200, "%s", reset->body);
	cr_assert_str_eq(time_zone_of(reset), "America/Phoenix");
}

Test(organizations, unknown_time_zone_is_named)
{
	const char *zones[] = {"\"Europe/Paris\"", "\"UTC\"", "\"america/chicago\"", "\"\"", "7"};
	for (size_t i = 0; i < sizeof zones / sizeof zones[0]; i++) {
		char settings[64];
		snprintf(settings, sizeof settings, "{\"time_zone\":%s}", zones[i]);
		struct http_response *response = create_in("OR", settings);
		cr_assert_eq(response->status, 422, "%s: %s", zones[i], response->body);
		json_t *error = json_array_get(json_object_get(response->json, "errors"), 0);
		cr_assert_str_eq(json_string_value(json_object_get(error, "field")),
				 "settings.time_zone", "%s", response->body);
	}
}

Test(organizations, billing_settings_are_set_restored_and_checked)
{
	struct world world;
	world_build(&world, (struct world_options){0});
	/* Restoring a default the organization already has changes nothing, at any depth. */
	const char *restoring[] = {"{\"settings\":{\"max_units_per_year\":null}}",
				   "{\"settings\":{\"telehealth_modifiers\":{\"video\":null}}}",
				   "{\"settings\":{\"telehealth_modifiers\":null,"
				   "\"require_authorization\":null,\"assessment_schedule\":null}}",
				   "{\"settings\":{\"require_authorization\":false,"
				   "\"telehealth_modifiers\":{\"phone\":\"93\"}}}"};
	for (size_t i = 0; i < sizeof restoring / sizeof restoring[0]; i++) {
		struct http_response *same =
			patch_organization(world.provider, world.admin.token, restoring[i], NULL);
		cr_assert_eq(same->status, 200, "%s: %s", restoring[i], same->body);
		cr_assert_eq(version_of(same), 1, "%s changes nothing", restoring[i]);
	}
	struct http_response *set = patch_organization(
		world.provider, world.supervisor.token,
		"{\"settings\":{\"require_authorization\":true,\"max_units_per_year\":3600,"
		"\"telehealth_modifiers\":{\"video\":\"GT\"}}}",
		NULL);
	cr_assert_eq(set->status, 200, "%s", set->body);
	json_t *expected = json_pack("{s:b, s:i, s:{s:s, s:s}}", "require_authorization", 1,
				     "max_units_per_year", 3600, "telehealth_modifiers", "video",
				     "GT", "phone", "93");
	const json_t *settings = json_object_get(set->json, "settings");
	const char *key;
	json_t *value;
	json_object_foreach (expected, key, value) {
		cr_assert(json_equal(json_object_get(settings, key), value), "%s: %s", key,
			  set->body);
	}
	json_decref(expected);
	/* null removes the cap; a bad value of each is named. */
	struct http_response *uncapped =
		patch_organization(world.provider, world.admin.token,
				   "{\"settings\":{\"max_units_per_year\":null}}", NULL);
	cr_assert(json_is_null(json_object_get(json_object_get(uncapped->json, "settings"),
					       "max_units_per_year")),
		  "%s", uncapped->body);
	const char *fields[] = {"settings.require_authorization", "settings.max_units_per_year",
				"settings.telehealth_modifiers.video",
				"settings.telehealth_modifiers.phone"};
	struct http_response *refused = patch_organization(
		world.provider, world.admin.token,
		"{\"settings\":{\"require_authorization\":\"yes\",\"max_units_per_year\":0,"
		"\"telehealth_modifiers\":{\"video\":\"9x\",\"phone\":\"950\"}}}",
		NULL);
	cr_assert_eq(refused->status, 422, "%s", refused->body);
	for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++)
		assert_error_names(refused, fields[i]);
	/* A nested setting sent as null takes its default, as one left out does. */
	struct http_response *made =
		http_post("/v1/organizations", world.admin.token,
			  "{\"name\":\"Null Settings Org\",\"kind\":\"provider\",\"state\":\"VA\","
			  "\"settings\":{\"assessment_schedule\":{\"baseline_days\":null},"
			  "\"telehealth_modifiers\":{\"video\":null}}}");
	cr_assert_eq(made->status, 201, "%s", made->body);
	const json_t *made_settings = json_object_get(made->json, "settings");
	cr_assert_eq(
		json_integer_value(json_object_get(
			json_object_get(made_settings, "assessment_schedule"), "baseline_days")),
		30, "%s", made->body);
	cr_assert_str_eq(json_string_value(json_object_get(
				 json_object_get(made_settings, "telehealth_modifiers"), "video")),
			 "95", "%s", made->body);
	/* HQ is the group modifier: a telehealth one would give a group's notes HQ twice. */
	assert_error_names(
		patch_organization(world.provider, world.admin.token,
				   "{\"settings\":{\"telehealth_modifiers\":{\"phone\":\"HQ\"}}}",
				   NULL),
		"settings.telehealth_modifiers.phone");
	database_refuses("UPDATE organizations SET telehealth_modifier_video = 'HQ' WHERE id = $1",
			 1, (const char *const[]){world.provider},
			 "organizations_telehealth_modifiers_not_group");
}
