#include <criterion/criterion.h>
#include <stdbool.h>

#include "slots.h"

#define HARBOR	 "11111111-1111-4111-8111-111111111111"
#define CASCADE	 "33333333-3333-4333-8333-333333333333"
#define RIVERTON "55555555-5555-4555-8555-555555555555"

/* A take, with the answer it must get, or a slot given back. */
struct step {
	bool give_back;
	const char *key;
	enum slots_result expected;
};

/* Plays steps on slots for total holders, per_key of them with one key. */
static void play(size_t total, size_t per_key, const struct step *steps, size_t count)
{
	struct slots *slots = slots_create(total, per_key);
	cr_assert(slots);
	for (size_t i = 0; i < count; i++) {
		if (steps[i].give_back) {
			slots_give_back(slots, steps[i].key);
			continue;
		}
		enum slots_result result = slots_take(slots, steps[i].key);
		cr_assert_eq(result, steps[i].expected, "step %zu", i);
	}
	slots_destroy(slots);
}

Test(slots, a_key_holds_its_share_and_no_more)
{
	static const struct step steps[] = {
		{.key = HARBOR, .expected = SLOTS_TAKEN},
		{.key = HARBOR, .expected = SLOTS_TAKEN},
		{.key = HARBOR, .expected = SLOTS_KEY_FULL},
		{.key = CASCADE, .expected = SLOTS_TAKEN}, /* what is left */
		{.give_back = true, .key = HARBOR},
		{.key = HARBOR, .expected = SLOTS_TAKEN}, /* free again */
	};
	play(3, 2, steps, sizeof steps / sizeof steps[0]);
}

Test(slots, all_keys_together_hold_the_total)
{
	static const struct step steps[] = {
		{.key = HARBOR, .expected = SLOTS_TAKEN},
		{.key = CASCADE, .expected = SLOTS_TAKEN},
		{.key = RIVERTON, .expected = SLOTS_FULL},
		{.key = CASCADE, .expected = SLOTS_KEY_FULL}, /* past its share, full or not */
		{.give_back = true, .key = HARBOR},
		{.key = RIVERTON, .expected = SLOTS_TAKEN},
		{.give_back = true, .key = HARBOR}, /* nobody holds it: nothing changes */
		{.key = HARBOR, .expected = SLOTS_FULL},
	};
	play(2, 1, steps, sizeof steps / sizeof steps[0]);
}
