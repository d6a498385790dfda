/* The summary's billing figures (API.md "Coverage, authorizations and claims", "Reports"):
 * the units billed for the period's days by the status of the authorization they were
 * billed under, and the active authorizations that run out within 14 days at the last 30
 * days' pace; by id only, and never another organization's. */
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "arena.h"
#include "claims_support.h"
#include "fixtures.h"
#include "http.h"
#include "session_notes_support.h"
#include "world.h"

TestSuite(report_authorizations, .init = arena_open, .fini = arena_close);

/* A provider requiring authorizations, its certified specialist and person, assigned. */
static void gated_provider(struct world *provider, struct person *person)
{
	person_world_build(provider, (struct world_options){.partner = true}, person);
	settings_set(provider, "\"require_authorization\": true");
}

/* Asserts the summary's units_by_authorization_status. */
static void assert_units_by_status(const struct http_response *summary, int active, int exhausted,
				   int expired, int none, const char *what)
{
	const json_t *units = json_object_get(summary->json, "units_by_authorization_status");
	cr_assert_eq(json_object_size(units), 5, "%s: every status: %s", what, summary->body);
	const char *const statuses[] = {"active", "exhausted", "expired", "future", "none"};
	const int expected[] = {active, exhausted, expired, 0, none};
	for (size_t s = 0; s < 5; s++)
		cr_assert_eq(json_integer_value(json_object_get(units, statuses[s])), expected[s],
			     "%s: %s units: %s", what, statuses[s], summary->body);
}

Test(report_authorizations, units_by_the_status_of_their_authorization)
{
	struct world provider, other;
	struct person person, stranger;
	gated_provider(&provider, &person);
	gated_provider(&other, &stranger);
	/* Signing takes the authorization holding the day that ends soonest. */
	const char *ended = authorization_held(&provider, person.id, 6, -20, -5);
	authorization_held(&provider, person.id, 2, -20, 5);
	authorization_held(&provider, person.id, 10, -20, 30);
	note_signed_on(&provider, &person, 10, "10:00", 60, "in_person", 4); /* expired, 2 left */
	note_signed_on(&provider, &person, 3, "10:00", 30, "in_person", 2);  /* exhausted */
	note_signed_on(&provider, &person, 2, "10:00", 60, "in_person", 4);  /* active */
	note_signed_on(&provider, &person, 2, "11:00", 30, "text", 0);
	settings_set(&provider, "\"require_authorization\": false");
	note_signed_on(&provider, &person, 1, "10:00", 45, "in_person", 3); /* none */
	/* Another organization's units are never counted. */
	authorization_held(&other, stranger.id, 10, -20, 30);
	note_signed_on(&other, &stranger, 2, "10:00", 60, "in_person", 4);

	struct http_response *summary = summary_ok(provider.reporter.token, "");
	assert_units_by_status(summary, 4, 2, 4, 3, "the last 30 days");
	cr_assert_eq(json_integer_value(json_object_get(summary->json, "billable_units")), 13);
	/* By id only: no number, payer or member id. */
	cr_assert_null(strstr(summary->body, authorization_number(&provider, ended)), "%s",
		       summary->body);
	cr_assert_null(strstr(summary->body, "M123456789"), "%s", summary->body);
	cr_assert_null(strstr(summary->body, "Medicaid"), "%s", summary->body);

	/* The period's days of service, both ends included. */
	summary = summary_ok(
		provider.supervisor.token,
		formatted("from=%s&to=%s", day_of(&provider, -3), day_of(&provider, -2)));
	assert_units_by_status(summary, 4, 2, 0, 0, "the third and second days before today");
	summary = summary_ok(provider.admin.token,
			     formatted("organization_id=%s&from=%s&to=%s", provider.provider,
				       day_of(&provider, -60), day_of(&provider, -11)));
	assert_units_by_status(summary, 0, 0, 0, 0, "before any note");

	/* Who reads it is who reads the summary. */
	cr_assert_eq(http_get("/v1/reports/summary", provider.specialist.token)->status, 403);
	cr_assert_eq(http_get("/v1/reports/summary", provider.partner.token)->status, 403);
}

/* Asserts item is the authorization id running out as given (days from today). */
static void assert_running_out(const struct world *provider, const json_t *item, const char *id,
			       int authorized, int used, int recent, int runs_out_in_days)
{
	cr_assert_str_eq(member_of(item, "authorization_id"), id);
	cr_assert_str_eq(member_of(item, "ends_on"), day_of(provider, 30));
	cr_assert_eq(json_integer_value(json_object_get(item, "units_authorized")), authorized);
	cr_assert_eq(json_integer_value(json_object_get(item, "units_used")), used);
	cr_assert_eq(json_integer_value(json_object_get(item, "units_remaining")),
		     authorized - used);
	cr_assert_eq(json_integer_value(json_object_get(item, "units_last_30_days")), recent);
	cr_assert_str_eq(member_of(item, "runs_out_on"), day_of(provider, runs_out_in_days));
	cr_assert_eq(json_object_size(item), 7);
}

/* A person of provider assigned to its specialist, with an authorization of units from 40
 * days ago to 30 days ahead; its id. */
static const char *authorized_person(const struct world *provider, struct person *person, int units)
{
	person_assigned(person, provider, &provider->specialist);
	return authorization_held(provider, person->id, units, -40, 30);
}

/* 15 units on the 29th, 3rd, 2nd and 1st days before today: the last 30 days' pace. */
static void fifteen_recent_units(const struct world *provider, const struct person *person)
{
	note_signed_on(provider, person, 29, "10:00", 60, "in_person", 4);
	note_signed_on(provider, person, 3, "10:00", 60, "in_person", 4);
	note_signed_on(provider, person, 2, "10:00", 60, "in_person", 4);
	note_signed_on(provider, person, 1, "10:00", 45, "in_person", 3);
}

Test(report_authorizations, authorizations_running_out_within_14_days)
{
	struct world provider, other;
	struct person first, at_the_edge, past_the_edge, soonest, spent, stranger;
	gated_provider(&provider, &first);
	gated_provider(&other, &stranger);
	/* 7 left at 15 units in 30 days (half a unit a day) last 14 days: listed, running out
	 * 14 days from today. The 30th day before today is not in the pace. */
	const char *edge = authorized_person(&provider, &at_the_edge, 26);
	note_signed_on(&provider, &at_the_edge, 30, "10:00", 60, "in_person", 4);
	fifteen_recent_units(&provider, &at_the_edge);
	/* 8 left last 16 days: not listed. */
	authorized_person(&provider, &past_the_edge, 23);
	fifteen_recent_units(&provider, &past_the_edge);
	/* 1 left at 4 units in 30 days: ceil(7.5) = 8 days. */
	const char *sooner = authorized_person(&provider, &soonest, 5);
	note_signed_on(&provider, &soonest, 1, "10:00", 60, "in_person", 4);
	/* Nothing left: exhausted, not running out. */
	authorized_person(&provider, &spent, 4);
	note_signed_on(&provider, &spent, 1, "10:00", 60, "in_person", 4);
	/* Nothing billed lately: no pace. */
	authorization_held(&provider, first.id, 2, -40, 30);
	/* Another organization's never appear. */
	authorization_held(&other, stranger.id, 5, -40, 30);
	note_signed_on(&other, &stranger, 1, "10:00", 60, "in_person", 4);

	/* Whatever the period: the pace is the last 30 days'. */
	struct http_response *summary = summary_ok(
		provider.reporter.token,
		formatted("from=%s&to=%s", day_of(&provider, -90), day_of(&provider, -60)));
	const json_t *running = json_object_get(summary->json, "authorizations_running_out");
	cr_assert_eq(json_array_size(running), 2, "%s", summary->body);
	assert_running_out(&provider, json_array_get(running, 0), sooner, 5, 4, 4, 8);
	assert_running_out(&provider, json_array_get(running, 1), edge, 26, 19, 15, 14);

	summary = summary_ok(other.supervisor.token, "");
	running = json_object_get(summary->json, "authorizations_running_out");
	cr_assert_eq(json_array_size(running), 1, "%s", summary->body);
}
