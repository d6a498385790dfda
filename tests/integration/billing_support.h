/* What the tests of billing under a payer's conditions share (test_session_note_
 * authorization.c, and the claim lines): an organization's billing settings, authorizations
 * to bill under, and assertions about what a signed note's billing names. */
#pragma once

#include <jansson.h>
#include <stdbool.h>

#include "session_notes_support.h"
#include "world.h"

/* The organization's day today + days, YYYY-MM-DD, kept in the arena. */
const char *day_of(const struct world *provider, int days);

/* PATCHes provider's settings with members (a JSON object's members, without braces) as
 * its supervisor; asserts 200. */
void settings_set(const struct world *provider, const char *members);

/* An authorization of participant_id of units, from today + from_days to today +
 * to_days (the organization's days), under a Medicaid coverage of theirs (State Medicaid,
 * member M123456789) made for it, both by provider's supervisor through the API. Returns
 * its id, kept in the arena. */
const char *authorization_held(const struct world *provider, const char *participant_id, int units,
			       int from_days, int to_days);

/* Asserts the authorization's units_used, as its supervisor reads it, is units (and
 * units_remaining what is left), and that it equals the units of the signed notes that
 * name it in billing.authorization_id. */
void assert_units_used(const struct world *provider, const char *authorization_id, int units);

/* Asserts billing.authorization_id is authorization_id (NULL: null). */
void assert_billed_under(const json_t *billing, const char *authorization_id, const char *what);

/* Asserts billing's modifiers (space-separated, in order) and place_of_service (NULL:
 * null). */
void assert_contact_billing(const json_t *billing, const char *modifiers, const char *place,
			    const char *what);

/* A draft by provider's specialist for person on day (YYYY-MM-DD, at 17:00 UTC: the same
 * day in every US zone but Guam's and Saipan's) of minutes by modality; kept in the arena. */
const char *draft_on(const struct world *provider, const struct person *person, const char *day,
		     int minutes, const char *modality);
