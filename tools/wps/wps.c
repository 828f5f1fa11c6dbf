/* wps - command-line tool for wps.h.
 *
 *   wps decode [--protocol NAME] [--direction down|up]
 *       stdin: lines "T <text frame>" or "B <base64 of a binary frame>"
 *       stdout: one JSON line per input line (the message in @azure/web-pubsub-client's shape,
 *               {"$ignored":"..."} or {"$error":"STATUS: reason"})
 *   wps encode [--protocol NAME] [--direction up|down]
 *       stdin: message JSON lines in that same shape
 *       stdout: one line per input line: "T <frame>" / "B <base64>", or {"$error":"..."}
 *
 *   wps client-driver
 *       the client state machine over stdin/stdout (commands in, actions out as JSON lines);
 *       the command set is documented at cmd_client_driver below
 *
 * Defaults: --protocol json.reliable.webpubsub.azure.v1, decode --direction down, encode
 * --direction up. Exit status: 0, or 2 for usage errors. Never crashes on any input.
 */
#define WPS_IMPLEMENTATION
#include "../../wps.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli_util.h"

int wps_cli_connect(int argc, char **argv); /* tools/wps/connect.c (libwebsockets) */
int wps_cli_rest(int argc, char **argv);    /* tools/wps/service_cli.c */
int wps_cli_webhook(int argc, char **argv); /* tools/wps/service_cli.c */

static void usage(FILE *f) {
    fputs("usage: wps decode [--protocol NAME] [--direction down|up] < lines\n"
          "       wps encode [--protocol NAME] [--direction up|down] < lines\n"
          "       wps connect --url URL [--protocol NAME] [--group G]...   (a live client)\n"
          "       wps client-driver < commands   (the client state machine over stdin/stdout)\n"
          "       wps token --connection-string CS --hub H [--user U] [--role R]... [--group G]... [--now T]\n"
          "       wps rest --connection-string CS --hub H [--service S] OPERATION [--PARAM VALUE]...  (wps rest --help)\n"
          "       wps webhook request|verify|response ...   (wps webhook --help)\n"
          "\n"
          "decode reads 'T <text frame>' or 'B <base64 binary frame>' lines and prints each message\n"
          "as one JSON line; encode reads message JSON lines and prints 'T <frame>' or 'B <base64>'.\n"
          "protocols: json.webpubsub.azure.v1, json.reliable.webpubsub.azure.v1 (default),\n"
          "           protobuf.webpubsub.azure.v1, protobuf.reliable.webpubsub.azure.v1\n",
          f);
}

/* Growable buffers: the tool may allocate, the library never does. */
typedef struct buf {
    char *p;
    size_t cap;
} buf;

static char *buf_reserve(buf *b, size_t n) {
    if (n > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        char *np;
        while (cap < n) cap *= 2;
        np = (char *)realloc(b->p, cap);
        if (!np) {
            fputs("wps: out of memory\n", stderr);
            exit(1);
        }
        b->p = np;
        b->cap = cap;
    }
    return b->p;
}

/* Reads one line (without the newline; a trailing CR is kept as data). Returns 0 at EOF. */
static int read_line(FILE *in, buf *line, size_t *len) {
    size_t n = 0;
    int c, any = 0;
    while ((c = getc(in)) != EOF) {
        any = 1;
        if (c == '\n') break;
        buf_reserve(line, n + 1);
        line->p[n++] = (char)c;
    }
    *len = n;
    return any;
}

static void print_error_line(wps_status st, const char *reason) {
    wps_diag d;
    buf out = {NULL, 0};
    size_t n = 0;
    memset(&d, 0, sizeof d);
    d.status = st;
    snprintf(d.reason, sizeof d.reason, "%s", reason);
    wps_render_result(st, NULL, &d, NULL, 0, &n);
    buf_reserve(&out, n);
    wps_render_result(st, NULL, &d, out.p, n, &n);
    fwrite(out.p, 1, n, stdout);
    fputc('\n', stdout);
    free(out.p);
}

static int cmd_decode(wps_codec codec) {
    buf line = {NULL, 0}, frame = {NULL, 0}, scratch = {NULL, 0}, out = {NULL, 0};
    size_t len;
    while (read_line(stdin, &line, &len)) {
        const char *payload;
        size_t plen, n = 0;
        wps_message msg;
        wps_diag diag;
        wps_status st;
        if (len >= 2 && line.p[0] == 'T' && line.p[1] == ' ') {
            payload = line.p + 2;
            plen = len - 2;
        } else if (len >= 2 && line.p[0] == 'B' && line.p[1] == ' ') {
            size_t blen = 0, blen_in = len - 2;
            wps_diag bd;
            if (blen_in && line.p[len - 1] == '\r') blen_in--; /* CRLF input */
            buf_reserve(&frame, len);
            st = wps_base64_decode(line.p + 2, blen_in, frame.p, frame.cap, &blen, &bd);
            if (st != WPS_OK) {
                print_error_line(WPS_ERR_INVALID_ARGUMENT, "the B line is not valid base64");
                continue;
            }
            payload = frame.p;
            plen = blen;
        } else {
            print_error_line(WPS_ERR_INVALID_ARGUMENT, "input line must start with 'T ' or 'B '");
            continue;
        }
        buf_reserve(&scratch, wps_decode_scratch_bound(plen) + 1);
        st = wps_decode(&codec, payload, plen, scratch.p, scratch.cap, &msg, &diag);
        wps_render_result(st, &msg, &diag, NULL, 0, &n);
        buf_reserve(&out, n + 1);
        wps_render_result(st, &msg, &diag, out.p, out.cap, &n);
        fwrite(out.p, 1, n, stdout);
        fputc('\n', stdout);
    }
    free(line.p);
    free(frame.p);
    free(scratch.p);
    free(out.p);
    return 0;
}

static int cmd_encode(wps_codec codec) {
    buf line = {NULL, 0}, scratch = {NULL, 0}, out = {NULL, 0}, b64 = {NULL, 0};
    size_t len;
    while (read_line(stdin, &line, &len)) {
        wps_message msg;
        wps_diag diag;
        size_t n = 0;
        wps_status st;
        buf_reserve(&line, len + 1);
        buf_reserve(&scratch, wps_decode_scratch_bound(len) + 1);
        st = wps_message_parse_rendered(&codec, line.p, len, scratch.p, scratch.cap, &msg, &diag);
        if (st == WPS_IGNORED) {
            print_error_line(WPS_ERR_INVALID_MESSAGE, diag.reason);
            continue;
        }
        if (st != WPS_OK) {
            print_error_line(st, diag.reason);
            continue;
        }
        st = wps_encode(&codec, &msg, NULL, 0, &n, &diag);
        if (st == WPS_ERR_BUFFER_TOO_SMALL) {
            buf_reserve(&out, n + 1);
            st = wps_encode(&codec, &msg, out.p, out.cap, &n, &diag);
        }
        if (st != WPS_OK) {
            print_error_line(st, diag.reason);
            continue;
        }
        if (wps_protocol_is_binary(codec.protocol)) {
            size_t bn = wps_base64_encode(out.p, n, NULL, 0);
            buf_reserve(&b64, bn + 1);
            wps_base64_encode(out.p, n, b64.p, b64.cap);
            fputs("B ", stdout);
            fwrite(b64.p, 1, bn, stdout);
        } else {
            fputs("T ", stdout);
            fwrite(out.p, 1, n, stdout);
        }
        fputc('\n', stdout);
    }
    free(line.p);
    free(scratch.p);
    free(out.p);
    free(b64.p);
    return 0;
}

/* ------------------------------------------------------------------ client-driver */

/* Base64 argument into a NUL-terminated malloc'd string (*len bytes). */
static char *arg_b64(const char *s, size_t *len) {
    size_t n = strlen(s), cap = n / 4 * 3 + 4, out = 0;
    char *p = (char *)malloc(cap + 1);
    if (!p) exit(1);
    if (!strcmp(s, "-")) n = 0;
    if (wps_base64_decode(s, n, p, cap, &out, NULL) != WPS_OK) out = 0;
    p[out] = 0;
    *len = out;
    return p;
}

#define DRIVER_LABELS 4096
static char *g_labels[DRIVER_LABELS];
static wps_call_id g_label_ids[DRIVER_LABELS];
static int g_nlabels;

static const char *label_for(wps_call_id id) {
    int i;
    for (i = 0; i < g_nlabels; i++)
        if (g_label_ids[i] == id) return g_labels[i];
    return "?";
}

static void print_action(const wps_action *a) {
    static const char *const dts[] = {"json", "text", "binary", "protobuf"};
    FILE *f = stdout;
    switch (a->kind) {
    case WPS_ACTION_NEED_URL: fputs("{\"action\":\"need-url\"}\n", f); return;
    case WPS_ACTION_OPEN:
        fputs("{\"action\":\"open\"", f);
        cli_put_field(f, "url", a->url);
        fprintf(f, ",\"subprotocol\":\"%s\"}\n", a->subprotocol);
        return;
    case WPS_ACTION_SEND:
        fprintf(f, "{\"action\":\"send\",\"text\":%s", a->is_text ? "true" : "false");
        cli_put_field(f, "frame", a->frame);
        fputs("}\n", f);
        return;
    case WPS_ACTION_CLOSE:
        fprintf(f, "{\"action\":\"close\",\"code\":%u", a->close_code);
        cli_put_field(f, "reason", a->close_reason);
        fputs("}\n", f);
        return;
    case WPS_ACTION_EVENT:
        fprintf(f, "{\"action\":\"event\",\"event\":\"%s\"", wps_event_kind_name(a->event));
        cli_put_event_names(f, a);
        cli_put_field(f, "errorName", a->error_name);
        cli_put_field(f, "errorMessage", a->error_message);
        if (a->event == WPS_EVENT_DISCONNECTED || a->event == WPS_EVENT_START_FAILED) {
            fprintf(f, ",\"code\":%u", a->close_code);
            cli_put_field(f, "reason", a->close_reason);
        }
        if (a->event == WPS_EVENT_REJOIN_GROUP_FAILED || a->event == WPS_EVENT_FRAME_ERROR) fprintf(f, ",\"status\":\"%s\"", wps_status_name(a->status));
        if (a->message) cli_put_message_data(f, a->message);
        fputs("}\n", f);
        return;
    case WPS_ACTION_COMPLETE:
        fprintf(f, "{\"action\":\"complete\",\"label\":");
        cli_put_jstr(f, label_for(a->call), strlen(label_for(a->call)));
        fprintf(f, ",\"kind\":\"%s\",\"status\":\"%s\"", wps_call_kind_name(a->call_kind), a->status == WPS_OK ? "ok" : wps_status_name(a->status));
        if (a->has_ack_id) fprintf(f, ",\"ackId\":%llu", (unsigned long long)a->ack_id);
        fprintf(f, ",\"isDuplicated\":%s", a->is_duplicated ? "true" : "false");
        cli_put_field(f, "invocationId", a->invocation_id);
        cli_put_field(f, "errorName", a->error_name);
        cli_put_field(f, "errorMessage", a->error_message);
        if (a->has_data) {
            fprintf(f, ",\"dataType\":\"%s\",\"data\":", dts[a->data_type & 3]);
            if (a->data_type == WPS_DATA_JSON) {
                fwrite(a->data.ptr, 1, a->data.len, f);
            } else if (a->data_type == WPS_DATA_TEXT) {
                cli_put_jstr(f, a->data.ptr, a->data.len);
            } else {
                size_t n = wps_base64_encode(a->data.ptr, a->data.len, NULL, 0);
                char *b = (char *)malloc(n + 1);
                if (!b) exit(1);
                n = wps_base64_encode(a->data.ptr, a->data.len, b, n);
                cli_put_jstr(f, b, n);
                free(b);
            }
        }
        fputs("}\n", f);
        return;
    default: return;
    }
}

/* wps client-driver: the client state machine over stdin/stdout, for hosts written in other
   languages and for tests. One command per line; after each, the actions it produced as JSON
   lines, then {"done":true,"status":"...","deadline":N|null}. Strings are base64 ("-" = none).
     config KEY=VALUE...    (before start) protocol, auto_reconnect, auto_rejoin_groups,
                            keepalive_interval_ms, keepalive_timeout_ms, recovery_window_ms,
                            recovery_retry_ms, ack_timeout_ms, invoke_timeout_ms,
                            message_retry / reconnect_retry = MAX/DELAY/MAXDELAY[/exponential]
     start NOW | stop NOW | tick NOW | url NOW B64URL | url-failed NOW | open NOW
     open-failed NOW CODE | frame NOW T|B B64DATA | close NOW CODE B64REASON
     call NOW LABEL join|leave|send|event|invoke B64NAME [DATATYPE B64DATA] [noEcho]
          [fireAndForget] [ackId=N] [timeout=MS] [id=B64]
     cancel NOW LABEL | poll */
static int cmd_client_driver(void) {
    wps_client_config cfg = wps_client_config_default();
    wps_client *c = NULL;
    void *mem = NULL;
    buf line = {NULL, 0};
    size_t len;
    while (read_line(stdin, &line, &len)) {
        char *tok[32], *p;
        int nt = 0;
        wps_status st = WPS_OK;
        uint64_t now;
        wps_action a;
        buf_reserve(&line, len + 1);
        line.p[len] = 0;
        for (p = strtok(line.p, " \r"); p && nt < 32; p = strtok(NULL, " \r")) tok[nt++] = p;
        if (!nt) continue;
        if (!strcmp(tok[0], "config")) {
            int i;
            for (i = 1; i < nt; i++) {
                char *eq = strchr(tok[i], '=');
                const char *v;
                uint32_t n;
                if (!eq) continue;
                *eq = 0;
                v = eq + 1;
                n = !strcmp(v, "none") ? WPS_NO_TIMEOUT : (uint32_t)strtoul(v, NULL, 10);
                if (!strcmp(tok[i], "protocol")) wps_protocol_from_name(v, strlen(v), &cfg.protocol);
                else if (!strcmp(tok[i], "auto_reconnect")) cfg.auto_reconnect = !strcmp(v, "true");
                else if (!strcmp(tok[i], "auto_rejoin_groups")) cfg.auto_rejoin_groups = !strcmp(v, "true");
                else if (!strcmp(tok[i], "keepalive_interval_ms")) cfg.keepalive_interval_ms = n;
                else if (!strcmp(tok[i], "keepalive_timeout_ms")) cfg.keepalive_timeout_ms = n;
                else if (!strcmp(tok[i], "recovery_window_ms")) cfg.recovery_window_ms = n;
                else if (!strcmp(tok[i], "recovery_retry_ms")) cfg.recovery_retry_ms = n;
                else if (!strcmp(tok[i], "ack_timeout_ms")) cfg.ack_timeout_ms = n;
                else if (!strcmp(tok[i], "invoke_timeout_ms")) cfg.invoke_timeout_ms = n;
                else if (!strcmp(tok[i], "message_retry")) cli_retry_policy(v, &cfg.message_retry);
                else if (!strcmp(tok[i], "reconnect_retry")) cli_retry_policy(v, &cfg.reconnect_retry);
            }
            printf("{\"done\":true,\"status\":\"WPS_OK\",\"deadline\":null}\n");
            fflush(stdout);
            continue;
        }
        if (!c) {
            size_t need = wps_client_memory_size(&cfg);
            mem = need ? malloc(need) : NULL;
            if (!mem || wps_client_init(&c, &cfg, mem, need, NULL) != WPS_OK) {
                printf("{\"done\":true,\"status\":\"WPS_ERR_INVALID_ARGUMENT\",\"deadline\":null}\n");
                fflush(stdout);
                free(mem);
                mem = NULL;
                continue;
            }
        }
        now = nt > 1 ? strtoull(tok[1], NULL, 10) : 0;
        if (!strcmp(tok[0], "start")) st = wps_client_start(c, now);
        else if (!strcmp(tok[0], "stop")) st = wps_client_stop(c, now);
        else if (!strcmp(tok[0], "tick")) st = wps_client_tick(c, now);
        else if (!strcmp(tok[0], "url") && nt > 2) {
            size_t n;
            char *u = arg_b64(tok[2], &n);
            st = wps_client_set_url(c, now, u, n);
            free(u);
        } else if (!strcmp(tok[0], "url-failed")) st = wps_client_url_failed(c, now);
        else if (!strcmp(tok[0], "open")) st = wps_client_on_open(c, now);
        else if (!strcmp(tok[0], "open-failed")) st = wps_client_on_open_failed(c, now, (uint16_t)(nt > 2 ? strtoul(tok[2], NULL, 10) : 0));
        else if (!strcmp(tok[0], "frame") && nt > 3) {
            /* the frame stays in g_frame until the next one: events point into it */
            static char *g_frame;
            size_t n;
            free(g_frame);
            g_frame = arg_b64(tok[3], &n);
            st = wps_client_on_frame(c, now, g_frame, n, tok[2][0] == 'T');
        } else if (!strcmp(tok[0], "close") && nt > 2) {
            size_t n = 0;
            char *r = nt > 3 ? arg_b64(tok[3], &n) : NULL;
            st = wps_client_on_close(c, now, (uint16_t)strtoul(tok[2], NULL, 10), r, n);
            free(r);
        } else if (!strcmp(tok[0], "call") && nt > 4) {
            wps_call_options o;
            wps_call_id id = 0;
            size_t nn = 0, dn = 0;
            char *name = arg_b64(tok[4], &nn), *data = NULL, *inv = NULL;
            wps_data_type dt = WPS_DATA_TEXT;
            int i = 5;
            memset(&o, 0, sizeof o);
            if (strcmp(tok[3], "join") != 0 && strcmp(tok[3], "leave") != 0 && nt > 6) {
                if (!strcmp(tok[5], "json")) dt = WPS_DATA_JSON;
                else if (!strcmp(tok[5], "binary")) dt = WPS_DATA_BINARY;
                else if (!strcmp(tok[5], "protobuf")) dt = WPS_DATA_PROTOBUF;
                data = arg_b64(tok[6], &dn);
                i = 7;
            }
            for (; i < nt; i++) {
                if (!strcmp(tok[i], "noEcho")) o.no_echo = true;
                else if (!strcmp(tok[i], "fireAndForget")) o.fire_and_forget = true;
                else if (!strncmp(tok[i], "ackId=", 6)) o.has_ack_id = true, o.ack_id = strtoull(tok[i] + 6, NULL, 10);
                else if (!strncmp(tok[i], "timeout=", 8)) o.timeout_ms = (uint32_t)strtoul(tok[i] + 8, NULL, 10);
                else if (!strncmp(tok[i], "id=", 3)) {
                    size_t n;
                    inv = arg_b64(tok[i] + 3, &n);
                    o.invocation_id = wps_slice_make(inv, n);
                }
            }
            {
                wps_slice nm = wps_slice_make(name, nn), dd = wps_slice_make(data ? data : "", dn);
                if (!strcmp(tok[3], "join")) st = wps_client_join_group(c, now, nm, &o, &id, NULL);
                else if (!strcmp(tok[3], "leave")) st = wps_client_leave_group(c, now, nm, &o, &id, NULL);
                else if (!strcmp(tok[3], "send")) st = wps_client_send_to_group(c, now, nm, dt, dd, &o, &id, NULL);
                else if (!strcmp(tok[3], "event")) st = wps_client_send_event(c, now, nm, dt, dd, &o, &id, NULL);
                else st = wps_client_invoke_event(c, now, nm, dt, dd, &o, &id, NULL);
            }
            if (st == WPS_OK && g_nlabels < DRIVER_LABELS) {
                size_t ln = strlen(tok[2]);
                g_labels[g_nlabels] = (char *)malloc(ln + 1);
                if (!g_labels[g_nlabels]) exit(1);
                memcpy(g_labels[g_nlabels], tok[2], ln + 1);
                g_label_ids[g_nlabels++] = id;
            }
            free(name);
            free(data);
            free(inv);
        } else if (!strcmp(tok[0], "cancel") && nt > 2) {
            int i;
            wps_call_id id = 0;
            for (i = 0; i < g_nlabels; i++)
                if (!strcmp(g_labels[i], tok[2])) id = g_label_ids[i];
            st = wps_client_cancel(c, now, id);
        } else if (strcmp(tok[0], "poll") != 0) {
            st = WPS_ERR_INVALID_ARGUMENT;
        }
        while (wps_client_poll(c, &a)) print_action(&a);
        {
            uint64_t d = wps_client_next_deadline(c);
            printf("{\"done\":true,\"status\":\"%s\",\"state\":\"%s\",\"deadline\":", wps_status_name(st), wps_client_state_name(wps_client_get_state(c)));
            if (d == UINT64_MAX) printf("null}\n");
            else printf("%llu}\n", (unsigned long long)d);
        }
        fflush(stdout);
    }
    free(line.p);
    free(mem);
    return 0;
}

/* ------------------------------------------------------------------ token */

/* wps token --connection-string CS --hub H [--user U] [--role R]... [--group G]...
             [--expires-minutes N] [--client-protocol default|mqtt|socketio]
             [--service webpubsub|signalr] [--now UNIX_SECONDS]
   prints the client access URL, then the token. */
static int cmd_token(int argc, char **argv) {
    const char *cstr = NULL, *hub = NULL, *user = NULL;
    wps_slice roles[64], groups[64];
    size_t nroles = 0, ngroups = 0, n = 0, un = 0;
    int signalr = 0, i;
    wps_connection_string cs;
    wps_token_options o;
    wps_diag d;
    wps_status st;
    char *tok, *url;
    memset(&o, 0, sizeof o);
    o.now = (uint64_t)time(NULL);
    for (i = 2; i < argc; i += 2) { /* every option takes a value */
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!v) break;
        if (!strcmp(a, "--connection-string")) cstr = v;
        else if (!strcmp(a, "--hub")) hub = v;
        else if (!strcmp(a, "--user")) user = v;
        else if (!strcmp(a, "--role") && nroles < 64) roles[nroles++] = wps_slice_from_cstr(v);
        else if (!strcmp(a, "--group") && ngroups < 64) groups[ngroups++] = wps_slice_from_cstr(v);
        else if (!strcmp(a, "--expires-minutes")) o.expires_minutes = (uint32_t)strtoul(v, NULL, 10);
        else if (!strcmp(a, "--now")) o.now = strtoull(v, NULL, 10);
        else if (!strcmp(a, "--client-protocol")) {
            if (!strcmp(v, "mqtt")) o.client_kind = WPS_CLIENT_KIND_MQTT;
            else if (!strcmp(v, "socketio")) o.client_kind = WPS_CLIENT_KIND_SOCKETIO;
            else if (strcmp(v, "default") != 0) break;
        } else if (!strcmp(a, "--service")) {
            if (!strcmp(v, "signalr")) signalr = 1;
            else if (strcmp(v, "webpubsub") != 0) break;
        } else {
            break;
        }
    }
    if (i < argc || !cstr || !hub) {
        fputs("usage: wps token --connection-string CS --hub H [--user U] [--role R]... [--group G]...\n"
              "                 [--expires-minutes N] [--client-protocol default|mqtt|socketio]\n"
              "                 [--service webpubsub|signalr] [--now UNIX_SECONDS]\n",
              stderr);
        return 2;
    }
    st = wps_connection_string_parse(cstr, strlen(cstr), &cs, &d);
    if (st != WPS_OK) {
        fprintf(stderr, "wps token: %s: %s\n", wps_status_name(st), d.reason);
        return 1;
    }
    o.hub = wps_slice_from_cstr(hub);
    if (user) o.user_id = wps_slice_from_cstr(user);
    o.roles = roles;
    o.role_count = nroles;
    o.groups = groups;
    o.group_count = ngroups;
    if (signalr) {
        wps_signalr_client_token(&cs, &o, NULL, 0, &n, NULL, 0, &un, NULL);
        tok = (char *)malloc(n + 1);
        url = (char *)malloc(un + 1);
        if (!tok || !url) return 1;
        st = wps_signalr_client_token(&cs, &o, tok, n, &n, url, un, &un, &d);
        if (st == WPS_OK) printf("%.*s\n%.*s\n", (int)un, url, (int)n, tok);
    } else {
        wps_client_access_url(&cs, &o, NULL, 0, &un, NULL);
        url = (char *)malloc(un + 1);
        tok = NULL;
        if (!url) return 1;
        st = wps_client_access_url(&cs, &o, url, un, &un, &d);
        if (st == WPS_OK) {
            const char *t;
            url[un] = 0; /* the library does not NUL-terminate */
            t = strstr(url, "?access_token=");
            printf("%.*s\n%s\n", (int)un, url, t ? t + 14 : "");
        }
    }
    if (st != WPS_OK) fprintf(stderr, "wps token: %s: %s\n", wps_status_name(st), d.reason);
    free(tok);
    free(url);
    return st == WPS_OK ? 0 : 1;
}

int main(int argc, char **argv) {
    wps_protocol protocol = WPS_PROTOCOL_JSON_RELIABLE;
    int decode, i, dir_set = 0;
    wps_direction direction = WPS_DOWNSTREAM;
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
        usage(stdout);
        return 0;
    }
    if (!strcmp(argv[1], "client-driver")) return cmd_client_driver();
    if (!strcmp(argv[1], "connect")) return wps_cli_connect(argc, argv);
    if (!strcmp(argv[1], "token")) return cmd_token(argc, argv);
    if (!strcmp(argv[1], "rest")) return wps_cli_rest(argc, argv);
    if (!strcmp(argv[1], "webhook")) return wps_cli_webhook(argc, argv);
    if (!strcmp(argv[1], "decode")) decode = 1;
    else if (!strcmp(argv[1], "encode")) decode = 0;
    else {
        fprintf(stderr, "wps: unknown command '%s'\n", argv[1]);
        usage(stderr);
        return 2;
    }
    for (i = 2; i < argc; i++) {
        if (!strcmp(argv[i], "--protocol") && i + 1 < argc) {
            if (wps_protocol_from_name(argv[i + 1], strlen(argv[i + 1]), &protocol) != WPS_OK) {
                fprintf(stderr, "wps: unknown protocol '%s'\n", argv[i + 1]);
                return 2;
            }
            i++;
        } else if (!strcmp(argv[i], "--direction") && i + 1 < argc) {
            if (!strcmp(argv[i + 1], "down")) direction = WPS_DOWNSTREAM;
            else if (!strcmp(argv[i + 1], "up")) direction = WPS_UPSTREAM;
            else {
                fprintf(stderr, "wps: --direction must be up or down\n");
                return 2;
            }
            dir_set = 1;
            i++;
        } else {
            fprintf(stderr, "wps: unknown or incomplete option '%s'\n", argv[i]);
            usage(stderr);
            return 2;
        }
    }
    if (!dir_set) direction = decode ? WPS_DOWNSTREAM : WPS_UPSTREAM;
    return decode ? cmd_decode(wps_codec_make(protocol, direction)) : cmd_encode(wps_codec_make(protocol, direction));
}
