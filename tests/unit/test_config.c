#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <stdio.h>
#include <string.h>

#include "config.h"

/* A settings table standing in for the environment: "NAME=value" entries. */
static const char *lookup(const char *name, void *context)
{
	const char *const *entries = context;
	size_t length = strlen(name);
	for (; *entries; entries++) {
		if (strncmp(*entries, name, length) == 0 && (*entries)[length] == '=')
			return *entries + length + 1;
	}
	return NULL;
}

#define SECRET	 "PEERD_JWT_SECRET=0123456789abcdef0123456789abcdef"
#define DATABASE "PEERD_DATABASE_URL=postgresql://peerd@localhost/peerd"

static bool load(enum config_purpose purpose, const char *const *entries, struct config *cfg,
		 char *error)
{
	return config_load(cfg, purpose, lookup, (void *)entries, error, 256);
}

/* Asserts that loading entries for purpose fails with a message naming setting, which it
 * leaves in error (256 bytes) for what else the test says of it. */
static void assert_refused_naming(enum config_purpose purpose, const char *const *entries,
				  const char *setting, char *error)
{
	struct config cfg;
	error[0] = '\0';
	cr_assert_not(load(purpose, entries, &cfg, error), "accepted: %s was to be named", setting);
	cr_assert(strstr(error, setting), "\"%s\" does not name %s", error, setting);
	config_free(&cfg);
}

Test(config, serve_defaults)
{
	const char *const entries[] = {DATABASE, SECRET, "PEERD_THREADS=3", NULL};
	struct config cfg;
	char error[256] = "";
	cr_assert(load(CONFIG_FOR_SERVE, entries, &cfg, error), "%s", error);
	cr_assert_eq(cfg.port, 8080);
	cr_assert_eq(cfg.threads, 3);
	cr_assert_eq(cfg.db_pool_size, 6, "the pool defaults to twice the threads");
	cr_assert_eq(cfg.max_body_bytes, 1024 * 1024);
	cr_assert_eq(cfg.max_connections, 4096);
	cr_assert_eq(cfg.log_level, LOG_LEVEL_INFO);
	cr_assert_eq(cfg.cors_origin_count, 0);
	cr_assert_null(cfg.jwt_public_key);
	config_free(&cfg);
}

Test(config, every_setting_read)
{
	const char *const entries[] = {
		DATABASE,
		SECRET,
		"PEERD_PORT=9000",
		"PEERD_THREADS=8",
		"PEERD_DB_POOL_SIZE=5",
		"PEERD_MAX_BODY_BYTES=2048",
		"PEERD_MAX_CONNECTIONS=1000",
		"PEERD_LOG_LEVEL=debug",
		"PEERD_JWT_ISSUER=https://id",
		"PEERD_JWT_AUDIENCE=peerd",
		"PEERD_CORS_ORIGINS=https://app.example.org, http://localhost:5173",
		NULL};
	struct config cfg;
	char error[256] = "";
	cr_assert(load(CONFIG_FOR_SERVE, entries, &cfg, error), "%s", error);
	cr_assert_eq(cfg.port, 9000);
	cr_assert_eq(cfg.threads, 8);
	cr_assert_eq(cfg.db_pool_size, 5);
	cr_assert_eq(cfg.max_body_bytes, 2048);
	cr_assert_eq(cfg.max_connections, 1000);
	cr_assert_eq(cfg.log_level, LOG_LEVEL_DEBUG);
	cr_assert_str_eq(cfg.jwt_issuer, "https://id");
	cr_assert_str_eq(cfg.jwt_audience, "peerd");
	cr_assert_eq(cfg.cors_origin_count, 2);
	cr_assert_str_eq(cfg.cors_origins[0], "https://app.example.org");
	cr_assert_str_eq(cfg.cors_origins[1], "http://localhost:5173");
	config_free(&cfg);
}

/* Inline text: Criterion runs each case in a re-executed process. */
struct bad_setting {
	char entry[64];
	char named[32];
};

ParameterizedTestParameters(config, bad_setting_is_named)
{
	static struct bad_setting cases[] = {
		{"PEERD_PORT=abc", "PEERD_PORT"},
		{"PEERD_PORT=0", "PEERD_PORT"},
		{"PEERD_PORT=65536", "PEERD_PORT"},
		{"PEERD_PORT=-1", "PEERD_PORT"},
		{"PEERD_PORT=80x", "PEERD_PORT"},
		{"PEERD_THREADS=0", "PEERD_THREADS"},
		{"PEERD_DB_POOL_SIZE=100000", "PEERD_DB_POOL_SIZE"},
		{"PEERD_MAX_BODY_BYTES=10", "PEERD_MAX_BODY_BYTES"},
		{"PEERD_MAX_CONNECTIONS=8", "PEERD_MAX_CONNECTIONS"},
		{"PEERD_MAX_CONNECTIONS=70000", "PEERD_MAX_CONNECTIONS"},
		{"PEERD_LOG_LEVEL=loud", "PEERD_LOG_LEVEL"},
		{"PEERD_CORS_ORIGINS=app.example.org", "PEERD_CORS_ORIGINS"},
		{"PEERD_CORS_ORIGINS=https://a.org/", "PEERD_CORS_ORIGINS"},
		{"PEERD_CORS_ORIGINS=*,https://a.org", "PEERD_CORS_ORIGINS"},
		{"PEERD_JWT_PUBLIC_KEY=/nonexistent/key.pem", "PEERD_JWT_PUBLIC_KEY"},
	};
	return cr_make_param_array(struct bad_setting, cases, sizeof cases / sizeof cases[0]);
}

ParameterizedTest(struct bad_setting *bad, config, bad_setting_is_named)
{
	const char *const entries[] = {bad->entry, DATABASE, SECRET, NULL};
	char error[256];
	assert_refused_naming(CONFIG_FOR_SERVE, entries, bad->named, error);
	cr_assert_null(strchr(error, '\n'), "the message is one line");
}

Test(config, missing_database_url_is_named)
{
	const char *const entries[] = {SECRET, NULL};
	char error[256];
	assert_refused_naming(CONFIG_FOR_SERVE, entries, "PEERD_DATABASE_URL", error);
}

Test(config, database_url_must_be_a_uri)
{
	const char *const entries[] = {"PEERD_DATABASE_URL=host=localhost dbname=x", SECRET, NULL};
	char error[256];
	assert_refused_naming(CONFIG_FOR_SERVE, entries, "PEERD_DATABASE_URL", error);
}

Test(config, serve_needs_a_key)
{
	const char *const entries[] = {DATABASE, NULL};
	char error[256];
	assert_refused_naming(CONFIG_FOR_SERVE, entries, "PEERD_JWT_SECRET", error);
}

Test(config, short_secret_is_refused)
{
	const char *const entries[] = {DATABASE, "PEERD_JWT_SECRET=short", NULL};
	char error[256];
	assert_refused_naming(CONFIG_FOR_SERVE, entries, "PEERD_JWT_SECRET", error);
	cr_assert_null(strstr(error, "short"), "the secret itself is never printed");
}

/* The export pseudonyms' key must not be one the identity provider holds too. */
Test(config, pseudonym_key_must_differ_from_the_token_secret)
{
	const char *const entries[] = {
		DATABASE, SECRET, "PEERD_PSEUDONYM_KEY=0123456789abcdef0123456789abcdef", NULL};
	struct config cfg;
	char error[256] = "";
	cr_assert_not(load(CONFIG_FOR_SERVE, entries, &cfg, error));
	cr_assert(strstr(error, "PEERD_PSEUDONYM_KEY") && strstr(error, "PEERD_JWT_SECRET"), "%s",
		  error);
	cr_assert_null(strstr(error, "0123456789abcdef"), "the key itself is never printed");
	config_free(&cfg);
}

Test(config, each_command_needs_only_its_settings)
{
	struct config cfg;
	char error[256] = "";
	const char *const database_only[] = {DATABASE, NULL};
	cr_assert(load(CONFIG_FOR_DATABASE, database_only, &cfg, error), "%s", error);
	config_free(&cfg);
	const char *const secret_only[] = {SECRET, NULL};
	cr_assert(load(CONFIG_FOR_TOKEN, secret_only, &cfg, error), "%s", error);
	config_free(&cfg);
	cr_assert_not(load(CONFIG_FOR_TOKEN, database_only, &cfg, error));
	cr_assert(strstr(error, "PEERD_JWT_SECRET"), "%s", error);
	config_free(&cfg);
}

Test(config, empty_value_counts_as_unset)
{
	const char *const entries[] = {DATABASE, SECRET, "PEERD_PORT=", NULL};
	struct config cfg;
	char error[256] = "";
	cr_assert(load(CONFIG_FOR_SERVE, entries, &cfg, error), "%s", error);
	cr_assert_eq(cfg.port, 8080);
	config_free(&cfg);
}

Test(config, public_key_with_written_line_breaks)
{
	const char *const entries[] = {
		DATABASE,
		"PEERD_JWT_PUBLIC_KEY=-----BEGIN PUBLIC KEY-----\\nAAAA\\n-----END PUBLIC KEY-----",
		NULL};
	struct config cfg;
	char error[256] = "";
	cr_assert(load(CONFIG_FOR_SERVE, entries, &cfg, error), "%s", error);
	cr_assert_str_eq(cfg.jwt_public_key,
			 "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----");
	config_free(&cfg);
}

Test(config, next_public_key_beside_the_current_one)
{
	const char *const entries[] = {
		DATABASE,
		"PEERD_JWT_PUBLIC_KEY=-----BEGIN PUBLIC KEY-----\\nOLD\\n-----END PUBLIC KEY-----",
		"PEERD_JWT_PUBLIC_KEY_NEXT=-----BEGIN PUBLIC KEY-----\\nNEW\\n-----END PUBLIC "
		"KEY-----",
		NULL};
	struct config cfg;
	char error[256] = "";
	cr_assert(load(CONFIG_FOR_SERVE, entries, &cfg, error), "%s", error);
	cr_assert_str_eq(cfg.jwt_public_key_next,
			 "-----BEGIN PUBLIC KEY-----\nNEW\n-----END PUBLIC KEY-----");
	config_free(&cfg);
}

Test(config, next_public_key_alone_is_refused)
{
	const char *const entries[] = {DATABASE, SECRET,
				       "PEERD_JWT_PUBLIC_KEY_NEXT=-----BEGIN PUBLIC "
				       "KEY-----\\nNEW\\n-----END PUBLIC KEY-----",
				       NULL};
	char error[256];
	assert_refused_naming(CONFIG_FOR_SERVE, entries, "PEERD_JWT_PUBLIC_KEY_NEXT", error);
}

Test(config, webhook_settings)
{
	const char *const entries[] = {
		DATABASE, SECRET, "PEERD_WEBHOOK_KEY=webhooks-0123456789abcdef0123456789abcdef",
		"PEERD_WEBHOOKS_ALLOW_HTTP=true", NULL};
	struct config cfg;
	char error[256] = "";
	cr_assert(load(CONFIG_FOR_SERVE, entries, &cfg, error), "%s", error);
	cr_assert_str_eq(cfg.webhook_key, "webhooks-0123456789abcdef0123456789abcdef");
	cr_assert(cfg.webhooks_allow_http);
	config_free(&cfg);
	const char *const none[] = {DATABASE, SECRET, NULL};
	cr_assert(load(CONFIG_FOR_SERVE, none, &cfg, error), "%s", error);
	cr_assert_null(cfg.webhook_key);
	cr_assert_not(cfg.webhooks_allow_http);
	config_free(&cfg);
}

Test(config, webhook_settings_refused)
{
	const char *const short_key[] = {DATABASE, SECRET, "PEERD_WEBHOOK_KEY=short", NULL};
	char error[256];
	assert_refused_naming(CONFIG_FOR_SERVE, short_key, "PEERD_WEBHOOK_KEY", error);
	const char *const not_bool[] = {DATABASE, SECRET, "PEERD_WEBHOOKS_ALLOW_HTTP=yes", NULL};
	assert_refused_naming(CONFIG_FOR_SERVE, not_bool, "PEERD_WEBHOOKS_ALLOW_HTTP", error);
}
