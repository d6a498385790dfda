/* The webhook delivery worker (API.md "Subscriptions: the loop back to partners, pushed";
 * the outbox is sql/036_webhooks.sql): a thread of `peerd serve` with a database
 * connection of its own. Every instance may run one: a delivery is claimed with FOR
 * UPDATE SKIP LOCKED and leased, sent outside any transaction, and its attempt recorded;
 * a crash while sending leaves the lease to expire and the delivery to be tried again
 * (at least once). It also announces certification.expiring once a minute. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "attributes.h"
#include "db.h"

struct webhook_worker_settings {
	const char *database_url;
	const char *database_role;
	enum db_pooling pooling;
	/* PEERD_WEBHOOK_KEY: a subscription's signing key is HMAC-SHA256(this, its nonce). */
	const char *webhook_key;
	bool allow_http; /* PEERD_WEBHOOKS_ALLOW_HTTP: http and loopback receivers too */
};

struct webhook_worker;

/* Starts the thread (it connects lazily); NULL when out of memory or threads. Call
 * webhook_client_init first. */
MUST_CHECK struct webhook_worker *
webhook_worker_start(const struct webhook_worker_settings *settings);

/* Stops the thread (a send under way is cancelled; its lease makes it go out again
 * later) and frees it. NULL is ignored. */
void webhook_worker_stop(struct webhook_worker *worker);
