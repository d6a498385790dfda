/* The machinery of every export (export_stream.h). The rows are read in chunks of
 * EXPORT_CHUNK_ROWS by keyset, each chunk written out before the next is read, so memory
 * stays flat however many rows there are. Each chunk borrows a pooled connection and gives
 * it back before its bytes go out: a client that reads slowly, or not at all, holds no
 * connection, only one of a few export slots. */
#include "export_stream.h"

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
#include "reports.h"
#include "request.h"
#include "respond.h"
#include "slots.h"
#include "strbuf.h"

/* Exports streaming at once: two an organization, and a quarter of the pool in all but at
 * least four, however many clients ask. A slot is held until the last byte is taken or
 * the client goes away, so the client, not the server, sets how long; it costs a chunk of
 * memory, and a connection only while a chunk is read. */
#define EXPORTS_PER_ORGANIZATION   2
#define EXPORTS_POOL_FRACTION	   4
#define EXPORTS_AT_LEAST	   4
/* What a client past those limits is told to wait: an export takes seconds. */
#define EXPORT_RETRY_AFTER_SECONDS "5"

/* One export in flight: it holds an export slot until the stream is freed, and a pooled
 * connection only while it reads a chunk. */
struct export_stream {
	const struct export_kind *kind;
	struct pool *pool;
	struct slots *slots; /* NULL until a slot is taken */
	/* Whose rows its chunks read (db_set_scope): the caller's organization ("" for an admin
	 * without one) and role. */
	char caller_organization[UUID_TEXT_SIZE], caller_role[16];
	unsigned char *key; /* owned; NULL for a kind without pseudonyms */
	size_t key_length;
	struct report_scope scope; /* its db is the request's, gone after the handler */
	char last_key[24], last_id[UUID_TEXT_SIZE]; /* "" before the first chunk */
	struct strbuf pending;			    /* lines not yet sent */
	size_t sent;				    /* of pending */
	bool finished;
};

void export_pseudonym(const struct export_stream *stream, const char *participant_id, char out[40])
{
	unsigned char digest[EVP_MAX_MD_SIZE];
	unsigned int size = 0;
	HMAC(EVP_sha256(), stream->key, (int)stream->key_length,
	     (const unsigned char *)participant_id, strlen(participant_id), digest, &size);
	strcpy(out, "p_");
	for (unsigned int i = 0; i < 16 && i < size; i++)
		snprintf(out + 2 + 2 * i, 3, "%02x", digest[i]);
}

/* Reads the next chunk on db into pending; finished when it comes back short. A line that
 * cannot be rendered (out of memory) is DB_ERROR. */
static enum db_status read_chunk(struct export_stream *stream, struct db_conn *db)
{
	const struct export_kind *kind = stream->kind;
	PGresult *res = NULL;
	bool first = stream->last_id[0] == '\0';
	enum db_status status =
		db_read(db, kind->chunk,
			DB_ARGS(stream->scope.organization_id, stream->scope.first_day,
				stream->scope.last_day, first ? NULL : stream->last_key,
				first ? NULL : stream->last_id),
			&res);
	if (status != DB_OK)
		return status;
	int rows = PQntuples(res);
	strbuf_free(&stream->pending);
	strbuf_init(&stream->pending);
	stream->sent = 0;
	for (int row = 0; row < rows; row++) {
		json_t *line = kind->line(stream, res, row);
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
		snprintf(stream->last_key, sizeof stream->last_key, "%s",
			 db_text(res, rows - 1, kind->key_column));
		snprintf(stream->last_id, sizeof stream->last_id, "%s",
			 db_text(res, rows - 1, kind->id_column));
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
			    "an export stopped: no database connection came for its next rows");
		return false;
	}
	db_set_scope(db, stream->caller_organization, stream->caller_role);
	enum db_status status = read_chunk(stream, db);
	pool_release(stream->pool, db);
	if (status != DB_OK)
		log_message(LOG_LEVEL_ERROR, "an export stopped: its next rows could not be read");
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

/* Takes the pseudonym key for a kind that needs it, or answers why not: 503 when there is
 * none. */
static bool pseudonym_key_take(struct request *request, struct export_stream *stream)
{
	if (!stream->kind->pseudonymous)
		return true;
	/* A key of its own, never one derived from the token secret: the identity provider
	 * holds that, and could tell who each pseudonym is. */
	if (!request->app->config->pseudonym_key) {
		problem_send_unavailable(
			request, "exports need PEERD_PSEUDONYM_KEY, a key of their own (not "
				 "the JWT secret), to be set");
		return false;
	}
	if (!pseudonym_key_copy(request->app->config, stream)) {
		problem_send(request, 500, "out of memory");
		return false;
	}
	return true;
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

void export_start(struct request *request, const struct export_kind *kind)
{
	struct export_stream *stream = calloc(1, sizeof *stream);
	if (!stream) {
		problem_send(request, 500, "out of memory");
		return;
	}
	stream->kind = kind;
	strbuf_init(&stream->pending);
	if (!report_scope_read(request, REPORT_READS_PRIMARY, &stream->scope) ||
	    !pseudonym_key_take(request, stream) || !export_slot_take(request, stream))
		goto failed;
	/* The first chunk is read on the request's connection before anything is sent, so what
	 * fails there is still an answer of its own rather than a body cut short. */
	enum db_status status = read_chunk(stream, stream->scope.db);
	/* The export's own event is written before the first byte leaves. */
	if (status == DB_OK) {
		audit_record(request, AUDIT_EXPORT, kind->resource_type, NULL,
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
