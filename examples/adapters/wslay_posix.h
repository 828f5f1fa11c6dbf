/* wslay_posix.h: wps_client over wslay (Debian libwslay-dev) and a non-blocking POSIX TCP socket.
 *
 * For a single-threaded loop that must never block (a game loop at 60 Hz): every call returns at
 * once. The TCP connect, the HTTP upgrade handshake (written and parsed here, with the
 * Sec-WebSocket-Accept check), reading, writing and the close handshake all advance a little in
 * each wps_wslay_poll, as far as the socket allows.
 *
 *   wps_wslay t;
 *   wps_adapter_options o = {url, on_action, user, 0};
 *   wps_wslay_init(&t, client, &o);
 *   wps_client_start(client, now_ms());
 *   for (;;) {                          // each frame
 *       wps_wslay_poll(&t, now_ms());   // I/O, client inputs and actions, timers
 *       ... wps_client_send_to_group(client, now_ms(), ...) ...
 *       sleep until the next frame
 *   }
 *   wps_wslay_close(&t);
 *
 * Limits, each the host's to lift if it needs to:
 * - ws:// only. wss:// fails the open (on_open_failed(0), a trace line says why): TLS is the
 *   host's job (wrap the fd's reads and writes in the recv/send callbacks with a non-blocking
 *   TLS library; the handshake code here is unchanged).
 * - The host name is resolved with getaddrinfo, which blocks on a DNS lookup; a numeric address
 *   (127.0.0.1, [::1]) never blocks. A loop that must never block with a name resolves it
 *   elsewhere (getaddrinfo_a, a thread) or puts a numeric address in the URL. Only the first
 *   address is tried.
 * - Received messages are limited to max_message bytes (8 MiB: the service's 1 MB messages are
 *   ~1.4 MB frames); a larger one closes the socket with 1009 and the client recovers.
 *
 * Re-entry: wslay calls its callbacks from inside wslay_event_recv/_send. They only store (the
 * received message in a queue, a close code); the client is fed, and its actions run, after
 * wslay has returned. Actions never call back into wslay from a wslay callback.
 */
#ifndef WPS_WSLAY_POSIX_H
#define WPS_WSLAY_POSIX_H

#include "wps_adapter.h"

#ifdef __cplusplus
extern "C" { /* the adapter .c files are C: compile them with a C compiler */
#endif

struct wslay_event_context;

/** One transport around one wps_client. Fields are private except the tunables, which may be
    changed between wps_wslay_init and the first wps_wslay_poll. */
typedef struct wps_wslay {
    /* tunables */
    uint32_t open_timeout_ms;  /* 10000: TCP connect + upgrade handshake, else on_open_failed(0) */
    uint32_t close_timeout_ms; /* 2000: wait this long for the peer's close frame after ours */
    uint64_t max_message;      /* 8 MiB: largest message received */
    /* private */
    wps_client *client;
    wps_adapter_options opt;
    uint64_t now, deadline;
    int fd, phase, error;
    struct wslay_event_context *ws;
    char *req;                 /* the upgrade request */
    size_t req_len, req_off;
    char resp[8192];           /* the upgrade response, then the first WebSocket bytes after it */
    size_t resp_len, resp_off, resp_end;
    size_t read_this_poll;     /* bytes read in this poll (a budget keeps each poll short) */
    char accept[29];           /* the expected Sec-WebSocket-Accept */
    char subprotocol[64];
    uint64_t rng;
    /* inputs for the client, fed after wslay returns */
    int want_url, eof, closing, close_received;
    uint16_t close_code;
    wps_adapter_inbox in;      /* open, messages, close (the peer's close reason is kept there) */
    wps_adapter_tx tx;         /* lent to a client without a transmit buffer of its own */
} wps_wslay;

/** Sets t up around the client (no I/O). Returns 0, or -1 for a NULL argument. */
int wps_wslay_init(wps_wslay *t, wps_client *c, const wps_adapter_options *o);
/** Never blocks: advances the connect and handshake, reads and writes what the socket allows,
    feeds the client (open, open failed, messages, close), runs its actions (OPEN, SEND and CLOSE
    here; EVENT, COMPLETE and, without a url, NEED_URL to on_action) and ticks it when a timer is
    due. Returns 0, or -1 when memory ran out (that socket was closed and reported as 1006). */
int wps_wslay_poll(wps_wslay *t, uint64_t now_ms);
/** Bytes queued for the socket and not yet written (the handshake request, WebSocket frames). */
int wps_wslay_send_pending(const wps_wslay *t);
/** Closes the socket at once (no close handshake: stop the client and poll until `stopped` for
    a clean close) and frees the buffers. A client still connected is told (on_close 1006). */
void wps_wslay_close(wps_wslay *t);

#ifdef __cplusplus
}
#endif
#endif /* WPS_WSLAY_POSIX_H */
