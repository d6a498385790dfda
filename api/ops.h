/* Endpoints outside /v1 for operators and tooling: no token. */
#pragma once

struct request;

void ops_healthz(struct request *request);
void ops_readyz(struct request *request);
void ops_metrics(struct request *request);
void ops_openapi(struct request *request);
void ops_docs(struct request *request);
/* GET /docs/{file}: what the page loads (Redoc's script). */
void ops_docs_file(struct request *request);
