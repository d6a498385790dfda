#include <criterion/criterion.h>

#include "language_tag.h"

Test(language_tag, accepts_common_tags)
{
	const char *good[] = {"en", "es", "es-MX", "zh-Hant-TW", "ase", "sgn-US", "en-US-x-twain",
			      "so", "vi", "hmn",   "es-419"};
	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
		cr_assert(language_tag_is_valid(good[i]), "%s", good[i]);
}

Test(language_tag, refuses_what_is_not_a_tag)
{
	const char *bad[] = {"",
			     "e",
			     "english",
			     "es_MX",
			     "es-",
			     "-es",
			     "es--MX",
			     "es-MX-",
			     "es MX",
			     "es-toolongsub",
			     "1e",
			     "é",
			     "en-US-abcdefgh-abcdefgh-abcdefgh-abcdefgh"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		cr_assert_not(language_tag_is_valid(bad[i]), "%s", bad[i]);
}
