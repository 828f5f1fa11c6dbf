/* lws_adapter.h: wps_client over libwebsockets (Debian libwebsockets-dev; TLS through OpenSSL).
 *
 * The adapter owns one lws context (created by the first wps_lws_poll, destroyed by
 * wps_lws_close) with one client protocol, "wps", and at most one connection at a time. A host
 * that already runs its own lws context would move lws_callback() of lws_adapter.c into its
 * protocol list instead; one context per adapter keeps this file small and needs nothing of
 * the host. `wps connect` (tools/wps/connect.c) is built on it.
 *
 *   wps_lws t;
 *   wps_adapter_options o = {url, on_action, user, 0};
 *   lws_set_log_level(LLL_ERR, NULL);     // lws is chatty by default (process-wide setting)
 *   wps_lws_init(&t, client, &o);
 *   wps_client_start(client, now_ms());
 *   for (;;) {
 *       wps_lws_poll(&t, now_ms());           // I/O, client inputs and actions, timers
 *       ... calls on the client ...
 *       wps_lws_wait(&t, now_ms(), 10);       // optional: sleep in lws until there is work
 *   }
 *   wps_lws_close(&t);
 *
 * Re-entry: lws calls its callbacks from inside lws_service. They only move bytes and store
 * (the message reassembled from its fragments, open, close); the client is fed, and its actions
 * run, in wps_lws_poll after lws_service has returned, with the poll's time. Received messages
 * of any size are reassembled in buffers the adapter owns and handed over with
 * wps_client_on_frame_writable (decoded in place beyond the client's max_frame_size).
 *
 * Failures (a URL lws cannot parse, a connection error with lws's reason, the context not
 * created, out of memory) are written to stderr as "NAME: what" (NAME: the tunable `name`);
 * options.trace adds the transport steps.
 */
#ifndef WPS_LWS_ADAPTER_H
#define WPS_LWS_ADAPTER_H

#include "wps_adapter.h"

#include <libwebsockets.h>

#ifdef __cplusplus
extern "C" { /* the adapter .c files are C: compile them with a C compiler */
#endif

typedef struct wps_lws_frame wps_lws_frame; /* one frame to send (private) */

/** One transport around one wps_client. Fields are private except the tunables, which may be
    changed between wps_lws_init and the first wps_lws_poll. The struct must not move after
    wps_lws_init (lws keeps a pointer to it). */
typedef struct wps_lws {
    /* tunables */
    const char *name;              /* "wps_lws": prefix of the failure lines on stderr */
    unsigned close_timeout_s;      /* 2: after WPS_ACTION_CLOSE, lws drops the socket this late */
    size_t max_message;            /* 8 MiB: largest message received (the service's 1 MB messages
                                      are ~1.4 MB frames); a larger one closes the socket (1009) */
    /* private */
    wps_client *client;
    wps_adapter_options opt;
    struct lws_context *ctx;
    struct lws *wsi;
    lws_sorted_usec_list_t sul;    /* wps_lws_wait's alarm */
    uint64_t now;
    int error;
    char *url, *path;              /* the URL being opened, as lws_parse_uri cut it up */
    /* the socket's state, written by the lws callbacks */
    int close_pending, too_big, established; /* established: CLIENT_ESTABLISHED seen for t->wsi */
    uint16_t close_code, peer_code;
    char close_reason[124];
    wps_lws_frame *out_head, *out_tail;
    size_t out_bytes;
    unsigned char *rx;             /* the message being reassembled */
    size_t rx_len, rx_cap;
    wps_adapter_inbox in;          /* open, messages, close: fed by the next poll */
    wps_adapter_tx tx;             /* lent to a client without a transmit buffer of its own */
} wps_lws;

/** Sets t up around the client (no I/O, no allocation). Returns 0, or -1 for a NULL argument. */
int wps_lws_init(wps_lws *t, wps_client *c, const wps_adapter_options *o);
/** Never blocks: creates the lws context on the first call, feeds the client what the socket
    produced (open, open failed, messages, close), runs its actions (OPEN, SEND and CLOSE here;
    EVENT, COMPLETE and, without a url, NEED_URL to on_action), ticks it when a timer is due and
    services the socket once (lws_service without waiting). Returns 0, or -1 when memory ran out
    or the context could not be created (the socket concerned was closed and the client told). */
int wps_lws_poll(wps_lws *t, uint64_t now_ms);
/** Bytes of frames queued for the socket and not yet written. */
int wps_lws_send_pending(const wps_lws *t);
/** Closes the socket at once (no close handshake: stop the client and poll until `stopped` for
    a clean close), destroys the lws context and frees the buffers. A client still connected is
    told (on_close 1006). */
void wps_lws_close(wps_lws *t);

/** Optional, for a loop with nothing else to wait on: sleeps inside lws_service until the
    socket has something, the client's next deadline, or max_ms, whichever comes first (at once
    when input is already waiting). Feeds nothing: call wps_lws_poll next. */
void wps_lws_wait(wps_lws *t, uint64_t now_ms, uint32_t max_ms);

#ifdef __cplusplus
}
#endif
#endif /* WPS_LWS_ADAPTER_H */
