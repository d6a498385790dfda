/* The test proxy's reading of a PostgreSQL server's messages (tests/support/pg_wire.c):
 * the fault it plays must land exactly after the COMMIT's CommandComplete, however the
 * bytes arrive. */
#include <criterion/criterion.h>
#include <string.h>

#include "pg_wire.h"

/* A refused SSLRequest, AuthenticationOk, a DataRow holding the text "COMMIT", the
 * CommandComplete of an INSERT and of a COMMIT, then ReadyForQuery. */
static const char STREAM_TEXT[] = "N"
				  "R\0\0\0\x08\0\0\0\0"
				  "D\0\0\0\x10\0\x01\0\0\0\x06"
				  "COMMIT"
				  "C\0\0\0\x0f"
				  "INSERT 0 1\0"
				  "C\0\0\0\x0b"
				  "COMMIT\0"
				  "Z\0\0\0\x05"
				  "I";
#define STREAM	    ((const unsigned char *)STREAM_TEXT)
#define STREAM_SIZE (sizeof STREAM_TEXT - 1) /* less the literal's own NUL */
/* Where the COMMIT's CommandComplete ends: before the ReadyForQuery. */
#define COMMIT_END  (STREAM_SIZE - 6)

Test(pg_wire, finds_the_end_of_a_commit_read_at_once)
{
	struct pg_wire wire = {0};
	cr_expect_eq(pg_wire_find_commit(&wire, STREAM, STREAM_SIZE), COMMIT_END);
}

Test(pg_wire, finds_it_however_the_bytes_are_split)
{
	for (size_t split = 1; split < STREAM_SIZE; split++) {
		struct pg_wire wire = {0};
		size_t first = pg_wire_find_commit(&wire, STREAM, split);
		size_t found = first ? first
				     : split + pg_wire_find_commit(&wire, STREAM + split,
								   STREAM_SIZE - split);
		cr_expect_eq(found, COMMIT_END, "split after %zu bytes", split);
	}
	struct pg_wire wire = {0};
	size_t found = 0;
	for (size_t i = 0; i < STREAM_SIZE && !found; i++) {
		if (pg_wire_find_commit(&wire, STREAM + i, 1))
			found = i + 1;
	}
	cr_expect_eq(found, COMMIT_END, "a byte at a time");
}

Test(pg_wire, says_what_a_backend_says_as_the_server_shuts_down)
{
	unsigned char message[128];
	size_t length = pg_wire_admin_shutdown(message, sizeof message);
	cr_assert_gt(length, 5);
	cr_expect_eq(message[0], 'E');
	size_t declared = (size_t)message[1] << 24 | (size_t)message[2] << 16 |
			  (size_t)message[3] << 8 | message[4];
	cr_expect_eq(declared, length - 1, "the length counts itself, not the type");
	cr_expect(memmem(message, length, "C57P01", sizeof "C57P01"), "SQLSTATE 57P01");
	cr_expect_eq(message[length - 1], '\0', "the fields end with a zero byte");
	cr_expect_eq(pg_wire_admin_shutdown(message, 8), 0, "too small a buffer is refused");
}
