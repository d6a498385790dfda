/* Settings from PEERD_* environment variables (API.md "Running it"). */
#pragma once

#include "attributes.h"

#include <stdbool.h>
#include <stddef.h>

#include "log.h"

/* What the command about to run needs; a setting it does not need is not required. */
enum config_purpose {
	CONFIG_FOR_SERVE,    /* database, a JWT key, everything else */
	CONFIG_FOR_DATABASE, /* migrate and seed-demo: the database only */
	CONFIG_FOR_TOKEN,    /* token: the HS256 secret only */
};

/* Looks a setting up by name; NULL when it is not set. */
typedef const char *(*config_lookup_fn)(const char *name, void *context);

struct config {
	char *database_url;
	/* Where the reports read (a read replica), or NULL: the same database. */
	char *reports_database_url;
	unsigned port;
	char *jwt_secret;     /* HS256 key, NULL when HS256 is not accepted */
	char *jwt_public_key; /* PEM text (read from a file when the setting names one) */
	/* A second public key accepted beside jwt_public_key during a key rotation. */
	char *jwt_public_key_next;
	char *jwt_issuer;   /* checked against `iss` when set */
	char *jwt_audience; /* checked against `aud` when set */
	/* HMAC key of the participants' pseudonyms in exports; NULL: exports answer 503 */
	char *pseudonym_key;
	/* Key the webhook secrets are derived from (service/webhook_secret.c); NULL:
	 * subscriptions cannot be made (503) and nothing is delivered */
	char *webhook_key;
	/* Development and tests only: webhooks may use http and loopback addresses */
	bool webhooks_allow_http;
	unsigned threads;
	unsigned db_pool_size;
	size_t max_body_bytes;
	/* Per caller (a sub in its org): requests a minute (0: no limit) and how many may come
	 * at once. */
	unsigned rate_limit_per_minute;
	unsigned rate_limit_burst;
	/* A connection idle this long (a client sending nothing, or a byte now and then) is
	 * closed, so slow clients cannot hold the workers. */
	unsigned connection_timeout_seconds;
	/* After SIGTERM, how long requests in flight may take to finish. */
	unsigned shutdown_grace_seconds;
	/* Open client connections at most; more wait in the listen backlog. */
	unsigned max_connections;
	/* The PostgreSQL role `serve` works as (SET ROLE at connection start): it may read
	 * and write rows but not change the schema, and row-level security applies to it. */
	char *database_role;
	/* Connections reach PostgreSQL through a pooler in transaction mode
	 * (PEERD_DATABASE_POOLING=transaction): see enum db_pooling. */
	bool transaction_pooling;
	char **cors_origins; /* exact origins, or the single entry "*" */
	size_t cors_origin_count;
	/* The API reference page's files (index.html, redoc.standalone.js), served at /docs.
	 * docs_dir_chosen: set by PEERD_DOCS_DIR rather than the build's default, so a
	 * directory that cannot be read stops the start instead of only a warning. */
	char *docs_dir;
	bool docs_dir_chosen;
	enum log_level log_level;
};

#define CONFIG_JWT_SECRET_MIN_BYTES 32

/* A person at a screen or a partner's integration stays far below these; a script gone
 * wild or a token being abused does not. */
#define DEFAULT_RATE_LIMIT_PER_MINUTE 1200
#define DEFAULT_RATE_LIMIT_BURST      200

#define DEFAULT_CONNECTION_TIMEOUT_SECONDS 30
#define DEFAULT_SHUTDOWN_GRACE_SECONDS	   10
/* Idle keep-alive connections cost a few KiB each and no thread: mobile clients and
 * partners' systems may hold thousands. */
#define DEFAULT_MAX_CONNECTIONS		   4096
#define DEFAULT_DATABASE_ROLE		   "peerd_service"

/* Fills cfg for purpose. On a bad or missing setting returns false and writes one line
 * naming it into error. Call config_free afterwards in either case. */
MUST_CHECK bool config_load(struct config *cfg, enum config_purpose purpose,
			    config_lookup_fn lookup, void *lookup_context, char *error,
			    size_t error_size);

void config_free(struct config *cfg);

/* A config_lookup_fn reading the process environment. */
const char *config_lookup_environment(const char *name, void *context);
