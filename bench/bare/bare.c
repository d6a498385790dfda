/* The framework floor bench/measure.py holds peerd against: ulfius over libmicrohttpd with
 * the options `peerd serve` gives it, a JWT verified on every request, one prepared
 * statement on a connection per thread, the row sent as it comes. Nothing else: no access
 * log, no router of its own, no pool, no problem+json. Configured by the environment
 * (config.h); exits on SIGTERM. */
#include <microhttpd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <ulfius.h>
#include <unistd.h>

#include "config.h"
#include "specialist.h"
#include "token.h"

/* As `peerd serve` (service/server.c, service/config.c): a connection idle this long is
 * closed, at most this many are open, each with this much memory. */
#define CONNECTION_TIMEOUT_SECONDS 30
#define MAX_CONNECTIONS		   4096
#define CONNECTION_MEMORY_BYTES	   (32 * 1024)

/* ulfius runs each handler on libmicrohttpd's thread, which then waits on PostgreSQL: the
 * pool has as many threads as peerd has handler threads (8 a CPU, 16 to 64), so that as
 * many queries may be in flight at once as in peerd. (On 2 CPUs, 2 threads or 16 made no
 * difference beyond the noise: about 90 µs of CPU a request either way.) */
static unsigned handler_threads(void)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	long threads = cpus > 0 ? cpus * 8 : 16;
	return (unsigned)(threads < 16 ? 16 : threads > 64 ? 64 : threads);
}

static int answer_status(struct _u_response *response, unsigned status)
{
	ulfius_set_empty_body_response(response, status);
	return U_CALLBACK_COMPLETE;
}

static int healthz(const struct _u_request *request, struct _u_response *response, void *context)
{
	(void)request;
	(void)context;
	return answer_status(response, 200);
}

static int specialist(const struct _u_request *request, struct _u_response *response, void *context)
{
	const struct bare_config *config = context;
	if (!token_valid(config, u_map_get_case(request->map_header, "Authorization")))
		return answer_status(response, 401);
	char *body = NULL;
	size_t length = 0;
	switch (specialist_read(config, u_map_get(request->map_url, "id"), &body, &length)) {
	case SPECIALIST_MISSING:
		return answer_status(response, 404);
	case SPECIALIST_FAILED:
		return answer_status(response, 503);
	case SPECIALIST_FOUND:
		break;
	}
	ulfius_set_binary_body_response(response, 200, body, length);
	free(body);
	u_map_put(response->map_header, "Content-Type", "application/json");
	return U_CALLBACK_COMPLETE;
}

/* The configuration from the environment; false (said on stderr) when some is missing. */
static bool config_read(struct bare_config *config)
{
	const char *port = getenv("BENCH_PORT");
	*config = (struct bare_config){
		.port = port ? (unsigned)strtoul(port, NULL, 10) : 0,
		.database_url = getenv("BENCH_DATABASE_URL"),
		.role = getenv("BENCH_DATABASE_ROLE"),
		.secret = getenv("BENCH_JWT_SECRET"),
		.organization = getenv("BENCH_ORGANIZATION"),
		.scope_role = getenv("BENCH_SCOPE_ROLE"),
	};
	if (config->port && config->port < 65536 && config->database_url && config->role &&
	    config->secret && config->organization && config->scope_role)
		return true;
	fprintf(stderr, "bare: set BENCH_PORT, BENCH_DATABASE_URL, BENCH_DATABASE_ROLE,"
			" BENCH_JWT_SECRET, BENCH_ORGANIZATION and BENCH_SCOPE_ROLE\n");
	return false;
}

static bool serve(struct _u_instance *instance)
{
	struct MHD_OptionItem options[] = {
		/* The two ulfius requires on this path. */
		{MHD_OPTION_NOTIFY_COMPLETED, (intptr_t)mhd_request_completed, NULL},
		{MHD_OPTION_URI_LOG_CALLBACK, (intptr_t)ulfius_uri_logger, NULL},
		{MHD_OPTION_THREAD_POOL_SIZE, (intptr_t)handler_threads(), NULL},
		{MHD_OPTION_CONNECTION_TIMEOUT, CONNECTION_TIMEOUT_SECONDS, NULL},
		{MHD_OPTION_CONNECTION_LIMIT, MAX_CONNECTIONS, NULL},
		{MHD_OPTION_CONNECTION_MEMORY_LIMIT, CONNECTION_MEMORY_BYTES, NULL},
		{MHD_OPTION_END, 0, NULL},
	};
	/* Internal threads on epoll, as peerd's. */
	return ulfius_start_framework_with_mhd_options(
		       instance, MHD_USE_AUTO_INTERNAL_THREAD | MHD_USE_ERROR_LOG, options) == U_OK;
}

int main(void)
{
	struct bare_config config;
	if (!config_read(&config) || !specialist_init())
		return 2;
	/* Blocked before any thread starts, so that only sigwait below receives them. */
	sigset_t stop;
	sigemptyset(&stop);
	sigaddset(&stop, SIGTERM);
	sigaddset(&stop, SIGINT);
	pthread_sigmask(SIG_BLOCK, &stop, NULL);

	struct _u_instance instance;
	if (ulfius_init_instance(&instance, config.port, NULL, NULL) != U_OK)
		return 1;
	int status = 1;
	if (ulfius_add_endpoint_by_val(&instance, "GET", "/healthz", NULL, 0, healthz, NULL) ==
		    U_OK &&
	    ulfius_add_endpoint_by_val(&instance, "GET", "/v1/specialists", "/:id", 0, specialist,
				       &config) == U_OK &&
	    serve(&instance)) {
		int signal = 0;
		sigwait(&stop, &signal);
		ulfius_stop_framework(&instance);
		status = 0;
	} else {
		fprintf(stderr, "bare: cannot serve on port %u\n", config.port);
	}
	ulfius_clean_instance(&instance);
	return status;
}
