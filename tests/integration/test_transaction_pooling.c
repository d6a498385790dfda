/* PEERD_DATABASE_POOLING=transaction behind a real PgBouncer in transaction mode, with
 * fewer server connections than peerd has clients: transactions of different callers take
 * turns on the same server sessions, and each must still see only its own organization. */
#include <criterion/criterion.h>
#include <errno.h>
#include <pthread.h>
#include <pwd.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "arena.h"
#include "fixtures.h"
#include "http.h"
#include "peerd_process.h"

#define PGBOUNCER	   "/usr/sbin/pgbouncer"
#define SERVER_CONNECTIONS "2"
#define CLIENT_THREADS	   8
#define ROUNDS_PER_THREAD  15

struct bouncer {
	char dir[64];
	unsigned port;
	pid_t pid;
};

static void write_text(const char *path, const char *text)
{
	FILE *file = fopen(path, "w");
	cr_assert(file, "%s: %s", path, strerror(errno));
	fputs(text, file);
	fclose(file);
	chmod(path, 0644);
}

/* PgBouncer in transaction mode in front of the test database. It refuses to run as
 * root, so under root it switches to postgres (-u), which must own its directory. */
static void bouncer_start(struct bouncer *bouncer, const char *database)
{
	cr_assert_eq(access(PGBOUNCER, X_OK), 0, "%s is missing: scripts/test installs pgbouncer",
		     PGBOUNCER);
	snprintf(bouncer->dir, sizeof bouncer->dir, "/tmp/peerd-pgbouncer-XXXXXX");
	cr_assert(mkdtemp(bouncer->dir));
	chmod(bouncer->dir, 0755);
	bool root = geteuid() == 0;
	if (root) {
		struct passwd *postgres = getpwnam("postgres");
		cr_assert(postgres, "no postgres user to run pgbouncer as");
		cr_assert_eq(chown(bouncer->dir, postgres->pw_uid, postgres->pw_gid), 0);
	}
	char user[64], path[128], config[1024], users[128];
	test_database_url_part("user", user, sizeof user);
	bouncer->port = free_port();
	snprintf(users, sizeof users, "\"%s\" \"\"\n", user);
	snprintf(path, sizeof path, "%s/users.txt", bouncer->dir);
	write_text(path, users);
	snprintf(config, sizeof config,
		 "[databases]\n%s = host=127.0.0.1 port=%u dbname=%s\n"
		 "[pgbouncer]\nlisten_addr = 127.0.0.1\nlisten_port = %u\nunix_socket_dir =\n"
		 "auth_type = trust\nauth_file = %s/users.txt\npool_mode = transaction\n"
		 "default_pool_size = " SERVER_CONNECTIONS "\nmax_client_conn = 200\n"
		 "logfile = %s/pgbouncer.log\npidfile = %s/pgbouncer.pid\n",
		 database, test_database_port(), database, bouncer->port, bouncer->dir,
		 bouncer->dir, bouncer->dir);
	snprintf(path, sizeof path, "%s/pgbouncer.ini", bouncer->dir);
	write_text(path, config);
	bouncer->pid = fork();
	if (bouncer->pid == 0) {
		if (root)
			execl(PGBOUNCER, "pgbouncer", "-q", "-u", "postgres", path, (char *)NULL);
		else
			execl(PGBOUNCER, "pgbouncer", "-q", path, (char *)NULL);
		_exit(127);
	}
	for (int i = 0; i < 200 && !port_accepts(bouncer->port); i++)
		sleep_ms(25);
	cr_assert(port_accepts(bouncer->port), "pgbouncer did not listen; see %s/pgbouncer.log",
		  bouncer->dir);
}

static void bouncer_stop(struct bouncer *bouncer)
{
	kill(bouncer->pid, SIGTERM);
	waitpid(bouncer->pid, NULL, 0);
	char command[128];
	snprintf(command, sizeof command, "rm -rf '%s'", bouncer->dir);
	cr_expect_eq(system(command), 0);
}

struct caller_side {
	struct records records;
	char *supervisor;
	char *specialist;
};

struct worker {
	pthread_t thread;
	const char *url;
	const struct caller_side *own, *other;
	atomic_int *wrong; /* answers that broke isolation or failed */
	char first_wrong[256];
};

static long post_goal(const char *url, const struct caller_side *side)
{
	char path[128], error[256];
	snprintf(path, sizeof path, "/v1/participants/%s/goals", side->records.participant);
	struct http_response *response = http_try_send(
		&(struct http_request){
			.method = "POST",
			.path = path,
			.token = side->specialist,
			.base_url = url,
			.content_type = "application/json",
			.body = "{\"domain\":\"physical\",\"statement\":\"Walk daily.\"}"},
		error, sizeof error);
	long status = response ? response->status : -1;
	return status;
}

static void note_wrong(struct worker *worker, const char *what, long status)
{
	if (atomic_fetch_add(worker->wrong, 1) == 0)
		snprintf(worker->first_wrong, sizeof worker->first_wrong, "%s: %ld", what, status);
}

static void *work(void *context)
{
	struct worker *worker = context;
	char own_path[128], other_path[128];
	snprintf(own_path, sizeof own_path, "/v1/participants/%s",
		 worker->own->records.participant);
	snprintf(other_path, sizeof other_path, "/v1/participants/%s",
		 worker->other->records.participant);
	for (int round = 0; round < ROUNDS_PER_THREAD; round++) {
		long status = http_status(worker->url, own_path, worker->own->supervisor);
		if (status != 200)
			note_wrong(worker, "own participant", status);
		status = http_status(worker->url, other_path, worker->own->supervisor);
		if (status != 404)
			note_wrong(worker, "the other organization's participant", status);
		status = post_goal(worker->url, worker->own);
		if (status != 201)
			note_wrong(worker, "a goal written in a transaction", status);
	}
	return NULL;
}

static void side_create(struct caller_side *side)
{
	records_create(&side->records);
	side->supervisor = token_for("supervisor", side->records.organization);
	side->specialist = token_for_subject("specialist", side->records.organization,
					     side->records.specialist_subject);
}

static void side_free(struct caller_side *side)
{
	free(side->supervisor);
	free(side->specialist);
	records_free(&side->records);
}

/* Records, for every goal written, who wrote it and under which scope: the role and
 * organization its transaction ran with, as the database saw them. */
static const char OBSERVE_GOALS[] =
	"CREATE TABLE pooling_observed (who text, organization text, participant uuid);"
	"GRANT INSERT ON pooling_observed TO peerd_service;"
	"CREATE FUNCTION pooling_observe() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
	" INSERT INTO pooling_observed VALUES (current_user,"
	" current_setting('peerd.organization', true), NEW.participant_id); RETURN NEW; END $$;"
	"CREATE TRIGGER pooling_observe AFTER INSERT ON goals FOR EACH ROW"
	" EXECUTE FUNCTION pooling_observe()";

/* Goals written as anyone but peerd_service, or under another scope than the
 * participant's organization; and all of them. */
static const char WRONGLY_WRITTEN[] =
	"SELECT count(*) FILTER (WHERE o.who <> 'peerd_service'"
	" OR o.organization IS DISTINCT FROM p.organization_id::text), count(*)"
	" FROM pooling_observed o JOIN participants p ON p.id = o.participant";

static PGconn *own_database(const char *setting)
{
	PGconn *db = PQconnectdb(strchr(setting, '=') + 1);
	cr_assert_eq(PQstatus(db), CONNECTION_OK, "%s", PQerrorMessage(db));
	return db;
}

static void make_sides(void *sides)
{
	side_create(&((struct caller_side *)sides)[0]);
	side_create(&((struct caller_side *)sides)[1]);
}

TestSuite(transaction_pooling, .init = arena_open, .fini = arena_close);

Test(transaction_pooling, callers_take_turns_on_few_server_sessions_and_stay_apart, .timeout = 120)
{
	char name[64], direct_setting[256], user[64], setting[256];
	create_migrated_database(name, sizeof name, direct_setting, sizeof direct_setting);
	struct caller_side sides[2];
	through_server_with(direct_setting, make_sides, sides);
	struct caller_side *a = &sides[0], *b = &sides[1];
	PGconn *db = own_database(direct_setting);
	exec_ok(db, OBSERVE_GOALS);
	/* Row-level security binds the tables' owner too, so a read that reached the server
	 * as the login role without its scope would find nothing rather than everything: the
	 * workload's answers show whether every statement carried its preamble. */
	exec_ok(db, "ALTER TABLE participants FORCE ROW LEVEL SECURITY");
	struct bouncer bouncer;
	bouncer_start(&bouncer, name);
	test_database_url_part("user", user, sizeof user);
	snprintf(setting, sizeof setting, "PEERD_DATABASE_URL=postgresql://%s@127.0.0.1:%u/%s",
		 user, bouncer.port, name);
	struct peerd_process server;
	cr_assert(peerd_start(&server,
			      (const char *const[]){setting, "PEERD_DATABASE_POOLING=transaction",
						    "PEERD_DB_POOL_SIZE=8", NULL}));

	atomic_int wrong = 0;
	struct worker workers[CLIENT_THREADS];
	for (int i = 0; i < CLIENT_THREADS; i++) {
		workers[i] = (struct worker){.url = server.url,
					     .own = i % 2 ? a : b,
					     .other = i % 2 ? b : a,
					     .wrong = &wrong};
		cr_assert_eq(pthread_create(&workers[i].thread, NULL, work, &workers[i]), 0);
	}
	const char *first = NULL;
	for (int i = 0; i < CLIENT_THREADS; i++) {
		pthread_join(workers[i].thread, NULL);
		if (!first && workers[i].first_wrong[0])
			first = workers[i].first_wrong;
	}
	cr_expect_eq(atomic_load(&wrong), 0, "%d wrong answers; the first: %s", atomic_load(&wrong),
		     first ? first : "");
	cr_expect_eq(http_status(server.url, "/readyz", NULL), 200);
	cr_assert_eq(peerd_stop(&server), 0);

	/* Left in session mode behind this pooler, peerd gets no connection at all (it
	 * refuses the startup options), never one without its role and scope. */
	struct peerd_process unaware;
	cr_assert(peerd_start(&unaware, (const char *const[]){setting, NULL}));
	cr_expect_eq(http_status(unaware.url, "/readyz", NULL), 503);
	cr_expect_eq(http_status(unaware.url, "/v1/organizations", a->supervisor), 503);
	cr_assert_eq(peerd_stop(&unaware), 0);
	bouncer_stop(&bouncer);

	exec_ok(db, "ALTER TABLE participants NO FORCE ROW LEVEL SECURITY");
	PGresult *res = PQexec(db, WRONGLY_WRITTEN);
	cr_assert_eq(PQresultStatus(res), PGRES_TUPLES_OK, "%s", PQerrorMessage(db));
	cr_expect_str_eq(PQgetvalue(res, 0, 0), "0",
			 "goals written without the caller's role and scope");
	cr_expect_eq(atoll(PQgetvalue(res, 0, 1)), (long long)CLIENT_THREADS * ROUNDS_PER_THREAD,
		     "every goal written, once");
	PQclear(res);
	PQfinish(db);
	side_free(a);
	side_free(b);
	drop_own_database(name);
}

Test(transaction_pooling, a_value_other_than_session_or_transaction_stops_the_start)
{
	char text[512];
	cr_expect_eq(
		peerd_run_capture((const char *const[]){"serve", NULL},
				  (const char *const[]){"PEERD_DATABASE_POOLING=statement", NULL},
				  text, sizeof text),
		2);
	cr_expect(strstr(text, "PEERD_DATABASE_POOLING"), "%s", text);
}
