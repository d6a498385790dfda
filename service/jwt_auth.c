#include "jwt_auth.h"

#include "base64url.h"

#include <jansson.h>
#include <jwt.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define TOKEN_MAX_BYTES	     8192
/* Distinct tokens kept verified: more than the callers active at once in any deployment
 * peerd is meant for; past it, tokens share slots and are verified more often. */
#define VERIFIED_TOKEN_SLOTS 4096

static bool fail(char *error, size_t error_size, const char *message)
{
	snprintf(error, error_size, "%s", message);
	return false;
}

/* Reads the key's type with OpenSSL so that the algorithm is fixed by configuration, never
 * by the token. Returns 0 when the key is neither RSA (2048 bits or more) nor EC P-256. */
static unsigned public_key_algorithm(const char *pem)
{
	BIO *bio = BIO_new_mem_buf(pem, -1);
	EVP_PKEY *key = bio ? PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL) : NULL;
	unsigned algorithm = 0;
	if (key && EVP_PKEY_get_base_id(key) == EVP_PKEY_RSA && EVP_PKEY_get_bits(key) >= 2048) {
		algorithm = JWT_ACCEPT_RS256;
	} else if (key && EVP_PKEY_get_base_id(key) == EVP_PKEY_EC) {
		char group[64] = "";
		size_t length = 0;
		if (EVP_PKEY_get_utf8_string_param(key, "group", group, sizeof group, &length) &&
		    strcmp(group, "prime256v1") == 0)
			algorithm = JWT_ACCEPT_ES256;
	}
	EVP_PKEY_free(key);
	BIO_free(bio);
	return algorithm;
}

static bool copy_optional(const char *value, char **out)
{
	if (!value)
		return true;
	*out = strdup(value);
	return *out != NULL;
}

/* Accepts tokens signed with the key pem (when not NULL), the setting name's value. */
static bool add_public_key(struct jwt_verifier *verifier, const char *pem, const char *name,
			   char *error, size_t error_size)
{
	if (!pem)
		return true;
	unsigned algorithm = public_key_algorithm(pem);
	if (!algorithm) {
		snprintf(error, error_size,
			 "%s must be a PEM public key: RSA of 2048 bits or more (RS256) or EC on "
			 "P-256 (ES256)",
			 name);
		return false;
	}
	struct jwt_public_key *key = &verifier->public_keys[verifier->public_key_count];
	if (verifier->public_key_count == JWT_PUBLIC_KEYS_MAX || !copy_optional(pem, &key->pem)) {
		snprintf(error, error_size, "%s: out of memory", name);
		return false;
	}
	key->algorithm = algorithm;
	verifier->public_key_count++;
	verifier->accepted |= algorithm;
	return true;
}

bool jwt_verifier_init(struct jwt_verifier *verifier, const struct config *cfg, char *error,
		       size_t error_size)
{
	memset(verifier, 0, sizeof *verifier);
	if (!copy_optional(cfg->jwt_issuer, &verifier->issuer) ||
	    !copy_optional(cfg->jwt_audience, &verifier->audience))
		return fail(error, error_size, "PEERD_JWT_ISSUER: out of memory");
	if (cfg->jwt_secret) {
		if (!copy_optional(cfg->jwt_secret, &verifier->secret))
			return fail(error, error_size, "PEERD_JWT_SECRET: out of memory");
		verifier->secret_length = strlen(verifier->secret);
		verifier->accepted |= JWT_ACCEPT_HS256;
	}
	if (!add_public_key(verifier, cfg->jwt_public_key, "PEERD_JWT_PUBLIC_KEY", error,
			    error_size) ||
	    !add_public_key(verifier, cfg->jwt_public_key_next, "PEERD_JWT_PUBLIC_KEY_NEXT", error,
			    error_size))
		return false;
	verifier->verified = token_cache_new(VERIFIED_TOKEN_SLOTS);
	if (!verifier->verified)
		return fail(error, error_size, "out of memory");
	if (!verifier->accepted)
		return fail(
			error, error_size,
			"PEERD_JWT_SECRET or PEERD_JWT_PUBLIC_KEY must be set to verify tokens");
	return true;
}

void jwt_verifier_free(struct jwt_verifier *verifier)
{
	if (verifier->secret)
		memset(verifier->secret, 0, verifier->secret_length);
	free(verifier->secret);
	for (size_t i = 0; i < verifier->public_key_count; i++)
		free(verifier->public_keys[i].pem);
	free(verifier->issuer);
	free(verifier->audience);
	token_cache_free(verifier->verified);
	memset(verifier, 0, sizeof *verifier);
}

/* libjwt 1.10 refuses any typ but "JWT" (case-insensitive) after checking nothing else;
 * saying so plainly beats letting it look like a bad signature. RFC 9068 access tokens
 * ("at+jwt") are among those refused. */
static bool type_supported(const json_t *header)
{
	json_t *typ = json_object_get(header, "typ");
	return !typ || (json_is_string(typ) && strcasecmp(json_string_value(typ), "JWT") == 0);
}

/* The token's first segment as a JSON object, or NULL when it is not base64url JSON (the
 * caller owns it). Duplicate members are refused, so that no member can mean one thing
 * here and another to libjwt. */
static json_t *header_decode(const char *token)
{
	const char *dot = strchr(token, '.');
	if (!dot || dot == token)
		return NULL;
	char *segment = strndup(token, (size_t)(dot - token));
	size_t size = 0;
	unsigned char *decoded = segment ? base64url_decode(segment, &size) : NULL;
	free(segment);
	json_t *header =
		decoded ? json_loadb((const char *)decoded, size, JSON_REJECT_DUPLICATES, NULL)
			: NULL;
	free(decoded);
	if (!json_is_object(header)) {
		json_decref(header);
		return NULL;
	}
	return header;
}

/* "alg" as an enum jwt_algorithm flag, or 0 for any algorithm peerd never accepts
 * (including "none"). */
static unsigned algorithm_named(const char *name)
{
	if (strcmp(name, "HS256") == 0)
		return JWT_ACCEPT_HS256;
	if (strcmp(name, "RS256") == 0)
		return JWT_ACCEPT_RS256;
	if (strcmp(name, "ES256") == 0)
		return JWT_ACCEPT_ES256;
	return 0;
}

/* Reads the header before any key is used: its "alg" into *algorithm, and whether peerd
 * can honour the rest. RFC 7515 §4.1.11: the extensions crit lists must be understood or
 * the token refused, and crit may not be empty; peerd understands none, so a crit of any
 * value is refused. libjwt 1.10 ignores crit. */
static enum jwt_verdict header_read(const char *token, unsigned *algorithm)
{
	json_t *header = header_decode(token);
	const char *name = json_string_value(json_object_get(header, "alg"));
	enum jwt_verdict verdict = JWT_VALID;
	if (!name)
		verdict = JWT_MALFORMED;
	else if (!type_supported(header))
		verdict = JWT_UNSUPPORTED_TYPE;
	else if (json_object_get(header, "crit"))
		verdict = JWT_CRITICAL_EXTENSION;
	*algorithm = name ? algorithm_named(name) : 0;
	json_decref(header);
	return verdict;
}

static bool has_valid_shape(const char *token)
{
	size_t length = strlen(token);
	if (length == 0 || length > TOKEN_MAX_BYTES)
		return false;
	size_t dots = 0;
	for (const char *c = token; *c; c++) {
		if (*c == '.')
			dots++;
		else if (!base64url_is_char(*c))
			return false;
	}
	return dots == 2;
}

static bool audience_matches(json_t *aud, const char *expected)
{
	if (json_is_string(aud))
		return strcmp(json_string_value(aud), expected) == 0;
	if (!json_is_array(aud))
		return false;
	size_t index;
	json_t *item;
	json_array_foreach (aud, index, item) {
		if (json_is_string(item) && strcmp(json_string_value(item), expected) == 0)
			return true;
	}
	return false;
}

static enum jwt_verdict read_time_claims(json_t *claims, struct token_times *times)
{
	json_t *exp = json_object_get(claims, "exp");
	json_t *nbf = json_object_get(claims, "nbf");
	if (!json_is_number(exp))
		return JWT_MISSING_EXPIRY;
	if (nbf && !json_is_number(nbf))
		return JWT_BAD_CLAIMS;
	*times = (struct token_times){.exp = json_number_value(exp),
				      .nbf = nbf ? json_number_value(nbf) : 0,
				      .has_nbf = nbf != NULL};
	return JWT_VALID;
}

static enum jwt_verdict check_time_claims(const struct token_times *times, time_t now)
{
	if ((double)now >= times->exp + JWT_LEEWAY_SECONDS)
		return JWT_EXPIRED;
	if (times->has_nbf && (double)now + JWT_LEEWAY_SECONDS < times->nbf)
		return JWT_NOT_YET_VALID;
	return JWT_VALID;
}

static enum jwt_verdict check_identity_claims(const struct jwt_verifier *verifier, json_t *claims,
					      struct principal *caller)
{
	if (verifier->issuer) {
		const char *iss = json_string_value(json_object_get(claims, "iss"));
		if (!iss || strcmp(iss, verifier->issuer) != 0)
			return JWT_WRONG_ISSUER;
	}
	if (verifier->audience &&
	    !audience_matches(json_object_get(claims, "aud"), verifier->audience))
		return JWT_WRONG_AUDIENCE;

	const char *sub = json_string_value(json_object_get(claims, "sub"));
	const char *role = json_string_value(json_object_get(claims, "role"));
	json_t *org = json_object_get(claims, "org");
	memset(caller, 0, sizeof *caller);
	if (!sub || !*sub || strlen(sub) > PRINCIPAL_SUBJECT_MAX || !role ||
	    !role_parse(role, &caller->role))
		return JWT_BAD_CLAIMS;
	memcpy(caller->subject, sub, strlen(sub) + 1);
	if (org && !json_is_null(org)) {
		if (!uuid_is_valid(json_string_value(org)))
			return JWT_BAD_CLAIMS;
		uuid_normalize(json_string_value(org), caller->organization_id);
		caller->has_organization = true;
	}
	if (!caller->has_organization && caller->role != ROLE_ADMIN)
		return JWT_BAD_CLAIMS;
	return JWT_VALID;
}

static jwt_t *decode_with(const char *token, const char *key, size_t key_length, jwt_alg_t expected)
{
	jwt_t *jwt = NULL;
	if (jwt_decode(&jwt, token, (const unsigned char *)key, (int)key_length) != 0 || !jwt ||
	    jwt_get_alg(jwt) != expected) {
		jwt_free(jwt);
		return NULL;
	}
	return jwt;
}

/* The token decoded with a key of algorithm whose signature verifies, or NULL. Only now is
 * a key chosen, and only a key that belongs to the algorithm: a public key is never
 * offered as an HMAC secret. */
static jwt_t *decode_signed(const struct jwt_verifier *verifier, const char *token,
			    unsigned algorithm)
{
	jwt_alg_t expected = algorithm == JWT_ACCEPT_HS256   ? JWT_ALG_HS256
			     : algorithm == JWT_ACCEPT_RS256 ? JWT_ALG_RS256
							     : JWT_ALG_ES256;
	if (algorithm == JWT_ACCEPT_HS256)
		return decode_with(token, verifier->secret, verifier->secret_length, expected);
	for (size_t i = 0; i < verifier->public_key_count; i++) {
		const struct jwt_public_key *key = &verifier->public_keys[i];
		jwt_t *jwt = key->algorithm == algorithm
				     ? decode_with(token, key->pem, strlen(key->pem), expected)
				     : NULL;
		if (jwt)
			return jwt;
	}
	return NULL;
}

/* The whole verification: the signature, then every claim. */
static enum jwt_verdict verify_afresh(const struct jwt_verifier *verifier, const char *token,
				      time_t now, struct principal *caller,
				      struct token_times *times)
{
	if (!has_valid_shape(token))
		return JWT_MALFORMED;
	unsigned algorithm = 0;
	enum jwt_verdict verdict = header_read(token, &algorithm);
	if (verdict != JWT_VALID)
		return verdict;
	if (!(algorithm & verifier->accepted))
		return JWT_ALGORITHM_REFUSED;

	jwt_t *jwt = decode_signed(verifier, token, algorithm);
	if (!jwt)
		return JWT_BAD_SIGNATURE;
	char *claims_text = jwt_get_grants_json(jwt, NULL);
	jwt_free(jwt);
	json_t *claims = claims_text ? json_loads(claims_text, 0, NULL) : NULL;
	free(claims_text);
	verdict = json_is_object(claims) ? read_time_claims(claims, times) : JWT_MALFORMED;
	if (verdict == JWT_VALID)
		verdict = check_time_claims(times, now);
	if (verdict == JWT_VALID)
		verdict = check_identity_claims(verifier, claims, caller);
	json_decref(claims);
	return verdict;
}

enum jwt_verdict jwt_verify(const struct jwt_verifier *verifier, const char *token, time_t now,
			    struct principal *caller)
{
	if (!token)
		return JWT_MALFORMED;
	struct token_times times;
	if (token_cache_find(verifier->verified, token, caller, &times))
		return check_time_claims(&times, now);
	enum jwt_verdict verdict = verify_afresh(verifier, token, now, caller, &times);
	if (verdict == JWT_VALID)
		token_cache_keep(verifier->verified, token, caller, &times);
	return verdict;
}

const char *jwt_verdict_text(enum jwt_verdict verdict)
{
	switch (verdict) {
	case JWT_VALID:
		return "the token is valid";
	case JWT_MALFORMED:
		return "the bearer token is not a well-formed JWT";
	case JWT_UNSUPPORTED_TYPE:
		return "the token's type (typ) is not supported; peerd accepts typ JWT";
	case JWT_CRITICAL_EXTENSION:
		return "the token's header names critical extensions (crit); peerd understands "
		       "none";
	case JWT_ALGORITHM_REFUSED:
		return "the token's signing algorithm is not accepted";
	case JWT_BAD_SIGNATURE:
		return "the token's signature does not verify";
	case JWT_MISSING_EXPIRY:
		return "the token has no exp claim";
	case JWT_EXPIRED:
		return "the token has expired";
	case JWT_NOT_YET_VALID:
		return "the token is not valid yet (nbf)";
	case JWT_WRONG_ISSUER:
		return "the token was issued by an issuer peerd does not trust";
	case JWT_WRONG_AUDIENCE:
		return "the token is meant for another audience";
	case JWT_BAD_CLAIMS:
		return "the token lacks a valid sub, role or org claim";
	}
	return "the token is not valid";
}
