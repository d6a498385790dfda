#include "audit_chainer.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "log.h"
#include "monotonic.h"

/* How long an event may wait in the inbox: readers of the trail chain it themselves, so
 * this only bounds how long an event stays out of the tamper-evident chain. */
#define CHAIN_INTERVAL_MS    100
/* How often it tries while the database fails. */
#define CHAIN_RETRY_MS	     1000
/* Events per transaction, so that one run never holds the chain's head for long. */
#define CHAIN_BATCH	     5000
/* The same number as the statement's text parameter. */
#define TEXT_OF(number)	     #number
#define TEXT_OF_VALUE(macro) TEXT_OF(macro)
#define CHAIN_BATCH_TEXT     TEXT_OF_VALUE(CHAIN_BATCH)

struct audit_chainer {
	pthread_mutex_t lock;
	pthread_cond_t wake;
	pthread_t thread;
	bool stopping;
	char *url;
	char *role;
	enum db_pooling pooling;
	struct db_conn *db; /* the thread's own; NULL until connected */
};

static const struct db_statement AUDIT_CHAIN = {"audit_chain", "SELECT peerd_audit_chain($1::int)"};

/* Connects when not connected. False, with libpq's reason in why, when it cannot. */
static bool connect_once(struct audit_chainer *chainer, char *why, size_t why_size)
{
	if (chainer->db)
		return true;
	chainer->db = db_connect(chainer->url, chainer->role, chainer->pooling, why, why_size);
	if (!chainer->db)
		return false;
	/* A failure is logged here, once per kind (run), not by db.c on every try. */
	db_leave_failure_logs_to_caller(chainer->db);
	return true;
}

/* Chains until the inbox has less than a batch left. False when the database failed,
 * with why it did in why. */
static bool chain_pending(struct audit_chainer *chainer, char *why, size_t why_size)
{
	if (!connect_once(chainer, why, why_size))
		return false;
	for (;;) {
		PGresult *res = NULL;
		enum db_status status =
			db_read(chainer->db, &AUDIT_CHAIN, DB_ARGS(CHAIN_BATCH_TEXT), &res);
		if (status != DB_OK) {
			snprintf(why, why_size, "%s (SQLSTATE %s)", db_status_text(status),
				 db_last_sqlstate(chainer->db)[0] ? db_last_sqlstate(chainer->db)
								  : "none");
			/* A connection lost is made again next time. */
			if (!db_is_idle(chainer->db)) {
				db_close(chainer->db);
				chainer->db = NULL;
			}
			return false;
		}
		long long chained = db_integer(res, 0, 0);
		PQclear(res);
		if (chained < CHAIN_BATCH)
			return true;
	}
}

/* Logs a failure when it is new (none before, or another reason: the database went from
 * down to schema-less, say) and the recovery from one; a failure that repeats every run
 * is said once. failing holds the last run's reason ("" when it chained), now this run's. */
static void report_change(char *failing, size_t size, const char *now)
{
	if (now[0] && strcmp(failing, now) != 0)
		log_write(LOG_LEVEL_WARN, "audit events could not be chained yet; retrying",
			  json_pack("{s:s}", "reason", now));
	else if (!now[0] && failing[0])
		log_message(LOG_LEVEL_INFO, "audit chaining resumed");
	snprintf(failing, size, "%s", now);
}

static void *run(void *context)
{
	struct audit_chainer *chainer = context;
	char failing[256] = "";
	pthread_mutex_lock(&chainer->lock);
	while (!chainer->stopping) {
		/* While failing, a try a second: each may be a connection the server refuses
		 * and logs, and nothing waits on the chain meanwhile. */
		struct timespec next =
			monotonic_after_ms(failing[0] ? CHAIN_RETRY_MS : CHAIN_INTERVAL_MS);
		while (!chainer->stopping &&
		       pthread_cond_timedwait(&chainer->wake, &chainer->lock, &next) == 0)
			;
		pthread_mutex_unlock(&chainer->lock);
		char why[256] = "";
		if (chain_pending(chainer, why, sizeof why))
			why[0] = '\0';
		report_change(failing, sizeof failing, why);
		pthread_mutex_lock(&chainer->lock);
	}
	pthread_mutex_unlock(&chainer->lock);
	/* A failure already said (the database down all along) is not said again. */
	char why[256];
	if (!chain_pending(chainer, why, sizeof why) && strcmp(why, failing) != 0)
		log_write(LOG_LEVEL_WARN,
			  "audit events left in the inbox at stop: the next peerd or reader of the "
			  "trail chains them",
			  json_pack("{s:s}", "reason", why));
	db_close(chainer->db);
	return NULL;
}

struct audit_chainer *audit_chainer_start(const char *url, const char *role,
					  enum db_pooling pooling)
{
	struct audit_chainer *chainer = calloc(1, sizeof *chainer);
	if (!chainer)
		return NULL;
	chainer->url = strdup(url);
	chainer->role = role ? strdup(role) : NULL;
	chainer->pooling = pooling;
	bool ready = chainer->url && (!role || chainer->role) &&
		     pthread_mutex_init(&chainer->lock, NULL) == 0 &&
		     monotonic_cond_init(&chainer->wake) &&
		     pthread_create(&chainer->thread, NULL, run, chainer) == 0;
	if (!ready) {
		free(chainer->url);
		free(chainer->role);
		free(chainer);
		return NULL;
	}
	return chainer;
}

void audit_chainer_stop(struct audit_chainer *chainer)
{
	if (!chainer)
		return;
	pthread_mutex_lock(&chainer->lock);
	chainer->stopping = true;
	pthread_cond_signal(&chainer->wake);
	pthread_mutex_unlock(&chainer->lock);
	pthread_join(chainer->thread, NULL);
	pthread_cond_destroy(&chainer->wake);
	pthread_mutex_destroy(&chainer->lock);
	free(chainer->url);
	free(chainer->role);
	free(chainer);
}
