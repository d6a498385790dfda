#include "own_server.h"

#include <criterion/criterion.h>

#include "fixtures.h"

void own_server_start(struct own_server *own, bool migrated, const char *const *extra)
{
	if (migrated)
		create_migrated_database(own->database, sizeof own->database, own->setting,
					 sizeof own->setting);
	else
		create_own_database(own->database, sizeof own->database, own->setting,
				    sizeof own->setting);
	const char *settings[9] = {own->setting};
	for (size_t i = 0; extra && extra[i]; i++) {
		cr_assert_lt(i, 7, "own_server_start takes at most seven extra settings");
		settings[i + 1] = extra[i];
	}
	cr_assert(peerd_start(&own->process, settings));
}

struct http_response *own_server_send(const struct peerd_process *server, const char *method,
				      const char *path, const char *token, const char *body)
{
	return http_send(&(struct http_request){.method = method,
						.path = path,
						.token = token,
						.base_url = server->url,
						.content_type = body ? "application/json" : NULL,
						.body = body});
}
