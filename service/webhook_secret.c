#include "webhook_secret.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <string.h>

bool webhook_nonce_make(unsigned char nonce[WEBHOOK_NONCE_BYTES])
{
	return RAND_bytes(nonce, WEBHOOK_NONCE_BYTES) == 1;
}

bool webhook_key_derive(const char *server_key, const unsigned char nonce[WEBHOOK_NONCE_BYTES],
			unsigned char key[WEBHOOK_KEY_BYTES])
{
	unsigned length = 0;
	return HMAC(EVP_sha256(), server_key, (int)strlen(server_key), nonce, WEBHOOK_NONCE_BYTES,
		    key, &length) != NULL &&
	       length == WEBHOOK_KEY_BYTES;
}

void webhook_secret_text(const unsigned char key[WEBHOOK_KEY_BYTES],
			 char out[WEBHOOK_SECRET_TEXT_SIZE])
{
	memcpy(out, "whsec_", 6);
	EVP_EncodeBlock((unsigned char *)out + 6, key, WEBHOOK_KEY_BYTES);
}
