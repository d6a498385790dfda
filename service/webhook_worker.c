#include "webhook_worker.h"

#include <openssl/crypto.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "log.h"
#include "monotonic.h"
#include "network_address.h"
#include "webhook_client.h"
#include "webhook_schedule.h"
#include "webhook_secret.h"
#include "webhook_signature.h"
#include "webhook_stats.h"

/* How often an idle worker looks for due deliveries: events reach receivers within a
 * second without a notification channel, at the cost of an index probe a quarter second. */
#define POLL_MS		  250
/* While the database fails. */
#define RETRY_MS	  1000
/* How long a claimed delivery is the claimer's: more than the client's 10 s in all, so a
 * live sender always records first, and short enough that a crash delays it little. */
#define LEASE_MS	  "20000"
/* certification.expiring is a matter of days: a scan a minute is plenty. */
#define ANNOUNCE_EVERY_MS 60000
/* The outbox's gauges. */
#define STATS_EVERY_MS	  1000
#define NONCE_BYTES	  32
#define GIVE_UP_TEMPLATE  "no 2xx answer in %d attempts over about 28 hours; last: %s"
#define CONSENT_CLOSED                                                                  \
	"not sent: the partner's Part 2 consent for this substance_use referral is no " \
	"longer in force"

struct webhook_worker {
	pthread_mutex_t lock;
	pthread_cond_t wake;
	pthread_t thread;
	atomic_bool stopping;
	char *url;
	char *role;
	char *key;
	enum db_pooling pooling;
	bool allow_http;
	struct db_conn *db;
};

/* The oldest due delivery whose subscription is active and that no earlier pending
 * delivery of the same subscription and referral precedes (order per referral), leased
 * in the same statement; with what sending it needs, and whether a partner's Part 2 gate
 * (sql/027) still lets it out. */
static const struct db_statement CLAIM = {
	"webhook_claim",
	"WITH due AS (SELECT d.id FROM webhook_deliveries d "
	"  JOIN subscriptions s ON s.id = d.subscription_id "
	"  WHERE d.status = 'pending' AND d.next_attempt_at <= now() AND s.active "
	"    AND NOT EXISTS (SELECT FROM webhook_deliveries e "
	"      WHERE e.subscription_id = d.subscription_id AND e.referral_id = d.referral_id "
	"        AND e.status = 'pending' AND e.event_seq < d.event_seq) "
	"  ORDER BY d.next_attempt_at, d.event_seq LIMIT 1 FOR UPDATE OF d SKIP LOCKED) "
	"UPDATE webhook_deliveries d "
	"SET next_attempt_at = now() + $1::bigint * interval '1 millisecond' "
	"FROM due, subscriptions s, webhook_events e "
	"WHERE d.id = due.id AND s.id = d.subscription_id AND e.id = d.event_id "
	"RETURNING d.id, d.event_id, d.attempts, s.url, encode(s.secret_nonce, 'hex'), "
	"  e.payload::text, "
	"  NOT EXISTS (SELECT FROM referrals r WHERE r.id = d.referral_id "
	"    AND e.type = 'referral.status_changed' "
	"    AND r.referring_organization_id = s.organization_id AND r.substance_use "
	"    AND peerd_part2_consent_for(r.participant_id, r.referring_organization_id) IS NULL)"};
static const struct db_statement RECORD = {
	"webhook_record",
	"SELECT peerd_webhook_record_attempt($1::uuid, $2, $3::int, $4, $5::bigint, $6)"};
static const struct db_statement OUTBOX = {
	"webhook_outbox",
	"SELECT count(*), coalesce(extract(epoch FROM now() - min(created_at))::bigint, 0) "
	"FROM webhook_deliveries WHERE status = 'pending'"};
static const struct db_statement ANNOUNCE = {"webhook_announce",
					     "SELECT peerd_webhook_announce_expiring()"};

/* A claimed delivery. */
struct delivery {
	const char *id;
	const char *event_id;
	int attempts; /* before this one */
	const char *url;
	const char *nonce_hex;
	const char *body;
	bool allowed;
};

static bool connect_once(struct webhook_worker *worker)
{
	if (worker->db)
		return true;
	char why[256];
	worker->db = db_connect(worker->url, worker->role, worker->pooling, why, sizeof why);
	if (!worker->db)
		return false;
	db_leave_failure_logs_to_caller(worker->db);
	/* Deliveries of every organization: the admin scope of row-level security. */
	db_set_scope(worker->db, "", "admin");
	return true;
}

/* Drops a connection that failed mid-way; the next run connects again. */
static void forget_broken_connection(struct webhook_worker *worker)
{
	if (worker->db && !db_is_idle(worker->db)) {
		db_close(worker->db);
		worker->db = NULL;
	}
}

/* The subscription's signing key, derived again from PEERD_WEBHOOK_KEY and the nonce
 * (hex, as the claim selects it) as at creation (service/webhook_secret.c). */
static bool derive_key(const char *webhook_key, const char *nonce_hex,
		       unsigned char key[WEBHOOK_KEY_BYTES])
{
	unsigned char nonce[WEBHOOK_NONCE_BYTES];
	if (strlen(nonce_hex) != 2 * WEBHOOK_NONCE_BYTES)
		return false;
	for (size_t i = 0; i < WEBHOOK_NONCE_BYTES; i++) {
		unsigned byte = 0;
		if (sscanf(nonce_hex + 2 * i, "%2x", &byte) != 1)
			return false;
		nonce[i] = (unsigned char)byte;
	}
	return webhook_key_derive(webhook_key, nonce, key);
}

/* The SSRF rule at delivery, as at creation (rules/network_address.h). */
static bool address_allowed(const struct sockaddr *address, bool allow_loopback)
{
	return network_address_is_allowed(network_address_kind_of(address), allow_loopback);
}

/* Sends one delivery; fills response. False when it could not even be signed. */
static bool send_delivery(struct webhook_worker *worker, const struct delivery *delivery,
			  struct webhook_response *response)
{
	unsigned char key[WEBHOOK_KEY_BYTES];
	long long now = (long long)time(NULL);
	char *signature = NULL;
	if (derive_key(worker->key, delivery->nonce_hex, key))
		signature = webhook_signature_with_key(key, sizeof key, delivery->event_id, now,
						       delivery->body, strlen(delivery->body));
	OPENSSL_cleanse(key, sizeof key);
	if (!signature) {
		*response = (struct webhook_response){0};
		snprintf(response->error, sizeof response->error, "could not sign the event");
		return false;
	}
	char id_header[128], time_header[64], signature_header[128];
	snprintf(id_header, sizeof id_header, "webhook-id: %s", delivery->event_id);
	snprintf(time_header, sizeof time_header, "webhook-timestamp: %lld", now);
	snprintf(signature_header, sizeof signature_header, "webhook-signature: %s", signature);
	free(signature);
	const char *const headers[] = {"Content-Type: application/json", id_header, time_header,
				       signature_header, NULL};
	struct webhook_request request = {
		.url = delivery->url,
		.headers = headers,
		.body = delivery->body,
		.body_size = strlen(delivery->body),
		.allow_http = worker->allow_http,
		.address_allowed = address_allowed,
		.cancel = &worker->stopping,
	};
	return webhook_post(&request, response);
}

/* A random jitter in [-1, 1]. */
static double jitter(void)
{
	unsigned value = 0;
	if (getrandom(&value, sizeof value, 0) != sizeof value)
		return 0.0;
	return (double)value / (double)UINT32_MAX * 2.0 - 1.0;
}

/* What becomes of a delivery after attempt number attempt answered so. */
static enum webhook_outcome judge(const struct webhook_response *response, int attempt,
				  long long *retry_ms)
{
	if (response->status_code >= 200 && response->status_code < 300)
		return WEBHOOK_DELIVERED;
	return webhook_retry_delay_ms(attempt, jitter(), retry_ms) ? WEBHOOK_RETRY : WEBHOOK_FAILED;
}

static bool record(struct webhook_worker *worker, const struct delivery *delivery,
		   enum webhook_outcome outcome, const struct webhook_response *response,
		   long long retry_ms)
{
	char status[24] = "", retry[32] = "", reason[400] = "", last[300];
	if (response->status_code > 0)
		snprintf(status, sizeof status, "%ld", response->status_code);
	snprintf(retry, sizeof retry, "%lld", retry_ms);
	if (response->status_code > 0)
		snprintf(last, sizeof last, "HTTP %ld", response->status_code);
	else
		snprintf(last, sizeof last, "%s", response->error);
	if (outcome == WEBHOOK_FAILED)
		snprintf(reason, sizeof reason, GIVE_UP_TEMPLATE, WEBHOOK_MAX_ATTEMPTS, last);
	/* A status outside 100..599 is not HTTP: logged as an error, not as a code. */
	bool http_status = response->status_code >= 100 && response->status_code <= 599;
	PGresult *res = NULL;
	enum db_status result = db_read(
		worker->db, &RECORD,
		DB_ARGS(delivery->id, webhook_outcome_name(outcome), http_status ? status : NULL,
			response->error[0] ? response->error : NULL,
			outcome == WEBHOOK_RETRY ? retry : NULL, reason[0] ? reason : NULL),
		&res);
	PQclear(res);
	if (result != DB_OK)
		return false;
	webhook_stats_count(outcome);
	if (outcome == WEBHOOK_FAILED)
		log_write(LOG_LEVEL_WARN, "webhook subscription disabled",
			  json_pack("{s:s, s:s}", "delivery_id", delivery->id, "reason", reason));
	return true;
}

/* Claims, sends and records one due delivery. 1 when one was handled, 0 when none was
 * due, -1 when the database failed. */
static int deliver_one(struct webhook_worker *worker)
{
	PGresult *res = NULL;
	if (db_read(worker->db, &CLAIM, DB_ARGS(LEASE_MS), &res) != DB_OK) {
		PQclear(res);
		return -1;
	}
	if (PQntuples(res) == 0) {
		PQclear(res);
		return 0;
	}
	struct delivery delivery = {
		.id = db_text(res, 0, 0),
		.event_id = db_text(res, 0, 1),
		.attempts = (int)db_integer(res, 0, 2),
		.url = db_text(res, 0, 3),
		.nonce_hex = db_text(res, 0, 4),
		.body = db_text(res, 0, 5),
		.allowed = db_boolean(res, 0, 6),
	};
	struct webhook_response response = {0};
	enum webhook_outcome outcome = WEBHOOK_SKIPPED;
	long long retry_ms = 0;
	if (!delivery.allowed) {
		snprintf(response.error, sizeof response.error, "%s", CONSENT_CLOSED);
	} else {
		send_delivery(worker, &delivery, &response);
		outcome = judge(&response, delivery.attempts + 1, &retry_ms);
	}
	/* Stopped mid-send: the lease brings it back; nothing was learned of the receiver. */
	bool recorded = atomic_load(&worker->stopping) && outcome != WEBHOOK_DELIVERED
				? true
				: record(worker, &delivery, outcome, &response, retry_ms);
	PQclear(res);
	return recorded ? 1 : -1;
}

static void refresh_stats(struct webhook_worker *worker)
{
	PGresult *res = NULL;
	if (db_read(worker->db, &OUTBOX, 0, NULL, &res) == DB_OK)
		webhook_stats_set_outbox(db_integer(res, 0, 0), db_integer(res, 0, 1));
	PQclear(res);
}

static void announce_expiring(struct webhook_worker *worker)
{
	PGresult *res = NULL;
	if (db_read(worker->db, &ANNOUNCE, 0, NULL, &res) != DB_OK)
		log_message(LOG_LEVEL_WARN, "certification.expiring could not be announced yet");
	PQclear(res);
}

static long long now_ms(void)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return (long long)now.tv_sec * 1000 + now.tv_nsec / 1000000;
}

/* One round: what is due, then the periodic chores. False when the database failed. */
static bool run_once(struct webhook_worker *worker, long long *next_announce, long long *next_stats)
{
	if (!connect_once(worker))
		return false;
	int handled;
	while (!atomic_load(&worker->stopping) && (handled = deliver_one(worker)) > 0)
		;
	if (handled < 0) {
		forget_broken_connection(worker);
		return false;
	}
	long long now = now_ms();
	if (now >= *next_announce) {
		announce_expiring(worker);
		*next_announce = now + ANNOUNCE_EVERY_MS;
	}
	if (now >= *next_stats) {
		refresh_stats(worker);
		*next_stats = now + STATS_EVERY_MS;
	}
	return true;
}

static void *run(void *context)
{
	struct webhook_worker *worker = context;
	long long next_announce = 0, next_stats = 0;
	bool failing = false;
	pthread_mutex_lock(&worker->lock);
	while (!atomic_load(&worker->stopping)) {
		pthread_mutex_unlock(&worker->lock);
		bool ran = run_once(worker, &next_announce, &next_stats);
		if (ran == failing) /* said once per change, not every round */
			log_message(ran ? LOG_LEVEL_INFO : LOG_LEVEL_WARN,
				    ran ? "webhook delivery resumed"
					: "webhook deliveries could not be read; retrying");
		failing = !ran;
		pthread_mutex_lock(&worker->lock);
		struct timespec next = monotonic_after_ms(failing ? RETRY_MS : POLL_MS);
		while (!atomic_load(&worker->stopping) &&
		       pthread_cond_timedwait(&worker->wake, &worker->lock, &next) == 0)
			;
	}
	pthread_mutex_unlock(&worker->lock);
	db_close(worker->db);
	return NULL;
}

static void worker_free(struct webhook_worker *worker)
{
	free(worker->url);
	free(worker->role);
	if (worker->key)
		OPENSSL_cleanse(worker->key, strlen(worker->key));
	free(worker->key);
	free(worker);
}

struct webhook_worker *webhook_worker_start(const struct webhook_worker_settings *settings)
{
	struct webhook_worker *worker = calloc(1, sizeof *worker);
	if (!worker)
		return NULL;
	worker->url = strdup(settings->database_url);
	worker->role = settings->database_role ? strdup(settings->database_role) : NULL;
	worker->key = strdup(settings->webhook_key ? settings->webhook_key : "");
	worker->pooling = settings->pooling;
	worker->allow_http = settings->allow_http;
	atomic_init(&worker->stopping, false);
	bool ready = worker->url && (!settings->database_role || worker->role) && worker->key &&
		     pthread_mutex_init(&worker->lock, NULL) == 0 &&
		     monotonic_cond_init(&worker->wake) &&
		     pthread_create(&worker->thread, NULL, run, worker) == 0;
	if (!ready) {
		worker_free(worker);
		return NULL;
	}
	return worker;
}

void webhook_worker_stop(struct webhook_worker *worker)
{
	if (!worker)
		return;
	pthread_mutex_lock(&worker->lock);
	atomic_store(&worker->stopping, true);
	pthread_cond_signal(&worker->wake);
	pthread_mutex_unlock(&worker->lock);
	pthread_join(worker->thread, NULL);
	pthread_cond_destroy(&worker->wake);
	pthread_mutex_destroy(&worker->lock);
	worker_free(worker);
}
