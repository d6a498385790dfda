/* What happens to a session note at and after signing (API.md): billing fixed at
 * signing, addenda, the supervisor's co-signature. */
#pragma once

#include <libpq-fe.h>
#include <stdbool.h>

#include "validate.h"

struct request;
struct db_conn;

void session_note_sign(struct request *request);
void session_note_add_addendum(struct request *request);
void session_note_cosign(struct request *request);

/* Bills and signs the locked draft note id (note: its SESSION_NOTE_COLUMNS row) in the
 * open transaction, as the caller: the one way a note is signed, on its own or as one of
 * a group session's (rules/billing.c from the facts of its day; signings of one
 * participant take turns on the participant's row lock, so the daily cap holds under
 * signings at once). Returns false after answering. */
bool session_note_sign_locked(struct request *request, struct db_conn *db, const char *id,
			      const PGresult *note);

/* Takes the participant's row lock that signings of their notes take turns on, in the open
 * transaction. A signing of several people's notes takes every lock first, in one order,
 * before it writes a note: a note's insert holds a share lock on its participant (the
 * foreign key), and two signings that each held one would wait on each other to take the
 * lock. Returns false after answering. */
bool session_note_lock_participant(struct request *request, struct db_conn *db,
				   const char *participant_id);

/* The fields of an addendum. */
extern const struct field_rule ADDENDUM_FIELDS[];
