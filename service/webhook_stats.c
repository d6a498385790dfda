#include "webhook_stats.h"

#include <stdatomic.h>

static atomic_ullong delivered_by_outcome[WEBHOOK_OUTCOMES];
static atomic_llong outbox_depth;
static atomic_llong oldest_undelivered_seconds;

static const char *const OUTCOME_NAMES[WEBHOOK_OUTCOMES] = {
	[WEBHOOK_DELIVERED] = "delivered",
	[WEBHOOK_FAILED] = "failed",
	[WEBHOOK_RETRY] = "retry",
	[WEBHOOK_SKIPPED] = "skipped",
};

const char *webhook_outcome_name(enum webhook_outcome outcome)
{
	return OUTCOME_NAMES[outcome];
}

void webhook_stats_count(enum webhook_outcome outcome)
{
	atomic_fetch_add(&delivered_by_outcome[outcome], 1);
}

void webhook_stats_set_outbox(long long depth, long long oldest_seconds)
{
	atomic_store(&outbox_depth, depth);
	atomic_store(&oldest_undelivered_seconds, oldest_seconds);
}

void webhook_stats_render(struct strbuf *out)
{
	strbuf_appendf(out, "# HELP peerd_webhook_deliveries_total Webhook delivery attempts by "
			    "outcome.\n# TYPE peerd_webhook_deliveries_total counter\n");
	for (int i = 0; i < WEBHOOK_OUTCOMES; i++)
		strbuf_appendf(out, "peerd_webhook_deliveries_total{outcome=\"%s\"} %llu\n",
			       OUTCOME_NAMES[i], atomic_load(&delivered_by_outcome[i]));
	strbuf_appendf(out,
		       "# HELP peerd_webhook_outbox_depth Webhook deliveries not yet delivered.\n"
		       "# TYPE peerd_webhook_outbox_depth gauge\n"
		       "peerd_webhook_outbox_depth %lld\n"
		       "# HELP peerd_webhook_oldest_undelivered_seconds Age of the oldest webhook "
		       "delivery not yet delivered.\n"
		       "# TYPE peerd_webhook_oldest_undelivered_seconds gauge\n"
		       "peerd_webhook_oldest_undelivered_seconds %lld\n",
		       atomic_load(&outbox_depth), atomic_load(&oldest_undelivered_seconds));
}
