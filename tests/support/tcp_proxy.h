/* A TCP relay between peerd and PostgreSQL that a test can cut and restore, to play a
 * database outage without stopping the database other tests use. */
#pragma once

struct tcp_proxy;

/* Listens on 127.0.0.1:listen_port (0: any free port) and relays each connection to
 * 127.0.0.1:target_port. Returns NULL when it cannot listen. */
struct tcp_proxy *tcp_proxy_start(unsigned listen_port, unsigned target_port);

unsigned tcp_proxy_port(const struct tcp_proxy *proxy);

/* Stops listening and cuts every relayed connection, then frees the proxy. */
void tcp_proxy_stop(struct tcp_proxy *proxy);

/* Cuts every relayed connection but keeps listening: the next connection goes through. */
void tcp_proxy_cut(struct tcp_proxy *proxy);

/* Arms a fault for the next connection whose client sends marker (a statement's value, at
 * most TCP_PROXY_MARKER_MAX bytes): once its server confirms a COMMIT (CommandComplete),
 * the proxy passes that on and ends the connection as a server shutting down does
 * (ErrorResponse FATAL 57P01) before the ReadyForQuery that would have followed. The
 * transaction stands; only the end of the exchange is lost. */
#define TCP_PROXY_MARKER_MAX 127
void tcp_proxy_end_after_commit(struct tcp_proxy *proxy, const char *marker);

/* How many connections tcp_proxy_end_after_commit's fault has ended. */
unsigned tcp_proxy_commits_ended(struct tcp_proxy *proxy);
