#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <string.h>

#include "certification.h"
#include "test_day.h"

struct status_case {
	char status[12];
	char expires_on[11];
	char today[11];
	char expected[12];
};

ParameterizedTestParameters(certification, effective_status)
{
	static struct status_case cases[] = {
		/* Valid through its expiry day, expired the day after. */
		{"active", "2026-11-23", "2026-11-22", "active"},
		{"active", "2026-11-23", "2026-11-23", "active"},
		{"active", "2026-11-23", "2026-11-24", "expired"},
		{"active", "2025-01-01", "2026-11-23", "expired"},
		/* Only an active certification expires; the others keep their status. */
		{"pending", "2025-01-01", "2026-11-23", "pending"},
		{"suspended", "2025-01-01", "2026-11-23", "suspended"},
		{"revoked", "2025-01-01", "2026-11-23", "revoked"},
		{"pending", "2027-01-01", "2026-11-23", "pending"},
	};
	return cr_make_param_array(struct status_case, cases, sizeof cases / sizeof cases[0]);
}

ParameterizedTest(struct status_case *c, certification, effective_status)
{
	const char *effective = certification_effective_status(c->status, test_day(c->expires_on),
							       test_day(c->today));
	cr_assert_str_eq(effective, c->expected, "%s expiring %s on %s", c->status, c->expires_on,
			 c->today);
}

static struct ceu_entry entry(const char *completed_on, enum ceu_category category, long long hours)
{
	return (struct ceu_entry){test_day(completed_on), category, hours};
}

static char *format(struct civil_date date)
{
	static char text[16];
	civil_date_format(date, text, sizeof text);
	return text;
}

Test(renewal, cycle_starts_two_years_before_expiry)
{
	struct renewal renewal;
	renewal_compute(test_day("2020-03-01"), test_day("2027-03-01"), NULL, 0, NULL, &renewal);
	cr_assert_str_eq(format(renewal.cycle_start), "2025-03-01");
}

Test(renewal, cycle_starts_at_issue_when_that_is_later)
{
	struct renewal renewal;
	renewal_compute(test_day("2026-01-15"), test_day("2027-01-15"), NULL, 0, NULL, &renewal);
	cr_assert_str_eq(format(renewal.cycle_start), "2026-01-15");
}

Test(renewal, leap_day_expiry_starts_on_the_last_of_february)
{
	struct renewal renewal;
	renewal_compute(test_day("2020-01-01"), test_day("2028-02-29"), NULL, 0, NULL, &renewal);
	cr_assert_str_eq(format(renewal.cycle_start), "2026-02-28");
}

Test(renewal, counts_entries_from_the_cycle_start_on)
{
	struct ceu_entry entries[] = {
		entry("2025-02-28", CEU_ETHICS, 300),	     /* the day before: not counted */
		entry("2025-03-01", CEU_ETHICS, 200),	     /* the first day counts */
		entry("2026-06-30", CEU_PEER_SPECIFIC, 125), /* 1.25 h */
		entry("2026-07-01", CEU_SUICIDE_PREVENTION, 50),
		entry("2026-07-02", CEU_OTHER, 100),
	};
	struct renewal renewal;
	renewal_compute(test_day("2021-03-01"), test_day("2027-03-01"), entries, 5, NULL, &renewal);
	cr_assert_eq(renewal.hours_by_category[CEU_ETHICS], 200);
	cr_assert_eq(renewal.hours_by_category[CEU_PEER_SPECIFIC], 125);
	cr_assert_eq(renewal.hours_by_category[CEU_SUICIDE_PREVENTION], 50);
	cr_assert_eq(renewal.hours_by_category[CEU_OTHER], 100);
	cr_assert_eq(renewal.hours_total, 475);
}

Test(renewal, without_a_requirement_nothing_is_missing)
{
	struct ceu_requirement none = {.present = false};
	struct renewal renewal;
	renewal_compute(test_day("2025-01-01"), test_day("2027-01-01"), NULL, 0, &none, &renewal);
	cr_assert_eq(renewal.hours_missing, 0);
	cr_assert_eq(renewal.missing_ethics, 0);
	cr_assert_eq(renewal.missing_peer_specific, 0);
	cr_assert(renewal.ready);
}

struct requirement_case {
	long long ethics, peer_specific, other;			  /* hours done, hundredths */
	long long required_total, required_ethics, required_peer; /* hundredths */
	long long missing, missing_ethics, missing_peer;
	bool ready;
};

ParameterizedTestParameters(renewal, requirement)
{
	static struct requirement_case cases[] = {
		/* Nothing done: the total is what is missing. */
		{0, 0, 0, 2000, 600, 400, 2000, 600, 400, false},
		/* Exactly at every requirement: ready. */
		{600, 400, 1000, 2000, 600, 400, 0, 0, 0, true},
		/* A hundredth short of the total. */
		{600, 400, 999, 2000, 600, 400, 1, 0, 0, false},
		/* Total met but ethics short: the missing ethics hours are what is missing. */
		{100, 400, 1900, 2000, 600, 400, 500, 500, 0, false},
		/* Categories need more than the total does. */
		{0, 0, 1900, 2000, 600, 400, 1000, 600, 400, false},
		/* The total needs more than the categories do. */
		{600, 100, 0, 2000, 600, 400, 1300, 0, 300, false},
		/* Over every requirement. */
		{1000, 1000, 1000, 2000, 600, 400, 0, 0, 0, true},
		/* A requirement of zero hours is met by nothing. */
		{0, 0, 0, 0, 0, 0, 0, 0, 0, true},
	};
	return cr_make_param_array(struct requirement_case, cases, sizeof cases / sizeof cases[0]);
}

ParameterizedTest(struct requirement_case *c, renewal, requirement)
{
	struct ceu_entry entries[] = {
		entry("2026-01-10", CEU_ETHICS, c->ethics),
		entry("2026-01-11", CEU_PEER_SPECIFIC, c->peer_specific),
		entry("2026-01-12", CEU_OTHER, c->other),
	};
	struct ceu_requirement requirement = {true, c->required_total, c->required_ethics,
					      c->required_peer};
	struct renewal renewal;
	renewal_compute(test_day("2025-01-01"), test_day("2027-01-01"), entries, 3, &requirement,
			&renewal);
	cr_assert_eq(renewal.hours_missing, c->missing, "missing %lld", renewal.hours_missing);
	cr_assert_eq(renewal.missing_ethics, c->missing_ethics);
	cr_assert_eq(renewal.missing_peer_specific, c->missing_peer);
	cr_assert_eq(renewal.ready, c->ready);
}

Test(hours, parses_numeric_text_exactly)
{
	struct {
		const char *text;
		long long hundredths;
	} good[] = {{"0", 0},	  {"12", 1200},	 {"1.5", 150},	   {"1.50", 150},
		    {"0.25", 25}, {"7.00", 700}, {"100.00", 10000}};
	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
		long long value = -1;
		cr_assert(hours_parse(good[i].text, &value), "%s", good[i].text);
		cr_assert_eq(value, good[i].hundredths, "%s", good[i].text);
	}
	const char *bad[] = {"", "-1", "1.", ".5", "1.234", "1e2", "abc", "1.5x", "99999999999"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		long long value;
		cr_assert_not(hours_parse(bad[i], &value), "%s", bad[i]);
	}
}

Test(ceu_category, names_round_trip)
{
	for (int i = 0; i < CEU_CATEGORY_COUNT; i++) {
		enum ceu_category category;
		cr_assert(ceu_category_parse(CEU_CATEGORY_NAMES[i], &category));
		cr_assert_eq((int)category, i);
	}
	enum ceu_category category;
	cr_assert_not(ceu_category_parse("Ethics", &category));
	cr_assert_null(CEU_CATEGORY_NAMES[CEU_CATEGORY_COUNT]);
}

struct move_case {
	char from[12], to[12];
	char expires_on[11];
	bool allowed;
};

ParameterizedTestParameters(certification, status_moves)
{
	static struct move_case cases[] = {
		{"pending", "pending", "2020-01-01", true},
		{"pending", "active", "2027-01-01", true},
		{"pending", "active", "2026-11-23", true}, /* valid through its expiry day */
		{"pending", "active", "2026-11-22", false},
		{"pending", "revoked", "2027-01-01", true},
		{"pending", "suspended", "2027-01-01", false},
		{"active", "suspended", "2027-01-01", true},
		{"active", "revoked", "2027-01-01", true},
		{"active", "pending", "2027-01-01", false},
		{"suspended", "active", "2027-01-01", true},
		{"suspended", "active", "2020-01-01", false},
		{"suspended", "revoked", "2027-01-01", true},
		{"suspended", "pending", "2027-01-01", false},
		{"revoked", "active", "2027-01-01", false},
		{"revoked", "pending", "2027-01-01", false},
		{"revoked", "suspended", "2027-01-01", false},
		{"revoked", "revoked", "2027-01-01", true},
	};
	return cr_make_param_array(struct move_case, cases, sizeof cases / sizeof cases[0]);
}

ParameterizedTest(struct move_case *c, certification, status_moves)
{
	char why[160] = "";
	bool allowed = certification_move_allowed(c->from, c->to, test_day(c->expires_on),
						  test_day("2026-11-23"), why, sizeof why);
	cr_assert_eq(allowed, c->allowed, "%s -> %s expiring %s", c->from, c->to, c->expires_on);
	cr_assert_eq(why[0] != '\0', !c->allowed, "%s -> %s: %s", c->from, c->to, why);
}
