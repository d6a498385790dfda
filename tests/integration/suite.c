/* The server every integration test talks to (unless a test starts its own): migrated,
 * started before the first test and stopped after the last. Its stop is checked, so a
 * leak the sanitizers report at exit fails the run. */
#include <criterion/criterion.h>
#include <criterion/hooks.h>
#include <stdio.h>
#include <stdlib.h>

#include "peerd_process.h"

static struct peerd_process shared_server;

ReportHook(PRE_ALL)(struct criterion_test_set *tests)
{
	(void)tests;
	if (!getenv("PEERD_TEST_DATABASE_URL")) {
		fprintf(stderr, "PEERD_TEST_DATABASE_URL is not set; run scripts/test\n");
		exit(1);
	}
	if (peerd_run((const char *const[]){"migrate", NULL}, NULL, NULL) != 0) {
		fprintf(stderr, "peerd migrate failed\n");
		exit(1);
	}
	/* The shared server serves every suite at once, some walking long lists one item at
	 * a time with one token: the rate limit has its own server in test_rate_limit.c. */
	/* scripts/test starts the contract proxy (Prism) first, forwarding to the port it
	 * chose: PEERD_TEST_SHARED_PORT. */
	const char *port = getenv("PEERD_TEST_SHARED_PORT");
	/* With the /docs page when scripts/test made one, so the sweeps reach it too. */
	const char *docs = getenv("PEERD_TEST_DOCS_DIR");
	char docs_setting[512];
	snprintf(docs_setting, sizeof docs_setting, "PEERD_DOCS_DIR=%s", docs ? docs : "");
	if (!peerd_start_at(
		    &shared_server, port ? (unsigned)strtoul(port, NULL, 10) : 0,
		    (const char *const[]){"PEERD_RATE_LIMIT_PER_MINUTE=0", docs_setting, NULL}))
		exit(1);
	/* It is this process's child: should it die while the tests run, Criterion would hang
	 * on it rather than let them fail. */
	if (!peerd_reap_on_exit(&shared_server)) {
		peerd_stop(&shared_server);
		exit(1);
	}
	setenv("PEERD_TEST_URL", shared_server.url, 1);
	setenv("PEERD_TEST_CONTRACT_UPSTREAM", shared_server.url, 1);
}

ReportHook(POST_ALL)(struct criterion_global_stats *stats)
{
	(void)stats;
	/* peerd_stop has said why, named the log and copied any sanitizer report. */
	if (peerd_stop(&shared_server) != 0) {
		fprintf(stderr, "the shared peerd, which served every suite, failed at its stop\n");
		exit(1);
	}
}
