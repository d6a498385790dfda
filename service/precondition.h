/* If-Match on a change to a stored resource (RFC 9110 13.1.1 and 15.5.13, RFC 6585 3):
 * the one check every PATCH and every POST that changes a versioned resource (verify,
 * sign, co-sign, addenda, referral moves) makes, so they answer alike. */
#pragma once

#include "attributes.h"

#include <stdbool.h>

struct request;

enum if_match_rule {
	/* Honoured when sent; a request without it changes whatever version is stored. */
	IF_MATCH_OPTIONAL,
	/* Required (428 without it): the change attests to what the caller read, such as a
	 * supervisor verifying a certification or an author signing a note. */
	IF_MATCH_REQUIRED,
};

/* True when the request may change the noun ("certification") whose stored version is
 * version: its If-Match holds that version's tag, or is "*", or is absent under
 * IF_MATCH_OPTIONAL. Otherwise answers and returns false: 428 when the rule requires the
 * header and none was sent, else 412 with the current ETag, so that the client can tell
 * its copy is stale (it must read the resource again before acting on it). Weak tags
 * (W/"3") never match, as RFC 9110 wants for If-Match. */
MUST_CHECK bool precondition_holds(struct request *request, const char *noun, long long version,
				   enum if_match_rule rule);
