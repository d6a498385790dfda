/* service/precondition.c on requests made with ulfius's own constructors: what each If-Match
 * lets through, and what a refusal answers. */
#include <criterion/criterion.h>
#include <string.h>
#include <ulfius.h>

#include "precondition.h"
#include "request.h"

struct exchange {
	struct _u_request raw;
	struct _u_response response;
	struct request request;
};

/* Runs precondition_holds for version 3 with If-Match: if_match (NULL: none) under rule;
 * the answer, if any, stays in exchange (free it with exchange_free). */
static bool holds(struct exchange *exchange, const char *if_match, enum if_match_rule rule)
{
	memset(exchange, 0, sizeof *exchange);
	cr_assert_eq(ulfius_init_request(&exchange->raw), U_OK);
	cr_assert_eq(ulfius_init_response(&exchange->response), U_OK);
	if (if_match)
		u_map_put(exchange->raw.map_header, "If-Match", if_match);
	exchange->request.raw = &exchange->raw;
	exchange->request.response = &exchange->response;
	return precondition_holds(&exchange->request, "session note", 3, rule);
}

static void exchange_free(struct exchange *exchange)
{
	ulfius_clean_request(&exchange->raw);
	ulfius_clean_response(&exchange->response);
}

static void expect_passes(const char *if_match, enum if_match_rule rule)
{
	struct exchange exchange;
	cr_expect(holds(&exchange, if_match, rule), "If-Match %s", if_match ? if_match : "(none)");
	cr_expect_eq(exchange.request.status, 0, "If-Match %s answered",
		     if_match ? if_match : "(none)");
	exchange_free(&exchange);
}

/* Asserts the refusal's status, and the current ETag on a 412 (none on a 428). */
static void expect_refused(const char *if_match, enum if_match_rule rule, unsigned status)
{
	struct exchange exchange;
	cr_expect_not(holds(&exchange, if_match, rule), "If-Match %s",
		      if_match ? if_match : "(none)");
	cr_expect_eq(exchange.request.status, status, "If-Match %s: %u",
		     if_match ? if_match : "(none)", exchange.request.status);
	const char *etag = u_map_get_case(exchange.response.map_header, "ETag");
	if (status == 412)
		cr_expect_str_eq(etag ? etag : "", "\"3\"", "If-Match %s", if_match);
	else
		cr_expect_null(etag, "a 428 names no version");
	const char *type = u_map_get_case(exchange.response.map_header, "Content-Type");
	cr_expect_str_eq(type ? type : "", "application/problem+json");
	exchange_free(&exchange);
}

Test(precondition, the_current_tag_or_a_wildcard_passes)
{
	const enum if_match_rule rules[] = {IF_MATCH_OPTIONAL, IF_MATCH_REQUIRED};
	for (size_t i = 0; i < 2; i++) {
		expect_passes("\"3\"", rules[i]);
		expect_passes("\"1\", \"3\"", rules[i]);
		expect_passes("*", rules[i]);
		expect_passes(" * ", rules[i]);
	}
}

Test(precondition, another_tag_is_412_with_the_current_one)
{
	const enum if_match_rule rules[] = {IF_MATCH_OPTIONAL, IF_MATCH_REQUIRED};
	const char *const stale[] = {"\"2\"",	"W/\"3\"", "\"1\", W/\"3\"", "*, \"2\"",
				     "garbage", "",	   "\"\"",	     "3"};
	for (size_t i = 0; i < 2; i++) {
		for (size_t j = 0; j < sizeof stale / sizeof stale[0]; j++)
			expect_refused(stale[j], rules[i], 412);
	}
}

Test(precondition, none_is_428_only_where_required)
{
	expect_passes(NULL, IF_MATCH_OPTIONAL);
	expect_refused(NULL, IF_MATCH_REQUIRED, 428);
}
