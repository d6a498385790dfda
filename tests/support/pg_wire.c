#include "pg_wire.h"

#include <string.h>

/* As `pg_ctl stop -m fast` makes each backend say before it closes its connection. */
static const char ADMIN_SHUTDOWN_FIELDS[] =
	"SFATAL\0VFATAL\0C57P01\0Mterminating connection due to administrator command\0";

/* Reads one byte; true when it ends a CommandComplete tagged COMMIT. */
static bool read_byte(struct pg_wire *wire, unsigned char byte)
{
	/* Before its first message the server answers an SSLRequest or a GSSENCRequest with
	 * one byte; 'N' (refused) is never the type of the first message ('R' or 'E'). */
	if (!wire->begun && byte == 'N')
		return false;
	wire->begun = true;
	if (wire->header_seen < sizeof wire->header) {
		wire->header[wire->header_seen++] = byte;
		if (wire->header_seen < sizeof wire->header)
			return false;
		uint32_t length = (uint32_t)wire->header[1] << 24 |
				  (uint32_t)wire->header[2] << 16 | (uint32_t)wire->header[3] << 8 |
				  wire->header[4];
		wire->body_left = length > 4 ? length - 4 : 0;
		wire->tag_seen = 0;
		if (wire->body_left == 0)
			wire->header_seen = 0;
		return false;
	}
	if (wire->header[0] == 'C' && wire->tag_seen < sizeof wire->tag)
		wire->tag[wire->tag_seen++] = (char)byte;
	if (--wire->body_left > 0)
		return false;
	wire->header_seen = 0;
	return wire->header[0] == 'C' && wire->tag_seen == sizeof "COMMIT" &&
	       memcmp(wire->tag, "COMMIT", sizeof "COMMIT") == 0;
}

size_t pg_wire_find_commit(struct pg_wire *wire, const unsigned char *bytes, size_t count)
{
	for (size_t i = 0; i < count; i++) {
		if (read_byte(wire, bytes[i]))
			return i + 1;
	}
	return 0;
}

size_t pg_wire_admin_shutdown(unsigned char *out, size_t size)
{
	/* The fields' array ends with the zero byte that ends the list. */
	uint32_t length = 4 + sizeof ADMIN_SHUTDOWN_FIELDS;
	if (size < 1 + length)
		return 0;
	out[0] = 'E';
	out[1] = (unsigned char)(length >> 24);
	out[2] = (unsigned char)(length >> 16);
	out[3] = (unsigned char)(length >> 8);
	out[4] = (unsigned char)length;
	memcpy(out + 5, ADMIN_SHUTDOWN_FIELDS, sizeof ADMIN_SHUTDOWN_FIELDS);
	return 1 + length;
}
