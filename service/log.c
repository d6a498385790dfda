#include "log.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "json_text.h"
#include "monotonic.h"
#include "strbuf.h"

static atomic_int minimum_level = LOG_LEVEL_INFO;

static const char *const LEVEL_NAMES[] = {"debug", "info", "warn", "error"};

bool log_level_parse(const char *text, enum log_level *out)
{
	for (size_t i = 0; i < sizeof LEVEL_NAMES / sizeof LEVEL_NAMES[0]; i++) {
		if (strcmp(text, LEVEL_NAMES[i]) == 0) {
			*out = (enum log_level)i;
			return true;
		}
	}
	return false;
}

void log_set_level(enum log_level level)
{
	atomic_store(&minimum_level, (int)level);
}

bool log_enabled(enum log_level level)
{
	return (int)level >= atomic_load(&minimum_level);
}

/* Appends the digits of value, at least width of them (zeros in front). */
static void append_decimal(struct strbuf *line, unsigned long long value, int width)
{
	char digits[24];
	int at = sizeof digits;
	do {
		digits[--at] = (char)('0' + value % 10);
		value /= 10;
	} while (value > 0 || (int)sizeof digits - at < width);
	strbuf_append(line, digits + at, sizeof digits - (size_t)at);
}

/* `"2026-12-08T03:41:38.123Z"`. The part up to the second is formatted once a second per
 * thread: strftime and snprintf were a third of an access line's cost. */
static void append_timestamp(struct strbuf *line)
{
	static _Thread_local time_t second = -1;
	static _Thread_local char up_to_second[32];
	static _Thread_local size_t length;
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	if (now.tv_sec != second) {
		struct tm utc;
		gmtime_r(&now.tv_sec, &utc);
		length = strftime(up_to_second, sizeof up_to_second, "\"%Y-%m-%dT%H:%M:%S.", &utc);
		second = now.tv_sec;
	}
	strbuf_append(line, up_to_second, length);
	append_decimal(line, (unsigned long long)(now.tv_nsec / 1000000L), 3);
	strbuf_append(line, "Z\"", 2);
}

/* Writes all of text, in as many system calls as the descriptor takes. */
static void write_all(const char *text, size_t length)
{
	while (length > 0) {
		ssize_t written = write(STDERR_FILENO, text, length);
		if (written < 0 && errno == EINTR)
			continue;
		if (written <= 0)
			return;
		text += written;
		length -= (size_t)written;
	}
}

/* Access lines, while the server gathers them: a line per request was a system call per
 * request. They are written together when the buffer fills, PENDING_MS after the first of
 * them, before any other line (so lines keep their order) and when gathering stops. Every
 * write happens under the lock, so lines from different threads do not interleave even when
 * a write is longer than PIPE_BUF. A crash loses what is still pending. */
#define PENDING_BYTES (64 * 1024)
#define PENDING_MS    200

static struct {
	pthread_mutex_t lock;
	pthread_cond_t changed; /* the first line came in, or gathering stops */
	bool gathering, stopping;
	pthread_t flusher;
	size_t used;
	char text[PENDING_BYTES];
} pending = {.lock = PTHREAD_MUTEX_INITIALIZER, .changed = PTHREAD_COND_INITIALIZER};

/* With pending.lock held. */
static void flush_pending(void)
{
	write_all(pending.text, pending.used);
	pending.used = 0;
}

static void *flush_periodically(void *unused)
{
	(void)unused;
	pthread_mutex_lock(&pending.lock);
	while (!pending.stopping) {
		if (pending.used == 0) {
			pthread_cond_wait(&pending.changed, &pending.lock);
			continue;
		}
		struct timespec deadline = monotonic_after_ms(PENDING_MS);
		while (!pending.stopping &&
		       pthread_cond_timedwait(&pending.changed, &pending.lock, &deadline) == 0) {
		}
		flush_pending();
	}
	pthread_mutex_unlock(&pending.lock);
	return NULL;
}

bool log_gather_access_lines(void)
{
	pthread_mutex_lock(&pending.lock);
	pending.stopping = false;
	/* Made again on CLOCK_MONOTONIC, before the flusher that alone waits on it starts
	 * (every signal comes with the lock held): a wall clock stepped back would otherwise
	 * hold the pending lines until the buffer fills. */
	pthread_cond_destroy(&pending.changed);
	bool monotonic = monotonic_cond_init(&pending.changed);
	if (!monotonic)
		pthread_cond_init(&pending.changed, NULL); /* for log_stop_gathering's signal */
	pending.gathering =
		monotonic && pthread_create(&pending.flusher, NULL, flush_periodically, NULL) == 0;
	bool gathering = pending.gathering;
	pthread_mutex_unlock(&pending.lock);
	return gathering;
}

void log_stop_gathering(void)
{
	pthread_mutex_lock(&pending.lock);
	bool was_gathering = pending.gathering;
	pending.gathering = false;
	pending.stopping = true;
	flush_pending();
	pthread_cond_signal(&pending.changed);
	pthread_mutex_unlock(&pending.lock);
	if (was_gathering)
		pthread_join(pending.flusher, NULL);
}

/* Writes text and a newline: after what is pending, and into the pending lines when asked to
 * and they are gathered. */
static void write_line(const char *text, size_t length, bool may_wait)
{
	pthread_mutex_lock(&pending.lock);
	if (may_wait && pending.gathering && length < PENDING_BYTES) {
		if (pending.used + length + 1 > PENDING_BYTES)
			flush_pending();
		if (pending.used == 0)
			pthread_cond_signal(&pending.changed);
		memcpy(pending.text + pending.used, text, length);
		pending.text[pending.used + length] = '\n';
		pending.used += length + 1;
	} else {
		flush_pending();
		struct iovec parts[2] = {{.iov_base = (void *)text, .iov_len = length},
					 {.iov_base = "\n", .iov_len = 1}};
		while (writev(STDERR_FILENO, parts, 2) < 0 && errno == EINTR) {
		}
	}
	pthread_mutex_unlock(&pending.lock);
}

static const char ENCODE_FAILED[] =
	"{\"level\":\"error\",\"msg\":\"log line could not be encoded\"}";

/* `,"key":` — a member after the first; its value follows. */
static void append_key(struct strbuf *line, const char *key)
{
	strbuf_append(line, ",", 1);
	json_text_append_string(line, key, strlen(key));
	strbuf_append(line, ":", 1);
}

static void append_member(struct strbuf *line, const char *key, const char *value)
{
	append_key(line, key);
	json_text_append_string(line, value, strlen(value));
}

/* `{"ts":…,"level":…,"msg":…` — what every line begins with. */
static void begin_line(struct strbuf *line, enum log_level level, const char *msg)
{
	strbuf_append(line, "{\"ts\":", 6);
	append_timestamp(line);
	append_member(line, "level", LEVEL_NAMES[level]);
	append_member(line, "msg", msg);
}

/* Closes the line and writes it (an access line may wait: may_wait); one that could not be
 * built is reported instead. */
static void end_line(struct strbuf *line, bool may_wait)
{
	strbuf_append(line, "}", 1);
	if (line->failed)
		write_line(ENCODE_FAILED, sizeof ENCODE_FAILED - 1, false);
	else
		write_line(line->data, line->length, may_wait);
	strbuf_free(line);
}

void log_write(enum log_level level, const char *msg, json_t *fields)
{
	if (!log_enabled(level)) {
		json_decref(fields);
		return;
	}
	struct strbuf line;
	strbuf_init(&line);
	/* A message may quote what a client sent: json_string refuses text that is not UTF-8. */
	json_t *checked = json_string(msg ? msg : "");
	line.failed = checked == NULL;
	begin_line(&line, level, checked ? json_string_value(checked) : "");
	json_decref(checked);
	const char *key;
	json_t *value;
	json_object_foreach (fields, key, value) {
		bool reserved = strcmp(key, "ts") == 0 || strcmp(key, "level") == 0 ||
				strcmp(key, "msg") == 0;
		size_t length = 0;
		char *text = reserved ? NULL : json_text(value, 6, &length);
		if (!reserved && !text)
			line.failed = true;
		if (!text)
			continue;
		append_key(&line, key);
		strbuf_append(&line, text, length);
		free(text);
	}
	json_decref(fields);
	end_line(&line, false);
}

void log_request(enum log_level level, const struct log_request *entry)
{
	if (!log_enabled(level))
		return;
	struct strbuf line;
	strbuf_init(&line);
	begin_line(&line, level, "request");
	append_member(&line, "method", entry->method);
	append_member(&line, "route", entry->route);
	strbuf_append(&line, ",\"status\":", 10);
	append_decimal(&line, entry->status, 1);
	char duration[32];
	int written = snprintf(duration, sizeof duration, "%.3f", entry->duration_ms);
	strbuf_append(&line, ",\"duration_ms\":", 15);
	strbuf_append(&line, duration, written > 0 ? (size_t)written : 0);
	append_member(&line, "request_id", entry->request_id);
	if (entry->server_request_id)
		append_member(&line, "server_request_id", entry->server_request_id);
	end_line(&line, true);
}

void log_message(enum log_level level, const char *format, ...)
{
	if (!log_enabled(level))
		return;
	char msg[1024];
	va_list args;
	va_start(args, format);
	vsnprintf(msg, sizeof msg, format, args);
	va_end(args);
	log_write(level, msg, NULL);
}
