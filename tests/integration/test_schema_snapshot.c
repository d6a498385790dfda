/* sql/schema.sql is the schema the migrations add up to: a database of the test's own,
 * migrated from nothing, dumps to it line for line. The dump and its normalization are
 * scripts/schema-snapshot's (--check), so the file and this test cannot disagree on
 * them. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>

#include "fixtures.h"
#include "peerd_process.h"

Test(schema_snapshot, a_fresh_database_matches_sql_schema_sql, .timeout = 120)
{
	char name[64], setting[320];
	create_own_database(name, sizeof name, setting, sizeof setting);
	cr_assert_eq(peerd_run((const char *const[]){"migrate", NULL},
			       (const char *const[]){setting, NULL}, "/dev/null"),
		     0);
	char command[512];
	snprintf(command, sizeof command, "'%s/scripts/schema-snapshot' --check '%s' 2>&1",
		 SOURCE_ROOT, strchr(setting, '=') + 1);
	FILE *check = popen(command, "r");
	cr_assert(check, "cannot run %s", command);
	char output[8192];
	size_t length = fread(output, 1, sizeof output - 1, check);
	output[length] = '\0';
	int status = pclose(check);
	drop_own_database(name);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "%s", output);
}
