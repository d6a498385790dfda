/* The hostile-request sweep (tests/integration/test_hostile_*.c): every route of the route
 * table, called with a token of a role it admits and real ids, gets malformed, oversized
 * and forged variants; failures are collected and asserted once per route. */
#pragma once

#include <jansson.h>
#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "auth.h"
#include "fixtures.h"
#include "http.h"
#include "routes.h"

/* How long a request may go unanswered before it counts as a hang. */
#define ANSWER_TIMEOUT_MS 15000

/* What a variant must get. A positive value is the one status it must get; 4xx answers
 * must always be problem+json. */
enum {
	EXPECT_4XX = 0,	       /* any 4xx */
	EXPECT_ANSWER = -1,    /* anything but a 5xx: the variant may be legitimate */
	EXPECT_NO_CRASH = -2,  /* as EXPECT_ANSWER, or no answer at all */
	EXPECT_NOT_SHOWN = -3, /* a 4xx other than 401: another organization's record */
	EXPECT_PROTOCOL = -4,  /* a 4xx, from libmicrohttpd itself (not problem+json) */
};

struct raw {
	const char *method;	    /* default GET */
	const char *target;	    /* path and query, sent as they are */
	const char *token;	    /* Authorization: Bearer, or NULL */
	const char *content_type;   /* or NULL */
	const char *body;	    /* or NULL */
	size_t body_size;	    /* 0: strlen(body) */
	const char *headers;	    /* more header lines, each ending in \r\n, or NULL */
	const char *content_length; /* sent instead of the body's size (a lie), or NULL */
	bool half_close;	    /* shut our side after sending */
	int patience_ms;	    /* how long to wait for the answer; 0: ANSWER_TIMEOUT_MS */
	unsigned port;		    /* 0: the shared server's */
};

/* An answer slower than this is a failure too (OWASP API4: a request that costs the
 * server seconds is a denial of service waiting for a loop). */
#define SLOW_ANSWER_MS 5000

struct sweep {
	const struct route *route;
	enum role role; /* the caller, when not the case's */
	FILE *failures;
	char *text;
	size_t size;
	size_t failure_count;
	size_t sent; /* requests, over the whole test */
};

void sweep_begin(struct sweep *sweep, const struct route *route, enum role role);

__attribute__((format(printf, 3, 4))) void sweep_fail(struct sweep *sweep, const char *variant,
						      const char *format, ...);

/* One assertion for the route: every failure it collected. */
void sweep_end(struct sweep *sweep);

/* Sends raw and records a failure when the answer is not what expect says. Returns the
 * response (the caller frees it), or NULL when none came. */
struct http_response *probe_keep(struct sweep *sweep, const char *variant, const struct raw *raw,
				 long expect);

void probe(struct sweep *sweep, const char *variant, const struct raw *raw, long expect);

/* One organization's records and tokens. */
struct side {
	struct records records;
	char *active_certification; /* /verify of it is 409 */
	char *closed_note;	    /* signed and co-signed: /sign and /cosign are 409 */
	char *closed_group_session; /* signed: every change of it is 409 */
	char *closed_plan;	    /* signed: signing it again is 409 */
	char *idle_specialist;	    /* not certified: assigning them is 409 */
	char *partner_organization;
	char *tokens[6]; /* by enum role's bit: admin, supervisor, specialist, partner... */
};

/* The sweep's own organization, another one, and what checks the database. */
struct world {
	struct side own, other;
	char marker[64]; /* in the names the sweep's bodies write */
	PGconn *db;
};

const char *token_of(const struct side *side, enum role role);

void world_create(struct world *world, bool with_other);

void world_free(struct world *world, bool with_other);

/* The fingerprint of side's organization; the caller frees it. */
char *fingerprint(const struct world *world, const struct side *side);

/* Records a failure when side's organization changed since before (which it frees), and
 * returns the fingerprint now. */
char *expect_unchanged(struct sweep *sweep, const struct world *world, const struct side *side,
		       char *before, const char *what);

/* How the sweep calls a route: as which role of its organization, and with which body.
 * Every route of the route table must be here; its query parameters come from the table
 * itself (route->query). */
struct route_case {
	const char *method, *path;
	enum role role; /* 0: no token (operations) */
	/* POST: a well-formed body, {organization} {specialist} {participant} {goal}
	 * {idle_specialist} and {marker} filled in. PATCH: members whose current values
	 * make a patch that changes nothing. */
	const char *body;
	/* The record the path's {id} names instead of the usual one. */
	enum {
		RECORD_USUAL,
		RECORD_ACTIVE_CERTIFICATION,
		RECORD_CLOSED_NOTE,
		RECORD_CLOSED_GROUP_SESSION,
		RECORD_CLOSED_PLAN
	} record;
};

const struct route *route_named(const char *method, const char *path);

bool is_patch(const struct route *route);

/* The routes that honour If-Match: every PATCH, and the POSTs that change the resource
 * their path names (README, API conventions). */
bool honours_if_match(const struct route *route);

bool takes_body(const struct route *route);

const char *media_type_of(const struct route *route);

/* The id a {name} of the case's path stands for, on side. */
const char *id_for(const struct route_case *c, const struct side *side, const char *name);

/* The case's path with its ids from side, except that the {only} segment (when not NULL)
 * is written as replacement. */
void path_for(const struct route_case *c, const struct side *side, const char *only,
	      const char *replacement, char *out, size_t size);

/* A body of the route that passes validation, as a JSON object: the case's body with
 * body_side's ids, or for a PATCH the listed members as the record at path holds them now
 * (a patch that changes nothing). NULL for routes without a body. */
json_t *valid_body(const struct route_case *c, const struct route *route, const struct world *world,
		   const struct side *body_side, const char *path, const char *token);

/* body as compact JSON text; the caller frees it. */
char *body_json_text(const json_t *body);

/* Everything needed to call one route. */
struct call {
	const struct route *route;
	const struct route_case *c;
	const struct side *side;
	char path[256];
	const char *token;
	json_t *body; /* valid_body, or NULL */
	char *body_text;
};

/* A raw request for the call: its method, path (or target), token and a body that either
 * passes (the valid one) or cannot do anything ("{}"), as the variant allows. */
struct raw call_raw(const struct call *call, const char *target, bool valid);

/* Runs the route's batch around what variants sends: the strict variants (which must
 * change nothing) are compared with the database before and after; the lenient ones,
 * which may legitimately write, run after that comparison. */
typedef void (*variants_fn)(struct sweep *sweep, const struct call *call, bool strict,
			    const struct world *world);

void sweep_route(struct sweep *sweep, const struct route *route, struct world *world,
		 variants_fn variants, enum role role);

/* Sweeps every route whose method is (or, with "!" first, is not) method, or every route
 * when method is NULL. */
void sweep_all(struct world *world, variants_fn variants, const char *what, const char *method);

/* Sweeps as sweep_all does, in a world made for it (with another organization when
 * with_other) and freed after. */
void sweep_in_new_world(variants_fn variants, const char *what, const char *method,
			bool with_other);

/* count copies of c; the caller frees it. */
char *repeated(char c, size_t count);

/* text in upper case, in place (ASCII letters). */
void upper(char *text);
