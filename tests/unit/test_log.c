/* Log lines: one JSON object a line on stderr, with ts, level and msg first. */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"

/* Runs write_lines at level info (unless they set their own) with stderr sent to a file;
 * asserts the first line is JSON and returns it parsed, its text in raw. */
static json_t *first_line_of(void (*write_lines)(void), char *raw, size_t size)
{
	char path[] = "/tmp/peerd-log-XXXXXX";
	int fd = mkstemp(path);
	cr_assert_geq(fd, 0);
	fflush(stderr);
	log_set_level(LOG_LEVEL_INFO);
	int saved = dup(STDERR_FILENO);
	dup2(fd, STDERR_FILENO);
	write_lines();
	dup2(saved, STDERR_FILENO);
	close(saved);
	close(fd);
	FILE *file = fopen(path, "r");
	cr_assert(file);
	raw[0] = '\0';
	cr_assert(fgets(raw, (int)size, file), "nothing was logged");
	fclose(file);
	unlink(path);
	json_t *line = json_loads(raw, 0, NULL);
	cr_assert(line, "not JSON: %s", raw);
	return line;
}

static void write_with_fields(void)
{
	log_write(LOG_LEVEL_WARN, "pool \"main\" waited",
		  json_pack("{s:i, s:s, s:s, s:f}", "waited", 3, "detail", "line\nbreak", "msg",
			    "not this one", "seconds", 0.25));
}

Test(log, a_line_has_its_message_and_fields_and_keeps_its_own_keys)
{
	char raw[1024];
	json_t *line = first_line_of(write_with_fields, raw, sizeof raw);
	cr_expect_str_eq(json_string_value(json_object_get(line, "level")), "warn");
	cr_expect_str_eq(json_string_value(json_object_get(line, "msg")), "pool \"main\" waited");
	const char *ts = json_string_value(json_object_get(line, "ts"));
	int year, month, day, hour, minute, second, millisecond, end = 0;
	cr_expect(ts &&
			  sscanf(ts, "%4d-%2d-%2dT%2d:%2d:%2d.%3dZ%n", &year, &month, &day, &hour,
				 &minute, &second, &millisecond, &end) == 7 &&
			  end == 24 && strlen(ts) == 24,
		  "UTC to the millisecond: %s", raw);
	cr_expect_eq(json_integer_value(json_object_get(line, "waited")), 3);
	cr_expect_str_eq(json_string_value(json_object_get(line, "detail")), "line\nbreak");
	cr_expect_float_eq(json_real_value(json_object_get(line, "seconds")), 0.25, 1e-9);
	cr_expect_eq(json_object_size(line), 6, "%s", raw);
	cr_expect_eq(strncmp(raw, "{\"ts\":", 6), 0, "ts comes first: %s", raw);
	json_decref(line);
}

static void write_not_utf8(void)
{
	log_write(LOG_LEVEL_ERROR, "bad \xff byte", NULL);
}

Test(log, a_message_that_is_not_utf8_is_not_written_raw)
{
	char raw[1024];
	json_t *line = first_line_of(write_not_utf8, raw, sizeof raw);
	cr_expect_str_eq(json_string_value(json_object_get(line, "msg")),
			 "log line could not be encoded");
	json_decref(line);
}

static void write_request(void)
{
	log_request(
		LOG_LEVEL_INFO,
		&(struct log_request){.method = "GET",
				      .route = "/v1/specialists/{id}",
				      .status = 200,
				      .duration_ms = 1.23456,
				      .request_id = "a\"b",
				      .server_request_id = "0b6f2c1e-7a4d-4c59-9e21-3f8a5d6c7b10"});
}

Test(log, the_access_line_has_a_stable_set_of_keys)
{
	char raw[1024];
	json_t *line = first_line_of(write_request, raw, sizeof raw);
	cr_expect_str_eq(json_string_value(json_object_get(line, "msg")), "request");
	cr_expect_str_eq(json_string_value(json_object_get(line, "route")), "/v1/specialists/{id}");
	cr_expect_eq(json_integer_value(json_object_get(line, "status")), 200);
	cr_expect_float_eq(json_number_value(json_object_get(line, "duration_ms")), 1.235, 1e-9);
	cr_expect_str_eq(json_string_value(json_object_get(line, "request_id")), "a\"b");
	/* The client's id may be shared by many requests; peerd's own names this one. */
	cr_expect_str_eq(json_string_value(json_object_get(line, "server_request_id")),
			 "0b6f2c1e-7a4d-4c59-9e21-3f8a5d6c7b10");
	cr_expect_eq(json_object_size(line), 9, "%s", raw);
	json_decref(line);
}

static void write_below_level(void)
{
	log_set_level(LOG_LEVEL_WARN);
	log_request(LOG_LEVEL_INFO,
		    &(struct log_request){.method = "GET", .route = "/", .request_id = "x"});
	log_write(LOG_LEVEL_INFO, "quiet", json_pack("{s:i}", "n", 1));
	log_write(LOG_LEVEL_WARN, "loud", NULL);
	log_set_level(LOG_LEVEL_INFO);
}

Test(log, lines_below_the_level_are_not_written)
{
	char raw[1024];
	json_t *line = first_line_of(write_below_level, raw, sizeof raw);
	cr_expect_str_eq(json_string_value(json_object_get(line, "msg")), "loud");
	json_decref(line);
}

static const struct log_request GATHERED = {
	.method = "GET", .route = "/gathered", .status = 200, .request_id = "g"};

/* Asserts the first line write_lines writes is the access line GATHERED. */
static void expect_gathered_first(void (*write_lines)(void))
{
	char raw[1024];
	json_t *line = first_line_of(write_lines, raw, sizeof raw);
	cr_expect_str_eq(json_string_value(json_object_get(line, "route")), "/gathered", "%s", raw);
	json_decref(line);
}

/* A gathered access line is written before the next line of any other kind. */
static void write_gathered_then_warning(void)
{
	cr_assert(log_gather_access_lines());
	log_request(LOG_LEVEL_INFO, &GATHERED);
	log_write(LOG_LEVEL_WARN, "after", NULL);
	log_stop_gathering();
}

Test(log, gathered_access_lines_keep_their_order)
{
	expect_gathered_first(write_gathered_then_warning);
}

/* Nothing else is written: the line reaches the file by itself, well within a second. */
static void write_gathered_and_wait(void)
{
	cr_assert(log_gather_access_lines());
	log_request(LOG_LEVEL_INFO, &GATHERED);
	usleep(900 * 1000);
	int copy = dup(STDERR_FILENO);
	int null = open("/dev/null", O_WRONLY);
	dup2(null, STDERR_FILENO);
	log_stop_gathering(); /* anything still pending goes to /dev/null, not to the file */
	dup2(copy, STDERR_FILENO);
	close(null);
	close(copy);
}

Test(log, gathered_access_lines_are_written_promptly)
{
	expect_gathered_first(write_gathered_and_wait);
}

/* Stopping writes what is gathered. */
static void write_gathered_then_stop(void)
{
	cr_assert(log_gather_access_lines());
	log_request(LOG_LEVEL_INFO, &GATHERED);
	log_stop_gathering();
}

Test(log, stopping_writes_the_gathered_lines)
{
	expect_gathered_first(write_gathered_then_stop);
}
