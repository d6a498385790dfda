/* The session notes list's filters (API.md, Session notes). */
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

TestSuite(session_note_list, .init = arena_open, .fini = arena_close);

Test(session_note_list, list_filters)
{
	struct world provider;
	world_build(&provider, (struct world_options){0});
	struct actor first, second;
	specialist_open(&first, provider.provider, true);
	specialist_open(&second, provider.provider, true);
	struct person alpha, beta;
	person_assigned(&alpha, &provider, &first);
	person_assigned(&beta, &provider, &second);
	char day1[16], day3[16], day5[16], day6[16], day7[16], at[32];
	days_from_today(-1, day1, sizeof day1);
	days_from_today(-3, day3, sizeof day3);
	days_from_today(-5, day5, sizeof day5);
	days_from_today(-6, day6, sizeof day6);
	days_from_today(-7, day7, sizeof day7);

	/* Oldest first: n0 late on day -7 in the organization's zone (day -6 in UTC), a
	 * draft of beta; n1 day -5, alpha, signed and co-signed; n2 day -3, alpha, signed;
	 * n3 day -3, beta, draft; n4 day -1, beta, signed; n5 day -1, alpha, written by the
	 * supervisor for the second specialist, draft. */
	local_instant(7, "23:30", at, sizeof at);
	char *n0 = note_draft_ok(second.token, note_doc(beta.id, beta.goal_id, at, 30, "phone"));
	local_instant(5, "10:00", at, sizeof at);
	char *n1 = note_draft_ok(first.token, note_doc(alpha.id, alpha.goal_id, at, 30, "phone"));
	json_decref(note_sign_ok(n1, first.token));
	expect(note_act(n1, "cosign", provider.supervisor.token), 200, "co-signing");
	local_instant(3, "10:00", at, sizeof at);
	char *n2 = note_draft_ok(first.token, note_doc(alpha.id, alpha.goal_id, at, 30, "phone"));
	json_decref(note_sign_ok(n2, first.token));
	local_instant(3, "11:00", at, sizeof at);
	char *n3 = note_draft_ok(second.token, note_doc(beta.id, beta.goal_id, at, 30, "phone"));
	local_instant(1, "10:00", at, sizeof at);
	char *n4 = note_draft_ok(second.token, note_doc(beta.id, beta.goal_id, at, 30, "phone"));
	json_decref(note_sign_ok(n4, second.token));
	local_instant(1, "12:00", at, sizeof at);
	char *n5 = note_draft_for_ok(provider.supervisor.token,
				     note_doc(alpha.id, alpha.goal_id, at, 30, "phone"), second.id);

	struct {
		const char *query;
		const char *const ids[6];
	} cases[] = {
		{"", {n5, n4, n3, n2, n1, n0}},
		{"limit=2", {n5, n4, n3, n2, n1, n0}},
		{"participant_id=%alpha", {n5, n2, n1}},
		{"participant_id=%beta", {n4, n3, n0}},
		{"specialist_id=%first", {n2, n1}},
		{"specialist_id=%second", {n5, n4, n3, n0}},
		{"status=signed", {n4, n2, n1}},
		{"status=draft", {n5, n3, n0}},
		{"cosigned=false", {n4, n2}},
		{"cosigned=true", {n1}},
		{"from=%day3&to=%day1", {n5, n4, n3, n2}},
		{"from=%day3&to=%day3", {n3, n2}},
		{"from=%day1", {n5, n4}},
		{"to=%day5", {n1, n0}},
		{"from=%day7&to=%day7", {n0}},
		{"from=%day6&to=%day6", {NULL}},
		{"participant_id=%alpha&status=signed&limit=1", {n2, n1}},
		{"specialist_id=%second&status=draft&from=%day3", {n5, n3}},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		/* %name stands for an id or a day. */
		char query[512] = "";
		for (const char *c = cases[i].query; *c;) {
			const char *value = NULL;
			size_t skip = 0;
			const struct {
				const char *name;
				const char *value;
			} names[] = {
				{"%alpha", alpha.id},	{"%beta", beta.id}, {"%first", first.id},
				{"%second", second.id}, {"%day1", day1},    {"%day3", day3},
				{"%day5", day5},	{"%day6", day6},    {"%day7", day7}};
			for (size_t n = 0; n < sizeof names / sizeof names[0] && !value; n++) {
				if (strncmp(c, names[n].name, strlen(names[n].name)) == 0) {
					value = names[n].value;
					skip = strlen(names[n].name);
				}
			}
			size_t used = strlen(query);
			if (value) {
				snprintf(query + used, sizeof query - used, "%s", value);
				c += skip;
			} else {
				snprintf(query + used, sizeof query - used, "%c", *c);
				c++;
			}
		}
		size_t count = 0;
		while (count < 6 && cases[i].ids[count])
			count++;
		char path[600], expected[512], listed[512];
		snprintf(path, sizeof path, "/v1/session-notes?%s", query);
		join_ids(cases[i].ids, count, expected, sizeof expected);
		list_ids(path, provider.supervisor.token, listed, sizeof listed);
		cr_assert_str_eq(listed, expected, "%s", cases[i].query);
	}

	/* A specialist lists the notes of the participants assigned to them. */
	char expected[512], listed[512];
	join_ids((const char *const[]){n5, n2, n1}, 3, expected, sizeof expected);
	list_ids("/v1/session-notes?", first.token, listed, sizeof listed);
	cr_assert_str_eq(listed, expected);

	/* Malformed parameters are 400; a from after to is 422. */
	char path[256];
	snprintf(path, sizeof path, "/v1/session-notes?from=%s&to=%s", day1, day3);
	struct http_response *backwards = http_get(path, provider.supervisor.token);
	expect_invalid(backwards, "from", "from after to");
	const char *const malformed[] = {
		"from=2026-02-30",
		"from=yesterday",
		"to=2026%2F01%2F01",
		"to=20260101",
		"participant_id=abc",
		"specialist_id=42",
		"status=locked",
		"status=Signed",
		"cosigned=yes",
		"cosigned=",
		"limit=0",
		"limit=201",
		"limit=ten",
		"cursor=not-a-cursor",
		"modality=phone",
		"occurred_at=today",
	};
	for (size_t i = 0; i < sizeof malformed / sizeof malformed[0]; i++) {
		snprintf(path, sizeof path, "/v1/session-notes?%s", malformed[i]);
		struct http_response *response = http_get(path, provider.supervisor.token);
		cr_assert_eq(response->status, 400, "%s: %s", malformed[i], response->body);
		char *type = http_header(response, "Content-Type");
		cr_assert_str_eq(type, "application/problem+json", "%s", malformed[i]);
		free(type);
	}

	free(n5);
	free(n4);
	free(n3);
	free(n2);
	free(n1);
	free(n0);
}
