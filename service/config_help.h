/* Descriptions of the PEERD_* settings, printed by `peerd COMMAND --help`. */
#pragma once

#include <stdio.h>

#include "config.h"

struct config_setting_help {
	const char *name;
	unsigned purposes; /* bit (1 << purpose) for each config_purpose that reads it */
	const char *meaning;
};

/* Every setting, ended by an entry whose name is NULL. */
extern const struct config_setting_help CONFIG_SETTINGS_HELP[];

/* Lists the settings purpose reads, one a line. */
void config_print_help(FILE *out, enum config_purpose purpose);
