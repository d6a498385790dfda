/* The query-parameter readers (service/query.c) and the unknown-parameter check
 * (query_names_known), each on a request of its own made with ulfius's own constructors,
 * for a route that declares its parameters as api/routes.c does. The input is a query string as
 * ulfius hands it over, already percent-decoded: name=value pairs joined by '&'. What the
 * dispatcher refuses before any handler (a name or value that is not UTF-8) is passed over. The
 * promises: a reader that returns true has answered nothing and hands over a value of the kind it
 * reads, one that returns false has answered 400 or 422 with a problem+json. */
#include "fuzz.h"

#include <stdlib.h>
#include <string.h>

#include "civil_date.h"
#include "pagination.h"
#include "query.h"
#include "referral_status.h"
#include "router.h"
#include "uuid.h"
#include "validate.h"

enum reader {
	READ_ALLOWED,
	READ_PAGE,
	READ_BOOLEAN,
	READ_CHOICE,
	READ_UUID,
	READ_TEXT,
	READ_INTEGER,
	READ_DATE_RANGE,
	READER_COUNT,
};

static const char *const ALLOWED[] = {"limit",
				      "cursor",
				      "status",
				      "overdue",
				      "organization_id",
				      "q",
				      "from",
				      "to",
				      "expiring_within_days",
				      NULL};

/* A route that takes the parameters of ALLOWED. */
static const struct route ROUTE = {.method = "GET",
				   .path = "/fuzz",
				   QUERY(QUERY_PAGE, QUERY_CHOICE("status", REFERRAL_STATUSES),
					 QUERY_BOOLEAN("overdue"), QUERY_UUID("organization_id"),
					 QUERY_TEXT("q", 100), QUERY_DATE("from"), QUERY_DATE("to"),
					 QUERY_INTEGER("expiring_within_days", 0, 3650))};

/* Puts each name=value of query into map; false when one is not UTF-8. */
static bool put_parameters(struct _u_map *map, const char *query)
{
	char *copy = strdup(query);
	FUZZ_CHECK(copy);
	bool text = true;
	char *rest = copy;
	while (rest && text) {
		char *pair = rest;
		rest = fuzz_split(pair, '&');
		char *value = fuzz_split(pair, '=');
		text = utf8_is_valid(pair) && (!value || utf8_is_valid(value));
		if (text && pair[0]) /* ulfius keeps no parameter without a name */
			FUZZ_CHECK(u_map_put(map, pair, value ? value : "") == U_OK);
	}
	free(copy);
	return text;
}

/* True when every parameter's name is one of allowed. */
static bool all_allowed(const struct _u_map *query, const char *const *allowed)
{
	for (int i = 0; i < query->nb_values; i++) {
		if (!fuzz_is_listed(query->keys[i], allowed))
			return false;
	}
	return true;
}

static bool date_range_holds(const char *from, const char *to)
{
	struct civil_date first, last;
	return (!from || civil_date_parse(from, &first)) && (!to || civil_date_parse(to, &last)) &&
	       (!from || !to || civil_date_compare(first, last) <= 0);
}

/* Runs reader on request and checks what it promises of the value it returns. */
static bool read_one(struct request *request, enum reader reader)
{
	static const char *const BOOLEANS[] = {"true", "false", NULL};
	const char *value = NULL, *to = NULL;
	char buffer[32];
	struct page_request page;
	bool ok = true;
	switch (reader) {
	case READ_ALLOWED:
		ok = query_names_known(request);
		FUZZ_CHECK(ok == all_allowed(request->raw->map_url, ALLOWED));
		break;
	case READ_PAGE:
		ok = query_page(request, &page);
		FUZZ_CHECK(!ok || (page.limit >= 1 && page.limit <= PAGE_LIMIT_MAX));
		break;
	case READ_BOOLEAN:
		ok = query_read(request, "overdue", &value);
		FUZZ_CHECK(!ok || !value || fuzz_is_listed(value, BOOLEANS));
		break;
	case READ_CHOICE:
		ok = query_read(request, "status", &value);
		FUZZ_CHECK(!ok || !value || fuzz_is_listed(value, REFERRAL_STATUSES));
		break;
	case READ_UUID:
		ok = query_read(request, "organization_id", &value);
		FUZZ_CHECK(!ok || !value || uuid_is_valid(value));
		break;
	case READ_TEXT:
		ok = query_read(request, "q", &value);
		FUZZ_CHECK(!ok || !value || (value[0] && utf8_length(value) <= 100));
		break;
	case READ_INTEGER:
		ok = query_integer(request, "expiring_within_days", buffer, sizeof buffer, &value);
		FUZZ_CHECK(!ok || !value ||
			   (value == buffer && strtol(value, NULL, 10) >= 0 &&
			    strtol(value, NULL, 10) <= 3650));
		break;
	case READ_DATE_RANGE:
		ok = query_date_range(request, &value, &to);
		FUZZ_CHECK(!ok || date_range_holds(value, to));
		break;
	case READER_COUNT:
		break;
	}
	return ok;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *query = fuzz_text(data, size);
	for (int reader = 0; reader < READER_COUNT; reader++) {
		struct fuzz_exchange exchange;
		fuzz_exchange_init(&exchange);
		if (!put_parameters(exchange.raw.map_url, query)) {
			fuzz_exchange_free(&exchange);
			break;
		}
		exchange.request.route = &ROUTE;
		bool ok = read_one(&exchange.request, (enum reader)reader);
		fuzz_check_answer(&exchange, ok);
		fuzz_exchange_free(&exchange);
	}
	free(query);
	return 0;
}
