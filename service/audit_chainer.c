#include "audit_chainer.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "log.h"
#include "monotonic.h"

/* How long an event may wait in the inbox: readers of the trail chain it themselves, so
 * this only bounds how long an event stays out of the tamper-evident chain. */
#define CHAIN_INTERVAL_MS    100
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

/* Chains until the inbox has less than a batch left. False when the database failed. */
static bool chain_pending(struct audit_chainer *chainer)
{
	if (!chainer->db) {
		char error[256];
		chainer->db = db_connect(chainer->url, chainer->role, chainer->pooling, error,
					 sizeof error);
		if (!chainer->db)
			return false;
	}
	for (;;) {
		PGresult *res = NULL;
		if (db_read(chainer->db, &AUDIT_CHAIN, DB_ARGS(CHAIN_BATCH_TEXT), &res) != DB_OK) {
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

static void *run(void *context)
{
	struct audit_chainer *chainer = context;
	bool failing = false;
	pthread_mutex_lock(&chainer->lock);
	while (!chainer->stopping) {
		struct timespec next = monotonic_after_ms(CHAIN_INTERVAL_MS);
		while (!chainer->stopping &&
		       pthread_cond_timedwait(&chainer->wake, &chainer->lock, &next) == 0)
			;
		pthread_mutex_unlock(&chainer->lock);
		bool chained = chain_pending(chainer);
		/* Said once per outage, not ten times a second. */
		if (!chained && !failing)
			log_message(LOG_LEVEL_WARN,
				    "audit events could not be chained yet; retrying");
		failing = !chained;
		pthread_mutex_lock(&chainer->lock);
	}
	pthread_mutex_unlock(&chainer->lock);
	if (!chain_pending(chainer))
		log_message(LOG_LEVEL_WARN, "audit events left in the inbox at stop: the next "
					    "peerd or reader of the trail chains them");
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
