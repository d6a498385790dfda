#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "webhook_signature.h"

/* The Standard Webhooks specification's own test vector: matching it is what lets a
 * receiver verify peerd's deliveries with any of that specification's libraries. */
#define VECTOR_SECRET "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
#define VECTOR_ID     "msg_p5jXN8AQM9LWM0D4loKWxJek"
#define VECTOR_TIME   1614265330LL
#define VECTOR_BODY   "{\"test\": 2432232314}"
#define VECTOR_SIGNED "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="

Test(webhook_signature, reproduces_the_specification_vector)
{
	char *signature = webhook_signature(VECTOR_SECRET, VECTOR_ID, VECTOR_TIME, VECTOR_BODY,
					    strlen(VECTOR_BODY));
	cr_assert_str_eq(signature, VECTOR_SIGNED);
	free(signature);
}

Test(webhook_signature, takes_the_secret_without_its_prefix)
{
	char *signature = webhook_signature(VECTOR_SECRET + strlen("whsec_"), VECTOR_ID,
					    VECTOR_TIME, VECTOR_BODY, strlen(VECTOR_BODY));
	cr_assert_str_eq(signature, VECTOR_SIGNED);
	free(signature);
}

Test(webhook_signature, changes_with_the_body_the_id_and_the_time)
{
	char *body = webhook_signature(VECTOR_SECRET, VECTOR_ID, VECTOR_TIME,
				       "{\"test\": 2432232315}", strlen(VECTOR_BODY));
	char *id = webhook_signature(VECTOR_SECRET, "msg_other", VECTOR_TIME, VECTOR_BODY,
				     strlen(VECTOR_BODY));
	char *time = webhook_signature(VECTOR_SECRET, VECTOR_ID, VECTOR_TIME + 1, VECTOR_BODY,
				       strlen(VECTOR_BODY));
	cr_assert_str_neq(body, VECTOR_SIGNED);
	cr_assert_str_neq(id, VECTOR_SIGNED);
	cr_assert_str_neq(time, VECTOR_SIGNED);
	free(body);
	free(id);
	free(time);
}

Test(webhook_signature, refuses_a_secret_that_is_not_base64)
{
	cr_assert_null(webhook_signature("whsec_not base64!", VECTOR_ID, VECTOR_TIME, "{}", 2));
	cr_assert_null(webhook_signature("whsec_", VECTOR_ID, VECTOR_TIME, "{}", 2));
	cr_assert_null(webhook_signature("whsec_abc", VECTOR_ID, VECTOR_TIME, "{}", 2));
}
