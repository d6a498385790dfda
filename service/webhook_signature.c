#include "webhook_signature.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SECRET_PREFIX	  "whsec_"
#define SIGNATURE_VERSION "v1,"
/* Longer secrets are not peerd's (it makes 32 bytes); the bound keeps the buffer fixed. */
#define MAX_KEY_BYTES	  128

/* Decodes standard base64 (with its padding) into key; the key's length, or -1 when the
 * text is not base64 or too long. */
static int decode_key(const char *text, unsigned char key[MAX_KEY_BYTES])
{
	size_t length = strlen(text);
	if (length == 0 || length % 4 != 0 || length / 4 * 3 > MAX_KEY_BYTES)
		return -1;
	int decoded = EVP_DecodeBlock(key, (const unsigned char *)text, (int)length);
	if (decoded < 0)
		return -1;
	/* EVP_DecodeBlock counts the padding's bytes as zeros: take them off. */
	for (size_t i = length; i > 0 && text[i - 1] == '='; i--)
		decoded--;
	return decoded;
}

char *webhook_signature(const char *secret, const char *id, long long timestamp, const char *body,
			size_t body_size)
{
	if (strncmp(secret, SECRET_PREFIX, strlen(SECRET_PREFIX)) == 0)
		secret += strlen(SECRET_PREFIX);
	unsigned char key[MAX_KEY_BYTES];
	int key_size = decode_key(secret, key);
	char *header = key_size > 0 ? webhook_signature_with_key(key, (size_t)key_size, id,
								 timestamp, body, body_size)
				    : NULL;
	OPENSSL_cleanse(key, sizeof key);
	return header;
}

char *webhook_signature_with_key(const unsigned char *key, size_t key_size, const char *id,
				 long long timestamp, const char *body, size_t body_size)
{
	char prefix[256];
	int prefix_size = snprintf(prefix, sizeof prefix, "%s.%lld.", id, timestamp);
	if (prefix_size < 0 || (size_t)prefix_size >= sizeof prefix)
		return NULL;
	/* The message signed is "id.timestamp." followed by the body as sent. */
	size_t message_size = (size_t)prefix_size + body_size;
	unsigned char *message = malloc(message_size);
	if (!message)
		return NULL;
	memcpy(message, prefix, (size_t)prefix_size);
	if (body_size)
		memcpy(message + prefix_size, body, body_size);
	unsigned char mac[EVP_MAX_MD_SIZE];
	unsigned int mac_size = 0;
	bool signed_ok = HMAC(EVP_sha256(), key, (int)key_size, message, message_size, mac,
			      &mac_size) != NULL;
	free(message);
	if (!signed_ok)
		return NULL;
	/* base64 of 32 bytes is 44 characters, and EVP_EncodeBlock adds a NUL. */
	char *header = malloc(strlen(SIGNATURE_VERSION) + 4 * ((mac_size + 2) / 3) + 1);
	if (!header)
		return NULL;
	strcpy(header, SIGNATURE_VERSION);
	EVP_EncodeBlock((unsigned char *)header + strlen(SIGNATURE_VERSION), mac, (int)mac_size);
	return header;
}
