/* Per-subject rate limiting (OWASP API4): past its burst a caller gets 429 with
 * Retry-After, while another caller is unaffected; peerd's own server runs with a small
 * limit so the shared one is not disturbed. */
#include <criterion/criterion.h>
#include <stdlib.h>

#include "fixtures.h"
#include "http.h"
#include "peerd_process.h"

Test(rate_limit, a_caller_past_the_burst_waits)
{
	struct peerd_process server;
	cr_assert(peerd_start(&server, (const char *const[]){"PEERD_RATE_LIMIT_PER_MINUTE=60",
							     "PEERD_RATE_LIMIT_BURST=3", NULL}));
	char *busy = admin_token();
	char *other = admin_token();
	long statuses[5];
	for (int i = 0; i < 5; i++) {
		struct http_response *response = http_send(&(struct http_request){
			.path = "/v1/organizations", .token = busy, .base_url = server.url});
		statuses[i] = response->status;
		if (i == 4) {
			char *retry_after = http_header(response, "Retry-After");
			char *type = http_header(response, "Content-Type");
			cr_assert_eq(response->status, 429, "%s", response->body);
			cr_assert(retry_after && atoi(retry_after) >= 1, "Retry-After: %s",
				  retry_after ? retry_after : "(none)");
			cr_assert_str_eq(type, "application/problem+json");
			free(type);
			free(retry_after);
		}
		http_response_free(response);
	}
	cr_assert(statuses[0] == 200 && statuses[1] == 200 && statuses[2] == 200,
		  "the burst is admitted: %ld %ld %ld", statuses[0], statuses[1], statuses[2]);
	cr_assert_eq(statuses[3], 429);
	struct http_response *unaffected = http_send(&(struct http_request){
		.path = "/v1/organizations", .token = other, .base_url = server.url});
	cr_assert_eq(unaffected->status, 200, "another subject has its own bucket");
	http_response_free(unaffected);
	/* The public endpoints are not counted. */
	struct http_response *health =
		http_send(&(struct http_request){.path = "/healthz", .base_url = server.url});
	cr_assert_eq(health->status, 200);
	http_response_free(health);
	/* A token refills at one a second. */
	sleep_ms(1100);
	struct http_response *later = http_send(&(struct http_request){
		.path = "/v1/organizations", .token = busy, .base_url = server.url});
	cr_assert_eq(later->status, 200, "%s", later->body);
	http_response_free(later);
	free(other);
	free(busy);
	cr_assert_eq(peerd_stop(&server), 0);
}
