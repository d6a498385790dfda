#include "problem.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "json_text.h"
#include "log.h"
#include "request.h"
#include "respond.h"
#include "validate.h"

/* Seconds a client should wait before retrying a 503: long enough for a pool slot to free
 * up or a database restart to finish, short enough not to stall interactive users. */
#define RETRY_AFTER_SECONDS "2"

const char *problem_title(unsigned status)
{
	switch (status) {
	case 400:
		return "Bad Request";
	case 401:
		return "Unauthorized";
	case 403:
		return "Forbidden";
	case 404:
		return "Not Found";
	case 405:
		return "Method Not Allowed";
	case 406:
		return "Not Acceptable";
	case 408:
		return "Request Timeout";
	case 409:
		return "Conflict";
	case 412:
		return "Precondition Failed";
	case 413:
		return "Content Too Large";
	case 415:
		return "Unsupported Media Type";
	case 422:
		return "Unprocessable Content";
	case 428:
		return "Precondition Required";
	case 429:
		return "Too Many Requests";
	case 500:
		return "Internal Server Error";
	case 503:
		return "Service Unavailable";
	default:
		return "Error";
	}
}

json_t *problem_new(unsigned status, const char *detail)
{
	/* A detail may quote what the client sent; JSON holds only UTF-8. */
	bool usable = detail && utf8_is_valid(detail);
	return json_pack("{s:s, s:s, s:I, s:s}", "type", "about:blank", "title",
			 problem_title(status), "status", (json_int_t)status, "detail",
			 usable ? detail : problem_title(status));
}

static void send_problem(struct request *request, unsigned status, json_t *problem)
{
	char *text = problem ? json_text(problem, 0, NULL) : NULL;
	json_decref(problem);
	static const char FALLBACK[] = "{\"type\":\"about:blank\",\"title\":\"Error\"}";
	respond_bytes(request, status, "application/problem+json", text ? text : FALLBACK,
		      text ? strlen(text) : sizeof FALLBACK - 1);
	free(text);
}

void problem_send(struct request *request, unsigned status, const char *format, ...)
{
	char detail[512];
	va_list args;
	va_start(args, format);
	vsnprintf(detail, sizeof detail, format, args);
	va_end(args);
	send_problem(request, status, problem_new(status, detail));
}

void problem_send_field(struct request *request, const char *field, const char *format, ...)
{
	char message[512];
	va_list args;
	va_start(args, format);
	vsnprintf(message, sizeof message, format, args);
	va_end(args);
	struct field_errors errors;
	field_errors_init(&errors);
	field_error(&errors, field, "%s", message);
	problem_send_invalid(request, &errors);
	field_errors_free(&errors);
}

void problem_send_invalid(struct request *request, const struct field_errors *errors)
{
	size_t count = errors->count;
	char detail[128], listed[48] = "";
	if (count > FIELD_ERRORS_LISTED)
		snprintf(listed, sizeof listed, " (the first %d are listed)", FIELD_ERRORS_LISTED);
	snprintf(detail, sizeof detail, "%zu field%s of the request break%s the rules%s", count,
		 count == 1 ? "" : "s", count == 1 ? "s" : "", listed);
	json_t *problem = problem_new(422, detail);
	json_object_set(problem, "errors", errors->items);
	send_problem(request, 422, problem);
}

void problem_send_conflict(struct request *request, const struct field_errors *errors,
			   const char *detail)
{
	json_t *problem = problem_new(409, detail);
	json_object_set(problem, "errors", errors->items);
	send_problem(request, 409, problem);
}

void problem_send_unauthorized(struct request *request, bool token_sent, const char *detail)
{
	respond_header(request, "WWW-Authenticate",
		       token_sent ? "Bearer realm=\"peerd\", error=\"invalid_token\""
				  : "Bearer realm=\"peerd\"");
	send_problem(request, 401, problem_new(401, detail));
}

void problem_send_unavailable(struct request *request, const char *detail)
{
	respond_header(request, "Retry-After", RETRY_AFTER_SECONDS);
	send_problem(request, 503, problem_new(503, detail));
}

void problem_send_database(struct request *request, enum db_status status)
{
	switch (status) {
	case DB_UNAVAILABLE:
		problem_send_unavailable(request, "the database cannot be reached; try again");
		return;
	case DB_NO_SCHEMA:
		/* Not a defect: the operator started peerd before (or without) migrating. */
		problem_send_unavailable(request, "the database has no peerd schema (or an older "
						  "one); run peerd migrate");
		return;
	case DB_TIMEOUT:
	case DB_SERIALIZATION_FAILURE:
		problem_send_unavailable(request, "the database is busy; try again");
		return;
	case DB_UNIQUE_VIOLATION:
		problem_send(request, 409, "a resource with these values already exists");
		return;
	case DB_FOREIGN_KEY_VIOLATION:
	case DB_CHECK_VIOLATION:
		problem_send(request, 422, "a value is outside what this resource accepts");
		return;
	case DB_CALLER_REFUSED:
		/* The only guard (request_db): a specialist deactivated since the token. */
		problem_send_unauthorized(request, true,
					  "this specialist's profile is deactivated in their "
					  "organization");
		return;
	case DB_CALLER_UNKNOWN:
		/* The token is sound, but names nobody peerd knows as a specialist there:
		 * another token will not help, a profile will. */
		problem_send(request, 403,
			     "no specialist profile has this token's subject in this organization; "
			     "ask a supervisor to create it");
		return;
	case DB_MERGED_AWAY:
		problem_send(request, 409,
			     "this participant was merged into another (its merged_into); work "
			     "with that one");
		return;
	case DB_OK:
	case DB_ERROR:
		break;
	}
	log_write(LOG_LEVEL_ERROR, "request failed in the database",
		  json_pack("{s:s, s:s}", "request_id", request->id, "server_request_id",
			    request->server_request_id));
	problem_send(request, 500, "the server could not complete this request (request id %s)",
		     request->id);
}

void problem_send_constraint(struct request *request, enum db_status status,
			     const struct db_conn *db, const struct constraint_answer *answers)
{
	const struct constraint_answer *answer = answers;
	while (answer->constraint && strcmp(answer->constraint, db_last_constraint(db)) != 0)
		answer++;
	if (status == DB_OK || !answer->constraint || !db_last_constraint(db)[0]) {
		problem_send_database(request, status);
		return;
	}
	if (answer->status != 422 || !answer->field)
		problem_send(request, answer->status, "%s", answer->message);
	else
		problem_send_field(request, answer->field, "%s", answer->message);
}
