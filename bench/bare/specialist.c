#include "specialist.h"

#include <libpq-fe.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* How a column's text goes into the JSON: quoted, as it is (numbers, and the arrays
 * PostgreSQL already wrote as JSON), a boolean, or not at all. */
enum column_kind { QUOTED, AS_IS, BOOLEAN, HIDDEN };

/* peerd's SPECIALIST_COLUMN_LIST (api/specialists.c): the same expressions in the same
 * order, so that PostgreSQL does the same work for both; measure.py checks that both
 * answer the same JSON. */
/* clang-format off */
#define COLUMN_LIST(X, _)                                               \
	X("id", "id", QUOTED)                                           \
	_ X("organization_id", "organization_id", QUOTED)               \
	_ X("subject", "subject", QUOTED)                               \
	_ X("given_name", "given_name", QUOTED)                         \
	_ X("family_name", "family_name", QUOTED)                       \
	_ X("kind", "kind", QUOTED)                                     \
	_ X("array_to_json(lived_experience)", "lived_experience", AS_IS) \
	_ X("array_to_json(languages)", "languages", AS_IS)             \
	_ X("array_to_json(counties)", "counties", AS_IS)               \
	_ X("array_to_json(specialties)", "specialties", AS_IS)         \
	_ X("bio", "bio", QUOTED)                                       \
	_ X("max_caseload", "max_caseload", AS_IS)                      \
	_ X("active", "active", BOOLEAN)                                \
	_ X("caseload", "caseload", AS_IS)                              \
	_ X("certified", "certified", BOOLEAN)                          \
	_ X("accepting", "accepting", BOOLEAN)                          \
	_ X("version", "version", AS_IS)                                \
	_ X("peerd_timestamp(created_at)", "created_at", QUOTED)        \
	_ X("peerd_timestamp(updated_at)", "updated_at", QUOTED)        \
	_ X("peerd_position(created_at)", NULL, HIDDEN)
/* clang-format on */

#define COLUMN_SQL(sql, name, kind)    sql
#define COLUMN_MEMBER(sql, name, kind) {name, kind},

static const char SELECT[] = "SELECT " COLUMN_LIST(COLUMN_SQL, ", ") " FROM specialist_profiles"
								     " WHERE id = $1";

static const struct column {
	const char *name;
	enum column_kind kind;
} COLUMNS[] = {COLUMN_LIST(COLUMN_MEMBER, )};

/* As peerd's session pooling: the scope once per connection, for the session. */
static const char SCOPE_SET[] =
	"SELECT set_config('peerd.organization', $1, false), set_config('peerd.role', $2, false)";

/* Each handler thread's own connection, closed when the thread ends. */
static pthread_key_t connection_key;

static void connection_close(void *connection)
{
	PQfinish(connection);
}

bool specialist_init(void)
{
	return pthread_key_create(&connection_key, connection_close) == 0;
}

static bool succeeded(PGresult *result, ExecStatusType expected)
{
	bool ok = result && PQresultStatus(result) == expected;
	PQclear(result);
	return ok;
}

/* A new connection under the role, scoped, with the statement prepared; NULL (said on
 * stderr) when the database refuses. */
static PGconn *connection_open(const struct bare_config *config)
{
	char options[256];
	snprintf(options, sizeof options, "-c role=%s", config->role);
	const char *keywords[] = {"options", "dbname", NULL};
	const char *values[] = {options, config->database_url, NULL};
	PGconn *connection = PQconnectdbParams(keywords, values, 1);
	const char *scope[] = {config->organization, config->scope_role};
	if (PQstatus(connection) != CONNECTION_OK ||
	    !succeeded(PQexecParams(connection, SCOPE_SET, 2, NULL, scope, NULL, NULL, 0),
		       PGRES_TUPLES_OK) ||
	    !succeeded(PQprepare(connection, "specialist_select", SELECT, 1, NULL),
		       PGRES_COMMAND_OK)) {
		fprintf(stderr, "bare: %s", PQerrorMessage(connection));
		PQfinish(connection);
		return NULL;
	}
	return connection;
}

/* The calling thread's connection, opened again when it was lost; NULL when it cannot be. */
static PGconn *connection_of_thread(const struct bare_config *config)
{
	PGconn *connection = pthread_getspecific(connection_key);
	if (connection && PQstatus(connection) == CONNECTION_OK)
		return connection;
	PQfinish(connection);
	connection = connection_open(config);
	pthread_setspecific(connection_key, connection);
	return connection;
}

static void put_quoted(FILE *out, const char *text)
{
	putc('"', out);
	for (const unsigned char *c = (const unsigned char *)text; *c; c++) {
		if (*c == '"' || *c == '\\')
			fprintf(out, "\\%c", *c);
		else if (*c < 0x20)
			fprintf(out, "\\u%04x", *c);
		else
			putc(*c, out);
	}
	putc('"', out);
}

static void put_value(FILE *out, const PGresult *row, int column, enum column_kind kind)
{
	const char *text = PQgetvalue(row, 0, column);
	if (PQgetisnull(row, 0, column))
		fputs("null", out);
	else if (kind == QUOTED)
		put_quoted(out, text);
	else if (kind == BOOLEAN)
		fputs(text[0] == 't' ? "true" : "false", out);
	else
		fputs(text, out);
}

/* The row's text fields straight into a JSON object, in the order of peerd's. */
static bool row_render(const PGresult *row, char **body, size_t *length)
{
	FILE *out = open_memstream(body, length);
	if (!out)
		return false;
	const char *separator = "{";
	for (int i = 0; i < (int)(sizeof COLUMNS / sizeof COLUMNS[0]); i++) {
		if (COLUMNS[i].kind == HIDDEN)
			continue;
		fprintf(out, "%s\"%s\":", separator, COLUMNS[i].name);
		put_value(out, row, i, COLUMNS[i].kind);
		separator = ",";
	}
	putc('}', out);
	if (fclose(out) != 0) {
		free(*body);
		*body = NULL;
		return false;
	}
	return true;
}

/* A well-formed id (36 characters of hex digits and dashes): others name no row, and
 * would only make PostgreSQL refuse the parameter. */
static bool id_is_uuid(const char *id)
{
	size_t length = id ? strlen(id) : 0;
	return length == 36 && strspn(id, "0123456789abcdefABCDEF-") == 36;
}

enum specialist_found specialist_read(const struct bare_config *config, const char *id, char **body,
				      size_t *length)
{
	if (!id_is_uuid(id))
		return SPECIALIST_MISSING;
	PGconn *connection = connection_of_thread(config);
	if (!connection)
		return SPECIALIST_FAILED;
	PGresult *row = PQexecPrepared(connection, "specialist_select", 1, &id, NULL, NULL, 0);
	enum specialist_found found = SPECIALIST_FAILED;
	if (PQresultStatus(row) == PGRES_TUPLES_OK && PQntuples(row) == 0)
		found = SPECIALIST_MISSING;
	else if (PQresultStatus(row) == PGRES_TUPLES_OK && row_render(row, body, length))
		found = SPECIALIST_FOUND;
	PQclear(row);
	return found;
}
