/* wps connect: wps_client wired to libwebsockets (Debian libwebsockets-dev, TLS via OpenSSL).
 *
 *   wps connect --url URL [--protocol NAME] [--group G]...      (usage_text below: wps connect --help)
 *
 * Joins the groups, sends each stdin line to the first group as text, or runs a command:
 * "/event NAME TEXT", "/join G", "/leave G", "/send G TEXT" (to another group), "/sendack ACKID G TEXT"
 * (an explicit ackId: a repeat is answered Duplicate), "/quit". Prints every event, message and call
 * completion as one JSON line on stdout (diagnostics on stderr). Recovers and reconnects on its
 * own; the URL given is answered to every WPS_ACTION_NEED_URL. Exits 0 after "stopped" (on
 * "/quit" or end of input), 1 if the first connection fails, 2 for usage errors.
 *
 * Flow control: a line whose call the client refuses with WPS_ERR_TOO_MANY_CALLS (max_calls
 * pending, e.g. through an outage) stays first in the input buffer and stdin is not read further
 * until a call completes: a fast writer is slowed down (the pipe fills), never dropped, and lines
 * become calls in input order. Calls the client accepted wait in its FIFO through recovery.
 *
 * Received messages of any size (the service allows 1 MB: a ~1.4 MB JSON frame with base64) are
 * reassembled from lws fragments in a growing buffer that belongs to this host, so they are handed
 * over with wps_client_on_frame_writable and decoded in place beyond the client's scratch
 * (max_frame_size); each is printed whole on one line, binary data as {"$binary":BASE64}.
 *
 * How each host input maps to a libwebsockets callback:
 *   WPS_ACTION_OPEN   -> lws_client_connect_via_info (protocol = the subprotocol)
 *   ESTABLISHED       -> wps_client_on_open        CONNECTION_ERROR -> wps_client_on_open_failed
 *   CLIENT_RECEIVE    -> fragments joined, then wps_client_on_frame_writable
 *   WPS_ACTION_SEND   -> queued; lws_callback_on_writable; lws_write in CLIENT_WRITEABLE
 *   WPS_ACTION_CLOSE  -> lws_close_reason + -1 from CLIENT_WRITEABLE
 *   PEER_INITIATED_CLOSE gives the code; CLIENT_CLOSED -> wps_client_on_close
 *   time              -> a 10 ms lws_sul timer: wps_client_tick when the deadline is due,
 *                        and stdin is read there too (non-blocking).
 */
#define _POSIX_C_SOURCE 200809L
#include "../wps.h"

#include <libwebsockets.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli_util.h"

typedef struct outframe {
    struct outframe *next;
    size_t len;
    int text;
    unsigned char data[]; /* LWS_PRE bytes of headroom, then the frame */
} outframe;

typedef struct conn_state {
    wps_client *client;
    struct lws_context *ctx;
    struct lws *wsi;
    lws_sorted_usec_list_t sul;
    const char *url;
    char *groups[64];
    int ngroups, joined_once, quit, exit_code, stopped, started_ok;
    outframe *out_head, *out_tail;
    int close_pending;
    uint16_t close_code, peer_code;
    char close_reason[124];
    unsigned char *rx;
    size_t rx_len, rx_cap;
    char stdin_buf[65536];
    size_t stdin_len;
    int stdin_eof, stdin_blocked; /* blocked: the first line waits for a call to complete */
    unsigned labels;
} conn_state;

static conn_state g;

static uint64_t now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void field(const char *k, wps_slice s) {
    if (!s.ptr) return;
    printf(",\"%s\":", k);
    cli_put_jstr(stdout, s.ptr, s.len);
}

static void free_out(void) {
    while (g.out_head) {
        outframe *f = g.out_head;
        g.out_head = f->next;
        free(f);
    }
    g.out_tail = NULL;
}

static void open_socket(wps_slice url_slice, const char *subprotocol) {
    struct lws_client_connect_info ci;
    static char url[4096];
    const char *prot, *addr, *path;
    int port;
    static char pathbuf[4096];
    size_t n = url_slice.len < sizeof url - 1 ? url_slice.len : sizeof url - 1;
    memcpy(url, url_slice.ptr, n);
    url[n] = 0;
    if (lws_parse_uri(url, &prot, &addr, &port, &path)) {
        fprintf(stderr, "wps connect: cannot parse the URL\n");
        wps_client_on_open_failed(g.client, now_ms(), 0);
        return;
    }
    snprintf(pathbuf, sizeof pathbuf, "/%s", path);
    memset(&ci, 0, sizeof ci);
    ci.context = g.ctx;
    ci.address = addr;
    ci.port = port;
    ci.path = pathbuf;
    ci.host = addr;
    ci.origin = addr;
    ci.protocol = subprotocol;
    ci.local_protocol_name = "wps";
    ci.pwsi = &g.wsi;
    if (!strcmp(prot, "wss") || !strcmp(prot, "https")) ci.ssl_connection = LCCSCF_USE_SSL;
    g.rx_len = 0;
    g.close_pending = 0;
    g.peer_code = 0;
    free_out();
    if (!lws_client_connect_via_info(&ci)) {
        g.wsi = NULL;
        wps_client_on_open_failed(g.client, now_ms(), 0);
    }
}

static void handle_actions(void) {
    wps_action a;
    while (wps_client_poll(g.client, &a)) {
        switch (a.kind) {
        case WPS_ACTION_NEED_URL: wps_client_set_url(g.client, now_ms(), g.url, strlen(g.url)); break;
        case WPS_ACTION_OPEN: open_socket(a.url, a.subprotocol); break;
        case WPS_ACTION_SEND: {
            outframe *f = (outframe *)malloc(sizeof *f + LWS_PRE + a.frame.len);
            if (!f) exit(1);
            f->next = NULL;
            f->len = a.frame.len;
            f->text = a.is_text;
            memcpy(f->data + LWS_PRE, a.frame.ptr, a.frame.len);
            if (g.out_tail) g.out_tail->next = f;
            else g.out_head = f;
            g.out_tail = f;
            if (g.wsi) lws_callback_on_writable(g.wsi);
            break;
        }
        case WPS_ACTION_CLOSE:
            g.close_pending = 1;
            g.close_code = a.close_code;
            snprintf(g.close_reason, sizeof g.close_reason, "%.*s", (int)a.close_reason.len, a.close_reason.ptr ? a.close_reason.ptr : "");
            if (g.wsi) {
                lws_callback_on_writable(g.wsi);
                lws_set_timeout(g.wsi, PENDING_TIMEOUT_CLOSE_SEND, 2); /* also ends a socket still connecting */
            }
            break;
        case WPS_ACTION_EVENT:
            printf("{\"event\":\"%s\"", wps_event_kind_name(a.event));
            field("connectionId", a.connection_id);
            field("userId", a.user_id);
            field("group", a.group);
            field("message", a.message_text);
            field("error", a.error_message);
            if (a.event == WPS_EVENT_DISCONNECTED || a.event == WPS_EVENT_START_FAILED) printf(",\"code\":%u", a.close_code);
            if (a.event == WPS_EVENT_REJOIN_GROUP_FAILED || a.event == WPS_EVENT_FRAME_ERROR) printf(",\"status\":\"%s\"", wps_status_name(a.status));
            if (a.needed) printf(",\"needed\":%llu", (unsigned long long)a.needed);
            if (a.message) {
                size_t n = 0;
                char *r;
                wps_message_render(a.message, NULL, 0, &n);
                r = (char *)malloc(n + 1);
                if (!r) exit(1);
                wps_message_render(a.message, r, n, &n);
                printf(",\"data\":%.*s", (int)n, r);
                free(r);
            }
            printf("}\n");
            fflush(stdout);
            if (a.event == WPS_EVENT_CONNECTED && !g.joined_once) {
                int i;
                g.joined_once = 1;
                g.started_ok = 1;
                for (i = 0; i < g.ngroups; i++) wps_client_join_group(g.client, now_ms(), wps_slice_from_cstr(g.groups[i]), NULL, NULL, NULL);
            }
            if (a.event == WPS_EVENT_START_FAILED) {
                g.stopped = 1;
                g.exit_code = 1;
            }
            if (a.event == WPS_EVENT_STOPPED) g.stopped = 1;
            break;
        case WPS_ACTION_COMPLETE:
            printf("{\"complete\":\"%s\",\"status\":\"%s\"", wps_call_kind_name(a.call_kind), a.status == WPS_OK ? "ok" : wps_status_name(a.status));
            if (a.has_ack_id) printf(",\"ackId\":%llu", (unsigned long long)a.ack_id);
            printf(",\"sent\":%s", a.sent ? "true" : "false"); /* false: no attempt was handed to the socket */
            if (a.is_duplicated) printf(",\"isDuplicated\":true");
            field("error", a.error_name);
            printf("}\n");
            fflush(stdout);
            break;
        default: break;
        }
    }
}

/* Runs one input line (modified in place). Returns the call's refusal, if any: with
   WPS_ERR_TOO_MANY_CALLS or WPS_ERR_BUSY the line is run again later; other refusals are told
   on stderr (the line is not retried: it would never fit). */
static wps_status run_command(char *line) {
    uint64_t t = now_ms();
    size_t n = strlen(line);
    wps_status st = WPS_OK;
    wps_diag d;
    const char *what = "sendToGroup";
    memset(&d, 0, sizeof d);
    while (n && (line[n - 1] == '\r' || line[n - 1] == '\n')) line[--n] = 0;
    if (!n) return WPS_OK;
    if (!strcmp(line, "/quit")) {
        g.quit = 1;
        wps_client_stop(g.client, t);
    } else if (!strncmp(line, "/join ", 6)) {
        what = "joinGroup";
        st = wps_client_join_group(g.client, t, wps_slice_from_cstr(line + 6), NULL, NULL, &d);
    } else if (!strncmp(line, "/leave ", 7)) {
        what = "leaveGroup";
        st = wps_client_leave_group(g.client, t, wps_slice_from_cstr(line + 7), NULL, NULL, &d);
    } else if (!strncmp(line, "/event ", 7)) {
        char *name = line + 7, *sp = strchr(name, ' ');
        const char *text = "";
        if (sp) {
            *sp = 0;
            text = sp + 1;
        }
        what = "sendEvent";
        st = wps_client_send_event(g.client, t, wps_slice_from_cstr(name), WPS_DATA_TEXT, wps_slice_from_cstr(text), NULL, NULL, &d);
    } else if (!strncmp(line, "/send ", 6) || !strncmp(line, "/sendack ", 9)) {
        wps_call_options o;
        char *group = strchr(line, ' ') + 1, *sp;
        memset(&o, 0, sizeof o);
        if (line[5] == 'a') { /* /sendack ACKID G TEXT */
            char *end;
            o.has_ack_id = true;
            o.ack_id = strtoull(group, &end, 10);
            group = end + (*end == ' ');
        }
        sp = strchr(group, ' ');
        if (sp) *sp = 0;
        st = wps_client_send_to_group(g.client, t, wps_slice_from_cstr(group), WPS_DATA_TEXT, wps_slice_from_cstr(sp ? sp + 1 : ""), &o, NULL, &d);
    } else if (g.ngroups) {
        st = wps_client_send_to_group(g.client, t, wps_slice_from_cstr(g.groups[0]), WPS_DATA_TEXT, wps_slice_from_cstr(line), NULL, NULL, &d);
    } else {
        fprintf(stderr, "wps connect: no --group to send to\n");
    }
    if (st != WPS_OK && st != WPS_ERR_TOO_MANY_CALLS && st != WPS_ERR_BUSY)
        fprintf(stderr, "wps connect: %s refused: %s: %s\n", what, wps_status_name(st), d.reason[0] ? d.reason : wps_strerror(st));
    return st;
}

/* Runs the complete lines waiting in stdin_buf, in order; stops at a line the client cannot take
   yet (max_calls pending), which stays first and blocks further reading until it is taken. */
static void run_lines(void) {
    static char line[sizeof g.stdin_buf];
    char *nl;
    while ((nl = (char *)memchr(g.stdin_buf, '\n', g.stdin_len)) != NULL) {
        size_t used = (size_t)(nl - g.stdin_buf) + 1;
        wps_status st;
        memcpy(line, g.stdin_buf, used - 1); /* run_command cuts its line: the original stays for a retry */
        line[used - 1] = 0;
        st = run_command(line);
        if (st == WPS_ERR_TOO_MANY_CALLS || st == WPS_ERR_BUSY) {
            g.stdin_blocked = 1;
            return;
        }
        memmove(g.stdin_buf, g.stdin_buf + used, g.stdin_len - used);
        g.stdin_len -= used;
    }
    g.stdin_blocked = 0;
}

static void read_stdin(void) {
    struct pollfd p;
    p.fd = 0;
    p.events = POLLIN;
    if (g.stdin_len) run_lines();
    while (!g.stdin_blocked && !g.stdin_eof && poll(&p, 1, 0) > 0) {
        ssize_t r = read(0, g.stdin_buf + g.stdin_len, sizeof g.stdin_buf - 1 - g.stdin_len);
        if (r < 0 && (errno == EAGAIN || errno == EINTR)) break;
        if (r <= 0) {
            g.stdin_eof = 1;
            if (g.stdin_len) g.stdin_buf[g.stdin_len++] = '\n'; /* a last line without newline still counts */
            run_lines();
            break;
        }
        g.stdin_len += (size_t)r;
        run_lines();
        if (!g.stdin_blocked && g.stdin_len == sizeof g.stdin_buf - 1) g.stdin_len = 0; /* an over-long line is dropped */
    }
    if (g.stdin_eof && !g.stdin_blocked && !g.quit) { /* end of input: stop once every line was taken */
        g.quit = 1;
        wps_client_stop(g.client, now_ms());
    }
}

static void pump(lws_sorted_usec_list_t *sul) {
    uint64_t t = now_ms();
    (void)sul;
    read_stdin();
    if (wps_client_next_deadline(g.client) <= t) wps_client_tick(g.client, t);
    handle_actions();
    if (!g.stopped) lws_sul_schedule(g.ctx, 0, &g.sul, pump, 10 * LWS_US_PER_MS);
}

static int callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in, size_t len) {
    uint64_t t = now_ms();
    (void)user;
    if (wsi != g.wsi && reason != LWS_CALLBACK_CLIENT_CONNECTION_ERROR) return lws_callback_http_dummy(wsi, reason, user, in, len);
    switch (reason) {
    case LWS_CALLBACK_CLIENT_ESTABLISHED: wps_client_on_open(g.client, t); break;
    case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
        if (wsi == g.wsi || !g.wsi) {
            fprintf(stderr, "wps connect: connection error: %s\n", in ? (const char *)in : "");
            g.wsi = NULL;
            wps_client_on_open_failed(g.client, t, 0);
        }
        break;
    case LWS_CALLBACK_CLIENT_RECEIVE:
        if (g.rx_len + len > g.rx_cap) {
            g.rx_cap = (g.rx_len + len) * 2;
            g.rx = (unsigned char *)realloc(g.rx, g.rx_cap);
            if (!g.rx) exit(1);
        }
        memcpy(g.rx + g.rx_len, in, len);
        g.rx_len += len;
        if (lws_is_final_fragment(wsi) && !lws_remaining_packet_payload(wsi)) {
            /* g.rx is ours and rewritable: a message beyond the client's scratch is decoded in place */
            wps_status st = wps_client_on_frame_writable(g.client, t, g.rx, g.rx_len, !lws_frame_is_binary(wsi));
            if (st == WPS_ERR_BUSY) { /* actions of the last frame first, then this one (BUSY changed nothing) */
                handle_actions();
                wps_client_on_frame_writable(g.client, t, g.rx, g.rx_len, !lws_frame_is_binary(wsi));
            }
            handle_actions(); /* events point into g.rx: handled before it is reused */
            g.rx_len = 0;
        }
        break;
    case LWS_CALLBACK_CLIENT_WRITEABLE:
        if (g.out_head) {
            outframe *f = g.out_head;
            g.out_head = f->next;
            if (!g.out_head) g.out_tail = NULL;
            if (lws_write(wsi, f->data + LWS_PRE, f->len, f->text ? LWS_WRITE_TEXT : LWS_WRITE_BINARY) < (int)f->len) {
                free(f);
                return -1;
            }
            free(f);
            if (g.out_head || g.close_pending) lws_callback_on_writable(wsi);
            break;
        }
        if (g.close_pending) {
            lws_close_reason(wsi, (enum lws_close_status)g.close_code, (unsigned char *)g.close_reason, strlen(g.close_reason));
            return -1;
        }
        break;
    case LWS_CALLBACK_WS_PEER_INITIATED_CLOSE:
        if (len >= 2) g.peer_code = (uint16_t)(((const unsigned char *)in)[0] << 8 | ((const unsigned char *)in)[1]);
        break;
    case LWS_CALLBACK_CLIENT_CLOSED:
        g.wsi = NULL;
        free_out();
        wps_client_on_close(g.client, t, g.peer_code ? g.peer_code : (g.close_pending ? g.close_code : 1006), NULL, 0);
        break;
    default: break;
    }
    handle_actions();
    return 0;
}

/* --trace: the client's trace records (wps_client_set_trace) as JSON lines on stderr */
static void print_trace(void *user, const wps_trace *t) {
    static const char *const kinds[] = {"", "state", "retry", "recovery", "reconnect", "frame-dropped", "frame-refused", "call-refused", "resend"};
    (void)user;
    fprintf(stderr, "{\"trace\":\"%s\",\"t\":%llu,\"text\":\"%s\"", kinds[(unsigned)t->kind < 9 ? t->kind : 0], (unsigned long long)t->now_ms,
            t->text);
    if (t->status != WPS_OK) fprintf(stderr, ",\"status\":\"%s\"", wps_status_name(t->status));
    if (t->call) fprintf(stderr, ",\"call\":%u", t->call);
    if (t->ack_id) fprintf(stderr, ",\"ackId\":%llu", (unsigned long long)t->ack_id);
    if (t->attempt) fprintf(stderr, ",\"attempt\":%u", t->attempt);
    if (t->delay_ms) fprintf(stderr, ",\"delayMs\":%u", t->delay_ms);
    fputs("}\n", stderr);
}

static const char usage_text[] =
    "usage: wps connect --url URL [--protocol NAME] [--group G]... [--trace]\n"
    "A live client (wps_client over libwebsockets): joins the groups, then runs each stdin line:\n"
    "  TEXT                   sendToGroup to the first --group, as text\n"
    "  /send G TEXT           sendToGroup to G\n"
    "  /sendack ACKID G TEXT  sendToGroup with that ackId (a repeat is answered Duplicate)\n"
    "  /event NAME TEXT       sendEvent\n"
    "  /join G   /leave G   /quit\n"
    "Lines become calls in input order; while max_calls (16) calls are pending (an outage) stdin is\n"
    "not read further, so a fast writer is slowed down, never dropped. Calls wait through outages\n"
    "and recoveries, and unanswered ones are sent again with their ackIds.\n"
    "stdout, one JSON line each:\n"
    "  events    {\"event\":NAME,...}; messages carry \"data\" in the @azure/web-pubsub-client shape,\n"
    "            whole whatever their size (up to the service's 1 MB), binary data as\n"
    "            {\"$binary\":BASE64} (a 1 MB binary message is one line of ~1.4 MB)\n"
    "  calls     {\"complete\":KIND,\"status\":\"ok\"|WPS_ERR_...,\"sent\":true|false[,\"ackId\":N]\n"
    "            [,\"isDuplicated\":true][,\"error\":NAME]}; sent: an attempt reached the socket\n"
    "            (WPS_ERR_NOT_SENT: never sent; WPS_ERR_DISCONNECTED: sent, may have been delivered)\n"
    "--trace: the client's decisions (state changes, retries, recovery attempts, resends, dropped\n"
    "or refused frames, refused calls) as JSON lines {\"trace\":KIND,\"t\":MS,\"text\":...} on stderr.\n"
    "Diagnostics go to stderr. Exits 0 after \"stopped\" (/quit or end of input), 1 if the first\n"
    "connection fails, 2 for usage errors.\n"
    "protocols: json.reliable.webpubsub.azure.v1 (default), json.webpubsub.azure.v1\n";

int wps_cli_connect(int argc, char **argv);
int wps_cli_connect(int argc, char **argv) {
    struct lws_context_creation_info info;
    static struct lws_protocols protocols[] = {{"wps", callback, 0, 65536, 0, NULL, 0}, {NULL, NULL, 0, 0, 0, NULL, 0}};
    wps_client_config cfg = wps_client_config_default();
    void *mem;
    size_t need;
    int i, trace = 0;
    memset(&g, 0, sizeof g);
    for (i = 2; i < argc; i++) {
        if (!strcmp(argv[i], "--url") && i + 1 < argc) g.url = argv[++i];
        else if (!strcmp(argv[i], "--group") && i + 1 < argc && g.ngroups < 64) g.groups[g.ngroups++] = argv[++i];
        else if (!strcmp(argv[i], "--trace")) trace = 1;
        else if (!strcmp(argv[i], "--protocol") && i + 1 < argc) {
            if (wps_protocol_from_name(argv[i + 1], strlen(argv[i + 1]), &cfg.protocol) != WPS_OK || wps_protocol_is_binary(cfg.protocol)) {
                fprintf(stderr, "wps connect: unsupported protocol '%s'\n", argv[i + 1]);
                return 2;
            }
            i++;
        } else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            fputs(usage_text, stdout);
            return 0;
        } else {
            fputs(usage_text, stderr);
            return 2;
        }
    }
    if (!g.url) {
        fputs(usage_text, stderr);
        return 2;
    }
    need = wps_client_memory_size(&cfg);
    mem = malloc(need);
    if (!mem || wps_client_init(&g.client, &cfg, mem, need, NULL) != WPS_OK) return 1;
    if (trace) wps_client_set_trace(g.client, print_trace, NULL);
    lws_set_log_level(LLL_ERR, NULL);
    memset(&info, 0, sizeof info);
    info.port = CONTEXT_PORT_NO_LISTEN;
    info.protocols = protocols;
    info.options = LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
    g.ctx = lws_create_context(&info);
    if (!g.ctx) {
        fprintf(stderr, "wps connect: lws_create_context failed\n");
        return 1;
    }
    fcntl(0, F_SETFL, fcntl(0, F_GETFL) | O_NONBLOCK);
    wps_client_start(g.client, now_ms());
    handle_actions();
    lws_sul_schedule(g.ctx, 0, &g.sul, pump, 10 * LWS_US_PER_MS);
    while (!g.stopped)
        if (lws_service(g.ctx, 0) < 0) break;
    lws_context_destroy(g.ctx);
    free(mem);
    free(g.rx);
    free_out();
    return g.exit_code;
}
