#include "coverage_support.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fixtures.h"

static struct http_response *participant_post(const char *participant_id, const char *records,
					      const char *token, const char *json_body)
{
	char path[128];
	snprintf(path, sizeof path, "/v1/participants/%s/%s", participant_id, records);
	return http_post(path, token, json_body);
}

struct http_response *coverage_post(const char *participant_id, const char *token,
				    const char *json_body)
{
	return participant_post(participant_id, "coverages", token, json_body);
}

struct http_response *authorization_post(const char *participant_id, const char *token,
					 const char *json_body)
{
	return participant_post(participant_id, "authorizations", token, json_body);
}

/* The id of created, asserting it is a 201 (the caller frees it); frees created, so
 * that a suite without an arena leaks nothing. */
static char *created_id(struct http_response *created, const char *what)
{
	cr_assert_eq(created->status, 201, "%s: %s", what, created->body);
	char *id = strdup(http_string(created, "id"));
	http_response_free(created);
	return id;
}

char *coverage_create(const char *participant_id, const char *token, const char *json_body)
{
	return created_id(coverage_post(participant_id, token, json_body), "making a coverage");
}

char *authorization_create(const char *participant_id, const char *token, const char *coverage_id,
			   int units, const char *starts_on, const char *ends_on)
{
	char number[48], body[512];
	unique_name("PA", number, sizeof number);
	snprintf(body, sizeof body,
		 "{\"coverage_id\":\"%s\",\"number\":\"%s\",\"units_authorized\":%d,"
		 "\"starts_on\":\"%s\",\"ends_on\":\"%s\"}",
		 coverage_id, number, units, starts_on, ends_on);
	return created_id(authorization_post(participant_id, token, body),
			  "making an authorization");
}
