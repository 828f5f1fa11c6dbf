/* libFuzzer target: the I/O-free core of wps-emulator (emulator/emulator_core.c) driven by a host
 * model, as emulator/emulator.c drives it over libwebsockets.
 *
 * The input is a script, one operation per line (the first byte names it, fields are split on
 * '|', the last field of a line takes the rest of it):
 *   k hub|user|roles|groups|minutes|flags  mint a client token into slot n%8 (wps_client_access_token;
 *                                          flags: s = SignalR token, m = MQTT, x = bad signature)
 *   j claims                               sign any claims JSON with the access key into a slot
 *   H hub|url template|user events|system events   (leading lines only) an event handler; with
 *                                          one, the host answers webhooks (else host.webhook is NULL)
 *   Y hub                                  (leading lines only) a hub served (none: any hub)
 *   u target|subprotocols|authorization|headers  a WebSocket upgrade (a missing field is NULL;
 *                                          headers "name:value" separated by tabs)
 *   o N / a N                              socket N opened / upgrade N abandoned
 *   c N|code                               socket N closed (with the client's close code, if any)
 *   w status|ctype|connectionState|body    the answer to the next webhook POST (status x: unreachable)
 *   W status|allowed origin                the answer to the next abuse-protection OPTIONS
 *   t N|text  b N|bytes                    a text / binary frame on socket N
 *   T N|count|prefix|repeated|suffix       a large text frame (prefix + count x repeated + suffix)
 *   L N <len byte> <len raw bytes>         a frame of arbitrary bytes (newlines too)
 *   i ms                                   time advances by ms, then a tick
 *   d N / D N / d|id                       fault drop / close1008 of socket N's connection (or an id)
 *   O N|ms / O|id|ms                       fault outage: recoveries of that connection get 503 for ms
 *   f flags                                faults: r = refuse recovery, a = fail acks, digits = ack delay ms
 *   r method|target|host|auth|ctype|body   a REST request as received
 *   s Operation|hub|group|user|conn|perm|targetName|filter|reason|ctype|excluded|roles|groups|
 *     minutes|top|maxpagesize|continuation|body   a REST request built by wps_rest_build
 *   n                                      GET the last nextLink of ListConnectionsInGroup
 * In the fields of u, r, s and d: $kN is token slot N, $iN / $rN the connection id /
 * reconnection token socket N got in its `connected` message, $$ a '$'; in the auth field of r
 * and n, $a is a valid "Bearer" REST token whose aud is the endpoint + the target, $A the same
 * without the query. Every string reaches the core as an exact-size heap copy.
 *
 * The host model behaves like a real host: frames and closes only for sockets it opened and has
 * not reported closed, every opened socket reported closed once, at the end everything freed.
 * Invariants checked:
 *   - an upgrade answers 101 with a connection and a subprotocol that was offered (or ""): a
 *     JSON one, or any one a connect handler chose; or 4xx/5xx with a non-empty reason and no
 *     connection; no token at all is never 101;
 *   - sends and closes happen only on sockets that are open (opened, not reported closed, not
 *     detached; a detach only after a close); nothing
 *     is sent on a socket after the host close callback was called for it with a close code
 *     (code 0, an abrupt drop, leaves the session open until the host reports the socket gone);
 *     a second close only after an abrupt one; close codes are 0 or 1000..4999;
 *   - every frame sent decodes with wps.h's codec for the selected subprotocol (downstream), as
 *     a text frame for JSON, and the sequenceIds on one socket strictly increase; text frames are
 *     UTF-8; a data message sent for a REST request has no fromUserId, and is a group message
 *     naming the path's group for SendToGroup (as the service delivers it), a server message else;
 *   - REST responses have a status in 100..599, body_len == strlen(body) (0 without body), an
 *     error code only with a status >= 400 and a body that parses as an ErrorDetail with that
 *     code; no 2xx but the health check without a Bearer token; a generated token verifies with
 *     the access key and names the hub; a group member page parses;
 *   - webhooks: OPTIONS carries WebHook-Request-Origin; a POST passes wps_webhook_accept (signed
 *     with the access key, origin 127.0.0.1) and its body parses for connect / disconnected; per
 *     connection id, connect comes first, connected once, nothing after disconnected; a connect
 *     the handler refused (or could not be reached) refuses the upgrade with its status (or 500);
 *   - the stats agree with what the host saw (upgrades refused, REST requests, messages sent,
 *     webhooks posted).
 */
#define WPS_IMPLEMENTATION
#include "../emulator/emulator_core.c"
#include "fuzz_common.h"

/* Bugs this target found in emulator_core.c (and wps.h), all fixed by 09c7041. Built with
   -DFZ_AVOID_KNOWN_BUGS=1, the target steps around them ("Avoided"), or leaves out ("Not checked")
   or tolerates the invariant they break, to fuzz an older revision without stopping at the first
   one; the default checks everything:
   1. When a recovery moves a session to a new socket while an older socket of it is still open, the
      host still holds the session's emu_conn for the old socket; if the session is then freed
      (recovery window expired, or closed and ticked) before the host reports the old socket
      closed, emu_socket_closed reads freed memory (host.detach in c788354 fixed the replaced OPEN
      session, 09c7041 the session CLOSING meanwhile, see 2). Avoided: an old socket of the session
      that is not detached is reported closed right after the recovery opens (a prompt host).
   2. A session the service closed (REST close, close1008, invalid message, full queue) comes back
      when a recovery upgrade accepted before the close opens after it. Not checked: the invariant
      "a connection id closed with a code never gets `connected` again" is compiled out.
   3. A reliable message whose encoding fails (text/plain REST body that is not UTF-8) still takes a
      sequenceId: the next one skips it. Not checked: "sequenceIds on a socket are contiguous".
   4. JSON the core writes (sb_jstr) copies bytes >= 0x80 as they are: a query, header, Host or
      reason that is not UTF-8 makes a connect / disconnected event body or a nextLink page that is
      not UTF-8. Tolerated: a parse failing with WPS_ERR_UTF8 there.
   5. Close reasons are passed as they come (a REST `reason` query): neither cut to the 123 bytes a
      close frame holds nor checked for UTF-8. Not checked: "a close reason is UTF-8, <= 123 bytes".
   6. A simple WebSocket client gets text/plain and JSON payloads (REST sends, a handler's answer) as
      text frames whether or not they are UTF-8. Tolerated for simple clients: "text frames are UTF-8".
   7. A connect handler answering status 0 (emulator/emulator.c's atoi of a malformed status line)
      is taken for "no handler": the connection is accepted and the answer's body and
      connectionState leak. Avoided: the fake handler answers 502 instead of 0.
   8. wild() (webpubsub.*Groups.<pattern> roles) backtracks exponentially: a role with a few '**'
      and a long group name from the client take minutes. Avoided: after the H lines, the script
      keeps its first two '*' (also spelled %2A or \u002a), the others become '#'; T frames stop
      at 16 KB.
   9. A REST send with Content-Type application/json and no body (body NULL) skips the JSON check
      and delivers data {NULL, 0}; wps_encode's wps__check_json then computes NULL + 0 (UBSan:
      "applying zero offset to null pointer"). Avoided: REST bodies are never NULL. */
#ifndef FZ_AVOID_KNOWN_BUGS
#define FZ_AVOID_KNOWN_BUGS 0
#endif
#define FZ_UTF8_OK(st) (FZ_AVOID_KNOWN_BUGS && (st) == WPS_ERR_UTF8)


#define FZ_CSTR "Endpoint=http://127.0.0.1;Port=8080;AccessKey=ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789ABCDEFGH;Version=1.0;"
#define FZ_KEY "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789ABCDEFGH"
#define FZ_ENDPOINT "http://127.0.0.1:8080"
#define FZ_HOST "127.0.0.1:8080"
#define FZ_SOCKETS 24
#define FZ_TOKENS 8
#define FZ_FIELDS 18
#define FZ_MAX_FRAME (FZ_AVOID_KNOWN_BUGS ? 16u * 1024u : 256u * 1024u)
#define FZ_HANDLERS 4
#define FZ_REPLIES 8
#define FZ_EVENT_IDS 64

enum { FZ_FREE, FZ_PENDING, FZ_OPEN, FZ_GONE };

typedef struct fz_sock {
    int state;
    emu_conn *conn;          /* what the host keeps for the socket: the conn of its upgrade */
    int protocol;            /* -1: a simple WebSocket client */
    int close_called;        /* the core called close for it */
    int detached;            /* the core detached it: no longer reported to the core */
    uint16_t close_code;     /* the first close code */
    uint64_t last_seq;
    char id[64], rtoken[64]; /* from the connected message */
} fz_sock;

/* a canned answer of the event handler */
typedef struct fz_reply {
    int unreachable, status;
    char ctype[128], origin[256];
    char *state; /* NULL: no ce-connectionState */
    char *body;
    size_t body_len;
} fz_reply;

typedef struct fz_queue {
    fz_reply r[FZ_REPLIES];
    unsigned head, n;
} fz_queue;

/* the events a connection id got */
typedef struct fz_events {
    char id[64];
    int connect, connected, disconnected;
} fz_events;

typedef struct fz_state {
    emu *e;
    uint64_t now;
    fz_sock socks[FZ_SOCKETS];
    char *tokens[FZ_TOKENS];
    unsigned ntok;
    char *next_link; /* the path and query of the last nextLink */
    const fz_sock *opening; /* the socket in emu_socket_open */
    char ended[16][64];      /* connection ids whose session the core closed with a code */
    unsigned nended;
    char *hubs[FZ_HANDLERS];
    size_t nhubs;
    emu_event_handler handlers[FZ_HANDLERS];
    char *handler_text[FZ_HANDLERS][4];
    size_t nhandlers;
    fz_queue posts, options;
    fz_events events[FZ_EVENT_IDS];
    size_t nevents;
    uint64_t webhooks;
    int connect_status; /* the answer to the last connect event: 0 none, -1 unreachable */
    uint64_t sends, rejected, rest;
    int in_rest;      /* inside emu_rest: what is sent comes from this REST request */
    char *rest_group; /* ... and the group when it is a SendToGroup, else NULL */
    wps_connection_string cs;
} fz_state;

static fz_state S;
static int fz_trace = -1; /* FZ_TRACE=1 in the environment: print what the core logs and sends */

/* ------------------------------------------------------------------ small helpers */

/* the core's own helpers (this file includes emulator_core.c): xrealloc aborts on failure */
#define fz_alloc(n) xrealloc(NULL, (n))
#define fz_strndup xstrndup
typedef sbuf fz_buf;
#define fz_put sb_put
#define fz_puts sb_str

/* the index of a socket handle, -1 for a pointer that is not one of ours */
static int fz_sock_index(const void *socket) {
    uintptr_t p = (uintptr_t)socket, base = (uintptr_t)S.socks;
    if (p < base || p >= base + sizeof S.socks || (p - base) % sizeof S.socks[0]) return -1;
    return (int)((p - base) / sizeof S.socks[0]);
}

static uint64_t fz_num(const char *s, size_t n, uint64_t max) {
    uint64_t v = 0;
    size_t i;
    for (i = 0; i < n && s[i] >= '0' && s[i] <= '9'; i++) {
        v = v * 10 + (uint64_t)(s[i] - '0');
        if (v > max) return max;
    }
    return v;
}

static int fz_digit(const char *s, size_t n) { return n && s[0] >= '0' && s[0] <= '9' ? s[0] - '0' : -1; }

/* strict UTF-8 (no overlongs, no surrogates, at most U+10FFFF) */
static int fz_utf8(const char *p, size_t n) {
    const unsigned char *s = (const unsigned char *)p;
    size_t i = 0;
    while (i < n) {
        unsigned c = s[i], need, cp, k;
        if (c < 0x80) {
            i++;
            continue;
        }
        if (c >= 0xC2 && c <= 0xDF) need = 1, cp = c & 0x1F;
        else if (c >= 0xE0 && c <= 0xEF) need = 2, cp = c & 0x0F;
        else if (c >= 0xF0 && c <= 0xF4) need = 3, cp = c & 0x07;
        else return 0;
        if (n - i <= need) return 0;
        for (k = 1; k <= need; k++) {
            if ((s[i + k] & 0xC0) != 0x80) return 0;
            cp = cp << 6 | (s[i + k] & 0x3Fu);
        }
        if ((need == 2 && cp < 0x800) || (need == 3 && (cp < 0x10000 || cp > 0x10FFFF)) || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
        i += need + 1;
    }
    return 1;
}

/* ------------------------------------------------------------------ tokens */

/* An HS256 JWT over any claims text, signed with the access key. */
static char *fz_sign(const char *claims, size_t n) {
    static const char header[] = "{\"alg\":\"HS256\",\"typ\":\"JWT\"}";
    size_t hn = wps_base64url_encode(header, sizeof header - 1, NULL, 0), cn = wps_base64url_encode(claims, n, NULL, 0);
    char *t = (char *)fz_alloc(hn + 1 + cn + 1 + 43 + 1);
    unsigned char mac[32];
    wps_base64url_encode(header, sizeof header - 1, t, hn);
    t[hn] = '.';
    wps_base64url_encode(claims, n, t + hn + 1, cn);
    t[hn + 1 + cn] = '.';
    wps_hmac_sha256(FZ_KEY, sizeof FZ_KEY - 1, t, hn + 1 + cn, mac);
    wps_base64url_encode(mac, 32, t + hn + 1 + cn + 1, 43);
    t[hn + 1 + cn + 1 + 43] = 0;
    return t;
}

static void fz_json_str(fz_buf *b, const char *s, size_t n) {
    size_t i;
    fz_put(b, "\"", 1);
    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        char e[8];
        if (c == '"' || c == '\\') e[0] = '\\', e[1] = (char)c, fz_put(b, e, 2);
        else if (c < 0x20) snprintf(e, sizeof e, "\\u%04x", c), fz_put(b, e, 6);
        else fz_put(b, &s[i], 1);
    }
    fz_put(b, "\"", 1);
}

/* "Bearer " + a REST token with aud = endpoint + path (the whole target or only its path) */
static char *fz_rest_auth(const char *target, int with_query) {
    fz_buf c = {0}, a = {0};
    char num[64];
    size_t n = with_query ? strlen(target) : strcspn(target, "?");
    char *t;
    fz_puts(&c, "{\"aud\":");
    {
        fz_buf u = {0};
        fz_puts(&u, FZ_ENDPOINT);
        fz_put(&u, target, n);
        fz_json_str(&c, u.p, u.n);
        free(u.p);
    }
    snprintf(num, sizeof num, ",\"iat\":%llu,\"exp\":%llu}", (unsigned long long)(S.now / 1000u), (unsigned long long)(S.now / 1000u + 3600u));
    fz_puts(&c, num);
    t = fz_sign(c.p, c.n);
    fz_puts(&a, "Bearer ");
    fz_puts(&a, t);
    free(t);
    free(c.p);
    return a.p;
}

static void fz_store_token(char *t) {
    unsigned k = S.ntok++ % FZ_TOKENS;
    free(S.tokens[k]);
    S.tokens[k] = t;
}

/* comma-separated list into slices (pointing into s) */
static size_t fz_split_list(const char *s, size_t n, wps_slice *out, size_t cap) {
    size_t k = 0, i = 0;
    if (!n) return 0;
    while (k < cap) {
        size_t b = i;
        while (i < n && s[i] != ',') i++;
        out[k++] = wps_slice_make(s + b, i - b);
        if (i >= n) break;
        i++;
    }
    return k;
}

/* ------------------------------------------------------------------ fields and placeholders */

typedef struct fz_field {
    const char *p;
    size_t n;
    int present;
} fz_field;

/* splits line[0..n) on '|' into at most max fields (the last takes the rest) */
static size_t fz_fields(const char *line, size_t n, fz_field *f, size_t max) {
    size_t k = 0, i = 0;
    while (k < max) {
        size_t b = i;
        if (k + 1 < max)
            while (i < n && line[i] != '|') i++;
        else i = n;
        f[k].p = line + b;
        f[k].n = i - b;
        f[k].present = 1;
        k++;
        if (i >= n) break;
        i++;
    }
    for (i = k; i < max; i++) f[i].p = "", f[i].n = 0, f[i].present = 0;
    return k;
}

/* expands $kN, $iN, $rN, $$ (and $a/$A are left for the caller) into a NUL-terminated copy */
static char *fz_expand(const fz_field *f) {
    fz_buf b = {0};
    size_t i;
    fz_put(&b, "", 0);
    for (i = 0; i < f->n; i++) {
        char c = f->p[i];
        if (c == '$' && i + 1 < f->n) {
            char w = f->p[i + 1];
            int d = i + 2 < f->n ? fz_digit(f->p + i + 2, 1) : -1;
            if (w == '$') {
                fz_put(&b, "$", 1);
                i++;
                continue;
            }
            if (d >= 0 && (w == 'k' || w == 'i' || w == 'r')) {
                const char *v = "";
                if (w == 'k' && S.tokens[d % FZ_TOKENS]) v = S.tokens[d % FZ_TOKENS];
                if (w == 'i') v = S.socks[d].id;
                if (w == 'r') v = S.socks[d].rtoken;
                fz_puts(&b, v);
                i += 2;
                continue;
            }
        }
        fz_put(&b, &c, 1);
    }
    return b.p;
}

static char *fz_opt(const fz_field *f) { return f->present ? fz_expand(f) : NULL; }

/* ------------------------------------------------------------------ the host callbacks */

static void host_send_cb(void *ctx, emu_conn *c, void *socket, const void *data, size_t len, int is_text) {
    int k = fz_sock_index(socket);
    fz_sock *s;
    (void)ctx;
    check_that(c != NULL, "send without a connection");
    check_that(k >= 0, "send on a socket the host never gave");
    s = &S.socks[k];
    check_that(s->state == FZ_OPEN, "send on a socket that is not open");
    check_that(!s->detached, "send on a detached socket");
    check_that(!s->close_called || s->close_code == 0, "send on a socket after the host close callback");
    check_that(data != NULL || len == 0, "send of NULL data");
    if (is_text && !fz_utf8((const char *)data, len)) check_that(FZ_AVOID_KNOWN_BUGS && s->protocol < 0, "a text frame that is not UTF-8");
    S.sends++;
    if (fz_trace) fprintf(stderr, "  send socket %d: %.*s\n", k, (int)(len < 300 ? len : 300), (const char *)data);
    if (s->protocol >= 0) {
        wps_codec codec = wps_codec_make((wps_protocol)s->protocol, WPS_DOWNSTREAM);
        wps_message m;
        wps_diag d;
        char *scratch = (char *)fz_alloc(wps_decode_scratch_bound(len));
        wps_status st = wps_decode(&codec, data, len, scratch, wps_decode_scratch_bound(len), &m, &d);
        check_that(is_text == !wps_protocol_is_binary((wps_protocol)s->protocol), "frame type differs from the subprotocol's");
        if (st != WPS_OK) fprintf(stderr, "frame: %.*s\n%s: %s\n", (int)len, (const char *)data, wps_status_name(st), d.reason);
        check_that(st == WPS_OK, "a frame sent does not decode with the subprotocol's codec");
        if (m.has & WPS_HAS_SEQUENCE_ID) {
            check_that(m.sequence_id > s->last_seq, "sequenceIds do not increase on a socket");
#if !FZ_AVOID_KNOWN_BUGS
            check_that(s->last_seq == 0 || m.sequence_id == s->last_seq + 1, "a gap in the sequenceIds of a socket");
#endif
            s->last_seq = m.sequence_id;
        }
        if (S.in_rest && (m.kind == WPS_KIND_GROUP_DATA || m.kind == WPS_KIND_SERVER_DATA)) {
            check_that(!m.from_user_id.ptr, "a REST send carries a fromUserId");
            check_that((m.kind == WPS_KIND_GROUP_DATA) == (S.rest_group != NULL), "a REST send to a group is not a group message, or another send is");
            check_that(!S.rest_group || (m.group.len == strlen(S.rest_group) && !memcmp(m.group.ptr, S.rest_group, m.group.len)),
                  "a REST group message names another group");
        }
        if (m.kind == WPS_KIND_CONNECTED) {
#if !FZ_AVOID_KNOWN_BUGS
            unsigned j;
            for (j = 0; j < S.nended && j < 16; j++)
                check_that(m.connection_id.len != strlen(S.ended[j]) || memcmp(m.connection_id.ptr, S.ended[j], m.connection_id.len),
                      "a session the service closed is connected again");
#endif
            snprintf(s->id, sizeof s->id, "%.*s", (int)m.connection_id.len, m.connection_id.ptr ? m.connection_id.ptr : "");
            snprintf(s->rtoken, sizeof s->rtoken, "%.*s", (int)m.reconnection_token.len, m.reconnection_token.ptr ? m.reconnection_token.ptr : "");
        }
        free(scratch);
    }
}

static void host_close_cb(void *ctx, emu_conn *c, void *socket, uint16_t code, const char *reason) {
    int k = fz_sock_index(socket);
    fz_sock *s;
    (void)ctx;
    check_that(c != NULL, "close without a connection");
    check_that(k >= 0, "close of a socket the host never gave");
    s = &S.socks[k];
    if (fz_trace) fprintf(stderr, "  close socket %d: %u %s\n", k, (unsigned)code, reason ? reason : "(null)");
    check_that(s->state == FZ_OPEN, "close of a socket that is not open");
    check_that(!s->detached, "close of a detached socket");
    check_that(code == 0 || (code >= 1000 && code <= 4999), "close code out of range");
    check_that(code == 0 || reason != NULL, "close without a reason");
#if !FZ_AVOID_KNOWN_BUGS
    check_that(!reason || (strlen(reason) <= 123 && fz_utf8(reason, strlen(reason))), "a close reason a close frame cannot carry");
#endif
    check_that(!s->close_called || s->close_code == 0, "a second close after a close with a code");
    if (!s->close_called || s->close_code == 0) s->close_code = code;
    if (code != 0 && !S.opening && s->id[0]) snprintf(S.ended[S.nended++ % 16], sizeof S.ended[0], "%s", s->id);
    s->close_called = 1;
}

static void host_detach_cb(void *ctx, void *socket) {
    int k = fz_sock_index(socket);
    fz_sock *s;
    (void)ctx;
    check_that(k >= 0, "detach of a socket the host never gave");
    s = &S.socks[k];
    if (fz_trace) fprintf(stderr, "  detach socket %d\n", k);
    check_that(s->state == FZ_OPEN && !s->detached, "detach of a socket that is not open");
    check_that(s->close_called, "detach of a socket whose close was not asked");
    s->detached = 1;
    s->conn = NULL;
}

static void host_log_cb(void *ctx, const char *line) {
    (void)ctx;
    check_that(line != NULL && strlen(line) < 512, "log line");
    if (fz_trace) fprintf(stderr, "  log: %s\n", line);
}

static const wps_http_header *fz_header(const emu_webhook_request *rq, const char *name) {
    size_t i, n = strlen(name);
    for (i = 0; i < rq->header_count; i++)
        if (rq->headers[i].name.len == n && ieqn(rq->headers[i].name.ptr, name, n)) return &rq->headers[i];
    return NULL;
}

static fz_events *fz_events_of(wps_slice id) {
    size_t i;
    for (i = 0; i < S.nevents; i++)
        if (strlen(S.events[i].id) == id.len && !memcmp(S.events[i].id, id.ptr, id.len)) return &S.events[i];
    if (S.nevents == FZ_EVENT_IDS || id.len >= sizeof S.events[0].id) return NULL;
    memcpy(S.events[S.nevents].id, id.ptr, id.len);
    S.events[S.nevents].id[id.len] = 0;
    return &S.events[S.nevents++];
}

/* checks a webhook POST: signed, well-formed, in order */
static wps_webhook_kind fz_check_post(const emu_webhook_request *rq) {
    wps_slice key = wps_slice_from_cstr(FZ_KEY), origin = wps_slice_from_cstr("127.0.0.1");
    wps_webhook_options opt;
    wps_webhook_event ev;
    uint16_t status = 0;
    wps_diag d;
    wps_status st;
    fz_events *h;
    memset(&opt, 0, sizeof opt);
    opt.keys = &key;
    opt.key_count = 1;
    opt.allowed_origins = &origin;
    opt.allowed_origin_count = 1;
    st = wps_webhook_accept(&opt, rq->headers, rq->header_count, &ev, &status, &d);
    if (st != WPS_OK) fprintf(stderr, "webhook refused: %s\n", d.reason);
    check_that(st == WPS_OK, "a webhook request wps_webhook_accept refuses");
    check_that(ev.hub.len && ev.connection_id.len, "a webhook without hub or connection id");
    check_that(rq->body != NULL || rq->body_len == 0, "a webhook body NULL with a length");
    if (ev.kind == WPS_WEBHOOK_CONNECT || ev.kind == WPS_WEBHOOK_DISCONNECTED) {
        size_t need = 0;
        void *mem;
        wps_webhook_connect_request cr;
        wps_webhook_disconnected dr;
        if (ev.kind == WPS_WEBHOOK_CONNECT) st = wps_webhook_parse_connect(rq->body, rq->body_len, NULL, 0, &cr, &need, &d);
        else st = wps_webhook_parse_disconnected(rq->body, rq->body_len, NULL, 0, &dr, &need, &d);
        if (st == WPS_ERR_BUFFER_TOO_SMALL) {
            mem = fz_alloc(need);
            if (ev.kind == WPS_WEBHOOK_CONNECT) st = wps_webhook_parse_connect(rq->body, rq->body_len, mem, need, &cr, &need, &d);
            else st = wps_webhook_parse_disconnected(rq->body, rq->body_len, mem, need, &dr, &need, &d);
            free(mem);
        }
        if (st != WPS_OK && !FZ_UTF8_OK(st)) fprintf(stderr, "webhook body: %.*s\n%s\n", (int)rq->body_len, (const char *)rq->body, d.reason);
        check_that(st == WPS_OK || FZ_UTF8_OK(st), "a connect / disconnected body does not parse");
    }
    h = fz_events_of(ev.connection_id);
    if (!h) return ev.kind;
    check_that(!h->disconnected, "an event after the disconnected event");
    if (ev.kind == WPS_WEBHOOK_CONNECT) check_that(!h->connect && !h->connected, "a connect event not first");
    if (ev.kind == WPS_WEBHOOK_CONNECTED) check_that(!h->connected, "a second connected event");
    if (ev.kind == WPS_WEBHOOK_CONNECT) h->connect = 1;
    if (ev.kind == WPS_WEBHOOK_CONNECTED) h->connected = 1;
    if (ev.kind == WPS_WEBHOOK_DISCONNECTED) h->disconnected = 1;
    return ev.kind;
}

static void fz_reply_free(fz_reply *r) {
    free(r->state);
    free(r->body);
    memset(r, 0, sizeof *r);
}

static int host_webhook_cb(void *ctx, const emu_webhook_request *rq, emu_webhook_response *rs) {
    int options, connect = 0;
    fz_queue *q;
    fz_reply r;
    (void)ctx;
    check_that(rq != NULL && rs != NULL && rq->method != NULL && rq->url != NULL, "a webhook request without method or URL");
    check_that(rq->header_count == 0 || rq->headers != NULL, "webhook headers NULL");
    options = !strcmp(rq->method, "OPTIONS");
    check_that(options || !strcmp(rq->method, "POST"), "a webhook method neither POST nor OPTIONS");
    if (fz_trace) fprintf(stderr, "  webhook %s %s: %.*s\n", rq->method, rq->url, (int)(rq->body_len < 200 ? rq->body_len : 200), rq->body ? (const char *)rq->body : "");
    if (options) {
        const wps_http_header *o = fz_header(rq, "WebHook-Request-Origin");
        check_that(o && o->value.len == 9 && !memcmp(o->value.ptr, "127.0.0.1", 9), "a preflight without WebHook-Request-Origin 127.0.0.1");
    } else {
        S.webhooks++;
        connect = fz_check_post(rq) == WPS_WEBHOOK_CONNECT;
        if (connect) S.connect_status = -1;
    }
    q = options ? &S.options : &S.posts;
    memset(&r, 0, sizeof r);
    if (q->n) {
        r = q->r[q->head];
        q->head = (q->head + 1) % FZ_REPLIES;
        q->n--;
    } else {
        r.status = 200;
        if (options) snprintf(r.origin, sizeof r.origin, "*");
    }
    if (r.unreachable) {
        fz_reply_free(&r);
        return -1;
    }
    if (connect) S.connect_status = r.status;
    rs->status = r.status;
    snprintf(rs->content_type, sizeof rs->content_type, "%s", r.ctype);
    snprintf(rs->allowed_origin, sizeof rs->allowed_origin, "%s", r.origin);
    rs->connection_state = r.state; /* the core frees them */
    rs->body = r.body;
    rs->body_len = r.body_len;
    return 0;
}

static void op_reply(const fz_field *f, int options) {
    fz_queue *q = options ? &S.options : &S.posts;
    fz_reply *r;
    if (q->n == FZ_REPLIES) return;
    r = &q->r[(q->head + q->n++) % FZ_REPLIES];
    memset(r, 0, sizeof *r);
    r->unreachable = f[0].n && f[0].p[0] == 'x';
    r->status = (int)fz_num(f[0].p, f[0].n, 999);
    if (FZ_AVOID_KNOWN_BUGS && r->status == 0) r->status = 502;
    if (options) {
        snprintf(r->origin, sizeof r->origin, "%.*s", (int)f[1].n, f[1].p);
        return;
    }
    snprintf(r->ctype, sizeof r->ctype, "%.*s", (int)f[1].n, f[1].p);
    if (f[2].present && f[2].n) r->state = fz_strndup(f[2].p, f[2].n);
    if (f[3].present && f[3].n) {
        r->body = fz_strndup(f[3].p, f[3].n);
        r->body_len = f[3].n;
    }
}

/* ------------------------------------------------------------------ operations */

static void op_upgrade(const fz_field *f) {
    char *target = fz_expand(&f[0]), *proto = fz_opt(&f[1]), *auth = fz_opt(&f[2]), *hdrs = fz_opt(&f[3]);
    wps_http_header h[16];
    emu_upgrade u;
    emu_accept a;
    int k;
    memset(&u, 0, sizeof u);
    u.target = target;
    u.subprotocols = proto;
    u.authorization = auth;
    if (hdrs) { /* name:value, tab-separated */
        const char *p = hdrs;
        while (*p && u.header_count < 16) {
            size_t n = strcspn(p, "\t"), c = strcspn(p, ":");
            if (c > n) c = n;
            h[u.header_count].name = wps_slice_make(p, c);
            h[u.header_count].value = c < n ? wps_slice_make(p + c + 1, n - c - 1) : wps_slice_make(p + n, 0);
            u.header_count++;
            p += n + (p[n] != 0);
        }
        u.headers = h;
    }
    S.connect_status = 0;
    emu_upgrade_request(S.e, &u, S.now, &a);
    if (fz_trace) fprintf(stderr, "  upgrade: %d %s [%s]\n", a.status, a.reason, a.subprotocol);
    check_that(memchr(a.reason, 0, sizeof a.reason) && memchr(a.subprotocol, 0, sizeof a.subprotocol), "unterminated reason or subprotocol");
    if (a.status == 101) {
        check_that(a.conn != NULL, "101 without a connection");
        check_that(auth || strstr(target, "access_token"), "101 without any token");
        if (a.subprotocol[0]) {
            wps_protocol p;
            if (wps_protocol_from_name(a.subprotocol, strlen(a.subprotocol), &p) == WPS_OK)
                check_that(!wps_protocol_is_binary(p), "the subprotocol selected is a binary one");
            else check_that(S.nhandlers > 0, "a subprotocol not chosen by a connect handler is not a JSON subprotocol");
            check_that(proto && strstr(proto, a.subprotocol), "the subprotocol selected was not offered");
        }
        if (!S.nhandlers) check_that(!a.subprotocol[0] || strncmp(a.subprotocol, "json.", 5) == 0, "a custom subprotocol without a handler");
        for (k = 0; k < FZ_SOCKETS && S.socks[k].state != FZ_FREE; k++) {
        }
        if (k == FZ_SOCKETS) {
            emu_upgrade_abandoned(S.e, a.conn);
        } else {
            fz_sock *s = &S.socks[k];
            wps_protocol p;
            memset(s, 0, sizeof *s);
            s->state = FZ_PENDING;
            s->conn = a.conn;
            s->protocol = a.subprotocol[0] && wps_protocol_from_name(a.subprotocol, strlen(a.subprotocol), &p) == WPS_OK ? (int)p : -1;
        }
    } else {
        check_that(a.conn == NULL, "a refused upgrade with a connection");
        check_that(a.status >= 400 && a.status <= 599, "upgrade status neither 101 nor 4xx/5xx");
        check_that(a.reason[0] != 0, "a refused upgrade without a reason");
        S.rejected++;
    }
    if (S.connect_status < 0) check_that(a.status == 500, "an unreachable connect handler does not refuse with 500");
    else if (S.connect_status && (S.connect_status < 200 || S.connect_status > 299))
        check_that(a.status == (S.connect_status >= 400 && S.connect_status <= 599 ? S.connect_status : 500), "a refused connect event lets the upgrade through");
    free(target), free(proto), free(auth), free(hdrs);
}

/* the socket named by the first field: the digit, else the most recent one in state */
static fz_sock *fz_pick(const fz_field *f, int state) {
    int d = fz_digit(f->p, f->n), k;
    if (d >= 0) return S.socks[d].state == state ? &S.socks[d] : NULL;
    for (k = FZ_SOCKETS - 1; k >= 0; k--)
        if (S.socks[k].state == state) return &S.socks[k];
    return NULL;
}

static void fz_closed(fz_sock *s);

static void op_open(const fz_field *f) {
    fz_sock *s = fz_pick(f, FZ_PENDING);
    if (!s) return;
    s->state = FZ_OPEN;
    S.opening = s;
    emu_socket_open(S.e, s->conn, s, S.now);
    S.opening = NULL;
#if FZ_AVOID_KNOWN_BUGS
    {
        /* Known bug 1 avoided: when a socket takes a session over, the older sockets of that
           session the core asked to close and did not detach are reported closed at once (a
           prompt host), before the session can be freed under them. */
        int k;
        for (k = 0; k < FZ_SOCKETS; k++)
            if (&S.socks[k] != s && S.socks[k].state == FZ_OPEN && !S.socks[k].detached && S.socks[k].close_called && s->id[0] &&
                !strcmp(S.socks[k].id, s->id))
                fz_closed(&S.socks[k]);
    }
#endif
}

/* the socket is gone before the core hears of it: a callback for it from then on is a violation */
static void op_abandon(const fz_field *f) {
    fz_sock *s = fz_pick(f, FZ_PENDING);
    emu_conn *c;
    if (!s) return;
    c = s->conn;
    s->conn = NULL;
    s->state = FZ_GONE;
    emu_upgrade_abandoned(S.e, c);
}

static void fz_closed(fz_sock *s) {
    emu_conn *c = s->conn;
    int detached = s->detached;
    s->conn = NULL;
    s->state = FZ_GONE;
    if (!detached) emu_socket_closed(S.e, c, s, S.now); /* a detached socket is not reported */
}

static void op_closed(const fz_field *f) {
    fz_sock *s = fz_pick(&f[0], FZ_OPEN);
    if (!s) {
        op_abandon(f);
        return;
    }
    if (f[1].present && !s->detached) emu_socket_close_code(S.e, s->conn, s, (uint16_t)fz_num(f[1].p, f[1].n, 65535));
    fz_closed(s);
}

static void fz_frame(fz_sock *s, const char *data, size_t n, int is_text) {
    /* an exact-size heap copy, so that the core cannot read past the frame unnoticed */
    char *copy;
    if (s->detached) return; /* not reported to the core any more */
    copy = (char *)fz_alloc(n);
    if (n) memcpy(copy, data, n);
    emu_socket_frame(S.e, s->conn, s, copy, n, is_text, S.now);
    free(copy);
}

static void op_frame(const fz_field *f, int is_text) {
    fz_sock *s = fz_pick(&f[0], FZ_OPEN);
    if (s) fz_frame(s, f[1].p, f[1].n, is_text);
}

static void op_big_frame(const fz_field *f) {
    fz_sock *s = fz_pick(&f[0], FZ_OPEN);
    uint64_t count = fz_num(f[1].p, f[1].n, FZ_MAX_FRAME), i;
    fz_buf b = {0};
    if (!s) return;
    fz_put(&b, f[2].p, f[2].n);
    for (i = 0; i < count && b.n + f[3].n < FZ_MAX_FRAME; i++) fz_put(&b, f[3].p, f[3].n);
    fz_put(&b, f[4].p, f[4].n);
    fz_frame(s, b.p, b.n, 1);
    free(b.p);
}

static void op_tick(const fz_field *f) {
    S.now += fz_num(f->p, f->n, 10000000000ull);
    emu_tick(S.e, S.now);
}

static void op_drop(const char *line, size_t n, int code_1008) {
    fz_field f[2];
    char *id;
    int d = fz_digit(line, n);
    fz_fields(line, n, f, 2);
    if (d >= 0) id = fz_strndup(S.socks[d].id, strlen(S.socks[d].id));
    else id = fz_expand(&f[1]);
    emu_fault_drop(S.e, id, code_1008);
    free(id);
}

static void op_outage(const char *line, size_t n) {
    fz_field f[3];
    char *id;
    int d = fz_digit(line, n);
    fz_fields(line, n, f, 3);
    if (d >= 0) id = fz_strndup(S.socks[d].id, strlen(S.socks[d].id));
    else id = fz_expand(&f[1]);
    emu_fault_outage(S.e, id, (uint32_t)fz_num(d >= 0 ? f[1].p : f[2].p, d >= 0 ? f[1].n : f[2].n, 4000000000u));
    free(id);
}

static void op_faults(const char *line, size_t n) {
    emu_faults *x = emu_faults_of(S.e);
    x->refuse_recovery = memchr(line, 'r', n) != NULL;
    x->fail_acks = memchr(line, 'a', n) != NULL;
    {
        size_t i = 0;
        while (i < n && !(line[i] >= '0' && line[i] <= '9')) i++;
        x->ack_delay_ms = (uint32_t)fz_num(line + i, n - i, 600000);
    }
}

static void op_mint(const fz_field *f) {
    wps_token_options o;
    wps_slice roles[16], groups[16];
    char tok[8192], url[512];
    size_t len = 0, ulen = 0;
    wps_status st;
    char *hub = fz_expand(&f[0]), *user = fz_expand(&f[1]);
    memset(&o, 0, sizeof o);
    o.hub = wps_slice_from_cstr(hub);
    if (user[0]) o.user_id = wps_slice_from_cstr(user);
    o.roles = roles;
    o.role_count = fz_split_list(f[2].p, f[2].n, roles, 16);
    o.groups = groups;
    o.group_count = fz_split_list(f[3].p, f[3].n, groups, 16);
    o.now = S.now / 1000u;
    o.expires_minutes = (uint32_t)fz_num(f[4].p, f[4].n, 1000000);
    if (memchr(f[5].p, 'm', f[5].n)) o.client_kind = WPS_CLIENT_KIND_MQTT;
    if (memchr(f[5].p, 's', f[5].n)) st = wps_signalr_client_token(&S.cs, &o, tok, sizeof tok - 1, &len, url, sizeof url, &ulen, NULL);
    else st = wps_client_access_token(&S.cs, &o, tok, sizeof tok - 1, &len, NULL);
    if (st != WPS_OK) len = 0;
    if (len > 8 && memchr(f[5].p, 'x', f[5].n)) tok[len - 8] = tok[len - 8] == 'A' ? 'B' : 'A'; /* in the signature */
    fz_store_token(fz_strndup(tok, len));
    free(hub), free(user);
}

/* every response: the shape, and what its body says */
static void fz_check_response(const emu_request *r, const emu_response *o) {
    check_that(o->status >= 100 && o->status <= 599, "REST status out of 100..599");
    check_that(o->body ? strlen(o->body) == o->body_len : o->body_len == 0, "REST body_len differs from the body");
    check_that(memchr(o->content_type, 0, sizeof o->content_type) && memchr(o->error_code, 0, sizeof o->error_code), "unterminated header");
    if (!(r->authorization && !strncmp(r->authorization, "Bearer ", 7)))
        check_that(o->status < 200 || o->status > 299 || (!strcmp(r->method, "HEAD") && !strncmp(r->target, "/api/health", 11)),
              "a 2xx answer to a request without a Bearer token");
    if (o->error_code[0]) {
        wps_rest_error err;
        wps_diag d;
        wps_status st;
        char *scratch = (char *)fz_alloc(o->body_len);
        check_that(o->status >= 400, "an error code with a success status");
        check_that(o->body != NULL, "an error without a body");
        st = wps_rest_parse_error(o->body, o->body_len, scratch, o->body_len, &err, &d);
        check_that(st == WPS_OK || FZ_UTF8_OK(st), "the error body does not parse");
        if (st == WPS_OK)
            check_that(err.code.len == strlen(o->error_code) && !memcmp(err.code.ptr, o->error_code, err.code.len), "the error body's code differs");
        free(scratch);
        return;
    }
    if (o->status == 200 && o->body && !strcmp(r->method, "POST") && strcspn(r->target, "?") >= 14 &&
        !strncmp(r->target + strcspn(r->target, "?") - 14, ":generateToken", 14)) {
        wps_slice t;
        wps_diag d;
        char *scratch = (char *)fz_alloc(o->body_len);
        void *mem;
        wps_token_claims claims;
        wps_slice key = wps_slice_from_cstr(FZ_KEY);
        check_that(wps_rest_parse_token(o->body, o->body_len, scratch, o->body_len, &t, &d) == WPS_OK, "the generated token body does not parse");
        mem = fz_alloc(wps_token_memory_bound(t.len));
        check_that(wps_token_verify(&key, 1, t.ptr, t.len, S.now / 1000u, mem, wps_token_memory_bound(t.len), &claims, &d) == WPS_OK,
              "a generated token does not verify");
        check_that(claims.aud.len > 0, "a generated token without aud");
        fz_store_token(fz_strndup(t.ptr, t.len));
        free(mem);
        free(scratch);
    }
    if (o->status == 200 && o->body && !strcmp(r->method, "GET")) {
        wps_group_member mem[256];
        size_t count = 0;
        wps_slice next;
        wps_diag d;
        wps_status st;
        char *scratch = (char *)fz_alloc(o->body_len);
        st = wps_rest_parse_group_members(o->body, o->body_len, scratch, o->body_len, mem, 256, &count, &next, &d);
        check_that(st == WPS_OK || FZ_UTF8_OK(st), "a group member page does not parse");
        if (st != WPS_OK) next.len = 0;
        free(S.next_link);
        S.next_link = NULL;
        if (next.len) {
            check_that((next.len > 7 && !memcmp(next.ptr, "http://", 7)) || (next.len > 8 && !memcmp(next.ptr, "https://", 8)),
                  "a nextLink that is not absolute");
            {
                const char *p = (const char *)memchr(next.ptr + 8, '/', next.len - 8);
                if (p) S.next_link = fz_strndup(p, next.len - (size_t)(p - next.ptr));
            }
        }
        free(scratch);
    }
}

/* the decoded group of a SendToGroup request (POST /api/hubs/{hub}/groups/{group}/:send), else NULL */
static char *fz_send_group(const char *method, const char *target) {
    const char *p = target, *g, *ge;
    size_t n = strcspn(target, "?");
    if (strcmp(method, "POST") || strncmp(p, "/api/hubs/", 10)) return NULL;
    p += 10;
    if (!*p || *p == '/' || !(p = strchr(p, '/')) || (size_t)(p - target) >= n || strncmp(p, "/groups/", 8)) return NULL;
    g = p + 8;
    ge = strchr(g, '/');
    if (!ge || ge == g || (size_t)(ge - target) + 6 != n || strncmp(ge, "/:send", 6)) return NULL;
    return pct_decode(g, (size_t)(ge - g), 0);
}

static void fz_rest(const char *method, const char *target, const char *host, const char *auth, const char *ctype, const char *body,
                    size_t body_len) {
    emu_request r;
    emu_response o;
    char *b = (char *)fz_alloc(body_len);
    if (body_len) memcpy(b, body, body_len);
    memset(&r, 0, sizeof r);
    r.method = method;
    r.target = target;
    r.host = host;
    r.authorization = auth;
    r.content_type = ctype;
    r.body = body || FZ_AVOID_KNOWN_BUGS ? b : NULL;
    r.body_len = body_len;
    S.in_rest = 1;
    S.rest_group = fz_send_group(method, target);
    emu_rest(S.e, &r, S.now, &o);
    S.in_rest = 0;
    free(S.rest_group);
    S.rest_group = NULL;
    if (fz_trace) fprintf(stderr, "  rest %s %s: %d %s\n", method, target, o.status, o.body ? o.body : "");
    S.rest++;
    fz_check_response(&r, &o);
    emu_response_free(&o);
    free(b);
}

static char *fz_auth_field(const fz_field *f, const char *target) {
    if (f->present && f->n == 2 && f->p[0] == '$' && (f->p[1] == 'a' || f->p[1] == 'A')) return fz_rest_auth(target, f->p[1] == 'a');
    return fz_opt(f);
}

static void op_rest_raw(const fz_field *f) {
    char *method = fz_expand(&f[0]), *target = fz_expand(&f[1]), *host = fz_opt(&f[2]), *auth = fz_auth_field(&f[3], target),
         *ctype = fz_opt(&f[4]);
    fz_rest(method, target, host, auth, ctype, f[5].present ? f[5].p : NULL, f[5].n);
    free(method), free(target), free(host), free(auth), free(ctype);
}

static void op_next_link(void) {
    char *auth;
    if (!S.next_link) return;
    auth = fz_rest_auth(S.next_link, 1);
    {
        char *target = fz_strndup(S.next_link, strlen(S.next_link));
        fz_rest("GET", target, FZ_HOST, auth, NULL, NULL, 0);
        free(target);
    }
    free(auth);
}

static void op_rest_built(const fz_field *f) {
    enum { F_OP, F_HUB, F_GROUP, F_USER, F_CONN, F_PERM, F_TNAME, F_FILTER, F_REASON, F_CTYPE, F_EXCL, F_ROLES, F_GROUPS, F_MINS, F_TOP,
           F_MPS, F_CONT, F_BODY };
    char *v[FZ_FIELDS];
    wps_slice excl[16], roles[16], groups[16];
    wps_rest_params p;
    wps_rest_operation op;
    wps_rest_request req;
    size_t need = 0, i;
    char *buf = NULL;
    wps_status st;
    for (i = 0; i < FZ_FIELDS; i++) v[i] = f[i].present && f[i].n ? fz_expand(&f[i]) : NULL;
    if (!v[F_OP] || !wps_rest_operation_find(WPS_SERVICE_WEBPUBSUB, v[F_OP], strlen(v[F_OP]), &op)) goto done;
    memset(&p, 0, sizeof p);
    p.hub = wps_slice_from_cstr(v[F_HUB]);
    p.group = wps_slice_from_cstr(v[F_GROUP]);
    p.user_id = wps_slice_from_cstr(v[F_USER]);
    p.connection_id = wps_slice_from_cstr(v[F_CONN]);
    p.permission = wps_slice_from_cstr(v[F_PERM]);
    p.target_name = wps_slice_from_cstr(v[F_TNAME]);
    p.filter = wps_slice_from_cstr(v[F_FILTER]);
    p.reason = wps_slice_from_cstr(v[F_REASON]);
    p.content_type = wps_slice_from_cstr(v[F_CTYPE]);
    p.continuation_token = wps_slice_from_cstr(v[F_CONT]);
    if (v[F_EXCL]) p.excluded = excl, p.excluded_count = fz_split_list(v[F_EXCL], strlen(v[F_EXCL]), excl, 16);
    if (v[F_ROLES]) p.roles = roles, p.role_count = fz_split_list(v[F_ROLES], strlen(v[F_ROLES]), roles, 16);
    if (v[F_GROUPS]) p.groups = groups, p.group_count = fz_split_list(v[F_GROUPS], strlen(v[F_GROUPS]), groups, 16);
    if (v[F_MINS]) p.minutes_to_expire = (uint32_t)fz_num(v[F_MINS], strlen(v[F_MINS]), 100000000);
    if (v[F_TOP]) p.top = (uint32_t)fz_num(v[F_TOP], strlen(v[F_TOP]), 2147483647);
    if (v[F_MPS]) p.max_page_size = (uint32_t)fz_num(v[F_MPS], strlen(v[F_MPS]), 100000);
    if (f[F_BODY].present) p.body = wps_slice_make(f[F_BODY].p, f[F_BODY].n);
    p.now = S.now / 1000u;
    st = wps_rest_build(&S.cs, op, &p, NULL, 0, &req, &need, NULL);
    if (st != WPS_ERR_BUFFER_TOO_SMALL && st != WPS_OK) goto done;
    buf = (char *)fz_alloc(need);
    if (wps_rest_build(&S.cs, op, &p, buf, need, &req, &need, NULL) != WPS_OK) goto done;
    check_that(req.url.len >= sizeof FZ_ENDPOINT - 1 && !memcmp(req.url.ptr, FZ_ENDPOINT, sizeof FZ_ENDPOINT - 1), "a URL off the endpoint");
    {
        char *target = fz_strndup(req.url.ptr + sizeof FZ_ENDPOINT - 1, req.url.len - (sizeof FZ_ENDPOINT - 1));
        char *auth = fz_strndup(req.authorization.ptr, req.authorization.len);
        char *ctype = req.has_body ? fz_strndup(req.content_type.ptr, req.content_type.len) : NULL;
        fz_rest(req.method, target, FZ_HOST, auth, ctype, req.has_body ? req.body.ptr : NULL, req.has_body ? req.body.len : 0);
        free(target), free(auth), free(ctype);
    }
done:
    free(buf);
    for (i = 0; i < FZ_FIELDS; i++) free(v[i]);
}

/* ------------------------------------------------------------------ the script */

/* the leading H and Y lines: event handlers and hubs served; returns where the script starts */
static size_t fz_handlers(const char *in, size_t size) {
    size_t pos = 0;
    while (pos < size && (in[pos] == 'H' || in[pos] == 'Y')) {
        const char *line = in + pos + 1;
        size_t n = 0, k;
        fz_field f[4];
        char op = in[pos];
        while (pos + 1 + n < size && line[n] != '\n') n++;
        pos += 1 + n + (pos + 1 + n < size);
        if (op == 'Y') {
            if (S.nhubs < FZ_HANDLERS) S.hubs[S.nhubs++] = fz_strndup(line, n);
            continue;
        }
        if (S.nhandlers == FZ_HANDLERS) continue;
        fz_fields(line, n, f, 4);
        for (k = 0; k < 4; k++) S.handler_text[S.nhandlers][k] = fz_strndup(f[k].p, f[k].n);
        S.handlers[S.nhandlers].hub = S.handler_text[S.nhandlers][0];
        S.handlers[S.nhandlers].url_template = S.handler_text[S.nhandlers][1];
        S.handlers[S.nhandlers].user_events = S.handler_text[S.nhandlers][2];
        S.handlers[S.nhandlers].system_events = S.handler_text[S.nhandlers][3];
        S.nhandlers++;
    }
    return pos;
}

static void fz_begin(const char *in, size_t size, size_t *start) {
    emu_config cfg;
    emu_host host;
    char err[256];
    memset(&S, 0, sizeof S);
    *start = fz_handlers(in, size);
    if (fz_trace < 0) fz_trace = getenv("FZ_TRACE") != NULL;
    S.now = 1700000000000ull;
    check_that(wps_connection_string_parse(FZ_CSTR, sizeof FZ_CSTR - 1, &S.cs, NULL) == WPS_OK, "connection string");
    memset(&cfg, 0, sizeof cfg);
    cfg.connection_string = FZ_CSTR;
    cfg.max_unacked_messages = 8; /* small, so that a full queue is reachable */
    cfg.max_unacked_bytes = 12u * 1024u;
    cfg.hubs = (const char *const *)S.hubs;
    cfg.hub_count = S.nhubs;
    memset(&host, 0, sizeof host);
    host.send = host_send_cb;
    host.close = host_close_cb;
    host.log = host_log_cb;
    host.detach = host_detach_cb;
    if (S.nhandlers) {
        host.webhook = host_webhook_cb;
        cfg.event_handlers = S.handlers;
        cfg.event_handler_count = S.nhandlers;
    }
    S.e = emu_new(&cfg, &host, err, sizeof err);
    check_that(S.e != NULL, "emu_new");
}

static void fz_end(void) {
    emu_stats st = emu_stats_of(S.e);
    size_t k;
    check_that(st.rejected == S.rejected, "stats: rejected upgrades");
    check_that(st.rest_requests == S.rest, "stats: REST requests");
    check_that(st.messages_out == S.sends, "stats: messages out");
    check_that(st.webhooks == S.webhooks, "stats: webhooks");
    /* the host goes away: every socket is reported closed, every pending upgrade abandoned */
    for (k = 0; k < FZ_SOCKETS; k++) {
        if (S.socks[k].state == FZ_OPEN) fz_closed(&S.socks[k]);
        else if (S.socks[k].state == FZ_PENDING) S.socks[k].state = FZ_GONE, emu_upgrade_abandoned(S.e, S.socks[k].conn);
    }
    emu_tick(S.e, S.now + 1);
    emu_free(S.e);
    for (k = 0; k < FZ_TOKENS; k++) free(S.tokens[k]);
    for (k = 0; k < S.nhandlers; k++) free(S.handler_text[k][0]), free(S.handler_text[k][1]), free(S.handler_text[k][2]), free(S.handler_text[k][3]);
    for (k = 0; k < S.nhubs; k++) free(S.hubs[k]);
    while (S.posts.n) fz_reply_free(&S.posts.r[S.posts.head]), S.posts.head = (S.posts.head + 1) % FZ_REPLIES, S.posts.n--;
    free(S.next_link);
    memset(&S, 0, sizeof S);
}

/* known bug 8: at most two '*' from pos on (any spelling); the others become '#' */
static void fz_few_stars(char *s, size_t n, size_t pos) {
    int stars = 0;
    for (; pos < n; pos++) {
        size_t w = 0;
        if (s[pos] == '*') w = 1;
        else if (pos + 2 < n && s[pos] == '%' && s[pos + 1] == '2' && (s[pos + 2] == 'A' || s[pos + 2] == 'a')) w = 3;
        else if (pos + 5 < n && !memcmp(s + pos, "\\u002", 5) && (s[pos + 5] == 'A' || s[pos + 5] == 'a')) w = 6;
        if (w && ++stars > 2) {
            if (w == 1) s[pos] = '#';
            else s[pos + w - 1] = '3'; /* %23, \u0023 */
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char *copy = (char *)fz_alloc(size);
    const char *in = copy;
    size_t pos = 0, ops = 0;
    if (size) memcpy(copy, data, size);
    fz_begin(in, size, &pos);
    if (FZ_AVOID_KNOWN_BUGS) fz_few_stars(copy, size, pos);
    while (pos < size && ops++ < 512) {
        char op = in[pos++];
        const char *line = in + pos;
        size_t n;
        fz_field f[FZ_FIELDS];
        if (op == 'L') { /* L N <len> <bytes>: raw bytes, newlines included */
            int d = pos < size ? fz_digit(in + pos, 1) : -1;
            size_t len = pos + 1 < size ? (unsigned char)in[pos + 1] : 0;
            pos += 2;
            if (pos > size) pos = size;
            if (len > size - pos) len = size - pos;
            if (d >= 0 && S.socks[d].state == FZ_OPEN) fz_frame(&S.socks[d], in + pos, len, 1);
            pos += len;
            if (pos < size && in[pos] == '\n') pos++;
            continue;
        }
        for (n = 0; pos + n < size && line[n] != '\n'; n++) {
        }
        pos += n + (pos + n < size);
        switch (op) {
        case 'k': fz_fields(line, n, f, 6), op_mint(f); break;
        case 'j': fz_store_token(fz_sign(line, n)); break;
        case 'u': fz_fields(line, n, f, 4), op_upgrade(f); break;
        case 'o': fz_fields(line, n, f, 1), op_open(f); break;
        case 'a': fz_fields(line, n, f, 1), op_abandon(f); break;
        case 'c': fz_fields(line, n, f, 2), op_closed(f); break;
        case 'w': fz_fields(line, n, f, 4), op_reply(f, 0); break;
        case 'W': fz_fields(line, n, f, 2), op_reply(f, 1); break;
        case 't': fz_fields(line, n, f, 2), op_frame(f, 1); break;
        case 'b': fz_fields(line, n, f, 2), op_frame(f, 0); break;
        case 'T': fz_fields(line, n, f, 5), op_big_frame(f); break;
        case 'i': fz_fields(line, n, f, 1), op_tick(f); break;
        case 'd': op_drop(line, n, 0); break;
        case 'D': op_drop(line, n, 1); break;
        case 'O': op_outage(line, n); break;
        case 'f': op_faults(line, n); break;
        case 'r': fz_fields(line, n, f, 6), op_rest_raw(f); break;
        case 's': fz_fields(line, n, f, FZ_FIELDS), op_rest_built(f); break;
        case 'n': op_next_link(); break;
        default: break;
        }
    }
    fz_end();
    free(copy);
    return 0;
}
