#include <criterion/criterion.h>
#include <dirent.h>
#include <stdio.h>
#include <string.h>

#include "embedded.h"
#include "migrate.h"

Test(migrate, names_must_be_numbered_in_order)
{
	const struct embedded_file good[] = {{"001_a.sql", "", 0}, {"002_b.sql", "", 0}, {0}};
	const struct embedded_file reversed[] = {{"002_b.sql", "", 0}, {"001_a.sql", "", 0}, {0}};
	const struct embedded_file unnumbered[] = {{"init.sql", "", 0}, {0}};
	const struct embedded_file repeated[] = {{"001_a.sql", "", 0}, {"001_a.sql", "", 0}, {0}};
	cr_assert(migrate_names_are_ordered(good));
	cr_assert_not(migrate_names_are_ordered(reversed));
	cr_assert_not(migrate_names_are_ordered(unnumbered));
	cr_assert_not(migrate_names_are_ordered(repeated));
	char latest[64];
	migrate_latest_version(good, latest, sizeof latest);
	cr_assert_str_eq(latest, "002_b");
}

/* meson.build lists the migrations by hand; a file in sql/ missing from that list would
 * never be applied. */
Test(migrate, every_file_in_sql_is_built_in)
{
	cr_assert(migrate_names_are_ordered(embedded_migrations));
	DIR *directory = opendir(SOURCE_ROOT "/sql");
	cr_assert(directory, "cannot read %s/sql", SOURCE_ROOT);
	size_t on_disk = 0;
	struct dirent *entry;
	while ((entry = readdir(directory))) {
		const char *name = entry->d_name;
		size_t length = strlen(name);
		bool migration = length > 8 && name[3] == '_' &&
				 strcmp(name + length - 4, ".sql") == 0 && name[0] >= '0' &&
				 name[0] <= '9';
		if (!migration)
			continue;
		on_disk++;
		cr_expect(embedded_find(embedded_migrations, name),
			  "sql/%s is not listed in meson.build's migrations", name);
	}
	closedir(directory);
	size_t built_in = 0;
	for (const struct embedded_file *m = embedded_migrations; m->name; m++)
		built_in++;
	cr_assert_eq(on_disk, built_in);
}
