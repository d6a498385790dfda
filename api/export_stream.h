/* What every NDJSON export shares (API.md "Reports"): an organization's rows of a range of
 * its days, read in chunks by keyset and streamed one JSON object a line, bounded by export
 * slots, audited as one `export` event before the first byte. An export names what it reads
 * (struct export_kind); api/exports.c (session notes) and api/export_claim_lines.c are the
 * kinds. */
#pragma once

#include <jansson.h>
#include <libpq-fe.h>
#include <stdbool.h>

struct request;
struct db_statement;
struct export_stream;

/* Rows a chunk reads at most, as SQL text for a statement's LIMIT. */
#define EXPORT_CHUNK_ROWS "500"

struct export_kind {
	/* Reads the next chunk: $1 the organization, $2/$3 its first and last day, $4/$5 the
	 * key and id of the last row sent (NULL before the first chunk); rows in (key, id)
	 * order, at most EXPORT_CHUNK_ROWS. */
	const struct db_statement *chunk;
	int key_column, id_column; /* of the chunk's rows */
	/* A row as a line; a new reference, NULL when out of memory. */
	json_t *(*line)(const struct export_stream *stream, const PGresult *res, int row);
	const char *resource_type; /* of the audit event */
	bool pseudonymous;	   /* lines carry pseudonyms: PEERD_PSEUDONYM_KEY is needed */
};

/* Answers the export of kind: the caller's scope (report_scope_read), an export slot, the
 * first chunk and the audit event, then the stream; or the problem that stopped it. */
void export_start(struct request *request, const struct export_kind *kind);

/* participant_id's pseudonym under the export's key ("p_" and 32 hex digits); only for a
 * pseudonymous kind. */
void export_pseudonym(const struct export_stream *stream, const char *participant_id, char out[40]);
