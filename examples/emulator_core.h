/* The I/O-free core of wps-emulator: one Web PubSub service (hubs, connections, groups, users,
 * the JSON client subprotocols with their reliable variant, the REST API) built on wps.h. The
 * host (examples/emulator.c over libwebsockets, or a fuzzer) feeds it upgrade requests, frames,
 * closes, REST requests and time; it answers through the callbacks of emu_host.
 *
 * Unlike wps.h itself, this program allocates (malloc) as it goes: it is a server for tests and
 * demos, not a library for small devices.
 */
#ifndef WPS_EMULATOR_CORE_H
#define WPS_EMULATOR_CORE_H

#include "../wps.h"

typedef struct emu emu;
typedef struct emu_conn emu_conn;

/** What the core asks of its host. Frames passed to send are only valid during the call. */
typedef struct emu_host {
    void *ctx;
    /* send one WebSocket message (text or binary) on the connection's socket */
    void (*send)(void *ctx, emu_conn *c, void *socket, const void *data, size_t len, int is_text);
    /* close the connection's socket with this code and reason */
    void (*close)(void *ctx, emu_conn *c, void *socket, uint16_t code, const char *reason);
    /* one line of log (no newline) */
    void (*log)(void *ctx, const char *line);
} emu_host;

/** Faults injected on purpose (tests and demos). */
typedef struct emu_faults {
    int refuse_recovery; /* every recovery attempt ends with close 1008 */
    int fail_acks;       /* every ack fails with InternalServerError */
    uint32_t ack_delay_ms; /* acks are held this long */
} emu_faults;

typedef struct emu_config {
    const char *connection_string; /* its AccessKey verifies tokens; its Endpoint names the service */
    const char *const *hubs;       /* the hubs served; NULL/0 = any valid hub name */
    size_t hub_count;
    uint32_t recovery_window_ms;   /* a dropped reliable session waits this long: 30000 */
    uint32_t max_unacked_messages; /* 1000 */
    uint64_t max_unacked_bytes;    /* 16 MB */
} emu_config;

emu *emu_new(const emu_config *cfg, const emu_host *host, char *error, size_t error_cap);
void emu_free(emu *e);
emu_faults *emu_faults_of(emu *e);

/** A WebSocket upgrade request (GET path?query). subprotocols is the Sec-WebSocket-Protocol
    header (comma-separated), authorization the Authorization header; either may be NULL. */
typedef struct emu_upgrade {
    const char *target; /* path and query, e.g. /client/hubs/chat?access_token=... */
    const char *subprotocols;
    const char *authorization;
} emu_upgrade;

/** The answer to an upgrade: status 101 (accept, with the subprotocol to select, "" for none)
    or an HTTP error status with a reason. */
typedef struct emu_accept {
    int status;
    char reason[160];
    char subprotocol[64];
    emu_conn *conn;
} emu_accept;

void emu_upgrade_request(emu *e, const emu_upgrade *u, uint64_t now_ms, emu_accept *out);
/* the socket of an accepted upgrade is open: socket is the host's handle for send/close */
void emu_socket_open(emu *e, emu_conn *c, void *socket, uint64_t now_ms);
void emu_socket_frame(emu *e, emu_conn *c, void *socket, const void *data, size_t len, int is_text, uint64_t now_ms);
/* the socket is gone (after this, c is freed: a reliable session waiting for recovery lives on
   inside the core) */
void emu_socket_closed(emu *e, emu_conn *c, void *socket, uint64_t now_ms);
/* an upgrade accepted but never opened */
void emu_upgrade_abandoned(emu *e, emu_conn *c);
void emu_tick(emu *e, uint64_t now_ms);

/** A REST request and its response (the body is malloc'ed; free it with emu_response_free). */
typedef struct emu_request {
    const char *method;
    const char *target;        /* path and query as received */
    const char *host;          /* the Host header */
    const char *authorization; /* the Authorization header, or NULL */
    const char *content_type;  /* or NULL */
    const void *body;
    size_t body_len;
} emu_request;

typedef struct emu_response {
    int status;
    char content_type[64];
    char error_code[64]; /* x-ms-error-code, "" when none */
    char *body;
    size_t body_len;
} emu_response;

void emu_rest(emu *e, const emu_request *r, uint64_t now_ms, emu_response *out);
void emu_response_free(emu_response *r);

/** Fault actions on the connections (the admin endpoint): "drop <connectionId>" closes the socket
    abruptly (a reliable session then waits for recovery), "close1008 <connectionId>" ends it
    with 1008. Returns 0 when no such connection. */
int emu_fault_drop(emu *e, const char *connection_id, int code_1008);

/** Counters for logs and tests. */
typedef struct emu_stats {
    uint64_t connections, messages_in, messages_out, rest_requests, rejected;
} emu_stats;
emu_stats emu_stats_of(const emu *e);

#endif
