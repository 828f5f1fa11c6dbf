/* wps_adapter.h: the shape every transport adapter in examples/adapters/ shares.
 *
 * An adapter is one small file that wires one wps_client (wps.h, sans-I/O) to one WebSocket
 * library. Each adapter PREFIX (wps_wslay_, wps_lws_, wps_esp_, ...) defines its own struct and
 * these four functions around it:
 *
 *   typedef struct PREFIX PREFIX;                      one transport around one wps_client
 *   int  PREFIX_init(PREFIX *t, wps_client *c, const wps_adapter_options *o);   no I/O;
 *                                                      0, or -1 for a bad argument
 *   int  PREFIX_poll(PREFIX *t, uint64_t now_ms);      never blocks: advances the connect and
 *                                                      handshake, reads and writes what the
 *                                                      socket allows, feeds the client, runs its
 *                                                      actions, ticks it; 0, or < 0 when the
 *                                                      adapter ran out of memory (the socket
 *                                                      concerned was closed and the client told)
 *                                                      (esp_websocket_client has only blocking
 *                                                      sends and closes: wps_esp_websocket.h
 *                                                      says where its poll waits)
 *   int  PREFIX_send_pending(const PREFIX *t);         bytes queued for the socket
 *   void PREFIX_close(PREFIX *t);                      closes the socket, frees buffers
 *
 * The application makes calls on the wps_client directly (wps_client_start, _join_group,
 * _send_to_group, _stop, ...) and calls PREFIX_poll often (every frame of a game loop, or when
 * the socket is ready); the adapter runs OPEN, SEND and CLOSE itself and hands EVENT and
 * COMPLETE actions (and NEED_URL when no url is configured) to on_action. Pointers in the action
 * are valid during the callback, until it makes a call on the client. on_action may make calls
 * on the client (the adapter runs the actions they cause); it must not call PREFIX_poll or
 * PREFIX_close.
 */
#ifndef WPS_ADAPTER_H
#define WPS_ADAPTER_H

#include "../../wps.h" /* adjust the path when copying the adapters */

#include <stdlib.h>
#include <string.h>

/** Called with each EVENT and COMPLETE action (and NEED_URL when options.url is NULL: answer it
    with wps_client_set_url or wps_client_url_failed, at once or later). */
typedef void (*wps_adapter_on_action)(void *user, const wps_action *a);

/** Adapter options; copied by PREFIX_init (url is kept as a pointer: it must outlive the adapter). */
typedef struct wps_adapter_options {
    const char *url;                 /* client access URL, or NULL: NEED_URL goes to on_action */
    wps_adapter_on_action on_action; /* may be NULL: events and completions are then dropped */
    void *user;                      /* passed to on_action */
    int trace;                       /* nonzero: the adapter logs its transport steps to stderr */
} wps_adapter_options;

/** Hands an action to options.on_action, if any. */
static inline void wps_adapter_forward(const wps_adapter_options *o, const wps_action *a) {
    if (o->on_action) o->on_action(o->user, a);
}

/** WPS_ACTION_NEED_URL: answered at once with options.url, else handed to on_action. */
static inline void wps_adapter_need_url(const wps_adapter_options *o, wps_client *c, uint64_t now_ms, const wps_action *a) {
    if (o->url) wps_client_set_url(c, now_ms, o->url, strlen(o->url));
    else wps_adapter_forward(o, a);
}

/** The transmit buffer an adapter lends a client that has none of its own
    (host_transmit_buffer, as in wps_client_config_embedded); allocated on first need. */
typedef struct wps_adapter_tx {
    char *buf;
    size_t cap;
} wps_adapter_tx;

/** Takes the client's next action (wps_client_poll_into). A client without a transmit buffer
    says the size it needs (WPS_ERR_BUFFER_TOO_SMALL, needed): the buffer is allocated then, and
    the action taken. Its frame or URL is valid until the next take. false: nothing to do (or
    out of memory: the action stays queued). */
static inline int wps_adapter_take(wps_client *c, wps_action *a, wps_adapter_tx *tx) {
    for (;;) {
        char *b;
        if (wps_client_poll_into(c, a, tx->buf, tx->cap)) return 1;
        if (a->status != WPS_ERR_BUFFER_TOO_SMALL || a->needed <= tx->cap) return 0;
        b = (char *)realloc(tx->buf, a->needed);
        if (!b) return 0;
        tx->buf = b;
        tx->cap = a->needed;
    }
}

static inline void wps_adapter_tx_free(wps_adapter_tx *tx) {
    free(tx->buf);
    tx->buf = NULL;
    tx->cap = 0;
}

/* ---- shared by the adapters: what a socket produced, fed to the client in order ----
   A transport's callbacks (or, on ESP-IDF, the loop draining the websocket task's queue) store
   into an inbox; the adapter's poll feeds it to the client one input at a time, polling the
   client's actions in between: the open (or its failure), then the messages, then the close.
   Feeding never happens inside the transport's callbacks. */

/** One received message waiting for the client. */
typedef struct wps_adapter_msg {
    struct wps_adapter_msg *next;
    unsigned char *data; /* malloc'd, owned by the inbox; the client's decoder rewrites it in place */
    size_t len;
    int is_text;
} wps_adapter_msg;

typedef struct wps_adapter_inbox {
    int open;          /* 1: wps_client_on_open; 2: wps_client_on_open_failed(code) */
    int closed;        /* wps_client_on_close(code, reason), after the messages */
    uint16_t code;
    char reason[123];  /* the peer's close reason (a close frame carries at most 123 bytes) */
    size_t reason_len;
    wps_adapter_msg *head, *tail;
    wps_adapter_msg *fed; /* the message fed last: the actions about it point into it */
} wps_adapter_inbox;

/** Queues a message; the inbox takes data (malloc'd). Returns 0, or -1 when out of memory (data
    is freed: the message is lost, so the caller drops the socket and the client recovers). */
static inline int wps_adapter_push(wps_adapter_inbox *in, unsigned char *data, size_t len, int is_text) {
    wps_adapter_msg *m = (wps_adapter_msg *)malloc(sizeof *m);
    if (!m) {
        free(data);
        return -1;
    }
    m->next = NULL;
    m->data = data;
    m->len = len;
    m->is_text = is_text;
    if (in->tail) in->tail->next = m;
    else in->head = m;
    in->tail = m;
    return 0;
}

/** Nonzero when an input waits to be fed. */
static inline int wps_adapter_pending(const wps_adapter_inbox *in) { return in->open || in->head || in->closed; }

static inline void wps_adapter_free_msg(wps_adapter_msg *m) {
    if (m) free(m->data);
    free(m);
}

/** Feeds the next input to the client (call it after polling every action: the message fed
    before is freed here). Returns 0 when nothing was left; else 1, with *st the client's answer. */
static inline int wps_adapter_feed(wps_adapter_inbox *in, wps_client *c, uint64_t now_ms, wps_status *st) {
    wps_adapter_free_msg(in->fed);
    in->fed = NULL;
    if (in->open) {
        int ok = in->open == 1;
        in->open = 0;
        *st = ok ? wps_client_on_open(c, now_ms) : wps_client_on_open_failed(c, now_ms, in->code);
    } else if (in->head) {
        wps_adapter_msg *m = in->head;
        in->head = m->next;
        if (!in->head) in->tail = NULL;
        in->fed = m;
        *st = wps_client_on_frame_writable(c, now_ms, m->data, m->len, m->is_text != 0);
    } else if (in->closed) {
        in->closed = 0;
        *st = wps_client_on_close(c, now_ms, in->code, in->reason, in->reason_len);
        in->reason_len = 0;
    } else {
        return 0;
    }
    return 1;
}

/** Frees the queued messages and forgets the pending inputs. */
static inline void wps_adapter_clear(wps_adapter_inbox *in) {
    while (in->head) {
        wps_adapter_msg *m = in->head;
        in->head = m->next;
        wps_adapter_free_msg(m);
    }
    in->tail = NULL;
    wps_adapter_free_msg(in->fed);
    in->fed = NULL;
    in->open = in->closed = 0;
    in->reason_len = 0;
}

#endif /* WPS_ADAPTER_H */
