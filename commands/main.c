/* peerd: one binary, a sub-command per job. */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "config_help.h"

struct command {
	const char *name;
	const char *usage;
	const char *brief; /* one line, for `peerd --help` */
	const char *summary;
	const char *options; /* NULL when it takes none */
	enum config_purpose purpose;
	int (*run)(int argc, char **argv);
};

static int run_serve(int argc, char **argv)
{
	(void)argc, (void)argv;
	return command_serve();
}

static int run_migrate(int argc, char **argv)
{
	(void)argc, (void)argv;
	return command_migrate();
}

static int run_seed_demo(int argc, char **argv)
{
	(void)argc, (void)argv;
	return command_seed_demo();
}

static const struct command COMMANDS[] = {
	{"serve", "peerd serve", "answers the HTTP API on PEERD_PORT until SIGTERM or SIGINT",
	 "Answers the HTTP API until SIGTERM or SIGINT, then finishes the requests in flight.\n"
	 "Applies no migrations: run `peerd migrate` first.",
	 NULL, CONFIG_FOR_SERVE, run_serve},
	{"migrate", "peerd migrate", "applies the schema migrations not yet applied, in order",
	 "Applies the schema migrations not yet applied, in order, each in its own\n"
	 "transaction; refuses a database whose applied migrations were edited since.\n\n"
	 "Exit status: 0 applied, or nothing to apply; 1 a migration failed (the database\n"
	 "refused it, or an applied one was edited since); 2 a bad or missing setting;\n"
	 "3 the database cannot be reached (try again).",
	 NULL, CONFIG_FOR_DATABASE, run_migrate},
	{"seed-demo", "peerd seed-demo", "loads the demonstration organizations; safe to repeat",
	 "Loads the demonstration data set (organizations, people, referrals); safe to repeat.\n\n"
	 "Exit status: 0 loaded; 1 the database refused it (run `peerd migrate` first);\n"
	 "2 a bad or missing setting; 3 the database cannot be reached (try again).",
	 NULL, CONFIG_FOR_DATABASE, run_seed_demo},
	{"token", TOKEN_USAGE, "prints an HS256 token signed with PEERD_JWT_SECRET",
	 "Prints an HS256 token signed with PEERD_JWT_SECRET, for development and tests.",
	 "  --role ROLE       admin, supervisor, specialist, partner or reporter (required)\n"
	 "  --org UUID        the organization the token acts for (all roles but admin)\n"
	 "  --sub SUBJECT     the subject (sub claim); a specialist's must match their profile\n"
	 "  --ttl SECONDS     lifetime, 1 to 2592000 (default 3600)\n",
	 CONFIG_FOR_TOKEN, command_token},
};

#define COMMAND_COUNT (sizeof COMMANDS / sizeof COMMANDS[0])

static bool is_help_option(const char *argument)
{
	return strcmp(argument, "--help") == 0 || strcmp(argument, "-h") == 0;
}

static bool is_version_option(const char *argument)
{
	return strcmp(argument, "--version") == 0 || strcmp(argument, "version") == 0;
}

static void print_overview(FILE *out)
{
	fputs("usage: peerd COMMAND [OPTIONS]\n\nCommands:\n", out);
	for (size_t i = 0; i < COMMAND_COUNT; i++)
		fprintf(out, "  %-10s %s\n", COMMANDS[i].name, COMMANDS[i].brief);
	fputs("  version    prints peerd's version (also --version)\n", out);
	fputs("\nOptions:\n  --help     this text; `peerd COMMAND --help` describes a command, "
	      "its\n"
	      "             options and the PEERD_* environment variables it reads\n"
	      "  --version  prints peerd's version\n",
	      out);
}

static void print_command_help(const struct command *command)
{
	printf("usage: %s\n\n%s\n\n", command->usage, command->summary);
	printf("Options:\n%s  --help            this text\n\n",
	       command->options ? command->options : "");
	config_print_help(stdout, command->purpose);
}

static const struct command *find_command(const char *name)
{
	for (size_t i = 0; i < COMMAND_COUNT; i++) {
		if (strcmp(COMMANDS[i].name, name) == 0)
			return &COMMANDS[i];
	}
	return NULL;
}

int main(int argc, char **argv)
{
	const char *name = argc > 1 ? argv[1] : "";
	if (is_help_option(name) || strcmp(name, "help") == 0) {
		const struct command *about = argc > 2 ? find_command(argv[2]) : NULL;
		if (about)
			print_command_help(about);
		else
			print_overview(stdout);
		return 0;
	}
	if (is_version_option(name)) {
		/* The project's version in meson.build, given by the build (PEERD_VERSION). */
		printf("peerd %s\n", PEERD_VERSION);
		return 0;
	}
	const struct command *command = find_command(name);
	if (!command) {
		if (*name)
			fprintf(stderr, "peerd: unknown command \"%s\"\n", name);
		print_overview(stderr);
		return COMMAND_MISCONFIGURED;
	}
	for (int i = 2; i < argc; i++) {
		if (is_help_option(argv[i])) {
			print_command_help(command);
			return 0;
		}
	}
	bool takes_options = command->options != NULL;
	if (!takes_options && argc > 2) {
		fprintf(stderr, "peerd %s: takes no arguments (see peerd %s --help)\n", name, name);
		return COMMAND_MISCONFIGURED;
	}
	return command->run(argc - 1, argv + 1);
}
