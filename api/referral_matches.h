/* GET /v1/referrals/{id}/matches (API.md): the specialists who could take a referral,
 * best fit first. */
#pragma once

struct request;

void referral_matches(struct request *request);
