/* HS256 tokens for development and tests (`peerd token`). Production tokens come from the
 * organization's identity provider. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

struct token_claims {
	const char *subject;	     /* sub */
	const char *role;	     /* role */
	const char *organization_id; /* org, or NULL */
	const char *issuer;	     /* iss, or NULL */
	const char *audience;	     /* aud, or NULL */
	time_t issued_at;	     /* iat; exp = iat + ttl */
	long ttl_seconds;
};

/* Returns a signed token (the caller frees it), or NULL when signing fails. */
char *token_issue_hs256(const struct token_claims *claims, const char *secret);
