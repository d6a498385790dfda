/* What each PEERD_* setting means, for `peerd COMMAND --help`. tests/unit/test_config_help.c
 * holds this table to config_load: every setting a command reads is described for it, and
 * nothing is described that it does not read. */
#include "config_help.h"

#include <stdio.h>

#define SERVE	 (1u << CONFIG_FOR_SERVE)
#define DATABASE (1u << CONFIG_FOR_DATABASE)
#define TOKEN	 (1u << CONFIG_FOR_TOKEN)

const struct config_setting_help CONFIG_SETTINGS_HELP[] = {
	{"PEERD_DATABASE_URL", SERVE | DATABASE,
	 "libpq URI of the database (postgresql://user@host/db); required"},
	{"PEERD_REPORTS_DATABASE_URL", SERVE,
	 "libpq URI the /v1/reports read from, such as a read replica (default: the database)"},
	{"PEERD_DATABASE_POOLING", SERVE,
	 "session (default), or transaction behind a transaction-mode pooler (PgBouncer)"},
	{"PEERD_DATABASE_ROLE", SERVE,
	 "role the service works as, under row-level security (default peerd_service)"},
	{"PEERD_JWT_SECRET", SERVE | TOKEN,
	 "HS256 key, at least 32 bytes; `token` signs with it, `serve` accepts it"},
	{"PEERD_JWT_PUBLIC_KEY", SERVE | TOKEN,
	 "RS256/ES256 public key: PEM text (\\n for line breaks) or a file's path"},
	{"PEERD_JWT_PUBLIC_KEY_NEXT", SERVE | TOKEN,
	 "a second public key accepted beside it while keys are rotated"},
	{"PEERD_JWT_ISSUER", SERVE | TOKEN, "when set, tokens' iss must equal it"},
	{"PEERD_JWT_AUDIENCE", SERVE | TOKEN, "when set, tokens' aud must hold it"},
	{"PEERD_PSEUDONYM_KEY", SERVE | TOKEN,
	 "HMAC key of participants' pseudonyms in exports, not the JWT secret; without it "
	 "exports answer 503"},
	{"PEERD_WEBHOOK_KEY", SERVE,
	 "at least 32 bytes: webhook secrets are derived from it; without it subscriptions "
	 "cannot be made (503)"},
	{"PEERD_WEBHOOKS_ALLOW_HTTP", SERVE,
	 "true lets webhooks use http and loopback addresses: development and tests only"},
	{"PEERD_PORT", SERVE, "TCP port to listen on (default 8080)"},
	{"PEERD_DOCS_DIR", SERVE,
	 "the /docs page's files, made by scripts/docs (default " PEERD_DEFAULT_DOCS_DIR ")"},
	{"PEERD_THREADS", SERVE, "worker threads (default 8 a CPU, 16 to 64)"},
	{"PEERD_DB_POOL_SIZE", SERVE,
	 "database connections at most (default twice the threads, at most 64)"},
	{"PEERD_MAX_BODY_BYTES", SERVE, "largest request body (default 1048576)"},
	{"PEERD_MAX_CONNECTIONS", SERVE, "open client connections at most (default 4096)"},
	{"PEERD_CONNECTION_TIMEOUT_SECONDS", SERVE,
	 "an idle or trickling connection is closed after this (default 30)"},
	{"PEERD_SHUTDOWN_GRACE_SECONDS", SERVE,
	 "after SIGTERM, how long requests in flight may finish (default 10)"},
	{"PEERD_RATE_LIMIT_PER_MINUTE", SERVE,
	 "requests a minute per caller (sub in its org), 0 for none (default 1200)"},
	{"PEERD_RATE_LIMIT_BURST", SERVE, "requests a caller may send at once (default 200)"},
	{"PEERD_CORS_ORIGINS", SERVE,
	 "comma-separated browser origins allowed, or * (default none)"},
	{"PEERD_LOG_LEVEL", SERVE | DATABASE | TOKEN,
	 "debug, info, warn or error (default info); logs are JSON lines on stderr"},
	{0},
};

void config_print_help(FILE *out, enum config_purpose purpose)
{
	fputs("Settings (environment variables):\n", out);
	for (const struct config_setting_help *entry = CONFIG_SETTINGS_HELP; entry->name; entry++) {
		if (entry->purposes & (1u << purpose))
			fprintf(out, "  %-34s %s\n", entry->name, entry->meaning);
	}
}
