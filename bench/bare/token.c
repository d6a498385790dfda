#include "token.h"

#include <errno.h>
#include <jwt.h>
#include <string.h>
#include <time.h>

static bool claim_is(jwt_t *jwt, const char *claim, const char *expected)
{
	const char *value = jwt_get_grant(jwt, claim);
	return value && strcmp(value, expected) == 0;
}

/* exp is required, as peerd requires it. */
static bool unexpired(jwt_t *jwt)
{
	errno = 0;
	long expires = jwt_get_grant_int(jwt, "exp");
	return errno == 0 && (long)time(NULL) < expires;
}

bool token_valid(const struct bare_config *config, const char *authorization)
{
	static const char bearer[] = "Bearer ";
	if (!authorization || strncmp(authorization, bearer, sizeof bearer - 1) != 0)
		return false;
	jwt_t *jwt = NULL;
	/* libjwt 1.10 takes the algorithm from the token: only HS256 is accepted. The scope
	 * is the configured organization's, so a token for another one is refused. */
	bool valid = jwt_decode(&jwt, authorization + sizeof bearer - 1,
				(const unsigned char *)config->secret,
				(int)strlen(config->secret)) == 0 &&
		     jwt_get_alg(jwt) == JWT_ALG_HS256 && unexpired(jwt) &&
		     claim_is(jwt, "org", config->organization) &&
		     claim_is(jwt, "role", config->scope_role);
	jwt_free(jwt);
	return valid;
}
