'use strict'
// The Fastify peer of peerd's benchmark (issue 28): GET /v1/specialists/{id} as a team
// would write it with Fastify 5, node-postgres and fast-jwt, doing the same database work
// as peerd: the same login, role, row-level-security scope and statement. Started by
// bench/measure.py through the reference-server interface (README.md here).

const cluster = require('node:cluster')
const os = require('node:os')

// peerd opens 32 connections by default on 2 cores (twice its 16 threads); the workers
// share the same total so that neither side gets more PostgreSQL backends than the other.
const TOTAL_POOL = 32
// A worker that does not finish its in-flight requests within this is killed.
const SHUTDOWN_GRACE_MS = 10000

function env(name) {
  const value = process.env[name]
  if (!value) {
    console.error(`fastify peer: ${name} is not set`)
    process.exit(2)
  }
  return value
}

const config = {
  port: Number(env('BENCH_PORT')),
  databaseUrl: env('BENCH_DATABASE_URL'),
  databaseRole: env('BENCH_DATABASE_ROLE'),
  jwtSecret: env('BENCH_JWT_SECRET'),
  organization: env('BENCH_ORGANIZATION'),
  scopeRole: env('BENCH_SCOPE_ROLE'),
  workers: os.availableParallelism()
}

if (cluster.isPrimary) {
  runPrimary()
} else {
  runWorker().catch((err) => {
    console.error('fastify peer: worker failed to start:', err.message)
    process.exit(1)
  })
}

// One worker per core. SIGTERM (or SIGINT) goes on to every worker; the primary exits once
// all have exited. A worker that dies on its own stops the whole server, so that a run
// never goes on silently with half its workers.
function runPrimary() {
  let stopping = false
  let status = 0
  for (let i = 0; i < config.workers; i++) cluster.fork()

  const stop = () => {
    if (stopping) return
    stopping = true
    for (const worker of Object.values(cluster.workers)) worker.process.kill('SIGTERM')
    setTimeout(() => {
      for (const worker of Object.values(cluster.workers)) worker.process.kill('SIGKILL')
      process.exit(1)
    }, SHUTDOWN_GRACE_MS + 1000).unref()
  }
  process.on('SIGTERM', stop)
  process.on('SIGINT', stop)

  cluster.on('exit', (worker, code, signal) => {
    if (!stopping) {
      console.error(`fastify peer: worker ${worker.process.pid} exited (${signal || code})`)
      status = 1
      stop()
    }
    if (Object.keys(cluster.workers).length === 0) process.exit(status)
  })
}

async function runWorker() {
  const Fastify = require('fastify')
  const { Pool } = require('pg')
  const { createVerifier } = require('fast-jwt')
  const { SPECIALIST_SELECT, specialistSchema, specialistFromRow } = require('./specialist')

  const pool = new Pool({
    connectionString: config.databaseUrl,
    // As peerd's service/db.c: the role as a startup option, no SET ROLE round trip.
    options: `-c role=${config.databaseRole}`,
    max: Math.max(1, Math.floor(TOTAL_POOL / config.workers)),
    // peerd keeps its connections open; so does this pool (no reconnect, no re-prepare).
    idleTimeoutMillis: 0,
    // The scope, once per connection, as peerd's session pooling sets it. onConnect (not
    // the 'connect' event, which cannot wait) is awaited before the pool hands the new
    // client to anyone, and when it fails the pool ends the client and fails that
    // acquisition: no statement can run on a connection without its scope.
    onConnect: (client) =>
      client.query(
        "SELECT set_config('peerd.organization', $1, false), set_config('peerd.role', $2, false)",
        [config.organization, config.scopeRole]
      )
  })
  // An idle connection that breaks (server restart) is dropped by the pool; without a
  // listener the 'error' event would end the worker.
  pool.on('error', () => {})

  // HS256 only, verified on every request (fast-jwt's cache stays off). As peerd's
  // service/jwt_auth.c: exp required and checked, with its 30 s of leeway for clock skew.
  const verify = createVerifier({
    key: config.jwtSecret,
    algorithms: ['HS256'],
    requiredClaims: ['exp'],
    clockTolerance: 30000
  })

  // No request logging, as a team tuning for speed would run it (peerd logs each request).
  const app = Fastify({ logger: false })

  const problem = (reply, status, title, detail) =>
    reply
      .code(status)
      .type('application/problem+json')
      .send({ type: 'about:blank', title, status, detail })

  app.setErrorHandler((err, request, reply) => {
    if (err.validation) return problem(reply, 404, 'Not Found', 'there is no such specialist')
    return problem(reply, 500, 'Internal Server Error', 'Internal Server Error')
  })

  app.get('/healthz', (request, reply) => {
    reply.send({ status: 'ok' })
  })

  app.get(
    '/v1/specialists/:id',
    {
      schema: {
        // A malformed id is answered 404 (as for any unknown id) before any query.
        params: {
          type: 'object',
          required: ['id'],
          properties: { id: { type: 'string', format: 'uuid' } }
        },
        response: { 200: specialistSchema }
      },
      // Before validation, so that a request without a valid token learns nothing.
      onRequest: (request, reply, done) => {
        const header = request.headers.authorization
        if (!header || !header.startsWith('Bearer ')) {
          return problem(reply, 401, 'Unauthorized', 'a Bearer token is required')
        }
        try {
          verify(header.slice(7))
        } catch {
          return problem(reply, 401, 'Unauthorized', 'the token is not valid')
        }
        done()
      }
    },
    async (request, reply) => {
      const result = await pool.query({
        name: SPECIALIST_SELECT.name,
        text: SPECIALIST_SELECT.text,
        values: [request.params.id],
        // The statement's columns are not all named (array_to_json, peerd_timestamp twice).
        rowMode: 'array'
      })
      if (result.rows.length === 0) {
        return problem(reply, 404, 'Not Found', 'there is no such specialist')
      }
      return specialistFromRow(result.rows[0])
    }
  )

  let closing = false
  const shutdown = async () => {
    if (closing) return
    closing = true
    setTimeout(() => process.exit(1), SHUTDOWN_GRACE_MS).unref()
    await app.close() // stops listening, closes idle keep-alives, waits for in-flight
    await pool.end()
    process.exit(0)
  }
  process.on('SIGTERM', shutdown)
  process.on('SIGINT', shutdown)
  // The primary is gone (killed outright): no worker outlives it.
  process.on('disconnect', shutdown)

  await app.listen({ port: config.port, host: '127.0.0.1' })
}
