/* Hostile paths and methods, for every route of the route table (tests/integration/
 * hostile_sweep.h): each must be answered with the 4xx problem+json the contract names. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hostile_sweep.h"

/* True when the route table has method on path. */
static bool path_answers(const char *method, const char *path)
{
	for (size_t i = 0; i < api_route_count; i++)
		if (strcmp(api_routes[i].method, method) == 0 &&
		    strcmp(api_routes[i].path, path) == 0)
			return true;
	return false;
}

static void path_variants(struct sweep *sweep, const struct call *call, bool strict,
			  const struct world *world)
{
	(void)world;
	const struct route_case *c = call->c;
	char target[12 * 1024];
	if (strict) {
		/* Methods the path does not answer. */
		static const char *const METHODS[] = {"DELETE", "PUT", "get", "TRACE", "BREW"};
		for (size_t m = 0; m < sizeof METHODS / sizeof METHODS[0]; m++) {
			if (path_answers(METHODS[m], c->path))
				continue; /* a route of its own (PUT .../attendance, DELETE) */
			struct raw raw = call_raw(call, NULL, false);
			raw.method = METHODS[m];
			char variant[32];
			snprintf(variant, sizeof variant, "method %s", METHODS[m]);
			probe(sweep, variant, &raw, 405);
		}
	}
	for (const char *p = strchr(c->path, '{'); p; p = strchr(p + 1, '{')) {
		char name[32];
		snprintf(name, sizeof name, "%.*s", (int)(strchr(p, '}') - p - 1), p + 1);
		const char *real = id_for(c, call->side, name);
		char *huge = repeated('a', 10 * 1024);
		char upper_real[64], upper_unknown[64] = "6F0E3C1A-2B4D-4E5F-8A9B-0C1D2E3F4A5B";
		snprintf(upper_real, sizeof upper_real, "%s", real);
		upper(upper_real);
		char junk[96], nul[96], nul_junk[96], slash[96], dots[160], braces[96];
		char no_dashes[64] = "", urn[96], space[96], semicolon[96], dot_dot_path[256];
		snprintf(junk, sizeof junk, "%sjunk", real);
		snprintf(nul, sizeof nul, "%s%%00", real);
		snprintf(nul_junk, sizeof nul_junk, "%s%%00junk", real);
		snprintf(slash, sizeof slash, "%s%%2F", real);
		snprintf(dots, sizeof dots, "%s%%2F..%%2F%s", real, real);
		snprintf(braces, sizeof braces, "{%s}", real);
		for (const char *r = real; *r; r++) {
			if (*r != '-')
				strncat(no_dashes, r, 1);
		}
		snprintf(urn, sizeof urn, "urn:uuid:%s", real);
		snprintf(space, sizeof space, "%s%%20", real);
		snprintf(semicolon, sizeof semicolon, "%s;x=1", real);
		snprintf(dot_dot_path, sizeof dot_dot_path, "%s/../%s", real, real);
		const struct {
			const char *variant, *id;
		} IDS[] = {
			{"id not a UUID", "not-a-uuid"},
			{"id a number", "12345"},
			{"id empty", ""},
			{"id upper-case, no such record", upper_unknown},
			{"id with trailing junk", junk},
			{"id of 10 KB", huge},
			{"id with %00", nul},
			{"id with %00 and junk", nul_junk},
			{"id with %2F", slash},
			{"id %2F..%2F id", dots},
			{"id ..", ".."},
			{"id .", "."},
			{"id ../..", "../.."},
			{"id/../id", dot_dot_path},
			{"id unicode", "\xc3\xa9\xe2\x82\xac"},
			{"id unicode percent-encoded", "%C3%A9%E2%82%AC"},
			{"id invalid UTF-8 percent-encoded", "%C3%28"},
			{"id invalid UTF-8 bytes", "\xc3\x28\xff"},
			{"id in braces", braces},
			{"id without dashes", no_dashes},
			{"id as urn:uuid", urn},
			{"id with %20", space},
			{"id with ;x=1", semicolon},
			{"id SQL", "'%20OR%20'1'='1"},
			{"id nil UUID", "00000000-0000-0000-0000-000000000000"},
			{"id max UUID", "ffffffff-ffff-ffff-ffff-ffffffffffff"},
		};
		for (size_t i = 0; strict && i < sizeof IDS / sizeof IDS[0]; i++) {
			/* A file name has no dashes to take out: that variant is the name. */
			if (strcmp(IDS[i].id, real) == 0)
				continue;
			char variant[96];
			snprintf(variant, sizeof variant, "{%s}: %s", name, IDS[i].variant);
			path_for(c, call->side, name, IDS[i].id, target, sizeof target);
			struct raw raw = call_raw(call, target, false);
			probe(sweep, variant, &raw, 404);
		}
		if (!strict) {
			/* A UUID names the same record in either case: what the record's own
			 * id gets. */
			path_for(c, call->side, name, upper_real, target, sizeof target);
			struct raw raw = call_raw(call, target, false);
			char variant[96];
			snprintf(variant, sizeof variant, "{%s}: upper-case of the real id", name);
			probe(sweep, variant, &raw, EXPECT_ANSWER);
		}
		free(huge);
	}
	if (strict) {
		/* The path itself. */
		char *long_path = NULL;
		size_t size = 0;
		FILE *out = open_memstream(&long_path, &size);
		fprintf(out, "%s", call->path);
		for (int i = 0; i < 300; i++)
			fputs("/x", out);
		fclose(out);
		char trailing[300], doubled[300];
		snprintf(trailing, sizeof trailing, "%s/", call->path);
		snprintf(doubled, sizeof doubled, "/%s", call->path);
		const struct {
			const char *variant, *target;
		} PATHS[] = {
			{"trailing slash", trailing},
			{"double slash", doubled},
			{"300 more segments", long_path},
		};
		for (size_t i = 0; i < sizeof PATHS / sizeof PATHS[0]; i++) {
			struct raw raw = call_raw(call, PATHS[i].target, false);
			probe(sweep, PATHS[i].variant, &raw, 404);
		}
		free(long_path);
	}
}

Test(hostile_requests, paths_and_methods)
{
	sweep_in_new_world(path_variants, "paths and methods", NULL, false);
}
