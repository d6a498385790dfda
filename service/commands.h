/* peerd's sub-commands (API.md "Running it"). Each returns the process exit status. */
#pragma once

int command_serve(void);
int command_migrate(void);
int command_seed_demo(void);
/* The token command's synopsis, for its errors and for `peerd token --help`. */
#define TOKEN_USAGE "peerd token --role ROLE [--org UUID] [--sub SUBJECT] [--ttl SECONDS]"

int command_token(int argc, char **argv);
