/* Why: libmicrohttpd's MHD_OPTION_CONNECTION_TIMEOUT is an idle timeout. A client that
 * sends one byte a second is never idle, so it keeps its connection, and one of the
 * server's connection places, for as long as it likes (slowloris). It holds no worker
 * thread (the workers wait on epoll), but enough such clients fill every place.
 *
 * How: each connection has a slot, reached through libmicrohttpd's socket context. A
 * slot's clock runs while its connection waits for a request or receives one; the
 * dispatcher stops it when ulfius hands over the whole request, and the end of the response
 * restarts it. One thread sleeps until the earliest deadline and cuts the connections past
 * theirs with shutdown(2), which wakes the connection's worker: it reads end-of-file (or a
 * hang-up) and closes the connection its usual way. libmicrohttpd closes a socket only
 * after MHD_CONNECTION_NOTIFY_CLOSED, which frees the slot under the lock, so the cutting
 * thread never touches a descriptor that was closed and perhaps reused.
 *
 * A connection cut before a request began is closed without a word: it may be a kept-alive
 * connection nobody uses, or a request line still trickling in. A connection cut in the
 * middle of a request has only its reading side shut. When its worker reads end-of-file,
 * libmicrohttpd ends the request (MHD_OPTION_NOTIFY_COMPLETED) in the connection's own
 * thread, before it shuts the writing side and closes the socket: nothing else writes to
 * the socket at that moment, and that is where the 408 is written. Linux still delivers
 * bytes that arrive after shutdown(SHUT_RD), and libmicrohttpd, woken by one of them,
 * reads it and waits for the next wake-up without reading the end-of-file behind it. So
 * the reading side is shut again every KICK_MS, each time a new wake-up; after CUT_KICKS
 * of them both sides are shut and the connection closes without a 408.
 *
 * A request that arrives whole just as it is cut is answered as usual; its connection then
 * closes, its reading side being shut. */
#include "request_deadline.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "log.h"
#include "monotonic.h"
#include "problem.h"
#include "uuid.h"

/* After the reading side of a connection was shut: how often it is shut again, and how
 * many times before both sides are. */
#define KICK_MS	  100
#define CUT_KICKS 10

enum slot_phase {
	SLOT_FREE,
	SLOT_WAITING,	/* for a request, or for the rest of its first line: clock running */
	SLOT_RECEIVING, /* a request's line has arrived, not all of it: clock running */
	SLOT_CUT,	/* reading side shut at the deadline: 408 due */
	SLOT_ANSWERING, /* received whole: no deadline until its response has gone */
	SLOT_CLOSING,	/* libmicrohttpd is closing the connection: nothing more to do */
};

struct slot {
	enum slot_phase phase;
	MHD_socket fd;
	uint64_t deadline_ms; /* CLOCK_MONOTONIC, while the phase has a deadline */
	unsigned kicks;	      /* SLOT_CUT: how many times the reading side was shut */
	const struct _u_request *request;
	bool begun;  /* a request has begun and libmicrohttpd has not ended it yet */
	void *state; /* what request_deadlines_begun was given for it */
};

struct request_deadlines {
	pthread_mutex_t lock;
	pthread_cond_t wake;
	pthread_t cutter;
	bool stopping;
	unsigned timeout_seconds;
	uint64_t timeout_ms;
	char *problem; /* the 408's body, made once */
	request_abandoned_fn *abandoned;
	void *abandoned_cls;
	size_t used; /* slots at and past this index are free */
	size_t capacity;
	struct slot slots[];
};

static uint64_t now_ms(void)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return (uint64_t)now.tv_sec * 1000u + (uint64_t)now.tv_nsec / 1000000u;
}

static bool has_deadline(enum slot_phase phase)
{
	return phase == SLOT_WAITING || phase == SLOT_RECEIVING || phase == SLOT_CUT;
}

/* Called with the lock held, for a slot past its deadline. */
static void cut(struct slot *slot, uint64_t now)
{
	if (slot->phase == SLOT_RECEIVING) {
		slot->phase = SLOT_CUT;
		slot->kicks = 0;
	}
	if (slot->phase == SLOT_CUT && slot->kicks < CUT_KICKS) {
		shutdown(slot->fd, SHUT_RD);
		slot->kicks++;
		slot->deadline_ms = now + KICK_MS;
		return;
	}
	shutdown(slot->fd, SHUT_RDWR);
	slot->phase = SLOT_CLOSING;
}

/* The cutting thread: sleeps until the earliest deadline, cuts what is past it. A deadline
 * set meanwhile is a full timeout away, never earlier than the one it sleeps for. */
static void *cut_overdue(void *context)
{
	struct request_deadlines *deadlines = context;
	pthread_mutex_lock(&deadlines->lock);
	while (!deadlines->stopping) {
		uint64_t now = now_ms();
		uint64_t next = now + deadlines->timeout_ms;
		for (size_t i = 0; i < deadlines->used; i++) {
			struct slot *slot = &deadlines->slots[i];
			if (has_deadline(slot->phase) && slot->deadline_ms <= now)
				cut(slot, now);
			if (has_deadline(slot->phase) && slot->deadline_ms < next)
				next = slot->deadline_ms;
		}
		struct timespec until = {.tv_sec = (time_t)(next / 1000u),
					 .tv_nsec = (long)(next % 1000u) * 1000000L};
		pthread_cond_timedwait(&deadlines->wake, &deadlines->lock, &until);
	}
	pthread_mutex_unlock(&deadlines->lock);
	return NULL;
}

static char *problem_text(unsigned timeout_seconds)
{
	char detail[128];
	snprintf(detail, sizeof detail, "the request did not arrive whole within %u seconds",
		 timeout_seconds);
	json_t *problem = problem_new(408, detail);
	char *text = problem ? json_dumps(problem, JSON_COMPACT) : NULL;
	json_decref(problem);
	return text;
}

static bool init_sync(struct request_deadlines *deadlines)
{
	bool made = monotonic_cond_init(&deadlines->wake);
	if (made && pthread_mutex_init(&deadlines->lock, NULL) == 0)
		return true;
	if (made)
		pthread_cond_destroy(&deadlines->wake);
	return false;
}

struct request_deadlines *request_deadlines_start(unsigned timeout_seconds, size_t capacity,
						  request_abandoned_fn *abandoned, void *cls)
{
	struct request_deadlines *deadlines =
		calloc(1, sizeof *deadlines + capacity * sizeof deadlines->slots[0]);
	if (!deadlines)
		return NULL;
	deadlines->timeout_seconds = timeout_seconds;
	deadlines->timeout_ms = (uint64_t)timeout_seconds * 1000u;
	deadlines->capacity = capacity;
	deadlines->abandoned = abandoned;
	deadlines->abandoned_cls = cls;
	deadlines->problem = problem_text(timeout_seconds);
	if (!deadlines->problem || !init_sync(deadlines))
		goto failed;
	if (pthread_create(&deadlines->cutter, NULL, cut_overdue, deadlines) != 0) {
		pthread_cond_destroy(&deadlines->wake);
		pthread_mutex_destroy(&deadlines->lock);
		goto failed;
	}
	return deadlines;
failed:
	free(deadlines->problem);
	free(deadlines);
	return NULL;
}

void request_deadlines_stop(struct request_deadlines *deadlines)
{
	if (!deadlines)
		return;
	pthread_mutex_lock(&deadlines->lock);
	deadlines->stopping = true;
	pthread_cond_signal(&deadlines->wake);
	pthread_mutex_unlock(&deadlines->lock);
	pthread_join(deadlines->cutter, NULL);
	pthread_cond_destroy(&deadlines->wake);
	pthread_mutex_destroy(&deadlines->lock);
	free(deadlines->problem);
	free(deadlines);
}

/* Takes the first free slot for fd, its clock started; NULL when all are taken. */
static struct slot *slot_take(struct request_deadlines *deadlines, MHD_socket fd)
{
	pthread_mutex_lock(&deadlines->lock);
	struct slot *taken = NULL;
	for (size_t i = 0; i < deadlines->capacity && !taken; i++) {
		if (deadlines->slots[i].phase != SLOT_FREE)
			continue;
		taken = &deadlines->slots[i];
		*taken = (struct slot){.phase = SLOT_WAITING,
				       .fd = fd,
				       .deadline_ms = now_ms() + deadlines->timeout_ms};
		if (i >= deadlines->used)
			deadlines->used = i + 1;
	}
	pthread_mutex_unlock(&deadlines->lock);
	return taken;
}

void request_deadlines_connection(void *cls, struct MHD_Connection *connection,
				  void **socket_context, enum MHD_ConnectionNotificationCode code)
{
	struct request_deadlines *deadlines = cls;
	if (code == MHD_CONNECTION_NOTIFY_STARTED) {
		const union MHD_ConnectionInfo *info =
			MHD_get_connection_info(connection, MHD_CONNECTION_INFO_CONNECTION_FD);
		*socket_context = info ? slot_take(deadlines, info->connect_fd) : NULL;
		return;
	}
	struct slot *slot = *socket_context;
	if (!slot)
		return;
	pthread_mutex_lock(&deadlines->lock);
	bool unended = slot->begun;
	void *state = slot->state;
	*slot = (struct slot){.phase = SLOT_FREE};
	pthread_mutex_unlock(&deadlines->lock);
	*socket_context = NULL;
	if (unended && deadlines->abandoned)
		deadlines->abandoned(deadlines->abandoned_cls, connection, state);
}

static struct slot *slot_of(struct MHD_Connection *connection)
{
	const union MHD_ConnectionInfo *info =
		MHD_get_connection_info(connection, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	return info ? info->socket_context : NULL;
}

void request_deadlines_begun(struct request_deadlines *deadlines, struct MHD_Connection *connection,
			     const struct _u_request *request, void *state)
{
	struct slot *slot = deadlines ? slot_of(connection) : NULL;
	if (!slot)
		return;
	pthread_mutex_lock(&deadlines->lock);
	slot->begun = true;
	slot->state = state;
	if (slot->phase == SLOT_WAITING) {
		slot->phase = SLOT_RECEIVING;
		slot->request = request;
	}
	pthread_mutex_unlock(&deadlines->lock);
}

void request_deadlines_received(struct request_deadlines *deadlines,
				const struct _u_request *request)
{
	if (!deadlines || !request)
		return;
	pthread_mutex_lock(&deadlines->lock);
	for (size_t i = 0; i < deadlines->used; i++) {
		struct slot *slot = &deadlines->slots[i];
		if (slot->request != request)
			continue;
		/* Also when it was cut a moment ago: the request is answered, and the
		 * connection closes after the response, its reading side being shut. */
		if (slot->phase == SLOT_RECEIVING || slot->phase == SLOT_CUT)
			slot->phase = SLOT_ANSWERING;
		break;
	}
	pthread_mutex_unlock(&deadlines->lock);
}

/* Writes the 408 on a connection libmicrohttpd is about to close, and logs it. */
static void answer_timeout(const struct request_deadlines *deadlines, MHD_socket fd)
{
	char id[UUID_TEXT_SIZE];
	if (!uuid_generate_v4(id))
		strcpy(id, "unavailable");
	char answer[1024];
	int length = snprintf(answer, sizeof answer,
			      "HTTP/1.1 408 Request Timeout\r\n"
			      "Connection: close\r\n"
			      "Content-Type: application/problem+json\r\n"
			      "Content-Length: %zu\r\n"
			      "Cache-Control: no-store\r\n"
			      "X-Content-Type-Options: nosniff\r\n"
			      "X-Request-Id: %s\r\n\r\n%s",
			      strlen(deadlines->problem), id, deadlines->problem);
	/* Nothing of a response was written, so the socket's buffer has room for it; a client
	 * that has gone misses it. */
	if (length > 0 && (size_t)length < sizeof answer)
		(void)send(fd, answer, (size_t)length, MSG_DONTWAIT | MSG_NOSIGNAL);
	log_write(LOG_LEVEL_WARN, "request not received in time",
		  json_pack("{s:i, s:i, s:s}", "status", 408, "timeout_seconds",
			    (int)deadlines->timeout_seconds, "request_id", id));
}

void request_deadlines_completed(struct request_deadlines *deadlines,
				 struct MHD_Connection *connection,
				 enum MHD_RequestTerminationCode reason)
{
	struct slot *slot = deadlines ? slot_of(connection) : NULL;
	if (!slot)
		return;
	pthread_mutex_lock(&deadlines->lock);
	/* Cut here while it was arriving (a request libmicrohttpd refused itself ends
	 * COMPLETED_OK), or by libmicrohttpd's idle timeout before it had arrived. */
	bool timed_out =
		(slot->phase == SLOT_CUT && reason != MHD_REQUEST_TERMINATED_COMPLETED_OK) ||
		(slot->phase == SLOT_RECEIVING && reason == MHD_REQUEST_TERMINATED_TIMEOUT_REACHED);
	MHD_socket fd = slot->fd;
	/* Otherwise the connection may be kept alive: the next request's clock starts. */
	slot->phase = timed_out ? SLOT_CLOSING : SLOT_WAITING;
	slot->deadline_ms = now_ms() + deadlines->timeout_ms;
	slot->request = NULL;
	slot->begun = false;
	slot->state = NULL;
	pthread_mutex_unlock(&deadlines->lock);
	if (timed_out)
		answer_timeout(deadlines, fd);
}
