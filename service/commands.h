/* peerd's sub-commands (API.md "Running it"). Each returns the process exit status. */
#pragma once

int command_serve(void);
int command_migrate(void);
int command_seed_demo(void);
int command_token(int argc, char **argv);
