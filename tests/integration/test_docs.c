/* /docs: the API reference page, served from the directory PEERD_DOCS_DIR names (what
 * scripts/docs makes), read once at start. These tests make their own small directory,
 * so they need neither npm nor Redoc; scripts/test opens the real page in Chromium. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "arena.h"
#include "http.h"
#include "peerd_process.h"

struct docs_dir {
	char path[64];
	char setting[128]; /* "PEERD_DOCS_DIR=path" */
};

static void write_file(const struct docs_dir *dir, const char *name, const char *text)
{
	char path[256];
	snprintf(path, sizeof path, "%s/%s", dir->path, name);
	FILE *file = fopen(path, "w");
	cr_assert(file, "%s: %s", path, strerror(errno));
	fputs(text, file);
	fclose(file);
}

static void make_docs_dir(struct docs_dir *dir)
{
	snprintf(dir->path, sizeof dir->path, "/tmp/peerd-docs-XXXXXX");
	cr_assert(mkdtemp(dir->path), "mkdtemp: %s", strerror(errno));
	snprintf(dir->setting, sizeof dir->setting, "PEERD_DOCS_DIR=%s", dir->path);
}

static void remove_docs_dir(const struct docs_dir *dir)
{
	char command[128];
	snprintf(command, sizeof command, "rm -rf '%s'", dir->path);
	cr_assert_eq(system(command), 0);
}

static void expect_header(const struct http_response *response, const char *name,
			  const char *expected)
{
	char *value = arena_text(http_header(response, name));
	cr_expect(value && strstr(value, expected), "%s: %s, expected %s", name,
		  value ? value : "(none)", expected);
}

static long status_of(const struct peerd_process *server, const char *path)
{
	struct http_response *response =
		http_send(&(struct http_request){.path = path, .base_url = server->url});
	long status = response->status;
	if (status == 404)
		expect_header(response, "Content-Type", "application/problem+json");
	return status;
}

TestSuite(docs, .init = arena_open, .fini = arena_close);

Test(docs, page_and_its_files_come_from_the_directory)
{
	struct docs_dir dir;
	make_docs_dir(&dir);
	write_file(&dir, "index.html", "<redoc spec-url=\"/openapi.yaml\"></redoc>\n");
	write_file(&dir, "viewer.js", "console.log('viewer');\n");
	write_file(&dir, "LICENSE.txt", "MIT\n");
	write_file(&dir, ".hidden.js", "secret\n");
	char path[256];
	snprintf(path, sizeof path, "%s/nested", dir.path);
	cr_assert_eq(mkdir(path, 0755), 0);
	write_file(&dir, "nested/inner.js", "inner\n");
	snprintf(path, sizeof path, "%s/passwd.txt", dir.path);
	cr_assert_eq(symlink("/etc/passwd", path), 0);

	struct peerd_process server;
	cr_assert(peerd_start(&server, (const char *const[]){dir.setting, NULL}));
	/* What the directory holds afterwards changes nothing: it was read at start. */
	write_file(&dir, "viewer.js", "changed\n");

	struct http_response *page =
		http_send(&(struct http_request){.path = "/docs", .base_url = server.url});
	cr_assert_eq(page->status, 200);
	cr_expect_str_eq(page->body, "<redoc spec-url=\"/openapi.yaml\"></redoc>\n");
	expect_header(page, "Content-Type", "text/html; charset=utf-8");
	expect_header(page, "Content-Security-Policy", "script-src 'self'");
	expect_header(page, "Cache-Control", "no-cache");

	struct http_response *script = http_send(
		&(struct http_request){.path = "/docs/viewer.js", .base_url = server.url});
	cr_assert_eq(script->status, 200);
	cr_expect_str_eq(script->body, "console.log('viewer');\n");
	expect_header(script, "Content-Type", "text/javascript");
	expect_header(script, "Cache-Control", "max-age=3600");
	cr_expect_eq(status_of(&server, "/docs/LICENSE.txt"), 200);

	/* Only plain files directly in the directory, under their own names. */
	const char *refused[] = {
		"/docs/.hidden.js",	 "/docs/nested",	   "/docs/nested/inner.js",
		"/docs/passwd.txt",	 "/docs/..%2Findex.html",  "/docs/%2e%2e%2fetc%2fpasswd",
		"/docs/no-such-file.js", "/docs/index.html%00.js",
	};
	for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++)
		cr_expect_eq(status_of(&server, refused[i]), 404, "%s", refused[i]);
	cr_assert_eq(peerd_stop(&server), 0);
	remove_docs_dir(&dir);
}

Test(docs, a_chosen_directory_that_cannot_serve_the_page_stops_the_start)
{
	struct docs_dir dir;
	make_docs_dir(&dir);
	write_file(&dir, "viewer.js", "no page beside me\n");
	char missing[160];
	snprintf(missing, sizeof missing, "PEERD_DOCS_DIR=%s/absent", dir.path);
	const char *const *settings[] = {
		(const char *const[]){missing, NULL},
		(const char *const[]){dir.setting, NULL},
	};
	for (size_t i = 0; i < 2; i++) {
		char text[1024];
		cr_expect_eq(peerd_run_capture((const char *const[]){"serve", NULL}, settings[i],
					       text, sizeof text),
			     2);
		cr_expect(strstr(text, "PEERD_DOCS_DIR"), "%s", text);
	}
	remove_docs_dir(&dir);
}

Test(docs, without_the_page_the_api_still_serves)
{
	/* The build's default directory: nothing is installed there on a test machine. */
	if (access(PEERD_DEFAULT_DOCS_DIR, F_OK) == 0)
		cr_skip_test("%s exists here", PEERD_DEFAULT_DOCS_DIR);
	struct peerd_process server;
	cr_assert(peerd_start(&server, (const char *const[]){"PEERD_DOCS_DIR=", NULL}));
	struct http_response *page =
		http_send(&(struct http_request){.path = "/docs", .base_url = server.url});
	cr_expect_eq(page->status, 404);
	cr_expect(strstr(page->body, "not installed"), "%s", page->body);
	cr_expect_eq(status_of(&server, "/healthz"), 200);
	cr_assert_eq(peerd_stop(&server), 0);
	FILE *log = fopen(server.log_path, "r");
	char line[4096];
	bool warned = false;
	while (!warned && fgets(line, sizeof line, log))
		warned = strstr(line, "\"level\":\"warn\"") && strstr(line, "docs_dir");
	fclose(log);
	cr_expect(warned, "no warning in %s", server.log_path);
}
