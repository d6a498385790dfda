#include "log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "json_text.h"
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

static void format_timestamp(char *out, size_t size)
{
	struct timespec now;
	struct tm utc;
	clock_gettime(CLOCK_REALTIME, &now);
	gmtime_r(&now.tv_sec, &utc);
	size_t used = strftime(out, size, "%Y-%m-%dT%H:%M:%S", &utc);
	snprintf(out + used, size - used, ".%03ldZ", now.tv_nsec / 1000000L);
}

/* One writev per line, straight to the descriptor. fprintf(stderr) would hold the stream's
 * lock across the system call, and with a line per request every worker thread queued on
 * that lock (two futex calls a request). A single write of up to PIPE_BUF bytes reaches a
 * pipe whole, and one to a file is placed whole, so lines from different threads do not
 * interleave; a longer line to a pipe might, which no log line here approaches. */
static void write_line(const char *text, size_t length)
{
	struct iovec parts[2] = {{.iov_base = (void *)text, .iov_len = length},
				 {.iov_base = "\n", .iov_len = 1}};
	while (writev(STDERR_FILENO, parts, 2) < 0 && errno == EINTR) {
	}
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
	char ts[40];
	format_timestamp(ts, sizeof ts);
	strbuf_append(line, "{\"ts\":", 6);
	json_text_append_string(line, ts, strlen(ts));
	append_member(line, "level", LEVEL_NAMES[level]);
	append_member(line, "msg", msg);
}

/* Closes the line and writes it; one that could not be built is reported instead. */
static void end_line(struct strbuf *line)
{
	strbuf_append(line, "}", 1);
	if (line->failed)
		write_line(ENCODE_FAILED, sizeof ENCODE_FAILED - 1);
	else
		write_line(line->data, line->length);
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
	end_line(&line);
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
	strbuf_appendf(&line, ",\"status\":%u,\"duration_ms\":%.3f", entry->status,
		       entry->duration_ms);
	append_member(&line, "request_id", entry->request_id);
	if (entry->server_request_id)
		append_member(&line, "server_request_id", entry->server_request_id);
	end_line(&line);
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
