#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "base64url.h"

Test(base64url, rfc4648_vectors)
{
	const char *plain[] = {"", "f", "fo", "foo", "foob", "fooba", "foobar"};
	const char *encoded[] = {"", "Zg", "Zm8", "Zm9v", "Zm9vYg", "Zm9vYmE", "Zm9vYmFy"};
	for (size_t i = 0; i < 7; i++) {
		char *text = base64url_encode((const unsigned char *)plain[i], strlen(plain[i]));
		cr_expect_str_eq(text, encoded[i]);
		size_t size = 0;
		unsigned char *back = base64url_decode(encoded[i], &size);
		cr_assert(back);
		cr_expect_eq(size, strlen(plain[i]));
		cr_expect_eq(memcmp(back, plain[i], size), 0);
		free(text);
		free(back);
	}
}

Test(base64url, url_alphabet)
{
	const unsigned char bytes[] = {0xfb, 0xff, 0xbf};
	char *text = base64url_encode(bytes, 3);
	cr_assert_str_eq(text, "-_-_");
	free(text);
}

Test(base64url, invalid_text)
{
	size_t size;
	const char *bad[] = {"Zg==", "Z", "Zh", "a+b/", "ab cd", "Zm9v!"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		cr_expect_null(base64url_decode(bad[i], &size), "%s", bad[i]);
}
