/* UUID text helpers. Entity ids are made by PostgreSQL; these serve request ids and the
 * validation of ids that clients send. */
#pragma once

#include <stdbool.h>

#define UUID_TEXT_SIZE 37 /* 36 characters and a NUL */

/* True when text is a canonical 8-4-4-4-12 hexadecimal UUID (either case). */
bool uuid_is_valid(const char *text);

/* Writes a random (version 4) UUID in lower case into out. Returns false only when the
 * kernel's random source fails. */
bool uuid_generate_v4(char out[UUID_TEXT_SIZE]);

/* Copies a valid UUID into out in lower case, the form PostgreSQL prints. */
void uuid_normalize(const char *text, char out[UUID_TEXT_SIZE]);
