/* peerd: one binary, a sub-command per job. */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "commands.h"

static const char USAGE[] = "usage: peerd <command>\n"
			    "  serve        answer the HTTP API on PEERD_PORT (default 8080)\n"
			    "  migrate      apply the schema migrations not yet applied\n"
			    "  seed-demo    load the demonstration data set (safe to repeat)\n"
			    "  token --role ROLE [--org UUID] [--sub SUBJECT] [--ttl SECONDS]\n"
			    "               print an HS256 token signed with PEERD_JWT_SECRET\n"
			    "Settings come from PEERD_* environment variables; see README.md.\n";

int main(int argc, char **argv)
{
	const char *command = argc > 1 ? argv[1] : "";
	if (strcmp(command, "serve") == 0)
		return command_serve();
	if (strcmp(command, "migrate") == 0)
		return command_migrate();
	if (strcmp(command, "seed-demo") == 0)
		return command_seed_demo();
	if (strcmp(command, "token") == 0)
		return command_token(argc - 1, argv + 1);
	bool asked = strcmp(command, "help") == 0 || strcmp(command, "--help") == 0 ||
		     strcmp(command, "-h") == 0;
	fputs(USAGE, asked ? stdout : stderr);
	return asked ? 0 : 2;
}
