/* `peerd token`: a development token signed with PEERD_JWT_SECRET. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "auth.h"
#include "commands.h"
#include "config.h"
#include "token.h"
#include "uuid.h"

#define TOKEN_TTL_DEFAULT 3600
#define TOKEN_TTL_MAX	  (30L * 24 * 3600)

static int usage_error(const char *message)
{
	fprintf(stderr, "peerd token: %s\nusage: " TOKEN_USAGE "\n", message);
	return COMMAND_MISCONFIGURED;
}

int command_token(int argc, char **argv)
{
	static const struct option OPTIONS[] = {
		{"role", required_argument, NULL, 'r'},
		{"org", required_argument, NULL, 'o'},
		{"sub", required_argument, NULL, 's'},
		{"ttl", required_argument, NULL, 't'},
		{NULL, 0, NULL, 0},
	};
	struct token_claims claims = {.issued_at = time(NULL), .ttl_seconds = TOKEN_TTL_DEFAULT};
	char default_subject[64];
	int option;
	optind = 1;
	while ((option = getopt_long(argc, argv, "", OPTIONS, NULL)) != -1) {
		char *end = NULL;
		switch (option) {
		case 'r':
			claims.role = optarg;
			break;
		case 'o':
			claims.organization_id = optarg;
			break;
		case 's':
			claims.subject = optarg;
			break;
		case 't':
			errno = 0;
			claims.ttl_seconds = strtol(optarg, &end, 10);
			if (errno || *end || claims.ttl_seconds < 1 ||
			    claims.ttl_seconds > TOKEN_TTL_MAX)
				return usage_error("--ttl must be from 1 to 2592000 seconds");
			break;
		default:
			return usage_error("unknown option");
		}
	}
	enum role role;
	if (!claims.role || !role_parse(claims.role, &role))
		return usage_error(
			"--role must be admin, supervisor, specialist, partner or reporter");
	if (claims.organization_id && !uuid_is_valid(claims.organization_id))
		return usage_error("--org must be an organization's UUID");
	if (!claims.organization_id && role != ROLE_ADMIN)
		return usage_error("--org is required for every role but admin");
	if (!claims.subject) {
		snprintf(default_subject, sizeof default_subject, "dev-%s", claims.role);
		claims.subject = default_subject;
	}

	struct config cfg;
	char error[512];
	int status = 1;
	if (!config_load(&cfg, CONFIG_FOR_TOKEN, config_lookup_environment, NULL, error,
			 sizeof error)) {
		fprintf(stderr, "peerd: %s\n", error);
	} else {
		claims.issuer = cfg.jwt_issuer;
		claims.audience = cfg.jwt_audience;
		char *token = token_issue_hs256(&claims, cfg.jwt_secret);
		if (token) {
			printf("%s\n", token);
			free(token);
			status = 0;
		} else {
			fprintf(stderr, "peerd token: signing failed\n");
		}
	}
	config_free(&cfg);
	return status;
}
