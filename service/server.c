#include "server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "app.h"
#include "http_exchange.h"
#include "log.h"
#include "monotonic.h"
#include "request_deadline.h"
#include "workers.h"

/* Per connection, for the request line and headers (a long JWT fits easily; larger
 * requests get libmicrohttpd's own 414 or 431, before peerd sees them) and for the
 * buffer a streamed response is written through. libmicrohttpd zeroes the whole of it
 * after every request and so keeps all of it resident: at 128 KiB the zeroing was a
 * third of peerd's instructions per request (callgrind) and 1,000 idle keep-alive
 * connections held 128 MiB. At 32 KiB an export of 100,000 notes (32 MB) still takes
 * 2.5 s on loopback, against 2.3 s. */
#define CONNECTION_MEMORY_BYTES (32 * 1024)

/* After the last handler returns, time for its response to leave the socket. */
#define FLUSH_GRACE_MS 200

/* At the connection limit, or out of descriptors, how often the accept thread looks again. */
#define ACCEPT_RECHECK_MS 20

/* A connection handed to libmicrohttpd starts on its I/O thread within milliseconds; one
 * not started after this long never will (it had no memory for its buffer). */
#define HANDOVER_SETTLE_MS 1000

__attribute__((format(printf, 2, 0))) static void
log_from_microhttpd(void *context, const char *format, va_list args)
{
	(void)context;
	char message[512];
	vsnprintf(message, sizeof message, format, args);
	message[strcspn(message, "\n")] = '\0';
	log_write(LOG_LEVEL_WARN, "http server", json_pack("{s:s}", "detail", message));
}

/* Descriptors besides the clients': the listening socket, the pool's connections, logs. */
#define SPARE_DESCRIPTORS 64

/* PEERD_MAX_CONNECTIONS, or fewer when the process may not open that many descriptors
 * even after raising its soft limit to the hard one: past the limit accept() would fail
 * over and over instead of leaving clients in the backlog. */
static unsigned connection_limit(const struct config *config)
{
	unsigned wanted = config->max_connections;
	/* The pool, the reports' pool when there is one, and the audit chainer's. */
	rlim_t database = (rlim_t)config->db_pool_size * (config->reports_database_url ? 2 : 1) + 1;
	rlim_t needed = (rlim_t)wanted + database + SPARE_DESCRIPTORS;
	struct rlimit files;
	if (getrlimit(RLIMIT_NOFILE, &files) != 0)
		return wanted;
	if (files.rlim_cur < needed && files.rlim_cur < files.rlim_max) {
		files.rlim_cur = files.rlim_max < needed ? files.rlim_max : needed;
		setrlimit(RLIMIT_NOFILE, &files);
		getrlimit(RLIMIT_NOFILE, &files);
	}
	if (files.rlim_cur >= needed)
		return wanted;
	rlim_t room = files.rlim_cur > database + SPARE_DESCRIPTORS + 16
			      ? files.rlim_cur - database - SPARE_DESCRIPTORS
			      : 16;
	log_write(LOG_LEVEL_WARN, "fewer connections than PEERD_MAX_CONNECTIONS",
		  json_pack("{s:i, s:I, s:I}", "max_connections", (int)wanted, "open_files_limit",
			    (json_int_t)files.rlim_cur, "connections", (json_int_t)room));
	return (unsigned)room;
}

/* libmicrohttpd's threads only read requests, write responses and answer what needs no
 * waiting (service/http_exchange.c): one a CPU keeps them all busy, at least two so that
 * one slow client's write never stands alone between the others and their answers. */
static unsigned io_threads(void)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	return cpus < 2 ? 2 : cpus > 16 ? 16 : (unsigned)cpus;
}

static void sleep_ms(unsigned ms)
{
	struct timespec pause = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L};
	nanosleep(&pause, NULL);
}

/* libmicrohttpd's own connection callback, counting what it starts and closes for the
 * accept thread, then telling the request deadlines. */
static void count_connection(void *context, struct MHD_Connection *connection,
			     void **socket_context, enum MHD_ConnectionNotificationCode code)
{
	struct server *server = context;
	if (code == MHD_CONNECTION_NOTIFY_STARTED)
		atomic_fetch_add(&server->started, 1);
	else if (code == MHD_CONNECTION_NOTIFY_CLOSED)
		atomic_fetch_add(&server->closed, 1);
	request_deadlines_connection(server->app->request_deadlines, connection, socket_context,
				     code);
}

/* A non-blocking listening socket on port, every IPv4 interface, made as libmicrohttpd
 * made its own: SO_REUSEADDR (a port whose connections are only closing can be bound
 * again), a backlog of SOMAXCONN. Returns -1 when it cannot listen (errno says why). */
static int listen_on(unsigned port)
{
	int listener = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (listener < 0)
		return -1;
	int on = 1;
	(void)setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
	struct sockaddr_in address = {.sin_family = AF_INET,
				      .sin_port = htons((uint16_t)port),
				      .sin_addr.s_addr = htonl(INADDR_ANY)};
	if (bind(listener, (struct sockaddr *)&address, sizeof address) != 0 ||
	    listen(listener, SOMAXCONN) != 0) {
		int reason = errno;
		close(listener);
		errno = reason;
		return -1;
	}
	return listener;
}

/* The accept thread's own reckoning. */
struct acceptor_state {
	unsigned long handed;	     /* connections handed to libmicrohttpd */
	struct timespec last_handed; /* when the last was */
	bool failing;		     /* accept() failed for want of descriptors or memory */
};

/* Hands libmicrohttpd the connections waiting on the listener while fewer than the limit
 * are open. Returns false once it may take no more for now: at the limit, or out of
 * descriptors or memory (then the clients wait in the backlog too). */
static bool accept_waiting(struct server *server, struct acceptor_state *state)
{
	for (;;) {
		if (state->handed - atomic_load(&server->closed) >= server->connection_limit)
			return false;
		struct sockaddr_storage address;
		socklen_t length = sizeof address;
		int client = accept4(server->listener, (struct sockaddr *)&address, &length,
				     SOCK_CLOEXEC);
		if (client < 0 && (errno == EINTR || errno == ECONNABORTED))
			continue;
		if (client < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return true;
		if (client < 0) {
			if (!state->failing)
				log_message(LOG_LEVEL_WARN, "cannot accept connections: %s",
					    strerror(errno));
			state->failing = true;
			return false;
		}
		state->failing = false;
		state->handed++;
		clock_gettime(CLOCK_MONOTONIC, &state->last_handed);
		/* It picks an I/O thread and wakes it; it closes the socket if it cannot. */
		if (MHD_add_connection(server->daemon, client, (struct sockaddr *)&address,
				       length) != MHD_YES)
			state->handed--;
	}
}

/* The accept thread: takes connections while fewer than the limit are open, as
 * libmicrohttpd did when it listened itself, so that past the limit clients wait in the
 * backlog instead of being reset; looks again every ACCEPT_RECHECK_MS while it may not.
 * Returns once stop_accepting is written to. */
static void *accept_connections(void *context)
{
	struct server *server = context;
	struct acceptor_state state = {0};
	clock_gettime(CLOCK_MONOTONIC, &state.last_handed);
	bool may_accept = true;
	for (;;) {
		struct pollfd watched[] = {
			{.fd = may_accept ? server->listener : -1, .events = POLLIN},
			{.fd = server->stop_accepting, .events = POLLIN},
		};
		if (poll(watched, 2, may_accept ? -1 : ACCEPT_RECHECK_MS) < 0 && errno != EINTR)
			sleep_ms(ACCEPT_RECHECK_MS);
		if (watched[1].revents)
			return NULL;
		/* A connection libmicrohttpd was handed but never started (no memory for its
		 * buffer) is reported neither started nor closed: once every hand-over has
		 * had time to start, the open ones are those started and not closed. */
		unsigned long started = atomic_load(&server->started);
		if (!may_accept && started < state.handed &&
		    monotonic_ms_since(&state.last_handed) >= HANDOVER_SETTLE_MS)
			state.handed = started;
		may_accept = accept_waiting(server, &state);
	}
}

/* Stops the accept thread and waits for it: the listener's backlog is then the caller's. */
static void stop_accepting(struct server *server)
{
	uint64_t one = 1;
	while (write(server->stop_accepting, &one, sizeof one) < 0 && errno == EINTR)
		;
	pthread_join(server->acceptor, NULL);
}

bool server_start(struct server *server, struct app *app, char *error, size_t error_size)
{
	memset(server, 0, sizeof *server);
	server->app = app;
	server->stop_accepting = -1;
	/* peerd listens and accepts itself (accept_connections): libmicrohttpd 0.9.75's
	 * MHD_quiesce_daemon races its epoll threads for the listening socket and may abort
	 * the process while it stops. */
	server->listener = listen_on(app->config->port);
	if (server->listener < 0) {
		snprintf(error, error_size, "cannot listen on port %u (is it in use?)",
			 app->config->port);
		return false;
	}
	snprintf(error, error_size, "the HTTP server could not be initialised");
	server->stop_accepting = eventfd(0, EFD_CLOEXEC);
	if (server->stop_accepting < 0)
		goto failed;
	/* Each connection may hold a body of up to PEERD_MAX_BODY_BYTES while it uploads, so
	 * this also bounds memory. */
	server->connection_limit = connection_limit(app->config);
	/* Beyond this idle timeout, each request must arrive whole within the same time. */
	app->request_deadlines = request_deadlines_start(app->config->connection_timeout_seconds,
							 2 * (size_t)server->connection_limit,
							 http_exchange_abandoned, app);
	if (!app->request_deadlines)
		goto failed;
	app->workers = workers_start(app->config->threads);
	if (!app->workers) {
		snprintf(error, error_size, "the handlers' threads could not be started");
		goto failed;
	}
	unsigned threads = io_threads();
	struct MHD_OptionItem options[] = {
		/* First, so that MHD reports even option errors through it. */
		{MHD_OPTION_EXTERNAL_LOGGER, (intptr_t)log_from_microhttpd, NULL},
		{MHD_OPTION_URI_LOG_CALLBACK, (intptr_t)http_exchange_begin, app},
		{MHD_OPTION_NOTIFY_COMPLETED, (intptr_t)http_exchange_completed, app},
		{MHD_OPTION_NOTIFY_CONNECTION, (intptr_t)count_connection, server},
		{MHD_OPTION_THREAD_POOL_SIZE, (intptr_t)threads, NULL},
		{MHD_OPTION_CONNECTION_TIMEOUT, app->config->connection_timeout_seconds, NULL},
		/* The accept thread keeps to the limit. MHD splits its own among its threads
		 * and counts a connection handed to one only once that thread has started it,
		 * so at the same limit it would close some of a burst below ours: each of its
		 * threads may take them all. */
		{MHD_OPTION_CONNECTION_LIMIT, (intptr_t)server->connection_limit * threads, NULL},
		{MHD_OPTION_CONNECTION_MEMORY_LIMIT, CONNECTION_MEMORY_BYTES, NULL},
		{MHD_OPTION_END, 0, NULL},
	};
	unsigned flags = MHD_USE_AUTO_INTERNAL_THREAD | MHD_USE_ITC | MHD_USE_ERROR_LOG |
			 MHD_ALLOW_SUSPEND_RESUME | MHD_USE_NO_LISTEN_SOCKET;
	server->daemon = MHD_start_daemon(flags, 0, NULL, NULL, http_exchange_access, app,
					  MHD_OPTION_ARRAY, options, MHD_OPTION_END);
	if (!server->daemon)
		goto failed;
	if (pthread_create(&server->acceptor, NULL, accept_connections, server) != 0) {
		MHD_stop_daemon(server->daemon);
		server->daemon = NULL;
		goto failed;
	}
	server->running = true;
	return true;

failed:
	workers_stop(app->workers);
	app->workers = NULL;
	request_deadlines_stop(app->request_deadlines);
	app->request_deadlines = NULL;
	if (server->stop_accepting >= 0)
		close(server->stop_accepting);
	close(server->listener);
	return false;
}

/* Hands MHD the connections still waiting in the (non-blocking) listening socket's
 * backlog (the connection limit at most, should clients keep coming): their clients have
 * sent a request, and closing the socket would reset them. */
static void hand_over_backlog(struct MHD_Daemon *daemon, int listener, unsigned limit)
{
	for (unsigned taken = 0; taken < limit;) {
		struct sockaddr_storage address;
		socklen_t length = sizeof address;
		int client = accept4(listener, (struct sockaddr *)&address, &length, SOCK_CLOEXEC);
		if (client < 0 && errno == EINTR)
			continue;
		if (client < 0)
			return; /* EAGAIN: the backlog is empty */
		taken++;
		/* MHD closes the socket if it cannot take it. */
		(void)MHD_add_connection(daemon, client, (struct sockaddr *)&address, length);
	}
}

void server_stop(struct server *server, unsigned grace_ms)
{
	if (!server->running)
		return;
	struct app *app = server->app;
	atomic_store(&app->draining, true);
	/* Stop accepting; those already in the backlog are taken in, then the port closes. */
	stop_accepting(server);
	close(server->stop_accepting);
	hand_over_backlog(server->daemon, server->listener, server->connection_limit);
	close(server->listener);
	unsigned waited = 0;
	for (;;) {
		while (atomic_load(&app->in_flight) > 0 && waited < grace_ms) {
			sleep_ms(10);
			waited += 10;
		}
		if (atomic_load(&app->in_flight) > 0)
			break; /* the grace period is over */
		/* Time for the last answers to leave. Requests on connections MHD accepted but
		 * had not read yet begin now that its threads are free: wait for them too. */
		sleep_ms(FLUSH_GRACE_MS);
		waited += FLUSH_GRACE_MS;
		if (atomic_load(&app->in_flight) == 0 || waited >= grace_ms)
			break;
	}
	unsigned long unfinished = atomic_load(&app->in_flight);
	if (unfinished > 0) {
		log_message(LOG_LEVEL_WARN,
			    "%lu requests still running after %u ms; cancelling their statements",
			    unfinished, grace_ms);
		/* So that they answer 503 now rather than hold up the stop (MHD waits for them). */
		pool_cancel_borrowed(app->pool);
		if (app->reports_pool)
			pool_cancel_borrowed(app->reports_pool);
		sleep_ms(FLUSH_GRACE_MS);
	}
	/* A worker still running would resume a connection of a stopped daemon: libmicrohttpd
	 * may not stop while connections are suspended. Their statements are cancelled, so
	 * they end soon. */
	while (workers_busy(app->workers) > 0)
		sleep_ms(10);
	MHD_stop_daemon(server->daemon);
	server->daemon = NULL;
	workers_stop(app->workers);
	app->workers = NULL;
	/* Every connection is closed by now. */
	request_deadlines_stop(app->request_deadlines);
	app->request_deadlines = NULL;
	server->running = false;
}
