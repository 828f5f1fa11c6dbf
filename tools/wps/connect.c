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
 * reassembled from lws fragments in growing buffers that belong to the adapter, so they are handed
 * over with wps_client_on_frame_writable and decoded in place beyond the client's scratch
 * (max_frame_size); each is printed whole on one line, binary data as {"$binary":BASE64}.
 *
 * The transport is examples/adapters/lws_adapter.c (wps_lws_: one lws context, the callbacks,
 * reassembly, the send queue, the close): docs/porting.md maps each host input to its lws
 * callback. This file is the host: it reads stdin every 10 ms (non-blocking, between polls),
 * turns lines into calls and prints what on_action gets; between polls it sleeps in lws
 * (wps_lws_wait) until the socket has something, the client's next deadline or the next read.
 */
#define _POSIX_C_SOURCE 200809L
#include "../../wps.h"
#include "../../examples/adapters/lws_adapter.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli_util.h"

typedef struct conn_state {
    wps_client *client;
    char *groups[64];
    int ngroups, quit, exit_code, stopped;
    char stdin_buf[65536];
    size_t stdin_len;
    int stdin_eof, stdin_blocked; /* blocked: the first line waits (1: BUSY, 2: TOO_MANY_CALLS) */
    int call_completed;           /* a COMPLETE was seen since the last TOO_MANY_CALLS */
} conn_state;

static conn_state g;

static uint64_t now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* EVENT and COMPLETE actions (the adapter runs the others): one JSON line each on stdout */
static void on_action(void *user, const wps_action *a) {
    (void)user;
    cli_print_action_line(stdout, a);
    fflush(stdout);
    if (a->kind == WPS_ACTION_COMPLETE) g.call_completed = 1;
    if (a->kind != WPS_ACTION_EVENT) return;
    if (a->event == WPS_EVENT_START_FAILED) {
        g.stopped = 1;
        g.exit_code = 1;
    }
    if (a->event == WPS_EVENT_STOPPED) g.stopped = 1;
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
            g.stdin_blocked = st == WPS_ERR_TOO_MANY_CALLS ? 2 : 1;
            g.call_completed = 0;
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
    /* a line refused for max_calls is tried again once a call completed (not every 10 ms: each
       refusal is a trace record), one refused as BUSY at once (the actions were polled since) */
    if (g.stdin_len && (g.stdin_blocked != 2 || g.call_completed)) run_lines();
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

/* --trace: the client's trace records (wps_client_set_trace) as JSON lines on stderr */
static void print_trace(void *user, const wps_trace *t) {
    (void)user;
    fprintf(stderr, "{\"trace\":\"%s\",\"t\":%llu,\"text\":\"%s\"", wps_trace_kind_name(t->kind), (unsigned long long)t->now_ms, t->text);
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
    wps_client_config cfg = wps_client_config_default();
    wps_adapter_options o;
    wps_lws t;
    const char *url = NULL;
    void *mem;
    size_t need;
    uint64_t next_read;
    int i, trace = 0;
    memset(&g, 0, sizeof g);
    for (i = 2; i < argc; i++) {
        if (!strcmp(argv[i], "--url") && i + 1 < argc) url = argv[++i];
        else if (!strcmp(argv[i], "--group") && i + 1 < argc && g.ngroups < 64) g.groups[g.ngroups++] = argv[++i];
        else if (!strcmp(argv[i], "--trace")) trace = 1;
        else if (!strcmp(argv[i], "--protocol") && i + 1 < argc) {
            if (!cli_client_protocol("wps connect", argv[++i], &cfg.protocol)) return 2;
        } else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            fputs(usage_text, stdout);
            return 0;
        } else {
            fputs(usage_text, stderr);
            return 2;
        }
    }
    if (!url) {
        fputs(usage_text, stderr);
        return 2;
    }
    need = wps_client_memory_size(&cfg);
    mem = malloc(need);
    if (!mem || wps_client_init(&g.client, &cfg, mem, need, NULL) != WPS_OK) return 1;
    if (trace) wps_client_set_trace(g.client, print_trace, NULL);
    lws_set_log_level(LLL_ERR, NULL);
    memset(&o, 0, sizeof o);
    o.url = url; /* the answer to every WPS_ACTION_NEED_URL */
    o.on_action = on_action;
    wps_lws_init(&t, g.client, &o);
    t.name = "wps connect";
    fcntl(0, F_SETFL, fcntl(0, F_GETFL) | O_NONBLOCK);
    wps_client_start(g.client, now_ms());
    /* the joins are calls before any stdin line: the client sends its calls in order once
       connected, so a line typed at once goes after them (joining on 'connected' let an early
       line reach the group before this client was in it, and its echo was lost) */
    for (i = 0; i < g.ngroups; i++) {
        wps_diag d;
        wps_status st = wps_client_join_group(g.client, now_ms(), wps_slice_from_cstr(g.groups[i]), NULL, NULL, &d);
        if (st != WPS_OK) fprintf(stderr, "wps connect: joining %s refused: %s: %s\n", g.groups[i], wps_status_name(st), d.reason[0] ? d.reason : wps_strerror(st));
    }
    next_read = now_ms() + 10; /* stdin is read every 10 ms, the first time 10 ms after the start */
    while (!g.stopped) {
        uint64_t now = now_ms();
        if (now >= next_read) {
            read_stdin();
            next_read = now + 10;
        }
        if (wps_lws_poll(&t, now_ms()) < 0) { /* out of memory, or no lws context: said on stderr */
            g.exit_code = 1;
            break;
        }
        now = now_ms();
        if (!g.stopped && next_read > now) wps_lws_wait(&t, now, (uint32_t)(next_read - now));
    }
    wps_lws_close(&t);
    free(mem);
    return g.exit_code;
}
