#include "raw_http.h"

#include <jansson.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static long long now_ms(void)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return (long long)now.tv_sec * 1000 + now.tv_nsec / 1000000;
}

int raw_connect(unsigned port, int receive_buffer)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0)
		return -1;
	if (receive_buffer > 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &receive_buffer, sizeof receive_buffer);
	struct sockaddr_in address = {.sin_family = AF_INET,
				      .sin_port = htons((uint16_t)port),
				      .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	if (connect(fd, (struct sockaddr *)&address, sizeof address) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

bool raw_send_all(int fd, const char *data, size_t size)
{
	for (size_t sent = 0; sent < size;) {
		ssize_t wrote = send(fd, data + sent, size - sent, MSG_NOSIGNAL);
		if (wrote <= 0)
			return false;
		sent += (size_t)wrote;
	}
	return true;
}

/* The length of a complete answer at the start of data (head and, by Content-Length, body;
 * an answer without one ends with the connection), or 0 when it is not complete yet. */
static size_t complete_answer(const char *data, size_t size, bool closed)
{
	const char *end = strstr(data, "\r\n\r\n");
	if (!end)
		return 0;
	size_t head = (size_t)(end + 4 - data);
	const char *length = strcasestr(data, "\r\nContent-Length:");
	if (!length || length > end)
		return closed ? size : 0;
	size_t body = strtoul(length + 17, NULL, 10);
	return size >= head + body ? head + body : 0;
}

/* The answer in data, after any 1xx, as a response http_response_free releases. */
static struct http_response *parse_answer(const char *data, size_t size, bool *continued)
{
	const char *end = strstr(data, "\r\n\r\n");
	long status = 0;
	if (!end || sscanf(data, "HTTP/1.%*d %ld", &status) != 1)
		return NULL;
	size_t head = (size_t)(end + 4 - data);
	if (status >= 100 && status < 200) {
		*continued = *continued || status == 100;
		return parse_answer(end + 4, size - head, continued);
	}
	struct http_response *response = calloc(1, sizeof *response);
	response->status = status;
	response->headers = strndup(data, head - 2);
	response->body_size = size - head;
	response->body = malloc(response->body_size + 1);
	memcpy(response->body, end + 4, response->body_size);
	response->body[response->body_size] = '\0';
	response->json = json_loadb(response->body, response->body_size, JSON_DECODE_ANY, NULL);
	return response;
}

struct raw_answer raw_read_answer(int fd, int patience_ms)
{
	struct raw_answer answer = {0};
	size_t capacity = 4096;
	char *data = malloc(capacity);
	long long deadline = now_ms() + patience_ms;
	for (;;) {
		data[answer.received] = '\0';
		/* A final answer whole: a short wait more tells a close that follows it. */
		const char *final = data;
		while (strncmp(final, "HTTP/1.1 1", 10) == 0 && strstr(final, "\r\n\r\n"))
			final = strstr(final, "\r\n\r\n") + 4;
		size_t rest = answer.received - (size_t)(final - data);
		if (complete_answer(final, rest, false) && deadline > now_ms() + 200)
			deadline = now_ms() + 200;
		long long left = deadline - now_ms();
		struct pollfd ready = {.fd = fd, .events = POLLIN};
		if (left <= 0 || poll(&ready, 1, (int)left) <= 0)
			break;
		if (answer.received + 4096 > capacity)
			data = realloc(data, capacity *= 2);
		ssize_t got = recv(fd, data + answer.received, capacity - answer.received - 1, 0);
		if (got <= 0) {
			answer.closed = true;
			break;
		}
		answer.received += (size_t)got;
	}
	data[answer.received] = '\0';
	answer.response = parse_answer(data, answer.received, &answer.continued);
	free(data);
	return answer;
}

struct raw_answer raw_exchange(unsigned port, const char *data, size_t size, int patience_ms)
{
	int fd = raw_connect(port, 0);
	if (fd < 0)
		return (struct raw_answer){0};
	raw_send_all(fd, data, size);
	struct raw_answer answer = raw_read_answer(fd, patience_ms);
	close(fd);
	return answer;
}

void raw_answer_free(struct raw_answer *answer)
{
	http_response_free(answer->response);
	answer->response = NULL;
}
