/* BCP 47 language tags, as far as peerd needs them: well-formed, compared without case. */
#pragma once

#include <stdbool.h>

/* The longest tag peerd stores. */
#define LANGUAGE_TAG_MAX 35

/* True for a language of 2 or 3 letters followed by subtags of 1 to 8 letters or digits,
 * each after a hyphen ("en", "es-MX", "zh-Hant-TW", "ase"), at most LANGUAGE_TAG_MAX long.
 * sql/003_specialists.sql checks the same shape. */
bool language_tag_is_valid(const char *tag);
