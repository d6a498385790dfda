#include "peerd_process.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "fixtures.h"
#include "raw_http.h"

unsigned free_port(void)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in address = {.sin_family = AF_INET,
				      .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t length = sizeof address;
	bind(fd, (struct sockaddr *)&address, sizeof address);
	getsockname(fd, (struct sockaddr *)&address, &length);
	close(fd);
	return ntohs(address.sin_port);
}

/* Sets the test environment in a child about to exec peerd. */
static void prepare_environment(unsigned port, const char *const *overrides)
{
	char port_text[16];
	snprintf(port_text, sizeof port_text, "%u", port);
	const char *database = getenv("PEERD_TEST_DATABASE_URL");
	setenv("PEERD_DATABASE_URL", database ? database : "postgresql://unset", 1);
	setenv("PEERD_JWT_SECRET", TEST_JWT_SECRET, 1);
	setenv("PEERD_PSEUDONYM_KEY", TEST_PSEUDONYM_KEY, 1);
	setenv("PEERD_WEBHOOK_KEY", TEST_WEBHOOK_KEY, 1);
	setenv("PEERD_WEBHOOKS_ALLOW_HTTP", "true", 1);
	setenv("PEERD_PORT", port_text, 1);
	setenv("PEERD_THREADS", "4", 1);
	setenv("PEERD_LOG_LEVEL", "info", 1);
	unsetenv("PEERD_JWT_PUBLIC_KEY");
	unsetenv("PEERD_JWT_ISSUER");
	unsetenv("PEERD_JWT_AUDIENCE");
	unsetenv("PEERD_CORS_ORIGINS");
	unsetenv("PEERD_DB_POOL_SIZE");
	unsetenv("PEERD_MAX_BODY_BYTES");
	unsetenv("PEERD_DOCS_DIR");
	unsetenv("PEERD_REPORTS_DATABASE_URL");
	unsetenv("PEERD_DATABASE_POOLING");
	for (size_t i = 0; overrides && overrides[i]; i++) {
		const char *equals = strchr(overrides[i], '=');
		char name[128];
		snprintf(name, sizeof name, "%.*s", (int)(equals - overrides[i]), overrides[i]);
		if (equals[1])
			setenv(name, equals + 1, 1);
		else
			unsetenv(name);
	}
}

static const char *binary(void)
{
	const char *path = getenv("PEERD_BINARY");
	return path ? path : "peerd";
}

static pid_t spawn(const char *const *args, unsigned port, const char *const *overrides,
		   const char *output_path)
{
	pid_t pid = fork();
	if (pid != 0)
		return pid;
	prepare_environment(port, overrides);
	if (output_path) {
		int fd = open(output_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		dup2(fd, STDOUT_FILENO);
		dup2(fd, STDERR_FILENO);
		close(fd);
	}
	char *argv[16] = {(char *)binary()};
	for (size_t i = 0; args[i] && i < 14; i++)
		argv[i + 1] = (char *)args[i];
	execv(argv[0], argv);
	_exit(127);
}

static int exit_status(int status)
{
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

int peerd_run(const char *const *args, const char *const *overrides, const char *output_path)
{
	pid_t pid = spawn(args, free_port(), overrides, output_path);
	int status = 0;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	return exit_status(status);
}

int peerd_run_capture(const char *const *args, const char *const *overrides, char *output,
		      size_t size)
{
	char path[] = "/tmp/peerd-output-XXXXXX";
	int fd = mkstemp(path);
	if (fd >= 0)
		close(fd);
	int status = peerd_run(args, overrides, path);
	output[0] = '\0';
	FILE *file = fopen(path, "r");
	if (file) {
		output[fread(output, 1, size - 1, file)] = '\0';
		fclose(file);
	}
	unlink(path);
	return status;
}

/* True once the child's own log says it listens: a /healthz answer alone could come from
 * another test's server that took the same free port first. */
static bool log_says_listening(const char *path)
{
	FILE *log = fopen(path, "r");
	if (!log)
		return false;
	char line[4096];
	bool listening = false;
	while (!listening && fgets(line, sizeof line, log))
		listening = strstr(line, "\"msg\":\"listening\"") != NULL;
	fclose(log);
	return listening;
}

/* One attempt on port, or on a fresh one when it is 0. Returns 1 when listening, 0 when the child
 * exited (the port may have been taken between choosing and binding), -1 on a timeout. */
static int start_once(struct peerd_process *process, unsigned port, const char *const *overrides)
{
	process->port = port ? port : free_port();
	snprintf(process->url, sizeof process->url, "http://127.0.0.1:%u", process->port);
	const char *directory = getenv("PEERD_TEST_LOG_DIR");
	snprintf(process->log_path, sizeof process->log_path, "%s/peerd-%d-%u.log",
		 directory ? directory : "/tmp", getpid(), process->port);
	process->pid = spawn((const char *const[]){"serve", NULL}, process->port, overrides,
			     process->log_path);
	for (int attempt = 0; attempt < 600; attempt++) {
		if (log_says_listening(process->log_path))
			return 1;
		int status;
		if (waitpid(process->pid, &status, WNOHANG) == process->pid) {
			process->pid = 0;
			return 0;
		}
		sleep_ms(25);
	}
	return -1;
}

bool peerd_start(struct peerd_process *process, const char *const *overrides)
{
	return peerd_start_at(process, 0, overrides);
}

bool peerd_start_at(struct peerd_process *process, unsigned port, const char *const *overrides)
{
	memset(process, 0, sizeof *process);
	int outcome = 0;
	for (int attempt = 0; attempt < 5 && outcome == 0; attempt++)
		outcome = start_once(process, port, overrides);
	if (outcome == 1)
		return true;
	fprintf(stderr, "peerd did not start; its log:\n");
	peerd_print_log(process);
	peerd_stop(process);
	return false;
}

static bool holds_all(const char *line, const char *const *needles)
{
	for (size_t i = 0; needles[i]; i++) {
		if (!strstr(line, needles[i]))
			return false;
	}
	return true;
}

unsigned peerd_log_count(const struct peerd_process *process, const char *const *needles,
			 char *last, size_t last_size)
{
	if (last)
		last[0] = '\0';
	FILE *log = fopen(process->log_path, "r");
	if (!log)
		return 0;
	char line[4096];
	unsigned count = 0;
	while (fgets(line, sizeof line, log)) {
		if (!holds_all(line, needles))
			continue;
		count++;
		if (last)
			snprintf(last, last_size, "%s", line);
	}
	fclose(log);
	return count;
}

/* True when a line of a child's log opens a sanitizer's report: AddressSanitizer,
 * LeakSanitizer (the leaks found at exit) or UndefinedBehaviorSanitizer. */
static bool opens_sanitizer_report(const char *line)
{
	return strstr(line, "ERROR: AddressSanitizer") || strstr(line, "ERROR: LeakSanitizer") ||
	       strstr(line, "runtime error:");
}

/* Copies the log at path to stderr from its first sanitizer report on, or its last 40
 * lines when it holds none (or only tells, when print is false). Returns true when it
 * holds a report. */
static bool log_failure(const char *path, bool print)
{
	FILE *log = fopen(path, "r");
	if (!log)
		return false;
	char line[4096];
	long starts[40], report = -1;
	size_t lines = 0;
	for (long at = ftell(log); report < 0 && fgets(line, sizeof line, log); at = ftell(log)) {
		if (opens_sanitizer_report(line))
			report = at;
		else
			starts[lines++ % 40] = at;
	}
	if (print) {
		long from = report >= 0	 ? report
			    : lines == 0 ? 0
					 : starts[lines > 40 ? lines % 40 : 0];
		fseek(log, from, SEEK_SET);
		while (fgets(line, sizeof line, log))
			fputs(line, stderr);
	}
	fclose(log);
	return report >= 0;
}

/* The outcome of a stop (wait_status from waitpid, or -1 when peerd had to be killed):
 * 0 when peerd exited 0 and its log holds no sanitizer report. Otherwise says why on
 * stderr, naming the log and copying the report, so that a failed
 * `peerd_stop(...) == 0` explains itself, and returns the exit status (1 when the log
 * holds a report after an exit 0), or -1 when peerd did not exit by itself. */
static int stop_outcome(const struct peerd_process *process, int wait_status)
{
	int status = wait_status == -1 ? -1 : exit_status(wait_status);
	bool reported = log_failure(process->log_path, false);
	if (status == 0 && !reported)
		return 0;
	if (wait_status == -1)
		fprintf(stderr,
			"peerd on port %u did not exit within 30 s of SIGTERM; its log: %s\n",
			process->port, process->log_path);
	else if (WIFSIGNALED(wait_status))
		fprintf(stderr, "peerd on port %u was killed by signal %d; its log: %s\n",
			process->port, WTERMSIG(wait_status), process->log_path);
	else
		fprintf(stderr, "peerd on port %u exited with status %d%s; its log: %s\n",
			process->port, status, reported ? " after a sanitizer report" : "",
			process->log_path);
	log_failure(process->log_path, true);
	return status != 0 ? status : 1;
}

static void *reap(void *argument)
{
	struct peerd_process *process = argument;
	int status = 0;
	while (waitpid(process->pid, &status, 0) < 0 && errno == EINTR)
		;
	process->wait_status = status;
	atomic_store(&process->exited, true);
	return NULL;
}

bool peerd_reap_on_exit(struct peerd_process *process)
{
	atomic_store(&process->exited, false);
	process->reaped_by_thread = pthread_create(&process->reaper, NULL, reap, process) == 0;
	return process->reaped_by_thread;
}

/* peerd_stop for a process peerd_reap_on_exit watches. */
static int stop_reaped(struct peerd_process *process)
{
	bool before = atomic_load(&process->exited);
	if (before)
		fprintf(stderr, "peerd on port %u had stopped before its SIGTERM\n", process->port);
	else
		kill(process->pid, SIGTERM);
	for (int waited = 0; waited < 3000 && !atomic_load(&process->exited); waited++)
		sleep_ms(10);
	bool killed = !atomic_load(&process->exited);
	if (killed)
		kill(process->pid, SIGKILL);
	pthread_join(process->reaper, NULL);
	process->reaped_by_thread = false;
	process->pid = 0;
	return stop_outcome(process, killed ? -1 : process->wait_status);
}

int peerd_stop(struct peerd_process *process)
{
	if (process->pid <= 0)
		return -1;
	if (process->reaped_by_thread)
		return stop_reaped(process);
	kill(process->pid, SIGTERM);
	int status = 0;
	for (int waited = 0; waited < 3000; waited++) {
		pid_t done = waitpid(process->pid, &status, WNOHANG);
		if (done == process->pid) {
			process->pid = 0;
			return stop_outcome(process, status);
		}
		sleep_ms(10);
	}
	kill(process->pid, SIGKILL);
	waitpid(process->pid, &status, 0);
	process->pid = 0;
	return stop_outcome(process, -1);
}

void peerd_print_log(const struct peerd_process *process)
{
	FILE *log = fopen(process->log_path, "r");
	if (!log)
		return;
	char line[4096];
	while (fgets(line, sizeof line, log))
		fputs(line, stderr);
	fclose(log);
}

bool port_accepts(unsigned port)
{
	int fd = raw_connect(port, 0);
	if (fd < 0)
		return false;
	close(fd);
	return true;
}
