#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define DEFAULT_PORT	       8080
#define DEFAULT_MAX_BODY_BYTES (1024 * 1024)
#define MAX_THREADS	       256
#define MAX_POOL_SIZE	       512
#define MAX_DEFAULT_POOL       64
#define MIN_BODY_BYTES	       1024
#define MAX_BODY_BYTES	       (64 * 1024 * 1024)
#define MAX_PEM_BYTES	       (64 * 1024)
#define MAX_CONNECTIONS	       65536

struct loader {
	config_lookup_fn lookup;
	void *context;
	char *error;
	size_t error_size;
};

__attribute__((format(printf, 2, 3))) static bool fail(struct loader *loader, const char *format,
						       ...)
{
	va_list args;
	va_start(args, format);
	vsnprintf(loader->error, loader->error_size, format, args);
	va_end(args);
	return false;
}

/* An empty value counts as unset: `PEERD_X=` in an env file means "not configured". */
static const char *setting(struct loader *loader, const char *name)
{
	const char *value = loader->lookup(name, loader->context);
	return value && *value ? value : NULL;
}

static bool copy_setting(struct loader *loader, const char *name, char **out)
{
	const char *value = setting(loader, name);
	if (!value)
		return true;
	*out = strdup(value);
	return *out != NULL || fail(loader, "%s: out of memory", name);
}

static bool parse_unsigned(struct loader *loader, const char *name, unsigned long min,
			   unsigned long max, unsigned long fallback, unsigned long *out)
{
	const char *value = setting(loader, name);
	if (!value) {
		*out = fallback;
		return true;
	}
	char *end = NULL;
	errno = 0;
	unsigned long parsed = strtoul(value, &end, 10);
	if (!isdigit((unsigned char)value[0]) || errno != 0 || *end != '\0' || parsed < min ||
	    parsed > max)
		return fail(loader, "%s must be a whole number from %lu to %lu", name, min, max);
	*out = parsed;
	return true;
}

/* A worker thread serves its connections one request at a time and waits on the database
 * for most of each, so the threads, not the CPUs, bound how many queries PostgreSQL sees at
 * once: with 16 clients on 2 CPUs, 4 threads (2 a CPU) answered 7,400 requests/s and 16
 * answered 10,500; 32 no more. Past 64 the database's own connection limit comes first. */
#define MIN_DEFAULT_THREADS 16
#define MAX_DEFAULT_THREADS 64

static unsigned default_thread_count(void)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	long threads = cpus > 0 ? cpus * 8 : MIN_DEFAULT_THREADS;
	return (unsigned)(threads < MIN_DEFAULT_THREADS	  ? MIN_DEFAULT_THREADS
			  : threads > MAX_DEFAULT_THREADS ? MAX_DEFAULT_THREADS
							  : threads);
}

static bool read_file(struct loader *loader, const char *name, const char *path, char **out)
{
	FILE *file = fopen(path, "rb");
	if (!file)
		return fail(loader, "%s: cannot read %s (%s)", name, path, strerror(errno));
	char *text = malloc(MAX_PEM_BYTES + 1);
	size_t size = text ? fread(text, 1, MAX_PEM_BYTES + 1, file) : 0;
	fclose(file);
	if (!text)
		return fail(loader, "%s: out of memory", name);
	if (size == 0 || size > MAX_PEM_BYTES) {
		free(text);
		return fail(loader, "%s: %s is empty or larger than %d bytes", name, path,
			    MAX_PEM_BYTES);
	}
	text[size] = '\0';
	*out = text;
	return true;
}

/* The public key setting name into *pem: the key itself, or the path of a file holding it
 * (easier in container env files). */
static bool load_public_key(struct loader *loader, const char *name, char **pem)
{
	const char *value = setting(loader, name);
	if (!value)
		return true;
	if (strncmp(value, "-----BEGIN ", 11) != 0)
		return read_file(loader, name, value, pem);
	if (!copy_setting(loader, name, pem))
		return false;
	/* Env files cannot hold line breaks, so a written "\n" stands for one. */
	char *out = *pem;
	for (const char *in = *pem; *in; in++) {
		bool escaped_newline = in[0] == '\\' && in[1] == 'n';
		*out++ = escaped_newline ? '\n' : *in;
		in += escaped_newline;
	}
	*out = '\0';
	return true;
}

static bool valid_origin(const char *origin)
{
	size_t length = strlen(origin);
	bool has_scheme = strncmp(origin, "http://", 7) == 0 || strncmp(origin, "https://", 8) == 0;
	return has_scheme && length < 256 && origin[length - 1] != '/' && !strpbrk(origin, " \t,");
}

static bool load_cors_origins(struct loader *loader, struct config *cfg)
{
	const char *name = "PEERD_CORS_ORIGINS";
	const char *value = setting(loader, name);
	if (!value)
		return true;
	char *copy = strdup(value);
	if (!copy)
		return fail(loader, "%s: out of memory", name);
	bool ok = true;
	char *saved = NULL;
	for (char *item = strtok_r(copy, ",", &saved); item && ok;
	     item = strtok_r(NULL, ",", &saved)) {
		while (*item == ' ')
			item++;
		for (char *end = item + strlen(item); end > item && end[-1] == ' '; end--)
			end[-1] = '\0';
		if (!*item)
			continue;
		bool wildcard = strcmp(item, "*") == 0;
		if (!wildcard && !valid_origin(item)) {
			ok = fail(loader,
				  "%s: \"%s\" is not an origin like https://app.example.org (no "
				  "path, "
				  "no trailing slash)",
				  name, item);
			break;
		}
		char **grown = realloc(cfg->cors_origins,
				       (cfg->cors_origin_count + 1) * sizeof *cfg->cors_origins);
		char *stored = grown ? strdup(item) : NULL;
		if (grown)
			cfg->cors_origins = grown;
		if (!stored) {
			ok = fail(loader, "%s: out of memory", name);
			break;
		}
		cfg->cors_origins[cfg->cors_origin_count++] = stored;
	}
	free(copy);
	if (ok && cfg->cors_origin_count > 1) {
		for (size_t i = 0; i < cfg->cors_origin_count; i++) {
			if (strcmp(cfg->cors_origins[i], "*") == 0)
				return fail(loader,
					    "%s: \"*\" cannot be combined with other origins",
					    name);
		}
	}
	return ok;
}

static bool load_jwt_settings(struct loader *loader, struct config *cfg, bool need_secret,
			      bool need_any_key)
{
	if (!copy_setting(loader, "PEERD_JWT_SECRET", &cfg->jwt_secret) ||
	    !load_public_key(loader, "PEERD_JWT_PUBLIC_KEY", &cfg->jwt_public_key) ||
	    !load_public_key(loader, "PEERD_JWT_PUBLIC_KEY_NEXT", &cfg->jwt_public_key_next) ||
	    !copy_setting(loader, "PEERD_JWT_ISSUER", &cfg->jwt_issuer) ||
	    !copy_setting(loader, "PEERD_JWT_AUDIENCE", &cfg->jwt_audience) ||
	    !copy_setting(loader, "PEERD_PSEUDONYM_KEY", &cfg->pseudonym_key))
		return false;
	if (cfg->pseudonym_key && strlen(cfg->pseudonym_key) < CONFIG_JWT_SECRET_MIN_BYTES)
		return fail(loader, "PEERD_PSEUDONYM_KEY must be at least %d bytes long",
			    CONFIG_JWT_SECRET_MIN_BYTES);
	if (cfg->jwt_secret && strlen(cfg->jwt_secret) < CONFIG_JWT_SECRET_MIN_BYTES)
		return fail(loader, "PEERD_JWT_SECRET must be at least %d bytes long",
			    CONFIG_JWT_SECRET_MIN_BYTES);
	/* The identity provider holds the token secret: pseudonyms keyed with it would hide
	 * no one from the provider. */
	if (cfg->pseudonym_key && cfg->jwt_secret &&
	    strcmp(cfg->pseudonym_key, cfg->jwt_secret) == 0)
		return fail(loader, "PEERD_PSEUDONYM_KEY must differ from PEERD_JWT_SECRET: "
				    "whoever holds the token secret could tell who each export "
				    "pseudonym is");
	if (need_secret && !cfg->jwt_secret)
		return fail(loader, "PEERD_JWT_SECRET is not set (tokens are signed with it)");
	if (cfg->jwt_public_key_next && !cfg->jwt_public_key)
		return fail(loader, "PEERD_JWT_PUBLIC_KEY_NEXT is the second key of a rotation: "
				    "set PEERD_JWT_PUBLIC_KEY too");
	if (need_any_key && !cfg->jwt_secret && !cfg->jwt_public_key)
		return fail(loader, "PEERD_JWT_SECRET or PEERD_JWT_PUBLIC_KEY must be set to "
				    "verify tokens");
	return true;
}

static bool load_docs_dir(struct loader *loader, struct config *cfg)
{
	const char *value = setting(loader, "PEERD_DOCS_DIR");
	cfg->docs_dir_chosen = value != NULL;
	cfg->docs_dir = strdup(value ? value : PEERD_DEFAULT_DOCS_DIR);
	return cfg->docs_dir != NULL || fail(loader, "PEERD_DOCS_DIR: out of memory");
}

static bool load_server_settings(struct loader *loader, struct config *cfg)
{
	/* Set by parse_unsigned on success; zero only so that -O3 sees them initialized. */
	unsigned long port = 0, threads = 0, pool = 0, body = 0, rate = 0, burst = 0, timeout = 0,
		      grace = 0, connections = 0;
	if (!parse_unsigned(loader, "PEERD_PORT", 1, 65535, DEFAULT_PORT, &port) ||
	    !parse_unsigned(loader, "PEERD_THREADS", 1, MAX_THREADS, default_thread_count(),
			    &threads))
		return false;
	/* Twice the threads, as streamed exports keep theirs after the handler returns, but no
	 * more than PostgreSQL's default max_connections (100) leaves room beside. */
	unsigned long default_pool =
		threads * 2 > MAX_DEFAULT_POOL ? MAX_DEFAULT_POOL : threads * 2;
	if (!parse_unsigned(loader, "PEERD_DB_POOL_SIZE", 1, MAX_POOL_SIZE, default_pool, &pool) ||
	    !parse_unsigned(loader, "PEERD_MAX_BODY_BYTES", MIN_BODY_BYTES, MAX_BODY_BYTES,
			    DEFAULT_MAX_BODY_BYTES, &body) ||
	    !parse_unsigned(loader, "PEERD_RATE_LIMIT_PER_MINUTE", 0, 1000000,
			    DEFAULT_RATE_LIMIT_PER_MINUTE, &rate) ||
	    !parse_unsigned(loader, "PEERD_RATE_LIMIT_BURST", 1, 1000000, DEFAULT_RATE_LIMIT_BURST,
			    &burst) ||
	    !parse_unsigned(loader, "PEERD_CONNECTION_TIMEOUT_SECONDS", 1, 3600,
			    DEFAULT_CONNECTION_TIMEOUT_SECONDS, &timeout) ||
	    !parse_unsigned(loader, "PEERD_SHUTDOWN_GRACE_SECONDS", 0, 3600,
			    DEFAULT_SHUTDOWN_GRACE_SECONDS, &grace) ||
	    !parse_unsigned(loader, "PEERD_MAX_CONNECTIONS", 16, MAX_CONNECTIONS,
			    DEFAULT_MAX_CONNECTIONS, &connections))
		return false;
	cfg->max_connections = (unsigned)connections;
	cfg->connection_timeout_seconds = (unsigned)timeout;
	cfg->shutdown_grace_seconds = (unsigned)grace;
	cfg->rate_limit_per_minute = (unsigned)rate;
	cfg->rate_limit_burst = (unsigned)burst;
	cfg->port = (unsigned)port;
	cfg->threads = (unsigned)threads;
	cfg->db_pool_size = (unsigned)pool;
	cfg->max_body_bytes = (size_t)body;
	return load_cors_origins(loader, cfg) && load_docs_dir(loader, cfg);
}

/* The libpq URI setting name into *url; required says whether it may be left out. */
static bool load_database_uri(struct loader *loader, const char *name, bool required, char **url)
{
	const char *value = setting(loader, name);
	if (!value && !required)
		return true;
	if (!value)
		return fail(loader,
			    "%s is not set (a libpq URI such as "
			    "postgresql://peerd@localhost/peerd)",
			    name);
	if (strncmp(value, "postgresql://", 13) != 0 && strncmp(value, "postgres://", 11) != 0)
		return fail(loader, "%s must be a libpq URI starting with postgresql://", name);
	return copy_setting(loader, name, url);
}

static bool load_database_url(struct loader *loader, struct config *cfg)
{
	return load_database_uri(loader, "PEERD_DATABASE_URL", true, &cfg->database_url);
}

/* A role name goes into the connection's startup options, so only a plain identifier. */
static bool load_database_role(struct loader *loader, struct config *cfg)
{
	const char *value = setting(loader, "PEERD_DATABASE_ROLE");
	if (!value)
		value = DEFAULT_DATABASE_ROLE;
	size_t length = strlen(value);
	bool plain = length <= 63 && (islower((unsigned char)value[0]) || value[0] == '_');
	for (size_t i = 0; plain && i < length; i++)
		plain = islower((unsigned char)value[i]) || isdigit((unsigned char)value[i]) ||
			value[i] == '_';
	if (!plain)
		return fail(loader, "PEERD_DATABASE_ROLE must be a role name of lower-case "
				    "letters, digits and _");
	cfg->database_role = strdup(value);
	return cfg->database_role != NULL || fail(loader, "PEERD_DATABASE_ROLE: out of memory");
}

static bool load_database_pooling(struct loader *loader, struct config *cfg)
{
	const char *value = setting(loader, "PEERD_DATABASE_POOLING");
	if (!value || strcmp(value, "session") == 0)
		return true;
	if (strcmp(value, "transaction") != 0)
		return fail(loader, "PEERD_DATABASE_POOLING must be session or transaction");
	cfg->transaction_pooling = true;
	return true;
}

/* PEERD_WEBHOOK_KEY and PEERD_WEBHOOKS_ALLOW_HTTP. The key is a key of its own: the
 * subscriptions' secrets are derived from it and a nonce in the database, so neither a
 * dump nor the token secret's holder can sign a webhook. */
static bool load_webhook_settings(struct loader *loader, struct config *cfg)
{
	if (!copy_setting(loader, "PEERD_WEBHOOK_KEY", &cfg->webhook_key))
		return false;
	if (cfg->webhook_key && strlen(cfg->webhook_key) < CONFIG_JWT_SECRET_MIN_BYTES)
		return fail(loader, "PEERD_WEBHOOK_KEY must be at least %d bytes long",
			    CONFIG_JWT_SECRET_MIN_BYTES);
	if (cfg->webhook_key &&
	    ((cfg->jwt_secret && strcmp(cfg->webhook_key, cfg->jwt_secret) == 0) ||
	     (cfg->pseudonym_key && strcmp(cfg->webhook_key, cfg->pseudonym_key) == 0)))
		return fail(loader, "PEERD_WEBHOOK_KEY must differ from PEERD_JWT_SECRET and "
				    "PEERD_PSEUDONYM_KEY");
	const char *allow = setting(loader, "PEERD_WEBHOOKS_ALLOW_HTTP");
	if (allow && strcmp(allow, "true") != 0 && strcmp(allow, "false") != 0)
		return fail(loader, "PEERD_WEBHOOKS_ALLOW_HTTP must be true or false");
	cfg->webhooks_allow_http = allow && strcmp(allow, "true") == 0;
	return true;
}

bool config_load(struct config *cfg, enum config_purpose purpose, config_lookup_fn lookup,
		 void *lookup_context, char *error, size_t error_size)
{
	struct loader loader = {lookup, lookup_context, error, error_size};
	memset(cfg, 0, sizeof *cfg);
	cfg->log_level = LOG_LEVEL_INFO;
	const char *level = setting(&loader, "PEERD_LOG_LEVEL");
	if (level && !log_level_parse(level, &cfg->log_level))
		return fail(&loader, "PEERD_LOG_LEVEL must be one of debug, info, warn, error");
	switch (purpose) {
	case CONFIG_FOR_SERVE:
		return load_database_url(&loader, cfg) &&
		       load_database_uri(&loader, "PEERD_REPORTS_DATABASE_URL", false,
					 &cfg->reports_database_url) &&
		       load_database_role(&loader, cfg) && load_database_pooling(&loader, cfg) &&
		       load_jwt_settings(&loader, cfg, false, true) &&
		       load_server_settings(&loader, cfg) && load_webhook_settings(&loader, cfg);
	case CONFIG_FOR_DATABASE:
		return load_database_url(&loader, cfg);
	case CONFIG_FOR_TOKEN:
		return load_jwt_settings(&loader, cfg, true, false);
	}
	return fail(&loader, "unknown configuration purpose");
}

void config_free(struct config *cfg)
{
	free(cfg->database_url);
	free(cfg->reports_database_url);
	free(cfg->jwt_secret);
	free(cfg->jwt_public_key);
	free(cfg->jwt_public_key_next);
	free(cfg->jwt_issuer);
	free(cfg->jwt_audience);
	free(cfg->pseudonym_key);
	free(cfg->webhook_key);
	free(cfg->database_role);
	for (size_t i = 0; i < cfg->cors_origin_count; i++)
		free(cfg->cors_origins[i]);
	free(cfg->cors_origins);
	free(cfg->docs_dir);
	memset(cfg, 0, sizeof *cfg);
}

const char *config_lookup_environment(const char *name, void *context)
{
	(void)context;
	return getenv(name);
}
