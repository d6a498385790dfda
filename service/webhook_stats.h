/* The webhook worker's figures for /metrics: deliveries by outcome (counters), and the
 * outbox's depth and age (gauges the worker refreshes). Process-wide atomics: the worker
 * writes them, /metrics reads them, neither waits. */
#pragma once

#include "strbuf.h"

enum webhook_outcome {
	WEBHOOK_DELIVERED,
	WEBHOOK_FAILED,	 /* given up: the subscription is disabled */
	WEBHOOK_RETRY,	 /* no 2xx answer; tried again later */
	WEBHOOK_SKIPPED, /* not sent: the consent gate closed since the event */
	WEBHOOK_OUTCOMES
};

/* The outcome's name as in the SQL function and the metric's label. */
const char *webhook_outcome_name(enum webhook_outcome outcome);

void webhook_stats_count(enum webhook_outcome outcome);

/* Pending deliveries and the age in seconds of the oldest (0 when none). */
void webhook_stats_set_outbox(long long depth, long long oldest_seconds);

void webhook_stats_render(struct strbuf *out);
