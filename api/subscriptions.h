/* Webhook subscriptions (API.md "Subscriptions: the loop back to partners, pushed"): where
 * peerd posts events about a partner's referrals or a provider's own data, and the log of
 * those posts. */
#pragma once

struct request;

void subscriptions_list(struct request *request);
void subscriptions_create(struct request *request);
void subscriptions_get(struct request *request);
void subscriptions_patch(struct request *request);
void subscriptions_delete(struct request *request);
void subscriptions_deliveries(struct request *request);

/* The event types a subscription may take (NULL-terminated). */
extern const char *const SUBSCRIPTION_EVENTS[];
