/* What measure.py tells a reference server, from its environment (bench/measure.py). */
#pragma once

struct bare_config {
	unsigned port;		  /* BENCH_PORT */
	const char *database_url; /* BENCH_DATABASE_URL: the login peerd uses */
	const char *role;	  /* BENCH_DATABASE_ROLE: a startup option, as peerd's pool */
	const char *secret;	  /* BENCH_JWT_SECRET: HS256 */
	const char *organization; /* BENCH_ORGANIZATION: the row-level-security scope... */
	const char *scope_role;	  /* BENCH_SCOPE_ROLE: ...and the role it is read as */
};
