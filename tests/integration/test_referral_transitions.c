/* A referral's status graph (API.md, Referrals): who may move it where, and with what
 * reason. */
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

TestSuite(referral_transitions, .init = arena_open, .fini = arena_close);

Test(referral_transitions, partner_withdraws_but_never_decides)
{
	struct world world;
	world_build(&world, (struct world_options){.partner = true});
	char *id = submitted_referral(&world, "peer");
	move_expect(id, world.partner.token, "accepted", NULL, 403);
	move_expect(id, world.partner.token, "declined", "Not for us", 403);
	move_expect(id, world.partner.token, "closed", "Done", 403);
	/* Withdrawing is the partner's (and an admin's), not a supervisor's. */
	move_expect(id, world.supervisor.token, "withdrawn", "The family moved", 403);
	struct http_response *no_reason = transition(id, world.partner.token, "withdrawn", NULL);
	assert_error_names(no_reason, "reason");
	assert_referral_status(id, world.supervisor.token, "submitted");

	struct http_response *withdrawn =
		transition(id, world.partner.token, "withdrawn", "The family moved out of state");
	cr_assert_eq(withdrawn->status, 200, "%s", withdrawn->body);
	cr_assert_str_eq(member(withdrawn, "status"), "withdrawn");
	assert_partner_view(withdrawn->json, withdrawn->body);

	/* Withdrawn is final. */
	const char *const every[] = {"submitted", "accepted",  "declined",  "assigned",
				     "engaged",	  "completed", "withdrawn", "closed"};
	for (size_t i = 0; i < 8; i++) {
		move_expect(id, world.supervisor.token, every[i], "Trying anyway", 409);
		move_expect(id, world.partner.token, every[i], "Trying anyway", 409);
	}
	assert_referral_status(id, world.supervisor.token, "withdrawn");

	struct http_response *history =
		history_moving(id, world.partner.token, "->submitted submitted>withdrawn");
	cr_assert_str_eq(event_member(history, 1, "reason"), "The family moved out of state");
	free(id);
}

Test(referral_transitions, decline_and_reopen_need_a_reason)
{
	struct world world;
	world_build(&world, (struct world_options){.partner = true});
	char *id = submitted_referral(&world, "peer");
	struct http_response *no_reason = transition(id, world.supervisor.token, "declined", NULL);
	assert_error_names(no_reason, "reason");
	no_reason = transition(id, world.supervisor.token, "declined", "");
	assert_error_names(no_reason, "reason");
	move_expect(id, world.supervisor.token, "declined", "Outside our counties", 200);
	/* Declined is final for the partner: nothing to withdraw. */
	move_expect(id, world.partner.token, "withdrawn", "Never mind", 409);
	no_reason = transition(id, world.supervisor.token, "accepted", NULL);
	assert_error_names(no_reason, "reason");
	assert_referral_status(id, world.supervisor.token, "declined");
	move_expect(id, world.supervisor.token, "accepted", "A specialist now covers the county",
		    200);

	struct http_response *history = history_moving(
		id, world.supervisor.token, "->submitted submitted>declined declined>accepted");
	cr_assert_str_eq(event_member(history, 1, "reason"), "Outside our counties");
	cr_assert_str_eq(event_member(history, 2, "reason"), "A specialist now covers the county");
	cr_assert_str_eq(event_member(history, 2, "actor"), world.supervisor.subject);
	/* The referrer learns why it was declined. */
	struct http_response *partner_history = history_of(id, world.partner.token);
	cr_assert_eq(partner_history->status, 200, "%s", partner_history->body);
	cr_assert_str_eq(event_member(partner_history, 1, "reason"), "Outside our counties", "%s",
			 partner_history->body);
	free(id);
}

Test(referral_transitions, moves_the_graph_lacks_are_409)
{
	struct world world;
	world_build(&world, (struct world_options){.partner = true});
	char *id = submitted_referral(&world, "peer");
	move_expect(id, world.supervisor.token, "assigned", NULL, 409);
	move_expect(id, world.supervisor.token, "engaged", NULL, 409);
	move_expect(id, world.supervisor.token, "completed", NULL, 409);
	move_expect(id, world.supervisor.token, "submitted", NULL, 409);
	struct http_response *unknown = transition(id, world.supervisor.token, "archived", NULL);
	assert_error_names(unknown, "to");

	move_expect(id, world.supervisor.token, "accepted", NULL, 200);
	move_expect(id, world.supervisor.token, "accepted", NULL, 409);
	struct http_response *by_transition =
		transition(id, world.supervisor.token, "assigned", NULL);
	cr_assert_eq(by_transition->status, 409, "%s", by_transition->body);
	cr_assert(strstr(member(by_transition, "detail"), "assignment"), "%s", by_transition->body);
	move_expect(id, world.supervisor.token, "engaged", NULL, 409);
	move_expect(id, world.supervisor.token, "completed", NULL, 409);
	move_expect(id, world.supervisor.token, "declined", "Too late to decline", 409);
	struct http_response *no_reason = transition(id, world.supervisor.token, "closed", NULL);
	assert_error_names(no_reason, "reason");
	move_expect(id, world.supervisor.token, "closed", "The person could not be reached", 200);
	move_expect(id, world.supervisor.token, "completed", NULL, 409);
	move_expect(id, world.partner.token, "withdrawn", "Never mind", 409);
	assert_referral_status(id, world.supervisor.token, "closed");
	history_moving(id, world.supervisor.token,
		       "->submitted submitted>accepted accepted>closed");
	free(id);
}

Test(referral_transitions, reopening_a_closed_referral_drops_its_specialist)
{
	struct world world;
	world_build(&world, (struct world_options){.partner = true});
	char subject[96];
	char *specialist_id = eligible_specialist(world.provider, "peer", subject, sizeof subject);
	char *specialist = token_for_subject("specialist", world.provider, subject);
	char *id = referral_assigned_to(&world, "peer", specialist_id);
	cr_assert_eq(caseload_of(specialist_id), 1);
	assert_referral_status(id, specialist, "assigned");

	move_expect(id, world.supervisor.token, "closed", "Stopped answering", 200);
	cr_assert_eq(caseload_of(specialist_id), 0);
	struct http_response *reopened =
		transition(id, world.supervisor.token, "accepted", "Called back and wants support");
	cr_assert_eq(reopened->status, 200, "%s", reopened->body);
	cr_assert_str_eq(member(reopened, "status"), "accepted");
	cr_assert(json_is_null(json_object_get(reopened->json, "assigned_specialist_id")), "%s",
		  reopened->body);
	cr_assert_eq(caseload_of(specialist_id), 0);
	/* No longer theirs. */
	assert_status(get_referral(id, specialist), 404, "the former specialist reads it");
	/* It starts over: assignable again. */
	assignment_ok(id, world.supervisor.token, specialist_id);
	cr_assert_eq(caseload_of(specialist_id), 1);
	free(id);
	free(specialist);
	free(specialist_id);
}

Test(referral_transitions, withdrawing_an_assigned_referral_frees_the_caseload)
{
	struct world world;
	world_build(&world, (struct world_options){.partner = true});
	char subject[96];
	char *specialist_id = eligible_specialist(world.provider, "peer", subject, sizeof subject);
	char *id = referral_assigned_to(&world, "peer", specialist_id);
	cr_assert_eq(caseload_of(specialist_id), 1);
	move_expect(id, world.partner.token, "withdrawn", "Found another program", 200);
	cr_assert_eq(caseload_of(specialist_id), 0);
	free(id);
	free(specialist_id);
}

Test(referral_transitions, specialist_and_reporter_are_refused_by_role)
{
	struct world world;
	world_build(&world, (struct world_options){.partner = true});
	char subject[96];
	char *specialist_id = eligible_specialist(world.provider, "peer", subject, sizeof subject);
	char *specialist = token_for_subject("specialist", world.provider, subject);
	char *reporter = token_for("reporter", world.provider);
	char *partner_reporter = token_for("reporter", world.partner_organization);
	char *id = referral_assigned_to(&world, "peer", specialist_id);
	json_t *body = referral_body(world.provider, "peer");

	/* The specialist reads the referral assigned to them, and does nothing else with it. */
	assert_referral_status(id, specialist, "assigned");
	assert_status(transition(id, specialist, "closed", "Done"), 403, "specialist moves");
	assert_status(transition(id, specialist, "withdrawn", "Done"), 403, "specialist withdraws");
	assert_status(assign(id, specialist, specialist_id), 403, "specialist assigns");
	assert_status(matches_of(id, specialist), 403, "specialist matches");
	assert_status(submit(specialist, body, NULL), 403, "specialist submits");

	/* A partner neither assigns nor ranks. */
	assert_status(assign(id, world.partner.token, specialist_id), 403, "partner assigns");
	assert_status(matches_of(id, world.partner.token), 403, "partner matches");

	const char *const reporters[] = {reporter, partner_reporter};
	for (size_t i = 0; i < 2; i++) {
		assert_status(http_get("/v1/referrals", reporters[i]), 403, "reporter lists");
		assert_status(get_referral(id, reporters[i]), 403, "reporter reads");
		assert_status(history_of(id, reporters[i]), 403, "reporter reads the history");
		assert_status(matches_of(id, reporters[i]), 403, "reporter matches");
		assert_status(transition(id, reporters[i], "closed", "Done"), 403,
			      "reporter moves");
		assert_status(assign(id, reporters[i], specialist_id), 403, "reporter assigns");
		assert_status(submit(reporters[i], body, NULL), 403, "reporter submits");
	}
	assert_referral_status(id, world.supervisor.token, "assigned");
	cr_assert_eq(referrals_stored(world.provider), 1);
	json_decref(body);
	free(id);
	free(partner_reporter);
	free(reporter);
	free(specialist);
	free(specialist_id);
}
