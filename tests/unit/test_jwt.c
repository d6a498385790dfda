#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "config.h"
#include "jwt_auth.h"
#include "keys.h"

#define SECRET "unit-test-secret-0123456789abcdef0123"
#define ORG    "11111111-1111-4111-8111-111111111111"
#define NOW    1800000000L

static void make_verifier(struct jwt_verifier *verifier, const char *secret, const char *pem,
			  const char *issuer, const char *audience)
{
	struct config cfg = {.jwt_secret = (char *)secret,
			     .jwt_public_key = (char *)pem,
			     .jwt_issuer = (char *)issuer,
			     .jwt_audience = (char *)audience};
	char error[256] = "";
	cr_assert(jwt_verifier_init(verifier, &cfg, error, sizeof error), "%s", error);
}

static enum jwt_verdict verify_hs256(const char *claims, struct principal *caller)
{
	struct jwt_verifier verifier;
	make_verifier(&verifier, SECRET, NULL, NULL, NULL);
	char *token = test_sign(JWT_ALG_HS256, SECRET, claims);
	enum jwt_verdict verdict = jwt_verify(&verifier, token, NOW, caller);
	free(token);
	jwt_verifier_free(&verifier);
	return verdict;
}

Test(jwt, valid_hs256_token_gives_the_caller)
{
	struct principal caller;
	enum jwt_verdict verdict = verify_hs256(
		"{\"sub\":\"ana\",\"role\":\"supervisor\",\"org\":\"" ORG "\",\"exp\":1800000600}",
		&caller);
	cr_assert_eq(verdict, JWT_VALID, "%s", jwt_verdict_text(verdict));
	cr_assert_str_eq(caller.subject, "ana");
	cr_assert_eq(caller.role, ROLE_SUPERVISOR);
	cr_assert(caller.has_organization);
	cr_assert_str_eq(caller.organization_id, ORG);
}

/* Inline text: Criterion runs each case in a re-executed process. */
struct claims_case {
	char claims[128];
	enum jwt_verdict expected;
};

ParameterizedTestParameters(jwt, claims_are_checked)
{
	static struct claims_case cases[] = {
		/* expired: exp is past beyond the leeway */
		{"{\"sub\":\"a\",\"role\":\"admin\",\"exp\":1799999900}", JWT_EXPIRED},
		/* within the leeway it still passes */
		{"{\"sub\":\"a\",\"role\":\"admin\",\"exp\":1799999990}", JWT_VALID},
		/* not yet valid */
		{"{\"sub\":\"a\",\"role\":\"admin\",\"exp\":1800000600,\"nbf\":1800000300}",
		 JWT_NOT_YET_VALID},
		{"{\"sub\":\"a\",\"role\":\"admin\",\"exp\":1800000600,\"nbf\":1799999000}",
		 JWT_VALID},
		/* exp is required */
		{"{\"sub\":\"a\",\"role\":\"admin\"}", JWT_MISSING_EXPIRY},
		{"{\"sub\":\"a\",\"role\":\"admin\",\"exp\":\"soon\"}", JWT_MISSING_EXPIRY},
		/* org is required for every role but admin */
		{"{\"sub\":\"a\",\"role\":\"specialist\",\"exp\":1800000600}", JWT_BAD_CLAIMS},
		{"{\"sub\":\"a\",\"role\":\"partner\",\"org\":\"not-a-uuid\",\"exp\":1800000600}",
		 JWT_BAD_CLAIMS},
		{"{\"sub\":\"a\",\"role\":\"admin\",\"exp\":1800000600}", JWT_VALID},
		/* role and sub */
		{"{\"sub\":\"a\",\"role\":\"root\",\"org\":\"" ORG "\",\"exp\":1800000600}",
		 JWT_BAD_CLAIMS},
		{"{\"role\":\"admin\",\"exp\":1800000600}", JWT_BAD_CLAIMS},
		{"{\"sub\":\"\",\"role\":\"admin\",\"exp\":1800000600}", JWT_BAD_CLAIMS},
	};
	return cr_make_param_array(struct claims_case, cases, sizeof cases / sizeof cases[0]);
}

ParameterizedTest(struct claims_case *c, jwt, claims_are_checked)
{
	struct principal caller;
	enum jwt_verdict verdict = verify_hs256(c->claims, &caller);
	cr_assert_eq(verdict, c->expected, "%s: got \"%s\"", c->claims, jwt_verdict_text(verdict));
}

Test(jwt, issuer_and_audience)
{
	struct jwt_verifier verifier;
	make_verifier(&verifier, SECRET, NULL, "https://id.example.org", "peerd");
	struct principal caller;
	struct {
		const char *claims;
		enum jwt_verdict expected;
	} cases[] = {
		{"{\"sub\":\"a\",\"role\":\"admin\",\"exp\":1800000600,\"iss\":\"https://"
		 "id.example.org\","
		 "\"aud\":\"peerd\"}",
		 JWT_VALID},
		{"{\"sub\":\"a\",\"role\":\"admin\",\"exp\":1800000600,\"iss\":\"https://"
		 "id.example.org\","
		 "\"aud\":[\"other\",\"peerd\"]}",
		 JWT_VALID},
		{"{\"sub\":\"a\",\"role\":\"admin\",\"exp\":1800000600,\"iss\":\"https://"
		 "evil.example\","
		 "\"aud\":\"peerd\"}",
		 JWT_WRONG_ISSUER},
		{"{\"sub\":\"a\",\"role\":\"admin\",\"exp\":1800000600,\"aud\":\"peerd\"}",
		 JWT_WRONG_ISSUER},
		{"{\"sub\":\"a\",\"role\":\"admin\",\"exp\":1800000600,\"iss\":\"https://"
		 "id.example.org\","
		 "\"aud\":\"billing\"}",
		 JWT_WRONG_AUDIENCE},
		{"{\"sub\":\"a\",\"role\":\"admin\",\"exp\":1800000600,\"iss\":\"https://"
		 "id.example.org\","
		 "\"aud\":[\"billing\"]}",
		 JWT_WRONG_AUDIENCE},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char *token = test_sign(JWT_ALG_HS256, SECRET, cases[i].claims);
		enum jwt_verdict verdict = jwt_verify(&verifier, token, NOW, &caller);
		cr_expect_eq(verdict, cases[i].expected, "%s: got \"%s\"", cases[i].claims,
			     jwt_verdict_text(verdict));
		free(token);
	}
	jwt_verifier_free(&verifier);
}

#define GOOD_CLAIMS "{\"sub\":\"a\",\"role\":\"admin\",\"exp\":1800000600}"

/* What verifier says of GOOD_CLAIMS signed with alg and key, now. */
static enum jwt_verdict verdict_on(const struct jwt_verifier *verifier, jwt_alg_t alg,
				   const char *key)
{
	char *token = test_sign(alg, key, GOOD_CLAIMS);
	struct principal caller;
	enum jwt_verdict verdict = jwt_verify(verifier, token, NOW, &caller);
	free(token);
	return verdict;
}

/* What a verifier keyed with SECRET says of token, now. */
static enum jwt_verdict secret_verdict_on(const char *token)
{
	struct jwt_verifier verifier;
	make_verifier(&verifier, SECRET, NULL, NULL, NULL);
	struct principal caller;
	enum jwt_verdict verdict = jwt_verify(&verifier, token, NOW, &caller);
	jwt_verifier_free(&verifier);
	return verdict;
}

Test(jwt, tampered_signature_is_refused)
{
	char *token = test_sign(JWT_ALG_HS256, SECRET, GOOD_CLAIMS);
	char *last = token + strlen(token) - 2;
	*last = *last == 'A' ? 'B' : 'A';
	cr_assert_eq(secret_verdict_on(token), JWT_BAD_SIGNATURE);
	free(token);
}

Test(jwt, tampered_claims_are_refused)
{
	char *token = test_sign(JWT_ALG_HS256, SECRET,
				"{\"sub\":\"a\",\"role\":\"partner\",\"org\":\"" ORG
				"\",\"exp\":1800000600}");
	/* Swap in a body claiming admin, keeping the partner's signature. */
	char *forged = test_unsigned_token(GOOD_CLAIMS);
	char *first_dot = strchr(token, '.');
	char *second_dot = strchr(first_dot + 1, '.');
	char *forged_body = strchr(forged, '.') + 1;
	*strchr(forged_body, '.') = '\0';
	char spliced[2048];
	snprintf(spliced, sizeof spliced, "%.*s.%s%s", (int)(first_dot - token), token, forged_body,
		 second_dot);
	cr_assert_eq(secret_verdict_on(spliced), JWT_BAD_SIGNATURE);
	free(token);
	free(forged);
}

Test(jwt, alg_none_is_always_refused)
{
	char *token = test_unsigned_token(GOOD_CLAIMS);
	cr_assert_eq(secret_verdict_on(token), JWT_ALGORITHM_REFUSED);
	free(token);
}

Test(jwt, malformed_tokens)
{
	const char *tokens[] = {"",
				"abc",
				"a.b",
				"a.b.c.d",
				"!!!.b.c",
				"e30.e30.sig",
				"eyJhbGciOiJIUzI1NiJ9",
				"bm90IGpzb24.e30.c2ln"};
	for (size_t i = 0; i < sizeof tokens / sizeof tokens[0]; i++) {
		enum jwt_verdict verdict = secret_verdict_on(tokens[i]);
		cr_expect(verdict == JWT_MALFORMED, "\"%s\" gave \"%s\"", tokens[i],
			  jwt_verdict_text(verdict));
	}
}

Test(jwt, rs256_accepted_with_its_public_key)
{
	struct test_key key;
	test_key_rsa(&key);
	struct jwt_verifier verifier;
	make_verifier(&verifier, NULL, key.public_pem, NULL, NULL);
	cr_assert_eq(verifier.accepted, JWT_ACCEPT_RS256);
	cr_assert_eq(verdict_on(&verifier, JWT_ALG_RS256, key.private_pem), JWT_VALID);
	jwt_verifier_free(&verifier);
	test_key_free(&key);
}

Test(jwt, hs256_token_keyed_with_the_rsa_public_key_is_refused)
{
	struct test_key key;
	test_key_rsa(&key);
	struct jwt_verifier verifier;
	make_verifier(&verifier, NULL, key.public_pem, NULL, NULL);
	/* The classic confusion attack: HMAC keyed with the public key everyone can read. */
	cr_assert_eq(verdict_on(&verifier, JWT_ALG_HS256, key.public_pem), JWT_ALGORITHM_REFUSED);
	jwt_verifier_free(&verifier);
	test_key_free(&key);
}

Test(jwt, es256_accepted_and_rs256_refused_with_an_ec_key)
{
	struct test_key ec, rsa;
	test_key_ec(&ec);
	test_key_rsa(&rsa);
	struct jwt_verifier verifier;
	make_verifier(&verifier, NULL, ec.public_pem, NULL, NULL);
	cr_assert_eq(verifier.accepted, JWT_ACCEPT_ES256);
	cr_assert_eq(verdict_on(&verifier, JWT_ALG_ES256, ec.private_pem), JWT_VALID);
	cr_assert_eq(verdict_on(&verifier, JWT_ALG_RS256, rsa.private_pem), JWT_ALGORITHM_REFUSED);
	jwt_verifier_free(&verifier);
	test_key_free(&ec);
	test_key_free(&rsa);
}

Test(jwt, rs256_signed_by_another_key_is_refused)
{
	struct test_key mine, theirs;
	test_key_rsa(&mine);
	test_key_rsa(&theirs);
	struct jwt_verifier verifier;
	make_verifier(&verifier, NULL, mine.public_pem, NULL, NULL);
	cr_assert_eq(verdict_on(&verifier, JWT_ALG_RS256, theirs.private_pem), JWT_BAD_SIGNATURE);
	jwt_verifier_free(&verifier);
	test_key_free(&mine);
	test_key_free(&theirs);
}

/* A rotation: the issuer moves from one key to the next (here RSA to EC) while tokens of
 * both are in use; a third key is still a stranger. */
Test(jwt, both_keys_of_a_rotation_are_accepted)
{
	struct test_key current, next, stranger;
	test_key_rsa(&current);
	test_key_ec(&next);
	test_key_ec(&stranger);
	struct config cfg = {.jwt_public_key = current.public_pem,
			     .jwt_public_key_next = next.public_pem};
	struct jwt_verifier verifier;
	char error[256] = "";
	cr_assert(jwt_verifier_init(&verifier, &cfg, error, sizeof error), "%s", error);
	cr_assert_eq(verifier.accepted, JWT_ACCEPT_RS256 | JWT_ACCEPT_ES256);
	const struct {
		jwt_alg_t alg;
		const char *private_pem;
		enum jwt_verdict expected;
	} CASES[] = {
		{JWT_ALG_RS256, current.private_pem, JWT_VALID},
		{JWT_ALG_ES256, next.private_pem, JWT_VALID},
		{JWT_ALG_ES256, stranger.private_pem, JWT_BAD_SIGNATURE},
		{JWT_ALG_HS256, SECRET, JWT_ALGORITHM_REFUSED},
	};
	for (size_t i = 0; i < sizeof CASES / sizeof CASES[0]; i++) {
		cr_expect_eq(verdict_on(&verifier, CASES[i].alg, CASES[i].private_pem),
			     CASES[i].expected, "case %zu", i);
	}
	jwt_verifier_free(&verifier);
	test_key_free(&current);
	test_key_free(&next);
	test_key_free(&stranger);
}

Test(jwt, two_keys_of_one_kind_during_a_rotation)
{
	struct test_key current, next;
	test_key_ec(&current);
	test_key_ec(&next);
	struct jwt_verifier verifier;
	struct config cfg = {.jwt_public_key = current.public_pem,
			     .jwt_public_key_next = next.public_pem};
	char error[256] = "";
	cr_assert(jwt_verifier_init(&verifier, &cfg, error, sizeof error), "%s", error);
	for (int which = 0; which < 2; which++) {
		const char *key = which ? next.private_pem : current.private_pem;
		cr_expect_eq(verdict_on(&verifier, JWT_ALG_ES256, key), JWT_VALID, "key %d", which);
	}
	jwt_verifier_free(&verifier);
	test_key_free(&current);
	test_key_free(&next);
}

Test(jwt, unusable_next_key_is_named)
{
	struct test_key current;
	test_key_rsa(&current);
	struct config cfg = {
		.jwt_public_key = current.public_pem,
		.jwt_public_key_next =
			"-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n"};
	struct jwt_verifier verifier;
	char error[256] = "";
	cr_assert_not(jwt_verifier_init(&verifier, &cfg, error, sizeof error));
	cr_assert(strstr(error, "PEERD_JWT_PUBLIC_KEY_NEXT"), "%s", error);
	jwt_verifier_free(&verifier);
	test_key_free(&current);
}

Test(jwt, hs256_refused_when_only_a_public_key_is_configured)
{
	struct test_key key;
	test_key_rsa(&key);
	struct jwt_verifier verifier;
	make_verifier(&verifier, NULL, key.public_pem, NULL, NULL);
	cr_assert_eq(verdict_on(&verifier, JWT_ALG_HS256, SECRET), JWT_ALGORITHM_REFUSED);
	jwt_verifier_free(&verifier);
	test_key_free(&key);
}

Test(jwt, unusable_public_key_stops_start_up)
{
	struct config cfg = {
		.jwt_public_key = "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n"};
	struct jwt_verifier verifier;
	char error[256] = "";
	cr_assert_not(jwt_verifier_init(&verifier, &cfg, error, sizeof error));
	cr_assert(strstr(error, "PEERD_JWT_PUBLIC_KEY"), "%s", error);
	jwt_verifier_free(&verifier);
}

Test(jwt, token_types)
{
	struct jwt_verifier verifier;
	make_verifier(&verifier, SECRET, NULL, NULL, NULL);
	struct principal caller;
	struct {
		const char *header;
		enum jwt_verdict expected;
	} cases[] = {
		{"{\"alg\":\"HS256\",\"typ\":\"JWT\"}", JWT_VALID},
		{"{\"alg\":\"HS256\",\"typ\":\"jwt\"}", JWT_VALID},
		{"{\"alg\":\"HS256\"}", JWT_VALID},
		{"{\"alg\":\"HS256\",\"typ\":\"at+jwt\"}", JWT_UNSUPPORTED_TYPE},
		{"{\"alg\":\"HS256\",\"typ\":7}", JWT_UNSUPPORTED_TYPE},
		{"{\"alg\":\"HS256\",\"alg\":\"none\"}", JWT_MALFORMED},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char *token = test_sign_hs256_with_header(SECRET, cases[i].header, GOOD_CLAIMS);
		enum jwt_verdict verdict = jwt_verify(&verifier, token, NOW, &caller);
		cr_expect_eq(verdict, cases[i].expected, "%s: got \"%s\"", cases[i].header,
			     jwt_verdict_text(verdict));
		free(token);
	}
	jwt_verifier_free(&verifier);
}

/* A token that verified is kept (service/token_cache.c); its time claims are checked
 * again at every use, so keeping it never stretches its life. */
Test(jwt, a_kept_token_still_expires_and_waits_for_nbf)
{
	struct jwt_verifier verifier;
	make_verifier(&verifier, SECRET, NULL, NULL, NULL);
	char *token = test_sign(
		JWT_ALG_HS256, SECRET,
		"{\"sub\":\"ana\",\"role\":\"admin\",\"exp\":1800000600,\"nbf\":1799999900}");
	struct principal caller;
	cr_assert_eq(jwt_verify(&verifier, token, NOW, &caller), JWT_VALID);
	cr_assert_eq(jwt_verify(&verifier, token, NOW, &caller), JWT_VALID);
	cr_assert_str_eq(caller.subject, "ana");
	cr_assert_eq(jwt_verify(&verifier, token, NOW + 600 + JWT_LEEWAY_SECONDS, &caller),
		     JWT_EXPIRED);
	cr_assert_eq(jwt_verify(&verifier, token, NOW - 100 - JWT_LEEWAY_SECONDS - 1, &caller),
		     JWT_NOT_YET_VALID);
	free(token);
	jwt_verifier_free(&verifier);
}

/* Only the exact bytes of a token that verified are trusted: one character changed is
 * verified afresh, and refused. */
Test(jwt, a_kept_token_vouches_for_nothing_that_differs)
{
	struct jwt_verifier verifier;
	make_verifier(&verifier, SECRET, NULL, NULL, NULL);
	char *token = test_sign(JWT_ALG_HS256, SECRET, GOOD_CLAIMS);
	struct principal caller;
	cr_assert_eq(jwt_verify(&verifier, token, NOW, &caller), JWT_VALID);
	size_t last = strlen(token) - 1;
	token[last] = token[last] == 'A' ? 'B' : 'A';
	cr_assert_eq(jwt_verify(&verifier, token, NOW, &caller), JWT_BAD_SIGNATURE);
	token[last] = '\0';
	cr_assert_eq(jwt_verify(&verifier, token, NOW, &caller), JWT_BAD_SIGNATURE);
	free(token);
	jwt_verifier_free(&verifier);
}

/* RFC 7515 §4.1.11: a recipient must refuse a token whose crit names an extension it does
 * not understand, and crit may not be empty. peerd understands none, so any crit is
 * refused, however well the token is signed. */
static void expect_critical_refused(const struct jwt_verifier *verifier, const char *token,
				    const char *what)
{
	struct principal caller;
	enum jwt_verdict verdict = jwt_verify(verifier, token, NOW, &caller);
	cr_expect_neq(verdict, JWT_VALID, "%s was accepted", what);
	cr_expect(strstr(jwt_verdict_text(verdict), "crit"), "%s: \"%s\"", what,
		  jwt_verdict_text(verdict));
}

Test(jwt, critical_extensions_are_refused_hs256)
{
	struct jwt_verifier verifier;
	make_verifier(&verifier, SECRET, NULL, NULL, NULL);
	const char *const headers[] = {
		"{\"alg\":\"HS256\",\"crit\":[\"x-unknown\"],\"x-unknown\":1}",
		"{\"alg\":\"HS256\",\"typ\":\"JWT\",\"crit\":[\"exp\"]}",
		"{\"alg\":\"HS256\",\"crit\":[]}",
		"{\"alg\":\"HS256\",\"crit\":\"x-unknown\"}",
		"{\"alg\":\"HS256\",\"crit\":null}",
	};
	for (size_t i = 0; i < sizeof headers / sizeof headers[0]; i++) {
		char *token = test_sign_hs256_with_header(SECRET, headers[i], GOOD_CLAIMS);
		expect_critical_refused(&verifier, token, headers[i]);
		free(token);
	}
	jwt_verifier_free(&verifier);
}

Test(jwt, critical_extensions_are_refused_rs256_and_es256)
{
	struct test_key keys[2];
	test_key_rsa(&keys[0]);
	test_key_ec(&keys[1]);
	const jwt_alg_t algorithms[] = {JWT_ALG_RS256, JWT_ALG_ES256};
	for (size_t i = 0; i < 2; i++) {
		struct jwt_verifier verifier;
		make_verifier(&verifier, NULL, keys[i].public_pem, NULL, NULL);
		char *plain = test_sign(algorithms[i], keys[i].private_pem, GOOD_CLAIMS);
		struct principal caller;
		cr_assert_eq(jwt_verify(&verifier, plain, NOW, &caller), JWT_VALID);
		char *critical = test_sign_with_headers(
			algorithms[i], keys[i].private_pem,
			"{\"crit\":[\"x-unknown\"],\"x-unknown\":true}", GOOD_CLAIMS);
		expect_critical_refused(&verifier, critical,
					i == 0 ? "RS256 with crit" : "ES256 with crit");
		free(critical);
		free(plain);
		jwt_verifier_free(&verifier);
		test_key_free(&keys[i]);
	}
}
