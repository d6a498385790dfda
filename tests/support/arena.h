/* What a test takes and gives back all at once when it ends, so that its body states the
 * behaviour and not the cleanup. A suite opts in with
 *     TestSuite(name, .init = arena_open, .fini = arena_close);
 * then every response http_send returns and every world world_build makes is kept until
 * the test's .fini. Criterion runs each test in a process of its own, so one arena per
 * process is one per test. Outside an open arena nothing is kept: a test that does not
 * opt in frees by hand, and LeakSanitizer still sees what it forgets. */
#pragma once

void arena_open(void);

/* Releases, newest first, everything kept since arena_open. */
void arena_close(void);

/* Keeps thing until arena_close calls release(thing); does nothing when no arena is
 * open. Any thread may call it. */
void arena_keep(void *thing, void (*release)(void *));

/* Stops keeping thing (the caller is releasing it now); nothing if it was not kept. */
void arena_forget(const void *thing);

/* Keeps text (malloc'd) until arena_close and returns it; the arena must be open. */
char *arena_text(char *text);
