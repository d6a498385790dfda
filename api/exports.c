/* GET /v1/exports/session-notes (API.md "Reports"): the organization's session notes as
 * NDJSON, one note a line, streamed. The notes are read in chunks of EXPORT_CHUNK_ROWS by
 * keyset (occurred_at, id), each chunk written out before the next is read, so memory
 * stays flat however many notes there are. Each chunk borrows a pooled connection and gives
 * it back before its bytes go out: a client that reads slowly, or not at all, holds no
 * connection, only one of a few export slots. Participants appear under a pseudonym, an
 * HMAC of their id: the same person gets the same pseudonym in every export, and no one
 * without the key can tell who it is. No names, places or narrative leave. */
#include "reports.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ulfius.h>

#include "app.h"
#include "audit.h"
#include "config.h"
#include "db.h"
#include "log.h"
#include "pool.h"
#include "problem.h"
#include "report_scope.h"
#include "request.h"
#include "respond.h"
#include "row_json.h"
#include "slots.h"
#include "strbuf.h"

#define EXPORT_CHUNK_ROWS "500"

/* Exports streaming at once: two an organization, and a quarter of the pool in all but at
 * least four, however many clients ask. A slot is held until the last byte is taken or
 * the client goes away, so the client, not the server, sets how long; it costs a chunk of
 * memory, and a connection only while a chunk is read. */
#define EXPORTS_PER_ORGANIZATION   2
#define EXPORTS_POOL_FRACTION	   4
#define EXPORTS_AT_LEAST	   4
/* What a client past those limits is told to wait: an export takes seconds. */
#define EXPORT_RETRY_AFTER_SECONDS "5"

/* Stands in for the participant's pseudonym, which line_render writes with the export's
 * key: the id itself never enters a line. */
static json_t *pseudonym_set_by_line_render(const PGresult *res, int row, int column)
{
	(void)res, (void)row, (void)column;
	return json_null();
}

/* A line's columns, in the order of its JSON. */
/* clang-format off */
#define EXPORT_COLUMN_LIST(X, _)                                                                 \
	X(COL_ID, "n.id", "id", ROW_STRING)                                                      \
	_ X(COL_PARTICIPANT_ID, "n.participant_id", "participant",                               \
	    ROW_CUSTOM(pseudonym_set_by_line_render))                                            \
	_ X(COL_SPECIALIST_ID, "n.specialist_id", "specialist_id", ROW_STRING)                   \
	_ X(COL_OCCURRED_AT, "peerd_timestamp(n.occurred_at)", "occurred_at", ROW_STRING)        \
	_ X(COL_DURATION_MINUTES, "n.duration_minutes", "duration_minutes", ROW_INTEGER)         \
	_ X(COL_MODALITY, "n.modality", "modality", ROW_STRING)                                  \
	_ X(COL_GROUP_SESSION_ID, "n.group_session_id", "group_session_id", ROW_STRING)          \
	_ X(COL_GOAL_DOMAINS,                                                                    \
	    "(SELECT coalesce(json_agg(DISTINCT g.domain ORDER BY g.domain), '[]') FROM goals g" \
	    " WHERE g.id = ANY (n.goal_ids))", "goal_domains", ROW_JSON)                         \
	_ X(COL_STATUS, "n.status", "status", ROW_STRING)                                        \
	_ X(COL_SIGNED_AT, "peerd_timestamp(n.signed_at)", "signed_at", ROW_STRING)              \
	_ X(COL_BILLING, "n.billing", "billing", ROW_JSON)                                       \
	_ X(COL_COSIGNED, "n.cosigned_by IS NOT NULL", "cosigned", ROW_BOOLEAN)                  \
	_ X(COL_POSITION, "peerd_position(n.occurred_at)", NULL, ROW_HIDDEN)
/* clang-format on */

enum { EXPORT_COLUMN_LIST(ROW_COLUMN_ENUM, ) };

#define EXPORT_COLUMNS EXPORT_COLUMN_LIST(ROW_COLUMN_SQL, ", ")

static const struct row_json_member EXPORT_JSON[] = {EXPORT_COLUMN_LIST(ROW_COLUMN_MEMBER, )};

/* $1 organization, $2/$3 first and last day (the organization's), $4/$5 the last row
 * sent. Goals are given by their domains only: their statements are the person's words. */
static const struct db_statement EXPORT_CHUNK = {
	"export_session_notes_chunk",
	"WITH bounds AS (SELECT ($2::date)::timestamp AT TIME ZONE time_zone AS starts,"
	" ($3::date + 1)::timestamp AT TIME ZONE time_zone AS ends FROM organizations"
	" WHERE id = $1)"
	" SELECT " EXPORT_COLUMNS " FROM session_notes n, bounds b WHERE n.organization_id = $1"
	" AND n.occurred_at >= b.starts AND n.occurred_at < b.ends"
	" AND ($4::bigint IS NULL OR (n.occurred_at, n.id) > (peerd_from_position($4::bigint),"
	" $5::uuid))"
	" ORDER BY n.occurred_at, n.id LIMIT " EXPORT_CHUNK_ROWS};

/* One export in flight: it holds an export slot until the stream is freed, and a pooled
 * connection only while it reads a chunk. */
struct export_stream {
	struct pool *pool;
	struct slots *slots; /* NULL until a slot is taken */
	/* Whose rows its chunks read (db_set_scope): the caller's organization ("" for an admin
	 * without one) and role. */
	char caller_organization[UUID_TEXT_SIZE], caller_role[16];
	unsigned char *key; /* owned */
	size_t key_length;
	struct report_scope scope; /* its db is the request's, gone after the handler */
	char last_position[24], last_id[UUID_TEXT_SIZE]; /* "" before the first chunk */
	struct strbuf pending;				 /* lines not yet sent */
	size_t sent;					 /* of pending */
	bool finished;
};

static void pseudonym(const struct export_stream *stream, const char *participant_id, char out[40])
{
	unsigned char digest[EVP_MAX_MD_SIZE];
	unsigned int size = 0;
	HMAC(EVP_sha256(), stream->key, (int)stream->key_length,
	     (const unsigned char *)participant_id, strlen(participant_id), digest, &size);
	strcpy(out, "p_");
	for (unsigned int i = 0; i < 16 && i < size; i++)
		snprintf(out + 2 + 2 * i, 3, "%02x", digest[i]);
}

/* One note as an export line; a new reference, NULL when out of memory. Setting a member
 * that is there keeps its place. */
static json_t *line_render(const struct export_stream *stream, const PGresult *res, int row)
{
	char participant[40];
	pseudonym(stream, db_text(res, row, COL_PARTICIPANT_ID), participant);
	json_t *line =
		row_json_render(EXPORT_JSON, sizeof EXPORT_JSON / sizeof *EXPORT_JSON, res, row);
	if (line && json_object_set_new(line, "participant", json_string(participant)) != 0) {
		json_decref(line);
		line = NULL;
	}
	return line;
}

/* Reads the next chunk on db into pending; finished when it comes back short. A line that
 * cannot be rendered (out of memory) is DB_ERROR. */
static enum db_status read_chunk(struct export_stream *stream, struct db_conn *db)
{
	PGresult *res = NULL;
	bool first = stream->last_id[0] == '\0';
	enum db_status status =
		db_read(db, &EXPORT_CHUNK,
			DB_ARGS(stream->scope.organization_id, stream->scope.first_day,
				stream->scope.last_day, first ? NULL : stream->last_position,
				first ? NULL : stream->last_id),
			&res);
	if (status != DB_OK)
		return status;
	int rows = PQntuples(res);
	strbuf_free(&stream->pending);
	strbuf_init(&stream->pending);
	stream->sent = 0;
	for (int row = 0; row < rows; row++) {
		json_t *line = line_render(stream, res, row);
		char *text = line ? json_dumps(line, JSON_COMPACT) : NULL;
		json_decref(line);
		if (!text) {
			PQclear(res);
			return DB_ERROR;
		}
		strbuf_appendf(&stream->pending, "%s\n", text);
		free(text);
	}
	if (rows > 0) {
		snprintf(stream->last_position, sizeof stream->last_position, "%s",
			 db_text(res, rows - 1, COL_POSITION));
		snprintf(stream->last_id, sizeof stream->last_id, "%s",
			 db_text(res, rows - 1, COL_ID));
	}
	stream->finished = rows < atoi(EXPORT_CHUNK_ROWS);
	PQclear(res);
	return stream->pending.failed ? DB_ERROR : DB_OK;
}

/* Reads the next chunk on a connection borrowed for it alone, given back before the chunk
 * is sent. Runs on a worker thread (service/stream_pump.c) and waits for a connection no
 * longer than any request does (the pool's wait). */
static bool read_next_chunk(struct export_stream *stream)
{
	struct db_conn *db = NULL;
	if (pool_acquire(stream->pool, stream->caller_organization, stream->caller_role, &db) !=
	    POOL_OK) {
		log_message(LOG_LEVEL_ERROR,
			    "an export stopped: no database connection came for its next notes");
		return false;
	}
	db_set_scope(db, stream->caller_organization, stream->caller_role);
	enum db_status status = read_chunk(stream, db);
	pool_release(stream->pool, db);
	if (status != DB_OK)
		log_message(LOG_LEVEL_ERROR, "an export stopped: its next notes could not be read");
	return status == DB_OK;
}

/* libmicrohttpd asks for the next bytes: from pending, reading a chunk when it is spent.
 * An error ends the body without its last chunk, so the client sees it incomplete. */
static ssize_t export_next(void *context, uint64_t offset, char *out, size_t max)
{
	(void)offset;
	struct export_stream *stream = context;
	while (stream->sent >= stream->pending.length) {
		if (stream->finished)
			return U_STREAM_END;
		if (!read_next_chunk(stream))
			return U_STREAM_ERROR;
	}
	size_t left = stream->pending.length - stream->sent;
	size_t size = left < max ? left : max;
	memcpy(out, stream->pending.data + stream->sent, size);
	stream->sent += size;
	return (ssize_t)size;
}

static void export_free(void *context)
{
	struct export_stream *stream = context;
	if (stream->slots)
		slots_give_back(stream->slots, stream->scope.organization_id);
	strbuf_free(&stream->pending);
	if (stream->key)
		OPENSSL_cleanse(stream->key, stream->key_length);
	free(stream->key);
	free(stream);
}

/* Copies the pseudonym key, PEERD_PSEUDONYM_KEY, into the stream; false when out of
 * memory. */
static bool pseudonym_key_copy(const struct config *config, struct export_stream *stream)
{
	stream->key_length = strlen(config->pseudonym_key);
	stream->key = malloc(stream->key_length);
	if (stream->key)
		memcpy(stream->key, config->pseudonym_key, stream->key_length);
	return stream->key != NULL;
}

struct slots *exports_slots_create(size_t pool_size)
{
	size_t total = pool_size / EXPORTS_POOL_FRACTION;
	return slots_create(total > EXPORTS_AT_LEAST ? total : EXPORTS_AT_LEAST,
			    EXPORTS_PER_ORGANIZATION);
}

/* Takes an export slot for the exported organization, or answers why there is none: 429
 * when that organization has its share streaming, 503 when every slot is. */
static bool export_slot_take(struct request *request, struct export_stream *stream)
{
	struct slots *slots = request->app->export_slots;
	enum slots_result taken = slots_take(slots, stream->scope.organization_id);
	if (taken == SLOTS_TAKEN) {
		stream->slots = slots;
		return true;
	}
	respond_header(request, "Retry-After", EXPORT_RETRY_AFTER_SECONDS);
	if (taken == SLOTS_KEY_FULL)
		problem_send(request, 429,
			     "this organization has %d exports streaming already; try again when "
			     "one has ended",
			     EXPORTS_PER_ORGANIZATION);
	else
		problem_send(request, 503,
			     "the server streams as many exports as it can; try again");
	return false;
}

/* The caller's scope, for the connections its chunks borrow. */
static void caller_scope(const struct request *request, struct export_stream *stream)
{
	const struct principal *caller = &request->caller;
	snprintf(stream->caller_organization, sizeof stream->caller_organization, "%s",
		 caller->has_organization ? caller->organization_id : "");
	snprintf(stream->caller_role, sizeof stream->caller_role, "%s", role_name(caller->role));
}

void exports_session_notes(struct request *request)
{
	struct export_stream *stream = calloc(1, sizeof *stream);
	if (!stream) {
		problem_send(request, 500, "out of memory");
		return;
	}
	strbuf_init(&stream->pending);
	if (!report_scope_read(request, REPORT_READS_PRIMARY, &stream->scope))
		goto failed;
	/* A key of its own, never one derived from the token secret: the identity provider
	 * holds that, and could tell who each pseudonym is. */
	if (!request->app->config->pseudonym_key) {
		problem_send_unavailable(
			request, "exports need PEERD_PSEUDONYM_KEY, a key of their own (not "
				 "the JWT secret), to be set");
		goto failed;
	}
	if (!pseudonym_key_copy(request->app->config, stream)) {
		problem_send(request, 500, "out of memory");
		goto failed;
	}
	if (!export_slot_take(request, stream))
		goto failed;
	/* The first chunk is read on the request's connection before anything is sent, so what
	 * fails there is still an answer of its own rather than a body cut short. */
	enum db_status status = read_chunk(stream, stream->scope.db);
	/* The export's own event is written before the first byte leaves. */
	if (status == DB_OK) {
		audit_record(request, AUDIT_EXPORT, "session_note", NULL,
			     stream->scope.organization_id);
		status = audit_write(request, stream->scope.db, 200);
	}
	if (status != DB_OK) {
		problem_send_database(request, status);
		goto failed;
	}
	stream->pool = request->app->pool;
	caller_scope(request, stream);
	respond_header(request, "Content-Type", "application/x-ndjson");
	request->status = 200;
	if (ulfius_set_stream_response(request->response, 200, export_next, export_free,
				       U_STREAM_SIZE_UNKNOWN, 64 * 1024, stream) == U_OK)
		return;
	problem_send(request, 500, "the export could not be started");
failed:
	export_free(stream);
}
