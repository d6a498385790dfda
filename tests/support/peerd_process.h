/* Running the built peerd binary (PEERD_BINARY) as a child process for a test. */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

struct peerd_process {
	pid_t pid;
	unsigned port;
	char url[64];	    /* http://127.0.0.1:PORT */
	char log_path[256]; /* its stderr */
};

/* A port nobody listens on right now. */
unsigned free_port(void);

/* Runs `peerd ARGS...` to completion with the test environment plus overrides
 * ("NAME=value"; "NAME=" removes it; NULL-terminated). Returns its exit status, or -1
 * when it did not exit normally. Its output goes to output_path when not NULL. */
int peerd_run(const char *const *args, const char *const *overrides, const char *output_path);

/* Starts `peerd serve` on a free port with the test environment plus overrides, and
 * waits until /healthz answers. Returns false (after printing its log) when it does not. */
bool peerd_start(struct peerd_process *process, const char *const *overrides);

/* Sends SIGTERM and waits for the exit. Returns the exit status, or -1 when it was killed
 * by a signal or did not exit within 30 seconds. */
int peerd_stop(struct peerd_process *process);

/* Prints the last lines of the process's log to stderr. */
void peerd_print_log(const struct peerd_process *process);

/* True when something accepts TCP connections on 127.0.0.1:port. */
bool port_accepts(unsigned port);
