/* Hostile query parameters, derived from the route table (api/routes.c): every route with a
 * QUERY refuses any other parameter and every malformed value of its own with 400; a route
 * without one may ignore any, but never answers a 5xx (tests/integration/hostile_sweep.h). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hostile_sweep.h"
#include "keys.h"
#include "peerd_process.h"

/* A well-formed value of the parameter. */
static const char *good_value(const struct query_param *param, const struct side *side)
{
	switch (param->kind) {
	case QUERY_KIND_UUID:
		return side->records.organization;
	case QUERY_KIND_CHOICE:
		return param->choices[0];
	case QUERY_KIND_BOOLEAN:
		return "true";
	case QUERY_KIND_INTEGER:
		cr_assert(param->min <= 5 && 5 <= param->max, "?%s=5 is out of range", param->name);
		return "5";
	case QUERY_KIND_DATE:
		return "2026-01-01";
	case QUERY_KIND_TIMESTAMP:
		return "2026-01-01T00:00:00Z";
	case QUERY_KIND_TEXT:
	case QUERY_KIND_CURSOR:
		break;
	}
	return "Hostile";
}

/* Sends path?query for every bad value of a parameter. */
static void query_probe(struct sweep *sweep, const struct call *call, const char *variant,
			const char *query, long expect)
{
	char *target = NULL;
	size_t size = 0;
	FILE *out = open_memstream(&target, &size);
	fprintf(out, "%s?%s", call->path, query);
	fclose(out);
	struct raw raw = call_raw(call, target, false);
	probe(sweep, variant, &raw, expect);
	free(target);
}

/* The kinds each bad value is bad for, as BAD below names them. */
static const char *kind_word(enum query_kind kind)
{
	switch (kind) {
	case QUERY_KIND_INTEGER:
		return "int";
	case QUERY_KIND_UUID:
		return "uuid";
	case QUERY_KIND_CHOICE:
		return "enum";
	case QUERY_KIND_BOOLEAN:
		return "bool";
	case QUERY_KIND_TEXT:
		return "text";
	case QUERY_KIND_DATE:
		return "date";
	case QUERY_KIND_TIMESTAMP:
		return "time";
	case QUERY_KIND_CURSOR:
		break;
	}
	return "cursor";
}

static void bad_values(struct sweep *sweep, const struct call *call,
		       const struct query_param *param)
{
	char *five_kb = repeated('7', 5 * 1024);
	char *five_kb_text = repeated('A', 5 * 1024);
	char under[32] = "", over[32] = "", upper_choice[64] = "", nul_after[128],
	     repeated_good[256];
	const char *name = param->name;
	const char *good = good_value(param, call->side);
	snprintf(nul_after, sizeof nul_after, "%s%%00", good);
	snprintf(repeated_good, sizeof repeated_good, "%s&%s=%s", good, name, good);
	snprintf(under, sizeof under, "%ld", param->min - 1);
	snprintf(over, sizeof over, "%ld", param->max + 1);
	if (param->kind == QUERY_KIND_CHOICE) {
		snprintf(upper_choice, sizeof upper_choice, "%s", good);
		upper(upper_choice);
	}
	const struct {
		const char *kinds; /* the kinds it is bad for */
		const char *variant, *value;
	} BAD[] = {
		{"int", "-1", "-1"},
		{"int", "below the minimum", under},
		{"int", "1e3", "1e3"},
		{"int", "huge number", "99999999999999999999"},
		{"int", "abc", "abc"},
		{"int", "1.5", "1.5"},
		{"int", "0x10", "0x10"},
		{"int", "+5", "%2B5"},
		{"int", "leading space", "%205"},
		{"int", "trailing space", "5%20"},
		{"int", "5 KB of digits", five_kb},
		{"int", "past the maximum", over},
		{"uuid", "not a UUID", "not-a-uuid"},
		{"uuid", "UUID with junk", "6f0e3c1a-2b4d-4e5f-8a9b-0c1d2e3f4a5bx"},
		{"uuid", "SQL", "'%20OR%20'1'='1"},
		{"uuid", "5 KB", five_kb_text},
		{"enum", "not in the list", "not_in_the_list"},
		{"enum", "upper-case", upper_choice},
		{"enum time", "5 KB", five_kb_text},
		{"bool", "yes", "yes"},
		{"bool", "1", "1"},
		{"bool", "TRUE", "TRUE"},
		{"text", "5 KB", five_kb_text},
		{"date", "2026-02-30", "2026-02-30"},
		{"date", "99999-01-01", "99999-01-01"},
		{"date", "2026-1-1", "2026-1-1"},
		{"date", "0000-01-01", "0000-01-01"},
		{"date", "a timestamp", "2026-01-01T00:00:00Z"},
		{"date", "abc", "abc"},
		{"time", "a day", "2026-01-01"},
		{"time", "year 0", "0000-01-01T00:00:00Z"},
		{"time", "no zone", "2026-01-01T00:00:00"},
		{"int uuid enum bool text date time", "empty", ""},
		{"int uuid enum bool date time", "invalid UTF-8", "%C3%28"},
		{"text", "invalid UTF-8", "ab%C3%28"},
		{"text", "lone surrogate as UTF-8", "%ED%A0%80"},
		{"int uuid enum bool text date time", "only NUL", "%00"},
		{"int uuid enum bool text date time", "a good value, then NUL", nul_after},
		{"int uuid enum bool date time", "repeated", repeated_good},
	};
	for (size_t i = 0; i < sizeof BAD / sizeof BAD[0]; i++) {
		char kinds[64];
		snprintf(kinds, sizeof kinds, " %s ", BAD[i].kinds);
		char wanted[32];
		snprintf(wanted, sizeof wanted, " %s ", kind_word(param->kind));
		if (!strstr(kinds, wanted) ||
		    (strcmp(BAD[i].variant, "upper-case") == 0 && strcmp(upper_choice, good) == 0))
			continue;
		char *query = NULL;
		size_t size = 0;
		FILE *out = open_memstream(&query, &size);
		fprintf(out, "%s=%s", name, BAD[i].value);
		fclose(out);
		char variant[128];
		snprintf(variant, sizeof variant, "?%s=%s", name, BAD[i].variant);
		query_probe(sweep, call, variant, query, 400);
		free(query);
	}
	free(five_kb);
	free(five_kb_text);
}

static void bad_cursors(struct sweep *sweep, const struct call *call)
{
	char *huge = repeated('Q', 5 * 1024);
	const struct {
		const char *variant, *value;
	} BAD[] = {
		{"garbage", "garbage"},
		{"5 KB", huge},
		{"base64 of random bytes", "3q2-7wAAAP8QkLzj_1a9"},
		{"base64 with padding", "MTo1Og=="},
		{"base64 of 1:-5:<uuid>",
		 "MTotNTo2ZjBlM2MxYS0yYjRkLTRlNWYtOGE5Yi0wYzFkMmUzZjRhNWI"},
		{"base64 of 1:5:not-a-uuid", "MTo1Om5vdC1hLXV1aWQ"},
		{"base64 of 2:5:<uuid>", "Mjo1OjZmMGUzYzFhLTJiNGQtNGU1Zi04YTliLTBjMWQyZTNmNGE1Yg"},
		{"base64 of 1:99999999999999999999:<uuid>",
		 "MTo5OTk5OTk5OTk5OTk5OTk5OTk5OTo2ZjBlM2MxYS0yYjRkLTRlNWYtOGE5Yi0wYzFkMmUzZjRhNWI"},
		{"empty", ""},
		{"NUL", "%00"},
		{"invalid UTF-8", "%C3%28"},
		{"repeated", "MTo1OjZmMGUzYzFhLTJiNGQtNGU1Zi04YTliLTBjMWQyZTNmNGE1Yg&cursor="
			     "MTo1OjZmMGUzYzFhLTJiNGQtNGU1Zi04YTliLTBjMWQyZTNmNGE1Yg"},
	};
	for (size_t i = 0; i < sizeof BAD / sizeof BAD[0]; i++) {
		char *query = NULL;
		size_t size = 0;
		FILE *out = open_memstream(&query, &size);
		fprintf(out, "cursor=%s", BAD[i].value);
		fclose(out);
		char variant[128];
		snprintf(variant, sizeof variant, "?cursor=%s", BAD[i].variant);
		query_probe(sweep, call, variant, query, 400);
		free(query);
	}
	free(huge);
}

/* Equivalent spellings of a declared parameter, which a route may take (a repeated text
 * filter is one value with a comma; an upper-case UUID is the same UUID). */
static void lenient_values(struct sweep *sweep, const struct call *call,
			   const struct query_param *param)
{
	char query[256];
	if (param->kind == QUERY_KIND_TEXT) {
		snprintf(query, sizeof query, "%s=a&%s=b", param->name, param->name);
		query_probe(sweep, call, "repeated text", query, EXPECT_ANSWER);
	} else if (param->kind == QUERY_KIND_UUID) {
		char id[64];
		snprintf(id, sizeof id, "%s", call->side->records.organization);
		upper(id);
		snprintf(query, sizeof query, "%s=%s", param->name, id);
		query_probe(sweep, call, "upper-case UUID", query, EXPECT_ANSWER);
	} else if (param->kind == QUERY_KIND_TIMESTAMP) {
		/* Runs the list's changes statement, a page of one with its cursor. */
		query_probe(sweep, call, "a sync with an offset",
			    "limit=1&updated_since=2000-01-01T00:00:00.5%2B02:00", EXPECT_ANSWER);
	}
}

/* Sweeps what the route table declares: a route with a QUERY refuses every other
 * parameter (400) and every malformed value of its own (400, never a 5xx); a route without
 * one may ignore any. */
static void query_variants(struct sweep *sweep, const struct call *call, bool strict,
			   const struct world *world)
{
	(void)world;
	const struct route *route = call->route;
	bool checked = route->query != NULL;
	if (!strict) {
		if (!checked)
			query_probe(
				sweep, call, "unknown parameter (not a list)", "hostile_unknown=1",
				takes_body(route) && !is_patch(route) ? EXPECT_4XX : EXPECT_ANSWER);
		for (const struct query_param *param = route->query; param && param->name; param++)
			lenient_values(sweep, call, param);
		return;
	}
	if (!checked)
		return;
	query_probe(sweep, call, "unknown parameter", "hostile_unknown=1", 400);
	query_probe(sweep, call, "unknown parameter, empty", "hostile_unknown=", 400);
	query_probe(sweep, call, "a parameter named with NUL", "li%00mit=5", 400);
	query_probe(sweep, call, "a parameter named in invalid UTF-8", "%C3%28=5", 400);
	query_probe(sweep, call, "a mistyped filter", "Limit=5", 400);
	for (const struct query_param *param = route->query; param->name; param++) {
		if (param->kind == QUERY_KIND_CURSOR)
			bad_cursors(sweep, call);
		else
			bad_values(sweep, call, param);
	}
	if (route_query_param(route, "from") && route_query_param(route, "to"))
		query_probe(sweep, call, "from after to", "from=2026-02-02&to=2026-01-01", 422);
}

Test(hostile_requests, query_parameters)
{
	sweep_in_new_world(query_variants, "query parameters", NULL, false);
}

/* A query of 2,000 parameters fits in the 128 KiB libmicrohttpd allows a request's line
 * and headers, but their records do not fit beside it. It must still be answered with a
 * 4xx at once (libmicrohttpd's own page would do), and leave nothing behind: no memory,
 * no request counted in flight that delays the next graceful stop. On a server of its
 * own, with leak detection on, so that what it leaves is this test's failure. */
Test(hostile_requests, thousands_of_query_parameters)
{
	struct peerd_process server;
	cr_assert(peerd_start(&server,
			      (const char *const[]){"PEERD_SHUTDOWN_GRACE_SECONDS=2",
						    "ASAN_OPTIONS=detect_leaks=1:halt_on_error=1",
						    NULL}));
	char *token = admin_token();
	char *target = NULL;
	size_t size = 0;
	FILE *out = open_memstream(&target, &size);
	fputs("/v1/organizations?", out);
	for (int i = 0; i < 2000; i++)
		fprintf(out, "%sp%d=1", i ? "&" : "", i);
	fclose(out);
	struct sweep sweep = {0};
	sweep_begin(&sweep, route_named("GET", "/v1/organizations"), 0);
	/* libmicrohttpd 0.9.75 runs out of its connection's memory pool parsing the parameters
	 * and, unable to build its own 431 there, answers nothing; no handler of peerd runs.
	 * What peerd owes is below: the request neither leaked (its server's stop is clean
	 * under LeakSanitizer) nor stays counted in flight (service/server.c
	 * request_abandoned). */
	probe(&sweep, "2,000 query parameters",
	      &(struct raw){
		      .target = target, .token = token, .port = server.port, .patience_ms = 3000},
	      EXPECT_NO_CRASH);
	int status = peerd_stop(&server);
	if (status != 0)
		sweep_fail(&sweep, "2,000 query parameters",
			   "its server failed at its stop (%d): a sanitizer report, above", status);
	FILE *log = fopen(server.log_path, "r");
	char line[1024];
	while (log && fgets(line, sizeof line, log)) {
		if (strstr(line, "still running"))
			sweep_fail(&sweep, "2,000 query parameters",
				   "the request stayed counted in flight: %s", line);
	}
	if (log)
		fclose(log);
	sweep_end(&sweep);
	free(target);
	free(token);
}
