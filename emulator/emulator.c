/* wps-emulator: a local Azure Web PubSub service on one loopback port, built on wps.h and
 * libwebsockets. WebSocket clients connect to /client/hubs/<hub> (json.webpubsub.azure.v1,
 * json.reliable.webpubsub.azure.v1 or no subprotocol); the REST API is under /api/...; faults
 * are injected through /admin/... . The service logic is emulator/emulator_core.c (no I/O).
 *
 *   build/wps-emulator [--config FILE] [--listen ADDR] [--port N] [--connection-string CS]
 *                      [--hub H]... [--event-handler SPEC]... [--recovery-window-ms N]
 *                      [--ack-delay-ms N] [--tls-cert PEM --tls-key PEM] [--quiet]
 *
 * --event-handler: "URL_TEMPLATE" or "hub=H;url=URL_TEMPLATE;user=E1,E2|*;system=connect,..."
 * ({hub} and {event} replaced); the config file has one "flag value" per line.
 *
 * Admin endpoints (loopback, no auth): POST /admin/drop/<connectionId>[?outage_ms=N] (abrupt
 * drop, recovery possible; with outage_ms recoveries get 503 meanwhile), POST
 * /admin/close1008/<connectionId>, POST /admin/faults?refuse_recovery=0|1&fail_acks=0|1&
 * ack_delay_ms=N, GET /admin/stats.
 *
 * Event handlers are called by a small blocking HTTP/1.1 client (host_webhook) from the event
 * loop. Each socket's outgoing queue is capped (MAX_QUEUED_BYTES): a client that stops reading
 * is dropped.
 */
#define _POSIX_C_SOURCE 200809L
#define WPS_IMPLEMENTATION
#include "emulator_core.h"

#include <libwebsockets.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define DEFAULT_KEY "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789ABCDEFGH"

static emu *g_emu;
static int g_quiet;
static volatile sig_atomic_t g_stop;

static uint64_t now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts); /* tokens carry Unix times: the core needs the wall clock */
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void log_line(void *ctx, const char *line) {
    (void)ctx;
    if (!g_quiet) fprintf(stderr, "[wps-emulator] %s\n", line);
}

/* ------------------------------------------------------------------ per-socket state */

typedef struct frame {
    struct frame *next;
    size_t len;
    int is_text;
    unsigned char data[1]; /* LWS_PRE bytes, then the payload */
} frame;

typedef struct pss {
    /* WebSocket */
    emu_conn *conn;
    frame *head, *tail;
    size_t queued; /* bytes in the frame list */
    int closing;
    uint16_t close_code;
    char close_reason[124];
    /* HTTP */
    char method[8];
    char target[16384];
    char host[256];
    char auth[16384];
    char ctype[128];
    char *body;
    size_t body_len, body_cap;
    emu_response resp;
    int have_resp, handled, too_big;
} pss;

/* upgrades accepted by the core, waiting for LWS_CALLBACK_ESTABLISHED on the same wsi */
typedef struct pending_upgrade {
    struct pending_upgrade *next;
    struct lws *wsi;
    emu_conn *conn;
} pending_upgrade;
static pending_upgrade *g_pending;

static void host_detach(void *ctx, void *socket) {
    pss *p = (pss *)lws_wsi_user((struct lws *)socket);
    (void)ctx;
    if (p) p->conn = NULL;
}

static void free_frames(pss *p) {
    while (p->head) {
        frame *f = p->head;
        p->head = f->next;
        free(f);
    }
    p->tail = NULL;
    p->queued = 0;
}

/* what one socket may have waiting to be written before it counts as not reading */
#define MAX_QUEUED_BYTES (16u * 1024u * 1024u)

static void host_send(void *ctx, emu_conn *c, void *socket, const void *data, size_t len, int is_text) {
    struct lws *wsi = (struct lws *)socket;
    pss *p = (pss *)lws_wsi_user(wsi);
    frame *f;
    (void)ctx, (void)c;
    if (!p || p->closing) return;
    if (p->queued + len > MAX_QUEUED_BYTES) { /* a client that does not read: dropped, not buffered without end */
        log_line(NULL, "a client does not read its messages (16 MB queued): its socket is dropped");
        p->closing = 1;
        p->close_code = 0;
        free_frames(p);
        lws_set_timeout(wsi, PENDING_TIMEOUT_KILLED_BY_PARENT, LWS_TO_KILL_ASYNC);
        return;
    }
    f = (frame *)malloc(sizeof *f + LWS_PRE + len);
    if (!f) return;
    f->next = NULL;
    f->len = len;
    f->is_text = is_text;
    memcpy(f->data + LWS_PRE, data, len);
    if (p->tail) p->tail->next = f;
    else p->head = f;
    p->tail = f;
    p->queued += len;
    lws_callback_on_writable(wsi);
}

static void host_close(void *ctx, emu_conn *c, void *socket, uint16_t code, const char *reason) {
    struct lws *wsi = (struct lws *)socket;
    pss *p = (pss *)lws_wsi_user(wsi);
    (void)ctx, (void)c;
    if (!p) return;
    if (code == 0) { /* abrupt: no close frame; the client sees 1006 */
        shutdown(lws_get_socket_fd(wsi), SHUT_RDWR);
        return;
    }
    p->closing = 1;
    p->close_code = code;
    snprintf(p->close_reason, sizeof p->close_reason, "%s", reason ? reason : "");
    lws_callback_on_writable(wsi);
}


static void copy_hdr(struct lws *wsi, enum lws_token_indexes t, char *dst, size_t cap) {
    dst[0] = 0;
    if (lws_hdr_total_length(wsi, t) > 0) lws_hdr_copy(wsi, dst, (int)cap, t);
}

/* path + "?" + args (lws hands the query split into fragments) */
static void full_target(struct lws *wsi, const char *path, char *dst, size_t cap) {
    int i = 0;
    char frag[8192]; /* a query parameter: access tokens with many roles are long */
    size_t n;
    snprintf(dst, cap, "%s", path);
    while (lws_hdr_copy_fragment(wsi, frag, sizeof frag, WSI_TOKEN_HTTP_URI_ARGS, i) > 0) {
        n = strlen(dst);
        snprintf(dst + n, cap - n, "%s%s", i ? "&" : "?", frag);
        i++;
    }
}

/* lws decodes the query fragments; re-encode each value so the core can split on & and = */
static void reencode_target(char *t, size_t cap) {
    char *q = strchr(t, '?'), out[8192];
    size_t o = 0;
    if (!q) return;
    o = (size_t)(q - t) + 1;
    memcpy(out, t, o);
    for (q++; *q && o + 4 < sizeof out; q++) {
        unsigned char ch = (unsigned char)*q;
        if (ch == '&' || ch == '=') {
            /* '&' separates fragments; the first '=' of a fragment separates name and value */
            out[o++] = (char)ch;
            continue;
        }
        if ((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || strchr("-._~", ch)) out[o++] = (char)ch;
        else o += (size_t)snprintf(out + o, sizeof out - o, "%%%02X", ch);
    }
    out[o] = 0;
    snprintf(t, cap, "%s", out);
}

static int method_of(struct lws *wsi, char *method, size_t cap) {
    static const struct {
        enum lws_token_indexes t;
        const char *m;
    } m[] = {{WSI_TOKEN_GET_URI, "GET"},       {WSI_TOKEN_POST_URI, "POST"},       {WSI_TOKEN_PUT_URI, "PUT"},
             {WSI_TOKEN_DELETE_URI, "DELETE"}, {WSI_TOKEN_HEAD_URI, "HEAD"},       {WSI_TOKEN_OPTIONS_URI, "OPTIONS"},
             {WSI_TOKEN_PATCH_URI, "PATCH"}};
    size_t i;
    for (i = 0; i < sizeof m / sizeof m[0]; i++)
        if (lws_hdr_total_length(wsi, m[i].t) > 0) {
            snprintf(method, cap, "%s", m[i].m);
            return 1;
        }
    return 0;
}

/* ------------------------------------------------------------------ webhook client */

/* A blocking HTTP/1.1 client for the event handlers (plain http; the service's requests are
   small). It runs inside the event loop: a slow handler holds every connection up, which an
   emulator may do (the service runs them concurrently). Limits: 10 s, 4 MB of answer. */
#define WEBHOOK_TIMEOUT_MS 10000

static int wait_fd(int fd, short events, uint64_t deadline) {
    struct pollfd pf;
    uint64_t t = now_ms();
    if (t >= deadline) return 0;
    pf.fd = fd;
    pf.events = events;
    pf.revents = 0;
    return poll(&pf, 1, (int)(deadline - t)) > 0;
}

/* strstr, ASCII case-insensitive */
static const char *find_ci(const char *hay, const char *needle) {
    size_t n = strlen(needle);
    for (; *hay; hay++)
        if (!strncasecmp(hay, needle, n)) return hay;
    return NULL;
}

static int header_is(const char *line, size_t n, const char *name, const char **value) {
    size_t k = strlen(name);
    if (n <= k || line[k] != ':' || strncasecmp(line, name, k)) return 0;
    *value = line + k + 1;
    while (**value == ' ' || **value == '\t') (*value)++;
    return 1;
}

static int host_webhook(void *ctx, const emu_webhook_request *rq, emu_webhook_response *rs) {
    char host[256], port[8] = "80", *req = NULL, *ans = NULL;
    const char *u = rq->url, *hs, *path;
    size_t hl, i, rlen = 0, rcap = 0, alen = 0, acap = 0;
    struct addrinfo hints, *ai = NULL;
    uint64_t deadline = now_ms() + WEBHOOK_TIMEOUT_MS;
    int fd = -1, ok = -1;
    (void)ctx;
    if (strncmp(u, "http://", 7)) {
        log_line(NULL, "event handler URLs must be http:// (no TLS in this emulator)");
        return -1;
    }
    hs = u + 7;
    path = strchr(hs, '/');
    hl = path ? (size_t)(path - hs) : strlen(hs);
    if (!path) path = "/";
    if (hl >= sizeof host) return -1;
    memcpy(host, hs, hl);
    host[hl] = 0;
    if (host[0] != '[' && strchr(host, ':')) { /* host:port */
        char *c = strchr(host, ':');
        snprintf(port, sizeof port, "%.5s", c + 1);
        *c = 0;
    }
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    if (getaddrinfo(host, port, &hints, &ai) || !ai) return -1;
    fd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
    if (fd < 0) goto out;
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL, 0) | O_NONBLOCK);
    if (connect(fd, ai->ai_addr, ai->ai_addrlen) && errno != EINPROGRESS) goto out;
    if (!wait_fd(fd, POLLOUT, deadline)) goto out;
    {
        int err = 0;
        socklen_t el = sizeof err;
        if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &el) || err) goto out;
    }
    /* the request */
    rcap = 1024 + strlen(rq->method) + strlen(path) + hl + rq->body_len; /* the fixed text is under 1024 */
    for (i = 0; i < rq->header_count; i++) rcap += rq->headers[i].name.len + rq->headers[i].value.len + 4;
    req = (char *)malloc(rcap);
    if (!req) goto out;
    rlen = (size_t)snprintf(req, rcap, "%s %s HTTP/1.1\r\nHost: %.*s\r\nConnection: close\r\nContent-Length: %zu\r\n", rq->method, path,
                            (int)hl, hs, rq->body_len);
    for (i = 0; i < rq->header_count; i++)
        rlen += (size_t)snprintf(req + rlen, rcap - rlen, "%.*s: %.*s\r\n", (int)rq->headers[i].name.len, rq->headers[i].name.ptr,
                                 (int)rq->headers[i].value.len, rq->headers[i].value.ptr);
    rlen += (size_t)snprintf(req + rlen, rcap - rlen, "\r\n");
    if (rlen + rq->body_len >= rcap) goto out; /* cannot happen: rcap counts every part */
    if (rq->body_len) memcpy(req + rlen, rq->body, rq->body_len), rlen += rq->body_len;
    for (i = 0; i < rlen;) {
        ssize_t w;
        if (!wait_fd(fd, POLLOUT, deadline)) goto out;
        w = send(fd, req + i, rlen - i, MSG_NOSIGNAL);
        if (w < 0 && errno != EAGAIN && errno != EINTR) goto out;
        if (w > 0) i += (size_t)w;
    }
    /* the answer, to the end of the stream (Connection: close) */
    for (;;) {
        ssize_t r;
        if (alen + 4096 + 1 > acap) {
            char *na;
            if (acap > 4u * 1024u * 1024u) goto out;
            acap = acap ? acap * 2 : 8192;
            na = (char *)realloc(ans, acap);
            if (!na) goto out;
            ans = na;
        }
        if (!wait_fd(fd, POLLIN, deadline)) goto out;
        r = recv(fd, ans + alen, acap - alen - 1, 0);
        if (r == 0) break;
        if (r < 0) {
            if (errno == EAGAIN || errno == EINTR) continue;
            goto out;
        }
        alen += (size_t)r;
        ans[alen] = 0;
        { /* complete? (a handler may keep the connection open despite Connection: close) */
            const char *he = strstr(ans, "\r\n\r\n"), *cl;
            if (he) {
                size_t head = (size_t)(he + 4 - ans);
                cl = find_ci(ans, "\r\ncontent-length:");
                if (cl && cl < he && alen >= head + strtoul(cl + 17, NULL, 10)) break;
                if (find_ci(ans, "\r\ntransfer-encoding: chunked") && alen >= 5 && !memcmp(ans + alen - 5, "0\r\n\r\n", 5)) break;
                if (!strncmp(ans + 9, "204", 3) || !strncmp(ans + 9, "304", 3)) break;
            }
        }
    }
    ans[alen] = 0;
    {
        char *hdr_end = strstr(ans, "\r\n\r\n"), *line, *body;
        size_t blen, clen = (size_t)-1;
        int chunked = 0;
        if (!hdr_end || strncmp(ans, "HTTP/1.", 7) || strlen(ans) < 12) goto out;
        rs->status = atoi(ans + 9);
        body = hdr_end + 4;
        for (line = strstr(ans, "\r\n") + 2; line < hdr_end;) {
            char *eol = strstr(line, "\r\n");
            size_t n = (size_t)(eol - line);
            const char *v;
            if (header_is(line, n, "Content-Type", &v)) snprintf(rs->content_type, sizeof rs->content_type, "%.*s", (int)(eol - v), v);
            else if (header_is(line, n, "WebHook-Allowed-Origin", &v)) snprintf(rs->allowed_origin, sizeof rs->allowed_origin, "%.*s", (int)(eol - v), v);
            else if (header_is(line, n, "ce-connectionState", &v)) {
                free(rs->connection_state);
                rs->connection_state = strndup(v, (size_t)(eol - v));
            } else if (header_is(line, n, "Content-Length", &v)) clen = strtoul(v, NULL, 10);
            else if (header_is(line, n, "Transfer-Encoding", &v) && !strncasecmp(v, "chunked", 7)) chunked = 1;
            line = eol + 2;
        }
        blen = alen - (size_t)(body - ans);
        if (chunked) { /* decoded in place */
            char *in = body, *outp = body, *end = ans + alen;
            for (;;) {
                char *nl = strstr(in, "\r\n");
                unsigned long n;
                if (!nl) goto out;
                n = strtoul(in, NULL, 16);
                in = nl + 2;
                if (!n) break;
                if ((size_t)(end - in) < n) goto out;
                memmove(outp, in, n);
                outp += n;
                in += n + 2;
                if (in > end) goto out;
            }
            blen = (size_t)(outp - body);
        } else if (clen != (size_t)-1 && clen < blen) {
            blen = clen;
        }
        if (blen) {
            rs->body = (char *)malloc(blen + 1);
            if (!rs->body) goto out;
            memcpy(rs->body, body, blen);
            rs->body[blen] = 0;
            rs->body_len = blen;
        }
    }
    ok = 0;
out:
    if (ok) {
        free(rs->connection_state);
        rs->connection_state = NULL;
    }
    if (fd >= 0) close(fd);
    if (ai) freeaddrinfo(ai);
    free(req);
    free(ans);
    return ok;
}

/* ------------------------------------------------------------------ admin */

static void admin(pss *p) {
    emu_faults *f = emu_faults_of(g_emu);
    char body[256];
    memset(&p->resp, 0, sizeof p->resp);
    p->resp.status = 200;
    snprintf(p->resp.content_type, sizeof p->resp.content_type, "application/json");
    if (!strncmp(p->target, "/admin/drop/", 12) || !strncmp(p->target, "/admin/close1008/", 17)) {
        int is1008 = p->target[7] == 'c';
        char id[128];
        const char *q = strchr(p->target, '?'), *from = p->target + (is1008 ? 17 : 12);
        snprintf(id, sizeof id, "%.*s", (int)(q ? (size_t)(q - from) : strlen(from)), from);
        if (q && strstr(q, "outage_ms=")) emu_fault_outage(g_emu, id, (uint32_t)strtoul(strstr(q, "outage_ms=") + 10, NULL, 10));
        if (!emu_fault_drop(g_emu, id, is1008)) p->resp.status = 404;
        snprintf(body, sizeof body, "{\"ok\":%s}", p->resp.status == 200 ? "true" : "false");
    } else if (!strncmp(p->target, "/admin/faults", 13)) {
        const char *q = strchr(p->target, '?');
        if (q && strstr(q, "refuse_recovery=1")) f->refuse_recovery = 1;
        if (q && strstr(q, "refuse_recovery=0")) f->refuse_recovery = 0;
        if (q && strstr(q, "fail_acks=1")) f->fail_acks = 1;
        if (q && strstr(q, "fail_acks=0")) f->fail_acks = 0;
        if (q && strstr(q, "ack_delay_ms=")) f->ack_delay_ms = (uint32_t)strtoul(strstr(q, "ack_delay_ms=") + 13, NULL, 10);
        snprintf(body, sizeof body, "{\"refuse_recovery\":%d,\"fail_acks\":%d,\"ack_delay_ms\":%u}", f->refuse_recovery, f->fail_acks,
                 (unsigned)f->ack_delay_ms);
    } else if (!strcmp(p->target, "/admin/stats")) {
        emu_stats s = emu_stats_of(g_emu);
        snprintf(body, sizeof body, "{\"connections\":%llu,\"messagesIn\":%llu,\"messagesOut\":%llu,\"restRequests\":%llu,\"rejected\":%llu}",
                 (unsigned long long)s.connections, (unsigned long long)s.messages_in, (unsigned long long)s.messages_out,
                 (unsigned long long)s.rest_requests, (unsigned long long)s.rejected);
    } else {
        p->resp.status = 404;
        snprintf(body, sizeof body, "{\"error\":\"unknown admin endpoint\"}");
    }
    p->resp.body_len = strlen(body);
    p->resp.body = (char *)malloc(p->resp.body_len + 1);
    if (p->resp.body) memcpy(p->resp.body, body, p->resp.body_len + 1);
    else p->resp.body_len = 0;
}

static void handle_http(struct lws *wsi, pss *p) {
    emu_request r;
    /* a bodyless POST also gets HTTP_BODY_COMPLETION from lws: one request, one answer */
    if (p->handled) return;
    p->handled = 1;
    if (p->too_big) {
        static const char msg[] = "{\"code\":\"RequestEntityTooLarge\",\"message\":\"REST bodies are at most 1 MB.\"}";
        log_line(NULL, "REST request refused: a body over 1 MB (413)");
        memset(&p->resp, 0, sizeof p->resp);
        p->resp.status = 413;
        snprintf(p->resp.content_type, sizeof p->resp.content_type, "application/json");
        p->resp.body = strdup(msg);
        p->resp.body_len = p->resp.body ? strlen(msg) : 0;
    } else if (!strncmp(p->target, "/admin/", 7)) {
        admin(p);
    } else {
        memset(&r, 0, sizeof r);
        r.method = p->method;
        r.target = p->target;
        r.host = p->host;
        r.authorization = p->auth[0] ? p->auth : NULL;
        r.content_type = p->ctype[0] ? p->ctype : NULL;
        r.body = p->body;
        r.body_len = p->body_len;
        emu_rest(g_emu, &r, now_ms(), &p->resp);
    }
    p->have_resp = 1;
    lws_callback_on_writable(wsi);
}

static int write_http(struct lws *wsi, pss *p) {
    unsigned char buf[LWS_PRE + 1024], *start = buf + LWS_PRE, *q = start, *end = buf + sizeof buf - 1;
    size_t blen = p->resp.body_len;
    int head = !strcmp(p->method, "HEAD");
    if (lws_add_http_common_headers(wsi, (unsigned int)p->resp.status, p->resp.content_type[0] ? p->resp.content_type : NULL,
                                    head ? 0 : blen, &q, end))
        return 1;
    if (p->resp.error_code[0] &&
        lws_add_http_header_by_name(wsi, (const unsigned char *)"x-ms-error-code:", (const unsigned char *)p->resp.error_code,
                                    (int)strlen(p->resp.error_code), &q, end))
        return 1;
    if (lws_finalize_write_http_header(wsi, start, &q, end)) return 1;
    if (!head && blen) {
        unsigned char *b = (unsigned char *)malloc(LWS_PRE + blen);
        int w;
        if (!b) return 1;
        memcpy(b + LWS_PRE, p->resp.body, blen);
        w = lws_write(wsi, b + LWS_PRE, blen, LWS_WRITE_HTTP_FINAL);
        free(b);
        if (w < (int)blen) return 1;
    }
    emu_response_free(&p->resp);
    p->have_resp = 0;
    free(p->body);
    p->body = NULL;
    p->body_len = p->body_cap = 0;
    return lws_http_transaction_completed(wsi) ? -1 : 0;
}

/* ------------------------------------------------------------------ the lws callback */

static int callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in, size_t len) {
    pss *p = (pss *)user;
    switch (reason) {
    case LWS_CALLBACK_HTTP_CONFIRM_UPGRADE: {
        /* a WebSocket upgrade: the core decides (token, hub, subprotocol, recovery) */
        char path[2048], target[16384], proto[512], auth[16384];
        emu_upgrade u;
        emu_accept a;
        pending_upgrade *pu;
        copy_hdr(wsi, WSI_TOKEN_GET_URI, path, sizeof path);
        full_target(wsi, path, target, sizeof target);
        reencode_target(target, sizeof target);
        copy_hdr(wsi, WSI_TOKEN_PROTOCOL, proto, sizeof proto);
        copy_hdr(wsi, WSI_TOKEN_HTTP_AUTHORIZATION, auth, sizeof auth);
        memset(&u, 0, sizeof u);
        u.target = target;
        u.subprotocols = proto[0] ? proto : NULL;
        u.authorization = auth[0] ? auth : NULL;
        { /* every header lws knows, for the connect event */
            static char values[WSI_TOKEN_COUNT][512];
            static wps_http_header hs[WSI_TOKEN_COUNT];
            int t;
            size_t n = 0;
            for (t = 0; t < WSI_TOKEN_COUNT; t++) {
                const char *name = (const char *)lws_token_to_string((enum lws_token_indexes)t);
                size_t nl = name ? strlen(name) : 0;
                if (!nl || name[nl - 1] != ':' || name[0] == ':' || t == WSI_TOKEN_HTTP_URI_ARGS) continue;
                if (lws_hdr_total_length(wsi, (enum lws_token_indexes)t) <= 0) continue;
                if (lws_hdr_copy(wsi, values[n], sizeof values[n], (enum lws_token_indexes)t) < 0) continue;
                hs[n].name = wps_slice_make(name, nl - 1);
                hs[n].value = wps_slice_from_cstr(values[n]);
                n++;
            }
            u.headers = hs;
            u.header_count = n;
        }
        emu_upgrade_request(g_emu, &u, now_ms(), &a);
        if (a.status == 101) { /* lws answers with the first offered name in its table (the served ones): is it the core's? */
            char lws_pick[64];
            if (!emu_served_subprotocol(proto, lws_pick, sizeof lws_pick)) lws_pick[0] = 0;
            if ((proto[0] && !*lws_pick) || strcmp(lws_pick, a.subprotocol)) { /* lws would hang up without a status */
                emu_upgrade_abandoned(g_emu, a.conn);
                a.status = proto[0] && !*lws_pick ? 400 : 500;
                snprintf(a.reason, sizeof a.reason, "%s", *lws_pick ? "the event handler chose a subprotocol this emulator cannot select"
                                                                    : "none of the offered subprotocols is served by this emulator");
                log_line(NULL, a.reason);
            }
        }
        if (a.status != 101) {
            lws_return_http_status(wsi, (unsigned int)a.status, a.reason);
            return 1;
        }
        pu = (pending_upgrade *)calloc(1, sizeof *pu);
        if (!pu) return -1;
        pu->wsi = wsi;
        pu->conn = a.conn;
        pu->next = g_pending;
        g_pending = pu;
        return 0;
    }
    case LWS_CALLBACK_ESTABLISHED: {
        pending_upgrade **pp = &g_pending, *pu;
        while (*pp && (*pp)->wsi != wsi) pp = &(*pp)->next;
        pu = *pp;
        if (!pu) {
            log_line(NULL, "a WebSocket opened without an accepted upgrade: closed");
            return -1;
        }
        *pp = pu->next;
        memset(p, 0, sizeof *p);
        p->conn = pu->conn;
        free(pu);
        emu_socket_open(g_emu, p->conn, wsi, now_ms());
        return 0;
    }
    case LWS_CALLBACK_RECEIVE: {
        /* whole messages only: fragments are gathered in p->body */
        size_t need = p->body_len + len;
        if (!p->conn) return 0; /* a socket replaced by a recovery */
        if (need > 1024 * 1024 + 64) { /* over the 1 MB message limit */
            log_line(NULL, "a client sent a message over 1 MB: closed with 1009");
            lws_close_reason(wsi, LWS_CLOSE_STATUS_MESSAGE_TOO_LARGE, (unsigned char *)"Message too large.", 18);
            return -1;
        }
        if (need > p->body_cap) {
            char *nb = (char *)realloc(p->body, need + 1);
            if (!nb) return -1;
            p->body = nb;
            p->body_cap = need + 1;
        }
        memcpy(p->body + p->body_len, in, len);
        p->body_len = need;
        if (lws_is_final_fragment(wsi) && !lws_remaining_packet_payload(wsi)) {
            emu_socket_frame(g_emu, p->conn, wsi, p->body, p->body_len, !lws_frame_is_binary(wsi), now_ms());
            p->body_len = 0;
        }
        return 0;
    }
    case LWS_CALLBACK_SERVER_WRITEABLE: {
        frame *f = p->head;
        if (f) {
            p->head = f->next;
            if (!p->head) p->tail = NULL;
            p->queued -= f->len;
            if (lws_write(wsi, f->data + LWS_PRE, f->len, f->is_text ? LWS_WRITE_TEXT : LWS_WRITE_BINARY) < (int)f->len) {
                free(f);
                return -1;
            }
            free(f);
            if (p->head || p->closing) lws_callback_on_writable(wsi);
            return 0;
        }
        if (p->closing) {
            lws_close_reason(wsi, (enum lws_close_status)p->close_code, (unsigned char *)p->close_reason, strlen(p->close_reason));
            return -1;
        }
        return 0;
    }
    case LWS_CALLBACK_WS_PEER_INITIATED_CLOSE: /* the client's close frame: its code */
        if (p->conn)
            emu_socket_close_code(g_emu, p->conn, wsi, len >= 2 ? (uint16_t)(((const unsigned char *)in)[0] << 8 | ((const unsigned char *)in)[1]) : 1005);
        return 0;
    case LWS_CALLBACK_CLOSED:
        if (p->conn) emu_socket_closed(g_emu, p->conn, wsi, now_ms());
        p->conn = NULL;
        free_frames(p);
        free(p->body);
        p->body = NULL;
        return 0;
    case LWS_CALLBACK_HTTP: {
        memset(p, 0, sizeof *p);
        if (!method_of(wsi, p->method, sizeof p->method)) {
            log_line(NULL, "HTTP request with an unsupported method: closed");
            return -1;
        }
        full_target(wsi, (const char *)in, p->target, sizeof p->target);
        reencode_target(p->target, sizeof p->target);
        copy_hdr(wsi, WSI_TOKEN_HOST, p->host, sizeof p->host);
        copy_hdr(wsi, WSI_TOKEN_HTTP_AUTHORIZATION, p->auth, sizeof p->auth);
        copy_hdr(wsi, WSI_TOKEN_HTTP_CONTENT_TYPE, p->ctype, sizeof p->ctype);
        {
            char cl[32];
            copy_hdr(wsi, WSI_TOKEN_HTTP_CONTENT_LENGTH, cl, sizeof cl);
            if (cl[0] && strtoul(cl, NULL, 10) > 0) return 0; /* the body follows */
        }
        handle_http(wsi, p);
        return 0;
    }
    case LWS_CALLBACK_HTTP_BODY:
        if (!len || p->handled || p->too_big) return 0;
        if (p->body_len + len > 1024 * 1024) { /* REST bodies are at most 1 MB: answered 413 */
            p->too_big = 1;
            return 0;
        }
        if (p->body_len + len > p->body_cap) {
            char *nb = (char *)realloc(p->body, p->body_len + len + 1);
            if (!nb) return -1;
            p->body = nb;
            p->body_cap = p->body_len + len + 1;
        }
        memcpy(p->body + p->body_len, in, len);
        p->body_len += len;
        return 0;
    case LWS_CALLBACK_HTTP_BODY_COMPLETION:
        handle_http(wsi, p);
        return 0;
    case LWS_CALLBACK_HTTP_WRITEABLE:
        if (p && p->have_resp) return write_http(wsi, p);
        return 0;
    case LWS_CALLBACK_WSI_DESTROY: { /* an accepted upgrade that never opened (lws refused it late) */
        pending_upgrade **pp = &g_pending, *pu;
        while (*pp && (*pp)->wsi != wsi) pp = &(*pp)->next;
        if ((pu = *pp) != NULL) {
            *pp = pu->next;
            log_line(NULL, "an accepted WebSocket upgrade was not completed: forgotten");
            emu_upgrade_abandoned(g_emu, pu->conn);
            free(pu);
        }
        break;
    }
    case LWS_CALLBACK_CLOSED_HTTP:
        if (p) {
            emu_response_free(&p->resp);
            free(p->body);
            p->body = NULL;
        }
        return 0;
    default: break;
    }
    return lws_callback_http_dummy(wsi, reason, user, in, len);
}

static struct lws_protocols protocols[] = {
    {"http", callback, sizeof(pss), 0, 0, NULL, 0},
    {"json.reliable.webpubsub.azure.v1", callback, sizeof(pss), 65536, 0, NULL, 0},
    {"json.webpubsub.azure.v1", callback, sizeof(pss), 65536, 0, NULL, 0},
    {NULL, NULL, 0, 0, 0, NULL, 0}};

static void on_signal(int sig) {
    (void)sig;
    g_stop = 1;
}

/* time for the core: every 20 ms (recovery windows, delayed acks), however quiet the sockets */
static struct lws_context *g_ctx;
static lws_sorted_usec_list_t g_tick;
static void tick(lws_sorted_usec_list_t *sul) {
    (void)sul;
    emu_tick(g_emu, now_ms());
    lws_sul_schedule(g_ctx, 0, &g_tick, tick, 20 * LWS_US_PER_MS);
}

static int usage(void) {
    fputs("usage: wps-emulator [--config FILE] [--listen ADDR] [--port N] [--connection-string CS] [--hub H]...\n"
          "                    [--event-handler [hub=H;]url=URL_TEMPLATE[;user=E,..|*][;system=connect,connected,disconnected]]...\n"
          "                    [--recovery-window-ms N] [--ack-delay-ms N] [--tls-cert PEM --tls-key PEM] [--quiet]\n",
          stderr);
    return 2;
}

/* ------------------------------------------------------------------ configuration */

typedef struct options {
    const char *listen, *cstr;
    int port;
    const char *hubs[64];
    emu_event_handler handlers[32];
    emu_config cfg;
    uint32_t ack_delay_ms;
    const char *tls_cert, *tls_key; /* both: serve wss:// and https:// */
} options;

/* "url" alone, or "hub=H;url=U;user=..;system=.." (defaults: every hub, every user event, every
   system event) */
static int parse_handler(char *spec, emu_event_handler *h) {
    char *part, *save = NULL;
    h->hub = "*";
    h->url_template = NULL;
    h->user_events = "*";
    h->system_events = "connect,connected,disconnected";
    if (!strncmp(spec, "http", 4)) {
        h->url_template = spec;
        return 1;
    }
    for (part = strtok_r(spec, ";", &save); part; part = strtok_r(NULL, ";", &save)) {
        char *eq = strchr(part, '=');
        if (!eq) return 0;
        *eq = 0;
        if (!strcmp(part, "hub")) h->hub = eq + 1;
        else if (!strcmp(part, "url")) h->url_template = eq + 1;
        else if (!strcmp(part, "user")) h->user_events = eq + 1;
        else if (!strcmp(part, "system")) h->system_events = eq + 1;
        else return 0;
    }
    return h->url_template && !strncmp(h->url_template, "http://", 7);
}

static int load_config(const char *path, options *o);

/* one option (name without "--"); 0 when unknown or invalid */
static int set_option(options *o, const char *name, const char *v) {
    if (!strcmp(name, "listen")) o->listen = v;
    else if (!strcmp(name, "port")) o->port = atoi(v);
    else if (!strcmp(name, "connection-string")) o->cstr = v;
    else if (!strcmp(name, "hub") && o->cfg.hub_count < 64) o->hubs[o->cfg.hub_count++] = v;
    else if (!strcmp(name, "recovery-window-ms")) o->cfg.recovery_window_ms = (uint32_t)strtoul(v, NULL, 10);
    else if (!strcmp(name, "ack-delay-ms")) o->ack_delay_ms = (uint32_t)strtoul(v, NULL, 10);
    else if (!strcmp(name, "tls-cert")) o->tls_cert = v;
    else if (!strcmp(name, "tls-key")) o->tls_key = v;
    else if (!strcmp(name, "event-handler") && o->cfg.event_handler_count < 32) {
        char *copy = strdup(v); /* kept for the life of the process */
        if (!copy || !parse_handler(copy, &o->handlers[o->cfg.event_handler_count])) {
            fprintf(stderr, "wps-emulator: bad --event-handler %s\n", v);
            return 0;
        }
        o->cfg.event_handler_count++;
    } else if (!strcmp(name, "config")) return load_config(v, o);
    else return 0;
    return 1;
}

/* a config file: one "name value" per line (the flags without "--"), '#' comments */
static int load_config(const char *path, options *o) {
    FILE *f = fopen(path, "r");
    char line[4096];
    int n = 0;
    if (!f) {
        fprintf(stderr, "wps-emulator: cannot read %s\n", path);
        return 0;
    }
    while (fgets(line, sizeof line, f)) {
        char *s = line, *name, *v, *end;
        n++;
        while (*s == ' ' || *s == '\t') s++;
        end = s + strlen(s);
        while (end > s && (end[-1] == '\n' || end[-1] == '\r' || end[-1] == ' ')) *--end = 0;
        if (!*s || *s == '#') continue;
        name = s;
        while (*s && *s != ' ' && *s != '\t' && *s != '=') s++;
        if (*s) *s++ = 0;
        while (*s == ' ' || *s == '\t' || *s == '=') s++;
        v = strdup(s); /* kept for the life of the process */
        if (!v || !set_option(o, name, v)) {
            fprintf(stderr, "wps-emulator: %s:%d: bad setting %s\n", path, n, name);
            fclose(f);
            return 0;
        }
    }
    fclose(f);
    return 1;
}

int main(int argc, char **argv) {
    static options o;
    const char *listen, *cstr;
    char cbuf[512], err[256];
    int port, i;
    emu_host host;
    struct lws_context_creation_info info;
    struct lws_context *ctx;
    o.listen = "127.0.0.1";
    o.port = 8080;
    for (i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--quiet")) {
            g_quiet = 1;
            continue;
        }
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) return usage();
        if (!v || strncmp(a, "--", 2) || !set_option(&o, a + 2, v)) return usage();
        i++;
    }
    listen = o.listen;
    port = o.port;
    cstr = o.cstr;
    if (!o.tls_cert != !o.tls_key) {
        fputs("wps-emulator: --tls-cert and --tls-key go together\n", stderr);
        return 2;
    }
    if (!cstr) {
        snprintf(cbuf, sizeof cbuf, "Endpoint=%s://%s;Port=%d;AccessKey=%s;Version=1.0;", o.tls_cert ? "https" : "http", listen, port, DEFAULT_KEY);
        cstr = cbuf;
    }
    o.cfg.connection_string = cstr;
    o.cfg.hubs = o.hubs;
    o.cfg.event_handlers = o.handlers;
    memset(&host, 0, sizeof host);
    host.send = host_send;
    host.close = host_close;
    host.log = log_line;
    host.webhook = host_webhook;
    host.detach = host_detach;
    o.cfg.seed = ((uint64_t)time(NULL) << 20) ^ (uint64_t)getpid() ^ now_ms(); /* ids differ from run to run */
    g_emu = emu_new(&o.cfg, &host, err, sizeof err);
    if (!g_emu) {
        fprintf(stderr, "wps-emulator: %s\n", err);
        return 2;
    }
    emu_faults_of(g_emu)->ack_delay_ms = o.ack_delay_ms;
    for (i = 0; i < (int)o.cfg.event_handler_count; i++)
        fprintf(stderr, "[wps-emulator] event handler: hub %s, user events %s, system events %s -> %s\n", o.handlers[i].hub,
                o.handlers[i].user_events[0] ? o.handlers[i].user_events : "(none)", o.handlers[i].system_events, o.handlers[i].url_template);
    lws_set_log_level(LLL_ERR, NULL);
    memset(&info, 0, sizeof info);
    info.port = port;
    info.iface = listen;
    info.protocols = protocols;
    info.options = LWS_SERVER_OPTION_VALIDATE_UTF8;
    info.pt_serv_buf_size = 64 * 1024;
    info.max_http_header_data = 32 * 1024; /* long access tokens and REST URLs */
    if (o.tls_cert) { /* TLS (optional): OpenSSL through libwebsockets */
        info.options |= LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
        info.ssl_cert_filepath = o.tls_cert;
        info.ssl_private_key_filepath = o.tls_key;
    }
    ctx = lws_create_context(&info);
    if (!ctx) {
        fprintf(stderr, "wps-emulator: cannot listen on %s:%d\n", listen, port);
        emu_free(g_emu);
        return 1;
    }
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    fprintf(stderr, "[wps-emulator] listening on %s://%s:%d\n[wps-emulator] connection string: %s\n", o.tls_cert ? "https" : "http", listen, port, cstr);
    g_ctx = ctx;
    lws_sul_schedule(ctx, 0, &g_tick, tick, 20 * LWS_US_PER_MS); /* lws_service may sleep until the next event */
    while (!g_stop) {
        if (lws_service(ctx, 0) < 0) break;
        emu_tick(g_emu, now_ms());
    }
    lws_context_destroy(ctx);
    emu_free(g_emu);
    return 0;
}
