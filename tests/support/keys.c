#include "keys.h"

#include <criterion/criterion.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>
#include <stdlib.h>
#include <string.h>

#include "base64url.h"

static char *bio_text(BIO *bio)
{
	char *data = NULL;
	long length = BIO_get_mem_data(bio, &data);
	char *text = strndup(data, (size_t)length);
	BIO_free(bio);
	return text;
}

static void export_key(EVP_PKEY *pkey, struct test_key *key)
{
	cr_assert(pkey);
	BIO *private_bio = BIO_new(BIO_s_mem());
	BIO *public_bio = BIO_new(BIO_s_mem());
	cr_assert(PEM_write_bio_PrivateKey(private_bio, pkey, NULL, NULL, 0, NULL, NULL));
	cr_assert(PEM_write_bio_PUBKEY(public_bio, pkey));
	key->private_pem = bio_text(private_bio);
	key->public_pem = bio_text(public_bio);
	EVP_PKEY_free(pkey);
}

void test_key_rsa(struct test_key *key)
{
	export_key(EVP_RSA_gen(2048), key);
}

void test_key_ec(struct test_key *key)
{
	export_key(EVP_EC_gen("P-256"), key);
}

void test_key_free(struct test_key *key)
{
	free(key->private_pem);
	free(key->public_pem);
}

char *test_sign(jwt_alg_t alg, const char *key, const char *claims_json)
{
	return test_sign_with_headers(alg, key, NULL, claims_json);
}

char *test_sign_with_headers(jwt_alg_t alg, const char *key, const char *headers_json,
			     const char *claims_json)
{
	jwt_t *jwt = NULL;
	cr_assert_eq(jwt_new(&jwt), 0);
	cr_assert_eq(jwt_set_alg(jwt, alg, (const unsigned char *)key, (int)strlen(key)), 0);
	cr_assert_eq(jwt_add_grants_json(jwt, claims_json), 0, "bad claims %s", claims_json);
	if (headers_json)
		cr_assert_eq(jwt_add_headers_json(jwt, headers_json), 0, "bad headers %s",
			     headers_json);
	char *token = jwt_encode_str(jwt);
	jwt_free(jwt);
	cr_assert(token);
	return token;
}

char *test_unsigned_token(const char *claims_json)
{
	static const char HEADER[] = "{\"alg\":\"none\",\"typ\":\"JWT\"}";
	char *header = base64url_encode((const unsigned char *)HEADER, strlen(HEADER));
	char *body = base64url_encode((const unsigned char *)claims_json, strlen(claims_json));
	size_t size = strlen(header) + strlen(body) + 3;
	char *token = malloc(size);
	snprintf(token, size, "%s.%s.", header, body);
	free(header);
	free(body);
	return token;
}

char *test_sign_hs256_with_header(const char *secret, const char *header_json,
				  const char *claims_json)
{
	char *header = base64url_encode((const unsigned char *)header_json, strlen(header_json));
	char *body = base64url_encode((const unsigned char *)claims_json, strlen(claims_json));
	size_t signed_size = strlen(header) + strlen(body) + 2;
	char *signing_input = malloc(signed_size);
	snprintf(signing_input, signed_size, "%s.%s", header, body);
	unsigned char mac[EVP_MAX_MD_SIZE];
	unsigned mac_size = 0;
	cr_assert(HMAC(EVP_sha256(), secret, (int)strlen(secret),
		       (const unsigned char *)signing_input, strlen(signing_input), mac,
		       &mac_size));
	char *signature = base64url_encode(mac, mac_size);
	size_t size = signed_size + strlen(signature) + 1;
	char *token = malloc(size);
	snprintf(token, size, "%s.%s", signing_input, signature);
	free(header);
	free(body);
	free(signing_input);
	free(signature);
	return token;
}
