/* lws_adapter.c: wps_client over libwebsockets (see lws_adapter.h).
 *
 * Build: cc -std=c99 -D_POSIX_C_SOURCE=200809L app.c lws_adapter.c -lwebsockets, with wps.h's
 * implementation (WPS_IMPLEMENTATION) in one file of the program.
 *
 * Host inputs, and where each comes from here:
 *   WPS_ACTION_NEED_URL -> wps_client_set_url(options.url), or to on_action when url is NULL
 *   WPS_ACTION_OPEN     -> lws_parse_uri, lws_client_connect_via_info (protocol = the subprotocol,
 *                          LCCSCF_USE_SSL for wss://)
 *   LWS_CALLBACK_CLIENT_ESTABLISHED      -> wps_client_on_open
 *   LWS_CALLBACK_CLIENT_CONNECTION_ERROR -> wps_client_on_open_failed(the refused upgrade's
 *                          HTTP status, lws_http_client_http_response, else 0; also 0 when
 *                          lws_client_connect_via_info fails at once)
 *   LWS_CALLBACK_WSI_DESTROY of the current socket, with neither of those nor CLIENT_CLOSED
 *                          before it (lws 4.1's upgrade timeout) -> wps_client_on_open_failed(0),
 *                          or wps_client_on_close(1006) after CLIENT_ESTABLISHED
 *   LWS_CALLBACK_CLIENT_RECEIVE -> fragments joined until lws_is_final_fragment and no
 *                          lws_remaining_packet_payload, then wps_client_on_frame_writable
 *   WPS_ACTION_SEND     -> queued (copied, LWS_PRE headroom); lws_callback_on_writable; one
 *                          lws_write per LWS_CALLBACK_CLIENT_WRITEABLE
 *   WPS_ACTION_CLOSE    -> after the queued frames: lws_close_reason(code, reason) and -1 from
 *                          CLIENT_WRITEABLE; lws_set_timeout(PENDING_TIMEOUT_CLOSE_SEND) also
 *                          ends a socket still connecting
 *   LWS_CALLBACK_WS_PEER_INITIATED_CLOSE gives the peer's code and reason;
 *   LWS_CALLBACK_CLIENT_CLOSED -> wps_client_on_close(the peer's code, else ours after a
 *                          CLOSE, else 1006)
 *   time                -> wps_client_tick when wps_client_next_deadline is due, at each poll
 */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif
#include "lws_adapter.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct wps_lws_frame {
    wps_lws_frame *next;
    size_t len;
    int is_text;
    unsigned char out[]; /* LWS_PRE bytes of headroom, then the frame */
};

static void say(const wps_lws *t, int always, const char *fmt, ...) {
    va_list ap;
    if (!always && !t->opt.trace) return;
    va_start(ap, fmt);
    fprintf(stderr, "%s: ", t->name);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

static void free_out(wps_lws *t) {
    while (t->out_head) {
        wps_lws_frame *f = t->out_head;
        t->out_head = f->next;
        free(f);
    }
    t->out_tail = NULL;
    t->out_bytes = 0;
}

/* ---- the lws callback: it only moves bytes and stores; the client is fed in wps_lws_poll ---- */

static int receive(wps_lws *t, struct lws *wsi, const void *in, size_t len) {
    if (t->rx_len + len > t->max_message) {
        static const char why[] = "message too big";
        say(t, 1, "a message of more than %lu bytes: closing (1009)", (unsigned long)t->max_message);
        lws_close_reason(wsi, LWS_CLOSE_STATUS_MESSAGE_TOO_LARGE, (unsigned char *)why, sizeof why - 1);
        t->too_big = 1;
        return -1;
    }
    if (t->rx_len + len + 1 > t->rx_cap) {
        size_t cap = (t->rx_len + len + 1) * 2;
        unsigned char *p = (unsigned char *)realloc(t->rx, cap);
        if (!p) {
            t->error = -1;
            return -1; /* the message is lost: the socket closes (1006) and the client recovers */
        }
        t->rx = p;
        t->rx_cap = cap;
    }
    if (len) memcpy(t->rx + t->rx_len, in, len);
    t->rx_len += len;
    if (lws_is_final_fragment(wsi) && !lws_remaining_packet_payload(wsi)) { /* whole: the buffer moves to the inbox */
        int st = wps_adapter_push(&t->in, t->rx, t->rx_len, !lws_frame_is_binary(wsi));
        t->rx = NULL;
        t->rx_len = t->rx_cap = 0;
        if (st < 0) {
            t->error = -1;
            return -1;
        }
    }
    return 0;
}

static int write_next(wps_lws *t, struct lws *wsi) {
    if (t->out_head) {
        wps_lws_frame *f = t->out_head;
        size_t len = f->len;
        int n;
        t->out_head = f->next;
        if (!t->out_head) t->out_tail = NULL;
        t->out_bytes -= len;
        n = lws_write(wsi, f->out + LWS_PRE, len, f->is_text ? LWS_WRITE_TEXT : LWS_WRITE_BINARY);
        free(f);
        if (n < 0 || (size_t)n < len) return -1;
        if (t->out_head || t->close_pending) lws_callback_on_writable(wsi);
        return 0;
    }
    if (t->close_pending) {
        lws_close_reason(wsi, (enum lws_close_status)t->close_code, (unsigned char *)t->close_reason, strlen(t->close_reason));
        return -1;
    }
    return 0;
}

static int lws_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in, size_t len) {
    struct lws_context *ctx = lws_get_context(wsi);
    wps_lws *t = ctx ? (wps_lws *)lws_context_user(ctx) : NULL;
    if (!t || !t->ctx || (wsi != t->wsi && reason != LWS_CALLBACK_CLIENT_CONNECTION_ERROR)) return lws_callback_http_dummy(wsi, reason, user, in, len);
    switch (reason) {
    case LWS_CALLBACK_CLIENT_ESTABLISHED:
        say(t, 0, "open");
        t->in.open = 1;
        t->established = 1;
        break;
    case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
        if (wsi == t->wsi || !t->wsi) {
            unsigned status = wsi ? lws_http_client_http_response(wsi) : 0;
            say(t, 1, "connection error: %s", in ? (const char *)in : "");
            t->wsi = NULL;
            t->in.open = 2;
            t->in.code = (uint16_t)(status >= 300 && status <= 599 ? status : 0); /* a refused upgrade's HTTP status */
        }
        break;
    case LWS_CALLBACK_WSI_DESTROY:
        /* still ours: lws ended the socket without CONNECTION_ERROR or CLIENT_CLOSED, as
           libwebsockets 4.1 does when its upgrade timeout (about 5 s) fires ("TIMEDOUT WAITING
           on 4"); without this the client would wait for that open forever, and t->wsi would
           point at freed memory */
        say(t, 1, "the socket ended without a close: %s", t->established ? "closed (1006)" : "the open failed");
        t->wsi = NULL;
        free_out(t);
        if (t->established) {
            t->in.closed = 1;
            t->in.code = t->close_pending ? t->close_code : 1006;
        } else {
            t->in.open = 2;
            t->in.code = 0;
        }
        break;
    case LWS_CALLBACK_CLIENT_RECEIVE: return receive(t, wsi, in, len);
    case LWS_CALLBACK_CLIENT_WRITEABLE: return write_next(t, wsi);
    case LWS_CALLBACK_WS_PEER_INITIATED_CLOSE:
        if (len >= 2) {
            size_t n = len - 2 < sizeof t->in.reason ? len - 2 : sizeof t->in.reason;
            t->peer_code = (uint16_t)(((const unsigned char *)in)[0] << 8 | ((const unsigned char *)in)[1]);
            memcpy(t->in.reason, (const unsigned char *)in + 2, n);
            t->in.reason_len = n;
        }
        break;
    case LWS_CALLBACK_CLIENT_CLOSED:
        t->wsi = NULL;
        t->established = 0;
        free_out(t);
        t->in.closed = 1;
        t->in.code = t->peer_code ? t->peer_code : t->close_pending ? t->close_code : t->too_big ? 1009 : 1006;
        say(t, 0, "socket closed (%u)", (unsigned)t->in.code);
        break;
    default: break;
    }
    return 0;
}

/* ---- the client's actions ---- */

static void open_socket(wps_lws *t, wps_slice url, const char *subprotocol) {
    struct lws_client_connect_info ci;
    const char *prot, *addr, *path;
    int port;
    free(t->url);
    free(t->path);
    t->url = (char *)malloc(url.len + 1);
    t->path = (char *)malloc(url.len + 2);
    t->rx_len = 0;
    t->close_pending = t->too_big = t->established = 0;
    t->peer_code = 0;
    t->in.reason_len = 0;
    t->in.code = 0;
    free_out(t);
    if (!t->url || !t->path) {
        say(t, 1, "out of memory");
        t->error = -1;
        t->in.open = 2;
        return;
    }
    memcpy(t->url, url.ptr, url.len);
    t->url[url.len] = 0;
    if (lws_parse_uri(t->url, &prot, &addr, &port, &path)) {
        say(t, 1, "cannot parse the URL");
        t->in.open = 2;
        return;
    }
    snprintf(t->path, url.len + 2, "/%s", path);
    memset(&ci, 0, sizeof ci);
    ci.context = t->ctx;
    ci.address = addr;
    ci.port = port;
    ci.path = t->path;
    ci.host = addr;
    ci.origin = addr;
    ci.protocol = subprotocol;
    ci.local_protocol_name = "wps";
    ci.pwsi = &t->wsi;
    if (!strcmp(prot, "wss") || !strcmp(prot, "https")) ci.ssl_connection = LCCSCF_USE_SSL;
    say(t, 0, "connecting to %s port %d", addr, port);
    if (!lws_client_connect_via_info(&ci)) {
        t->wsi = NULL;
        t->in.open = 2;
    }
}

static void act(wps_lws *t, const wps_action *a) {
    switch (a->kind) {
    case WPS_ACTION_NEED_URL: wps_adapter_need_url(&t->opt, t->client, t->now, a); break;
    case WPS_ACTION_OPEN: open_socket(t, a->url, a->subprotocol); break;
    case WPS_ACTION_SEND: {
        wps_lws_frame *f;
        if (!t->wsi || t->close_pending) break; /* the socket is gone: the client sends the call again after the recovery */
        f = (wps_lws_frame *)malloc(sizeof *f + LWS_PRE + a->frame.len);
        if (!f) {
            say(t, 1, "out of memory");
            t->error = -1;
            lws_set_timeout(t->wsi, PENDING_TIMEOUT_CLOSE_SEND, LWS_TO_KILL_ASYNC); /* closed (1006): the client recovers */
            break;
        }
        f->len = a->frame.len;
        f->next = NULL;
        f->is_text = a->is_text;
        memcpy(f->out + LWS_PRE, a->frame.ptr, a->frame.len);
        if (t->out_tail) t->out_tail->next = f;
        else t->out_head = f;
        t->out_tail = f;
        t->out_bytes += f->len;
        lws_callback_on_writable(t->wsi);
        break;
    }
    case WPS_ACTION_CLOSE:
        t->close_pending = 1;
        t->close_code = a->close_code;
        snprintf(t->close_reason, sizeof t->close_reason, "%.*s", (int)a->close_reason.len, a->close_reason.ptr ? a->close_reason.ptr : "");
        say(t, 0, "closing (%u)", (unsigned)a->close_code);
        if (t->wsi) {
            lws_callback_on_writable(t->wsi);
            lws_set_timeout(t->wsi, PENDING_TIMEOUT_CLOSE_SEND, (int)t->close_timeout_s);
        }
        break;
    default: wps_adapter_forward(&t->opt, a); break; /* EVENT and COMPLETE */
    }
}

/* Runs the client's actions and feeds it what the socket produced, one input at a time, until
   neither is left. Order: open, then the messages received, then close. A message stays
   allocated until the actions about it are polled (they point into it). */
static void pump(wps_lws *t) {
    for (;;) {
        wps_action a;
        wps_status st;
        while (wps_adapter_take(t->client, &a, &t->tx)) act(t, &a);
        if (!wps_adapter_feed(&t->in, t->client, t->now, &st)) break;
        if (st != WPS_OK) say(t, 0, "an input was refused: %s", wps_status_name(st));
    }
}

/* ---- the adapter shape ---- */

int wps_lws_init(wps_lws *t, wps_client *c, const wps_adapter_options *o) {
    if (!t || !c || !o) return -1;
    memset(t, 0, sizeof *t);
    t->client = c;
    t->opt = *o;
    t->name = "wps_lws";
    t->close_timeout_s = 2;
    t->max_message = 8u << 20;
    return 0;
}

static const struct lws_protocols protocols[] = {{"wps", lws_callback, 0, 65536, 0, NULL, 0}, {NULL, NULL, 0, 0, 0, NULL, 0}};

int wps_lws_poll(wps_lws *t, uint64_t now_ms) {
    int error;
    t->now = now_ms;
    if (!t->ctx) {
        struct lws_context_creation_info info;
        memset(&info, 0, sizeof info);
        info.port = CONTEXT_PORT_NO_LISTEN;
        info.protocols = protocols;
        info.options = LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
        info.user = t;
        t->ctx = lws_create_context(&info);
        if (!t->ctx) {
            say(t, 1, "lws_create_context failed");
            return -1;
        }
    }
    if (wps_client_next_deadline(t->client) <= now_ms) wps_client_tick(t->client, now_ms);
    pump(t);
    lws_service(t->ctx, -1); /* -1: handle what is ready, never wait */
    pump(t);
    error = t->error; /* also what the callbacks met in wps_lws_wait */
    t->error = 0;
    return error;
}

int wps_lws_send_pending(const wps_lws *t) { return t->out_bytes > 0x7fffffff ? 0x7fffffff : (int)t->out_bytes; }

static void wake(lws_sorted_usec_list_t *sul) { (void)sul; }

void wps_lws_wait(wps_lws *t, uint64_t now_ms, uint32_t max_ms) {
    uint64_t deadline = wps_client_next_deadline(t->client), ms = max_ms;
    if (!t->ctx || wps_adapter_pending(&t->in) || deadline <= now_ms) return;
    if (deadline - now_ms < ms) ms = deadline - now_ms;
    if (!ms) return;
    lws_sul_schedule(t->ctx, 0, &t->sul, wake, (lws_usec_t)ms * LWS_US_PER_MS);
    lws_service(t->ctx, 0); /* returns after the socket's events or the alarm */
    lws_sul_cancel(&t->sul);
}

void wps_lws_close(wps_lws *t) {
    int had_socket = t->wsi != NULL;
    struct lws_context *ctx = t->ctx;
    t->ctx = NULL; /* the callbacks of the context's teardown are ignored */
    t->wsi = NULL;
    if (ctx) lws_context_destroy(ctx);
    free_out(t);
    wps_adapter_clear(&t->in);
    free(t->rx);
    free(t->url);
    free(t->path);
    wps_adapter_tx_free(&t->tx);
    t->rx = NULL;
    t->url = t->path = NULL;
    t->rx_len = t->rx_cap = 0;
    if (had_socket) wps_client_on_close(t->client, t->now, 1006, NULL, 0);
}
