/* The session-notes export (API.md, Reports): de-identified NDJSON of a range, also past
 * its 500-row chunks, and the pseudonym key it needs of its own. */
#include <criterion/criterion.h>
#include <math.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "arena.h"
#include "fixtures.h"
#include "http.h"
#include "peerd_process.h"
#include "private_records.h"
#include "world.h"

TestSuite(reports_export, .init = arena_open, .fini = arena_close);

static bool is_pseudonym(const char *text)
{
	if (!text || strlen(text) != 34 || strncmp(text, "p_", 2) != 0)
		return false;
	for (const char *c = text + 2; *c; c++) {
		if (!strchr("0123456789abcdef", *c))
			return false;
	}
	return true;
}

/* The ids of the lines, joined by spaces. */
static void line_ids(const json_t *lines, char *out, size_t size)
{
	out[0] = '\0';
	size_t index;
	json_t *line;
	json_array_foreach (lines, index, line) {
		size_t used = strlen(out);
		snprintf(out + used, size - used, "%s%s", used ? " " : "", member_of(line, "id"));
	}
}

Test(reports_export, export_is_de_identified_ndjson_of_the_range)
{
	struct world provider;
	world_build(&provider, (struct world_options){0});
	struct actor specialist;
	specialist_actor_open(&specialist, provider.provider, true);
	char x[64], y[64];
	char *x_referral = refer(provider.supervisor.token, NULL, x, sizeof x);
	char *y_referral = refer(provider.supervisor.token, NULL, y, sizeof y);
	const char *const referrals[] = {x_referral, y_referral};
	for (size_t r = 0; r < 2; r++) {
		transition_ok(provider.supervisor.token, referrals[r], "accepted", NULL);
		assign_ok(provider.supervisor.token, referrals[r], specialist.id);
	}
	char *x_goal = goal_ok(provider.supervisor.token, x, "emotional", "active", NULL);
	char *x_second_goal = goal_ok(provider.supervisor.token, x, "occupational", "active", NULL);
	char *y_goal = goal_ok(provider.supervisor.token, y, "physical", "active", NULL);
	/* Referred before the oldest note below (sql/020). */
	backdate_referral(x_referral, "30 days");
	backdate_referral(y_referral, "30 days");

	/* In the week: X signed and draft, Y signed and draft; X once 20 days ago. */
	char at[5][32];
	instant_ago("2 hours", at[0], sizeof at[0]);
	instant_ago("1 hour", at[1], sizeof at[1]);
	instant_ago("3 hours", at[2], sizeof at[2]);
	instant_ago("30 minutes", at[3], sizeof at[3]);
	instant_ago("20 days", at[4], sizeof at[4]);
	char *x_signed = note_ok(specialist.token, x, x_goal, at[0], 45, "in_person", NULL);
	sign_ok(specialist.token, x_signed, 3);
	char *x_draft = note_ok(specialist.token, x, x_second_goal, at[1], 20, "phone", NULL);
	char *y_signed = note_ok(specialist.token, y, y_goal, at[2], 30, "text", NULL);
	sign_ok(specialist.token, y_signed, 0);
	char *y_draft = note_ok(specialist.token, y, y_goal, at[3], 15, "video", NULL);
	char *x_old = note_ok(specialist.token, x, x_goal, at[4], 30, "phone", NULL);

	/* Another provider's note in the same week. */
	struct world other;
	world_build(&other, (struct world_options){0});
	struct actor other_specialist;
	specialist_actor_open(&other_specialist, other.provider, true);
	char z[64];
	char *z_referral =
		assigned_referral(other.supervisor.token, other_specialist.id, z, sizeof z);
	char *z_goal = goal_ok(other.supervisor.token, z, "social", "active", NULL);
	char *z_note = note_ok(other_specialist.token, z, z_goal, at[0], 30, "phone", NULL);

	char today[16], week_ago[16];
	organization_day(provider.provider, 0, today, sizeof today);
	organization_day(provider.provider, -7, week_ago, sizeof week_ago);
	struct http_response *exported = export_for(provider.reporter.token, week_ago, today, NULL);
	cr_assert_eq(exported->status, 200, "%s", exported->body);
	char *content_type = http_header(exported, "Content-Type");
	cr_assert(content_type && strncmp(content_type, "application/x-ndjson", 20) == 0, "%s",
		  content_type);
	free(content_type);
	assert_no_private_text(exported->body, "the export");
	json_t *lines = ndjson_lines(exported);

	/* Exactly the organization's notes of the week, in the order they happened. */
	char ids[1024], expected_ids[1024];
	line_ids(lines, ids, sizeof ids);
	join_ids((const char *const[]){y_signed, x_signed, x_draft, y_draft}, 4, expected_ids,
		 sizeof expected_ids);
	cr_assert_str_eq(ids, expected_ids, "the export: %s", exported->body);

	const char *x_pseudonym = member_of(json_array_get(lines, 1), "participant");
	const char *y_pseudonym = member_of(json_array_get(lines, 0), "participant");
	cr_assert(is_pseudonym(x_pseudonym), "%s", exported->body);
	cr_assert(is_pseudonym(y_pseudonym), "%s", exported->body);
	cr_assert_str_eq(member_of(json_array_get(lines, 2), "participant"), x_pseudonym);
	cr_assert_str_eq(member_of(json_array_get(lines, 3), "participant"), y_pseudonym);
	cr_assert_str_neq(x_pseudonym, y_pseudonym);
	cr_assert_null(strstr(exported->body, x), "the participant's id leaves");
	cr_assert_null(strstr(exported->body, y), "the participant's id leaves");
	const char *const withheld[] = {"participant_id", "location", "summary", "response",
					"plan",		  "goal_ids", "addenda", NULL};
	size_t index;
	json_t *line;
	json_array_foreach (lines, index, line) {
		for (size_t w = 0; withheld[w]; w++)
			cr_assert_null(json_object_get(line, withheld[w]), "line %zu has %s", index,
				       withheld[w]);
		cr_assert_str_eq(member_of(line, "specialist_id"), specialist.id);
	}
	json_t *first = json_array_get(lines, 1); /* X's signed note */
	cr_assert_str_eq(member_of(first, "occurred_at"), at[0]);
	cr_assert_eq(json_integer_value(json_object_get(first, "duration_minutes")), 45);
	cr_assert_str_eq(member_of(first, "modality"), "in_person");
	cr_assert_str_eq(member_of(first, "status"), "signed");
	cr_assert_eq(
		json_integer_value(json_object_get(json_object_get(first, "billing"), "units")), 3);
	json_t *domains = json_pack("[s]", "emotional");
	cr_assert(json_equal(json_object_get(first, "goal_domains"), domains), "%s",
		  exported->body);
	json_decref(domains);
	cr_assert_str_eq(member_of(json_array_get(lines, 2), "status"), "draft");

	/* Stable: the same pseudonyms in the next export, the supervisor's too. */
	struct http_response *again = export_for(provider.reporter.token, week_ago, today, NULL);
	cr_assert_eq(again->status, 200);
	cr_assert_str_eq(again->body, exported->body);
	struct http_response *supervisor_export =
		export_for(provider.supervisor.token, week_ago, today, NULL);
	cr_assert_eq(supervisor_export->status, 200);
	cr_assert_str_eq(supervisor_export->body, exported->body);

	/* The same from another process with the same secret, as after a restart; another
	 * PEERD_PSEUDONYM_KEY makes other pseudonyms, still one per person. */
	struct peerd_process restarted, rekeyed;
	cr_assert(peerd_start(&restarted, NULL));
	struct http_response *after_restart =
		export_at(restarted.url, provider.reporter.token, week_ago, today, NULL);
	cr_assert_eq(after_restart->status, 200, "%s", after_restart->body);
	cr_assert_str_eq(after_restart->body, exported->body);
	cr_assert_eq(peerd_stop(&restarted), 0);
	cr_assert(peerd_start(
		&rekeyed,
		(const char *const[]){"PEERD_PSEUDONYM_KEY=another-pseudonym-key-0123456789abcdef",
				      NULL}));
	struct http_response *other_key =
		export_at(rekeyed.url, provider.reporter.token, week_ago, today, NULL);
	cr_assert_eq(other_key->status, 200, "%s", other_key->body);
	json_t *other_lines = ndjson_lines(other_key);
	cr_assert_eq(json_array_size(other_lines), 4);
	const char *x_other = member_of(json_array_get(other_lines, 1), "participant");
	cr_assert(is_pseudonym(x_other));
	cr_assert_str_neq(x_other, x_pseudonym);
	cr_assert_str_neq(x_other, y_pseudonym);
	cr_assert_str_eq(member_of(json_array_get(other_lines, 2), "participant"), x_other);
	cr_assert_str_neq(member_of(json_array_get(other_lines, 0), "participant"), x_other);
	json_decref(other_lines);
	cr_assert_eq(peerd_stop(&rekeyed), 0);

	/* A wider range takes the older note in, under the same pseudonym. */
	char month_ago[16];
	organization_day(provider.provider, -30, month_ago, sizeof month_ago);
	struct http_response *wider = export_for(provider.reporter.token, month_ago, today, NULL);
	cr_assert_eq(wider->status, 200, "%s", wider->body);
	json_t *wider_lines = ndjson_lines(wider);
	cr_assert_eq(json_array_size(wider_lines), 5, "%s", wider->body);
	cr_assert_str_eq(member_of(json_array_get(wider_lines, 0), "id"), x_old);
	cr_assert_str_eq(member_of(json_array_get(wider_lines, 0), "participant"), x_pseudonym);
	json_decref(wider_lines);

	/* A range with no notes is an empty body. */
	char long_ago[16], long_ago_end[16];
	organization_day(provider.provider, -400, long_ago, sizeof long_ago);
	organization_day(provider.provider, -390, long_ago_end, sizeof long_ago_end);
	struct http_response *empty =
		export_for(provider.reporter.token, long_ago, long_ago_end, NULL);
	cr_assert_eq(empty->status, 200, "%s", empty->body);
	cr_assert_eq(empty->body_size, 0, "%s", empty->body);

	/* A reporter naming the other organization still exports their own. */
	char *named = text_of("/v1/exports/session-notes?from=%s&to=%s&organization_id=%s",
			      week_ago, today, other.provider);
	struct http_response *own_anyway = http_get(named, provider.reporter.token);
	cr_assert_eq(own_anyway->status, 200, "%s", own_anyway->body);
	cr_assert_str_eq(own_anyway->body, exported->body);
	free(named);

	/* The other provider's reporter sees their note only, under another pseudonym. */
	struct http_response *theirs = export_for(other.reporter.token, week_ago, today, NULL);
	cr_assert_eq(theirs->status, 200, "%s", theirs->body);
	json_t *their_lines = ndjson_lines(theirs);
	cr_assert_eq(json_array_size(their_lines), 1, "%s", theirs->body);
	cr_assert_str_eq(member_of(json_array_get(their_lines, 0), "id"), z_note);
	const char *z_pseudonym = member_of(json_array_get(their_lines, 0), "participant");
	cr_assert(is_pseudonym(z_pseudonym));
	cr_assert_str_neq(z_pseudonym, x_pseudonym);
	cr_assert_str_neq(z_pseudonym, y_pseudonym);
	assert_no_private_text(theirs->body, "the other export");
	json_decref(their_lines);

	json_decref(lines);
	free(z_note);
	free(z_goal);
	free(z_referral);
	free(x_old);
	free(y_draft);
	free(y_signed);
	free(x_draft);
	free(x_signed);
	free(y_goal);
	free(x_second_goal);
	free(x_goal);
	free(y_referral);
	free(x_referral);
}

Test(reports_export, export_streams_past_its_chunks)
{
	struct world provider;
	world_build(&provider, (struct world_options){.referral = true});
	const char *note = noted_session(&provider, "5 hours").note;

	/* 520 more like it, in four runs of 130 that share an instant each: the chunk of
	 * 500 ends inside a run, where only the id orders the notes. */
	PGconn *db = test_db_connect();
	PGresult *res = PQexecParams(
		db,
		"INSERT INTO session_notes (organization_id, participant_id, specialist_id,"
		" occurred_at, duration_minutes, modality, goal_ids, created_by)"
		" SELECT n.organization_id, n.participant_id, n.specialist_id,"
		" n.occurred_at - (g % 4) * interval '7 minutes', n.duration_minutes, n.modality,"
		" n.goal_ids, n.created_by FROM session_notes n, generate_series(1, 520) g"
		" WHERE n.id = $1",
		1, NULL, (const char *const[]){note}, NULL, NULL, 0);
	cr_assert_eq(PQresultStatus(res), PGRES_COMMAND_OK, "%s", PQerrorMessage(db));
	cr_assert_str_eq(PQcmdTuples(res), "520");
	PQclear(res);
	PQfinish(db);
	char *expected = test_sql_text(
		"SELECT string_agg(id::text, ' ' ORDER BY occurred_at, id) FROM session_notes"
		" WHERE organization_id = $1",
		1, (const char *const[]){provider.provider});

	char today[16], week_ago[16];
	organization_day(provider.provider, 0, today, sizeof today);
	organization_day(provider.provider, -7, week_ago, sizeof week_ago);
	struct http_response *exported = export_for(provider.reporter.token, week_ago, today, NULL);
	cr_assert_eq(exported->status, 200, "%.500s", exported->body);
	json_t *lines = ndjson_lines(exported);
	cr_assert_eq(json_array_size(lines), 521);
	size_t ids_size = 521 * 37 + 1;
	char *ids = malloc(ids_size);
	cr_assert(ids);
	line_ids(lines, ids, ids_size);
	cr_assert_str_eq(ids, expected, "every note once, in the order they happened");

	/* Distinct, ordered, one pseudonym. */
	json_t *seen = json_object();
	const char *pseudonym = member_of(json_array_get(lines, 0), "participant");
	cr_assert(is_pseudonym(pseudonym));
	long long previous = 0;
	size_t index;
	json_t *line;
	json_array_foreach (lines, index, line) {
		cr_assert_null(json_object_get(seen, member_of(line, "id")), "line %zu repeats",
			       index);
		json_object_set_new(seen, member_of(line, "id"), json_true());
		long long occurred = epoch_of(member_of(line, "occurred_at"));
		cr_assert_geq(occurred, previous, "line %zu is out of order", index);
		previous = occurred;
		cr_assert_str_eq(member_of(line, "participant"), pseudonym);
	}
	json_decref(seen);
	assert_no_private_text(exported->body, "the long export");

	free(ids);
	json_decref(lines);
	free(expected);
}

/* Pseudonyms keyed with the token secret could be recomputed by whoever holds that secret
 * (the identity provider), so exports take a key of their own: without
 * PEERD_PSEUDONYM_KEY a server that verifies HS256 tokens still exports nothing, and
 * says which setting is missing. */
Test(reports_export, exports_need_a_pseudonym_key_of_their_own)
{
	struct peerd_process keyless;
	cr_assert(peerd_start(&keyless, (const char *const[]){"PEERD_PSEUDONYM_KEY=", NULL}));
	char *organization = create_organization("provider");
	char *reporter = token_for("reporter", organization);
	struct http_response *refused = http_send(&(struct http_request){
		.path = "/v1/exports/session-notes", .token = reporter, .base_url = keyless.url});
	cr_assert_eq(refused->status, 503, "%s", refused->body);
	const char *detail = json_string_value(json_object_get(refused->json, "detail"));
	cr_assert(detail && strstr(detail, "PEERD_PSEUDONYM_KEY"), "%s", refused->body);
	cr_assert_eq(peerd_log_count(&keyless,
				     (const char *const[]){"\"warn\"", "PEERD_PSEUDONYM_KEY", NULL},
				     NULL, 0),
		     1, "the start warns that exports will answer 503");
	free(reporter);
	free(organization);
	cr_assert_eq(peerd_stop(&keyless), 0);
}
