/* A subscription's signing secret (API.md "Subscriptions"): shown once, as "whsec_" and
 * the base64 of 32 bytes. Only a random nonce is stored; the key is
 * HMAC-SHA256(PEERD_WEBHOOK_KEY, nonce), so a dump of the database alone cannot sign a
 * webhook. The delivery worker derives it again from the same two. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#define WEBHOOK_NONCE_BYTES	 32
#define WEBHOOK_KEY_BYTES	 32
/* "whsec_", 44 base64 characters, a NUL */
#define WEBHOOK_SECRET_TEXT_SIZE 51

/* Fills nonce with random bytes; false when the random source fails. */
bool webhook_nonce_make(unsigned char nonce[WEBHOOK_NONCE_BYTES]);

/* The signing key of nonce under server_key (PEERD_WEBHOOK_KEY); false on failure. */
bool webhook_key_derive(const char *server_key, const unsigned char nonce[WEBHOOK_NONCE_BYTES],
			unsigned char key[WEBHOOK_KEY_BYTES]);

/* "whsec_" + base64(key), as the client is shown it. */
void webhook_secret_text(const unsigned char key[WEBHOOK_KEY_BYTES],
			 char out[WEBHOOK_SECRET_TEXT_SIZE]);
