/* Bearer tokens already verified. Every client sends the same token with each request
 * until it expires, and verifying it (base64, two JSON parses, an HMAC or an RSA or ECDSA
 * signature) was a quarter of peerd's instructions per request. An entry maps the exact
 * token text to what verifying it gave: the caller and its time claims, which are checked
 * again on every use. A token is never trusted for what it resembles, only for being the
 * same bytes as one whose signature verified. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "auth.h"

/* Tokens longer than this are verified every time rather than kept. */
#define TOKEN_CACHE_MAX_TOKEN 2048

struct token_cache;

/* A verified token's time claims: exp, and nbf when has_nbf. */
struct token_times {
	double exp;
	double nbf;
	bool has_nbf;
};

/* A cache of at most slots tokens; NULL when out of memory. Safe to share between
 * threads. */
struct token_cache *token_cache_new(size_t slots);

void token_cache_free(struct token_cache *cache);

/* When token was kept, copies its caller and time claims out and returns true. */
bool token_cache_find(struct token_cache *cache, const char *token, struct principal *caller,
		      struct token_times *times);

/* Keeps a token whose signature and claims verified, replacing whatever held its slot. */
void token_cache_keep(struct token_cache *cache, const char *token, const struct principal *caller,
		      const struct token_times *times);
