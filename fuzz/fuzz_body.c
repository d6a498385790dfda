/* The request bodies of every resource: the input is parsed as the dispatcher parses a
 * body, then checked against each resource's field rules (service/validate.c), and a 422
 * is built from the errors as request_valid builds it. The promises: validation says
 * valid exactly when it recorded no error, every error (up to FIELD_ERRORS_LISTED) is in
 * the list with a field name that is UTF-8, and the 422 is a problem+json that lists
 * them. The members a caller may not write are refused as PATCH refuses them
 * (service/patch.c patch_allows_only): a 403 that names them. */
#include "fuzz.h"

#include <string.h>

#include "certifications.h"
#include "continuing_education.h"
#include "goals.h"
#include "organizations.h"
#include "participants.h"
#include "patch.h"
#include "problem.h"
#include "referral_workflow.h"
#include "referrals.h"
#include "session_note_signing.h"
#include "session_notes.h"
#include "specialists.h"
#include "validate.h"

static const struct field_rule *const RESOURCES[] = {
	ORGANIZATION_FIELDS, SPECIALIST_FIELDS, CERTIFICATION_FIELDS, CEU_FIELDS,
	PARTICIPANT_FIELDS,  REFERRAL_FIELDS,	GOAL_FIELDS,	      PROGRESS_FIELDS,
	NOTE_FIELDS,	     ADDENDUM_FIELDS,	TRANSITION_FIELDS,    ASSIGNMENT_FIELDS,
};

static void check_listed(const struct field_errors *errors)
{
	size_t listed = errors->count < FIELD_ERRORS_LISTED ? errors->count : FIELD_ERRORS_LISTED;
	FUZZ_CHECK(json_array_size(errors->items) == listed);
	size_t index;
	const json_t *item;
	json_array_foreach (errors->items, index, item) {
		const char *field = json_string_value(json_object_get(item, "field"));
		FUZZ_CHECK(field && utf8_is_valid(field));
		FUZZ_CHECK(json_is_string(json_object_get(item, "message")));
	}
}

static void check_problem(const struct field_errors *errors)
{
	struct fuzz_exchange exchange;
	fuzz_exchange_init(&exchange);
	problem_send_invalid(&exchange.request, errors);
	fuzz_check_answer(&exchange, false);
	FUZZ_CHECK(exchange.request.status == 422);
	json_t *problem = json_loadb(exchange.response.binary_body,
				     exchange.response.binary_body_length, 0, NULL);
	FUZZ_CHECK(json_equal(json_object_get(problem, "errors"), errors->items));
	json_decref(problem);
	fuzz_exchange_free(&exchange);
}

static void validate(const json_t *body, const struct field_rule *rules)
{
	struct field_errors errors;
	field_errors_init(&errors);
	FUZZ_CHECK(errors.items);
	bool valid = validate_object(body, rules, "", &errors);
	FUZZ_CHECK(valid == !field_errors_any(&errors));
	check_listed(&errors);
	if (!valid)
		check_problem(&errors);
	field_errors_free(&errors);
}

/* A member of fields that a client may write at all (not read-only). */
static bool writable_member(const char *key, const struct field_rule *fields)
{
	for (; fields->name; fields++) {
		if (strcmp(fields->name, key) == 0)
			return fields->type != FIELD_READ_ONLY;
	}
	return false;
}

/* Who may write which members: as a specialist's PATCH of their own profile
 * (api/specialists.c) lists them. */
static void check_writable(json_t *body)
{
	static const char *const SELF_WRITABLE[] = {"bio", "languages", "counties", "specialties",
						    NULL};
	struct fuzz_exchange exchange;
	fuzz_exchange_init(&exchange);
	exchange.request.body = body;
	bool allowed = patch_allows_only(&exchange.request, "a specialist", SELF_WRITABLE,
					 SPECIALIST_FIELDS);
	fuzz_check_answer(&exchange, allowed);
	FUZZ_CHECK(allowed || exchange.request.status == 403);
	bool all_listed = true;
	const char *key;
	json_t *value;
	json_object_foreach (body, key, value)
		all_listed = all_listed && (fuzz_is_listed(key, SELF_WRITABLE) ||
					    !writable_member(key, SPECIALIST_FIELDS));
	FUZZ_CHECK(allowed == all_listed);
	fuzz_exchange_free(&exchange);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_t *body = fuzz_body(data, size);
	if (!body)
		return 0;
	for (size_t i = 0; i < sizeof RESOURCES / sizeof RESOURCES[0]; i++)
		validate(body, RESOURCES[i]);
	check_writable(body);
	json_decref(body);
	return 0;
}
