#include "webhook_receiver.h"

#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fixtures.h"

/* The value of header name in the request's head, into out ("" when absent). */
static void header_value(const char *head, const char *name, char *out, size_t size)
{
	out[0] = '\0';
	size_t length = strlen(name);
	for (const char *line = strstr(head, "\r\n"); line; line = strstr(line + 2, "\r\n")) {
		const char *at = line + 2;
		if (strncasecmp(at, name, length) == 0 && at[length] == ':') {
			at += length + 1;
			while (*at == ' ')
				at++;
			size_t value = strcspn(at, "\r\n");
			snprintf(out, size, "%.*s", (int)value, at);
			return;
		}
	}
}

/* Reads one request (head and a Content-Length body) and answers it. */
static void serve_one(struct webhook_receiver *receiver, int client)
{
	char request[16384];
	size_t used = 0;
	char *body = NULL;
	long expected = -1;
	while (used < sizeof request - 1) {
		struct pollfd ready = {.fd = client, .events = POLLIN};
		if (poll(&ready, 1, 5000) <= 0)
			break;
		ssize_t got = read(client, request + used, sizeof request - 1 - used);
		if (got <= 0)
			break;
		used += (size_t)got;
		request[used] = '\0';
		if (!body && (body = strstr(request, "\r\n\r\n"))) {
			body += 4;
			char length[32];
			header_value(request, "Content-Length", length, sizeof length);
			expected = atol(length);
		}
		if (body && (long)(used - (size_t)(body - request)) >= expected)
			break;
	}
	if (!body)
		return;
	struct webhook_received item = {0};
	body[-2] = '\0'; /* ends the head */
	header_value(request, "webhook-id", item.id, sizeof item.id);
	header_value(request, "webhook-timestamp", item.timestamp, sizeof item.timestamp);
	header_value(request, "webhook-signature", item.signature, sizeof item.signature);
	snprintf(item.body, sizeof item.body, "%s", body);
	sscanf(request, "POST %127s", item.path);
	pthread_mutex_lock(&receiver->lock);
	if (receiver->count < WEBHOOK_RECEIVER_MAX)
		receiver->received[receiver->count++] = item;
	pthread_mutex_unlock(&receiver->lock);
	sleep_ms(atomic_load(&receiver->answer_delay_ms));
	char answer[512];
	int length = snprintf(
		answer, sizeof answer,
		"HTTP/1.1 %d Answer\r\nContent-Length: 0\r\nConnection: close\r\n%s%s%s\r\n",
		atomic_load(&receiver->answer_status), receiver->location[0] ? "Location: " : "",
		receiver->location, receiver->location[0] ? "\r\n" : "");
	if (write(client, answer, (size_t)length) < 0)
		return;
}

static void *run(void *context)
{
	struct webhook_receiver *receiver = context;
	while (!atomic_load(&receiver->stopping)) {
		struct pollfd ready = {.fd = receiver->listener, .events = POLLIN};
		if (poll(&ready, 1, 100) <= 0)
			continue;
		int client = accept(receiver->listener, NULL, NULL);
		if (client < 0)
			continue;
		serve_one(receiver, client);
		close(client);
	}
	return NULL;
}

void webhook_receiver_start(struct webhook_receiver *receiver, int status)
{
	webhook_receiver_start_on(receiver, status, 0);
}

void webhook_receiver_start_on(struct webhook_receiver *receiver, int status, unsigned port)
{
	memset(receiver, 0, sizeof *receiver);
	atomic_init(&receiver->answer_status, status);
	atomic_init(&receiver->answer_delay_ms, 0);
	atomic_init(&receiver->stopping, false);
	pthread_mutex_init(&receiver->lock, NULL);
	receiver->listener = socket(AF_INET, SOCK_STREAM, 0);
	cr_assert_geq(receiver->listener, 0);
	int reuse = 1;
	setsockopt(receiver->listener, SOL_SOCKET, SO_REUSEADDR, &reuse, sizeof reuse);
	struct sockaddr_in address = {.sin_family = AF_INET,
				      .sin_port = htons((uint16_t)port),
				      .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	cr_assert_eq(bind(receiver->listener, (struct sockaddr *)&address, sizeof address), 0);
	cr_assert_eq(listen(receiver->listener, 16), 0);
	socklen_t size = sizeof address;
	cr_assert_eq(getsockname(receiver->listener, (struct sockaddr *)&address, &size), 0);
	receiver->port = ntohs(address.sin_port);
	snprintf(receiver->url, sizeof receiver->url, "http://127.0.0.1:%u/hook", receiver->port);
	cr_assert_eq(pthread_create(&receiver->thread, NULL, run, receiver), 0);
}

void webhook_receiver_stop(struct webhook_receiver *receiver)
{
	atomic_store(&receiver->stopping, true);
	pthread_join(receiver->thread, NULL);
	close(receiver->listener);
	pthread_mutex_destroy(&receiver->lock);
}

int webhook_receiver_count(struct webhook_receiver *receiver)
{
	pthread_mutex_lock(&receiver->lock);
	int count = receiver->count;
	pthread_mutex_unlock(&receiver->lock);
	return count;
}

bool webhook_receiver_wait(struct webhook_receiver *receiver, int count, long timeout_ms)
{
	for (long waited = 0; waited < timeout_ms; waited += 50) {
		if (webhook_receiver_count(receiver) >= count)
			return true;
		sleep_ms(50);
	}
	return webhook_receiver_count(receiver) >= count;
}

struct webhook_received webhook_receiver_get(struct webhook_receiver *receiver, int index)
{
	pthread_mutex_lock(&receiver->lock);
	struct webhook_received item = receiver->received[index];
	pthread_mutex_unlock(&receiver->lock);
	return item;
}
