/* Ranks the provider's specialists for a referral. The database picks those who pass
 * every assignment check (the same view and rules as /assignment: active, the right
 * kind, certified today, room in their caseload); rules/matching.c scores each one. */
#include "referral_matches.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "matching.h"
#include "problem.h"
#include "query.h"
#include "referrals.h"
#include "request.h"
#include "respond.h"
#include "row_json.h"

/* $1 the provider, $2 the kind the service needs, $3 the specialist already on it. The
 * ranking needs every candidate before it cuts: 1000 is more than any provider's staff. */
/* A candidate's columns: the members of a match before its score, in that order, then
 * what the score needs besides. */
/* clang-format off */
#define CANDIDATE_COLUMN_LIST(X, _)                                                                \
	X(COL_ID, "id", "specialist_id", ROW_STRING)                                               \
	_ X(COL_GIVEN_NAME, "given_name", "given_name", ROW_STRING)                                \
	_ X(COL_FAMILY_NAME, "family_name", "family_name", ROW_STRING)                             \
	_ X(COL_KIND, "kind", "kind", ROW_STRING)                                                  \
	_ X(COL_LANGUAGES, "array_to_json(languages)", "languages", ROW_JSON)                      \
	_ X(COL_COUNTIES, "array_to_json(counties)", "counties", ROW_JSON)                         \
	_ X(COL_LIVED_EXPERIENCE, "array_to_json(lived_experience)", "lived_experience", ROW_JSON) \
	_ X(COL_CASELOAD, "caseload", "caseload", ROW_INTEGER)                                     \
	_ X(COL_MAX_CASELOAD, "max_caseload", "max_caseload", ROW_INTEGER)                         \
	_ X(COL_SUBSTANCE_USE_EXPERIENCE,                                                          \
	    "'substance_use' = ANY (lived_experience) OR 'co_occurring' = ANY (lived_experience)", \
	    NULL, ROW_HIDDEN)                                                                      \
	_ X(COL_CAREGIVER_EXPERIENCE, "'caregiver' = ANY (lived_experience)", NULL, ROW_HIDDEN)
/* clang-format on */

enum { CANDIDATE_COLUMN_LIST(ROW_COLUMN_ENUM, ) };

static const struct row_json_member CANDIDATE_JSON[] = {CANDIDATE_COLUMN_LIST(ROW_COLUMN_MEMBER, )};

/* $1 the provider, $2 the kind the service needs, $3 the specialist already on it. The
 * ranking needs every candidate before it cuts: 1000 is more than any provider's staff. */
static const struct db_statement CANDIDATES_SELECT = {
	"match_candidates",
	"SELECT " CANDIDATE_COLUMN_LIST(
		ROW_COLUMN_SQL,
		", ") " FROM specialist_profiles WHERE organization_id = $1 AND kind = "
		      "$2::specialist_kind"
		      " AND accepting AND id IS DISTINCT FROM $3::uuid ORDER BY id LIMIT 1000"};

struct ranked {
	int row;
	struct match_score score;
	long long caseload;
};

/* Best score first; then the lighter caseload; then the id, so the order is stable. */
static int by_rank(const void *a, const void *b)
{
	const struct ranked *x = a, *y = b;
	if (x->score.score != y->score.score)
		return y->score.score - x->score.score;
	if (x->caseload != y->caseload)
		return x->caseload < y->caseload ? -1 : 1;
	return x->row - y->row;
}

/* The strings of a JSON array, borrowed from it, into out (at most max). */
static size_t strings_of(const json_t *array, const char **out, size_t max)
{
	size_t count = 0;
	for (size_t i = 0; i < json_array_size(array) && count < max; i++) {
		const char *text = json_string_value(json_array_get(array, i));
		if (text)
			out[count++] = text;
	}
	return count;
}

static void score_row(const PGresult *res, int row, const struct match_referral *referral,
		      struct ranked *out)
{
	json_t *languages = db_json(res, row, COL_LANGUAGES);
	json_t *counties = db_json(res, row, COL_COUNTIES);
	const char *language_items[32], *county_items[64];
	struct match_candidate candidate = {
		.languages = language_items,
		.language_count = strings_of(languages, language_items, 32),
		.counties = county_items,
		.county_count = strings_of(counties, county_items, 64),
		.substance_use_experience = db_boolean(res, row, COL_SUBSTANCE_USE_EXPERIENCE),
		.caregiver_experience = db_boolean(res, row, COL_CAREGIVER_EXPERIENCE),
		.caseload = (int)db_integer(res, row, COL_CASELOAD),
		.max_caseload = (int)db_integer(res, row, COL_MAX_CASELOAD),
	};
	out->row = row;
	out->caseload = candidate.caseload;
	match_score(referral, &candidate, &out->score);
	json_decref(counties);
	json_decref(languages);
}

/* The candidate, then the score and its reasons; a new reference, NULL when out of
 * memory. */
static json_t *match_render(const PGresult *res, const struct ranked *ranked)
{
	json_t *match = row_json_render(
		CANDIDATE_JSON, sizeof CANDIDATE_JSON / sizeof *CANDIDATE_JSON, res, ranked->row);
	json_t *reasons = json_array();
	for (size_t i = 0; reasons && i < ranked->score.reason_count; i++)
		json_array_append_new(reasons, json_string(ranked->score.reasons[i]));
	json_t *scored = json_pack("{s:i, s:o}", "score", ranked->score.score, "reasons", reasons);
	if (!match || !scored || json_object_update(match, scored) != 0) {
		json_decref(match);
		match = NULL;
	}
	json_decref(scored);
	return match;
}

/* Scores every candidate in res and renders the best limit of them. */
static json_t *rank(const PGresult *res, const PGresult *referral, int limit)
{
	struct match_referral wanted = {
		.preferred_language = db_text(referral, 0, REFERRAL_PARTICIPANT_LANGUAGE),
		.county = db_text(referral, 0, REFERRAL_PARTICIPANT_COUNTY),
		.substance_use = db_boolean(referral, 0, REFERRAL_SUBSTANCE_USE),
		.family = strcmp(db_text(referral, 0, REFERRAL_SERVICE_TYPE), "family") == 0,
	};
	int rows = PQntuples(res);
	struct ranked *ranked = calloc(rows ? (size_t)rows : 1, sizeof *ranked);
	json_t *items = ranked ? json_array() : NULL;
	for (int row = 0; items && row < rows; row++)
		score_row(res, row, &wanted, &ranked[row]);
	if (items)
		qsort(ranked, (size_t)rows, sizeof *ranked, by_rank);
	for (int i = 0; items && i < rows && i < limit; i++)
		json_array_append_new(items, match_render(res, &ranked[i]));
	free(ranked);
	return items ? json_pack("{s:o, s:n}", "items", items, "next_cursor") : NULL;
}

void referral_matches(struct request *request)
{
	char limit_text[16];
	const char *limit;
	const char *id = request_id_param(request, "id");
	if (!id || !query_integer(request, "limit", limit_text, sizeof limit_text, &limit))
		return;
	struct db_conn *db = request_db(request);
	PGresult *referral = db ? referral_find_visible(request, db, id) : NULL;
	if (!referral)
		return;
	const char *kind = strcmp(db_text(referral, 0, REFERRAL_SERVICE_TYPE), "family") == 0
				   ? "family_peer"
				   : "peer";
	PGresult *res = NULL;
	enum db_status status =
		db_read(db, &CANDIDATES_SELECT,
			DB_ARGS(db_text(referral, 0, REFERRAL_PROVIDER_ORGANIZATION_ID), kind,
				db_text(referral, 0, REFERRAL_ASSIGNED_SPECIALIST_ID)),
			&res);
	if (status != DB_OK)
		problem_send_database(request, status);
	else
		respond_json(request, 200, rank(res, referral, limit ? atoi(limit) : 50));
	PQclear(res);
	PQclear(referral);
}
