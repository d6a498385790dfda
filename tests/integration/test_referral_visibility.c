/* Who sees which referral and what of it (API.md, Referrals), and the list's parameters;
 * and peerd_referral_visible (sql/schema.sql), the one rule the reads, lists and locks of
 * api/referrals.c ask, called directly with each kind of caller. */
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "background.h"
#include "fixtures.h"
#include "http.h"
#include "referrals_support.h"
#include "world.h"

TestSuite(referral_visibility, .init = arena_open, .fini = arena_close);

Test(referral_visibility, other_organizations_and_unassigned_specialists_get_404)
{
	struct world world;
	world_build(&world, (struct world_options){.partner = true});
	char *other_partner_id = create_organization("partner");
	char *other_provider_id = create_organization("provider");
	char *other_partner = token_for("partner", other_partner_id);
	char *other_supervisor = token_for("supervisor", other_provider_id);
	char subject[96], idle_subject[96], far_subject[96];
	char *specialist_id = eligible_specialist(world.provider, "peer", subject, sizeof subject);
	char *idle_id =
		eligible_specialist(world.provider, "peer", idle_subject, sizeof idle_subject);
	char *far_id =
		eligible_specialist(other_provider_id, "peer", far_subject, sizeof far_subject);
	char *idle = token_for_subject("specialist", world.provider, idle_subject);
	/* The same subject in the wrong organization's token is nobody peerd knows. */
	char *misplaced = token_for_subject("specialist", other_provider_id, subject);
	char *id = accepted_referral(&world, "peer");
	assignment_ok(id, world.supervisor.token, specialist_id);
	struct http_response *read = get_referral(id, world.supervisor.token);
	char *participant_path = path_of("/v1/participants", member(read, "participant_id"), "");

	/* No profile has that subject in that organization: refused before anything is read. */
	assert_status(get_referral(id, misplaced), 403, "a misplaced specialist reads it");
	assert_status(history_of(id, misplaced), 403, "a misplaced specialist reads its history");
	const char *const strangers[] = {other_partner, other_supervisor, idle};
	for (size_t i = 0; i < 3; i++) {
		assert_status(get_referral(id, strangers[i]), 404, "a stranger reads it");
		assert_status(history_of(id, strangers[i]), 404, "a stranger reads its history");
		char listed[512];
		list_ids("/v1/referrals?", strangers[i], listed, sizeof listed);
		cr_assert_null(strstr(listed, id), "a stranger lists it");
	}
	assert_status(transition(id, other_partner, "withdrawn", "Not ours"), 404,
		      "another partner withdraws it");
	assert_status(transition(id, other_supervisor, "closed", "Not ours"), 404,
		      "another provider closes it");
	assert_status(assign(id, other_supervisor, far_id), 404, "another provider assigns it");
	assert_status(matches_of(id, other_supervisor), 404, "another provider ranks for it");
	assert_status(http_get(participant_path, idle), 404,
		      "an unassigned specialist reads the"
		      " participant");
	assert_status(http_get(participant_path, other_supervisor), 404,
		      "another provider reads the participant");
	assert_status(get_referral("0d5c7f3e-8a1b-4e2f-9c6d-7b8a9f0e1d2c", world.supervisor.token),
		      404, "no such referral");

	assert_referral_status(id, world.supervisor.token, "assigned");
	cr_assert_eq(caseload_of(specialist_id), 1);
	free(participant_path);
	free(id);
	free(misplaced);
	free(idle);
	free(far_id);
	free(idle_id);
	free(specialist_id);
	free(other_supervisor);
	free(other_partner);
	free(other_provider_id);
	free(other_partner_id);
}

Test(referral_visibility, partner_lists_only_its_own)
{
	struct world world;
	world_build(&world, (struct world_options){.partner = true});
	char *other_partner_id = create_organization("partner");
	char *other_partner = token_for("partner", other_partner_id);
	json_t *body = referral_body(world.provider, "peer");
	char *first = submit_ok(world.partner.token, body);
	char *theirs = submit_ok(other_partner, body);
	char *second = submit_ok(world.partner.token, body);

	char listed[512], expected[512];
	list_ids("/v1/referrals?limit=1", world.partner.token, listed, sizeof listed);
	join_ids((const char *const[]){second, first}, 2, expected, sizeof expected);
	cr_assert_str_eq(listed, expected);
	list_ids("/v1/referrals?", other_partner, listed, sizeof listed);
	cr_assert_str_eq(listed, theirs);
	char path[256];
	snprintf(path, sizeof path, "/v1/referrals?referring_organization_id=%s", other_partner_id);
	list_ids(path, world.partner.token, listed, sizeof listed);
	cr_assert_str_eq(listed, "", "a filter never widens a partner's view");
	list_ids("/v1/referrals?", world.supervisor.token, listed, sizeof listed);
	join_ids((const char *const[]){second, theirs, first}, 3, expected, sizeof expected);
	cr_assert_str_eq(listed, expected);
	list_ids(path, world.supervisor.token, listed, sizeof listed);
	cr_assert_str_eq(listed, theirs);

	/* The partner's list shows the partner's view. */
	struct http_response *page = http_get("/v1/referrals", world.partner.token);
	cr_assert_eq(page->status, 200, "%s", page->body);
	size_t index;
	json_t *item;
	json_array_foreach (json_object_get(page->json, "items"), index, item)
		assert_partner_view(item, page->body);
	free(second);
	free(theirs);
	free(first);
	json_decref(body);
	free(other_partner);
	free(other_partner_id);
}

static bool overdue_of(const char *id, const char *token)
{
	struct http_response *read = get_referral(id, token);
	cr_assert_eq(read->status, 200, "%s", read->body);
	json_t *overdue = json_object_get(read->json, "overdue");
	cr_assert(json_is_boolean(overdue), "%s", read->body);
	bool value = json_is_true(overdue);
	return value;
}

Test(referral_visibility, overdue_until_answered)
{
	struct world world;
	world_build(&world, (struct world_options){.partner = true});
	json_t *body = referral_body(world.provider, "peer");
	char *late = submit_ok(world.partner.token, body);
	char *on_time = submit_ok(world.partner.token, body);
	char sql[256];
	snprintf(sql, sizeof sql,
		 "UPDATE referrals SET respond_by = now() - interval '1 hour' WHERE id = '%s'",
		 late);
	PGconn *db = test_db_connect();
	exec_ok(db, sql);
	PQfinish(db);

	cr_assert(overdue_of(late, world.partner.token));
	cr_assert(overdue_of(late, world.supervisor.token));
	cr_assert_not(overdue_of(on_time, world.partner.token));
	char listed[512];
	list_ids("/v1/referrals?overdue=true", world.partner.token, listed, sizeof listed);
	cr_assert_str_eq(listed, late);
	list_ids("/v1/referrals?overdue=false", world.partner.token, listed, sizeof listed);
	cr_assert_str_eq(listed, on_time);
	list_ids("/v1/referrals?overdue=true", world.supervisor.token, listed, sizeof listed);
	cr_assert_str_eq(listed, late);

	struct http_response *accepted = transition(late, world.supervisor.token, "accepted", NULL);
	cr_assert_eq(accepted->status, 200, "%s", accepted->body);
	cr_assert(json_is_false(json_object_get(accepted->json, "overdue")), "%s", accepted->body);
	cr_assert_not(overdue_of(late, world.partner.token));
	list_ids("/v1/referrals?overdue=true", world.supervisor.token, listed, sizeof listed);
	cr_assert_str_eq(listed, "");
	list_ids("/v1/referrals?overdue=true", world.partner.token, listed, sizeof listed);
	cr_assert_str_eq(listed, "");
	free(on_time);
	free(late);
	json_decref(body);
}

Test(referral_visibility, bad_list_parameters_are_400)
{
	struct world world;
	world_build(&world, (struct world_options){.partner = true});
	const char *const paths[] = {
		"/v1/referrals?status=foo",
		"/v1/referrals?overdue=maybe",
		"/v1/referrals?colour=red",
		"/v1/referrals?urgency=soon",
		"/v1/referrals?service_type=group",
		"/v1/referrals?assigned_specialist_id=42",
		"/v1/referrals?limit=0",
		"/v1/referrals?limit=201",
		"/v1/referrals?cursor=not-a-cursor",
	};
	const char *const tokens[] = {world.supervisor.token, world.partner.token};
	for (size_t t = 0; t < 2; t++) {
		for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
			struct http_response *refused = http_get(paths[i], tokens[t]);
			cr_assert_eq(refused->status, 400, "%s: %s", paths[i], refused->body);
			char *type = http_header(refused, "Content-Type");
			cr_assert_str_eq(type, "application/problem+json", "%s", paths[i]);
			free(type);
		}
	}
	/* The partner view never says who took a referral, so no filter may either. */
	struct http_response *by_specialist = http_get(
		"/v1/referrals?assigned_specialist_id=0d5c7f3e-8a1b-4e2f-9c6d-7b8a9f0e1d2c",
		world.partner.token);
	cr_assert_eq(by_specialist->status, 400, "%s", by_specialist->body);
	struct http_response *history_paged =
		http_get("/v1/referrals/0d5c7f3e-8a1b-4e2f-9c6d-7b8a9f0e1d2c/history?limit=1",
			 world.partner.token);
	cr_assert_eq(history_paged->status, 400, "%s", history_paged->body);
	struct http_response *matches =
		http_get("/v1/referrals/0d5c7f3e-8a1b-4e2f-9c6d-7b8a9f0e1d2c/matches?limit=0",
			 world.supervisor.token);
	cr_assert_eq(matches->status, 400, "%s", matches->body);
}

Test(referral_visibility, list_filters_narrow_the_staff_view)
{
	struct world world;
	world_build(&world, (struct world_options){.partner = true});
	char subject[96];
	char *specialist_id = eligible_specialist(world.provider, "peer", subject, sizeof subject);
	json_t *body = referral_body(world.provider, "peer");
	char *waiting = submit_ok(world.partner.token, body);
	json_object_set_new(body, "urgency", json_string("urgent"));
	char *urgent = submit_ok(world.partner.token, body);
	char *assigned = accepted_referral(&world, "peer");
	assignment_ok(assigned, world.supervisor.token, specialist_id);

	char listed[512], path[256], expected[512];
	list_ids("/v1/referrals?status=submitted", world.supervisor.token, listed, sizeof listed);
	join_ids((const char *const[]){urgent, waiting}, 2, expected, sizeof expected);
	cr_assert_str_eq(listed, expected);
	list_ids("/v1/referrals?urgency=urgent", world.supervisor.token, listed, sizeof listed);
	cr_assert_str_eq(listed, urgent);
	snprintf(path, sizeof path, "/v1/referrals?assigned_specialist_id=%s", specialist_id);
	list_ids(path, world.supervisor.token, listed, sizeof listed);
	cr_assert_str_eq(listed, assigned);
	list_ids("/v1/referrals?status=assigned", world.partner.token, listed, sizeof listed);
	cr_assert_str_eq(listed, assigned);
	list_ids("/v1/referrals?service_type=family", world.supervisor.token, listed,
		 sizeof listed);
	cr_assert_str_eq(listed, "");
	free(assigned);
	free(urgent);
	free(waiting);
	json_decref(body);
	free(specialist_id);
}

/* What each side reads of a history (API.md: a partner sees status and history, never who
 * on the provider's staff did what): the referring partner gets from, to, at, reason and,
 * as actor, the organization whose move it was (itself for the submission and its
 * withdrawal, the provider for the rest); the provider's staff get the person's sub, the
 * role and the specialist of an assignment. */
Test(referral_visibility, a_partner_reads_organizations_in_the_history_and_staff_read_people)
{
	struct world world;
	world_build(&world, (struct world_options){.partner = true});
	char specialist_subject[96];
	char *specialist = eligible_specialist(world.provider, "peer", specialist_subject,
					       sizeof specialist_subject);
	char *id = accepted_referral(&world, "peer");
	assignment_ok(id, world.supervisor.token, specialist);
	move_expect(id, world.partner.token, "withdrawn", "The person moved out of state.", 200);

	struct http_response *partner = history_of(id, world.partner.token);
	cr_assert_eq(partner->status, 200, "%s", partner->body);
	char moves[256];
	referral_moves(partner, moves, sizeof moves);
	cr_assert_str_eq(moves,
			 "->submitted submitted>accepted accepted>assigned assigned>withdrawn",
			 "%s", partner->body);
	const char *const actors[] = {world.partner_organization, world.provider, world.provider,
				      world.partner_organization};
	for (size_t i = 0; i < 4; i++) {
		json_t *event = event_at(partner, i);
		cr_assert_eq(json_object_size(event), 5, "from, to, at, actor, reason only: %s",
			     partner->body);
		const char *const members[] = {"from", "to", "at", "actor", "reason"};
		for (size_t m = 0; m < 5; m++)
			cr_assert(json_object_get(event, members[m]), "no %s: %s", members[m],
				  partner->body);
		cr_assert_str_eq(json_string_value(json_object_get(event, "actor")), actors[i],
				 "event %zu: %s", i, partner->body);
	}
	cr_assert_str_eq(json_string_value(json_object_get(event_at(partner, 3), "reason")),
			 "The person moved out of state.", "%s", partner->body);
	const char *const people[] = {world.supervisor.subject, world.partner.subject,
				      specialist_subject, specialist};
	for (size_t i = 0; i < 4; i++)
		cr_assert_null(strstr(partner->body, people[i]), "the partner reads %s: %s",
			       people[i], partner->body);

	struct http_response *staff = history_of(id, world.supervisor.token);
	cr_assert_eq(staff->status, 200, "%s", staff->body);
	const char *const subjects[] = {world.partner.subject, world.supervisor.subject,
					world.supervisor.subject, world.partner.subject};
	const char *const roles[] = {"partner", "supervisor", "supervisor", "partner"};
	for (size_t i = 0; i < 4; i++) {
		json_t *event = event_at(staff, i);
		cr_assert_str_eq(json_string_value(json_object_get(event, "actor")), subjects[i],
				 "event %zu: %s", i, staff->body);
		cr_assert_str_eq(json_string_value(json_object_get(event, "actor_role")), roles[i],
				 "event %zu: %s", i, staff->body);
	}
	cr_assert_str_eq(json_string_value(json_object_get(event_at(staff, 2), "specialist_id")),
			 specialist, "%s", staff->body);

	free(id);
	free(specialist);
}

#define ORG_A "11111111-1111-4111-8111-111111111111"
#define ORG_B "22222222-2222-4222-8222-222222222222"

/* A referral provided by ORG_A, referred by referrer (NULL: none), with status, assigned
 * to assigned_subject of ORG_A (NULL: unassigned). */
struct referral {
	const char *referrer, *status, *assigned_subject;
};

static const struct referral ASSIGNED_TO_MARIA = {ORG_B, "assigned", "maria"};

/* Whether role of organization (NULL for none) signed in as subject sees referral; SQL
 * NULL counts as no, as it does in a WHERE. */
static bool sees(const struct referral *referral, const char *role, const char *organization,
		 const char *subject)
{
	const char *params[] = {
		ORG_A,
		referral->referrer,
		referral->status,
		referral->assigned_subject,
		referral->assigned_subject ? ORG_A : NULL,
		role,
		organization,
		subject,
	};
	char *answer =
		test_sql_text("SELECT coalesce(peerd_referral_visible($1::uuid, $2::uuid,"
			      " $3::referral_status, $4, $5::uuid, gen_random_uuid(), false, $6,"
			      " $7::uuid, $8), false)",
			      8, params);
	cr_assert(answer);
	bool visible = strcmp(answer, "t") == 0;
	free(answer);
	return visible;
}

Test(referral_visibility, who_sees_a_referral)
{
	const struct referral *parties = &ASSIGNED_TO_MARIA;
	cr_assert(sees(parties, "admin", NULL, "root"));
	cr_assert(sees(parties, "supervisor", ORG_A, "sam"));
	cr_assert_not(sees(parties, "supervisor", ORG_B, "sam"));
	cr_assert(sees(parties, "partner", ORG_B, "intake"));
	cr_assert_not(sees(parties, "partner", ORG_A, "intake"));
	cr_assert(sees(parties, "specialist", ORG_A, "maria"));
	cr_assert_not(sees(parties, "specialist", ORG_A, "li"));
	cr_assert_not(sees(parties, "reporter", ORG_A, "counts"));
	struct referral unassigned = {NULL, "accepted", NULL};
	cr_assert_not(sees(&unassigned, "specialist", ORG_A, "maria"));
	cr_assert_not(sees(&unassigned, "partner", ORG_B, "intake"));
}

/* A specialist works on a referral while it is assigned to them and open. */
Test(referral_visibility, a_specialist_only_while_open)
{
	struct referral engaged = {ORG_B, "engaged", "maria"};
	struct referral closed = {ORG_B, "closed", "maria"};
	cr_assert(sees(&engaged, "specialist", ORG_A, "maria"));
	cr_assert_not(sees(&closed, "specialist", ORG_A, "maria"));
	cr_assert(sees(&closed, "supervisor", ORG_A, "sam"));
}
