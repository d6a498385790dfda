/* Throwaway signing keys and hand-made tokens for the JWT tests. */
#pragma once

#include <jwt.h>

struct test_key {
	char *private_pem;
	char *public_pem;
};

/* A fresh RSA 2048 or EC P-256 key pair. Free with test_key_free. */
void test_key_rsa(struct test_key *key);
void test_key_ec(struct test_key *key);
void test_key_free(struct test_key *key);

/* Signs claims (a JSON object text) with alg and key; the caller frees the token. */
char *test_sign(jwt_alg_t alg, const char *key, const char *claims_json);

/* As test_sign, with the members of headers_json (a JSON object text) added to the header
 * libjwt writes. */
char *test_sign_with_headers(jwt_alg_t alg, const char *key, const char *headers_json,
			     const char *claims_json);

/* An unsigned token ({"alg":"none"}) carrying claims. The caller frees it. */
char *test_unsigned_token(const char *claims_json);

/* An HS256 token with the given header and claims texts, signed by hand (libjwt always
 * writes its own header). The caller frees it. */
char *test_sign_hs256_with_header(const char *secret, const char *header_json,
				  const char *claims_json);
