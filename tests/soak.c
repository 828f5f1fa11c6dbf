/* Chaos soak: wps_client against an in-process simulated Web PubSub service built on the
 * codec's service direction (it decodes upstream frames and encodes downstream ones).
 *
 *   build/soak [--seed N] [--messages N] [--disconnects N] [--verbose]
 *
 * The network and the service misbehave on purpose, from a seeded PRNG (reproducible):
 * sockets drop (1006/1001/1011), recoveries are refused (1008), downstream frames are
 * duplicated and old ones replayed, acks are delayed, lost, duplicated or replaced by errors,
 * upstream frames are duplicated, opens fail, URLs fail. The service keeps reliable-protocol
 * semantics: a per-session outbox replayed after recovery from the client's last sequenceAck,
 * and ackId de-duplication per connection (kept across recovery, as the service does).
 *
 * Checked, and reported as "N passed, N failed" like the unit tests:
 *   - every call completes exactly once;
 *   - no downstream message reaches the application twice, and within a session none is lost:
 *     every message the service queued is delivered unless its session was refused recovery
 *     (such messages are counted as abandoned, the only loss the protocol allows);
 *   - no upstream message is delivered twice within a session; each call that completed OK was
 *     delivered exactly once; an OK completion is never a message the service never received;
 *   - memory stays bounded (the client's is fixed; the service's outbox is capped).
 */
#define _POSIX_C_SOURCE 200809L
#define WPS_IMPLEMENTATION
#include "../wps.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t rng_state;
static uint32_t rnd(void) {
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (uint32_t)(rng_state >> 16);
}
static int chance(unsigned per_mille) { return rnd() % 1000u < per_mille; }

/* Each invariant is one test: it passes when every check of it held. */
#define MAX_INVARIANTS 32
static const char *g_names[MAX_INVARIANTS];
static unsigned long long g_checks[MAX_INVARIANTS], g_fails[MAX_INVARIANTS];
static int g_ninv;
static void expect(int ok, const char *what) {
    int i;
    for (i = 0; i < g_ninv && g_names[i] != what && strcmp(g_names[i], what) != 0; i++) {
    }
    if (i == g_ninv && g_ninv < MAX_INVARIANTS) g_names[g_ninv++] = what;
    if (i >= MAX_INVARIANTS) return;
    g_checks[i]++;
    if (!ok && g_fails[i]++ < 5) printf("FAIL %s\n", what);
}

/* ------------------------------------------------------------------ the service */

#define OUTBOX_CAP 1000 /* like the service's 1000-message unacked limit */
#define MAX_SESSIONS 40000
#define MAX_CALLS_TRACKED 4000000

typedef struct pending_down {
    uint64_t seq;
    uint32_t session, msg; /* payload "s<session>m<msg>" */
} pending_down;

typedef struct delayed_frame {
    uint64_t at;
    char json[256];
} delayed_frame;

#define INFLIGHT_CAP 4096

typedef struct service {
    /* downstream messages on the wire (FIFO): lost when the socket drops */
    pending_down inflight[INFLIGHT_CAP];
    uint64_t inflight_at[INFLIGHT_CAP];
    int inflight_head, inflight_len;
    uint32_t gen_count[MAX_SESSIONS];
    uint32_t session;      /* current session number, 0 = none */
    int sock;              /* 0 none, 1 opening, 2 open, 3 closing (asked by the client) */
    int recovery;          /* the socket being opened is a recovery */
    uint64_t next_seq, acked_seq;
    pending_down outbox[OUTBOX_CAP];
    int outbox_len;
    uint32_t next_msg;
    /* ackIds delivered in this session (per connection de-duplication) */
    uint64_t *seen_ack;
    size_t seen_len, seen_cap;
    delayed_frame delayed[64];
    int ndelayed;
    /* accounting */
    uint64_t down_generated, down_abandoned, up_delivered, up_dup_within_session, up_dup_across_sessions, ok_never_received;
    unsigned drops, refusals, sessions_started;
} service;

typedef struct app {
    /* downstream: a bit per (session, msg) delivered to the application */
    unsigned char *delivered;
    uint32_t per_session;
    uint64_t down_delivered, down_dups;
    /* calls, by call id: 0 unknown, 1 pending, 2 done; and the payload number they carry */
    unsigned char *call_state;
    int64_t *call_payload; /* -1: a join */
    /* upstream payloads "u<n>": the session that first delivered it, and how often */
    uint32_t *up_session;
    unsigned *up_count;
    uint64_t calls, payloads, completions, ok, failed;
} app;

static service S;
static app A;
static wps_client *C;
static uint64_t now_ms;
static int verbose;

static int seen_ack(uint64_t id) {
    size_t i;
    for (i = 0; i < S.seen_len; i++)
        if (S.seen_ack[i] == id) return 1;
    return 0;
}

static void add_ack(uint64_t id) {
    if (S.seen_len == S.seen_cap) {
        S.seen_cap = S.seen_cap ? S.seen_cap * 2 : 256;
        S.seen_ack = (uint64_t *)realloc(S.seen_ack, S.seen_cap * sizeof *S.seen_ack);
    }
    S.seen_ack[S.seen_len++] = id;
}

/* One frame to the client. It stays in g_frame until the next one: the client's events point
   into it until they are polled (the host contract). */
static char g_frame[512];
static void deliver(const char *json) {
    wps_status st;
    size_t n = strlen(json);
    if (n >= sizeof g_frame) n = sizeof g_frame - 1;
    memcpy(g_frame, json, n);
    st = wps_client_on_frame(C, now_ms, g_frame, n, true);
    expect(st == WPS_OK, "on_frame accepted");
}

static void send_down_msg(const pending_down *p) {
    char buf[256];
    snprintf(buf, sizeof buf, "{\"type\":\"message\",\"from\":\"server\",\"dataType\":\"text\",\"data\":\"s%um%u\",\"sequenceId\":%llu}",
             p->session, p->msg, (unsigned long long)p->seq);
    deliver(buf);
}

static int was_delivered(uint32_t session, uint32_t msg) {
    size_t bit = (size_t)session * A.per_session + msg;
    return (A.delivered[bit / 8] >> (bit % 8)) & 1;
}

/* The session's unacknowledged messages are gone: those never delivered count as abandoned. */
static void abandon_outbox(void) {
    int i;
    for (i = 0; i < S.outbox_len; i++)
        if (!was_delivered(S.outbox[i].session, S.outbox[i].msg)) S.down_abandoned++;
    S.outbox_len = 0;
}

static void new_session(void) {
    abandon_outbox();
    S.sessions_started++;
    S.session = S.sessions_started; /* never reused, also after a session ended */
    S.next_seq = 1;
    S.acked_seq = 0;
    S.next_msg = 0;
    S.seen_len = 0; /* de-duplication is per connection */
    S.ndelayed = 0;
}

static void end_session_refused(void) {
    /* recovery refused: the session and its unacked messages are gone */
    abandon_outbox();
    S.session = 0;
}

/* Frames from the service reach the client later, from the main loop (never re-entrantly). */
static void queue_down(const char *json, uint64_t delay) {
    delayed_frame *d;
    if (S.ndelayed >= 64) return; /* lost */
    d = &S.delayed[S.ndelayed++];
    d->at = now_ms + delay;
    snprintf(d->json, sizeof d->json, "%s", json);
}

static void queue_ack(uint64_t ack, int ok, const char *err) {
    char json[256];
    if (ok) snprintf(json, sizeof json, "{\"type\":\"ack\",\"ackId\":%llu,\"success\":true}", (unsigned long long)ack);
    else snprintf(json, sizeof json, "{\"type\":\"ack\",\"ackId\":%llu,\"success\":false,\"error\":{\"name\":\"%s\",\"message\":\"x\"}}",
                  (unsigned long long)ack, err);
    queue_down(json, chance(300) ? rnd() % 3000u : 0u);
}

/* The payload number of an upstream message ("u<n>"), or -1. */
static int64_t payload_of(const wps_message *m) {
    char buf[32];
    size_t n = m->data.len < sizeof buf - 1 ? m->data.len : sizeof buf - 1;
    unsigned long long v;
    memcpy(buf, m->data.ptr, n);
    buf[n] = 0;
    return sscanf(buf, "u%llu", &v) == 1 && v < MAX_CALLS_TRACKED ? (int64_t)v : -1;
}

/* The service receives one upstream frame. */
static void service_receive(const char *frame, size_t len) {
    static char scratch[65536];
    wps_codec up = wps_codec_make(WPS_PROTOCOL_JSON_RELIABLE, WPS_UPSTREAM);
    wps_message m;
    wps_status st = wps_decode(&up, frame, len, scratch, sizeof scratch, &m, NULL);
    expect(st == WPS_OK, "client frames decode as upstream messages");
    if (st != WPS_OK) return;
    switch (m.kind) {
    case WPS_KIND_SEQUENCE_ACK: {
        int i, k = 0;
        if (m.sequence_id > S.acked_seq) S.acked_seq = m.sequence_id;
        for (i = 0; i < S.outbox_len; i++)
            if (S.outbox[i].seq > S.acked_seq) S.outbox[k++] = S.outbox[i];
        S.outbox_len = k;
        break;
    }
    case WPS_KIND_PING: queue_down("{\"type\":\"pong\"}", 0); break;
    case WPS_KIND_SEND_TO_GROUP:
    case WPS_KIND_SEND_EVENT:
    case WPS_KIND_JOIN_GROUP:
    case WPS_KIND_LEAVE_GROUP: {
        int is_msg = m.kind == WPS_KIND_SEND_TO_GROUP || m.kind == WPS_KIND_SEND_EVENT;
        if (!(m.has & WPS_HAS_ACK_ID)) break;
        if (chance(30)) { /* the service fails this attempt: nothing delivered */
            queue_ack(m.ack_id, 0, "InternalServerError");
            break;
        }
        if (seen_ack(m.ack_id)) {
            if (!chance(100)) queue_ack(m.ack_id, 0, "Duplicate"); /* else the ack is lost */
            break;
        }
        add_ack(m.ack_id);
        if (is_msg) {
            int64_t p = payload_of(&m);
            expect(p >= 0, "upstream payload parses");
            if (p >= 0) {
                /* the same payload under another ackId in the same session would be a retry
                   that did not reuse its ackId */
                if (A.up_count[p] && A.up_session[p] == S.session) {
                    S.up_dup_within_session++;
                    if (verbose) printf("  %llu DUP up u%lld ackId %llu session %u\n", (unsigned long long)now_ms, (long long)p, (unsigned long long)m.ack_id, S.session);
                }
                else if (A.up_count[p]) S.up_dup_across_sessions++;
                if (!A.up_count[p]) A.up_session[p] = S.session;
                A.up_count[p]++;
                S.up_delivered++;
            }
        }
        if (chance(50)) break; /* the ack is lost on the way */
        queue_ack(m.ack_id, 1, NULL);
        if (chance(20)) queue_ack(m.ack_id, 1, NULL); /* and sometimes duplicated */
        break;
    }
    default: break;
    }
    (void)len;
}

static void service_generate(void) {
    pending_down *p;
    if (!S.session || S.outbox_len >= OUTBOX_CAP) return;
    if (S.next_msg >= A.per_session) return;
    p = &S.outbox[S.outbox_len++];
    p->seq = S.next_seq++;
    p->session = S.session;
    p->msg = S.next_msg++;
    S.down_generated++;
    S.gen_count[S.session] = S.next_msg;
    if (S.sock == 2 && S.inflight_len < INFLIGHT_CAP) { /* on the wire for a while */
        int at = (S.inflight_head + S.inflight_len) % INFLIGHT_CAP;
        uint64_t last = S.inflight_len ? S.inflight_at[(at + INFLIGHT_CAP - 1) % INFLIGHT_CAP] : now_ms;
        S.inflight[at] = *p;
        S.inflight_at[at] = (last > now_ms ? last : now_ms) + (chance(200) ? rnd() % 300u : 0u);
        S.inflight_len++;
    }
}

static void drain(void);

/* Messages whose time on the wire is over reach the client, in order. */
static void flush_inflight(void) {
    while (S.inflight_len && S.sock == 2 && S.inflight_at[S.inflight_head] <= now_ms) {
        pending_down p = S.inflight[S.inflight_head];
        S.inflight_head = (S.inflight_head + 1) % INFLIGHT_CAP;
        S.inflight_len--;
        send_down_msg(&p);
        drain();
    }
}

/* ------------------------------------------------------------------ host */

static void host_close(uint16_t code) {
    wps_status st;
    S.sock = 0;
    S.ndelayed = 0; /* frames in flight are lost with the socket */
    S.inflight_len = 0;
    st = wps_client_on_close(C, now_ms, code, "chaos", 5);
    expect(st == WPS_OK, "on_close accepted");
}

static void on_complete(const wps_action *a) {
    uint32_t id = a->call;
    if (id >= MAX_CALLS_TRACKED) return;
    expect(A.call_state[id] == 1, "a call completes once, and only a call that was made");
    A.call_state[id] = 2;
    A.completions++;
    if (a->status == WPS_OK) {
        A.ok++;
        if (A.call_payload[id] >= 0 && !A.up_count[A.call_payload[id]]) S.ok_never_received++;
    } else {
        A.failed++;
    }
}

static void on_message(const wps_message *m) {
    unsigned s = 0, k = 0;
    char buf[64];
    size_t n = m->data.len < sizeof buf - 1 ? m->data.len : sizeof buf - 1;
    memcpy(buf, m->data.ptr, n);
    buf[n] = 0;
    if (sscanf(buf, "s%um%u", &s, &k) != 2 || s >= MAX_SESSIONS || k >= A.per_session) {
        expect(0, "message payload parses");
        return;
    }
    if (was_delivered(s, k)) {
        A.down_dups++;
        if (verbose) printf("  %llu DUP down s%um%u seq %llu\n", (unsigned long long)now_ms, s, k, (unsigned long long)m->sequence_id);
    }
    {
        size_t bit = (size_t)s * A.per_session + k;
        A.delivered[bit / 8] |= (unsigned char)(1u << (bit % 8));
    }
    A.down_delivered++;
}

static void drain(void) {
    wps_action a;
    int guard = 0;
    while (wps_client_poll(C, &a)) {
        if (++guard > 1000000) {
            expect(0, "poll ends");
            return;
        }
        switch (a.kind) {
        case WPS_ACTION_NEED_URL:
            if (chance(20)) wps_client_url_failed(C, now_ms);
            else wps_client_set_url(C, now_ms, "wss://sim/client/hubs/soak?access_token=t", 41);
            break;
        case WPS_ACTION_OPEN:
            expect(S.sock == 0, "one socket at a time");
            S.sock = 1;
            S.recovery = strstr(a.url.ptr, "awps_connection_id=") != NULL;
            break;
        case WPS_ACTION_SEND:
            expect(S.sock == 2, "frames only on an open socket");
            if (S.sock != 2) break;
            if (!chance(5)) service_receive(a.frame.ptr, a.frame.len); /* else lost with a drop below */
            if (chance(10)) service_receive(a.frame.ptr, a.frame.len); /* duplicated upstream */
            break;
        case WPS_ACTION_CLOSE:
            if (S.sock) S.sock = 3;
            break;
        case WPS_ACTION_EVENT:
            if (a.event == WPS_EVENT_SERVER_MESSAGE || a.event == WPS_EVENT_GROUP_MESSAGE) on_message(a.message);
            if (verbose && a.event != WPS_EVENT_SERVER_MESSAGE) printf("  %llu event %s\n", (unsigned long long)now_ms, wps_event_kind_name(a.event));
            break;
        case WPS_ACTION_COMPLETE: on_complete(&a); break;
        default: break;
        }
    }
}

/* The socket the client asked for: open it (or refuse it), like the service would. */
static void host_connect(int chaos) {
    if (S.sock != 1) return;
    if (chaos && chance(50)) { /* the open fails */
        S.sock = 0;
        wps_client_on_open_failed(C, now_ms, 0);
        return;
    }
    if (S.recovery) {
        if (!S.session || (chaos && chance(80))) { /* refused: the session ends */
            S.refusals++;
            end_session_refused();
            S.sock = 0;
            wps_client_on_open_failed(C, now_ms, 1008);
            return;
        }
        S.sock = 2;
        wps_client_on_open(C, now_ms);
        drain();
        {
            /* replay everything not acknowledged, sometimes from further back */
            int i;
            for (i = 0; i < S.outbox_len && S.sock == 2; i++) {
                send_down_msg(&S.outbox[i]);
                drain();
            }
        }
        return;
    }
    new_session();
    S.sock = 2;
    wps_client_on_open(C, now_ms);
    drain();
    {
        char buf[160];
        snprintf(buf, sizeof buf, "{\"type\":\"system\",\"event\":\"connected\",\"userId\":\"u\",\"connectionId\":\"c%u\",\"reconnectionToken\":\"t%u\"}",
                 S.session, S.session);
        deliver(buf);
    }
}

/* Service frames that are due (all of them when `all`) reach the client. */
static void flush_delayed(int all) {
    int i;
    for (i = 0; i < S.ndelayed; i++) {
        if ((all || S.delayed[i].at <= now_ms) && S.sock == 2) {
            char json[256];
            memcpy(json, S.delayed[i].json, sizeof json);
            S.delayed[i] = S.delayed[--S.ndelayed];
            i--;
            deliver(json);
            drain();
        }
    }
}

static void client_call(void) {
    wps_call_id id = 0;
    wps_status st;
    char data[32];
    unsigned r = rnd() % 10;
    snprintf(data, sizeof data, "u%llu", (unsigned long long)A.payloads);
    if (r < 6) st = wps_client_send_to_group(C, now_ms, wps_slice_from_cstr("g"), WPS_DATA_TEXT, wps_slice_from_cstr(data), NULL, &id, NULL);
    else if (r < 9) st = wps_client_send_event(C, now_ms, wps_slice_from_cstr("e"), WPS_DATA_TEXT, wps_slice_from_cstr(data), NULL, &id, NULL);
    else st = wps_client_join_group(C, now_ms, wps_slice_from_cstr(rnd() % 2 ? "g" : "h"), NULL, &id, NULL);
    if (st == WPS_OK) {
        expect(id > 0 && id < MAX_CALLS_TRACKED, "call id in range");
        if (id < MAX_CALLS_TRACKED) {
            A.call_state[id] = 1;
            A.call_payload[id] = r < 9 ? (int64_t)A.payloads : -1;
        }
        if (r < 9) A.payloads++;
        A.calls++;
    } else {
        expect(st == WPS_ERR_CAPACITY, "a call is refused only for capacity");
    }
}

int main(int argc, char **argv) {
    uint64_t seed = 1, target_messages = 20000, target_disconnects = 200;
    int i;
    wps_client_config cfg = wps_client_config_default();
    void *mem;
    size_t need;
    for (i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--seed") && i + 1 < argc) seed = strtoull(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--messages") && i + 1 < argc) target_messages = strtoull(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--disconnects") && i + 1 < argc) target_disconnects = strtoull(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--verbose")) verbose = 1;
    }
    rng_state = seed * 2654435761u + 1;
    cfg.max_calls = 64;
    /* lost acks on a connection that stays up: without an ack timeout (the SDK has none) such a
       call would wait until the connection drops */
    cfg.ack_timeout_ms = 10000;
    cfg.message_retry.max_retries = 5;
    cfg.reconnect_retry.delay_ms = 500;
    need = wps_client_memory_size(&cfg);
    mem = malloc(need);
    if (wps_client_init(&C, &cfg, mem, need, NULL) != WPS_OK) return 2;
    A.per_session = 4096;
    A.delivered = (unsigned char *)calloc((size_t)MAX_SESSIONS * A.per_session / 8 + 1, 1);
    A.call_state = (unsigned char *)calloc(MAX_CALLS_TRACKED, 1);
    A.call_payload = (int64_t *)calloc(MAX_CALLS_TRACKED, sizeof(int64_t));
    A.up_session = (uint32_t *)calloc(MAX_CALLS_TRACKED, sizeof(uint32_t));
    A.up_count = (unsigned *)calloc(MAX_CALLS_TRACKED, sizeof(unsigned));
    if (!A.delivered || !A.call_state || !A.call_payload || !A.up_session || !A.up_count) return 2;

    printf("soak: seed %llu, %llu messages each way, %llu disconnects\n", (unsigned long long)seed,
           (unsigned long long)target_messages, (unsigned long long)target_disconnects);
    wps_client_start(C, now_ms);
    drain();
    while ((S.down_generated < target_messages || A.calls < target_messages || S.drops < target_disconnects) &&
           S.sessions_started < MAX_SESSIONS - 1) {
        uint64_t d;
        now_ms += rnd() % 40u;
        /* the network and the service */
        if (S.sock == 1) host_connect(1);
        else if (S.sock == 3) host_close(1000);
        else if (S.sock == 2) {
            unsigned r = rnd() % 1000u;
            if (r < 3 + (S.drops < target_disconnects ? 10u : 0u)) {
                static const uint16_t codes[] = {1006, 1001, 1011};
                S.drops++;
                host_close(codes[rnd() % 3]);
            } else if (r < 400) {
                service_generate();
            } else if (r < 420 && S.outbox_len) {
                /* a frame the client already got, again (the wire never reorders: replaying one
                   still in flight would overtake the ones before it) */
                const pending_down *p = &S.outbox[rnd() % (unsigned)S.outbox_len];
                if (was_delivered(p->session, p->msg)) send_down_msg(p);
            }
        }
        drain();
        flush_inflight();
        flush_delayed(0);
        /* the application */
        if (A.calls < target_messages && chance(300)) client_call();
        if (wps_client_get_state(C) == WPS_CLIENT_STOPPED) wps_client_start(C, now_ms);
        drain();
        d = wps_client_next_deadline(C);
        if (d <= now_ms) { /* the host's timer fired */
            wps_client_tick(C, now_ms);
            drain();
            d = wps_client_next_deadline(C);
            expect(d == UINT64_MAX || d >= now_ms, "the deadline is not in the past after a tick");
        }
    }
    /* quiesce: no more chaos; let every call and message settle */
    {
        int rounds;
        for (rounds = 0; rounds < 200000; rounds++) {
            int pending = 0;
            uint64_t k;
            now_ms += 50;
            if (S.sock == 1) {
                host_connect(0);
            } else if (S.sock == 3) {
                host_close(1000);
            }
            drain();
            flush_delayed(1);
            flush_inflight();
            if (wps_client_get_state(C) == WPS_CLIENT_STOPPED) wps_client_start(C, now_ms);
            wps_client_tick(C, now_ms);
            drain();
            for (k = 1; k < MAX_CALLS_TRACKED && k <= A.calls + 1; k++)
                if (A.call_state[k] == 1) pending = 1;
            if (!pending && S.outbox_len == 0 && S.inflight_len == 0 && S.sock == 2) break;
        }
    }
    /* verdict */
    {
        uint64_t k, not_completed = 0;
        for (k = 1; k < MAX_CALLS_TRACKED; k++)
            if (A.call_state[k] == 1) not_completed++;
        expect(not_completed == 0, "every call completed");
        expect(A.completions == A.calls, "one completion per call");
        expect(A.down_dups == 0, "no downstream message delivered twice");
        expect(S.down_generated == A.down_delivered + S.down_abandoned, "every downstream message delivered unless its session was refused");
        expect(S.up_dup_within_session == 0, "no upstream message delivered twice within a session");
        expect(S.ok_never_received == 0, "an OK completion is a message the service received");
        if (verbose) {
            uint32_t s, m2, shown = 0;
            for (s = 1; s <= S.sessions_started && s < MAX_SESSIONS; s++)
                for (m2 = 0; m2 < S.gen_count[s]; m2++)
                    if (!was_delivered(s, m2) && shown++ < 20) printf("  never delivered: s%um%u (current session %u)\n", s, m2, S.session);
        }
        printf("calls %llu (ok %llu, failed %llu); downstream generated %llu, delivered %llu, abandoned by refused recoveries %llu;\n"
               "upstream delivered %llu (again after a fresh connect %llu); sessions %u, drops %u, refused recoveries %u\n",
               (unsigned long long)A.calls, (unsigned long long)A.ok, (unsigned long long)A.failed, (unsigned long long)S.down_generated,
               (unsigned long long)A.down_delivered, (unsigned long long)S.down_abandoned, (unsigned long long)S.up_delivered,
               (unsigned long long)S.up_dup_across_sessions, S.sessions_started, S.drops, S.refusals);
        expect(A.calls >= target_messages && S.down_generated >= target_messages && S.drops >= target_disconnects, "the targets were reached");
    }
    {
        unsigned passed = 0, failed = 0;
        for (i = 0; i < g_ninv; i++) {
            printf("  %s %s (%llu checks)\n", g_fails[i] ? "FAIL" : "ok  ", g_names[i], g_checks[i]);
            if (g_fails[i]) failed++;
            else passed++;
        }
        printf("%u passed, %u failed\n", passed, failed);
        free(mem);
        free(A.delivered);
        free(A.call_state);
        free(A.call_payload);
        free(A.up_session);
        free(A.up_count);
        free(S.seen_ack);
        return failed ? 1 : 0;
    }
}
