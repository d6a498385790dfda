/* What a signed session note bills (API.md, Session notes): rounding, modality,
 * certification on the day of the session and the daily cap, also under signings at the
 * same moment. */
#include <criterion/criterion.h>
#include <jansson.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "fixtures.h"
#include "http.h"
#include "session_notes_support.h"
#include "world.h"

TestSuite(session_note_billing, .init = arena_open, .fini = arena_close);

struct billing_case {
	int minutes;
	const char *modality;
	bool billable;
	int units;
	const char *reasons;
};

/* Signs note id as token and asserts what it bills (no group notes here). */
static void sign_billing(const char *id, const char *token, bool billable, int units,
			 const char *reasons, const char *what)
{
	json_t *billing = note_sign_ok(id, token);
	assert_billing(billing, billable, units, false, reasons, what);
	json_decref(billing);
}

/* A draft the provider's specialist writes for person, days_ago at time_of_day; its id
 * is kept in the arena. */
static char *drafted_at(const struct world *provider, const struct person *person, int days_ago,
			const char *time_of_day, int minutes, const char *modality)
{
	char at[32];
	local_instant(days_ago, time_of_day, at, sizeof at);
	return arena_text(
		note_draft_ok(provider->specialist.token,
			      note_doc(person->id, person->goal_id, at, minutes, modality)));
}

/* The cases of a provider whose settings are options, signed by its specialist (certified
 * around today) for a participant assigned to them, each a note of its own day (one, two,
 * ... days ago); rounding names them. */
static void check_cases(struct world_options options, const char *rounding,
			const struct billing_case *cases, size_t count)
{
	struct world provider;
	struct person person;
	person_world_build(&provider, options, &person);
	const char *specialist = provider.specialist.token;
	for (size_t i = 0; i < count; i++) {
		char what[96];
		const char *id = drafted_at(&provider, &person, (int)i + 1, "10:00",
					    cases[i].minutes, cases[i].modality);
		json_t *billing = note_sign_ok(id, specialist);
		snprintf(what, sizeof what, "%s: %d minutes %s", rounding, cases[i].minutes,
			 cases[i].modality);
		assert_billing(billing, cases[i].billable, cases[i].units,
			       strcmp(cases[i].modality, "group") == 0, cases[i].reasons, what);
		/* Fixed at signing: read back the same. */
		struct http_response *read = note_get(id, specialist);
		cr_assert_eq(read->status, 200, "%s", read->body);
		cr_assert(json_equal(json_object_get(read->json, "billing"), billing), "%s: %s",
			  what, read->body);
		json_decref(billing);
	}
}

Test(session_note_billing, whole_rounding_counts_full_quarter_hours)
{
	const struct billing_case cases[] = {
		{14, "in_person", false, 0, "under_one_unit"},
		{15, "in_person", true, 1, ""},
		{29, "in_person", true, 1, ""},
		{30, "in_person", true, 2, ""},
		{44, "phone", true, 2, ""},
		{45, "video", true, 3, ""},
		{1, "home_visit", false, 0, "under_one_unit"},
		{480, "community", true, 16, ""}, /* 32 units, cut to the day's 16 */
	};
	check_cases((struct world_options){0}, "whole", cases, sizeof cases / sizeof cases[0]);
}

Test(session_note_billing, half_up_rounding_counts_from_eight_minutes)
{
	const struct billing_case cases[] = {
		{7, "in_person", false, 0, "under_one_unit"},
		{8, "in_person", true, 1, ""},
		{22, "in_person", true, 1, ""},
		{23, "in_person", true, 2, ""},
		{37, "in_person", true, 2, ""},
		{38, "in_person", true, 3, ""},
		{52, "phone", true, 3, ""},
		{53, "phone", true, 4, ""},
	};
	check_cases((struct world_options){.unit_rounding = "half_up", .max_units_per_day = 16},
		    "half_up", cases, sizeof cases / sizeof cases[0]);
}

Test(session_note_billing, modality_sets_the_modifier_and_text_is_never_billed)
{
	const struct billing_case cases[] = {
		{60, "group", true, 4, ""},
		{10, "group", false, 0, "under_one_unit"},
		{30, "text", false, 0, "text_modality"},
		{10, "text", false, 0, "text_modality under_one_unit"},
		{15, "in_person", true, 1, ""},
		{15, "phone", true, 1, ""},
		{15, "video", true, 1, ""},
		{15, "home_visit", true, 1, ""},
		{15, "community", true, 1, ""},
	};
	check_cases((struct world_options){0}, "whole", cases, sizeof cases / sizeof cases[0]);
}

/* A note for specialist_id that the supervisor writes (the specialist could not be
 * assigned without a certification valid today), signed by the admin: asserts its
 * billing. */
static void billed_for(const struct world *provider, const struct person *person,
		       const char *specialist_id, const char *occurred, int minutes,
		       const char *modality, bool billable, int units, const char *reasons,
		       const char *what)
{
	char *id = note_draft_for_ok(
		provider->supervisor.token,
		note_doc(person->id, person->goal_id, occurred, minutes, modality), specialist_id);
	sign_billing(id, provider->admin.token, billable, units, reasons, what);
	free(id);
}

Test(session_note_billing, certification_counts_on_the_day_of_the_session)
{
	struct world provider;
	world_build(&provider, (struct world_options){0});
	struct person person;
	person_walk_in(&person, &provider);
	char now[32], two_days_ago[32], yesterday[32];
	now_instant(now, sizeof now);
	local_instant(2, "10:00", two_days_ago, sizeof two_days_ago);
	local_instant(1, "10:00", yesterday, sizeof yesterday);

	/* Certified through 2020 only: a session then is billable, one today is not. */
	struct actor veteran;
	specialist_open(&veteran, provider.provider, false);
	free(create_certification(veteran.id, "active", "2020-01-01", "2021-01-01"));
	billed_for(&provider, &person, veteran.id, "2020-06-15T18:00:00Z", 30, "in_person", true, 2,
		   "", "certified in 2020, a session in 2020");
	billed_for(&provider, &person, veteran.id, now, 30, "in_person", false, 0, "not_certified",
		   "certified in 2020, a session today");

	/* Certified from tomorrow: not today. */
	struct actor newcomer;
	specialist_open(&newcomer, provider.provider, false);
	certify_between(newcomer.id, "active", 1, 730);
	billed_for(&provider, &person, newcomer.id, now, 30, "in_person", false, 0, "not_certified",
		   "certified from tomorrow, a session today");

	/* Expired yesterday: a session two days ago and one yesterday, its last day, are
	 * billable, one today is not. */
	struct actor lapsed;
	specialist_open(&lapsed, provider.provider, false);
	certify_between(lapsed.id, "active", -365, -1);
	billed_for(&provider, &person, lapsed.id, two_days_ago, 30, "in_person", true, 2, "",
		   "expired yesterday, a session two days ago");
	billed_for(&provider, &person, lapsed.id, yesterday, 30, "in_person", true, 2, "",
		   "expired yesterday, a session on its last day");
	billed_for(&provider, &person, lapsed.id, now, 30, "in_person", false, 0, "not_certified",
		   "expired yesterday, a session today");

	/* A pending (not verified) certification does not count. */
	struct actor pending;
	specialist_open(&pending, provider.provider, false);
	certify_between(pending.id, "pending", -30, 700);
	billed_for(&provider, &person, pending.id, now, 30, "in_person", false, 0, "not_certified",
		   "pending");

	/* Every cause is listed. */
	billed_for(&provider, &person, pending.id, now, 5, "text", false, 0,
		   "not_certified text_modality under_one_unit", "uncertified, text, five minutes");

	/* A session may not be in the future. */
	struct actor current;
	specialist_open(&current, provider.provider, true);
	char tomorrow[32];
	local_instant(-1, "10:00", tomorrow, sizeof tomorrow);
	json_t *future = note_doc(person.id, person.goal_id, tomorrow, 30, "in_person");
	json_object_set_new(future, "specialist_id", json_string(current.id));
	expect_invalid(note_post(provider.supervisor.token, future), "occurred_at",
		       "a session tomorrow");
}

/* A provider that bills whole units, four a day, its certified specialist and a
 * participant assigned to them. */
static void capped_provider(struct world *provider, struct person *person)
{
	person_world_build(provider,
			   (struct world_options){.unit_rounding = "whole", .max_units_per_day = 4},
			   person);
}

Test(session_note_billing, daily_cap_cuts_units_per_participant_and_day)
{
	struct world provider;
	struct person person, neighbour;
	capped_provider(&provider, &person);
	person_assigned(&neighbour, &provider, &provider.specialist);
	const char *specialist = provider.specialist.token;
	/* Written first, signed in order: the cap counts notes signed earlier. */
	const char *by_text = drafted_at(&provider, &person, 2, "08:00", 60, "text");
	const char *first = drafted_at(&provider, &person, 2, "09:00", 45, "in_person");
	const char *second = drafted_at(&provider, &person, 2, "11:00", 45, "in_person");
	const char *third = drafted_at(&provider, &person, 2, "13:00", 15, "phone");
	/* A text note bills nothing and takes nothing from the day. */
	sign_billing(by_text, specialist, false, 0, "text_modality", "60 minutes by text");
	sign_billing(first, specialist, true, 3, "", "45 minutes, nothing billed before");
	sign_billing(second, specialist, true, 1, "", "45 minutes, 3 of 4 billed before");
	sign_billing(third, specialist, false, 0, "daily_cap_reached", "15 minutes, cap reached");

	/* Another day, and another participant the same day, are their own. */
	sign_billing(drafted_at(&provider, &person, 3, "09:00", 45, "in_person"), specialist, true,
		     3, "", "another day");
	sign_billing(drafted_at(&provider, &neighbour, 2, "15:00", 45, "in_person"), specialist,
		     true, 3, "", "another participant the same day");

	/* Under the cap and not billable for another cause still lists every cause. */
	sign_billing(drafted_at(&provider, &person, 2, "17:00", 5, "text"), specialist, false, 0,
		     "text_modality under_one_unit daily_cap_reached",
		     "five minutes by text after the cap");
}

Test(session_note_billing, daily_cap_counts_the_organizations_day)
{
	struct world provider;
	struct person person;
	capped_provider(&provider, &person);
	const char *specialist = provider.specialist.token;

	/* 23:00 and 00:30 the next morning: one UTC date, two days of the organization. */
	sign_billing(drafted_at(&provider, &person, 5, "23:00", 60, "in_person"), specialist, true,
		     4, "", "23:00");
	sign_billing(drafted_at(&provider, &person, 4, "00:30", 60, "in_person"), specialist, true,
		     4, "", "00:30");

	/* 15:30 and 17:30: two UTC dates, one day of the organization. */
	const char *afternoon = drafted_at(&provider, &person, 8, "15:30", 60, "in_person");
	const char *evening = drafted_at(&provider, &person, 8, "17:30", 60, "in_person");
	sign_billing(afternoon, specialist, true, 4, "", "15:30");
	sign_billing(evening, specialist, false, 0, "daily_cap_reached", "17:30 the same day");
}

/* Requests sent from threads of their own, released at the same moment. */
struct at_once {
	char path[128];
	const char *token;
	const char *method;
	char *body;	   /* JSON text, or NULL; freed by send_together */
	char if_match[48]; /* "If-Match: ..." or "" */
	pthread_barrier_t *start;
	struct http_response *response;
};

static void *send_when_released(void *context)
{
	struct at_once *request = context;
	pthread_barrier_wait(request->start);
	request->response = http_send(&(struct http_request){
		.method = request->method,
		.path = request->path,
		.token = request->token,
		.content_type = request->body ? "application/json" : NULL,
		.body = request->body,
		.headers = {request->if_match[0] ? request->if_match : NULL}});
	return NULL;
}

/* Sends count requests at once and waits for every answer (in requests[i].response). */
static void send_together(struct at_once *requests, size_t count)
{
	pthread_barrier_t start;
	pthread_t threads[8];
	cr_assert(count <= 8);
	pthread_barrier_init(&start, NULL, (unsigned)count);
	for (size_t i = 0; i < count; i++) {
		requests[i].start = &start;
		requests[i].response = NULL;
		pthread_create(&threads[i], NULL, send_when_released, &requests[i]);
	}
	for (size_t i = 0; i < count; i++) {
		pthread_join(threads[i], NULL);
		free(requests[i].body);
		requests[i].body = NULL;
	}
	pthread_barrier_destroy(&start);
}

/* Two POSTs of action on note id as token, at once; their statuses, sorted. */
static void act_together(const char *id, const char *action, const char *token, long statuses[2])
{
	char suffix[16], etag[32];
	snprintf(suffix, sizeof suffix, "/%s", action);
	/* Two clients that read the same version. */
	note_etag(id, token, etag, sizeof etag);
	struct at_once requests[2];
	for (size_t i = 0; i < 2; i++) {
		requests[i] = (struct at_once){.token = token, .method = "POST"};
		note_path(requests[i].path, sizeof requests[i].path, id, suffix);
		snprintf(requests[i].if_match, sizeof requests[i].if_match, "If-Match: %s", etag);
	}
	send_together(requests, 2);
	for (size_t i = 0; i < 2; i++) {
		statuses[i] = requests[i].response->status;
	}
	if (statuses[0] > statuses[1]) {
		long first = statuses[0];
		statuses[0] = statuses[1];
		statuses[1] = first;
	}
}

Test(session_note_billing, signings_at_the_same_moment_share_the_daily_cap)
{
	struct world provider;
	struct person person;
	capped_provider(&provider, &person);
	enum { ROUNDS = 6 };
	const char *ids[ROUNDS][2];
	for (int round = 0; round < ROUNDS; round++) {
		ids[round][0] = drafted_at(&provider, &person, round + 1, "09:00", 60, "in_person");
		ids[round][1] = drafted_at(&provider, &person, round + 1, "14:00", 60, "in_person");
	}
	for (int round = 0; round < ROUNDS; round++) {
		struct at_once signings[2];
		for (int i = 0; i < 2; i++) {
			signings[i] = (struct at_once){.token = provider.specialist.token,
						       .method = "POST"};
			note_path(signings[i].path, sizeof signings[i].path, ids[round][i],
				  "/sign");
			char etag[32];
			note_etag(ids[round][i], provider.specialist.token, etag, sizeof etag);
			snprintf(signings[i].if_match, sizeof signings[i].if_match, "If-Match: %s",
				 etag);
		}
		send_together(signings, 2);
		int billed = 0, capped = 0;
		for (int i = 0; i < 2; i++) {
			struct http_response *response = signings[i].response;
			cr_assert_eq(response->status, 200, "round %d: %s", round, response->body);
			json_t *billing = json_object_get(response->json, "billing");
			if (json_is_true(json_object_get(billing, "billable"))) {
				billed++;
				assert_billing(billing, true, 4, false, "", "the first signed");
			} else {
				capped++;
				assert_billing(billing, false, 0, false, "daily_cap_reached",
					       "the second signed");
			}
		}
		cr_assert_eq(billed, 1, "round %d: %d billable, %d capped", round, billed, capped);
		cr_assert_eq(capped, 1, "round %d: %d billable, %d capped", round, billed, capped);
		char day[16];
		days_from_today(-(round + 1), day, sizeof day);
		char *units = test_sql_text("SELECT sum(billing_units) FROM session_notes"
					    " WHERE participant_id = $1 AND billing_day = $2::date",
					    2, (const char *const[]){person.id, day});
		cr_assert_str_eq(units, "4", "round %d", round);
		free(units);
	}
}

Test(session_note_billing, one_note_or_referral_written_at_the_same_moment)
{
	struct world provider;
	struct person person;
	person_world_build(&provider, (struct world_options){0}, &person);

	/* Two first notes at once: both written, the referral engaged once, from one of
	 * them. */
	char times[2][32];
	local_instant(2, "09:00", times[0], sizeof times[0]);
	local_instant(1, "09:00", times[1], sizeof times[1]);
	struct at_once posts[2];
	for (size_t i = 0; i < 2; i++) {
		posts[i] = (struct at_once){.path = "/v1/session-notes",
					    .token = provider.specialist.token,
					    .method = "POST"};
		json_t *doc = note_doc(person.id, person.goal_id, times[i], 30, "phone");
		posts[i].body = json_dumps(doc, JSON_COMPACT);
		json_decref(doc);
	}
	send_together(posts, 2);
	char *ids[2];
	for (size_t i = 0; i < 2; i++) {
		cr_assert_eq(posts[i].response->status, 201, "%s", posts[i].response->body);
		ids[i] = strdup(http_string(posts[i].response, "id"));
	}
	char moves[256];
	history_moves(person.referral_id, provider.supervisor.token, moves, sizeof moves);
	cr_assert_str_eq(moves,
			 "->submitted submitted>accepted accepted>assigned assigned>engaged");
	struct http_response *referral =
		referral_get(person.referral_id, provider.supervisor.token);
	const char *first_contact = http_string(referral, "first_contact_at");
	cr_assert(first_contact && (strcmp(first_contact, times[0]) == 0 ||
				    strcmp(first_contact, times[1]) == 0),
		  "%s", referral->body);

	/* One note signed twice at once by its author, from the version both read: signed
	 * once; the second is that signature sent again, and answers the note as it stands
	 * (the version below counts one signing). */
	long statuses[2];
	act_together(ids[0], "sign", provider.specialist.token, statuses);
	cr_assert(statuses[0] == 200 && statuses[1] == 200, "signing twice at once: %ld, %ld",
		  statuses[0], statuses[1]);
	/* Co-signed twice at once: once, the same way. */
	act_together(ids[0], "cosign", provider.supervisor.token, statuses);
	cr_assert(statuses[0] == 200 && statuses[1] == 200, "co-signing twice at once: %ld, %ld",
		  statuses[0], statuses[1]);
	/* Two addenda at once: both kept. */
	struct at_once addenda[2];
	for (size_t i = 0; i < 2; i++) {
		addenda[i] = (struct at_once){
			.token = i ? provider.supervisor.token : provider.specialist.token,
			.method = "POST",
			.body = strdup(i ? "{\"text\":\"Second.\"}" : "{\"text\":\"First.\"}")};
		note_path(addenda[i].path, sizeof addenda[i].path, ids[0], "/addenda");
	}
	send_together(addenda, 2);
	for (size_t i = 0; i < 2; i++) {
		cr_assert_eq(addenda[i].response->status, 201, "%s", addenda[i].response->body);
	}
	struct http_response *read = note_get(ids[0], provider.specialist.token);
	cr_assert_eq(json_array_size(json_object_get(read->json, "addenda")), 2, "%s", read->body);
	cr_assert_eq(json_integer_value(json_object_get(read->json, "version")), 5,
		     "written, signed, co-signed, amended twice: %s", read->body);

	free(ids[1]);
	free(ids[0]);
}
