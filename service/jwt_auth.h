/* Bearer token verification (API.md "Who calls"). libjwt 1.10 verifies a signature with
 * whatever algorithm the token names and checks no claims, so this module decides the
 * algorithm from configuration before libjwt sees a key, and checks every claim itself. */
#pragma once

#include "attributes.h"

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "auth.h"
#include "config.h"
#include "token_cache.h"

enum jwt_algorithm {
	JWT_ACCEPT_HS256 = 1 << 0,
	JWT_ACCEPT_RS256 = 1 << 1,
	JWT_ACCEPT_ES256 = 1 << 2,
};

/* Clock skew tolerated between peerd and the identity provider for `exp` and `nbf`. */
#define JWT_LEEWAY_SECONDS 30

/* PEERD_JWT_PUBLIC_KEY and, during a rotation, PEERD_JWT_PUBLIC_KEY_NEXT. */
#define JWT_PUBLIC_KEYS_MAX 2

struct jwt_public_key {
	char *pem;
	unsigned algorithm; /* JWT_ACCEPT_RS256 or JWT_ACCEPT_ES256, from the key's type */
};

struct jwt_verifier {
	unsigned accepted; /* enum jwt_algorithm flags */
	char *secret;	   /* HS256 key */
	size_t secret_length;
	struct jwt_public_key public_keys[JWT_PUBLIC_KEYS_MAX];
	size_t public_key_count;
	char *issuer;		      /* NULL: `iss` is not checked */
	char *audience;		      /* NULL: `aud` is not checked */
	struct token_cache *verified; /* tokens that verified, so that they need not again */
};

/* Prepares a verifier from cfg; each public key's type (RSA, or EC on P-256) decides
 * whether RS256 or ES256 is accepted. A token signed with either public key verifies, so
 * that an issuer can move to a new key while tokens of the old one are still in use. On failure
 * writes one line naming the setting into error. Call jwt_verifier_free afterwards in either case.
 */
MUST_CHECK bool jwt_verifier_init(struct jwt_verifier *verifier, const struct config *cfg,
				  char *error, size_t error_size);

void jwt_verifier_free(struct jwt_verifier *verifier);

enum jwt_verdict {
	JWT_VALID,
	JWT_MALFORMED,
	JWT_UNSUPPORTED_TYPE,
	JWT_CRITICAL_EXTENSION, /* a crit header member: RFC 7515 §4.1.11 */
	JWT_ALGORITHM_REFUSED,
	JWT_BAD_SIGNATURE,
	JWT_MISSING_EXPIRY,
	JWT_EXPIRED,
	JWT_NOT_YET_VALID,
	JWT_WRONG_ISSUER,
	JWT_WRONG_AUDIENCE,
	JWT_BAD_CLAIMS,
};

/* Verifies token at time now and, when JWT_VALID, fills caller. A token that verified
 * before is looked up instead, its time claims checked against now again. */
enum jwt_verdict jwt_verify(const struct jwt_verifier *verifier, const char *token, time_t now,
			    struct principal *caller);

/* A short sentence for the 401 problem's detail. */
const char *jwt_verdict_text(enum jwt_verdict verdict);
