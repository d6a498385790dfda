/* service/patch.c patch_allows_only, on a request made with ulfius's own constructors.
 * The last case broke a promise fuzz/fuzz_body.c checks. */
#include <criterion/criterion.h>
#include <string.h>
#include <ulfius.h>

#include "patch.h"
#include "request.h"
#include "specialists.h"
#include "validate.h"

static const char *const SELF_WRITABLE[] = {"bio", "languages", "counties", "specialties", NULL};

struct exchange {
	struct _u_request raw;
	struct _u_response response;
	struct request request;
};

/* Runs patch_allows_only on body (JSON text) and returns its verdict; the answer, if
 * any, stays in exchange (free it with exchange_free). */
static bool allows_only_of(struct exchange *exchange, const char *body,
			   const struct field_rule *fields)
{
	memset(exchange, 0, sizeof *exchange);
	cr_assert_eq(ulfius_init_request(&exchange->raw), U_OK);
	cr_assert_eq(ulfius_init_response(&exchange->response), U_OK);
	exchange->request.raw = &exchange->raw;
	exchange->request.response = &exchange->response;
	exchange->request.body = json_loads(body, JSON_REJECT_DUPLICATES, NULL);
	cr_assert(json_is_object(exchange->request.body), "%s", body);
	return patch_allows_only(&exchange->request, "a specialist", SELF_WRITABLE, fields);
}

static bool allows_only(struct exchange *exchange, const char *body)
{
	return allows_only_of(exchange, body, SPECIALIST_FIELDS);
}

static void exchange_free(struct exchange *exchange)
{
	json_decref(exchange->request.body);
	ulfius_clean_request(&exchange->raw);
	ulfius_clean_response(&exchange->response);
}

/* The detail of the 403 patch_allows_only answers body with; the caller frees it. */
static char *refusal(const char *body, const struct field_rule *fields)
{
	struct exchange exchange;
	cr_assert_not(allows_only_of(&exchange, body, fields), "%s", body);
	cr_assert_eq(exchange.request.status, 403);
	json_t *problem = json_loadb(exchange.response.binary_body,
				     exchange.response.binary_body_length, 0, NULL);
	cr_assert(problem);
	char *detail = strdup(json_string_value(json_object_get(problem, "detail")));
	json_decref(problem);
	exchange_free(&exchange);
	return detail;
}

Test(patch, writable_members_pass)
{
	struct exchange exchange;
	cr_assert(allows_only(&exchange, "{\"bio\": \"hi\", \"counties\": []}"));
	cr_assert_eq(exchange.request.status, 0);
	exchange_free(&exchange);
}

Test(patch, refusal_names_the_members)
{
	char *detail =
		refusal("{\"bio\": \"hi\", \"active\": false, \"kind\": 1}", SPECIALIST_FIELDS);
	cr_assert_str_eq(detail, "a specialist may change only bio, languages, counties, "
				 "specialties, not: active, kind");
	free(detail);
}

/* Members the resource does not have, or that the server sets, are refused by validation
 * with a 422 naming them, as for any caller, not by this 403. */
Test(patch, unknown_and_read_only_members_are_left_to_validation)
{
	struct exchange exchange;
	cr_assert(allows_only(&exchange, "{\"\": 1, \"id\": \"x\", \"version\": 3,"
					 " \"__proto__\": {}, \"bio\": \"hi\"}"));
	cr_assert_eq(exchange.request.status, 0);
	exchange_free(&exchange);
}

/* A list cut at 255 bytes inside a character used to make the detail invalid UTF-8, so
 * the problem said only "Forbidden". */
Test(patch, long_refusal_is_cut_between_characters)
{
	char name[300] = "";
	for (int i = 0; i < 130; i++)
		strcat(name,
		       "\xc3\xa9"); /* é: 260 bytes, the first byte of the 128th is the 255th */
	const struct field_rule fields[] = {{.name = name, .type = FIELD_STRING}, {0}};
	char body[512];
	snprintf(body, sizeof body, "{\"%s\": \"x\"}", name);
	char *detail = refusal(body, fields);
	cr_assert(utf8_is_valid(detail));
	cr_assert(strncmp(detail, "a specialist may change only", 28) == 0, "%s", detail);
	cr_assert(strstr(detail, "not: \xc3\xa9\xc3\xa9"), "%s", detail);
	free(detail);
}
