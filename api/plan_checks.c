#include "plan_checks.h"

#include <stdio.h>

/* Someone to call: a crisis plan's people to ask for help and professionals. */
static const struct field_rule PERSON_FIELDS[] = {
	{.name = "name",
	 .type = FIELD_STRING,
	 .required = true,
	 .min = 1,
	 .max = PLAN_PERSON_NAME_MAX,
	 .check = check_plain_text},
	{.name = "phone",
	 .type = FIELD_STRING,
	 .min = 1,
	 .max = PLAN_PERSON_PHONE_MAX,
	 .check = check_plain_text},
	{0},
};

/* The validation rule of one section. Text is the person's own words: line breaks are
 * welcome, so no check_plain_text. */
static struct field_rule section_rule(const struct plan_section *section)
{
	if (section->shape == PLAN_SECTION_PEOPLE)
		return (struct field_rule){.name = section->key,
					   .type = FIELD_OBJECT_ARRAY,
					   .min = 1,
					   .max = PLAN_PEOPLE_MAX,
					   .fields = PERSON_FIELDS};
	return (struct field_rule){
		.name = section->key, .type = FIELD_STRING, .min = 1, .max = PLAN_TEXT_MAX};
}

/* "strengths, needs, supports": kind's keys, for a message. */
static void describe_keys(enum plan_kind kind, char *out, size_t size)
{
	size_t count, used = 0;
	const struct plan_section *sections = plan_kind_sections(kind, &count);
	out[0] = '\0';
	for (size_t i = 0; i < count && used < size; i++)
		used += (size_t)snprintf(out + used, size - used, "%s%s", i ? ", " : "",
					 sections[i].key);
}

void plan_sections_check(enum plan_kind kind, const json_t *sections, struct field_errors *errors)
{
	if (!json_is_object(sections))
		return;
	if (json_object_size(sections) == 0) {
		char keys[256];
		describe_keys(kind, keys, sizeof keys);
		field_error(errors, "sections", "must hold at least one section of a %s plan: %s",
			    PLAN_KINDS[kind], keys);
		return;
	}
	struct field_rule rules[PLAN_SECTIONS_MAX + 1] = {0};
	size_t count;
	const struct plan_section *known = plan_kind_sections(kind, &count);
	for (size_t i = 0; i < count; i++)
		rules[i] = section_rule(&known[i]);
	validate_object(sections, rules, "sections.", errors);
}
