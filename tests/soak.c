/* Chaos soak: wps_client against an in-process simulated Web PubSub service built on the
 * codec's service direction (it decodes upstream frames and encodes downstream ones).
 *
 *   build/soak [--seed N] [--messages N] [--disconnects N] [--verbose] [--trace PAYLOAD] [--embedded]
 *
 * The client runs with wps_client_config_default(), unchanged: the guarantees checked here are
 * the ones an application gets without tuning anything (max_calls 16, no ack or attempt
 * timeout, 3 message retries, resend_after_session_loss on). --embedded runs docs/client-guide.md's
 * embedded configuration instead (8 calls, 8 groups, 1088-byte frames, borrow_payloads: each
 * payload's text stays in `texts` for the whole run; receive_in_place: frames go to
 * wps_client_on_frame_writable).
 *
 * The network and the service misbehave on purpose, from a seeded PRNG (reproducible):
 *   - established connections end: recoverable drops (1006/1001/1011), a wire that breaks
 *     under an upstream frame (that frame and every later one on the socket are lost, and the
 *     host notices up to 2 s later), a silent wire (only the client's keepalive timeout ends it),
 *     and the service ending the session (a `disconnected` message, then close 1008);
 *   - recoveries are refused, either as a 1008 answer to the recovery handshake or as a socket
 *     that opens and is closed with 1008 at once (frames sent on it are lost): the session and
 *     its unacknowledged downstream messages are gone;
 *   - network outages of 5 to 90 s (every open and URL request fails; longer than the 30 s
 *     recovery window, the session is lost), single failed opens and URL requests;
 *   - downstream frames are duplicated and old ones replayed, acks are delayed (and so
 *     reordered), lost, duplicated or replaced by errors, upstream frames are duplicated.
 * The wire itself is TCP: on one socket frames arrive in order or, from a break on, not at all.
 * The service keeps reliable-protocol semantics: a per-session outbox replayed after recovery
 * from the client's last sequenceAck, and ackId de-duplication per connection (kept across
 * recovery, not across a session loss: a resend on a fresh connection is delivered again).
 *
 * Checked, and reported as "N passed, N failed" like the unit tests:
 *   - per-sender order: among the calls the service never answered with an error, the first
 *     receipts of sendToGroup/sendEvent at the service are in call order, across drops,
 *     recoveries, refused recoveries and session losses; and within each session the receipts
 *     (one per ackId, as the service de-duplicates) are in call order too;
 *   - at the host: first attempts go out in call order; every attempt carries the call's first
 *     ackId; on each connection, the resends of calls not answered with an error come first and
 *     in call order;
 *   - exactly once: every call completes, once; wps_action.sent says whether an attempt reached
 *     the host; OK only for a message the service has (0 lost); ACK_FAILED only after an error
 *     answer; NOT_SENT / DISCONNECTED only when the client stopped (its first start failed),
 *     since resend_after_session_loss resends everything else;
 *   - no downstream message reaches the application twice, and within a session none is lost:
 *     every message the service queued is delivered unless its session was lost (such messages
 *     are counted as abandoned, the only loss the protocol allows);
 *   - no upstream message is delivered twice within a session (a resend after a session loss is
 *     a duplicate the protocol allows at-least-once: counted and reported);
 *   - memory stays bounded (the client's is fixed; the service's outbox is capped).
 */
#define _POSIX_C_SOURCE 200809L
#define WPS_IMPLEMENTATION
#include "../wps.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static uint64_t rng_state;
static uint32_t rnd(void) {
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (uint32_t)(rng_state >> 16);
}
static int chance(unsigned per_mille) { return rnd() % 1000u < per_mille; }

/* Each invariant is one test: it passes when every check of it held. */
#define MAX_INVARIANTS 48
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

/* One upstream message the service processed (the first copy of its ackId on this session). */
typedef struct receipt {
    uint32_t session;
    uint32_t payload;
    uint32_t first; /* the first time the service ever had this payload */
} receipt;

/* Why a socket ended (the counters of the report). */
enum {
    END_DROP,     /* recoverable drop 1006/1001/1011 */
    END_BROKEN,   /* the wire broke under an upstream frame; noticed later (1006) */
    END_SILENT,   /* silent wire: the client's keepalive timeout closed it */
    END_SERVICE,  /* the service ended the session: close 1008 */
    END_REFUSED,  /* a recovery socket closed with 1008 at once */
    END_CLIENT,   /* the client closed a healthy socket */
    END_QUIESCE,  /* a drop in the final settling phase */
    END_KINDS
};

#define INFLIGHT_CAP 4096

typedef struct service {
    /* downstream messages on the wire (FIFO): lost when the socket drops */
    pending_down inflight[INFLIGHT_CAP];
    uint64_t inflight_at[INFLIGHT_CAP];
    int inflight_head, inflight_len;
    uint32_t gen_count[MAX_SESSIONS];
    uint32_t session;      /* current session number, 0 = none */
    int sock;              /* 0 none, 1 opening, 2 open, 3 closing (asked by the client) */
    int dead;              /* the open socket's wire is broken: nothing gets through either way */
    int dead_kind;         /* END_BROKEN or END_SILENT */
    uint64_t dead_close_at; /* when the host notices (UINT64_MAX: never by itself) */
    uint64_t outage_until; /* the network is down until then */
    int recovery;          /* the socket being opened is a recovery */
    uint64_t next_seq, acked_seq;
    pending_down outbox[OUTBOX_CAP];
    int outbox_len, outbox_max;
    uint32_t next_msg;
    /* ackId de-duplication per connection: the session that last processed each ackId */
    uint32_t *ack_session;
    size_t ack_cap;
    delayed_frame delayed[64];
    int ndelayed;
    /* the receipts, in the order the service processed them */
    receipt *log;
    size_t log_len, log_cap;
    /* accounting */
    uint64_t down_generated, down_abandoned, up_delivered, up_dup_within_session, up_dup_across_sessions, ok_never_received;
    uint64_t up_error_answers, up_dedup, open_failures, url_failures;
    unsigned drops_by_code[3], ends[END_KINDS], disconnects, refused_on_open, refused_after_open, outages, sessions_started;
} service;

typedef struct app {
    /* downstream: a bit per (session, msg) delivered to the application */
    unsigned char *delivered;
    uint32_t per_session;
    uint64_t down_delivered, down_dups;
    /* calls, by call id: 0 unknown, 1 pending, 2 done; and the payload number they carry */
    unsigned char *call_state;
    int64_t *call_payload; /* -1: a join */
    /* upstream payloads "u<n>" (n < np, numbered in call order): how often the service
       processed it and the last session that did, the attempts the host got, the first
       attempt's ackId, and whether the service ever answered it with an error */
    uint64_t np;
    uint32_t *up_session;
    uint32_t *up_count;
    uint32_t *attempts;
    uint64_t *first_ack;
    unsigned char *err;
    int64_t last_first;           /* the last payload whose first attempt reached the host */
    int conn_first;               /* a first attempt went out on this socket */
    int64_t conn_last_resend;     /* the last resend (not after an error) on this socket */
    uint64_t calls, payloads, pending, completions, ok, ack_failed, ack_failed_delivered, gave_up, refused_calls, resends;
    unsigned ev_recovering, ev_recovered, ev_disconnected, ev_connected, ev_start_failed;
} app;

static service S;
static app A;
static wps_client *C;
static uint64_t now_ms;
static int verbose, chaos = 1;
static int64_t trace = -1; /* --trace P: every step of payload P */

static int seen_ack(uint64_t id) { return id < S.ack_cap && S.ack_session[id] == S.session; }

static void add_ack(uint64_t id) {
    if (id >= S.ack_cap) {
        size_t cap = S.ack_cap ? S.ack_cap : 1u << 16;
        while (cap <= id) cap *= 2;
        S.ack_session = (uint32_t *)realloc(S.ack_session, cap * sizeof *S.ack_session);
        if (!S.ack_session) exit(2);
        memset(S.ack_session + S.ack_cap, 0, (cap - S.ack_cap) * sizeof *S.ack_session);
        S.ack_cap = cap;
    }
    S.ack_session[id] = S.session; /* sessions are never reused: a new one starts empty */
}

/* One frame to the client. It stays in g_frame until the next one: the client's events point
   into it until they are polled (the host contract). */
static char g_frame[512];
static int g_embedded;      /* --embedded */
static char (*g_texts)[24]; /* --embedded: payload texts, borrowed by their calls */
static void deliver(const char *json) {
    wps_status st;
    size_t n = strlen(json);
    if (n >= sizeof g_frame) n = sizeof g_frame - 1;
    memcpy(g_frame, json, n);
    st = g_embedded ? wps_client_on_frame_writable(C, now_ms, g_frame, n, true) : wps_client_on_frame(C, now_ms, g_frame, n, true);
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
    S.ndelayed = 0;
}

static void end_session(void) {
    /* recovery refused or the session ended: the session and its unacked messages are gone */
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
    queue_down(json, chaos && chance(300) ? rnd() % 3000u : 0u);
}

/* The payload number of an upstream sendToGroup/sendEvent ("u<n>"), or -1. */
static int64_t payload_of(const wps_message *m) {
    char buf[32];
    size_t n;
    unsigned long long v;
    if (m->kind != WPS_KIND_SEND_TO_GROUP && m->kind != WPS_KIND_SEND_EVENT) return -1;
    n = m->data.len < sizeof buf - 1 ? m->data.len : sizeof buf - 1;
    memcpy(buf, m->data.ptr, n);
    buf[n] = 0;
    if (sscanf(buf, "u%llu", &v) == 1 && v < A.np) return (int64_t)v;
    expect(0, "upstream payload parses");
    return -1;
}

static void log_receipt(int64_t p) {
    receipt *r;
    if (S.log_len == S.log_cap) {
        S.log_cap = S.log_cap ? S.log_cap * 2 : 1u << 16;
        S.log = (receipt *)realloc(S.log, S.log_cap * sizeof *S.log);
        if (!S.log) exit(2);
    }
    r = &S.log[S.log_len++];
    r->session = S.session;
    r->payload = (uint32_t)p;
    r->first = A.up_count[p] == 0;
}

/* The service processes one upstream message. */
static void service_receive(const wps_message *m) {
    switch (m->kind) {
    case WPS_KIND_SEQUENCE_ACK: {
        int i, k = 0;
        if (m->sequence_id > S.acked_seq) S.acked_seq = m->sequence_id;
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
        int64_t p = payload_of(m);
        if (!(m->has & WPS_HAS_ACK_ID)) break;
        if (chaos && chance(30)) { /* the service fails this attempt: nothing delivered */
            S.up_error_answers++;
            if (p >= 0) A.err[p] = 1;
            if (trace >= 0 && p == trace) printf("  %llu trace u%lld: error answer, ackId %llu, session %u\n", (unsigned long long)now_ms, (long long)p, (unsigned long long)m->ack_id, S.session);
            queue_ack(m->ack_id, 0, "InternalServerError");
            break;
        }
        if (seen_ack(m->ack_id)) {
            S.up_dedup++;
            if (trace >= 0 && p == trace) printf("  %llu trace u%lld: Duplicate, ackId %llu, session %u\n", (unsigned long long)now_ms, (long long)p, (unsigned long long)m->ack_id, S.session);
            if (!(chaos && chance(100))) queue_ack(m->ack_id, 0, "Duplicate"); /* else the ack is lost */
            break;
        }
        add_ack(m->ack_id);
        if (p >= 0) {
            /* the same payload under another ackId in the same session would be a retry that
               did not reuse its ackId */
            if (A.up_count[p] && A.up_session[p] == S.session) {
                S.up_dup_within_session++;
                if (verbose) printf("  %llu DUP up u%lld ackId %llu session %u\n", (unsigned long long)now_ms, (long long)p, (unsigned long long)m->ack_id, S.session);
            } else if (A.up_count[p]) {
                S.up_dup_across_sessions++;
            }
            if (trace >= 0 && p == trace) printf("  %llu trace u%lld: delivered (%s), ackId %llu, session %u\n", (unsigned long long)now_ms, (long long)p, A.up_count[p] ? "again" : "first", (unsigned long long)m->ack_id, S.session);
            log_receipt(p);
            A.up_session[p] = S.session;
            A.up_count[p]++;
            S.up_delivered++;
        }
        if (chaos && chance(50)) break; /* the ack is lost on the way */
        queue_ack(m->ack_id, 1, NULL);
        if (chaos && chance(20)) queue_ack(m->ack_id, 1, NULL); /* and sometimes duplicated */
        break;
    }
    default: break;
    }
}

static void service_generate(void) {
    pending_down *p;
    if (!S.session || S.outbox_len >= OUTBOX_CAP) return;
    if (S.next_msg >= A.per_session) return;
    p = &S.outbox[S.outbox_len++];
    if (S.outbox_len > S.outbox_max) S.outbox_max = S.outbox_len;
    p->seq = S.next_seq++;
    p->session = S.session;
    p->msg = S.next_msg++;
    S.down_generated++;
    S.gen_count[S.session] = S.next_msg;
    if (S.sock == 2 && !S.dead && S.inflight_len < INFLIGHT_CAP) { /* on the wire for a while */
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
    while (S.inflight_len && S.sock == 2 && !S.dead && S.inflight_at[S.inflight_head] <= now_ms) {
        pending_down p = S.inflight[S.inflight_head];
        S.inflight_head = (S.inflight_head + 1) % INFLIGHT_CAP;
        S.inflight_len--;
        send_down_msg(&p);
        drain();
    }
}

/* ------------------------------------------------------------------ host */

/* The socket ends; `kind` says why (END_*), for the report. */
static void host_close(uint16_t code, int kind) {
    wps_status st;
    if (kind != END_REFUSED && kind != END_QUIESCE) S.disconnects++;
    S.ends[kind]++;
    S.sock = 0;
    S.dead = 0;
    S.ndelayed = 0; /* frames in flight are lost with the socket */
    S.inflight_len = 0;
    st = wps_client_on_close(C, now_ms, code, "chaos", 5);
    expect(st == WPS_OK, "on_close accepted");
}

static void on_complete(const wps_action *a) {
    uint32_t id = a->call;
    int64_t p;
    if (id >= MAX_CALLS_TRACKED) return;
    expect(A.call_state[id] == 1, "a call completes once, and only a call that was made");
    if (A.call_state[id] != 1) return;
    A.call_state[id] = 2;
    A.completions++;
    A.pending--;
    p = A.call_payload[id];
    if (trace >= 0 && p == trace) printf("  %llu trace u%lld: completes %s, sent %d\n", (unsigned long long)now_ms, (long long)p, wps_status_name(a->status), (int)a->sent);
    if (p >= 0) expect(a->sent == (A.attempts[p] > 0), "wps_action.sent says whether an attempt reached the host");
    switch (a->status) {
    case WPS_OK:
        A.ok++;
        expect(a->sent, "wps_action.sent says whether an attempt reached the host");
        if (p >= 0 && !A.up_count[p]) {
            S.ok_never_received++;
            if (verbose) printf("  %llu LOST u%lld: completed OK, never received\n", (unsigned long long)now_ms, (long long)p);
        }
        break;
    case WPS_ERR_ACK_FAILED:
        A.ack_failed++;
        if (p >= 0 && A.up_count[p]) {
            A.ack_failed_delivered++;
            if (verbose) printf("  %llu ACK_FAILED u%lld, delivered %u times\n", (unsigned long long)now_ms, (long long)p, A.up_count[p]);
        }
        expect(p < 0 || A.err[p], "ACK_FAILED only after the service answered the call with an error");
        break;
    case WPS_ERR_NOT_SENT:
    case WPS_ERR_DISCONNECTED:
        /* resend_after_session_loss: a sent call waits through every outage; it can only be
           given up when the client stops (here: its first start failed) */
        A.gave_up++;
        expect(wps_client_get_state(C) == WPS_CLIENT_STOPPED, "NOT_SENT and DISCONNECTED only when the client stopped");
        expect(a->sent == (a->status == WPS_ERR_DISCONNECTED), "NOT_SENT: never sent; DISCONNECTED: sent");
        break;
    default:
        printf("  unexpected completion status %s\n", wps_status_name(a->status));
        expect(0, "completions are OK, ACK_FAILED, or NOT_SENT/DISCONNECTED when stopped");
        break;
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

/* An attempt of a sendToGroup/sendEvent reaches the host (the wire may still lose it). */
static void host_attempt(const wps_message *m) {
    int64_t p = payload_of(m);
    if (p < 0) return;
    if (trace >= 0 && p == trace) printf("  %llu trace u%lld: attempt %u, ackId %llu, state %s%s\n", (unsigned long long)now_ms, (long long)p, A.attempts[p] + 1, (unsigned long long)m->ack_id, wps_client_state_name(wps_client_get_state(C)), S.dead ? " (broken wire)" : "");
    if (A.attempts[p] == 0) {
        expect(p > A.last_first, "first attempts reach the host in call order");
        A.last_first = p;
        A.first_ack[p] = m->ack_id;
        A.conn_first = 1;
    } else {
        A.resends++;
        expect(m->ack_id == A.first_ack[p], "every attempt of a call carries its first ackId");
        if (!A.err[p]) {
            expect(!A.conn_first, "on a connection, resends come before later calls");
            expect(p > A.conn_last_resend, "on a connection, resends go in call order");
            A.conn_last_resend = p;
        }
    }
    A.attempts[p]++;
}

static void drain(void) {
    static char scratch[65536];
    static char tx[4096]; /* --embedded: the transmit buffer lent to the client (host_transmit_buffer) */
    wps_action a;
    int guard = 0;
    while (wps_client_poll_into(C, &a, g_embedded ? tx : NULL, g_embedded ? sizeof tx : 0)) {
        if (++guard > 1000000) {
            expect(0, "poll ends");
            return;
        }
        switch (a.kind) {
        case WPS_ACTION_NEED_URL:
            if (now_ms < S.outage_until || (chaos && chance(20))) {
                S.url_failures++;
                wps_client_url_failed(C, now_ms);
            } else {
                wps_client_set_url(C, now_ms, "wss://sim/client/hubs/soak?access_token=t", 41);
            }
            break;
        case WPS_ACTION_OPEN:
            expect(S.sock == 0, "one socket at a time");
            S.sock = 1;
            S.recovery = strstr(a.url.ptr, "awps_connection_id=") != NULL;
            A.conn_first = 0;
            A.conn_last_resend = -1;
            break;
        case WPS_ACTION_SEND: {
            wps_codec up = wps_codec_make(WPS_PROTOCOL_JSON_RELIABLE, WPS_UPSTREAM);
            wps_message m;
            wps_status st;
            expect(S.sock == 2, "frames only on an open socket");
            if (S.sock != 2) break;
            st = wps_decode(&up, a.frame.ptr, a.frame.len, scratch, sizeof scratch, &m, NULL);
            expect(st == WPS_OK, "client frames decode as upstream messages");
            if (st != WPS_OK) break;
            host_attempt(&m);
            if (S.dead) break; /* lost with the broken wire */
            if (chaos && chance(5)) {
                /* the wire breaks under this frame: it and every later one are lost (TCP never
                   loses one frame and delivers the next); the host notices a little later */
                S.dead = 1;
                S.dead_kind = END_BROKEN;
                S.dead_close_at = now_ms + rnd() % 2000u;
                break;
            }
            service_receive(&m);
            if (chaos && chance(10)) service_receive(&m); /* duplicated upstream */
            break;
        }
        case WPS_ACTION_CLOSE:
            if (S.sock) S.sock = 3;
            break;
        case WPS_ACTION_EVENT:
            switch (a.event) {
            case WPS_EVENT_SERVER_MESSAGE:
            case WPS_EVENT_GROUP_MESSAGE: on_message(a.message); break;
            case WPS_EVENT_RECOVERING: A.ev_recovering++; break;
            case WPS_EVENT_RECOVERED: A.ev_recovered++; break;
            case WPS_EVENT_DISCONNECTED: A.ev_disconnected++; break;
            case WPS_EVENT_CONNECTED: A.ev_connected++; break;
            case WPS_EVENT_START_FAILED: A.ev_start_failed++; break;
            default: break;
            }
            if (verbose && a.event != WPS_EVENT_SERVER_MESSAGE) printf("  %llu event %s\n", (unsigned long long)now_ms, wps_event_kind_name(a.event));
            break;
        case WPS_ACTION_COMPLETE: on_complete(&a); break;
        default: break;
        }
    }
}

/* The socket the client asked for: open it (or refuse it), like the service would. */
static void host_connect(void) {
    if (S.sock != 1) return;
    if (now_ms < S.outage_until || (chaos && chance(50))) { /* the open fails */
        S.sock = 0;
        S.open_failures++;
        wps_client_on_open_failed(C, now_ms, 0);
        return;
    }
    if (S.recovery) {
        if (!S.session || (chaos && chance(80))) { /* refused: the session ends */
            end_session();
            if (rnd() % 2) { /* the handshake is answered 1008 */
                S.refused_on_open++;
                S.sock = 0;
                wps_client_on_open_failed(C, now_ms, 1008);
            } else { /* the socket opens and the service closes it with 1008 at once */
                S.refused_after_open++;
                S.sock = 2;
                S.dead = 1; /* what the client sends meanwhile is not processed */
                wps_client_on_open(C, now_ms);
                drain();
                host_close(1008, END_REFUSED);
            }
            return;
        }
        S.sock = 2;
        wps_client_on_open(C, now_ms);
        drain();
        {
            /* replay everything not acknowledged */
            int i;
            for (i = 0; i < S.outbox_len && S.sock == 2 && !S.dead; i++) {
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

/* An established connection ends, one way or another. */
static void chaos_disconnect(void) {
    unsigned k = rnd() % 1000u;
    if (k < 30) { /* the service ends the session */
        deliver("{\"type\":\"system\",\"event\":\"disconnected\",\"message\":\"chaos\"}");
        drain();
        end_session();
        host_close(1008, END_SERVICE);
    } else if (k < 38) { /* the wire goes silent: only the keepalive timeout notices */
        S.dead = 1;
        S.dead_kind = END_SILENT;
        S.dead_close_at = UINT64_MAX;
    } else {
        static const uint16_t codes[] = {1006, 1001, 1011};
        unsigned c = rnd() % 3u;
        S.drops_by_code[c]++;
        host_close(codes[c], END_DROP);
        if (k >= 975) { /* and the network stays down a while */
            S.outages++;
            S.outage_until = now_ms + 5000u + rnd() % 85000u;
        }
    }
}

/* Service frames that are due (all of them when `all`) reach the client. */
static void flush_delayed(int all) {
    int i;
    for (i = 0; i < S.ndelayed; i++) {
        if ((all || S.delayed[i].at <= now_ms) && S.sock == 2 && !S.dead) {
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
    char buf[24], *data = g_embedded ? g_texts[A.payloads] : buf; /* borrowed: alive for the run */
    unsigned r = rnd() % 10;
    snprintf(data, sizeof buf, "u%llu", (unsigned long long)A.payloads);
    if (r < 6) st = wps_client_send_to_group(C, now_ms, wps_slice_from_cstr("g"), WPS_DATA_TEXT, wps_slice_from_cstr(data), NULL, &id, NULL);
    else if (r < 9) st = wps_client_send_event(C, now_ms, wps_slice_from_cstr("e"), WPS_DATA_TEXT, wps_slice_from_cstr(data), NULL, &id, NULL);
    else st = wps_client_join_group(C, now_ms, wps_slice_from_cstr(rnd() % 2 ? "g" : "h"), NULL, &id, NULL);
    if (st == WPS_OK) {
        expect(id > 0 && id < MAX_CALLS_TRACKED, "call id in range");
        if (id < MAX_CALLS_TRACKED) {
            /* a call made while stopped has completed already */
            if (A.call_state[id] == 0) A.call_state[id] = 1;
            A.call_payload[id] = r < 9 ? (int64_t)A.payloads : -1;
        }
        if (r < 9) A.payloads++;
        A.calls++;
        A.pending++;
        drain();
    } else {
        A.refused_calls++;
        expect(st == WPS_ERR_TOO_MANY_CALLS, "a call is refused only when max_calls are pending");
    }
}

static uint64_t pct(uint64_t a, uint64_t b) { return b ? a * 100 / b : 0; }

int main(int argc, char **argv) {
    uint64_t seed = 1, target_messages = 20000, target_disconnects = 200;
    int i;
    /* The default configuration, unchanged (the keepalive defaults suit the simulation: the
       service answers pings, and a silent wire is found by the 120 s timeout). */
    wps_client_config cfg = wps_client_config_default();
    void *mem;
    size_t need;
    clock_t t0 = clock();
    for (i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--seed") && i + 1 < argc) seed = strtoull(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--messages") && i + 1 < argc) target_messages = strtoull(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--disconnects") && i + 1 < argc) target_disconnects = strtoull(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--trace") && i + 1 < argc) trace = (int64_t)strtoll(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--verbose")) verbose = 1;
        else if (!strcmp(argv[i], "--embedded")) g_embedded = 1;
    }
    if (target_messages >= MAX_CALLS_TRACKED - 1) target_messages = MAX_CALLS_TRACKED - 2;
    rng_state = seed * 2654435761u + 1;
    if (g_embedded) {
        cfg = wps_client_config_embedded();
        g_texts = (char(*)[24])calloc((size_t)target_messages + 2, sizeof *g_texts);
        if (!g_texts) return 2;
    }
    need = wps_client_memory_size(&cfg);
    mem = malloc(need);
    if (wps_client_init(&C, &cfg, mem, need, NULL) != WPS_OK) return 2;
    A.per_session = 4096;
    A.np = target_messages + 1;
    A.last_first = -1;
    A.delivered = (unsigned char *)calloc((size_t)MAX_SESSIONS * A.per_session / 8 + 1, 1);
    A.call_state = (unsigned char *)calloc(MAX_CALLS_TRACKED, 1);
    A.call_payload = (int64_t *)calloc(MAX_CALLS_TRACKED, sizeof(int64_t));
    A.up_session = (uint32_t *)calloc(A.np, sizeof(uint32_t));
    A.up_count = (uint32_t *)calloc(A.np, sizeof(uint32_t));
    A.attempts = (uint32_t *)calloc(A.np, sizeof(uint32_t));
    A.first_ack = (uint64_t *)calloc(A.np, sizeof(uint64_t));
    A.err = (unsigned char *)calloc(A.np, 1);
    if (!A.delivered || !A.call_state || !A.call_payload || !A.up_session || !A.up_count || !A.attempts || !A.first_ack || !A.err)
        return 2;

    printf("soak: seed %llu, %llu messages each way, %llu disconnects, %s client configuration\n", (unsigned long long)seed,
           (unsigned long long)target_messages, (unsigned long long)target_disconnects, g_embedded ? "the embedded" : "default");
    wps_client_start(C, now_ms);
    drain();
    while ((S.down_generated < target_messages || A.calls < target_messages || S.disconnects < target_disconnects) &&
           S.sessions_started < MAX_SESSIONS - 1) {
        uint64_t d;
        now_ms += rnd() % 40u;
        /* the network and the service */
        if (S.sock == 1) {
            host_connect();
        } else if (S.sock == 3) {
            host_close(S.dead ? 1006 : 1000, S.dead ? S.dead_kind : END_CLIENT);
        } else if (S.sock == 2 && S.dead) {
            if (now_ms >= S.dead_close_at) host_close(1006, S.dead_kind);
        } else if (S.sock == 2) {
            unsigned r = rnd() % 1000u;
            if (r < 3 + (S.disconnects < target_disconnects ? 10u : 0u)) {
                chaos_disconnect();
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
        int rounds, stall = 0;
        uint64_t last = A.completions;
        chaos = 0;
        S.outage_until = 0;
        for (rounds = 0; rounds < 200000; rounds++) {
            now_ms += 50;
            if (S.sock == 1) host_connect();
            else if (S.sock == 3) host_close(S.dead ? 1006 : 1000, END_QUIESCE);
            else if (S.sock == 2 && S.dead) host_close(1006, END_QUIESCE); /* noticed at once now */
            drain();
            flush_delayed(1);
            flush_inflight();
            if (wps_client_get_state(C) == WPS_CLIENT_STOPPED) wps_client_start(C, now_ms);
            wps_client_tick(C, now_ms);
            drain();
            if (A.completions != last) {
                last = A.completions;
                stall = 0;
            } else if (A.pending && ++stall >= 200 && S.sock == 2) {
                /* a call whose answer was lost waits (no ack timeout by default) until the
                   connection ends: end it, the recovery resends the call with its ackId */
                host_close(1006, END_QUIESCE);
                stall = 0;
            }
            if (!A.pending && S.outbox_len == 0 && S.inflight_len == 0 && S.sock == 2) break;
        }
    }
    /* verdict */
    {
        uint64_t k, not_completed = 0, reordered = 0, reordered_session = 0, checked = 0, excluded = 0, never_received = 0;
        int64_t max_global = -1, max_session = -1;
        uint32_t session = 0;
        for (k = 1; k < MAX_CALLS_TRACKED; k++)
            if (A.call_state[k] == 1) not_completed++;
        for (k = 0; k < A.payloads; k++) {
            if (A.err[k]) excluded++;
            if (!A.up_count[k]) never_received++;
        }
        /* per-sender order, from the service's receipts */
        for (k = 0; k < S.log_len; k++) {
            const receipt *r = &S.log[k];
            int64_t p = r->payload;
            if (A.err[p]) continue; /* answered with an error: its retry may pass later calls */
            if (r->session != session) {
                session = r->session;
                max_session = -1;
            }
            if (p < max_session) {
                reordered_session++;
                if (verbose && reordered_session <= 10)
                    printf("  REORDER in session %u: u%lld after u%lld\n", r->session, (long long)p, (long long)max_session);
            } else {
                max_session = p;
            }
            if (!r->first) continue;
            checked++;
            if (p < max_global) {
                reordered++;
                if (reordered <= 10)
                    printf("  REORDER u%lld first received (session %u) after u%lld; attempts %u, ackId %llu (--trace %lld)\n", (long long)p,
                           r->session, (long long)max_global, A.attempts[p], (unsigned long long)A.first_ack[p], (long long)p);
            } else {
                max_global = p;
            }
        }
        expect(reordered == 0, "per-sender order: first receipts at the service in call order (calls never answered with an error)");
        expect(reordered_session == 0, "per-sender order within each session (receipts de-duplicated per connection)");
        expect(not_completed == 0 && A.pending == 0, "every call completed");
        expect(A.completions == A.calls, "one completion per call");
        expect(S.ok_never_received == 0, "0 lost: an OK completion is a message the service received");
        expect(A.down_dups == 0, "no downstream message delivered twice");
        expect(S.down_generated == A.down_delivered + S.down_abandoned, "every downstream message delivered unless its session was lost");
        expect(S.up_dup_within_session == 0, "no upstream message delivered twice within a session");
        if (verbose) {
            uint32_t s, m2, shown = 0;
            for (s = 1; s <= S.sessions_started && s < MAX_SESSIONS; s++)
                for (m2 = 0; m2 < S.gen_count[s]; m2++)
                    if (!was_delivered(s, m2) && shown++ < 20) printf("  never delivered: s%um%u (current session %u)\n", s, m2, S.session);
        }
        printf("calls %llu: %llu messages, %llu joins; ok %llu, ack failed %llu (%llu of them delivered), given up when stopped %llu; "
               "refused at max_calls %llu\n",
               (unsigned long long)A.calls, (unsigned long long)A.payloads, (unsigned long long)(A.calls - A.payloads), (unsigned long long)A.ok,
               (unsigned long long)A.ack_failed, (unsigned long long)A.ack_failed_delivered, (unsigned long long)A.gave_up,
               (unsigned long long)A.refused_calls);
        printf("disconnects %u: drops 1006 %u, 1001 %u, 1011 %u, broken wire %u, silent wire (keepalive timeout) %u, session ended by the "
               "service (1008) %u, client closes %u; outages %u, failed opens %llu, failed URLs %llu; drops while settling %u\n",
               S.disconnects, S.drops_by_code[0], S.drops_by_code[1], S.drops_by_code[2], S.ends[END_BROKEN], S.ends[END_SILENT],
               S.ends[END_SERVICE], S.ends[END_CLIENT], S.outages, (unsigned long long)S.open_failures, (unsigned long long)S.url_failures,
               S.ends[END_QUIESCE]);
        printf("recoveries %u of %u episodes; refused recoveries %u (1008 on the handshake %u, close 1008 after open %u); session losses %u "
               "(sessions %u, start failures %u)\n",
               A.ev_recovered, A.ev_recovering, S.refused_on_open + S.refused_after_open, S.refused_on_open, S.refused_after_open,
               A.ev_disconnected, S.sessions_started, A.ev_start_failed);
        printf("upstream: delivered %llu, resends %llu, duplicates dropped by ackId %llu, duplicates across sessions %llu (at-least-once), "
               "error answers %llu (calls excluded from the order check %llu), never received %llu\n",
               (unsigned long long)S.up_delivered, (unsigned long long)A.resends, (unsigned long long)S.up_dedup,
               (unsigned long long)S.up_dup_across_sessions, (unsigned long long)S.up_error_answers, (unsigned long long)excluded,
               (unsigned long long)never_received);
        printf("order: %llu first receipts checked (%llu%% of messages), reordered %llu, reordered within a session %llu; lost %llu\n",
               (unsigned long long)checked, (unsigned long long)pct(checked, A.payloads), (unsigned long long)reordered,
               (unsigned long long)reordered_session, (unsigned long long)S.ok_never_received);
        printf("downstream: generated %llu, delivered %llu, abandoned with lost sessions %llu, duplicates %llu\n",
               (unsigned long long)S.down_generated, (unsigned long long)A.down_delivered, (unsigned long long)S.down_abandoned,
               (unsigned long long)A.down_dups);
        printf("memory: client %zu bytes (fixed), service outbox max %d of %d; simulated %.1f h in %.1f s\n", need, S.outbox_max, OUTBOX_CAP,
               (double)now_ms / 3600000.0, (double)(clock() - t0) / CLOCKS_PER_SEC);
        expect(A.calls >= target_messages && S.down_generated >= target_messages && S.disconnects >= target_disconnects, "the targets were reached");
        expect(S.drops_by_code[0] && S.drops_by_code[1] && S.drops_by_code[2] && S.refused_on_open && S.refused_after_open &&
                   S.ends[END_SERVICE] && A.ev_recovered && A.ev_disconnected,
               "every kind of fault happened");
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
        free(A.attempts);
        free(A.first_ack);
        free(A.err);
        free(S.ack_session);
        free(S.log);
        return failed ? 1 : 0;
    }
}
