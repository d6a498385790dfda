/* Bearer token verification (service/jwt_auth.c jwt_verify). The first byte of the input
 * chooses what the rest is:
 *   0: a token's text, verified as HS256 (with an issuer and audience), RS256 and ES256;
 *   1: claims (a JSON text) that libjwt signs with the HS256 secret, so that the claim
 *      checks run past the signature;
 *   2: the same signed with the harness's EC key, verified as ES256.
 * The promises: a valid verdict comes with a caller that has a subject, a role and an
 * organization unless an admin; every verdict has a text. The RSA and EC keys are made
 * when the harness starts. */
#include "fuzz.h"

#include <jwt.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "jwt_auth.h"
#include "uuid.h"

#define SECRET	 "fuzz-secret-0123456789abcdef0123456789"
#define ISSUER	 "https://idp.example.org"
#define AUDIENCE "peerd"
#define NOW	 1800000000L

struct keys {
	struct jwt_verifier hs256, rs256, es256;
	char *ec_private_pem;
};

static char *pem_text(EVP_PKEY *key, bool private)
{
	BIO *bio = BIO_new(BIO_s_mem());
	FUZZ_CHECK(bio);
	FUZZ_CHECK(private ? PEM_write_bio_PrivateKey(bio, key, NULL, NULL, 0, NULL, NULL)
			   : PEM_write_bio_PUBKEY(bio, key));
	char *data = NULL;
	long length = BIO_get_mem_data(bio, &data);
	char *text = strndup(data, (size_t)length);
	FUZZ_CHECK(text);
	BIO_free(bio);
	return text;
}

static void verifier_init(struct jwt_verifier *verifier, const struct config *cfg)
{
	char error[256] = "";
	if (!jwt_verifier_init(verifier, cfg, error, sizeof error))
		fuzz_fail(__FILE__, __LINE__, error);
}

/* The verifiers and keys, made once and kept for the whole run. */
static const struct keys *keys_get(void)
{
	static struct keys keys;
	static bool made;
	if (made)
		return &keys;
	EVP_PKEY *rsa = EVP_RSA_gen(2048);
	EVP_PKEY *ec = EVP_EC_gen("P-256");
	FUZZ_CHECK(rsa && ec);
	char *rsa_public = pem_text(rsa, false);
	char *ec_public = pem_text(ec, false);
	keys.ec_private_pem = pem_text(ec, true);
	verifier_init(&keys.hs256, &(struct config){.jwt_secret = SECRET,
						    .jwt_issuer = ISSUER,
						    .jwt_audience = AUDIENCE});
	verifier_init(&keys.rs256, &(struct config){.jwt_public_key = rsa_public});
	verifier_init(&keys.es256, &(struct config){.jwt_public_key = ec_public});
	free(rsa_public);
	free(ec_public);
	EVP_PKEY_free(rsa);
	EVP_PKEY_free(ec);
	made = true;
	return &keys;
}

static void verify(const struct jwt_verifier *verifier, const char *token)
{
	struct principal caller;
	memset(&caller, 0xa5, sizeof caller);
	enum jwt_verdict verdict = jwt_verify(verifier, token, NOW, &caller);
	FUZZ_CHECK(jwt_verdict_text(verdict));
	if (verdict != JWT_VALID)
		return;
	FUZZ_CHECK(caller.subject[0] && strlen(caller.subject) <= PRINCIPAL_SUBJECT_MAX);
	enum role role;
	FUZZ_CHECK(role_parse(role_name(caller.role), &role) && role == caller.role);
	FUZZ_CHECK(caller.has_organization ? uuid_is_valid(caller.organization_id)
					   : caller.role == ROLE_ADMIN);
}

/* claims signed by libjwt with alg and key, or NULL when libjwt refuses the claims. */
static char *sign(jwt_alg_t alg, const char *key, const char *claims)
{
	jwt_t *jwt = NULL;
	FUZZ_CHECK(jwt_new(&jwt) == 0);
	FUZZ_CHECK(jwt_set_alg(jwt, alg, (const unsigned char *)key, (int)strlen(key)) == 0);
	char *token = jwt_add_grants_json(jwt, claims) == 0 ? jwt_encode_str(jwt) : NULL;
	jwt_free(jwt);
	return token;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	const struct keys *keys = keys_get();
	char *text = fuzz_text(data + 1, size - 1);
	char *token = NULL;
	switch (data[0] % 3) {
	case 0:
		verify(&keys->hs256, text);
		verify(&keys->rs256, text);
		verify(&keys->es256, text);
		break;
	case 1:
		token = sign(JWT_ALG_HS256, SECRET, text);
		if (token)
			verify(&keys->hs256, token);
		break;
	case 2:
		token = sign(JWT_ALG_ES256, keys->ec_private_pem, text);
		if (token)
			verify(&keys->es256, token);
		break;
	}
	free(token);
	free(text);
	return 0;
}
