/* peerd's sub-commands (API.md "Running it"). Each returns the process exit status. */
#pragma once

/* Exit statuses (README "Running peerd"); 0 is success. */
enum command_exit {
	COMMAND_FAILED = 1,	    /* the database refused the work: a migration, the seed */
	COMMAND_MISCONFIGURED = 2,  /* a bad or missing setting, or a bad command line */
	COMMAND_CANNOT_CONNECT = 3, /* no connection to the database: try again later */
};

int command_serve(void);
int command_migrate(void);
int command_seed_demo(void);
/* The token command's synopsis, for its errors and for `peerd token --help`. */
#define TOKEN_USAGE "peerd token --role ROLE [--org UUID] [--sub SUBJECT] [--ttl SECONDS]"

int command_token(int argc, char **argv);
