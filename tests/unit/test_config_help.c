/* `peerd COMMAND --help` lists the settings config_load reads for that command: no more,
 * no fewer. The loader is run with a lookup that notes every name it asks for. */
#include <criterion/criterion.h>
#include <stdbool.h>
#include <string.h>

#include "config.h"
#include "config_help.h"

#define MAX_ASKED 64

struct recorder {
	const char *const *entries; /* "NAME=value" */
	const char *asked[MAX_ASKED];
	size_t asked_count;
};

static const char *recording_lookup(const char *name, void *context)
{
	struct recorder *recorder = context;
	bool known = false;
	for (size_t i = 0; i < recorder->asked_count; i++)
		known = known || strcmp(recorder->asked[i], name) == 0;
	if (!known && recorder->asked_count < MAX_ASKED)
		recorder->asked[recorder->asked_count++] = name;
	size_t length = strlen(name);
	for (const char *const *entry = recorder->entries; *entry; entry++) {
		if (strncmp(*entry, name, length) == 0 && (*entry)[length] == '=')
			return *entry + length + 1;
	}
	return NULL;
}

static const struct config_setting_help *described(const char *name)
{
	for (const struct config_setting_help *entry = CONFIG_SETTINGS_HELP; entry->name; entry++) {
		if (strcmp(entry->name, name) == 0)
			return entry;
	}
	return NULL;
}

static void assert_help_matches_loader(enum config_purpose purpose)
{
	/* Everything a command needs is given, so the loader reads on to its last setting. */
	static const char *const ENTRIES[] = {
		"PEERD_DATABASE_URL=postgresql://peerd@localhost/peerd",
		"PEERD_JWT_SECRET=0123456789abcdef0123456789abcdef", NULL};
	struct recorder recorder = {.entries = ENTRIES};
	struct config cfg;
	char error[256] = "";
	cr_assert(config_load(&cfg, purpose, recording_lookup, &recorder, error, sizeof error),
		  "%s", error);
	config_free(&cfg);
	cr_assert_gt(recorder.asked_count, 0);
	for (size_t i = 0; i < recorder.asked_count; i++) {
		const struct config_setting_help *entry = described(recorder.asked[i]);
		cr_expect(entry, "%s is read but has no help text", recorder.asked[i]);
		cr_expect(!entry || entry->purposes & (1u << purpose),
			  "%s is read but not listed for this command", recorder.asked[i]);
	}
	for (const struct config_setting_help *entry = CONFIG_SETTINGS_HELP; entry->name; entry++) {
		if (!(entry->purposes & (1u << purpose)))
			continue;
		bool asked = false;
		for (size_t i = 0; i < recorder.asked_count; i++)
			asked = asked || strcmp(recorder.asked[i], entry->name) == 0;
		cr_expect(asked, "%s is listed for this command but never read", entry->name);
	}
}

Test(config_help, serve_lists_what_serve_reads)
{
	assert_help_matches_loader(CONFIG_FOR_SERVE);
}

Test(config_help, migrate_and_seed_demo_list_what_they_read)
{
	assert_help_matches_loader(CONFIG_FOR_DATABASE);
}

Test(config_help, token_lists_what_token_reads)
{
	assert_help_matches_loader(CONFIG_FOR_TOKEN);
}

Test(config_help, every_setting_has_a_meaning)
{
	for (const struct config_setting_help *entry = CONFIG_SETTINGS_HELP; entry->name; entry++) {
		cr_expect(strncmp(entry->name, "PEERD_", 6) == 0, "%s", entry->name);
		cr_expect(entry->purposes != 0, "%s is read by no command", entry->name);
		cr_expect(entry->meaning && *entry->meaning, "%s has no meaning", entry->name);
	}
}
