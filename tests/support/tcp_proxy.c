#include "tcp_proxy.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "pg_wire.h"
#include "raw_http.h"

#define MAX_RELAYS   256
#define RELAY_BUFFER 16384

struct relay {
	struct tcp_proxy *proxy;
	int client;
	int server;
	pthread_t thread;
	struct pg_wire wire; /* what the server sent, message by message */
	bool marked;	     /* the client sent tcp_proxy_end_after_commit's marker */
	/* The client's last bytes while a marker is armed, for one split across reads. */
	char tail[TCP_PROXY_MARKER_MAX];
	size_t tail_length;
};

struct tcp_proxy {
	int listener;
	unsigned port;
	unsigned target_port;
	pthread_t acceptor;
	pthread_mutex_t lock;
	bool stopping;
	struct relay *relays[MAX_RELAYS];
	size_t relay_count;
	char marker[TCP_PROXY_MARKER_MAX + 1]; /* armed by tcp_proxy_end_after_commit, or "" */
	unsigned commits_ended;
};

/* Marks the relay when the client's bytes, with those just before them, hold the armed
 * marker; the first relay to send it takes it. */
static void watch_client(struct relay *relay, const char *bytes, size_t count)
{
	struct tcp_proxy *proxy = relay->proxy;
	pthread_mutex_lock(&proxy->lock);
	size_t marker_length = strlen(proxy->marker);
	if (marker_length > 0 && !relay->marked) {
		char window[TCP_PROXY_MARKER_MAX + RELAY_BUFFER];
		memcpy(window, relay->tail, relay->tail_length);
		memcpy(window + relay->tail_length, bytes, count);
		size_t length = relay->tail_length + count;
		relay->marked = memmem(window, length, proxy->marker, marker_length) != NULL;
		if (relay->marked)
			proxy->marker[0] = '\0';
		relay->tail_length = length < sizeof relay->tail ? length : sizeof relay->tail;
		memcpy(relay->tail, window + length - relay->tail_length, relay->tail_length);
	}
	pthread_mutex_unlock(&proxy->lock);
}

/* How many of the server's bytes to pass on: all of them, or on a marked relay those up
 * to the end of a confirmed COMMIT, after which *end says to end the connection. */
static size_t watch_server(struct relay *relay, const char *bytes, size_t count, bool *end)
{
	size_t at = 0;
	while (at < count) {
		size_t through = pg_wire_find_commit(&relay->wire,
						     (const unsigned char *)bytes + at, count - at);
		if (through == 0)
			break;
		at += through;
		if (relay->marked) {
			*end = true;
			return at;
		}
	}
	return count;
}

/* Tells the client what a backend says as the server shuts down, before the relay ends. */
static void end_as_shutdown(struct relay *relay)
{
	unsigned char error[128];
	size_t length = pg_wire_admin_shutdown(error, sizeof error);
	send(relay->client, error, length, MSG_NOSIGNAL);
	pthread_mutex_lock(&relay->proxy->lock);
	relay->proxy->commits_ended++;
	pthread_mutex_unlock(&relay->proxy->lock);
}

static void *relay_run(void *context)
{
	struct relay *relay = context;
	char buffer[RELAY_BUFFER];
	struct pollfd fds[2] = {{relay->client, POLLIN, 0}, {relay->server, POLLIN, 0}};
	for (;;) {
		if (poll(fds, 2, -1) < 0)
			break;
		bool done = false;
		for (int side = 0; side < 2 && !done; side++) {
			if (!(fds[side].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			ssize_t got = read(fds[side].fd, buffer, sizeof buffer);
			if (got <= 0) {
				done = true;
				break;
			}
			bool end = false;
			size_t pass = (size_t)got;
			if (side == 0)
				watch_client(relay, buffer, pass);
			else
				pass = watch_server(relay, buffer, pass, &end);
			/* A peer already gone must end the relay, not raise SIGPIPE in the test
			 * process (which Criterion reports as a crash). */
			done = send(fds[1 - side].fd, buffer, pass, MSG_NOSIGNAL) != (ssize_t)pass;
			if (end && !done)
				end_as_shutdown(relay);
			done = done || end;
		}
		if (done)
			break;
	}
	shutdown(relay->client, SHUT_RDWR);
	shutdown(relay->server, SHUT_RDWR);
	return NULL;
}

static void *accept_run(void *context)
{
	struct tcp_proxy *proxy = context;
	for (;;) {
		int client = accept(proxy->listener, NULL, NULL);
		if (client < 0)
			return NULL;
		int server = raw_connect(proxy->target_port, 0);
		pthread_mutex_lock(&proxy->lock);
		bool refused = proxy->stopping || server < 0 || proxy->relay_count == MAX_RELAYS;
		struct relay *relay = refused ? NULL : calloc(1, sizeof *relay);
		if (relay) {
			*relay = (struct relay){.proxy = proxy, .client = client, .server = server};
			proxy->relays[proxy->relay_count++] = relay;
			pthread_create(&relay->thread, NULL, relay_run, relay);
		}
		pthread_mutex_unlock(&proxy->lock);
		if (!relay) {
			close(client);
			if (server >= 0)
				close(server);
		}
	}
}

struct tcp_proxy *tcp_proxy_start(unsigned listen_port, unsigned target_port)
{
	struct tcp_proxy *proxy = calloc(1, sizeof *proxy);
	proxy->target_port = target_port;
	pthread_mutex_init(&proxy->lock, NULL);
	proxy->listener = socket(AF_INET, SOCK_STREAM, 0);
	int yes = 1;
	setsockopt(proxy->listener, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
	struct sockaddr_in address = {.sin_family = AF_INET,
				      .sin_port = htons((uint16_t)listen_port),
				      .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t length = sizeof address;
	if (bind(proxy->listener, (struct sockaddr *)&address, sizeof address) != 0 ||
	    listen(proxy->listener, 64) != 0) {
		close(proxy->listener);
		free(proxy);
		return NULL;
	}
	getsockname(proxy->listener, (struct sockaddr *)&address, &length);
	proxy->port = ntohs(address.sin_port);
	pthread_create(&proxy->acceptor, NULL, accept_run, proxy);
	return proxy;
}

unsigned tcp_proxy_port(const struct tcp_proxy *proxy)
{
	return proxy->port;
}

void tcp_proxy_stop(struct tcp_proxy *proxy)
{
	pthread_mutex_lock(&proxy->lock);
	proxy->stopping = true;
	pthread_mutex_unlock(&proxy->lock);
	shutdown(proxy->listener, SHUT_RDWR);
	pthread_join(proxy->acceptor, NULL);
	close(proxy->listener);
	for (size_t i = 0; i < proxy->relay_count; i++) {
		struct relay *relay = proxy->relays[i];
		shutdown(relay->client, SHUT_RDWR);
		shutdown(relay->server, SHUT_RDWR);
		pthread_join(relay->thread, NULL);
		close(relay->client);
		close(relay->server);
		free(relay);
	}
	pthread_mutex_destroy(&proxy->lock);
	free(proxy);
}

void tcp_proxy_cut(struct tcp_proxy *proxy)
{
	pthread_mutex_lock(&proxy->lock);
	for (size_t i = 0; i < proxy->relay_count; i++) {
		shutdown(proxy->relays[i]->client, SHUT_RDWR);
		shutdown(proxy->relays[i]->server, SHUT_RDWR);
	}
	pthread_mutex_unlock(&proxy->lock);
}

void tcp_proxy_end_after_commit(struct tcp_proxy *proxy, const char *marker)
{
	pthread_mutex_lock(&proxy->lock);
	snprintf(proxy->marker, sizeof proxy->marker, "%s", marker);
	pthread_mutex_unlock(&proxy->lock);
}

unsigned tcp_proxy_commits_ended(struct tcp_proxy *proxy)
{
	pthread_mutex_lock(&proxy->lock);
	unsigned ended = proxy->commits_ended;
	pthread_mutex_unlock(&proxy->lock);
	return ended;
}
