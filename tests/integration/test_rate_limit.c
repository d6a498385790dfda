/* Per-caller rate limiting (OWASP API4): past its burst a caller (a sub in its org) gets
 * 429 with Retry-After, while another caller is unaffected; peerd's own server runs with a
 * small limit so the shared one is not disturbed. */
#include <criterion/criterion.h>
#include <stdlib.h>

#include "arena.h"
#include "fixtures.h"
#include "http.h"
#include "peerd_process.h"

/* GET /v1/organizations, which every role may call, as token on server. */
static struct http_response *organizations_as(const char *token, const struct peerd_process *server)
{
	return http_send(&(struct http_request){
		.path = "/v1/organizations", .token = token, .base_url = server->url});
}

TestSuite(rate_limit, .init = arena_open, .fini = arena_close);

Test(rate_limit, a_caller_past_the_burst_waits)
{
	struct peerd_process server;
	cr_assert(peerd_start(&server, (const char *const[]){"PEERD_RATE_LIMIT_PER_MINUTE=60",
							     "PEERD_RATE_LIMIT_BURST=3", NULL}));
	char *busy = arena_text(admin_token());
	char *other = arena_text(admin_token());
	long statuses[5];
	for (int i = 0; i < 5; i++) {
		struct http_response *response = organizations_as(busy, &server);
		statuses[i] = response->status;
		if (i == 4) {
			char *retry_after = arena_text(http_header(response, "Retry-After"));
			char *type = arena_text(http_header(response, "Content-Type"));
			cr_assert_eq(response->status, 429, "%s", response->body);
			cr_assert(retry_after && atoi(retry_after) >= 1, "Retry-After: %s",
				  retry_after ? retry_after : "(none)");
			cr_assert_str_eq(type, "application/problem+json");
		}
		http_response_free(response);
	}
	cr_assert(statuses[0] == 200 && statuses[1] == 200 && statuses[2] == 200,
		  "the burst is admitted: %ld %ld %ld", statuses[0], statuses[1], statuses[2]);
	cr_assert_eq(statuses[3], 429);
	struct http_response *unaffected = organizations_as(other, &server);
	cr_assert_eq(unaffected->status, 200, "another subject has its own bucket");
	/* The public endpoints are not counted. */
	struct http_response *health =
		http_send(&(struct http_request){.path = "/healthz", .base_url = server.url});
	cr_assert_eq(health->status, 200);
	/* A token refills at one a second. */
	sleep_ms(1100);
	struct http_response *later = organizations_as(busy, &server);
	cr_assert_eq(later->status, 200, "%s", later->body);
	cr_assert_eq(peerd_stop(&server), 0);
}

/* A caller is an organization's subject: the same sub from two organizations' identity
 * providers is two callers, and one's 429s never reach the other. */
Test(rate_limit, the_same_subject_in_two_organizations_has_two_buckets)
{
	struct peerd_process server;
	cr_assert(peerd_start(&server, (const char *const[]){"PEERD_RATE_LIMIT_PER_MINUTE=6",
							     "PEERD_RATE_LIMIT_BURST=2", NULL}));
	char *first_organization = arena_text(create_organization("partner"));
	char *second_organization = arena_text(create_organization("partner"));
	char subject[96];
	unique_name("shared-sub", subject, sizeof subject);
	char *first = arena_text(token_for_subject("partner", first_organization, subject));
	char *second = arena_text(token_for_subject("partner", second_organization, subject));
	long statuses[3];
	for (int i = 0; i < 3; i++) {
		struct http_response *response = organizations_as(first, &server);
		statuses[i] = response->status;
		http_response_free(response);
	}
	cr_assert(statuses[0] == 200 && statuses[1] == 200 && statuses[2] == 429,
		  "the first organization's caller is limited: %ld %ld %ld", statuses[0],
		  statuses[1], statuses[2]);
	struct http_response *other = organizations_as(second, &server);
	cr_assert_eq(other->status, 200, "the same sub in another organization: %s", other->body);
	cr_assert_eq(peerd_stop(&server), 0);
}
