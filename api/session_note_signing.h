/* What happens to a session note at and after signing (API.md): billing fixed at
 * signing, addenda, the supervisor's co-signature. */
#pragma once

struct request;

void session_note_sign(struct request *request);
void session_note_add_addendum(struct request *request);
void session_note_cosign(struct request *request);
