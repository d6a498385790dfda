/* Whether peerd may post to a webhook URL (API.md "Subscriptions", SSRF): checked when a
 * subscription is made or its url changed, and usable again at each delivery. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

/* NULL when url parses (rules/webhook_url.c) and every address its host resolves to is
 * public; with allow_http (PEERD_WEBHOOKS_ALLOW_HTTP) loopback addresses pass too, and an
 * http URL passes only when all its addresses are loopback. Else writes into why, and
 * returns it, what is wrong, for a 422 naming url. Resolves the name: it blocks. */
const char *webhook_target_refusal(const char *url, bool allow_http, char *why, size_t why_size);
