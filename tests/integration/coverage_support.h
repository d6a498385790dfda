/* What the tests of coverages and authorizations share, and the billing tests call: making
 * them through the API (POST /v1/participants/{id}/coverages and .../authorizations). */
#pragma once

#include "http.h"

/* POST /v1/participants/{participant_id}/coverages with json_body as token. */
struct http_response *coverage_post(const char *participant_id, const char *token,
				    const char *json_body);

/* As coverage_post, asserting 201; the new coverage's id (the caller frees it). */
char *coverage_create(const char *participant_id, const char *token, const char *json_body);

/* POST /v1/participants/{participant_id}/authorizations with json_body as token. */
struct http_response *authorization_post(const char *participant_id, const char *token,
					 const char *json_body);

/* An authorization of units under coverage_id from starts_on to ends_on (YYYY-MM-DD),
 * with a unique number, asserting 201; its id (the caller frees it). */
char *authorization_create(const char *participant_id, const char *token, const char *coverage_id,
			   int units, const char *starts_on, const char *ends_on);
