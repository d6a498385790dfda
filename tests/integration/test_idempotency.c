/* Every POST that changes something takes an Idempotency-Key (README, "Idempotency-Key";
 * service/idempotency.c), so a client whose write got no answer, or a 503, can send it
 * again. One test walks a table of the write routes, each with what it needs made fresh
 * and a body, and holds every route to the same promises: a retry with the key and the
 * same request changes nothing and answers the first answer again (status, body,
 * Location, ETag), marked Idempotent-Replayed, and is recorded as a read where a read is;
 * the key with another request is 422; a colleague's same key is their own request; two
 * requests sent at once with one key make one change. */
#include <criterion/criterion.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "background.h"
#include "coverage_support.h"
#include "fixtures.h"
#include "http.h"
#include "routes.h"

/* Who sends a request, by subject, so that the audit trail can be asked about them. */
struct caller {
	char subject[96];
	char *token;
};

/* One provider organization and its people, made once for the whole table. */
struct world {
	char *organization, *specialist, *certification, *referral, *goal;
	char participant[64];
	struct caller admin, colleague_admin, supervisor, colleague_supervisor, specialist_caller,
		colleague_specialist;
};

enum who {
	NOBODY,
	ADMIN,
	COLLEAGUE_ADMIN,
	SUPERVISOR,
	COLLEAGUE_SUPERVISOR,
	SPECIALIST,
	COLLEAGUE_SPECIALIST,
};

static const struct caller *caller_of(const struct world *world, enum who who)
{
	const struct caller *callers[] = {
		[NOBODY] = NULL,
		[ADMIN] = &world->admin,
		[COLLEAGUE_ADMIN] = &world->colleague_admin,
		[SUPERVISOR] = &world->supervisor,
		[COLLEAGUE_SUPERVISOR] = &world->colleague_supervisor,
		[SPECIALIST] = &world->specialist_caller,
		[COLLEAGUE_SPECIALIST] = &world->colleague_specialist,
	};
	return callers[who];
}

static void caller_make(struct caller *caller, const char *role, const char *organization)
{
	unique_name(role, caller->subject, sizeof caller->subject);
	caller->token = token_for_subject(role, organization, caller->subject);
}

/* The id of what response (a 201) made; the caller frees it. */
static char *created_id(struct http_response *response, const char *what)
{
	cr_assert_eq(response->status, 201, "making %s: %s", what, response->body);
	char *id = strdup(http_string(response, "id"));
	return id;
}

/* A referral the world's supervisor records for a walk-in: submitted. */
static char *submitted_referral(const struct world *world)
{
	return created_id(http_post("/v1/referrals", world->supervisor.token,
				    "{\"service_type\":\"peer\",\"participant\":{\"given_name\":"
				    "\"Idem\",\"family_name\":\"Walk-in\"},\"reason\":\"Asked for "
				    "a peer.\",\"consent\":{\"obtained\":true}}"),
			  "a referral");
}

/* POSTs body to path as token, and asserts it was done (200). */
static void act(const char *path, const char *token, const char *body)
{
	struct http_response *done = http_post(path, token, body);
	cr_assert_eq(done->status, 200, "%s: %s", path, done->body);
}

/* A draft note of the world's participant by its specialist, or (signed) signed by them. */
static char *note_of(const struct world *world, bool signed_now)
{
	char body[512];
	snprintf(body, sizeof body,
		 "{\"participant_id\":\"%s\",\"occurred_at\":\"2025-06-01T17:00:00Z\","
		 "\"duration_minutes\":30,\"modality\":\"phone\",\"goal_ids\":[\"%s\"]}",
		 world->participant, world->goal);
	const char *token = world->specialist_caller.token;
	char *id = created_id(http_post("/v1/session-notes", token, body), "a note");
	char resource[128];
	snprintf(resource, sizeof resource, "/v1/session-notes/%s", id);
	struct http_response *signed_note =
		signed_now ? http_post_as_read(resource, "/sign", token, NULL) : NULL;
	cr_assert(!signed_note || signed_note->status == 200, "signing: %s", signed_note->body);
	return id;
}

/* A draft group session the world's specialist leads; the caller frees its id. */
static char *group_session_of(const struct world *world)
{
	char body[512];
	snprintf(body, sizeof body,
		 "{\"facilitator_ids\":[\"%s\"],\"occurred_at\":\"2025-06-01T17:00:00Z\","
		 "\"duration_minutes\":60,\"modality\":\"in_person\",\"topic\":\"WRAP\","
		 "\"domain\":\"social\",\"attendance\":[{\"participant_id\":\"%s\","
		 "\"status\":\"present\",\"note\":\"Spoke first.\",\"goal_ids\":[\"%s\"]}]}",
		 world->specialist, world->participant, world->goal);
	struct http_response *created =
		http_post("/v1/group-sessions", world->supervisor.token, body);
	cr_assert_eq(created->status, 201, "group session: %s", created->body);
	return strdup(member(created, "id"));
}

/* The body of a release of information of the world's participant; purpose as given. */
#define CONSENT_BODY(purpose)                                                                   \
	"{\"kind\":\"release_of_information\",\"recipients\":[{\"name\":\"Dr. Lin\"}],"         \
	"\"purpose\":\"" purpose "\",\"information\":[\"goals\"],\"signed_on\":\"2025-06-01\"," \
	"\"signed_by\":\"participant\"}"

/* An active consent of the world's participant; the caller frees its id. */
static char *consent_of(const struct world *world)
{
	char path[128];
	snprintf(path, sizeof path, "/v1/participants/%s/consents", world->participant);
	return created_id(http_post(path, world->supervisor.token, CONSENT_BODY("Care")),
			  "a consent");
}

/* A draft recovery plan of the world's participant by its specialist; the caller frees its
 * id. */
static char *plan_of(const struct world *world)
{
	char path[160];
	snprintf(path, sizeof path, "/v1/participants/%s/plans", world->participant);
	return created_id(http_post(path, world->specialist_caller.token,
				    "{\"kind\":\"recovery\",\"sections\":{\"needs\":\"Work.\"}}"),
			  "a plan");
}

/* An open episode of the world's participant, started 2025-06-01 (with its baseline
 * BARC-10 when assessed); the caller frees the id of the episode (or the assessment). */
static char *episode_of(const struct world *world, bool assessed)
{
	char path[160], body[192], program[96];
	unique_name("P", program, sizeof program);
	snprintf(path, sizeof path, "/v1/participants/%s/episodes", world->participant);
	snprintf(body, sizeof body, "{\"program\":\"%s\",\"started_on\":\"2025-06-01\"}", program);
	char *id = created_id(http_post(path, world->supervisor.token, body), "an episode");
	if (!assessed)
		return id;
	snprintf(path, sizeof path, "/v1/episodes/%s/assessments", id);
	free(id);
	return created_id(http_post(path, world->supervisor.token,
				    "{\"timepoint\":\"baseline\",\"administered_on\":"
				    "\"2025-06-01\",\"answers\":[2,2,2,2,2,2,2,2,2,2]}"),
			  "an assessment");
}

/* What a write acts on, made fresh for each request the table sends: the {record} of its
 * path. */
enum record {
	NO_RECORD,
	PENDING_CERTIFICATION,
	SUBMITTED_REFERRAL,
	ACCEPTED_REFERRAL,
	DRAFT_NOTE,
	SIGNED_NOTE,
	DRAFT_GROUP_SESSION,
	ACTIVE_CONSENT,
	DRAFT_PLAN,
	OPEN_EPISODE,
	LIVE_ASSESSMENT,
	COVERAGE,
};

/* The body of a draft group session the world's specialist leads for its participant. */
#define GROUP_SESSION_BODY(minutes, topic)                                                     \
	"{\"facilitator_ids\":[\"{specialist}\"],\"occurred_at\":\"2025-06-01T17:00:00Z\","    \
	"\"duration_minutes\":" minutes ",\"modality\":\"in_person\",\"topic\":\"" topic "\"," \
	"\"domain\":\"social\",\"attendance\":[{\"participant_id\":\"{participant}\","         \
	"\"status\":\"present\",\"note\":\"Spoke first.\",\"goal_ids\":[\"{goal}\"]}]}"

/* A fresh record of kind; the caller frees it. */
static char *record_make(const struct world *world, enum record kind)
{
	char path[160];
	char *id = NULL;
	switch (kind) {
	case NO_RECORD:
		return strdup("");
	case PENDING_CERTIFICATION:
		return create_certification(world->specialist, "pending", "2025-01-01",
					    "2030-01-01");
	case SUBMITTED_REFERRAL:
		return submitted_referral(world);
	case ACCEPTED_REFERRAL:
		id = submitted_referral(world);
		snprintf(path, sizeof path, "/v1/referrals/%s/transitions", id);
		act(path, world->supervisor.token, "{\"to\":\"accepted\"}");
		return id;
	case DRAFT_NOTE:
	case SIGNED_NOTE:
		return note_of(world, kind == SIGNED_NOTE);
	case DRAFT_GROUP_SESSION:
		return group_session_of(world);
	case ACTIVE_CONSENT:
		return consent_of(world);
	case DRAFT_PLAN:
		return plan_of(world);
	case OPEN_EPISODE:
	case LIVE_ASSESSMENT:
		return episode_of(world, kind == LIVE_ASSESSMENT);
	case COVERAGE:
		return coverage_create(world->participant, world->supervisor.token,
				       "{\"payer\":\"County grant\",\"kind\":\"grant\","
				       "\"effective_on\":\"2025-01-01\"}");
	}
	return NULL;
}

/* One write route of api/routes.c as the table calls it. Paths, bodies and the effect's
 * value are templates: {organization}, {specialist}, {certification}, {participant},
 * {goal} name the world's records, {record} the fresh one, {marker} a text no other
 * request uses, and {first|second} picks by the request's variant (0: the request; 1:
 * another one). */
struct write_case {
	const char *route; /* "POST /v1/...", as api/routes.c names it */
	enum who caller;
	enum record record;
	const char *path;
	const char *body; /* NULL: the route takes none */
	/* Who reads {record} for the If-Match sent with it (the ETag of its GET); NOBODY:
	 * none is sent. */
	enum who if_match;
	/* A number the write raises by one ($1: the effect template): rows made, or a
	 * version. */
	const char *effect_sql, *effect;
	/* The colleague who sends the same key and request, and what their own answers. */
	enum who colleague;
	long colleague_status;
	/* The audit trail's type of the record a replay reads; NULL: its reads are not
	 * audited. */
	const char *read_type;
};

#define COUNT(table, where) "SELECT count(*) FROM " table " WHERE " where "::text = $1"
#define VERSION(table)	    "SELECT version FROM " table " WHERE id = $1::uuid"

static const struct write_case WRITES[] = {
	{"POST /v1/organizations", ADMIN, NO_RECORD, "/v1/organizations",
	 "{\"name\":\"{marker}\",\"kind\":\"provider\",\"state\":\"{OR|WA}\"}", NOBODY,
	 COUNT("organizations", "name"), "{marker}", COLLEAGUE_ADMIN, 201, NULL},
	{"POST /v1/specialists", SUPERVISOR, NO_RECORD, "/v1/specialists",
	 "{\"organization_id\":\"{organization}\",\"subject\":\"{marker}\",\"given_name\":"
	 "\"{Idem|Other}\",\"family_name\":\"Potent\",\"kind\":\"peer\"}",
	 NOBODY, COUNT("specialists", "subject"), "{marker}", COLLEAGUE_SUPERVISOR, 409, NULL},
	{"POST /v1/specialists/{id}/certifications", SUPERVISOR, NO_RECORD,
	 "/v1/specialists/{specialist}/certifications",
	 "{\"credential\":\"CPS\",\"issuing_authority\":\"OHA\",\"state\":\"OR\",\"number\":"
	 "\"{marker}\",\"issued_on\":\"2025-01-01\",\"expires_on\":\"{2030|2029}-01-01\"}",
	 NOBODY, COUNT("certifications", "number"), "{marker}", COLLEAGUE_SUPERVISOR, 409, NULL},
	{"POST /v1/certifications/{id}/verify", SUPERVISOR, PENDING_CERTIFICATION,
	 "/v1/certifications/{record}/verify", NULL, SUPERVISOR, VERSION("certifications"),
	 "{record}", COLLEAGUE_SUPERVISOR, 412, NULL},
	{"POST /v1/certifications/{id}/ceus", SUPERVISOR, NO_RECORD,
	 "/v1/certifications/{certification}/ceus",
	 "{\"completed_on\":\"2025-06-01\",\"hours\":{2|3},\"category\":\"ethics\",\"title\":"
	 "\"{marker}\"}",
	 NOBODY, COUNT("continuing_education", "certification_id"), "{certification}",
	 COLLEAGUE_SUPERVISOR, 201, NULL},
	{"POST /v1/participants", SUPERVISOR, NO_RECORD, "/v1/participants",
	 "{\"given_name\":\"{Idem|Other}\",\"family_name\":\"{marker}\"}", NOBODY,
	 COUNT("participants", "family_name"), "{marker}", COLLEAGUE_SUPERVISOR, 201,
	 "participant"},
	{"POST /v1/referrals", SUPERVISOR, NO_RECORD, "/v1/referrals",
	 "{\"service_type\":\"peer\",\"participant\":{\"given_name\":\"Idem\",\"family_name\":"
	 "\"Referred\"},\"reason\":\"{Asked for a peer.|Asked again.}\",\"consent\":"
	 "{\"obtained\":true},\"external_id\":\"{marker}\"}",
	 NOBODY, COUNT("referrals", "external_id"), "{marker}", COLLEAGUE_SUPERVISOR, 201,
	 "referral"},
	{"POST /v1/referrals/{id}/transitions", SUPERVISOR, SUBMITTED_REFERRAL,
	 "/v1/referrals/{record}/transitions",
	 "{\"to\":\"{accepted|declined\",\"reason\":\"Outside our counties.}\"}", NOBODY,
	 COUNT("referral_events", "referral_id"), "{record}", COLLEAGUE_SUPERVISOR, 409,
	 "referral"},
	{"POST /v1/referrals/{id}/assignment", SUPERVISOR, ACCEPTED_REFERRAL,
	 "/v1/referrals/{record}/assignment",
	 "{\"specialist_id\":\"{specialist}\"{|,\"reason\":\"Speaks Spanish.\"}}", NOBODY,
	 COUNT("referral_events", "referral_id"), "{record}", COLLEAGUE_SUPERVISOR, 409,
	 "referral"},
	{"POST /v1/participants/{id}/goals", SPECIALIST, NO_RECORD,
	 "/v1/participants/{participant}/goals",
	 "{\"domain\":\"{social|emotional}\",\"statement\":\"{marker}\"}", NOBODY,
	 COUNT("goals", "participant_id"), "{participant}", SUPERVISOR, 201, "goal"},
	{"POST /v1/goals/{id}/progress", SPECIALIST, NO_RECORD, "/v1/goals/{goal}/progress",
	 "{\"recorded_on\":\"2025-06-01\",\"rating\":{5|6}}", NOBODY,
	 COUNT("goal_progress", "goal_id"), "{goal}", SUPERVISOR, 201, "goal_progress"},
	{"POST /v1/session-notes", SPECIALIST, NO_RECORD, "/v1/session-notes",
	 "{\"participant_id\":\"{participant}\",\"specialist_id\":\"{specialist}\","
	 "\"occurred_at\":\"2025-06-01T17:00:00Z\",\"duration_minutes\":{30|45},\"modality\":"
	 "\"phone\",\"goal_ids\":[\"{goal}\"],\"summary\":\"{marker}\"}",
	 NOBODY, COUNT("session_notes", "participant_id"), "{participant}", SUPERVISOR, 201,
	 "session_note"},
	{"POST /v1/group-sessions", SPECIALIST, NO_RECORD, "/v1/group-sessions",
	 GROUP_SESSION_BODY("{30|45}", "{marker}"), NOBODY, COUNT("group_sessions", "topic"),
	 "{marker}", SUPERVISOR, 201, "group_session"},
	{"POST /v1/group-sessions/{id}/sign", SPECIALIST, DRAFT_GROUP_SESSION,
	 "/v1/group-sessions/{record}/sign", NULL, SPECIALIST, VERSION("group_sessions"),
	 "{record}", COLLEAGUE_SPECIALIST, 404, "group_session"},
	{"POST /v1/group-sessions/{id}/cancel", SUPERVISOR, DRAFT_GROUP_SESSION,
	 "/v1/group-sessions/{record}/cancel", "{\"reason\":\"{marker}{| (again)}\"}", NOBODY,
	 VERSION("group_sessions"), "{record}", COLLEAGUE_SUPERVISOR, 409, "group_session"},
	{"POST /v1/participants/{id}/consents", SPECIALIST, NO_RECORD,
	 "/v1/participants/{participant}/consents", CONSENT_BODY("{marker}{| (again)}"), NOBODY,
	 COUNT("consents", "participant_id"), "{participant}", SUPERVISOR, 201, "consent"},
	{"POST /v1/consents/{id}/revoke", SUPERVISOR, ACTIVE_CONSENT,
	 "/v1/consents/{record}/revoke", "{\"reason\":\"{marker}{| (again)}\"}", NOBODY,
	 VERSION("consents"), "{record}", COLLEAGUE_SUPERVISOR, 409, "consent"},
	{"POST /v1/session-notes/{id}/sign", SPECIALIST, DRAFT_NOTE,
	 "/v1/session-notes/{record}/sign", NULL, SPECIALIST, VERSION("session_notes"), "{record}",
	 COLLEAGUE_SPECIALIST, 404, "session_note"},
	{"POST /v1/session-notes/{id}/addenda", SPECIALIST, SIGNED_NOTE,
	 "/v1/session-notes/{record}/addenda", "{\"text\":\"{marker}{| (again)}\"}", NOBODY,
	 COUNT("session_note_addenda", "note_id"), "{record}", SUPERVISOR, 201, "session_note"},
	{"POST /v1/session-notes/{id}/cosign", SUPERVISOR, SIGNED_NOTE,
	 "/v1/session-notes/{record}/cosign", NULL, SUPERVISOR, VERSION("session_notes"),
	 "{record}", COLLEAGUE_SUPERVISOR, 412, "session_note"},
	{"POST /v1/participants/{id}/plans", SPECIALIST, NO_RECORD,
	 "/v1/participants/{participant}/plans",
	 "{\"kind\":\"recovery\",\"sections\":{\"{needs|supports}\":\"{marker}\"}}", NOBODY,
	 COUNT("plans", "sections->>'needs'"), "{marker}", SUPERVISOR, 201, "plan"},
	{"POST /v1/plans/{id}/sign", SPECIALIST, DRAFT_PLAN, "/v1/plans/{record}/sign",
	 "{\"participant_signed_on\":\"{2025-06-01|2025-06-02}\"}", SPECIALIST, VERSION("plans"),
	 "{record}", COLLEAGUE_SPECIALIST, 404, "plan"},
	{"POST /v1/participants/{id}/coverages", SUPERVISOR, NO_RECORD,
	 "/v1/participants/{participant}/coverages",
	 "{\"payer\":\"{marker}{| (again)}\",\"kind\":\"grant\",\"effective_on\":"
	 "\"2025-06-01\"}",
	 NOBODY, COUNT("coverages", "participant_id"), "{participant}", COLLEAGUE_SUPERVISOR, 201,
	 "coverage"},
	{"POST /v1/subscriptions", SUPERVISOR, NO_RECORD, "/v1/subscriptions",
	 "{\"url\":\"http://127.0.0.1:9/{first|second}\",\"events\":[\"note.signed\"]}", NOBODY,
	 COUNT("subscriptions", "organization_id"), "{organization}", COLLEAGUE_SUPERVISOR, 201,
	 "subscription"},
	/* The colleague's authorization of the same number under the same coverage: 409. */
	{"POST /v1/participants/{id}/authorizations", SUPERVISOR, COVERAGE,
	 "/v1/participants/{participant}/authorizations",
	 "{\"coverage_id\":\"{record}\",\"number\":\"{marker}\",\"units_authorized\":"
	 "{8|9},\"starts_on\":\"2025-06-01\",\"ends_on\":\"2025-06-30\"}",
	 NOBODY, COUNT("authorizations", "coverage_id"), "{record}", COLLEAGUE_SUPERVISOR, 409,
	 "authorization"},
	/* The colleague's episode of the same program while the first is open: 409. */
	{"POST /v1/participants/{id}/episodes", SPECIALIST, NO_RECORD,
	 "/v1/participants/{participant}/episodes",
	 "{\"program\":\"{marker}\",\"started_on\":\"{2025-06-01|2025-06-02}\"}", NOBODY,
	 COUNT("episodes", "program"), "{marker}", SUPERVISOR, 409, "episode"},
	/* The colleague's baseline finds the slot filled: 422. */
	{"POST /v1/episodes/{id}/assessments", SPECIALIST, OPEN_EPISODE,
	 "/v1/episodes/{record}/assessments",
	 "{\"timepoint\":\"baseline\",\"administered_on\":\"{2025-06-02|2025-06-03}\","
	 "\"answers\":[1,2,3,4,5,6,1,2,3,4]}",
	 NOBODY, COUNT("assessments", "episode_id"), "{record}", SUPERVISOR, 422, "assessment"},
	{"POST /v1/assessments/{id}/void", SUPERVISOR, LIVE_ASSESSMENT,
	 "/v1/assessments/{record}/void", "{\"reason\":\"{marker}{| (again)}\"}", NOBODY,
	 VERSION("assessments"), "{record}", COLLEAGUE_SUPERVISOR, 409, "assessment"},
};

/* What one write is sent to: the fresh record it acts on, and a text no other request
 * uses. */
struct target {
	char record[64];
	char marker[96];
	char if_match[32];
};

/* The value of placeholder name (without its braces) for target, or NULL. */
static const char *placeholder(const struct world *world, const struct target *target,
			       const char *name)
{
	const struct {
		const char *name, *value;
	} VALUES[] = {
		{"organization", world->organization},
		{"specialist", world->specialist},
		{"certification", world->certification},
		{"participant", world->participant},
		{"goal", world->goal},
		{"record", target->record},
		{"marker", target->marker},
	};
	for (size_t i = 0; i < sizeof VALUES / sizeof VALUES[0]; i++) {
		if (strcmp(VALUES[i].name, name) == 0)
			return VALUES[i].value;
	}
	return NULL;
}

/* template with its placeholders filled in for target and variant, into out. */
static void fill(const char *template, const struct world *world, const struct target *target,
		 int variant, char *out, size_t size)
{
	size_t used = 0;
	for (const char *c = template; *c && used + 1 < size;) {
		/* A JSON object's own brace is followed by a quote. */
		const char *end = c[0] == '{' && c[1] != '"' ? strchr(c, '}') : NULL;
		char inside[256];
		if (end)
			snprintf(inside, sizeof inside, "%.*s", (int)(end - c - 1), c + 1);
		const char *bar = end ? strchr(inside, '|') : NULL;
		const char *value = end && !bar ? placeholder(world, target, inside) : NULL;
		if (bar) {
			used += (size_t)snprintf(out + used, size - used, "%.*s",
						 variant ? (int)strlen(bar + 1)
							 : (int)(bar - inside),
						 variant ? bar + 1 : inside);
		} else if (value) {
			used += (size_t)snprintf(out + used, size - used, "%s", value);
		} else {
			out[used++] = *c++;
			continue;
		}
		c = end + 1;
	}
	out[used < size ? used : size - 1] = '\0';
}

/* A fresh target of the case: its record made, its If-Match read. */
static void target_make(const struct world *world, const struct write_case *c,
			struct target *target)
{
	memset(target, 0, sizeof *target);
	char *record = record_make(world, c->record);
	snprintf(target->record, sizeof target->record, "%s", record);
	free(record);
	unique_name("idempotent", target->marker, sizeof target->marker);
	if (c->if_match == NOBODY)
		return;
	char resource[256];
	fill(c->path, world, target, 0, resource, sizeof resource);
	*strrchr(resource, '/') = '\0'; /* the record the action's path names */
	char *etag = arena_text(http_etag(resource, caller_of(world, c->if_match)->token));
	snprintf(target->if_match, sizeof target->if_match, "%s", etag);
}

/* ------------------------------------------------------------------------------------ */
/* Sending and checking */

static long long effect_now(const struct world *world, const struct write_case *c,
			    const struct target *target)
{
	char by[256];
	fill(c->effect, world, target, 0, by, sizeof by);
	char *value = arena_text(test_sql_text(c->effect_sql, 1, (const char *const[]){by}));
	cr_assert(value, "%s: no effect to count", c->route);
	long long number = atoll(value);
	return number;
}

/* A POST of the case to target as who, with its body of variant (none when the route
 * takes none), Idempotency-Key key (none when NULL) and the target's If-Match. The strings
 * it points to live in holder, which must outlive the request. */
struct keyed_request {
	char path[256];
	char body[1024];
	char key_header[128];
	char if_match_header[64];
	struct http_request request;
};

static void keyed_request_make(struct keyed_request *holder, const struct world *world,
			       const struct write_case *c, const struct target *target,
			       enum who who, int variant, const char *key)
{
	fill(c->path, world, target, variant, holder->path, sizeof holder->path);
	if (c->body)
		fill(c->body, world, target, variant, holder->body, sizeof holder->body);
	holder->request = (struct http_request){
		.method = "POST",
		.path = holder->path,
		.token = caller_of(world, who)->token,
		.content_type = c->body ? "application/json" : NULL,
		.body = c->body ? holder->body : NULL,
	};
	size_t headers = 0;
	snprintf(holder->key_header, sizeof holder->key_header, "Idempotency-Key: %s",
		 key ? key : "");
	if (key)
		holder->request.headers[headers++] = holder->key_header;
	snprintf(holder->if_match_header, sizeof holder->if_match_header, "If-Match: %s",
		 target->if_match);
	if (target->if_match[0])
		holder->request.headers[headers++] = holder->if_match_header;
}

static struct http_response *send_keyed(const struct world *world, const struct write_case *c,
					const struct target *target, enum who who, int variant,
					const char *key)
{
	struct keyed_request holder;
	keyed_request_make(&holder, world, c, target, who, variant, key);
	return http_send(&holder.request);
}

static bool replayed(const struct http_response *response)
{
	char *header = arena_text(http_header(response, "Idempotent-Replayed"));
	bool marked = header && strcmp(header, "true") == 0;
	return marked;
}

static bool succeeded(const struct http_response *response)
{
	return response->status == 200 || response->status == 201;
}

/* Header name of a and b are the same, or both absent. */
static void expect_same_header(const struct write_case *c, const struct http_response *a,
			       const struct http_response *b, const char *name)
{
	char *first = http_header(a, name), *again = http_header(b, name);
	cr_expect((!first && !again) || (first && again && strcmp(first, again) == 0),
		  "%s: the replay's %s is %s, the first answer's %s", c->route, name,
		  again ? again : "absent", first ? first : "absent");
	free(first);
	free(again);
}

/* The first request makes one effect; the retry answers it again and makes none. */
static void expect_retry_replayed(const struct world *world, const struct write_case *c,
				  const struct target *target, const char *key)
{
	long long before = effect_now(world, c, target);
	struct http_response *first = send_keyed(world, c, target, c->caller, 0, key);
	cr_assert(succeeded(first), "%s: %ld %s", c->route, first->status, first->body);
	cr_expect(!replayed(first), "%s: a first answer is no replay", c->route);
	cr_assert_eq(effect_now(world, c, target), before + 1, "%s: one effect", c->route);
	const char *id = http_string(first, "id");
	const char *subject = caller_of(world, c->caller)->subject;
	long long reads = c->read_type ? audit_events_by(subject, id, "read") : 0;
	struct http_response *again = send_keyed(world, c, target, c->caller, 0, key);
	cr_assert_eq(again->status, first->status, "%s: the retry answered %ld %s", c->route,
		     again->status, again->body);
	cr_expect(replayed(again), "%s: a retry is marked Idempotent-Replayed", c->route);
	cr_expect_str_eq(again->body, first->body, "%s: a retry answers the first answer",
			 c->route);
	expect_same_header(c, first, again, "Location");
	expect_same_header(c, first, again, "ETag");
	cr_expect_eq(effect_now(world, c, target), before + 1, "%s: the retry changed something",
		     c->route);
	if (c->read_type)
		cr_expect_eq(audit_events_by(subject, id, "read"), reads + 1,
			     "%s: a replay is recorded as a read of the %s", c->route,
			     c->read_type);
}

/* The key with another request (another body; another record for a route without one)
 * is 422 naming Idempotency-Key, and changes nothing. */
static void expect_other_request_refused(const struct world *world, const struct write_case *c,
					 const struct target *target, const char *key)
{
	struct target other = *target;
	if (!c->body)
		target_make(world, c, &other);
	long long before = effect_now(world, c, target),
		  other_before = effect_now(world, c, &other);
	struct http_response *refused = send_keyed(world, c, &other, c->caller, 1, key);
	cr_expect_eq(refused->status, 422, "%s: the key with another request: %ld %s", c->route,
		     refused->status, refused->body);
	if (refused->status == 422)
		assert_error_names(refused, "Idempotency-Key");
	cr_expect_eq(effect_now(world, c, target), before, "%s", c->route);
	cr_expect_eq(effect_now(world, c, &other), other_before, "%s", c->route);
}

/* A colleague's same key and request is their own request: answered as it would be
 * without a key, never with the caller's answer. */
static void expect_colleague_own(const struct world *world, const struct write_case *c,
				 const struct target *target, const char *key)
{
	long long before = effect_now(world, c, target);
	struct http_response *theirs = send_keyed(world, c, target, c->colleague, 0, key);
	cr_expect_eq(theirs->status, c->colleague_status, "%s: the colleague's answer: %ld %s",
		     c->route, theirs->status, theirs->body);
	cr_expect(!replayed(theirs), "%s: a colleague's key replayed the caller's answer",
		  c->route);
	cr_expect_eq(effect_now(world, c, target), before + (succeeded(theirs) ? 1 : 0), "%s",
		     c->route);
}

/* Two requests with one key at once on a fresh target: one does the work, the other is
 * 409 (the first still being handled) or the first answer replayed. */
static void expect_race_one_effect(const struct world *world, const struct write_case *c)
{
	struct target target;
	target_make(world, c, &target);
	char key[96];
	unique_name("race", key, sizeof key);
	long long before = effect_now(world, c, &target);
	struct keyed_request holders[2];
	struct background_request sent[2];
	for (int i = 0; i < 2; i++) {
		keyed_request_make(&holders[i], world, c, &target, c->caller, 0, key);
		sent[i] = (struct background_request){.request = holders[i].request};
	}
	for (int i = 0; i < 2; i++)
		background_send(&sent[i]);
	struct http_response *answers[2] = {background_wait(&sent[0]), background_wait(&sent[1])};
	int worked = 0, deferred = 0;
	for (int i = 0; i < 2; i++) {
		if (succeeded(answers[i]) && !replayed(answers[i]))
			worked++;
		else if (answers[i]->status == 409 ||
			 (succeeded(answers[i]) && replayed(answers[i])))
			deferred++;
	}
	cr_expect(worked == 1 && deferred == 1, "%s: two at once answered %ld %s and %ld %s",
		  c->route, answers[0]->status, answers[0]->body, answers[1]->status,
		  answers[1]->body);
	cr_expect_eq(effect_now(world, c, &target), before + 1, "%s: two at once, one effect",
		     c->route);
}

static void world_create(struct world *world)
{
	memset(world, 0, sizeof *world);
	world->organization = create_organization("provider");
	caller_make(&world->admin, "admin", NULL);
	caller_make(&world->colleague_admin, "admin", NULL);
	caller_make(&world->supervisor, "supervisor", world->organization);
	caller_make(&world->colleague_supervisor, "supervisor", world->organization);
	struct caller *specialist = &world->specialist_caller;
	world->specialist = certified_specialist(world->organization, specialist->subject,
						 sizeof specialist->subject);
	specialist->token =
		token_for_subject("specialist", world->organization, specialist->subject);
	struct caller *colleague = &world->colleague_specialist;
	free(create_specialist(world->organization, "peer", colleague->subject,
			       sizeof colleague->subject));
	colleague->token = token_for_subject("specialist", world->organization, colleague->subject);
	world->certification =
		create_certification(world->specialist, "active", "2025-01-01", "2030-01-01");
	world->referral = assigned_referral(world->supervisor.token, world->specialist,
					    world->participant, sizeof world->participant);
	char path[128];
	snprintf(path, sizeof path, "/v1/participants/%s/goals", world->participant);
	world->goal = created_id(http_post(path, specialist->token,
					   "{\"domain\":\"social\",\"statement\":\"Go to the "
					   "Tuesday group.\"}"),
				 "a goal");
}

static void world_free(struct world *world)
{
	struct caller *callers[] = {&world->admin,
				    &world->colleague_admin,
				    &world->supervisor,
				    &world->colleague_supervisor,
				    &world->specialist_caller,
				    &world->colleague_specialist};
	for (size_t i = 0; i < sizeof callers / sizeof callers[0]; i++)
		free(callers[i]->token);
	free(world->organization);
	free(world->specialist);
	free(world->certification);
	free(world->referral);
	free(world->goal);
}

TestSuite(idempotency, .init = arena_open, .fini = arena_close);

Test(idempotency, every_write_route_replays_its_first_answer_once)
{
	struct world world;
	world_create(&world);
	for (size_t i = 0; i < sizeof WRITES / sizeof WRITES[0]; i++) {
		const struct write_case *c = &WRITES[i];
		struct target target;
		target_make(&world, c, &target);
		char key[96];
		unique_name("key", key, sizeof key);
		expect_retry_replayed(&world, c, &target, key);
		expect_other_request_refused(&world, c, &target, key);
		expect_colleague_own(&world, c, &target, key);
		expect_race_one_effect(&world, c);
	}
	world_free(&world);
}

/* Every POST of the route table is a write (peerd has no POST that only reads), so every
 * one is in the table above. */
Test(idempotency, every_post_route_is_in_the_table)
{
	for (size_t i = 0; i < api_route_count; i++) {
		if (strcmp(api_routes[i].method, "POST") != 0)
			continue;
		char route[128];
		snprintf(route, sizeof route, "POST %s", api_routes[i].path);
		bool listed = false;
		for (size_t j = 0; j < sizeof WRITES / sizeof WRITES[0]; j++)
			listed = listed || strcmp(WRITES[j].route, route) == 0;
		cr_expect(listed, "%s takes an Idempotency-Key: add it to WRITES", route);
	}
}

/* Verify, sign and co-sign attest to what the caller read, and take no body. Sent again
 * without a key by who made the change, with the If-Match they made it on, each answers
 * the record as it stands, marked Idempotent-Replayed, and changes nothing; anyone else is
 * answered as before. */
Test(idempotency, an_attestation_sent_again_without_a_key_answers_as_it_stands)
{
	struct world world;
	world_create(&world);
	for (size_t i = 0; i < sizeof WRITES / sizeof WRITES[0]; i++) {
		const struct write_case *c = &WRITES[i];
		if (c->body)
			continue;
		struct target target;
		target_make(&world, c, &target);
		struct http_response *first = send_keyed(&world, c, &target, c->caller, 0, NULL);
		cr_assert_eq(first->status, 200, "%s: %s", c->route, first->body);
		long long before = effect_now(&world, c, &target);
		struct http_response *again = send_keyed(&world, c, &target, c->caller, 0, NULL);
		cr_expect_eq(again->status, 200, "%s sent again: %ld %s", c->route, again->status,
			     again->body);
		cr_expect(replayed(again), "%s sent again is marked Idempotent-Replayed", c->route);
		cr_expect_str_eq(again->body, first->body, "%s", c->route);
		expect_same_header(c, first, again, "ETag");
		cr_expect_eq(effect_now(&world, c, &target), before, "%s sent again changed it",
			     c->route);
		struct http_response *theirs =
			send_keyed(&world, c, &target, c->colleague, 0, NULL);
		cr_expect_eq(theirs->status, c->colleague_status, "%s by a colleague: %ld %s",
			     c->route, theirs->status, theirs->body);
	}
	world_free(&world);
}
