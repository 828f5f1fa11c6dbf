/* libFuzzer target: the client state machine driven by a host model.
 *
 * The input is read as a program of host inputs (start, stop, URL, socket opened / failed /
 * closed, frames, time, calls, cancels). The host model behaves like a real host: it only
 * reports events for the socket it was asked to open, drains every action after each input,
 * and sends frames only through the client. Invariants checked after every step:
 *   - every call completes exactly once (and at the end, after stop, all have completed);
 *   - nothing is sent unless the host's socket is open; no second socket is opened while one
 *     is open or opening;
 *   - an effective stop() is followed by exactly one `stopped` before the next start(), and
 *     there are never two `stopped` without a start in between;
 *   - the deadline is never in the past; the client never allocates (memory is fixed here).
 */
#define WPS_IMPLEMENTATION
#include "../wps.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void check(int cond, const char *what) {
    if (!cond) {
        fprintf(stderr, "invariant violated: %s\n", what);
        abort();
    }
}

enum { H_NONE, H_OPENING, H_OPEN, H_CLOSING };

#define MAX_ISSUED 4096

typedef struct model {
    wps_client *c;
    uint64_t now;
    int host_sock;
    int stop_pending;   /* an effective stop() awaits its stopped */
    int stopped_seen;   /* a stopped came and no start since */
    int need_url;       /* the client asked for a URL */
    wps_call_id issued[MAX_ISSUED];
    unsigned char done[MAX_ISSUED];
    int nissued;
} model;

static const uint8_t *g_in;
static size_t g_len, g_pos;

static unsigned byte(void) { return g_pos < g_len ? g_in[g_pos++] : 0; }

static void on_complete(model *m, wps_call_id id) {
    int i;
    for (i = 0; i < m->nissued; i++) {
        if (m->issued[i] == id && !m->done[i]) {
            m->done[i] = 1;
            return;
        }
    }
    check(0, "completion of a call that is not pending");
}

static void drain(model *m) {
    wps_action a;
    int guard = 0;
    while (wps_client_poll(m->c, &a)) {
        check(++guard < 100000, "poll does not end");
        switch (a.kind) {
        case WPS_ACTION_NEED_URL: m->need_url = 1; break;
        case WPS_ACTION_OPEN:
            check(m->host_sock == H_NONE, "a second socket opened while one is open");
            check(a.url.ptr && a.url.len && a.subprotocol, "open without a URL");
            m->host_sock = H_OPENING;
            break;
        case WPS_ACTION_SEND:
            check(m->host_sock == H_OPEN, "frame sent while no socket is open");
            check(a.frame.ptr && a.frame.len, "empty frame");
            break;
        case WPS_ACTION_CLOSE:
            check(m->host_sock != H_NONE, "close without a socket");
            m->host_sock = H_CLOSING;
            break;
        case WPS_ACTION_EVENT:
            if (a.event == WPS_EVENT_STOPPED) {
                check(!m->stopped_seen, "two stopped events without a start");
                m->stopped_seen = 1;
                m->stop_pending = 0;
            }
            if (a.event == WPS_EVENT_START_FAILED) m->stopped_seen = 1;
            if (a.event == WPS_EVENT_GROUP_MESSAGE || a.event == WPS_EVENT_SERVER_MESSAGE) check(a.message != NULL, "no message");
            break;
        case WPS_ACTION_COMPLETE: on_complete(m, a.call); break;
        default: check(0, "unknown action"); break;
        }
    }
}

static void after_input(model *m, wps_status st) {
    uint64_t d;
    check(st == WPS_OK || st < 0, "unexpected status");
    drain(m);
    d = wps_client_next_deadline(m->c);
    check(d == UINT64_MAX || d >= m->now, "deadline in the past");
}

static void issue(model *m, wps_status st, wps_call_id id) {
    if (st != WPS_OK) return;
    check(id != 0, "call id 0");
    if (m->nissued < MAX_ISSUED) {
        m->issued[m->nissued] = id;
        m->done[m->nissued] = 0;
        m->nissued++;
    }
}

static const char *const k_groups[] = {"a", "b", "lobby", "g\xc3\xa9", "x y"};
static const char *const k_frames[] = {
    "{\"type\":\"pong\"}",
    "{\"type\":\"system\",\"event\":\"disconnected\",\"message\":\"bye\"}",
    "{\"type\":\"message\",\"from\":\"server\",\"dataType\":\"text\",\"data\":\"hi\"}",
    "{\"type\":\"message\",\"from\":\"group\",\"group\":\"a\",\"dataType\":\"binary\",\"data\":\"AAE=\"}",
    "{\"type\":\"invokeResponse\",\"invocationId\":\"1\"}",
    "{\"type\":\"ack\",\"ackId\":1}",
    "null",
    "{\"type\":",
    "{\"type\":\"future\"}",
};

static void frame(model *m) {
    char buf[512];
    unsigned kind = byte() % 8, v = byte();
    int n;
    switch (kind) {
    case 0:
        n = snprintf(buf, sizeof buf,
                     "{\"type\":\"system\",\"event\":\"connected\",\"userId\":\"u\",\"connectionId\":\"c%u\"%s}", v % 4,
                     (v & 4) ? ",\"reconnectionToken\":\"t\"" : "");
        break;
    case 1:
        n = snprintf(buf, sizeof buf, "{\"type\":\"ack\",\"ackId\":%u,\"success\":%s%s}", v % 16, (v & 16) ? "true" : "false",
                     (v & 32) ? ",\"error\":{\"name\":\"Duplicate\",\"message\":\"d\"}" : "");
        break;
    case 2:
    case 3:
        n = snprintf(buf, sizeof buf, "{\"type\":\"message\",\"from\":\"%s\",\"group\":\"a\",\"dataType\":\"text\",\"data\":\"m\",\"sequenceId\":%u}",
                     (v & 1) ? "group" : "server", (v >> 1) * (kind == 3 ? 7u : 1u));
        break;
    case 4:
        n = snprintf(buf, sizeof buf, "{\"type\":\"invokeResponse\",\"invocationId\":\"%u\",\"success\":%s,\"dataType\":\"text\",\"data\":\"r\"}",
                     v % 6, (v & 8) ? "true" : "false");
        break;
    case 5: {
        /* raw bytes from the input */
        unsigned len = byte() % 64, i;
        for (i = 0; i < len; i++) buf[i] = (char)byte();
        n = (int)len;
        break;
    }
    default: n = snprintf(buf, sizeof buf, "%s", k_frames[v % (sizeof k_frames / sizeof k_frames[0])]); break;
    }
    after_input(m, wps_client_on_frame(m->c, m->now, buf, (size_t)n, (v & 64) == 0));
}

static void call(model *m, unsigned op) {
    wps_call_options o;
    wps_call_id id = 0;
    unsigned f = byte();
    wps_slice g = wps_slice_from_cstr(k_groups[byte() % 5]);
    wps_slice data = wps_slice_from_cstr((f & 1) ? "{\"k\":1}" : "text");
    wps_data_type dt = (f & 1) ? WPS_DATA_JSON : WPS_DATA_TEXT;
    char inv[8];
    memset(&o, 0, sizeof o);
    o.fire_and_forget = (f & 2) != 0;
    o.no_echo = (f & 4) != 0;
    if (f & 8) o.has_ack_id = true, o.ack_id = byte() % 8;
    if (f & 16) o.timeout_ms = 1 + byte() * 40u;
    if (f & 32) {
        snprintf(inv, sizeof inv, "%u", byte() % 6);
        o.invocation_id = wps_slice_from_cstr(inv);
    }
    wps_status st;
    switch (op % 5) {
    case 0: st = wps_client_join_group(m->c, m->now, g, &o, &id, NULL); break;
    case 1: st = wps_client_leave_group(m->c, m->now, g, &o, &id, NULL); break;
    case 2: st = wps_client_send_to_group(m->c, m->now, g, dt, data, &o, &id, NULL); break;
    case 3: st = wps_client_send_event(m->c, m->now, g, dt, data, &o, &id, NULL); break;
    default: st = wps_client_invoke_event(m->c, m->now, g, dt, data, &o, &id, NULL); break;
    }
    issue(m, st, id);
    after_input(m, st);
}

static uint64_t g_mem[(1u << 20) / 8];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    model m;
    wps_client_config cfg = wps_client_config_default();
    size_t need;
    unsigned flags;
    int steps = 0, i;
    g_in = data;
    g_len = size;
    g_pos = 0;
    memset(&m, 0, sizeof m);
    flags = byte();
    cfg.protocol = (flags & 1) ? WPS_PROTOCOL_JSON : WPS_PROTOCOL_JSON_RELIABLE;
    cfg.auto_reconnect = (flags & 2) == 0;
    cfg.auto_rejoin_groups = (flags & 4) == 0;
    cfg.max_calls = 1 + (flags >> 3) % 4;
    cfg.max_groups = (flags >> 5) % 4;
    cfg.message_retry.max_retries = byte() % 4;
    cfg.reconnect_retry.max_retries = (flags & 8) ? 2 : WPS_RETRY_UNLIMITED;
    cfg.reconnect_retry.mode = (flags & 16) ? WPS_RETRY_EXPONENTIAL : WPS_RETRY_FIXED;
    cfg.recovery_window_ms = 3000;
    cfg.max_frame_size = 512;
    need = wps_client_memory_size(&cfg);
    check(need > 0 && need <= sizeof g_mem, "memory size");
    check(wps_client_init(&m.c, &cfg, g_mem, need, NULL) == WPS_OK, "init");
    m.stopped_seen = 1;
    while (g_pos < g_len && steps++ < 2000) {
        unsigned op = byte();
        m.now += (op & 0x80) ? (uint64_t)byte() * 50u : 0u;
        switch (op & 0x1F) {
        case 0: {
            wps_status st = wps_client_start(m.c, m.now);
            if (st == WPS_OK) m.stopped_seen = 0;
            after_input(&m, st);
            break;
        }
        case 1: {
            wps_client_state s = wps_client_get_state(m.c);
            wps_status st = wps_client_stop(m.c, m.now);
            if (st == WPS_OK && s != WPS_CLIENT_STOPPED && s != WPS_CLIENT_STOPPING) m.stop_pending = 1;
            after_input(&m, st);
            break;
        }
        case 2:
            if (m.need_url) {
                m.need_url = 0;
                after_input(&m, wps_client_set_url(m.c, m.now, "wss://h/client/hubs/x?access_token=t", 36));
            }
            break;
        case 3:
            if (m.need_url) {
                m.need_url = 0;
                after_input(&m, wps_client_url_failed(m.c, m.now));
            }
            break;
        case 4:
            if (m.host_sock == H_OPENING) {
                wps_status st = wps_client_on_open(m.c, m.now);
                check(st == WPS_OK, "open refused");
                m.host_sock = H_OPEN;
                after_input(&m, st);
            }
            break;
        case 5:
            if (m.host_sock == H_OPENING) {
                m.host_sock = H_NONE;
                after_input(&m, wps_client_on_open_failed(m.c, m.now, (byte() & 1) ? 1008 : 0));
            }
            break;
        case 6:
        case 7:
            if (m.host_sock != H_NONE) {
                static const uint16_t codes[] = {1000, 1001, 1005, 1006, 1008, 1011};
                m.host_sock = H_NONE;
                after_input(&m, wps_client_on_close(m.c, m.now, codes[byte() % 6], "r", 1));
            }
            break;
        case 8:
        case 9:
        case 10:
        case 11:
            if (m.host_sock == H_OPEN || m.host_sock == H_CLOSING) frame(&m);
            break;
        case 12:
        case 13: after_input(&m, wps_client_tick(m.c, m.now)); break;
        case 14:
            if (m.nissued) after_input(&m, wps_client_cancel(m.c, m.now, m.issued[byte() % (unsigned)m.nissued]));
            break;
        case 15: {
            /* jump to the deadline, like a host timer */
            uint64_t d = wps_client_next_deadline(m.c);
            if (d != UINT64_MAX && d - m.now < 200000) m.now = d;
            after_input(&m, wps_client_tick(m.c, m.now));
            break;
        }
        default: call(&m, op); break;
        }
    }
    /* the end: stop, let the host close its socket, and every call must be complete */
    {
        wps_client_state s = wps_client_get_state(m.c);
        wps_status st = wps_client_stop(m.c, m.now);
        if (st == WPS_OK && s != WPS_CLIENT_STOPPED && s != WPS_CLIENT_STOPPING) m.stop_pending = 1;
        after_input(&m, st);
        if (m.host_sock == H_OPENING) {
            m.host_sock = H_NONE;
            after_input(&m, wps_client_on_open_failed(m.c, m.now, 0));
        } else if (m.host_sock != H_NONE) {
            m.host_sock = H_NONE;
            after_input(&m, wps_client_on_close(m.c, m.now, 1000, NULL, 0));
        }
        check(wps_client_get_state(m.c) == WPS_CLIENT_STOPPED, "not stopped at the end");
        check(!m.stop_pending, "stop() without its stopped event");
        for (i = 0; i < m.nissued; i++) {
            if (!m.done[i]) {
                /* calls made while stopped keep retrying until their policy ends: run the clock */
                int k;
                for (k = 0; k < 64 && !m.done[i]; k++) {
                    uint64_t d = wps_client_next_deadline(m.c);
                    if (d == UINT64_MAX) break;
                    m.now = d;
                    after_input(&m, wps_client_tick(m.c, m.now));
                }
                check(m.done[i], "a call never completed");
            }
        }
    }
    return 0;
}
