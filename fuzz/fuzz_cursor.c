/* The list cursor (service/pagination.c): the input is a ?cursor= value. The promises: a
 * cursor decodes only to a position in range and a lower-case UUID, encoding what was
 * decoded and decoding it again gives the same, and page_request_parse agrees with
 * cursor_decode. */
#include "fuzz.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pagination.h"
#include "uuid.h"

static void check_round_trip(const struct page_cursor *cursor)
{
	char *text = cursor_encode(cursor);
	FUZZ_CHECK(text);
	struct page_cursor again;
	FUZZ_CHECK(cursor_decode(text, &again));
	FUZZ_CHECK(again.position == cursor->position && strcmp(again.id, cursor->id) == 0);
	free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_text(data, size);
	struct page_cursor cursor;
	bool decoded = cursor_decode(text, &cursor);
	if (decoded) {
		FUZZ_CHECK(cursor.position >= 0 && uuid_is_valid(cursor.id));
		for (const char *c = cursor.id; *c; c++)
			FUZZ_CHECK(*c < 'A' || *c > 'F');
		check_round_trip(&cursor);
	}
	struct page_request page;
	char error[160] = "";
	bool parsed = page_request_parse(NULL, text, NULL, &page, error, sizeof error);
	FUZZ_CHECK(parsed == decoded);
	FUZZ_CHECK(parsed ? page.has_cursor && page.limit == PAGE_LIMIT_DEFAULT : error[0] != '\0');
	if (parsed) {
		char position[24];
		snprintf(position, sizeof position, "%lld", cursor.position);
		FUZZ_CHECK(strcmp(page.position_text, position) == 0);
	}
	free(text);
	return 0;
}
