/* PATCH of one stored resource (API.md "Conventions"), the same for every resource: lock
 * the row, honour If-Match (412), apply the body as a JSON merge patch (RFC 7396) to the
 * resource's writable members, validate the result as a whole (422 naming every field),
 * write only when something changed (the version stays otherwise), commit, and answer
 * with the resource and its ETag. */
#pragma once

#include <jansson.h>
#include <libpq-fe.h>
#include <stdbool.h>

#include "db.h"

struct request;
struct field_rule;
struct field_errors;

struct patch_target {
	const char *noun; /* "organization": for messages */
	/* SELECT ... WHERE id = $1 FOR UPDATE, in the column order render reads. */
	const struct db_statement *lock;
	const struct field_rule *fields; /* FIELD_READ_ONLY members are not writable */
	json_t *(*render)(const PGresult *res, int row);
	int version_column;
	/* Optional: may this caller change the row at all (404 or 403 otherwise), and only
	 * the members it sent? Returns false after answering. */
	bool (*admit)(struct request *request, struct db_conn *db, const PGresult *current);
	/* Optional: rules between fields, and between the new document and the locked row
	 * (before: the old document), added to errors beside the field rules' own, so that
	 * one 422 names every broken field. A rule reads only members of the right type. */
	void (*rule_errors)(const PGresult *current, const json_t *before, const json_t *after,
			    struct field_errors *errors);
	/* Optional: rules between the locked row, the old and the new document, such as
	 * members fixed once created or allowed status moves. Returns false after answering. */
	bool (*check)(struct request *request, const PGresult *current, const json_t *before,
		      const json_t *after);
	/* Optional: fills in the defaults the resource stores for members left out (a goal
	 * step's done: false), so that a PATCH restating them changes nothing. */
	void (*fill_defaults)(json_t *doc);
	/* Optional: the audit trail's name for the resource ("participant"); with it every
	 * PATCH records an update of the row, and organization_column names the column that
	 * holds the organization whose record it is. */
	const char *audit_type;
	int organization_column;
	/* Writes after to the row id inside the open transaction and returns the row as
	 * render reads it (the caller PQclear()s it), or NULL after answering. */
	PGresult *(*write)(struct request *request, struct db_conn *db, const char *id,
			   const json_t *after);
};

/* Runs the whole PATCH of row id and answers. */
void patch_run(struct request *request, const char *id, const struct patch_target *target);

/* The members a client may write: resource without its FIELD_READ_ONLY members. Takes
 * ownership of resource and returns it. */
json_t *patch_writable_document(json_t *resource, const struct field_rule *fields);

/* Answers 403 naming every member of the body that the resource's fields make writable but
 * that is not in allowed (NULL-terminated), and returns false; who names the caller in the
 * message ("a supervisor"). Unknown and read-only members pass, for validation to answer
 * 422 as it does for every caller. */
bool patch_allows_only(struct request *request, const char *who, const char *const *allowed,
		       const struct field_rule *fields);

/* Answers 422 and returns false when member differs between before and after. */
bool patch_keeps(struct request *request, const json_t *before, const json_t *after,
		 const char *member);
