#include "precondition.h"

#include "etag.h"
#include "problem.h"
#include "request.h"
#include "respond.h"

bool precondition_holds(struct request *request, const char *noun, long long version,
			enum if_match_rule rule)
{
	const char *if_match = request_header(request, "If-Match");
	if (!if_match && rule == IF_MATCH_REQUIRED) {
		problem_send(request, 428,
			     "If-Match is required: send the ETag of the %s as you read it, so "
			     "that what changes is what you reviewed",
			     noun);
		return false;
	}
	if (etag_if_match_allows(if_match, version))
		return true;
	respond_etag(request, version);
	problem_send(request, 412,
		     "the %s has changed since it was read (If-Match does not hold its ETag)",
		     noun);
	return false;
}
