/* The I/O-free core of wps-emulator: one Web PubSub service (hubs, connections, groups, users,
 * the JSON client subprotocols with their reliable variant, the REST API) built on wps.h. The
 * host (emulator/emulator.c over libwebsockets, or a fuzzer) feeds it upgrade requests, frames,
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

/** A webhook request to an event handler (CloudEvents, binary mode), built by the core. */
typedef struct emu_webhook_request {
    const char *method; /* "POST", or "OPTIONS" for the abuse-protection preflight */
    const char *url;    /* http://host[:port]/path?query */
    const wps_http_header *headers;
    size_t header_count;
    const void *body;
    size_t body_len;
} emu_webhook_request;

/** The handler's answer, filled by the host. body and connection_state are malloc'ed (or NULL);
    the core frees them. */
typedef struct emu_webhook_response {
    int status;
    char content_type[128];
    char allowed_origin[256]; /* WebHook-Allowed-Origin (preflight) */
    char *connection_state;   /* ce-connectionState, or NULL */
    char *body;
    size_t body_len;
} emu_webhook_response;

/** What the core asks of its host. Frames passed to send are only valid during the call. */
typedef struct emu_host {
    void *ctx;
    /* send one WebSocket message (text or binary) on the connection's socket */
    void (*send)(void *ctx, emu_conn *c, void *socket, const void *data, size_t len, int is_text);
    /* close the connection's socket with this code and reason */
    void (*close)(void *ctx, emu_conn *c, void *socket, uint16_t code, const char *reason);
    /* one line of log (no newline) */
    void (*log)(void *ctx, const char *line);
    /* performs a webhook request and waits for the answer (NULL: no event handlers). Returns 0
       with *resp filled, or -1 when the handler cannot be reached (resp untouched). */
    int (*webhook)(void *ctx, const emu_webhook_request *req, emu_webhook_response *resp);
    /* this socket no longer speaks for any connection (a recovery replaced it, after close was
       asked): the host must not report it to the core again (NULL: the host never needs it) */
    void (*detach)(void *ctx, void *socket);
} emu_host;

/** One upstream event handler setting, as the service's hub settings have them. */
typedef struct emu_event_handler {
    const char *hub;           /* the hub, or "*" for every hub */
    const char *url_template;  /* http://..., with {hub} and {event} replaced per request */
    const char *user_events;   /* "*" (all), "" (none) or a comma-separated list of event names */
    const char *system_events; /* a comma-separated subset of connect,connected,disconnected */
} emu_event_handler;

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
    const emu_event_handler *event_handlers; /* the first one matching a hub and event is used */
    size_t event_handler_count;
    uint64_t seed;                 /* connection ids and reconnection tokens; 0 = a fixed default */
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
    const wps_http_header *headers; /* every request header (for the connect event's body) */
    size_t header_count;
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
/* the first subprotocol of a Sec-WebSocket-Protocol header that the emulator serves (the JSON
   ones), the one it selects unless a connect handler picks another: 1 with name written, 0 if none */
int emu_served_subprotocol(const char *header, char *name, size_t cap);
/* the socket of an accepted upgrade is open: socket is the host's handle for send/close */
void emu_socket_open(emu *e, emu_conn *c, void *socket, uint64_t now_ms);
void emu_socket_frame(emu *e, emu_conn *c, void *socket, const void *data, size_t len, int is_text, uint64_t now_ms);
/* the client sent a close frame with this code (1005: none): 1000, 1001 and 1005 (a client that
   stops or goes away) end a reliable session at once; other codes, and no close frame at all (a
   dropped socket), leave it waiting for recovery */
void emu_socket_close_code(emu *e, emu_conn *c, void *socket, uint16_t code);
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
/** A network outage for one connection: its recovery attempts are answered 503 for ms
    milliseconds (the client keeps retrying; the session waits). Returns 0 when no such connection. */
int emu_fault_outage(emu *e, const char *connection_id, uint32_t ms);

/** Counters for logs and tests. */
typedef struct emu_stats {
    uint64_t connections, messages_in, messages_out, rest_requests, rejected, webhooks;
} emu_stats;
emu_stats emu_stats_of(const emu *e);

#endif
