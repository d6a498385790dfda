/* Standard Webhooks signatures (https://www.standardwebhooks.com, API.md "Subscriptions"):
 * `v1,` + base64 of HMAC-SHA256 over "id.timestamp.body", keyed with the bytes the secret
 * `whsec_<base64>` encodes, so any of that specification's libraries verifies peerd. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "attributes.h"

/* The `webhook-signature` header's value for one message: a newly allocated string the
 * caller frees, or NULL when the secret is not `whsec_` + standard base64 (the prefix may
 * be left out) or memory runs out. */
MUST_CHECK char *webhook_signature(const char *secret, const char *id, long long timestamp,
				   const char *body, size_t body_size);

/* The same, with the key's bytes themselves (the secret decoded). */
MUST_CHECK char *webhook_signature_with_key(const unsigned char *key, size_t key_size,
					    const char *id, long long timestamp, const char *body,
					    size_t body_size);
