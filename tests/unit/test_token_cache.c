#include <criterion/criterion.h>
#include <string.h>

#include "token_cache.h"

static struct principal caller_named(const char *subject)
{
	struct principal caller = {.role = ROLE_SUPERVISOR, .has_organization = true};
	strcpy(caller.subject, subject);
	strcpy(caller.organization_id, "11111111-1111-4111-8111-111111111111");
	return caller;
}

Test(token_cache, finds_what_it_kept_with_its_times)
{
	struct token_cache *cache = token_cache_new(64);
	struct principal ana = caller_named("ana"), found;
	struct token_times times = {.exp = 100, .nbf = 10, .has_nbf = true}, found_times;
	cr_assert_not(token_cache_find(cache, "a.b.c", &found, &found_times));
	token_cache_keep(cache, "a.b.c", &ana, &times);
	cr_assert(token_cache_find(cache, "a.b.c", &found, &found_times));
	cr_assert_str_eq(found.subject, "ana");
	cr_assert_eq(found.role, ROLE_SUPERVISOR);
	cr_assert_eq(found_times.exp, 100);
	cr_assert(found_times.has_nbf);
	cr_assert_not(token_cache_find(cache, "a.b.d", &found, &found_times));
	cr_assert_not(token_cache_find(cache, "a.b.", &found, &found_times));
	token_cache_free(cache);
}

/* One slot: the newest token takes it, and the one it replaced is verified again. */
Test(token_cache, a_full_cache_forgets_rather_than_confuses)
{
	struct token_cache *cache = token_cache_new(1);
	struct principal ana = caller_named("ana"), ben = caller_named("ben"), found;
	struct token_times times = {.exp = 100}, found_times;
	token_cache_keep(cache, "token-of-ana", &ana, &times);
	token_cache_keep(cache, "token-of-ben", &ben, &times);
	cr_assert_not(token_cache_find(cache, "token-of-ana", &found, &found_times));
	cr_assert(token_cache_find(cache, "token-of-ben", &found, &found_times));
	cr_assert_str_eq(found.subject, "ben");
	token_cache_free(cache);
}

Test(token_cache, keeps_no_overlong_token)
{
	struct token_cache *cache = token_cache_new(8);
	char token[TOKEN_CACHE_MAX_TOKEN + 2];
	memset(token, 'x', sizeof token - 1);
	token[sizeof token - 1] = '\0';
	struct principal ana = caller_named("ana"), found;
	struct token_times times = {.exp = 100}, found_times;
	token_cache_keep(cache, token, &ana, &times);
	cr_assert_not(token_cache_find(cache, token, &found, &found_times));
	token_cache_free(cache);
}
