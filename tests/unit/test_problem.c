#include <criterion/criterion.h>

#include "problem.h"

Test(problem, has_the_rfc9457_members)
{
	json_t *problem = problem_new(404, "there is no such organization");
	cr_assert_str_eq(json_string_value(json_object_get(problem, "type")), "about:blank");
	cr_assert_str_eq(json_string_value(json_object_get(problem, "title")), "Not Found");
	cr_assert_eq(json_integer_value(json_object_get(problem, "status")), 404);
	cr_assert_str_eq(json_string_value(json_object_get(problem, "detail")),
			 "there is no such organization");
	json_decref(problem);
}

Test(problem, titles_for_every_status_the_api_uses)
{
	const unsigned statuses[] = {400, 401, 403, 404, 405, 409, 412,
				     413, 415, 422, 429, 500, 503};
	for (size_t i = 0; i < sizeof statuses / sizeof statuses[0]; i++)
		cr_expect_str_neq(problem_title(statuses[i]), "Error", "%u", statuses[i]);
}

Test(problem, detail_defaults_to_the_title)
{
	json_t *problem = problem_new(503, NULL);
	cr_assert_str_eq(json_string_value(json_object_get(problem, "detail")),
			 "Service Unavailable");
	json_decref(problem);
}
