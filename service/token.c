#include "token.h"

#include <jwt.h>
#include <stdlib.h>
#include <string.h>

char *token_issue_hs256(const struct token_claims *claims, const char *secret)
{
	jwt_t *jwt = NULL;
	if (jwt_new(&jwt) != 0)
		return NULL;
	bool ok = jwt_set_alg(jwt, JWT_ALG_HS256, (const unsigned char *)secret,
			      (int)strlen(secret)) == 0 &&
		  jwt_add_grant(jwt, "sub", claims->subject) == 0 &&
		  jwt_add_grant(jwt, "role", claims->role) == 0 &&
		  jwt_add_grant_int(jwt, "iat", (long)claims->issued_at) == 0 &&
		  jwt_add_grant_int(jwt, "exp", (long)claims->issued_at + claims->ttl_seconds) == 0;
	if (ok && claims->organization_id)
		ok = jwt_add_grant(jwt, "org", claims->organization_id) == 0;
	if (ok && claims->issuer)
		ok = jwt_add_grant(jwt, "iss", claims->issuer) == 0;
	if (ok && claims->audience)
		ok = jwt_add_grant(jwt, "aud", claims->audience) == 0;
	char *token = ok ? jwt_encode_str(jwt) : NULL;
	jwt_free(jwt);
	return token;
}
