#include <criterion/criterion.h>

#include "etag.h"

Test(etag, format)
{
	char tag[32];
	etag_format(7, tag, sizeof tag);
	cr_assert_str_eq(tag, "\"7\"");
}

Test(etag, if_match_strong_comparison)
{
	cr_assert(etag_if_match_allows(NULL, 3), "no header: no precondition");
	cr_assert(etag_if_match_allows("\"3\"", 3));
	cr_assert(etag_if_match_allows("*", 3));
	cr_assert(etag_if_match_allows(" \"1\", \"3\" ", 3));
	cr_assert_not(etag_if_match_allows("\"2\"", 3));
	cr_assert_not(etag_if_match_allows("W/\"3\"", 3), "a weak tag never matches If-Match");
	cr_assert_not(etag_if_match_allows("\"33\"", 3));
	cr_assert_not(etag_if_match_allows("3", 3));
	cr_assert_not(etag_if_match_allows("", 3));
}

Test(etag, if_none_match_weak_comparison)
{
	cr_assert_not(etag_none_match_hits(NULL, 3));
	cr_assert(etag_none_match_hits("\"3\"", 3));
	cr_assert(etag_none_match_hits("W/\"3\"", 3));
	cr_assert(etag_none_match_hits("\"1\",W/\"3\"", 3));
	cr_assert(etag_none_match_hits("*", 3));
	cr_assert_not(etag_none_match_hits("\"4\"", 3));
}
