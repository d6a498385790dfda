/* The server every integration test talks to (unless a test starts its own): migrated,
 * started before the first test and stopped after the last. Its exit status is checked,
 * so a leak the sanitizers report at exit fails the run. */
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
	if (!peerd_start(&shared_server,
			 (const char *const[]){"PEERD_RATE_LIMIT_PER_MINUTE=0", NULL}))
		exit(1);
	setenv("PEERD_TEST_URL", shared_server.url, 1);
}

ReportHook(POST_ALL)(struct criterion_global_stats *stats)
{
	(void)stats;
	int status = peerd_stop(&shared_server);
	if (status != 0) {
		fprintf(stderr, "the shared peerd exited with status %d; its log:\n", status);
		peerd_print_log(&shared_server);
		exit(1);
	}
}
