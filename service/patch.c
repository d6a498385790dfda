#include "patch.h"

#include <stdio.h>
#include <string.h>

#include "audit.h"
#include "merge_patch.h"
#include "precondition.h"
#include "problem.h"
#include "request.h"
#include "respond.h"
#include "validate.h"

json_t *patch_writable_document(json_t *resource, const struct field_rule *fields)
{
	for (const struct field_rule *rule = fields; resource && rule->name; rule++) {
		if (rule->type == FIELD_READ_ONLY)
			json_object_del(resource, rule->name);
	}
	return resource;
}

static bool is_listed(const char *key, const char *const *allowed)
{
	for (; *allowed; allowed++) {
		if (strcmp(key, *allowed) == 0)
			return true;
	}
	return false;
}

/* A member the resource does not have, or one the server sets, is validation's to refuse:
 * 422 naming it, whoever sends it. */
static bool left_to_validation(const char *key, const struct field_rule *fields)
{
	for (; fields->name; fields++) {
		if (strcmp(fields->name, key) == 0)
			return fields->type == FIELD_READ_ONLY;
	}
	return true;
}

bool patch_allows_only(struct request *request, const char *who, const char *const *allowed,
		       const struct field_rule *fields)
{
	char refused[256] = "";
	bool any = false; /* a member named "" is refused too, and leaves refused empty */
	const char *key;
	json_t *value;
	json_object_foreach (request->body, key, value) {
		if (is_listed(key, allowed) || left_to_validation(key, fields))
			continue;
		size_t used = strlen(refused);
		snprintf(refused + used, sizeof refused - used, "%s%s", used ? ", " : "", key);
		any = true;
	}
	if (!any)
		return true;
	/* A long list is cut short, never inside a character: the detail must stay UTF-8. */
	utf8_cut_partial(refused);
	char permitted[256] = "";
	for (const char *const *name = allowed; *name; name++) {
		size_t used = strlen(permitted);
		snprintf(permitted + used, sizeof permitted - used, "%s%s", used ? ", " : "",
			 *name);
	}
	problem_send(request, 403, "%s may change only %s, not: %s", who, permitted, refused);
	return false;
}

bool patch_keeps(struct request *request, const json_t *before, const json_t *after,
		 const char *member)
{
	if (json_equal(json_object_get(before, member), json_object_get(after, member)))
		return true;
	problem_send_field(request, member, "cannot change once the resource exists");
	return false;
}

/* Removes object's null members, in nested objects too: a merge patch's null removes a
 * member at any depth, and a stored null reads as one. */
static void drop_nulls(json_t *object)
{
	const char *key;
	json_t *value;
	void *tmp;
	json_object_foreach_safe(object, tmp, key, value)
	{
		if (json_is_null(value))
			json_object_del(object, key);
		else if (json_is_object(value))
			drop_nulls(value);
	}
}

/* The document as stored values compare: members that are null or absent alike, arrays
 * the resource stores as [] when absent present as [], and the resource's own defaults
 * filled in. Takes ownership of doc and returns it. */
static json_t *canonical(json_t *doc, const struct patch_target *target)
{
	drop_nulls(doc);
	for (const struct field_rule *rule = target->fields; doc && rule->name; rule++) {
		bool array = rule->type == FIELD_STRING_ARRAY || rule->type == FIELD_ENUM_ARRAY ||
			     rule->type == FIELD_OBJECT_ARRAY;
		if (array && !json_object_get(doc, rule->name))
			json_object_set_new(doc, rule->name, json_array());
	}
	if (doc && target->fill_defaults)
		target->fill_defaults(doc);
	return doc;
}

/* Locks row id inside a transaction just begun; NULL after answering (404 or a database
 * failure). The caller PQclear()s the result. */
static PGresult *lock_row(struct request *request, struct db_conn *db, const char *id,
			  const struct patch_target *target)
{
	PGresult *current = NULL;
	enum db_status status = db_begin(db);
	if (status == DB_OK)
		status = db_exec(db, target->lock, DB_ARGS(id), &current);
	if (status != DB_OK) {
		problem_send_database(request, status);
		return NULL;
	}
	if (PQntuples(current) == 0) {
		problem_send(request, 404, "there is no such %s", target->noun);
		PQclear(current);
		return NULL;
	}
	return current;
}

/* True when after stores the same values as before. */
static bool unchanged(const json_t *before, const json_t *after, const struct patch_target *target)
{
	json_t *old = canonical(json_deep_copy(before), target);
	json_t *new = canonical(json_deep_copy(after), target);
	bool same = old && new &&json_equal(old, new);
	json_decref(old);
	json_decref(new);
	return same;
}

/* Checks after against the field rules and the target's rule_errors together, answering
 * 422 once with every broken field; false after answering. */
static bool patch_valid(struct request *request, const PGresult *current, const json_t *before,
			const json_t *after, const struct patch_target *target)
{
	struct field_errors errors;
	field_errors_init(&errors);
	validate_object(after, target->fields, "", &errors);
	if (target->rule_errors)
		target->rule_errors(current, before, after, &errors);
	bool valid = !field_errors_any(&errors);
	if (!valid)
		problem_send_invalid(request, &errors);
	field_errors_free(&errors);
	return valid;
}

/* Applies the patch to the locked row current. Returns the row to send: current itself
 * when nothing changes, a new result when the row was written, or NULL after answering. */
static PGresult *apply(struct request *request, struct db_conn *db, const char *id,
		       PGresult *current, const struct patch_target *target)
{
	if (target->admit && !target->admit(request, db, current))
		return NULL;
	if (!precondition_holds(request, target->noun,
				db_integer(current, 0, target->version_column), IF_MATCH_OPTIONAL))
		return NULL;
	json_t *before = patch_writable_document(target->render(current, 0), target->fields);
	json_t *after = before ? merge_patch_apply(before, request->body) : NULL;
	PGresult *result = NULL;
	if (!after)
		problem_send(request, 500, "out of memory");
	else if (!patch_valid(request, current, before, after, target) ||
		 (target->check && !target->check(request, current, before, after)))
		result = NULL;
	else if (unchanged(before, after, target))
		result = current;
	else
		result = target->write(request, db, id, after);
	json_decref(before);
	json_decref(after);
	return result;
}

void patch_run(struct request *request, const char *id, const struct patch_target *target)
{
	struct db_conn *db = request_db(request);
	PGresult *current = db ? lock_row(request, db, id, target) : NULL;
	if (!current)
		return;
	PGresult *result = apply(request, db, id, current, target);
	if (result) {
		if (target->audit_type)
			audit_record(request, AUDIT_UPDATE, target->audit_type, id,
				     db_text(result, 0, target->organization_column));
		enum db_status status = audit_commit(request, db, 200);
		if (status == DB_OK)
			respond_resource(request, target->render(result, 0),
					 db_integer(result, 0, target->version_column));
		else
			problem_send_database(request, status);
	}
	if (result != current)
		PQclear(result);
	PQclear(current);
}
