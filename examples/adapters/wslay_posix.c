/* wslay_posix.c: wps_client over wslay and a non-blocking POSIX TCP socket (see wslay_posix.h).
 *
 * Build: cc -std=c99 -D_POSIX_C_SOURCE=200809L app.c wslay_posix.c -lwslay, with wps.h's
 * implementation (WPS_IMPLEMENTATION) in one file of the program.
 *
 * Host inputs, and where each comes from here:
 *   WPS_ACTION_NEED_URL -> wps_client_set_url(options.url), or to on_action when url is NULL
 *   WPS_ACTION_OPEN     -> start_open: getaddrinfo, socket, O_NONBLOCK, connect (EINPROGRESS),
 *                          then in later polls: connected (poll POLLOUT, SO_ERROR), the upgrade
 *                          request written as the socket takes it, the response read until its
 *                          blank line and checked (101, Upgrade, Connection,
 *                          Sec-WebSocket-Accept = base64(SHA-1(key + GUID)), the subprotocol)
 *   handshake done      -> wps_client_on_open; wslay_event_context_client_init on the fd (bytes
 *                          read after the response's blank line are wslay's first input)
 *   refused / failed    -> wps_client_on_open_failed(HTTP status, or 0: connect, timeout, bad answer)
 *   on_msg_recv (text, binary: wslay reassembles fragments)
 *                       -> queued, then wps_client_on_frame_writable with a copy the adapter owns
 *   WPS_ACTION_SEND     -> wslay_event_queue_msg (copies), written by wslay_event_send
 *   WPS_ACTION_CLOSE    -> wslay_event_queue_close(code, reason); the socket is closed when the
 *                          peer's close frame arrives (or close_timeout_ms); while still opening:
 *                          the socket is dropped at once
 *   peer close frame / EOF / error
 *                       -> wps_client_on_close(the peer's code and reason; 1006 without a close frame)
 *   time                -> wps_client_tick when wps_client_next_deadline is due, at each poll
 */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif
#include "wslay_posix.h"

#include <wslay/wslay.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

enum { P_IDLE, P_CONNECTING, P_HS_SEND, P_HS_RECV, P_OPEN };

#define RX_BUDGET (1u << 20) /* bytes read per poll at most: a 60 Hz frame stays short */

static void trace(const wps_wslay *t, const char *fmt, ...) {
    va_list ap;
    if (!t->opt.trace) return;
    va_start(ap, fmt);
    fputs("[wps_wslay] ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

/* ---- SHA-1 (FIPS 180-4) and base64, for Sec-WebSocket-Key / -Accept only ---- */

static uint32_t rol32(uint32_t x, unsigned n) { return (x << n) | (x >> (32 - n)); }

static void sha1(const unsigned char *msg, size_t len, unsigned char out[20]) {
    uint32_t h[5] = {0x67452301u, 0xEFCDAB89u, 0x98BADCFEu, 0x10325476u, 0xC3D2E1F0u};
    size_t total = (len + 8) / 64 * 64 + 64, off, i; /* message, 0x80, zeros, 64-bit bit length */
    for (off = 0; off < total; off += 64) {
        uint32_t w[80], a, b, c, d, e;
        for (i = 0; i < 64; i++) {
            size_t p = off + i;
            unsigned char byte = 0;
            if (p < len) byte = msg[p];
            else if (p == len) byte = 0x80;
            else if (p >= total - 8) byte = (unsigned char)(((uint64_t)len * 8) >> (8 * (total - 1 - p)));
            if (i % 4 == 0) w[i / 4] = 0;
            w[i / 4] |= (uint32_t)byte << (8 * (3 - i % 4));
        }
        for (i = 16; i < 80; i++) w[i] = rol32(w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16], 1);
        a = h[0], b = h[1], c = h[2], d = h[3], e = h[4];
        for (i = 0; i < 80; i++) {
            uint32_t f, k, tmp;
            if (i < 20) f = (b & c) | (~b & d), k = 0x5A827999u;
            else if (i < 40) f = b ^ c ^ d, k = 0x6ED9EBA1u;
            else if (i < 60) f = (b & c) | (b & d) | (c & d), k = 0x8F1BBCDCu;
            else f = b ^ c ^ d, k = 0xCA62C1D6u;
            tmp = rol32(a, 5) + f + e + k + w[i];
            e = d, d = c, c = rol32(b, 30), b = a, a = tmp;
        }
        h[0] += a, h[1] += b, h[2] += c, h[3] += d, h[4] += e;
    }
    for (i = 0; i < 20; i++) out[i] = (unsigned char)(h[i / 4] >> (8 * (3 - i % 4)));
}

/* standard base64 with padding; out needs 4 * ((n + 2) / 3) + 1 bytes */
static void base64(const unsigned char *in, size_t n, char *out) {
    static const char abc[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t i, o = 0;
    for (i = 0; i < n; i += 3) {
        uint32_t v = (uint32_t)in[i] << 16 | (i + 1 < n ? (uint32_t)in[i + 1] << 8 : 0) | (i + 2 < n ? in[i + 2] : 0);
        out[o++] = abc[v >> 18 & 63];
        out[o++] = abc[v >> 12 & 63];
        out[o++] = i + 1 < n ? abc[v >> 6 & 63] : '=';
        out[o++] = i + 2 < n ? abc[v & 63] : '=';
    }
    out[o] = 0;
}

/* xorshift64*: frame masks and the handshake key (RFC 6455 asks for unpredictable masks against
   proxy cache poisoning by scripts; a native client has no such attacker in-process) */
static uint64_t rng_next(wps_wslay *t) {
    t->rng ^= t->rng >> 12;
    t->rng ^= t->rng << 25;
    t->rng ^= t->rng >> 27;
    return t->rng * 0x2545F4914F6CDD1Dull;
}

static void rng_fill(wps_wslay *t, unsigned char *buf, size_t len) {
    size_t i;
    for (i = 0; i < len; i++) buf[i] = (unsigned char)(rng_next(t) >> 56);
}

static void rng_seed(wps_wslay *t) {
    struct timespec ts;
    int fd;
    if (t->rng) return;
    fd = open("/dev/urandom", O_RDONLY | O_NONBLOCK);
    if (fd >= 0) {
        if (read(fd, &t->rng, sizeof t->rng) != (ssize_t)sizeof t->rng) t->rng = 0;
        close(fd);
    }
    clock_gettime(CLOCK_REALTIME, &ts);
    t->rng ^= (uint64_t)ts.tv_nsec << 20 ^ (uint64_t)ts.tv_sec ^ (uint64_t)getpid() << 40;
    if (!t->rng) t->rng = 0x9E3779B97F4A7C15ull;
}

/* ---- socket lifetime ---- */

/* closes the socket and its wslay context; queued received messages stay, to be fed first */
static void drop_socket(wps_wslay *t) {
    if (t->ws) wslay_event_context_free(t->ws);
    t->ws = NULL;
    if (t->fd >= 0) close(t->fd);
    t->fd = -1;
    free(t->req);
    t->req = NULL;
    t->phase = P_IDLE;
    t->closing = t->close_received = t->eof = 0;
}

static void open_failed(wps_wslay *t, uint16_t code, const char *why) {
    trace(t, "open failed (%u): %s", (unsigned)code, why);
    drop_socket(t);
    t->in.open = 2;
    t->in.code = code;
}

/* the socket ended: the client hears on_close(code) after the messages read before it */
static void finish(wps_wslay *t, uint16_t code) {
    trace(t, "socket closed (%u)", (unsigned)code);
    drop_socket(t);
    t->in.closed = 1;
    t->in.code = code;
}

/* ---- wslay callbacks: they only move bytes and store; the client is fed after wslay returns ---- */

static ssize_t recv_cb(wslay_event_context_ptr ctx, uint8_t *buf, size_t len, int flags, void *user) {
    wps_wslay *t = (wps_wslay *)user;
    (void)flags;
    if (t->resp_off < t->resp_end) { /* bytes that came with the upgrade response */
        size_t n = t->resp_end - t->resp_off < len ? t->resp_end - t->resp_off : len;
        memcpy(buf, t->resp + t->resp_off, n);
        t->resp_off += n;
        return (ssize_t)n;
    }
    if (t->read_this_poll >= RX_BUDGET) {
        wslay_event_set_error(ctx, WSLAY_ERR_WOULDBLOCK);
        return -1;
    }
    for (;;) {
        ssize_t r = recv(t->fd, buf, len, 0);
        if (r > 0) {
            t->read_this_poll += (size_t)r;
            return r;
        }
        if (r < 0 && errno == EINTR) continue;
        if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            wslay_event_set_error(ctx, WSLAY_ERR_WOULDBLOCK);
            return -1;
        }
        t->eof = 1; /* 0: the peer closed the TCP connection; < 0: reset or another error */
        wslay_event_set_error(ctx, WSLAY_ERR_CALLBACK_FAILURE);
        return -1;
    }
}

static ssize_t send_cb(wslay_event_context_ptr ctx, const uint8_t *data, size_t len, int flags, void *user) {
    wps_wslay *t = (wps_wslay *)user;
    (void)flags;
    for (;;) {
        ssize_t w = send(t->fd, data, len, MSG_NOSIGNAL);
        if (w >= 0) return w;
        if (errno == EINTR) continue;
        wslay_event_set_error(ctx, errno == EAGAIN || errno == EWOULDBLOCK ? WSLAY_ERR_WOULDBLOCK : WSLAY_ERR_CALLBACK_FAILURE);
        return -1;
    }
}

static int genmask_cb(wslay_event_context_ptr ctx, uint8_t *buf, size_t len, void *user) {
    (void)ctx;
    rng_fill((wps_wslay *)user, buf, len);
    return 0;
}

static void on_msg_cb(wslay_event_context_ptr ctx, const struct wslay_event_on_msg_recv_arg *arg, void *user) {
    wps_wslay *t = (wps_wslay *)user;
    (void)ctx;
    if (arg->opcode == WSLAY_TEXT_FRAME || arg->opcode == WSLAY_BINARY_FRAME) {
        unsigned char *m = (unsigned char *)malloc(arg->msg_length + 1);
        if (m && arg->msg_length) memcpy(m, arg->msg, arg->msg_length);
        if (!m || wps_adapter_push(&t->in, m, arg->msg_length, arg->opcode == WSLAY_TEXT_FRAME) < 0)
            t->error = -1; /* the message is lost: the socket is dropped below and the client recovers */
    } else if (arg->opcode == WSLAY_CONNECTION_CLOSE) { /* wslay queues the close reply itself */
        size_t n = arg->msg_length > 2 ? arg->msg_length - 2 : 0;
        if (n > sizeof t->in.reason) n = sizeof t->in.reason;
        t->close_received = 1;
        t->close_code = arg->status_code ? arg->status_code : 1005;
        if (n) memcpy(t->in.reason, arg->msg + 2, n);
        t->in.reason_len = n;
        trace(t, "close frame received (%u)", (unsigned)t->close_code);
    } /* ping: wslay answers with a pong; pong: nothing to do */
}

/* ---- opening: TCP connect, upgrade request, response ---- */

static void start_open(wps_wslay *t, wps_slice url, const char *subprotocol) {
    static const char guid[] = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
    char host[256], port[8] = "80", key[25], keyguid[64];
    unsigned char nonce[16], digest[20];
    const char *u = url.ptr, *path, *authority;
    size_t n = url.len, p, q, h0, h1, alen, plen, cap;
    struct addrinfo hints, *ai = NULL;
    int fd, one = 1, r;
    drop_socket(t);
    t->resp_len = t->resp_off = t->resp_end = 0;
    t->in.reason_len = 0;
    t->deadline = t->now + t->open_timeout_ms;
    if (n >= 6 && !strncasecmp(u, "wss://", 6)) {
        open_failed(t, 0, "wss:// needs TLS, which this adapter leaves to the host (see wslay_posix.h)");
        return;
    }
    if (n < 5 || strncasecmp(u, "ws://", 5)) {
        open_failed(t, 0, "not a ws:// URL");
        return;
    }
    p = 5;
    for (q = p; q < n && u[q] != '/' && u[q] != '?' && u[q] != '#'; q++) {}
    authority = u + p;
    alen = q - p;
    h0 = p, h1 = q; /* host [h0, h1), then an optional :port */
    if (h0 < q && u[h0] == '[') {
        for (h1 = h0; h1 < q && u[h1] != ']'; h1++) {}
        if (h1 == q) {
            open_failed(t, 0, "bad IPv6 address in the URL");
            return;
        }
        h0++;
        p = h1 + 1;
    } else {
        for (h1 = h0; h1 < q && u[h1] != ':'; h1++) {}
        p = h1;
    }
    if (p < q && u[p] == ':') {
        if (q - p - 1 == 0 || q - p - 1 >= sizeof port) {
            open_failed(t, 0, "bad port in the URL");
            return;
        }
        memcpy(port, u + p + 1, q - p - 1);
        port[q - p - 1] = 0;
    } else if (p != q) {
        open_failed(t, 0, "bad host in the URL");
        return;
    }
    if (h1 == h0 || h1 - h0 >= sizeof host) {
        open_failed(t, 0, "bad host in the URL");
        return;
    }
    memcpy(host, u + h0, h1 - h0);
    host[h1 - h0] = 0;
    path = u + q;
    plen = n - q;
    if (plen && path[0] == '#') plen = 0;
    if (strlen(subprotocol ? subprotocol : "") >= sizeof t->subprotocol) {
        open_failed(t, 0, "subprotocol too long");
        return;
    }
    strcpy(t->subprotocol, subprotocol ? subprotocol : "");

    /* the request: key = base64(16 random bytes), accept = base64(SHA-1(key + GUID)) */
    rng_seed(t);
    rng_fill(t, nonce, sizeof nonce);
    base64(nonce, sizeof nonce, key);
    memcpy(keyguid, key, 24);
    memcpy(keyguid + 24, guid, 36);
    sha1((const unsigned char *)keyguid, 60, digest);
    base64(digest, sizeof digest, t->accept);
    cap = plen + alen + strlen(t->subprotocol) + 256;
    t->req = (char *)malloc(cap);
    if (!t->req || plen > 1u << 20) {
        t->error = -1;
        open_failed(t, 0, "out of memory");
        return;
    }
    r = snprintf(t->req, cap,
                 "GET %s%.*s HTTP/1.1\r\nHost: %.*s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                 "Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n%s%s%s\r\n",
                 plen && path[0] == '/' ? "" : "/", (int)plen, path, (int)alen, authority, key,
                 t->subprotocol[0] ? "Sec-WebSocket-Protocol: " : "", t->subprotocol, t->subprotocol[0] ? "\r\n" : "");
    if (r < 0 || (size_t)r >= cap) {
        open_failed(t, 0, "request too long");
        return;
    }
    t->req_len = (size_t)r;
    t->req_off = 0;

    /* TCP: getaddrinfo blocks only for a name (see wslay_posix.h); connect never blocks */
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICSERV;
    if ((r = getaddrinfo(host, port, &hints, &ai)) != 0 || !ai) {
        open_failed(t, 0, gai_strerror(r));
        return;
    }
    fd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
    if (fd < 0 || fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) < 0) {
        if (fd >= 0) close(fd);
        freeaddrinfo(ai);
        open_failed(t, 0, strerror(errno));
        return;
    }
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one); /* small frames go out at once */
    t->fd = fd;
    r = connect(fd, ai->ai_addr, ai->ai_addrlen);
    freeaddrinfo(ai);
    if (r < 0 && errno != EINPROGRESS && errno != EINTR) {
        open_failed(t, 0, strerror(errno));
        return;
    }
    t->phase = r == 0 ? P_HS_SEND : P_CONNECTING;
    trace(t, "connecting to %s port %s", host, port);
}

/* case-insensitive: does s[0..n) contain word? */
static int has_word(const char *s, size_t n, const char *word) {
    size_t i, w = strlen(word);
    for (i = 0; i + w <= n; i++)
        if (!strncasecmp(s + i, word, w)) return 1;
    return 0;
}

/* the response's head is resp[0..head) (up to and including the blank line) */
static void check_response(wps_wslay *t, size_t head) {
    static const struct wslay_event_callbacks cb = {recv_cb, send_cb, genmask_cb, NULL, NULL, NULL, on_msg_cb};
    const char *s = t->resp, *end = t->resp + head, *line;
    int status = 0, upgrade = 0, connection = 0, accept = 0, protocol = 0;
    if (head < 12 || strncmp(s, "HTTP/1.", 7) || s[8] != ' ') {
        open_failed(t, 0, "not an HTTP response");
        return;
    }
    status = (s[9] - '0') * 100 + (s[10] - '0') * 10 + (s[11] - '0');
    if (status != 101) {
        trace(t, "upgrade refused: HTTP %d", status);
        open_failed(t, status > 0 && status < 1000 ? (uint16_t)status : 0, "the upgrade was refused");
        return;
    }
    for (line = (const char *)memchr(s, '\n', head) + 1; line < end; line = (const char *)memchr(line, '\n', (size_t)(end - line)) + 1) {
        const char *eol = (const char *)memchr(line, '\n', (size_t)(end - line)), *colon, *v, *ve;
        colon = (const char *)memchr(line, ':', (size_t)(eol - line));
        if (!colon) continue;
        for (v = colon + 1; v < eol && (*v == ' ' || *v == '\t'); v++) {}
        for (ve = eol; ve > v && (ve[-1] == '\r' || ve[-1] == ' ' || ve[-1] == '\t'); ve--) {}
#define NAME_IS(lit) ((size_t)(colon - line) == sizeof lit - 1 && !strncasecmp(line, lit, sizeof lit - 1))
        if (NAME_IS("upgrade")) upgrade = has_word(v, (size_t)(ve - v), "websocket");
        else if (NAME_IS("connection")) connection = has_word(v, (size_t)(ve - v), "upgrade");
        else if (NAME_IS("sec-websocket-accept")) accept = (size_t)(ve - v) == 28 && !memcmp(v, t->accept, 28);
        else if (NAME_IS("sec-websocket-protocol"))
            protocol = (size_t)(ve - v) == strlen(t->subprotocol) && !memcmp(v, t->subprotocol, (size_t)(ve - v));
#undef NAME_IS
    }
    if (!upgrade || !connection || !accept) {
        open_failed(t, 0, !accept ? "wrong or missing Sec-WebSocket-Accept" : "no Upgrade: websocket / Connection: Upgrade");
        return;
    }
    if (t->subprotocol[0] && !protocol) { /* the service must select the client's subprotocol */
        open_failed(t, 0, "the subprotocol was not selected");
        return;
    }
    if (wslay_event_context_client_init(&t->ws, &cb, t) != 0) {
        t->ws = NULL;
        t->error = -1;
        open_failed(t, 0, "out of memory");
        return;
    }
    wslay_event_config_set_max_recv_msg_length(t->ws, t->max_message);
    t->resp_off = head;
    t->resp_end = t->resp_len;
    t->phase = P_OPEN;
    t->in.open = 1;
    trace(t, "open (subprotocol %s, %u bytes of frames came with the response)", t->subprotocol, (unsigned)(t->resp_end - head));
}

/* ---- I/O: as much as the socket allows now ---- */

static void io_open(wps_wslay *t) {
    int lost = 0;
    if (wslay_event_want_read(t->ws) && wslay_event_recv(t->ws) != 0) lost = 1;
    if (t->error) lost = 1; /* out of memory for a message */
    if (!lost && wslay_event_want_write(t->ws) && wslay_event_send(t->ws) != 0) lost = 1;
    if (lost || t->eof) finish(t, t->close_received ? t->close_code : 1006);
    else if (t->close_received && !wslay_event_want_write(t->ws)) finish(t, t->close_code); /* our reply is out */
    else if (!wslay_event_get_read_enabled(t->ws) && !wslay_event_want_write(t->ws))
        finish(t, 1006); /* wslay failed the connection (protocol error, message too big) and sent its close */
    else if (t->closing && t->now >= t->deadline) finish(t, 1006); /* no answer to our close frame */
}

/* returns nonzero when it produced something for the client or changed phase */
static int io(wps_wslay *t) {
    int phase0 = t->phase;
    if (t->phase == P_CONNECTING) {
        struct pollfd pf;
        pf.fd = t->fd;
        pf.events = POLLOUT;
        pf.revents = 0;
        if (poll(&pf, 1, 0) > 0) {
            int err = 0;
            socklen_t l = sizeof err;
            if (getsockopt(t->fd, SOL_SOCKET, SO_ERROR, &err, &l) < 0 || err) open_failed(t, 0, strerror(err ? err : errno));
            else t->phase = P_HS_SEND;
        }
    }
    if (t->phase == P_HS_SEND) {
        while (t->req_off < t->req_len) {
            ssize_t w = send(t->fd, t->req + t->req_off, t->req_len - t->req_off, MSG_NOSIGNAL);
            if (w > 0) t->req_off += (size_t)w;
            else if (w < 0 && errno == EINTR) continue;
            else break;
        }
        if (t->req_off == t->req_len) t->phase = P_HS_RECV;
        else if (errno != EAGAIN && errno != EWOULDBLOCK) open_failed(t, 0, strerror(errno));
    }
    if (t->phase == P_HS_RECV) {
        for (;;) {
            ssize_t r = recv(t->fd, t->resp + t->resp_len, sizeof t->resp - 1 - t->resp_len, 0);
            char *blank;
            if (r < 0 && errno == EINTR) continue;
            if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
            if (r <= 0) {
                open_failed(t, 0, r ? strerror(errno) : "the server closed the connection during the upgrade");
                break;
            }
            t->resp_len += (size_t)r;
            t->resp[t->resp_len] = 0;
            blank = strstr(t->resp, "\r\n\r\n"); /* frames may follow: binary after the head is fine */
            if (blank) {
                check_response(t, (size_t)(blank + 4 - t->resp));
                break;
            }
            if (t->resp_len == sizeof t->resp - 1) {
                open_failed(t, 0, "upgrade response head too long");
                break;
            }
        }
    }
    if (t->phase > P_IDLE && t->phase < P_OPEN && t->now >= t->deadline) open_failed(t, 0, "timed out");
    if (t->phase == P_OPEN) io_open(t);
    return t->phase != phase0 || wps_adapter_pending(&t->in);
}

/* ---- the client's actions, and the inputs fed back ---- */

static void act(wps_wslay *t, const wps_action *a) {
    switch (a->kind) {
    case WPS_ACTION_NEED_URL:
        if (t->opt.url) t->want_url = 1; /* answered after the poll loop: no input while polling */
        else if (t->opt.on_action) t->opt.on_action(t->opt.user, a);
        break;
    case WPS_ACTION_OPEN: start_open(t, a->url, a->subprotocol); break;
    case WPS_ACTION_SEND:
        if (t->phase == P_OPEN && !t->closing) {
            struct wslay_event_msg m;
            m.opcode = a->is_text ? WSLAY_TEXT_FRAME : WSLAY_BINARY_FRAME;
            m.msg = (const uint8_t *)a->frame.ptr;
            m.msg_length = a->frame.len;
            if (wslay_event_queue_msg(t->ws, &m) == WSLAY_ERR_NOMEM) {
                t->error = -1;
                finish(t, 1006);
            }
        } /* else the socket is gone: the client sends the call again after the recovery */
        break;
    case WPS_ACTION_CLOSE:
        if (t->phase == P_OPEN && !t->closing) {
            size_t n = a->close_reason.len < 123 ? a->close_reason.len : 123;
            t->closing = 1;
            t->deadline = t->now + t->close_timeout_ms;
            trace(t, "closing (%u)", (unsigned)a->close_code);
            if (wslay_event_queue_close(t->ws, a->close_code, (const uint8_t *)a->close_reason.ptr, n) != 0) finish(t, 1006);
        } else if (t->phase != P_IDLE && t->phase != P_OPEN) {
            trace(t, "closing while opening: the socket is dropped");
            finish(t, 1006);
        } /* no socket, or a close already under way: nothing to do */
        break;
    case WPS_ACTION_EVENT:
    case WPS_ACTION_COMPLETE:
        if (t->opt.on_action) t->opt.on_action(t->opt.user, a);
        break;
    default: break;
    }
}

/* Runs the client's actions and feeds it what the socket produced, one input at a time, until
   neither is left. Order: open, then the messages read, then close. A message stays allocated
   until the actions about it are polled (they point into it). */
static void pump(wps_wslay *t) {
    wps_client *c = t->client;
    for (;;) {
        wps_action a;
        wps_status st;
        while (wps_adapter_take(c, &a, &t->tx)) act(t, &a);
        if (t->want_url) {
            t->want_url = 0;
            wps_client_set_url(c, t->now, t->opt.url, strlen(t->opt.url));
        } else if (!wps_adapter_feed(&t->in, c, t->now, &st)) {
            break;
        } else if (st != WPS_OK) {
            trace(t, "an input was refused: %s", wps_status_name(st));
        }
    }
}

/* ---- the adapter shape ---- */

int wps_wslay_init(wps_wslay *t, wps_client *c, const wps_adapter_options *o) {
    if (!t || !c || !o) return -1;
    memset(t, 0, sizeof *t);
    t->client = c;
    t->opt = *o;
    t->fd = -1;
    t->open_timeout_ms = 10000;
    t->close_timeout_ms = 2000;
    t->max_message = 8u << 20;
    return 0;
}

int wps_wslay_poll(wps_wslay *t, uint64_t now_ms) {
    int round;
    t->now = now_ms;
    t->error = 0;
    t->read_this_poll = 0;
    if (wps_client_next_deadline(t->client) <= now_ms) wps_client_tick(t->client, now_ms);
    for (round = 0; round < 8; round++) { /* bounded: what is left waits for the next poll */
        pump(t);
        if (!io(t)) break;
    }
    return t->error;
}

int wps_wslay_send_pending(const wps_wslay *t) {
    size_t n = 0;
    if (t->phase > P_IDLE && t->phase < P_HS_RECV) n += t->req_len - t->req_off;
    if (t->ws) n += wslay_event_get_queued_msg_length(t->ws);
    return n > 0x7fffffff ? 0x7fffffff : (int)n;
}

void wps_wslay_close(wps_wslay *t) {
    int had_socket = t->fd >= 0;
    drop_socket(t);
    wps_adapter_clear(&t->in);
    wps_adapter_tx_free(&t->tx);
    if (had_socket) wps_client_on_close(t->client, t->now, 1006, NULL, 0);
}
