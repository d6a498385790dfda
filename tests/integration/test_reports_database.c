/* PEERD_REPORTS_DATABASE_URL: the reports read their own database (in production a read
 * replica of the primary); everything else, exports included, stays on the primary. The
 * test tells the two apart with a second database that holds organizations the primary
 * does not, and the other way round. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "fixtures.h"
#include "http.h"
#include "peerd_process.h"

static long status_of(const struct peerd_process *server, const char *path, const char *token)
{
	return http_status(server->url, path, token);
}

static void make_provider(void *id)
{
	*(char **)id = create_organization("provider");
}

/* A provider organization made through a server on the database setting names. */
static char *organization_only_in(const char *database_setting)
{
	char *id = NULL;
	through_server_with(database_setting, make_provider, &id);
	return id;
}

TestSuite(reports_database, .init = arena_open, .fini = arena_close);

Test(reports_database, reports_read_it_and_everything_else_the_primary)
{
	char name[64], setting[256], reports_setting[300];
	create_migrated_database(name, sizeof name, setting, sizeof setting);
	char *replica_only = organization_only_in(setting);
	char *primary_only = arena_text(create_organization("provider"));
	snprintf(reports_setting, sizeof reports_setting, "PEERD_REPORTS_DATABASE_URL=%s",
		 strchr(setting, '=') + 1);
	struct peerd_process server;
	cr_assert(peerd_start(&server, (const char *const[]){reports_setting, NULL}));

	char *replica_reporter = arena_text(token_for("reporter", replica_only));
	char *replica_supervisor = arena_text(token_for("supervisor", replica_only));
	char *primary_reporter = arena_text(token_for("reporter", primary_only));
	char *primary_supervisor = arena_text(token_for("supervisor", primary_only));
	char path[128];
	const char *const reports[] = {"/v1/reports/summary", "/v1/reports/caseloads",
				       "/v1/reports/certifications"};
	for (size_t i = 0; i < 3; i++) {
		cr_expect_eq(status_of(&server, reports[i], replica_reporter), 200, "%s",
			     reports[i]);
		cr_expect_eq(status_of(&server, reports[i], primary_reporter), 404, "%s",
			     reports[i]);
	}
	snprintf(path, sizeof path, "/v1/organizations/%s", replica_only);
	cr_expect_eq(status_of(&server, path, replica_supervisor), 404);
	snprintf(path, sizeof path, "/v1/organizations/%s", primary_only);
	cr_expect_eq(status_of(&server, path, primary_supervisor), 200);
	/* An export writes its audit event, so it reads the primary. */
	cr_expect_eq(status_of(&server, "/v1/exports/session-notes", primary_supervisor), 200);
	cr_expect_eq(status_of(&server, "/v1/exports/session-notes", replica_supervisor), 404);

	cr_assert_eq(peerd_stop(&server), 0);
	free(replica_only);
	drop_own_database(name);
}

Test(reports_database, down_it_fails_the_reports_only)
{
	char reports_setting[160];
	snprintf(reports_setting, sizeof reports_setting,
		 "PEERD_REPORTS_DATABASE_URL=postgresql://peerd@127.0.0.1:%u/"
		 "peerd?connect_timeout=2",
		 free_port());
	struct peerd_process server;
	cr_assert(peerd_start(&server, (const char *const[]){reports_setting, NULL}));
	char *organization = arena_text(create_organization("provider"));
	char *reporter = arena_text(token_for("reporter", organization));
	struct http_response *report = http_send(&(struct http_request){
		.path = "/v1/reports/summary", .token = reporter, .base_url = server.url});
	cr_expect_eq(report->status, 503, "%s", report->body);
	char *retry = arena_text(http_header(report, "Retry-After"));
	cr_expect(retry, "a 503 without Retry-After");
	char path[128];
	snprintf(path, sizeof path, "/v1/organizations/%s", organization);
	cr_expect_eq(status_of(&server, path, reporter), 200);
	cr_expect_eq(status_of(&server, "/readyz", NULL), 200);
	/* The reports' pool has its own figures: here, its failures to connect. */
	struct http_response *metrics =
		http_send(&(struct http_request){.path = "/metrics", .base_url = server.url});
	cr_expect(strstr(metrics->body, "peerd_db_pool_size{pool=\"reports\"} "), "%s",
		  metrics->body);
	cr_expect_null(strstr(metrics->body, "peerd_db_connect_failures_total{pool=\"reports\"} 0"),
		       "%s", metrics->body);
	cr_expect(strstr(metrics->body, "peerd_db_connect_failures_total{pool=\"primary\"} 0"),
		  "%s", metrics->body);
	cr_assert_eq(peerd_stop(&server), 0);
}

Test(reports_database, a_setting_that_is_not_a_uri_stops_the_start)
{
	char text[512];
	cr_expect_eq(peerd_run_capture(
			     (const char *const[]){"serve", NULL},
			     (const char *const[]){"PEERD_REPORTS_DATABASE_URL=host=replica", NULL},
			     text, sizeof text),
		     2);
	cr_expect(strstr(text, "PEERD_REPORTS_DATABASE_URL"), "%s", text);
}
