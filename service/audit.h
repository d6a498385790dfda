/* The audit trail (API.md "Audit"): one event for every read or write of a participant,
 * a referral, a goal or a note. A handler records what it touched as it goes; a write's
 * events are appended inside its transaction (audit_commit), so a failed write leaves
 * none; a read's events are appended after the handler (audit_flush_reads), and a read
 * whose events cannot be written is not answered. The chain itself is peerd_audit_chain
 * and its tables (sql/schema.sql). */
#pragma once

#include "attributes.h"

#include <stdbool.h>
#include <stddef.h>

#include "db.h"

struct request;

enum audit_action {
	AUDIT_READ,
	AUDIT_CREATE,
	AUDIT_UPDATE,
	AUDIT_TRANSITION,
	AUDIT_SIGN,
	AUDIT_EXPORT,
	/* A read shown to a partner under a consent (42 CFR Part 2): its event names the
	 * consent. */
	AUDIT_DISCLOSE,
	/* A participant merged into another (sql/038): recorded for both. */
	AUDIT_MERGE,
};

/* Notes that the request touched resource_id (NULL for a whole collection) of
 * resource_type ("participant", "referral", ...), which organization_id holds. */
void audit_record(struct request *request, enum audit_action action, const char *resource_type,
		  const char *resource_id, const char *organization_id);

/* audit_record of AUDIT_DISCLOSE: the read of resource_id was allowed by consent_id. */
void audit_record_disclosure(struct request *request, const char *resource_type,
			     const char *resource_id, const char *organization_id,
			     const char *consent_id);

/* Appends the events recorded so far inside the open transaction, as answered with
 * status, and forgets them. */
MUST_CHECK enum db_status audit_write(struct request *request, struct db_conn *db, unsigned status);

/* audit_write, then db_commit. */
MUST_CHECK enum db_status audit_commit(struct request *request, struct db_conn *db,
				       unsigned status);

/* audit_commit with first (a step of the same transaction) sent before the events, all in
 * one round trip. */
MUST_CHECK enum db_status audit_commit_after(struct request *request, struct db_conn *db,
					     unsigned status, const struct db_step *first);

/* After the handler: appends the events of a successful read. When that fails the
 * answer becomes 503, so nothing is disclosed without its record. */
void audit_flush_reads(struct request *request);

/* For a statement that reads rows and records the read in the same round trip, instead
 * of audit_record and audit_flush_reads: its SELECT list calls peerd_audit_read_shown
 * (sql/schema.sql) with these five values (the actor, the role name, the request id, the
 * resource type and peerd's own id for the request), then the row's id and organization,
 * and (its eight-argument form, sql/026) the consent a disclosed row was shown under, or
 * null for a plain read. Each row is recorded as answered 200, so it suits an unconditional read
 * only: a 304 is decided after the read. */
#define AUDIT_READ_ARGS(request, type)                                                       \
	(request)->caller.subject, role_name((request)->caller.role), (request)->id, (type), \
		(request)->server_request_id

/* Frees what the request recorded. */
void audit_release(struct request *request);

/* audit_record for each of the first limit rows of res: their id and organization. */
void audit_record_rows(struct request *request, enum audit_action action, const char *resource_type,
		       const PGresult *res, int id_column, int organization_column, int limit);

/* As audit_record_rows of AUDIT_READ, except that a row whose consent_column is not null
 * was disclosed under that consent (audit_record_disclosure). */
void audit_record_rows_disclosed(struct request *request, const char *resource_type,
				 const PGresult *res, int id_column, int organization_column,
				 int consent_column, int limit);
