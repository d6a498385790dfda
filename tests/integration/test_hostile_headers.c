/* Hostile headers (forged tokens, request ids, preconditions) for every route
 * (tests/integration/hostile_sweep.h). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hostile_sweep.h"
#include "keys.h"

/* Sends the call with one more header block; valid says whether the body may pass. */
static struct http_response *header_probe_keep(struct sweep *sweep, const struct call *call,
					       const char *variant, const char *headers, bool valid,
					       long expect)
{
	struct raw raw = call_raw(call, NULL, valid);
	raw.headers = headers;
	return probe_keep(sweep, variant, &raw, expect);
}

static void header_probe(struct sweep *sweep, const struct call *call, const char *variant,
			 const char *headers, bool valid, long expect)
{
	http_response_free(header_probe_keep(sweep, call, variant, headers, valid, expect));
}

/* Sends the call with Authorization: value instead of its token. */
static void authorization_probe(struct sweep *sweep, const struct call *call, const char *variant,
				const char *value, long expect)
{
	char *header = NULL;
	size_t size = 0;
	FILE *out = open_memstream(&header, &size);
	fprintf(out, "Authorization: %s\r\n", value);
	fclose(out);
	struct raw raw = call_raw(call, NULL, expect == 401);
	raw.token = NULL;
	raw.headers = header;
	probe(sweep, variant, &raw, expect);
	free(header);
}

/* The response's X-Request-Id must be safe to log: 1..128 of A-Za-z0-9._:- */
static void check_request_id(struct sweep *sweep, const char *variant,
			     const struct http_response *response)
{
	if (!response)
		return;
	char *id = http_header(response, "X-Request-Id");
	size_t length = id ? strlen(id) : 0;
	bool safe =
		length > 0 && length <= 128 &&
		strspn(id, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._:-") ==
			length;
	if (!safe)
		sweep_fail(sweep, variant, "X-Request-Id answered as \"%.200s\"", id ? id : "");
	char *injected = http_header(response, "X-Injected");
	if (injected)
		sweep_fail(sweep, variant, "the response carries X-Injected: %s", injected);
	free(injected);
	free(id);
}

static void header_variants(struct sweep *sweep, const struct call *call, bool strict,
			    const struct world *world)
{
	(void)world;
	const struct route *route = call->route;
	bool public = route->roles == 0;
	char *long_value = repeated('a', 8 * 1024);
	char long_header[9 * 1024];
	if (!strict) {
		/* Headers a route ignores, or may honour: never a 5xx, and a request id
		 * that is safe to log. */
		const struct {
			const char *variant, *headers;
		} LENIENT[] = {
			{"X-Request-Id with CRLF", "X-Request-Id: abc\r\nX-Injected: 1\r\n"},
			{"X-Request-Id with a folded line",
			 "X-Request-Id: abc\r\n X-Injected: 1\r\n"},
			{"X-Request-Id with spaces and quotes", "X-Request-Id: a b\"c<script>\r\n"},
			{"X-Request-Id in UTF-8", "X-Request-Id: \xc3\xa9t\xc3\xa9\r\n"},
			{"X-Request-Id in invalid UTF-8", "X-Request-Id: \xc3\x28\xff\r\n"},
			{"X-Request-Id empty", "X-Request-Id:\r\n"},
			{"two X-Request-Ids", "X-Request-Id: a\r\nX-Request-Id: b\r\n"},
			{"If-None-Match garbage", "If-None-Match: garbage\r\n"},
			{"If-None-Match *", "If-None-Match: *\r\n"},
			{"If-None-Match: W/\"1\"", "If-None-Match: W/\"1\"\r\n"},
			{"If-None-Match: \"-1\", \"99999999999999999999\"",
			 "If-None-Match: \"-1\", \"99999999999999999999\"\r\n"},
			{"Accept: application/xml", "Accept: application/xml\r\n"},
			{"Accept-Encoding: gzip", "Accept-Encoding: gzip, br\r\n"},
			{"Cookie junk", "Cookie: session=\x01\x02; a\r\n"},
			{"Origin evil", "Origin: https://evil.example\r\n"},
			{"X-Forwarded-For junk", "X-Forwarded-For: ' OR 1=1 --\r\n"},
			{"Range", "Range: bytes=0-1\r\n"},
			{"Expect: 100-continue", "Expect: 100-continue\r\n"},
		};
		for (size_t i = 0; i < sizeof LENIENT / sizeof LENIENT[0]; i++) {
			struct http_response *response =
				header_probe_keep(sweep, call, LENIENT[i].variant,
						  LENIENT[i].headers, false, EXPECT_ANSWER);
			check_request_id(sweep, LENIENT[i].variant, response);
			http_response_free(response);
		}
		snprintf(long_header, sizeof long_header, "X-Request-Id: %.1024s\r\n", long_value);
		struct http_response *response = header_probe_keep(
			sweep, call, "X-Request-Id of 1 KB", long_header, false, EXPECT_ANSWER);
		check_request_id(sweep, "X-Request-Id of 1 KB", response);
		http_response_free(response);
		if (!honours_if_match(route)) {
			header_probe(sweep, call, "If-Match garbage where not honoured",
				     "If-Match: garbage\r\n", false, EXPECT_ANSWER);
		} else {
			header_probe(sweep, call, "If-Match: *", "If-Match: *\r\n", true,
				     EXPECT_ANSWER);
		}
		if (!public) {
			char lowercase[8192];
			snprintf(lowercase, sizeof lowercase, "bearer %s", call->token);
			authorization_probe(sweep, call, "lower-case bearer", lowercase,
					    EXPECT_ANSWER);
		}
		snprintf(long_header, sizeof long_header, "X-Hostile: %s\r\n", long_value);
		header_probe(sweep, call, "a header of 8 KB", long_header, false, EXPECT_ANSWER);
		free(long_value);
		return;
	}
	char *huge_value = repeated('h', 200 * 1024);
	char *huge_header = NULL;
	size_t huge_size = 0;
	FILE *out = open_memstream(&huge_header, &huge_size);
	fprintf(out, "X-Hostile: %s\r\n", huge_value);
	fclose(out);
	header_probe(sweep, call, "a header of 200 KB", huge_header, false, EXPECT_PROTOCOL);
	free(huge_header);
	free(huge_value);
	if (honours_if_match(route)) {
		/* If-Match must hold the current ETag; a patch that changes nothing still
		 * checks it. An action's resource is its path less the action. */
		char weak[64], list[96], resource[256];
		snprintf(resource, sizeof resource, "%s", call->path);
		if (!is_patch(route))
			*strrchr(resource, '/') = '\0';
		struct http_response *current = http_get(resource, call->token);
		char *etag = http_header(current, "ETag");
		cr_assert(etag, "GET %s sends no ETag", resource);
		snprintf(weak, sizeof weak, "If-Match: W/%s\r\n", etag);
		snprintf(list, sizeof list, "If-Match: \"0\", W/%s\r\n", etag);
		free(etag);
		http_response_free(current);
		snprintf(long_header, sizeof long_header, "If-Match: \"%s\"\r\n", long_value);
		const struct {
			const char *variant, *headers;
		} IF_MATCH[] = {
			{"If-Match garbage", "If-Match: garbage\r\n"},
			{"If-Match weak ETag", weak},
			{"If-Match weak and a wrong ETag", list},
			{"If-Match empty", "If-Match:\r\n"},
			{"If-Match \"\"", "If-Match: \"\"\r\n"},
			{"If-Match huge number", "If-Match: \"99999999999999999999999\"\r\n"},
			{"If-Match -1", "If-Match: \"-1\"\r\n"},
			{"If-Match * and a wrong ETag", "If-Match: *, \"0\"\r\n"},
			{"If-Match 8 KB", long_header},
			{"If-Match with a control character", "If-Match: \"1\x01\"\r\n"},
		};
		for (size_t i = 0; i < sizeof IF_MATCH / sizeof IF_MATCH[0]; i++)
			header_probe(sweep, call, IF_MATCH[i].variant, IF_MATCH[i].headers, true,
				     412);
	}
	/* Every POST takes an Idempotency-Key, so every one refuses a malformed key. */
	if (strcmp(route->method, "POST") == 0) {
		char *key = repeated('k', 300);
		char long_key[400];
		snprintf(long_key, sizeof long_key, "Idempotency-Key: %s\r\n", key);
		free(key);
		const struct {
			const char *variant, *headers;
		} KEYS[] = {
			{"Idempotency-Key empty", "Idempotency-Key:\r\n"},
			{"Idempotency-Key of 300 characters", long_key},
			{"Idempotency-Key with a control character", "Idempotency-Key: a\x01z\r\n"},
			{"Idempotency-Key with DEL", "Idempotency-Key: a\x7fz\r\n"},
			{"Idempotency-Key in UTF-8", "Idempotency-Key: \xd0\xba\xd0\xbb\r\n"},
			{"Idempotency-Key in invalid UTF-8", "Idempotency-Key: \xc3\x28\r\n"},
		};
		for (size_t i = 0; i < sizeof KEYS / sizeof KEYS[0]; i++)
			header_probe(sweep, call, KEYS[i].variant, KEYS[i].headers, true, 400);
	}
	if (public) {
		free(long_value);
		return;
	}
	char *huge_token = repeated('A', 20 * 1024);
	char twenty_kb[21 * 1024], two_tokens[8192], tampered[8192];
	snprintf(twenty_kb, sizeof twenty_kb, "Bearer %s", huge_token);
	snprintf(two_tokens, sizeof two_tokens, "Bearer %s %s", call->token, call->token);
	snprintf(tampered, sizeof tampered, "Bearer %sA", call->token);
	char *forged = test_unsigned_token("{\"sub\":\"x\",\"role\":\"admin\",\"exp\":4102444800}");
	char none[8192];
	snprintf(none, sizeof none, "Bearer %s", forged);
	free(forged);
	const struct {
		const char *variant, *value;
	} AUTH[] = {
		{"Bearer and nothing", "Bearer "},
		{"Bearer alone", "Bearer"},
		{"Bearer and spaces", "Bearer    "},
		{"two tokens", two_tokens},
		{"a 20 KB token", twenty_kb},
		{"a tampered signature", tampered},
		{"alg none as admin", none},
		{"Basic", "Basic dXNlcjpwYXNz"},
		{"a token of dots", "Bearer .."},
		{"a token of control characters", "Bearer \x01\x02.\x03.\x04"},
		{"a token in invalid UTF-8", "Bearer \xc3\x28.\xff.\xfe"},
	};
	for (size_t i = 0; i < sizeof AUTH / sizeof AUTH[0]; i++)
		authorization_probe(sweep, call, AUTH[i].variant, AUTH[i].value, 401);
	header_probe(sweep, call, "a second Authorization header",
		     "Authorization: Bearer garbage\r\n", true, 401);
	free(huge_token);
	free(long_value);
}

Test(hostile_requests, headers)
{
	sweep_in_new_world(header_variants, "headers", NULL, false);
}
