#include "tcp_proxy.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_RELAYS 256

struct relay {
	struct tcp_proxy *proxy;
	int client;
	int server;
	pthread_t thread;
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
};

static int connect_loopback(unsigned port)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in address = {.sin_family = AF_INET,
				      .sin_port = htons((uint16_t)port),
				      .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	if (connect(fd, (struct sockaddr *)&address, sizeof address) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static void *relay_run(void *context)
{
	struct relay *relay = context;
	char buffer[16384];
	struct pollfd fds[2] = {{relay->client, POLLIN, 0}, {relay->server, POLLIN, 0}};
	for (;;) {
		if (poll(fds, 2, -1) < 0)
			break;
		bool done = false;
		for (int side = 0; side < 2 && !done; side++) {
			if (!(fds[side].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			ssize_t got = read(fds[side].fd, buffer, sizeof buffer);
			/* A peer already gone must end the relay, not raise SIGPIPE in the test
			 * process (which Criterion reports as a crash). */
			done = got <= 0 ||
			       send(fds[1 - side].fd, buffer, (size_t)got, MSG_NOSIGNAL) != got;
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
		int server = connect_loopback(proxy->target_port);
		pthread_mutex_lock(&proxy->lock);
		bool refused = proxy->stopping || server < 0 || proxy->relay_count == MAX_RELAYS;
		struct relay *relay = refused ? NULL : calloc(1, sizeof *relay);
		if (relay) {
			*relay = (struct relay){proxy, client, server, 0};
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
