/* Running the built peerd binary (PEERD_BINARY) as a child process for a test. */
#pragma once

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct peerd_process {
	pid_t pid;
	unsigned port;
	char url[64];	    /* http://127.0.0.1:PORT */
	char log_path[256]; /* its stderr */
	/* Set by peerd_reap_on_exit: the thread that waits for the exit, and what it got. */
	bool reaped_by_thread;
	pthread_t reaper;
	atomic_bool exited;
	int wait_status;
};

/* A port nobody listens on right now. */
unsigned free_port(void);

/* Runs `peerd ARGS...` to completion with the test environment plus overrides
 * ("NAME=value"; "NAME=" removes it; NULL-terminated). Returns its exit status, or -1
 * when it did not exit normally. Its output goes to output_path when not NULL. */
int peerd_run(const char *const *args, const char *const *overrides, const char *output_path);

/* As peerd_run, with its output (stdout and stderr, cut to size - 1 bytes) in output. */
int peerd_run_capture(const char *const *args, const char *const *overrides, char *output,
		      size_t size);

/* Starts `peerd serve` on a free port with the test environment plus overrides, and
 * waits until /healthz answers. Returns false (after printing its log) when it does not. */
bool peerd_start(struct peerd_process *process, const char *const *overrides);

/* As peerd_start, on the given port (a free one when it is 0): for a server that a proxy
 * started beforehand forwards to. */
bool peerd_start_at(struct peerd_process *process, unsigned port, const char *const *overrides);

/* Reaps the server the moment it exits, from a thread, for a server started by the
 * Criterion runner itself (the shared server): the runner's child reaper waits for any
 * child with WNOWAIT and spins on one it did not start, so a server that died unreaped
 * while tests ran (a sanitizer stops it at its first error) would hang the whole suite.
 * process must stay in place until peerd_stop, which then only reads the status. Returns
 * false when the thread cannot be started. */
bool peerd_reap_on_exit(struct peerd_process *process);

/* Sends SIGTERM and waits for the exit. Returns 0 when peerd exited 0 and its log holds
 * no sanitizer report (ASan, LeakSanitizer's leaks at exit, UBSan). Otherwise prints why
 * to stderr with the log's path and the report (or the log's last lines), and returns the
 * exit status (a sanitizer that reported makes it 1; 1 too for a report after an exit 0),
 * or -1 when it was killed by a signal or did not exit within 30 seconds. */
int peerd_stop(struct peerd_process *process);

/* How many lines of the process's log hold every one of needles (NULL-terminated), and
 * the last such line in last (when not NULL; "" when none). */
unsigned peerd_log_count(const struct peerd_process *process, const char *const *needles,
			 char *last, size_t last_size);

/* Prints the last lines of the process's log to stderr. */
void peerd_print_log(const struct peerd_process *process);

/* True when something accepts TCP connections on 127.0.0.1:port. */
bool port_accepts(unsigned port);
