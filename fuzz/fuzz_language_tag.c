/* Language tags (rules/language_tag.c), as a participant's preferred_language, a
 * specialist's languages and the ?language= filter give them. The promises: a valid tag
 * is at most LANGUAGE_TAG_MAX long, made of letters, digits and hyphens only, starts with
 * a language of 2 or 3 letters, and stays valid in other case. */
#include "fuzz.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "language_tag.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *tag = fuzz_text(data, size);
	if (language_tag_is_valid(tag)) {
		size_t length = strlen(tag);
		FUZZ_CHECK(length >= 2 && length <= LANGUAGE_TAG_MAX);
		FUZZ_CHECK(isalpha((unsigned char)tag[0]) && isalpha((unsigned char)tag[1]));
		FUZZ_CHECK(tag[length - 1] != '-' && !strstr(tag, "--"));
		for (char *c = tag; *c; c++) {
			FUZZ_CHECK(isalnum((unsigned char)*c) || *c == '-');
			*c = (char)toupper((unsigned char)*c);
		}
		FUZZ_CHECK(language_tag_is_valid(tag));
	}
	free(tag);
	return 0;
}
