/* What the claim-lines export and the summary's billing figures share in their tests
 * (test_claim_lines.c, test_report_authorizations.c): coverages made through the API,
 * notes signed through the API on a day, and the exports and reports fetched. */
#pragma once

#include <jansson.h>
#include <stdbool.h>

#include "billing_support.h"
#include "http.h"
#include "world.h"

/* A coverage of participant_id: payer, kind, member_id (NULL: none), priority, in effect
 * from today + from_days through today + to_days (the organization's days; open_ended:
 * no end). Made by its supervisor. Returns its id, kept in the arena. */
const char *coverage_held(const struct world *provider, const char *participant_id,
			  const char *payer, const char *kind, const char *member_id, int priority,
			  int from_days, int to_days, bool open_ended);

/* The number of authorization_id as provider's supervisor reads it (kept with the
 * response). */
const char *authorization_number(const struct world *provider, const char *authorization_id);

/* A note by provider's specialist for person, days_ago at at (HH:MM, the organization's
 * zone), of minutes by modality, signed; its id, kept in the arena. Asserts its billing
 * bills units (0: not billable). */
const char *note_signed_on(const struct world *provider, const struct person *person, int days_ago,
			   const char *at, int minutes, const char *modality, int units);

/* format filled in (printf), kept in the arena. */
__attribute__((format(printf, 1, 2))) const char *formatted(const char *format, ...);

/* GET /v1/exports/claim-lines?query (query may be ""), as token. */
struct http_response *claim_lines_get(const char *token, const char *query);

/* GET /v1/reports/summary?query as token; asserts 200. */
struct http_response *summary_ok(const char *token, const char *query);
