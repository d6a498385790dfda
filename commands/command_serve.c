/* `peerd serve`: the HTTP API until SIGTERM or SIGINT. */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "app.h"
#include "audit_chainer.h"
#include "commands.h"
#include "database_check.h"
#include "log.h"
#include "rate_limit.h"
#include "reports.h"
#include "routes.h"
#include "server.h"
#include "specialists.h"
#include "webhook_client.h"
#include "webhook_worker.h"

/* A borrower gives up on a busy pool after this long and gets a 503. */
#define POOL_WAIT_MS 2000

/* Blocks the stop signals in this thread before any other thread exists, so every thread
 * inherits the mask and only sigwait() in main sees them. */
static void block_stop_signals(sigset_t *stop)
{
	sigemptyset(stop);
	sigaddset(stop, SIGTERM);
	sigaddset(stop, SIGINT);
	pthread_sigmask(SIG_BLOCK, stop, NULL);
	signal(SIGPIPE, SIG_IGN);
}

static int wait_for_stop_signal(const sigset_t *stop)
{
	int received = 0;
	while (sigwait(stop, &received) != 0)
		;
	return received;
}

static enum db_pooling database_pooling(const struct config *cfg)
{
	return cfg->transaction_pooling ? DB_POOLING_TRANSACTION : DB_POOLING_SESSION;
}

/* The reference page is a convenience, not the service: a build without it still serves
 * the API, and says so. A directory named on purpose that cannot be read is a mistake. */
static bool load_docs(struct app *app, char *error, size_t error_size)
{
	char why[512];
	const char *directory = app->config->docs_dir;
	if (static_files_load(&app->docs, directory, why, sizeof why) &&
	    static_files_find(&app->docs, "index.html"))
		return true;
	if (app->docs.files)
		snprintf(why, sizeof why, "%s has no index.html", directory);
	static_files_free(&app->docs);
	if (app->config->docs_dir_chosen) {
		snprintf(error, error_size,
			 "PEERD_DOCS_DIR: %.400s (make it with scripts/docs DIR)", why);
		return false;
	}
	log_write(LOG_LEVEL_WARN, "the API reference page is not installed; /docs answers 404",
		  json_pack("{s:s, s:s}", "docs_dir", directory, "reason", why));
	return true;
}

static bool start(struct app *app, struct server *server, char *error, size_t error_size)
{
	if (!jwt_verifier_init(&app->verifier, app->config, error, error_size) ||
	    !load_docs(app, error, error_size))
		return false;
	app->routes = api_routes;
	app->route_count = api_route_count;
	/* A specialist's token works only while their profile is in force. */
	app->caller_guard = specialist_guard_token;
	enum db_pooling pooling = database_pooling(app->config);
	app->pool = pool_create(app->config->database_url, app->config->database_role, pooling,
				app->config->db_pool_size, POOL_WAIT_MS);
	/* Reports read a replica when one is named; a pool as large, as the same threads may
	 * all be reporting at once. */
	if (app->config->reports_database_url) {
		app->reports_pool =
			pool_create(app->config->reports_database_url, app->config->database_role,
				    pooling, app->config->db_pool_size, POOL_WAIT_MS);
		if (!app->reports_pool) {
			snprintf(error, error_size, "out of memory");
			return false;
		}
	}
	app->export_slots = exports_slots_create(app->config->db_pool_size);
	app->metrics = metrics_create(app->routes, app->route_count);
	app->rate_limiter =
		rate_limiter_new(app->config->rate_limit_per_minute, app->config->rate_limit_burst);
	if (!app->pool || !app->export_slots || !app->metrics || !app->rate_limiter) {
		snprintf(error, error_size, "out of memory");
		return false;
	}
	return server_start(server, app, error, error_size);
}

/* The webhook delivery worker, a thread of every instance rather than a command of its
 * own: nothing more to deploy or supervise, deliveries start with the first peerd, and
 * the instances share the outbox safely (SKIP LOCKED and leases). None without
 * PEERD_WEBHOOK_KEY: nothing could be signed. */
static struct webhook_worker *start_webhooks(const struct config *cfg)
{
	if (!cfg->webhook_key)
		return NULL;
	if (!webhook_client_init()) {
		log_message(LOG_LEVEL_ERROR, "libcurl could not start: nothing is delivered");
		return NULL;
	}
	struct webhook_worker *worker = webhook_worker_start(&(struct webhook_worker_settings){
		.database_url = cfg->database_url,
		.database_role = cfg->database_role,
		.pooling = database_pooling(cfg),
		.webhook_key = cfg->webhook_key,
		.allow_http = cfg->webhooks_allow_http,
	});
	if (!worker) {
		log_message(LOG_LEVEL_ERROR,
			    "the webhook worker could not start: nothing is delivered");
		webhook_client_cleanup();
	}
	return worker;
}

static void stop_webhooks(struct webhook_worker *worker)
{
	if (!worker)
		return;
	webhook_worker_stop(worker);
	webhook_client_cleanup();
}

int command_serve(void)
{
	sigset_t stop;
	block_stop_signals(&stop);
	struct config cfg;
	struct app app = {.config = &cfg};
	struct server server = {0};
	struct audit_chainer *chainer = NULL;
	struct database_check *check = NULL;
	char error[512];
	int status = 0;
	bool configured = config_load(&cfg, CONFIG_FOR_SERVE, config_lookup_environment, NULL,
				      error, sizeof error);
	if (configured) {
		log_set_level(cfg.log_level);
		chainer = audit_chainer_start(cfg.database_url, cfg.database_role,
					      database_pooling(&cfg));
		if (!chainer)
			snprintf(error, sizeof error, "out of memory");
	}
	if (!chainer || !start(&app, &server, error, sizeof error)) {
		fprintf(stderr, "peerd: %s\n", error);
		status = COMMAND_MISCONFIGURED;
	} else {
		/* Once, beside the server rather than before it: /healthz answers meanwhile. */
		check = database_check_start(cfg.database_url, cfg.database_role,
					     database_pooling(&cfg));
		if (!cfg.pseudonym_key)
			log_message(LOG_LEVEL_WARN,
				    "PEERD_PSEUDONYM_KEY is not set: exports answer 503");
		if (!cfg.webhook_key)
			log_message(LOG_LEVEL_WARN,
				    "PEERD_WEBHOOK_KEY is not set: subscriptions "
				    "cannot be made (503) and nothing is delivered");
		if (cfg.webhooks_allow_http)
			log_message(LOG_LEVEL_WARN,
				    "PEERD_WEBHOOKS_ALLOW_HTTP is true: webhooks may "
				    "go to http and loopback addresses");
		struct webhook_worker *webhooks = start_webhooks(&cfg);
		if (!log_gather_access_lines())
			log_message(LOG_LEVEL_WARN, "access lines are written one by one");
		log_write(LOG_LEVEL_INFO, "listening",
			  json_pack("{s:i, s:i, s:i}", "port", (int)cfg.port, "threads",
				    (int)cfg.threads, "db_pool_size", (int)cfg.db_pool_size));
		int received = wait_for_stop_signal(&stop);
		log_write(LOG_LEVEL_INFO, "stopping",
			  json_pack("{s:s, s:i}", "signal", strsignal(received), "in_flight",
				    (int)atomic_load(&app.in_flight)));
		server_stop(&server, app.config->shutdown_grace_seconds * 1000);
		stop_webhooks(webhooks);
		/* After the last request: it chains their events before it stops. */
		audit_chainer_stop(chainer);
		chainer = NULL;
		log_stop_gathering();
		log_message(LOG_LEVEL_INFO, "stopped");
	}
	audit_chainer_stop(chainer);
	database_check_finish(check);
	metrics_destroy(app.metrics);
	rate_limiter_free(app.rate_limiter);
	pool_destroy(app.pool);
	pool_destroy(app.reports_pool);
	slots_destroy(app.export_slots);
	static_files_free(&app.docs);
	jwt_verifier_free(&app.verifier);
	config_free(&cfg);
	return status;
}
