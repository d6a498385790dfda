/* What db.c decides without a database: which connection failures are the role's. */
#include <criterion/criterion.h>

#include "db.h"

Test(db, a_connect_failure_naming_the_role_is_the_roles)
{
	static const struct {
		const char *error;
		bool on_role;
	} CASES[] = {
		{"connection to server at \"127.0.0.1\", port 5432 failed: FATAL:  role "
		 "\"peerd_service\" does not exist",
		 true},
		{"connection to server at \"127.0.0.1\", port 5432 failed: FATAL:  permission "
		 "denied to set role \"peerd_service\"",
		 true},
		/* Another language quotes it otherwise: the name alone decides. */
		{"Verbindung zum Server fehlgeschlagen: FATAL:  Rolle »peerd_service« existiert "
		 "nicht",
		 true},
		{"connection to server at \"127.0.0.1\", port 5432 failed: Connection refused",
		 false},
		{"connection to server at \"127.0.0.1\", port 5432 failed: FATAL:  database "
		 "\"peerd_service_db\" does not exist",
		 false},
		{"connection to server at \"127.0.0.1\", port 5432 failed: FATAL:  password "
		 "authentication failed for user \"peerd\"",
		 false},
	};
	for (size_t i = 0; i < sizeof CASES / sizeof CASES[0]; i++)
		cr_expect_eq(db_connect_failed_on_role(CASES[i].error, "peerd_service"),
			     CASES[i].on_role, "%s", CASES[i].error);
	cr_expect_not(db_connect_failed_on_role("role \"x\" does not exist", NULL),
		      "the login role is not the role peerd works as");
}
