/* Specialists (API.md): the peer support staff of a provider organization. */
#pragma once

#include <stdbool.h>

#include "uuid.h"
#include "validate.h"

struct request;
struct db_conn;

void specialists_list(struct request *request);
void specialists_create(struct request *request);
void specialists_get(struct request *request);
void specialists_get_me(struct request *request);
void specialists_patch(struct request *request);
void specialists_patch_me(struct request *request);

/* The fields of a specialist as a client writes them. */
extern const struct field_rule SPECIALIST_FIELDS[];

/* A specialist's kind and lived experience (each NULL-terminated). */
extern const char *const SPECIALIST_KINDS[];
extern const char *const LIVED_EXPERIENCES[];

/* Who a specialist is, as far as another resource needs to know. */
struct specialist_ref {
	char id[UUID_TEXT_SIZE];
	char organization_id[UUID_TEXT_SIZE];
	bool is_caller; /* the caller is this specialist */
};

/* Finds specialist id when the caller may see them and fills out; else answers 404 (or
 * 503) and returns false. */
bool specialist_find_visible(struct request *request, struct db_conn *db, const char *id,
			     struct specialist_ref *out);

/* A token of the specialist role stops working the moment its profile is deactivated
 * (active: false), whatever its exp, and works only while its sub has a profile in its
 * org: sets db's guard (db_set_guard) so that the request's first statement is refused
 * otherwise, and answered 401 for the first, 403 for the second (problem_send_database).
 * Nothing for every other caller. */
void specialist_guard_token(const struct request *request, struct db_conn *db);
