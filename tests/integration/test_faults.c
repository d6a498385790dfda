/* Faults under load ("prove it holds"): the database stopped, peerd killed, and peerd
 * stopped, each while clients write referrals and session notes with an Idempotency-Key.
 * Whatever the fault, peerd answers (503 with Retry-After, never a 500 or a hang), comes
 * back by itself, and every key ends with exactly one row: a retry with the same key and
 * body after the fault gets its 2xx, and a replay creates nothing.
 *
 * Each test runs a PostgreSQL cluster of its own (scripts/lib/common.sh), so stopping it
 * disturbs no other test. A janitor process removes it when the test process ends,
 * however it ends. The numbers measured are logged with cr_log_info (--verbose). */
#include <criterion/criterion.h>
#include <criterion/logging.h>
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "arena.h"
#include "fixtures.h"
#include "http.h"
#include "peerd_process.h"

/* peerd's own bounds (commands/command_serve.c, service/db.c): a request waits at most
 * this long for a pooled connection. An answer during an outage may take that, plus a
 * margin for a loaded machine, and no longer. */
#define POOL_WAIT_MS	 2000
#define SLOWEST_ALLOWED	 (POOL_WAIT_MS + 1000)
#define OUTAGE_MS	 5000
#define PACE_MS		 100 /* between one client's requests */
#define MAX_ATTEMPTS	 400 /* per client */
#define WRITERS		 2   /* specialists, each with a participant to write notes about */
#define SHUTDOWN_GRACE_S 3
#define BACKOFF_MS	 250 /* after a 503, as a client honouring Retry-After would */

/* ---- A cluster of the test's own ---- */

struct cluster {
	char root[64]; /* a temporary directory holding the cluster, root/pg */
	char data[96];
	unsigned port;
	char url[128];	   /* the login role peerd, as scripts/test makes it */
	char setting[160]; /* PEERD_DATABASE_URL=url */
	pid_t janitor;
	int to_janitor; /* "+PID" / "-PID" lines: the peerd processes it kills if need be */
};

static double now_s(void)
{
	struct timespec at;
	clock_gettime(CLOCK_MONOTONIC, &at);
	return (double)at.tv_sec + (double)at.tv_nsec / 1e9;
}

/* Runs a bash script with scripts/lib/common.sh's functions (cluster_init, pg_run...);
 * returns its exit status. */
static int cluster_shell(const char *format, ...)
{
	char script[2048];
	int used = snprintf(script, sizeof script, "source '%s/scripts/lib/common.sh' && ",
			    SOURCE_ROOT);
	va_list args;
	va_start(args, format);
	vsnprintf(script + used, sizeof script - (size_t)used, format, args);
	va_end(args);
	pid_t pid = fork();
	if (pid == 0) {
		execl("/bin/bash", "bash", "-c", script, (char *)NULL);
		_exit(127);
	}
	int status = 0;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* The janitor reads "+PID"/"-PID" lines until the test process closes its end of the
 * pipe (by cluster_close, or by ending in any way), then kills the peerd processes still
 * listed, stops the cluster and removes it. It allocates nothing: it was forked from a
 * process that may have other threads. */
static void janitor_run(int from_test, const char *cleanup)
{
	for (int fd = 3; fd < 1024; fd++) {
		if (fd != from_test)
			close(fd);
	}
	pid_t servers[16] = {0};
	char line[32];
	size_t length = 0;
	char c;
	while (read(from_test, &c, 1) == 1) {
		if (c != '\n') {
			if (length < sizeof line - 1)
				line[length++] = c;
			continue;
		}
		line[length] = '\0';
		length = 0;
		pid_t pid = (pid_t)atol(line + 1);
		for (size_t i = 0; i < 16; i++) {
			if (line[0] == '+' && servers[i] == 0) {
				servers[i] = pid;
				break;
			}
			if (line[0] == '-' && servers[i] == pid) {
				servers[i] = 0;
				break;
			}
		}
	}
	for (size_t i = 0; i < 16; i++) {
		if (servers[i] > 0)
			kill(servers[i], SIGKILL);
	}
	execl("/bin/bash", "bash", "-c", cleanup, (char *)NULL);
	_exit(127);
}

static void janitor_tell(const struct cluster *cluster, char sign, pid_t pid)
{
	char line[32];
	int length = snprintf(line, sizeof line, "%c%d\n", sign, (int)pid);
	cr_assert_eq(write(cluster->to_janitor, line, (size_t)length), length);
}

static void cluster_open(struct cluster *cluster)
{
	memset(cluster, 0, sizeof *cluster);
	snprintf(cluster->root, sizeof cluster->root, "/tmp/peerd-faults-XXXXXX");
	cr_assert(mkdtemp(cluster->root), "mkdtemp: %s", strerror(errno));
	/* The postgres user makes the cluster inside. */
	cr_assert_eq(chmod(cluster->root, 0755), 0);
	snprintf(cluster->data, sizeof cluster->data, "%s/pg", cluster->root);
	cluster->port = free_port();

	char cleanup[1024];
	snprintf(cleanup, sizeof cleanup,
		 "source '%s/scripts/lib/common.sh'; if [ -f %s/postmaster.pid ]; then"
		 " pg_run \"$PG_BIN/pg_ctl\" -D %s -m immediate -w stop >/dev/null 2>&1; fi;"
		 " rm -rf %s",
		 SOURCE_ROOT, cluster->data, cluster->data, cluster->root);
	int pipe_ends[2];
	cr_assert_eq(pipe(pipe_ends), 0);
	cluster->janitor = fork();
	cr_assert_geq(cluster->janitor, 0);
	if (cluster->janitor == 0) {
		close(pipe_ends[1]);
		janitor_run(pipe_ends[0], cleanup);
	}
	close(pipe_ends[0]);
	cluster->to_janitor = pipe_ends[1];
	/* Not inherited by peerd or bash: only this process's end keeps the janitor waiting. */
	fcntl(cluster->to_janitor, F_SETFD, FD_CLOEXEC);

	/* Without fsync: the tests stop PostgreSQL, not the machine, and what it wrote reaches
	 * the files through the kernel either way; a restart then takes a second, not six. */
	cr_assert_eq(cluster_shell("cluster_init %s --no-sync && echo 'fsync = off' >> "
				   "%s/postgresql.conf && cluster_start %s %u &&"
				   " cluster_create_database %u",
				   cluster->data, cluster->data, cluster->data, cluster->port,
				   cluster->port),
		     0, "the test's own PostgreSQL cluster did not start");
	snprintf(cluster->url, sizeof cluster->url, "postgresql://peerd@127.0.0.1:%u/peerd",
		 cluster->port);
	snprintf(cluster->setting, sizeof cluster->setting, "PEERD_DATABASE_URL=%s", cluster->url);
	/* The fixtures' direct connections (test_db_connect, test_sql_text) go there too. */
	setenv("PEERD_TEST_DATABASE_URL", cluster->url, 1);
	char log[256];
	snprintf(log, sizeof log, "%s/migrate.log", cluster->root);
	cr_assert_eq(peerd_run((const char *const[]){"migrate", NULL},
			       (const char *const[]){cluster->setting, NULL}, log),
		     0, "peerd migrate on the test's own cluster");
}

/* Stops the cluster at once, as a crash would: no checkpoint, connections cut. */
static void cluster_crash(const struct cluster *cluster)
{
	cr_assert_eq(cluster_shell("pg_run \"$PG_BIN/pg_ctl\" -D %s -m immediate -w stop"
				   " >/dev/null",
				   cluster->data),
		     0);
}

static void cluster_restart(const struct cluster *cluster)
{
	cr_assert_eq(cluster_shell("cluster_start %s %u", cluster->data, cluster->port), 0);
}

/* Lets the janitor stop and remove the cluster now, and waits for it. */
static void cluster_close(struct cluster *cluster)
{
	close(cluster->to_janitor);
	int status = 0;
	while (waitpid(cluster->janitor, &status, 0) < 0 && errno == EINTR)
		;
	struct stat gone;
	cr_expect_neq(stat(cluster->root, &gone), 0, "%s was removed", cluster->root);
}

/* ---- peerd against it ---- */

static void server_open(struct peerd_process *server, const struct cluster *cluster,
			const char *extra)
{
	cr_assert(peerd_start(server,
			      (const char *const[]){cluster->setting,
						    "PEERD_RATE_LIMIT_PER_MINUTE=0", extra, NULL}));
	janitor_tell(cluster, '+', server->pid);
}

static bool server_running(const struct peerd_process *server)
{
	int status;
	return waitpid(server->pid, &status, WNOHANG) == 0;
}

/* After a signal: waits for the exit (30 s at most), writes its status, and returns the
 * seconds it took. */
static double seconds_until_exit(struct peerd_process *server, const struct cluster *cluster,
				 int *status)
{
	double start = now_s();
	while (waitpid(server->pid, status, WNOHANG) == 0 && now_s() - start < 30)
		sleep_ms(10);
	janitor_tell(cluster, '-', server->pid);
	server->pid = 0;
	return now_s() - start;
}

/* SIGTERM, and the exit status (0 expected). */
static int server_close(struct peerd_process *server, const struct cluster *cluster)
{
	pid_t pid = server->pid;
	int status = peerd_stop(server);
	janitor_tell(cluster, '-', pid);
	return status;
}

/* ---- The people who write ---- */

struct writer {
	char subject[96];
	char *specialist_id;
	char *token;
	char participant_id[64];
	char *goal_id;
};

struct world {
	char *provider_id;
	char *partner_id;
	char *partner;	  /* a token */
	char *supervisor; /* of the provider */
	struct writer writers[WRITERS];
};

/* Through PEERD_TEST_URL, the test's own server. */
static void world_open(struct world *world)
{
	world->provider_id = create_organization("provider");
	world->partner_id = create_organization("partner");
	world->partner = token_for("partner", world->partner_id);
	world->supervisor = token_for("supervisor", world->provider_id);
	for (size_t i = 0; i < WRITERS; i++) {
		struct writer *writer = &world->writers[i];
		writer->specialist_id = certified_specialist(world->provider_id, writer->subject,
							     sizeof writer->subject);
		writer->token =
			token_for_subject("specialist", world->provider_id, writer->subject);
		free(assigned_referral(world->supervisor, writer->specialist_id,
				       writer->participant_id, sizeof writer->participant_id));
		char path[128];
		snprintf(path, sizeof path, "/v1/participants/%s/goals", writer->participant_id);
		struct http_response *goal = http_post(
			path, writer->token,
			"{\"domain\":\"social\",\"statement\":\"Find a meeting I like.\"}");
		cr_assert_eq(goal->status, 201, "%s", goal->body);
		writer->goal_id = strdup(http_string(goal, "id"));
		http_response_free(goal);
	}
}

static void world_close(struct world *world)
{
	for (size_t i = 0; i < WRITERS; i++) {
		free(world->writers[i].specialist_id);
		free(world->writers[i].token);
		free(world->writers[i].goal_id);
	}
	free(world->supervisor);
	free(world->partner);
	free(world->partner_id);
	free(world->provider_id);
}

/* ---- Clients under load ---- */

enum kind { REFERRAL, NOTE, READ };

struct attempt {
	char key[48];
	long status; /* the first answer; 0: no complete answer */
	double started, elapsed;
	bool refused; /* no connection: nothing was sent */
	long again;   /* the status when sent again after the fault */
	bool replayed;
	char id[40]; /* of the 2xx answer */
};

struct load {
	pthread_mutex_t lock;
	char url[64]; /* the server, which a test may replace */
	const char *label;
	atomic_bool stop;
	bool until_refused; /* each client stops at its first refused connection */
	atomic_int bad;	    /* answers peerd must never give */
	char first_bad[512];
};

struct client {
	struct load *load;
	enum kind kind;
	size_t number;
	const struct world *world;
	const struct writer *writer;
	struct attempt attempts[MAX_ATTEMPTS];
	size_t count;
	pthread_t thread;
};

static void load_bad(struct load *load, const char *format, ...)
{
	pthread_mutex_lock(&load->lock);
	if (atomic_fetch_add(&load->bad, 1) == 0) {
		va_list args;
		va_start(args, format);
		vsnprintf(load->first_bad, sizeof load->first_bad, format, args);
		va_end(args);
	}
	pthread_mutex_unlock(&load->lock);
}

/* The request body for a key: the key is the referral's external_id, the note's summary,
 * so the rows a key made can be counted whatever peerd stored. */
static void body_for(const struct client *client, const char *key, char *out, size_t size)
{
	if (client->kind == REFERRAL)
		snprintf(out, size,
			 "{\"provider_organization_id\":\"%s\",\"service_type\":\"peer\","
			 "\"participant\":{\"given_name\":\"Casey\",\"family_name\":\"Faults\","
			 "\"county\":\"Multnomah\"},\"reason\":\"Referred under load.\","
			 "\"consent\":{\"obtained\":true},\"external_id\":\"%s\"}",
			 client->world->provider_id, key);
	else
		snprintf(out, size,
			 "{\"participant_id\":\"%s\",\"occurred_at\":\"2025-06-02T16:00:00Z\","
			 "\"duration_minutes\":30,\"modality\":\"phone\",\"goal_ids\":[\"%s\"],"
			 "\"summary\":\"%s\"}",
			 client->writer->participant_id, client->writer->goal_id, key);
}

/* Sends attempt's request (its body, with its key unless unkeyed) once. Returns the
 * answer, or NULL with *refused telling whether the connection was refused (nothing
 * sent). */
static struct http_response *exchange(struct client *client, const struct attempt *attempt,
				      bool unkeyed, bool *refused)
{
	char url[64], body[1024], header[96];
	pthread_mutex_lock(&client->load->lock);
	snprintf(url, sizeof url, "%s", client->load->url);
	pthread_mutex_unlock(&client->load->lock);
	const char *token = client->kind == NOTE ? client->writer->token : client->world->partner;
	struct http_request request = {
		.path = "/v1/referrals?limit=5", .token = token, .base_url = url};
	if (client->kind != READ) {
		body_for(client, attempt->key, body, sizeof body);
		snprintf(header, sizeof header, "Idempotency-Key: %s", attempt->key);
		request = (struct http_request){.method = "POST",
						.path = client->kind == NOTE ? "/v1/session-notes"
									     : "/v1/referrals",
						.token = token,
						.content_type = "application/json",
						.body = body,
						.headers = {unkeyed ? NULL : header},
						.base_url = url};
	}
	char error[2400];
	struct http_response *response = http_try_send(&request, error, sizeof error);
	*refused = !response && strstr(error, curl_easy_strerror(CURLE_COULDNT_CONNECT));
	if (!response && !*refused && client->load->until_refused)
		load_bad(client->load, "%s: no complete answer: %s", attempt->key, error);
	return response;
}

/* Whether an answer is one peerd may give under a fault: a success, or a 503 that says
 * when to come back, as problem+json. */
static void check_answer(struct client *client, const struct attempt *attempt,
			 const struct http_response *response)
{
	if (response->status / 100 == 2)
		return;
	char *retry = arena_text(http_header(response, "Retry-After"));
	char *type = arena_text(http_header(response, "Content-Type"));
	bool unavailable = response->status == 503 && retry && type &&
			   strcmp(type, "application/problem+json") == 0;
	if (!unavailable)
		load_bad(client->load, "%s: %ld (Retry-After %s, %s): %s", attempt->key,
			 response->status, retry ? retry : "none", type ? type : "no type",
			 response->body);
}

static void *client_load(void *context)
{
	struct client *client = context;
	struct load *load = client->load;
	while (!atomic_load(&load->stop) && client->count < MAX_ATTEMPTS) {
		struct attempt *attempt = &client->attempts[client->count++];
		snprintf(attempt->key, sizeof attempt->key, "%s-%zu-%zu", load->label,
			 client->number, client->count);
		attempt->started = now_s();
		struct http_response *response =
			exchange(client, attempt, false, &attempt->refused);
		attempt->elapsed = now_s() - attempt->started;
		if (response) {
			attempt->status = response->status;
			check_answer(client, attempt, response);
			const char *id = http_string(response, "id");
			if (response->status / 100 == 2 && id)
				snprintf(attempt->id, sizeof attempt->id, "%s", id);
			http_response_free(response);
		}
		if (attempt->refused && load->until_refused)
			break;
		sleep_ms(attempt->status == 503 ? BACKOFF_MS : PACE_MS);
	}
	return NULL;
}

/* Sends every key again with its body: after a fault, each must end in a 2xx. */
static void *client_again(void *context)
{
	struct client *client = context;
	for (size_t i = 0; i < client->count; i++) {
		struct attempt *attempt = &client->attempts[i];
		bool refused;
		struct http_response *response = exchange(client, attempt, false, &refused);
		attempt->again = response ? response->status : 0;
		char *replayed = response ? http_header(response, "Idempotent-Replayed") : NULL;
		attempt->replayed = replayed && strcmp(replayed, "true") == 0;
		const char *id = response ? http_string(response, "id") : NULL;
		if (attempt->status / 100 == 2 &&
		    (!attempt->replayed || !id || strcmp(id, attempt->id) != 0))
			load_bad(client->load, "%s: a replay of %s answered %ld%s: %s",
				 attempt->key, attempt->id, attempt->again,
				 attempt->replayed ? "" : " (not a replay)",
				 response ? response->body : "nothing");
		else if (attempt->status / 100 != 2 && attempt->again / 100 == 2 && id)
			snprintf(attempt->id, sizeof attempt->id, "%s", id);
		else if (attempt->status / 100 != 2)
			load_bad(client->load, "%s: sent again after %ld, answered %ld: %s",
				 attempt->key, attempt->status, attempt->again,
				 response ? response->body : "nothing");
		free(replayed);
		http_response_free(response);
	}
	return NULL;
}

/* Clients: the first referral_clients write referrals as the partner, the next
 * note_clients session notes as the writers, the rest read. */
static struct client *clients_start(struct load *load, const struct world *world,
				    size_t referral_clients, size_t note_clients, size_t total)
{
	struct client *clients = calloc(total, sizeof *clients);
	cr_assert(clients);
	for (size_t i = 0; i < total; i++) {
		clients[i] = (struct client){
			.load = load,
			.kind = i < referral_clients		      ? REFERRAL
				: i < referral_clients + note_clients ? NOTE
								      : READ,
			.number = i,
			.world = world,
			.writer = &world->writers[i % WRITERS],
		};
		pthread_create(&clients[i].thread, NULL, client_load, &clients[i]);
	}
	return clients;
}

static void clients_join(struct client *clients, size_t total)
{
	for (size_t i = 0; i < total; i++)
		pthread_join(clients[i].thread, NULL);
}

static void clients_again(struct client *clients, size_t total)
{
	for (size_t i = 0; i < total; i++)
		pthread_create(&clients[i].thread, NULL, client_again, &clients[i]);
	clients_join(clients, total);
}

static void load_init(struct load *load, const char *label, const char *url)
{
	memset(load, 0, sizeof *load);
	pthread_mutex_init(&load->lock, NULL);
	load->label = label;
	snprintf(load->url, sizeof load->url, "%s", url);
}

static void load_switch(struct load *load, const char *url)
{
	pthread_mutex_lock(&load->lock);
	snprintf(load->url, sizeof load->url, "%s", url);
	pthread_mutex_unlock(&load->lock);
}

static void load_assert_good(struct load *load)
{
	cr_assert_eq(atomic_load(&load->bad), 0, "%d answers peerd must not give; the first: %s",
		     atomic_load(&load->bad), load->first_bad);
}

/* ---- What the database holds ---- */

/* Counts, for each key of kind among the clients' attempts (those answered 2xx when
 * answered_only), the rows it made: referrals by external_id, notes by summary. Returns
 * how many keys do not have exactly one row that peerd also recorded under the key (the
 * referral's idempotency_key; for a note, the stored answer's Location), and names the
 * first. */
static long long keys_not_exactly_once(const struct client *clients, size_t total, enum kind kind,
				       bool answered_only, char *first, size_t size)
{
	json_t *keys = json_array();
	for (size_t c = 0; c < total; c++) {
		for (size_t i = 0; clients[c].kind == kind && i < clients[c].count; i++) {
			const struct attempt *attempt = &clients[c].attempts[i];
			if (!answered_only || attempt->status / 100 == 2)
				json_array_append_new(keys, json_string(attempt->key));
		}
	}
	static const char REFERRALS[] =
		"SELECT count(*) FILTER (WHERE n <> 1 OR NOT keyed),"
		" min(k) FILTER (WHERE n <> 1 OR NOT keyed) FROM (SELECT k,"
		" (SELECT count(*) FROM referrals r WHERE r.external_id = k) AS n,"
		" EXISTS (SELECT FROM referrals r WHERE r.external_id = k"
		" AND r.idempotency_key = k) AS keyed"
		" FROM json_array_elements_text($1::json) AS k) AS x";
	static const char NOTES[] =
		"SELECT count(*) FILTER (WHERE n <> 1 OR NOT keyed),"
		" min(k) FILTER (WHERE n <> 1 OR NOT keyed) FROM (SELECT k,"
		" (SELECT count(*) FROM session_notes s WHERE s.summary = k) AS n,"
		" EXISTS (SELECT FROM session_notes s JOIN idempotency_keys i"
		" ON i.response_location = '/v1/session-notes/' || s.id"
		" WHERE s.summary = k AND i.key = k AND i.response_status = 201) AS keyed"
		" FROM json_array_elements_text($1::json) AS k) AS x";
	char *text = json_dumps(keys, JSON_COMPACT);
	PGconn *db = test_db_connect();
	PGresult *res = PQexecParams(db, kind == REFERRAL ? REFERRALS : NOTES, 1, NULL,
				     (const char *const[]){text}, NULL, NULL, 0);
	cr_assert_eq(PQresultStatus(res), PGRES_TUPLES_OK, "%s", PQerrorMessage(db));
	long long wrong = atoll(PQgetvalue(res, 0, 0));
	snprintf(first, size, "%s", PQgetvalue(res, 0, 1));
	PQclear(res);
	PQfinish(db);
	free(text);
	json_decref(keys);
	return wrong;
}

/* Asserts that every key of both kinds made exactly one row. */
static void assert_exactly_once(const struct client *clients, size_t total, bool answered_only,
				const char *when)
{
	char first[64];
	long long wrong =
		keys_not_exactly_once(clients, total, REFERRAL, answered_only, first, sizeof first);
	cr_assert_eq(wrong, 0, "%s: %lld referral keys without exactly one referral, first %s",
		     when, wrong, first);
	wrong = keys_not_exactly_once(clients, total, NOTE, answered_only, first, sizeof first);
	cr_assert_eq(wrong, 0, "%s: %lld note keys without exactly one note, first %s", when, wrong,
		     first);
}

static long long count_rows(const char *sql, const char *id)
{
	char *count = arena_text(test_sql_text(sql, 1, (const char *const[]){id}));
	long long rows = atoll(count);
	return rows;
}

/* No row was written beside the keys: as many referrals and notes as keys. */
static void assert_nothing_else(const struct client *clients, size_t total,
				const struct world *world)
{
	long long keys[2] = {0, 0};
	for (size_t c = 0; c < total; c++) {
		if (clients[c].kind != READ)
			keys[clients[c].kind] += (long long)clients[c].count;
	}
	cr_assert_eq(count_rows("SELECT count(*) FROM referrals WHERE referring_organization_id"
				" = $1",
				world->partner_id),
		     keys[REFERRAL]);
	cr_assert_eq(count_rows("SELECT count(*) FROM session_notes WHERE organization_id = $1",
				world->provider_id),
		     keys[NOTE]);
}

/* The check above, made to fail: a body sent once with a key and once more without makes
 * two rows for one key, which it must report. */
static void assert_duplicate_caught(struct client *client)
{
	struct client probe = {.load = client->load,
			       .kind = client->kind,
			       .world = client->world,
			       .writer = client->writer,
			       .count = 1};
	snprintf(probe.attempts[0].key, sizeof probe.attempts[0].key, "%s-duplicate",
		 client->load->label);
	for (int i = 0; i < 2; i++) {
		bool refused;
		struct http_response *created =
			exchange(&probe, &probe.attempts[0], i > 0, &refused);
		cr_assert(created && created->status == 201, "%s",
			  created ? created->body : "no answer");
		http_response_free(created);
	}
	char first[64];
	cr_assert_eq(keys_not_exactly_once(&probe, 1, probe.kind, false, first, sizeof first), 1,
		     "the exactly-once check sees a duplicate");
	cr_assert_str_eq(first, probe.attempts[0].key);
}

/* ---- Measures ---- */

struct tally {
	long sent, succeeded, unavailable, refused, unanswered, during_outage, again_replayed;
	double slowest, slowest_in_outage;
};

/* Sums the clients' attempts; the outage is from down to up (0 when there was none). */
static struct tally tally_of(const struct client *clients, size_t total, double down, double up)
{
	struct tally tally = {0};
	for (size_t c = 0; c < total; c++) {
		for (size_t i = 0; i < clients[c].count; i++) {
			const struct attempt *attempt = &clients[c].attempts[i];
			tally.sent += !attempt->refused;
			tally.succeeded += attempt->status / 100 == 2;
			tally.unavailable += attempt->status == 503;
			tally.refused += attempt->refused;
			tally.unanswered += attempt->status == 0 && !attempt->refused;
			tally.again_replayed += attempt->status / 100 != 2 && attempt->replayed;
			if (attempt->elapsed > tally.slowest)
				tally.slowest = attempt->elapsed;
			bool in_outage =
				attempt->started < up && attempt->started + attempt->elapsed > down;
			if (in_outage && attempt->elapsed > tally.slowest_in_outage)
				tally.slowest_in_outage = attempt->elapsed;
			/* Started after the database went and answered before it was back. */
			if (attempt->started > down + 0.1 &&
			    attempt->started + attempt->elapsed < up) {
				tally.during_outage++;
				cr_expect_eq(attempt->status, 503, "%s during the outage: %ld",
					     attempt->key, attempt->status);
			}
		}
	}
	return tally;
}

/* Polls /readyz until 200; returns the seconds it took, or a negative number after 10 s. */
static double seconds_until_ready(const char *url)
{
	double start = now_s();
	while (now_s() - start < 10) {
		char error[2400];
		struct http_response *ready =
			http_try_send(&(struct http_request){.path = "/readyz", .base_url = url},
				      error, sizeof error);
		long status = ready ? ready->status : 0;
		http_response_free(ready);
		if (status == 200)
			return now_s() - start;
		sleep_ms(20);
	}
	return -1;
}

/* A connection that holds the audit inbox, so that every write waits inside its
 * transaction (after its key was claimed) to record its events: the fault then lands in
 * the middle of requests, not only between them. */
static PGconn *hold_writes(void)
{
	PGconn *db = test_db_connect();
	exec_ok(db, "BEGIN");
	exec_ok(db, "LOCK TABLE audit_inbox IN SHARE MODE");
	sleep_ms(300);
	return db;
}

/* ---- The tests ---- */

/* A cluster, peerd against it, the people who write, and clients already sending. */
struct scene {
	struct cluster cluster;
	struct peerd_process server;
	struct world world;
	struct load load;
	struct client *clients;
	size_t count;
};

/* server_setting: one more for peerd, or NULL. */
static void scene_open(struct scene *scene, const char *label, const char *server_setting)
{
	cluster_open(&scene->cluster);
	server_open(&scene->server, &scene->cluster, server_setting);
	/* The fixtures' requests go to this server. */
	setenv("PEERD_TEST_URL", scene->server.url, 1);
	world_open(&scene->world);
	load_init(&scene->load, label, scene->server.url);
}

/* As clients_start. */
static void scene_start_clients(struct scene *scene, size_t referral_clients, size_t note_clients,
				size_t total)
{
	scene->count = total;
	scene->clients =
		clients_start(&scene->load, &scene->world, referral_clients, note_clients, total);
}

/* After a fault: the keys answered 2xx each made exactly one row; sent again with the
 * same bodies, every key ends in a 2xx (a replay for those already answered) and still
 * one row; and nothing else was written. */
static void scene_settle(struct scene *scene)
{
	assert_exactly_once(scene->clients, scene->count, true, "keys answered 2xx");
	clients_again(scene->clients, scene->count);
	load_assert_good(&scene->load);
	struct tally tally = tally_of(scene->clients, scene->count, 0, 0);
	cr_log_info("sent again: %ld keys answered 2xx the first time were replayed, %ld others "
		    "created now, %ld others found already done (replayed)",
		    tally.succeeded, tally.sent - tally.succeeded - tally.again_replayed,
		    tally.again_replayed);
	assert_exactly_once(scene->clients, scene->count, false, "every key after the retries");
	assert_nothing_else(scene->clients, scene->count, &scene->world);
}

static void scene_close(struct scene *scene)
{
	if (scene->server.pid > 0)
		cr_assert_eq(server_close(&scene->server, &scene->cluster), 0);
	free(scene->clients);
	world_close(&scene->world);
	cluster_close(&scene->cluster);
}

static void scene_stop_clients(struct scene *scene)
{
	atomic_store(&scene->load.stop, true);
	clients_join(scene->clients, scene->count);
}

#define LOAD_CLIENTS 6 /* three write referrals, three write notes */

/* Opens a scene whose clients write for a while, then holds writes inside peerd
 * (hold_writes) for the fault to come; returns the holding connection. */
static PGconn *scene_until_fault(struct scene *scene, const char *label)
{
	scene_open(scene, label, NULL);
	scene_start_clients(scene, 3, 3, LOAD_CLIENTS);
	sleep_ms(1500);
	return hold_writes();
}

TestSuite(faults, .init = arena_open, .fini = arena_close);

Test(faults, database_stopped_under_load)
{
	struct scene scene;
	PGconn *held = scene_until_fault(&scene, "stop");
	double down = now_s();
	cluster_crash(&scene.cluster);
	sleep_ms(OUTAGE_MS);
	cr_assert(server_running(&scene.server), "peerd is still running with its database gone");
	cluster_restart(&scene.cluster);
	double up = now_s();
	double recovered = seconds_until_ready(scene.server.url);
	cr_assert_geq(recovered, 0, "peerd answers /readyz again without a restart");
	sleep_ms(1000);
	scene_stop_clients(&scene);
	PQfinish(held);
	cr_assert(server_running(&scene.server), "peerd never exited");

	struct tally tally = tally_of(scene.clients, LOAD_CLIENTS, down, up);
	cr_log_info("database stopped for %d ms under load: %ld requests, %ld 2xx, %ld 503 "
		    "(%ld while down), %ld without an answer; slowest answer %.0f ms (%.0f ms "
		    "around the outage); /readyz 200 %.0f ms after the database was back",
		    OUTAGE_MS, tally.sent, tally.succeeded, tally.unavailable, tally.during_outage,
		    tally.unanswered, tally.slowest * 1000, tally.slowest_in_outage * 1000,
		    recovered * 1000);
	load_assert_good(&scene.load);
	cr_assert_eq(tally.unanswered, 0, "every request got an answer");
	cr_assert_gt(tally.during_outage, 0, "requests were made while the database was down");
	cr_assert_lt(tally.slowest * 1000, SLOWEST_ALLOWED, "no answer took %.0f ms",
		     tally.slowest * 1000);
	bool written_after = false;
	for (size_t c = 0; c < LOAD_CLIENTS; c++) {
		for (size_t i = 0; i < scene.clients[c].count; i++)
			written_after |= scene.clients[c].attempts[i].started > up &&
					 scene.clients[c].attempts[i].status == 201;
	}
	cr_assert(written_after, "writes succeed again once the database is back");

	scene_settle(&scene);
	assert_duplicate_caught(&scene.clients[0]);
	assert_duplicate_caught(&scene.clients[3]);
	scene_close(&scene);
}

Test(faults, peerd_killed_under_load_and_started_again)
{
	struct scene scene;
	PGconn *held = scene_until_fault(&scene, "kill");
	double down = now_s();
	kill(scene.server.pid, SIGKILL);
	int status = 0;
	seconds_until_exit(&scene.server, &scene.cluster, &status);
	PQfinish(held);
	sleep_ms(500);
	server_open(&scene.server, &scene.cluster, NULL);
	load_switch(&scene.load, scene.server.url);
	double up = now_s();
	sleep_ms(1500);
	scene_stop_clients(&scene);

	struct tally tally = tally_of(scene.clients, LOAD_CLIENTS, down, down);
	cr_log_info("peerd killed under load and started again after %.0f ms: %ld requests, "
		    "%ld 2xx, %ld 503, %ld without an answer, %ld refused; slowest answer %.0f ms",
		    (up - down) * 1000, tally.sent, tally.succeeded, tally.unavailable,
		    tally.unanswered, tally.refused, tally.slowest * 1000);
	load_assert_good(&scene.load);
	cr_assert_gt(tally.unanswered + tally.refused, 0, "the kill cut requests");
	cr_assert_lt(tally.slowest * 1000, SLOWEST_ALLOWED);
	scene_settle(&scene);
	scene_close(&scene);
}

#define SHUTDOWN_CLIENTS 24 /* 8 write referrals, 8 write notes, 8 read */

/* A request that waits inside peerd on a row lock the test holds, past the grace period. */
struct stuck {
	PGconn *lock;
	char path[128];
	const char *url;
	char *token;
	struct http_response *response; /* NULL: no complete answer */
	char error[2400];
	pthread_t thread;
};

static void *stuck_send(void *context)
{
	struct stuck *stuck = context;
	stuck->response = http_try_send(&(struct http_request){.method = "PATCH",
							       .path = stuck->path,
							       .token = stuck->token,
							       .content_type = "application/json",
							       .body = "{\"name\":\"Stuck\"}",
							       .base_url = stuck->url},
					stuck->error, sizeof stuck->error);
	return NULL;
}

static void stuck_start(struct stuck *stuck, const char *url, const char *organization_id)
{
	stuck->lock = row_lock_organization(organization_id);
	snprintf(stuck->path, sizeof stuck->path, "/v1/organizations/%s", organization_id);
	stuck->url = url;
	stuck->token = admin_token();
	pthread_create(&stuck->thread, NULL, stuck_send, stuck);
}

/* test_shutdown.c covers one request held in flight, an upload in progress and SIGINT;
 * this adds many at once, writes among them, and a request still running when the grace
 * period ends. */
Test(faults, sigterm_under_load_answers_every_request_sent)
{
	char grace[64];
	snprintf(grace, sizeof grace, "PEERD_SHUTDOWN_GRACE_SECONDS=%d", SHUTDOWN_GRACE_S);
	struct scene scene;
	scene_open(&scene, "term", grace);
	scene.load.until_refused = true;
	scene_start_clients(&scene, 8, 8, SHUTDOWN_CLIENTS);
	sleep_ms(1000);
	/* Writes pile up inside peerd, the rest queue behind them. */
	PGconn *held = hold_writes();
	double stopping = now_s();
	kill(scene.server.pid, SIGTERM);
	sleep_ms(300);
	PQfinish(held);
	int status = 0;
	double stopped = seconds_until_exit(&scene.server, &scene.cluster, &status);
	scene_stop_clients(&scene);

	struct tally tally = tally_of(scene.clients, SHUTDOWN_CLIENTS, 0, 0);
	long in_flight = 0;
	for (size_t c = 0; c < SHUTDOWN_CLIENTS; c++) {
		for (size_t i = 0; i < scene.clients[c].count; i++) {
			const struct attempt *attempt = &scene.clients[c].attempts[i];
			in_flight += attempt->started < stopping &&
				     attempt->started + attempt->elapsed > stopping;
		}
	}
	cr_log_info("SIGTERM under load: %ld requests sent (%ld in flight at the signal), %ld "
		    "2xx, %ld 503, %ld without a complete answer; exit after %.0f ms (grace %d s)",
		    tally.sent, in_flight, tally.succeeded, tally.unavailable, tally.unanswered,
		    stopped * 1000, SHUTDOWN_GRACE_S);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "peerd exited with %d", status);
	cr_assert_lt(stopped, SHUTDOWN_GRACE_S + 1.0, "peerd exits within its grace period");
	cr_assert_geq(in_flight, SHUTDOWN_CLIENTS / 2, "many requests were in flight");
	load_assert_good(&scene.load);
	cr_assert_eq(tally.unanswered, 0, "every request sent got a complete answer");
	assert_exactly_once(scene.clients, SHUTDOWN_CLIENTS, true, "writes answered 2xx");

	/* A request still waiting when the grace period ends is cut short and told so; it
	 * does not keep peerd running until its statement gives up by itself (lock_timeout,
	 * 3 s; statement_timeout, 15 s). */
	server_open(&scene.server, &scene.cluster, "PEERD_SHUTDOWN_GRACE_SECONDS=1");
	struct stuck stuck = {0};
	stuck_start(&stuck, scene.server.url, scene.world.provider_id);
	sleep_ms(300);
	kill(scene.server.pid, SIGTERM);
	stopped = seconds_until_exit(&scene.server, &scene.cluster, &status);
	pthread_join(stuck.thread, NULL);
	row_lock_release(stuck.lock);
	cr_log_info("SIGTERM with a request waiting on a lock: exit after %.0f ms (grace 1 s)",
		    stopped * 1000);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "peerd exited with %d", status);
	cr_assert_lt(stopped, 2.4,
		     "peerd exits within its grace period, not when the lock wait ends");
	cr_assert(stuck.response, "the stuck request got a complete answer: %s", stuck.error);
	cr_assert_eq(stuck.response->status, 503, "%s", stuck.response->body);
	char *retry = arena_text(http_header(stuck.response, "Retry-After"));
	cr_assert(retry, "a 503 says when to come back");

	http_response_free(stuck.response);
	free(stuck.token);
	scene_close(&scene);
}
