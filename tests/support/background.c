#include "background.h"

#include <criterion/criterion.h>
#include <stdio.h>

#include "fixtures.h"

static void *send_request(void *context)
{
	struct background_request *background = context;
	/* Asserting here, off the test's thread, would not fail the test cleanly. */
	background->response =
		http_try_send(&background->request, background->error, sizeof background->error);
	return NULL;
}

void background_send(struct background_request *background)
{
	background->response = NULL;
	pthread_create(&background->thread, NULL, send_request, background);
}

struct http_response *background_try_wait(struct background_request *background)
{
	pthread_join(background->thread, NULL);
	return background->response;
}

struct http_response *background_wait(struct background_request *background)
{
	struct http_response *response = background_try_wait(background);
	cr_assert(response, "%s", background->error);
	return response;
}

void held_patch_start(struct held_patch *held, const char *base_url, const char *token,
		      const char *organization_id)
{
	held->lock = row_lock_organization(organization_id);
	snprintf(held->path, sizeof held->path, "/v1/organizations/%s", organization_id);
	held->background = (struct background_request){
		.request = {.method = "PATCH",
			    .path = held->path,
			    .token = token,
			    .base_url = base_url,
			    .content_type = "application/json",
			    .body = "{\"name\":\"Written after waiting for a lock\"}"}};
	background_send(&held->background);
	row_lock_awaited(held->lock);
}

struct http_response *held_patch_try_release(struct held_patch *held)
{
	row_lock_release(held->lock);
	return background_try_wait(&held->background);
}

struct http_response *held_patch_release(struct held_patch *held)
{
	row_lock_release(held->lock);
	return background_wait(&held->background);
}
